#!/bin/bash
# /tmp/owned belongs to nobody.
if [ ! -e /tmp/owned ]; then
  echo 'FAIL: /tmp/owned does not exist. Create it with: touch /tmp/owned'
  exit 1
fi
owner=$(stat -c %U /tmp/owned)
if [ "$owner" != nobody ]; then
  echo "FAIL: /tmp/owned belongs to $owner. Give it to nobody with: chown nobody /tmp/owned"
  exit 1
fi
