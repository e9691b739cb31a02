/*
 * routing.c - transit corridors and re-export hubs (DESIGN section 3, item 4).
 *
 * A cross-border cell (i,j,k) ships direct or via any active hub h whose via
 * country v is neither i nor j and whose filters admit the cell (an
 * evasion_only hub only cells with F_ijk > 1).  Route cost multipliers
 * relative to the baseline direct cost (DESIGN sections 3 item 4 and 3a):
 *     direct  m_0 = F_ijk
 *     via h   m_h = kappa_h F_ivk F_vjk (1 + detection e_ijk) [G_ivk G_vjk]
 * with F the trade-measure factors and e_ijk the largest enforcement of a
 * trade measure on the direct cell (sanctions view); the secondary factors
 * G of the legs enter for evasion_only hubs only (a re-exporter is a party
 * to the sale, a transit country is not).  New flows split as
 * w_r = m_r^-delta / sum_r m_r^-delta (Frechet dispersion, Allen and
 * Arkolakis 2022); the cell's aggregate cost is
 * M = G_ijk (sum_r m_r^-delta)^(-1/delta) (the penalty on the parties
 * applies whatever the route, so it moves no share), and gravity reads the
 * wedge route_logM = log M(t) - log M(0).
 *
 * With `capacity`, a hub's markup rises with the value it carries beyond its
 * baseline volume.  The congested markup is the fixed point of
 *     kappa_h = markup_h (1 + (max(0, V_h(kappa) - V_h(0)) / capacity_h)^congestion)
 * with V_h evaluated at today's shares and last period's flows, solved hub
 * after hub (Gauss-Seidel) each period.  Pricing congestion from last
 * period's volume alone would make a cobweb (a full hub becomes dear and
 * empties, then cheap and full again); the fixed point cannot oscillate.
 *
 * Speed.  A world has ~nc^2 ns cells and the fixed point needs many V_h
 * evaluations, so nothing per cell may cost an exp or a log per evaluation:
 *  - Route weights are products of per-period tables, m_h^-delta =
 *    kappa_h^-delta (F_ivk)^-delta (F_vjk)^-delta (1 + detection e)^-delta,
 *    as long as every factor's |delta log| stays below ROUTING_SAFE_LOG (then
 *    no product can overflow or underflow).  A cell with a factor beyond that
 *    (or a NaN) takes the log-sum-exp path, which is the definition itself.
 *  - A "plain" cell (no sanction on it nor on the legs of the hubs that admit
 *    it) has weights 1 (direct) and kappa_h^-delta (admitted hubs): its shares
 *    depend only on its set of admitted hubs, so plain cells are pooled by
 *    that set (a bit mask).  Most of a world is plain.
 *  - For the capacity solve each pooled set or other cell becomes one entry
 *    (x, S, a_p): x last period's flow, S the weight of its routes without a
 *    capacity, a_p capacity hub p's weight at its bare markup.  With
 *    z_p = (kappa_p / markup_p)^-delta <= 1, hub p's share is
 *    a_p z_p / (R + a_p z_p), R = S + sum_{p' != p} a_p' z_p', so V_p(kappa)
 *    and dV_p/dlog kappa_p are sums of rational terms and a safeguarded Newton
 *    iteration solves each hub's equation in a few evaluations.
 * The baseline volume V_h(0) and period t's V_h at the bare markups are
 * computed by the same code from the same pooled entries, so an unshocked
 * period finds exactly zero excess volume and keeps the bare markup (and
 * log M(t) - log M(0) is exactly 0).
 *
 * Outputs owned here: the hub dimension's labels and `hub_markup(time, hub)`
 * (the effective kappa_h).  The route shares are routing's and are
 * published in its view (views.h); their vintage update needs phi(t), so
 * gravity calls the view's `vintage` hook once it has phi(t); `transit` is
 * computed by the metrics module from the view.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "scenario.h"
#include "world.h"

#define ROUTING_KAPPA_TOL 1e-12 /* relative change that ends the Gauss-Seidel sweeps */
#define ROUTING_MAX_SWEEPS 10000
#define ROUTING_MAX_NEWTON 300
/* A congested markup never exceeds its bare markup times e^this (10^6):
 * the fixed point can lie beyond any double (kappa = markup (1 + y^c) with
 * y = 3000 and c = 100 is 10^347) when a hub is a cell's only open route,
 * so its share, and the excess volume, do not fall as its price rises.  At
 * a million times the bare markup a corridor carries nothing that matters
 * (its cost weight is at most 10^-6 to the power `dispersion`), so the
 * markup is capped there and `hub_markup` reports the cap (README:
 * Limits). */
#define ROUTING_LOG_MAX_CONGESTION 13.815510557964274 /* log(1e6) */
/* Largest |delta log factor| of one weight factor on the product path: a hub
 * weight multiplies at most four such factors, so it stays within e^+-400. */
#define ROUTING_SAFE_LOG 100.0
#define ROUTING_MASK_HUBS 64 /* hubs a uint64_t admission mask can hold */

typedef struct routing_hub {
    int via;
    double markup;
    double capacity;   /* 0: unlimited */
    double congestion;
    int start, end;    /* active in [start, end) */
    int evasion_only;
    unsigned char *orig, *dest; /* nc */
    unsigned char *sect;        /* ns */
    double V0;         /* value the baseline sends through the hub */
    double fee;        /* ad valorem fee the via country earns (DESIGN 2b); markup includes 1 + fee */
} routing_hub;

/* Open-addressing map from a nonzero admission mask to an index. */
typedef struct routing_map {
    uint64_t *key;     /* 0: empty slot */
    size_t *val;
    size_t cap, n;
} routing_map;

typedef struct routing {
    struct world *w;   /* to release the hub labels in finish */
    /* the sanctions' cell factors (views.h; zeros of our own without sanctions) */
    const double *logF, *enf, *logG;
    double *zeros;
    /* owned state, published through the view */
    char **hub_name;   /* nhubs labels */
    int *hub_via;      /* nhubs */
    double *share_new; /* nhubs * n3 [h*n3 + cell]: shares of new flows */
    double *share;     /* nhubs * n3: shares of the current flows (by vintage) */
    routing_view view;
    double delta, detection;
    int nhubs;
    routing_hub *hub;
    double *kappa;     /* nhubs: effective markups of the current period (output) */
    double *logM0;     /* n3: log M(0) */
    double *lw;        /* nhubs + 1: scratch log weights of one cell */
    double *lb;        /* nhubs: scratch weights of one cell without kappa (0: no route) */
    double *csh;       /* nhubs: shares of one cell */

    /* tables of the current period (routing_prepare) */
    int nact, *act;    /* the active hubs, in index order */
    double *ein, *eout; /* nhubs * nc*ns: (F_ivk)^-delta and (F_vjk)^-delta; NaN: off the product path */
    double *kf;        /* nhubs: kappa_h^-delta of the active hubs (NaN: off the product path) */
    int masks;         /* admission masks in use (nhubs <= ROUTING_MASK_HUBS) */
    int pool;          /* plain cells may be pooled this period */
    uint64_t *mo, *md, *ms; /* nc, nc, ns: active hubs admitting origin i / destination j / sector k */
    uint64_t evmask, capmask;
    uint64_t *nzin, *nzout; /* nc*ns: active hubs whose leg i->v / v->j carries a sanction */

    /* the capacity solve: slot p of each hub with a capacity */
    int ncap, *cslot, *chub; /* nhubs -> slot or -1; slot -> hub */
    double *cmk;       /* ncap: markup^-delta */
    double *cz;        /* ncap: (kappa/markup)^-delta at the current kappas */
    double *uprev;     /* nhubs: last solved log kappa (Newton's first guess) */
    double *q;         /* entries of stride 2 + ncap: x, S, a_0 .. a_{ncap-1} */
    size_t nq, qcap;
    routing_map qmap;  /* admission mask -> entry of its pooled cells */

    /* routing_apply: the shares of each pooled mask, then written column by
     * column (ten interleaved column writes per cell cost ~4x more) */
    routing_map amap;  /* admission mask -> class */
    double *tab;       /* nclass * nhubs shares */
    double *tablm;     /* nclass: log M */
    size_t ntab, tabcap;
    int32_t *cls;      /* n3: class of the cell; -1 no hub share; -2 written with the cell */
    /* nhubs: no class gives the hub a share, so its column is zero except
     * at the cells written one by one (evasion-only and inactive hubs);
     * [nhubs + h]: the same in the previous apply */
    unsigned char *sparse;

    /* governments (DESIGN 3b): decided hubs and stops */
    const governments_view *gv; /* NULL: dated windows only */
    sc_decision *dec;           /* nhubs */
    /* hub fees (DESIGN 2b; NULL without any): the fee enters the route cost
     * (markup includes 1 + fee) and earns revenue, so route_logM carries
     * only the iceberg part, log M - log(1 + f_new), relative to period 0,
     * with f_new = sum_h share_new_h fee_h */
    double *fee;       /* nhubs */
    double *logf0;     /* n3: log(1 + f_new) of period 0 */
    int f0_ready;
} routing;

