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
#include "harness.h"

#define A 0
#define B 1
#define C 2

static const char *const trade_csv = "exporter,importer,value\n"
                                     "AAA,AAA,100\nAAA,BBB,20\nAAA,CCC,10\n"
                                     "BBB,AAA,15\nBBB,BBB,80\nBBB,CCC,5\n"
                                     "CCC,AAA,8\nCCC,BBB,6\nCCC,CCC,50\n";

/* A loaded scenario, its world and the modules routing -> gravity -> metrics
 * (the common harness), with a hand-set sanctions view. */
typedef struct fx {
    harness H;
    /* the sanctions view routing reads, set by hand (no sanctions module) */
    double *slf, *se, *slg; /* trade factor F, trade enforcement, secondary factor G (logs) */
    sanctions_view sv;
} fx;

/* the routing module's route shares (writable here to stage vintages) */
#define RSN(f) ((double *)(f)->H.views.routing->share_new)
#define RS(f) ((double *)(f)->H.views.routing->share)

static void fx_free(fx *f)
{
    harness_close(&f->H);
    free(f->slf);
    free(f->se);
    free(f->slg);
    free(f);
}

/* Load a scenario with the given trade data (NULL: the 3-country table),
 * trade and routing blocks; init the modules (all three unless
 * routing_only; routing_only = 2: the sanctions module and routing, the
 * sanctions read from the scenario instead of the hand-set view).  Returns
 * the init code; *out always set. */
static int fx_make_csv(fx **out, const char *csv, const char *trade_block, const char *routing_block, int periods,
                       int routing_only)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *out = f;
    harness_init(&f->H, "routing");
    harness_write(&f->H, "trade.csv", csv ? csv : trade_csv);
    char text[8192];
    snprintf(text, sizeof text,
             "scenario = { name = \"r\"; start = \"2022-01\"; step = \"month\"; periods = %d; seed = 7; };\n"
             "data = { trade = \"trade.csv\"; units = \"USD million\"; };\n"
             "trade = { %s };\n"
             "%s\n",
             periods, trade_block ? trade_block : "sigma = 5.0;", routing_block ? routing_block : "");
    int rc = harness_load(&f->H, text, NULL, 0, -1);
    if (rc != SANC_OK)
        return rc;
    const char *names[] = {"routing", "gravity", "metrics"};
    const char *with_sanctions[] = {"sanctions", "routing"}; /* the real sanctions module in front of routing */
    if (routing_only == 2)
        return harness_pipeline(&f->H, with_sanctions, 2);
    /* the world first, so that the hand-set view can be sized, then the modules */
    size_t n3 = (size_t)f->H.sc.nc * f->H.sc.nc * f->H.sc.ns;
    f->slf = calloc(n3, sizeof *f->slf);
    f->se = calloc(n3, sizeof *f->se);
    f->slg = calloc(n3, sizeof *f->slg);
    assert_true(f->slf != NULL && f->se != NULL && f->slg != NULL);
    f->sv = (sanctions_view){.n = 0, .logF = f->slf, .enf = f->se, .logG = f->slg};
    f->H.views.sanctions = &f->sv;
    return harness_pipeline(&f->H, names, routing_only ? 1 : 3);
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
        fail_msg("init failed: %s", f->H.e.msg);
    return f;
}

#define fx_step(f, t) harness_step(&(f)->H, (t))

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

/* relative to max(1, |want|) */
#define assert_near(got, want, rtol) assert_close((got), (want), (rtol) * fmax(1.0, fabs((double)(want))))

/* ---- tests ------------------------------------------------------------- */

static void test_no_hubs_identity(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL, NULL, 3, 1);
    world *w = &f->H.w;
    assert_int_equal(f->H.views.routing->nhubs, 0);
    assert_int_equal(w->out.dim_n[DIM_HUB], 0);
    assert_null(var(w, "hub_markup"));
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (size_t c = 0; c < n3; c++)
        f->slf[c] = 0.1 * (double)c - 0.3;
    f->slf[cell(w, A, B)] = INFINITY;
    f->se[cell(w, A, B)] = 1.0;
    fx_step(f, 1);
    for (size_t c = 0; c < n3; c++)
        assert_true(w->route_logM[c] == f->slf[c]);
    fx_free(f);
}

