/*
 * test_sweep.c - the `sweep` block and its expansion (engine/sweep/design.c
 * and the designs of its registry, engine/sweep/designs/).
 *
 * Expected values are derived independently of the code: grid points by
 * hand (row-major, last parameter fastest), seeds from a re-implementation
 * of the splitmix64 finaliser, Latin-hypercube strata by counting, normal
 * draws against their distribution, override text by the libconfig types
 * it must produce.
 */
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

#include "harness.h"
#include "scenario.h"
#include "sweep.h"

#ifndef SANCSIM_SRC
#define SANCSIM_SRC "."
#endif

/* tests/data/tiny.cfg with an absolute data path and a given sweep block,
 * loaded in the harness's folder (where a design file goes) */
typedef struct sweep_fx {
    harness h;
    sweep_design d;
} sweep_fx;

static int load(sweep_fx *fx, const char *sweep_block)
{
    memset(&fx->d, 0, sizeof fx->d);
    harness_init(&fx->h, "sweep");
    char text[8192];
    snprintf(text, sizeof text,
             "scenario = { name = \"tiny\"; start = \"2022-01\"; step = \"month\"; periods = 6; seed = 7; };\n"
             "data = { trade = \"%s/tests/data/tiny_trade.csv\"; units = \"USD million\"; };\n"
             "groups = { NORTH = [\"AAA\", \"BBB\"]; };\n"
             "trade = { sigma = 5.0; adjustment = 0.5;\n"
             "  sectors = ( { name = \"energy\"; sigma = 8.0; adjustment = 0.25; } ); };\n"
             "events = ( { name = \"embargo\"; start = 2; exporters = [\"CCC\"]; importers = [\"NORTH\"];\n"
             "  sectors = [\"energy\"]; factor = 2.0; } );\n"
             "%s\n",
             SANCSIM_SRC, sweep_block);
    int rc = harness_load(&fx->h, text, NULL, 0, -1);
    if (rc != SANC_OK)
        fail_msg("base scenario: %s", fx->h.e.msg);
    return sweep_design_load(&fx->d, &fx->h.sc, &fx->h.e);
}

static void unload(sweep_fx *fx)
{
    sweep_design_free(&fx->d);
    harness_close(&fx->h);
}

/* the splitmix64 finaliser, upper 32 bits (DESIGN section 6), written anew */
static uint32_t ref_mix32(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    return (uint32_t)(z >> 32);
}

static void test_grid_order_and_values(void **state)
{
    (void)state;
    sweep_fx fx;
    int rc = load(&fx, "sweep = { replicates = 2; keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"trade.sigma\"; min = 3.0; max = 8.0; steps = 6; },\n"
                       "  { path = \"events.[0].factor\"; values = [1.5, 2.0, 4.0]; } ); };");
    assert_int_equal(rc, SANC_OK);
    assert_string_equal(sweep_design_name(&fx.d), "grid");
    assert_int_equal(fx.d.npoints, 18);
    assert_int_equal(fx.d.nruns, 36);
    const double sig[6] = {3.0, 4.0, 5.0, 6.0, 7.0, 8.0}, fac[3] = {1.5, 2.0, 4.0};
    for (int p = 0; p < 18; p++) {
        assert_true(fabs(fx.d.point[p * 2] - sig[p / 3]) < 1e-15);
        assert_true(fx.d.point[p * 2 + 1] == fac[p % 3]);
    }
    /* seeds: mix32(7) ^ r, distinct for every run */
    for (int64_t r = 0; r < 36; r++)
        assert_true(sweep_run_seed(&fx.d, r) == (uint64_t)(ref_mix32(7) ^ (uint32_t)r));
    char buf[256];
    assert_int_equal(sweep_override(&fx.d, 3, 0, buf, sizeof buf, &fx.h.e), SANC_OK);
    assert_string_equal(buf, "trade.sigma=4.0"); /* a float literal for a float setting */
    assert_int_equal(sweep_override(&fx.d, 3, 1, buf, sizeof buf, &fx.h.e), SANC_OK);
    assert_string_equal(buf, "events.[0].factor=1.5");
    unload(&fx);
}

