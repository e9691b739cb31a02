/*
 * payments_impl.h - the payments module's state, shared by payments.c and
 * its adoption rules (one file each, behind pay_rule ops).
 *
 * Memberships are probabilities m_bp in [0, 1], one per (country, system,
 * bank): the `banks` rule keeps them at exactly 0 or 1 (a random draw per
 * bank), `mean_field` moves them deterministically by the expected hazards.
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
} pay_rule;

extern const pay_rule pay_rule_banks;

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
    double *settle;         /* nc*(nsys+1) settlement_share */
    double *pcost;          /* nc payment_cost */
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
    double *la_m, *la_access, *la_share, *la_cost, *la_settle, *la_pcost;
};

static inline size_t pay_bank(const payments *P, int i, int p, int b)
{
    return ((size_t)i * (size_t)P->nsys + (size_t)p) * (size_t)P->B + (size_t)b;
}

#endif
