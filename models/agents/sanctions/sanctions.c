/*
 * sanctions.c - the sanctions module (DESIGN section 3, item 2): reads the
 * `sanctions` list, tracks each measure's current enforcement (start
 * inclusive, end exclusive, linear ramp) and writes, each period, the
 * world's sanction factor on cost (w->sanction_logF, in logs), the largest
 * enforcement hitting each cell (w->sanction_e), the secondary-sanction
 * pressure on third countries' banks (w->sec_pressure, read by payments)
 * and the static map of cells each measure covers (w->sanc_cover, read by
 * metrics).
 *
 * Measure types (GSDB vocabulary):
 *   trade      direction export | import | both (default both) on `sectors`
 *              (default all); `intensity = x` -> factor 1 + x e, or
 *              `ban = true` -> factor (1-e)^(1/(1-sigma_k)) (+inf at e = 1).
 *   financial  no cost factor here: the payments module revokes and bars the
 *              targets' banks in `system` while the measure is active.
 *   secondary  third countries h pay 1 + penalty e w_hS on their trade with
 *              the targets in `sectors`, w_hS = h's share of cross-border
 *              trade done with the senders in the last period's flows.
 * Measures are indexed in config order; that index is the `sanction`
 * dimension and the index of w->sanc_intensity.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "scenario.h"
#include "world.h"

enum { SANC_TRADE = 0, SANC_FINANCIAL, SANC_SECONDARY };
enum { SANC_DIR_EXPORT = 1, SANC_DIR_IMPORT = 2, SANC_DIR_BOTH = 3 };

#define SANCTIONS_MAX_RAMP 1000000

typedef struct sanc_measure {
    int type;
    int start, end, ramp;
    double enforcement;
    unsigned char *senders, *targets; /* nc each (targets removed from senders) */
    unsigned char *sectors;           /* ns */
    int direction;                    /* trade */
    int ban;                          /* trade: 1 ban, 0 intensity */
    double intensity;                 /* trade */
    double penalty;                   /* secondary */
} sanc_measure;

typedef struct sanctions {
    int n;
    sanc_measure *m;
    unsigned char *masks; /* backing store of every measure's masks */
    char **names;         /* = w->sanc_name, freed in finish */
    double *pair;         /* nc*nc: two-way cross-border trade of the last period, all sectors */
    double *total;        /* nc: cross-border trade (exports + imports) of the last period */
} sanctions;

/* Names of payments.systems, read leniently: the payments module reports a
 * malformed block itself; here we only need the names that exist. */
static int sanctions_system_exists(const config_setting_t *root, const char *name)
{
    const config_setting_t *p = config_setting_get_member(root, "payments");
    if (p == NULL || config_setting_type(p) != CONFIG_TYPE_GROUP)
        return 0;
    const config_setting_t *l = config_setting_get_member(p, "systems");
    if (l == NULL || config_setting_type(l) != CONFIG_TYPE_LIST)
        return 0;
    int n = config_setting_length(l);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        const config_setting_t *s = g ? config_setting_get_member(g, "name") : NULL;
        if (s && config_setting_type(s) == CONFIG_TYPE_STRING && strcmp(config_setting_get_string(s), name) == 0)
            return 1;
    }
    return 0;
}

static int sanctions_any(const unsigned char *mask, int n)
{
    for (int i = 0; i < n; i++)
        if (mask[i])
            return 1;
    return 0;
}

