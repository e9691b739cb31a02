/*
 * sanctions.c - the sanctions module (DESIGN section 3, item 2): reads its
 * own block, the `sanctions` list, tracks each measure's current
 * enforcement (start inclusive, end exclusive, linear ramp) and publishes
 * its measures as a sanctions_view (views.h): names, types, parties,
 * covered cells, current enforcement, and each period's cell factors on
 * cost (in logs): the trade-measure factor F with the largest trade
 * enforcement on each cell, and the secondary factor G (DESIGN 3a), the
 * secondary-sanction pressure on third countries' banks, and the payment
 * systems whose memberships financial measures revoke.
 *
 * What a measure does is its type's: one file per type behind the
 * {parse, cover, apply} ops of sanction_type.h, found in the registry
 * table below (an unknown type is an error naming the setting).  Measures
 * are indexed in config order; that index is the `sanction` dimension.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "sanction_type.h"
#include "scenario.h"
#include "world.h"

/* The registry of measure types: one line per type. */
static const sanction_type *const sanction_types[] = {
    &sanction_trade,
    &sanction_financial,
    &sanction_secondary,
    NULL,
};

#define SANCTIONS_MAX_RAMP 1000000
#define SANCTIONS_MAX_KEYS 32

static const char *const common_keys[] = {"name", "type", "senders", "targets", "start", "end", "ramp",
                                          "enforcement", SC_DECISION_KEYS, NULL};

typedef struct sanctions {
    int n;
    sanc_measure *m;
    unsigned char *masks; /* backing store of every measure's masks */
    char **names;
    const char **types;
    unsigned char *party;  /* n*nc */
    unsigned char *cover;  /* n*n3 */
    double *level;         /* n */
    double *logF, *enf;    /* n3: trade measures' factor F and largest enforcement */
    double *logG;          /* n3: secondary factor G */
    double *pressure;      /* nc*nc */
    const char **rv_sys;
    double *rv_cov;
    const config_setting_t **rv_where;
    double *pair;         /* nc*nc: two-way cross-border trade of the last period, all sectors */
    double *total;        /* nc: cross-border trade (exports + imports) of the last period */
    double *tariff, *export_tax, *tariff_level, *tariff_level_e; /* n3 revenue wedges (NULL: none) */
    sanctions_view view;
    /* governments (DESIGN 3b): decided measures and stops */
    const governments_view *gv; /* NULL: dated windows only */
    sc_decision *dec;     /* n */
    double *full;         /* n: configured enforcement */
    double *la_pressure;  /* nc*nc scratch of the look-ahead's factors */
    int idle;             /* the last apply found no measure active: factors still cleared */
} sanctions;

void sanction_hit(sanc_apply *a, size_t c, double lf, double e)
{
    a->logF[c] += lf;
    if (e > a->enf[c])
        a->enf[c] = e;
}

static const sanction_type *sanctions_type(const char *name)
{
    for (int t = 0; sanction_types[t] != NULL; t++)
        if (strcmp(sanction_types[t]->name, name) == 0)
            return sanction_types[t];
    return NULL;
}

static int sanctions_any(const unsigned char *mask, int n)
{
    for (int i = 0; i < n; i++)
        if (mask[i])
            return 1;
    return 0;
}

