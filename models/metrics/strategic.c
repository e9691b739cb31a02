/*
 * strategic.c - leverage, sector dependence with transfers and the
 * strategic power balance (DESIGN section 3b; strategic.h).
 *
 * leverage(time, country, partner) = ln W_partner(status quo) -
 *   ln W_partner(embargo): the embargo closes the pair's aggregate wedge in
 *   both directions and all sectors (openness 0 after routing, so no hub
 *   carries it; transfers are not priced and stay), both evaluated by the
 *   run's pure look-ahead on period t's wedges with full adjustment.  One
 *   embargo gives both directions of a pair, so a listed pair fills
 *   (c, p) and (p, c).  Computed at period 0 and every `every` periods,
 *   carried forward between; where the embargo has no equilibrium, leverage
 *   = 0 and leverage_feasible = 0; pairs not listed stay 0 with feasible 0.
 * leverage_balance(c, p) = leverage(c, p) - leverage(p, c): > 0, c holds it.
 * dependence_sector(time, importer, exporter, sector): imports of importer
 *   from exporter in the sector over its cross-border imports in the sector,
 *   transfers in force counted as imports (0 with none).
 * strategic_power_balance(time, country, partner): D_S(country on partner)
 *   - D_S(partner on country), D_S the import dependence over the strategic
 *   sectors, transfers counted.
 */
#include "strategic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "world.h"

struct strategic {
    int every;              /* leverage period (0: off) */
    unsigned char *pair;    /* nc*nc: unordered pairs to embargo, stored at [min*nc + max] */
    unsigned char *sect;    /* ns: strategic sectors */
    int nsect, dep_sector;
    const governments_view *gv;
    double *lev, *bal, *feas;  /* nc*nc */
    double *dep;            /* nc*nc*ns [(j*nc + i)*ns + k] importer j, exporter i */
    double *spb;            /* nc*nc */
    double *T;              /* nc*nc*ns transfers in force */
    double *extra, *wel0, *wel;
};

void strategic_free(strategic *s)
{
    if (s == NULL)
        return;
    free(s->pair);
    free(s->sect);
    free(s->lev);
    free(s->bal);
    free(s->feas);
    free(s->dep);
    free(s->spb);
    free(s->T);
    free(s->extra);
    free(s->wel0);
    free(s->wel);
    free(s);
}

static int strategic_pairs(strategic *s, const scenario *sc, const config_setting_t *lg, errbuf *e)
{
    int nc = sc->nc;
    config_setting_t *pl = config_setting_get_member(lg, "pairs");
    if (pl == NULL) { /* every pair */
        for (int a = 0; a < nc; a++)
            for (int b = a + 1; b < nc; b++)
                s->pair[(size_t)a * nc + b] = 1;
        return SANC_OK;
    }
    if (!config_setting_is_aggregate(pl))
        return cfg_fail(pl, e, "expected a list of country pairs, e.g. ( [\"RUS\", \"IRN\"] )");
    int n = config_setting_length(pl);
    for (int q = 0; q < n; q++) {
        config_setting_t *el = config_setting_get_elem(pl, (unsigned)q);
        if (!config_setting_is_aggregate(el) || config_setting_length(el) != 2)
            return cfg_fail(el, e, "expected a pair of country codes [\"A\", \"B\"]");
        int ab[2];
        for (int k = 0; k < 2; k++) {
            const char *code = config_setting_get_string_elem(el, k);
            if (code == NULL)
                return cfg_fail(el, e, "expected a pair of country codes [\"A\", \"B\"]");
            if ((ab[k] = scenario_country_index(sc, code)) < 0)
                return cfg_fail(el, e, "unknown country code '%s'", code);
        }
        if (ab[0] == ab[1])
            return cfg_fail(el, e, "a pair needs two different countries");
        int lo = ab[0] < ab[1] ? ab[0] : ab[1], hi = ab[0] < ab[1] ? ab[1] : ab[0];
        s->pair[(size_t)lo * nc + hi] = 1;
    }
    return SANC_OK;
}

