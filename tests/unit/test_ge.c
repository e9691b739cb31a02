/*
 * test_ge.c - unit tests of the GE core (models/ge.c, DESIGN section 2).
 *
 * Expectations come from closed forms (symmetric two-country case, ACR
 * identity, autarky) or from re-deriving the equilibrium conditions from the
 * baseline in the test itself (market clearing, gravity equation, numeraire,
 * expenditure rule, deficit shift), never from numbers the solver printed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_errno.h>

#include "err.h"
#include "ge.h"
#include "harness.h"
#include "scenario.h"
#include "world.h"

/* One problem and its result arrays. */
typedef struct prob {
    int n, K;
    double *X0, *phi, *sigma;
    double *phat, *Phat, *X, *Y, *E, *W, *PI;
    ge_result r;
    ge_params p;
    /* baseline, computed here */
    double *Yik, *Ejk, *Yc, *Ec;
} prob;

static size_t ix(const prob *P, int i, int j, int k)
{
    return ((size_t)i * (size_t)P->n + (size_t)j) * (size_t)P->K + (size_t)k;
}

static prob *prob_new(int n, int K)
{
    prob *P = calloc(1, sizeof *P);
    size_t nnK = (size_t)n * n * K, nK = (size_t)n * K;
    P->n = n;
    P->K = K;
    P->X0 = calloc(nnK, sizeof(double));
    P->phi = calloc(nnK, sizeof(double));
    P->X = calloc(nnK, sizeof(double));
    P->sigma = calloc((size_t)K, sizeof(double));
    P->phat = calloc(nK, sizeof(double));
    P->Phat = calloc(nK, sizeof(double));
    P->Yik = calloc(nK, sizeof(double));
    P->Ejk = calloc(nK, sizeof(double));
    P->Y = calloc((size_t)n, sizeof(double));
    P->E = calloc((size_t)n, sizeof(double));
    P->W = calloc((size_t)n, sizeof(double));
    P->PI = calloc((size_t)n, sizeof(double));
    P->Yc = calloc((size_t)n, sizeof(double));
    P->Ec = calloc((size_t)n, sizeof(double));
    for (size_t c = 0; c < nnK; c++)
        P->phi[c] = 1.0;
    for (size_t c = 0; c < nK; c++)
        P->phat[c] = 1.0;
    P->r = (ge_result){ P->phat, P->Phat, P->X, P->Y, P->E, P->W, P->PI, 0, 0 };
    P->p = (ge_params){ n, K, P->X0, P->sigma, IMBALANCE_ADDITIVE, 1e-12, 10000, NULL, NULL };
    return P;
}

static void prob_free(prob *P)
{
    free(P->X0); free(P->phi); free(P->X); free(P->sigma); free(P->phat); free(P->Phat);
    free(P->Yik); free(P->Ejk); free(P->Y); free(P->E); free(P->W); free(P->PI);
    free(P->Yc); free(P->Ec);
    free(P);
}

/* Baseline aggregates, from X0 directly. */
static void prob_baseline(prob *P)
{
    int n = P->n, K = P->K;
    memset(P->Yik, 0, (size_t)n * K * sizeof(double));
    memset(P->Ejk, 0, (size_t)n * K * sizeof(double));
    memset(P->Yc, 0, (size_t)n * sizeof(double));
    memset(P->Ec, 0, (size_t)n * sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < K; k++) {
                double v = P->X0[ix(P, i, j, k)];
                P->Yik[i * K + k] += v;
                P->Ejk[j * K + k] += v;
                P->Yc[i] += v;
                P->Ec[j] += v;
            }
}

