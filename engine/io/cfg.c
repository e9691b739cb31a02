/*
 * cfg.c - strict, typed access to libconfig scenario files (see cfg.h).
 *
 * Everything the engine reads from a scenario passes through here, so this is
 * where libconfig 1.5's silent behaviours are caught: wrong types, integers
 * that wrap, inf from `1e400`, unknown keys.  The module also owns the
 * `--set PATH=VALUE` override layer (libconfig has none), the writer of the
 * resolved configuration that goes into the output's provenance (its
 * SHA-256 is engine/base/hash.c).
 *
 * Integer literals: libconfig 1.5 stores a plain literal (no L suffix) as a
 * 32-bit int and wraps or saturates it silently when it does not fit
 * (3000000000 reads as -1294967296).  The parsed tree cannot tell, so after a
 * successful parse we scan the source text (and its @include files) for
 * integer literals without the L suffix beyond the 32-bit range and reject
 * them.  Anything the scan cannot see (text produced by other means) is still
 * range-checked by the getters.
 */
#define _DEFAULT_SOURCE /* realpath */
#include "cfg.h"
#include "fsafe.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg_impl.h"
#include "cfgpath.h"
#include "utf8.h"

/* Marks settings whose value came from --set, so that errors about them name
 * the override instead of a file line that no longer holds the value. */
static const char cfg__set_marker[] = "--set";

#define CFG__MAX_INCLUDE_DEPTH 10

/* ------------------------------------------------------------------ */
/* Locating settings in their source                                   */

/* The cfg that owns a setting's tree, via the root's hook (set on load). */
static const cfg *cfg__owner(const config_setting_t *s)
{
    if (s == NULL || s->config == NULL)
        return NULL;
    const config_setting_t *root = config_root_setting(s->config);
    const cfg *c = root != NULL ? config_setting_get_hook(root) : NULL;
    if (c != NULL && &c->lc != s->config)
        return NULL;
    return c;
}

/* Included files are recorded by libconfig as written in the @include line,
 * relative to the include dir; show them relative to the working directory. */
static void cfg__display_file(const cfg *c, const char *file, char *buf, size_t n)
{
    if (cfg_file_entry(c, file) != NULL) { /* interned: already as shown */
        snprintf(buf, n, "%s", file);
        return;
    }
    if (file == NULL)
        file = c != NULL && c->path != NULL ? c->path : "<config>";
    if (c != NULL && c->path != NULL && strcmp(file, c->path) != 0 && file[0] != '/' &&
        c->dir != NULL && strcmp(c->dir, ".") != 0)
        snprintf(buf, n, "%s/%s", c->dir, file);
    else
        snprintf(buf, n, "%s", file);
}

const char *cfg_path(const config_setting_t *s, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    buf[0] = '\0';
    if (s == NULL)
        return buf;
    /* Collect the chain root -> s, then print it forwards. */
    const config_setting_t *chain[64];
    int depth = 0;
    for (const config_setting_t *t = s; t != NULL && t->parent != NULL; t = t->parent) {
        if (depth == (int)(sizeof chain / sizeof chain[0]))
            break;
        chain[depth++] = t;
    }
    size_t len = 0;
    for (int d = depth - 1; d >= 0; d--) {
        const config_setting_t *t = chain[d];
        char part[160];
        if (t->name != NULL)
            snprintf(part, sizeof part, "%s", t->name);
        else
            snprintf(part, sizeof part, "[%d]", config_setting_index(t));
        int w = snprintf(buf + len, n - len, "%s%s", len > 0 ? "." : "", part);
        if (w < 0 || (size_t)w >= n - len) {
            buf[n - 1] = '\0';
            break;
        }
        len += (size_t)w;
    }
    return buf;
}

/* "FILE:LINE: PATH" (or "--set PATH" / "FILE: PATH" without a line). */
static void cfg__where(const config_setting_t *s, const char *key, char *buf, size_t n)
{
    char path[512];
    cfg_path(s, path, sizeof path);
    if (key != NULL) {
        size_t len = strlen(path);
        snprintf(path + len, sizeof path - len, "%s%s", len > 0 ? "." : "", key);
    }
    /* Settings created by --set have no line: use the nearest parsed ancestor. */
    const config_setting_t *t = s;
    while (t != NULL && t->line == 0 && t->file != cfg__set_marker && t->parent != NULL)
        t = t->parent;
    if (t != NULL && t->file == cfg__set_marker) {
        snprintf(buf, n, "--set %s", path);
        return;
    }
    char file[512];
    cfg__display_file(cfg__owner(s), t != NULL ? t->file : NULL, file, sizeof file);
    if (t != NULL && t->line > 0)
        snprintf(buf, n, "%s:%u: %s", file, t->line, path);
    else
        snprintf(buf, n, "%s: %s", file, path);
}

static int cfg__vfail(const config_setting_t *s, const char *key, errbuf *e, const char *fmt,
                      va_list ap)
{
    char where[1100], what[700];
    cfg__where(s, key, where, sizeof where);
    vsnprintf(what, sizeof what, fmt, ap);
    return err_set(e, SANC_ECONFIG, "%s: %s", where, what);
}

int cfg_fail(const config_setting_t *s, errbuf *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = cfg__vfail(s, NULL, e, fmt, ap);
    va_end(ap);
    return rc;
}

int cfg_fail_key(const config_setting_t *g, const char *key, errbuf *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = cfg__vfail(g, key, e, fmt, ap);
    va_end(ap);
    return rc;
}

static const char *cfg__type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a float";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_GROUP: return "a group";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    default: return "nothing";
    }
}

/* The type name without its article ("an integer" -> "integer"). */
static const char *cfg__noun(int type)
{
    const char *s = cfg__type_name(type);
    return strchr(s, ' ') + 1;
}

/* ------------------------------------------------------------------ */
/* Scan of the source text for integer literals that libconfig wraps   */

