/*
 * gravity.c - the pipeline's trade module: turns the period's wedges into
 * target openness, applies partial adjustment, and solves the static
 * general equilibrium of DESIGN section 2 (models/ge.c).
 *
 *   target  phi*_ijk = (shock factors x M(t)/M(0) x payment wedge x noise)^(1-sigma_k)
 *   partial phi(t)   = (1 - lambda_k) phi(t-1) + lambda_k phi*(t),  phi(0) = 1
 *
 * Everything is assembled in logs so that a closed cell (+inf cost) or
 * sigma near 1 never overflows.  The solver is warm-started from the last
 * period's prices.
 *
 * Route shares age by the same vintages as openness: once phi(t) is known,
 * gravity calls the routing view's `vintage` hook with the targets phi*
 * (the shares are routing's; views.h).
 * The equilibrium is the run's GE model (trade.model, ge_model.h):
 * `armington` without revenue wedges takes the path it always took (bit
 * for bit); with revenue wedges, or under `io`, gravity also assembles each
 * period's wedge levels (DESIGN 2b): tariff = baseline (the io data's) or a
 * level from events / trade measures, plus their increments; export tax =
 * increments; hub fees from routing's current route shares; and records
 * the extra outputs (value_added_price, wedge_revenue; under io also wage,
 * real_wage, value_added, welfare_tot/vot/tech).  Under io, period 0 is the
 * re-solved baseline, computed before any module starts (gravity_prepare)
 * so that every module's "baseline" is period 0 as recorded.
 *
 * Noise (trade.noise): per pair z(t) = rho z(t-1) + sqrt(1-rho^2) eps,
 * z(0) = 0, eps ~ N(0,1) from the run's noise stream drawn pair by pair in
 * the order (i, j), i != j, only when sd > 0; the target's openness is
 * multiplied by exp(sd z - sd^2/2).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "ge_model.h"
#include "gravity.h"
#include "iodata.h"
#include "model.h"
#include "rng.h"
#include "scenario.h"
#include "world.h"

typedef struct gravity {
    const ge_model_ops *ops;
    ge_model *model;
    int plain;           /* armington without revenue wedges: the path of DESIGN section 2 alone */
    int io;              /* trade.model = "io" */
    const sanctions_view *sanctions;
    /* revenue wedges: levels of the current period, and period 0's */
    double *tariff0;     /* n3 baseline tariff (io data; NULL: 0) */
    double *tariff, *export_tax; /* n3 */
    ge_io_fee *fee, *fee0;
    int nfee, capfee, nfee0;
    ge_io_wedges wedges, wedges0;
    /* outputs beyond section 2's */
    double *va_price, *value_added; /* nc*ns */
    double *wage, *real_wage, *revenue, *tot, *vot, *tech; /* nc */
    double max_change;   /* baseline_resolve_max_wage_change */
    double *trade0;      /* nc: cross-border trade (exports + imports) in period 0 */
    double *phistar;     /* nc*nc*ns target openness of t (only with hubs: vintages) */
    const routing_view *routing; /* NULL without the routing module */
    double *z;           /* nc*nc AR(1) noise state (only with noise) */
    gsl_rng *rng;        /* the run's noise stream (only with noise) */
    double *lphat_step;  /* nc*ns: log phat(t-1) - log phat(t-2), for the warm start */
} gravity;

static void gravity_free(gravity *g)
{
    if (g == NULL)
        return;
    ge_model_destroy(g->model);
    free(g->trade0);
    free(g->lphat_step);
    free(g->phistar);
    free(g->z);
    if (g->rng != NULL)
        gsl_rng_free(g->rng);
    double *arr[] = {g->tariff0, g->tariff, g->export_tax, g->va_price, g->value_added, g->wage,
                     g->real_wage, g->revenue, g->tot, g->vot, g->tech};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
        free(arr[i]);
    free(g->fee);
    free(g->fee0);
    free(g);
}

