/*
 * test_payments.c - unit tests of models/payments.c: logit channel shares
 * and inclusive cost against a hand-computed two-system case (and a mu so
 * small that a naive computation gives 0/0), the payment wedge after forced
 * join/exit events, settlement shares and payment cost weighted by the
 * test's own trade table, financial revocation (exactly the largest banks up
 * to coverage, restored at the end) and bars against forced and spontaneous
 * joins, network-driven adoption, exits under secondary pressure,
 * reproducibility by seed, the no-payments default, and config errors.
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
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "model.h"
#include "run.h"
#include "scenario.h"
#include "world.h"
#include "harness.h"

/* One sector.  Two-way cross-border trade:
 *   AAA: BBB 10+30 = 40, CCC 20+10 = 30, DDD 6+4 = 10   (total 80)
 *   BBB: AAA 40, CCC 5                                  (total 45)
 *   CCC: AAA 30, BBB 5                                  (total 35)
 *   DDD: AAA 10                                         (total 10) */
static const char trade_csv[] = "exporter,importer,value\n"
                                "AAA,AAA,100\nAAA,BBB,10\nAAA,CCC,20\nAAA,DDD,6\n"
                                "BBB,AAA,30\nBBB,BBB,100\nBBB,CCC,5\n"
                                "CCC,AAA,10\nCCC,CCC,100\n"
                                "DDD,AAA,4\nDDD,DDD,100\n";

/* Four header lines, then the test's blocks from line 5 on. */
static const char cfg_head[] =
    "scenario = { name = \"t\"; start = \"2022-01\"; step = \"month\"; periods = 7; seed = 1; };\n"
    "data = { trade = \"trade.csv\"; units = \"USD million\"; };\n"
    "groups = { PAIR = [\"AAA\", \"BBB\"]; };\n"
    "trade = { sigma = 5.0; };\n";

#define assert_double_equal assert_close

/* The test's country indices, on top of the common harness. */
typedef struct ph {
    harness H;
    int A, B, C, D;
} ph;

/* Write the scenario (the four header lines, then body) and load it. */
static int h_load(ph *h, const char *body, int64_t seed, errbuf *e)
{
    harness_init(&h->H, "payments");
    harness_write(&h->H, "trade.csv", trade_csv);
    size_t n = strlen(cfg_head) + strlen(body) + 1;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%s%s", cfg_head, body);
    int rc = harness_load(&h->H, text, NULL, 0, seed);
    free(text);
    *e = h->H.e;
    return rc;
}

/* Load and initialise the sanctions and payments modules (policy first, so
 * that the pipeline prefix is the real one) and metrics. */
static int h_open(ph *h, const char *body, int64_t seed, errbuf *e)
{
    static const char *const names[] = {"policy", "sanctions", "payments", "metrics"};
    int rc = h_load(h, body, seed, e);
    if (rc == SANC_OK) {
        h->A = scenario_country_index(&h->H.sc, "AAA");
        h->B = scenario_country_index(&h->H.sc, "BBB");
        h->C = scenario_country_index(&h->H.sc, "CCC");
        h->D = scenario_country_index(&h->H.sc, "DDD");
        rc = harness_pipeline(&h->H, names, 4);
        *e = h->H.e;
    }
    return rc;
}

static void h_ok(ph *h, const char *body, int64_t seed)
{
    errbuf e;
    if (h_open(h, body, seed, &e) != SANC_OK)
        fail_msg("init failed: %s", e.msg);
}

#define h_step(h, t) harness_step(&(h)->H, (t))
#define h_close(h) harness_close(&(h)->H)
#define h_var(h, name) ((const double *)harness_var(&(h)->H, (name)))

#define PV(h) ((h)->H.views.payments)
#define ACC(h, i, p) (PV(h)->access[(size_t)(i) * (PV(h)->nsys + 1) + (p)])
#define SHARE(h, i, j, p) (PV(h)->share[((size_t)(i) * (h)->H.w.nc + (j)) * (PV(h)->nsys + 1) + (p)])
#define LOGW(h, i, j) ((h)->H.w.pay_logw[(size_t)(i) * (h)->H.w.nc + (j)])

/* Two systems, A (0.01) and B (0.02), fallback 0.06, mu 0.05; two banks per
 * country with Zipf weights 2/3 and 1/3.  CCC's partial coverage 0.5 takes
 * bank 1 only (0 < 0.5, then 2/3 >= 0.5). */
static const char two_systems[] =
    "payments = { mu = 0.05; fallback = { name = \"fb\"; cost = 0.06; }; banks = { per_country = 2; zipf = 1.0; };\n"
    "  systems = ( { name = \"A\"; cost = 0.01; members = [\"PAIR\"]; },\n"
    "              { name = \"B\"; cost = 0.02; members = [\"AAA\"]; partial = ( { country = \"CCC\"; coverage = 0.5; } ); } ); };\n"
    "events = ( { name = \"out\"; type = \"exit\"; start = 1; country = \"CCC\"; system = \"B\"; },\n"
    "           { name = \"in\"; type = \"join\"; start = 1; country = \"DDD\"; system = \"A\"; coverage = 0.5; } );\n";