static int cfg__read_text(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -errno;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        return -ENOMEM;
    }
    for (;;) {
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        errno = 0;
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f) ? (errno != 0 ? errno : EIO) : 0; /* e.g. EISDIR */
    fclose(f);
    if (bad) {
        free(buf);
        return -bad;
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

static int cfg__is_name_char(int ch)
{
    return isalnum(ch) || ch == '_' || ch == '-' || ch == '*';
}

/* Scan text (named `name` in messages) for unsuffixed integer literals out of
 * the 32-bit range; follow @include lines through `dir`.  The text already
 * parsed, so the scanner only needs to tell strings, comments, names and
 * numbers apart. */
static int cfg__scan_ints(const char *text, const char *shown_name, const char *dir, int depth,
                          errbuf *e)
{
    unsigned line = 1;
    int at_line_start = 1;
    const char *p = text;
    while (*p != '\0') {
        unsigned char ch = (unsigned char)*p;
        if (ch == '\n') {
            line++;
            at_line_start = 1;
            p++;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') {
            p++;
            continue;
        }
        int line_start = at_line_start;
        at_line_start = 0;
        if (ch == '#' || (ch == '/' && p[1] == '/')) {
            while (*p != '\0' && *p != '\n')
                p++;
            continue;
        }
        if (ch == '/' && p[1] == '*') {
            p += 2;
            while (*p != '\0' && !(p[0] == '*' && p[1] == '/')) {
                if (*p == '\n')
                    line++;
                p++;
            }
            if (*p != '\0')
                p += 2;
            continue;
        }
        if (ch == '"') {
            p++;
            while (*p != '\0' && *p != '"') {
                if (*p == '\\' && p[1] != '\0')
                    p++;
                if (*p == '\n')
                    line++;
                p++;
            }
            if (*p != '\0')
                p++;
            continue;
        }
        if (ch == '@' && line_start && strncmp(p, "@include", 8) == 0) {
            const char *q = p + 8;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '"') {
                const char *start = ++q;
                while (*q != '\0' && *q != '"' && *q != '\n')
                    q++;
                if (depth >= CFG__MAX_INCLUDE_DEPTH)
                    return err_set(e, SANC_ECONFIG, "%s:%u: @include nested too deeply",
                                   shown_name, line);
                size_t flen = (size_t)(q - start);
                char inc[1024], full[2048], shown[2048];
                if (flen >= sizeof inc)
                    return err_set(e, SANC_ECONFIG, "%s:%u: @include path too long",
                                   shown_name, line);
                memcpy(inc, start, flen);
                inc[flen] = '\0';
                /* Same resolution as libconfig 1.5: include dir + "/" + name. */
                if (dir != NULL)
                    snprintf(full, sizeof full, "%s/%s", dir, inc);
                else
                    snprintf(full, sizeof full, "%s", inc);
                if (dir != NULL && strcmp(dir, ".") != 0 && inc[0] != '/')
                    snprintf(shown, sizeof shown, "%s/%s", dir, inc);
                else
                    snprintf(shown, sizeof shown, "%s", inc);
                char *sub = NULL;
                int rc = cfg__read_text(full, &sub);
                if (rc == -ENOMEM)
                    return err_set(e, SANC_ENOMEM, "%s: out of memory", shown);
                if (rc < 0) /* libconfig read it a moment ago; nothing to scan */
                    continue;
                rc = cfg__scan_ints(sub, shown, dir, depth + 1, e);
                free(sub);
                if (rc < 0)
                    return rc;
                p = q;
            } else {
                p = q;
            }
            continue;
        }
        if (isalpha(ch) || ch == '_' || ch == '*') {
            while (cfg__is_name_char((unsigned char)*p))
                p++;
            continue;
        }
        if (isdigit(ch) || ((ch == '-' || ch == '+' || ch == '.') &&
                            (isdigit((unsigned char)p[1]) || p[1] == '.'))) {
            const char *start = p;
            int neg = 0;
            if (*p == '-' || *p == '+') {
                neg = *p == '-';
                p++;
            }
            const char *digits = p;
            int hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
            int is_float = 0;
            if (hex)
                p += 2;
            while (*p != '\0') {
                unsigned char d = (unsigned char)*p;
                if (hex ? isxdigit(d) : isdigit(d)) {
                    p++;
                } else if (!hex && (d == '.' || d == 'e' || d == 'E')) {
                    is_float = 1;
                    p++;
                    if ((d == 'e' || d == 'E') && (*p == '+' || *p == '-'))
                        p++;
                } else {
                    break;
                }
            }
            int suffix_l = *p == 'L';
            if (suffix_l)
                p++;
            if (is_float || suffix_l)
                continue;
            /* libconfig parses decimal with a saturating/wrapping 32-bit
             * conversion and hex with strtoul cast to int: both lose values
             * beyond INT_MAX (or below INT_MIN). */
            const char *q = hex ? digits + 2 : digits;
            while (*q == '0' && q + 1 < p)
                q++;
            size_t nd = (size_t)(p - q);
            int too_big = 0;
            if (nd > 10) {
                too_big = 1;
            } else {
                unsigned long long v = strtoull(q, NULL, hex ? 16 : 10);
                unsigned long long lim = neg && !hex ? (unsigned long long)INT_MAX + 1
                                                     : (unsigned long long)INT_MAX;
                too_big = v > lim;
            }
            if (too_big) {
                int len = (int)(p - start);
                return err_set(e, SANC_ECONFIG,
                               "%s:%u: integer literal %.*s does not fit in 32 bits "
                               "(libconfig would wrap it; write %.*sL for a 64-bit integer)",
                               shown_name, line, len, start, len, start);
            }
            continue;
        }
        p++;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

static char *cfg__dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

static void cfg__reset(cfg *c)
{
    if (c->loaded)
        config_destroy(&c->lc);
    free(c->path);
    free(c->dir);
    for (int i = 0; i < c->nfiles; i++) {
        free(c->files[i].name);
        free(c->files[i].prefix);
    }
    free(c->files);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------ */
/* Source files of settings                                            */

const cfg_file *cfg_file_entry(const cfg *c, const char *file)
{
    if (c == NULL || file == NULL)
        return NULL;
    for (int i = 0; i < c->nfiles; i++)
        if (c->files[i].name == file)
            return &c->files[i];
    return NULL;
}

/* "x/y/../z" -> "x/z" (for messages only: the file is opened as given). */
static void cfg__tidy_name(char *s)
{
    for (;;) {
        char *p = strstr(s, "/../");
        if (p == NULL)
            return;
        char *q = p;
        while (q > s && q[-1] != '/')
            q--;
        size_t seg = (size_t)(p - q);
        if (seg == 0 || (seg == 2 && q[0] == '.' && q[1] == '.') || (seg == 1 && q[0] == '.'))
            return;
        memmove(q, p + 4, strlen(p + 4) + 1);
    }
}

const char *cfg_intern_file(cfg *c, const char *name, const char *prefix)
{
    if (prefix == NULL)
        prefix = "";
    for (int i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i].name, name) == 0 && strcmp(c->files[i].prefix, prefix) == 0)
            return c->files[i].name;
    cfg_file *nf = realloc(c->files, sizeof *nf * (size_t)(c->nfiles + 1));
    if (nf == NULL)
        return NULL;
    c->files = nf;
    char *n = strdup(name), *p = strdup(prefix);
    if (n == NULL || p == NULL) {
        free(n);
        free(p);
        return NULL;
    }
    c->files[c->nfiles].name = n;
    c->files[c->nfiles].prefix = p;
    c->nfiles++;
    return n;
}

/* Point every setting's file at the cfg's own copy of its shown name. */
static int cfg__intern_tree(cfg *c, config_setting_t *s)
{
    /* parsed from memory, the main file's settings have no file name:
     * they are the scenario file's (c->path) */
    if (s->file != cfg__set_marker && (s->file == NULL || cfg_file_entry(c, s->file) == NULL)) {
        char shown[2048];
        cfg__display_file(c, s->file, shown, sizeof shown);
        cfg__tidy_name(shown);
        const char *f = cfg_intern_file(c, shown, "");
        if (f == NULL)
            return -1;
        s->file = f;
    }
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_GROUP || t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY) {
        int n = config_setting_length(s);
        for (int i = 0; i < n; i++)
            if (cfg__intern_tree(c, config_setting_get_elem(s, (unsigned)i)) < 0)
                return -1;
    }
    return 0;
}

