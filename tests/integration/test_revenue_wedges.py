#!/usr/bin/python3
"""test_revenue_wedges.py - wedges that earn revenue (DESIGN 2b) in both GE
models, through the CLI, checked by hand from the HDF5 output.

A four-country, two-sector world (with an input-output table for io) gets
 - an event tariff of 25% on AAA -> BBB (all sectors, from period 1),
 - a trade measure of DDD on imports from AAA with tariff = 0.1 (period 1),
 - an export-tax discount of 20% (export_tax = -0.2) on CCC -> DDD energy
   (period 2; CCC, the seller, bears it),
 - a tariff_level event of 5% on BBB -> DDD goods (period 3),
 - a corridor BBB -> AAA via CCC with a hub fee of 10% (period 1).
The cells of the three kinds are disjoint, so each country's revenue can be
written from the seller values S (flows) and the hub's transit:
   R_BBB = 0.25 S(AAA->BBB),  R_DDD = 0.1 S(AAA->DDD) + 0.05 S(BBB->DDD, goods),
   R_CCC = -0.2 S(CCC->DDD, energy) + 0.1 transit(corridor),  R_AAA = 0,
and the sum of wedge_revenue is the tariffs + taxes + fees paid.  With
partial adjustment a sweep over the tariff reproduces the single run.  Income
identities: armington E - Y - R = E(0) - Y(0) - R(0) (deficits fixed in
levels: spending = output + revenue + deficit); io with zero baseline
deficits: I = value added + revenue.  Markets clear in seller values
(output = row sums of flows) in both.  A revenue wedge with
imbalance = "multiplicative" is an error (exit 2), and so is a tariff that
would take the rate to -1 or below.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

SANCSIM = os.environ.get("SANCSIM", "")

C = ["AAA", "BBB", "CCC", "DDD"]
S = ["goods", "energy"]

CFG = """
scenario = {{ name = "revenue"; start = "2022-01"; step = "month"; periods = 5; seed = 1; }};
data = {{ trade = "trade.csv"; units = "USD million"; {iodata} }};
trade = {{ sigma = 5.0; adjustment = {adj}; {model} }};
events = (
  {{ name = "tariff"; start = 1; exporters = ["AAA"]; importers = ["BBB"]; tariff = 0.25; }},
  {{ name = "discount"; start = 2; exporters = ["CCC"]; importers = ["DDD"]; sectors = ["energy"];
     export_tax = -0.2; }},
  {{ name = "level"; start = 3; exporters = ["BBB"]; importers = ["DDD"]; sectors = ["goods"];
     tariff_level = 0.05; }}
);
sanctions = (
  {{ name = "duties"; type = "trade"; senders = ["DDD"]; targets = ["AAA"]; direction = "import";
     tariff = 0.1; start = 1; }}
);
routing = {{ dispersion = 4.0;
  hubs = ( {{ name = "corridor"; via = "CCC"; markup = 1.05; origins = ["BBB"]; destinations = ["AAA"];
             fee = 0.1; start = 1; }} ); }};
