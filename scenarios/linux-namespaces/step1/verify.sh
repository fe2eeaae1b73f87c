#!/bin/bash
# ~/ns-outside.txt lists the sandbox's own namespaces (the ones this script runs in).
file=/root/ns-outside.txt
if [ ! -s "$file" ]; then
  echo 'FAIL: ~/ns-outside.txt is missing or empty. Create it with: readlink /proc/$$/ns/* > ~/ns-outside.txt'
  exit 1
fi
status=0
for type in cgroup ipc mnt net pid user uts; do
  want=$(readlink "/proc/self/ns/$type")
  if ! grep -qxF "$want" "$file"; then
    echo "FAIL: ~/ns-outside.txt has no line '$want'. Run the readlink command in your sandbox's own shell (not inside unshare), so that it lists the namespaces of the sandbox."
    status=1
    break
  fi
done
exit "$status"
