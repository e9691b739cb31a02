/*
 * ge.c - the static general-equilibrium core (DESIGN section 2): exact hat
 * algebra of multi-sector Armington-CES structural gravity, solved as a
 * fixed point in log factory-gate prices with Anderson acceleration.
 *
 * Layout of one solve:
 *   1. one pass over the n*n*K cells builds B_ijk = pi_ijk phi_ijk (closing
 *      cells with phi < 1e-12), the graph of open cross-border cells
 *      (union-find), and per-cell supplier / market counts;
 *   2. each connected component is solved on its own (own output total, own
 *      deficit shift, own multiplicative factor c, own Anderson history);
 *   3. one final pass writes the flows and measures the market-clearing
 *      residual from the flows themselves.
 * The only n*n*K array the solver owns is B; everything else is n*K or n.
 *
 * Cell states for (i,k): GE_INACTIVE when Y_ik = 0 (phat = 1, nothing to
 * price), GE_DEAD when Y_ik > 0 but every market of the cell is closed (its
 * output is worthless: phat = 0, the limit of the equilibrium as the last
 * market closes), GE_ACTIVE otherwise (an unknown of the fixed point).
 */
#include "ge.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "scenario.h"

#define GE_CLOSED 1e-12  /* phi below this is a closed cell (DESIGN 2) */
#define GE_AA_DEPTH 12   /* Anderson history length */
#define GE_AA_GROWTH 2.0 /* an accelerated step may grow the step size this much */
/* A column of the Anderson least-squares matrix this close to the span of
 * the others makes the step meaningless: drop the oldest history instead. */
#define GE_AA_RCOND 1e-10
/* Expenditure floor (relative to baseline) used while iterating, so that a
 * transient negative E'_j (additive deficits) cannot produce a log of a
 * negative number; an equilibrium that sits on the floor is reported. */
#define GE_EFLOOR 1e-12
#define GE_POLISH (1.0 / 64)

enum { GE_INACTIVE = 0, GE_ACTIVE = 1, GE_DEAD = 2 };

struct ge_solver {
    ge_params p;
    int n, K;
    size_t nK, nnK;
    /* baseline */
    double *Y0;    /* n*K output Y_ik */
    double *logY0; /* n*K log Y_ik (0 where Y_ik = 0) */
    double *Ek;    /* n*K expenditure E_jk */
    double *alpha; /* n*K E_jk / E_j */
    double *Yc, *Ec; /* n */
    double *B;     /* n*n*K: pi_ijk phi_ijk of the current solve */
    /* per solve */
    unsigned char *state; /* n*K cell state */
    int *root;      /* n union-find parent, then component id */
    int *comp;      /* n union-find root */
    int *members;   /* n countries grouped by component */
    int *cstart;    /* n+1 offsets into members */
    int *cells;     /* n*K active cells of the current component */
    double *x;      /* n*K log phat at the point last evaluated */
    double *t;      /* n*K phat^(1-sigma) */
    double *P;      /* n*K Phat^(1-sigma) */
    double *q;      /* n*K E'_jk / P_jk */
    double *S;      /* n*K sum_j B_ijk q_jk */
    double *Yp;     /* n*K Y'_ik */
    double *D;      /* n deficits after the component shift */
    double *Yn, *En, *Eeff; /* n: Y'_j, E'_j, E'_j as used (floored) */
    double *cfac;   /* n: the multiplicative factor c of j's component */
    /* Anderson work, compact over the active cells of one component */
    double *xv, *gv, *fv, *xn, *gn, *fn; /* n*K each */
    double *dF, *dG; /* GE_AA_DEPTH * n*K */
    double *qr;      /* n*K * GE_AA_DEPTH */
};

static const char *ge_cname(const ge_solver *s, int i, char *buf, size_t len)
{
    if (s->p.country != NULL && s->p.country[i] != NULL)
        return s->p.country[i];
    snprintf(buf, len, "country %d", i);
    return buf;
}

static const char *ge_sname(const ge_solver *s, int k, char *buf, size_t len)
{
    if (s->p.sector != NULL && s->p.sector[k] != NULL)
        return s->p.sector[k];
    snprintf(buf, len, "sector %d", k);
    return buf;
}