static void test_logit_two_systems(void **state)
{
    (void)state;
    ph h;
    h_ok(&h, two_systems, -1);
    world *w = &h.H.w;
    assert_int_equal(h.H.views.payments->nsys, 2);
    assert_int_equal(w->out.dim_n[DIM_PAYMENT_SYSTEM], 3);
    assert_string_equal(w->out.dim_labels[DIM_PAYMENT_SYSTEM][0], "A");
    assert_string_equal(w->out.dim_labels[DIM_PAYMENT_SYSTEM][2], "fb");
    assert_true(h.H.views.payments->sys_cost[0] == 0.01 && h.H.views.payments->sys_cost[1] == 0.02 && h.H.views.payments->sys_cost[2] == 0.06);

    const double mu = 0.05, eA = exp(-0.01 / mu), eB = exp(-0.02 / mu), ef = exp(-0.06 / mu);
    assert_double_equal(ACC(&h, h.A, 0), 1.0, 1e-15);
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-15);
    assert_true(ACC(&h, h.C, 0) == 0.0 && ACC(&h, h.D, 0) == 0.0);
    assert_double_equal(ACC(&h, h.A, 1), 1.0, 1e-15);
    assert_true(ACC(&h, h.B, 1) == 0.0);
    assert_double_equal(ACC(&h, h.C, 1), 2.0 / 3.0, 1e-15);
    for (int i = 0; i < 4; i++)
        assert_true(ACC(&h, i, 2) == 1.0);

    /* AAA-BBB: A and fallback */
    double S = eA + ef;
    assert_double_equal(SHARE(&h, h.A, h.B, 0), eA / S, 1e-14);
    assert_true(SHARE(&h, h.A, h.B, 1) == 0.0);
    assert_double_equal(SHARE(&h, h.A, h.B, 2), ef / S, 1e-14);
    /* AAA-CCC: both AAA banks are in B; CCC's bank 1 (2/3) is, bank 2 is not.
     * Bank pairs with CCC's bank 1 choose between B and the fallback, those
     * with bank 2 have only the fallback (DESIGN 3a); the old formula gave
     * (2/3) eB / ((2/3) eB + ef) */
    double sB_ac = (2.0 / 3.0) * eB / (eB + ef), sf_ac = (2.0 / 3.0) * ef / (eB + ef) + 1.0 / 3.0;
    assert_double_equal(SHARE(&h, h.C, h.A, 1), sB_ac, 1e-14);
    assert_double_equal(SHARE(&h, h.A, h.C, 1), sB_ac, 1e-14);
    assert_double_equal(SHARE(&h, h.A, h.C, 2), sf_ac, 1e-14);
    /* BBB-CCC: nothing in common */
    assert_true(SHARE(&h, h.B, h.C, 2) == 1.0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int p = 0; p < 3; p++) {
                s += SHARE(&h, i, j, p);
                if (p < 2 && SHARE(&h, i, j, p) > ACC(&h, i, p) * ACC(&h, j, p) + 1e-15)
                    fail_msg("pair %d-%d system %d: share %g above joint access", i, j, p, SHARE(&h, i, j, p));
            }
            assert_double_equal(s, 1.0, 1e-14);
            assert_true(LOGW(&h, i, j) == 0.0);
        }

    /* settlement shares and fees of AAA, weighted by the table's trade */
    const double *st = h_var(&h, "settlement_share"), *pc = h_var(&h, "payment_cost");
    double sA = (40.0 * eA / S) / 80.0;
    double sB = (30.0 * sB_ac) / 80.0;
    double sf = (40.0 * ef / S + 30.0 * sf_ac + 10.0) / 80.0;
    assert_double_equal(st[h.A * 3 + 0], sA, 1e-14);
    assert_double_equal(st[h.A * 3 + 1], sB, 1e-14);
    assert_double_equal(st[h.A * 3 + 2], sf, 1e-14);
    assert_double_equal(pc[h.A], 0.01 * sA + 0.02 * sB + 0.06 * sf, 1e-14);
    /* DDD trades only with AAA, with nothing in common: all fallback */
    assert_true(st[h.D * 3 + 2] == 1.0);
    assert_double_equal(pc[h.D], 0.06, 1e-15);

    /* t = 1: CCC leaves B entirely, DDD joins A with its largest bank.  The
     * wedge is (1 + fee paid now) / (1 + fee paid at period 0) */
    double c0_ac = 0.02 * sB_ac + 0.06 * sf_ac;
    h_step(&h, 1);
    assert_true(ACC(&h, h.C, 1) == 0.0);
    assert_double_equal(ACC(&h, h.D, 0), 2.0 / 3.0, 1e-15);
    assert_double_equal(LOGW(&h, h.A, h.C), log((1.0 + 0.06) / (1.0 + c0_ac)), 1e-13);
    assert_double_equal(LOGW(&h, h.C, h.A), LOGW(&h, h.A, h.C), 0.0);
    double c1_ad = (2.0 / 3.0) * (0.01 * eA + 0.06 * ef) / (eA + ef) + (1.0 / 3.0) * 0.06;
    assert_double_equal(LOGW(&h, h.D, h.A), log((1.0 + c1_ad) / 1.06), 1e-13);
    assert_true(LOGW(&h, h.A, h.B) == 0.0);
    assert_true(LOGW(&h, h.D, h.D) == 0.0);
    h_close(&h);
}

/* mu = 1e-5: exp(-c/mu) underflows for every channel; the log-sum-exp must
 * still give shares summing to 1: each bank pair takes its cheapest common
 * channel. */
