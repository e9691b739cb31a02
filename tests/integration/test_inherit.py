#!/usr/bin/python3
"""test_inherit.py - scenario inheritance and name paths (DESIGN section 10).

A chain base/base.cfg <- mid.cfg <- sub/child.cfg, checked through
`sancsim check` (the resolved configuration) and a run:
- order: base, this file's blocks (groups merge key by key, lists and
  arrays replaced whole), append, remove, set, then --set (a set on what
  append added works; append then remove of one name leaves nothing; --set
  on a removed element is an error; --set wins over set);
- the base's data path stays relative to the base (the run works from any
  working directory and the resolved config says ../base/tiny_trade.csv);
- the directives are consumed (no base/append/remove/set in the resolved
  config or in /provenance/config);
- errors, all exit 2 with FILE:LINE of the file that holds the setting: a
  cycle of bases names the files, a missing base, a remove of a missing
  name, an ambiguous name in set, a bad value in a base and in a set entry,
  --set with a missing or ambiguous name;
- the Russia-Iran variants are short files with `base` and no @include,
  and the sweeps address sanctions by name, not index.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py

SANCSIM = os.environ.get("SANCSIM", "")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)))
    if not ok:
        failures.append(name)


def run(args, want=0, cwd=None):
    p = subprocess.run([SANCSIM] + args, capture_output=True, text=True, cwd=cwd)
    if want is not None and p.returncode != want:
        raise AssertionError("sancsim %s: exit %d, want %d\n%s%s" % (" ".join(args), p.returncode, want,
                                                                    p.stdout, p.stderr))
    return p


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


BASE = """scenario = { name = "base"; start = "2022-01"; step = "month"; periods = 6; seed = 1; };
data = { trade = "tiny_trade.csv"; units = "USD million"; };
groups = { NORTH = ["AAA", "BBB"]; SOUTH = ["CCC"]; };
trade = { sigma = 5.0; adjustment = 0.5;
          sectors = ( { name = "energy"; sigma = 8.0; adjustment = 0.25; } ); };
events = ( { name = "embargo"; start = "2022-03"; exporters = ["CCC"]; importers = ["NORTH"];
             sectors = ["energy"]; factor = 2.0; },
           { name = "tariff"; start = "2022-04"; exporters = ["AAA"]; importers = ["CCC"]; factor = 1.5; } );
output = { file = "base.h5"; };
"""

MID = """# mid.cfg: adjusts the base
base = "base/base.cfg";
trade = { adjustment = 0.3; };
groups = { SOUTH = ["CCC", "BBB"]; };
"""

CHILD = """# child.cfg
base = "../mid.cfg";
scenario = { name = "child"; };
append = { events = ( { name = "extra"; start = "2022-05"; exporters = ["BBB"]; importers = ["CCC"];
                        factor = 1.2; },
                      { name = "gone"; start = "2022-05"; exporters = ["AAA"]; importers = ["BBB"];
                        factor = 1.1; } ); };
