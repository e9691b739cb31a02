/*
 * registry.c - the one table that names the pipeline's modules.
 *
 * Order is the stepping order of DESIGN section 3: policy -> sanctions ->
 * payments -> routing -> gravity -> metrics.  A new mechanism is one file
 * pair plus one line here.
 */
#include <string.h>

#include "model.h"

extern const model_ops policy_ops, sanctions_ops, payments_ops, routing_ops, gravity_ops, metrics_ops;

const model_entry model_registry[] = {
    {"policy", &policy_ops},       /* dated events: cost shocks, transfers */
    {"sanctions", &sanctions_ops}, /* trade, financial and secondary measures */
    {"payments", &payments_ops},   /* banks, systems, channel choice, payment wedge */
    {"routing", &routing_ops},     /* hubs and corridors, route aggregate M(t)/M(0) */
    {"gravity", &gravity_ops},     /* partial adjustment of openness, GE solve */
    {"metrics", &metrics_ops},     /* derived outputs: dependence, transit, sanction effects */
    {NULL, NULL},
};

const model_ops *model_lookup(const char *name)
{
    for (const model_entry *m = model_registry; m->name != NULL; m++)
        if (strcmp(m->name, name) == 0)
            return m->ops;
    return NULL;
}