static void test_small_mu(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 1e-5; fallback = { name = \"fb\"; cost = 0.06; }; banks = { per_country = 2; zipf = 1.0; };\n"
         "  systems = ( { name = \"A\"; cost = 0.01; members = [\"PAIR\"]; },\n"
         "              { name = \"B\"; cost = 0.02; members = [\"AAA\"]; partial = ( { country = \"CCC\"; coverage = 0.5; } ); } ); };\n"
         "events = ( { name = \"out\"; type = \"exit\"; start = 1; country = \"BBB\"; system = \"A\"; } );\n",
         -1);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int p = 0; p < 3; p++) {
                assert_true(isfinite(SHARE(&h, i, j, p)));
                s += SHARE(&h, i, j, p);
            }
            assert_double_equal(s, 1.0, 1e-15);
        }
    assert_true(SHARE(&h, h.A, h.B, 0) == 1.0);
    /* only CCC's bank 1 (2/3) is in B: the other pairs fall back */
    assert_double_equal(SHARE(&h, h.A, h.C, 1), 2.0 / 3.0, 1e-15);
    assert_double_equal(SHARE(&h, h.A, h.C, 2), 1.0 / 3.0, 1e-15);
    h_step(&h, 1);
    /* AAA-BBB falls back: (1 + 0.06) / (1 + 0.01) */
    assert_double_equal(LOGW(&h, h.A, h.B), log(1.06 / 1.01), 1e-12);
    assert_true(SHARE(&h, h.A, h.B, 2) == 1.0);
    h_close(&h);
}

/* Zipf 1 with 5 banks: weights (1, 1/2, 1/3, 1/4, 1/5) / H. */
static double zipf5(int b)
{
    double H = 1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5;
    return 1.0 / (b * H);
}

static void test_financial_revocation(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 5; zipf = 1.0; };\n"
         "  systems = ( { name = \"SWIFT\"; cost = 0.004; members = [\"ALL\"]; } ); };\n"
         "sanctions = ( { name = \"cut\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; system = \"SWIFT\"; "
         "coverage = 0.5; start = 2; end = 4; },\n"
         "  { name = \"cut2\"; senders = \"AAA\"; targets = \"CCC\"; type = \"financial\"; system = \"SWIFT\"; "
         "coverage = 0.3; start = 2; end = 3; } );\n"
         "events = ( { name = \"blocked\"; type = \"join\"; start = 3; country = \"BBB\"; system = \"SWIFT\"; },\n"
         "  { name = \"out\"; type = \"exit\"; start = 5; country = \"BBB\"; system = \"SWIFT\"; coverage = 0.2; },\n"
         "  { name = \"back\"; type = \"join\"; start = 6; country = \"BBB\"; system = \"SWIFT\"; coverage = 0.1; } );\n",
         -1);
    assert_string_equal(h.H.views.payments->sys_name[1], "fallback");
    h_step(&h, 1);
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-15);
    /* coverage 0.5: bank 1 (0 < 0.5), bank 2 (0.438 < 0.5), then 0.657: stop -> banks 3..5 stay */
    h_step(&h, 2);
    double rest = zipf5(3) + zipf5(4) + zipf5(5);
    assert_double_equal(ACC(&h, h.B, 0), rest, 1e-15);
    /* coverage 0.3: bank 1 only */
    assert_double_equal(ACC(&h, h.C, 0), 1.0 - zipf5(1), 1e-15);
    assert_double_equal(ACC(&h, h.A, 0), 1.0, 1e-15);
    /* the forced join at t = 3 is barred */
    h_step(&h, 3);
    assert_double_equal(ACC(&h, h.B, 0), rest, 1e-15);
    assert_double_equal(ACC(&h, h.C, 0), 1.0, 1e-15); /* cut2 ended at 3: restored */
    h_step(&h, 4);
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-15);
    /* bar lifted: forced exit and join work again, largest first */
    h_step(&h, 5);
    assert_double_equal(ACC(&h, h.B, 0), 1.0 - zipf5(1), 1e-15);
    h_step(&h, 6);
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-15);
    h_close(&h);
}

/* A measure replaced by a wider one in the same period: the wider one
 * (listed first) must revoke from the restored, full membership:
 * 0.438 -> 0.657 -> 0.803 >= 0.75, so banks 1-3 go. */
static void test_financial_handover(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 5; zipf = 1.0; };\n"
         "  systems = ( { name = \"SWIFT\"; cost = 0.004; members = [\"ALL\"]; } ); };\n"
         "sanctions = ( { name = \"wide\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; "
         "system = \"SWIFT\"; coverage = 0.75; start = 3; },\n"
         "  { name = \"narrow\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; system = \"SWIFT\"; "
         "coverage = 0.5; start = 2; end = 3; } );\n",
         -1);
    h_step(&h, 1);
    h_step(&h, 2);
    assert_double_equal(ACC(&h, h.B, 0), zipf5(3) + zipf5(4) + zipf5(5), 1e-15);
    h_step(&h, 3);
    assert_double_equal(ACC(&h, h.B, 0), zipf5(4) + zipf5(5), 1e-15);
    h_step(&h, 4);
    assert_double_equal(ACC(&h, h.B, 0), zipf5(4) + zipf5(5), 1e-15);
    h_close(&h);
}

/* With base = 50 every eligible bank joins (probability 1 - e^-50 == 1):
 * barred banks must not. */
