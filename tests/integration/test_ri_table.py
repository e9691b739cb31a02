#!/usr/bin/python3
"""scripts/ri_table.py SCRIPTED.h5 ENDOGENOUS.h5, the issue-10 report, on the
repository's two Russia-Iran runs (scripted with the metrics block added by
--set, and configs/russia_iran_endogenous.cfg), so that the report in
configs/README.md cannot rot.  Expected values come from the files by other
means than the script's: dates by numpy datetime64 month arithmetic on
`time`, calendar years as the periods whose date falls in the year (not
index slices), the record dates by a regex over `sancsim check` of the
scripted scenario, starts from `action_active` directly.
- every decided action is one row; "decided" is the month of its taken
  decision or "not taken"; "start" the first month it is active; "record"
  the scripted scenario's start (with its end, if any) or "not in 2022-24";
- Russia-Iran trade per year, Russia's settlement shares at 2023-12 and the
  strategic power balance of Russia on Iran at each December agree with the
  files to the printed precision, for both runs;
- a scripted run without `metrics` gives "n/a" for the strategic balance;
- the single-file form still prints its lines; no file is exit 2.
"""
import os
import re
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError:
    sys.exit(77)

SANCSIM = os.environ["SANCSIM"]
SRC = os.environ["SANCSIM_SRC"]
SCRIPT = os.path.join(SRC, "scripts", "ri_table.py")
SCRIPTED = os.path.join(SRC, "configs", "russia_iran_2022.cfg")
ENDO = os.path.join(SRC, "configs", "russia_iran_endogenous.cfg")
METRICS = 'metrics={strategic_sectors=["arms_dualuse"];}'
fails = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)))
    if not ok:
        fails.append(name)


def strings(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def months(f):
    units = f["time"].attrs["units"]
    units = units.decode() if isinstance(units, bytes) else units
    t0 = np.datetime64(units.split("since ")[1].strip(), "D")
    return [str(np.datetime64(t0 + np.timedelta64(int(round(d)), "D"), "M")) for d in f["time"][()]]


def table(out, header):
    """The rows of the markdown table that starts with `header`."""
    lines = out.splitlines()
    i = lines.index(header)
    rows = []
    for ln in lines[i + 2:]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip("|").split("|")])
    return rows


def record_dates(cfg_text, name):
    """start (and end) of the element named `name`, by regex; None if absent."""
    m = re.search(r'\{[^{}]*?name = "%s";([^{}]*?)\}' % re.escape(name), cfg_text, re.S)
    if m is None:
        return None
    st = re.search(r'start = "([^"]+)";', m.group(1))
    en = re.search(r'end = "([^"]+)";', m.group(1))
    return (st.group(1) if st else None, en.group(1) if en else None)


