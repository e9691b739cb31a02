/*
 * test_ge_io.c - unit tests of the production-network core
 * (models/econ/ge_io.c, DESIGN section 2b).
 *
 * Expectations come from independent derivations, never from numbers the
 * solver printed: the Armington solver of section 2 (models/ge.c, a
 * different algorithm on a different formulation) for the nesting case;
 * CP's closed-form welfare formula (eq. 14) for one sector with inputs;
 * the equilibrium conditions and accounting identities re-derived here from
 * the raw data (shares, wedges, recipients) for random worlds with
 * tariffs, export taxes, fees and deficits; closed forms for symmetric
 * two-country tariff and export-tax cases.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "ge_io.h"
#include "scenario.h"
#include "err.h"
#include "ge.h"
#include "harness.h"
#include "world.h"

/* ------------------------------------------------------------------ */
/* Problems and results                                                 */

typedef struct io_case {
    int N, K;
    double *M, *t, *x, *IC, *FC, *VA, *theta, *D;
    ge_io_fee *fee;
    int nfee;
} io_case;

static io_case *case_new(int N, int K)
{
    io_case *c = calloc(1, sizeof *c);
    size_t NNK = (size_t)N * N * K, NK = (size_t)N * K;
    c->N = N;
    c->K = K;
    c->M = calloc(NNK, sizeof(double));
    c->t = calloc(NNK, sizeof(double));
    c->x = calloc(NNK, sizeof(double));
    c->IC = calloc(NK * K, sizeof(double));
    c->FC = calloc(NK, sizeof(double));
    c->VA = calloc(NK, sizeof(double));
    c->theta = calloc((size_t)K, sizeof(double));
    c->D = calloc((size_t)N, sizeof(double));
    c->fee = calloc(NNK, sizeof(ge_io_fee));
    return c;
}

static void case_free(io_case *c)
{
    free(c->M); free(c->t); free(c->x); free(c->IC); free(c->FC); free(c->VA);
    free(c->theta); free(c->D); free(c->fee);
    free(c);
}

static size_t cell(int N, int K, int i, int n, int k)
{
    return ((size_t)i * (size_t)N + (size_t)n) * (size_t)K + (size_t)k;
}

typedef struct res {
    ge_io_result r;
} res;

static res *res_new(int N, int K)
{
    res *R = calloc(1, sizeof *R);
    size_t NNK = (size_t)N * N * K, NK = (size_t)N * K, n = (size_t)N;
    ge_io_result *r = &R->r;
    r->v = calloc(NK, 8); r->w = calloc(n, 8); r->c = calloc(NK, 8); r->P = calloc(NK, 8);
    r->X = calloc(NK, 8); r->Y = calloc(NK, 8); r->VA = calloc(NK, 8); r->I = calloc(n, 8);
    r->R = calloc(n, 8); r->R_tariff = calloc(n, 8); r->R_export_tax = calloc(n, 8);
    r->R_fee = calloc(n, 8); r->D = calloc(n, 8); r->pi = calloc(NNK, 8); r->S = calloc(NNK, 8);
    r->welfare = calloc(n, 8); r->price_index = calloc(n, 8); r->real_wage = calloc(n, 8);
    r->tot = calloc(n, 8); r->vot = calloc(n, 8); r->tech = calloc(n, 8);
    return R;
}

static void res_free(res *R)
{
    ge_io_result *r = &R->r;
    free(r->v); free(r->w); free(r->c); free(r->P); free(r->X); free(r->Y); free(r->VA);
    free(r->I); free(r->R); free(r->R_tariff); free(r->R_export_tax); free(r->R_fee);
    free(r->D); free(r->pi); free(r->S); free(r->welfare); free(r->price_index);
    free(r->real_wage); free(r->tot); free(r->vot); free(r->tech);
    free(R);
}

static ge_io *model_new(const io_case *c, int factors, int use_D)
{
    ge_io_data d = { c->N, c->K, c->M, { c->t, c->x, c->fee, c->nfee }, c->IC, c->FC, c->VA,
                     use_D ? c->D : NULL, c->theta, NULL, NULL };
    ge_io_opts o = { factors, 1e-12, 500 };
    ge_io *m = NULL;
    errbuf e;
    err_init(&e);
    int rc = ge_io_create(&m, &d, &o, NULL, &e);
    if (rc != SANC_OK)
        fail_msg("ge_io_create: %s", e.msg);
    return m;
}

static void solve_ok(ge_io *m, const ge_io_shock *sh, res *R)
{
    errbuf e;
    err_init(&e);
    int rc = ge_io_solve(m, sh, &R->r, &e);
    if (rc != SANC_OK)
        fail_msg("ge_io_solve: %s", e.msg);
    assert_true(R->r.residual < 1e-10);
}

/* |a - b| <= tol * scale */
#define assert_near(a, b, tol, scale) assert_close((a), (b), (tol) * (scale))

/* ------------------------------------------------------------------ */
/* (a) nesting: no inputs, sector-specific factors, no wedges, data
 * deficits, additive imbalances => the Armington solver of section 2      */

