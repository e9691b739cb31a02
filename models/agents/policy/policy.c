/*
 * policy.c - the first module of each period: activates and deactivates
 * dated events (start inclusive, end exclusive) and writes their effect on
 * the world: the summed log openness of active cost shocks
 * (w->shock_logphi) and the non-market transfers of the period
 * (w->transfers, an annual rate like the flows, never priced), and the
 * revenue wedges of active events (w->ev_tariff, ev_export_tax,
 * ev_tariff_level; DESIGN 2b).
 * Payment-system join/exit events are applied by the payments module.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "scenario.h"
#include "scenario_io.h"
#include "world.h"

/* With governments (DESIGN 3b) an event's window may be decided or cut
 * short by a stop: the governments view says which (NULL: dated only). */
typedef struct policy {
    const governments_view *gv;
} policy;

static int policy_apply(const policy *pl, struct world *w, int t)
{
    const scenario *sc = w->sc;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    memset(w->shock_logphi, 0, n3 * sizeof *w->shock_logphi);
    if (w->ev_tariff != NULL) {
        memset(w->ev_tariff, 0, n3 * sizeof *w->ev_tariff);
        memset(w->ev_export_tax, 0, n3 * sizeof *w->ev_export_tax);
        for (size_t c = 0; c < n3; c++)
            w->ev_tariff_level[c] = NAN;
    }
    memset(w->transfers, 0, (size_t)w->nc * w->nc * sizeof *w->transfers);
    for (int v = 0; v < sc->nevents; v++) {
        const sc_event *ev = &sc->events[v];
        int start = ev->start, end = ev->end;
        if (pl != NULL && pl->gv != NULL)
            pl->gv->window(pl->gv->self, GOV_EVENT, v, &start, &end);
        if (t < start || t >= end)
            continue;
        if (ev->type == SC_EV_SHOCK) {
            /* products of factors are sums of logs; -inf closes for good */
            for (int c = 0; c < ev->ncells; c++)
                w->shock_logphi[ev->cells[c].idx] += ev->cells[c].logphi;
            if (ev->revenue && w->ev_tariff != NULL)
                scenario_io_event_revenue(ev, w->nc, w->ns, w->ev_tariff, w->ev_export_tax, w->ev_tariff_level);
        } else if (ev->type == SC_EV_TRANSFER) {
            w->transfers[W2(w, ev->exporter, ev->importer)] += ev->value;
        }
    }
    return SANC_OK;
}

static int policy_init(struct model *m, const model_init *ctx, errbuf *e)
{
    struct world *w = ctx->w;
    if (ctx->views->governments != NULL) {
        policy *pl = calloc(1, sizeof *pl);
        if (pl == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        pl->gv = ctx->views->governments;
        m->data = pl;
    }
    int has_transfers = 0;
    for (int v = 0; v < w->sc->nevents; v++)
        has_transfers |= w->sc->events[v].type == SC_EV_TRANSFER;
    if (!has_transfers)
        return SANC_OK;
    schema_var tv = {
        .name = "transfers", .units = "$units", .long_name = "non-market transfers",
        .description = "value of non-market transfers (e.g. arms for technology) by exporter and importer, "
                       "recorded from transfer events, as an annual rate; not priced and not part of flows",
        .ndims = 2, .dims = {DIM_EXPORTER, DIM_IMPORTER}, .data = w->transfers,
    };
    return world_add_var(w, &tv, e);
}

static int policy_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)e;
    return policy_apply(m->data, w, t);
}

static void policy_finish(struct model *m)
{
    free(m->data);
    m->data = NULL;
}

const model_ops policy_ops = {policy_init, policy_step, policy_finish, NULL};
