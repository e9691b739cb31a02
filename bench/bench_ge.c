/*
 * bench_ge.c - timing of the GE core on a 200-country x 50-sector
 * counterfactual (DESIGN section 2 performance target: well under 1 s on one
 * core).  Random positive flows with dominant domestic sales, a random cost
 * shock on about 20% of the cross-border cells, fixed seed (GSL mt19937).
 * Times ge_solver_create + ge_solve from a cold start, median of 5 runs, and
 * reports iterations, residual and peak RSS.  Not part of the test suite.
 *
 * usage: bench_ge [n [K [seed]]]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_errno.h>

#include "err.h"
#include "ge.h"
#include "scenario.h"
#include "world.h"

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off(); /* as sancsim's main does once */
    int n = argc > 1 ? atoi(argv[1]) : 200;
    int K = argc > 2 ? atoi(argv[2]) : 50;
    unsigned long seed = argc > 3 ? strtoul(argv[3], NULL, 10) : 20240601UL;
    if (n < 2 || K < 1) {
        fprintf(stderr, "usage: bench_ge [n [K [seed]]]\n");
        return 2;
    }
    size_t nnK = (size_t)n * (size_t)n * (size_t)K, nK = (size_t)n * (size_t)K;
    double *X0 = malloc(nnK * sizeof *X0), *phi = malloc(nnK * sizeof *phi);
    double *sigma = malloc((size_t)K * sizeof *sigma);
    double *phat = malloc(nK * sizeof *phat), *Phat = malloc(nK * sizeof *Phat);
    double *X = malloc(nnK * sizeof *X);
    double *Y = malloc((size_t)n * sizeof *Y), *E = malloc((size_t)n * sizeof *E);
    double *W = malloc((size_t)n * sizeof *W), *PI = malloc((size_t)n * sizeof *PI);
    if (!X0 || !phi || !sigma || !phat || !Phat || !X || !Y || !E || !W || !PI) {
        fprintf(stderr, "bench_ge: out of memory\n");
        return 1;
    }
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    for (int k = 0; k < K; k++)
        sigma[k] = 2.0 + 8.0 * gsl_rng_uniform(rng);
    for (int i = 0; i < n; i++) {
        double size = 0.1 + 10.0 * gsl_rng_uniform(rng);
        for (int j = 0; j < n; j++)
            for (int k = 0; k < K; k++) {
                size_t o = ((size_t)i * (size_t)n + (size_t)j) * (size_t)K + (size_t)k;
                X0[o] = i == j ? size * (0.5 * n + n * gsl_rng_uniform(rng))
                               : size * gsl_rng_uniform(rng);
                phi[o] = 1.0;
                if (i != j && gsl_rng_uniform(rng) < 0.2)
                    phi[o] = exp(-3.0 * gsl_rng_uniform(rng)); /* cost up */
            }
    }
    gsl_rng_free(rng);

    double times[5];
    int iters = 0;
    double resid = 0;
    for (int rep = 0; rep < 5; rep++) {
        errbuf e;
        err_init(&e);
        for (size_t c = 0; c < nK; c++)
            phat[c] = 1.0;
        ge_params p = { n, K, X0, sigma, IMBALANCE_ADDITIVE, 1e-12, 10000, NULL, NULL };
        ge_result r = { phat, Phat, X, Y, E, W, PI, 0, 0 };
        double t0 = bench_now();
        ge_solver *s;
        int rc = ge_solver_create(&s, &p, &e);
        if (rc == SANC_OK)
            rc = ge_solve(s, phi, NULL, &r, &e);
        times[rep] = bench_now() - t0;
        ge_solver_free(s);
        if (rc != SANC_OK) {
            fprintf(stderr, "bench_ge: %s: %s\n", err_name(rc), e.msg);
            return 1;
        }
        iters = r.iterations;
        resid = r.residual;
    }
    qsort(times, 5, sizeof times[0], bench_cmp);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("ge: n=%d K=%d cells=%zu iterations=%d residual=%.3g "
           "time(median of 5)=%.3f s (min %.3f) peak_rss=%.1f MB\n",
           n, K, nnK, iters, resid, times[2], times[0], (double)ru.ru_maxrss / 1024.0);
    free(X0); free(phi); free(sigma); free(phat); free(Phat); free(X);
    free(Y); free(E); free(W); free(PI);
    return 0;
}
