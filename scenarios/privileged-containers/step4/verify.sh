#!/bin/bash
# ~/privileged.txt shows a shell with every capability failing at four things of the host's.
file=/root/privileged.txt
hint="Run the { capsh ...; } 2>&1 | tee ~/privileged.txt block of this step inside unshare --user --map-root-user bash."
if [ ! -s "$file" ]; then
  echo "FAIL: ~/privileged.txt is missing. $hint"
  exit 1
fi
if ! grep -qx 'Current: =ep' "$file"; then
  echo "FAIL: ~/privileged.txt was not written in a shell with every capability (its first line should be 'Current: =ep'). $hint"
  exit 1
fi
refused=$(grep -ciE 'not permitted|denied' "$file")
if [ "$refused" -lt 4 ]; then
  echo "FAIL: ~/privileged.txt shows $refused refusals, not 4. $hint"
  exit 1
fi
