#!/usr/bin/python3
"""Build the input-output baseline of 2021 for trade.model = "io" (DESIGN 2b):
configs/data/io_2021/{trade,inputs,final,value_added,deficits}.csv.

It extends the goods baseline (configs/data/trade_2021.csv, countries.csv and
the GDP figures of scripts/build_baseline_2021.py, all unchanged) by a
domestic-only `services` sector and an input-output table.  Every number it
uses is either read from those files or written below with its source; the
construction is deterministic (no randomness, no network) and it rewrites the
tables of configs/data/README.md between `<!-- BEGIN generated:io_* -->`
markers.  Construction (configs/data/README.md, "Input-output baseline"):

  1. Goods (the six sectors of trade_2021.csv): gross output GO_nk = sales
     sum_m X_nmk and absorption A_nk = purchases sum_i X_ink, both from the
     trade file (domestic cells included), so markets clear by construction.
  2. Cost shares: value-added share gamma_k = VA/GO and input shares
     gamma_sk = IC_{s->k}/GO of each sector, from Caliendo and Parro's (2015)
     input-output data (CP_SHARES below: the 1993 tables of their 31 regions
     aggregated to our 7 sectors and to the source group of each economy,
     CP_GROUP).  Assumption: 1993 cost structures for 2021.
  3. Value added: VA_nk = gamma_k GO_nk for goods; services take the rest of
     GDP (WDI 2021), VA_n,services = GDP_n - sum of goods VA; services gross
     output GO = VA / gamma_services; services are sold at home only
     (absorption = output).
  4. Inputs IC_{n,s->k} = gamma_sk GO_nk; final demand FC_ns = A_ns - sum_k
     IC_{n,s->k}.  Where that would leave final demand below FC_FLOOR of
     absorption (energy in energy exporters whose domestic sales are small),
     the input row s is scaled down until it does not, and the freed cost is
     bought from services instead (gross output and value added unchanged).
  5. Deficits D_n = goods imports - goods exports (services are not traded).

With these the data are an equilibrium of the io model under D' = D: period 0
needs no re-solve beyond rounding (baseline_resolve_max_wage_change ~ 0).

    /usr/bin/python3 scripts/build_io_2021.py            # writes the CSVs and README tables
    /usr/bin/python3 scripts/build_io_2021.py --derive DIR
        # recomputes CP_SHARES from Caliendo-Parro's CSVs in DIR (e.g.
        # ../shared/data/cp2015) and prints them beside the stored ones
"""

import csv
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "configs", "data")
OUT = os.path.join(DATA, "io_2021")

_spec = importlib.util.spec_from_file_location("bb2021", os.path.join(ROOT, "scripts", "build_baseline_2021.py"))
bb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bb)

GOODS = bb.SECTORS  # energy, agrifood, vehicles_machinery, chemicals_pharma, arms_dualuse, other
SECTORS = GOODS + ["services"]
CODES = bb.CODES

# ---------------------------------------------------------------------------
# Caliendo and Parro (2015), "Estimates of the Trade and Welfare Effects of
# NAFTA", REStud 82(1): their input-output data (R package cp2015, object
# cp2015_nafta; files intermediate_consumption.csv and value_added.csv, 1993,
# USD), aggregated here.  CP's 40 sectors -> ours:
CP_SECTORS = {
    "energy": ["Mining", "Petroleum", "Electricity"],
    "agrifood": ["Agriculture", "Food"],
    "vehicles_machinery": ["Machinery n.e.c", "Office", "Electrical", "Communication", "Medical", "Auto",
                           "Other Transport"],
    "chemicals_pharma": ["Chemicals", "Plastic"],
    "other": ["Textile", "Wood", "Paper", "Minerals", "Basic metals", "Metal products", "Other"],
    # CP's sectors 21-40 (Construction ... Private households)
    "services": "rest",
}
# arms_dualuse is carved out of HS 84-90 (configs/data/README.md), so it takes
# vehicles_machinery's cost shares.
# CP's regions -> source groups (sums of their tables):
CP_REGIONS = {
    "CHN": ["China"], "IND": ["India"], "TUR": ["Turkey"], "JPN": ["Japan"], "GBR": ["UK"], "USA": ["USA"],
    # the 13 EU members among CP's regions
    "EU": ["Austria", "Denmark", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland", "Italy",
           "Netherlands", "Portugal", "Spain", "Sweden"],
    # our ROW: the other economies CP list, plus their rest of the world
    "ROW": ["Argentina", "Australia", "Brazil", "Canada", "Chile", "Indonesia", "Korea", "Mexico",
            "New Zealand", "Norway", "South Africa", "Row"],
    # economies CP do not list (inside their "Row"): Row's own table
    "Row": ["Row"],
}
CP_GROUP = {c: (c if c in CP_REGIONS else "Row") for c in CODES}  # RUS, IRN, BLR, KAZ, ARM, VEN, SYR, ARE -> Row

