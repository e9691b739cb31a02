/*
 * cfgpath.c - name paths into a libconfig tree (see cfgpath.h).
 */
#include "cfgpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFGPATH_MAX_SEGS 64

void cfg_npath_free(cfg_npath *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->n; i++) {
        free(p->seg[i].name);
        free(p->seg[i].value);
    }
    free(p->seg);
    p->seg = NULL;
    p->n = 0;
}

static int cfgpath__ident_start(int ch)
{
    return isalpha(ch) || ch == '*';
}

static int cfgpath__ident_char(int ch)
{
    return isalnum(ch) || ch == '_' || ch == '-' || ch == '*';
}

static char *cfgpath__strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int cfgpath__bad(errbuf *e, const char *text, const char *at, const char *what)
{
    return err_set(e, SANC_ECONFIG, "bad name path '%s': %s at character %d", text, what, (int)(at - text) + 1);
}

int cfg_npath_parse(const char *text, cfg_npath *p, errbuf *e)
{
    p->n = 0;
    p->seg = NULL;
    if (text == NULL || *text == '\0')
        return err_set(e, SANC_ECONFIG, "empty name path");
    p->seg = calloc(CFGPATH_MAX_SEGS, sizeof *p->seg);
    if (p->seg == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    const char *s = text;
    for (;;) {
        if (p->n == CFGPATH_MAX_SEGS)
            return err_set(e, SANC_ECONFIG, "bad name path '%s': more than %d segments", text, CFGPATH_MAX_SEGS);
        cfg_seg *g = &p->seg[p->n];
        if (cfgpath__ident_start((unsigned char)*s)) {
            const char *b = s;
            while (cfgpath__ident_char((unsigned char)*s))
                s++;
            g->kind = CFG_SEG_NAME;
            if ((g->name = cfgpath__strndup(b, (size_t)(s - b))) == NULL)
                return err_set(e, SANC_ENOMEM, "out of memory");
            p->n++;
        } else if (*s == '[') {
            int counted = 0; /* the segment owns memory: counted in p->n at once */
            s++;
            while (*s == ' ')
                s++;
            if (isdigit((unsigned char)*s)) {
                const char *b = s;
                while (isdigit((unsigned char)*s))
                    s++;
                if (s - b > 9)
                    return cfgpath__bad(e, text, b, "index too large");
                g->kind = CFG_SEG_INDEX;
                g->index = strtol(b, NULL, 10);
            } else if (cfgpath__ident_start((unsigned char)*s)) {
                const char *b = s;
                while (cfgpath__ident_char((unsigned char)*s))
                    s++;
                g->kind = CFG_SEG_MATCH;
                if ((g->name = cfgpath__strndup(b, (size_t)(s - b))) == NULL)
                    return err_set(e, SANC_ENOMEM, "out of memory");
                p->n++; /* owned from here on, freed with p */
                counted = 1;
                while (*s == ' ')
                    s++;
                if (*s != '=')
                    return cfgpath__bad(e, text, s, "expected '=' after the key");
                s++;
                while (*s == ' ')
                    s++;
                if (*s != '"')
                    return cfgpath__bad(e, text, s, "expected a double-quoted string");
                s++;
                size_t len = strlen(s);
                char *v = malloc(len + 1);
                if (v == NULL)
                    return err_set(e, SANC_ENOMEM, "out of memory");
                g->value = v;
                size_t k = 0;
                while (*s != '\0' && *s != '"') {
                    if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
                        s++;
                    v[k++] = *s++;
                }
                v[k] = '\0';
                if (*s != '"')
                    return cfgpath__bad(e, text, s, "unterminated string");
                s++;
            } else {
                return cfgpath__bad(e, text, s, "expected an index or key=\"name\" inside [ ]");
            }
            while (*s == ' ')
                s++;
            if (*s != ']')
                return cfgpath__bad(e, text, s, "expected ']'");
            s++;
            if (!counted)
                p->n++;
        } else {
            return cfgpath__bad(e, text, s, *s ? "expected a setting name or '['" : "path ends after '.'");
        }
        if (*s == '\0')
            return SANC_OK;
        if (*s != '.')
            return cfgpath__bad(e, text, s, "expected '.' between segments");
        s++;
    }
}

/* The path of the first k segments, for messages ("sanctions.[0]"). */
static void cfgpath__prefix(const cfg_npath *p, int k, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < k && len < n; i++) {
        const cfg_seg *g = &p->seg[i];
        int w;
        const char *dot = i > 0 ? "." : "";
        if (g->kind == CFG_SEG_NAME)
            w = snprintf(buf + len, n - len, "%s%s", dot, g->name);
        else if (g->kind == CFG_SEG_INDEX)
            w = snprintf(buf + len, n - len, "%s[%ld]", dot, g->index);
        else
            w = snprintf(buf + len, n - len, "%s[%s=\"%s\"]", dot, g->name, g->value);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    if (len == 0)
        snprintf(buf, n, "the top level");
}

static int cfgpath__is_aggregate(int t)
{
    return t == CONFIG_TYPE_GROUP || t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY;
}

int cfg_npath_find(config_setting_t *from, const cfg_npath *p, int upto, config_setting_t **out, errbuf *e)
{
    config_setting_t *cur = from;
    char where[512];
    *out = NULL;
    for (int i = 0; i < upto && i < p->n; i++) {
        const cfg_seg *g = &p->seg[i];
        int t = config_setting_type(cur);
        cfgpath__prefix(p, i, where, sizeof where);
        if (!cfgpath__is_aggregate(t))
            return err_set(e, SANC_ECONFIG, "%s is not a group or list: it has no %s%s%s", where,
                           g->kind == CFG_SEG_NAME ? "member '" : "elements",
                           g->kind == CFG_SEG_NAME ? g->name : "", g->kind == CFG_SEG_NAME ? "'" : "");
        int len = config_setting_length(cur);
        if (g->kind == CFG_SEG_NAME) {
            config_setting_t *m = t == CONFIG_TYPE_GROUP ? config_setting_get_member(cur, g->name) : NULL;
            if (m == NULL) {
                if (t != CONFIG_TYPE_GROUP)
                    return err_set(e, SANC_ECONFIG, "%s is a list: address its elements with [N] or "
                                   "[name=\"...\"], not '%s'", where, g->name);
                return err_set(e, SANC_ECONFIG, "no setting '%s' in %s", g->name, where);
            }
            cur = m;
        } else if (g->kind == CFG_SEG_INDEX) {
            if (g->index >= len)
                return err_set(e, SANC_ECONFIG, "index %ld out of range (%s has %d element%s)", g->index, where, len,
                               len == 1 ? "" : "s");
            cur = config_setting_get_elem(cur, (unsigned)g->index);
        } else {
            config_setting_t *hit = NULL;
            int nhit = 0;
            char names[300];
            size_t nl = 0;
            names[0] = '\0';
            for (int k = 0; k < len; k++) {
                config_setting_t *el = config_setting_get_elem(cur, (unsigned)k);
                if (config_setting_type(el) != CONFIG_TYPE_GROUP)
                    continue;
                config_setting_t *m = config_setting_get_member(el, g->name);
                if (m == NULL || config_setting_type(m) != CONFIG_TYPE_STRING)
                    continue;
                const char *v = config_setting_get_string(m);
                if (nl < sizeof names - 1) {
                    int w = snprintf(names + nl, sizeof names - nl, "%s\"%s\"", nl ? ", " : "", v);
                    if (w > 0)
                        nl += (size_t)w;
                    if (nl >= sizeof names - 1)
                        memcpy(names + sizeof names - 5, "...", 4);
                }
                if (strcmp(v, g->value) == 0) {
                    if (nhit == 0)
                        hit = el;
                    nhit++;
                }
            }
            if (nhit == 0)
                return err_set(e, SANC_ECONFIG, "no element of %s has %s = \"%s\" (%s: %s)", where, g->name, g->value,
                               nl ? "there are" : "it has no element with a string", nl ? names : g->name);
            if (nhit > 1)
                return err_set(e, SANC_ECONFIG, "ambiguous name: %d elements of %s have %s = \"%s\" (use [N])", nhit,
                               where, g->name, g->value);
            cur = hit;
        }
    }
    *out = cur;
    return SANC_OK;
}

int cfg_lookup_name(config_setting_t *root, const char *path, config_setting_t **out, errbuf *e)
{
    cfg_npath p;
    int rc = cfg_npath_parse(path, &p, e);
    if (rc == SANC_OK)
        rc = cfg_npath_find(root, &p, p.n, out, e);
    cfg_npath_free(&p);
    return rc;
}

const char *cfg_assignment_eq(const char *a)
{
    int depth = 0, quoted = 0;
    for (const char *s = a; *s != '\0'; s++) {
        if (quoted) {
            if (*s == '\\' && s[1] != '\0')
                s++;
            else if (*s == '"')
                quoted = 0;
        } else if (*s == '"') {
            quoted = 1;
        } else if (*s == '[') {
            depth++;
        } else if (*s == ']') {
            if (depth > 0)
                depth--;
        } else if (*s == '=' && depth == 0) {
            return s;
        }
    }
    return NULL;
}

/* Is el's `name` a string that no other element of its list shares? */
/* The key and value that name list element el in labels: the first of
 * `name` and `country` (governments, partial memberships) that el holds as
 * a string unique among its list's elements; NULL if none. */
static const char *cfgpath__unique_name(const config_setting_t *el, const char **key)
{
    static const char *const keys[] = {"name", "country", NULL};
    const config_setting_t *list = el->parent;
    if (list == NULL || config_setting_type(el) != CONFIG_TYPE_GROUP)
        return NULL;
    for (int q = 0; keys[q] != NULL; q++) {
        const config_setting_t *m = config_setting_get_member(el, keys[q]);
        if (m == NULL || config_setting_type(m) != CONFIG_TYPE_STRING)
            continue;
        const char *v = config_setting_get_string(m);
        int len = config_setting_length(list), unique = 1;
        for (int k = 0; k < len && unique; k++) {
            const config_setting_t *o = config_setting_get_elem(list, (unsigned)k);
            if (o == el || config_setting_type(o) != CONFIG_TYPE_GROUP)
                continue;
            const config_setting_t *om = config_setting_get_member(o, keys[q]);
            unique = !(om != NULL && config_setting_type(om) == CONFIG_TYPE_STRING &&
                       strcmp(config_setting_get_string(om), v) == 0);
        }
        for (const char *c = v; *c && unique; c++)
            unique = (unsigned char)*c >= 0x20;
        if (unique) {
            *key = keys[q];
            return v;
        }
    }
    return NULL;
}

const char *cfg_name_path(const config_setting_t *s, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    buf[0] = '\0';
    const config_setting_t *chain[64];
    int depth = 0;
    for (const config_setting_t *t = s; t != NULL && t->parent != NULL && depth < 64; t = t->parent)
        chain[depth++] = t;
    size_t len = 0;
    for (int d = depth - 1; d >= 0 && len < n; d--) {
        const config_setting_t *t = chain[d];
        const char *dot = len > 0 ? "." : "";
        int w;
        const char *nm, *key = NULL;
        if (t->name != NULL && config_setting_type(t->parent) == CONFIG_TYPE_GROUP) {
            w = snprintf(buf + len, n - len, "%s%s", dot, t->name);
        } else if ((nm = cfgpath__unique_name(t, &key)) != NULL) {
            w = snprintf(buf + len, n - len, "%s[%s=\"", dot, key);
            if (w < 0)
                break;
            len += (size_t)w;
            for (const char *c = nm; *c && len + 2 < n; c++) {
                if (*c == '"' || *c == '\\')
                    buf[len++] = '\\';
                buf[len++] = *c;
            }
            buf[len < n ? len : n - 1] = '\0';
            w = snprintf(buf + len, n - len, "\"]");
        } else {
            w = snprintf(buf + len, n - len, "%s[%d]", dot, config_setting_index(t));
        }
        if (w < 0)
            break;
        len += (size_t)w;
    }
    if (len >= n)
        buf[n - 1] = '\0';
    return buf;
}
