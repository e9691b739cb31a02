#!/usr/bin/env bash
# Interrupted runs (DESIGN section 5, README "Exit status"):
# - SIGINT / SIGTERM while the temporary output exists: exit 130 / 143, the
#   temporary file is removed and nothing appears at the output path;
# - SIGKILL at any moment: the output path either does not exist or holds a
#   finished file (complete = 1, every period present) -- never a partial
#   file that claims to be complete.
set -u
: "${SANCSIM:?}" "${SANCSIM_SRC:?}"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
cfg="$SANCSIM_SRC/configs/baseline_2021.cfg"
[ -f "$cfg" ] || { echo "SKIP: $cfg missing"; exit 77; }

fail() { echo "FAIL $*"; fails=$((fails + 1)); }
temps() { find "$1" -maxdepth 1 -name '.*.tmp.*' | wc -l; }

# A long run: the default scenario stretched to many periods (~10+ s).
long_args=(--set scenario.periods=60000 -q)

# wait until the temporary file exists (the run is writing), max ~20 s
wait_temp() {
    local dir=$1 pid=$2 i
    for i in $(seq 1 400); do
        [ "$(temps "$dir")" -gt 0 ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

for sig in INT TERM; do
    want=130
    [ "$sig" = TERM ] && want=143
    d="$tmp/$sig"
    mkdir -p "$d"
    "$SANCSIM" run "$cfg" -o "$d/out.h5" "${long_args[@]}" 2>"$d/stderr" &
    pid=$!
    if ! wait_temp "$d" "$pid"; then
        fail "SIG$sig: no temporary file appeared while running"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        continue
    fi
    sleep 0.3
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    [ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, want $want"
    [ -e "$d/out.h5" ] && fail "SIG$sig: output file exists after interrupt"
    [ "$(temps "$d")" = 0 ] || fail "SIG$sig: temporary file left: $(ls -a "$d")"
done

# SIGTERM right at start-up (while loading, before or just as the temporary
# file appears) must not leave one either.  (SIGTERM, not SIGINT: a
# non-interactive shell starts background jobs with SIGINT ignored.)
for delay in 0 0.02 0.05 0.1; do
    d="$tmp/early_$delay"
    mkdir -p "$d"
    "$SANCSIM" run "$cfg" -o "$d/out.h5" "${long_args[@]}" 2>/dev/null &
    pid=$!
    sleep "$delay"
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    [ "$rc" = 143 ] || fail "early SIGTERM ($delay s): exit $rc, want 143"
    [ -e "$d/out.h5" ] && fail "early SIGTERM ($delay s): output file exists"
    [ "$(temps "$d")" = 0 ] || fail "early SIGTERM ($delay s): temporary file left"
done

# SIGKILL at spread-out moments of a short run (~0.5 s), including during
# the final close/rename.  Whatever is at the output path must be complete.
short_args=(--set scenario.periods=1500 -q)
check_complete() {
    "$PY" - "$1" "$2" <<'EOF'
import sys
import h5py
path, periods = sys.argv[1], int(sys.argv[2])
try:
    f = h5py.File(path, "r")
except Exception as ex:  # an unreadable file at the final path is a failure
    print("unreadable: %s" % ex)
    sys.exit(1)
with f:
    c = f.attrs.get("complete")
    if c is None or int(c) != 1:
        print("complete attribute is %r" % (c,))
        sys.exit(1)
    if f["welfare"].shape[0] != periods:
        print("complete = 1 but welfare has %d of %d periods" % (f["welfare"].shape[0], periods))
        sys.exit(1)
EOF
}
nkill=0 nfinished=0
for delay in 0.01 0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.45 0.5 0.6 0.7 0.8 1.0 1.3; do
    d="$tmp/kill_$delay"
    mkdir -p "$d"
    "$SANCSIM" run "$cfg" -o "$d/out.h5" "${short_args[@]}" 2>/dev/null &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    if [ "$rc" = 137 ]; then
        nkill=$((nkill + 1))
    else
        nfinished=$((nfinished + 1))
    fi
    if [ -e "$d/out.h5" ]; then
        msg=$(check_complete "$d/out.h5" 1500) || fail "SIGKILL after ${delay}s (exit $rc): $msg"
    elif [ "$rc" = 0 ]; then
        fail "SIGKILL after ${delay}s: exit 0 but no output"
    fi
done
[ "$nkill" -gt 0 ] || fail "SIGKILL: no run was killed before finishing (runs too fast?)"
echo "SIGKILL: $nkill runs killed, $nfinished finished before the signal"

# SIGKILL with --force over an existing finished file: the old file stays
# intact (complete, readable) until the new one replaces it.
d="$tmp/kill_force"
mkdir -p "$d"
"$SANCSIM" run "$cfg" -o "$d/out.h5" -q --set scenario.periods=30 || fail "force: first run failed"
"$SANCSIM" run "$cfg" -o "$d/out.h5" "${long_args[@]}" --force 2>/dev/null &
pid=$!
wait_temp "$d" "$pid" || fail "force: no temporary file appeared"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
msg=$(check_complete "$d/out.h5" 30) || fail "SIGKILL with --force damaged the old output: $msg"

if [ "$fails" -gt 0 ]; then
    echo "test_signals: $fails failure(s)"
    exit 1
fi
echo "test_signals: ok"