/* ---- route weights of one cell: the definition in log-sum-exp form ---- */

static int routing_active(const routing_hub *h, int t)
{
    return t >= h->start && t < h->end;
}

/* Does hub h admit cell (i,j,k)?  lf0 is the direct route's log F. */
static int routing_admits(const routing_hub *h, int i, int j, int k, double lf0)
{
    if (h->via == i || h->via == j || !h->orig[i] || !h->dest[j] || !h->sect[k])
        return 0;
    return !h->evasion_only || lf0 > 0.0;
}

/* log of a sum of exp(a_r): -INFINITY when every term is. */
static double routing_lse(const double *a, int n)
{
    double mx = -INFINITY;
    for (int r = 0; r < n; r++)
        if (a[r] > mx)
            mx = a[r];
    if (mx == -INFINITY)
        return -INFINITY;
    double s = 0.0;
    for (int r = 0; r < n; r++)
        if (a[r] != -INFINITY)
            s += exp(a[r] - mx);
    return mx + log(s);
}

/* -delta * log m, with a closed route (log m = +inf) mapping to -inf. */
static double routing_logweight(double delta, double logm)
{
    return logm == INFINITY ? -INFINITY : -delta * logm;
}

/* Log factor of a hub's leg (a -> b, sector k): its trade-measure factor,
 * times its secondary factor for an evasion_only hub. */
static double routing_leg(const routing *r, const struct world *w, const routing_hub *h, int a, int b, int k)
{
    size_t c = W3(w, a, b, k);
    double l = r->logF[c];
    return h->evasion_only ? l + r->logG[c] : l;
}

/* Hub h's log cost on cell (i,j,k) without its markup: legs i->v, v->j and
 * the detection risk of the evaded measure.  baseline: no sanctions. */
static double routing_hub_rest(const routing *r, const struct world *w, const routing_hub *h, int i, int j,
                               int k, int baseline)
{
    if (baseline)
        return 0.0;
    size_t c = W3(w, i, j, k);
    double l1 = routing_leg(r, w, h, i, h->via, k), l2 = routing_leg(r, w, h, h->via, j, k);
    if (l1 == INFINITY || l2 == INFINITY)
        return INFINITY;
    return l1 + l2 + log1p(r->detection * r->enf[c]);
}

/* Log weights of every route of cell (i,j,k) at period t with markups
 * kappa into r->lw (lw[0] direct, lw[1+h] hub h; -inf: closed or not
 * admitted).  Returns the direct route's log F. */
static double routing_cell_weights(const routing *r, const struct world *w, int t, int i, int j, int k,
                                   const double *kappa, int baseline)
{
    double lf0 = baseline ? 0.0 : r->logF[W3(w, i, j, k)];
    r->lw[0] = routing_logweight(r->delta, lf0);
    for (int h = 0; h < r->nhubs; h++) {
        const routing_hub *hb = &r->hub[h];
        r->lw[1 + h] = -INFINITY;
        if (!routing_active(hb, t) || !routing_admits(hb, i, j, k, lf0))
            continue;
        double rest = routing_hub_rest(r, w, hb, i, j, k, baseline);
        if (rest == INFINITY)
            continue;
        r->lw[1 + h] = routing_logweight(r->delta, log(kappa[h]) + rest);
    }
    return lf0;
}

/* log M of a cell from its route weights.  With only the direct route open
 * this is its log F exactly (no round trip through -delta), so a cell no
 * hub serves sees the sanction wedge unchanged. */
static double routing_logM(const routing *r, double lf0)
{
    int hubs_open = 0;
    for (int h = 0; h < r->nhubs; h++)
        hubs_open |= r->lw[1 + h] != -INFINITY;
    if (!hubs_open)
        return lf0;
    return -routing_lse(r->lw, r->nhubs + 1) / r->delta;
}

/* ---- route weights as products of period tables ------------------------ */

/* exp(-delta l) of one factor: 1 for l = 0, 0 for a closed route, NaN
 * (take the log-sum-exp path) when it could leave the safe range. */
static double routing_factor(double delta, double l)
{
    if (l == 0.0)
        return 1.0;
    if (l == INFINITY)
        return 0.0;
    double y = delta * l;
    return fabs(y) <= ROUTING_SAFE_LOG ? exp(-y) : NAN;
}

/* Period t's tables: active hubs, their admission masks and leg factors.
 * baseline: no sanctions (period 0's hubs). */
static void routing_prepare(routing *r, const struct world *w, int t, int baseline)
{
    int nc = w->nc, ns = w->ns;
    size_t n2 = (size_t)nc * ns;
    r->nact = 0;
    for (int h = 0; h < r->nhubs; h++)
        if (routing_active(&r->hub[h], t))
            r->act[r->nact++] = h;
    for (int h = 0; h < r->nhubs; h++)
        r->lb[h] = 0.0;
    if (r->masks) {
        memset(r->mo, 0, (size_t)nc * sizeof *r->mo);
        memset(r->md, 0, (size_t)nc * sizeof *r->md);
        memset(r->ms, 0, (size_t)ns * sizeof *r->ms);
        memset(r->nzin, 0, n2 * sizeof *r->nzin);
        memset(r->nzout, 0, n2 * sizeof *r->nzout);
        r->evmask = r->capmask = 0;
    }
    for (int a = 0; a < r->nact; a++) {
        int h = r->act[a];
        const routing_hub *hb = &r->hub[h];
        double *ei = r->ein + (size_t)h * n2, *eo = r->eout + (size_t)h * n2;
        for (int i = 0; i < nc; i++)
            for (int k = 0; k < ns; k++) {
                size_t ik = (size_t)i * ns + k;
                ei[ik] = baseline ? 1.0 : routing_factor(r->delta, routing_leg(r, w, hb, i, hb->via, k));
                eo[ik] = baseline ? 1.0 : routing_factor(r->delta, routing_leg(r, w, hb, hb->via, i, k));
            }
        if (!r->masks)
            continue;
        uint64_t bit = (uint64_t)1 << h;
        for (int i = 0; i < nc; i++) {
            if (hb->orig[i] && hb->via != i)
                r->mo[i] |= bit;
            if (hb->dest[i] && hb->via != i)
                r->md[i] |= bit;
        }
        for (int k = 0; k < ns; k++)
            if (hb->sect[k])
                r->ms[k] |= bit;
        for (size_t ik = 0; ik < n2; ik++) {
            if (ei[ik] != 1.0)
                r->nzin[ik] |= bit;
            if (eo[ik] != 1.0)
                r->nzout[ik] |= bit;
        }
        if (hb->evasion_only)
            r->evmask |= bit;
        if (hb->capacity > 0.0)
            r->capmask |= bit;
    }
}

