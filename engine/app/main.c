/*
 * main.c - the sancsim command line.  The only code that touches argv,
 * stdout/stderr conventions, signals and exit statuses:
 *   0 success, 1 run-time failure, 2 bad usage, config or data (or an
 *   existing output without --force), 130/143 on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <H5public.h> /* version macros only: the recorder alone calls HDF5 */
#include <gsl/gsl_version.h>
#include <libconfig.h>

#include "cfg.h"
#include "cmd_export.h"
#include "cmd_help.h"
#include "err.h"
#include "h5out.h"
#include "run.h"
#include "scenario.h"
#include "sweep.h"

#define MAX_OVERRIDES 256
#define MAX_PARTS 4096

static const char usage_text[] =
    "usage: sancsim COMMAND [OPTIONS]\n"
    "\n"
    "Sanctions and trade-flow simulation: structural-gravity general equilibrium\n"
    "with sanctions, payment systems and transit corridors; results in HDF5.\n"
    "\n"
    "commands:\n"
    "  run CONFIG      run a scenario and write its HDF5 result\n"
    "  check CONFIG    validate a scenario and print the resolved configuration\n"
    "  sweep CONFIG    run the scenario's `sweep` block (many runs) into one file\n"
    "  merge -o FILE PARTS...   merge sweep part files (--shard, MPI) into one\n"
    "\n"
    "options:\n"
    "  -o, --output FILE     output file (default: output.file of the scenario,\n"
    "                        else results/<scenario file stem>.h5)\n"
    "  --set PATH=VALUE      override a setting, e.g. --set trade.sigma=6.0 or\n"
    "                        --set 'events.[0].partial_effect=-0.5' (repeatable;\n"
    "                        the value must have the type of the setting it replaces)\n"
    "  --seed N              replace scenario.seed (0 <= N < 2^63)\n"
    "  -f, --force           overwrite an existing output file\n"
    "  -q, --quiet           no progress or summary on stderr\n"
    "  -j, --jobs N          sweep: worker threads (default: the cores available)\n"
    "  --resume              sweep: finish an interrupted sweep from its journal\n"
    "  --shard K/N           sweep: only runs r with r mod N = K-1 (a part file\n"
    "                        for `sancsim merge`)\n"
    "  -h, --help            this help\n"
    "  --version             version, revision and library versions\n"
    "\n"
    "exit status: 0 success, 1 run-time failure (no convergence, I/O error,\n"
    "some sweep runs failed),\n"
    "2 bad usage, config or data, or an existing output without --force.\n"
    "Documentation: README.md and docs/DESIGN.md in the source tree.\n";

/* The temporary output file, for the signal handler: the CLI is the one
 * place that owns process-wide state. */
static char cli_temp_path[4096];
static volatile sig_atomic_t cli_temp_set;

static void cli_on_temp(const char *path, void *ctx)
{
    (void)ctx;
    cli_temp_set = 0;
    if (path != NULL && strlen(path) < sizeof cli_temp_path) {
        memcpy(cli_temp_path, path, strlen(path) + 1);
        cli_temp_set = 1;
    }
}

static void cli_on_signal(int sig)
{
    /* async-signal-safe: remove the half-written file and leave */
    if (cli_temp_set)
        unlink(cli_temp_path);
    _exit(128 + sig);
}

/* A sweep stops gracefully on the first signal (workers finish their run,
 * the journal is synced for --resume); a second one leaves at once. */
static volatile sig_atomic_t cli_stop;

static void cli_on_sweep_signal(int sig)
{
    if (cli_stop)
        _exit(128 + sig);
    cli_stop = sig;
}

static void cli_install_sweep_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_on_sweep_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* past a file size limit (ulimit -f) a write should fail with EFBIG,
     * which the recorder reports and cleans up after, instead of the
     * default SIGXFSZ killing the process and leaving the temporary file */
    signal(SIGXFSZ, SIG_IGN);
}

static int cli_fail(int code, const char *msg)
{
    fprintf(stderr, "sancsim: %s\n", msg);
    return err_exit_status(code);
}

static int cli_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "sancsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'sancsim --help'.\n");
    return 2;
}

static void cli_version(void)
{
    printf("sancsim %s (revision %s)\n", SANCSIM_VERSION, SANCSIM_GIT_REVISION);
    printf("compiler %s; HDF5 %d.%d.%d; GSL %s; libconfig %d.%d.%d\n",
#ifdef __VERSION__
           __VERSION__,
#else
           "unknown",
#endif
           H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE, GSL_VERSION, LIBCONFIG_VER_MAJOR,
           LIBCONFIG_VER_MINOR, LIBCONFIG_VER_REVISION);
}

/* "results/<stem>.h5" from the scenario path. */
static void cli_default_output(const char *cfgpath, char *buf, size_t n)
{
    const char *base = strrchr(cfgpath, '/');
    base = base ? base + 1 : cfgpath;
    char stem[512];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    snprintf(buf, n, "results/%s.h5", stem);
}