static int cfg__parse_error(cfg *c, errbuf *e)
{
    char file[1024];
    cfg__display_file(c, config_error_file(&c->lc), file, sizeof file);
    const char *text = config_error_text(&c->lc) != NULL ? config_error_text(&c->lc) : "error";
    if (config_error_type(&c->lc) == CONFIG_ERR_FILE_IO)
        return err_set(e, SANC_ECONFIG, "%s: cannot read: %s", file, text);
    return err_set(e, SANC_ECONFIG, "%s:%d: syntax error: %s", file, config_error_line(&c->lc),
                   text);
}

/* libconfig 1.5's scanner calls exit() when an @include names something it
 * cannot read as a file (a folder, e.g. `@include ""`): refuse such
 * includes before libconfig sees them, following nested includes.  Lines
 * are matched as libconfig's scanner does (an @include at a line start). */
/* The files being included, outermost first (realpath when it resolves),
 * to report an include cycle as one instead of libconfig's "duplicate
 * setting name" once it has nested ten times. */
typedef struct cfg__chain {
    char path[CFG__MAX_INCLUDE_DEPTH + 2][4096];
    int n;
} cfg__chain;

static void cfg__chain_key(const char *path, char *buf, size_t n)
{
    char *r = realpath(path, NULL);
    snprintf(buf, n, "%s", r != NULL ? r : path);
    free(r);
}

static int cfg__check_includes_in(const char *text, const char *shown_name, const char *dir, int depth,
                                  cfg__chain *chain, errbuf *e);

static int cfg__check_includes(const char *text, const char *shown_name, const char *dir, int depth,
                               errbuf *e)
{
    cfg__chain *chain = calloc(1, sizeof *chain);
    if (chain == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    cfg__chain_key(shown_name, chain->path[0], sizeof chain->path[0]);
    chain->n = 1;
    int rc = cfg__check_includes_in(text, shown_name, dir, depth, chain, e);
    free(chain);
    return rc;
}

static int cfg__check_includes_in(const char *text, const char *shown_name, const char *dir, int depth,
                                  cfg__chain *chain, errbuf *e)
{
    unsigned line = 1;
    for (const char *p = text; *p != '\0'; line++) {
        const char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncmp(q, "@include", 8) == 0) {
            q += 8;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '"') {
                const char *start = ++q;
                while (*q != '\0' && *q != '"' && *q != '\n')
                    q++;
                size_t flen = (size_t)(q - start);
                char full[2048];
                if (flen >= 1024)
                    return err_set(e, SANC_ECONFIG, "%s:%u: @include path too long", shown_name, line);
                snprintf(full, sizeof full, "%s%s%.*s", dir != NULL ? dir : "", dir != NULL ? "/" : "",
                         (int)flen, start);
                struct stat st;
                if (stat(full, &st) == 0 && !S_ISREG(st.st_mode))
                    return err_set(e, SANC_ECONFIG, "%s:%u: @include \"%.*s\": not a regular file",
                                   shown_name, line, (int)flen, start);
                char key[4096];
                cfg__chain_key(full, key, sizeof key);
                for (int k = 0; k < chain->n; k++)
                    if (strcmp(chain->path[k], key) == 0)
                        return err_set(e, SANC_ECONFIG, "%s:%u: @include \"%.*s\": an include cycle (the file "
                                       "includes itself, directly or through other files)", shown_name, line,
                                       (int)flen, start);
                char *sub = NULL;
                if (depth < CFG__MAX_INCLUDE_DEPTH && chain->n < CFG__MAX_INCLUDE_DEPTH + 2 && stat(full, &st) == 0 &&
                    cfg__read_text(full, &sub) == 0) {
                    snprintf(chain->path[chain->n], sizeof chain->path[0], "%s", key);
                    chain->n++;
                    int rc = cfg__check_includes_in(sub, full, dir, depth + 1, chain, e);
                    chain->n--;
                    free(sub);
                    if (rc < 0)
                        return rc;
                }
            }
        }
        while (*p != '\0' && *p != '\n')
            p++;
        if (*p == '\n')
            p++;
    }
    return SANC_OK;
}

/* Shared tail of cfg_load and cfg_load_string: c->path and c->dir are set. */
static int cfg__parse(cfg *c, const char *text, int from_file, errbuf *e)
{
    config_init(&c->lc);
    c->loaded = 1;
    config_set_include_dir(&c->lc, c->dir);
    int irc = cfg__check_includes(text, c->path, c->dir, 0, e);
    if (irc < 0) {
        cfg__reset(c);
        return irc;
    }
    int ok = from_file ? config_read_file(&c->lc, c->path) : config_read_string(&c->lc, text);
    if (!ok) {
        int rc = cfg__parse_error(c, e);
        cfg__reset(c);
        return rc;
    }
    config_setting_set_hook(config_root_setting(&c->lc), c);
    int rc = cfg__scan_ints(text, c->path, c->dir, 0, e);
    if (rc == SANC_OK && cfg__intern_tree(c, config_root_setting(&c->lc)) < 0)
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory", c->path);
    if (rc < 0) {
        cfg__reset(c);
        return rc;
    }
    return SANC_OK;
}

int cfg_load(cfg *c, const char *path, errbuf *e)
{
    int rc = cfg_load_file(c, path, e);
    if (rc == SANC_OK && (rc = cfg_inherit(c, NULL, e)) != SANC_OK)
        cfg__reset(c);
    return rc;
}

