/*
 * sanction_type.h - the ops table of a sanction measure type (DESIGN
 * section 4: "sanction types behind {parse, cover, apply}").
 *
 * The sanctions module (sanctions.c) reads what every measure has (name,
 * type, senders, targets, start, end, ramp, enforcement), looks the type up
 * in its registry table and hands the rest to the type:
 *   parse  reads the type's own keys (listed in `keys`) into m->par (the
 *          type allocates it with malloc; sanctions frees it) and, for a
 *          type that uses them, the sectors mask (default: all sectors) and
 *          the payment-system revocation (m->revoke_*);
 *   cover  says whether the measure covers cross-border pair i -> j; its
 *          covered cells are that pair's cells in m->sectors (the
 *          denominators of sanction_remaining / sanction_rerouted);
 *   apply  adds the measure's effect at current enforcement e > 0 to the
 *          period's cell factors (sanction_hit for a factor on the direct
 *          route, F; logG for a penalty on the parties, G) and pressures.
 * A new type is one file defining a `const sanction_type` plus one line in
 * the registry table of sanctions.c.
 */
#ifndef SANCSIM_SANCTION_TYPE_H
#define SANCSIM_SANCTION_TYPE_H

#include <libconfig.h>

#include "err.h"

struct scenario;
struct world;

typedef struct sanc_measure {
    const struct sanction_type *type;
    int start, end, ramp;
    double enforcement;
    unsigned char *senders, *targets; /* nc each (targets removed from senders) */
    unsigned char *sectors;           /* ns: covered sectors (all unless the type reads `sectors`) */
    void *par;                        /* the type's parameters (malloc'ed by parse) */
    /* a measure that revokes memberships of a payment system while active */
    const char *revoke_system;        /* NULL: none (points into the config tree) */
    double revoke_coverage;
    const config_setting_t *revoke_where;
    int revenue;                      /* sets revenue wedges (tariff, export_tax, tariff_level) */
} sanc_measure;

/* What apply writes (cell arrays nc*nc*ns, pairs nc*nc) and may read. */
typedef struct sanc_apply {
    const struct world *w;
    const double *pair;  /* nc*nc: two-way cross-border trade of the last period, all sectors */
    const double *total; /* nc: a country's cross-border trade (exports + imports) of the last period */
    double *logF;        /* log trade-measure factor F on cost: products of factors are sums */
    double *enf;         /* largest enforcement of the trade measures on the cell */
    double *logG;        /* log secondary factor G (penalties on the parties, any route) */
    double *pressure;    /* [i*nc + h]: secondary pressure on i's banks in systems whose home is h */
    /* revenue wedges (DESIGN 2b; NULL when no measure sets one): rate
     * increments e x, and a tariff level with its enforcement (NAN: none) */
    double *tariff, *export_tax, *tariff_level, *tariff_level_e;
} sanc_apply;

typedef struct sanction_type {
    const char *name;            /* the value of `type` */
    const char *const *keys;     /* the type's own keys, NULL-terminated */
    int needs_trade;             /* apply reads pair/total (computed only then) */
    int (*parse)(const struct scenario *sc, const config_setting_t *g, sanc_measure *m, errbuf *e);
    int (*cover)(const sanc_measure *m, int i, int j);
    void (*apply)(const sanc_measure *m, double e, sanc_apply *a);
} sanction_type;

/* Add log factor lf at enforcement e to cell c. */
void sanction_hit(sanc_apply *a, size_t c, double lf, double e);

extern const sanction_type sanction_trade, sanction_financial, sanction_secondary;

#endif