static int sanctions_parse(const scenario *sc, const config_setting_t *g, sanc_measure *m, const char **name,
                           sc_decision *dec, errbuf *e)
{
    const char *type = NULL;
    int rc = cfg_get_string(g, "type", 1, &type, e);
    if (rc != SANC_OK)
        return rc;
    if ((m->type = sanctions_type(type)) == NULL) {
        char list[256];
        size_t len = 0;
        list[0] = '\0';
        for (int t = 0; sanction_types[t] != NULL; t++) {
            const char *sep = sanction_types[t + 1] == NULL ? (t > 0 ? " or " : "") : (t > 0 ? ", " : "");
            int k = snprintf(list + len, sizeof list - len, "%s%s", sep, sanction_types[t]->name);
            if (k > 0 && (size_t)k < sizeof list - len)
                len += (size_t)k;
        }
        return cfg_fail(config_setting_get_member(g, "type"), e, "unknown sanction type '%s' (expected %s)", type,
                        list);
    }
    const char *keys[SANCTIONS_MAX_KEYS];
    int nk = 0;
    for (int k = 0; common_keys[k] != NULL; k++)
        keys[nk++] = common_keys[k];
    for (int k = 0; m->type->keys[k] != NULL && nk < SANCTIONS_MAX_KEYS - 1; k++)
        keys[nk++] = m->type->keys[k];
    keys[nk] = NULL;
    if ((rc = cfg_check_keys(g, keys, e)) != SANC_OK)
        return rc;
    if ((rc = cfg_get_string(g, "name", 1, name, e)) != SANC_OK)
        return rc;
    if ((*name)[0] == '\0')
        return cfg_fail(config_setting_get_member(g, "name"), e, "must not be empty");

    if ((rc = scenario_country_set(sc, g, "senders", 1, m->senders, e)) != SANC_OK ||
        (rc = scenario_country_set(sc, g, "targets", 1, m->targets, e)) != SANC_OK)
        return rc;
    if (!sanctions_any(m->targets, sc->nc))
        return cfg_fail(config_setting_get_member(g, "targets"), e, "the target set is empty");
    for (int i = 0; i < sc->nc; i++)
        if (m->targets[i])
            m->senders[i] = 0;
    if (!sanctions_any(m->senders, sc->nc))
        return cfg_fail(config_setting_get_member(g, "senders"), e,
                        "the sender set is empty once the targets are removed");

    if ((rc = scenario_window_decided(sc, g, 1, &m->start, &m->end, dec, e)) != SANC_OK)
        return rc;
    int64_t ramp = 1;
    if ((rc = cfg_get_int(g, "ramp", 0, 1, SANCTIONS_MAX_RAMP, &ramp, e)) < 0)
        return rc;
    m->ramp = (int)ramp;
    m->enforcement = 1.0;
    if ((rc = cfg_get_double(g, "enforcement", 0, &m->enforcement, e)) < 0)
        return rc;
    if (!(m->enforcement >= 0.0 && m->enforcement <= 1.0))
        return cfg_fail(config_setting_get_member(g, "enforcement"), e, "must be in [0, 1] (got %g)",
                        m->enforcement);
    return m->type->parse(sc, g, m, e);
}

/* The cells a measure covers (its denominators in metrics). */
static void sanctions_cover(const struct world *w, const sanc_measure *m, unsigned char *cov)
{
    int nc = w->nc, ns = w->ns;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            if (i == j || !m->type->cover(m, i, j))
                continue;
            for (int k = 0; k < ns; k++)
                if (m->sectors[k])
                    cov[W3(w, i, j, k)] = 1;
        }
}

/* Current enforcement of a measure in period t (0 when inactive). */
static double sanctions_level(const sanc_measure *m, int t)
{
    if (t < m->start || t >= m->end)
        return 0.0;
    double mth = (double)(t - m->start + 1);
    double r = mth >= m->ramp ? 1.0 : mth / m->ramp;
    return m->enforcement * r;
}

/* Two-way cross-border trade by pair and by country from last period's
 * flows (X_prev; at init the baseline). */
static void sanctions_trade(const struct world *w, sanctions *s)
{
    int nc = w->nc, ns = w->ns;
    memset(s->total, 0, (size_t)nc * sizeof *s->total);
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            double v = 0.0;
            if (i != j)
                for (int k = 0; k < ns; k++)
                    v += w->X_prev[W3(w, i, j, k)] + w->X_prev[W3(w, j, i, k)];
            s->pair[W2(w, i, j)] = v;
            s->total[i] += v;
        }
}

static void sanctions_apply(sanctions *s, struct world *w, int t)
{
    int nc = w->nc, ns = w->ns;
    size_t n3 = (size_t)nc * nc * ns;
    /* period after period without an active measure (a scenario without
     * sanctions): the cleared factors below are still what the last apply
     * left, nobody else writes them */
    int active = 0;
    for (int q = 0; q < s->n; q++) {
        s->level[q] = sanctions_level(&s->m[q], t);
        active |= s->level[q] > 0.0;
    }
    if (!active && s->idle)
        return;
    s->idle = !active;
    memset(s->logF, 0, n3 * sizeof *s->logF);
    memset(s->enf, 0, n3 * sizeof *s->enf);
    memset(s->logG, 0, n3 * sizeof *s->logG);
    memset(s->pressure, 0, (size_t)nc * nc * sizeof *s->pressure);
    int need_trade = 0;
    for (int q = 0; q < s->n; q++) {
        s->level[q] = sanctions_level(&s->m[q], t);
        if (s->m[q].type->needs_trade && s->level[q] > 0.0)
            need_trade = 1;
    }
    if (need_trade)
        sanctions_trade(w, s);
    if (s->tariff != NULL) {
        memset(s->tariff, 0, n3 * sizeof *s->tariff);
        memset(s->export_tax, 0, n3 * sizeof *s->export_tax);
        memset(s->tariff_level_e, 0, n3 * sizeof *s->tariff_level_e);
        for (size_t c = 0; c < n3; c++)
            s->tariff_level[c] = NAN;
    }
    sanc_apply a = {.w = w, .pair = s->pair, .total = s->total, .logF = s->logF, .enf = s->enf,
                    .logG = s->logG, .pressure = s->pressure, .tariff = s->tariff, .export_tax = s->export_tax,
                    .tariff_level = s->tariff_level, .tariff_level_e = s->tariff_level_e};
    for (int q = 0; q < s->n; q++)
        if (s->level[q] > 0.0)
            s->m[q].type->apply(&s->m[q], s->level[q], &a);
}

