/*
 * payments.c - the payments module (DESIGN section 3, item 3): banks,
 * payment systems, the channel choice of each country pair and the payment
 * wedge on cost that gravity applies to every sector of i -> j.
 *
 * Each country has B banks with Zipf weights omega_b ~ b^-zipf (bank 1 the
 * largest, sum 1); each bank's membership of each system is m_bp (0 or 1
 * under the `banks` rule, a probability under `mean_field`).  Access a_ip
 * is the member weight sum_b omega_b m_bp.  A payment between i and j is
 * made by a pair of banks (weights omega_b omega_b'), which settles through
 * one of the systems both belong to, by the logit of section 3 item 3, or
 * through the always-available fallback (DESIGN section 3a): computed
 * exactly by grouping each country's banks by membership pattern, so a
 * system's share never exceeds the pair's joint access a_ip a_jp.  The
 * payment wedge is (1 + c_ij(t)) / (1 + c_ij(0)) with c_ij the fee actually
 * paid, sum_p s_ijp c_p + s_ij,fb c_fb.  Channel shares use a log-sum-exp
 * shift so that a small mu never underflows.
 *
 * Step t >= 1, in the order DESIGN fixes:
 *   (a) financial sanctions (revoke the targets' largest member banks while
 *       the revoked weight is below coverage, bar every target bank while
 *       active, restore at the end), then forced join/exit events;
 *   (b) exits under secondary-sanction pressure (sanctions view);
 *   (c) spontaneous joins driven by base rate, network reach and savings,
 *       all measured on the last period's state and flows;
 *   (d) access, pair shares, fee paid and wedge.
 * "Up to a coverage" always means: visit the candidate banks largest first
 * and take a bank while the membership weight moved so far is below the
 * coverage (coverage 1 takes every candidate).  Under `banks`, random draws
 * come from the run's payments stream, one per eligible bank, in (country,
 * system, bank) order, and never when the probability is 0.
 *
 * Settlement shares and payment costs (outputs) are the metrics module's:
 * they weight the pair shares of the payments view by period t's flows.
 *
 * The module reads only its own block (`payments`); financial measures,
 * party roles, enforcement and secondary pressure come from the sanctions
 * view.  How memberships move in steps (b) and (c) is the adoption rule's
 * (payments.adoption.mode, the registry table below; one file per rule).
 * Its own state is published as the payments view (views.h).
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "payments_impl.h"
#include "rng.h"
#include "scenario.h"
#include "world.h"

#define PAY_MAX_BANKS 1000
#define PAY_COVER_EPS 1e-12 /* a coverage equal to a partial sum of weights stops there */

/* The registry of adoption rules: one line per rule. */
static const pay_rule *const pay_rules[] = {
    &pay_rule_banks,
    &pay_rule_mean_field,
    NULL,
};

/* Visit banks of (i,p) largest first; take a candidate (join: m < 1 and,
 * when skip_barred, not barred; exit: m > 0) while the membership weight
 * moved so far (sum omega_b (1 - m) for joins, omega_b m for exits) is
 * below the coverage; set its m to 1 (join) or 0.  `record` (nc*B), when
 * given, receives the flipped banks' m from before. */
static void pay_select(payments *P, int i, int p, int join, int skip_barred, double coverage, double *record)
{
    double taken = 0.0;
    for (int b = 0; b < P->B; b++) {
        size_t x = pay_bank(P, i, p, b);
        double m = P->m[x];
        if (join ? !(m < 1.0) || (skip_barred && P->bar[x] > 0) : !(m > 0.0))
            continue;
        if (coverage < 1.0 && !(taken < coverage - PAY_COVER_EPS))
            break;
        P->m[x] = join ? 1.0 : 0.0;
        taken += P->omega[b] * (join ? 1.0 - m : m);
        if (record)
            record[(size_t)i * P->B + b] = m;
    }
}

/* Two-way cross-border trade by pair from last period's flows (X_prev; at
 * init the baseline). */
