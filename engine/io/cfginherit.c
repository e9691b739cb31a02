/*
 * cfginherit.c - scenario inheritance (DESIGN section 10): `base`, merged
 * top-level blocks, `append`, `remove` and `set`, in that order.
 *
 *   base = "../russia_iran_2022.cfg";        # read first (bases chain)
 *   scenario = { name = "variant"; };        # groups merge key by key
 *   events = ( ... );                        # lists and arrays: replaced whole
 *   append = { sanctions = ( { ... } ); };   # elements appended
 *   remove = ["sanctions.[name=\"X\"]"];     # settings removed (name paths)
 *   set = ["trade.sigma=6.0"];               # overrides, --set grammar
 *
 * The directives are taken out of the tree first (into a scratch config),
 * the base is loaded (recursively, with its own directives resolved) and
 * copied in place of this file's tree, this file's blocks are merged over
 * it, then append, remove and set are applied.  Every copied setting keeps
 * its file and line (the file names are interned in the cfg), so an error
 * about a setting names the file that holds it, base or variant.
 */
/* realpath() is an XSI function in glibc */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg_impl.h"
#include "cfgpath.h"

#define CFG_MAX_BASE_DEPTH 32

static const char *const cfg__directives[] = {"base", "append", "remove", "set", NULL};

int cfg_is_directive(const char *name)
{
    for (const char *const *d = cfg__directives; *d; d++)
        if (strcmp(name, *d) == 0)
            return 1;
    return 0;
}

static int cfg__is_aggregate(int t)
{
    return t == CONFIG_TYPE_GROUP || t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY;
}

/* Move the last element of aggregate p to position idx. */
static void cfg__move_last_to(config_setting_t *p, int idx)
{
    config_list_t *l = p->value.list;
    if (l == NULL || l->length == 0 || idx < 0 || (unsigned)idx >= l->length - 1)
        return;
    config_setting_t *last = l->elements[l->length - 1];
    memmove(l->elements + idx + 1, l->elements + idx, sizeof *l->elements * (l->length - 1 - (unsigned)idx));
    l->elements[idx] = last;
}

/* Merge src (a member of a group, from c's scratch tree) into group dst:
 * groups key by key, everything else replaced whole in place. */
static int cfg__merge(cfg *c, config_setting_t *dst, const config_setting_t *src, errbuf *e)
{
    config_setting_t *d = config_setting_get_member(dst, src->name);
    if (d != NULL && config_setting_type(d) == CONFIG_TYPE_GROUP && config_setting_type(src) == CONFIG_TYPE_GROUP) {
        int n = config_setting_length(src);
        for (int i = 0; i < n; i++) {
            int rc = cfg__merge(c, d, config_setting_get_elem(src, (unsigned)i), e);
            if (rc != SANC_OK)
                return rc;
        }
        return SANC_OK;
    }
    int idx = -1;
    if (d != NULL) {
        idx = config_setting_index(d);
        config_setting_remove_elem(dst, (unsigned)idx);
    }
    if (cfg_copy_setting(dst, src, c, c, NULL, NULL) < 0)
        return err_set(e, SANC_ENOMEM, "%s: out of memory merging the base", c->path);
    cfg__move_last_to(dst, idx);
    return SANC_OK;
}

/* append: for each member m of src, the same-named setting of dst gets
 * m's elements (a list or array) or, for a group, recursively. */
