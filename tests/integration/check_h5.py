#!/usr/bin/python3
"""check_h5.py - is this file a valid, complete sancsim result?

Usage: /usr/bin/python3 tests/integration/check_h5.py FILE [--expect-var NAME]...
Exit 0 and print "ok: FILE" when valid; otherwise print one line per problem
and exit 1 (2 for bad usage).  Also importable: check(path, expect_vars)
returns the list of problems.

Checks (DESIGN sections 5 and 7):
- h5py: root provenance attributes, complete == 1 (int), /provenance/config
  a scalar string whose sha256 is config_sha256; every data variable has
  units/long_name/description/dims, time first, every axis attached to the
  dimension scale its `dims` attribute names; no NaN/Inf in float data (of
  the runs that are done, in a sweep).
- netCDF-4 compatibility (DESIGN section 10): no fixed-length string
  datasets, no filters on string datasets, no zero-length axes, time with
  calendar "proleptic_gregorian", a `history` attribute; in sweeps an int64
  `run` (and `point`) coordinate 0..n-1, `_FillValue` on the variables kept
  along `run`, `flag_values`/`flag_meanings` on `run_status`.
- xarray (engine="h5netcdf"): opens without warnings, no phony_dim_*, each
  variable's xarray dims equal its `dims` attribute, time decodes to
  datetime64 starting at scenario.start on first days of months, values read
  through xarray equal the raw HDF5 values (only `_FillValue` masked).
"""
import argparse
import datetime
import hashlib
import re
import sys
import warnings

import numpy as np

ROOT_STR_ATTRS = ["software", "software_version", "git_revision", "compiler", "hdf5_version",
                  "gsl_version", "libconfig_version", "rng", "command_line", "created",
                  "config_sha256", "scenario", "Conventions", "history"]
INDEX_SCALES = {"run", "point"}  # int64 0..n-1
VAR_ATTRS = ["units", "long_name", "description", "dims"]
DIM_NAMES = {"time", "country", "partner", "exporter", "importer", "sector", "payment_system",
             "hub", "sanction", "run", "parameter", "point", "action", "decision"}


def _str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _str(v[()])
    if isinstance(v, np.bytes_):
        return bytes(v).decode("utf-8")
    return v if isinstance(v, str) else None


def _scenario_start(config_text):
    """scenario.start "YYYY-MM" from the resolved config, or None."""
    m = re.search(r'(?m)^\s*scenario\s*[=:]\s*\{(.*?)\}\s*;?', config_text, re.S)
    if not m:
        return None
    s = re.search(r'\bstart\s*[=:]\s*"(\d{4})-(\d{2})"', m.group(1))
    return (int(s.group(1)), int(s.group(2))) if s else None