void ge_solver_free(ge_solver *s)
{
    if (s == NULL)
        return;
    free(s->Y0); free(s->logY0); free(s->Ek); free(s->alpha);
    free(s->Yc); free(s->Ec); free(s->B);
    free(s->state); free(s->root); free(s->comp); free(s->members); free(s->cstart); free(s->cells);
    free(s->x); free(s->t); free(s->P); free(s->q); free(s->S); free(s->Yp);
    free(s->D); free(s->Yn); free(s->En); free(s->Eeff); free(s->cfac);
    free(s->xv); free(s->gv); free(s->fv); free(s->xn); free(s->gn); free(s->fn);
    free(s->dF); free(s->dG); free(s->qr);
    free(s);
}

int ge_solver_create(ge_solver **out, const ge_params *p, errbuf *e)
{
    *out = NULL;
    if (p == NULL || p->X0 == NULL || p->sigma == NULL || p->n < 1 || p->K < 1)
        return err_set(e, SANC_EUSAGE, "ge: need n >= 1, K >= 1, X0 and sigma");
    if (p->imbalance != IMBALANCE_ADDITIVE && p->imbalance != IMBALANCE_MULTIPLICATIVE)
        return err_set(e, SANC_EUSAGE, "ge: unknown imbalance convention %d", p->imbalance);
    if (!(p->tol > 0) || !isfinite(p->tol) || p->max_iter < 1)
        return err_set(e, SANC_EUSAGE, "ge: need tol > 0 and max_iter >= 1");
    size_t n = (size_t)p->n, K = (size_t)p->K;
    if (n > SIZE_MAX / n / K / sizeof(double) / GE_AA_DEPTH)
        return err_set(e, SANC_ELIMIT, "ge: %d countries x %d sectors is too large", p->n, p->K);
    char b1[32], b2[32];
    for (size_t k = 0; k < K; k++)
        if (!(p->sigma[k] > 1) || !isfinite(p->sigma[k]))
            return err_set(e, SANC_EDATA, "ge: sigma of %s must be finite and > 1 (got %g)",
                           p->sector && p->sector[k] ? p->sector[k] : "sector", p->sigma[k]);

    ge_solver *s = calloc(1, sizeof *s);
    if (s == NULL)
        return err_set(e, SANC_ENOMEM, "ge: out of memory");
    s->p = *p;
    s->n = p->n;
    s->K = p->K;
    s->nK = n * K;
    s->nnK = n * n * K;
    size_t nK = s->nK;
#define GE_ALLOC(ptr, cnt) ((ptr) = calloc((cnt), sizeof *(ptr))) == NULL
    if (GE_ALLOC(s->Y0, nK) || GE_ALLOC(s->logY0, nK) || GE_ALLOC(s->Ek, nK) ||
        GE_ALLOC(s->alpha, nK) || GE_ALLOC(s->Yc, n) || GE_ALLOC(s->Ec, n) ||
        GE_ALLOC(s->B, s->nnK) || GE_ALLOC(s->state, nK) || GE_ALLOC(s->root, n) ||
        GE_ALLOC(s->comp, n) || GE_ALLOC(s->members, n) || GE_ALLOC(s->cstart, n + 1) ||
        GE_ALLOC(s->cells, nK) ||
        GE_ALLOC(s->x, nK) || GE_ALLOC(s->t, nK) || GE_ALLOC(s->P, nK) ||
        GE_ALLOC(s->q, nK) || GE_ALLOC(s->S, nK) || GE_ALLOC(s->Yp, nK) ||
        GE_ALLOC(s->D, n) || GE_ALLOC(s->Yn, n) || GE_ALLOC(s->En, n) ||
        GE_ALLOC(s->Eeff, n) || GE_ALLOC(s->cfac, n) ||
        GE_ALLOC(s->xv, nK) || GE_ALLOC(s->gv, nK) || GE_ALLOC(s->fv, nK) ||
        GE_ALLOC(s->xn, nK) || GE_ALLOC(s->gn, nK) || GE_ALLOC(s->fn, nK) ||
        GE_ALLOC(s->dF, nK * GE_AA_DEPTH) || GE_ALLOC(s->dG, nK * GE_AA_DEPTH) ||
        GE_ALLOC(s->qr, nK * GE_AA_DEPTH)) {
        ge_solver_free(s);
        return err_set(e, SANC_ENOMEM, "ge: out of memory (%d countries x %d sectors)",
                       p->n, p->K);
    }
#undef GE_ALLOC

    const double *X0 = p->X0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            const double *xij = X0 + (i * n + j) * K;
            double *Yi = s->Y0 + i * K, *Ej = s->Ek + j * K;
            for (size_t k = 0; k < K; k++) {
                if (!(xij[k] >= 0) || !isfinite(xij[k])) {
                    int ret = err_set(e, SANC_EDATA,
                                      "ge: baseline flow %s -> %s in %s is negative or not finite",
                                      ge_cname(s, (int)i, b1, sizeof b1),
                                      ge_cname(s, (int)j, b2, sizeof b2),
                                      p->sector && p->sector[k] ? p->sector[k] : "a sector");
                    ge_solver_free(s);
                    return ret;
                }
                Yi[k] += xij[k];
                Ej[k] += xij[k];
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < K; k++) {
            s->Yc[i] += s->Y0[i * K + k];
            s->Ec[i] += s->Ek[i * K + k];
            s->logY0[i * K + k] = s->Y0[i * K + k] > 0 ? log(s->Y0[i * K + k]) : 0;
        }
        /* Cobb-Douglas shares are undefined for a country that sells but never
         * buys; the model has no answer for it, so say so up front. */
        if (s->Ec[i] <= 0 && s->Yc[i] > 0) {
            int ret = err_set(e, SANC_EDATA,
                              "ge: %s has output but no expenditure in the baseline",
                              ge_cname(s, (int)i, b1, sizeof b1));
            ge_solver_free(s);
            return ret;
        }
        for (size_t k = 0; k < K; k++)
            s->alpha[i * K + k] = s->Ec[i] > 0 ? s->Ek[i * K + k] / s->Ec[i] : 0;
    }
    *out = s;
    return SANC_OK;
}

