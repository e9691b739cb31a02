/*
 * cli.c - one option table for `sancsim` and `sancsim-mpi` (see cli.h):
 * parsing, validation, per-command help, the progress line and the
 * process-wide set-up that belongs to main.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <H5public.h> /* version macros only */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <libconfig.h>

enum cli_opt_id {
    OPT_OUTPUT, OPT_SET, OPT_SEED, OPT_FORCE, OPT_QUIET, OPT_JOBS, OPT_RESUME, OPT_SHARD, OPT_HELP, OPT_VERSION
};

#define CLI_ALL (CLI_RUN | CLI_CHECK | CLI_SWEEP | CLI_MERGE | CLI_ESTIMATE)

typedef struct cli_option {
    int id;
    const char *lng;     /* "--output" */
    char shrt;           /* 'o', or 0 */
    const char *metavar; /* NULL: a flag */
    unsigned cmds;       /* commands that take it */
    int mpi;             /* also in sancsim-mpi */
    const char *help;
} cli_option;

/* The one table: both programs, every command, the help texts. */
static const cli_option cli_options[] = {
    {OPT_OUTPUT, "--output", 'o', "FILE", CLI_RUN | CLI_SWEEP | CLI_MERGE | CLI_ESTIMATE, 1,
     "output file (run: default output.file of the scenario, else results/<scenario file stem>.h5; sweep: "
     "the same with _sweep before .h5)"},
    {OPT_SET, "--set", 0, "PATH=VALUE", CLI_RUN | CLI_CHECK | CLI_SWEEP | CLI_ESTIMATE, 1,
     "override a setting, e.g. --set trade.sigma=6.0 or --set 'events.[0].partial_effect=-0.5' (repeatable; the "
     "value must have the type of the setting it replaces)"},
    {OPT_SEED, "--seed", 0, "N", CLI_RUN | CLI_CHECK | CLI_SWEEP, 1, "replace scenario.seed (0 <= N < 2^63)"},
    {OPT_FORCE, "--force", 'f', NULL, CLI_RUN | CLI_SWEEP | CLI_MERGE | CLI_ESTIMATE, 1,
     "overwrite an existing output (a regular file only: links, devices, FIFOs and folders are never replaced)"},
    {OPT_QUIET, "--quiet", 'q', NULL, CLI_ALL, 1, "no progress or summary on stderr"},
    {OPT_JOBS, "--jobs", 'j', "N", CLI_SWEEP | CLI_ESTIMATE, 1,
     "worker threads, 1..4096 (sancsim: default the cores available; sancsim-mpi: per rank, default 1)"},
    {OPT_RESUME, "--resume", 0, NULL, CLI_SWEEP, 0, "finish an interrupted sweep from its journal"},
    {OPT_SHARD, "--shard", 0, "K/N", CLI_SWEEP, 0,
     "only runs r with r mod N = K-1 (a part file for `sancsim merge`)"},
    {OPT_HELP, "--help", 'h', NULL, CLI_ALL, 1, "this help"},
    {OPT_VERSION, "--version", 0, NULL, CLI_ALL, 1, "version, revision and library versions"},
};
#define CLI_NOPTIONS (sizeof cli_options / sizeof cli_options[0])

static const struct {
    int cmd;
    const char *name, *args, *summary;
} cli_commands[] = {
    {CLI_RUN, "run", "CONFIG", "run a scenario and write its HDF5 result"},
    {CLI_CHECK, "check", "CONFIG", "validate a scenario and print the resolved configuration"},
    {CLI_SWEEP, "sweep", "CONFIG", "run the scenario's `sweep` block (many runs) into one file"},
    {CLI_MERGE, "merge", "-o FILE PARTS...", "merge sweep part files (--shard, MPI) into one file"},
    {CLI_ESTIMATE, "estimate", "SPEC", "fit PPML with fixed effects (the spec's `estimate` block), write its HDF5 "
                                       "result and print the coefficient table"},
};
#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

static int cli__command(const char *name, int mpi)
{
    for (size_t i = 0; i < CLI_NCOMMANDS; i++)
        if (strcmp(cli_commands[i].name, name) == 0 && (!mpi || cli_commands[i].cmd == CLI_SWEEP))
            return cli_commands[i].cmd;
    return CLI_NONE;
}

static const char *cli__command_name(int cmd)
{
    for (size_t i = 0; i < CLI_NCOMMANDS; i++)
        if (cli_commands[i].cmd == cmd)
            return cli_commands[i].name;
    return "?";
}

static int cli__int(const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || end == v || x < lo || x > hi || v[0] == '+' || v[0] == ' ')
        return -1;
    *out = x;
    return 0;
}

/* Match argv[*i] against the table: the option and its value (NULL for a
 * flag).  Forms: --name, --name=V, --name V, -x, -xV, -x V. */
