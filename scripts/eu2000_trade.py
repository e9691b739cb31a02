#!/usr/bin/python3
"""eu2000_trade.py - derive sancsim's trade CSV from the eu2000 gravity sample.

Usage: /usr/bin/python3 scripts/eu2000_trade.py [SOURCE] [-o OUT]

SOURCE defaults to ../shared/data/gravity/eu2000.csv (beside the repository);
OUT to results/data/eu2000_trade.csv, the path configs/sweeps/eu2000_bootstrap.cfg
reads.  The source has columns exporter,importer,value,eu_effect; sancsim's
loader takes exporter,importer,value, so the eu_effect column is dropped (the
scenario expresses it as one event on the NEW x (NEW u OLD) pairs, symmetric).
The public data are never copied into the repository: OUT lives under results/.
Exit 77 when SOURCE is absent (so tests can skip).
"""
import argparse
import csv
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", nargs="?",
                    default=os.path.join(ROOT, "..", "shared", "data", "gravity", "eu2000.csv"))
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "results", "data", "eu2000_trade.csv"))
    a = ap.parse_args(argv)
    if not os.path.exists(a.source):
        print("eu2000_trade.py: %s not found" % a.source, file=sys.stderr)
        return 77
    with open(a.source, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"exporter", "importer", "value"} <= set(rows[0]):
        print("eu2000_trade.py: %s: expected columns exporter,importer,value" % a.source, file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    tmp = a.output + ".tmp"
    with open(tmp, "w", newline="") as f:
        f.write("exporter,importer,value\n")
        for r in rows:
            f.write("%s,%s,%s\n" % (r["exporter"], r["importer"], r["value"]))
    os.replace(tmp, a.output)
    print(a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
