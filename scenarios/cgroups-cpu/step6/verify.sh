#!/bin/bash
# Some cgroup with a memory limit of 128 MiB or less saw an OOM kill.
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  tree=/sys/fs/cgroup limit_file=memory.max events_file=memory.events
else
  tree=/sys/fs/cgroup/memory limit_file=memory.limit_in_bytes events_file=memory.oom_control
fi
limited=""
while read -r d; do
  limit=$(cat "$d/$limit_file" 2>/dev/null) || continue
  [[ $limit =~ ^[0-9]+$ ]] && [ "$limit" -le $((128 * 1024 * 1024)) ] || continue
  limited=${d#"$tree"/}
  kills=$(awk '$1 == "oom_kill" { print $2 }' "$d/$events_file")
  if [ "${kills:-0}" -gt 0 ]; then
    echo "${d#"$tree"/}: oom_kill $kills"
    exit 0
  fi
done < <(find "$tree" -mindepth 1 -type d)
if [ -n "$limited" ]; then
  echo "FAIL: $limited has a memory limit, but nothing in it has been OOM-killed yet. Run the python3 program of this step in a container with --memory 64M."
else
  echo 'FAIL: there is no container with a memory limit of 128 MiB or less (minictr run --rm removes it when it ends: leave out --rm). Run: minictr run --name hungry --memory 64M -- python3 ... as shown.'
fi
exit 1
