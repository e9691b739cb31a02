/*
 * test_sanctions.c - unit tests of models/sanctions.c: ramped enforcement,
 * trade factors (intensity 1 + x e, ban (1-e)^(1/(1-sigma)), +inf at e = 1)
 * by direction and sector, secondary factors 1 + penalty e w_hS with the
 * exposure w_hS computed by hand from the test's own trade table, the
 * pressure handed to payments, covered cells, and every class of config
 * error (SANC_ECONFIG with "FILE:LINE").
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
#include "scenario.h"
#include "world.h"
#include "harness.h"

/* Four countries: AAA sender, BBB target, CCC and DDD third countries.
 * Cross-border two-way trade (all sectors):
 *   CCC: with AAA 20+20 = 40, with BBB 10+10+5 = 25, with DDD 20+20 = 40 -> 105
 *   DDD: with AAA 5+5 = 10,   with BBB 10+10 = 20,   with CCC 40         -> 70 */
static const char trade_csv[] =
    "exporter,importer,sector,value\n"
    "AAA,AAA,goods,100\nAAA,BBB,goods,10\nAAA,CCC,goods,20\nAAA,DDD,goods,5\n"
    "BBB,AAA,goods,10\nBBB,BBB,goods,100\nBBB,CCC,goods,10\nBBB,DDD,goods,10\n"
    "CCC,AAA,goods,20\nCCC,BBB,goods,10\nCCC,CCC,goods,100\nCCC,DDD,goods,20\n"
    "DDD,AAA,goods,5\nDDD,BBB,goods,10\nDDD,CCC,goods,20\nDDD,DDD,goods,100\n"
    "AAA,AAA,energy,50\nBBB,BBB,energy,50\nCCC,CCC,energy,50\nDDD,DDD,energy,50\n"
    "BBB,CCC,energy,5\nBBB,AAA,energy,5\n";
#define W_CCC (40.0 / 105.0)
#define W_DDD (10.0 / 70.0)

/* Five header lines: a sanctions list starting on line 6 puts its first
 * measure on line 6 when written on one line. */
static const char cfg_head[] =
    "scenario = { name = \"t\"; start = \"2022-01\"; step = \"month\"; periods = 8; seed = 1; };\n"
    "data = { trade = \"trade.csv\"; units = \"USD million\"; };\n"
    "groups = { PAIR = [\"AAA\", \"BBB\"]; };\n"
    "trade = { sigma = 5.0; sectors = ( { name = \"energy\"; sigma = 8.0; } ); };\n"
    "payments = { mu = 0.1; fallback = { cost = 0.05; }; systems = ( { name = \"SWIFT\"; cost = 0.01; members = [\"ALL\"]; } ); };\n";

/* The test's country and sector indices, on top of the common harness. */
typedef struct sh {
    harness H;
    int A, B, C, D, goods, energy;
} sh;

/* Load cfg_head + body and initialise the sanctions module; returns its rc. */
static int h_open(sh *h, const char *body, errbuf *e)
{
    static const char *const names[] = {"sanctions"};
    harness_init(&h->H, "sanctions");
    harness_write(&h->H, "trade.csv", trade_csv);
    size_t n = strlen(cfg_head) + strlen(body) + 1;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%s%s", cfg_head, body);
    int rc = harness_load(&h->H, text, NULL, 0, -1);
    free(text);
    if (rc == SANC_OK) {
        h->A = scenario_country_index(&h->H.sc, "AAA");
        h->B = scenario_country_index(&h->H.sc, "BBB");
        h->C = scenario_country_index(&h->H.sc, "CCC");
        h->D = scenario_country_index(&h->H.sc, "DDD");
        h->goods = scenario_sector_index(&h->H.sc, "goods");
        h->energy = scenario_sector_index(&h->H.sc, "energy");
        rc = harness_pipeline(&h->H, names, 1);
    }
    *e = h->H.e;
    return rc;
}

static void h_ok(sh *h, const char *body)
{
    errbuf e;
    int rc = h_open(h, body, &e);
    if (rc != SANC_OK)
        fail_msg("init failed: %s", e.msg);
}

#define h_step(h, t) harness_step(&(h)->H, (t))
#define h_close(h) harness_close(&(h)->H)
#define assert_double_equal assert_close

#define LOGF(h, i, j, k) ((h)->H.views.sanctions->logF[W3(&(h)->H.w, i, j, k)])
#define ENF(h, i, j, k) ((h)->H.views.sanctions->enf[W3(&(h)->H.w, i, j, k)])
#define LOGG(h, i, j, k) ((h)->H.views.sanctions->logG[W3(&(h)->H.w, i, j, k)])

