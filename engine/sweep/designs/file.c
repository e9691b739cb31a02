/*
 * file.c - design = "file": the points are the rows of a CSV file (`file`,
 * relative to the scenario's folder) whose header names the settings
 * (name paths, as `sancsim export` writes them).  The file is read once,
 * whole; its SHA-256 joins the data files' in the provenance and the
 * manifest, so --resume and merge refuse results of another design file.
 */
#include "sweep_design.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfgpath.h"
#include "fsafe.h"
#include "hash.h"
#include "scenario.h"
#include "utf8.h"

typedef struct file_state {
    char *path;     /* the file read */
    char sha256[65]; /* of its bytes */
    int64_t rows;
} file_state;

/* The header: setting paths (name paths), separated by commas outside
 * brackets and quotes; a field may be quoted as in RFC 4180
 * ("sanctions.[name=""X""].enforcement", as `sancsim export` writes it).
 * Each becomes a column parameter. */
static int file__header(sweep_design *d, const scenario *sc, const char *path, int64_t lineno, char *line,
                        errbuf *e)
{
    int rc = SANC_OK;
    for (char *cur = line; rc == SANC_OK && cur != NULL;) {
        char *tok = cur, *w = cur;
        int depth = 0, quoted = 0, csvq = 0;
        while (isspace((unsigned char)*cur))
            cur++;
        if (*cur == '"' && !(cur[1] == '"' && cur[2] != '"')) {
            csvq = 1; /* an RFC 4180 field */
            cur++;
        }
        tok = w = cur;
        for (;; cur++) {
            if (*cur == '\0') {
                cur = NULL;
                break;
            }
            if (csvq) {
                if (*cur == '"' && cur[1] == '"') {
                    *w++ = '"';
                    cur++;
                    continue;
                }
                if (*cur == '"') {
                    csvq = 0;
                    continue;
                }
            } else if (quoted) {
                if (*cur == '\\' && cur[1] != '\0')
                    *w++ = *cur++;
                else if (*cur == '"')
                    quoted = 0;
            } else if (*cur == '"') {
                quoted = 1;
            } else if (*cur == '[') {
                depth++;
            } else if (*cur == ']' && depth > 0) {
                depth--;
            } else if (*cur == ',' && depth == 0) {
                cur++;
                break;
            }
            *w++ = *cur;
        }
        *w = '\0';
        char *end = tok + strlen(tok);
        while (end > tok && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (d->nparams == SWEEP_MAX_PARAMS) {
            rc = err_set(e, SANC_EDATA, "%s:%lld: more than %d parameters", path, (long long)lineno,
                         SWEEP_MAX_PARAMS);
            break;
        }
        sweep_param *p = &d->param[d->nparams++];
        p->kind = SWEEP_P_COLUMN;
        p->line = (int)lineno;
        if ((p->path = strdup(tok)) == NULL) {
            rc = err_set(e, SANC_ENOMEM, "out of memory");
            break;
        }
        cfg_npath np;
        errbuf pe;
        err_init(&pe);
        int prc = cfg_npath_parse(tok, &np, &pe);
        cfg_npath_free(&np);
        if (prc == SANC_ENOMEM)
            rc = err_set(e, SANC_ENOMEM, "out of memory");
        else if (prc != SANC_OK || strpbrk(tok, "\t") != NULL || utf8_check_str(tok) >= 0)
            rc = err_set(e, SANC_EDATA, "%s:%lld: bad setting path '%s' in the header%s%s", path,
                         (long long)lineno, tok, pe.msg[0] ? ": " : "", pe.msg);
        if (rc == SANC_OK)
            rc = sweep_param_target(p, sc, e);
    }
    if (rc == SANC_OK && d->nparams == 0)
        rc = err_set(e, SANC_EDATA, "%s:%lld: empty header", path, (long long)lineno);
    return rc;
}

/* A data row: one finite number per column, appended to d->point. */
static int file__row(sweep_design *d, file_state *st, int64_t *rowcap, int64_t lineno, char *line, errbuf *e)
{
    int rc = SANC_OK;
    int64_t rows = st->rows;
    if (rows == *rowcap) {
        *rowcap = *rowcap ? *rowcap * 2 : 64;
        double *np = realloc(d->point, sizeof *np * (size_t)(*rowcap * d->nparams));
        if (np == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        d->point = np;
    }
    char *s = line;
    for (int j = 0; j < d->nparams && rc == SANC_OK; j++) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (end == s || errno == ERANGE || !isfinite(v) || (*end != ',' && *end != '\0') ||
            (j < d->nparams - 1 && *end != ',') || (j == d->nparams - 1 && *end != '\0'))
            rc = err_set(e, SANC_EDATA, "%s:%lld: column %d (%s): expected %d finite numbers per row", st->path,
                         (long long)lineno, j + 1, d->param[j].path, d->nparams);
        d->point[rows * d->nparams + j] = v;
        s = end + 1;
    }
    st->rows = ++rows;
    if (rc == SANC_OK && rows > SWEEP_MAX_RUNS)
        rc = err_set(e, SANC_ELIMIT, "%s: too many rows", st->path);
    return rc;
}

/* Read the file named by `file` (relative to the scenario's folder) once,
 * whole, with a bound (a FIFO works; /dev/zero is refused), hashing it. */
static int file__read(const scenario *sc, const config_setting_t *b, file_state *st, char **text, size_t *tlen,
                      errbuf *e)
{
    const char *name = NULL;
    int rc = cfg_get_string(b, "file", 1, &name, e);
    if (rc != SANC_OK)
        return rc;
    char path[4096];
    if (name[0] == '/' || sc->cfg.dir == NULL || sc->cfg.dir[0] == '\0')
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/%s", sc->cfg.dir, name);
    if ((rc = fsafe_read_input(path, FSAFE_MAX_CONFIG, SANC_EDATA, text, tlen, e)) != SANC_OK)
        return rc;
    hash_sha256_hex(*text, *tlen, st->sha256);
    if ((st->path = strdup(path)) == NULL) {
        free(*text);
        *text = NULL;
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    return SANC_OK;
}

/* The header line, then one design point per non-empty line. */
static int file_parse(sweep_design *d, const struct scenario *sc, const config_setting_t *b, errbuf *e)
{
    file_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    d->state = st;
    char *text = NULL;
    size_t tlen = 0;
    int rc = file__read(sc, b, st, &text, &tlen, e);
    if (rc != SANC_OK)
        return rc;
    const char *path = st->path;
    char *next = text, *line;
    size_t len;
    int64_t lineno = 0, rowcap = 0;
    while (rc == SANC_OK && next < text + tlen) {
        line = next;
        char *nl = memchr(line, '\n', (size_t)(text + tlen - line));
        len = nl ? (size_t)(nl - line) : (size_t)(text + tlen - line);
        next = nl ? nl + 1 : text + tlen;
        line[len] = '\0';
        lineno++;
        if (strlen(line) != len)
            rc = err_set(e, SANC_EDATA, "%s:%lld: a NUL byte (not a text file)", path, (long long)lineno);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (d->nparams == 0) {
            if (rc == SANC_OK)
                rc = file__header(d, sc, path, lineno, line, e);
        } else {
            if (rc == SANC_OK)
                rc = file__row(d, st, &rowcap, lineno, line, e);
        }
    }
    free(text);
    if (rc == SANC_OK && st->rows == 0)
        rc = err_set(e, SANC_EDATA, "%s: no design rows", path);
    return rc;
}

static int file_npoints(const sweep_design *d, int64_t *n, errbuf *e)
{
    (void)e;
    *n = ((const file_state *)d->state)->rows;
    return SANC_OK;
}

/* the first row */
static int file_probe(const sweep_design *d, int j, int i, double *v)
{
    if (i > 0)
        return 0;
    *v = sweep_param_round(&d->param[j], d->point[j]);
    return 1;
}

static const char *file_input(const sweep_design *d, char sha256[65])
{
    const file_state *st = d->state;
    memcpy(sha256, st->sha256, 65);
    return st->path;
}

static void file_free(sweep_design *d)
{
    file_state *st = d->state;
    if (st != NULL)
        free(st->path);
    free(st);
}

static const char *const file_keys[] = {"file", NULL};

const sweep_design_ops sweep_design_file = {
    .name = "file",
    .keys = file_keys,
    .parse = file_parse,
    .npoints = file_npoints,
    .probe = file_probe,
    .input = file_input,
    .free = file_free,
};
