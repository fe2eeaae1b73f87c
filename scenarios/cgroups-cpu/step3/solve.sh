#!/bin/bash
cpu=$(cgroup-files --first-cpu) # the first CPU the sandbox may use
for run in "light 256" "heavy 768"; do
  set -- $run
  setsid minictr run --rm --name "$1" --cpuset-cpus "$cpu" --cpu-shares "$2" -- yes </dev/null >/dev/null 2>&1 &
done
# Wait (at most 20 s) until minictr has set up the cgroup and started CMD in it: on a busy
# host that takes longer than a fixed pause.
for _ in $(seq 200); do minictr ls | grep -q '^light .*running' && minictr ls | grep -q '^heavy .*running' && break; sleep 0.1; done
