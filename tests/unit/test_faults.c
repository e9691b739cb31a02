/*
 * test_faults.c - allocation-failure injection into the loaders, the GE
 * solver, the recorder and a whole run.
 *
 * This executable alone is linked with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc,--wrap=strdup (tests/CMakeLists.txt), so every allocation
 * made by sancsim's own code (the static library) goes through the wrappers
 * below; allocations inside shared libraries (libconfig, GSL, HDF5) are not
 * affected.  For each operation the N-th allocation fails, N = 1, 2, ...,
 * until the operation completes without hitting the failure; every failed
 * attempt must return a negative SANC_E* code with a message, leave no
 * output or temporary file, and (under the ASan build, where LeakSanitizer
 * runs at exit) leak nothing.  A crash is a failure by itself.
 *
 * The sweep tests also cover the design expansion of every design kind and
 * a whole two-run sweep with one worker thread: the counter is atomic since
 * the writer (this thread) and the worker allocate concurrently.
 */
#include <dirent.h>
#include <execinfo.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "cfg.h"
#include "data.h"
#include "err.h"
#include "ge.h"
#include "harness.h"
#include "run.h"
#include "scenario.h"
#include "sweep.h"
#include "world.h"

/* --- the wrappers (process-wide by necessity: they replace malloc) --- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);

static atomic_long fault_count; /* allocations seen since arming */
static atomic_long fault_at;    /* fail this one (1-based); 0: never */
static atomic_int fault_fired;
/* set by an op whose success despite the failure is verified to be right
 * (e.g. a best-effort step after the output is complete) */
static int fault_tolerated;

static void *fault_trace[32]; /* where the injected failure happened */
static int fault_ntrace;

