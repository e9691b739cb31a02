/*
 * estimate_out.h - the files `sancsim estimate` writes (internal to
 * estimate_cmd.c): the HDF5 result (DESIGN sections 9 and 10: dimension
 * scales with variable-length UTF-8 labels, units/long_name/description
 * and dims attributes, provenance, `complete = 1` last, temporary name and
 * rename) and small text files (the effects CSVs) written the same
 * crash-safe way.  One thread calls these (HDF5 serial).
 */
#ifndef SANCSIM_ESTIMATE_OUT_H
#define SANCSIM_ESTIMATE_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct estimate_h5 {
    int k;
    const char *const *regressor;    /* k labels */
    const double *coefficient, *std_error, *vcov; /* k, k, k*k */
    int64_t observations, dropped_separated, dropped_singletons, clusters;
    int iterations;
    double deviance;
    const char *variance;            /* what std_error is, for its description */
    /* bootstrap (replicates = 0: none) */
    int replicates;
    const double *boot;              /* replicates*k, NaN where failed */
    const int *status;               /* replicates: 1 done, 2 failed */
    const int64_t *boot_seed;        /* replicates */
    const double *boot_std_error;    /* k, over the done replicates */
    const char *boot_cluster;
    /* provenance */
    uint64_t seed;
    const char *command_line, *config_text, *config_sha256;
    const char *data_file, *data_sha256, *outcome, *fixed_effects, *cluster;
} estimate_h5;

/* Write path (refusing an existing file unless force). */
int estimate_write_h5(const char *path, int force, const estimate_h5 *r,
                      void (*on_temp)(const char *temp, void *ctx), void *ctx, errbuf *e);

/* Write len bytes of text to path the same way. */
int estimate_write_text(const char *path, int force, const char *text, size_t len, errbuf *e);

#endif
