/*
 * lookahead.h - the pure look-ahead (DESIGN sections 3b and 4): the static
 * equilibrium, with full adjustment, that a set of policies would give
 * from the run's current state.  It reads the world and writes only the
 * caller's result and its own scratch: no state changes, no random draws,
 * so governments and the leverage metric can evaluate as many candidate
 * policy sets as they like without altering the run.
 *
 * Two kinds of policy set: a change of log openness per cell on top of the
 * period's own wedges (lookahead_eval: shocks, route wedges with sanctions,
 * payment wedges; noise left out), or a full policy set (lookahead_eval_set,
 * policyset.h: events in force, sanction levels, open hubs, forced payment
 * operations) rebuilt through the modules' pure hooks.  Modules reach both
 * through model->lookahead (eval, eval_set).
 */
#ifndef SANCSIM_LOOKAHEAD_H
#define SANCSIM_LOOKAHEAD_H

#include "err.h"
#include "policyset.h"

struct world;
struct model_views;

typedef struct lookahead lookahead;

typedef struct lookahead_policy {
    const double *extra_logphi; /* nc*nc*ns log openness added to the target (NULL: none);
                                   -INFINITY closes a cell */
} lookahead_policy;

typedef struct lookahead_result {
    double *welfare;   /* nc (required) */
    double *X;         /* nc*nc*ns flows (NULL: not wanted) */
    int iterations;
    double residual;
} lookahead_result;

/* Scratch for evaluations on w's scenario (its own solver and buffers). */
int  lookahead_create(lookahead **la, const struct world *w, errbuf *e);
void lookahead_free(lookahead *la);

/* Evaluate policy p (NULL: the status quo) on w's current wedges.  Errors:
 * those of the GE solver (no equilibrium, no convergence). */
int  lookahead_eval(lookahead *la, const struct world *w, const lookahead_policy *p,
                    lookahead_result *r, errbuf *e);

/* Evaluate a policy set (policyset.h; DESIGN 3b) instead of w's wedges:
 * the shocks of the events in force, the sanction factors at the given
 * levels (the sanctions view's hook), routes through the open hubs at the
 * current markups (routing's), payment wedges after the forced joins and
 * exits (payments'), no noise; then the static equilibrium with full
 * adjustment from a cold start.  A missing module (view NULL) contributes
 * nothing.  Pure: reads w and the views, writes r and its own scratch. */
int  lookahead_eval_set(lookahead *la, const struct world *w, const struct model_views *v,
                        const la_policyset *p, lookahead_result *r, errbuf *e);

#endif
