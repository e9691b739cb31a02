/*
 * ge_io_model.c - `trade.model = "io"` behind the GE-model ops (ge_model.h):
 * the Caliendo-Parro production network of DESIGN section 2b (ge_io.c) on
 * the data of engine/io/iodata.h.
 *
 * Period 0 is the re-solved baseline (ge_io_baseline_resolve) under the
 * data's tariffs and deficits D' = D (`trade.baseline_deficits = "data"`)
 * or D' = 0 (`"zero"`); every later solve is relative to it, with the
 * deficits of period 0 fixed in levels unless the caller passes others.
 * theta_k = sigma_k - 1 (the scenario defaults sigma to theta + 1 from the
 * data's theta file).  Warm starts: from the last solution (v, c, X).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ge_model.h"
#include "iodata.h"

typedef struct io_model {
    ge_model base;
    int nc, ns, factors, baseline_deficits;
    ge_io *io;
    double *v, *c, *P, *Xk, *Yk, *VA, *I, *R, *Rt, *Rx, *Rf, *D, *S, *w, *rw;
    int solved;
} io_model;

static void iom_destroy(ge_model *gm)
{
    io_model *m = (io_model *)gm;
    if (m == NULL)
        return;
    ge_io_free(m->io);
    double *arr[] = {m->v, m->c, m->P, m->Xk, m->Yk, m->VA, m->I, m->R, m->Rt, m->Rx, m->Rf, m->D, m->S, m->w, m->rw};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
        free(arr[i]);
    free(m);
}

static int iom_create(ge_model **out, const ge_model_spec *s, errbuf *e)
{
    *out = NULL;
    if (s->io == NULL)
        return err_set(e, SANC_ECONFIG,
                       "trade.model = \"io\" needs the production-network data: data.inputs, data.final and "
                       "data.value_added (DESIGN section 2b)");
    const iodata *d = s->io;
    if (d->N != s->nc || d->K != s->ns)
        return err_set(e, SANC_EINTERNAL, "io data of %d x %d for a world of %d x %d", d->N, d->K, s->nc, s->ns);
    io_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->base.ops = &ge_io_model_ops;
    m->nc = s->nc;
    m->ns = s->ns;
    m->factors = s->factors;
    m->baseline_deficits = s->baseline_deficits;
    size_t nc = (size_t)s->nc, ns = (size_t)s->ns, nk = nc * ns, n3 = nk * nc;
    double *theta = calloc(ns, sizeof *theta);
    m->v = calloc(nk, sizeof *m->v);
    m->c = calloc(nk, sizeof *m->c);
    m->P = calloc(nk, sizeof *m->P);
    m->Xk = calloc(nk, sizeof *m->Xk);
    m->Yk = calloc(nk, sizeof *m->Yk);
    m->VA = calloc(nk, sizeof *m->VA);
    m->I = calloc(nc, sizeof *m->I);
    m->R = calloc(nc, sizeof *m->R);
    m->Rt = calloc(nc, sizeof *m->Rt);
    m->Rx = calloc(nc, sizeof *m->Rx);
    m->Rf = calloc(nc, sizeof *m->Rf);
    m->D = calloc(nc, sizeof *m->D);
    m->w = calloc(nc, sizeof *m->w);
    m->rw = calloc(nc, sizeof *m->rw);
    m->S = calloc(n3, sizeof *m->S);
    if (!theta || !m->v || !m->c || !m->P || !m->Xk || !m->Yk || !m->VA || !m->I || !m->R || !m->Rt || !m->Rx ||
        !m->Rf || !m->D || !m->w || !m->rw || !m->S) {
        free(theta);
        iom_destroy(&m->base);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < ns; k++)
        theta[k] = s->sigma[k] - 1.0;
    ge_io_wedges w0 = {d->tariff, NULL, NULL, 0};
    if (s->base != NULL) {
        w0.export_tax = s->base->export_tax;
        w0.fee = s->base->fee;
        w0.nfee = s->base->nfee;
        if (s->base->tariff != NULL) {
            free(theta);
            iom_destroy(&m->base);
            return err_set(e, SANC_EINTERNAL, "io: baseline tariffs come from the data");
        }
    }
    ge_io_data gd = {
        .N = s->nc, .K = s->ns, .M = d->M, .wedges = w0, .IC = d->IC, .FC = d->FC, .VA = d->VA, .D = d->D,
        .theta = theta, .country = s->country, .sector = s->sector,
    };
    ge_io_opts o = {s->factors, s->tol, 500};
    int rc = ge_io_create(&m->io, &gd, &o, NULL, e);
    free(theta);
    if (rc != SANC_OK) {
        iom_destroy(&m->base);
        return rc;
    }
    *out = &m->base;
    return SANC_OK;
}

static void iom_set(double *p, size_t n, double v)
{
    if (p != NULL)
        for (size_t i = 0; i < n; i++)
            p[i] = v;
}

/* Levels of the last solution into o (X, Y, E, revenue, deficits, value added). */
static void iom_levels(const io_model *m, ge_model_out *o)
{
    size_t nc = (size_t)m->nc, ns = (size_t)m->ns;
    memcpy(o->X, m->S, nc * nc * ns * sizeof *o->X);
    for (size_t i = 0; i < nc; i++) {
        double y = 0.0;
        for (size_t k = 0; k < ns; k++)
            y += m->Yk[i * ns + k];
        o->Y[i] = y;
        o->E[i] = m->I[i];
        if (o->revenue)
            o->revenue[i] = m->R[i];
        if (o->rev_tariff)
            o->rev_tariff[i] = m->Rt[i];
        if (o->rev_export_tax)
            o->rev_export_tax[i] = m->Rx[i];
        if (o->rev_fee)
            o->rev_fee[i] = m->Rf[i];
        if (o->deficits)
            o->deficits[i] = m->D[i];
    }
    if (o->value_added)
        memcpy(o->value_added, m->VA, nc * ns * sizeof *o->value_added);
}

