#!/bin/sh
# Hostile engine: exits at once.
exit 7
