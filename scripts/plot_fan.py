#!/usr/bin/python3
"""plot_fan.py - percentile bands of a sweep variable over its runs.

Usage:
  /usr/bin/python3 scripts/plot_fan.py SWEEP.h5 [--var welfare] [--select RUS,IRN]
                                       [--point N] [--final] [-o out.png]

Reads the sweep file with xarray (engine="h5netcdf"), keeps the runs that
finished (run_status == 1) and draws, for each selected label of the
variable's second axis (e.g. each country), the median and the 5-95 % and
25-75 % bands across runs:
- through time (a fan chart) when the scenario has more than two periods;
- at the last period, one row per label, when it has two (a static
  counterfactual such as the eu2000 bootstrap), or with --final.
--point restricts the runs to one design point (its replicates).
"""
import argparse
import sys

import numpy as np


def PNAME(ds):
    """The swept settings by name path (parameter_name) when the file has them."""
    return "parameter_name" if "parameter_name" in ds.variables else "parameter"


def _s(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def labels(da, dim):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in da[dim].values]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fan chart (percentile bands over replicates) of a sancsim sweep.")
    ap.add_argument("file")
    ap.add_argument("--var", default="welfare")
    ap.add_argument("--select", help="comma-separated labels of the second axis (default: up to 6, or all with --final)")
    ap.add_argument("--point", type=int, help="only the runs of this design point")
    ap.add_argument("--final", action="store_true", help="bands at the last period, one row per label")
    ap.add_argument("-o", "--output", help="PNG file (default: FILE with _<var>_fan.png)")
    a = ap.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import xarray as xr

    ds = xr.open_dataset(a.file, engine="h5netcdf")
    if a.var not in ds:
        print("plot_fan.py: %s has no variable %s (has: %s)" % (a.file, a.var, ", ".join(ds.data_vars)),
              file=sys.stderr)
        return 2
    da = ds[a.var]
    ok = ds["run_status"].values == 1
    if a.point is not None:
        ok &= ds["run_point"].values == a.point
    da = da.isel(run=np.nonzero(ok)[0])
    if da.sizes["run"] == 0:
        print("plot_fan.py: no finished runs to plot", file=sys.stderr)
        return 1
    other = [d for d in da.dims if d not in ("run", "time")]
    while len(other) > 1:  # sum away extra axes (e.g. sectors), keep the first
        da = da.sum(other[-1])
        other = other[:-1]
    dim = other[0] if other else None
    names = labels(da, dim) if dim else [a.var]
    final = a.final or da.sizes["time"] <= 2
    sel = a.select.split(",") if a.select else (names if final else names[:6])
    missing = [s for s in sel if s not in names]
    if missing:
        print("plot_fan.py: unknown %s: %s" % (dim, ", ".join(missing)), file=sys.stderr)
        return 2
    out = a.output or a.file.rsplit(".", 1)[0] + "_%s_fan.png" % a.var
    units = da.attrs.get("units", "")
    nrun = da.sizes["run"]

    if final:
        last = da.isel(time=-1)
        q = np.nanpercentile(np.stack([last.sel({dim: s}).values if dim else last.values for s in sel]),
                             [5, 25, 50, 75, 95], axis=1)
        order = np.argsort(q[2])
        y = np.arange(len(sel))
        fig, ax = plt.subplots(figsize=(7, 0.25 * len(sel) + 1.5))
        ax.hlines(y, q[0][order], q[4][order], color="tab:blue", alpha=0.35, lw=6, label="5-95 %")
        ax.hlines(y, q[1][order], q[3][order], color="tab:blue", alpha=0.8, lw=6, label="25-75 %")
        ax.plot(q[2][order], y, "k|", ms=10, label="median")
        ax.set_yticks(y)
        ax.set_yticklabels([sel[i] for i in order], fontsize=7)
        ax.set_xlabel("%s at %s (%s)" % (a.var, str(da["time"].values[-1])[:7], units))
        ax.set_title("%s: %d runs" % (a.var, nrun))
        ax.legend(loc="lower right", fontsize=7)
    else:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        t = da["time"].values
        for i, s in enumerate(sel):
            v = da.sel({dim: s}).values if dim else da.values
            q = np.nanpercentile(v, [5, 25, 50, 75, 95], axis=0)
            c = "C%d" % (i % 10)
            ax.fill_between(t, q[0], q[4], color=c, alpha=0.15, lw=0)
            ax.fill_between(t, q[1], q[3], color=c, alpha=0.35, lw=0)
            ax.plot(t, q[2], color=c, label=s)
        ax.set_ylabel("%s (%s)" % (a.var, units))
        ax.set_title("%s: median, 25-75 %% and 5-95 %% over %d runs" % (a.var, nrun))
        ax.legend(fontsize=8)
    # what was swept, by name path (with the point's values under --point)
    if "parameter" in ds.variables:
        params = [_s(p) for p in ds[PNAME(ds)].values]
        if a.point is not None and ok.any():
            r = int(np.nonzero(ok)[0][0])
            vals = []
            for j, p in enumerate(params):
                cat = "run_param_%d" % j
                v = _s(ds[cat].values[r]) if cat in ds.variables else "%g" % ds["run_param"].values[r, j]
                vals.append("%s = %s" % (p, v))
            caption = "point %d: %s" % (a.point, "; ".join(vals))
        else:
            caption = "swept: " + "; ".join(params)
        fig.text(0.01, 0.005, caption, fontsize=6, ha="left", va="bottom", wrap=True)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
    else:
        fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