static void test_bar_blocks_spontaneous_joins(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 5; zipf = 1.0; };\n"
         "  adoption = { base = 50.0; };\n"
         "  systems = ( { name = \"SWIFT\"; cost = 0.004; members = [\"ALL\", \"!BBB\"]; },\n"
         "              { name = \"Closed\"; cost = 0.004; open = false; } ); };\n"
         "sanctions = ( { name = \"cut\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; system = \"SWIFT\"; "
         "coverage = 0.5; start = 2; end = 4; } );\n",
         -1);
    assert_true(ACC(&h, h.B, 0) == 0.0);
    h_step(&h, 1);
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-15);
    assert_true(ACC(&h, h.A, 1) == 0.0); /* closed systems get no joins */
    h_step(&h, 2);
    double rest = zipf5(3) + zipf5(4) + zipf5(5);
    assert_double_equal(ACC(&h, h.B, 0), rest, 1e-15);
    h_step(&h, 3);
    assert_double_equal(ACC(&h, h.B, 0), rest, 1e-15);
    h_step(&h, 4);
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-15);
    h_close(&h);
}

/* Network: BBB joins "Mir" at t = 1.  At t = 2 a bank of i joins with
 * probability 1 - exp(-network q_iB): AAA q = 40/80, CCC q = 5/35, DDD q = 0. */
static void test_network_adoption(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 400; zipf = 0.0; };\n"
         "  adoption = { network = 1.0; };\n"
         "  systems = ( { name = \"Mir\"; cost = 0.01; } ); };\n"
         "events = ( { name = \"in\"; type = \"join\"; start = 1; country = \"BBB\"; system = \"Mir\"; } );\n",
         -1);
    h_step(&h, 1);
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-12);
    assert_true(ACC(&h, h.A, 0) == 0.0 && ACC(&h, h.C, 0) == 0.0);
    h_step(&h, 2);
    double pA = 1.0 - exp(-0.5), pC = 1.0 - exp(-5.0 / 35.0);
    double sdA = sqrt(pA * (1 - pA) / 400), sdC = sqrt(pC * (1 - pC) / 400);
    if (fabs(ACC(&h, h.A, 0) - pA) > 5 * sdA)
        fail_msg("AAA adoption %g, expected about %g", ACC(&h, h.A, 0), pA);
    if (fabs(ACC(&h, h.C, 0) - pC) > 5 * sdC)
        fail_msg("CCC adoption %g, expected about %g", ACC(&h, h.C, 0), pC);
    assert_true(ACC(&h, h.A, 0) > ACC(&h, h.C, 0));
    assert_true(ACC(&h, h.D, 0) == 0.0); /* no partner in Mir: no draw, no join */
    h_close(&h);
}

/* Savings: gain only.  A (cost 0.05) and fallback 0.06 at mu 0.001: once
 * BBB is in A, AAA's pair with BBB could save c_AB - c_A; but AAA has no
 * access yet, so c_AB = 0.06 and G_A = q_AB * 1 * 0.01 = 0.005. */
static void test_gain_adoption(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 0.001; fallback = { cost = 0.06; }; banks = { per_country = 400; zipf = 0.0; };\n"
         "  adoption = { gain = 100.0; };\n"
         "  systems = ( { name = \"A\"; cost = 0.05; } ); };\n"
         "events = ( { name = \"in\"; type = \"join\"; start = 1; country = \"BBB\"; system = \"A\"; } );\n",
         -1);
    h_step(&h, 1);
    h_step(&h, 2);
    /* c_AB(1) = -mu ln(exp(-60)) exactly 0.06 (AAA has no access) */
    double p = 1.0 - exp(-100.0 * 0.5 * 0.01);
    double sd = sqrt(p * (1 - p) / 400);
    if (fabs(ACC(&h, h.A, 0) - p) > 5 * sd)
        fail_msg("AAA adoption %g, expected about %g", ACC(&h, h.A, 0), p);
    assert_true(ACC(&h, h.D, 0) == 0.0);
    h_close(&h);
}

static void run_path(int64_t seed, double *path, size_t n)
{
    ph h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 50; zipf = 1.0; };\n"
         "  adoption = { base = 0.2; };\n"
         "  systems = ( { name = \"Mir\"; cost = 0.01; members = [\"AAA\"]; } ); };\n",
         seed);
    size_t per = (size_t)h.H.w.nc * (h.H.views.payments->nsys + 1);
    assert_true(per * 6 == n);
    for (int t = 1; t <= 6; t++) {
        h_step(&h, t);
        memcpy(path + (t - 1) * per, h.H.views.payments->access, per * sizeof *path);
    }
    h_close(&h);
}

static void test_seed(void **state)
{
    (void)state;
    double a[48], b[48], c[48];
    run_path(1, a, 48);
    run_path(1, b, 48);
    run_path(2, c, 48);
    assert_memory_equal(a, b, sizeof a);
    assert_true(memcmp(a, c, sizeof a) != 0);
    /* adoption only grows without exits, and it did grow beyond AAA's 1 */
    double mir = 0.0;
    for (int i = 0; i < 4; i++)
        mir += a[40 + 2 * i];
    assert_true(mir > 1.5);
}

/* Secondary sanction by DDD on BBB, the home of "Mir": AAA is a third
 * country with w_AS = 10/80; CCC has no trade with DDD (pressure 0). */
