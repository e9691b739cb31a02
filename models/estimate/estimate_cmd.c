/*
 * estimate_cmd.c - `sancsim estimate SPEC` (see estimate_cmd.h and DESIGN
 * section 9).
 *
 * The story:
 *   1. est_spec_load: the spec file (strict keys, FILE:LINE errors,
 *      --set overrides) into an est_spec;
 *   2. every output is checked before any work (exists without force: 2);
 *   3. est_problem_build: the panel (csvtable: columns by name, mapping,
 *      filter) into arrays for ppml: the sample rows, the outcome and the
 *      regressors, each fixed effect and cluster "a#b" as integer ids of
 *      the distinct combinations;
 *   4. ppml_estimate, then ppml_bootstrap on the estimation sample;
 *   5. the effects files, the HDF5 result, the table.
 *
 * Names: every column the spec names (outcome, regressors, the parts of
 * fixed effects and clusters) is a canonical name, read from the header of
 * the same name unless `data.columns` maps it to another.  `sample =
 * "international"` and `effects` also read `exporter` and `importer`, and
 * `effects` reads `year` (the column its `from` and `to` values are in).
 */
#include "estimate_cmd.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "csvtable.h"
#include "estimate_out.h"
#include "h5out.h"
#include "ppml.h"
#include "rng.h"

#define EST_MAX_PARTS 8     /* columns in one interaction a#b#... */
#define EST_MAX_REGRESSORS 64
#define EST_MAX_REPLICATES 1000000
#define EST_MAX_LABELS (5 * EST_MAX_PARTS + 3) /* 3 effects, 2 clusters, exporter, importer, year */

/* The design file's header: the name path a sweep sets (DESIGN 9). */
static const char est_design_header[] = "events.[name=\"EFFECT\"].coefficient";

/* ------------------------------------------------------------------ */
/* the specification                                                   */

typedef struct est_term {                /* "a#b#c" */
    const char *text;
    int n;
    char *part[EST_MAX_PARTS];
    const config_setting_t *where;
} est_term;

typedef struct est_spec {
    cfg cfg;
    csvtable_source src;
    const char *outcome;
    const char **regressors;             /* into the config tree */
    int k;
    config_setting_t *regressors_where;
    int nfe;
    est_term fe[PPML_MAX_FE];
    int international;
    int has_cluster;
    est_term cluster;
    double tolerance;
    int replicates;                      /* 0: no bootstrap */
    uint64_t seed;
    est_term boot_cluster;               /* the cluster, else exporter#importer */
    int has_effects;
    int effects_j;                       /* the regressor's index */
    csvtable_value from, to;
    const char *effects_file;
    char *design_file;
} est_spec;

static void est_term_free(est_term *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->part[i]);
    memset(t, 0, sizeof *t);
}

static void est_spec_free(est_spec *s)
{
    csvtable_source_free(&s->src);
    free(s->regressors);
    for (int d = 0; d < s->nfe; d++)
        est_term_free(&s->fe[d]);
    est_term_free(&s->cluster);
    est_term_free(&s->boot_cluster);
    free(s->design_file);
    if (s->cfg.loaded)
        cfg_destroy(&s->cfg);
    memset(s, 0, sizeof *s);
}

/* Split "a#b#c" into t; where is the setting for messages. */
static int est_term_parse(const char *text, const config_setting_t *where, est_term *t, errbuf *e)
{
    memset(t, 0, sizeof *t);
    t->text = text;
    t->where = where;
    const char *p = text;
    for (;;) {
        const char *hash = strchr(p, '#');
        size_t len = hash != NULL ? (size_t)(hash - p) : strlen(p);
        if (len == 0)
            return cfg_fail(where, e, "'%s': empty column name (write columns joined by #, e.g. exporter#year)", text);
        if (t->n == EST_MAX_PARTS)
            return cfg_fail(where, e, "'%s': more than %d columns in one interaction", text, EST_MAX_PARTS);
        char *part = malloc(len + 1);
        if (part == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        memcpy(part, p, len);
        part[len] = '\0';
        for (int i = 0; i < t->n; i++)
            if (strcmp(t->part[i], part) == 0) {
                free(part);
                return cfg_fail(where, e, "'%s': column '%s' twice", text, t->part[i]);
            }
        t->part[t->n++] = part;
        if (hash == NULL)
            return SANC_OK;
        p = hash + 1;
    }
}

static int est_value(const config_setting_t *g, const char *key, csvtable_value *v, errbuf *e)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (s == NULL)
        return cfg_fail_key(g, key, e, "missing required setting");
    return csvtable_value_parse(s, v, e);
}

