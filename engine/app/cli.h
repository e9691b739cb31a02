/*
 * cli.h - the command line of `sancsim` and `sancsim-mpi`, from one option
 * table (cli.c), so both programs accept the same forms:
 *   --name VALUE, --name=VALUE, -x VALUE, -xVALUE; flags --name, -x;
 *   `--` ends the options.
 * Each option belongs to the commands that use it (-j, --resume and
 * --shard to sweep, ...); `sancsim COMMAND --help` and `sancsim help
 * COMMAND` print the help of one command.  Values are validated here (-j
 * 1..4096, --seed 0..2^63-1, --shard K/N, --set PATH=VALUE), so a bad
 * value is exit 2 before any work.
 *
 * Also the process-wide set-up that belongs to main alone (GSL's error
 * handler, SIGXFSZ) and the progress line that library code reports
 * through a callback (progress.h).
 */
#ifndef SANCSIM_CLI_H
#define SANCSIM_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

enum cli_command { CLI_NONE = 0, CLI_RUN = 1, CLI_CHECK = 2, CLI_SWEEP = 4, CLI_MERGE = 8, CLI_ESTIMATE = 16 };

/* The longest command line recorded in provenance (an HDF5 attribute,
 * whose header message holds at most 64 KiB). */
#define CLI_MAX_COMMAND_LINE 32768

typedef struct cli_args {
    int mpi;                 /* parsed for sancsim-mpi (only `sweep`, no --resume/--shard) */
    const char *prog;        /* "sancsim" or "sancsim-mpi" */
    int cmd;                 /* enum cli_command */
    const char *cmd_name;
    int help, version;       /* --help (of cmd, when given) / --version: print and exit 0 */
    const char *config;      /* run, check, sweep; estimate: the specification */
    const char *output;      /* -o */
    char **overrides;        /* --set, pointers into argv (malloc'ed array) */
    int noverrides;
    int64_t seed;            /* --seed, -1 when absent */
    int force, quiet, resume, jobs, shard_k, shard_n;
    char **parts;            /* merge: the part files (malloc'ed array of argv pointers) */
    int nparts;
} cli_args;

/* Parse argv[1..argc-1].  SANC_OK, or SANC_EUSAGE with the message in e
 * (the caller prints it with cli_usage_hint).  ENOMEM likewise. */
int  cli_parse(int argc, char **argv, int mpi, cli_args *a, errbuf *e);
void cli_args_free(cli_args *a);

/* "PROG: MSG\nTry 'PROG [COMMAND] --help'." on stderr; returns 2. */
int cli_usage_error(const cli_args *a, const char *msg);

/* The general help, or the help of one command (cmd != CLI_NONE). */
void cli_help(FILE *f, const cli_args *a);
/* Version, revision and library versions. */
void cli_version(FILE *f, const char *prog);

/* The command line is recorded in the output's provenance: refuse one
 * longer than CLI_MAX_COMMAND_LINE before any work (SANC_ELIMIT). */
int cli_check_command_line(int argc, char **argv, errbuf *e);

/* Once, first thing in main: GSL's error handler off (every GSL return is
 * checked by the library; the default handler would abort) and SIGXFSZ
 * ignored (past `ulimit -f` a write fails with EFBIG, which every writer
 * reports as an I/O error and cleans up after, instead of the signal
 * killing the process and leaving its temporary file). */
void cli_process_init(void);

/* The progress callback (progress.h) that draws one line on stderr: on a
 * terminal a line redrawn in place at most 5 times a second, otherwise a
 * line every 10 s (5 s for periods) and at the end.  ctx: the program name. */
void cli_progress(void *ctx, const char *what, double done, double total, const char *detail);
/* End an open progress line (call before printing anything else). */
void cli_progress_end(void);

#endif