static int cfg__append(cfg *c, config_setting_t *dst, const config_setting_t *src, errbuf *e)
{
    int n = config_setting_length(src);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(src, (unsigned)i);
        int mt = config_setting_type(m);
        if (!cfg__is_aggregate(mt))
            return cfg_fail(m, e, "append takes lists, arrays, or groups of them (got a single value)");
        config_setting_t *d = config_setting_get_member(dst, m->name);
        if (d == NULL) {
            if (cfg_copy_setting(dst, m, c, c, NULL, NULL) < 0)
                return err_set(e, SANC_ENOMEM, "out of memory");
            continue;
        }
        int dt = config_setting_type(d);
        if (mt == CONFIG_TYPE_GROUP) {
            if (dt != CONFIG_TYPE_GROUP)
                return cfg_fail(m, e, "the scenario's %s is not a group", m->name);
            int rc = cfg__append(c, d, m, e);
            if (rc != SANC_OK)
                return rc;
            continue;
        }
        if (dt == CONFIG_TYPE_ARRAY && config_setting_length(d) == 0 && mt == CONFIG_TYPE_LIST)
            d->type = CONFIG_TYPE_LIST; /* `[]` written for an empty list */
        dt = config_setting_type(d);
        if (dt != CONFIG_TYPE_LIST && dt != CONFIG_TYPE_ARRAY)
            return cfg_fail(m, e, "the scenario's %s is not a list or an array: nothing to append to", m->name);
        int k = config_setting_length(m);
        for (int j = 0; j < k; j++) {
            const config_setting_t *el = config_setting_get_elem(m, (unsigned)j);
            if (dt == CONFIG_TYPE_ARRAY) {
                int et = config_setting_length(d) > 0 ? config_setting_type(config_setting_get_elem(d, 0))
                                                      : config_setting_type(el);
                if (config_setting_type(el) != et || cfg__is_aggregate(et))
                    return cfg_fail(el, e, "element type does not match the array it is appended to");
            }
            if (cfg_copy_setting(d, el, c, c, NULL, NULL) < 0)
                return err_set(e, SANC_ENOMEM, "out of memory");
        }
    }
    return SANC_OK;
}

/* A directive's list of strings: one string, or an array/list of them. */
static int cfg__strings(const config_setting_t *s, errbuf *e)
{
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_STRING)
        return SANC_OK;
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return cfg_fail(s, e, "expected a string or an array of strings");
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++)
        if (config_setting_type(config_setting_get_elem(s, (unsigned)i)) != CONFIG_TYPE_STRING)
            return cfg_fail(config_setting_get_elem(s, (unsigned)i), e, "expected a string");
    return SANC_OK;
}

static int cfg__remove(cfg *c, const config_setting_t *s, errbuf *e)
{
    const char *path = config_setting_get_string(s);
    config_setting_t *t = NULL;
    errbuf pe;
    err_init(&pe);
    if (cfg_lookup_name(config_root_setting(&c->lc), path, &t, &pe) != SANC_OK)
        return cfg_fail(s, e, "remove \"%s\": %s", path, pe.msg);
    if (t->parent == NULL)
        return cfg_fail(s, e, "remove \"%s\": cannot remove the whole scenario", path);
    config_setting_remove_elem(t->parent, (unsigned)config_setting_index(t));
    return SANC_OK;
}

