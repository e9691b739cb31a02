/*
 * design.c - the `sweep` block of a scenario and its expansion into design
 * points (grid, random, Sobol, Latin hypercube, or rows of a CSV file).
 *
 * Every point is computed here, before any run, from the block and the
 * base seed alone, so every worker, shard and MPI rank sees the same
 * manifest.  Sampled designs draw u in (0,1) per parameter (mt19937 on the
 * RNG_SWEEP stream, GSL's Sobol sequence (which omits the all-zero point),
 * or a jittered Latin hypercube) and map it through the inverse CDF of the
 * parameter's distribution.
 */
#include "sweep.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "cfg.h"
#include "fsafe.h"
#include "hash.h"
#include "cfgpath.h"
#include "rng.h"
#include "scenario.h"
#include "utf8.h"

/* A manifest this long is surely a typo; it also keeps run indices far
 * from anything that could wrap in 32-bit seeds' XOR. */
#define SWEEP_MAX_RUNS 1000000000LL
#define SWEEP_MAX_PARAMS 64
#define SWEEP_MAX_LEVELS 100000

static const char *const sweep_design_names[] = {"grid", "random", "sobol", "lhs", "file", NULL};

/* libconfig text of a scalar, an array or a list of scalars: the form in
 * which a categorical value goes into an override and into the labels. */
static int sweep__format(const config_setting_t *s, char *buf, size_t n)
{
    size_t used = 0;
    int t = config_setting_type(s);
    switch (t) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        used = (size_t)snprintf(buf, n, "%lld", (long long)config_setting_get_int64(s));
        break;
    case CONFIG_TYPE_FLOAT: {
        /* `1e400` parses as inf: its label "inf" would reach a string
         * setting as the word inf */
        if (!isfinite(config_setting_get_float(s)))
            return -1;
        used = (size_t)snprintf(buf, n, "%.17g", config_setting_get_float(s));
        if (used < n && strpbrk(buf, ".eEn") == NULL)
            used += (size_t)snprintf(buf + used, n - used, ".0");
        break;
    }
    case CONFIG_TYPE_BOOL:
        used = (size_t)snprintf(buf, n, "%s", config_setting_get_bool(s) ? "true" : "false");
        break;
    case CONFIG_TYPE_STRING: {
        const char *v = config_setting_get_string(s);
        if (n < 3)
            return -1;
        buf[used++] = '"';
        for (; *v; v++) {
            if (*v == '"' || *v == '\\') {
                if (used + 2 >= n)
                    return -1;
                buf[used++] = '\\';
            } else if ((unsigned char)*v < 0x20) {
                return -1; /* would smuggle a newline into an override */
            }
            if (used + 2 >= n)
                return -1;
            buf[used++] = *v;
        }
        buf[used++] = '"';
        buf[used] = '\0';
        break;
    }
    case CONFIG_TYPE_ARRAY:
    case CONFIG_TYPE_LIST: {
        int len = config_setting_length(s);
        used = (size_t)snprintf(buf, n, "%c", t == CONFIG_TYPE_ARRAY ? '[' : '(');
        for (int i = 0; i < len && used < n; i++) {
            if (i)
                used += (size_t)snprintf(buf + used, n - used, ", ");
            if (used >= n || sweep__format(config_setting_get_elem(s, (unsigned)i), buf + used, n - used) < 0)
                return -1;
            used += strlen(buf + used);
        }
        if (used < n)
            used += (size_t)snprintf(buf + used, n - used, "%c", t == CONFIG_TYPE_ARRAY ? ']' : ')');
        break;
    }
    default:
        return -1; /* groups are not sweep values */
    }
    return used < n ? 0 : -1;
}

/* p->name: the target's name path, or the path as written for a key the
 * run will create. */
static int sweep__name(sweep_param *p, const config_setting_t *target, errbuf *e)
{
    char buf[2048];
    p->name = strdup(target != NULL ? cfg_name_path(target, buf, sizeof buf) : p->path);
    return p->name != NULL ? SANC_OK : err_set(e, SANC_ENOMEM, "out of memory");
}

static int sweep__is_number(const config_setting_t *s)
{
    int t = config_setting_type(s);
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
}

/* A grid parameter's values: all numbers (numeric), or anything else
 * (categorical: every value, numbers included, becomes a label). */
