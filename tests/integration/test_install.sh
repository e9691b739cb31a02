#!/usr/bin/env bash
# `cmake --install` (issue 12 item 5): into a temporary prefix it installs
# the binary (which runs from there: HDF5's folder in its RUNPATH), the man
# page (rendered by man when installed), the bash completion (sourced, it
# completes commands, options and --vars), the plot scripts and the example
# scenarios with their data (a variant checks from the installed tree, from
# another working directory).  Also `sancsim help COMMAND`.
set -euo pipefail
: "${SANCSIM_SRC:?}" "${SANCSIM_BUILD:?}" "${SANCSIM:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
t() { local name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi; }

cmake --install "$SANCSIM_BUILD" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
p=$tmp/prefix
t "binary installed and runs" "$p/bin/sancsim" --version
t "man page installed" test -s "$p/share/man/man1/sancsim.1"
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man -l "$p/share/man/man1/sancsim.1" >"$tmp/man.txt" 2>/dev/null || true
    t "man page renders with its sections" grep -q "NAME PATHS" "$tmp/man.txt"
    t "man page documents export and diff" grep -q "sancsim diff" "$tmp/man.txt"
else
    t "man page has its sections" grep -q '^.SH NAME PATHS' "$p/share/man/man1/sancsim.1"
fi
comp=$p/share/bash-completion/completions/sancsim
t "bash completion installed" test -s "$comp"
t "plot scripts installed" test -x "$p/share/sancsim/scripts/plot_dashboard.py" -a \
    -x "$p/share/sancsim/scripts/plot_sensitivity.py" -a -x "$p/share/sancsim/scripts/plot_fan.py"
t "example configs and data installed" test -f "$p/share/sancsim/configs/russia_iran_2022.cfg" -a \
    -f "$p/share/sancsim/configs/variants/no_redirect.cfg" -a -f "$p/share/sancsim/configs/data/trade_2021.csv"
t "an installed variant checks from another folder" \
    bash -c "cd / && '$p/bin/sancsim' check '$p/share/sancsim/configs/variants/no_redirect.cfg' -q"

# the completion, as bash would call it
complete_words() { # completion of the words "$@" (the last one being typed)
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sancsim; echo "${COMPREPLY[*]}"' \
        _ "$comp" "$@"
}
[ "$(complete_words sancsim ex)" = "export" ] && pass "completes commands" || fail "completes commands"
out=$(complete_words sancsim diff --fo)
[ "$out" = "--force" ] && pass "completes options" || fail "completes options ($out)"
out=$(complete_words sancsim help sw)
[ "$out" = "sweep" ] && pass "completes help topics" || fail "completes help topics ($out)"
mkdir -p "$tmp/w" && touch "$tmp/w/a.cfg" "$tmp/w/b.h5"
out=$(cd "$tmp/w" && complete_words sancsim run "")
[ "$out" = "a.cfg" ] && pass "run completes .cfg files" || fail "run completes .cfg files ($out)"
if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    "$SANCSIM" run "$SANCSIM_SRC/tests/data/tiny.cfg" -o "$tmp/w/tiny.h5" -q
    out=$(complete_words sancsim export "$tmp/w/tiny.h5" --vars exports,wel)
    [ "$out" = "exports,welfare" ] && pass "--vars completes the file's variables" ||
        fail "--vars completes the file's variables ($out)"
fi

# help COMMAND
for c in run check sweep merge export diff help; do
    t "help $c" bash -c "'$SANCSIM' help $c | grep -q 'usage: sancsim $c'"
done
if "$SANCSIM" help frobnicate >/dev/null 2>"$tmp/err"; then fail "help of an unknown command"; else
    grep -q "help frobnicate: no such command" "$tmp/err" && pass "help of an unknown command: exit 2" ||
        fail "help of an unknown command message"
fi
t "export --help" bash -c "'$SANCSIM' export --help | grep -q welfare_pct"

echo "$fails failed"
[ "$fails" = 0 ]
