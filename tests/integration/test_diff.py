#!/usr/bin/python3
"""test_diff.py - `sancsim diff A.h5 B.h5 -o D.h5` (DESIGN section 10).

- Hand-checked values on two small files written with h5py in the layout of
  a run (dimension scales, `dims` and `units` attributes): a level variable
  (USD million) gives <var>_pct = 100 (B/A - 1), 0 where A = B = 0, missing
  with <var>_pct_defined = 0 where A = 0 and B != 0; a dimensionless one
  (welfare) gives <var>_diff = B - A.
- A variant against its base (configs/variants/coalition_ind_tur.cfg,
  which inherits configs/russia_iran_2022.cfg): welfare_diff and
  exports_pct equal the values computed from the two files; the output
  keeps the axes (labels, time with units and calendar) and is read by
  netCDF4-python when installed; `sancsim export` of the diff works.
- Files that do not share axes and labels are exit 2 naming the axis
  (strong_secondary has another sanction axis; a relabelled country);
  --vars restricts the comparison to variables whose axes agree; an
  existing output without --force is exit 2.
- The decision table (text) is left out; --vars naming it is exit 2.
- Two sweeps of one design (the tiny scenario, a numeric and a categorical
  parameter by name path, 2 replicates; B with another sigma): the diff
  carries parameter_name, run_param, run_param_<j> (text, as CF auxiliary
  coordinates), run_point and point_param (summaries); its export starts
  every row with the run (a summary row with its point) and
  its parameter values by name path (from the base file); xarray's
  to_dataframe() carries the categorical parameter.  Sweeps of other designs,
  or a sweep against a run, are exit 2 with nothing written.
"""
import csv
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


def write_small(path, countries, flows, welfare):
    """A two-period, two-country file in the layout of a run."""
    with h5py.File(path, "w") as f:
        t = f.create_dataset("time", data=np.array([0.0, 31.0]))
        t.make_scale("time")
        t.attrs["units"] = "days since 2022-01-01"
        t.attrs["calendar"] = "proleptic_gregorian"
        c = f.create_dataset("country", data=np.array(countries, dtype=h5py.string_dtype()))
        c.make_scale("country")
        for name, val, units in (("flows", flows, "USD million"), ("welfare", welfare, "1")):
            d = f.create_dataset(name, data=np.array(val, dtype=float))
            d.dims[0].attach_scale(t)
            d.dims[1].attach_scale(c)
            d.attrs["dims"] = "time country"
            d.attrs["units"] = units
            d.attrs["long_name"] = name


def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)


