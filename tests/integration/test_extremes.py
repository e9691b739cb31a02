#!/usr/bin/python3
"""test_extremes.py - numerical extremes of the GE core through the CLI.

Every case either runs and gives finite, correct results (DESIGN section 2's
edge cases) or stops with a clear one-line error (exit 1 or 2, no output
file).  No case may write NaN or Inf (every dataset is scanned), crash, or
hang.  Cases (small synthetic worlds written here):
- sigma in {1.0001, 1.01, 1.5, 20, 50} x partial effects {-50, -0.5, +0.5,
  +50} and factors {0, 1e-6, 1e6}: with one sector and balanced trade the
  welfare must equal the ACR formula (pi'_jj / pi_jj)^(1/(1-sigma)) computed
  from the written flows; market clearing (output = row sums of flows) and
  the numeraire (world output unchanged) hold;
- flows spanning 1e-300 .. 1e300 (and a world of only huge / only tiny
  flows): finite results or a clear error;
- a country with zero output in a sector: factory_price 1 there, its flows 0;
- all routes into a market closed: fine when there is domestic production
  (only domestic sales remain); exit 1 naming the country and sector when
  there is none;
- a country cut off from everyone (full symmetric embargo, no hub), with and
  without a trade deficit: autarky, factory prices 1, E' = Y' = Y, zero
  exports and imports, welfare (Y/E) prod_k pi_jjk^(alpha_jk/(sigma_k-1));
  the rest of the world clears its markets with its output total fixed.
Both imbalance conventions are run for the finiteness checks.
"""
import itertools
import math
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import h5py
except ImportError:
    print("SKIP: numpy/h5py not available")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_nan_scan import scan_file  # noqa: E402

SANCSIM = os.environ.get("SANCSIM")
if not SANCSIM:
    print("SANCSIM must be set")
    sys.exit(2)

failures = []
counts = {"ok": 0, "error": 0}


def fail(case, msg):
    failures.append("%s: %s" % (case, msg))
    print("FAIL %s: %s" % (case, msg))


def write_trade(path, countries, sectors, X):
    """X[i][j][k] -> CSV (zeros omitted, except domestic cells)."""
    with open(path, "w") as f:
        f.write("exporter,importer,sector,value\n")
        for (a, i), (b, j), (c, k) in itertools.product(enumerate(countries), enumerate(countries),
                                                       enumerate(sectors)):
            v = X[a][b][c]
            if v != 0 or a == b:
                f.write("%s,%s,%s,%r\n" % (i, j, k, float(v)))


def scenario(trade, sigma, events, periods=3, imbalance="additive", sectors_block=""):
    return """scenario = { name = "x"; start = "2022-01"; step = "month"; periods = %d; seed = 1; };
data = { trade = "%s"; units = "USD million"; };
trade = { imbalance = "%s"; sigma = %r; adjustment = 1.0; %s };
events = ( %s );
""" % (periods, trade, imbalance, float(sigma), sectors_block, events)


def run(case, tmp, text, allow_error=True):
    """Run; returns the open h5py file's arrays as a dict, or None on a clean error."""
    cfg = os.path.join(tmp, "c.cfg")
    out = os.path.join(tmp, "out.h5")
    with open(cfg, "w") as f:
        f.write(text)
    if os.path.exists(out):
        os.remove(out)
    try:
        p = subprocess.run([SANCSIM, "run", cfg, "-o", out, "-q"], capture_output=True, text=True,
                           timeout=120)
    except subprocess.TimeoutExpired:
        fail(case, "hung (> 120 s)")
        return None
    err = p.stderr.strip()
    if p.returncode != 0:
        if p.returncode not in (1, 2):
            fail(case, "exit %d (crash?): %s" % (p.returncode, err[-500:]))
        elif len(err.splitlines()) != 1:
            fail(case, "error is not one line: %r" % err[-500:])
        elif os.path.exists(out):
            fail(case, "error but an output file exists")
        elif not allow_error:
            fail(case, "unexpected error: %s" % err)
        else:
            counts["error"] += 1
            print("error %s: exit %d: %s" % (case, p.returncode, err))
        return None
    probs, _ = scan_file(out)
    for m in probs:
        fail(case, m)
    with h5py.File(out, "r") as f:
        d = {k: f[k][()] for k in f.keys() if isinstance(f[k], h5py.Dataset)}
    counts["ok"] += 1
    return d


