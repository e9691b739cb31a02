/* payments.c - placeholder until the payments module lands (agent layer). */
#include "model.h"

static int payments_init(struct model *m, const struct scenario *sc, struct world *w, errbuf *e)
{
    (void)m, (void)sc, (void)w, (void)e;
    return SANC_OK;
}

static int payments_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)m, (void)w, (void)t, (void)e;
    return SANC_OK;
}

const model_ops payments_ops = {payments_init, payments_step, NULL};
