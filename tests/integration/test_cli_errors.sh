#!/usr/bin/env bash
# Every class of bad input gets exit 2 (1 for I/O), ONE line on stderr that
# names the file, line and setting, and no output file.
set -u
: "${SANCSIM:?}" "${SANCSIM_SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$SANCSIM_SRC/tests/data/tiny_trade.csv" "$tmp/trade.csv"
fails=0 passes=0

base_cfg() {
    cat <<'CFG'
scenario = { name = "t"; start = "2022-01"; step = "month"; periods = 4; seed = 1; };
data = { trade = "trade.csv"; units = "USD million"; };
groups = { NORTH = ["AAA", "BBB"]; };
trade = { sigma = 5.0; adjustment = 1.0; };
events = ( { name = "e"; start = 1; exporters = ["CCC"]; importers = ["NORTH"]; factor = 1.5; } );
CFG
}

# expect NAME STATUS PATTERN CFG-TEXT [extra args]
expect() {
    local name=$1 status=$2 pattern=$3 text=$4
    shift 4
    printf '%s\n' "$text" >"$tmp/c.cfg"
    rm -f "$tmp/out.h5"
    "$SANCSIM" run "$tmp/c.cfg" -o "$tmp/out.h5" -q "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    local rc=$? lines
    lines=$(wc -l <"$tmp/stderr")
    if [ "$rc" != "$status" ] || [ "$lines" != 1 ] || ! grep -Eq -- "$pattern" "$tmp/stderr" ||
        [ -e "$tmp/out.h5" ] || ls "$tmp" | grep -q '\.tmp'; then
        echo "FAIL $name: exit $rc (want $status), $lines stderr lines, pattern '$pattern'"
        sed 's/^/    /' "$tmp/stderr"
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
}

