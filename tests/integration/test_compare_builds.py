#!/usr/bin/python3
"""tests/compare_builds.py tells equal results from different ones.

Two runs of the same scenario by the same build must compare identical
(exit 0, attributes such as `created` aside); a run with one setting changed
must not (exit 1, naming the datasets that differ).
"""
import os
import subprocess
import sys
import tempfile

SANCSIM = os.environ.get("SANCSIM")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if not SANCSIM:
    print("SANCSIM not set", file=sys.stderr)
    sys.exit(77)
try:
    import h5py  # noqa: F401
except ImportError:
    sys.exit(77)

cfg = os.path.join(SRC, "configs", "baseline_2021.cfg")
script = os.path.join(SRC, "tests", "compare_builds.py")
with tempfile.TemporaryDirectory() as d:
    a, b, c = (os.path.join(d, n) for n in ("a.h5", "b.h5", "c.h5"))
    for out, extra in ((a, []), (b, []), (c, ["--set", "trade.sectors.[0].sigma=10.0"])):
        subprocess.run([SANCSIM, "run", cfg, "-q", "-o", out] + extra, check=True)
    same = subprocess.run([sys.executable, script, a, b], capture_output=True, text=True)
    assert same.returncode == 0, same.stdout + same.stderr
    diff = subprocess.run([sys.executable, script, a, c], capture_output=True, text=True)
    assert diff.returncode == 1, diff.stdout + diff.stderr
    assert "welfare" in diff.stdout and "provenance/config" in diff.stdout, diff.stdout
    usage = subprocess.run([sys.executable, script, a], capture_output=True, text=True)
    assert usage.returncode == 2
print("compare_builds: identical runs match, a changed setting is found")
