#!/bin/bash
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  limit=$(cat /sys/fs/cgroup/memory.max)
else
  limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
fi
echo $((limit / 1024 / 1024)) >/root/memory-mib
