#!/usr/bin/python3
"""The agent layer end to end (DESIGN section 3), through the CLI and the
HDF5 file a user reads:
- a scenario without policies (hubs at period 0, payments with base = 0)
  reproduces the baseline in every period to 1e-12;
- a ban with enforcement 1 and no hub zeroes the covered flows; an
  evasion-only hub reroutes part of them (transit > 0, ghost transit in
  customs_flows);
- same seed, same bits; another seed, another adoption path;
- the Russia-Iran scenario writes every output DESIGN section 7 names, and
  settlement shares sum to one."""
import os
import shutil
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
fails = 0


def check(name, ok, detail=""):
    global fails
    if not ok:
        fails += 1
        print("FAIL %s %s" % (name, detail))


def run(tmp, text, name, *extra, cfg_path=None):
    if cfg_path is None:
        cfg_path = os.path.join(tmp, name + ".cfg")
        with open(cfg_path, "w") as f:
            f.write(text)
    out = os.path.join(tmp, name + ".h5")
    subprocess.run([SANCSIM, "run", cfg_path, "-o", out, "-q", "--force", *extra], check=True)
    return h5py.File(out, "r")


HEAD = """scenario = { name = "agents"; start = "2022-01"; periods = 6; seed = 3; };
data = { trade = "%s/tests/data/tiny_trade.csv"; };
trade = { sigma = 5.0; adjustment = 1.0; sectors = ( { name = "energy"; sigma = 8.0; } ); };
""" % SRC
PAY = """payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 5; zipf = 1.0; };
  adoption = { base = %s; network = 0.5; gain = 10.0; };
  systems = ( { name = "SWIFT"; cost = 0.004; members = ["ALL", "!CCC"]; },
              { name = "ALT"; cost = 0.008; home = "CCC"; members = ["CCC"];
                partial = ( { country = "BBB"; coverage = 0.3; } ); } ); };
"""
BAN = """sanctions = ( { name = "ban"; senders = ["AAA"]; targets = ["CCC"]; type = "trade";
  direction = "import"; sectors = ["energy"]; ban = true; start = 2; } );
"""
HUB = """routing = { dispersion = 6.0; hubs = ( { name = "viaB"; via = "BBB"; markup = 1.3; evasion_only = true; } ); };
"""

