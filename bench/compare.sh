#!/usr/bin/env bash
# bench/compare.sh OLD_SANCSIM NEW_SANCSIM [RUNS] - two builds, timed in turn.
#
# Not part of the test suite.  Times each case RUNS times (default 9) with
# the two binaries alternating (A B A B ...), so that a shared machine's
# drift hits both alike, and prints per case the median wall and CPU
# (user + system) seconds of each and the median of the pair-by-pair
# ratios NEW/OLD.  Cases: the eu2000 bootstrap sweep (1,000 draws; needs
# ../shared) at -j 1 and -j 2, with the cost per draw (wall / 1,000), and
# the foundation's 120 countries x 10 sectors x 13 periods scenario (CSV
# in, HDF5 out).  E.g. for the working tree against main:
#   git worktree add /tmp/old main && cmake -S /tmp/old -B /tmp/old/build -DCMAKE_BUILD_TYPE=Release &&
#   cmake --build /tmp/old/build --target sancsim && bench/compare.sh /tmp/old/build/sancsim build/sancsim
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,15p' "$0"; exit 2; }
old=$(realpath "$1") new=$(realpath "$2") runs=${3:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# one timed run: prints "wall cpu"
timed() {
    /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >/dev/null 2>&1
    awk '{printf "%s %.3f\n", $1, $2 + $3}' "$work/t"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# case NAME DRAWS ARGS... (ARGS after the binary; OUT is replaced by an output path)
case_cmp() {
    local name=$1 draws=$2
    shift 2
    : >"$work/a"
    : >"$work/b"
    : >"$work/r"
    for ((i = 0; i < runs; i++)); do
        local a b
        a=$(timed "$old" "${@/OUT/$work/old.h5}")
        b=$(timed "$new" "${@/OUT/$work/new.h5}")
        echo "$a" >>"$work/a"
        echo "$b" >>"$work/b"
        echo "$a $b" | awk '{printf "%.4f %.4f\n", $3 / $1, $4 / $2}' >>"$work/r"
    done
    local wa wb ca cb rw rc
    wa=$(cut -d' ' -f1 "$work/a" | median)
    wb=$(cut -d' ' -f1 "$work/b" | median)
    ca=$(cut -d' ' -f2 "$work/a" | median)
    cb=$(cut -d' ' -f2 "$work/b" | median)
    rw=$(cut -d' ' -f1 "$work/r" | median)
    rc=$(cut -d' ' -f2 "$work/r" | median)
    printf '%s (median of %d)\n' "$name" "$runs"
    printf '  old: wall %.3f s  cpu %.3f s\n  new: wall %.3f s  cpu %.3f s\n  new/old: wall %.3f  cpu %.3f\n' \
        "$wa" "$ca" "$wb" "$cb" "$rw" "$rc"
    if [ "$draws" -gt 0 ]; then
        awk -v a="$wa" -v b="$wb" -v n="$draws" \
            'BEGIN {printf "  per draw: old %.3f ms, new %.3f ms\n", 1000 * a / n, 1000 * b / n}'
    fi
}

if [ -f "$root/../shared/data/gravity/eu2000.csv" ]; then
    # the first three columns, so that builds that do not skip extra columns read it too
    cut -d, -f1-3 "$root/../shared/data/gravity/eu2000.csv" >"$work/eu2000_trade.csv"
    cfg=$root/configs/sweeps/eu2000_bootstrap.cfg
    set_data="data.trade=\"$work/eu2000_trade.csv\""
    case_cmp "eu2000 bootstrap, 1000 draws, -j 1" 1000 sweep "$cfg" --set "$set_data" -o OUT --force -q -j 1
    case_cmp "eu2000 bootstrap, 1000 draws, -j 2" 1000 sweep "$cfg" --set "$set_data" -o OUT --force -q -j 2
fi
/usr/bin/python3 "$root/bench/make_scenario.py" "$work/s120" 120 10 13
case_cmp "120 x 10 x 13 periods (CSV in, HDF5 out)" 0 run "$work/s120/bench.cfg" -o OUT --force -q