int gravity_spec(const struct world *w, ge_model_spec *s, ge_io_wedges *store)
{
    const scenario *sc = w->sc;
    int io = strcmp(sc->model, "io") == 0;
    *s = (ge_model_spec){
        .nc = w->nc, .ns = w->ns, .X0 = w->X0, .sigma = sc->sigma, .imbalance = sc->imbalance,
        .factors = sc->factors == SC_FACTORS_MOBILE ? GE_IO_MOBILE : GE_IO_SECTOR_SPECIFIC,
        .baseline_deficits = sc->baseline_deficits == SC_BASELINE_DEFICITS_ZERO ? GE_IO_DEFICITS_ZERO
                                                                                 : GE_IO_DEFICITS_DATA,
        .io = sc->data->io, .revenue = w->wedges != NULL, .base = w->wedges0, .tol = 1e-12,
        .max_iter = io ? 500 : 10000, .country = sc->country, .sector = sc->sector,
    };
    if (io) { /* the io model's baseline wedges: the data's tariffs, and the hub
                 fees of period 0 (gravity's own once it started, else the
                 run's second set-up pass's) */
        s->X0 = sc->data->trade.X;
        s->base = NULL;
        const ge_io_fee *fee = w->wedges0 != NULL ? w->wedges0->fee : w->fee0_in;
        int nfee = w->wedges0 != NULL ? w->wedges0->nfee : w->nfee0_in;
        if (nfee > 0) {
            *store = (ge_io_wedges){NULL, NULL, fee, nfee};
            s->base = store;
        }
    }
    return io;
}

static int gravity_model_create_bare(const struct world *w, gravity *g, errbuf *e)
{
    ge_model_spec s;
    ge_io_wedges store;
    gravity_spec(w, &s, &store);
    return g->ops->create(&g->model, &s, e);
}

int gravity_model_create(const struct world *w, ge_model **m, errbuf *e)
{
    ge_model_spec s;
    ge_io_wedges store;
    gravity_spec(w, &s, &store);
    const ge_model_ops *ops = ge_model_find(w->sc->model);
    if (ops == NULL)
        return err_set(e, SANC_ECONFIG, "unknown trade.model '%s' (expected %s)", w->sc->model, ge_model_names());
    int rc = ops->create(m, &s, e);
    if (rc != SANC_OK || !(ops->has & GE_HAS_RESOLVE))
        return rc;
    /* period 0 again (deterministic: the run's own period 0) */
    size_t nc = (size_t)w->nc, ns = (size_t)w->ns, n3 = nc * nc * ns;
    double *X = malloc(n3 * sizeof *X), *h = malloc(2 * nc * ns * sizeof *h), *c = malloc(5 * nc * sizeof *c);
    if (X == NULL || h == NULL || c == NULL)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    else {
        ge_model_out o = {.X = X, .phat = h, .Phat = h + nc * ns, .Y = c, .E = c + nc, .welfare = c + 2 * nc,
                          .price_index = c + 3 * nc, .deficits = c + 4 * nc};
        rc = ops->baseline(*m, &o, NULL, e);
    }
    free(X);
    free(h);
    free(c);
    if (rc != SANC_OK) {
        ge_model_destroy(*m);
        *m = NULL;
    }
    return rc;
}

/* Allocate the outputs beyond section 2's (revenue case and io). */
static int gravity_alloc_extra(gravity *g, const struct world *w, errbuf *e)
{
    size_t nc = (size_t)w->nc, nk = nc * (size_t)w->ns, n3 = nk * nc;
    g->va_price = calloc(nk, sizeof *g->va_price);
    g->value_added = calloc(nk, sizeof *g->value_added);
    g->wage = calloc(nc, sizeof *g->wage);
    g->real_wage = calloc(nc, sizeof *g->real_wage);
    g->revenue = calloc(nc, sizeof *g->revenue);
    g->tot = calloc(nc, sizeof *g->tot);
    g->vot = calloc(nc, sizeof *g->vot);
    g->tech = calloc(nc, sizeof *g->tech);
    g->tariff = calloc(n3, sizeof *g->tariff);
    g->export_tax = calloc(n3, sizeof *g->export_tax);
    if (!g->va_price || !g->value_added || !g->wage || !g->real_wage || !g->revenue || !g->tot || !g->vot ||
        !g->tech || !g->tariff || !g->export_tax)
        return err_set(e, SANC_ENOMEM, "out of memory");
    return SANC_OK;
}

