/*
 * ge_model.c - the registry of GE models (ge_model.h): one line per model.
 */
#include "ge_model.h"

#include <string.h>

const ge_model_ops *const ge_model_registry[] = {
    &ge_armington_ops, /* DESIGN section 2 (+ revenue wedges, section 2b) */
    &ge_io_model_ops,  /* DESIGN section 2b: Caliendo-Parro production network */
    NULL,
};

const ge_model_ops *ge_model_find(const char *name)
{
    for (int i = 0; ge_model_registry[i] != NULL; i++)
        if (strcmp(ge_model_registry[i]->name, name) == 0)
            return ge_model_registry[i];
    return NULL;
}

const char *ge_model_names(void)
{
    static char buf[256];
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; ge_model_registry[i] != NULL && len + 1 < sizeof buf; i++) {
        size_t n = strlen(ge_model_registry[i]->name);
        if (len + n + 3 >= sizeof buf)
            break;
        if (i > 0) {
            memcpy(buf + len, ", ", 2);
            len += 2;
        }
        memcpy(buf + len, ge_model_registry[i]->name, n);
        len += n;
        buf[len] = '\0';
    }
    return buf;
}
