#!/usr/bin/python3
"""The look-ahead judges a candidate with its own revenue wedges (DESIGN 2b,
3b): a decided export-tax discount, a decided tariff event and a decided
trade measure with a tariff.  Their gains at the first review (one
government, objective ln W, no partner) must equal ln W of the owner in a
separate dated run with the same item from period 1 (full adjustment, no
governments), to 1e-9: that run goes through the pipeline (policy, the
sanctions module, gravity's wedges), not through the look-ahead.  On the
Armington core with revenue and on the io model (data/io_2021).  Before the
look-ahead built a policy set's wedges these gains were 0."""
import os
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError:
    sys.exit(77)

SANCSIM = os.environ["SANCSIM"]
SRC = os.environ["SANCSIM_SRC"]
DATA = os.path.join(SRC, "configs", "data")
fails = 0

HEADS = {
    "armington": """data = { trade = "%s/trade_2021.csv"; countries = "%s/countries.csv"; };
trade = { sigma = 6.0; adjustment = 1.0; sectors = ( { name = "energy"; sigma = 9.0; } ); };
""" % (DATA, DATA),
    "io": """data = { trade = "{d}/io_2021/trade.csv"; countries = "{d}/countries.csv";
  inputs = "{d}/io_2021/inputs.csv"; final = "{d}/io_2021/final.csv";
  value_added = "{d}/io_2021/value_added.csv"; deficits = "{d}/io_2021/deficits.csv"; };
trade = { model = "io"; factors = "mobile"; baseline_deficits = "data"; imbalance = "additive";
  deficits = "fixed"; sigma = 6.0; adjustment = 1.0; sectors = ( { name = "energy"; sigma = 9.0; } ); };
""".replace("{d}", DATA),
}

# (kind, name, the item's settings); events first, then sanctions: the
# order of the `action` axis
ITEMS = [
    ("event", "discount", 'exporters = ["RUS"]; importers = ["IND"]; sectors = ["energy"]; export_tax = -0.2;'),
    ("event", "tariff", 'exporters = ["CHN"]; importers = ["IND"]; tariff = 0.1;'),
    ("sanction", "IND tariff on CHN",
     'type = "trade"; senders = ["IND"]; targets = ["CHN"]; direction = "import"; sectors = ["other"];'
     ' tariff = 0.15;'),
]


def check(name, ok, detail=""):
    global fails
    if not ok:
        fails += 1
        print("FAIL %s %s" % (name, detail))


def scenario(name, head, items, decided):
    start = 'start = "decided"; owner = "IND"; lag = 1;' if decided else "start = 1;"
    ev = [i for i in items if i[0] == "event"]
    sa = [i for i in items if i[0] == "sanction"]
    text = 'scenario = { name = "%s"; start = "2021-12"; step = "month"; periods = 2; };\n' % name + head
    if decided:
        text += 'governments = { review = 1; first = 1; countries = ( { country = "IND"; objective = { welfare = 1.0; }; } ); };\n'
    if ev:
        text += "events = (\n%s\n);\n" % ",\n".join('{ name = "%s"; %s %s }' % (n, start, s) for _, n, s in ev)
    if sa:
        text += "sanctions = (\n%s\n);\n" % ",\n".join('{ name = "%s"; %s %s }' % (n, s, start) for _, n, s in sa)
    return text


def run(tmp, name, text):
    cfg, out = os.path.join(tmp, name + ".cfg"), os.path.join(tmp, name + ".h5")
    with open(cfg, "w") as fh:
        fh.write(text)
    rc = subprocess.run([SANCSIM, "run", cfg, "-q", "-o", out], capture_output=True, text=True)
    if rc.returncode != 0:
        print("FAIL run %s: %s" % (name, rc.stderr.strip()))
        sys.exit(1)
    return out


with tempfile.TemporaryDirectory() as tmp:
    for model, head in HEADS.items():
        gov = run(tmp, model + "_gov", scenario("gov", head, ITEMS, True))
        with h5py.File(gov, "r") as f:
            acts = [x.decode() if isinstance(x, bytes) else str(x) for x in f["action"][()]]
            gain = f["action_gain"][1]
            ind = [x.decode() for x in f["country"][()]].index("IND")
        check(model + " actions", acts == [n for _, n, _ in ITEMS], str(acts))
        for k, item in enumerate(ITEMS):
            dated = run(tmp, "%s_%d" % (model, k), scenario("dated", head, [item], False))
            with h5py.File(dated, "r") as f:
                want = np.log(f["welfare"][1, ind])
            check("%s %s: gain = ln W of the dated run" % (model, item[1]),
                  abs(gain[k] - want) <= 1e-9 and abs(want) > 1e-6,
                  "gain %.12g, dated %.12g" % (gain[k], want))

sys.exit(1 if fails else 0)