static void test_common_seeds(void **state)
{
    (void)state;
    sweep_fx fx;
    int rc = load(&fx, "sweep = { replicates = 4; common_seeds = true; keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"trade.sigma\"; values = [4.0, 6.0]; } ); };");
    assert_int_equal(rc, SANC_OK);
    for (int64_t r = 0; r < 8; r++)
        assert_true(sweep_run_seed(&fx.d, r) == (uint64_t)(ref_mix32(7) ^ (uint32_t)(r % 4)));
    unload(&fx);
}

static void test_categorical(void **state)
{
    (void)state;
    sweep_fx fx;
    int rc = load(&fx, "sweep = { keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"events.[0].importers\"; values = ( [\"NORTH\"], [\"AAA\", \"BBB\"], [\"AAA\"] ); },\n"
                       "  { path = \"scenario.step\"; values = [\"month\", \"quarter\"]; } ); };");
    assert_int_equal(rc, SANC_OK);
    assert_int_equal(fx.d.npoints, 6);
    assert_true(fx.d.param[0].categorical && fx.d.param[1].categorical);
    assert_string_equal(fx.d.param[0].label[1], "[\"AAA\", \"BBB\"]");
    /* point 3 = (level 1, level 1) */
    assert_true(fx.d.point[3 * 2] == 1.0 && fx.d.point[3 * 2 + 1] == 1.0);
    char buf[256];
    assert_int_equal(sweep_override(&fx.d, 3, 0, buf, sizeof buf, &fx.h.e), SANC_OK);
    assert_string_equal(buf, "events.[0].importers=[\"AAA\", \"BBB\"]");
    assert_int_equal(sweep_override(&fx.d, 3, 1, buf, sizeof buf, &fx.h.e), SANC_OK);
    assert_string_equal(buf, "scenario.step=\"quarter\"");
    unload(&fx);
}

static void test_integer_setting(void **state)
{
    (void)state;
    sweep_fx fx;
    int rc = load(&fx, "sweep = { design = \"lhs\"; samples = 50; keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"scenario.periods\"; distribution = \"uniform\"; min = 3.0; max = 9.0; } ); };");
    assert_int_equal(rc, SANC_OK);
    char buf[256];
    for (int p = 0; p < 50; p++) {
        double v = fx.d.point[p];
        assert_true(v == nearbyint(v) && v >= 3 && v <= 9);
        assert_int_equal(sweep_override(&fx.d, p, 0, buf, sizeof buf, &fx.h.e), SANC_OK);
        assert_null(strchr(strchr(buf, '=') + 1, '.')); /* an integer literal */
    }
    unload(&fx);
}

static void test_lhs_strata(void **state)
{
    (void)state;
    sweep_fx fx;
    int rc = load(&fx, "sweep = { design = \"lhs\"; samples = 40; keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"trade.sigma\"; distribution = \"uniform\"; min = 2.0; max = 6.0; },\n"
                       "  { path = \"trade.adjustment\"; distribution = \"uniform\"; min = 0.0; max = 1.0; } ); };");
    assert_int_equal(rc, SANC_OK);
    for (int j = 0; j < 2; j++) {
        int seen[40] = {0};
        double lo = j ? 0.0 : 2.0, hi = j ? 1.0 : 6.0;
        for (int p = 0; p < 40; p++) {
            double u = (fx.d.point[p * 2 + j] - lo) / (hi - lo);
            assert_true(u > 0 && u < 1);
            seen[(int)(u * 40)]++;
        }
        for (int s = 0; s < 40; s++)
            assert_int_equal(seen[s], 1);
    }
    unload(&fx);
}