def close(a, b, rtol=1e-7, atol=0.0):
    return np.allclose(a, b, rtol=rtol, atol=atol)


def check_clearing(case, d, X0, rtol=1e-8):
    """Additive convention: output = row sums, expenditure = column sums of
    flows, world output fixed at the baseline total."""
    F = d["flows"]  # time, exporter, importer, sector
    rows = F.sum(axis=(2, 3))
    cols = F.sum(axis=(1, 3))
    if not close(d["output"], rows, rtol):
        fail(case, "output != row sums of flows")
    if not close(d["expenditure"], cols, rtol):
        fail(case, "expenditure != column sums of flows")
    tot0 = X0.sum()
    if not close(d["output"].sum(axis=1), np.full(F.shape[0], tot0), rtol):
        fail(case, "world output not held at the baseline total: %r" % d["output"].sum(axis=1))


# ---------------------------------------------------------------- worlds
C4 = ["AAA", "BBB", "CCC", "DDD"]


def balanced_one_sector():
    """Symmetric flows: Y_i = E_i, so D = 0 (ACR holds exactly)."""
    X = np.array([[100.0, 20.0, 10.0, 5.0],
                  [20.0, 200.0, 30.0, 8.0],
                  [10.0, 30.0, 150.0, 12.0],
                  [5.0, 8.0, 12.0, 80.0]])
    return X[:, :, None]


def two_sector_with_deficits():
    X = np.zeros((4, 4, 2))
    X[:, :, 0] = [[100, 20, 10, 5], [15, 200, 30, 8], [12, 25, 150, 12], [3, 9, 14, 80]]
    X[:, :, 1] = [[60, 10, 4, 6], [7, 90, 11, 3], [5, 6, 70, 2], [9, 1, 3, 40]]
    return X


def case_sigma_shocks(tmp):
    X = balanced_one_sector()
    trade = os.path.join(tmp, "bal.csv")
    write_trade(trade, C4, ["all"], X)
    shocks = [("partial_effect", v) for v in (-50.0, -0.5, 0.5, 50.0)]
    shocks += [("factor", v) for v in (0.0, 1e-6, 1e6)]
    for sigma, (form, v) in itertools.product((1.0001, 1.01, 1.5, 20.0, 50.0), shocks):
        ev = '{ name = "s"; start = 1; exporters = ["AAA"]; importers = ["BBB", "CCC"]; %s = %r; }' % (
            form, v)
        case = "sigma=%g %s=%g" % (sigma, form, v)
        d = run(case, tmp, scenario(trade, sigma, ev))
        if d is None:
            continue
        check_clearing(case, d, X)
        F = d["flows"][..., 0]
        E = d["expenditure"]
        pi = np.array([np.diag(F[t]) / E[t] for t in range(F.shape[0])])
        acr = (pi / pi[0]) ** (1.0 / (1.0 - sigma))
        # sigma near 1 amplifies share rounding by 1/(sigma-1)
        rtol = 1e-9 * max(1.0, 1.0 / (sigma - 1.0))
        if not close(d["welfare"], acr, rtol=rtol):
            fail(case, "welfare %r != ACR %r" % (d["welfare"][-1], acr[-1]))
        if not close(d["welfare"][0], np.ones(4), 1e-12):
            fail(case, "welfare at period 0 is not 1")
        # direction: closing AAA's exports to BBB, CCC hurts BBB and CCC
        if (form == "partial_effect" and v < 0) or (form == "factor" and v > 1) or \
           (form == "factor" and v == 0):
            if not (d["welfare"][-1, 1] < 1 and d["welfare"][-1, 2] < 1):
                fail(case, "closing imports did not lower BBB/CCC welfare: %r" % d["welfare"][-1])
        # openness below 1e-12 is a closed cell: zero flow
        logphi = v if form == "partial_effect" else (
            -math.inf if v == 0 else (1 - sigma) * math.log(v))
        if logphi < math.log(1e-12) and (F[-1, 0, 1] != 0 or F[-1, 0, 2] != 0):
            fail(case, "closed cells carry flows: %r" % F[-1, 0, 1:3])


