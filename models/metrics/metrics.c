/*
 * metrics.c - derived outputs of each period (DESIGN section 3, item 6),
 * computed last in the pipeline from the period's flows and route shares.
 *
 *   transit(hub)                  value routed through each hub:
 *                                 sum_c route_share[h][c] X_c
 *   customs_flows(exp, imp)       cross-border flows as border statistics
 *                                 record them: the direct part of i->j stays
 *                                 i->j; the part routed via hub country v
 *                                 appears as i->v and v->j (0 on the diagonal)
 *   sanction_remaining(sanction)  covered value now / covered baseline value
 *   sanction_rerouted(sanction)   covered value routed through hubs (baseline
 *                                 hub traffic included) / covered baseline
 *                                 value; 1 and 0 when that baseline is 0
 *   dependence(importer, exporter)        D[j][i] = imports of j from i / imports of j
 *   export_dependence(exporter, importer) exports of i to j / exports of i
 *   power_balance(country, partner)       D[a][b] - D[b][a]
 *   settlement_share(country, system)     the payments view's pair shares s_ijp
 *                                         weighted by period t's two-way trade
 *                                         (DESIGN 3a: same-period weights);
 *                                         fallback 1 with no trade
 *   payment_cost(country)                 fee paid sum_p s_ijp c_p, same weights;
 *                                         the fallback cost with no trade
 * Flows here are the true origin-destination flows (X, all sectors,
 * cross-border only), except in customs_flows.  A zero denominator gives
 * the stated value, never NaN.  Every output exists whether or not the
 * scenario has hubs or sanctions; variables over an empty hub or sanction
 * axis are not registered.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "scenario.h"
#include "strategic.h"
#include "world.h"

typedef struct metrics {
    double *transit;        /* nhubs */
    double *customs;        /* nc*nc */
    double *remaining;      /* nsanc */
    double *rerouted;       /* nsanc */
    double *dependence;     /* nc*nc [j*nc + i] */
    double *export_dep;     /* nc*nc [i*nc + j] */
    double *power;          /* nc*nc [a*nc + b] */
    double *bilateral;      /* nc*nc scratch: cross-border flows summed over sectors */
    double *ex, *im;        /* nc scratch */
    double *rsum;           /* nc*nc*ns scratch: share of each cell's flow routed via any hub */
    int nhubs, nsanc;
    const routing_view *rv;     /* NULL: no routing module */
    const sanctions_view *sv;   /* NULL: no sanctions module */
    const payments_view *pv;    /* NULL: no payments module */
    double *settle;             /* nc*(nsys+1) */
    double *pcost;              /* nc */
    strategic *st;              /* the metrics block's leverage and strategic dependence (NULL: none) */
    int kept;                   /* some output of metrics_compute is recorded */
} metrics;

/* Settlement shares and the fee paid by country: pair shares weighted by
 * the two-way cross-border trade of the period (mt->bilateral). */
static void metrics_settlement(metrics *mt, const struct world *w)
{
    const payments_view *pv = mt->pv;
    int nc = w->nc, np = pv->nsys + 1;
    for (int i = 0; i < nc; i++) {
        double *st = mt->settle + (size_t)i * np;
        double tot = 0.0, fee = 0.0;
        memset(st, 0, (size_t)np * sizeof *st);
        for (int j = 0; j < nc; j++) {
            double v = j == i ? 0.0 : mt->bilateral[W2(w, i, j)] + mt->bilateral[W2(w, j, i)];
            if (!(v > 0.0))
                continue;
            const double *sh = pv->share + ((size_t)i * nc + j) * np;
            for (int p = 0; p < np; p++) {
                st[p] += v * sh[p];
                fee += v * sh[p] * pv->sys_cost[p];
            }
            tot += v;
        }
        if (tot > 0.0) {
            for (int p = 0; p < np; p++)
                st[p] /= tot;
            mt->pcost[i] = fee / tot;
        } else {
            st[np - 1] = 1.0;
            mt->pcost[i] = pv->sys_cost[np - 1];
        }
    }
}