static int sanctions_parse(const scenario *sc, const config_setting_t *root, const config_setting_t *g,
                           sanc_measure *m, const char **name, errbuf *e)
{
    static const char *const trade_keys[] = {"name", "type", "senders", "targets", "start", "end", "ramp",
                                             "enforcement", "direction", "sectors", "intensity", "ban", NULL};
    static const char *const fin_keys[] = {"name", "type", "senders", "targets", "start", "end", "ramp",
                                           "enforcement", "system", "coverage", NULL};
    static const char *const sec_keys[] = {"name", "type", "senders", "targets", "start", "end", "ramp",
                                           "enforcement", "sectors", "penalty", NULL};
    const char *type = NULL;
    int rc = cfg_get_string(g, "type", 1, &type, e);
    if (rc != SANC_OK)
        return rc;
    const char *const *keys;
    if (strcmp(type, "trade") == 0) {
        m->type = SANC_TRADE;
        keys = trade_keys;
    } else if (strcmp(type, "financial") == 0) {
        m->type = SANC_FINANCIAL;
        keys = fin_keys;
    } else if (strcmp(type, "secondary") == 0) {
        m->type = SANC_SECONDARY;
        keys = sec_keys;
    } else {
        return cfg_fail(config_setting_get_member(g, "type"), e,
                        "unknown sanction type '%s' (expected trade, financial or secondary)", type);
    }
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

    if ((rc = scenario_window(sc, g, 1, &m->start, &m->end, e)) != SANC_OK)
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

    if (m->type != SANC_FINANCIAL && (rc = scenario_sector_set(sc, g, "sectors", m->sectors, e)) < 0)
        return rc;

    switch (m->type) {
    case SANC_TRADE: {
        const char *dir = "both";
        if ((rc = cfg_get_string(g, "direction", 0, &dir, e)) < 0)
            return rc;
        if (strcmp(dir, "export") == 0)
            m->direction = SANC_DIR_EXPORT;
        else if (strcmp(dir, "import") == 0)
            m->direction = SANC_DIR_IMPORT;
        else if (strcmp(dir, "both") == 0)
            m->direction = SANC_DIR_BOTH;
        else
            return cfg_fail(config_setting_get_member(g, "direction"), e,
                            "unknown direction '%s' (expected export, import or both)", dir);
        const config_setting_t *si = config_setting_get_member(g, "intensity");
        const config_setting_t *sb = config_setting_get_member(g, "ban");
        if (si != NULL && sb != NULL)
            return cfg_fail(sb, e, "give either intensity or ban, not both");
        if (si == NULL && sb == NULL)
            return cfg_fail(g, e, "a trade measure needs intensity = x or ban = true");
        if (si != NULL) {
            if ((rc = cfg_get_double(g, "intensity", 1, &m->intensity, e)) != SANC_OK)
                return rc;
            if (!(m->intensity >= 0.0))
                return cfg_fail(si, e, "must be >= 0 (got %g)", m->intensity);
        } else {
            if ((rc = cfg_get_bool(g, "ban", 1, &m->ban, e)) != SANC_OK)
                return rc;
            /* `ban = false` would silently make a measure without effect */
            if (!m->ban)
                return cfg_fail(sb, e, "must be true (use intensity = x for a partial measure)");
        }
        break;
    }
    case SANC_FINANCIAL: {
        const char *sys = NULL;
        if ((rc = cfg_get_string(g, "system", 1, &sys, e)) != SANC_OK)
            return rc;
        if (!sanctions_system_exists(root, sys))
            return cfg_fail(config_setting_get_member(g, "system"), e,
                            "unknown payment system '%s' (not among payments.systems)", sys);
        double cov = 1.0;
        if ((rc = cfg_get_double(g, "coverage", 0, &cov, e)) < 0)
            return rc;
        if (!(cov > 0.0 && cov <= 1.0))
            return cfg_fail(config_setting_get_member(g, "coverage"), e, "must be in (0, 1] (got %g)", cov);
        break;
    }
    case SANC_SECONDARY:
        if ((rc = cfg_get_double(g, "penalty", 1, &m->penalty, e)) != SANC_OK)
            return rc;
        if (!(m->penalty >= 0.0))
            return cfg_fail(config_setting_get_member(g, "penalty"), e, "must be >= 0 (got %g)", m->penalty);
        break;
    }
    return SANC_OK;
}

