/*
 * grid.c - design = "grid" (the default): every combination of the
 * parameters' values, each given as a list (`values`, numbers or, for a
 * categorical parameter, any libconfig values) or as a range
 * (`min`/`max`/`steps`, evenly spaced).  Points are row-major: the last
 * parameter varies fastest.
 */
#include "sweep_design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

/* libconfig text of a scalar, an array or a list of scalars: the form in
 * which a categorical value goes into an override and into the labels. */
static int grid__format(const config_setting_t *s, char *buf, size_t n)
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
            if (used >= n || grid__format(config_setting_get_elem(s, (unsigned)i), buf + used, n - used) < 0)
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

static int grid__is_number(const config_setting_t *s)
{
    int t = config_setting_type(s);
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
}

/* A grid parameter's values: all numbers (numeric), or anything else
 * (categorical: every value, numbers included, becomes a label). */
static int grid__values(sweep_param *p, const config_setting_t *vs, errbuf *e)
{
    int t = config_setting_type(vs);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return cfg_fail(vs, e, "expected an array or list of values");
    int n = config_setting_length(vs);
    if (n < 1 || n > SWEEP_MAX_LEVELS)
        return cfg_fail(vs, e, "needs 1..%d values (got %d)", SWEEP_MAX_LEVELS, n);
    int numeric = 1;
    for (int i = 0; i < n; i++)
        if (!grid__is_number(config_setting_get_elem(vs, (unsigned)i)))
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
        if (grid__format(el, buf, sizeof buf) < 0)
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

/* One entry of `parameters` (its path already read): `values`, or
 * `min`/`max`/`steps` (level i is min + (max - min) i / (steps - 1)). */
static int grid__param(sweep_design *d, sweep_param *p, const config_setting_t *g, errbuf *e)
{
    (void)d;
    const char *dist = NULL;
    config_setting_t *values = config_setting_get_member(g, "values");
    int has_range = config_setting_get_member(g, "steps") != NULL;
    int rc = cfg_get_string(g, "distribution", 0, &dist, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK)
        return cfg_fail(g, e, "a grid takes `values` or `min`/`max`/`steps`, not a distribution "
                        "(mixing grid and sampled parameters is an error)");
    if ((values != NULL) == has_range)
        return cfg_fail(g, e, "a grid parameter needs either `values` or `min`/`max`/`steps`");
    if (values != NULL) {
        if (config_setting_get_member(g, "min") || config_setting_get_member(g, "max"))
            return cfg_fail(g, e, "`values` excludes `min`/`max`");
        p->kind = SWEEP_P_VALUES;
        return grid__values(p, values, e);
    }
    int64_t steps;
    if ((rc = cfg_get_int(g, "steps", 1, 1, SWEEP_MAX_LEVELS, &steps, e)) != SANC_OK ||
        (rc = cfg_get_double(g, "min", 1, &p->min, e)) != SANC_OK ||
        (rc = cfg_get_double(g, "max", 1, &p->max, e)) != SANC_OK)
        return rc;
    if (steps > 1 && !(p->max > p->min))
        return cfg_fail(config_setting_get_member(g, "max"), e, "must be > min (got %g <= %g)", p->max, p->min);
    /* keep the product finite */
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

static int grid_parse(sweep_design *d, const struct scenario *sc, const config_setting_t *block, errbuf *e)
{
    return sweep_params_parse(d, sc, block, grid__param, e);
}

static int grid_npoints(const sweep_design *d, int64_t *n, errbuf *e)
{
    *n = 1;
    for (int j = 0; j < d->nparams; j++) {
        if (*n > SWEEP_MAX_RUNS / d->param[j].nlevels)
            return err_set(e, SANC_ELIMIT, "sweep: the grid has more than %lld points", (long long)SWEEP_MAX_RUNS);
        *n *= d->param[j].nlevels;
    }
    return SANC_OK;
}

static int grid_points(sweep_design *d, errbuf *e)
{
    (void)e;
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

/* every level (a categorical parameter: its index) */
static int grid_probe(const sweep_design *d, int j, int i, double *v)
{
    const sweep_param *p = &d->param[j];
    if (i >= p->nlevels)
        return 0;
    *v = p->categorical ? i : p->level[i];
    return 1;
}

static const char *const grid_keys[] = {"parameters", NULL};

const sweep_design_ops sweep_design_grid = {
    .name = "grid",
    .keys = grid_keys,
    .parse = grid_parse,
    .npoints = grid_npoints,
    .points = grid_points,
    .probe = grid_probe,
};