static void nesting_case(unsigned long seed, int N, int K, int isolate, int closed_cells)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, seed);
    size_t NNK = (size_t)N * N * K, NK = (size_t)N * K;
    double *X0 = calloc(NNK, 8), *phi = calloc(NNK, 8), *sigma = calloc((size_t)K, 8);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int k = 0; k < K; k++) {
                double v = exp(gsl_ran_gaussian(g, 1.0)) * (i == j ? 8.0 : 1.0);
                if (i != j && gsl_rng_uniform(g) < 0.15)
                    v = 0; /* zero baseline cells stay zero */
                X0[cell(N, K, i, j, k)] = v;
                double f = exp(gsl_ran_gaussian(g, 0.4));
                if (closed_cells && i != j && gsl_rng_uniform(g) < 0.1)
                    f = 0;
                if (isolate && i != j && (i == N - 1 || j == N - 1))
                    f = 0;
                phi[cell(N, K, i, j, k)] = f;
            }
    /* one country without output in sector 0, one without demand for it */
    for (int j = 0; j < N; j++)
        X0[cell(N, K, 0, j, 0)] = 0;
    for (int i = 0; i < N; i++)
        X0[cell(N, K, i, 1, K - 1)] = 0;
    for (int k = 0; k < K; k++)
        sigma[k] = 2 + 6 * gsl_rng_uniform(g);

    /* Armington (section 2) */
    ge_solver *gs = NULL;
    errbuf e;
    err_init(&e);
    ge_params gp = { N, K, X0, sigma, IMBALANCE_ADDITIVE, 1e-12, 10000, NULL, NULL };
    assert_int_equal(ge_solver_create(&gs, &gp, &e), SANC_OK);
    double *phat = calloc(NK, 8), *Phat = calloc(NK, 8), *Xg = calloc(NNK, 8),
           *Yg = calloc((size_t)N, 8), *Eg = calloc((size_t)N, 8), *Wg = calloc((size_t)N, 8),
           *PIg = calloc((size_t)N, 8);
    for (size_t a = 0; a < NK; a++)
        phat[a] = 1;
    ge_result gr = { phat, Phat, Xg, Yg, Eg, Wg, PIg, 0, 0 };
    int grc = ge_solve(gs, phi, NULL, &gr, &e);
    if (grc != SANC_OK)
        fail_msg("ge_solve: %s", e.msg);

    /* the same world as an IO economy: VA = sales, no inputs, FC = E */
    io_case *c = case_new(N, K);
    memcpy(c->M, X0, NNK * 8);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int k = 0; k < K; k++) {
                double v = X0[cell(N, K, i, j, k)];
                c->VA[(size_t)i * K + k] += v;
                c->FC[(size_t)j * K + k] += v;
            }
    for (int k = 0; k < K; k++)
        c->theta[k] = sigma[k] - 1;
    ge_io *m = model_new(c, GE_IO_SECTOR_SPECIFIC, 0);
    res *R = res_new(N, K);
    ge_io_shock sh = { phi, NULL, NULL };
    solve_ok(m, &sh, R);
    ge_io_result *r = &R->r;

    for (int i = 0; i < N; i++) {
        double yi = 0, scale = 0;
        for (int k = 0; k < K; k++) {
            size_t ik = (size_t)i * K + k;
            assert_sclose(r->v[ik], phat[ik], 1e-12);
            assert_sclose(r->c[ik], phat[ik], 1e-12);
            assert_sclose(r->P[ik], Phat[ik], 1e-12);
            yi += r->Y[ik];
        }
        assert_sclose(yi, Yg[i], 1e-12);
        assert_sclose(r->I[i], Eg[i], 1e-12);
        assert_sclose(r->welfare[i], Wg[i], 1e-12);
        assert_sclose(r->price_index[i], PIg[i], 1e-12);
        for (int j = 0; j < N; j++)
            for (int k = 0; k < K; k++)
                scale += Xg[cell(N, K, i, j, k)];
        for (int j = 0; j < N; j++)
            for (int k = 0; k < K; k++)
                assert_near(r->S[cell(N, K, i, j, k)], Xg[cell(N, K, i, j, k)], 1e-12, scale);
    }
    res_free(R);
    ge_io_free(m);
    case_free(c);
    ge_solver_free(gs);
    free(X0); free(phi); free(sigma); free(phat); free(Phat); free(Xg); free(Yg); free(Eg);
    free(Wg); free(PIg);
    gsl_rng_free(g);
}

static void test_nesting_armington(void **state)
{
    (void)state;
    nesting_case(1, 3, 2, 0, 0);
    nesting_case(2, 5, 3, 0, 0);
    nesting_case(3, 6, 4, 0, 1); /* closed cells */
    nesting_case(4, 5, 3, 1, 0); /* one country isolated: components */
    nesting_case(5, 8, 5, 0, 1);
}

/* ------------------------------------------------------------------ */
/* (b) one sector with inputs, D' = 0: What = pihat_nn^(-1/(theta gamma)) */