CP_ORDER = ["energy", "agrifood", "vehicles_machinery", "chemicals_pharma", "other", "services"]
# CP_SHARES[group][k] = (gamma_k, [gamma_sk for s in CP_ORDER]) for k in
# CP_ORDER: value-added share and input shares of gross output (gross output
# = inputs + value added, CP's definition), 4 decimals, as printed by
# --derive ../shared/data/cp2015.  The input shares are rescaled to sum to
# 1 - gamma_k exactly when used.
# BEGIN CP_SHARES (generated by --derive; do not edit by hand)
CP_SHARES = {
    "CHN": {
        "energy": (0.4428, [0.1808, 0.0153, 0.0682, 0.0437, 0.0822, 0.1670]),
        "agrifood": (0.5282, [0.0107, 0.2961, 0.0125, 0.0538, 0.0249, 0.0738]),
        "vehicles_machinery": (0.2751, [0.0177, 0.0026, 0.2693, 0.0696, 0.2461, 0.1195]),
        "chemicals_pharma": (0.2747, [0.0723, 0.0625, 0.0270, 0.3128, 0.0957, 0.1550]),
        "other": (0.2634, [0.0618, 0.0532, 0.0330, 0.0539, 0.3798, 0.1549]),
        "services": (0.4504, [0.0430, 0.0417, 0.0698, 0.0263, 0.1511, 0.2178]),
    },
    "IND": {
        "energy": (0.4632, [0.2231, 0.0011, 0.0373, 0.0227, 0.0362, 0.2164]),
        "agrifood": (0.6532, [0.0090, 0.1975, 0.0054, 0.0280, 0.0144, 0.0926]),
        "vehicles_machinery": (0.2921, [0.0139, 0.0021, 0.1596, 0.0503, 0.2850, 0.1971]),
        "chemicals_pharma": (0.2338, [0.0365, 0.0671, 0.0107, 0.2817, 0.0980, 0.2722]),
        "other": (0.2377, [0.0544, 0.0566, 0.0181, 0.0413, 0.3409, 0.2509]),
        "services": (0.6452, [0.0422, 0.0165, 0.0255, 0.0141, 0.0802, 0.1763]),
    },
    "TUR": {
        "energy": (0.6237, [0.1776, 0.0016, 0.0069, 0.0085, 0.0080, 0.1737]),
        "agrifood": (0.5510, [0.0248, 0.2065, 0.0079, 0.0283, 0.0183, 0.1632]),
        "vehicles_machinery": (0.4421, [0.0080, 0.0021, 0.1658, 0.0282, 0.1532, 0.2006]),
        "chemicals_pharma": (0.4053, [0.0523, 0.0206, 0.0117, 0.2596, 0.0397, 0.2108]),
        "other": (0.3808, [0.0476, 0.0351, 0.0196, 0.0361, 0.2689, 0.2118]),
        "services": (0.6622, [0.0453, 0.0183, 0.0188, 0.0115, 0.0730, 0.1709]),
    },
    "JPN": {
        "energy": (0.5128, [0.3012, 0.0010, 0.0026, 0.0083, 0.0142, 0.1599]),
        "agrifood": (0.4414, [0.0079, 0.2829, 0.0054, 0.0334, 0.0471, 0.1820]),
        "vehicles_machinery": (0.3392, [0.0024, 0.0021, 0.2409, 0.0683, 0.1341, 0.2130]),
        "chemicals_pharma": (0.3600, [0.0239, 0.0107, 0.0067, 0.3161, 0.0497, 0.2328]),
        "other": (0.3686, [0.0215, 0.0141, 0.0179, 0.0437, 0.3143, 0.2198]),
        "services": (0.6177, [0.0130, 0.0137, 0.0148, 0.0170, 0.0622, 0.2616]),
    },
    "GBR": {
        "energy": (0.4857, [0.2356, 0.0031, 0.0249, 0.0158, 0.0371, 0.1979]),
        "agrifood": (0.3504, [0.0062, 0.3180, 0.0141, 0.0395, 0.0519, 0.2199]),
        "vehicles_machinery": (0.3615, [0.0030, 0.0025, 0.2129, 0.0447, 0.1520, 0.2234]),
        "chemicals_pharma": (0.3826, [0.0163, 0.0139, 0.0214, 0.2294, 0.0629, 0.2736]),
        "other": (0.4107, [0.0126, 0.0076, 0.0239, 0.0391, 0.2781, 0.2279]),
        "services": (0.5512, [0.0173, 0.0209, 0.0267, 0.0144, 0.0349, 0.3347]),
    },
    "USA": {
        "energy": (0.4065, [0.3394, 0.0001, 0.0152, 0.0149, 0.0242, 0.1996]),
        "agrifood": (0.3013, [0.0090, 0.3725, 0.0122, 0.0421, 0.0534, 0.2096]),
        "vehicles_machinery": (0.3180, [0.0031, 0.0002, 0.2609, 0.0449, 0.1684, 0.2046]),
        "chemicals_pharma": (0.3490, [0.0353, 0.0086, 0.0328, 0.2753, 0.0613, 0.2377]),
        "other": (0.3707, [0.0110, 0.0186, 0.0362, 0.0538, 0.2879, 0.2217]),
        "services": (0.6365, [0.0124, 0.0121, 0.0209, 0.0114, 0.0341, 0.2726]),
    },
    "EU": {
        "energy": (0.2987, [0.2819, 0.0026, 0.0309, 0.0285, 0.0337, 0.3235]),
        "agrifood": (0.3523, [0.0078, 0.3230, 0.0130, 0.0291, 0.0335, 0.2412]),
        "vehicles_machinery": (0.3361, [0.0033, 0.0020, 0.2117, 0.0468, 0.1490, 0.2510]),
        "chemicals_pharma": (0.3437, [0.0236, 0.0155, 0.0241, 0.2254, 0.0646, 0.3032]),
        "other": (0.3590, [0.0201, 0.0176, 0.0261, 0.0409, 0.2771, 0.2591]),
        "services": (0.5978, [0.0113, 0.0148, 0.0229, 0.0122, 0.0414, 0.2996]),
    },
    "ROW": {
        "energy": (0.4275, [0.2561, 0.0049, 0.0282, 0.0249, 0.0302, 0.2283]),
        "agrifood": (0.4255, [0.0108, 0.3108, 0.0111, 0.0380, 0.0288, 0.1751]),
        "vehicles_machinery": (0.3148, [0.0069, 0.0021, 0.2621, 0.0488, 0.1479, 0.2173]),
        "chemicals_pharma": (0.3422, [0.0576, 0.0161, 0.0175, 0.2720, 0.0520, 0.2426]),
        "other": (0.3542, [0.0338, 0.0272, 0.0226, 0.0466, 0.3021, 0.2135]),
        "services": (0.5768, [0.0268, 0.0144, 0.0303, 0.0162, 0.0604, 0.2752]),
    },
    "Row": {
        "energy": (0.4027, [0.2597, 0.0040, 0.0296, 0.0261, 0.0331, 0.2448]),
        "agrifood": (0.4254, [0.0110, 0.3032, 0.0124, 0.0372, 0.0296, 0.1811]),
        "vehicles_machinery": (0.3316, [0.0065, 0.0025, 0.2411, 0.0444, 0.1501, 0.2238]),
        "chemicals_pharma": (0.3463, [0.0380, 0.0171, 0.0202, 0.2625, 0.0584, 0.2574]),
        "other": (0.3567, [0.0291, 0.0211, 0.0248, 0.0430, 0.2960, 0.2294]),
        "services": (0.5497, [0.0319, 0.0166, 0.0329, 0.0168, 0.0665, 0.2856]),
    },
}
# END CP_SHARES

