#!/usr/bin/python3
"""test_ri_io.py - the Russia-Iran scenario on the io model
(configs/russia_iran_2022.cfg: 16 economies, 6 goods sectors and domestic
services, input-output baseline of configs/data/io_2021/), its accounting
and its revenue wedges, checked by hand from the HDF5 output:

 - the data: the io trade file's goods rows are configs/data/trade_2021.csv
   exactly, services are sold only at home, value added sums to the GDP of
   scripts/build_baseline_2021.py, final demand and value added are >= 0,
   and the data are an equilibrium under their deficits (the re-solve of
   period 0 moves wages by less than 1e-6: the CSVs' rounding);
 - income (E6): I_n = value added + wedge revenue + D_n in every period,
   D_n the data's deficits (fixed in levels); so world final spending equals
   world income; markets clear in seller values;
 - the current account: exports + export taxes and fees received - imports
   (all at seller values) - export taxes and fees paid = -D_n, for every
   country (Russia and India together: the INSTC's fee on their trade is
   paid by one or the other);
 - wedge revenue = wedge x the base it is levied on (DESIGN 2b), with the
   rates of the scenario's inputs: the US column-2 tariff (0.3 on imports
   from RUS and BLR in four sectors from 2022-04), the Urals/ESPO discounts
   (export taxes of RUS on energy to IND, TUR and CHN: -0.271 / -0.051 from
   2022-04, -0.100 / -0.030 from 2023-07), the INSTC fee (0.05 of transit,
   to IRN, from 2022-07); nobody else earns any;
 - signs from theory and the record: Russia loses real income in every
   period from 2022-03 and more than the EU (a multiple, as every study of
   2022 finds); Iran earns the fee once the corridor carries goods; Russia's
   export-tax revenue is negative while it discounts.
"""
import csv
import importlib.util
import os
import subprocess
import sys
import tempfile

import numpy as np

SANCSIM = os.environ.get("SANCSIM", "")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

fails = []


def check(name, ok, detail=""):
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + str(detail)) if not ok and detail != "" else ""))
    if not ok:
        fails.append(name)


def read_data():
    d = os.path.join(SRC, "configs", "data")
    goods = {}
    with open(os.path.join(d, "trade_2021.csv")) as f:
        for r in csv.DictReader(f):
            goods[(r["exporter"], r["importer"], r["sector"])] = float(r["value"])
    io = {}
    with open(os.path.join(d, "io_2021", "trade.csv")) as f:
        for r in csv.DictReader(f):
            io[(r["exporter"], r["importer"], r["sector"])] = float(r["value"])
    tab = {}
    for name in ("value_added", "final"):
        with open(os.path.join(d, "io_2021", name + ".csv")) as f:
            tab[name] = {(r["country"], r["sector"]): float(r["value"]) for r in csv.DictReader(f)}
    with open(os.path.join(d, "io_2021", "deficits.csv")) as f:
        D = {r["country"]: float(r["value"]) for r in csv.DictReader(f)}
    return goods, io, tab, D


