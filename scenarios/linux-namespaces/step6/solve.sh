#!/bin/bash
setsid unshare --uts --ipc --net --mount --pid --fork --mount-proc \
  sh -c 'hostname box1; exec sleep 1000' </dev/null >/dev/null 2>&1 &
sleep 1
box=$(pgrep -P $!)
nsenter --target "$box" --uts --ipc --net --mount --pid ipcmk --queue
