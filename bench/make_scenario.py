#!/usr/bin/python3
"""Write a synthetic benchmark scenario: N countries x K sectors, random
positive flows with dominant domestic sales, a shock on a random 20% of the
cross-border cells, partial adjustment.

usage: make_scenario.py DIR N K PERIODS [--agents | --io]
  --agents adds 5 payment systems, 30 banks per country, 10 hubs and 5
  sanctions (the agent-layer benchmark).
  --io writes a production-network world for trade.model = "io" instead
  (DESIGN 2b): trade with baseline tariffs, an input-output table, final
  demand, value added and theta; yearly periods with a trade ban and export
  controls on two targets from period 1, a tariff on them from period 2 and
  an export-tax discount from period 3."""
import os
import sys

import numpy as np


def main():
    d, n, k, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    agents = "--agents" in sys.argv
    os.makedirs(d, exist_ok=True)
    if "--io" in sys.argv:
        io_world(d, n, k, T)
        return
    rng = np.random.default_rng(12345)
    codes = ["C%03d" % i for i in range(n)]
    secs = ["s%02d" % s for s in range(k)]
    X = rng.lognormal(0.0, 1.5, size=(n, n, k))
    X[rng.random((n, n, k)) < 0.1] = 0.0
    for i in range(n):
        X[i, i, :] = X[i].sum(axis=0).mean() * rng.uniform(3, 8, size=k) * n / 10
    with open(os.path.join(d, "trade.csv"), "w") as f:
        f.write("exporter,importer,sector,value\n")
        for i in range(n):
            for j in range(n):
                for s in range(k):
                    if X[i, j, s] > 0:
                        f.write("%s,%s,%s,%.10g\n" % (codes[i], codes[j], secs[s], X[i, j, s]))
    with open(os.path.join(d, "shocks.csv"), "w") as f:
        f.write("exporter,importer,sector,partial_effect\n")
        m = rng.random((n, n, k)) < 0.2
        for i, j, s in zip(*np.nonzero(m)):
            if i != j:
                f.write("%s,%s,%s,%.6f\n" % (codes[i], codes[j], secs[s], rng.normal(-0.3, 0.3)))
    cfg = """scenario = { name = "bench"; start = "2020-01"; step = "month"; periods = %d; seed = 7; };
data = { trade = "trade.csv"; units = "USD million"; };
trade = { sigma = 5.0; adjustment = 0.3; sectors = ( { name = "s00"; sigma = 8.0; adjustment = 0.1; } ); };
events = ( { name = "shocks"; start = 1; file = "shocks.csv"; } );
output = { flows = "%s"; };
""" % (T, "none" if agents else "full")
    if agents:
        cfg += """groups = { WEST = ["C000", "C001", "C002", "C003", "C004"]; TGT = ["C010", "C011"]; };
sanctions = (
  { name = "ban"; senders = ["WEST"]; targets = ["TGT"]; type = "trade"; direction = "both"; sectors = ["s00", "s01"]; ban = true; enforcement = 0.9; start = 3; ramp = 3; },
  { name = "controls"; senders = ["WEST"]; targets = ["TGT"]; type = "trade"; direction = "export"; intensity = 0.5; start = 2; },
  { name = "swift"; senders = ["WEST"]; targets = ["TGT"]; type = "financial"; system = "SYS0"; coverage = 0.7; start = 2; },
  { name = "sec1"; senders = ["C000"]; targets = ["TGT"]; type = "secondary"; sectors = ["s02"]; penalty = 0.3; enforcement = 0.5; start = 10; },
  { name = "sec2"; senders = ["C001"]; targets = ["C012"]; type = "secondary"; penalty = 0.2; start = 20; }
);
payments = { mu = 0.01; fallback = { name = "fallback"; cost = 0.06; };
  banks = { per_country = 30; zipf = 1.0; };
  adoption = { base = 0.001; network = 0.2; gain = 20.0; secondary_exit = 1.0; };
  systems = ( { name = "SYS0"; cost = 0.004; members = ["ALL"]; },
              { name = "SYS1"; cost = 0.008; home = "C010"; members = ["TGT"]; },
              { name = "SYS2"; cost = 0.006; home = "C005"; members = ["C005"]; partial = ( { country = "C010"; coverage = 0.3; } ); },
              { name = "SYS3"; cost = 0.01; members = ["C020", "C021"]; },
              { name = "SYS4"; cost = 0.012; members = ["C030"]; open = false; } ); };
routing = { dispersion = 8.0; detection = 0.3; hubs = (
"""
        hubs = []
        for h in range(10):
            hubs.append('  { name = "H%d"; via = "C%03d"; markup = %.2f; %s start = %d; }'
                        % (h, 40 + h, 1.2 + 0.1 * h,
                           "evasion_only = true;" if h % 2 else "capacity = 500.0; congestion = 2.0;",
                           0 if h < 5 else 6))
        cfg += ",\n".join(hubs) + "\n); };\n"
    with open(os.path.join(d, "bench.cfg"), "w") as f:
        f.write(cfg)


