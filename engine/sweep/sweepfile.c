/*
 * sweepfile.c - the sweep file (DESIGN sections 5 and 6): every kept
 * variable with a leading `run` dimension, the manifest (`parameter`,
 * `run_param`, `run_point`, `run_replicate`, `run_seed`), the outcome of
 * each run (`run_status`, `run_error`), optional per-point summaries, and
 * the merge of part files written by shards or MPI ranks.
 *
 * Conventions follow the recorder (h5out.c): H5DS dimension scales with
 * variable-length UTF-8 labels on every axis, `units`/`long_name`/
 * `description`/`dims` on every dataset, provenance as root attributes,
 * `complete = 1` written last.  Kept variables are chunked by whole runs
 * and filled with NaN (ints: netCDF's default fill), declared as
 * `_FillValue`, so a pending or failed run reads as missing and a run that
 * is never written costs no space (part files stay sparse).
 *
 * netCDF-4 compatible (DESIGN section 10): `run` and `point` are int64
 * coordinates, every string variable (`run_error`, the categorical values
 * `run_param_<j>`) is variable-length UTF-8 without filters and fully
 * written, `run_status` carries CF flag attributes, the root `history`.
 */
#include "sweepfile.h"
#include "fsafe.h"
#include "h5util.h"
#include "utf8.h"
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <libconfig.h>

#ifndef SANCSIM_VERSION
#define SANCSIM_VERSION "unknown"
#endif
#ifndef SANCSIM_GIT_REVISION
#define SANCSIM_GIT_REVISION "unknown"
#endif

#define SWF_MAXRANK (SCHEMA_VAR_MAXDIMS + 2)
#define SWF_BLOCK 65536            /* rows per write of the manifest */
#define SWF_CHUNK_BYTES (64 << 10) /* runs share a chunk up to this size */
#define SWF_INT_FILL (-2147483647) /* netCDF's default int fill: a kept int of a run not done */

static const char *const swf_stat_names[4] = {"mean", "p05", "p50", "p95"};

struct sweep_h5 {
    hid_t file;
    hid_t var[SCHEMA_MAX_VARS];
    hid_t status, error;
    int nvars;
    sweep_layout L; /* shallow: names and sizes only, owned by the caller */
    int64_t nruns, npoints, replicates;
    char *path;
};

void sweep_layout_free(sweep_layout *L)
{
    free(L->time_days);
    for (int d = 0; d < DIM_COUNT; d++) {
        if (L->dim_labels[d])
            for (int i = 0; i < L->dim_n[d]; i++)
                free(L->dim_labels[d][i]);
        free(L->dim_labels[d]);
    }
    for (int i = 0; i < L->nvars; i++) {
        free(L->var[i].name);
        free(L->var[i].units);
        free(L->var[i].long_name);
        free(L->var[i].description);
    }
    free(L->units);
    memset(L, 0, sizeof *L);
}

/* ------------------------------------------------------------------ */
/* errors and attributes                                               */

static int swf_fail(errbuf *e, const char *path, const char *what)
{
    int err = errno; /* HDF5 may leave the OS's reason only here (ENOSPC, EFBIG) */
    char why[256];
    h5util_error_text(why, sizeof why);
    if (why[0] == '\0' && (err == ENOSPC || err == EFBIG || err == EDQUOT || err == EIO))
        snprintf(why, sizeof why, "%s", strerror(err));
    if (why[0] != '\0')
        return err_set(e, SANC_EIO, "%s: cannot write or read %s: %s", path, what, why);
    return err_set(e, SANC_EIO, "%s: cannot write or read %s", path, what);
}

static int swf_attr_i64(hid_t loc, const char *name, int64_t v)
{
    long long x = v;
    return h5util_attr_num(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &x);
}

/* Read a scalar integer attribute (-1 if absent or unreadable). */
static int64_t swf_read_i64(hid_t loc, const char *name)
{
    long long v = -1;
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    if (H5Aread(a, H5T_NATIVE_LLONG, &v) < 0)
        v = -1;
    H5Aclose(a);
    return v;
}

/* Read a string attribute into buf ("" if absent). */
static void swf_read_str(hid_t loc, const char *name, char *buf, size_t n)
{
    buf[0] = '\0';
    if (H5Aexists(loc, name) <= 0)
        return;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return;
    hid_t ft = H5Aget_type(a);
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING && !H5Tis_variable_str(ft)) {
        /* the stack for the usual short attribute: a failed allocation here
         * read as "" and silently dropped the summaries (keep) or a
         * variable's dims and units from a file reported complete */
        char small[4096];
        size_t sz = H5Tget_size(ft);
        char *tmp = sz < sizeof small ? small : calloc(sz + 1, 1);
        if (tmp == small)
            memset(small, 0, sizeof small);
        hid_t mt = H5Tcopy(ft);
        if (tmp && mt >= 0 && H5Aread(a, mt, tmp) >= 0) {
            size_t l = strnlen(tmp, n - 1);
            memcpy(buf, tmp, l);
            buf[l] = '\0';
        }
        if (mt >= 0)
            H5Tclose(mt);
        if (tmp != small)
            free(tmp);
    }
    if (ft >= 0)
        H5Tclose(ft);
    H5Aclose(a);
}

/* _FillValue of a dataset, in its own type (netCDF readers mask it). */
static int swf_fill_attr(hid_t ds, hid_t ftype, hid_t mtype, const void *fill)
{
    return h5util_attr_num(ds, "_FillValue", ftype, mtype, fill);
}

static int swf_describe(hid_t ds, const char *units, const char *long_name, const char *desc, const char *dims)
{
    return h5util_attr_str(ds, "units", units) < 0 || h5util_attr_str(ds, "long_name", long_name) < 0 ||
                   h5util_attr_str(ds, "description", desc) < 0 || h5util_attr_str(ds, "dims", dims) < 0
               ? -1
               : 0;
}

/* ------------------------------------------------------------------ */
/* creation                                                            */

