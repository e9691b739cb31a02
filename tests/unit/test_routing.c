/*
 * test_routing.c - unit tests of models/routing.c and of the route-share
 * vintages and AR(1) noise in models/gravity.c.
 *
 * Worlds come from small scenario files written to a temp dir (3 countries
 * AAA, BBB, CCC; one sector); the sanction wedges are set by hand, so the
 * routing module is tested without the sanctions module.  Expected values
 * are closed forms of DESIGN section 3 item 4 evaluated here independently:
 * shares m_r^-delta / sum m^-delta, M = (sum m^-delta)^(-1/delta), the
 * congestion equation, the vintage formula and the AR(1) recursion.
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
#include <gsl/gsl_randist.h>
#include <gsl/gsl_errno.h>

#include "model.h"
#include "rng.h"
#include "scenario.h"
#include "world.h"

#define A 0
#define B 1
#define C 2

static const char *const trade_csv = "exporter,importer,value\n"
                                     "AAA,AAA,100\nAAA,BBB,20\nAAA,CCC,10\n"
                                     "BBB,AAA,15\nBBB,BBB,80\nBBB,CCC,5\n"
                                     "CCC,AAA,8\nCCC,BBB,6\nCCC,CCC,50\n";

/* A loaded scenario, its world and the modules routing -> gravity -> metrics. */
typedef struct fx {
    char dir[256];
    scenario sc;
    world w;
    model md[3];
    int nmd;
    int loaded, world_ok;
    errbuf e;
} fx;

static void fx_free(fx *f)
{
    for (int i = f->nmd - 1; i >= 0; i--)
        if (f->md[i].ops->finish)
            f->md[i].ops->finish(&f->md[i]);
    f->nmd = 0;
    if (f->world_ok)
        world_destroy(&f->w);
    if (f->loaded)
        scenario_destroy(&f->sc);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
}

/* Load a scenario with the given trade data (NULL: the 3-country table),
 * trade and routing blocks; init the modules (all three unless
 * routing_only).  Returns the init code; *out always set. */
static int fx_make_csv(fx **out, const char *csv, const char *trade_block, const char *routing_block, int periods,
                       int routing_only)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *out = f;
    snprintf(f->dir, sizeof f->dir, "/tmp/test_routing.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char path[512];
    snprintf(path, sizeof path, "%s/trade.csv", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(csv ? csv : trade_csv, fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/s.cfg", f->dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp,
            "scenario = { name = \"r\"; start = \"2022-01\"; step = \"month\"; periods = %d; seed = 7; };\n"
            "data = { trade = \"trade.csv\"; units = \"USD million\"; };\n"
            "trade = { %s };\n"
            "%s\n",
            periods, trade_block ? trade_block : "sigma = 5.0;", routing_block ? routing_block : "");
    fclose(fp);
    err_init(&f->e);
    int rc = scenario_load(&f->sc, path, NULL, 0, -1, &f->e);
    if (rc != SANC_OK)
        return rc;
    f->loaded = 1;
    rc = world_init(&f->w, &f->sc, &f->e);
    if (rc != SANC_OK)
        return rc;
    f->world_ok = 1;
    const char *names[] = {"routing", "gravity", "metrics"};
    int n = routing_only ? 1 : 3;
    for (int i = 0; i < n && rc == SANC_OK; i++) {
        model *m = &f->md[f->nmd++];
        m->name = names[i];
        m->ops = model_lookup(names[i]);
        assert_non_null(m->ops);
        m->data = NULL;
        rc = m->ops->init(m, &f->sc, &f->w, &f->e);
    }
    return rc;
}

static int fx_make(fx **out, const char *trade_block, const char *routing_block, int periods, int routing_only)
{
    return fx_make_csv(out, NULL, trade_block, routing_block, periods, routing_only);
}

static fx *fx_ok(const char *trade_block, const char *routing_block, int periods, int routing_only)
{
    fx *f;
    int rc = fx_make(&f, trade_block, routing_block, periods, routing_only);
    if (rc != SANC_OK)
        fail_msg("init failed: %s", f->e.msg);
    return f;
}

static void fx_step(fx *f, int t)
{
    f->w.t = t;
    for (int i = 0; i < f->nmd; i++) {
        int rc = f->md[i].ops->step(&f->md[i], &f->w, t, &f->e);
        if (rc != SANC_OK)
            fail_msg("step %d of %s failed: %s", t, f->md[i].name, f->e.msg);
    }
}

static const double *var(const world *w, const char *name)
{
    for (int i = 0; i < w->out.nvars; i++)
        if (strcmp(w->out.vars[i].name, name) == 0)
            return w->out.vars[i].data;
    return NULL;
}

static size_t cell(const world *w, int i, int j)
{
    return W3(w, i, j, 0);
}

static void assert_close(double got, double want, double rtol)
{
    if (!(fabs(got - want) <= rtol * fmax(1.0, fabs(want))))
        fail_msg("got %.17g, want %.17g (rtol %g)", got, want, rtol);
}

/* ---- tests ------------------------------------------------------------- */

static void test_no_hubs_identity(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL, NULL, 3, 1);
    world *w = &f->w;
    assert_int_equal(w->nhubs, 0);
    assert_int_equal(w->out.dim_n[DIM_HUB], 0);
    assert_null(var(w, "hub_markup"));
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (size_t c = 0; c < n3; c++)
        w->sanction_logF[c] = 0.1 * (double)c - 0.3;
    w->sanction_logF[cell(w, A, B)] = INFINITY;
    w->sanction_e[cell(w, A, B)] = 1.0;
    fx_step(f, 1);
    for (size_t c = 0; c < n3; c++)
        assert_true(w->route_logM[c] == w->sanction_logF[c]);
    fx_free(f);
}

