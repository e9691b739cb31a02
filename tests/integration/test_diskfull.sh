#!/usr/bin/env bash
# Disk full during output: a clean error (exit 1, one line naming the output
# file), no file at the output path, no temporary file left behind.
# - a file size limit (ulimit -f) hit at several sizes: the first writes,
#   mid-run appends, the final provenance/close;
# - when possible (root, mount allowed), a real full file system: a small
#   tmpfs.
set -u
: "${SANCSIM:?}" "${SANCSIM_SRC:?}"
PY=/usr/bin/python3
tmp=$(mktemp -d)
mnt=""
cleanup() {
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
cfg="$SANCSIM_SRC/configs/baseline_2021.cfg"
[ -f "$cfg" ] || { echo "SKIP: $cfg missing"; exit 77; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
temps() { find "$1" -maxdepth 1 -name '.*.tmp.*' | wc -l; }

# Size of the complete result, to pick limits below it.
"$SANCSIM" run "$cfg" -o "$tmp/full.h5" -q || { echo "FAIL reference run"; exit 1; }
size_kb=$(( $(stat -c %s "$tmp/full.h5") / 1024 ))
echo "complete output: ${size_kb} KiB"

check_clean() { # name dir rc
    local name=$1 d=$2 rc=$3
    [ "$rc" = 1 ] || fail "$name: exit $rc, want 1"
    [ "$(wc -l <"$d/stderr")" = 1 ] || { fail "$name: stderr is not one line"; sed 's/^/    /' "$d/stderr"; }
    grep -q 'out.h5' "$d/stderr" || fail "$name: message does not name the output: $(cat "$d/stderr")"
    grep -qi 'sanitizer\|core dumped\|Segmentation' "$d/stderr" && fail "$name: crash: $(cat "$d/stderr")"
    [ -e "$d/out.h5" ] && fail "$name: a file exists at the output path"
    [ "$(temps "$d")" = 0 ] || fail "$name: temporary file left: $(ls -a "$d" | tr '\n' ' ')"
}

# ulimit -f counts 1024-byte blocks.  Sizes from "first superblock write"
# to "just short of the end".
for lim in 1 4 16 64 $((size_kb / 2)) $((size_kb - 8)) $((size_kb - 1)); do
    [ "$lim" -ge 1 ] || continue
    d="$tmp/ulimit_$lim"
    mkdir -p "$d"
    ( ulimit -f "$lim"; exec "$SANCSIM" run "$cfg" -o "$d/out.h5" -q ) >"$d/stdout" 2>"$d/stderr"
    rc=$?
    check_clean "ulimit -f $lim" "$d" "$rc"
done

# Flows off: a much smaller file, limit hit in the final provenance writes.
small_kb=$(
    "$SANCSIM" run "$cfg" -o "$tmp/small.h5" -q --set output.flows=none >/dev/null 2>&1 &&
        echo $(( $(stat -c %s "$tmp/small.h5") / 1024 ))
)
if [ -n "$small_kb" ] && [ "$small_kb" -gt 2 ]; then
    d="$tmp/ulimit_small"
    mkdir -p "$d"
    ( ulimit -f $((small_kb - 1)); exec "$SANCSIM" run "$cfg" -o "$d/out.h5" -q --set output.flows=none ) \
        >"$d/stdout" 2>"$d/stderr"
    check_clean "ulimit -f (flows=none, $((small_kb - 1)) KiB)" "$d" "$?"
fi

# A real full file system.
if [ "$(id -u)" = 0 ] && command -v mount >/dev/null; then
    m="$tmp/mnt"
    mkdir -p "$m"
    if mount -t tmpfs -o size=$(( size_kb / 2 ))k tmpfs "$m" 2>/dev/null; then
        mnt=$m
        "$SANCSIM" run "$cfg" -o "$m/out.h5" -q >"$tmp/stdout" 2>"$m/../tmpfs_stderr"
        rc=$?
        cp "$tmp/tmpfs_stderr" "$m/stderr" 2>/dev/null || true
        [ "$rc" = 1 ] || fail "tmpfs full: exit $rc, want 1"
        grep -q 'out.h5' "$tmp/tmpfs_stderr" || fail "tmpfs full: message: $(cat "$tmp/tmpfs_stderr")"
        [ -e "$m/out.h5" ] && fail "tmpfs full: a file exists at the output path"
        [ "$(temps "$m")" = 0 ] || fail "tmpfs full: temporary file left"
        umount "$m" && mnt=""
        echo "tmpfs: checked"
    else
        echo "tmpfs: mount not permitted here, covered by ulimit -f only"
    fi
fi

if [ "$fails" -gt 0 ]; then
    echo "test_diskfull: $fails failure(s)"
    exit 1
fi
echo "test_diskfull: ok"