/* Random unbalanced multi-sector flows with dominant domestic sales. */
static void prob_random(prob *P, unsigned long seed)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, seed);
    for (int k = 0; k < P->K; k++)
        P->sigma[k] = 2.0 + 6.0 * gsl_rng_uniform(g);
    for (int i = 0; i < P->n; i++) {
        double size = 0.5 + 5.0 * gsl_rng_uniform(g);
        for (int j = 0; j < P->n; j++)
            for (int k = 0; k < P->K; k++)
                P->X0[ix(P, i, j, k)] = i == j ? size * (P->n + P->n * gsl_rng_uniform(g))
                                               : size * (0.1 + gsl_rng_uniform(g));
    }
    gsl_rng_free(g);
    prob_baseline(P);
}

/* Random shock on a fraction of the cross-border cells, phi in (lo, hi). */
static void prob_shock(prob *P, unsigned long seed, double frac, double lo, double hi)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, seed);
    for (int i = 0; i < P->n; i++)
        for (int j = 0; j < P->n; j++)
            for (int k = 0; k < P->K; k++)
                if (i != j && gsl_rng_uniform(g) < frac)
                    P->phi[ix(P, i, j, k)] = lo + (hi - lo) * gsl_rng_uniform(g);
    gsl_rng_free(g);
}

static int prob_solve(prob *P, int imbalance, const double *D, errbuf *e)
{
    ge_solver *s = NULL;
    err_init(e);
    P->p.imbalance = imbalance;
    int rc = ge_solver_create(&s, &P->p, e);
    if (rc == SANC_OK)
        rc = ge_solve(s, P->phi, D, &P->r, e);
    ge_solver_free(s);
    return rc;
}

static void prob_solve_ok(prob *P, int imbalance, const double *D)
{
    errbuf e;
    int rc = prob_solve(P, imbalance, D, &e);
    if (rc != SANC_OK)
        fail_msg("ge_solve: %s: %s", err_name(rc), e.msg);
}

/* relative error <= tol: the harness's assert_rclose */
#define assert_rel(a, b, tol) assert_rclose((a), (b), (tol))

static void assert_all_finite(const prob *P)
{
    size_t nnK = (size_t)P->n * P->n * P->K, nK = (size_t)P->n * P->K;
    for (size_t c = 0; c < nnK; c++)
        assert_true(isfinite(P->X[c]));
    for (size_t c = 0; c < nK; c++)
        assert_true(isfinite(P->phat[c]) && isfinite(P->Phat[c]));
    for (int i = 0; i < P->n; i++)
        assert_true(isfinite(P->Y[i]) && isfinite(P->E[i]) && isfinite(P->W[i]) &&
                    isfinite(P->PI[i]));
    assert_true(isfinite(P->r.residual));
}

/* The equilibrium conditions of DESIGN 2, each re-derived from the baseline:
 * gravity equation for every flow, price indices, expenditure rule, market
 * clearing with the factor c, numeraire and welfare. D: additive deficits
 * after the shift (NULL for multiplicative). Assumes one component. */
