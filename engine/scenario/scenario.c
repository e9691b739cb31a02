/*
 * scenario.c - load and validate a scenario file (DESIGN sections 5 and 7).
 *
 * Reads the core blocks (scenario, data, groups, trade, events, output)
 * strictly through cfg.h and resolves every name to an index, so that the
 * run loop and the modules never see a string they would have to check.
 * The agent-layer blocks are read by their modules with the helpers at the
 * end of this file (country sets, sector sets, dates, windows).
 */
#include "scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_io.h"
#include "utf8.h"

/* Size limits, checked before the big arrays are allocated: a world array
 * holds nc*nc*ns doubles and a run keeps about a dozen of them. */
#define SC_MAX_COUNTRIES 2000
#define SC_MAX_SECTORS 1000
#define SC_MAX_CELLS 50000000LL
#define SC_MAX_PERIODS 100000

static const char *const sc_top_keys[] = {
    "scenario", "data", "groups", "trade", "events", "output",
    "sanctions", "payments", "routing", "sweep", "governments", "metrics", NULL,
};

/* Settings that hold file names, relative to the file that sets them (a
 * base's paths stay relative to the base; see cfg_rebase_paths). */
static const char *const sc_path_settings[] = {
    "data.trade", "data.countries", "data.inputs", "data.final", "data.value_added", "data.deficits",
    "data.theta", "data.*.file", "sweep.file", "events.*.file", "events.*.file.file",
    "events.*.tariff.file", "events.*.export_tax.file", "events.*.tariff_level.file", NULL,
};

/* ---- small helpers ---------------------------------------------------- */

/* Resolve a data path relative to the scenario's folder. */
static char *sc_data_path(const scenario *sc, const char *p)
{
    if (p[0] == '/' || sc->cfg.dir == NULL || sc->cfg.dir[0] == '\0')
        return strdup(p);
    size_t n = strlen(sc->cfg.dir) + strlen(p) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", sc->cfg.dir, p);
    return s;
}

/* A data-file setting (a path, or { file; columns; filter; }: DESIGN 10)
 * as a source resolved against the scenario's folder; `names` are the
 * canonical columns its loader reads (a mapping of another is an error). */