static int fault_hit(void)
{
    long at = atomic_load(&fault_at);
    if (at <= 0)
        return 0;
    /* exactly one thread wins the exchange, even with two allocating */
    if (atomic_fetch_add(&fault_count, 1) + 1 == at && atomic_compare_exchange_strong(&fault_at, &at, 0)) {
        atomic_store(&fault_fired, 1); /* fault_at is 0 first: backtrace() may allocate */
        fault_ntrace = backtrace(fault_trace, 32);
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n)
{
    return fault_hit() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t m, size_t n)
{
    return fault_hit() ? NULL : __real_calloc(m, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fault_hit() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fault_hit() ? NULL : __real_strdup(s);
}

static long fault_next; /* what fault_start arms */

/* Ops call this where injection should begin (after their own set-up). */
static void fault_start(void)
{
    fault_count = 0;
    fault_at = fault_next;
    fault_fired = 0;
}

static void fault_disarm(void)
{
    fault_at = 0;
}

/* An operation under test: returns a SANC code, fills e. */
typedef int (*fault_op)(void *ctx, errbuf *e);

/* Fail allocation 1, 2, ... until op succeeds untouched.  Returns the
 * number of allocations the successful run made. */
static long fault_sweep(const char *what, fault_op op, void *ctx, long max_n)
{
    long n;
    for (n = 1; n <= max_n; n++) {
        errbuf e;
        err_init(&e);
        fault_next = n;
        fault_fired = 0;
        fault_tolerated = 0;
        int rc = op(ctx, &e);
        int fired = fault_fired;
        fault_disarm();
        if (!fired) {
            if (rc != SANC_OK)
                fail_msg("%s: fails without any injected fault: %s", what, e.msg);
            return n - 1;
        }
        if (rc == SANC_OK && fault_tolerated)
            continue;
        if (rc == SANC_OK) {
            backtrace_symbols_fd(fault_trace, fault_ntrace, 2);
            fail_msg("%s: allocation %ld failed but the operation reported success", what, n);
        }
        if (!(rc < 0) || e.msg[0] == '\0')
            fail_msg("%s: allocation %ld failed: code %d without a message", what, n, rc);
    }
    fail_msg("%s: still allocating after %ld allocations", what, max_n);
    return max_n;
}

/* --- fixtures: the harness's folder with the input files --- */
typedef struct fx {
    harness h;
    char trade[512], countries[512], shocks[512], cfgpath[512], out[512];
} fx;

static const char fx_trade_csv[] =
    "exporter,importer,sector,value\n"
    "AAA,AAA,goods,100\nAAA,BBB,goods,20\nAAA,CCC,goods,10\n"
    "BBB,AAA,goods,15\nBBB,BBB,goods,200\nBBB,CCC,goods,30\n"
    "CCC,AAA,goods,12\nCCC,BBB,goods,25\nCCC,CCC,goods,150\n"
    "AAA,AAA,energy,50\nAAA,BBB,energy,5\nBBB,BBB,energy,40\n"
    "CCC,AAA,energy,30\nCCC,BBB,energy,20\nCCC,CCC,energy,80\n";

static const char fx_cfg[] =
             "scenario = { name = \"f\"; start = \"2022-01\"; step = \"month\"; periods = 4; seed = 1; };\n"
             "data = { trade = \"trade.csv\"; countries = \"countries.csv\"; units = \"USD million\"; };\n"
             "groups = { G3 = [\"NORTH\", \"!BBB\", \"CCC\"]; };\n"
             "trade = { sigma = 5.0; adjustment = 0.5; noise = { sd = 0.05; rho = 0.3; };\n"
             "          sectors = ( { name = \"energy\"; sigma = 8.0; adjustment = 0.25; } ); };\n"
             "events = ( { name = \"a\"; start = 1; exporters = [\"CCC\"]; importers = [\"NORTH\"];\n"
             "             sectors = [\"energy\"]; factor = 2.0; symmetric = true; },\n"
             "           { name = \"b\"; start = 2; end = 3; file = \"shocks.csv\"; } );\n"
             "output = { flows = \"full\"; compression = 1; };\n";

/* What may stay in the folder after an operation: the inputs (in_*: an
 * operation's own). */
static const char *const fx_inputs[] = {"trade.csv", "countries.csv", "shocks.csv", "s.cfg", "in_*", NULL};

static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    harness_init(&f->h, "faults");
    snprintf(f->trade, sizeof f->trade, "%s", harness_write(&f->h, "trade.csv", fx_trade_csv));
    snprintf(f->countries, sizeof f->countries, "%s",
             harness_write(&f->h, "countries.csv", "code,name,groups\nAAA,Aland,NORTH\nBBB,Bland,NORTH;G2\nCCC,Cland,\n"));
    snprintf(f->shocks, sizeof f->shocks, "%s",
             harness_write(&f->h, "shocks.csv", "exporter,importer,sector,factor\nCCC,AAA,energy,2.0\nCCC,BBB,goods,0\n"));
    snprintf(f->cfgpath, sizeof f->cfgpath, "%s", harness_write(&f->h, "s.cfg", fx_cfg));
    snprintf(f->out, sizeof f->out, "%s", harness_file(&f->h, "out.h5"));
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    harness_close(&f->h);
    free(f);
    return 0;
}

/* No file but the fixtures in the folder: nothing half-written left. */
static void fx_assert_clean(const fx *f, const char *what)
{
    harness_assert_only(&f->h, what, fx_inputs);
}

/* --- operations --- */
static int op_countries(void *ctx, errbuf *e)
{
    fx *f = ctx;
    fault_start();
    data_countries c = {0};
    int rc = data_load_countries(f->countries, &c, e);
    if (rc == SANC_OK && c.n != 3)
        rc = err_set(e, SANC_EINTERNAL, "expected 3 countries, got %d", c.n);
    data_countries_free(&c);
    return rc;
}

static int op_trade(void *ctx, errbuf *e)
{
    fx *f = ctx;
    fault_start();
    data_countries c = {0};
    data_trade t = {0};
    int rc = data_load_countries(f->countries, &c, e);
    if (rc == SANC_OK)
        rc = data_load_trade(f->trade, &c, &t, e);
    if (rc == SANC_OK && (t.nc != 3 || t.ns != 2 || t.X[(0 * 3 + 1) * 2 + 0] != 20.0))
        rc = err_set(e, SANC_EINTERNAL, "trade table read wrongly");
    data_trade_free(&t);
    data_countries_free(&c);
    return rc;
}

static int op_trade_nolist(void *ctx, errbuf *e)
{
    fx *f = ctx;
    fault_start();
    data_trade t = {0};
    int rc = data_load_trade(f->trade, NULL, &t, e);
    data_trade_free(&t);
    return rc;
}

static int op_shocks(void *ctx, errbuf *e)
{
    fx *f = ctx;
    fault_start();
    char *codes[] = {"AAA", "BBB", "CCC"};
    char *sectors[] = {"goods", "energy"};
    data_shocks s = {0};
    int rc = data_load_shocks(f->shocks, 3, codes, 2, sectors, &s, e);
    if (rc == SANC_OK && s.n != 2)
        rc = err_set(e, SANC_EINTERNAL, "expected 2 shock rows");
    data_shocks_free(&s);
    return rc;
}

static int op_cfg(void *ctx, errbuf *e)
{
    fx *f = ctx;
    fault_start();
    cfg c;
    int rc = cfg_load(&c, f->cfgpath, e);
    if (rc == SANC_OK)
        rc = cfg_apply_set(&c, "trade.sigma=6", e);
    if (rc == SANC_OK)
        rc = cfg_apply_set(&c, "groups.G3=[\"AAA\", \"CCC\"]", e);
    if (rc == SANC_OK)
        rc = cfg_apply_set(&c, "scenario.new_key=\"v\"", e);
    if (rc == SANC_OK) {
        char *s = cfg_to_string(&c, e);
        if (s == NULL)
            rc = e->code ? e->code : err_set(e, SANC_ENOMEM, "cfg_to_string: NULL without a code");
        free(s);
    }
    if (c.loaded || c.path || c.dir)
        cfg_destroy(&c);
    return rc;
}

static int op_scenario(void *ctx, errbuf *e)
{
    fx *f = ctx;
    fault_start();
    scenario sc;
    char *ov[] = {"trade.sigma=4.5", "events.[0].factor=3"};
    int rc = scenario_load(&sc, f->cfgpath, ov, 2, 7, e);
    if (rc == SANC_OK && (sc.nc != 3 || sc.ns != 2 || sc.nevents != 2))
        rc = err_set(e, SANC_EINTERNAL, "scenario read wrongly");
    scenario_destroy(&sc);
    return rc;
}

/* Scenario inheritance: a child of the fixture with merged blocks, append,
 * remove, set by name and a --set by name (cfginherit.c, cfgpath.c). */
static int op_inherit(void *ctx, errbuf *e)
{
    fx *f = ctx;
    char child[512];
    snprintf(child, sizeof child, "%s", harness_write(&f->h, "in_child.cfg", "base = \"s.cfg\";\n"
                    "scenario = { name = \"kid\"; };\n"
                    "trade = { adjustment = 0.4; };\n"
                    "append = { events = ( { name = \"c\"; start = 2; exporters = [\"AAA\"]; importers = [\"CCC\"];\n"
                    "                        factor = 1.5; } ); };\n"
                    "remove = [\"events.[name=\\\"b\\\"]\"];\n"
                    "set = [\"events.[name=\\\"c\\\"].factor=2.5\"];\n"));
    fault_start();
    scenario sc;
    char *ov[] = {"events.[name=\"a\"].factor=3"};
    int rc = scenario_load(&sc, child, ov, 1, -1, e);
    if (rc == SANC_OK && (sc.nevents != 2 || strcmp(sc.name, "kid") != 0))
        rc = err_set(e, SANC_EINTERNAL, "inherited scenario read wrongly");
    scenario_destroy(&sc);
    return rc;
}

static int op_check(void *ctx, errbuf *e)
{
    fx *f = ctx;
    scenario sc;
    errbuf e0;
    err_init(&e0);
    int rc = scenario_load(&sc, f->cfgpath, NULL, 0, -1, &e0);
    if (rc != SANC_OK) {
        scenario_destroy(&sc);
        return err_set(e, SANC_EINTERNAL, "fixture does not load: %s", e0.msg);
    }
    fault_start(); /* loading is covered by op_scenario; here the modules' init */
    rc = run_check(&sc, e);
    fault_disarm();
    scenario_destroy(&sc);
    return rc;
}

/* The whole run: world, modules, solver, recorder (create, append, finish). */
static int op_run(void *ctx, errbuf *e)
{
    fx *f = ctx;
    scenario sc;
    errbuf e0;
    err_init(&e0);
    int rc = scenario_load(&sc, f->cfgpath, NULL, 0, -1, &e0);
    if (rc != SANC_OK) {
        scenario_destroy(&sc);
        return err_set(e, SANC_EINTERNAL, "fixture does not load: %s", e0.msg);
    }
    run_opts o = {.output = f->out, .force = 1, .command_line = "test_faults"};
    fault_start();
    rc = run_scenario(&sc, &o, e);
    fault_disarm();
    scenario_destroy(&sc);
    if (rc != SANC_OK) {
        fx_assert_clean(f, "failed run");
    } else {
        /* the folder fsync after the rename is best effort: an allocation
         * failing there leaves a complete file, which is right */
        fault_tolerated = access(f->out, F_OK) == 0;
        unlink(f->out);
    }
    return rc;
}

/* The GE core on its own: create, solve with a closed cell, free. */
static int op_ge(void *ctx, errbuf *e)
{
    (void)ctx;
    enum { N = 3, K = 2 };
    double X0[N * N * K], phi[N * N * K], sigma[K] = {5.0, 8.0};
    for (int c = 0; c < N * N * K; c++) {
        int i = c / (N * K), j = (c / K) % N;
        X0[c] = i == j ? 100.0 + c : 5.0 + c;
        phi[c] = 1.0;
    }
    phi[(0 * N + 1) * K + 0] = 0.0;
    phi[(2 * N + 0) * K + 1] = 0.3;
    double phat[N * K], Phat[N * K], X[N * N * K], Y[N], E[N], W[N], PI[N];
    for (int c = 0; c < N * K; c++)
        phat[c] = 1.0;
    ge_params p = {.n = N, .K = K, .X0 = X0, .sigma = sigma, .imbalance = IMBALANCE_ADDITIVE,
                   .tol = 1e-12, .max_iter = 1000};
    ge_result r = {.phat = phat, .Phat = Phat, .X = X, .Y = Y, .E = E, .welfare = W, .price_index = PI};
    ge_solver *s = NULL;
    fault_start();
    int rc = ge_solver_create(&s, &p, e);
    if (rc == SANC_OK)
        rc = ge_solve(s, phi, NULL, &r, e);
    ge_solver_free(s);
    fault_disarm();
    if (rc == SANC_OK)
        for (int i = 0; i < N; i++)
            if (!isfinite(W[i]))
                return err_set(e, SANC_EINTERNAL, "non-finite welfare");
    return rc;
}

/* --- sweeps --- */

/* The fixture's scenario plus a `sweep` block: input files are in_*. */
static const char fx_sweep_base[] =
    "scenario = { name = \"sw\"; start = \"2022-01\"; step = \"month\"; periods = 3; seed = 1; };\n"
    "data = { trade = \"trade.csv\"; countries = \"countries.csv\"; units = \"USD million\"; };\n"
    "groups = { WEST = [\"AAA\", \"BBB\"]; };\n"
    "trade = { sigma = 5.0; adjustment = 0.5; noise = { sd = 0.02; rho = 0.3; };\n"
    "          sectors = ( { name = \"energy\"; sigma = 8.0; adjustment = 0.25; } ); };\n"
    "events = ( { name = \"a\"; start = 1; exporters = [\"CCC\"]; importers = [\"WEST\"];\n"
    "             sectors = [\"energy\"]; factor = 2.0; } );\n"
    "output = { flows = \"none\"; };\n";

static void fx_sweep_cfg(fx *f, const char *name, const char *sweep, char *path, size_t n)
{
    size_t len = strlen(fx_sweep_base) + strlen(sweep) + 1;
    char *text = malloc(len);
    assert_non_null(text);
    snprintf(text, len, "%s%s", fx_sweep_base, sweep);
    snprintf(path, n, "%s", harness_write(&f->h, name, text));
    free(text);
}

typedef struct sweep_case {
    fx *f;
    char cfg[300];
    int64_t nruns; /* expected */
    int nparams;
} sweep_case;

/* Expansion alone: the scenario is loaded before arming. */
static int op_design(void *ctx, errbuf *e)
{
    sweep_case *c = ctx;
    scenario sc;
    errbuf e0;
    err_init(&e0);
    int rc = scenario_load(&sc, c->cfg, NULL, 0, -1, &e0);
    if (rc != SANC_OK) {
        scenario_destroy(&sc);
        return err_set(e, SANC_EINTERNAL, "fixture does not load: %s", e0.msg);
    }
    sweep_design d;
    fault_start();
    rc = sweep_design_load(&d, &sc, e);
    fault_disarm();
    if (rc == SANC_OK && (d.nruns != c->nruns || d.nparams != c->nparams))
        rc = err_set(e, SANC_EINTERNAL, "design: %lld runs of %d parameters, expected %lld of %d",
                     (long long)d.nruns, d.nparams, (long long)c->nruns, c->nparams);
    sweep_design_free(&d);
    scenario_destroy(&sc);
    return rc;
}

/* Load, check, expand, capture the layout and validate: all that
 * `sancsim sweep` does before the first run. */
static int op_manifest(void *ctx, errbuf *e)
{
    sweep_case *c = ctx;
    sweep_opts o = {.config = c->cfg, .seed_override = -1, .jobs = 1, .quiet = 1};
    int64_t n = -1;
    fault_start();
    int rc = sweep_manifest_size(&o, &n, e);
    fault_disarm();
    if (rc == SANC_OK && n != c->nruns)
        rc = err_set(e, SANC_EINTERNAL, "manifest of %lld runs, expected %lld", (long long)n,
                     (long long)c->nruns);
    return rc;
}

static void fx_sweep_design_case(fx *f, const char *name, const char *sweep, int64_t nruns, int nparams)
{
    sweep_case c = {.f = f, .nruns = nruns, .nparams = nparams};
    fx_sweep_cfg(f, name, sweep, c.cfg, sizeof c.cfg);
    long n = fault_sweep(name, op_design, &c, 10000);
    print_message("op_design %s: %ld allocations, each failed once, all clean\n", name, n);
    assert_true(n > 0);
    n = fault_sweep(name, op_manifest, &c, 50000);
    print_message("op_manifest %s: %ld allocations, each failed once, all clean\n", name, n);
    assert_true(n > 0);
    fx_assert_clean(f, name);
}

static void test_sweep_design(void **state)
{
    fx *f = *state;
    fx_sweep_design_case(f, "in_grid.cfg",
                         "sweep = { design = \"grid\"; replicates = 2; summaries = true;\n"
                         "  parameters = ( { path = \"trade.sigma\"; values = [4.0, 6.0]; },\n"
                         "                 { path = \"events.[0].importers\"; values = ( [\"AAA\"], [\"WEST\"] ); },\n"
                         "                 { path = \"trade.adjustment\"; min = 0.2; max = 1.0; steps = 3; } );\n"
                         "  keep = [\"welfare\", \"exports\"]; };\n",
                         2 * 2 * 3 * 2, 3);
    static const char *const kinds[] = {"random", "sobol", "lhs"};
    for (int k = 0; k < 3; k++) {
        char name[64], sweep[700];
        snprintf(name, sizeof name, "in_%s.cfg", kinds[k]);
        snprintf(sweep, sizeof sweep,
                 "sweep = { design = \"%s\"; samples = 5; common_seeds = true; replicates = 2;\n"
                 "  parameters = ( { path = \"trade.sigma\"; distribution = \"uniform\"; min = 3.0; max = 7.0; },\n"
                 "                 { path = \"events.[0].factor\"; distribution = \"normal\"; mean = 2.0; sd = 0.1; },\n"
                 "                 { path = \"scenario.seed\"; distribution = \"uniform\"; min = 1; max = 9; } );\n"
                 "  keep = \"welfare\"; };\n",
                 kinds[k]);
        fx_sweep_design_case(f, name, sweep, 10, 3);
    }
    /* a name path in the header, quoted as RFC 4180 (as sancsim export writes it) */
    harness_write(&f->h, "in_design.csv", "trade.sigma, \"events.[name=\"\"a\"\"].factor\"\n4.0,1.5\n5.0,2.0\n\n6.0,2.5\n");
    fx_sweep_design_case(f, "in_file.cfg",
                         "sweep = { design = \"file\"; file = \"in_design.csv\"; keep = [\"welfare\"]; };\n", 3, 2);
}

/* A whole two-run sweep, one worker: a failure inside a run fails that run
 * (recorded, exit 1 in the CLI); any other failure fails the sweep.  Either
 * way no output file and no temporary file remain; the journal stays for
 * --resume (by design) and is removed here. */
typedef struct sweep_run_case {
    fx *f;
    char cfg[300], out[300], journal[320], temp[320];
} sweep_run_case;

static int op_sweep(void *ctx, errbuf *e)
{
    sweep_run_case *c = ctx;
    sweep_opts o = {.config = c->cfg, .seed_override = -1, .output = c->out, .force = 1, .jobs = 1,
                    .quiet = 1, .command_line = "test_faults"};
    sweep_result res;
    fault_start();
    int rc = sweep_execute(&o, &res, e);
    fault_disarm();
    /* temporary files have unique names: any ".sw.h5.sweep.tmp.*" left */
    int have_out = access(c->out, F_OK) == 0, have_tmp = 0;
    DIR *dir = opendir(c->f->h.dir);
    for (struct dirent *de; dir != NULL && (de = readdir(dir)) != NULL;)
        have_tmp |= strncmp(de->d_name, ".sw.h5.sweep.tmp", 16) == 0;
    if (dir != NULL)
        closedir(dir);
    int have_journal = access(c->journal, F_OK) == 0;
    unlink(c->journal);
    if (have_tmp)
        return err_set(e, SANC_EINTERNAL, "%s left behind (rc %d)", c->temp, rc);
    if (rc != SANC_OK) {
        if (have_out)
            return err_set(e, SANC_EINTERNAL, "failed sweep left %s", c->out);
        return rc;
    }
    if (!have_out || have_journal)
        return err_set(e, SANC_EINTERNAL, "finished sweep: output %d, journal %d", have_out, have_journal);
    unlink(c->out);
    if (res.nruns != 2 || res.done + res.failed != 2)
        return err_set(e, SANC_EINTERNAL, "sweep: %lld runs, %lld done, %lld failed", (long long)res.nruns,
                       (long long)res.done, (long long)res.failed);
    if (res.failed > 0) /* what the CLI turns into exit 1 */
        return err_set(e, SANC_ENOMEM, "%lld runs failed: %s", (long long)res.failed, res.first_failure);
    return SANC_OK;
}

static void test_sweep_run(void **state)
{
    fx *f = *state;
    sweep_run_case c = {.f = f};
    fx_sweep_cfg(f, "in_run.cfg",
                 "sweep = { parameters = ( { path = \"trade.sigma\"; values = [4.0, 6.0]; } );\n"
                 "          keep = [\"welfare\", \"exports\"]; summaries = true; };\n",
                 c.cfg, sizeof c.cfg);
    snprintf(c.out, sizeof c.out, "%s/sw.h5", f->h.dir);
    snprintf(c.journal, sizeof c.journal, "%s/.sw.h5.journal", f->h.dir);
    snprintf(c.temp, sizeof c.temp, "%s/.sw.h5.sweep.tmp.*", f->h.dir);
    long n = fault_sweep("op_sweep", op_sweep, &c, 100000);
    print_message("op_sweep: %ld allocations, each failed once, all clean\n", n);
    assert_true(n > 0);
    fx_assert_clean(f, "op_sweep");
}

/* --- tests --- */
#define FAULT_TEST(name, op, max)                                                 \
    static void name(void **state)                                                \
    {                                                                             \
        fx *f = *state;                                                           \
        long n = fault_sweep(#op, op, f, max);                                    \
        print_message("%s: %ld allocations, each failed once, all clean\n", #op, n); \
        assert_true(n > 0);                                                       \
        fx_assert_clean(f, #op);                                                  \
    }

FAULT_TEST(test_countries, op_countries, 10000)
FAULT_TEST(test_trade, op_trade, 10000)
FAULT_TEST(test_trade_nolist, op_trade_nolist, 10000)
FAULT_TEST(test_shocks, op_shocks, 10000)
FAULT_TEST(test_cfg, op_cfg, 10000)
FAULT_TEST(test_scenario, op_scenario, 20000)
FAULT_TEST(test_inherit, op_inherit, 20000)
FAULT_TEST(test_check, op_check, 20000)
FAULT_TEST(test_ge, op_ge, 10000)
FAULT_TEST(test_run, op_run, 50000)

/* The wrappers are really in place (a bad link would make every sweep
 * above pass vacuously). */
static void test_wrappers_active(void **state)
{
    (void)state;
    fault_next = 1;
    fault_start();
    volatile size_t sz = 16; /* keep the compiler from eliding the call */
    void *volatile p = malloc(sz);
    fault_disarm();
    int fired = fault_fired;
    free(p);
    assert_true(fired);
    assert_null(p);
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrappers_active),
        cmocka_unit_test_setup_teardown(test_countries, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_trade, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_inherit, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_trade_nolist, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_shocks, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cfg, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_scenario, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_check, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ge, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_run, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sweep_design, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sweep_run, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
