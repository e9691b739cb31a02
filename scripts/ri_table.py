#!/usr/bin/python3
"""ri_table.py RUN.h5 | ri_table.py SCRIPTED.h5 ENDOGENOUS.h5 - the Russia-Iran
scenario against the 2022-2024 record.

One file: the model column of configs/README.md's comparison with the record
("Plausibility targets"), one line per row (USD bn), computed as that section
says: calendar years are means of twelve monthly annual rates (2022 = periods
1-12), India's fiscal years FY22-23 = periods 4-15 and FY23-24 = 16-27;
bilateral trade = both directions of `flows` summed over sectors, and the same
from `customs_flows`; EU ratios = `customs_flows` over period 0 (energy and
non-energy splits from `flows`); settlement = `settlement_share` of Russia at
2022-12 and 2023-12; rerouting = transit through the evasion hubs in 2023-12
over the fall of all West<->RUS/BLR flows since period 0; wedge revenue
(when the run has any) of Russia (the discounts), the USA (column-2 tariffs)
and Iran (INSTC fee).

Two files (the scripted run and the governments' run, issue 10): a markdown
report for configs/README.md, "Governments variant":
- every decided action of ENDOGENOUS with its owner and partner (explicit, or
  implicit: a hub's via country, a join's system home), the period its owner
  took it (or "not taken"), the period it started (decided + lag, from
  `action_active`), a drop if any, and the date in the record, which is the
  date the scripted run gives the item of the same name (its
  /provenance/config); an item the scripted run lacks is "not in 2022-24";
- the comparisons above for both runs side by side, plus the strategic power
  balance of Russia on Iran (`strategic_power_balance`, arms_dualuse when the
  run has `metrics.strategic_sectors`; "n/a" otherwise), the all-trade power
  balance and the leverage of Russia on Iran where the run computed it.

    /usr/bin/python3 scripts/ri_table.py results/russia_iran_2022.h5
    /usr/bin/python3 scripts/ri_table.py results/ri_scripted.h5 results/russia_iran_endogenous.h5
"""
import datetime
import re
import sys

import h5py
import numpy as np

Y22, Y23, Y24 = slice(1, 13), slice(13, 25), slice(25, 37)
FY1, FY2 = slice(4, 16), slice(16, 28)
BN = 1e-3


def labels(f, name):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[name][:]]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