/* kappa_h^-delta of the active hubs at the markups kappa; pooling needs
 * them all on the product path. */
static void routing_set_kf(routing *r, const double *kappa)
{
    r->pool = r->masks;
    for (int a = 0; a < r->nact; a++) {
        int h = r->act[a];
        r->kf[h] = routing_factor(r->delta, log(kappa[h]));
        if (isnan(r->kf[h]))
            r->pool = 0;
    }
}

/* Hubs admitting cell (i,j,k) (mask mode only). */
static uint64_t routing_adm(const routing *r, int i, int j, int k, double lf0)
{
    uint64_t m = r->mo[i] & r->md[j] & r->ms[k];
    return lf0 > 0.0 ? m : m & ~r->evmask;
}

/* Is the cell plain: weight 1 direct and 1 x kappa^-delta via each admitted
 * hub, so its routes are those of any other plain cell with the same mask? */
static int routing_plain(const routing *r, const struct world *w, int i, int j, int k, size_t c, double lf0,
                         uint64_t adm, int baseline)
{
    if (baseline)
        return 1;
    if (lf0 != 0.0 || (r->enf[c] != 0.0 && r->detection != 0.0))
        return 0;
    size_t ik = (size_t)i * w->ns + k, jk = (size_t)j * w->ns + k;
    return ((r->nzin[ik] | r->nzout[jk]) & adm) == 0;
}

/* Weights of cell (i,j,k) without kappa into r->lb (0: not admitted or a
 * leg closed) and the direct weight into *wd.  Returns 0 if some factor is
 * off the product path (then use the log-sum-exp definition). */
static int routing_cell_base(routing *r, const struct world *w, int i, int j, int k, size_t c, double lf0,
                             int baseline, double *wd)
{
    int ns = w->ns;
    size_t n2 = (size_t)w->nc * ns, ik = (size_t)i * ns + k, jk = (size_t)j * ns + k;
    double e = baseline ? 0.0 : r->enf[c];
    double d = e == 0.0 || r->detection == 0.0 ? 1.0 : routing_factor(r->delta, log1p(r->detection * e));
    int ok = !isnan(d);
    *wd = routing_factor(r->delta, lf0);
    ok &= !isnan(*wd);
    for (int a = 0; a < r->nact; a++) {
        int h = r->act[a];
        double b = 0.0;
        if (routing_admits(&r->hub[h], i, j, k, lf0))
            b = r->ein[(size_t)h * n2 + ik] * r->eout[(size_t)h * n2 + jk] * d;
        r->lb[h] = b;
        ok &= !isnan(b);
    }
    return ok;
}

/* ---- congestion: the markup fixed point ------------------------------- */

/* A new entry of the capacity list, zeroed; NULL when out of memory. */
static double *routing_q_new(routing *r)
{
    size_t st = 2 + (size_t)r->ncap;
    if (r->nq == r->qcap) {
        size_t cap = r->qcap ? 2 * r->qcap : 1024;
        double *q = realloc(r->q, cap * st * sizeof *q);
        if (q == NULL)
            return NULL;
        r->q = q;
        r->qcap = cap;
    }
    double *en = r->q + r->nq++ * st;
    memset(en, 0, st * sizeof *en);
    return en;
}

static void routing_map_clear(routing_map *m)
{
    if (m->cap)
        memset(m->key, 0, m->cap * sizeof *m->key);
    m->n = 0;
}