static int ge_find(int *root, int i)
{
    while (root[i] != i) {
        root[i] = root[root[i]];
        i = root[i];
    }
    return i;
}

/* The inner kernel of both n*n*K passes, contiguous in k.  Unrolled by
 * hand because GCC's -O2 loop vectoriser (very-cheap cost model) skips loops
 * of unknown trip count, while its basic-block vectoriser packs these. */
static void ge_fma_k(size_t K, double *restrict acc, const double *restrict b,
                     const double *restrict v)
{
    size_t k = 0;
    for (; k + 4 <= K; k += 4) {
        acc[k] += b[k] * v[k];
        acc[k + 1] += b[k + 1] * v[k + 1];
        acc[k + 2] += b[k + 2] * v[k + 2];
        acc[k + 3] += b[k + 3] * v[k + 3];
    }
    for (; k < K; k++)
        acc[k] += b[k] * v[k];
}

/* Evaluation state of one component. */
typedef struct ge_comp {
    const int *m;   /* members */
    int nm;
    int dim;        /* active cells */
    double Ytot;    /* baseline output total, held fixed */
    double c;       /* multiplicative factor at the last evaluation */
    int floored;    /* some E'_j hit the floor at the last evaluation */
    int finite;     /* last evaluation was finite */
} ge_comp;

/* Shift compact log prices xv so that the component's output total is Ytot. */
static void ge_normalise(const ge_solver *s, const ge_comp *C, double *xv)
{
    double mx = -HUGE_VAL;
    for (int a = 0; a < C->dim; a++) {
        double v = xv[a] + s->logY0[s->cells[a]];
        if (v > mx)
            mx = v;
    }
    double sum = 0;
    for (int a = 0; a < C->dim; a++)
        sum += exp(xv[a] + s->logY0[s->cells[a]] - mx);
    double shift = log(C->Ytot) - mx - log(sum);
    for (int a = 0; a < C->dim; a++)
        xv[a] += shift;
}

/* The fixed-point map: from log prices xv (compact, normalised) compute the
 * equilibrium quantities in the solver's n*K arrays, the image gv = G(xv)
 * (normalised), fv = gv - xv, and return max |phat change| (relative).
 * Non-finite results set C->finite = 0 and return +inf. */