class Run:
    """The variables of one result file the tables need."""

    def __init__(self, path):
        self.path = path
        f = self.f = h5py.File(path, "r")
        self.c = {n: i for i, n in enumerate(labels(f, "country"))}
        self.sec = {n: i for i, n in enumerate(labels(f, "sector"))}
        self.X = f["flows"][:]                  # time, exporter, importer, sector
        self.Xs = self.X.sum(-1)
        self.C = f["customs_flows"][:]
        units = text(f["time"].attrs["units"])
        m = re.match(r"days since (\d+)-(\d+)-(\d+)", units)
        t0 = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        self.dates = [(t0 + datetime.timedelta(days=float(d))).strftime("%Y-%m") for d in f["time"][:]]
        self.config = text(f["provenance/config"][()]) if "provenance/config" in f else ""

    def two(self, a, b, M=None):
        M = self.Xs if M is None else M
        return M[:, self.c[a], self.c[b]] + M[:, self.c[b], self.c[a]]

    def measures(self):
        """Every number of the comparison, by key."""
        f, c, sec, X, Xs, C = self.f, self.c, self.sec, self.X, self.Xs, self.C
        m = {}
        rc, rcc = self.two("RUS", "CHN"), self.two("RUS", "CHN", C)
        m["rc"] = (rc[Y22].mean() * BN, rc[Y23].mean() * BN)
        m["rc_dir"] = (Xs[Y22, c["RUS"], c["CHN"]].mean() * BN, Xs[Y23, c["RUS"], c["CHN"]].mean() * BN,
                       Xs[Y22, c["CHN"], c["RUS"]].mean() * BN, Xs[Y23, c["CHN"], c["RUS"]].mean() * BN)
        m["rc_customs"] = (rcc[Y22].mean() * BN, rcc[Y23].mean() * BN)
        ri, ric = self.two("RUS", "IND"), self.two("RUS", "IND", C)
        m["ri_fy"] = (ri[FY1].mean() * BN, ri[FY2].mean() * BN)
        m["ri_cal"] = (ri[Y22].mean() * BN, ri[Y23].mean() * BN)
        m["ri_customs_fy"] = (ric[FY1].mean() * BN, ric[FY2].mean() * BN)
        eu_im = C[:, c["RUS"], c["EU"]]
        en = X[:, c["RUS"], c["EU"], sec["energy"]]
        ne = Xs[:, c["RUS"], c["EU"]] - en
        m["eu_im"] = (eu_im[Y22].mean() / eu_im[0], eu_im[Y23].mean() / eu_im[0], eu_im[Y24].mean() / eu_im[0])
        m["eu_im_2306"] = eu_im[18] / eu_im[0]
        m["eu_en"] = (en[Y22].mean() / en[0], en[Y23].mean() / en[0], en[Y24].mean() / en[0])
        m["eu_ne23"] = ne[Y23].mean() / ne[0]
        eu_ex = C[:, c["EU"], c["RUS"]]
        m["eu_ex"] = (eu_ex[Y23].mean() / eu_ex[0], eu_ex[Y24].mean() / eu_ex[0])
        rir, rirc = self.two("RUS", "IRN"), self.two("RUS", "IRN", C)
        m["rir"] = (rir[Y22].mean() * BN, rir[Y23].mean() * BN, rir[Y24].mean() * BN)
        m["rir_customs"] = (rirc[Y22].mean() * BN, rirc[Y23].mean() * BN)
        ib = self.two("IRN", "BLR")
        m["ib"] = (100 * (ib[Y22].mean() / ib[0] - 1), 100 * (ib[Y23].mean() / ib[0] - 1))
        S = f["settlement_share"][:]
        sysn = labels(f, "payment_system")
        m["settle"] = {}
        for t, lab in ((12, "2022-12"), (24, "2023-12"), (36, "2024-12")):
            m["settle"][lab] = {n: S[t, c["RUS"], k] for k, n in enumerate(sysn)}
        hubs = labels(f, "hub")
        tr = f["transit"][:]
        ev = [hubs.index(h) for h in ("Turkey", "UAE", "Kazakhstan", "Armenia")]
        west = [c[w] for w in ("USA", "EU", "GBR", "JPN")]
        tgt = [c["RUS"], c["BLR"]]
        lost = sum(Xs[0, a, b] - Xs[24, a, b] + Xs[0, b, a] - Xs[24, b, a] for a in west for b in tgt)
        via = tr[24, ev].sum()
        sn = labels(f, "sanction")
        rem, rer = f["sanction_remaining"][:], f["sanction_rerouted"][:]
        mq = sn.index("export controls, machinery and vehicles")
        m["rerouting"] = (100 * via / lost, via * BN, lost * BN, 100 * rer[24, mq] / (1 - rem[24, mq]), rer[24, mq],
                          1 - rem[24, mq], tr[24, hubs.index("INSTC")] * BN)
        m["instc_2412"] = tr[36, hubs.index("INSTC")]
        m["turkey_2024"] = tr[Y24, hubs.index("Turkey")].mean() * BN
        m["remaining"] = (rem[24, mq], rem[24, sn.index("West import bans: steel, wood, cement, gold")],
                          rem[24, sn.index("EU crude oil embargo")], rem[24, sn.index("US energy import ban")])
        m["secondary"] = [(n, rem[36, q], rer[36, q]) for q, n in enumerate(sn) if "secondary" in n]
        W = f["welfare"][:]
        m["welfare"] = [(n, 100 * (W[36, i] - 1)) for n, i in c.items()]
        m["wedge"] = None
        if "wedge_revenue" in f:  # revenue wedges (io: the discounts, column-2 tariffs, INSTC fee)
            R = f["wedge_revenue"][:]
            m["wedge"] = tuple(v for n in ("RUS", "USA", "IRN") for v in (R[18, c[n]] * BN, R[36, c[n]] * BN))
        pc = f["payment_cost"][:]
        m["payment_cost"] = (100 * pc[36, c["RUS"]], 100 * pc[36, c["IRN"]])
        dec = (12, 24, 36)
        m["pb"] = tuple(f["power_balance"][t, c["RUS"], c["IRN"]] for t in dec)
        m["spb"] = (tuple(f["strategic_power_balance"][t, c["RUS"], c["IRN"]] for t in dec)
                    if "strategic_power_balance" in f else None)
        m["lev"] = ((f["leverage"][0, c["RUS"], c["IRN"]], f["leverage"][36, c["RUS"], c["IRN"]],
                     f["leverage"][0, c["IRN"], c["RUS"]], f["leverage"][36, c["IRN"], c["RUS"]])
                    if "leverage" in f else None)
        return m


