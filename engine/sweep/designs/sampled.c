/*
 * sampled.c - what the sampled designs (random.c, sobol.c, lhs.c) share:
 * `samples` points, each parameter given by a distribution (uniform with
 * min and max, normal with mean and sd) whose inverse CDF maps the
 * design's u in (0, 1) to a value.
 */
#include "sweep_design.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cfg.h"

typedef struct sampled_state {
    int64_t samples;
} sampled_state;

/* One entry of `parameters` (its path already read): a distribution. */
static int sampled__param(sweep_design *d, sweep_param *p, const config_setting_t *g, errbuf *e)
{
    const char *dist = NULL;
    int rc = cfg_get_string(g, "distribution", 0, &dist, e);
    if (rc < 0)
        return rc;
    int has_dist = rc == SANC_OK;
    if (config_setting_get_member(g, "values") != NULL || config_setting_get_member(g, "steps") != NULL)
        return cfg_fail(g, e, "design \"%s\" takes a distribution, not `values`/`steps` (mixing grid and "
                        "sampled parameters is an error)", d->ops->name);
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

int sweep_sampled_parse(sweep_design *d, const struct scenario *sc, const config_setting_t *block, errbuf *e)
{
    int64_t v;
    int rc = cfg_get_int(block, "samples", 1, 1, SWEEP_MAX_RUNS, &v, e);
    if (rc != SANC_OK)
        return rc;
    sampled_state *st = malloc(sizeof *st);
    if (st == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    st->samples = v;
    d->state = st;
    return sweep_params_parse(d, sc, block, sampled__param, e);
}

int sweep_sampled_npoints(const sweep_design *d, int64_t *n, errbuf *e)
{
    (void)e;
    *n = ((const sampled_state *)d->state)->samples;
    return SANC_OK;
}

/* the middle of the distribution: (min + max) / 2 or the mean */
int sweep_sampled_probe(const sweep_design *d, int j, int i, double *v)
{
    const sweep_param *p = &d->param[j];
    if (i > 0)
        return 0;
    *v = sweep_param_round(p, p->kind == SWEEP_P_UNIFORM ? p->min + 0.5 * (p->max - p->min) /* min + max may overflow */
                                                         : p->mean);
    return 1;
}

/* Integer settings get the nearest integer (a Latin hypercube over an
 * integer range stays stratified to within rounding). */
double sweep_sampled_quantile(const sweep_param *p, double u)
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
