/*
 * random.c - design = "random": `samples` independent draws, u in (0, 1)
 * per parameter from mt19937 on the RNG_SWEEP stream of the base seed,
 * mapped through each parameter's inverse CDF (sampled.c).
 */
#include "sweep_design.h"

#include <gsl/gsl_rng.h>

#include "rng.h"

static int random_points(sweep_design *d, errbuf *e)
{
    gsl_rng *r = rng_stream_new(d->base_seed, RNG_SWEEP);
    if (r == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int np = d->nparams;
    for (int64_t i = 0; i < d->npoints; i++)
        for (int j = 0; j < np; j++)
            d->point[i * np + j] = sweep_sampled_quantile(&d->param[j], gsl_rng_uniform_pos(r));
    gsl_rng_free(r);
    return SANC_OK;
}

static const char *const random_keys[] = {"samples", "parameters", NULL};

const sweep_design_ops sweep_design_random = {
    .name = "random",
    .keys = random_keys,
    .parse = sweep_sampled_parse,
    .npoints = sweep_sampled_npoints,
    .points = random_points,
    .probe = sweep_sampled_probe,
};
