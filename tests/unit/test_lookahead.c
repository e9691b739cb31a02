/*
 * test_lookahead.c - the run's pure look-ahead (engine/run/lookahead.h).
 *
 * 1. Closed form: on a balanced one-sector world, the look-ahead of a cost
 *    shock gives welfare equal to ACR's (pi'_jj / pi_jj)^(1/(1-sigma)),
 *    computed here from the flows it returns.
 * 2. Purity: a run that calls the look-ahead at every period (status quo
 *    and a closed-cell policy) writes the same bits as one that does not.
 * 3. With full adjustment, the status-quo look-ahead reproduces the period's
 *    own equilibrium (to solver tolerance: it starts cold).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "lookahead.h"
#include "run.h"
#include "scenario.h"
#include "harness.h"
#include "world.h"

/* symmetric flows: every country's output equals its expenditure (D = 0) */
static const char *const BAL_TRADE = "exporter,importer,value\n"
                                     "AAA,AAA,500\nAAA,BBB,40\nAAA,CCC,25\n"
                                     "BBB,AAA,40\nBBB,BBB,300\nBBB,CCC,30\n"
                                     "CCC,AAA,25\nCCC,BBB,30\nCCC,CCC,200\n";

typedef struct capture {
    int T, n3, nc, looks;        /* looks: also call the look-ahead */
    double welfare[16][8];
    double X[16][64];
    double la_gap;               /* largest |status-quo look-ahead - period| welfare */
    lookahead *la;
} capture;

static int on_period(const world *w, void *ctx, errbuf *e)
{
    capture *c = ctx;
    c->T = w->t + 1;
    c->nc = w->nc;
    c->n3 = w->nc * w->nc * w->ns;
    memcpy(c->welfare[w->t], w->welfare, (size_t)w->nc * sizeof(double));
    memcpy(c->X[w->t], w->X, (size_t)c->n3 * sizeof(double));
    if (!c->looks)
        return SANC_OK;
    if (c->la == NULL) {
        int rc = lookahead_create(&c->la, w, e);
        if (rc != SANC_OK)
            return rc;
    }
    double wel[8], X[64], extra[64];
    for (int i = 0; i < c->n3; i++)
        extra[i] = 0.0;
    extra[W3(w, 0, 1, 0)] = -INFINITY; /* close one cell */
    lookahead_policy closed = {.extra_logphi = extra};
    lookahead_result r = {.welfare = wel, .X = X};
    int rc = lookahead_eval(c->la, w, &closed, &r, e);
    if (rc == SANC_OK)
        rc = lookahead_eval(c->la, w, NULL, &r, e);
    if (rc == SANC_OK && w->t > 0)
        for (int i = 0; i < w->nc; i++)
            c->la_gap = fmax(c->la_gap, fabs(wel[i] - w->welfare[i]));
    return rc;
}

static void run_capture(fixture *f, const char *cfg, capture *c, char **ovr, int novr)
{
    scenario sc;
    errbuf e;
    err_init(&e);
    int rc = scenario_load(&sc, cfg, ovr, novr, -1, &e);
    if (rc != SANC_OK)
        fail_msg("%s", e.msg);
    run_opts o;
    memset(&o, 0, sizeof o);
    o.on_period = on_period;
    o.ctx = c;
    rc = run_scenario(&sc, &o, &e);
    if (rc != SANC_OK)
        fail_msg("%s", e.msg);
    scenario_destroy(&sc);
    lookahead_free(c->la);
    c->la = NULL;
    (void)f;
}

static void test_acr(void **state)
{
    fixture *f = *state;
    write_file(f, "bal.csv", BAL_TRADE);
    const char *cfg = write_file(f, "bal.cfg",
                                 "scenario = { name = \"bal\"; start = \"2022-01\"; step = \"year\"; periods = 1; };\n"
                                 "data = { trade = \"bal.csv\"; };\n"
                                 "trade = { sigma = 5.0; };\n");
    scenario sc;
    errbuf e;
    err_init(&e);
    assert_int_equal(scenario_load(&sc, cfg, NULL, 0, -1, &e), SANC_OK);
    world w;
    assert_int_equal(world_init(&w, &sc, &e), SANC_OK);
    lookahead *la = NULL;
    assert_int_equal(lookahead_create(&la, &w, &e), SANC_OK);
    double extra[9] = {0}, wel[3], X[9];
    extra[W3(&w, 0, 1, 0)] = extra[W3(&w, 1, 0, 0)] = -0.8; /* AAA <-> BBB dearer */
    extra[W3(&w, 2, 0, 0)] = 0.3;                            /* CCC -> AAA cheaper */
    lookahead_policy p = {.extra_logphi = extra};
    lookahead_result r = {.welfare = wel, .X = X};
    assert_int_equal(lookahead_eval(la, &w, &p, &r, &e), SANC_OK);
    for (int j = 0; j < 3; j++) {
        double E0 = 0, E1 = 0;
        for (int i = 0; i < 3; i++) {
            E0 += w.X0[W3(&w, i, j, 0)];
            E1 += X[W3(&w, i, j, 0)];
        }
        double pi0 = w.X0[W3(&w, j, j, 0)] / E0, pi1 = X[W3(&w, j, j, 0)] / E1;
        double acr = pow(pi1 / pi0, 1.0 / (1.0 - 5.0));
        assert_true(fabs(wel[j] - acr) < 1e-10);
        assert_true(fabs(wel[j] - 1.0) > 1e-4); /* the shock does something */
    }
    /* the world is untouched: still the baseline */
    for (int i = 0; i < 9; i++)
        assert_true(w.X[i] == w.X0[i]);
    lookahead_free(la);
    world_destroy(&w);
    scenario_destroy(&sc);
}

static void test_pure(void **state)
{
    fixture *f = *state;
    char cfg[4200];
    snprintf(cfg, sizeof cfg, "%s/tests/data/tiny.cfg", SANCSIM_SRC);
    capture *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    run_capture(f, cfg, a, NULL, 0);
    b->looks = 1;
    run_capture(f, cfg, b, NULL, 0);
    assert_int_equal(a->T, 6);
    assert_int_equal(b->T, 6);
    assert_memory_equal(a->welfare, b->welfare, sizeof a->welfare);
    assert_memory_equal(a->X, b->X, sizeof a->X);
    free(a);
    free(b);
}

static void test_full_adjustment(void **state)
{
    fixture *f = *state;
    char cfg[4200];
    snprintf(cfg, sizeof cfg, "%s/tests/data/tiny.cfg", SANCSIM_SRC);
    char *ovr[] = {"trade.adjustment=1.0", "trade.sectors.[0].adjustment=1.0"};
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->looks = 1;
    run_capture(f, cfg, c, ovr, 2);
    assert_true(c->la_gap < 1e-9);
    /* and the embargo moved welfare, so the comparison was not trivial */
    assert_true(fabs(c->welfare[5][2] - 1.0) > 1e-4);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_acr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_adjustment, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
