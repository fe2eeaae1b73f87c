#!/bin/bash
# ~/host-uid holds the host uid that the sandbox's root is mapped to.
want=$(awk '$1 == 0 { print $2 }' /proc/self/uid_map)
file=/root/host-uid
if [ ! -s "$file" ]; then
  echo 'FAIL: ~/host-uid is missing. Read the second number of: cat /proc/self/uid_map, and save it with: echo NUMBER > ~/host-uid'
  exit 1
fi
got=$(tr -d '[:space:]' <"$file")
if [ "$got" = "$want" ]; then exit 0; fi
if [ "$got" = 0 ]; then
  echo 'FAIL: 0 is what root is called inside. Look at the second number of: cat /proc/self/uid_map, run in your sandbox shell (not inside unshare).'
else
  echo "FAIL: ~/host-uid says '$got'. Look at the second number of: cat /proc/self/uid_map, run in your sandbox shell (not inside unshare)."
fi
exit 1