int cfg_load_file(cfg *c, const char *path, errbuf *e)
{
    memset(c, 0, sizeof *c);
    /* read once, whole, with a bound, and parse from memory: a FIFO,
     * `<(...)` or /dev/stdin works (libconfig would read the file a second
     * time), a device such as /dev/zero or a folder is refused */
    char *text = NULL;
    size_t len = 0;
    int rc = fsafe_read_input(path, FSAFE_MAX_CONFIG, SANC_ECONFIG, &text, &len, e);
    if (rc != SANC_OK)
        return rc;
    if (strlen(text) != len) {
        free(text);
        return err_set(e, SANC_ECONFIG, "%s: contains a NUL byte (not a scenario file)", path);
    }
    c->path = strdup(path);
    c->dir = cfg__dirname(path);
    if (c->path == NULL || c->dir == NULL) {
        free(text);
        cfg__reset(c);
        return err_set(e, SANC_ENOMEM, "%s: out of memory", path);
    }
    rc = cfg__parse(c, text, 0, e);
    free(text);
    return rc;
}

int cfg_load_string(cfg *c, const char *text, const char *name, const char *dir, errbuf *e)
{
    memset(c, 0, sizeof *c);
    c->path = strdup(name != NULL ? name : "<string>");
    c->dir = strdup(dir != NULL ? dir : ".");
    if (c->path == NULL || c->dir == NULL) {
        cfg__reset(c);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    int rc = cfg__parse(c, text, 0, e);
    if (rc == SANC_OK && (rc = cfg_inherit(c, NULL, e)) != SANC_OK)
        cfg__reset(c);
    return rc;
}

/* Join folder a and relative path b ("" and "." are empty; an absolute b
 * stands alone).  malloc'ed, NULL on ENOMEM. */
char *cfg_join_prefix(const char *a, const char *b)
{
    if (b[0] == '/' || a[0] == '\0' || strcmp(a, ".") == 0)
        return strdup(b);
    if (b[0] == '\0' || strcmp(b, ".") == 0)
        return strdup(a);
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* The file name in `to` for a setting of `from` whose file is f: the same
 * shown name, its prefix joined under `add`. */
const char *cfg_remap_file(const cfg *from, cfg *to, const char *add, const char *f)
{
    const cfg_file *fe = cfg_file_entry(from, f);
    if (fe == NULL || to == NULL)
        return f; /* NULL, the --set marker */
    if (add == NULL || add[0] == '\0')
        return cfg_intern_file(to, fe->name, fe->prefix);
    char *p = cfg_join_prefix(add, fe->prefix);
    if (p == NULL)
        return NULL;
    const char *r = cfg_intern_file(to, fe->name, p);
    free(p);
    return r;
}

/* Copy one setting's value (not its name) into d of the same type. */
static int cfg__copy_value(config_setting_t *d, const config_setting_t *s, const cfg *from, cfg *to, const char *add)
{
    int ok = 1;
    switch (s->type) {
    case CONFIG_TYPE_INT: ok = config_setting_set_int(d, config_setting_get_int(s)); break;
    case CONFIG_TYPE_INT64: ok = config_setting_set_int64(d, config_setting_get_int64(s)); break;
    case CONFIG_TYPE_FLOAT: ok = config_setting_set_float(d, config_setting_get_float(s)); break;
    case CONFIG_TYPE_BOOL: ok = config_setting_set_bool(d, config_setting_get_bool(s)); break;
    case CONFIG_TYPE_STRING: ok = config_setting_set_string(d, config_setting_get_string(s)); break;
    default: ok = cfg_copy_children(d, s, from, to, add) == 0; break;
    }
    if (!ok)
        return -1;
    d->format = s->format;
    d->line = s->line;
    d->file = cfg_remap_file(from, to, add, s->file);
    return s->file != NULL && d->file == NULL ? -1 : 0;
}

/* Deep copy of a setting's children into dst (a group, list or array).
 * Source lines are carried over and file names re-pointed at `to`'s own
 * copies (with `add` above their prefix), so messages about the copy still
 * point into the scenario file and the copy does not depend on `from`. */
int cfg_copy_children(config_setting_t *dst, const config_setting_t *src, const cfg *from, cfg *to, const char *add)
{
    int n = config_setting_length(src);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(src, (unsigned)i);
        config_setting_t *d = config_setting_add(dst, config_setting_is_group(src) ? s->name : NULL, s->type);
        if (d == NULL || cfg__copy_value(d, s, from, to, add) < 0)
            return -1;
    }
    return 0;
}

int cfg_copy_setting(config_setting_t *parent, const config_setting_t *s, const cfg *from, cfg *to, const char *add,
                     config_setting_t **out)
{
    config_setting_t *d = config_setting_add(parent, config_setting_is_group(parent) ? s->name : NULL, s->type);
    if (out != NULL)
        *out = d;
    if (d == NULL)
        return -1;
    return cfg__copy_value(d, s, from, to, add);
}

int cfg_copy(cfg *dst, const cfg *src, errbuf *e)
{
    memset(dst, 0, sizeof *dst);
    dst->path = strdup(src->path);
    dst->dir = strdup(src->dir);
    if (dst->path == NULL || dst->dir == NULL) {
        cfg__reset(dst);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    config_init(&dst->lc);
    dst->loaded = 1;
    config_set_include_dir(&dst->lc, dst->dir);
    if (cfg_copy_children(config_root_setting(&dst->lc), config_root_setting(&src->lc), src, dst, NULL) != 0) {
        cfg__reset(dst);
        return err_set(e, SANC_ENOMEM, "%s: out of memory copying the configuration", src->path);
    }
    config_setting_set_hook(config_root_setting(&dst->lc), dst);
    return SANC_OK;
}

void cfg_destroy(cfg *c)
{
    if (c != NULL)
        cfg__reset(c);
}

/* ------------------------------------------------------------------ */
/* Checks and typed getters                                            */

int cfg_check_keys(const config_setting_t *g, const char *const *allowed, errbuf *e)
{
    if (g == NULL)
        return SANC_OK;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return cfg_fail(g, e, "expected a group, got %s", cfg__type_name(config_setting_type(g)));
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        int found = 0;
        for (const char *const *a = allowed; *a != NULL; a++)
            if (strcmp(*a, name) == 0) {
                found = 1;
                break;
            }
        if (found)
            continue;
        char list[600];
        size_t len = 0;
        list[0] = '\0';
        for (const char *const *a = allowed; *a != NULL; a++) {
            int w = snprintf(list + len, sizeof list - len, "%s%s", a == allowed ? "" : ", ", *a);
            if (w < 0 || (size_t)w >= sizeof list - len)
                break;
            len += (size_t)w;
        }
        if (allowed[0] == NULL)
            return cfg_fail(m, e, "unknown setting '%s' (no settings allowed here)", name);
        return cfg_fail(m, e, "unknown setting '%s' (expected one of: %s)", name, list);
    }
    return SANC_OK;
}

/* Common head of the getters: find the member, apply `required`. */
static int cfg__member(const config_setting_t *g, const char *key, int required,
                       config_setting_t **s, errbuf *e)
{
    *s = NULL;
    if (g == NULL) {
        if (required)
            return err_set(e, SANC_ECONFIG, "%s: missing required setting", key);
        return CFG_ABSENT;
    }
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return cfg_fail(g, e, "expected a group, got %s", cfg__type_name(config_setting_type(g)));
    *s = config_setting_get_member(g, key);
    if (*s == NULL) {
        if (required)
            return cfg_fail_key(g, key, e, "missing required setting");
        return CFG_ABSENT;
    }
    return SANC_OK;
}

int cfg_get_int(const config_setting_t *g, const char *key, int required, int64_t lo, int64_t hi,
                int64_t *out, errbuf *e)
{
    config_setting_t *s;
    int rc = cfg__member(g, key, required, &s, e);
    if (rc != SANC_OK)
        return rc;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return cfg_fail(s, e, "expected an integer, got %s", cfg__type_name(t));
    long long v = config_setting_get_int64(s);
    if (v < lo || v > hi)
        return cfg_fail(s, e, "must be between %lld and %lld (got %lld)", (long long)lo,
                        (long long)hi, v);
    *out = (int64_t)v;
    return SANC_OK;
}

int cfg_elem_double(const config_setting_t *elem, double *out, errbuf *e)
{
    int t = config_setting_type(elem);
    double v;
    if (t == CONFIG_TYPE_FLOAT)
        v = config_setting_get_float(elem);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        v = (double)config_setting_get_int64(elem);
    else
        return cfg_fail(elem, e, "expected a float, got %s", cfg__type_name(t));
    if (!isfinite(v))
        return cfg_fail(elem, e, "must be finite (got %g)", v);
    *out = v;
    return SANC_OK;
}

int cfg_get_double(const config_setting_t *g, const char *key, int required, double *out,
                   errbuf *e)
{
    config_setting_t *s;
    int rc = cfg__member(g, key, required, &s, e);
    if (rc != SANC_OK)
        return rc;
    return cfg_elem_double(s, out, e);
}

int cfg_get_bool(const config_setting_t *g, const char *key, int required, int *out, errbuf *e)
{
    config_setting_t *s;
    int rc = cfg__member(g, key, required, &s, e);
    if (rc != SANC_OK)
        return rc;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_BOOL)
        return cfg_fail(s, e, "expected a boolean (true or false), got %s", cfg__type_name(t));
    *out = config_setting_get_bool(s) ? 1 : 0;
    return SANC_OK;
}

