/*
 * routing.c - transit corridors and re-export hubs (DESIGN section 3, item 4).
 *
 * A cross-border cell (i,j,k) ships direct or via any active hub h whose via
 * country v is neither i nor j and whose filters admit the cell.  Route cost
 * multipliers relative to the baseline direct cost:
 *     direct  m_0 = F_ijk
 *     via h   m_h = kappa_h F_ivk F_vjk (1 + detection e_ijk)
 * New flows split as w_r = m_r^-delta / sum_r m_r^-delta (Frechet dispersion,
 * Allen and Arkolakis 2022); the cell's aggregate cost is
 * M = (sum_r m_r^-delta)^(-1/delta), and gravity reads the wedge
 * route_logM = log M(t) - log M(0).  Everything is done in log-sum-exp form
 * because a banned route has log m = +inf.
 *
 * With `capacity`, a hub's markup rises with the value it carries beyond its
 * baseline volume.  The congested markup is the fixed point of
 *     kappa_h = markup_h (1 + (max(0, V_h(kappa) - V_h(0)) / capacity_h)^congestion)
 * with V_h evaluated at today's shares and last period's flows, solved hub
 * after hub (Gauss-Seidel) each period.  Pricing congestion from last
 * period's volume alone would make a cobweb (a full hub becomes dear and
 * empties, then cheap and full again); the fixed point cannot oscillate.
 *
 * Outputs owned here: the hub dimension's labels and `hub_markup(time, hub)`
 * (the effective kappa_h); `transit` is computed by the metrics module from
 * the route shares that gravity ages by vintage.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "model.h"
#include "scenario.h"
#include "world.h"

#define ROUTING_KAPPA_TOL 1e-12 /* relative change that ends the Gauss-Seidel sweeps */
#define ROUTING_MAX_SWEEPS 10000
#define ROUTING_MAX_ROOT_ITER 300

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
} routing_hub;

typedef struct routing {
    struct world *w;   /* to release the hub labels in finish */
    double delta, detection;
    int nhubs;
    routing_hub *hub;
    double *kappa;     /* nhubs: effective markups of the current period (output) */
    double *logM0;     /* n3: log M(0) */
    double *lw;        /* nhubs + 1: scratch log weights of one cell */
    /* scratch of the capacity solve: one entry per admitted cell with flow */
    double *cx, *cla, *crest;
    size_t ncap;
} routing;

/* ---- route weights of one cell ---------------------------------------- */

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

/* Hub h's log cost on cell (i,j,k) without its markup: legs i->v, v->j and
 * the detection risk of the evaded measure.  baseline: no sanctions. */
static double routing_hub_rest(const routing *r, const struct world *w, const routing_hub *h, int i, int j,
                               int k, int baseline)
{
    if (baseline)
        return 0.0;
    size_t c = W3(w, i, j, k);
    double l1 = w->sanction_logF[W3(w, i, h->via, k)], l2 = w->sanction_logF[W3(w, h->via, j, k)];
    if (l1 == INFINITY || l2 == INFINITY)
        return INFINITY;
    return l1 + l2 + log1p(r->detection * w->sanction_e[c]);
}

/* Log weights of every route of cell (i,j,k) at period t with markups
 * kappa into r->lw (lw[0] direct, lw[1+h] hub h; -inf: closed or not
 * admitted).  Returns the direct route's log F. */
