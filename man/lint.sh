#!/bin/sh
# Fails on any mandoc warning or error in the given pages.
status=0
for page in "$@"; do
	out=$(mandoc -Tlint -Wwarning "$page" 2>&1) || { echo "$out"; status=1; }
done
exit $status
