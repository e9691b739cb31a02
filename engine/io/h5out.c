/*
 * h5out.c - the recorder: writes one run to HDF5 (DESIGN sections 5 and 7).
 *
 * Layout: one dataset per registered schema_var at the root, shaped (time,
 * dims...), time unlimited and extended period by period; one 1-D dimension
 * scale per dimension in use (labels as variable-length UTF-8 strings, time
 * as float64 "days since YYYY-MM-01") attached to every axis, so netCDF-4
 * readers (xarray/h5netcdf, R) see named dimensions; provenance as root
 * attributes (with CF `history`) and /provenance/config; `complete = 1`
 * written last.  netCDF-4 compatible (DESIGN section 10): strings are
 * variable-length UTF-8, time is proleptic Gregorian, and a variable along
 * an empty axis (a run without sanctions) is not written, nor is the axis.
 *
 * Crash safety: everything goes to ".NAME.tmp.XXXXXX" in the target folder,
 * closed, fsync'ed and renamed onto NAME only after `complete` is written,
 * so a killed or failed run never leaves a file at the final path.
 *
 * Ownership: h5out_finish always releases the recorder (like fclose): on
 * failure it removes the temporary file itself.  After a failed
 * h5out_append the caller calls h5out_abort.
 */
#define _POSIX_C_SOURCE 200809L

#include "h5out.h"
#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <libconfig.h>

#include "fsafe.h"
#include "schema.h"

#ifndef SANCSIM_VERSION
#define SANCSIM_VERSION "unknown"
#endif
#ifndef SANCSIM_GIT_REVISION
#define SANCSIM_GIT_REVISION "unknown"
#endif

/* Chunks bigger than this are split along the leading non-time axes: a
 * reader that wants one country should not have to inflate 100 MB. */
#define H5OUT_CHUNK_CAP ((size_t)4 << 20)
/* Small per-period variables share a chunk across periods (a chunk per
 * scalar would cost more in B-tree entries than in data). */
#define H5OUT_CHUNK_MIN ((size_t)64 << 10)

#define H5OUT_MAXRANK (SCHEMA_VAR_MAXDIMS + 1)

typedef struct h5out_var {
    hid_t ds;
    int rank;                     /* including time */
    hsize_t dims[H5OUT_MAXRANK];  /* dims[0] = periods written */
    size_t n;                     /* values per period */
    int is_int;
    int absent;                   /* an axis is empty: not written (DESIGN 10) */
} h5out_var;

struct h5out {
    hid_t file;
    hid_t time_ds;
    hid_t scale[DIM_COUNT];       /* label scales (time is time_ds) */
    int nvars;
    h5out_var var[SCHEMA_MAX_VARS];
    int T;
    hsize_t nt;                   /* periods written so far */
    int force;                    /* may replace an existing file */
    char *path, *temp;
};

/* ------------------------------------------------------------------ */
/* error text                                                          */

static int h5out_fail(errbuf *e, const char *path, const char *what)
{
    char why[256];
    h5util_error_text(why, sizeof why);
    if (why[0] != '\0')
        return err_set(e, SANC_EIO, "%s: cannot write: %s: %s", path, what, why);
    return err_set(e, SANC_EIO, "%s: cannot write: %s", path, what);
}

/* ------------------------------------------------------------------ */
/* paths                                                               */

int h5out_check_target(const char *path, int force, errbuf *e)
{
    return fsafe_check_output(path, force, e);
}

/* The crash-safe way to write any output, also the estimate's files:
 * fsafe's unique temporary name beside path, then publish. */
int h5out_temp_create(const char *path, char **temp, errbuf *e)
{
    return fsafe_temp_create(path, "tmp", temp, e);
}

/* Create ".NAME.tmp.XXXXXX" next to path (fsafe_temp_create: O_EXCL |
 * O_NOFOLLOW, mode 0666 minus the umask). */
static int h5out_make_temp(h5out *o, errbuf *e)
{
    return fsafe_temp_create(o->path, "tmp", &o->temp, e);
}

/* ------------------------------------------------------------------ */
/* attributes                                                          */

/* ------------------------------------------------------------------ */
/* create                                                              */

