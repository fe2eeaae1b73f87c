#!/bin/bash
readlink /proc/self/ns/* >/root/ns-outside.txt
