/*
 * test_governments.c - governments that choose (DESIGN section 3b) and the
 * leverage metric, on small worlds with hand-derived expectations.
 *
 * 1. Take and refuse: on a symmetric two-country one-sector world (X_AA =
 *    X_BB = d, X_AB = X_BA = f) a shock phi on both cross cells leaves every
 *    price at 1, so W = (pi'_AA / pi_AA)^(1/(1-sigma)) with pi'_AA =
 *    d / (d + phi f): the gain of a cost cut (phi > 1) is positive and is
 *    taken; a cost rise (phi < 1) has a negative gain and is not.
 * 2. Consent: in a symmetric three-country world an A-C deal diverts trade
 *    from B, so B's gain is negative and B, as partner, blocks it; the same
 *    deal with C as partner is taken.
 * 3. Ties: two identical actions have equal gains; the first in the action
 *    order is taken first.
 * 4. Temperature > 0: the logit draw is reproducible for a seed and uses
 *    the run's governments stream (some other seed decides differently).
 * 5. The decided path equals the scripted one: a run whose governments
 *    decide a shock, a trade sanction (ramped), a hub and a payment join,
 *    and a run where the same items are dated at the decided periods,
 *    without governments, give bit-identical welfare and flows.
 * 6. Leverage on a two-country closed form: the embargo is autarky, so
 *    leverage(A, B) = -ln W_B(autarky) = -ln(pi_BB) / (sigma - 1).
 * 7. The configuration errors of section 3b (exit 2 naming FILE:LINE).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "run.h"
#include "scenario.h"
#include "harness.h"
#include "world.h"

#define MAXT 16
#define MAXA 8
#define MAXN3 64

/* What a run leaves behind, period by period (copied in on_period). */
typedef struct capture {
    int T, nc, n3, nact;
    double welfare[MAXT][8];
    double X[MAXT][MAXN3];
    int active[MAXT][MAXA];
    double gain[MAXT][MAXA], pgain[MAXT][MAXA];
    double lev[MAXT][16], feas[MAXT][16];
    int has_lev;
} capture;

static const schema_var *find_var(const world *w, const char *name)
{
    for (int i = 0; i < w->out.nvars; i++)
        if (strcmp(w->out.vars[i].name, name) == 0)
            return &w->out.vars[i];
    return NULL;
}

static int on_period(const world *w, void *ctx, errbuf *e)
{
    (void)e;
    capture *c = ctx;
    int t = w->t;
    assert_true(t < MAXT);
    c->T = t + 1;
    c->nc = w->nc;
    c->n3 = w->nc * w->nc * w->ns;
    assert_true(c->n3 <= MAXN3);
    memcpy(c->welfare[t], w->welfare, (size_t)w->nc * sizeof(double));
    memcpy(c->X[t], w->X, (size_t)c->n3 * sizeof(double));
    const schema_var *va = find_var(w, "action_active"), *vg = find_var(w, "action_gain"),
                     *vp = find_var(w, "action_partner_gain");
    if (va != NULL) {
        c->nact = w->out.dim_n[DIM_ACTION];
        assert_true(c->nact <= MAXA);
        memcpy(c->active[t], va->data, (size_t)c->nact * sizeof(int));
        memcpy(c->gain[t], vg->data, (size_t)c->nact * sizeof(double));
        memcpy(c->pgain[t], vp->data, (size_t)c->nact * sizeof(double));
    }
    const schema_var *vl = find_var(w, "leverage"), *vf = find_var(w, "leverage_feasible");
    if (vl != NULL) {
        c->has_lev = 1;
        memcpy(c->lev[t], vl->data, (size_t)w->nc * w->nc * sizeof(double));
        memcpy(c->feas[t], vf->data, (size_t)w->nc * w->nc * sizeof(double));
    }
    return SANC_OK;
}