static void test_normal_and_sobol(void **state)
{
    (void)state;
    sweep_fx fx;
    int rc = load(&fx, "sweep = { design = \"random\"; samples = 4000; keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"events.[0].factor\"; distribution = \"normal\"; mean = 2.0; sd = 0.5; } ); };");
    assert_int_equal(rc, SANC_OK);
    double m = 0, s2 = 0;
    int below = 0;
    for (int p = 0; p < 4000; p++) {
        m += fx.d.point[p];
        below += fx.d.point[p] < 2.0 - 0.5; /* P(Z < -1) = 0.158655 */
    }
    m /= 4000;
    for (int p = 0; p < 4000; p++)
        s2 += (fx.d.point[p] - m) * (fx.d.point[p] - m);
    double sd = sqrt(s2 / 3999);
    assert_true(fabs(m - 2.0) < 4 * 0.5 / sqrt(4000.0));
    assert_true(fabs(sd - 0.5) < 0.03);
    assert_true(fabs(below / 4000.0 - 0.158655) < 4 * sqrt(0.158655 * 0.841345 / 4000));
    unload(&fx);

    rc = load(&fx, "sweep = { design = \"sobol\"; samples = 64; keep = [\"welfare\"]; parameters = (\n"
                   "  { path = \"trade.sigma\"; distribution = \"uniform\"; min = 2.0; max = 6.0; } ); };");
    assert_int_equal(rc, SANC_OK);
    /* a Sobol sequence's first 2^m points (the zero point, which GSL omits,
     * included) are the k/2^m in some order, in every coordinate: so the
     * first 63 points are exactly k/64, k = 1..63 */
    int seen[64] = {0};
    for (int p = 0; p < 63; p++) {
        double u = (fx.d.point[p] - 2.0) / 4.0, k = nearbyint(u * 64);
        assert_true(fabs(u * 64 - k) < 1e-9 && k >= 1 && k <= 63);
        seen[(int)k]++;
    }
    for (int s = 1; s < 64; s++)
        assert_int_equal(seen[s], 1);
    assert_true(fabs(fx.d.point[0] - 4.0) < 1e-12); /* second Sobol point: u = 1/2 */
    unload(&fx);
}

static void test_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* mixing kinds */
        "sweep = { keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; distribution = \"uniform\"; min = 2.0; max = 3.0; } ); };",
        "sweep = { design = \"random\"; samples = 5; keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; values = [2.0]; } ); };",
        /* unknown key, design, distribution */
        "sweep = { keep = [\"welfare\"]; paramters = (); };",
        "sweep = { design = \"magic\"; keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; values = [2.0]; } ); };",
        "sweep = { design = \"random\"; samples = 5; keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; distribution = \"cauchy\"; } ); };",
        /* missing samples, bad sd, empty keep, duplicate path */
        "sweep = { design = \"lhs\"; keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; distribution = \"uniform\"; min = 2.0; max = 3.0; } ); };",
        "sweep = { design = \"random\"; samples = 5; keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; distribution = \"normal\"; mean = 2.0; sd = 0.0; } ); };",
        "sweep = { keep = []; parameters = ( { path = \"trade.sigma\"; values = [2.0]; } ); };",
        "sweep = { keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; values = [2.0]; }, { path = \"trade.sigma\"; values = [3.0]; } ); };",
        /* both values and a range */
        "sweep = { keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; values = [2.0]; min = 1.0; max = 2.0; steps = 2; } ); };",
        NULL,
    };
    for (int i = 0; bad[i]; i++) {
        sweep_fx fx;
        int rc = load(&fx, bad[i]);
        if (rc == SANC_OK)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(err_exit_status(rc), 2);
        assert_true(strlen(fx.h.e.msg) > 0);
        unload(&fx);
    }
}

/* design = "file": the header's name paths (an RFC 4180 quoted field
 * included), one point per non-empty row, the file's SHA-256 (computed
 * with sha256sum on the same bytes) as the design's input, and the first
 * row, rounded for an integer setting, as the values tried before any run */
static void test_design_file(void **state)
{
    (void)state;
    sweep_fx fx;
    static const char csv[] = "trade.sigma, \"events.[name=\"\"embargo\"\"].factor\",scenario.periods\n"
                              "4.0,1.5,4.6\n\n6.5,2.5,7\r\n";
    /* the file in a folder of its own, named by an absolute path */
    harness tmp;
    harness_init(&tmp, "sweepcsv");
    const char *csvpath = harness_write(&tmp, "design.csv", csv);
    char block[600];
    snprintf(block, sizeof block, "sweep = { design = \"file\"; file = \"%s\"; replicates = 2; keep = [\"welfare\"]; };",
             csvpath);
    int rc = load(&fx, block);
    if (rc != SANC_OK)
        fail_msg("%s", fx.h.e.msg);
    assert_string_equal(sweep_design_name(&fx.d), "file");
    assert_int_equal(fx.d.nparams, 3);
    assert_int_equal(fx.d.npoints, 2);
    assert_int_equal(fx.d.nruns, 4);
    assert_string_equal(fx.d.param[1].path, "events.[name=\"embargo\"].factor");
    const double want[6] = {4.0, 1.5, 4.6, 6.5, 2.5, 7.0};
    for (int i = 0; i < 6; i++)
        assert_true(fx.d.point[i] == want[i]);
    char sha[65];
    const char *in = sweep_design_input(&fx.d, sha);
    assert_non_null(in);
    assert_string_equal(in, csvpath);
    assert_string_equal(sha, "247fe91a2179ac920ee643e246a5963ca4992bae508d9a660e4a671e0488ab1c");
    double v;
    assert_int_equal(sweep_design_probe(&fx.d, 2, 0, &v), 1);
    assert_true(v == 5.0); /* scenario.periods is an integer: 4.6 rounds to 5 */
    assert_int_equal(sweep_design_probe(&fx.d, 0, 0, &v), 1);
    assert_true(v == 4.0);
    assert_int_equal(sweep_design_probe(&fx.d, 0, 1, &v), 0);
    unload(&fx);
    harness_close(&tmp);
}

