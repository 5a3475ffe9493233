#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs one libFuzzer target: every committed input once (SRC/seeds and
# SRC/regressions), then fuzzes for PMDSWITCH_FUZZ_SECONDS (default 20)
# starting from them, new inputs into WORK/corpus, crashes into WORK/.
# A crash fails the test: copy the crash-* file into SRC/regressions with
# the fix.
#   run_fuzz.sh FUZZER SRC WORK
set -eu
exe=$1 src=$2 work=$3
secs=${PMDSWITCH_FUZZ_SECONDS:-20}
mkdir -p "$work/corpus"
echo "== $(basename "$exe"): committed inputs"
# libFuzzer's own error status is 77, which meson reads as "skipped": a
# finding must fail the test.
"$exe" -error_exitcode=1 -runs=0 "$src/seeds" "$src/regressions"
echo "== $(basename "$exe"): fuzzing for $secs s"
exec "$exe" -error_exitcode=1 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/" \
	"$work/corpus" "$src/seeds" "$src/regressions"