static void run_capture(const char *cfg, capture *c, int64_t seed)
{
    scenario sc;
    errbuf e;
    err_init(&e);
    memset(c, 0, sizeof *c);
    if (scenario_load(&sc, cfg, NULL, 0, seed, &e) != SANC_OK)
        fail_msg("%s", e.msg);
    run_opts o;
    memset(&o, 0, sizeof o);
    o.on_period = on_period;
    o.ctx = c;
    if (run_scenario(&sc, &o, &e) != SANC_OK)
        fail_msg("%s", e.msg);
    scenario_destroy(&sc);
}

/* First period in which action a is active, or -1. */
static int first_active(const capture *c, int a)
{
    for (int t = 0; t < c->T; t++)
        if (c->active[t][a])
            return t;
    return -1;
}

/* ---- 1. take a gain, refuse a loss ------------------------------------- */

#define SYM_D 100.0
#define SYM_F 20.0
#define SIGMA 5.0

static const char SYM2[] = "exporter,importer,value\nAAA,AAA,100\nAAA,BBB,20\nBBB,AAA,20\nBBB,BBB,100\n";

/* ln W of a symmetric shock phi = exp(pe) on both cross cells */
static double sym_gain(double pe)
{
    double pi0 = SYM_D / (SYM_D + SYM_F), pi1 = SYM_D / (SYM_D + exp(pe) * SYM_F);
    return log(pi1 / pi0) / (1.0 - SIGMA);
}

static void test_take_and_refuse(void **state)
{
    fixture *f = *state;
    write_file(f, "sym.csv", SYM2);
    const char *cfg = write_file(
        f, "g.cfg",
        "scenario = { name = \"g\"; start = \"2022-01\"; step = \"month\"; periods = 6; seed = 1; };\n"
        "data = { trade = \"sym.csv\"; };\n"
        "trade = { sigma = 5.0; adjustment = 0.5; };\n"
        "governments = { review = 2; first = 1; countries = ( { country = \"AAA\"; } ); };\n"
        "events = ( { name = \"costs up\"; start = \"decided\"; owner = \"AAA\"; lag = 2;\n"
        "             exporters = [\"AAA\", \"BBB\"]; importers = [\"AAA\", \"BBB\"]; partial_effect = -0.4; },\n"
        "           { name = \"costs down\"; start = \"decided\"; owner = \"AAA\"; lag = 2;\n"
        "             exporters = [\"AAA\", \"BBB\"]; importers = [\"AAA\", \"BBB\"]; partial_effect = 0.3; } );\n");
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    run_capture(cfg, c, -1);
    assert_int_equal(c->nact, 2);
    /* review 1: the status quo is the baseline; gains by the closed form */
    assert_true(fabs(c->gain[1][0] - sym_gain(-0.4)) < 1e-10);
    assert_true(fabs(c->gain[1][1] - sym_gain(0.3)) < 1e-10);
    assert_true(sym_gain(-0.4) < -1e-3 && sym_gain(0.3) > 1e-3);
    /* the cut is taken at period 1 and starts after its lag; the rise never */
    assert_int_equal(first_active(c, 1), 3);
    assert_int_equal(first_active(c, 0), -1);
    /* and the run's own welfare reaches the look-ahead's as openness adjusts */
    assert_true(c->welfare[5][0] > 1.0);
    free(c);
}

/* ---- 2. consent -------------------------------------------------------- */

static const char SYM3[] = "exporter,importer,value\n"
                           "AAA,AAA,100\nAAA,BBB,20\nAAA,CCC,20\n"
                           "BBB,AAA,20\nBBB,BBB,100\nBBB,CCC,20\n"
                           "CCC,AAA,20\nCCC,BBB,20\nCCC,CCC,100\n";

