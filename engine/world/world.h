/*
 * world.h - the state of one run: dimensions, baseline, the wedge arrays
 * that gravity reads, the current equilibrium and the registry of output
 * variables the recorder writes each period.  Modules keep their own state
 * and publish what others read as views (models/api/model.h).
 *
 * Index conventions (row-major, last index fastest):
 *   bilateral-sector arrays  [(i*nc + j)*ns + k]   i exporter, j importer
 *   bilateral arrays         [i*nc + j]
 *   country-sector arrays    [i*ns + k]
 * Wedges are kept in logs: a log cost factor of +INFINITY closes a cell, a
 * log openness of -INFINITY likewise.  No global state: a process may hold
 * many worlds (sweeps).
 */
#ifndef SANCSIM_WORLD_H
#define SANCSIM_WORLD_H

#include <stdint.h>

#include "err.h"
#include "schema.h"

struct scenario;
struct ge_io_wedges;
struct ge_io_fee;



typedef struct world {
    const struct scenario *sc; /* read-only configuration */
    int nc, ns, T;             /* countries, sectors, periods (incl. period 0) */
    int t;                     /* current period */
    char *const *country;      /* nc codes (owned by the scenario) */
    char *const *sector;       /* ns names (owned by the scenario) */

    /* the output schema: dimension labels (time labels unused: time is
     * numeric), the time axis and the registered variables */
    schema out;
    /* The variables the caller records (a sweep's keep list); NULL: every
     * registered one.  A module whose outputs no one else reads may skip
     * computing those nobody records (world_keeps). */
    char *const *keep;
    int nkeep;

    /* baseline (period 0) */
    const double *X0;    /* nc*nc*ns */
    double *Y0, *E0, *D0; /* nc: output, expenditure, deficit E - Y */

    /* wedges written by modules each period, read by gravity (logs); the
     * modules' own state (sanction factors, memberships, route shares) is
     * theirs and reaches other modules through views (models/api/views.h) */
    double *shock_logphi; /* nc*nc*ns: sum of active cost shocks, log openness */
    double *route_logM;    /* nc*nc*ns: log(M(t)/M(0)), cost (0 = baseline) */
    double *pay_logw;      /* nc*nc: log payment wedge on cost (0 = baseline) */
    double *noise_logphi;  /* nc*nc: log noise multiplier on openness (0 = none) */

    /* equilibrium state of period t (gravity writes, metrics reads) */
    double *phi;       /* nc*nc*ns openness in t */
    double *phi_prev;  /* openness in t-1 */
    double *X;         /* nc*nc*ns flows in t */
    double *X_prev;    /* flows in t-1 */
    double *phat;      /* nc*ns factory-gate price change vs baseline */
    double *Phat;      /* nc*ns price-index change vs baseline */
    double *D;         /* nc deficits used in t */
    double *Y, *E;     /* nc output and expenditure in t */
    double *welfare, *price_index, *exports, *imports; /* nc */
    int solver_iterations;
    double solver_residual;

    double *transfers; /* nc*nc: non-market transfers in t (not priced) */

    /* Revenue wedges (DESIGN 2b).  The active events' increments and
     * levels, written by policy (NULL when no event sets one); level NAN:
     * none on the cell. */
    double *ev_tariff, *ev_export_tax, *ev_tariff_level; /* nc*nc*ns */
    /* The wedge levels of the current period (gravity's; NULL when the run
     * has no revenue wedges), read by the look-ahead. */
    const struct ge_io_wedges *wedges;
    const struct ge_io_wedges *wedges0; /* period 0's (hub fees active then) */

    /* The GE model's period 0 when it is not the data (trade.model = "io":
     * the re-solved baseline): X0 then points here (world_rebase).  The
     * model itself, created before the modules start (gravity_prepare),
     * waits here for gravity's init, which takes it. */
    double *X0_own;
    void *ge_prepared;

    /* Hub fees active in period 0 under io (DESIGN 2b: part of the
     * baseline).  Period 0 is solved before routing starts, so the run
     * sets up twice when there are any: gravity's init of the first pass
     * leaves routing's period-0 fees in fee0_redo (owned, freed by
     * world_destroy), and the run hands them to the second pass's
     * gravity_prepare as fee0_in (the run's, not owned here). */
    const struct ge_io_fee *fee0_in;
    int nfee0_in;
    struct ge_io_fee *fee0_redo;
    int nfee0_redo;
} world;

/* Allocate every array for a scenario's dimensions and fill the baseline
 * state (period 0: phi = 1, X = X0, hats = 1, welfare = 1). */
int  world_init(world *w, const struct scenario *sc, errbuf *e);
void world_destroy(world *w);

/* Start period t: the equilibrium of t-1 moves to the *_prev buffers
 * (phi_prev, X_prev), which modules read as "last period" whatever their
 * place in the pipeline; the current buffers keep it until gravity solves. */
void world_begin_period(world *w, int t);

/* Make a new period 0: flows X (nc*nc*ns; X0 is copied unless X == X0),
 * expenditure E and deficits D (nc) become the baseline and the state of
 * period 0 (X, X_prev, Y, E, D, exports, imports); output Y0 = row sums. */
int  world_rebase(world *w, const double *X, const double *E, const double *D, errbuf *e);

/* Register an output variable (copies the struct; strings must outlive w). */
int world_add_var(world *w, const schema_var *v, errbuf *e);

/* Register a table column written at the end of the run (copies the
 * struct; strings must outlive w). */
int world_add_col(world *w, const schema_col *c, errbuf *e);

/* Does the caller record variable `name` (always true without a keep list)? */
int world_keeps(const world *w, const char *name);

/* Set a dimension's labels (e.g. hubs, systems); labels must outlive w. */
void world_set_dim(world *w, int dim, int n, char *const *labels);

#define W3(w, i, j, k) ((((size_t)(i) * (size_t)(w)->nc) + (size_t)(j)) * (size_t)(w)->ns + (size_t)(k))
#define W2(w, i, j) ((size_t)(i) * (size_t)(w)->nc + (size_t)(j))
#define WK(w, i, k) ((size_t)(i) * (size_t)(w)->ns + (size_t)(k))

#endif