static void pay_trade(payments *P, const struct world *w)
{
    int nc = w->nc, ns = w->ns;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            double v = 0.0;
            if (i != j)
                for (int k = 0; k < ns; k++)
                    v += w->X_prev[W3(w, i, j, k)] + w->X_prev[W3(w, j, i, k)];
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

/* Channel shares of a payment between two banks whose common systems are
 * the pattern x: the logit of section 3 item 3 among those systems and the
 * fallback (log-sum-exp, so that a small mu never underflows); np values,
 * 0 for systems outside x. */
static void pay_row_fill(const payments *P, uint64_t x, double *row)
{
    int ns = P->nsys;
    double mx = -P->c_fb / P->mu;
    for (int p = 0; p < ns; p++)
        if ((x >> p & 1) && -P->sys[p].cost / P->mu > mx)
            mx = -P->sys[p].cost / P->mu;
    double sum = exp(-P->c_fb / P->mu - mx);
    row[ns] = sum;
    for (int p = 0; p < ns; p++) {
        row[p] = (x >> p & 1) ? exp(-P->sys[p].cost / P->mu - mx) : 0.0;
        sum += row[p];
    }
    for (int p = 0; p <= ns; p++)
        row[p] /= sum;
}

static const double *pay_row(payments *P, uint64_t x)
{
    int np = P->nsys + 1;
    if (P->rowok == NULL) { /* too many systems for a table */
        pay_row_fill(P, x, P->row);
        return P->row;
    }
    double *row = P->row + (size_t)x * (size_t)np;
    if (!P->rowok[x]) {
        pay_row_fill(P, x, row);
        P->rowok[x] = 1;
    }
    return row;
}

/* (d) without payment systems: the fallback settles every payment, so
 * what the general case computes pair by pair reduces to constants (share
 * acc/acc = 1 while c_fb/mu is finite, fee 0 + 1 * c_fb, wedge
 * log1p(fee) - log1p(fee)); written with the same operations so that the
 * values are the same bits. */
static void pay_compute_fallback(payments *P, struct world *w, int baseline)
{
    int nc = P->nc;
    double fee = 0.0 + 1.0 * P->sys_cost[0];
    double wedge = log1p(fee) - log1p(fee);
    for (int i = 0; i < nc; i++)
        P->access[i] = 1.0;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            size_t ij = (size_t)i * nc + j;
            P->share[ij] = 1.0;
            P->cost[ij] = fee;
            if (baseline)
                P->cost0[ij] = fee;
            w->pay_logw[ij] = i == j ? 0.0 : wedge;
        }
}

/* (d): access, pair shares, the fee paid and the wedge.  A payment between
 * i and j is made by a pair of banks (b, b') drawn with weights omega_b
 * omega_b', which chooses among the systems both belong to and the
 * fallback (DESIGN section 3a); grouping each country's banks by membership
 * pattern (the adoption rule's distribution), s_ij = sum over pattern pairs
 * (u, v) of W_i(u) W_j(v) row(u & v), so s_ijp <= a_ip a_jp.  The shares are
 * normalised by their sum (1 up to rounding).  The payment wedge uses the
 * fee actually paid, c_ij = sum_p s_ijp c_p + s_ij,fb c_fb. */
