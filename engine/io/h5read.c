/*
 * h5read.c - generic reader of sancsim result files (see h5read.h).
 */
#include "h5read.h"

#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

static int h5r_fail(errbuf *e, const char *path, const char *what)
{
    char why[256];
    h5util_error_text(why, sizeof why);
    return err_set(e, SANC_EIO, "%s: cannot read %s%s%s", path, what, why[0] ? ": " : "", why);
}

void h5r_attr_str(hid_t loc, const char *name, char *buf, size_t n)
{
    buf[0] = '\0';
    if (H5Aexists(loc, name) <= 0)
        return;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    if (ft >= 0 && H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            char *s = NULL;
            if (mt >= 0 && H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Tset_cset(mt, H5Tget_cset(ft)) >= 0 &&
                H5Aread(a, mt, &s) >= 0 && s != NULL) {
                snprintf(buf, n, "%s", s);
                H5free_memory(s);
            }
            if (mt >= 0)
                H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(ft);
            char *tmp = calloc(sz + 1, 1);
            if (tmp != NULL && H5Aread(a, ft, tmp) >= 0)
                snprintf(buf, n, "%s", tmp);
            free(tmp);
        }
    }
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
}

/* A 1-D string dataset (variable or fixed length) as n malloc'ed strings. */
static int h5r_read_strings(hid_t ds, size_t n, char ***out)
{
    *out = NULL;
    hid_t ft = H5Dget_type(ds);
    if (ft < 0)
        return -1;
    char **res = calloc(n ? n : 1, sizeof *res);
    int rc = res != NULL ? 0 : -1;
    if (rc == 0 && n > 0 && H5Tis_variable_str(ft) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        char **raw = calloc(n, sizeof *raw);
        hid_t sp = H5Dget_space(ds);
        if (mt < 0 || raw == NULL || sp < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 ||
            H5Tset_cset(mt, H5Tget_cset(ft)) < 0 || H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
            rc = -1;
        } else {
            for (size_t i = 0; i < n && rc == 0; i++)
                if ((res[i] = strdup(raw[i] ? raw[i] : "")) == NULL)
                    rc = -1;
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
        }
        free(raw);
        if (sp >= 0)
            H5Sclose(sp);
        if (mt >= 0)
            H5Tclose(mt);
    } else if (rc == 0 && n > 0) {
        size_t sz = H5Tget_size(ft);
        char *raw = calloc(n, sz + 1);
        hid_t mt = H5Tcopy(ft);
        if (raw == NULL || mt < 0 || H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
            rc = -1;
        } else {
            for (size_t i = 0; i < n && rc == 0; i++) {
                char *s = malloc(sz + 1);
                if (s == NULL) {
                    rc = -1;
                    break;
                }
                memcpy(s, raw + i * sz, sz);
                s[sz] = '\0';
                res[i] = s;
            }
        }
        free(raw);
        if (mt >= 0)
            H5Tclose(mt);
    }
    H5Tclose(ft);
    if (rc < 0) {
        for (size_t i = 0; res != NULL && i < n; i++)
            free(res[i]);
        free(res);
        return -1;
    }
    *out = res;
    return 0;
}

static void h5r_free_strings(char **s, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        free(s[i]);
    free(s);
}

/* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long h5r_days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void h5r_civil_from_days(long z, long *y, long *m, long *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yy + (*m <= 2);
}

static int h5r_read_doubles(hid_t ds, size_t n, double **out)
{
    double *v = malloc(sizeof *v * (n ? n : 1));
    if (v == NULL)
        return -1;
    if (n > 0 && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        return -1;
    }
    *out = v;
    return 0;
}

/* The axis `name`, added to h->dims when new. */
static int h5r_dim_of(h5r_file *h, const char *name, size_t len, int *out, errbuf *e)
{
    int d = h5r_find_dim(h, name);
    if (d >= 0) {
        if (h->dims[d].n != len)
            return err_set(e, SANC_EDATA, "%s: axis %s has %zu entries but a variable uses %zu", h->path, name,
                           h->dims[d].n, len);
        *out = d;
        return SANC_OK;
    }
    if (h->ndims == H5R_MAXDIMS)
        return err_set(e, SANC_ELIMIT, "%s: more than %d axes", h->path, H5R_MAXDIMS);
    if (strlen(name) >= sizeof h->dims[0].name)
        return err_set(e, SANC_EDATA, "%s: axis name too long", h->path);
    h5r_dim *dm = &h->dims[h->ndims];
    memset(dm, 0, sizeof *dm);
    snprintf(dm->name, sizeof dm->name, "%s", name);
    dm->n = len;
    hid_t ds = H5Lexists(h->f, name, H5P_DEFAULT) > 0 ? H5Dopen2(h->f, name, H5P_DEFAULT) : -1;
    if (ds < 0) {
        /* an axis without a scale: positions 0..n-1 */
        dm->kind = H5R_INDEX;
        if ((dm->value = malloc(sizeof *dm->value * (len ? len : 1))) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        for (size_t i = 0; i < len; i++)
            dm->value[i] = (double)i;
        *out = h->ndims++;
        return SANC_OK;
    }
    hid_t ft = H5Dget_type(ds), sp = H5Dget_space(ds);
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    int rc = SANC_OK;
    h5r_attr_str(ds, "units", dm->units, sizeof dm->units);
    h5r_attr_str(ds, "calendar", dm->calendar, sizeof dm->calendar);
    h5r_attr_str(ds, "long_name", dm->long_name, sizeof dm->long_name);
    if (ft < 0 || np < 0) {
        rc = h5r_fail(e, h->path, name);
    } else if ((size_t)np != len) {
        rc = err_set(e, SANC_EDATA, "%s: axis %s has %lld entries but a variable uses %zu", h->path, name,
                     (long long)np, len);
    } else if (H5Tget_class(ft) == H5T_STRING) {
        dm->kind = H5R_LABELS;
        if (h5r_read_strings(ds, len, &dm->label) < 0)
            rc = h5r_fail(e, h->path, name);
    } else if (strcmp(name, "time") == 0) {
        dm->kind = H5R_TIME;
        int y = 1970, m = 1, d = 1;
        if (sscanf(dm->units, "days since %d-%d-%d", &y, &m, &d) != 3)
            rc = err_set(e, SANC_EDATA, "%s: time units '%s' are not \"days since YYYY-MM-DD\"", h->path, dm->units);
        else if (h5r_read_doubles(ds, len, &dm->value) < 0)
            rc = h5r_fail(e, h->path, name);
        else if ((dm->label = calloc(len ? len : 1, sizeof *dm->label)) == NULL)
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        long base = h5r_days_from_civil(y, m, d);
        for (size_t i = 0; rc == SANC_OK && i < len; i++) {
            long yy, mm, dd;
            h5r_civil_from_days(base + (long)floor(dm->value[i]), &yy, &mm, &dd);
            char buf[80];
            snprintf(buf, sizeof buf, "%04ld-%02ld-%02ld", yy, mm, dd);
            if ((dm->label[i] = strdup(buf)) == NULL)
                rc = err_set(e, SANC_ENOMEM, "out of memory");
        }
    } else {
        dm->kind = H5R_INDEX;
        if (h5r_read_doubles(ds, len, &dm->value) < 0)
            rc = h5r_fail(e, h->path, name);
    }
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(ds);
    h->ndims++; /* freed with h even after an error */
    *out = h->ndims - 1;
    return rc;
}

/* Bookkeeping of sweep files, not results. */
static int h5r_is_bookkeeping(const char *name)
{
    return strncmp(name, "run_", 4) == 0 || strcmp(name, "point_param") == 0 ||
           strcmp(name, "parameter_name") == 0;
}

typedef struct h5r_names {
    char **name;
    int n, cap;
} h5r_names;

static herr_t h5r_collect(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
    (void)info;
    h5r_names *nm = op;
    H5O_info_t oi;
    if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET)
        return 0;
    if (nm->n == nm->cap) {
        int cap = nm->cap ? nm->cap * 2 : 32;
        char **nn = realloc(nm->name, sizeof *nn * (size_t)cap);
        if (nn == NULL)
            return -1;
        nm->name = nn;
        nm->cap = cap;
    }
    if ((nm->name[nm->n] = strdup(name)) == NULL)
        return -1;
    nm->n++;
    return 0;
}

