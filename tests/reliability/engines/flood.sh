#!/bin/sh
# Hostile engine: floods stdout without a newline, for up to 20 s.
exec timeout 20 cat /dev/zero