def _check_h5py(path, expect_vars, errs):
    import h5py
    info = {"vars": [], "start": None}
    with h5py.File(path, "r") as f:
        a = f.attrs
        if "complete" not in a:
            errs.append("root attribute complete missing (run not finished)")
        else:
            c = np.asarray(a["complete"])
            if c.shape != () or c.dtype.kind not in "iu" or int(c) != 1:
                errs.append("root attribute complete is %r, want integer 1" % (a["complete"],))
        for k in ROOT_STR_ATTRS:
            if k not in a:
                errs.append("root attribute %s missing" % k)
            elif _str(a[k]) is None:
                errs.append("root attribute %s is not a string" % k)
        if "software" in a and _str(a["software"]) != "sancsim":
            errs.append("root attribute software is %r, want 'sancsim'" % _str(a["software"]))
        if "rng" in a and _str(a["rng"]) != "mt19937":
            errs.append("root attribute rng is %r, want 'mt19937'" % _str(a["rng"]))
        if "seed" not in a:
            errs.append("root attribute seed missing")
        elif np.asarray(a["seed"]).dtype.kind not in "iu":
            errs.append("root attribute seed is not an integer")
        if "created" in a and _str(a["created"]):
            try:
                datetime.datetime.fromisoformat(_str(a["created"]).replace("Z", "+00:00"))
            except ValueError:
                errs.append("root attribute created %r is not ISO 8601" % _str(a["created"]))

        cfg = f.get("provenance/config")
        if cfg is None or not isinstance(cfg, h5py.Dataset):
            errs.append("/provenance/config missing")
        elif cfg.shape != () or cfg.dtype.kind not in "OS":
            errs.append("/provenance/config is not a scalar string")
        else:
            text = _str(cfg[()])
            if text is None:
                errs.append("/provenance/config is not a string")
            else:
                info["start"] = _scenario_start(text)
                want = _str(a.get("config_sha256", b""))
                got = hashlib.sha256(text.encode("utf-8")).hexdigest()
                if want is not None and want != got:
                    errs.append("config_sha256 %s does not match sha256(/provenance/config) %s"
                                % (want, got))

        if "time" not in f:
            errs.append("dimension scale time missing")
        elif _str(f["time"].attrs.get("calendar")) != "proleptic_gregorian":
            errs.append("time: calendar is %r, want 'proleptic_gregorian'" % _str(f["time"].attrs.get("calendar")))
        done = point_done = None
        if "run_status" in f:
            done = f["run_status"][()] == 1
            reps = int(a.get("sweep_replicates", 1))
            if reps >= 1 and done.size % reps == 0:
                point_done = done.reshape(-1, reps).any(axis=1)
            st = f["run_status"]
            fv = st.attrs.get("flag_values")
            if fv is None or list(np.asarray(fv)) != [0, 1, 2] or np.asarray(fv).dtype != st.dtype:
                errs.append("run_status: flag_values %r, want [0, 1, 2] of its type" % (fv,))
            if _str(st.attrs.get("flag_meanings")) != "pending done failed":
                errs.append("run_status: flag_meanings is %r" % _str(st.attrs.get("flag_meanings")))

        def visit(name, ds):
            if not isinstance(ds, h5py.Dataset):
                return
            if ds.dtype.kind == "S":
                errs.append("%s: fixed-length strings (netCDF-C cannot read them)" % name)
            if h5py.check_string_dtype(ds.dtype) is not None and ds.chunks is not None \
                    and (ds.compression or ds.shuffle or ds.fletcher32 or ds.scaleoffset):
                errs.append("%s: filter on a string dataset" % name)
            if 0 in ds.shape:
                errs.append("%s: zero-length axis %s" % (name, ds.shape))
        f.visititems(visit)
        for name, ds in f.items():
            if not isinstance(ds, h5py.Dataset):
                continue
            is_scale = _str(ds.attrs.get("CLASS")) == "DIMENSION_SCALE"
            if is_scale:
                if name not in DIM_NAMES:
                    errs.append("%s: unexpected dimension scale" % name)
                if ds.ndim != 1:
                    errs.append("%s: dimension scale is not 1-D" % name)
                if name in INDEX_SCALES:
                    if ds.dtype != np.int64 or not np.array_equal(ds[()], np.arange(ds.shape[0])):
                        errs.append("%s: not an int64 coordinate 0..n-1" % name)
                elif name != "time" and name in DIM_NAMES:
                    if ds.dtype.kind != "O" or h5py.check_string_dtype(ds.dtype) is None:
                        errs.append("%s: labels are not variable-length strings" % name)
                    else:
                        labels = [_str(x) for x in ds[()]]
                        if len(set(labels)) != len(labels):
                            errs.append("%s: duplicate labels" % name)
                continue
            info["vars"].append(name)
            for k in VAR_ATTRS:
                if k not in ds.attrs or _str(ds.attrs[k]) is None:
                    errs.append("%s: attribute %s missing or not a string" % (name, k))
            dims = (_str(ds.attrs.get("dims")) or "").split()
            if len(dims) != ds.ndim:
                errs.append("%s: dims attribute %r does not match rank %d" % (name, dims, ds.ndim))
                continue
            # a sweep puts `run` (or, for per-point summaries, `point`) before time;
            # parameter_name(parameter) names the swept settings; the governments'
            # decision table is along `decision` alone (DESIGN 3b)
            if name == "parameter_name" and dims == ["parameter"]:
                continue
            if not dims or dims[0] not in ("time", "run", "point", "decision"):
                errs.append("%s: first dimension is not time" % name)
            if len(dims) > 1 and dims[0] in ("run", "point") and dims[1] == "time" \
                    and "_FillValue" not in ds.attrs:
                errs.append("%s: no _FillValue (a run that is not done must read as missing)" % name)
            for i, d in enumerate(dims):
                sc = ds.dims[i]
                if len(sc) != 1:
                    errs.append("%s: axis %d has %d dimension scales attached" % (name, i, len(sc)))
                elif sc[0].name != "/" + d:
                    errs.append("%s: axis %d attached to %s, dims says %s" % (name, i, sc[0].name, d))
                elif sc[0].shape[0] != ds.shape[i]:
                    errs.append("%s: axis %s has %d entries, scale %d" % (name, d, ds.shape[i],
                                                                           sc[0].shape[0]))
            if ds.dtype.kind == "f":
                # period by period, so a big run does not need to fit in memory
                for t in range(ds.shape[0] if ds.ndim else 0):
                    if dims[0] == "run" and done is not None and not done[t]:
                        continue  # a pending or failed run holds the fill value
                    if dims[0] == "point" and point_done is not None and not point_done[t]:
                        continue  # no replicate of the point finished
                    x = ds[t]
                    if not np.all(np.isfinite(x)):
                        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
                        errs.append("%s: %d NaN/Inf values at time index %d" % (name, bad, t))
                        break
        for v in expect_vars:
            if v not in f or not isinstance(f[v], h5py.Dataset):
                errs.append("expected variable %s missing" % v)
    return info


