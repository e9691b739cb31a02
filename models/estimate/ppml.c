/*
 * ppml.c - PPML with high-dimensional fixed effects by IRLS (see ppml.h).
 *
 * The story of one fit (ppml__run):
 *   1. ppml__drops: singletons and separated observations out, in rounds;
 *   2. ppml__compact: the observations left, with group ids renumbered to
 *      the groups that still have observations (so every group has weight);
 *   3. ppml__irls: the IRLS loop; each step calls ppml__partial on the
 *      working outcome and on every regressor, then solves the k x k
 *      weighted least squares (ppml__chol, which also finds collinear
 *      regressors);
 *   4. ppml__vcov: the sandwich.
 *
 * Partialling out.  For weights w, let Q_d = I - P_d, where P_d replaces a
 * vector by its w-weighted means within the groups of fixed effect d.  The
 * symmetric Kaczmarz sweep T = Q_1 Q_2 ... Q_m ... Q_2 Q_1 is self-adjoint
 * and positive semi-definite in the w-inner product, and its fixed points
 * are the vectors orthogonal to every fixed effect.  Write v = c + r with c
 * in the span of the fixed effects and r orthogonal to it; then (I - T) c =
 * (I - T) v, and conjugate gradients on that system (in the w-inner
 * product, started from the previous step's c) give c and r = v - c; one
 * CG step costs one sweep (2m - 1 projections).  Plain alternating
 * projections (r <- T r) are what CG accelerates.  CG stops when its
 * residual is below the inner tolerance times the norm of r (or 1e-13 of
 * the norm of v, for a variable the fixed effects absorb).
 */
#include "ppml.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "rng.h"

#define PPML__TOL_DEFAULT 1e-10
#define PPML__MAXITER_DEFAULT 1000
#define PPML__MAXINNER_DEFAULT 50000
#define PPML__ITOL_START 1e-4
#define PPML__ITOL_FINAL 1e-12
#define PPML__COLLINEAR 1e-9 /* partialled-out norm / own norm */
#define PPML__CG_FLOOR 1e-13 /* CG residual / norm of the variable */
#define PPML__NEAR_ZERO 1e-8 /* fitted mean / mean outcome: "separated?" */

/* ------------------------------------------------------------------ */
/* the sample after the drops, compacted                               */

typedef struct ppml__data {
    int m, k, nfe;
    double *y;             /* m */
    double *x;             /* k*m, column j at x + j*m */
    double *fw;            /* m frequency weights, or NULL (all 1) */
    double *mu0;           /* m starting means, or NULL (the default start) */
    int *g[PPML_MAX_FE];   /* m group ids */
    int L[PPML_MAX_FE];    /* groups with observations */
    int *cl;               /* m cluster ids, or NULL */
    int G;
} ppml__data;

static void ppml__data_free(ppml__data *D)
{
    free(D->y);
    free(D->x);
    free(D->fw);
    free(D->mu0);
    for (int d = 0; d < PPML_MAX_FE; d++)
        free(D->g[d]);
    free(D->cl);
    memset(D, 0, sizeof *D);
}

/* Drop singletons and separated observations from act (n flags, 1 = in),
 * in rounds until a round drops nothing.  g[d] are the n group ids of
 * fixed effect d (nfe >= 1). */