static void test_consent(void **state)
{
    fixture *f = *state;
    write_file(f, "sym3.csv", SYM3);
    const char *cfg = write_file(
        f, "g.cfg",
        "scenario = { name = \"g\"; start = \"2022-01\"; step = \"month\"; periods = 5; seed = 1; };\n"
        "data = { trade = \"sym3.csv\"; };\n"
        "trade = { sigma = 5.0; };\n"
        "governments = { review = 1; countries = ( { country = \"AAA\"; } ); };\n"
        "events = ( { name = \"A-C deal, B consents\"; start = \"decided\"; owner = \"AAA\"; partner = \"BBB\";\n"
        "             exporters = [\"AAA\", \"CCC\"]; importers = [\"AAA\", \"CCC\"]; partial_effect = 0.3; },\n"
        "           { name = \"A-C deal, C consents\"; start = \"decided\"; owner = \"AAA\"; partner = \"CCC\";\n"
        "             exporters = [\"AAA\", \"CCC\"]; importers = [\"AAA\", \"CCC\"]; partial_effect = 0.3; } );\n");
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    run_capture(cfg, c, -1);
    assert_int_equal(c->nact, 2);
    /* same deal, same owner's gain; B loses (trade diverted), C gains */
    assert_true(c->gain[1][0] > 1e-4);
    assert_true(fabs(c->gain[1][0] - c->gain[1][1]) < 1e-15);
    assert_true(c->pgain[1][0] < -1e-4);
    assert_true(c->pgain[1][1] > 1e-4);
    /* the first is blocked although it comes first in the action order */
    assert_int_equal(first_active(c, 0), -1);
    assert_int_equal(first_active(c, 1), 2); /* decided at 1, lag 1 */
    free(c);
}

/* ---- 3. ties ----------------------------------------------------------- */

static void test_ties(void **state)
{
    fixture *f = *state;
    write_file(f, "sym.csv", SYM2);
    const char *cfg = write_file(
        f, "g.cfg",
        "scenario = { name = \"g\"; start = \"2022-01\"; step = \"month\"; periods = 5; seed = 1; };\n"
        "data = { trade = \"sym.csv\"; };\n"
        "trade = { sigma = 5.0; };\n"
        "governments = { review = 2; countries = ( { country = \"AAA\"; } ); };\n"
        "events = ( { name = \"second\"; start = \"decided\"; owner = \"AAA\"; exporters = [\"BBB\"];\n"
        "             importers = [\"AAA\"]; partial_effect = 0.2; },\n"
        "           { name = \"first\"; start = \"decided\"; owner = \"AAA\"; exporters = [\"BBB\"];\n"
        "             importers = [\"AAA\"]; partial_effect = 0.2; } );\n");
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    run_capture(cfg, c, -1);
    assert_true(c->gain[1][0] > 1e-4);
    assert_true(c->gain[1][0] == c->gain[1][1]);
    /* one move per review: the earlier action (index 0) at period 1, the other at 3 */
    assert_int_equal(first_active(c, 0), 2);
    assert_int_equal(first_active(c, 1), 4);
    free(c);
}

/* ---- 4. temperature ---------------------------------------------------- */

static void decisions_of(const char *cfg, int64_t seed, int *start)
{
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    run_capture(cfg, c, seed);
    for (int a = 0; a < c->nact; a++)
        start[a] = first_active(c, a);
    free(c);
}