/* The cells a measure covers (its denominators in metrics). */
static void sanctions_cover(const struct world *w, const sanc_measure *m, unsigned char *cov)
{
    int nc = w->nc, ns = w->ns;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            if (i == j)
                continue;
            int hit = 0;
            switch (m->type) {
            case SANC_TRADE:
                hit = ((m->direction & SANC_DIR_EXPORT) && m->senders[i] && m->targets[j]) ||
                      ((m->direction & SANC_DIR_IMPORT) && m->targets[i] && m->senders[j]);
                break;
            case SANC_FINANCIAL:
                hit = (m->senders[i] && m->targets[j]) || (m->targets[i] && m->senders[j]);
                break;
            case SANC_SECONDARY: {
                int third_i = !m->senders[i] && !m->targets[i], third_j = !m->senders[j] && !m->targets[j];
                hit = (third_i && m->targets[j]) || (m->targets[i] && third_j);
                break;
            }
            }
            if (!hit)
                continue;
            for (int k = 0; k < ns; k++)
                if (m->type == SANC_FINANCIAL || m->sectors[k])
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

static void sanctions_hit(struct world *w, size_t c, double logf, double e)
{
    w->sanction_logF[c] += logf;
    if (e > w->sanction_e[c])
        w->sanction_e[c] = e;
}

/* Two-way cross-border trade by pair and by country from w->X, which at
 * sanctions' turn still holds the last period's flows. */
static void sanctions_trade(const struct world *w, sanctions *s)
{
    int nc = w->nc, ns = w->ns;
    memset(s->total, 0, (size_t)nc * sizeof *s->total);
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            double v = 0.0;
            if (i != j)
                for (int k = 0; k < ns; k++)
                    v += w->X[W3(w, i, j, k)] + w->X[W3(w, j, i, k)];
            s->pair[W2(w, i, j)] = v;
            s->total[i] += v;
        }
}

static void sanctions_apply(sanctions *s, struct world *w, int t)
{
    int nc = w->nc, ns = w->ns;
    size_t n3 = (size_t)nc * nc * ns;
    memset(w->sanction_logF, 0, n3 * sizeof *w->sanction_logF);
    memset(w->sanction_e, 0, n3 * sizeof *w->sanction_e);
    memset(w->sec_pressure, 0, (size_t)nc * nc * sizeof *w->sec_pressure);
    int have_trade = 0;
    for (int q = 0; q < s->n; q++) {
        w->sanc_intensity[q] = sanctions_level(&s->m[q], t);
        if (s->m[q].type == SANC_SECONDARY && w->sanc_intensity[q] > 0.0)
            have_trade = 1;
    }
    if (have_trade)
        sanctions_trade(w, s);

    for (int q = 0; q < s->n; q++) {
        const sanc_measure *m = &s->m[q];
        double e = w->sanc_intensity[q];
        if (e <= 0.0 || m->type == SANC_FINANCIAL)
            continue;
        if (m->type == SANC_TRADE) {
            for (int i = 0; i < nc; i++)
                for (int j = 0; j < nc; j++) {
                    if (!(((m->direction & SANC_DIR_EXPORT) && m->senders[i] && m->targets[j]) ||
                          ((m->direction & SANC_DIR_IMPORT) && m->targets[i] && m->senders[j])))
                        continue;
                    for (int k = 0; k < ns; k++) {
                        if (!m->sectors[k])
                            continue;
                        double lf;
                        if (!m->ban)
                            lf = log1p(m->intensity * e);
                        else if (e >= 1.0)
                            lf = INFINITY; /* the direct route is closed */
                        else
                            lf = log1p(-e) / (1.0 - w->sc->sigma[k]);
                        sanctions_hit(w, W3(w, i, j, k), lf, e);
                    }
                }
            continue;
        }
        /* secondary: third country h, exposure w_hS to the senders */
        for (int h = 0; h < nc; h++) {
            if (m->senders[h] || m->targets[h])
                continue;
            double whs = 0.0;
            if (s->total[h] > 0.0) {
                for (int c = 0; c < nc; c++)
                    if (m->senders[c])
                        whs += s->pair[W2(w, h, c)];
                whs /= s->total[h];
            }
            double amount = m->penalty * e * whs;
            double lf = log1p(amount);
            for (int j = 0; j < nc; j++) {
                if (!m->targets[j])
                    continue;
                w->sec_pressure[W2(w, h, j)] += amount;
                for (int k = 0; k < ns; k++) {
                    if (!m->sectors[k])
                        continue;
                    sanctions_hit(w, W3(w, h, j, k), lf, e);
                    sanctions_hit(w, W3(w, j, h, k), lf, e);
                }
            }
        }
    }
}