output = {{ file = "out.h5"; }};
"""


def write_data(d):
    rng = np.random.default_rng(7)
    n, k = len(C), len(S)
    X = rng.uniform(5, 40, size=(n, n, k))
    for i in range(n):
        X[i, i, :] = rng.uniform(150, 300, size=k)
    with open(os.path.join(d, "trade.csv"), "w") as f:
        f.write("exporter,importer,sector,value\n")
        for i in range(n):
            for j in range(n):
                for s in range(k):
                    f.write("%s,%s,%s,%.6f\n" % (C[i], C[j], S[s], X[i, j, s]))
    Y = X.sum(axis=1)   # sales by (country, sector)
    E = X.sum(axis=0)   # spending by (country, sector)
    with open(os.path.join(d, "va.csv"), "w") as f, open(os.path.join(d, "inputs.csv"), "w") as g, \
            open(os.path.join(d, "final.csv"), "w") as h:
        f.write("country,sector,value\n")
        g.write("country,input,sector,value\n")
        h.write("country,sector,value\n")
        for i in range(n):
            for s in range(k):
                f.write("%s,%s,%.6f\n" % (C[i], S[s], 0.55 * Y[i, s]))
                for r in range(k):  # inputs: 45% of gross output, split over the input sectors
                    g.write("%s,%s,%s,%.6f\n" % (C[i], S[r], S[s], 0.45 * Y[i, s] * (0.3 if r == s else 0.7)))
                h.write("%s,%s,%.6f\n" % (C[i], S[s], 0.6 * E[i, s]))


def run(args):
    return subprocess.run([SANCSIM] + args, capture_output=True, text=True)


def check(path, io, fails):
    import h5py
    tag = "io" if io else "armington"
    with h5py.File(path, "r") as f:
        X = f["flows"][()]
        R = f["wedge_revenue"][()]
        Y = f["output"][()]
        E = f["expenditure"][()]
        tr = f["transit"][()][:, 0]
        T = X.shape[0]
        a, b, c, dd = 0, 1, 2, 3
        for t in range(T):
            want = np.zeros(4)
            if t >= 1:
                want[b] += 0.25 * X[t, a, b, :].sum()
                want[dd] += 0.1 * X[t, a, dd, :].sum()
                want[c] += 0.1 * tr[t]
            if t >= 2:
                want[c] += -0.2 * X[t, c, dd, 1]
            if t >= 3:
                want[dd] += 0.05 * X[t, b, dd, 0]
            gap = np.max(np.abs(R[t] - want)) / E[t].sum()
            if gap > 1e-12:
                fails.append("%s period %d: wedge_revenue %s, by hand %s" % (tag, t, R[t], want))
            if abs(R[t].sum() - want.sum()) > 1e-12 * E[t].sum():
                fails.append("%s period %d: revenue total %.12g, paid %.12g" % (tag, t, R[t].sum(), want.sum()))
            mc = np.max(np.abs(X[t].sum(axis=(1, 2)) - Y[t]) / Y[t])
            if mc > 1e-12:
                fails.append("%s period %d: markets do not clear in seller values (%.2e)" % (tag, t, mc))
            if io:
                gap = np.max(np.abs(E[t] - f["value_added"][t].sum(axis=1) - R[t]) / E[t])
                if gap > 1e-10:
                    fails.append("io period %d: income != value added + revenue (%.2e)" % (t, gap))
            else:
                D0 = E[0] - Y[0] - R[0]
                gap = np.max(np.abs(E[t] - Y[t] - R[t] - D0) / E[t])
                if gap > 1e-10:
                    fails.append("armington period %d: spending != output + revenue + deficit (%.2e)" % (t, gap))
        if R[1:, c].min() >= R[1:, c].max():
            fails.append("%s: no revenue moves" % tag)
        print("%-9s wedge_revenue at the last period %s; welfare %s" % (tag, np.round(R[-1], 4),
                                                                      np.round(f["welfare"][-1], 6)))


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set or not executable", file=sys.stderr)
        return 2
    fails = []
    with tempfile.TemporaryDirectory(prefix="sancsim_rev_") as d:
        write_data(d)
        iodata = 'inputs = "inputs.csv"; final = "final.csv"; value_added = "va.csv";'
        for io, adj in ((False, "1.0"), (False, "0.5"), (True, "1.0"), (True, "0.5")):
            cfg = os.path.join(d, "rev.cfg")
            with open(cfg, "w") as f:
                f.write(CFG.format(iodata=iodata if io else "", adj=adj,
                                   model='model = "io"; baseline_deficits = "zero";' if io else ""))
            out = os.path.join(d, "out.h5")
            p = run(["run", cfg, "-o", out, "-q", "--force"])
            if p.returncode != 0:
                fails.append("%s: exit %d: %s" % ("io" if io else "armington", p.returncode, p.stderr))
                continue
            check(out, io, fails)
            if adj == "0.5":  # a sweep on top: its run with the scenario's values is this run, bit for bit
                with open(cfg, "a") as f:
                    f.write('sweep = { design = "grid"; parameters = ( { path = "events.[0].tariff"; '
                            'values = [0.25, 0.4]; } ); keep = ["welfare", "wedge_revenue"]; };\n')
                sw = os.path.join(d, "sweep.h5")
                p = run(["sweep", cfg, "-o", sw, "-q", "-j", "2", "--force"])
                if p.returncode != 0:
                    fails.append("sweep (%s): exit %d: %s" % ("io" if io else "armington", p.returncode, p.stderr))
                    continue
                import h5py
                with h5py.File(sw, "r") as a, h5py.File(out, "r") as b:
                    for v in ("welfare", "wedge_revenue"):
                        if not np.array_equal(a[v][0], b[v][()]):
                            fails.append("sweep run 0 differs from the single run in %s" % v)
                    # sigma = 5: revenue t S ~ t (1 + t)^-5 peaks at t = 0.25, so 0.4 earns less
                    if not (a["wedge_revenue"][1, -1, 1] < a["wedge_revenue"][0, -1, 1]):
                        fails.append("a tariff beyond the revenue peak did not lower BBB's revenue")
        # errors
        with open(cfg, "w") as f:
            f.write(CFG.format(iodata="", adj="1.0", model='imbalance = "multiplicative";'))
        p = run(["run", cfg, "-o", os.path.join(d, "x.h5"), "-q", "--force"])
        if p.returncode != 2 or "imbalance" not in p.stderr:
            fails.append("multiplicative with revenue wedges: exit %d (%s), want 2" % (p.returncode, p.stderr))
        with open(cfg, "w") as f:
            f.write(CFG.format(iodata="", adj="1.0", model="").replace("tariff = 0.25", "tariff = -0.95")
                    .replace("tariff = 0.1;", "tariff = -0.5;").replace('senders = ["DDD"]', 'senders = ["BBB", "DDD"]'))
        p = run(["run", cfg, "-o", os.path.join(d, "x.h5"), "-q", "--force"])
        if p.returncode != 2 or "tariff" not in p.stderr:
            fails.append("a tariff at or below -1: exit %d (%s), want 2" % (p.returncode, p.stderr))
        # more bad inputs, each exit 2 naming the culprit
        iod = 'inputs = "inputs.csv"; final = "final.csv"; value_added = "va.csv";'
        bad = [
            (CFG.format(iodata="", adj="1.0", model='model = "ricardo";'), "unknown model"),
            (CFG.format(iodata="", adj="1.0", model="").replace("export_tax = -0.2", "export_tax = -1.0"),
             "must be > -1"),
            (CFG.format(iodata="", adj="1.0", model="").replace("fee = 0.1", "fee = -0.1"), "fee"),
            (CFG.format(iodata="", adj="1.0", model='model = "io";'), "data.inputs"),
            (CFG.format(iodata=iod, adj="1.0", model='model = "io"; factors = "fixed";'), "factors"),
            (CFG.format(iodata=iod, adj="1.0", model='model = "io"; baseline_deficits = "none";'),
             "baseline_deficits"),
        ]
        for text, what in bad:
            with open(cfg, "w") as f:
                f.write(text)
            p = run(["run", cfg, "-o", os.path.join(d, "x.h5"), "-q", "--force"])
            if p.returncode != 2 or what not in p.stderr:
                fails.append("bad input (%s): exit %d (%s), want 2" % (what, p.returncode, p.stderr.strip()))
    for m in fails:
        print("FAIL:", m)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
