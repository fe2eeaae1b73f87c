#!/bin/bash
# A process in a UTS namespace other than the sandbox's has a host name of its own, and the
# sandbox's host name is unchanged.
own=$(readlink /proc/self/ns/uts)
if [ -n "${HOSTNAME:-}" ] && [ "$(hostname)" != "$HOSTNAME" ]; then
  echo "FAIL: your sandbox's own host name changed to $(hostname) (it was $HOSTNAME): hostname ran outside a new UTS namespace. Put it back with: hostname $HOSTNAME"
  exit 1
fi
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  ns=$(readlink "$dir/ns/uts" 2>/dev/null) || continue
  [ "$ns" != "$own" ] || continue
  name=$(nsenter --target "$pid" --uts hostname 2>/dev/null) || continue
  if [ -n "$name" ] && [ "$name" != "$(hostname)" ]; then exit 0; fi
done
echo 'FAIL: no process has a host name of its own. Run: unshare --uts bash, then inside it: hostname web1, and press Check while that shell is open.'
exit 1
