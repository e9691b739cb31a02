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
 * Route shares age by the same vintages as openness: flows carried over from
 * t-1 keep t-1's route mix, new flows take the routing module's new shares,
 *   w_h(t) = ((1-lambda) phi(t-1) w_h(t-1) + lambda phi* w_h,new) / phi(t);
 * a cell with phi(t) = 0 carries nothing and takes the new shares.
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

#include "ge.h"
#include "model.h"
#include "rng.h"
#include "scenario.h"
#include "world.h"

typedef struct gravity {
    ge_solver *solver;
    double *trade0;      /* nc: cross-border trade (exports + imports) in period 0 */
    double *phistar;     /* nc*nc*ns target openness of t (only with hubs: vintages) */
    double *z;           /* nc*nc AR(1) noise state (only with noise) */
    gsl_rng *rng;        /* the run's noise stream (only with noise) */
    double *lphat_step;  /* nc*ns: log phat(t-1) - log phat(t-2), for the warm start */
} gravity;

static int gravity_init(struct model *m, const struct scenario *sc, struct world *w, errbuf *e)
{
    gravity *g = calloc(1, sizeof *g);
    if (g == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = g;
    g->trade0 = calloc((size_t)w->nc, sizeof *g->trade0);
    g->lphat_step = calloc((size_t)w->nc * w->ns, sizeof *g->lphat_step);
    if (g->trade0 == NULL || g->lphat_step == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int i = 0; i < w->nc; i++)
        g->trade0[i] = w->exports[i] + w->imports[i];
    if (w->nhubs > 0) {
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

    ge_params p = {
        .n = w->nc, .K = w->ns, .X0 = w->X0, .sigma = sc->sigma, .imbalance = sc->imbalance,
        .tol = 1e-12, .max_iter = 10000, .country = sc->country, .sector = sc->sector,
    };
    int rc = ge_solver_create(&g->solver, &p, e);
    if (rc != SANC_OK)
        return rc;

    const schema_var vars[] = {
        {"welfare", "1", "welfare change",
         "real expenditure relative to period 0: (E'/E) / prod_k Phat^alpha (1 at period 0)", 1, {DIM_COUNTRY}, 0,
         w->welfare},
        {"output", "$units", "output", "value of output (sum over sectors and destinations), annual rate", 1,
         {DIM_COUNTRY}, 0, w->Y},
        {"expenditure", "$units", "expenditure", "value of expenditure (sum over sectors and origins), annual rate",
         1, {DIM_COUNTRY}, 0, w->E},
        {"price_index", "1", "consumer price index change",
         "Cobb-Douglas aggregate of sector price-index changes, prod_k Phat_jk^alpha_jk (1 at period 0)", 1,
         {DIM_COUNTRY}, 0, w->price_index},
        {"factory_price", "1", "factory-gate price change",
         "factory-gate price relative to period 0 (1 at period 0 and where baseline output is 0)", 2,
         {DIM_COUNTRY, DIM_SECTOR}, 0, w->phat},
        {"exports", "$units", "exports", "cross-border exports (all sectors), annual rate", 1, {DIM_COUNTRY}, 0,
         w->exports},
        {"imports", "$units", "imports", "cross-border imports (all sectors), annual rate", 1, {DIM_COUNTRY}, 0,
         w->imports},
        {"solver_iterations", "1", "solver iterations",
         "iterations of the general-equilibrium solver in this period (0 at period 0)", 0, {0}, 1,
         &w->solver_iterations},
        {"solver_residual", "1", "solver residual",
         "largest relative market-clearing error at the solution (0 at period 0)", 0, {0}, 0,
         &w->solver_residual},
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if ((rc = world_add_var(w, &vars[i], e)) != SANC_OK)
            return rc;
    if (sc->output_flows) {
        schema_var fv = {"flows", "$units", "bilateral flows",
                        "value of goods shipped from exporter to importer in each sector (domestic sales where "
                        "exporter == importer), annual rate",
                        3, {DIM_EXPORTER, DIM_IMPORTER, DIM_SECTOR}, 0, w->X};
        if ((rc = world_add_var(w, &fv, e)) != SANC_OK)
            return rc;
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
                double target;
                if (cost == INFINITY || lphi == -INFINITY)
                    target = 0.0;
                else
                    target = exp(lphi + (1.0 - sc->sigma[k]) * cost);
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

/* Route shares of the flows of t by vintage (phi_prev still holds t-1). */
static void gravity_route_vintages(const scenario *sc, struct world *w, const double *phistar)
{
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    /* hub by hub: each hub's share arrays stream through the cache once */
    for (int h = 0; h < w->nhubs; h++) {
        double *rs = w->route_share + (size_t)h * n3;
        const double *rn = w->route_share_new + (size_t)h * n3;
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
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    memcpy(w->phi_prev, w->phi, n3 * sizeof *w->phi);
    memcpy(w->X_prev, w->X, n3 * sizeof *w->X);
    if (g->rng != NULL)
        gravity_noise(g, sc, w);
    gravity_openness(sc, w, g->phistar);
    int rc0 = gravity_check_openness(sc, w, t, e);
    if (rc0 != SANC_OK)
        return rc0;
    if (w->nhubs > 0)
        gravity_route_vintages(sc, w, g->phistar);

    for (int i = 0; i < w->nc; i++) {
        w->D[i] = w->D0[i];
        /* deficits shrink with the country's cross-border trade of t-1 */
        if (sc->deficits == DEFICITS_SCALE_WITH_TRADE && g->trade0[i] > 0.0)
            w->D[i] = w->D0[i] * (w->exports[i] + w->imports[i]) / g->trade0[i];
    }
    /* Warm start: under partial adjustment openness converges geometrically,
     * at rate 1 - lambda_k, so extrapolate last period's price change */
    size_t nk = (size_t)w->nc * w->ns;
    for (size_t ik = 0; ik < nk; ik++) {
        double d = g->lphat_step[ik] * (1.0 - sc->lambda[ik % (size_t)w->ns]);
        g->lphat_step[ik] = w->phat[ik] > 0.0 ? log(w->phat[ik]) : 0.0; /* log phat(t-1) for now */
        if (w->phat[ik] > 0.0 && isfinite(d) && fabs(d) < 0.5)
            w->phat[ik] *= exp(d);
    }
    ge_result r = {
        .phat = w->phat, .Phat = w->Phat, .X = w->X, .Y = w->Y, .E = w->E,
        .welfare = w->welfare, .price_index = w->price_index,
    };
    errbuf ge;
    err_init(&ge);
    int rc = ge_solve(g->solver, w->phi, w->D, &r, &ge);
    if (rc != SANC_OK) {
        char lab[32];
        return err_set(e, rc, "period %d (%s): %s", t, scenario_period_label(sc, t, lab, sizeof lab), ge.msg);
    }
    w->solver_iterations = r.iterations;
    w->solver_residual = r.residual;
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
    gravity *g = m->data;
    if (g == NULL)
        return;
    ge_solver_free(g->solver);
    free(g->trade0);
    free(g->lphat_step);
    free(g->phistar);
    free(g->z);
    if (g->rng != NULL)
        gsl_rng_free(g->rng);
    free(g);
    m->data = NULL;
}

const model_ops gravity_ops = {gravity_init, gravity_step, gravity_finish};