def single(path):
    r = Run(path)
    m = r.measures()
    out = []
    out.append("Russia-China trade 2022, 2023: %.0fbn, %.0fbn (RUS->CHN %.0f, %.0f; CHN->RUS %.0f, %.0f); customs %.0fbn, %.0fbn" % (
        m["rc"] + (m["rc_dir"][0], m["rc_dir"][1], m["rc_dir"][2], m["rc_dir"][3]) + m["rc_customs"]))
    out.append("Russia-India trade FY22-23, FY23-24: %.0fbn, %.0fbn (calendar 2022 %.0fbn, 2023 %.1fbn); customs FY %.0fbn, %.0fbn" % (
        m["ri_fy"] + m["ri_cal"] + m["ri_customs_fy"]))
    out.append("EU imports from Russia (customs, vs 2021) 2022, 2023, 2024: %.2f, %.2f, %.2f; 2023-06 %.2f; energy %.2f, %.2f, %.2f; non-energy 2023 %.2f" % (
        m["eu_im"] + (m["eu_im_2306"],) + m["eu_en"] + (m["eu_ne23"],)))
    out.append("EU exports to Russia (customs, vs 2021) 2023, 2024: %.2f, %.2f" % m["eu_ex"])
    out.append("Russia-Iran trade 2022, 2023, 2024: flows %.1fbn, %.1fbn, %.1fbn; customs %.1fbn, %.1fbn" % (
        m["rir"] + m["rir_customs"]))
    out.append("Iran-Belarus trade vs 2021: 2022 %+.0f%%, 2023 %+.0f%%" % m["ib"])
    for lab in ("2022-12", "2023-12"):
        s = m["settle"][lab]
        out.append("Russia's settlement %s: SWIFT %.2f, CIPS %.2f, SPFS+Mir %.2f (SPFS %.2f, Mir %.2f), fallback %.2f" % (
            lab, s["SWIFT"], s["CIPS"], s["SPFS"] + s["Mir"], s["SPFS"], s["Mir"], s["fallback"]))
    out.append("Rerouting 2023-12: evasion-hub transit %.1f%% of lost West<->RUS/BLR trade (%.1fbn of %.0fbn); machinery controls %.1f%% (%.3f of baseline rerouted vs %.2f lost); INSTC %.1fbn" % m["rerouting"])
    out.append("INSTC transit 2024-12: %.0f (USD million a year)" % m["instc_2412"])
    out.append("Covered flows remaining 2023-12: machinery controls %.2f, import bans %.2f, EU energy embargoes %.2f, US energy ban %.2f" % m["remaining"])
    for n, rem, rer in m["secondary"]:
        out.append("%s 2024-12: remaining %.3f, rerouted %.3f" % (n, rem, rer))
    out.append("Welfare 2024-12: " + ", ".join("%s %+.2f%%" % (n, w) for n, w in m["welfare"]))
    if m["wedge"] is not None:
        out.append("Wedge revenue 2023-06, 2024-12 (USD bn a year): RUS %+.2f, %+.2f, USA %+.2f, %+.2f, IRN %+.2f, %+.2f" % m["wedge"])
    out.append("Payment cost 2024-12: RUS %.2f%%, IRN %.2f%%" % m["payment_cost"])
    print("\n".join(out))
    return 0


# ---- the two-run report (issue 10) --------------------------------------

def element(config, name):
    """The scalar settings of the element named `name` in a resolved config
    (sancsim writes one setting a line, each element's settings one indent
    deeper than its braces): {} when there is none."""
    lines = config.splitlines()
    for i, ln in enumerate(lines):
        if ln.strip() != 'name = "%s";' % name.replace('"', '\\"'):
            continue
        ind = len(ln) - len(ln.lstrip())
        lo = i
        while lo > 0 and not (lines[lo - 1].strip() == "{" and len(lines[lo - 1]) - len(lines[lo - 1].lstrip()) < ind):
            lo -= 1
        hi = i
        while hi < len(lines) and not (lines[hi].strip().startswith("}") and
                                       len(lines[hi]) - len(lines[hi].lstrip()) < ind):
            hi += 1
        out = {}
        for s in lines[lo:hi]:
            if len(s) - len(s.lstrip()) != ind:
                continue
            kv = re.match(r'\s*(\w+) = (.*);$', s)
            if kv:
                v = kv.group(2)
                out[kv.group(1)] = v[1:-1] if v.startswith('"') and v.endswith('"') else v
        return out
    return {}


def when(run, start):
    """A config start ("YYYY-MM" or a period index) as a date."""
    if re.fullmatch(r"\d+", start or ""):
        p = int(start)
        return run.dates[p] if p < len(run.dates) else "period %d" % p
    return start


def record_date(scripted, name):
    e = element(scripted.config, name)
    if not e or e.get("start") == "decided":
        return "not in 2022-24"
    if "start" not in e:
        return "throughout"
    s = when(scripted, e["start"])
    if "end" in e:
        return "%s to %s" % (s, when(scripted, e["end"]))
    return s


