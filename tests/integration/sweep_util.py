"""sweep_util.py - helpers shared by the sweep integration tests (not a test).

Environment as for every integration test: SANCSIM (the binary), SANCSIM_SRC,
SANCSIM_SHARED, SANCSIM_BUILD.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

SANCSIM = os.environ.get("SANCSIM", "")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SHARED = os.environ.get("SANCSIM_SHARED", os.path.join(SRC, "..", "shared"))
BUILD = os.environ.get("SANCSIM_BUILD", "")

TINY_BASE = """
scenario = {{ name = "tiny"; start = "2022-01"; step = "month"; periods = {periods}; seed = {seed}; }};
data = {{ trade = "{src}/tests/data/tiny_trade.csv"; units = "USD million"; }};
groups = {{ NORTH = ["AAA", "BBB"]; }};
trade = {{ sigma = 5.0; adjustment = 0.5; noise = {{ sd = 0.0; rho = 0.0; }};
          sectors = ( {{ name = "energy"; sigma = 8.0; adjustment = 0.25; }} ); }};
events = ( {{ name = "embargo"; start = "2022-03"; exporters = ["CCC"]; importers = ["NORTH"];
             sectors = ["energy"]; factor = 2.0; }} );
"""


def need_binary():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set or not executable", file=sys.stderr)
        sys.exit(2)


def tiny_cfg(folder, sweep_block, name="s.cfg", periods=6, seed=1):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(TINY_BASE.format(periods=periods, seed=seed, src=SRC))
        f.write(sweep_block)
        f.write("\n")
    return path


def run(args, check=None, env=None, **kw):
    """Run sancsim with args; return the CompletedProcess (text)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([SANCSIM] + list(args), capture_output=True, text=True, env=e, **kw)
    if check is not None and p.returncode != check:
        raise AssertionError("sancsim %s: exit %d, want %d\nstdout: %s\nstderr: %s"
                             % (" ".join(args), p.returncode, check, p.stdout, p.stderr))
    return p


def mix32(x):
    """DESIGN section 6: upper 32 bits of the splitmix64 finaliser of x + golden."""
    m = (1 << 64) - 1
    z = (x + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    z ^= z >> 31
    return z >> 32


def datasets(path):
    """{name: numpy array} of every dataset in the file (groups recursed)."""
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = np.asarray(obj[()])
        f.visititems(visit)
    return out


def same_data(a, b):
    """List of differences between the datasets of two files (bit-exact;
    NaN equals NaN; provenance attributes are not compared)."""
    da, db = datasets(a), datasets(b)
    diffs = []
    for k in sorted(set(da) | set(db)):
        if k not in da or k not in db:
            diffs.append("%s only in %s" % (k, a if k in da else b))
            continue
        x, y = da[k], db[k]
        if x.shape != y.shape or x.dtype != y.dtype:
            diffs.append("%s: %s %s vs %s %s" % (k, x.shape, x.dtype, y.shape, y.dtype))
        elif x.dtype.kind == "f":
            if not np.array_equal(x.view(np.uint64 if x.itemsize == 8 else np.uint32),
                                  y.view(np.uint64 if y.itemsize == 8 else np.uint32)):
                diffs.append("%s: values differ" % k)
        elif not np.array_equal(x, y):
            diffs.append("%s: values differ" % k)
    return diffs


def tempdir():
    return tempfile.TemporaryDirectory(prefix="sancsim_sweep_")