static double routing_cell_weights(const routing *r, const struct world *w, int t, int i, int j, int k,
                                   const double *kappa, int baseline)
{
    double lf0 = baseline ? 0.0 : w->sanction_logF[W3(w, i, j, k)];
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

/* ---- congestion: the markup fixed point ------------------------------- */

typedef struct routing_vfun {
    const routing *r;
    const routing_hub *hb;
    double vfix;       /* flow through h whatever its markup (no other route open) */
} routing_vfun;

/* V_h at log markup u: sum over admitted cells of the logistic share of h
 * against the cell's other routes (log-sum LA), times last period's flow. */
static double routing_volume(const routing_vfun *f, double u)
{
    const routing *r = f->r;
    double v = f->vfix;
    for (size_t q = 0; q < r->ncap; q++) {
        double z = r->cla[q] + r->delta * (u + r->crest[q]); /* log(others / h) */
        v += r->cx[q] * (z > 0.0 ? exp(-z) / (1.0 + exp(-z)) : 1.0 / (1.0 + exp(z)));
    }
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

/* g(u) = u - log kappa_target(u): increasing in u, its root is log kappa_h. */
static double routing_gap(double u, void *p)
{
    const routing_vfun *f = p;
    double excess = routing_volume(f, u) - f->hb->V0;
    return u - log(f->hb->markup) - routing_log1p_pow(excess > 0.0 ? excess / f->hb->capacity : 0.0,
                                                       f->hb->congestion);
}

/* Gather the cells that can send flow X through hub h at period t (the
 * other hubs at kappa) into the scratch lists of f.  The baseline volume
 * V_h(0) is gathered by this same code, so that an unshocked period finds
 * exactly zero excess volume and keeps the bare markup. */
static void routing_collect(routing *r, const struct world *w, int t, int h, const double *kappa,
                            const double *X, int baseline, routing_vfun *f)
{
    const routing_hub *hb = &r->hub[h];
    int nc = w->nc, ns = w->ns;
    f->r = r;
    f->hb = hb;
    f->vfix = 0.0;
    r->ncap = 0;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            if (i == j)
                continue;
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                double x = X[c];
                if (!(x > 0.0))
                    continue;
                routing_cell_weights(r, w, t, i, j, k, kappa, baseline);
                if (r->lw[1 + h] == -INFINITY)
                    continue;
                double rest = routing_hub_rest(r, w, hb, i, j, k, baseline);
                r->lw[1 + h] = -INFINITY;
                double la = routing_lse(r->lw, r->nhubs + 1);
                if (la == -INFINITY) {
                    f->vfix += x;
                    continue;
                }
                r->cx[r->ncap] = x;
                r->cla[r->ncap] = la;
                r->crest[r->ncap] = rest;
                r->ncap++;
            }
        }
}

