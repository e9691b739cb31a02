#!/usr/bin/python3
"""Period loop against closed forms: event start/end, partial adjustment
(global and per sector), and the equivalence of the two shock forms.

Two identical countries trading symmetrically: by symmetry phat = 1, so with
openness phi on both cross cells the domestic share is pi' = a / (a + b phi)
and welfare (pi'/pi)^(1/(1-sigma)) (ACR).  Openness follows
phi(t) = (1-lambda) phi(t-1) + lambda phi*(t), phi(0) = 1."""
import math
import os
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError:
    sys.exit(77)

SANCSIM = os.environ["SANCSIM"]
fails = 0


def check(name, ok, detail=""):
    global fails
    if not ok:
        fails += 1
        print("FAIL %s %s" % (name, detail))


def run(tmp, cfg_text, name, *extra):
    cfg = os.path.join(tmp, name + ".cfg")
    out = os.path.join(tmp, name + ".h5")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    subprocess.run([SANCSIM, "run", cfg, "-o", out, "-q", "--force", *extra], check=True)
    return h5py.File(out, "r")


with tempfile.TemporaryDirectory() as tmp:
    a, b = 80.0, 20.0  # domestic and cross flows, both sectors
    with open(os.path.join(tmp, "trade.csv"), "w") as f:
        f.write("exporter,importer,sector,value\n")
        for s in ("s1", "s2"):
            f.write("AAA,AAA,%s,%g\nAAA,BBB,%s,%g\nBBB,AAA,%s,%g\nBBB,BBB,%s,%g\n" % (s, a, s, b, s, b, s, a))
    sigma, lam1, lam2, factor = 5.0, 0.5, 0.2, 1.3
    T, start, end = 9, 2, 5
    base = """scenario = { name = "dyn"; start = "2022-01"; step = "quarter"; periods = %d; };
data = { trade = "trade.csv"; };
trade = { sigma = %r; adjustment = %r; sectors = ( { name = "s2"; adjustment = %r; } ); };
events = ( { name = "x"; start = "2022-04"; end = "2023-01"; exporters = ["AAA"]; importers = ["BBB"];
             symmetric = true; SHOCK; } );
""" % (T, sigma, lam1, lam2)
    f1 = run(tmp, base.replace("SHOCK", "factor = %r" % factor), "factor")
    pe = (1 - sigma) * math.log(factor)
    f2 = run(tmp, base.replace("SHOCK", "partial_effect = %r" % pe), "pe")

    # event window: quarters -> start "2022-04" is period 1? no: 2022-01 is period 0,
    # 2022-04 period 1, 2023-01 period 4 (end, exclusive)
    start, end = 1, 4
    days = f1["time"][:]
    check("time", list(days[:3]) == [0.0, 90.0, 181.0], str(days[:3]))
    phistar = factor ** (1 - sigma)
    for k, lam in ((0, lam1), (1, lam2)):
        phi = 1.0
        for t in range(T):
            if t > 0:
                target = phistar if start <= t < end else 1.0
                phi = (1 - lam) * phi + lam * target
            X = f1["flows"][t, :, :, k]
            pi_new = a / (a + b * phi)
            check("flows t=%d k=%d" % (t, k), abs(X[0, 0] / (X[0, 0] + X[1, 0]) - pi_new) < 1e-12,
                  "%r vs %r" % (X[0, 0] / (X[0, 0] + X[1, 0]), pi_new))
    # welfare: Cobb-Douglas over the two sectors with equal weights
    phi = [1.0, 1.0]
    for t in range(1, T):
        target = phistar if start <= t < end else 1.0
        phi = [(1 - l) * p + l * target for p, l in zip(phi, (lam1, lam2))]
        pis = [a / (a + b * p) for p in phi]
        wel = math.prod(((p / (a / (a + b))) ** (1 / (1 - sigma))) ** 0.5 for p in pis)
        got = f1["welfare"][t, 0]
        check("welfare t=%d" % t, abs(got / wel - 1) < 1e-12, "%r vs %r" % (got, wel))
    # both shock forms give the same equilibrium
    d = np.max(np.abs(f1["flows"][:] - f2["flows"][:]) / f1["flows"][:].max())
    check("factor == partial effect", d < 1e-13, "max rel diff %g" % d)
    # --set overrides and --seed are recorded in the resolved config
    f3 = run(tmp, base.replace("SHOCK", "factor = %r" % factor), "set", "--set", "trade.sigma=6.0", "--seed", "42")
    conf = f3["provenance/config"][()].decode()
    check("--set recorded", "sigma = 6.0" in conf, conf[:200])
    check("--seed recorded", f3.attrs["seed"] == 42)
    check("--set changes result", abs(f3["welfare"][2, 0] - f1["welfare"][2, 0]) > 1e-6)
    check("solver iterations", int(f1["solver_iterations"][0]) == 0 and f1["solver_residual"][1:].max() < 1e-10)

print("dynamics: %d failed" % fails)
sys.exit(1 if fails else 0)
