/*
 * test_ppml.c - unit tests of models/estimate/ppml.c (DESIGN section 9).
 *
 * Expected values never come from the code under test:
 *   - closed forms: constant + dummy (beta = log of the ratio of the two
 *     means; its robust standard error in closed form), the saturated 2x2
 *     table with exporter and importer effects (beta = log odds ratio),
 *     data generated exactly from the model (beta = the truth);
 *   - hand-built panels A (three-way effects, pair clusters), B (the same
 *     with zeros: a separated pair, a singleton, a zero that stays) and C
 *     (B with two-way effects and robust variance), whose coefficients,
 *     standard errors, deviances and drop counts were printed by the
 *     independent oracle: `/usr/bin/python3 tests/oracle/ppml_oracle.py
 *     --cases` (dense dummies + Newton; keep the panels in step with its
 *     case_panels());
 *   - the bootstrap (panel D, noisy gravity with zeros; replicates start
 *     from the full fit): replicate r is rebuilt here from the documented draw
 *     (clusters in order of first appearance, stream rng_stream_new(
 *     rng_mix32(seed) ^ r, RNG_BOOTSTRAP)) as explicit copies of the drawn
 *     clusters and fitted with ppml_estimate; -j 1 and -j 3 must agree bit
 *     for bit.
 * Errors: collinear regressors (named), everything separated.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "ppml.h"
#include "rng.h"

/* printed by tests/oracle/ppml_oracle.py --cases */
/* case A: observations 18, singletons 0, separated 0, clusters 9 */
static const double caseA_beta[] = { 2.2179698530356649, -0.061615474281653329 };
static const double caseA_se[] = { 0.53874789048477079, 0.3771821683467006 };
static const double caseA_deviance = 10.020461800785686;
/* case B: observations 30, singletons 1, separated 3, clusters 10 */
static const double caseB_beta[] = { -1.8329557248284647, -0.18180013356095459 };
static const double caseB_se[] = { 0.42835583831967394, 0.62181518424617543 };
static const double caseB_deviance = 12.675417655134678;
/* case C: observations 34, singletons 0, separated 0, clusters 0 */
static const double caseC_beta[] = { 0.40822749725074986, -0.6768689435798374 };
static const double caseC_se[] = { 0.36647165708307156, 0.47821107710310745 };
static const double caseC_deviance = 66.581803674524139;

#define MAXN 256

typedef struct panel {
    int n;
    double y[MAXN], x1[MAXN], x2[MAXN];
    int fe[3][MAXN];
    int levels[3];
    int cl[MAXN];
    int ncl;
    const double *x[2];
    const char *names[2];
} panel;

static void problem_of(panel *P, ppml_problem *p, int nfe, int clustered)
{
    memset(p, 0, sizeof *p);
    P->x[0] = P->x1;
    P->x[1] = P->x2;
    P->names[0] = "x1";
    P->names[1] = "x2";
    p->n = P->n;
    p->k = 2;
    p->y = P->y;
    p->x = P->x;
    p->xname = P->names;
    p->nfe = nfe;
    for (int d = 0; d < nfe; d++) {
        p->fe[d] = P->fe[d];
        p->fe_levels[d] = P->levels[d];
    }
    if (clustered) {
        p->cluster = P->cl;
        p->nclusters = P->ncl;
    }
}

/* Panel A: 3 x 3 pairs x 2 years; effects exporter#year, importer#year, pair. */
static void panel_A(panel *P)
{
    memset(P, 0, sizeof *P);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int t = 0; t < 2; t++) {
                int r = P->n++;
                int on = t == 1 && ((i == 0 && j == 1) || (i == 1 && j == 2));
                P->x1[r] = on;
                P->x2[r] = (double)((i + 2 * j + 3 * t) % 4) / 3.0;
                P->y[r] = (double)(1 + ((7 * i + 3 * j + 5 * t + i * j * t) % 11)) * (on ? 1.3 : 1.0);
                P->fe[0][r] = i * 2 + t;
                P->fe[1][r] = j * 2 + t;
                P->fe[2][r] = P->cl[r] = i * 3 + j;
            }
    P->levels[0] = P->levels[1] = 6;
    P->levels[2] = P->ncl = 9;
}