#define ROUTE_AB "routing = { dispersion = 4.0; detection = 0.3; hubs = ( { name = \"H\"; via = \"CCC\"; " \
                 "markup = 1.5; origins = [\"AAA\"]; destinations = [\"BBB\"]; } ); };"

static void test_two_routes_closed_form(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL, ROUTE_AB, 3, 1);
    world *w = &f->H.w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    assert_int_equal(f->H.views.routing->nhubs, 1);
    assert_int_equal(f->H.views.routing->hub_via[0], C);
    assert_string_equal(w->out.dim_labels[DIM_HUB][0], "H");
    double d = 4.0;
    double w0 = pow(1.5, -d) / (1.0 + pow(1.5, -d));
    /* period 0: baseline shares, no wedge */
    assert_near(RSN(f)[cell(w, A, B)], w0, 1e-14);
    assert_near(RS(f)[cell(w, A, B)], w0, 1e-14);
    assert_true(RSN(f)[cell(w, B, A)] == 0.0);
    for (size_t c = 0; c < n3; c++)
        assert_true(w->route_logM[c] == 0.0);

    /* m0 = 2, m1 = 1.5 */
    f->slf[cell(w, A, B)] = log(2.0);
    f->slf[cell(w, B, A)] = log(3.0);
    fx_step(f, 1);
    double s = pow(2.0, -d) + pow(1.5, -d);
    double M = pow(s, -1.0 / d), M0 = pow(1.0 + pow(1.5, -d), -1.0 / d);
    assert_near(RSN(f)[cell(w, A, B)], pow(1.5, -d) / s, 1e-14);
    assert_near(w->route_logM[cell(w, A, B)], log(M / M0), 1e-14);
    /* not admitted (origin filter): the sanction wedge exactly */
    assert_true(w->route_logM[cell(w, B, A)] == log(3.0));
    assert_true(RSN(f)[cell(w, B, A)] == 0.0);

    /* detection: m1 = 1.5 (1 + 0.3 e), and a leg sanctioned: x F_AC */
    f->se[cell(w, A, B)] = 0.5;
    f->slf[cell(w, A, C)] = log(1.1);
    fx_step(f, 2);
    double m1 = 1.5 * 1.1 * (1.0 + 0.3 * 0.5);
    s = pow(2.0, -d) + pow(m1, -d);
    assert_near(RSN(f)[cell(w, A, B)], pow(m1, -d) / s, 1e-14);
    assert_near(w->route_logM[cell(w, A, B)], log(pow(s, -1.0 / d) / M0), 1e-14);
    fx_free(f);
}

static void test_closed_direct_route(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL, ROUTE_AB, 3, 1);
    world *w = &f->H.w;
    double d = 4.0, M0 = pow(1.0 + pow(1.5, -d), -1.0 / d);
    f->slf[cell(w, A, B)] = INFINITY;
    fx_step(f, 1);
    assert_true(RSN(f)[cell(w, A, B)] == 1.0);
    assert_near(w->route_logM[cell(w, A, B)], log(1.5 / M0), 1e-14);
    /* every route closed: infinite wedge, no shares, no NaN */
    f->slf[cell(w, C, B)] = INFINITY;
    fx_step(f, 2);
    assert_true(w->route_logM[cell(w, A, B)] == INFINITY);
    assert_true(RSN(f)[cell(w, A, B)] == 0.0);
    /* a huge but finite wedge stays finite (log-sum-exp, no underflow to 0/0) */
    f->slf[cell(w, C, B)] = 0.0;
    f->slf[cell(w, A, B)] = 1e6;
    fx_step(f, 3);
    assert_true(RSN(f)[cell(w, A, B)] == 1.0);
    assert_near(w->route_logM[cell(w, A, B)], log(1.5 / M0), 1e-12);
    fx_free(f);
}