static int sc_source(const scenario *sc, const config_setting_t *g, const char *key, const char *const *names,
                     int n, csvtable_source *src, errbuf *e)
{
    int rc = csvtable_source_parse(g, key, NULL, src, e);
    if (rc != SANC_OK)
        return rc;
    char *p = sc_data_path(sc, src->path);
    if (p == NULL) {
        csvtable_source_free(src);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    free(src->path);
    src->path = p;
    if ((rc = csvtable_source_check_names(src, names, n, e)) != SANC_OK)
        csvtable_source_free(src);
    return rc;
}

int scenario_record_file(scenario *sc, const char *path, const char *sha256, errbuf *e)
{
    sc_datafile *f = realloc(sc->files, sizeof *f * (size_t)(sc->nfiles + 1));
    if (f == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    sc->files = f;
    f += sc->nfiles;
    if ((f->path = strdup(path)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    snprintf(f->sha256, sizeof f->sha256, "%s", sha256);
    sc->nfiles++;
    return SANC_OK;
}

char *scenario_data_sha256(const scenario *sc)
{
    size_t n = 1;
    for (int i = 0; i < sc->nfiles; i++)
        n += strlen(sc->files[i].path) + 64 + 3;
    char *t = malloc(n), *q = t;
    if (t == NULL)
        return NULL;
    *q = '\0';
    for (int i = 0; i < sc->nfiles; i++)
        q += sprintf(q, "%s  %s\n", sc->files[i].sha256, sc->files[i].path);
    return t;
}

int scenario_country_index(const scenario *sc, const char *code)
{
    for (int i = 0; i < sc->nc; i++)
        if (strcmp(sc->country[i], code) == 0)
            return i;
    return -1;
}

int scenario_sector_index(const scenario *sc, const char *name)
{
    for (int k = 0; k < sc->ns; k++)
        if (strcmp(sc->sector[k], name) == 0)
            return k;
    return -1;
}

static int sc_group_index(const scenario *sc, const char *name)
{
    for (int g = 0; g < sc->ngroups; g++)
        if (strcmp(sc->group_name[g], name) == 0)
            return g;
    return -1;
}

/* Parse "YYYY-MM" strictly. */
static int sc_parse_month(const char *s, int *y, int *m)
{
    if (strlen(s) != 7 || s[4] != '-')
        return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)s[i]))
            return -1;
    *y = atoi(s);
    *m = atoi(s + 5);
    return (*m >= 1 && *m <= 12 && *y >= 1) ? 0 : -1;
}

const char *scenario_period_label(const scenario *sc, int t, char *buf, size_t n)
{
    long m = (long)sc->start_year * 12 + (sc->start_month - 1) + (long)t * sc->step_months;
    snprintf(buf, n, "%04ld-%02ld", m / 12, m % 12 + 1);
    return buf;
}

/* ---- country sets and groups ------------------------------------------ */

/* Apply one set element (code, group, ALL, !X) to mask.  groups_ready = 0
 * while the groups themselves are being resolved (then group references
 * are resolved recursively through sc_group_resolve). */
static int sc_group_resolve(scenario *sc, int g, unsigned char *state, const config_setting_t *where,
                            errbuf *e);

static int sc_set_apply(const scenario *sc, const char *item, unsigned char *mask,
                        const config_setting_t *where, errbuf *e)
{
    int neg = item[0] == '!';
    const char *name = neg ? item + 1 : item;
    int v = neg ? 0 : 1;
    if (strcmp(name, "ALL") == 0) {
        memset(mask, v, (size_t)sc->nc);
        return SANC_OK;
    }
    int i = scenario_country_index(sc, name);
    if (i >= 0) {
        mask[i] = (unsigned char)v;
        return SANC_OK;
    }
    int g = sc_group_index(sc, name);
    if (g >= 0) {
        const unsigned char *gm = sc->group_mask + (size_t)g * sc->nc;
        for (int c = 0; c < sc->nc; c++)
            if (gm[c])
                mask[c] = (unsigned char)v;
        return SANC_OK;
    }
    return cfg_fail(where, e, "unknown country or group '%s'", name);
}

int scenario_country_set(const scenario *sc, const config_setting_t *g, const char *key, int required,
                         unsigned char *mask, errbuf *e)
{
    const char **items = NULL;
    int n = 0;
    config_setting_t *where = NULL;
    int rc = cfg_get_strings(g, key, required, &items, &n, &where, e);
    if (rc != SANC_OK)
        return rc;
    memset(mask, 0, (size_t)sc->nc);
    for (int i = 0; i < n && rc == SANC_OK; i++)
        rc = sc_set_apply(sc, items[i], mask, where, e);
    free(items);
    return rc;
}

int scenario_sector_set(const scenario *sc, const config_setting_t *g, const char *key, unsigned char *mask,
                        errbuf *e)
{
    const char **items = NULL;
    int n = 0;
    config_setting_t *where = NULL;
    int rc = cfg_get_strings(g, key, 0, &items, &n, &where, e);
    if (rc == CFG_ABSENT) {
        memset(mask, 1, (size_t)sc->ns);
        return CFG_ABSENT;
    }
    if (rc != SANC_OK)
        return rc;
    memset(mask, 0, (size_t)sc->ns);
    for (int i = 0; i < n && rc == SANC_OK; i++) {
        if (strcmp(items[i], "ALL") == 0) {
            memset(mask, 1, (size_t)sc->ns);
            continue;
        }
        int k = scenario_sector_index(sc, items[i]);
        if (k < 0)
            rc = cfg_fail(where, e, "unknown sector '%s'", items[i]);
        else
            mask[k] = 1;
    }
    if (rc == SANC_OK && n == 0)
        rc = cfg_fail(where, e, "empty sector list");
    free(items);
    return rc;
}

int scenario_country(const scenario *sc, const config_setting_t *g, const char *key, int required, int *out,
                     errbuf *e)
{
    const char *s = NULL;
    int rc = cfg_get_string(g, key, required, &s, e);
    if (rc != SANC_OK)
        return rc;
    int i = scenario_country_index(sc, s);
    if (i < 0)
        return cfg_fail(config_setting_get_member(g, key), e, "unknown country code '%s'", s);
    *out = i;
    return SANC_OK;
}

int scenario_period(const scenario *sc, const config_setting_t *g, const char *key, int required, int *out,
                    errbuf *e)
{
    config_setting_t *s = config_setting_get_member(g, key);
    if (s == NULL) {
        if (required)
            return cfg_fail_key(g, key, e, "missing required setting");
        return CFG_ABSENT;
    }
    int type = config_setting_type(s);
    if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
        int64_t v;
        int rc = cfg_get_int(g, key, 1, 0, SC_END_NEVER - 1, &v, e);
        if (rc != SANC_OK)
            return rc;
        *out = (int)v;
        return SANC_OK;
    }
    if (type != CONFIG_TYPE_STRING)
        return cfg_fail(s, e, "expected a date \"YYYY-MM\" or a period index");
    int y, m;
    const char *str = config_setting_get_string(s);
    /* a period index given as text: `--set events.[0].start=2` replaces a
     * date string by the word "2" (--set keeps the setting's type) */
    size_t nd = strspn(str, "0123456789");
    if (nd > 0 && nd <= 9 && str[nd] == '\0') {
        long v = strtol(str, NULL, 10);
        *out = v >= SC_END_NEVER ? SC_END_NEVER - 1 : (int)v;
        return SANC_OK;
    }
    if (sc_parse_month(str, &y, &m) != 0)
        return cfg_fail(s, e, "bad date '%s' (expected \"YYYY-MM\" or a period index)", str);
    long diff = ((long)y * 12 + m) - ((long)sc->start_year * 12 + sc->start_month);
    if (diff < 0) {
        char b[32];
        return cfg_fail(s, e, "date %s is before the scenario start %s", str,
                        scenario_period_label(sc, 0, b, sizeof b));
    }
    long p = diff / sc->step_months;
    *out = p >= SC_END_NEVER ? SC_END_NEVER - 1 : (int)p;
    return SANC_OK;
}

int scenario_window(const scenario *sc, const config_setting_t *g, int min_start, int *start, int *end,
                    errbuf *e)
{
    int rc = scenario_period(sc, g, "start", 1, start, e);
    if (rc != SANC_OK)
        return rc;
    if (*start < min_start || *start >= sc->periods) {
        char b0[32], b1[32];
        return cfg_fail(config_setting_get_member(g, "start"), e,
                        "start (period %d) outside the horizon: must be in %d..%d (%s..%s)", *start,
                        min_start, sc->periods - 1, scenario_period_label(sc, min_start, b0, sizeof b0),
                        scenario_period_label(sc, sc->periods - 1, b1, sizeof b1));
    }
    *end = SC_END_NEVER;
    rc = scenario_period(sc, g, "end", 0, end, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK && *end <= *start)
        return cfg_fail(config_setting_get_member(g, "end"), e,
                        "end (period %d) must come after start (period %d)", *end, *start);
    return SANC_OK;
}