static void metrics_compute(metrics *mt, const struct world *w)
{
    int nc = w->nc, ns = w->ns, nh = mt->nhubs;
    size_t n3 = (size_t)nc * nc * ns, n2 = (size_t)nc * nc;

    memset(mt->bilateral, 0, n2 * sizeof *mt->bilateral);
    memset(mt->customs, 0, n2 * sizeof *mt->customs);
    memset(mt->ex, 0, (size_t)nc * sizeof *mt->ex);
    memset(mt->im, 0, (size_t)nc * sizeof *mt->im);
    for (int h = 0; h < nh; h++)
        mt->transit[h] = 0.0;

    /* true cross-border flows by pair */
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            if (i == j)
                continue;
            const double *x = w->X + W3(w, i, j, 0);
            double total = 0.0;
            for (int k = 0; k < ns; k++)
                total += x[k];
            mt->bilateral[W2(w, i, j)] = total;
            mt->customs[W2(w, i, j)] = total;
            mt->ex[i] += total;
            mt->im[j] += total;
        }
    /* hub by hub, so each hub's share array streams through the cache once:
     * the routed part of i->j leaves the direct pair and shows as i->v, v->j */
    if (nh > 0)
        memset(mt->rsum, 0, n3 * sizeof *mt->rsum);
    for (int h = 0; h < nh; h++) {
        const double *share = mt->rv->share + (size_t)h * n3;
        int via = mt->rv->hub_via[h];
        for (int i = 0; i < nc; i++)
            for (int j = 0; j < nc; j++) {
                if (i == j)
                    continue;
                size_t c0 = W3(w, i, j, 0);
                double v = 0.0;
                for (int k = 0; k < ns; k++) {
                    v += share[c0 + k] * w->X[c0 + k];
                    mt->rsum[c0 + k] += share[c0 + k];
                }
                if (v == 0.0)
                    continue;
                mt->transit[h] += v;
                mt->customs[W2(w, i, j)] -= v;
                mt->customs[W2(w, i, via)] += v;
                mt->customs[W2(w, via, j)] += v;
            }
    }

    for (int a = 0; a < nc; a++)
        for (int b = 0; b < nc; b++) {
            size_t ab = W2(w, a, b);
            /* importer a's dependence on exporter b; exporter a's on importer b */
            mt->dependence[ab] = a != b && mt->im[a] > 0.0 ? mt->bilateral[W2(w, b, a)] / mt->im[a] : 0.0;
            mt->export_dep[ab] = a != b && mt->ex[a] > 0.0 ? mt->bilateral[ab] / mt->ex[a] : 0.0;
        }
    for (int a = 0; a < nc; a++)
        for (int b = 0; b < nc; b++)
            mt->power[W2(w, a, b)] = mt->dependence[W2(w, a, b)] - mt->dependence[W2(w, b, a)];
    if (mt->settle != NULL)
        metrics_settlement(mt, w);

    for (int m = 0; m < mt->nsanc; m++) {
        const unsigned char *cov = mt->sv->cover + (size_t)m * n3;
        double base = 0.0, now = 0.0, via = 0.0;
        for (int i = 0; i < nc; i++)
            for (int j = 0; j < nc; j++) {
                if (i == j)
                    continue;
                for (int k = 0; k < ns; k++) {
                    size_t c = W3(w, i, j, k);
                    if (!cov[c])
                        continue;
                    base += w->X0[c];
                    now += w->X[c];
                    if (nh > 0)
                        via += mt->rsum[c] * w->X[c];
                }
            }
        mt->remaining[m] = base > 0.0 ? now / base : 1.0;
        mt->rerouted[m] = base > 0.0 ? via / base : 0.0;
    }
}