static void check_equilibrium(const prob *P, int imbalance, const double *Dshift, double tol)
{
    int n = P->n, K = P->K;
    double sumY0 = 0, sumYp = 0, sumEp = 0;
    for (int i = 0; i < n; i++) {
        sumY0 += P->Yc[i];
        double yi = 0;
        for (int k = 0; k < K; k++)
            yi += P->phat[i * K + k] * P->Yik[i * K + k];
        assert_rel(P->Y[i], yi, tol);
        sumYp += P->Y[i];
        sumEp += P->E[i];
    }
    assert_rel(sumYp, sumY0, tol); /* numeraire */
    for (int j = 0; j < n; j++) {
        if (imbalance == IMBALANCE_ADDITIVE)
            assert_rel(P->E[j], P->Y[j] + Dshift[j], tol);
        else
            assert_rel(P->E[j], P->Ec[j] * P->Y[j] / P->Yc[j], tol);
    }
    double c = imbalance == IMBALANCE_ADDITIVE ? 1.0 : sumEp / sumYp;
    for (int j = 0; j < n; j++) {
        double lpi = 0;
        for (int k = 0; k < K; k++) {
            double s1 = 1 - P->sigma[k];
            double Ejk = P->Ejk[j * K + k];
            double alpha = Ejk / P->Ec[j];
            /* Phat^(1-sigma) = sum_i pi phi phat^(1-sigma) */
            double Pk = 0, col = 0;
            for (int i = 0; i < n; i++) {
                double phi = i == j ? 1.0 : P->phi[ix(P, i, j, k)];
                Pk += P->X0[ix(P, i, j, k)] / Ejk * phi * pow(P->phat[i * K + k], s1);
                col += P->X[ix(P, i, j, k)];
            }
            assert_rel(pow(P->Phat[j * K + k], s1), Pk, tol);
            assert_rel(col, alpha * P->E[j], tol); /* sum_i X' = E'_jk */
            for (int i = 0; i < n; i++) {
                double phi = i == j ? 1.0 : P->phi[ix(P, i, j, k)];
                double x = P->X0[ix(P, i, j, k)] / Ejk * phi * pow(P->phat[i * K + k], s1) / Pk *
                           alpha * P->E[j];
                assert_rel(P->X[ix(P, i, j, k)], x, tol);
            }
            lpi += alpha * log(P->Phat[j * K + k]);
        }
        assert_rel(P->PI[j], exp(lpi), tol);
        assert_rel(P->W[j], P->E[j] / P->Ec[j] / exp(lpi), tol);
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < K; k++) {
            double row = 0;
            for (int j = 0; j < n; j++)
                row += P->X[ix(P, i, j, k)];
            assert_rel(row, c * P->phat[i * K + k] * P->Yik[i * K + k], 1e-10);
        }
    assert_true(P->r.residual <= 1e-10);
}

/* 1. No shock reproduces the baseline, from a cold and from a wrong warm start. */
static void test_no_shock(void **state)
{
    (void)state;
    for (int conv = 0; conv < 2; conv++)
        for (int warm = 0; warm < 2; warm++) {
            prob *P = prob_new(7, 3);
            prob_random(P, 11);
            /* make the baseline clearly unbalanced */
            for (int k = 0; k < 3; k++)
                P->X0[ix(P, 2, 5, k)] *= 40;
            prob_baseline(P);
            assert_true(fabs(P->Ec[5] - P->Yc[5]) > 1);
            if (warm) {
                gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
                gsl_rng_set(g, 3);
                for (int c = 0; c < 21; c++)
                    P->phat[c] = 0.5 + 1.5 * gsl_rng_uniform(g);
                gsl_rng_free(g);
            }
            prob_solve_ok(P, conv, NULL);
            for (int c = 0; c < 21; c++) {
                assert_rel(P->phat[c], 1.0, 1e-12);
                assert_rel(P->Phat[c], 1.0, 1e-12);
            }
            for (int i = 0; i < 7; i++) {
                assert_rel(P->W[i], 1.0, 1e-12);
                assert_rel(P->PI[i], 1.0, 1e-12);
                assert_rel(P->Y[i], P->Yc[i], 1e-12);
                assert_rel(P->E[i], P->Ec[i], 1e-12);
            }
            for (size_t c = 0; c < (size_t)7 * 7 * 3; c++)
                assert_rel(P->X[c], P->X0[c], 1e-12);
            if (!warm)
                assert_true(P->r.iterations <= 2);
            prob_free(P);
        }
}

/* 2. Two identical countries, one sector, symmetric shock: phat = 1 by
 * symmetry, pi' = a / (a + b phi), welfare = (pi'/pi)^(1/(1-sigma)). */
