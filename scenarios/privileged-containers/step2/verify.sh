#!/bin/bash
# ~/mknod.txt holds the refusal of mknod, and no disk node was made.
if [ -b /tmp/disk ]; then
  echo 'FAIL: /tmp/disk is a block device! That should not be possible in this sandbox; please tell the lab administrator.'
  exit 1
fi
if ! grep -q 'Operation not permitted' /root/mknod.txt 2>/dev/null; then
  echo "FAIL: ~/mknod.txt doesn't hold mknod's answer. Run: mknod /tmp/disk b 8 0 2>&1 | tee ~/mknod.txt"
  exit 1
fi
