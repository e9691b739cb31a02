/*
 * sweep.h - parameter sweeps (DESIGN section 6): a scenario's `sweep` block
 * expanded into a manifest of runs, run by worker threads (or MPI ranks)
 * and written to one HDF5 file with a leading `run` dimension.
 *
 * A run is a pure function of (config, overrides, its parameter values, its
 * seed), so the data are bit-identical whatever the number of workers,
 * shards or ranks.  Crash safety: every finished run is appended to a
 * journal next to the output (FILE.journal); --resume rebuilds the file from
 * it and computes only the runs it lacks (see sweep.c).
 */
#ifndef SANCSIM_SWEEP_H
#define SANCSIM_SWEEP_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "progress.h"

struct scenario;
struct sweep_design_ops;

/* How a parameter's values are given (the designs' parsers set it: values
 * and range for grid, uniform and normal for the sampled designs, column
 * for a design file). */
enum sweep_param_kind { SWEEP_P_VALUES = 0, SWEEP_P_RANGE, SWEEP_P_UNIFORM, SWEEP_P_NORMAL, SWEEP_P_COLUMN };
enum sweep_status { SWEEP_PENDING = 0, SWEEP_DONE = 1, SWEEP_FAILED = 2 };

typedef struct sweep_param {
    char *path;         /* --set syntax, e.g. "events.[0].partial_effect" */
    char *name;         /* the same setting's name path in the base config, list
                           elements by name where they have one (labels) */
    int kind;           /* enum sweep_param_kind */
    int target_type;    /* CONFIG_TYPE_* of the setting in the base config (NONE: created) */
    int categorical;    /* values are labels; run_param holds level indices */
    int nlevels;        /* grid values */
    double *level;      /* numeric grid values */
    char **label;       /* categorical: libconfig text of each value */
    double min, max, mean, sd;
    int line;           /* source line, for messages */
} sweep_param;

/* A design is chosen by name from the registry of design.c (one ops table
 * per design, engine/sweep/designs/, see sweep_design.h). */
typedef struct sweep_design {
    const struct sweep_design_ops *ops;
    void *state;           /* the design's own (e.g. the file it read); freed by sweep_design_free */
    int64_t npoints, replicates, nruns;
    int nparams;
    sweep_param *param;
    double *point;         /* npoints * nparams: value, or level index */
    int nkeep;
    char **keep;
    int common_seeds, summaries;
    uint64_t base_seed;
} sweep_design;

/* Read and expand the scenario's `sweep` block (SANC_ECONFIG on errors:
 * unknown keys, mixed parameter kinds, a bad distribution, ...).  Values are
 * not yet tried on the scenario: see sweep_validate. */
int  sweep_design_load(sweep_design *d, const struct scenario *sc, errbuf *e);
void sweep_design_free(sweep_design *d);
/* The design's name (the `design` setting; the file's sweep_design). */
const char *sweep_design_name(const sweep_design *d);
/* Value i (0, 1, ...) parameter j is tried with on the base scenario before
 * any run: 1 and *v, or 0 past the last (every level of a grid; one
 * representative value otherwise). */
int sweep_design_probe(const sweep_design *d, int j, int i, double *v);
/* The file the design read (a design file), with the SHA-256 of its bytes,
 * recorded beside the data files in /provenance/data_sha256 and the
 * manifest; NULL when it read none. */
const char *sweep_design_input(const sweep_design *d, char sha256[65]);

/* Seed of run r: rng_mix32(base) XOR r, or XOR the replicate index with
 * common_seeds (DESIGN section 6). */
uint64_t sweep_run_seed(const sweep_design *d, int64_t run);
/* "PATH=VALUE" override of parameter j at design point p, into buf. */
int sweep_override(const sweep_design *d, int64_t point, int j, char *buf, size_t n, errbuf *e);
/* The same for an arbitrary value v of parameter p (a level index when
 * categorical). */
int sweep_override_value(const sweep_param *p, double v, char *buf, size_t n, errbuf *e);

typedef struct sweep_opts {
    const char *config;
    char *const *overrides;    /* base --set overrides, applied before the design's */
    int noverrides;
    int64_t seed_override;     /* -1: scenario.seed */
    const char *output;        /* final file (NULL: the scenario's output.file, else results/<stem>_sweep.h5) */
    int force, resume, jobs;   /* jobs <= 0: the cores available to the process */
    int shard_k, shard_n;      /* 1-based shard; 0/0: every run */
    int quiet;
    progress prog;             /* "sweep": runs recorded of the runs in scope, rate and ETA in detail */
    const char *command_line;
    const char *trace;         /* debug: append "run R\n" for each run recorded (tests) */
    volatile sig_atomic_t *stop; /* set by a signal handler: finish the journal and leave */
    /* optional: the temporary HDF5 file's name once it exists, NULL once
     * it is gone (a second signal's handler removes it) */
    void (*on_temp)(const char *temp_path, void *ctx);
    void *temp_ctx;
    /* Optional run source (MPI): hands out blocks [*first, *first + *count)
     * of run indices; *count = 0 when there are no more.  Without it, the
     * runs of the shard are taken in order.  Called under a lock. */
    int (*next_block)(void *ctx, int64_t *first, int64_t *count, errbuf *e);
    void *block_ctx;
    int part;                  /* 1: write a part file (no summaries; complete once its runs are) */
} sweep_opts;

typedef struct sweep_result {
    int64_t nruns;      /* in the manifest */
    int64_t scope;      /* runs this process was responsible for */
    int64_t done, failed, computed, recovered;
    char output[4096];  /* the file written */
    char first_failure[1100];
} sweep_result;

/* The whole sweep: load, validate (exit-2 errors before any run), run,
 * write.  Returns SANC_OK also when some runs failed (see res->failed). */
int sweep_execute(const sweep_opts *o, sweep_result *res, errbuf *e);

/* Load the base scenario and expand and validate its design, without
 * running (for the MPI driver's rank 0, which only hands out runs). */
int sweep_manifest_size(const sweep_opts *o, int64_t *nruns, errbuf *e);

/* Merge part files (shards or MPI ranks) into one sweep file: every run is
 * taken from the part that finished it.  Returns SANC_OK when the merged
 * file is written; *missing counts runs no part finished (the file is then
 * written with complete = 0 and those runs pending).
 *
 * Safety: the output must be absent or (with force) a regular file; the
 * merge holds the output's lock (unless the caller does), builds the file
 * under a unique hidden temporary name (never visible with complete = 1
 * before the merge is done), and renames it into place only when finished.
 * Every part must be complete and carry per-dataset checksums
 * (sha256 attributes, written by `sweep --shard` and MPI ranks), which
 * are verified before anything is copied; parts of another manifest, or
 * built on other data files (/provenance/data_sha256), are refused naming
 * the file. */
typedef struct sweep_merge_opts {
    const char *output;
    int force;
    char *const *parts;
    int nparts;
    const char *command_line;
    int locked; /* the caller already holds the output's lock (fsafe_lock_output) */
    /* called with the temporary file's name once it exists and with NULL
     * once it is gone (the CLI's signal handler removes it) */
    void (*on_temp)(const char *temp_path, void *ctx);
    void *ctx;
} sweep_merge_opts;

int sweep_merge(const sweep_merge_opts *o, int64_t *missing, int64_t *failed, errbuf *e);

/* Default -j: the CPUs this process may run on (sched_getaffinity). */
int sweep_default_jobs(void);

#endif
