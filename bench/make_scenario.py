#!/usr/bin/python3
"""Write a synthetic benchmark scenario: N countries x K sectors, random
positive flows with dominant domestic sales, a shock on a random 20% of the
cross-border cells, partial adjustment.

usage: make_scenario.py DIR N K PERIODS [--agents]
  --agents adds 5 payment systems, 30 banks per country, 10 hubs and 5
  sanctions (the agent-layer benchmark)."""
import os
import sys

import numpy as np


def main():
    d, n, k, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    agents = "--agents" in sys.argv
    os.makedirs(d, exist_ok=True)
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


if __name__ == "__main__":
    main()