static void test_acr_one_sector(void **state)
{
    (void)state;
    for (int factors = 0; factors < 2; factors++) {
        gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(g, 11 + (unsigned long)factors);
        const int N = 5, K = 1;
        io_case *c = case_new(N, K);
        double gam[5];
        for (int n = 0; n < N; n++) {
            double sales = 0;
            for (int i = 0; i < N; i++) {
                double v = exp(gsl_ran_gaussian(g, 1.0)) * (i == n ? 6 : 1);
                c->M[cell(N, K, i, n, 0)] = v;
            }
            for (int m2 = 0; m2 < N; m2++)
                sales += c->M[cell(N, K, n, m2, 0)];
            gam[n] = 0.3 + 0.5 * gsl_rng_uniform(g);
            c->VA[n] = gam[n] * sales;
            c->IC[n] = (1 - gam[n]) * sales;
            c->FC[n] = 1;
        }
        c->theta[0] = 4.5;
        ge_io *m = model_new(c, factors, 1);
        res *R0 = res_new(N, K), *R1 = res_new(N, K);
        errbuf e;
        err_init(&e);
        double mx;
        int rc = ge_io_baseline_resolve(m, GE_IO_DEFICITS_ZERO, &R0->r, &mx, &e);
        if (rc != SANC_OK)
            fail_msg("%s", e.msg);
        double *phi = calloc((size_t)N * N, 8);
        for (int a = 0; a < N * N; a++)
            phi[a] = exp(gsl_ran_gaussian(g, 0.7));
        ge_io_shock sh = { phi, NULL, NULL };
        solve_ok(m, &sh, R1);
        for (int n = 0; n < N; n++) {
            size_t nn = cell(N, K, n, n, 0);
            double pihat = R1->r.pi[nn] / R0->r.pi[nn];
            double want = pow(pihat, -1.0 / (c->theta[0] * gam[n]));
            assert_sclose(R1->r.welfare[n], want, 1e-10);
            assert_sclose(R1->r.real_wage[n], want, 1e-10);
            assert_sclose(R1->r.D[n], 0.0, 1e-12);
        }
        free(phi);
        res_free(R0);
        res_free(R1);
        ge_io_free(m);
        case_free(c);
        gsl_rng_free(g);
    }
}

/* ------------------------------------------------------------------ */
/* (c) accounting identities and equilibrium conditions, re-derived here
 * from the data for a random world with tariffs, export taxes, fees and
 * deficits (both factor conventions)                                      */

static void random_world(io_case *c, gsl_rng *g, int wedges)
{
    const int N = c->N, K = c->K;
    for (int i = 0; i < N; i++)
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++) {
                size_t a = cell(N, K, i, n, k);
                c->M[a] = exp(gsl_ran_gaussian(g, 1.0)) * (i == n ? 10 : 1);
                if (i != n && gsl_rng_uniform(g) < 0.1)
                    c->M[a] = 0;
                if (wedges && i != n) {
                    c->t[a] = 0.2 * gsl_rng_uniform(g);
                    if (gsl_rng_uniform(g) < 0.3)
                        c->x[a] = 0.2 * gsl_rng_uniform(g) - 0.1;
                }
            }
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++) {
            double sales = 0;
            for (int m2 = 0; m2 < N; m2++)
                sales += c->M[cell(N, K, n, m2, k)];
            /* gross output off the sales by a few percent: not an equilibrium */
            double go = sales * (1 + 0.05 * gsl_ran_gaussian(g, 1.0));
            double gam = 0.2 + 0.6 * gsl_rng_uniform(g);
            c->VA[(size_t)n * K + k] = gam * go;
            double w[16], ws = 0;
            for (int s = 0; s < K; s++)
                ws += w[s] = gsl_rng_uniform(g);
            for (int s = 0; s < K; s++)
                c->IC[((size_t)n * K + s) * K + k] = (1 - gam) * go * w[s] / ws;
            c->FC[(size_t)n * K + k] = 1 + gsl_rng_uniform(g);
        }
    for (int k = 0; k < K; k++)
        c->theta[k] = 3 + 5 * gsl_rng_uniform(g);
}

/* Data-side quantities the test derives itself. */
typedef struct derived {
    double *X, *pi, *gamma, *G, *alpha, *wL, *I0;
} derived;

static derived derive(const io_case *c)
{
    const int N = c->N, K = c->K;
    size_t NNK = (size_t)N * N * K, NK = (size_t)N * K;
    derived d = { calloc(NK, 8), calloc(NNK, 8), calloc(NK, 8), calloc(NK * K, 8),
                  calloc(NK, 8), calloc((size_t)N, 8), calloc((size_t)N, 8) };
    for (int i = 0; i < N; i++)
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++) {
                size_t a = cell(N, K, i, n, k);
                d.X[(size_t)n * K + k] += (1 + c->t[a]) * c->M[a];
            }
    for (int i = 0; i < N; i++)
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++) {
                size_t a = cell(N, K, i, n, k);
                d.pi[a] = (1 + c->t[a]) * c->M[a] / d.X[(size_t)n * K + k];
            }
    for (int n = 0; n < N; n++) {
        double fc = 0;
        for (int k = 0; k < K; k++)
            fc += c->FC[(size_t)n * K + k];
        for (int k = 0; k < K; k++) {
            size_t nk = (size_t)n * K + k;
            double go = c->VA[nk];
            for (int s = 0; s < K; s++)
                go += c->IC[((size_t)n * K + s) * K + k];
            d.gamma[nk] = c->VA[nk] / go;
            for (int s = 0; s < K; s++)
                d.G[((size_t)n * K + s) * K + k] = c->IC[((size_t)n * K + s) * K + k] / go;
            d.alpha[nk] = c->FC[nk] / fc;
            d.wL[n] += c->VA[nk];
        }
    }
    return d;
}

