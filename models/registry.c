/*
 * registry.c - the one table that names the pipeline's modules.
 *
 * Order is the stepping order of DESIGN section 3: policy -> sanctions ->
 * payments -> routing -> gravity -> metrics.  A new mechanism is one file
 * pair plus one line here.
 */
#include <string.h>

#include "model.h"

extern const model_ops policy_ops;
extern const model_ops gravity_ops;

const model_entry model_registry[] = {
    {"policy", &policy_ops},   /* dated events: cost shocks, transfers */
    {"gravity", &gravity_ops}, /* partial adjustment of openness, GE solve */
    {NULL, NULL},
};

const model_ops *model_lookup(const char *name)
{
    for (const model_entry *m = model_registry; m->name != NULL; m++)
        if (strcmp(m->name, name) == 0)
            return m->ops;
    return NULL;
}
