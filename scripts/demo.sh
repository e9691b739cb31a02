#!/usr/bin/env bash
# scripts/demo.sh - install what is missing, build, run the default scenario
# and plot it: results/<scenario>.h5 and results/<scenario>.png.
#
#   scripts/demo.sh [CONFIG]     (default: configs/baseline_2021.cfg)
set -euo pipefail
SANCSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$SANCSIM_ROOT/scripts/deps.sh"

sancsim_install_deps
cd "$SANCSIM_ROOT"
sancsim_build build >/dev/null
config=${1:-configs/baseline_2021.cfg}
stem=$(basename "$config" .cfg)
mkdir -p results
./build/sancsim run "$config" -o "results/$stem.h5" --force
/usr/bin/python3 scripts/plot_demo.py "results/$stem.h5" "results/$stem.png"
echo "demo: results/$stem.h5 and results/$stem.png"