/* The view's look-ahead hook: cell factors at the levels `level`, into
 * the caller's arrays; the module's published state is not touched (the
 * trade scratch is recomputed from w->X before every use). */
static void sanctions_factors(void *self, const struct world *w, const double *level, double *logF, double *enf,
                              double *logG, const sanctions_rev *rev)
{
    sanctions *s = self;
    size_t n3 = (size_t)w->nc * w->nc * w->ns;
    memset(logF, 0, n3 * sizeof *logF);
    memset(enf, 0, n3 * sizeof *enf);
    memset(logG, 0, n3 * sizeof *logG);
    /* revenue wedges only where some measure sets one (s->tariff != NULL) */
    if (rev != NULL && s->tariff == NULL)
        rev = NULL;
    if (rev != NULL) {
        memset(rev->tariff, 0, n3 * sizeof *rev->tariff);
        memset(rev->export_tax, 0, n3 * sizeof *rev->export_tax);
        memset(rev->tariff_level_e, 0, n3 * sizeof *rev->tariff_level_e);
        for (size_t c = 0; c < n3; c++)
            rev->tariff_level[c] = NAN;
    }
    int need_trade = 0;
    for (int q = 0; q < s->n; q++)
        need_trade |= s->m[q].type->needs_trade && level[q] > 0.0;
    if (need_trade)
        sanctions_trade(w, s);
    memset(s->la_pressure, 0, (size_t)w->nc * w->nc * sizeof *s->la_pressure);
    sanc_apply a = {.w = w, .pair = s->pair, .total = s->total, .logF = logF, .enf = enf, .logG = logG,
                    .pressure = s->la_pressure};
    if (rev != NULL) {
        a.tariff = rev->tariff;
        a.export_tax = rev->export_tax;
        a.tariff_level = rev->tariff_level;
        a.tariff_level_e = rev->tariff_level_e;
    }
    for (int q = 0; q < s->n; q++)
        if (level[q] > 0.0)
            s->m[q].type->apply(&s->m[q], level[q], &a);
}

