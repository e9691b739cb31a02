/*
 * sanction_secondary.c - `type = "secondary"`: a third country h (neither
 * sender nor target) pays, on its trade with the targets in `sectors`
 * (default all; both directions), factor 1 + penalty e w_hS, where w_hS is
 * h's share of cross-border trade done with the senders in the last
 * period's flows (0 for a country without trade).  The same amount
 * penalty e w_hS is h's pressure towards each target, which drives its
 * banks' exits from systems whose home is that target (payments).
 * The factor is the secondary factor G of DESIGN section 3a: it falls on the
 * parties (h's firms and banks), so routing applies it to the pair whatever
 * the route, and it neither sets the detection premium (enforcement of trade
 * measures only) nor admits the cell to evasion hubs.
 */
#include <math.h>
#include <stdlib.h>

#include "cfg.h"
#include "sanction_type.h"
#include "scenario.h"
#include "world.h"

typedef struct secondary_par {
    double penalty;
} secondary_par;

static const char *const secondary_keys[] = {"sectors", "penalty", NULL};

static int secondary_parse(const scenario *sc, const config_setting_t *g, sanc_measure *m, errbuf *e)
{
    secondary_par *p = calloc(1, sizeof *p);
    if (p == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->par = p;
    int rc = scenario_sector_set(sc, g, "sectors", m->sectors, e);
    if (rc < 0)
        return rc;
    if ((rc = cfg_get_double(g, "penalty", 1, &p->penalty, e)) != SANC_OK)
        return rc;
    if (!(p->penalty >= 0.0))
        return cfg_fail(config_setting_get_member(g, "penalty"), e, "must be >= 0 (got %g)", p->penalty);
    return SANC_OK;
}

static int secondary_cover(const sanc_measure *m, int i, int j)
{
    int third_i = !m->senders[i] && !m->targets[i], third_j = !m->senders[j] && !m->targets[j];
    return (third_i && m->targets[j]) || (m->targets[i] && third_j);
}

static void secondary_apply(const sanc_measure *m, double e, sanc_apply *a)
{
    const secondary_par *p = m->par;
    const world *w = a->w;
    int nc = w->nc, ns = w->ns;
    for (int h = 0; h < nc; h++) {
        if (m->senders[h] || m->targets[h])
            continue;
        double whs = 0.0;
        if (a->total[h] > 0.0) {
            for (int c = 0; c < nc; c++)
                if (m->senders[c])
                    whs += a->pair[W2(w, h, c)];
            whs /= a->total[h];
        }
        double amount = p->penalty * e * whs;
        double lf = log1p(amount);
        for (int j = 0; j < nc; j++) {
            if (!m->targets[j])
                continue;
            a->pressure[W2(w, h, j)] += amount;
            for (int k = 0; k < ns; k++) {
                if (!m->sectors[k])
                    continue;
                a->logG[W3(w, h, j, k)] += lf;
                a->logG[W3(w, j, h, k)] += lf;
            }
        }
    }
}

const sanction_type sanction_secondary = {"secondary", secondary_keys, 1, secondary_parse, secondary_cover,
                                          secondary_apply};
