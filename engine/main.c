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
#include "err.h"
#include "h5out.h"
#include "run.h"
#include "scenario.h"

#define MAX_OVERRIDES 256

static const char usage_text[] =
    "usage: sancsim COMMAND [OPTIONS]\n"
    "\n"
    "Sanctions and trade-flow simulation: structural-gravity general equilibrium\n"
    "with sanctions, payment systems and transit corridors; results in HDF5.\n"
    "\n"
    "commands:\n"
    "  run CONFIG      run a scenario and write its HDF5 result\n"
    "  check CONFIG    validate a scenario and print the resolved configuration\n"
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
    "  -h, --help            this help\n"
    "  --version             version, revision and library versions\n"
    "\n"
    "exit status: 0 success, 1 run-time failure (no convergence, I/O error),\n"
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

static char *cli_join_argv(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 3;
    char *s = malloc(n);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        int quote = strpbrk(argv[i], " \t'\"") != NULL;
        if (quote)
            strcat(s, "'");
        strcat(s, argv[i]);
        if (quote)
            strcat(s, "'");
    }
    return s;
}

int main(int argc, char **argv)
{
    const char *cmd = NULL, *config = NULL, *output = NULL;
    char *overrides[MAX_OVERRIDES];
    int noverrides = 0, force = 0, quiet = 0;
    int64_t seed = -1;

    if (argc < 2)
        return cli_usage_error("%s", "missing command");
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
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("unknown option %s", a);
        } else if (cmd == NULL) {
            cmd = a;
        } else if (config == NULL) {
            config = a;
        } else {
            return cli_usage_error("unexpected argument %s", a);
        }
    }
    if (cmd == NULL)
        return cli_usage_error("%s", "missing command");
    int is_run = strcmp(cmd, "run") == 0, is_check = strcmp(cmd, "check") == 0;
    if (!is_run && !is_check)
        return cli_usage_error("unknown command '%s' (expected run or check)", cmd);
    if (config == NULL)
        return cli_usage_error("%s needs a scenario file", cmd);

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
    char *cmdline = cli_join_argv(argc, argv);
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
