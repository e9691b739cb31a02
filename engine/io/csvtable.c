/*
 * csvtable.c - strict CSV tables read by named columns (see csvtable.h).
 *
 * The file is read whole and split record by record in place (quoted fields
 * are unquoted where they stand), so a field is a pointer into the buffer
 * until the row is kept: then numbers are parsed and labels interned in a
 * per-column open-addressing hash table (most tables are sorted, so the
 * previous row's label is tried first).  Rows grow by doubling.
 */
#include "csvtable.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"

/* ------------------------------------------------------------------ */
/* reading and splitting                                               */

typedef struct ct__reader {
    const char *path;
    char *buf;      /* whole file, NUL-terminated; split in place */
    char *pos;      /* start of the next record */
    char *end;      /* the terminating NUL */
    int line;       /* physical line at pos */
    int rec_line;   /* line where the last record started */
    char **f;       /* fields of the last record */
    int nf, fcap;
} ct__reader;

static void ct__close(ct__reader *r)
{
    free(r->buf);
    free(r->f);
    r->buf = NULL;
    r->f = NULL;
}

static int ct__open(ct__reader *r, const char *path, errbuf *e)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->line = 1;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return err_set(e, SANC_EDATA, "%s: cannot open: %s", path, strerror(errno));
    /* fopen succeeds on a folder; devices may never end: files and pipes only */
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
        fclose(fp);
        return err_set(e, SANC_EDATA, "%s: cannot open: not a regular file", path);
    }
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 && (unsigned long long)st.st_size < SIZE_MAX / 2
                     ? (size_t)st.st_size + 2
                     : (size_t)1 << 16;
    size_t len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fclose(fp);
            return err_set(e, SANC_ENOMEM, "%s: out of memory", path);
        }
        if (cap - len < 2) {
            char *nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2);
            if (nb == NULL)
                free(buf);
            buf = nb;
            cap *= 2;
            continue;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return err_set(e, SANC_EDATA, "%s: read error", path);
    }
    buf[len] = '\0';
    size_t text = strlen(buf);
    if (text != len) {
        int line = 1;
        for (size_t i = 0; i < text; i++)
            line += buf[i] == '\n';
        free(buf);
        return err_set(e, SANC_EDATA, "%s:%d: contains a NUL byte (not a text file)", path, line);
    }
    r->buf = buf;
    r->pos = buf;
    r->end = buf + len;
    /* a UTF-8 byte order mark from spreadsheet exports is not part of the header */
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        r->pos += 3;
    return SANC_OK;
}

static int ct__blank(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static int ct__push(ct__reader *r, char *field, errbuf *e)
{
    if (r->nf == r->fcap) {
        int cap = r->fcap ? r->fcap * 2 : 16;
        char **f = realloc(r->f, sizeof *f * (size_t)cap);
        if (f == NULL)
            return err_set(e, SANC_ENOMEM, "%s: out of memory", r->path);
        r->f = f;
        r->fcap = cap;
    }
    r->f[r->nf++] = field;
    return SANC_OK;
}

/* Next record split into fields (unquoted, unquoted fields trimmed).
 * Returns 1 with a record, 0 at the end, < 0 on a malformed record. */
static int ct__next(ct__reader *r, errbuf *e)
{
    for (;;) {
        char *p = r->pos;
        if (p == r->end)
            return 0;
        while (ct__blank((unsigned char)*p))
            p++;
        if (*p == '\n') { /* blank line */
            r->line++;
            r->pos = p + 1;
            continue;
        }
        if (p == r->end) {
            r->pos = p;
            return 0;
        }
        break;
    }
    char *p = r->pos;
    r->rec_line = r->line;
    r->nf = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        char *start = p, *fend;
        if (*p == '"') {
            char *w = p++;
            start = w;
            for (;;) {
                if (p == r->end)
                    return err_set(e, SANC_EDATA, "%s:%d: field %d: unterminated quoted field", r->path,
                                   r->rec_line, r->nf + 1);
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    r->line++;
                *w++ = *p++;
            }
            fend = w;
            while (ct__blank((unsigned char)*p))
                p++;
            if (*p != ',' && *p != '\n' && p != r->end)
                return err_set(e, SANC_EDATA, "%s:%d: field %d: unexpected text after a closing quote",
                               r->path, r->line, r->nf + 1);
        } else {
            while (*p != ',' && *p != '\n' && p != r->end) {
                if (*p == '"')
                    return err_set(e, SANC_EDATA,
                                   "%s:%d: field %d: a quote inside an unquoted field (quote the whole field "
                                   "and double the quote)", r->path, r->line, r->nf + 1);
                p++;
            }
            fend = p;
            while (fend > start && ct__blank((unsigned char)fend[-1]))
                fend--;
        }
        char stop = p == r->end ? '\0' : *p;
        *fend = '\0';
        int rc = ct__push(r, start, e);
        if (rc < 0)
            return rc;
        if (stop == ',') {
            p++;
            continue;
        }
        if (stop == '\n') {
            r->line++;
            p++;
        }
        r->pos = p;
        return 1;
    }
}