int cfg_get_string(const config_setting_t *g, const char *key, int required, const char **out,
                   errbuf *e)
{
    config_setting_t *s;
    int rc = cfg__member(g, key, required, &s, e);
    if (rc != SANC_OK)
        return rc;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_STRING)
        return cfg_fail(s, e, "expected a string, got %s", cfg__type_name(t));
    *out = config_setting_get_string(s);
    return SANC_OK;
}

int cfg_get_group(const config_setting_t *g, const char *key, int required,
                  config_setting_t **out, errbuf *e)
{
    config_setting_t *s;
    *out = NULL;
    int rc = cfg__member(g, key, required, &s, e);
    if (rc != SANC_OK)
        return rc;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_GROUP)
        return cfg_fail(s, e, "expected a group { ... }, got %s", cfg__type_name(t));
    *out = s;
    return SANC_OK;
}

int cfg_get_list(const config_setting_t *g, const char *key, int required,
                 config_setting_t **out, errbuf *e)
{
    config_setting_t *s;
    *out = NULL;
    int rc = cfg__member(g, key, required, &s, e);
    if (rc != SANC_OK)
        return rc;
    int t = config_setting_type(s);
    /* `[]` is the natural way to write "none" too. */
    if (t == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0) {
        *out = s;
        return SANC_OK;
    }
    if (t != CONFIG_TYPE_LIST)
        return cfg_fail(s, e, "expected a list ( {...}, ... ), got %s", cfg__type_name(t));
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(el) != CONFIG_TYPE_GROUP)
            return cfg_fail(el, e, "expected a group { ... }, got %s",
                            cfg__type_name(config_setting_type(el)));
    }
    *out = s;
    return SANC_OK;
}

int cfg_get_strings(const config_setting_t *g, const char *key, int required, const char ***out,
                    int *n, config_setting_t **where, errbuf *e)
{
    config_setting_t *s;
    *out = NULL;
    *n = 0;
    if (where != NULL)
        *where = NULL;
    int rc = cfg__member(g, key, required, &s, e);
    if (rc != SANC_OK)
        return rc;
    int t = config_setting_type(s);
    int len;
    if (t == CONFIG_TYPE_STRING)
        len = 1;
    else if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST)
        len = config_setting_length(s);
    else
        return cfg_fail(s, e, "expected a string or an array of strings, got %s",
                        cfg__type_name(t));
    if (t != CONFIG_TYPE_STRING)
        for (int i = 0; i < len; i++) {
            const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
            if (config_setting_type(el) != CONFIG_TYPE_STRING)
                return cfg_fail(el, e, "expected a string, got %s",
                                cfg__type_name(config_setting_type(el)));
        }
    const char **v = malloc(sizeof *v * (size_t)(len > 0 ? len : 1));
    if (v == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (t == CONFIG_TYPE_STRING)
        v[0] = config_setting_get_string(s);
    else
        for (int i = 0; i < len; i++)
            v[i] = config_setting_get_string_elem(s, i);
    *out = v;
    *n = len;
    if (where != NULL)
        *where = s;
    return SANC_OK;
}

/* Every string in the tree must be valid UTF-8: names of groups, sanctions,
 * hubs, systems, events and sectors become labels in the output files. */
static int cfg__check_utf8(const config_setting_t *s, errbuf *e)
{
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_STRING) {
        const char *v = config_setting_get_string(s);
        long off = utf8_check_str(v);
        if (off >= 0) {
            char what[64];
            return cfg_fail(s, e, "not valid UTF-8 (%s); save the file as UTF-8 (ASCII recommended)",
                            utf8_describe(v, off, what, sizeof what));
        }
        return SANC_OK;
    }
    if (t == CONFIG_TYPE_GROUP || t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
        int n = config_setting_length(s);
        for (int i = 0; i < n; i++) {
            int rc = cfg__check_utf8(config_setting_get_elem(s, (unsigned)i), e);
            if (rc != SANC_OK)
                return rc;
        }
    }
    return SANC_OK;
}

int cfg_check_utf8(const cfg *c, errbuf *e)
{
    return cfg__check_utf8(config_root_setting(&c->lc), e);
}

