#!/bin/bash
# While the bomb runs, this script can use shell builtins only: it can't fork. Every wait is
# bounded, and the script returns only once minictr has ended, so that the check that follows
# (which needs forks) never meets a full sandbox, however slow the machine is.
P=$(cgroup-files --dir pids)
max=$(cat "$P/pids.max")
rm -f /tmp/.solve-wait && mkfifo /tmp/.solve-wait && exec 3<>/tmp/.solve-wait
pause() { read -r -t "$1" -u 3 || true; } # a sleep that needs no fork

setsid minictr run --rm --name bomb2 -- bash -c 'exec 2>/dev/null; :(){ :|:& };:; exec sleep 5' \
  </dev/null >/dev/null 2>&1 &
ctr=$!
n=0
for ((i = 0; i < 300; i++)); do # until the sandbox is full, or minictr gave up (up to 30 s)
  read -r n <"$P/pids.current"
  [ "$n" -lt $((max - 2)) ] || break
  kill -0 "$ctr" 2>/dev/null || break
  pause 0.1
done
echo "$n" >/root/bomb-count
# The container's PID 1 ends after its 5 s sleep and takes the bomb with it; minictr then
# reports and removes the cgroup. (`wait` is a builtin; the runtime's 60 s timeout bounds it.)
wait "$ctr"
