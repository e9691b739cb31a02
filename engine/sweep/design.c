/*
 * design.c - the `sweep` block of a scenario and its expansion into design
 * points, by a design chosen by name from the registry below (one file
 * per design under designs/, behind the ops table of sweep_design.h).
 *
 * Every point is computed here, before any run, from the block and the
 * base seed alone, so every worker, shard and MPI rank sees the same
 * manifest.  sweep_design_load reads the block in named phases: the
 * block, the design's name, the common settings, the kept variables, the
 * design's own parse, the number of points and runs, the points.
 */
#include "sweep_design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfgpath.h"
#include "rng.h"
#include "scenario.h"

/* The registry of designs: one X(name) per design, defined in
 * designs/<name>.c as `const sweep_design_ops sweep_design_<name>` (the
 * first is the default). */
#define SWEEP_DESIGNS(X)                                                                     \
    X(grid)   /* every combination of values or ranges */                                    \
    X(random) /* independent draws */                                                        \
    X(sobol)  /* a Sobol sequence */                                                         \
    X(lhs)    /* a jittered Latin hypercube */                                               \
    X(file)   /* the rows of a CSV file */

#define SWEEP_DESIGN_DECLARE(n) extern const sweep_design_ops sweep_design_##n;
#define SWEEP_DESIGN_ENTRY(n) &sweep_design_##n,
SWEEP_DESIGNS(SWEEP_DESIGN_DECLARE)

static const sweep_design_ops *const sweep_design_registry[] = {SWEEP_DESIGNS(SWEEP_DESIGN_ENTRY) NULL};

/* The block keys every design takes. */
static const char *const sweep__common_keys[] = {"design", "replicates", "keep", "common_seeds", "summaries",
                                                 NULL};

const char *const sweep_param_keys[] = {"path", "values", "min", "max", "steps", "distribution", "mean", "sd",
                                        NULL};

static int sweep__has_key(const char *const *keys, const char *key)
{
    for (int i = 0; keys != NULL && keys[i] != NULL; i++)
        if (strcmp(keys[i], key) == 0)
            return 1;
    return 0;
}

/* "a, b OR c" from the registry's names (those taking `key` when key is
 * not NULL). */
static void sweep__names(const char *key, const char *or, char *buf, size_t n)
{
    int count = 0, total = 0;
    for (int i = 0; sweep_design_registry[i] != NULL; i++)
        total += key == NULL || sweep__has_key(sweep_design_registry[i]->keys, key);
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; sweep_design_registry[i] != NULL && len < n; i++) {
        if (key != NULL && !sweep__has_key(sweep_design_registry[i]->keys, key))
            continue;
        count++;
        len += (size_t)snprintf(buf + len, n - len, "%s%s", count == 1 ? "" : count == total ? or : ", ",
                                sweep_design_registry[i]->name);
    }
}

/* ------------------------------------------------------------------ */
/* what the designs share                                              */

int sweep_param_target(sweep_param *p, const scenario *sc, errbuf *e)
{
    config_setting_t *target = NULL;
    errbuf pe;
    err_init(&pe);
    if (cfg_lookup_name(config_root_setting((config_t *)&sc->cfg.lc), p->path, &target, &pe) != SANC_OK) {
        if (pe.code == SANC_ENOMEM)
            return err_set(e, SANC_ENOMEM, "out of memory");
        target = NULL; /* a missing key may be created; a bad name fails when tried on the base */
    }
    p->target_type = target ? config_setting_type(target) : CONFIG_TYPE_NONE;
    /* the target's name path, or the path as written for a key the run
     * will create */
    char buf[2048];
    p->name = strdup(target != NULL ? cfg_name_path(target, buf, sizeof buf) : p->path);
    return p->name != NULL ? SANC_OK : err_set(e, SANC_ENOMEM, "out of memory");
}

/* One entry of `parameters`: its keys and its path, then the design's
 * `one` for the values. */