/* ------------------------------------------------------------------ */
/* --set overrides                                                     */

static int cfg__is_scalar(int t)
{
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT ||
           t == CONFIG_TYPE_STRING || t == CONFIG_TYPE_BOOL;
}

static void cfg__clear(config_setting_t *s)
{
    while (config_setting_length(s) > 0)
        config_setting_remove_elem(s, 0);
}

/* Copy src's value into dst, which already has src's type (aggregates: dst
 * is empty).  Returns 0 or -1 (allocation failure inside libconfig). */
static int cfg__copy(config_setting_t *dst, const config_setting_t *src)
{
    switch (config_setting_type(src)) {
    case CONFIG_TYPE_INT: return config_setting_set_int(dst, config_setting_get_int(src)) ? 0 : -1;
    case CONFIG_TYPE_INT64:
        return config_setting_set_int64(dst, config_setting_get_int64(src)) ? 0 : -1;
    case CONFIG_TYPE_FLOAT:
        return config_setting_set_float(dst, config_setting_get_float(src)) ? 0 : -1;
    case CONFIG_TYPE_BOOL:
        return config_setting_set_bool(dst, config_setting_get_bool(src)) ? 0 : -1;
    case CONFIG_TYPE_STRING:
        return config_setting_set_string(dst, config_setting_get_string(src)) ? 0 : -1;
    default: break;
    }
    int n = config_setting_length(src);
    for (int i = 0; i < n; i++) {
        const config_setting_t *el = config_setting_get_elem(src, (unsigned)i);
        config_setting_t *d = config_setting_add(dst, config_setting_name(el),
                                                 config_setting_type(el));
        if (d == NULL || cfg__copy(d, el) < 0)
            return -1;
    }
    return 0;
}

/* Mark s and everything below it as coming from --set. */
static void cfg__mark(config_setting_t *s)
{
    s->file = cfg__set_marker;
    s->line = 0;
    if (!cfg__is_scalar(config_setting_type(s))) {
        int n = config_setting_length(s);
        for (int i = 0; i < n; i++)
            cfg__mark(config_setting_get_elem(s, (unsigned)i));
    }
}

static void cfg__mark_origin(config_setting_t *s, const config_setting_t *origin);

static void cfg__mark_at(config_setting_t *s, const config_setting_t *origin)
{
    if (origin == NULL)
        cfg__mark(s);
    else
        cfg__mark_origin(s, origin);
}

/* Can a parsed value of type `vt` replace one of type `tt`? */
static int cfg__compatible(int tt, int vt)
{
    switch (tt) {
    case CONFIG_TYPE_FLOAT: return vt == CONFIG_TYPE_FLOAT || vt == CONFIG_TYPE_INT || vt == CONFIG_TYPE_INT64;
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return vt == CONFIG_TYPE_INT || vt == CONFIG_TYPE_INT64;
    case CONFIG_TYPE_ARRAY:
    case CONFIG_TYPE_LIST: return vt == CONFIG_TYPE_ARRAY || vt == CONFIG_TYPE_LIST;
    default: return tt == vt;
    }
}

/* Scalar assignment of v to the existing scalar t (types are compatible). */
static int cfg__assign_scalar(config_setting_t *t, const config_setting_t *v, const char *what,
                              errbuf *e)
{
    int tt = config_setting_type(t), vt = config_setting_type(v);
    int ok = 0;
    if (tt == CONFIG_TYPE_FLOAT) {
        double x = vt == CONFIG_TYPE_FLOAT ? config_setting_get_float(v)
                                           : (double)config_setting_get_int64(v);
        if (!isfinite(x))
            return err_set(e, SANC_ECONFIG, "%s: non-finite value (got %g)", what, x);
        ok = config_setting_set_float(t, x);
    } else if (tt == CONFIG_TYPE_INT) {
        long long x = config_setting_get_int64(v);
        if (x < INT_MIN || x > INT_MAX)
            return err_set(e, SANC_ECONFIG,
                           "%s: value %lld out of range for a 32-bit integer setting",
                           what, x);
        ok = config_setting_set_int(t, (int)x);
    } else if (tt == CONFIG_TYPE_INT64) {
        ok = config_setting_set_int64(t, config_setting_get_int64(v));
    } else {
        return cfg__copy(t, v) < 0 ? err_set(e, SANC_ENOMEM, "%s: out of memory", what)
                                   : SANC_OK;
    }
    return ok ? SANC_OK : err_set(e, SANC_ENOMEM, "%s: out of memory", what);
}

/* 1 if `name = 0;` parses back to a setting of that name.  libconfig's
 * config_setting_add checks characters only, so it takes `true` or `FALSE`,
 * which the scanner reads as booleans: a key created under such a name would
 * leave a resolved config that does not reload. */
static int cfg__name_reads_back(const char *name)
{
    size_t n = strlen(name) + 8;
    char *text = malloc(n);
    if (text == NULL)
        return 0;
    snprintf(text, n, "%s = 0;", name);
    config_t t;
    config_init(&t);
    int ok = config_read_string(&t, text) == CONFIG_TRUE &&
             config_setting_length(config_root_setting(&t)) == 1 &&
             config_setting_get_member(config_root_setting(&t), name) != NULL;
    config_destroy(&t);
    free(text);
    return ok;
}

int cfg_apply_set(cfg *c, const char *assignment, errbuf *e)
{
    return cfg_apply_set_at(c, assignment, NULL, e);
}

/* Mark s and everything below it as coming from the `set` entry origin. */
static void cfg__mark_origin(config_setting_t *s, const config_setting_t *origin)
{
    s->file = origin->file;
    s->line = origin->line;
    if (!cfg__is_scalar(config_setting_type(s))) {
        int n = config_setting_length(s);
        for (int i = 0; i < n; i++)
            cfg__mark_origin(config_setting_get_elem(s, (unsigned)i), origin);
    }
}

