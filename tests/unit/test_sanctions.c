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

typedef struct harness {
    char dir[256];
    scenario sc;
    world w;
    model m;
    int loaded, world_ok;
    int A, B, C, D, goods, energy;
} harness;

static void h_write(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Load cfg_head + body and initialise the sanctions module; returns its rc. */
static int h_open(harness *h, const char *body, errbuf *e)
{
    memset(h, 0, sizeof *h);
    snprintf(h->dir, sizeof h->dir, "/tmp/test_sanctions.XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    h_write(h->dir, "trade.csv", trade_csv);
    size_t n = strlen(cfg_head) + strlen(body) + 1;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%s%s", cfg_head, body);
    h_write(h->dir, "x.cfg", text);
    free(text);
    char path[512];
    snprintf(path, sizeof path, "%s/x.cfg", h->dir);
    err_init(e);
    int rc = scenario_load(&h->sc, path, NULL, 0, -1, e);
    h->loaded = 1;
    if (rc != SANC_OK)
        return rc;
    rc = world_init(&h->w, &h->sc, e);
    if (rc != SANC_OK)
        return rc;
    h->world_ok = 1;
    h->m.name = "sanctions";
    h->m.ops = model_lookup("sanctions");
    assert_non_null(h->m.ops);
    h->A = scenario_country_index(&h->sc, "AAA");
    h->B = scenario_country_index(&h->sc, "BBB");
    h->C = scenario_country_index(&h->sc, "CCC");
    h->D = scenario_country_index(&h->sc, "DDD");
    h->goods = scenario_sector_index(&h->sc, "goods");
    h->energy = scenario_sector_index(&h->sc, "energy");
    return h->m.ops->init(&h->m, &h->sc, &h->w, e);
}

static void h_step(harness *h, int t)
{
    errbuf e;
    err_init(&e);
    h->w.t = t;
    assert_int_equal(h->m.ops->step(&h->m, &h->w, t, &e), SANC_OK);
}

static void h_close(harness *h)
{
    if (h->m.ops && h->m.ops->finish)
        h->m.ops->finish(&h->m);
    if (h->world_ok)
        world_destroy(&h->w);
    if (h->loaded)
        scenario_destroy(&h->sc);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", h->dir);
}

static void h_ok(harness *h, const char *body)
{
    errbuf e;
    int rc = h_open(h, body, &e);
    if (rc != SANC_OK)
        fail_msg("init failed: %s", e.msg);
}

/* cmocka 1.1 has no assert_double_equal; this one also accepts equal infinities */
#define assert_double_equal(a, b, tol)                                                              \
    do {                                                                                            \
        double a_ = (a), b_ = (b);                                                                  \
        if (!(a_ == b_ || fabs(a_ - b_) <= (tol)))                                                  \
            fail_msg("%s = %.17g, expected %.17g (tol %g)", #a, a_, b_, (double)(tol));             \
    } while (0)

#define LOGF(h, i, j, k) ((h)->w.sanction_logF[W3(&(h)->w, i, j, k)])
#define ENF(h, i, j, k) ((h)->w.sanction_e[W3(&(h)->w, i, j, k)])

static void test_ramp_and_intensity(void **state)
{
    (void)state;
    harness h;
    h_ok(&h, "sanctions = ( { name = \"ctrl\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"trade\"; "
             "direction = \"export\"; sectors = [\"goods\"]; intensity = 0.6; enforcement = 0.8; ramp = 4; "
             "start = 2; end = 5; } );\n");
    assert_int_equal(h.w.nsanc, 1);
    assert_string_equal(h.w.sanc_name[0], "ctrl");
    assert_int_equal(h.w.out.dim_n[DIM_SANCTION], 1);
    assert_true(h.w.out.dim_labels[DIM_SANCTION] == h.w.sanc_name);
    /* active in periods 2, 3, 4 (end exclusive): m-th active period e m/n */
    const double expect[] = {0.0, 0.0, 0.8 * 1 / 4, 0.8 * 2 / 4, 0.8 * 3 / 4, 0.0, 0.0, 0.0};
    assert_true(h.w.sanc_intensity[0] == 0.0);
    for (int t = 1; t < 8; t++) {
        h_step(&h, t);
        assert_double_equal(h.w.sanc_intensity[0], expect[t], 1e-15);
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
    harness h;
    h_ok(&h, "sanctions = ( { name = \"r\"; senders = \"AAA\"; targets = \"BBB\"; type = \"trade\"; "
             "intensity = 1.5; ramp = 2; start = 1; } );\n");
    h_step(&h, 1);
    assert_double_equal(h.w.sanc_intensity[0], 0.5, 1e-15);
    for (int t = 2; t < 8; t++) {
        h_step(&h, t);
        assert_double_equal(h.w.sanc_intensity[0], 1.0, 1e-15);
        /* default direction both: both directions, every sector */
        assert_double_equal(LOGF(&h, h.A, h.B, h.energy), log(2.5), 1e-15);
        assert_double_equal(LOGF(&h, h.B, h.A, h.goods), log(2.5), 1e-15);
    }
    h_close(&h);
}

static void test_ban(void **state)
{
    (void)state;
    harness h;
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
    harness h;
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
    harness h;
    h_ok(&h, "sanctions = ( { name = \"sec\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"secondary\"; "
             "sectors = [\"goods\"]; penalty = 0.3; enforcement = 0.5; start = 2; end = 4; } );\n");
    int nc = h.w.nc;
    h_step(&h, 1);
    assert_true(h.w.sec_pressure[h.C * nc + h.B] == 0.0);
    /* w->X still holds the baseline (no gravity step here): exposures from the table */
    h_step(&h, 2);
    double fc = 1.0 + 0.3 * 0.5 * W_CCC, fd = 1.0 + 0.3 * 0.5 * W_DDD;
    assert_double_equal(LOGF(&h, h.C, h.B, h.goods), log(fc), 1e-14);
    assert_double_equal(LOGF(&h, h.B, h.C, h.goods), log(fc), 1e-14);
    assert_double_equal(LOGF(&h, h.D, h.B, h.goods), log(fd), 1e-14);
    assert_double_equal(LOGF(&h, h.B, h.D, h.goods), log(fd), 1e-14);
    assert_true(ENF(&h, h.C, h.B, h.goods) == 0.5);
    /* not in the covered sectors, not with the senders, not between third countries */
    assert_true(LOGF(&h, h.B, h.C, h.energy) == 0.0);
    assert_true(LOGF(&h, h.C, h.A, h.goods) == 0.0);
    assert_true(LOGF(&h, h.C, h.D, h.goods) == 0.0);
    assert_true(LOGF(&h, h.A, h.B, h.goods) == 0.0);
    /* pressure [i*nc + h]: third country i, target h */
    assert_double_equal(h.w.sec_pressure[h.C * nc + h.B], 0.3 * 0.5 * W_CCC, 1e-15);
    assert_double_equal(h.w.sec_pressure[h.D * nc + h.B], 0.3 * 0.5 * W_DDD, 1e-15);
    assert_true(h.w.sec_pressure[h.B * nc + h.C] == 0.0);
    assert_true(h.w.sec_pressure[h.A * nc + h.B] == 0.0);
    /* exposure follows the flows in w->X: double CCC's trade with AAA */
    for (int k = 0; k < h.w.ns; k++) {
        h.w.X[W3(&h.w, h.C, h.A, k)] *= 2.0;
        h.w.X[W3(&h.w, h.A, h.C, k)] *= 2.0;
    }
    h_step(&h, 3);
    assert_double_equal(h.w.sec_pressure[h.C * nc + h.B], 0.3 * 0.5 * 80.0 / 145.0, 1e-15);
    h_step(&h, 4);
    assert_true(h.w.sec_pressure[h.C * nc + h.B] == 0.0);
    assert_true(LOGF(&h, h.C, h.B, h.goods) == 0.0);
    h_close(&h);
}

static void test_cover(void **state)
{
    (void)state;
    harness h;
    h_ok(&h, "sanctions = ( { name = \"t\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"trade\"; "
             "direction = \"export\"; sectors = [\"energy\"]; intensity = 1.0; start = 1; },\n"
             "  { name = \"f\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"financial\"; system = \"SWIFT\"; "
             "coverage = 0.5; start = 1; },\n"
             "  { name = \"s\"; senders = [\"AAA\"]; targets = [\"BBB\"]; type = \"secondary\"; sectors = \"goods\"; "
             "penalty = 1.0; start = 3; } );\n");
    world *w = &h.w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    int count[3] = {0, 0, 0};
    for (int q = 0; q < 3; q++)
        for (size_t c = 0; c < n3; c++)
            count[q] += w->sanc_cover[q * n3 + c];
    assert_int_equal(count[0], 1);
    assert_true(w->sanc_cover[0 * n3 + W3(w, h.A, h.B, h.energy)]);
    assert_int_equal(count[1], 4); /* A<->B, both sectors */
    assert_true(w->sanc_cover[1 * n3 + W3(w, h.B, h.A, h.goods)]);
    assert_int_equal(count[2], 4); /* C<->B, D<->B in goods */
    assert_true(w->sanc_cover[2 * n3 + W3(w, h.B, h.D, h.goods)]);
    assert_false(w->sanc_cover[2 * n3 + W3(w, h.B, h.D, h.energy)]);
    /* financial measures put no factor on cost */
    h_step(&h, 1);
    assert_true(w->sanc_intensity[1] == 1.0);
    assert_true(LOGF(&h, h.B, h.A, h.goods) == 0.0);
    assert_true(ENF(&h, h.B, h.A, h.goods) == 0.0);
    h_close(&h);
}

static void test_no_sanctions(void **state)
{
    (void)state;
    harness h;
    h_ok(&h, "");
    assert_int_equal(h.w.nsanc, 0);
    assert_int_equal(h.w.out.dim_n[DIM_SANCTION], 0);
    h_step(&h, 1);
    size_t n3 = (size_t)h.w.nc * h.w.nc * h.w.ns;
    for (size_t c = 0; c < n3; c++)
        assert_true(h.w.sanction_logF[c] == 0.0 && h.w.sanction_e[c] == 0.0);
    int found = 0;
    for (int v = 0; v < h.w.out.nvars; v++)
        found |= strcmp(h.w.out.vars[v].name, "sanction_intensity") == 0;
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
        /* financial */
        "{ name = \"x\"; senders = \"AAA\"; targets = \"BBB\"; type = \"financial\"; system = \"Mir\"; start = 1; }",
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
        harness h;
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
    harness h;
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
