/*
 * main.c - the sancsim command line.  The only code (with cli.c, which
 * parses the options for both programs) that touches argv, stdout/stderr
 * conventions, signals and exit statuses:
 *   0 success, 1 run-time failure, 2 bad usage, config or data (or an
 *   existing output without --force), 130/143 on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cli.h"
#include "cmd_export.h"
#include "cmd_help.h"
#include "err.h"
#include "estimate_cmd.h"
#include "err.h"
#include "estimate_cmd.h"
#include "h5out.h"
#include "run.h"
#include "scenario.h"
#include "sweep.h"

/* The files a signal must not leave behind (the temporary output, a lock
 * file), for the signal handler: the CLI is the one place that owns
 * process-wide state.  Writers report them through their on_temp
 * callbacks: a name adds it, NULL clears the list. */
#define CLI_NTEMP 2
static char cli_temp_path[CLI_NTEMP][4400];
static volatile sig_atomic_t cli_temp_n;

static void cli_on_temp(const char *path, void *ctx)
{
    (void)ctx;
    if (path == NULL) {
        cli_temp_n = 0;
        return;
    }
    if (cli_temp_n < CLI_NTEMP && strlen(path) < sizeof cli_temp_path[0]) {
        memcpy(cli_temp_path[cli_temp_n], path, strlen(path) + 1);
        atomic_signal_fence(memory_order_seq_cst); /* the name is complete before the handler can see it */
        cli_temp_n = cli_temp_n + 1;
    }
}

static void cli_remove_temps(void)
{
    /* async-signal-safe */
    for (int i = 0; i < cli_temp_n; i++)
        unlink(cli_temp_path[i]);
}

static void cli_on_signal(int sig)
{
    /* async-signal-safe: remove the half-written file and leave */
    cli_remove_temps();
    _exit(128 + sig);
}

/* A sweep stops gracefully on the first signal (workers finish their run,
 * the journal is synced for --resume); a second one leaves at once. */
static volatile sig_atomic_t cli_stop;

static void cli_on_sweep_signal(int sig)
{
    if (cli_stop) {
        cli_remove_temps();
        _exit(128 + sig);
    }
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
    /* SIGXFSZ is ignored for every command (cli_process_init) */
}

