#!/bin/bash
# ~/memory-mib holds the sandbox's memory limit in MiB.
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  limit=$(cat /sys/fs/cgroup/memory.max)
else
  limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
fi
want=$((limit / 1024 / 1024))
file=/root/memory-mib
if [ ! -s "$file" ]; then
  echo 'FAIL: ~/memory-mib is missing. Find the memory limit with cgroup-files, divide it by 1048576 and save it, for example: echo 100 > ~/memory-mib'
  exit 1
fi
got=$(tr -d '[:space:]' <"$file")
if [ "$got" = "$want" ]; then exit 0; fi
if [ "$got" = "$limit" ]; then
  echo "FAIL: $got is the limit in bytes. Divide it by 1024 twice: echo \$(( $limit / 1024 / 1024 ))"
else
  echo "FAIL: ~/memory-mib says '$got'. Look at the 'memory limit' line of cgroup-files and divide the bytes by 1048576."
fi
exit 1