static int cli__match(int argc, char **argv, int *i, const cli_option **opt, const char **val, errbuf *e)
{
    const char *a = argv[*i];
    *opt = NULL;
    *val = NULL;
    for (size_t k = 0; k < CLI_NOPTIONS; k++) {
        const cli_option *o = &cli_options[k];
        size_t ll = strlen(o->lng);
        int is_long = strncmp(a, o->lng, ll) == 0 && (a[ll] == '\0' || a[ll] == '=');
        int is_short = o->shrt != 0 && a[0] == '-' && a[1] == o->shrt && (a[2] == '\0' || o->metavar != NULL);
        if (!is_long && !is_short)
            continue;
        *opt = o;
        const char *attached = is_long ? (a[ll] == '=' ? a + ll + 1 : NULL) : (a[2] != '\0' ? a + 2 : NULL);
        if (o->metavar == NULL) {
            if (attached != NULL)
                return err_set(e, SANC_EUSAGE, "%s takes no value (got %s)", o->lng, a);
            return SANC_OK;
        }
        if (attached != NULL) {
            *val = attached;
        } else {
            if (*i + 1 >= argc)
                return err_set(e, SANC_EUSAGE, "%s needs a value: %s %s", a, a, o->metavar);
            *val = argv[++*i];
        }
        return SANC_OK;
    }
    return err_set(e, SANC_EUSAGE, "unknown option %s", a);
}

int cli_parse(int argc, char **argv, int mpi, cli_args *a, errbuf *e)
{
    memset(a, 0, sizeof *a);
    a->mpi = mpi;
    a->prog = mpi ? "sancsim-mpi" : "sancsim";
    a->seed = -1;
    a->jobs = 0;
    size_t cap = (size_t)(argc > 0 ? argc : 1);
    a->overrides = malloc(sizeof *a->overrides * cap);
    a->parts = malloc(sizeof *a->parts * cap);
    if (a->overrides == NULL || a->parts == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int help_cmd = 0, options_done = 0;
    const char *jobs_arg = NULL;
    /* options are checked against the command once it is known */
    const cli_option *given[CLI_NOPTIONS];
    const char *given_as[CLI_NOPTIONS];
    int ngiven = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            const cli_option *o;
            const char *v;
            int rc = cli__match(argc, argv, &i, &o, &v, e);
            if (rc != SANC_OK)
                return rc;
            if (!mpi || o->mpi) {
                int seen = 0;
                for (int k = 0; k < ngiven; k++)
                    seen |= given[k] == o;
                if (!seen) {
                    given_as[ngiven] = arg;
                    given[ngiven++] = o;
                }
            } else {
                return err_set(e, SANC_EUSAGE, "%s is an option of `sancsim sweep`, not of sancsim-mpi (a killed MPI "
                               "sweep is rerun, or run as shards: docs/slurm.md)", o->lng);
            }
            long long x;
            switch (o->id) {
            case OPT_OUTPUT:
                if (v[0] == '\0')
                    return err_set(e, SANC_EUSAGE, "%s: the file name is empty", arg);
                a->output = v;
                break;
            case OPT_SET:
                if (strchr(v, '=') == NULL)
                    return err_set(e, SANC_EUSAGE, "--set %s: expected PATH=VALUE", v);
                a->overrides[a->noverrides++] = (char *)v;
                break;
            case OPT_SEED:
                if (cli__int(v, 0, INT64_MAX, &x) < 0)
                    return err_set(e, SANC_EUSAGE, "--seed %s: expected an integer 0 <= N < 2^63", v);
                a->seed = x;
                break;
            case OPT_FORCE: a->force = 1; break;
            case OPT_QUIET: a->quiet = 1; break;
            case OPT_JOBS:
                if (cli__int(v, 1, 4096, &x) < 0)
                    return err_set(e, SANC_EUSAGE, "-j %s: expected a number of workers 1..4096", v);
                a->jobs = (int)x;
                jobs_arg = v;
                break;
            case OPT_RESUME: a->resume = 1; break;
            case OPT_SHARD: {
                const char *slash = strchr(v, '/');
                long long k, n;
                char kb[32];
                if (slash == NULL || (size_t)(slash - v) >= sizeof kb)
                    return err_set(e, SANC_EUSAGE, "--shard %s: expected K/N with 1 <= K <= N", v);
                memcpy(kb, v, (size_t)(slash - v));
                kb[slash - v] = '\0';
                if (cli__int(kb, 1, 1000000, &k) < 0 || cli__int(slash + 1, 1, 1000000, &n) < 0 || k > n)
                    return err_set(e, SANC_EUSAGE, "--shard %s: expected K/N with 1 <= K <= N <= 1000000", v);
                a->shard_k = (int)k;
                a->shard_n = (int)n;
                break;
            }
            case OPT_HELP: a->help = 1; break;
            case OPT_VERSION: a->version = 1; break;
            }
            continue;
        }
        /* positional */
        if (a->cmd == CLI_NONE && !help_cmd) {
            if (strcmp(arg, "help") == 0) {
                help_cmd = 1;
                a->help = 1;
                continue;
            }
            a->cmd = cli__command(arg, mpi);
            if (a->cmd == CLI_NONE)
                return err_set(e, SANC_EUSAGE, mpi ? "unknown command '%s' (sancsim-mpi has one: sweep)"
                                                   : "unknown command '%s' (expected run, check, sweep, merge, estimate or help)",
                               arg);
            a->cmd_name = cli__command_name(a->cmd);
        } else if (help_cmd && a->cmd == CLI_NONE) {
            a->cmd = cli__command(arg, mpi);
            if (a->cmd == CLI_NONE)
                return err_set(e, SANC_EUSAGE, "help %s: no such command (expected run, check, sweep, merge or estimate)", arg);
            a->cmd_name = cli__command_name(a->cmd);
        } else if (help_cmd) {
            return err_set(e, SANC_EUSAGE, "help takes one command name (got also %s)", arg);
        } else if (a->cmd == CLI_MERGE) {
            a->parts[a->nparts++] = (char *)arg;
        } else if (a->config == NULL) {
            a->config = arg;
        } else {
            return err_set(e, SANC_EUSAGE, "unexpected argument %s (%s takes one scenario file)", arg, a->cmd_name);
        }
    }
    (void)jobs_arg;
    if (a->help || a->version)
        return SANC_OK;
    if (a->cmd == CLI_NONE)
        return err_set(e, SANC_EUSAGE, "missing command");
    for (int k = 0; k < ngiven; k++)
        if (!(given[k]->cmds & (unsigned)a->cmd)) {
            char list[64] = "";
            for (size_t c = 0; c < CLI_NCOMMANDS; c++)
                if (given[k]->cmds & (unsigned)cli_commands[c].cmd)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "",
                             cli_commands[c].name);
            return err_set(e, SANC_EUSAGE, "%s is not an option of %s (only of %s)", given_as[k], a->cmd_name, list);
        }
    if (a->cmd == CLI_MERGE) {
        if (a->output == NULL)
            return err_set(e, SANC_EUSAGE, "merge needs -o FILE");
        if (a->nparts == 0)
            return err_set(e, SANC_EUSAGE, "merge needs part files");
    } else if (a->config == NULL) {
        return err_set(e, SANC_EUSAGE, "%s needs a %s file", a->cmd_name,
                       a->cmd == CLI_ESTIMATE ? "specification" : "scenario");
    }
    if (mpi && a->jobs == 0)
        a->jobs = 1;
    return SANC_OK;
}

