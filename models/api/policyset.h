/*
 * policyset.h - a set of policies for the pure look-ahead (DESIGN 3b):
 * which events, sanction levels, hubs and forced payment joins/exits to
 * evaluate, instead of the period's own wedges.  The governments module
 * builds them; the run's look-ahead (engine/run/lookahead.c) turns one into
 * target openness with the modules' pure hooks (views.h) and solves the
 * static equilibrium with full adjustment.
 */
#ifndef SANCSIM_POLICYSET_H
#define SANCSIM_POLICYSET_H

/* A forced join or exit of country's banks of system sys, largest banks
 * first while the weight moved is below coverage (no random draw). */
typedef struct la_payop {
    int country, sys, join; /* join 1, exit 0 */
    double coverage;
} la_payop;

typedef struct la_policyset {
    const unsigned char *event_on;  /* nevents: shocks in force (others ignored) */
    const double *sanction_level;   /* nsanctions: enforcement of each measure (0: off) */
    const unsigned char *hub_on;    /* nhubs: open hubs */
    const la_payop *payops;         /* applied in order to the current memberships */
    int npayops;
    const double *extra_logphi;     /* nc*nc*ns added log openness, or NULL */
} la_policyset;

#endif