#define ROUTE_AB "routing = { dispersion = 4.0; detection = 0.3; hubs = ( { name = \"H\"; via = \"CCC\"; " \
                 "markup = 1.5; origins = [\"AAA\"]; destinations = [\"BBB\"]; } ); };"

static void test_two_routes_closed_form(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL, ROUTE_AB, 3, 1);
    world *w = &f->w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    assert_int_equal(w->nhubs, 1);
    assert_int_equal(w->hub_via[0], C);
    assert_string_equal(w->out.dim_labels[DIM_HUB][0], "H");
    double d = 4.0;
    double w0 = pow(1.5, -d) / (1.0 + pow(1.5, -d));
    /* period 0: baseline shares, no wedge */
    assert_close(w->route_share_new[cell(w, A, B)], w0, 1e-14);
    assert_close(w->route_share[cell(w, A, B)], w0, 1e-14);
    assert_true(w->route_share_new[cell(w, B, A)] == 0.0);
    for (size_t c = 0; c < n3; c++)
        assert_true(w->route_logM[c] == 0.0);

    /* m0 = 2, m1 = 1.5 */
    w->sanction_logF[cell(w, A, B)] = log(2.0);
    w->sanction_logF[cell(w, B, A)] = log(3.0);
    fx_step(f, 1);
    double s = pow(2.0, -d) + pow(1.5, -d);
    double M = pow(s, -1.0 / d), M0 = pow(1.0 + pow(1.5, -d), -1.0 / d);
    assert_close(w->route_share_new[cell(w, A, B)], pow(1.5, -d) / s, 1e-14);
    assert_close(w->route_logM[cell(w, A, B)], log(M / M0), 1e-14);
    /* not admitted (origin filter): the sanction wedge exactly */
    assert_true(w->route_logM[cell(w, B, A)] == log(3.0));
    assert_true(w->route_share_new[cell(w, B, A)] == 0.0);

    /* detection: m1 = 1.5 (1 + 0.3 e), and a leg sanctioned: x F_AC */
    w->sanction_e[cell(w, A, B)] = 0.5;
    w->sanction_logF[cell(w, A, C)] = log(1.1);
    fx_step(f, 2);
    double m1 = 1.5 * 1.1 * (1.0 + 0.3 * 0.5);
    s = pow(2.0, -d) + pow(m1, -d);
    assert_close(w->route_share_new[cell(w, A, B)], pow(m1, -d) / s, 1e-14);
    assert_close(w->route_logM[cell(w, A, B)], log(pow(s, -1.0 / d) / M0), 1e-14);
    fx_free(f);
}

static void test_closed_direct_route(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL, ROUTE_AB, 3, 1);
    world *w = &f->w;
    double d = 4.0, M0 = pow(1.0 + pow(1.5, -d), -1.0 / d);
    w->sanction_logF[cell(w, A, B)] = INFINITY;
    fx_step(f, 1);
    assert_true(w->route_share_new[cell(w, A, B)] == 1.0);
    assert_close(w->route_logM[cell(w, A, B)], log(1.5 / M0), 1e-14);
    /* every route closed: infinite wedge, no shares, no NaN */
    w->sanction_logF[cell(w, C, B)] = INFINITY;
    fx_step(f, 2);
    assert_true(w->route_logM[cell(w, A, B)] == INFINITY);
    assert_true(w->route_share_new[cell(w, A, B)] == 0.0);
    /* a huge but finite wedge stays finite (log-sum-exp, no underflow to 0/0) */
    w->sanction_logF[cell(w, C, B)] = 0.0;
    w->sanction_logF[cell(w, A, B)] = 1e6;
    fx_step(f, 3);
    assert_true(w->route_share_new[cell(w, A, B)] == 1.0);
    assert_close(w->route_logM[cell(w, A, B)], log(1.5 / M0), 1e-12);
    fx_free(f);
}