static void test_ramp_and_intensity(void **state)
{
    (void)state;
    sh h;
    h_ok(&h, "sanctions = ( { name = \"ctrl\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"trade\"; "
             "direction = \"export\"; sectors = [\"goods\"]; intensity = 0.6; enforcement = 0.8; ramp = 4; "
             "start = 2; end = 5; } );\n");
    assert_int_equal(h.H.views.sanctions->n, 1);
    assert_string_equal(h.H.views.sanctions->name[0], "ctrl");
    assert_int_equal(h.H.w.out.dim_n[DIM_SANCTION], 1);
    assert_true(h.H.w.out.dim_labels[DIM_SANCTION] == h.H.views.sanctions->name);
    /* active in periods 2, 3, 4 (end exclusive): m-th active period e m/n */
    const double expect[] = {0.0, 0.0, 0.8 * 1 / 4, 0.8 * 2 / 4, 0.8 * 3 / 4, 0.0, 0.0, 0.0};
    assert_true(h.H.views.sanctions->level[0] == 0.0);
    for (int t = 1; t < 8; t++) {
        h_step(&h, t);
        assert_double_equal(h.H.views.sanctions->level[0], expect[t], 1e-15);
        assert_double_equal(LOGF(&h, h.A, h.B, h.goods), log(1.0 + 0.6 * expect[t]), 1e-15);
        assert_double_equal(ENF(&h, h.A, h.B, h.goods), expect[t], 1e-15);
        /* export only, goods only */
        assert_true(LOGF(&h, h.B, h.A, h.goods) == 0.0);
        assert_true(LOGF(&h, h.A, h.B, h.energy) == 0.0);
        assert_true(LOGF(&h, h.A, h.C, h.goods) == 0.0);
        assert_true(LOGF(&h, h.A, h.A, h.goods) == 0.0);
    }
    /* ramp longer than the window never reaches e */
    h_close(&h);
}

static void test_ramp_reaches_full(void **state)
{
    (void)state;
    sh h;
    h_ok(&h, "sanctions = ( { name = \"r\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; "
             "intensity = 1.5; ramp = 2; start = 1; } );\n");
    h_step(&h, 1);
    assert_double_equal(h.H.views.sanctions->level[0], 0.5, 1e-15);
    for (int t = 2; t < 8; t++) {
        h_step(&h, t);
        assert_double_equal(h.H.views.sanctions->level[0], 1.0, 1e-15);
        /* default direction both: both directions, every sector */
        assert_double_equal(LOGF(&h, h.A, h.B, h.energy), log(2.5), 1e-15);
        assert_double_equal(LOGF(&h, h.B, h.A, h.goods), log(2.5), 1e-15);
    }
    h_close(&h);
}

static void test_ban(void **state)
{
    (void)state;
    sh h;
    h_ok(&h, "sanctions = ( { name = \"full\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"trade\"; "
             "direction = \"import\"; sectors = [\"energy\"]; ban = true; start = 1; },\n"
             "  { name = \"half\"; senders = [\"CCC\"]; targets = [\"BBB\"]; type = \"trade\"; "
             "direction = \"import\"; ban = true; enforcement = 0.5; start = 1; } );\n");
    h_step(&h, 1);
    /* import: targets -> senders */
    assert_true(LOGF(&h, h.B, h.A, h.energy) == INFINITY);
    assert_true(ENF(&h, h.B, h.A, h.energy) == 1.0);
    assert_true(LOGF(&h, h.A, h.B, h.energy) == 0.0);
    assert_true(LOGF(&h, h.B, h.A, h.goods) == 0.0);
    /* (1-e)^(1/(1-sigma)) with sigma 8 (energy) and 5 (goods) */
    assert_double_equal(LOGF(&h, h.B, h.C, h.energy), log(0.5) / (1.0 - 8.0), 1e-15);
    assert_double_equal(LOGF(&h, h.B, h.C, h.goods), log(0.5) / (1.0 - 5.0), 1e-15);
    assert_double_equal(exp((1.0 - 5.0) * LOGF(&h, h.B, h.C, h.goods)), 0.5, 1e-14);
    assert_true(ENF(&h, h.B, h.C, h.goods) == 0.5);
    assert_true(LOGF(&h, h.C, h.B, h.goods) == 0.0);
    h_close(&h);
}