static void test_evasion_only(void **state)
{
    (void)state;
    fx *f = fx_ok(NULL,
                  "routing = { dispersion = 4.0; hubs = ( { name = \"E\"; via = \"CCC\"; markup = 1.2; "
                  "evasion_only = true; } ); };",
                  3, 1);
    world *w = &f->H.w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (size_t c = 0; c < n3; c++)
        assert_true(RSN(f)[c] == 0.0);
    f->slf[cell(w, A, B)] = log(2.0);
    fx_step(f, 1);
    double d = 4.0, s = pow(2.0, -d) + pow(1.2, -d);
    /* M(0) = 1: the hub is not in the baseline (no sanctioned cells then) */
    assert_near(RSN(f)[cell(w, A, B)], pow(1.2, -d) / s, 1e-14);
    assert_near(w->route_logM[cell(w, A, B)], -log(s) / d, 1e-14);
    assert_true(RSN(f)[cell(w, B, A)] == 0.0);
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
    world *w = &f->H.w;
    const double *kappa = var(w, "hub_markup");
    assert_non_null(kappa);
    assert_true(kappa[0] == 1.5);
    double d = 4.0, mk = 1.5, X = 20.0;
    double V0 = share_of(0, &mk, 1, 1.0, d) * X;

    /* routing alone (X still holds period 0's flows), then metrics */
    f->slf[cell(w, A, B)] = log(2.0);
    world_begin_period(&f->H.w, 1);
    assert_int_equal(f->H.m[0].ops->step(&f->H.m[0], w, 1, &f->H.e), SANC_OK);
    double k = kappa[0];
    double V = share_of(0, &k, 1, 2.0, d) * X;
    double rhs = mk * (1.0 + pow(fmax(0.0, V - V0) / 5.0, 2.0));
    assert_true(k > mk);
    assert_near(k, rhs, 1e-12);
    assert_near(RSN(f)[cell(w, A, B)], share_of(0, &k, 1, 2.0, d), 1e-13);
    /* transit at these shares: finite and below the uncongested level */
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    memcpy(RS(f), RSN(f), n3 * sizeof *RS(f));
    assert_int_equal(f->H.m[2].ops->step(&f->H.m[2], w, 1, &f->H.e), SANC_OK);
    const double *transit = var(w, "transit");
    assert_non_null(transit);
    assert_true(isfinite(transit[0]));
    assert_near(transit[0], V, 1e-12);
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
    world *w = &f->H.w;
    const double *kappa = var(w, "hub_markup");
    double d = 6.0, mk[2] = {1.2, 1.4}, cap[2] = {2.0, 3.0}, cong[2] = {1.0, 1.5}, X = 20.0;
    f->slf[cell(w, A, B)] = log(2.5);
    fx_step(f, 1);
    for (int h = 0; h < 2; h++) {
        double V0 = share_of(h, mk, 2, 1.0, d) * X;
        double V = share_of(h, kappa, 2, 2.5, d) * X;
        assert_true(kappa[h] > mk[h]);
        assert_near(kappa[h], mk[h] * (1.0 + pow(fmax(0.0, V - V0) / cap[h], cong[h])), 1e-10);
        assert_near(RSN(f)[h * (size_t)9 + cell(w, A, B)], share_of(h, kappa, 2, 2.5, d), 1e-13);
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
    world *w = &f->H.w;
    const double *kappa = var(w, "hub_markup");
    double path[T];
    path[0] = kappa[0];
    for (int t = 1; t < T; t++) {
        /* what a sanctions module would write: a tariff-like wedge on A->B both ways */
        f->slf[cell(w, A, B)] = log(1.6);
        f->slf[cell(w, B, A)] = log(1.6);
        fx_step(f, t);
        path[t] = kappa[0];
        assert_true(isfinite(path[t]));
        double sh = RS(f)[cell(w, A, B)];
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
    world *w = &f->H.w;
    double d = 4.0, sigma = 5.0, lam = 0.5;
    double w0 = pow(1.5, -d) / (1.0 + pow(1.5, -d));
    double s = pow(2.0, -d) + pow(1.5, -d);
    double wn = pow(1.5, -d) / s;
    double M0 = pow(1.0 + pow(1.5, -d), -1.0 / d), M = pow(s, -1.0 / d);
    double phistar = pow(M / M0, 1.0 - sigma);
    double phi1 = (1.0 - lam) * 1.0 + lam * phistar;
    double want = ((1.0 - lam) * 1.0 * w0 + lam * phistar * wn) / phi1;

    f->slf[cell(w, A, B)] = log(2.0);
    fx_step(f, 1);
    assert_near(w->phi[cell(w, A, B)], phi1, 1e-13);
    assert_near(RS(f)[cell(w, A, B)], want, 1e-13);
    assert_true(RS(f)[cell(w, A, B)] < wn); /* old flows keep the old mix */
    assert_true(RS(f)[cell(w, A, B)] > w0);
    const double *transit = var(w, "transit");
    assert_near(transit[0], want * w->X[cell(w, A, B)], 1e-13);

    /* second period, same target: the vintage recursion once more */
    double rs1 = RS(f)[cell(w, A, B)];
    double phi2 = (1.0 - lam) * phi1 + lam * phistar;
    fx_step(f, 2);
    assert_near(RS(f)[cell(w, A, B)], ((1.0 - lam) * phi1 * rs1 + lam * phistar * wn) / phi2, 1e-13);
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
    world *w = &f->H.w;
    double d = 4.0;
    fx_step(f, 1);
    assert_true(w->route_logM[cell(w, A, B)] == 0.0);
    assert_true(RS(f)[cell(w, A, B)] == 0.0);
    fx_step(f, 2);
    /* a new corridor lowers M below the baseline's (no hub then) */
    assert_near(w->route_logM[cell(w, A, B)], -log(1.0 + pow(1.1, -d)) / d, 1e-14);
    assert_near(RS(f)[cell(w, A, B)], pow(1.1, -d) / (1.0 + pow(1.1, -d)), 1e-14);
    assert_near(RS(f)[cell(w, B, A)], pow(1.1, -d) / (1.0 + pow(1.1, -d)), 1e-14);
    assert_true(RS(f)[cell(w, A, C)] == 0.0); /* the via country's own trade */
    fx_step(f, 3); /* end is exclusive */
    assert_true(w->route_logM[cell(w, A, B)] == 0.0);
    assert_true(RS(f)[cell(w, A, B)] == 0.0);
    fx_free(f);
}

static void test_noise_ar1(void **state)
{
    (void)state;
    fx *f = fx_ok("sigma = 5.0; noise = { sd = 0.2; rho = 0.6; };", NULL, 4, 0);
    world *w = &f->H.w;
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
                assert_near(w->noise_logphi[W2(w, i, j)], 0.2 * z[i * nc + j] - 0.02, 1e-14);
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
    world *w = &f->H.w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    const double *kappa = var(w, "hub_markup");
    double *rs0 = malloc(2 * n3 * sizeof *rs0);
    assert_non_null(rs0);
    memcpy(rs0, RS(f), 2 * n3 * sizeof *rs0);
    for (int t = 1; t < 6; t++) {
        fx_step(f, t);
        assert_true(kappa[0] == 1.3);
        assert_true(kappa[1] == 1.1);
        for (size_t c = 0; c < n3; c++) {
            assert_true(w->route_logM[c] == 0.0);
            assert_near(w->X[c], w->X0[c], 1e-12);
        }
        for (size_t c = 0; c < 2 * n3; c++)
            assert_near(RS(f)[c], rs0[c], 1e-14);
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
 * definition (DESIGN 3a): m_0 = F, m_h = kappa_h F_iv F_vj (1 + detection e)
 * times G_iv G_vj for an evasion-only hub, shares m^-delta / sum m^-delta,
 * log M = log G - log(sum m^-delta) / delta (log G + log F when no hub serves
 * the cell), all in log-sum-exp form. */
static void routes_def(const fx *f, const thub *H, int nh, int t, const double *kappa, int baseline,
                       double delta, double det, double *share, double *logM)
{
    const world *w = &f->H.w;
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
                double lf = baseline ? 0.0 : f->slf[c], e = baseline ? 0.0 : f->se[c];
                double lw[8];
                int open = 0;
                lw[0] = lf == INFINITY ? -INFINITY : -delta * lf;
                for (int h = 0; h < nh; h++) {
                    lw[1 + h] = -INFINITY;
                    int v = scenario_country_index(&f->H.sc, H[h].via);
                    int adm = t >= H[h].start && v != i && v != j && (!H[h].evasion || lf > 0.0);
                    if (H[h].orig[0] != NULL)
                        adm &= i == scenario_country_index(&f->H.sc, H[h].orig[0]) ||
                               i == scenario_country_index(&f->H.sc, H[h].orig[1]);
                    if (H[h].sect != NULL)
                        adm &= k == scenario_sector_index(&f->H.sc, H[h].sect);
                    if (!adm)
                        continue;
                    double l1 = baseline ? 0.0 : f->slf[W3(w, i, v, k)];
                    double l2 = baseline ? 0.0 : f->slf[W3(w, v, j, k)];
                    if (H[h].evasion && !baseline) { /* re-exporters are parties to the sale */
                        l1 += f->slg[W3(w, i, v, k)];
                        l2 += f->slg[W3(w, v, j, k)];
                    }
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
                logM[c] = (baseline ? 0.0 : f->slg[c]) + (open ? -(mx + log(sum)) / delta : lf);
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
    world *w = &f->H.w;
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
        assert_near(kappa[h], want, 1e-11);
        if (expect_congested && !(kappa[h] > hubs5[h].markup * (1.0 + 1e-6)))
            fail_msg("hub %d not congested: V %g, V0 %g, kappa %g", h, V, V0, kappa[h]);
    }
    for (size_t c = 0; c < n3; c++) {
        if (lm[c] == INFINITY)
            assert_true(w->route_logM[c] == INFINITY);
        else if (fabs(w->route_logM[c] - (lm[c] - lm0[c])) > 1e-13 * fmax(1.0, fabs(lm[c])))
            fail_msg("cell %zu: log M(t)/M(0) %.17g, want %.17g", c, w->route_logM[c], lm[c] - lm0[c]);
        for (int h = 0; h < nh; h++) {
            double got = RSN(f)[h * n3 + c], want = sh[h * n3 + c];
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
        fail_msg("init failed: %s", f->H.e.msg);
    world *w = &f->H.w;
    assert_int_equal(f->H.views.routing->nhubs, 5);
    assert_int_equal(w->ns, 2);
    int ca = scenario_country_index(&f->H.sc, "AAA"), cb = scenario_country_index(&f->H.sc, "BBB");
    int cc = scenario_country_index(&f->H.sc, "CCC"), cd = scenario_country_index(&f->H.sc, "DDD");
    int ce = scenario_country_index(&f->H.sc, "EEE");
    int s1 = scenario_sector_index(&f->H.sc, "s1"), s2 = scenario_sector_index(&f->H.sc, "s2");
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
        f->slf[W3(w, sanc[q].i, sanc[q].j, sanc[q].k)] = sanc[q].lf;
        f->se[W3(w, sanc[q].i, sanc[q].j, sanc[q].k)] = sanc[q].e;
    }
    /* secondary factors: on direct cells (with and without a trade
     * measure, served by hubs or not) and on the legs of the evasion hub E
     * (via EEE) and of corridors */
    struct {
        int i, j, k;
        double lg;
    } sec[] = {
        {ca, cb, s1, log(1.2)}, {cc, cb, s1, log(1.1)}, {ca, ce, s1, log(1.5)}, {ce, cb, s1, log(1.4)},
        {cd, cb, s2, log(1.05)}, {ca, cd, s1, log(1.3)}, {cb, cd, s2, 0.2},
    };
    for (size_t q = 0; q < sizeof sec / sizeof sec[0]; q++)
        f->slg[W3(w, sec[q].i, sec[q].j, sec[q].k)] = sec[q].lg;
    fx_step(f, 1);
    check_routes5(f, 5, 1, 1);
    /* the evasion hub serves only sanctioned cells */
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    assert_true(RSN(f)[2 * n3 + W3(w, ca, cb, s1)] > 0.0);
    assert_true(RSN(f)[2 * n3 + W3(w, ca, cc, s1)] == 0.0);
    /* huge wedges on every route (log-sum-exp path): finite shares */
    assert_true(RSN(f)[W3(w, ce, cb, s2)] > 0.0);

    size_t nsz = n3 * sizeof(double);
    memset(f->slf, 0, nsz);
    memset(f->se, 0, nsz);
    memset(f->slg, 0, nsz);
    fx_step(f, 2);
    check_routes5(f, 5, 2, 0);
    assert_true(RSN(f)[2 * n3 + W3(w, ca, cb, s1)] == 0.0);
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
        fail_msg("init failed: %s", f->H.e.msg);
    world *w = &f->H.w;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    const double *kappa = var(w, "hub_markup");
    double *s0 = malloc(4 * n3 * sizeof *s0);
    assert_non_null(s0);
    memcpy(s0, RSN(f), 4 * n3 * sizeof *s0);
    for (int t = 1; t < 4; t++) {
        fx_step(f, t);
        for (int h = 0; h < 4; h++)
            assert_true(kappa[h] == hubs5[h].markup);
        for (size_t c = 0; c < n3; c++)
            assert_true(w->route_logM[c] == 0.0);
        assert_memory_equal(RSN(f), s0, 4 * n3 * sizeof *s0);
    }
    free(s0);
    check_routes5(f, 4, 3, 0);
    fx_free(f);
}

/* DESIGN 3a with the real sanctions module in front of routing: AAA, BBB,
 * CCC of the 3-country table, a corridor via CCC for AAA -> BBB (markup 1.1,
 * detection 0.4, dispersion 8).  The secondary measure (senders CCC, target
 * BBB, penalty 0.5, e 1) makes AAA, a third country, pay G = 1 + 0.5 w_AS on
 * its trade with BBB, w_AS = AAA's two-way trade with CCC over all of its
 * cross-border trade = (10 + 8) / (20 + 10 + 15 + 8) = 18/53. */
#define SEC_ROUTING                                                                                        \
    "routing = { dispersion = 8.0; detection = 0.4; hubs = ( { name = \"corridor\"; via = \"CCC\"; "          \
    "markup = 1.1; origins = [\"AAA\"]; destinations = [\"BBB\"]; } ); };\n"
#define SEC_MEASURE                                                                                        \
    "{ name = \"sec\"; type = \"secondary\"; senders = \"CCC\"; targets = \"BBB\"; penalty = 0.5; start = 1; }"

static fx *fx_sanctions(const char *routing, const char *sanctions)
{
    char block[2048];
    snprintf(block, sizeof block, "%s\nsanctions = ( %s );\n", routing, sanctions);
    fx *f;
    if (fx_make(&f, NULL, block, 3, 2) != SANC_OK)
        fail_msg("init failed: %s", f->H.e.msg);
    return f;
}

/* A secondary measure alone: the penalty falls on AAA and BBB's trade
 * whatever the route, so the corridor does not help.  Route shares stay at
 * the baseline's and the wedge is exactly G on the pair (before revision 2
 * the direct route alone paid G and the detection term charged the hub). */
static void test_secondary_same_on_every_route(void **state)
{
    (void)state;
    fx *f = fx_sanctions(SEC_ROUTING, SEC_MEASURE);
    world *w = &f->H.w;
    double d = 8.0, G = 1.0 + 0.5 * 18.0 / 53.0, w0 = pow(1.1, -d) / (1.0 + pow(1.1, -d));
    assert_near(RSN(f)[cell(w, A, B)], w0, 1e-14);
    fx_step(f, 1);
    assert_near(f->H.views.sanctions->logG[cell(w, A, B)], log(G), 1e-15);
    assert_true(f->H.views.sanctions->logF[cell(w, A, B)] == 0.0);
    assert_true(f->H.views.sanctions->enf[cell(w, A, B)] == 0.0); /* no detection risk from a secondary measure */
    assert_near(RSN(f)[cell(w, A, B)], w0, 1e-14);             /* the hub gains no share */
    assert_near(w->route_logM[cell(w, A, B)], log(G), 1e-14);  /* direct or via the hub: G */
    assert_near(w->route_logM[cell(w, B, A)], log(G), 1e-14);  /* both directions, no hub */
    assert_true(w->route_logM[cell(w, C, B)] == 0.0);           /* CCC is the sender */
    fx_free(f);
}

/* A trade measure (AAA -> BBB exports, intensity 1, enforcement 0.5: F =
 * 1.5, e = 0.5) and the secondary measure at enforcement 1 on the same
 * cell: the detection premium uses the trade measure's 0.5, not the
 * secondary measure's 1, and G multiplies the pair's aggregate:
 *   m_0 = 1.5, m_hub = 1.1 (1 + 0.4 x 0.5) = 1.32,
 *   M(t)/M(0) = G (1.5^-8 + 1.32^-8)^(-1/8) / (1 + 1.1^-8)^(-1/8). */
static void test_detection_ignores_secondary(void **state)
{
    (void)state;
    fx *f = fx_sanctions(SEC_ROUTING, SEC_MEASURE ", { name = \"ctl\"; type = \"trade\"; senders = \"AAA\"; "
                                     "targets = \"BBB\"; direction = \"export\"; intensity = 1.0; "
                                     "enforcement = 0.5; start = 1; }");
    world *w = &f->H.w;
    double d = 8.0, G = 1.0 + 0.5 * 18.0 / 53.0, m0 = 1.5, mh = 1.1 * 1.2;
    fx_step(f, 1);
    assert_near(f->H.views.sanctions->enf[cell(w, A, B)], 0.5, 1e-15);
    double s = pow(m0, -d) + pow(mh, -d);
    assert_near(RSN(f)[cell(w, A, B)], pow(mh, -d) / s, 1e-13);
    double want = log(G) - log(s) / d - (-log(1.0 + pow(1.1, -d)) / d);
    assert_near(w->route_logM[cell(w, A, B)], want, 1e-13);
    fx_free(f);
}

/* An evasion-only hub admits a cell by its trade-measure factor: with the
 * secondary measure alone (F = 1) it carries nothing. */
static void test_evasion_hub_needs_trade_measure(void **state)
{
    (void)state;
    fx *f = fx_sanctions("routing = { dispersion = 8.0; hubs = ( { name = \"E\"; via = \"CCC\"; markup = 1.1; "
                         "evasion_only = true; } ); };",
                         SEC_MEASURE);
    world *w = &f->H.w;
    fx_step(f, 1);
    assert_true(RSN(f)[cell(w, A, B)] == 0.0);
    assert_near(w->route_logM[cell(w, A, B)], log(1.0 + 0.5 * 18.0 / 53.0), 1e-15);
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
            fail_msg("case %zu: expected a config error, got %d (%s)", q, rc, f->H.e.msg);
        if (strstr(f->H.e.msg, cases[q].msg) == NULL || strstr(f->H.e.msg, "x.cfg:") == NULL)
            fail_msg("case %zu: message '%s' lacks '%s' or FILE:LINE", q, f->H.e.msg, cases[q].msg);
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
        cmocka_unit_test(test_secondary_same_on_every_route), cmocka_unit_test(test_detection_ignores_secondary),
        cmocka_unit_test(test_evasion_hub_needs_trade_measure),
        cmocka_unit_test(test_many_cells_match_definition), cmocka_unit_test(test_many_cells_baseline_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