static void test_symmetric_closed_form(void **state)
{
    (void)state;
    const double a = 10, b = 3, sig = 5, ph = 0.4;
    for (int conv = 0; conv < 2; conv++) {
        prob *P = prob_new(2, 1);
        P->sigma[0] = sig;
        P->X0[0] = a; P->X0[1] = b; P->X0[2] = b; P->X0[3] = a;
        P->phi[1] = P->phi[2] = ph;
        prob_baseline(P);
        prob_solve_ok(P, conv, NULL);
        double pi = a / (a + b), pip = a / (a + b * ph);
        double W = pow(pip / pi, 1 / (1 - sig));
        double E = a + b;
        for (int i = 0; i < 2; i++) {
            assert_rel(P->phat[i], 1.0, 1e-12);
            assert_rel(P->W[i], W, 1e-12);
            assert_rel(P->Phat[i], 1 / W, 1e-12);
            assert_rel(P->Y[i], E, 1e-12);
            assert_rel(P->E[i], E, 1e-12);
        }
        assert_rel(P->X[0], pip * E, 1e-12);
        assert_rel(P->X[3], pip * E, 1e-12);
        assert_rel(P->X[1], (1 - pip) * E, 1e-12);
        assert_rel(P->X[2], (1 - pip) * E, 1e-12);
        prob_free(P);
    }
}

/* 3. ACR: one sector, balanced trade, What_j = (pi'_jj/pi_jj)^(1/(1-sigma)). */
static void test_acr(void **state)
{
    (void)state;
    const int n = 9;
    for (int conv = 0; conv < 2; conv++) {
        prob *P = prob_new(n, 1);
        gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(g, 5);
        P->sigma[0] = 4.5;
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) {
                double v = i == j ? 20 + 30 * gsl_rng_uniform(g) : 0.2 + 3 * gsl_rng_uniform(g);
                P->X0[ix(P, i, j, 0)] = P->X0[ix(P, j, i, 0)] = v; /* symmetric: balanced */
            }
        gsl_rng_free(g);
        prob_baseline(P);
        prob_shock(P, 17, 0.5, 0.05, 1.8);
        prob_solve_ok(P, conv, NULL);
        for (int j = 0; j < n; j++) {
            double pi = P->X0[ix(P, j, j, 0)] / P->Ec[j];
            double col = 0;
            for (int i = 0; i < n; i++)
                col += P->X[ix(P, i, j, 0)];
            double pip = P->X[ix(P, j, j, 0)] / col;
            assert_rel(P->W[j], pow(pip / pi, 1 / (1 - P->sigma[0])), 1e-10);
            assert_true(fabs(P->W[j] - 1) > 1e-6); /* the shock did something */
        }
        prob_free(P);
    }
}

/* 4. Market clearing, numeraire, gravity and expenditure rules at the
 * solution on random unbalanced multi-sector data, both conventions, and
 * with caller deficits (shifted to net out in proportion to output). */
static void test_clearing(void **state)
{
    (void)state;
    const int n = 10, K = 4;
    for (int conv = 0; conv < 3; conv++) {
        prob *P = prob_new(n, K);
        prob_random(P, 23 + (unsigned long)conv);
        for (int k = 0; k < K; k++)
            P->X0[ix(P, 1, 4, k)] *= 30;
        prob_baseline(P);
        prob_shock(P, 29, 0.2, 0.05, 2.0);
        double D[10], Dshift[10];
        double sumD = 0, sumY = 0;
        for (int j = 0; j < n; j++) {
            D[j] = conv == 2 ? 0.3 * (P->Ec[j] - P->Yc[j]) + 5.0 * (j % 3) : P->Ec[j] - P->Yc[j];
            sumD += D[j];
            sumY += P->Yc[j];
        }
        for (int j = 0; j < n; j++)
            Dshift[j] = D[j] - P->Yc[j] * sumD / sumY;
        int imb = conv == 1 ? IMBALANCE_MULTIPLICATIVE : IMBALANCE_ADDITIVE;
        prob_solve_ok(P, imb, conv == 2 ? D : NULL);
        assert_all_finite(P);
        check_equilibrium(P, imb, Dshift, 1e-10);
        double wsum = 0;
        for (int j = 0; j < n; j++)
            wsum += fabs(P->W[j] - 1);
        assert_true(wsum > 1e-4);
        if (imb == IMBALANCE_MULTIPLICATIVE) {
            double sE = 0;
            for (int j = 0; j < n; j++)
                sE += P->E[j];
            assert_true(fabs(sE / sumY - 1) > 1e-8); /* c != 1: the test means something */
        }
        prob_free(P);
    }
}

