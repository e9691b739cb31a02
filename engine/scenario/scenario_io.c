/*
 * scenario_io.c - the parts of a scenario that DESIGN section 2b adds:
 *
 *  - the production-network data, `data.trade` (string or { file; columns;
 *    filter; }), `data.inputs`, `data.final`, `data.value_added` and the
 *    optional `data.deficits` and `data.theta`, each read "as it comes"
 *    (DESIGN section 10) by engine/io/iodata.c and kept in the shared
 *    dataset (dataset.io);
 *  - `trade.model` ("armington" | "io"), `trade.factors` ("mobile" |
 *    "sector_specific"), `trade.baseline_deficits` ("data" | "zero"), sigma
 *    defaulting to theta + 1 from the data's theta file, and the errors of
 *    the io model (multiplicative imbalances, deficits scaled with trade);
 *  - revenue wedges on events: `tariff`, `export_tax` (increments) and
 *    `tariff_level` (replaces the rate), each a number (on the event's
 *    cells) or a cell table { file; columns; filter; } with canonical
 *    columns exporter, importer, sector, value.
 * Called from scenario.c, so that file keeps its shape.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iodata.h"
#include "scenario.h"
#include "scenario_io.h"

static const char *const io_data_files[] = {"trade", "inputs", "final", "value_added", "deficits", "theta"};
#define IO_NFILES 6

/* A growable string for the dataset's signature. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static int sb_add(sbuf *b, const char *a)
{
    size_t l = strlen(a);
    if (b->n + l + 2 > b->cap) {
        size_t nc = (b->cap + l + 2) * 2;
        char *p = realloc(b->s, nc);
        if (p == NULL)
            return -1;
        b->s = p;
        b->cap = nc;
    }
    memcpy(b->s + b->n, a, l);
    b->n += l;
    b->s[b->n++] = '\x1f';
    b->s[b->n] = '\0';
    return 0;
}

/* One file spec: a string (canonical columns) or a group. Strings point
 * into the config tree or into `own` (malloc'ed, freed by the caller). */
typedef struct io_filespec {
    iodata_file f;
    iodata_column col[16];
    iodata_filter flt[16];
    char *path;
    char *own[16];
    int nown;
} io_filespec;

static void io_filespec_free(io_filespec *fs)
{
    free(fs->path);
    for (int i = 0; i < fs->nown; i++)
        free(fs->own[i]);
    memset(fs, 0, sizeof *fs);
}


/* Resolve a data path relative to the scenario's folder. */
static char *io_path(const scenario *sc, const char *p)
{
    if (p[0] == '/' || sc->cfg.dir == NULL || sc->cfg.dir[0] == '\0')
        return strdup(p);
    size_t n = strlen(sc->cfg.dir) + strlen(p) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", sc->cfg.dir, p);
    return s;
}

