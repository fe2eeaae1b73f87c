#!/bin/bash
# At least ten sleep processes are running.
count=$(pgrep -c -x sleep)
if [ "$count" -lt 10 ]; then
  echo "FAIL: found $count running sleep processes, not ten. Start ten with: for i in \$(seq 10); do sleep 1000 & done"
  exit 1
fi