static void test_evasion_only(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL,
                  "routing = { dispersion = 4.0; hubs = ( { name = \"E\"; via = \"CCC\"; markup = 1.2; "
                  "evasion_only = true; } ); };",
                  3, 1);
    world *w = &f->w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (size_t c = 0; c < n3; c++)
        assert_true(w->route_share_new[c] == 0.0);
    w->sanction_logF[cell(w, A, B)] = log(2.0);
    fx_step(f, 1);
    double d = 4.0, s = pow(2.0, -d) + pow(1.2, -d);
    /* M(0) = 1: the hub is not in the baseline (no sanctioned cells then) */
    assert_close(w->route_share_new[cell(w, A, B)], pow(1.2, -d) / s, 1e-14);
    assert_close(w->route_logM[cell(w, A, B)], -log(s) / d, 1e-14);
    assert_true(w->route_share_new[cell(w, B, A)] == 0.0);
    assert_true(w->route_logM[cell(w, B, A)] == 0.0);
    fx_free(f);
}

/* Closed-form hub volume on cell A->B with its routes: direct F, hubs at kappa. */
static double share_of(int h, const double *kappa, int nh, double F, double d)
{
    double s = pow(F, -d);
    for (int q = 0; q < nh; q++)
        s += pow(kappa[q], -d);
    return pow(kappa[h], -d) / s;
}

static void test_capacity_equation(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL,
                  "routing = { dispersion = 4.0; hubs = ( { name = \"H\"; via = \"CCC\"; markup = 1.5; "
                  "origins = [\"AAA\"]; destinations = [\"BBB\"]; capacity = 5.0; congestion = 2.0; } ); };",
                  3, 0);
    world *w = &f->w;
    const double *kappa = var(w, "hub_markup");
    assert_non_null(kappa);
    assert_true(kappa[0] == 1.5);
    double d = 4.0, mk = 1.5, X = 20.0;
    double V0 = share_of(0, &mk, 1, 1.0, d) * X;

    /* routing alone (X still holds period 0's flows), then metrics */
    w->sanction_logF[cell(w, A, B)] = log(2.0);
    f->w.t = 1;
    assert_int_equal(f->md[0].ops->step(&f->md[0], w, 1, &f->e), SANC_OK);
    double k = kappa[0];
    double V = share_of(0, &k, 1, 2.0, d) * X;
    double rhs = mk * (1.0 + pow(fmax(0.0, V - V0) / 5.0, 2.0));
    assert_true(k > mk);
    assert_close(k, rhs, 1e-12);
    assert_close(w->route_share_new[cell(w, A, B)], share_of(0, &k, 1, 2.0, d), 1e-13);
    /* transit at these shares: finite and below the uncongested level */
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    memcpy(w->route_share, w->route_share_new, n3 * sizeof *w->route_share);
    assert_int_equal(f->md[2].ops->step(&f->md[2], w, 1, &f->e), SANC_OK);
    const double *transit = var(w, "transit");
    assert_non_null(transit);
    assert_true(isfinite(transit[0]));
    assert_close(transit[0], V, 1e-12);
    assert_true(transit[0] < share_of(0, &mk, 1, 2.0, d) * X);
    assert_true(transit[0] > V0);
    fx_free(f);
}

static void test_capacity_two_hubs(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL,
                  "routing = { dispersion = 6.0; hubs = ( "
                  "{ name = \"H1\"; via = \"CCC\"; markup = 1.2; origins = [\"AAA\"]; destinations = [\"BBB\"]; "
                  "  capacity = 2.0; }, "
                  "{ name = \"H2\"; via = \"CCC\"; markup = 1.4; origins = [\"AAA\"]; destinations = [\"BBB\"]; "
                  "  capacity = 3.0; congestion = 1.5; } ); };",
                  3, 1);
    world *w = &f->w;
    const double *kappa = var(w, "hub_markup");
    double d = 6.0, mk[2] = {1.2, 1.4}, cap[2] = {2.0, 3.0}, cong[2] = {1.0, 1.5}, X = 20.0;
    w->sanction_logF[cell(w, A, B)] = log(2.5);
    fx_step(f, 1);
    for (int h = 0; h < 2; h++) {
        double V0 = share_of(h, mk, 2, 1.0, d) * X;
        double V = share_of(h, kappa, 2, 2.5, d) * X;
        assert_true(kappa[h] > mk[h]);
        assert_close(kappa[h], mk[h] * (1.0 + pow(fmax(0.0, V - V0) / cap[h], cong[h])), 1e-10);
        assert_close(w->route_share_new[h * (size_t)9 + cell(w, A, B)], share_of(h, kappa, 2, 2.5, d), 1e-13);
    }
    fx_free(f);
}

