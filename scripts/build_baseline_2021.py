#!/usr/bin/python3
"""Build sancsim's default 2021 baseline: configs/data/trade_2021.csv and countries.csv.

Every number this script uses is written below, next to a comment that names
its source or states the assumption behind it; the script only combines them,
deterministically (no randomness, no network, no input files).  It also
rewrites the generated tables of configs/data/README.md (between the
`<!-- BEGIN generated:NAME -->` / `<!-- END generated:NAME -->` markers), so the
README always documents exactly the figures the CSVs were built from.

Construction (details and the reasons in configs/data/README.md):
  1. Target totals: each economy's 2021 goods exports and imports (TOTALS).
  2. Bilateral cross-border values between the 15 named economies: cited
     figures (BILATERAL, anchors and other published 2021 statistics); the
     few pairs without one are filled by a gravity rule (gravity_fill).
  3. ROW cells are residuals: i -> ROW = exports_i - sum of i's named flows,
     ROW -> j = imports_j - sum of j's named flows.  So every named economy's
     totals equal their targets by construction.
  4. Sector split: exporter shares (EXPORT_SHARES), a few pair overrides
     (PAIR_SECTOR_OVERRIDES); the i -> ROW cell takes whatever sector mix makes
     i's sector totals match its exporter shares.
  5. Domestic sales X_iik = max(Q_ik - exports_ik, FLOOR * Q_ik) with gross
     output of goods Q_ik = GDP_i * M_OUTPUT_i * q_ik (PRODUCTION_SHARES).

Run:  /usr/bin/python3 scripts/build_baseline_2021.py   (from anywhere)
"""

import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "configs", "data")

# ---------------------------------------------------------------------------
# Economies and sectors
# ---------------------------------------------------------------------------

# (code, name, groups).  Group names must never equal a country code.  WEST is
# defined in configs/baseline_2021.cfg (DESIGN section 7), not here, so that no
# group is defined twice; EAEU is a membership fact (Treaty on the Eurasian
# Economic Union, 2014/2015) useful for rerouting scenarios.
COUNTRIES = [
    ("RUS", "Russian Federation", "EAEU"),
    ("IRN", "Iran, Islamic Republic of", ""),
    ("BLR", "Belarus", "EAEU"),
    ("IND", "India", ""),
    ("CHN", "China", ""),
    ("TUR", "Turkiye", ""),
    ("ARE", "United Arab Emirates", ""),
    ("KAZ", "Kazakhstan", "EAEU"),
    ("ARM", "Armenia", "EAEU"),
    ("VEN", "Venezuela", ""),
    ("SYR", "Syrian Arab Republic", ""),
    ("USA", "United States", ""),
    ("EU", "European Union (27)", ""),
    ("GBR", "United Kingdom", ""),
    ("JPN", "Japan", ""),
    ("ROW", "Rest of the world", ""),
]
CODES = [c[0] for c in COUNTRIES]
NAMED = CODES[:-1]  # the 15 economies other than ROW

SECTORS = ["energy", "agrifood", "vehicles_machinery", "chemicals_pharma",
           "arms_dualuse", "other"]

# Exchange rates, annual averages 2021.
EUR_USD = 1.18   # ECB euro reference rate, 2021 average 1.1827 USD per EUR
JPY_USD = 109.8  # Bank of Japan / IMF IFS, 2021 average JPY per USD (used for JPN figures recalled in JPY)

# ---------------------------------------------------------------------------
# 1. Totals: 2021 goods exports and imports, USD billion, and GDP
# ---------------------------------------------------------------------------
# Source keys used below and in the README:
#   WTO    WTO Stats / World Trade Statistical Review 2022 (merchandise trade, 2021)
#   ESTAT  Eurostat, international trade in goods (Comext), 2021, EUR at EUR_USD
#   CENSUS US Census Bureau, FT-900 / country detail, 2021 (goods, Census basis)
#   CNCUS  General Administration of Customs of China, 2021
#   JPMOF  Japan Ministry of Finance, trade statistics, 2021
#   TURKST TurkStat, foreign trade statistics, 2021
#   BELST  Belstat (National Statistical Committee of Belarus), 2021
#   KAZST  Bureau of National Statistics of Kazakhstan, 2021
#   ARMST  Armstat (Statistical Committee of Armenia), 2021
#   FCS    Russian Federal Customs Service / Bank of Russia, 2021
#   INDCOM India, Ministry of Commerce (Export Import Data Bank), fiscal 2021-22
#   IRICA  Islamic Republic of Iran Customs Administration, Iranian year 1400 (to March 2022)
#   ONS    UK Office for National Statistics, UK trade, 2021
#   DOTS   IMF Direction of Trade Statistics, 2021 (partner-reported "mirror" data)
#   ANCHOR the published headline figure of the source named in the row's note
#   WDI    World Bank World Development Indicators, GDP current USD, 2021
#   EST    our estimate / assumption, explained in the comment and the README
# All non-anchor figures were compiled from these publications as recalled
# (no network access while building); treat them as accurate to roughly +-10%.

