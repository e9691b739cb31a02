#!/usr/bin/python3
"""Mean-field adoption has no jumps (issue 13, DESIGN section 3a).

The Russia-Iran scenario with payments.adoption.mode = "mean_field", run on
a 21-point grid of each adoption parameter (the others at the scenario's
values): base 0..0.02, network 0..0.2, gain 0..40, secondary_exit 0..2 (a
month's rates; the scenario has 0, 0.05, 20, 1).  For Russia's 2023-12 SWIFT
settlement share and Iran's 2024-12 welfare, no first difference along a
grid may exceed 3 times the larger of its neighbours' (plus 1e-9, below
which differences are the solver's rounding): the response is smooth.  With
random bank draws (mode "banks") one large bank joining or leaving moves a
country's settlement by tens of points, which this test would catch.

Also: mean-field runs give the same bits for any seed (welfare, settlement,
adoption, flows).
"""
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

try:
    import h5py
    import numpy as np
except ImportError:
    sys.exit(77)

SANCSIM = os.environ.get("SANCSIM")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if not SANCSIM:
    sys.exit(77)
CFG = os.path.join(SRC, "configs", "russia_iran_2022.cfg")
MODE = 'payments.adoption.mode="mean_field"'
GRIDS = {
    "base": np.linspace(0.0, 0.02, 21),
    "network": np.linspace(0.0, 0.2, 21),
    "gain": np.linspace(0.0, 40.0, 21),
    "secondary_exit": np.linspace(0.0, 2.0, 21),
}
fails = 0
checks = 0


def labels(f, name):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[name][:]]


def run(out, *sets, seed=None):
    cmd = [SANCSIM, "run", CFG, "-q", "-f", "-o", out, "--set", MODE]
    for s in sets:
        cmd += ["--set", s]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    subprocess.run(cmd, check=True)


def jumps(f, floor=1e-9):
    """Indices k whose difference exceeds 3x its neighbours' (plus floor)."""
    d = np.abs(np.diff(f))
    bad = []
    for k in range(len(d)):
        nb = max(d[j] for j in (k - 1, k + 1) if 0 <= j < len(d))
        if d[k] > 3.0 * nb + floor:
            bad.append(k)
    return bad


with tempfile.TemporaryDirectory() as tmp:
    def one(job):
        p, k, v = job
        out = os.path.join(tmp, "%s_%d.h5" % (p, k))
        run(out, "payments.adoption.%s=%r" % (p, float(v)))
        with h5py.File(out, "r") as f:
            c, s = labels(f, "country"), labels(f, "payment_system")
            t_swift = 24  # 2023-12
            T = f["welfare"].shape[0]
            return (p, k, float(f["settlement_share"][t_swift, c.index("RUS"), s.index("SWIFT")]),
                    float(f["welfare"][T - 1, c.index("IRN")]))

    jobs = [(p, k, v) for p, g in GRIDS.items() for k, v in enumerate(g)]
    with ThreadPoolExecutor(2) as ex:
        res = list(ex.map(one, jobs))
    for p in GRIDS:
        rows = sorted((r for r in res if r[0] == p), key=lambda r: r[1])
        for name, col in (("RUS SWIFT share 2023-12", 2), ("IRN welfare 2024-12", 3)):
            f = np.array([r[col] for r in rows])
            checks += 1
            bad = jumps(f)
            if bad:
                fails += 1
                print("FAIL %s along %s: jumps at grid steps %s (differences %s)" % (
                    name, p, bad, " ".join("%.3g" % x for x in np.diff(f))))
            else:
                print("ok %s along %s: %.6g .. %.6g" % (name, p, f.min(), f.max()))

    # the same bits for any seed
    a, b = os.path.join(tmp, "seed1.h5"), os.path.join(tmp, "seed2.h5")
    run(a, seed=1)
    run(b, seed=2)
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        checks += 1
        for v in ("welfare", "settlement_share", "adoption", "payment_cost", "flows", "transit"):
            if not np.array_equal(fa[v][()], fb[v][()]):
                fails += 1
                print("FAIL mean_field: %s differs between seeds 1 and 2" % v)
                break

print("%d passed, %d failed" % (checks - fails, fails))
sys.exit(1 if fails else 0)
