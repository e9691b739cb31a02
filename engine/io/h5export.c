/*
 * h5export.c - `sancsim export`: a result file as tidy CSV (see h5tidy.h).
 *
 * Variables are grouped by their sequence of axes; each group is one file
 * with one row per cell of the axes and one column per variable, the
 * layout ge_gravity users get back (country, welfare, ...) and
 * BehaviorSpace users expect (run, parameters, step, metrics).  Numbers are
 * written in the shortest form that reads back to the same double.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5read.h"
#include "h5tidy.h"

#define EXP_MAX_FILES 64

/* ---- CSV fields ------------------------------------------------------ */

static void exp_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The shortest %.Ng (N = 15..17) that reads back as x; NaN is empty. */
static void exp_num(FILE *f, double x)
{
    if (isnan(x))
        return;
    if (isinf(x)) {
        fputs(x > 0 ? "inf" : "-inf", f);
        return;
    }
    char buf[40];
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    fputs(buf, f);
}

static void exp_int(FILE *f, double x)
{
    if (isnan(x))
        return;
    fprintf(f, "%.0f", x);
}

/* ---- output folder ---------------------------------------------------- */

typedef struct exp_out {
    char tmp[4096];
    char *file[EXP_MAX_FILES + 1];
    int nfile;
} exp_out;

static void exp_cleanup(exp_out *x)
{
    for (int i = 0; i < x->nfile; i++) {
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", x->tmp, x->file[i]);
        unlink(p);
        free(x->file[i]);
    }
    x->nfile = 0;
    if (x->tmp[0])
        rmdir(x->tmp);
    x->tmp[0] = '\0';
}

static FILE *exp_open(exp_out *x, const char *name, errbuf *e)
{
    if (x->nfile == EXP_MAX_FILES) {
        err_set(e, SANC_ELIMIT, "more than %d files to export", EXP_MAX_FILES);
        return NULL;
    }
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", x->tmp, name);
    if ((x->file[x->nfile] = strdup(name)) == NULL) {
        err_set(e, SANC_ENOMEM, "out of memory");
        return NULL;
    }
    x->nfile++;
    FILE *f = fopen(p, "w");
    if (f == NULL)
        err_set(e, SANC_EIO, "%s: cannot write: %s", p, strerror(errno));
    return f;
}

static int exp_close(FILE *f, const char *name, errbuf *e)
{
    int bad = ferror(f);
    int err = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    return bad ? err_set(e, SANC_EIO, "%s: cannot write: %s", name, strerror(err ? err : EIO)) : SANC_OK;
}

/* Does dir hold regular files only (an earlier export)? */
static int exp_only_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int ok = 1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[8192];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            ok = 0;
            break;
        }
    }
    closedir(d);
    return ok;
}

/* Remove a folder of regular files (checked by exp_only_files). */
static void exp_remove_files_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char p[8192];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ---- one group of variables ------------------------------------------ */

typedef struct exp_group {
    int rank;
    int dim[H5R_MAXRANK];
    int var[128];
    int nvar;
} exp_group;

static void exp_param_header(FILE *f, const h5r_file *h)
{
    for (int j = 0; j < h->nparams; j++) {
        fputc(',', f);
        exp_field(f, h->param[j]);
    }
}

/* Parameter values of run r (lead = run) or point p (lead = point). */
static void exp_param_values(FILE *f, const h5r_file *h, int lead_is_point, size_t idx)
{
    for (int j = 0; j < h->nparams; j++) {
        fputc(',', f);
        size_t r = lead_is_point ? idx * (size_t)(h->replicates > 0 ? h->replicates : 1) : idx;
        if (h->run_param_str[j] != NULL && r < h->nruns)
            exp_field(f, h->run_param_str[j][r]);
        else if (lead_is_point && h->point_param != NULL && idx < h->npoints)
            exp_num(f, h->point_param[idx * (size_t)h->nparams + (size_t)j]);
        else if (!lead_is_point && r < h->nruns)
            exp_num(f, h->run_param[r * (size_t)h->nparams + (size_t)j]);
    }
}