/* The values tried on the base before any run: every grid level (a
 * categorical one by index); a sampled parameter's middle, (min + max) / 2
 * or the mean, rounded half away from zero for an integer setting; no
 * input file. */
static void test_design_probe(void **state)
{
    (void)state;
    sweep_fx fx;
    int rc = load(&fx, "sweep = { keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"trade.sigma\"; min = 3.0; max = 5.0; steps = 3; },\n"
                       "  { path = \"scenario.step\"; values = [\"month\", \"quarter\"]; } ); };");
    assert_int_equal(rc, SANC_OK);
    char sha[65];
    assert_null(sweep_design_input(&fx.d, sha));
    double v;
    const double lev[3] = {3.0, 4.0, 5.0};
    int i = 0;
    for (; sweep_design_probe(&fx.d, 0, i, &v); i++)
        assert_true(v == lev[i]);
    assert_int_equal(i, 3);
    for (i = 0; sweep_design_probe(&fx.d, 1, i, &v); i++)
        assert_true(v == i);
    assert_int_equal(i, 2);
    unload(&fx);

    rc = load(&fx, "sweep = { design = \"random\"; samples = 3; keep = [\"welfare\"]; parameters = (\n"
                   "  { path = \"scenario.periods\"; distribution = \"uniform\"; min = 3.0; max = 8.0; },\n"
                   "  { path = \"trade.sigma\"; distribution = \"normal\"; mean = 4.25; sd = 1.0; } ); };");
    assert_int_equal(rc, SANC_OK);
    assert_int_equal(sweep_design_probe(&fx.d, 0, 0, &v), 1);
    assert_true(v == 6.0); /* 5.5, an integer setting */
    assert_int_equal(sweep_design_probe(&fx.d, 0, 1, &v), 0);
    assert_int_equal(sweep_design_probe(&fx.d, 1, 0, &v), 1);
    assert_true(v == 4.25);
    unload(&fx);
}

/* Messages built from the registry: the designs by name, and a key only
 * other designs take naming them. */
static void test_registry_messages(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"sweep = { design = \"magic\"; keep = [\"welfare\"]; };",
         "unknown design 'magic' (expected grid, random, sobol, lhs or file)"},
        {"sweep = { samples = 3; keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; values = [2.0]; } ); };",
         "only random, sobol and lhs designs take `samples`"},
        {"sweep = { file = \"x.csv\"; keep = [\"welfare\"]; parameters = ( { path = \"trade.sigma\"; values = [2.0]; } ); };",
         "only design = \"file\" takes `file`"},
        {"sweep = { design = \"file\"; file = \"x.csv\"; keep = [\"welfare\"]; parameters = (); };",
         "only grid, random, sobol and lhs designs take `parameters`"},
        {"sweep = { keep = [\"welfare\"]; bogus = 1; };", "unknown setting 'bogus'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sweep_fx fx;
        int rc = load(&fx, cases[i][0]);
        assert_int_equal(rc, SANC_ECONFIG);
        assert_contains(fx.h.e.msg, cases[i][1]);
        unload(&fx);
    }
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_order_and_values), cmocka_unit_test(test_common_seeds),
        cmocka_unit_test(test_categorical),           cmocka_unit_test(test_integer_setting),
        cmocka_unit_test(test_lhs_strata),            cmocka_unit_test(test_normal_and_sobol),
        cmocka_unit_test(test_errors),                cmocka_unit_test(test_design_file),
        cmocka_unit_test(test_design_probe),          cmocka_unit_test(test_registry_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
