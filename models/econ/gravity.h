/*
 * gravity.h - what the gravity module shares with the run's look-ahead:
 * the target openness of one cell, so that the pure evaluation of a policy
 * set (engine/run/lookahead.c) and the period step use one formula.
 */
#ifndef SANCSIM_GRAVITY_H
#define SANCSIM_GRAVITY_H

#include <math.h>

/* phi* = exp(lphi) x (cost factor)^(1-sigma) from a log openness lphi
 * (shocks, noise) and a log cost factor (routes incl. sanctions, payments);
 * 0 when either closes the cell. */
static inline double gravity_cell_target(double lphi, double logcost, double sigma)
{
    if (logcost == INFINITY || lphi == -INFINITY)
        return 0.0;
    return exp(lphi + (1.0 - sigma) * logcost);
}

#endif