static int h5r_sweep(h5r_file *h, errbuf *e)
{
    if (H5Lexists(h->f, "run_param", H5P_DEFAULT) <= 0 || H5Lexists(h->f, "parameter", H5P_DEFAULT) <= 0)
        return SANC_OK;
    hid_t par = H5Dopen2(h->f, "parameter", H5P_DEFAULT), rp = H5Dopen2(h->f, "run_param", H5P_DEFAULT);
    hid_t ps = par >= 0 ? H5Dget_space(par) : -1, rs = rp >= 0 ? H5Dget_space(rp) : -1;
    hsize_t pd = 0, rd[2] = {0, 0};
    int rc = SANC_OK;
    if (ps < 0 || rs < 0 || H5Sget_simple_extent_dims(ps, &pd, NULL) != 1 ||
        H5Sget_simple_extent_dims(rs, rd, NULL) != 2 || rd[1] != pd) {
        rc = h5r_fail(e, h->path, "the sweep parameters");
        goto out;
    }
    h->nparams = (int)pd;
    h->nruns = (size_t)rd[0];
    /* the parameters by name path (parameter_name) where the file has them,
     * else as they were written (parameter) */
    hid_t named = H5Lexists(h->f, "parameter_name", H5P_DEFAULT) > 0 ? H5Dopen2(h->f, "parameter_name", H5P_DEFAULT)
                                                                     : -1;
    int bad = h5r_read_strings(named >= 0 ? named : par, (size_t)pd, &h->param) < 0 ||
              h5r_read_doubles(rp, (size_t)(rd[0] * rd[1]), &h->run_param) < 0;
    if (named >= 0)
        H5Dclose(named);
    if (bad) {
        rc = h5r_fail(e, h->path, "the sweep parameters");
        goto out;
    }
    if ((h->run_param_str = calloc(pd ? pd : 1, sizeof *h->run_param_str)) == NULL) {
        rc = err_set(e, SANC_ENOMEM, "out of memory");
        goto out;
    }
    for (int j = 0; j < h->nparams && rc == SANC_OK; j++) {
        char nm[32];
        snprintf(nm, sizeof nm, "run_param_%d", j);
        if (H5Lexists(h->f, nm, H5P_DEFAULT) <= 0)
            continue;
        hid_t ds = H5Dopen2(h->f, nm, H5P_DEFAULT);
        if (ds < 0 || h5r_read_strings(ds, h->nruns, &h->run_param_str[j]) < 0)
            rc = h5r_fail(e, h->path, nm);
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (H5Aexists(h->f, "sweep_replicates") > 0) {
        hid_t a = H5Aopen(h->f, "sweep_replicates", H5P_DEFAULT);
        long long r = 1;
        if (a >= 0 && H5Aread(a, H5T_NATIVE_LLONG, &r) >= 0)
            h->replicates = r;
        if (a >= 0)
            H5Aclose(a);
    }
    if (rc == SANC_OK && H5Lexists(h->f, "point_param", H5P_DEFAULT) > 0) {
        hid_t ds = H5Dopen2(h->f, "point_param", H5P_DEFAULT);
        hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
        hsize_t d2[2] = {0, 0};
        if (sp < 0 || H5Sget_simple_extent_dims(sp, d2, NULL) != 2 || d2[1] != pd ||
            h5r_read_doubles(ds, (size_t)(d2[0] * d2[1]), &h->point_param) < 0)
            rc = h5r_fail(e, h->path, "point_param");
        h->npoints = (size_t)d2[0];
        if (sp >= 0)
            H5Sclose(sp);
        if (ds >= 0)
            H5Dclose(ds);
    }
out:
    if (ps >= 0)
        H5Sclose(ps);
    if (rs >= 0)
        H5Sclose(rs);
    if (par >= 0)
        H5Dclose(par);
    if (rp >= 0)
        H5Dclose(rp);
    return rc;
}

int h5r_open(h5r_file *h, const char *path, errbuf *e)
{
    memset(h, 0, sizeof *h);
    h->f = -1;
    h->replicates = 1;
    snprintf(h->path, sizeof h->path, "%s", path);
    h5util_quiet();
    if (H5Fis_hdf5(path) <= 0) {
        FILE *fp = fopen(path, "rb");
        if (fp == NULL)
            return err_set(e, SANC_EUSAGE, "%s: cannot open: no such file or not readable", path);
        fclose(fp);
        return err_set(e, SANC_EDATA, "%s: not an HDF5 file", path);
    }
    h->f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (h->f < 0)
        return h5r_fail(e, path, "the file");
    h5r_names nm = {NULL, 0, 0};
    int rc = SANC_OK;
    if (H5Literate(h->f, H5_INDEX_NAME, H5_ITER_INC, NULL, h5r_collect, &nm) < 0)
        rc = h5r_fail(e, path, "the list of variables");
    if (rc == SANC_OK && (h->vars = calloc((size_t)(nm.n ? nm.n : 1), sizeof *h->vars)) == NULL)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    for (int i = 0; i < nm.n && rc == SANC_OK; i++) {
        if (h5r_is_bookkeeping(nm.name[i]))
            continue;
        hid_t ds = H5Dopen2(h->f, nm.name[i], H5P_DEFAULT);
        if (ds < 0) {
            rc = h5r_fail(e, path, nm.name[i]);
            break;
        }
        char dims[512], cls[64];
        h5r_attr_str(ds, "dims", dims, sizeof dims);
        h5r_attr_str(ds, "CLASS", cls, sizeof cls);
        if (dims[0] == '\0' || strcmp(cls, "DIMENSION_SCALE") == 0) {
            H5Dclose(ds);
            continue;
        }
        h5r_var *v = &h->vars[h->nvars];
        snprintf(v->name, sizeof v->name, "%s", nm.name[i]);
        h5r_attr_str(ds, "units", v->units, sizeof v->units);
        h5r_attr_str(ds, "long_name", v->long_name, sizeof v->long_name);
        hid_t sp = H5Dget_space(ds), ft = H5Dget_type(ds);
        hsize_t ext[H5R_MAXRANK];
        int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
        if (rank < 0 || rank > H5R_MAXRANK || ft < 0 || H5Sget_simple_extent_dims(sp, ext, NULL) < 0) {
            rc = h5r_fail(e, path, nm.name[i]);
        } else {
            v->is_int = H5Tget_class(ft) == H5T_INTEGER;
            v->rank = 0;
            v->n = 1;
            char *save = NULL;
            for (char *tok = strtok_r(dims, " ", &save); tok && rc == SANC_OK; tok = strtok_r(NULL, " ", &save)) {
                if (v->rank == rank) {
                    rc = err_set(e, SANC_EDATA, "%s: %s: its dims attribute names more axes than it has", path,
                                 v->name);
                    break;
                }
                rc = h5r_dim_of(h, tok, (size_t)ext[v->rank], &v->dim[v->rank], e);
                v->n *= (size_t)ext[v->rank];
                v->rank++;
            }
            if (rc == SANC_OK && v->rank != rank)
                rc = err_set(e, SANC_EDATA, "%s: %s: its dims attribute names fewer axes than it has", path,
                             v->name);
            v->is_str = H5Tget_class(ft) == H5T_STRING;
            if (rc == SANC_OK && !v->is_str && H5Tget_class(ft) != H5T_INTEGER && H5Tget_class(ft) != H5T_FLOAT)
                v->rank = -1; /* neither numbers nor text: left out */
            if (rc == SANC_OK && v->rank >= 0)
                h->nvars++;
        }
        if (ft >= 0)
            H5Tclose(ft);
        if (sp >= 0)
            H5Sclose(sp);
        H5Dclose(ds);
    }
    for (int i = 0; i < nm.n; i++)
        free(nm.name[i]);
    free(nm.name);
    if (rc == SANC_OK)
        rc = h5r_sweep(h, e);
    if (rc != SANC_OK)
        h5r_close(h);
    return rc;
}

void h5r_close(h5r_file *h)
{
    for (int d = 0; d < h->ndims; d++) {
        h5r_free_strings(h->dims[d].label, h->dims[d].n);
        free(h->dims[d].value);
    }
    free(h->vars);
    h5r_free_strings(h->param, (size_t)h->nparams);
    if (h->run_param_str != NULL)
        for (int j = 0; j < h->nparams; j++)
            h5r_free_strings(h->run_param_str[j], h->nruns);
    free(h->run_param_str);
    free(h->run_param);
    free(h->point_param);
    if (h->f >= 0)
        H5Fclose(h->f);
    memset(h, 0, sizeof *h);
    h->f = -1;
}

int h5r_find_var(const h5r_file *h, const char *name)
{
    for (int i = 0; i < h->nvars; i++)
        if (strcmp(h->vars[i].name, name) == 0)
            return i;
    return -1;
}

int h5r_find_dim(const h5r_file *h, const char *name)
{
    for (int i = 0; i < h->ndims; i++)
        if (strcmp(h->dims[i].name, name) == 0)
            return i;
    return -1;
}

int h5r_read_text(const h5r_file *h, const char *name, size_t n, char ***out, errbuf *e)
{
    *out = NULL;
    hid_t ds = H5Lexists(h->f, name, H5P_DEFAULT) > 0 ? H5Dopen2(h->f, name, H5P_DEFAULT) : -1;
    hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    hid_t ft = ds >= 0 ? H5Dget_type(ds) : -1;
    int rc = SANC_OK;
    if (np < 0 || (size_t)np != n || ft < 0 || H5Tget_class(ft) != H5T_STRING || h5r_read_strings(ds, n, out) < 0)
        rc = h5r_fail(e, h->path, name);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

void h5r_free_text(char **s, size_t n)
{
    h5r_free_strings(s, n);
}

int h5r_read(const h5r_file *h, const h5r_var *v, double **out, errbuf *e)
{
    *out = NULL;
    hid_t ds = H5Dopen2(h->f, v->name, H5P_DEFAULT);
    double *buf = malloc(sizeof *buf * (v->n ? v->n : 1));
    int rc = SANC_OK;
    if (buf == NULL)
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory reading %s", h->path, v->name);
    else if (ds < 0 || (v->n > 0 && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0))
        rc = h5r_fail(e, h->path, v->name);
    if (ds >= 0)
        H5Dclose(ds);
    if (rc != SANC_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    return SANC_OK;
}