# code: (exports, imports, source of both)
TOTALS = {
    "USA": (1754.0, 2935.0, "WTO"),        # WTO 2021: exports 1,754.6, imports 2,935.3
    "CHN": (3364.0, 2687.0, "CNCUS/WTO"),  # China customs 2021: 3,363.96 / 2,687.53
    "EU":  (2180.0 * EUR_USD, 2120.0 * EUR_USD, "ESTAT"),  # extra-EU 2021: EUR 2,180bn / 2,120bn
    "JPN": (756.0, 769.0, "WTO/JPMOF"),    # WTO 2021; MoF JPY 83.1tn / 84.9tn
    "GBR": (470.0, 690.0, "WTO/ONS"),      # WTO 2021 (incl. non-monetary gold)
    "IND": (395.0, 573.0, "WTO"),          # calendar 2021 (fiscal 2021-22: 422 / 613, INDCOM)
    "RUS": (494.0, 304.0, "FCS/WTO"),      # Bank of Russia BoP goods 2021: 494 / 304
    "TUR": (225.0, 271.0, "TURKST"),       # TurkStat 2021: 225.2 / 271.4
    "ARE": (400.0, 350.0, "WTO/EST"),      # incl. re-exports; WTO ~425 / ~347, rounded down: re-export
                                           # valuations differ between UAE sources (EST)
    "KAZ": (60.3, 41.2, "KAZST"),          # Kazakh statistics 2021: turnover 101.5
    "IRN": (85.0, 50.0, "IRICA/EST"),      # non-oil exports ~49 (IRICA, year 1400) + crude oil ~36
                                           # (EST from OPEC volumes x Brent discount); imports ~50 (IRICA)
    "BLR": (39.8, 41.8, "BELST"),          # Belstat 2021 goods
    "ARM": (3.0, 5.4, "ARMST"),            # Armstat 2021: 3.0 / 5.37
    "VEN": (8.0, 7.5, "DOTS/EST"),         # no official data since 2018; exports ~ oil (OPEC volumes
                                           # ~0.65 mb/d at deep discounts) + ~1bn non-oil; imports from
                                           # partner-reported data (DOTS mirror)
    "SYR": (1.0, 5.5, "DOTS/EST"),         # no official data; partner-reported mirror figures
}

# GDP 2021, USD billion (domestic-sales construction and ROW only).
GDP = {
    "USA": (23315.0, "WDI"), "CHN": (17734.0, "WDI"), "JPN": (4941.0, "WDI"),
    "IND": (3176.0, "WDI"), "GBR": (3131.0, "WDI"), "RUS": (1779.0, "WDI"),
    "TUR": (819.0, "WDI"), "ARE": (415.0, "WDI"), "IRN": (360.0, "WDI"),
    "KAZ": (197.0, "WDI"),
    "EU": (17300.0, "ANCHOR/ESTAT"),   # Eurostat EUR 14.5tn x 1.18 = 17.1tn; anchor 17.3tn
    "BLR": (68.0, "ANCHOR"), "ARM": (13.9, "ANCHOR"), "SYR": (9.0, "ANCHOR"),
    "VEN": (60.0, "EST"),              # no WB figure; IMF/ECLAC-type estimates span 45-110bn; we take 60
}
WORLD_GDP = 96513.0             # WDI 2021
WORLD_EXPORTS = 22300.0         # WTO 2021 world merchandise exports (22.3tn)
INTRA_EU_EXPORTS = 3412.0 * EUR_USD   # Eurostat intra-EU exports of goods 2021, ~EUR 3.4tn
GDP["ROW"] = (WORLD_GDP - sum(v for v, _ in GDP.values()), "WDI residual")