void cli_args_free(cli_args *a)
{
    free(a->overrides);
    free(a->parts);
    a->overrides = NULL;
    a->parts = NULL;
}

int cli_usage_error(const cli_args *a, const char *msg)
{
    cli_progress_end();
    const char *prog = a && a->prog ? a->prog : "sancsim";
    if (a && a->cmd != CLI_NONE)
        fprintf(stderr, "%s: %s\nTry '%s %s --help'.\n", prog, msg, prog, a->cmd_name);
    else
        fprintf(stderr, "%s: %s\nTry '%s --help'.\n", prog, msg, prog);
    return 2;
}

/* One option's help line(s), wrapped at 78 columns. */
static void cli__option_help(FILE *f, const cli_option *o)
{
    char head[64];
    if (o->shrt)
        snprintf(head, sizeof head, "  -%c, %s%s%s", o->shrt, o->lng, o->metavar ? " " : "", o->metavar ? o->metavar : "");
    else
        snprintf(head, sizeof head, "  %s%s%s", o->lng, o->metavar ? " " : "", o->metavar ? o->metavar : "");
    fputs(head, f);
    int col = (int)strlen(head);
    if (col > 24) {
        fputc('\n', f);
        col = 0;
    }
    for (; col < 24; col++)
        fputc(' ', f);
    const char *p = o->help;
    col = 24;
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *sp = strchr(p, ' ');
        int w = sp ? (int)(sp - p) : (int)strlen(p);
        if (w == 0)
            break;
        if (!first && col + 1 + w > 78) {
            fputs("\n                        ", f);
            col = 24;
        } else if (!first) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, (size_t)w, f);
        col += w;
        p += w;
        first = 0;
    }
    fputc('\n', f);
}

