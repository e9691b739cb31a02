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

const model_entry model_registry[] = {
    /* decisions of governments on their declared actions (DESIGN 3b) */
    {"governments", &governments_ops, "governments", MODEL_BLOCK_GROUP},
    /* dated events: cost shocks, transfers */
    {"policy", &policy_ops, NULL, MODEL_BLOCK_NONE},
    /* trade, financial and secondary measures */
    {"sanctions", &sanctions_ops, "sanctions", MODEL_BLOCK_LIST},
    /* banks, systems, channel choice, payment wedge */
    {"payments", &payments_ops, "payments", MODEL_BLOCK_GROUP},
    /* hubs and corridors, route aggregate M(t)/M(0) */
    {"routing", &routing_ops, "routing", MODEL_BLOCK_GROUP},
    /* partial adjustment of openness, GE solve */
    {"gravity", &gravity_ops, NULL, MODEL_BLOCK_NONE},
    /* derived outputs: dependence, transit, sanction effects */
    {"metrics", &metrics_ops, "metrics", MODEL_BLOCK_GROUP},
    {NULL, NULL, NULL, MODEL_BLOCK_NONE},
};

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
