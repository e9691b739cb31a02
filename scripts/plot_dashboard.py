#!/usr/bin/python3
"""Dashboard of one sancsim run (made for the Russia-Iran scenario).

    /usr/bin/python3 scripts/plot_dashboard.py IN.h5 OUT.png

Panels: welfare change by country over time; welfare change in the last
period (bars); the Russia-Iran power balance; settlement shares by payment
system for Russia and for Iran; transit through each hub.  Units and names
come from the file's attributes and dimension scales (DESIGN section 7), so
the script works on any run, and it draws only the panels the file can fill
(a run without payment systems or hubs gets no empty panels for them), at
most three to a row; a run with governments (DESIGN 3b) or strategic sectors also
gets the decisions timeline and the strategic power balance.  Every focus country has its own colour in every panel.
Needs Debian's python3-h5py, python3-numpy and python3-matplotlib (Agg
backend, no display).
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import h5py  # noqa: E402

# Countries drawn as labelled lines in the welfare panel; the rest are grey.
FOCUS = ["RUS", "IRN", "BLR", "IND", "CHN", "TUR", "KAZ", "ARM", "ARE", "EU", "USA"]
PB_PAIRS = [("RUS", "IRN"), ("RUS", "CHN"), ("RUS", "IND"), ("IRN", "CHN")]
PB_COLORS = {("RUS", "IRN"): "#2ca02c", ("RUS", "CHN"): "#e377c2", ("RUS", "IND"): "#ff7f0e",
             ("IRN", "CHN"): "#7f7f7f"}
# One distinct colour per focus country (matplotlib's default cycle has ten
# colours, so an eleventh country would reuse the first: RUS and EU both
# blue); light grey stays for the other countries.
COLORS = {
    "RUS": "#d62728", "IRN": "#2ca02c", "BLR": "#8c564b", "IND": "#ff7f0e",
    "CHN": "#e377c2", "TUR": "#17becf", "KAZ": "#bcbd22", "ARM": "#9467bd",
    "ARE": "#000000", "EU": "#1f77b4", "USA": "#393b79",
}


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v[()])
    return str(v)


def _attr(ds, name, default=""):
    return _text(ds.attrs[name]) if name in ds.attrs else default


def _labels(f, name):
    if name not in f:
        return None
    return [_text(x) for x in f[name][()]]


def _dates(f):
    """Period start dates from `time` ("days since YYYY-MM-01"), or None."""
    if "time" not in f:
        return None
    t = f["time"]
    units = _attr(t, "units")
    vals = np.asarray(t[()], dtype=float)
    if units.startswith("days since "):
        origin = np.datetime64(units[len("days since "):].strip()[:10], "D")
        return (origin + vals.astype("int64").astype("timedelta64[D]")).astype("datetime64[D]").astype(object)
    return None


def _note(ax, title, msg):
    ax.set_title(title)
    ax.text(0.5, 0.5, msg, ha="center", va="center", wrap=True, fontsize=9,
            transform=ax.transAxes, color="0.35")
    ax.set_xticks([])
    ax.set_yticks([])


def _time_axis(ax, x):
    if x is not None and len(x) and not isinstance(x[0], (int, np.integer)):
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 7]))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        for lab in ax.get_xticklabels():
            lab.set_rotation(30)
            lab.set_ha("right")
    else:
        ax.set_xlabel("period")
    ax.grid(True, alpha=0.3)


def _units(ds):
    u = _attr(ds, "units")
    return "" if u in ("", "1") else f" [{u}]"


def panel_welfare_lines(ax, f, x, countries):
    title = "Welfare change by country"
    if "welfare" not in f or countries is None:
        return _note(ax, title, "no `welfare` in this file")
    w = f["welfare"][()]
    for k, c in enumerate(countries):
        y = 100.0 * (w[:, k] - 1.0)
        if c in FOCUS:
            ax.plot(x, y, lw=1.6, label=c, color=COLORS[c])
        else:
            ax.plot(x, y, lw=0.8, color="0.75")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("change since period 0 [%]")
    ax.set_title(title + " (grey: others)")
    ax.legend(fontsize=7, ncol=3, loc="lower left")
    _time_axis(ax, x)


def panel_welfare_bars(ax, f, x, countries):
    title = "Welfare change, last period"
    if "welfare" not in f or countries is None:
        return _note(ax, title, "no `welfare` in this file")
    w = 100.0 * (f["welfare"][-1] - 1.0)
    order = np.argsort(w)
    colors = ["tab:red" if w[k] < 0 else "tab:blue" for k in order]
    ax.barh([countries[k] for k in order], w[order], color=colors)
    ax.axvline(0, color="k", lw=0.6)
    # the file says what welfare measures: real expenditure (armington) or
    # real income, revenue included (io)
    desc = f["welfare"].attrs.get("description", b"")
    desc = desc.decode() if isinstance(desc, bytes) else str(desc)
    ax.set_xlabel(("real income" if "real income" in desc else "real expenditure") + " vs period 0 [%]")
    when = f" ({x[-1]:%Y-%m})" if x is not None and hasattr(x[-1], "strftime") else ""
    ax.set_title(title + when)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(True, axis="x", alpha=0.3)


def panel_settlement(ax, f, x, countries, code):
    title = f"Settlement shares by payment system: {code}"
    systems = _labels(f, "payment_system")
    if "settlement_share" not in f or countries is None or systems is None:
        return _note(ax, title, "no payment systems in this run\n(`settlement_share` absent)")
    if code not in countries:
        return _note(ax, title, f"{code} is not in this run")
    s = f["settlement_share"][:, countries.index(code), :]
    ax.stackplot(x, s.T, labels=systems, alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of trade-weighted payments" + _units(f["settlement_share"]))
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper right")
    _time_axis(ax, x)


def panel_transit(ax, f, x):
    title = "Transit through hubs"
    hubs = _labels(f, "hub")
    if "transit" not in f or not hubs:
        return _note(ax, title, "no hubs in this run\n(`transit` absent)")
    tr = f["transit"][()]
    for h, name in enumerate(hubs):
        ax.plot(x, tr[:, h], lw=1.6, label=name)
    ax.set_ylabel("value through hub" + _units(f["transit"]))
    ax.set_title(title)
    ax.legend(fontsize=7)
    _time_axis(ax, x)


def panel_power(ax, f, x, countries):
    title = "Power balance (asymmetric interdependence)"
    if "power_balance" not in f or countries is None:
        return _note(ax, title, "no `power_balance` in this file")
    pb = f["power_balance"][()]
    partners = _labels(f, "partner") or countries
    drawn = 0
    for a, b in PB_PAIRS:
        if a in countries and b in partners:
            style = dict(lw=2.2) if (a, b) == ("RUS", "IRN") else dict(lw=1.0, ls="--")
            ax.plot(x, pb[:, countries.index(a), partners.index(b)], label=f"{a} on {b}",
                    color=PB_COLORS.get((a, b)), **style)
            drawn += 1
    if not drawn:
        return _note(ax, title, "RUS / IRN not in this run")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("D(country on partner) - D(partner on country)" + _units(f["power_balance"]))
    ax.set_title(title + "\n> 0: country relies more on partner", fontsize=10)
    ax.legend(fontsize=7)
    _time_axis(ax, x)


def panel_decisions(ax, f, x):
    title = "Decisions of the governments"
    acts = _labels(f, "action")
    if not acts or "action_active" not in f:
        return _note(ax, title, "no decided actions in this run")
    active = f["action_active"][()]
    for k, name in enumerate(acts):
        on = np.nonzero(active[:, k])[0]
        if len(on):
            ax.plot([x[i] for i in on], [k] * len(on), lw=6, color="tab:blue", alpha=0.35,
                    solid_capstyle="butt")
    if "decision_period" in f:
        per = f["decision_period"][()]
        gov = _labels(f, "decision_government")
        act = _labels(f, "decision_action")
        kind = _labels(f, "decision_kind")
        gain = f["decision_gain"][()]
        for p, g, a, kd, gn in zip(per, gov, act, kind, gain):
            k = acts.index(a)
            ax.plot(x[int(p)], k, marker="o" if kd == "taken" else "x", color="k")
            ax.annotate(f"{g} {kd} (dU {gn:.2g})", (x[int(p)], k), xytext=(4, 4), textcoords="offset points",
                        fontsize=7)
    ax.set_yticks(range(len(acts)))
    ax.set_yticklabels(acts, fontsize=7)
    ax.set_ylim(-0.7, len(acts) - 0.3)
    ax.set_title(title + " (o taken, x dropped; bars: active)")
    _time_axis(ax, x)


def panel_strategic(ax, f, x, countries):
    title = "Strategic power balance"
    if "strategic_power_balance" not in f or countries is None:
        return _note(ax, title, "no `strategic_power_balance`\n(set metrics.strategic_sectors)")
    sp = f["strategic_power_balance"][()]
    partners = _labels(f, "partner") or countries
    drawn = 0
    for a, b in PB_PAIRS:
        if a in countries and b in partners:
            style = dict(lw=2.2) if (a, b) == ("RUS", "IRN") else dict(lw=1.0, ls="--")
            ax.plot(x, sp[:, countries.index(a), partners.index(b)], label=f"{a} on {b}", **style)
            drawn += 1
    if not drawn:
        return _note(ax, title, "RUS / IRN not in this run")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("D_S(country on partner) - D_S(partner on country)")
    ax.set_title(title + " (strategic sectors, transfers counted)")
    ax.legend(fontsize=7)
    _time_axis(ax, x)


def panels(f, countries):
    """The panels this file can fill, as (name, draw(ax, x)) in display order."""
    out = []
    if "welfare" in f and countries is not None:
        out.append(("welfare", lambda ax, x: panel_welfare_lines(ax, f, x, countries)))
        out.append(("welfare_last", lambda ax, x: panel_welfare_bars(ax, f, x, countries)))
    if "power_balance" in f and countries is not None:
        partners = _labels(f, "partner") or countries
        if any(a in countries and b in partners for a, b in PB_PAIRS):
            out.append(("power_balance", lambda ax, x: panel_power(ax, f, x, countries)))
    if "settlement_share" in f and countries is not None and _labels(f, "payment_system"):
        for code in ("RUS", "IRN"):
            if code in countries:
                out.append(("settlement_" + code,
                            lambda ax, x, code=code: panel_settlement(ax, f, x, countries, code)))
    if "transit" in f and _labels(f, "hub"):
        out.append(("transit", lambda ax, x: panel_transit(ax, f, x)))
    if "action_active" in f and _labels(f, "action"):
        out.append(("decisions", lambda ax, x: panel_decisions(ax, f, x)))
    if "strategic_power_balance" in f and countries is not None:
        out.append(("strategic", lambda ax, x: panel_strategic(ax, f, x, countries)))
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: plot_dashboard.py IN.h5 OUT.png\n")
        return 2
    with h5py.File(argv[1], "r") as f:
        countries = _labels(f, "country")
        x = _dates(f)
        if x is None:
            n = f["welfare"].shape[0] if "welfare" in f else 1
            x = np.arange(n)
        todo = panels(f, countries)
        if not todo:
            sys.stderr.write("plot_dashboard.py: %s has nothing to draw (no welfare, power balance, "
                             "payments or hubs)\n" % argv[1])
            return 1
        ncols = min(3, len(todo))
        nrows = (len(todo) + ncols - 1) // ncols
        fig, axes = plt.subplots(nrows, ncols, figsize=(6 * ncols, 5 * nrows), constrained_layout=True,
                                 squeeze=False)
        for k, (_, draw) in enumerate(todo):
            draw(axes[k // ncols, k % ncols], x)
        for k in range(len(todo), nrows * ncols):
            axes[k // ncols, k % ncols].set_visible(False)
        name = ""
        if "provenance/config" in f:
            cfg = _text(f["provenance/config"][()])
            for line in cfg.splitlines():
                if line.strip().startswith("name") and "=" in line:
                    name = line.split("=", 1)[1].strip().strip(';').strip('"')
                    break
        fig.suptitle(f"sancsim dashboard: {name or argv[1]}", fontsize=14)
        fig.savefig(argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