static int exp_write_group(exp_out *x, const h5r_file *h, const exp_group *g, long long *rows, errbuf *e)
{
    char name[512];
    size_t len = 0;
    name[0] = '\0';
    int lead = -1; /* 0 run, 1 point: a sweep's leading axis */
    for (int k = 0; k < g->rank; k++) {
        const char *dn = h->dims[g->dim[k]].name;
        if (k == 0 && h->nparams > 0 && (strcmp(dn, "run") == 0 || strcmp(dn, "point") == 0)) {
            lead = strcmp(dn, "point") == 0;
            if (lead == 0)
                continue; /* runs are the rows of every sweep file: not in the name */
        }
        len += (size_t)snprintf(name + len, sizeof name - len, "%s%s", len ? "_" : "", dn);
        if (len >= sizeof name - 8)
            return err_set(e, SANC_ELIMIT, "file name too long");
    }
    if (len == 0)
        snprintf(name, sizeof name, "run");
    strcat(name, ".csv");

    double *data[128];
    char **text[128];
    int nv = g->nvar;
    for (int i = 0; i < nv; i++) {
        data[i] = NULL;
        text[i] = NULL;
    }
    int rc = SANC_OK;
    for (int i = 0; i < nv && rc == SANC_OK; i++) {
        const h5r_var *v = &h->vars[g->var[i]];
        rc = v->is_str ? h5r_read_text(h, v->name, v->n, &text[i], e) : h5r_read(h, v, &data[i], e);
    }
    /* a decision's period also as the date of that period */
    int tdim = h5r_find_dim(h, "time");
    const h5r_dim *time = tdim >= 0 && h->dims[tdim].kind == H5R_TIME ? &h->dims[tdim] : NULL;
    FILE *f = rc == SANC_OK ? exp_open(x, name, e) : NULL;
    if (f == NULL && rc == SANC_OK)
        rc = e->code ? e->code : SANC_EIO;
    if (rc == SANC_OK) {
        /* header */
        for (int k = 0; k < g->rank; k++) {
            if (k > 0)
                fputc(',', f);
            exp_field(f, h->dims[g->dim[k]].name);
            if (k == 0 && lead >= 0)
                exp_param_header(f, h);
        }
        for (int i = 0; i < nv; i++) {
            const char *vn = h->vars[g->var[i]].name;
            fputc(',', f);
            exp_field(f, vn);
            if (strcmp(vn, "welfare") == 0)
                fputs(",welfare_pct", f);
            if (strcmp(vn, "decision_period") == 0 && time != NULL)
                fputs(",decision_date", f);
        }
        fputc('\n', f);
        /* rows: every cell, row-major */
        size_t n = h->vars[g->var[0]].n, idx[H5R_MAXRANK];
        memset(idx, 0, sizeof idx);
        for (size_t c = 0; c < n; c++) {
            for (int k = 0; k < g->rank; k++) {
                const h5r_dim *d = &h->dims[g->dim[k]];
                if (k > 0)
                    fputc(',', f);
                if (d->kind == H5R_INDEX)
                    exp_int(f, d->value[idx[k]]);
                else
                    exp_field(f, d->label[idx[k]]);
                if (k == 0 && lead >= 0)
                    exp_param_values(f, h, lead, idx[0]);
            }
            for (int i = 0; i < nv; i++) {
                const h5r_var *v = &h->vars[g->var[i]];
                fputc(',', f);
                if (v->is_str)
                    exp_field(f, text[i][c]);
                else if (v->is_int)
                    exp_int(f, data[i][c]);
                else
                    exp_num(f, data[i][c]);
                if (strcmp(v->name, "welfare") == 0) {
                    fputc(',', f);
                    exp_num(f, 100.0 * (data[i][c] - 1.0));
                }
                if (strcmp(v->name, "decision_period") == 0 && time != NULL) {
                    fputc(',', f);
                    double p = data[i][c];
                    if (p >= 0 && p < (double)time->n)
                        exp_field(f, time->label[(size_t)p]);
                }
            }
            fputc('\n', f);
            for (int k = g->rank - 1; k >= 0; k--) {
                if (++idx[k] < h->dims[g->dim[k]].n)
                    break;
                idx[k] = 0;
            }
        }
        *rows += (long long)n;
        rc = exp_close(f, name, e);
    } else if (f != NULL) {
        fclose(f);
    }
    for (int i = 0; i < nv; i++) {
        free(data[i]);
        if (text[i] != NULL)
            h5r_free_text(text[i], h->vars[g->var[i]].n);
    }
    return rc;
}