static void test_secondary_exit(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 20; zipf = 1.0; };\n"
         "  adoption = { secondary_exit = 1e6; };\n"
         "  systems = ( { name = \"Mir\"; cost = 0.01; home = \"BBB\"; members = [\"ALL\"]; },\n"
         "              { name = \"Other\"; cost = 0.01; members = [\"ALL\"]; } ); };\n"
         "sanctions = ( { name = \"sec\"; senders = \"DDD\"; targets = \"BBB\"; type = \"secondary\"; penalty = 1.0; "
         "start = 2; } );\n",
         -1);
    h_step(&h, 1);
    assert_double_equal(ACC(&h, h.A, 0), 1.0, 1e-15);
    h_step(&h, 2);
    assert_double_equal(h.H.views.sanctions->pressure[h.A * h.H.w.nc + h.B], 10.0 / 80.0, 1e-15);
    assert_true(ACC(&h, h.A, 0) == 0.0);              /* probability 1 - exp(-1e6/8) */
    assert_double_equal(ACC(&h, h.A, 1), 1.0, 1e-15); /* no home: no exit */
    assert_double_equal(ACC(&h, h.C, 0), 1.0, 1e-15); /* no exposure */
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-15); /* the target itself */
    assert_double_equal(ACC(&h, h.D, 0), 1.0, 1e-15); /* the sender */
    h_close(&h);
}

static void test_no_payments_block(void **state)
{
    (void)state;
    ph h;
    h_ok(&h, "", -1);
    assert_int_equal(h.H.views.payments->nsys, 0);
    assert_int_equal(h.H.w.out.dim_n[DIM_PAYMENT_SYSTEM], 1);
    assert_string_equal(h.H.views.payments->sys_name[0], "fallback");
    /* only the fallback: nothing worth recording, so no payment variables
     * (and no payment_system axis in the file; DESIGN 10) */
    for (int v = 0; v < h.H.w.out.nvars; v++)
        for (int k = 0; k < h.H.w.out.vars[v].ndims; k++)
            assert_int_not_equal(h.H.w.out.vars[v].dims[k], DIM_PAYMENT_SYSTEM);
    for (int v = 0; v < h.H.w.out.nvars; v++)
        assert_string_not_equal(h.H.w.out.vars[v].name, "payment_cost");
    for (int t = 1; t < 3; t++) {
        h_step(&h, t);
        for (int i = 0; i < 4; i++) {
            assert_true(ACC(&h, i, 0) == 1.0);
            for (int j = 0; j < 4; j++) {
                assert_true(SHARE(&h, i, j, 0) == 1.0);
                assert_true(LOGW(&h, i, j) == 0.0);
            }
        }
    }
    h_close(&h);
}

/* No policy and base = 0: every period is the baseline, draws or not. */
static const char quiet[] =
    "payments = { mu = 0.02; fallback = { cost = 0.06; }; banks = { per_country = 7; zipf = 1.3; };\n"
    "  adoption = { network = 2.0; gain = 50.0; secondary_exit = 3.0; };\n"
    "  systems = ( { name = \"SWIFT\"; cost = 0.004; members = [\"ALL\", \"!CCC\"]; },\n"
    "              { name = \"Mir\"; cost = 0.008; home = \"BBB\"; members = [\"BBB\"]; partial = ( { country = \"AAA\"; coverage = 0.3; } ); } ); };\n";

static void test_quiet_baseline(void **state)
{
    (void)state;
    ph h;
    h_ok(&h, quiet, -1);
    size_t na = (size_t)h.H.w.nc * 3, ns = (size_t)h.H.w.nc * h.H.w.nc * 3;
    double *a0 = malloc(na * sizeof *a0), *s0 = malloc(ns * sizeof *s0);
    assert_non_null(a0);
    assert_non_null(s0);
    memcpy(a0, h.H.views.payments->access, na * sizeof *a0);
    memcpy(s0, h.H.views.payments->share, ns * sizeof *s0);
    for (int t = 1; t < 7; t++) {
        h_step(&h, t);
        assert_memory_equal(a0, h.H.views.payments->access, na * sizeof *a0);
        assert_memory_equal(s0, h.H.views.payments->share, ns * sizeof *s0);
        for (int c = 0; c < h.H.w.nc * h.H.w.nc; c++)
            assert_true(h.H.w.pay_logw[c] == 0.0);
    }
    free(a0);
    free(s0);
    h_close(&h);

    /* the whole pipeline validates and runs (no output file) */
    errbuf e;
    assert_int_equal(h_load(&h, quiet, -1, &e), SANC_OK);
    assert_int_equal(run_check(&h.H.sc, &e), SANC_OK);
    run_opts o;
    memset(&o, 0, sizeof o);
    if (run_scenario(&h.H.sc, &o, &e) != SANC_OK)
        fail_msg("run: %s", e.msg);
    h_close(&h);
}

/* DESIGN 3a's counter-example on two countries x two banks x two systems.
 * Banks 2/3 and 1/3 (Zipf 1).  After t = 1: X (cost 0) has only the second
 * bank of AAA and of BBB (the exits take bank 1 first: 2/3 >= 0.5), Y (cost
 * 0.03) every bank of AAA and BBB's bank 1; fallback 0.04, mu 0.01.  Bank
 * pairs (AAA b, BBB b'), weight omega_b omega_b', and their common systems:
 *   (1,1) 4/9 {Y}   (1,2) 2/9 {}   (2,1) 2/9 {Y}   (2,2) 1/9 {X}
 * so s_X = (1/9) eX/(eX + ef), s_Y = (6/9) eY/(eY + ef), the rest fallback,
 * with eX = 1, eY = e^-3, ef = e^-4.  The old formula (access as a weight
 * in the logit) gave s_X = (1/9) / ((1/9) + (2/3) e^-3 + e^-4) = 0.68 from a
 * system that 1/9 of the bank pairs can use; now s_X = 0.109 <= 1/9. */
