#!/usr/bin/python3
"""test_ppml_wiod.py - DESIGN section 9's reference: `sancsim estimate
configs/estimate/wiod_eu.cfg` on ../shared/data/gravity/wiod_panel_0014.csv
(the R port of ge_gravity's TradeData0014) must give

  - ppmlhdfe's eu_enlargement coefficient 0.224249005317688 (to 1e-7) and its
    pair-clustered standard error 0.071309 (as printed: to 5e-7), G = 1892,
    7,568 observations, nothing dropped;
  - both coefficients and both standard errors of the independent oracle
    (tests/oracle/ppml_oracle.py) to 1e-6 relative;
  - effects: delta = 1 on exactly the pairs whose eu_effect is non-zero in
    ../shared/data/gravity/eu2000.csv (572), 0 on the other 1,320;
  - a bootstrap design file with one row per done replicate, identical with
    -j 1 and -j 2, and an HDF5 file that xarray opens with named dimensions;
  - fed to the GE on the year-2000 cross-section (configs/estimate/wiod_eu_ge.cfg:
    a file event with partial effect = coefficient x delta), the estimate
    gives the welfare of the eu2000 scenario whose file event reads the
    shipped eu_effect column, to 1e-6; the bootstrap design runs as that
    scenario's sweep as written.

Prints the wall times of the estimate, of the bootstrap (-j 1, -j 2), of the
sweep of its design and of the numpy oracle, and the ratio to the oracle.  Skips (77) without ../shared.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(HERE)))
SHARED = os.environ.get("SANCSIM_SHARED", os.path.join(SRC, "..", "shared"))
SANCSIM = os.environ.get("SANCSIM", "")

REF_BETA = 0.224249005317688
REF_SE = 0.071309

fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print("FAIL", msg)


def estimate(cfg, out, *args):
    t0 = time.perf_counter()
    p = subprocess.run([SANCSIM, "estimate", cfg, "-o", out, "--force"] + list(args), capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit("sancsim estimate: exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    return p, dt


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set", file=sys.stderr)
        return 2
    panel = os.path.join(SHARED, "data", "gravity", "wiod_panel_0014.csv")
    eu2000 = os.path.join(SHARED, "data", "gravity", "eu2000.csv")
    if not os.path.exists(panel) or not os.path.exists(eu2000):
        print("SKIP: %s absent" % panel)
        return 77
    import h5py
    cfg = os.path.join(SRC, "configs", "estimate", "wiod_eu.cfg")
    with tempfile.TemporaryDirectory() as d:
        data = ['--set', 'estimate.data.file="%s"' % os.path.abspath(panel)]
        eff = os.path.join(d, "eu_delta.csv")
        plain = data + ["--set", "estimate.bootstrap.replicates=0", "--set", 'estimate.effects.file="%s"' % eff]
        out = os.path.join(d, "wiod.h5")
        times = []
        for _ in range(5):
            p, dt = estimate(cfg, out, "-q", *plain)
            times.append(dt)
        t_est = float(np.median(times))
        print(p.stdout)
        with h5py.File(out, "r") as f:
            b = f["coefficient"][()]
            se = f["std_error"][()]
            labels = [s.decode() if isinstance(s, bytes) else s for s in f["regressor"][()]]
            check(labels == ["eu_enlargement", "other_fta"], "regressor labels %r" % labels)
            check(abs(b[0] - REF_BETA) <= 1e-7, "eu_enlargement %.15g vs ppmlhdfe %.15g" % (b[0], REF_BETA))
            check(abs(se[0] - REF_SE) <= 5e-7, "s.e. %.9g vs ppmlhdfe %.6f" % (se[0], REF_SE))
            check(int(f["clusters"][()]) == 1892, "G = %d" % int(f["clusters"][()]))
            check(int(f["observations"][()]) == 7568, "observations %d" % int(f["observations"][()]))
            check(int(f["dropped_separated"][()]) == 0 and int(f["dropped_singletons"][()]) == 0, "drops")
            check(f.attrs["complete"] == 1, "complete attribute")
            V = f["vcov"][()]
            check(np.allclose(np.sqrt(np.diag(V)), se, rtol=1e-14), "vcov diagonal = std_error^2")
            check("replicate" not in f, "no replicate axis without a bootstrap")
        print("eu_enlargement %.15f (ppmlhdfe %.15f, diff %.2g), s.e. %.9f (ppmlhdfe %.6f)"
              % (b[0], REF_BETA, b[0] - REF_BETA, se[0], REF_SE))

        # the independent oracle on the same data
        t0 = time.perf_counter()
        q = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tests", "oracle", "ppml_oracle.py"), panel,
                            "--outcome", "trade", "--regressors", "eu_enlargement,other_fta",
                            "--fe", "exporter#year,importer#year,exporter#importer",
                            "--cluster", "exporter#importer"], capture_output=True, text=True)
        t_oracle = time.perf_counter() - t0
        if q.returncode != 0:
            check(False, "oracle failed: %s" % q.stderr)
        else:
            ref = json.loads(q.stdout)
            for name, got, want in (("coefficient", b, ref["beta"]), ("std_error", se, ref["se"])):
                rel = np.max(np.abs(np.asarray(got) - want) / np.abs(want))
                check(rel <= 1e-6, "%s %r vs oracle %r (relative %.2g)" % (name, got, want, rel))
                print("%s: relative difference to the oracle %.2g" % (name, rel))
            print("oracle: %.2f s wall (%.2f s in the fit); sancsim estimate %.3f s wall (median of 5): "
                  "%.0fx faster" % (t_oracle, ref["seconds"], t_est, ref["seconds"] / t_est))

        # effects: delta 1 on the new-EU pairs of eu2000.csv, 0 elsewhere
        with open(eff, newline="") as f:
            delta = {(r["exporter"], r["importer"]): float(r["delta"]) for r in csv.DictReader(f)}
        with open(eu2000, newline="") as f:
            eu = {(r["exporter"], r["importer"]): float(r["eu_effect"]) for r in csv.DictReader(f)
                  if r["exporter"] != r["importer"]}
        check(len(delta) == 1892 and set(delta) == set(eu), "effects pairs: %d" % len(delta))
        on = {k for k, v in delta.items() if v != 0}
        check(on == {k for k, v in eu.items() if v != 0} and len(on) == 572,
              "effects: %d pairs with delta != 0" % len(on))
        check(all(delta[k] == 1.0 for k in on), "effects: delta is 1 on the new-EU pairs")

        # bootstrap: 200 replicates, -j 1 and -j 2 identical
        res = {}
        for j in (1, 2):
            o = os.path.join(d, "boot%d.h5" % j)
            e = os.path.join(d, "delta%d.csv" % j)
            tj = []
            for _ in range(3):
                p, dt = estimate(cfg, o, "-q", "-j", str(j), *data, "--set", 'estimate.effects.file="%s"' % e)
                tj.append(dt)
            with h5py.File(o, "r") as f:
                res[j] = {k: f[k][()] for k in ("bootstrap_coefficient", "bootstrap_status", "bootstrap_seed",
                                                "bootstrap_std_error", "coefficient", "std_error")}
                sc = f["bootstrap_coefficient"]
                dims = [sc.dims[i][0].name for i in range(2)]
                check(dims == ["/replicate", "/regressor"], "bootstrap_coefficient scales %r" % dims)
            with open(os.path.join(d, "delta%d_design.csv" % j)) as f:
                res[j]["design"] = f.read()
            res[j]["time"] = float(np.median(tj))
        for k in res[1]:
            if k == "time":
                continue
            a, c = res[1][k], res[2][k]
            same = a == c if isinstance(a, str) else np.array_equal(a, c, equal_nan=np.asarray(a).dtype.kind == "f")
            check(same, "bootstrap: %s differs between -j 1 and -j 2" % k)
        st = res[1]["bootstrap_status"]
        rows = res[1]["design"].splitlines()
        check(rows[0] == '"events.[name=""EFFECT""].coefficient"', "design header %r" % rows[0])
        check(len(rows) - 1 == int((st == 1).sum()), "design rows %d, done %d" % (len(rows) - 1, (st == 1).sum()))
        col = np.array([float(x) for x in rows[1:]])
        check(np.array_equal(col, res[1]["bootstrap_coefficient"][st == 1, 0]), "design column = coefficients")
        bse = res[1]["bootstrap_std_error"][0]
        check(0.5 * REF_SE < bse < 2 * REF_SE, "bootstrap s.e. %.4f far from the sandwich's" % bse)
        print("bootstrap: %d of 200 done; s.e. %.4f (sandwich %.4f); 200 replicates in %.2f s (-j 1), %.2f s "
              "(-j 2), medians of 3 wall times" % ((st == 1).sum(), bse, REF_SE, res[1]["time"], res[2]["time"]))

        # estimate -> GE: the estimated coefficient x the delta file (the file
        # event of configs/estimate/wiod_eu_ge.cfg, on the panel's year 2000)
        # gives the welfare of the eu2000 scenario whose file event reads the
        # eu_effect column ge_gravity's example ships in eu2000.csv
        ge = os.path.join(SRC, "configs", "estimate", "wiod_eu_ge.cfg")
        ge_sets = ["--set", 'data.trade.file="%s"' % os.path.abspath(panel),
                   "--set", 'events.[name="EFFECT"].file="%s"' % eff]
        scen = os.path.join(SRC, "configs", "sweeps", "eu2000_bootstrap.cfg")
        with open(scen) as f:
            text = f.read()
        shipped_cfg = os.path.join(d, "eu2000_shipped.cfg")
        with open(shipped_cfg, "w") as f:
            ev = text[text.index("events = ("):text.index("output = {")]
            f.write(text[:text.index("sweep = {")].replace(ev, (
                'events = ( { name = "EU enlargement"; start = 1; file = "%s"; column = "eu_effect"; } );\n'
                % os.path.abspath(eu2000))))
        welfare = {}
        for name, cfg, sets in (("estimated", ge, ge_sets + ["--set", 'events.[name="EFFECT"].coefficient=%.17g' % b[0]]),
                                ("shipped", shipped_cfg, ["--set", 'data.trade="%s"' % os.path.abspath(eu2000)])):
            o = os.path.join(d, "ge_%s.h5" % name)
            p = subprocess.run([SANCSIM, "run", cfg, "-o", o, "-q"] + sets, capture_output=True, text=True)
            check(p.returncode == 0, "GE run %s: %s" % (name, p.stderr))
            if p.returncode == 0:
                with h5py.File(o, "r") as f:
                    welfare[name] = f["welfare"][-1]
        if len(welfare) == 2:
            rel = np.max(np.abs(welfare["estimated"] / welfare["shipped"] - 1))
            check(rel <= 1e-6, "GE welfare with the estimate vs the shipped eu_effect: %.2g" % rel)
            print("GE on the year-2000 cross-section with the estimated effect: welfare within %.2g of the "
                  "shipped eu_effect's" % rel)

        # bootstrap -> sweep: the design file as written, read by the sweep of
        # wiod_eu_ge.cfg (its header names the event's coefficient); 200 GE solves
        t0 = time.perf_counter()
        p = subprocess.run([SANCSIM, "sweep", ge, "-o", os.path.join(d, "sweep.h5"), "-q", "-j", "2",
                            "--set", 'sweep.file="%s"' % os.path.join(d, "delta1_design.csv")] + ge_sets,
                           capture_output=True, text=True)
        t_sweep = time.perf_counter() - t0
        check(p.returncode == 0, "sweep of the bootstrap design: %s" % p.stderr)
        if p.returncode == 0:
            with h5py.File(os.path.join(d, "sweep.h5"), "r") as f:
                check(int((f["run_status"][()] == 1).sum()) == len(rows) - 1, "sweep runs done")
                check(np.array_equal(f["run_param"][:, 0], col), "sweep parameters = bootstrap coefficients")
            print("200 bootstrap replicates + %d GE solves: %.2f s + %.2f s = %.2f s wall with -j 2"
                  % (len(rows) - 1, res[2]["time"], t_sweep, res[2]["time"] + t_sweep))

        try:
            import xarray as xr
            ds = xr.open_dataset(os.path.join(d, "boot2.h5"), engine="h5netcdf")
            check(ds["vcov"].dims == ("regressor", "regressor2"), "xarray dims of vcov %r" % (ds["vcov"].dims,))
            check(ds["bootstrap_coefficient"].dims == ("replicate", "regressor"), "xarray dims of bootstrap")
            check(float(ds["coefficient"].sel(regressor="eu_enlargement")) == b[0], "xarray selects by label")
            ds.close()
        except ImportError:
            print("(xarray/h5netcdf absent: dimension check skipped)")
    print("%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
