#!/bin/bash
P=$(cgroup-files --dir pids)
[ -d "$P/bomb" ] || exit 0
while grep -q . "$P/bomb/cgroup.procs"; do
  # shellcheck disable=SC2046 # one PID per word
  kill -9 $(cat "$P/bomb/cgroup.procs") 2>/dev/null
done
for _ in $(seq 20); do rmdir "$P/bomb" 2>/dev/null && break; sleep 0.1; done
