/*
 * data.c - strict CSV loaders for countries, baseline trade flows and shock
 * tables (see data.h).
 *
 * A file is read whole into memory and split line by line in place.  Trade
 * tables can be large (200 countries x 50 sectors is 2 million rows), so
 * codes and sectors are looked up in open-addressing hash tables, rows are
 * first collected as compact (i, j, k, value, line) records and then poured
 * into the dense array, with a bitmap of seen cells to catch duplicates.
 * Every message is one line "FILE:LINE: what is wrong".
 */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "csvtable.h"
#include "fsafe.h"
#include "hash.h"

#include "utf8.h"

/* Dense tables beyond these are refused before anything is allocated; the
 * same limits as the scenario's (SC_MAX_* in scenario.c, README "Limits"). */
#define DATA__MAX_CELLS ((size_t)50000000)
#define DATA__MAX_COUNTRIES 2000
#define DATA__MAX_SECTORS 1000

/* ------------------------------------------------------------------ */
/* File reading and CSV splitting                                      */

/* A file as read: lines split in place by csvtable_lines (one splitter for
 * every loader). */
typedef csvtable_lines data__file;

/* SHA-256 of regular files already hashed in this process, keyed on what
 * changes when a file is written (device, inode, size, mtime, ctime): a
 * sweep's workers re-read the same tables for every run, and hashing a
 * 50 KB table costs a quarter of a small run.  A pure cache: a miss only
 * costs the hash. */
#define DATA__HCACHE 16
static struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    char sha256[65];
} data__hcache[DATA__HCACHE];
static int data__hnext;
static pthread_mutex_t data__hmu = PTHREAD_MUTEX_INITIALIZER;

static void data__hash_file(const char *buf, size_t len, const struct stat *st, char out[65])
{
    int reg = S_ISREG(st->st_mode) && (size_t)st->st_size == len;
    if (reg) {
        pthread_mutex_lock(&data__hmu);
        for (int i = 0; i < DATA__HCACHE; i++)
            if (data__hcache[i].sha256[0] && data__hcache[i].dev == st->st_dev && data__hcache[i].ino == st->st_ino &&
                data__hcache[i].size == st->st_size && data__hcache[i].mtime.tv_sec == st->st_mtim.tv_sec &&
                data__hcache[i].mtime.tv_nsec == st->st_mtim.tv_nsec &&
                data__hcache[i].ctime.tv_sec == st->st_ctim.tv_sec &&
                data__hcache[i].ctime.tv_nsec == st->st_ctim.tv_nsec) {
                memcpy(out, data__hcache[i].sha256, 65);
                pthread_mutex_unlock(&data__hmu);
                return;
            }
        pthread_mutex_unlock(&data__hmu);
    }
    hash_sha256_hex(buf, len, out);
    if (reg) {
        pthread_mutex_lock(&data__hmu);
        int i = data__hnext;
        data__hnext = (data__hnext + 1) % DATA__HCACHE;
        data__hcache[i].dev = st->st_dev;
        data__hcache[i].ino = st->st_ino;
        data__hcache[i].size = st->st_size;
        data__hcache[i].mtime = st->st_mtim;
        data__hcache[i].ctime = st->st_ctim;
        memcpy(data__hcache[i].sha256, out, 65);
        pthread_mutex_unlock(&data__hmu);
    }
}

/* Read path whole and hash it into sha256 (the fingerprint of exactly the
 * bytes parsed: provenance, data_sha256). */
static int data__open(data__file *df, const char *path, char sha256[65], errbuf *e)
{
    memset(df, 0, sizeof *df);
    /* read once, whole, with a bound: files and pipes; folders and devices
     * (which may never end) are refused */
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    int rc = fsafe_read_input_stat(path, FSAFE_MAX_DATA, SANC_EDATA, &buf, &len, &st, e);
    if (rc != SANC_OK)
        return rc;
    data__hash_file(buf, len, &st, sha256);
    csvtable_lines_init(df, path, buf, len);
    return SANC_OK;
}

static void data__close(data__file *df)
{
    free(df->buf);
    df->buf = NULL;
}

