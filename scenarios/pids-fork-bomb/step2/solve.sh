#!/bin/bash
cgroup-files --enable pids
P=$(cgroup-files --dir pids)
mkdir -p "$P/bomb"
echo 20 >"$P/bomb/pids.max"
setsid bash -c "echo \$\$ > $P/bomb/cgroup.procs; :(){ :|:& };:" </dev/null >/dev/null 2>&1 &
sleep 2