TINY_SWEEP = """
scenario = {{ name = "tiny"; start = "2022-01"; step = "month"; periods = 5; seed = 3; }};
data = {{ trade = "{src}/tests/data/tiny_trade.csv"; units = "USD million"; }};
groups = {{ NORTH = ["AAA", "BBB"]; }};
trade = {{ sigma = 5.0; adjustment = 0.5;
          sectors = ( {{ name = "energy"; sigma = 8.0; adjustment = 0.25; }} ); }};
events = ( {{ name = "embargo, energy"; start = "2022-03"; exporters = ["CCC"]; importers = ["NORTH"];
             sectors = ["energy"]; factor = 2.0; }} );
sweep = {{
  design = "grid"; replicates = 2; summaries = true;
  parameters = (
    {{ path = "events.[name=\\"embargo, energy\\"].factor"; values = [1.5, 3.0]; }},
    {{ path = "events.[name=\\"embargo, energy\\"].importers"; values = ( ["NORTH"], ["AAA"] ); }}
  );
  keep = ["welfare", "exports"];
}};
"""


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="sancsim_diff.")
    A, B, D = (os.path.join(tmp, n) for n in ("a.h5", "b.h5", "d.h5"))
    write_small(A, ["AAA", "BBB"], [[0.0, 0.0], [2.0, 4.0]], [[1.0, 1.0], [1.0, 0.5]])
    write_small(B, ["AAA", "BBB"], [[0.0, 3.0], [3.0, 2.0]], [[1.0, 1.0], [0.9, 0.75]])
    run(["diff", A, B, "-o", D, "-q"])
    with h5py.File(D, "r") as f:
        pct, dfn, wd = f["flows_pct"][()], f["flows_pct_defined"][()], f["welfare_diff"][()]
        check("pct where both are 0 is 0", pct[0, 0] == 0.0, pct)
        check("pct where A = 0 and B != 0 is missing", np.isnan(pct[0, 1]), pct)
        check("pct_defined 0 there, 1 elsewhere", dfn.tolist() == [[1, 0], [1, 1]], dfn)
        check("pct = 100 (B/A - 1): +50 and -50", pct[1, 0] == 50.0 and pct[1, 1] == -50.0, pct)
        check("diff = B - A for welfare", np.allclose(wd, [[0, 0], [-0.1, 0.25]], atol=1e-15, rtol=0), wd)
        check("no welfare_pct, no flows_diff", "welfare_pct" not in f and "flows_diff" not in f, list(f))
        check("units: % for pct, the variable's for diff",
              f["flows_pct"].attrs["units"] in (b"%", "%") and f["welfare_diff"].attrs["units"] in (b"1", "1"))
        check("axes kept", [x.decode() if isinstance(x, bytes) else x for x in f["country"][()]] == ["AAA", "BBB"]
              and f["time"].attrs["units"] in (b"days since 2022-01-01", "days since 2022-01-01"))
        check("pct_defined flags", list(f["flows_pct_defined"].attrs["flag_values"]) == [0, 1], dict(f["flows_pct_defined"].attrs))
    # an existing output
    p = run(["diff", A, B, "-o", D], want=2)
    check("existing output without --force: exit 2", "--force" in p.stderr, p.stderr)
    run(["diff", A, B, "-o", D, "--force", "-q"])
    # relabelled axis
    C = os.path.join(tmp, "c.h5")
    write_small(C, ["AAA", "CCC"], [[0.0, 3.0], [3.0, 2.0]], [[1.0, 1.0], [0.9, 0.75]])
    p = run(["diff", A, C, "-o", os.path.join(tmp, "x.h5")], want=2)
    check("other labels: exit 2 naming the axis and the labels",
          "differ in axis country" in p.stderr and '"BBB" against "CCC"' in p.stderr, p.stderr)
    check("nothing written on error", not os.path.exists(os.path.join(tmp, "x.h5")))

    # ---- a variant against its base ----------------------------------
    base, var, dd = (os.path.join(tmp, n) for n in ("base.h5", "coal.h5", "coal_vs_base.h5"))
    run(["run", os.path.join(SRC, "configs/russia_iran_2022.cfg"), "-o", base, "-q"])
    run(["run", os.path.join(SRC, "configs/variants/coalition_ind_tur.cfg"), "-o", var, "-q"])
    run(["diff", base, var, "-o", dd, "-q"])
    with h5py.File(base, "r") as fa, h5py.File(var, "r") as fb, h5py.File(dd, "r") as fd:
        wa, wb = fa["welfare"][()], fb["welfare"][()]
        check("variant: welfare_diff = B - A", np.array_equal(fd["welfare_diff"][()], wb - wa))
        check("variant: the coalition changes welfare", np.abs(wb - wa).max() > 1e-6)
        ea, eb = fa["exports"][()], fb["exports"][()]
        want = np.where(ea != 0, 100.0 * (eb / np.where(ea != 0, ea, 1.0) - 1.0), np.where(eb == 0, 0.0, np.nan))
        got = fd["exports_pct"][()]
        check("variant: exports_pct = 100 (B/A - 1)", np.allclose(got, want, rtol=1e-13, atol=1e-12, equal_nan=True))
        check("variant: flows as flows_pct (levels)", "flows_pct" in fd and "flows_pct_defined" in fd)
        check("variant: shares as differences", "settlement_share_diff" in fd and "power_balance_diff" in fd
              and "dependence_diff" in fd and "price_index_diff" in fd)
        check("variant: solver diagnostics left out", "solver_iterations_diff" not in fd)
        check("variant: time axis with calendar", fd["time"].attrs["calendar"] in (b"proleptic_gregorian",
                                                                                "proleptic_gregorian"))
        check("variant: dims attribute", fd["flows_pct"].attrs["dims"] in (b"time exporter importer sector",
                                                                          "time exporter importer sector"))
    try:
        import netCDF4
        with netCDF4.Dataset(dd) as nc:
            ok = all(nc.variables[v][:].shape is not None for v in nc.variables)
            check("variant: netCDF4-python reads every variable", ok and "welfare_diff" in nc.variables)
    except ImportError:
        print("SKIP netCDF4-python not installed")
    run(["export", dd, "-o", os.path.join(tmp, "dcsv"), "-q"])
    hdr = open(os.path.join(tmp, "dcsv", "time_country.csv")).readline().strip().split(",")
    check("export of the diff", hdr[:2] == ["time", "country"] and "welfare_diff" in hdr and "exports_pct" in hdr,
          hdr)

    # a variant with another sanction axis
    strong = os.path.join(tmp, "strong.h5")
    run(["run", os.path.join(SRC, "configs/variants/strong_secondary.cfg"), "-o", strong, "-q"])
    p = run(["diff", base, strong, "-o", os.path.join(tmp, "s.h5")], want=2)
    check("another sanction axis: exit 2 naming it", "differ in axis sanction" in p.stderr and "--vars" in p.stderr,
          p.stderr)
    run(["diff", base, strong, "-o", os.path.join(tmp, "s.h5"), "--vars", "welfare,exports", "-q"])
    with h5py.File(os.path.join(tmp, "s.h5"), "r") as f:
        names = sorted(k for k in f if k.endswith(("_diff", "_pct", "_pct_defined")))
        check("--vars welfare,exports", names == ["exports_pct", "exports_pct_defined", "welfare_diff"], names)
    p = run(["diff", base, "-o", os.path.join(tmp, "y.h5")], want=2)
    check("one file only: exit 2", "two result files" in p.stderr, p.stderr)
    p = run(["diff", base, strong], want=2)
    check("no -o: exit 2", "-o" in p.stderr, p.stderr)

    # ---- the decision table is text: left out, and refused by --vars ---
    g1, g2, gd = (os.path.join(tmp, n) for n in ("g1.h5", "g2.h5", "gd.h5"))
    gov = os.path.join(SRC, "configs/variants/governments.cfg")
    run(["run", gov, "-o", g1, "-q"])
    run(["run", gov, "-o", g2, "-q", "--set", "governments.countries.[country=\"IRN\"].objective.allies=0.0"])
    run(["diff", g1, g2, "-o", gd, "-q", "--vars", "welfare,action_active"])
    with h5py.File(gd, "r") as f:
        check("governments: action_active_diff", "action_active_diff" in f and "welfare_diff" in f, list(f))
    p = run(["diff", g1, g2, "-o", os.path.join(tmp, "gx.h5"), "--vars", "decision_action"], want=2)
    check("--vars on a text variable: exit 2", "decision_action" in p.stderr and "text" in p.stderr, p.stderr)

    # ---- two sweeps of one design: the diff carries the parameters ------
    cfg = os.path.join(tmp, "tiny_sweep.cfg")
    with open(cfg, "w") as fh:
        fh.write(TINY_SWEEP.format(src=SRC))
    sa, sb, sd = (os.path.join(tmp, n) for n in ("sa.h5", "sb.h5", "sd.h5"))
    run(["sweep", cfg, "-o", sa, "-q", "-j", "2"])
    run(["sweep", cfg, "-o", sb, "-q", "-j", "2", "--set", "trade.sigma=4.0"])
    run(["diff", sa, sb, "-o", sd, "-q"])
    with h5py.File(sa, "r") as fa, h5py.File(sb, "r") as fb, h5py.File(sd, "r") as fd:
        check("sweeps: welfare_diff = B - A run by run",
              np.array_equal(fd["welfare_diff"][()], fb["welfare"][()] - fa["welfare"][()]) and
              fd["welfare_diff"].shape[0] == fa["welfare"].shape[0])
        check("sweeps: sigma matters", np.abs(fd["welfare_diff"][()]).max() > 1e-9)
        names = [s(x) for x in fd["parameter_name"][()]]
        check("sweeps: parameter names by name path",
              names == ['events.[name="embargo, energy"].factor', 'events.[name="embargo, energy"].importers'], names)
        check("sweeps: run_param carried", np.array_equal(fd["run_param"][()], fa["run_param"][()]))
        cat = [s(x) for x in fd["run_param_1"][()]]
        check("sweeps: categorical values carried as text", cat == [s(x) for x in fa["run_param_1"][()]]
              and set(cat) == {'["NORTH"]', '["AAA"]'}, cat)
        check("sweeps: categorical values as coordinates of the results",
              s(fd["welfare_diff"].attrs.get("coordinates", b"")) == "run_param_1",
              dict(fd["welfare_diff"].attrs))
        check("sweeps: design points carried", np.array_equal(fd["run_point"][()], fa["run_point"][()]))
        check("sweeps: integer run axis", fd["run"].dtype.kind == "i" and list(fd["run"][()]) ==
              list(range(fa["run"].shape[0])))
        R, T, C = fa["welfare"].shape
        rp = fa["run_param"][()]
    sdc = os.path.join(tmp, "sd_csv")
    run(["export", sd, "-o", sdc, "-q"])
    with open(os.path.join(sdc, "time_country.csv"), newline="") as fh:
        rows = list(csv.reader(fh))
    hdr, rows = rows[0], rows[1:]
    check("sweeps: export of the diff has run and the parameters by name path",
          hdr[:3] == ["run"] + names and hdr[3:5] == ["time", "country"] and "welfare_diff" in hdr, hdr)
    bad = sum(1 for i, r in enumerate(rows) if int(r[0]) != i // (T * C) or float(r[1]) != rp[i // (T * C), 0]
              or r[2] != cat[i // (T * C)])
    check("sweeps: every row with its run's parameter values", bad == 0 and len(rows) == R * T * C, bad)
    check("sweeps: no runs.csv for a diff (no seeds or statuses)", not os.path.exists(os.path.join(sdc, "runs.csv")))
    with h5py.File(sa, "r") as fa:
        pp = fa["point_param"][()]
    pfile = [n for n in os.listdir(sdc) if n.startswith("point_") and n.endswith("time_country.csv")]
    check("sweeps: the summaries' diff exported per point", len(pfile) == 1, sorted(os.listdir(sdc)))
    if pfile:
        with open(os.path.join(sdc, pfile[0]), newline="") as fh:
            prow = list(csv.reader(fh))
        ph, prow = prow[0], prow[1:]
        bad = sum(1 for r in prow if r[1] == "" or float(r[1]) != pp[int(r[0]), 0])
        check("sweeps: summaries carry the point's parameter values", ph[:3] == ["point"] + names and bad == 0
              and len(prow) > 0, (ph[:4], bad))
    try:
        import xarray
        with xarray.open_dataset(sd) as ds:
            df = ds["welfare_diff"].to_dataframe()
            check("sweeps: xarray carries the categorical parameter", "run_param_1" in df.columns and len(df) == R * T * C,
                  list(df.columns))
    except ImportError:
        print("SKIP xarray not installed")
    # another design: refused, nothing written
    sc = os.path.join(tmp, "sc.h5")
    run(["sweep", cfg, "-o", sc, "-q", "-j", "2", "--set", "sweep.parameters.[0].values=[1.5, 2.0]"])
    p = run(["diff", sa, sc, "-o", os.path.join(tmp, "sx.h5")], want=2)
    check("sweeps of other designs: exit 2 naming the parameter",
          "not runs of the same design" in p.stderr and "factor" in p.stderr, p.stderr)
    check("sweeps of other designs: nothing written", not os.path.exists(os.path.join(tmp, "sx.h5")))
    p = run(["diff", sa, base, "-o", os.path.join(tmp, "sy.h5")], want=2)
    check("a sweep against a run: exit 2", p.returncode == 2, p.stderr)

    subprocess.run(["rm", "-rf", tmp])
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("all diff checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
