#!/bin/sh
# Hostile engine: says READY, then never answers.
echo READY
exec sleep 600
