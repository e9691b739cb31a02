#!/usr/bin/python3
"""test_io_nesting.py - DESIGN 2b's nesting check through the CLI, on the
whole Russia-Iran scenario on its goods-only data
(configs/variants/armington.cfg, the scenario before it moved to the io
model: partial adjustment, events, trade/financial/secondary sanctions,
bank adoption, hubs with congestion; no revenue wedges):

With production-network data that have no inputs (value-added share 1:
value added = sales, final demand = spending, by country and sector, built
here from configs/data/trade_2021.csv), sector-specific factors,
baseline_deficits = "data" (the default) and additive imbalances, a run with
trade.model = "io" equals the same run with "armington" to 1e-12 (each
solve's own tolerance; 2e-12 between the two solutions): every
GE variable relative to its own scale, flows relative to the exporter's
output, and every agent-layer output.  So the modules work unchanged on top
of the io model, and period 0 (re-solved) is the data.

Also: io's errors with imbalance = "multiplicative" and deficits =
"scale_with_trade" (exit 2), and a missing inputs file for io (exit 2).
"""
import collections
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np

SANCSIM = os.environ.get("SANCSIM", "")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def run(args):
    return subprocess.run([SANCSIM] + args, capture_output=True, text=True)


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set or not executable", file=sys.stderr)
        return 2
    import h5py
    cfg = os.path.join(SRC, "configs", "variants", "armington.cfg")
    fails = []
    with tempfile.TemporaryDirectory(prefix="sancsim_nest_") as d:
        Y = collections.defaultdict(float)
        E = collections.defaultdict(float)
        with open(os.path.join(SRC, "configs", "data", "trade_2021.csv")) as f:
            for r in csv.DictReader(f):
                v = float(r["value"])
                Y[(r["exporter"], r["sector"])] += v
                E[(r["importer"], r["sector"])] += v
        with open(os.path.join(d, "final.csv"), "w") as f:
            f.write("country,sector,value\n")
            for (c, s), v in E.items():
                f.write("%s,%s,%r\n" % (c, s, v))
        with open(os.path.join(d, "va.csv"), "w") as f:
            f.write("country,sector,value\n")
            for (c, s), v in Y.items():
                f.write("%s,%s,%r\n" % (c, s, v))
        c0, s0 = next(iter(Y))
        with open(os.path.join(d, "inputs.csv"), "w") as f:
            f.write("country,input,sector,value\n%s,%s,%s,0\n" % (c0, s0, s0))
        io = ["--set", 'data.inputs="%s"' % os.path.join(d, "inputs.csv"),
              "--set", 'data.final="%s"' % os.path.join(d, "final.csv"),
              "--set", 'data.value_added="%s"' % os.path.join(d, "va.csv")]
        a_out, b_out = os.path.join(d, "arm.h5"), os.path.join(d, "io.h5")
        p = run(["run", cfg, "-o", a_out, "-q"])
        q = run(["run", cfg, "-o", b_out, "-q", "--set", "trade.model=io",
                 "--set", "trade.factors=sector_specific"] + io)
        if p.returncode or q.returncode:
            print("FAIL: exit %d / %d\n%s\n%s" % (p.returncode, q.returncode, p.stderr, q.stderr))
            return 1
        with h5py.File(a_out, "r") as a, h5py.File(b_out, "r") as b:
            worst = {}
            for k in a.keys():
                if not isinstance(a[k], h5py.Dataset) or a[k].dtype.kind != "f" or a[k].ndim == 0 \
                        or k.startswith("solver_"):
                    continue
                if k not in b:
                    fails.append("%s missing under io" % k)
                    continue
                x, y = a[k][()], b[k][()]
                if x.shape != y.shape:
                    fails.append("%s: shape %s vs %s" % (k, x.shape, y.shape))
                    continue
                if k in ("flows", "customs_flows"):
                    scale = np.maximum(a["output"][()], 1e-300)[:, :, None, None] if k == "flows" else \
                        np.maximum(a["output"][()], 1e-300)[:, :, None]
                    err = np.max(np.abs(x - y) / scale)
                else:  # relative to the variable's own scale per period
                    axes = tuple(range(1, x.ndim))
                    scale = np.maximum(np.max(np.abs(x), axis=axes, keepdims=True), 1e-300)
                    err = np.max(np.abs(x - y) / scale)
                worst[k] = err
            for k, v in sorted(worst.items()):
                # each solver stops at a relative price change below 1e-12, so
                # two solutions of the same equilibrium differ by up to ~2e-12
                if not v <= 2e-12:
                    fails.append("%s: io vs armington %.3g (want <= 2e-12)" % (k, v))
            print("io (no inputs) vs armington on variants/armington.cfg: largest relative gap %.2e (%s)"
                  % max((v, k) for k, v in worst.items()))
            # the io run has the io model's extra outputs, the armington run none of them
            for k in ("value_added", "wedge_revenue", "welfare_tot"):
                if k not in b or k in a:
                    fails.append("%s: expected under io only" % k)
        # errors of the io model (exit 2)
        for extra, what in ((["--set", 'trade.imbalance="multiplicative"'], "multiplicative"),
                            (["--set", 'trade.deficits="scale_with_trade"'], "scale_with_trade")):
            r = run(["run", cfg, "-o", os.path.join(d, "x.h5"), "-q", "--set", "trade.model=io"] + io + extra)
            if r.returncode != 2 or what not in r.stderr:
                fails.append("io with %s: exit %d (%s), want 2" % (what, r.returncode, r.stderr.strip()))
        r = run(["run", cfg, "-o", os.path.join(d, "x.h5"), "-q", "--set", "trade.model=io"])
        if r.returncode != 2 or "data.inputs" not in r.stderr:
            fails.append("io without io data: exit %d (%s), want 2" % (r.returncode, r.stderr.strip()))
    for m in fails:
        print("FAIL:", m)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