/* A 1-D string scale (labels, n >= 1). */
/* parameter_name(parameter): the swept settings by name path. 0 or -1. */
static int swf_named_params(hid_t file, hid_t par_scale, int64_t n, char *const *names)
{
    hid_t type = h5util_vlen_str();
    hsize_t dim = (hsize_t)n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t ds = type >= 0 && space >= 0
                   ? H5Dcreate2(file, "parameter_name", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                   : -1;
    int ok = ds >= 0 && (n == 0 || h5util_write_str(ds, type, H5S_ALL, H5S_ALL, names) >= 0) &&
             H5DSattach_scale(ds, par_scale, 0) >= 0 &&
             h5util_attr_str(ds, "units", "") >= 0 && h5util_attr_str(ds, "long_name", "swept setting by name path") >= 0 &&
             h5util_attr_str(ds, "description",
                             "the setting of each parameter as a name path in the base scenario, list elements "
                             "by their name (sanctions.[name=\"X\"].enforcement) where they have one") >= 0 &&
             h5util_attr_str(ds, "dims", "parameter") >= 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return ok ? 0 : -1;
}

static hid_t swf_label_scale(hid_t file, const char *name, const char *long_name, int64_t n,
                             char *const *labels)
{
    hid_t type = h5util_vlen_str();
    hsize_t dim = (hsize_t)n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = -1;
    int ok = type >= 0 && space >= 0 && dcpl >= 0;
    if (ok && n > SWF_BLOCK) {
        hsize_t chunk = SWF_BLOCK;
        ok = H5Pset_chunk(dcpl, 1, &chunk) >= 0;
    }
    if (ok)
        ds = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ok = ds >= 0;
    if (ok && n > 0)
        ok = h5util_write_str(ds, type, H5S_ALL, H5S_ALL, labels) >= 0;
    if (ok)
        ok = H5DSset_scale(ds, name) >= 0 && h5util_attr_str(ds, "long_name", long_name) >= 0;
    if (!ok && ds >= 0) {
        H5Dclose(ds);
        ds = -1;
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return ds;
}

/* A 1-D int64 scale holding 0..n-1 (run, point): an integer coordinate,
 * so that xarray's sel(run=3) and R's indexing work. */
static hid_t swf_index_scale(hid_t file, const char *name, const char *long_name, int64_t n)
{
    hsize_t dim = (hsize_t)n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = -1;
    int ok = space >= 0 && dcpl >= 0;
    if (ok && n > SWF_BLOCK) {
        hsize_t chunk = SWF_BLOCK;
        ok = H5Pset_chunk(dcpl, 1, &chunk) >= 0;
    }
    if (ok)
        ds = H5Dcreate2(file, name, H5T_STD_I64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ok = ds >= 0;
    long long *buf = ok ? malloc(sizeof *buf * SWF_BLOCK) : NULL;
    ok = ok && buf != NULL;
    for (int64_t b = 0; ok && b < n; b += SWF_BLOCK) {
        hsize_t cnt = (hsize_t)(n - b < SWF_BLOCK ? n - b : SWF_BLOCK), st = (hsize_t)b;
        for (hsize_t i = 0; i < cnt; i++)
            buf[i] = (long long)(b + (int64_t)i);
        hid_t ms = H5Screate_simple(1, &cnt, NULL);
        hid_t fs = H5Dget_space(ds);
        ok = ms >= 0 && fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &st, NULL, &cnt, NULL) >= 0 &&
             H5Dwrite(ds, H5T_NATIVE_LLONG, ms, fs, H5P_DEFAULT, buf) >= 0;
        if (ms >= 0)
            H5Sclose(ms);
        if (fs >= 0)
            H5Sclose(fs);
    }
    free(buf);
    if (ok)
        ok = H5DSset_scale(ds, name) >= 0 && h5util_attr_str(ds, "long_name", long_name) >= 0 &&
             h5util_attr_str(ds, "units", "1") >= 0;
    if (!ok && ds >= 0) {
        H5Dclose(ds);
        ds = -1;
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return ds;
}

static hid_t swf_time_scale(hid_t file, const sweep_layout *L)
{
    char units[64];
    snprintf(units, sizeof units, "days since %04d-%02d-01", L->start_year, L->start_month);
    hsize_t dim = (hsize_t)L->T;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t ds = space >= 0 ? H5Dcreate2(file, "time", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                          : -1;
    if (ds >= 0 && (H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, L->time_days) < 0 ||
                    H5DSset_scale(ds, "time") < 0 || h5util_attr_str(ds, "units", units) < 0 ||
                    h5util_attr_str(ds, "calendar", H5UTIL_CALENDAR) < 0 || h5util_attr_str(ds, "long_name", "time") < 0 ||
                    h5util_attr_str(ds, "standard_name", "time") < 0 || h5util_attr_str(ds, "axis", "T") < 0)) {
        H5Dclose(ds);
        ds = -1;
    }
    if (space >= 0)
        H5Sclose(space);
    return ds;
}

/* A dataset (lead, rest...) with its scales attached; no filters (netCDF-C
 * refuses them on strings). */
static hid_t swf_dataset(hid_t file, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                         const hsize_t *chunk, const void *fill, const hid_t *scales)
{
    hsize_t maxd[SWF_MAXRANK];
    for (int d = 0; d < rank; d++)
        maxd[d] = dims[d] > 0 ? dims[d] : H5S_UNLIMITED;
    hid_t space = H5Screate_simple(rank, dims, maxd);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = -1;
    if (space >= 0 && dcpl >= 0 && (chunk == NULL || H5Pset_chunk(dcpl, rank, chunk) >= 0) &&
        (fill == NULL || H5Pset_fill_value(dcpl, ftype, fill) >= 0))
        ds = H5Dcreate2(file, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    for (int d = 0; ds >= 0 && d < rank; d++)
        if (H5DSattach_scale(ds, scales[d], (unsigned)d) < 0) {
            H5Dclose(ds);
            ds = -1;
        }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return ds;
}

/* Write rows [first, first+count) of a 1-D or 2-D dataset. */
static int swf_write_rows(hid_t ds, hid_t mtype, int64_t first, int64_t count, hsize_t width, const void *buf)
{
    hsize_t st[2] = {(hsize_t)first, 0}, cnt[2] = {(hsize_t)count, width};
    int rank = width > 0 ? 2 : 1;
    hid_t fs = H5Dget_space(ds);
    hid_t ms = H5Screate_simple(rank, cnt, NULL);
    int rc = -1;
    if (fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL) >= 0 &&
        (H5Tget_class(mtype) == H5T_STRING ? h5util_write_str(ds, mtype, ms, fs, buf)
                                           : H5Dwrite(ds, mtype, ms, fs, H5P_DEFAULT, buf)) >= 0)
        rc = 0;
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    return rc;
}

/* A string variable along `run`: variable-length UTF-8, no filter (netCDF-C
 * refuses filters on strings, and libnetcdf 4.9.0 corrupts memory on
 * fixed-length string arrays), every entry written so no reader meets an
 * unwritten string: "" or, with levels, the level of parameter j of each
 * run's design point. */
static hid_t swf_string_var(hid_t file, const char *name, int64_t n, hid_t run_scale, char *const *levels,
                            const sweep_design *d, int j)
{
    hid_t type = h5util_vlen_str();
    hsize_t dim = (hsize_t)n, ch = (hsize_t)(n < 4096 ? (n > 0 ? n : 1) : 4096);
    hid_t ds = type >= 0 ? swf_dataset(file, name, type, 1, &dim, &ch, NULL, &run_scale) : -1;
    const char **ptr = ds >= 0 ? malloc(sizeof *ptr * SWF_BLOCK) : NULL;
    int ok = ptr != NULL;
    for (int64_t b = 0; ok && b < n; b += SWF_BLOCK) {
        int64_t cnt = n - b < SWF_BLOCK ? n - b : SWF_BLOCK;
        for (int64_t i = 0; i < cnt; i++)
            ptr[i] = levels ? levels[(int)d->point[(b + i) / d->replicates * d->nparams + j]] : "";
        ok = swf_write_rows(ds, type, b, cnt, 0, ptr) == 0;
    }
    free(ptr);
    if (!ok && ds >= 0) {
        H5Dclose(ds);
        ds = -1;
    }
    if (type >= 0)
        H5Tclose(type);
    return ds;
}

/* A categorical value as a label: the libconfig text, a string without its
 * quotes ("additive", not "\"additive\""). */
static char *swf_level_label(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    int simple = n >= 2 && text[0] == '"' && text[n - 1] == '"';
    size_t k = 0;
    for (size_t i = simple ? 1 : 0; i < (simple ? n - 1 : n); i++) {
        if (simple && text[i] == '"') {
            simple = 0; /* several strings: keep the text as it is */
            break;
        }
        if (simple && text[i] == '\\' && i + 1 < n - 1)
            i++;
        out[k++] = text[i];
    }
    if (!simple) {
        memcpy(out, text, n);
        k = n;
    }
    out[k] = '\0';
    return out;
}

static int swf_manifest(sweep_h5 *h, const sweep_design *d, hid_t run_scale, hid_t par_scale, errbuf *e)
{
    hid_t f = h->file;
    int P = d->nparams;
    hsize_t dims2[2] = {(hsize_t)d->nruns, (hsize_t)P}, dims1 = (hsize_t)d->nruns;
    hsize_t ch1 = (hsize_t)(d->nruns < 4096 ? (d->nruns > 0 ? d->nruns : 1) : 4096);
    hsize_t ch2[2] = {ch1, (hsize_t)(P > 0 ? P : 1)};
    hid_t s2[2] = {run_scale, par_scale};
    hid_t rp = swf_dataset(f, "run_param", H5T_IEEE_F64LE, 2, dims2, ch2, NULL, s2);
    hid_t pt = swf_dataset(f, "run_point", H5T_STD_I64LE, 1, &dims1, &ch1, NULL, &run_scale);
    hid_t rr = swf_dataset(f, "run_replicate", H5T_STD_I64LE, 1, &dims1, &ch1, NULL, &run_scale);
    hid_t sd = swf_dataset(f, "run_seed", H5T_STD_U64LE, 1, &dims1, &ch1, NULL, &run_scale);
    int rc = SANC_OK;
    if (rp < 0 || pt < 0 || rr < 0 || sd < 0) {
        rc = swf_fail(e, h->path, "cannot create the manifest");
        goto out;
    }
    if (swf_describe(rp, "1", "parameter value of the run",
                     "the value of each swept setting in the run (a categorical parameter j: the index of "
                     "its level; the value itself is the string variable run_param_<j>)",
                     "run parameter") < 0 ||
        swf_describe(pt, "1", "design point", "index of the run's design point (run = point * replicates + "
                     "replicate)", "run") < 0 ||
        swf_describe(rr, "1", "replicate", "replicate index of the run within its design point", "run") < 0 ||
        swf_describe(sd, "1", "run seed", "the seed the run used (scenario.seed of the run)", "run") < 0) {
        rc = swf_fail(e, h->path, "manifest attributes");
        goto out;
    }
    /* categorical parameters: the value of each run as its own string
     * variable run_param_<j> (run_param holds the level index) */
    for (int j = 0; j < P; j++)
        if (d->param[j].categorical) {
            const sweep_param *q = &d->param[j];
            char **lev = calloc((size_t)q->nlevels, sizeof *lev), name[32], ln[300];
            int bad = lev == NULL;
            for (int i = 0; !bad && i < q->nlevels; i++)
                bad = (lev[i] = swf_level_label(q->label[i])) == NULL;
            snprintf(name, sizeof name, "run_param_%d", j);
            snprintf(ln, sizeof ln, "value of %s", q->path);
            hid_t sv = bad ? -1 : swf_string_var(f, name, d->nruns, run_scale, lev, d, j);
            if (lev != NULL)
                for (int i = 0; i < q->nlevels; i++)
                    free(lev[i]);
            free(lev);
            long long jj = j;
            bad = sv < 0 ||
                  swf_describe(sv, "", ln,
                               "the value of a categorical swept setting in each run (libconfig text; strings "
                               "without their quotes); run_param holds the index of the level",
                               "run") < 0 ||
                  h5util_attr_str(sv, "parameter", q->path) < 0 ||
                  h5util_attr_num(sv, "parameter_index", H5T_STD_I64LE, H5T_NATIVE_LLONG, &jj) < 0;
            if (sv >= 0)
                H5Dclose(sv);
            if (bad) {
                rc = swf_fail(e, h->path, name);
                goto out;
            }
        }
    double *vp = malloc(sizeof *vp * SWF_BLOCK * (size_t)(P > 0 ? P : 1));
    long long *vpt = malloc(sizeof *vpt * SWF_BLOCK), *vrr = malloc(sizeof *vrr * SWF_BLOCK);
    unsigned long long *vsd = malloc(sizeof *vsd * SWF_BLOCK);
    if (!vp || !vpt || !vrr || !vsd)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    for (int64_t b = 0; rc == SANC_OK && b < d->nruns; b += SWF_BLOCK) {
        int64_t cnt = d->nruns - b < SWF_BLOCK ? d->nruns - b : SWF_BLOCK;
        for (int64_t i = 0; i < cnt; i++) {
            int64_t r = b + i, p = r / d->replicates;
            memcpy(vp + i * P, d->point + p * P, sizeof *vp * (size_t)P);
            vpt[i] = p;
            vrr[i] = r % d->replicates;
            vsd[i] = sweep_run_seed(d, r);
        }
        if (swf_write_rows(rp, H5T_NATIVE_DOUBLE, b, cnt, (hsize_t)P, vp) < 0 ||
            swf_write_rows(pt, H5T_NATIVE_LLONG, b, cnt, 0, vpt) < 0 ||
            swf_write_rows(rr, H5T_NATIVE_LLONG, b, cnt, 0, vrr) < 0 ||
            swf_write_rows(sd, H5T_NATIVE_ULLONG, b, cnt, 0, vsd) < 0)
            rc = swf_fail(e, h->path, "cannot write the manifest");
    }
    free(vp);
    free(vpt);
    free(vrr);
    free(vsd);
out:
    if (rp >= 0)
        H5Dclose(rp);
    if (pt >= 0)
        H5Dclose(pt);
    if (rr >= 0)
        H5Dclose(rr);
    if (sd >= 0)
        H5Dclose(sd);
    return rc;
}

int sweep_h5_create(sweep_h5 **out, const char *path, const sweep_layout *L, const sweep_design *d, errbuf *e)
{
    *out = NULL;
    H5dont_atexit();
    h5util_quiet();
    sweep_h5 *h = calloc(1, sizeof *h);
    if (h == NULL || (h->path = malloc(strlen(path) + 1)) == NULL) {
        free(h);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    strcpy(h->path, path);
    h->file = h->status = h->error = -1;
    for (int i = 0; i < SCHEMA_MAX_VARS; i++)
        h->var[i] = -1;
    h->nvars = L->nvars;
    h->L = *L;
    h->nruns = d->nruns;
    h->npoints = d->npoints;
    h->replicates = d->replicates;

    hid_t scale[DIM_COUNT], run_scale = -1, par_scale = -1;
    for (int k = 0; k < DIM_COUNT; k++)
        scale[k] = -1;
    int rc = SANC_OK;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
        (h->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        rc = swf_fail(e, path, "cannot create");
        goto out;
    }
    if ((scale[DIM_TIME] = swf_time_scale(h->file, L)) < 0) {
        rc = swf_fail(e, path, "time axis");
        goto out;
    }
    int used[DIM_COUNT] = {0};
    for (int i = 0; i < L->nvars; i++)
        for (int k = 0; k < L->var[i].ndims; k++)
            used[L->var[i].dims[k]] = 1;
    for (int k = 1; k < DIM_COUNT; k++)
        if (used[k] && (scale[k] = swf_label_scale(h->file, schema_dim_names[k], schema_dim_long_names[k],
                                                   L->dim_n[k], L->dim_labels[k])) < 0) {
            rc = swf_fail(e, path, schema_dim_names[k]);
            goto out;
        }
    char **plab = malloc(sizeof *plab * (size_t)(d->nparams > 0 ? d->nparams : 1));
    if (plab == NULL) {
        rc = err_set(e, SANC_ENOMEM, "out of memory");
        goto out;
    }
    for (int j = 0; j < d->nparams; j++)
        plab[j] = d->param[j].path;
    run_scale = swf_index_scale(h->file, "run", "sweep run", d->nruns);
    par_scale = swf_label_scale(h->file, "parameter", "swept setting (--set path)", d->nparams, plab);
    if (run_scale >= 0 && par_scale >= 0) {
        /* the same settings by name path (list elements by name): the labels
         * of plots and exported columns */
        for (int j = 0; j < d->nparams; j++)
            plab[j] = d->param[j].name != NULL ? d->param[j].name : d->param[j].path;
        if (swf_named_params(h->file, par_scale, d->nparams, plab) < 0) {
            free(plab);
            rc = swf_fail(e, path, "parameter_name");
            goto out;
        }
    }
    free(plab);
    if (run_scale < 0 || par_scale < 0) {
        rc = swf_fail(e, path, "run and parameter axes");
        goto out;
    }
    /* the categorical parameters' string variables as auxiliary coordinates
     * (CF): xarray attaches them, so to_dataframe() carries their values */
    char coords[64 * 16] = "";
    for (int j = 0, cl = 0; j < d->nparams && cl < (int)sizeof coords - 16; j++)
        if (d->param[j].categorical)
            cl += snprintf(coords + cl, sizeof coords - (size_t)cl, "%srun_param_%d", cl ? " " : "", j);
    for (int i = 0; i < L->nvars; i++) {
        const sweep_var *v = &L->var[i];
        hsize_t dims[SWF_MAXRANK], chunk[SWF_MAXRANK];
        hid_t sc[SWF_MAXRANK];
        char dattr[160];
        size_t used_chars = (size_t)snprintf(dattr, sizeof dattr, "run time");
        int rank = v->ndims + 2;
        dims[0] = (hsize_t)d->nruns;
        dims[1] = (hsize_t)L->T;
        sc[0] = run_scale;
        sc[1] = scale[DIM_TIME];
        size_t rowb = (size_t)L->T * v->n * (v->is_int ? 4 : 8);
        for (int k = 0; k < v->ndims; k++) {
            dims[k + 2] = (hsize_t)L->dim_n[v->dims[k]];
            sc[k + 2] = scale[v->dims[k]];
            if (used_chars < sizeof dattr)
                used_chars += (size_t)snprintf(dattr + used_chars, sizeof dattr - used_chars, " %s",
                                               schema_dim_names[v->dims[k]]);
        }
        for (int k = 1; k < rank; k++)
            chunk[k] = dims[k] > 0 ? dims[k] : 1;
        size_t per = rowb > 0 ? SWF_CHUNK_BYTES / rowb : 1024;
        if (per < 1)
            per = 1;
        if (per > 1024)
            per = 1024;
        if ((hsize_t)per > dims[0] && dims[0] > 0)
            per = (size_t)dims[0];
        chunk[0] = (hsize_t)per;
        /* a pending or failed run reads as the fill value: NaN, or netCDF's
         * default int fill, announced as _FillValue so readers mask it */
        double nan = NAN;
        int ifill = SWF_INT_FILL;
        hid_t ft = v->is_int ? H5T_STD_I32LE : H5T_IEEE_F64LE, mt = v->is_int ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE;
        const void *fill = v->is_int ? (const void *)&ifill : (const void *)&nan;
        h->var[i] = swf_dataset(h->file, v->name, ft, rank, dims, chunk, fill, sc);
        const char *u = v->units ? v->units : "";
        if (strcmp(u, "$units") == 0)
            u = L->units ? L->units : "";
        if (h->var[i] < 0 || swf_fill_attr(h->var[i], ft, mt, fill) < 0 ||
            (coords[0] != '\0' && h5util_attr_str(h->var[i], "coordinates", coords) < 0) ||
            swf_describe(h->var[i], u, v->long_name ? v->long_name : v->name,
                         v->description ? v->description : "", dattr) < 0) {
            rc = swf_fail(e, path, v->name);
            goto out;
        }
    }
    hsize_t n1 = (hsize_t)d->nruns, ch = (hsize_t)(d->nruns < 4096 ? (d->nruns > 0 ? d->nruns : 1) : 4096);
    signed char zero = 0;
    h->status = swf_dataset(h->file, "run_status", H5T_STD_I8LE, 1, &n1, &ch, &zero, &run_scale);
    h->error = swf_string_var(h->file, "run_error", d->nruns, run_scale, NULL, NULL, 0);
    /* CF flags; no _FillValue: a pending run is the real value 0 */
    signed char flags[3] = {SWEEP_PENDING, SWEEP_DONE, SWEEP_FAILED};
    hsize_t nflags = 3;
    hid_t fspace = H5Screate_simple(1, &nflags, NULL);
    hid_t fattr = h->status >= 0 && fspace >= 0
                      ? H5Acreate2(h->status, "flag_values", H5T_STD_I8LE, fspace, H5P_DEFAULT, H5P_DEFAULT)
                      : -1;
    int flags_ok = fattr >= 0 && H5Awrite(fattr, H5T_NATIVE_SCHAR, flags) >= 0;
    if (fattr >= 0 && H5Aclose(fattr) < 0)
        flags_ok = 0;
    if (fspace >= 0)
        H5Sclose(fspace);
    if (h->status < 0 || h->error < 0 || !flags_ok ||
        h5util_attr_str(h->status, "flag_meanings", "pending done failed") < 0 ||
        swf_describe(h->status, "1", "run status", "0 pending, 1 done, 2 failed", "run") < 0 ||
        swf_describe(h->error, "", "run error", "the message of a failed run (empty otherwise)", "run") < 0) {
        rc = swf_fail(e, path, "run status");
        goto out;
    }
    if ((rc = swf_manifest(h, d, run_scale, par_scale, e)) != SANC_OK)
        goto out;
    char keep[2048];
    size_t kl = 0;
    keep[0] = '\0';
    for (int i = 0; i < L->nvars && kl < sizeof keep; i++)
        kl += (size_t)snprintf(keep + kl, sizeof keep - kl, "%s%s", i ? " " : "", L->var[i].name);
    if (h5util_attr_str(h->file, "Conventions", "CF-1.8") < 0 ||
        h5util_attr_str(h->file, "sweep_design", sweep_design_name(d)) < 0 ||
        swf_attr_i64(h->file, "sweep_runs", d->nruns) < 0 || swf_attr_i64(h->file, "sweep_points", d->npoints) < 0 ||
        swf_attr_i64(h->file, "sweep_replicates", d->replicates) < 0 ||
        swf_attr_i64(h->file, "common_seeds", d->common_seeds) < 0 ||
        swf_attr_i64(h->file, "summaries", d->summaries) < 0 || h5util_attr_str(h->file, "keep", keep) < 0) {
        rc = swf_fail(e, path, "attributes");
        goto out;
    }
out:
    for (int k = 0; k < DIM_COUNT; k++)
        if (scale[k] >= 0)
            H5Dclose(scale[k]);
    if (run_scale >= 0)
        H5Dclose(run_scale);
    if (par_scale >= 0)
        H5Dclose(par_scale);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != SANC_OK) {
        sweep_h5_abort(h);
        return rc;
    }
    *out = h;
    return SANC_OK;
}

/* ------------------------------------------------------------------ */
/* rows                                                                */

static int swf_write_var_row(hid_t ds, const sweep_var *v, int T, int64_t run, const void *data)
{
    hsize_t st[SWF_MAXRANK] = {0}, cnt[SWF_MAXRANK];
    hid_t fs = H5Dget_space(ds);
    if (fs < 0)
        return -1;
    int rank = H5Sget_simple_extent_dims(fs, cnt, NULL);
    st[0] = (hsize_t)run;
    cnt[0] = 1;
    hsize_t n = (hsize_t)T * v->n;
    int rc = 0;
    if (n > 0) {
        hid_t ms = H5Screate_simple(1, &n, NULL);
        rc = ms >= 0 && rank > 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL) >= 0 &&
                     H5Dwrite(ds, v->is_int ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, data) >= 0
                 ? 0
                 : -1;
        if (ms >= 0)
            H5Sclose(ms);
    }
    H5Sclose(fs);
    return rc;
}

static int swf_write_status(hid_t status, hid_t error, int64_t run, int st, const char *msg)
{
    signed char s = (signed char)st;
    /* run_error was created with "" everywhere: only a message is written
     * (a variable-length write costs a chunk rewrite and a heap object) */
    if (msg != NULL && msg[0] != '\0') {
        hid_t vt = h5util_vlen_str();
        /* a message may quote a path or a setting in foreign bytes */
        char *m = utf8_sanitize(msg);
        const char *mp = m;
        int rc = vt >= 0 && m != NULL && swf_write_rows(error, vt, run, 1, 0, &mp) == 0 ? 0 : -1;
        free(m);
        if (vt >= 0)
            H5Tclose(vt);
        if (rc < 0)
            return rc;
    }
    return swf_write_rows(status, H5T_NATIVE_SCHAR, run, 1, 0, &s);
}

int sweep_h5_write(sweep_h5 *h, int64_t run, int status, const char *msg, const void *row, errbuf *e)
{
    h5util_quiet();
    if (run < 0 || run >= h->nruns)
        return err_set(e, SANC_EINTERNAL, "%s: run %lld out of range", h->path, (long long)run);
    if (status == SWEEP_DONE)
        for (int i = 0; i < h->nvars; i++)
            if (swf_write_var_row(h->var[i], &h->L.var[i], h->L.T, run,
                                  (const unsigned char *)row + h->L.var[i].offset) < 0)
                return swf_fail(e, h->path, h->L.var[i].name);
    /* status last: a row whose status says done has its data */
    if (swf_write_status(h->status, h->error, run, status, status == SWEEP_FAILED ? msg : "") < 0)
        return swf_fail(e, h->path, "run_status");
    return SANC_OK;
}

void sweep_h5_flush(sweep_h5 *h)
{
    if (h && h->file >= 0)
        H5Fflush(h->file, H5F_SCOPE_GLOBAL);
}

/* ------------------------------------------------------------------ */
/* summaries                                                           */

/* Per point, across the replicates that finished: mean and the 5/50/95
 * percentiles of every float variable, as <var>_mean etc. (point, time, ...).
 * Phases: the point axis, the points' parameter values (point_param), then
 * each kept float variable (swf_summary_var: its axes, its four outputs,
 * then point by point the replicates read, summarised and written). */

/* point_param: run_param of each point's first run (every replicate of a
 * point has the same values), for plotting against them. */
static int swf_point_params(hid_t file, const char *path, hid_t pscale, int64_t P, int64_t R, errbuf *e)
{
    int rc = SANC_OK;
    hid_t rp = H5Dopen2(file, "run_param", H5P_DEFAULT), par = H5Dopen2(file, "parameter", H5P_DEFAULT);
    hid_t rps = rp >= 0 ? H5Dget_space(rp) : -1;
    hsize_t rpd[2] = {0, 0};
    if (rps < 0 || par < 0 || H5Sget_simple_extent_dims(rps, rpd, NULL) != 2) {
        rc = swf_fail(e, path, "run_param");
    } else {
        hsize_t pd[2] = {(hsize_t)P, rpd[1]}, pch[2] = {(hsize_t)(P < 4096 ? P : 4096), rpd[1] ? rpd[1] : 1};
        hid_t s2[2] = {pscale, par};
        hid_t pp = swf_dataset(file, "point_param", H5T_IEEE_F64LE, 2, pd, pch, NULL, s2);
        double *row = malloc(sizeof *row * (rpd[1] ? rpd[1] : 1));
        if (pp < 0 || row == NULL ||
            swf_describe(pp, "1", "parameter value of the point", "run_param of the point's runs",
                         "point parameter") < 0)
            rc = swf_fail(e, path, "point_param");
        for (int64_t p = 0; rc == SANC_OK && p < P && rpd[1] > 0; p++) {
            hsize_t st[2] = {(hsize_t)(p * R), 0}, cnt[2] = {1, rpd[1]};
            hid_t ms = H5Screate_simple(2, cnt, NULL);
            if (H5Sselect_hyperslab(rps, H5S_SELECT_SET, st, NULL, cnt, NULL) < 0 ||
                H5Dread(rp, H5T_NATIVE_DOUBLE, ms, rps, H5P_DEFAULT, row) < 0 ||
                swf_write_rows(pp, H5T_NATIVE_DOUBLE, p, 1, rpd[1], row) < 0)
                rc = swf_fail(e, path, "point_param");
            H5Sclose(ms);
        }
        free(row);
        if (pp >= 0)
            H5Dclose(pp);
    }
    if (rps >= 0)
        H5Sclose(rps);
    if (rp >= 0)
        H5Dclose(rp);
    if (par >= 0)
        H5Dclose(par);
    return rc;
}

/* One kept variable being summarised: its dataset and shape, the scales
 * of its summaries' axes (point, then its own), its four outputs and the
 * work buffers (R replicates x n cells, a column, 4 x n results). */
typedef struct swf_sum {
    hid_t file, ds, fs, stat_ds;
    const char *path, *name;
    int rank;
    hsize_t dims[SWF_MAXRANK];
    size_t n;
    int64_t P, R;
    hid_t scales[SWF_MAXRANK], out[4];
    char dattr[200];
    double *buf, *col, *res;
    signed char *status;
} swf_sum;

/* The summaries' axes: point, then each axis of the variable by its name
 * in the variable's dims attribute. */
static void swf_sum_axes(swf_sum *S, hid_t pscale)
{
    S->scales[0] = pscale;
    snprintf(S->dattr, sizeof S->dattr, "point");
    for (int k = 1; k < S->rank; k++)
        S->scales[k] = -1;
    char vd[200];
    swf_read_str(S->ds, "dims", vd, sizeof vd);
    int k = 0;
    for (char *save = NULL, *a = strtok_r(vd, " ", &save); a; a = strtok_r(NULL, " ", &save), k++) {
        if (k == 0)
            continue;
        if (k < S->rank)
            S->scales[k] = H5Dopen2(S->file, a, H5P_DEFAULT);
        strncat(S->dattr, " ", sizeof S->dattr - strlen(S->dattr) - 1);
        strncat(S->dattr, a, sizeof S->dattr - strlen(S->dattr) - 1);
    }
}

/* <var>_mean, _p05, _p50, _p95: (point, ...), NaN-filled, described. */
static int swf_sum_create(swf_sum *S, errbuf *e)
{
    hsize_t odims[SWF_MAXRANK], och[SWF_MAXRANK];
    odims[0] = (hsize_t)S->P;
    och[0] = 1;
    for (int a = 1; a < S->rank; a++) {
        odims[a] = S->dims[a];
        och[a] = S->dims[a] ? S->dims[a] : 1;
    }
    for (int s = 0; s < 4; s++) {
        char nm[256], ln[256];
        snprintf(nm, sizeof nm, "%s_%s", S->name, swf_stat_names[s]);
        snprintf(ln, sizeof ln, "%s of %s across replicates", s == 0 ? "mean" : swf_stat_names[s], S->name);
        char units[128], desc[512];
        swf_read_str(S->ds, "units", units, sizeof units);
        snprintf(desc, sizeof desc, "%s over the replicates of each design point that finished (NaN when "
                 "none did)", s == 0 ? "mean" : s == 1 ? "5th percentile" : s == 2 ? "median" : "95th percentile");
        double nan = NAN;
        S->out[s] = swf_dataset(S->file, nm, H5T_IEEE_F64LE, S->rank, odims, och, &nan, S->scales);
        if (S->out[s] < 0 || swf_fill_attr(S->out[s], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan) < 0 ||
            swf_describe(S->out[s], units, ln, desc, S->dattr) < 0)
            return swf_fail(e, S->path, nm);
    }
    return SANC_OK;
}

/* Point p's replicates and their statuses into S->buf and S->status. */
static int swf_sum_read(swf_sum *S, int64_t p)
{
    hsize_t st[SWF_MAXRANK] = {0}, cnt[SWF_MAXRANK];
    st[0] = (hsize_t)(p * S->R);
    cnt[0] = (hsize_t)S->R;
    for (int a = 1; a < S->rank; a++)
        cnt[a] = S->dims[a];
    hsize_t mn = (hsize_t)S->R * S->n, s1 = (hsize_t)(p * S->R), c1 = (hsize_t)S->R;
    hid_t ms = H5Screate_simple(1, &mn, NULL), ss = H5Dget_space(S->stat_ds), ms1 = H5Screate_simple(1, &c1, NULL);
    int bad = H5Sselect_hyperslab(S->fs, H5S_SELECT_SET, st, NULL, cnt, NULL) < 0 ||
              H5Dread(S->ds, H5T_NATIVE_DOUBLE, ms, S->fs, H5P_DEFAULT, S->buf) < 0 ||
              H5Sselect_hyperslab(ss, H5S_SELECT_SET, &s1, NULL, &c1, NULL) < 0 ||
              H5Dread(S->stat_ds, H5T_NATIVE_SCHAR, ms1, ss, H5P_DEFAULT, S->status) < 0;
    H5Sclose(ms);
    H5Sclose(ss);
    H5Sclose(ms1);
    return bad ? -1 : 0;
}

/* Each cell's mean and percentiles over the finished, non-NaN replicates
 * (NaN when there are none) into S->res (statistic-major). */
static void swf_sum_stats(swf_sum *S)
{
    size_t n = S->n;
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        for (int64_t r = 0; r < S->R; r++)
            if (S->status[r] == SWEEP_DONE && !isnan(S->buf[(size_t)r * n + i]))
                S->col[m++] = S->buf[(size_t)r * n + i];
        if (m == 0) {
            for (int s = 0; s < 4; s++)
                S->res[s * n + i] = NAN;
            continue;
        }
        gsl_sort(S->col, 1, m);
        S->res[i] = gsl_stats_mean(S->col, 1, m);
        S->res[n + i] = gsl_stats_quantile_from_sorted_data(S->col, 1, m, 0.05);
        S->res[2 * n + i] = gsl_stats_quantile_from_sorted_data(S->col, 1, m, 0.50);
        S->res[3 * n + i] = gsl_stats_quantile_from_sorted_data(S->col, 1, m, 0.95);
    }
}

/* Point p's row of each of the four outputs. */
static int swf_sum_write(swf_sum *S, int64_t p)
{
    int bad = 0;
    for (int s = 0; !bad && s < 4; s++) {
        hsize_t os[SWF_MAXRANK] = {0}, oc[SWF_MAXRANK];
        os[0] = (hsize_t)p;
        oc[0] = 1;
        for (int a = 1; a < S->rank; a++)
            oc[a] = S->dims[a];
        hsize_t nn = S->n;
        hid_t ofs = H5Dget_space(S->out[s]), oms = H5Screate_simple(1, &nn, NULL);
        bad = H5Sselect_hyperslab(ofs, H5S_SELECT_SET, os, NULL, oc, NULL) < 0 ||
              H5Dwrite(S->out[s], H5T_NATIVE_DOUBLE, oms, ofs, H5P_DEFAULT, S->res + s * S->n) < 0;
        H5Sclose(ofs);
        H5Sclose(oms);
    }
    return bad ? -1 : 0;
}

/* The summaries of kept variable `name` (nothing for an integer or empty
 * one). */
static int swf_summary_var(hid_t file, const char *path, hid_t pscale, hid_t stat_ds, signed char *status,
                           int64_t P, int64_t R, const char *name, errbuf *e)
{
    swf_sum S;
    memset(&S, 0, sizeof S);
    S.file = file;
    S.path = path;
    S.name = name;
    S.stat_ds = stat_ds;
    S.status = status;
    S.P = P;
    S.R = R;
    for (int s = 0; s < 4; s++)
        S.out[s] = -1;
    if ((S.ds = H5Dopen2(file, name, H5P_DEFAULT)) < 0)
        return swf_fail(e, path, name);
    hid_t ft = H5Dget_type(S.ds);
    S.fs = H5Dget_space(S.ds);
    int is_float = H5Tget_class(ft) == H5T_FLOAT;
    S.rank = H5Sget_simple_extent_dims(S.fs, S.dims, NULL);
    S.n = 1;
    for (int k = 1; k < S.rank; k++)
        S.n *= (size_t)S.dims[k];
    int rc = SANC_OK;
    if (!is_float || S.n == 0)
        goto out;
    swf_sum_axes(&S, pscale);
    S.buf = malloc(sizeof *S.buf * S.n * (size_t)R);
    S.col = malloc(sizeof *S.col * (size_t)R);
    S.res = malloc(sizeof *S.res * S.n * 4);
    if (S.buf == NULL || S.col == NULL || S.res == NULL)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    if (rc == SANC_OK)
        rc = swf_sum_create(&S, e);
    for (int64_t p = 0; rc == SANC_OK && p < P; p++) {
        if (swf_sum_read(&S, p) < 0) {
            rc = swf_fail(e, path, name);
            break;
        }
        swf_sum_stats(&S);
        if (swf_sum_write(&S, p) < 0)
            rc = swf_fail(e, path, name);
    }
    free(S.buf);
    free(S.col);
    free(S.res);
    for (int s = 0; s < 4; s++)
        if (S.out[s] >= 0)
            H5Dclose(S.out[s]);
    for (int a = 1; a < S.rank; a++)
        if (S.scales[a] >= 0)
            H5Dclose(S.scales[a]);
out:
    H5Tclose(ft);
    H5Sclose(S.fs);
    H5Dclose(S.ds);
    return rc;
}

static int swf_summaries(hid_t file, const char *path, errbuf *e)
{
    int64_t P = swf_read_i64(file, "sweep_points"), R = swf_read_i64(file, "sweep_replicates");
    char keep[2048];
    swf_read_str(file, "keep", keep, sizeof keep);
    if (P < 1 || R < 1)
        return err_set(e, SANC_EIO, "%s: not a sweep file", path);
    if (H5Lexists(file, "point", H5P_DEFAULT) > 0)
        return SANC_OK; /* already there (a merge of a merged file) */
    hid_t pscale = swf_index_scale(file, "point", "design point", P);
    if (pscale < 0)
        return swf_fail(e, path, "point axis");
    int rc = swf_point_params(file, path, pscale, P, R, e);
    hid_t stat_ds = H5Dopen2(file, "run_status", H5P_DEFAULT);
    signed char *status = malloc((size_t)R);
    if (rc == SANC_OK && (stat_ds < 0 || status == NULL))
        rc = swf_fail(e, path, "run_status");
    for (char *tok = strtok(keep, " "); rc == SANC_OK && tok; tok = strtok(NULL, " "))
        rc = swf_summary_var(file, path, pscale, stat_ds, status, P, R, tok, e);
    free(status);
    if (stat_ds >= 0)
        H5Dclose(stat_ds);
    H5Dclose(pscale);
    return rc;
}

/* ------------------------------------------------------------------ */
/* per-dataset checksums of part files                                 */

/* The SHA-256 of every root dataset's data, as stored (the file's own
 * types, so the sum does not depend on the reader's machine): the
 * attribute `sha256` on each dataset of a part file, written when the part
 * is finished and verified by merge before anything is copied.  A plain
 * attribute rather than an HDF5 filter: string datasets take no fletcher32
 * and netCDF readers ignore the attribute. */
#define SWF_SUM_BLOCK ((size_t)8 << 20)

typedef struct swf_names {
    char **v;
    int n, cap;
} swf_names;

static herr_t swf_collect(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
    swf_names *L = op;
    H5O_info_t oi;
    (void)info;
    if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET)
        return 0;
    if (L->n == L->cap) {
        int nc = L->cap ? 2 * L->cap : 32;
        char **nv = realloc(L->v, sizeof *nv * (size_t)nc);
        if (nv == NULL)
            return -1;
        L->v = nv;
        L->cap = nc;
    }
    if ((L->v[L->n] = strdup(name)) == NULL)
        return -1;
    L->n++;
    return 0;
}

