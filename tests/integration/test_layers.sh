#!/usr/bin/env bash
# The layers of DESIGN section 4 hold: (1) scripts/check_layers.py finds no
# back-edge or relative include in the sources; (2) with the build's own
# compile flags, a lower layer that includes a higher layer's header does
# not compile (the per-layer include directories refuse it), while the
# unmodified file does.
set -euo pipefail
: "${SANCSIM_SRC:?}" "${SANCSIM_BUILD:?}"
/usr/bin/python3 "$SANCSIM_SRC/scripts/check_layers.py"

db="$SANCSIM_BUILD/compile_commands.json"
[ -f "$db" ] || { echo "no $db"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compile command of a file, with the source replaced by $2 and -o by /dev/null
cmd_for() {
    /usr/bin/python3 - "$db" "$1" "$2" <<'PY'
import json, shlex, sys
db, src, repl = sys.argv[1:]
for e in json.load(open(db)):
    if e["file"].endswith(src) and "/sancsim_core_" in e.get("output", e["command"]):
        args = shlex.split(e["command"])
        out = []
        skip = False
        for a in args:
            if skip:
                skip = False
                out.append("/dev/null")
                continue
            if a == "-o":
                skip = True
            out.append(repl if a.endswith(src) else a)
        print(e["directory"])
        print(shlex.join(out))
        sys.exit(0)
sys.exit("no compile command for " + src)
PY
}

check_edge() { # lower-layer source, higher-layer header
    local src=$1 hdr=$2
    cp "$SANCSIM_SRC/$src" "$tmp/ok.c"
    { echo "#include \"$hdr\""; cat "$SANCSIM_SRC/$src"; } >"$tmp/bad.c"
    mapfile -t ok < <(cmd_for "$src" "$tmp/ok.c")
    mapfile -t bad < <(cmd_for "$src" "$tmp/bad.c")
    # the unmodified copy compiles with the layer's flags (the copy lives
    # elsewhere, so its own folder is added as the real file's would be)
    (cd "${ok[0]}" && eval "${ok[1]} -I$SANCSIM_SRC/$(dirname "$src")") >/dev/null 2>&1 ||
        { echo "FAIL: $src does not compile on its own"; exit 1; }
    if (cd "${bad[0]}" && eval "${bad[1]} -I$SANCSIM_SRC/$(dirname "$src")") 2>"$tmp/err"; then
        echo "FAIL: $src compiled with #include \"$hdr\" (a back-edge)"; exit 1
    fi
    grep -q "$hdr" "$tmp/err" || { echo "FAIL: unexpected error for $src:"; cat "$tmp/err"; exit 1; }
    echo "ok: $src cannot include $hdr"
}

check_edge engine/base/err.c world.h        # base -> world
check_edge engine/io/cfg.c scenario.h       # io -> scenario
check_edge engine/scenario/scenario.c run.h # scenario -> run
check_edge models/econ/ge.c run.h           # models -> run
check_edge engine/run/run.c sweep.h         # run -> sweep
echo "layers: ok"
