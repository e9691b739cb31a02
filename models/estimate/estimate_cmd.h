/*
 * estimate_cmd.h - `sancsim estimate SPEC` (DESIGN section 9): read the
 * `estimate` block of SPEC and the panel it names, fit PPML with fixed
 * effects, optionally bootstrap it over clusters, and write the HDF5
 * result, the coefficient table and the `effects` files.
 *
 * The command never prints: the table and progress reach the caller
 * through callbacks (the CLI prints them).  Exit-status classes as
 * everywhere (err_exit_status): a bad spec, a bad panel, a collinear
 * regressor or an existing output without force are exit 2; no
 * convergence and I/O errors exit 1.  Every output is refused before any
 * work if it exists and force is off, and each is written under a
 * temporary name and renamed when complete.
 */
#ifndef SANCSIM_ESTIMATE_CMD_H
#define SANCSIM_ESTIMATE_CMD_H

#include "err.h"

typedef struct estimate_cmd_opts {
    const char *spec;             /* the specification file */
    const char *output;           /* HDF5 result (required) */
    char *const *overrides;       /* --set PATH=VALUE, applied in order */
    int noverrides;
    int force;                    /* replace existing outputs */
    int jobs;                     /* bootstrap worker threads; <= 0: 1 */
    const char *command_line;     /* for provenance */
    /* the coefficient table (several lines of text); optional */
    void (*print)(const char *text, void *ctx);
    /* progress: stage ("bootstrap"), done of total; optional */
    void (*progress)(const char *stage, int done, int total, void *ctx);
    /* the temporary file being written, NULL when gone (for signal
     * handlers); optional */
    void (*on_temp)(const char *temp_path, void *ctx);
    void *ctx;
} estimate_cmd_opts;

int estimate_command(const estimate_cmd_opts *o, errbuf *e);

#endif