static int data__is_blank(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Labels (codes, names, groups, sectors) go into the output files, which
 * every reader decodes as UTF-8: a Latin-1 export is refused here. */
static int data__utf8(const data__file *df, const char *col, const char *s, errbuf *e)
{
    long off = utf8_check_str(s);
    if (off < 0)
        return SANC_OK;
    char what[64];
    return err_set(e, SANC_EDATA, "%s:%d: %s: not valid UTF-8 (%s); save the file as UTF-8 (ASCII recommended)",
                   df->path, df->line, col, utf8_describe(s, off, what, sizeof what));
}

/* Rebuild the header as "a,b,c" for messages. */
static void data__join(const data__file *df, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < df->nf && i < CSVTABLE_LINES_MAXF; i++) {
        int w = snprintf(buf + len, n - len, "%s%s", i ? "," : "", df->f[i]);
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

/* ------------------------------------------------------------------ */
/* Columns by name (DESIGN section 10, "data as it comes")             */

/* Where the wanted columns sit in a file's header: canonical column c at
 * field pos[c] (-1 absent), filter k at fpos[k]; rows have nfields fields. */
typedef struct data__cols {
    int pos[8];
    int *fpos;
    int nfields;
} data__cols;

static void data__cols_free(data__cols *dc)
{
    free(dc->fpos);
    dc->fpos = NULL;
}

/* Field of the header equal to name, -1 if none, -2 if twice. */
static int data__find(const data__file *df, const char *name)
{
    int at = -1;
    for (int a = 0; a < df->nf; a++)
        if (strcmp(df->f[a], name) == 0) {
            if (at >= 0)
                return -2;
            at = a;
        }
    return at;
}

/* Locate one column named `name` (the header text; `canon` the canonical
 * name it stands for, for messages).  required: absent is an error naming
 * `expected`, the header's canonical columns. */
static int data__locate(const data__file *df, const char *canon, const char *name, int required,
                        const char *expected, int *pos, errbuf *e)
{
    *pos = data__find(df, name);
    if (*pos == -2)
        return err_set(e, SANC_EDATA, "%s:%d: column '%s' appears twice", df->path, df->line, name);
    if (*pos >= 0 || !required)
        return SANC_OK;
    char h[512];
    data__join(df, h, sizeof h);
    if (strcmp(canon, name) != 0)
        return err_set(e, SANC_EDATA, "%s:%d: missing column '%s' (%s) in header '%s' (expected %s)", df->path,
                       df->line, name, canon, h, expected);
    return err_set(e, SANC_EDATA, "%s:%d: missing column '%s' in header '%s' (expected %s)", df->path, df->line,
                   name, h, expected);
}

/* The header just read: canonical columns canon[0..n) through the source's
 * mapping, the first `nrequired` of them required, and the filter columns.
 * Other columns are ignored. */
static int data__header(const data__file *df, const csvtable_source *src, const char *const *canon, int n,
                        int nrequired, const char *expected, data__cols *dc, errbuf *e)
{
    memset(dc, 0, sizeof *dc);
    if (df->nf > CSVTABLE_LINES_MAXF)
        return err_set(e, SANC_EDATA, "%s:%d: more than %d columns", df->path, df->line, CSVTABLE_LINES_MAXF);
    dc->nfields = df->nf;
    int rc;
    for (int c = 0; c < n; c++)
        if ((rc = data__locate(df, canon[c], csvtable_source_header(src, canon[c]), c < nrequired, expected,
                               &dc->pos[c], e)) != SANC_OK)
            return rc;
    if (src->nfilters > 0 && (dc->fpos = malloc(sizeof *dc->fpos * (size_t)src->nfilters)) == NULL)
        return err_set(e, SANC_ENOMEM, "%s: out of memory", df->path);
    for (int k = 0; k < src->nfilters; k++) {
        dc->fpos[k] = data__find(df, src->filters[k].header);
        if (dc->fpos[k] == -1)
            return err_set(e, SANC_EDATA, "%s:%d: filter column '%s' not in the header", df->path, df->line,
                           src->filters[k].header);
        if (dc->fpos[k] == -2)
            return err_set(e, SANC_EDATA, "%s:%d: column '%s' appears twice", df->path, df->line,
                           src->filters[k].header);
    }
    return SANC_OK;
}

/* The row just read: as many fields as the header, then the filters.
 * 1 keep, 0 drop, < 0 error. */
static int data__row_keep(const data__file *df, const csvtable_source *src, const data__cols *dc, errbuf *e)
{
    if (df->nf != dc->nfields)
        return err_set(e, SANC_EDATA, "%s:%d: expected %d fields, got %d", df->path, df->line, dc->nfields,
                       df->nf);
    for (int k = 0; k < src->nfilters; k++) {
        const char *v = df->f[dc->fpos[k]];
        int hit = csvtable_filter_match(&src->filters[k], v);
        if (hit < 0)
            return err_set(e, SANC_EDATA, "%s:%d: %s: not a number '%s' (the filter compares numbers)", df->path,
                           df->line, src->filters[k].header, v);
        if (hit == 0)
            return 0;
    }
    return 1;
}

/* Parse a number field; `field` names the column in messages. */
static int data__number(const data__file *df, const char *field, const char *s, int nonneg,
                        double *out, errbuf *e)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (end != s && data__is_blank((unsigned char)*end)) /* inside quotes */
        end++;
    if (end == s || *end != '\0')
        return err_set(e, SANC_EDATA, "%s:%d: %s: not a number '%s'", df->path, df->line, field,
                       s);
    if (!isfinite(v))
        return err_set(e, SANC_EDATA, "%s:%d: %s: not finite '%s'", df->path, df->line, field, s);
    if (nonneg && v < 0)
        return err_set(e, SANC_EDATA, "%s:%d: %s: negative value %s (must be >= 0)", df->path,
                       df->line, field, s);
    *out = v == 0 ? 0.0 : v; /* no -0 in the tables */
    return SANC_OK;
}

/* ------------------------------------------------------------------ */
/* String -> index hash table (open addressing, linear probing)         */

typedef struct data__hash {
    int *slot;           /* index into names, -1 empty */
    size_t cap;          /* power of two */
    int n;
    char *const **names_ref; /* through a pointer: the names array may grow */
} data__hash;

static uint64_t data__fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static int data__hash_init(data__hash *h, size_t expect, char *const **names_ref)
{
    size_t cap = 64;
    while (cap < 2 * expect + 2)
        cap *= 2;
    h->slot = malloc(cap * sizeof *h->slot);
    if (h->slot == NULL)
        return -1;
    for (size_t i = 0; i < cap; i++)
        h->slot[i] = -1;
    h->cap = cap;
    h->n = 0;
    h->names_ref = names_ref;
    return 0;
}

static void data__hash_free(data__hash *h)
{
    free(h->slot);
    h->slot = NULL;
}

static int data__hash_find(const data__hash *h, const char *s)
{
    char *const *names = *h->names_ref;
    size_t i = (size_t)data__fnv(s) & (h->cap - 1);
    while (h->slot[i] >= 0) {
        if (strcmp(names[h->slot[i]], s) == 0)
            return h->slot[i];
        i = (i + 1) & (h->cap - 1);
    }
    return -1;
}

/* Record that names[idx] is present (the caller checked it is new). */
static int data__hash_add(data__hash *h, int idx)
{
    char *const *names = *h->names_ref;
    if ((size_t)(h->n + 1) * 2 > h->cap) {
        size_t cap = h->cap * 2;
        int *slot = malloc(cap * sizeof *slot);
        if (slot == NULL)
            return -1;
        for (size_t i = 0; i < cap; i++)
            slot[i] = -1;
        for (size_t i = 0; i < h->cap; i++)
            if (h->slot[i] >= 0) {
                size_t k = (size_t)data__fnv(names[h->slot[i]]) & (cap - 1);
                while (slot[k] >= 0)
                    k = (k + 1) & (cap - 1);
                slot[k] = h->slot[i];
            }
        free(h->slot);
        h->slot = slot;
        h->cap = cap;
    }
    size_t i = (size_t)data__fnv(names[idx]) & (h->cap - 1);
    while (h->slot[i] >= 0)
        i = (i + 1) & (h->cap - 1);
    h->slot[i] = idx;
    h->n++;
    return 0;
}

/* A growing list of owned strings with a hash index (codes, sectors). */
typedef struct data__names {
    char **v;
    int n, cap;
    data__hash h;
} data__names;

static int data__names_init(data__names *nm)
{
    memset(nm, 0, sizeof *nm);
    return data__hash_init(&nm->h, 64, (char *const **)&nm->v);
}

static void data__names_free(data__names *nm)
{
    if (nm->v != NULL)
        for (int i = 0; i < nm->n; i++)
            free(nm->v[i]);
    free(nm->v);
    data__hash_free(&nm->h);
    memset(nm, 0, sizeof *nm);
}

/* Index of s, added at the end if new; -1 on allocation failure. */
static int data__names_intern(data__names *nm, const char *s)
{
    int idx = data__hash_find(&nm->h, s);
    if (idx >= 0)
        return idx;
    if (nm->n == nm->cap) {
        int cap = nm->cap ? nm->cap * 2 : 16;
        char **v = realloc(nm->v, (size_t)cap * sizeof *v);
        if (v == NULL)
            return -1;
        nm->v = v;
        nm->cap = cap;
    }
    char *d = strdup(s);
    if (d == NULL)
        return -1;
    nm->v[nm->n] = d;
    if (data__hash_add(&nm->h, nm->n) < 0) {
        free(d);
        return -1;
    }
    return nm->n++;
}

/* Hash over a caller's fixed array of names. */
static int data__index_fixed(data__hash *h, char *const *names, int n, char *const **ref)
{
    *ref = names;
    if (data__hash_init(h, (size_t)n, ref) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (data__hash_find(h, names[i]) < 0 && data__hash_add(h, i) < 0)
            return -1;
    return 0;
}

static void data__free_strings(char **v, int n)
{
    if (v == NULL)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ------------------------------------------------------------------ */
/* Countries                                                           */

void data_countries_free(data_countries *c)
{
    if (c == NULL)
        return;
    data__free_strings(c->code, c->n);
    data__free_strings(c->name, c->n);
    data__free_strings(c->groups, c->n);
    memset(c, 0, sizeof *c);
}

int data_load_countries(const char *path, data_countries *out, errbuf *e)
{
    csvtable_source src = { .path = (char *)path };
    return data_load_countries_from(&src, out, e);
}

int data_load_countries_from(const csvtable_source *src, data_countries *out, errbuf *e)
{
    static const char *const canon[] = { "code", "name", "groups" };
    const char *path = src->path;
    memset(out, 0, sizeof *out);
    data__file df;
    data__cols dc = { { 0 }, NULL, 0 };
    int rc = data__open(&df, path, out->sha256, e);
    if (rc < 0)
        return rc;
    data__names codes;
    if (data__names_init(&codes) < 0) {
        data__close(&df);
        return err_set(e, SANC_ENOMEM, "%s: out of memory", path);
    }
    int *first_line = NULL;
    char **name = NULL, **groups = NULL;
    int cap = 0;

    rc = csvtable_lines_next(&df, e);
    if (rc < 0)
        goto fail;
    if (rc == 0) {
        rc = err_set(e, SANC_EDATA, "%s:1: empty file (expected header code,name[,groups])", path);
        goto fail;
    }
    if ((rc = data__header(&df, src, canon, 3, 2, "code,name[,groups]", &dc, e)) < 0)
        goto fail;
    int has_groups = dc.pos[2] >= 0;
    const char *hname[3];
    for (int c = 0; c < 3; c++)
        hname[c] = csvtable_source_header(src, canon[c]);
    while ((rc = csvtable_lines_next(&df, e)) > 0) {
        if ((rc = data__row_keep(&df, src, &dc, e)) < 0)
            goto fail;
        if (rc == 0)
            continue;
        const char *fc = df.f[dc.pos[0]], *fn = df.f[dc.pos[1]], *fg = has_groups ? df.f[dc.pos[2]] : "";
        const char *code = fc;
        if (code[0] == '\0') {
            rc = err_set(e, SANC_EDATA, "%s:%d: %s: empty country code", path, df.line, hname[0]);
            goto fail;
        }
        if ((rc = data__utf8(&df, hname[0], code, e)) < 0 || (rc = data__utf8(&df, hname[1], fn, e)) < 0 ||
            (has_groups && (rc = data__utf8(&df, hname[2], fg, e)) < 0))
            goto fail;
        for (const char *q = code; *q; q++)
            if (isspace((unsigned char)*q)) {
                rc = err_set(e, SANC_EDATA, "%s:%d: %s: country code '%s' contains a space",
                             path, df.line, hname[0], code);
                goto fail;
            }
        int idx = data__hash_find(&codes.h, code);
        if (idx >= 0) {
            rc = err_set(e, SANC_EDATA, "%s:%d: %s: duplicate country code '%s' (first at line %d)",
                         path, df.line, hname[0], code, first_line[idx]);
            goto fail;
        }
        if (codes.n == cap) {
            int ncap = cap ? cap * 2 : 64;
            int *fl = realloc(first_line, (size_t)ncap * sizeof *fl);
            if (fl != NULL)
                first_line = fl;
            char **nn = fl != NULL ? realloc(name, (size_t)ncap * sizeof *nn) : NULL;
            if (nn != NULL)
                name = nn;
            char **ng = nn != NULL ? realloc(groups, (size_t)ncap * sizeof *ng) : NULL;
            if (ng != NULL)
                groups = ng;
            if (ng == NULL) {
                rc = err_set(e, SANC_ENOMEM, "%s: out of memory", path);
                goto fail;
            }
            cap = ncap;
        }
        int k = codes.n;
        name[k] = strdup(fn);
        groups[k] = fg[0] != '\0' ? strdup(fg) : NULL;
        if (name[k] == NULL || (fg[0] != '\0' && groups[k] == NULL) ||
            data__names_intern(&codes, code) != k) {
            free(name[k]);
            free(groups[k]);
            rc = err_set(e, SANC_ENOMEM, "%s: out of memory", path);
            goto fail;
        }
        first_line[k] = df.line;
    }
    if (rc < 0)
        goto fail;
    if (codes.n == 0) {
        rc = err_set(e, SANC_EDATA, "%s:%d: no data rows", path, df.line + 1);
        goto fail;
    }
    out->n = codes.n;
    out->code = codes.v;
    out->name = name;
    out->groups = groups;
    codes.v = NULL; /* now owned by out */
    codes.n = 0;
    data__names_free(&codes);
    free(first_line);
    data__cols_free(&dc);
    data__close(&df);
    return SANC_OK;

fail:
    data__free_strings(name, codes.n);
    data__free_strings(groups, codes.n);
    data__names_free(&codes);
    free(first_line);
    data__cols_free(&dc);
    data__close(&df);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Trade and shock tables                                              */

typedef struct data__row {
    int i, j, k, line;
    double v;
} data__row;

typedef struct data__rows {
    data__row *r;
    size_t n, cap;
} data__rows;

static int data__rows_push(data__rows *rs, data__row row)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 1024;
        data__row *r = realloc(rs->r, cap * sizeof *r);
        if (r == NULL)
            return -1;
        rs->r = r;
        rs->cap = cap;
    }
    rs->r[rs->n++] = row;
    return 0;
}

/* Line of the first row with the same cell as rows[upto] (for messages). */
static int data__first_line(const data__rows *rs, size_t upto)
{
    const data__row *d = &rs->r[upto];
    for (size_t m = 0; m < upto; m++)
        if (rs->r[m].i == d->i && rs->r[m].j == d->j && rs->r[m].k == d->k)
            return rs->r[m].line;
    return 0;
}

void data_trade_free(data_trade *t)
{
    if (t == NULL)
        return;
    data__free_strings(t->country, t->nc);
    data__free_strings(t->sector, t->ns);
    free(t->X);
    memset(t, 0, sizeof *t);
}

/* data_load_trade in phases, over one state: the header (columns by name),
 * the rows (labels looked up or interned, values parsed, kept as compact
 * records), the dense table (duplicates caught with a bitmap), the checks
 * on the whole table, and the hand-over to the caller. */
typedef struct data__trade_ld {
    const csvtable_source *src;
    const data_countries *known;
    const char *path;
    data__file df;
    data__cols dc;
    const char *hname[4]; /* headers of exporter, importer, sector, value */
    int has_sector;
    data__names codes, sectors;
    int codes_ok, sectors_ok;
    data__hash known_h;
    char *const *known_ref;
    data__rows rows;
    int nc, ns;
    unsigned char *seen; /* nc*nc*ns bits */
    double *X;
} data__trade_ld;

enum { TR_EXPORTER, TR_IMPORTER, TR_SECTOR, TR_VALUE };

static void data__trade_ld_free(data__trade_ld *ld)
{
    if (ld->codes_ok)
        data__names_free(&ld->codes);
    if (ld->sectors_ok)
        data__names_free(&ld->sectors);
    data__hash_free(&ld->known_h);
    data__cols_free(&ld->dc);
    free(ld->rows.r);
    free(ld->seen);
    free(ld->X);
    data__close(&ld->df);
}

static int data__trade_header(data__trade_ld *ld, errbuf *e)
{
    static const char *const canon[] = { "exporter", "importer", "value", "sector" };
    data__file *df = &ld->df;
    int rc = csvtable_lines_next(df, e);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return err_set(e, SANC_EDATA, "%s:1: empty file (expected header exporter,importer[,sector],value)",
                       ld->path);
    data__cols dc;
    rc = data__header(df, ld->src, canon, 4, 3, "exporter,importer[,sector],value", &dc, e);
    ld->dc.fpos = dc.fpos;
    if (rc < 0)
        return rc;
    /* canonical order above puts the optional column last */
    ld->dc.nfields = dc.nfields;
    ld->dc.pos[TR_EXPORTER] = dc.pos[0];
    ld->dc.pos[TR_IMPORTER] = dc.pos[1];
    ld->dc.pos[TR_VALUE] = dc.pos[2];
    ld->dc.pos[TR_SECTOR] = dc.pos[3];
    static const char *const names[4] = { "exporter", "importer", "sector", "value" };
    for (int c = 0; c < 4; c++)
        ld->hname[c] = csvtable_source_header(ld->src, names[c]);
    ld->has_sector = ld->dc.pos[TR_SECTOR] >= 0;
    if (!ld->has_sector && data__names_intern(&ld->sectors, "all") != 0)
        return err_set(e, SANC_ENOMEM, "%s: out of memory", ld->path);
    return SANC_OK;
}

static int data__trade_rows(data__trade_ld *ld, errbuf *e)
{
    data__file *df = &ld->df;
    const char *path = ld->path;
    int rc;
    /* Tables are usually sorted: remembering the previous row's codes skips
     * most hash lookups. */
    const char *prev[3] = { NULL, NULL, NULL };
    int prev_idx[3] = { -1, -1, -1 };
    while ((rc = csvtable_lines_next(df, e)) > 0) {
        if ((rc = data__row_keep(df, ld->src, &ld->dc, e)) < 0)
            return rc;
        if (rc == 0)
            continue;
        data__row row = { 0, 0, 0, df->line, 0.0 };
        int ij[2];
        for (int c = 0; c < 2; c++) {
            const char *code = df->f[ld->dc.pos[c]];
            if (prev[c] != NULL && strcmp(code, prev[c]) == 0) {
                ij[c] = prev_idx[c];
                continue;
            }
            if (code[0] == '\0')
                return err_set(e, SANC_EDATA, "%s:%d: %s: empty country code", path, df->line, ld->hname[c]);
            if ((rc = data__utf8(df, ld->hname[c], code, e)) < 0)
                return rc;
            if (ld->known != NULL) {
                ij[c] = data__hash_find(&ld->known_h, code);
                if (ij[c] < 0)
                    return err_set(e, SANC_EDATA, "%s:%d: %s: unknown country code '%s'", path, df->line,
                                   ld->hname[c], code);
            } else {
                ij[c] = data__names_intern(&ld->codes, code);
                if (ij[c] < 0)
                    return err_set(e, SANC_ENOMEM, "%s: out of memory", path);
            }
            prev[c] = code;
            prev_idx[c] = ij[c];
        }
        row.i = ij[0];
        row.j = ij[1];
        if (ld->has_sector) {
            const char *sec = df->f[ld->dc.pos[TR_SECTOR]];
            if (sec[0] == '\0')
                return err_set(e, SANC_EDATA, "%s:%d: %s: empty sector name", path, df->line, ld->hname[TR_SECTOR]);
            if (prev[2] != NULL && strcmp(sec, prev[2]) == 0) {
                row.k = prev_idx[2];
            } else {
                if ((rc = data__utf8(df, ld->hname[TR_SECTOR], sec, e)) < 0)
                    return rc;
                row.k = data__names_intern(&ld->sectors, sec);
                if (row.k < 0)
                    return err_set(e, SANC_ENOMEM, "%s: out of memory", path);
                prev[2] = sec;
                prev_idx[2] = row.k;
            }
        }
        if ((rc = data__number(df, ld->hname[TR_VALUE], df->f[ld->dc.pos[TR_VALUE]], 1, &row.v, e)) < 0)
            return rc;
        if (data__rows_push(&ld->rows, row) < 0)
            return err_set(e, SANC_ENOMEM, "%s: out of memory", path);
    }
    if (rc < 0)
        return rc;
    if (ld->rows.n == 0)
        return err_set(e, SANC_EDATA, "%s:%d: no data rows", path, df->line + 1);
    return SANC_OK;
}

static int data__trade_table(data__trade_ld *ld, errbuf *e)
{
    const char *path = ld->path;
    int nc = ld->nc = ld->known != NULL ? ld->known->n : ld->codes.n;
    int ns = ld->ns = ld->sectors.n;
    size_t cells = (size_t)nc * (size_t)nc;
    if (nc > DATA__MAX_COUNTRIES || ns > DATA__MAX_SECTORS || cells / (size_t)nc != (size_t)nc ||
        cells > DATA__MAX_CELLS / (size_t)ns)
        return err_set(e, SANC_ELIMIT,
                       "%s: %d countries x %d sectors is too large a table (at most %d countries, "
                       "%d sectors and %zu bilateral-sector cells)",
                       path, nc, ns, DATA__MAX_COUNTRIES, DATA__MAX_SECTORS, DATA__MAX_CELLS);
    cells *= (size_t)ns;
    ld->X = calloc(cells, sizeof *ld->X);
    ld->seen = calloc(cells / 8 + 1, 1);
    if (ld->X == NULL || ld->seen == NULL)
        return err_set(e, SANC_ENOMEM, "%s: out of memory", path);
    char *const *names = ld->known != NULL ? ld->known->code : ld->codes.v;
    for (size_t m = 0; m < ld->rows.n; m++) {
        const data__row *r = &ld->rows.r[m];
        size_t cell = ((size_t)r->i * (size_t)nc + (size_t)r->j) * (size_t)ns + (size_t)r->k;
        if (ld->seen[cell >> 3] & (1u << (cell & 7)))
            return err_set(e, SANC_EDATA, "%s:%d: duplicate row %s,%s%s%s (first at line %d)", path, r->line,
                           names[r->i], names[r->j], ld->has_sector ? "," : "",
                           ld->has_sector ? ld->sectors.v[r->k] : "", data__first_line(&ld->rows, m));
        ld->seen[cell >> 3] |= (unsigned char)(1u << (cell & 7));
        ld->X[cell] = r->v;
    }
    return SANC_OK;
}

static int data__trade_check(const data__trade_ld *ld, errbuf *e)
{
    /* sums of the table (outputs, expenditures, the world total) must stay
     * doubles: otherwise the solver would report the overflow as closed
     * markets or no convergence */
    double total = 0.0;
    for (size_t m = 0; m < ld->rows.n; m++)
        total += ld->rows.r[m].v;
    if (!isfinite(total))
        return err_set(e, SANC_EDATA, "%s: the values add up to more than a double holds (%g): express them in "
                       "larger units (and say so in data.units)", ld->path, DBL_MAX);
    int nc = ld->nc, ns = ld->ns;
    char *const *names = ld->known != NULL ? ld->known->code : ld->codes.v;
    for (int i = 0; i < nc; i++) {
        int any = 0;
        for (int k = 0; k < ns && !any; k++) {
            size_t cell = ((size_t)i * (size_t)nc + (size_t)i) * (size_t)ns + (size_t)k;
            any = (ld->seen[cell >> 3] >> (cell & 7)) & 1;
        }
        if (!any)
            return err_set(e, SANC_EDATA, "%s: country '%s' has no domestic sales row (exporter == importer)",
                           ld->path, names[i]);
    }
    return SANC_OK;
}

static int data__trade_hand_over(data__trade_ld *ld, data_trade *out, errbuf *e)
{
    char **country;
    if (ld->known != NULL) {
        country = calloc((size_t)(ld->nc > 0 ? ld->nc : 1), sizeof *country);
        if (country == NULL)
            return err_set(e, SANC_ENOMEM, "%s: out of memory", ld->path);
        for (int i = 0; i < ld->nc; i++)
            if ((country[i] = strdup(ld->known->code[i])) == NULL) {
                data__free_strings(country, ld->nc);
                return err_set(e, SANC_ENOMEM, "%s: out of memory", ld->path);
            }
    } else {
        country = ld->codes.v;
        ld->codes.v = NULL;
        ld->codes.n = 0;
    }
    out->nc = ld->nc;
    out->ns = ld->ns;
    out->country = country;
    out->sector = ld->sectors.v;
    ld->sectors.v = NULL;
    ld->sectors.n = 0;
    out->X = ld->X;
    ld->X = NULL;
    return SANC_OK;
}

int data_load_trade(const char *path, const data_countries *known, data_trade *out, errbuf *e)
{
    csvtable_source src = { .path = (char *)path };
    return data_load_trade_from(&src, known, out, e);
}

int data_load_trade_from(const csvtable_source *src, const data_countries *known, data_trade *out, errbuf *e)
{
    memset(out, 0, sizeof *out);
    data__trade_ld ld;
    memset(&ld, 0, sizeof ld);
    ld.src = src;
    ld.known = known;
    ld.path = src->path;
    int rc = data__open(&ld.df, ld.path, out->sha256, e);
    if (rc < 0)
        return rc;
    ld.codes_ok = data__names_init(&ld.codes) == 0;
    ld.sectors_ok = data__names_init(&ld.sectors) == 0;
    if (!ld.codes_ok || !ld.sectors_ok ||
        (known != NULL && data__index_fixed(&ld.known_h, known->code, known->n, &ld.known_ref) < 0))
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory", ld.path);
    if (rc == SANC_OK)
        rc = data__trade_header(&ld, e);
    if (rc == SANC_OK)
        rc = data__trade_rows(&ld, e);
    if (rc == SANC_OK)
        rc = data__trade_table(&ld, e);
    if (rc == SANC_OK)
        rc = data__trade_check(&ld, e);
    if (rc == SANC_OK)
        rc = data__trade_hand_over(&ld, out, e);
    data__trade_ld_free(&ld);
    return rc;
}

void data_shocks_free(data_shocks *s)
{
    if (s == NULL)
        return;
    free(s->rows);
    memset(s, 0, sizeof *s);
}

int data_load_shocks(const char *path, int nc, char *const *codes, int ns, char *const *sectors,
                     data_shocks *out, errbuf *e)
{
    csvtable_source src = { .path = (char *)path };
    return data_load_shocks_from(&src, NULL, nc, codes, ns, sectors, out, e);
}

int data_load_shocks_from(const csvtable_source *src, const char *column, int nc, char *const *codes, int ns,
                          char *const *sectors, data_shocks *out, errbuf *e)
{
    const char *path = src->path;
    memset(out, 0, sizeof *out);
    data__file df;
    data__cols dc = { { 0 }, NULL, 0 };
    int rc = data__open(&df, path, out->sha256, e);
    if (rc < 0)
        return rc;
    data__hash ch = { 0 }, sh = { 0 };
    char *const *cref = NULL, *const *sref = NULL;
    data__rows rows = { NULL, 0, 0 };
    unsigned char *seen = NULL;
    if (data__index_fixed(&ch, codes, nc, &cref) < 0 ||
        data__index_fixed(&sh, sectors, ns, &sref) < 0) {
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    rc = csvtable_lines_next(&df, e);
    if (rc < 0)
        goto done;
    if (rc == 0) {
        rc = err_set(e, SANC_EDATA,
                     "%s:1: empty file (expected header exporter,importer[,sector],partial_effect "
                     "or ...,factor)", path);
        goto done;
    }
    /* the value column: the event's `column` (a partial effect), else
     * exactly one of partial_effect and factor */
    static const char *const canon[] = { "exporter", "importer", "sector", "partial_effect", "factor" };
    static const char *const expected = "exporter,importer[,sector],partial_effect or "
                                        "exporter,importer[,sector],factor";
    if ((rc = data__header(&df, src, canon, column != NULL ? 3 : 5, 2, expected, &dc, e)) < 0)
        goto done;
    int has_sector = dc.pos[2] >= 0, is_factor = 0, vpos;
    const char *vname;
    if (column != NULL) {
        vname = csvtable_source_header(src, column);
        if ((rc = data__locate(&df, column, vname, 1, expected, &vpos, e)) < 0)
            goto done;
    } else if (dc.pos[3] >= 0 && dc.pos[4] >= 0) {
        rc = err_set(e, SANC_EDATA, "%s:%d: both a partial_effect and a factor column (one only, or name the "
                     "column with the event's `column`)", path, df.line);
        goto done;
    } else if (dc.pos[3] < 0 && dc.pos[4] < 0) {
        char h[512];
        data__join(&df, h, sizeof h);
        rc = err_set(e, SANC_EDATA, "%s:%d: missing column '%s' or '%s' in header '%s' (expected %s)", path,
                     df.line, csvtable_source_header(src, "partial_effect"), csvtable_source_header(src, "factor"),
                     h, expected);
        goto done;
    } else {
        is_factor = dc.pos[4] >= 0;
        vpos = dc.pos[is_factor ? 4 : 3];
        vname = csvtable_source_header(src, canon[is_factor ? 4 : 3]);
    }
    const char *col[3];
    for (int c = 0; c < 3; c++)
        col[c] = csvtable_source_header(src, canon[c]);
    while ((rc = csvtable_lines_next(&df, e)) > 0) {
        if ((rc = data__row_keep(&df, src, &dc, e)) < 0)
            goto done;
        if (rc == 0)
            continue;
        data__row row = { 0, 0, -1, df.line, 0.0 };
        int ij[2];
        for (int c = 0; c < 2; c++) {
            const char *code = df.f[dc.pos[c]];
            ij[c] = data__hash_find(&ch, code);
            if (ij[c] < 0 && (rc = data__utf8(&df, col[c], code, e)) < 0)
                goto done;
            if (ij[c] < 0) {
                rc = err_set(e, SANC_EDATA, "%s:%d: %s: unknown country code '%s'", path, df.line,
                             col[c], code);
                goto done;
            }
        }
        row.i = ij[0];
        row.j = ij[1];
        if (has_sector) {
            const char *sec = df.f[dc.pos[2]];
            row.k = data__hash_find(&sh, sec);
            if (row.k < 0 && (rc = data__utf8(&df, col[2], sec, e)) < 0)
                goto done;
            if (row.k < 0) {
                rc = err_set(e, SANC_EDATA, "%s:%d: %s: unknown sector '%s'", path, df.line, col[2], sec);
                goto done;
            }
        }
        if ((rc = data__number(&df, vname, df.f[vpos], is_factor, &row.v, e)) < 0)
            goto done;
        if (data__rows_push(&rows, row) < 0) {
            rc = err_set(e, SANC_ENOMEM, "%s: out of memory", path);
            goto done;
        }
    }
    if (rc < 0)
        goto done;
    if (rows.n == 0) {
        rc = err_set(e, SANC_EDATA, "%s:%d: no data rows", path, df.line + 1);
        goto done;
    }
    size_t nk = has_sector ? (size_t)(ns > 0 ? ns : 1) : 1;
    size_t cells = (size_t)nc * (size_t)nc * nk;
    seen = calloc(cells / 8 + 1, 1);
    if (seen == NULL) {
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t m = 0; m < rows.n; m++) {
        const data__row *r = &rows.r[m];
        size_t cell = ((size_t)r->i * (size_t)nc + (size_t)r->j) * nk +
                      (size_t)(has_sector ? r->k : 0);
        if (seen[cell >> 3] & (1u << (cell & 7))) {
            rc = err_set(e, SANC_EDATA, "%s:%d: duplicate row %s,%s%s%s (first at line %d)", path,
                         r->line, codes[r->i], codes[r->j], has_sector ? "," : "",
                         has_sector ? sectors[r->k] : "", data__first_line(&rows, m));
            goto done;
        }
        seen[cell >> 3] |= (unsigned char)(1u << (cell & 7));
    }
    out->rows = malloc(rows.n * sizeof *out->rows);
    if (out->rows == NULL) {
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t m = 0; m < rows.n; m++) {
        out->rows[m].i = rows.r[m].i;
        out->rows[m].j = rows.r[m].j;
        out->rows[m].k = rows.r[m].k;
        out->rows[m].value = rows.r[m].v;
    }
    out->n = (int)rows.n;
    out->is_factor = is_factor;
    rc = SANC_OK;

done:
    data__cols_free(&dc);
    data__hash_free(&ch);
    data__hash_free(&sh);
    free(rows.r);
    free(seen);
    data__close(&df);
    return rc;
}
