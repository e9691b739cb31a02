/*
 * h5diff.c - `sancsim diff A.h5 B.h5 -o D.h5`: B relative to A in the
 * layout of a result file (see h5tidy.h).  The output is netCDF-4
 * compatible like the inputs: the same axes as dimension scales (labels as
 * variable-length UTF-8 strings, the time axis with its CF units and
 * calendar, integer run/point axes), float64 variables with _FillValue NaN,
 * int8 `<var>_pct_defined` flags with flag_values/flag_meanings.
 */
#include <errno.h>
#include <fcntl.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "h5out.h"
#include "h5read.h"
#include "h5tidy.h"
#include "h5util.h"

/* Levels (money, volumes) get a percent change; dimensionless indices,
 * shares and balances a difference. */
static int dif_is_level(const h5r_var *v)
{
    return !(v->units[0] == '\0' || strcmp(v->units, "1") == 0 || strcmp(v->units, "%") == 0);
}

static int dif_fail(errbuf *e, const char *path, const char *what)
{
    char why[256];
    h5util_error_text(why, sizeof why);
    return err_set(e, SANC_EIO, "%s: cannot write %s%s%s", path, what, why[0] ? ": " : "", why);
}

/* The axes of variable va (in A) and vb (in B) must agree. */
static int dif_same_axes(const h5r_file *A, const h5r_var *va, const h5r_file *B, const h5r_var *vb, errbuf *e)
{
    if (va->rank != vb->rank)
        return err_set(e, SANC_EDATA, "%s: %s has %d axes in %s and %d in %s", va->name, va->name, va->rank,
                       A->path, vb->rank, B->path);
    for (int k = 0; k < va->rank; k++) {
        const h5r_dim *da = &A->dims[va->dim[k]], *db = &B->dims[vb->dim[k]];
        if (strcmp(da->name, db->name) != 0)
            return err_set(e, SANC_EDATA, "%s: axis %d is %s in %s and %s in %s", va->name, k + 1, da->name,
                           A->path, db->name, B->path);
        if (da->n != db->n)
            return err_set(e, SANC_EDATA,
                           "%s and %s differ in axis %s: %zu entries against %zu (diff compares files with the "
                           "same axes and labels; choose variables with --vars)",
                           A->path, B->path, da->name, da->n, db->n);
        for (size_t i = 0; i < da->n; i++) {
            int same = da->kind == db->kind;
            if (same && da->kind == H5R_LABELS)
                same = strcmp(da->label[i], db->label[i]) == 0;
            else if (same)
                same = da->value[i] == db->value[i];
            if (!same) {
                char la[160], lb[160];
                snprintf(la, sizeof la, "%s", da->label ? da->label[i] : "?");
                snprintf(lb, sizeof lb, "%s", db->label ? db->label[i] : "?");
                if (da->kind == H5R_INDEX)
                    snprintf(la, sizeof la, "%g", da->value[i]);
                if (db->kind == H5R_INDEX)
                    snprintf(lb, sizeof lb, "%g", db->value[i]);
                return err_set(e, SANC_EDATA,
                               "%s and %s differ in axis %s: entry %zu is \"%s\" against \"%s\" (diff compares files "
                               "with the same axes and labels; choose variables with --vars)",
                               A->path, B->path, da->name, i + 1, la, lb);
            }
        }
    }
    return SANC_OK;
}

/* Scales written into the output, by index of A's dims. */
typedef struct dif_out {
    hid_t f;
    hid_t scale[H5R_MAXDIMS];
    const char *path;
    char coords[1024]; /* a sweep's categorical parameters (CF auxiliary coordinates) */
} dif_out;