def main():
    if not SANCSIM or not os.access(SANCSIM, os.X_OK):
        print("SANCSIM not set or not executable", file=sys.stderr)
        return 2
    import h5py
    goods, io, tab, Ddata = read_data()
    check("io trade: the goods rows are trade_2021.csv", all(io[k] == v for k, v in goods.items()))
    svc = [k for k in io if k[2] == "services"]
    check("io trade: goods + services, nothing else", len(io) == len(goods) + len(svc))
    check("services are sold only at home", all(io[k] == 0.0 for k in svc if k[0] != k[1]) and
          all(io[k] > 0.0 for k in svc if k[0] == k[1]))
    spec = importlib.util.spec_from_file_location("bb", os.path.join(SRC, "scripts", "build_baseline_2021.py"))
    bb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bb)
    va = {}
    for (c, s), v in tab["value_added"].items():
        va[c] = va.get(c, 0.0) + v
    gap = max(abs(va[c] / (bb.GDP[c][0] * 1000.0) - 1.0) for c in bb.CODES)
    check("value added sums to GDP (WDI) for every economy", gap < 1e-6, gap)
    share = [tab["value_added"][(c, "services")] / va[c] for c in bb.CODES]
    check("services 55-90% of value added", 0.55 <= min(share) and max(share) <= 0.90, (min(share), max(share)))
    check("final demand and value added >= 0", min(tab["final"].values()) >= 0.0 and
          min(tab["value_added"].values()) >= 0.0)

    with tempfile.TemporaryDirectory(prefix="sancsim_riio_") as d:
        out = os.path.join(d, "ri.h5")
        p = subprocess.run([SANCSIM, "run", os.path.join(SRC, "configs", "russia_iran_2022.cfg"), "-o", out, "-q"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("FAIL: exit %d: %s" % (p.returncode, p.stderr))
            return 1
        f = h5py.File(out, "r")
        C = [x.decode() for x in f["country"][:]]
        S = [x.decode() for x in f["sector"][:]]
        ci = {n: i for i, n in enumerate(C)}
        X, R, E = f["flows"][()], f["wedge_revenue"][()], f["expenditure"][()]
        VA, Y = f["value_added"][()], f["output"][()]
        T, n = X.shape[0], X.shape[1]
        D = np.array([Ddata[c] for c in C])
        check("model io, 7 sectors", f["provenance/config"][()].decode().find('model = "io"') >= 0 and
              S[-1] == "services" and len(S) == 7)
        a = f.attrs["baseline_resolve_max_wage_change"]
        check("the data are an equilibrium (re-solve < 1e-6)", a < 1e-6, a)
        scale = E.sum(axis=1)
        g1 = np.max(np.abs(E - VA.sum(axis=2) - R - D[None, :]) / scale[:, None])
        check("income = value added + revenue + D, every country and period", g1 < 1e-10, g1)
        g2 = np.max(np.abs(E.sum(axis=1) - VA.sum(axis=(1, 2)) - R.sum(axis=1)) / scale)
        check("world final spending = world income", g2 < 1e-10, g2)
        g3 = np.max(np.abs(X.sum(axis=(2, 3)) - Y) / Y)
        check("markets clear in seller values", g3 < 1e-12, g3)

        # the scenario's revenue wedges, cell by cell (rates: the inputs)
        tariff = np.zeros((T, n, n, len(S)))
        xtax = np.zeros_like(tariff)
        en = S.index("energy")
        for k in ("agrifood", "vehicles_machinery", "chemicals_pharma", "other"):
            for i in ("RUS", "BLR"):
                tariff[4:, ci[i], ci["USA"], S.index(k)] = 0.3
        for j, deep, narrow in (("IND", -0.271, -0.100), ("TUR", -0.271, -0.100), ("CHN", -0.051, -0.030)):
            xtax[4:19, ci["RUS"], ci[j], en] = deep
            xtax[19:, ci["RUS"], ci[j], en] = narrow
        tr = f["transit"][()][:, [x.decode() for x in f["hub"][:]].index("INSTC")]
        fee = 0.05 * tr  # INSTC cells carry no export tax (not energy)
        want = np.zeros((T, n))
        want += (tariff * X).sum(axis=(1, 3))                 # importer's tariffs (no fee, no tax on those cells)
        want += (xtax * X).sum(axis=(2, 3))                   # exporter's export taxes
        want[:, ci["IRN"]] += fee
        g4 = np.max(np.abs(R - want) / scale[:, None])
        check("wedge revenue = wedge x base (tariff, export tax, fee)", g4 < 1e-12, g4)
        check("the US collects the column-2 tariff from 2022-04", R[4:, ci["USA"]].min() > 0.0 and
              np.all(R[:4, ci["USA"]] == 0.0))
        check("Russia gives the discount up (revenue < 0) from 2022-04", R[4:, ci["RUS"]].max() < 0.0)
        check("Iran earns the INSTC fee once goods move (from 2022-07)", R[7:, ci["IRN"]].min() > 0.0 and
              np.all(R[:7, ci["IRN"]] == 0.0))

        # current account: exports + taxes/fees received - imports - taxes/fees paid = -D
        off = ~np.eye(n, dtype=bool)
        ex = (X.sum(axis=3) * off).sum(axis=2)
        im = (X.sum(axis=3) * off).sum(axis=1)
        xpaid = (xtax * X).sum(axis=(1, 3))                    # export taxes on n's imports
        xrecv = (xtax * X).sum(axis=(2, 3))
        frecv = np.zeros((T, n))
        frecv[:, ci["IRN"]] = fee
        bal = ex + xrecv + frecv - im - xpaid + D[None, :]     # + fees paid, for RUS and IND only
        others = [i for i in range(n) if C[i] not in ("RUS", "IND")]
        g5 = np.max(np.abs(bal[:, others]) / scale[:, None])
        pair = bal[:, ci["RUS"]] + bal[:, ci["IND"]] - fee
        g6 = np.max(np.abs(pair) / scale)
        check("exports - imports at seller values, net of wedges paid and received, = -D", g5 < 1e-10, g5)
        check("the same for Russia and India together (the fee they pay)", g6 < 1e-10, g6)

        W = f["welfare"][()]
        check("Russia loses real income in every period from 2022-03", W[3:, ci["RUS"]].max() < 1.0)
        check("Russia loses more than the EU (at 2024-12, and over 2022-24)",
              1 - W[-1, ci["RUS"]] > 3 * (1 - W[-1, ci["EU"]]) and
              (1 - W[1:, ci["RUS"]]).mean() > 3 * (1 - W[1:, ci["EU"]]).mean())
        print("welfare 2024-12: RUS %+.2f%%, EU %+.2f%%, IRN %+.2f%%; revenue 2023-06: RUS %.0f, USA %.0f, IRN %.1f"
              % (100 * (W[-1, ci["RUS"]] - 1), 100 * (W[-1, ci["EU"]] - 1), 100 * (W[-1, ci["IRN"]] - 1),
                 R[18, ci["RUS"]], R[18, ci["USA"]], R[18, ci["IRN"]]))
    print("FAILED: " + ", ".join(fails) if fails else "all passed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