/* ------------------------------------------------------------------ */
/* line records (csvtable_lines)                                       */

void csvtable_lines_init(csvtable_lines *df, const char *path, char *buf, size_t len)
{
    memset(df, 0, sizeof *df);
    df->path = path;
    df->buf = df->pos = buf;
    df->end = buf + len;
    /* A UTF-8 byte order mark from spreadsheet exports is not part of the header. */
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        df->pos += 3;
}

int csvtable_lines_next(csvtable_lines *df, errbuf *e)
{
    int rc;
    while ((rc = csvtable_lines_one(df, e)) == 2)
        ;
    return rc;
}

/* One pass over the line's characters. */
int csvtable_lines_one(csvtable_lines *df, errbuf *e)
{
    {
        char *p = df->pos;
        if (p >= df->end)
            return 0;
        df->line++;
        while (ct__blank((unsigned char)*p))
            p++;
        if (*p == '\n' || *p == '\0') {
            if (*p == '\0' && p != df->end)
                goto nul;
            df->pos = *p == '\n' ? p + 1 : p;
            return 2; /* blank line */
        }
        df->nf = 0;
        for (;;) {
            while (ct__blank((unsigned char)*p))
                p++;
            char *start = p, *fend;
            if (*p == '"') {
                /* Quoted: "" is a literal quote; unquote in place. */
                char *w = p;
                p++;
                for (;;) {
                    if (*p == '\0' || *p == '\n') {
                        if (*p == '\0' && p != df->end)
                            goto nul;
                        return err_set(e, SANC_EDATA, "%s:%d: field %d: unterminated quoted field",
                                       df->path, df->line, df->nf + 1);
                    }
                    if (*p == '"') {
                        if (p[1] == '"') {
                            *w++ = '"';
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    *w++ = *p++;
                }
                fend = w;
                while (ct__blank((unsigned char)*p))
                    p++;
                if (*p != ',' && *p != '\n' && *p != '\0')
                    return err_set(e, SANC_EDATA,
                                   "%s:%d: field %d: unexpected text after a closing quote",
                                   df->path, df->line, df->nf + 1);
            } else {
                while (*p != ',' && *p != '\n' && *p != '\0')
                    p++;
                fend = p;
                while (fend > start && ct__blank((unsigned char)fend[-1]))
                    fend--;
            }
            char stop = *p;
            if (stop == '\0' && p != df->end)
                goto nul;
            *fend = '\0';
            if (df->nf < CSVTABLE_LINES_MAXF)
                df->f[df->nf] = start;
            df->nf++;
            if (stop != ',') {
                df->pos = stop == '\n' ? p + 1 : p;
                return 1;
            }
            p++; /* past the comma */
        }
    }
nul:
    return err_set(e, SANC_EDATA, "%s:%d: contains a NUL byte (not a text file)", df->path,
                   df->line);
}

/* ------------------------------------------------------------------ */
/* fields                                                              */

/* "exporter" or "exporter (header 'iso_o')" for messages. */
static void ct__colname(const csvtable_col *c, char *buf, size_t n)
{
    if (c->header != NULL && strcmp(c->header, c->name) != 0)
        snprintf(buf, n, "%s (header '%s')", c->name, c->header);
    else
        snprintf(buf, n, "%s", c->name);
}

/* Parse a whole field as a finite number.  0, or 1 if not a number, 2 if
 * not finite. */
static int ct__parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (end != s && ct__blank((unsigned char)*end))
        end++;
    if (end == s || *end != '\0')
        return 1;
    if (!isfinite(v))
        return 2;
    *out = v == 0 ? 0.0 : v; /* no -0 */
    return 0;
}

static int ct__valid_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        int n;
        unsigned min;
        if (c < 0x80) {
            s++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            min = 0x80;
            c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            min = 0x800;
            c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            min = 0x10000;
            c &= 0x07;
        } else {
            return 0;
        }
        s++;
        for (int k = 0; k < n; k++, s++) {
            if ((*s & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (*s & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* label interning                                                     */

typedef struct ct__intern {
    int *slot;       /* index into level, -1 empty; cap a power of two */
    size_t cap;
    int lcap;
    int prev;        /* code of the previous row */
} ct__intern;

static uint64_t ct__fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* Code of s in column c (added when new); -1 on allocation failure. */
static int ct__intern_add(csvtable_column *c, ct__intern *h, const char *s)
{
    if (h->prev >= 0 && strcmp(c->level[h->prev], s) == 0)
        return h->prev;
    if ((size_t)(c->nlevels + 1) * 2 > h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        int *slot = malloc(sizeof *slot * cap);
        if (slot == NULL)
            return -1;
        for (size_t i = 0; i < cap; i++)
            slot[i] = -1;
        for (int l = 0; l < c->nlevels; l++) {
            size_t i = (size_t)ct__fnv(c->level[l]) & (cap - 1);
            while (slot[i] >= 0)
                i = (i + 1) & (cap - 1);
            slot[i] = l;
        }
        free(h->slot);
        h->slot = slot;
        h->cap = cap;
    }
    size_t i = (size_t)ct__fnv(s) & (h->cap - 1);
    while (h->slot[i] >= 0) {
        if (strcmp(c->level[h->slot[i]], s) == 0)
            return h->prev = h->slot[i];
        i = (i + 1) & (h->cap - 1);
    }
    if (c->nlevels == h->lcap) {
        int lcap = h->lcap ? h->lcap * 2 : 16;
        char **lv = realloc(c->level, sizeof *lv * (size_t)lcap);
        if (lv == NULL)
            return -1;
        c->level = lv;
        h->lcap = lcap;
    }
    char *d = strdup(s);
    if (d == NULL)
        return -1;
    c->level[c->nlevels] = d;
    h->slot[i] = c->nlevels;
    return h->prev = c->nlevels++;
}

/* ------------------------------------------------------------------ */
/* the table                                                           */

void csvtable_free(csvtable *t)
{
    if (t == NULL)
        return;
    for (int c = 0; t->col != NULL && c < t->ncols; c++) {
        csvtable_column *col = &t->col[c];
        free(col->num);
        free(col->code);
        for (int l = 0; l < col->nlevels; l++)
            free(col->level[l]);
        free(col->level);
    }
    free(t->col);
    free(t->line);
    free(t->path);
    memset(t, 0, sizeof *t);
}

const char *csvtable_label(const csvtable *t, int c, int64_t r)
{
    const csvtable_column *col = &t->col[c];
    return col->level[col->code[r]];
}

/* The header as "a,b,c" (shortened) for messages. */
static void ct__header_text(const ct__reader *r, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < r->nf; i++) {
        int w = snprintf(buf + len, n - len, "%s%s", i ? "," : "", r->f[i]);
        if (w < 0 || (size_t)w >= n - len) {
            if (n > 4)
                memcpy(buf + n - 4, "...", 4);
            return;
        }
        len += (size_t)w;
    }
}

/* Index of header name h in the header record; -1 absent, -2 twice. */
static int ct__find(const ct__reader *r, const char *h, int *second)
{
    int at = -1;
    for (int i = 0; i < r->nf; i++)
        if (strcmp(r->f[i], h) == 0) {
            if (at >= 0) {
                *second = i;
                return -2;
            }
            at = i;
        }
    return at;
}

static int ct__grow(csvtable *t, int64_t *cap, errbuf *e)
{
    int64_t nc = *cap ? *cap * 2 : 1024;
    if (nc > INT32_MAX)
        return err_set(e, SANC_ELIMIT, "%s: more than %d data rows", t->path, INT32_MAX / 2);
    int *line = realloc(t->line, sizeof *line * (size_t)nc);
    if (line == NULL)
        return err_set(e, SANC_ENOMEM, "%s: out of memory", t->path);
    t->line = line;
    for (int c = 0; c < t->ncols; c++) {
        csvtable_column *col = &t->col[c];
        if (col->type == CSVTABLE_NUMBER) {
            double *v = realloc(col->num, sizeof *v * (size_t)nc);
            if (v == NULL)
                return err_set(e, SANC_ENOMEM, "%s: out of memory", t->path);
            col->num = v;
        } else {
            int *v = realloc(col->code, sizeof *v * (size_t)nc);
            if (v == NULL)
                return err_set(e, SANC_ENOMEM, "%s: out of memory", t->path);
            col->code = v;
        }
    }
    *cap = nc;
    return SANC_OK;
}

int csvtable_filter_match(const csvtable_filter *f, const char *s)
{
    double x = 0;
    int parsed = -1;
    for (int v = 0; v < f->nvalues; v++) {
        const csvtable_value *val = &f->values[v];
        if (val->is_number) {
            if (parsed < 0)
                parsed = ct__parse_number(s, &x);
            if (parsed != 0)
                return -1;
            if (x == val->number)
                return 1;
        } else if (strcmp(s, val->text) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Does the record pass every filter?  1 yes, 0 no, < 0 error. */
static int ct__keep(const ct__reader *r, const csvtable_filter *filters, int nfilters, const int *fidx,
                    errbuf *e)
{
    for (int k = 0; k < nfilters; k++) {
        const char *s = r->f[fidx[k]];
        int hit = csvtable_filter_match(&filters[k], s);
        if (hit < 0)
            return err_set(e, SANC_EDATA, "%s:%d: %s: not a number '%s' (the filter compares numbers)",
                           r->path, r->rec_line, filters[k].header, s);
        if (!hit)
            return 0;
    }
    return 1;
}

int csvtable_read(csvtable *t, const char *path, const csvtable_col *cols, int ncols,
                  const csvtable_filter *filters, int nfilters, errbuf *e)
{
    memset(t, 0, sizeof *t);
    ct__reader r;
    int rc = ct__open(&r, path, e);
    if (rc < 0)
        return rc;
    int *cidx = NULL, *fidx = NULL;
    ct__intern *hs = NULL;
    int64_t cap = 0;
    t->path = strdup(path);
    t->col = calloc((size_t)(ncols > 0 ? ncols : 1), sizeof *t->col);
    cidx = malloc(sizeof *cidx * (size_t)(ncols > 0 ? ncols : 1));
    fidx = malloc(sizeof *fidx * (size_t)(nfilters > 0 ? nfilters : 1));
    hs = calloc((size_t)(ncols > 0 ? ncols : 1), sizeof *hs);
    if (t->path == NULL || t->col == NULL || cidx == NULL || fidx == NULL || hs == NULL) {
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    t->ncols = ncols;
    for (int c = 0; c < ncols; c++) {
        t->col[c].type = cols[c].type;
        hs[c].prev = -1;
    }

    /* before the split: the hash is of the file as it is */
    cfg_sha256_hex(r.buf, (size_t)(r.end - r.buf), t->sha256);
    rc = ct__next(&r, e);
    if (rc < 0)
        goto done;
    if (rc == 0) {
        rc = err_set(e, SANC_EDATA, "%s:1: empty file (expected a header row)", path);
        goto done;
    }
    int nfields = r.nf, header_line = r.rec_line;
    for (int k = 0; k < ncols + nfilters; k++) {
        const char *h, *what;
        char name[300];
        if (k < ncols) {
            h = cols[k].header != NULL ? cols[k].header : cols[k].name;
            ct__colname(&cols[k], name, sizeof name);
            what = "column";
        } else {
            h = filters[k - ncols].header;
            snprintf(name, sizeof name, "%s", h);
            what = "filter column";
        }
        int second = 0, at = ct__find(&r, h, &second);
        if (at < 0) {
            char hdr[400];
            ct__header_text(&r, hdr, sizeof hdr);
            if (at == -2)
                rc = err_set(e, SANC_EDATA, "%s:%d: %s: header '%s' appears more than once (field %d again)", path,
                             header_line, name, h, second + 1);
            else
                rc = err_set(e, SANC_EDATA, "%s:%d: %s: %s '%s' not in the header (%s)", path, header_line, name,
                             what, h, hdr);
            goto done;
        }
        if (k < ncols)
            cidx[k] = at;
        else
            fidx[k - ncols] = at;
    }

    while ((rc = ct__next(&r, e)) > 0) {
        if (r.nf != nfields) {
            rc = err_set(e, SANC_EDATA, "%s:%d: expected %d fields (as in the header), got %d", path, r.rec_line,
                         nfields, r.nf);
            goto done;
        }
        int keep = ct__keep(&r, filters, nfilters, fidx, e);
        if (keep < 0) {
            rc = keep;
            goto done;
        }
        if (!keep)
            continue;
        if (t->nrows == cap && (rc = ct__grow(t, &cap, e)) < 0)
            goto done;
        int64_t row = t->nrows;
        t->line[row] = r.rec_line;
        for (int c = 0; c < ncols; c++) {
            const char *s = r.f[cidx[c]];
            csvtable_column *col = &t->col[c];
            char name[300];
            if (col->type == CSVTABLE_NUMBER) {
                double v = 0;
                int bad = ct__parse_number(s, &v);
                if (bad || ((cols[c].flags & CSVTABLE_NONNEG) && v < 0)) {
                    ct__colname(&cols[c], name, sizeof name);
                    if (s[0] == '\0')
                        rc = err_set(e, SANC_EDATA, "%s:%d: %s: empty value (expected a number)", path,
                                     r.rec_line, name);
                    else if (bad == 1)
                        rc = err_set(e, SANC_EDATA, "%s:%d: %s: not a number '%s'", path, r.rec_line, name, s);
                    else if (bad == 2)
                        rc = err_set(e, SANC_EDATA, "%s:%d: %s: not finite '%s'", path, r.rec_line, name, s);
                    else
                        rc = err_set(e, SANC_EDATA, "%s:%d: %s: negative value %s (must be >= 0)", path,
                                     r.rec_line, name, s);
                    goto done;
                }
                col->num[row] = v;
            } else {
                if (s[0] == '\0' || !ct__valid_utf8((const unsigned char *)s)) {
                    ct__colname(&cols[c], name, sizeof name);
                    rc = err_set(e, SANC_EDATA, "%s:%d: %s: %s", path, r.rec_line, name,
                                 s[0] == '\0' ? "empty value" : "not valid UTF-8");
                    goto done;
                }
                int code = ct__intern_add(col, &hs[c], s);
                if (code < 0) {
                    rc = err_set(e, SANC_ENOMEM, "%s: out of memory", path);
                    goto done;
                }
                col->code[row] = code;
            }
        }
        t->nrows++;
    }
    if (rc < 0)
        goto done;
    if (t->nrows == 0)
        rc = err_set(e, SANC_EDATA, "%s:%d: no data rows%s", path, r.line,
                     nfilters > 0 ? " (after the filter)" : "");
    else
        rc = SANC_OK;

done:
    for (int c = 0; hs != NULL && c < ncols; c++)
        free(hs[c].slot);
    free(hs);
    free(cidx);
    free(fidx);
    ct__close(&r);
    if (rc != SANC_OK)
        csvtable_free(t);
    return rc;
}

/* ------------------------------------------------------------------ */
/* sources in a configuration                                          */

void csvtable_source_free(csvtable_source *src)
{
    if (src == NULL)
        return;
    free(src->path);
    free(src->map_name);
    free(src->map_header);
    free(src->filters);
    free(src->values);
    memset(src, 0, sizeof *src);
}

const char *csvtable_source_header(const csvtable_source *src, const char *name)
{
    for (int i = 0; i < src->nmap; i++)
        if (strcmp(src->map_name[i], name) == 0)
            return src->map_header[i];
    return name;
}

int csvtable_value_parse(const config_setting_t *s, csvtable_value *v, errbuf *e)
{
    int type = config_setting_type(s);
    memset(v, 0, sizeof *v);
    if (type == CONFIG_TYPE_STRING) {
        v->text = config_setting_get_string(s);
        return SANC_OK;
    }
    if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 || type == CONFIG_TYPE_FLOAT) {
        v->is_number = 1;
        return cfg_elem_double(s, &v->number, e);
    }
    return cfg_fail(s, e, "expected a number or a string");
}

int csvtable_source_parse(const config_setting_t *g, const char *key, const char *base_dir,
                          csvtable_source *src, errbuf *e)
{
    memset(src, 0, sizeof *src);
    config_setting_t *s = g != NULL ? config_setting_get_member(g, key) : NULL;
    if (s == NULL)
        return g != NULL ? cfg_fail_key(g, key, e, "missing required setting")
                         : err_set(e, SANC_ECONFIG, "%s: missing required setting", key);
    const char *file = NULL;
    const config_setting_t *columns = NULL, *filter = NULL;
    int rc = SANC_OK;
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        file = config_setting_get_string(s);
    } else if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
        static const char *const keys[] = { "file", "columns", "filter", NULL };
        config_setting_t *cg = NULL, *fg = NULL;
        if ((rc = cfg_check_keys(s, keys, e)) != SANC_OK || (rc = cfg_get_string(s, "file", 1, &file, e)) != SANC_OK ||
            (rc = cfg_get_group(s, "columns", 0, &cg, e)) < 0 || (rc = cfg_get_group(s, "filter", 0, &fg, e)) < 0)
            return rc;
        columns = cg;
        filter = fg;
    } else {
        return cfg_fail(s, e, "expected a file name or a group { file = ...; columns = {...}; filter = {...}; }");
    }
    if (file[0] == '\0')
        return cfg_fail(s, e, "empty file name");

    size_t n = strlen(file) + (base_dir != NULL ? strlen(base_dir) : 0) + 2;
    src->path = malloc(n);
    if (src->path == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (file[0] == '/' || base_dir == NULL || base_dir[0] == '\0' || strcmp(base_dir, ".") == 0)
        snprintf(src->path, n, "%s", file);
    else
        snprintf(src->path, n, "%s/%s", base_dir, file);

    src->columns = columns;
    int nm = columns != NULL ? config_setting_length(columns) : 0;
    src->map_name = malloc(sizeof *src->map_name * (size_t)(nm > 0 ? nm : 1));
    src->map_header = malloc(sizeof *src->map_header * (size_t)(nm > 0 ? nm : 1));
    if (src->map_name == NULL || src->map_header == NULL) {
        csvtable_source_free(src);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    for (int i = 0; i < nm; i++) {
        const config_setting_t *m = config_setting_get_elem(columns, (unsigned)i);
        if (config_setting_type(m) != CONFIG_TYPE_STRING || config_setting_get_string(m)[0] == '\0') {
            rc = cfg_fail(m, e, "expected the header of the column in the file (a non-empty string)");
            csvtable_source_free(src);
            return rc;
        }
        src->map_name[i] = config_setting_name(m);
        src->map_header[i] = config_setting_get_string(m);
    }
    src->nmap = nm;

    int nf = filter != NULL ? config_setting_length(filter) : 0, nv = 0;
    for (int i = 0; i < nf; i++) {
        const config_setting_t *m = config_setting_get_elem(filter, (unsigned)i);
        int t = config_setting_type(m);
        nv += t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST ? config_setting_length(m) : 1;
    }
    src->filters = calloc((size_t)(nf > 0 ? nf : 1), sizeof *src->filters);
    src->values = calloc((size_t)(nv > 0 ? nv : 1), sizeof *src->values);
    if (src->filters == NULL || src->values == NULL) {
        csvtable_source_free(src);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    int used = 0;
    for (int i = 0; i < nf; i++) {
        const config_setting_t *m = config_setting_get_elem(filter, (unsigned)i);
        int t = config_setting_type(m);
        csvtable_filter *f = &src->filters[i];
        f->header = csvtable_source_header(src, config_setting_name(m));
        f->values = &src->values[used];
        if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
            int len = config_setting_length(m);
            if (len == 0) {
                rc = cfg_fail(m, e, "an empty list keeps no row");
                csvtable_source_free(src);
                return rc;
            }
            for (int k = 0; k < len; k++)
                if ((rc = csvtable_value_parse(config_setting_get_elem(m, (unsigned)k), &src->values[used++], e)) < 0) {
                    csvtable_source_free(src);
                    return rc;
                }
            f->nvalues = len;
        } else {
            if ((rc = csvtable_value_parse(m, &src->values[used++], e)) < 0) {
                csvtable_source_free(src);
                return rc;
            }
            f->nvalues = 1;
        }
    }
    src->nfilters = nf;
    return SANC_OK;
}

int csvtable_source_check_names(const csvtable_source *src, const char *const *names, int n, errbuf *e)
{
    for (int i = 0; i < src->nmap; i++) {
        int found = 0;
        for (int k = 0; k < n && !found; k++)
            found = strcmp(names[k], src->map_name[i]) == 0;
        if (found)
            continue;
        char list[600];
        size_t len = 0;
        list[0] = '\0';
        for (int k = 0; k < n; k++) {
            int dup = 0;
            for (int j = 0; j < k && !dup; j++)
                dup = strcmp(names[j], names[k]) == 0;
            if (dup)
                continue;
            int w = snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", names[k]);
            if (w < 0 || (size_t)w >= sizeof list - len)
                break;
            len += (size_t)w;
        }
        return cfg_fail(config_setting_get_member(src->columns, src->map_name[i]), e,
                        "not a column this block uses (it uses: %s)", list);
    }
    return SANC_OK;
}

int csvtable_source_read(const csvtable_source *src, csvtable *t, csvtable_col *cols, int ncols, errbuf *e)
{
    for (int c = 0; c < ncols; c++)
        if (cols[c].header == NULL)
            cols[c].header = csvtable_source_header(src, cols[c].name);
    return csvtable_read(t, src->path, cols, ncols, src->filters, src->nfilters, e);
}

char *csvtable_source_key(const csvtable_source *src)
{
    size_t n = 1;
    if (src != NULL) {
        n += strlen(src->path) + 1;
        for (int i = 0; i < src->nmap; i++)
            n += strlen(src->map_name[i]) + strlen(src->map_header[i]) + 2;
        for (int k = 0; k < src->nfilters; k++) {
            n += strlen(src->filters[k].header) + 1;
            for (int v = 0; v < src->filters[k].nvalues; v++) {
                const csvtable_value *val = &src->filters[k].values[v];
                n += (val->is_number ? 32 : strlen(val->text)) + 2;
            }
        }
    }
    char *key = malloc(n), *w = key;
    if (key == NULL || src == NULL) {
        if (key != NULL)
            key[0] = '\0';
        return key;
    }
    /* unit separators between the parts; no part of a setting holds one */
    w += sprintf(w, "%s\x1f", src->path);
    for (int i = 0; i < src->nmap; i++)
        w += sprintf(w, "%s=%s\x1f", src->map_name[i], src->map_header[i]);
    for (int k = 0; k < src->nfilters; k++) {
        w += sprintf(w, "%s\x1e", src->filters[k].header);
        for (int v = 0; v < src->filters[k].nvalues; v++) {
            const csvtable_value *val = &src->filters[k].values[v];
            if (val->is_number)
                w += sprintf(w, "#%.17g\x1e", val->number);
            else
                w += sprintf(w, "$%s\x1e", val->text);
        }
    }
    return key;
}
