#!/bin/bash
for name in light heavy; do minictr stop "$name" 2>/dev/null; done
setsid minictr run --rm --name pinned --cpuset-cpus "$(cgroup-files --first-cpu)" -- stress-ng --cpu 2 --quiet \
  </dev/null >/dev/null 2>&1 &
sleep 2
