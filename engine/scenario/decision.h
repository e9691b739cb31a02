/*
 * decision.h - items that a government decides (DESIGN section 3b).
 *
 * Any event, sanction measure or hub may be declared with
 * `start = "decided"; owner = "RUS";` instead of a date, plus optionally
 * `partner` (whose consent the action needs), `lag` (periods from the
 * decision to the start, default 1), `cost` (>= 0, objective units) and
 * `reversible` (default false).  The code that reads an item's window
 * (the scenario for events, the sanctions and routing modules for their
 * items) calls scenario_window_decided instead of scenario_window and
 * accepts SC_DECISION_KEYS among its keys; a decided item's window is
 * [SC_END_NEVER, SC_END_NEVER) until a government takes it (the
 * governments module then overrides the window through its view).
 */
#ifndef SANCSIM_DECISION_H
#define SANCSIM_DECISION_H

#include <libconfig.h>

#include "err.h"

struct scenario;

typedef struct sc_decision {
    int decided;                   /* start = "decided" */
    int owner, partner;            /* country indices; partner -1: none */
    int lag;                       /* periods from decision to start (>= 0) */
    double cost;                   /* >= 0, in objective units */
    int reversible;
    const config_setting_t *where; /* the item's setting, for messages */
} sc_decision;

/* The keys a decidable item accepts besides its own (for key lists). */
#define SC_DECISION_KEYS "owner", "partner", "lag", "cost", "reversible"

/* Like scenario_window (decision.c), plus the decision keys into *d:
 * `start = "decided"` needs a top-level `governments` block and an
 * `owner`, and takes no `end`; the decision keys without it are errors.
 * A decided item gets start = end = SC_END_NEVER. */
int scenario_window_decided(const struct scenario *sc, const config_setting_t *g, int min_start, int *start,
                            int *end, sc_decision *d, errbuf *e);

/* Is g's `start` the string "decided"? */
int scenario_is_decided(const config_setting_t *g);

#endif