/* Columns of the decision table in DESIGN 3b's order (period, government,
 * action, gain, kind); other variables keep their order. */
static int exp_rank(const char *name)
{
    static const char *const order[] = {"decision_period", "decision_government", "decision_action",
                                        "decision_gain", "decision_kind", NULL};
    for (int k = 0; order[k]; k++)
        if (strcmp(name, order[k]) == 0)
            return k;
    return 100;
}

static void exp_order(exp_group *g, const h5r_file *h)
{
    for (int i = 1; i < g->nvar; i++) /* stable insertion sort */
        for (int j = i; j > 0 && exp_rank(h->vars[g->var[j - 1]].name) > exp_rank(h->vars[g->var[j]].name); j--) {
            int t = g->var[j];
            g->var[j] = g->var[j - 1];
            g->var[j - 1] = t;
        }
}

/* runs.csv of a sweep: every run with its point, replicate, seed, status,
 * error and parameter values. */
static int exp_runs(exp_out *x, const h5r_file *h, long long *rows, errbuf *e)
{
    size_t R = h->nruns;
    long long *point = calloc(R ? R : 1, sizeof *point), *rep = calloc(R ? R : 1, sizeof *rep);
    long long *seed = calloc(R ? R : 1, sizeof *seed), *status = calloc(R ? R : 1, sizeof *status);
    long long *runid = calloc(R ? R : 1, sizeof *runid);
    char **err = NULL;
    int rc = SANC_OK;
    if (point == NULL || rep == NULL || seed == NULL || status == NULL || runid == NULL)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    static const char *const names[] = {"run_point", "run_replicate", "run_seed", "run_status", "run"};
    long long *dst[] = {point, rep, seed, status, runid};
    for (int k = 0; k < 5 && rc == SANC_OK; k++) {
        if (H5Lexists(h->f, names[k], H5P_DEFAULT) <= 0) {
            for (size_t r = 0; r < R; r++)
                dst[k][r] = k == 4 ? (long long)r : -1;
            continue;
        }
        hid_t ds = H5Dopen2(h->f, names[k], H5P_DEFAULT);
        if (ds < 0 || (R > 0 && H5Dread(ds, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst[k]) < 0))
            rc = err_set(e, SANC_EIO, "%s: cannot read %s", h->path, names[k]);
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (rc == SANC_OK && H5Lexists(h->f, "run_error", H5P_DEFAULT) > 0) {
        hid_t ds = H5Dopen2(h->f, "run_error", H5P_DEFAULT);
        hid_t mt = H5Tcopy(H5T_C_S1);
        hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
        hid_t ft = ds >= 0 ? H5Dget_type(ds) : -1;
        err = calloc(R ? R : 1, sizeof *err);
        if (ds < 0 || mt < 0 || sp < 0 || ft < 0 || err == NULL || H5Tis_variable_str(ft) <= 0 ||
            H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Tset_cset(mt, H5Tget_cset(ft)) < 0 ||
            (R > 0 && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, err) < 0)) {
            free(err);
            err = NULL; /* older files: fixed-length errors are left out */
        }
        if (ft >= 0)
            H5Tclose(ft);
        if (sp >= 0)
            H5Sclose(sp);
        if (mt >= 0)
            H5Tclose(mt);
        if (ds >= 0)
            H5Dclose(ds);
    }
    FILE *f = rc == SANC_OK ? exp_open(x, "runs.csv", e) : NULL;
    if (f == NULL && rc == SANC_OK)
        rc = e->code ? e->code : SANC_EIO;
    if (rc == SANC_OK) {
        fputs("run", f);
        exp_param_header(f, h);
        fputs(",point,replicate,seed,status,error\n", f);
        static const char *const st[] = {"pending", "done", "failed"};
        for (size_t r = 0; r < R; r++) {
            fprintf(f, "%lld", runid[r]);
            exp_param_values(f, h, 0, r);
            fprintf(f, ",%lld,%lld,%lld,%s,", point[r], rep[r], seed[r],
                    status[r] >= 0 && status[r] <= 2 ? st[status[r]] : "unknown");
            if (err != NULL && err[r] != NULL)
                exp_field(f, err[r]);
            fputc('\n', f);
        }
        *rows += (long long)R;
        rc = exp_close(f, "runs.csv", e);
    }
    if (err != NULL) {
        for (size_t r = 0; r < R; r++)
            H5free_memory(err[r]);
        free(err);
    }
    free(point);
    free(rep);
    free(seed);
    free(status);
    free(runid);
    return rc;
}

