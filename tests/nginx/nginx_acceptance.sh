#!/usr/bin/env bash
# nginx_acceptance.sh PCPU MODULE NGINX: the real-client acceptance test of pcpu issue 9.
#
# Runs a real nginx (NGINX, daemon on, a master and 2 workers as an unprivileged user, on
# loopback, everything in a private temporary prefix) that loads MODULE, the counting
# module of examples/nginx, into the named domain PCPU_DOMAIN=NAME. Then, checking every
# value exactly against the requests this script sent, stub_status and the access log:
#   1. requests; pcpu stat (PCPU) by the master's pid, by a worker's pid and by NAME; pcpu
#      ls: the domain is held by the master and its workers, and no other process;
#   2. nginx -s reload, more requests: the totals continue;
#   3. a reader in the monitoring group (PCPU_GROUP) reads them, a user outside it cannot;
#   4. stop (started with PCPU_KEEP=1): the domain file stays and keeps the totals;
#   5. start again (without PCPU_KEEP), more requests: the totals continue from there;
#   6. a binary upgrade (USR2, the old master quits), more requests: the totals continue;
#   7. the final stop removes the domain file.
# Every wait is bounded; nginx is stopped on every exit. Exit 77 (skipped) when not root:
# the workers' user and the monitoring group need root.
set -euo pipefail

pcpu=$1 module=$2 nginx=$3

# nginx's workers run as WORKER_USER; MONITOR is the monitoring group, and a reader in it;
# TIMEOUT is what any wait may take, in seconds.
WORKER_USER="pcpu-www"
MONITOR="pcpu-mon"
TIMEOUT=10
COUNTERS=(nginx_requests nginx_bytes_sent nginx_status_1xx nginx_status_2xx nginx_status_3xx
	  nginx_status_4xx nginx_status_5xx)

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
step() { echo "== $*"; }

[ "$(id -u)" -eq 0 ] || {
	echo "SKIP: needs root (workers as another user, a monitoring group)"
	exit 77
}

# A system user (and its group) for the test; another run may create it at the same time.
system_user() {
	id -u "$1" >/dev/null 2>&1 ||
		useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$1" ||
		id -u "$1" >/dev/null
}
system_user "$WORKER_USER"
system_user "$MONITOR"

work=$(mktemp -d /tmp/pcpu-nginx.XXXXXX)
cd "$work"
name=nginx-accept-${work##*.}
domfile=${PCPU_SHMDIR:-/dev/shm}/pcpu-$(id -u)/$name
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
master=""

# Gone, or a zombie nobody reaped yet (a daemon's parent is whoever adopted it).
process_gone() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$state" = Z ]
}

# wait_until DESCRIPTION COMMAND...: polls COMMAND for at most TIMEOUT seconds. COMMAND
# may say in why what it saw.
why=""
wait_until() {
	local what=$1 i
	shift
	why=""
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "timed out after ${TIMEOUT}s waiting for $what${why:+ ($why)}"
}