static void test_temperature(void **state)
{
    fixture *f = *state;
    write_file(f, "sym3.csv", SYM3);
    const char *cfg = write_file(
        f, "g.cfg",
        "scenario = { name = \"g\"; start = \"2022-01\"; step = \"month\"; periods = 12; seed = 1; };\n"
        "data = { trade = \"sym3.csv\"; };\n"
        "trade = { sigma = 5.0; };\n"
        "governments = { review = 2; temperature = 0.01;\n"
        "  countries = ( { country = \"AAA\"; }, { country = \"CCC\"; } ); };\n"
        "events = ( { name = \"a1\"; start = \"decided\"; owner = \"AAA\"; exporters = [\"BBB\"];\n"
        "             importers = [\"AAA\"]; partial_effect = 0.2; },\n"
        "           { name = \"a2\"; start = \"decided\"; owner = \"AAA\"; exporters = [\"CCC\"];\n"
        "             importers = [\"AAA\"]; partial_effect = 0.1; },\n"
        "           { name = \"c1\"; start = \"decided\"; owner = \"CCC\"; exporters = [\"BBB\"];\n"
        "             importers = [\"CCC\"]; partial_effect = 0.2; },\n"
        "           { name = \"c2\"; start = \"decided\"; owner = \"CCC\"; exporters = [\"AAA\"];\n"
        "             importers = [\"CCC\"]; partial_effect = 0.15; } );\n");
    int s1[4], s2[4], other[4];
    decisions_of(cfg, 7, s1);
    decisions_of(cfg, 7, s2);
    assert_memory_equal(s1, s2, sizeof s1);
    int differs = 0;
    for (int seed = 1; seed <= 20 && !differs; seed++) {
        decisions_of(cfg, seed, other);
        differs = memcmp(other, s1, sizeof s1) != 0;
    }
    assert_true(differs);
}

/* ---- 5. decided path = scripted path ----------------------------------- */

/* %s: the governments block or nothing; then the windows of the shock,
 * the sanction, the hub and the join. */
static const char DECIDED_FMT[] =
    "scenario = { name = \"d\"; start = \"2022-01\"; step = \"month\"; periods = 12; seed = 3; };\n"
    "data = { trade = \"tiny.csv\"; units = \"USD million\"; };\n"
    "trade = { sigma = 5.0; adjustment = 0.5; sectors = ( { name = \"energy\"; sigma = 8.0; adjustment = 0.25; } ); };\n"
    "%s"
    "events = ( { name = \"A-B deal\"; %s exporters = [\"AAA\", \"BBB\"]; importers = [\"AAA\", \"BBB\"];\n"
    "             partial_effect = 0.3; },\n"
    "           { name = \"C joins SYS\"; type = \"join\"; %s country = \"CCC\"; system = \"SYS\"; coverage = 0.6; } );\n"
    "sanctions = ( { name = \"B bans C energy\"; type = \"trade\"; senders = [\"BBB\"]; targets = [\"CCC\"];\n"
    "                direction = \"import\"; sectors = [\"energy\"]; ban = true; enforcement = 0.8; ramp = 2; %s } );\n"
    "payments = { mu = 0.01; fallback = { cost = 0.03; }; adoption = { base = 0.05; };\n"
    "             systems = ( { name = \"SYS\"; cost = 0.005; home = \"AAA\"; members = [\"AAA\", \"BBB\"]; } ); };\n"
    "routing = { hubs = ( { name = \"via AAA\"; via = \"AAA\"; markup = 1.05; %s } ); };\n";

static const char GOV_BLOCK[] =
    "governments = { review = 2; first = 1;\n"
    "  countries = ( { country = \"AAA\"; objective = { allies = 1.0; allied = [\"CCC\"]; }; },\n"
    "                { country = \"BBB\"; objective = { pressure = 2.0; targets = [\"CCC\"]; }; },\n"
    "                { country = \"CCC\"; } ); };\n";

