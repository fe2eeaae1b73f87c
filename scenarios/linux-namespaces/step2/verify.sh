#!/bin/bash
# Some process must be PID 1 of a PID namespace nested in the sandbox's: its NSpid line has
# two PIDs or more, the last one 1.
for status in /proc/[0-9]*/status; do
  if awk '$1 == "NSpid:" && NF >= 3 && $NF == 1 { found = 1 } END { exit !found }' "$status" 2>/dev/null; then
    exit 0
  fi
done
echo 'FAIL: no process is PID 1 of a new PID namespace. Start one with: unshare --fork --pid --mount-proc sleep 1000 &'
exit 1
