/*
 * iodata.c - strict CSV loader of the production-network data (see
 * iodata.h).
 *
 * Each file is read through a 64 KiB window and split line by line in
 * place (RFC 4180 quoting, CRLF, a UTF-8 byte order mark and blank lines
 * accepted), its SHA-256 taken from the same read.  The header is
 * matched against the canonical columns through the file's mapping; rows
 * are then filtered, their labels looked up in hash tables
 * (trade discovers countries and sectors, the other files must use them)
 * and their values poured into dense arrays, with a bitmap of seen cells to
 * catch duplicates.  The cross-file checks (gross output, a selling sector
 * without inputs or value added) run last and point at the value-added row
 * of the cell (or, without one, at its first sale in the trade file).
 */
#include "iodata.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvtable.h"
#include "hash.h"

#define IOD_MAX_COUNTRIES 2000
#define IOD_MAX_SECTORS 1000
#define IOD_MAX_CELLS ((size_t)50000000)
#define IOD_MAX_FIELDS CSVTABLE_LINES_MAXF

/* ------------------------------------------------------------------ */
/* CSV reading                                                          */

/* Files are read through a window (a buffer kept across the files of one
 * load, grown only for a longer line): a whole line is always in it, and
 * the window moves only between rows, so a field pointer lives until the
 * next row; `gen` changes when the window moves, for the label caches. */
typedef struct iod_rbuf {
    char *buf;
    size_t cap;
} iod_rbuf;

#define IOD_WINDOW ((size_t)1 << 16)

typedef struct iod_csv {
    const char *path;
    int fd, eof;
    iod_rbuf *rb;
    unsigned gen;
    hash_sha256 hc;
    char *sha; /* where the file's SHA-256 goes at its end (may be NULL) */
    /* the loaders' splitter on the window: [lines.pos, lines.end) not yet
     * parsed, *lines.end == '\0'; lines.f / lines.nf the current row (nf may
     * exceed IOD_MAX_FIELDS: only counted) */
    csvtable_lines lines;
} iod_csv;

/* Read more behind df->lines.end (after moving the unparsed rest to the front
 * of the window, or growing it).  The SHA-256 is taken of the bytes as
 * read, before the parser writes into them. */
