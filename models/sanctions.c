/* sanctions.c - placeholder until the sanctions module lands (agent layer). */
#include "model.h"

static int sanctions_init(struct model *m, const struct scenario *sc, struct world *w, errbuf *e)
{
    (void)m, (void)sc, (void)w, (void)e;
    return SANC_OK;
}

static int sanctions_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)m, (void)w, (void)t, (void)e;
    return SANC_OK;
}

const model_ops sanctions_ops = {sanctions_init, sanctions_step, NULL};