int cfg_apply_set_at(cfg *c, const char *assignment, const config_setting_t *origin, errbuf *e)
{
    /* who is speaking, in every message: "--set PATH=VALUE" or
     * "FILE:LINE: set PATH=VALUE" */
    char what[1400];
    if (origin == NULL) {
        snprintf(what, sizeof what, "--set %s", assignment);
    } else {
        char where[1100];
        cfg__where(origin, NULL, where, sizeof where);
        /* cfg__where ends with the setting's own path ("set.[2]"): keep FILE:LINE */
        char *colon = strstr(where, ": ");
        if (colon != NULL)
            *colon = '\0';
        snprintf(what, sizeof what, "%s: set %s", where, assignment);
    }
    const char *eq = cfg_assignment_eq(assignment);
    if (eq == NULL)
        return err_set(e, SANC_ECONFIG, "%s: expected PATH=VALUE", what);
    /* Trim the path; the value is kept verbatim for the string fallback. */
    const char *ps = assignment, *pe = eq;
    while (ps < pe && isspace((unsigned char)*ps))
        ps++;
    while (pe > ps && isspace((unsigned char)pe[-1]))
        pe--;
    if (ps == pe)
        return err_set(e, SANC_ECONFIG, "%s: empty setting path", what);
    size_t plen = (size_t)(pe - ps);
    const char *value = eq + 1;
    size_t vlen = strlen(value);

    char *path = malloc(plen + 1);
    char *text = malloc(vlen + 16);
    if (path == NULL || text == NULL) {
        free(path);
        free(text);
        return err_set(e, SANC_ENOMEM, "%s: out of memory", what);
    }
    memcpy(path, ps, plen);
    path[plen] = '\0';

    /* Let libconfig parse the value; a newline could smuggle in an @include
     * or more settings, so such a value is never parsed. */
    config_t scratch;
    config_init(&scratch);
    int parsed = 0;
    config_setting_t *v = NULL;
    errbuf scan;
    err_init(&scan);
    if (strpbrk(value, "\n\r") == NULL) {
        snprintf(text, vlen + 16, "v = %s;", value);
        if (config_read_string(&scratch, text)) {
            config_setting_t *root = config_root_setting(&scratch);
            v = config_setting_get_member(root, "v");
            parsed = v != NULL && config_setting_length(root) == 1;
            if (parsed && cfg__scan_ints(text, "--set", NULL, CFG__MAX_INCLUDE_DEPTH, &scan) < 0)
                parsed = -1; /* an integer literal libconfig wrapped */
        }
    }

    int rc = SANC_OK;
    config_setting_t *target = NULL, *parent = NULL;
    const char *key = NULL;
    cfg_npath np;
    errbuf pe_;
    err_init(&pe_);
    if ((rc = cfg_npath_parse(path, &np, &pe_)) != SANC_OK) {
        rc = err_set(e, pe_.code, "%s: %s", what, pe_.msg);
        goto done_path;
    }
    /* the parent must exist; the final key may be created in a group */
    if (cfg_npath_find(config_root_setting(&c->lc), &np, np.n - 1, &parent, &pe_) != SANC_OK) {
        rc = err_set(e, SANC_ECONFIG, "%s: unknown setting path '%s' (%s)", what, path, pe_.msg);
        goto done_path;
    }
    const cfg_seg *last = &np.seg[np.n - 1];
    /* A root key named like a directive would be read back as one from the
     * resolved config (/provenance/config), so the run could not be redone. */
    if (np.n == 1 && last->kind == CFG_SEG_NAME && cfg_is_directive(last->name)) {
        rc = err_set(e, SANC_ECONFIG,
                     "%s: '%s' is an inheritance directive (base, append, remove, set), not a setting",
                     what, last->name);
        goto done_path;
    }
    if (last->kind == CFG_SEG_NAME && config_setting_type(parent) == CONFIG_TYPE_GROUP) {
        target = config_setting_get_member(parent, last->name);
        key = last->name;
        if (target == NULL && !cfg__name_reads_back(key)) {
            rc = err_set(e, SANC_ECONFIG, "%s: invalid setting name '%s'", what, key);
            goto done_path;
        }
    } else {
        /* the whole path again, for messages that name where it stops */
        if (cfg_npath_find(config_root_setting(&c->lc), &np, np.n, &target, &pe_) != SANC_OK) {
            rc = err_set(e, SANC_ECONFIG, "%s: unknown setting path '%s' (%s)", what, path, pe_.msg);
            goto done_path;
        }
    }
    int tt = target != NULL ? config_setting_type(target) : CONFIG_TYPE_NONE;

    if (parsed < 0 && tt != CONFIG_TYPE_STRING) {
        rc = err_set(e, SANC_ECONFIG, "%s: %s", what,
                     strstr(scan.msg, "integer literal") ? strstr(scan.msg, "integer literal")
                                                         : scan.msg);
        goto done;
    }
    /* A string setting takes anything that is not a string literal verbatim,
     * so --set scenario.name=foo needs no shell-quoted quotes. */
    int verbatim = parsed <= 0 || config_setting_type(v) != CONFIG_TYPE_STRING;
    if (tt == CONFIG_TYPE_STRING || (target == NULL && parsed <= 0)) {
        if (target == NULL) {
            target = config_setting_add(parent, key, CONFIG_TYPE_STRING);
            if (target == NULL) {
                rc = err_set(e, SANC_ECONFIG, "%s: invalid setting name '%s'", what, key);
                goto done;
            }
        }
        int ok = config_setting_set_string(target, verbatim ? value : config_setting_get_string(v));
        if (!ok) {
            rc = err_set(e, SANC_ENOMEM, "%s: out of memory", what);
            goto done;
        }
        cfg__mark_at(target, origin);
        goto done;
    }
    if (parsed <= 0) {
        const char *why = config_error_text(&scratch);
        rc = err_set(e, SANC_ECONFIG, "%s: expected %s (cannot parse the value%s%s)", what,
                     cfg__type_name(tt), why != NULL ? ": " : "", why != NULL ? why : "");
        goto done;
    }
    int vt = config_setting_type(v);
    if (target == NULL) {
        if (vt == CONFIG_TYPE_FLOAT && !isfinite(config_setting_get_float(v))) {
            rc = err_set(e, SANC_ECONFIG, "%s: non-finite value (got %g)", what,
                         config_setting_get_float(v));
            goto done;
        }
        target = config_setting_add(parent, key, vt);
        if (target == NULL) {
            rc = err_set(e, SANC_ECONFIG, "%s: invalid setting name '%s'", what, key);
            goto done;
        }
        if (cfg__copy(target, v) < 0) {
            rc = err_set(e, SANC_ENOMEM, "%s: out of memory", what);
            goto done;
        }
        cfg__mark_at(target, origin);
        goto done;
    }
    if (!cfg__compatible(tt, vt)) {
        rc = err_set(e, SANC_ECONFIG, "%s: expected %s, got %s", what, cfg__type_name(tt),
                     cfg__type_name(vt));
        goto done;
    }
    if (cfg__is_scalar(tt)) {
        rc = cfg__assign_scalar(target, v, what, e);
        if (rc == SANC_OK)
            cfg__mark_at(target, origin);
        goto done;
    }
    /* Aggregates: an array keeps its element type (an int may still become a
     * float); lists and groups take the new value as it is. */
    int n = config_setting_length(v);
    if (tt == CONFIG_TYPE_ARRAY && vt == CONFIG_TYPE_ARRAY && config_setting_length(target) > 0 &&
        n > 0) {
        int et = config_setting_type(config_setting_get_elem(target, 0));
        int nt = config_setting_type(config_setting_get_elem(v, 0));
        if (!cfg__compatible(et, nt)) {
            rc = err_set(e, SANC_ECONFIG, "%s: expected an array of %s, got %s elements",
                         what, cfg__noun(et), cfg__noun(nt));
            goto done;
        }
        for (int i = 0; i < n; i++) {
            const config_setting_t *el = config_setting_get_elem(v, (unsigned)i);
            if (config_setting_type(el) == CONFIG_TYPE_FLOAT &&
                !isfinite(config_setting_get_float(el))) {
                rc = err_set(e, SANC_ECONFIG, "%s: non-finite value (got %g)", what,
                             config_setting_get_float(el));
                goto done;
            }
        }
        cfg__clear(target);
        for (int i = 0; i < n; i++) {
            const config_setting_t *el = config_setting_get_elem(v, (unsigned)i);
            config_setting_t *d = config_setting_add(target, NULL, et);
            if (d == NULL) {
                rc = err_set(e, SANC_ENOMEM, "%s: out of memory", what);
                goto done;
            }
            if ((rc = cfg__assign_scalar(d, el, what, e)) < 0)
                goto done;
        }
        cfg__mark_at(target, origin);
        goto done;
    }
    cfg__clear(target);
    /* libconfig has no call to retype a setting in place, and removing and
     * re-adding it would move it to the end of its group: both arrays and
     * lists keep their elements in value.list, so switching the tag of the
     * now empty container is safe. */
    target->type = (short)vt;
    if (cfg__copy(target, v) < 0) {
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory", what);
        goto done;
    }
    cfg__mark_at(target, origin);

done:
done_path:
    if (np.seg != NULL)
        cfg_npath_free(&np);
    config_destroy(&scratch);
    free(path);
    free(text);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */

typedef struct cfg__buf {
    char *s;
    size_t len, cap;
    int oom;
} cfg__buf;

static void cfg__put(cfg__buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (ns == NULL) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void cfg__puts(cfg__buf *b, const char *s)
{
    cfg__put(b, s, strlen(s));
}

static void cfg__indent(cfg__buf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        cfg__put(b, "  ", 2);
}

static void cfg__put_string(cfg__buf *b, const char *s)
{
    cfg__put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        char esc[8];
        switch (*p) {
        case '"': cfg__put(b, "\\\"", 2); break;
        case '\\': cfg__put(b, "\\\\", 2); break;
        case '\n': cfg__put(b, "\\n", 2); break;
        case '\t': cfg__put(b, "\\t", 2); break;
        case '\r': cfg__put(b, "\\r", 2); break;
        case '\f': cfg__put(b, "\\f", 2); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(esc, sizeof esc, "\\x%02x", *p);
                cfg__puts(b, esc);
            } else {
                cfg__put(b, (const char *)p, 1);
            }
        }
    }
    cfg__put(b, "\"", 1);
}

