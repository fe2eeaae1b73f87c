#!/bin/bash
echo "I am $(id -un) on $(hostname)" > /root/note.txt
