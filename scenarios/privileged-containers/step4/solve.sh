#!/bin/bash
unshare --user --map-root-user bash -c '
  { capsh --print | head -n 1
    date -s "2030-01-01"
    mknod /tmp/disk b 8 0
    sysctl -w vm.swappiness=10
    echo 100000 > $(cgroup-files --dir pids)/pids.max
  } 2>&1' >/root/privileged.txt
exit 0
