#!/usr/bin/env bash
# Set up (if needed), build and run the test suites:
#   1. build/:      meson test --suite unit --suite integration, then
#      --suite package (builds the .deb from a copy of the tree, installs it
#      with apt-get, checks it, purges it; once, not on the sanitizer build),
#      then --suite pktgen (builds pktgen-dpdk from ../shared/vendor or
#      PKTGEN_SRC, a short RFC 2544 search through the switch; skipped
#      when there is no pktgen source)
#   2. build-asan/: the same sources with ASan + UBSan (-Db_sanitize=address,undefined),
#      unit + integration (the daemon runs under the sanitizers; DPDK's own
#      libraries are not instrumented)
#   3. build-fuzz/: CC=clang -Dfuzz=enabled: only the libFuzzer targets are built
#      (ninja fuzz-targets), and --suite fuzz runs each on its committed inputs,
#      then fuzzes it for PMDSWITCH_FUZZ_SECONDS (default 20)
# The bench suite is never run here. Exit status: 0 only if every run passed.
#
#   bash tools/run-tests.sh      (as root)
#
# Environment:
#   SKIP_ASAN=1          skip the sanitizer build
#   SKIP_PACKAGE=1       skip the Debian package test
#   SKIP_FUZZ=1          skip the fuzz build
#   SKIP_PKTGEN=1        skip the pktgen benchmark test
#   ASAN_INTEGRATION=0   run only the unit suite on the sanitizer build
#   MESON_TEST_ARGS      extra arguments for meson test (e.g. "--repeat 3")
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf 'run-tests: %s\n' "$*"; }

bash tools/setup.sh

status=0
results=()

run_suite() {	# name, meson test arguments...
	local name=$1
	shift
	log "== $name: meson test $*"
	local out rc=0
	out=$(mktemp)
	# shellcheck disable=SC2086
	set +e
	meson test "$@" --print-errorlogs ${MESON_TEST_ARGS:-} 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	set -e
	# meson's summary lines: "Ok: N", "Fail: N", "Timeout: N", ...
	n_ok=$(awk '/^Ok:/ {print $2}' "$out" | tail -n 1)
	n_fail=$(awk '/^(Fail|Timeout|Unexpected Pass):/ {s += $3 ? $3 : $2} END {print s + 0}' "$out")
	rm -f "$out"
	total_passed=$((total_passed + ${n_ok:-0}))
	total_failed=$((total_failed + ${n_fail:-0}))
	if [ "$rc" -eq 0 ]; then
		results+=("PASS  $name (${n_ok:-0} passed)")
	else
		results+=("FAIL  $name (${n_ok:-0} passed, ${n_fail:-0} failed)")
		[ "${n_fail:-0}" -gt 0 ] || total_failed=$((total_failed + 1))
		status=1
	fi
}

total_passed=0
total_failed=0

run_suite "build: unit + integration" -C build --suite unit --suite integration
if [ "${SKIP_PACKAGE:-0}" != 1 ]; then
	run_suite "build: package" -C build --suite package
fi
if [ "${SKIP_PKTGEN:-0}" != 1 ]; then
	run_suite "build: pktgen" -C build --suite pktgen
fi

if [ "${SKIP_ASAN:-0}" != 1 ]; then
	asan_ok=1
	if [ ! -f build-asan/build.ninja ]; then
		log "configuring build-asan (ASan + UBSan)"
		setup_log="${TMPDIR:-/tmp}/pmdswitch-asan-setup.log"
		if ! meson setup build-asan -Dtests=enabled -Db_sanitize=address,undefined \
			-Db_lundef=false >"$setup_log" 2>&1; then
			tail -n 30 "$setup_log" >&2
			results+=("FAIL  build-asan: meson setup")
			status=1
			asan_ok=0
		fi
	fi
	if [ "$asan_ok" = 1 ]; then
		log "building build-asan"
		if ninja -C build-asan >build-asan/ninja.log 2>&1; then
			export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
			export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
			if [ "${ASAN_INTEGRATION:-1}" = 1 ]; then
				run_suite "build-asan: unit + integration" -C build-asan --suite unit --suite integration
			else
				run_suite "build-asan: unit" -C build-asan --suite unit
			fi
		else
			grep -B2 -A8 -m 5 -E 'error|FAILED' build-asan/ninja.log >&2 || tail -n 40 build-asan/ninja.log >&2
			log "build-asan: build failed (full log: build-asan/ninja.log)"
			results+=("FAIL  build-asan: build")
			status=1
		fi
	fi
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
	fuzz_ok=1
	if [ ! -f build-fuzz/build.ninja ]; then
		log "configuring build-fuzz (clang, libFuzzer)"
		setup_log="${TMPDIR:-/tmp}/pmdswitch-fuzz-setup.log"
		if ! CC=clang meson setup build-fuzz -Dtests=enabled -Dfuzz=enabled \
			>"$setup_log" 2>&1; then
			tail -n 30 "$setup_log" >&2
			results+=("FAIL  build-fuzz: meson setup")
			status=1
			fuzz_ok=0
		fi
	fi
	if [ "$fuzz_ok" = 1 ]; then
		log "building build-fuzz (the fuzz targets only)"
		if ninja -C build-fuzz fuzz-targets >build-fuzz/ninja.log 2>&1; then
			run_suite "build-fuzz: fuzz" -C build-fuzz --suite fuzz --no-rebuild
		else
			grep -B2 -A8 -m 5 -E 'error|FAILED' build-fuzz/ninja.log >&2 || tail -n 40 build-fuzz/ninja.log >&2
			log "build-fuzz: build failed (full log: build-fuzz/ninja.log)"
			results+=("FAIL  build-fuzz: build")
			status=1
		fi
	fi
fi

log "summary:"
for r in "${results[@]}"; do
	log "  $r"
done
# The plain closing line: every test of every build counted once per build.
echo "tests: $total_passed passed, $total_failed failed"
exit "$status"