static size_t routing_map_hash(uint64_t k, size_t cap)
{
    return (size_t)((k * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

/* The value slot of mask k != 0, *added when it is new (the caller fills
 * it); NULL when out of memory.  Valid until the next call. */
static size_t *routing_map_slot(routing_map *m, uint64_t k, int *added)
{
    if (2 * (m->n + 1) > m->cap) { /* grow and rehash */
        size_t cap = m->cap ? 2 * m->cap : 64;
        uint64_t *key = calloc(cap, sizeof *key);
        size_t *val = malloc(cap * sizeof *val);
        if (key == NULL || val == NULL) {
            free(key);
            free(val);
            return NULL;
        }
        for (size_t s = 0; s < m->cap; s++)
            if (m->key[s] != 0) {
                size_t u = routing_map_hash(m->key[s], cap);
                while (key[u] != 0)
                    u = (u + 1) & (cap - 1);
                key[u] = m->key[s];
                val[u] = m->val[s];
            }
        free(m->key);
        free(m->val);
        m->key = key;
        m->val = val;
        m->cap = cap;
    }
    size_t u = routing_map_hash(k, m->cap);
    while (m->key[u] != 0 && m->key[u] != k)
        u = (u + 1) & (m->cap - 1);
    *added = m->key[u] == 0;
    if (*added) {
        m->key[u] = k;
        m->n++;
    }
    return &m->val[u];
}

static void routing_map_free(routing_map *m)
{
    free(m->key);
    free(m->val);
}

/* The entry pooling the plain cells of mask m (created on first use). */
static double *routing_q_pool(routing *r, uint64_t m)
{
    int added;
    size_t *slot = routing_map_slot(&r->qmap, m, &added);
    if (slot == NULL)
        return NULL;
    if (!added)
        return r->q + *slot * (2 + (size_t)r->ncap);
    double *en = routing_q_new(r);
    if (en == NULL)
        return NULL;
    *slot = r->nq - 1;
    en[1] = 1.0;
    for (int a = 0; a < r->nact; a++) {
        int h = r->act[a];
        if (!(m >> h & 1))
            continue;
        if (r->cslot[h] < 0)
            en[1] += r->kf[h];
        else
            en[2 + r->cslot[h]] = r->cmk[r->cslot[h]];
    }
    return en;
}

/* Entry of a cell off the product path: its weights relative to the
 * largest at the bare markups (so every a_p z_p <= 1 and nothing overflows).
 * Returns 0 (and *en NULL) for a cell no capacity hub serves. */
static int routing_q_logdomain(routing *r, const struct world *w, int t, int i, int j, int k, double x,
                               int baseline, double **en)
{
    *en = NULL;
    routing_cell_weights(r, w, t, i, j, k, r->kappa, baseline);
    int served = 0;
    double mx = r->lw[0];
    for (int h = 0; h < r->nhubs; h++) {
        if (r->cslot[h] >= 0 && r->lw[1 + h] != -INFINITY)
            served = 1;
        if (r->lw[1 + h] > mx)
            mx = r->lw[1 + h];
    }
    if (!served)
        return SANC_OK;
    if ((*en = routing_q_new(r)) == NULL)
        return SANC_ENOMEM;
    double *e = *en;
    e[0] = x;
    e[1] = r->lw[0] == -INFINITY ? 0.0 : exp(r->lw[0] - mx);
    for (int h = 0; h < r->nhubs; h++) {
        if (r->lw[1 + h] == -INFINITY)
            continue;
        double v = exp(r->lw[1 + h] - mx);
        if (r->cslot[h] < 0)
            e[1] += v;
        else
            e[2 + r->cslot[h]] = v;
    }
    return SANC_OK;
}

/* The capacity list of period t from flows X, every hub at its markup
 * (r->kappa) and the tables of routing_prepare. */
static int routing_build(routing *r, const struct world *w, int t, const double *X, int baseline, errbuf *e)
{
    int nc = w->nc, ns = w->ns;
    r->nq = 0;
    routing_map_clear(&r->qmap);
    routing_set_kf(r, r->kappa);
    for (int p = 0; p < r->ncap; p++)
        r->cmk[p] = r->kf[r->chub[p]];
    uint64_t lastm = 0;
    double *last = NULL;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            if (i == j)
                continue;
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                double x = X[c];
                if (!(x > 0.0))
                    continue;
                double lf0 = baseline ? 0.0 : r->logF[c];
                double *en = NULL;
                if (r->masks) {
                    uint64_t adm = routing_adm(r, i, j, k, lf0);
                    if (!(adm & r->capmask))
                        continue;
                    if (r->pool && routing_plain(r, w, i, j, k, c, lf0, adm, baseline)) {
                        if (adm != lastm || last == NULL) {
                            if ((last = routing_q_pool(r, adm)) == NULL)
                                return err_set(e, SANC_ENOMEM, "out of memory");
                            lastm = adm;
                        }
                        last[0] += x;
                        continue;
                    }
                }
                double wd;
                int ok = routing_cell_base(r, w, i, j, k, c, lf0, baseline, &wd);
                if (ok) {
                    int served = 0;
                    for (int p = 0; p < r->ncap; p++)
                        served |= r->lb[r->chub[p]] != 0.0;
                    if (!served)
                        continue;
                    /* the pool pointer may move with the list */
                    last = NULL;
                    if ((en = routing_q_new(r)) == NULL)
                        return err_set(e, SANC_ENOMEM, "out of memory");
                    en[0] = x;
                    en[1] = wd;
                    for (int a = 0; a < r->nact; a++) {
                        int h = r->act[a];
                        if (r->lb[h] == 0.0)
                            continue;
                        if (r->cslot[h] < 0)
                            en[1] += r->lb[h] * r->kf[h];
                        else
                            en[2 + r->cslot[h]] = r->lb[h] * r->cmk[r->cslot[h]];
                    }
                    for (int s = 1; s < 2 + r->ncap; s++)
                        ok &= isfinite(en[s]);
                    if (!ok)
                        r->nq--; /* redo it in the log domain */
                }
                if (!ok) {
                    last = NULL;
                    if (routing_q_logdomain(r, w, t, i, j, k, x, baseline, &en) != SANC_OK)
                        return err_set(e, SANC_ENOMEM, "out of memory");
                }
            }
        }
    return SANC_OK;
}

/* V_p at z = (kappa_p/markup_p)^-delta, the other hubs at r->cz, and
 * *dv = sum x s (1 - s) (dV/dlog kappa_p = -delta *dv).  A cell with no
 * other route open sends all its flow through p whatever the markup. */
static double routing_volume(const routing *r, int p, double z, double *dv)
{
    size_t st = 2 + (size_t)r->ncap;
    double v = 0.0, d = 0.0;
    for (size_t n = 0; n < r->nq; n++) {
        const double *en = r->q + n * st;
        double a = en[2 + p];
        if (a == 0.0)
            continue;
        double rest = en[1];
        for (int o = 0; o < r->ncap; o++)
            if (o != p)
                rest += en[2 + o] * r->cz[o];
        double az = a * z;
        double s = rest > 0.0 ? az / (rest + az) : 1.0;
        v += en[0] * s;
        d += en[0] * s * (1.0 - s);
    }
    *dv = d;
    return v;
}

/* log(1 + x^c) for x >= 0 without overflow. */
static double routing_log1p_pow(double x, double c)
{
    if (!(x > 0.0))
        return 0.0;
    double y = c * log(x);
    return y > 0.0 ? y + log1p(exp(-y)) : log1p(exp(y));
}

/* g(u) = u - log kappa_target(u), increasing in u (its root is log kappa_h),
 * and g'(u) >= 1.  z of slot p at u into *z. */
static double routing_gap(const routing *r, int h, double u, double *gp, double *z)
{
    const routing_hub *hb = &r->hub[h];
    int p = r->cslot[h];
    double lm = log(hb->markup), dv;
    *z = exp(-r->delta * (u - lm));
    double excess = routing_volume(r, p, *z, &dv) - hb->V0;
    double y = excess > 0.0 ? excess / hb->capacity : 0.0;
    *gp = 1.0;
    if (y > 0.0) {
        /* d log(1 + y^c)/dy = c t / y, t = y^c / (1 + y^c) */
        double ly = hb->congestion * log(y);
        double tt = ly > 0.0 ? 1.0 / (1.0 + exp(-ly)) : exp(ly) / (1.0 + exp(ly));
        *gp += hb->congestion * tt / y / hb->capacity * r->delta * dv;
    }
    return u - lm - routing_log1p_pow(y, hb->congestion);
}

static void routing_set_hub(routing *r, int h, double u, double z)
{
    r->kappa[h] = exp(u);
    r->cz[r->cslot[h]] = z;
    r->uprev[h] = u;
}

/* Solve hub h's markup given the other hubs' current kappas: safeguarded
 * Newton on g inside a bracket [lo, hi], from the hub's last solution. */
static int routing_solve_hub(routing *r, struct world *w, int t, int h, errbuf *e)
{
    const routing_hub *hb = &r->hub[h];
    double lm = log(hb->markup), up = r->uprev[h], lo = lm, hi = INFINITY, u = lm, g = 0.0, gp, z;
    if (up > lm && up < INFINITY) {
        g = routing_gap(r, h, up, &gp, &z);
        if (g == 0.0) {
            routing_set_hub(r, h, up, z);
            return SANC_OK;
        }
        /* g < 0: congested (g rises at least as fast as u), and the target,
         * decreasing in u, bounds the root by its value at up */
        if (g < 0.0) {
            lo = up;
            hi = up - g;
        } else
            hi = up;
        u = up;
    }
    if (lo == lm) {
        double glo = routing_gap(r, h, lm, &gp, &z);
        if (glo >= 0.0) { /* no excess volume at the bare markup */
            r->kappa[h] = hb->markup;
            r->cz[r->cslot[h]] = 1.0;
            r->uprev[h] = lm;
            return SANC_OK;
        }
        hi = fmin(hi, lm - glo);
        u = lm;
        g = glo;
    }
    /* the cap: when the root lies beyond it, the markup is the cap */
    double ucap = lm + ROUTING_LOG_MAX_CONGESTION;
    if (hi > ucap) {
        double gcap = routing_gap(r, h, ucap, &gp, &z);
        if (!(gcap > 0.0)) {
            routing_set_hub(r, h, ucap, exp(-r->delta * ROUTING_LOG_MAX_CONGESTION));
            return SANC_OK;
        }
        hi = ucap;
        if (u > hi) {
            u = lo;
            g = routing_gap(r, h, u, &gp, &z);
        }
    }
    double prev = 0.0; /* the last Newton step (0: none) */
    for (int it = 0; it < ROUTING_MAX_NEWTON; it++) {
        double un = u - g / gp, step = fabs(un - u), sc = fmax(1.0, fabs(u));
        int newton = un >= lo && un <= hi;
        /* a step at rounding level, or one whose quadratic-convergence
         * error estimate step^3 / prev^2 is */
        if (newton && (step <= 4.0 * DBL_EPSILON * sc ||
                       (prev > 0.0 && step <= 1e-6 * sc && step * step * step <= 1e-15 * sc * prev * prev))) {
            routing_set_hub(r, h, un, exp(-r->delta * (un - lm)));
            return SANC_OK;
        }
        if (!(un > lo && un < hi)) {
            un = 0.5 * (lo + hi);
            newton = 0;
        }
        prev = newton ? step : 0.0;
        if (hi - lo <= 4.0 * DBL_EPSILON * sc) {
            routing_set_hub(r, h, un, exp(-r->delta * (un - lm)));
            return SANC_OK;
        }
        u = un;
        g = routing_gap(r, h, u, &gp, &z);
        if (!isfinite(g))
            break;
        if (g == 0.0) {
            routing_set_hub(r, h, u, z);
            return SANC_OK;
        }
        if (g < 0.0)
            lo = u;
        else
            hi = u;
    }
    (void)w; /* the hub labels are routing's own now */
    return err_set(e, SANC_ENOCONV, "routing: period %d: congested markup of hub '%s' did not converge", t,
                   r->hub_name[h]);
}

/* Gauss-Seidel over the congested hubs, from the bare markups: each hub's
 * best response rises with the others' markups (routes are substitutes),
 * so the sweeps rise monotonically to the fixed point. */
static int routing_solve_kappa(routing *r, struct world *w, int t, errbuf *e)
{
    int any = 0;
    for (int h = 0; h < r->nhubs; h++) {
        r->kappa[h] = r->hub[h].markup;
        any |= r->hub[h].capacity > 0.0 && routing_active(&r->hub[h], t);
    }
    if (!any || t == 0)
        return SANC_OK;
    int rc = routing_build(r, w, t, w->X_prev, 0, e); /* volumes from last period */
    if (rc != SANC_OK)
        return rc;
    for (int p = 0; p < r->ncap; p++)
        r->cz[p] = 1.0;
    for (int sweep = 0; sweep < ROUTING_MAX_SWEEPS; sweep++) {
        double moved = 0.0;
        for (int h = 0; h < r->nhubs; h++) {
            if (!(r->hub[h].capacity > 0.0) || !routing_active(&r->hub[h], t))
                continue;
            double old = r->kappa[h];
            if ((rc = routing_solve_hub(r, w, t, h, e)) != SANC_OK)
                return rc;
            double d = fabs(r->kappa[h] - old) / old;
            if (d > moved)
                moved = d;
        }
        if (moved <= ROUTING_KAPPA_TOL)
            return SANC_OK;
    }
    return err_set(e, SANC_ENOCONV, "routing: period %d: congested hub markups did not converge in %d sweeps",
                   t, ROUTING_MAX_SWEEPS);
}

/* ---- the period's wedge and shares ------------------------------------ */

/* log M and hub shares (into sh, all hubs) of a cell from its weights
 * without kappa (r->lb) and the direct weight wd at kappa^-delta = r->kf.
 * Returns 0 when off the product path. */
static int routing_cell_shares(const routing *r, double wd, double lf0, double *logM, double *sh)
{
    double s = wd;
    int open = 0;
    for (int h = 0; h < r->nhubs; h++)
        sh[h] = 0.0;
    for (int a = 0; a < r->nact; a++) {
        int h = r->act[a];
        if (r->lb[h] == 0.0)
            continue;
        sh[h] = r->lb[h] * r->kf[h];
        s += sh[h];
        open = 1;
    }
    if (!isfinite(s))
        return 0;
    if (!open) { /* direct only: the sanction wedge exactly (+inf: closed) */
        *logM = lf0;
        return 1;
    }
    for (int a = 0; a < r->nact; a++)
        sh[r->act[a]] /= s;
    *logM = -log(s) / r->delta;
    return 1;
}

/* Shares and log M of the pooled plain cells of mask m != 0: a new class. */
static int routing_class_new(routing *r, uint64_t m)
{
    int nh = r->nhubs;
    if (r->ntab == r->tabcap) {
        size_t cap = r->tabcap ? 2 * r->tabcap : 64;
        double *tab = realloc(r->tab, cap * (size_t)nh * sizeof *tab);
        if (tab == NULL)
            return SANC_ENOMEM;
        r->tab = tab;
        double *lm = realloc(r->tablm, cap * sizeof *lm);
        if (lm == NULL)
            return SANC_ENOMEM;
        r->tablm = lm;
        r->tabcap = cap;
    }
    double *sh = r->tab + r->ntab * (size_t)nh, s = 1.0;
    for (int h = 0; h < nh; h++)
        sh[h] = 0.0;
    for (int a = 0; a < r->nact; a++) {
        int h = r->act[a];
        if (m >> h & 1) {
            sh[h] = r->kf[h];
            s += r->kf[h];
        }
    }
    for (int a = 0; a < r->nact; a++)
        sh[r->act[a]] /= s;
    r->tablm[r->ntab++] = -log(s) / r->delta;
    return SANC_OK;
}

/* route_logM and route_share_new of period t at the current kappas, or
 * (baseline) log M(0) into r->logM0.  A cell whose routes are all closed
 * gets +inf and no hub shares. */
static int routing_apply_columns(routing *r, struct world *w);
static void routing_fee_part(routing *r, struct world *w);

static int routing_apply(routing *r, struct world *w, int t, int baseline, errbuf *e)
{
    int nc = w->nc, ns = w->ns, nh = r->nhubs;
    size_t n3 = (size_t)nc * nc * ns;
    if (nh == 0) { /* M = G F */
        for (size_t c = 0; c < n3; c++)
            w->route_logM[c] = r->logF[c] + r->logG[c];
        return SANC_OK;
    }
    routing_set_kf(r, r->kappa);
    routing_map_clear(&r->amap);
    r->ntab = 0;
    double *shn = r->share_new;
    uint64_t lastm = 0;
    int32_t lastcls = -1;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                double lm;
                int32_t cl = -1;
                if (i == j) {
                    if (baseline)
                        r->logM0[c] = 0.0;
                    else {
                        w->route_logM[c] = 0.0;
                        r->cls[c] = -1;
                    }
                    continue;
                }
                double lf0 = baseline ? 0.0 : r->logF[c];
                uint64_t adm = 0;
                int pooled = 0;
                if (r->pool) {
                    adm = routing_adm(r, i, j, k, lf0);
                    pooled = routing_plain(r, w, i, j, k, c, lf0, adm, baseline);
                }
                if (pooled && adm == 0) {
                    lm = lf0;
                } else if (pooled) {
                    if (adm != lastm) {
                        int added;
                        size_t *slot = routing_map_slot(&r->amap, adm, &added);
                        if (slot == NULL || (added && routing_class_new(r, adm) != SANC_OK))
                            return err_set(e, SANC_ENOMEM, "out of memory");
                        if (added)
                            *slot = r->ntab - 1;
                        lastm = adm;
                        lastcls = (int32_t)*slot;
                    }
                    cl = lastcls;
                    lm = r->tablm[cl];
                } else {
                    double wd;
                    if (!routing_cell_base(r, w, i, j, k, c, lf0, baseline, &wd) ||
                        !routing_cell_shares(r, wd, lf0, &lm, r->csh)) {
                        /* the log-sum-exp definition */
                        routing_cell_weights(r, w, t, i, j, k, r->kappa, baseline);
                        double ls = routing_lse(r->lw, nh + 1);
                        lm = ls == -INFINITY ? INFINITY : routing_logM(r, lf0);
                        for (int h = 0; h < nh; h++)
                            r->csh[h] =
                                ls == -INFINITY || r->lw[1 + h] == -INFINITY ? 0.0 : exp(r->lw[1 + h] - ls);
                    }
                    if (!baseline)
                        for (int h = 0; h < nh; h++)
                            shn[h * n3 + c] = r->csh[h];
                    cl = -2;
                }
                if (baseline) {
                    r->logM0[c] = lm;
                    continue;
                }
                /* log M(t) - log M(0) with M(t) = G (sum m^-delta)^(-1/delta); M(0) is
                 * finite (it has the open direct route) */
                w->route_logM[c] = lm == INFINITY ? INFINITY : (r->logG[c] + lm) - r->logM0[c];
                if (r->cls[c] == -2 && cl != -2) /* its last shares may sit in sparse columns */
                    for (int h = 0; h < nh; h++)
                        shn[h * n3 + c] = cl < 0 ? 0.0 : r->tab[(size_t)cl * nh + h];
                r->cls[c] = cl;
            }
    if (baseline)
        return SANC_OK;
    if (r->fee != NULL) { /* after the columns below are complete */
        int rc = routing_apply_columns(r, w);
        routing_fee_part(r, w);
        return rc;
    }
    return routing_apply_columns(r, w);
}