# ---------------------------------------------------------------------------
# 2. Bilateral cross-border values, USD billion, exporter -> importer
# ---------------------------------------------------------------------------
# (exporter, importer, value, source, note).  "ANCHOR" rows are from the anchor
# file; where it gives only a two-way total the direction split is ours and
# the note says on what it rests.  Where two national sources disagree (mirror
# asymmetries) we chose the one consistent with the totals of the economy whose
# total is tighter, as noted.
E = EUR_USD
BILATERAL = [
    # --- Russia (anchors) ---
    ("RUS", "EU", 158.0 * E, "ANCHOR", "Eurostat: EU imports EUR 158bn, 62% energy"),
    ("EU", "RUS", (257.5 - 158.0) * E, "ANCHOR", "Eurostat: two-way EUR 257.5bn minus imports"),
    ("RUS", "CHN", 79.3, "ANCHOR", "China customs, two-way 146.9; split: CN imports 79.3"),
    ("CHN", "RUS", 67.6, "ANCHOR", "China customs, CN exports 67.6"),
    ("RUS", "BLR", 23.0, "ANCHOR", "two-way ~38.5-40 (RU/BY stats); split from Belstat (imports from RU ~23)"),
    ("BLR", "RUS", 16.2, "ANCHOR", "split from Belstat (exports to RU ~16)"),
    ("USA", "RUS", 6.4, "ANCHOR", "US Census"),
    ("RUS", "USA", 29.7, "ANCHOR", "US Census"),
    ("RUS", "TUR", 27.0, "ANCHOR", "two-way 33 (FCS); split after TurkStat (imports from RU ~29, exports ~5.8)"),
    ("TUR", "RUS", 6.0, "ANCHOR", "see RUS->TUR"),
    ("RUS", "KAZ", 16.6, "ANCHOR", "two-way ~24 (approx.); split EST after KAZST (RU ~40% of KZ imports)"),
    ("KAZ", "RUS", 7.4, "ANCHOR", "see RUS->KAZ"),
    ("IND", "RUS", 3.25, "ANCHOR", "India Commerce Dept, fiscal 2021-22"),
    ("RUS", "IND", 9.87, "ANCHOR", "India Commerce Dept, fiscal 2021-22"),
    ("RUS", "ARE", 4.5, "ANCHOR", "two-way ~5.5 (Russian officials); split EST: RU exports dominate"),
    ("ARE", "RUS", 1.0, "ANCHOR", "see RUS->ARE"),
    ("RUS", "IRN", 3.2, "ANCHOR", "two-way ~4.0 (FCS), ~80% agri-food; split EST: RU exports dominate"),
    ("IRN", "RUS", 0.8, "ANCHOR", "see RUS->IRN"),
    ("RUS", "ARM", 1.75, "ANCHOR", "two-way ~2.6 (approx.); split after ARMST (exports to RU ~0.85)"),
    ("ARM", "RUS", 0.85, "ANCHOR", "see RUS->ARM"),
    ("RUS", "GBR", 13.5, "ONS", "UK imports from Russia incl. precious metals, ~GBP 9.8bn"),
    ("GBR", "RUS", 5.4, "ONS", "UK exports to Russia ~GBP 3.9bn"),
    ("RUS", "JPN", 14.1, "JPMOF", "JPY 1.55tn"),
    ("JPN", "RUS", 7.9, "JPMOF", "JPY 0.86tn"),
    ("RUS", "SYR", 0.5, "DOTS", "mainly wheat; mirror data"),
    ("SYR", "RUS", 0.02, "DOTS", ""),
    ("RUS", "VEN", 0.1, "DOTS", ""),
    ("VEN", "RUS", 0.05, "DOTS", ""),
    # --- Iran (anchors and others) ---
    ("IRN", "ARE", 5.5, "ANCHOR", "two-way ~14-17.5 (IRICA, year to March 2022); split after IRICA"),
    ("ARE", "IRN", 10.0, "ANCHOR", "see IRN->ARE"),
    ("CHN", "IRN", 8.3, "ANCHOR", "China customs"),
    ("IRN", "CHN", 6.5, "ANCHOR", "China customs, excl. oil relabelled as other origins"),
    ("EU", "IRN", 3.93 * E, "ANCHOR", "Eurostat EUR 3.93bn"),
    ("IRN", "EU", 0.92 * E, "ANCHOR", "Eurostat EUR 0.92bn"),
    ("IND", "IRN", 1.45, "ANCHOR", "two-way ~1.94 (India Commerce Dept, fiscal 2021-22); IN exports ~1.45"),
    ("IRN", "IND", 0.49, "ANCHOR", "see IND->IRN"),
    ("TUR", "IRN", 3.4, "TURKST", "approx."),
    ("IRN", "TUR", 2.2, "TURKST", "approx.; includes pipeline gas"),
    ("USA", "IRN", 0.06, "CENSUS", "humanitarian exports (food, medicine)"),
    ("IRN", "USA", 0.01, "CENSUS", "embargo"),
    ("GBR", "IRN", 0.15, "ONS", "approx."),
    ("IRN", "GBR", 0.05, "ONS", "approx."),
    ("JPN", "IRN", 0.1, "JPMOF", "approx."),
    ("IRN", "JPN", 0.05, "JPMOF", "approx.; no crude since 2019"),
    ("IRN", "ARM", 0.45, "ARMST", "Armenian imports from Iran, approx."),
    ("ARM", "IRN", 0.1, "ARMST", "approx."),
    ("IRN", "SYR", 0.3, "DOTS/EST", "recorded trade only; oil supplied on credit is not in trade statistics"),
    ("SYR", "IRN", 0.02, "DOTS/EST", ""),
    ("IRN", "VEN", 0.3, "EST", "fuel and condensate swaps reported in the press; value EST"),
    ("VEN", "IRN", 0.05, "EST", ""),
    ("KAZ", "IRN", 0.3, "KAZST", "grain, approx."),
    ("IRN", "KAZ", 0.1, "KAZST", "approx."),
    ("IRN", "BLR", 0.02, "BELST", "approx."),
    ("BLR", "IRN", 0.05, "BELST", "approx."),
    # --- USA ---
    ("USA", "CHN", 151.1, "CENSUS", ""),
    ("CHN", "USA", 506.4, "CENSUS", "US imports (China reports exports of 576)"),
    ("USA", "EU", 232.0 * E, "ESTAT", "EU imports from US EUR 232bn"),
    ("EU", "USA", 399.0 * E, "ESTAT", "EU exports to US EUR 399bn"),
    ("USA", "JPN", 74.6, "CENSUS", ""),
    ("JPN", "USA", 135.1, "CENSUS", ""),
    ("USA", "GBR", 61.5, "CENSUS", ""),
    ("GBR", "USA", 56.2, "CENSUS", ""),
    ("USA", "IND", 40.1, "CENSUS", ""),
    ("IND", "USA", 73.3, "CENSUS", ""),
    ("USA", "TUR", 14.4, "CENSUS", "approx."),
    ("TUR", "USA", 13.8, "CENSUS", "approx."),
    ("USA", "ARE", 17.9, "CENSUS", "approx."),
    ("ARE", "USA", 4.2, "CENSUS", "approx."),
    ("USA", "KAZ", 1.0, "CENSUS", "approx."),
    ("KAZ", "USA", 1.6, "CENSUS", "approx.; uranium, ferro-alloys"),
    ("USA", "BLR", 0.3, "CENSUS", "approx."),
    ("BLR", "USA", 0.9, "CENSUS", "approx.; potash, tyres"),
    ("USA", "ARM", 0.15, "CENSUS", "approx."),
    ("ARM", "USA", 0.08, "CENSUS", "approx."),
    ("USA", "VEN", 1.2, "CENSUS", "approx.; licensed food, medicine, equipment"),
    ("VEN", "USA", 0.02, "CENSUS", "oil embargo since 2019"),
    ("USA", "SYR", 0.03, "CENSUS", "approx."),
    ("SYR", "USA", 0.01, "CENSUS", "approx."),
    # --- EU (Eurostat, EUR converted at EUR_USD) ---
    ("EU", "CHN", 223.0 * E, "ESTAT", "EUR 223bn"),
    ("CHN", "EU", 472.0 * E, "ESTAT", "EUR 472bn"),
    ("EU", "GBR", 284.0 * E, "ESTAT", "EUR 284bn"),
    ("GBR", "EU", 146.0 * E, "ESTAT", "EUR 146bn"),
    ("EU", "JPN", 55.0 * E, "ESTAT", "EUR ~55bn"),
    ("JPN", "EU", 55.0 * E, "ESTAT", "EUR ~55bn"),
    ("EU", "TUR", 79.0 * E, "ESTAT", "EUR ~79bn"),
    ("TUR", "EU", 77.0 * E, "ESTAT", "EUR ~77bn"),
    ("EU", "IND", 41.5 * E, "ESTAT", "EUR ~41.5bn"),
    ("IND", "EU", 46.0 * E, "ESTAT", "EUR ~46bn"),
    ("EU", "ARE", 35.5 * E, "ESTAT", "EUR ~35.5bn"),
    ("ARE", "EU", 9.3 * E, "ESTAT", "EUR ~9.3bn"),
    ("EU", "KAZ", 6.8 * E, "ESTAT", "EUR ~6.8bn"),
    ("KAZ", "EU", 18.7 * E, "ESTAT", "EUR ~18.7bn, mostly crude oil"),
    ("EU", "BLR", 7.5 * E, "ESTAT", "EUR ~7.5bn"),
    ("BLR", "EU", 5.4 * E, "ESTAT", "EUR ~5.4bn"),
    ("EU", "ARM", 0.8 * E, "ESTAT", "EUR ~0.8bn"),
    ("ARM", "EU", 0.47 * E, "ESTAT", "EUR ~0.47bn"),
    ("EU", "VEN", 0.5 * E, "ESTAT", "EUR ~0.5bn"),
    ("VEN", "EU", 0.3 * E, "ESTAT", "EUR ~0.3bn"),
    ("EU", "SYR", 0.42 * E, "ESTAT", "EUR ~0.42bn"),
    ("SYR", "EU", 0.08 * E, "ESTAT", "EUR ~0.08bn"),
    # --- China (China customs unless noted) ---
    ("CHN", "JPN", 165.8, "CNCUS", ""),
    ("JPN", "CHN", 205.6, "CNCUS", ""),
    ("CHN", "GBR", 87.0, "CNCUS", ""),
    ("GBR", "CHN", 25.4, "CNCUS", ""),
    ("CHN", "IND", 97.5, "CNCUS", ""),
    ("IND", "CHN", 28.1, "CNCUS", ""),
    ("CHN", "TUR", 32.2, "TURKST", "Turkish imports from China (China reports ~29)"),
    ("TUR", "CHN", 3.7, "TURKST", "approx."),
    ("CHN", "ARE", 43.8, "CNCUS", ""),
    ("ARE", "CHN", 28.5, "CNCUS", ""),
    ("CHN", "KAZ", 8.5, "KAZST", "Kazakh imports from China (China reports ~14: mirror gap, shuttle trade)"),
    ("KAZ", "CHN", 11.0, "CNCUS", "approx."),
    ("CHN", "BLR", 3.3, "CNCUS", "approx."),
    ("BLR", "CHN", 0.9, "CNCUS", "approx."),
    ("CHN", "ARM", 0.8, "ARMST", "approx."),
    ("ARM", "CHN", 0.45, "ARMST", "approx.; copper concentrate"),
    ("CHN", "VEN", 2.0, "CNCUS", "approx."),
    ("VEN", "CHN", 0.2, "CNCUS", "excl. crude relabelled as other origins (like IRN->CHN)"),
    ("CHN", "SYR", 0.4, "CNCUS", "approx."),
    ("SYR", "CHN", 0.01, "CNCUS", "approx."),
    # --- Japan (MoF, converted at JPY_USD) ---
    ("JPN", "GBR", 13.5, "JPMOF", "approx."),
    ("GBR", "JPN", 8.0, "JPMOF", "approx."),
    ("JPN", "IND", 14.5, "JPMOF", "approx."),
    ("IND", "JPN", 6.2, "INDCOM", "approx."),
    ("JPN", "TUR", 3.5, "JPMOF", "approx."),
    ("TUR", "JPN", 0.7, "JPMOF", "approx."),
    ("JPN", "ARE", 7.0, "JPMOF", "approx."),
    ("ARE", "JPN", 20.0, "JPMOF", "approx.; crude oil, JPY ~2.2tn"),
    ("JPN", "KAZ", 0.6, "JPMOF", "approx."),
    ("KAZ", "JPN", 0.4, "JPMOF", "approx."),
    ("JPN", "ARM", 0.1, "ARMST", "approx."),
    ("ARM", "JPN", 0.01, "ARMST", "approx."),
    ("JPN", "BLR", 0.05, "BELST", "approx."),
    ("BLR", "JPN", 0.05, "BELST", "approx."),
    # --- United Kingdom ---
    ("GBR", "IND", 8.0, "ONS", "approx."),
    ("IND", "GBR", 10.5, "INDCOM", "approx."),
    ("GBR", "TUR", 5.9, "TURKST", "approx."),
    ("TUR", "GBR", 13.7, "TURKST", "approx."),
    ("GBR", "ARE", 9.5, "ONS", "approx."),
    ("ARE", "GBR", 5.0, "ONS", "approx."),
    ("GBR", "KAZ", 0.4, "ONS", "approx."),
    ("KAZ", "GBR", 0.8, "ONS", "approx."),
    ("GBR", "BLR", 0.2, "BELST", "approx."),
    ("BLR", "GBR", 0.7, "BELST", "approx.; oil products, potash"),
    ("GBR", "ARM", 0.1, "ARMST", "approx."),
    ("ARM", "GBR", 0.02, "ARMST", "approx."),
    # --- India ---
    ("IND", "ARE", 28.0, "INDCOM", "fiscal 2021-22"),
    ("ARE", "IND", 44.8, "INDCOM", "fiscal 2021-22; crude, LPG, gold"),
    ("IND", "TUR", 8.7, "INDCOM", "fiscal 2021-22, approx."),
    ("TUR", "IND", 2.0, "INDCOM", "fiscal 2021-22, approx."),
    ("IND", "KAZ", 0.45, "INDCOM", "approx."),
    ("KAZ", "IND", 0.6, "INDCOM", "approx."),
    ("IND", "BLR", 0.1, "INDCOM", "approx."),
    ("BLR", "IND", 0.3, "INDCOM", "approx.; potash"),
    ("IND", "ARM", 0.12, "INDCOM", "approx."),
    ("ARM", "IND", 0.02, "INDCOM", "approx."),
    ("IND", "VEN", 0.1, "INDCOM", "approx."),
    ("VEN", "IND", 0.05, "INDCOM", "approx.; crude imports stopped in 2020-21"),
    ("IND", "SYR", 0.2, "INDCOM", "approx."),
    ("SYR", "IND", 0.01, "INDCOM", "approx."),
    # --- Turkiye ---
    ("TUR", "ARE", 3.9, "TURKST", "approx."),
    ("ARE", "TUR", 4.3, "TURKST", "approx."),
    ("TUR", "KAZ", 1.2, "TURKST", "approx."),
    ("KAZ", "TUR", 2.5, "TURKST", "approx."),
    ("TUR", "BLR", 0.5, "TURKST", "approx."),
    ("BLR", "TUR", 0.4, "TURKST", "approx."),
    ("TUR", "ARM", 0.05, "ARMST", "border closed; Armenian ban on Turkish goods in 2021"),
    ("ARM", "TUR", 0.002, "ARMST", "border closed"),
    ("TUR", "SYR", 2.0, "TURKST", "approx.; mostly to northern Syria"),
    ("SYR", "TUR", 0.1, "TURKST", "approx."),
    ("TUR", "VEN", 0.15, "TURKST", "approx."),
    ("VEN", "TUR", 0.1, "TURKST", "approx."),
    # --- UAE, Kazakhstan, Belarus, Armenia, Syria among themselves ---
    ("ARE", "KAZ", 0.5, "KAZST", "approx."),
    ("KAZ", "ARE", 0.3, "KAZST", "approx."),
    ("ARE", "ARM", 0.25, "ARMST", "approx."),
    ("ARM", "ARE", 0.15, "ARMST", "approx."),
    ("ARE", "SYR", 0.4, "DOTS", "approx."),
    ("SYR", "ARE", 0.05, "DOTS", "approx."),
    ("ARE", "BLR", 0.05, "BELST", "approx."),
    ("BLR", "ARE", 0.1, "BELST", "approx."),
    ("BLR", "KAZ", 0.9, "BELST", "approx."),
    ("KAZ", "BLR", 0.1, "BELST", "approx."),
    ("BLR", "ARM", 0.1, "ARMST", "approx."),
    ("ARM", "BLR", 0.02, "ARMST", "approx."),
    ("KAZ", "ARM", 0.01, "ARMST", "approx."),
    ("ARM", "KAZ", 0.01, "ARMST", "approx."),
]

