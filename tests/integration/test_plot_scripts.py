#!/usr/bin/python3
"""test_plot_scripts.py - the plot scripts' frictions of issue 12 item 5.

- plot_dashboard.py draws only the panels a file can fill: the 2021
  baseline (no payment systems, no hubs) gets welfare and power-balance
  panels and no empty settlement or transit panels; the Russia-Iran run
  gets all six; every focus country has its own colour (RUS and EU are no
  longer both blue) and the lines of the welfare panel have distinct
  colours.
- plot_sensitivity.py has the --country option that
  configs/sweeps/sanctions_grid.cfg documents (unknown codes and variables
  without a country axis are exit 2), and labels parameters by their name
  path; plot_fan.py runs on the same sweep.
"""
import importlib.util
import os
import subprocess
import sys
import tempfile

import h5py

SANCSIM = os.environ.get("SANCSIM", "")
SRC = os.environ.get("SANCSIM_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)))
    if not ok:
        failures.append(name)


def sh(args, want=0, **kw):
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if want is not None and p.returncode != want:
        raise AssertionError("%s: exit %d, want %d\n%s%s" % (" ".join(args), p.returncode, want, p.stdout, p.stderr))
    return p


def main():
    if not SANCSIM:
        print("SANCSIM not set", file=sys.stderr)
        return 2
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: skip")
        return 77
    spec = importlib.util.spec_from_file_location("dash", os.path.join(SRC, "scripts/plot_dashboard.py"))
    dash = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dash)
    tmp = tempfile.mkdtemp(prefix="sancsim_plots.")

    check("a colour per focus country", sorted(dash.COLORS) == sorted(dash.FOCUS) and
          len(set(dash.COLORS.values())) == len(dash.COLORS), dash.COLORS)
    check("RUS and EU differ", dash.COLORS["RUS"] != dash.COLORS["EU"])

    bl = os.path.join(tmp, "bl.h5")
    ri = os.path.join(tmp, "ri.h5")
    sh([SANCSIM, "run", os.path.join(SRC, "configs/baseline_2021.cfg"), "-o", bl, "-q"])
    sh([SANCSIM, "run", os.path.join(SRC, "configs/russia_iran_2022.cfg"), "-o", ri, "-q"])
    with h5py.File(bl, "r") as f:
        names = [n for n, _ in dash.panels(f, dash._labels(f, "country"))]
    check("baseline: no empty payment or hub panels", names == ["welfare", "welfare_last", "power_balance"], names)
    with h5py.File(ri, "r") as f:
        countries = dash._labels(f, "country")
        todo = dash.panels(f, countries)
        names = [n for n, _ in todo]
        check("Russia-Iran: all six panels", names == ["welfare", "welfare_last", "power_balance", "settlement_RUS",
                                                       "settlement_IRN", "transit"], names)
        fig, ax = plt.subplots()
        todo[0][1](ax, dash._dates(f))
        cols = {ln.get_label(): ln.get_color() for ln in ax.get_lines() if not ln.get_label().startswith("_")}
        focus = [c for c in cols if c in dash.FOCUS]
        check("welfare lines: distinct colours", len(focus) >= 10 and len({cols[c] for c in focus}) == len(focus),
              cols)
        plt.close(fig)
    for h5 in (bl, ri):
        png = h5[:-3] + ".png"
        sh(["/usr/bin/python3", os.path.join(SRC, "scripts/plot_dashboard.py"), h5, png])
        check("dashboard written: " + os.path.basename(png), os.path.getsize(png) > 10000)
    from matplotlib.image import imread
    h_bl, h_ri = imread(bl[:-3] + ".png").shape[0], imread(ri[:-3] + ".png").shape[0]
    check("baseline dashboard is one row, Russia-Iran two", h_ri > 1.6 * h_bl, (h_bl, h_ri))

    # plot_sensitivity.py --country, plot_fan.py
    try:
        import xarray  # noqa: F401
        import h5netcdf  # noqa: F401
    except ImportError:
        print("SKIP xarray/h5netcdf not installed")
        return 1 if failures else 0
    sw = os.path.join(tmp, "grid.h5")
    sh([SANCSIM, "sweep", os.path.join(SRC, "configs/sweeps/sanctions_grid.cfg"), "-o", sw, "-q", "-j", "2"])
    sens = os.path.join(SRC, "scripts/plot_sensitivity.py")
    png = os.path.join(tmp, "sens.png")
    p = sh(["/usr/bin/python3", sens, sw, "--var", "welfare", "--country", "RUS", "-o", png])
    check("plot_sensitivity.py --country RUS", os.path.getsize(png) > 5000, p.stderr)
    p = sh(["/usr/bin/python3", sens, sw, "--var", "welfare", "--country", "XXX", "-o", png], want=2)
    check("--country XXX: exit 2", "XXX" in p.stderr, p.stderr)
    p = sh(["/usr/bin/python3", sens, sw, "--var", "welfare", "--country", "RUS", "--label", "RUS", "-o", png], want=2)
    check("--country with --label: exit 2", "exclude" in p.stderr, p.stderr)
    p = sh(["/usr/bin/python3", sens, sw, "--help"])
    check("--country documented in --help", "--country" in p.stdout, p.stdout)
    with h5py.File(sw, "r") as f:
        params = [x.decode() if isinstance(x, bytes) else x for x in f["parameter"][()]]
    check("sweep parameters are name paths (plot labels)", all("[name=" in x for x in params), params)
    fan = os.path.join(tmp, "fan.png")
    sh(["/usr/bin/python3", os.path.join(SRC, "scripts/plot_fan.py"), sw, "--var", "welfare", "--select", "RUS,IRN",
        "--point", "1", "-o", fan])
    check("plot_fan.py on the named sweep", os.path.getsize(fan) > 5000)

    subprocess.run(["rm", "-rf", tmp])
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("all plot script checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