static int cfg__put_value(cfg__buf *b, const config_setting_t *s, int depth, errbuf *e)
{
    char num[64];
    int t = config_setting_type(s);
    switch (t) {
    case CONFIG_TYPE_INT:
        snprintf(num, sizeof num, "%d", config_setting_get_int(s));
        cfg__puts(b, num);
        return 0;
    case CONFIG_TYPE_INT64:
        /* L keeps the 64-bit type on re-reading even for small values. */
        snprintf(num, sizeof num, "%lldL", config_setting_get_int64(s));
        cfg__puts(b, num);
        return 0;
    case CONFIG_TYPE_FLOAT: {
        double x = config_setting_get_float(s);
        if (isnan(x)) {
            char path[512];
            return err_set(e, SANC_EINTERNAL, "%s: NaN cannot be written as a libconfig value",
                           cfg_path(s, path, sizeof path));
        }
        if (isinf(x)) /* parses back as inf, as `1e400` did */
            snprintf(num, sizeof num, "%s", x > 0 ? "1e999" : "-1e999");
        else
            snprintf(num, sizeof num, "%.17g", x);
        if (strpbrk(num, ".e") == NULL)
            strcat(num, ".0");
        cfg__puts(b, num);
        return 0;
    }
    case CONFIG_TYPE_BOOL: cfg__puts(b, config_setting_get_bool(s) ? "true" : "false"); return 0;
    case CONFIG_TYPE_STRING: cfg__put_string(b, config_setting_get_string(s)); return 0;
    default: break;
    }
    int n = config_setting_length(s);
    if (t == CONFIG_TYPE_ARRAY) {
        cfg__puts(b, n == 0 ? "[" : "[ ");
        for (int i = 0; i < n; i++) {
            if (i > 0)
                cfg__puts(b, ", ");
            if (cfg__put_value(b, config_setting_get_elem(s, (unsigned)i), depth + 1, e) < 0)
                return -1;
        }
        cfg__puts(b, n == 0 ? "]" : " ]");
        return 0;
    }
    const char *open = t == CONFIG_TYPE_GROUP ? "{" : "(";
    const char *close = t == CONFIG_TYPE_GROUP ? "}" : ")";
    cfg__puts(b, open);
    if (n == 0) {
        cfg__puts(b, close);
        return 0;
    }
    cfg__puts(b, "\n");
    for (int i = 0; i < n; i++) {
        const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
        cfg__indent(b, depth + 1);
        if (t == CONFIG_TYPE_GROUP) {
            cfg__puts(b, config_setting_name(el));
            cfg__puts(b, " = ");
        }
        if (cfg__put_value(b, el, depth + 1, e) < 0)
            return -1;
        cfg__puts(b, t == CONFIG_TYPE_GROUP ? ";\n" : (i + 1 < n ? ",\n" : "\n"));
    }
    cfg__indent(b, depth);
    cfg__puts(b, close);
    return 0;
}

char *cfg_to_string(const cfg *c, errbuf *e)
{
    cfg__buf b = { NULL, 0, 0, 0 };
    const config_setting_t *root = config_root_setting(&c->lc);
    cfg__put(&b, "", 0);
    int n = root != NULL ? config_setting_length(root) : 0;
    for (int i = 0; i < n; i++) {
        const config_setting_t *el = config_setting_get_elem(root, (unsigned)i);
        cfg__puts(&b, config_setting_name(el));
        cfg__puts(&b, " = ");
        if (cfg__put_value(&b, el, 0, e) < 0) {
            free(b.s);
            return NULL;
        }
        cfg__puts(&b, ";\n");
    }
    if (b.oom) {
        free(b.s);
        err_set(e, SANC_ENOMEM, "out of memory writing the configuration");
        return NULL;
    }
    return b.s;
}