/* "<stem>_design.csv" beside the effects file. */
static char *est_design_path(const char *file)
{
    const char *slash = strrchr(file, '/');
    const char *dot = strrchr(file, '.');
    size_t stem = dot != NULL && (slash == NULL || dot > slash + 1) ? (size_t)(dot - file) : strlen(file);
    char *p = malloc(stem + sizeof "_design.csv");
    if (p != NULL)
        snprintf(p, stem + sizeof "_design.csv", "%.*s_design.csv", (int)stem, file);
    return p;
}

static int est_bootstrap_block(est_spec *s, const config_setting_t *b, errbuf *e)
{
    static const char *const keys[] = { "replicates", "seed", NULL };
    int64_t reps = 0, seed = 1;
    int rc;
    if ((rc = cfg_check_keys(b, keys, e)) != SANC_OK ||
        (rc = cfg_get_int(b, "replicates", 1, 0, EST_MAX_REPLICATES, &reps, e)) != SANC_OK ||
        (rc = cfg_get_int(b, "seed", 0, 0, INT64_MAX, &seed, e)) < 0)
        return rc;
    s->replicates = (int)reps; /* 0: none (handy with --set) */
    s->seed = (uint64_t)seed;
    if (reps == 0)
        return SANC_OK;
    if (s->has_cluster)
        return est_term_parse(s->cluster.text, s->cluster.where, &s->boot_cluster, e);
    return est_term_parse("exporter#importer", b, &s->boot_cluster, e);
}

