/*
 * fuzz_sweep.c - libFuzzer target: the sweep design (the `sweep` block:
 * grid/random/sobol/lhs/file designs, parameters, keep, replicates) as
 * `sancsim sweep` prepares it before the first run: base scenario load and
 * check, design expansion, the kept variables' layout from a base world
 * stopped at period 0, and the validation that tries every grid value (the
 * centre of every distribution) on the base config -- sweep_manifest_size.
 * No run is computed.
 *
 * The input is appended to a fixed small base scenario (which has no
 * `sweep` block), so it is normally the `sweep = {...};` block itself but
 * may also add other top-level settings.  The scratch folder holds the data
 * files of fuzz_common.h plus two design files (design = "file").
 *
 * Cost bound: sweep_design_load has no size knob, and the validation loads
 * the scenario once per grid value, so inputs whose design would exceed
 * FUZZ_SWEEP_MAX_RUNS runs or FUZZ_SWEEP_MAX_TRIES validation loads are
 * skipped after a cheap look at the parsed tree.
 *
 * Invariants: no crash, no leak, no UB; an error always carries a message
 * and a negative code; a design that loads has nruns = npoints x
 * replicates, finite points within each parameter's range or levels, and
 * an override for every point that fits a buffer of 4.3 KB.
 * FUZZ_SWEEP_VERBOSE=1 in the environment prints each input's outcome.
 */
#include <math.h>
#include <stdint.h>

#include "cfg.h"
#include "fuzz_common.h"
#include "run.h"
#include "scenario.h"
#include "sweep.h"

#define FUZZ_SWEEP_MAX_RUNS 1000
#define FUZZ_SWEEP_MAX_TRIES 40

static const char fuzz_sweep_base[] =
    "scenario = { name = \"fz\"; start = \"2022-01\"; step = \"month\"; periods = 3; seed = 5; };\n"
    "data = { trade = \"trade.csv\"; countries = \"countries.csv\"; units = \"USD million\"; };\n"
    "groups = { WEST = [\"AAA\", \"BBB\"]; };\n"
    "trade = { sigma = 5.0; adjustment = 0.5; noise = { sd = 0.01; rho = 0.2; };\n"
    "          sectors = ( { name = \"energy\"; sigma = 8.0; adjustment = 0.25; } ); };\n"
    "sanctions = ( { name = \"ban\"; senders = [\"WEST\"]; targets = [\"CCC\"]; type = \"trade\";\n"
    "                direction = \"import\"; sectors = [\"energy\"]; ban = true; enforcement = 0.9;\n"
    "                start = 1; ramp = 1; } );\n"
    "events = ( { name = \"e\"; start = 2; exporters = [\"CCC\"]; importers = [\"AAA\"];\n"
    "             factor = 1.5; } );\n"
    "output = { flows = \"none\"; };\n";

static const char fuzz_sweep_design_csv[] =
    "trade.sigma, sanctions.[0].enforcement\n4.0,0.5\n6.0,0.75\n\n8.0,1.0\n";
static const char fuzz_sweep_design_bad_csv[] = "trade.sigma,scenario.seed\n4.0,1\n5.0\n";

static size_t fuzz_sweep_base_len;

/* Integer value of a setting for the cost bound (what the loader would
 * reject counts as 1: the load fails before expanding anything). */
static double fuzz_sweep_num(const config_setting_t *s)
{
    if (s == NULL)
        return 1.0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return 1.0;
    long long v = config_setting_get_int64(s);
    return v < 1 ? 1.0 : (double)v;
}

/* Runs and validation loads the design would need, from the parsed tree. */
static void fuzz_sweep_cost(const config_t *lc, double *runs, double *tries)
{
    *runs = 1.0;
    *tries = 0.0;
    config_setting_t *b = config_lookup(lc, "sweep");
    if (b == NULL || !config_setting_is_group(b))
        return;
    const char *kind = "grid";
    config_setting_t *ks = config_setting_get_member(b, "design");
    if (ks && config_setting_type(ks) == CONFIG_TYPE_STRING)
        kind = config_setting_get_string(ks);
    double reps = fuzz_sweep_num(config_setting_get_member(b, "replicates"));
    config_setting_t *pl = config_setting_get_member(b, "parameters");
    int np = pl ? config_setting_length(pl) : 0;
    double points = 1.0;
    if (strcmp(kind, "random") == 0 || strcmp(kind, "sobol") == 0 || strcmp(kind, "lhs") == 0) {
        points = fuzz_sweep_num(config_setting_get_member(b, "samples"));
        *tries = np;
    } else if (strcmp(kind, "file") == 0) {
        /* the files a design may name here are the scratch folder's few-line
         * files; a header has at most 64 columns, one validation load each */
        points = 16;
        *tries = 16;
    } else {
        for (int j = 0; j < np; j++) {
            config_setting_t *p = config_setting_get_elem(pl, (unsigned)j);
            config_setting_t *v = p && config_setting_is_group(p) ? config_setting_get_member(p, "values") : NULL;
            double n = v ? (double)config_setting_length(v)
                         : fuzz_sweep_num(p && config_setting_is_group(p) ? config_setting_get_member(p, "steps")
                                                                          : NULL);
            if (n < 1)
                n = 1;
            points *= n;
            *tries += n;
        }
    }
    *runs = points * reps;
}