/* Full pipeline (GE) under a constant sanction: the congested markup
 * converges without flipping between full and empty. */
static void test_no_cobweb(void **state)
{
    (void)state;
    enum { T = 40 };
    fx *f = fx_ok("sigma = 5.0; adjustment = 1.0;",
                  "routing = { dispersion = 8.0; hubs = ( { name = \"H\"; via = \"CCC\"; markup = 1.3; "
                  "capacity = 0.5; congestion = 3.0; } ); };",
                  T, 0);
    world *w = &f->w;
    const double *kappa = var(w, "hub_markup");
    double path[T];
    path[0] = kappa[0];
    for (int t = 1; t < T; t++) {
        /* what a sanctions module would write: a tariff-like wedge on A->B both ways */
        w->sanction_logF[cell(w, A, B)] = log(1.6);
        w->sanction_logF[cell(w, B, A)] = log(1.6);
        fx_step(f, t);
        path[t] = kappa[0];
        assert_true(isfinite(path[t]));
        double sh = w->route_share[cell(w, A, B)];
        assert_true(sh > 0.05 && sh < 0.95);
    }
    assert_true(path[1] > 1.3);
    /* Last period's total flow still feeds back (V uses X(t-1)), so the path
     * may overshoot once, but each swing is smaller than the one before: the
     * shares never flip between full and empty as a cobweb's would. */
    for (int t = 3; t < T; t++) {
        double d1 = fabs(path[t] - path[t - 1]), d0 = fabs(path[t - 1] - path[t - 2]);
        if (d0 > 1e-11 && d1 > 0.8 * d0)
            fail_msg("kappa does not contract at t = %d: %.17g %.17g %.17g", t, path[t - 2], path[t - 1],
                     path[t]);
    }
    assert_true(fabs(path[T - 1] - path[T - 2]) <= 1e-10 * path[T - 1]);
    fx_free(f);
}

/* One-period vintage check: lambda = 0.5, period 0 share w0, new share w1. */
static void test_vintages(void **state)
{
    (void)state;
    fx *f = fx_ok("sigma = 5.0; adjustment = 0.5;", ROUTE_AB, 3, 0);
    world *w = &f->w;
    double d = 4.0, sigma = 5.0, lam = 0.5;
    double w0 = pow(1.5, -d) / (1.0 + pow(1.5, -d));
    double s = pow(2.0, -d) + pow(1.5, -d);
    double wn = pow(1.5, -d) / s;
    double M0 = pow(1.0 + pow(1.5, -d), -1.0 / d), M = pow(s, -1.0 / d);
    double phistar = pow(M / M0, 1.0 - sigma);
    double phi1 = (1.0 - lam) * 1.0 + lam * phistar;
    double want = ((1.0 - lam) * 1.0 * w0 + lam * phistar * wn) / phi1;

    w->sanction_logF[cell(w, A, B)] = log(2.0);
    fx_step(f, 1);
    assert_close(w->phi[cell(w, A, B)], phi1, 1e-13);
    assert_close(w->route_share[cell(w, A, B)], want, 1e-13);
    assert_true(w->route_share[cell(w, A, B)] < wn); /* old flows keep the old mix */
    assert_true(w->route_share[cell(w, A, B)] > w0);
    const double *transit = var(w, "transit");
    assert_close(transit[0], want * w->X[cell(w, A, B)], 1e-13);

    /* second period, same target: the vintage recursion once more */
    double rs1 = w->route_share[cell(w, A, B)];
    double phi2 = (1.0 - lam) * phi1 + lam * phistar;
    fx_step(f, 2);
    assert_close(w->route_share[cell(w, A, B)], ((1.0 - lam) * phi1 * rs1 + lam * phistar * wn) / phi2, 1e-13);
    fx_free(f);
}

/* With lambda = 1 the current mix is the new mix; a hub may start later. */
static void test_hub_window(void **state)
{
    (void)state;
    fx *f = fx_ok("sigma = 5.0; adjustment = 1.0;",
                  "routing = { dispersion = 4.0; hubs = ( { name = \"L\"; via = \"CCC\"; markup = 1.1; "
                  "start = 2; end = 3; } ); };",
                  5, 0);
    world *w = &f->w;
    double d = 4.0;
    fx_step(f, 1);
    assert_true(w->route_logM[cell(w, A, B)] == 0.0);
    assert_true(w->route_share[cell(w, A, B)] == 0.0);
    fx_step(f, 2);
    /* a new corridor lowers M below the baseline's (no hub then) */
    assert_close(w->route_logM[cell(w, A, B)], -log(1.0 + pow(1.1, -d)) / d, 1e-14);
    assert_close(w->route_share[cell(w, A, B)], pow(1.1, -d) / (1.0 + pow(1.1, -d)), 1e-14);
    assert_close(w->route_share[cell(w, B, A)], pow(1.1, -d) / (1.0 + pow(1.1, -d)), 1e-14);
    assert_true(w->route_share[cell(w, A, C)] == 0.0); /* the via country's own trade */
    fx_step(f, 3); /* end is exclusive */
    assert_true(w->route_logM[cell(w, A, B)] == 0.0);
    assert_true(w->route_share[cell(w, A, B)] == 0.0);
    fx_free(f);
}

