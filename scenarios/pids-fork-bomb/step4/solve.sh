#!/bin/bash
# While the bomb runs, this script can use shell builtins only: it can't fork.
P=$(cgroup-files --dir pids)
max=$(cat "$P/pids.max")
rm -f /tmp/.solve-wait && mkfifo /tmp/.solve-wait && exec 3<>/tmp/.solve-wait
pause() { read -r -t "$1" -u 3 || true; } # a sleep that needs no fork

setsid minictr run --rm --name bomb2 -- bash -c 'exec 2>/dev/null; :(){ :|:& };:; exec sleep 5' \
  </dev/null >/dev/null 2>&1 &
for ((i = 0; i < 40; i++)); do # wait until the sandbox is full (up to 4 s)
  pause 0.1
  read -r n <"$P/pids.current"
  [ "$n" -lt $((max - 2)) ] || break
done
echo "$n" >/root/bomb-count
for ((i = 0; i < 100; i++)); do # wait until the bomb is over (up to 10 s)
  pause 0.1
  read -r n <"$P/pids.current"
  [ "$n" -gt $((max / 2)) ] || break
done
pause 0.5