void cli_help(FILE *f, const cli_args *a)
{
    int mpi = a->mpi;
    const char *prog = a->prog ? a->prog : "sancsim";
    if (a->cmd == CLI_NONE) {
        if (mpi) {
            fprintf(f, "usage: mpirun -np N %s sweep CONFIG [OPTIONS]\n\n"
                       "Rank 0 hands out blocks of runs, the other ranks run them (-j threads each,\n"
                       "default 1) into part files, and rank 0 merges them into the output.\n", prog);
        } else {
            fprintf(f, "usage: %s COMMAND [OPTIONS]\n\n"
                       "Sanctions and trade-flow simulation: structural-gravity general equilibrium\n"
                       "with sanctions, payment systems and transit corridors; results in HDF5.\n\n"
                       "commands:\n", prog);
            for (size_t c = 0; c < CLI_NCOMMANDS; c++) {
                char head[64];
                snprintf(head, sizeof head, "  %s %s", cli_commands[c].name, cli_commands[c].args);
                fprintf(f, "%-26s%s\n", head, cli_commands[c].summary);
            }
            fprintf(f, "  %-24s%s\n", "help COMMAND", "the options of one command (also: COMMAND --help)");
        }
        fprintf(f, "\noptions:\n");
        for (size_t k = 0; k < CLI_NOPTIONS; k++)
            if (!mpi || cli_options[k].mpi)
                cli__option_help(f, &cli_options[k]);
    } else {
        for (size_t c = 0; c < CLI_NCOMMANDS; c++)
            if (cli_commands[c].cmd == a->cmd)
                fprintf(f, "usage: %s%s %s %s [OPTIONS]\n\n%c%s.\n\noptions of %s:\n", mpi ? "mpirun -np N " : "",
                        prog, cli_commands[c].name, cli_commands[c].args,
                        toupper((unsigned char)cli_commands[c].summary[0]), cli_commands[c].summary + 1,
                        cli_commands[c].name);
        for (size_t k = 0; k < CLI_NOPTIONS; k++)
            if ((cli_options[k].cmds & (unsigned)a->cmd) && (!mpi || cli_options[k].mpi))
                cli__option_help(f, &cli_options[k]);
    }
    fprintf(f, "\nexit status: 0 success, 1 run-time failure (no convergence, I/O error,\n"
               "some sweep runs failed), 2 bad usage, config or data, an existing output\n"
               "without --force, or an output that is not a regular file;\n"
               "130/143 on SIGINT/SIGTERM.\n"
               "Documentation: README.md and docs/DESIGN.md in the source tree.\n");
}

void cli_version(FILE *f, const char *prog)
{
    fprintf(f, "%s %s (revision %s)\n", prog, SANCSIM_VERSION, SANCSIM_GIT_REVISION);
    fprintf(f, "compiler %s; HDF5 %d.%d.%d; GSL %s; libconfig %d.%d.%d\n",
#ifdef __VERSION__
            __VERSION__,
#else
            "unknown",
#endif
            H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE, GSL_VERSION, LIBCONFIG_VER_MAJOR, LIBCONFIG_VER_MINOR,
            LIBCONFIG_VER_REVISION);
}

int cli_check_command_line(int argc, char **argv, errbuf *e)
{
    size_t n = 0;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 3;
    if (n > CLI_MAX_COMMAND_LINE)
        return err_set(e, SANC_ELIMIT, "the command line is %zu bytes, more than the limit of %d (it is recorded "
                       "in the output's provenance): put long settings in the scenario file", n,
                       CLI_MAX_COMMAND_LINE);
    return SANC_OK;
}

void cli_process_init(void)
{
    gsl_set_error_handler_off();
    signal(SIGXFSZ, SIG_IGN);
}

/* ------------------------------------------------------------------ */
/* the progress line                                                   */

static int cli__line_open;
static double cli__last;
static double cli__t0 = -1.0;

static double cli__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress(void *ctx, const char *what, double done, double total, const char *detail)
{
    const char *prog = ctx ? ctx : "sancsim";
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    double now = cli__now();
    if (cli__t0 < 0)
        cli__t0 = cli__last = now;
    int final = done >= total;
    int period = strcmp(what, "period") == 0;
    if (!final && now - cli__last < (tty ? 0.2 : (period ? 5.0 : 10.0)))
        return;
    cli__last = now;
    if (period)
        fprintf(stderr, "%s%s: period %.0f/%.0f (%s), %.1f s%s", tty ? "\r" : "", prog, done, total,
                detail ? detail : "", now - cli__t0, tty ? "   " : "\n");
    else
        fprintf(stderr, "%s%s: %s: %s%s", tty ? "\r" : "", prog, what, detail ? detail : "", tty ? "   " : "\n");
    cli__line_open = tty;
    if (final)
        cli_progress_end();
    fflush(stderr);
}

void cli_progress_end(void)
{
    if (cli__line_open) {
        fputc('\n', stderr);
        cli__line_open = 0;
    }
}