static void swf_names_free(swf_names *L)
{
    for (int i = 0; i < L->n; i++)
        free(L->v[i]);
    free(L->v);
}

/* SHA-256 of one dataset's data into hex; 0 or -1. */
static int swf_dataset_sum(hid_t ds, char hex[65])
{
    hid_t ft = H5Dget_type(ds), fs = H5Dget_space(ds), mt = -1, ms = -1;
    int rc = -1, vlen = 0;
    void *buf = NULL;
    hash_sha256 c;
    hash_sha256_init(&c);
    if (ft < 0 || fs < 0)
        goto out;
    vlen = H5Tis_variable_str(ft) > 0;
    mt = vlen ? h5util_vlen_str() : H5Tcopy(ft);
    size_t esz = vlen ? sizeof(char *) : H5Tget_size(ft);
    int rank = H5Sget_simple_extent_ndims(fs);
    hsize_t dims[SWF_MAXRANK + 2];
    if (mt < 0 || esz == 0 || rank < 0 || rank > SWF_MAXRANK + 2 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0)
        goto out;
    hsize_t rowelems = 1, rows = rank > 0 ? dims[0] : 1;
    for (int k = 1; k < rank; k++)
        rowelems *= dims[k];
    size_t rowbytes = (size_t)rowelems * esz;
    hsize_t per = rowbytes > 0 && rowbytes < SWF_SUM_BLOCK ? SWF_SUM_BLOCK / rowbytes : 1;
    if (per > rows)
        per = rows > 0 ? rows : 1;
    if (rowbytes == 0 || rows == 0) {
        rc = 0; /* nothing to read: the sum of no bytes */
        goto out;
    }
    if ((buf = malloc((size_t)per * rowbytes)) == NULL)
        goto out;
    for (hsize_t r = 0; r < rows; r += per) {
        hsize_t cnt[SWF_MAXRANK + 2], st[SWF_MAXRANK + 2] = {0};
        hsize_t n = rows - r < per ? rows - r : per;
        for (int k = 0; k < rank; k++)
            cnt[k] = dims[k];
        if (rank > 0) {
            cnt[0] = n;
            st[0] = r;
        }
        hsize_t nel = n * rowelems;
        if (ms >= 0)
            H5Sclose(ms);
        ms = H5Screate_simple(1, &nel, NULL);
        if (ms < 0 || (rank > 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL) < 0) ||
            H5Dread(ds, mt, rank > 0 ? ms : H5S_ALL, rank > 0 ? fs : H5S_ALL, H5P_DEFAULT, buf) < 0)
            goto out;
        if (vlen) {
            char **sv = buf;
            for (hsize_t k = 0; k < nel; k++)
                hash_sha256_update(&c, sv[k] ? sv[k] : "", sv[k] ? strlen(sv[k]) + 1 : 1);
            H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, buf);
        } else {
            hash_sha256_update(&c, buf, (size_t)nel * esz);
        }
    }
    rc = 0;
