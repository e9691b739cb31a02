/*
 * world.h - the state of one run: dimensions, baseline, the wedge arrays
 * through which modules talk, the current equilibrium and the registry of
 * output variables the recorder writes each period.
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



typedef struct world {
    const struct scenario *sc; /* read-only configuration */
    int nc, ns, T;             /* countries, sectors, periods (incl. period 0) */
    int t;                     /* current period */
    char *const *country;      /* nc codes (owned by the scenario) */
    char *const *sector;       /* ns names (owned by the scenario) */

    /* the output schema: dimension labels (time labels unused: time is
     * numeric), the time axis and the registered variables */
    schema out;

    /* baseline (period 0) */
    const double *X0;    /* nc*nc*ns */
    double *Y0, *E0, *D0; /* nc: output, expenditure, deficit E - Y */

    /* wedges written by modules each period, read by gravity (logs) */
    double *shock_logphi; /* nc*nc*ns: sum of active cost shocks, log openness */
    double *sanction_logF; /* nc*nc*ns: log sanction factor on cost (0 none) */
    double *sanction_e;    /* nc*nc*ns: largest current enforcement (0 none) */
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

    /* --- agent layer: arrays allocated by the module that owns them (in its
     * init, with calloc) and freed by world_destroy; NULL/0 when absent. --- */
    /* sanctions (owner: sanctions) */
    int nsanc;
    char **sanc_name;          /* nsanc labels (owned by the sanctions module) */
    double *sanc_intensity;    /* nsanc: current enforcement e, 0 when inactive */
    unsigned char *sanc_cover; /* nsanc * nc*nc*ns: cells covered by each measure */
    unsigned char *sanc_party; /* nsanc * nc: 1 sender, 2 target, 0 third country */
    double *sec_pressure;      /* nc*nc [i*nc+h]: sum over active secondary measures
                                  targeting h with i a third country of penalty*e*w_iS */
    /* payments (owner: payments) */
    int nsys;                  /* systems, not counting the fallback */
    char **sys_name;           /* nsys + 1 labels, fallback last */
    double *sys_cost;          /* nsys + 1 */
    double *pay_access;        /* nc*(nsys+1): member weight a_ip; 1 for the fallback */
    double *pay_share;         /* nc*nc*(nsys+1): channel shares s_ijp of pair (i,j) */
    /* routing (owner: routing; route_share is updated by gravity by vintage) */
    int nhubs;
    char **hub_name;           /* nhubs labels */
    int *hub_via;              /* nhubs: index of the via country */
    double *route_share_new;   /* nhubs * nc*nc*ns [h*n3 + cell]: shares of new flows */
    double *route_share;       /* nhubs * nc*nc*ns: shares of the current flows */

} world;

/* Allocate every array for a scenario's dimensions and fill the baseline
 * state (period 0: phi = 1, X = X0, hats = 1, welfare = 1). */
int  world_init(world *w, const struct scenario *sc, errbuf *e);
void world_destroy(world *w);

/* Register an output variable (copies the struct; strings must outlive w). */
int world_add_var(world *w, const schema_var *v, errbuf *e);

/* Set a dimension's labels (e.g. hubs, systems); labels must outlive w. */
void world_set_dim(world *w, int dim, int n, char *const *labels);

#define W3(w, i, j, k) ((((size_t)(i) * (size_t)(w)->nc) + (size_t)(j)) * (size_t)(w)->ns + (size_t)(k))
#define W2(w, i, j) ((size_t)(i) * (size_t)(w)->nc + (size_t)(j))
#define WK(w, i, k) ((size_t)(i) * (size_t)(w)->ns + (size_t)(k))

#endif
