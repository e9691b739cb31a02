/*
 * world.c - allocation of a run's state and the output-variable registry.
 *
 * world_init sizes every array from the scenario and fills period 0, the
 * baseline: openness 1, flows X0, every hat 1.  Modules then add their own
 * outputs and dimension labels in their init functions.
 */
#include "world.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static double *world_alloc(size_t n, int *fail)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    if (p == NULL)
        *fail = 1;
    return p;
}

/* For arrays world_init fills whole: no zeroing first (a sweep makes a
 * world per run). */
static double *world_alloc_raw(size_t n, int *fail)
{
    double *p = malloc((n ? n : 1) * sizeof *p);
    if (p == NULL)
        *fail = 1;
    return p;
}

static void world_fill(double *p, size_t n, double v)
{
    for (size_t i = 0; i < n; i++)
        p[i] = v;
}

int world_init(world *w, const scenario *sc, errbuf *e)
{
    memset(w, 0, sizeof *w);
    w->sc = sc;
    w->nc = sc->nc;
    w->ns = sc->ns;
    w->T = sc->periods;
    w->country = sc->country;
    w->sector = sc->sector;
    w->X0 = sc->data->trade.X;

    size_t nc = (size_t)w->nc, ns = (size_t)w->ns;
    size_t n3 = nc * nc * ns, n2 = nc * nc, nk = nc * ns;
    int fail = 0;
    w->out.time_days = world_alloc_raw((size_t)w->T, &fail);
    w->Y0 = world_alloc(nc, &fail);
    w->E0 = world_alloc(nc, &fail);
    w->D0 = world_alloc(nc, &fail);
    w->shock_logphi = world_alloc(n3, &fail);
    w->route_logM = world_alloc(n3, &fail);
    w->pay_logw = world_alloc(n2, &fail);
    w->noise_logphi = world_alloc(n2, &fail);
    w->phi = world_alloc_raw(n3, &fail);
    w->phi_prev = world_alloc_raw(n3, &fail);
    w->X = world_alloc_raw(n3, &fail);
    w->X_prev = world_alloc_raw(n3, &fail);
    w->phat = world_alloc_raw(nk, &fail);
    w->Phat = world_alloc_raw(nk, &fail);
    w->D = world_alloc_raw(nc, &fail);
    w->Y = world_alloc_raw(nc, &fail);
    w->E = world_alloc_raw(nc, &fail);
    w->welfare = world_alloc_raw(nc, &fail);
    w->price_index = world_alloc_raw(nc, &fail);
    w->exports = world_alloc(nc, &fail);
    w->imports = world_alloc(nc, &fail);
    w->transfers = world_alloc(n2, &fail);
    if (sc->revenue_events) {
        w->ev_tariff = world_alloc(n3, &fail);
        w->ev_export_tax = world_alloc(n3, &fail);
        w->ev_tariff_level = world_alloc(n3, &fail);
        if (!fail)
            world_fill(w->ev_tariff_level, n3, NAN);
    }
    if (fail) {
        world_destroy(w);
        return err_set(e, SANC_ENOMEM, "out of memory allocating a world of %d countries x %d sectors",
                       w->nc, w->ns);
    }

    /* Period t starts step_months * t months after the start; days since
     * the start computed on the proleptic Gregorian calendar, which the
     * files declare (calendar = "proleptic_gregorian"; CF "standard" would
     * switch to Julian before 1582-10-15). */
    for (int t = 0; t < w->T; t++) {
        long m0 = (long)sc->start_year * 12 + (sc->start_month - 1);
        long m = m0 + (long)t * sc->step_months;
        long y = m / 12, mo = m % 12 + 1;
        /* days from civil (Howard Hinnant's algorithm) */
        long yy = y - (mo <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
        long yoe = yy - era * 400;
        long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        long days = era * 146097 + doe;
        w->out.time_days[t] = (double)days; /* absolute until rebased below */
    }
    for (int t = w->T - 1; t >= 0; t--)
        w->out.time_days[t] -= w->out.time_days[0];

    for (size_t i = 0; i < nc; i++)
        for (size_t j = 0; j < nc; j++)
            for (size_t k = 0; k < ns; k++) {
                double x = w->X0[(i * nc + j) * ns + k];
                w->Y0[i] += x;
                w->E0[j] += x;
            }
    for (size_t i = 0; i < nc; i++) {
        w->D0[i] = w->E0[i] - w->Y0[i];
        w->D[i] = w->D0[i];
        w->Y[i] = w->Y0[i];
        w->E[i] = w->E0[i];
        w->welfare[i] = 1.0;
        w->price_index[i] = 1.0;
    }
    world_fill(w->phi, n3, 1.0);
    world_fill(w->phi_prev, n3, 1.0);
    memcpy(w->X, w->X0, n3 * sizeof *w->X);
    memcpy(w->X_prev, w->X0, n3 * sizeof *w->X);
    world_fill(w->phat, nk, 1.0);
    world_fill(w->Phat, nk, 1.0);
    for (size_t i = 0; i < nc; i++)
        for (size_t j = 0; j < nc; j++) {
            if (i == j)
                continue;
            for (size_t k = 0; k < ns; k++) {
                double x = w->X0[(i * nc + j) * ns + k];
                w->exports[i] += x;
                w->imports[j] += x;
            }
        }

    w->out.dim_n[DIM_COUNTRY] = w->out.dim_n[DIM_PARTNER] = w->nc;
    w->out.dim_n[DIM_EXPORTER] = w->out.dim_n[DIM_IMPORTER] = w->nc;
    w->out.dim_labels[DIM_COUNTRY] = w->out.dim_labels[DIM_PARTNER] = sc->country;
    w->out.dim_labels[DIM_EXPORTER] = w->out.dim_labels[DIM_IMPORTER] = sc->country;
    w->out.dim_n[DIM_SECTOR] = w->ns;
    w->out.dim_labels[DIM_SECTOR] = sc->sector;
    w->out.dim_n[DIM_TIME] = w->T;
    w->out.T = w->T;
    w->out.start_year = sc->start_year;
    w->out.start_month = sc->start_month;
    w->out.units = sc->units;
    return SANC_OK;
}

void world_destroy(world *w)
{
    double **arrays[] = {
        &w->out.time_days, &w->Y0, &w->E0, &w->D0, &w->shock_logphi, &w->route_logM, &w->pay_logw,
        &w->noise_logphi, &w->phi, &w->phi_prev, &w->X, &w->X_prev, &w->phat, &w->Phat, &w->D, &w->Y, &w->E,
        &w->welfare, &w->price_index, &w->exports, &w->imports, &w->transfers, &w->ev_tariff,
        &w->ev_export_tax, &w->ev_tariff_level, &w->X0_own,
    };
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        free(*arrays[i]);
        *arrays[i] = NULL;
    }
    free(w->fee0_redo);
    w->fee0_redo = NULL;
    w->out.nvars = 0;
    w->out.ncols = 0;
}