static void cfg__chain_text(const cfg_chain *ch, const char *last, char *buf, size_t n)
{
    /* outermost first: collect, then print backwards */
    const cfg_chain *v[CFG_MAX_BASE_DEPTH + 2];
    int k = 0;
    for (const cfg_chain *p = ch; p != NULL && k < CFG_MAX_BASE_DEPTH + 1; p = p->up)
        v[k++] = p;
    size_t len = 0;
    buf[0] = '\0';
    for (int i = k - 1; i >= 0 && len < n; i--) {
        int w = snprintf(buf + len, n - len, "%s -> ", v[i]->shown);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    if (len < n)
        snprintf(buf + len, n - len, "%s", last);
}

/* Load the base named by setting b into c's tree (which is empty of
 * directives; its own blocks are kept in `blocks`). */
static int cfg__load_base(cfg *c, const config_setting_t *b, const cfg_chain *me, config_t *blocks, errbuf *e)
{
    if (config_setting_type(b) != CONFIG_TYPE_STRING)
        return cfg_fail(b, e, "expected the base scenario's file name (a string)");
    const char *name = config_setting_get_string(b);
    if (name[0] == '\0')
        return cfg_fail(b, e, "empty file name");
    int depth = 0;
    for (const cfg_chain *p = me; p != NULL; p = p->up)
        depth++;
    if (depth > CFG_MAX_BASE_DEPTH)
        return cfg_fail(b, e, "bases nested more than %d deep", CFG_MAX_BASE_DEPTH);
    char *bpath = name[0] == '/' ? strdup(name) : cfg_join_prefix(c->dir, name);
    if (bpath == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    struct stat st;
    const char *why = NULL;
    if (stat(bpath, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    if (why != NULL) {
        int rc = cfg_fail(b, e, "base \"%s\": cannot read %s: %s", name, bpath, why);
        free(bpath);
        return rc;
    }
    char *real = realpath(bpath, NULL);
    const char *key = real != NULL ? real : bpath;
    for (const cfg_chain *p = me; p != NULL; p = p->up)
        if (strcmp(p->real, key) == 0) {
            char chain[900];
            cfg__chain_text(me, bpath, chain, sizeof chain);
            int rc = cfg_fail(b, e, "base \"%s\": cycle of bases: %s", name, chain);
            free(real);
            free(bpath);
            return rc;
        }
    cfg base;
    int rc = cfg_load_file(&base, bpath, e);
    if (rc == SANC_OK)
        rc = cfg_inherit(&base, me, e);
    free(real);
    free(bpath);
    if (rc != SANC_OK) {
        cfg_destroy(&base); /* loaded, but its own base failed */
        return rc;
    }
    /* the base's relative paths: relative to its folder, which is
     * dirname(name) seen from this file's folder */
    char *add = NULL;
    const char *slash = strrchr(name, '/');
    if (slash == NULL)
        add = strdup("");
    else if (slash == name)
        add = strdup("/");
    else if ((add = malloc((size_t)(slash - name) + 1)) != NULL) {
        memcpy(add, name, (size_t)(slash - name));
        add[slash - name] = '\0';
    }
    config_setting_t *root = config_root_setting(&c->lc);
    if (add == NULL || cfg_copy_children(root, config_root_setting(&base.lc), &base, c, add) < 0)
        rc = err_set(e, SANC_ENOMEM, "%s: out of memory copying the base %s", c->path, base.path);
    free(add);
    cfg_destroy(&base);
    if (rc != SANC_OK)
        return rc;
    /* this file's blocks over the base's */
    config_setting_t *br = config_root_setting(blocks);
    int n = config_setting_length(br);
    for (int i = 0; i < n && rc == SANC_OK; i++)
        rc = cfg__merge(c, root, config_setting_get_elem(br, (unsigned)i), e);
    return rc;
}

int cfg_inherit(cfg *c, const cfg_chain *up, errbuf *e)
{
    config_setting_t *root = config_root_setting(&c->lc);
    int any = 0;
    for (const char *const *d = cfg__directives; *d; d++)
        if (config_setting_get_member(root, *d) != NULL)
            any = 1;
    if (!any)
        return SANC_OK;

    /* scratch trees: the directives, and (with a base) this file's blocks */
    config_t dirs, blocks;
    config_init(&dirs);
    config_init(&blocks);
    int rc = SANC_OK;
    const config_setting_t *base = NULL;
    for (const char *const *d = cfg__directives; *d && rc == SANC_OK; d++) {
        config_setting_t *s = config_setting_get_member(root, *d);
        if (s == NULL)
            continue;
        if (cfg_copy_setting(config_root_setting(&dirs), s, c, c, NULL, NULL) < 0)
            rc = err_set(e, SANC_ENOMEM, "%s: out of memory", c->path);
        config_setting_remove(root, *d);
    }
    config_setting_t *dr = config_root_setting(&dirs);
    base = config_setting_get_member(dr, "base");
    config_setting_t *append = config_setting_get_member(dr, "append");
    config_setting_t *remove = config_setting_get_member(dr, "remove");
    config_setting_t *set = config_setting_get_member(dr, "set");
    if (rc == SANC_OK && append != NULL && config_setting_type(append) != CONFIG_TYPE_GROUP)
        rc = cfg_fail(append, e, "expected a group { list = ( ... ); ... }");
    if (rc == SANC_OK && remove != NULL)
        rc = cfg__strings(remove, e);
    if (rc == SANC_OK && set != NULL)
        rc = cfg__strings(set, e);

    if (rc == SANC_OK && base != NULL) {
        /* this file's blocks out of the way, the base in their place */
        while (rc == SANC_OK && config_setting_length(root) > 0) {
            config_setting_t *s = config_setting_get_elem(root, 0);
            if (cfg_copy_setting(config_root_setting(&blocks), s, c, c, NULL, NULL) < 0)
                rc = err_set(e, SANC_ENOMEM, "%s: out of memory", c->path);
            config_setting_remove_elem(root, 0);
        }
        char *real = realpath(c->path, NULL);
        cfg_chain me = {real != NULL ? real : c->path, c->path, up};
        if (rc == SANC_OK)
            rc = cfg__load_base(c, base, &me, &blocks, e);
        free(real);
    }
    if (rc == SANC_OK && append != NULL)
        rc = cfg__append(c, root, append, e);
    if (rc == SANC_OK && remove != NULL) {
        if (config_setting_type(remove) == CONFIG_TYPE_STRING)
            rc = cfg__remove(c, remove, e);
        for (int i = 0; rc == SANC_OK && config_setting_type(remove) != CONFIG_TYPE_STRING &&
                        i < config_setting_length(remove); i++)
            rc = cfg__remove(c, config_setting_get_elem(remove, (unsigned)i), e);
    }
    if (rc == SANC_OK && set != NULL) {
        if (config_setting_type(set) == CONFIG_TYPE_STRING)
            rc = cfg_apply_set_at(c, config_setting_get_string(set), set, e);
        for (int i = 0; rc == SANC_OK && config_setting_type(set) != CONFIG_TYPE_STRING &&
                        i < config_setting_length(set); i++) {
            const config_setting_t *el = config_setting_get_elem(set, (unsigned)i);
            rc = cfg_apply_set_at(c, config_setting_get_string(el), el, e);
        }
    }
    config_destroy(&dirs);
    config_destroy(&blocks);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Relative paths of settings that came from a base                    */

static int cfg__rebase_one(cfg *c, config_setting_t *s, errbuf *e)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return SANC_OK;
    const cfg_file *fe = cfg_file_entry(c, s->file);
    if (fe == NULL || fe->prefix[0] == '\0')
        return SANC_OK;
    const char *v = config_setting_get_string(s);
    if (v[0] != '/' && v[0] != '\0') {
        char *nv = cfg_join_prefix(fe->prefix, v);
        if (nv == NULL || !config_setting_set_string(s, nv)) {
            free(nv);
            return err_set(e, SANC_ENOMEM, "out of memory");
        }
        free(nv);
    }
    /* now relative to the scenario's folder: never again */
    const char *f = cfg_intern_file(c, fe->name, "");
    if (f == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    s->file = f;
    return SANC_OK;
}

static int cfg__rebase_walk(cfg *c, config_setting_t *s, const cfg_npath *p, int i, errbuf *e)
{
    if (i == p->n)
        return cfg__rebase_one(c, s, e);
    const char *name = p->seg[i].name;
    int t = config_setting_type(s);
    /* `*` walks a group's members or a list's elements (events.*.file) */
    if (t != CONFIG_TYPE_GROUP && !(t == CONFIG_TYPE_LIST && strcmp(name, "*") == 0))
        return SANC_OK;
    if (strcmp(name, "*") == 0) {
        int n = config_setting_length(s);
        for (int k = 0; k < n; k++) {
            int rc = cfg__rebase_walk(c, config_setting_get_elem(s, (unsigned)k), p, i + 1, e);
            if (rc != SANC_OK)
                return rc;
        }
        return SANC_OK;
    }
    config_setting_t *m = config_setting_get_member(s, name);
    return m != NULL ? cfg__rebase_walk(c, m, p, i + 1, e) : SANC_OK;
}

int cfg_rebase_paths(cfg *c, const char *const *patterns, errbuf *e)
{
    int rc = SANC_OK;
    for (const char *const *pt = patterns; *pt != NULL && rc == SANC_OK; pt++) {
        cfg_npath p;
        rc = cfg_npath_parse(*pt, &p, e);
        for (int i = 0; rc == SANC_OK && i < p.n; i++)
            if (p.seg[i].kind != CFG_SEG_NAME)
                rc = err_set(e, SANC_EINTERNAL, "path pattern %s: member names and * only", *pt);
        if (rc == SANC_OK)
            rc = cfg__rebase_walk(c, config_root_setting(&c->lc), &p, 0, e);
        cfg_npath_free(&p);
    }
    return rc;
}
