/*
 * testutil.h - the temporary-folder fixture the loader tests share: a fresh
 * folder per test (removed afterwards), files written into it, and an
 * assertion on error messages.  Header-only: each test is one executable.
 */
#ifndef SANCSIM_TESTUTIL_H
#define SANCSIM_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    char dir[256];
    char path[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/sancsim_test.XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* Write dir/name (name may contain one subfolder, created) and return its path. */
static const char *write_file(fixture *f, const char *name, const char *text)
{
    const char *slash = strchr(name, '/');
    if (slash != NULL) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%.*s", f->dir, (int)(slash - name), name);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
        assert_int_equal(system(cmd), 0);
    }
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return f->path;
}

#define assert_contains(hay, needle)                                                   \
    do {                                                                               \
        if (strstr((hay), (needle)) == NULL)                                           \
            fail_msg("message '%s' does not contain '%s'", (hay), (needle));           \
    } while (0)

#endif