/* Solve hub h's markup given the other hubs' current kappas. */
static int routing_solve_hub(routing *r, struct world *w, int t, int h, double *kappa, errbuf *e)
{
    const routing_hub *hb = &r->hub[h];
    routing_vfun f;
    routing_collect(r, w, t, h, kappa, w->X, 0, &f);

    double lo = log(hb->markup);
    double glo = routing_gap(lo, &f);
    if (glo >= 0.0) { /* no excess volume at the bare markup */
        kappa[h] = hb->markup;
        return SANC_OK;
    }
    /* the target is decreasing in u, so its value at lo bounds the root */
    double hi = lo - glo;
    if (routing_gap(hi, &f) <= 0.0) {
        kappa[h] = exp(hi);
        return SANC_OK;
    }

    gsl_function F = {routing_gap, &f};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (s == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int status = gsl_root_fsolver_set(s, &F, lo, hi);
    int it = 0;
    while (status == GSL_SUCCESS && it++ < ROUTING_MAX_ROOT_ITER) {
        status = gsl_root_fsolver_iterate(s);
        if (status != GSL_SUCCESS)
            break;
        lo = gsl_root_fsolver_x_lower(s);
        hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 1e-15, 1e-15) == GSL_SUCCESS)
            break;
    }
    double u = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    if (status != GSL_SUCCESS || it > ROUTING_MAX_ROOT_ITER || !isfinite(u))
        return err_set(e, SANC_ENOCONV, "routing: period %d: congested markup of hub '%s' did not converge",
                       t, w->hub_name[h]);
    /* take whichever bracket end satisfies the equation best */
    double best = u, gb = fabs(routing_gap(u, &f));
    double ends[2] = {lo, hi};
    for (int q = 0; q < 2; q++) {
        double g = fabs(routing_gap(ends[q], &f));
        if (g < gb)
            gb = g, best = ends[q];
    }
    kappa[h] = exp(best);
    return SANC_OK;
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
    for (int sweep = 0; sweep < ROUTING_MAX_SWEEPS; sweep++) {
        double moved = 0.0;
        for (int h = 0; h < r->nhubs; h++) {
            if (!(r->hub[h].capacity > 0.0) || !routing_active(&r->hub[h], t))
                continue;
            double old = r->kappa[h];
            int rc = routing_solve_hub(r, w, t, h, r->kappa, e);
            if (rc != SANC_OK)
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

/* route_logM and route_share_new of period t at the current kappas.
 * A cell whose routes are all closed gets +inf and no hub shares. */
static void routing_apply(routing *r, struct world *w, int t)
{
    int nc = w->nc, ns = w->ns;
    size_t n3 = (size_t)nc * nc * ns;
    if (r->nhubs == 0) {
        memcpy(w->route_logM, w->sanction_logF, n3 * sizeof *w->route_logM);
        return;
    }
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                if (i == j) {
                    w->route_logM[c] = 0.0;
                    for (int h = 0; h < r->nhubs; h++)
                        w->route_share_new[h * n3 + c] = 0.0;
                    continue;
                }
                double lf0 = routing_cell_weights(r, w, t, i, j, k, r->kappa, 0);
                double ls = routing_lse(r->lw, r->nhubs + 1);
                if (ls == -INFINITY) {
                    w->route_logM[c] = INFINITY;
                    for (int h = 0; h < r->nhubs; h++)
                        w->route_share_new[h * n3 + c] = 0.0;
                    continue;
                }
                for (int h = 0; h < r->nhubs; h++)
                    w->route_share_new[h * n3 + c] = r->lw[1 + h] == -INFINITY ? 0.0 : exp(r->lw[1 + h] - ls);
                /* log M(t) - log M(0); both finite here (M(0) has the open direct route) */
                w->route_logM[c] = routing_logM(r, lf0) - r->logM0[c];
            }
}

/* ---- settings ---------------------------------------------------------- */

static int routing_read_hub(routing *r, const scenario *sc, struct world *w, config_setting_t *hg, int h,
                            errbuf *e)
{
    static const char *const keys[] = {"name", "via", "markup", "origins", "destinations", "sectors",
                                       "start", "end", "evasion_only", "capacity", "congestion", NULL};
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
        if (strcmp(w->hub_name[q], name) == 0)
            return cfg_fail(config_setting_get_member(hg, "name"), e, "duplicate hub name '%s'", name);
    size_t len = strlen(name) + 1;
    if ((w->hub_name[h] = malloc(len)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    memcpy(w->hub_name[h], name, len);

    if ((rc = scenario_country(sc, hg, "via", 1, &hb->via, e)) != SANC_OK)
        return rc;
    w->hub_via[h] = hb->via;
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
        if ((rc = scenario_window(sc, hg, 0, &hb->start, &hb->end, e)) != SANC_OK)
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
    return SANC_OK;
}

static int routing_read(routing *r, const scenario *sc, struct world *w, errbuf *e)
{
    static const char *const keys[] = {"dispersion", "detection", "hubs", NULL};
    config_setting_t *g = NULL, *hubs = NULL;
    int rc = cfg_get_group(config_root_setting(&sc->cfg.lc), "routing", 0, &g, e);
    if (rc < 0)
        return rc;
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
    w->hub_name = calloc((size_t)n, sizeof *w->hub_name);
    w->hub_via = calloc((size_t)n, sizeof *w->hub_via);
    if (r->hub == NULL || w->hub_name == NULL || w->hub_via == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    r->nhubs = n;
    w->nhubs = n;
    for (int h = 0; h < n; h++)
        if ((rc = routing_read_hub(r, sc, w, config_setting_get_elem(hubs, (unsigned)h), h, e)) != SANC_OK)
            return rc;
    w->route_share_new = calloc((size_t)n * n3, sizeof *w->route_share_new);
    w->route_share = calloc((size_t)n * n3, sizeof *w->route_share);
    r->kappa = calloc((size_t)n, sizeof *r->kappa);
    r->lw = calloc((size_t)n + 1, sizeof *r->lw);
    r->logM0 = calloc(n3, sizeof *r->logM0);
    int congested = 0;
    for (int h = 0; h < n; h++)
        congested |= r->hub[h].capacity > 0.0;
    if (congested) {
        r->cx = calloc(n3, sizeof *r->cx);
        r->cla = calloc(n3, sizeof *r->cla);
        r->crest = calloc(n3, sizeof *r->crest);
    }
    if (w->route_share_new == NULL || w->route_share == NULL || r->kappa == NULL || r->lw == NULL ||
        r->logM0 == NULL || (congested && (r->cx == NULL || r->cla == NULL || r->crest == NULL)))
        return err_set(e, SANC_ENOMEM, "out of memory allocating route shares of %d hubs", n);
    return SANC_OK;
}

/* ---- module ops -------------------------------------------------------- */

static int routing_init(struct model *m, const struct scenario *sc, struct world *w, errbuf *e)
{
    routing *r = calloc(1, sizeof *r);
    if (r == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = r;
    r->w = w;
    gsl_set_error_handler_off();
    int rc = routing_read(r, sc, w, e);
    if (rc != SANC_OK)
        return rc;
    world_set_dim(w, DIM_HUB, r->nhubs, w->hub_name);
    if (r->nhubs == 0) {
        routing_apply(r, w, 0);
        return SANC_OK;
    }

    /* The baseline: period 0's hubs at their bare markups, no sanctions. */
    int nc = w->nc, ns = w->ns;
    size_t n3 = (size_t)nc * nc * ns;
    for (int h = 0; h < r->nhubs; h++)
        r->kappa[h] = r->hub[h].markup;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                if (i == j)
                    continue;
                routing_cell_weights(r, w, 0, i, j, k, r->kappa, 1);
                r->logM0[c] = routing_logM(r, 0.0);
            }
    /* V_h(0); 0 for a hub that opens later (all its traffic is new) */
    for (int h = 0; h < r->nhubs; h++)
        if (r->hub[h].capacity > 0.0 && routing_active(&r->hub[h], 0)) {
            routing_vfun f;
            routing_collect(r, w, 0, h, r->kappa, w->X0, 1, &f);
            r->hub[h].V0 = routing_volume(&f, log(r->hub[h].markup));
        }
    if ((rc = routing_solve_kappa(r, w, 0, e)) != SANC_OK)
        return rc;
    routing_apply(r, w, 0);
    memcpy(w->route_share, w->route_share_new, (size_t)r->nhubs * n3 * sizeof *w->route_share);

    world_var kv = {
        .name = "hub_markup", .units = "1", .long_name = "effective hub markup",
        .description = "cost multiplier kappa of routing via the hub relative to the direct baseline cost: the "
                       "configured markup, raised by congestion when the hub has a capacity (the configured "
                       "markup also while the hub is inactive)",
        .ndims = 1, .dims = {DIM_HUB}, .data = r->kappa,
    };
    return world_add_var(w, &kv, e);
}

static int routing_step(struct model *m, struct world *w, int t, errbuf *e)
{
    routing *r = m->data;
    int rc = routing_solve_kappa(r, w, t, e);
    if (rc != SANC_OK)
        return rc;
    routing_apply(r, w, t);
    return SANC_OK;
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
    /* the labels are ours; world_destroy frees the numeric hub arrays */
    struct world *w = r->w;
    if (w->hub_name != NULL) {
        for (int h = 0; h < w->nhubs; h++)
            free(w->hub_name[h]);
        free(w->hub_name);
        w->hub_name = NULL;
        w->dim_labels[DIM_HUB] = NULL;
        w->dim_n[DIM_HUB] = 0;
    }
    free(r->hub);
    free(r->kappa);
    free(r->logM0);
    free(r->lw);
    free(r->cx);
    free(r->cla);
    free(r->crest);
    free(r);
    m->data = NULL;
}

const model_ops routing_ops = {routing_init, routing_step, routing_finish};
