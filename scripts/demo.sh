#!/usr/bin/env bash
# scripts/demo.sh - install what is missing, build, run a scenario and plot it:
# results/<scenario>.h5 and results/<scenario>.png.
#
#   scripts/demo.sh [CONFIG]   (default: configs/russia_iran_2022.cfg, with its
#                               dashboard; other scenarios get the basic plot)
#
# CONFIG is a path as you would give it to any command: relative to the folder
# you are in.  results/ is created there too.
set -euo pipefail
SANCSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$SANCSIM_ROOT/scripts/deps.sh"

case "${1:-}" in -h | --help) sed -n '2,10p' "$0"; exit 0 ;; esac
caller=$(pwd)
config=${1:-$SANCSIM_ROOT/configs/russia_iran_2022.cfg}
case "$config" in /*) ;; *) config="$caller/$config" ;; esac
if [ ! -f "$config" ]; then
    echo "demo: ${1:-$config}: no such scenario file (relative paths start from $caller)" >&2
    exit 2
fi
sancsim_install_deps
(cd "$SANCSIM_ROOT" && sancsim_build build >/dev/null)
stem=$(basename "$config" .cfg)
mkdir -p results
"$SANCSIM_ROOT/build/sancsim" run "$config" -o "results/$stem.h5" --force
if /usr/bin/python3 -c 'import h5py, sys; sys.exit(0 if "settlement_share" in h5py.File(sys.argv[1], "r") else 1)' \
    "results/$stem.h5"; then
    /usr/bin/python3 "$SANCSIM_ROOT/scripts/plot_dashboard.py" "results/$stem.h5" "results/$stem.png"
else
    /usr/bin/python3 "$SANCSIM_ROOT/scripts/plot_demo.py" "results/$stem.h5" "results/$stem.png"
fi
echo "demo: $caller/results/$stem.h5 and $caller/results/$stem.png"
