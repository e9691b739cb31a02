/*
 * ge_io.c - Caliendo-Parro production-network equilibrium in exact hat
 * algebra (DESIGN section 2b; see ge_io.h for the interface and layouts).
 *
 * Unknowns are the log factor prices u_a of the "factor units" a: one per
 * country with value added (mobile factors, u = log w_n) or one per
 * country-sector with value added (sector-specific, u = log r_n^k).  One
 * evaluation of the outer map at u solves two inner blocks exactly (to a
 * tolerance that tightens as the outer iteration converges):
 *   prices  (E1-E2): log c = gamma log v + G' log P(c), a contraction in
 *           log unit costs, by Anderson-accelerated fixed point;
 *   spending (E4-E6): X = G Y(X) + alpha (factor income + R(X) + D), linear
 *           in X at given prices, by Anderson acceleration (on a linear
 *           problem Anderson is equivalent to GMRES);
 * and then returns the factor-market update (E7)
 *   g_a = u_a + lambda_a log(labour demand_a / factor income_a),
 * normalised so that world (component) value added is unchanged (E8).
 * lambda_a = 1 / (1 + theta_a (1 - d_a)) with theta_a the sales-weighted
 * elasticity and d_a the domestic share of the unit's sales is the inverse
 * of the own-price elasticity of its excess demand (a diagonal Newton
 * step); the outer map is then accelerated by Anderson mixing (type II,
 * Walker and Ni 2011), a multisecant quasi-Newton method, with ge.c's
 * safeguards.  On Caliendo and Parro's 31 x 40 data it converges in about
 * 20 outer iterations; a finite-difference Newton needs 6 but costs about
 * seven times as many inner sweeps (README.md in this folder).
 *
 * Components: the world splits into the connected components of the graph
 * of open cross-border cells; each keeps its own value added fixed and its
 * deficits are shifted in proportion to gross output to sum to zero (an
 * isolated country trades in autarky), as in section 2.
 *
 * Cell states: a country-sector that cannot sell anywhere (every market
 * closed) is "dead": under sector-specific factors its factor price and
 * unit cost are 0 (its output is worthless, as ge.c's phat = 0); under
 * mobile factors its workers move and a country with nothing to sell is an
 * error.  A buyer (X_n^k > 0) whose every supplier is closed is an error.
 */
/* madvise(MADV_HUGEPAGE) for the cell arrays (Linux; a no-op elsewhere) */
#define _DEFAULT_SOURCE
#include "ge_io.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#define IO_CLOSED 1e-12   /* phi below this is a closed cell (DESIGN 2) */
#define IO_AA_OUTER 8     /* Anderson depth of the outer iteration */
#define IO_AA_INNER 5     /* ... and of the two inner blocks */
#define IO_AA_RCOND 1e-10 /* drop history whose column is this close to the others' span */
#define IO_AA_GROWTH 2.0  /* an accelerated outer step may grow the residual this much */
#define IO_INNER_MAX 2000 /* sweeps per inner solve */
#define IO_POLISH (1.0 / 64)
/* Largest change of a log factor price in one plain step (a trust region):
 * inconsistent data can ask for factor prices many orders of magnitude away
 * (CP's data under sector-specific factors: a sector selling $1 whose input
 * demand is $1e9), and a full step there overflows the price block. */
#define IO_MAX_STEP 1.0

/* ------------------------------------------------------------------ */
/* Anderson acceleration (type II), a small reusable state              */

typedef struct io_aa {
    int dim, depth;
    int m, head, have_prev;
    double *dF, *dG;      /* depth * dim */
    double *fprev, *gprev; /* dim */
    double *f;             /* dim, scratch */
    double *qr;            /* dim * depth */
} io_aa;

static void aa_free(io_aa *a)
{
    free(a->dF); free(a->dG); free(a->fprev); free(a->gprev); free(a->f); free(a->qr);
    memset(a, 0, sizeof *a);
}

static int aa_init(io_aa *a, int dim, int depth)
{
    memset(a, 0, sizeof *a);
    size_t d = dim > 0 ? (size_t)dim : 1;
    a->dim = dim;
    a->depth = depth;
    a->dF = calloc(d * (size_t)depth, sizeof(double));
    a->dG = calloc(d * (size_t)depth, sizeof(double));
    a->fprev = calloc(d, sizeof(double));
    a->gprev = calloc(d, sizeof(double));
    a->f = calloc(d, sizeof(double));
    a->qr = calloc(d * (size_t)depth, sizeof(double));
    if (!a->dF || !a->dG || !a->fprev || !a->gprev || !a->f || !a->qr) {
        aa_free(a);
        return -1;
    }
    return 0;
}

static void aa_reset(io_aa *a)
{
    a->m = 0;
    a->head = 0;
    a->have_prev = 0;
}

/* From the pair (x, g = G(x)) compute the next iterate xn (may not alias x
 * or g).  Returns 1 when the step is accelerated, 0 for the plain xn = g. */
static int aa_next(io_aa *a, const double *x, const double *g, double *xn)
{
    const int dim = a->dim;
    for (int i = 0; i < dim; i++)
        a->f[i] = g[i] - x[i];
    if (a->have_prev) {
        double *dF = a->dF + (size_t)a->head * (size_t)dim;
        double *dG = a->dG + (size_t)a->head * (size_t)dim;
        for (int i = 0; i < dim; i++) {
            dF[i] = a->f[i] - a->fprev[i];
            dG[i] = g[i] - a->gprev[i];
        }
        a->head = (a->head + 1) % a->depth;
        if (a->m < a->depth)
            a->m++;
    }
    memcpy(a->fprev, a->f, (size_t)dim * sizeof(double));
    memcpy(a->gprev, g, (size_t)dim * sizeof(double));
    a->have_prev = 1;
    while (a->m > 0) {
        /* least squares min |f - dF gamma| by modified Gram-Schmidt on the
         * m <= depth columns (oldest first): a few passes over contiguous
         * vectors, far cheaper at these sizes than a general QR */
        enum { D = IO_AA_OUTER > IO_AA_INNER ? IO_AA_OUTER : IO_AA_INNER };
        int m = a->m < dim ? a->m : dim;
        double R[D][D], gam[D], qf[D];
        int slot[D], bad = 0;
        for (int c = 0; c < m && !bad; c++) {
            slot[c] = ((a->head - m + c) % a->depth + a->depth) % a->depth;
            const double *col = a->dF + (size_t)slot[c] * (size_t)dim;
            double *q = a->qr + (size_t)c * (size_t)dim;
            double nn = 0;
            for (int i = 0; i < dim; i++) {
                q[i] = col[i];
                nn += col[i] * col[i];
            }
            double cn = sqrt(nn);
            for (int j = 0; j < c; j++) {
                const double *qj = a->qr + (size_t)j * (size_t)dim;
                double r = 0;
                for (int i = 0; i < dim; i++)
                    r += qj[i] * q[i];
                for (int i = 0; i < dim; i++)
                    q[i] -= r * qj[i];
                R[j][c] = r;
            }
            nn = 0;
            for (int i = 0; i < dim; i++)
                nn += q[i] * q[i];
            nn = sqrt(nn);
            R[c][c] = nn;
            if (!(nn > IO_AA_RCOND * cn)) {
                bad = 1;
                break;
            }
            for (int i = 0; i < dim; i++)
                q[i] /= nn;
        }
        for (int c = m - 1; c >= 0 && !bad; c--) {
            const double *q = a->qr + (size_t)c * (size_t)dim;
            double t = 0;
            for (int i = 0; i < dim; i++)
                t += q[i] * a->f[i];
            qf[c] = t;
        }
        for (int c = m - 1; c >= 0 && !bad; c--) {
            double t = qf[c];
            for (int j = c + 1; j < m; j++)
                t -= R[c][j] * gam[j];
            gam[c] = t / R[c][c];
            if (!isfinite(gam[c]))
                bad = 1;
        }
        if (bad) {
            a->m--; /* forget the oldest difference and try again */
            continue;
        }
        memcpy(xn, g, (size_t)dim * sizeof(double));
        for (int c = 0; c < m; c++) {
            const double *dg = a->dG + (size_t)slot[c] * (size_t)dim;
            for (int i = 0; i < dim; i++)
                xn[i] -= gam[c] * dg[i];
        }
        int ok = 1;
        for (int i = 0; i < dim && ok; i++)
            ok = isfinite(xn[i]);
        if (ok)
            return 1;
        break;
    }
    memcpy(xn, g, (size_t)dim * sizeof(double));
    return 0;
}