static int sanctions_init(struct model *m, const model_init *ctx, errbuf *e)
{
    sanctions *s = calloc(1, sizeof *s);
    if (s == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = s;
    const scenario *sc = ctx->sc;
    struct world *w = ctx->w;
    int nc = w->nc, ns = w->ns;
    size_t n3 = (size_t)nc * nc * ns, n2 = (size_t)nc * nc;

    const config_setting_t *list = ctx->block;
    int n = list ? config_setting_length(list) : 0;
    size_t nn = (size_t)(n > 0 ? n : 1);

    s->names = calloc(nn, sizeof *s->names);
    s->types = calloc(nn, sizeof *s->types);
    s->m = calloc(nn, sizeof *s->m);
    s->masks = calloc(nn * (2 * (size_t)nc + (size_t)ns), 1);
    s->pair = calloc(n2, sizeof *s->pair);
    s->total = calloc((size_t)nc, sizeof *s->total);
    s->level = calloc(nn, sizeof *s->level);
    s->cover = calloc(n > 0 ? (size_t)n * n3 : 1, 1);
    s->pressure = calloc(n2, sizeof *s->pressure);
    s->party = calloc(nn * (size_t)nc, 1);
    s->logF = calloc(n3, sizeof *s->logF);
    s->enf = calloc(n3, sizeof *s->enf);
    s->logG = calloc(n3, sizeof *s->logG);
    s->rv_sys = calloc(nn, sizeof *s->rv_sys);
    s->rv_cov = calloc(nn, sizeof *s->rv_cov);
    s->rv_where = calloc(nn, sizeof *s->rv_where);
    s->dec = calloc(nn, sizeof *s->dec);
    s->full = calloc(nn, sizeof *s->full);
    s->la_pressure = calloc(n2, sizeof *s->la_pressure);
    s->gv = ctx->views->governments;
    if (!s->dec || !s->full || !s->la_pressure)
        return err_set(e, SANC_ENOMEM, "out of memory allocating %d sanctions", n);
    if (!s->names || !s->types || !s->m || !s->masks || !s->pair || !s->total || !s->level || !s->cover ||
        !s->pressure || !s->party || !s->logF || !s->enf || !s->logG || !s->rv_sys || !s->rv_cov || !s->rv_where)
        return err_set(e, SANC_ENOMEM, "out of memory allocating %d sanctions", n);

    for (int q = 0; q < n; q++) {
        config_setting_t *g = config_setting_get_elem(list, (unsigned)q);
        sanc_measure *mq = &s->m[q];
        unsigned char *base = s->masks + (size_t)q * (2 * (size_t)nc + (size_t)ns);
        mq->senders = base;
        mq->targets = base + nc;
        mq->sectors = base + 2 * (size_t)nc;
        s->n = q + 1; /* so that finish frees this measure's parameters */
        const char *name = NULL;
        int rc = sanctions_parse(sc, g, mq, &name, &s->dec[q], e);
        if (rc != SANC_OK)
            return rc;
        s->full[q] = mq->enforcement;
        for (int r = 0; r < q; r++)
            if (strcmp(s->names[r], name) == 0)
                return cfg_fail(config_setting_get_member(g, "name"), e,
                                "duplicate sanction name '%s' (also sanctions.[%d])", name, r);
        if ((s->names[q] = strdup(name)) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        s->types[q] = mq->type->name;
        s->rv_sys[q] = mq->revoke_system;
        s->rv_cov[q] = mq->revoke_coverage;
        s->rv_where[q] = mq->revoke_where;
        sanctions_cover(w, mq, s->cover + (size_t)q * n3);
        for (int i = 0; i < nc; i++)
            s->party[(size_t)q * nc + i] = mq->targets[i] ? 2 : mq->senders[i] ? 1 : 0;
        if (s->gv != NULL) {
            gov_item it = {.kind = GOV_SANCTION, .index = q, .name = s->names[q], .start = mq->start,
                           .end = mq->end, .dec = &s->dec[q], .senders = mq->senders, .targets = mq->targets,
                           .implicit_partner = -1, .where = g};
            if ((rc = s->gv->declare(s->gv->self, &it, e)) != SANC_OK)
                return rc;
        }
    }
    s->n = n;
    world_set_dim(w, DIM_SANCTION, n, s->names);
    int revenue = 0;
    for (int q = 0; q < n; q++)
        revenue |= s->m[q].revenue;
    if (revenue) {
        s->tariff = calloc(n3, sizeof *s->tariff);
        s->export_tax = calloc(n3, sizeof *s->export_tax);
        s->tariff_level = calloc(n3, sizeof *s->tariff_level);
        s->tariff_level_e = calloc(n3, sizeof *s->tariff_level_e);
        if (!s->tariff || !s->export_tax || !s->tariff_level || !s->tariff_level_e)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }

    s->view = (sanctions_view){
        .n = n, .name = s->names, .type = s->types, .party = s->party, .cover = s->cover, .level = s->level,
        .logF = s->logF, .enf = s->enf, .logG = s->logG, .pressure = s->pressure, .revoke_system = s->rv_sys,
        .revoke_coverage = s->rv_cov, .revoke_where = s->rv_where, .full = s->full,
        .factors = sanctions_factors, .self = s, .tariff = s->tariff,
        .export_tax = s->export_tax, .tariff_level = s->tariff_level, .tariff_level_e = s->tariff_level_e,
    };
    ctx->views->sanctions = &s->view;

    /* period 0: no measure is active (start >= 1) */
    sanctions_apply(s, w, 0);

    schema_var v = {
        .name = "sanction_intensity", .units = "1", .long_name = "sanction enforcement",
        .description = "current enforcement e of each sanction measure (ramped; 0 when inactive)",
        .ndims = 1, .dims = {DIM_SANCTION}, .data = s->level,
    };
    return world_add_var(w, &v, e);
}

static int sanctions_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)e;
    sanctions *s = m->data;
    if (s->gv != NULL) /* decided starts and stops */
        for (int q = 0; q < s->n; q++)
            s->gv->window(s->gv->self, GOV_SANCTION, q, &s->m[q].start, &s->m[q].end);
    sanctions_apply(s, w, t);
    return SANC_OK;
}

static void sanctions_finish(struct model *m)
{
    sanctions *s = m->data;
    if (s == NULL)
        return;
    for (int q = 0; q < s->n; q++) {
        if (s->names)
            free(s->names[q]);
        if (s->m)
            free(s->m[q].par);
    }
    free(s->names);
    free(s->types);
    free(s->m);
    free(s->masks);
    free(s->pair);
    free(s->total);
    free(s->level);
    free(s->cover);
    free(s->pressure);
    free(s->party);
    free(s->logF);
    free(s->enf);
    free(s->logG);
    free(s->rv_sys);
    free(s->rv_cov);
    free(s->rv_where);
    free(s->dec);
    free(s->full);
    free(s->la_pressure);
    free(s->tariff);
    free(s->export_tax);
    free(s->tariff_level);
    free(s->tariff_level_e);
    free(s);
    m->data = NULL;
}

const model_ops sanctions_ops = {sanctions_init, sanctions_step, sanctions_finish, NULL};
