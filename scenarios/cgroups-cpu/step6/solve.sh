#!/bin/bash
minictr stop half 2>/dev/null
minictr run --name hungry --memory 64M -- python3 -c '
blocks = []
while True:
    blocks.append(b"x" * 10_000_000)' >/dev/null 2>&1
exit 0
