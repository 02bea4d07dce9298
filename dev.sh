#!/usr/bin/env bash
# The front door: ./dev.sh demo | test | asan | tsan | fuzz | bench | aarch64 | ci
# Installs what a fresh Debian 12 machine lacks, builds, and runs. See README.md.
set -euo pipefail
cd "$(dirname "$0")"

JOBS=$(nproc)
PACKAGES=(build-essential cmake pkg-config libcriterion-dev clang libfuzzer-14-dev
	  libclang-rt-14-dev libmicrohttpd-dev libncurses-dev zlib1g-dev python3 mandoc tmux
	  prometheus python3-prometheus-client procps nginx nginx-dev apache2-utils curl)

need_packages() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "dev.sh: installing ${missing[*]}" >&2
	$sudo apt-get update -qq
	# Installing nginx must not start the system's nginx on port 80: the tests start their
	# own on loopback. policy-rc.d is Debian's switch for that (exit 101: do not start).
	local policy=/usr/sbin/policy-rc.d own_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
		$sudo chmod 755 "$policy"
		own_policy=1
	fi
	local rc=0
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
	[ "$own_policy" -eq 0 ] || $sudo rm -f "$policy"
	return "$rc"
}

# configure DIR [cmake args...]: configures once, then builds.
build() {
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	cmake --build "$dir" -j "$JOBS"
}

# ThreadSanitizer of gcc 12 cannot handle the high mmap randomisation of recent kernels;
# running without ASLR sidesteps "unexpected memory mapping" failures.
no_aslr() { setarch "$(uname -m)" -R "$@"; }

cmd=${1:-}
case "$cmd" in
demo)
	need_packages
	build build
	exec examples/demo.sh build
	;;
test)
	need_packages
	build build
	ctest --test-dir build --output-on-failure -j "$JOBS"
	;;
asan)
	need_packages
	build build-asan -DPCPU_SANITIZE=address,undefined -DPCPU_BENCH=OFF
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --test-dir build-asan --output-on-failure -j "$JOBS" -LE no-sanitize
	;;
tsan)
	need_packages
	build build-tsan -DPCPU_SANITIZE=thread -DPCPU_BENCH=OFF
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		no_aslr ctest --test-dir build-tsan --output-on-failure -j "$JOBS" -L concurrency
	;;
fuzz)
	need_packages
	build build-fuzz -DCMAKE_C_COMPILER=clang -DPCPU_FUZZ=ON -DPCPU_BENCH=OFF -DPCPU_TOOLS=OFF \
		-DBUILD_TESTING=OFF
	# Each fuzzer's log is long; keep it whole on failure, else print the counts.
	if ! ctest --test-dir build-fuzz -V -L fuzz >build-fuzz/fuzz.log 2>&1; then
		tail -n 200 build-fuzz/fuzz.log
		exit 1
	fi
	grep -E 'Test #|stat::number_of_executed_units|tests passed' build-fuzz/fuzz.log
	;;
bench)
	need_packages
	build build
	for b in build/bench/bench_*; do
		[ -x "$b" ] && "$b"
	done
	;;
aarch64)
	# Cross-built with Debian's gcc-aarch64-linux-gnu, run under qemu-user. qemu-user has
	# no rseq (ENOSYS), so this proves the atomic fallback (the stress test says so in its
	# output); the section itself needs real hardware. Criterion has no arm64 build here:
	# the concurrency tests compile against tests/tsan's subset (PCPU_CRITERION_SHIM).
	# Left out: the tests that exec another aarch64 binary (qemu-user follows no exec
	# without binfmt_misc) and install_consumer (built with the host compiler).
	PACKAGES+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
	need_packages
	build build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
		-DPCPU_CRITERION_SHIM=ON -DPCPU_BENCH=OFF -DPCPU_TOOLS=OFF
	ctest --test-dir build-aarch64 --output-on-failure -V -j "$JOBS" -R 'counter|kcpuset|upmap' \
		| grep -E 'add mode|Test +#|tests passed|FAIL'
	;;
ci)
	"$0" test
	"$0" aarch64
	"$0" asan
	"$0" tsan
	"$0" fuzz
	;;
*)
	echo "usage: ./dev.sh demo|test|asan|tsan|fuzz|bench|aarch64|ci" >&2
	exit 2
	;;
esac
