#!/usr/bin/env bash
# `sancsim estimate` on bad input: every case exits 2 with ONE line on
# stderr that names the culprit (file and line of the data or the spec, and
# the column, setting or regressor), and leaves no output and no temporary
# file behind.  Then the good case, --force, and outputs refused before any
# work.  Needs nothing from ../shared.
set -u
: "${SANCSIM:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

# a small panel: 4 countries, 2 years; columns in an odd order plus extras
{
    echo 'note,year,importer,exporter,trade,fta,dist,region'
    for e in AAA BBB CCC DDD; do
        for i in AAA BBB CCC DDD; do
            [ "$e" = "$i" ] && continue
            for y in 2000 2005; do
                v=$(( (${#e} * 7 + $(printf '%d' "'${i:0:1}") * 3 + y) % 23 + 5 ))
                f=0; { [ "$y" = 2005 ] && [ "$e" \< "CCC" ] && [ "$i" \< "CCC" ]; } && f=1
                d=$(( ($(printf '%d' "'${e:0:1}") + 2 * $(printf '%d' "'${i:0:1}")) % 5 )).$(( y % 7 ))
                echo "\"x, y\",$y,$i,$e,$v.5,$f,$d,R$(( $(printf '%d' "'${e:0:1}") % 2 ))"
            done
        done
    done
} >"$tmp/panel.csv"
panel_lines=$(wc -l <"$tmp/panel.csv")

good='estimate = {
  data = "panel.csv";
  outcome = "trade";
  regressors = ["fta", "dist"];
  fixed_effects = ["exporter", "importer#year"];
  cluster = "exporter#importer";
};'

# expect NAME STATUS PATTERN SPEC-TEXT [extra args]
expect() {
    local name=$1 status=$2 pattern=$3 text=$4
    shift 4
    printf '%s\n' "$text" >"$tmp/spec.cfg"
    rm -f "$tmp/out.h5"
    "$SANCSIM" estimate "$tmp/spec.cfg" -o "$tmp/out.h5" -q "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    local rc=$? lines
    lines=$(wc -l <"$tmp/stderr")
    if [ "$rc" != "$status" ] || [ "$lines" != 1 ] || ! grep -Eq -- "$pattern" "$tmp/stderr" ||
        [ -e "$tmp/out.h5" ] || ls -a "$tmp" | grep -q '\.tmp\.'; then
        echo "FAIL $name: exit $rc (want $status), $lines stderr lines, pattern '$pattern'"
        sed 's/^/    /' "$tmp/stderr"
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
}

# spec with line N of `good` replaced (sed expression)
spec() { printf '%s\n' "$good" | sed "$1"; }

expect "unknown regressor column" 2 "panel.csv:1: gdp: column 'gdp' not in the header \(note,year," \
    "$(spec 's/"dist"]/"gdp"]/')"
expect "fixed effect names a missing column" 2 "panel.csv:1: country: column 'country' not in the header" \
    "$(spec 's/"exporter", "importer#year"/"country", "importer#year"/')"
expect "cluster names a missing column" 2 "panel.csv:1: pair: column 'pair' not in the header" \
    "$(spec 's/cluster = "exporter#importer"/cluster = "pair"/')"
expect "mapped column missing" 2 "panel.csv:1: exporter \(header 'iso_o'\): column 'iso_o' not in the header" \
    "$(spec 's/data = "panel.csv";/data = { file = "panel.csv"; columns = { exporter = "iso_o"; }; };/')"
expect "mapping of an unused column" 2 "spec.cfg:2: estimate.data.columns.gdp: not a column this block uses" \
    "$(spec 's/data = "panel.csv";/data = { file = "panel.csv"; columns = { gdp = "region"; }; };/')"
expect "filter on a missing column" 2 "panel.csv:1: flag: filter column 'flag' not in the header" \
    "$(spec 's/data = "panel.csv";/data = { file = "panel.csv"; filter = { flag = 1; }; };/')"
expect "filter keeps nothing" 2 "panel.csv:[0-9]+: no data rows \(after the filter\)" \
    "$(spec 's/data = "panel.csv";/data = { file = "panel.csv"; filter = { year = 1999; }; };/')"
# region as a number: an attribute of the exporter, absorbed by its effect
sed 's/,R0$/,0/; s/,R1$/,1/' "$tmp/panel.csv" >"$tmp/p2.csv"
expect "collinear with the fixed effects" 2 \
    "spec.cfg:4: estimate.regressors.\[1\]: regressor 'region' is collinear with the fixed effects \(its partialled-out norm" \
    "$(spec 's/"panel.csv"/"p2.csv"/; s/"dist"]/"region"]/')"
# fta2 = 2 fta: collinear with the regressor before it
# (field 1 is "x, y": awk's comma split sees fta as field 7)
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "fta2"; next } { print $0, 2 * $7 }' "$tmp/panel.csv" >"$tmp/p3.csv"
expect "collinear with another regressor" 2 \
    "spec.cfg:4: estimate.regressors.\[1\]: regressor 'fta2' is collinear with the regressors before it" \
    "$(spec 's/"panel.csv"/"p3.csv"/; s/"dist"]/"fta2"]/')"

# data errors with file and line
cp "$tmp/panel.csv" "$tmp/bad.csv"
sed -i '7s/,\([0-9]*\)\.5,/,-\1.5,/' "$tmp/bad.csv"
expect "negative outcome" 2 "bad.csv:7: trade: negative value -[0-9.]+ \(must be >= 0\)" "$(spec 's/"panel.csv"/"bad.csv"/')"
cp "$tmp/panel.csv" "$tmp/bad.csv"
sed -i '9s/,\([01]\),\([0-9.]*\),R/,yes,\2,R/' "$tmp/bad.csv"
expect "non-numeric regressor" 2 "bad.csv:9: fta: not a number 'yes'" "$(spec 's/"panel.csv"/"bad.csv"/')"
cp "$tmp/panel.csv" "$tmp/bad.csv"
sed -i '5s/,\([0-9]*\)\.5,/,abc,/' "$tmp/bad.csv"
expect "non-numeric outcome" 2 "bad.csv:5: trade: not a number 'abc'" "$(spec 's/"panel.csv"/"bad.csv"/')"
cp "$tmp/panel.csv" "$tmp/bad.csv"
sed -i '4s/,R\([01]\)$/,R\1,extra/' "$tmp/bad.csv"
expect "short or long row" 2 "bad.csv:4: expected 8 fields \(as in the header\), got 9" "$(spec 's/"panel.csv"/"bad.csv"/')"
expect "missing data file" 2 "nothere.csv: cannot open" "$(spec 's/"panel.csv"/"nothere.csv"/')"

# the spec itself
expect "unknown key" 2 "spec.cfg:5: estimate.fixed_effect: unknown setting 'fixed_effect' \(expected one of: data," \
    "$(spec 's/fixed_effects/fixed_effect/')"
expect "unknown block" 2 "spec.cfg:1: scenario: unknown setting 'scenario' \(expected one of: estimate\)" \
    "scenario = { name = \"x\"; };
$good"
expect "missing outcome" 2 "spec.cfg:1: estimate.outcome: missing required setting" "$(spec '/outcome/d')"
expect "outcome of the wrong type" 2 "spec.cfg:3: estimate.outcome: expected a string, got an integer" \
    "$(spec 's/outcome = "trade"/outcome = 3/')"
expect "four fixed effects" 2 "spec.cfg:5: estimate.fixed_effects: at most 3 fixed effects \(got 4\)" \
    "$(spec 's/"exporter", "importer#year"/"exporter", "importer", "year", "exporter#year"/')"
expect "empty interaction part" 2 "spec.cfg:5: estimate.fixed_effects.\[1\]: 'importer##year': empty column name" \
    "$(spec 's/importer#year/importer##year/')"
expect "regressor twice" 2 "spec.cfg:4: estimate.regressors.\[1\]: 'fta' twice" "$(spec 's/"dist"]/"fta"]/')"
expect "regressor is the outcome" 2 "spec.cfg:4: estimate.regressors.\[1\]: 'trade' is the outcome" \
    "$(spec 's/"dist"]/"trade"]/')"
expect "unknown sample" 2 "spec.cfg:2: estimate.sample: unknown sample 'domestic'" \
    "$(spec 's/data = "panel.csv";/data = "panel.csv"; sample = "domestic";/')"
expect "tolerance out of range" 2 "spec.cfg:2: estimate.tolerance: must be > 0 and < 0.01 \(got 0.5\)" \
    "$(spec 's/data = "panel.csv";/data = "panel.csv"; tolerance = 0.5;/')"
expect "negative replicates" 2 "spec.cfg:2: estimate.bootstrap.replicates: must be between 0 and" \
    "$(spec 's/data = "panel.csv";/data = "panel.csv"; bootstrap = { replicates = -1; };/')"
expect "effects on an unknown regressor" 2 "spec.cfg:2: estimate.effects.regressor: 'gdp' is not one of the regressors" \
    "$(spec 's|data = "panel.csv";|data = "panel.csv"; effects = { regressor = "gdp"; from = 2000; to = 2005; file = "d.csv"; };|')"
expect "--set of an unknown path" 2 "--set nothere.x=1: unknown setting path 'nothere.x'" "$good" --set nothere.x=1
expect "--set of the wrong type" 2 "--set estimate.tolerance: expected a float, got a string" "$good" \
    --set 'estimate.tolerance="a"'
# usage errors: the message, then "Try 'sancsim --help'."
for args in "--seed 3|--seed is not an option of estimate" "-j 0|-j 0: expected a number of workers"; do
    printf '%s\n' "$good" >"$tmp/spec.cfg"
    # shellcheck disable=SC2086
    "$SANCSIM" estimate "$tmp/spec.cfg" -o "$tmp/out.h5" ${args%%|*} >/dev/null 2>"$tmp/stderr"
    rc=$?
    if [ $rc = 2 ] && head -1 "$tmp/stderr" | grep -q -- "${args#*|}" && [ ! -e "$tmp/out.h5" ]; then
        passes=$((passes + 1))
    else
        echo "FAIL usage ${args%%|*}: exit $rc"; cat "$tmp/stderr"; fails=$((fails + 1))
    fi
done

# the good case: exit 0, the table on stdout, the file complete
printf '%s\n' "$good" >"$tmp/spec.cfg"
rm -f "$tmp/out.h5"
if "$SANCSIM" estimate "$tmp/spec.cfg" -o "$tmp/out.h5" -q >"$tmp/stdout" 2>"$tmp/stderr" &&
    grep -q "^fta " "$tmp/stdout" && grep -q "^dist " "$tmp/stdout" && [ -s "$tmp/out.h5" ] && [ ! -s "$tmp/stderr" ]; then
    passes=$((passes + 1))
else
    echo "FAIL good case"; cat "$tmp/stdout" "$tmp/stderr"; fails=$((fails + 1))
fi
# an existing output without --force: exit 2, untouched; with --force: replaced
before=$(md5sum <"$tmp/out.h5")
"$SANCSIM" estimate "$tmp/spec.cfg" -o "$tmp/out.h5" -q >/dev/null 2>"$tmp/stderr"
rc=$?
if [ $rc = 2 ] && grep -q "out.h5: exists (use --force to overwrite)" "$tmp/stderr" && [ "$(md5sum <"$tmp/out.h5")" = "$before" ]; then
    passes=$((passes + 1))
else
    echo "FAIL existing output: exit $rc"; cat "$tmp/stderr"; fails=$((fails + 1))
fi
if "$SANCSIM" estimate "$tmp/spec.cfg" -o "$tmp/out.h5" -q --force >/dev/null 2>&1; then
    passes=$((passes + 1))
else
    echo "FAIL --force"; fails=$((fails + 1))
fi
# an existing effects file is refused before any work: no HDF5 written
printf '%s\n' "$good" | sed "s|data = \"panel.csv\";|data = \"panel.csv\"; effects = { regressor = \"fta\"; from = 2000; to = 2005; file = \"$tmp/d.csv\"; };|" >"$tmp/spec.cfg"
echo old >"$tmp/d.csv"
rm -f "$tmp/out.h5"
"$SANCSIM" estimate "$tmp/spec.cfg" -o "$tmp/out.h5" -q >/dev/null 2>"$tmp/stderr"
rc=$?
if [ $rc = 2 ] && grep -q "d.csv: exists" "$tmp/stderr" && [ ! -e "$tmp/out.h5" ] && [ "$(cat "$tmp/d.csv")" = old ]; then
    passes=$((passes + 1))
else
    echo "FAIL existing effects file: exit $rc"; cat "$tmp/stderr"; fails=$((fails + 1))
fi
# ... and written with --force: header and one row per international pair
if "$SANCSIM" estimate "$tmp/spec.cfg" -o "$tmp/out.h5" -q --force >/dev/null 2>&1 &&
    [ "$(head -1 "$tmp/d.csv")" = "exporter,importer,delta" ] && [ "$(wc -l <"$tmp/d.csv")" = 13 ] &&
    grep -q '^AAA,BBB,1$' "$tmp/d.csv" && grep -q '^CCC,DDD,0$' "$tmp/d.csv"; then
    passes=$((passes + 1))
else
    echo "FAIL effects file"; cat "$tmp/d.csv"; fails=$((fails + 1))
fi
[ "$panel_lines" = 25 ] || { echo "FAIL the panel has $panel_lines lines"; fails=$((fails + 1)); }

echo "test_ppml_cli: $passes passed, $fails failed"
[ $fails = 0 ]