with tempfile.TemporaryDirectory() as tmp:
    # 1. no policies: baseline in every period
    f = run(tmp, HEAD + PAY % "0.0" + """routing = { hubs = ( { name = "h"; via = "BBB"; markup = 1.5; } ); };
""", "nopolicy")
    X = f["flows"][:]
    d = np.max(np.abs(X - X[0]) / np.maximum(X[0], 1e-300) * (X[0] > 0))
    check("no-policy flows", d < 1e-12, "max rel dev %g" % d)
    check("no-policy welfare", np.max(np.abs(f["welfare"][:] - 1)) < 1e-12)
    s = f["settlement_share"][:]
    check("shares sum to 1", np.max(np.abs(s.sum(axis=2) - 1)) < 1e-12)
    check("no-policy adoption constant", np.all(f["adoption"][:] == f["adoption"][0]))

    # 2. a ban at e = 1 without a hub closes CCC -> AAA energy
    ex = list(f["exporter"].asstr()[:])
    sec = list(f["sector"].asstr()[:])
    A, B, C, E = ex.index("AAA"), ex.index("BBB"), ex.index("CCC"), sec.index("energy")
    g = run(tmp, HEAD + BAN, "ban")
    Xb = g["flows"][:]
    check("ban before start", Xb[1, C, A, E] > 0)
    check("ban zeroes covered flows", np.all(Xb[2:, C, A, E] == 0.0), str(Xb[:, C, A, E]))
    check("ban: remaining 0", abs(g["sanction_remaining"][-1, 0]) < 1e-15)
    check("ban: intensity", list(g["sanction_intensity"][:, 0]) == [0, 0, 1, 1, 1, 1])

    # 3. with an evasion-only hub via BBB part of it is rerouted
    h = run(tmp, HEAD + BAN + HUB, "hub")
    tr = h["transit"][:, 0]
    check("no transit before the ban", np.all(tr[:2] == 0.0), str(tr))
    check("transit after the ban", np.all(tr[2:] > 0.0), str(tr))
    Xh = h["flows"][:]
    check("rerouted flow positive", np.all(Xh[2:, C, A, E] > 0) and Xh[2, C, A, E] < Xh[1, C, A, E])
    cu = h["customs_flows"][:]
    # ghost transit: customs show CCC->BBB and BBB->AAA above the true flows
    true_CB = Xh[:, C, B, :].sum(axis=1)
    check("ghost transit in customs", np.all(cu[2:, C, B] > true_CB[2:]) and
          np.allclose(cu[2:, C, B] - true_CB[2:], tr[2:], rtol=1e-12))
    check("rerouted share reported", np.all(h["sanction_rerouted"][2:, 0] > 0))

    # 4. reproducibility: same seed same bits, other seed other path
    cfg = HEAD + PAY % "0.05" + BAN
    r1 = run(tmp, cfg, "seed_a")
    r2 = run(tmp, cfg, "seed_b")
    r3 = run(tmp, cfg, "seed_c", "--seed", "4")
    same = all(np.array_equal(r1[k][:], r2[k][:]) for k in r1 if isinstance(r1[k], h5py.Dataset)
               and r1[k].dtype.kind in "fi")
    check("same seed, same bits", same)
    check("adoption moves", not np.array_equal(r1["adoption"][0], r1["adoption"][-1]))
    check("other seed, other path", not np.array_equal(r1["adoption"][:], r3["adoption"][:]))

    # 4b. a sender's banks never join a system whose home is a target of its
    # active measure; third countries' banks do (base adoption high)
    j = run(tmp, HEAD + PAY % "0.7" + BAN, "sender_bar")
    sy = list(j["payment_system"].asstr()[:])
    ALT = sy.index("ALT")
    ad = j["adoption"][:]
    check("sender banks join no more once the measure is on", np.all(ad[2:, A, ALT] == ad[1, A, ALT]),
          str(ad[:, A, ALT]))
    check("sender banks may join before the measure", 0.0 < ad[1, A, ALT] < 1.0, str(ad[:, A, ALT]))
    check("third-country banks join", ad[-1, B, ALT] > ad[0, B, ALT], str(ad[:, B, ALT]))

    # 5. the Russia-Iran scenario: every DESIGN section 7 output
    ri = run(tmp, None, "ri", cfg_path=os.path.join(SRC, "configs", "russia_iran_2022.cfg"))
    want = ["flows", "welfare", "output", "expenditure", "price_index", "factory_price", "exports",
            "imports", "solver_iterations", "solver_residual", "settlement_share", "adoption",
            "payment_cost", "transit", "sanction_remaining", "sanction_rerouted", "sanction_intensity",
            "dependence", "export_dependence", "power_balance", "transfers", "customs_flows"]
    missing = [v for v in want if v not in ri]
    check("russia_iran outputs", not missing, "missing %s" % missing)
    check("russia_iran shares", np.max(np.abs(ri["settlement_share"][:].sum(axis=2) - 1)) < 1e-12)
    pb = ri["power_balance"][:]
    check("power balance antisymmetric", np.max(np.abs(pb + pb.transpose(0, 2, 1))) < 1e-15)
    rc = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tests/integration/check_h5.py"),
                         os.path.join(tmp, "ri.h5")], capture_output=True, text=True)
    check("check_h5 on russia_iran", rc.returncode == 0, rc.stdout + rc.stderr)
    # R users: hdf5r reads the same file with the axes the dims attributes name
    if shutil.which("Rscript") and subprocess.run(
            ["Rscript", "-e", "suppressPackageStartupMessages(library(hdf5r))"], capture_output=True).returncode == 0:
        rc = subprocess.run(["Rscript", os.path.join(SRC, "tests/integration/check_h5.R"),
                             os.path.join(tmp, "ri.h5")], capture_output=True, text=True)
        check("check_h5.R on russia_iran", rc.returncode == 0, rc.stdout + rc.stderr)
    else:
        print("(no Rscript with hdf5r: R check skipped)")

print("agents: %d failed" % fails)
sys.exit(1 if fails else 0)