out:
    if (rc == 0)
        hash_sha256_final_hex(&c, hex);
    free(buf);
    if (ms >= 0)
        H5Sclose(ms);
    if (mt >= 0)
        H5Tclose(mt);
    if (fs >= 0)
        H5Sclose(fs);
    if (ft >= 0)
        H5Tclose(ft);
    return rc;
}

enum { SWF_SUM_WRITE, SWF_SUM_VERIFY, SWF_SUM_REMOVE };

/* Write, verify or remove the `sha256` attribute of every root dataset. */
static int swf_checksums(hid_t file, int mode, const char *path, errbuf *e)
{
    swf_names L = {0};
    hsize_t idx = 0;
    if (H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, swf_collect, &L) < 0) {
        swf_names_free(&L);
        return swf_fail(e, path, "the list of datasets");
    }
    int rc = SANC_OK, checked = 0;
    for (int i = 0; i < L.n && rc == SANC_OK; i++) {
        hid_t ds = H5Dopen2(file, L.v[i], H5P_DEFAULT);
        if (ds < 0) {
            rc = swf_fail(e, path, L.v[i]);
            break;
        }
        char hex[65], stored[80];
        if (mode == SWF_SUM_REMOVE) {
            if (H5Aexists(ds, "sha256") > 0 && H5Adelete(ds, "sha256") < 0)
                rc = swf_fail(e, path, L.v[i]);
        } else if (swf_dataset_sum(ds, hex) < 0) {
            rc = mode == SWF_SUM_VERIFY
                     ? err_set(e, SANC_EDATA, "%s: dataset %s cannot be read (the part is damaged): run its shard "
                               "again", path, L.v[i])
                     : swf_fail(e, path, L.v[i]);
        } else if (mode == SWF_SUM_WRITE) {
            if (h5util_attr_str(ds, "sha256", hex) < 0)
                rc = swf_fail(e, path, L.v[i]);
        } else {
            swf_read_str(ds, "sha256", stored, sizeof stored);
            if (stored[0] != '\0') {
                checked++;
                if (strcmp(stored, hex) != 0)
                    rc = err_set(e, SANC_EDATA, "%s: dataset %s does not match its checksum (the part is damaged): "
                                 "run its shard again", path, L.v[i]);
            } else if (strcmp(L.v[i], "run_status") == 0) {
                rc = err_set(e, SANC_EDATA, "%s: carries no data checksums (written by an older sancsim, or not a "
                             "part file): run its shard again", path);
            }
        }
        H5Dclose(ds);
    }
    swf_names_free(&L);
    if (rc == SANC_OK && mode == SWF_SUM_VERIFY && checked == 0)
        rc = err_set(e, SANC_EDATA, "%s: carries no data checksums (written by an older sancsim, or not a part "
                     "file): run its shard again", path);
    return rc;
}

