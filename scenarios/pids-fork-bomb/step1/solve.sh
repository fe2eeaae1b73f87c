#!/bin/bash
for _ in $(seq 10); do setsid sleep 1000 </dev/null >/dev/null 2>&1 & done
sleep 0.5
