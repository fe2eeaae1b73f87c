#!/bin/bash
minictr stop pinned 2>/dev/null
setsid minictr run --rm --name half --cpus 0.5 -- yes </dev/null >/dev/null 2>&1 &
sleep 2
