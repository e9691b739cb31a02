#!/usr/bin/python3
"""An independent re-implementation of the governments' look-ahead and
decision rule (DESIGN section 3b) in numpy, checked against the engine.

On a small world (4 countries, 2 sectors) with a dated trade measure that
ramps, a hub open from period 0 (so M(0) is not 1), an evasion-only hub, and
decided actions of four governments -- two deals (shocks, one needing a
partner's consent), a trade measure, a hub (the via country's consent) and a
stop of that hub -- the oracle rebuilds, at every review, the target openness
of the status quo and of every candidate from the configuration alone (shock
cells, trade-measure factors at the levels of t-1 or at full enforcement,
route aggregates by log-sum-exp relative to period 0, no payments), solves
each equilibrium with tests/oracle/ge_oracle.py (its own solver, written from
the design text), evaluates the objectives and applies the decision rule
(largest gain above threshold + 1e-9 with the partner's consent, ties to the
earlier action, one move per government per review, start = decision + lag).

Checked: the engine's decisions and their periods equal the oracle's
exactly; every gain the engine reports at a review (action_gain,
action_partner_gain) equals the oracle's to 1e-8 absolute."""
import os
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
    import scipy  # noqa: F401  (the oracle's solver)
except ImportError:
    sys.exit(77)

SANCSIM = os.environ["SANCSIM"]
SRC = os.environ["SANCSIM_SRC"]
sys.path.insert(0, os.path.join(SRC, "tests", "oracle"))
import ge_oracle  # noqa: E402

C = ["AAA", "BBB", "CCC", "DDD"]
S = ["goods", "energy"]
SIGMA = np.array([5.0, 8.0])
GOODS = [[200, 30, 20, 10], [25, 150, 15, 12], [18, 14, 120, 9], [8, 10, 11, 90]]
ENERGY = [[50, 6, 4, 3], [5, 40, 3, 2], [7, 5, 60, 4], [9, 8, 6, 70]]
X0 = np.zeros((4, 4, 2))
X0[:, :, 0] = GOODS
X0[:, :, 1] = ENERGY
DELTA, DETECTION = 8.0, 0.3
T = 12
NEVER = 10**9

CFG = """scenario = { name = "oracle"; start = "2022-01"; step = "month"; periods = %d; seed = 1; };
data = { trade = "flows.csv"; };
trade = { sigma = 5.0; adjustment = 0.5; sectors = ( { name = "energy"; sigma = 8.0; adjustment = 0.25; } ); };
governments = { review = 2; first = 1;
  countries = ( { country = "AAA"; },
                { country = "BBB"; objective = { welfare = 1.0; pressure = 2.0; targets = ["DDD"]; }; },
                { country = "CCC"; objective = { welfare = 1.0; allies = 0.5; allied = ["DDD"]; }; },
                { country = "DDD"; objective = { welfare = 1.0; autonomy = 0.2; from = ["AAA"]; }; } ); };
events = (
  { name = "deal AB"; start = "decided"; owner = "AAA"; partner = "BBB"; lag = 1;
    exporters = ["AAA", "BBB"]; importers = ["AAA", "BBB"]; partial_effect = 0.2; },
  { name = "deal AC"; start = "decided"; owner = "AAA"; partner = "CCC"; lag = 2; cost = 0.0005;
    exporters = ["AAA", "CCC"]; importers = ["AAA", "CCC"]; partial_effect = 0.15; },
  { name = "deal DB goods"; start = "decided"; owner = "DDD"; partner = "BBB"; lag = 1;
    exporters = ["DDD"]; importers = ["BBB"]; sectors = ["goods"]; partial_effect = 0.3; },
  { name = "close via CCC"; type = "stop"; stops = "via CCC"; start = "decided"; owner = "CCC"; lag = 1; },
  { name = "close via DDD"; type = "stop"; stops = "via DDD"; start = "decided"; owner = "DDD"; lag = 2; }
);
sanctions = (
  { name = "S1"; type = "trade"; senders = ["AAA"]; targets = ["DDD"]; direction = "both";
    sectors = ["energy"]; ban = true; enforcement = 0.6; start = 2; ramp = 2; },
  { name = "S2"; type = "trade"; senders = ["BBB"]; targets = ["DDD"]; direction = "import";
    intensity = 0.5; enforcement = 0.8; start = "decided"; owner = "BBB"; lag = 1; }
);
routing = { dispersion = %g; detection = %g;
  hubs = ( { name = "via BBB"; via = "BBB"; markup = 1.2; evasion_only = true; },
           { name = "via DDD"; via = "DDD"; markup = 1.5; },
           { name = "via CCC"; via = "CCC"; markup = 1.1; start = "decided"; owner = "DDD"; lag = 1; } ); };
""" % (T, DELTA, DETECTION)

