#!/bin/bash
# ~/bomb-count shows that the sandbox reached its pids limit, and the bomb is over now.
P=$(cgroup-files --dir pids)
max=$(cat "$P/pids.max")
current=$(cat "$P/pids.current")
if [ "$current" -gt $((max - 16)) ]; then
  echo "FAIL: your sandbox still has $current of $max tasks. Wait until the bombs are over (minictr says they ended), then press Check."
  exit 1
fi
if [ ! -s /root/bomb-count ]; then
  echo 'FAIL: ~/bomb-count is missing. While bomb2 runs, record the count: read n < $P/pids.current; echo $n > ~/bomb-count'
  exit 1
fi
count=$(tr -d '[:space:]' </root/bomb-count)
if ! [[ $count =~ ^[0-9]+$ ]] || [ "$count" -lt $((max - 3)) ]; then
  echo "FAIL: ~/bomb-count says $count, but the limit is $max: record it while bomb2 runs (start it again with the minictr run --rm --name bomb2 ... command, then run the read line at once)."
  exit 1
fi