/* 5a. Closed cells and zero baseline cells carry no flow. */
static void test_closed_cells(void **state)
{
    (void)state;
    prob *P = prob_new(6, 2);
    prob_random(P, 31);
    P->X0[ix(P, 0, 3, 1)] = 0;
    P->X0[ix(P, 4, 2, 0)] = 0;
    prob_baseline(P);
    prob_shock(P, 37, 0.3, 0.1, 1.5);
    P->phi[ix(P, 1, 2, 0)] = 0;
    P->phi[ix(P, 2, 5, 1)] = 1e-13;
    P->phi[ix(P, 3, 0, 0)] = 0.5e-12;
    P->phi[ix(P, 0, 3, 1)] = 2.0; /* opened, but nothing to scale */
    P->phi[ix(P, 4, 2, 0)] = 1.0;
    prob_solve_ok(P, IMBALANCE_ADDITIVE, NULL);
    assert_all_finite(P);
    assert_true(P->X[ix(P, 1, 2, 0)] == 0);
    assert_true(P->X[ix(P, 2, 5, 1)] == 0);
    assert_true(P->X[ix(P, 3, 0, 0)] == 0);
    assert_true(P->X[ix(P, 0, 3, 1)] == 0);
    assert_true(P->X[ix(P, 4, 2, 0)] == 0);
    /* the rest still clears, with closed cells read as phi = 0 */
    P->phi[ix(P, 2, 5, 1)] = 0;
    P->phi[ix(P, 3, 0, 0)] = 0;
    double D[6];
    for (int j = 0; j < 6; j++)
        D[j] = P->Ec[j] - P->Yc[j];
    check_equilibrium(P, IMBALANCE_ADDITIVE, D, 1e-10);
    prob_free(P);
}

/* 5b. A country cut off from everyone trades in autarky.  One sector: its
 * component's output is fixed, so Y' = Y, phat = 1; Phat^(1-sigma) = pi_jj;
 * additive: D = 0 so E' = Y' = Y and W = (Y/E) pi_jj^(1/(sigma-1));
 * multiplicative: E' = E Y'/Y = E and W = pi_jj^(1/(sigma-1)).
 * The others form one component that keeps its output total and, in the
 * additive convention, nets its deficits out in proportion to output. */
static void test_isolated_country(void **state)
{
    (void)state;
    const int n = 5, iso = 2;
    for (int conv = 0; conv < 2; conv++) {
        prob *P = prob_new(n, 1);
        prob_random(P, 41);
        P->X0[ix(P, iso, 0, 0)] *= 20; /* iso runs a surplus */
        prob_baseline(P);
        prob_shock(P, 43, 0.5, 0.2, 1.5);
        for (int o = 0; o < n; o++)
            if (o != iso)
                P->phi[ix(P, iso, o, 0)] = P->phi[ix(P, o, iso, 0)] = 0;
        prob_solve_ok(P, conv, NULL);
        assert_all_finite(P);
        double sig = P->sigma[0];
        double pijj = P->X0[ix(P, iso, iso, 0)] / P->Ec[iso];
        double Y = P->Yc[iso], E = P->Ec[iso];
        assert_true(E < 0.9 * Y);
        assert_rel(P->phat[iso], 1.0, 1e-12);
        assert_rel(P->Y[iso], Y, 1e-12);
        assert_rel(P->Phat[iso], pow(pijj, 1 / (1 - sig)), 1e-12);
        if (conv == IMBALANCE_ADDITIVE) {
            assert_rel(P->E[iso], Y, 1e-12);
            assert_rel(P->W[iso], Y / E * pow(pijj, 1 / (sig - 1)), 1e-12);
        } else {
            assert_rel(P->E[iso], E, 1e-12);
            assert_rel(P->W[iso], pow(pijj, 1 / (sig - 1)), 1e-12);
        }
        assert_rel(P->X[ix(P, iso, iso, 0)], P->E[iso], 1e-12);
        /* rest of the world */
        double sY = 0, sYp = 0, sD = 0, sEp = 0;
        for (int j = 0; j < n; j++)
            if (j != iso) {
                sY += P->Yc[j];
                sYp += P->Y[j];
                sEp += P->E[j];
                sD += P->Ec[j] - P->Yc[j];
            }
        assert_rel(sYp, sY, 1e-12);
        if (conv == IMBALANCE_ADDITIVE) {
            assert_rel(sEp, sYp, 1e-12);
            for (int j = 0; j < n; j++)
                if (j != iso)
                    assert_rel(P->E[j] - P->Y[j], (P->Ec[j] - P->Yc[j]) - P->Yc[j] * sD / sY,
                               1e-9);
        }
        prob_free(P);
    }
}