/* ------------------------------------------------------------------ */
/* finish                                                              */

static int swf_provenance(hid_t file, const sweep_h5_prov *p, int complete, int summaries, const char *path,
                          errbuf *e)
{
    if (summaries && complete) {
        int rc = swf_summaries(file, path, e);
        if (rc != SANC_OK)
            return rc;
    }
    if (p->config_text != NULL && H5Lexists(file, "provenance", H5P_DEFAULT) <= 0 &&
        h5util_config_dataset(file, p->config_text, "resolved scenario configuration (base of the sweep)") < 0)
        return swf_fail(e, path, "/provenance/config");
    if (p->data_sha256 != NULL && H5Lexists(file, "provenance/data_sha256", H5P_DEFAULT) <= 0 &&
        h5util_provenance_text(file, "data_sha256", p->data_sha256,
                               "SHA-256 of every data file read (sha256sum format)") < 0)
        return swf_fail(e, path, "/provenance/data_sha256");
    /* a part (shard or MPI rank) carries its data's checksums for merge */
    if ((p->shard_n > 0 || p->part) && complete) {
        int rc = swf_checksums(file, SWF_SUM_WRITE, path, e);
        if (rc != SANC_OK)
            return rc;
    }
    char shard[64];
    snprintf(shard, sizeof shard, "%d/%d", p->shard_k, p->shard_n);
    unsigned long long seed = p->seed;
    if (h5util_software_attrs(file) < 0 ||
        (p->config_text != NULL && h5util_attr_num(file, "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &seed) < 0) ||
        h5util_attr_str(file, "command_line", p->command_line) < 0 || h5util_history(file, p->command_line) < 0 ||
        (p->config_sha256 && h5util_attr_str(file, "config_sha256", p->config_sha256) < 0) ||
        (p->scenario_name && h5util_attr_str(file, "scenario", p->scenario_name) < 0) ||
        (p->manifest_sha256 && h5util_attr_str(file, "manifest_sha256", p->manifest_sha256) < 0) ||
        (p->shard_n > 0 ? h5util_attr_str(file, "shard", shard) < 0
                        : (H5Aexists(file, "shard") > 0 && H5Adelete(file, "shard") < 0)))
        return swf_fail(e, path, "provenance attributes");
    if (complete) {
        int one = 1;
        if (h5util_attr_num(file, "complete", H5T_STD_I32LE, H5T_NATIVE_INT, &one) < 0)
            return swf_fail(e, path, "complete");
    }
    return SANC_OK;
}

int sweep_h5_finish(sweep_h5 *h, const sweep_h5_prov *p, int complete, int summaries, errbuf *e)
{
    h5util_quiet();
    for (int i = 0; i < SCHEMA_MAX_VARS; i++)
        if (h->var[i] >= 0) {
            H5Dclose(h->var[i]);
            h->var[i] = -1;
        }
    H5Dclose(h->status);
    H5Dclose(h->error);
    h->status = h->error = -1;
    int rc = swf_provenance(h->file, p, complete, summaries, h->path, e);
    herr_t st = H5Fclose(h->file);
    h->file = -1;
    if (rc == SANC_OK && st < 0)
        rc = swf_fail(e, h->path, "close");
    sweep_h5_abort(h);
    return rc;
}

void sweep_h5_abort(sweep_h5 *h)
{
    if (h == NULL)
        return;
    h5util_quiet();
    for (int i = 0; i < SCHEMA_MAX_VARS; i++)
        if (h->var[i] >= 0)
            H5Dclose(h->var[i]);
    if (h->status >= 0)
        H5Dclose(h->status);
    if (h->error >= 0)
        H5Dclose(h->error);
    if (h->file >= 0)
        H5Fclose(h->file);
    free(h->path);
    free(h);
}

/* ------------------------------------------------------------------ */
/* merge                                                               */

/* Copy a part into the (new, empty, ours) temporary file.  The first 8
 * bytes, HDF5's signature, are written last: until the whole copy is in
 * place the temporary file is not an HDF5 file at all, so a kill during
 * the copy never leaves a readable file that says complete = 1. */
static int swf_copy_file(const char *from, const char *to, errbuf *e)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return err_set(e, SANC_EIO, "%s: cannot read: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (out < 0) {
        int err = errno;
        close(in);
        return err_set(e, SANC_EIO, "%s: cannot write: %s", to, strerror(err));
    }
    char buf[1 << 16], head[8];
    ssize_t n;
    size_t total = 0, nhead = 0;
    int rc = SANC_OK;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        size_t skip = 0;
        if (nhead < sizeof head) {
            skip = sizeof head - nhead < (size_t)n ? sizeof head - nhead : (size_t)n;
            memcpy(head + nhead, buf, skip);
            nhead += skip;
        }
        if (pwrite(out, buf + skip, (size_t)n - skip, (off_t)(total + skip)) != (ssize_t)((size_t)n - skip)) {
            rc = err_set(e, SANC_EIO, "%s: cannot write: %s", to, strerror(errno));
            break;
        }
        total += (size_t)n;
    }
    if (n < 0)
        rc = err_set(e, SANC_EIO, "%s: cannot read: %s", from, strerror(errno));
    if (rc == SANC_OK && fsync(out) < 0)
        rc = err_set(e, SANC_EIO, "%s: cannot write: fsync: %s", to, strerror(errno));
    if (rc == SANC_OK && nhead > 0 && pwrite(out, head, nhead, 0) != (ssize_t)nhead)
        rc = err_set(e, SANC_EIO, "%s: cannot write: %s", to, strerror(errno));
    if (rc == SANC_OK && fsync(out) < 0)
        rc = err_set(e, SANC_EIO, "%s: cannot write: fsync: %s", to, strerror(errno));
    close(in);
    if (close(out) < 0 && rc == SANC_OK)
        rc = err_set(e, SANC_EIO, "%s: cannot write: %s", to, strerror(errno));
    return rc;
}

