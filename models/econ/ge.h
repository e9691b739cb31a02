/*
 * ge.h - the static general-equilibrium core (DESIGN section 2): exact hat
 * algebra of multi-sector Armington-CES structural gravity.
 *
 * Given baseline flows X0 (with domestic sales) and openness phi_ijk =
 * that_ijk^(1-sigma_k), ge_solve finds factory-gate price changes phat_ik,
 * new flows, price indices and welfare.  The world is split into the
 * connected components of open cross-border cells, each solved on its own
 * with its output total held fixed.  The solver is a fixed-point iteration
 * in log prices with Anderson acceleration, converged when no price moves by
 * more than tol (relative).
 */
#ifndef SANCSIM_GE_H
#define SANCSIM_GE_H

#include "err.h"

typedef struct ge_solver ge_solver;

typedef struct ge_params {
    int n, K;                 /* countries, sectors */
    const double *X0;         /* n*n*K baseline flows, [(i*n+j)*K+k] */
    const double *sigma;      /* K, each > 1 */
    int imbalance;            /* IMBALANCE_ADDITIVE or IMBALANCE_MULTIPLICATIVE (world.h) */
    double tol;               /* relative price change at convergence (1e-12) */
    int max_iter;             /* e.g. 10000 */
    char *const *country;     /* n codes, for messages (may be NULL) */
    char *const *sector;      /* K names, for messages (may be NULL) */
} ge_params;

typedef struct ge_result {
    /* outputs, caller-allocated; phat is also the warm start (set to 1 for a cold start) */
    double *phat;    /* n*K factory-gate price change (1 where Y_ik = 0) */
    double *Phat;    /* n*K price index change (1 where E_jk = 0) */
    double *X;       /* n*n*K new flows */
    double *Y, *E;   /* n new output and expenditure */
    double *welfare; /* n real expenditure change */
    double *price_index; /* n: prod_k Phat_jk^alpha_jk */
    int iterations;  /* largest over components */
    double residual; /* max relative market-clearing error */
} ge_result;

/* Precompute baseline shares; the params' arrays must outlive the solver. */
int  ge_solver_create(ge_solver **s, const ge_params *p, errbuf *e);
void ge_solver_free(ge_solver *s);

/* Solve for openness phi (n*n*K; domestic cells are ignored and taken as 1)
 * with deficits D (n; additive convention only, NULL = baseline E - Y).
 * Errors: SANC_ENOEQ (no equilibrium: names country and sector),
 * SANC_ENOCONV (names the worst country and sector). */
int ge_solve(ge_solver *s, const double *phi, const double *D, ge_result *r, errbuf *e);

#endif
