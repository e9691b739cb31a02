/*
 * test_metrics.c - unit tests of models/metrics.c on worlds built by hand
 * (harness_world: fields zeroed, flows, route shares and sanction cover filled in), so
 * every expected value is a hand computation or an accounting identity:
 *   customs exports of i  = exports of i + transit through hubs located in i
 *   customs imports of j  = imports of j + transit through hubs located in j
 *   total customs         = total cross-border trade + total transit
 *   dependence rows sum to 1 for importers with imports, 0 rows otherwise
 *   power_balance antisymmetric
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "model.h"
#include "world.h"
#include "harness.h"

/* A world of nc countries built by hand (harness_world), with optional
 * hubs and sanctions: the routing and sanctions views metrics reads are
 * the test's own. */
typedef struct hw {
    harness h;
    world *w;
    double *X0;                /* the hand-built world's baseline */
    int *hub_via;
    double *share, *share_new; /* route shares, nhubs * n3 */
    unsigned char *cover;      /* nsanc * n3 */
    routing_view rv;
    sanctions_view sv;
} hw;

static hw *hw_new(int nc, int ns, int nhubs, int nsanc)
{
    hw *h = calloc(1, sizeof *h);
    assert_non_null(h);
    harness_init(&h->h, "metrics");
    harness_world(&h->h, nc, ns, 2);
    h->w = &h->h.w;
    h->X0 = h->w->X0_own;
    size_t n3 = (size_t)nc * nc * ns;
    if (nhubs > 0) {
        h->hub_via = calloc((size_t)nhubs, sizeof *h->hub_via);
        h->share = calloc((size_t)nhubs * n3, sizeof *h->share);
        h->share_new = calloc((size_t)nhubs * n3, sizeof *h->share_new);
    }
    h->rv = (routing_view){.nhubs = nhubs, .hub_via = h->hub_via, .share = h->share, .share_new = h->share_new};
    if (nsanc > 0)
        h->cover = calloc((size_t)nsanc * n3, 1);
    h->sv = (sanctions_view){.n = nsanc, .cover = h->cover};
    h->h.views.routing = &h->rv;
    h->h.views.sanctions = &h->sv;
    h->w->out.dim_n[DIM_HUB] = nhubs;
    h->w->out.dim_n[DIM_SANCTION] = nsanc;
    return h;
}

/* metrics alone, on its defaults (a hand-built world has no scenario) */
static int hw_init(hw *h)
{
    static const char *const mods[] = {"metrics"};
    return harness_pipeline(&h->h, mods, 1);
}

static void hw_step(hw *h)
{
    harness_step(&h->h, 1);
}

static void hw_free(hw *h)
{
    harness_close(&h->h);
    free(h->hub_via);
    free(h->share);
    free(h->share_new);
    free(h->cover);
    free(h);
}

static const double *var(const hw *h, const char *name)
{
    return harness_find_var(&h->h, name);
}

/* relative to max(1, |want|) */
#define assert_near(got, want, tol) assert_close((got), (want), (tol) * fmax(1.0, fabs((double)(want))))

/* Three countries, flows A->B 100 (30% via hub in C), B->A 40, A->C 10,
 * C->B 5, domestic sales on the diagonal. */
static hw *three(void)
{
    hw *h = hw_new(3, 1, 1, 0);
    world *w = h->w;
    double x[3][3] = {{500, 100, 10}, {40, 300, 0}, {0, 5, 200}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            h->X0[W3(w, i, j, 0)] = w->X[W3(w, i, j, 0)] = x[i][j];
    h->hub_via[0] = 2;
    h->share[W3(w, 0, 1, 0)] = 0.3;
    return h;
}

static void test_customs_hand(void **state)
{
    (void)state;
    hw *h = three();
    assert_int_equal(hw_init(h), SANC_OK);
    const world *w = h->w;
    const double *cu = var(h, "customs_flows"), *tr = var(h, "transit");
    assert_non_null(cu);
    assert_non_null(tr);
    assert_near(tr[0], 30.0, 1e-15);
    double want[3][3] = {{0, 70, 10 + 30}, {40, 0, 0}, {0, 5 + 30, 0}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            assert_near(cu[W2(w, i, j)], want[i][j], 1e-15);
    hw_free(h);
}

/* Several hubs and sectors with arbitrary shares: the accounting identities. */
static void test_customs_identities(void **state)
{
    (void)state;
    int nc = 4, ns = 2;
    hw *h = hw_new(nc, ns, 3, 0);
    world *w = h->w;
    size_t n3 = (size_t)nc * nc * ns;
    for (size_t c = 0; c < n3; c++)
        w->X[c] = h->X0[c] = 1.0 + (double)((c * 37) % 11);
    int via[3] = {1, 3, 1};
    for (int q = 0; q < 3; q++)
        h->hub_via[q] = via[q];
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                for (int q = 0; q < 3; q++)
                    if (i != j && via[q] != i && via[q] != j)
                        h->share[q * n3 + c] = 0.1 * (q + 1) * (double)((i + 2 * j + k) % 3) / 2.0;
            }
    assert_int_equal(hw_init(h), SANC_OK);
    const double *cu = var(h, "customs_flows"), *tr = var(h, "transit");
    double ex[4] = {0}, im[4] = {0}, total = 0.0, ttot = 0.0, ctot = 0.0;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++)
                if (i != j) {
                    ex[i] += w->X[W3(w, i, j, k)];
                    im[j] += w->X[W3(w, i, j, k)];
                    total += w->X[W3(w, i, j, k)];
                }
    for (int q = 0; q < 3; q++)
        ttot += tr[q];
    for (int i = 0; i < nc; i++) {
        double cex = 0.0, cim = 0.0, hub = 0.0;
        for (int j = 0; j < nc; j++) {
            cex += cu[W2(w, i, j)];
            cim += cu[W2(w, j, i)];
            ctot += cu[W2(w, i, j)];
        }
        for (int q = 0; q < 3; q++)
            if (via[q] == i)
                hub += tr[q];
        assert_true(cu[W2(w, i, i)] == 0.0);
        assert_near(cex, ex[i] + hub, 1e-13);
        assert_near(cim, im[i] + hub, 1e-13);
    }
    assert_true(ttot > 0.0);
    assert_near(ctot, total + ttot, 1e-13);
    hw_free(h);
}

