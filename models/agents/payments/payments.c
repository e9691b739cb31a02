/*
 * payments.c - the payments module (DESIGN section 3, item 3): banks,
 * payment systems, the channel choice of each country pair and the payment
 * wedge on cost that gravity applies to every sector of i -> j.
 *
 * Each country has B banks with Zipf weights omega_b ~ b^-zipf (bank 1 the
 * largest, sum 1); a bank is or is not a member of each system.  Access
 * a_ip is the member weight.  Pair (i,j) settles through system p with
 * logit share a_ip a_jp exp(-c_p/mu) / S_ij or through the always-available
 * fallback with exp(-c_fb/mu) / S_ij; the inclusive cost c_ij = -mu ln S_ij
 * gives the wedge (1 + c_ij(t)) / (1 + c_ij(0)).  Everything is computed in
 * logs with a log-sum-exp shift so that a small mu never underflows.
 *
 * Step t >= 1, in the order DESIGN fixes:
 *   (a) financial sanctions (revoke the targets' largest member banks while
 *       the revoked weight is below coverage, bar every target bank while
 *       active, restore at the end), then forced join/exit events;
 *   (b) exits under secondary-sanction pressure (w->sec_pressure);
 *   (c) spontaneous joins driven by base rate, network reach and savings,
 *       all measured on the last period's state and flows;
 *   (d) access, shares, inclusive cost, wedge and the outputs.
 * "Up to a coverage" always means: visit the candidate banks largest first
 * and take a bank while the weight taken so far is below the coverage
 * (coverage 1 takes every candidate).  Random draws come from the run's
 * payments stream, one per eligible bank, in (country, system, bank) order,
 * and never when the probability is 0.
 *
 * Settlement shares and payment costs of period t weight the pair shares by
 * the two-way trade of the flows available when payments steps, i.e. those
 * of t-1 (period 0: the baseline); with no trade a country settles
 * everything through the fallback at the fallback's cost.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rng.h"
#include "scenario.h"
#include "world.h"

#define PAY_MAX_BANKS 1000
#define PAY_COVER_EPS 1e-12 /* a coverage equal to a partial sum of weights stops there */

typedef struct pay_system {
    double cost;
    int home; /* country index or -1 */
    int open;
} pay_system;

/* A financial sanction as payments sees it. */
typedef struct pay_fin {
    int measure; /* index into w->sanc_intensity */
    int sys;
    double coverage;
    unsigned char *targets; /* nc */
    unsigned char *revoked; /* nc*B: memberships this measure took away */
    int active;
} pay_fin;

typedef struct payments {
    int nc, nsys, B;
    double mu, c_fb;
    double base, network, gain, sec_exit;
    pay_system *sys;
    char **names;           /* = w->sys_name (nsys + 1), freed in finish */
    double *omega;          /* B */
    unsigned char *member;  /* (i*nsys + p)*B + b */
    uint16_t *bar;          /* same layout: number of active financial measures barring the bank */
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
    gsl_rng *rng;
} payments;

static size_t pay_bank(const payments *P, int i, int p, int b)
{
    return ((size_t)i * (size_t)P->nsys + (size_t)p) * (size_t)P->B + (size_t)b;
}

/* Visit banks of (i,p) largest first; take a candidate (member == want,
 * and not barred when skip_barred) while the weight taken is below the
 * coverage; flip its membership.  `record` (nc*B) marks the flipped banks. */
static void pay_select(payments *P, int i, int p, int want, int skip_barred, double coverage,
                       unsigned char *record)
{
    double taken = 0.0;
    for (int b = 0; b < P->B; b++) {
        size_t x = pay_bank(P, i, p, b);
        if (P->member[x] != want || (skip_barred && P->bar[x] > 0))
            continue;
        if (coverage < 1.0 && !(taken < coverage - PAY_COVER_EPS))
            break;
        P->member[x] = (unsigned char)!want;
        taken += P->omega[b];
        if (record)
            record[(size_t)i * P->B + b] = 1;
    }
}

/* Two-way cross-border trade by pair from w->X (the last period's flows
 * when payments steps). */
static void pay_trade(payments *P, const struct world *w)
{
    int nc = w->nc, ns = w->ns;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            double v = 0.0;
            if (i != j)
                for (int k = 0; k < ns; k++)
                    v += w->X[W3(w, i, j, k)] + w->X[W3(w, j, i, k)];
            P->pair[W2(w, i, j)] = v;
        }
}