/* 5c. Autarky with several sectors: X'_jjk = E'_jk = alpha_jk E'_j must equal
 * c Y'_jk with Y'_j = Y_j, giving phat_jk = alpha_jk Y_j / Y_jk in both
 * conventions (additive: E' = Y, c = 1; multiplicative: E' = E, c = E/Y). */
static void test_isolated_multisector(void **state)
{
    (void)state;
    const int n = 4, K = 3, iso = 0;
    for (int conv = 0; conv < 2; conv++) {
        prob *P = prob_new(n, K);
        prob_random(P, 47);
        for (int o = 1; o < n; o++)
            for (int k = 0; k < K; k++)
                P->phi[ix(P, iso, o, k)] = P->phi[ix(P, o, iso, k)] = 0;
        prob_solve_ok(P, conv, NULL);
        assert_all_finite(P);
        for (int k = 0; k < K; k++) {
            double alpha = P->Ejk[iso * K + k] / P->Ec[iso];
            assert_rel(P->phat[iso * K + k], alpha * P->Yc[iso] / P->Yik[iso * K + k], 1e-11);
        }
        assert_rel(P->E[iso], conv == IMBALANCE_ADDITIVE ? P->Yc[iso] : P->Ec[iso], 1e-11);
        prob_free(P);
    }
}

/* 5d. Two disconnected blocks each keep their own output total. */
static void test_two_blocks(void **state)
{
    (void)state;
    const int n = 6, K = 2;
    for (int conv = 0; conv < 2; conv++) {
        prob *P = prob_new(n, K);
        prob_random(P, 53);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if ((i < 3) != (j < 3))
                    for (int k = 0; k < K; k++) {
                        if ((i + j) % 2)
                            P->X0[ix(P, i, j, k)] = 0; /* absent in the baseline */
                        else
                            P->phi[ix(P, i, j, k)] = 0; /* closed now */
                    }
        prob_baseline(P);
        prob_shock(P, 59, 0.4, 0.1, 1.2);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if ((i < 3) != (j < 3))
                    for (int k = 0; k < K; k++)
                        if ((i + j) % 2 == 0)
                            P->phi[ix(P, i, j, k)] = 0;
        prob_solve_ok(P, conv, NULL);
        assert_all_finite(P);
        for (int b = 0; b < 2; b++) {
            double sY = 0, sYp = 0, sE = 0, sEp = 0;
            for (int j = 3 * b; j < 3 * b + 3; j++) {
                sY += P->Yc[j];
                sYp += P->Y[j];
                sE += P->Ec[j];
                sEp += P->E[j];
            }
            assert_rel(sYp, sY, 1e-12);
            if (conv == IMBALANCE_ADDITIVE)
                assert_rel(sEp, sYp, 1e-12);
            /* market clearing within the block with its own c */
            double c = conv == IMBALANCE_ADDITIVE ? 1.0 : sEp / sYp;
            for (int i = 3 * b; i < 3 * b + 3; i++)
                for (int k = 0; k < K; k++) {
                    double row = 0;
                    for (int j = 0; j < n; j++)
                        row += P->X[ix(P, i, j, k)];
                    assert_rel(row, c * P->phat[i * K + k] * P->Yik[i * K + k], 1e-10);
                }
            (void)sE;
        }
        prob_free(P);
    }
}