/* ------------------------------------------------------------------ */
/* The model                                                            */

struct ge_io {
    int N, K, factors, max_iter;
    size_t NK, NNK;
    double tol;
    char *const *country;
    char *const *sector;
    /* baseline (the data, or period 0 after a re-solve) */
    double *pi0;           /* NNK buyer shares pi_nik */
    double *t0, *x0, *f0;  /* NNK wedge levels */
    ge_io_fee *fee0;
    int nfee0;
    double *X0;    /* NK expenditure (buyer values) */
    double *Y0;    /* NK sales (seller values) */
    double *dom0;  /* NK domestic share of sales */
    double *gamma; /* NK value-added share */
    double *G;     /* NKK input shares [(n*K+s)*K+k] */
    double *alpha; /* NK final-demand shares */
    double *VA0;   /* NK value added */
    double *wL0;   /* N */
    double *D0;    /* N */
    double *I0;    /* N */
    double *theta; /* K */
    /* per solve: wedges and cells */
    double *t1, *x1, *f1;  /* NNK new levels */
    double *B;     /* NNK pi kappa^-theta (0 when closed) */
    double *Bt;    /* NNK B / T': seller value per unit of buyer value */
    double *Bx;    /* NNK B x' / T': exporter's tax per unit of buyer value */
    double *Btar;  /* NNK B t' / (1 + t'): importer's tariff per unit of buyer value */
    double *dhat;  /* NNK iceberg change phi^(-1/theta) (for tech; 0 when closed) */
    void *slab;    /* the twelve NNK arrays above, in one zeroed block */
    int has_x, has_t, has_f;
    const ge_io_fee *fee1; /* the fee entries of the current solve */
    int nfee1;
    unsigned char *sells; /* NK: some open market */
    int *root, *comp;     /* N union-find, then component of each country */
    int ncomp;
    double *D1;    /* N deficits after the component shift */
    /* factor units */
    int nu;
    int *unit;     /* NK unit of each cell, -1: none (inactive or dead) */
    int *ucomp;    /* nu */
    int *ucountry; /* nu */
    int *usector;  /* nu (-1 mobile) */
    double *uVA;   /* nu baseline factor income */
    double *ulam;  /* nu damping */
    double *compVA; /* N per component */
    unsigned char *dead; /* NK (sector-specific dead cell: v = 0) */
    /* iterates */
    double *u, *ug, *un, *ugn; /* nu: current, its image, next, next's image */
    double *LD;    /* nu labour demand */
    double *lv;    /* NK log factor price per cell */
    double *lc, *lcg, *lcn; /* NK */
    double *uexp;  /* NK exp(-theta lc - m_k) */
    double *sum;   /* NK sum_i B u */
    double *lP;    /* NK */
    double *mk;    /* K */
    double *X, *Xg, *Xn;   /* NK */
    double *q;     /* NK X / sum */
    double *Y;     /* NK */
    double *accx;  /* NK */
    double *tsh;   /* NK tariff share of X */
    double *fac;   /* N factor income */
    double *Rt, *Rx, *Rf, *I; /* N */
    io_aa aa_out, aa_p, aa_x;
    double r_price, r_x;
    int sweeps;
    int last_worst;     /* worst unit of the last finite evaluation */
    double last_gap;    /* its log factor-market gap */
};

static const char *io_cname(const ge_io *s, int i, char *buf, size_t len)
{
    if (s->country != NULL && s->country[i] != NULL)
        return s->country[i];
    snprintf(buf, len, "country %d", i);
    return buf;
}

static const char *io_sname(const ge_io *s, int k, char *buf, size_t len)
{
    if (s->sector != NULL && s->sector[k] != NULL)
        return s->sector[k];
    snprintf(buf, len, "sector %d", k);
    return buf;
}

void ge_io_free(ge_io *s)
{
    if (s == NULL)
        return;
    free(s->slab); free(s->fee0);
    free(s->X0); free(s->Y0); free(s->dom0); free(s->gamma); free(s->G); free(s->alpha);
    free(s->VA0); free(s->wL0); free(s->D0); free(s->I0); free(s->theta);
    free(s->sells); free(s->root); free(s->comp); free(s->D1);
    free(s->unit); free(s->ucomp); free(s->ucountry); free(s->usector); free(s->uVA);
    free(s->ulam); free(s->compVA); free(s->dead);
    free(s->u); free(s->ug); free(s->un); free(s->ugn); free(s->LD);
    free(s->lv); free(s->lc); free(s->lcg); free(s->lcn); free(s->uexp); free(s->sum);
    free(s->lP); free(s->mk); free(s->X); free(s->Xg); free(s->Xn); free(s->q); free(s->Y);
    free(s->accx); free(s->tsh); free(s->fac); free(s->Rt); free(s->Rx); free(s->Rf);
    free(s->I);
    aa_free(&s->aa_out);
    aa_free(&s->aa_p);
    aa_free(&s->aa_x);
    free(s);
}

int ge_io_countries(const ge_io *m) { return m->N; }
int ge_io_sectors(const ge_io *m) { return m->K; }
const double *ge_io_baseline_income(const ge_io *m) { return m->I0; }
const double *ge_io_baseline_output(const ge_io *m) { return m->Y0; }
const double *ge_io_baseline_deficits(const ge_io *m) { return m->D0; }

/* Read a wedge specification into level arrays t, x, f (NNK, zeroed here)
 * and validate it.  what: "baseline" or "new", for messages. */
static int io_wedges(const ge_io *s, const ge_io_wedges *w, double *t, double *x, double *f,
                     const char *what, errbuf *e)
{
    const int N = s->N, K = s->K;
    char b1[32], b2[32], b3[32];
    memset(t, 0, s->NNK * sizeof(double));
    memset(x, 0, s->NNK * sizeof(double));
    memset(f, 0, s->NNK * sizeof(double));
    if (w == NULL)
        return SANC_OK;
    for (int pass = 0; pass < 2; pass++) {
        const double *src = pass == 0 ? w->tariff : w->export_tax;
        double *dst = pass == 0 ? t : x;
        if (src == NULL)
            continue;
        for (size_t c = 0; c < s->NNK; c++) {
            double v = src[c];
            int i = (int)(c / ((size_t)N * (size_t)K)), n = (int)(c / (size_t)K % (size_t)N),
                k = (int)(c % (size_t)K);
            if (!isfinite(v) || !(v > -1) || (i == n && v != 0))
                return err_set(e, SANC_EDATA,
                               "ge_io: %s %s %s -> %s in %s must be finite, > -1 and 0 on "
                               "domestic sales (got %g)",
                               what, pass == 0 ? "tariff" : "export tax",
                               io_cname(s, i, b1, sizeof b1), io_cname(s, n, b2, sizeof b2),
                               io_sname(s, k, b3, sizeof b3), v);
            dst[c] = v;
        }
    }
    for (int a = 0; a < w->nfee; a++) {
        const ge_io_fee *fe = &w->fee[a];
        if (fe->cell >= s->NNK || fe->hub < 0 || fe->hub >= N || !isfinite(fe->rate) ||
            fe->rate < 0)
            return err_set(e, SANC_EDATA,
                           "ge_io: %s fee entry %d: cell, hub or rate out of range (rate %g)",
                           what, a, fe->rate);
        int i = (int)(fe->cell / ((size_t)N * (size_t)K));
        int n = (int)(fe->cell / (size_t)K % (size_t)N);
        if (i == n && fe->rate != 0)
            return err_set(e, SANC_EDATA, "ge_io: %s fee on domestic sales of %s",
                           what, io_cname(s, i, b1, sizeof b1));
        f[fe->cell] += fe->rate;
    }
    return SANC_OK;
}