typedef struct swf_part {
    hid_t file;
    char manifest[80];
    int64_t nruns;
    char *data; /* /provenance/data_sha256 (NULL: absent) */
} swf_part;

static int swf_open_part(const char *path, swf_part *p, errbuf *e)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, SANC_EUSAGE, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return err_set(e, SANC_EUSAGE, "%s: not a regular file (a sweep part is an HDF5 file)", path);
    p->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (p->file < 0)
        return err_set(e, SANC_EUSAGE, "%s: cannot open as HDF5 (not a sweep part?)", path);
    swf_read_str(p->file, "manifest_sha256", p->manifest, sizeof p->manifest);
    p->nruns = swf_read_i64(p->file, "sweep_runs");
    if (p->manifest[0] == '\0' || p->nruns < 0) {
        H5Fclose(p->file);
        p->file = -1;
        return err_set(e, SANC_EUSAGE, "%s: not a sancsim sweep file", path);
    }
    if (swf_read_i64(p->file, "complete") != 1) {
        H5Fclose(p->file);
        p->file = -1;
        return err_set(e, SANC_EUSAGE, "%s: part is not complete (its sweep did not finish; --resume it)", path);
    }
    if (H5Lexists(p->file, "run_status", H5P_DEFAULT) <= 0 || H5Lexists(p->file, "run_error", H5P_DEFAULT) <= 0) {
        H5Fclose(p->file);
        p->file = -1;
        return err_set(e, SANC_EDATA, "%s: not a whole sweep part (run_status or run_error is missing)", path);
    }
    p->data = h5util_read_provenance_text(p->file, "data_sha256");
    return SANC_OK;
}