static void test_noise_ar1(void **state)
{
    (void)state;
    fx *f = fx_ok("sigma = 5.0; noise = { sd = 0.2; rho = 0.6; };", NULL, 4, 0);
    world *w = &f->w;
    int nc = w->nc;
    gsl_rng *r = rng_stream_new(7, RNG_NOISE);
    assert_non_null(r);
    double z[9] = {0};
    for (int t = 1; t < 4; t++) {
        fx_step(f, t);
        for (int i = 0; i < nc; i++)
            for (int j = 0; j < nc; j++) {
                if (i == j) {
                    assert_true(w->noise_logphi[W2(w, i, j)] == 0.0);
                    continue;
                }
                double eps = gsl_ran_gaussian_ziggurat(r, 1.0);
                z[i * nc + j] = 0.6 * z[i * nc + j] + sqrt(1.0 - 0.36) * eps;
                assert_close(w->noise_logphi[W2(w, i, j)], 0.2 * z[i * nc + j] - 0.02, 1e-14);
            }
    }
    gsl_rng_free(r);
    fx_free(f);
}

/* No sanctions: hubs (congested or not, congestion < 1 included) keep the
 * baseline in every period (DESIGN section 3: reproduce it to 1e-12). */
static void test_baseline_reproduced(void **state)
{
    (void)state;
    fx *f = fx_ok("sigma = 5.0; adjustment = 0.5;",
                  "routing = { dispersion = 5.0; detection = 0.5; hubs = ( "
                  "{ name = \"H\"; via = \"CCC\"; markup = 1.3; capacity = 1e-3; congestion = 0.5; }, "
                  "{ name = \"G\"; via = \"AAA\"; markup = 1.1; } ); };",
                  6, 0);
    world *w = &f->w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    const double *kappa = var(w, "hub_markup");
    double *rs0 = malloc(2 * n3 * sizeof *rs0);
    assert_non_null(rs0);
    memcpy(rs0, w->route_share, 2 * n3 * sizeof *rs0);
    for (int t = 1; t < 6; t++) {
        fx_step(f, t);
        assert_true(kappa[0] == 1.3);
        assert_true(kappa[1] == 1.1);
        for (size_t c = 0; c < n3; c++) {
            assert_true(w->route_logM[c] == 0.0);
            assert_close(w->X[c], w->X0[c], 1e-12);
        }
        for (size_t c = 0; c < 2 * n3; c++)
            assert_close(w->route_share[c], rs0[c], 1e-14);
    }
    free(rs0);
    fx_free(f);
}

/* ---- larger worlds: pooled, per-cell and log-domain paths ------------- */

/* 5 countries x 2 sectors, every cross-border cell trades. */
static char *csv5(void)
{
    static const char *const cc[5] = {"AAA", "BBB", "CCC", "DDD", "EEE"};
    size_t cap = 8192, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    len += (size_t)snprintf(s + len, cap - len, "exporter,importer,sector,value\n");
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            for (int k = 0; k < 2; k++)
                len += (size_t)snprintf(s + len, cap - len, "%s,%s,s%d,%d\n", cc[i], cc[j], k + 1,
                                        i == j ? 100 : 5 + (i * 7 + j * 3 + k * 5) % 11);
    return s;
}

/* A hub as the test knows it (mirrors the routing block below). */
typedef struct thub {
    const char *via;
    double markup, capacity, congestion;
    int start, evasion;
    const char *orig[2]; /* NULL-terminated; none: all */
    const char *sect;    /* NULL: all */
} thub;

