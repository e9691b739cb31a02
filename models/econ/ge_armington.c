/*
 * ge_armington.c - `trade.model = "armington"` behind the GE-model ops
 * (ge_model.h): the endowment economy of DESIGN section 2.
 *
 * Without revenue wedges it is ge.c, called exactly as before the registry
 * existed (results bit for bit the same).  With revenue wedges (a tariff,
 * an export tax or a hub fee anywhere in the run) the expenditure equation
 * of DESIGN 2b applies,
 *   E'_j (1 - sum_k alpha_jk sum_i tau_ijk pi'_ijk) = Y'_j + D_j + R^x_j + R^f_j,
 * with market clearing in seller values.  That is the production-network
 * model of ge_io.c with no inputs (value-added share 1) and sector-specific
 * factors, whose factor price is then the factory-gate price: the nesting
 * check of DESIGN 2b, which test_ge_io holds to 1e-12.  So the revenue case
 * is solved by ge_io on data built from the flows: M = S (1+x0)(1+f0)
 * (buyer values net of tariffs), VA = Y (sales), final demand = E (buyer
 * values), and deficits D = E - Y - R0 so that period 0 (the data) is an
 * equilibrium: nothing is re-solved, period 0 stays the data.
 * `imbalance = "multiplicative"` has no revenue version (exit 2).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ge.h"
#include "ge_model.h"
#include "scenario.h"

typedef struct arm_model {
    ge_model base;
    int nc, ns;
    ge_solver *solver; /* without revenue */
    ge_io *io;         /* with revenue */
    /* ge_io's iterates (warm start) and outputs */
    double *v, *c, *P, *Xk, *Yk, *I, *R, *Rt, *Rx, *Rf, *D, *S;
    int solved;
    /* period 0 (the data) in the revenue case */
    const double *X0;                       /* the caller's flows (kept) */
    double *E0, *D0, *R0t, *R0x, *R0f;      /* nc: spending (buyer values), deficits, revenue */
} arm_model;

static void arm_destroy(ge_model *gm)
{
    arm_model *m = (arm_model *)gm;
    if (m == NULL)
        return;
    ge_solver_free(m->solver);
    ge_io_free(m->io);
    free(m->v);
    free(m->c);
    free(m->P);
    free(m->Xk);
    free(m->Yk);
    free(m->I);
    free(m->R);
    free(m->Rt);
    free(m->Rx);
    free(m->Rf);
    free(m->D);
    free(m->S);
    free(m->E0);
    free(m->D0);
    free(m->R0t);
    free(m->R0x);
    free(m->R0f);
    free(m);
}