static const char counter_example[] =
    "payments = { mu = 0.01; fallback = { cost = 0.04; }; banks = { per_country = 2; zipf = 1.0; };\n"
    "  adoption = { mode = \"%s\"; };\n"
    "  systems = ( { name = \"X\"; cost = 0.0; members = [\"PAIR\"]; },\n"
    "              { name = \"Y\"; cost = 0.03; members = [\"AAA\"]; partial = ( { country = \"BBB\"; coverage = 0.5; } ); } ); };\n"
    "events = ( { name = \"a\"; type = \"exit\"; start = 1; country = \"AAA\"; system = \"X\"; coverage = 0.5; },\n"
    "           { name = \"b\"; type = \"exit\"; start = 1; country = \"BBB\"; system = \"X\"; coverage = 0.5; } );\n";

static void test_bank_pair_counter_example(void **state)
{
    (void)state;
    static const char *const modes[] = {"banks", "mean_field"};
    for (int mo = 0; mo < 2; mo++) {
        char body[1024];
        snprintf(body, sizeof body, counter_example, modes[mo]);
        ph h;
        h_ok(&h, body, -1);
        h_step(&h, 1);
        double eX = 1.0, eY = exp(-3.0), ef = exp(-4.0);
        double sX = (1.0 / 9.0) * eX / (eX + ef), sY = (6.0 / 9.0) * eY / (eY + ef);
        double sF = (1.0 / 9.0) * ef / (eX + ef) + (6.0 / 9.0) * ef / (eY + ef) + 2.0 / 9.0;
        assert_double_equal(ACC(&h, h.A, 0), 1.0 / 3.0, 1e-15);
        assert_double_equal(ACC(&h, h.B, 0), 1.0 / 3.0, 1e-15);
        assert_double_equal(ACC(&h, h.B, 1), 2.0 / 3.0, 1e-15);
        assert_double_equal(SHARE(&h, h.A, h.B, 0), sX, 1e-14);
        assert_double_equal(SHARE(&h, h.A, h.B, 1), sY, 1e-14);
        assert_double_equal(SHARE(&h, h.A, h.B, 2), sF, 1e-14);
        assert_double_equal(SHARE(&h, h.B, h.A, 0), sX, 1e-14);
        /* bounded by joint access; the old formula's 0.68 is far above */
        assert_true(SHARE(&h, h.A, h.B, 0) <= ACC(&h, h.A, 0) * ACC(&h, h.B, 0));
        double old = (1.0 / 9.0) / (1.0 / 9.0 + (2.0 / 3.0) * eY + ef);
        assert_true(old > 0.68 && old < 0.69);
        /* the wedge is the fee paid: 0 x sX + 0.03 sY + 0.04 sF, against
         * 0.04 x (pairs without X) + ... at period 0, when X was universal */
        double c0 = 0.04 * ef / (eX + ef); /* everyone in X at t = 0 (Y is dearer) ... */
        /* ... and AAA's banks and BBB's bank 1 in Y: the pairs chose among X, Y, fallback */
        double l[3] = {-0.0 / 0.01, -0.03 / 0.01, -0.04 / 0.01}, m = l[0];
        double den = exp(l[0] - m) + exp(l[1] - m) + exp(l[2] - m);
        double cY = (0.0 * exp(l[0] - m) + 0.03 * exp(l[1] - m) + 0.04 * exp(l[2] - m)) / den;
        c0 = (2.0 / 3.0) * cY + (1.0 / 3.0) * c0; /* BBB bank 1 (2/3) in X and Y; bank 2 in X only */
        double c1 = 0.03 * sY + 0.04 * sF;
        assert_double_equal(LOGW(&h, h.A, h.B), log1p(c1) - log1p(c0), 1e-14);
        h_close(&h);
    }
}

/* Mean field, two systems joined at the base rate ln 2 from nothing: after
 * t = 1 every bank of every country is in each system with probability 1/2,
 * independently.  A pair of banks has system p in common with probability
 * 1/4, independently across systems: common {} 9/16, {X} 3/16, {Y} 3/16,
 * {X,Y} 1/16.  Hence, with eX, eY, ef the logit weights,
 *   s_X = 3/16 eX/(eX+ef) + 1/16 eX/(eX+eY+ef)  (<= a a = 1/4). */