# Final demand never falls below this share of a sector's absorption (EST:
# households, government and investment buy fuel, power, food and
# manufactures directly, a sizeable share of each sector's absorption).
FC_FLOOR = 0.15
BN = 1000.0  # USD billion -> USD million


def derive(cpdir):
    """CP_SHARES from Caliendo and Parro's CSVs (aggregated sums, then shares)."""
    secs = [s.strip() for s in open(os.path.join(cpdir, "sectors.txt")) if s.strip()]
    ours = {}
    for k, v in CP_SECTORS.items():
        if v != "rest":
            for s in v:
                ours[s] = k
    for s in secs[20:]:
        ours[s] = "services"
    ic, va = {}, {}
    with open(os.path.join(cpdir, "intermediate_consumption.csv")) as f:
        for r in csv.DictReader(f):
            for g, regs in CP_REGIONS.items():
                if r["region"] in regs:
                    key = (g, ours[r["input"]], ours[r["sector"]])
                    ic[key] = ic.get(key, 0.0) + float(r["value"])
    with open(os.path.join(cpdir, "value_added.csv")) as f:
        for r in csv.DictReader(f):
            for g, regs in CP_REGIONS.items():
                if r["region"] in regs:
                    key = (g, ours[r["sector"]])
                    va[key] = va.get(key, 0.0) + float(r["value"])
    out = {}
    for g in CP_REGIONS:
        out[g] = {}
        for k in CP_ORDER:
            go = va[(g, k)] + sum(ic.get((g, s, k), 0.0) for s in CP_ORDER)
            out[g][k] = (round(va[(g, k)] / go, 4), [round(ic.get((g, s, k), 0.0) / go, 4) for s in CP_ORDER])
    return out


