#!/usr/bin/python3
"""test_export.py - `sancsim export` (DESIGN section 10, issue 12 item 2).

A run of configs/russia_iran_2022.cfg (every kind of axis: sectors, payment
systems, hubs, sanctions with commas in their names, a permuted
importer/exporter variable) and a sweep of the tiny scenario (a numeric
parameter and a categorical one, both by name path, 2 replicates,
summaries) are exported; every CSV cell is checked against the HDF5 file
read with h5py:
- one file per sequence of axes, named after it; the header is the axes
  then the variables; a variable whose axes are a permutation of another's
  has its own file (dependence: time_importer_exporter.csv);
- every value reads back as the same double (NaN as an empty field), every
  label as the scale's label, every date as the ISO 8601 date of the time
  axis (days since the CF origin); welfare_pct = 100 (welfare - 1);
- RFC 4180: fields with commas or quotes are quoted (parsed back with the
  csv module);
- sweeps: run and one column per parameter named by its name path, values
  from run_param (numeric) or run_param_<j> (categorical text); point_*
  files for the summaries; runs.csv with point, replicate, seed, status;
- a run with governments: decision.csv holds the decision table (period,
  its ISO date, government, action, gain, kind; text columns quoted where
  needed) equal to the file's decision_* variables;
- --vars, an existing folder refused without --force (exit 2, untouched)
  and replaced with it, no temporary folder left behind, unknown variables
  and missing files exit 2.
"""
import csv
import datetime
import glob
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SANCSIM = os.environ.get("SANCSIM", "")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)))
    if not ok:
        failures.append(name)


def run(args, want=0):
    p = subprocess.run([SANCSIM] + args, capture_output=True, text=True)
    if p.returncode != want:
        raise AssertionError("sancsim %s: exit %d, want %d\n%s%s" % (" ".join(args), p.returncode, want,
                                                                    p.stdout, p.stderr))
    return p


def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def same(cell, v):
    if isinstance(v, float) and math.isnan(v):
        return cell == ""
    if cell == "":
        return False
    return float(cell) == v


def iso_dates(f):
    t = f["time"]
    units = s(t.attrs["units"])
    origin = datetime.date.fromisoformat(units[len("days since "):][:10])
    return [(origin + datetime.timedelta(days=int(d))).isoformat() for d in t[()]]


def axis_values(f, name):
    if name == "time":
        return iso_dates(f)
    return [s(x) for x in f[name][()]]


def variables(f):
    out = {}
    for k, v in f.items():
        if isinstance(v, h5py.Dataset) and "dims" in v.attrs and s(v.attrs.get("CLASS", b"")) != "DIMENSION_SCALE" \
                and not k.startswith("run_") and k != "point_param" and v.dtype.kind in "iuf":
            out[k] = s(v.attrs["dims"]).split()
    return out


