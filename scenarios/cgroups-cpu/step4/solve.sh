#!/bin/bash
for name in light heavy; do minictr stop "$name" 2>/dev/null; done
setsid minictr run --rm --name pinned --cpuset-cpus "$(cgroup-files --first-cpu)" -- stress-ng --cpu 2 --quiet \
  </dev/null >/dev/null 2>&1 &
# Wait (at most 20 s) until minictr has set up the cgroup and started CMD in it: on a busy
# host that takes longer than a fixed pause.
for _ in $(seq 200); do minictr ls | grep -q '^pinned .*running' && break; sleep 0.1; done