/* What a loaded design must satisfy. */
static void fuzz_sweep_check_design(const sweep_design *d)
{
    if (d->nparams < 1 || d->npoints < 1 || d->replicates < 1 || d->nruns != d->npoints * d->replicates ||
        d->nkeep < 1 || d->point == NULL)
        abort();
    char buf[4300];
    for (int64_t p = 0; p < d->npoints; p++)
        for (int j = 0; j < d->nparams; j++) {
            const sweep_param *q = &d->param[j];
            double v = d->point[p * d->nparams + j];
            if (!isfinite(v))
                abort();
            switch (q->kind) {
            case SWEEP_P_VALUES:
            case SWEEP_P_RANGE:
                if (q->categorical) {
                    if (v != nearbyint(v) || v < 0 || v >= q->nlevels)
                        abort();
                } else {
                    int found = 0;
                    for (int i = 0; i < q->nlevels && !found; i++)
                        found = q->level[i] == v;
                    if (!found)
                        abort();
                }
                break;
            case SWEEP_P_UNIFORM: {
                /* integer targets are rounded to the nearest integer */
                int it = q->target_type == CONFIG_TYPE_INT || q->target_type == CONFIG_TYPE_INT64;
                double tol = it ? 1.0 : 1e-12 * (fabs(q->min) + fabs(q->max));
                if (!(v >= q->min - tol && v <= q->max + tol))
                    abort();
                break;
            }
            default:
                break;
            }
            errbuf e;
            err_init(&e);
            int rc = sweep_override(d, p, j, buf, sizeof buf, &e);
            if (rc > 0 || (rc != SANC_OK && e.msg[0] == '\0'))
                abort();
        }
    for (int64_t r = 0; r < d->nruns && r < 4; r++)
        (void)sweep_run_seed(d, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (fuzz_sweep_base_len == 0) {
        fuzz_sweep_base_len = strlen(fuzz_sweep_base);
        if (fuzz_write("design.csv", fuzz_sweep_design_csv, strlen(fuzz_sweep_design_csv)) ||
            fuzz_write("design_bad.csv", fuzz_sweep_design_bad_csv, strlen(fuzz_sweep_design_bad_csv)))
            abort();
    }
    if (size > 16 * 1024)
        return 0;
    char *text = malloc(fuzz_sweep_base_len + size + 2);
    if (text == NULL)
        abort();
    memcpy(text, fuzz_sweep_base, fuzz_sweep_base_len);
    memcpy(text + fuzz_sweep_base_len, data, size);
    text[fuzz_sweep_base_len + size] = '\n';
    int wrc = fuzz_write("sw.cfg", text, fuzz_sweep_base_len + size + 1);
    free(text);
    if (wrc != 0)
        abort();
    char path[512];
    fuzz_path("sw.cfg", path, sizeof path);

    /* the base scenario, for the cost bound and the design on its own */
    errbuf e;
    err_init(&e);
    scenario sc;
    int rc = scenario_load(&sc, path, NULL, 0, -1, &e);
    if (rc != SANC_OK) {
        if (e.msg[0] == '\0' || rc > 0)
            abort();
        if (getenv("FUZZ_SWEEP_VERBOSE"))
            fprintf(stderr, "fuzz_sweep: scenario rc %d: %s\n", rc, e.msg);
        scenario_destroy(&sc);
        return 0;
    }
    double runs, tries;
    fuzz_sweep_cost(&sc.cfg.lc, &runs, &tries);
    if (runs > FUZZ_SWEEP_MAX_RUNS || tries > FUZZ_SWEEP_MAX_TRIES ||
        (long long)sc.periods * sc.nc * sc.nc * sc.ns > 2000) {
        if (getenv("FUZZ_SWEEP_VERBOSE"))
            fprintf(stderr, "fuzz_sweep: skipped (%g runs, %g tries)\n", runs, tries);
        scenario_destroy(&sc);
        return 0;
    }
    sweep_design d;
    rc = sweep_design_load(&d, &sc, &e);
    if (rc == SANC_OK)
        fuzz_sweep_check_design(&d);
    else if (e.msg[0] == '\0' || rc > 0)
        abort();
    if (rc != SANC_OK && getenv("FUZZ_SWEEP_VERBOSE"))
        fprintf(stderr, "fuzz_sweep: design rc %d: %s\n", rc, e.msg);
    sweep_design_free(&d);
    scenario_destroy(&sc);
    if (rc != SANC_OK)
        return 0;

    /* what `sancsim sweep` does before its first run */
    sweep_opts o;
    memset(&o, 0, sizeof o);
    o.config = path;
    o.seed_override = -1;
    o.jobs = 1;
    o.quiet = 1;
    int64_t nruns = -1;
    err_init(&e);
    rc = sweep_manifest_size(&o, &nruns, &e);
    if (rc > 0 || (rc != SANC_OK && e.msg[0] == '\0'))
        abort();
    if (rc == SANC_OK && (nruns < 1 || nruns > FUZZ_SWEEP_MAX_RUNS))
        abort();
    if (getenv("FUZZ_SWEEP_VERBOSE"))
        fprintf(stderr, "fuzz_sweep: rc %d, %lld runs: %s\n", rc, (long long)nruns, e.msg);
    return 0;
}
