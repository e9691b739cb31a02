#!/usr/bin/env bash
# tests/compare_revisions.sh OLD [NEW] - do two revisions write the same results?
#
# Builds both git revisions (NEW defaults to the working tree) in temporary
# folders, runs every shipped scenario and sweep with each -- the 2021
# baseline, the Russia-Iran scenario and its variants, the sanctions grid,
# and (when ../shared is present) the eu2000 bootstrap -- and compares
# every dataset with tests/compare_builds.py (attributes such as `created`
# aside).  Exit 0 when all match, 1 listing those that differ.  This is how
# a refactoring shows it changed no number (issue 8), e.g.
#   tests/compare_revisions.sh 1eaf99c
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,12p' "$0"; exit 2; }
old=$1 new=${2:-WORKTREE}
work=$(mktemp -d)
trap 'cd "$root"; git worktree remove --force "$work/old" >/dev/null 2>&1 || true;
      [ "$new" = WORKTREE ] || git worktree remove --force "$work/new" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
build() { # revision dir
    if [ "$1" = WORKTREE ]; then
        ln -s "$root" "$2"
    else
        git -C "$root" worktree add -q --detach "$2" "$1"
    fi
    cmake -S "$2" -B "$2.build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$2.build" -j "$(nproc)" --target sancsim >/dev/null
}
build "$old" "$work/old"
build "$new" "$work/new"
# eu2000: revisions before "data as it comes" read only exporter,importer,value,
# so both builds get the stripped columns (the same table for the new one)
eu2000="$root/../shared/data/gravity/eu2000.csv"
[ -f "$eu2000" ] && cut -d, -f1-3 "$eu2000" >"$work/eu2000_trade.csv"
fail=0
compare() { # name [--results-only]
    if /usr/bin/python3 "$root/tests/compare_builds.py" ${2:-} "$work/old.$1.h5" "$work/new.$1.h5" >"$work/diff"; then
        echo "same: $1"
    else
        echo "DIFFERENT: $1"; sed 's/^/    /' "$work/diff"; fail=1
    fi
}
cases=(baseline_2021.cfg russia_iran_2022.cfg)
for v in "$root"/configs/variants/*.cfg; do cases+=("variants/$(basename "$v")"); done
# Each build runs from its own tree with the same relative paths, so that
# the provenance (data files by path and hash) is comparable too.
for c in "${cases[@]}"; do
    name=$(echo "$c" | tr '/' '_')
    oldc=$c flag=
    if [ ! -f "$work/old/configs/$c" ]; then
        # the Armington variant keeps the scenario as it was before the io
        # baseline (issue 9): compare it with the old scenario's numbers
        if [ "$c" = variants/armington.cfg ] && ! grep -q 'model *= *"io"' "$work/old/configs/include/ri_trade.cfg"; then
            oldc=russia_iran_2022.cfg flag=--results-only
            echo "(variants/armington.cfg against the old russia_iran_2022.cfg, results only)"
        else
            echo "new only: $c"
            continue
        fi
    fi
    (cd "$work/old" && "$work/old.build/sancsim" run "configs/$oldc" -o "$work/old.$name.h5" -q --force)
    (cd "$work/new" && "$work/new.build/sancsim" run "configs/$c" -o "$work/new.$name.h5" -q --force)
    compare "$name" $flag
done
sweeps=(sweeps/sanctions_grid.cfg)
[ -f "$work/eu2000_trade.csv" ] && sweeps+=(sweeps/eu2000_bootstrap.cfg)
for c in "${sweeps[@]}"; do
    name=$(echo "$c" | tr '/' '_')
    set_data=()
    [ "$c" = sweeps/eu2000_bootstrap.cfg ] && set_data=(--set "data.trade=\"$work/eu2000_trade.csv\"")
    for t in old new; do
        (cd "$work/$t" && "$work/$t.build/sancsim" sweep "configs/$c" -o "$work/$t.$name.h5" -q --force -j 2 "${set_data[@]}")
    done
    compare "$name"
done
exit $fail
