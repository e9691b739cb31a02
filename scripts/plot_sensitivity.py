#!/usr/bin/python3
"""plot_sensitivity.py - which swept parameter moves an outcome most.

Usage:
  /usr/bin/python3 scripts/plot_sensitivity.py SWEEP.h5 [--var welfare]
                                               [--country RUS | --label LABEL]
                                               [--time -1] [-o out.png]

The outcome is --var at period --time (default: the last) for one country
(--country, on the variable's country axis) or one label of its second axis
(--label; summed over further axes), per finished run
(run_status == 1), averaged over each design point's replicates.  Parameters are labelled by
their name path (`sanctions.[name="..."].enforcement`, from the file's
parameter_name, also when the sweep addressed the list element by index).
- grid designs: a one-at-a-time tornado chart; for each parameter, the other
  parameters are held at their middle level and the bar spans the outcome
  over that parameter's levels (categorical levels by their labels);
- random / Sobol / LHS / file designs: first-order Sobol indices
  S_j = Var(E[Y | X_j]) / Var(Y), estimated by binning X_j into quantile bins
  (a given-data estimator that needs no special Saltelli design), as bars.
Reads the file with xarray (engine="h5netcdf").
"""
import argparse
import sys

import numpy as np


def PNAME(ds):
    """The swept settings by name path (parameter_name) when the file has them."""
    return "parameter_name" if "parameter_name" in ds.variables else "parameter"


def _s(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Sensitivity chart of a sancsim sweep.")
    ap.add_argument("file")
    ap.add_argument("--var", default="welfare")
    ap.add_argument("--label", help="label of the variable's second axis (default: the first)")
    ap.add_argument("--country", help="country code on the variable's country axis (e.g. RUS)")
    ap.add_argument("--time", type=int, default=-1, help="period index (default: last)")
    ap.add_argument("--bins", type=int, default=0, help="bins for the Sobol estimate (default: sqrt(points))")
    ap.add_argument("-o", "--output")
    a = ap.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import xarray as xr

    ds = xr.open_dataset(a.file, engine="h5netcdf")
    if a.var not in ds:
        print("plot_sensitivity.py: no variable %s" % a.var, file=sys.stderr)
        return 2
    da = ds[a.var].isel(time=a.time)
    other = [d for d in da.dims if d != "run"]
    if a.country is not None:
        if a.label is not None:
            print("plot_sensitivity.py: --country and --label exclude each other", file=sys.stderr)
            return 2
        if "country" not in other:
            print("plot_sensitivity.py: %s has no country axis (its axes: %s)" % (a.var, ", ".join(da.dims)),
                  file=sys.stderr)
            return 2
        other.remove("country")
        other.insert(0, "country")
        a.label = a.country
    label = None
    if other:
        names = [_s(x) for x in da[other[0]].values]
        label = a.label or names[0]
        if label not in names:
            print("plot_sensitivity.py: unknown %s %s" % (other[0], label), file=sys.stderr)
            return 2
        da = da.sel({other[0]: label})
        for d in other[1:]:
            da = da.sum(d)
    y_run = np.where(ds["run_status"].values == 1, da.values, np.nan)
    point = ds["run_point"].values
    npoints = int(point.max()) + 1
    with np.errstate(invalid="ignore"):
        sums = np.bincount(point, weights=np.nan_to_num(y_run), minlength=npoints)
        cnt = np.bincount(point, weights=np.isfinite(y_run).astype(float), minlength=npoints)
        y = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
    first = np.unique(point, return_index=True)[1]
    X = ds["run_param"].values[first]            # (point, parameter)
    params = [_s(p) for p in ds[PNAME(ds)].values]
    design = _s(ds.attrs.get("sweep_design", "grid"))
    what = "%s%s at %s" % (a.var, " of " + label if label else "", str(ds["time"].values[a.time])[:7])
    out = a.output or a.file.rsplit(".", 1)[0] + "_%s_sensitivity.png" % a.var
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(params) + 1.6))
    ok = np.isfinite(y)
    if design == "grid":
        mid = [np.unique(X[:, j])[len(np.unique(X[:, j])) // 2] for j in range(len(params))]
        ref = None
        rows = []
        for j, p in enumerate(params):
            m = ok.copy()
            for k in range(len(params)):
                if k != j:
                    m &= X[:, k] == mid[k]
            if not m.any():
                continue
            lv, vals = X[m, j], y[m]
            lo, hi = vals[np.argmin(vals)], vals[np.argmax(vals)]
            # a categorical parameter: run_param holds the level index, the
            # string variable run_param_<j> the value of each run
            cat = "run_param_%d" % j
            if cat in ds.variables:
                labs, idx = ds[cat].values, ds["run_param"].values[:, j]
                name = lambda v, labs=labs, idx=idx: _s(labs[np.nonzero(idx == v)[0][0]])  # noqa: E731
            else:
                name = lambda v: "%g" % v  # noqa: E731
            rows.append((hi - lo, p, lo, hi, name(lv[np.argmin(vals)]), name(lv[np.argmax(vals)])))
            if ref is None:
                ref = vals[lv == mid[j]][0] if (lv == mid[j]).any() else np.mean(vals)
        rows.sort()
        for i, (_, p, lo, hi, nlo, nhi) in enumerate(rows):
            ax.barh(i, hi - lo, left=lo, color="tab:blue", alpha=0.7)
            ax.text(hi, i, "  low at %s, high at %s" % (nlo, nhi), ha="left", va="center", fontsize=7)
        if ref is not None:
            ax.axvline(ref, color="k", lw=0.8)
        ax.margins(x=0.6)  # room for the level labels after the bars
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([r[1] for r in rows], fontsize=8)
        ax.set_xlabel(what)
        ax.set_title("one at a time (others at their middle level)")
    else:
        n = int(ok.sum())
        bins = a.bins or max(2, int(np.sqrt(n)))
        var = np.var(y[ok])
        S = []
        for j in range(len(params)):
            x = X[ok, j]
            edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
            idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
            means = np.array([y[ok][idx == b].mean() if (idx == b).any() else np.nan for b in range(len(edges) - 1)])
            w = np.array([(idx == b).mean() for b in range(len(edges) - 1)])
            S.append(np.nansum(w * (means - y[ok].mean()) ** 2) / var if var > 0 else 0.0)
        order = np.argsort(S)
        ax.barh(range(len(params)), np.array(S)[order], color="tab:blue", alpha=0.7)
        ax.set_yticks(range(len(params)))
        ax.set_yticklabels([params[i] for i in order], fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xlabel("first-order Sobol index of %s (binned, %d points)" % (what, n))
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