static int ppml__drops(const ppml_problem *p, const int *const *g, const int *L, int nfe, unsigned char *act,
                       int *nsing, int *nsep, errbuf *e)
{
    int maxL = 1;
    for (int d = 0; d < nfe; d++)
        if (L[d] > maxL)
            maxL = L[d];
    int *cnt = malloc(sizeof *cnt * (size_t)maxL);
    double *ys = malloc(sizeof *ys * (size_t)maxL);
    unsigned char *hit = calloc((size_t)p->n, 1);
    if (cnt == NULL || ys == NULL || hit == NULL) {
        free(cnt);
        free(ys);
        free(hit);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    *nsing = *nsep = 0;
    for (;;) {
        int dropped = 0;
        /* singletons: alone in a group of some fixed effect */
        for (int d = 0; d < nfe; d++) {
            memset(cnt, 0, sizeof *cnt * (size_t)L[d]);
            for (int i = 0; i < p->n; i++)
                if (act[i])
                    cnt[g[d][i]]++;
            for (int i = 0; i < p->n; i++)
                if (act[i] && cnt[g[d][i]] == 1)
                    hit[i] = 1;
        }
        for (int i = 0; i < p->n; i++)
            if (hit[i]) {
                hit[i] = act[i] = 0;
                (*nsing)++;
                dropped++;
            }
        /* separated: every observation of a group has y = 0 */
        for (int d = 0; d < nfe; d++) {
            memset(ys, 0, sizeof *ys * (size_t)L[d]);
            for (int i = 0; i < p->n; i++)
                if (act[i])
                    ys[g[d][i]] += p->y[i];
            for (int i = 0; i < p->n; i++)
                if (act[i] && ys[g[d][i]] == 0.0)
                    hit[i] = 1;
        }
        for (int i = 0; i < p->n; i++)
            if (hit[i]) {
                hit[i] = act[i] = 0;
                (*nsep)++;
                dropped++;
            }
        if (dropped == 0)
            break;
    }
    free(cnt);
    free(ys);
    free(hit);
    return SANC_OK;
}

/* Renumber ids of the active observations to 0..*count-1 in order of first
 * appearance into out (m values). */
static int ppml__renumber(const int *id, int levels, const unsigned char *act, int n, int *out, int *count)
{
    int *map = malloc(sizeof *map * (size_t)(levels > 0 ? levels : 1));
    if (map == NULL)
        return -1;
    for (int l = 0; l < levels; l++)
        map[l] = -1;
    int next = 0, m = 0;
    for (int i = 0; i < n; i++)
        if (act[i]) {
            int l = id != NULL ? id[i] : 0;
            if (map[l] < 0)
                map[l] = next++;
            out[m++] = map[l];
        }
    free(map);
    *count = next;
    return 0;
}

static int ppml__compact(const ppml_problem *p, const int *const *g, const int *L, int nfe, const double *fw,
                         const double *start, const unsigned char *act, const int *cluster, int nclusters,
                         ppml__data *D, errbuf *e)
{
    memset(D, 0, sizeof *D);
    int m = 0;
    for (int i = 0; i < p->n; i++)
        m += act[i] != 0;
    D->m = m;
    D->k = p->k;
    D->nfe = nfe;
    size_t mm = (size_t)(m > 0 ? m : 1);
    D->y = malloc(sizeof *D->y * mm);
    D->x = malloc(sizeof *D->x * mm * (size_t)p->k);
    D->fw = fw != NULL ? malloc(sizeof *D->fw * mm) : NULL;
    D->cl = cluster != NULL ? malloc(sizeof *D->cl * mm) : NULL;
    D->mu0 = start != NULL ? malloc(sizeof *D->mu0 * mm) : NULL;
    int bad = D->y == NULL || D->x == NULL || (fw != NULL && D->fw == NULL) || (cluster != NULL && D->cl == NULL) ||
              (start != NULL && D->mu0 == NULL);
    for (int d = 0; d < nfe && !bad; d++)
        bad = (D->g[d] = malloc(sizeof *D->g[d] * mm)) == NULL ||
              ppml__renumber(g[d], L[d], act, p->n, D->g[d], &D->L[d]) < 0;
    if (!bad && cluster != NULL)
        bad = ppml__renumber(cluster, nclusters, act, p->n, D->cl, &D->G) < 0;
    if (bad) {
        ppml__data_free(D);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (int i = 0, r = 0; i < p->n; i++)
        if (act[i]) {
            D->y[r] = p->y[i];
            for (int j = 0; j < p->k; j++)
                D->x[(size_t)j * mm + (size_t)r] = p->x[j][i];
            if (fw != NULL)
                D->fw[r] = fw[i];
            if (start != NULL)
                D->mu0[r] = start[i];
            r++;
        }
    return SANC_OK;
}

/* ------------------------------------------------------------------ */
/* partialling out                                                     */

typedef struct ppml__ws {
    const ppml__data *D;
    int max_inner;
    double *w;                  /* m IRLS weights (fw * mu) */
    double *winv[PPML_MAX_FE];  /* 1 / weight of each group */
    double *gsum;               /* scratch, max L */
    double *res, *p, *t;        /* CG scratch, m each */
} ppml__ws;

static void ppml__ws_free(ppml__ws *ws)
{
    free(ws->w);
    for (int d = 0; d < PPML_MAX_FE; d++)
        free(ws->winv[d]);
    free(ws->gsum);
    free(ws->res);
    free(ws->p);
    free(ws->t);
    memset(ws, 0, sizeof *ws);
}

static int ppml__ws_init(ppml__ws *ws, const ppml__data *D, int max_inner)
{
    memset(ws, 0, sizeof *ws);
    ws->D = D;
    ws->max_inner = max_inner;
    size_t mm = (size_t)(D->m > 0 ? D->m : 1);
    int maxL = 1;
    for (int d = 0; d < D->nfe; d++) {
        if (D->L[d] > maxL)
            maxL = D->L[d];
        if ((ws->winv[d] = malloc(sizeof *ws->winv[d] * (size_t)(D->L[d] > 0 ? D->L[d] : 1))) == NULL)
            return -1;
    }
    ws->w = malloc(sizeof *ws->w * mm);
    ws->gsum = malloc(sizeof *ws->gsum * (size_t)maxL);
    ws->res = malloc(sizeof *ws->res * mm);
    ws->p = malloc(sizeof *ws->p * mm);
    ws->t = malloc(sizeof *ws->t * mm);
    return ws->w && ws->gsum && ws->res && ws->p && ws->t ? 0 : -1;
}

/* Group weights for the current w. */
static void ppml__ws_weights(ppml__ws *ws)
{
    const ppml__data *D = ws->D;
    for (int d = 0; d < D->nfe; d++) {
        double *s = ws->winv[d];
        const int *g = D->g[d];
        memset(s, 0, sizeof *s * (size_t)D->L[d]);
        for (int i = 0; i < D->m; i++)
            s[g[i]] += ws->w[i];
        for (int l = 0; l < D->L[d]; l++)
            s[l] = 1.0 / s[l];
    }
}

static double ppml__dotw(const double *w, const double *a, const double *b, int m)
{
    double s = 0;
    for (int i = 0; i < m; i++)
        s += w[i] * a[i] * b[i];
    return s;
}

/* v <- Q_d v: subtract the weighted group means of fixed effect d. */
static void ppml__project(ppml__ws *ws, int d, double *v)
{
    const ppml__data *D = ws->D;
    const int *g = D->g[d];
    const double *w = ws->w, *inv = ws->winv[d];
    double *s = ws->gsum;
    memset(s, 0, sizeof *s * (size_t)D->L[d]);
    for (int i = 0; i < D->m; i++)
        s[g[i]] += w[i] * v[i];
    for (int l = 0; l < D->L[d]; l++)
        s[l] *= inv[l];
    for (int i = 0; i < D->m; i++)
        v[i] -= s[g[i]];
}

/* v <- T v, the symmetric sweep Q_1 ... Q_m ... Q_1. */
static void ppml__sweep(ppml__ws *ws, double *v)
{
    int nfe = ws->D->nfe;
    for (int d = 0; d < nfe; d++)
        ppml__project(ws, d, v);
    for (int d = nfe - 2; d >= 0; d--)
        ppml__project(ws, d, v);
}

/* out = v - c with c the fixed-effect component of v (in/out: warm start).
 * Returns the CG steps taken, or -1 when max_inner did not suffice. */
static int ppml__partial(ppml__ws *ws, const double *v, double *c, double *out, double itol)
{
    const int m = ws->D->m;
    const double *w = ws->w;
    double *res = ws->res, *p = ws->p, *t = ws->t;
    for (int i = 0; i < m; i++)
        out[i] = v[i] - c[i];
    if (ws->D->nfe == 1) {
        /* one fixed effect: a single projection is exact */
        ppml__project(ws, 0, out);
        for (int i = 0; i < m; i++)
            c[i] = v[i] - out[i];
        return 1;
    }
    double normv = sqrt(ppml__dotw(w, v, v, m));
    memcpy(t, out, sizeof *t * (size_t)m);
    ppml__sweep(ws, t);
    for (int i = 0; i < m; i++)
        p[i] = res[i] = out[i] - t[i];
    double rs = ppml__dotw(w, res, res, m);
    for (int step = 0; step <= ws->max_inner; step++) {
        double rn = sqrt(rs);
        if (rn <= itol * sqrt(ppml__dotw(w, out, out, m)) || rn <= PPML__CG_FLOOR * normv)
            return step;
        memcpy(t, p, sizeof *t * (size_t)m);
        ppml__sweep(ws, t);
        for (int i = 0; i < m; i++)
            t[i] = p[i] - t[i]; /* (I - T) p */
        double pap = ppml__dotw(w, p, t, m);
        if (!(pap > 0))
            return step; /* nothing left to gain in floating point */
        double alpha = rs / pap;
        for (int i = 0; i < m; i++) {
            out[i] -= alpha * p[i];
            c[i] += alpha * p[i];
            res[i] -= alpha * t[i];
        }
        double rs_new = ppml__dotw(w, res, res, m);
        double beta = rs_new / rs;
        for (int i = 0; i < m; i++)
            p[i] = res[i] + beta * p[i];
        rs = rs_new;
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* small dense algebra                                                 */

/* Cholesky A = R'R in place (upper triangle of a, k x k row-major).  A
 * pivot below PPML__COLLINEAR^2 of its diagonal marks regressor j as
 * collinear with those before it: returns j, else -1. */
static int ppml__chol(double *a, int k)
{
    for (int j = 0; j < k; j++) {
        double diag = a[j * k + j];
        double d = diag;
        for (int l = 0; l < j; l++)
            d -= a[l * k + j] * a[l * k + j];
        if (!(d > PPML__COLLINEAR * PPML__COLLINEAR * diag) || !(diag > 0))
            return j;
        double r = sqrt(d);
        a[j * k + j] = r;
        for (int c = j + 1; c < k; c++) {
            double s = a[j * k + c];
            for (int l = 0; l < j; l++)
                s -= a[l * k + j] * a[l * k + c];
            a[j * k + c] = s / r;
        }
    }
    return -1;
}

/* Solve R'R x = b (R from ppml__chol) in place. */
static void ppml__chol_solve(const double *R, int k, double *b)
{
    for (int j = 0; j < k; j++) {
        double s = b[j];
        for (int l = 0; l < j; l++)
            s -= R[l * k + j] * b[l];
        b[j] = s / R[j * k + j];
    }
    for (int j = k - 1; j >= 0; j--) {
        double s = b[j];
        for (int l = j + 1; l < k; l++)
            s -= R[j * k + l] * b[l];
        b[j] = s / R[j * k + j];
    }
}

/* ------------------------------------------------------------------ */
/* IRLS                                                                */

typedef struct ppml__out {
    double *beta, *vcov;   /* k, k*k (vcov may be NULL: not wanted) */
    double *mu;            /* m fitted means (may be NULL) */
    int iterations;
    double deviance;
    int culprit;
} ppml__out;

static double ppml__deviance(const ppml__data *D, const double *mu)
{
    double dev = 0;
    for (int i = 0; i < D->m; i++) {
        double y = D->y[i], term = y > 0 ? y * log(y / mu[i]) - (y - mu[i]) : mu[i];
        dev += (D->fw != NULL ? D->fw[i] : 1.0) * term;
    }
    return 2 * dev;
}

/* The sandwich from the last step: xt partialled regressors (k*m), e the
 * WLS residuals, bread = inverse of X~'WX~ (k*k). */
static int ppml__vcov(const ppml__data *D, const ppml__ws *ws, const double *xt, const double *e, const double *R,
                      double *V, errbuf *err)
{
    const int m = D->m, k = D->k;
    double *meat = calloc((size_t)k * (size_t)k, sizeof *meat);
    double *bread = malloc(sizeof *bread * (size_t)k * (size_t)k);
    double *s = NULL;
    if (meat == NULL || bread == NULL) {
        free(meat);
        free(bread);
        return err_set(err, SANC_ENOMEM, "out of memory");
    }
    double factor;
    if (D->cl != NULL) {
        s = calloc((size_t)D->G * (size_t)k, sizeof *s);
        if (s == NULL) {
            free(meat);
            free(bread);
            return err_set(err, SANC_ENOMEM, "out of memory");
        }
        for (int j = 0; j < k; j++)
            for (int i = 0; i < m; i++)
                s[(size_t)D->cl[i] * (size_t)k + (size_t)j] += ws->w[i] * e[i] * xt[(size_t)j * (size_t)m + (size_t)i];
        for (int g = 0; g < D->G; g++)
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                    meat[a * k + b] += s[(size_t)g * (size_t)k + (size_t)a] * s[(size_t)g * (size_t)k + (size_t)b];
        factor = D->G > 1 ? (double)D->G / (double)(D->G - 1) : NAN;
    } else {
        double N = 0;
        for (int i = 0; i < m; i++) {
            double f = D->fw != NULL ? D->fw[i] : 1.0, u = ws->w[i] * e[i];
            N += f;
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                    meat[a * k + b] += u * u / f * xt[(size_t)a * (size_t)m + (size_t)i] *
                                       xt[(size_t)b * (size_t)m + (size_t)i];
        }
        factor = N > 1 ? N / (N - 1) : NAN;
    }
    /* bread = (R'R)^-1, column by column */
    for (int c = 0; c < k; c++) {
        double *col = V; /* V as scratch for one column */
        for (int j = 0; j < k; j++)
            col[j] = j == c;
        ppml__chol_solve(R, k, col);
        for (int j = 0; j < k; j++)
            bread[j * k + c] = col[j];
    }
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double v = 0;
            for (int c = 0; c < k; c++)
                for (int d = 0; d < k; d++)
                    v += bread[a * k + c] * meat[c * k + d] * bread[d * k + b];
            V[a * k + b] = v * factor;
        }
    free(s);
    free(meat);
    free(bread);
    return SANC_OK;
}

static int ppml__irls(const ppml__data *D, const ppml_opts *o, const char *const *xname, ppml__out *out, errbuf *e)
{
    const int m = D->m, k = D->k;
    const size_t mm = (size_t)m;
    double tol = o != NULL && o->tolerance > 0 ? o->tolerance : PPML__TOL_DEFAULT;
    int max_iter = o != NULL && o->max_iter > 0 ? o->max_iter : PPML__MAXITER_DEFAULT;
    int max_inner = o != NULL && o->max_inner > 0 ? o->max_inner : PPML__MAXINNER_DEFAULT;
    out->culprit = -1;

    ppml__ws ws;
    double *mu = calloc(mm, sizeof *mu), *eta = malloc(sizeof *eta * mm), *z = malloc(sizeof *z * mm);
    double *comp = calloc(mm * (size_t)(k + 1), sizeof *comp); /* FE components: x_0..x_k-1, z */
    double *vt = malloc(sizeof *vt * mm * (size_t)(k + 1));     /* partialled: x~ then z~ */
    double *A = malloc(sizeof *A * (size_t)(k * k)), *b = malloc(sizeof *b * (size_t)k);
    int rc = SANC_OK;
    if (ppml__ws_init(&ws, D, max_inner) < 0 || !mu || !eta || !z || !comp || !vt || !A || !b) {
        rc = err_set(e, SANC_ENOMEM, "out of memory");
        goto done;
    }
    double *zt = vt + mm * (size_t)k, *zc = comp + mm * (size_t)k;

    double sw = 0, swy = 0;
    for (int i = 0; i < m; i++) {
        double f = D->fw != NULL ? D->fw[i] : 1.0;
        sw += f;
        swy += f * D->y[i];
    }
    double ybar = swy / sw;
    /* ppmlhdfe's start, or the caller's (a bootstrap replicate starts from
     * the full sample's fit) when every value is usable */
    int warm = D->mu0 != NULL;
    for (int i = 0; i < m && warm; i++)
        warm = D->mu0[i] > 0 && isfinite(D->mu0[i]);
    for (int i = 0; i < m; i++) {
        mu[i] = warm ? D->mu0[i] : 0.5 * (D->y[i] + ybar);
        eta[i] = log(mu[i]);
    }
    double dev_old = ppml__deviance(D, mu), itol = PPML__ITOL_START;
    int converged = 0, iter;
    for (iter = 1; iter <= max_iter; iter++) {
        for (int i = 0; i < m; i++) {
            ws.w[i] = (D->fw != NULL ? D->fw[i] : 1.0) * mu[i];
            z[i] = eta[i] + (D->y[i] - mu[i]) / mu[i];
        }
        ppml__ws_weights(&ws);
        /* the regressors: precisely on the first step, where collinearity
         * with the fixed effects is judged */
        for (int j = 0; j < k; j++) {
            const double *x = D->x + (size_t)j * mm;
            double *xt = vt + (size_t)j * mm;
            if (ppml__partial(&ws, x, comp + (size_t)j * mm, xt, iter == 1 ? PPML__ITOL_FINAL : itol) < 0) {
                rc = err_set(e, SANC_ENOCONV, "partialling the fixed effects out of '%s' did not converge in %d steps",
                             xname[j], max_inner);
                goto done;
            }
            if (iter == 1) {
                double own = sqrt(ppml__dotw(ws.w, x, x, m)), left = sqrt(ppml__dotw(ws.w, xt, xt, m));
                if (!(left > PPML__COLLINEAR * own)) {
                    out->culprit = j;
                    rc = err_set(e, SANC_EDATA,
                                 "regressor '%s' is collinear with the fixed effects (its partialled-out norm is "
                                 "%.3g of its own; the limit is %g)",
                                 xname[j], own > 0 ? left / own : 0.0, PPML__COLLINEAR);
                    goto done;
                }
            }
        }
        if (ppml__partial(&ws, z, zc, zt, itol) < 0) {
            rc = err_set(e, SANC_ENOCONV,
                         "partialling the fixed effects out of the working outcome did not converge in %d steps",
                         max_inner);
            goto done;
        }
        for (int a = 0; a < k; a++) {
            const double *xa = vt + (size_t)a * mm;
            for (int c = a; c < k; c++)
                A[a * k + c] = A[c * k + a] = ppml__dotw(ws.w, xa, vt + (size_t)c * mm, m);
            b[a] = ppml__dotw(ws.w, xa, zt, m);
        }
        int bad = ppml__chol(A, k);
        if (bad >= 0) {
            out->culprit = bad;
            rc = err_set(e, SANC_EDATA,
                         "regressor '%s' is collinear with the regressors before it and the fixed effects",
                         xname[bad]);
            goto done;
        }
        ppml__chol_solve(A, k, b);
        int finite = 1;
        for (int i = 0; i < m; i++) {
            double r = zt[i];
            for (int j = 0; j < k; j++)
                r -= vt[(size_t)j * mm + (size_t)i] * b[j];
            eta[i] = z[i] - r;
            mu[i] = exp(eta[i]);
            finite &= isfinite(mu[i]) && mu[i] > 0;
        }
        if (!finite) {
            rc = err_set(e, SANC_ENOCONV, "IRLS diverged at step %d (the fitted mean overflowed)", iter);
            goto done;
        }
        double dev = ppml__deviance(D, mu);
        double lo = dev < dev_old ? dev : dev_old;
        double delta = fabs(dev - dev_old) / (lo > 0.1 ? lo : 0.1);
        dev_old = dev;
        memcpy(out->beta, b, sizeof *b * (size_t)k);
        out->deviance = dev;
        if (delta < tol) {
            if (itol <= PPML__ITOL_FINAL) {
                converged = 1;
                break;
            }
            itol = PPML__ITOL_FINAL; /* one more step, partialled precisely */
        } else if (0.1 * delta < itol) {
            itol = 0.1 * delta > PPML__ITOL_FINAL ? 0.1 * delta : PPML__ITOL_FINAL;
        }
    }
    out->iterations = iter > max_iter ? max_iter : iter;
    if (!converged) {
        rc = err_set(e, SANC_ENOCONV, "IRLS did not converge in %d steps (relative change of the deviance still above %g)",
                     max_iter, tol);
        goto done;
    }
    if (out->mu != NULL)
        memcpy(out->mu, mu, sizeof *mu * mm);
    if (out->vcov != NULL) {
        /* WLS residuals of the last step, in z (no longer needed) */
        for (int i = 0; i < m; i++) {
            double r = zt[i];
            for (int j = 0; j < k; j++)
                r -= vt[(size_t)j * mm + (size_t)i] * out->beta[j];
            z[i] = r;
        }
        rc = ppml__vcov(D, &ws, vt, z, A, out->vcov, e);
    }

done:
    ppml__ws_free(&ws);
    free(mu);
    free(eta);
    free(z);
    free(comp);
    free(vt);
    free(A);
    free(b);
    return rc;
}

/* ------------------------------------------------------------------ */
/* one fit                                                             */

/* Fit on the observations with sample[i] (NULL: all) and fw[i] > 0 (NULL:
 * weight 1).  want_vcov fills f->vcov and f->se. */
static int ppml__run(const ppml_problem *p, const ppml_opts *o, const double *fw, const double *start,
                     const unsigned char *sample, const int *cluster, int nclusters, int want_vcov, ppml_fit *f,
                     errbuf *e)
{
    memset(f, 0, sizeof *f);
    f->culprit = -1;
    f->k = p->k;
    const int *g[PPML_MAX_FE];
    int L[PPML_MAX_FE], nfe = p->nfe;
    int *zero = NULL;
    for (int d = 0; d < nfe; d++) {
        g[d] = p->fe[d];
        L[d] = p->fe_levels[d];
    }
    if (nfe == 0) { /* the constant is a fixed effect with one group */
        zero = calloc((size_t)(p->n > 0 ? p->n : 1), sizeof *zero);
        if (zero == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        g[0] = zero;
        L[0] = 1;
        nfe = 1;
    }
    f->used = malloc((size_t)(p->n > 0 ? p->n : 1));
    f->beta = calloc((size_t)p->k, sizeof *f->beta);
    if (want_vcov) {
        f->se = calloc((size_t)p->k, sizeof *f->se);
        f->vcov = calloc((size_t)p->k * (size_t)p->k, sizeof *f->vcov);
        f->mu = malloc(sizeof *f->mu * (size_t)(p->n > 0 ? p->n : 1));
    }
    int rc = SANC_OK;
    ppml__data D;
    memset(&D, 0, sizeof D);
    if (f->used == NULL || f->beta == NULL || (want_vcov && (f->se == NULL || f->vcov == NULL || f->mu == NULL))) {
        rc = err_set(e, SANC_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < p->n; i++)
        f->used[i] = (sample == NULL || sample[i]) && (fw == NULL || fw[i] > 0);
    if ((rc = ppml__drops(p, g, L, nfe, f->used, &f->dropped_singletons, &f->dropped_separated, e)) < 0)
        goto done;
    if ((rc = ppml__compact(p, g, L, nfe, fw, start, f->used, cluster, nclusters, &D, e)) < 0)
        goto done;
    if (D.m == 0) {
        rc = err_set(e, SANC_EDATA,
                     "no observations left after dropping %d singletons and %d observations separated by the fixed "
                     "effects", f->dropped_singletons, f->dropped_separated);
        goto done;
    }
    if (want_vcov && cluster != NULL && D.G < 2) {
        rc = err_set(e, SANC_EDATA, "cluster-robust variance needs at least 2 clusters (the sample has %d)", D.G);
        goto done;
    }
    f->observations = D.m;
    f->nclusters = cluster != NULL ? D.G : 0;
    double *mu = want_vcov ? malloc(sizeof *mu * (size_t)D.m) : NULL;
    if (want_vcov && mu == NULL) {
        rc = err_set(e, SANC_ENOMEM, "out of memory");
        goto done;
    }
    ppml__out out = { f->beta, want_vcov ? f->vcov : NULL, mu, 0, 0.0, -1 };
    rc = ppml__irls(&D, o, p->xname, &out, e);
    if (mu != NULL) {
        double ybar = 0;
        for (int r = 0; r < D.m; r++)
            ybar += D.y[r] / D.m;
        for (int i = 0, r = 0; i < p->n; i++)
            if (f->used[i]) {
                f->near_zero += rc == SANC_OK && D.y[r] == 0 && mu[r] < PPML__NEAR_ZERO * ybar;
                f->mu[i] = mu[r++];
            } else {
                f->mu[i] = NAN;
            }
        free(mu);
    }
    f->culprit = out.culprit;
    f->iterations = out.iterations;
    f->deviance = out.deviance;
    if (rc == SANC_OK && want_vcov)
        for (int j = 0; j < p->k; j++)
            f->se[j] = sqrt(f->vcov[j * p->k + j]);

done:
    ppml__data_free(&D);
    free(zero);
    if (rc != SANC_OK) {
        int culprit = f->culprit;
        ppml_fit_free(f);
        f->culprit = culprit;
    }
    return rc;
}

void ppml_fit_free(ppml_fit *f)
{
    if (f == NULL)
        return;
    free(f->beta);
    free(f->se);
    free(f->vcov);
    free(f->mu);
    free(f->used);
    memset(f, 0, sizeof *f);
    f->culprit = -1;
}

/* Internal consistency of a problem (the caller built it): ids in range. */
static int ppml__check(const ppml_problem *p, const int *cluster, int nclusters, errbuf *e)
{
    if (p->n < 1 || p->k < 1 || p->nfe < 0 || p->nfe > PPML_MAX_FE)
        return err_set(e, SANC_EINTERNAL, "ppml: bad problem (n %d, k %d, %d fixed effects)", p->n, p->k, p->nfe);
    for (int i = 0; i < p->n; i++) {
        if (!(p->y[i] >= 0) || !isfinite(p->y[i]))
            return err_set(e, SANC_EDATA, "outcome of observation %d is %g (must be finite and >= 0)", i + 1,
                           p->y[i]);
        for (int d = 0; d < p->nfe; d++)
            if (p->fe[d][i] < 0 || p->fe[d][i] >= p->fe_levels[d])
                return err_set(e, SANC_EINTERNAL, "ppml: group id out of range");
        if (cluster != NULL && (cluster[i] < 0 || cluster[i] >= nclusters))
            return err_set(e, SANC_EINTERNAL, "ppml: cluster id out of range");
    }
    return SANC_OK;
}

int ppml_estimate(const ppml_problem *p, const ppml_opts *o, ppml_fit *f, errbuf *e)
{
    memset(f, 0, sizeof *f);
    f->culprit = -1;
    int rc = ppml__check(p, p->cluster, p->nclusters, e);
    if (rc != SANC_OK)
        return rc;
    return ppml__run(p, o, NULL, NULL, NULL, p->cluster, p->nclusters, 1, f, e);
}

/* ------------------------------------------------------------------ */
/* bootstrap                                                           */

typedef struct ppml__boot {
    const ppml_problem *p;
    const ppml_opts *o;
    const ppml_boot_opts *b;
    const int *present;   /* the clusters that have sampled observations */
    int npresent;
    double *coef;
    int *status;
    pthread_mutex_t mu;
    int next, done, fatal;
    errbuf fatal_err;
    ppml_boot_result *res;
} ppml__boot;

/* One replicate: draw, weight, fit.  Returns SANC_OK, a fit error (the
 * replicate failed) or SANC_ENOMEM (fatal). */
static int ppml__replicate(ppml__boot *B, int r, int *count, double *fw, errbuf *e)
{
    const ppml_problem *p = B->p;
    const ppml_boot_opts *b = B->b;
    gsl_rng *rng = rng_stream_new((uint64_t)rng_mix32(b->seed) ^ (uint64_t)r, RNG_BOOTSTRAP);
    if (rng == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    memset(count, 0, sizeof *count * (size_t)b->nclusters);
    for (int t = 0; t < B->npresent; t++)
        count[B->present[gsl_rng_uniform_int(rng, (unsigned long)B->npresent)]]++;
    gsl_rng_free(rng);
    for (int i = 0; i < p->n; i++)
        fw[i] = b->sample == NULL || b->sample[i] ? (double)count[b->cluster[i]] : 0.0;
    ppml_fit f;
    int rc = ppml__run(p, B->o, fw, b->start, NULL, NULL, 0, 0, &f, e);
    if (rc == SANC_OK)
        memcpy(B->coef + (size_t)r * (size_t)p->k, f.beta, sizeof *f.beta * (size_t)p->k);
    ppml_fit_free(&f);
    return rc;
}

static void *ppml__boot_worker(void *arg)
{
    ppml__boot *B = arg;
    const ppml_problem *p = B->p;
    int *count = malloc(sizeof *count * (size_t)(B->b->nclusters > 0 ? B->b->nclusters : 1));
    double *fw = malloc(sizeof *fw * (size_t)p->n);
    pthread_mutex_lock(&B->mu);
    if (count == NULL || fw == NULL) {
        B->fatal = 1;
        err_set(&B->fatal_err, SANC_ENOMEM, "out of memory");
    }
    while (!B->fatal && B->next < B->b->replicates) {
        int r = B->next++;
        pthread_mutex_unlock(&B->mu);
        errbuf e;
        err_init(&e);
        int rc = ppml__replicate(B, r, count, fw, &e);
        pthread_mutex_lock(&B->mu);
        if (rc == SANC_ENOMEM) {
            B->fatal = 1;
            err_set(&B->fatal_err, rc, "%s", e.msg);
            break;
        }
        B->status[r] = rc == SANC_OK ? 1 : 2;
        if (rc != SANC_OK) {
            for (int j = 0; j < p->k; j++)
                B->coef[(size_t)r * (size_t)p->k + (size_t)j] = NAN;
            B->res->failed++;
            /* the lowest failed replicate, whatever the thread timing */
            if (B->res->first_failed < 0 || r < B->res->first_failed) {
                B->res->first_failed = r;
                snprintf(B->res->first_failure, sizeof B->res->first_failure, "%.500s", e.msg);
            }
        } else {
            B->res->done++;
        }
        B->done++;
        if (B->b->progress != NULL)
            B->b->progress(B->done, B->b->replicates, B->b->ctx);
    }
    pthread_mutex_unlock(&B->mu);
    free(count);
    free(fw);
    return NULL;
}

int ppml_bootstrap(const ppml_problem *p, const ppml_opts *o, const ppml_boot_opts *b, double *coef,
                   int *status, ppml_boot_result *res, errbuf *e)
{
    memset(res, 0, sizeof *res);
    res->first_failed = -1;
    if (b->replicates < 1)
        return SANC_OK;
    int rc = ppml__check(p, b->cluster, b->nclusters, e);
    if (rc != SANC_OK)
        return rc;
    ppml__boot B;
    memset(&B, 0, sizeof B);
    B.p = p;
    B.o = o;
    B.b = b;
    B.coef = coef;
    B.status = status;
    B.res = res;
    err_init(&B.fatal_err);
    int *present = malloc(sizeof *present * (size_t)(b->nclusters > 0 ? b->nclusters : 1));
    unsigned char *seen = calloc((size_t)(b->nclusters > 0 ? b->nclusters : 1), 1);
    if (present == NULL || seen == NULL) {
        free(present);
        free(seen);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    /* in order of first appearance, so the draws do not depend on how the
     * caller numbered the clusters beyond the data's order */
    for (int i = 0; i < p->n; i++)
        if ((b->sample == NULL || b->sample[i]) && !seen[b->cluster[i]]) {
            seen[b->cluster[i]] = 1;
            present[B.npresent++] = b->cluster[i];
        }
    free(seen);
    B.present = present;
    for (int r = 0; r < b->replicates; r++)
        status[r] = 0;
    if (B.npresent == 0) {
        free(present);
        return err_set(e, SANC_EDATA, "bootstrap: no clusters to draw");
    }
    int jobs = b->jobs > 0 ? b->jobs : 1;
    if (jobs > b->replicates)
        jobs = b->replicates;
    pthread_t *tid = malloc(sizeof *tid * (size_t)jobs);
    if (tid == NULL) {
        free(present);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&B.mu, NULL);
    int started = 0;
    for (; started < jobs - 1; started++)
        if (pthread_create(&tid[started], NULL, ppml__boot_worker, &B) != 0)
            break;
    ppml__boot_worker(&B); /* this thread works too */
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&B.mu);
    free(tid);
    free(present);
    if (B.fatal)
        return err_set(e, B.fatal_err.code, "bootstrap: %s", B.fatal_err.msg);
    return SANC_OK;
}