/* Panel B: 4 x 3 pairs x 3 years with zeros; pair (0,3) all zero
 * (separated), pair (3,2) observed once (singleton), (2,1) zero in year 0.
 * two_way: exporter and importer effects instead. */
static void panel_B(panel *P, int two_way)
{
    memset(P, 0, sizeof *P);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            if (i == j)
                continue;
            for (int t = 0; t < 3; t++) {
                if (i == 3 && j == 2 && t > 0)
                    continue;
                int r = P->n++;
                int on = t == 2 && i < 2 && j < 2;
                double v = (double)(2 + ((5 * i + 7 * j + 3 * t) % 9));
                if (i == 0 && j == 3)
                    v = 0;
                if (i == 2 && j == 1 && t == 0)
                    v = 0;
                P->y[r] = v * (on ? 1.5 : 1.0);
                P->x1[r] = on;
                P->x2[r] = 0.25 * ((i * j + t) % 3);
                if (two_way) {
                    P->fe[0][r] = i;
                    P->fe[1][r] = j;
                } else {
                    P->fe[0][r] = i * 3 + t;
                    P->fe[1][r] = j * 3 + t;
                    P->fe[2][r] = i * 4 + j;
                }
                P->cl[r] = i * 4 + j;
            }
        }
    if (two_way) {
        P->levels[0] = P->levels[1] = 4;
    } else {
        P->levels[0] = P->levels[1] = 12;
        P->levels[2] = 16;
    }
    P->ncl = 16;
}

/* Panel D: 6 countries, 30 pairs x 3 years, noisy gravity with a few
 * zeros (the bootstrap's panel: large enough for stable replicates). */
static void panel_D(panel *P)
{
    memset(P, 0, sizeof *P);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            if (i == j)
                continue;
            for (int t = 0; t < 3; t++) {
                int r = P->n++;
                P->x1[r] = t >= 1 && (i + j) % 3 == 0;
                P->x2[r] = (double)((i * j + t) % 4) / 4.0;
                double a = sin(1.0 + i * 3.1 + t), b = cos(2.0 + j * 1.7 + t * 0.3), c = sin(0.5 * i * j + j);
                P->y[r] = r % 13 == 5 ? 0.0 : 50.0 * exp(0.3 * P->x1[r] + a + b + c) * (1.0 + 0.3 * sin(17.0 * r));
                P->fe[0][r] = i * 3 + t;
                P->fe[1][r] = j * 3 + t;
                P->fe[2][r] = P->cl[r] = i * 6 + j;
            }
        }
    P->levels[0] = P->levels[1] = 18;
    P->levels[2] = P->ncl = 36;
}

static void check_case(ppml_problem *p, const double *beta, const double *se, double dev, int obs, int sing,
                       int sep, int ncl)
{
    ppml_fit f;
    errbuf e;
    err_init(&e);
    ppml_opts o = { 1e-12, 0, 0 };
    int rc = ppml_estimate(p, &o, &f, &e);
    if (rc != SANC_OK)
        fail_msg("ppml_estimate: %s", e.msg);
    assert_int_equal(f.observations, obs);
    assert_int_equal(f.dropped_singletons, sing);
    assert_int_equal(f.dropped_separated, sep);
    assert_int_equal(f.nclusters, ncl);
    for (int j = 0; j < 2; j++) {
        assert_rclose(f.beta[j], beta[j], 1e-8); /* beta */
        assert_rclose(f.se[j], se[j], 1e-7); /* standard error */
        assert_rclose(f.vcov[j * 2 + j], se[j] * se[j], 2e-7); /* vcov diagonal */
    }
    assert_rclose(f.vcov[1], f.vcov[2], 1e-12); /* vcov symmetry */
    assert_rclose(f.deviance, dev, 1e-8); /* deviance */
    assert_true(f.iterations > 1);
    ppml_fit_free(&f);
}