static int cli_fail(int code, const char *msg)
{
    cli_progress_end();
    fprintf(stderr, "sancsim: %s\n", msg);
    return err_exit_status(code);
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
static int cli_sweep(const cli_args *a, int argc, char **argv)
{
    int quiet = a->quiet, resume = a->resume;
    char *cmdline = run_command_line(argc, argv);
    sweep_opts o;
    memset(&o, 0, sizeof o);
    o.config = a->config;
    o.overrides = a->overrides;
    o.noverrides = a->noverrides;
    o.seed_override = a->seed;
    o.output = a->output;
    o.force = a->force;
    o.resume = a->resume;
    o.jobs = a->jobs;
    o.shard_k = a->shard_k;
    o.shard_n = a->shard_n;
    o.quiet = quiet;
    if (!quiet) {
        o.prog.fn = cli_progress;
        o.prog.ctx = (void *)"sancsim";
    }
    o.on_temp = cli_on_temp;
    o.command_line = cmdline;
    o.trace = getenv("SANCSIM_SWEEP_TRACE"); /* tests: which runs each session computed */
    o.stop = &cli_stop;
    cli_install_sweep_signals();
    sweep_result res;
    errbuf e;
    err_init(&e);
    int rc = sweep_execute(&o, &res, &e);
    free(cmdline);
    cli_progress_end();
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

static int cli_merge(const cli_args *a, int argc, char **argv)
{
    char *cmdline = run_command_line(argc, argv);
    errbuf e;
    err_init(&e);
    int64_t missing = 0, failed = 0;
    /* temp-then-rename: SIGINT/SIGTERM remove the temporary file (130/143) */
    cli_install_signals();
    sweep_merge_opts mo = {
        .output = a->output, .force = a->force, .parts = a->parts, .nparts = a->nparts,
        .command_line = cmdline ? cmdline : "", .on_temp = cli_on_temp,
    };
    int rc = sweep_merge(&mo, &missing, &failed, &e);
    free(cmdline);
    if (rc != SANC_OK)
        return cli_fail(rc, e.msg);
    if (missing) {
        fprintf(stderr, "sancsim: wrote %s, incomplete: %lld runs are in no part (run_status = 0)\n", a->output,
                (long long)missing);
        return 1;
    }
    if (!a->quiet || failed)
        fprintf(stderr, "sancsim: wrote %s from %d parts (%lld runs failed)\n", a->output, a->nparts,
                (long long)failed);
    return failed ? 1 : 0;
}

/* `run` and `check`. */
static int cli_run(const cli_args *a, int argc, char **argv)
{
    const char *config = a->config, *output = a->output;
    int quiet = a->quiet, force = a->force, is_check = a->cmd == CLI_CHECK;
    errbuf e;
    err_init(&e);
    scenario sc;
    int rc = scenario_load(&sc, config, a->overrides, a->noverrides, a->seed, &e);
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
    /* an existing output, one that is not a regular file or an unwritable
     * folder is refused before any work */
    rc = h5out_check_target(output, force, &e);
    if (rc != SANC_OK) {
        scenario_destroy(&sc);
        return cli_fail(rc, e.msg);
    }
    cli_install_signals();
    char *cmdline = run_command_line(argc, argv);
    run_opts o = {
        .output = output, .force = force, .command_line = cmdline,
        .prog = {.fn = quiet ? NULL : cli_progress, .ctx = (void *)"sancsim"},
        .stop = NULL, .on_temp = cli_on_temp, .ctx = NULL,
    };
    rc = run_scenario(&sc, &o, &e);
    free(cmdline);
    cli_progress_end();
    if (rc == SANC_OK && !quiet)
        fprintf(stderr, "sancsim: wrote %s (%d periods)\n", output, sc.periods);
    scenario_destroy(&sc);
    return rc == SANC_OK ? 0 : cli_fail(rc, e.msg);
}

/* `sancsim estimate`: progress in tenths on stderr, the table on stdout. */
static void cli_estimate_print(const char *text, void *ctx)
{
    (void)ctx;
    fputs(text, stdout);
}

static void cli_estimate_progress(const char *stage, int done, int total, void *ctx)
{
    (void)ctx;
    if (done == total || (done * 10) / total != ((done - 1) * 10) / total)
        fprintf(stderr, "sancsim: %s %d/%d\n", stage, done, total);
}

static int cli_estimate(const cli_args *a, int argc, char **argv)
{
    char defout[1024];
    const char *output = a->output;
    if (output == NULL) {
        cli_default_output(a->config, defout, sizeof defout);
        output = defout;
    }
    cli_install_signals();
    char *cmdline = run_command_line(argc, argv);
    estimate_cmd_opts o = {
        .spec = a->config, .output = output, .overrides = a->overrides, .noverrides = a->noverrides,
        .force = a->force, .jobs = a->jobs > 0 ? a->jobs : sweep_default_jobs(), .command_line = cmdline,
        .print = cli_estimate_print, .progress = a->quiet ? NULL : cli_estimate_progress, .on_temp = cli_on_temp,
        .ctx = NULL,
    };
    errbuf e;
    err_init(&e);
    int rc = estimate_command(&o, &e);
    free(cmdline);
    if (rc != SANC_OK)
        return cli_fail(rc, e.msg);
    if (!a->quiet)
        fprintf(stderr, "sancsim: wrote %s\n", output);
    return 0;
}

int main(int argc, char **argv)
{
    cli_process_init();
    /* commands with their own options (engine/app/cmd_*.c) */
    if (argc >= 2 && strcmp(argv[1], "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "diff") == 0)
        return cmd_diff(argc - 1, argv + 1);
    if (argc == 3 && strcmp(argv[1], "help") == 0 &&
        (strcmp(argv[2], "export") == 0 || strcmp(argv[2], "diff") == 0 || strcmp(argv[2], "help") == 0))
        return cmd_help(argv[2]);
    cli_args a;
    errbuf e;
    err_init(&e);
    int rc = cli_parse(argc, argv, 0, &a, &e);
    if (rc != SANC_OK) {
        int st = rc == SANC_ENOMEM ? cli_fail(rc, e.msg) : cli_usage_error(&a, e.msg);
        cli_args_free(&a);
        return st;
    }
    if (a.help || a.version) {
        if (a.help)
            cli_help(stdout, &a);
        else
            cli_version(stdout, "sancsim");
        cli_args_free(&a);
        return 0;
    }
    /* the command line goes into the provenance: refuse what would fail
     * only once the run is done */
    if ((rc = cli_check_command_line(argc, argv, &e)) != SANC_OK) {
        cli_args_free(&a);
        return cli_fail(rc, e.msg);
    }
    int st;
    if (a.cmd == CLI_MERGE)
        st = cli_merge(&a, argc, argv);
    else if (a.cmd == CLI_SWEEP)
        st = cli_sweep(&a, argc, argv);
    else if (a.cmd == CLI_ESTIMATE)
        st = cli_estimate(&a, argc, argv);
    else
        st = cli_run(&a, argc, argv);
    cli_args_free(&a);
    return st;
}
