/*
 * ppml.h - Poisson pseudo-maximum likelihood with high-dimensional fixed
 * effects (DESIGN section 9): the estimator of ppmlhdfe (Correia, Guimaraes
 * and Zylkin 2020) for E[y | x, FE] = exp(x'beta + FE_1 + FE_2 + FE_3).
 *
 * The caller hands over a problem as arrays (outcome, regressors, fixed
 * effects and clusters as integer group ids; see estimate_cmd.c for the
 * way from a CSV file); this module knows nothing of files or configs.
 *
 *   - Before fitting, singletons (an observation alone in a group of some
 *     fixed effect) and observations separated by the fixed effects (every
 *     observation of a group of some fixed effect has y = 0, so its effect
 *     runs to -inf) are dropped, in rounds (singletons, then separated)
 *     until a round drops nothing; each observation is counted where it is
 *     first dropped.  The simplex and ReLU checks of ppmlhdfe for
 *     separation by the regressors are not done.
 *   - IRLS: each step partials the fixed effects out of the working outcome
 *     and the regressors by weighted alternating projections, accelerated
 *     by conjugate gradients on the symmetric Kaczmarz sweep (the "cg"
 *     acceleration of reghdfe) and warm-started from the previous step;
 *     the inner tolerance starts at 1e-4, follows the deviance and is
 *     tightened to 1e-12 for the last step.  Converged when the relative
 *     change of the deviance, |D - D_old| / max(min(D, D_old), 0.1), is below
 *     the tolerance at the tight inner tolerance.
 *   - A regressor whose partialled-out norm is below 1e-9 of its own norm
 *     is collinear with the fixed effects: SANC_EDATA naming it (fit.culprit
 *     holds its index); so is one collinear with the regressors before it.
 *   - Variance: the sandwich on the partialled-out design of the last step,
 *     clustered with the factor G/(G-1) (no N/(N-K) term, as ppmlhdfe), or
 *     robust with N/(N-1).
 *
 * Errors: SANC_EDATA (no observations left, collinearity), SANC_ENOCONV
 * (IRLS or the partialling did not converge, or mu overflowed), SANC_ENOMEM.
 * The module is reentrant: bootstrap replicates run on threads.
 */
#ifndef SANCSIM_PPML_H
#define SANCSIM_PPML_H

#include <stdint.h>

#include "err.h"

#define PPML_MAX_FE 3

typedef struct ppml_problem {
    int n;                       /* observations */
    int k;                       /* regressors, >= 1 */
    const double *y;             /* n outcomes, >= 0 and finite */
    const double *const *x;      /* k columns of n finite values */
    const char *const *xname;    /* k names, for messages */
    int nfe;                     /* 0..PPML_MAX_FE fixed effects (0: a constant) */
    const int *fe[PPML_MAX_FE];  /* n group ids in 0..fe_levels[d]-1 */
    int fe_levels[PPML_MAX_FE];
    const char *fe_name[PPML_MAX_FE]; /* for messages (may be NULL) */
    const int *cluster;          /* n ids in 0..nclusters-1; NULL: robust variance */
    int nclusters;
} ppml_problem;

typedef struct ppml_opts {
    double tolerance;            /* relative change of the deviance; <= 0: 1e-10 */
    int max_iter;                /* IRLS steps; <= 0: 1000 */
    int max_inner;               /* conjugate-gradient steps per partialling; <= 0: 50000 */
} ppml_opts;

typedef struct ppml_fit {
    int k;
    double *beta;                /* k */
    double *se;                  /* k */
    double *vcov;                /* k*k, row-major */
    int observations;            /* in the fit, after the drops */
    int dropped_separated;
    int dropped_singletons;
    int nclusters;               /* clusters with observations in the fit (0: robust) */
    int iterations;              /* IRLS steps */
    double deviance;
    unsigned char *used;         /* n: 1 if the observation is in the fit */
    double *mu;                  /* n fitted means (NaN where not used) */
    int near_zero;               /* observations with y = 0 whose fitted mean fell below
                                    1e-8 of the mean outcome: signs of separation by the
                                    regressors, which is not checked */
    int culprit;                 /* collinearity error: the regressor; else -1 */
} ppml_fit;

/* Fit the model.  f is filled on success and empty on error (culprit
 * excepted); ppml_fit_free releases it either way. */
int  ppml_estimate(const ppml_problem *p, const ppml_opts *o, ppml_fit *f, errbuf *e);
void ppml_fit_free(ppml_fit *f);

/* Pairs (cluster) bootstrap.  Replicate r draws as many clusters as the
 * sample holds, with replacement, from the stream rng_stream_new(rng_mix32(
 * seed) ^ r, RNG_BOOTSTRAP) (run seeds as in sweeps, DESIGN 6); a cluster
 * drawn m times enters with frequency weight m (the same estimate as m
 * copies when the cluster is nested in a fixed effect, as pairs are in
 * exporter#importer).  Drops are redone on every replicate.  Replicates run
 * on `jobs` threads; results do not depend on their number. */
typedef struct ppml_boot_opts {
    int replicates;
    uint64_t seed;
    int jobs;                    /* <= 0: 1 */
    const int *cluster;          /* n ids of the clusters drawn */
    int nclusters;
    const unsigned char *sample; /* n: observations to draw from (NULL: all) */
    const double *start;         /* n starting means for IRLS, e.g. the full fit's mu
                                    (NULL, or a value <= 0 or NaN among the drawn: the
                                    default start (y + mean y) / 2) */
    /* optional, called after each replicate (under a lock, from any thread) */
    void (*progress)(int done, int total, void *ctx);
    void *ctx;
} ppml_boot_opts;

typedef struct ppml_boot_result {
    int done, failed;
    int first_failed;            /* replicate, or -1 */
    char first_failure[512];
} ppml_boot_result;

/* coef: replicates*k values (NaN for a failed replicate); status:
 * replicates values, 1 done, 2 failed.  A failed replicate (no
 * convergence, collinearity in the resample) is not an error; running out
 * of memory is. */
int ppml_bootstrap(const ppml_problem *p, const ppml_opts *o, const ppml_boot_opts *b, double *coef,
                   int *status, ppml_boot_result *res, errbuf *e);

#endif
