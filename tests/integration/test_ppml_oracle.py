#!/usr/bin/python3
"""test_ppml_oracle.py - `sancsim estimate` against the independent oracle
(tests/oracle/ppml_oracle.py: dense dummies + Newton) on synthetic panels
with zeros, where singletons and separated observations must be dropped and
counted as the oracle counts them:

  - three-way effects (exporter#year, importer#year, pair), pair clusters,
    zeros: a pair that is zero in every year and an exporter-year of zeros
    (separated), pairs observed once (singletons), a pair left alone by a
    separated exporter-year (a singleton of the second round), scattered
    zeros that stay;
  - two-way effects with robust variance and sample = "all";
  - one fixed effect; no fixed effect (a constant);
  - a file with its own headers and extra columns read through
    `data.columns` and `data.filter`.

Coefficients and standard errors must agree to 1e-6 relative, observation
and drop counts exactly.  A regressor that separates zeros (not checked, as
in the README) gets a warning counting them.  The bootstrap gives the same datasets with -j 1
and -j 2.  Needs nothing from ../shared.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(HERE)))
SANCSIM = os.environ.get("SANCSIM", "")
sys.path.insert(0, os.path.join(SRC, "tests", "oracle"))
import ppml_oracle as O  # noqa: E402

fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print("FAIL", msg)


def make_panel(path, seed, nc=9, T=4, headers=None, extra=False):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(nc, T))
    b = rng.normal(size=(nc, T))
    c = rng.normal(size=(nc, nc))
    rows = []
    for i in range(nc):
        for j in range(nc):
            for t in range(T):
                if (i, j) in ((1, 2), (4, 0)) and t > 0:
                    continue  # observed once: singletons
                if (i, j) == (6, 2) and t in (1, 2):
                    continue  # left alone once (6, 2, 3) is separated: a singleton of round 2
                fta = 1.0 if (i + j) % 4 == 0 and t >= 2 else 0.0
                dist = 0.5 * ((i * 7 + j * 3) % 5) + 0.3 * np.sin(i * j + 1.7 * t)
                mu = 40.0 * np.exp(0.4 * fta - 0.2 * dist + a[i, t] + b[j, t] + c[i, j])
                y = rng.poisson(mu) if rng.random() < 0.3 else mu * rng.gamma(2.0, 0.5)
                if (i, j) == (3, 5):
                    y = 0.0  # separated by the pair effect
                if rng.random() < 0.05 or (i == 6 and t == 3):
                    y = 0.0  # exporter 6 in the last year: separated by exporter#year
                rows.append(("C%02d" % i, "C%02d" % j, 2000 + 5 * t, float(y), fta, dist))
    names = headers or ["exporter", "importer", "year", "trade", "fta", "dist"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names + (["note", "flag"] if extra else []))
        for r in rows:
            w.writerow(list(r) + (["x, \"y\"", 1 if r[2] != 2010 else 0] if extra else []))
    return rows


def run_estimate(d, spec, out, *args):
    cfg = os.path.join(d, "spec.cfg")
    with open(cfg, "w") as f:
        f.write(spec)
    p = subprocess.run([SANCSIM, "estimate", cfg, "-o", out, "-q", "--force"] + list(args),
                       capture_output=True, text=True)
    return p


def read_h5(path):
    import h5py
    with h5py.File(path, "r") as f:
        return {k: f[k][()] for k in f.keys() if k != "provenance"}, dict(f.attrs)


def compare(name, h, ref, rel=1e-6):
    for key in ("observations", "dropped_singletons", "dropped_separated"):
        check(int(h[key]) == ref[key], "%s: %s %d, oracle %d" % (name, key, int(h[key]), ref[key]))
    if ref["nclusters"]:
        check(int(h["clusters"]) == ref["nclusters"], "%s: clusters %d, oracle %d"
              % (name, int(h["clusters"]), ref["nclusters"]))
    for key, rk in (("coefficient", "beta"), ("std_error", "se")):
        got, want = np.asarray(h[key]), np.asarray(ref[rk])
        err = np.max(np.abs(got - want) / np.abs(want))
        check(err <= rel, "%s: %s %r vs oracle %r (relative %.2g)" % (name, key, got, want, err))
    check(abs(float(h["deviance"]) - ref["deviance"]) <= 1e-8 * ref["deviance"],
          "%s: deviance %r vs oracle %r" % (name, float(h["deviance"]), ref["deviance"]))
    print("%-28s beta %s se %s drops %d+%d  ok" % (name, np.array2string(np.asarray(h["coefficient"]), precision=6),
                                                   np.array2string(np.asarray(h["std_error"]), precision=6),
                                                   int(h["dropped_singletons"]), int(h["dropped_separated"])))


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as d:
        panel = os.path.join(d, "panel.csv")
        make_panel(panel, 11)
        out = os.path.join(d, "out.h5")
        base = """estimate = {{ data = "panel.csv"; outcome = "trade"; regressors = ["fta", "dist"];
  fixed_effects = [{fe}]; sample = "{sample}"; {cluster} tolerance = 1e-12; }};