/* The model's period 0 into the world (when it is not the data as the
 * world holds it): flows, spending, deficits; and the extra outputs. */
static int gravity_baseline(gravity *g, struct world *w, errbuf *e)
{
    size_t nc = (size_t)w->nc, n3 = nc * nc * (size_t)w->ns;
    double *X = malloc(n3 * sizeof *X), *E = malloc(nc * sizeof *E), *D = malloc(nc * sizeof *D);
    int rc = SANC_OK;
    if (X == NULL || E == NULL || D == NULL)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    ge_model_out o = {
        .X = X, .phat = w->phat, .Phat = w->Phat, .Y = w->Y, .E = E, .welfare = w->welfare,
        .price_index = w->price_index, .va_price = g->va_price, .wage = g->wage, .real_wage = g->real_wage,
        .value_added = g->value_added, .revenue = g->revenue, .deficits = D, .tot = g->tot, .vot = g->vot,
        .tech = g->tech,
    };
    if (rc == SANC_OK)
        rc = g->ops->baseline(g->model, &o, &g->max_change, e);
    if (rc == SANC_OK)
        rc = world_rebase(w, X, E, D, e);
    w->solver_iterations = o.iterations;
    w->solver_residual = o.residual;
    free(X);
    free(E);
    free(D);
    return rc;
}

