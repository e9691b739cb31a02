/* lookahead.c - pure static evaluation of a policy set (see lookahead.h). */
#include "lookahead.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ge_model.h"
#include "gravity.h"
#include "model.h"
#include "scenario.h"
#include "scenario_io.h"
#include "world.h"

struct lookahead {
    ge_model *model; /* the run's GE model (trade.model), its own instance */
    double *phi, *phat, *Phat, *X, *Y, *E, *pindex, *D;
    /* policy sets only (allocated on first use) */
    double *shock, *logF, *enf, *logG, *routeM, *payw;
    /* hub fees of a policy set's routes (DESIGN 2b: revenue of the hub's
     * country, not an iceberg): route shares, the fee list, the wedges */
    double *hshare;
    ge_io_fee *fee;
    int nfee, capfee;
    /* revenue wedges of a policy set (runs with revenue wedges only): the
     * events' and the measures' parts, and the levels they combine to */
    double *ev_t, *ev_x, *ev_l, *s_t, *s_x, *s_l, *s_le, *tariff, *export_tax;
    ge_io_wedges wedges;
};

void lookahead_free(lookahead *la)
{
    if (la == NULL)
        return;
    ge_model_destroy(la->model);
    free(la->phi);
    free(la->phat);
    free(la->Phat);
    free(la->X);
    free(la->Y);
    free(la->E);
    free(la->pindex);
    free(la->D);
    free(la->shock);
    free(la->logF);
    free(la->logG);
    free(la->enf);
    free(la->routeM);
    free(la->payw);
    free(la->hshare);
    free(la->fee);
    double **rev[] = {&la->ev_t, &la->ev_x, &la->ev_l, &la->s_t, &la->s_x, &la->s_l, &la->s_le, &la->tariff,
                      &la->export_tax};
    for (size_t q = 0; q < sizeof rev / sizeof *rev; q++)
        free(*rev[q]);
    free(la);
}