static void derived_free(derived *d)
{
    free(d->X); free(d->pi); free(d->gamma); free(d->G); free(d->alpha); free(d->wL);
    free(d->I0);
}

static void check_world(int factors, unsigned long seed)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, seed);
    const int N = 5, K = 3;
    size_t NNK = (size_t)N * N * K;
    io_case *c = case_new(N, K);
    random_world(c, g, 1);
    /* baseline fees: country 4 is the hub of 0 -> 1 and 2 -> 3 */
    c->fee[c->nfee++] = (ge_io_fee){ cell(N, K, 0, 1, 0), 4, 0.03 };
    c->fee[c->nfee++] = (ge_io_fee){ cell(N, K, 2, 3, 1), 4, 0.05 };
    c->M[cell(N, K, 0, 1, 0)] = 2;
    c->M[cell(N, K, 2, 3, 1)] = 2;
    for (int n = 0; n < N; n++)
        c->D[n] = 0.5 * gsl_ran_gaussian(g, 1.0);
    derived d = derive(c);

    /* the shock: openness, new tariffs, export taxes (a discount), fees
     * (two hubs share one cell), new deficits */
    double *phi = calloc(NNK, 8), *t1 = calloc(NNK, 8), *x1 = calloc(NNK, 8);
    for (size_t a = 0; a < NNK; a++) {
        phi[a] = exp(gsl_ran_gaussian(g, 0.3));
        t1[a] = c->t[a];
        x1[a] = c->x[a];
    }
    for (int n = 1; n < N; n++) {
        t1[cell(N, K, 0, n, 2)] += 0.3;        /* tariffs on 0's exports of sector 2 */
        x1[cell(N, K, 1, (n + 1) % N, 0)] = -0.15; /* 1 discounts its sector-0 exports */
    }
    ge_io_fee fee1[4] = {
        { cell(N, K, 0, 1, 0), 4, 0.02 },
        { cell(N, K, 0, 1, 0), 3, 0.04 },      /* two hubs on one route */
        { cell(N, K, 2, 3, 1), 4, 0.05 },
        { cell(N, K, 1, 2, 2), 0, 0.10 },      /* a new corridor fee to 0 */
    };
    double D1[5], mean = 0;
    for (int n = 0; n < N; n++)
        mean += c->D[n] / N;
    for (int n = 0; n < N; n++)
        D1[n] = (c->D[n] - mean) * 0.5; /* sums to zero: no component shift */
    ge_io_wedges w1 = { t1, x1, fee1, 4 };
    ge_io_shock sh = { phi, &w1, D1 };

    ge_io *m = model_new(c, factors, 1);
    res *R = res_new(N, K);
    solve_ok(m, &sh, R);
    ge_io_result *r = &R->r;

    double f0[5 * 5 * 3] = { 0 }, f1[5 * 5 * 3] = { 0 };
    for (int a = 0; a < c->nfee; a++)
        f0[c->fee[a].cell] += c->fee[a].rate;
    for (int a = 0; a < 4; a++)
        f1[fee1[a].cell] += fee1[a].rate;

    /* baseline income from the data: VA + tariffs + export taxes + fees + D */
    double I0[5];
    for (int n = 0; n < N; n++)
        I0[n] = d.wL[n] + c->D[n];
    for (int i = 0; i < N; i++)
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++) {
                size_t a = cell(N, K, i, n, k);
                double S0 = c->M[a] / ((1 + c->x[a]) * (1 + f0[a]));
                I0[n] += c->t[a] * c->M[a];
                I0[i] += c->x[a] * S0;
            }
    for (int a = 0; a < c->nfee; a++) {
        size_t ce = c->fee[a].cell;
        I0[c->fee[a].hub] += c->fee[a].rate * c->M[ce] / (1 + f0[ce]);
    }

    double worldVA = 0, worldVA1 = 0, worldI = 0, worldF = 0;
    double Rt[5] = { 0 }, Rx[5] = { 0 }, Rf[5] = { 0 }, imp[5] = { 0 }, exp_[5] = { 0 };
    for (int i = 0; i < N; i++)
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++) {
                size_t a = cell(N, K, i, n, k);
                double S = r->S[a];
                Rt[n] += t1[a] * S * (1 + x1[a]) * (1 + f1[a]);
                Rx[i] += x1[a] * S;
                if (i != n) {
                    imp[n] += S * (1 + x1[a]) * (1 + f1[a]); /* what leaves n */
                    exp_[i] += S * (1 + x1[a]);              /* what i receives */
                }
                /* buyer value = seller value times the wedges */
                assert_near(r->pi[a] * r->X[(size_t)n * K + k],
                            S * (1 + t1[a]) * (1 + x1[a]) * (1 + f1[a]), 1e-12,
                            r->X[(size_t)n * K + k]);
                /* E3: gravity on the data shares */
                if (d.pi[a] > 0) {
                    double T0 = (1 + c->t[a]) * (1 + c->x[a]) * (1 + f0[a]);
                    double T1 = (1 + t1[a]) * (1 + x1[a]) * (1 + f1[a]);
                    double kap = T1 / T0 * (i == n ? 1.0 : pow(phi[a], -1 / c->theta[k]));
                    double want = d.pi[a] * pow(kap * r->c[(size_t)i * K + k] /
                                                r->P[(size_t)n * K + k], -c->theta[k]);
                    assert_sclose(r->pi[a], want, 1e-11);
                }
            }
    for (int a = 0; a < 4; a++) {
        size_t ce = fee1[a].cell;
        Rf[fee1[a].hub] += fee1[a].rate * r->S[ce] * (1 + x1[ce]);
        exp_[fee1[a].hub] += fee1[a].rate * r->S[ce] * (1 + x1[ce]); /* hub services */
    }
    for (int n = 0; n < N; n++) {
        double vaN = 0, lp = 0, ld = 0, shsum;
        for (int k = 0; k < K; k++) {
            size_t nk = (size_t)n * K + k;
            /* markets clear in seller values */
            double sales = 0;
            for (int m2 = 0; m2 < N; m2++)
                sales += r->S[cell(N, K, n, m2, k)];
            assert_near(sales, r->Y[nk], 1e-12, r->Y[nk]);
            /* shares sum to one */
            shsum = 0;
            for (int i = 0; i < N; i++)
                shsum += r->pi[cell(N, K, i, n, k)];
            assert_sclose(shsum, 1.0, 1e-12);
            assert_sclose(r->VA[nk], d.gamma[nk] * r->Y[nk], 1e-12);
            vaN += r->VA[nk];
            lp += d.alpha[nk] * log(r->P[nk]);
            ld += d.gamma[nk] * r->Y[nk];
            /* E7 */
            if (factors == GE_IO_SECTOR_SPECIFIC)
                assert_sclose(r->v[nk] * c->VA[nk], d.gamma[nk] * r->Y[nk], 1e-11);
            /* E1 */
            double lc = d.gamma[nk] * log(r->v[nk]);
            for (int s = 0; s < K; s++)
                lc += d.G[((size_t)n * K + s) * K + k] * log(r->P[(size_t)n * K + s]);
            assert_sclose(log(r->c[nk]), lc, 1e-12);
            /* E4 */
            double Xw = d.alpha[nk] * r->I[n];
            for (int j = 0; j < K; j++)
                Xw += d.G[((size_t)n * K + k) * K + j] * r->Y[(size_t)n * K + j];
            assert_sclose(r->X[nk], Xw, 1e-11);
        }
        if (factors == GE_IO_MOBILE)
            assert_sclose(r->w[n] * d.wL[n], ld, 1e-11);
        /* revenue by recipient and wedge */
        assert_sclose(r->R_tariff[n], Rt[n], 1e-12);
        assert_sclose(r->R_export_tax[n], Rx[n], 1e-12);
        assert_sclose(r->R_fee[n], Rf[n], 1e-12);
        assert_sclose(r->R[n], Rt[n] + Rx[n] + Rf[n], 1e-12);
        /* income = value added + revenue + deficits (shifted to sum to 0) */
        assert_sclose(r->D[n], D1[n], 1e-12);
        assert_sclose(r->I[n], vaN + r->R[n] + r->D[n], 1e-12);
        /* balance of payments: what leaves n minus what n earns abroad = D' */
        assert_sclose(imp[n] - exp_[n], r->D[n], 1e-10);
        /* exact welfare */
        assert_sclose(r->welfare[n], r->I[n] / I0[n] / exp(lp), 1e-12);
        worldVA += d.wL[n];
        worldVA1 += vaN;
        worldI += r->I[n];
        for (int k = 0; k < K; k++)
            worldF += d.alpha[(size_t)n * K + k] * r->I[n];
    }
    /* numeraire: world value added unchanged; world final spending = income */
    assert_sclose(worldVA1, worldVA, 1e-12);
    assert_sclose(worldF, worldI, 1e-12);
    assert_true(r->walras < 1e-11);
    res_free(R);
    ge_io_free(m);
    case_free(c);
    derived_free(&d);
    free(phi); free(t1); free(x1);
    gsl_rng_free(g);
}