/* 6. A sector nobody in j buys: Phat_jk = 1, no flows, finite outputs. */
static void test_zero_expenditure_sector(void **state)
{
    (void)state;
    const int n = 4, K = 3;
    prob *P = prob_new(n, K);
    prob_random(P, 61);
    for (int i = 0; i < n; i++)
        P->X0[ix(P, i, 2, 1)] = 0;
    prob_baseline(P);
    prob_shock(P, 67, 0.5, 0.1, 1.5);
    prob_solve_ok(P, IMBALANCE_ADDITIVE, NULL);
    assert_all_finite(P);
    assert_true(P->Phat[2 * K + 1] == 1.0);
    for (int i = 0; i < n; i++)
        assert_true(P->X[ix(P, i, 2, 1)] == 0);
    assert_true(P->r.residual <= 1e-10);
    prob_free(P);
}

/* 7. Demand with every supplier closed and no domestic production. */
static void test_no_equilibrium(void **state)
{
    (void)state;
    char *countries[] = { "AAA", "BBB", "CCC", "DDD" };
    char *sectors[] = { "energy", "food" };
    prob *P = prob_new(4, 2);
    prob_random(P, 71);
    P->X0[ix(P, 1, 1, 0)] = 0;
    prob_baseline(P);
    P->p.country = countries;
    P->p.sector = sectors;
    for (int i = 0; i < 4; i++)
        if (i != 1)
            P->phi[ix(P, i, 1, 0)] = i == 2 ? 1e-14 : 0;
    errbuf e;
    int rc = prob_solve(P, IMBALANCE_ADDITIVE, NULL, &e);
    assert_int_equal(rc, SANC_ENOEQ);
    assert_int_equal(e.code, SANC_ENOEQ);
    assert_non_null(strstr(e.msg, "BBB"));
    assert_non_null(strstr(e.msg, "energy"));
    assert_non_null(strstr(e.msg, "every supplier is closed"));
    /* one supplier left open: an equilibrium exists */
    P->phi[ix(P, 3, 1, 0)] = 0.5;
    rc = prob_solve(P, IMBALANCE_ADDITIVE, NULL, &e);
    assert_int_equal(rc, SANC_OK);
    prob_free(P);
}

/* 7b. Additive deficits larger than output: non-positive expenditure. */
static void test_negative_expenditure(void **state)
{
    (void)state;
    char *countries[] = { "AAA", "BBB", "CCC" };
    prob *P = prob_new(3, 1);
    prob_random(P, 73);
    P->p.country = countries;
    double D[3] = { 0, -2 * P->Yc[1] - 1e3, 0 };
    D[0] = -D[1]; /* nets out: no shift, so E'_1 = Y'_1 + D_1 < 0 */
    errbuf e;
    int rc = prob_solve(P, IMBALANCE_ADDITIVE, D, &e);
    assert_int_equal(rc, SANC_ENOEQ);
    assert_non_null(strstr(e.msg, "BBB"));
    prob_free(P);
}

/* 8. Warm start from the solution: at most 2 iterations; a cold start on 30
 * countries takes a modest number. */
static void test_warm_start(void **state)
{
    (void)state;
    const int n = 30, K = 5;
    for (int conv = 0; conv < 2; conv++) {
        prob *P = prob_new(n, K);
        prob_random(P, 79);
        prob_shock(P, 83, 0.2, 0.02, 1.0);
        prob_solve_ok(P, conv, NULL);
        int cold = P->r.iterations;
        assert_true(cold > 2);
        assert_true(cold < 100);
        double W0 = P->W[7];
        prob_solve_ok(P, conv, NULL);
        assert_true(P->r.iterations <= 2);
        assert_rel(P->W[7], W0, 1e-11);
        prob_free(P);
    }
}