static int dif_scale(dif_out *o, const h5r_file *A, int d, errbuf *e)
{
    if (o->scale[d] >= 0)
        return SANC_OK;
    const h5r_dim *dm = &A->dims[d];
    hsize_t n = (hsize_t)dm->n;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t type = dm->kind == H5R_LABELS ? h5util_vlen_str() : dm->kind == H5R_TIME ? H5T_IEEE_F64LE : H5T_STD_I64LE;
    hid_t ds = sp >= 0 && type >= 0 ? H5Dcreate2(o->f, dm->name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int ok = ds >= 0;
    if (ok && n > 0) {
        if (dm->kind == H5R_LABELS) {
            ok = H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, dm->label) >= 0;
        } else if (dm->kind == H5R_TIME) {
            ok = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, dm->value) >= 0;
        } else {
            long long *iv = malloc(sizeof *iv * dm->n);
            ok = iv != NULL;
            for (size_t i = 0; ok && i < dm->n; i++)
                iv[i] = (long long)dm->value[i];
            ok = ok && H5Dwrite(ds, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv) >= 0;
            free(iv);
        }
    }
    ok = ok && H5DSset_scale(ds, dm->name) >= 0 &&
         h5util_attr_str(ds, "long_name", dm->long_name[0] ? dm->long_name : dm->name) >= 0;
    if (ok && dm->kind == H5R_TIME)
        ok = h5util_attr_str(ds, "units", dm->units) >= 0 &&
             h5util_attr_str(ds, "calendar", dm->calendar[0] ? dm->calendar : H5UTIL_CALENDAR) >= 0 &&
             h5util_attr_str(ds, "standard_name", "time") >= 0 && h5util_attr_str(ds, "axis", "T") >= 0;
    if (ok && dm->kind == H5R_INDEX && dm->units[0])
        ok = h5util_attr_str(ds, "units", dm->units) >= 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (dm->kind == H5R_LABELS && type >= 0)
        H5Tclose(type);
    if (!ok) {
        if (ds >= 0)
            H5Dclose(ds);
        return dif_fail(e, o->path, dm->name);
    }
    o->scale[d] = ds;
    return SANC_OK;
}

