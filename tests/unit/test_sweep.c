/*
 * test_sweep.c - the `sweep` block and its expansion (engine/design.c).
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

#include "scenario.h"
#include "sweep.h"

#ifndef SANCSIM_SRC
#define SANCSIM_SRC "."
#endif

/* tests/data/tiny.cfg with an absolute data path and a given sweep block */
static char *write_cfg(const char *sweep_block)
{
    static const char tmpl[] = "/tmp/test_sweep_XXXXXX";
    char *path = malloc(sizeof tmpl + 8);
    assert_non_null(path);
    strcpy(path, tmpl);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f,
            "scenario = { name = \"tiny\"; start = \"2022-01\"; step = \"month\"; periods = 6; seed = 7; };\n"
            "data = { trade = \"%s/tests/data/tiny_trade.csv\"; units = \"USD million\"; };\n"
            "groups = { NORTH = [\"AAA\", \"BBB\"]; };\n"
            "trade = { sigma = 5.0; adjustment = 0.5;\n"
            "  sectors = ( { name = \"energy\"; sigma = 8.0; adjustment = 0.25; } ); };\n"
            "events = ( { name = \"embargo\"; start = 2; exporters = [\"CCC\"]; importers = [\"NORTH\"];\n"
            "  sectors = [\"energy\"]; factor = 2.0; } );\n"
            "%s\n",
            SANCSIM_SRC, sweep_block);
    fclose(f);
    return path;
}

typedef struct fixture {
    scenario sc;
    sweep_design d;
    char *path;
    errbuf e;
} fixture;

static int load(fixture *fx, const char *block)
{
    memset(fx, 0, sizeof *fx);
    err_init(&fx->e);
    fx->path = write_cfg(block);
    int rc = scenario_load(&fx->sc, fx->path, NULL, 0, -1, &fx->e);
    assert_int_equal(rc, SANC_OK);
    return sweep_design_load(&fx->d, &fx->sc, &fx->e);
}

static void unload(fixture *fx)
{
    sweep_design_free(&fx->d);
    scenario_destroy(&fx->sc);
    unlink(fx->path);
    free(fx->path);
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
    fixture fx;
    int rc = load(&fx, "sweep = { replicates = 2; keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"trade.sigma\"; min = 3.0; max = 8.0; steps = 6; },\n"
                       "  { path = \"events.[0].factor\"; values = [1.5, 2.0, 4.0]; } ); };");
    assert_int_equal(rc, SANC_OK);
    assert_int_equal(fx.d.kind, SWEEP_GRID);
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
    assert_int_equal(sweep_override(&fx.d, 3, 0, buf, sizeof buf, &fx.e), SANC_OK);
    assert_string_equal(buf, "trade.sigma=4.0"); /* a float literal for a float setting */
    assert_int_equal(sweep_override(&fx.d, 3, 1, buf, sizeof buf, &fx.e), SANC_OK);
    assert_string_equal(buf, "events.[0].factor=1.5");
    unload(&fx);
}

static void test_common_seeds(void **state)
{
    (void)state;
    fixture fx;
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
    fixture fx;
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
    assert_int_equal(sweep_override(&fx.d, 3, 0, buf, sizeof buf, &fx.e), SANC_OK);
    assert_string_equal(buf, "events.[0].importers=[\"AAA\", \"BBB\"]");
    assert_int_equal(sweep_override(&fx.d, 3, 1, buf, sizeof buf, &fx.e), SANC_OK);
    assert_string_equal(buf, "scenario.step=\"quarter\"");
    unload(&fx);
}

static void test_integer_setting(void **state)
{
    (void)state;
    fixture fx;
    int rc = load(&fx, "sweep = { design = \"lhs\"; samples = 50; keep = [\"welfare\"]; parameters = (\n"
                       "  { path = \"scenario.periods\"; distribution = \"uniform\"; min = 3.0; max = 9.0; } ); };");
    assert_int_equal(rc, SANC_OK);
    char buf[256];
    for (int p = 0; p < 50; p++) {
        double v = fx.d.point[p];
        assert_true(v == nearbyint(v) && v >= 3 && v <= 9);
        assert_int_equal(sweep_override(&fx.d, p, 0, buf, sizeof buf, &fx.e), SANC_OK);
        assert_null(strchr(strchr(buf, '=') + 1, '.')); /* an integer literal */
    }
    unload(&fx);
}

static void test_lhs_strata(void **state)
{
    (void)state;
    fixture fx;
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
    fixture fx;
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
        fixture fx;
        int rc = load(&fx, bad[i]);
        if (rc == SANC_OK)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(err_exit_status(rc), 2);
        assert_true(strlen(fx.e.msg) > 0);
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
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