/* N_ip and G_ip from access, costs and the trade in P->pair. */
static void pay_reach(const payments *P, const double *access, const double *cost, double *N, double *G)
{
    int nc = P->nc, np = P->nsys + 1;
    for (int i = 0; i < nc; i++) {
        double tot = 0.0;
        for (int j = 0; j < nc; j++)
            tot += P->pair[(size_t)i * nc + j];
        for (int p = 0; p < P->nsys; p++) {
            double n = 0.0, g = 0.0;
            if (tot > 0.0)
                for (int j = 0; j < nc; j++) {
                    if (j == i)
                        continue;
                    double qa = P->pair[(size_t)i * nc + j] / tot * access[(size_t)j * np + p];
                    double save = cost[(size_t)i * nc + j] - P->sys[p].cost;
                    n += qa;
                    g += qa * (save > 0.0 ? save : 0.0);
                }
            N[(size_t)i * P->nsys + p] = n;
            G[(size_t)i * P->nsys + p] = g;
        }
    }
}

/* (d): access, channel shares, inclusive costs and the outputs. */
static void pay_compute(payments *P, struct world *w, int baseline)
{
    int nc = P->nc, ns = P->nsys, np = ns + 1;
    for (int i = 0; i < nc; i++) {
        for (int p = 0; p < ns; p++) {
            double a = 0.0;
            for (int b = 0; b < P->B; b++)
                if (P->member[pay_bank(P, i, p, b)])
                    a += P->omega[b];
            w->pay_access[(size_t)i * np + p] = a;
        }
        w->pay_access[(size_t)i * np + ns] = 1.0;
    }
    double lfb = -P->c_fb / P->mu;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            double *sh = w->pay_share + ((size_t)i * nc + j) * np;
            const double *ai = w->pay_access + (size_t)i * np, *aj = w->pay_access + (size_t)j * np;
            double mx = lfb;
            for (int p = 0; p < ns; p++) {
                double a = ai[p] * aj[p];
                sh[p] = a > 0.0 ? log(ai[p]) + log(aj[p]) - P->sys[p].cost / P->mu : -INFINITY;
                if (sh[p] > mx)
                    mx = sh[p];
            }
            sh[ns] = lfb;
            double sum = 0.0;
            for (int p = 0; p < np; p++) {
                sh[p] = sh[p] == -INFINITY ? 0.0 : exp(sh[p] - mx);
                sum += sh[p];
            }
            for (int p = 0; p < np; p++)
                sh[p] /= sum;
            size_t ij = (size_t)i * nc + j;
            P->cost[ij] = -P->mu * (mx + log(sum));
            if (baseline)
                P->cost0[ij] = P->cost[ij];
            w->pay_logw[ij] = i == j ? 0.0 : log1p(P->cost[ij]) - log1p(P->cost0[ij]);
        }

    /* settlement shares and fees, weighted by the trade in P->pair */
    for (int i = 0; i < nc; i++) {
        double *st = P->settle + (size_t)i * np;
        double tot = 0.0, fee = 0.0;
        memset(st, 0, (size_t)np * sizeof *st);
        for (int j = 0; j < nc; j++) {
            double v = P->pair[(size_t)i * nc + j];
            if (j == i || v <= 0.0)
                continue;
            const double *sh = w->pay_share + ((size_t)i * nc + j) * np;
            for (int p = 0; p < np; p++) {
                st[p] += v * sh[p];
                fee += v * sh[p] * w->sys_cost[p];
            }
            tot += v;
        }
        if (tot > 0.0) {
            for (int p = 0; p < np; p++)
                st[p] /= tot;
            P->pcost[i] = fee / tot;
        } else {
            st[ns] = 1.0;
            P->pcost[i] = P->c_fb;
        }
    }
}

/* ---- configuration ------------------------------------------------------ */

static int pay_nonneg(const config_setting_t *g, const char *key, int required, double *out, errbuf *e)
{
    int rc = cfg_get_double(g, key, required, out, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK && !(*out >= 0.0))
        return cfg_fail(config_setting_get_member(g, key), e, "must be >= 0 (got %g)", *out);
    return SANC_OK;
}

static int pay_find(const payments *P, const char *name)
{
    for (int p = 0; p < P->nsys; p++)
        if (strcmp(P->names[p], name) == 0)
            return p;
    return -1;
}

