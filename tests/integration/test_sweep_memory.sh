#!/usr/bin/env bash
# test_sweep_memory.sh - peak memory of a 100,000-run sweep of the tiny
# scenario stays under 200 MB (the kept rows travel through a bounded pool
# and are written as they come).  Measured with /usr/bin/time -f %M; skips
# (77) without it.  About 15 s on 2 cores.
set -euo pipefail
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time absent"; exit 77; }
: "${SANCSIM:?}" "${SANCSIM_SRC:?}"
# AddressSanitizer's shadow memory and quarantine are not the engine's
if ldd "$SANCSIM" 2>/dev/null | grep libasan >/dev/null; then echo "SKIP: sanitizer build"; exit 77; fi
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
sed -e "s|\"tiny_trade.csv\"|\"$SANCSIM_SRC/tests/data/tiny_trade.csv\"|" -e '/^output/d' \
    "$SANCSIM_SRC/tests/data/tiny.cfg" > "$d/m.cfg"
cat >> "$d/m.cfg" <<'CFG'
sweep = { design = "random"; samples = 100000;
  parameters = ( { path = "trade.sigma"; distribution = "uniform"; min = 3.0; max = 8.0; } );
  keep = ["welfare", "exports"]; };
CFG
/usr/bin/time -f "%M %e" -o "$d/time" "$SANCSIM" sweep "$d/m.cfg" -o "$d/m.h5" -q
read -r kb secs < "$d/time"
echo "100,000 runs: peak RSS $((kb / 1024)) MB, $secs s"
runs=$(/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1]); print(int((f['run_status'][()]==1).sum()))" "$d/m.h5")
[ "$runs" = 100000 ] || { echo "FAIL: $runs runs done, want 100000"; exit 1; }
[ "$kb" -lt 204800 ] || { echo "FAIL: peak RSS $kb KB >= 200 MB"; exit 1; }
echo "test_sweep_memory: ok"