remove = ["events.[name=\\"tariff\\"]", "events.[name=\\"gone\\"]"];
set = ["trade.sigma=6.0", "events.[name=\\"extra\\"].factor=1.7"];
"""


def value(text, block, key):
    """The value of `key = ...;` inside top-level `block = { ... };` of check's output."""
    m = re.search(r"^%s = \{(.*?)^\};" % re.escape(block), text, re.S | re.M)
    if not m:
        return None
    v = re.search(r"^\s*%s = (.*?);$" % re.escape(key), m.group(1), re.M)
    return v.group(1) if v else None


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="sancsim_inherit.")
    os.makedirs(os.path.join(tmp, "base"))
    shutil.copy(os.path.join(SRC, "tests/data/tiny_trade.csv"), os.path.join(tmp, "base"))
    write(os.path.join(tmp, "base/base.cfg"), BASE)
    write(os.path.join(tmp, "mid.cfg"), MID)
    child = write(os.path.join(tmp, "sub/child.cfg"), CHILD)

    out = run(["check", child, "-q"]).stdout
    check("scenario block merged key by key", value(out, "scenario", "name") == '"child"' and
          value(out, "scenario", "periods") == "6", out[:300])
    check("trade: adjustment from mid, sigma from set, sectors kept",
          value(out, "trade", "adjustment") == "0.29999999999999999" and value(out, "trade", "sigma") == "6.0"
          and '"energy"' in out, out)
    check("groups: SOUTH replaced whole, NORTH kept",
          value(out, "groups", "SOUTH") == '[ "CCC", "BBB" ]' and value(out, "groups", "NORTH") == '[ "AAA", "BBB" ]',
          out)
    names = re.findall(r'name = "([^"]+)"', out.split("events = (")[1].split("\n);")[0])
    check("events: tariff removed, extra appended, gone appended then removed", names == ["embargo", "extra"], names)
    check("set after append: extra's factor 1.7", "factor = 1.7" in out, out)
    check("base's data path relative to the base", value(out, "data", "trade") == '"../base/tiny_trade.csv"', out)
    check("directives consumed", not re.search(r"^(base|append|remove|set) = ", out, re.M), out)

    out2 = run(["check", child, "-q", "--set", "trade.sigma=7.0"]).stdout
    check("--set after set", value(out2, "trade", "sigma") == "7.0", value(out2, "trade", "sigma"))
    out3 = run(["check", child, "-q", "--set", 'events.[name="extra"].start=2022-04']).stdout
    check("--set by name", 'start = "2022-04"' in out3.split('name = "extra"')[1][:200], out3)
    p = run(["check", child, "-q", "--set", 'events.[name="tariff"].factor=2.0'], want=2)
    check("--set on a removed element: exit 2 (remove comes first)",
          'no element of events has name = "tariff"' in p.stderr and '"embargo", "extra"' in p.stderr, p.stderr)

    # a run from another working directory; the provenance holds the resolved config
    h5 = os.path.join(tmp, "child.h5")
    run(["run", os.path.relpath(child, "/"), "-o", h5, "-q"], cwd="/")
    with h5py.File(h5, "r") as f:
        conf = f["provenance/config"][()]
        conf = conf.decode() if isinstance(conf, bytes) else str(conf)
    check("provenance: resolved config", 'name = "child"' in conf and '"extra"' in conf and '"tariff"' not in conf
          and "base =" not in conf, conf[:300])

    # ---- errors with FILE:LINE -----------------------------------------
    a = write(os.path.join(tmp, "cyc/a.cfg"), '# a\nbase = "b.cfg";\n')
    write(os.path.join(tmp, "cyc/b.cfg"), '\n\nbase = "a.cfg";\n')
    p = run(["check", a], want=2)
    check("cycle: exit 2 naming the files and the line",
          "cycle" in p.stderr and "a.cfg" in p.stderr and "b.cfg" in p.stderr and "b.cfg:3:" in p.stderr, p.stderr)
    s = write(os.path.join(tmp, "cyc/self.cfg"), 'base = "self.cfg";\n')
    p = run(["check", s], want=2)
    check("a file that is its own base: exit 2", "cycle" in p.stderr, p.stderr)
    m = write(os.path.join(tmp, "sub/missing.cfg"), '\nbase = "nope.cfg";\n')
    p = run(["check", m], want=2)
    check("missing base: exit 2 with FILE:LINE", "missing.cfg:2:" in p.stderr and "nope.cfg" in p.stderr, p.stderr)

    r = write(os.path.join(tmp, "sub/rm.cfg"), 'base = "../mid.cfg";\n\nremove = ["events.[name=\\"nope\\"]"];\n')
    p = run(["check", r], want=2)
    check("remove of a missing name: exit 2 with FILE:LINE",
          re.search(r"rm\.cfg:3: .*no element of events has name = \"nope\"", p.stderr) is not None, p.stderr)

    dup = write(os.path.join(tmp, "dup.cfg"), BASE.replace('"tariff"', '"embargo"') +
                'set = [\n  "trade.sigma=6.0",\n  "events.[name=\\"embargo\\"].factor=3.0"\n];\n')
    p = run(["check", dup], want=2)
    check("ambiguous name in set: exit 2 with FILE:LINE of the entry",
          re.search(r"dup\.cfg:13: set events.*ambiguous name: 2 elements of events", p.stderr) is not None, p.stderr)
    p = run(["check", os.path.join(tmp, "base/base.cfg"), "--set", 'events.[name="nope"].factor=1'], want=2)
    check("--set with a missing name: exit 2", p.stderr.startswith('sancsim: --set events.[name="nope"].factor=1: ')
          and "no element of events" in p.stderr, p.stderr)

    bad_mid = write(os.path.join(tmp, "badmid.cfg"), 'base = "base/base.cfg";\n\ntrade = { adjustment = 1.5; };\n')
    p = run(["check", bad_mid], want=2)
    check("a bad value merged from a file names that file and line",
          "badmid.cfg:3: trade.adjustment" in p.stderr, p.stderr)
    bad_set = write(os.path.join(tmp, "sub/badset.cfg"), 'base = "../mid.cfg";\nset = [\n "trade.sigma=0.5"];\n')
    p = run(["check", bad_set], want=2)
    check("a bad value from a set entry names its FILE:LINE", "badset.cfg:3: trade.sigma: must be > 1" in p.stderr,
          p.stderr)
    bad_base = write(os.path.join(tmp, "base/bad_base.cfg"), BASE.replace('importers = ["NORTH"]', 'importers = ["XX"]'))
    kid = write(os.path.join(tmp, "kid.cfg"), 'base = "base/bad_base.cfg";\nscenario = { name = "kid"; };\n')
    p = run(["check", kid], want=2)
    check("an error in the base names the base's file and line", "bad_base.cfg:6: events.[0].importers" in p.stderr,
          p.stderr)
    syn = write(os.path.join(tmp, "base/syntax.cfg"), "a = 1;\nb = ;\n")
    kid2 = write(os.path.join(tmp, "kid2.cfg"), 'base = "base/syntax.cfg";\n')
    p = run(["check", kid2], want=2)
    check("a syntax error in the base names the base", "syntax.cfg:2: syntax error" in p.stderr, p.stderr)
    tb = write(os.path.join(tmp, "typebase.cfg"), "base = 3;\n")
    p = run(["check", tb], want=2)
    check("base must be a string", "typebase.cfg:1: base" in p.stderr, p.stderr)

    # ---- the repository's scenarios ------------------------------------
    # A variant states only what differs: it names the base's elements in
    # paths (set, remove) but never restates one (`name = "X";` of an element
    # the base has), and it is short beside what it inherits (a tenth of the
    # resolved scenario, counting code lines only).
    base_out = run(["check", os.path.join(SRC, "configs/russia_iran_2022.cfg"), "-q"]).stdout
    base_names = set(re.findall(r'^\s*name = "([^"]+)";', base_out, re.M))
    for v in sorted(glob.glob(os.path.join(SRC, "configs/variants/*.cfg"))):
        text = open(v).read()
        code = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        resolved = run(["check", v, "-q"]).stdout
        restated = sorted(set(re.findall(r'\bname = "([^"]+)";', "\n".join(code))) & base_names)
        # the base, or a variant of it (urals_export_tax.cfg: armington.cfg's)
        m = re.search(r'^base = "([^"]+)";', text, re.M)
        direct = m is not None and m.group(1) == "../russia_iran_2022.cfg"
        chained = m is not None and "/" not in m.group(1) and \
            'base = "../russia_iran_2022.cfg";' in open(os.path.join(os.path.dirname(v), m.group(1))).read()
        check("variant %s: base + overrides, no @include, short" % os.path.basename(v),
              (direct or chained) and "@include" not in text and
              len(code) <= len(resolved.splitlines()) // 10, (len(code), len(resolved.splitlines())))
        check("variant %s: restates no element of the base" % os.path.basename(v), not restated, restated)
    for sw in sorted(glob.glob(os.path.join(SRC, "configs/sweeps/*.cfg"))):
        text = open(sw).read()
        check("sweep %s: lists addressed by name" % os.path.basename(sw),
              re.search(r'path = "[^"]*\.\[\d+\]', text) is None)

    shutil.rmtree(tmp)
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("all inheritance checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