static double ge_eval(ge_solver *s, ge_comp *C, const double *xv, double *gv, double *fv,
                      int *worst)
{
    const int n = s->n;
    const size_t K = (size_t)s->K;
    const double *sig = s->p.sigma;
    const int additive = s->p.imbalance == IMBALANCE_ADDITIVE;

    for (int a = 0; a < C->dim; a++)
        s->x[s->cells[a]] = xv[a];
    double sumY = 0, sumE = 0;
    for (int a = 0; a < C->nm; a++) {
        int i = C->m[a];
        double yi = 0;
        for (size_t k = 0; k < K; k++) {
            size_t ik = (size_t)i * K + k;
            switch (s->state[ik]) {
            case GE_ACTIVE:
                s->t[ik] = exp((1 - sig[k]) * s->x[ik]);
                s->Yp[ik] = exp(s->x[ik]) * s->Y0[ik];
                break;
            case GE_DEAD:
                s->t[ik] = 0;
                s->Yp[ik] = 0;
                break;
            default:
                s->t[ik] = 1;
                s->Yp[ik] = 0;
            }
            yi += s->Yp[ik];
        }
        s->Yn[i] = yi;
        sumY += yi;
    }
    C->floored = 0;
    for (int a = 0; a < C->nm; a++) {
        int j = C->m[a];
        double ej;
        if (additive)
            ej = s->Yn[j] + s->D[j];
        else
            ej = s->Yc[j] > 0 ? s->Ec[j] * (s->Yn[j] / s->Yc[j]) : s->Ec[j];
        s->En[j] = ej;
        double floor = GE_EFLOOR * s->Ec[j];
        if (s->Ec[j] > 0 && ej < floor) {
            ej = floor;
            C->floored = 1;
        }
        s->Eeff[j] = ej;
        sumE += ej;
    }
    C->c = additive ? 1.0 : sumE / sumY;

    for (int a = 0; a < C->nm; a++)
        memset(s->P + (size_t)C->m[a] * K, 0, K * sizeof(double));
    if (K == 1) {
        /* one sector (the gravity literature's case): a plain matrix-vector
         * product; a call per cell would cost more than the cell.  Same
         * operations in the same order as the general loop. */
        for (int a = 0; a < C->nm; a++) {
            size_t i = (size_t)C->m[a];
            const double ti = s->t[i], *Bi = s->B + i * (size_t)n;
            for (int b = 0; b < C->nm; b++) {
                size_t j = (size_t)C->m[b];
                s->P[j] += Bi[j] * ti;
            }
        }
    } else {
        for (int a = 0; a < C->nm; a++) {
            size_t i = (size_t)C->m[a];
            const double *ti = s->t + i * K;
            for (int b = 0; b < C->nm; b++) {
                size_t j = (size_t)C->m[b];
                ge_fma_k(K, s->P + j * K, s->B + (i * (size_t)n + j) * K, ti);
            }
        }
    }
    int ok = 1;
    for (int a = 0; a < C->nm; a++) {
        size_t j = (size_t)C->m[a];
        for (size_t k = 0; k < K; k++) {
            size_t jk = j * K + k;
            if (s->Ek[jk] > 0) {
                s->q[jk] = s->alpha[jk] * s->Eeff[j] / s->P[jk];
                if (!(s->P[jk] > 0) || !isfinite(s->q[jk]))
                    ok = 0;
            } else {
                s->q[jk] = 0;
            }
        }
    }
    if (!ok) {
        C->finite = 0;
        return HUGE_VAL;
    }
    for (int a = 0; a < C->nm; a++) {
        size_t i = (size_t)C->m[a];
        double *Si = s->S + i * K;
        if (K == 1) {
            const double *Bi = s->B + i * (size_t)n;
            double acc = 0;
            for (int b = 0; b < C->nm; b++) {
                size_t j = (size_t)C->m[b];
                acc += Bi[j] * s->q[j];
            }
            Si[0] = acc;
            continue;
        }
        memset(Si, 0, K * sizeof(double));
        for (int b = 0; b < C->nm; b++) {
            size_t j = (size_t)C->m[b];
            ge_fma_k(K, Si, s->B + (i * (size_t)n + j) * K, s->q + j * K);
        }
    }
    double logc = log(C->c);
    for (int a = 0; a < C->dim; a++) {
        size_t ik = (size_t)s->cells[a];
        double sk = sig[ik % K];
        gv[a] = (log(s->S[ik]) - logc - s->logY0[ik]) / sk;
    }
    ge_normalise(s, C, gv);
    double rn = 0;
    int w = -1;
    for (int a = 0; a < C->dim; a++) {
        fv[a] = gv[a] - xv[a];
        double r = fabs(expm1(fv[a]));
        if (!(r <= rn)) { /* also catches NaN */
            rn = r;
            w = a;
        }
    }
    C->finite = isfinite(rn);
    if (worst != NULL)
        *worst = w;
    return C->finite ? rn : HUGE_VAL;
}