# Capitals / economic centres (lat, lon) for the gravity fill's distances.
LOCATION = {
    "RUS": (55.75, 37.62), "IRN": (35.69, 51.39), "BLR": (53.90, 27.57),
    "IND": (28.61, 77.21), "CHN": (31.23, 121.47), "TUR": (41.01, 28.98),
    "ARE": (25.20, 55.27), "KAZ": (43.24, 76.89), "ARM": (40.18, 44.51),
    "VEN": (10.48, -66.90), "SYR": (33.51, 36.29), "USA": (39.83, -98.58),
    "EU": (50.11, 8.68), "GBR": (51.51, -0.13), "JPN": (35.68, 139.69),
}
GRAVITY_W = WORLD_EXPORTS - INTRA_EU_EXPORTS  # world trade excluding intra-EU (EU = one economy)
GRAVITY_D0 = 5000.0    # km; reference distance of the gravity fill (EST)
# Economies under comprehensive Western sanctions trade far less with the West
# than gravity predicts; their Western pairs are all cited above, this factor
# covers any other pair the fill might reach (EST: ~90% below gravity).
SANCTIONED = {"IRN", "SYR", "VEN"}
WEST = {"USA", "EU", "GBR", "JPN"}
SANCTION_FRICTION = 0.1

# ---------------------------------------------------------------------------
# 4. Sector shares of exports (by exporter), EST from UN Comtrade / ITC Trade
#    Map HS-2 structure of 2021 exports, rounded.  Order: energy, agrifood,
#    vehicles_machinery (incl. the dual-use part), chemicals_pharma, other.
#    arms_dualuse is carved out of vehicles_machinery by DUALUSE_SHARE.
# ---------------------------------------------------------------------------
EXPORT_SHARES = {
    "RUS": ((0.50, 0.075, 0.06, 0.07, 0.295), "HS27 ~250bn (crude, products, gas, coal); metals, gold, diamonds, timber in other"),
    "IRN": ((0.50, 0.08, 0.03, 0.20, 0.19), "crude, condensate, LPG, gas; petrochemicals; steel, copper, minerals"),
    "BLR": ((0.13, 0.18, 0.17, 0.20, 0.32), "oil products; dairy, meat; tractors, trucks; potash; wood, metals, textiles"),
    "IND": ((0.17, 0.12, 0.18, 0.17, 0.36), "refined products; rice, marine; engineering; pharma, organics; gems, textiles, steel"),
    "CHN": ((0.015, 0.025, 0.52, 0.09, 0.35), "HS84-85 ~45%; textiles, apparel, furniture, toys, metals in other"),
    "TUR": ((0.05, 0.11, 0.28, 0.09, 0.47), "vehicles, machinery; textiles, apparel, steel, gold, jewellery in other"),
    "ARE": ((0.28, 0.05, 0.25, 0.08, 0.34), "crude and products; re-exported phones and machinery; gold, diamonds, aluminium"),
    "KAZ": ((0.60, 0.07, 0.02, 0.06, 0.25), "crude ~33bn via CPC; wheat, flour; uranium compounds (HS28); copper, ferro-alloys, zinc"),
    "ARM": ((0.02, 0.28, 0.05, 0.03, 0.62), "copper and molybdenum ores, gold, processed diamonds; brandy, cigarettes"),
    "VEN": ((0.85, 0.02, 0.005, 0.06, 0.065), "crude oil; methanol, urea; iron ore, aluminium, gold"),
    "SYR": ((0.02, 0.55, 0.03, 0.10, 0.30), "olive oil, fruit, spices, livestock; phosphates; textiles"),
    "USA": ((0.13, 0.09, 0.40, 0.15, 0.23), "HS27 ~220bn; agri ~160bn; aircraft, vehicles, machinery, electronics; pharma, plastics; gold"),
    "EU":  ((0.05, 0.08, 0.41, 0.24, 0.22), "Eurostat extra-EU SITC 2021: SITC 7 ~40%, SITC 5 ~24%, SITC 0+1 ~8%, SITC 3 ~5%"),
    "GBR": ((0.10, 0.07, 0.34, 0.17, 0.32), "ONS: machinery and transport, pharma, crude oil; precious metals in other"),
    "JPN": ((0.02, 0.015, 0.60, 0.13, 0.235), "vehicles ~20%, machinery ~20%, electrical ~18%, instruments; steel in other"),
    "ROW": ((0.20, 0.10, 0.36, 0.12, 0.22), "aggregate of KOR, TWN, MEX, CAN, SAU, AUS, CHE, NOR, BRA, ASEAN (WTO 2021 structure)"),
}
# Arms and dual-use goods (HS 93 plus listed dual-use items in HS 84-85, 88,
# 90): 2% of machinery-type trade (EST, within the 1-3% range of EU
# dual-use export authorisations relative to machinery exports).
DUALUSE_SHARE = 0.02

