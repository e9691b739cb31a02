/*
 * model.h - the module interface (a small ops table, the PETSc pattern).
 *
 * A run is a pipeline of modules stepped in registry order each period:
 * governments -> policy -> sanctions -> payments -> routing -> gravity -> metrics.
 *
 * What a module may see (DESIGN section 4, rule 1):
 *  - the scenario's dataset and shared definitions (dimensions, country and
 *    sector sets, calendar, events) through model_init.sc;
 *  - its OWN settings block only (model_init.block, looked up by the run
 *    under the registry's `block` key); a module never reads another
 *    module's block from the configuration tree;
 *  - the typed read-only views (views.h) published by the modules before
 *    it: each module that others need fills its slot of model_init.views in
 *    init with a pointer to a view it owns; a later module keeps the
 *    pointer and reads the view's arrays, which the owner updates in its
 *    step.  The views live as long as the run (until the owners' finish).
 * Module state is the module's: whoever allocates frees (finish); the world
 * holds only the run's shared state (baseline, wedges read by gravity,
 * equilibrium) and the output schema.
 */
#ifndef SANCSIM_MODEL_H
#define SANCSIM_MODEL_H

#include <libconfig.h>

#include "err.h"
#include "views.h"

struct scenario;
struct world;
struct model;

/* Views published so far in the pipeline (NULL: the module is absent). */
typedef struct model_views {
    const sanctions_view *sanctions;
    const payments_view *payments;
    const routing_view *routing;
    const governments_view *governments; /* first in the pipeline; NULL without decisions */
} model_views;

/* The run's pure look-ahead (engine/run/lookahead.h), handed to every
 * module so that no model includes the run layer: the static equilibrium
 * with full adjustment of the current wedges plus `extra_logphi` (nc*nc*ns
 * or NULL); fills welfare (nc) and, if not NULL, X (nc*nc*ns).  It changes
 * no state and draws no random number. */
typedef struct model_lookahead {
    int (*eval)(void *ctx, const struct world *w, const double *extra_logphi, double *welfare, double *X,
                errbuf *e);
    void *ctx;
    /* The same for a policy set (policyset.h) instead of the current
     * wedges: shocks of the events in force, sanction factors at the given
     * levels, routes through the open hubs, payment wedges after the forced
     * joins/exits; no noise.  Pure as eval. */
    int (*eval_set)(void *ctx, const struct world *w, const la_policyset *p, double *welfare, double *X,
                    errbuf *e);
} model_lookahead;

/* What init receives. */
typedef struct model_init {
    const struct scenario *sc;     /* dataset, sets, calendar, events */
    const config_setting_t *block; /* the module's own settings (NULL: absent or none) */
    struct world *w;
    model_views *views;            /* read earlier modules' views; publish one's own */
    model_lookahead lookahead;     /* the run's pure look-ahead (eval NULL: none) */
} model_init;

typedef struct model_ops {
    /* required: parse the module's settings, allocate private data, publish
     * its view, register outputs, and set its part of period 0. */
    int (*init)(struct model *m, const model_init *ctx, errbuf *e);
    /* required: advance the module to period t >= 1. */
    int (*step)(struct model *m, struct world *w, int t, errbuf *e);
    /* optional: free private data (everything the module allocated). */
    void (*finish)(struct model *m);
    /* optional: called once every module is initialised (the run and
     * run_check call it in pipeline order), for checks that need the
     * views of later modules; may register outputs. */
    int (*ready)(struct model *m, struct world *w, errbuf *e);
} model_ops;

typedef struct model {
    const char *name;
    const model_ops *ops;
    void *data;
    model_lookahead lookahead; /* set by the run before init */
} model;

enum { MODEL_BLOCK_NONE = 0, MODEL_BLOCK_GROUP, MODEL_BLOCK_LIST };

/* The shared state of a period, by what publishes it (X-macro: a new field
 * is one line).  Each registry entry declares the fields its step writes
 * and those it reads, either of this period (the publisher must step
 * earlier) or of the last one (world's *_prev buffers and the views'
 * values from t-1); model_check_fields checks the table before period 1,
 * so that the pipeline's order can no longer stand in for time unnoticed. */
#define MODEL_FIELDS(X)                                                        \
    X(FIELD_DECISIONS, "decisions")     /* governments_view: decided starts */ \
    X(FIELD_SHOCKS, "shocks")           /* world.shock_logphi */              \
    X(FIELD_TRANSFERS, "transfers")     /* world.transfers */                 \
    X(FIELD_SANCTIONS, "sanctions")     /* sanctions_view */                  \
    X(FIELD_PAYMENTS, "payments")       /* world.pay_logw, payments_view */   \
    X(FIELD_ROUTES, "routes")           /* world.route_logM, routing_view */  \
    X(FIELD_EQUILIBRIUM, "equilibrium") /* world.phi, X, prices, welfare */   \
    X(FIELD_METRICS, "metrics")         /* derived outputs */

enum model_field {
#define MODEL__FIELD(id, name) id,
    MODEL_FIELDS(MODEL__FIELD)
#undef MODEL__FIELD
    FIELD_COUNT
};
#define FIELD_BIT(f) (1u << (f))
extern const char *const model_field_names[FIELD_COUNT];

typedef struct model_entry {
    const char *name;
    const model_ops *ops;
    const char *block; /* top-level key of the module's settings, or NULL */
    int block_kind;    /* MODEL_BLOCK_* */
    unsigned publishes; /* FIELD_BITs written by its step */
    unsigned reads;     /* read for the current period */
    unsigned reads_prev; /* read as last period's values */
} model_entry;

/* The pipeline, NULL-terminated, in stepping order (engine/run/registry.c). */
extern const model_entry model_registry[];

/* Check a pipeline's field declarations (NULL-terminated table): every
 * field read for the current period is published by an earlier module,
 * every field read from the last period by some module, and no field has
 * two publishers.  SANC_EINTERNAL naming the module and field otherwise. */
int model_check_fields(const model_entry *registry, errbuf *e);

/* Look a module up by name; NULL if unknown. */
const model_ops *model_lookup(const char *name);
const model_entry *model_find(const char *name);

/* Initialise module `name` into *md: look up its own settings block (type
 * checked: a group or a list, as the registry says) and call its init.
 * Used by the run and by tests that build partial pipelines. */
int model_start(model *md, const char *name, const struct scenario *sc, struct world *w, model_views *views,
                errbuf *e);

#endif
