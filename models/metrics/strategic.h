/*
 * strategic.h - the metrics of DESIGN section 3b, set in the `metrics`
 * block: leverage by look-ahead embargoes, dependence by sector with
 * transfers counted as imports, and the strategic power balance.
 *
 *   metrics = {
 *     leverage = { every = 12; pairs = ( ["RUS", "IRN"] ); };  # every 0: off
 *     strategic_sectors = ["arms_dualuse"];                    # adds strategic_power_balance
 *     dependence_sector = true;                                # also without strategic sectors
 *   };
 *
 * Without the block (or with none of these set) nothing is registered and
 * nothing is computed, so older scenarios' files are unchanged.
 */
#ifndef SANCSIM_STRATEGIC_H
#define SANCSIM_STRATEGIC_H

#include "model.h"

typedef struct strategic strategic;

/* Read the metrics block (ctx->block, may be NULL) and register the
 * outputs; *out = NULL when nothing is asked for. */
int  strategic_init(strategic **out, const model_init *ctx, errbuf *e);
/* Period t's values (called after the module's own metrics); leverage
 * evaluates embargoes with la on t's wedges when t is a leverage period. */
int  strategic_step(strategic *s, const struct world *w, int t, const model_lookahead *la, errbuf *e);
void strategic_free(strategic *s);

#endif
