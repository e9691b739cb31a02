/*
 * harness.h - the one test harness of the unit tests (DESIGN section 4):
 * a fresh temporary folder per test, files and scenarios written into it,
 * a partial pipeline (the world and any prefix of modules, stepped as the
 * run steps them, or a world built by hand for one module), variable
 * lookup, folder checks and float asserts.  Include after <cmocka.h>;
 * tests/CMakeLists.txt links harness.c into every unit test.
 */
#ifndef SANCSIM_HARNESS_H
#define SANCSIM_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "model.h"
#include "scenario.h"
#include "world.h"

#define HARNESS_MAXMOD 8

typedef struct harness {
    char dir[256];   /* the test's temporary folder (removed by harness_close) */
    char path[512];  /* the last file written */
    scenario sc;
    world w;
    model m[HARNESS_MAXMOD];
    int nm, loaded, world_ok;
    model_views views;
    errbuf e;        /* the last error of harness_load / harness_pipeline */
} harness;

/* A new temporary folder /tmp/sancsim_<tag>.XXXXXX (the rest zeroed). */
void harness_init(harness *h, const char *tag);
/* Write dir/name (one subfolder allowed, created); returns its path. */
const char *harness_write(harness *h, const char *name, const char *text);
/* dir/name, not created (an output's name); returns its path (h->path). */
const char *harness_file(harness *h, const char *name);
/* Entries of the folder other than . and .. */
int  harness_entries(const harness *h);
/* Fails the test (naming `what` and the entry) unless every entry of the
 * folder is in keep (NULL-terminated; "in_*" matches a prefix): nothing
 * half-written left behind. */
void harness_assert_only(const harness *h, const char *what, const char *const *keep);
/* Write the scenario text as dir/x.cfg and load it (--set overrides, seed
 * override or -1); the error, if any, is in h->e. */
int  harness_load(harness *h, const char *cfg_text, char *const *overrides, int noverrides, int64_t seed);
/* A world built by hand, without a scenario, for a module test that fills
 * the fields and views (h->views) itself: nc countries, ns sectors, T
 * periods; X0, X, X_prev, phi and phi_prev zeroed (phi_prev, X_prev: the
 * rotation of harness_step); the output dimensions country, partner,
 * exporter, importer (nc) and sector (ns) sized.  Freed by harness_close. */
void harness_world(harness *h, int nc, int ns, int T);
/* The world (unless harness_world built one) and the named modules, in the
 * given order (policy first for the real pipeline's prefix), each with its
 * own block (none on a hand-built world) and the views so far. */
int  harness_pipeline(harness *h, const char *const *modules, int nmodules);
/* Period t as the run steps it: buffers rotated, each module stepped;
 * fails the test on an error. */
void harness_step(harness *h, int t);
/* A registered output variable's current values; fails the test if absent. */
const void *harness_var(const harness *h, const char *name);
/* The same, NULL when absent. */
const void *harness_find_var(const harness *h, const char *name);
/* Fails the test naming the first non-finite value of a registered float
 * variable. */
void harness_assert_finite(const harness *h);
/* Finish the modules, free world and scenario, remove the folder (made
 * writable first: a test may have taken the permissions away). */
void harness_close(harness *h);

/* cmocka fixtures: *state is a harness with only its folder made. */
int harness_setup(void **state);
int harness_teardown(void **state);

/* |a - b| <= tol (or exactly equal, for infinities), with both values shown */
#define assert_close(a, b, tol)                                                                      \
    do {                                                                                             \
        double a_ = (a), b_ = (b);                                                                   \
        if (!(a_ == b_ || fabs(a_ - b_) <= (tol)))                                                   \
            fail_msg("%s = %.17g, expected %.17g (tol %g)", #a, a_, b_, (double)(tol));              \
    } while (0)
/* scaled: |a - b| <= tol max(1, |a|, |b|) (absolute near 0, relative
 * beyond) */
#define assert_sclose(a, b, tol)                                                                     \
    do {                                                                                             \
        double sa_ = (a), sb_ = (b);                                                                 \
        assert_close(sa_, sb_, (tol) * fmax(1.0, fmax(fabs(sa_), fabs(sb_))));                       \
    } while (0)
/* relative: |a - b| <= rtol max(|b|, 1e-300) */
#define assert_rclose(a, b, rtol) assert_close((a), (b), (rtol) * fmax(fabs((double)(b)), 1e-300))

#define assert_contains(hay, needle)                                                                 \
    do {                                                                                             \
        if (strstr((hay), (needle)) == NULL)                                                         \
            fail_msg("message '%s' does not contain '%s'", (hay), (needle));                         \
    } while (0)

/* The loader tests' names for the same things. */
typedef harness fixture;
#define setup harness_setup
#define teardown harness_teardown
#define write_file harness_write

#endif