"""
        cases = [
            ("three-way, pair clusters", '"exporter#year", "importer#year", "exporter#importer"', "international",
             "exporter#importer"),
            ("two-way, robust, all", '"exporter", "importer"', "all", ""),
            ("one effect, year clusters", '"exporter#importer"', "international", "year"),
            ("a constant, robust", "", "international", ""),
        ]
        for name, fe, sample, cl in cases:
            spec = base.format(fe=fe, sample=sample, cluster='cluster = "%s";' % cl if cl else "")
            p = run_estimate(d, spec, out)
            if p.returncode != 0:
                check(False, "%s: exit %d: %s" % (name, p.returncode, p.stderr))
                continue
            h, _ = read_h5(out)
            y, X, fes, clv = O.load(panel, "trade", ["fta", "dist"], [s.strip('" ') for s in fe.split(",") if s],
                                    cl, sample)
            ref = O.ppml(y, X, fes, clv, ["fta", "dist"])
            compare(name, h, ref)

        # own headers, extra columns, a mapping and a filter (drops year 2010)
        own = os.path.join(d, "own.csv")
        make_panel(own, 12, headers=["iso_o", "iso_d", "yr", "value", "fta", "dist"], extra=True)
        spec = """estimate = {
  data = { file = "own.csv"; columns = { exporter = "iso_o"; importer = "iso_d"; year = "yr"; trade = "value"; };
           filter = { flag = 1; }; };
  outcome = "trade"; regressors = ["fta", "dist"];
  fixed_effects = ["exporter#year", "importer#year", "exporter#importer"];
  cluster = "exporter#importer"; tolerance = 1e-12;
};
"""
        p = run_estimate(d, spec, out)
        check(p.returncode == 0, "mapped: exit %d: %s" % (p.returncode, p.stderr))
        if p.returncode == 0:
            h, attrs = read_h5(out)
            with open(own, newline="") as f:
                rows = [r for r in csv.DictReader(f) if r["flag"] == "1" and r["iso_o"] != r["iso_d"]]
            y = np.array([float(r["value"]) for r in rows])
            X = np.array([[float(r["fta"]), float(r["dist"])] for r in rows])
            ex, im, yr = [r["iso_o"] for r in rows], [r["iso_d"] for r in rows], [r["yr"] for r in rows]
            fes = [O.group_ids([ex, yr]), O.group_ids([im, yr]), O.group_ids([ex, im])]
            ref = O.ppml(y, X, fes, O.group_ids([ex, im]), ["fta", "dist"])
            compare("mapped columns + filter", h, ref)
            check(attrs["data_sha256"].decode() == __import__("hashlib").sha256(open(own, "rb").read()).hexdigest(),
                  "data_sha256 attribute")

        # bootstrap: identical for -j 1 and -j 2
        spec = base.format(fe='"exporter#year", "importer#year", "exporter#importer"', sample="international",
                           cluster='cluster = "exporter#importer";')
        spec = spec.replace("tolerance = 1e-12; };", "bootstrap = { replicates = 30; seed = 7; }; };")
        o1, o2 = os.path.join(d, "b1.h5"), os.path.join(d, "b2.h5")
        p1 = run_estimate(d, spec, o1, "-j", "1")
        p2 = run_estimate(d, spec, o2, "-j", "2")
        check(p1.returncode == 0 and p2.returncode == 0, "bootstrap: exit %d/%d %s" % (p1.returncode, p2.returncode,
                                                                                       p1.stderr + p2.stderr))
        if p1.returncode == 0 and p2.returncode == 0:
            h1, _ = read_h5(o1)
            h2, _ = read_h5(o2)
            for k in h1:
                check(np.array_equal(np.asarray(h1[k]), np.asarray(h2[k]), equal_nan=h1[k].dtype.kind == "f"),
                      "bootstrap: %s differs between -j 1 and -j 2" % k)
            st = np.asarray(h1["bootstrap_status"])
            bc = np.asarray(h1["bootstrap_coefficient"])
            check(st.shape == (30,) and np.all((st == 1) | (st == 2)), "bootstrap_status %r" % st)
            check(np.all(np.isnan(bc[st == 2])) and np.all(np.isfinite(bc[st == 1])), "NaN exactly where failed")
            sd = np.std(bc[st == 1, 0], ddof=1)
            check(abs(sd - float(h1["bootstrap_std_error"][0])) <= 1e-12 * sd, "bootstrap_std_error")
            print("bootstrap: %d done, -j 1 and -j 2 identical, bootstrap s.e. %.4g vs sandwich %.4g"
                  % (int((st == 1).sum()), sd, float(h1["std_error"][0])))
        # separation by a regressor (not checked, as documented): a warning
        # counts the zeros it drives to a fitted mean of ~0
        rng = np.random.default_rng(1)
        nsep = 0
        with open(os.path.join(d, "sep.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["exporter", "importer", "year", "trade", "sep", "z"])
            for i in range(8):
                for j in range(8):
                    for t in range(3):
                        if i == j:
                            continue
                        y, sep = float(rng.gamma(2, 10)), 0
                        if (i + j + t) % 7 == 0:
                            y, sep = 0.0, 1
                            nsep += 1
                        w.writerow(["C%d" % i, "C%d" % j, 2000 + t, y, sep, float(rng.normal())])
        spec = """estimate = { data = "sep.csv"; outcome = "trade"; regressors = ["sep", "z"];
  fixed_effects = ["exporter#year", "importer#year", "exporter#importer"]; cluster = "exporter#importer"; };
"""
        p = run_estimate(d, spec, out)
        check(p.returncode == 0 and ("warning: %d observations with trade = 0" % nsep) in p.stdout,
              "separation by a regressor: exit %d, no warning about %d observations:\n%s%s"
              % (p.returncode, nsep, p.stdout, p.stderr))
        p = run_estimate(d, spec.replace('"sep", "z"', '"z"'), out)
        check(p.returncode == 0 and "warning" not in p.stdout, "a warning without separation: %s" % p.stdout)
    print("%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