static void test_oracle_cases(void **state)
{
    (void)state;
    static panel P;
    ppml_problem p;
    panel_A(&P);
    problem_of(&P, &p, 3, 1);
    check_case(&p, caseA_beta, caseA_se, caseA_deviance, 18, 0, 0, 9);
    panel_B(&P, 0);
    problem_of(&P, &p, 3, 1);
    check_case(&p, caseB_beta, caseB_se, caseB_deviance, 30, 1, 3, 10);
    panel_B(&P, 1);
    problem_of(&P, &p, 2, 0);
    check_case(&p, caseC_beta, caseC_se, caseC_deviance, 34, 0, 0, 0);
}

/* Constant + dummy: beta = log(mean1 / mean0); robust variance in closed
 * form (sum over each class of (y - mean)^2 / sum(y)^2, times N/(N-1)). */
static void test_closed_form_dummy(void **state)
{
    (void)state;
    double y[] = { 1, 2, 4, 3, 0, 5, 9 }, x[] = { 0, 0, 0, 1, 1, 1, 1 };
    const double *xs[] = { x };
    const char *names[] = { "d" };
    ppml_problem p = { .n = 7, .k = 1, .y = y, .x = xs, .xname = names, .nfe = 0 };
    ppml_fit f;
    errbuf e;
    err_init(&e);
    assert_int_equal(ppml_estimate(&p, NULL, &f, &e), SANC_OK);
    double m0 = 7.0 / 3, m1 = 17.0 / 4, s0 = 7, s1 = 17;
    assert_rclose(f.beta[0], log(m1 / m0), 1e-9); /* dummy beta */
    double v = 0;
    for (int i = 0; i < 7; i++)
        v += x[i] ? (y[i] - m1) * (y[i] - m1) / (s1 * s1) : (y[i] - m0) * (y[i] - m0) / (s0 * s0);
    assert_rclose(f.se[0], sqrt(v * 7.0 / 6.0), 1e-8); /* dummy robust se */
    assert_int_equal(f.observations, 7);
    assert_int_equal(f.nclusters, 0);
    ppml_fit_free(&f);
}

/* Saturated 2x2 with exporter and importer effects: the log odds ratio. */
static void test_closed_form_2x2(void **state)
{
    (void)state;
    double y[] = { 3, 5, 7, 2 }, x[] = { 1, 0, 0, 0 };
    int ex[] = { 0, 0, 1, 1 }, im[] = { 0, 1, 0, 1 };
    const double *xs[] = { x };
    const char *names[] = { "d" };
    ppml_problem p = { .n = 4, .k = 1, .y = y, .x = xs, .xname = names, .nfe = 2,
                       .fe = { ex, im }, .fe_levels = { 2, 2 } };
    ppml_fit f;
    errbuf e;
    err_init(&e);
    assert_int_equal(ppml_estimate(&p, NULL, &f, &e), SANC_OK);
    assert_rclose(f.beta[0], log(3.0 * 2.0 / (5.0 * 7.0)), 1e-9); /* log odds ratio */
    assert_true(f.deviance < 1e-9);
    ppml_fit_free(&f);
}

