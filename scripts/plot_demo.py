#!/usr/bin/python3
"""Plot a sancsim result: welfare, exports and (if present) Russia's energy
exports by destination.  usage: plot_demo.py RESULT.h5 OUT.png

Reads the file with xarray (engine="h5netcdf"), as a user would."""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402


def main(path, out):
    ds = xr.open_dataset(path, engine="h5netcdf")
    name = ds.attrs.get("scenario", path)
    t = ds["time"].values
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2))

    w = (ds["welfare"] - 1.0) * 100.0
    last = w.isel(time=-1)
    order = np.argsort(last.values)
    ax = axes[0]
    ax.barh(np.array(ds["country"].values)[order], last.values[order],
            color=["#b2182b" if v < 0 else "#2166ac" for v in last.values[order]])
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("welfare change vs baseline, % (last period)")
    ax.set_title("Welfare by country, %s" % str(t[-1])[:7])

    ax = axes[1]
    show = [c for c in ["RUS", "IRN", "CHN", "IND", "EU", "USA", "TUR", "BLR"]
            if c in ds["country"].values] or list(ds["country"].values[:8])
    for c in show:
        ax.plot(t, w.sel(country=c), label=c)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("welfare change, %")
    ax.set_title("Welfare over time")
    ax.legend(fontsize=8, ncol=2)

    ax = axes[2]
    if "flows" in ds and "RUS" in ds["exporter"].values and "energy" in ds["sector"].values:
        f = ds["flows"].sel(exporter="RUS", sector="energy")
        tot = f.sum("importer") - f.sel(importer="RUS")
        top = (f.isel(time=0).drop_sel(importer="RUS").to_series()
               .sort_values(ascending=False).index[:6])
        for j in top:
            ax.plot(t, f.sel(importer=j) / 1000.0, label=j)
        ax.plot(t, tot / 1000.0, "k--", label="all exports")
        ax.set_ylabel("USD billion per year" if "million" in ds["flows"].attrs.get("units", "")
                      else ds["flows"].attrs.get("units", ""))
        ax.set_title("Russian energy exports by destination")
        ax.legend(fontsize=8, ncol=2)
    else:
        x = ds["exports"] / ds["exports"].isel(time=0)
        for c in show:
            ax.plot(t, x.sel(country=c), label=c)
        ax.set_ylabel("exports relative to baseline")
        ax.set_title("Exports")
        ax.legend(fontsize=8, ncol=2)
    for a in axes[1:]:
        a.tick_params(axis="x", rotation=30)
    fig.suptitle("sancsim: %s" % name)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print("plot: wrote %s" % out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plot_demo.py RESULT.h5 OUT.png")
    main(sys.argv[1], sys.argv[2])