static void test_accounting_mobile(void **state)
{
    (void)state;
    check_world(GE_IO_MOBILE, 21);
    check_world(GE_IO_MOBILE, 22);
}

static void test_accounting_sector_specific(void **state)
{
    (void)state;
    check_world(GE_IO_SECTOR_SPECIFIC, 23);
}

/* ------------------------------------------------------------------ */
/* (d) hand-computable revenue: two symmetric countries, one sector, no
 * inputs.  By symmetry w = 1 and c = 1, so with kappa = 1 + wedge:
 *   P^-theta = pi_d + pi_f kappa^-theta,  pi'_f = pi_f kappa^-theta / P^-theta,
 *   I = L + rate pi'_f I / (1 + rate)  =>  I = L / (1 - rate pi'_f / (1 + rate)),
 * the revenue rate pi'_f I / (1 + rate) going to the importer (tariff) or
 * to the exporter (export tax; by symmetry the same amount).             */

static void symmetric_case(int export_tax, double rate)
{
    const int N = 2, K = 1;
    const double a = 7, b = 3, theta = 4;
    io_case *c = case_new(N, K);
    c->M[cell(N, K, 0, 0, 0)] = c->M[cell(N, K, 1, 1, 0)] = a;
    c->M[cell(N, K, 0, 1, 0)] = c->M[cell(N, K, 1, 0, 0)] = b;
    c->VA[0] = c->VA[1] = a + b;
    c->FC[0] = c->FC[1] = a + b;
    c->theta[0] = theta;
    ge_io *m = model_new(c, GE_IO_MOBILE, 0);
    double lev[4] = { 0, rate, rate, 0 };
    ge_io_wedges w = { export_tax ? NULL : lev, export_tax ? lev : NULL, NULL, 0 };
    ge_io_shock sh = { NULL, &w, NULL };
    res *R = res_new(N, K);
    solve_ok(m, &sh, R);
    double L = a + b, pid = a / L, pif = b / L;
    double Pt = pid + pif * pow(1 + rate, -theta);
    double pif1 = pif * pow(1 + rate, -theta) / Pt;
    double I = L / (1 - rate * pif1 / (1 + rate));
    double rev = rate * pif1 * I / (1 + rate);
    for (int n = 0; n < N; n++) {
        assert_sclose(R->r.w[n], 1.0, 1e-12);
        assert_sclose(R->r.c[n], 1.0, 1e-12);
        assert_sclose(R->r.P[n], pow(Pt, -1 / theta), 1e-12);
        assert_sclose(R->r.I[n], I, 1e-12);
        assert_sclose(export_tax ? R->r.R_export_tax[n] : R->r.R_tariff[n], rev, 1e-12);
        assert_sclose(R->r.R[n], rev, 1e-12);
        assert_sclose(R->r.welfare[n], I / L / pow(Pt, -1 / theta), 1e-12);
        assert_sclose(R->r.Y[n], L, 1e-12);
    }
    /* CP's volume-of-trade term: t (M' - M c) / I with c = 1, M' = pi'_f I / (1 + t) */
    if (!export_tax) {
        /* baseline tariffs are zero: vot = 0, tot = 0 by symmetry */
        assert_sclose(R->r.vot[0], 0.0, 1e-14);
        assert_sclose(R->r.tot[0], 0.0, 1e-12);
    }
    res_free(R);
    ge_io_free(m);
    case_free(c);
}

