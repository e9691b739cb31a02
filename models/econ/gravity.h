/*
 * gravity.h - what the gravity module shares with the run's look-ahead:
 * the target openness of one cell, so that the pure evaluation of a policy
 * set (engine/run/lookahead.c) and the period step use one formula.
 */
#ifndef SANCSIM_GRAVITY_H
#define SANCSIM_GRAVITY_H

#include <math.h>

#include "err.h"

struct world;
struct ge_model;
struct ge_model_spec;
struct ge_io_wedges;

/* phi* = exp(lphi) x (cost factor)^(1-sigma) from a log openness lphi
 * (shocks, noise) and a log cost factor (routes incl. sanctions, payments);
 * 0 when either closes the cell. */
static inline double gravity_cell_target(double lphi, double logcost, double sigma)
{
    if (logcost == INFINITY || lphi == -INFINITY)
        return 0.0;
    return exp(lphi + (1.0 - sigma) * logcost);
}

/* The run's GE model (trade.model; ge_model.h) as the world defines it:
 * data, elasticities, factors, period-0 wedges (returns 1 under io; its
 * period-0 hub fees then go through *store, which must outlive s). */
int gravity_spec(const struct world *w, struct ge_model_spec *s, struct ge_io_wedges *store);

/* Before any module starts: under trade.model = "io" solve period 0 (the
 * re-solved baseline) and make it the world's baseline (world_rebase), so
 * that every module's "baseline" is period 0 as recorded; the model waits
 * in w->ge_prepared for gravity's init.  No-op under armington. */
int  gravity_prepare(struct world *w, errbuf *e);
/* Free a prepared model that gravity's init never took (error paths). */
void gravity_release(struct world *w);

/* A new model of the run's kind on the run's period 0 (io: re-solved the
 * same way), e.g. the look-ahead's own; solve it with the world's current
 * wedges (w->wedges; NULL: none) and deficits. */
int  gravity_model_create(const struct world *w, struct ge_model **m, errbuf *e);

/* The revenue wedge levels of one policy set, DESIGN 2b: from the data's
 * tariffs (tariff0), the events' increments and levels (ev_*), then the
 * sanction measures' (s_*: a level moves the rate s_tariff_level_e of the
 * way to it); any of them NULL: none.  Writes tariff and export_tax
 * (nc*nc*ns, 0 on the diagonal).  A rate at or below -1 is an error
 * naming period t and the cell.  Used by gravity each period and by the
 * look-ahead for a candidate policy set, so both combine alike. */
typedef struct gravity_rev_in {
    const double *tariff0;
    const double *ev_tariff, *ev_export_tax, *ev_tariff_level;
    const double *s_tariff, *s_export_tax, *s_tariff_level, *s_tariff_level_e;
} gravity_rev_in;
/* The hub fees (DESIGN 2b: revenue of the hub's `via` country) of route
 * shares `share` (nhubs*nc*nc*ns, routing's layout) into *list (grown as
 * needed; *n entries): one entry per cell a fee-charging hub carries.  Used
 * by gravity with routing's current shares and by the look-ahead with a
 * policy set's. */
struct routing_view;
struct ge_io_fee;
int gravity_fee_list(const struct routing_view *rv, const double *share, const struct world *w,
                     struct ge_io_fee **list, int *n, int *cap, errbuf *e);

int gravity_wedge_levels(const struct world *w, const gravity_rev_in *in, int t, double *tariff, double *export_tax,
                         errbuf *e);

#endif
