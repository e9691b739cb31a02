#!/usr/bin/python3
"""test_netcdf.py - every file sancsim writes is read by the netCDF tools
(DESIGN section 10; issue 12 item 1).

Files: a single run of configs/baseline_2021.cfg (no sanctions, hubs or
payment systems) and of configs/russia_iran_2022.cfg (all of them), a run
that starts in 1500, a sweep of the tiny scenario with a categorical
parameter and failing runs, its two shard part files and their merge.

Readers, each in its own process (a reader that crashes is a finding, not
the end of the test):
- ncdump -h and a full ncdump (netcdf-bin);
- netCDF4-python reads every variable (python3-netcdf4);
- xarray's default engine (netCDF4) and h5netcdf load every variable, and
  to_dataframe() on a variable gives one row per cell (not 0 rows from an
  empty axis);
- R's ncdf4 reads every variable (r-cran-ncdf4).
Layout: no zero-length dimensions (absent features have no axis and no
variables); calendar proleptic_gregorian and exact first-of-month dates,
also before 1582; `history`; sweeps: int64 `run` with sel(run=3), NaN
_FillValue for the runs that failed, flag_values/flag_meanings on
run_status, run_error messages, the categorical values as a string variable
along run that to_dataframe() carries.
Loading: a label that is not UTF-8 (Latin-1) in a CSV or in the scenario is
exit 2 naming FILE:LINE; keeping a variable along an empty axis is exit 2.

Skips (77) when netcdf-bin, python3-netcdf4 or R's ncdf4 are not installed
(scripts/test.sh installs them).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SANCSIM = os.environ.get("SANCSIM", "")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

TINY = """
scenario = {{ name = "tiny"; start = "{start}"; step = "month"; periods = {periods}; seed = 3; }};
data = {{ trade = "{src}/tests/data/tiny_trade.csv"; units = "USD million"; }};
groups = {{ NORTH = ["AAA", "BBB"]; }};
trade = {{ sigma = 5.0; adjustment = 0.5;
          sectors = ( {{ name = "energy"; sigma = 8.0; adjustment = 0.25; }} ); }};
events = ( {{ name = "embargo"; start = "{ev}"; exporters = ["CCC"]; importers = ["NORTH"];
             sectors = ["energy"]; factor = 2.0; }} );
"""

# Every value is valid on its own (the sweep checks that before any run);
# start 2022-06 with end 2022-04 fails at run time: runs 4 and 5 of 8.
SWEEP = """
sweep = { design = "grid"; replicates = 2; summaries = true;
  parameters = ( { path = "events.[0].start"; values = ["2022-03", "2022-06"]; },
                 { path = "events.[0].end"; values = ["2022-04", "2022-09"]; } );
  keep = ["welfare", "solver_iterations", "flows"]; };
