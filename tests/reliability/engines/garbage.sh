#!/bin/sh
# Hostile engine: READY, then answers every request with a long garbage line and never writes a data file.
echo READY
while read -r line; do echo "OKzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"; done
