#!/bin/bash
setsid unshare --uts sh -c 'hostname web1 && exec sleep 1000' </dev/null >/dev/null 2>&1 &
sleep 0.5