static int sanctions_init(struct model *m, const struct scenario *sc, struct world *w, errbuf *e)
{
    sanctions *s = calloc(1, sizeof *s);
    if (s == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = s;
    int nc = w->nc, ns = w->ns;
    size_t n3 = (size_t)nc * nc * ns, n2 = (size_t)nc * nc;

    config_setting_t *root = config_root_setting(&sc->cfg.lc), *list = NULL;
    int rc = cfg_get_list(root, "sanctions", 0, &list, e);
    if (rc < 0)
        return rc;
    int n = list ? config_setting_length(list) : 0;
    size_t nn = (size_t)(n > 0 ? n : 1);

    s->names = calloc(nn, sizeof *s->names);
    s->m = calloc(nn, sizeof *s->m);
    s->masks = calloc(nn * (2 * (size_t)nc + (size_t)ns), 1);
    s->pair = calloc(n2, sizeof *s->pair);
    s->total = calloc((size_t)nc, sizeof *s->total);
    w->sanc_intensity = calloc(nn, sizeof *w->sanc_intensity);
    w->sanc_cover = calloc(n > 0 ? (size_t)n * n3 : 1, 1);
    w->sec_pressure = calloc(n2, sizeof *w->sec_pressure);
    w->sanc_party = calloc(nn * (size_t)nc, 1);
    w->sanc_name = s->names;
    if (!s->names || !s->m || !s->masks || !s->pair || !s->total || !w->sanc_intensity || !w->sanc_cover ||
        !w->sec_pressure || !w->sanc_party)
        return err_set(e, SANC_ENOMEM, "out of memory allocating %d sanctions", n);
    w->nsanc = n;
    s->n = n;

    for (int q = 0; q < n; q++) {
        config_setting_t *g = config_setting_get_elem(list, (unsigned)q);
        sanc_measure *mq = &s->m[q];
        unsigned char *base = s->masks + (size_t)q * (2 * (size_t)nc + (size_t)ns);
        mq->senders = base;
        mq->targets = base + nc;
        mq->sectors = base + 2 * (size_t)nc;
        const char *name = NULL;
        if ((rc = sanctions_parse(sc, root, g, mq, &name, e)) != SANC_OK)
            return rc;
        for (int r = 0; r < q; r++)
            if (strcmp(s->names[r], name) == 0)
                return cfg_fail(config_setting_get_member(g, "name"), e,
                                "duplicate sanction name '%s' (also sanctions.[%d])", name, r);
        if ((s->names[q] = strdup(name)) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        sanctions_cover(w, mq, w->sanc_cover + (size_t)q * n3);
        for (int i = 0; i < nc; i++)
            w->sanc_party[(size_t)q * nc + i] = mq->targets[i] ? 2 : mq->senders[i] ? 1 : 0;
    }
    world_set_dim(w, DIM_SANCTION, n, s->names);

    /* period 0: no measure is active (start >= 1) */
    sanctions_apply(s, w, 0);

    schema_var v = {
        .name = "sanction_intensity", .units = "1", .long_name = "sanction enforcement",
        .description = "current enforcement e of each sanction measure (ramped; 0 when inactive)",
        .ndims = 1, .dims = {DIM_SANCTION}, .data = w->sanc_intensity,
    };
    return world_add_var(w, &v, e);
}

static int sanctions_step(struct model *m, struct world *w, int t, errbuf *e)
{
    (void)e;
    sanctions_apply(m->data, w, t);
    return SANC_OK;
}

static void sanctions_finish(struct model *m)
{
    sanctions *s = m->data;
    if (s == NULL)
        return;
    if (s->names)
        for (int q = 0; q < s->n; q++)
            free(s->names[q]);
    free(s->names);
    free(s->m);
    free(s->masks);
    free(s->pair);
    free(s->total);
    free(s);
    m->data = NULL;
}

const model_ops sanctions_ops = {sanctions_init, sanctions_step, sanctions_finish};