/* Depth-first resolution of group g; state: 0 new, 1 in progress, 2 done. */
static int sc_group_resolve(scenario *sc, int g, unsigned char *state, const config_setting_t *where,
                            errbuf *e)
{
    if (state[g] == 2)
        return SANC_OK;
    if (state[g] == 1)
        return cfg_fail(where, e, "group '%s' includes itself", sc->group_name[g]);
    state[g] = 1;
    const config_setting_t *groups = config_lookup(&sc->cfg.lc, "groups");
    const config_setting_t *def = groups ? config_setting_get_member(groups, sc->group_name[g]) : NULL;
    unsigned char *mask = sc->group_mask + (size_t)g * sc->nc;
    int rc = SANC_OK;
    if (def != NULL) {
        const char **items = NULL;
        int n = 0;
        config_setting_t *w2 = NULL;
        rc = cfg_get_strings(groups, sc->group_name[g], 1, &items, &n, &w2, e);
        for (int i = 0; i < n && rc == SANC_OK; i++) {
            const char *name = items[i][0] == '!' ? items[i] + 1 : items[i];
            int h = sc_group_index(sc, name);
            if (h >= 0)
                rc = sc_group_resolve(sc, h, state, w2, e);
            if (rc == SANC_OK)
                rc = sc_set_apply(sc, items[i], mask, w2, e);
        }
        free(items);
    }
    /* Memberships from the countries file's groups column add to the union. */
    for (int c = 0; c < sc->data->countries.n && rc == SANC_OK; c++) {
        const char *gl = sc->data->countries.groups ? sc->data->countries.groups[c] : NULL;
        if (gl == NULL)
            continue;
        size_t len = strlen(sc->group_name[g]);
        for (const char *p = gl; *p;) {
            const char *q = strchr(p, ';');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            if (n == len && strncmp(p, sc->group_name[g], n) == 0) {
                int i = scenario_country_index(sc, sc->data->countries.code[c]);
                if (i >= 0)
                    mask[i] = 1;
            }
            p += n + (q != NULL);
        }
    }
    state[g] = 2;
    return rc;
}