ci = {c: k for k, c in enumerate(C)}


def cells(exp, imp, sectors=(0, 1)):
    return [(ci[i], ci[j], k) for i in exp for j in imp if i != j for k in sectors]


# --- the items (from CFG, written out by hand) ---------------------------
EVENTS = {  # name -> (cells, partial effect)
    "deal AB": (cells(["AAA", "BBB"], ["AAA", "BBB"]), 0.2),
    "deal AC": (cells(["AAA", "CCC"], ["AAA", "CCC"]), 0.15),
    "deal DB goods": (cells(["DDD"], ["BBB"], (0,)), 0.3),
}


def trade_factor(kind, x, e, k):
    """log factor on cost of a trade measure at enforcement e in sector k."""
    if kind == "intensity":
        return np.log1p(x * e)
    if e >= 1.0:
        return np.inf
    return np.log1p(-e) / (1.0 - SIGMA[k])


SANCTIONS = {  # name -> (covered cells, kind, x, full enforcement)
    "S1": (cells(["AAA"], ["DDD"], (1,)) + cells(["DDD"], ["AAA"], (1,)), "ban", None, 0.6),
    "S2": (cells(["DDD"], ["BBB"]), "intensity", 0.5, 0.8),
}
HUBS = {  # name -> (via, markup, evasion_only)
    "via BBB": (ci["BBB"], 1.2, True),
    "via DDD": (ci["DDD"], 1.5, False),
    "via CCC": (ci["CCC"], 1.1, False),
}
BASE_HUBS = ["via BBB", "via DDD"]  # active from period 0

# actions in the engine's order: events, sanctions, hubs, each in file order
ACTIONS = [
    dict(name="deal AB", kind="event", owner="AAA", partner="BBB", lag=1, cost=0.0),
    dict(name="deal AC", kind="event", owner="AAA", partner="CCC", lag=2, cost=0.0005),
    dict(name="deal DB goods", kind="event", owner="DDD", partner="BBB", lag=1, cost=0.0),
    dict(name="close via CCC", kind="stop", owner="CCC", partner=None, lag=1, cost=0.0, stops="via CCC"),
    dict(name="close via DDD", kind="stop", owner="DDD", partner=None, lag=2, cost=0.0, stops="via DDD"),
    dict(name="S2", kind="sanction", owner="BBB", partner=None, lag=1, cost=0.0),
    dict(name="via CCC", kind="hub", owner="DDD", partner="CCC", lag=1, cost=0.0),  # via = implicit partner
]
GOVS = {
    "AAA": dict(welfare=1.0),
    "BBB": dict(welfare=1.0, pressure=2.0, targets=["DDD"]),
    "CCC": dict(welfare=1.0, allies=0.5, allied=["DDD"]),
    "DDD": dict(welfare=1.0, autonomy=0.2, frm=["AAA"]),
}
GOV_ORDER = ["AAA", "BBB", "CCC", "DDD"]


def lse(a):
    a = np.asarray(a)
    m = a.max()
    if m == -np.inf:
        return -np.inf
    return m + np.log(np.exp(a[a > -np.inf] - m).sum())


def log_m(logF, enf, hubs_on):
    """log M of every cell (n, n, K): direct and hub routes, Frechet aggregate."""
    n, K = 4, 2
    out = np.zeros((n, n, K))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            for k in range(K):
                lf0 = logF[i, j, k]
                lw = [-np.inf if lf0 == np.inf else -DELTA * lf0]
                opened = False
                for h in hubs_on:
                    v, mk, ev = HUBS[h]
                    if v in (i, j) or (ev and not lf0 > 0):
                        continue
                    l1, l2 = logF[i, v, k], logF[v, j, k]
                    if l1 == np.inf or l2 == np.inf:
                        continue
                    lw.append(-DELTA * (np.log(mk) + l1 + l2 + np.log1p(DETECTION * enf[i, j, k])))
                    opened = True
                if not opened:
                    out[i, j, k] = lf0
                else:
                    s = lse(lw)
                    out[i, j, k] = np.inf if s == -np.inf else -s / DELTA
    return out


