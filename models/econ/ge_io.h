/*
 * ge_io.h - the production-network general equilibrium of DESIGN section 2b:
 * Caliendo and Parro (2015) with input-output links, mobile or
 * sector-specific factors, revenue wedges (tariff, export tax, hub fee)
 * whose revenue goes to a named country, fixed deficits and the
 * world-value-added numeraire, in exact hat algebra.
 *
 * Self-contained on plain arrays (no world, no config): a model is created
 * from baseline data (ge_io_create), optionally re-based on its own
 * re-solved equilibrium (ge_io_baseline_resolve: period 0), and then solved
 * for any number of shocks (ge_io_solve), each relative to the model's
 * baseline.  Library code: never prints, never exits; errors are SANC_E*
 * codes with a message naming country, sector (and, by the caller, period).
 *
 * Layouts (exporter-major, as ge.h and the trade CSV):
 *   cell  (i exporter, n importer, k sector):  (i*N + n)*K + k
 *   country-sector (n, k):                     n*K + k
 *   input s of sector k in n:                  (n*K + s)*K + k
 */
#ifndef SANCSIM_GE_IO_H
#define SANCSIM_GE_IO_H

#include <stddef.h>

#include "err.h"

enum { GE_IO_MOBILE = 0, GE_IO_SECTOR_SPECIFIC = 1 };
enum { GE_IO_DEFICITS_DATA = 0, GE_IO_DEFICITS_ZERO = 1 };

/* One hub's fee on one cell: the cell's fee rate f is the sum of the rates
 * of its entries (f = sum_h w_h fee_h over the route shares w_h), and hub h
 * receives rate_h * S (1 + x) of a sale with seller value S. */
typedef struct ge_io_fee {
    size_t cell; /* (i*N + n)*K + k; never a domestic cell */
    int hub;     /* recipient country */
    double rate; /* >= 0 */
} ge_io_fee;

/* Ad valorem wedge levels.  A buyer pays B = S (1 + x)(1 + f)(1 + t) for a
 * sale of seller value S; x S goes to the exporter, f S (1 + x) to the hubs,
 * t S (1 + x)(1 + f) to the importer.  NULL arrays are zero.  Rates must be
 * finite and > -1; domestic cells must be zero. */
typedef struct ge_io_wedges {
    const double *tariff;     /* N*N*K */
    const double *export_tax; /* N*N*K (negative: a discount the seller gives) */
    const ge_io_fee *fee;
    int nfee;
} ge_io_wedges;

/* Baseline data; the arrays are read by ge_io_create and not kept (names are
 * kept: they must outlive the model). */
typedef struct ge_io_data {
    int N, K;
    const double *M;     /* N*N*K imports net of tariffs, B / (1 + t), domestic cells included */
    ge_io_wedges wedges; /* baseline wedges */
    const double *IC;    /* N*K*K input s bought by sector k in n, tariff-inclusive (may be < 0) */
    const double *FC;    /* N*K final demand */
    const double *VA;    /* N*K value added, >= 0 */
    const double *D;     /* N deficits; NULL: imports - exports of M over foreign cells */
    const double *theta; /* K trade elasticities, > 0 */
    char *const *country; /* N names for messages (may be NULL) */
    char *const *sector;  /* K names for messages (may be NULL) */
} ge_io_data;

typedef struct ge_io_opts {
    int factors;   /* GE_IO_MOBILE (CP) or GE_IO_SECTOR_SPECIFIC */
    double tol;    /* relative change of factor prices at convergence, e.g. 1e-12 */
    int max_iter;  /* outer iterations, e.g. 500 */
} ge_io_opts;

/* A counterfactual relative to the model's baseline. */
typedef struct ge_io_shock {
    const double *phi;           /* N*N*K openness (iceberg part, partially adjusted);
                                  * NULL = 1; domestic cells ignored; < 1e-12 closed */
    const ge_io_wedges *wedges;  /* new wedge levels; NULL = the baseline's */
    const double *D;             /* N deficits D' (numeraire units); NULL = baseline's */
} ge_io_shock;