static void test_mean_field_shares(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.04; }; banks = { per_country = 3; zipf = 1.0; };\n"
         "  adoption = { mode = \"mean_field\"; base = 0.6931471805599453; };\n"
         "  systems = ( { name = \"X\"; cost = 0.01; }, { name = \"Y\"; cost = 0.02; } ); };\n",
         -1);
    h_step(&h, 1);
    double eX = exp(-1.0), eY = exp(-2.0), ef = exp(-4.0);
    double sX = 3.0 / 16.0 * eX / (eX + ef) + 1.0 / 16.0 * eX / (eX + eY + ef);
    double sY = 3.0 / 16.0 * eY / (eY + ef) + 1.0 / 16.0 * eY / (eX + eY + ef);
    for (int i = 0; i < 4; i++)
        for (int p = 0; p < 2; p++)
            assert_double_equal(ACC(&h, i, p), 0.5, 1e-15);
    assert_double_equal(SHARE(&h, h.A, h.C, 0), sX, 1e-14);
    assert_double_equal(SHARE(&h, h.A, h.C, 1), sY, 1e-14);
    assert_double_equal(SHARE(&h, h.A, h.C, 2), 1.0 - sX - sY, 1e-14);
    /* t = 2: m = 1/2 + 1/2 x 1/2 = 3/4 */
    h_step(&h, 2);
    assert_double_equal(ACC(&h, h.D, 1), 0.75, 1e-15);
    h_close(&h);
}

/* Mean field: network adoption moves every bank by the expected hazard
 * (test_network_adoption's setting; there it is a draw per bank): AAA's
 * access after t = 2 is exactly 1 - exp(-0.5), CCC's 1 - exp(-5/35); a
 * secondary exit multiplies memberships by exp(-rate); a revocation takes
 * banks with m > 0 largest first and gives back their m when it ends. */
static void test_mean_field_hazards(void **state)
{
    (void)state;
    ph h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 4; zipf = 0.0; };\n"
         "  adoption = { mode = \"mean_field\"; network = 1.0; secondary_exit = 2.0; };\n"
         "  systems = ( { name = \"Mir\"; cost = 0.01; home = \"BBB\"; } ); };\n"
         "events = ( { name = \"in\"; type = \"join\"; start = 1; country = \"BBB\"; system = \"Mir\"; } );\n"
         "sanctions = ( { name = \"sec\"; senders = \"DDD\"; targets = \"BBB\"; type = \"secondary\"; penalty = 1.0; "
         "start = 3; end = 4; },\n"
         "  { name = \"cut\"; senders = \"DDD\"; targets = \"CCC\"; type = \"financial\"; system = \"Mir\"; "
         "coverage = 0.3; start = 4; end = 5; } );\n",
         -1);
    h_step(&h, 1);
    assert_double_equal(ACC(&h, h.B, 0), 1.0, 1e-15);
    h_step(&h, 2);
    double mA = 1.0 - exp(-0.5), mC = 1.0 - exp(-5.0 / 35.0);
    assert_double_equal(ACC(&h, h.A, 0), mA, 1e-15);
    assert_double_equal(ACC(&h, h.C, 0), mC, 1e-15);
    assert_true(ACC(&h, h.D, 0) == 0.0);
    /* t = 3: the hazards are measured on t = 2's access; AAA (a third
     * country, w_AS = 10/80 with DDD) first exits at rate 2 x 1/8, then
     * joins again at the network rate of its reach gain */
    h_step(&h, 3);
    double q = 40.0 / 80.0, reach = q * 1.0 + (30.0 / 80.0) * mC; /* BBB fully in, CCC at mC, DDD 0 */
    double mA3 = mA * exp(-2.0 * 10.0 / 80.0);
    mA3 += (1.0 - mA3) * (1.0 - exp(-reach));
    assert_double_equal(ACC(&h, h.A, 0), mA3, 1e-14);
    /* CCC at t = 3: no exit (no trade with DDD: w_CS = 0); join at the
     * network rate of its reach on t = 2's access: q_CA mA + q_CB x 1 */
    double mC3 = mC + (1.0 - mC) * (1.0 - exp(-(30.0 / 35.0 * mA + 5.0 / 35.0)));
    assert_double_equal(ACC(&h, h.C, 0), mC3, 1e-14);
    /* t = 4: revoke CCC's banks (weight 1/4 each, every m = mC3 ~ 0.46):
     * taken while the weight moved, the sum of m/4, is below 0.3: 0, 0.116,
     * 0.232 < 0.3, then 0.347: banks 1-3; bank 4 keeps mC3 and, barred like
     * every CCC bank, does not join */
    assert_true(2.0 * mC3 / 4.0 < 0.3 && 3.0 * mC3 / 4.0 >= 0.3);
    h_step(&h, 4);
    assert_double_equal(ACC(&h, h.C, 0), mC3 / 4.0, 1e-15);
    double kept = ACC(&h, h.C, 0);
    /* t = 5: the measure ends; the revoked banks get their m back (and
     * every bank joins at t = 5's hazard, computed on t = 4's access) */
    h_step(&h, 5);
    assert_true(ACC(&h, h.C, 0) >= mC3 - 1e-15);
    assert_true(ACC(&h, h.C, 0) > kept);
    h_close(&h);
}

static void run_path_mode(int64_t seed, const char *mode, double *path, size_t n)
{
    ph h;
    char body[1024];
    snprintf(body, sizeof body,
             "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 50; zipf = 1.0; };\n"
             "  adoption = { mode = \"%s\"; base = 0.2; };\n"
             "  systems = ( { name = \"Mir\"; cost = 0.01; members = [\"AAA\"]; } ); };\n",
             mode);
    h_ok(&h, body, seed);
    size_t per = (size_t)h.H.w.nc * (PV(&h)->nsys + 1), nsh = (size_t)h.H.w.nc * h.H.w.nc * (PV(&h)->nsys + 1);
    assert_true((per + nsh) * 6 == n);
    for (int t = 1; t <= 6; t++) {
        h_step(&h, t);
        memcpy(path + (t - 1) * (per + nsh), PV(&h)->access, per * sizeof *path);
        memcpy(path + (t - 1) * (per + nsh) + per, PV(&h)->share, nsh * sizeof *path);
    }
    h_close(&h);
}

