#!/bin/bash
# A yes hog runs, and the sandbox's CPU time counter grows while it does.
usage() { # CPU time used by the whole sandbox, in microseconds
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    awk '$1 == "usage_usec" { print $2 }' /sys/fs/cgroup/cpu.stat
  else
    echo $(($(cat /sys/fs/cgroup/cpuacct/cpuacct.usage) / 1000))
  fi
}
if ! pgrep -x yes >/dev/null; then
  echo 'FAIL: no yes is running. Start one in the background with: yes > /dev/null &'
  exit 1
fi
before=$(usage)
sleep 2
used=$(($(usage) - before))
if [ "$used" -lt 200000 ]; then
  echo "FAIL: your sandbox used only $((used / 1000)) ms of CPU in 2 s, so yes is hardly running. Is it stopped (kill -CONT %1)? Or is the machine very busy? Press Check again."
  exit 1
fi