def check_file_against(f, folder, lead_cols, label):
    """Every variable of f in its CSV; lead_cols: columns before the axes (run/point + parameters)."""
    vars_ = variables(f)
    groups = {}
    for v, dims in vars_.items():
        groups.setdefault(tuple(dims), []).append(v)
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(folder, "*.csv")))
    for dims, vs in groups.items():
        fn = "_".join(d for d in dims if d != "run") + ".csv"
        check("%s: %s for %s" % (label, fn, ",".join(sorted(vs))), fn in names, names)
        if fn not in names:
            continue
        header, rows = read_csv(os.path.join(folder, fn))
        first = dims[0]
        nlead = 1 + len(lead_cols) if first in ("run", "point") and lead_cols else 0
        want_axes = list(dims)
        axes_hdr = [header[0]] + header[1 + len(lead_cols):1 + len(lead_cols) + len(dims) - 1] if nlead else \
            header[:len(dims)]
        check("%s: %s axes in the header" % (label, fn), axes_hdr == want_axes, (axes_hdr, want_axes))
        if nlead:
            check("%s: %s parameter columns by name path" % (label, fn),
                  header[1:1 + len(lead_cols)] == lead_cols, header[:1 + len(lead_cols)])
        varcols = header[len(dims) + len(lead_cols) if nlead else len(dims):]
        want_cols = []
        for v in sorted(vs, key=lambda x: (x != "welfare", x)):
            want_cols.append(v)
            if v == "welfare":
                want_cols.append("welfare_pct")
        check("%s: %s variable columns" % (label, fn), varcols == want_cols, (varcols, want_cols))
        shape = f[vs[0]].shape
        check("%s: %s one row per cell" % (label, fn), len(rows) == int(np.prod(shape)), (len(rows), shape))
        # axes: row-major order of the cells
        ax_vals = [axis_values(f, d) if d not in ("run", "point") else [str(int(x)) for x in f[d][()]]
                   for d in dims]
        idx = np.indices(shape).reshape(len(shape), -1).T
        col = {h: i for i, h in enumerate(header)}
        bad_axes = bad_vals = bad_pct = 0
        data = {v: np.asarray(f[v][()], dtype=float).reshape(-1) for v in vs}
        for r, (row, ix) in enumerate(zip(rows, idx)):
            for k, d in enumerate(dims):
                if row[col[d]] != ax_vals[k][ix[k]]:
                    bad_axes += 1
            for v in vs:
                if not same(row[col[v]], float(data[v][r])):
                    bad_vals += 1
            if "welfare" in vs:
                w = float(data["welfare"][r])
                cell = row[col["welfare_pct"]]
                if math.isnan(w):
                    bad_pct += cell != ""
                elif abs(float(cell) - 100.0 * (w - 1.0)) > 1e-9:
                    bad_pct += 1
        check("%s: %s axis labels and ISO dates" % (label, fn), bad_axes == 0, bad_axes)
        check("%s: %s values equal the HDF5 values" % (label, fn), bad_vals == 0, bad_vals)
        if "welfare" in vs:
            check("%s: %s welfare_pct = 100 (welfare - 1)" % (label, fn), bad_pct == 0, bad_pct)
    return groups