static int metrics_register(struct world *w, metrics *mt, errbuf *e)
{
    const schema_var always[] = {
        {"customs_flows", "$units", "flows as recorded at the border",
         "cross-border flows (all sectors) as border statistics record them: the direct part of each flow "
         "stays exporter -> importer, the part routed via a hub's country appears as exports to and from that "
         "country (so rerouted value is counted twice); 0 on the diagonal (domestic sales excluded); annual rate",
         2, {DIM_EXPORTER, DIM_IMPORTER}, 0, mt->customs},
        {"dependence", "1", "import dependence",
         "D[importer][exporter]: importer's cross-border imports (all sectors, true origin) from exporter over "
         "its total cross-border imports; 0 on the diagonal and for an importer without imports",
         2, {DIM_IMPORTER, DIM_EXPORTER}, 0, mt->dependence},
        {"export_dependence", "1", "export dependence",
         "exporter's cross-border exports (all sectors, true destination) to importer over its total "
         "cross-border exports; 0 on the diagonal and for an exporter without exports",
         2, {DIM_EXPORTER, DIM_IMPORTER}, 0, mt->export_dep},
        {"power_balance", "1", "asymmetric interdependence",
         "dependence[country][partner] - dependence[partner][country]: positive when country relies more on "
         "partner as a supplier than partner relies on country (partner holds the leverage); antisymmetric",
         2, {DIM_COUNTRY, DIM_PARTNER}, 0, mt->power},
    };
    int rc;
    for (size_t v = 0; v < sizeof always / sizeof always[0]; v++)
        if ((rc = world_add_var(w, &always[v], e)) != SANC_OK)
            return rc;
    if (mt->pv != NULL && mt->pv->nsys > 0) { /* only the fallback: nothing to record (DESIGN 10) */
        const schema_var pvars[] = {
            {"settlement_share", "1", "settlement shares",
             "share of the country's two-way cross-border trade settled through each system: bank-pair channel "
             "shares of each partner weighted by this period's two-way trade; fallback 1 with no trade; sums to 1",
             2, {DIM_COUNTRY, DIM_PAYMENT_SYSTEM}, 0, mt->settle},
            {"payment_cost", "1", "payment cost",
             "fee actually paid per unit of trade value, sum_p s_ijp c_p + s_ij,fb c_fb, averaged over partners "
             "with this period's two-way trade as weights; the fallback cost with no trade",
             1, {DIM_COUNTRY}, 0, mt->pcost},
        };
        for (size_t v = 0; v < 2; v++)
            if ((rc = world_add_var(w, &pvars[v], e)) != SANC_OK)
                return rc;
    }
    if (mt->nhubs > 0) {
        schema_var tv = {"transit", "$units", "transit through hub",
                        "value routed through the hub: route shares (by vintage) times flows, summed over "
                        "cells; annual rate",
                        1, {DIM_HUB}, 0, mt->transit};
        if ((rc = world_add_var(w, &tv, e)) != SANC_OK)
            return rc;
    }
    if (mt->nsanc > 0) {
        schema_var sv[] = {
            {"sanction_remaining", "1", "remaining covered trade",
             "value of the measure's covered cells now over their baseline value (1 when the baseline value "
             "is 0)",
             1, {DIM_SANCTION}, 0, mt->remaining},
            {"sanction_rerouted", "1", "rerouted covered trade",
             "value of the measure's covered cells shipped through hubs (baseline hub traffic included) over "
             "their baseline value (0 when the baseline value is 0)",
             1, {DIM_SANCTION}, 0, mt->rerouted},
        };
        for (size_t v = 0; v < 2; v++)
            if ((rc = world_add_var(w, &sv[v], e)) != SANC_OK)
                return rc;
    }
    return SANC_OK;
}

