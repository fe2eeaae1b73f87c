#!/bin/bash
# Some network namespace other than the sandbox's has IP forwarding switched on.
own=$(readlink /proc/self/ns/net)
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  ns=$(readlink "$dir/ns/net" 2>/dev/null) || continue
  [ "$ns" != "$own" ] || continue
  if [ "$(nsenter --target "$pid" --net cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)" = 1 ]; then
    exit 0
  fi
done
echo 'FAIL: no new network namespace has ip_forward switched on. Run: unshare --user --map-root-user --net bash, then inside it: sysctl -w net.ipv4.ip_forward=1, and press Check while that shell is open.'
exit 1
