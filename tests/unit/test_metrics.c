/*
 * test_metrics.c - unit tests of models/metrics.c on worlds built by hand
 * (fields zeroed, flows, route shares and sanction cover filled in), so
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

/* A world of nc countries, one sector, with optional hubs and sanctions. */
typedef struct hw {
    world w;
    double *X0;
    model m;
    errbuf e;
} hw;

static hw *hw_new(int nc, int ns, int nhubs, int nsanc)
{
    hw *h = calloc(1, sizeof *h);
    assert_non_null(h);
    world *w = &h->w;
    w->nc = nc;
    w->ns = ns;
    w->T = 2;
    size_t n3 = (size_t)nc * nc * ns;
    h->X0 = calloc(n3, sizeof *h->X0);
    w->X0 = h->X0;
    w->X = calloc(n3, sizeof *w->X);
    assert_non_null(w->X);
    w->nhubs = nhubs;
    if (nhubs > 0) {
        w->hub_via = calloc((size_t)nhubs, sizeof *w->hub_via);
        w->route_share = calloc((size_t)nhubs * n3, sizeof *w->route_share);
        w->route_share_new = calloc((size_t)nhubs * n3, sizeof *w->route_share_new);
    }
    w->nsanc = nsanc;
    if (nsanc > 0)
        w->sanc_cover = calloc((size_t)nsanc * n3, 1);
    w->out.dim_n[DIM_COUNTRY] = w->out.dim_n[DIM_PARTNER] = w->out.dim_n[DIM_EXPORTER] = w->out.dim_n[DIM_IMPORTER] = nc;
    w->out.dim_n[DIM_SECTOR] = ns;
    w->out.dim_n[DIM_HUB] = nhubs;
    w->out.dim_n[DIM_SANCTION] = nsanc;
    return h;
}

static int hw_init(hw *h)
{
    h->m.name = "metrics";
    h->m.ops = model_lookup("metrics");
    assert_non_null(h->m.ops);
    err_init(&h->e);
    return h->m.ops->init(&h->m, NULL, &h->w, &h->e);
}

static void hw_step(hw *h)
{
    assert_int_equal(h->m.ops->step(&h->m, &h->w, 1, &h->e), SANC_OK);
}

static void hw_free(hw *h)
{
    if (h->m.ops && h->m.ops->finish)
        h->m.ops->finish(&h->m);
    world_destroy(&h->w); /* frees X and the agent-layer arrays */
    free(h->X0);
    free(h);
}

static const double *var(const world *w, const char *name)
{
    for (int i = 0; i < w->out.nvars; i++)
        if (strcmp(w->out.vars[i].name, name) == 0)
            return w->out.vars[i].data;
    return NULL;
}

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want))))
        fail_msg("got %.17g, want %.17g", got, want);
}

static void assert_all_finite(const world *w)
{
    for (int v = 0; v < w->out.nvars; v++) {
        size_t n = 1;
        for (int d = 0; d < w->out.vars[v].ndims; d++)
            n *= (size_t)w->out.dim_n[w->out.vars[v].dims[d]];
        const double *p = w->out.vars[v].data;
        for (size_t q = 0; q < n; q++)
            if (!isfinite(p[q]))
                fail_msg("%s[%zu] is not finite", w->out.vars[v].name, q);
    }
}

/* Three countries, flows A->B 100 (30% via hub in C), B->A 40, A->C 10,
 * C->B 5, domestic sales on the diagonal. */
static hw *three(void)
{
    hw *h = hw_new(3, 1, 1, 0);
    world *w = &h->w;
    double x[3][3] = {{500, 100, 10}, {40, 300, 0}, {0, 5, 200}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            h->X0[W3(w, i, j, 0)] = w->X[W3(w, i, j, 0)] = x[i][j];
    w->hub_via[0] = 2;
    w->route_share[W3(w, 0, 1, 0)] = 0.3;
    return h;
}

static void test_customs_hand(void **state)
{
    (void)state;
    hw *h = three();
    assert_int_equal(hw_init(h), SANC_OK);
    const world *w = &h->w;
    const double *cu = var(w, "customs_flows"), *tr = var(w, "transit");
    assert_non_null(cu);
    assert_non_null(tr);
    assert_close(tr[0], 30.0, 1e-15);
    double want[3][3] = {{0, 70, 10 + 30}, {40, 0, 0}, {0, 5 + 30, 0}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            assert_close(cu[W2(w, i, j)], want[i][j], 1e-15);
    hw_free(h);
}

/* Several hubs and sectors with arbitrary shares: the accounting identities. */
static void test_customs_identities(void **state)
{
    (void)state;
    int nc = 4, ns = 2;
    hw *h = hw_new(nc, ns, 3, 0);
    world *w = &h->w;
    size_t n3 = (size_t)nc * nc * ns;
    for (size_t c = 0; c < n3; c++)
        w->X[c] = h->X0[c] = 1.0 + (double)((c * 37) % 11);
    int via[3] = {1, 3, 1};
    for (int q = 0; q < 3; q++)
        w->hub_via[q] = via[q];
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                for (int q = 0; q < 3; q++)
                    if (i != j && via[q] != i && via[q] != j)
                        w->route_share[q * n3 + c] = 0.1 * (q + 1) * (double)((i + 2 * j + k) % 3) / 2.0;
            }
    assert_int_equal(hw_init(h), SANC_OK);
    const double *cu = var(w, "customs_flows"), *tr = var(w, "transit");
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
        assert_close(cex, ex[i] + hub, 1e-13);
        assert_close(cim, im[i] + hub, 1e-13);
    }
    assert_true(ttot > 0.0);
    assert_close(ctot, total + ttot, 1e-13);
    hw_free(h);
}

