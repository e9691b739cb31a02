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

#define H_MAXMOD 4

typedef struct harness {
    char dir[256];
    scenario sc;
    world w;
    model m[H_MAXMOD];
    int nm, loaded, world_ok;
    int A, B, C, D;
} harness;

#define assert_double_equal(a, b, tol)                                                              \
    do {                                                                                            \
        double a_ = (a), b_ = (b);                                                                  \
        if (!(a_ == b_ || fabs(a_ - b_) <= (tol)))                                                  \
            fail_msg("%s = %.17g, expected %.17g (tol %g)", #a, a_, b_, (double)(tol));             \
    } while (0)

static void h_write(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *h_path(harness *h, char *buf, size_t n)
{
    snprintf(buf, n, "%s/x.cfg", h->dir);
    return buf;
}

/* Write the scenario and load it (no modules yet). */
static int h_load(harness *h, const char *body, int64_t seed, errbuf *e)
{
    memset(h, 0, sizeof *h);
    snprintf(h->dir, sizeof h->dir, "/tmp/test_payments.XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    h_write(h->dir, "trade.csv", trade_csv);
    size_t n = strlen(cfg_head) + strlen(body) + 1;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%s%s", cfg_head, body);
    h_write(h->dir, "x.cfg", text);
    free(text);
    char path[512];
    err_init(e);
    h->loaded = 1;
    return scenario_load(&h->sc, h_path(h, path, sizeof path), NULL, 0, seed, e);
}

/* Load and initialise the sanctions and payments modules (policy first, so
 * that the pipeline prefix is the real one). */
static int h_open(harness *h, const char *body, int64_t seed, errbuf *e)
{
    int rc = h_load(h, body, seed, e);
    if (rc != SANC_OK)
        return rc;
    if ((rc = world_init(&h->w, &h->sc, e)) != SANC_OK)
        return rc;
    h->world_ok = 1;
    h->A = scenario_country_index(&h->sc, "AAA");
    h->B = scenario_country_index(&h->sc, "BBB");
    h->C = scenario_country_index(&h->sc, "CCC");
    h->D = scenario_country_index(&h->sc, "DDD");
    static const char *const names[] = {"policy", "sanctions", "payments"};
    for (int i = 0; i < 3; i++) {
        model *m = &h->m[h->nm++];
        m->name = names[i];
        m->ops = model_lookup(names[i]);
        assert_non_null(m->ops);
        if ((rc = m->ops->init(m, &h->sc, &h->w, e)) != SANC_OK)
            return rc;
    }
    return SANC_OK;
}

static void h_ok(harness *h, const char *body, int64_t seed)
{
    errbuf e;
    if (h_open(h, body, seed, &e) != SANC_OK)
        fail_msg("init failed: %s", e.msg);
}

static void h_step(harness *h, int t)
{
    errbuf e;
    err_init(&e);
    h->w.t = t;
    for (int i = 0; i < h->nm; i++)
        if (h->m[i].ops->step(&h->m[i], &h->w, t, &e) != SANC_OK)
            fail_msg("step %d of %s: %s", t, h->m[i].name, e.msg);
}

static void h_close(harness *h)
{
    for (int i = h->nm - 1; i >= 0; i--)
        if (h->m[i].ops->finish)
            h->m[i].ops->finish(&h->m[i]);
    if (h->world_ok)
        world_destroy(&h->w);
    if (h->loaded)
        scenario_destroy(&h->sc);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", h->dir);
}

static const double *h_var(harness *h, const char *name)
{
    for (int v = 0; v < h->w.out.nvars; v++)
        if (strcmp(h->w.out.vars[v].name, name) == 0)
            return h->w.out.vars[v].data;
    fail_msg("variable %s not registered", name);
    return NULL;
}

#define ACC(h, i, p) ((h)->w.pay_access[(size_t)(i) * ((h)->w.nsys + 1) + (p)])
#define SHARE(h, i, j, p) ((h)->w.pay_share[((size_t)(i) * (h)->w.nc + (j)) * ((h)->w.nsys + 1) + (p)])
#define LOGW(h, i, j) ((h)->w.pay_logw[(size_t)(i) * (h)->w.nc + (j)])

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
    harness h;
    h_ok(&h, two_systems, -1);
    world *w = &h.w;
    assert_int_equal(w->nsys, 2);
    assert_int_equal(w->out.dim_n[DIM_PAYMENT_SYSTEM], 3);
    assert_string_equal(w->out.dim_labels[DIM_PAYMENT_SYSTEM][0], "A");
    assert_string_equal(w->out.dim_labels[DIM_PAYMENT_SYSTEM][2], "fb");
    assert_true(w->sys_cost[0] == 0.01 && w->sys_cost[1] == 0.02 && w->sys_cost[2] == 0.06);

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
    /* AAA-CCC: B at access 2/3 and fallback */
    double S_ac = (2.0 / 3.0) * eB + ef;
    assert_double_equal(SHARE(&h, h.C, h.A, 1), (2.0 / 3.0) * eB / S_ac, 1e-14);
    assert_double_equal(SHARE(&h, h.A, h.C, 2), ef / S_ac, 1e-14);
    /* BBB-CCC: nothing in common */
    assert_true(SHARE(&h, h.B, h.C, 2) == 1.0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int p = 0; p < 3; p++)
                s += SHARE(&h, i, j, p);
            assert_double_equal(s, 1.0, 1e-14);
            assert_true(LOGW(&h, i, j) == 0.0);
        }

    /* settlement shares and fees of AAA, weighted by the table's trade */
    const double *st = h_var(&h, "settlement_share"), *pc = h_var(&h, "payment_cost");
    double sA = (40.0 * eA / S) / 80.0;
    double sB = (30.0 * (2.0 / 3.0) * eB / S_ac) / 80.0;
    double sf = (40.0 * ef / S + 30.0 * ef / S_ac + 10.0) / 80.0;
    assert_double_equal(st[h.A * 3 + 0], sA, 1e-14);
    assert_double_equal(st[h.A * 3 + 1], sB, 1e-14);
    assert_double_equal(st[h.A * 3 + 2], sf, 1e-14);
    assert_double_equal(pc[h.A], 0.01 * sA + 0.02 * sB + 0.06 * sf, 1e-14);
    /* DDD trades only with AAA, with nothing in common: all fallback */
    assert_true(st[h.D * 3 + 2] == 1.0);
    assert_double_equal(pc[h.D], 0.06, 1e-15);

    /* t = 1: CCC leaves B entirely, DDD joins A with its largest bank */
    double c0_ac = -mu * log(S_ac);
    h_step(&h, 1);
    assert_true(ACC(&h, h.C, 1) == 0.0);
    assert_double_equal(ACC(&h, h.D, 0), 2.0 / 3.0, 1e-15);
    assert_double_equal(LOGW(&h, h.A, h.C), log((1.0 + 0.06) / (1.0 + c0_ac)), 1e-13);
    assert_double_equal(LOGW(&h, h.C, h.A), LOGW(&h, h.A, h.C), 0.0);
    double c1_ad = -mu * log((2.0 / 3.0) * eA + ef);
    assert_double_equal(LOGW(&h, h.D, h.A), log((1.0 + c1_ad) / 1.06), 1e-13);
    assert_true(LOGW(&h, h.A, h.B) == 0.0);
    assert_true(LOGW(&h, h.D, h.D) == 0.0);
    h_close(&h);
}

/* mu = 1e-5: exp(-c/mu) underflows for every channel; the log-sum-exp must
 * still give shares summing to 1 and c_ij = the cheapest usable channel's
 * cost less mu ln(access). */
static void test_small_mu(void **state)
{
    (void)state;
    harness h;
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
    assert_true(SHARE(&h, h.A, h.C, 1) == 1.0);
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
    harness h;
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
    assert_string_equal(h.w.sys_name[1], "fallback");
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
    harness h;
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
    harness h;
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
    harness h;
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
    harness h;
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
    harness h;
    h_ok(&h,
         "payments = { mu = 0.01; fallback = { cost = 0.06; }; banks = { per_country = 50; zipf = 1.0; };\n"
         "  adoption = { base = 0.2; };\n"
         "  systems = ( { name = \"Mir\"; cost = 0.01; members = [\"AAA\"]; } ); };\n",
         seed);
    size_t per = (size_t)h.w.nc * (h.w.nsys + 1);
    assert_true(per * 6 == n);
    for (int t = 1; t <= 6; t++) {
        h_step(&h, t);
        memcpy(path + (t - 1) * per, h.w.pay_access, per * sizeof *path);
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
    harness h;
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
    assert_double_equal(h.w.sec_pressure[h.A * h.w.nc + h.B], 10.0 / 80.0, 1e-15);
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
    harness h;
    h_ok(&h, "", -1);
    assert_int_equal(h.w.nsys, 0);
    assert_int_equal(h.w.out.dim_n[DIM_PAYMENT_SYSTEM], 1);
    assert_string_equal(h.w.sys_name[0], "fallback");
    const double *st = h_var(&h, "settlement_share");
    h_var(&h, "adoption");
    h_var(&h, "payment_cost");
    for (int t = 1; t < 3; t++) {
        h_step(&h, t);
        for (int i = 0; i < 4; i++) {
            assert_true(ACC(&h, i, 0) == 1.0);
            assert_true(st[i] == 1.0);
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
    harness h;
    h_ok(&h, quiet, -1);
    size_t na = (size_t)h.w.nc * 3, ns = (size_t)h.w.nc * h.w.nc * 3;
    double *a0 = malloc(na * sizeof *a0), *s0 = malloc(ns * sizeof *s0);
    assert_non_null(a0);
    assert_non_null(s0);
    memcpy(a0, h.w.pay_access, na * sizeof *a0);
    memcpy(s0, h.w.pay_share, ns * sizeof *s0);
    for (int t = 1; t < 7; t++) {
        h_step(&h, t);
        assert_memory_equal(a0, h.w.pay_access, na * sizeof *a0);
        assert_memory_equal(s0, h.w.pay_share, ns * sizeof *s0);
        for (int c = 0; c < h.w.nc * h.w.nc; c++)
            assert_true(h.w.pay_logw[c] == 0.0);
    }
    free(a0);
    free(s0);
    h_close(&h);

    /* the whole pipeline validates and runs (no output file) */
    errbuf e;
    assert_int_equal(h_load(&h, quiet, -1, &e), SANC_OK);
    assert_int_equal(run_check(&h.sc, &e), SANC_OK);
    run_opts o;
    memset(&o, 0, sizeof o);
    if (run_scenario(&h.sc, &o, &e) != SANC_OK)
        fail_msg("run: %s", e.msg);
    h_close(&h);
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
        /* mu so large that 1 + c_ij could be <= 0: -10 ln 3 */
        {"payments = { mu = 10.0; fallback = { cost = 0.0; }; systems = ( { name = \"S\"; cost = 0.0; }, "
         "{ name = \"T\"; cost = 0.0; } ); };\n", 5},
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
        harness h;
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
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
