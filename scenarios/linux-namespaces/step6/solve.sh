#!/bin/bash
setsid unshare --uts --ipc --net --mount --pid --fork --mount-proc \
  sh -c 'hostname box1; exec sleep 1000' </dev/null >/dev/null 2>&1 &
# Wait (at most 20 s) until unshare has forked box1: on a busy host that takes longer than a
# fixed pause, and without its pid nsenter has nothing to enter.
box=""
for _ in $(seq 200); do box=$(pgrep -P $!) && break; sleep 0.1; done
nsenter --target "$box" --uts --ipc --net --mount --pid ipcmk --queue