static int h5out_time_scale(h5out *o, const schema *s, errbuf *e)
{
    char units[64];
    snprintf(units, sizeof units, "days since %04d-%02d-01", s->start_year, s->start_month);

    hsize_t dim = 0, maxdim = H5S_UNLIMITED;
    hsize_t chunk = (hsize_t)(s->T < 1024 ? (s->T > 0 ? s->T : 1) : 1024);
    hid_t space = H5Screate_simple(1, &dim, &maxdim);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int rc = SANC_OK;
    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, 1, &chunk) < 0) {
        rc = h5out_fail(e, o->path, "time axis");
        goto out;
    }
    o->time_ds = H5Dcreate2(o->file, "time", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (o->time_ds < 0 || H5DSset_scale(o->time_ds, "time") < 0 ||
        h5util_attr_str(o->time_ds, "units", units) < 0 ||
        h5util_attr_str(o->time_ds, "calendar", H5UTIL_CALENDAR) < 0 ||
        h5util_attr_str(o->time_ds, "long_name", "time") < 0 ||
        h5util_attr_str(o->time_ds, "standard_name", "time") < 0 ||
        h5util_attr_str(o->time_ds, "axis", "T") < 0)
        rc = h5out_fail(e, o->path, "time axis");
out:
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static int h5out_label_scale(h5out *o, const schema *s, int d, errbuf *e)
{
    const char *name = schema_dim_names[d];
    hsize_t n = (hsize_t)s->dim_n[d];
    if (s->dim_n[d] > 0 && s->dim_labels[d] == NULL)
        return err_set(e, SANC_EINTERNAL, "%s: dimension %s has no labels", o->path, name);
    for (int i = 0; i < s->dim_n[d]; i++)
        if (s->dim_labels[d][i] == NULL)
            return err_set(e, SANC_EINTERNAL, "%s: dimension %s: label %d missing", o->path, name, i);

    hid_t type = h5util_vlen_str();
    hid_t space = H5Screate_simple(1, &n, NULL);
    int rc = SANC_OK;
    if (type < 0 || space < 0) {
        rc = h5out_fail(e, o->path, name);
        goto out;
    }
    o->scale[d] = H5Dcreate2(o->file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (o->scale[d] < 0 ||
        (n > 0 && h5util_write_str(o->scale[d], type, H5S_ALL, H5S_ALL, s->dim_labels[d]) < 0) ||
        H5DSset_scale(o->scale[d], name) < 0 ||
        h5util_attr_str(o->scale[d], "long_name", schema_dim_long_names[d]) < 0)
        rc = h5out_fail(e, o->path, name);
out:
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

/* One period of the full extent, unless that exceeds the cap: then shrink
 * the leading non-time axes; tiny periods are grouped along time. */
static void h5out_chunk(const h5out_var *v, size_t elem, int T, hsize_t *chunk)
{
    chunk[0] = 1;
    for (int d = 1; d < v->rank; d++)
        chunk[d] = v->dims[d] > 0 ? v->dims[d] : 1;
    for (int d = 1; d < v->rank; d++) {
        size_t inner = elem;
        for (int k = d + 1; k < v->rank; k++)
            inner *= (size_t)chunk[k];
        if (inner * (size_t)chunk[d] <= H5OUT_CHUNK_CAP)
            break;
        if (inner <= H5OUT_CHUNK_CAP) {
            chunk[d] = (hsize_t)(H5OUT_CHUNK_CAP / inner);
            break;
        }
        chunk[d] = 1;
    }
    size_t bytes = elem;
    for (int d = 1; d < v->rank; d++)
        bytes *= (size_t)chunk[d];
    if (bytes < H5OUT_CHUNK_MIN) {
        size_t k = H5OUT_CHUNK_MIN / bytes;
        if (k > (size_t)(T > 0 ? T : 1))
            k = (size_t)(T > 0 ? T : 1);
        chunk[0] = (hsize_t)k;
    }
}

static int h5out_var_create(h5out *o, const schema *s, int i, int compression, const char *units,
                            errbuf *e)
{
    const schema_var *wv = &s->vars[i];
    h5out_var *v = &o->var[i];
    hsize_t maxdims[H5OUT_MAXRANK], chunk[H5OUT_MAXRANK];
    char dims_attr[128];
    size_t used = 0;

    v->rank = wv->ndims + 1;
    v->is_int = wv->is_int;
    v->dims[0] = 0;
    maxdims[0] = H5S_UNLIMITED;
    v->n = 1;
    used += (size_t)snprintf(dims_attr, sizeof dims_attr, "time");
    for (int k = 0; k < wv->ndims; k++) {
        int d = wv->dims[k];
        v->dims[k + 1] = (hsize_t)s->dim_n[d];
        /* an empty axis (no sanctions) cannot hold a chunk of fixed size */
        maxdims[k + 1] = s->dim_n[d] > 0 ? (hsize_t)s->dim_n[d] : H5S_UNLIMITED;
        v->n *= (size_t)s->dim_n[d];
        if (used < sizeof dims_attr)
            used += (size_t)snprintf(dims_attr + used, sizeof dims_attr - used, " %s",
                                     schema_dim_names[d]);
    }
    h5out_chunk(v, wv->is_int ? 4 : 8, s->T, chunk);

    const char *u = wv->units ? wv->units : "";
    if (strcmp(u, "$units") == 0)
        u = units;

    hid_t space = H5Screate_simple(v->rank, v->dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int rc = SANC_OK;
    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, v->rank, chunk) < 0 ||
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 ||
        (compression > 0 &&
         (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, (unsigned)compression) < 0))) {
        rc = h5out_fail(e, o->path, wv->name);
        goto out;
    }
    v->ds = H5Dcreate2(o->file, wv->name, wv->is_int ? H5T_STD_I32LE : H5T_IEEE_F64LE, space,
                       H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (v->ds < 0 || H5DSattach_scale(v->ds, o->time_ds, 0) < 0) {
        rc = h5out_fail(e, o->path, wv->name);
        goto out;
    }
    for (int k = 0; k < wv->ndims; k++)
        if (H5DSattach_scale(v->ds, o->scale[wv->dims[k]], (unsigned)(k + 1)) < 0) {
            rc = h5out_fail(e, o->path, wv->name);
            goto out;
        }
    if (h5util_attr_str(v->ds, "units", u) < 0 ||
        h5util_attr_str(v->ds, "long_name", wv->long_name ? wv->long_name : wv->name) < 0 ||
        h5util_attr_str(v->ds, "description", wv->description) < 0 ||
        h5util_attr_str(v->ds, "dims", dims_attr) < 0)
        rc = h5out_fail(e, o->path, wv->name);
out:
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Catch registry mistakes with a clear message instead of an HDF5 error. */
static int h5out_check_schema(const schema *s, const char *path, errbuf *e)
{
    if (s->time_days == NULL || s->T < 1)
        return err_set(e, SANC_EINTERNAL, "%s: schema has no time axis", path);
    if (s->start_month < 1 || s->start_month > 12)
        return err_set(e, SANC_EINTERNAL, "%s: bad start month %d", path, s->start_month);
    if (s->nvars < 0 || s->nvars > SCHEMA_MAX_VARS)
        return err_set(e, SANC_EINTERNAL, "%s: bad variable count %d", path, s->nvars);
    for (int i = 0; i < s->nvars; i++) {
        const schema_var *v = &s->vars[i];
        if (v->name == NULL || v->name[0] == '\0' || strchr(v->name, '/') != NULL)
            return err_set(e, SANC_EINTERNAL, "%s: variable %d has a bad name", path, i);
        if (strcmp(v->name, "provenance") == 0)
            return err_set(e, SANC_EINTERNAL, "%s: variable name %s is reserved", path, v->name);
        for (int d = 0; d < DIM_COUNT; d++)
            if (strcmp(v->name, schema_dim_names[d]) == 0)
                return err_set(e, SANC_EINTERNAL, "%s: variable %s clashes with a dimension", path,
                               v->name);
        if (v->ndims < 0 || v->ndims > SCHEMA_VAR_MAXDIMS)
            return err_set(e, SANC_EINTERNAL, "%s: variable %s: bad rank %d", path, v->name, v->ndims);
        for (int k = 0; k < v->ndims; k++) {
            if (v->dims[k] <= DIM_TIME || v->dims[k] >= DIM_COUNT)
                return err_set(e, SANC_EINTERNAL, "%s: variable %s: bad dimension %d", path, v->name,
                               v->dims[k]);
            if (s->dim_n[v->dims[k]] < 0)
                return err_set(e, SANC_EINTERNAL, "%s: variable %s: dimension %s has negative size",
                               path, v->name, schema_dim_names[v->dims[k]]);
            for (int l = 0; l < k; l++)
                if (v->dims[l] == v->dims[k])
                    return err_set(e, SANC_EINTERNAL, "%s: variable %s: dimension %s twice", path,
                                   v->name, schema_dim_names[v->dims[k]]);
        }
    }
    return SANC_OK;
}

int h5out_create(h5out **out, const char *path, int force, const schema *s, int compression,
                 const char *units, errbuf *e)
{
    *out = NULL;
    /* HDF5 1.10 frees a file whose close failed (disk full) but keeps its
     * id, and its atexit handler then crashes on it (HDFGroup/hdf5 issue
     * 2257, fixed by PR 2496 for 1.14).  We close every file we open ourselves, so the
     * handler has nothing to do; this only works before HDF5 initialises,
     * and is a harmless no-op after. */
    H5dont_atexit();
    h5util_quiet();
    if (compression < 0 || compression > 9)
        return err_set(e, SANC_EINTERNAL, "compression must be 0..9 (got %d)", compression);
    int rc = h5out_check_target(path, force, e);
    if (rc < 0)
        return rc;
    if ((rc = h5out_check_schema(s, path, e)) < 0)
        return rc;
    if (units == NULL)
        units = s->units ? s->units : "";

    h5out *o = calloc(1, sizeof *o);
    if (o == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    o->file = o->time_ds = -1;
    for (int d = 0; d < DIM_COUNT; d++)
        o->scale[d] = -1;
    for (int i = 0; i < SCHEMA_MAX_VARS; i++)
        o->var[i].ds = -1;
    o->T = s->T;
    o->force = force;
    if ((o->path = strdup(path)) == NULL) {
        free(o);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    if ((rc = h5out_make_temp(o, e)) < 0) {
        free(o->path);
        free(o);
        return rc;
    }

    /* STRONG: closing the file closes anything an error path forgot */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        rc = h5out_fail(e, path, "file access properties");
        if (fapl >= 0)
            H5Pclose(fapl);
        goto fail;
    }
    o->file = H5Fcreate(o->temp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (o->file < 0) {
        rc = h5out_fail(e, path, "create");
        H5Pclose(fapl);
        goto fail;
    }
    H5Pclose(fapl);

    if ((rc = h5out_time_scale(o, s, e)) < 0)
        goto fail;
    /* A feature the scenario lacks (no sanctions, no hubs) leaves an axis
     * empty: netCDF readers and xarray's to_dataframe() stumble on
     * zero-length dimensions, so such variables and axes are left out. */
    int used[DIM_COUNT] = { 0 };
    for (int i = 0; i < s->nvars; i++) {
        for (int k = 0; k < s->vars[i].ndims; k++)
            if (s->dim_n[s->vars[i].dims[k]] == 0)
                o->var[i].absent = 1;
        for (int k = 0; k < s->vars[i].ndims && !o->var[i].absent; k++)
            used[s->vars[i].dims[k]] = 1;
    }
    for (int d = 1; d < DIM_COUNT; d++)
        if (used[d] && (rc = h5out_label_scale(o, s, d, e)) < 0)
            goto fail;
    o->nvars = s->nvars;
    for (int i = 0; i < s->nvars; i++)
        if (!o->var[i].absent && (rc = h5out_var_create(o, s, i, compression, units, e)) < 0)
            goto fail;
    if (h5util_attr_str(o->file, "Conventions", "CF-1.8") < 0) {
        rc = h5out_fail(e, path, "attributes");
        goto fail;
    }
    for (int a = 0; a < s->nattrs && a < SCHEMA_MAX_ATTRS; a++) /* the run's own root attributes */
        if (h5util_attr_num(o->file, s->attr_name[a], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &s->attr_value[a]) < 0) {
            rc = h5out_fail(e, path, "attributes");
            goto fail;
        }
    *out = o;
    return SANC_OK;
fail:
    h5out_abort(o);
    return rc;
}

/* ------------------------------------------------------------------ */
/* append                                                              */

static int h5out_write_period(hid_t ds, int rank, const hsize_t *dims, hsize_t t, hid_t mtype,
                              const void *data)
{
    hsize_t ext[H5OUT_MAXRANK], start[H5OUT_MAXRANK] = { 0 }, count[H5OUT_MAXRANK];
    for (int d = 0; d < rank; d++) {
        ext[d] = dims[d];
        count[d] = dims[d];
    }
    ext[0] = t + 1;
    start[0] = t;
    count[0] = 1;
    if (H5Dset_extent(ds, ext) < 0)
        return -1;
    hsize_t n = 1;
    for (int d = 1; d < rank; d++)
        n *= dims[d];
    if (n == 0)
        return 0;
    hid_t fspace = H5Dget_space(ds);
    if (fspace < 0)
        return -1;
    /* the memory space has the selection's shape, so HDF5 copies whole rows
     * instead of iterating element by element (1-D vs N-D is "not the same
     * shape" to HDF5 1.10) */
    hid_t mspace = H5Screate_simple(rank, count, NULL);
    int rc = -1;
    if (mspace >= 0 && H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        H5Dwrite(ds, mtype, mspace, fspace, H5P_DEFAULT, data) >= 0)
        rc = 0;
    hid_t es = h5util_err_save(rc < 0);
    if (mspace >= 0)
        H5Sclose(mspace);
    H5Sclose(fspace);
    h5util_err_restore(es);
    return rc;
}

int h5out_append(h5out *o, const schema *s, int t, errbuf *e)
{
    h5util_quiet();
    if (o == NULL || o->file < 0)
        return err_set(e, SANC_EINTERNAL, "h5out_append: recorder not open");
    /* periods must arrive in order: there is no fill value to cover gaps */
    if ((hsize_t)t != o->nt || t >= o->T)
        return err_set(e, SANC_EINTERNAL, "%s: period %d out of order (expected %llu of %d)",
                       o->path, t, (unsigned long long)o->nt, o->T);
    if (s->nvars != o->nvars)
        return err_set(e, SANC_EINTERNAL, "%s: %d variables registered, %d in the file", o->path,
                       s->nvars, o->nvars);
    hsize_t one = 1;
    if (h5out_write_period(o->time_ds, 1, &one, o->nt, H5T_NATIVE_DOUBLE, &s->time_days[t]) < 0)
        return h5out_fail(e, o->path, "time");
    for (int i = 0; i < o->nvars; i++) {
        h5out_var *v = &o->var[i];
        if (v->absent)
            continue;
        if (s->vars[i].data == NULL && v->n > 0)
            return err_set(e, SANC_EINTERNAL, "%s: variable %s has no data", o->path, s->vars[i].name);
        if (h5out_write_period(v->ds, v->rank, v->dims, o->nt,
                               v->is_int ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE, s->vars[i].data) < 0)
            return h5out_fail(e, o->path, s->vars[i].name);
    }
    o->nt++;
    return SANC_OK;
}

/* ------------------------------------------------------------------ */
/* finish                                                              */

/* Close one dataset; keep the first failure's error stack in *es. */
static void h5out_close_ds(hid_t *ds, int *rc, hid_t *es)
{
    if (*ds < 0)
        return;
    if (H5Dclose(*ds) < 0 && *rc == 0) {
        *rc = -1;
        *es = h5util_err_save(1);
    }
    *ds = H5I_INVALID_HID;
}

static int h5out_close_objects(h5out *o)
{
    int rc = 0;
    hid_t es = H5I_INVALID_HID;
    for (int i = 0; i < SCHEMA_MAX_VARS; i++)
        h5out_close_ds(&o->var[i].ds, &rc, &es);
    for (int d = 0; d < DIM_COUNT; d++)
        h5out_close_ds(&o->scale[d], &rc, &es);
    h5out_close_ds(&o->time_ds, &rc, &es);
    h5util_err_restore(es);
    return rc;
}

/* The schema's table columns (schema.h), each along its dimension, which
 * gets its label scale here; columns of an empty dimension are left out
 * (no zero-length variables).  Strings are variable-length UTF-8. */
static int h5out_tables(h5out *o, const schema *s, errbuf *e)
{
    for (int c = 0; c < s->ncols; c++) {
        const schema_col *col = &s->cols[c];
        int d = col->dim;
        hsize_t n = d > DIM_TIME && d < DIM_COUNT && s->dim_n[d] > 0 ? (hsize_t)s->dim_n[d] : 0;
        if (n == 0)
            continue;
        int rc;
        if (o->scale[d] < 0 && (rc = h5out_label_scale(o, s, d, e)) < 0)
            return rc;
        hid_t type = col->kind == SCHEMA_COL_STRING ? h5util_vlen_str()
                     : col->kind == SCHEMA_COL_INT  ? H5Tcopy(H5T_STD_I32LE)
                                                    : H5Tcopy(H5T_IEEE_F64LE);
        hid_t mtype = col->kind == SCHEMA_COL_STRING ? H5Tcopy(type)
                      : col->kind == SCHEMA_COL_INT  ? H5Tcopy(H5T_NATIVE_INT)
                                                     : H5Tcopy(H5T_NATIVE_DOUBLE);
        hid_t space = H5Screate_simple(1, &n, NULL);
        hid_t ds = -1;
        rc = SANC_OK;
        if (type < 0 || mtype < 0 || space < 0 || *col->data == NULL)
            rc = h5out_fail(e, o->path, col->name);
        else {
            ds = H5Dcreate2(o->file, col->name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (ds < 0 || H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *col->data) < 0 ||
                H5DSattach_scale(ds, o->scale[d], 0) < 0 || h5util_attr_str(ds, "units", col->units) < 0 ||
                h5util_attr_str(ds, "long_name", col->long_name) < 0 ||
                h5util_attr_str(ds, "description", col->description) < 0 ||
                h5util_attr_str(ds, "dims", schema_dim_names[d]) < 0)
                rc = h5out_fail(e, o->path, col->name);
        }
        if (ds >= 0)
            H5Dclose(ds);
        if (space >= 0)
            H5Sclose(space);
        if (mtype >= 0)
            H5Tclose(mtype);
        if (type >= 0)
            H5Tclose(type);
        if (rc != SANC_OK)
            return rc;
    }
    return SANC_OK;
}

static int h5out_provenance(h5out *o, const h5out_prov *p)
{
    if (h5util_config_dataset(o->file, p->config_text, "resolved scenario configuration") < 0)
        return -1;
    return h5util_provenance_text(o->file, "data_sha256", p->data_sha256 ? p->data_sha256 : "",
                                  "SHA-256 of every data file read (sha256sum format)");
}

static int h5out_root_attrs(h5out *o, const h5out_prov *p)
{
    unsigned long long seed = p->seed;
    hid_t f = o->file;
    if (h5util_software_attrs(f) < 0 || h5util_attr_num(f, "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &seed) < 0 ||
        h5util_attr_str(f, "command_line", p->command_line) < 0 || h5util_history(f, p->command_line) < 0 ||
        h5util_attr_str(f, "config_sha256", p->config_sha256) < 0 ||
        h5util_attr_str(f, "scenario", p->scenario_name) < 0)
        return -1;
    return 0;
}

int h5out_temp_publish(const char *temp, const char *path, int force, errbuf *e)
{
    if (fsafe_sync_file(temp) < 0)
        return err_set(e, SANC_EIO, "%s: cannot write: fsync: %s", path, strerror(errno));
    /* never onto a link or a non-regular file; without --force never onto
     * a file that appeared meanwhile; the folder is synced */
    return fsafe_publish(temp, path, force, e);
}

static void h5out_free(h5out *o)
{
    free(o->path);
    free(o->temp);
    free(o);
}

int h5out_finish(h5out *o, const h5out_prov *p, errbuf *e)
{
    h5util_quiet();
    if (o == NULL || o->file < 0) {
        h5out_abort(o);
        return err_set(e, SANC_EINTERNAL, "h5out_finish: recorder not open");
    }
    h5out_prov none = { 0 };
    if (p == NULL)
        p = &none;
    int rc = SANC_OK;
    if (p->tables != NULL && (rc = h5out_tables(o, p->tables, e)) < 0)
        goto fail;
    if (h5out_close_objects(o) < 0) {
        rc = h5out_fail(e, o->path, "closing datasets");
        goto fail;
    }
    if (h5out_provenance(o, p) < 0) {
        rc = h5out_fail(e, o->path, "/provenance");
        goto fail;
    }
    if (h5out_root_attrs(o, p) < 0) {
        rc = h5out_fail(e, o->path, "provenance attributes");
        goto fail;
    }
    int one = 1;
    if (h5util_attr_num(o->file, "complete", H5T_STD_I32LE, H5T_NATIVE_INT, &one) < 0) {
        rc = h5out_fail(e, o->path, "complete");
        goto fail;
    }
    herr_t st = H5Fclose(o->file);
    o->file = -1;
    if (st < 0) {
        rc = h5out_fail(e, o->path, "close");
        goto fail;
    }
    if ((rc = h5out_temp_publish(o->temp, o->path, o->force, e)) < 0)
        goto fail;
    h5out_free(o);
    return SANC_OK;
fail:
    h5out_abort(o);
    return rc;
}

void h5out_abort(h5out *o)
{
    if (o == NULL)
        return;
    h5util_quiet();
    if (o->file >= 0) {
        h5out_close_objects(o);
        H5Fclose(o->file);
        o->file = -1;
    }
    if (o->temp != NULL)
        unlink(o->temp);
    h5out_free(o);
}

const char *h5out_temp_path(const h5out *o)
{
    return o ? o->temp : NULL;
}
