/*
 * sanction_financial.c - `type = "financial"`: no factor on cost.  While
 * active (enforcement only switches it on) the payments module revokes the
 * targets' banks' membership of `system`, largest first while the revoked
 * weight is below `coverage` (default 1: all), bars every target bank from
 * joining it, and restores the revoked memberships at the end; it reads
 * the system and coverage from the sanctions view (revoke_*).  The system
 * name is checked against payments.systems by the payments module.
 * Covered flows: all trade between senders and targets, both ways.
 */
#include <string.h>

#include "cfg.h"
#include "sanction_type.h"
#include "scenario.h"

static const char *const financial_keys[] = {"system", "coverage", NULL};

static int financial_parse(const scenario *sc, const config_setting_t *g, sanc_measure *m, errbuf *e)
{
    memset(m->sectors, 1, (size_t)sc->ns);
    const char *sys = NULL;
    int rc = cfg_get_string(g, "system", 1, &sys, e);
    if (rc != SANC_OK)
        return rc;
    double cov = 1.0;
    if ((rc = cfg_get_double(g, "coverage", 0, &cov, e)) < 0)
        return rc;
    if (!(cov > 0.0 && cov <= 1.0))
        return cfg_fail(config_setting_get_member(g, "coverage"), e, "must be in (0, 1] (got %g)", cov);
    m->revoke_system = sys;
    m->revoke_coverage = cov;
    m->revoke_where = config_setting_get_member(g, "system");
    return SANC_OK;
}

static int financial_cover(const sanc_measure *m, int i, int j)
{
    return (m->senders[i] && m->targets[j]) || (m->targets[i] && m->senders[j]);
}

static void financial_apply(const sanc_measure *m, double e, sanc_apply *a)
{
    (void)m;
    (void)e;
    (void)a;
}

const sanction_type sanction_financial = {"financial", financial_keys, 0, financial_parse, financial_cover,
                                          financial_apply};