static void test_products_and_groups(void **state)
{
    (void)state;
    sh h;
    /* PAIR = AAA, BBB; BBB is removed from the senders */
    h_ok(&h, "sanctions = ( { name = \"a\"; senders = [\"PAIR\"]; targets = [\"BBB\"]; type = \"trade\"; "
             "intensity = 0.2; enforcement = 0.5; start = 1; },\n"
             "  { name = \"b\"; senders = [\"ALL\", \"!CCC\"]; targets = [\"BBB\"]; type = \"trade\"; "
             "direction = \"export\"; intensity = 0.4; start = 1; } );\n");
    h_step(&h, 1);
    /* A -> B hit by both: product of factors, largest e */
    assert_double_equal(LOGF(&h, h.A, h.B, h.goods), log(1.1) + log(1.4), 1e-15);
    assert_true(ENF(&h, h.A, h.B, h.goods) == 1.0);
    assert_double_equal(LOGF(&h, h.B, h.A, h.goods), log(1.1), 1e-15);
    assert_true(ENF(&h, h.B, h.A, h.goods) == 0.5);
    assert_double_equal(LOGF(&h, h.D, h.B, h.goods), log(1.4), 1e-15);
    assert_true(LOGF(&h, h.C, h.B, h.goods) == 0.0);
    assert_true(LOGF(&h, h.B, h.B, h.goods) == 0.0);
    h_close(&h);
}

static void test_secondary(void **state)
{
    (void)state;
    sh h;
    h_ok(&h, "sanctions = ( { name = \"sec\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"secondary\"; "
             "sectors = [\"goods\"]; penalty = 0.3; enforcement = 0.5; start = 2; end = 4; } );\n");
    int nc = h.H.w.nc;
    h_step(&h, 1);
    assert_true(h.H.views.sanctions->pressure[h.C * nc + h.B] == 0.0);
    /* w->X still holds the baseline (no gravity step here): exposures from the table */
    h_step(&h, 2);
    double fc = 1.0 + 0.3 * 0.5 * W_CCC, fd = 1.0 + 0.3 * 0.5 * W_DDD;
    /* DESIGN 3a: a secondary factor G, on the parties (not the trade-measure
     * factor F of the direct route), and no enforcement for detection */
    assert_double_equal(LOGG(&h, h.C, h.B, h.goods), log(fc), 1e-14);
    assert_double_equal(LOGG(&h, h.B, h.C, h.goods), log(fc), 1e-14);
    assert_double_equal(LOGG(&h, h.D, h.B, h.goods), log(fd), 1e-14);
    assert_double_equal(LOGG(&h, h.B, h.D, h.goods), log(fd), 1e-14);
    assert_true(LOGF(&h, h.C, h.B, h.goods) == 0.0 && LOGF(&h, h.D, h.B, h.goods) == 0.0);
    assert_true(ENF(&h, h.C, h.B, h.goods) == 0.0);
    /* not in the covered sectors, not with the senders, not between third countries */
    assert_true(LOGG(&h, h.B, h.C, h.energy) == 0.0);
    assert_true(LOGG(&h, h.C, h.A, h.goods) == 0.0);
    assert_true(LOGG(&h, h.C, h.D, h.goods) == 0.0);
    assert_true(LOGG(&h, h.A, h.B, h.goods) == 0.0);
    /* pressure [i*nc + h]: third country i, target h */
    assert_double_equal(h.H.views.sanctions->pressure[h.C * nc + h.B], 0.3 * 0.5 * W_CCC, 1e-15);
    assert_double_equal(h.H.views.sanctions->pressure[h.D * nc + h.B], 0.3 * 0.5 * W_DDD, 1e-15);
    assert_true(h.H.views.sanctions->pressure[h.B * nc + h.C] == 0.0);
    assert_true(h.H.views.sanctions->pressure[h.A * nc + h.B] == 0.0);
    /* exposure follows last period's flows (X before the step): double CCC's trade with AAA */
    for (int k = 0; k < h.H.w.ns; k++) {
        h.H.w.X[W3(&h.H.w, h.C, h.A, k)] *= 2.0;
        h.H.w.X[W3(&h.H.w, h.A, h.C, k)] *= 2.0;
    }
    h_step(&h, 3);
    assert_double_equal(h.H.views.sanctions->pressure[h.C * nc + h.B], 0.3 * 0.5 * 80.0 / 145.0, 1e-15);
    h_step(&h, 4);
    assert_true(h.H.views.sanctions->pressure[h.C * nc + h.B] == 0.0);
    assert_true(LOGG(&h, h.C, h.B, h.goods) == 0.0);
    h_close(&h);
}