int strategic_init(strategic **out, const model_init *ctx, errbuf *e)
{
    static const char *const keys[] = {"leverage", "strategic_sectors", "dependence_sector", NULL};
    static const char *const lkeys[] = {"every", "pairs", NULL};
    *out = NULL;
    const config_setting_t *b = ctx->block;
    if (b == NULL)
        return SANC_OK;
    const scenario *sc = ctx->sc;
    struct world *w = ctx->w;
    size_t nc = (size_t)w->nc, ns = (size_t)w->ns, n2 = nc * nc;
    int rc = cfg_check_keys(b, keys, e);
    if (rc != SANC_OK)
        return rc;
    strategic *s = calloc(1, sizeof *s);
    if (s == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    s->pair = calloc(n2, 1);
    s->sect = calloc(ns, 1);
    if (s->pair == NULL || s->sect == NULL) {
        strategic_free(s);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    config_setting_t *lg = NULL;
    if ((rc = cfg_get_group(b, "leverage", 0, &lg, e)) < 0)
        goto fail;
    if (lg != NULL) {
        int64_t every = 0;
        if ((rc = cfg_check_keys(lg, lkeys, e)) != SANC_OK ||
            (rc = cfg_get_int(lg, "every", 0, 0, SC_END_NEVER - 1, &every, e)) < 0 ||
            (rc = strategic_pairs(s, sc, lg, e)) != SANC_OK)
            goto fail;
        s->every = (int)every;
    }
    if (config_setting_get_member(b, "strategic_sectors") != NULL) {
        if ((rc = scenario_sector_set(sc, b, "strategic_sectors", s->sect, e)) < 0)
            goto fail;
        for (size_t k = 0; k < ns; k++)
            s->nsect += s->sect[k] != 0;
    }
    if ((rc = cfg_get_bool(b, "dependence_sector", 0, &s->dep_sector, e)) < 0)
        goto fail;
    if (s->nsect > 0)
        s->dep_sector = 1;
    if (s->every == 0 && !s->dep_sector) {
        strategic_free(s);
        return SANC_OK;
    }
    s->gv = ctx->views->governments;
    s->lev = calloc(n2, sizeof *s->lev);
    s->bal = calloc(n2, sizeof *s->bal);
    s->feas = calloc(n2, sizeof *s->feas);
    s->dep = calloc(n2 * ns, sizeof *s->dep);
    s->spb = calloc(n2, sizeof *s->spb);
    s->T = calloc(n2 * ns, sizeof *s->T);
    s->extra = calloc(n2 * ns, sizeof *s->extra);
    s->wel0 = calloc(nc, sizeof *s->wel0);
    s->wel = calloc(nc, sizeof *s->wel);
    if (!s->lev || !s->bal || !s->feas || !s->dep || !s->spb || !s->T || !s->extra || !s->wel0 || !s->wel) {
        rc = err_set(e, SANC_ENOMEM, "out of memory");
        goto fail;
    }
    if (s->every > 0 && (ctx->lookahead.eval == NULL)) {
        rc = err_set(e, SANC_EINTERNAL, "metrics: leverage needs the run's look-ahead");
        goto fail;
    }
    const schema_var lev[] = {
        {"leverage", "1", "leverage by embargo",
         "ln welfare of partner in the status quo minus under an embargo by country (the pair's trade closed in "
         "both directions, all sectors, after routing), by look-ahead with full adjustment at the last leverage "
         "period (metrics.leverage.every); 0 where not computed or infeasible",
         2, {DIM_COUNTRY, DIM_PARTNER}, 0, s->lev},
        {"leverage_balance", "1", "leverage balance",
         "leverage[country][partner] - leverage[partner][country]: > 0 when country holds the leverage", 2,
         {DIM_COUNTRY, DIM_PARTNER}, 0, s->bal},
        {"leverage_feasible", "1", "leverage computed",
         "1 where the pair's embargo was evaluated and had an equilibrium, else 0", 2, {DIM_COUNTRY, DIM_PARTNER},
         0, s->feas},
    };
    const schema_var dep = {
        "dependence_sector", "1", "import dependence by sector",
        "importer's imports from exporter in the sector over its cross-border imports in the sector, non-market "
        "transfers counted as imports; 0 on the diagonal and without imports",
        3, {DIM_IMPORTER, DIM_EXPORTER, DIM_SECTOR}, 0, s->dep};
    const schema_var spb = {
        "strategic_power_balance", "1", "strategic power balance",
        "import dependence of country on partner minus that of partner on country over metrics.strategic_sectors, "
        "transfers counted as imports: > 0 when country relies more on partner",
        2, {DIM_COUNTRY, DIM_PARTNER}, 0, s->spb};
    for (size_t v = 0; v < 3 && s->every > 0; v++)
        if ((rc = world_add_var(w, &lev[v], e)) != SANC_OK)
            goto fail;
    if (s->dep_sector && (rc = world_add_var(w, &dep, e)) != SANC_OK)
        goto fail;
    if (s->nsect > 0 && (rc = world_add_var(w, &spb, e)) != SANC_OK)
        goto fail;
    *out = s;
    return SANC_OK;
fail:
    strategic_free(s);
    return rc;
}

/* Transfers in force in period t, by cell (events' windows as decided). */
static void strategic_transfers(strategic *s, const struct world *w, int t)
{
    const scenario *sc = w->sc;
    memset(s->T, 0, (size_t)w->nc * w->nc * w->ns * sizeof *s->T);
    for (int v = 0; v < sc->nevents; v++) {
        const sc_event *ev = &sc->events[v];
        if (ev->type != SC_EV_TRANSFER)
            continue;
        int start = ev->start, end = ev->end;
        if (s->gv != NULL)
            s->gv->window(s->gv->self, GOV_EVENT, v, &start, &end);
        if (t >= start && t < end)
            s->T[W3(w, ev->exporter, ev->importer, ev->sector)] += ev->value;
    }
}

static void strategic_dependence(strategic *s, const struct world *w)
{
    int nc = w->nc, ns = w->ns;
    for (int j = 0; j < nc; j++) {
        for (int k = 0; k < ns; k++) {
            double tot = 0.0;
            for (int i = 0; i < nc; i++)
                if (i != j)
                    tot += w->X[W3(w, i, j, k)] + s->T[W3(w, i, j, k)];
            for (int i = 0; i < nc; i++)
                s->dep[W3(w, j, i, k)] =
                    i != j && tot > 0.0 ? (w->X[W3(w, i, j, k)] + s->T[W3(w, i, j, k)]) / tot : 0.0;
        }
    }
    if (s->nsect == 0)
        return;
    /* D_S[a][b]: a's imports from b over a's imports, strategic sectors */
    for (int a = 0; a < nc; a++) {
        double tot = 0.0;
        for (int i = 0; i < nc; i++)
            if (i != a)
                for (int k = 0; k < ns; k++)
                    if (s->sect[k])
                        tot += w->X[W3(w, i, a, k)] + s->T[W3(w, i, a, k)];
        for (int b = 0; b < nc; b++) {
            double v = 0.0;
            if (b != a && tot > 0.0) {
                for (int k = 0; k < ns; k++)
                    if (s->sect[k])
                        v += w->X[W3(w, b, a, k)] + s->T[W3(w, b, a, k)];
                v /= tot;
            }
            s->spb[W2(w, a, b)] = v; /* D_S for now */
        }
    }
    for (int a = 0; a < nc; a++)
        for (int b = a + 1; b < nc; b++) {
            double dab = s->spb[W2(w, a, b)], dba = s->spb[W2(w, b, a)];
            s->spb[W2(w, a, b)] = dab - dba;
            s->spb[W2(w, b, a)] = dba - dab;
        }
    for (int a = 0; a < nc; a++)
        s->spb[W2(w, a, a)] = 0.0;
}

static int strategic_leverage(strategic *s, const struct world *w, const model_lookahead *la, errbuf *e)
{
    int nc = w->nc, ns = w->ns;
    errbuf le;
    err_init(&le);
    int rc = la->eval(la->ctx, w, NULL, s->wel0, NULL, &le);
    if (rc != SANC_OK)
        return err_set(e, rc, "metrics: leverage: the status quo has no look-ahead: %s", le.msg);
    for (int a = 0; a < nc; a++)
        for (int b = a + 1; b < nc; b++) {
            if (!s->pair[(size_t)a * nc + b])
                continue;
            for (int k = 0; k < ns; k++)
                s->extra[W3(w, a, b, k)] = s->extra[W3(w, b, a, k)] = -INFINITY;
            err_init(&le);
            rc = la->eval(la->ctx, w, s->extra, s->wel, NULL, &le);
            for (int k = 0; k < ns; k++)
                s->extra[W3(w, a, b, k)] = s->extra[W3(w, b, a, k)] = 0.0;
            int ok = rc == SANC_OK && s->wel[a] > 0.0 && s->wel[b] > 0.0 && s->wel0[a] > 0.0 && s->wel0[b] > 0.0;
            if (rc != SANC_OK && rc != SANC_ENOEQ && rc != SANC_ENOCONV)
                return err_set(e, rc, "metrics: leverage: %s", le.msg);
            s->lev[W2(w, a, b)] = ok ? log(s->wel0[b]) - log(s->wel[b]) : 0.0;
            s->lev[W2(w, b, a)] = ok ? log(s->wel0[a]) - log(s->wel[a]) : 0.0;
            s->feas[W2(w, a, b)] = s->feas[W2(w, b, a)] = ok;
        }
    for (int a = 0; a < nc; a++)
        for (int b = 0; b < nc; b++)
            s->bal[W2(w, a, b)] = s->lev[W2(w, a, b)] - s->lev[W2(w, b, a)];
    return SANC_OK;
}

int strategic_step(strategic *s, const struct world *w, int t, const model_lookahead *la, errbuf *e)
{
    if (s == NULL)
        return SANC_OK;
    if (s->dep_sector) {
        strategic_transfers(s, w, t);
        strategic_dependence(s, w);
    }
    if (s->every > 0 && t % s->every == 0)
        return strategic_leverage(s, w, la, e);
    return SANC_OK;
}