# Pair-specific export mixes where a cited figure says the pair differs from
# the exporter's average.  Listed sectors are fixed; the others keep the
# exporter's relative shares.  Indices as in EXPORT_SHARES (5-vector).
PAIR_SECTOR_OVERRIDES = {
    ("RUS", "EU"):  ({"energy": 0.62}, "ANCHOR: 62% of EU imports from Russia are energy (Eurostat)"),
    ("RUS", "IRN"): ({"agrifood": 0.80}, "ANCHOR: ~80% agri-food (FCS)"),
    ("RUS", "CHN"): ({"energy": 0.70}, "CNCUS: crude ~41bn + coal, LNG, products of 79.3bn (approx.)"),
    ("RUS", "USA"): ({"energy": 0.59}, "CENSUS: HS27 ~17.5bn of 29.7bn (approx.)"),
    ("RUS", "KAZ"): ({"energy": 0.10}, "KAZST: Kazakhstan is itself an energy exporter; imports from Russia are mostly manufactures, metals, food (approx.)"),
    ("RUS", "ARM"): ({"energy": 0.25}, "ARMST: pipeline gas and fuels ~1/4 of imports from Russia (approx.)"),
    ("RUS", "IND"): ({"energy": 0.45, "chemicals_pharma": 0.12, "agrifood": 0.06},
                     "INDCOM: crude, coal; fertilisers; sunflower oil; diamonds in other (approx.)"),
    ("IRN", "CHN"): ({"energy": 0.05, "chemicals_pharma": 0.55, "agrifood": 0.08},
                     "CNCUS: officially recorded imports are petrochemicals and ores, not crude"),
    ("IRN", "TUR"): ({"energy": 0.60}, "TURKST: pipeline gas (~9 bcm) dominates (approx.)"),
    ("KAZ", "EU"):  ({"energy": 0.80}, "ESTAT: crude oil ~80% of EU imports from Kazakhstan (approx.)"),
    ("ARE", "JPN"): ({"energy": 0.95}, "JPMOF: almost all crude oil"),
    ("BLR", "RUS"): ({"energy": 0.02, "agrifood": 0.35, "vehicles_machinery": 0.25},
                     "BELST: food and machinery dominate exports to Russia; no energy exports"),
    ("ROW", "IND"): ({"energy": 0.45}, "INDCOM: crude from Iraq, Saudi Arabia, Nigeria; coal, LNG (HS27 ~160bn of ~610bn)"),
    ("ROW", "JPN"): ({"energy": 0.30}, "JPMOF: coal and LNG from Australia, crude from Saudi Arabia, LNG from Qatar"),
}