def actions(scripted, endo):
    """Rows: action, owner (partner), decided, start, record."""
    f = endo.f
    if "action" not in f:
        return []
    acts = labels(f, "action")
    active = f["action_active"][:]
    taken, dropped = {}, {}
    if "decision_action" in f:
        for per, act, kind in zip(f["decision_period"][:], labels(f, "decision_action"), labels(f, "decision_kind")):
            (taken if kind == "taken" else dropped)[act] = int(per)
    rows = []
    for k, name in enumerate(acts):
        e = element(endo.config, name)
        partner = e.get("partner") or e.get("via")
        if partner is None and e.get("type") == "join":
            partner = element(endo.config, e.get("system", "")).get("home")
        who = e.get("owner", "?") + (", " + partner if partner and partner != e.get("owner") else "")
        on = np.nonzero(active[:, k])[0]
        if name in taken:
            decided = endo.dates[taken[name]]
            start = endo.dates[on[0]] if len(on) else "after the horizon"
            if name in dropped:
                start += ", dropped %s" % endo.dates[dropped[name]]
        else:
            decided, start = "not taken", "-"
        rows.append((name, who, decided, start, record_date(scripted, name)))
    return rows


def fmt(v, spec):
    return "n/a" if v is None else " / ".join(spec % x for x in v)


def comparisons(ms, me):
    """Rows: what, scripted, endogenous."""
    rows = []

    def row(label, key, spec, sub=None):
        a, b = ms[key], me[key]
        if sub is not None:
            a, b = sub(a), sub(b)
        rows.append((label, fmt(a, spec), fmt(b, spec)))

    row("Russia-China trade 2022 / 2023, USD bn", "rc", "%.0f")
    row("Russia-China customs 2022 / 2023, USD bn", "rc_customs", "%.0f")
    row("Russia-India trade FY22-23 / FY23-24, USD bn", "ri_fy", "%.0f")
    row("Russia-India trade 2022 / 2023, USD bn", "ri_cal", "%.1f")
    row("EU imports from Russia vs 2021 (customs) 2022 / 2023 / 2024", "eu_im", "%.2f")
    row("EU energy imports from Russia vs 2021 2022 / 2023 / 2024", "eu_en", "%.2f")
    row("EU exports to Russia vs 2021 (customs) 2023 / 2024", "eu_ex", "%.2f")
    row("Russia-Iran trade 2022 / 2023 / 2024, USD bn", "rir", "%.2f")
    row("Russia-Iran customs 2022 / 2023, USD bn", "rir_customs", "%.2f")
    row("Iran-Belarus trade vs 2021 2022 / 2023, %", "ib", "%+.0f")
    for lab in ("2022-12", "2023-12", "2024-12"):
        row("Russia's settlement %s: SWIFT / CIPS / SPFS / Mir / fallback" % lab, "settle", "%.2f",
            lambda s, lab=lab: tuple(s[lab][n] for n in ("SWIFT", "CIPS", "SPFS", "Mir", "fallback")))
    row("Rerouting 2023-12: evasion hubs, % of lost West<->RUS/BLR trade", "rerouting", "%.1f", lambda r: (r[0],))
    row("Rerouting 2023-12: machinery controls, % of lost", "rerouting", "%.1f", lambda r: (r[3],))
    row("INSTC transit 2023-12, USD bn", "rerouting", "%.2f", lambda r: (r[6],))
    row("Transit through Turkey 2024, USD bn", "turkey_2024", "%.2f", lambda v: (v,))
    row("Strategic power balance RUS on IRN (arms_dualuse) 2022-12 / 2023-12 / 2024-12", "spb", "%.3f")
    row("Power balance RUS on IRN (all trade) 2022-12 / 2023-12 / 2024-12", "pb", "%.3f")
    row("Leverage RUS on IRN 2021 / 2024-12, IRN on RUS 2021 / 2024-12", "lev", "%.4f")
    row("Welfare RUS / IRN / BLR / TUR / IND / CHN 2024-12, %", "welfare", "%+.2f",
        lambda w: tuple(dict(w)[n] for n in ("RUS", "IRN", "BLR", "TUR", "IND", "CHN")))
    return rows


def compare(scripted_path, endo_path):
    s, e = Run(scripted_path), Run(endo_path)
    out = ["Actions of the endogenous run (decided: the review at which the owner took it; start: decided + "
           "lag; record: the scripted run's date)", "",
           "| action | owner, partner | decided | start | record |", "|---|---|---|---|---|"]
    rows = actions(s, e)
    out += ["| %s |" % " | ".join(r) for r in rows]
    if not rows:
        out.append("| (no decided actions) | | | | |")
    out += ["", "| 2022-24 | scripted | endogenous |", "|---|---|---|"]
    out += ["| %s |" % " | ".join(r) for r in comparisons(s.measures(), e.measures())]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 2:
        sys.exit(single(sys.argv[1]))
    if len(sys.argv) == 3:
        sys.exit(compare(sys.argv[1], sys.argv[2]))
    print(__doc__.strip().splitlines()[0], file=sys.stderr)
    sys.exit(2)
