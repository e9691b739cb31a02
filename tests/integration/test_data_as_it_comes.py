#!/usr/bin/python3
"""test_data_as_it_comes.py - DESIGN section 10's "data as it comes" on the
eu2000 gravity sample of ge_gravity (../shared/data/gravity/eu2000.csv,
columns exporter,importer,value,eu_effect):

  - the old route (a 3-column CSV stripped by a few lines of Python, as the
    conversion script did, and the EU event on the NEW x (NEW u OLD) pairs)
    is the reference;
  - eu2000.csv read as it is (the eu_effect column ignored) gives the same
    welfare bits;
  - the file event { file = "eu2000.csv"; column = "eu_effect"; } instead of
    the groups' event gives the same welfare (to 1e-12);
  - coefficient = 2 on that column equals partial_effect = 2 x 0.224249005317688
    on the groups' event (1e-12);
  - data.trade as { file; columns; filter; } on a panel with other headers,
    a year column and rows of another year gives the same bits;
  - bad settings fail with exit 2 and FILE:LINE.
Skips (77) without ../shared.
"""
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep_util as U  # noqa: E402

PE = "0.224249005317688"
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print("FAIL", msg)


def main():
    U.need_binary()
    src = os.path.abspath(os.path.join(U.SHARED, "data", "gravity", "eu2000.csv"))
    if not os.path.exists(src):
        print("SKIP: %s absent" % src)
        return 77
    import h5py
    scen = os.path.join(U.SRC, "configs", "sweeps", "eu2000_bootstrap.cfg")
    with open(scen) as f:
        text = f.read()
    base = text[:text.index("sweep = {")]
    with U.tempdir() as d:
        with open(src, newline="") as f:
            rows = list(csv.DictReader(f))
        # the old route: the stripped file the conversion script wrote
        stripped = os.path.join(d, "eu2000_trade.csv")
        with open(stripped, "w") as f:
            f.write("exporter,importer,value\n")
            for r in rows:
                f.write("%s,%s,%s\n" % (r["exporter"], r["importer"], r["value"]))
        # a panel with its own headers, a year column and another year's rows
        panel = os.path.join(d, "panel.csv")
        with open(panel, "w") as f:
            f.write("year,iso_o,iso_d,flow,note\n")
            for y in (1995, 2000):
                for r in rows:
                    v = r["value"] if y == 2000 else "1e9"
                    f.write('%d,%s,%s,%s,"a, b"\n' % (y, r["exporter"], r["importer"], v))

        def welfare(name, cfg_text, *sets):
            cfg = os.path.join(d, name + ".cfg")
            with open(cfg, "w") as f:
                f.write(cfg_text)
            out = os.path.join(d, name + ".h5")
            p = U.run(["run", cfg, "-o", out, "-q", "--force"] + [a for s in sets for a in ("--set", s)])
            check(p.returncode == 0, "%s: exit %d: %s" % (name, p.returncode, p.stderr))
            if p.returncode != 0:
                return None
            with h5py.File(out, "r") as f:
                return f["welfare"][()]

        ref = welfare("old", base, 'data.trade="%s"' % stripped)
        as_is = welfare("as_is", base, 'data.trade="%s"' % src)
        check(ref is not None and as_is is not None and np.array_equal(ref, as_is),
              "eu2000.csv as it is: welfare differs from the stripped file's")
        mapped = welfare("mapped", base.replace(
            'data = { trade = "../../../shared/data/gravity/eu2000.csv";',
            'data = { trade = { file = "%s"; columns = { exporter = "iso_o"; importer = "iso_d"; value = "flow"; }; '
            'filter = { year = 2000; }; };' % panel))
        check(ref is not None and mapped is not None and np.array_equal(ref, mapped),
              "mapped and filtered panel: welfare differs")

        ev_old = base[base.index("events = ("):base.index("output = {")]
        file_event = ('events = (\n  { name = "EU enlargement"; start = 1; file = "%s"; column = "eu_effect"; }\n);\n'
                      % src)
        by_file = welfare("by_file", base.replace(ev_old, file_event), 'data.trade="%s"' % src)
        if ref is not None and by_file is not None:
            dev = np.max(np.abs(by_file / ref - 1))
            check(dev <= 1e-12, "file event with column: welfare off by %.3g" % dev)
            print("file event (column = eu_effect) vs the groups' event: max relative difference %.3g%s"
                  % (dev, " (bit-identical)" if np.array_equal(by_file, ref) else ""))
        double = welfare("double", base.replace(ev_old, file_event.replace('column = "eu_effect";',
                                                                           'column = "eu_effect"; coefficient = 2;')),
                         'data.trade="%s"' % src)
        ref2 = welfare("old2", base, 'data.trade="%s"' % stripped,
                       "events.[0].partial_effect=%.17g" % (2 * float(PE)))
        if ref2 is not None and double is not None:
            dev = np.max(np.abs(double / ref2 - 1))
            check(dev <= 1e-12, "coefficient = 2: welfare off by %.3g" % dev)
            check(np.max(np.abs(double - ref)) > 1e-6, "coefficient = 2 changes nothing")

        # bad settings: exit 2, FILE:LINE
        def expect(name, cfg_text, pattern, *sets):
            cfg = os.path.join(d, name + ".cfg")
            with open(cfg, "w") as f:
                f.write(cfg_text)
            p = U.run(["run", cfg, "-o", os.path.join(d, name + ".h5"), "-q", "--force"] +
                      [a for s in sets for a in ("--set", s)])
            check(p.returncode == 2 and pattern in p.stderr,
                  "%s: exit %d, want 2 and %r in: %s" % (name, p.returncode, pattern, p.stderr.strip()))
        expect("no_column", base.replace(ev_old, file_event.replace("eu_effect", "delta")),
               "eu2000.csv:1: missing column 'delta' in header 'exporter,importer,value,eu_effect'",
               'data.trade="%s"' % src)
        expect("column_without_file", base.replace("symmetric = true;", 'symmetric = true; column = "x";'),
               "column: only with file", 'data.trade="%s"' % src)
        expect("bad_mapping", base.replace(
            'data = { trade = "../../../shared/data/gravity/eu2000.csv";',
            'data = { trade = { file = "%s"; columns = { partner = "importer"; }; };' % src),
            "columns.partner: not a column this block uses")
        expect("filter_missing", base.replace(
            'data = { trade = "../../../shared/data/gravity/eu2000.csv";',
            'data = { trade = { file = "%s"; filter = { year = 2000; }; };' % src),
            "eu2000.csv:1: filter column 'year' not in the header")
    print("%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