static void test_decided_equals_scripted(void **state)
{
    fixture *f = *state;
    char path[512], text[4096];
    snprintf(path, sizeof path, "%s/tests/data/tiny_trade.csv", SANCSIM_SRC);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = '\0';
    write_file(f, "tiny.csv", text);

    snprintf(text, sizeof text, DECIDED_FMT, GOV_BLOCK,
             "start = \"decided\"; owner = \"AAA\"; partner = \"BBB\"; lag = 2;",
             "start = \"decided\"; owner = \"CCC\"; lag = 1;", "start = \"decided\"; owner = \"BBB\"; lag = 0;",
             "start = \"decided\"; owner = \"CCC\"; lag = 1;");
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s", write_file(f, "decided.cfg", text));
    capture *d = calloc(1, sizeof *d), *s = calloc(1, sizeof *s);
    assert_non_null(d);
    assert_non_null(s);
    run_capture(cfg, d, -1);
    assert_int_equal(d->nact, 4); /* action order: events, sanctions, hubs */
    int st[4];
    for (int a = 0; a < 4; a++) {
        st[a] = first_active(d, a);
        if (st[a] < 1)
            fail_msg("action %d was not taken (the test needs all four)", a);
    }
    char w[4][64];
    for (int a = 0; a < 4; a++)
        snprintf(w[a], sizeof w[a], "start = %d;", st[a]);
    snprintf(text, sizeof text, DECIDED_FMT, "", w[0], w[1], w[2], w[3]);
    snprintf(cfg, sizeof cfg, "%s", write_file(f, "scripted.cfg", text));
    run_capture(cfg, s, -1);
    assert_int_equal(s->T, d->T);
    assert_int_equal(s->nact, 0);
    assert_memory_equal(d->welfare, s->welfare, sizeof d->welfare);
    assert_memory_equal(d->X, s->X, sizeof d->X);
    /* and the decisions moved the world */
    assert_true(fabs(d->welfare[11][2] - 1.0) > 1e-4);
    free(d);
    free(s);
}

/* ---- 6. leverage: closed form ------------------------------------------ */

static void test_leverage_closed_form(void **state)
{
    fixture *f = *state;
    write_file(f, "bal.csv", "exporter,importer,value\nAAA,AAA,500\nAAA,BBB,40\nBBB,AAA,40\nBBB,BBB,300\n");
    const char *cfg = write_file(f, "l.cfg",
                                 "scenario = { name = \"l\"; start = \"2022-01\"; step = \"year\"; periods = 3; };\n"
                                 "data = { trade = \"bal.csv\"; };\n"
                                 "trade = { sigma = 5.0; };\n"
                                 "metrics = { leverage = { every = 2; pairs = ( [\"BBB\", \"AAA\"] ); }; };\n");
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    run_capture(cfg, c, -1);
    assert_true(c->has_lev);
    /* [country * 2 + partner]: leverage(AAA, BBB) = -ln pi_BB / (sigma - 1) */
    double lab = -log(300.0 / 340.0) / (SIGMA - 1.0), lba = -log(500.0 / 540.0) / (SIGMA - 1.0);
    assert_true(fabs(c->lev[0][1] - lab) < 1e-12);
    assert_true(fabs(c->lev[0][2] - lba) < 1e-12);
    assert_true(c->lev[0][0] == 0.0 && c->lev[0][3] == 0.0);
    assert_true(c->feas[0][1] == 1.0 && c->feas[0][2] == 1.0 && c->feas[0][0] == 0.0);
    /* carried forward at period 1, recomputed at 2 (nothing changed) */
    assert_true(c->lev[1][1] == c->lev[0][1]);
    assert_true(fabs(c->lev[2][1] - lab) < 1e-12);
    free(c);
}

/* ---- 7. errors --------------------------------------------------------- */

static void expect_error(fixture *f, const char *body, const char *where, const char *what)
{
    write_file(f, "sym3.csv", SYM3);
    char text[2048];
    snprintf(text, sizeof text,
             "scenario = { name = \"e\"; start = \"2022-01\"; step = \"month\"; periods = 4; };\n"
             "data = { trade = \"sym3.csv\"; };\n"
             "trade = { sigma = 5.0; };\n"
             "%s",
             body);
    const char *cfg = write_file(f, "e.cfg", text);
    scenario sc;
    errbuf e;
    err_init(&e);
    int rc = scenario_load(&sc, cfg, NULL, 0, -1, &e);
    if (rc == SANC_OK)
        rc = run_check(&sc, &e);
    scenario_destroy(&sc); /* also after a failed load */
    assert_int_equal(rc, SANC_ECONFIG);
    assert_int_equal(err_exit_status(rc), 2);
    assert_contains(e.msg, where);
    assert_contains(e.msg, what);
}