/* ---- entry point ------------------------------------------------------ */

int h5export_csv(const h5export_opts *o, h5export_result *r, errbuf *e)
{
    memset(r, 0, sizeof *r);
    if (o->dir != NULL) {
        snprintf(r->dir, sizeof r->dir, "%s", o->dir);
    } else {
        size_t n = strlen(o->file);
        if (n > 3 && strcmp(o->file + n - 3, ".h5") == 0)
            n -= 3;
        snprintf(r->dir, sizeof r->dir, "%.*s_csv", (int)n, o->file);
    }
    size_t dl = strlen(r->dir);
    while (dl > 1 && r->dir[dl - 1] == '/')
        r->dir[--dl] = '\0';
    struct stat st;
    if (stat(r->dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return err_set(e, SANC_EEXIST, "%s: exists and is not a folder", r->dir);
        if (!o->force)
            return err_set(e, SANC_EEXIST, "%s: exists (use --force to replace it)", r->dir);
    }
    h5r_file h;
    int rc = h5r_open(&h, o->file, e);
    if (rc != SANC_OK)
        return rc;

    /* the variables, by name or all */
    int *sel = calloc((size_t)(h.nvars ? h.nvars : 1), sizeof *sel);
    if (sel == NULL) {
        h5r_close(&h);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    if (o->vars == NULL || o->nvars == 0) {
        for (int i = 0; i < h.nvars; i++)
            sel[i] = 1;
    }
    for (int k = 0; k < o->nvars && rc == SANC_OK; k++) {
        const char *want = o->vars[k];
        int i = h5r_find_var(&h, strcmp(want, "welfare_pct") == 0 ? "welfare" : want);
        if (i < 0) {
            char have[700];
            size_t hl = 0;
            have[0] = '\0';
            for (int j = 0; j < h.nvars && hl < sizeof have - 1; j++)
                hl += (size_t)snprintf(have + hl, sizeof have - hl, "%s%s", j ? ", " : "", h.vars[j].name);
            rc = err_set(e, SANC_EUSAGE, "--vars: %s has no variable %s (it has: %s)", o->file, want, have);
        } else {
            sel[i] = 1;
        }
    }
    /* groups by sequence of axes, in order of first appearance */
    exp_group *grp = calloc(EXP_MAX_FILES, sizeof *grp);
    int ngrp = 0;
    if (rc == SANC_OK && grp == NULL)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    /* welfare first (the headline result), then the others by name */
    int wi = h5r_find_var(&h, "welfare");
    for (int ii = -1; ii < h.nvars && rc == SANC_OK; ii++) {
        int i = ii < 0 ? wi : ii;
        if (i < 0 || (ii >= 0 && i == wi) || !sel[i])
            continue;
        const h5r_var *v = &h.vars[i];
        int g = 0;
        for (; g < ngrp; g++)
            if (grp[g].rank == v->rank && memcmp(grp[g].dim, v->dim, sizeof(int) * (size_t)v->rank) == 0)
                break;
        if (g == ngrp) {
            if (ngrp == EXP_MAX_FILES) {
                rc = err_set(e, SANC_ELIMIT, "more than %d sets of dimensions", EXP_MAX_FILES);
                break;
            }
            grp[g].rank = v->rank;
            memcpy(grp[g].dim, v->dim, sizeof(int) * (size_t)v->rank);
            ngrp++;
        }
        if (grp[g].nvar < 128)
            grp[g].var[grp[g].nvar++] = i;
    }
    if (rc == SANC_OK && ngrp == 0)
        rc = err_set(e, SANC_EDATA, "%s: no variables to export", o->file);

    /* a temporary folder next to the target */
    exp_out x;
    memset(&x, 0, sizeof x);
    if (rc == SANC_OK) {
        snprintf(x.tmp, sizeof x.tmp, "%s.tmp.XXXXXX", r->dir);
        if (mkdtemp(x.tmp) == NULL) {
            rc = err_set(e, SANC_EIO, "%s: cannot create a folder next to it: %s", r->dir, strerror(errno));
            x.tmp[0] = '\0';
        } else {
            /* mkdtemp's 0700: the usual rights of a new folder instead */
            mode_t um = umask(0);
            umask(um);
            chmod(x.tmp, 0777 & ~um);
        }
    }
    for (int g = 0; g < ngrp && rc == SANC_OK; g++) {
        exp_order(&grp[g], &h);
        rc = exp_write_group(&x, &h, &grp[g], &r->rows, e);
    }
    /* runs.csv is the sweep's bookkeeping (seed, status, error): a diff of
     * two sweeps has none (its parameters are in every file) */
    if (rc == SANC_OK && h.nparams > 0 && h.nruns > 0 && H5Lexists(h.f, "run_status", H5P_DEFAULT) > 0)
        rc = exp_runs(&x, &h, &r->rows, e);
    if (rc == SANC_OK) {
        /* into place: an existing folder (--force) is moved aside first */
        char old[4200] = "";
        if (stat(r->dir, &st) == 0) {
            if (!exp_only_files(r->dir)) {
                rc = err_set(e, SANC_EEXIST, "%s: holds folders; not replacing it", r->dir);
            } else {
                snprintf(old, sizeof old, "%s.old.XXXXXX", r->dir);
                if (mkdtemp(old) == NULL || rename(r->dir, old) != 0) {
                    rc = err_set(e, SANC_EIO, "%s: cannot move the old folder aside: %s", r->dir, strerror(errno));
                    if (old[0])
                        rmdir(old);
                    old[0] = '\0';
                }
            }
        }
        if (rc == SANC_OK && rename(x.tmp, r->dir) != 0) {
            rc = err_set(e, SANC_EIO, "%s: cannot rename %s: %s", r->dir, x.tmp, strerror(errno));
            if (old[0])
                rename(old, r->dir);
            old[0] = '\0';
        }
        if (rc == SANC_OK) {
            r->nfiles = x.nfile;
            for (int i = 0; i < x.nfile; i++)
                free(x.file[i]);
            x.nfile = 0;
            x.tmp[0] = '\0';
        }
        if (old[0])
            exp_remove_files_dir(old); /* the replaced export */
    }
    exp_cleanup(&x);
    free(grp);
    free(sel);
    h5r_close(&h);
    return rc;
}