/* `sancsim sweep`: exit 0 when every run is done, 1 when some failed. */
static int cli_sweep(const char *config, const char *output, char **overrides, int noverrides, int64_t seed,
                     int force, int quiet, int jobs, int resume, int shard_k, int shard_n, int argc, char **argv)
{
    char *cmdline = run_command_line(argc, argv);
    sweep_opts o;
    memset(&o, 0, sizeof o);
    o.config = config;
    o.overrides = overrides;
    o.noverrides = noverrides;
    o.seed_override = seed;
    o.output = output;
    o.force = force;
    o.resume = resume;
    o.jobs = jobs;
    o.shard_k = shard_k;
    o.shard_n = shard_n;
    o.quiet = quiet;
    o.command_line = cmdline;
    o.trace = getenv("SANCSIM_SWEEP_TRACE"); /* tests: which runs each session computed */
    o.stop = &cli_stop;
    cli_install_sweep_signals();
    sweep_result res;
    errbuf e;
    err_init(&e);
    int rc = sweep_execute(&o, &res, &e);
    free(cmdline);
    if (rc == SANC_EINTR && cli_stop) {
        fprintf(stderr, "sancsim: %s\n", e.msg);
        return 128 + cli_stop;
    }
    if (rc != SANC_OK)
        return cli_fail(rc, e.msg);
    if (resume && res.scope == 0) {
        if (!quiet)
            fprintf(stderr, "sancsim: %s is already complete: nothing to resume\n", res.output);
        return 0;
    }
    if (!quiet || res.failed)
        fprintf(stderr, "sancsim: wrote %s: %lld runs, %lld done, %lld failed (%lld computed, %lld recovered from "
                "the journal)\n", res.output, (long long)res.scope, (long long)res.done, (long long)res.failed,
                (long long)res.computed, (long long)res.recovered);
    if (res.failed) {
        fprintf(stderr, "sancsim: %lld runs failed (run_status = 2, run_error holds each message); first: %s\n",
                (long long)res.failed, res.first_failure);
        return 1;
    }
    return 0;
}

static int cli_merge(const char *output, int force, int quiet, char **parts, int nparts, int argc, char **argv)
{
    if (output == NULL)
        return cli_usage_error("%s", "merge needs -o FILE");
    if (nparts == 0)
        return cli_usage_error("%s", "merge needs part files");
    char *cmdline = run_command_line(argc, argv);
    errbuf e;
    err_init(&e);
    int64_t missing = 0, failed = 0;
    int rc = sweep_merge(output, force, parts, nparts, cmdline ? cmdline : "", &missing, &failed, &e);
    free(cmdline);
    if (rc != SANC_OK)
        return cli_fail(rc, e.msg);
    if (missing) {
        fprintf(stderr, "sancsim: wrote %s, incomplete: %lld runs are in no part (run_status = 0)\n", output,
                (long long)missing);
        return 1;
    }
    if (!quiet || failed)
        fprintf(stderr, "sancsim: wrote %s from %d parts (%lld runs failed)\n", output, nparts, (long long)failed);
    return failed ? 1 : 0;
}