# ---------------------------------------------------------------------------
# 5. Domestic sales: gross output of goods-producing industries (agriculture,
#    mining, manufacturing, utilities) relative to GDP, and its sector mix.
#    EST from OECD STAN / TiVA and national accounts (BEA, NBS China, Cabinet
#    Office, ONS, Eurostat, Rosstat, TurkStat, Belstat) around 2018-2021, rounded.
# ---------------------------------------------------------------------------
M_OUTPUT = {
    "USA": 0.34,  # BEA gross output 2021: manufacturing 6.3tn + agri, mining, utilities 1.6tn
    "CHN": 1.25,  # NBS: industrial revenue RMB ~128tn (above-size firms) + agriculture
    "EU": 0.65,   # Eurostat SBS: manufacturing turnover ~EUR 8tn + energy, agri
    "JPN": 0.62, "GBR": 0.32, "IND": 0.80, "RUS": 0.75, "TUR": 0.80,
    "ARE": 0.55, "KAZ": 0.60, "IRN": 0.60, "BLR": 0.95, "ARM": 0.40,
    "VEN": 0.45, "SYR": 0.50, "ROW": 0.65,
}
# Sector mix of goods output: energy, agrifood, vehicles_machinery,
# chemicals_pharma, arms_dualuse, other (EST; energy-rich economies have high
# energy shares; arms_dualuse larger for the big arms producers USA, RUS, GBR).
PRODUCTION_SHARES = {
    "USA": (0.16, 0.19, 0.28, 0.15, 0.02, 0.20),
    "CHN": (0.10, 0.14, 0.33, 0.13, 0.01, 0.29),
    "EU":  (0.11, 0.17, 0.32, 0.14, 0.01, 0.25),
    "JPN": (0.09, 0.15, 0.38, 0.12, 0.005, 0.255),
    "GBR": (0.15, 0.20, 0.27, 0.13, 0.015, 0.235),
    "IND": (0.15, 0.30, 0.17, 0.12, 0.005, 0.255),
    "RUS": (0.35, 0.17, 0.12, 0.09, 0.02, 0.25),
    "TUR": (0.10, 0.20, 0.20, 0.10, 0.005, 0.395),
    "ARE": (0.45, 0.08, 0.10, 0.10, 0.005, 0.265),
    "KAZ": (0.45, 0.15, 0.05, 0.05, 0.003, 0.297),
    "IRN": (0.40, 0.20, 0.10, 0.10, 0.01, 0.19),
    "BLR": (0.15, 0.25, 0.20, 0.15, 0.005, 0.245),
    "ARM": (0.12, 0.40, 0.05, 0.03, 0.002, 0.398),
    "VEN": (0.55, 0.20, 0.03, 0.07, 0.002, 0.148),
    "SYR": (0.20, 0.50, 0.03, 0.05, 0.002, 0.218),
    "ROW": (0.18, 0.18, 0.27, 0.12, 0.008, 0.242),
}
# Domestic sales are never below this share of a sector's gross output (EST):
# re-export hubs (ARE) and commodity exporters would otherwise get zero or
# negative domestic sales, which the model cannot use (a positive domestic
# cell keeps every market supplied when all foreign routes close).
FLOOR = 0.25