/* Anderson step (Walker and Ni 2011, type II, no damping): minimise
 * ||f - dF gamma|| over the history and return x = g - dG gamma in xn.
 * Returns 0 when no usable history is left (caller takes the plain step). */
static int ge_anderson(ge_solver *s, int dim, int *mk, int head, double *xn)
{
    while (*mk > 0) {
        int m = *mk < dim ? *mk : dim;
        /* columns oldest first; history slot of the c-th newest is head-1-c */
        gsl_matrix_view A = gsl_matrix_view_array(s->qr, (size_t)dim, (size_t)m);
        double cn[GE_AA_DEPTH], tau[GE_AA_DEPTH], gam[GE_AA_DEPTH];
        int slot[GE_AA_DEPTH];
        for (int c = 0; c < m; c++) {
            slot[c] = ((head - m + c) % GE_AA_DEPTH + GE_AA_DEPTH) % GE_AA_DEPTH;
            const double *col = s->dF + (size_t)slot[c] * s->nK;
            double nn = 0;
            for (int a = 0; a < dim; a++) {
                s->qr[(size_t)a * (size_t)m + (size_t)c] = col[a];
                nn += col[a] * col[a];
            }
            cn[c] = sqrt(nn);
        }
        gsl_vector_view tv = gsl_vector_view_array(tau, (size_t)m);
        int bad = gsl_linalg_QR_decomp(&A.matrix, &tv.vector) != GSL_SUCCESS;
        for (int c = 0; c < m && !bad; c++)
            if (!(fabs(gsl_matrix_get(&A.matrix, (size_t)c, (size_t)c)) > GE_AA_RCOND * cn[c]))
                bad = 1;
        if (!bad) {
            /* gsl_linalg_QR_lssolve's steps without its residual (a third
             * of its time, never used): Q^T f in xn (scratch until it is
             * written below), then R gamma = its first m entries */
            gsl_vector_view rv = gsl_vector_view_array(xn, (size_t)dim);
            gsl_vector_view gmv = gsl_vector_view_array(gam, (size_t)m);
            gsl_matrix_view R = gsl_matrix_submatrix(&A.matrix, 0, 0, (size_t)m, (size_t)m);
            memcpy(xn, s->fv, (size_t)dim * sizeof(double));
            if (gsl_linalg_QR_QTvec(&A.matrix, &tv.vector, &rv.vector) != GSL_SUCCESS)
                bad = 1;
            memcpy(gam, xn, (size_t)m * sizeof(double));
            if (!bad && gsl_blas_dtrsv(CblasUpper, CblasNoTrans, CblasNonUnit, &R.matrix, &gmv.vector) !=
                            GSL_SUCCESS)
                bad = 1;
            for (int c = 0; c < m && !bad; c++)
                if (!isfinite(gam[c]))
                    bad = 1;
        }
        if (bad) {
            (*mk)--; /* forget the oldest difference and try again */
            continue;
        }
        memcpy(xn, s->gv, (size_t)dim * sizeof(double));
        for (int c = 0; c < m; c++) {
            const double *dg = s->dG + (size_t)slot[c] * s->nK;
            for (int a = 0; a < dim; a++)
                xn[a] -= gam[c] * dg[a];
        }
        for (int a = 0; a < dim; a++)
            if (!isfinite(xn[a]))
                return 0;
        return 1;
    }
    return 0;
}