static void test_cover(void **state)
{
    (void)state;
    sh h;
    h_ok(&h, "sanctions = ( { name = \"t\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"trade\"; "
             "direction = \"export\"; sectors = [\"energy\"]; intensity = 1.0; start = 1; },\n"
             "  { name = \"f\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"financial\"; system = \"SWIFT\"; "
             "coverage = 0.5; start = 1; },\n"
             "  { name = \"s\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"secondary\"; sectors = \"goods\"; "
             "penalty = 1.0; start = 3; } );\n");
    world *w = &h.H.w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    int count[3] = {0, 0, 0};
    for (int q = 0; q < 3; q++)
        for (size_t c = 0; c < n3; c++)
            count[q] += h.H.views.sanctions->cover[q * n3 + c];
    assert_int_equal(count[0], 1);
    assert_true(h.H.views.sanctions->cover[0 * n3 + W3(w, h.A, h.B, h.energy)]);
    assert_int_equal(count[1], 4); /* A<->B, both sectors */
    assert_true(h.H.views.sanctions->cover[1 * n3 + W3(w, h.B, h.A, h.goods)]);
    assert_int_equal(count[2], 4); /* C<->B, D<->B in goods */
    assert_true(h.H.views.sanctions->cover[2 * n3 + W3(w, h.B, h.D, h.goods)]);
    assert_false(h.H.views.sanctions->cover[2 * n3 + W3(w, h.B, h.D, h.energy)]);
    /* financial measures put no factor on cost */
    h_step(&h, 1);
    assert_true(h.H.views.sanctions->level[1] == 1.0);
    assert_true(LOGF(&h, h.B, h.A, h.goods) == 0.0);
    assert_true(ENF(&h, h.B, h.A, h.goods) == 0.0);
    h_close(&h);
}

static void test_no_sanctions(void **state)
{
    (void)state;
    sh h;
    h_ok(&h, "");
    assert_int_equal(h.H.views.sanctions->n, 0);
    assert_int_equal(h.H.w.out.dim_n[DIM_SANCTION], 0);
    h_step(&h, 1);
    size_t n3 = (size_t)h.H.w.nc * h.H.w.nc * h.H.w.ns;
    for (size_t c = 0; c < n3; c++)
        assert_true(h.H.views.sanctions->logF[c] == 0.0 && h.H.views.sanctions->enf[c] == 0.0);
    int found = 0;
    for (int v = 0; v < h.H.w.out.nvars; v++)
        found |= strcmp(h.H.w.out.vars[v].name, "sanction_intensity") == 0;
    assert_true(found);
    h_close(&h);
}

static void test_config_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* unknown key */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; "
        "colour = 1; }",
        /* key of another type */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; "
        "penalty = 1.0; }",
        /* wrong value type */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = \"big\"; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; ban = 1; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; ramp = 1.5; }",
        /* out of range */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = -0.1; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; "
        "enforcement = 1.5; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; ramp = 0; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 0; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 8; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 3; end = 3; }",
        /* intensity XOR ban */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; ban = true; "
        "start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; ban = false; start = 1; }",
        /* enumerations */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"embargo\"; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; "
        "direction = \"sideways\"; }",
        /* sets */
        "{ name = \"x\"; senders = \"BBB\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = [\"ALL\", \"!ALL\"]; type = \"trade\"; intensity = 1.0; "
        "start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"ZZZ\"; type = \"trade\"; intensity = 1.0; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; "
        "sectors = [\"steel\"]; }",
        /* missing required */
        "{ senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; }",
        "{ name = \"x\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; }",
        /* financial (an unknown system is the payments module's error: test_payments) */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; system = \"SWIFT\"; "
        "coverage = 0.0; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; system = \"SWIFT\"; "
        "sectors = \"goods\"; start = 1; }",
        /* secondary */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"secondary\"; penalty = -1.0; start = 1; }",
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"secondary\"; start = 1; }",
        /* duplicate names */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; }, "
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; intensity = 1.0; start = 1; }",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body, "sanctions = ( %s );\n", bad[i]);
        sh h;
        errbuf e;
        int rc = h_open(&h, body, &e);
        if (rc != SANC_ECONFIG)
            fail_msg("case %zu: expected SANC_ECONFIG, got %d (%s)", i, rc, e.msg);
        if (strstr(e.msg, "x.cfg:6: ") == NULL)
            fail_msg("case %zu: message lacks x.cfg:6: '%s'", i, e.msg);
        if (getenv("TEST_VERBOSE"))
            fprintf(stderr, "case %zu: %s\n", i, e.msg);
        if (strchr(e.msg, '\n') != NULL)
            fail_msg("case %zu: message is not one line", i);
        h_close(&h);
    }
    /* a list of the wrong shape */
    sh h;
    errbuf e;
    assert_int_equal(h_open(&h, "sanctions = 3;\n", &e), SANC_ECONFIG);
    assert_non_null(strstr(e.msg, "x.cfg:6: "));
    h_close(&h);
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ramp_and_intensity), cmocka_unit_test(test_ramp_reaches_full),
        cmocka_unit_test(test_ban),               cmocka_unit_test(test_products_and_groups),
        cmocka_unit_test(test_secondary),         cmocka_unit_test(test_cover),
        cmocka_unit_test(test_no_sanctions),      cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