/* Flows generated exactly by exp(0.3 x + three-way effects): beta = 0.3. */
static void test_exact_gravity(void **state)
{
    (void)state;
    enum { NC = 9, T = 3 };
    static double y[NC * NC * T], x[NC * NC * T];
    static int f1[NC * NC * T], f2[NC * NC * T], f3[NC * NC * T];
    int n = 0;
    for (int i = 0; i < NC; i++)
        for (int j = 0; j < NC; j++)
            for (int t = 0; t < T; t++) {
                if (i == j)
                    continue;
                x[n] = (i + j + t) % 3 == 0;
                double a = sin(1.0 + i * 3.1 + t), b = cos(2.0 + j * 1.7 + t * 0.3), c = sin(0.5 * i * j + j);
                y[n] = 100.0 * exp(0.3 * x[n] + a + b + c);
                f1[n] = i * T + t;
                f2[n] = j * T + t;
                f3[n] = i * NC + j;
                n++;
            }
    const double *xs[] = { x };
    const char *names[] = { "fta" };
    ppml_problem p = { .n = n, .k = 1, .y = y, .x = xs, .xname = names, .nfe = 3,
                       .fe = { f1, f2, f3 }, .fe_levels = { NC * T, NC * T, NC * NC },
                       .cluster = f3, .nclusters = NC * NC };
    ppml_fit f;
    errbuf e;
    err_init(&e);
    assert_int_equal(ppml_estimate(&p, NULL, &f, &e), SANC_OK);
    assert_rclose(f.beta[0], 0.3, 1e-9); /* exact gravity beta */
    assert_int_equal(f.nclusters, NC * (NC - 1));
    ppml_fit_free(&f);
}

static void test_errors(void **state)
{
    (void)state;
    static panel P;
    ppml_problem p;
    ppml_fit f;
    errbuf e;
    /* x1 = an exporter#year dummy: absorbed by the fixed effects */
    panel_A(&P);
    for (int r = 0; r < P.n; r++)
        P.x2[r] = P.fe[0][r] == 3;
    problem_of(&P, &p, 3, 1);
    err_init(&e);
    assert_int_equal(ppml_estimate(&p, NULL, &f, &e), SANC_EDATA);
    if (strstr(e.msg, "regressor 'x2' is collinear with the fixed effects") == NULL)
        fail_msg("message: %s", e.msg);
    assert_int_equal(f.culprit, 1);
    ppml_fit_free(&f);
    /* x2 = 2 x1 - its pair effect part: collinear with x1 and the effects */
    panel_A(&P);
    for (int r = 0; r < P.n; r++)
        P.x2[r] = 2.0 * P.x1[r] + (P.fe[2][r] == 4 ? 1.0 : 0.0);
    problem_of(&P, &p, 3, 1);
    err_init(&e);
    assert_int_equal(ppml_estimate(&p, NULL, &f, &e), SANC_EDATA);
    if (strstr(e.msg, "regressor 'x2' is collinear with the regressors before it") == NULL)
        fail_msg("message: %s", e.msg);
    assert_int_equal(f.culprit, 1);
    ppml_fit_free(&f);
    /* every outcome zero: everything is separated */
    panel_A(&P);
    for (int r = 0; r < P.n; r++)
        P.y[r] = 0;
    problem_of(&P, &p, 3, 1);
    err_init(&e);
    assert_int_equal(ppml_estimate(&p, NULL, &f, &e), SANC_EDATA);
    if (strstr(e.msg, "no observations left") == NULL)
        fail_msg("message: %s", e.msg);
    ppml_fit_free(&f);
    /* a negative outcome */
    panel_A(&P);
    P.y[5] = -1;
    problem_of(&P, &p, 3, 1);
    err_init(&e);
    assert_int_equal(ppml_estimate(&p, NULL, &f, &e), SANC_EDATA);
    if (strstr(e.msg, "outcome of observation 6") == NULL)
        fail_msg("message: %s", e.msg);
    ppml_fit_free(&f);
}

