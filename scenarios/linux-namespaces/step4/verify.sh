#!/bin/bash
# A process sits in a network namespace other than the sandbox's, with lo switched on there.
own=$(readlink /proc/self/ns/net)
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  ns=$(readlink "$dir/ns/net" 2>/dev/null) || continue
  [ "$ns" != "$own" ] || continue
  if nsenter --target "$pid" --net ip -brief link show lo 2>/dev/null | grep -q '\bUP\b'; then
    exit 0
  fi
done
echo 'FAIL: no new network namespace has lo switched on. Run: unshare --user --map-root-user --net bash, then inside it: ip link set lo up, and press Check while that shell is open.'
exit 1