cleanup() {
	local pids i
	if [ -n "$master" ] && ! process_gone "$master"; then
		pids=$(pgrep -P "$master" || true)
		kill -TERM "$master" 2>/dev/null || true
		for ((i = 0; i < TIMEOUT * 10; i++)); do
			process_gone "$master" && break
			sleep 0.1
		done
		# shellcheck disable=SC2086 # one pid a word
		kill -KILL "$master" $pids 2>/dev/null || true
	fi
	rm -f "$domfile"
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/html" "$work/tmp"
echo "hello from nginx with pcpu" >"$work/html/index.html"
chmod 755 "$work" "$work/html"
chmod 644 "$work/html/index.html"
cat >"$work/nginx.conf" <<EOF
load_module $module;
user $WORKER_USER;
worker_processes 2;
daemon on;
master_process on;
pid $work/nginx.pid;
lock_file $work/nginx.lock;
error_log $work/error.log notice;
env PCPU_DOMAIN;
env PCPU_GROUP;
env PCPU_KEEP;
events { worker_connections 64; }
http {
	log_format bytes '\$bytes_sent';
	access_log $work/access.log bytes;
	client_body_temp_path $work/tmp/body;
	proxy_temp_path $work/tmp/proxy;
	fastcgi_temp_path $work/tmp/fastcgi;
	uwsgi_temp_path $work/tmp/uwsgi;
	scgi_temp_path $work/tmp/scgi;
	server {
		listen 127.0.0.1:$port;
		root $work/html;
		location = /status { stub_status; }
	}
}
EOF

# What the script sent and what nginx must therefore show: every request (those to
# stub_status too), the 404s among them, and the requests since this nginx started, which
# is what stub_status counts (its counters live in memory that a reload keeps and a
# restart does not).
sent=0 not_found=0 since_start=0

# run_nginx [ARG...]: nginx in the private prefix, in the domain, with the monitoring group,
# and with the variables of nginx_env (NAME=VALUE words). The module must load with glibc's
# default tunables: none are passed on.
nginx_env=()
run_nginx() {
	env -u GLIBC_TUNABLES PCPU_DOMAIN="$name" PCPU_GROUP="$MONITOR" "${nginx_env[@]}" \
		"$nginx" -p "$work" -c "$work/nginx.conf" "$@"
}
workers() { pgrep -P "$master" | sort; }
two_workers() { [ "$(workers | wc -l)" -eq 2 ]; }
pid_file() { [ -s "$work/nginx.pid" ]; }

# start_nginx [NAME=VALUE...]: nginx forks its master and returns; the master writes the
# pid file and forks the workers.
start_nginx() {
	nginx_env=("$@")
	rm -f "$work/nginx.pid"
	run_nginx || fail "nginx did not start: $(tail -n 5 "$work/error.log")"
	wait_until "nginx's pid file" pid_file
	master=$(cat "$work/nginx.pid")
	wait_until "2 workers of master $master" two_workers
	since_start=0
	local w
	for w in $(workers); do
		[ "$(ps -o uid= -p "$w" | tr -d ' ')" = "$(id -u "$WORKER_USER")" ] ||
			fail "worker $w does not run as $WORKER_USER"
	done
}

stop_nginx() {
	kill -QUIT "$master"
	wait_until "master $master to exit" process_gone "$master"
	master=""
}

new_workers() {
	local now
	now=$(workers)
	[ "$(echo "$now" | wc -l)" -eq 2 ] && [ -z "$(comm -12 <(echo "$old_workers") <(echo "$now"))" ]
}

reload_nginx() {
	old_workers=$(workers)
	run_nginx -s reload || fail "nginx -s reload failed"
	wait_until "new workers after the reload" new_workers
}

new_master() {
	[ -s "$work/nginx.pid.oldbin" ] && [ -s "$work/nginx.pid" ] &&
		[ "$(cat "$work/nginx.pid")" != "$old_master" ]
}

# nginx's binary upgrade: on USR2 the master execs a new nginx, which attaches to the
# domain by its name; the two masters overlap until the old one quits. The new master has
# stub_status memory of its own.
upgrade_nginx() {
	old_master=$master
	kill -USR2 "$master"
	wait_until "a new master after USR2" new_master
	master=$(cat "$work/nginx.pid")
	wait_until "2 workers of the new master $master" two_workers
	kill -QUIT "$old_master"
	wait_until "the old master $old_master to exit" process_gone "$old_master"
	since_start=0
}

# send OK NOT_FOUND: OK requests for / with ab (4 at a time), NOT_FOUND for a missing page.
send() {
	local out i code
	out=$(timeout 60 ab -q -n "$1" -c 4 "$url/") || fail "ab failed: $out"
	grep -Eq "^Complete requests: +$1\$" <<<"$out" || fail "ab did not complete $1: $out"
	grep -Eq '^Failed requests: +0$' <<<"$out" || fail "ab saw failed requests: $out"
	for ((i = 0; i < $2; i++)); do
		code=$(curl -s --noproxy "*" -o /dev/null -w '%{http_code}' --max-time 10 "$url/missing-$i") ||
			fail "curl $url/missing-$i failed"
		[ "$code" = 404 ] || fail "/missing-$i answered $code, not 404"
	done
	sent=$((sent + $1 + $2)) not_found=$((not_found + $2)) since_start=$((since_start + $1 + $2))
}

# One request to stub_status: its "requests" count includes itself, made before it runs.
check_stub_status() {
	local out requests
	out=$(curl -s --noproxy "*" --max-time 10 "$url/status") || fail "curl $url/status failed"
	sent=$((sent + 1)) since_start=$((since_start + 1))
	requests=$(awk 'NR == 3 { print $3 }' <<<"$out")
	[ "$requests" = "$since_start" ] ||
		fail "stub_status counts $requests requests, $since_start were sent: $out"
}

# totals TARGET [USER]: the counters' totals in COUNTERS' order, read by pcpu stat --json
# (as USER when given).
totals() {
	local as=() out
	[ $# -lt 2 ] || as=(runuser -u "$2" --)
	out=$("${as[@]}" "$pcpu" stat --json "$1" 'nginx_*') || return 1
	python3 -c '
import json, sys
doc = json.loads(sys.stdin.readline())
total = {s["name"]: s["total"] for s in doc["symbols"]}
print(" ".join(str(total[n]) for n in sys.argv[1:]))' "${COUNTERS[@]}" <<<"$out"
}

requests_logged() {
	local got
	got=$(totals "$master" 2>&1) || {
		why=$got
		return 1
	}
	why="pcpu stat $master: $got; $(wc -l <"$work/access.log") lines in the access log"
	[ "${got%% *}" = "$sent" ] && [ "$(wc -l <"$work/access.log")" -eq "$sent" ]
}

# The totals every reader must see now: nginx's own $bytes_sent of every request so far.
expected() {
	local bytes
	bytes=$(awk '{ n += $1 } END { print n + 0 }' "$work/access.log")
	echo "$sent $bytes 0 $((sent - not_found)) 0 $not_found 0"
}

# check_totals TARGET [USER]: TARGET's totals are exactly the expected ones.
check_totals() {
	local got want
	want=$(expected)
	got=$(totals "$@") || fail "pcpu stat --json $1 failed"
	[ "$got" = "$want" ] || fail "pcpu stat $1: got '$got', want '$want' (${COUNTERS[*]})"
	echo "   pcpu stat $1${2:+ as $2}: $got"
}

# domain_state: the state pcpu ls gives the domain, the number of processes holding it, and
# the pids of the live ones, in increasing order.
domain_state() {
	"$pcpu" ls --json "$domfile" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d["state"], d["procs"], *sorted(h["pid"] for h in d["holders"] if h["state"] == "alive"))'
}

# check_holders: the domain is alive, held by exactly the master and its 2 workers.
check_holders() {
	local got want
	# shellcheck disable=SC2046 # one pid a word
	want="alive 3 $(printf '%s\n' "$master" $(workers) | sort -n | xargs)"
	got=$(domain_state) || fail "pcpu ls --json $domfile failed"
	[ "$got" = "$want" ] || fail "pcpu ls: '$got', want '$want' (master $master)"
	echo "   pcpu ls: $got"
}

# A request is counted in the log phase, after its response went out: the last ones may
# be a moment behind what the client saw, so wait (bounded) until all are there.
check_all_readers() {
	wait_until "$sent requests counted" requests_logged
	check_totals "$master"
	check_totals "$(workers | head -n 1)"
	check_totals "$name"
	check_holders
}

step "start nginx (PCPU_DOMAIN=$name, PCPU_KEEP=1), 200 + 10 requests"
start_nginx PCPU_KEEP=1
send 200 10
check_stub_status
check_all_readers

step "nginx -s reload, 100 + 5 more requests: the totals continue"
reload_nginx
send 100 5
check_stub_status
check_all_readers

step "the monitoring group reads the domain, other users cannot"
[ "$(stat -c '%a %G' "$(dirname "$domfile")")" = "750 $MONITOR" ] ||
	fail "$(dirname "$domfile"): $(stat -c '%a %G' "$(dirname "$domfile")"), want 750 $MONITOR"
[ "$(stat -c '%a %G' "$domfile")" = "640 $MONITOR" ] ||
	fail "$domfile: $(stat -c '%a %G' "$domfile"), want 640 $MONITOR"
check_totals "$name" "$MONITOR"
check_totals "$domfile" "$MONITOR"
if runuser -u "$WORKER_USER" -- "$pcpu" stat --json "$domfile" >/dev/null 2>&1; then
	fail "$WORKER_USER, not in $MONITOR, read $domfile"
fi

step "stop nginx: PCPU_KEEP=1 keeps the domain and its totals"
stop_nginx
[ -f "$domfile" ] || fail "$domfile is gone after a stop with PCPU_KEEP=1"
check_totals "$name"
[ "$(domain_state)" = "dead 0" ] || fail "pcpu ls: '$(domain_state)' after the stop, want 'dead 0'"

step "start nginx again, 100 + 5 requests: the totals continue from where they were"
start_nginx
send 100 5
check_stub_status
check_all_readers

step "upgrade the binary on the fly (USR2, then QUIT the old master): the totals continue"
upgrade_nginx
[ -f "$domfile" ] || fail "$domfile is gone after the upgrade"
send 100 5
check_stub_status
check_all_readers

step "the final stop removes the domain"
stop_nginx
[ ! -e "$domfile" ] || fail "$domfile is still there after the last process exited"
if "$pcpu" stat --json "$name" >/dev/null 2>&1; then
	fail "pcpu stat $name still finds a domain"
fi
echo "nginx acceptance: $sent requests counted exactly by every reader"