static void test_tariff_revenue_closed_form(void **state)
{
    (void)state;
    symmetric_case(0, 0.25);
    symmetric_case(0, 1.5);
}

static void test_export_discount_closed_form(void **state)
{
    (void)state;
    symmetric_case(1, -0.1); /* a discount: the exporter's income falls */
    symmetric_case(1, 0.2);
}

/* From a baseline with tariffs, CP's vot = sum t0 (M' - M c_i) / I0: with
 * symmetric countries removing the tariff, c = 1 and M = pi_f X / (1 + t0)
 * where X = I0 = L / (1 - t0 pi_f / (1 + t0)) -- all by hand.             */
static void test_decomposition_by_hand(void **state)
{
    (void)state;
    const int N = 2, K = 1;
    const double a = 7, b = 3, theta = 4, t0 = 0.2;
    io_case *c = case_new(N, K);
    c->M[cell(N, K, 0, 0, 0)] = c->M[cell(N, K, 1, 1, 0)] = a;
    c->M[cell(N, K, 0, 1, 0)] = c->M[cell(N, K, 1, 0, 0)] = b;
    c->t[cell(N, K, 0, 1, 0)] = c->t[cell(N, K, 1, 0, 0)] = t0;
    c->VA[0] = c->VA[1] = a + b;
    c->FC[0] = c->FC[1] = 1;
    c->theta[0] = theta;
    ge_io *m = model_new(c, GE_IO_MOBILE, 0);
    res *R0 = res_new(N, K), *R = res_new(N, K);
    errbuf e;
    err_init(&e);
    double mx;
    assert_int_equal(ge_io_baseline_resolve(m, GE_IO_DEFICITS_DATA, &R0->r, &mx, &e), SANC_OK);
    assert_true(mx < 1e-12); /* the symmetric data are an equilibrium */
    double zero[4] = { 0 };
    ge_io_wedges w = { zero, NULL, NULL, 0 };
    ge_io_shock sh = { NULL, &w, NULL };
    solve_ok(m, &sh, R);
    double L = a + b, X0 = a + (1 + t0) * b, pif = (1 + t0) * b / X0;
    double I0 = L + t0 * b;
    double Pt = (1 - pif) + pif * pow(1 + t0, theta); /* kappa = 1 / (1 + t0) */
    double pif1 = pif * pow(1 + t0, theta) / Pt;
    double I1 = L; /* no revenue left */
    double M1 = pif1 * I1;
    double vot = t0 * (M1 - b) / I0;
    assert_sclose(R->r.I[0], I1, 1e-12);
    assert_sclose(R->r.vot[0], vot, 1e-12);
    assert_sclose(R->r.tot[0], 0.0, 1e-12);
    assert_sclose(R->r.tech[0], 0.0, 1e-14);
    assert_sclose(R->r.welfare[0], I1 / I0 / pow(Pt, -1 / theta), 1e-12);
    res_free(R0);
    res_free(R);
    ge_io_free(m);
    case_free(c);
}