LOGM0 = log_m(np.zeros((4, 4, 2)), np.zeros((4, 4, 2)), BASE_HUBS)


def evaluate(events_on, levels, hubs_on):
    """welfare and flows of the look-ahead of a policy set."""
    shock = np.zeros((4, 4, 2))
    for name in events_on:
        cl, pe = EVENTS[name]
        for c in cl:
            shock[c] += pe
    logF = np.zeros((4, 4, 2))
    enf = np.zeros((4, 4, 2))
    for name, e in levels.items():
        if e <= 0:
            continue
        cl, kind, x, _ = SANCTIONS[name]
        for (i, j, k) in cl:
            logF[i, j, k] += trade_factor(kind, x, e, k)
            enf[i, j, k] = max(enf[i, j, k], e)
    lm = log_m(logF, enf, hubs_on)
    wedge = np.where(lm == np.inf, np.inf, lm - LOGM0)
    with np.errstate(over="ignore", invalid="ignore"):
        phi = np.where(wedge == np.inf, 0.0, np.exp(shock + (1.0 - SIGMA)[None, None, :] * wedge))
    for i in range(4):
        phi[i, i, :] = 1.0
    r = ge_oracle.solve(X0, SIGMA, phi)
    return r["welfare"], r["X"]


def objective(g, wel, X):
    o = GOVS[g]
    c = ci[g]
    u = o.get("welfare", 1.0) * np.log(wel[c])
    if o.get("pressure"):
        u += o["pressure"] * np.mean([-np.log(wel[ci[x]]) for x in o["targets"]])
    if o.get("allies"):
        u += o["allies"] * np.mean([np.log(wel[ci[x]]) for x in o["allied"]])
    if o.get("autonomy"):
        imp = X[:, c, :].sum(axis=1)
        imp[c] = 0.0
        u -= o["autonomy"] * sum(imp[ci[x]] for x in o["frm"]) / imp.sum()
    return u


def judge(country, wel, X):
    return objective(country, wel, X) if country in GOVS else np.log(wel[ci[country]])


class State:
    def __init__(self):
        self.state = {a["name"]: "open" for a in ACTIONS}
        self.start = {a["name"]: NEVER for a in ACTIONS}


def action(name):
    return next(a for a in ACTIONS if a["name"] == name)


def in_force(st, name, t, mod=None):
    """Is the item `name` in force for a review at t (DESIGN 3b)?"""
    def state(n):
        return "taken" if n == mod else st.state[n]

    def pending(n):
        return n == mod or st.start[n] >= t

    stops = [a["name"] for a in ACTIONS if a.get("stops") == name]
    end = NEVER
    for s in stops:  # a stop with a start ends the item there
        if st.start[s] < end:
            end = st.start[s]
    decided = any(a["name"] == name and a["kind"] != "stop" for a in ACTIONS)
    if not decided:  # dated: S1 from 2, the base hubs from 0
        start = {"S1": 2, "via BBB": 0, "via DDD": 0}[name]
        on = start <= t - 1 < end
    elif state(name) != "taken":
        on = False
    else:
        s = t + action(name)["lag"] if name == mod else st.start[name]
        on = end > s if s >= t else t - 1 < end
    for s in stops:
        if state(s) == "taken" and pending(s):
            on = False
    return on


def policy(st, t, mod=None):
    events_on = [n for n in EVENTS if in_force(st, n, t, mod)]
    levels = {}
    for n in SANCTIONS:
        if not in_force(st, n, t, mod):
            levels[n] = 0.0
        elif n == "S1":  # dated: its level at t-1, ramped
            m = t - 1 - 2 + 1
            levels[n] = 0.6 * min(1.0, m / 2.0)
        else:  # decided: full enforcement
            levels[n] = SANCTIONS[n][3]
    hubs_on = [h for h in HUBS if in_force(st, h, t, mod)]
    return evaluate(events_on, levels, hubs_on)