static void test_dependence(void **state)
{
    (void)state;
    hw *h = three();
    assert_int_equal(hw_init(h), SANC_OK);
    const world *w = h->w;
    const double *D = var(h, "dependence"), *XD = var(h, "export_dependence"), *P = var(h, "power_balance");
    assert_non_null(D);
    assert_non_null(XD);
    assert_non_null(P);
    /* importer-first: D[j][i] = imports of j from i / imports of j (true origin) */
    assert_near(D[W2(w, 1, 0)], 100.0 / 105.0, 1e-15); /* B's imports from A */
    assert_near(D[W2(w, 1, 2)], 5.0 / 105.0, 1e-15);
    assert_near(D[W2(w, 0, 1)], 1.0, 1e-15);         /* A imports only from B */
    assert_near(D[W2(w, 2, 0)], 1.0, 1e-15);         /* C imports only from A */
    assert_near(XD[W2(w, 0, 1)], 100.0 / 110.0, 1e-15);
    assert_near(XD[W2(w, 2, 1)], 1.0, 1e-15);
    assert_near(XD[W2(w, 1, 2)], 0.0, 1e-15);
    for (int a = 0; a < 3; a++) {
        double s = 0.0, sx = 0.0;
        for (int b = 0; b < 3; b++) {
            s += D[W2(w, a, b)];
            sx += XD[W2(w, a, b)];
            assert_true(P[W2(w, a, b)] == -P[W2(w, b, a)]);
        }
        assert_near(s, 1.0, 1e-14);
        assert_near(sx, 1.0, 1e-14);
        assert_true(D[W2(w, a, a)] == 0.0);
    }
    /* power_balance[country][partner] = D[country][partner] - D[partner][country] */
    assert_near(P[W2(w, 0, 1)], 1.0 - 100.0 / 105.0, 1e-15);
    assert_near(P[W2(w, 1, 2)], 5.0 / 105.0 - 0.0, 1e-15);
    hw_free(h);
}

static void test_zero_trade(void **state)
{
    (void)state;
    hw *h = hw_new(3, 2, 0, 1); /* autarky, no hubs, one sanction with no baseline value */
    world *w = h->w;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 2; k++)
            h->X0[W3(w, i, i, k)] = w->X[W3(w, i, i, k)] = 10.0;
    h->cover[W3(w, 0, 1, 0)] = 1;
    assert_int_equal(hw_init(h), SANC_OK);
    assert_null(var(h, "transit"));
    const double *D = var(h, "dependence"), *P = var(h, "power_balance"), *XD = var(h, "export_dependence");
    for (int q = 0; q < 9; q++) {
        assert_true(D[q] == 0.0);
        assert_true(XD[q] == 0.0);
        assert_true(P[q] == 0.0);
    }
    assert_true(var(h, "sanction_remaining")[0] == 1.0);
    assert_true(var(h, "sanction_rerouted")[0] == 0.0);
    harness_assert_finite(&h->h);
    hw_free(h);
}

