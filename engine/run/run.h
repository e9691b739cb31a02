/*
 * run.h - one run of a scenario: build the world, step the module pipeline
 * period by period and hand each period to the recorder.
 */
#ifndef SANCSIM_RUN_H
#define SANCSIM_RUN_H

#include <signal.h>

#include "err.h"
#include "progress.h"

struct scenario;
struct h5out;
struct world;

typedef struct run_opts {
    const char *output;        /* final HDF5 path (NULL: no file, e.g. check) */
    int force;                 /* overwrite an existing output */
    const char *command_line;  /* for provenance */
    progress prog;             /* called after every period ("period", t, T - 1, its date) */
    /* set by the caller's signal handler; polled between periods */
    volatile sig_atomic_t *stop;
    /* called once the temporary output exists (the CLI's signal handler
     * needs its name), and with NULL when it is gone */
    void (*on_temp)(const char *temp_path, void *ctx);
    /* optional: called after every period (0 included) with the world, e.g.
     * so a sweep can copy the variables it keeps; non-zero stops the run */
    int (*on_period)(const struct world *w, void *ctx, errbuf *e);
    void *ctx;
    /* optional: the only variables the caller reads (on_period; no output
     * file), so that modules may skip the others' computation (NULL: all) */
    char *const *keep;
    int nkeep;
} run_opts;

/* Initialise every module (validating their settings) without stepping:
 * what `sancsim check` does after loading. */
int run_check(const struct scenario *sc, errbuf *e);

/* The command line as one string for provenance, arguments with blanks or
 * quotes in single quotes (malloc'ed; NULL on ENOMEM). */
char *run_command_line(int argc, char **argv);

/* Run the scenario to completion and write o->output. */
int run_scenario(const struct scenario *sc, const run_opts *o, errbuf *e);

#endif