static void pay_compute(payments *P, struct world *w, int baseline)
{
    int nc = P->nc, ns = P->nsys, np = ns + 1, mp = P->maxpat;
    if (ns == 0 && isfinite(P->c_fb / P->mu)) {
        pay_compute_fallback(P, w, baseline);
        return;
    }
    for (int i = 0; i < nc; i++) {
        for (int p = 0; p < ns; p++) {
            double a = 0.0;
            for (int b = 0; b < P->B; b++) {
                double m = P->m[pay_bank(P, i, p, b)];
                if (m != 0.0)
                    a += P->omega[b] * m;
            }
            P->access[(size_t)i * np + p] = a;
        }
        P->access[(size_t)i * np + ns] = 1.0;
        P->npat[i] = P->rule->patterns(P, i, P->pat + (size_t)i * mp, P->patw + (size_t)i * mp);
    }
    double *acc = P->acc;
    for (int i = 0; i < nc; i++) {
        const uint64_t *pi = P->pat + (size_t)i * mp;
        const double *wi = P->patw + (size_t)i * mp;
        for (int j = 0; j < nc; j++) {
            const uint64_t *pj = P->pat + (size_t)j * mp;
            const double *wj = P->patw + (size_t)j * mp;
            double *sh = P->share + ((size_t)i * nc + j) * np;
            memset(acc, 0, (size_t)np * sizeof *acc);
            for (int u = 0; u < P->npat[i]; u++)
                for (int v = 0; v < P->npat[j]; v++) {
                    uint64_t x = pi[u] & pj[v];
                    double wt = wi[u] * wj[v];
                    const double *row = pay_row(P, x);
                    for (uint64_t y = x; y != 0; y &= y - 1) {
                        int p = __builtin_ctzll(y);
                        acc[p] += wt * row[p];
                    }
                    acc[ns] += wt * row[ns];
                }
            double tot = 0.0;
            for (int p = 0; p < np; p++)
                tot += acc[p];
            double fee = 0.0;
            for (int p = 0; p < np; p++) {
                sh[p] = acc[p] / tot;
                fee += sh[p] * P->sys_cost[p];
            }
            size_t ij = (size_t)i * nc + j;
            P->cost[ij] = fee;
            if (baseline)
                P->cost0[ij] = P->cost[ij];
            w->pay_logw[ij] = i == j ? 0.0 : log1p(P->cost[ij]) - log1p(P->cost0[ij]);
        }
    }
}

/* The view's look-ahead hook (DESIGN 3b): the log payment wedge that the
 * current memberships give after the forced joins/exits `ops`, largest
 * banks first (pay_select; joins respect bars), with no random draw.  The
 * step's own code runs on scratch copies: the state is swapped out and
 * back, so nothing the module publishes changes.  Whoever makes pay_select
 * or pay_compute write another array must swap it here too, or the
 * look-ahead stops being pure (test_governments' decided = scripted test
 * would catch it only where the array feeds back into the run). */
static void payments_wedge(void *self, const struct world *w, const la_payop *ops, int nops, double *pay_logw)
{
    payments *P = self;
    size_t n2 = (size_t)P->nc * P->nc;
    if (P->la_m == NULL) { /* no governments: nothing to apply */
        memcpy(pay_logw, w->pay_logw, n2 * sizeof *pay_logw);
        return;
    }
    size_t nb = (size_t)P->nc * (size_t)(P->nsys > 0 ? P->nsys : 1) * (size_t)P->B;
    memcpy(P->la_m, P->m, nb * sizeof *P->la_m);
    double *m = P->m, *access = P->access, *share = P->share, *cost = P->cost;
    P->m = P->la_m;
    P->access = P->la_access;
    P->share = P->la_share;
    P->cost = P->la_cost;
    for (int q = 0; q < nops; q++)
        if (ops[q].sys >= 0 && ops[q].sys < P->nsys)
            pay_select(P, ops[q].country, ops[q].sys, ops[q].join, ops[q].join, ops[q].coverage, NULL);
    struct world tmp = *w;
    tmp.pay_logw = pay_logw;
    pay_compute(P, &tmp, 0);
    P->m = m;
    P->access = access;
    P->share = share;
    P->cost = cost;
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

/* The adoption rule named by `mode` (NULL: the default, banks). */
static int pay_read_mode(payments *P, const config_setting_t *ad, errbuf *e)
{
    const char *mode = NULL;
    int rc = ad ? cfg_get_string(ad, "mode", 0, &mode, e) : CFG_ABSENT;
    if (rc < 0)
        return rc;
    if (mode == NULL)
        return SANC_OK;
    for (int r = 0; pay_rules[r] != NULL; r++)
        if (strcmp(pay_rules[r]->name, mode) == 0) {
            P->rule = pay_rules[r];
            return SANC_OK;
        }
    char list[256];
    size_t len = 0;
    list[0] = '\0';
    for (int r = 0; pay_rules[r] != NULL; r++) {
        int k = snprintf(list + len, sizeof list - len, "%s'%s'", r ? ", " : "", pay_rules[r]->name);
        if (k > 0 && (size_t)k < sizeof list - len)
            len += (size_t)k;
    }
    return cfg_fail(config_setting_get_member(ad, "mode"), e, "unknown adoption mode '%s' (expected %s)", mode,
                    list);
}

static int pay_read_block(payments *P, const scenario *sc, const config_setting_t *pb, config_setting_t **systems,
                          const char **fb_name, const config_setting_t **mode_at, errbuf *e)
{
    static const char *const top_keys[] = {"mu", "fallback", "banks", "adoption", "systems", NULL};
    static const char *const fb_keys[] = {"name", "cost", NULL};
    static const char *const bank_keys[] = {"per_country", "zipf", NULL};
    static const char *const ad_keys[] = {"mode", "base", "network", "gain", "secondary_exit", NULL};
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
                       (rc = pay_nonneg(ad, "secondary_exit", 0, &P->sec_exit, e)) != SANC_OK ||
                       (rc = pay_read_mode(P, ad, e)) != SANC_OK))
        return rc;
    *mode_at = ad ? config_setting_get_member(ad, "mode") : NULL;

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
                    P->m[pay_bank(P, i, p, b)] = 1.0;
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
        pay_select(P, c, p, 1, 0, cov, NULL);
    }
    return SANC_OK;
}