static int scenario_io_file(const scenario *sc, const config_setting_t *g, const char *key, io_filespec *fs,
                            sbuf *sig, errbuf *e)
{
    static const char *const keys[] = {"file", "columns", "filter", NULL};
    memset(fs, 0, sizeof *fs);
    const config_setting_t *s = config_setting_get_member(g, key);
    if (s == NULL)
        return CFG_ABSENT;
    const char *file = NULL;
    int rc;
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        file = config_setting_get_string(s);
    } else if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
        if ((rc = cfg_check_keys(s, keys, e)) != SANC_OK || (rc = cfg_get_string(s, "file", 1, &file, e)) != SANC_OK)
            return rc;
        const config_setting_t *cols = config_setting_get_member(s, "columns");
        if (cols != NULL) {
            if (config_setting_type(cols) != CONFIG_TYPE_GROUP)
                return cfg_fail(cols, e, "expected a group { canonical = \"header\"; ... }");
            int n = config_setting_length(cols);
            if (n > 16)
                return cfg_fail(cols, e, "at most 16 columns");
            for (int i = 0; i < n; i++) {
                const config_setting_t *c = config_setting_get_elem(cols, (unsigned)i);
                if (config_setting_type(c) != CONFIG_TYPE_STRING)
                    return cfg_fail(c, e, "expected a column name (string)");
                fs->col[i].canonical = config_setting_name(c);
                fs->col[i].header = config_setting_get_string(c);
            }
            fs->f.ncolumns = n;
        }
        const config_setting_t *flt = config_setting_get_member(s, "filter");
        if (flt != NULL) {
            if (config_setting_type(flt) != CONFIG_TYPE_GROUP)
                return cfg_fail(flt, e, "expected a group { column = value; ... }");
            int n = config_setting_length(flt);
            if (n > 16)
                return cfg_fail(flt, e, "at most 16 filter columns");
            for (int i = 0; i < n; i++) {
                const config_setting_t *c = config_setting_get_elem(flt, (unsigned)i);
                char buf[64];
                const char *v = NULL;
                switch (config_setting_type(c)) {
                case CONFIG_TYPE_STRING:
                    v = config_setting_get_string(c);
                    break;
                case CONFIG_TYPE_INT:
                case CONFIG_TYPE_INT64:
                    snprintf(buf, sizeof buf, "%lld", (long long)config_setting_get_int64(c));
                    v = buf;
                    break;
                case CONFIG_TYPE_FLOAT:
                    snprintf(buf, sizeof buf, "%.17g", config_setting_get_float(c));
                    v = buf;
                    break;
                default:
                    return cfg_fail(c, e, "expected a string or a number");
                }
                if (v == buf) {
                    if ((fs->own[fs->nown] = strdup(buf)) == NULL)
                        return err_set(e, SANC_ENOMEM, "out of memory");
                    v = fs->own[fs->nown++];
                }
                fs->flt[i].column = config_setting_name(c);
                fs->flt[i].value = v;
            }
            fs->f.nfilter = n;
        }
    } else {
        return cfg_fail(s, e, "expected a file name or a group { file; columns; filter; }");
    }
    if (file[0] == '\0')
        return cfg_fail(s, e, "empty file name");
    if ((fs->path = io_path(sc, file)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    fs->f.path = fs->path;
    fs->f.columns = fs->f.ncolumns ? fs->col : NULL;
    fs->f.filter = fs->f.nfilter ? fs->flt : NULL;
    if (sig != NULL) {
        int bad = sb_add(sig, key) || sb_add(sig, fs->path);
        for (int i = 0; i < fs->f.ncolumns && !bad; i++)
            bad = sb_add(sig, fs->col[i].canonical) || sb_add(sig, fs->col[i].header);
        for (int i = 0; i < fs->f.nfilter && !bad; i++)
            bad = sb_add(sig, fs->flt[i].column) || sb_add(sig, fs->flt[i].value);
        if (bad)
            return err_set(e, SANC_ENOMEM, "out of memory");
    }
    return SANC_OK;
}

int scenario_io_has_data(const config_setting_t *data_block)
{
    /* data.trade alone, string or group, is the Armington data */
    for (int f = 1; f < IO_NFILES; f++)
        if (config_setting_get_member(data_block, io_data_files[f]) != NULL)
            return 1;
    return 0;
}

/* dataset.trade from the io data (copies: the dataset owns both). */
static int io_fill_trade(dataset *d, errbuf *e)
{
    const iodata *io = d->io;
    data_trade *t = &d->trade;
    size_t n3 = (size_t)io->N * io->N * io->K;
    t->nc = io->N;
    t->ns = io->K;
    t->country = calloc((size_t)io->N, sizeof *t->country);
    t->sector = calloc((size_t)io->K, sizeof *t->sector);
    t->X = malloc(n3 * sizeof *t->X);
    if (t->country == NULL || t->sector == NULL || t->X == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int i = 0; i < io->N; i++)
        if ((t->country[i] = strdup(io->country[i])) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
    for (int k = 0; k < io->K; k++)
        if ((t->sector[k] = strdup(io->sector[k])) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
    memcpy(t->X, io->M, n3 * sizeof *t->X);
    return SANC_OK;
}

int scenario_io_data(scenario *sc, config_setting_t *b, const csvtable_source *countries, const dataset *shared,
                     errbuf *e)
{
    io_filespec fs[IO_NFILES];
    memset(fs, 0, sizeof fs);
    sbuf sig = {0};
    int rc = SANC_OK;
    if (countries != NULL) {
        char *key = csvtable_source_key(countries);
        if (key == NULL || sb_add(&sig, key))
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        free(key);
    }
    for (int f = 0; f < IO_NFILES && rc == SANC_OK; f++) {
        rc = scenario_io_file(sc, b, io_data_files[f], &fs[f], &sig, e);
        if (rc == CFG_ABSENT) {
            rc = SANC_OK;
            if (f < 4)
                rc = cfg_fail_key(b, io_data_files[f], e,
                                  "missing: production-network data need trade, inputs, final and value_added "
                                  "(DESIGN section 2b)");
        }
    }
    if (rc == SANC_OK && shared != NULL && shared->io != NULL && shared->io_sig != NULL &&
        strcmp(shared->io_sig, sig.s) == 0) {
        sc->data = shared;
    } else if (rc == SANC_OK) {
        dataset *d = &sc->own;
        memset(d, 0, sizeof *d);
        d->io = calloc(1, sizeof *d->io);
        d->io_sig = sig.s;
        sig.s = NULL;
        if (d->io == NULL)
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        if (rc == SANC_OK && countries != NULL) {
            d->countries_path = strdup(countries->path);
            rc = d->countries_path == NULL ? err_set(e, SANC_ENOMEM, "out of memory")
                                           : data_load_countries_from(countries, &d->countries, e);
        }
        if (rc == SANC_OK) {
            iodata_spec sp = {
                .trade = fs[0].f, .inputs = fs[1].f, .final = fs[2].f, .value_added = fs[3].f,
                .deficits = fs[4].f, .theta = fs[5].f,
                .countries = d->countries.n > 0 ? d->countries.code : NULL, .ncountries = d->countries.n,
            };
            rc = iodata_load(&sp, d->io, e);
            if (rc != SANC_OK) {
                free(d->io);
                d->io = NULL;
            }
        }
        if (rc == SANC_OK && (d->trade_path = strdup(fs[0].path)) == NULL)
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        /* each file's SHA-256 for the provenance, once per dataset (sweep
         * runs that share it record the same lines without reading again),
         * as iodata_load hashed the bytes it parsed */
        for (int f = 0; f < IO_NFILES && rc == SANC_OK; f++) {
            if (fs[f].path == NULL || d->nio_files == DATASET_MAX_IO_FILES)
                continue;
            memcpy(d->io_sha256[d->nio_files], d->io->sha256[f], 65);
            if ((d->io_path[d->nio_files] = strdup(fs[f].path)) == NULL)
                rc = err_set(e, SANC_ENOMEM, "out of memory");
            else
                d->nio_files++;
        }
        if (rc == SANC_OK)
            rc = io_fill_trade(d, e);
        sc->data = d;
    }
    for (int f = 0; rc == SANC_OK && sc->data != NULL && f < sc->data->nio_files; f++)
        rc = scenario_record_file(sc, sc->data->io_path[f], sc->data->io_sha256[f], e);
    for (int f = 0; f < IO_NFILES; f++)
        io_filespec_free(&fs[f]);
    free(sig.s);
    return rc;
}

/* ---- trade block ------------------------------------------------------- */

int scenario_io_trade(scenario *sc, const config_setting_t *b, errbuf *e)
{
    sc->model = "armington";
    sc->factors = SC_FACTORS_MOBILE;
    sc->baseline_deficits = SC_BASELINE_DEFICITS_DATA;
    const char *s;
    int rc;
    const config_setting_t *ms = b ? config_setting_get_member(b, "model") : NULL;
    if (b != NULL) {
        if ((rc = cfg_get_string(b, "model", 0, &s, e)) < 0)
            return rc;
        if (rc == SANC_OK) /* a name of the GE-model registry (checked by gravity, which owns it) */
            sc->model = s;
        if ((rc = cfg_get_string(b, "factors", 0, &s, e)) < 0)
            return rc;
        if (rc == SANC_OK) {
            if (strcmp(s, "mobile") == 0)
                sc->factors = SC_FACTORS_MOBILE;
            else if (strcmp(s, "sector_specific") == 0)
                sc->factors = SC_FACTORS_SECTOR_SPECIFIC;
            else
                return cfg_fail(config_setting_get_member(b, "factors"), e,
                                "unknown factors '%s' (expected mobile or sector_specific)", s);
        }
        if ((rc = cfg_get_string(b, "baseline_deficits", 0, &s, e)) < 0)
            return rc;
        if (rc == SANC_OK) {
            if (strcmp(s, "data") == 0)
                sc->baseline_deficits = SC_BASELINE_DEFICITS_DATA;
            else if (strcmp(s, "zero") == 0)
                sc->baseline_deficits = SC_BASELINE_DEFICITS_ZERO;
            else
                return cfg_fail(config_setting_get_member(b, "baseline_deficits"), e,
                                "unknown baseline_deficits '%s' (expected data or zero)", s);
        }
    }
    if (strcmp(sc->model, "io") == 0) {
        const config_setting_t *root = config_root_setting(&sc->cfg.lc);
        if (sc->data->io == NULL)
            return cfg_fail(ms, e,
                            "the io model needs the production-network data: data.inputs, data.final and "
                            "data.value_added (DESIGN section 2b)");
        if (sc->imbalance == IMBALANCE_MULTIPLICATIVE)
            return cfg_fail(config_setting_get_member(b, "imbalance"), e,
                            "imbalance = \"multiplicative\" is not available with trade.model = \"io\"");
        if (sc->deficits == DEFICITS_SCALE_WITH_TRADE)
            return cfg_fail(config_setting_get_member(b, "deficits"), e,
                            "deficits = \"scale_with_trade\" is not available with trade.model = \"io\"");
        (void)root;
    }
    return SANC_OK;
}

void scenario_io_default_sigma(scenario *sc)
{
    if (sc->data->io == NULL || sc->data->io->theta == NULL)
        return;
    for (int k = 0; k < sc->ns; k++)
        if (isnan(sc->sigma[k]))
            sc->sigma[k] = sc->data->io->theta[k] + 1.0;
}

/* ---- revenue wedges on events ------------------------------------------- */

/* A number, or a cell table into *cells (n3, malloc'ed). */
static int io_event_wedge(scenario *sc, const config_setting_t *g, const char *key, double lo, double *v,
                          double **cells, errbuf *e)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (s == NULL)
        return CFG_ABSENT;
    int rc;
    if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
        io_filespec fs;
        if ((rc = scenario_io_file(sc, g, key, &fs, NULL, e)) != SANC_OK) {
            io_filespec_free(&fs);
            return rc;
        }
        size_t n3 = (size_t)sc->nc * sc->nc * sc->ns;
        *cells = malloc(n3 * sizeof **cells);
        if (*cells == NULL) {
            io_filespec_free(&fs);
            return err_set(e, SANC_ENOMEM, "out of memory");
        }
        iodata d = {.N = sc->nc, .K = sc->ns, .country = sc->country, .sector = sc->sector};
        rc = iodata_load_cells(&fs.f, &d, lo, *cells, e);
        io_filespec_free(&fs);
        if (rc != SANC_OK)
            return rc;
        for (int i = 0; i < sc->nc; i++)
            for (int k = 0; k < sc->ns; k++)
                if ((*cells)[((size_t)i * sc->nc + i) * sc->ns + k] != 0.0)
                    return cfg_fail(s, e, "%s: a domestic cell (%s, %s) has a non-zero value", key, sc->country[i],
                                    sc->sector[k]);
        return SANC_OK;
    }
    if ((rc = cfg_get_double(g, key, 1, v, e)) != SANC_OK)
        return rc;
    if (!(*v > lo))
        return cfg_fail(s, e, "must be > %g (got %g)", lo, *v);
    return SANC_OK;
}

int scenario_io_event(scenario *sc, sc_event *ev, const config_setting_t *g, errbuf *e)
{
    ev->tariff_level = NAN;
    int rc;
    if ((rc = io_event_wedge(sc, g, "tariff", -1.0, &ev->tariff, &ev->tariff_cells, e)) < 0)
        return rc;
    ev->revenue |= rc == SANC_OK;
    if ((rc = io_event_wedge(sc, g, "export_tax", -1.0, &ev->export_tax, &ev->export_tax_cells, e)) < 0)
        return rc;
    ev->revenue |= rc == SANC_OK;
    if ((rc = io_event_wedge(sc, g, "tariff_level", -1.0, &ev->tariff_level, &ev->tariff_level_cells, e)) < 0)
        return rc;
    ev->revenue |= rc == SANC_OK;
    if (ev->revenue)
        sc->revenue_events = 1;
    return SANC_OK;
}

int scenario_io_event_cells_only(const config_setting_t *g)
{
    static const char *const k[] = {"tariff", "export_tax", "tariff_level"};
    for (int i = 0; i < 3; i++) {
        const config_setting_t *s = config_setting_get_member(g, k[i]);
        if (s != NULL && config_setting_type(s) != CONFIG_TYPE_GROUP)
            return 1; /* a number: on the event's exporters x importers x sectors */
    }
    return 0;
}

void scenario_io_event_free(sc_event *ev)
{
    free(ev->tariff_cells);
    free(ev->export_tax_cells);
    free(ev->tariff_level_cells);
}

void scenario_io_event_revenue(const sc_event *ev, int nc, int ns, double *tariff, double *export_tax,
                               double *tariff_level)
{
    for (int c = 0; c < ev->ncells; c++) {
        size_t x = (size_t)ev->cells[c].idx;
        tariff[x] += ev->tariff;
        export_tax[x] += ev->export_tax;
        if (!isnan(ev->tariff_level))
            tariff_level[x] = ev->tariff_level;
    }
    if (ev->tariff_cells == NULL && ev->export_tax_cells == NULL && ev->tariff_level_cells == NULL)
        return;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            if (i == j)
                continue;
            for (int k = 0; k < ns; k++) {
                size_t x = ((size_t)i * (size_t)nc + (size_t)j) * (size_t)ns + (size_t)k;
                if (ev->tariff_cells)
                    tariff[x] += ev->tariff_cells[x];
                if (ev->export_tax_cells)
                    export_tax[x] += ev->export_tax_cells[x];
                if (ev->tariff_level_cells)
                    tariff_level[x] = ev->tariff_level_cells[x];
            }
        }
}