static int pay_read_block(payments *P, const scenario *sc, const config_setting_t *pb, config_setting_t **systems,
                          const char **fb_name, errbuf *e)
{
    static const char *const top_keys[] = {"mu", "fallback", "banks", "adoption", "systems", NULL};
    static const char *const fb_keys[] = {"name", "cost", NULL};
    static const char *const bank_keys[] = {"per_country", "zipf", NULL};
    static const char *const ad_keys[] = {"base", "network", "gain", "secondary_exit", NULL};
    (void)sc;
    int rc;
    config_setting_t *fb = NULL, *bk = NULL, *ad = NULL;
    if ((rc = cfg_check_keys(pb, top_keys, e)) != SANC_OK)
        return rc;
    if ((rc = cfg_get_double(pb, "mu", 1, &P->mu, e)) != SANC_OK)
        return rc;
    /* costs are divided by mu: below 1e-12 cost/mu leaves the doubles */
    if (!(P->mu >= 1e-12))
        return cfg_fail(config_setting_get_member(pb, "mu"), e, "must be >= 1e-12 (the logit scale of payment "
                        "costs; smaller values overflow cost/mu), got %g", P->mu);

    if ((rc = cfg_get_group(pb, "fallback", 1, &fb, e)) != SANC_OK || (rc = cfg_check_keys(fb, fb_keys, e)) != SANC_OK)
        return rc;
    if ((rc = cfg_get_string(fb, "name", 0, fb_name, e)) < 0)
        return rc;
    if ((*fb_name)[0] == '\0')
        return cfg_fail(config_setting_get_member(fb, "name"), e, "must not be empty");
    if ((rc = pay_nonneg(fb, "cost", 1, &P->c_fb, e)) != SANC_OK)
        return rc;

    if ((rc = cfg_get_group(pb, "banks", 0, &bk, e)) < 0)
        return rc;
    if (bk != NULL) {
        int64_t B = P->B;
        double z = 1.0;
        if ((rc = cfg_check_keys(bk, bank_keys, e)) != SANC_OK ||
            (rc = cfg_get_int(bk, "per_country", 0, 1, PAY_MAX_BANKS, &B, e)) < 0)
            return rc;
        P->B = (int)B;
        if ((rc = pay_nonneg(bk, "zipf", 0, &z, e)) != SANC_OK)
            return rc;
        for (int b = 0; b < P->B; b++)
            P->omega[b] = pow(b + 1.0, -z);
    }

    if ((rc = cfg_get_group(pb, "adoption", 0, &ad, e)) < 0)
        return rc;
    if (ad != NULL && ((rc = cfg_check_keys(ad, ad_keys, e)) != SANC_OK ||
                       (rc = pay_nonneg(ad, "base", 0, &P->base, e)) != SANC_OK ||
                       (rc = pay_nonneg(ad, "network", 0, &P->network, e)) != SANC_OK ||
                       (rc = pay_nonneg(ad, "gain", 0, &P->gain, e)) != SANC_OK ||
                       (rc = pay_nonneg(ad, "secondary_exit", 0, &P->sec_exit, e)) != SANC_OK))
        return rc;

    rc = cfg_get_list(pb, "systems", 0, systems, e);
    return rc < 0 ? rc : SANC_OK;
}