static int est_effects_block(est_spec *s, const config_setting_t *b, errbuf *e)
{
    static const char *const keys[] = { "regressor", "from", "to", "file", NULL };
    const char *reg = NULL;
    int rc;
    if ((rc = cfg_check_keys(b, keys, e)) != SANC_OK || (rc = cfg_get_string(b, "regressor", 1, &reg, e)) != SANC_OK ||
        (rc = est_value(b, "from", &s->from, e)) != SANC_OK || (rc = est_value(b, "to", &s->to, e)) != SANC_OK ||
        (rc = cfg_get_string(b, "file", 1, &s->effects_file, e)) != SANC_OK)
        return rc;
    s->effects_j = -1;
    for (int j = 0; j < s->k; j++)
        if (strcmp(s->regressors[j], reg) == 0)
            s->effects_j = j;
    if (s->effects_j < 0)
        return cfg_fail(config_setting_get_member(b, "regressor"), e, "'%s' is not one of the regressors", reg);
    if (s->effects_file[0] == '\0')
        return cfg_fail(config_setting_get_member(b, "file"), e, "empty file name");
    if ((s->design_file = est_design_path(s->effects_file)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    s->has_effects = 1;
    return SANC_OK;
}

static int est_spec_load(est_spec *s, const estimate_cmd_opts *o, errbuf *e)
{
    memset(s, 0, sizeof *s);
    int rc = cfg_load(&s->cfg, o->spec, e);
    for (int i = 0; i < o->noverrides && rc == SANC_OK; i++)
        rc = cfg_apply_set(&s->cfg, o->overrides[i], e);
    if (rc != SANC_OK)
        return rc;
    static const char *const top[] = { "estimate", NULL };
    static const char *const keys[] = { "data", "outcome", "regressors", "fixed_effects", "sample", "cluster",
                                        "tolerance", "bootstrap", "effects", NULL };
    config_setting_t *root = config_root_setting(&s->cfg.lc), *b = NULL;
    if ((rc = cfg_check_keys(root, top, e)) != SANC_OK || (rc = cfg_get_group(root, "estimate", 1, &b, e)) != SANC_OK ||
        (rc = cfg_check_keys(b, keys, e)) != SANC_OK)
        return rc;
    if ((rc = csvtable_source_parse(b, "data", s->cfg.dir, &s->src, e)) != SANC_OK)
        return rc;

    if ((rc = cfg_get_string(b, "outcome", 1, &s->outcome, e)) != SANC_OK)
        return rc;
    if (s->outcome[0] == '\0')
        return cfg_fail(config_setting_get_member(b, "outcome"), e, "empty column name");
    if ((rc = cfg_get_strings(b, "regressors", 1, &s->regressors, &s->k, &s->regressors_where, e)) != SANC_OK)
        return rc;
    if (s->k == 0 || s->k > EST_MAX_REGRESSORS)
        return cfg_fail(s->regressors_where, e, "expected 1 to %d regressors (got %d)", EST_MAX_REGRESSORS, s->k);
    for (int j = 0; j < s->k; j++) {
        const config_setting_t *el = config_setting_type(s->regressors_where) == CONFIG_TYPE_STRING
                                         ? s->regressors_where
                                         : config_setting_get_elem(s->regressors_where, (unsigned)j);
        if (s->regressors[j][0] == '\0')
            return cfg_fail(el, e, "empty column name");
        if (strcmp(s->regressors[j], s->outcome) == 0)
            return cfg_fail(el, e, "'%s' is the outcome", s->regressors[j]);
        for (int l = 0; l < j; l++)
            if (strcmp(s->regressors[l], s->regressors[j]) == 0)
                return cfg_fail(el, e, "'%s' twice", s->regressors[j]);
    }

    const char **fe = NULL;
    config_setting_t *fe_where = NULL;
    int nfe = 0;
    if ((rc = cfg_get_strings(b, "fixed_effects", 0, &fe, &nfe, &fe_where, e)) < 0)
        return rc;
    if (nfe > PPML_MAX_FE) {
        free(fe);
        return cfg_fail(fe_where, e, "at most %d fixed effects (got %d)", PPML_MAX_FE, nfe);
    }
    for (int d = 0; d < nfe && rc >= 0; d++) {
        const config_setting_t *el = config_setting_type(fe_where) == CONFIG_TYPE_STRING
                                         ? fe_where
                                         : config_setting_get_elem(fe_where, (unsigned)d);
        rc = est_term_parse(fe[d], el, &s->fe[d], e);
        s->nfe = d + 1;
        for (int l = 0; l < d && rc >= 0; l++)
            if (strcmp(fe[l], fe[d]) == 0)
                rc = cfg_fail(el, e, "'%s' twice", fe[d]);
    }
    free(fe);
    if (rc < 0)
        return rc;

    const char *sample = "international";
    if ((rc = cfg_get_string(b, "sample", 0, &sample, e)) < 0)
        return rc;
    if (strcmp(sample, "international") != 0 && strcmp(sample, "all") != 0)
        return cfg_fail(config_setting_get_member(b, "sample"), e,
                        "unknown sample '%s' (expected \"international\" or \"all\")", sample);
    s->international = strcmp(sample, "international") == 0;

    const char *cl = NULL;
    if ((rc = cfg_get_string(b, "cluster", 0, &cl, e)) < 0)
        return rc;
    if (rc == SANC_OK) {
        s->has_cluster = 1;
        if ((rc = est_term_parse(cl, config_setting_get_member(b, "cluster"), &s->cluster, e)) < 0)
            return rc;
    }
    if ((rc = cfg_get_double(b, "tolerance", 0, &s->tolerance, e)) < 0)
        return rc;
    if (rc == SANC_OK && !(s->tolerance > 0 && s->tolerance < 1e-2))
        return cfg_fail(config_setting_get_member(b, "tolerance"), e, "must be > 0 and < 0.01 (got %g)",
                        s->tolerance);

    config_setting_t *g = NULL;
    if ((rc = cfg_get_group(b, "bootstrap", 0, &g, e)) < 0)
        return rc;
    if (g != NULL && (rc = est_bootstrap_block(s, g, e)) < 0)
        return rc;
    if ((rc = cfg_get_group(b, "effects", 0, &g, e)) < 0)
        return rc;
    if (g != NULL && (rc = est_effects_block(s, g, e)) < 0)
        return rc;
    return SANC_OK;
}

/* ------------------------------------------------------------------ */
/* the panel as a ppml problem                                         */

typedef struct est_data {
    csvtable t;
    int nlabels;
    const char *label[EST_MAX_LABELS];   /* label columns wanted, at t.col[1 + k + i] */
    int n;                               /* sample rows */
    int64_t *row;                        /* n: table row of each */
    double *y;
    double **x;                          /* k columns */
    int *fe[PPML_MAX_FE];
    int fe_levels[PPML_MAX_FE];
    int *cl, ncl;                        /* variance clusters (or NULL) */
    int *bcl, nbcl;                      /* bootstrap clusters (or NULL) */
    int *pair, npairs;                   /* exporter#importer (effects) */
} est_data;

static void est_data_free(est_data *D, int k)
{
    csvtable_free(&D->t);
    free(D->row);
    free(D->y);
    if (D->x != NULL)
        for (int j = 0; j < k; j++)
            free(D->x[j]);
    free(D->x);
    for (int d = 0; d < PPML_MAX_FE; d++)
        free(D->fe[d]);
    free(D->cl);
    free(D->bcl);
    free(D->pair);
    memset(D, 0, sizeof *D);
}

static int est_want_label(est_data *D, const char *name)
{
    for (int i = 0; i < D->nlabels; i++)
        if (strcmp(D->label[i], name) == 0)
            return i;
    assert(D->nlabels < EST_MAX_LABELS); /* parts per term are bounded by EST_MAX_PARTS */
    D->label[D->nlabels] = name;
    return D->nlabels++;
}

/* Table column of label `name` (wanted before the read). */
static int est_label_col(const est_data *D, int k, const char *name)
{
    for (int i = 0; i < D->nlabels; i++)
        if (strcmp(D->label[i], name) == 0)
            return 1 + k + i;
    return -1;
}

/* uint64 key -> dense id, open addressing. */
typedef struct est_idmap {
    uint64_t *key;
    int *id;
    size_t cap;
    int n;
} est_idmap;

static int est_idmap_get(est_idmap *m, uint64_t key)
{
    if ((size_t)(m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        uint64_t *k2 = malloc(sizeof *k2 * cap);
        int *i2 = malloc(sizeof *i2 * cap);
        if (k2 == NULL || i2 == NULL) {
            free(k2);
            free(i2);
            return -1;
        }
        for (size_t i = 0; i < cap; i++)
            i2[i] = -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->id[i] >= 0) {
                size_t h = (size_t)(rng_mix32(m->key[i]) | ((uint64_t)rng_mix32(~m->key[i]) << 32)) & (cap - 1);
                while (i2[h] >= 0)
                    h = (h + 1) & (cap - 1);
                k2[h] = m->key[i];
                i2[h] = m->id[i];
            }
        free(m->key);
        free(m->id);
        m->key = k2;
        m->id = i2;
        m->cap = cap;
    }
    size_t h = (size_t)(rng_mix32(key) | ((uint64_t)rng_mix32(~key) << 32)) & (m->cap - 1);
    while (m->id[h] >= 0) {
        if (m->key[h] == key)
            return m->id[h];
        h = (h + 1) & (m->cap - 1);
    }
    m->key[h] = key;
    m->id[h] = m->n;
    return m->n++;
}

/* Ids (0..*levels-1, order of first appearance) of the combinations of the
 * term's columns over the sample rows, folding one column at a time:
 * id <- map(id * nlevels(column) + code). */
static int est_ids(const est_data *D, int k, const est_term *t, int **out, int *levels, errbuf *e)
{
    int *ids = malloc(sizeof *ids * (size_t)(D->n > 0 ? D->n : 1));
    if (ids == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int nprev = 1;
    for (int i = 0; i < D->n; i++)
        ids[i] = 0;
    for (int p = 0; p < t->n; p++) {
        const csvtable_column *col = &D->t.col[est_label_col(D, k, t->part[p])];
        est_idmap m = { NULL, NULL, 0, 0 };
        for (int i = 0; i < D->n; i++) {
            uint64_t key = (uint64_t)ids[i] * (uint64_t)col->nlevels + (uint64_t)col->code[D->row[i]];
            if ((ids[i] = est_idmap_get(&m, key)) < 0) {
                free(m.key);
                free(m.id);
                free(ids);
                return err_set(e, SANC_ENOMEM, "out of memory");
            }
        }
        nprev = m.n;
        free(m.key);
        free(m.id);
    }
    *out = ids;
    *levels = nprev;
    return SANC_OK;
}

static int est_problem_build(const est_spec *s, est_data *D, ppml_problem *p, errbuf *e)
{
    memset(D, 0, sizeof *D);
    memset(p, 0, sizeof *p);
    const int k = s->k;
    for (int d = 0; d < s->nfe; d++)
        for (int i = 0; i < s->fe[d].n; i++)
            est_want_label(D, s->fe[d].part[i]);
    for (int i = 0; i < s->cluster.n; i++)
        est_want_label(D, s->cluster.part[i]);
    for (int i = 0; i < s->boot_cluster.n; i++)
        est_want_label(D, s->boot_cluster.part[i]);
    if (s->international || s->has_effects) {
        est_want_label(D, "exporter");
        est_want_label(D, "importer");
    }
    if (s->has_effects)
        est_want_label(D, "year");

    /* the columns: outcome, regressors, labels */
    int ncols = 1 + k + D->nlabels;
    csvtable_col *cols = calloc((size_t)ncols, sizeof *cols);
    const char **names = malloc(sizeof *names * (size_t)ncols);
    if (cols == NULL || names == NULL) {
        free(cols);
        free(names);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    cols[0] = (csvtable_col){ s->outcome, NULL, CSVTABLE_NUMBER, CSVTABLE_NONNEG };
    for (int j = 0; j < k; j++)
        cols[1 + j] = (csvtable_col){ s->regressors[j], NULL, CSVTABLE_NUMBER, 0 };
    for (int i = 0; i < D->nlabels; i++)
        cols[1 + k + i] = (csvtable_col){ D->label[i], NULL, CSVTABLE_LABEL, 0 };
    for (int c = 0; c < ncols; c++)
        names[c] = cols[c].name;
    int rc = csvtable_source_check_names(&s->src, names, ncols, e);
    if (rc == SANC_OK)
        rc = csvtable_source_read(&s->src, &D->t, cols, ncols, e);
    free(cols);
    free(names);
    if (rc != SANC_OK)
        return rc;

    /* the sample */
    const csvtable *t = &D->t;
    D->row = malloc(sizeof *D->row * (size_t)t->nrows);
    if (D->row == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int cex = est_label_col(D, k, "exporter"), cim = est_label_col(D, k, "importer");
    for (int64_t r = 0; r < t->nrows; r++)
        if (!s->international || strcmp(csvtable_label(t, cex, r), csvtable_label(t, cim, r)) != 0)
            D->row[D->n++] = r;
    if (D->n == 0)
        return err_set(e, SANC_EDATA, "%s: no international rows (exporter != importer) to estimate on",
                       t->path);

    size_t n = (size_t)D->n;
    D->y = malloc(sizeof *D->y * n);
    D->x = calloc((size_t)k, sizeof *D->x);
    if (D->y == NULL || D->x == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int j = 0; j < k; j++)
        if ((D->x[j] = malloc(sizeof *D->x[j] * n)) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
    for (int i = 0; i < D->n; i++) {
        D->y[i] = t->col[0].num[D->row[i]];
        for (int j = 0; j < k; j++)
            D->x[j][i] = t->col[1 + j].num[D->row[i]];
    }
    for (int d = 0; d < s->nfe; d++)
        if ((rc = est_ids(D, k, &s->fe[d], &D->fe[d], &D->fe_levels[d], e)) < 0)
            return rc;
    if (s->has_cluster && (rc = est_ids(D, k, &s->cluster, &D->cl, &D->ncl, e)) < 0)
        return rc;
    if (s->replicates > 0 && (rc = est_ids(D, k, &s->boot_cluster, &D->bcl, &D->nbcl, e)) < 0)
        return rc;

    p->n = D->n;
    p->k = k;
    p->y = D->y;
    p->x = (const double *const *)D->x;
    p->xname = s->regressors;
    p->nfe = s->nfe;
    for (int d = 0; d < s->nfe; d++) {
        p->fe[d] = D->fe[d];
        p->fe_levels[d] = D->fe_levels[d];
        p->fe_name[d] = s->fe[d].text;
    }
    p->cluster = D->cl;
    p->nclusters = D->ncl;
    return SANC_OK;
}

/* ------------------------------------------------------------------ */
/* text outputs                                                        */

/* A CSV field, quoted when it must be (RFC 4180). */
static void est_csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' && s[0] != '\0' && s[strlen(s) - 1] != ' ') {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Does the year label equal the value (numerically for a number)? */
static int est_year_is(const char *label, const csvtable_value *v)
{
    if (!v->is_number)
        return strcmp(label, v->text) == 0;
    char *end;
    double x = strtod(label, &end);
    return end != label && *end == '\0' && x == v->number;
}

static void est_value_text(const csvtable_value *v, char *buf, size_t n)
{
    if (v->is_number)
        snprintf(buf, n, "%.17g", v->number);
    else
        snprintf(buf, n, "%s", v->text);
}

/* exporter,importer,delta over the pairs of the sample that have both
 * years; *npairs and *missing count pairs written and skipped. */
static int est_effects_csv(const est_spec *s, est_data *D, char **text, size_t *len, int *npairs, int *missing,
                           errbuf *e)
{
    const int k = s->k;
    const csvtable *t = &D->t;
    est_term pair;
    memset(&pair, 0, sizeof pair);
    pair.n = 2;
    pair.part[0] = (char *)"exporter";
    pair.part[1] = (char *)"importer";
    int rc = est_ids(D, k, &pair, &D->pair, &D->npairs, e);
    if (rc < 0)
        return rc;
    int np = D->npairs;
    int64_t *rfrom = malloc(sizeof *rfrom * (size_t)np), *rto = malloc(sizeof *rto * (size_t)np);
    if (rfrom == NULL || rto == NULL) {
        free(rfrom);
        free(rto);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (int q = 0; q < np; q++)
        rfrom[q] = rto[q] = -1;
    int cyear = est_label_col(D, k, "year"), cex = est_label_col(D, k, "exporter"),
        cim = est_label_col(D, k, "importer");
    char fv[64], tv[64];
    est_value_text(&s->from, fv, sizeof fv);
    est_value_text(&s->to, tv, sizeof tv);
    for (int i = 0; i < D->n && rc == SANC_OK; i++) {
        int64_t r = D->row[i];
        const char *yl = csvtable_label(t, cyear, r);
        for (int w = 0; w < 2; w++) {
            int64_t *slot = w == 0 ? rfrom : rto;
            if (!est_year_is(yl, w == 0 ? &s->from : &s->to))
                continue;
            if (slot[D->pair[i]] >= 0) {
                rc = err_set(e, SANC_EDATA, "%s:%d: effects: a second row for %s,%s in year %s (first at line %d)",
                             t->path, t->line[r], csvtable_label(t, cex, r), csvtable_label(t, cim, r),
                             w == 0 ? fv : tv, t->line[slot[D->pair[i]]]);
                break;
            }
            slot[D->pair[i]] = r;
        }
    }
    FILE *f = NULL;
    *text = NULL;
    *len = 0;
    *npairs = *missing = 0;
    if (rc == SANC_OK && (f = open_memstream(text, len)) == NULL)
        rc = err_set(e, SANC_ENOMEM, "out of memory");
    if (rc == SANC_OK) {
        fputs("exporter,importer,delta\n", f);
        const double *x = t->col[1 + s->effects_j].num;
        for (int q = 0; q < np; q++) {
            if (rfrom[q] < 0 || rto[q] < 0) {
                (*missing)++;
                continue;
            }
            est_csv_field(f, csvtable_label(t, cex, rfrom[q]));
            fputc(',', f);
            est_csv_field(f, csvtable_label(t, cim, rfrom[q]));
            double d = x[rto[q]] - x[rfrom[q]];
            fprintf(f, ",%.17g\n", d == 0 ? 0.0 : d);
            (*npairs)++;
        }
        if (fclose(f) != 0)
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        if (rc == SANC_OK && *npairs == 0)
            rc = err_set(e, SANC_EDATA, "%s: effects: no pair has rows in both year %s and year %s", t->path, fv, tv);
    }
    free(rfrom);
    free(rto);
    if (rc != SANC_OK) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* the printed table                                                   */

static char *est_table(const est_spec *s, const ppml_fit *f, const char *variance, const double *bse,
                       const ppml_boot_result *br, int eff_pairs, int eff_missing)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m == NULL)
        return NULL;
    fprintf(m, "PPML: %s on %d regressor%s", s->outcome, s->k, s->k > 1 ? "s" : "");
    if (s->nfe > 0) {
        fprintf(m, "; fixed effects");
        for (int d = 0; d < s->nfe; d++)
            fprintf(m, " %s", s->fe[d].text);
    } else {
        fprintf(m, "; a constant, no fixed effects");
    }
    fprintf(m, "\nobservations %d (dropped: %d separated, %d singletons)", f->observations, f->dropped_separated,
            f->dropped_singletons);
    if (f->nclusters > 0)
        fprintf(m, "; %d clusters (%s)", f->nclusters, s->cluster.text);
    fprintf(m, "\nIRLS iterations %d, deviance %.10g; standard errors %s\n\n", f->iterations, f->deviance, variance);
    int w = 9;
    for (int j = 0; j < s->k; j++)
        if ((int)strlen(s->regressors[j]) > w)
            w = (int)strlen(s->regressors[j]);
    fprintf(m, "%-*s  %13s  %12s  %8s  %7s  %25s\n", w, "regressor", "coefficient", "std. error", "z", "P>|z|",
            "[95% confidence interval]");
    for (int j = 0; j < s->k; j++) {
        double b = f->beta[j], se = f->se[j], z = b / se;
        fprintf(m, "%-*s  %13.7g  %12.6g  %8.3f  %7.4f  %12.6g %12.6g\n", w, s->regressors[j], b, se, z,
                erfc(fabs(z) / sqrt(2.0)), b - 1.959963984540054 * se, b + 1.959963984540054 * se);
    }
    if (f->near_zero > 0)
        fprintf(m, "\nwarning: %d observations with %s = 0 have fitted means below 1e-8 of the mean: the regressors "
                "probably separate them (not checked; ppmlhdfe would drop them), and the coefficients of the "
                "regressors involved are not meaningful\n", f->near_zero, s->outcome);
    if (s->replicates > 0) {
        fprintf(m, "\nbootstrap: %d replicates (%d done, %d failed), seed %llu, clusters %s\n", s->replicates,
                br->done, br->failed, (unsigned long long)s->seed, s->boot_cluster.text);
        for (int j = 0; j < s->k; j++)
            fprintf(m, "%-*s  bootstrap std. error %.6g\n", w, s->regressors[j], bse[j]);
        if (br->failed > 0)
            fprintf(m, "first failed replicate %d: %s\n", br->first_failed, br->first_failure);
    }
    if (s->has_effects) {
        fprintf(m, "\neffects: %s (%d pairs", s->effects_file, eff_pairs);
        if (eff_missing > 0)
            fprintf(m, "; %d pairs without both years left out", eff_missing);
        fprintf(m, ")");
        if (s->replicates > 0)
            fprintf(m, "; sweep design %s (%d rows)", s->design_file, br->done);
        fprintf(m, "\n");
    }
    if (fclose(m) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* ------------------------------------------------------------------ */
/* the command                                                         */

typedef struct est_progress {
    const estimate_cmd_opts *o;
} est_progress;

static void est_on_replicate(int done, int total, void *ctx)
{
    const estimate_cmd_opts *o = ((est_progress *)ctx)->o;
    o->progress("bootstrap", done, total, o->ctx);
}

/* Reword a ppml error: collinearity names the regressor's setting; other
 * data errors name the data file. */
static int est_fit_error(const est_spec *s, const ppml_fit *f, const char *data_path, int rc, errbuf *fe, errbuf *e)
{
    if (rc == SANC_EDATA && f->culprit >= 0) {
        const config_setting_t *el = config_setting_type(s->regressors_where) == CONFIG_TYPE_STRING
                                         ? s->regressors_where
                                         : config_setting_get_elem(s->regressors_where, (unsigned)f->culprit);
        return cfg_fail(el, e, "%s", fe->msg);
    }
    if (rc == SANC_EDATA || rc == SANC_ENOCONV)
        return err_set(e, rc, "%s: %s", data_path, fe->msg);
    return err_set(e, rc, "%s", fe->msg);
}

int estimate_command(const estimate_cmd_opts *o, errbuf *e)
{
    est_spec s;
    est_data D;
    ppml_problem p;
    ppml_fit f;
    memset(&D, 0, sizeof D);
    memset(&f, 0, sizeof f);
    double *boot = NULL, *bse = NULL;
    int *status = NULL;
    int64_t *bseed = NULL;
    char *eff_text = NULL, *design_text = NULL, *config_text = NULL, *table = NULL;
    size_t eff_len = 0, design_len = 0;
    int eff_pairs = 0, eff_missing = 0;
    ppml_boot_result br;
    memset(&br, 0, sizeof br);

    int rc = est_spec_load(&s, o, e);
    if (rc != SANC_OK)
        goto done;
    /* every output is refused before any work */
    if ((rc = h5out_check_target(o->output, o->force, e)) != SANC_OK)
        goto done;
    if (s.has_effects && ((rc = h5out_check_target(s.effects_file, o->force, e)) != SANC_OK ||
                          (s.replicates > 0 && (rc = h5out_check_target(s.design_file, o->force, e)) != SANC_OK)))
        goto done;
    if ((config_text = cfg_to_string(&s.cfg, e)) == NULL) {
        rc = e->code ? e->code : err_set(e, SANC_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = est_problem_build(&s, &D, &p, e)) != SANC_OK)
        goto done;

    ppml_opts po = { s.tolerance, 0, 0 };
    errbuf fe;
    err_init(&fe);
    if ((rc = ppml_estimate(&p, &po, &f, &fe)) != SANC_OK) {
        rc = est_fit_error(&s, &f, D.t.path, rc, &fe, e);
        goto done;
    }

    if (s.replicates > 0) {
        size_t R = (size_t)s.replicates, k = (size_t)s.k;
        boot = malloc(sizeof *boot * R * k);
        status = malloc(sizeof *status * R);
        bseed = malloc(sizeof *bseed * R);
        bse = malloc(sizeof *bse * k);
        if (boot == NULL || status == NULL || bseed == NULL || bse == NULL) {
            rc = err_set(e, SANC_ENOMEM, "out of memory");
            goto done;
        }
        est_progress pc = { o };
        ppml_boot_opts bo = { .replicates = s.replicates, .seed = s.seed, .jobs = o->jobs, .cluster = D.bcl,
                              .nclusters = D.nbcl, .sample = f.used, .start = f.mu,
                              .progress = o->progress != NULL ? est_on_replicate : NULL, .ctx = &pc };
        if ((rc = ppml_bootstrap(&p, &po, &bo, boot, status, &br, e)) != SANC_OK)
            goto done;
        for (int r = 0; r < s.replicates; r++)
            bseed[r] = (int64_t)(rng_mix32(s.seed) ^ (uint32_t)r);
        for (int j = 0; j < s.k; j++) {
            double sum = 0, sq = 0;
            int cnt = 0;
            for (int r = 0; r < s.replicates; r++)
                if (status[r] == 1) {
                    sum += boot[(size_t)r * k + (size_t)j];
                    cnt++;
                }
            double mean = cnt > 0 ? sum / cnt : NAN;
            for (int r = 0; r < s.replicates; r++)
                if (status[r] == 1) {
                    double d = boot[(size_t)r * k + (size_t)j] - mean;
                    sq += d * d;
                }
            bse[j] = cnt > 1 ? sqrt(sq / (cnt - 1)) : NAN;
        }
    }

    if (s.has_effects) {
        if ((rc = est_effects_csv(&s, &D, &eff_text, &eff_len, &eff_pairs, &eff_missing, e)) != SANC_OK)
            goto done;
        if (s.replicates > 0) {
            FILE *m = open_memstream(&design_text, &design_len);
            if (m == NULL) {
                rc = err_set(e, SANC_ENOMEM, "out of memory");
                goto done;
            }
            est_csv_field(m, est_design_header);
            fputc('\n', m);
            for (int r = 0; r < s.replicates; r++)
                if (status[r] == 1)
                    fprintf(m, "%.17g\n", boot[(size_t)r * (size_t)s.k + (size_t)s.effects_j]);
            if (fclose(m) != 0) {
                rc = err_set(e, SANC_ENOMEM, "out of memory");
                goto done;
            }
        }
        if ((rc = estimate_write_text(s.effects_file, o->force, eff_text, eff_len, e)) != SANC_OK)
            goto done;
        if (s.replicates > 0 &&
            (rc = estimate_write_text(s.design_file, o->force, design_text, design_len, e)) != SANC_OK)
            goto done;
    }

    char variance[300], fe_text[600] = "", sha[65];
    if (s.has_cluster)
        snprintf(variance, sizeof variance, "cluster-robust, clustered by %s (factor G/(G-1), G = %d)",
                 s.cluster.text, f.nclusters);
    else
        snprintf(variance, sizeof variance, "robust (factor N/(N-1), N = %d)", f.observations);
    for (int d = 0; d < s.nfe; d++) {
        size_t l = strlen(fe_text);
        snprintf(fe_text + l, sizeof fe_text - l, "%s%s", d ? " " : "", s.fe[d].text);
    }
    cfg_sha256_hex(config_text, strlen(config_text), sha);
    estimate_h5 h = {
        .k = s.k, .regressor = s.regressors, .coefficient = f.beta, .std_error = f.se, .vcov = f.vcov,
        .observations = f.observations, .dropped_separated = f.dropped_separated,
        .dropped_singletons = f.dropped_singletons, .clusters = f.nclusters, .iterations = f.iterations,
        .deviance = f.deviance, .variance = variance, .replicates = s.replicates, .boot = boot, .status = status,
        .boot_seed = bseed, .boot_std_error = bse, .boot_cluster = s.boot_cluster.text, .seed = s.seed,
        .command_line = o->command_line ? o->command_line : "", .config_text = config_text, .config_sha256 = sha,
        .data_file = D.t.path, .data_sha256 = D.t.sha256, .outcome = s.outcome, .fixed_effects = fe_text,
        .cluster = s.has_cluster ? s.cluster.text : "",
    };
    if ((rc = estimate_write_h5(o->output, o->force, &h, o->on_temp, o->ctx, e)) != SANC_OK)
        goto done;
    if (o->print != NULL) {
        if ((table = est_table(&s, &f, variance, bse, &br, eff_pairs, eff_missing)) == NULL) {
            rc = err_set(e, SANC_ENOMEM, "out of memory");
            goto done;
        }
        o->print(table, o->ctx);
    }

done:
    free(table);
    free(eff_text);
    free(design_text);
    free(config_text);
    free(boot);
    free(bse);
    free(status);
    free(bseed);
    ppml_fit_free(&f);
    est_data_free(&D, s.k);
    est_spec_free(&s);
    return rc;
}
