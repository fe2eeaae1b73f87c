#!/bin/bash
# A child cgroup named bomb with a small pids.max is full, and has refused forks.
P=$(cgroup-files --dir pids)
if [ ! -d "$P/bomb" ]; then
  echo "FAIL: there is no cgroup $P/bomb. Make it with: mkdir \$P/bomb (after cgroup-files --enable pids and P=\$(cgroup-files --dir pids))"
  exit 1
fi
if [ ! -e "$P/bomb/pids.max" ]; then
  echo 'FAIL: bomb has no pids.max file: run cgroup-files --enable pids, then remove bomb with rmdir and make it again.'
  exit 1
fi
max=$(cat "$P/bomb/pids.max")
if ! [[ $max =~ ^[0-9]+$ ]] || [ "$max" -gt 64 ]; then
  echo "FAIL: bomb's pids.max is $max. Set a small limit: echo 20 > \$P/bomb/pids.max"
  exit 1
fi
current=$(cat "$P/bomb/pids.current")
refused=$(awk '$1 == "max" { print $2 }' "$P/bomb/pids.events")
if [ "$current" -lt $((max - 2)) ] || [ "${refused:-0}" -eq 0 ]; then
  echo "FAIL: bomb has $current of $max tasks and has refused ${refused:-0} forks: the bomb is not running in it. Start it with the bash -c command of this step."
  exit 1
fi
echo "bomb: $current of $max tasks, $refused forks refused."