/* Replicate r rebuilt from the documented draw as explicit copies. */
static void rebuild_replicate(const panel *P, uint64_t seed, int r, double *beta)
{
    static panel Q;
    int present[MAXN], np = 0, seen[MAXN] = { 0 }, count[MAXN] = { 0 };
    for (int i = 0; i < P->n; i++)
        if (!seen[P->cl[i]]) {
            seen[P->cl[i]] = 1;
            present[np++] = P->cl[i];
        }
    gsl_rng *g = rng_stream_new((uint64_t)rng_mix32(seed) ^ (uint64_t)r, RNG_BOOTSTRAP);
    assert_non_null(g);
    for (int t = 0; t < np; t++)
        count[present[gsl_rng_uniform_int(g, (unsigned long)np)]]++;
    gsl_rng_free(g);
    memset(&Q, 0, sizeof Q);
    for (int i = 0; i < P->n; i++)
        for (int c = 0; c < count[P->cl[i]]; c++) {
            assert_true(Q.n < MAXN);
            int q = Q.n++;
            Q.y[q] = P->y[i];
            Q.x1[q] = P->x1[i];
            Q.x2[q] = P->x2[i];
            for (int d = 0; d < 3; d++)
                Q.fe[d][q] = P->fe[d][i];
            Q.cl[q] = P->cl[i];
        }
    memcpy(Q.levels, P->levels, sizeof Q.levels);
    Q.ncl = P->ncl;
    ppml_problem p;
    problem_of(&Q, &p, 3, 1);
    ppml_fit f;
    errbuf e;
    err_init(&e);
    ppml_opts o = { 1e-12, 0, 0 };
    if (ppml_estimate(&p, &o, &f, &e) != SANC_OK) {
        beta[0] = beta[1] = NAN;
    } else {
        beta[0] = f.beta[0];
        beta[1] = f.beta[1];
    }
    ppml_fit_free(&f);
}

static void test_bootstrap(void **state)
{
    (void)state;
    static panel P;
    panel_D(&P);
    ppml_problem p;
    problem_of(&P, &p, 3, 1);
    enum { R = 24 };
    double c1[R * 2], c3[R * 2];
    int s1[R], s3[R];
    ppml_opts o = { 1e-12, 0, 0 };
    errbuf e;
    err_init(&e);
    /* replicates start from the full sample's fit, as `sancsim estimate`
     * runs them (no drops on this panel, so the sample is every cluster) */
    ppml_fit full;
    assert_int_equal(ppml_estimate(&p, &o, &full, &e), SANC_OK);
    assert_int_equal(full.observations, P.n);
    ppml_boot_opts b = { .replicates = R, .seed = 1234, .jobs = 1, .cluster = P.cl, .nclusters = P.ncl,
                         .sample = full.used, .start = full.mu };
    ppml_boot_result res;
    assert_int_equal(ppml_bootstrap(&p, &o, &b, c1, s1, &res, &e), SANC_OK);
    assert_int_equal(res.done + res.failed, R);
    b.jobs = 3;
    ppml_boot_result res3;
    assert_int_equal(ppml_bootstrap(&p, &o, &b, c3, s3, &res3, &e), SANC_OK);
    assert_memory_equal(s1, s3, sizeof s1);
    assert_memory_equal(c1, c3, sizeof c1); /* bit for bit (NaN patterns too) */
    assert_int_equal(res.done, res3.done);
    assert_int_equal(res.first_failed, res3.first_failed);
    int distinct = 0;
    for (int r = 0; r < R; r++) {
        double want[2];
        rebuild_replicate(&P, 1234, r, want);
        if (s1[r] == 1) {
            assert_rclose(c1[2 * r], want[0], 1e-7); /* replicate beta */
            assert_rclose(c1[2 * r + 1], want[1], 1e-7); /* replicate beta */
            distinct += r > 0 && c1[2 * r] != c1[0];
        } else {
            assert_int_equal(s1[r], 2);
            assert_true(isnan(c1[2 * r]));
        }
    }
    assert_int_equal(res.failed, 0); /* panel D resamples are all estimable */
    assert_true(distinct > 0);
    ppml_fit_free(&full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_form_dummy),
        cmocka_unit_test(test_closed_form_2x2),
        cmocka_unit_test(test_exact_gravity),
        cmocka_unit_test(test_oracle_cases),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bootstrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