/* The revenue case: ge_io with no inputs on the flows of period 0. */
static int arm_create_io(arm_model *m, const ge_model_spec *s, errbuf *e)
{
    size_t nc = (size_t)s->nc, ns = (size_t)s->ns, nk = nc * ns, n3 = nc * nc * ns;
    double *M = calloc(n3, sizeof *M), *IC = calloc(nk * ns, sizeof *IC), *FC = calloc(nk, sizeof *FC);
    double *VA = calloc(nk, sizeof *VA), *D = calloc(nc, sizeof *D), *theta = calloc(ns, sizeof *theta);
    double *t0 = calloc(n3, sizeof *t0), *x0 = calloc(n3, sizeof *x0), *f0 = calloc(n3, sizeof *f0);
    int rc = SANC_OK;
    m->X0 = s->X0;
    m->E0 = calloc(nc, sizeof *m->E0);
    m->D0 = calloc(nc, sizeof *m->D0);
    m->R0t = calloc(nc, sizeof *m->R0t);
    m->R0x = calloc(nc, sizeof *m->R0x);
    m->R0f = calloc(nc, sizeof *m->R0f);
    if (!M || !IC || !FC || !VA || !D || !theta || !t0 || !x0 || !f0 || !m->E0 || !m->D0 || !m->R0t ||
        !m->R0x || !m->R0f) {
        rc = err_set(e, SANC_ENOMEM, "out of memory");
        goto done;
    }
    if (s->base != NULL) {
        for (size_t c = 0; c < n3; c++) {
            t0[c] = s->base->tariff ? s->base->tariff[c] : 0.0;
            x0[c] = s->base->export_tax ? s->base->export_tax[c] : 0.0;
        }
        for (int q = 0; q < s->base->nfee; q++)
            f0[s->base->fee[q].cell] += s->base->fee[q].rate;
    }
    /* D_j = E_j - Y_j - R0_j, with E in buyer values and Y in seller values */
    for (size_t i = 0; i < nc; i++)
        for (size_t j = 0; j < nc; j++)
            for (size_t k = 0; k < ns; k++) {
                size_t c = (i * nc + j) * ns + k;
                double S = s->X0[c];
                M[c] = S * (1.0 + x0[c]) * (1.0 + f0[c]);
                double B = (1.0 + t0[c]) * M[c];
                FC[j * ns + k] += B;
                VA[i * ns + k] += S;
                D[j] += B;     /* spending */
                D[i] -= S;     /* sales */
                D[j] -= B - M[c];                 /* tariff revenue of the importer */
                D[i] -= S * x0[c];                /* export tax of the exporter */
                m->E0[j] += B;
                m->R0t[j] += B - M[c];
                m->R0x[i] += S * x0[c];
            }
    if (s->base != NULL)
        for (int q = 0; q < s->base->nfee; q++) {
            size_t c = s->base->fee[q].cell;
            double f = s->base->fee[q].rate * s->X0[c] * (1.0 + x0[c]);
            D[s->base->fee[q].hub] -= f;
            m->R0f[s->base->fee[q].hub] += f;
        }
    memcpy(m->D0, D, nc * sizeof *D);
    for (size_t k = 0; k < ns; k++)
        theta[k] = s->sigma[k] - 1.0;
    ge_io_data d = {
        .N = s->nc, .K = s->ns, .M = M, .wedges = s->base ? *s->base : (ge_io_wedges){0},
        .IC = IC, .FC = FC, .VA = VA, .D = D, .theta = theta, .country = s->country, .sector = s->sector,
    };
    ge_io_opts o = {GE_IO_SECTOR_SPECIFIC, s->tol, s->max_iter < 2000 ? s->max_iter : 2000};
    rc = ge_io_create(&m->io, &d, &o, NULL, e);
    if (rc == SANC_OK) {
        m->v = calloc(nk, sizeof *m->v);
        m->c = calloc(nk, sizeof *m->c);
        m->P = calloc(nk, sizeof *m->P);
        m->Xk = calloc(nk, sizeof *m->Xk);
        m->Yk = calloc(nk, sizeof *m->Yk);
        m->I = calloc(nc, sizeof *m->I);
        m->R = calloc(nc, sizeof *m->R);
        m->Rt = calloc(nc, sizeof *m->Rt);
        m->Rx = calloc(nc, sizeof *m->Rx);
        m->Rf = calloc(nc, sizeof *m->Rf);
        m->D = calloc(nc, sizeof *m->D);
        m->S = calloc(n3, sizeof *m->S);
        if (!m->v || !m->c || !m->P || !m->Xk || !m->Yk || !m->I || !m->R || !m->Rt || !m->Rx || !m->Rf ||
            !m->D || !m->S)
            rc = err_set(e, SANC_ENOMEM, "out of memory");
    }
done:
    free(M);
    free(IC);
    free(FC);
    free(VA);
    free(D);
    free(theta);
    free(t0);
    free(x0);
    free(f0);
    return rc;
}

static int arm_create(ge_model **out, const ge_model_spec *s, errbuf *e)
{
    *out = NULL;
    arm_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->base.ops = &ge_armington_ops;
    m->nc = s->nc;
    m->ns = s->ns;
    int rc;
    if (s->revenue) {
        if (s->imbalance == IMBALANCE_MULTIPLICATIVE) {
            arm_destroy(&m->base);
            return err_set(e, SANC_ECONFIG,
                           "revenue wedges (tariff, export_tax, hub fee) need trade.imbalance = \"additive\"");
        }
        rc = arm_create_io(m, s, e);
    } else {
        ge_params p = {
            .n = s->nc, .K = s->ns, .X0 = s->X0, .sigma = s->sigma, .imbalance = s->imbalance,
            .tol = s->tol, .max_iter = s->max_iter, .country = s->country, .sector = s->sector,
        };
        rc = ge_solver_create(&m->solver, &p, e);
    }
    if (rc != SANC_OK) {
        arm_destroy(&m->base);
        return rc;
    }
    *out = &m->base;
    return SANC_OK;
}

static void arm_zero(double *p, size_t n)
{
    if (p != NULL)
        memset(p, 0, n * sizeof *p);
}