TINY = """
scenario = {{ name = "tiny"; start = "2022-01"; step = "month"; periods = 5; seed = 3; }};
data = {{ trade = "{src}/tests/data/tiny_trade.csv"; units = "USD million"; }};
groups = {{ NORTH = ["AAA", "BBB"]; }};
trade = {{ sigma = 5.0; adjustment = 0.5; noise = {{ sd = 0.01; rho = 0.0; }};
          sectors = ( {{ name = "energy"; sigma = 8.0; adjustment = 0.25; }} ); }};
events = ( {{ name = "embargo, energy"; start = "2022-03"; exporters = ["CCC"]; importers = ["NORTH"];
             sectors = ["energy"]; factor = 2.0; }} );
sweep = {{
  design = "grid"; replicates = 2; summaries = true;
  parameters = (
    {{ path = "events.[name=\\"embargo, energy\\"].factor"; values = [1.5, 3.0]; }},
    {{ path = "events.[name=\\"embargo, energy\\"].importers"; values = ( ["NORTH"], ["AAA"] ); }}
  );
  keep = ["welfare", "exports", "flows"];
}};
"""


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="sancsim_export.")
    # ---- a run --------------------------------------------------------
    h5 = os.path.join(tmp, "ri.h5")
    run(["run", os.path.join(SRC, "configs/russia_iran_2022.cfg"), "-o", h5, "-q"])
    out = os.path.join(tmp, "ri_csv")
    run(["export", h5, "-o", out, "-q"])
    with h5py.File(h5, "r") as f:
        groups = check_file_against(f, out, [], "run")
        check("run: dependence (importer, exporter) in its own file",
              "dependence" in groups.get(("time", "importer", "exporter"), []), list(groups))
        check("run: flows in time_exporter_importer_sector.csv",
              "flows" in groups.get(("time", "exporter", "importer", "sector"), []), list(groups))
    header, rows = read_csv(os.path.join(out, "time_country.csv"))
    check("run: time_country.csv starts time,country,welfare,welfare_pct", header[:4] ==
          ["time", "country", "welfare", "welfare_pct"], header)
    check("run: dates are ISO 8601", rows[0][0] == "2021-12-01" and rows[-1][0] == "2024-12-01",
          (rows[0][0], rows[-1][0]))
    raw = open(os.path.join(out, "time_sanction.csv"), encoding="utf-8").read()
    check("run: a label with a comma is quoted (RFC 4180)", '"export controls, machinery and vehicles"' in raw)
    check("run: no temporary folder left", glob.glob(os.path.join(tmp, "ri_csv.*")) == [],
          glob.glob(os.path.join(tmp, "ri_csv.*")))
    # default folder name
    h5b = os.path.join(tmp, "ri2.h5")
    os.link(h5, h5b)
    run(["export", h5b, "-q"])
    check("run: default folder FILE_csv", os.path.isdir(os.path.join(tmp, "ri2_csv")))

    # ---- the decision table of a run with governments (DESIGN 3b, 10) ---
    gh5 = os.path.join(tmp, "gov.h5")
    run(["run", os.path.join(SRC, "configs/variants/governments.cfg"), "-o", gh5, "-q"])
    gout = os.path.join(tmp, "gov_csv")
    run(["export", gh5, "-o", gout, "-q"])
    header, rows = read_csv(os.path.join(gout, "decision.csv"))
    check("decision.csv: the table in DESIGN 3b's order, with the date of the period",
          header == ["decision", "decision_period", "decision_date", "decision_government", "decision_action",
                     "decision_gain", "decision_kind"], header)
    with h5py.File(gh5, "r") as f:
        dates = iso_dates(f)
        want = list(zip([s(x) for x in f["decision"][()]], [int(x) for x in f["decision_period"][()]],
                        [s(x) for x in f["decision_government"][()]], [s(x) for x in f["decision_action"][()]],
                        [float(x) for x in f["decision_gain"][()]], [s(x) for x in f["decision_kind"][()]]))
    got = [(r[0], int(r[1]), r[3], r[4], float(r[5]), r[6]) for r in rows]
    check("decision.csv: every move, text and numbers as in the file", got == want and len(want) >= 3,
          (got[:2], want[:2]))
    check("decision.csv: decision_date is the period's date", all(r[2] == dates[int(r[1])] for r in rows),
          [(r[1], r[2]) for r in rows[:3]])
    raw = open(os.path.join(gout, "decision.csv"), encoding="utf-8").read()
    commas = [r[4] for r in rows if "," in r[4]]
    check("decision.csv: action names with a comma are quoted",
          commas and all('"%s"' % a in raw for a in commas), [r[4] for r in rows])
    check("decision.csv: a kind per row", {r[6] for r in rows} <= {"taken", "dropped"}, {r[6] for r in rows})

    # ---- an existing folder, --force, --vars --------------------------
    keep = os.path.join(out, "mine.txt")
    with open(keep, "w") as fh:
        fh.write("x")
    p = run(["export", h5, "-o", out], want=2)
    check("existing folder refused, named", out in p.stderr and "--force" in p.stderr, p.stderr)
    check("existing folder untouched", os.path.exists(keep))
    run(["export", h5, "-o", out, "--vars", "welfare,exports", "--force", "-q"])
    files = sorted(os.listdir(out))
    check("--force replaces the folder; --vars welfare,exports: one file", files == ["time_country.csv"], files)
    header, _ = read_csv(os.path.join(out, "time_country.csv"))
    check("--vars columns", header == ["time", "country", "welfare", "welfare_pct", "exports"], header)
    p = run(["export", h5, "-o", os.path.join(tmp, "x"), "--vars", "nosuch"], want=2)
    check("--vars nosuch: exit 2 listing the variables", "nosuch" in p.stderr and "welfare" in p.stderr, p.stderr)
    check("--vars nosuch: nothing written", not os.path.exists(os.path.join(tmp, "x")))
    p = run(["export", os.path.join(tmp, "missing.h5")], want=2)
    check("missing file: exit 2", "missing.h5" in p.stderr, p.stderr)
    p = run(["export"], want=2)
    check("no file: exit 2", "export needs" in p.stderr, p.stderr)

    # ---- a sweep ------------------------------------------------------
    cfg = os.path.join(tmp, "tiny_sweep.cfg")
    with open(cfg, "w") as fh:
        fh.write(TINY.format(src=SRC))
    sw = os.path.join(tmp, "sweep.h5")
    run(["sweep", cfg, "-o", sw, "-q", "-j", "2"])
    sout = os.path.join(tmp, "sweep_csv")
    run(["export", sw, "-o", sout, "-q"])
    with h5py.File(sw, "r") as f:
        params = [s(x) for x in f["parameter"][()]]
        check("sweep: parameters stored as name paths",
              params == ['events.[name="embargo, energy"].factor', 'events.[name="embargo, energy"].importers'],
              params)
        check_file_against(f, sout, params, "sweep")
        # the parameter values of every row
        header, rows = read_csv(os.path.join(sout, "time_country.csv"))
        rp = f["run_param"][()]
        cat = [s(x) for x in f["run_param_1"][()]]
        T, C = f["welfare"].shape[1:]
        f_shape = f["welfare"].shape
        bad = 0
        for i, row in enumerate(rows):
            r = i // (T * C)
            if int(row[0]) != r or float(row[1]) != rp[r, 0] or row[2] != cat[r]:
                bad += 1
        check("sweep: run, numeric parameter and categorical text in every row", bad == 0, bad)
        check("sweep: categorical values as text", set(cat) == {'["NORTH"]', '["AAA"]'}, set(cat))
        header, rows = read_csv(os.path.join(sout, "runs.csv"))
        check("sweep: runs.csv header", header == ["run"] + params + ["point", "replicate", "seed", "status", "error"],
              header)
        seeds = [int(x) for x in f["run_seed"][()]]
        ok = len(rows) == len(seeds) and all(int(row[0]) == r and int(row[5]) == seeds[r] and row[6] == "done"
                                             and int(row[3]) == int(f["run_point"][r])
                                             for r, row in enumerate(rows))
        check("sweep: runs.csv runs, points, seeds, status", ok, rows[:3])
        check("sweep: summaries in point_time_country.csv",
              os.path.exists(os.path.join(sout, "point_time_country.csv")))
    # pandas, when installed, reads the files as they are
    try:
        import pandas as pd
        df = pd.read_csv(os.path.join(sout, "time_country.csv"))
        check("pandas reads the sweep file", list(df.columns[:3]) == ["run"] + params and
              len(df) == int(np.prod(f_shape)), (list(df.columns), len(df)))
    except ImportError:
        print("SKIP pandas not installed")

    # a sweep written with index paths is labelled by name paths
    idx_cfg = os.path.join(tmp, "tiny_idx.cfg")
    with open(idx_cfg, "w") as fh:
        fh.write(TINY.format(src=SRC).replace('events.[name=\\"embargo, energy\\"]', "events.[0]"))
    iw = os.path.join(tmp, "idx.h5")
    run(["sweep", idx_cfg, "-o", iw, "-q", "-j", "2"])
    with h5py.File(iw, "r") as f:
        written = [s(x) for x in f["parameter"][()]]
        named = [s(x) for x in f["parameter_name"][()]]
    check("index paths kept as written in parameter", written == ["events.[0].factor", "events.[0].importers"],
          written)
    check("parameter_name: the same settings by name", named == params, named)
    iout = os.path.join(tmp, "idx_csv")
    run(["export", iw, "-o", iout, "-q"])
    header, _ = read_csv(os.path.join(iout, "time_country.csv"))
    check("export columns by name path for an index-path sweep", header[1:3] == params, header[:3])

    # failing runs: status and message in runs.csv, missing values empty
    fail_cfg = os.path.join(tmp, "tiny_fail.cfg")
    with open(fail_cfg, "w") as fh:
        fh.write(TINY.format(src=SRC).split("sweep = {")[0])
        fh.write("""sweep = { design = "grid";
  parameters = ( { path = "events.[name=\\"embargo, energy\\"].start"; values = ["2022-03", "2022-04"]; },
                 { path = "events.[name=\\"embargo, energy\\"].end"; values = ["2022-04", "2022-05"]; } );
  keep = ["welfare"]; };
""")
    fw = os.path.join(tmp, "fail.h5")
    run(["sweep", fail_cfg, "-o", fw, "-q", "-j", "1"], want=1)
    fout = os.path.join(tmp, "fail_csv")
    run(["export", fw, "-o", fout, "-q"])
    header, rows = read_csv(os.path.join(fout, "runs.csv"))
    failed = [r for r in rows if r[header.index("status")] == "failed"]
    check("failing runs: status failed with the message", len(failed) == 1 and "end" in failed[0][-1], rows)
    with h5py.File(fw, "r") as f:
        check_file_against(f, fout, [s(x) for x in f["parameter"][()]], "failing sweep")
    _, rows = read_csv(os.path.join(fout, "time_country.csv"))
    bad_run = int(failed[0][0]) if failed else -1
    check("failing runs: empty welfare cells", all(r[5] == "" for r in rows if int(r[0]) == bad_run) and
          all(r[5] != "" for r in rows if int(r[0]) != bad_run))

    subprocess.run(["rm", "-rf", tmp])
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("all export checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
