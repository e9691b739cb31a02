#!/usr/bin/env bash
# scripts/ci_valgrind.sh - CI stage: the demo scenario under valgrind
# memcheck must show no invalid reads or writes, no uses of uninitialised
# values and no leaks (definite, indirect or possible; "still reachable"
# blocks are library caches -- HDF5's free lists -- released at exit).
#
#   scripts/ci_valgrind.sh [CONFIG...]   (default: the demo scenario,
#   configs/russia_iran_2022.cfg, configs/baseline_2021.cfg and the
#   governments variant, configs/russia_iran_endogenous.cfg: the look-ahead)
set -euo pipefail
SANCSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$SANCSIM_ROOT/scripts/deps.sh"
sancsim_install_deps valgrind
cd "$SANCSIM_ROOT"
build=${SANCSIM_BUILD_DIR:-build}
sancsim_build "$build" >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ $# -gt 0 ] || set -- configs/russia_iran_2022.cfg configs/baseline_2021.cfg configs/russia_iran_endogenous.cfg
status=0
for config in "$@"; do
    for cmd in check run; do
        log="$out/valgrind.log"
        args=("$cmd" "$config" --quiet)
        [ "$cmd" = run ] && args+=(-o "$out/demo.h5" --force)
        echo "valgrind: sancsim ${args[*]}"
        if ! valgrind --quiet --error-exitcode=99 --leak-check=full \
            --show-leak-kinds=definite,indirect,possible \
            --errors-for-leak-kinds=definite,indirect,possible \
            --track-origins=yes --log-file="$log" \
            "./$build/sancsim" "${args[@]}" >/dev/null; then
            echo "valgrind: FAILED on sancsim ${args[*]}" >&2
            cat "$log" >&2
            status=1
        fi
    done
done
[ "$status" = 0 ] && echo "valgrind: clean"
exit "$status"