int lookahead_create(lookahead **out, const world *w, errbuf *e)
{
    const scenario *sc = w->sc;
    size_t n3 = (size_t)w->nc * w->nc * w->ns, nk = (size_t)w->nc * w->ns, nc = (size_t)w->nc;
    lookahead *la = calloc(1, sizeof *la);
    if (la == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    la->phi = malloc(n3 * sizeof *la->phi);
    la->X = malloc(n3 * sizeof *la->X);
    la->phat = malloc(nk * sizeof *la->phat);
    la->Phat = malloc(nk * sizeof *la->Phat);
    la->Y = malloc(nc * sizeof *la->Y);
    la->E = malloc(nc * sizeof *la->E);
    la->pindex = malloc(nc * sizeof *la->pindex);
    la->D = malloc(nc * sizeof *la->D);
    if (!la->phi || !la->X || !la->phat || !la->Phat || !la->Y || !la->E || !la->pindex || !la->D) {
        lookahead_free(la);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    (void)sc;
    int rc = gravity_model_create(w, &la->model, e);
    if (rc != SANC_OK) {
        lookahead_free(la);
        return rc;
    }
    *out = la;
    return SANC_OK;
}

/* phi* from log openness (shocks), log route and payment wedges. */
static void lookahead_target(lookahead *la, const world *w, const double *shock, const double *extra,
                             const double *routeM, const double *payw)
{
    const scenario *sc = w->sc;
    int nc = w->nc, ns = w->ns;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                if (i == j) {
                    la->phi[c] = 1.0;
                    continue;
                }
                double lphi = shock[c] + (extra ? extra[c] : 0.0);
                la->phi[c] = gravity_cell_target(lphi, routeM[c] + payw[W2(w, i, j)], sc->sigma[k]);
            }
}

static int lookahead_solve(lookahead *la, const world *w, const ge_io_wedges *wedges, lookahead_result *r,
                           errbuf *e);

int lookahead_eval(lookahead *la, const world *w, const lookahead_policy *p, lookahead_result *r, errbuf *e)
{
    lookahead_target(la, w, w->shock_logphi, p ? p->extra_logphi : NULL, w->route_logM, w->pay_logw);
    return lookahead_solve(la, w, w->wedges, r, e);
}

/* The period's revenue wedges with the hub fees of the policy set's routes
 * (la->hshare) in place of the period's own: the fee list as gravity builds
 * it (gravity_fees), from the shares of new flows (full adjustment). */
static int lookahead_fees(lookahead *la, const world *w, const routing_view *rv, errbuf *e)
{
    int rc = gravity_fee_list(rv, la->hshare, w, &la->fee, &la->nfee, &la->capfee, e);
    if (rc != SANC_OK)
        return rc;
    la->wedges.fee = la->fee;
    la->wedges.nfee = la->nfee;
    return SANC_OK;
}

/* The revenue wedges of policy set p (DESIGN 2b): the tariffs and export
 * taxes of its events in force and of its measures at their levels, with
 * the data's tariffs, combined as gravity combines a period's
 * (gravity_wedge_levels); a candidate's own tariff or discount moves the
 * equilibrium it is judged by.  Hub fees: the period's (lookahead_fees
 * replaces them when the policy set has its own routes). */
static int lookahead_revenue(lookahead *la, const world *w, const model_views *v, const la_policyset *p, errbuf *e)
{
    /* the arrays: allocated by lookahead_eval_set, the measures' part filled there */
    const scenario *sc = w->sc;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    gravity_rev_in in = {.tariff0 = w->wedges0 != NULL ? w->wedges0->tariff : NULL};
    if (w->ev_tariff != NULL) {
        memset(la->ev_t, 0, n3 * sizeof *la->ev_t);
        memset(la->ev_x, 0, n3 * sizeof *la->ev_x);
        for (size_t c = 0; c < n3; c++)
            la->ev_l[c] = NAN;
        for (int q = 0; q < sc->nevents; q++) {
            const sc_event *ev = &sc->events[q];
            if (ev->type == SC_EV_SHOCK && ev->revenue && p->event_on != NULL && p->event_on[q])
                scenario_io_event_revenue(ev, w->nc, w->ns, la->ev_t, la->ev_x, la->ev_l);
        }
        in.ev_tariff = la->ev_t;
        in.ev_export_tax = la->ev_x;
        in.ev_tariff_level = la->ev_l;
    }
    const sanctions_view *sv = v->sanctions;
    if (sv != NULL && sv->tariff != NULL) { /* filled by the factors hook in lookahead_eval_set */
        in.s_tariff = la->s_t;
        in.s_export_tax = la->s_x;
        in.s_tariff_level = la->s_l;
        in.s_tariff_level_e = la->s_le;
    }
    int rc = gravity_wedge_levels(w, &in, w->t, la->tariff, la->export_tax, e);
    if (rc != SANC_OK)
        return rc;
    la->wedges = (ge_io_wedges){la->tariff, la->export_tax, w->wedges->fee, w->wedges->nfee};
    return SANC_OK;
}

int lookahead_eval_set(lookahead *la, const world *w, const model_views *v, const la_policyset *p,
                       lookahead_result *r, errbuf *e)
{
    const scenario *sc = w->sc;
    size_t n3 = (size_t)w->nc * w->nc * w->ns, n2 = (size_t)w->nc * w->nc;
    if (la->shock == NULL) {
        la->shock = malloc(n3 * sizeof *la->shock);
        la->logF = malloc(n3 * sizeof *la->logF);
        la->enf = malloc(n3 * sizeof *la->enf);
        la->routeM = malloc(n3 * sizeof *la->routeM);
        la->logG = malloc(n3 * sizeof *la->logG);
        la->payw = malloc(n2 * sizeof *la->payw);
        if (!la->shock || !la->logF || !la->enf || !la->logG || !la->routeM || !la->payw)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }
    /* shocks of the events in force, summed in event order as policy does */
    memset(la->shock, 0, n3 * sizeof *la->shock);
    for (int q = 0; q < sc->nevents; q++) {
        const sc_event *ev = &sc->events[q];
        if (ev->type != SC_EV_SHOCK || p->event_on == NULL || !p->event_on[q])
            continue;
        for (int c = 0; c < ev->ncells; c++)
            la->shock[ev->cells[c].idx] += ev->cells[c].logphi;
    }
    /* revenue wedges: a run that has any judges a candidate with its own */
    int revenue = w->wedges != NULL;
    if (revenue && la->tariff == NULL) {
        double **rev[] = {&la->ev_t, &la->ev_x, &la->ev_l, &la->s_t, &la->s_x, &la->s_l, &la->s_le, &la->tariff,
                          &la->export_tax};
        for (size_t q = 0; q < sizeof rev / sizeof *rev; q++)
            if ((*rev[q] = malloc(n3 * sizeof **rev[q])) == NULL)
                return err_set(e, SANC_ENOMEM, "out of memory");
    }
    /* the measures' factors (and revenue wedges) at the policy set's levels:
     * the hook clears what it fills; without it, no measure is in force */
    sanctions_rev srev = {la->s_t, la->s_x, la->s_l, la->s_le};
    if (v->sanctions != NULL && v->sanctions->n > 0 && p->sanction_level != NULL) {
        v->sanctions->factors(v->sanctions->self, w, p->sanction_level, la->logF, la->enf, la->logG,
                              revenue ? &srev : NULL);
    } else {
        memset(la->logF, 0, n3 * sizeof *la->logF);
        memset(la->enf, 0, n3 * sizeof *la->enf);
        memset(la->logG, 0, n3 * sizeof *la->logG);
        if (revenue && v->sanctions != NULL && v->sanctions->tariff != NULL) {
            memset(la->s_t, 0, n3 * sizeof *la->s_t);
            memset(la->s_x, 0, n3 * sizeof *la->s_x);
            memset(la->s_le, 0, n3 * sizeof *la->s_le);
            for (size_t c = 0; c < n3; c++)
                la->s_l[c] = NAN;
        }
    }
    /* hub fees earn revenue (DESIGN 2b): the routes' iceberg part goes into
     * openness, the fees of the policy set's route shares into the wedges */
    const routing_view *rv = v->routing;
    int fees = rv != NULL && rv->route_wedge != NULL && rv->fee != NULL && w->wedges != NULL;
    if (fees && la->hshare == NULL && (la->hshare = malloc((size_t)rv->nhubs * n3 * sizeof *la->hshare)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (rv != NULL && rv->route_wedge != NULL)
        rv->route_wedge(rv->self, w, p->hub_on, la->logF, la->enf, la->logG, la->routeM, fees ? la->hshare : NULL);
    else
        for (size_t c = 0; c < n3; c++)
            la->routeM[c] = la->logF[c] + la->logG[c];
    if (v->payments != NULL && v->payments->wedge != NULL)
        v->payments->wedge(v->payments->self, w, p->payops, p->npayops, la->payw);
    else
        memset(la->payw, 0, n2 * sizeof *la->payw);
    lookahead_target(la, w, la->shock, p->extra_logphi, la->routeM, la->payw);
    if (revenue) {
        int rc = lookahead_revenue(la, w, v, p, e);
        if (rc != SANC_OK)
            return rc;
    }
    if (fees) {
        int rc = lookahead_fees(la, w, rv, e);
        if (rc != SANC_OK)
            return rc;
    }
    return lookahead_solve(la, w, revenue ? &la->wedges : NULL, r, e);
}

static int lookahead_solve(lookahead *la, const world *w, const ge_io_wedges *wedges, lookahead_result *r,
                           errbuf *e)
{
    int nc = w->nc, ns = w->ns;
    /* a cold start from the baseline: the result must not depend on what
     * was evaluated before */
    size_t nk = (size_t)nc * ns;
    for (size_t ik = 0; ik < nk; ik++)
        la->phat[ik] = 1.0;
    memcpy(la->D, w->D, (size_t)nc * sizeof *la->D);
    ge_model_out g = {
        .X = la->X, .phat = la->phat, .Phat = la->Phat, .Y = la->Y, .E = la->E,
        .welfare = r->welfare, .price_index = la->pindex,
    };
    /* the current revenue wedges (DESIGN 3b), a cold start */
    ge_model_in in = {.phi = la->phi, .D = la->D, .wedges = wedges, .warm = 0};
    int rc = la->model->ops->solve(la->model, &in, &g, e);
    if (rc != SANC_OK)
        return rc;
    if (r->X)
        memcpy(r->X, la->X, (size_t)nc * nc * ns * sizeof *r->X);
    r->iterations = g.iterations;
    r->residual = g.residual;
    return SANC_OK;
}
