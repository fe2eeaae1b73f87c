#!/bin/bash
setsid yes </dev/null >/dev/null 2>&1 &
sleep 1
