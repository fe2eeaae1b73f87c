#!/bin/bash
# A container with a CPU quota below one CPU runs a hog, and uses no more CPU time than the quota.
v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }
dir() { # the directory of cgroup $2 (relative to the sandbox's) in controller $1's tree
  if v2; then echo "/sys/fs/cgroup${2:+/$2}"; else echo "$(readlink -f "/sys/fs/cgroup/$1")${2:+/$2}"; fi
}
usage_us() { # CPU time used by cgroup $1, in microseconds
  if v2; then
    awk '$1 == "usage_usec" { print $2 }' "$(dir cpu "$1")/cpu.stat"
  else
    echo $(($(cat "$(dir cpuacct "$1")/cpuacct.usage") / 1000))
  fi
}
running() { grep -q . "$(dir cpu "$1")/cgroup.procs" 2>/dev/null; }
quota() { # prints "QUOTA PERIOD" of cgroup $1; QUOTA is max or -1 without a quota
  if v2; then cat "$(dir cpu "$1")/cpu.max"; else
    echo "$(cat "$(dir cpu "$1")/cpu.cfs_quota_us") $(cat "$(dir cpu "$1")/cpu.cfs_period_us")"
  fi
}

for d in "$(dir cpu minictr)"/*/; do
  [ -d "$d" ] || continue
  name=$(basename "$d")
  running "minictr/$name" || continue
  read -r q p <<<"$(quota "minictr/$name")"
  [[ $q =~ ^[0-9]+$ ]] && [ "$q" -lt "$p" ] || continue
  before=$(usage_us "minictr/$name")
  sleep 3
  used=$(($(usage_us "minictr/$name") - before))
  allowed=$((3000000 * q / p))
  if [ "$used" -lt 60000 ]; then
    echo "FAIL: $name has a quota of $((100 * q / p)) % of a CPU but hardly runs. Run a CPU hog in it, such as yes > /dev/null."
    exit 1
  fi
  if [ "$used" -gt $((allowed + 450000)) ]; then
    echo "FAIL: $name used $((used / 1000)) ms of CPU in 3 s, more than its quota allows ($((allowed / 1000)) ms)."
    exit 1
  fi
  echo "$name used $((used / 1000)) ms of CPU in 3 s; its quota allows $((allowed / 1000)) ms."
  exit 0
done
echo 'FAIL: no running container has a CPU quota below one CPU. Start one with: minictr run --rm --name half --cpus 0.5 -- yes > /dev/null &'
exit 1