/* Caller-allocated outputs.  Arrays marked (opt) may be NULL.  With warm != 0
 * the solve starts from v, c and X as they are (a previous solution of the
 * same model); with warm == 0 from the baseline. */
typedef struct ge_io_result {
    int warm;
    double *v;        /* N*K factor price change (w_n in every sector when mobile) */
    double *w;        /* N (opt) wage change (mobile; sector-specific: VA-weighted mean of r) */
    double *c;        /* N*K unit cost change (factory_price) */
    double *P;        /* N*K sector price index change */
    double *X;        /* N*K expenditure X'_n^k (buyer values, levels) */
    double *Y;        /* N*K gross output Y'_n^k (seller values, levels) */
    double *VA;       /* N*K (opt) value added gamma Y' (levels) */
    double *I;        /* N income I' = factor income + R' + D' (levels) */
    double *R;        /* N wedge revenue received (levels) */
    double *R_tariff, *R_export_tax, *R_fee; /* N (opt) R by wedge */
    double *D;        /* N (opt) deficits used (after the component shift) */
    double *pi;       /* N*N*K (opt) buyer shares pi' */
    double *S;        /* N*N*K (opt) seller values S' */
    double *welfare;  /* N exact real income change (I'/I) / P */
    double *price_index; /* N P = prod_k P_k^alpha_k */
    double *real_wage;   /* N (opt) w / P */
    double *tot, *vot, *tech; /* N (opt) CP's first-order decomposition (fractions) */
    int iterations;       /* outer iterations */
    int inner_iterations; /* price and expenditure sweeps, summed */
    double residual;      /* max relative residual of E1, E4, E6 and E7 */
    double walras;        /* Walras' law: |sum of factor-market gaps| / factor income */
} ge_io_result;

typedef struct ge_io ge_io;

/* Derive shares from the data.  Errors (SANC_EDATA) name country and
 * sector: non-finite or negative flows, VA < 0, gross output <= 0 with
 * positive sales, total input share < 0, a sector bought (final or input)
 * that the trade data never supplies, no final demand, wedges <= -1 or on
 * domestic cells, theta <= 0.  negative_inputs (opt) gets the number of
 * negative IC entries. */
int  ge_io_create(ge_io **m, const ge_io_data *d, const ge_io_opts *o, int *negative_inputs,
                  errbuf *e);
void ge_io_free(ge_io *m);

/* Solve a shock (NULL = none).  Errors: SANC_ENOEQ (a buyer whose every
 * supplier is closed, non-positive income, a country that can sell
 * nothing), SANC_ENOCONV (names the worst country/sector), SANC_EDATA (bad
 * shock values). */
int ge_io_solve(ge_io *m, const ge_io_shock *s, ge_io_result *r, errbuf *e);

/* Period 0: solve under the baseline wedges and deficits D' = D (DEFICITS_DATA)
 * or 0 (DEFICITS_ZERO), write the solution (relative to the data) to r, and
 * re-base the model on it, so later solves are relative to period 0 (whose
 * own hats are 1; its levels X, Y, I, R are in r).  r->warm is set to 0:
 * period 0 itself is the natural start of period 1.  max_change (opt) gets
 * the largest |v - 1| over factor units (the wage change when mobile). */
int ge_io_baseline_resolve(ge_io *m, int deficits, ge_io_result *r, double *max_change,
                           errbuf *e);

/* Sizes and baseline values of the model (after a re-solve: period 0). */
int ge_io_countries(const ge_io *m);
int ge_io_sectors(const ge_io *m);
const double *ge_io_baseline_income(const ge_io *m);   /* N */
const double *ge_io_baseline_output(const ge_io *m);   /* N*K seller values */
const double *ge_io_baseline_deficits(const ge_io *m); /* N */

#endif
