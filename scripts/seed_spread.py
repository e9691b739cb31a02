#!/usr/bin/python3
"""seed_spread.py [--sancsim BIN] [--seeds N] [--set PATH=VALUE ...] CONFIG

Runs CONFIG with seeds 1..N (default 20) and prints the spread (mean,
min-max) of Iran's welfare change in the last period and of Russia's
settlement mix in 2023-12 (SWIFT, CIPS, SPFS+Mir, fallback): the figures of
configs/README.md, "Seed dependence".  Extra --set overrides are passed on.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def labels(f, name):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[name][:]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--sancsim", default=os.path.join(os.path.dirname(__file__), "..", "build", "sancsim"))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--period", default="2023-12", help="settlement period label (YYYY-MM)")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for seed in range(1, a.seeds + 1):
            out = os.path.join(d, "s%d.h5" % seed)
            cmd = [a.sancsim, "run", a.config, "-q", "-o", out, "--seed", str(seed)]
            for s in a.set:
                cmd += ["--set", s]
            subprocess.run(cmd, check=True)
            with h5py.File(out, "r") as f:
                c = labels(f, "country")
                sysn = labels(f, "payment_system")
                T = f["welfare"].shape[0]
                t = 24 if a.period == "2023-12" else int(a.period)
                S = f["settlement_share"][t, c.index("RUS")]
                s = dict(zip(sysn, S))
                rows.append([100 * (f["welfare"][T - 1, c.index("IRN")] - 1),
                             100 * (f["welfare"][T - 1, c.index("RUS")] - 1),
                             s["SWIFT"], s["CIPS"], s.get("SPFS", 0) + s.get("Mir", 0), s["fallback"]])
    r = np.array(rows)
    names = ["IRN welfare %", "RUS welfare %", "RUS SWIFT", "RUS CIPS", "RUS SPFS+Mir", "RUS fallback"]
    for k, n in enumerate(names):
        print("%-14s mean %+.3f  min %+.3f  max %+.3f  sd %.4f" % (n, r[:, k].mean(), r[:, k].min(), r[:, k].max(),
                                                                r[:, k].std()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