# Minimum share of an exporter's average sector mix kept in its cell to ROW.
ROW_CELL_FLOOR = 0.10

BN = 1000.0  # USD billion -> USD million (data.units = "USD million")


def haversine(a, b):
    """Great-circle distance in km."""
    la1, lo1 = map(math.radians, a)
    la2, lo2 = map(math.radians, b)
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def export_mix(i, j):
    """Six-sector mix of i's exports to j (sums to 1)."""
    base = dict(zip(["energy", "agrifood", "vm", "chemicals_pharma", "other"],
                    EXPORT_SHARES[i][0]))
    base["vehicles_machinery"] = base.pop("vm")
    if (i, j) in PAIR_SECTOR_OVERRIDES:
        fixed = PAIR_SECTOR_OVERRIDES[(i, j)][0]
        free = [s for s in base if s not in fixed]
        rest = 1.0 - sum(fixed.values())
        scale = rest / sum(base[s] for s in free)
        base = {s: (fixed[s] if s in fixed else base[s] * scale) for s in base}
    vm = base["vehicles_machinery"]
    mix = {"energy": base["energy"], "agrifood": base["agrifood"],
           "vehicles_machinery": vm * (1 - DUALUSE_SHARE),
           "chemicals_pharma": base["chemicals_pharma"],
           "arms_dualuse": vm * DUALUSE_SHARE, "other": base["other"]}
    return [mix[s] for s in SECTORS]


def build():
    n, ns = len(CODES), len(SECTORS)
    idx = {c: k for k, c in enumerate(CODES)}
    for c, (shares, _) in EXPORT_SHARES.items():
        assert abs(sum(shares) - 1) < 1e-9, c
    for c, shares in PRODUCTION_SHARES.items():
        assert abs(sum(shares) - 1) < 1e-9, c

    # Step 2: named x named cross-border totals (USD bn).
    T = [[0.0] * n for _ in range(n)]
    source = {}
    for (i, j, v, src, note) in BILATERAL:
        assert (i, j) not in source, ("duplicate", i, j)
        assert i != j and i in NAMED and j in NAMED, (i, j)
        T[idx[i]][idx[j]] = v
        source[(i, j)] = (src, note)
    filled = []
    for i in NAMED:
        for j in NAMED:
            if i == j or (i, j) in source:
                continue
            d = haversine(LOCATION[i], LOCATION[j])
            f = SANCTION_FRICTION if ((i in SANCTIONED and j in WEST) or
                                      (j in SANCTIONED and i in WEST)) else 1.0
            v = TOTALS[i][0] * TOTALS[j][1] / GRAVITY_W * (GRAVITY_D0 / d) * f
            T[idx[i]][idx[j]] = v
            filled.append((i, j, v, d))

    # Step 3: ROW residuals.
    r = idx["ROW"]
    for i in NAMED:
        named = sum(T[idx[i]][idx[j]] for j in NAMED if j != i)
        res = TOTALS[i][0] - named
        assert res >= 0.05 * TOTALS[i][0], ("exports to ROW too small", i, res)
        T[idx[i]][r] = res
    for j in NAMED:
        named = sum(T[idx[i]][idx[j]] for i in NAMED if i != j)
        res = TOTALS[j][1] - named
        assert res >= 0.05 * TOTALS[j][1], ("imports from ROW too small", j, res)
        T[r][idx[j]] = res

    # Step 4: sector split.
    X = [[[0.0] * ns for _ in range(n)] for _ in range(n)]
    for i in CODES:
        for j in CODES:
            if i == j or (i != "ROW" and j == "ROW"):
                continue
            mix = export_mix(i, j)
            for k in range(ns):
                X[idx[i]][idx[j]][k] = T[idx[i]][idx[j]] * mix[k]
    for i in NAMED:
        target = [TOTALS[i][0] * s for s in export_mix(i, "ROW")]
        got = [sum(X[idx[i]][idx[j]][k] for j in NAMED if j != i) for k in range(ns)]
        tot = T[idx[i]][r]
        # Floor each sector at 10% of the exporter's average mix, so that no
        # cell i -> ROW is zero in a sector i does export (EST).
        base = export_mix(i, "ROW")
        gap = [max(ROW_CELL_FLOOR * tot * base[k], target[k] - got[k]) for k in range(ns)]
        s = sum(gap)
        for k in range(ns):
            X[idx[i]][r][k] = tot * gap[k] / s

    # Step 5: domestic sales.
    domestic_info = {}
    for i in CODES:
        exports_k = [sum(X[idx[i]][idx[j]][k] for j in CODES if j != i) for k in range(ns)]
        out = GDP[i][0] * M_OUTPUT[i]
        floored = []
        for k in range(ns):
            q = out * PRODUCTION_SHARES[i][k]
            d = q - exports_k[k]
            if d < FLOOR * q:
                d = FLOOR * q
                floored.append(SECTORS[k])
            X[idx[i]][idx[i]][k] = d
        domestic_info[i] = (out, floored)

    for i in range(n):
        for j in range(n):
            for k in range(ns):
                v = X[i][j][k]
                assert math.isfinite(v) and v >= 0, (CODES[i], CODES[j], SECTORS[k], v)
    return X, T, source, filled, domestic_info


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def fmt(v):
    return f"{v:,.1f}"


def write_csvs(X):
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "countries.csv"), "w", newline="\n") as f:
        f.write("code,name,groups\n")
        for code, name, groups in COUNTRIES:
            f.write(f'{code},"{name}",{groups}\n')
    # Rows in country order, then sector order, so the loader's "order of first
    # appearance" gives the canonical sector order.
    with open(os.path.join(OUT_DIR, "trade_2021.csv"), "w", newline="\n") as f:
        f.write("exporter,importer,sector,value\n")
        for a, i in enumerate(CODES):
            for b, j in enumerate(CODES):
                for k, s in enumerate(SECTORS):
                    f.write(f"{i},{j},{s},{X[a][b][k] * BN:.3f}\n")


