/*
 * lhs.c - design = "lhs": a jittered Latin hypercube of `samples` points,
 * one stratum per point in every coordinate (a shuffled permutation per
 * parameter plus a uniform offset inside the stratum, mt19937 on the
 * RNG_SWEEP stream of the base seed), mapped through each parameter's
 * inverse CDF (sampled.c).
 */
#include "sweep_design.h"

#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "rng.h"

static int lhs_points(sweep_design *d, errbuf *e)
{
    int64_t n = d->npoints;
    int np = d->nparams;
    gsl_rng *r = rng_stream_new(d->base_seed, RNG_SWEEP);
    if (r == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
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
                sweep_sampled_quantile(&d->param[j], ((double)perm[i] + gsl_rng_uniform_pos(r)) / (double)n);
    }
    free(perm);
    gsl_rng_free(r);
    return SANC_OK;
}

static const char *const lhs_keys[] = {"samples", "parameters", NULL};

const sweep_design_ops sweep_design_lhs = {
    .name = "lhs",
    .keys = lhs_keys,
    .parse = sweep_sampled_parse,
    .npoints = sweep_sampled_npoints,
    .points = lhs_points,
    .probe = sweep_sampled_probe,
};