static const thub hubs5[] = {
    {"CCC", 1.3, 3.0, 2.0, 0, 0, {NULL, NULL}, NULL},
    {"DDD", 1.5, 2.0, 1.0, 0, 0, {"AAA", "BBB"}, "s1"},
    {"EEE", 1.2, 0.0, 0.0, 0, 1, {NULL, NULL}, NULL},
    {"AAA", 1.7, 0.0, 0.0, 0, 0, {NULL, NULL}, NULL},
    {"BBB", 1.4, 1.0, 1.0, 1, 0, {NULL, NULL}, NULL},
};
#define ROUTE5 "routing = { dispersion = 6.0; detection = 0.4; hubs = ( " \
    "{ name = \"H1\"; via = \"CCC\"; markup = 1.3; capacity = 3.0; congestion = 2.0; }, " \
    "{ name = \"H2\"; via = \"DDD\"; markup = 1.5; capacity = 2.0; congestion = 1.0; origins = [\"AAA\", \"BBB\"]; " \
    "  sectors = [\"s1\"]; }, " \
    "{ name = \"E\"; via = \"EEE\"; markup = 1.2; evasion_only = true; }, " \
    "{ name = \"G\"; via = \"AAA\"; markup = 1.7; }"
#define ROUTE5_L ", { name = \"L\"; via = \"BBB\"; markup = 1.4; capacity = 1.0; start = 1; }"

/* Shares (nh x n3) and log M (n3) of every cell at period t from the
 * definition: m_0 = F, m_h = kappa_h F_iv F_vj (1 + detection e), shares
 * m^-delta / sum m^-delta, log M = -log(sum m^-delta) / delta (log F when no
 * hub serves the cell), all in log-sum-exp form. */
static void routes_def(const fx *f, const thub *H, int nh, int t, const double *kappa, int baseline,
                       double delta, double det, double *share, double *logM)
{
    const world *w = &f->w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (int i = 0; i < w->nc; i++)
        for (int j = 0; j < w->nc; j++)
            for (int k = 0; k < w->ns; k++) {
                size_t c = W3(w, i, j, k);
                for (int h = 0; h < nh; h++)
                    share[h * n3 + c] = 0.0;
                logM[c] = 0.0;
                if (i == j)
                    continue;
                double lf = baseline ? 0.0 : w->sanction_logF[c], e = baseline ? 0.0 : w->sanction_e[c];
                double lw[8];
                int open = 0;
                lw[0] = lf == INFINITY ? -INFINITY : -delta * lf;
                for (int h = 0; h < nh; h++) {
                    lw[1 + h] = -INFINITY;
                    int v = scenario_country_index(&f->sc, H[h].via);
                    int adm = t >= H[h].start && v != i && v != j && (!H[h].evasion || lf > 0.0);
                    if (H[h].orig[0] != NULL)
                        adm &= i == scenario_country_index(&f->sc, H[h].orig[0]) ||
                               i == scenario_country_index(&f->sc, H[h].orig[1]);
                    if (H[h].sect != NULL)
                        adm &= k == scenario_sector_index(&f->sc, H[h].sect);
                    if (!adm)
                        continue;
                    double l1 = baseline ? 0.0 : w->sanction_logF[W3(w, i, v, k)];
                    double l2 = baseline ? 0.0 : w->sanction_logF[W3(w, v, j, k)];
                    if (l1 == INFINITY || l2 == INFINITY)
                        continue;
                    lw[1 + h] = -delta * (log(kappa[h]) + l1 + l2 + log(1.0 + det * e));
                    open = 1;
                }
                double mx = -INFINITY, sum = 0.0;
                for (int r = 0; r <= nh; r++)
                    mx = fmax(mx, lw[r]);
                if (mx == -INFINITY) {
                    logM[c] = INFINITY;
                    continue;
                }
                for (int r = 0; r <= nh; r++)
                    sum += exp(lw[r] - mx);
                for (int h = 0; h < nh; h++)
                    share[h * n3 + c] = exp(lw[1 + h] - mx) / sum;
                logM[c] = open ? -(mx + log(sum)) / delta : lf;
            }
}

/* Value sent through hub h: shares x flows. */
static double volume_def(const world *w, const double *share, int h, const double *X)
{
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    double v = 0.0;
    for (size_t c = 0; c < n3; c++)
        v += share[h * n3 + c] * X[c];
    return v;
}

