#!/usr/bin/python3
"""compare_builds.py [--results-only] A.h5 B.h5 - are two results the same, bit for bit?

Compares every dataset of the two HDF5 files (a run's output or a sweep
file): same set of dataset paths, same shape and dtype, and exactly equal
values (numpy.array_equal with equal_nan, so NaN positions must match too;
string datasets compare as bytes).  Attributes are ignored: provenance
attributes such as `created`, the command line and the software revision
differ between builds by design.  Exit 0 when every dataset matches; exit 1
listing each differing dataset on stdout (with the largest absolute
difference for numeric ones); exit 2 on bad usage.

--results-only leaves out the provenance group (the config text and the
data files' hashes), to compare two different configs that should give the
same numbers (the old Russia-Iran scenario and variants/armington.cfg).

Used to show that a refactoring changes no result (issue 8): build the old
and the new code, run the same scenario with both, compare.
"""
import sys

import h5py
import numpy as np


def datasets(f):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = obj

    f.visititems(visit)
    return out


def same(a, b):
    """(equal, note) for two numpy arrays."""
    if a.shape != b.shape:
        return False, f"shape {a.shape} vs {b.shape}"
    if a.dtype != b.dtype:
        return False, f"dtype {a.dtype} vs {b.dtype}"
    if a.dtype.kind in "fc":
        if np.array_equal(a, b, equal_nan=True):
            # +0.0 and -0.0 compare equal: demand the same bits as well
            if a.dtype.kind == "f" and not np.array_equal(np.signbit(a), np.signbit(b)):
                return False, "signs of zeros differ"
            return True, ""
        fin = np.isfinite(a) & np.isfinite(b)
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        note = []
        if not np.array_equal(nan_a, nan_b):
            note.append(f"NaN positions differ ({int(nan_a.sum())} vs {int(nan_b.sum())})")
        if fin.any():
            d = np.abs(a[fin] - b[fin])
            if d.size and d.max() > 0:
                note.append(f"max |diff| {d.max():.3g} at {int((d > 0).sum())} of {d.size} finite values")
        inf_diff = (np.isinf(a) | np.isinf(b)) & ~(a == b)
        if inf_diff.any():
            note.append(f"{int(inf_diff.sum())} infinities differ")
        return False, "; ".join(note) or "values differ"
    if a.dtype.kind in "iub":
        if np.array_equal(a, b):
            return True, ""
        return False, f"{int((a != b).sum())} of {a.size} values differ"
    # strings, compound and anything else: compare the raw values
    if a.tolist() == b.tolist():
        return True, ""
    return False, "values differ"


def main(argv):
    results_only = len(argv) > 1 and argv[1] == "--results-only"
    if results_only:
        argv = argv[:1] + argv[2:]
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    with h5py.File(argv[1], "r") as fa, h5py.File(argv[2], "r") as fb:
        da, db = datasets(fa), datasets(fb)
        if results_only:
            da = {k: v for k, v in da.items() if not k.startswith("provenance/")}
            db = {k: v for k, v in db.items() if not k.startswith("provenance/")}
        bad = []
        for name in sorted(set(da) - set(db)):
            bad.append(f"{name}: only in {argv[1]}")
        for name in sorted(set(db) - set(da)):
            bad.append(f"{name}: only in {argv[2]}")
        for name in sorted(set(da) & set(db)):
            ok, note = same(da[name][()] if da[name].shape != () else np.array(da[name][()]),
                            db[name][()] if db[name].shape != () else np.array(db[name][()]))
            if not ok:
                bad.append(f"{name}: {note}")
        n = len(set(da) | set(db))
    if bad:
        print(f"{len(bad)} of {n} datasets differ:")
        for line in bad:
            print("  " + line)
        return 1
    print(f"all {n} datasets identical")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
