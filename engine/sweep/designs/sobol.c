/*
 * sobol.c - design = "sobol": the first `samples` points of GSL's Sobol
 * sequence (which omits the all-zero point, whose inverse normal CDF
 * would be -inf: its first point is all 1/2), mapped through each
 * parameter's inverse CDF (sampled.c).  No random numbers.
 */
#include "sweep_design.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_qrng.h>

#define SOBOL_MAX_DIM 40 /* GSL's sobol generator */

static int sobol_points(sweep_design *d, errbuf *e)
{
    int np = d->nparams;
    if (np > SOBOL_MAX_DIM)
        return err_set(e, SANC_ECONFIG, "sweep: a Sobol design supports at most %d parameters (got %d)",
                       SOBOL_MAX_DIM, np);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)np);
    if (q == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    double u[SOBOL_MAX_DIM];
    for (int64_t i = 0; i < d->npoints; i++) {
        if (gsl_qrng_get(q, u) != GSL_SUCCESS) {
            gsl_qrng_free(q);
            return err_set(e, SANC_ECONFIG, "sweep: the Sobol generator gave out after %lld points", (long long)i);
        }
        for (int j = 0; j < np; j++)
            d->point[i * np + j] = sweep_sampled_quantile(&d->param[j], u[j]);
    }
    gsl_qrng_free(q);
    return SANC_OK;
}

static const char *const sobol_keys[] = {"samples", "parameters", NULL};

const sweep_design_ops sweep_design_sobol = {
    .name = "sobol",
    .keys = sobol_keys,
    .parse = sweep_sampled_parse,
    .npoints = sweep_sampled_npoints,
    .points = sobol_points,
    .probe = sweep_sampled_probe,
};