#define GOVS "governments = { countries = ( { country = \"AAA\"; }, { country = \"BBB\"; } ); };\n"

static void test_errors(void **state)
{
    fixture *f = *state;
    expect_error(f, "events = ( { start = \"decided\"; owner = \"AAA\"; partial_effect = 0.1; } );\n", "e.cfg:4",
                 "needs a governments block");
    expect_error(f, GOVS "events = ( { start = \"decided\"; owner = \"CCC\"; partial_effect = 0.1; } );\n",
                 "e.cfg:5", "not a government");
    expect_error(f,
                 GOVS "sanctions = ( { name = \"s\"; type = \"trade\"; senders = [\"BBB\"]; targets = [\"CCC\"];\n"
                      "  ban = true; start = \"decided\"; owner = \"AAA\"; } );\n",
                 "e.cfg:6", "not among the measure's senders");
    expect_error(f,
                 GOVS "sanctions = ( { name = \"s\"; type = \"trade\"; senders = [\"AAA\"]; targets = [\"CCC\"];\n"
                      "  ban = true; start = \"decided\"; owner = \"AAA\"; partner = \"CCC\"; } );\n",
                 "e.cfg:6", "partner 'CCC' is a target");
    expect_error(f,
                 GOVS "sanctions = ( { name = \"s\"; type = \"trade\"; senders = [\"ALL\"]; targets = [\"AAA\"];\n"
                      "  ban = true; start = \"decided\"; owner = \"AAA\"; } );\n",
                 "e.cfg:6", "not among the measure's senders"); /* targets leave the senders */
    expect_error(f, GOVS "events = ( { start = \"decided\"; owner = \"AAA\"; partner = \"AAA\"; partial_effect = 0.1; } );\n",
                 "e.cfg:5", "must differ from the owner");
    expect_error(f, GOVS "events = ( { start = 2; owner = \"AAA\"; partial_effect = 0.1; } );\n", "e.cfg:5",
                 "only for an action a government decides");
    expect_error(f, GOVS "events = ( { name = \"x\"; type = \"stop\"; stops = \"nothing\"; start = 2; } );\n",
                 "e.cfg:5", "no event, measure or hub named 'nothing'");
    expect_error(f, "governments = { countries = ( { country = \"AAA\"; }, { country = \"AAA\"; } ); };\n",
                 "e.cfg:4", "listed twice");
    expect_error(f, "governments = { countries = ( { country = \"AAA\"; objective = { pressure = 1.0; }; } ); };\n",
                 "e.cfg:4", "needs a non-empty `targets` list");
}

/* A dated stop works without a governments block: it ends a hub. */
static void test_dated_stop(void **state)
{
    fixture *f = *state;
    write_file(f, "sym3.csv", SYM3);
    const char *cfg = write_file(
        f, "s.cfg",
        "scenario = { name = \"s\"; start = \"2022-01\"; step = \"month\"; periods = 6; };\n"
        "data = { trade = \"sym3.csv\"; };\n"
        "trade = { sigma = 5.0; };\n"
        "events = ( { name = \"close\"; type = \"stop\"; stops = \"cut\"; start = 3; } );\n"
        "sanctions = ( { name = \"cut\"; type = \"trade\"; senders = [\"AAA\"]; targets = [\"BBB\"]; ban = true;\n"
        "                start = 1; } );\n");
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    run_capture(cfg, c, -1);
    /* AAA -> BBB closed in periods 1 and 2, open again from 3 */
    const int ab = 1; /* cell AAA -> BBB of a 3-country, 1-sector world: (0*3 + 1)*1 + 0 */
    assert_true(c->X[1][ab] == 0.0);
    assert_true(c->X[2][ab] == 0.0);
    assert_true(c->X[3][ab] > 1.0);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_take_and_refuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temperature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decided_equals_scripted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leverage_closed_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dated_stop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
