/* decision.c - the keys of decided items (see decision.h). */
#include "decision.h"

#include <string.h>

#include "cfg.h"
#include "scenario.h"

#define SC_MAX_LAG 100000

int scenario_is_decided(const config_setting_t *g)
{
    const config_setting_t *s = config_setting_get_member(g, "start");
    return s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING &&
           strcmp(config_setting_get_string(s), "decided") == 0;
}

int scenario_window_decided(const scenario *sc, const config_setting_t *g, int min_start, int *start, int *end,
                            sc_decision *d, errbuf *e)
{
    static const char *const keys[] = {SC_DECISION_KEYS, NULL};
    memset(d, 0, sizeof *d);
    d->owner = d->partner = -1;
    d->lag = 1;
    d->where = g;
    if (!scenario_is_decided(g)) {
        for (int k = 0; keys[k] != NULL; k++)
            if (config_setting_get_member(g, keys[k]) != NULL)
                return cfg_fail(config_setting_get_member(g, keys[k]), e,
                                "only for an action a government decides (start = \"decided\")");
        return scenario_window(sc, g, min_start, start, end, e);
    }
    const config_setting_t *st = config_setting_get_member(g, "start");
    if (config_lookup(&sc->cfg.lc, "governments") == NULL)
        return cfg_fail(st, e, "start = \"decided\" needs a governments block");
    if (config_setting_get_member(g, "end") != NULL)
        return cfg_fail(config_setting_get_member(g, "end"), e,
                        "a decided action has no end (make it reversible, or decide a stop)");
    d->decided = 1;
    *start = *end = SC_END_NEVER;
    int rc = scenario_country(sc, g, "owner", 1, &d->owner, e);
    if (rc != SANC_OK)
        return rc;
    if ((rc = scenario_country(sc, g, "partner", 0, &d->partner, e)) < 0)
        return rc;
    if (d->partner == d->owner)
        return cfg_fail(config_setting_get_member(g, "partner"), e, "the partner must differ from the owner");
    int64_t lag = 1;
    if ((rc = cfg_get_int(g, "lag", 0, 0, SC_MAX_LAG, &lag, e)) < 0)
        return rc;
    d->lag = (int)lag;
    rc = cfg_get_double(g, "cost", 0, &d->cost, e);
    if (rc < 0)
        return rc;
    if (!(d->cost >= 0.0))
        return cfg_fail(config_setting_get_member(g, "cost"), e, "must be >= 0 (got %g)", d->cost);
    if ((rc = cfg_get_bool(g, "reversible", 0, &d->reversible, e)) < 0)
        return rc;
    return SANC_OK;
}
