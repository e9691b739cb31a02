/*
 * payments_impl.h - the payments module's state, shared by payments.c and
 * its adoption rules (one file each, behind pay_rule ops).
 *
 * Memberships are probabilities m_bp in [0, 1], one per (country, system,
 * bank): the `banks` rule keeps them at exactly 0 or 1 (a random draw per
 * bank), `mean_field` moves them deterministically by the expected hazards
 * (each bank's memberships of different systems independent).
 * Everything else (forced joins/exits, financial revocations and bars,
 * access, pair shares, wedge) is common and works on m.
 */
#ifndef SANCSIM_PAYMENTS_IMPL_H
#define SANCSIM_PAYMENTS_IMPL_H

#include <gsl/gsl_rng.h>
#include <libconfig.h>
#include <stdint.h>

#include "err.h"
#include "views.h"

typedef struct pay_system {
    double cost;
    int home; /* country index or -1 */
    int open;
} pay_system;

/* A financial sanction as payments sees it (from the sanctions view). */
typedef struct pay_fin {
    int measure; /* index into the sanctions view */
    int sys;
    double coverage;
    unsigned char *targets; /* nc */
    double *prev;           /* nc*B: membership before this measure revoked it (< 0: not revoked) */
    int active;
} pay_fin;

typedef struct payments payments;

/* An adoption rule: how banks' memberships move in steps (b) and (c). */
typedef struct pay_rule {
    const char *name;
    /* optional: reject settings the rule cannot handle (where: the mode setting) */
    int (*check)(const payments *P, const config_setting_t *where, errbuf *e);
    /* (b) exits of i's member banks from system p at hazard rate (prob = 1 - exp(-rate) > 0) */
    void (*exits)(payments *P, int i, int p, double rate, double prob);
    /* (c) joins of i's non-member, non-barred banks to p at hazard rate */
    void (*joins)(payments *P, int i, int p, double rate, double prob);
    /* (d) country i's distribution over membership patterns (bit p: a member
     * of system p): distinct patterns into pat[] in increasing order, their
     * bank weight (sum over banks of omega_b x the probability that the bank
     * has the pattern) into wt[]; returns the count (at most P->maxpat) */
    int (*patterns)(payments *P, int i, uint64_t *pat, double *wt);
} pay_rule;

extern const pay_rule pay_rule_banks, pay_rule_mean_field;

#define PAY_MAX_SYSTEMS 64      /* patterns are bit masks */
#define PAY_MEAN_FIELD_MAX 6    /* mean field: 2^P patterns a country, pairs cost 4^P */
#define PAY_ROW_TABLE_MAX 12    /* channel shares cached for every pattern up to this many systems */

struct payments {
    int nc, nsys, B;
    double mu, c_fb;
    double base, network, gain, sec_exit;
    const pay_rule *rule;
    pay_system *sys;
    char **names;           /* nsys + 1 labels, fallback last */
    double *sys_cost;       /* nsys + 1 */
    double *omega;          /* B */
    double *m;              /* (i*nsys + p)*B + b: membership */
    uint16_t *bar;          /* same layout: number of active financial measures barring the bank */
    double *access;         /* nc*(nsys+1) */
    double *share;          /* nc*nc*(nsys+1) */
    double *cost, *cost0;   /* nc*nc inclusive cost c_ij now and at period 0 */
    double *access_prev;    /* nc*(nsys+1) */
    double *cost_prev;      /* nc*nc */
    double *N0, *G0, *N, *G; /* nc*nsys */
    double *pair;           /* nc*nc two-way cross-border trade, all sectors */
    /* pair shares by membership pattern (DESIGN section 3a) */
    int maxpat;             /* patterns a country can have: B (banks) or 2^nsys (mean field) */
    uint64_t *pat;          /* nc*maxpat: each country's patterns */
    double *patw;           /* nc*maxpat: their weights */
    int *npat;              /* nc */
    double *row;            /* channel shares of a pair of banks by common pattern x:
                               2^nsys rows of nsys+1 (nsys <= PAY_ROW_TABLE_MAX), else one scratch row */
    unsigned char *rowok;   /* 2^nsys: row computed */
    double *acc;            /* nsys+1 scratch */
    double *scratch;        /* rule scratch: max(B, 2^nsys) doubles */
    size_t *order;          /* B scratch */
    int *ev_sys;            /* nevents: system of a join/exit event (-1 otherwise) */
    int nfin;
    pay_fin *fin;
    unsigned char *fin_masks;
    double *fin_prev;
    const sanctions_view *sv; /* NULL without the sanctions module */
    gsl_rng *rng;
    payments_view view;
    /* governments (DESIGN 3b): decided join/exit windows, and the scratch
     * of the look-ahead's wedge hook (allocated only with governments) */
    const governments_view *gv;
    int *home;              /* nsys: systems' home countries (-1 none) */
    double *la_m, *la_access, *la_share, *la_cost;
};

static inline size_t pay_bank(const payments *P, int i, int p, int b)
{
    return ((size_t)i * (size_t)P->nsys + (size_t)p) * (size_t)P->B + (size_t)b;
}

#endif