def shares_text(sh):
    lines = ["CP_SHARES = {"]
    for g, rows in sh.items():
        lines.append('    "%s": {' % g)
        for k in CP_ORDER:
            v, ins = rows[k]
            lines.append('        "%s": (%.4f, [%s]),' % (k, v, ", ".join("%.4f" % x for x in ins)))
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines)


def cost_shares(c):
    """gamma (7) and gamma_sk (7 x 7, [s][k]) of economy c in our sectors."""
    g = CP_SHARES[CP_GROUP[c]]
    cp_of = {k: ("vehicles_machinery" if k == "arms_dualuse" else k) for k in SECTORS}
    idx = {k: CP_ORDER.index(cp_of[k]) for k in SECTORS}
    va, ins = [], [[0.0] * len(SECTORS) for _ in SECTORS]
    for b, k in enumerate(SECTORS):
        v, row = g[cp_of[k]]
        tot = sum(row)
        va.append(v)
        for a, s in enumerate(SECTORS):
            # input s of CP's sector: arms_dualuse and vehicles_machinery
            # split CP's machinery input by their shares of the buyer's
            # machinery-type absorption (set in build; here the whole)
            ins[a][b] = row[idx[s]] * (1.0 - v) / tot if s != "arms_dualuse" else 0.0
    return va, ins


def read_trade():
    n, K = len(CODES), len(GOODS)
    idx = {c: i for i, c in enumerate(CODES)}
    kx = {s: k for k, s in enumerate(GOODS)}
    X = [[[0.0] * K for _ in range(n)] for _ in range(n)]
    with open(os.path.join(DATA, "trade_2021.csv")) as f:
        for r in csv.DictReader(f):
            X[idx[r["exporter"]]][idx[r["importer"]]][kx[r["sector"]]] = float(r["value"])
    return X


def build():
    X = read_trade()
    n, K = len(CODES), len(SECTORS)
    G = len(GOODS)
    iA, iS = SECTORS.index("arms_dualuse"), SECTORS.index("services")
    iM = SECTORS.index("vehicles_machinery")
    GO = [[0.0] * K for _ in range(n)]
    A = [[0.0] * K for _ in range(n)]
    VA = [[0.0] * K for _ in range(n)]
    IC = [[[0.0] * K for _ in range(K)] for _ in range(n)]  # [n][s][k]
    FC = [[0.0] * K for _ in range(n)]
    info = {}
    for a, c in enumerate(CODES):
        for k in range(G):
            GO[a][k] = sum(X[a][b][k] for b in range(n))
            A[a][k] = sum(X[b][a][k] for b in range(n))
        va, ins = cost_shares(c)
        for k in range(G):
            VA[a][k] = va[k] * GO[a][k]
        gdp = bb.GDP[c][0] * BN
        VA[a][iS] = gdp - sum(VA[a][:G])
        if not VA[a][iS] > 0.2 * gdp:
            raise SystemExit("%s: services value added %.0f is below 20%% of GDP" % (c, VA[a][iS]))
        GO[a][iS] = A[a][iS] = VA[a][iS] / va[iS]
        # machinery-type inputs: CP's machinery row split between
        # vehicles_machinery and arms_dualuse in proportion to the economy's
        # absorption of the two (the 2% carve-out of configs/data/README.md)
        am = A[a][iM] + A[a][iA]
        fa = A[a][iA] / am if am > 0 else 0.0
        for k in range(K):
            for s in range(K):
                IC[a][s][k] = ins[s][k] * GO[a][k]
            m = IC[a][iM][k]
            IC[a][iM][k], IC[a][iA][k] = m * (1.0 - fa), m * fa
        floored = []
        for s in range(K):
            used = sum(IC[a][s][k] for k in range(K))
            fc = A[a][s] - used
            if fc < FC_FLOOR * A[a][s] and s != iS:
                scale = (1.0 - FC_FLOOR) * A[a][s] / used
                for k in range(K):
                    freed = IC[a][s][k] * (1.0 - scale)
                    IC[a][s][k] -= freed
                    IC[a][iS][k] += freed  # bought from domestic services instead
                floored.append("%s x%.2f" % (SECTORS[s], scale))
        for s in range(K):
            FC[a][s] = A[a][s] - sum(IC[a][s][k] for k in range(K))
            if not FC[a][s] >= 0.0:
                raise SystemExit("%s: final demand for %s would be %.1f < 0" % (c, SECTORS[s], FC[a][s]))
        info[c] = floored
    return X, GO, A, VA, IC, FC, info


