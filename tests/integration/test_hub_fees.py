#!/usr/bin/python3
"""test_hub_fees.py - hub fees (DESIGN 2b) in period 0 and in the look-ahead,
in both GE models, through the CLI on the four-country world of
test_revenue_wedges.py (with its input-output table for io).

1. A fee on a hub active in period 0 is part of the baseline: under io the
   run succeeds (it was exit 2), period 0 is the equilibrium re-solved with
   the fee, and it earns the hub's country fee x transit in every period,
   period 0 included; income = value added + revenue (zero deficits),
   markets clear in seller values, and with no other change welfare stays 1.
   The re-solve needs a larger wage change than the same run without the
   fee (the fee is not ignored).
2. The look-ahead of a policy set books a hub's fee as revenue of the hub's
   country, as the period loop does: a government (CCC, the hub's country,
   welfare objective) reviewing at period 1 whether to open the corridor
   (lag 0, full adjustment) records the gain ln W(open) - ln W(status quo),
   which must equal ln welfare of CCC in period 1 of the scripted run that
   opens it at period 1 (the status quo is the baseline, W = 1).  Before the
   fix the look-ahead counted the fee as an iceberg cost nobody earns, and
   CCC's gain came out negative (-0.0009 armington, -0.0006 io) where the
   dated runs give +0.0047 and +0.0087.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_revenue_wedges as rw  # noqa: E402  (the same world)

SANCSIM = os.environ.get("SANCSIM", "")

CFG = """
scenario = {{ name = "fees"; start = "2022-01"; step = "month"; periods = 3; seed = 1; }};
data = {{ trade = "trade.csv"; units = "USD million"; {iodata} }};
trade = {{ sigma = 5.0; adjustment = 1.0; {model} }};
routing = {{ dispersion = 4.0;
  hubs = ( {{ name = "corridor"; via = "CCC"; markup = 1.05; origins = ["BBB"]; destinations = ["AAA"];
             fee = {fee}; {start} }} ); }};
{gov}
output = {{ file = "out.h5"; }};
"""
IODATA = 'inputs = "inputs.csv"; final = "final.csv"; value_added = "va.csv";'
GOV = """governments = { review = 1; first = 1; temperature = 0.0; threshold = 0.0;
  countries = ( { country = "CCC"; objective = { welfare = 1.0; }; } ); };"""


def run(d, io, fee, start, gov, fails, tag):
    import h5py
    with open(os.path.join(d, "f.cfg"), "w") as f:
        f.write(CFG.format(iodata=IODATA if io else "", fee=fee, start=start, gov=GOV if gov else "",
                           model='model = "io"; baseline_deficits = "zero";' if io else ""))
    out = os.path.join(d, tag + ".h5")
    p = subprocess.run([SANCSIM, "run", os.path.join(d, "f.cfg"), "-o", out, "-q", "--force"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        fails.append("%s: exit %d: %s" % (tag, p.returncode, p.stderr.strip()))
        return None
    f = h5py.File(out, "r")
    return {k: f[k][()] for k in f.keys() if isinstance(f[k], h5py.Dataset)} | {"attrs": dict(f.attrs)}


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set or not executable", file=sys.stderr)
        return 2
    fails = []
    c = rw.C.index("CCC")
    with tempfile.TemporaryDirectory(prefix="sancsim_fees_") as d:
        rw.write_data(d)
        for io in (False, True):
            m = "io" if io else "armington"
            # 1. the fee from period 0
            r = run(d, io, 0.1, "", False, fails, m + "_p0")
            if r is not None:
                X, R, E, tr = r["flows"], r["wedge_revenue"], r["expenditure"], r["transit"][:, 0]
                for t in range(X.shape[0]):
                    if abs(R[t, c] - 0.1 * tr[t]) > 1e-12 * E[t].sum():
                        fails.append("%s period %d: hub revenue %.12g, fee x transit %.12g" % (m, t, R[t, c],
                                                                                          0.1 * tr[t]))
                    if np.max(np.abs(X[t].sum(axis=(1, 2)) - r["output"][t]) / r["output"][t]) > 1e-12:
                        fails.append("%s period %d: markets do not clear in seller values" % (m, t))
                    if io and np.max(np.abs(E[t] - r["value_added"][t].sum(axis=1) - R[t]) / E[t]) > 1e-10:
                        fails.append("io period %d: income != value added + revenue" % t)
                if not tr[0] > 0.0:
                    fails.append("%s: no transit in period 0" % m)
                if np.max(np.abs(r["welfare"] - 1.0)) > 1e-10:
                    fails.append("%s: welfare moved without any change: %s" % (m, r["welfare"][-1]))
                if io:
                    q = run(d, io, 0.0, "", False, fails, "io_nofee")
                    if q is not None:
                        a = r["attrs"]["baseline_resolve_max_wage_change"]
                        b = q["attrs"]["baseline_resolve_max_wage_change"]
                        if not abs(a - b) > 1e-6:
                            fails.append("io: the period-0 fee did not change the re-solve (%.3g vs %.3g)" % (a, b))
                        print("io: period-0 fee 0.1: revenue of CCC %.4f at period 0, re-solve max wage change "
                              "%.6f (without the fee %.6f)" % (R[0, c], a, b))
            # 2. the look-ahead of opening the corridor at period 1
            g = run(d, io, 0.1, 'start = "decided"; owner = "CCC"; lag = 0;', True, fails, m + "_gov")
            s = run(d, io, 0.1, "start = 1;", False, fails, m + "_dated")
            if g is not None and s is not None:
                gain = g["action_gain"][1, 0]
                want = np.log(s["welfare"][1, c])
                print("%-9s look-ahead gain of opening the corridor to CCC %.10f; ln W of the dated run %.10f"
                      % (m, gain, want))
                if not abs(gain - want) <= 1e-9:
                    fails.append("%s: look-ahead gain %.12g, dated run %.12g" % (m, gain, want))
                if not abs(want) > 1e-5:
                    fails.append("%s: opening the corridor does not move CCC (%.3g)" % (m, want))
                if not s["wedge_revenue"][1, c] > 0.0:
                    fails.append("%s: no fee revenue in the dated run" % m)
    for msg in fails:
        print("FAIL:", msg)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
