/* routing.c - placeholder until the routing module lands (agent layer). */
#include "model.h"

static int routing_init(struct model *m, const struct scenario *sc, struct world *w, errbuf *e)
{
    (void)m, (void)sc, (void)w, (void)e;
    return SANC_OK;
}

static int routing_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)m, (void)w, (void)t, (void)e;
    return SANC_OK;
}

const model_ops routing_ops = {routing_init, routing_step, NULL};