static ge_io_result iom_result(io_model *m, ge_model_out *o, int warm)
{
    ge_io_result r = {
        .warm = warm, .v = m->v, .w = m->w, .c = m->c, .P = m->P, .X = m->Xk, .Y = m->Yk, .VA = m->VA,
        .I = m->I, .R = m->R, .R_tariff = m->Rt, .R_export_tax = m->Rx, .R_fee = m->Rf, .D = m->D, .S = m->S,
        .welfare = o->welfare, .price_index = o->price_index, .real_wage = m->rw,
        .tot = o->tot, .vot = o->vot, .tech = o->tech,
    };
    return r;
}

static int iom_baseline(ge_model *gm, ge_model_out *o, double *max_change, errbuf *e)
{
    io_model *m = (io_model *)gm;
    size_t nc = (size_t)m->nc, nk = nc * (size_t)m->ns;
    ge_io_result r = iom_result(m, o, 0);
    r.tot = r.vot = r.tech = NULL;
    int rc = ge_io_baseline_resolve(
        m->io, m->baseline_deficits == GE_IO_DEFICITS_ZERO ? GE_IO_DEFICITS_ZERO : GE_IO_DEFICITS_DATA, &r,
        max_change, e);
    if (rc != SANC_OK)
        return rc;
    iom_levels(m, o);
    /* period 0 relative to itself; the next solve starts from it */
    iom_set(m->v, nk, 1.0);
    iom_set(m->c, nk, 1.0);
    iom_set(o->phat, nk, 1.0);
    iom_set(o->Phat, nk, 1.0);
    iom_set(o->va_price, nk, 1.0);
    iom_set(o->welfare, nc, 1.0);
    iom_set(o->price_index, nc, 1.0);
    iom_set(o->wage, nc, 1.0);
    iom_set(o->real_wage, nc, 1.0);
    iom_set(o->tot, nc, 0.0);
    iom_set(o->vot, nc, 0.0);
    iom_set(o->tech, nc, 0.0);
    o->iterations = r.iterations;
    o->residual = r.residual;
    m->solved = 1;
    return SANC_OK;
}

static int iom_solve(ge_model *gm, const ge_model_in *in, ge_model_out *o, errbuf *e)
{
    io_model *m = (io_model *)gm;
    size_t nc = (size_t)m->nc, nk = nc * (size_t)m->ns;
    ge_io_shock sh = {in->phi, in->wedges, in->D};
    ge_io_result r = iom_result(m, o, in->warm && m->solved);
    int rc = ge_io_solve(m->io, &sh, &r, e);
    if (rc != SANC_OK) {
        m->solved = 0;
        return rc;
    }
    m->solved = 1;
    iom_levels(m, o);
    memcpy(o->phat, m->c, nk * sizeof *o->phat);
    memcpy(o->Phat, m->P, nk * sizeof *o->Phat);
    if (o->va_price)
        memcpy(o->va_price, m->v, nk * sizeof *o->va_price);
    if (o->wage)
        memcpy(o->wage, m->w, nc * sizeof *o->wage);
    if (o->real_wage)
        memcpy(o->real_wage, m->rw, nc * sizeof *o->real_wage);
    o->iterations = r.iterations;
    o->residual = r.residual;
    return SANC_OK;
}

const ge_model_ops ge_io_model_ops = {
    "io", GE_HAS_VA | GE_HAS_WAGE | GE_HAS_CP | GE_HAS_RESOLVE, iom_create, iom_baseline, iom_solve, iom_destroy,
};
