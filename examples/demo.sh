#!/bin/sh
# The README's demo (./dev.sh demo): a server-like program counts its work per CPU and
# pcpu(1) watches it live from another process, then everything stops cleanly.
# usage: examples/demo.sh BUILD_DIR
set -eu
bindir=$(cd "${1:-build}" && pwd)
pcpu=$bindir/tools/pcpu/pcpu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcpu-demo.XXXXXX")
server=
kpmapd=

stop_all() {
	[ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" || true
	[ -n "$kpmapd" ] && kill -TERM "$kpmapd" 2>/dev/null && wait "$kpmapd" || true
	rm -rf "$tmp"
}
trap stop_all EXIT
trap 'exit 130' HUP INT PIPE TERM

# Shows and runs one pcpu command.
pcpu() {
	printf '\n$ pcpu %s\n' "$*"
	"$pcpu" "$@"
}

# kpmapd publishes the time on a private path: the server reads it without a system call.
"$bindir/src/upmap/kpmapd/kpmapd" --path "$tmp/kpmap" --foreground &
kpmapd=$!
export PCPU_KPMAP="$tmp/kpmap"
i=0
while [ ! -e "$tmp/kpmap" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# The server keeps its counters in the named domain "demo", in this user's directory
# under a private PCPU_SHMDIR, so the demo leaves nothing behind in /dev/shm.
export PCPU_SHMDIR="$tmp" PCPU_DOMAIN=demo
"$bindir/examples/demo_server" -t 2 &
server=$!
i=0
while [ ! -e "$tmp/pcpu-$(id -u)/demo" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1

pcpu ls
pcpu stat -w 1 -c 4 "$server"
pcpu stat -P demo 'demo_cache_*'
pcpu stat -l demo 'demo_requests' 'demo_responses_*' 0.5 4
# What Prometheus gets: types, help and units from the program, a labelled family and a
# histogram, every series identified by the domain's name (contrib/ has a scrape config
# and a Grafana dashboard for them).
printf '\n$ pcpu export -O demo | grep -e demo_responses -e demo_request_duration\n'
"$pcpu" export -O demo | grep -e demo_responses -e demo_request_duration

printf '\n$ kill -TERM %s\n' "$server"
kill -TERM "$server"
wait "$server"
server=
pcpu ls