static int iod_fill(iod_csv *df, errbuf *e)
{
    iod_rbuf *rb = df->rb;
    size_t rest = (size_t)(df->lines.end - df->lines.pos);
    if (df->lines.pos != rb->buf) {
        memmove(rb->buf, df->lines.pos, rest);
        df->gen++;
    }
    if (rb->cap - rest < IOD_WINDOW / 2) {
        size_t cap = rb->cap < IOD_WINDOW ? IOD_WINDOW : rb->cap * 2;
        char *nb = cap < rb->cap ? NULL : realloc(rb->buf, cap);
        if (nb == NULL)
            return err_set(e, SANC_ENOMEM, "%s: out of memory", df->path);
        rb->buf = nb;
        rb->cap = cap;
        df->gen++;
    }
    df->lines.buf = df->lines.pos = rb->buf;
    df->lines.end = rb->buf + rest;
    for (;;) {
        ssize_t got = read(df->fd, df->lines.end, rb->cap - rest - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return err_set(e, SANC_EDATA, "%s: read error", df->path);
        if (got == 0) {
            df->eof = 1;
            if (df->sha != NULL)
                hash_sha256_final_hex(&df->hc, df->sha);
        } else if (df->sha != NULL) {
            hash_sha256_update(&df->hc, df->lines.end, (size_t)got);
        }
        df->lines.end += got;
        *df->lines.end = '\0';
        return SANC_OK;
    }
}

/* Open path for reading through rb; sha (may be NULL) gets the SHA-256 of
 * the whole file once it has been read to its end. */
static int iod_open(iod_csv *df, const char *path, iod_rbuf *rb, char *sha, errbuf *e)
{
    memset(df, 0, sizeof *df);
    df->path = path;
    df->lines.path = path;
    df->rb = rb;
    df->sha = sha;
    if (sha != NULL)
        hash_sha256_init(&df->hc);
    df->fd = open(path, O_RDONLY);
    if (df->fd < 0)
        return err_set(e, SANC_EDATA, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(df->fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
        close(df->fd);
        df->fd = -1;
        return err_set(e, SANC_EDATA, "%s: cannot open: not a regular file", path);
    }
    df->lines.pos = df->lines.end = rb->buf;
    int rc;
    do { /* the first three bytes, for a byte order mark */
        if ((rc = iod_fill(df, e)) < 0) {
            close(df->fd);
            df->fd = -1;
            return rc;
        }
    } while (!df->eof && df->lines.end - df->lines.pos < 3);
    if (df->lines.end - df->lines.pos >= 3 && (unsigned char)df->lines.pos[0] == 0xEF &&
        (unsigned char)df->lines.pos[1] == 0xBB && (unsigned char)df->lines.pos[2] == 0xBF)
        df->lines.pos += 3;
    return SANC_OK;
}

static void iod_close(iod_csv *df)
{
    if (df->fd >= 0)
        close(df->fd);
    df->fd = -1;
    df->lines.buf = NULL; /* the window belongs to the caller's iod_rbuf */
}

/* Next non-blank line split into trimmed, unquoted fields (csvtable's
 * splitter, once a whole line is in the window).  1: a line, 0: end of
 * file, < 0: error. */
static int iod_next(iod_csv *df, errbuf *e)
{
    for (;;) {
        while (!df->eof && memchr(df->lines.pos, '\n', (size_t)(df->lines.end - df->lines.pos)) == NULL) {
            int rc = iod_fill(df, e);
            if (rc < 0)
                return rc;
        }
        int rc = csvtable_lines_one(&df->lines, e);
        if (rc != 2)
            return rc;
    }
}

static int iod_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
        if (n < 0 || (n == 1 && c < 0xC2) || (n == 3 && c > 0xF4))
            return 0;
        unsigned cp = n == 0 ? c : c & (0x3Fu >> n);
        p++;
        for (int a = 0; a < n; a++, p++) {
            if ((*p & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (*p & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
    }
    return 1;
}

/* The common plain decimal ([+-]digits[.digits][e[+-]digits]) with at
 * most 2^53 as its integer significand and a power of ten up to 22 away:
 * both operands are exact doubles, so one multiplication or division
 * rounds the exact value correctly (Clinger 1990) and the result has
 * strtod's bits.  Returns 0 for anything else (strtod decides). */
static int iod_fast_number(const char *s, double *out)
{
    static const double p10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    const char *p = s;
    int neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    uint64_t m = 0;
    int nd = 0, exp10 = 0, any = 0;
    for (; *p >= '0' && *p <= '9'; p++, any = 1) {
        if (m == 0 && *p == '0')
            continue;
        if (++nd > 17)
            return 0;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, any = 1) {
            exp10--;
            if (m == 0 && *p == '0')
                continue;
            if (++nd > 17)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
        }
    }
    if (!any)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        int eneg = *p == '-', ex = 0, ed = 0;
        if (*p == '-' || *p == '+')
            p++;
        for (; *p >= '0' && *p <= '9'; p++, ed++)
            if ((ex = ex * 10 + (*p - '0')) > 1000)
                return 0;
        if (ed == 0)
            return 0;
        exp10 += eneg ? -ex : ex;
    }
    if (*p != '\0' || m > ((uint64_t)1 << 53))
        return 0;
    double v = (double)m;
    if (m == 0)
        v = 0;
    else if (exp10 >= 0 && exp10 <= 22)
        v *= p10[exp10];
    else if (exp10 < 0 && exp10 >= -22)
        v /= p10[-exp10];
    else
        return 0;
    *out = neg ? -v : v;
    return 1;
}

static int iod_number(const iod_csv *df, const char *col, const char *s, double *out, errbuf *e)
{
    if (iod_fast_number(s, out)) {
        if (*out == 0)
            *out = 0.0; /* no negative zero, as below */
        return SANC_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        return err_set(e, SANC_EDATA, "%s:%d: %s: not a number '%s'", df->path, df->lines.line, col, s);
    if (!isfinite(v))
        return err_set(e, SANC_EDATA, "%s:%d: %s: not finite '%s'", df->path, df->lines.line, col, s);
    *out = v == 0 ? 0.0 : v;
    return SANC_OK;
}

/* ------------------------------------------------------------------ */
/* Header, mapping, filter                                              */

/* Column positions of one file: pos[c] for canonical column c (-1 absent). */
typedef struct iod_cols {
    int pos[8];
    int fpos[16]; /* filter columns */
    int nfields;  /* fields of the header */
} iod_cols;

static int iod_header(iod_csv *df, const iodata_file *f, const char *what,
                      const char *const *canon, int ncanon, int nrequired, iod_cols *cols,
                      errbuf *e)
{
    int rc = iod_next(df, e);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return err_set(e, SANC_EDATA, "%s:1: empty file (expected a header)", df->path);
    if (df->lines.nf > IOD_MAX_FIELDS)
        return err_set(e, SANC_EDATA, "%s:%d: more than %d columns", df->path, df->lines.line,
                       IOD_MAX_FIELDS);
    cols->nfields = df->lines.nf;
    for (int m = 0; m < f->ncolumns; m++) {
        int known = 0;
        for (int c = 0; c < ncanon; c++)
            known |= strcmp(f->columns[m].canonical, canon[c]) == 0;
        if (!known) {
            char list[200] = "";
            for (int c = 0; c < ncanon; c++) {
                strncat(list, canon[c], sizeof list - strlen(list) - 2);
                if (c + 1 < ncanon)
                    strncat(list, ",", sizeof list - strlen(list) - 1);
            }
            return err_set(e, SANC_ECONFIG, "%s: %s: unknown column '%s' in the mapping "
                           "(expected %s)", df->path, what, f->columns[m].canonical, list);
        }
    }
    for (int c = 0; c < ncanon; c++) {
        const char *name = canon[c];
        for (int m = 0; m < f->ncolumns; m++)
            if (strcmp(f->columns[m].canonical, canon[c]) == 0)
                name = f->columns[m].header;
        cols->pos[c] = -1;
        for (int a = 0; a < df->lines.nf; a++)
            if (strcmp(df->lines.f[a], name) == 0) {
                if (cols->pos[c] >= 0)
                    return err_set(e, SANC_EDATA, "%s:%d: column '%s' appears twice",
                                   df->path, df->lines.line, name);
                cols->pos[c] = a;
            }
        if (cols->pos[c] < 0 && c < nrequired) {
            if (strcmp(name, canon[c]) != 0)
                return err_set(e, SANC_EDATA, "%s:%d: missing column '%s' (%s of %s)",
                               df->path, df->lines.line, name, canon[c], what);
            return err_set(e, SANC_EDATA, "%s:%d: missing column '%s' of %s", df->path,
                           df->lines.line, name, what);
        }
    }
    if (f->nfilter > 16)
        return err_set(e, SANC_ECONFIG, "%s: at most 16 filter columns", df->path);
    for (int a = 0; a < f->nfilter; a++) {
        cols->fpos[a] = -1;
        for (int b = 0; b < df->lines.nf; b++)
            if (strcmp(df->lines.f[b], f->filter[a].column) == 0)
                cols->fpos[a] = b;
        if (cols->fpos[a] < 0)
            return err_set(e, SANC_EDATA, "%s:%d: filter column '%s' not in the header",
                           df->path, df->lines.line, f->filter[a].column);
    }
    return SANC_OK;
}

/* Next kept row: 1 row, 0 end, < 0 error. */
static int iod_row(iod_csv *df, const iodata_file *f, const iod_cols *cols, errbuf *e)
{
    for (;;) {
        int rc = iod_next(df, e);
        if (rc <= 0)
            return rc;
        if (df->lines.nf != cols->nfields)
            return err_set(e, SANC_EDATA, "%s:%d: expected %d fields, got %d", df->path,
                           df->lines.line, cols->nfields, df->lines.nf);
        int keep = 1;
        for (int a = 0; a < f->nfilter && keep; a++) {
            const char *v = df->lines.f[cols->fpos[a]], *want = f->filter[a].value;
            if (strcmp(v, want) == 0)
                continue;
            char *e1, *e2;
            double x = strtod(v, &e1), y = strtod(want, &e2);
            keep = e1 != v && *e1 == '\0' && e2 != want && *e2 == '\0' && x == y;
        }
        if (keep)
            return 1;
    }
}

/* ------------------------------------------------------------------ */
/* Names                                                                */

typedef struct iod_names {
    char **v;
    int n, cap;
    int *slot;
    size_t hcap;
} iod_names;

static uint64_t iod_fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static void iod_names_free(iod_names *nm)
{
    if (nm->v != NULL)
        for (int i = 0; i < nm->n; i++)
            free(nm->v[i]);
    free(nm->v);
    free(nm->slot);
    memset(nm, 0, sizeof *nm);
}

static int iod_find(const iod_names *nm, const char *s)
{
    if (nm->slot == NULL)
        return -1;
    size_t i = (size_t)iod_fnv(s) & (nm->hcap - 1);
    while (nm->slot[i] >= 0) {
        if (strcmp(nm->v[nm->slot[i]], s) == 0)
            return nm->slot[i];
        i = (i + 1) & (nm->hcap - 1);
    }
    return -1;
}

static int iod_rehash(iod_names *nm, size_t cap)
{
    int *slot = malloc(cap * sizeof *slot);
    if (slot == NULL)
        return -1;
    for (size_t i = 0; i < cap; i++)
        slot[i] = -1;
    for (int a = 0; a < nm->n; a++) {
        size_t i = (size_t)iod_fnv(nm->v[a]) & (cap - 1);
        while (slot[i] >= 0)
            i = (i + 1) & (cap - 1);
        slot[i] = a;
    }
    free(nm->slot);
    nm->slot = slot;
    nm->hcap = cap;
    return 0;
}

/* Index of s, added if new; -1 out of memory. */
static int iod_intern(iod_names *nm, const char *s)
{
    int idx = iod_find(nm, s);
    if (idx >= 0)
        return idx;
    if (nm->n == nm->cap) {
        int cap = nm->cap ? nm->cap * 2 : 32;
        char **v = realloc(nm->v, (size_t)cap * sizeof *v);
        if (v == NULL)
            return -1;
        nm->v = v;
        nm->cap = cap;
    }
    if ((size_t)(nm->n + 1) * 2 > nm->hcap &&
        iod_rehash(nm, nm->hcap ? nm->hcap * 2 : 64) < 0)
        return -1;
    char *d = strdup(s);
    if (d == NULL)
        return -1;
    nm->v[nm->n] = d;
    size_t i = (size_t)iod_fnv(s) & (nm->hcap - 1);
    while (nm->slot[i] >= 0)
        i = (i + 1) & (nm->hcap - 1);
    nm->slot[i] = nm->n;
    return nm->n++;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */

typedef struct iod_trow {
    int i, n, k, line;
    double v, t;
} iod_trow;

void iodata_free(iodata *d)
{
    if (d == NULL)
        return;
    if (d->country != NULL)
        for (int i = 0; i < d->N; i++)
            free(d->country[i]);
    if (d->sector != NULL)
        for (int k = 0; k < d->K; k++)
            free(d->sector[k]);
    free(d->country); free(d->sector); free(d->M); free(d->tariff); free(d->IC); free(d->FC);
    free(d->VA); free(d->D); free(d->theta);
    memset(d, 0, sizeof *d);
}

static int iod_label(const iod_csv *df, const char *col, const char *s, errbuf *e)
{
    if (s[0] == '\0')
        return err_set(e, SANC_EDATA, "%s:%d: %s: empty label", df->path, df->lines.line, col);
    if (!iod_utf8(s))
        return err_set(e, SANC_EDATA, "%s:%d: %s: label is not valid UTF-8", df->path, df->lines.line,
                       col);
    return SANC_OK;
}

/* Look a label up among known names (fixed lists or the trade file's). */
static int iod_lookup(const iod_csv *df, const iod_names *nm, const char *col, const char *s,
                      const char *kind, int *idx, errbuf *e)
{
    int rc = iod_label(df, col, s, e);
    if (rc < 0)
        return rc;
    *idx = iod_find(nm, s);
    if (*idx < 0)
        return err_set(e, SANC_EDATA, "%s:%d: %s: unknown %s '%s'", df->path, df->lines.line, col,
                       kind, s);
    return SANC_OK;
}

static int iod_seen(unsigned char *seen, size_t cell)
{
    int was = (seen[cell >> 3] >> (cell & 7)) & 1;
    seen[cell >> 3] |= (unsigned char)(1u << (cell & 7));
    return was;
}

/* The previous row's label of a column and its index: tables are usually
 * sorted, so most lookups (hash and UTF-8 check) are skipped.  The label
 * points into the file buffer, alive until the file is closed. */
typedef struct iod_cache {
    const char *s;
    int idx;
    unsigned gen; /* the window's generation when s was seen */
} iod_cache;

static int iod_cached(const iod_cache *c, const iod_csv *df, const char *s)
{
    return c->s != NULL && c->gen == df->gen && strcmp(c->s, s) == 0 ? c->idx : -1;
}

static int iod_trade(const iodata_spec *sp, iod_names *cn, iod_names *sn, iodata *out,
                     int **first_sale, iod_rbuf *rb, errbuf *e)
{
    static const char *const canon[] = { "exporter", "importer", "sector", "value", "tariff" };
    const iodata_file *f = &sp->trade;
    iod_csv df;
    iod_cols cols;
    iod_trow *rows = NULL;
    size_t nrows = 0, cap = 0;
    unsigned char *seen = NULL;
    int rc = iod_open(&df, f->path, rb, out->sha256[0], e);
    if (rc < 0)
        return rc;
    if ((rc = iod_header(&df, f, "trade", canon, 5, 4, &cols, e)) < 0)
        goto done;
    int has_t = cols.pos[4] >= 0;
    const int fixed_c = sp->countries != NULL, fixed_s = sp->sectors != NULL;
    iod_cache cache[3] = { { NULL, 0, 0 }, { NULL, 0, 0 }, { NULL, 0, 0 } };
    while ((rc = iod_row(&df, f, &cols, e)) > 0) {
        iod_trow row = { 0, 0, 0, df.lines.line, 0, 0 };
        int *dst[3] = { &row.i, &row.n, &row.k };
        for (int c = 0; c < 3; c++) {
            const char *lab = df.lines.f[cols.pos[c]];
            if ((*dst[c] = iod_cached(&cache[c], &df, lab)) >= 0)
                continue;
            iod_names *nm = c < 2 ? cn : sn;
            int fixed = c < 2 ? fixed_c : fixed_s;
            if (fixed) {
                if ((rc = iod_lookup(&df, nm, canon[c], lab, c < 2 ? "country" : "sector",
                                     dst[c], e)) < 0)
                    goto done;
            } else {
                if ((rc = iod_label(&df, canon[c], lab, e)) < 0)
                    goto done;
                if ((*dst[c] = iod_intern(nm, lab)) < 0) {
                    rc = err_set(e, SANC_ENOMEM, "%s: out of memory", f->path);
                    goto done;
                }
            }
            cache[c] = (iod_cache){ lab, *dst[c], df.gen };
        }
        if ((rc = iod_number(&df, "value", df.lines.f[cols.pos[3]], &row.v, e)) < 0)
            goto done;
        if (row.v < 0) {
            rc = err_set(e, SANC_EDATA, "%s:%d: value: negative trade flow %s", f->path, df.lines.line,
                         df.lines.f[cols.pos[3]]);
            goto done;
        }
        if (has_t) {
            if ((rc = iod_number(&df, "tariff", df.lines.f[cols.pos[4]], &row.t, e)) < 0)
                goto done;
            if (!(row.t > -1)) {
                rc = err_set(e, SANC_EDATA, "%s:%d: tariff: must be > -1 (got %s)", f->path,
                             df.lines.line, df.lines.f[cols.pos[4]]);
                goto done;
            }
            if (row.i == row.n && row.t != 0) {
                rc = err_set(e, SANC_EDATA, "%s:%d: tariff: %s on domestic sales (must be 0)",
                             f->path, df.lines.line, df.lines.f[cols.pos[4]]);
                goto done;
            }
        }
        if (nrows == cap) {
            size_t nc = cap ? cap * 2 : 4096;
            iod_trow *r = realloc(rows, nc * sizeof *r);
            if (r == NULL) {
                rc = err_set(e, SANC_ENOMEM, "%s: out of memory", f->path);
                goto done;
            }
            rows = r;
            cap = nc;
        }
        rows[nrows++] = row;
    }
    if (rc < 0)
        goto done;
    if (nrows == 0) {
        rc = err_set(e, SANC_EDATA, "%s:%d: no data rows", f->path, df.lines.line + 1);
        goto done;
    }
    size_t N = (size_t)cn->n, K = (size_t)sn->n;
    if (N > IOD_MAX_COUNTRIES || K > IOD_MAX_SECTORS || N * N > IOD_MAX_CELLS / K) {
        rc = err_set(e, SANC_ELIMIT, "%s: %zu countries x %zu sectors is too large (at most %d "
                     "countries, %d sectors, %zu cells)", f->path, N, K, IOD_MAX_COUNTRIES,
                     IOD_MAX_SECTORS, IOD_MAX_CELLS);
        goto done;
    }
    size_t NNK = N * N * K;
    out->N = (int)N;
    out->K = (int)K;
    out->M = calloc(NNK, sizeof *out->M);
    out->tariff = has_t ? calloc(NNK, sizeof *out->tariff) : NULL;
    seen = calloc(NNK / 8 + 1, 1);
    *first_sale = malloc(N * K * sizeof **first_sale);
    if (out->M == NULL || (has_t && out->tariff == NULL) || seen == NULL || *first_sale == NULL) {
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory", f->path);
        goto done;
    }
    for (size_t a = 0; a < N * K; a++)
        (*first_sale)[a] = 0;
    for (size_t m = 0; m < nrows; m++) {
        const iod_trow *r = &rows[m];
        size_t c = ((size_t)r->i * N + (size_t)r->n) * K + (size_t)r->k;
        if (iod_seen(seen, c)) {
            int first = 0;
            for (size_t b = 0; b < m && !first; b++)
                if (rows[b].i == r->i && rows[b].n == r->n && rows[b].k == r->k)
                    first = rows[b].line;
            rc = err_set(e, SANC_EDATA, "%s:%d: duplicate row %s,%s,%s (first at line %d)",
                         f->path, r->line, cn->v[r->i], cn->v[r->n], sn->v[r->k], first);
            goto done;
        }
        out->M[c] = r->v;
        if (has_t)
            out->tariff[c] = r->t;
        size_t ik = (size_t)r->i * K + (size_t)r->k;
        if (r->v > 0 && (*first_sale)[ik] == 0)
            (*first_sale)[ik] = r->line;
    }
    rc = SANC_OK;
done:
    free(rows);
    free(seen);
    iod_close(&df);
    return rc;
}

/* A table keyed by (country[, a second sector column], sector) or (country)
 * or (sector) into out.  kind: which keys; what: file name for messages. */
enum { IOD_CS, IOD_CSS, IOD_C, IOD_S };

static int iod_table(const iodata_file *f, const char *what, int kind, const iod_names *cn,
                     const iod_names *sn, double *out, int *lines, int *negatives,
                     iod_rbuf *rb, char *sha, errbuf *e)
{
    static const char *const c_cs[] = { "country", "sector", "value" };
    static const char *const c_css[] = { "country", "input", "sector", "value" };
    static const char *const c_c[] = { "country", "value" };
    static const char *const c_s[] = { "sector", "value" };
    const char *const *canon = kind == IOD_CS ? c_cs : kind == IOD_CSS ? c_css
                             : kind == IOD_C ? c_c : c_s;
    int ncanon = kind == IOD_CSS ? 4 : kind == IOD_CS ? 3 : 2;
    size_t N = (size_t)cn->n, K = (size_t)sn->n;
    size_t cells = kind == IOD_CS ? N * K : kind == IOD_CSS ? N * K * K : kind == IOD_C ? N : K;
    iod_csv df;
    iod_cols cols;
    int rc = iod_open(&df, f->path, rb, sha, e);
    if (rc < 0)
        return rc;
    unsigned char *seen = calloc(cells / 8 + 1, 1);
    if (seen == NULL) {
        iod_close(&df);
        return err_set(e, SANC_ENOMEM, "%s: out of memory", f->path);
    }
    if ((rc = iod_header(&df, f, what, canon, ncanon, ncanon, &cols, e)) < 0)
        goto done;
    int nrows = 0;
    iod_cache cache[3] = { { NULL, 0, 0 }, { NULL, 0, 0 }, { NULL, 0, 0 } };
    while ((rc = iod_row(&df, f, &cols, e)) > 0) {
        int key[3] = { 0, 0, 0 };
        for (int c = 0; c + 1 < ncanon; c++) {
            const char *lab = df.lines.f[cols.pos[c]];
            if ((key[c] = iod_cached(&cache[c], &df, lab)) >= 0)
                continue;
            int country = strcmp(canon[c], "country") == 0;
            if ((rc = iod_lookup(&df, country ? cn : sn, canon[c], lab,
                                 country ? "country" : "sector", &key[c], e)) < 0)
                goto done;
            cache[c] = (iod_cache){ lab, key[c], df.gen };
        }
        size_t cell;
        switch (kind) {
        case IOD_CS: cell = (size_t)key[0] * K + (size_t)key[1]; break;
        /* input s (key 1) bought by sector k (key 2) in n (key 0) */
        case IOD_CSS: cell = ((size_t)key[0] * K + (size_t)key[1]) * K + (size_t)key[2]; break;
        default: cell = (size_t)key[0];
        }
        double v;
        if ((rc = iod_number(&df, "value", df.lines.f[cols.pos[ncanon - 1]], &v, e)) < 0)
            goto done;
        if (iod_seen(seen, cell)) {
            rc = err_set(e, SANC_EDATA, "%s:%d: duplicate row for the same %s", f->path, df.lines.line,
                         kind == IOD_C ? "country" : kind == IOD_S ? "sector"
                         : kind == IOD_CS ? "country and sector" : "country, input and sector");
            goto done;
        }
        if (v < 0 && kind == IOD_CSS) {
            if (negatives != NULL)
                (*negatives)++;
        } else if (v < 0 && kind != IOD_C) {
            rc = err_set(e, SANC_EDATA, "%s:%d: value: negative %s %s (must be >= 0)", f->path,
                         df.lines.line, what, df.lines.f[cols.pos[ncanon - 1]]);
            goto done;
        }
        if (kind == IOD_S && !(v > 0)) {
            rc = err_set(e, SANC_EDATA, "%s:%d: value: trade elasticity must be > 0 (got %s)",
                         f->path, df.lines.line, df.lines.f[cols.pos[ncanon - 1]]);
            goto done;
        }
        out[cell] = v;
        if (lines != NULL)
            lines[cell] = df.lines.line;
        nrows++;
    }
    if (rc < 0)
        goto done;
    if (nrows == 0) {
        rc = err_set(e, SANC_EDATA, "%s:%d: no data rows", f->path, df.lines.line + 1);
        goto done;
    }
    /* deficits and elasticities are needed for every country / sector */
    if (kind == IOD_C || kind == IOD_S) {
        for (size_t a = 0; a < cells; a++)
            if (!((seen[a >> 3] >> (a & 7)) & 1)) {
                rc = err_set(e, SANC_EDATA, "%s: no row for %s '%s'", f->path,
                             kind == IOD_C ? "country" : "sector",
                             kind == IOD_C ? cn->v[a] : sn->v[a]);
                goto done;
            }
    }
    rc = SANC_OK;
done:
    free(seen);
    iod_close(&df);
    return rc;
}

static int iod_fixed(iod_names *nm, char *const *list, int n, const char *what, errbuf *e)
{
    for (int a = 0; a < n; a++) {
        if (list[a] == NULL || list[a][0] == '\0' || !iod_utf8(list[a]))
            return err_set(e, SANC_EDATA, "iodata: %s %d: empty or not UTF-8", what, a + 1);
        if (iod_find(nm, list[a]) >= 0)
            return err_set(e, SANC_EDATA, "iodata: %s '%s' listed twice", what, list[a]);
        if (iod_intern(nm, list[a]) < 0)
            return err_set(e, SANC_ENOMEM, "iodata: out of memory");
    }
    return SANC_OK;
}

int iodata_load(const iodata_spec *sp, iodata *out, errbuf *e)
{
    memset(out, 0, sizeof *out);
    if (sp == NULL || sp->trade.path == NULL || sp->inputs.path == NULL ||
        sp->final.path == NULL || sp->value_added.path == NULL)
        return err_set(e, SANC_EUSAGE, "iodata: trade, inputs, final and value_added are required");
    iod_names cn = { 0 }, sn = { 0 };
    int *first_sale = NULL, *va_line = NULL;
    iod_rbuf rb = { NULL, 0 };
    int rc;
    if (sp->countries != NULL && (rc = iod_fixed(&cn, sp->countries, sp->ncountries, "country",
                                                 e)) < 0)
        goto fail;
    if (sp->sectors != NULL && (rc = iod_fixed(&sn, sp->sectors, sp->nsectors, "sector", e)) < 0)
        goto fail;
    if ((rc = iod_trade(sp, &cn, &sn, out, &first_sale, &rb, e)) < 0)
        goto fail;
    size_t N = (size_t)out->N, K = (size_t)out->K;
    out->IC = calloc(N * K * K, sizeof *out->IC);
    out->FC = calloc(N * K, sizeof *out->FC);
    out->VA = calloc(N * K, sizeof *out->VA);
    va_line = calloc(N * K, sizeof *va_line);
    out->D = sp->deficits.path != NULL ? calloc(N, sizeof *out->D) : NULL;
    out->theta = sp->theta.path != NULL ? calloc(K, sizeof *out->theta) : NULL;
    if (out->IC == NULL || out->FC == NULL || out->VA == NULL || va_line == NULL ||
        (sp->deficits.path != NULL && out->D == NULL) ||
        (sp->theta.path != NULL && out->theta == NULL)) {
        rc = err_set(e, SANC_ENOMEM, "iodata: out of memory");
        goto fail;
    }
    if ((rc = iod_table(&sp->inputs, "inputs", IOD_CSS, &cn, &sn, out->IC, NULL,
                        &out->negative_inputs, &rb, out->sha256[1], e)) < 0 ||
        (rc = iod_table(&sp->final, "final demand", IOD_CS, &cn, &sn, out->FC, NULL, NULL,
                        &rb, out->sha256[2], e)) < 0 ||
        (rc = iod_table(&sp->value_added, "value added", IOD_CS, &cn, &sn, out->VA, va_line,
                        NULL, &rb, out->sha256[3], e)) < 0)
        goto fail;
    if (sp->deficits.path != NULL &&
        (rc = iod_table(&sp->deficits, "deficits", IOD_C, &cn, &sn, out->D, NULL, NULL, &rb,
                        out->sha256[4], e)) < 0)
        goto fail;
    if (sp->theta.path != NULL &&
        (rc = iod_table(&sp->theta, "theta", IOD_S, &cn, &sn, out->theta, NULL, NULL, &rb,
                        out->sha256[5], e)) < 0)
        goto fail;
    /* cross-file checks on every selling sector */
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < K; k++) {
            double sales = 0, ics = 0, icabs = 0;
            for (size_t n = 0; n < N; n++)
                sales += out->M[(i * N + n) * K + k];
            if (!(sales > 0))
                continue;
            for (size_t s = 0; s < K; s++) {
                ics += out->IC[(i * K + s) * K + k];
                icabs += fabs(out->IC[(i * K + s) * K + k]);
            }
            double va = out->VA[i * K + k], go = ics + va;
            const char *file = va_line[i * K + k] ? sp->value_added.path : sp->trade.path;
            int line = va_line[i * K + k] ? va_line[i * K + k] : first_sale[i * K + k];
            if (va == 0 && icabs == 0) {
                rc = err_set(e, SANC_EDATA, "%s:%d: %s in %s sells %.6g but has neither inputs "
                             "nor value added", file, line, sn.v[k], cn.v[i], sales);
                goto fail;
            }
            if (!(go > 0)) {
                rc = err_set(e, SANC_EDATA, "%s:%d: gross output of %s in %s is %.6g <= 0 but it "
                             "sells %.6g", file, line, sn.v[k], cn.v[i], go, sales);
                goto fail;
            }
        }
    out->country = cn.v;
    out->sector = sn.v;
    cn.v = sn.v = NULL;
    cn.n = sn.n = 0;
    iod_names_free(&cn);
    iod_names_free(&sn);
    free(first_sale);
    free(va_line);
    free(rb.buf);
    return SANC_OK;
fail:
    iod_names_free(&cn);
    iod_names_free(&sn);
    free(first_sale);
    free(va_line);
    free(rb.buf);
    iodata_free(out);
    return rc;
}

int iodata_load_cells(const iodata_file *f, const iodata *d, double min_exclusive, double *out,
                      errbuf *e)
{
    static const char *const canon[] = { "exporter", "importer", "sector", "value" };
    size_t N = (size_t)d->N, K = (size_t)d->K, NNK = N * N * K;
    iod_names cn = { 0 }, sn = { 0 };
    iod_csv df;
    iod_cols cols;
    memset(out, 0, NNK * sizeof *out);
    int rc = iod_fixed(&cn, d->country, d->N, "country", e);
    if (rc < 0 || (rc = iod_fixed(&sn, d->sector, d->K, "sector", e)) < 0) {
        iod_names_free(&cn);
        iod_names_free(&sn);
        return rc;
    }
    unsigned char *seen = calloc(NNK / 8 + 1, 1);
    if (seen == NULL) {
        iod_names_free(&cn);
        iod_names_free(&sn);
        return err_set(e, SANC_ENOMEM, "%s: out of memory", f->path);
    }
    iod_rbuf rb = { NULL, 0 };
    if ((rc = iod_open(&df, f->path, &rb, NULL, e)) < 0)
        goto done_nofile;
    if ((rc = iod_header(&df, f, "a cell table", canon, 4, 4, &cols, e)) < 0)
        goto done;
    iod_cache cache[3] = { { NULL, 0, 0 }, { NULL, 0, 0 }, { NULL, 0, 0 } };
    while ((rc = iod_row(&df, f, &cols, e)) > 0) {
        int key[3];
        for (int c = 0; c < 3; c++) {
            const char *lab = df.lines.f[cols.pos[c]];
            if ((key[c] = iod_cached(&cache[c], &df, lab)) >= 0)
                continue;
            if ((rc = iod_lookup(&df, c < 2 ? &cn : &sn, canon[c], lab,
                                 c < 2 ? "country" : "sector", &key[c], e)) < 0)
                goto done;
            cache[c] = (iod_cache){ lab, key[c], df.gen };
        }
        double v;
        if ((rc = iod_number(&df, "value", df.lines.f[cols.pos[3]], &v, e)) < 0)
            goto done;
        if (!(v > min_exclusive)) {
            rc = err_set(e, SANC_EDATA, "%s:%d: value: must be > %g (got %s)", f->path, df.lines.line,
                         min_exclusive, df.lines.f[cols.pos[3]]);
            goto done;
        }
        size_t c = ((size_t)key[0] * N + (size_t)key[1]) * K + (size_t)key[2];
        if (iod_seen(seen, c)) {
            rc = err_set(e, SANC_EDATA, "%s:%d: duplicate row %s,%s,%s", f->path, df.lines.line,
                         cn.v[key[0]], cn.v[key[1]], sn.v[key[2]]);
            goto done;
        }
        out[c] = v;
    }
    if (rc == 0)
        rc = SANC_OK;
done:
    iod_close(&df);
done_nofile:
    free(rb.buf);
    free(seen);
    iod_names_free(&cn);
    iod_names_free(&sn);
    return rc;
}
