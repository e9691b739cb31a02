/* harness.c - the unit tests' common harness (see harness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <dirent.h>

#include <cmocka.h>

#include "harness.h"

void harness_init(harness *h, const char *tag)
{
    memset(h, 0, sizeof *h);
    snprintf(h->dir, sizeof h->dir, "/tmp/sancsim_%s.XXXXXX", tag);
    if (mkdtemp(h->dir) == NULL)
        fail_msg("cannot create a temporary folder");
    err_init(&h->e);
}

const char *harness_write(harness *h, const char *name, const char *text)
{
    const char *slash = strchr(name, '/');
    if (slash != NULL) {
        char sub[512], cmd[600];
        snprintf(sub, sizeof sub, "%s/%.*s", h->dir, (int)(slash - name), name);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
        assert_int_equal(system(cmd), 0);
    }
    snprintf(h->path, sizeof h->path, "%s/%s", h->dir, name);
    FILE *fp = fopen(h->path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return h->path;
}

const char *harness_file(harness *h, const char *name)
{
    snprintf(h->path, sizeof h->path, "%s/%s", h->dir, name);
    return h->path;
}

int harness_entries(const harness *h)
{
    DIR *d = opendir(h->dir);
    if (d == NULL)
        fail_msg("cannot read %s", h->dir);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

void harness_assert_only(const harness *h, const char *what, const char *const *keep)
{
    DIR *d = opendir(h->dir);
    if (d == NULL)
        fail_msg("cannot read %s", h->dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        int ok = strcmp(n, ".") == 0 || strcmp(n, "..") == 0;
        for (int i = 0; !ok && keep[i] != NULL; i++) {
            size_t len = strlen(keep[i]);
            ok = len > 0 && keep[i][len - 1] == '*' ? strncmp(n, keep[i], len - 1) == 0 : strcmp(n, keep[i]) == 0;
        }
        if (!ok) {
            char name[256];
            snprintf(name, sizeof name, "%s", n);
            closedir(d);
            fail_msg("%s: left %s behind", what, name);
        }
    }
    closedir(d);
}

int harness_load(harness *h, const char *cfg_text, char *const *overrides, int noverrides, int64_t seed)
{
    char path[512];
    snprintf(path, sizeof path, "%s", harness_write(h, "x.cfg", cfg_text));
    err_init(&h->e);
    h->loaded = 1;
    return scenario_load(&h->sc, path, overrides, noverrides, seed, &h->e);
}

void harness_world(harness *h, int nc, int ns, int T)
{
    world *w = &h->w;
    memset(w, 0, sizeof *w);
    w->nc = nc;
    w->ns = ns;
    w->T = w->out.T = T;
    size_t n3 = (size_t)nc * nc * ns;
    /* world_destroy frees these (X0 as the world's own baseline) */
    w->X0_own = calloc(n3, sizeof *w->X0_own);
    w->X = calloc(n3, sizeof *w->X);
    w->X_prev = calloc(n3, sizeof *w->X_prev);
    w->phi = calloc(n3, sizeof *w->phi);
    w->phi_prev = calloc(n3, sizeof *w->phi_prev);
    if (!w->X0_own || !w->X || !w->X_prev || !w->phi || !w->phi_prev)
        fail_msg("harness: out of memory");
    w->X0 = w->X0_own;
    w->out.dim_n[DIM_COUNTRY] = w->out.dim_n[DIM_PARTNER] = nc;
    w->out.dim_n[DIM_EXPORTER] = w->out.dim_n[DIM_IMPORTER] = nc;
    w->out.dim_n[DIM_SECTOR] = ns;
    h->world_ok = 1;
}

int harness_pipeline(harness *h, const char *const *modules, int nmodules)
{
    int rc = SANC_OK;
    if (!h->world_ok) {
        if ((rc = world_init(&h->w, &h->sc, &h->e)) != SANC_OK)
            return rc;
        h->world_ok = 1;
    }
    for (int i = 0; i < nmodules && rc == SANC_OK; i++) {
        if (h->nm == HARNESS_MAXMOD)
            fail_msg("harness: too many modules");
        model *m = &h->m[h->nm++];
        m->ops = model_lookup(modules[i]); /* so that close can finish it whatever happens */
        if (m->ops == NULL)
            fail_msg("harness: unknown module %s", modules[i]);
        rc = model_start(m, modules[i], h->loaded ? &h->sc : NULL, &h->w, &h->views, &h->e);
    }
    return rc;
}

void harness_step(harness *h, int t)
{
    errbuf e;
    err_init(&e);
    world_begin_period(&h->w, t);
    for (int i = 0; i < h->nm; i++)
        if (h->m[i].ops->step(&h->m[i], &h->w, t, &e) != SANC_OK)
            fail_msg("step %d of %s: %s", t, h->m[i].name, e.msg);
}

const void *harness_find_var(const harness *h, const char *name)
{
    for (int v = 0; v < h->w.out.nvars; v++)
        if (strcmp(h->w.out.vars[v].name, name) == 0)
            return h->w.out.vars[v].data;
    return NULL;
}

const void *harness_var(const harness *h, const char *name)
{
    const void *p = harness_find_var(h, name);
    if (p == NULL)
        fail_msg("variable %s not registered", name);
    return p;
}

void harness_assert_finite(const harness *h)
{
    const schema *o = &h->w.out;
    for (int v = 0; v < o->nvars; v++) {
        if (o->vars[v].is_int)
            continue;
        size_t n = 1;
        for (int d = 0; d < o->vars[v].ndims; d++)
            n *= (size_t)o->dim_n[o->vars[v].dims[d]];
        const double *p = o->vars[v].data;
        for (size_t q = 0; q < n; q++)
            if (!isfinite(p[q]))
                fail_msg("%s[%zu] is not finite", o->vars[v].name, q);
    }
}

void harness_close(harness *h)
{
    for (int i = h->nm - 1; i >= 0; i--)
        if (h->m[i].ops && h->m[i].ops->finish)
            h->m[i].ops->finish(&h->m[i]);
    h->nm = 0;
    if (h->world_ok)
        world_destroy(&h->w);
    if (h->loaded)
        scenario_destroy(&h->sc);
    h->world_ok = h->loaded = 0;
    if (h->dir[0] != '\0') {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' && rm -rf '%s'", h->dir, h->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", h->dir);
        h->dir[0] = '\0';
    }
}

int harness_setup(void **state)
{
    harness *h = malloc(sizeof *h);
    if (h == NULL)
        return -1;
    harness_init(h, "test");
    *state = h;
    return 0;
}

int harness_teardown(void **state)
{
    harness *h = *state;
    harness_close(h);
    free(h);
    return 0;
}