static int metrics_init(struct model *m, const model_init *ctx, errbuf *e)
{
    metrics *mt = calloc(1, sizeof *mt);
    if (mt == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = mt;
    struct world *w = ctx->w;
    mt->rv = ctx->views->routing;
    mt->sv = ctx->views->sanctions;
    mt->pv = ctx->views->payments;
    mt->nhubs = mt->rv ? mt->rv->nhubs : 0;
    mt->nsanc = mt->sv ? mt->sv->n : 0;
    if (mt->nhubs > 0 && (mt->rv->share == NULL || mt->rv->hub_via == NULL))
        return err_set(e, SANC_EINTERNAL, "metrics: %d hubs without route shares", mt->nhubs);
    if (mt->nsanc > 0 && mt->sv->cover == NULL)
        return err_set(e, SANC_EINTERNAL, "metrics: %d sanctions without covered cells", mt->nsanc);
    size_t n2 = (size_t)w->nc * w->nc;
    mt->transit = calloc(mt->nhubs > 0 ? (size_t)mt->nhubs : 1, sizeof *mt->transit);
    mt->remaining = calloc(mt->nsanc > 0 ? (size_t)mt->nsanc : 1, sizeof *mt->remaining);
    mt->rerouted = calloc(mt->nsanc > 0 ? (size_t)mt->nsanc : 1, sizeof *mt->rerouted);
    mt->customs = calloc(n2, sizeof *mt->customs);
    mt->dependence = calloc(n2, sizeof *mt->dependence);
    mt->export_dep = calloc(n2, sizeof *mt->export_dep);
    mt->power = calloc(n2, sizeof *mt->power);
    mt->bilateral = calloc(n2, sizeof *mt->bilateral);
    mt->ex = calloc((size_t)w->nc, sizeof *mt->ex);
    mt->im = calloc((size_t)w->nc, sizeof *mt->im);
    mt->rsum = calloc(mt->nhubs > 0 ? n2 * (size_t)w->ns : 1, sizeof *mt->rsum);
    if (mt->pv != NULL && mt->pv->nsys > 0) { /* with only the fallback there is nothing to record */
        mt->settle = calloc((size_t)w->nc * (size_t)(mt->pv->nsys + 1), sizeof *mt->settle);
        mt->pcost = calloc((size_t)w->nc, sizeof *mt->pcost);
        if (mt->settle == NULL || mt->pcost == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }
    if (!mt->rsum || !mt->transit || !mt->remaining || !mt->rerouted || !mt->customs || !mt->dependence || !mt->export_dep ||
        !mt->power || !mt->bilateral || !mt->ex || !mt->im)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int nv0 = w->out.nvars;
    int rc = metrics_register(w, mt, e);
    if (rc != SANC_OK)
        return rc;
    /* while no module reads these outputs (the field registry says so),
     * unrecorded ones (a sweep keeping other variables) need not be
     * computed */
    for (const model_entry *me = model_registry; me->name != NULL; me++)
        if ((me->reads | me->reads_prev) & FIELD_BIT(FIELD_METRICS))
            mt->kept = 1;
    for (int v = nv0; v < w->out.nvars && !mt->kept; v++)
        mt->kept = world_keeps(w, w->out.vars[v].name);
    if ((rc = strategic_init(&mt->st, ctx, e)) != SANC_OK)
        return rc;
    if (mt->kept)
        metrics_compute(mt, w);
    return strategic_step(mt->st, w, 0, &ctx->lookahead, e);
}

static int metrics_step(struct model *m, struct world *w, int t, errbuf *e)
{
    metrics *mt = m->data;
    if (mt->kept)
        metrics_compute(mt, w);
    return strategic_step(mt->st, w, t, &m->lookahead, e);
}

static void metrics_finish(struct model *m)
{
    metrics *mt = m->data;
    if (mt == NULL)
        return;
    free(mt->transit);
    free(mt->remaining);
    free(mt->rerouted);
    free(mt->customs);
    free(mt->dependence);
    free(mt->export_dep);
    free(mt->power);
    free(mt->bilateral);
    free(mt->ex);
    free(mt->im);
    free(mt->rsum);
    free(mt->settle);
    free(mt->pcost);
    strategic_free(mt->st);
    free(mt);
    m->data = NULL;
}

const model_ops metrics_ops = {metrics_init, metrics_step, metrics_finish, NULL};
