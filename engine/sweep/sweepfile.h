/*
 * sweepfile.h - the HDF5 side of sweeps (internal to sweep.c and the MPI
 * driver): the layout of the kept variables, the sweep file writer and
 * the merge of part files.  Only one thread may call these (HDF5 serial).
 */
#ifndef SANCSIM_SWEEPFILE_H
#define SANCSIM_SWEEPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sweep.h"
#include "schema.h"

/* One kept variable, as the base run registered it. */
typedef struct sweep_var {
    char *name, *units, *long_name, *description;
    int ndims;
    int dims[SCHEMA_VAR_MAXDIMS];
    int is_int;
    size_t n;      /* values per period */
    size_t offset; /* byte offset of its block in a run's row */
} sweep_var;

/* Everything the file's structure needs, copied out of the base world. */
typedef struct sweep_layout {
    int T;
    double *time_days;
    int start_year, start_month;
    int dim_n[DIM_COUNT];
    char **dim_labels[DIM_COUNT];
    int nvars;
    sweep_var var[SCHEMA_MAX_VARS];
    size_t rowbytes; /* all kept variables of one run, every period */
    char *units;     /* data.units, for "$units" */
} sweep_layout;

void sweep_layout_free(sweep_layout *L);

/* Root attributes of a sweep file. */
typedef struct sweep_h5_prov {
    uint64_t seed;
    const char *command_line, *config_text, *config_sha256, *scenario_name;
    const char *manifest_sha256;
    int shard_k, shard_n; /* 0/0: not a part */
    const char *data_sha256; /* "SHA256  PATH" lines -> /provenance/data_sha256 */
    int part;             /* 1: a part file (MPI rank): store per-dataset checksums */
} sweep_h5_prov;

typedef struct sweep_h5 sweep_h5;

/* Create `path` (truncating) with every dataset; the manifest (points,
 * replicates, seeds, parameter values) is written in full. */
int sweep_h5_create(sweep_h5 **h, const char *path, const sweep_layout *L, const sweep_design *d, errbuf *e);
/* Record run r: its kept data (a row of L->rowbytes; ignored unless done),
 * status and message. */
int sweep_h5_write(sweep_h5 *h, int64_t run, int status, const char *msg, const void *row, errbuf *e);
/* Provenance, summaries (if wanted and every run is in), complete = 1 last
 * when `complete`; closes the file and releases h in every case. */
int sweep_h5_finish(sweep_h5 *h, const sweep_h5_prov *p, int complete, int summaries, errbuf *e);
/* Close without finishing (the caller removes the file). */
void sweep_h5_abort(sweep_h5 *h);
/* Flush to disk (best effort: HDF5 1.10 may still leave a torn file on a
 * kill, which is why the journal exists). */
void sweep_h5_flush(sweep_h5 *h);

/* 1 when path is a finished sweep file of this manifest (sha256 hex). */
int sweep_h5_is_complete(const char *path, const char *manifest);

#endif