/* Parts built on other data: name the first file whose fingerprint
 * differs ("SHA256  PATH" lines, compared line by line). */
static int swf_same_data(const char *a, const char *pa, const char *b, const char *pb, errbuf *e)
{
    if (a == NULL || b == NULL) {
        if (a == b)
            return SANC_OK;
        return err_set(e, SANC_EDATA, "%s: carries no data fingerprints (/provenance/data_sha256; written by an "
                       "older sancsim): run its shard again", a == NULL ? pa : pb);
    }
    for (int line = 1;; line++) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la == 0 && lb == 0)
            return SANC_OK;
        if (la < 64 || lb < 64)
            return err_set(e, SANC_EDATA, "%s: built on %s data files than %s: parts of one sweep must read the "
                           "same data", pb, lb < 64 ? "fewer" : "more", pa);
        if (memcmp(a, b, 64) != 0) {
            const char *name = lb > 66 ? b + 66 : "?";
            int nl = lb > 66 ? (int)(lb - 66) : 1;
            return err_set(e, SANC_EDATA, "%s: built on other data than %s: data file %.*s differs (sha256 %.12s... "
                           "vs %.12s...): run every shard on the same data", pb, pa, nl, name, b, a);
        }
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
    }
}

static int swf_read_status(hid_t file, int64_t first, int64_t cnt, signed char *st)
{
    hid_t ds = H5Dopen2(file, "run_status", H5P_DEFAULT);
    if (ds < 0)
        return -1;
    hsize_t s = (hsize_t)first, c = (hsize_t)cnt;
    hid_t fs = H5Dget_space(ds), ms = H5Screate_simple(1, &c, NULL);
    int rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &s, NULL, &c, NULL) >= 0 &&
                     H5Dread(ds, H5T_NATIVE_SCHAR, ms, fs, H5P_DEFAULT, st) >= 0
                 ? 0
                 : -1;
    H5Sclose(fs);
    H5Sclose(ms);
    H5Dclose(ds);
    return rc;
}

/* Copy run r of dataset `name` from one file to another (same shape). */
static int swf_copy_row(hid_t from, hid_t to, const char *name, int64_t r, void *buf, size_t bufsize)
{
    hid_t a = H5Dopen2(from, name, H5P_DEFAULT), b = H5Dopen2(to, name, H5P_DEFAULT);
    int rc = -1;
    if (a >= 0 && b >= 0) {
        hid_t fa = H5Dget_space(a), fb = H5Dget_space(b), ft = H5Dget_type(a);
        hid_t mt = H5Tget_native_type(ft, H5T_DIR_DEFAULT);
        hsize_t dims[SWF_MAXRANK], st[SWF_MAXRANK] = {0};
        int rank = H5Sget_simple_extent_dims(fa, dims, NULL);
        dims[0] = 1;
        st[0] = (hsize_t)r;
        hsize_t n = 1;
        for (int k = 1; k < rank; k++)
            n *= dims[k];
        size_t esz = H5Tget_size(mt);
        if (n * esz <= bufsize) {
            hid_t ms = H5Screate_simple(1, &n, NULL);
            if (n == 0 ||
                (H5Sselect_hyperslab(fa, H5S_SELECT_SET, st, NULL, dims, NULL) >= 0 &&
                 H5Sselect_hyperslab(fb, H5S_SELECT_SET, st, NULL, dims, NULL) >= 0 &&
                 H5Dread(a, mt, ms, fa, H5P_DEFAULT, buf) >= 0 && H5Dwrite(b, mt, ms, fb, H5P_DEFAULT, buf) >= 0))
                rc = 0;
            if (H5Tis_variable_str(mt) > 0)
                H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, buf);
            H5Sclose(ms);
        }
        H5Tclose(mt);
        H5Tclose(ft);
        H5Sclose(fa);
        H5Sclose(fb);
    }
    if (a >= 0)
        H5Dclose(a);
    if (b >= 0)
        H5Dclose(b);
    return rc;
}