static void test_sanction_metrics(void **state)
{
    (void)state;
    hw *h = hw_new(3, 1, 1, 2);
    world *w = h->w;
    double x0[3][3] = {{500, 100, 10}, {40, 300, 0}, {0, 5, 200}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            h->X0[W3(w, i, j, 0)] = w->X[W3(w, i, j, 0)] = x0[i][j];
    h->hub_via[0] = 2;
    h->share[W3(w, 0, 1, 0)] = 0.1; /* baseline hub traffic on A->B */
    /* measure 0 covers A->B and B->A; measure 1 covers only A->C */
    h->cover[W3(w, 0, 1, 0)] = 1;
    h->cover[W3(w, 1, 0, 0)] = 1;
    h->cover[3 * 3 + W3(w, 0, 2, 0)] = 1;
    assert_int_equal(hw_init(h), SANC_OK);
    const double *rem = var(h, "sanction_remaining"), *rer = var(h, "sanction_rerouted");
    assert_non_null(rem);
    assert_non_null(rer);
    assert_near(rem[0], 1.0, 1e-15);
    assert_near(rer[0], 10.0 / 140.0, 1e-15); /* baseline hub traffic counts */
    /* the period: A->B falls to 60, 70% of it via the hub; B->A to 20; A->C to 0 */
    w->X[W3(w, 0, 1, 0)] = 60.0;
    h->share[W3(w, 0, 1, 0)] = 0.7;
    w->X[W3(w, 1, 0, 0)] = 20.0;
    w->X[W3(w, 0, 2, 0)] = 0.0;
    hw_step(h);
    assert_near(rem[0], 80.0 / 140.0, 1e-15);
    assert_near(rer[0], 42.0 / 140.0, 1e-15);
    assert_near(rem[1], 0.0, 1e-15);
    assert_near(rer[1], 0.0, 1e-15);
    harness_assert_finite(&h->h);
    hw_free(h);
}

/* Settlement shares and payment cost of period t weight the payments view's
 * pair shares by period t's own flows (DESIGN 3a), not the baseline's nor
 * last period's.  Three countries, one system S (cost 0.01) + fallback
 * (0.05).  Pair shares of S: A-B 0.8, A-C 0.2, B-C 0.  Flows now: A->B 30,
 * B->A 10, A->C 5, C->A 15 (baseline: everything 1).  A: two-way 40 with B,
 * 20 with C: S = (40 x 0.8 + 20 x 0.2) / 60 = 0.6, cost 0.6 x 0.01 + 0.4 x
 * 0.05 = 0.026; C: trades only with A: S = 0.2; B-C have no trade; a
 * country without trade settles through the fallback at its cost. */
static void test_settlement_same_period(void **state)
{
    (void)state;
    hw *h = hw_new(4, 1, 0, 0);
    world *w = h->w;
    char *names[] = {"S", "fb"};
    double cost[] = {0.01, 0.05};
    double *share = calloc(4 * 4 * 2, sizeof *share);
    assert_non_null(share);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            share[(i * 4 + j) * 2 + 1] = 1.0;
    double sS[3][3] = {{0, 0.8, 0.2}, {0.8, 0, 0}, {0.2, 0, 0}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            share[(i * 4 + j) * 2 + 0] = sS[i][j];
            share[(i * 4 + j) * 2 + 1] = 1.0 - sS[i][j];
        }
    payments_view pv = {.nsys = 1, .sys_name = names, .sys_cost = cost, .share = share};
    h->h.views.payments = &pv;
    w->out.dim_n[DIM_PAYMENT_SYSTEM] = 2;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            h->X0[W3(w, i, j, 0)] = w->X[W3(w, i, j, 0)] = 1.0;
    assert_int_equal(hw_init(h), SANC_OK);
    const double *st = var(h, "settlement_share"), *pc = var(h, "payment_cost");
    assert_non_null(st);
    assert_non_null(pc);
    assert_near(st[0 * 2 + 0], (2 * 0.8 + 2 * 0.2) / 4.0, 1e-15); /* period 0: baseline flows */
    w->X[W3(w, 0, 1, 0)] = 30.0;
    w->X[W3(w, 1, 0, 0)] = 10.0;
    w->X[W3(w, 0, 2, 0)] = 5.0;
    w->X[W3(w, 2, 0, 0)] = 15.0;
    w->X[W3(w, 1, 2, 0)] = w->X[W3(w, 2, 1, 0)] = 0.0;
    hw_step(h);
    assert_near(st[0 * 2 + 0], 0.6, 1e-15);
    assert_near(st[0 * 2 + 1], 0.4, 1e-15);
    assert_near(pc[0], 0.026, 1e-15);
    assert_near(st[1 * 2 + 0], 0.8, 1e-15);
    assert_near(st[2 * 2 + 0], 0.2, 1e-15);
    assert_true(st[3 * 2 + 1] == 1.0 && st[3 * 2 + 0] == 0.0);
    assert_true(pc[3] == 0.05);
    hw_free(h);
    free(share);
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_customs_hand),   cmocka_unit_test(test_customs_identities),
        cmocka_unit_test(test_dependence),     cmocka_unit_test(test_zero_trade),
        cmocka_unit_test(test_sanction_metrics), cmocka_unit_test(test_settlement_same_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