def case_magnitudes(tmp):
    worlds = {
        "span 1e-300..1e300": np.array([[1e300, 1e-300, 1e-100], [1e-300, 1e-300, 1e-300],
                                        [1e-100, 1e-300, 1e200]]),
        "all huge 1e300": np.full((3, 3), 1e300) + np.diag([1e300, 2e300, 0]),
        "all tiny 1e-300": np.full((3, 3), 1e-300) + np.diag([1e-300, 3e-300, 0]),
        "wide 1e-12..1e12": np.array([[1e12, 1e-12, 1.0], [1e-12, 1e-12, 1e-6], [1.0, 1e-6, 1e6]]),
    }
    for name, X2 in worlds.items():
        X = X2[:, :, None]
        trade = os.path.join(tmp, "mag.csv")
        write_trade(trade, C4[:3], ["all"], X)
        for imb, pe in itertools.product(("additive", "multiplicative"), (-0.7, 3.0, -50.0)):
            ev = '{ name = "s"; start = 1; exporters = ["AAA"]; importers = ["BBB"]; partial_effect = %r; }' % pe
            run("%s %s pe=%g" % (name, imb, pe), tmp, scenario(trade, 5.0, ev, imbalance=imb))


def case_zero_sector_and_closed_routes(tmp):
    X = two_sector_with_deficits()
    X[2, :, 1] = 0.0  # CCC produces nothing in sector s2 (still buys it)
    trade = os.path.join(tmp, "zero.csv")
    write_trade(trade, C4, ["s1", "s2"], X)
    sec = 'sectors = ( { name = "s2"; sigma = 3.0; } );'
    for imb in ("additive", "multiplicative"):
        # a shock elsewhere; CCC's empty sector stays inactive
        ev = '{ name = "s"; start = 1; exporters = ["AAA"]; importers = ["BBB", "CCC"]; factor = 2.0; }'
        case = "zero output CCC/s2 (%s)" % imb
        d = run(case, tmp, scenario(trade, 5.0, ev, imbalance=imb, sectors_block=sec), allow_error=False)
        if d is not None:
            if not np.all(d["factory_price"][:, 2, 1] == 1.0):
                fail(case, "factory_price where output is 0 is not 1: %r" % d["factory_price"][:, 2, 1])
            if np.any(d["flows"][:, 2, :, 1] != 0):
                fail(case, "a country without output in a sector exports it")
            if imb == "additive":
                check_clearing(case, d, X)
        # every supplier of DDD in s2 closed; DDD produces s2 itself: only domestic sales remain
        ev = '{ name = "s"; start = 1; exporters = ["ALL"]; importers = ["DDD"]; sectors = ["s2"]; factor = 0.0; }'
        case = "all routes into DDD/s2 closed, domestic production (%s)" % imb
        d = run(case, tmp, scenario(trade, 5.0, ev, imbalance=imb, sectors_block=sec), allow_error=False)
        if d is not None:
            into = d["flows"][-1, :, 3, 1]
            if np.any(np.delete(into, 3) != 0) or not into[3] > 0:
                fail(case, "flows into DDD/s2: %r" % into)
            if imb == "additive":
                check_clearing(case, d, X)
        # every supplier of CCC in s2 closed and CCC makes no s2: no equilibrium
        ev = '{ name = "s"; start = 1; exporters = ["ALL"]; importers = ["CCC"]; sectors = ["s2"]; factor = 0.0; }'
        case = "all routes into CCC/s2 closed, no domestic production (%s)" % imb
        cfg_text = scenario(trade, 5.0, ev, imbalance=imb, sectors_block=sec)
        d = run(case, tmp, cfg_text)
        if d is not None:
            fail(case, "ran although CCC has demand for s2 and no supplier")
        else:
            p = subprocess.run([SANCSIM, "run", os.path.join(tmp, "c.cfg"), "-o",
                                os.path.join(tmp, "out.h5"), "-q"], capture_output=True, text=True)
            if p.returncode != 1 or "CCC" not in p.stderr or "s2" not in p.stderr:
                fail(case, "want exit 1 naming CCC and s2, got %d: %s" % (p.returncode, p.stderr.strip()))


