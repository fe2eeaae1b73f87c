#!/bin/bash
# A process called box1 lives in its own UTS, IPC, network, mount and PID namespaces, and its
# IPC namespace holds a message queue.
found=""
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  [ "$(nsenter --target "$pid" --uts hostname 2>/dev/null)" = box1 ] || continue
  separate=yes
  for type in uts ipc net mnt pid; do
    if [ "$(readlink "$dir/ns/$type" 2>/dev/null)" = "$(readlink "/proc/self/ns/$type")" ]; then
      separate=no
    fi
  done
  [ "$separate" = yes ] || continue
  found=$pid
  if nsenter --target "$pid" --ipc ipcs -q 2>/dev/null | grep -q '^0x'; then exit 0; fi
done
if [ -z "$found" ]; then
  echo 'FAIL: there is no box1: no process with its own UTS, IPC, network, mount and PID namespaces and the host name box1. Start it with the unshare ... sh -c "hostname box1; exec sleep 1000" & command above.'
else
  echo "FAIL: box1 (PID $found) has no message queue yet. Run: nsenter --target $found --uts --ipc --net --mount --pid bash, then inside it: ipcmk --queue"
fi
exit 1