def fmt(v):
    return "%.3f" % v


def write(X, GO, A, VA, IC, FC):
    n, K, G = len(CODES), len(SECTORS), len(GOODS)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "trade.csv"), "w", newline="\n") as f:
        f.write("exporter,importer,sector,value\n")
        for a, i in enumerate(CODES):
            for b, j in enumerate(CODES):
                for k, s in enumerate(SECTORS):
                    v = X[a][b][k] if k < G else (GO[a][k] if a == b else 0.0)
                    f.write("%s,%s,%s,%s\n" % (i, j, s, fmt(v)))
    with open(os.path.join(OUT, "inputs.csv"), "w", newline="\n") as f:
        f.write("country,input,sector,value\n")
        for a, c in enumerate(CODES):
            for s in range(K):
                for k in range(K):
                    f.write("%s,%s,%s,%s\n" % (c, SECTORS[s], SECTORS[k], fmt(IC[a][s][k])))
    with open(os.path.join(OUT, "final.csv"), "w", newline="\n") as f:
        f.write("country,sector,value\n")
        for a, c in enumerate(CODES):
            for k in range(K):
                f.write("%s,%s,%s\n" % (c, SECTORS[k], fmt(FC[a][k])))
    with open(os.path.join(OUT, "value_added.csv"), "w", newline="\n") as f:
        f.write("country,sector,value\n")
        for a, c in enumerate(CODES):
            for k in range(K):
                f.write("%s,%s,%s\n" % (c, SECTORS[k], fmt(VA[a][k])))
    with open(os.path.join(OUT, "deficits.csv"), "w", newline="\n") as f:
        f.write("country,value\n")
        for a, c in enumerate(CODES):
            imp = sum(sum(X[b][a]) for b in range(n) if b != a)
            exp = sum(sum(X[a][b]) for b in range(n) if b != a)
            f.write("%s,%s\n" % (c, fmt(imp - exp)))


def tables(X, GO, A, VA, IC, FC, info):
    n, K, G = len(CODES), len(SECTORS), len(GOODS)
    out = {}
    rows = ["| group | sector | VA share | " + " | ".join("input " + s for s in CP_ORDER) + " |",
            "|---|---|---:|" + "---:|" * len(CP_ORDER)]
    for g, r in CP_SHARES.items():
        for k in CP_ORDER:
            v, ins = r[k]
            rows.append("| %s | %s | %.3f | %s |" % (g, k, v, " | ".join("%.3f" % x for x in ins)))
    out["io_shares"] = "\n".join(rows)
    rows = ["| code | shares of | GDP | goods VA | services VA | services share | goods output | "
            "services output | income I = VA + D | final demand | input row scaled |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for a, c in enumerate(CODES):
        gdp = sum(VA[a])
        imp = sum(sum(X[b][a]) for b in range(n) if b != a)
        exp = sum(sum(X[a][b]) for b in range(n) if b != a)
        rows.append("| %s | %s | %s | %s | %s | %.0f%% | %s | %s | %s | %s | %s |" % (
            c, CP_GROUP[c], bb.fmt(gdp / BN), bb.fmt(sum(VA[a][:G]) / BN), bb.fmt(VA[a][G] / BN),
            100 * VA[a][G] / gdp, bb.fmt(sum(GO[a][:G]) / BN), bb.fmt(GO[a][G] / BN),
            bb.fmt((gdp + imp - exp) / BN), bb.fmt(sum(FC[a]) / BN), ", ".join(info[c]) or "-"))
    out["io_check"] = "\n".join(rows)
    return out


def main(argv):
    if len(argv) == 3 and argv[1] == "--derive":
        d = derive(argv[2])
        print(shares_text(d))
        if d != {g: {k: (v, list(i)) for k, (v, i) in r.items()} for g, r in CP_SHARES.items()}:
            print("# differs from the CP_SHARES stored in this script", file=sys.stderr)
            return 1
        return 0
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    X, GO, A, VA, IC, FC, info = build()
    write(X, GO, A, VA, IC, FC)
    blocks = tables(X, GO, A, VA, IC, FC, info)
    if not bb.update_readme(blocks):
        print("configs/data/README.md not found: tables not written", file=sys.stderr)
    print(blocks["io_check"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