/* ------------------------------------------------------------------ */
/* Edge cases and warm starts                                           */

static void test_warm_start(void **state)
{
    (void)state;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 31);
    const int N = 6, K = 4;
    size_t NNK = (size_t)N * N * K, NK = (size_t)N * K;
    io_case *c = case_new(N, K);
    random_world(c, g, 1);
    ge_io *m = model_new(c, GE_IO_MOBILE, 0);
    double *phi = calloc(NNK, 8);
    for (size_t a = 0; a < NNK; a++)
        phi[a] = exp(gsl_ran_gaussian(g, 0.5));
    ge_io_shock sh = { phi, NULL, NULL };
    res *R = res_new(N, K), *R2 = res_new(N, K);
    solve_ok(m, &sh, R);
    memcpy(R2->r.v, R->r.v, NK * 8);
    memcpy(R2->r.c, R->r.c, NK * 8);
    memcpy(R2->r.X, R->r.X, NK * 8);
    R2->r.warm = 1;
    solve_ok(m, &sh, R2);
    assert_true(R2->r.iterations <= 3);
    assert_true(R2->r.iterations < R->r.iterations);
    for (size_t a = 0; a < NK; a++) {
        assert_sclose(R2->r.v[a], R->r.v[a], 1e-12);
        assert_sclose(R2->r.Y[a], R->r.Y[a], 1e-12);
    }
    /* a nearby shock from the warm start takes fewer iterations than cold */
    for (size_t a = 0; a < NNK; a++)
        phi[a] *= 1.01;
    solve_ok(m, &sh, R2);
    R->r.warm = 0;
    solve_ok(m, &sh, R);
    assert_true(R2->r.iterations <= R->r.iterations);
    for (size_t a = 0; a < NK; a++)
        assert_sclose(R2->r.v[a], R->r.v[a], 1e-11);
    res_free(R);
    res_free(R2);
    free(phi);
    ge_io_free(m);
    case_free(c);
    gsl_rng_free(g);
}

static int all_finite(const ge_io_result *r, int N, int K)
{
    size_t NK = (size_t)N * K, NNK = NK * (size_t)N;
    for (size_t a = 0; a < NK; a++)
        if (!isfinite(r->v[a]) || !isfinite(r->c[a]) || !isfinite(r->P[a]) ||
            !isfinite(r->X[a]) || !isfinite(r->Y[a]))
            return 0;
    for (size_t a = 0; a < NNK; a++)
        if (!isfinite(r->pi[a]) || !isfinite(r->S[a]))
            return 0;
    for (int n = 0; n < N; n++)
        if (!isfinite(r->I[n]) || !isfinite(r->welfare[n]) || !isfinite(r->tot[n]) ||
            !isfinite(r->vot[n]) || !isfinite(r->tech[n]) || !isfinite(r->real_wage[n]))
            return 0;
    return 1;
}

/* Closed cells, an isolated country (its own component: D = 0, factor
 * income fixed), a sector nobody buys and a dead cell, all without NaN. */
static void test_edge_cases(void **state)
{
    (void)state;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 41);
    const int N = 5, K = 3;
    size_t NNK = (size_t)N * N * K;
    for (int factors = 0; factors < 2; factors++) {
        io_case *c = case_new(N, K);
        random_world(c, g, 1);
        /* country 2 sells sector 1 only abroad; country 3 buys no sector 2 */
        c->M[cell(N, K, 2, 2, 1)] = 0;
        for (int i = 0; i < N; i++)
            c->M[cell(N, K, i, 3, 2)] = 0;
        for (int k = 0; k < K; k++)
            c->IC[((size_t)3 * K + 2) * K + k] = 0;
        c->FC[3 * K + 2] = 0;
        for (int n = 0; n < N; n++)
            c->D[n] = gsl_ran_gaussian(g, 0.3);
        ge_io *m = model_new(c, factors, 1);
        double *phi = calloc(NNK, 8);
        for (size_t a = 0; a < NNK; a++)
            phi[a] = 1;
        for (int j = 0; j < N; j++) /* every market of 2's sector 1 closes: dead cell */
            phi[cell(N, K, 2, j, 1)] = 0;
        for (int i = 0; i < N; i++) /* 4 is cut off from the world */
            for (int k = 0; k < K; k++)
                phi[cell(N, K, i, 4, k)] = phi[cell(N, K, 4, i, k)] = 0;
        ge_io_shock sh = { phi, NULL, NULL };
        res *R = res_new(N, K);
        errbuf e;
        err_init(&e);
        int rc = ge_io_solve(m, &sh, &R->r, &e);
        if (factors == GE_IO_MOBILE) {
            /* 2 still sells sectors 0 and 2: labour moves there */
            if (rc != SANC_OK)
                fail_msg("%s", e.msg);
        } else if (rc != SANC_OK) {
            fail_msg("%s", e.msg);
        }
        assert_true(all_finite(&R->r, N, K));
        assert_sclose(R->r.D[4], 0.0, 1e-15);
        double va4 = 0, va4b = 0;
        for (int k = 0; k < K; k++) {
            va4 += R->r.VA[4 * K + k];
            va4b += c->VA[4 * K + k];
        }
        assert_sclose(va4, va4b, 1e-12); /* the isolated component keeps its value added */
        assert_sclose(R->r.P[3 * K + 2], 1.0, 0); /* nobody buys: P = 1 */
        assert_sclose(R->r.Y[2 * K + 1], 0.0, 0);
        if (factors == GE_IO_SECTOR_SPECIFIC) {
            assert_true(R->r.v[2 * K + 1] == 0); /* worthless factor */
            assert_true(R->r.c[2 * K + 1] == 0);
        }
        /* the other component's deficits sum to zero */
        double ds = 0;
        for (int n = 0; n < 4; n++)
            ds += R->r.D[n];
        assert_true(fabs(ds) < 1e-12);
        res_free(R);
        free(phi);
        ge_io_free(m);
        case_free(c);
    }
    gsl_rng_free(g);
}