static int sc_add_group(scenario *sc, const char *name, const config_setting_t *where, errbuf *e)
{
    if (sc_group_index(sc, name) >= 0)
        return SANC_OK;
    if (scenario_country_index(sc, name) >= 0)
        return cfg_fail(where, e, "group '%s' has the name of a country", name);
    if (strcmp(name, "ALL") == 0 || name[0] == '!' || name[0] == '\0')
        return cfg_fail(where, e, "invalid group name '%s'", name);
    char **gn = realloc(sc->group_name, (size_t)(sc->ngroups + 1) * sizeof *gn);
    if (gn == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    sc->group_name = gn;
    if ((gn[sc->ngroups] = strdup(name)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    sc->ngroups++;
    return SANC_OK;
}

static int sc_load_groups(scenario *sc, errbuf *e)
{
    config_setting_t *root = config_root_setting(&sc->cfg.lc);
    config_setting_t *groups = NULL;
    int rc = cfg_get_group(root, "groups", 0, &groups, e);
    if (rc < 0)
        return rc;
    int n = groups ? config_setting_length(groups) : 0;
    for (int i = 0; i < n; i++) {
        config_setting_t *m = config_setting_get_elem(groups, (unsigned)i);
        rc = sc_add_group(sc, config_setting_name(m), m, e);
        if (rc != SANC_OK)
            return rc;
    }
    /* groups named only in the countries file */
    for (int c = 0; c < sc->data->countries.n; c++) {
        const char *gl = sc->data->countries.groups ? sc->data->countries.groups[c] : NULL;
        if (gl == NULL)
            continue;
        char buf[256];
        for (const char *p = gl; *p;) {
            const char *q = strchr(p, ';');
            size_t len = q ? (size_t)(q - p) : strlen(p);
            if (len > 0 && len < sizeof buf) {
                memcpy(buf, p, len);
                buf[len] = '\0';
                if (scenario_country_index(sc, buf) >= 0 || strcmp(buf, "ALL") == 0)
                    return err_set(e, SANC_EDATA, "%s: country %s: group '%s' has the name of a country",
                                   config_lookup(&sc->cfg.lc, "data.countries") ? "countries file" : "?",
                                   sc->data->countries.code[c], buf);
                rc = sc_add_group(sc, buf, root, e);
                if (rc != SANC_OK)
                    return rc;
            }
            p += len + (q != NULL);
        }
    }
    if (sc->ngroups == 0)
        return SANC_OK;
    sc->group_mask = calloc((size_t)sc->ngroups * (size_t)sc->nc, 1);
    unsigned char *state = calloc((size_t)sc->ngroups, 1);
    if (sc->group_mask == NULL || state == NULL) {
        free(state);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (int g = 0; g < sc->ngroups && rc == SANC_OK; g++) {
        config_setting_t *where = groups ? config_setting_get_member(groups, sc->group_name[g]) : NULL;
        rc = sc_group_resolve(sc, g, state, where ? where : root, e);
    }
    free(state);
    return rc;
}

/* ---- blocks ------------------------------------------------------------ */

static int sc_load_scenario_block(scenario *sc, const char *path, int64_t seed_override, errbuf *e)
{
    static const char *const keys[] = {"name", "start", "step", "periods", "seed", NULL};
    config_setting_t *root = config_root_setting(&sc->cfg.lc), *b = NULL;
    int rc = cfg_get_group(root, "scenario", 1, &b, e);
    if (rc == SANC_OK)
        rc = cfg_check_keys(b, keys, e);
    if (rc != SANC_OK)
        return rc;
    const char *s = NULL;
    rc = cfg_get_string(b, "name", 0, &s, e);
    if (rc < 0)
        return rc;
    sc->name = rc == SANC_OK ? s : NULL;
    /* provenance attributes are limited to 64 KiB by HDF5's object headers:
     * refuse here (check, before any run) rather than at the end of a run */
    if (sc->name != NULL && strlen(sc->name) > SC_MAX_TEXT)
        return cfg_fail(config_setting_get_member(b, "name"), e, "%zu bytes, more than the limit of %d",
                        strlen(sc->name), SC_MAX_TEXT);
    if (sc->name == NULL) {
        /* default: the file stem, kept in the config tree so it is recorded */
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char stem[256];
        snprintf(stem, sizeof stem, "%s", base);
        char *dot = strrchr(stem, '.');
        if (dot)
            *dot = '\0';
        /* a file name is not a label the user checked: '?' for bad UTF-8 */
        char *clean = utf8_sanitize(stem);
        config_setting_t *n = config_setting_add(b, "name", CONFIG_TYPE_STRING);
        int ok = clean != NULL && n != NULL && config_setting_set_string(n, clean);
        free(clean);
        if (!ok)
            return err_set(e, SANC_ENOMEM, "out of memory");
        sc->name = config_setting_get_string(n);
    }
    if ((rc = cfg_get_string(b, "start", 1, &s, e)) != SANC_OK)
        return rc;
    if (sc_parse_month(s, &sc->start_year, &sc->start_month) != 0)
        return cfg_fail(config_setting_get_member(b, "start"), e, "bad date '%s' (expected \"YYYY-MM\")", s);
    sc->step_months = 1;
    rc = cfg_get_string(b, "step", 0, &s, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK) {
        if (strcmp(s, "month") == 0)
            sc->step_months = 1;
        else if (strcmp(s, "quarter") == 0)
            sc->step_months = 3;
        else if (strcmp(s, "year") == 0)
            sc->step_months = 12;
        else
            return cfg_fail(config_setting_get_member(b, "step"), e,
                            "unknown step '%s' (expected month, quarter or year)", s);
    }
    int64_t v;
    if ((rc = cfg_get_int(b, "periods", 1, 1, SC_MAX_PERIODS, &v, e)) != SANC_OK)
        return rc;
    sc->periods = (int)v;
    sc->seed = 1;
    rc = cfg_get_int(b, "seed", 0, 0, INT64_MAX, &v, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK)
        sc->seed = (uint64_t)v;
    if (seed_override >= 0) {
        sc->seed = (uint64_t)seed_override;
        sc->seed_overridden = 1;
        /* record the seed actually used in the resolved config */
        config_setting_t *n = config_setting_get_member(b, "seed");
        if (n == NULL)
            n = config_setting_add(b, "seed", CONFIG_TYPE_INT64);
        else if (config_setting_type(n) != CONFIG_TYPE_INT64) {
            config_setting_remove(b, "seed");
            n = config_setting_add(b, "seed", CONFIG_TYPE_INT64);
        }
        if (n == NULL || !config_setting_set_int64(n, (long long)seed_override))
            return err_set(e, SANC_ENOMEM, "out of memory");
    }
    return SANC_OK;
}

static int sc_load_data_block(scenario *sc, const dataset *shared, errbuf *e)
{
    static const char *const keys[] = {"trade", "countries", "units", "inputs", "final", "value_added",
                                       "deficits", "theta", NULL};
    config_setting_t *root = config_root_setting(&sc->cfg.lc), *b = NULL;
    int rc = cfg_get_group(root, "data", 1, &b, e);
    if (rc == SANC_OK)
        rc = cfg_check_keys(b, keys, e);
    if (rc != SANC_OK)
        return rc;
    const char *s = NULL;
    sc->units = "USD million";
    rc = cfg_get_string(b, "units", 0, &s, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK)
        sc->units = s;
    if (strlen(sc->units) > SC_MAX_TEXT)
        return cfg_fail(config_setting_get_member(b, "units"), e, "%zu bytes, more than the limit of %d",
                        strlen(sc->units), SC_MAX_TEXT);
    /* data files as they come (DESIGN 10): a path, or { file; columns; filter; } */
    static const char *const ccols[] = {"code", "name", "groups"};
    static const char *const tcols[] = {"exporter", "importer", "sector", "value"};
    csvtable_source csrc, tsrc;
    memset(&tsrc, 0, sizeof tsrc);
    int has_c = config_setting_get_member(b, "countries") != NULL;
    if (has_c && (rc = sc_source(sc, b, "countries", ccols, 3, &csrc, e)) != SANC_OK)
        return rc;
    if (scenario_io_has_data(b)) { /* production-network data (DESIGN 2b) */
        rc = scenario_io_data(sc, b, has_c ? &csrc : NULL, shared, e);
        s = sc->data && sc->data->trade_path ? sc->data->trade_path : "data.trade";
    } else if ((rc = sc_source(sc, b, "trade", tcols, 4, &tsrc, e)) == SANC_OK) {
        char *key = dataset_key(&tsrc, has_c ? &csrc : NULL);
        if (key == NULL) {
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        } else if (dataset_matches(shared, key)) {
            sc->data = shared;
        } else {
            rc = dataset_load(&sc->own, &tsrc, has_c ? &csrc : NULL, e);
            sc->data = &sc->own;
        }
        free(key);
        /* the provenance lists every data file with its SHA-256 */
        if (rc == SANC_OK && has_c)
            rc = scenario_record_file(sc, csrc.path, sc->data->countries.sha256, e);
        if (rc == SANC_OK)
            rc = scenario_record_file(sc, tsrc.path, sc->data->trade.sha256, e);
        const config_setting_t *ts = config_setting_get_member(b, "trade");
        s = config_setting_type(ts) == CONFIG_TYPE_STRING ? config_setting_get_string(ts)
                                                            : rc == SANC_OK ? sc->data->trade_path : "data.trade";
    }
    if (has_c)
        csvtable_source_free(&csrc);
    csvtable_source_free(&tsrc);
    if (rc != SANC_OK)
        return rc;
    sc->nc = sc->data->trade.nc;
    sc->ns = sc->data->trade.ns;
    sc->country = sc->data->trade.country;
    sc->sector = sc->data->trade.sector;
    if (sc->nc > SC_MAX_COUNTRIES || sc->ns > SC_MAX_SECTORS ||
        (long long)sc->nc * sc->nc * sc->ns > SC_MAX_CELLS)
        return err_set(e, SANC_ELIMIT,
                       "%s: %d countries x %d sectors exceeds the supported size (at most %d countries, "
                       "%d sectors and %lld bilateral-sector cells)",
                       s, sc->nc, sc->ns, SC_MAX_COUNTRIES, SC_MAX_SECTORS, SC_MAX_CELLS);
    return SANC_OK;
}

static int sc_parse_imbalance(const config_setting_t *b, int *out, errbuf *e)
{
    const char *s;
    int rc = cfg_get_string(b, "imbalance", 0, &s, e);
    *out = IMBALANCE_ADDITIVE;
    if (rc != SANC_OK)
        return rc < 0 ? rc : SANC_OK;
    if (strcmp(s, "additive") == 0)
        return SANC_OK;
    if (strcmp(s, "multiplicative") == 0) {
        *out = IMBALANCE_MULTIPLICATIVE;
        return SANC_OK;
    }
    return cfg_fail(config_setting_get_member(b, "imbalance"), e,
                    "unknown imbalance '%s' (expected additive or multiplicative)", s);
}

/* sigma > 1 and adjustment in (0, 1]: shared by the global and sector entries. */
static int sc_get_sigma(const config_setting_t *g, double *sigma, errbuf *e)
{
    int rc = cfg_get_double(g, "sigma", 0, sigma, e);
    if (rc == SANC_OK && !(*sigma > 1.0))
        return cfg_fail(config_setting_get_member(g, "sigma"), e, "must be > 1 (got %g)", *sigma);
    if (rc == SANC_OK && *sigma > 1000.0)
        return cfg_fail(config_setting_get_member(g, "sigma"), e, "must be <= 1000 (got %g)", *sigma);
    return rc;
}

static int sc_get_adjustment(const config_setting_t *g, double *lambda, errbuf *e)
{
    int rc = cfg_get_double(g, "adjustment", 0, lambda, e);
    if (rc == SANC_OK && !(*lambda > 0.0 && *lambda <= 1.0))
        return cfg_fail(config_setting_get_member(g, "adjustment"), e, "must be in (0, 1] (got %g)", *lambda);
    return rc;
}

static int sc_load_trade_block(scenario *sc, errbuf *e)
{
    static const char *const keys[] = {"imbalance", "deficits", "adjustment", "sigma", "noise", "sectors",
                                       "model", "factors", "baseline_deficits", NULL};
    static const char *const sector_keys[] = {"name", "sigma", "adjustment", NULL};
    static const char *const noise_keys[] = {"sd", "rho", NULL};
    config_setting_t *root = config_root_setting(&sc->cfg.lc), *b = NULL;
    int rc = cfg_get_group(root, "trade", 0, &b, e);
    if (rc < 0)
        return rc;
    sc->sigma = calloc((size_t)sc->ns, sizeof *sc->sigma);
    sc->lambda = calloc((size_t)sc->ns, sizeof *sc->lambda);
    if (sc->sigma == NULL || sc->lambda == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    double sigma = NAN, lambda = 1.0;
    sc->imbalance = IMBALANCE_ADDITIVE;
    sc->deficits = DEFICITS_FIXED;
    if (b != NULL) {
        if ((rc = cfg_check_keys(b, keys, e)) != SANC_OK)
            return rc;
        if ((rc = sc_parse_imbalance(b, &sc->imbalance, e)) != SANC_OK)
            return rc;
        const char *s;
        rc = cfg_get_string(b, "deficits", 0, &s, e);
        if (rc < 0)
            return rc;
        if (rc == SANC_OK) {
            if (strcmp(s, "fixed") == 0)
                sc->deficits = DEFICITS_FIXED;
            else if (strcmp(s, "scale_with_trade") == 0)
                sc->deficits = DEFICITS_SCALE_WITH_TRADE;
            else
                return cfg_fail(config_setting_get_member(b, "deficits"), e,
                                "unknown deficits '%s' (expected fixed or scale_with_trade)", s);
        }
        if ((rc = sc_get_sigma(b, &sigma, e)) < 0)
            return rc;
        if ((rc = sc_get_adjustment(b, &lambda, e)) < 0)
            return rc;
        config_setting_t *nz = NULL;
        if ((rc = cfg_get_group(b, "noise", 0, &nz, e)) < 0)
            return rc;
        if (nz != NULL) {
            if ((rc = cfg_check_keys(nz, noise_keys, e)) != SANC_OK)
                return rc;
            rc = cfg_get_double(nz, "sd", 0, &sc->noise_sd, e);
            if (rc < 0)
                return rc;
            if (rc == SANC_OK && !(sc->noise_sd >= 0.0 && sc->noise_sd <= 10.0))
                return cfg_fail(config_setting_get_member(nz, "sd"), e, "must be in [0, 10] (got %g)",
                                sc->noise_sd);
            rc = cfg_get_double(nz, "rho", 0, &sc->noise_rho, e);
            if (rc < 0)
                return rc;
            if (rc == SANC_OK && !(sc->noise_rho > -1.0 && sc->noise_rho < 1.0))
                return cfg_fail(config_setting_get_member(nz, "rho"), e, "must be in (-1, 1) (got %g)",
                                sc->noise_rho);
        }
    }
    for (int k = 0; k < sc->ns; k++) {
        sc->sigma[k] = sigma;
        sc->lambda[k] = lambda;
    }
    config_setting_t *list = NULL;
    if (b != NULL && (rc = cfg_get_list(b, "sectors", 0, &list, e)) < 0)
        return rc;
    int n = list ? config_setting_length(list) : 0;
    unsigned char *seen = calloc((size_t)sc->ns, 1);
    if (seen == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    rc = SANC_OK;
    for (int i = 0; i < n && rc == SANC_OK; i++) {
        config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        const char *name;
        if ((rc = cfg_check_keys(s, sector_keys, e)) != SANC_OK)
            break;
        if ((rc = cfg_get_string(s, "name", 1, &name, e)) != SANC_OK)
            break;
        int k = scenario_sector_index(sc, name);
        if (k < 0) {
            rc = cfg_fail(config_setting_get_member(s, "name"), e, "unknown sector '%s' (not in the trade data)",
                          name);
            break;
        }
        if (seen[k]) {
            rc = cfg_fail(config_setting_get_member(s, "name"), e, "sector '%s' listed twice", name);
            break;
        }
        seen[k] = 1;
        if ((rc = sc_get_sigma(s, &sc->sigma[k], e)) < 0 || (rc = sc_get_adjustment(s, &sc->lambda[k], e)) < 0)
            break;
        rc = SANC_OK;
    }
    free(seen);
    if (rc != SANC_OK)
        return rc;
    if ((rc = scenario_io_trade(sc, b, e)) != SANC_OK)
        return rc;
    scenario_io_default_sigma(sc);
    for (int k = 0; k < sc->ns; k++)
        if (isnan(sc->sigma[k])) {
            const config_setting_t *where = b ? b : root;
            return cfg_fail(where, e, "sector '%s' has no sigma (set trade.sigma or trade.sectors entry)",
                            sc->sector[k]);
        }
    return SANC_OK;
}

static int sc_load_output_block(scenario *sc, errbuf *e)
{
    static const char *const keys[] = {"file", "flows", "compression", NULL};
    config_setting_t *root = config_root_setting(&sc->cfg.lc), *b = NULL;
    sc->output_flows = 1;
    int rc = cfg_get_group(root, "output", 0, &b, e);
    if (rc < 0 || b == NULL)
        return rc < 0 ? rc : SANC_OK;
    if ((rc = cfg_check_keys(b, keys, e)) != SANC_OK)
        return rc;
    const char *s;
    rc = cfg_get_string(b, "file", 0, &s, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK) {
        if (s[0] == '\0')
            return cfg_fail(config_setting_get_member(b, "file"), e, "empty file name");
        sc->output_file = s;
    }
    rc = cfg_get_string(b, "flows", 0, &s, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK) {
        if (strcmp(s, "full") == 0)
            sc->output_flows = 1;
        else if (strcmp(s, "none") == 0)
            sc->output_flows = 0;
        else
            return cfg_fail(config_setting_get_member(b, "flows"), e, "unknown value '%s' (expected full or none)",
                            s);
    }
    int64_t v;
    rc = cfg_get_int(b, "compression", 0, 0, 9, &v, e);
    if (rc < 0)
        return rc;
    if (rc == SANC_OK)
        sc->compression = (int)v;
    return SANC_OK;
}

/* ---- events ------------------------------------------------------------ */

static int sc_event_add_cell(sc_event *ev, size_t *cap, int64_t idx, double logphi, errbuf *e)
{
    if ((size_t)ev->ncells == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        sc_cell *p = realloc(ev->cells, nc * sizeof *p);
        if (p == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        ev->cells = p;
        *cap = nc;
    }
    ev->cells[ev->ncells].idx = idx;
    ev->cells[ev->ncells].logphi = logphi;
    ev->ncells++;
    return SANC_OK;
}

/* log openness of a shock in sector k: partial effect pe, or factor f on t. */
static double sc_shock_logphi(const scenario *sc, int is_factor, double v, int k)
{
    if (!is_factor)
        return v;
    if (v == 0.0)
        return -INFINITY;
    return (1.0 - sc->sigma[k]) * log(v);
}

static int sc_load_shock(scenario *sc, sc_event *ev, const config_setting_t *g, errbuf *e)
{
    static const char *const forms[] = {"partial_effect", "factor", "file"};
    int nforms = 0, form = -1;
    int rc = scenario_io_event(sc, ev, g, e); /* tariff, export_tax, tariff_level */
    if (rc != SANC_OK)
        return rc;
    for (int f = 0; f < 3; f++)
        if (config_setting_get_member(g, forms[f]) != NULL) {
            if (nforms++ > 0)
                return cfg_fail(config_setting_get_member(g, forms[f]), e,
                                "an event takes one of partial_effect, factor or file (also has %s)",
                                forms[form]);
            form = f;
        }
    double v;
    if (form < 0 && ev->revenue) {
        if (!scenario_io_event_cells_only(g)) { /* revenue wedges from cell tables only */
            static const char *const sel[] = {"exporters", "importers", "sectors", "symmetric"};
            for (int m = 0; m < 4; m++)
                if (config_setting_get_member(g, sel[m]) != NULL)
                    return cfg_fail(config_setting_get_member(g, sel[m]), e,
                                    "not allowed when every revenue wedge is a cell table (the table lists the cells)");
            return SANC_OK;
        }
        form = 0;           /* the event's cells, without a cost shock */
        v = 0.0;
    } else if (form < 0) {
        return cfg_fail(g, e, "shock event needs one of partial_effect, factor, file, tariff, export_tax or "
                              "tariff_level");
    }
    size_t cap = 0;
    static const char *const file_only[] = {"column", "coefficient"};
    for (int m = 0; m < 2 && form != 2; m++)
        if (config_setting_get_member(g, file_only[m]) != NULL)
            return cfg_fail(config_setting_get_member(g, file_only[m]), e,
                            "only with file (a column of the file, scaled by coefficient)");
    if (form == 2) {
        static const char *const mixed[] = {"exporters", "importers", "sectors", "symmetric"};
        for (int m = 0; m < 4; m++)
            if (config_setting_get_member(g, mixed[m]) != NULL)
                return cfg_fail(config_setting_get_member(g, mixed[m]), e,
                                "not allowed with file (the file lists the cells)");
        /* the file as it comes; `column` names the partial effects, scaled
         * by `coefficient` (DESIGN 10) */
        const char *column = NULL;
        double coef = 1.0;
        if ((rc = cfg_get_string(g, "column", 0, &column, e)) < 0)
            return rc;
        if (column != NULL && column[0] == '\0')
            return cfg_fail(config_setting_get_member(g, "column"), e, "empty column name");
        if ((rc = cfg_get_double(g, "coefficient", 0, &coef, e)) < 0)
            return rc;
        if (!isfinite(coef))
            return cfg_fail(config_setting_get_member(g, "coefficient"), e, "must be finite (got %g)", coef);
        const char *names[6] = {"exporter", "importer", "sector", "partial_effect", "factor", column};
        csvtable_source src;
        if ((rc = sc_source(sc, g, "file", names, column != NULL ? 6 : 5, &src, e)) != SANC_OK)
            return rc;
        const config_setting_t *fset = config_setting_get_member(g, "file");
        const char *s = config_setting_type(fset) == CONFIG_TYPE_STRING ? config_setting_get_string(fset)
                                                                        : config_setting_get_string(
                                                                              config_setting_get_member(fset, "file"));
        data_shocks sh = {0};
        rc = data_load_shocks_from(&src, column, sc->nc, sc->country, sc->ns, sc->sector, &sh, e);
        if (rc == SANC_OK)
            rc = scenario_record_file(sc, src.path, sh.sha256, e);
        csvtable_source_free(&src);
        if (rc == SANC_OK && sh.is_factor && config_setting_get_member(g, "coefficient") != NULL)
            rc = cfg_fail(config_setting_get_member(g, "coefficient"), e,
                          "scales partial effects, and %s holds factors (name a column of partial effects with "
                          "`column`)", s);
        for (int r = 0; r < sh.n && rc == SANC_OK; r++) {
            const data_shock_row *row = &sh.rows[r];
            int k0 = row->k < 0 ? 0 : row->k, k1 = row->k < 0 ? sc->ns : row->k + 1;
            if (row->i == row->j) {
                /* domestic cells are never shocked: tolerate neutral rows so a
                 * full matrix with zeros on the diagonal loads */
                if ((sh.is_factor && row->value != 1.0) || (!sh.is_factor && row->value != 0.0))
                    rc = cfg_fail(config_setting_get_member(g, "file"), e,
                                  "%s: domestic cell %s,%s cannot be shocked", s, sc->country[row->i],
                                  sc->country[row->j]);
                continue;
            }
            for (int k = k0; k < k1 && rc == SANC_OK; k++) {
                int64_t idx = ((int64_t)row->i * sc->nc + row->j) * sc->ns + k;
                rc = sc_event_add_cell(ev, &cap, idx,
                                       sc_shock_logphi(sc, sh.is_factor, sh.is_factor ? row->value : coef * row->value, k),
                                       e);
            }
        }
        data_shocks_free(&sh);
        return rc;
    }
    if (!ev->revenue || config_setting_get_member(g, forms[form]) != NULL)
        if ((rc = cfg_get_double(g, forms[form], 1, &v, e)) != SANC_OK)
            return rc;
    if (form == 1 && v < 0.0)
        return cfg_fail(config_setting_get_member(g, "factor"), e, "must be >= 0 (got %g)", v);
    unsigned char *ex = malloc((size_t)sc->nc), *im = malloc((size_t)sc->nc), *sec = malloc((size_t)sc->ns);
    unsigned char *hit = calloc((size_t)sc->nc * (size_t)sc->nc, 1);
    if (ex == NULL || im == NULL || sec == NULL || hit == NULL) {
        rc = err_set(e, SANC_ENOMEM, "out of memory");
        goto done;
    }
    memset(ex, 1, (size_t)sc->nc);
    memset(im, 1, (size_t)sc->nc);
    int symmetric = 0;
    if ((rc = scenario_country_set(sc, g, "exporters", 0, ex, e)) < 0 ||
        (rc = scenario_country_set(sc, g, "importers", 0, im, e)) < 0 ||
        (rc = scenario_sector_set(sc, g, "sectors", sec, e)) < 0 ||
        (rc = cfg_get_bool(g, "symmetric", 0, &symmetric, e)) < 0)
        goto done;
    rc = SANC_OK;
    /* union of the pairs: each cell is hit once within the event */
    for (int i = 0; i < sc->nc; i++)
        for (int j = 0; j < sc->nc; j++)
            if (i != j && ex[i] && im[j]) {
                hit[(size_t)i * sc->nc + j] = 1;
                if (symmetric)
                    hit[(size_t)j * sc->nc + i] = 1;
            }
    for (int i = 0; i < sc->nc && rc == SANC_OK; i++)
        for (int j = 0; j < sc->nc && rc == SANC_OK; j++)
            if (hit[(size_t)i * sc->nc + j])
                for (int k = 0; k < sc->ns && rc == SANC_OK; k++)
                    if (sec[k])
                        rc = sc_event_add_cell(ev, &cap, ((int64_t)i * sc->nc + j) * sc->ns + k,
                                               sc_shock_logphi(sc, form == 1, v, k), e);
done:
    free(ex);
    free(im);
    free(sec);
    free(hit);
    return rc;
}

static int sc_load_events(scenario *sc, errbuf *e)
{
    static const char *const shock_keys[] = {"name", "type", "start", "end", "exporters", "importers", "sectors",
                                             "symmetric", "partial_effect", "factor", "file", "column",
                                             "coefficient", "tariff",
                                             "export_tax", "tariff_level", SC_DECISION_KEYS, NULL};
    static const char *const member_keys[] = {"name", "type", "start", "end", "country", "system", "coverage",
                                              SC_DECISION_KEYS, NULL};
    static const char *const transfer_keys[] = {"name", "type", "start", "end", "exporter", "importer",
                                                "sector", "value", SC_DECISION_KEYS, NULL};
    static const char *const stop_keys[] = {"name", "type", "start", "stops", SC_DECISION_KEYS, NULL};
    config_setting_t *root = config_root_setting(&sc->cfg.lc), *list = NULL;
    int rc = cfg_get_list(root, "events", 0, &list, e);
    if (rc < 0 || list == NULL)
        return rc < 0 ? rc : SANC_OK;
    int n = config_setting_length(list);
    sc->events = calloc((size_t)(n > 0 ? n : 1), sizeof *sc->events);
    if (sc->events == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        sc_event *ev = &sc->events[i];
        sc->nevents = i + 1;
        ev->line = config_setting_source_line(g);
        ev->exporter = ev->importer = ev->sector = ev->country = -1;
        const char *type = "shock";
        if ((rc = cfg_get_string(g, "type", 0, &type, e)) < 0)
            return rc;
        const char *const *keys;
        if (strcmp(type, "shock") == 0) {
            ev->type = SC_EV_SHOCK;
            keys = shock_keys;
        } else if (strcmp(type, "join") == 0 || strcmp(type, "exit") == 0) {
            ev->type = type[0] == 'j' ? SC_EV_JOIN : SC_EV_EXIT;
            keys = member_keys;
        } else if (strcmp(type, "transfer") == 0) {
            ev->type = SC_EV_TRANSFER;
            keys = transfer_keys;
        } else if (strcmp(type, "stop") == 0) {
            ev->type = SC_EV_STOP;
            keys = stop_keys;
        } else {
            return cfg_fail(config_setting_get_member(g, "type"), e,
                            "unknown event type '%s' (expected shock, join, exit, transfer or stop)", type);
        }
        if ((rc = cfg_check_keys(g, keys, e)) != SANC_OK)
            return rc;
        const char *name = NULL;
        if ((rc = cfg_get_string(g, "name", 0, &name, e)) < 0)
            return rc;
        ev->name = name ? name : type;
        if ((rc = scenario_window_decided(sc, g, 1, &ev->start, &ev->end, &ev->dec, e)) != SANC_OK)
            return rc;
        switch (ev->type) {
        case SC_EV_STOP:
            if ((rc = cfg_get_string(g, "stops", 1, &ev->stops, e)) != SANC_OK)
                return rc;
            if (ev->stops[0] == '\0')
                return cfg_fail(config_setting_get_member(g, "stops"), e, "must name an event, measure or hub");
            break;
        case SC_EV_SHOCK:
            rc = sc_load_shock(sc, ev, g, e);
            break;
        case SC_EV_JOIN:
        case SC_EV_EXIT:
            if ((rc = scenario_country(sc, g, "country", 1, &ev->country, e)) != SANC_OK)
                return rc;
            if ((rc = cfg_get_string(g, "system", 1, &ev->system, e)) != SANC_OK)
                return rc;
            ev->coverage = 1.0;
            rc = cfg_get_double(g, "coverage", 0, &ev->coverage, e);
            if (rc == SANC_OK && !(ev->coverage > 0.0 && ev->coverage <= 1.0))
                return cfg_fail(config_setting_get_member(g, "coverage"), e, "must be in (0, 1] (got %g)",
                                ev->coverage);
            rc = rc < 0 ? rc : SANC_OK;
            break;
        case SC_EV_TRANSFER: {
            const char *sec;
            if ((rc = scenario_country(sc, g, "exporter", 1, &ev->exporter, e)) != SANC_OK ||
                (rc = scenario_country(sc, g, "importer", 1, &ev->importer, e)) != SANC_OK ||
                (rc = cfg_get_string(g, "sector", 1, &sec, e)) != SANC_OK ||
                (rc = cfg_get_double(g, "value", 1, &ev->value, e)) != SANC_OK)
                return rc;
            if ((ev->sector = scenario_sector_index(sc, sec)) < 0)
                return cfg_fail(config_setting_get_member(g, "sector"), e, "unknown sector '%s'", sec);
            if (ev->exporter == ev->importer)
                return cfg_fail(config_setting_get_member(g, "importer"), e,
                                "a transfer needs two different countries");
            if (!(ev->value >= 0.0))
                return cfg_fail(config_setting_get_member(g, "value"), e, "must be >= 0 (got %g)", ev->value);
            break;
        }
        }
        if (rc != SANC_OK)
            return rc;
    }
    return SANC_OK;
}

/* ---- entry points ------------------------------------------------------ */

/* Everything after the configuration is in sc->cfg (overrides applied). */
static int sc_build(scenario *sc, const char *path, int64_t seed_override, const dataset *shared, errbuf *e)
{
    int rc = cfg_check_utf8(&sc->cfg, e); /* names become labels in the output */
    if (rc == SANC_OK)
        rc = cfg_check_keys(config_root_setting(&sc->cfg.lc), sc_top_keys, e);
    if (rc == SANC_OK)
        rc = sc_load_scenario_block(sc, path, seed_override, e);
    if (rc == SANC_OK)
        rc = sc_load_data_block(sc, shared, e);
    if (rc == SANC_OK)
        rc = sc_load_groups(sc, e);
    if (rc == SANC_OK)
        rc = sc_load_trade_block(sc, e);
    if (rc == SANC_OK)
        rc = sc_load_events(sc, e);
    if (rc == SANC_OK)
        rc = sc_load_output_block(sc, e);
    return rc;
}

int scenario_load(scenario *sc, const char *path, char *const *overrides, int noverrides, int64_t seed_override,
                  errbuf *e)
{
    memset(sc, 0, sizeof *sc);
    int rc = cfg_load(&sc->cfg, path, e);
    /* paths inherited from a base file are relative to that file's folder */
    if (rc == SANC_OK)
        rc = cfg_rebase_paths(&sc->cfg, sc_path_settings, e);
    for (int i = 0; i < noverrides && rc == SANC_OK; i++)
        rc = cfg_apply_set(&sc->cfg, overrides[i], e);
    if (rc != SANC_OK)
        return rc;
    return sc_build(sc, path, seed_override, NULL, e);
}

int scenario_derive(scenario *sc, const scenario *base, char *const *overrides, int noverrides,
                    int64_t seed_override, errbuf *e)
{
    memset(sc, 0, sizeof *sc);
    int rc = cfg_copy(&sc->cfg, &base->cfg, e);
    for (int i = 0; i < noverrides && rc == SANC_OK; i++)
        rc = cfg_apply_set(&sc->cfg, overrides[i], e);
    if (rc != SANC_OK)
        return rc;
    return sc_build(sc, base->cfg.path, seed_override, base->data, e);
}

void scenario_destroy(scenario *sc)
{
    for (int i = 0; i < sc->nevents; i++) {
        free(sc->events[i].cells);
        scenario_io_event_free(&sc->events[i]);
    }
    free(sc->events);
    for (int g = 0; g < sc->ngroups; g++)
        free(sc->group_name[g]);
    free(sc->group_name);
    free(sc->group_mask);
    free(sc->sigma);
    free(sc->lambda);
    dataset_free(&sc->own);
    for (int i = 0; i < sc->nfiles; i++)
        free(sc->files[i].path);
    free(sc->files);
    if (sc->cfg.loaded)
        cfg_destroy(&sc->cfg);
    memset(sc, 0, sizeof *sc);
}
