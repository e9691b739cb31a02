#!/usr/bin/python3
"""test_nan_scan.py - no NaN or Inf ever reaches an output file.

Runs every scenario shipped in configs/ (configs/*.cfg, configs/variants/*.cfg)
and the test scenarios in tests/data/, and for each result:
- check_h5.check(): the file is a valid, complete sancsim result (that scan
  covers the float variables at the root);
- an independent walk over EVERY dataset in the file (root, /provenance,
  dimension scales, any group), every numeric dtype including compound
  members, and every numeric attribute: no NaN, no +/-Inf.
A scenario that fails to run is a failure (these are the shipped examples).
Exit 77 when h5py is missing.
"""
import glob
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import numpy as np
    import h5py
except ImportError:
    print("SKIP: numpy/h5py not available")
    sys.exit(77)

import check_h5  # noqa: E402


def nonfinite_in(arr):
    """Number of non-finite values in a numpy array of any numeric dtype."""
    a = np.asarray(arr)
    if a.dtype.names:  # compound: every member
        return sum(nonfinite_in(a[n]) for n in a.dtype.names)
    if a.dtype.kind in "fc":
        return int(np.size(a) - np.count_nonzero(np.isfinite(a)))
    return 0


def scan_file(path):
    """Problems: every dataset and numeric attribute with NaN/Inf."""
    problems = []
    nvars = [0]

    def scan_attrs(name, obj):
        for k, v in obj.attrs.items():
            try:
                bad = nonfinite_in(v) if isinstance(v, (np.ndarray, np.generic, float)) else 0
            except TypeError:
                bad = 0
            if bad:
                problems.append("%s attribute %s: %d non-finite value(s)" % (name or "/", k, bad))

    def visit(name, obj):
        scan_attrs(name, obj)
        if isinstance(obj, h5py.Dataset):
            nvars[0] += 1
            if obj.dtype.kind in "fc" or obj.dtype.names:
                bad = nonfinite_in(obj[()])
                if bad:
                    problems.append("%s: %d non-finite value(s) of %d" % (name, bad, obj.size))

    with h5py.File(path, "r") as f:
        scan_attrs("/", f)
        f.visititems(visit)
    if nvars[0] == 0:
        problems.append("no datasets at all")
    return problems, nvars[0]


def main():
    sancsim = os.environ.get("SANCSIM")
    src = os.environ.get("SANCSIM_SRC")
    if not sancsim or not src:
        print("SANCSIM and SANCSIM_SRC must be set")
        return 2
    configs = sorted(glob.glob(os.path.join(src, "configs", "*.cfg")))
    configs += sorted(glob.glob(os.path.join(src, "configs", "variants", "*.cfg")))
    configs += sorted(glob.glob(os.path.join(src, "tests", "data", "*.cfg")))
    if not configs:
        print("SKIP: no configs")
        return 77
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cfg in configs:
            rel = os.path.relpath(cfg, src)
            out = os.path.join(tmp, rel.replace("/", "_") + ".h5")
            p = subprocess.run([sancsim, "run", cfg, "-o", out, "-q"], capture_output=True, text=True)
            if p.returncode != 0:
                print("FAIL %s: exit %d: %s" % (rel, p.returncode, p.stderr.strip()))
                failures += 1
                continue
            errs = check_h5.check(out)
            probs, n = scan_file(out)
            for e in errs + probs:
                print("FAIL %s: %s" % (rel, e))
            failures += bool(errs or probs)
            if not errs and not probs:
                print("ok %s (%d datasets scanned)" % (rel, n))
    if failures:
        print("test_nan_scan: %d scenario(s) failed" % failures)
        return 1
    print("test_nan_scan: ok (%d scenarios)" % len(configs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