def year_mean(f, series, year):
    idx = [t for t, d in enumerate(months(f)) if d.startswith(str(year)) and t > 0]
    return series[idx].mean()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        s, e, p = (os.path.join(tmp, n) for n in ("scripted.h5", "endo.h5", "plain.h5"))
        subprocess.run([SANCSIM, "run", SCRIPTED, "-q", "-o", s, "--set", METRICS], check=True)
        subprocess.run([SANCSIM, "run", ENDO, "-q", "-o", e], check=True)
        subprocess.run([SANCSIM, "run", SCRIPTED, "-q", "-o", p], check=True)
        r = subprocess.run(["/usr/bin/python3", SCRIPT, s, e], capture_output=True, text=True)
        check("compare: exit 0", r.returncode == 0, r.stderr)
        out = r.stdout
        acts = table(out, "| action | owner, partner | decided | start | record |")
        comp = table(out, "| 2022-24 | scripted | endogenous |")
        cfg = subprocess.run([SANCSIM, "check", SCRIPTED, "-q"], check=True, capture_output=True, text=True).stdout
        with h5py.File(e, "r") as fe, h5py.File(s, "r") as fs:
            me = months(fe)
            names = strings(fe["action"])
            check("one row per action", [a[0] for a in acts] == names, [a[0] for a in acts])
            taken = {a: int(t) for a, t, k in zip(strings(fe["decision_action"]), fe["decision_period"][()],
                                                 strings(fe["decision_kind"])) if k == "taken"}
            active = fe["action_active"][()]
            by = {a[0]: a for a in acts}
            for k, n in enumerate(names):
                if n not in by:
                    continue
                row = by[n]
                want = me[taken[n]] if n in taken else "not taken"
                check("decided: " + n, row[2] == want, (row[2], want))
                on = np.nonzero(active[:, k])[0]
                if n in taken and len(on):
                    check("start: " + n, row[3].split(",")[0] == me[on[0]], (row[3], me[on[0]]))
                rec = record_dates(cfg, n)
                if rec is None:
                    want = "not in 2022-24"
                elif rec[1]:
                    want = "%s to %s" % rec
                else:
                    want = rec[0]
                check("record: " + n, row[4] == want, (row[4], want))
            check("some taken, some not", 0 < len(taken) < len(names), taken)
            comp = {c[0]: c[1:] for c in comp}
            c = {n: i for i, n in enumerate(strings(fe["country"]))}
            for col, f in ((0, fs), (1, fe)):
                X = f["flows"][()].sum(-1)
                ri = X[:, c["RUS"], c["IRN"]] + X[:, c["IRN"], c["RUS"]]
                got = [float(v) for v in comp["Russia-Iran trade 2022 / 2023 / 2024, USD bn"][col].split(" / ")]
                want = [year_mean(f, ri, y) * 1e-3 for y in (2022, 2023, 2024)]
                check("Russia-Iran trade, column %d" % col, np.allclose(got, want, atol=0.0051), (got, want))
                t = months(f).index("2023-12")
                sysn = strings(f["payment_system"])
                got = [float(v) for v in comp["Russia's settlement 2023-12: SWIFT / CIPS / SPFS / Mir / fallback"][col]
                       .split(" / ")]
                want = [f["settlement_share"][t, c["RUS"], sysn.index(n)] for n in ("SWIFT", "CIPS", "SPFS", "Mir",
                                                                                    "fallback")]
                check("settlement 2023-12, column %d" % col, np.allclose(got, want, atol=0.0051), (got, want))
                key = "Strategic power balance RUS on IRN (arms_dualuse) 2022-12 / 2023-12 / 2024-12"
                got = [float(v) for v in comp[key][col].split(" / ")]
                want = [f["strategic_power_balance"][months(f).index(d), c["RUS"], c["IRN"]]
                        for d in ("2022-12", "2023-12", "2024-12")]
                check("strategic power balance, column %d" % col, np.allclose(got, want, atol=0.00051), (got, want))
                check("strategic balance is not zero, column %d" % col, min(abs(x) for x in want) > 1e-3, want)
        r = subprocess.run(["/usr/bin/python3", SCRIPT, p, e], capture_output=True, text=True)
        row = [ln for ln in r.stdout.splitlines() if ln.startswith("| Strategic power balance")]
        check("no metrics: n/a", r.returncode == 0 and len(row) == 1 and row[0].split("|")[2].strip() == "n/a",
              (r.returncode, row, r.stderr))
        r = subprocess.run(["/usr/bin/python3", SCRIPT, p], capture_output=True, text=True)
        check("single file still prints its lines", r.returncode == 0 and r.stdout.startswith("Russia-China trade 2022")
              and "Welfare 2024-12:" in r.stdout, r.stdout[:200] + r.stderr)
        r = subprocess.run(["/usr/bin/python3", SCRIPT], capture_output=True, text=True)
        check("usage: exit 2", r.returncode == 2 and "ri_table.py" in r.stderr, r.returncode)
    if fails:
        print("FAILED: " + ", ".join(fails))
        return 1
    print("all ri_table checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
