/* metrics.c - placeholder until the metrics module lands (agent layer). */
#include "model.h"

static int metrics_init(struct model *m, const struct scenario *sc, struct world *w, errbuf *e)
{
    (void)m, (void)sc, (void)w, (void)e;
    return SANC_OK;
}

static int metrics_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)m, (void)w, (void)t, (void)e;
    return SANC_OK;
}

const model_ops metrics_ops = {metrics_init, metrics_step, NULL};