/* The share columns of the pooled classes (routing_apply's second half). */
static int routing_apply_columns(routing *r, struct world *w)
{
    int nc = w->nc, ns = w->ns, nh = r->nhubs;
    size_t n3 = (size_t)nc * nc * ns;
    double *shn = r->share_new;
    unsigned char *sparse = r->sparse, *was = r->sparse + nh;
    for (int h = 0; h < nh; h++)
        sparse[h] = 1;
    for (size_t q = 0; q < r->ntab; q++)
        for (int h = 0; h < nh; h++)
            if (r->tab[q * nh + h] != 0.0)
                sparse[h] = 0;
    for (int h = 0; h < nh; h++) {
        int skip = sparse[h] && was[h];
        was[h] = sparse[h];
        if (skip) /* zero outside the cells written one by one, as it was */
            continue;
        double *col = shn + (size_t)h * n3;
        /* no table yet means no pooled cell (cls < 0 everywhere) */
        const double *tab = r->tab ? r->tab + h : NULL;
        for (size_t c = 0; c < n3; c++) {
            int32_t cl = r->cls[c];
            if (cl >= 0)
                col[c] = tab[(size_t)cl * nh];
            else if (cl == -1)
                col[c] = 0.0;
        }
    }
    return SANC_OK;
}

/* Hub fees: take the revenue part out of route_logM (see struct routing). */
static void routing_fee_part(routing *r, struct world *w)
{
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (size_t c = 0; c < n3; c++) {
        double f = 0.0;
        for (int h = 0; h < r->nhubs; h++)
            f += r->share_new[(size_t)h * n3 + c] * r->fee[h];
        double lf = log1p(f);
        if (!r->f0_ready)
            r->logf0[c] = lf;
        if (w->route_logM[c] != INFINITY)
            w->route_logM[c] -= lf - r->logf0[c];
    }
    r->f0_ready = 1;
}