static void test_dependence(void **state)
{
    (void)state;
    hw *h = three();
    assert_int_equal(hw_init(h), SANC_OK);
    const world *w = &h->w;
    const double *D = var(w, "dependence"), *XD = var(w, "export_dependence"), *P = var(w, "power_balance");
    assert_non_null(D);
    assert_non_null(XD);
    assert_non_null(P);
    /* importer-first: D[j][i] = imports of j from i / imports of j (true origin) */
    assert_close(D[W2(w, 1, 0)], 100.0 / 105.0, 1e-15); /* B's imports from A */
    assert_close(D[W2(w, 1, 2)], 5.0 / 105.0, 1e-15);
    assert_close(D[W2(w, 0, 1)], 1.0, 1e-15);         /* A imports only from B */
    assert_close(D[W2(w, 2, 0)], 1.0, 1e-15);         /* C imports only from A */
    assert_close(XD[W2(w, 0, 1)], 100.0 / 110.0, 1e-15);
    assert_close(XD[W2(w, 2, 1)], 1.0, 1e-15);
    assert_close(XD[W2(w, 1, 2)], 0.0, 1e-15);
    for (int a = 0; a < 3; a++) {
        double s = 0.0, sx = 0.0;
        for (int b = 0; b < 3; b++) {
            s += D[W2(w, a, b)];
            sx += XD[W2(w, a, b)];
            assert_true(P[W2(w, a, b)] == -P[W2(w, b, a)]);
        }
        assert_close(s, 1.0, 1e-14);
        assert_close(sx, 1.0, 1e-14);
        assert_true(D[W2(w, a, a)] == 0.0);
    }
    /* power_balance[country][partner] = D[country][partner] - D[partner][country] */
    assert_close(P[W2(w, 0, 1)], 1.0 - 100.0 / 105.0, 1e-15);
    assert_close(P[W2(w, 1, 2)], 5.0 / 105.0 - 0.0, 1e-15);
    hw_free(h);
}

static void test_zero_trade(void **state)
{
    (void)state;
    hw *h = hw_new(3, 2, 0, 1); /* autarky, no hubs, one sanction with no baseline value */
    world *w = &h->w;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 2; k++)
            h->X0[W3(w, i, i, k)] = w->X[W3(w, i, i, k)] = 10.0;
    w->sanc_cover[W3(w, 0, 1, 0)] = 1;
    assert_int_equal(hw_init(h), SANC_OK);
    assert_null(var(w, "transit"));
    const double *D = var(w, "dependence"), *P = var(w, "power_balance"), *XD = var(w, "export_dependence");
    for (int q = 0; q < 9; q++) {
        assert_true(D[q] == 0.0);
        assert_true(XD[q] == 0.0);
        assert_true(P[q] == 0.0);
    }
    assert_true(var(w, "sanction_remaining")[0] == 1.0);
    assert_true(var(w, "sanction_rerouted")[0] == 0.0);
    assert_all_finite(w);
    hw_free(h);
}

static void test_sanction_metrics(void **state)
{
    (void)state;
    hw *h = hw_new(3, 1, 1, 2);
    world *w = &h->w;
    double x0[3][3] = {{500, 100, 10}, {40, 300, 0}, {0, 5, 200}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            h->X0[W3(w, i, j, 0)] = w->X[W3(w, i, j, 0)] = x0[i][j];
    w->hub_via[0] = 2;
    w->route_share[W3(w, 0, 1, 0)] = 0.1; /* baseline hub traffic on A->B */
    /* measure 0 covers A->B and B->A; measure 1 covers only A->C */
    w->sanc_cover[W3(w, 0, 1, 0)] = 1;
    w->sanc_cover[W3(w, 1, 0, 0)] = 1;
    w->sanc_cover[3 * 3 + W3(w, 0, 2, 0)] = 1;
    assert_int_equal(hw_init(h), SANC_OK);
    const double *rem = var(w, "sanction_remaining"), *rer = var(w, "sanction_rerouted");
    assert_non_null(rem);
    assert_non_null(rer);
    assert_close(rem[0], 1.0, 1e-15);
    assert_close(rer[0], 10.0 / 140.0, 1e-15); /* baseline hub traffic counts */
    /* the period: A->B falls to 60, 70% of it via the hub; B->A to 20; A->C to 0 */
    w->X[W3(w, 0, 1, 0)] = 60.0;
    w->route_share[W3(w, 0, 1, 0)] = 0.7;
    w->X[W3(w, 1, 0, 0)] = 20.0;
    w->X[W3(w, 0, 2, 0)] = 0.0;
    hw_step(h);
    assert_close(rem[0], 80.0 / 140.0, 1e-15);
    assert_close(rer[0], 42.0 / 140.0, 1e-15);
    assert_close(rem[1], 0.0, 1e-15);
    assert_close(rer[1], 0.0, 1e-15);
    assert_all_finite(w);
    hw_free(h);
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_customs_hand),   cmocka_unit_test(test_customs_identities),
        cmocka_unit_test(test_dependence),     cmocka_unit_test(test_zero_trade),
        cmocka_unit_test(test_sanction_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
