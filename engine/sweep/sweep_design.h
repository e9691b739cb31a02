/*
 * sweep_design.h - the ops table of a sweep design (DESIGN section 4:
 * "sweep designs behind an ops table"), and what design.c shares with the
 * designs (engine/sweep/designs/).
 *
 * design.c reads what every sweep block has (design, replicates, keep,
 * common_seeds, summaries), looks the design up by name in its registry
 * table and hands the rest to the design:
 *   keys     the block keys the design reads besides the common ones (a key
 *            only other designs read is an error naming them);
 *   parse    reads those keys and the parameters into d->param[0..nparams)
 *            (d->param holds SWEEP_MAX_PARAMS zeroed entries; design.c then
 *            refuses a path given twice) and, if it needs any, d->state
 *            (malloc'ed; freed with `free` or, when NULL, free());
 *   npoints  the number of design points (each run replicates times);
 *   points   fills d->point (npoints x nparams, row-major; design.c
 *            allocates it unless parse already did, as a design file's
 *            rows are its points) from the block and d->base_seed alone,
 *            so every worker, shard and MPI rank computes the same
 *            manifest; NULL when parse made the points;
 *   probe    value i of parameter j tried on the base scenario before any
 *            run (see sweep_design_probe);
 *   input    (optional) the file the design read and its SHA-256, which
 *            the sweep records beside the data files (provenance,
 *            manifest: --resume and merge refuse a changed one).
 * Every design records its name (the file's sweep_design attribute) and its
 * points (run_param, point_param, run_param_<j> of categorical values).
 * A new design is one file designs/NAME.c defining
 * `const sweep_design_ops sweep_design_NAME` plus one X(NAME) line in the
 * registry list of design.c.
 */
#ifndef SANCSIM_SWEEP_DESIGN_H
#define SANCSIM_SWEEP_DESIGN_H

#include <libconfig.h>
#include <stdint.h>

#include "err.h"
#include "sweep.h"

struct scenario;

/* A manifest this long is surely a typo; it also keeps run indices far
 * from anything that could wrap in 32-bit seeds' XOR. */
#define SWEEP_MAX_RUNS 1000000000LL
#define SWEEP_MAX_PARAMS 64
#define SWEEP_MAX_LEVELS 100000

typedef struct sweep_design_ops {
    const char *name;
    const char *const *keys; /* NULL-terminated */
    int (*parse)(sweep_design *d, const struct scenario *sc, const config_setting_t *block, errbuf *e);
    int (*npoints)(const sweep_design *d, int64_t *n, errbuf *e);
    int (*points)(sweep_design *d, errbuf *e);                    /* optional */
    int (*probe)(const sweep_design *d, int j, int i, double *v);
    const char *(*input)(const sweep_design *d, char sha256[65]); /* optional */
    void (*free)(sweep_design *d);                                /* optional: d->state */
} sweep_design_ops;

/* The keys of a `parameters` entry, whatever the design (so that a key of
 * another design's parameters gets a message about mixing designs rather
 * than "unknown setting"). */
extern const char *const sweep_param_keys[];

/* The `parameters` list of the block: each entry's path read and checked
 * (sweep_param_target), then handed to `one` for its values. */
int sweep_params_parse(sweep_design *d, const struct scenario *sc, const config_setting_t *block,
                       int (*one)(sweep_design *d, sweep_param *p, const config_setting_t *g, errbuf *e),
                       errbuf *e);
/* The setting p->path (already checked as a name path) names in the base
 * scenario: p->target_type (CONFIG_TYPE_NONE for a key the run will
 * create) and p->name (its name path, list elements by name). */
int sweep_param_target(sweep_param *p, const struct scenario *sc, errbuf *e);

/* A representative value of parameter p for an integer setting: v rounded
 * half away from zero (other settings: v). */
double sweep_param_round(const sweep_param *p, double v);

/* The sampled designs (random, sobol, lhs; designs/sampled.c): parameters
 * with a distribution and `samples` points. */
int    sweep_sampled_parse(sweep_design *d, const struct scenario *sc, const config_setting_t *block, errbuf *e);
int    sweep_sampled_npoints(const sweep_design *d, int64_t *n, errbuf *e);
int    sweep_sampled_probe(const sweep_design *d, int j, int i, double *v);
/* Inverse CDF of p's distribution at u (clamped into (0, 1)); the nearest
 * integer for an integer setting. */
double sweep_sampled_quantile(const sweep_param *p, double u);

#endif