int world_rebase(world *w, const double *X, const double *E, const double *D, errbuf *e)
{
    size_t nc = (size_t)w->nc, ns = (size_t)w->ns, n3 = nc * nc * ns;
    if (X != w->X0) {
        if (w->X0_own == NULL && (w->X0_own = malloc(n3 * sizeof *w->X0_own)) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        memcpy(w->X0_own, X, n3 * sizeof *X);
        w->X0 = w->X0_own;
    }
    memcpy(w->X, w->X0, n3 * sizeof *w->X);
    memcpy(w->X_prev, w->X0, n3 * sizeof *w->X);
    for (size_t i = 0; i < nc; i++) {
        w->Y0[i] = 0.0;
        w->exports[i] = w->imports[i] = 0.0;
    }
    for (size_t i = 0; i < nc; i++)
        for (size_t j = 0; j < nc; j++)
            for (size_t k = 0; k < ns; k++) {
                double x = w->X0[(i * nc + j) * ns + k];
                w->Y0[i] += x;
                if (i != j) {
                    w->exports[i] += x;
                    w->imports[j] += x;
                }
            }
    for (size_t i = 0; i < nc; i++) {
        w->E0[i] = E[i];
        w->D0[i] = D[i];
        w->D[i] = D[i];
        w->Y[i] = w->Y0[i];
        w->E[i] = E[i];
    }
    return SANC_OK;
}

int world_add_var(world *w, const schema_var *v, errbuf *e)
{
    if (w->out.nvars >= SCHEMA_MAX_VARS)
        return err_set(e, SANC_EINTERNAL, "too many output variables (max %d)", SCHEMA_MAX_VARS);
    if (v->ndims < 0 || v->ndims > 3)
        return err_set(e, SANC_EINTERNAL, "variable %s: bad rank %d", v->name, v->ndims);
    for (int i = 0; i < w->out.nvars; i++)
        if (strcmp(w->out.vars[i].name, v->name) == 0)
            return err_set(e, SANC_EINTERNAL, "variable %s registered twice", v->name);
    w->out.vars[w->out.nvars++] = *v;
    return SANC_OK;
}

int world_add_col(world *w, const schema_col *c, errbuf *e)
{
    if (w->out.ncols >= SCHEMA_MAX_COLS)
        return err_set(e, SANC_EINTERNAL, "too many table columns (max %d)", SCHEMA_MAX_COLS);
    if (c->dim <= DIM_TIME || c->dim >= DIM_COUNT)
        return err_set(e, SANC_EINTERNAL, "column %s: bad dimension %d", c->name, c->dim);
    w->out.cols[w->out.ncols++] = *c;
    return SANC_OK;
}

int world_keeps(const world *w, const char *name)
{
    if (w->keep == NULL)
        return 1;
    for (int i = 0; i < w->nkeep; i++)
        if (strcmp(w->keep[i], name) == 0)
            return 1;
    return 0;
}

void world_set_dim(world *w, int dim, int n, char *const *labels)
{
    w->out.dim_n[dim] = n;
    w->out.dim_labels[dim] = labels;
}

void world_begin_period(world *w, int t)
{
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    w->t = t;
    memcpy(w->phi_prev, w->phi, n3 * sizeof *w->phi);
    memcpy(w->X_prev, w->X, n3 * sizeof *w->X);
}