static void arm_set(double *p, size_t n, double v)
{
    if (p != NULL)
        for (size_t i = 0; i < n; i++)
            p[i] = v;
}

/* Period 0 is the data.  Without revenue wedges o is left untouched (the
 * caller's world already holds the data, bit for bit); with them, o gets
 * period 0's levels in the revenue convention (spending in buyer values,
 * revenue, the deficits that make the data an equilibrium) and hats 1. */
static int arm_baseline(ge_model *gm, ge_model_out *o, double *max_change, errbuf *e)
{
    arm_model *m = (arm_model *)gm;
    (void)e;
    if (max_change)
        *max_change = 0.0;
    if (m->io == NULL)
        return SANC_OK;
    size_t nc = (size_t)m->nc, ns = (size_t)m->ns, nk = nc * ns;
    memcpy(o->X, m->X0, nc * nc * ns * sizeof *o->X);
    for (size_t i = 0; i < nc; i++) {
        double y = 0.0;
        for (size_t j = 0; j < nc; j++)
            for (size_t k = 0; k < ns; k++)
                y += m->X0[(i * nc + j) * ns + k];
        o->Y[i] = y;
        o->E[i] = m->E0[i];
        if (o->revenue)
            o->revenue[i] = m->R0t[i] + m->R0x[i] + m->R0f[i];
        if (o->rev_tariff)
            o->rev_tariff[i] = m->R0t[i];
        if (o->rev_export_tax)
            o->rev_export_tax[i] = m->R0x[i];
        if (o->rev_fee)
            o->rev_fee[i] = m->R0f[i];
        if (o->deficits)
            o->deficits[i] = m->D0[i];
    }
    arm_set(o->phat, nk, 1.0);
    arm_set(o->Phat, nk, 1.0);
    arm_set(o->va_price, nk, 1.0);
    arm_set(o->welfare, nc, 1.0);
    arm_set(o->price_index, nc, 1.0);
    o->iterations = 0;
    o->residual = 0.0;
    return SANC_OK;
}

static int arm_solve(ge_model *gm, const ge_model_in *in, ge_model_out *o, errbuf *e)
{
    arm_model *m = (arm_model *)gm;
    size_t nc = (size_t)m->nc, ns = (size_t)m->ns, nk = nc * ns;
    if (m->io == NULL) {
        ge_result r = {
            .phat = o->phat, .Phat = o->Phat, .X = o->X, .Y = o->Y, .E = o->E,
            .welfare = o->welfare, .price_index = o->price_index,
        };
        int rc = ge_solve(m->solver, in->phi, in->D, &r, e);
        if (rc != SANC_OK)
            return rc;
        o->iterations = r.iterations;
        o->residual = r.residual;
        if (o->va_price)
            memcpy(o->va_price, o->phat, nk * sizeof *o->phat);
        arm_zero(o->revenue, nc);
        arm_zero(o->rev_tariff, nc);
        arm_zero(o->rev_export_tax, nc);
        arm_zero(o->rev_fee, nc);
        if (o->deficits && in->D)
            memcpy(o->deficits, in->D, nc * sizeof *in->D);
        return SANC_OK;
    }
    ge_io_shock sh = {in->phi, in->wedges, in->D};
    ge_io_result r = {
        .warm = in->warm && m->solved, .v = m->v, .c = m->c, .P = m->P, .X = m->Xk, .Y = m->Yk, .I = m->I,
        .R = m->R, .R_tariff = m->Rt, .R_export_tax = m->Rx, .R_fee = m->Rf, .D = m->D, .S = m->S,
        .welfare = o->welfare, .price_index = o->price_index,
    };
    int rc = ge_io_solve(m->io, &sh, &r, e);
    if (rc != SANC_OK) {
        m->solved = 0;
        return rc;
    }
    m->solved = 1;
    o->iterations = r.iterations;
    o->residual = r.residual;
    memcpy(o->X, m->S, nc * nc * ns * sizeof *o->X);
    memcpy(o->phat, m->v, nk * sizeof *o->phat);
    memcpy(o->Phat, m->P, nk * sizeof *o->Phat);
    if (o->va_price)
        memcpy(o->va_price, m->v, nk * sizeof *o->va_price);
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
    return SANC_OK;
}

const ge_model_ops ge_armington_ops = {"armington", 0, arm_create, arm_baseline, arm_solve, arm_destroy};
