#!/usr/bin/python3
"""Governments that choose (DESIGN section 3b) end to end, through the CLI
and the file a user reads:
- configs/variants/governments.cfg runs (in under 10 s), writes the action
  outputs and the decision table (variable-length strings that netCDF-C
  reads), and every decided action starts exactly lag periods after the
  decision the table records; an action the table does not list is never
  active;
- the decisions are reproducible (same config, same bits);
- leverage(RUS, IRN) at period 0 equals -ln W_IRN of a separate one-period
  run with a dated bilateral embargo (factor 0 both ways, lambda = 1, no
  governments), to 1e-8, and likewise for (IRN, RUS);
- `sancsim check` refuses a decided action whose owner is no government
  (exit 2, naming file:line and the setting)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import h5py
    import numpy as np
except ImportError:
    sys.exit(77)

SANCSIM = os.environ["SANCSIM"]
SRC = os.environ["SANCSIM_SRC"]
VARIANT = os.path.join(SRC, "configs", "variants", "governments.cfg")
fails = 0


def check(name, ok, detail=""):
    global fails
    if not ok:
        fails += 1
        print("FAIL %s %s" % (name, detail))


def strings(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def lags(cfg_path):
    """name -> lag of each decided item, read from the resolved config (the
    variant turns its base's rows into actions with `set`)."""
    text = subprocess.run([SANCSIM, "check", cfg_path, "-q"], check=True, capture_output=True, text=True).stdout
    out = {}
    for m in re.finditer(r'\{[^{}]*?name = "([^"]+)";[^{}]*?start = "decided";[^{}]*?\}', text, re.S):
        lag = re.search(r"lag = (\d+);", m.group(0))
        out[m.group(1)] = int(lag.group(1)) if lag else 1
    return out


with tempfile.TemporaryDirectory() as tmp:
    a, b = os.path.join(tmp, "a.h5"), os.path.join(tmp, "b.h5")
    t0 = time.monotonic()
    subprocess.run([SANCSIM, "run", VARIANT, "-q", "-o", a], check=True)
    elapsed = time.monotonic() - t0
    check("runtime", elapsed < 10.0, "%.1f s" % elapsed)
    subprocess.run([SANCSIM, "run", VARIANT, "-q", "-o", b], check=True)
    with h5py.File(a, "r") as f, h5py.File(b, "r") as g:
        for v in ("action_active", "action_gain", "action_partner_gain", "action_infeasible", "decision_period",
                  "decision_government", "decision_action", "decision_gain", "decision_kind", "leverage",
                  "leverage_balance", "leverage_feasible", "strategic_power_balance", "dependence_sector"):
            check("has " + v, v in f)
        for v in ("action_active", "action_gain", "decision_period", "welfare", "flows"):
            check("reproducible " + v, np.array_equal(f[v][()], g[v][()]))
        check("reproducible decision_action", strings(f["decision_action"]) == strings(g["decision_action"]))
        check("string type", h5py.check_string_dtype(f["decision_action"].dtype) is not None
              and h5py.check_string_dtype(f["decision_action"].dtype).length is None, "must be variable-length")
        acts = strings(f["action"])
        active = f["action_active"][()]
        lag = lags(VARIANT)
        check("every action is decided in the config", set(acts) == set(lag), "%s vs %s" % (acts, sorted(lag)))
        taken = {}
        for per, act, kind in zip(f["decision_period"][()], strings(f["decision_action"]),
                                  strings(f["decision_kind"])):
            check("decision kind", kind in ("taken", "dropped"), kind)
            if kind == "taken":
                taken[act] = int(per)
        check("some actions taken", len(taken) >= 3, str(taken))
        T = active.shape[0]
        for k, name in enumerate(acts):
            on = np.nonzero(active[:, k])[0]
            if name in taken:
                start = taken[name] + lag[name]
                if start < T:
                    check("starts after its lag: " + name, len(on) > 0 and on[0] == start,
                          "decided %d lag %d, first active %s" % (taken[name], lag[name], on[:1]))
            else:
                check("never active: " + name, len(on) == 0)
        # the decision table's gains are the owner's gains at that review
        gains = f["action_gain"][()]
        for per, act, gain in zip(f["decision_period"][()], strings(f["decision_action"]), f["decision_gain"][()]):
            check("gain recorded: " + act, abs(gains[per, acts.index(act)] - gain) < 1e-15)
        lev, feas = f["leverage"][()], f["leverage_feasible"][()]
        check("leverage finite", np.isfinite(lev).all())
        country = strings(f["country"])
        r, i = country.index("RUS"), country.index("IRN")
        check("leverage RUS-IRN computed", feas[0, r, i] == 1 and feas[0, i, r] == 1)
    rc = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tests/integration/check_h5.py"), a],
                        capture_output=True, text=True)
    check("check_h5 (h5py, xarray) on the governments run", rc.returncode == 0, rc.stdout + rc.stderr)
    if shutil.which("Rscript") and subprocess.run(
            ["Rscript", "-e", "suppressPackageStartupMessages(library(hdf5r))"], capture_output=True).returncode == 0:
        rc = subprocess.run(["Rscript", os.path.join(SRC, "tests/integration/check_h5.R"), a],
                            capture_output=True, text=True)
        check("check_h5.R on the governments run", rc.returncode == 0, rc.stdout + rc.stderr)
    if shutil.which("ncdump"):
        nd = subprocess.run(["ncdump", "-v", "decision_action", a], capture_output=True, text=True)
        check("ncdump reads the decision table", nd.returncode == 0 and "decision_action =" in nd.stdout,
              nd.stderr[-500:])

    # leverage = a separately run embargo
    head = """scenario = { name = "%s"; start = "2021-12"; step = "month"; periods = %d; };
data = { trade = "%s/configs/data/trade_2021.csv"; countries = "%s/configs/data/countries.csv"; };
trade = { sigma = 6.0; adjustment = 1.0; sectors = ( { name = "energy"; sigma = 9.0; } ); };
"""
    lcfg = os.path.join(tmp, "lev.cfg")
    with open(lcfg, "w") as fh:
        fh.write(head % ("lev", 1, SRC, SRC) +
                 'metrics = { leverage = { every = 1; pairs = ( ["RUS", "IRN"] ); }; };\n')
    ecfg = os.path.join(tmp, "emb.cfg")
    with open(ecfg, "w") as fh:
        fh.write(head % ("emb", 2, SRC, SRC) +
                 'events = ( { name = "embargo"; start = 1; exporters = ["RUS"]; importers = ["IRN"];'
                 ' symmetric = true; factor = 0.0; } );\n')
    lo, eo = os.path.join(tmp, "lev.h5"), os.path.join(tmp, "emb.h5")
    subprocess.run([SANCSIM, "run", lcfg, "-q", "-o", lo], check=True)
    subprocess.run([SANCSIM, "run", ecfg, "-q", "-o", eo], check=True)
    with h5py.File(lo, "r") as f, h5py.File(eo, "r") as g:
        country = strings(f["country"])
        r, i = country.index("RUS"), country.index("IRN")
        w = g["welfare"][1]
        check("embargo does something", w[i] < 1 - 1e-6)
        check("leverage(RUS, IRN) = -ln W_IRN(embargo)", abs(f["leverage"][0, r, i] + np.log(w[i])) < 1e-8,
              "%r vs %r" % (f["leverage"][0, r, i], -np.log(w[i])))
        check("leverage(IRN, RUS) = -ln W_RUS(embargo)", abs(f["leverage"][0, i, r] + np.log(w[r])) < 1e-8)
        check("balance", abs(f["leverage_balance"][0, r, i] - (f["leverage"][0, r, i] - f["leverage"][0, i, r]))
              < 1e-15)

    # an owner that is no government: exit 2 naming file:line and the setting
    bad = os.path.join(tmp, "bad.cfg")
    with open(bad, "w") as fh:
        fh.write(head % ("bad", 3, SRC, SRC) +
                 'governments = { countries = ( { country = "RUS"; } ); };\n'
                 'events = ( { name = "x"; start = "decided"; owner = "IRN";\n'
                 '  exporters = ["IRN"]; importers = ["RUS"]; partial_effect = 0.1; } );\n')
    p = subprocess.run([SANCSIM, "check", bad], capture_output=True, text=True)
    check("bad owner exit 2", p.returncode == 2, "%d %s" % (p.returncode, p.stderr))
    check("bad owner message", "bad.cfg:5" in p.stderr and "owner" in p.stderr and "not a government" in p.stderr,
          p.stderr)

if fails:
    print("%d checks failed" % fails)
    sys.exit(1)
print("governments: decisions, outputs, leverage and errors as expected")