static void ge_swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/* Solve one component; on success the solver's arrays hold its equilibrium. */
static int ge_solve_comp(ge_solver *s, ge_comp *C, const double *phat0, int *iters, errbuf *e)
{
    const size_t K = (size_t)s->K;
    char b1[32], b2[32];
    /* compact unknowns and warm start */
    C->dim = 0;
    for (int a = 0; a < C->nm; a++) {
        size_t i = (size_t)C->m[a];
        for (size_t k = 0; k < K; k++)
            if (s->state[i * K + k] == GE_ACTIVE) {
                double ph = phat0[i * K + k];
                s->cells[C->dim] = (int)(i * K + k);
                s->xv[C->dim] = ph > 0 && isfinite(ph) ? log(ph) : 0;
                C->dim++;
            }
    }
    if (C->dim > 0)
        ge_normalise(s, C, s->xv);

    int worst = -1, mk = 0, head = 0, it = 1;
    double rn = ge_eval(s, C, s->xv, s->gv, s->fv, &worst);
    if (!C->finite) {
        /* a cold start cannot be the problem: phat = 1 is always finite */
        for (int a = 0; a < C->dim; a++)
            s->xv[a] = 0;
        if (C->dim > 0)
            ge_normalise(s, C, s->xv);
        rn = ge_eval(s, C, s->xv, s->gv, s->fv, &worst);
        it++;
    }
    /* The step size only bounds the distance to the fixed point up to the
     * map's contraction factor: once below tol, take a few more steps while
     * they still shrink it (cheap, and the answer is then good to about tol
     * rather than tol / (1 - rate)); stop at GE_POLISH * tol or when rounding
     * noise stops the progress.  A warm start that already meets tol is
     * taken as it is (it was polished when it was found). */
    int polish = 0;
    double rprev = HUGE_VAL;
    while (C->finite && it < s->p.max_iter) {
        if (rn < s->p.tol && (it == 1 || rn < GE_POLISH * s->p.tol || rn >= rprev ||
                              ++polish > 3))
            break;
        rprev = rn;
        int accel = ge_anderson(s, C->dim, &mk, head, s->xn);
        if (!accel)
            memcpy(s->xn, s->gv, (size_t)C->dim * sizeof(double));
        else
            ge_normalise(s, C, s->xn);
        double rnn = ge_eval(s, C, s->xn, s->gn, s->fn, &worst);
        it++;
        if (accel && (!C->finite || rnn > GE_AA_GROWTH * rn)) {
            /* safeguard: the plain step from the current point, fresh history */
            mk = 0;
            memcpy(s->xn, s->gv, (size_t)C->dim * sizeof(double));
            rnn = ge_eval(s, C, s->xn, s->gn, s->fn, &worst);
            it++;
        }
        /* damp the plain step towards the current point until it is finite */
        for (int h = 1; !C->finite && h <= 40 && it < s->p.max_iter; h++) {
            double w = ldexp(1.0, -h);
            for (int a = 0; a < C->dim; a++)
                s->xn[a] = s->xv[a] + w * s->fv[a];
            ge_normalise(s, C, s->xn);
            rnn = ge_eval(s, C, s->xn, s->gn, s->fn, &worst);
            it++;
            mk = 0;
        }
        if (!C->finite)
            break;
        double *dF = s->dF + (size_t)head * s->nK, *dG = s->dG + (size_t)head * s->nK;
        for (int a = 0; a < C->dim; a++) {
            dF[a] = s->fn[a] - s->fv[a];
            dG[a] = s->gn[a] - s->gv[a];
        }
        head = (head + 1) % GE_AA_DEPTH;
        if (mk < GE_AA_DEPTH)
            mk++;
        ge_swap(&s->xv, &s->xn);
        ge_swap(&s->gv, &s->gn);
        ge_swap(&s->fv, &s->fn);
        rn = rnn;
    }
    *iters = it;

    if (C->floored || (C->finite && rn < s->p.tol)) {
        for (int a = 0; a < C->nm; a++) {
            int j = C->m[a];
            if (s->Ec[j] > 0 && !(s->En[j] > GE_EFLOOR * s->Ec[j]))
                return err_set(e, SANC_ENOEQ,
                               "no equilibrium: %s would have non-positive expenditure (%.6g)",
                               ge_cname(s, j, b1, sizeof b1), s->En[j]);
        }
    }
    if (!C->finite)
        return err_set(e, SANC_ENOCONV,
                       "solver did not converge: non-finite prices in the component of %s "
                       "after %d iterations",
                       ge_cname(s, C->m[0], b1, sizeof b1), it);
    if (!(rn < s->p.tol)) {
        size_t ik = (size_t)s->cells[worst];
        int i = (int)(ik / K), k = (int)(ik % K);
        double dem = s->t[ik] * s->S[ik], sup = C->c * s->Yp[ik];
        return err_set(e, SANC_ENOCONV,
                       "solver did not converge in %d iterations: worst cell %s / %s, "
                       "price change %.3g, market-clearing residual %.3g",
                       it, ge_cname(s, i, b1, sizeof b1), ge_sname(s, k, b2, sizeof b2), rn,
                       fabs(dem - sup) / sup);
    }
    return SANC_OK;
}

