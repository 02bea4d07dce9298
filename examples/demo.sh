#!/bin/sh
# The README's demo: prints this machine's CPU sets with the cpusets example.
set -e
bindir=${1:-build}
exec "$bindir/examples/cpusets"