int ge_io_create(ge_io **out, const ge_io_data *d, const ge_io_opts *o, int *negative_inputs,
                 errbuf *e)
{
    *out = NULL;
    if (d == NULL || o == NULL || d->N < 1 || d->K < 1 || d->M == NULL || d->IC == NULL ||
        d->FC == NULL || d->VA == NULL || d->theta == NULL)
        return err_set(e, SANC_EUSAGE, "ge_io: need N >= 1, K >= 1, M, IC, FC, VA and theta");
    if (o->factors != GE_IO_MOBILE && o->factors != GE_IO_SECTOR_SPECIFIC)
        return err_set(e, SANC_EUSAGE, "ge_io: unknown factors convention %d", o->factors);
    if (!(o->tol > 0) || !isfinite(o->tol) || o->max_iter < 1)
        return err_set(e, SANC_EUSAGE, "ge_io: need tol > 0 and max_iter >= 1");
    const size_t N = (size_t)d->N, K = (size_t)d->K;
    if (N > SIZE_MAX / N / K / sizeof(double) / 16 || K > SIZE_MAX / K / N / sizeof(double) / 4)
        return err_set(e, SANC_ELIMIT, "ge_io: %d countries x %d sectors is too large", d->N,
                       d->K);
    ge_io *s = calloc(1, sizeof *s);
    if (s == NULL)
        return err_set(e, SANC_ENOMEM, "ge_io: out of memory");
    s->N = d->N;
    s->K = d->K;
    s->NK = N * K;
    s->NNK = N * N * K;
    s->factors = o->factors;
    s->tol = o->tol;
    s->max_iter = o->max_iter;
    s->country = d->country;
    s->sector = d->sector;
    const size_t NK = s->NK, NNK = s->NNK;
#define IO_ALLOC(ptr, cnt) (((ptr) = calloc((cnt) > 0 ? (cnt) : 1, sizeof *(ptr))) == NULL)
    /* The twelve cell arrays (most of the memory) in one block aligned to
     * and advised for huge pages where the system has them: faulting in
     * tens of megabytes 4 KiB at a time costs more than the solve on a
     * virtual machine (150 x 20: ~10,000 faults). */
    const size_t slab_n = 12 * NNK, huge = (size_t)2 << 20;
    size_t slab_bytes = (slab_n * sizeof(double) + huge - 1) / huge * huge;
    if (posix_memalign(&s->slab, slab_bytes >= huge ? huge : 64, slab_bytes) != 0)
        s->slab = NULL;
    if (s->slab != NULL) {
#ifdef MADV_HUGEPAGE
        (void)madvise(s->slab, slab_bytes, MADV_HUGEPAGE);
#endif
        memset(s->slab, 0, slab_bytes);
        double *cell = s->slab, **arr[12] = { &s->pi0, &s->t0, &s->x0, &s->f0, &s->t1,
                                              &s->x1, &s->f1, &s->B, &s->Bt, &s->Bx,
                                              &s->Btar, &s->dhat };
        for (int a = 0; a < 12; a++)
            *arr[a] = cell + (size_t)a * NNK;
    }
    if (s->slab == NULL || IO_ALLOC(s->X0, NK) || IO_ALLOC(s->Y0, NK) ||
        IO_ALLOC(s->dom0, NK) || IO_ALLOC(s->gamma, NK) || IO_ALLOC(s->G, NK * K) ||
        IO_ALLOC(s->alpha, NK) || IO_ALLOC(s->VA0, NK) || IO_ALLOC(s->wL0, N) ||
        IO_ALLOC(s->D0, N) || IO_ALLOC(s->I0, N) || IO_ALLOC(s->theta, K) ||
        IO_ALLOC(s->sells, NK) ||
        IO_ALLOC(s->root, N) || IO_ALLOC(s->comp, N) || IO_ALLOC(s->D1, N) ||
        IO_ALLOC(s->unit, NK) || IO_ALLOC(s->ucomp, NK) || IO_ALLOC(s->ucountry, NK) ||
        IO_ALLOC(s->usector, NK) || IO_ALLOC(s->uVA, NK) || IO_ALLOC(s->ulam, NK) ||
        IO_ALLOC(s->compVA, N) || IO_ALLOC(s->dead, NK) ||
        IO_ALLOC(s->u, NK) || IO_ALLOC(s->ug, NK) || IO_ALLOC(s->un, NK) ||
        IO_ALLOC(s->ugn, NK) || IO_ALLOC(s->LD, NK) || IO_ALLOC(s->lv, NK) ||
        IO_ALLOC(s->lc, NK) || IO_ALLOC(s->lcg, NK) || IO_ALLOC(s->lcn, NK) ||
        IO_ALLOC(s->uexp, NK) || IO_ALLOC(s->sum, NK) || IO_ALLOC(s->lP, NK) ||
        IO_ALLOC(s->mk, K) || IO_ALLOC(s->X, NK) || IO_ALLOC(s->Xg, NK) ||
        IO_ALLOC(s->Xn, NK) || IO_ALLOC(s->q, NK) || IO_ALLOC(s->Y, NK) ||
        IO_ALLOC(s->accx, NK) || IO_ALLOC(s->tsh, NK) || IO_ALLOC(s->fac, N) ||
        IO_ALLOC(s->Rt, N) || IO_ALLOC(s->Rx, N) || IO_ALLOC(s->Rf, N) || IO_ALLOC(s->I, N) ||
        aa_init(&s->aa_p, (int)NK, IO_AA_INNER) < 0 ||
        aa_init(&s->aa_x, (int)NK, IO_AA_INNER) < 0 ||
        aa_init(&s->aa_out, (int)NK, IO_AA_OUTER) < 0) {
        ge_io_free(s);
        return err_set(e, SANC_ENOMEM, "ge_io: out of memory (%d countries x %d sectors)",
                       d->N, d->K);
    }
#undef IO_ALLOC
    char b1[32], b2[32], b3[32];
    int rc = SANC_OK;
    if (d->wedges.nfee > 0) {
        s->fee0 = malloc((size_t)d->wedges.nfee * sizeof *s->fee0);
        if (s->fee0 == NULL) {
            ge_io_free(s);
            return err_set(e, SANC_ENOMEM, "ge_io: out of memory");
        }
        memcpy(s->fee0, d->wedges.fee, (size_t)d->wedges.nfee * sizeof *s->fee0);
        s->nfee0 = d->wedges.nfee;
    }
    if ((rc = io_wedges(s, &d->wedges, s->t0, s->x0, s->f0, "baseline", e)) < 0)
        goto fail;
    for (size_t k = 0; k < K; k++) {
        if (!(d->theta[k] > 0) || !isfinite(d->theta[k])) {
            rc = err_set(e, SANC_EDATA, "ge_io: theta of %s must be finite and > 0 (got %g)",
                         io_sname(s, (int)k, b1, sizeof b1), d->theta[k]);
            goto fail;
        }
        s->theta[k] = d->theta[k];
    }
    /* expenditure, shares and sales from the trade data */
    for (size_t i = 0; i < N; i++)
        for (size_t n = 0; n < N; n++)
            for (size_t k = 0; k < K; k++) {
                size_t c = (i * N + n) * K + k;
                double m = d->M[c];
                if (!(m >= 0) || !isfinite(m)) {
                    rc = err_set(e, SANC_EDATA,
                                 "ge_io: trade %s -> %s in %s is negative or not finite (%g)",
                                 io_cname(s, (int)i, b1, sizeof b1),
                                 io_cname(s, (int)n, b2, sizeof b2),
                                 io_sname(s, (int)k, b3, sizeof b3), m);
                    goto fail;
                }
                s->X0[n * K + k] += (1 + s->t0[c]) * m;
            }
    for (size_t i = 0; i < N; i++)
        for (size_t n = 0; n < N; n++)
            for (size_t k = 0; k < K; k++) {
                size_t c = (i * N + n) * K + k;
                double x = s->X0[n * K + k];
                s->pi0[c] = x > 0 ? (1 + s->t0[c]) * d->M[c] / x : 0;
                double sv = d->M[c] / ((1 + s->x0[c]) * (1 + s->f0[c]));
                s->Y0[i * K + k] += sv;
                if (i == n)
                    s->dom0[i * K + k] = sv;
            }
    /* production: gross output, value-added and input shares */
    int nneg = 0;
    for (size_t n = 0; n < N; n++) {
        double fc = 0;
        for (size_t k = 0; k < K; k++) {
            size_t nk = n * K + k;
            double va = d->VA[nk], ics = 0, icabs = 0;
            if (!(va >= 0) || !isfinite(va)) {
                rc = err_set(e, SANC_EDATA,
                             "ge_io: value added of %s in %s is negative or not finite (%g)",
                             io_cname(s, (int)n, b1, sizeof b1),
                             io_sname(s, (int)k, b2, sizeof b2), va);
                goto fail;
            }
            for (size_t sI = 0; sI < K; sI++) {
                double v = d->IC[(n * K + sI) * K + k];
                if (!isfinite(v)) {
                    rc = err_set(e, SANC_EDATA, "ge_io: input %s of %s in %s is not finite",
                                 io_sname(s, (int)sI, b1, sizeof b1),
                                 io_sname(s, (int)k, b2, sizeof b2),
                                 io_cname(s, (int)n, b3, sizeof b3));
                    goto fail;
                }
                ics += v;
                icabs += fabs(v);
                nneg += v < 0;
            }
            double go = ics + va, y = s->Y0[nk];
            if (y > 0 && va == 0 && icabs == 0) {
                rc = err_set(e, SANC_EDATA,
                             "ge_io: %s in %s sells %g but has neither inputs nor value added",
                             io_sname(s, (int)k, b1, sizeof b1),
                             io_cname(s, (int)n, b2, sizeof b2), y);
                goto fail;
            }
            if (y > 0 && !(go > 0)) {
                rc = err_set(e, SANC_EDATA,
                             "ge_io: gross output of %s in %s is %g <= 0 but it sells %g",
                             io_sname(s, (int)k, b1, sizeof b1),
                             io_cname(s, (int)n, b2, sizeof b2), go, y);
                goto fail;
            }
            if (go > 0 && ics < 0) {
                rc = err_set(e, SANC_EDATA,
                             "ge_io: inputs of %s in %s sum to %g < 0 (value-added share > 1)",
                             io_sname(s, (int)k, b1, sizeof b1),
                             io_cname(s, (int)n, b2, sizeof b2), ics);
                goto fail;
            }
            if (go > 0) {
                s->gamma[nk] = va / go;
                for (size_t sI = 0; sI < K; sI++)
                    s->G[(n * K + sI) * K + k] = d->IC[(n * K + sI) * K + k] / go;
            } else {
                s->gamma[nk] = 1; /* a sector that does not exist here: c = v */
            }
            s->VA0[nk] = va;
            s->wL0[n] += va;
            s->dom0[nk] = y > 0 ? s->dom0[nk] / y : 1;
            double f = d->FC[nk];
            if (!(f >= 0) || !isfinite(f)) {
                rc = err_set(e, SANC_EDATA,
                             "ge_io: final demand of %s in %s is negative or not finite (%g)",
                             io_cname(s, (int)n, b1, sizeof b1),
                             io_sname(s, (int)k, b2, sizeof b2), f);
                goto fail;
            }
            fc += f;
        }
        for (size_t k = 0; k < K; k++)
            s->alpha[n * K + k] = fc > 0 ? d->FC[n * K + k] / fc : 0;
        /* everything n buys must be supplied by someone in the trade data */
        for (size_t k = 0; k < K; k++) {
            if (s->X0[n * K + k] > 0)
                continue;
            int used = s->alpha[n * K + k] > 0;
            for (size_t j = 0; j < K && !used; j++)
                used = s->G[(n * K + k) * K + j] != 0;
            if (used) {
                rc = err_set(e, SANC_EDATA,
                             "ge_io: %s buys %s (final or input demand) but the trade data has "
                             "no purchases of it",
                             io_cname(s, (int)n, b1, sizeof b1),
                             io_sname(s, (int)k, b2, sizeof b2));
                goto fail;
            }
        }
    }
    if (negative_inputs != NULL)
        *negative_inputs = nneg;
    /* deficits and baseline income */
    for (size_t n = 0; n < N; n++) {
        if (d->D != NULL) {
            if (!isfinite(d->D[n])) {
                rc = err_set(e, SANC_EDATA, "ge_io: deficit of %s is not finite",
                             io_cname(s, (int)n, b1, sizeof b1));
                goto fail;
            }
            s->D0[n] = d->D[n];
        }
    }
    for (size_t i = 0; i < N; i++)
        for (size_t n = 0; n < N; n++) {
            if (i == n)
                continue;
            for (size_t k = 0; k < K; k++) {
                size_t c = (i * N + n) * K + k;
                double m = d->M[c];
                if (d->D == NULL) {
                    s->D0[n] += m;
                    s->D0[i] -= m;
                }
            }
        }
    /* baseline revenue: tariffs to the importer, export taxes to the
     * exporter, fees to the hubs */
    for (size_t i = 0; i < N; i++)
        for (size_t n = 0; n < N; n++)
            for (size_t k = 0; k < K; k++) {
                size_t c = (i * N + n) * K + k;
                double m = d->M[c], sv = m / ((1 + s->x0[c]) * (1 + s->f0[c]));
                s->I0[n] += s->t0[c] * m;
                s->I0[i] += s->x0[c] * sv;
            }
    for (int a = 0; a < s->nfee0; a++) {
        size_t c = s->fee0[a].cell;
        double sv = d->M[c] / ((1 + s->x0[c]) * (1 + s->f0[c]));
        s->I0[s->fee0[a].hub] += s->fee0[a].rate * sv * (1 + s->x0[c]);
    }
    for (size_t n = 0; n < N; n++) {
        s->I0[n] += s->wL0[n] + s->D0[n];
        double fc = 0;
        for (size_t k = 0; k < K; k++)
            fc += d->FC[n * K + k];
        if (!(fc > 0) && (s->wL0[n] > 0 || s->I0[n] != 0)) {
            rc = err_set(e, SANC_EDATA, "ge_io: %s has income but no final demand",
                         io_cname(s, (int)n, b1, sizeof b1));
            goto fail;
        }
    }
    *out = s;
    return SANC_OK;
fail:
    ge_io_free(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Kernels                                                              */

/* acc[k] += b[k] * v[k], contiguous in k (hand-unrolled as in ge.c). */
static void io_fma_k(size_t K, double *restrict acc, const double *restrict b,
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

/* One price sweep at log unit costs lc: fills uexp, sum, lP and the image
 * g = gamma lv + G' lP; returns max |g - lc| (inf when out of range). */
static double io_price_sweep(ge_io *s, const double *lc, double *g)
{
    const size_t N = (size_t)s->N, K = (size_t)s->K;
    for (size_t k = 0; k < K; k++)
        s->mk[k] = -HUGE_VAL;
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < K; k++)
            if (s->sells[i * K + k]) {
                double v = -s->theta[k] * lc[i * K + k];
                if (v > s->mk[k])
                    s->mk[k] = v;
            }
    for (size_t k = 0; k < K; k++)
        if (!isfinite(s->mk[k]))
            s->mk[k] = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < K; k++) {
            size_t ik = i * K + k;
            s->uexp[ik] = s->sells[ik] ? exp(-s->theta[k] * lc[ik] - s->mk[k]) : 0;
        }
    memset(s->sum, 0, s->NK * sizeof(double));
    for (size_t i = 0; i < N; i++) {
        const double *ui = s->uexp + i * K;
        for (size_t n = 0; n < N; n++)
            io_fma_k(K, s->sum + n * K, s->B + (i * N + n) * K, ui);
    }
    int ok = 1;
    for (size_t nk = 0; nk < s->NK; nk++) {
        size_t k = nk % K;
        if (s->X0[nk] > 0) {
            if (!(s->sum[nk] > 0) || !isfinite(s->sum[nk]))
                ok = 0; /* suppliers exist (checked): out of floating-point range */
            s->lP[nk] = -(s->mk[k] + log(s->sum[nk])) / s->theta[k];
        } else {
            s->lP[nk] = 0;
        }
    }
    double r = 0;
    for (size_t n = 0; n < N; n++) {
        double *gn = g + n * K;
        const double *lvn = s->lv + n * K, *gam = s->gamma + n * K;
        for (size_t k = 0; k < K; k++)
            gn[k] = gam[k] * lvn[k];
        for (size_t sI = 0; sI < K; sI++) {
            double lp = s->lP[n * K + sI];
            if (lp == 0)
                continue;
            const double *Gs = s->G + (n * K + sI) * K;
            for (size_t k = 0; k < K; k++)
                gn[k] += Gs[k] * lp;
        }
        for (size_t k = 0; k < K; k++) {
            double dv = fabs(gn[k] - lc[n * K + k]);
            if (!(dv <= r))
                r = dv;
        }
    }
    return ok && isfinite(r) ? r : HUGE_VAL;
}

/* E1-E2 at the current lv, from s->lc; on return s->lc is the accepted
 * point with uexp/sum/lP evaluated there.  Returns 1 if within itol. */
static int io_prices(ge_io *s, double itol)
{
    aa_reset(&s->aa_p);
    double r = HUGE_VAL;
    for (int it = 0; it < IO_INNER_MAX; it++) {
        r = io_price_sweep(s, s->lc, s->lcg);
        s->sweeps++;
        if (!(r < HUGE_VAL))
            break;
        if (r < itol)
            break;
        aa_next(&s->aa_p, s->lc, s->lcg, s->lcn);
        double *t = s->lc;
        s->lc = s->lcn;
        s->lcn = t;
    }
    s->r_price = r;
    return r < itol;
}

/* One spending sweep at X (prices fixed): fills q, Y, Rt, Rx, Rf, I and
 * the image Xg = G Y + alpha I; returns the max relative change. */
static double io_x_sweep(ge_io *s, const double *X, double *Xg)
{
    const size_t N = (size_t)s->N, K = (size_t)s->K;
    for (size_t nk = 0; nk < s->NK; nk++)
        s->q[nk] = s->X0[nk] > 0 ? X[nk] / s->sum[nk] : 0;
    memset(s->Y, 0, s->NK * sizeof(double));
    if (s->has_x)
        memset(s->accx, 0, s->NK * sizeof(double));
    for (size_t i = 0; i < N; i++) {
        double *Yi = s->Y + i * K;
        for (size_t n = 0; n < N; n++)
            io_fma_k(K, Yi, s->Bt + (i * N + n) * K, s->q + n * K);
        if (s->has_x) {
            double *Ai = s->accx + i * K;
            for (size_t n = 0; n < N; n++)
                io_fma_k(K, Ai, s->Bx + (i * N + n) * K, s->q + n * K);
        }
    }
    for (size_t n = 0; n < N; n++) {
        double rx = 0, rt = 0;
        for (size_t k = 0; k < K; k++) {
            size_t nk = n * K + k;
            s->Y[nk] *= s->uexp[nk];
            if (s->has_x)
                rx += s->accx[nk] * s->uexp[nk];
            if (s->has_t)
                rt += s->tsh[nk] * X[nk];
        }
        s->Rx[n] = rx;
        s->Rt[n] = rt;
        s->Rf[n] = 0;
    }
    if (s->has_f) {
        for (int a = 0; a < s->nfee1; a++) {
            const ge_io_fee *fe = &s->fee1[a];
            size_t c = fe->cell, k = c % K, n = c / K % N, i = c / (K * N);
            double sv = s->Bt[c] * s->uexp[i * K + k] * s->q[n * K + k];
            s->Rf[fe->hub] += fe->rate * (1 + s->x1[c]) * sv;
        }
    }
    double r = 0;
    for (size_t n = 0; n < N; n++) {
        s->I[n] = s->fac[n] + s->Rt[n] + s->Rx[n] + s->Rf[n] + s->D1[n];
        double *Xn = Xg + n * K, tot = 0;
        for (size_t k = 0; k < K; k++) {
            Xn[k] = s->alpha[n * K + k] * s->I[n];
            tot += fabs(X[n * K + k]);
        }
        for (size_t sI = 0; sI < K; sI++) {
            const double *Gs = s->G + (n * K + sI) * K, *Yn = s->Y + n * K;
            double acc = 0;
            for (size_t k = 0; k < K; k++)
                acc += Gs[k] * Yn[k];
            Xn[sI] += acc;
        }
        for (size_t k = 0; k < K; k++) {
            double d = fabs(Xn[k] - X[n * K + k]);
            double den = fabs(X[n * K + k]) + 1e-9 * tot;
            double rel = den > 0 ? d / den : (d > 0 ? HUGE_VAL : 0);
            if (!(rel <= r))
                r = rel;
        }
    }
    return isfinite(r) ? r : HUGE_VAL;
}

/* E4-E6 at the prices of the last price sweep, from s->X.  Returns 1 if
 * within itol; s->X is the accepted point with Y, R, I evaluated there. */
static int io_spending(ge_io *s, double itol)
{
    const size_t N = (size_t)s->N, K = (size_t)s->K;
    if (s->has_t) { /* importer's tariff share of X_n^k at these prices */
        memset(s->tsh, 0, s->NK * sizeof(double));
        for (size_t i = 0; i < N; i++)
            for (size_t n = 0; n < N; n++)
                io_fma_k(K, s->tsh + n * K, s->Btar + (i * N + n) * K, s->uexp + i * K);
        for (size_t nk = 0; nk < s->NK; nk++)
            s->tsh[nk] = s->X0[nk] > 0 ? s->tsh[nk] / s->sum[nk] : 0;
    }
    aa_reset(&s->aa_x);
    double r = HUGE_VAL;
    for (int it = 0; it < IO_INNER_MAX; it++) {
        r = io_x_sweep(s, s->X, s->Xg);
        s->sweeps++;
        if (!(r < HUGE_VAL) || r < itol)
            break;
        aa_next(&s->aa_x, s->X, s->Xg, s->Xn);
        double *t = s->X;
        s->X = s->Xn;
        s->Xn = t;
    }
    s->r_x = r;
    return r < itol;
}

/* Shift log factor prices so that each component's value added is its
 * baseline total (E8). */
static void io_normalise(ge_io *s, double *u)
{
    for (int c = 0; c < s->ncomp; c++) {
        double mx = -HUGE_VAL;
        for (int a = 0; a < s->nu; a++)
            if (s->ucomp[a] == c && u[a] > mx)
                mx = u[a];
        if (!isfinite(mx))
            continue;
        double sum = 0;
        for (int a = 0; a < s->nu; a++)
            if (s->ucomp[a] == c)
                sum += exp(u[a] - mx) * s->uVA[a];
        double shift = log(s->compVA[c]) - mx - log(sum);
        for (int a = 0; a < s->nu; a++)
            if (s->ucomp[a] == c)
                u[a] += shift;
    }
}

/* The outer map at log factor prices u: inner blocks to itol, labour
 * demand, and the normalised image g.  Returns max |g/u - 1| (inf when not
 * finite); *worst gets the unit with the largest factor-market gap. */
static double io_eval(ge_io *s, const double *u, double *g, double itol, int *worst)
{
    const size_t N = (size_t)s->N, K = (size_t)s->K;
    for (size_t nk = 0; nk < s->NK; nk++) {
        int a = s->unit[nk];
        s->lv[nk] = a >= 0 ? u[a] : 0;
    }
    for (size_t n = 0; n < N; n++) {
        double f = 0;
        for (size_t k = 0; k < K; k++) {
            int a = s->unit[n * K + k];
            if (a >= 0)
                f += exp(u[a]) * s->VA0[n * K + k];
        }
        s->fac[n] = f;
    }
    io_prices(s, itol);
    if (!(s->r_price < HUGE_VAL))
        return HUGE_VAL;
    io_spending(s, itol);
    if (!(s->r_x < HUGE_VAL))
        return HUGE_VAL;
    for (int a = 0; a < s->nu; a++)
        s->LD[a] = 0;
    for (size_t nk = 0; nk < s->NK; nk++) {
        int a = s->unit[nk];
        if (a >= 0)
            s->LD[a] += s->gamma[nk] * s->Y[nk];
    }
    for (int a = 0; a < s->nu; a++) {
        if (!(s->LD[a] > 0) || !isfinite(s->LD[a]))
            return HUGE_VAL;
        double step = s->ulam[a] * (log(s->LD[a]) - u[a] - log(s->uVA[a]));
        g[a] = u[a] + (step > IO_MAX_STEP ? IO_MAX_STEP : step < -IO_MAX_STEP ? -IO_MAX_STEP : step);
    }
    io_normalise(s, g);
    double r = 0;
    int w = -1;
    for (int a = 0; a < s->nu; a++) {
        double d = fabs(expm1(g[a] - u[a]));
        if (!(d <= r)) {
            r = d;
            w = a;
        }
    }
    if (worst != NULL)
        *worst = w;
    if (w >= 0 && isfinite(r)) {
        s->last_worst = w;
        s->last_gap = log(s->LD[w]) - u[w] - log(s->uVA[w]);
    }
    return isfinite(r) ? r : HUGE_VAL;
}

static int io_find(int *root, int i)
{
    while (root[i] != i) {
        root[i] = root[root[i]];
        i = root[i];
    }
    return i;
}

static void io_swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/* Per-solve set-up: wedges, B and friends, components, deficits, units. */
static int io_setup(ge_io *s, const ge_io_shock *sh, errbuf *e)
{
    const int N = s->N, K = s->K;
    const size_t Nz = (size_t)N, Kz = (size_t)K;
    char b1[32], b2[32], b3[32];
    int rc;
    const ge_io_wedges *w = sh != NULL ? sh->wedges : NULL;
    if (w != NULL) {
        if ((rc = io_wedges(s, w, s->t1, s->x1, s->f1, "new", e)) < 0)
            return rc;
        s->fee1 = w->fee;
        s->nfee1 = w->nfee;
    } else {
        memcpy(s->t1, s->t0, s->NNK * sizeof(double));
        memcpy(s->x1, s->x0, s->NNK * sizeof(double));
        memcpy(s->f1, s->f0, s->NNK * sizeof(double));
        s->fee1 = s->fee0;
        s->nfee1 = s->nfee0;
    }
    s->has_x = s->has_t = s->has_f = 0;
    for (size_t c = 0; c < s->NNK; c++) {
        s->has_t |= s->t1[c] != 0;
        s->has_x |= s->x1[c] != 0;
        s->has_f |= s->f1[c] != 0;
    }
    const double *phi = sh != NULL ? sh->phi : NULL;
    for (int i = 0; i < N; i++)
        s->root[i] = i;
    memset(s->sells, 0, s->NK * sizeof(unsigned char));
    memset(s->sum, 0, s->NK * sizeof(double)); /* column sums: suppliers of (n, k) */
    for (size_t i = 0; i < Nz; i++)
        for (size_t n = 0; n < Nz; n++) {
            int open = 0;
            for (size_t k = 0; k < Kz; k++) {
                size_t c = (i * Nz + n) * Kz + k;
                double ph = phi != NULL && i != n ? phi[c] : 1.0;
                if (!(ph >= 0) || !isfinite(ph))
                    return err_set(e, SANC_EDATA,
                                   "ge_io: openness %s -> %s in %s is negative or not finite",
                                   io_cname(s, (int)i, b1, sizeof b1),
                                   io_cname(s, (int)n, b2, sizeof b2),
                                   io_sname(s, (int)k, b3, sizeof b3));
                double pi = s->pi0[c];
                if (pi > 0 && ph >= IO_CLOSED) {
                    double T0 = (1 + s->t0[c]) * (1 + s->x0[c]) * (1 + s->f0[c]);
                    double T1 = (1 + s->t1[c]) * (1 + s->x1[c]) * (1 + s->f1[c]);
                    double th = s->theta[k];
                    double b = pi * exp(-th * log(T1 / T0)) * ph;
                    s->B[c] = b;
                    s->Bt[c] = b / T1;
                    s->Bx[c] = b * s->x1[c] / T1;
                    s->Btar[c] = b * s->t1[c] / (1 + s->t1[c]);
                    s->dhat[c] = ph == 1.0 ? 1.0 : exp(-log(ph) / th);
                    if (!isfinite(b) || !isfinite(s->dhat[c]))
                        return err_set(e, SANC_ENOEQ,
                                       "ge_io: trade cost %s -> %s in %s outside the "
                                       "floating-point range (theta = %g)",
                                       io_cname(s, (int)i, b1, sizeof b1),
                                       io_cname(s, (int)n, b2, sizeof b2),
                                       io_sname(s, (int)k, b3, sizeof b3), th);
                } else {
                    s->B[c] = s->Bt[c] = s->Bx[c] = s->Btar[c] = 0;
                    s->dhat[c] = pi > 0 ? HUGE_VAL : 1.0; /* closed: no first-order term */
                }
                if (s->B[c] > 0) {
                    s->sells[i * Kz + k] = 1;
                    s->sum[n * Kz + k] += s->B[c];
                    open |= i != n;
                }
            }
            if (open) {
                int ri = io_find(s->root, (int)i), rn = io_find(s->root, (int)n);
                if (ri != rn)
                    s->root[ri > rn ? ri : rn] = ri < rn ? ri : rn;
            }
        }
    for (size_t nk = 0; nk < s->NK; nk++)
        if (s->X0[nk] > 0 && !(s->sum[nk] > 0))
            return err_set(e, SANC_ENOEQ,
                           "no equilibrium: %s buys %s but every supplier is closed",
                           io_cname(s, (int)(nk / Kz), b1, sizeof b1),
                           io_sname(s, (int)(nk % Kz), b2, sizeof b2));
    /* components, numbered by their smallest member */
    s->ncomp = 0;
    for (int i = 0; i < N; i++)
        s->comp[i] = io_find(s->root, i) == i ? s->ncomp++ : -1;
    for (int i = 0; i < N; i++)
        s->comp[i] = s->comp[io_find(s->root, i)];
    /* deficits: the shock's or the baseline's, shifted within each component
     * in proportion to gross output so that they sum to zero */
    const double *Din = sh != NULL && sh->D != NULL ? sh->D : s->D0;
    for (int c = 0; c < s->ncomp; c++) {
        double sumD = 0, sumY = 0;
        int nm = 0;
        for (int n = 0; n < N; n++) {
            if (s->comp[n] != c)
                continue;
            if (!isfinite(Din[n]))
                return err_set(e, SANC_EDATA, "ge_io: deficit of %s is not finite",
                               io_cname(s, n, b1, sizeof b1));
            double y = 0;
            for (int k = 0; k < K; k++)
                y += s->Y0[(size_t)n * Kz + (size_t)k];
            sumD += Din[n];
            sumY += y;
            nm++;
        }
        for (int n = 0; n < N; n++) {
            if (s->comp[n] != c)
                continue;
            double y = 0;
            for (int k = 0; k < K; k++)
                y += s->Y0[(size_t)n * Kz + (size_t)k];
            s->D1[n] = nm == 1 || !(sumY > 0) ? 0 : Din[n] - y * (sumD / sumY);
        }
        s->compVA[c] = 0;
    }
    /* factor units */
    s->nu = 0;
    memset(s->dead, 0, s->NK);
    for (size_t nk = 0; nk < s->NK; nk++)
        s->unit[nk] = -1;
    for (int n = 0; n < N; n++) {
        size_t n0 = (size_t)n * Kz;
        for (int k = 0; k < K; k++)
            s->compVA[s->comp[n]] += s->VA0[n0 + (size_t)k];
        if (s->factors == GE_IO_MOBILE) {
            if (!(s->wL0[n] > 0))
                continue;
            int any = 0;
            for (int k = 0; k < K && !any; k++)
                any = s->sells[n0 + (size_t)k] && s->gamma[n0 + (size_t)k] > 0;
            if (!any)
                return err_set(e, SANC_ENOEQ,
                               "no equilibrium: %s has value added but can sell nothing "
                               "(every market closed)", io_cname(s, n, b1, sizeof b1));
            int a = s->nu++;
            double ys = 0, yth = 0, ydom = 0;
            for (int k = 0; k < K; k++) {
                size_t nk = n0 + (size_t)k;
                s->unit[nk] = a;
                ys += s->Y0[nk];
                yth += s->Y0[nk] * s->theta[k];
                ydom += s->Y0[nk] * s->dom0[nk];
            }
            s->ucountry[a] = n;
            s->usector[a] = -1;
            s->ucomp[a] = s->comp[n];
            s->uVA[a] = s->wL0[n];
            s->ulam[a] = ys > 0 ? 1.0 / (1.0 + yth / ys * (1.0 - ydom / ys)) : 1.0;
        } else {
            for (int k = 0; k < K; k++) {
                size_t nk = n0 + (size_t)k;
                if (!(s->VA0[nk] > 0))
                    continue;
                if (!s->sells[nk]) {
                    s->dead[nk] = 1;
                    continue;
                }
                int a = s->nu++;
                s->unit[nk] = a;
                s->ucountry[a] = n;
                s->usector[a] = k;
                s->ucomp[a] = s->comp[n];
                s->uVA[a] = s->VA0[nk];
                s->ulam[a] = 1.0 / (1.0 + s->theta[k] * (1.0 - s->dom0[nk]));
            }
        }
    }
    return SANC_OK;
}

/* Fill the caller's result from the solver state at log factor prices u. */
static int io_results(ge_io *s, const double *u, ge_io_result *r, errbuf *e)
{
    const size_t N = (size_t)s->N, K = (size_t)s->K;
    char b1[32], b2[32];
    for (size_t nk = 0; nk < s->NK; nk++) {
        int a = s->unit[nk];
        double v = a >= 0 ? exp(u[a]) : (s->dead[nk] ? 0.0 : 1.0);
        r->v[nk] = v;
        r->c[nk] = s->dead[nk] ? 0.0 : exp(s->lc[nk]);
        r->P[nk] = exp(s->lP[nk]);
        r->X[nk] = s->X[nk];
        r->Y[nk] = s->Y[nk];
        if (r->VA != NULL)
            r->VA[nk] = s->gamma[nk] * s->Y[nk];
        if (!isfinite(r->c[nk]) || !isfinite(r->P[nk]) || !isfinite(v) || !isfinite(s->Y[nk]))
            return err_set(e, SANC_ENOEQ,
                           "equilibrium outside the floating-point range: unit cost or price "
                           "index of %s in %s", io_cname(s, (int)(nk / K), b1, sizeof b1),
                           io_sname(s, (int)(nk % K), b2, sizeof b2));
    }
    for (size_t n = 0; n < N; n++) {
        double lp = 0, vva = 0, va = 0;
        for (size_t k = 0; k < K; k++) {
            lp += s->alpha[n * K + k] * s->lP[n * K + k];
            vva += r->v[n * K + k] * s->VA0[n * K + k];
            va += s->VA0[n * K + k];
        }
        double wn = va > 0 ? vva / va : 1.0;
        r->I[n] = s->I[n];
        r->R[n] = s->Rt[n] + s->Rx[n] + s->Rf[n];
        if (r->R_tariff != NULL)
            r->R_tariff[n] = s->Rt[n];
        if (r->R_export_tax != NULL)
            r->R_export_tax[n] = s->Rx[n];
        if (r->R_fee != NULL)
            r->R_fee[n] = s->Rf[n];
        if (r->D != NULL)
            r->D[n] = s->D1[n];
        if (r->w != NULL)
            r->w[n] = wn;
        r->price_index[n] = exp(lp);
        r->welfare[n] = s->I0[n] > 0 && s->I[n] > 0 ? exp(log(s->I[n] / s->I0[n]) - lp) : 1.0;
        if (r->real_wage != NULL)
            r->real_wage[n] = exp(log(wn) - lp);
        if (!isfinite(r->price_index[n]) || !isfinite(r->welfare[n]) || !isfinite(r->I[n]))
            return err_set(e, SANC_ENOEQ,
                           "equilibrium outside the floating-point range: price index or "
                           "welfare of %s (log price index %.6g)",
                           io_cname(s, (int)n, b1, sizeof b1), lp);
        if (r->tot != NULL) r->tot[n] = 0;
        if (r->vot != NULL) r->vot[n] = 0;
        if (r->tech != NULL) r->tech[n] = 0;
    }
    /* cell outputs and CP's decomposition (M, t, I of the baseline) */
    for (size_t i = 0; i < N; i++)
        for (size_t n = 0; n < N; n++)
            for (size_t k = 0; k < K; k++) {
                size_t c = (i * N + n) * K + k, nk = n * K + k, ik = i * K + k;
                double pip = s->X0[nk] > 0 ? s->B[c] * s->uexp[ik] / s->sum[nk] : 0;
                if (r->pi != NULL)
                    r->pi[c] = pip;
                if (r->S != NULL)
                    r->S[c] = s->Bt[c] * s->uexp[ik] * s->q[nk];
                if (r->tot == NULL && r->vot == NULL && r->tech == NULL)
                    continue;
                double M0 = s->pi0[c] * s->X0[nk] / (1 + s->t0[c]);
                if (M0 == 0)
                    continue;
                double M1 = pip * s->X[nk] / (1 + s->t1[c]);
                if (r->tot != NULL) {
                    r->tot[i] += M0 * (r->c[ik] - 1); /* i's exports to n */
                    r->tot[n] -= M0 * (r->c[ik] - 1); /* n's imports from i */
                }
                if (r->vot != NULL)
                    r->vot[n] += s->t0[c] * (M1 - M0 * r->c[ik]);
                if (r->tech != NULL && isfinite(s->dhat[c]))
                    r->tech[n] -= (1 + s->t0[c]) * M0 * (s->dhat[c] - 1);
            }
    for (size_t n = 0; n < N; n++) {
        double den = s->I0[n];
        if (r->tot != NULL) r->tot[n] = den != 0 ? r->tot[n] / den : 0;
        if (r->vot != NULL) r->vot[n] = den != 0 ? r->vot[n] / den : 0;
        if (r->tech != NULL) r->tech[n] = den != 0 ? r->tech[n] / den : 0;
    }
    return SANC_OK;
}

int ge_io_solve(ge_io *s, const ge_io_shock *sh, ge_io_result *r, errbuf *e)
{
    const size_t N = (size_t)s->N, K = (size_t)s->K;
    char b1[32], b2[32];
    r->iterations = 0;
    r->inner_iterations = 0;
    r->residual = 0;
    r->walras = 0;
    int rc = io_setup(s, sh, e);
    if (rc < 0)
        return rc;
    s->sweeps = 0;
    s->last_worst = -1;
    s->last_gap = 0;
    s->aa_out.dim = s->nu;
    aa_reset(&s->aa_out);

    /* starting point: a previous solution or the baseline */
    for (int a = 0; a < s->nu; a++) {
        double v = 1;
        if (r->warm) {
            size_t nk = (size_t)s->ucountry[a] * K + (size_t)(s->usector[a] < 0 ? 0 : s->usector[a]);
            v = r->v[nk];
        }
        s->u[a] = v > 0 && isfinite(v) ? log(v) : 0;
    }
    for (size_t nk = 0; nk < s->NK; nk++) {
        double c = r->warm ? r->c[nk] : 1, x = r->warm ? r->X[nk] : s->X0[nk];
        s->lc[nk] = c > 0 && isfinite(c) ? log(c) : 0;
        s->X[nk] = isfinite(x) ? x : s->X0[nk];
    }
    io_normalise(s, s->u);

    /* Outer iteration (see the file comment).  The inner tolerance follows
     * the outer residual down to `tight`; a step counts as converged only
     * when it was evaluated at the tight inner tolerance. */
    const double tight = s->tol * 1e-3 < 1e-14 ? s->tol * 1e-3 : 1e-14;
    double itol = 1e-6 > tight ? 1e-6 : tight;
    int worst = -1, it = 1, steps = 0, polish = 0;
    double rn, rprev = HUGE_VAL;
    double res = io_eval(s, s->u, s->ug, itol, &worst);
    if (!(res < HUGE_VAL) && r->warm) { /* a bad warm start: begin again at the baseline */
        for (int a = 0; a < s->nu; a++)
            s->u[a] = 0;
        for (size_t nk = 0; nk < s->NK; nk++) {
            s->lc[nk] = 0;
            s->X[nk] = s->X0[nk];
        }
        io_normalise(s, s->u);
        res = io_eval(s, s->u, s->ug, itol, &worst);
        it++;
    }
    while (res < HUGE_VAL && it < s->max_iter) {
        if (res < s->tol) {
            if (itol > tight) {
                itol = tight;
                res = io_eval(s, s->u, s->ug, itol, &worst);
                it++;
                continue;
            }
            if (steps == 0 || res < IO_POLISH * s->tol || res >= rprev || ++polish > 3)
                break;
        }
        rprev = res;
        double want = 1e-3 * res;
        itol = want < tight ? tight : (want > 1e-6 ? 1e-6 : want);
        int accel = aa_next(&s->aa_out, s->u, s->ug, s->un);
        io_normalise(s, s->un);
        rn = io_eval(s, s->un, s->ugn, itol, &worst);
        it++;
        if (accel && (!(rn < HUGE_VAL) || rn > IO_AA_GROWTH * res)) {
            aa_reset(&s->aa_out); /* the plain step from the current point */
            memcpy(s->un, s->ug, (size_t)s->nu * sizeof(double));
            rn = io_eval(s, s->un, s->ugn, itol, &worst);
            it++;
        }
        for (int h = 1; !(rn < HUGE_VAL) && h <= 40 && it < s->max_iter; h++) {
            double wgt = ldexp(1.0, -h);
            for (int a = 0; a < s->nu; a++)
                s->un[a] = s->u[a] + wgt * (s->ug[a] - s->u[a]);
            io_normalise(s, s->un);
            rn = io_eval(s, s->un, s->ugn, itol, &worst);
            it++;
            aa_reset(&s->aa_out);
        }
        steps++;
        io_swap(&s->u, &s->un);
        io_swap(&s->ug, &s->ugn);
        res = rn;
    }
    r->iterations = it;
    r->inner_iterations = s->sweeps;
    if (!(res < HUGE_VAL)) {
        /* distinguish an income that cannot be positive from a failure */
        for (size_t n = 0; n < N; n++)
            if (s->I0[n] > 0 && !(s->I[n] > 0))
                return err_set(e, SANC_ENOEQ,
                               "no equilibrium: %s would have non-positive income (%.6g)",
                               io_cname(s, (int)n, b1, sizeof b1), s->I[n]);
        int a = s->last_worst;
        if (a >= 0)
            return err_set(e, SANC_ENOCONV,
                           "solver did not converge: prices or spending left the floating-point "
                           "range after %d iterations; the largest factor-market gap was %s%s%s "
                           "(demand / income = exp(%.3g))",
                           it, io_cname(s, s->ucountry[a], b1, sizeof b1),
                           s->usector[a] >= 0 ? " / " : "",
                           s->usector[a] >= 0 ? io_sname(s, s->usector[a], b2, sizeof b2) : "",
                           s->last_gap);
        return err_set(e, SANC_ENOCONV,
                       "solver did not converge: non-finite prices or spending after %d "
                       "iterations", it);
    }
    for (size_t n = 0; n < N; n++) {
        double tot = 0;
        for (size_t k = 0; k < K; k++)
            tot += fabs(s->X[n * K + k]);
        if (s->I0[n] > 0 && !(s->I[n] > 0))
            return err_set(e, SANC_ENOEQ,
                           "no equilibrium: %s would have non-positive income (%.6g)",
                           io_cname(s, (int)n, b1, sizeof b1), s->I[n]);
        for (size_t k = 0; k < K; k++)
            if (s->X[n * K + k] < -1e-9 * tot)
                return err_set(e, SANC_ENOEQ,
                               "no equilibrium: spending of %s on %s would be negative (%.6g)",
                               io_cname(s, (int)n, b1, sizeof b1),
                               io_sname(s, (int)k, b2, sizeof b2), s->X[n * K + k]);
    }
    /* residuals: the factor markets, measured on the final state, and the
     * inner blocks' last sweeps; Walras' law per component */
    double lab = 0;
    int wu = -1;
    for (int a = 0; a < s->nu; a++) {
        double d = fabs(s->LD[a] / (exp(s->u[a]) * s->uVA[a]) - 1);
        if (!(d <= lab)) {
            lab = d;
            wu = a;
        }
    }
    double walras = 0;
    for (int c = 0; c < s->ncomp; c++) {
        double gap = 0, fi = 0;
        for (int a = 0; a < s->nu; a++)
            if (s->ucomp[a] == c) {
                gap += s->LD[a] - exp(s->u[a]) * s->uVA[a];
                fi += exp(s->u[a]) * s->uVA[a];
            }
        if (fi > 0 && fabs(gap) / fi > walras)
            walras = fabs(gap) / fi;
    }
    double resid = lab;
    if (s->r_price > resid)
        resid = s->r_price;
    if (s->r_x > resid)
        resid = s->r_x;
    r->residual = resid;
    r->walras = walras;
    if (!(res < s->tol) || !(resid <= (1e4 * s->tol > 1e-8 ? 1e4 * s->tol : 1e-8))) {
        int a = worst >= 0 ? worst : wu;
        if (a < 0)
            return err_set(e, SANC_ENOCONV,
                           "solver did not converge in %d iterations: inner residuals "
                           "%.3g (prices), %.3g (spending)", it, s->r_price, s->r_x);
        if (s->usector[a] >= 0)
            return err_set(e, SANC_ENOCONV,
                           "solver did not converge in %d iterations: worst %s / %s, factor "
                           "price change %.3g, factor-market residual %.3g",
                           it, io_cname(s, s->ucountry[a], b1, sizeof b1),
                           io_sname(s, s->usector[a], b2, sizeof b2), res, lab);
        return err_set(e, SANC_ENOCONV,
                       "solver did not converge in %d iterations: worst %s, wage change %.3g, "
                       "labour-market residual %.3g",
                       it, io_cname(s, s->ucountry[a], b1, sizeof b1), res, lab);
    }
    return io_results(s, s->u, r, e);
}

/* Make the last solution the baseline (period 0).  Valid right after a
 * solve without an openness shock. */
static void io_rebase(ge_io *s)
{
    const size_t N = (size_t)s->N, K = (size_t)s->K;
    memset(s->dom0, 0, s->NK * sizeof(double));
    for (size_t i = 0; i < N; i++)
        for (size_t n = 0; n < N; n++)
            for (size_t k = 0; k < K; k++) {
                size_t c = (i * N + n) * K + k, nk = n * K + k, ik = i * K + k;
                s->pi0[c] = s->X0[nk] > 0 ? s->B[c] * s->uexp[ik] / s->sum[nk] : 0;
                if (i == n)
                    s->dom0[ik] = s->Bt[c] * s->uexp[ik] * s->q[nk];
            }
    memcpy(s->t0, s->t1, s->NNK * sizeof(double));
    memcpy(s->x0, s->x1, s->NNK * sizeof(double));
    memcpy(s->f0, s->f1, s->NNK * sizeof(double));
    for (size_t n = 0; n < N; n++) {
        s->wL0[n] = 0;
        for (size_t k = 0; k < K; k++) {
            size_t nk = n * K + k;
            s->X0[nk] = s->X[nk] > 0 ? s->X[nk] : 0;
            s->Y0[nk] = s->Y[nk];
            s->dom0[nk] = s->Y[nk] > 0 ? s->dom0[nk] / s->Y[nk] : 1;
            s->VA0[nk] = s->gamma[nk] * s->Y[nk];
            s->wL0[n] += s->VA0[nk];
        }
        s->D0[n] = s->D1[n];
        s->I0[n] = s->I[n];
    }
}

int ge_io_baseline_resolve(ge_io *s, int deficits, ge_io_result *r, double *max_change,
                           errbuf *e)
{
    if (deficits != GE_IO_DEFICITS_DATA && deficits != GE_IO_DEFICITS_ZERO)
        return err_set(e, SANC_EUSAGE, "ge_io: unknown baseline deficits convention %d",
                       deficits);
    double *zero = NULL;
    if (deficits == GE_IO_DEFICITS_ZERO) {
        zero = calloc((size_t)s->N, sizeof *zero);
        if (zero == NULL)
            return err_set(e, SANC_ENOMEM, "ge_io: out of memory");
    }
    ge_io_shock sh = { NULL, NULL, zero };
    int rc = ge_io_solve(s, &sh, r, e);
    free(zero);
    if (rc < 0)
        return rc;
    if (max_change != NULL) {
        double mx = 0;
        for (size_t nk = 0; nk < s->NK; nk++)
            if (s->unit[nk] >= 0 && fabs(r->v[nk] - 1) > mx)
                mx = fabs(r->v[nk] - 1);
        *max_change = mx;
    }
    io_rebase(s);
    r->warm = 0; /* r is relative to the data: not a starting point for period 1 */
    return SANC_OK;
}