/* The module's kappa, shares and wedge against the definition. */
static void check_routes5(fx *f, int nh, int t, int expect_congested)
{
    world *w = &f->w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    const double *kappa = var(w, "hub_markup");
    double delta = 6.0, det = 0.4, mk[5];
    double *sh0 = malloc((size_t)nh * n3 * sizeof *sh0), *lm0 = malloc(n3 * sizeof *lm0);
    double *sh = malloc((size_t)nh * n3 * sizeof *sh), *lm = malloc(n3 * sizeof *lm);
    assert_true(sh0 && lm0 && sh && lm);
    for (int h = 0; h < nh; h++)
        mk[h] = hubs5[h].markup;
    routes_def(f, hubs5, nh, 0, mk, 1, delta, det, sh0, lm0);
    routes_def(f, hubs5, nh, t, kappa, 0, delta, det, sh, lm);
    for (int h = 0; h < nh; h++) {
        if (!(hubs5[h].capacity > 0.0)) {
            assert_true(kappa[h] == hubs5[h].markup);
            continue;
        }
        double V0 = hubs5[h].start > 0 ? 0.0 : volume_def(w, sh0, h, w->X0);
        double V = volume_def(w, sh, h, w->X);
        double want = hubs5[h].markup * (1.0 + pow(fmax(0.0, V - V0) / hubs5[h].capacity, hubs5[h].congestion));
        assert_close(kappa[h], want, 1e-11);
        if (expect_congested && !(kappa[h] > hubs5[h].markup * (1.0 + 1e-6)))
            fail_msg("hub %d not congested: V %g, V0 %g, kappa %g", h, V, V0, kappa[h]);
    }
    for (size_t c = 0; c < n3; c++) {
        if (lm[c] == INFINITY)
            assert_true(w->route_logM[c] == INFINITY);
        else if (fabs(w->route_logM[c] - (lm[c] - lm0[c])) > 1e-13 * fmax(1.0, fabs(lm[c])))
            fail_msg("cell %zu: log M(t)/M(0) %.17g, want %.17g", c, w->route_logM[c], lm[c] - lm0[c]);
        for (int h = 0; h < nh; h++) {
            double got = w->route_share_new[h * n3 + c], want = sh[h * n3 + c];
            if (fabs(got - want) > 1e-13 * fmax(want, 1e-300) && fabs(got - want) > 1e-300)
                fail_msg("cell %zu hub %d: share %.17g, want %.17g", c, h, got, want);
        }
    }
    free(sh0);
    free(lm0);
    free(sh);
    free(lm);
}

/* Sanctions on direct routes and legs (a closed direct route, a closed leg,
 * a wedge too large for the product path, detection, enforcement without a
 * wedge) push flow into the hubs: every capacity hub congests, and the markups solve their equations
 * with the shares of the definition; then the sanctions lift and the
 * per-cell shares written at t = 1 (evasion hub) must not linger. */
static void test_many_cells_match_definition(void **state)
{
    (void)state;
    char *csv = csv5();
    fx *f;
    int rc = fx_make_csv(&f, csv, "sigma = 5.0;", ROUTE5 ROUTE5_L " ); };", 4, 1);
    free(csv);
    if (rc != SANC_OK)
        fail_msg("init failed: %s", f->e.msg);
    world *w = &f->w;
    assert_int_equal(w->nhubs, 5);
    assert_int_equal(w->ns, 2);
    int ca = scenario_country_index(&f->sc, "AAA"), cb = scenario_country_index(&f->sc, "BBB");
    int cc = scenario_country_index(&f->sc, "CCC"), cd = scenario_country_index(&f->sc, "DDD");
    int ce = scenario_country_index(&f->sc, "EEE");
    int s1 = scenario_sector_index(&f->sc, "s1"), s2 = scenario_sector_index(&f->sc, "s2");
    check_routes5(f, 5, 0, 0);
    struct {
        int i, j, k;
        double lf, e;
    } sanc[] = {
        {ca, cb, s1, log(2.0), 0.5}, {ca, cb, s2, log(3.0), 1.0}, {cb, ca, s1, INFINITY, 1.0},
        {cd, cc, s1, INFINITY, 1.0},  {cb, cc, s2, log(1.3), 0.0}, {ce, cb, s2, 1e3, 0.2},
        {cc, ca, s2, log(1.6), 0.3}, {cd, ce, s1, log(4.0), 0.0}, {ca, ce, s1, log(3.0), 0.0},
        {cb, ce, s1, log(3.0), 0.0}, {cb, cc, s1, log(2.0), 0.0}, {ce, cd, s1, 0.0, 0.8},
        {ce, cc, s2, 200.0, 0.0}, {ce, ca, s2, 200.0, 0.0},
    };
    for (size_t q = 0; q < sizeof sanc / sizeof sanc[0]; q++) {
        w->sanction_logF[W3(w, sanc[q].i, sanc[q].j, sanc[q].k)] = sanc[q].lf;
        w->sanction_e[W3(w, sanc[q].i, sanc[q].j, sanc[q].k)] = sanc[q].e;
    }
    fx_step(f, 1);
    check_routes5(f, 5, 1, 1);
    /* the evasion hub serves only sanctioned cells */
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    assert_true(w->route_share_new[2 * n3 + W3(w, ca, cb, s1)] > 0.0);
    assert_true(w->route_share_new[2 * n3 + W3(w, ca, cc, s1)] == 0.0);
    /* huge wedges on every route (log-sum-exp path): finite shares */
    assert_true(w->route_share_new[W3(w, ce, cb, s2)] > 0.0);

    size_t nsz = n3 * sizeof(double);
    memset(w->sanction_logF, 0, nsz);
    memset(w->sanction_e, 0, nsz);
    fx_step(f, 2);
    check_routes5(f, 5, 2, 0);
    assert_true(w->route_share_new[2 * n3 + W3(w, ca, cb, s1)] == 0.0);
    fx_free(f);
}