def case_cut_off(tmp):
    X = two_sector_with_deficits()
    sig = [5.0, 3.0]
    sec = 'sectors = ( { name = "s2"; sigma = 3.0; } );'
    variants = {"with deficit": X.copy()}
    Xb = X.copy()
    # make AAA balanced: scale its imports so E_AAA = Y_AAA
    Y = Xb[0].sum()
    imp = Xb[1:, 0, :].sum()
    dom = Xb[0, 0, :].sum()
    Xb[1:, 0, :] *= (Y - dom) / imp
    variants["balanced"] = Xb
    for name, Xv in variants.items():
        trade = os.path.join(tmp, "cut.csv")
        write_trade(trade, C4, ["s1", "s2"], Xv)
        Ya = Xv[0].sum()
        Ea = Xv[:, 0, :].sum()
        if name == "balanced" and not math.isclose(Ya, Ea, rel_tol=1e-12):
            fail(name, "test world not balanced")
        ev = ('{ name = "cut"; start = 1; exporters = ["AAA"]; importers = ["ALL"]; symmetric = true;'
              ' factor = 0.0; }')
        case = "AAA cut off (%s)" % name
        d = run(case, tmp, scenario(trade, 5.0, ev, periods=4, sectors_block=sec), allow_error=False)
        if d is None:
            continue
        t = -1
        # Autarky with D = 0 and the component's output total Y fixed: each
        # sector's sales equal its own expenditure, Y'_k = alpha_k Y, so
        # phat_k = alpha_k Y / Y_k (1 with one sector), and
        # Phat_k = pi_jjk^(1/(1-sigma_k)) phat_k.
        Ek = Xv[:, 0, :].sum(axis=0)
        alpha = Ek / Ek.sum()
        Yk = Xv[0].sum(axis=0)
        phat = alpha * Ya / Yk
        if not close(d["factory_price"][t, 0, :], phat, 1e-10):
            fail(case, "isolated factory prices %r != alpha Y / Y_k = %r" % (d["factory_price"][t, 0, :], phat))
        if not math.isclose(d["output"][t, 0], Ya, rel_tol=1e-12):
            fail(case, "isolated output %r != baseline %r" % (d["output"][t, 0], Ya))
        if not math.isclose(d["expenditure"][t, 0], Ya, rel_tol=1e-12):
            fail(case, "isolated expenditure %r != its output %r (D must be 0)" % (d["expenditure"][t, 0], Ya))
        if d["exports"][t, 0] != 0 or d["imports"][t, 0] != 0:
            fail(case, "isolated country trades: %r %r" % (d["exports"][t, 0], d["imports"][t, 0]))
        if not close(d["flows"][t, 0, 0, :], alpha * Ya, 1e-10):
            fail(case, "isolated domestic sales %r != alpha Y %r" % (d["flows"][t, 0, 0, :], alpha * Ya))
        pijj = Xv[0, 0, :] / Ek
        Phat = pijj ** (1.0 / (1.0 - np.array(sig))) * phat
        w = (Ya / Ea) / np.prod(Phat ** alpha)
        if not math.isclose(d["welfare"][t, 0], w, rel_tol=1e-10):
            fail(case, "isolated welfare %r != autarky formula %r" % (d["welfare"][t, 0], w))
        # the rest: markets clear, output total of the rest fixed
        F = d["flows"][t]
        rest = [1, 2, 3]
        if not close(d["output"][t, rest], F[rest].sum(axis=(1, 2)), 1e-9):
            fail(case, "rest of world: output != row sums")
        if not math.isclose(d["output"][t, rest].sum(), Xv[rest].sum(), rel_tol=1e-10):
            fail(case, "rest of world output total not held: %r vs %r" % (
                d["output"][t, rest].sum(), Xv[rest].sum()))
        if not math.isclose(d["expenditure"][t, rest].sum(), d["output"][t, rest].sum(), rel_tol=1e-10):
            fail(case, "rest of world deficits do not sum to zero")
    # cut off and unable to make a good it buys: no equilibrium, clear error
    Xz = two_sector_with_deficits()
    Xz[0, :, 1] = 0.0
    trade = os.path.join(tmp, "cutz.csv")
    write_trade(trade, C4, ["s1", "s2"], Xz)
    ev = ('{ name = "cut"; start = 1; exporters = ["AAA"]; importers = ["ALL"]; symmetric = true;'
          ' factor = 0.0; }')
    case = "AAA cut off, no domestic s2"
    if run(case, tmp, scenario(trade, 5.0, ev, sectors_block=sec)) is not None:
        fail(case, "ran although AAA buys s2 and nobody can supply it")
    # every country cut off from every other: pure autarky everywhere
    X = two_sector_with_deficits()
    trade = os.path.join(tmp, "aut.csv")
    write_trade(trade, C4, ["s1", "s2"], X)
    ev = '{ name = "cut"; start = 1; exporters = ["ALL"]; importers = ["ALL"]; factor = 0.0; }'
    case = "world autarky"
    d = run(case, tmp, scenario(trade, 5.0, ev, sectors_block=sec), allow_error=False)
    if d is not None:
        if not close(d["output"][-1], X.sum(axis=(1, 2)), 1e-12):
            fail(case, "autarky output != baseline output")
        if not close(d["expenditure"][-1], X.sum(axis=(1, 2)), 1e-12):
            fail(case, "autarky expenditure != output")
    # one sector, cut off: phat = 1 exactly as DESIGN section 2 says
    X = balanced_one_sector()
    X[0, 1:, 0] *= 2.0  # AAA runs a surplus
    trade = os.path.join(tmp, "cut1.csv")
    write_trade(trade, C4, ["all"], X)
    ev = ('{ name = "cut"; start = 1; exporters = ["AAA"]; importers = ["ALL"]; symmetric = true;'
          ' factor = 0.0; }')
    case = "AAA cut off, one sector, surplus"
    d = run(case, tmp, scenario(trade, 4.0, ev), allow_error=False)
    if d is not None:
        Ya, Ea = X[0].sum(), X[:, 0].sum()
        if not math.isclose(d["factory_price"][-1, 0, 0], 1.0, rel_tol=1e-12):
            fail(case, "phat %r != 1" % d["factory_price"][-1, 0, 0])
        w = (Ya / Ea) * (X[0, 0, 0] / Ea) ** (1.0 / 3.0)
        if not math.isclose(d["welfare"][-1, 0], w, rel_tol=1e-10):
            fail(case, "welfare %r != (Y/E) pi_jj^(1/(sigma-1)) = %r" % (d["welfare"][-1, 0], w))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        case_sigma_shocks(tmp)
        case_magnitudes(tmp)
        case_zero_sector_and_closed_routes(tmp)
        case_cut_off(tmp)
    print("test_extremes: %d runs finished, %d clean errors, %d failure(s)" % (
        counts["ok"], counts["error"], len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
