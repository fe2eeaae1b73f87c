#!/bin/bash
# The bomb cgroup is gone, and with it every process of the bomb.
P=$(cgroup-files --dir pids)
if [ -d "$P/bomb" ]; then
  left=$(wc -l <"$P/bomb/cgroup.procs")
  if [ "$left" -gt 0 ]; then
    echo "FAIL: bomb still has $left processes. Kill them: while grep -q . \$P/bomb/cgroup.procs; do kill -9 \$(cat \$P/bomb/cgroup.procs) 2>/dev/null; done"
  else
    echo 'FAIL: bomb is empty, but still there. Remove it with: rmdir $P/bomb'
  fi
  exit 1
fi