/* No sanctions, hubs of every kind from period 0: each period reproduces
 * period 0 exactly (bare markups, zero wedge, the same shares). */
static void test_many_cells_baseline_exact(void **state)
{
    (void)state;
    char *csv = csv5();
    fx *f;
    int rc = fx_make_csv(&f, csv, "sigma = 5.0;", ROUTE5 " ); };", 4, 1);
    free(csv);
    if (rc != SANC_OK)
        fail_msg("init failed: %s", f->e.msg);
    world *w = &f->w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    const double *kappa = var(w, "hub_markup");
    double *s0 = malloc(4 * n3 * sizeof *s0);
    assert_non_null(s0);
    memcpy(s0, w->route_share_new, 4 * n3 * sizeof *s0);
    for (int t = 1; t < 4; t++) {
        fx_step(f, t);
        for (int h = 0; h < 4; h++)
            assert_true(kappa[h] == hubs5[h].markup);
        for (size_t c = 0; c < n3; c++)
            assert_true(w->route_logM[c] == 0.0);
        assert_memory_equal(w->route_share_new, s0, 4 * n3 * sizeof *s0);
    }
    free(s0);
    check_routes5(f, 4, 3, 0);
    fx_free(f);
}

static void test_config_errors(void **state)
{
    (void)state;
    static const struct {
        const char *block, *msg;
    } cases[] = {
        {"routing = { dispersion = 0.0; };", "routing.dispersion: must be > 0"},
        {"routing = { detection = -1.0; };", "routing.detection: must be >= 0"},
        {"routing = { bogus = 1; };", "routing.bogus: unknown setting"},
        {"routing = { hubs = ( { name = \"H\"; via = \"ZZZ\"; markup = 1.0; } ); };", "unknown country code"},
        {"routing = { hubs = ( { name = \"H\"; via = \"CCC\"; markup = 0.0; } ); };", "markup: must be > 0"},
        {"routing = { hubs = ( { name = \"H\"; via = \"CCC\"; } ); };", "markup: missing required setting"},
        {"routing = { hubs = ( { name = \"H\"; via = \"CCC\"; markup = 1.0; capacity = -5.0; } ); };",
         "capacity: must be > 0"},
        {"routing = { hubs = ( { name = \"H\"; via = \"CCC\"; markup = 1.0; congestion = 0.0; } ); };",
         "congestion: must be > 0"},
        {"routing = { hubs = ( { name = \"H\"; via = \"CCC\"; markup = 1.0; start = 9; } ); };", "start"},
        {"routing = { hubs = ( { name = \"H\"; via = \"CCC\"; markup = 1.0; sectors = [\"x\"]; } ); };",
         "unknown sector"},
        {"routing = { hubs = ( { name = \"H\"; via = \"CCC\"; markup = 1.0; }, "
         "{ name = \"H\"; via = \"AAA\"; markup = 1.0; } ); };",
         "duplicate hub name"},
        {"routing = { hubs = ( { name = \"H\"; via = \"CCC\"; markup = 1.0; evasion_only = 1; } ); };",
         "evasion_only"},
    };
    for (size_t q = 0; q < sizeof cases / sizeof cases[0]; q++) {
        fx *f;
        int rc = fx_make(&f, NULL, cases[q].block, 3, 1);
        if (rc != SANC_ECONFIG)
            fail_msg("case %zu: expected a config error, got %d (%s)", q, rc, f->e.msg);
        if (strstr(f->e.msg, cases[q].msg) == NULL || strstr(f->e.msg, "s.cfg:") == NULL)
            fail_msg("case %zu: message '%s' lacks '%s' or FILE:LINE", q, f->e.msg, cases[q].msg);
        fx_free(f);
    }
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_hubs_identity),  cmocka_unit_test(test_two_routes_closed_form),
        cmocka_unit_test(test_closed_direct_route), cmocka_unit_test(test_evasion_only),
        cmocka_unit_test(test_capacity_equation), cmocka_unit_test(test_capacity_two_hubs),
        cmocka_unit_test(test_no_cobweb),         cmocka_unit_test(test_vintages),
        cmocka_unit_test(test_hub_window),        cmocka_unit_test(test_noise_ar1),
        cmocka_unit_test(test_baseline_reproduced), cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_many_cells_match_definition), cmocka_unit_test(test_many_cells_baseline_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