def oracle_run():
    st = State()
    decisions, gains = [], {}  # gains[(t, name)] = (dU, partner gain)
    for t in range(1, T):
        if (t - 1) % 2:
            continue
        for g in GOV_ORDER:
            mine = [a for a in ACTIONS if a["owner"] == g and st.state[a["name"]] == "open"]
            if not mine:
                continue
            w0, x0 = policy(st, t)
            u0 = objective(g, w0, x0)
            best = None
            for a in mine:
                w1, x1 = policy(st, t, a["name"])
                du = objective(g, w1, x1) - u0 - a["cost"]
                pg = 0.0
                if a["partner"]:
                    pg = judge(a["partner"], w1, x1) - judge(a["partner"], w0, x0)
                gains[(t, a["name"])] = (du, pg)
                if du > 0.0 + 1e-9 and pg >= -1e-9 and (best is None or du > best[1] + 1e-9):
                    best = (a, du)
            if best is not None:
                a = best[0]
                st.state[a["name"]] = "taken"
                st.start[a["name"]] = t + a["lag"]
                decisions.append((t, g, a["name"], best[1]))
    return decisions, gains


fails = 0


def check(name, ok, detail=""):
    global fails
    if not ok:
        fails += 1
        print("FAIL %s %s" % (name, detail))


with tempfile.TemporaryDirectory() as tmp:
    with open(os.path.join(tmp, "flows.csv"), "w") as fh:
        fh.write("exporter,importer,sector,value\n")
        for i in range(4):
            for j in range(4):
                for k in range(2):
                    fh.write("%s,%s,%s,%r\n" % (C[i], C[j], S[k], X0[i, j, k]))
    cfg = os.path.join(tmp, "oracle.cfg")
    with open(cfg, "w") as fh:
        fh.write(CFG)
    out = os.path.join(tmp, "oracle.h5")
    subprocess.run([SANCSIM, "run", cfg, "-q", "-o", out], check=True)
    decisions, gains = oracle_run()
    with h5py.File(out, "r") as f:
        acts = [x.decode() for x in f["action"][()]]
        check("action order", acts == [a["name"] for a in ACTIONS], str(acts))
        eng = []
        if "decision_period" in f:
            eng = list(zip([int(p) for p in f["decision_period"][()]],
                           [x.decode() for x in f["decision_government"][()]],
                           [x.decode() for x in f["decision_action"][()]], f["decision_gain"][()]))
        check("decisions", [d[:3] for d in eng] == [d[:3] for d in decisions],
              "\nengine %s\noracle %s" % ([d[:3] for d in eng], [d[:3] for d in decisions]))
        for (e, o) in zip(eng, decisions):
            check("decision gain %s" % e[2], abs(e[3] - o[3]) < 1e-8, "%r vs %r" % (e[3], o[3]))
        check("enough decisions to mean something", len(decisions) >= 3, str(decisions))
        check("some action refused", len(decisions) < len(ACTIONS), str(decisions))
        ag, ap = f["action_gain"][()], f["action_partner_gain"][()]
        worst = 0.0
        for (t, name), (du, pg) in gains.items():
            k = acts.index(name)
            worst = max(worst, abs(ag[t, k] - du), abs(ap[t, k] - pg))
        check("gains to 1e-8", worst < 1e-8, "largest difference %g" % worst)
        check("gains compared", len(gains) >= 10, str(len(gains)))
        active = f["action_active"][()]
        for (t, g, name, _) in decisions:
            k = acts.index(name)
            on = np.nonzero(active[:, k])[0]
            start = t + action(name)["lag"]
            if name.startswith("close"):  # a stop is active from its start, like any event
                pass
            check("start of " + name, len(on) > 0 and on[0] == start, "%s vs %d" % (on[:1], start))
    print("oracle decisions:", [(t, g, n, "%.3g" % u) for (t, g, n, u) in decisions])
    print("largest gain difference engine - oracle: %.2g" % worst)

if fails:
    print("%d checks failed" % fails)
    sys.exit(1)
print("governments oracle: decisions and gains reproduced")