"""

R_READ = r"""
suppressPackageStartupMessages(library(ncdf4))
f <- commandArgs(trailingOnly = TRUE)[1]
nc <- nc_open(f)
out <- c()
for (v in names(nc$var)) {
  x <- ncvar_get(nc, v)
  out <- c(out, sprintf("%s %d", v, length(x)))
}
for (d in names(nc$dim)) out <- c(out, sprintf("dim:%s %d", d, nc$dim[[d]]$len))
h <- ncatt_get(nc, 0, "history")
if (!h$hasatt) stop("no history attribute")
nc_close(nc)
cat(out, sep = "\n")
cat("\n")
"""

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


def sancsim(args, **kw):
    return subprocess.run([SANCSIM] + list(args), capture_output=True, text=True, **kw)


# ---------------------------------------------------------------------------
# reader mode: `test_netcdf.py --read FILE` prints what the Python readers see
# as JSON (run in a child process so that a crash is reported, not fatal)

def read_python(path):
    import netCDF4
    import numpy as np
    import xarray as xr
    res = {"netcdf4": {}, "engines": {}}
    with netCDF4.Dataset(path) as ds:
        res["dims"] = {k: len(v) for k, v in ds.dimensions.items()}
        res["history"] = getattr(ds, "history", None)
        for name, v in ds.variables.items():
            x = v[...]
            res["netcdf4"][name] = [list(v.dimensions), int(np.size(x)), str(v.dtype)]
        if "time" in ds.variables:
            t = ds["time"]
            res["calendar"] = t.calendar
            dates = netCDF4.num2date(t[:], t.units, t.calendar)
            res["dates"] = [[d.year, d.month, d.day, d.hour, d.minute] for d in dates]
        if "run_error" in ds.variables:
            res["run_error"] = [str(s) for s in ds["run_error"][:]]
            res["run_status"] = [int(s) for s in ds["run_status"][:]]
    for engine in ("netcdf4", "h5netcdf"):
        r = {}
        with xr.open_dataset(path, engine=engine) as ds:
            ds.load()
            r["sizes"] = {k: int(v) for k, v in ds.sizes.items()}
            r["vars"] = sorted(ds.variables)
            r["coords"] = sorted(ds.coords)
            var = "welfare" if "welfare" in ds else None
            if var is not None:
                df = ds[var].to_dataframe()
                r["df_rows"] = len(df)
                r["df_cells"] = int(ds[var].size)
                r["df_columns"] = list(df.columns)
                r["df_index"] = list(df.index.names)
            if "run" in ds.dims:
                r["run_dtype"] = str(ds["run"].dtype)
                w3 = ds["welfare"].sel(run=3)
                r["sel_run3"] = list(w3.dims)
                r["welfare_nan_runs"] = [int(i) for i in np.nonzero(
                    np.isnan(ds["welfare"].values).all(axis=(1, 2)))[0]]
                r["iters_dtype"] = str(ds["solver_iterations"].dtype)
                if "run_param_0" in ds.variables:
                    r["run_param_0"] = [str(s) for s in ds["run_param_0"].values]
            if "time" in ds.coords:
                t = ds["time"].values
                r["time0"] = str(t[0])[:10]
                if t.dtype == object:  # cftime dates (out of datetime64's range)
                    r["time_ymd"] = [[x.year, x.month, x.day, x.hour, x.minute] for x in t]
        res["engines"][engine] = r
    return res


def run_reader(path):
    p = subprocess.run(["/usr/bin/python3", os.path.abspath(__file__), "--read", path],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr[-2000:])
    return json.loads(p.stdout), None


# ---------------------------------------------------------------------------

def check_readers(path, label):
    """ncdump, netCDF4-python, xarray (both engines), R ncdf4 on one file;
    returns what the Python readers saw (or None)."""
    p = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
    check(p.returncode == 0 and p.stderr == "", "%s: ncdump -h: exit %d %s" % (label, p.returncode, p.stderr[-500:]))
    header = p.stdout
    check("= 0 ;" not in header and "// (0 currently)" not in header,
          "%s: a zero-length dimension:\n%s" % (label, header[:600]))
    with open(os.devnull, "w") as devnull:
        p = subprocess.run(["ncdump", path], stdout=devnull, stderr=subprocess.PIPE, text=True)
    check(p.returncode == 0 and p.stderr == "", "%s: ncdump: exit %d %s" % (label, p.returncode, p.stderr[-500:]))
    p = subprocess.run(["ncdump", "-h", "-s", path], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.strip().startswith("string ") and "(" in line:
            var = line.strip().split()[1].split("(")[0]
            check(":_Filter" not in "".join(l for l in p.stdout.splitlines() if l.strip().startswith(var + ":")),
                  "%s: string variable %s has a filter" % (label, var))

    res, err = run_reader(path)
    check(res is not None, "%s: Python readers: %s" % (label, err))

    p = subprocess.run(["Rscript", "-e", R_READ, path], capture_output=True, text=True)
    if check(p.returncode == 0, "%s: R ncdf4: exit %d %s" % (label, p.returncode, p.stderr[-1000:])) and res:
        seen = dict(line.rsplit(" ", 1) for line in p.stdout.splitlines() if line.strip())
        for name, (_, size, _) in res["netcdf4"].items():
            if name in res["dims"]:
                continue  # coordinate variables are dims to ncdf4
            check(seen.get(name) == str(size), "%s: R ncdf4 read %s: %s values, want %d"
                  % (label, name, seen.get(name), size))
    if res is None:
        return None
    check(bool(res.get("history")), "%s: no history attribute" % label)
    check(res.get("calendar") == "proleptic_gregorian", "%s: calendar %r" % (label, res.get("calendar")))
    check(all(n > 0 for n in res["dims"].values()), "%s: zero-length dimension %s" % (label, res["dims"]))
    for engine, r in res["engines"].items():
        check(set(r["vars"]) >= set(res["netcdf4"]) - {"provenance"},
              "%s: xarray %s misses variables %s" % (label, engine, set(res["netcdf4"]) - set(r["vars"])))
        if "df_rows" in r:
            check(r["df_rows"] == r["df_cells"] > 0, "%s: xarray %s: welfare.to_dataframe() has %d rows, want %d"
                  % (label, engine, r["df_rows"], r["df_cells"]))
    return res


def tiny_cfg(d, name, start="2022-01", periods=8, ev="2022-03", extra=""):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(TINY.format(start=start, periods=periods, ev=ev, src=SRC))
        f.write(extra)
    return path


def test_runs(d):
    base = os.path.join(d, "baseline.h5")
    p = sancsim(["run", os.path.join(SRC, "configs/baseline_2021.cfg"), "-o", base, "-q"])
    if not check(p.returncode == 0, "baseline run: exit %d %s" % (p.returncode, p.stderr)):
        return
    res = check_readers(base, "baseline")
    if res:
        for absent in ("sanction", "hub", "payment_system"):
            check(absent not in res["dims"], "baseline: a %s axis without %ss" % (absent, absent))
        for v in ("sanction_intensity", "sanction_remaining", "transit", "hub_markup", "settlement_share",
                  "adoption", "payment_cost"):
            check(v not in res["netcdf4"], "baseline: variable %s of an absent feature" % v)
        df = res["engines"]["netcdf4"]
        check(df.get("df_index") == ["time", "country"], "baseline: welfare frame index %s" % df.get("df_index"))
        check(df.get("time0") == "2022-01-01", "baseline: first date %s" % df.get("time0"))

    ri = os.path.join(d, "ri.h5")
    p = sancsim(["run", os.path.join(SRC, "configs/russia_iran_2022.cfg"), "-o", ri, "-q"])
    if check(p.returncode == 0, "russia_iran run: exit %d %s" % (p.returncode, p.stderr)):
        res = check_readers(ri, "russia_iran")
        if res:
            for present in ("sanction", "hub", "payment_system"):
                check(res["dims"].get(present, 0) > 0, "russia_iran: no %s axis" % present)
            for v in ("sanction_intensity", "transit", "settlement_share", "adoption"):
                check(v in res["netcdf4"], "russia_iran: variable %s missing" % v)

    # before the Gregorian reform: the day counts are proleptic (1500 is no
    # leap year), so the dates decode exactly (the Julian "standard" calendar
    # would make the third period 1500-02-29)
    old = os.path.join(d, "old.h5")
    cfg = tiny_cfg(d, "old.cfg", start="1500-01", periods=5, ev="1500-03")
    p = sancsim(["run", cfg, "-o", old, "-q"])
    if check(p.returncode == 0, "run starting 1500-01: exit %d %s" % (p.returncode, p.stderr)):
        res = check_readers(old, "start 1500-01")
        if res:
            want = [[1500, m, 1, 0, 0] for m in range(1, 6)]
            check(res.get("dates") == want, "1500-01: netCDF4 decodes %s, want %s" % (res.get("dates"), want))
            for engine, r in res["engines"].items():
                check(r.get("time_ymd") == want, "1500-01: xarray %s decodes %s, want %s"
                      % (engine, r.get("time_ymd"), want))


def test_sweep(d):
    cfg = tiny_cfg(d, "sw.cfg", extra=SWEEP)
    full = os.path.join(d, "sweep.h5")
    p = sancsim(["sweep", cfg, "-o", full, "-q", "-j", "2"])
    if not check(p.returncode == 1, "sweep with failing runs: exit %d, want 1 %s" % (p.returncode, p.stderr)):
        return
    res = check_readers(full, "sweep")
    if res:
        check(res["run_status"] == [1, 1, 1, 1, 2, 2, 1, 1], "sweep: run_status %s" % res["run_status"])
        check(all(("end" in m) == (s == 2) for m, s in zip(res["run_error"], res["run_status"])),
              "sweep: run_error %s" % res["run_error"])
        for engine, r in res["engines"].items():
            check(r.get("run_dtype") == "int64", "sweep %s: run is %s" % (engine, r.get("run_dtype")))
            check(r.get("sel_run3") == ["time", "country"], "sweep %s: sel(run=3) gives %s" % (engine, r.get("sel_run3")))
            check(r.get("welfare_nan_runs") == [4, 5], "sweep %s: NaN (fill) runs %s, want the failed [4, 5]"
                  % (engine, r.get("welfare_nan_runs")))
            check(r.get("iters_dtype") == "float64", "sweep %s: solver_iterations not masked (%s)"
                  % (engine, r.get("iters_dtype")))
            check(r.get("run_param_0") == ["2022-03"] * 4 + ["2022-06"] * 4,
                  "sweep %s: run_param_0 %s" % (engine, r.get("run_param_0")))
            check("run_param_0" in r.get("df_columns", []) and r.get("df_index") == ["run", "time", "country"],
                  "sweep %s: welfare.to_dataframe() columns %s index %s"
                  % (engine, r.get("df_columns"), r.get("df_index")))
    import h5py
    with h5py.File(full, "r") as f:
        st = f["run_status"]
        check(list(st.attrs.get("flag_values", [])) == [0, 1, 2]
              and st.attrs.get("flag_meanings") in ("pending done failed", b"pending done failed"),
              "sweep: run_status flags %s" % dict(st.attrs))
        check("levels_0" not in f["run_param"].attrs, "sweep: categorical levels still in an attribute")

    parts = []
    for k in (1, 2):
        part = os.path.join(d, "part%d.h5" % k)
        p = sancsim(["sweep", cfg, "-o", part, "--shard", "%d/2" % k, "-q"])
        check(p.returncode == 1, "shard %d/2: exit %d %s" % (k, p.returncode, p.stderr))
        parts.append(part)
    check_readers(parts[0], "part 1/2")
    merged = os.path.join(d, "merged.h5")
    p = sancsim(["merge", "-o", merged, "-q"] + parts)
    if check(p.returncode == 1, "merge: exit %d, want 1 (failed runs) %s" % (p.returncode, p.stderr)):
        res = check_readers(merged, "merged")
        if res:
            check(res["run_status"] == [1, 1, 1, 1, 2, 2, 1, 1], "merged: run_status %s" % res["run_status"])
            check(res["history"].count("\n") == 1 and "merge" in res["history"].split("\n")[1],
                  "merged: history %r (the part's line, then the merge's)" % res["history"])

    # a kept variable along an axis the scenario leaves empty: exit 2
    cfg2 = tiny_cfg(d, "sw2.cfg", extra=SWEEP.replace('"welfare", ', '"welfare", "sanction_intensity", '))
    p = sancsim(["sweep", cfg2, "-o", os.path.join(d, "x.h5"), "-q"])
    check(p.returncode == 2 and "sanction" in p.stderr, "keep along an empty axis: exit %d %s"
          % (p.returncode, p.stderr))


def test_utf8(d):
    with open(os.path.join(SRC, "tests/data/tiny_trade.csv"), "rb") as f:
        lines = f.read().split(b"\n")
    # a Latin-1 sector name on line 4 of the trade table
    bad = list(lines)
    bad[3] = bad[3].replace(b"goods", b"g\xe9n\xe9ral")
    with open(os.path.join(d, "latin1.csv"), "wb") as f:
        f.write(b"\n".join(bad))
    cfg = tiny_cfg(d, "u1.cfg")
    with open(cfg) as f:
        text = f.read().replace(SRC + "/tests/data/tiny_trade.csv", "latin1.csv")
    with open(cfg, "w") as f:
        f.write(text)
    out = os.path.join(d, "u1.h5")
    p = sancsim(["run", cfg, "-o", out, "-q"])
    check(p.returncode == 2 and "latin1.csv:4:" in p.stderr and "UTF-8" in p.stderr,
          "Latin-1 sector in the trade CSV: exit %d %r" % (p.returncode, p.stderr))
    check(not os.path.exists(out), "no output after a bad label")
    # a Latin-1 country name on line 3 of the countries file
    with open(os.path.join(d, "countries.csv"), "wb") as f:
        f.write(b"code,name\nAAA,Aaa\nBBB,C\xf4te d'Ivoire\nCCC,Ccc\n")
    with open(cfg, "w") as f:
        f.write(text.replace('trade = "latin1.csv";', 'trade = "%s/tests/data/tiny_trade.csv"; '
                             'countries = "countries.csv";' % SRC))
    out = os.path.join(d, "u2.h5")
    p = sancsim(["run", cfg, "-o", out, "-q"])
    check(p.returncode == 2 and "countries.csv:3:" in p.stderr and "UTF-8" in p.stderr,
          "Latin-1 country name: exit %d %r" % (p.returncode, p.stderr))
    # a Latin-1 event name in the scenario (line 7 of the file)
    cfg3 = tiny_cfg(d, "u3.cfg")
    with open(cfg3, "rb") as f:
        raw = f.read()
    with open(cfg3, "wb") as f:
        f.write(raw.replace(b'name = "embargo"', b'name = "embargo \xe0 l\'\xe9nergie"'))
    out = os.path.join(d, "u3.h5")
    p = sancsim(["run", cfg3, "-o", out, "-q"])
    check(p.returncode == 2 and "u3.cfg:7:" in p.stderr and "UTF-8" in p.stderr,
          "Latin-1 event name: exit %d %r" % (p.returncode, p.stderr))
    # UTF-8 itself is fine and reaches the file as it is
    with open(cfg3, "wb") as f:
        f.write(raw.replace(b'name = "embargo"', "name = \"embargo à l'énergie\"".encode()))
    out = os.path.join(d, "u4.h5")
    p = sancsim(["run", cfg3, "-o", out, "-q"])
    check(p.returncode == 0, "UTF-8 event name: exit %d %s" % (p.returncode, p.stderr))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--read":
        json.dump(read_python(sys.argv[2]), sys.stdout)
        return 0
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set or not executable", file=sys.stderr)
        return 2
    missing = []
    if shutil.which("ncdump") is None:
        missing.append("netcdf-bin")
    try:
        import netCDF4  # noqa: F401
        import h5netcdf  # noqa: F401
        import xarray  # noqa: F401
    except ImportError:
        missing.append("python3-netcdf4 python3-xarray python3-h5netcdf")
    if shutil.which("Rscript") is None or subprocess.run(
            ["Rscript", "-e", "library(ncdf4)"], capture_output=True).returncode != 0:
        missing.append("r-cran-ncdf4")
    if missing:
        print("SKIP: not installed: %s (scripts/test.sh installs them)" % " ".join(missing))
        return 77
    with tempfile.TemporaryDirectory(prefix="sancsim_netcdf_") as tmp:
        for t in (test_runs, test_sweep, test_utf8):
            d = os.path.join(tmp, t.__name__)
            os.mkdir(d)
            t(d)
    if failures:
        print("%d failed" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