/* phi == NULL is accepted as "no shock" (every cell open at phi = 1). */
int ge_solve(ge_solver *s, const double *phi, const double *Din, ge_result *r, errbuf *e)
{
    const int n = s->n;
    const size_t K = (size_t)s->K, nK = s->nK;
    const double *X0 = s->p.X0;
    const double *sig = s->p.sigma;
    char b1[32], b2[32], b3[32];
    r->iterations = 0;
    r->residual = 0;

    /* 1. B, the open graph, and which cells can sell / buy at all */
    for (int i = 0; i < n; i++)
        s->root[i] = i;
    memset(s->P, 0, nK * sizeof(double)); /* column sums of B: suppliers of (j,k) */
    memset(s->S, 0, nK * sizeof(double)); /* row sums of B: markets of (i,k) */
    for (size_t i = 0; i < (size_t)n; i++) {
        for (size_t j = 0; j < (size_t)n; j++) {
            size_t o = (i * (size_t)n + j) * K;
            const double *x0 = X0 + o;
            double *b = s->B + o;
            int open = 0;
            if (i == j) {
                for (size_t k = 0; k < K; k++)
                    b[k] = x0[k] > 0 ? x0[k] / s->Ek[j * K + k] : 0;
            } else {
                const double *ph = phi != NULL ? phi + o : NULL;
                for (size_t k = 0; k < K; k++) {
                    double f = ph != NULL ? ph[k] : 1.0;
                    if (!(f >= 0) || !isfinite(f))
                        return err_set(e, SANC_EDATA,
                                       "ge: openness %s -> %s in %s is negative or not finite",
                                       ge_cname(s, (int)i, b1, sizeof b1),
                                       ge_cname(s, (int)j, b2, sizeof b2),
                                       ge_sname(s, (int)k, b3, sizeof b3));
                    double v = x0[k] > 0 && f >= GE_CLOSED ? x0[k] / s->Ek[j * K + k] * f : 0;
                    b[k] = v;
                    open |= v > 0;
                }
            }
            for (size_t k = 0; k < K; k++) {
                s->S[i * K + k] += b[k];
                s->P[j * K + k] += b[k];
            }
            if (open) {
                int ri = ge_find(s->root, (int)i), rj = ge_find(s->root, (int)j);
                if (ri != rj)
                    s->root[ri > rj ? ri : rj] = ri < rj ? ri : rj;
            }
        }
    }
    for (int j = 0; j < n; j++)
        for (size_t k = 0; k < K; k++)
            if (s->Ek[(size_t)j * K + k] > 0 && !(s->P[(size_t)j * K + k] > 0))
                return err_set(e, SANC_ENOEQ,
                               "no equilibrium: %s has demand for %s but every supplier is closed",
                               ge_cname(s, j, b1, sizeof b1), ge_sname(s, (int)k, b2, sizeof b2));
    for (size_t ik = 0; ik < nK; ik++)
        s->state[ik] = s->Y0[ik] > 0 ? (s->S[ik] > 0 ? GE_ACTIVE : GE_DEAD) : GE_INACTIVE;

    /* components, numbered by their smallest member (roots are minimal) */
    for (int i = 0; i < n; i++)
        s->comp[i] = ge_find(s->root, i);
    int ncomp = 0;
    for (int i = 0; i < n; i++)
        if (s->comp[i] == i)
            s->root[i] = ncomp++;
    for (int i = 0; i < n; i++)
        s->root[i] = s->root[s->comp[i]];
    memset(s->cstart, 0, (size_t)(n + 1) * sizeof(int));
    for (int i = 0; i < n; i++)
        s->cstart[s->root[i] + 1]++;
    for (int c = 0; c < ncomp; c++)
        s->cstart[c + 1] += s->cstart[c];
    {
        int *fill = s->cells; /* scratch */
        memcpy(fill, s->cstart, (size_t)ncomp * sizeof(int));
        for (int i = 0; i < n; i++)
            s->members[fill[s->root[i]]++] = i;
    }

    /* 2. each component on its own */
    for (int c = 0; c < ncomp; c++) {
        ge_comp C = { s->members + s->cstart[c], s->cstart[c + 1] - s->cstart[c], 0, 0, 1, 0, 1 };
        double sumD = 0, sumY = 0;
        for (int a = 0; a < C.nm; a++) {
            int j = C.m[a];
            double d = Din != NULL ? Din[j] : s->Ec[j] - s->Yc[j];
            if (!isfinite(d))
                return err_set(e, SANC_EDATA, "ge: deficit of %s is not finite",
                               ge_cname(s, j, b1, sizeof b1));
            s->D[j] = d;
            sumD += d;
            sumY += s->Yc[j];
        }
        C.Ytot = sumY;
        /* deficits must net out within a component: shift them in proportion
         * to output (an isolated country trades in autarky, D = 0) */
        for (int a = 0; a < C.nm; a++) {
            int j = C.m[a];
            if (C.nm == 1 || !(sumY > 0))
                s->D[j] = 0;
            else if (sumD != 0)
                s->D[j] -= s->Yc[j] * (sumD / sumY);
        }
        int it = 0;
        if (sumY > 0) {
            int ret = ge_solve_comp(s, &C, r->phat, &it, e);
            if (it > r->iterations)
                r->iterations = it;
            if (ret != SANC_OK)
                return ret;
        } else {
            /* nobody here produces anything, so (having passed the supplier
             * check) nobody demands anything either */
            for (int a = 0; a < C.nm; a++) {
                int j = C.m[a];
                s->Yn[j] = s->En[j] = 0;
                for (size_t k = 0; k < K; k++) {
                    s->t[(size_t)j * K + k] = 1;
                    s->q[(size_t)j * K + k] = 0;
                    s->P[(size_t)j * K + k] = 1;
                    s->Yp[(size_t)j * K + k] = 0;
                }
            }
        }
        for (int a = 0; a < C.nm; a++)
            s->cfac[C.m[a]] = C.c;
    }

    /* 3. flows, prices, welfare, and the residual measured on the flows */
    memset(s->S, 0, nK * sizeof(double));
    for (size_t i = 0; i < (size_t)n; i++) {
        const double *ti = s->t + i * K;
        double *Si = s->S + i * K;
        for (size_t j = 0; j < (size_t)n; j++) {
            size_t o = (i * (size_t)n + j) * K;
            const double *b = s->B + o, *qj = s->q + j * K;
            double *X = r->X + o;
            for (size_t k = 0; k < K; k++) {
                X[k] = b[k] * ti[k] * qj[k];
                Si[k] += X[k];
            }
        }
    }
    double res = 0;
    for (int i = 0; i < n; i++) {
        double lp = 0;
        for (size_t k = 0; k < K; k++) {
            size_t ik = (size_t)i * K + k;
            switch (s->state[ik]) {
            case GE_ACTIVE: {
                r->phat[ik] = exp(s->x[ik]);
                double sup = s->cfac[i] * s->Yp[ik];
                double d = fabs(s->S[ik] - sup) / sup;
                if (!(d <= res))
                    res = d;
                break;
            }
            case GE_DEAD:
                r->phat[ik] = 0;
                break;
            default:
                r->phat[ik] = 1;
            }
            double lP = s->Ek[ik] > 0 ? log(s->P[ik]) / (1 - sig[k]) : 0;
            r->Phat[ik] = exp(lP);
            lp += s->alpha[ik] * lP;
            /* The log is fine but the level may not be: with sigma near 1 a
             * lost supplier raises Phat by (share)^(1/(1-sigma)), beyond the
             * double range; likewise flows near 1e308.  No Inf or NaN may
             * reach an output, so this is reported, not written. */
            if (!isfinite(r->Phat[ik]) || !isfinite(s->S[ik]))
                return err_set(e, SANC_ENOEQ,
                               "equilibrium outside the floating-point range: %s of %s in %s "
                               "(sigma = %g)", isfinite(s->S[ik]) ? "price index" : "sales",
                               ge_cname(s, i, b1, sizeof b1), ge_sname(s, (int)k, b2, sizeof b2),
                               sig[k]);
        }
        r->Y[i] = s->Yn[i];
        r->E[i] = s->En[i];
        r->price_index[i] = exp(lp);
        r->welfare[i] = s->Ec[i] > 0 ? exp(log(s->En[i] / s->Ec[i]) - lp) : 1;
        if (!isfinite(r->price_index[i]) || !(r->price_index[i] > 0) || !isfinite(r->welfare[i]) ||
            !isfinite(r->Y[i]) || !isfinite(r->E[i]))
            return err_set(e, SANC_ENOEQ,
                           "equilibrium outside the floating-point range: price index or welfare "
                           "of %s (log price index %.6g)", ge_cname(s, i, b1, sizeof b1), lp);
    }
    r->residual = res;
    double cap = 1e4 * s->p.tol > 1e-8 ? 1e4 * s->p.tol : 1e-8;
    if (!(res <= cap))
        return err_set(e, SANC_ENOCONV,
                       "solver did not converge: prices settled but the market-clearing "
                       "residual is %.3g", res);
    return SANC_OK;
}