/* Mean-field runs do not depend on the seed: the same bits for seeds 1, 2
 * and 987654321 (banks: different paths, test_seed). */
static void test_mean_field_seed_free(void **state)
{
    (void)state;
    size_t n = (8 + 32) * 6;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    assert_true(a && b && c);
    run_path_mode(1, "mean_field", a, n);
    run_path_mode(2, "mean_field", b, n);
    run_path_mode(987654321, "mean_field", c, n);
    assert_memory_equal(a, b, n * sizeof *a);
    assert_memory_equal(a, c, n * sizeof *a);
    run_path_mode(1, "banks", b, n);
    run_path_mode(2, "banks", c, n);
    assert_true(memcmp(b, c, n * sizeof *b) != 0);
    free(a);
    free(b);
    free(c);
}

static void test_config_errors(void **state)
{
    (void)state;
    /* each on line 5 (payments) or 6 (events / sanctions) */
    static const struct {
        const char *body;
        int line;
    } bad[] = {
        {"payments = { fallback = { cost = 0.06; }; };\n", 5},
        {"payments = { mu = 0.0; fallback = { cost = 0.06; }; };\n", 5},
        {"payments = { mu = \"small\"; fallback = { cost = 0.06; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; colour = 1; };\n", 5},
        {"payments = { mu = 0.01; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = -0.06; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; rate = 1.0; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = 0.06; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 0; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 1001; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 5.0; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { zipf = -1.0; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; adoption = { base = -0.1; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; adoption = { speed = 1.0; }; };\n", 5},
        /* an adoption rule that is not in the registry, or not a string */
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; adoption = { mode = \"herd\"; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; adoption = { mode = 1; }; };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; }, "
         "{ name = \"S\"; cost = 0.0; } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { name = \"S\"; cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; home = \"ZZZ\"; } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; home = \"PAIR\"; } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; members = [\"ZZZ\"]; } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; "
         "partial = ( { country = \"AAA\"; coverage = 0.0; } ); } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; "
         "partial = ( { country = \"AAA\"; coverage = 1.5; } ); } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; "
         "partial = ( { country = \"WEST\"; coverage = 0.5; } ); } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; open = 1; } ); };\n", 5},
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; size = 1; } ); };\n", 5},
        /* mean_field: at most 6 systems */
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; adoption = { mode = \"mean_field\"; };\n"
         "  systems = ( { name = \"S1\"; cost = 0.0; }, { name = \"S2\"; cost = 0.0; }, { name = \"S3\"; cost = 0.0; }, "
         "{ name = \"S4\"; cost = 0.0; }, { name = \"S5\"; cost = 0.0; }, { name = \"S6\"; cost = 0.0; }, "
         "{ name = \"S7\"; cost = 0.0; } ); };\n", 5},
        /* events naming an unknown system, with and without a payments block */
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; } ); };\n"
         "events = ( { name = \"j\"; type = \"join\"; start = 1; country = \"AAA\"; system = \"T\"; } );\n", 6},
        {"payments = { mu = 0.01; fallback = { name = \"fb\"; cost = 0.06; }; };\n"
         "events = ( { name = \"j\"; type = \"exit\"; start = 1; country = \"AAA\"; system = \"fb\"; } );\n", 6},
        {"\nevents = ( { name = \"j\"; type = \"join\"; start = 1; country = \"AAA\"; system = \"SWIFT\"; } );\n", 6},
        /* a financial sanction on a system that does not exist */
        {"payments = { mu = 0.01; fallback = { cost = 0.06; }; systems = ( { name = \"S\"; cost = 0.0; } ); };\n"
         "sanctions = ( { name = \"f\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; system = \"T\"; "
         "start = 1; } );\n", 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ph h;
        errbuf e;
        int rc = h_open(&h, bad[i].body, -1, &e);
        if (getenv("TEST_VERBOSE"))
            fprintf(stderr, "case %zu: %s\n", i, e.msg);
        if (rc != SANC_ECONFIG)
            fail_msg("case %zu: expected SANC_ECONFIG, got %d (%s)", i, rc, e.msg);
        char want[32];
        snprintf(want, sizeof want, "x.cfg:%d: ", bad[i].line);
        if (strstr(e.msg, want) == NULL)
            fail_msg("case %zu: message lacks '%s': '%s'", i, want, e.msg);
        if (strchr(e.msg, '\n') != NULL)
            fail_msg("case %zu: message is not one line", i);
        h_close(&h);
    }
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logit_two_systems),
        cmocka_unit_test(test_small_mu),
        cmocka_unit_test(test_financial_revocation),
        cmocka_unit_test(test_financial_handover),
        cmocka_unit_test(test_bar_blocks_spontaneous_joins),
        cmocka_unit_test(test_network_adoption),
        cmocka_unit_test(test_gain_adoption),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_secondary_exit),
        cmocka_unit_test(test_no_payments_block),
        cmocka_unit_test(test_quiet_baseline),
        cmocka_unit_test(test_bank_pair_counter_example),
        cmocka_unit_test(test_mean_field_shares),
        cmocka_unit_test(test_mean_field_hazards),
        cmocka_unit_test(test_mean_field_seed_free),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