int sweep_merge(const sweep_merge_opts *mo, int64_t *missing, int64_t *failed, errbuf *e)
{
    const char *output = mo->output;
    char *const *parts = mo->parts;
    int nparts = mo->nparts;
    H5dont_atexit();
    h5util_quiet();
    *missing = *failed = 0;
    if (nparts < 1)
        return err_set(e, SANC_EUSAGE, "merge needs at least one part file");
    /* only a regular file is ever replaced (never /dev/null, a FIFO or a
     * link), and only with --force */
    int rc = fsafe_check_output(output, mo->force, e);
    if (rc != SANC_OK)
        return rc;
    struct stat so, sp;
    int have_out = stat(output, &so) == 0;
    for (int i = 0; i < nparts; i++)
        if (strcmp(parts[i], output) == 0 ||
            (have_out && stat(parts[i], &sp) == 0 && sp.st_dev == so.st_dev && sp.st_ino == so.st_ino))
            return err_set(e, SANC_EUSAGE, "%s: the output is also a part (%s)", output, parts[i]);
    fsafe_lock lock;
    lock.fd = -1;
    if (!mo->locked && (rc = fsafe_lock_output(output, &lock, e)) != SANC_OK)
        return rc;
    if (lock.fd >= 0 && mo->on_temp)
        mo->on_temp(lock.path, mo->ctx);
    swf_part *p = calloc((size_t)nparts, sizeof *p);
    if (p == NULL) {
        fsafe_unlock(&lock);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (int i = 0; i < nparts; i++)
        p[i].file = -1;
    for (int i = 0; i < nparts && rc == SANC_OK; i++) {
        rc = swf_open_part(parts[i], &p[i], e);
        if (rc == SANC_OK && i > 0)
            rc = swf_same_data(p[0].data, parts[0], p[i].data, parts[i], e);
        if (rc == SANC_OK && i > 0 && (strcmp(p[i].manifest, p[0].manifest) != 0 || p[i].nruns != p[0].nruns))
            rc = err_set(e, SANC_EUSAGE, "%s: part of a different sweep than %s (manifest differs: another "
                         "config, design, seed or --set)", parts[i], parts[0]);
    }
    /* every part's data against its checksums before anything is copied */
    for (int i = 0; i < nparts && rc == SANC_OK; i++)
        rc = swf_checksums(p[i].file, SWF_SUM_VERIFY, parts[i], e);
    char *temp = NULL;
    hid_t out = -1;
    /* SIGINT/SIGTERM wait until the caller knows the temporary file's name,
     * so that its handler can always remove it */
    sigset_t hold, saved;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    int held = mo->on_temp != NULL && pthread_sigmask(SIG_BLOCK, &hold, &saved) == 0;
    if (rc == SANC_OK)
        fsafe_remove_stale(output, "merge.tmp"); /* of a killed merge (the lock is ours) */
    if (rc == SANC_OK && (rc = fsafe_temp_create(output, "merge.tmp", &temp, e)) == SANC_OK && mo->on_temp)
        mo->on_temp(temp, mo->ctx);
    if (held)
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (rc == SANC_OK)
        rc = swf_copy_file(parts[0], temp, e);
    if (rc == SANC_OK && (out = H5Fopen(temp, H5F_ACC_RDWR, H5P_DEFAULT)) < 0)
        rc = swf_fail(e, temp, "the copy of the first part");
    /* a reader must never see the copied `complete` before the merge is
     * done; the part's checksums do not describe the merged data */
    if (rc == SANC_OK && H5Aexists(out, "complete") > 0 && H5Adelete(out, "complete") < 0)
        rc = swf_fail(e, temp, "complete");
    if (rc == SANC_OK)
        rc = swf_checksums(out, SWF_SUM_REMOVE, temp, e);
    char keep[2048];
    if (rc == SANC_OK)
        swf_read_str(out, "keep", keep, sizeof keep);
    int64_t R = p[0].nruns;
    signed char *sa = malloc(SWF_BLOCK), *sb = malloc(SWF_BLOCK);
    size_t bufsize = 0;
    void *buf = NULL;
    if (rc == SANC_OK && (sa == NULL || sb == NULL))
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    /* row buffer: the largest kept row */
    if (rc == SANC_OK) {
        char k2[2048];
        snprintf(k2, sizeof k2, "%s", keep);
        for (char *save = NULL, *t = strtok_r(k2, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            hid_t ds = H5Dopen2(out, t, H5P_DEFAULT);
            if (ds < 0)
                continue;
            hid_t fs = H5Dget_space(ds);
            hsize_t dims[SWF_MAXRANK];
            int rank = H5Sget_simple_extent_dims(fs, dims, NULL);
            size_t n = 8;
            for (int k = 1; k < rank; k++)
                n *= (size_t)dims[k];
            if (n > bufsize)
                bufsize = n;
            H5Sclose(fs);
            H5Dclose(ds);
        }
        if (bufsize < 64)
            bufsize = 64;
        if ((buf = malloc(bufsize)) == NULL)
            rc = err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (int64_t b = 0; rc == SANC_OK && b < R; b += SWF_BLOCK) {
        int64_t cnt = R - b < SWF_BLOCK ? R - b : SWF_BLOCK;
        if (swf_read_status(out, b, cnt, sa) < 0) {
            rc = swf_fail(e, temp, "run_status");
            break;
        }
        for (int i = 1; i < nparts && rc == SANC_OK; i++) {
            if (swf_read_status(p[i].file, b, cnt, sb) < 0) {
                rc = swf_fail(e, parts[i], "run_status");
                break;
            }
            for (int64_t k = 0; k < cnt && rc == SANC_OK; k++) {
                if (sb[k] == SWEEP_PENDING || sa[k] != SWEEP_PENDING)
                    continue;
                int64_t r = b + k;
                char k2[2048];
                snprintf(k2, sizeof k2, "%s", keep);
                if (sb[k] == SWEEP_DONE)
                    for (char *save = NULL, *t = strtok_r(k2, " ", &save); t && rc == SANC_OK;
                         t = strtok_r(NULL, " ", &save))
                        if (swf_copy_row(p[i].file, out, t, r, buf, bufsize) < 0)
                            rc = swf_fail(e, parts[i], t);
                /* run_error holds "" unless the run failed (no costly vlen write) */
                if (rc == SANC_OK &&
                    ((sb[k] == SWEEP_FAILED && swf_copy_row(p[i].file, out, "run_error", r, buf, bufsize) < 0) ||
                     swf_copy_row(p[i].file, out, "run_status", r, buf, bufsize) < 0))
                    rc = swf_fail(e, parts[i], "run_status");
                sa[k] = sb[k];
            }
        }
        for (int64_t k = 0; k < cnt; k++) {
            *missing += sa[k] == SWEEP_PENDING;
            *failed += sa[k] == SWEEP_FAILED;
        }
    }
    free(sa);
    free(sb);
    free(buf);
    if (rc == SANC_OK) {
        sweep_h5_prov pv = {0};
        pv.command_line = mo->command_line ? mo->command_line : "";
        rc = swf_provenance(out, &pv, *missing == 0, swf_read_i64(out, "summaries") == 1, temp, e);
    }
    if (out >= 0 && H5Fclose(out) < 0 && rc == SANC_OK)
        rc = swf_fail(e, temp, "close");
    for (int i = 0; i < nparts; i++) {
        if (p[i].file >= 0)
            H5Fclose(p[i].file);
        free(p[i].data);
    }
    free(p);
    if (rc == SANC_OK && fsafe_sync_file(temp) < 0)
        rc = err_set(e, SANC_EIO, "%s: cannot write: fsync: %s", output, strerror(errno));
    /* into place only when finished; never onto what is not a regular file */
    if (rc == SANC_OK)
        rc = fsafe_publish(temp, output, mo->force, e);
    if (rc != SANC_OK && temp != NULL)
        unlink(temp);
    free(temp);
    fsafe_unlock(&lock);
    if (mo->on_temp)
        mo->on_temp(NULL, mo->ctx);
    return rc;
}

int sweep_h5_is_complete(const char *path, const char *manifest)
{
    h5util_quiet();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return 0;
    char m[80];
    swf_read_str(f, "manifest_sha256", m, sizeof m);
    int ok = swf_read_i64(f, "complete") == 1 && strcmp(m, manifest) == 0;
    H5Fclose(f);
    return ok;
}
