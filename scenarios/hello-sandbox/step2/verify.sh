#!/bin/bash
# Passes once ~/note.txt says who and where the learner is.
if [ ! -f /root/note.txt ]; then
  echo "FAIL: There is no ~/note.txt yet. Run the echo command from the step."
  exit 1
fi
if ! grep -q "I am root on $(hostname)" /root/note.txt; then
  echo "FAIL: ~/note.txt should say \"I am root on $(hostname)\"; it says: $(head -c 200 /root/note.txt)"
  exit 1
fi