def _check_xarray(path, info, errs):
    import h5py
    import xarray as xr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = xr.open_dataset(path, engine="h5netcdf")
        except Exception as exc:  # noqa: BLE001 - any failure to open is the finding
            errs.append("xarray/h5netcdf cannot open: %s" % exc)
            return
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            continue
        errs.append("xarray/h5netcdf warning: %s" % w.message)
    with ds, h5py.File(path, "r") as f:
        for d in ds.dims:
            if str(d).startswith("phony_dim"):
                errs.append("unnamed dimension %s (dimension scale not attached)" % d)
        if "time" in ds.coords:
            tv = ds["time"].values
            if not np.issubdtype(tv.dtype, np.datetime64):
                errs.append("time does not decode to datetime64 (got %s)" % tv.dtype)
            elif tv.size:
                days = tv.astype("datetime64[D]")
                if not np.all(tv == days):
                    errs.append("time values are not whole days")
                months = days.astype("datetime64[M]")
                if not np.all(months.astype("datetime64[D]") == days):
                    errs.append("time values are not first days of months")
                if tv.size > 1 and not np.all(np.diff(tv) > np.timedelta64(0, "D")):
                    errs.append("time is not strictly increasing")
                if info["start"] is not None:
                    want = np.datetime64("%04d-%02d-01" % info["start"], "D")
                    if days[0] != want:
                        errs.append("first time is %s, scenario.start is %s" % (days[0], want))
        for name in info["vars"]:
            if name not in ds.variables:
                errs.append("%s: not visible through xarray" % name)
                continue
            v = ds[name]
            want = tuple((_str(f[name].attrs.get("dims")) or "").split())
            if tuple(v.dims) != want:
                errs.append("%s: xarray dims %s, dims attribute %s" % (name, v.dims, want))
            if v.size and v.size <= 50_000_000:
                raw = f[name][()]
                got = v.values
                if h5py.check_string_dtype(f[name].dtype) is not None:
                    raw = np.array([_str(x) for x in raw.ravel()], dtype=object).reshape(raw.shape)
                    got = np.array([str(x) for x in got.ravel()], dtype=object).reshape(got.shape)
                elif "_FillValue" in f[name].attrs:
                    fill = np.asarray(f[name].attrs["_FillValue"])
                    raw = raw.astype(float)
                    if fill.dtype.kind != "f" or not np.isnan(fill):
                        raw[raw == float(fill)] = np.nan
                kind_nan = raw.dtype.kind == "f"
                if got.shape != raw.shape or not np.array_equal(got, raw, equal_nan=kind_nan):
                    errs.append("%s: values through xarray differ from the stored values "
                                "(fill-value masking or scaling?)" % name)


def check(path, expect_vars=()):
    errs = []
    try:
        import h5py  # noqa: F401
    except ImportError:
        return ["h5py not available in %s" % sys.executable]
    try:
        info = _check_h5py(path, list(expect_vars), errs)
    except Exception as exc:  # noqa: BLE001 - unreadable file is the finding
        return errs + ["cannot read %s with h5py: %s" % (path, exc)]
    _check_xarray(path, info, errs)
    return errs


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check a sancsim HDF5 result.")
    ap.add_argument("file")
    ap.add_argument("--expect-var", action="append", default=[], metavar="NAME",
                    help="require this variable (repeatable)")
    args = ap.parse_args(argv)
    errs = check(args.file, args.expect_var)
    if errs:
        for e in errs:
            print("%s: %s" % (args.file, e))
        return 1
    print("ok: %s" % args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
