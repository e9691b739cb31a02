#!/usr/bin/env bash
# scripts/ci_fuzz.sh - CI stage: build the libFuzzer targets (clang,
# -DSANCSIM_FUZZ=ON, build-fuzz/), replay their seed corpora and regression
# inputs, then fuzz each target for a bounded time.
#
#   scripts/ci_fuzz.sh [SECONDS_PER_TARGET]     (default 60, or $FUZZ_SECONDS)
#
# The corpus grows in a scratch copy (the repository's seeds stay small).
# A crash fails the stage; the crashing input is kept under
# build-fuzz/fuzz-artifacts/ -- add it to tests/fuzz/regress/<target>/ when
# the bug is fixed, so ctest replays it forever.  Prints executions per target.
set -euo pipefail
SANCSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$SANCSIM_ROOT/scripts/deps.sh"
# llvm-14 brings llvm-symbolizer: the leak suppressions of tests/fuzz/lsan.supp
# match function names, which LeakSanitizer only sees symbolized
sancsim_install_deps clang libclang-rt-14-dev llvm-14
export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
cd "$SANCSIM_ROOT"
secs=${1:-${FUZZ_SECONDS:-60}}
build=${SANCSIM_BUILD_DIR:-build-fuzz}
CC=clang sancsim_build "$build" -DSANCSIM_FUZZ=ON >/dev/null
ctest --test-dir "$build" -R '^fuzz/' --output-on-failure

work="$build/fuzz-work"
art="$build/fuzz-artifacts"
rm -rf "$work"
mkdir -p "$work" "$art"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$SANCSIM_ROOT/tests/fuzz/lsan.supp
status=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    short=${name#fuzz_}
    mkdir -p "$work/$short"
    cp tests/fuzz/corpus/"$short"/* "$work/$short/"
    [ -d "tests/fuzz/regress/$short" ] && cp tests/fuzz/regress/"$short"/* "$work/$short/" 2>/dev/null
    log="$work/$short.log"
    echo "fuzz: $name for ${secs}s"
    if "./$build/tests/fuzz/$name" "$work/$short" -max_total_time="$secs" -timeout=20 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$art/$short-" >"$log" 2>&1; then
        execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
        cov=$(grep -E '^#[0-9]+.*DONE' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
        echo "fuzz: $name clean: ${execs:-?} executions, coverage ${cov:-?}, corpus $(ls "$work/$short" | wc -l)"
    else
        echo "fuzz: $name FAILED; artifacts in $art:" >&2
        ls "$art" >&2
        tail -60 "$log" >&2
        status=1
    fi
done
exit "$status"
