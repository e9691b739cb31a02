/*
 * views.h - the typed read-only views modules publish for later modules
 * (model.h explains the mechanism).  A view is owned by its module: the
 * pointers stay valid until the module's finish, and the arrays hold the
 * module's state of the current period (updated in its step).
 *
 * Index conventions are the world's (world.h): cells [(i*nc + j)*ns + k],
 * pairs [i*nc + j].
 */
#ifndef SANCSIM_VIEWS_H
#define SANCSIM_VIEWS_H

#include <libconfig.h>

#include "err.h"
#include "policyset.h"

struct world;
struct sc_decision;

/* sanctions -> payments, routing, metrics */
/* Revenue wedges of sanction measures for the look-ahead (nc*nc*ns each,
 * the caller's): as in sanctions_view below. */
typedef struct sanctions_rev {
    double *tariff, *export_tax, *tariff_level, *tariff_level_e;
} sanctions_rev;

typedef struct sanctions_view {
    int n;                       /* measures in config order (the `sanction` axis) */
    char *const *name;           /* n labels */
    const char *const *type;     /* n: the measure type's registry name ("trade", ...) */
    const unsigned char *party;  /* n*nc: 1 sender, 2 target, 0 third country */
    const unsigned char *cover;  /* n*nc*nc*ns: cells each measure covers (metrics' denominators) */
    const double *level;         /* n: current enforcement e (ramped; 0 when inactive) */
    /* cell factors of the current period, nc*nc*ns (DESIGN section 3a) */
    const double *logF;          /* log trade-measure factor F on cost (0: none; +inf: closed) */
    const double *enf;           /* largest current enforcement of a trade measure on the cell */
    const double *logG;          /* log secondary factor G: the penalty on the parties, whatever the route */
    const double *pressure;      /* nc*nc [i*nc + h]: secondary pressure on third country i's banks
                                    in systems whose home is target h: sum of penalty e w_iS */
    /* measures that revoke payment-system membership while active (financial):
     * system name (NULL for other measures), coverage, and the setting for messages */
    const char *const *revoke_system;
    const double *revoke_coverage;
    const config_setting_t *const *revoke_where;
    /* look-ahead (DESIGN 3b): the configured enforcement (ramp complete)
     * and the cell factors the measures would put on cost at the levels
     * `level` (n) from the last period's trade in w->X, into logF and enf
     * (nc*nc*ns each), and, when rev is given and some measure sets a
     * revenue wedge (tariff below non-NULL), the measures' revenue wedges
     * at those levels into rev; pure: changes none of the module's state */
    const double *full;
    void (*factors)(void *self, const struct world *w, const double *level, double *logF, double *enf,
                    double *logG, const sanctions_rev *rev);
    void *self;
    /* revenue wedges of trade measures (DESIGN 2b), nc*nc*ns, NULL when no
     * measure sets one: rate increments sum of e x, and the tariff level of
     * the last active measure setting one (NAN: none) with its enforcement
     * (the rate moves e of the way to it) */
    const double *tariff, *export_tax, *tariff_level, *tariff_level_e;
} sanctions_view;

/* payments -> metrics */
typedef struct payments_view {
    int nsys;                    /* systems, not counting the fallback */
    char *const *sys_name;       /* nsys + 1 labels, fallback last */
    const double *sys_cost;      /* nsys + 1 */
    const double *access;        /* nc*(nsys+1): member weight a_ip; 1 for the fallback */
    const double *share;         /* nc*nc*(nsys+1): channel shares s_ijp of pair (i,j) */
    /* look-ahead (DESIGN 3b): systems' home countries (nsys, -1: none), and
     * the log payment wedge (nc*nc) that the current memberships would give
     * after the forced joins/exits `ops` (largest banks first, no random
     * draw, bars respected); pure */
    const int *sys_home;
    void (*wedge)(void *self, const struct world *w, const struct la_payop *ops, int nops, double *pay_logw);
    void *self;
} payments_view;

/* routing -> gravity, metrics */
typedef struct routing_view {
    int nhubs;
    char *const *hub_name;       /* nhubs labels */
    const int *hub_via;          /* nhubs: index of the via country */
    const double *share_new;     /* nhubs*nc*nc*ns [h*n3 + cell]: shares of new flows */
    const double *share;         /* nhubs*nc*nc*ns: shares of the current flows (by vintage) */
    const double *fee;           /* nhubs: fee rate each hub's country earns (DESIGN 2b); NULL: no fees */
    /* Route shares of period t's flows by vintage: called by gravity once
     * w->phi holds phi(t) and w->phi_prev phi(t-1); phistar (nc*nc*ns) holds
     * the targets phi*(t). */
    void (*vintage)(void *self, const struct world *w, const double *phistar);
    void *self;
    /* look-ahead (DESIGN 3b): log M - log M(0) (nc*nc*ns, +inf: closed)
     * with the hubs `hub_on` (nhubs) open at their current markups (a hub
     * inactive now at its configured markup) and the sanction factors
     * logF, enf, as route_logM: with hub fees its iceberg part only; and
     * into share (opt, nhubs*nc*nc*ns [h*n3 + cell]) the route shares of new
     * flows, from which the caller books the fees (sum_h share_h fee_h to
     * hub h's country); pure */
    void (*route_wedge)(void *self, const struct world *w, const unsigned char *hub_on, const double *logF,
                        const double *enf, const double *logG, double *out, double *share);
} routing_view;

/* governments -> policy, sanctions, payments, routing, metrics: the items
 * governments decide or stop (DESIGN 3b).  Published only when the
 * scenario has a `governments` block or a `stop` event; without it every
 * module keeps its dated windows and nothing changes. */
enum { GOV_EVENT = 0, GOV_SANCTION = 1, GOV_HUB = 2, GOV_KINDS = 3 };

typedef struct gov_item {
    int kind, index;                     /* GOV_*, the item's index in its module */
    const char *name;
    int start, end;                      /* the configured window */
    const struct sc_decision *dec;       /* NULL or !decided: a dated item */
    const unsigned char *senders, *targets; /* nc (sanctions), NULL otherwise */
    int implicit_partner;                /* hubs: the via country; -1 none */
    const config_setting_t *where;       /* the item's setting, for messages */
} gov_item;

typedef struct governments_view {
    /* every module that owns items declares each of them in its init;
     * errors (exit 2) name the item's setting */
    int (*declare)(void *self, const gov_item *it, errbuf *e);
    /* the item's window now: decided start and stops applied to the
     * configured one (called by the owning module every step) */
    void (*window)(const void *self, int kind, int index, int *start, int *end);
    void *self;
} governments_view;

#endif
