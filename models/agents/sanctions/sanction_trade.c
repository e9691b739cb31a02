/*
 * sanction_trade.c - `type = "trade"`: direction export (senders ->
 * targets), import (targets -> senders) or both (default) on `sectors`
 * (default all); `intensity = x` puts factor 1 + x e on cost, `ban = true`
 * keeps share (1 - e) of the direct route's openness, factor
 * (1-e)^(1/(1-sigma_k)) (+inf at e = 1: the direct route is closed).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "sanction_type.h"
#include "scenario.h"
#include "world.h"

enum { DIR_EXPORT = 1, DIR_IMPORT = 2, DIR_BOTH = 3 };

typedef struct trade_par {
    int direction;
    int cost;         /* has intensity or ban */
    int ban;          /* 1 ban, 0 intensity */
    double intensity;
    /* revenue wedges (DESIGN 2b): rate increments at enforcement e and a
     * tariff level the rate moves to (NAN: none) */
    double tariff, export_tax, tariff_level;
} trade_par;

static const char *const trade_keys[] = {"direction", "sectors", "intensity", "ban", "tariff", "export_tax",
                                         "tariff_level", NULL};

static int trade_rate(const config_setting_t *g, const char *key, double *v, int *has, errbuf *e)
{
    int rc = cfg_get_double(g, key, 0, v, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK) {
        if (!(*v > -1.0))
            return cfg_fail(config_setting_get_member(g, key), e, "must be > -1 (got %g)", *v);
        *has = 1;
    }
    return SANC_OK;
}

static int trade_parse(const scenario *sc, const config_setting_t *g, sanc_measure *m, errbuf *e)
{
    trade_par *p = calloc(1, sizeof *p);
    if (p == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->par = p;
    int rc = scenario_sector_set(sc, g, "sectors", m->sectors, e);
    if (rc < 0)
        return rc;
    const char *dir = "both";
    if ((rc = cfg_get_string(g, "direction", 0, &dir, e)) < 0)
        return rc;
    if (strcmp(dir, "export") == 0)
        p->direction = DIR_EXPORT;
    else if (strcmp(dir, "import") == 0)
        p->direction = DIR_IMPORT;
    else if (strcmp(dir, "both") == 0)
        p->direction = DIR_BOTH;
    else
        return cfg_fail(config_setting_get_member(g, "direction"), e,
                        "unknown direction '%s' (expected export, import or both)", dir);
    const config_setting_t *si = config_setting_get_member(g, "intensity");
    const config_setting_t *sb = config_setting_get_member(g, "ban");
    if (si != NULL && sb != NULL)
        return cfg_fail(sb, e, "give either intensity or ban, not both");
    p->tariff_level = NAN;
    if ((rc = trade_rate(g, "tariff", &p->tariff, &m->revenue, e)) != SANC_OK ||
        (rc = trade_rate(g, "export_tax", &p->export_tax, &m->revenue, e)) != SANC_OK ||
        (rc = trade_rate(g, "tariff_level", &p->tariff_level, &m->revenue, e)) != SANC_OK)
        return rc;
    p->cost = si != NULL || sb != NULL;
    if (!p->cost && !m->revenue)
        return cfg_fail(g, e, "a trade measure needs intensity = x, ban = true, tariff, export_tax or tariff_level");
    if (!p->cost)
        return SANC_OK;
    if (si != NULL) {
        if ((rc = cfg_get_double(g, "intensity", 1, &p->intensity, e)) != SANC_OK)
            return rc;
        if (!(p->intensity >= 0.0))
            return cfg_fail(si, e, "must be >= 0 (got %g)", p->intensity);
    } else {
        if ((rc = cfg_get_bool(g, "ban", 1, &p->ban, e)) != SANC_OK)
            return rc;
        /* `ban = false` would silently make a measure without effect */
        if (!p->ban)
            return cfg_fail(sb, e, "must be true (use intensity = x for a partial measure)");
    }
    return SANC_OK;
}

static int trade_cover(const sanc_measure *m, int i, int j)
{
    const trade_par *p = m->par;
    return ((p->direction & DIR_EXPORT) && m->senders[i] && m->targets[j]) ||
           ((p->direction & DIR_IMPORT) && m->targets[i] && m->senders[j]);
}

static void trade_apply(const sanc_measure *m, double e, sanc_apply *a)
{
    const trade_par *p = m->par;
    const world *w = a->w;
    int nc = w->nc, ns = w->ns;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            if (!trade_cover(m, i, j))
                continue;
            for (int k = 0; k < ns; k++) {
                if (!m->sectors[k])
                    continue;
                size_t c = W3(w, i, j, k);
                if (m->revenue && a->tariff != NULL) {
                    a->tariff[c] += e * p->tariff;
                    a->export_tax[c] += e * p->export_tax;
                    if (!isnan(p->tariff_level)) { /* the later measure's level wins */
                        a->tariff_level[c] = p->tariff_level;
                        a->tariff_level_e[c] = e;
                    }
                }
                if (!p->cost)
                    continue;
                double lf;
                if (!p->ban)
                    lf = log1p(p->intensity * e);
                else if (e >= 1.0)
                    lf = INFINITY; /* the direct route is closed */
                else
                    lf = log1p(-e) / (1.0 - w->sc->sigma[k]);
                sanction_hit(a, c, lf, e);
            }
        }
}

const sanction_type sanction_trade = {"trade", trade_keys, 0, trade_parse, trade_cover, trade_apply};