def tables(X, T, source, filled, domestic_info):
    n = len(CODES)
    idx = {c: k for k, c in enumerate(CODES)}
    out = {}

    rows = ["| code | exports (target) | imports (target) | source | GDP | GDP source |",
            "|---|---:|---:|---|---:|---|"]
    for c in CODES:
        if c == "ROW":
            rows.append(f"| ROW | residual | residual | section 'ROW' | {fmt(GDP[c][0])} | {GDP[c][1]} |")
            continue
        x, m, s = TOTALS[c]
        rows.append(f"| {c} | {fmt(x)} | {fmt(m)} | {s} | {fmt(GDP[c][0])} | {GDP[c][1]} |")
    out["totals"] = "\n".join(rows)

    rows = ["| exporter | importer | USD bn | source | note |", "|---|---|---:|---|---|"]
    for (i, j, v, src, note) in BILATERAL:
        rows.append(f"| {i} | {j} | {v:,.2f} | {src} | {note} |")
    out["bilateral"] = "\n".join(rows)

    rows = ["| exporter | importer | distance km | USD bn |", "|---|---|---:|---:|"]
    for (i, j, v, d) in filled:
        rows.append(f"| {i} | {j} | {d:,.0f} | {v:,.3f} |")
    out["gravity"] = "\n".join(rows) if filled else "(none: every named pair has a cited figure)"

    head = "| exporter | " + " | ".join(SECTORS) + " | basis |"
    rows = [head, "|---|" + "---:|" * len(SECTORS) + "---|"]
    for c in CODES:
        mix = export_mix(c, "ROW" if c != "ROW" else "USA")
        rows.append(f"| {c} | " + " | ".join(f"{100 * m:.1f}%" for m in mix)
                    + f" | {EXPORT_SHARES[c][1]} |")
    out["shares"] = "\n".join(rows)

    rows = ["| exporter | importer | fixed shares | basis |", "|---|---|---|---|"]
    for (i, j), (fixed, why) in PAIR_SECTOR_OVERRIDES.items():
        fx = ", ".join(f"{s} {100 * v:.0f}%" for s, v in fixed.items())
        rows.append(f"| {i} | {j} | {fx} | {why} |")
    out["overrides"] = "\n".join(rows)

    rows = ["| code | GDP | output/GDP | goods output | " + " | ".join(SECTORS)
            + " | floored sectors |",
            "|---|---:|---:|---:|" + "---:|" * len(SECTORS) + "---|"]
    for c in CODES:
        o, floored = domestic_info[c]
        rows.append(f"| {c} | {fmt(GDP[c][0])} | {M_OUTPUT[c]:.2f} | {fmt(o)} | "
                    + " | ".join(f"{100 * q:.1f}%" for q in PRODUCTION_SHARES[c])
                    + f" | {', '.join(floored) if floored else '-'} |")
    out["domestic"] = "\n".join(rows)

    # Check table: what the CSV actually contains versus the cited totals.
    rows = ["| code | exports | cited | dev | imports | cited | dev | domestic sales | "
            "energy share of exports |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    sum_x = sum_m = 0.0
    for c in CODES:
        a = idx[c]
        x = sum(sum(X[a][b]) for b in range(n) if b != a)
        m = sum(sum(X[b][a]) for b in range(n) if b != a)
        d = sum(X[a][a])
        en = sum(X[a][b][0] for b in range(n) if b != a) / x
        sum_x += x
        sum_m += m
        if c == "ROW":
            rows.append(f"| ROW | {fmt(x)} | see below | | {fmt(m)} | see below | | {fmt(d)} | {100 * en:.0f}% |")
        else:
            cx, cm, _ = TOTALS[c]
            rows.append(f"| {c} | {fmt(x)} | {fmt(cx)} | {100 * (x / cx - 1):+.1f}% | {fmt(m)} | "
                        f"{fmt(cm)} | {100 * (m / cm - 1):+.1f}% | {fmt(d)} | {100 * en:.0f}% |")
    rows.append(f"| all | {fmt(sum_x)} | | | {fmt(sum_m)} | | | | |")
    named_x = sum(TOTALS[c][0] for c in NAMED)
    row_x_est = WORLD_EXPORTS - INTRA_EU_EXPORTS - named_x
    a = idx["ROW"]
    row_to_named = sum(sum(X[a][b]) for b in range(n) if b != a)
    rows.append("")
    rows.append(f"USD billion, 2021. ROW plausibility: world exports {fmt(WORLD_EXPORTS)} (WTO) - "
                f"intra-EU {fmt(INTRA_EU_EXPORTS)} (Eurostat) - the 15 named economies' exports "
                f"{fmt(named_x)} = {fmt(row_x_est)} of ROW exports including trade among ROW "
                f"countries; of that, {fmt(row_to_named)} ({100 * row_to_named / row_x_est:.0f}%) "
                f"goes to the named economies in this table and the remaining "
                f"{fmt(row_x_est - row_to_named)} is intra-ROW trade, which the model counts as "
                f"ROW's domestic sales.")
    out["check"] = "\n".join(rows)
    return out


def update_readme(blocks):
    path = os.path.join(OUT_DIR, "README.md")
    if not os.path.exists(path):
        return False
    text = open(path).read()
    for name, body in blocks.items():
        pat = re.compile(r"(<!-- BEGIN generated:%s -->\n).*?(<!-- END generated:%s -->)"
                         % (name, name), re.S)
        if not pat.search(text):
            continue
        text = pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    with open(path, "w", newline="\n") as f:
        f.write(text)
    return True


def main():
    X, T, source, filled, dom = build()
    write_csvs(X)
    blocks = tables(X, T, source, filled, dom)
    if not update_readme(blocks):
        print("configs/data/README.md not found: tables not written", file=sys.stderr)
    print(blocks["check"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
