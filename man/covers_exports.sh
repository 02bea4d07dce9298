#!/bin/sh
# Every function exported by libpcpu must be documented by an .Fn or .Nm line in man/.
lib=$1
mandir=$2
status=0
for sym in $(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }'); do
	if ! grep -qE "^\.(Fn|Nm|Fo) $sym( |\$)" "$mandir"/*.[1-9]; then
		echo "undocumented export: $sym"
		status=1
	fi
done
exit $status
