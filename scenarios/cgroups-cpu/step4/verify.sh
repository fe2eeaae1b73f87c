#!/bin/bash
# A container pinned to one CPU runs CPU hogs, and all its processes may use only that CPU.
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
cpus() {
  if v2; then cat "$(dir cpuset "$1")/cpuset.cpus.effective"; else cat "$(dir cpuset "$1")/cpuset.cpus"; fi
}

for name in light heavy; do
  if running "minictr/$name"; then
    echo "FAIL: $name from the last step still runs on the same CPU. Stop it first: minictr stop $name"
    exit 1
  fi
done
sandbox_cpus=$(cpus "")
hint='Start one with: minictr run --rm --name pinned --cpuset-cpus "$(cgroup-files --first-cpu)" -- stress-ng --cpu 2 --quiet &'
found=""
for d in "$(dir cpu minictr)"/*/; do
  [ -d "$d" ] || continue
  name=$(basename "$d")
  running "minictr/$name" || continue
  pinned=$(cpus "minictr/$name" 2>/dev/null) || continue
  [[ $pinned =~ ^[0-9]+$ ]] || continue
  [ "$pinned" != "$sandbox_cpus" ] || [[ $sandbox_cpus =~ ^[0-9]+$ ]] || continue
  found=$name
  wrong=""
  for pid in $(cat "$(dir cpu "minictr/$name")/cgroup.procs"); do
    allowed=$(awk '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
    [ -z "$allowed" ] || [ "$allowed" = "$pinned" ] || wrong="$pid may use CPUs $allowed"
  done
  if [ -n "$wrong" ]; then
    echo "FAIL: in $name, process $wrong."
    exit 1
  fi
  before=$(usage_us "minictr/$name")
  sleep 1.5
  if [ $(($(usage_us "minictr/$name") - before)) -ge 100000 ]; then exit 0; fi
  echo "FAIL: $name is pinned to CPU $pinned but hardly uses any CPU time. Run a CPU hog in it, such as stress-ng --cpu 2."
  exit 1
done
if [ -z "$found" ]; then
  echo "FAIL: no running container is pinned to a single CPU (this sandbox may use CPUs $sandbox_cpus). $hint"
fi
exit 1
