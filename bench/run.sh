#!/usr/bin/env bash
# bench/run.sh - the scenario benchmarks (not part of the test suite).
#   bench/run.sh [BUILD_DIR]   default build/
# Prints wall time (median of 5) and peak RSS of each case.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build}/sancsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case_run() {
    local name=$1 dir=$2
    local times=() rss=0
    for r in 1 2 3 4 5; do
        local s e
        s=$(date +%s.%N)
        /usr/bin/time -f "%M" -o "$work/rss" "$bin" run "$dir/bench.cfg" -o "$work/out.h5" --force -q
        e=$(date +%s.%N)
        times+=("$(echo "$e - $s" | bc -l)")
        rss=$(cat "$work/rss")
    done
    local med
    med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
    printf '%-40s median %.3f s  peak RSS %d MB\n' "$name" "$med" $((rss / 1024))
}
/usr/bin/python3 "$root/bench/make_scenario.py" "$work/s120" 120 10 13
case_run "120 x 10 x 13 periods (CSV in, HDF5 out)" "$work/s120"
# the eu2000 bootstrap: 1,000 draws of the EU-enlargement partial effect, -j 2
if [ -f "$root/../shared/data/gravity/eu2000.csv" ]; then
    times=()
    for r in 1 2 3 4 5; do
        s=$(date +%s.%N)
        /usr/bin/time -f "%M" -o "$work/rss" "$bin" sweep "$root/configs/sweeps/eu2000_bootstrap.cfg" \
            -o "$work/boot.h5" --force -q -j 2
        e=$(date +%s.%N)
        times+=("$(echo "$e - $s" | bc -l)")
    done
    med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
    printf '%-40s median %.3f s  peak RSS %d MB\n' "eu2000 bootstrap, 1000 draws, -j 2" "$med" \
        $(($(cat "$work/rss") / 1024))
fi
# production networks (trade.model = "io"): CP's NAFTA case when ../shared is
# present, and a synthetic 150 x 20 world over 6 yearly periods with
# sanctions, a tariff and an export-tax discount (BENCH_IO=0 skips both)
if [ "${BENCH_IO:-1}" = 1 ]; then
    if [ -f "$root/../shared/data/cp2015/trade.csv" ]; then
        mkdir -p "$work/nafta"
        cp "$root/configs/examples/cp2015_nafta.cfg" "$work/nafta/bench.cfg"
        sed -i "s#\.\./\.\./\.\./shared#$root/../shared#g" "$work/nafta/bench.cfg"
        case_run "CP NAFTA 31 x 40, 2 equilibria (io)" "$work/nafta"
    fi
    /usr/bin/python3 "$root/bench/make_scenario.py" "$work/io150" 150 20 6 --io
    case_run "io 150 x 20 x 6 years, sanctions" "$work/io150"
    /usr/bin/python3 - "$work/out.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
it, res = f["solver_iterations"][()], f["solver_residual"][()]
print("  outer iterations per period %s, largest residual %.2g" % (list(map(int, it)), res.max()))
PY
fi
if [ "${BENCH_AGENTS:-1}" = 1 ]; then
    /usr/bin/python3 "$root/bench/make_scenario.py" "$work/a150" 150 20 120 --agents
    case_run "150 x 20 x 120 periods, agents, flows=none" "$work/a150"
fi
