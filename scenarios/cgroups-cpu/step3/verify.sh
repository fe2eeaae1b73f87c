#!/bin/bash
# Containers light and heavy, weighted 1:3 and pinned to the same CPU, get CPU time about 1:3.
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
weight() { if v2; then cat "$(dir cpu "$1")/cpu.weight"; else cat "$(dir cpu "$1")/cpu.shares"; fi; }
cpus() {
  if v2; then cat "$(dir cpuset "$1")/cpuset.cpus.effective"; else cat "$(dir cpuset "$1")/cpuset.cpus"; fi
}

for name in light heavy; do
  if [ ! -d "$(dir cpu "minictr/$name")" ]; then
    echo "FAIL: there is no container named $name. Start both with the two minictr run commands of this step."
    exit 1
  fi
  if ! running "minictr/$name"; then
    echo "FAIL: $name has ended. Remove it with: minictr rm $name, and start it again."
    exit 1
  fi
done
light=$(weight minictr/light) heavy=$(weight minictr/heavy)
if [ $((10 * heavy)) -lt $((25 * light)) ] || [ $((10 * heavy)) -gt $((35 * light)) ]; then
  echo "FAIL: the weights are $light (light) and $heavy (heavy), not 1:3. Use --cpu-shares 256 and --cpu-shares 768."
  exit 1
fi
light_cpus=$(cpus minictr/light 2>/dev/null) heavy_cpus=$(cpus minictr/heavy 2>/dev/null)
if [ "$light_cpus" != "$heavy_cpus" ] || ! [[ $light_cpus =~ ^[0-9]+$ ]]; then
  echo "FAIL: light may use CPUs '$light_cpus' and heavy '$heavy_cpus': pin both to the same single CPU with --cpuset-cpus \"\$(cgroup-files --first-cpu)\", so that they compete for it."
  exit 1
fi

light0=$(usage_us minictr/light) heavy0=$(usage_us minictr/heavy)
sleep 3
light_used=$(($(usage_us minictr/light) - light0)) heavy_used=$(($(usage_us minictr/heavy) - heavy0))
if [ $((light_used + heavy_used)) -lt 100000 ]; then
  echo "FAIL: in 3 s, light and heavy got only $(((light_used + heavy_used) / 1000)) ms of CPU together. The machine seems very busy; press Check again."
  exit 1
fi
if [ $((10 * heavy_used)) -lt $((18 * light_used)) ] || [ $((10 * heavy_used)) -gt $((50 * light_used)) ]; then
  echo "FAIL: in 3 s, light used $((light_used / 1000)) ms and heavy $((heavy_used / 1000)) ms of CPU, not about 1:3. Press Check again; if it stays so, make sure both run yes."
  exit 1
fi
echo "light used $((light_used / 1000)) ms of CPU and heavy $((heavy_used / 1000)) ms in 3 s."
