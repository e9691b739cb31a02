#!/usr/bin/python3
"""oracle_bench.py - the numpy oracle's solves of a bench scenario, timed.

Usage: /usr/bin/python3 bench/oracle_bench.py DIR [NSOLVES]
DIR is a scenario written by bench/make_scenario.py (trade.csv, shocks.csv,
bench.cfg with one shock event at period 1, sigma 5 and adjustment 0.3,
sector s00 with sigma 8 and adjustment 0.1).  Builds the same openness path
(partial adjustment, DESIGN section 3 item 5) and times only the oracle's
solves of periods 1..T-1 (no CSV reading, no output): the yardstick for the
whole sancsim process (CSV in, HDF5 out) in bench/run.sh.
"""
import csv
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "oracle"))
import ge_oracle  # noqa: E402


def main():
    d = sys.argv[1]
    rows = list(csv.DictReader(open(os.path.join(d, "trade.csv"))))
    cs = sorted({r["exporter"] for r in rows} | {r["importer"] for r in rows})
    ss = sorted({r["sector"] for r in rows})
    ci = {c: i for i, c in enumerate(cs)}
    si = {s: k for k, s in enumerate(ss)}
    n, K = len(cs), len(ss)
    X0 = np.zeros((n, n, K))
    for r in rows:
        X0[ci[r["exporter"]], ci[r["importer"]], si[r["sector"]]] = float(r["value"])
    sigma = np.full(K, 5.0)
    lam = np.full(K, 0.3)
    sigma[si["s00"]], lam[si["s00"]] = 8.0, 0.1
    target = np.ones((n, n, K))
    for r in csv.DictReader(open(os.path.join(d, "shocks.csv"))):
        target[ci[r["exporter"]], ci[r["importer"]], si[r["sector"]]] = np.exp(float(r["partial_effect"]))
    periods = 13
    for line in open(os.path.join(d, "bench.cfg")):
        if "periods" in line:
            periods = int(line.split("periods")[1].split("=")[1].split(";")[0])
    nsolve = int(sys.argv[2]) if len(sys.argv) > 2 else periods - 1
    phi = np.ones((n, n, K))
    t0 = time.perf_counter()
    for _ in range(nsolve):
        phi = (1 - lam) * phi + lam * target
        ge_oracle.solve(X0, sigma, phi)
    dt = time.perf_counter() - t0
    print("oracle: %d solves of %d x %d x %d in %.3f s (%.3f s CPU)" % (nsolve, n, n, K, dt, time.process_time()))


if __name__ == "__main__":
    main()
