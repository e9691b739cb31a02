/*
 * registry.c - the one table that names the pipeline's modules and the
 * settings block each one owns.
 *
 * Order is the stepping order of DESIGN sections 3 and 3b: governments -> policy -> sanctions ->
 * payments -> routing -> gravity -> metrics.  A new mechanism is one file
 * pair plus one line here.
 */
#include <string.h>

#include "cfg.h"
#include "model.h"
#include "scenario.h"

extern const model_ops governments_ops, policy_ops, sanctions_ops, payments_ops, routing_ops, gravity_ops, metrics_ops;

#define F(x) FIELD_BIT(FIELD_##x)
const model_entry model_registry[] = {
    /* decisions of governments on their declared actions (DESIGN 3b) */
    {"governments", &governments_ops, "governments", MODEL_BLOCK_GROUP, F(DECISIONS), 0,
     F(EQUILIBRIUM) | F(SANCTIONS) | F(PAYMENTS) | F(ROUTES)},
    /* dated events: cost shocks, transfers */
    {"policy", &policy_ops, NULL, MODEL_BLOCK_NONE, F(SHOCKS) | F(TRANSFERS), F(DECISIONS), 0},
    /* trade, financial and secondary measures (secondary pressure from
     * last period's trade) */
    {"sanctions", &sanctions_ops, "sanctions", MODEL_BLOCK_LIST, F(SANCTIONS), F(DECISIONS), F(EQUILIBRIUM)},
    /* banks, systems, channel choice, payment wedge (revocations from this
     * period's financial measures; hazards from last period's trade) */
    {"payments", &payments_ops, "payments", MODEL_BLOCK_GROUP, F(PAYMENTS), F(SANCTIONS) | F(DECISIONS), F(EQUILIBRIUM)},
    /* hubs and corridors, route aggregate M(t)/M(0) (sanction factors of
     * this period; congestion from last period's flows) */
    {"routing", &routing_ops, "routing", MODEL_BLOCK_GROUP, F(ROUTES), F(SANCTIONS) | F(DECISIONS), F(EQUILIBRIUM)},
    /* partial adjustment of openness, GE solve */
    {"gravity", &gravity_ops, NULL, MODEL_BLOCK_NONE, F(EQUILIBRIUM), F(SHOCKS) | F(PAYMENTS) | F(ROUTES),
     F(EQUILIBRIUM)},
    /* derived outputs: dependence, transit, sanction effects */
    {"metrics", &metrics_ops, "metrics", MODEL_BLOCK_GROUP, F(METRICS),
     F(EQUILIBRIUM) | F(SANCTIONS) | F(PAYMENTS) | F(ROUTES) | F(TRANSFERS), F(EQUILIBRIUM)},
    {NULL, NULL, NULL, MODEL_BLOCK_NONE, 0, 0, 0},
};
#undef F

const char *const model_field_names[FIELD_COUNT] = {
#define MODEL__NAME(id, name) name,
    MODEL_FIELDS(MODEL__NAME)
#undef MODEL__NAME
};

int model_check_fields(const model_entry *reg, errbuf *e)
{
    unsigned all = 0, before = 0;
    for (const model_entry *m = reg; m->name != NULL; m++) {
        for (int f = 0; f < FIELD_COUNT; f++)
            if ((m->publishes & all) & FIELD_BIT(f))
                return err_set(e, SANC_EINTERNAL, "module %s publishes %s, which another module publishes",
                               m->name, model_field_names[f]);
        all |= m->publishes;
    }
    for (const model_entry *m = reg; m->name != NULL; m++) {
        for (int f = 0; f < FIELD_COUNT; f++) {
            unsigned b = FIELD_BIT(f);
            if ((m->reads & b) && !(before & b)) {
                const model_entry *p = reg;
                while (p->name != NULL && !(p->publishes & b))
                    p++;
                if (p->name == NULL)
                    return err_set(e, SANC_EINTERNAL, "module %s reads %s, which no module publishes", m->name,
                                   model_field_names[f]);
                return err_set(e, SANC_EINTERNAL,
                               "module %s reads this period's %s, but its publisher %s steps later", m->name,
                               model_field_names[f], p->name);
            }
            if ((m->reads_prev & b) && !(all & b))
                return err_set(e, SANC_EINTERNAL, "module %s reads last period's %s, which no module publishes",
                               m->name, model_field_names[f]);
        }
        before |= m->publishes;
    }
    return SANC_OK;
}

const model_entry *model_find(const char *name)
{
    for (const model_entry *m = model_registry; m->name != NULL; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

const model_ops *model_lookup(const char *name)
{
    const model_entry *m = model_find(name);
    return m ? m->ops : NULL;
}

int model_start(model *md, const char *name, const scenario *sc, struct world *w, model_views *views, errbuf *e)
{
    const model_entry *me = model_find(name);
    if (me == NULL)
        return err_set(e, SANC_EINTERNAL, "unknown module '%s'", name);
    md->name = me->name;
    md->ops = me->ops;
    md->data = NULL; /* md->lookahead is the caller's (zero: none) */
    config_setting_t *blk = NULL;
    if (me->block != NULL && sc != NULL) {
        config_setting_t *root = config_root_setting(&sc->cfg.lc);
        int rc = me->block_kind == MODEL_BLOCK_LIST ? cfg_get_list(root, me->block, 0, &blk, e)
                                                    : cfg_get_group(root, me->block, 0, &blk, e);
        if (rc < 0)
            return rc;
    }
    model_init ctx = {.sc = sc, .block = blk, .w = w, .views = views, .lookahead = md->lookahead};
    return md->ops->init(md, &ctx, e);
}