static int pay_read_system(payments *P, const scenario *sc, const config_setting_t *g, int p, const char *fb_name,
                           errbuf *e)
{
    static const char *const sys_keys[] = {"name", "cost", "home", "members", "partial", "open", NULL};
    int rc;
    const char *name = NULL;
    pay_system *s = &P->sys[p];
    if ((rc = cfg_check_keys(g, sys_keys, e)) != SANC_OK || (rc = cfg_get_string(g, "name", 1, &name, e)) != SANC_OK)
        return rc;
    const config_setting_t *ns = config_setting_get_member(g, "name");
    if (name[0] == '\0')
        return cfg_fail(ns, e, "must not be empty");
    if (strcmp(name, fb_name) == 0)
        return cfg_fail(ns, e, "system name '%s' is the fallback's name", name);
    if (pay_find(P, name) >= 0)
        return cfg_fail(ns, e, "duplicate payment system '%s'", name);
    if ((P->names[p] = strdup(name)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    P->nsys = p + 1; /* so that pay_find sees it */

    if ((rc = pay_nonneg(g, "cost", 1, &s->cost, e)) != SANC_OK)
        return rc;
    s->home = -1;
    if ((rc = scenario_country(sc, g, "home", 0, &s->home, e)) < 0)
        return rc;
    s->open = 1;
    if ((rc = cfg_get_bool(g, "open", 0, &s->open, e)) < 0)
        return rc;
    return SANC_OK;
}

/* Baseline members of system p (needs the final nsys for the bank layout). */
static int pay_read_members(payments *P, const scenario *sc, const config_setting_t *g, int p, errbuf *e)
{
    static const char *const part_keys[] = {"country", "coverage", NULL};
    int nc = P->nc;
    unsigned char *mask = calloc((size_t)nc, 1);
    if (mask == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int rc = scenario_country_set(sc, g, "members", 0, mask, e);
    if (rc >= 0) {
        rc = SANC_OK;
        for (int i = 0; i < nc; i++)
            if (mask[i])
                for (int b = 0; b < P->B; b++)
                    P->member[pay_bank(P, i, p, b)] = 1;
    }
    free(mask);
    if (rc != SANC_OK)
        return rc;
    config_setting_t *pl = NULL;
    if ((rc = cfg_get_list(g, "partial", 0, &pl, e)) < 0)
        return rc;
    int n = pl ? config_setting_length(pl) : 0;
    for (int q = 0; q < n; q++) {
        config_setting_t *pg = config_setting_get_elem(pl, (unsigned)q);
        int c = -1;
        double cov = 0.0;
        if ((rc = cfg_check_keys(pg, part_keys, e)) != SANC_OK ||
            (rc = scenario_country(sc, pg, "country", 1, &c, e)) != SANC_OK ||
            (rc = cfg_get_double(pg, "coverage", 1, &cov, e)) != SANC_OK)
            return rc;
        if (!(cov > 0.0 && cov <= 1.0))
            return cfg_fail(config_setting_get_member(pg, "coverage"), e, "must be in (0, 1] (got %g)", cov);
        pay_select(P, c, p, 0, 0, cov, NULL);
    }
    return SANC_OK;
}

/* Financial measures of the `sanctions` list (validated by the sanctions
 * module, which runs first; errors here are reported all the same). */
static int pay_read_financial(payments *P, const scenario *sc, const struct world *w, errbuf *e)
{
    config_setting_t *root = config_root_setting(&sc->cfg.lc), *list = NULL;
    int rc = cfg_get_list(root, "sanctions", 0, &list, e);
    if (rc < 0)
        return rc;
    int n = list ? config_setting_length(list) : 0;
    P->fin = calloc((size_t)(n > 0 ? n : 1), sizeof *P->fin);
    P->fin_masks = calloc((size_t)(n > 0 ? n : 1) * ((size_t)P->nc + (size_t)P->nc * P->B), 1);
    if (P->fin == NULL || P->fin_masks == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int q = 0; q < n; q++) {
        config_setting_t *g = config_setting_get_elem(list, (unsigned)q);
        const char *type = NULL, *sys = NULL;
        errbuf scratch;
        err_init(&scratch);
        if (cfg_get_string(g, "type", 0, &type, &scratch) != SANC_OK || strcmp(type, "financial") != 0)
            continue;
        pay_fin *f = &P->fin[P->nfin];
        f->targets = P->fin_masks + (size_t)P->nfin * ((size_t)P->nc + (size_t)P->nc * P->B);
        f->revoked = f->targets + P->nc;
        f->measure = q;
        f->coverage = 1.0;
        if ((rc = scenario_country_set(sc, g, "targets", 1, f->targets, e)) != SANC_OK ||
            (rc = cfg_get_string(g, "system", 1, &sys, e)) != SANC_OK ||
            (rc = cfg_get_double(g, "coverage", 0, &f->coverage, e)) < 0)
            return rc;
        if ((f->sys = pay_find(P, sys)) < 0)
            return cfg_fail(config_setting_get_member(g, "system"), e,
                            "unknown payment system '%s' (not among payments.systems)", sys);
        if (P->nfin == UINT16_MAX)
            return cfg_fail(g, e, "too many financial measures (at most %d)", UINT16_MAX);
        if (q >= w->nsanc)
            return err_set(e, SANC_EINTERNAL, "sanctions.[%d]: not known to the sanctions module", q);
        P->nfin++;
    }
    return SANC_OK;
}

/* join/exit events must name a system. */
static int pay_check_events(payments *P, const scenario *sc, errbuf *e)
{
    P->ev_sys = calloc((size_t)(sc->nevents > 0 ? sc->nevents : 1), sizeof *P->ev_sys);
    if (P->ev_sys == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    config_setting_t *evl = config_setting_get_member(config_root_setting(&sc->cfg.lc), "events");
    for (int v = 0; v < sc->nevents; v++) {
        const sc_event *ev = &sc->events[v];
        P->ev_sys[v] = -1;
        if (ev->type != SC_EV_JOIN && ev->type != SC_EV_EXIT)
            continue;
        if ((P->ev_sys[v] = pay_find(P, ev->system)) >= 0)
            continue;
        config_setting_t *g = evl ? config_setting_get_elem(evl, (unsigned)v) : NULL;
        config_setting_t *s = g ? config_setting_get_member(g, "system") : NULL;
        if (s != NULL)
            return cfg_fail(s, e, "unknown payment system '%s' (%s)", ev->system,
                            P->nsys ? "not among payments.systems" : "no payments.systems defined");
        return err_set(e, SANC_ECONFIG, "%s:%d: events: %s: unknown payment system '%s'", sc->cfg.path, ev->line,
                       ev->name, ev->system);
    }
    return SANC_OK;
}

static int payments_init(struct model *m, const struct scenario *sc, struct world *w, errbuf *e)
{
    payments *P = calloc(1, sizeof *P);
    if (P == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = P;
    int nc = w->nc, rc;
    P->nc = nc;
    P->mu = 1.0; /* without a payments block only the fallback exists: mu is immaterial */
    P->B = 10;
    P->omega = calloc(PAY_MAX_BANKS, sizeof *P->omega);
    if (P->omega == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int b = 0; b < P->B; b++)
        P->omega[b] = 1.0 / (b + 1.0);

    config_setting_t *root = config_root_setting(&sc->cfg.lc), *pb = NULL, *systems = NULL;
    const char *fb_name = "fallback";
    if ((rc = cfg_get_group(root, "payments", 0, &pb, e)) < 0)
        return rc;
    if (pb != NULL && (rc = pay_read_block(P, sc, pb, &systems, &fb_name, e)) != SANC_OK)
        return rc;
    double osum = 0.0;
    for (int b = 0; b < P->B; b++)
        osum += P->omega[b];
    for (int b = 0; b < P->B; b++)
        P->omega[b] /= osum;

    int nsys = systems ? config_setting_length(systems) : 0;
    int np = nsys + 1;
    P->sys = calloc((size_t)np, sizeof *P->sys);
    P->names = calloc((size_t)np, sizeof *P->names);
    w->sys_name = P->names;
    w->sys_cost = calloc((size_t)np, sizeof *w->sys_cost);
    if (P->sys == NULL || P->names == NULL || w->sys_cost == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int p = 0; p < nsys; p++)
        if ((rc = pay_read_system(P, sc, config_setting_get_elem(systems, (unsigned)p), p, fb_name, e)) != SANC_OK)
            return rc;
    P->nsys = nsys;
    if ((P->names[nsys] = strdup(fb_name)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int p = 0; p < nsys; p++)
        w->sys_cost[p] = P->sys[p].cost;
    w->sys_cost[nsys] = P->c_fb;

    /* 1 + c_ij must stay positive for the wedge: c_ij is lowest when every
     * country has full access to every system. */
    double mx = -P->c_fb / P->mu, s = 0.0;
    for (int p = 0; p < nsys; p++)
        if (-P->sys[p].cost / P->mu > mx)
            mx = -P->sys[p].cost / P->mu;
    for (int p = 0; p < np; p++)
        s += exp(-w->sys_cost[p] / P->mu - mx);
    double cmin = -P->mu * (mx + log(s));
    if (!(1.0 + cmin > 0.0))
        return cfg_fail(config_setting_get_member(pb, "mu"), e,
                        "too large for these costs: the inclusive cost -mu ln S can reach %g <= -1", cmin);

    size_t nb = (size_t)nc * (size_t)(nsys > 0 ? nsys : 1) * (size_t)P->B;
    size_t n2 = (size_t)nc * nc, na = (size_t)nc * np, nn = (size_t)nc * (size_t)(nsys > 0 ? nsys : 1);
    P->member = calloc(nb, 1);
    P->bar = calloc(nb, sizeof *P->bar);
    P->cost = calloc(n2, sizeof *P->cost);
    P->cost0 = calloc(n2, sizeof *P->cost0);
    P->cost_prev = calloc(n2, sizeof *P->cost_prev);
    P->pair = calloc(n2, sizeof *P->pair);
    P->access_prev = calloc(na, sizeof *P->access_prev);
    P->settle = calloc(na, sizeof *P->settle);
    P->pcost = calloc((size_t)nc, sizeof *P->pcost);
    P->N0 = calloc(nn, sizeof *P->N0);
    P->G0 = calloc(nn, sizeof *P->G0);
    P->N = calloc(nn, sizeof *P->N);
    P->G = calloc(nn, sizeof *P->G);
    w->pay_access = calloc(na, sizeof *w->pay_access);
    w->pay_share = calloc(n2 * (size_t)np, sizeof *w->pay_share);
    if (!P->member || !P->bar || !P->cost || !P->cost0 || !P->cost_prev || !P->pair || !P->access_prev ||
        !P->settle || !P->pcost || !P->N0 || !P->G0 || !P->N || !P->G || !w->pay_access || !w->pay_share)
        return err_set(e, SANC_ENOMEM, "out of memory allocating the payments state");
    w->nsys = nsys;
    for (int p = 0; p < nsys; p++)
        if ((rc = pay_read_members(P, sc, config_setting_get_elem(systems, (unsigned)p), p, e)) != SANC_OK)
            return rc;

    if ((rc = pay_read_financial(P, sc, w, e)) != SANC_OK || (rc = pay_check_events(P, sc, e)) != SANC_OK)
        return rc;
    if ((P->rng = rng_stream_new(sc->seed, RNG_PAYMENTS)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");

    pay_trade(P, w);
    pay_compute(P, w, 1);
    pay_reach(P, w->pay_access, P->cost, P->N0, P->G0);
    world_set_dim(w, DIM_PAYMENT_SYSTEM, np, P->names);

    const schema_var vars[] = {
        {"adoption", "1", "payment-system access",
         "member weight a_ip: share (by Zipf bank weight) of the country's banks that are members of the system; "
         "1 for the fallback",
         2, {DIM_COUNTRY, DIM_PAYMENT_SYSTEM}, 0, w->pay_access},
        {"settlement_share", "1", "settlement shares",
         "share of the country's two-way cross-border trade settled through each system (pair logit shares "
         "weighted by the previous period's trade; period 0 by the baseline); fallback 1 with no trade; sums to 1",
         2, {DIM_COUNTRY, DIM_PAYMENT_SYSTEM}, 0, P->settle},
        {"payment_cost", "1", "payment cost",
         "fee actually paid per unit of trade value, sum_p s_ijp c_p + s_ij,fb c_fb, averaged over partners with "
         "the previous period's two-way trade as weights; the fallback cost with no trade",
         1, {DIM_COUNTRY}, 0, P->pcost},
    };
    for (size_t v = 0; v < sizeof vars / sizeof vars[0]; v++)
        if ((rc = world_add_var(w, &vars[v], e)) != SANC_OK)
            return rc;
    return SANC_OK;
}

/* (a) financial sanctions, then forced join/exit events.  Measures that
 * end are restored before those that start revoke, so that a measure
 * replaced by a wider one in the same period (end = next start) revokes
 * from the full membership. */
static void pay_forced(payments *P, struct world *w, int t)
{
    int nc = P->nc;
    for (int q = 0; q < P->nfin; q++) {
        pay_fin *f = &P->fin[q];
        int on = w->sanc_intensity != NULL && w->sanc_intensity[f->measure] > 0.0;
        if (on || !f->active)
            continue;
        for (int i = 0; i < nc; i++) {
            if (!f->targets[i])
                continue;
            for (int b = 0; b < P->B; b++) {
                size_t x = pay_bank(P, i, f->sys, b);
                P->bar[x]--;
                if (f->revoked[(size_t)i * P->B + b])
                    P->member[x] = 1;
                f->revoked[(size_t)i * P->B + b] = 0;
            }
        }
        f->active = 0;
    }
    for (int q = 0; q < P->nfin; q++) {
        pay_fin *f = &P->fin[q];
        int on = w->sanc_intensity != NULL && w->sanc_intensity[f->measure] > 0.0;
        if (!on || f->active)
            continue;
        for (int i = 0; i < nc; i++) {
            if (!f->targets[i])
                continue;
            pay_select(P, i, f->sys, 1, 0, f->coverage, f->revoked);
            for (int b = 0; b < P->B; b++)
                P->bar[pay_bank(P, i, f->sys, b)]++;
        }
        f->active = 1;
    }
    for (int v = 0; v < w->sc->nevents; v++) {
        const sc_event *ev = &w->sc->events[v];
        if (P->ev_sys[v] < 0 || ev->start != t)
            continue;
        if (ev->type == SC_EV_JOIN)
            pay_select(P, ev->country, P->ev_sys[v], 0, 1, ev->coverage, NULL);
        else
            pay_select(P, ev->country, P->ev_sys[v], 1, 0, ev->coverage, NULL);
    }
}

/* Is i a sender of an active measure (of any type) that targets h? */
static int pay_sender_of_home(const struct world *w, int i, int h)
{
    if (h < 0 || w->sanc_party == NULL)
        return 0;
    for (int m = 0; m < w->nsanc; m++)
        if (w->sanc_intensity[m] > 0.0 && w->sanc_party[(size_t)m * w->nc + i] == 1 &&
            w->sanc_party[(size_t)m * w->nc + h] == 2)
            return 1;
    return 0;
}

static int payments_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)e;
    payments *P = m->data;
    int nc = P->nc, ns = P->nsys;
    size_t n2 = (size_t)nc * nc;

    /* everything (c) needs, from the last period's state and flows */
    memcpy(P->access_prev, w->pay_access, (size_t)nc * (ns + 1) * sizeof *P->access_prev);
    memcpy(P->cost_prev, P->cost, n2 * sizeof *P->cost_prev);
    pay_trade(P, w);
    pay_reach(P, P->access_prev, P->cost_prev, P->N, P->G);

    pay_forced(P, w, t); /* (a) */

    /* (b) exits under secondary pressure on the system's home */
    if (P->sec_exit > 0.0 && w->sec_pressure != NULL)
        for (int i = 0; i < nc; i++)
            for (int p = 0; p < ns; p++) {
                int h = P->sys[p].home;
                if (h < 0)
                    continue;
                double prob = -expm1(-P->sec_exit * w->sec_pressure[W2(w, i, h)]);
                if (!(prob > 0.0))
                    continue;
                for (int b = 0; b < P->B; b++) {
                    size_t x = pay_bank(P, i, p, b);
                    if (P->member[x] && gsl_rng_uniform(P->rng) < prob)
                        P->member[x] = 0;
                }
            }

    /* (c) joins; a sender's banks do not join a system whose home is a
     * target of one of its active measures */
    for (int i = 0; i < nc; i++)
        for (int p = 0; p < ns; p++) {
            if (!P->sys[p].open || pay_sender_of_home(w, i, P->sys[p].home))
                continue;
            size_t ip = (size_t)i * ns + p;
            double dn = P->N[ip] - P->N0[ip], dg = P->G[ip] - P->G0[ip];
            double rate = P->base + P->network * (dn > 0.0 ? dn : 0.0) + P->gain * (dg > 0.0 ? dg : 0.0);
            double prob = -expm1(-rate);
            if (!(prob > 0.0))
                continue;
            for (int b = 0; b < P->B; b++) {
                size_t x = pay_bank(P, i, p, b);
                if (!P->member[x] && P->bar[x] == 0 && gsl_rng_uniform(P->rng) < prob)
                    P->member[x] = 1;
            }
        }

    pay_compute(P, w, 0); /* (d) */
    return SANC_OK;
}

static void payments_finish(struct model *m)
{
    payments *P = m->data;
    if (P == NULL)
        return;
    if (P->names) {
        /* names are filled in order; the fallback's slot may be set or not */
        for (int p = 0; p <= P->nsys; p++)
            free(P->names[p]);
    }
    free(P->names);
    free(P->sys);
    free(P->omega);
    free(P->member);
    free(P->bar);
    free(P->cost);
    free(P->cost0);
    free(P->cost_prev);
    free(P->pair);
    free(P->access_prev);
    free(P->settle);
    free(P->pcost);
    free(P->N0);
    free(P->G0);
    free(P->N);
    free(P->G);
    free(P->ev_sys);
    free(P->fin);
    free(P->fin_masks);
    if (P->rng)
        gsl_rng_free(P->rng);
    free(P);
    m->data = NULL;
}

const model_ops payments_ops = {payments_init, payments_step, payments_finish};