/* One output variable (float64 with NaN fill, or the int8 flag). */
static int dif_var(dif_out *o, const h5r_file *A, const h5r_var *v, const char *name, int is_flag, const void *data,
                   const char *units, const char *long_name, const char *desc, errbuf *e)
{
    hsize_t ext[H5R_MAXRANK];
    char dims[512];
    size_t dl = 0;
    dims[0] = '\0';
    for (int k = 0; k < v->rank; k++) {
        ext[k] = (hsize_t)A->dims[v->dim[k]].n;
        dl += (size_t)snprintf(dims + dl, sizeof dims - dl, "%s%s", k ? " " : "", A->dims[v->dim[k]].name);
        int rc = dif_scale(o, A, v->dim[k], e);
        if (rc != SANC_OK)
            return rc;
    }
    hid_t sp = H5Screate_simple(v->rank, ext, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    double nan = NAN;
    int ok = sp >= 0 && dcpl >= 0 && (is_flag || H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan) >= 0);
    hid_t ds = ok ? H5Dcreate2(o->f, name, is_flag ? H5T_STD_I8LE : H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT)
                  : -1;
    ok = ds >= 0 && (v->n == 0 || H5Dwrite(ds, is_flag ? H5T_NATIVE_SCHAR : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                           H5P_DEFAULT, data) >= 0);
    for (int k = 0; ok && k < v->rank; k++)
        ok = H5DSattach_scale(ds, o->scale[v->dim[k]], (unsigned)k) >= 0;
    ok = ok && h5util_attr_str(ds, "units", units) >= 0 && h5util_attr_str(ds, "long_name", long_name) >= 0 &&
         h5util_attr_str(ds, "description", desc) >= 0 && h5util_attr_str(ds, "dims", dims) >= 0;
    if (ok && !is_flag)
        ok = h5util_attr_num(ds, "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan) >= 0;
    if (ok && o->coords[0] && v->rank > 0 && strcmp(A->dims[v->dim[0]].name, "run") == 0)
        ok = h5util_attr_str(ds, "coordinates", o->coords) >= 0;
    if (ok && is_flag) {
        signed char flags[2] = {0, 1};
        hsize_t nf = 2;
        hid_t fs = H5Screate_simple(1, &nf, NULL);
        hid_t fa = fs >= 0 ? H5Acreate2(ds, "flag_values", H5T_STD_I8LE, fs, H5P_DEFAULT, H5P_DEFAULT) : -1;
        ok = fa >= 0 && H5Awrite(fa, H5T_NATIVE_SCHAR, flags) >= 0;
        if (fa >= 0)
            H5Aclose(fa);
        if (fs >= 0)
            H5Sclose(fs);
        ok = ok && h5util_attr_str(ds, "flag_meanings", "undefined defined") >= 0;
    }
    if (ds >= 0)
        H5Dclose(ds);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    return ok ? SANC_OK : dif_fail(e, o->path, name);
}

/* ---- sweeps: the runs of A and B must be the same design points, and
 * the diff carries their parameters (DESIGN section 10) ------------------ */

static int dif_param_is_text(const h5r_file *h, int j)
{
    return h->run_param_str != NULL && h->run_param_str[j] != NULL;
}

static int dif_same_runs(const h5r_file *A, const h5r_file *B, errbuf *e)
{
    if (A->nparams == 0 && B->nparams == 0)
        return SANC_OK;
    if (A->nparams != B->nparams || A->nruns != B->nruns)
        return err_set(e, SANC_EDATA,
                       "%s and %s are not runs of the same design: %d parameters and %zu runs against %d and %zu "
                       "(diff compares sweeps run by run)",
                       A->path, B->path, A->nparams, A->nruns, B->nparams, B->nruns);
    for (int j = 0; j < A->nparams; j++) {
        if (strcmp(A->param[j], B->param[j]) != 0)
            return err_set(e, SANC_EDATA, "%s and %s sweep other settings: parameter %d is %s against %s", A->path,
                           B->path, j + 1, A->param[j], B->param[j]);
        if (dif_param_is_text(A, j) != dif_param_is_text(B, j))
            return err_set(e, SANC_EDATA, "%s and %s: parameter %s is categorical in only one of them", A->path,
                           B->path, A->param[j]);
        for (size_t r = 0; r < A->nruns; r++) {
            char va[128], vb[128];
            int same;
            if (dif_param_is_text(A, j)) {
                same = strcmp(A->run_param_str[j][r], B->run_param_str[j][r]) == 0;
                snprintf(va, sizeof va, "%s", A->run_param_str[j][r]);
                snprintf(vb, sizeof vb, "%s", B->run_param_str[j][r]);
            } else {
                double x = A->run_param[r * (size_t)A->nparams + (size_t)j];
                double y = B->run_param[r * (size_t)B->nparams + (size_t)j];
                same = x == y || (isnan(x) && isnan(y));
                snprintf(va, sizeof va, "%.17g", x);
                snprintf(vb, sizeof vb, "%.17g", y);
            }
            if (!same)
                return err_set(e, SANC_EDATA,
                               "%s and %s are not runs of the same design: run %zu has %s = %s against %s (diff "
                               "compares sweeps run by run)",
                               A->path, B->path, r, A->param[j], va, vb);
        }
    }
    return SANC_OK;
}

/* A 1-D or 2-D dataset on the output's scales with the `dims` attribute. */
static hid_t dif_dataset(dif_out *o, const char *name, hid_t type, int rank, const hsize_t *ext, const hid_t *scales,
                         const char *dims, const char *units, const char *long_name, const char *desc)
{
    hid_t sp = H5Screate_simple(rank, ext, NULL);
    hid_t ds = sp >= 0 ? H5Dcreate2(o->f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int ok = ds >= 0;
    for (int k = 0; ok && k < rank; k++)
        ok = H5DSattach_scale(ds, scales[k], (unsigned)k) >= 0;
    ok = ok && h5util_attr_str(ds, "dims", dims) >= 0 && h5util_attr_str(ds, "units", units) >= 0 &&
         h5util_attr_str(ds, "long_name", long_name) >= 0 && h5util_attr_str(ds, "description", desc) >= 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (!ok && ds >= 0) {
        H5Dclose(ds);
        ds = -1;
    }
    return ds;
}

/* The parameter axis (the settings as written), parameter_name (by name
 * path), run_param and, per categorical parameter, run_param_<j>, plus the
 * runs' design points and replicates: what export and xarray read to label
 * the runs of the diff. */
static int dif_sweep(dif_out *o, const h5r_file *A, errbuf *e)
{
    int rd = h5r_find_dim(A, "run");
    if (rd < 0)
        return SANC_OK; /* no variable along run: nothing to label */
    int rc = dif_scale(o, A, rd, e);
    if (rc != SANC_OK)
        return rc;
    hid_t run = o->scale[rd];
    size_t P = (size_t)A->nparams, R = A->nruns;
    char **raw = NULL;
    hid_t str = h5util_vlen_str(), par = -1, ds = -1;
    int ok = str >= 0;
    /* the axis as the sweep wrote it ("parameter"; older files: only that) */
    if (ok && H5Lexists(A->f, "parameter", H5P_DEFAULT) > 0 &&
        (rc = h5r_read_text(A, "parameter", P, &raw, e)) != SANC_OK)
        ok = 0;
    hsize_t np = (hsize_t)P, nr = (hsize_t)R, ext2[2] = {nr, np};
    if (ok) {
        hid_t sp = H5Screate_simple(1, &np, NULL);
        par = sp >= 0 ? H5Dcreate2(o->f, "parameter", str, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
        ok = par >= 0 && H5Dwrite(par, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw ? raw : A->param) >= 0 &&
             H5DSset_scale(par, "parameter") >= 0 &&
             h5util_attr_str(par, "long_name", "swept setting (--set path)") >= 0;
        if (sp >= 0)
            H5Sclose(sp);
    }
    if (ok) {
        ds = dif_dataset(o, "parameter_name", str, 1, &np, &par, "parameter", "", "swept setting by name path",
                         "the setting of each parameter as a name path in the base scenario (from the base file)");
        ok = ds >= 0 && H5Dwrite(ds, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, A->param) >= 0;
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (ok) {
        hid_t sc[2] = {run, par};
        ds = dif_dataset(o, "run_param", H5T_IEEE_F64LE, 2, ext2, sc, "run parameter", "1",
                         "parameter value of the run",
                         "the value of each swept setting in the run, the same in both files (a categorical "
                         "parameter j: the index of its level; the value itself is the string variable "
                         "run_param_<j>)");
        ok = ds >= 0 && (R == 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, A->run_param) >= 0);
        if (ds >= 0)
            H5Dclose(ds);
    }
    size_t cl = 0;
    for (int j = 0; ok && j < A->nparams; j++) {
        if (!dif_param_is_text(A, j))
            continue;
        char name[32], ln[300];
        long long jj = j;
        snprintf(name, sizeof name, "run_param_%d", j);
        snprintf(ln, sizeof ln, "value of %s", A->param[j]);
        ds = dif_dataset(o, name, str, 1, &nr, &run, "run", "", ln,
                         "the value of a categorical swept setting in each run (libconfig text; strings without "
                         "their quotes); run_param holds the index of the level");
        ok = ds >= 0 && (R == 0 || H5Dwrite(ds, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, A->run_param_str[j]) >= 0) &&
             h5util_attr_str(ds, "parameter", A->param[j]) >= 0 &&
             h5util_attr_num(ds, "parameter_index", H5T_STD_I64LE, H5T_NATIVE_LLONG, &jj) >= 0;
        if (ds >= 0)
            H5Dclose(ds);
        if (cl < sizeof o->coords - 40)
            cl += (size_t)snprintf(o->coords + cl, sizeof o->coords - cl, "%s%s", cl ? " " : "", name);
    }
    /* the summaries' parameter values per design point */
    int pd = h5r_find_dim(A, "point");
    if (ok && pd >= 0 && A->point_param != NULL && A->npoints == A->dims[pd].n) {
        ok = (rc = dif_scale(o, A, pd, e)) == SANC_OK;
        hsize_t pe[2] = {(hsize_t)A->npoints, np};
        hid_t sc[2] = {ok ? o->scale[pd] : -1, par};
        ds = ok ? dif_dataset(o, "point_param", H5T_IEEE_F64LE, 2, pe, sc, "point parameter", "1",
                              "parameter value of the design point", "as in the base file") : -1;
        ok = ds >= 0 &&
             (A->npoints == 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, A->point_param) >= 0);
        if (ds >= 0)
            H5Dclose(ds);
    }
    /* design point and replicate of each run (the same in both files) */
    static const char *const book[][2] = {{"run_point", "design point"}, {"run_replicate", "replicate"}};
    for (int k = 0; ok && k < 2; k++) {
        if (H5Lexists(A->f, book[k][0], H5P_DEFAULT) <= 0)
            continue;
        long long *v = malloc(sizeof *v * (R ? R : 1));
        hid_t src = H5Dopen2(A->f, book[k][0], H5P_DEFAULT);
        ok = v != NULL && src >= 0 && (R == 0 || H5Dread(src, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        if (src >= 0)
            H5Dclose(src);
        ds = ok ? dif_dataset(o, book[k][0], H5T_STD_I64LE, 1, &nr, &run, "run", "1", book[k][1],
                              "as in the base file") : -1;
        ok = ds >= 0 && (R == 0 || H5Dwrite(ds, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        if (ds >= 0)
            H5Dclose(ds);
        free(v);
    }
    long long reps = A->replicates;
    ok = ok && h5util_attr_num(o->f, "sweep_replicates", H5T_STD_I64LE, H5T_NATIVE_LLONG, &reps) >= 0;
    if (raw != NULL)
        h5r_free_text(raw, P);
    if (par >= 0)
        H5Dclose(par);
    if (str >= 0)
        H5Tclose(str);
    if (!ok && rc == SANC_OK)
        rc = dif_fail(e, o->path, "the sweep parameters");
    return rc;
}

static int dif_selected(const h5diff_opts *o, const char *name)
{
    if (o->vars == NULL || o->nvars == 0)
        return strncmp(name, "solver_", 7) != 0; /* diagnostics of the solver: not results */
    for (int i = 0; i < o->nvars; i++)
        if (strcmp(o->vars[i], name) == 0)
            return 1;
    return 0;
}

/* ".NAME.tmp.XXXXXX" next to path, created with O_EXCL. */
static int dif_temp(const char *path, char *buf, size_t n, errbuf *e)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dirlen = (int)(base - path);
    unsigned long x = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 12);
    for (int attempt = 0; attempt < 100; attempt++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        snprintf(buf, n, "%.*s.%s.tmp.%06lx", dirlen, path, base, (x >> 20) & 0xffffffUL);
        int fd = open(buf, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0) {
            close(fd);
            return SANC_OK;
        }
        if (errno != EEXIST)
            return err_set(e, SANC_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    return err_set(e, SANC_EIO, "%s: cannot write: no free temporary name", path);
}

int h5diff_files(const h5diff_opts *o, h5diff_result *r, errbuf *e)
{
    memset(r, 0, sizeof *r);
    int rc = h5out_check_target(o->output, o->force, e);
    if (rc != SANC_OK)
        return rc;
    h5r_file A, B;
    if ((rc = h5r_open(&A, o->a, e)) != SANC_OK)
        return rc;
    if ((rc = h5r_open(&B, o->b, e)) != SANC_OK) {
        h5r_close(&A);
        return rc;
    }
    /* what to compare, checked before anything is written */
    int *pair = malloc(sizeof *pair * (size_t)(A.nvars ? A.nvars : 1));
    if (pair == NULL)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    size_t sl = 0;
    for (int i = 0; rc == SANC_OK && i < A.nvars; i++) {
        pair[i] = -1;
        if (!dif_selected(o, A.vars[i].name) || A.vars[i].is_str)
            continue; /* text (the decision table's names) has no difference */
        int j = h5r_find_var(&B, A.vars[i].name);
        if (j < 0) {
            if (sl < sizeof r->skipped - 1)
                sl += (size_t)snprintf(r->skipped + sl, sizeof r->skipped - sl, "%s%s", sl ? " " : "",
                                       A.vars[i].name);
            continue;
        }
        rc = dif_same_axes(&A, &A.vars[i], &B, &B.vars[j], e);
        pair[i] = j;
    }
    for (int j = 0; rc == SANC_OK && j < B.nvars; j++)
        if (dif_selected(o, B.vars[j].name) && !B.vars[j].is_str && h5r_find_var(&A, B.vars[j].name) < 0 &&
            sl < sizeof r->skipped - 1)
            sl += (size_t)snprintf(r->skipped + sl, sizeof r->skipped - sl, "%s%s", sl ? " " : "", B.vars[j].name);
    for (int k = 0; rc == SANC_OK && o->vars != NULL && k < o->nvars; k++) {
        int ia = h5r_find_var(&A, o->vars[k]);
        if (ia < 0 || h5r_find_var(&B, o->vars[k]) < 0)
            rc = err_set(e, SANC_EUSAGE, "--vars: %s is not a variable of both %s and %s", o->vars[k], o->a, o->b);
        else if (A.vars[ia].is_str)
            rc = err_set(e, SANC_EUSAGE, "--vars: %s is text, not numbers (diff compares numbers)", o->vars[k]);
    }
    if (rc == SANC_OK)
        rc = dif_same_runs(&A, &B, e);
    int any = 0;
    for (int i = 0; rc == SANC_OK && i < A.nvars; i++)
        any |= pair[i] >= 0;
    if (rc == SANC_OK && !any)
        rc = err_set(e, SANC_EDATA, "%s and %s share no variable to compare", o->a, o->b);

    char temp[4200];
    dif_out out;
    out.f = -1;
    out.path = o->output;
    out.coords[0] = '\0';
    for (int d = 0; d < H5R_MAXDIMS; d++)
        out.scale[d] = -1;
    int have_temp = 0;
    if (rc == SANC_OK && (rc = dif_temp(o->output, temp, sizeof temp, e)) == SANC_OK) {
        have_temp = 1;
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0)
            out.f = H5Fcreate(temp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (fapl >= 0)
            H5Pclose(fapl);
        if (out.f < 0)
            rc = dif_fail(e, o->output, "the file");
    }
    if (rc == SANC_OK &&
        (h5util_attr_str(out.f, "Conventions", "CF-1.8") < 0 || h5util_software_attrs(out.f) < 0 ||
         h5util_history(out.f, o->command_line ? o->command_line : "") < 0 ||
         h5util_attr_str(out.f, "diff_base", o->a) < 0 || h5util_attr_str(out.f, "diff_variant", o->b) < 0 ||
         h5util_attr_str(out.f, "title", "sancsim diff: variant relative to base") < 0))
        rc = dif_fail(e, o->output, "attributes");
    if (rc == SANC_OK && A.nparams > 0)
        rc = dif_sweep(&out, &A, e);

    for (int i = 0; rc == SANC_OK && i < A.nvars; i++) {
        if (pair[i] < 0)
            continue;
        const h5r_var *va = &A.vars[i], *vb = &B.vars[pair[i]];
        double *a = NULL, *b = NULL, *res = NULL;
        signed char *def = NULL;
        rc = h5r_read(&A, va, &a, e);
        if (rc == SANC_OK)
            rc = h5r_read(&B, vb, &b, e);
        int level = dif_is_level(va);
        if (rc == SANC_OK && ((res = malloc(sizeof *res * (va->n ? va->n : 1))) == NULL ||
                              (level && (def = malloc(va->n ? va->n : 1)) == NULL)))
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        if (rc == SANC_OK) {
            char name[200], ln[400], desc[600];
            const char *vlong = va->long_name[0] ? va->long_name : va->name;
            if (level) {
                for (size_t c = 0; c < va->n; c++) {
                    double x = a[c], y = b[c];
                    if (isnan(x) || isnan(y)) {
                        res[c] = NAN;
                        def[c] = 0;
                    } else if (x == 0.0) {
                        res[c] = y == 0.0 ? 0.0 : NAN;
                        def[c] = y == 0.0;
                    } else {
                        res[c] = 100.0 * (y / x - 1.0);
                        def[c] = 1;
                    }
                }
                snprintf(name, sizeof name, "%s_pct", va->name);
                snprintf(ln, sizeof ln, "%s: change from base to variant", vlong);
                snprintf(desc, sizeof desc,
                         "100 (B/A - 1) with A = %s of the base, B = of the variant; 0 where both are 0; "
                         "missing where A = 0 and B != 0 (%s_pct_defined = 0)",
                         va->name, va->name);
                rc = dif_var(&out, &A, va, name, 0, res, "%", ln, desc, e);
                if (rc == SANC_OK) {
                    snprintf(name, sizeof name, "%s_pct_defined", va->name);
                    snprintf(ln, sizeof ln, "%s_pct is defined", va->name);
                    rc = dif_var(&out, &A, va, name, 1, def, "1", ln,
                                 "1 where the percent change is a number, 0 where the base is 0 and the variant "
                                 "is not (or either value is missing)",
                                 e);
                }
            } else {
                for (size_t c = 0; c < va->n; c++)
                    res[c] = b[c] - a[c];
                snprintf(name, sizeof name, "%s_diff", va->name);
                snprintf(ln, sizeof ln, "%s: variant minus base", vlong);
                snprintf(desc, sizeof desc, "B - A with A = %s of the base, B = of the variant", va->name);
                rc = dif_var(&out, &A, va, name, 0, res, va->units[0] ? va->units : "1", ln, desc, e);
            }
            if (rc == SANC_OK)
                r->nvars++;
        }
        free(a);
        free(b);
        free(res);
        free(def);
    }
    for (int d = 0; d < H5R_MAXDIMS; d++)
        if (out.scale[d] >= 0)
            H5Dclose(out.scale[d]);
    if (out.f >= 0 && H5Fclose(out.f) < 0 && rc == SANC_OK)
        rc = dif_fail(e, o->output, "the file");
    if (rc == SANC_OK && rename(temp, o->output) != 0)
        rc = err_set(e, SANC_EIO, "%s: cannot rename %s: %s", o->output, temp, strerror(errno));
    if (rc != SANC_OK && have_temp)
        unlink(temp);
    free(pair);
    h5r_close(&A);
    h5r_close(&B);
    return rc;
}