static int sweep__values(sweep_param *p, const config_setting_t *vs, errbuf *e)
{
    int t = config_setting_type(vs);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return cfg_fail(vs, e, "expected an array or list of values");
    int n = config_setting_length(vs);
    if (n < 1 || n > SWEEP_MAX_LEVELS)
        return cfg_fail(vs, e, "needs 1..%d values (got %d)", SWEEP_MAX_LEVELS, n);
    int numeric = 1;
    for (int i = 0; i < n; i++)
        if (!sweep__is_number(config_setting_get_elem(vs, (unsigned)i)))
            numeric = 0;
    p->nlevels = n;
    p->level = calloc((size_t)n, sizeof *p->level);
    if (p->level == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (numeric) {
        for (int i = 0; i < n; i++) {
            int rc = cfg_elem_double(config_setting_get_elem(vs, (unsigned)i), &p->level[i], e);
            if (rc != SANC_OK)
                return rc;
        }
        return SANC_OK;
    }
    p->categorical = 1;
    p->label = calloc((size_t)n, sizeof *p->label);
    if (p->label == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        const config_setting_t *el = config_setting_get_elem(vs, (unsigned)i);
        char buf[4096];
        if (sweep__format(el, buf, sizeof buf) < 0)
            return cfg_fail(el, e, "value %d cannot be used (a group, a non-finite number, a control character, "
                            "or longer than 4 KB)", i);
        for (int k = 0; k < i; k++)
            if (strcmp(p->label[k], buf) == 0)
                return cfg_fail(el, e, "duplicate value %s", buf);
        if ((p->label[i] = strdup(buf)) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        p->level[i] = i;
    }
    return SANC_OK;
}

static int sweep__param(sweep_design *d, sweep_param *p, const config_setting_t *g, const scenario *sc,
                        errbuf *e)
{
    static const char *const keys[] = {"path", "values", "min", "max", "steps", "distribution", "mean", "sd",
                                       NULL};
    int rc = cfg_check_keys(g, keys, e);
    const char *path = NULL, *dist = NULL;
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
    config_setting_t *target = NULL;
    err_init(&pe);
    if (cfg_lookup_name(config_root_setting((config_t *)&sc->cfg.lc), path, &target, &pe) != SANC_OK) {
        if (pe.code == SANC_ENOMEM)
            return err_set(e, SANC_ENOMEM, "out of memory");
        target = NULL; /* a missing key may be created; a bad name fails when tried on the base */
    }
    p->target_type = target ? config_setting_type(target) : CONFIG_TYPE_NONE;
    if ((rc = sweep__name(p, target, e)) != SANC_OK)
        return rc;

    config_setting_t *values = config_setting_get_member(g, "values");
    int has_range = config_setting_get_member(g, "steps") != NULL;
    if ((rc = cfg_get_string(g, "distribution", 0, &dist, e)) < 0)
        return rc;
    int has_dist = rc == SANC_OK;
    if (d->kind == SWEEP_GRID) {
        if (has_dist)
            return cfg_fail(g, e, "a grid takes `values` or `min`/`max`/`steps`, not a distribution "
                            "(mixing grid and sampled parameters is an error)");
        if ((values != NULL) == has_range)
            return cfg_fail(g, e, "a grid parameter needs either `values` or `min`/`max`/`steps`");
        if (values != NULL) {
            if (config_setting_get_member(g, "min") || config_setting_get_member(g, "max"))
                return cfg_fail(g, e, "`values` excludes `min`/`max`");
            p->kind = SWEEP_P_VALUES;
            return sweep__values(p, values, e);
        }
        int64_t steps;
        if ((rc = cfg_get_int(g, "steps", 1, 1, SWEEP_MAX_LEVELS, &steps, e)) != SANC_OK ||
            (rc = cfg_get_double(g, "min", 1, &p->min, e)) != SANC_OK ||
            (rc = cfg_get_double(g, "max", 1, &p->max, e)) != SANC_OK)
            return rc;
        if (steps > 1 && !(p->max > p->min))
            return cfg_fail(config_setting_get_member(g, "max"), e, "must be > min (got %g <= %g)", p->max,
                            p->min);
        /* level i is min + (max - min) i / (steps - 1): keep the product finite */
        if (!isfinite((p->max - p->min) * (double)steps))
            return cfg_fail(g, e, "(max - min) x steps overflows a double (%g .. %g)", p->min, p->max);
        p->kind = SWEEP_P_RANGE;
        p->nlevels = (int)steps;
        if ((p->level = calloc((size_t)steps, sizeof *p->level)) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        for (int i = 0; i < (int)steps; i++)
            p->level[i] = steps == 1 ? p->min
                                     : (i == steps - 1 ? p->max : p->min + (p->max - p->min) * i / (double)(steps - 1));
        return SANC_OK;
    }
    /* random, sobol, lhs */
    if (values != NULL || has_range)
        return cfg_fail(g, e, "design \"%s\" takes a distribution, not `values`/`steps` (mixing grid and "
                        "sampled parameters is an error)", sweep_design_names[d->kind]);
    if (!has_dist)
        return cfg_fail_key(g, "distribution", e, "missing required setting (\"uniform\" or \"normal\")");
    if (strcmp(dist, "uniform") == 0) {
        if (config_setting_get_member(g, "mean") || config_setting_get_member(g, "sd"))
            return cfg_fail(g, e, "a uniform distribution takes min and max, not mean/sd");
        if ((rc = cfg_get_double(g, "min", 1, &p->min, e)) != SANC_OK ||
            (rc = cfg_get_double(g, "max", 1, &p->max, e)) != SANC_OK)
            return rc;
        if (!(p->max > p->min))
            return cfg_fail(config_setting_get_member(g, "max"), e, "must be > min (got %g <= %g)", p->max,
                            p->min);
        /* the quantile is min + u (max - min): inf for a range wider than DBL_MAX */
        if (!isfinite(p->max - p->min))
            return cfg_fail(g, e, "max - min overflows a double (%g .. %g)", p->min, p->max);
        p->kind = SWEEP_P_UNIFORM;
    } else if (strcmp(dist, "normal") == 0) {
        if (config_setting_get_member(g, "min") || config_setting_get_member(g, "max"))
            return cfg_fail(g, e, "a normal distribution takes mean and sd, not min/max");
        if ((rc = cfg_get_double(g, "mean", 1, &p->mean, e)) != SANC_OK ||
            (rc = cfg_get_double(g, "sd", 1, &p->sd, e)) != SANC_OK)
            return rc;
        if (!(p->sd > 0))
            return cfg_fail(config_setting_get_member(g, "sd"), e, "must be > 0 (got %g)", p->sd);
        /* u is clamped to [DBL_MIN, 1 - DBL_EPSILON], where |Pinv(u)| < 38: every
         * sample must stay finite */
        if (!isfinite(fabs(p->mean) + 38.0 * p->sd))
            return cfg_fail(g, e, "mean +- 38 sd overflows a double (mean %g, sd %g)", p->mean, p->sd);
        p->kind = SWEEP_P_NORMAL;
    } else {
        return cfg_fail(config_setting_get_member(g, "distribution"), e,
                        "unknown distribution '%s' (expected uniform or normal)", dist);
    }
    return SANC_OK;
}

/* Inverse CDF; integer settings get the nearest integer (a Latin
 * hypercube over an integer range stays stratified to within rounding). */
static double sweep__quantile(const sweep_param *p, double u)
{
    if (u < DBL_MIN)
        u = DBL_MIN;
    if (u > 1.0 - DBL_EPSILON)
        u = 1.0 - DBL_EPSILON;
    double v = p->kind == SWEEP_P_UNIFORM ? p->min + u * (p->max - p->min)
                                          : p->mean + p->sd * gsl_cdf_ugaussian_Pinv(u);
    if (p->target_type == CONFIG_TYPE_INT || p->target_type == CONFIG_TYPE_INT64)
        v = nearbyint(v);
    return v;
}

static int sweep__expand_sampled(sweep_design *d, errbuf *e)
{
    int64_t n = d->npoints;
    int np = d->nparams;
    if (d->kind == SWEEP_SOBOL) {
        if (np > 40)
            return err_set(e, SANC_ECONFIG, "sweep: a Sobol design supports at most 40 parameters (got %d)", np);
        gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)np);
        if (q == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        double u[40];
        /* GSL's Sobol sequence starts after the all-zero point (whose
         * inverse normal CDF would be -inf): its first point is all 1/2 */
        for (int64_t i = 0; i < n; i++) {
            if (gsl_qrng_get(q, u) != GSL_SUCCESS) {
                gsl_qrng_free(q);
                return err_set(e, SANC_ECONFIG, "sweep: the Sobol generator gave out after %lld points",
                               (long long)i);
            }
            for (int j = 0; j < np; j++)
                d->point[i * np + j] = sweep__quantile(&d->param[j], u[j]);
        }
        gsl_qrng_free(q);
        return SANC_OK;
    }
    gsl_rng *r = rng_stream_new(d->base_seed, RNG_SWEEP);
    if (r == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (d->kind == SWEEP_RANDOM) {
        for (int64_t i = 0; i < n; i++)
            for (int j = 0; j < np; j++)
                d->point[i * np + j] = sweep__quantile(&d->param[j], gsl_rng_uniform_pos(r));
        gsl_rng_free(r);
        return SANC_OK;
    }
    /* Latin hypercube: one stratum per point in every coordinate */
    int64_t *perm = malloc(sizeof *perm * (size_t)n);
    if (perm == NULL) {
        gsl_rng_free(r);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (int j = 0; j < np; j++) {
        for (int64_t i = 0; i < n; i++)
            perm[i] = i;
        gsl_ran_shuffle(r, perm, (size_t)n, sizeof *perm);
        for (int64_t i = 0; i < n; i++)
            d->point[i * np + j] =
                sweep__quantile(&d->param[j], ((double)perm[i] + gsl_rng_uniform_pos(r)) / (double)n);
    }
    free(perm);
    gsl_rng_free(r);
    return SANC_OK;
}

/* design = "file": header of setting paths, one design point per row. */
static int sweep__load_file(sweep_design *d, const scenario *sc, const config_setting_t *b, errbuf *e)
{
    const char *name = NULL;
    int rc = cfg_get_string(b, "file", 1, &name, e);
    if (rc != SANC_OK)
        return rc;
    char path[4096];
    if (name[0] == '/' || sc->cfg.dir == NULL || sc->cfg.dir[0] == '\0')
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/%s", sc->cfg.dir, name);
    /* read once, whole, with a bound (a FIFO works; /dev/zero is refused) */
    char *text = NULL;
    size_t tlen = 0;
    if ((rc = fsafe_read_input(path, FSAFE_MAX_CONFIG, SANC_EDATA, &text, &tlen, e)) != SANC_OK)
        return rc;
    hash_sha256_hex(text, tlen, d->file_sha256);
    if ((d->file_path = strdup(path)) == NULL) {
        free(text);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    char *next = text, *line;
    size_t len;
    int64_t lineno = 0, rows = 0, rowcap = 0;
    rc = SANC_OK;
    while (rc == SANC_OK && next < text + tlen) {
        line = next;
        char *nl = memchr(line, '\n', (size_t)(text + tlen - line));
        len = nl ? (size_t)(nl - line) : (size_t)(text + tlen - line);
        next = nl ? nl + 1 : text + tlen;
        line[len] = '\0';
        lineno++;
        if (strlen(line) != len)
            rc = err_set(e, SANC_EDATA, "%s:%lld: a NUL byte (not a text file)", path, (long long)lineno);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (d->nparams == 0) {
            /* setting paths (name paths), separated by commas outside
             * brackets and quotes; a field may be quoted as in RFC 4180
             * ("sanctions.[name=""X""].enforcement", as `sancsim export`
             * writes it) */
            for (char *cur = line; rc == SANC_OK && cur != NULL;) {
                char *tok = cur, *w = cur;
                int depth = 0, quoted = 0, csvq = 0;
                while (isspace((unsigned char)*cur))
                    cur++;
                if (*cur == '"' && !(cur[1] == '"' && cur[2] != '"')) {
                    csvq = 1; /* an RFC 4180 field */
                    cur++;
                }
                tok = w = cur;
                for (;; cur++) {
                    if (*cur == '\0') {
                        cur = NULL;
                        break;
                    }
                    if (csvq) {
                        if (*cur == '"' && cur[1] == '"') {
                            *w++ = '"';
                            cur++;
                            continue;
                        }
                        if (*cur == '"') {
                            csvq = 0;
                            continue;
                        }
                    } else if (quoted) {
                        if (*cur == '\\' && cur[1] != '\0')
                            *w++ = *cur++;
                        else if (*cur == '"')
                            quoted = 0;
                    } else if (*cur == '"') {
                        quoted = 1;
                    } else if (*cur == '[') {
                        depth++;
                    } else if (*cur == ']' && depth > 0) {
                        depth--;
                    } else if (*cur == ',' && depth == 0) {
                        cur++;
                        break;
                    }
                    *w++ = *cur;
                }
                *w = '\0';
                char *end = tok + strlen(tok);
                while (end > tok && isspace((unsigned char)end[-1]))
                    *--end = '\0';
                if (d->nparams == SWEEP_MAX_PARAMS) {
                    rc = err_set(e, SANC_EDATA, "%s:%lld: more than %d parameters", path, (long long)lineno,
                                 SWEEP_MAX_PARAMS);
                    break;
                }
                sweep_param *p = &d->param[d->nparams++];
                p->kind = SWEEP_P_COLUMN;
                p->line = (int)lineno;
                if ((p->path = strdup(tok)) == NULL) {
                    rc = err_set(e, SANC_ENOMEM, "out of memory");
                    break;
                }
                cfg_npath np;
                errbuf pe;
                err_init(&pe);
                int prc = cfg_npath_parse(tok, &np, &pe);
                cfg_npath_free(&np);
                if (prc == SANC_ENOMEM)
                    rc = err_set(e, SANC_ENOMEM, "out of memory");
                else if (prc != SANC_OK || strpbrk(tok, "\t") != NULL || utf8_check_str(tok) >= 0)
                    rc = err_set(e, SANC_EDATA, "%s:%lld: bad setting path '%s' in the header%s%s", path,
                                 (long long)lineno, tok, pe.msg[0] ? ": " : "", pe.msg);
                config_setting_t *t = NULL;
                err_init(&pe);
                if (rc == SANC_OK &&
                    cfg_lookup_name(config_root_setting((config_t *)&sc->cfg.lc), tok, &t, &pe) != SANC_OK) {
                    if (pe.code == SANC_ENOMEM)
                        rc = err_set(e, SANC_ENOMEM, "out of memory");
                    t = NULL;
                }
                p->target_type = t ? config_setting_type(t) : CONFIG_TYPE_NONE;
                if (rc == SANC_OK)
                    rc = sweep__name(p, t, e);
            }
            if (rc == SANC_OK && d->nparams == 0)
                rc = err_set(e, SANC_EDATA, "%s:%lld: empty header", path, (long long)lineno);
            continue;
        }
        if (rows == rowcap) {
            rowcap = rowcap ? rowcap * 2 : 64;
            double *np = realloc(d->point, sizeof *np * (size_t)(rowcap * d->nparams));
            if (np == NULL) {
                rc = err_set(e, SANC_ENOMEM, "out of memory");
                break;
            }
            d->point = np;
        }
        char *s = line;
        for (int j = 0; j < d->nparams && rc == SANC_OK; j++) {
            char *end;
            errno = 0;
            double v = strtod(s, &end);
            while (isspace((unsigned char)*end))
                end++;
            if (end == s || errno == ERANGE || !isfinite(v) || (*end != ',' && *end != '\0') ||
                (j < d->nparams - 1 && *end != ',') || (j == d->nparams - 1 && *end != '\0'))
                rc = err_set(e, SANC_EDATA, "%s:%lld: column %d (%s): expected %d finite numbers per row",
                             path, (long long)lineno, j + 1, d->param[j].path, d->nparams);
            d->point[rows * d->nparams + j] = v;
            s = end + 1;
        }
        rows++;
        if (rows > SWEEP_MAX_RUNS)
            rc = err_set(e, SANC_ELIMIT, "%s: too many rows", path);
    }
    free(text);
    if (rc == SANC_OK && rows == 0)
        rc = err_set(e, SANC_EDATA, "%s: no design rows", path);
    d->npoints = rows;
    return rc;
}

int sweep_design_load(sweep_design *d, const scenario *sc, errbuf *e)
{
    static const char *const keys[] = {"design", "samples", "replicates", "parameters", "keep",
                                       "common_seeds", "summaries", "file", NULL};
    memset(d, 0, sizeof *d);
    d->base_seed = sc->seed;
    config_setting_t *root = config_root_setting((config_t *)&sc->cfg.lc), *b = NULL;
    int rc = cfg_get_group(root, "sweep", 0, &b, e);
    if (rc == CFG_ABSENT)
        return err_set(e, SANC_ECONFIG, "%s: no `sweep` block (see README: Parameter sweeps)", sc->cfg.path);
    if (rc == SANC_OK)
        rc = cfg_check_keys(b, keys, e);
    if (rc != SANC_OK)
        return rc;

    const char *kind = "grid";
    if ((rc = cfg_get_string(b, "design", 0, &kind, e)) < 0)
        return rc;
    d->kind = -1;
    for (int i = 0; sweep_design_names[i]; i++)
        if (strcmp(kind, sweep_design_names[i]) == 0)
            d->kind = i;
    if (d->kind < 0)
        return cfg_fail(config_setting_get_member(b, "design"), e,
                        "unknown design '%s' (expected grid, random, sobol, lhs or file)", kind);
    int64_t v = 1;
    if ((rc = cfg_get_int(b, "replicates", 0, 1, SWEEP_MAX_RUNS, &v, e)) < 0)
        return rc;
    d->replicates = v;
    if ((rc = cfg_get_bool(b, "common_seeds", 0, &d->common_seeds, e)) < 0 ||
        (rc = cfg_get_bool(b, "summaries", 0, &d->summaries, e)) < 0)
        return rc;
    int sampled = d->kind == SWEEP_RANDOM || d->kind == SWEEP_SOBOL || d->kind == SWEEP_LHS;
    if (sampled) {
        if ((rc = cfg_get_int(b, "samples", 1, 1, SWEEP_MAX_RUNS, &v, e)) != SANC_OK)
            return rc;
        d->npoints = v;
    } else if (config_setting_get_member(b, "samples") != NULL) {
        return cfg_fail(config_setting_get_member(b, "samples"), e, "only random, sobol and lhs designs take "
                        "`samples`");
    }
    if (d->kind != SWEEP_FILE && config_setting_get_member(b, "file") != NULL)
        return cfg_fail(config_setting_get_member(b, "file"), e, "only design = \"file\" takes `file`");

    /* kept variables */
    const char **keep = NULL;
    int nkeep = 0;
    config_setting_t *kw = NULL;
    if ((rc = cfg_get_strings(b, "keep", 1, &keep, &nkeep, &kw, e)) != SANC_OK)
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
    if (rc != SANC_OK)
        return rc;

    d->param = calloc(SWEEP_MAX_PARAMS, sizeof *d->param);
    if (d->param == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (d->kind == SWEEP_FILE) {
        if (config_setting_get_member(b, "parameters") != NULL)
            return cfg_fail(config_setting_get_member(b, "parameters"), e,
                            "design = \"file\" takes its parameters from the file's header");
        rc = sweep__load_file(d, sc, b, e);
    } else {
        config_setting_t *pl = NULL;
        if ((rc = cfg_get_list(b, "parameters", 1, &pl, e)) != SANC_OK)
            return rc;
        int n = config_setting_length(pl);
        if (n < 1 || n > SWEEP_MAX_PARAMS)
            return cfg_fail(pl, e, "needs 1..%d parameters (got %d)", SWEEP_MAX_PARAMS, n);
        for (int j = 0; j < n && rc == SANC_OK; j++) {
            d->nparams = j + 1;
            rc = sweep__param(d, &d->param[j], config_setting_get_elem(pl, (unsigned)j), sc, e);
        }
    }
    if (rc != SANC_OK)
        return rc;
    for (int j = 0; j < d->nparams; j++)
        for (int k = 0; k < j; k++)
            if (strcmp(d->param[j].path, d->param[k].path) == 0)
                return err_set(e, SANC_ECONFIG, "%s:%d: sweep: parameter %s appears twice", sc->cfg.path,
                               d->param[j].line, d->param[j].path);

    if (d->kind == SWEEP_GRID) {
        d->npoints = 1;
        for (int j = 0; j < d->nparams; j++) {
            if (d->npoints > SWEEP_MAX_RUNS / d->param[j].nlevels)
                return err_set(e, SANC_ELIMIT, "sweep: the grid has more than %lld points",
                               (long long)SWEEP_MAX_RUNS);
            d->npoints *= d->param[j].nlevels;
        }
    }
    if (d->npoints > SWEEP_MAX_RUNS / d->replicates)
        return err_set(e, SANC_ELIMIT, "sweep: %lld points x %lld replicates exceeds %lld runs",
                       (long long)d->npoints, (long long)d->replicates, (long long)SWEEP_MAX_RUNS);
    d->nruns = d->npoints * d->replicates;
    if (d->kind == SWEEP_FILE)
        return SANC_OK;
    d->point = malloc(sizeof *d->point * (size_t)(d->npoints * d->nparams));
    if (d->point == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (d->kind == SWEEP_GRID) {
        /* row-major: the last parameter varies fastest */
        for (int64_t p = 0; p < d->npoints; p++) {
            int64_t rest = p;
            for (int j = d->nparams - 1; j >= 0; j--) {
                int li = (int)(rest % d->param[j].nlevels);
                rest /= d->param[j].nlevels;
                d->point[p * d->nparams + j] = d->param[j].categorical ? li : d->param[j].level[li];
            }
        }
        return SANC_OK;
    }
    return sweep__expand_sampled(d, e);
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
    free(d->file_path);
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