def io_world(d, n, k, T):
    """Plausible, deterministic, not an equilibrium (the model re-solves
    period 0): lognormal bilateral flows with dominant domestic sales and
    about 10% of cross-border cells empty, tariffs of 0-10%; gross output
    within 3% of sales, value-added shares 0.2-0.8, inputs spread over the
    sectors with a strong own-sector weight, final demand shares uneven."""
    rng = np.random.default_rng(20261202)
    codes = ["C%03d" % i for i in range(n)]
    secs = ["s%02d" % s for s in range(k)]
    M = rng.lognormal(0.0, 1.5, size=(n, n, k))
    M[rng.random((n, n, k)) < 0.1] = 0.0
    for i in range(n):
        M[i, i, :] = M[i].sum(axis=0).mean() * rng.uniform(3, 8, size=k) * n / 10
    tar = np.where(M > 0, rng.uniform(0.0, 0.1, size=(n, n, k)), 0.0)
    for i in range(n):
        tar[i, i, :] = 0.0
    with open(os.path.join(d, "trade.csv"), "w") as f:
        f.write("exporter,importer,sector,value,tariff\n")
        for i in range(n):
            for j in range(n):
                for s in range(k):
                    if M[i, j, s] > 0:
                        f.write("%s,%s,%s,%.10g,%.6f\n" % (codes[i], codes[j], secs[s], M[i, j, s],
                                                           tar[i, j, s]))
    sales = M.sum(axis=1)  # (exporter, sector)
    go = sales * (1 + 0.03 * rng.standard_normal((n, k)))
    gam = rng.uniform(0.2, 0.8, size=(n, k))
    w = rng.random((n, k, k)) + 3 * np.eye(k)[None, :, :]  # [n, input, sector]
    w /= w.sum(axis=1, keepdims=True)
    with open(os.path.join(d, "inputs.csv"), "w") as f:
        f.write("country,input,sector,value\n")
        for i in range(n):
            for s in range(k):
                for j in range(k):
                    f.write("%s,%s,%s,%.10g\n" % (codes[i], secs[s], secs[j],
                                                 (1 - gam[i, j]) * go[i, j] * w[i, s, j]))
    with open(os.path.join(d, "value_added.csv"), "w") as f:
        f.write("country,sector,value\n")
        for i in range(n):
            for j in range(k):
                f.write("%s,%s,%.10g\n" % (codes[i], secs[j], gam[i, j] * go[i, j]))
    with open(os.path.join(d, "final.csv"), "w") as f:
        f.write("country,sector,value\n")
        for i in range(n):
            for j in range(k):
                f.write("%s,%s,%.10g\n" % (codes[i], secs[j], rng.lognormal(0.0, 0.7)))
    with open(os.path.join(d, "theta.csv"), "w") as f:
        f.write("sector,value\n")
        for j in range(k):
            f.write("%s,%.4f\n" % (secs[j], rng.uniform(2.0, 10.0)))
    cfg = """scenario = { name = "bench_io"; start = "2020-01"; step = "year"; periods = %d; seed = 7; };
data = { units = "USD million"; trade = "trade.csv"; inputs = "inputs.csv"; final = "final.csv";
         value_added = "value_added.csv"; theta = "theta.csv"; };
trade = { model = "io"; factors = "mobile"; baseline_deficits = "data"; adjustment = 0.5; };
groups = { WEST = ["C000", "C001", "C002", "C003", "C004"]; TGT = ["C010", "C011"]; };
sanctions = (
  { name = "ban"; senders = ["WEST"]; targets = ["TGT"]; type = "trade"; direction = "both";
    sectors = ["s00", "s01"]; ban = true; enforcement = 0.9; start = 1; ramp = 2; },
  { name = "controls"; senders = ["WEST"]; targets = ["TGT"]; type = "trade"; direction = "export";
    intensity = 0.5; start = 1; }
);
events = (
  { name = "tariff on the targets"; start = 2; exporters = ["TGT"]; importers = ["WEST"]; tariff = 0.35; },
  { name = "discount to the rest"; start = 3; exporters = ["TGT"]; importers = ["!WEST"];
    sectors = ["s02"]; export_tax = -0.15; }
);
output = { flows = "full"; };
""" % T
    with open(os.path.join(d, "bench.cfg"), "w") as f:
        f.write(cfg)


if __name__ == "__main__":
    main()