B=$(base_cfg)
C="$tmp/c.cfg"
expect syntax 2 "c.cfg:1: syntax error" "scenario = { name = ; };"
expect unknown-key 2 "c.cfg:4: trade.sigmaa: unknown setting" "$(base_cfg | sed 's/sigma = 5.0;/sigmaa = 5.0;/')"
expect unknown-top 2 "c.cfg:[0-9]+: .*colour.*unknown setting" "$B
colour = 1;"
expect wrong-type 2 "c.cfg:1: scenario.periods: expected an int" "$(base_cfg | sed 's/periods = 4/periods = "4"/')"
expect int-as-float 2 "c.cfg:1: scenario.periods" "$(base_cfg | sed 's/periods = 4/periods = 4.0/')"
expect sigma-le-1 2 "c.cfg:4: trade.sigma: must be > 1" "$(base_cfg | sed 's/sigma = 5.0/sigma = 1.0/')"
expect sigma-inf 2 "c.cfg:4: trade.sigma: .*finite" "$(base_cfg | sed 's/sigma = 5.0/sigma = 1e400/')"
expect adjustment 2 "c.cfg:4: trade.adjustment: must be in \(0, 1\]" "$(base_cfg | sed 's/adjustment = 1.0/adjustment = 1.5/')"
expect adjustment0 2 "c.cfg:4: trade.adjustment" "$(base_cfg | sed 's/adjustment = 1.0/adjustment = 0.0/')"
expect periods0 2 "c.cfg:1: scenario.periods: must be between 1" "$(base_cfg | sed 's/periods = 4/periods = 0/')"
expect periods-big 2 "c.cfg:1: scenario.periods" "$(base_cfg | sed 's/periods = 4/periods = 99999999999L/')"
expect neg-factor 2 "c.cfg:5: events.\[0\].factor: must be >= 0" "$(base_cfg | sed 's/factor = 1.5/factor = -1.5/')"
expect two-forms 2 "c.cfg:5: events.\[0\].*one of partial_effect, factor or file" "$(base_cfg | sed 's/factor = 1.5;/factor = 1.5; partial_effect = -0.2;/')"
expect no-form 2 "c.cfg:5: events.\[0\].*needs one of" "$(base_cfg | sed 's/ factor = 1.5;//')"
expect unknown-country 2 "c.cfg:5: events.\[0\].exporters: unknown country or group 'XYZ'" "$(base_cfg | sed 's/\["CCC"\]/["XYZ"]/')"
expect unknown-sector 2 "c.cfg:5: events.\[0\].sectors: unknown sector 'steel'" "$(base_cfg | sed 's/factor = 1.5;/factor = 1.5; sectors = ["steel"];/')"
expect group-is-country 2 "c.cfg:3: groups.AAA: group 'AAA' has the name of a country" "$(base_cfg | sed 's/NORTH = /AAA = /; s/\["NORTH"\]/["AAA"]/')"
expect group-cycle 2 "c.cfg:3: groups.*includes itself" "$(base_cfg | sed 's/NORTH = \["AAA", "BBB"\];/NORTH = ["AAA", "SOUTH"]; SOUTH = ["NORTH"];/')"
expect bad-date 2 "c.cfg:1: scenario.start: bad date '2022-13'" "$(base_cfg | sed 's/start = "2022-01"/start = "2022-13"/')"
expect bad-event-date 2 "c.cfg:5: events.\[0\].start: bad date" "$(base_cfg | sed 's/start = 1;/start = "March";/')"
expect event-before 2 "c.cfg:5: events.\[0\].start: date 2021-06 is before" "$(base_cfg | sed 's/start = 1;/start = "2021-06";/')"
expect event-after 2 "c.cfg:5: events.\[0\].start: .*outside the horizon" "$(base_cfg | sed 's/start = 1;/start = "2023-06";/')"
expect event-at-0 2 "c.cfg:5: events.\[0\].start: .*outside the horizon" "$(base_cfg | sed 's/start = 1;/start = 0;/')"
expect end-before-start 2 "c.cfg:5: events.\[0\].end: .*must come after start" "$(base_cfg | sed 's/start = 1;/start = 2; end = 2;/')"
expect bad-step 2 "c.cfg:1: scenario.step: unknown step" "$(base_cfg | sed 's/"month"/"week"/')"
expect missing-data 2 "c.cfg:2: data.trade: missing required setting|c.cfg:2: data: .*trade" "$(base_cfg | sed 's/trade = "trade.csv"; //')"
expect bad-compression 2 "output.compression: must be between 0 and 9" "$B
output = { compression = 12; };"
expect bad-flows 2 "output.flows: unknown value 'some'" "$B
output = { flows = \"some\"; };"
expect set-type 2 "--set trade.sigma=abc" "$B" --set trade.sigma=abc
expect set-unknown 2 "--set trade.nope.x=1" "$B" --set trade.nope.x=1
expect set-range 2 "trade.sigma: must be > 1" "$B" --set trade.sigma=0.5

# CSV errors: FILE:LINE: what
csv_case() {
    local name=$1 pattern=$2 content=$3
    printf '%s\n' "$content" >"$tmp/bad.csv"
    expect "$name" 2 "$pattern" "$(base_cfg | sed 's/trade.csv/bad.csv/')"
}
HDR="exporter,importer,sector,value"
OK="AAA,AAA,goods,1
BBB,BBB,goods,1
CCC,CCC,goods,1"
csv_case csv-negative "bad.csv:5: .*negative" "$HDR
$OK
AAA,BBB,goods,-3"
csv_case csv-nan "bad.csv:5: .*(finite|not a number)" "$HDR
$OK
AAA,BBB,goods,nan"
csv_case csv-text "bad.csv:5: .*not a number" "$HDR
$OK
AAA,BBB,goods,abc"
csv_case csv-dup "bad.csv:6: .*duplicate" "$HDR
$OK
AAA,BBB,goods,3
AAA,BBB,goods,4"
csv_case csv-short "bad.csv:5: .*expected 4 fields" "$HDR
$OK
AAA,BBB,3"
csv_case csv-header "bad.csv:1: .*header" "exp,imp,value
$OK"
csv_case csv-empty "bad.csv.*no data rows" "$HDR"
csv_case csv-nodomestic "bad.csv.*DDD.*domestic" "$HDR
$OK
DDD,AAA,goods,2"

# unwritable output folder: exit 1 (I/O), nothing written
printf '%s\n' "$B" >"$C"
"$SANCSIM" run "$C" -o "$tmp/no/such/dir/out.h5" -q 2>"$tmp/stderr"
rc=$?
if [ $rc = 0 ] || [ "$(wc -l <"$tmp/stderr")" != 1 ] || ! grep -q "no/such/dir/out.h5" "$tmp/stderr"; then
    echo "FAIL unwritable: exit $rc"; cat "$tmp/stderr"; fails=$((fails + 1))
else passes=$((passes + 1)); fi

# an existing output is untouched without --force (exit 2), replaced with it
echo "precious" >"$tmp/out.h5"
"$SANCSIM" run "$C" -o "$tmp/out.h5" -q 2>"$tmp/stderr"
rc=$?
if [ $rc != 2 ] || [ "$(cat "$tmp/out.h5")" != precious ] || ! grep -q "exists" "$tmp/stderr"; then
    echo "FAIL exists: exit $rc"; fails=$((fails + 1))
else passes=$((passes + 1)); fi
if ! "$SANCSIM" run "$C" -o "$tmp/out.h5" -q --force || [ "$(head -c 4 "$tmp/out.h5" | od -An -c | tr -d ' ')" != '211HDF' ]; then
    echo "FAIL force"; fails=$((fails + 1))
else passes=$((passes + 1)); fi

# usage errors: exit 2
for args in "" "frobnicate x.cfg" "run" "run $C --bogus" "run $C --seed -3" "run $C --set novalue"; do
    # shellcheck disable=SC2086
    "$SANCSIM" $args >/dev/null 2>&1
    rc=$?
    if [ $rc != 2 ]; then echo "FAIL usage '$args': exit $rc"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
done
"$SANCSIM" --help | grep -q "usage: sancsim" && passes=$((passes + 1)) || { echo "FAIL --help"; fails=$((fails + 1)); }
"$SANCSIM" --version | grep -q "^sancsim " && passes=$((passes + 1)) || { echo "FAIL --version"; fails=$((fails + 1)); }

echo "cli errors: $passes passed, $fails failed"
[ "$fails" = 0 ]
