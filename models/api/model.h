/*
 * model.h - the module interface (a small ops table, the PETSc pattern).
 *
 * A run is a pipeline of modules stepped in registry order each period:
 * policy -> sanctions -> payments -> routing -> gravity -> metrics.  Modules
 * talk only through the world's arrays; each reads its own settings from the
 * scenario in init and registers its outputs with world_add_var.
 */
#ifndef SANCSIM_MODEL_H
#define SANCSIM_MODEL_H

#include "err.h"

struct scenario;
struct world;
struct model;

typedef struct model_ops {
    /* required: parse settings, allocate private data, register outputs,
     * and set the module's part of the baseline state (period 0). */
    int (*init)(struct model *m, const struct scenario *sc, struct world *w, errbuf *e);
    /* required: advance the module to period t >= 1. */
    int (*step)(struct model *m, struct world *w, int t, errbuf *e);
    /* optional: free private data. */
    void (*finish)(struct model *m);
} model_ops;

/* The run's pure look-ahead (engine/run/lookahead.h), handed to every
 * module so that no model includes the run layer: the static equilibrium
 * with full adjustment of the current wedges plus `extra_logphi` (nc*nc*ns
 * or NULL); fills welfare (nc) and, if not NULL, X (nc*nc*ns).  It changes
 * no state and draws no random number. */
typedef struct model_lookahead {
    int (*eval)(void *ctx, const struct world *w, const double *extra_logphi, double *welfare, double *X,
                errbuf *e);
    void *ctx;
} model_lookahead;

typedef struct model {
    const char *name;
    const model_ops *ops;
    void *data;
    model_lookahead lookahead; /* set by the run before init */
} model;

typedef struct model_entry {
    const char *name;
    const model_ops *ops;
} model_entry;

/* The pipeline, NULL-terminated, in stepping order (models/registry.c). */
extern const model_entry model_registry[];

/* Look a module up by name; NULL if unknown. */
const model_ops *model_lookup(const char *name);

#endif