/* ---- settings ---------------------------------------------------------- */

static int routing_read_hub(routing *r, const scenario *sc, struct world *w, config_setting_t *hg, int h,
                            errbuf *e)
{
    static const char *const keys[] = {"name", "via", "markup", "origins", "destinations", "sectors",
                                       "start", "end", "evasion_only", "capacity", "congestion", "fee",
                                       SC_DECISION_KEYS, NULL};
    routing_hub *hb = &r->hub[h];
    int rc = cfg_check_keys(hg, keys, e);
    if (rc != SANC_OK)
        return rc;
    const char *name = NULL;
    if ((rc = cfg_get_string(hg, "name", 1, &name, e)) != SANC_OK)
        return rc;
    if (name[0] == '\0')
        return cfg_fail(config_setting_get_member(hg, "name"), e, "empty hub name");
    for (int q = 0; q < h; q++)
        if (strcmp(r->hub_name[q], name) == 0)
            return cfg_fail(config_setting_get_member(hg, "name"), e, "duplicate hub name '%s'", name);
    size_t len = strlen(name) + 1;
    if ((r->hub_name[h] = malloc(len)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    memcpy(r->hub_name[h], name, len);

    if ((rc = scenario_country(sc, hg, "via", 1, &hb->via, e)) != SANC_OK)
        return rc;
    r->hub_via[h] = hb->via;
    if ((rc = cfg_get_double(hg, "markup", 1, &hb->markup, e)) != SANC_OK)
        return rc;
    if (!(hb->markup > 0.0))
        return cfg_fail(config_setting_get_member(hg, "markup"), e,
                        "must be > 0 (a cost multiplier relative to the direct route), got %g", hb->markup);

    hb->orig = malloc((size_t)w->nc);
    hb->dest = malloc((size_t)w->nc);
    hb->sect = malloc((size_t)w->ns);
    if (hb->orig == NULL || hb->dest == NULL || hb->sect == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    memset(hb->orig, 1, (size_t)w->nc);
    memset(hb->dest, 1, (size_t)w->nc);
    if ((rc = scenario_country_set(sc, hg, "origins", 0, hb->orig, e)) < 0 ||
        (rc = scenario_country_set(sc, hg, "destinations", 0, hb->dest, e)) < 0 ||
        (rc = scenario_sector_set(sc, hg, "sectors", hb->sect, e)) < 0)
        return rc;

    if (config_setting_get_member(hg, "start") != NULL) {
        if ((rc = scenario_window_decided(sc, hg, 0, &hb->start, &hb->end, &r->dec[h], e)) != SANC_OK)
            return rc;
    } else {
        hb->start = 0;
        hb->end = SC_END_NEVER;
        if ((rc = scenario_period(sc, hg, "end", 0, &hb->end, e)) < 0)
            return rc;
        if (hb->end <= 0)
            return cfg_fail(config_setting_get_member(hg, "end"), e,
                            "end (period %d) must come after start (period 0)", hb->end);
    }

    hb->evasion_only = 0;
    if ((rc = cfg_get_bool(hg, "evasion_only", 0, &hb->evasion_only, e)) < 0)
        return rc;
    hb->capacity = 0.0;
    rc = cfg_get_double(hg, "capacity", 0, &hb->capacity, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK && !(hb->capacity > 0.0))
        return cfg_fail(config_setting_get_member(hg, "capacity"), e, "must be > 0 (value per year), got %g",
                        hb->capacity);
    hb->congestion = 1.0;
    rc = cfg_get_double(hg, "congestion", 0, &hb->congestion, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK && !(hb->congestion > 0.0))
        return cfg_fail(config_setting_get_member(hg, "congestion"), e, "must be > 0, got %g", hb->congestion);
    hb->fee = 0.0;
    rc = cfg_get_double(hg, "fee", 0, &hb->fee, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK && !(hb->fee >= 0.0))
        return cfg_fail(config_setting_get_member(hg, "fee"), e, "must be >= 0 (ad valorem), got %g", hb->fee);
    if (hb->fee > 0.0)
        hb->markup *= 1.0 + hb->fee; /* the route's cost: kappa (1 + fee) */
    return SANC_OK;
}

static int routing_read(routing *r, const scenario *sc, const config_setting_t *g, struct world *w, errbuf *e)
{
    static const char *const keys[] = {"dispersion", "detection", "hubs", NULL};
    config_setting_t *hubs = NULL;
    int rc;
    r->delta = 8.0;
    r->detection = 0.0;
    if (g == NULL)
        return SANC_OK;
    if ((rc = cfg_check_keys(g, keys, e)) != SANC_OK)
        return rc;
    rc = cfg_get_double(g, "dispersion", 0, &r->delta, e);
    if (rc < 0)
        return rc;
    if (!(r->delta > 0.0))
        return cfg_fail(config_setting_get_member(g, "dispersion"), e, "must be > 0, got %g", r->delta);
    rc = cfg_get_double(g, "detection", 0, &r->detection, e);
    if (rc < 0)
        return rc;
    if (!(r->detection >= 0.0))
        return cfg_fail(config_setting_get_member(g, "detection"), e, "must be >= 0, got %g", r->detection);
    if ((rc = cfg_get_list(g, "hubs", 0, &hubs, e)) < 0)
        return rc;
    int n = hubs ? config_setting_length(hubs) : 0;
    if (n <= 0)
        return SANC_OK;

    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    r->hub = calloc((size_t)n, sizeof *r->hub);
    r->hub_name = calloc((size_t)n, sizeof *r->hub_name);
    r->hub_via = calloc((size_t)n, sizeof *r->hub_via);
    r->dec = calloc((size_t)n, sizeof *r->dec);
    if (r->hub == NULL || r->hub_name == NULL || r->hub_via == NULL || r->dec == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    r->nhubs = n;
    for (int h = 0; h < n; h++)
        if ((rc = routing_read_hub(r, sc, w, config_setting_get_elem(hubs, (unsigned)h), h, e)) != SANC_OK)
            return rc;
    r->share_new = calloc((size_t)n * n3, sizeof *r->share_new);
    r->share = calloc((size_t)n * n3, sizeof *r->share);
    r->kappa = calloc((size_t)n, sizeof *r->kappa);
    r->lw = calloc((size_t)n + 1, sizeof *r->lw);
    r->lb = calloc((size_t)n, sizeof *r->lb);
    r->sparse = calloc(2 * (size_t)n, sizeof *r->sparse);
    r->cls = calloc(n3, sizeof *r->cls);
    r->csh = calloc((size_t)n, sizeof *r->csh);
    r->kf = calloc((size_t)n, sizeof *r->kf);
    r->uprev = calloc((size_t)n, sizeof *r->uprev);
    r->act = calloc((size_t)n, sizeof *r->act);
    r->cslot = calloc((size_t)n, sizeof *r->cslot);
    r->logM0 = calloc(n3, sizeof *r->logM0);
    size_t n2 = (size_t)w->nc * w->ns;
    r->ein = calloc((size_t)n * n2, sizeof *r->ein);
    r->eout = calloc((size_t)n * n2, sizeof *r->eout);
    if (r->share_new == NULL || r->share == NULL || r->kappa == NULL || r->lw == NULL ||
        r->lb == NULL || r->sparse == NULL || r->cls == NULL || r->csh == NULL || r->kf == NULL || r->uprev == NULL ||
        r->act == NULL || r->cslot == NULL || r->logM0 == NULL || r->ein == NULL || r->eout == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory allocating route shares of %d hubs", n);
    for (int h = 0; h < n; h++) {
        r->cslot[h] = r->hub[h].capacity > 0.0 ? r->ncap++ : -1;
        r->uprev[h] = log(r->hub[h].markup);
    }
    int fees = 0;
    for (int h = 0; h < n; h++)
        fees |= r->hub[h].fee > 0.0;
    if (fees) {
        r->fee = calloc((size_t)n, sizeof *r->fee);
        r->logf0 = calloc(n3, sizeof *r->logf0);
        if (r->fee == NULL || r->logf0 == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        for (int h = 0; h < n; h++)
            r->fee[h] = r->hub[h].fee;
    }
    if (r->ncap > 0) {
        r->chub = calloc((size_t)r->ncap, sizeof *r->chub);
        r->cmk = calloc((size_t)r->ncap, sizeof *r->cmk);
        r->cz = calloc((size_t)r->ncap, sizeof *r->cz);
        if (r->chub == NULL || r->cmk == NULL || r->cz == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        for (int h = 0; h < n; h++)
            if (r->cslot[h] >= 0)
                r->chub[r->cslot[h]] = h;
    }
    /* admission masks need a bit per hub */
    r->masks = n <= ROUTING_MASK_HUBS;
    if (r->masks) {
        r->mo = calloc((size_t)w->nc, sizeof *r->mo);
        r->md = calloc((size_t)w->nc, sizeof *r->md);
        r->ms = calloc((size_t)w->ns, sizeof *r->ms);
        r->nzin = calloc(n2, sizeof *r->nzin);
        r->nzout = calloc(n2, sizeof *r->nzout);
        if (r->mo == NULL || r->md == NULL || r->ms == NULL || r->nzin == NULL || r->nzout == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }
    return SANC_OK;
}

/* ---- module ops -------------------------------------------------------- */

/* Route shares of period t's flows by vintage (DESIGN section 3 item 5),
 * the routing view's hook that gravity calls: flows carried over from t-1
 * keep t-1's route mix, new flows take the new shares,
 *   w_h(t) = ((1-lambda) phi(t-1) w_h(t-1) + lambda phi* w_h,new) / phi(t);
 * a cell with phi(t) = 0 carries nothing and takes the new shares. */
static void routing_vintage(void *self, const struct world *w, const double *phistar)
{
    routing *r = self;
    const scenario *sc = w->sc;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    /* hub by hub: each hub's share arrays stream through the cache once */
    for (int h = 0; h < r->nhubs; h++) {
        double *rs = r->share + (size_t)h * n3;
        const double *rn = r->share_new + (size_t)h * n3;
        for (int i = 0; i < w->nc; i++)
            for (int j = 0; j < w->nc; j++) {
                if (i == j)
                    continue;
                size_t c0 = W3(w, i, j, 0);
                for (int k = 0; k < w->ns; k++) {
                    size_t c = c0 + (size_t)k;
                    double lam = sc->lambda[k], phi = w->phi[c];
                    if (lam == 1.0 || !(phi > 0.0))
                        rs[c] = rn[c];
                    else
                        rs[c] = ((1.0 - lam) * w->phi_prev[c] * rs[c] + lam * phistar[c] * rn[c]) / phi;
                }
            }
    }
}

/* The view's look-ahead hook (DESIGN 3b): log M - log M(0) of every cell
 * with the hubs hub_on (NULL: those active in period w->t) open at the
 * current markups and the sanction factors logF, enf, by the log-sum-exp
 * definition (routing_cell_weights with other inputs).  Only the scratch
 * r->lw is written. */
static void routing_route_wedge(void *self, const struct world *w, const unsigned char *hub_on,
                                const double *logF, const double *enf, const double *logG, double *out,
                                double *share)
{
    routing *r = self;
    int nc = w->nc, ns = w->ns, nh = r->nhubs;
    size_t n3 = (size_t)nc * nc * ns;
    if (share != NULL)
        memset(share, 0, (size_t)nh * n3 * sizeof *share);
    if (nh == 0) {
        for (size_t c = 0; c < n3; c++)
            out[c] = logF[c] + logG[c];
        return;
    }
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                if (i == j) {
                    out[c] = 0.0;
                    continue;
                }
                double lf0 = logF[c];
                r->lw[0] = routing_logweight(r->delta, lf0);
                for (int h = 0; h < nh; h++) {
                    const routing_hub *hb = &r->hub[h];
                    r->lw[1 + h] = -INFINITY;
                    int on = hub_on ? hub_on[h] : routing_active(hb, w->t);
                    if (!on || !routing_admits(hb, i, j, k, lf0))
                        continue;
                    /* an evasion_only hub's legs pay the secondary factor (DESIGN 3a) */
                    size_t c1 = W3(w, i, hb->via, k), c2 = W3(w, hb->via, j, k);
                    double l1 = logF[c1] + (hb->evasion_only ? logG[c1] : 0.0);
                    double l2 = logF[c2] + (hb->evasion_only ? logG[c2] : 0.0);
                    if (l1 == INFINITY || l2 == INFINITY)
                        continue;
                    r->lw[1 + h] =
                        routing_logweight(r->delta, log(r->kappa[h]) + l1 + l2 + log1p(r->detection * enf[c]));
                }
                double ls = routing_lse(r->lw, nh + 1);
                double lm = ls == -INFINITY ? INFINITY : routing_logM(r, lf0);
                out[c] = lm == INFINITY ? INFINITY : (logG[c] + lm) - r->logM0[c];
                if (ls == -INFINITY || (share == NULL && r->fee == NULL))
                    continue;
                /* the route shares of new flows, and with fees the iceberg
                 * part only, as routing_apply and routing_fee_part do: the
                 * fee is revenue (DESIGN 2b), which the caller books from the
                 * shares */
                double f = 0.0;
                for (int h = 0; h < nh; h++) {
                    double s = r->lw[1 + h] == -INFINITY ? 0.0 : exp(r->lw[1 + h] - ls);
                    if (share != NULL)
                        share[(size_t)h * n3 + c] = s;
                    if (r->fee != NULL)
                        f += s * r->fee[h];
                }
                if (r->fee != NULL && out[c] != INFINITY)
                    out[c] -= log1p(f) - r->logf0[c];
            }
}

static int routing_init(struct model *m, const model_init *ctx, errbuf *e)
{
    routing *r = calloc(1, sizeof *r);
    if (r == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = r;
    struct world *w = ctx->w;
    r->w = w;
    const sanctions_view *sv = ctx->views->sanctions;
    if (sv != NULL) {
        r->logF = sv->logF;
        r->enf = sv->enf;
        r->logG = sv->logG;
    } else { /* no sanctions module: no factors */
        if ((r->zeros = calloc((size_t)w->nc * w->nc * w->ns, sizeof *r->zeros)) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        r->logF = r->enf = r->logG = r->zeros;
    }
    int rc = routing_read(r, ctx->sc, ctx->block, w, e);
    if (rc != SANC_OK)
        return rc;
    r->gv = ctx->views->governments;
    if (r->gv != NULL) {
        config_setting_t *hubs = ctx->block ? config_setting_get_member(ctx->block, "hubs") : NULL;
        for (int h = 0; h < r->nhubs; h++) {
            gov_item it = {.kind = GOV_HUB, .index = h, .name = r->hub_name[h], .start = r->hub[h].start,
                           .end = r->hub[h].end, .dec = &r->dec[h], .implicit_partner = r->hub[h].via,
                           .where = config_setting_get_elem(hubs, (unsigned)h)};
            if ((rc = r->gv->declare(r->gv->self, &it, e)) != SANC_OK)
                return rc;
        }
    }
    r->view = (routing_view){
        .nhubs = r->nhubs, .hub_name = r->hub_name, .hub_via = r->hub_via, .share_new = r->share_new,
        .share = r->share, .fee = r->fee, .vintage = routing_vintage, .self = r, .route_wedge = routing_route_wedge,
    };
    ctx->views->routing = &r->view;
    world_set_dim(w, DIM_HUB, r->nhubs, r->hub_name);
    if (r->nhubs == 0)
        return routing_apply(r, w, 0, 0, e);

    /* The baseline: period 0's hubs at their bare markups, no sanctions. */
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (int h = 0; h < r->nhubs; h++)
        r->kappa[h] = r->hub[h].markup;
    routing_prepare(r, w, 0, 1);
    if ((rc = routing_apply(r, w, 0, 1, e)) != SANC_OK)
        return rc;
    /* V_h(0); 0 for a hub that opens later (all its traffic is new) */
    int cap0 = 0;
    for (int h = 0; h < r->nhubs; h++)
        cap0 |= r->hub[h].capacity > 0.0 && routing_active(&r->hub[h], 0);
    if (cap0) {
        if ((rc = routing_build(r, w, 0, w->X0, 1, e)) != SANC_OK)
            return rc;
        for (int p = 0; p < r->ncap; p++)
            r->cz[p] = 1.0;
        for (int h = 0; h < r->nhubs; h++)
            if (r->hub[h].capacity > 0.0 && routing_active(&r->hub[h], 0)) {
                double dv;
                r->hub[h].V0 = routing_volume(r, r->cslot[h], 1.0, &dv);
            }
    }
    routing_prepare(r, w, 0, 0);
    if ((rc = routing_solve_kappa(r, w, 0, e)) != SANC_OK)
        return rc;
    if ((rc = routing_apply(r, w, 0, 0, e)) != SANC_OK)
        return rc;
    memcpy(r->share, r->share_new, (size_t)r->nhubs * n3 * sizeof *r->share);

    schema_var kv = {
        .name = "hub_markup", .units = "1", .long_name = "effective hub markup",
        .description = "cost multiplier kappa of routing via the hub relative to the direct baseline cost: the "
                       "configured markup, raised by congestion when the hub has a capacity (the configured "
                       "markup also while the hub is inactive); for a hub with a fee, times 1 + fee (the fee is "
                       "part of the route's cost and earns the via country revenue, see wedge_revenue)",
        .ndims = 1, .dims = {DIM_HUB}, .data = r->kappa,
    };
    return world_add_var(w, &kv, e);
}

static int routing_step(struct model *m, struct world *w, int t, errbuf *e)
{
    routing *r = m->data;
    if (r->gv != NULL) /* decided openings and stops */
        for (int h = 0; h < r->nhubs; h++)
            r->gv->window(r->gv->self, GOV_HUB, h, &r->hub[h].start, &r->hub[h].end);
    if (r->nhubs > 0)
        routing_prepare(r, w, t, 0);
    int rc = routing_solve_kappa(r, w, t, e);
    if (rc != SANC_OK)
        return rc;
    return routing_apply(r, w, t, 0, e);
}

static void routing_finish(struct model *m)
{
    routing *r = m->data;
    if (r == NULL)
        return;
    for (int h = 0; h < r->nhubs; h++) {
        free(r->hub[h].orig);
        free(r->hub[h].dest);
        free(r->hub[h].sect);
    }
    /* the labels leave the world's output schema with us */
    struct world *w = r->w;
    if (r->hub_name != NULL) {
        for (int h = 0; h < r->nhubs; h++)
            free(r->hub_name[h]);
        free(r->hub_name);
        r->hub_name = NULL;
        w->out.dim_labels[DIM_HUB] = NULL;
        w->out.dim_n[DIM_HUB] = 0;
    }
    free(r->hub);
    free(r->hub_via);
    free(r->dec);
    free(r->share_new);
    free(r->share);
    free(r->zeros);
    free(r->kappa);
    free(r->logM0);
    free(r->fee);
    free(r->logf0);
    free(r->lw);
    free(r->lb);
    free(r->sparse);
    free(r->cls);
    free(r->tab);
    free(r->tablm);
    free(r->csh);
    free(r->kf);
    free(r->uprev);
    free(r->act);
    free(r->cslot);
    free(r->chub);
    free(r->cmk);
    free(r->cz);
    free(r->ein);
    free(r->eout);
    free(r->mo);
    free(r->md);
    free(r->ms);
    free(r->nzin);
    free(r->nzout);
    free(r->q);
    routing_map_free(&r->qmap);
    routing_map_free(&r->amap);
    free(r);
    m->data = NULL;
}

const model_ops routing_ops = {routing_init, routing_step, routing_finish, NULL};
