/*
 * test_ge_model.c - the GE-model registry (models/econ/ge_model.h) and the
 * io model in the run:
 *
 * 1. The registry names armington and io; an unknown name is not found.
 * 2. Under trade.model = "io" the world's baseline is the re-solved period
 *    0 (not the data) before any module starts, and the look-ahead (its own
 *    model instance, re-solved the same way) reproduces each period's
 *    equilibrium with full adjustment, revenue wedges included (a tariff
 *    event and an export-tax discount), and moves welfare when a cell
 *    closes.
 * 3. Armington with revenue wedges: the run's period 0 is the data, bit for
 *    bit, and the look-ahead reproduces the periods too.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "ge_model.h"
#include "lookahead.h"
#include "run.h"
#include "scenario.h"
#include "harness.h"
#include "world.h"

static const char *const TRADE = "exporter,importer,sector,value\n"
                                 "AAA,AAA,g,300\nAAA,BBB,g,40\nAAA,CCC,g,25\n"
                                 "BBB,AAA,g,30\nBBB,BBB,g,250\nBBB,CCC,g,20\n"
                                 "CCC,AAA,g,35\nCCC,BBB,g,15\nCCC,CCC,g,200\n"
                                 "AAA,AAA,e,80\nAAA,BBB,e,10\nAAA,CCC,e,5\n"
                                 "BBB,AAA,e,12\nBBB,BBB,e,60\nBBB,CCC,e,9\n"
                                 "CCC,AAA,e,20\nCCC,BBB,e,14\nCCC,CCC,e,70\n";
static const char *const INPUTS = "country,input,sector,value\n"
                                  "AAA,g,g,90\nAAA,e,g,40\nAAA,g,e,20\nAAA,e,e,15\n"
                                  "BBB,g,g,70\nBBB,e,g,30\nBBB,g,e,10\nBBB,e,e,12\n"
                                  "CCC,g,g,60\nCCC,e,g,35\nCCC,g,e,25\nCCC,e,e,20\n";
static const char *const FINAL = "country,sector,value\n"
                                 "AAA,g,240\nAAA,e,60\nBBB,g,200\nBBB,e,50\nCCC,g,150\nCCC,e,55\n";
static const char *const VA = "country,sector,value\n"
                              "AAA,g,235\nAAA,e,60\nBBB,g,200\nBBB,e,59\nCCC,g,140\nCCC,e,68\n";

static void test_registry(void **state)
{
    (void)state;
    assert_non_null(ge_model_find("armington"));
    assert_non_null(ge_model_find("io"));
    assert_null(ge_model_find("ricardo"));
    assert_string_equal(ge_model_find("io")->name, "io");
    assert_true(strstr(ge_model_names(), "armington") != NULL);
    assert_true(ge_model_find("io")->has & GE_HAS_RESOLVE);
    assert_false(ge_model_find("armington")->has & GE_HAS_RESOLVE);
}

typedef struct capture {
    int T;
    double gap, moved, x0gap;
    double data0[18];
    lookahead *la;
} capture;

static int on_period(const world *w, void *ctx, errbuf *e)
{
    capture *c = ctx;
    c->T = w->t + 1;
    if (w->t == 0) {
        for (int i = 0; i < 18; i++)
            c->x0gap = fmax(c->x0gap, fabs(w->X0[i] - c->data0[i]) / c->data0[i]);
        for (int i = 0; i < w->nc; i++)
            assert_true(w->welfare[i] == 1.0);
    }
    if (c->la == NULL) {
        int rc = lookahead_create(&c->la, w, e);
        if (rc != SANC_OK)
            return rc;
    }
    double wel[3], X[18], extra[18] = {0};
    lookahead_result r = {.welfare = wel, .X = X};
    int rc = lookahead_eval(c->la, w, NULL, &r, e);
    if (rc != SANC_OK)
        return rc;
    for (int i = 0; i < w->nc; i++)
        c->gap = fmax(c->gap, fabs(wel[i] - w->welfare[i]));
    for (int i = 0; i < 18; i++)
        c->gap = fmax(c->gap, fabs(X[i] - w->X[i]) / w->Y[i / 6]);
    extra[W3(w, 0, 1, 0)] = -INFINITY;
    lookahead_policy p = {.extra_logphi = extra};
    if ((rc = lookahead_eval(c->la, w, &p, &r, e)) != SANC_OK)
        return rc;
    c->moved = fmax(c->moved, fabs(wel[1] - w->welfare[1]));
    return SANC_OK;
}

static void run_capture(const char *cfg, capture *c)
{
    scenario sc;
    errbuf e;
    err_init(&e);
    int rc = scenario_load(&sc, cfg, NULL, 0, -1, &e);
    if (rc != SANC_OK)
        fail_msg("%s", e.msg);
    memcpy(c->data0, sc.data->trade.X, sizeof c->data0);
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
}

static const char *write_cfg(fixture *f, const char *trade_extra, const char *data_extra)
{
    char text[2048];
    snprintf(text, sizeof text,
             "scenario = { name = \"io\"; start = \"2022-01\"; step = \"year\"; periods = 4; };\n"
             "data = { trade = \"t.csv\"; %s };\n"
             "trade = { sigma = 5.0; adjustment = 1.0; %s };\n"
             "events = ( { name = \"tariff\"; start = 1; exporters = [\"AAA\"]; importers = [\"BBB\"]; "
             "tariff = 0.2; },\n"
             "  { name = \"discount\"; start = 2; exporters = [\"CCC\"]; importers = [\"AAA\"]; sectors = [\"e\"]; "
             "export_tax = -0.15; },\n"
             "  { name = \"shock\"; start = 3; exporters = [\"BBB\"]; importers = [\"CCC\"]; partial_effect = -0.5; } );\n",
             data_extra, trade_extra);
    return write_file(f, "s.cfg", text);
}

static void test_io_run(void **state)
{
    fixture *f = *state;
    write_file(f, "t.csv", TRADE);
    write_file(f, "in.csv", INPUTS);
    write_file(f, "fc.csv", FINAL);
    write_file(f, "va.csv", VA);
    const char *cfg = write_cfg(f, "model = \"io\"; baseline_deficits = \"zero\";",
                                "inputs = \"in.csv\"; final = \"fc.csv\"; value_added = \"va.csv\";");
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    run_capture(cfg, c);
    assert_int_equal(c->T, 4);
    assert_true(c->x0gap > 1e-3);  /* period 0 is the re-solve, not the data */
    assert_true(c->gap < 1e-9);    /* the look-ahead reproduces every period */
    assert_true(c->moved > 1e-4);  /* and a closed cell moves welfare */
    free(c);
}

static void test_armington_revenue_run(void **state)
{
    fixture *f = *state;
    write_file(f, "t.csv", TRADE);
    const char *cfg = write_cfg(f, "", "");
    capture *c = calloc(1, sizeof *c);
    assert_non_null(c);
    run_capture(cfg, c);
    assert_int_equal(c->T, 4);
    assert_true(c->x0gap == 0.0); /* period 0 is the data */
    assert_true(c->gap < 1e-9);
    assert_true(c->moved > 1e-4);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test_setup_teardown(test_io_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_armington_revenue_run, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
