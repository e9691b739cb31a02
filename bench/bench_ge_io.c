/*
 * bench_ge_io.c - timing of the production-network core (DESIGN 2b).
 *
 *  1. Caliendo and Parro's NAFTA case (31 x 40, ../shared/data/cp2015 or the
 *     folder given): load the CSVs, re-solve the zero-deficit baseline,
 *     solve the NAFTA tariffs; median over runs of wall and CPU time, outer
 *     iterations and inner sweeps of each step.
 *  2. A synthetic N x K input-output world (default 150 x 20, fixed seed):
 *     random flows with dominant domestic sales, random input-output
 *     shares, tariffs, a cost shock on about 20% of the cross-border cells;
 *     create + baseline re-solve (data deficits) + counterfactual, median.
 * Reports peak RSS.  Not part of the test suite.
 *
 * usage: bench_ge_io [cp2015_folder [runs [N [K]]]]
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "ge_io.h"
#include "err.h"
#include "iodata.h"

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void res_alloc(ge_io_result *r, int N, int K)
{
    size_t NK = (size_t)N * K, n = (size_t)N;
    memset(r, 0, sizeof *r);
    r->v = calloc(NK, 8); r->w = calloc(n, 8); r->c = calloc(NK, 8); r->P = calloc(NK, 8);
    r->X = calloc(NK, 8); r->Y = calloc(NK, 8); r->I = calloc(n, 8); r->R = calloc(n, 8);
    r->welfare = calloc(n, 8); r->price_index = calloc(n, 8); r->real_wage = calloc(n, 8);
    r->tot = calloc(n, 8); r->vot = calloc(n, 8); r->tech = calloc(n, 8);
}

static void res_release(ge_io_result *r)
{
    free(r->v); free(r->w); free(r->c); free(r->P); free(r->X); free(r->Y); free(r->I);
    free(r->R); free(r->welfare); free(r->price_index); free(r->real_wage); free(r->tot);
    free(r->vot); free(r->tech);
}

enum { T_LOAD, T_BASE, T_CFL, T_ALL, T_N };

static int nafta(const char *folder, int runs)
{
    char p[6][700];
    static const char *nm[6] = { "trade.csv", "intermediate_consumption.csv",
                                 "final_consumption.csv", "value_added.csv", "deficit.csv",
                                 "theta.csv" };
    for (int a = 0; a < 6; a++)
        snprintf(p[a], sizeof p[a], "%s/%s", folder, nm[a]);
    static const iodata_column region[] = { { "country", "region" } };
    static const iodata_column deficit[] = { { "country", "region" }, { "value", "D" } };
    static const iodata_column cfl[] = { { "value", "tariff_cfl" } };
    double tw[T_N][64], tc[T_N][64];
    int it[2] = { 0, 0 }, sw[2] = { 0, 0 };
    double mexico = 0;
    if (runs > 64)
        runs = 64;
    for (int run = 0; run < runs; run++) {
        double w0 = wall(), c0 = cpu();
        iodata_spec sp;
        memset(&sp, 0, sizeof sp);
        sp.trade.path = p[0];
        sp.inputs = (iodata_file){ p[1], region, 1, NULL, 0 };
        sp.final = (iodata_file){ p[2], region, 1, NULL, 0 };
        sp.value_added = (iodata_file){ p[3], region, 1, NULL, 0 };
        sp.deficits = (iodata_file){ p[4], deficit, 2, NULL, 0 };
        sp.theta.path = p[5];
        errbuf e;
        err_init(&e);
        iodata d;
        if (iodata_load(&sp, &d, &e) != SANC_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        int N = d.N, K = d.K;
        double *t1 = malloc((size_t)N * N * K * sizeof *t1);
        iodata_file cf = { p[0], cfl, 1, NULL, 0 };
        if (t1 == NULL || iodata_load_cells(&cf, &d, -1, t1, &e) != SANC_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        double w1 = wall(), c1 = cpu();
        ge_io_data gd = { N, K, d.M, { d.tariff, NULL, NULL, 0 }, d.IC, d.FC, d.VA, d.D,
                          d.theta, d.country, d.sector };
        ge_io_opts o = { GE_IO_MOBILE, 1e-12, 500 };
        ge_io *m;
        ge_io_result r;
        res_alloc(&r, N, K);
        double mx;
        if (ge_io_create(&m, &gd, &o, NULL, &e) != SANC_OK ||
            ge_io_baseline_resolve(m, GE_IO_DEFICITS_ZERO, &r, &mx, &e) != SANC_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        it[0] = r.iterations;
        sw[0] = r.inner_iterations;
        double w2 = wall(), c2 = cpu();
        ge_io_wedges wd = { t1, NULL, NULL, 0 };
        ge_io_shock sh = { NULL, &wd, NULL };
        if (ge_io_solve(m, &sh, &r, &e) != SANC_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        double w3 = wall(), c3 = cpu();
        it[1] = r.iterations;
        sw[1] = r.inner_iterations;
        for (int n = 0; n < N; n++)
            if (strcmp(d.country[n], "Mexico") == 0)
                mexico = 100 * (r.tot[n] + r.vot[n]);
        tw[T_LOAD][run] = w1 - w0; tc[T_LOAD][run] = c1 - c0;
        tw[T_BASE][run] = w2 - w1; tc[T_BASE][run] = c2 - c1;
        tw[T_CFL][run] = w3 - w2;  tc[T_CFL][run] = c3 - c2;
        tw[T_ALL][run] = w3 - w0;  tc[T_ALL][run] = c3 - c0;
        res_release(&r);
        ge_io_free(m);
        free(t1);
        iodata_free(&d);
    }
    static const char *lab[T_N] = { "load CSVs", "create + baseline re-solve", "NAFTA solve",
                                    "total" };
    printf("NAFTA (31 x 40), median of %d runs (Mexico's CP welfare %.4f%%):\n", runs, mexico);
    for (int a = 0; a < T_N; a++) {
        double mw = median(tw[a], runs), mc = median(tc[a], runs);
        printf("  %-28s wall %7.1f ms  cpu %7.1f ms", lab[a], 1e3 * mw, 1e3 * mc);
        if (a == T_BASE || a == T_CFL)
            printf("  (%d outer iterations, %d inner sweeps)", it[a - 1], sw[a - 1]);
        printf("\n");
    }
    return 0;
}

static int synthetic(int N, int K, int runs)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 2026);
    size_t NNK = (size_t)N * N * K, NK = (size_t)N * K;
    double *M = calloc(NNK, 8), *t = calloc(NNK, 8), *phi = calloc(NNK, 8);
    double *IC = calloc(NK * K, 8), *FC = calloc(NK, 8), *VA = calloc(NK, 8),
           *theta = calloc((size_t)K, 8);
    if (!M || !t || !phi || !IC || !FC || !VA || !theta) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int i = 0; i < N; i++)
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++) {
                size_t c = ((size_t)i * N + n) * K + k;
                M[c] = exp(gsl_ran_gaussian(g, 1.5)) * (i == n ? 50 : 1);
                t[c] = i == n ? 0 : 0.1 * gsl_rng_uniform(g);
                phi[c] = i != n && gsl_rng_uniform(g) < 0.2 ? exp(gsl_ran_gaussian(g, 0.5)) : 1;
            }
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++) {
            double sales = 0;
            for (int m = 0; m < N; m++)
                sales += M[((size_t)n * N + m) * K + k];
            double go = sales * (1 + 0.03 * gsl_ran_gaussian(g, 1.0));
            double gam = 0.2 + 0.6 * gsl_rng_uniform(g), ws = 0, w[1000];
            VA[(size_t)n * K + k] = gam * go;
            for (int s = 0; s < K; s++)
                ws += w[s] = gsl_rng_uniform(g);
            for (int s = 0; s < K; s++)
                IC[((size_t)n * K + s) * K + k] = (1 - gam) * go * w[s] / ws;
            FC[(size_t)n * K + k] = 1 + gsl_rng_uniform(g);
        }
    for (int k = 0; k < K; k++)
        theta[k] = 2 + 8 * gsl_rng_uniform(g);
    double tw[3][64], tc[3][64];
    int it[2] = { 0, 0 }, sw[2] = { 0, 0 };
    if (runs > 64)
        runs = 64;
    for (int run = 0; run < runs; run++) {
        double w0 = wall(), c0 = cpu();
        ge_io_data gd = { N, K, M, { t, NULL, NULL, 0 }, IC, FC, VA, NULL, theta, NULL, NULL };
        ge_io_opts o = { GE_IO_MOBILE, 1e-12, 500 };
        ge_io *m;
        errbuf e;
        err_init(&e);
        ge_io_result r;
        res_alloc(&r, N, K);
        double mx;
        if (ge_io_create(&m, &gd, &o, NULL, &e) != SANC_OK ||
            ge_io_baseline_resolve(m, GE_IO_DEFICITS_DATA, &r, &mx, &e) != SANC_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        double w1 = wall(), c1 = cpu();
        it[0] = r.iterations;
        sw[0] = r.inner_iterations;
        ge_io_shock sh = { phi, NULL, NULL };
        if (ge_io_solve(m, &sh, &r, &e) != SANC_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        double w2 = wall(), c2 = cpu();
        it[1] = r.iterations;
        sw[1] = r.inner_iterations;
        tw[0][run] = w1 - w0; tc[0][run] = c1 - c0;
        tw[1][run] = w2 - w1; tc[1][run] = c2 - c1;
        tw[2][run] = w2 - w0; tc[2][run] = c2 - c0;
        res_release(&r);
        ge_io_free(m);
    }
    printf("synthetic %d x %d IO world, median of %d runs:\n", N, K, runs);
    static const char *lab[3] = { "create + baseline re-solve", "counterfactual", "total" };
    for (int a = 0; a < 3; a++) {
        printf("  %-28s wall %7.1f ms  cpu %7.1f ms", lab[a], 1e3 * median(tw[a], runs),
               1e3 * median(tc[a], runs));
        if (a < 2)
            printf("  (%d outer iterations, %d inner sweeps)", it[a], sw[a]);
        printf("\n");
    }
    free(M); free(t); free(phi); free(IC); free(FC); free(VA); free(theta);
    gsl_rng_free(g);
    return 0;
}

int main(int argc, char **argv)
{
    const char *folder = argc > 1 ? argv[1] : "../shared/data/cp2015";
    int runs = argc > 2 ? atoi(argv[2]) : 7;
    int N = argc > 3 ? atoi(argv[3]) : 150, K = argc > 4 ? atoi(argv[4]) : 20;
    if (runs < 1 || N < 2 || K < 1 || K > 1000)
        return 2;
    int rc = 0;
    char probe[720];
    snprintf(probe, sizeof probe, "%s/trade.csv", folder);
    FILE *fp = fopen(probe, "r");
    if (fp != NULL) {
        fclose(fp);
        rc |= nafta(folder, runs);
    } else {
        printf("(%s absent: NAFTA case skipped)\n", folder);
    }
    rc |= synthetic(N, K, runs < 3 ? runs : 3);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0);
    return rc;
}