static int sweep__param(sweep_design *d, sweep_param *p, const config_setting_t *g, const scenario *sc,
                        int (*one)(sweep_design *d, sweep_param *p, const config_setting_t *g, errbuf *e),
                        errbuf *e)
{
    int rc = cfg_check_keys(g, sweep_param_keys, e);
    const char *path = NULL;
    if (rc == SANC_OK)
        rc = cfg_get_string(g, "path", 1, &path, e);
    if (rc != SANC_OK)
        return rc;
    p->line = config_setting_source_line(g);
    if ((p->path = strdup(path)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    cfg_npath np;
    errbuf pe;
    err_init(&pe);
    rc = cfg_npath_parse(path, &np, &pe);
    int selfref = rc == SANC_OK && np.seg[0].kind == CFG_SEG_NAME && strcmp(np.seg[0].name, "sweep") == 0;
    cfg_npath_free(&np);
    if (rc != SANC_OK || strpbrk(path, "\t\n\r") != NULL)
        return cfg_fail(config_setting_get_member(g, "path"), e, "%s",
                        pe.msg[0] ? pe.msg : "bad name path (a control character)");
    if (selfref)
        return cfg_fail(config_setting_get_member(g, "path"), e, "a sweep cannot vary its own sweep block");
    if ((rc = sweep_param_target(p, sc, e)) != SANC_OK)
        return rc;
    return one(d, p, g, e);
}

int sweep_params_parse(sweep_design *d, const scenario *sc, const config_setting_t *block,
                       int (*one)(sweep_design *d, sweep_param *p, const config_setting_t *g, errbuf *e),
                       errbuf *e)
{
    config_setting_t *pl = NULL;
    int rc = cfg_get_list(block, "parameters", 1, &pl, e);
    if (rc != SANC_OK)
        return rc;
    int n = config_setting_length(pl);
    if (n < 1 || n > SWEEP_MAX_PARAMS)
        return cfg_fail(pl, e, "needs 1..%d parameters (got %d)", SWEEP_MAX_PARAMS, n);
    for (int j = 0; j < n && rc == SANC_OK; j++) {
        d->nparams = j + 1;
        rc = sweep__param(d, &d->param[j], config_setting_get_elem(pl, (unsigned)j), sc, one, e);
    }
    return rc;
}

double sweep_param_round(const sweep_param *p, double v)
{
    if (p->target_type == CONFIG_TYPE_INT || p->target_type == CONFIG_TYPE_INT64)
        v = (double)(long long)(v + (v < 0 ? -0.5 : 0.5));
    return v;
}

/* ------------------------------------------------------------------ */
/* the phases of sweep_design_load                                     */

/* The `sweep` block, with no key that no design takes. */
static int sweep__load_block(const scenario *sc, config_setting_t **b, errbuf *e)
{
    config_setting_t *root = config_root_setting((config_t *)&sc->cfg.lc);
    int rc = cfg_get_group(root, "sweep", 0, b, e);
    if (rc == CFG_ABSENT)
        return err_set(e, SANC_ECONFIG, "%s: no `sweep` block (see README: Parameter sweeps)", sc->cfg.path);
    if (rc != SANC_OK)
        return rc;
    const char *keys[64];
    int nk = 0;
    for (int i = 0; sweep__common_keys[i] != NULL; i++)
        keys[nk++] = sweep__common_keys[i];
    for (int i = 0; sweep_design_registry[i] != NULL; i++)
        for (const char *const *k = sweep_design_registry[i]->keys; *k != NULL && nk < 63; k++) {
            keys[nk] = NULL;
            if (!sweep__has_key(keys, *k))
                keys[nk++] = *k;
        }
    keys[nk] = NULL;
    return cfg_check_keys(*b, keys, e);
}

/* `design`: the ops from the registry; a key only other designs take is
 * an error naming them. */
static int sweep__load_kind(sweep_design *d, const config_setting_t *b, errbuf *e)
{
    const char *kind = sweep_design_registry[0]->name;
    int rc = cfg_get_string(b, "design", 0, &kind, e);
    if (rc < 0)
        return rc;
    for (int i = 0; sweep_design_registry[i] != NULL && d->ops == NULL; i++)
        if (strcmp(kind, sweep_design_registry[i]->name) == 0)
            d->ops = sweep_design_registry[i];
    char names[512];
    if (d->ops == NULL) {
        sweep__names(NULL, " or ", names, sizeof names);
        return cfg_fail(config_setting_get_member(b, "design"), e, "unknown design '%s' (expected %s)", kind,
                        names);
    }
    for (int i = 0; i < config_setting_length(b); i++) {
        const config_setting_t *m = config_setting_get_elem(b, (unsigned)i);
        const char *key = config_setting_name(m);
        if (sweep__has_key(sweep__common_keys, key) || sweep__has_key(d->ops->keys, key))
            continue;
        sweep__names(key, " and ", names, sizeof names);
        if (strchr(names, ' ') == NULL)
            return cfg_fail(m, e, "only design = \"%s\" takes `%s`", names, key);
        return cfg_fail(m, e, "only %s designs take `%s`", names, key);
    }
    return SANC_OK;
}

/* replicates, common_seeds, summaries */
static int sweep__load_common(sweep_design *d, const config_setting_t *b, errbuf *e)
{
    int64_t v = 1;
    int rc = cfg_get_int(b, "replicates", 0, 1, SWEEP_MAX_RUNS, &v, e);
    if (rc < 0)
        return rc;
    d->replicates = v;
    if ((rc = cfg_get_bool(b, "common_seeds", 0, &d->common_seeds, e)) < 0 ||
        (rc = cfg_get_bool(b, "summaries", 0, &d->summaries, e)) < 0)
        return rc;
    return SANC_OK;
}

/* keep: the variables each run records, at least one, none twice */
static int sweep__load_keep(sweep_design *d, const config_setting_t *b, errbuf *e)
{
    const char **keep = NULL;
    int nkeep = 0;
    config_setting_t *kw = NULL;
    int rc = cfg_get_strings(b, "keep", 1, &keep, &nkeep, &kw, e);
    if (rc != SANC_OK)
        return rc;
    if (nkeep == 0) {
        free(keep);
        return cfg_fail(kw, e, "keep at least one variable");
    }
    d->keep = calloc((size_t)nkeep, sizeof *d->keep);
    if (d->keep == NULL) {
        free(keep);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (int i = 0; i < nkeep && rc == SANC_OK; i++) {
        for (int k = 0; k < i; k++)
            if (strcmp(keep[k], keep[i]) == 0)
                rc = cfg_fail(kw, e, "variable %s listed twice", keep[i]);
        if (rc == SANC_OK && (d->keep[i] = strdup(keep[i])) == NULL)
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        d->nkeep = i + 1;
    }
    free(keep);
    return rc;
}

/* the design's own settings and parameters; no path twice */
static int sweep__load_params(sweep_design *d, const scenario *sc, const config_setting_t *b, errbuf *e)
{
    d->param = calloc(SWEEP_MAX_PARAMS, sizeof *d->param);
    if (d->param == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int rc = d->ops->parse(d, sc, b, e);
    if (rc != SANC_OK)
        return rc;
    for (int j = 0; j < d->nparams; j++)
        for (int k = 0; k < j; k++)
            if (strcmp(d->param[j].path, d->param[k].path) == 0)
                return err_set(e, SANC_ECONFIG, "%s:%d: sweep: parameter %s appears twice", sc->cfg.path,
                               d->param[j].line, d->param[j].path);
    return SANC_OK;
}

/* points x replicates = runs, within SWEEP_MAX_RUNS */
static int sweep__load_size(sweep_design *d, errbuf *e)
{
    int rc = d->ops->npoints(d, &d->npoints, e);
    if (rc != SANC_OK)
        return rc;
    if (d->npoints > SWEEP_MAX_RUNS / d->replicates)
        return err_set(e, SANC_ELIMIT, "sweep: %lld points x %lld replicates exceeds %lld runs",
                       (long long)d->npoints, (long long)d->replicates, (long long)SWEEP_MAX_RUNS);
    d->nruns = d->npoints * d->replicates;
    return SANC_OK;
}

static int sweep__load_points(sweep_design *d, errbuf *e)
{
    if (d->point == NULL) {
        d->point = malloc(sizeof *d->point * (size_t)(d->npoints * d->nparams));
        if (d->point == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }
    return d->ops->points != NULL ? d->ops->points(d, e) : SANC_OK;
}

int sweep_design_load(sweep_design *d, const scenario *sc, errbuf *e)
{
    memset(d, 0, sizeof *d);
    d->base_seed = sc->seed;
    config_setting_t *b = NULL;
    int rc = sweep__load_block(sc, &b, e);
    if (rc == SANC_OK)
        rc = sweep__load_kind(d, b, e);
    if (rc == SANC_OK)
        rc = sweep__load_common(d, b, e);
    if (rc == SANC_OK)
        rc = sweep__load_keep(d, b, e);
    if (rc == SANC_OK)
        rc = sweep__load_params(d, sc, b, e);
    if (rc == SANC_OK)
        rc = sweep__load_size(d, e);
    if (rc == SANC_OK)
        rc = sweep__load_points(d, e);
    return rc;
}

const char *sweep_design_name(const sweep_design *d)
{
    return d->ops->name;
}

int sweep_design_probe(const sweep_design *d, int j, int i, double *v)
{
    return d->ops->probe(d, j, i, v);
}

const char *sweep_design_input(const sweep_design *d, char sha256[65])
{
    return d->ops->input != NULL ? d->ops->input(d, sha256) : NULL;
}

void sweep_design_free(sweep_design *d)
{
    if (d->param)
        for (int j = 0; j < SWEEP_MAX_PARAMS; j++) {
            sweep_param *p = &d->param[j];
            free(p->path);
            free(p->name);
            free(p->level);
            if (p->label)
                for (int i = 0; i < p->nlevels; i++)
                    free(p->label[i]);
            free(p->label);
        }
    free(d->param);
    free(d->point);
    if (d->ops != NULL && d->ops->free != NULL)
        d->ops->free(d);
    else
        free(d->state);
    for (int i = 0; i < d->nkeep; i++)
        free(d->keep[i]);
    free(d->keep);
    memset(d, 0, sizeof *d);
}

uint64_t sweep_run_seed(const sweep_design *d, int64_t run)
{
    uint64_t idx = d->common_seeds ? (uint64_t)(run % d->replicates) : (uint64_t)run;
    return (uint64_t)rng_mix32(d->base_seed) ^ idx;
}

/* Numbers keep all 17 digits; a float setting gets a float literal and an
 * integer setting an integer literal (a non-integral value for an integer
 * setting stays a float, which the override then rejects). */
int sweep_override(const sweep_design *d, int64_t point, int j, char *buf, size_t n, errbuf *e)
{
    return sweep_override_value(&d->param[j], d->point[point * d->nparams + j], buf, n, e);
}

int sweep_override_value(const sweep_param *p, double v, char *buf, size_t n, errbuf *e)
{
    int w;
    if (p->categorical) {
        w = snprintf(buf, n, "%s=%s", p->path, p->label[(int)v]);
    } else if ((p->target_type == CONFIG_TYPE_INT || p->target_type == CONFIG_TYPE_INT64) && v == nearbyint(v) &&
               fabs(v) < 9.0e15) {
        w = snprintf(buf, n, "%s=%.0f", p->path, v);
    } else {
        w = snprintf(buf, n, "%s=%.17g", p->path, v);
        if (w > 0 && (size_t)w < n && strpbrk(buf + strlen(p->path) + 1, ".eEn") == NULL)
            w += snprintf(buf + w, n - (size_t)w, ".0");
    }
    if (w < 0 || (size_t)w >= n)
        return err_set(e, SANC_ELIMIT, "sweep: override of %s too long", p->path);
    return SANC_OK;
}
