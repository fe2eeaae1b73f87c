#!/bin/bash
minictr stop pinned 2>/dev/null
setsid minictr run --rm --name half --cpus 0.5 -- yes </dev/null >/dev/null 2>&1 &
# Wait (at most 20 s) until minictr has set up the cgroup and started CMD in it: on a busy
# host that takes longer than a fixed pause.
for _ in $(seq 200); do minictr ls | grep -q '^half .*running' && break; sleep 0.1; done
