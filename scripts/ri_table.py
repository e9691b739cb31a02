#!/usr/bin/python3
"""ri_table.py RUN.h5 - the model column of configs/README.md's comparison of
the Russia-Iran scenario with the 2022-2024 record ("Plausibility targets"),
computed as that section says: calendar years are means of twelve monthly
annual rates (2022 = periods 1-12), India's fiscal years FY22-23 = periods
4-15 and FY23-24 = 16-27; bilateral trade = both directions of `flows`
summed over sectors, and the same from `customs_flows`; EU ratios =
`customs_flows` over period 0 (energy and non-energy splits from `flows`);
settlement = `settlement_share` of Russia at 2022-12 and 2023-12; rerouting =
transit through the evasion hubs in 2023-12 over the fall of all
West<->RUS/BLR flows since period 0; wedge revenue (when the run has any) of
Russia (the discounts), the USA (column-2 tariffs) and Iran (INSTC fee).
Prints one line per row (USD bn).

    /usr/bin/python3 scripts/ri_table.py results/russia_iran_2022.h5
"""
import sys

import h5py
import numpy as np


def labels(f, name):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in f[name][:]]


def main(path):
    f = h5py.File(path, "r")
    c = {n: i for i, n in enumerate(labels(f, "country"))}
    sec = {n: i for i, n in enumerate(labels(f, "sector"))}
    X = f["flows"][:]                      # time, exporter, importer, sector
    Xs = X.sum(-1)
    C = f["customs_flows"][:]
    bn = 1e-3

    def two(a, b, M=Xs):
        return M[:, c[a], c[b]] + M[:, c[b], c[a]]

    y22, y23, y24 = slice(1, 13), slice(13, 25), slice(25, 37)
    fy1, fy2 = slice(4, 16), slice(16, 28)
    out = []
    rc = two("RUS", "CHN")
    out.append("Russia-China trade 2022, 2023: %.0fbn, %.0fbn (RUS->CHN %.0f, %.0f; CHN->RUS %.0f, %.0f); customs %.0fbn, %.0fbn" % (
        rc[y22].mean() * bn, rc[y23].mean() * bn, Xs[y22, c["RUS"], c["CHN"]].mean() * bn,
        Xs[y23, c["RUS"], c["CHN"]].mean() * bn, Xs[y22, c["CHN"], c["RUS"]].mean() * bn,
        Xs[y23, c["CHN"], c["RUS"]].mean() * bn, two("RUS", "CHN", C)[y22].mean() * bn,
        two("RUS", "CHN", C)[y23].mean() * bn))
    ri = two("RUS", "IND")
    ric = two("RUS", "IND", C)
    out.append("Russia-India trade FY22-23, FY23-24: %.0fbn, %.0fbn (calendar 2022 %.0fbn, 2023 %.1fbn); customs FY %.0fbn, %.0fbn" % (
        ri[fy1].mean() * bn, ri[fy2].mean() * bn, ri[y22].mean() * bn, ri[y23].mean() * bn,
        ric[fy1].mean() * bn, ric[fy2].mean() * bn))
    eu_im = C[:, c["RUS"], c["EU"]]
    en = X[:, c["RUS"], c["EU"], sec["energy"]]
    ne = Xs[:, c["RUS"], c["EU"]] - en
    out.append("EU imports from Russia (customs, vs 2021) 2022, 2023, 2024: %.2f, %.2f, %.2f; 2023-06 %.2f; energy %.2f, %.2f, %.2f; non-energy 2023 %.2f" % (
        eu_im[y22].mean() / eu_im[0], eu_im[y23].mean() / eu_im[0], eu_im[y24].mean() / eu_im[0], eu_im[18] / eu_im[0],
        en[y22].mean() / en[0], en[y23].mean() / en[0], en[y24].mean() / en[0], ne[y23].mean() / ne[0]))
    eu_ex = C[:, c["EU"], c["RUS"]]
    out.append("EU exports to Russia (customs, vs 2021) 2023, 2024: %.2f, %.2f" % (
        eu_ex[y23].mean() / eu_ex[0], eu_ex[y24].mean() / eu_ex[0]))
    rir = two("RUS", "IRN")
    rirc = two("RUS", "IRN", C)
    out.append("Russia-Iran trade 2022, 2023, 2024: flows %.1fbn, %.1fbn, %.1fbn; customs %.1fbn, %.1fbn" % (
        rir[y22].mean() * bn, rir[y23].mean() * bn, rir[y24].mean() * bn, rirc[y22].mean() * bn, rirc[y23].mean() * bn))
    ib = two("IRN", "BLR")
    out.append("Iran-Belarus trade vs 2021: 2022 %+.0f%%, 2023 %+.0f%%" % (
        100 * (ib[y22].mean() / ib[0] - 1), 100 * (ib[y23].mean() / ib[0] - 1)))
    S = f["settlement_share"][:]
    sysn = labels(f, "payment_system")
    for t, lab in ((12, "2022-12"), (24, "2023-12")):
        s = {n: S[t, c["RUS"], k] for k, n in enumerate(sysn)}
        out.append("Russia's settlement %s: SWIFT %.2f, CIPS %.2f, SPFS+Mir %.2f (SPFS %.2f, Mir %.2f), fallback %.2f" % (
            lab, s["SWIFT"], s["CIPS"], s["SPFS"] + s["Mir"], s["SPFS"], s["Mir"], s["fallback"]))
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
    out.append("Rerouting 2023-12: evasion-hub transit %.1f%% of lost West<->RUS/BLR trade (%.1fbn of %.0fbn); machinery controls %.1f%% (%.3f of baseline rerouted vs %.2f lost); INSTC %.1fbn" % (
        100 * via / lost, via * bn, lost * bn, 100 * rer[24, mq] / (1 - rem[24, mq]), rer[24, mq], 1 - rem[24, mq],
        tr[24, hubs.index("INSTC")] * bn))
    out.append("INSTC transit 2024-12: %.0f (USD million a year)" % tr[36, hubs.index("INSTC")])
    out.append("Covered flows remaining 2023-12: machinery controls %.2f, import bans %.2f, EU energy embargoes %.2f, US energy ban %.2f" % (
        rem[24, mq], rem[24, sn.index("West import bans: steel, wood, cement, gold")],
        rem[24, sn.index("EU crude oil embargo")], rem[24, sn.index("US energy import ban")]))
    for q, n in enumerate(sn):
        if "secondary" in n:
            out.append("%s 2024-12: remaining %.3f, rerouted %.3f" % (n, rem[36, q], rer[36, q]))
    W = f["welfare"][:]
    out.append("Welfare 2024-12: " + ", ".join("%s %+.2f%%" % (n, 100 * (W[36, i] - 1)) for n, i in c.items()))
    if "wedge_revenue" in f:  # revenue wedges (io: the discounts, column-2 tariffs, INSTC fee)
        R = f["wedge_revenue"][:]
        out.append("Wedge revenue 2023-06, 2024-12 (USD bn a year): " + ", ".join(
            "%s %+.2f, %+.2f" % (n, R[18, c[n]] * bn, R[36, c[n]] * bn) for n in ("RUS", "USA", "IRN")))
    pc = f["payment_cost"][:]
    out.append("Payment cost 2024-12: RUS %.2f%%, IRN %.2f%%" % (100 * pc[36, c["RUS"]], 100 * pc[36, c["IRN"]]))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
