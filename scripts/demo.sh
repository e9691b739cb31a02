#!/usr/bin/env bash
# scripts/demo.sh - install what is missing, build, run a scenario and plot it:
# results/<scenario>.h5 and results/<scenario>.png.
#
#   scripts/demo.sh [CONFIG]   (default: configs/russia_iran_2022.cfg, with its
#                               dashboard; other scenarios get the basic plot)
set -euo pipefail
SANCSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$SANCSIM_ROOT/scripts/deps.sh"

case "${1:-}" in -h | --help) sed -n '2,7p' "$0"; exit 0 ;; esac
sancsim_install_deps
cd "$SANCSIM_ROOT"
sancsim_build build >/dev/null
config=${1:-configs/russia_iran_2022.cfg}
stem=$(basename "$config" .cfg)
mkdir -p results
./build/sancsim run "$config" -o "results/$stem.h5" --force
if /usr/bin/python3 -c 'import h5py, sys; sys.exit(0 if "settlement_share" in h5py.File(sys.argv[1], "r") else 1)' \
    "results/$stem.h5"; then
    /usr/bin/python3 scripts/plot_dashboard.py "results/$stem.h5" "results/$stem.png"
else
    /usr/bin/python3 scripts/plot_demo.py "results/$stem.h5" "results/$stem.png"
fi
echo "demo: results/$stem.h5 and results/$stem.png"