/* A producer whose every market closes sells nothing: phat = 0, no NaN. */
static void test_dead_producer(void **state)
{
    (void)state;
    const int n = 4, K = 2;
    prob *P = prob_new(n, K);
    prob_random(P, 89);
    P->X0[ix(P, 3, 3, 1)] = 0; /* 3 sells sector 1 abroad only */
    prob_baseline(P);
    for (int j = 0; j < 3; j++)
        P->phi[ix(P, 3, j, 1)] = 0;
    prob_solve_ok(P, IMBALANCE_ADDITIVE, NULL);
    assert_all_finite(P);
    assert_true(P->phat[3 * K + 1] == 0);
    for (int j = 0; j < n; j++)
        assert_true(P->X[ix(P, 3, j, 1)] == 0);
    double sY = 0, sYp = 0;
    for (int j = 0; j < n; j++) {
        sY += P->Yc[j];
        sYp += P->Y[j];
    }
    assert_rel(sYp, sY, 1e-12);
    assert_true(P->r.residual <= 1e-10);
    prob_free(P);
}

/* Too few iterations: SANC_ENOCONV naming a country and a sector. */
static void test_no_convergence(void **state)
{
    (void)state;
    char *countries[] = { "AAA", "BBB", "CCC", "DDD", "EEE" };
    char *sectors[] = { "energy", "food" };
    prob *P = prob_new(5, 2);
    prob_random(P, 97);
    prob_shock(P, 101, 0.5, 0.01, 0.5);
    P->p.country = countries;
    P->p.sector = sectors;
    P->p.max_iter = 2;
    errbuf e;
    int rc = prob_solve(P, IMBALANCE_ADDITIVE, NULL, &e);
    assert_int_equal(rc, SANC_ENOCONV);
    assert_true(strstr(e.msg, "AAA") || strstr(e.msg, "BBB") || strstr(e.msg, "CCC") ||
                strstr(e.msg, "DDD") || strstr(e.msg, "EEE"));
    assert_true(strstr(e.msg, "energy") || strstr(e.msg, "food"));
    assert_non_null(strstr(e.msg, "residual"));
    prob_free(P);
}

/* Bad input is refused with an error, not a crash or a NaN. */
static void test_bad_input(void **state)
{
    (void)state;
    prob *P = prob_new(3, 1);
    prob_random(P, 103);
    errbuf e;
    P->phi[ix(P, 0, 1, 0)] = NAN;
    assert_int_equal(prob_solve(P, IMBALANCE_ADDITIVE, NULL, &e), SANC_EDATA);
    P->phi[ix(P, 0, 1, 0)] = -1;
    assert_int_equal(prob_solve(P, IMBALANCE_ADDITIVE, NULL, &e), SANC_EDATA);
    P->phi[ix(P, 0, 1, 0)] = 1;
    P->sigma[0] = 1.0;
    assert_int_equal(prob_solve(P, IMBALANCE_ADDITIVE, NULL, &e), SANC_EDATA);
    P->sigma[0] = 3.0;
    assert_int_equal(prob_solve(P, 7, NULL, &e), SANC_EUSAGE);
    prob_free(P);
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_shock),
        cmocka_unit_test(test_symmetric_closed_form),
        cmocka_unit_test(test_acr),
        cmocka_unit_test(test_clearing),
        cmocka_unit_test(test_closed_cells),
        cmocka_unit_test(test_isolated_country),
        cmocka_unit_test(test_isolated_multisector),
        cmocka_unit_test(test_two_blocks),
        cmocka_unit_test(test_zero_expenditure_sector),
        cmocka_unit_test(test_no_equilibrium),
        cmocka_unit_test(test_negative_expenditure),
        cmocka_unit_test(test_warm_start),
        cmocka_unit_test(test_dead_producer),
        cmocka_unit_test(test_no_convergence),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