/* Financial measures: those of the sanctions view that revoke memberships
 * of a payment system (the system must be one of ours). */
static int pay_read_financial(payments *P, errbuf *e)
{
    const sanctions_view *sv = P->sv;
    int n = sv ? sv->n : 0;
    size_t per = (size_t)P->nc * P->B;
    P->fin = calloc((size_t)(n > 0 ? n : 1), sizeof *P->fin);
    P->fin_masks = calloc((size_t)(n > 0 ? n : 1) * (size_t)P->nc, 1);
    P->fin_prev = malloc((size_t)(n > 0 ? n : 1) * per * sizeof *P->fin_prev);
    if (P->fin == NULL || P->fin_masks == NULL || P->fin_prev == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int q = 0; q < n; q++) {
        if (sv->revoke_system[q] == NULL)
            continue;
        pay_fin *f = &P->fin[P->nfin];
        f->targets = P->fin_masks + (size_t)P->nfin * (size_t)P->nc;
        f->prev = P->fin_prev + (size_t)P->nfin * per;
        for (size_t x = 0; x < per; x++)
            f->prev[x] = -1.0;
        f->measure = q;
        f->coverage = sv->revoke_coverage[q];
        for (int i = 0; i < P->nc; i++)
            f->targets[i] = sv->party[(size_t)q * P->nc + i] == 2;
        if ((f->sys = pay_find(P, sv->revoke_system[q])) < 0)
            return cfg_fail(sv->revoke_where[q], e, "unknown payment system '%s' (not among payments.systems)",
                            sv->revoke_system[q]);
        if (P->nfin == UINT16_MAX)
            return err_set(e, SANC_ECONFIG, "sanctions: too many financial measures (at most %d)", UINT16_MAX);
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

static int payments_init(struct model *m, const model_init *ctx, errbuf *e)
{
    payments *P = calloc(1, sizeof *P);
    if (P == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = P;
    const scenario *sc = ctx->sc;
    struct world *w = ctx->w;
    int nc = w->nc, rc;
    P->nc = nc;
    P->rule = &pay_rule_banks;
    P->sv = ctx->views->sanctions;
    P->mu = 1.0; /* without a payments block only the fallback exists: mu is immaterial */
    P->B = 10;
    P->omega = calloc(PAY_MAX_BANKS, sizeof *P->omega);
    if (P->omega == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int b = 0; b < P->B; b++)
        P->omega[b] = 1.0 / (b + 1.0);

    const config_setting_t *pb = ctx->block, *mode_at = NULL;
    config_setting_t *systems = NULL;
    const char *fb_name = "fallback";
    if (pb != NULL && (rc = pay_read_block(P, sc, pb, &systems, &fb_name, &mode_at, e)) != SANC_OK)
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
    P->sys_cost = calloc((size_t)np, sizeof *P->sys_cost);
    if (P->sys == NULL || P->names == NULL || P->sys_cost == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int p = 0; p < nsys; p++)
        if ((rc = pay_read_system(P, sc, config_setting_get_elem(systems, (unsigned)p), p, fb_name, e)) != SANC_OK)
            return rc;
    P->nsys = nsys;
    if ((P->names[nsys] = strdup(fb_name)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int p = 0; p < nsys; p++)
        P->sys_cost[p] = P->sys[p].cost;
    P->sys_cost[nsys] = P->c_fb;

    if (nsys > PAY_MAX_SYSTEMS)
        return cfg_fail(config_setting_get_member(pb, "systems"), e, "at most %d payment systems (got %d)",
                        PAY_MAX_SYSTEMS, nsys);
    if (P->rule->check && (rc = P->rule->check(P, mode_at, e)) != SANC_OK)
        return rc;

    size_t nb = (size_t)nc * (size_t)(nsys > 0 ? nsys : 1) * (size_t)P->B;
    size_t n2 = (size_t)nc * nc, na = (size_t)nc * np, nn = (size_t)nc * (size_t)(nsys > 0 ? nsys : 1);
    P->m = calloc(nb, sizeof *P->m);
    P->bar = calloc(nb, sizeof *P->bar);
    P->cost = calloc(n2, sizeof *P->cost);
    P->cost0 = calloc(n2, sizeof *P->cost0);
    P->cost_prev = calloc(n2, sizeof *P->cost_prev);
    P->pair = calloc(n2, sizeof *P->pair);
    P->access_prev = calloc(na, sizeof *P->access_prev);
    /* pattern distributions: at most B patterns a country with banks, 2^P
     * with probabilities (mean field, P <= PAY_MEAN_FIELD_MAX) */
    P->maxpat = P->B;
    size_t nscr = (size_t)P->B;
    if (nsys <= PAY_MEAN_FIELD_MAX) {
        int full = 1 << nsys;
        if (full > P->maxpat)
            P->maxpat = full;
        if ((size_t)full > nscr)
            nscr = (size_t)full;
    }
    P->pat = calloc((size_t)nc * (size_t)P->maxpat, sizeof *P->pat);
    P->patw = calloc((size_t)nc * (size_t)P->maxpat, sizeof *P->patw);
    P->npat = calloc((size_t)nc, sizeof *P->npat);
    P->scratch = calloc(nscr, sizeof *P->scratch);
    P->acc = calloc((size_t)np, sizeof *P->acc);
    if (nsys <= PAY_ROW_TABLE_MAX) {
        P->row = calloc(((size_t)1 << nsys) * (size_t)np, sizeof *P->row);
        P->rowok = calloc((size_t)1 << nsys, 1);
    } else {
        P->row = calloc((size_t)np, sizeof *P->row);
    }
    P->N0 = calloc(nn, sizeof *P->N0);
    P->G0 = calloc(nn, sizeof *P->G0);
    P->N = calloc(nn, sizeof *P->N);
    P->G = calloc(nn, sizeof *P->G);
    P->access = calloc(na, sizeof *P->access);
    P->share = calloc(n2 * (size_t)np, sizeof *P->share);
    if (!P->m || !P->bar || !P->cost || !P->cost0 || !P->cost_prev || !P->pair || !P->access_prev ||
        !P->pat || !P->patw || !P->npat || !P->scratch || !P->acc || !P->row ||
        (nsys <= PAY_ROW_TABLE_MAX && !P->rowok) || !P->N0 || !P->G0 || !P->N || !P->G || !P->access || !P->share)
        return err_set(e, SANC_ENOMEM, "out of memory allocating the payments state");
    for (int p = 0; p < nsys; p++)
        if ((rc = pay_read_members(P, sc, config_setting_get_elem(systems, (unsigned)p), p, e)) != SANC_OK)
            return rc;

    if ((rc = pay_read_financial(P, e)) != SANC_OK || (rc = pay_check_events(P, sc, e)) != SANC_OK)
        return rc;
    if ((P->rng = rng_stream_new(sc->seed, RNG_PAYMENTS)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");

    /* the trade and reach feed only joins, which need a system */
    if (nsys > 0)
        pay_trade(P, w);
    pay_compute(P, w, 1);
    if (nsys > 0)
        pay_reach(P, P->access, P->cost, P->N0, P->G0);
    world_set_dim(w, DIM_PAYMENT_SYSTEM, np, P->names);
    if ((P->home = calloc((size_t)(nsys > 0 ? nsys : 1), sizeof *P->home)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int p = 0; p < nsys; p++)
        P->home[p] = P->sys[p].home;
    if ((P->gv = ctx->views->governments) != NULL) {
        P->la_m = malloc(nb * sizeof *P->la_m);
        P->la_access = malloc(na * sizeof *P->la_access);
        P->la_share = malloc(n2 * (size_t)np * sizeof *P->la_share);
        P->la_cost = malloc(n2 * sizeof *P->la_cost);
        if (!P->la_m || !P->la_access || !P->la_share || !P->la_cost)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }
    P->view = (payments_view){
        .nsys = nsys, .sys_name = P->names, .sys_cost = P->sys_cost, .access = P->access, .share = P->share,
        .sys_home = P->home, .wedge = payments_wedge, .self = P,
    };
    ctx->views->payments = &P->view;
    /* without payment systems only the fallback settles, at one cost
     * everywhere: nothing to record (DESIGN 10: no variables for absent
     * features) */
    if (nsys == 0)
        return SANC_OK;

    const schema_var vars[] = {
        {"adoption", "1", "payment-system access",
         "member weight a_ip: share (by Zipf bank weight) of the country's banks that are members of the system; "
         "1 for the fallback",
         2, {DIM_COUNTRY, DIM_PAYMENT_SYSTEM}, 0, P->access},
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
static int pay_measure_on(const payments *P, int q)
{
    return P->sv != NULL && P->sv->level[q] > 0.0;
}

static void pay_forced(payments *P, struct world *w, int t)
{
    int nc = P->nc;
    for (int q = 0; q < P->nfin; q++) {
        pay_fin *f = &P->fin[q];
        if (pay_measure_on(P, f->measure) || !f->active)
            continue;
        for (int i = 0; i < nc; i++) {
            if (!f->targets[i])
                continue;
            for (int b = 0; b < P->B; b++) {
                size_t x = pay_bank(P, i, f->sys, b);
                double *prev = &f->prev[(size_t)i * P->B + b];
                P->bar[x]--;
                if (*prev >= 0.0)
                    P->m[x] = *prev;
                *prev = -1.0;
            }
        }
        f->active = 0;
    }
    for (int q = 0; q < P->nfin; q++) {
        pay_fin *f = &P->fin[q];
        if (!pay_measure_on(P, f->measure) || f->active)
            continue;
        for (int i = 0; i < nc; i++) {
            if (!f->targets[i])
                continue;
            pay_select(P, i, f->sys, 0, 0, f->coverage, f->prev);
            for (int b = 0; b < P->B; b++)
                P->bar[pay_bank(P, i, f->sys, b)]++;
        }
        f->active = 1;
    }
    for (int v = 0; v < w->sc->nevents; v++) {
        const sc_event *ev = &w->sc->events[v];
        int start = ev->start, end = ev->end;
        if (P->gv != NULL) /* a decided join/exit acts when its decided start comes */
            P->gv->window(P->gv->self, GOV_EVENT, v, &start, &end);
        if (P->ev_sys[v] < 0 || start != t || end <= start)
            continue;
        if (ev->type == SC_EV_JOIN)
            pay_select(P, ev->country, P->ev_sys[v], 1, 1, ev->coverage, NULL);
        else
            pay_select(P, ev->country, P->ev_sys[v], 0, 0, ev->coverage, NULL);
    }
}

/* Is i a sender of an active measure (of any type) that targets h? */
static int pay_sender_of_home(const payments *P, int i, int h)
{
    const sanctions_view *sv = P->sv;
    if (h < 0 || sv == NULL)
        return 0;
    for (int q = 0; q < sv->n; q++)
        if (sv->level[q] > 0.0 && sv->party[(size_t)q * P->nc + i] == 1 && sv->party[(size_t)q * P->nc + h] == 2)
            return 1;
    return 0;
}

static int payments_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)e;
    payments *P = m->data;
    int nc = P->nc, ns = P->nsys;
    size_t n2 = (size_t)nc * nc;
    /* without systems only the fallback settles: shares, costs and the
     * (zero) wedge stay as init set them */
    if (ns == 0)
        return SANC_OK;

    /* everything (c) needs, from the last period's state and flows */
    memcpy(P->access_prev, P->access, (size_t)nc * (ns + 1) * sizeof *P->access_prev);
    memcpy(P->cost_prev, P->cost, n2 * sizeof *P->cost_prev);
    pay_trade(P, w);
    pay_reach(P, P->access_prev, P->cost_prev, P->N, P->G);

    pay_forced(P, w, t); /* (a) */

    /* (b) exits under secondary pressure on the system's home */
    if (P->sec_exit > 0.0 && P->sv != NULL)
        for (int i = 0; i < nc; i++)
            for (int p = 0; p < ns; p++) {
                int h = P->sys[p].home;
                if (h < 0)
                    continue;
                double rate = P->sec_exit * P->sv->pressure[W2(w, i, h)];
                double prob = -expm1(-rate);
                if (!(prob > 0.0))
                    continue;
                P->rule->exits(P, i, p, rate, prob);
            }

    /* (c) joins; a sender's banks do not join a system whose home is a
     * target of one of its active measures */
    for (int i = 0; i < nc; i++)
        for (int p = 0; p < ns; p++) {
            if (!P->sys[p].open || pay_sender_of_home(P, i, P->sys[p].home))
                continue;
            size_t ip = (size_t)i * ns + p;
            double dn = P->N[ip] - P->N0[ip], dg = P->G[ip] - P->G0[ip];
            double rate = P->base + P->network * (dn > 0.0 ? dn : 0.0) + P->gain * (dg > 0.0 ? dg : 0.0);
            double prob = -expm1(-rate);
            if (!(prob > 0.0))
                continue;
            P->rule->joins(P, i, p, rate, prob);
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
    free(P->sys_cost);
    free(P->omega);
    free(P->m);
    free(P->access);
    free(P->share);
    free(P->fin_prev);
    free(P->bar);
    free(P->cost);
    free(P->cost0);
    free(P->cost_prev);
    free(P->pair);
    free(P->access_prev);
    free(P->pat);
    free(P->patw);
    free(P->npat);
    free(P->scratch);
    free(P->acc);
    free(P->row);
    free(P->rowok);
    free(P->N0);
    free(P->G0);
    free(P->N);
    free(P->G);
    free(P->ev_sys);
    free(P->fin);
    free(P->fin_masks);
    free(P->home);
    free(P->la_m);
    free(P->la_access);
    free(P->la_share);
    free(P->la_cost);
    if (P->rng)
        gsl_rng_free(P->rng);
    free(P);
    m->data = NULL;
}

const model_ops payments_ops = {payments_init, payments_step, payments_finish, NULL};