int gravity_prepare(struct world *w, errbuf *e)
{
    if (strcmp(w->sc->model, "io") != 0 || w->ge_prepared != NULL)
        return SANC_OK;
    gravity *g = calloc(1, sizeof *g);
    if (g == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    g->io = 1;
    g->ops = ge_model_find(w->sc->model);
    int rc = gravity_alloc_extra(g, w, e);
    if (rc == SANC_OK)
        rc = gravity_model_create_bare(w, g, e);
    if (rc == SANC_OK)
        rc = gravity_baseline(g, w, e);
    if (rc != SANC_OK) {
        gravity_free(g);
        return rc;
    }
    w->ge_prepared = g;
    return SANC_OK;
}

void gravity_release(struct world *w)
{
    gravity_free(w->ge_prepared);
    w->ge_prepared = NULL;
}

int gravity_fee_list(const routing_view *rv, const double *share, const struct world *w, ge_io_fee **list, int *n,
                     int *cap, errbuf *e)
{
    *n = 0;
    if (rv == NULL || rv->fee == NULL)
        return SANC_OK;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (int h = 0; h < rv->nhubs; h++) {
        if (!(rv->fee[h] > 0.0))
            continue;
        const double *sh = share + (size_t)h * n3;
        for (size_t c = 0; c < n3; c++) {
            if (!(sh[c] > 0.0))
                continue;
            if (*n == *cap) {
                int nc = *cap ? 2 * *cap : 1024;
                ge_io_fee *p = realloc(*list, (size_t)nc * sizeof *p);
                if (p == NULL)
                    return err_set(e, SANC_ENOMEM, "out of memory");
                *list = p;
                *cap = nc;
            }
            (*list)[(*n)++] = (ge_io_fee){c, rv->hub_via[h], sh[c] * rv->fee[h]};
        }
    }
    return SANC_OK;
}

/* The hub fees of routing's current route shares (period 0's: DESIGN 2b, a
 * fee on a hub active in period 0 is part of the baseline). */
static int gravity_fees(const routing_view *rv, const struct world *w, ge_io_fee **list, int *n, int *cap,
                        errbuf *e)
{
    return gravity_fee_list(rv, rv != NULL ? rv->share : NULL, w, list, n, cap, e);
}

/* io: were period 0's hub fees (routing's, just read into g->fee0) those
 * period 0 was solved with (w->fee0_in)?  None on either side: yes.  Fees
 * the first set-up pass did not know: hand a copy to the run, which sets up
 * again with them (w->fee0_redo; DESIGN 2b: a fee on a hub active in period
 * 0 is part of the re-solved baseline).  Fees that differ from those of
 * the second pass: period 0's route shares moved with the re-solved flows
 * (a measure active in period 0), which has no fixed point here: exit 2. */
static int gravity_fees0_check(gravity *g, struct world *w, errbuf *e)
{
    int same = g->nfee0 == w->nfee0_in;
    for (int q = 0; same && q < g->nfee0; q++) {
        const ge_io_fee *a = &g->fee0[q], *b = &w->fee0_in[q];
        same = a->cell == b->cell && a->hub == b->hub && fabs(a->rate - b->rate) <= 1e-12 * fmax(1.0, b->rate);
    }
    if (same)
        return SANC_OK;
    if (w->fee0_in != NULL)
        return err_set(e, SANC_ECONFIG,
                       "hub fees active in period 0 depend on period 0's re-solved flows (a measure active in "
                       "period 0 moves the route shares): with trade.model = \"io\" start the hub or the measure "
                       "at period 1 or later");
    free(w->fee0_redo);
    if ((w->fee0_redo = malloc((size_t)g->nfee0 * sizeof *w->fee0_redo)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    memcpy(w->fee0_redo, g->fee0, (size_t)g->nfee0 * sizeof *w->fee0_redo);
    w->nfee0_redo = g->nfee0;
    return SANC_OK;
}

static int gravity_init(struct model *m, const model_init *ctx, errbuf *e)
{
    const struct scenario *sc = ctx->sc;
    struct world *w = ctx->w;
    gravity *g = w->ge_prepared; /* io: created before the modules (gravity_prepare) */
    w->ge_prepared = NULL;
    if (g == NULL && (g = calloc(1, sizeof *g)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = g;
    g->io = strcmp(sc->model, "io") == 0;
    if ((g->ops = ge_model_find(sc->model)) == NULL)
        return cfg_fail(config_lookup(&sc->cfg.lc, "trade.model"), e, "unknown model '%s' (expected %s)", sc->model,
                        ge_model_names());
    g->routing = ctx->views->routing;
    g->sanctions = ctx->views->sanctions;
    g->trade0 = calloc((size_t)w->nc, sizeof *g->trade0);
    g->lphat_step = calloc((size_t)w->nc * w->ns, sizeof *g->lphat_step);
    if (g->trade0 == NULL || g->lphat_step == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (g->routing != NULL && g->routing->nhubs > 0) {
        g->phistar = calloc((size_t)w->nc * w->nc * w->ns, sizeof *g->phistar);
        if (g->phistar == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }
    if (sc->noise_sd > 0.0) {
        g->z = calloc((size_t)w->nc * w->nc, sizeof *g->z);
        g->rng = rng_stream_new(sc->seed, RNG_NOISE);
        if (g->z == NULL || g->rng == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }

    /* revenue wedges anywhere in the run? */
    int revenue = g->io || sc->revenue_events || (g->sanctions != NULL && g->sanctions->tariff != NULL) ||
                  (g->routing != NULL && g->routing->fee != NULL);
    g->plain = !revenue;
    int rc;
    if ((rc = gravity_fees(g->routing, w, &g->fee0, &g->nfee0, &g->capfee, e)) != SANC_OK)
        return rc;
    g->capfee = 0;
    if (g->io && (rc = gravity_fees0_check(g, w, e)) != SANC_OK)
        return rc;
    if (revenue) {
        if (g->va_price == NULL && (rc = gravity_alloc_extra(g, w, e)) != SANC_OK)
            return rc;
        if (g->io && sc->data->io->tariff != NULL) {
            size_t n3 = (size_t)w->nc * w->nc * w->ns;
            if ((g->tariff0 = malloc(n3 * sizeof *g->tariff0)) == NULL)
                return err_set(e, SANC_ENOMEM, "out of memory");
            memcpy(g->tariff0, sc->data->io->tariff, n3 * sizeof *g->tariff0);
        }
        g->wedges0 = (ge_io_wedges){g->tariff0, NULL, g->fee0, g->nfee0};
        g->wedges = g->wedges0;
        w->wedges = &g->wedges;
        w->wedges0 = &g->wedges0;
    }
    if (g->model == NULL) {
        if ((rc = gravity_model_create_bare(w, g, e)) != SANC_OK)
            return rc;
        if (revenue && (rc = gravity_baseline(g, w, e)) != SANC_OK)
            return rc;
    }
    for (int i = 0; i < w->nc; i++)
        g->trade0[i] = w->exports[i] + w->imports[i];

    const char *wel_desc = g->io ? "exact real income relative to period 0: (I'/I) / prod_k P_k^alpha_k, revenue "
                                   "included (1 at period 0)"
                                 : "real expenditure relative to period 0: (E'/E) / prod_k Phat^alpha (1 at period 0)";
    const schema_var vars[] = {
        {"welfare", "1", "welfare change", wel_desc, 1, {DIM_COUNTRY}, 0, w->welfare},
        {"output", "$units", "output",
         g->io ? "gross output at seller values (sum over sectors), annual rate"
               : "value of output (sum over sectors and destinations), annual rate",
         1, {DIM_COUNTRY}, 0, w->Y},
        {"expenditure", "$units", "expenditure",
         g->io ? "income I = value added + wedge revenue + deficit (= final spending), annual rate"
               : "value of expenditure (sum over sectors and origins), annual rate",
         1, {DIM_COUNTRY}, 0, w->E},
        {"price_index", "1", "consumer price index change",
         "Cobb-Douglas aggregate of sector price-index changes, prod_k Phat_jk^alpha_jk (1 at period 0)", 1,
         {DIM_COUNTRY}, 0, w->price_index},
        {"factory_price", "1", "factory-gate price change",
         g->io ? "unit cost c of the input bundle relative to period 0 (1 at period 0)"
               : "factory-gate price relative to period 0 (1 at period 0 and where baseline output is 0)",
         2, {DIM_COUNTRY, DIM_SECTOR}, 0, w->phat},
        {"exports", "$units", "exports", "cross-border exports (all sectors, seller values), annual rate", 1,
         {DIM_COUNTRY}, 0, w->exports},
        {"imports", "$units", "imports", "cross-border imports (all sectors, seller values), annual rate", 1,
         {DIM_COUNTRY}, 0, w->imports},
        {"solver_iterations", "1", "solver iterations",
         "iterations of the general-equilibrium solver in this period (period 0: those of the baseline re-solve "
         "under trade.model = io, else 0)",
         0, {0}, 1, &w->solver_iterations},
        {"solver_residual", "1", "solver residual",
         "largest relative equilibrium residual at the solution (period 0: of the baseline re-solve under "
         "trade.model = io, else 0)",
         0, {0}, 0, &w->solver_residual},
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if ((rc = world_add_var(w, &vars[i], e)) != SANC_OK)
            return rc;
    if (sc->output_flows) {
        schema_var fv = {"flows", "$units", "bilateral flows",
                        "value of goods shipped from exporter to importer in each sector (domestic sales where "
                        "exporter == importer), annual rate",
                        3, {DIM_EXPORTER, DIM_IMPORTER, DIM_SECTOR}, 0, w->X};
        if (!g->plain)
            fv.description = "seller value S of goods shipped from exporter to importer in each sector (what the "
                             "exporter receives; domestic sales where exporter == importer), annual rate";
        if ((rc = world_add_var(w, &fv, e)) != SANC_OK)
            return rc;
    }
    if (g->plain)
        return SANC_OK;
    int mobile = g->io && sc->factors == SC_FACTORS_MOBILE;
    const schema_var extra[] = {
        {"value_added_price", "1", "value-added price change",
         g->io ? "factor price v relative to period 0: the wage w under mobile factors, the sector's factor "
                 "return r under sector-specific factors (1 at period 0)"
               : "factory-gate price relative to period 0 (the Armington model's value added is its output)",
         2, {DIM_COUNTRY, DIM_SECTOR}, 0, g->va_price},
        {"wedge_revenue", "$units", "wedge revenue",
         "revenue of tariffs (importer), export taxes (exporter; negative for a discount) and hub fees (the hub's "
         "country) received, annual rate",
         1, {DIM_COUNTRY}, 0, g->revenue},
        {"value_added", "$units", "value added", "value added v VA by country and sector, annual rate", 2,
         {DIM_COUNTRY, DIM_SECTOR}, 0, g->value_added},
        {"welfare_tot", "1", "terms-of-trade effect",
         "Caliendo-Parro's first-order terms-of-trade term relative to period 0 (fraction of period-0 income; 0 at "
         "period 0); with welfare_vot it is the paper's welfare decomposition",
         1, {DIM_COUNTRY}, 0, g->tot},
        {"welfare_vot", "1", "volume-of-trade effect",
         "Caliendo-Parro's first-order volume-of-trade term relative to period 0 (fraction of period-0 income)", 1,
         {DIM_COUNTRY}, 0, g->vot},
        {"welfare_tech", "1", "iceberg (technology) effect",
         "Caliendo-Parro's first-order term of iceberg cost changes relative to period 0 (fraction of period-0 "
         "income)",
         1, {DIM_COUNTRY}, 0, g->tech},
        {"wage", "1", "wage change", "wage w relative to period 0 (mobile factors)", 1, {DIM_COUNTRY}, 0, g->wage},
        {"real_wage", "1", "real wage change", "w / P relative to period 0 (mobile factors)", 1, {DIM_COUNTRY}, 0,
         g->real_wage},
    };
    size_t nextra = !g->io ? 2 : mobile ? 8 : 6;
    for (size_t i = 0; i < nextra; i++)
        if ((rc = world_add_var(w, &extra[i], e)) != SANC_OK)
            return rc;
    if (g->io && w->out.nattrs < SCHEMA_MAX_ATTRS) {
        w->out.attr_name[w->out.nattrs] = "baseline_resolve_max_wage_change";
        w->out.attr_value[w->out.nattrs++] = g->max_change;
    }
    return SANC_OK;
}

/* phi(t) from the wedges and phi(t-1); the targets into phistar if given. */
static void gravity_openness(const scenario *sc, struct world *w, double *phistar)
{
    int nc = w->nc, ns = w->ns;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            size_t ij = W2(w, i, j);
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                if (i == j) {
                    w->phi[c] = 1.0;
                    continue;
                }
                double cost = w->route_logM[c] + w->pay_logw[ij]; /* log cost factor */
                double lphi = w->shock_logphi[c] + w->noise_logphi[ij];
                double target = gravity_cell_target(lphi, cost, sc->sigma[k]);
                double lam = sc->lambda[k];
                if (phistar != NULL)
                    phistar[c] = target;
                w->phi[c] = lam == 1.0 ? target : (1.0 - lam) * w->phi_prev[c] + lam * target;
            }
        }
}

/* Advance the AR(1) pair noise one period into w->noise_logphi. */
static void gravity_noise(gravity *g, const scenario *sc, struct world *w)
{
    double sd = sc->noise_sd, rho = sc->noise_rho, innov = sqrt(1.0 - rho * rho);
    for (int i = 0; i < w->nc; i++)
        for (int j = 0; j < w->nc; j++) {
            if (i == j)
                continue;
            size_t ij = W2(w, i, j);
            g->z[ij] = rho * g->z[ij] + innov * gsl_ran_gaussian_ziggurat(g->rng, 1.0);
            w->noise_logphi[ij] = sd * g->z[ij] - 0.5 * sd * sd;
        }
}

int gravity_wedge_levels(const struct world *w, const gravity_rev_in *in, int t, double *tariff, double *export_tax,
                         errbuf *e)
{
    int nc = w->nc, ns = w->ns;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                if (i == j) {
                    tariff[c] = export_tax[c] = 0.0;
                    continue;
                }
                double tr = in->tariff0 ? in->tariff0[c] : 0.0, x = 0.0;
                if (in->ev_tariff != NULL) {
                    if (!isnan(in->ev_tariff_level[c]))
                        tr = in->ev_tariff_level[c];
                    tr += in->ev_tariff[c];
                    x += in->ev_export_tax[c];
                }
                if (in->s_tariff != NULL) {
                    if (!isnan(in->s_tariff_level[c]))
                        tr += in->s_tariff_level_e[c] * (in->s_tariff_level[c] - tr);
                    tr += in->s_tariff[c];
                    x += in->s_export_tax[c];
                }
                if (!(tr > -1.0) || !(x > -1.0)) {
                    char lab[32];
                    return err_set(e, SANC_ECONFIG, "period %d (%s): the %s on %s -> %s in %s would be %g (must be > -1)",
                                   t, scenario_period_label(w->sc, t, lab, sizeof lab),
                                   tr > -1.0 ? "export tax" : "tariff", w->country[i], w->country[j], w->sector[k],
                                   tr > -1.0 ? x : tr);
                }
                tariff[c] = tr;
                export_tax[c] = x;
            }
    return SANC_OK;
}

/* The revenue wedge levels of period t into g->wedges (DESIGN 2b). */
static int gravity_wedges(gravity *g, struct world *w, int t, errbuf *e)
{
    const sanctions_view *sv = g->sanctions;
    gravity_rev_in in = {.tariff0 = g->tariff0};
    if (w->ev_tariff != NULL) {
        in.ev_tariff = w->ev_tariff;
        in.ev_export_tax = w->ev_export_tax;
        in.ev_tariff_level = w->ev_tariff_level;
    }
    if (sv != NULL && sv->tariff != NULL) {
        in.s_tariff = sv->tariff;
        in.s_export_tax = sv->export_tax;
        in.s_tariff_level = sv->tariff_level;
        in.s_tariff_level_e = sv->tariff_level_e;
    }
    int rc = gravity_wedge_levels(w, &in, t, g->tariff, g->export_tax, e);
    if (rc != SANC_OK)
        return rc;
    rc = gravity_fees(g->routing, w, &g->fee, &g->nfee, &g->capfee, e);
    if (rc != SANC_OK)
        return rc;
    g->wedges = (ge_io_wedges){g->tariff, g->export_tax, g->fee, g->nfee};
    return SANC_OK;
}

/* Openness beyond a double (the product of large shock factors and noise)
 * would reach the solver as "openness not finite": name the cell and the
 * events that hit it instead, with their lines. */
static int gravity_check_openness(const scenario *sc, const struct world *w, int t, errbuf *e)
{
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    for (size_t c = 0; c < n3; c++) {
        if (isfinite(w->phi[c]))
            continue;
        int i = (int)(c / ((size_t)w->nc * w->ns)), j = (int)(c / (size_t)w->ns % (size_t)w->nc);
        int k = (int)(c % (size_t)w->ns);
        char evs[600];
        size_t u = 0;
        evs[0] = '\0';
        for (int v = 0; v < sc->nevents && u < sizeof evs; v++) {
            const sc_event *ev = &sc->events[v];
            if (ev->type != SC_EV_SHOCK || t < ev->start || t >= ev->end)
                continue;
            for (int q = 0; q < ev->ncells; q++)
                if ((size_t)ev->cells[q].idx == c) {
                    u += (size_t)snprintf(evs + u, sizeof evs - u, "%sevents.[%d] '%s' at %s:%d", u ? ", " : "", v,
                                          ev->name, sc->cfg.path, ev->line);
                    break;
                }
        }
        return err_set(e, SANC_ECONFIG, "%s: period %d: openness %s -> %s in %s overflows a double: the product "
                       "of the shocks hitting it (%s)%s is too large; use smaller partial effects or factors",
                       sc->cfg.path, t, sc->country[i], sc->country[j], sc->sector[k], u ? evs : "none",
                       sc->noise_sd > 0 ? " and trade.noise" : "");
    }
    return SANC_OK;
}

static int gravity_step(struct model *m, struct world *w, int t, errbuf *e)
{
    gravity *g = m->data;
    const scenario *sc = w->sc;
    if (g->rng != NULL)
        gravity_noise(g, sc, w);
    gravity_openness(sc, w, g->phistar);
    int rc0 = gravity_check_openness(sc, w, t, e);
    if (rc0 != SANC_OK)
        return rc0;
    if (g->phistar != NULL)
        g->routing->vintage(g->routing->self, w, g->phistar);

    for (int i = 0; i < w->nc; i++) {
        w->D[i] = w->D0[i];
        /* deficits shrink with the country's cross-border trade of t-1 */
        if (sc->deficits == DEFICITS_SCALE_WITH_TRADE && g->trade0[i] > 0.0)
            w->D[i] = w->D0[i] * (w->exports[i] + w->imports[i]) / g->trade0[i];
    }
    size_t nk = (size_t)w->nc * w->ns;
    ge_model_out r = {
        .X = w->X, .phat = w->phat, .Phat = w->Phat, .Y = w->Y, .E = w->E,
        .welfare = w->welfare, .price_index = w->price_index,
    };
    ge_model_in in = {.phi = w->phi, .D = w->D, .wedges = NULL, .warm = 1};
    int rc;
    if (g->plain) {
        /* Warm start: under partial adjustment openness converges geometrically,
         * at rate 1 - lambda_k, so extrapolate last period's price change */
        for (size_t ik = 0; ik < nk; ik++) {
            double d = g->lphat_step[ik] * (1.0 - sc->lambda[ik % (size_t)w->ns]);
            g->lphat_step[ik] = w->phat[ik] > 0.0 ? log(w->phat[ik]) : 0.0; /* log phat(t-1) for now */
            if (w->phat[ik] > 0.0 && isfinite(d) && fabs(d) < 0.5)
                w->phat[ik] *= exp(d);
        }
    } else {
        if ((rc = gravity_wedges(g, w, t, e)) != SANC_OK)
            return rc;
        in.wedges = &g->wedges;
        r.va_price = g->va_price;
        r.wage = g->wage;
        r.real_wage = g->real_wage;
        r.value_added = g->value_added;
        r.revenue = g->revenue;
        r.tot = g->tot;
        r.vot = g->vot;
        r.tech = g->tech;
    }
    errbuf ge;
    err_init(&ge);
    rc = g->ops->solve(g->model, &in, &r, &ge);
    if (rc != SANC_OK) {
        char lab[32];
        return err_set(e, rc, "period %d (%s): %s", t, scenario_period_label(sc, t, lab, sizeof lab), ge.msg);
    }
    w->solver_iterations = r.iterations;
    w->solver_residual = r.residual;
    if (g->plain)
        for (size_t ik = 0; ik < nk; ik++)
            g->lphat_step[ik] = w->phat[ik] > 0.0 ? log(w->phat[ik]) - g->lphat_step[ik] : 0.0;

    memset(w->exports, 0, (size_t)w->nc * sizeof *w->exports);
    memset(w->imports, 0, (size_t)w->nc * sizeof *w->imports);
    for (int i = 0; i < w->nc; i++)
        for (int j = 0; j < w->nc; j++) {
            if (i == j)
                continue;
            double s = 0.0;
            for (int k = 0; k < w->ns; k++)
                s += w->X[W3(w, i, j, k)];
            w->exports[i] += s;
            w->imports[j] += s;
        }
    return SANC_OK;
}

static void gravity_finish(struct model *m)
{
    gravity_free(m->data);
    m->data = NULL;
}

const model_ops gravity_ops = {gravity_init, gravity_step, gravity_finish, NULL};
