/* lookahead.c - pure static evaluation of a policy set (see lookahead.h). */
#include "lookahead.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ge_model.h"
#include "gravity.h"
#include "scenario.h"
#include "world.h"

struct lookahead {
    ge_model *model; /* the run's GE model (trade.model), its own instance */
    double *phi, *phat, *Phat, *X, *Y, *E, *pindex, *D;
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

int lookahead_eval(lookahead *la, const world *w, const lookahead_policy *p, lookahead_result *r, errbuf *e)
{
    const scenario *sc = w->sc;
    int nc = w->nc, ns = w->ns;
    const double *extra = p ? p->extra_logphi : NULL;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++) {
                size_t c = W3(w, i, j, k);
                if (i == j) {
                    la->phi[c] = 1.0;
                    continue;
                }
                double lphi = w->shock_logphi[c] + (extra ? extra[c] : 0.0);
                la->phi[c] = gravity_cell_target(lphi, w->route_logM[c] + w->pay_logw[W2(w, i, j)], sc->sigma[k]);
            }
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
    ge_model_in in = {.phi = la->phi, .D = la->D, .wedges = w->wedges, .warm = 0};
    int rc = la->model->ops->solve(la->model, &in, &g, e);
    if (rc != SANC_OK)
        return rc;
    if (r->X)
        memcpy(r->X, la->X, (size_t)nc * nc * ns * sizeof *r->X);
    r->iterations = g.iterations;
    r->residual = g.residual;
    return SANC_OK;
}