static int cli_parse_int(const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || end == v || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = NULL, *config = NULL, *output = NULL;
    char *overrides[MAX_OVERRIDES];
    int noverrides = 0, force = 0, quiet = 0;
    int64_t seed = -1;
    int jobs = 0, resume = 0, shard_k = 0, shard_n = 0, nextra = 0;
    char *extra[MAX_PARTS]; /* merge: the part files */

    if (argc < 2)
        return cli_usage_error("%s", "missing command");
    /* commands with their own options (engine/app/cmd_*.c) */
    if (strcmp(argv[1], "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    if (strcmp(argv[1], "diff") == 0)
        return cmd_diff(argc - 1, argv + 1);
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3)
            fputs(usage_text, stdout);
        return argc < 3 ? 0 : cmd_help(argv[2]);
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            cli_version();
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (++i >= argc)
                return cli_usage_error("%s needs a file name", a);
            output = argv[i];
        } else if (strncmp(a, "--output=", 9) == 0) {
            output = a + 9;
        } else if (strcmp(a, "--set") == 0 || strncmp(a, "--set=", 6) == 0) {
            const char *v = a[5] == '=' ? a + 6 : (++i < argc ? argv[i] : NULL);
            if (v == NULL)
                return cli_usage_error("%s needs PATH=VALUE", "--set");
            if (strchr(v, '=') == NULL)
                return cli_usage_error("--set %s: expected PATH=VALUE", v);
            if (noverrides == MAX_OVERRIDES)
                return cli_usage_error("%s", "too many --set options");
            overrides[noverrides++] = (char *)v;
        } else if (strcmp(a, "--seed") == 0 || strncmp(a, "--seed=", 7) == 0) {
            const char *v = a[6] == '=' ? a + 7 : (++i < argc ? argv[i] : NULL);
            if (v == NULL)
                return cli_usage_error("%s needs a number", "--seed");
            char *end;
            errno = 0;
            long long s = strtoll(v, &end, 10);
            if (errno || *end || end == v || s < 0)
                return cli_usage_error("--seed %s: expected an integer 0 <= N < 2^63", v);
            seed = s;
        } else if (strcmp(a, "-f") == 0 || strcmp(a, "--force") == 0) {
            force = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0 || strncmp(a, "--jobs=", 7) == 0 ||
                   (strncmp(a, "-j", 2) == 0 && a[2] >= '0' && a[2] <= '9')) {
            const char *v = a[1] == 'j' && a[2] ? a + 2 : a[6] == '=' ? a + 7 : (++i < argc ? argv[i] : NULL);
            long long x;
            if (v == NULL || cli_parse_int(v, 1, 4096, &x) < 0)
                return cli_usage_error("-j: expected a number of workers 1..4096 (got %s)", v ? v : "nothing");
            jobs = (int)x;
        } else if (strcmp(a, "--resume") == 0) {
            resume = 1;
        } else if (strcmp(a, "--shard") == 0 || strncmp(a, "--shard=", 8) == 0) {
            const char *v = a[7] == '=' ? a + 8 : (++i < argc ? argv[i] : NULL);
            const char *slash = v ? strchr(v, '/') : NULL;
            long long k, n;
            char kb[32];
            if (v == NULL || slash == NULL || (size_t)(slash - v) >= sizeof kb)
                return cli_usage_error("--shard: expected K/N (got %s)", v ? v : "nothing");
            memcpy(kb, v, (size_t)(slash - v));
            kb[slash - v] = '\0';
            if (cli_parse_int(kb, 1, 1000000, &k) < 0 || cli_parse_int(slash + 1, 1, 1000000, &n) < 0 || k > n)
                return cli_usage_error("--shard %s: expected K/N with 1 <= K <= N", v);
            shard_k = (int)k;
            shard_n = (int)n;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("unknown option %s", a);
        } else if (cmd == NULL) {
            cmd = a;
        } else if (config == NULL && strcmp(cmd, "merge") != 0) {
            config = a;
        } else if (strcmp(cmd, "merge") == 0) {
            if (nextra == MAX_PARTS)
                return cli_usage_error("%s", "too many part files");
            extra[nextra++] = (char *)a;
        } else {
            return cli_usage_error("unexpected argument %s", a);
        }
    }
    if (cmd == NULL)
        return cli_usage_error("%s", "missing command");
    int is_run = strcmp(cmd, "run") == 0, is_check = strcmp(cmd, "check") == 0;
    int is_sweep = strcmp(cmd, "sweep") == 0, is_merge = strcmp(cmd, "merge") == 0;
    if (!is_run && !is_check && !is_sweep && !is_merge)
        return cli_usage_error("unknown command '%s' (expected run, check, sweep, merge, export, diff or help)", cmd);
    if (!is_sweep && (jobs || resume || shard_n))
        return cli_usage_error("-j, --resume and --shard are options of %s", "sweep");
    if (is_merge)
        return cli_merge(output, force, quiet, extra, nextra, argc, argv);
    if (config == NULL)
        return cli_usage_error("%s needs a scenario file", cmd);
    if (is_sweep)
        return cli_sweep(config, output, overrides, noverrides, seed, force, quiet, jobs, resume, shard_k, shard_n,
                         argc, argv);

    errbuf e;
    err_init(&e);
    scenario sc;
    int rc = scenario_load(&sc, config, overrides, noverrides, seed, &e);
    if (rc == SANC_OK && is_check) {
        rc = run_check(&sc, &e);
        if (rc == SANC_OK) {
            char *text = cfg_to_string(&sc.cfg, &e);
            if (text == NULL)
                rc = e.code ? e.code : SANC_ENOMEM;
            else
                fputs(text, stdout);
            free(text);
        }
        if (rc == SANC_OK && !quiet)
            fprintf(stderr, "sancsim: %s: valid (%d countries, %d sectors, %d periods)\n", config, sc.nc, sc.ns,
                    sc.periods);
        scenario_destroy(&sc);
        return rc == SANC_OK ? 0 : cli_fail(rc, e.msg);
    }
    if (rc != SANC_OK) {
        scenario_destroy(&sc);
        return cli_fail(rc, e.msg);
    }

    char defout[1024];
    if (output == NULL)
        output = sc.output_file;
    if (output == NULL) {
        cli_default_output(config, defout, sizeof defout);
        output = defout;
    }
    /* an existing output or an unwritable folder is refused before any work */
    rc = h5out_check_target(output, force, &e);
    if (rc != SANC_OK) {
        scenario_destroy(&sc);
        return cli_fail(rc, e.msg);
    }
    cli_install_signals();
    char *cmdline = run_command_line(argc, argv);
    run_opts o = {
        .output = output, .force = force, .command_line = cmdline, .progress = !quiet,
        .stop = NULL, .on_temp = cli_on_temp, .ctx = NULL,
    };
    rc = run_scenario(&sc, &o, &e);
    free(cmdline);
    if (rc == SANC_OK && !quiet)
        fprintf(stderr, "sancsim: wrote %s (%d periods)\n", output, sc.periods);
    scenario_destroy(&sc);
    return rc == SANC_OK ? 0 : cli_fail(rc, e.msg);
}