static void test_errors(void **state)
{
    (void)state;
    const int N = 3, K = 2;
    size_t NNK = (size_t)N * N * K;
    char *names[3] = { "AAA", "BBB", "CCC" }, *sectors[2] = { "food", "fuel" };
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 51);
    io_case *c = case_new(N, K);
    random_world(c, g, 0);
    ge_io_data d = { N, K, c->M, { NULL, NULL, NULL, 0 }, c->IC, c->FC, c->VA, NULL, c->theta,
                     names, sectors };
    ge_io_opts o = { GE_IO_MOBILE, 1e-12, 500 };
    ge_io *m = NULL;
    errbuf e;

    /* a buyer whose every supplier is closed */
    err_init(&e);
    assert_int_equal(ge_io_create(&m, &d, &o, NULL, &e), SANC_OK);
    double *phi = calloc(NNK, 8);
    for (size_t a = 0; a < NNK; a++)
        phi[a] = 1;
    c->M[cell(N, K, 1, 1, 1)] = 0; /* BBB buys fuel only abroad */
    ge_io_free(m);
    assert_int_equal(ge_io_create(&m, &d, &o, NULL, &e), SANC_OK);
    for (int i = 0; i < N; i++)
        phi[cell(N, K, i, 1, 1)] = 0;
    ge_io_shock sh = { phi, NULL, NULL };
    res *R = res_new(N, K);
    err_init(&e);
    assert_int_equal(ge_io_solve(m, &sh, &R->r, &e), SANC_ENOEQ);
    assert_non_null(strstr(e.msg, "BBB"));
    assert_non_null(strstr(e.msg, "fuel"));
    /* a negative tariff of -1 or below, a tariff on domestic sales */
    double *t = calloc(NNK, 8);
    t[cell(N, K, 0, 2, 0)] = -1;
    ge_io_wedges w = { t, NULL, NULL, 0 };
    ge_io_shock sh2 = { NULL, &w, NULL };
    err_init(&e);
    assert_int_equal(ge_io_solve(m, &sh2, &R->r, &e), SANC_EDATA);
    assert_non_null(strstr(e.msg, "AAA -> CCC"));
    t[cell(N, K, 0, 2, 0)] = 0;
    t[cell(N, K, 2, 2, 1)] = 0.1;
    err_init(&e);
    assert_int_equal(ge_io_solve(m, &sh2, &R->r, &e), SANC_EDATA);
    ge_io_free(m);
    m = NULL;
    /* a sector with sales but gross output <= 0 */
    double keep = c->VA[0];
    c->VA[0] = 0;
    double icsave[2] = { c->IC[0], c->IC[K] };
    c->IC[0] = 0;
    c->IC[K] = 0;
    err_init(&e);
    assert_int_equal(ge_io_create(&m, &d, &o, NULL, &e), SANC_EDATA);
    assert_non_null(strstr(e.msg, "neither inputs nor value added"));
    c->IC[0] = -1;
    c->IC[K] = 0.5;
    err_init(&e);
    assert_int_equal(ge_io_create(&m, &d, &o, NULL, &e), SANC_EDATA);
    assert_non_null(strstr(e.msg, "gross output"));
    c->VA[0] = keep;
    c->IC[0] = icsave[0];
    c->IC[K] = icsave[1];
    /* negative inputs are counted, not refused, while the input share stays >= 0 */
    c->IC[(size_t)1 * K * K + 1] = -1e-3;
    int nneg = 0;
    err_init(&e);
    assert_int_equal(ge_io_create(&m, &d, &o, &nneg, &e), SANC_OK);
    assert_int_equal(nneg, 1);
    ge_io_free(m);
    m = NULL;
    /* theta <= 0 */
    c->theta[1] = 0;
    err_init(&e);
    assert_int_equal(ge_io_create(&m, &d, &o, NULL, &e), SANC_EDATA);
    assert_non_null(strstr(e.msg, "fuel"));
    res_free(R);
    free(phi);
    free(t);
    case_free(c);
    gsl_rng_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting_armington),
        cmocka_unit_test(test_acr_one_sector),
        cmocka_unit_test(test_accounting_mobile),
        cmocka_unit_test(test_accounting_sector_specific),
        cmocka_unit_test(test_tariff_revenue_closed_form),
        cmocka_unit_test(test_export_discount_closed_form),
        cmocka_unit_test(test_decomposition_by_hand),
        cmocka_unit_test(test_warm_start),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
