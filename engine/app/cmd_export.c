/*
 * cmd_export.c - `sancsim export FILE [-o DIR] [--vars a,b] [--force]` and
 * `sancsim diff A.h5 B.h5 -o D.h5 [--vars a,b] [--force]`: the command
 * lines of h5export_csv and h5diff_files (engine/io/h5tidy.h).
 */
#include "cmd_export.h"
#include "cmd_help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "h5tidy.h"
#include "run.h"

#define CMD_MAX_VARS 128

static int cmd_usage(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "sancsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'sancsim help %s'.\n", cmd);
    return 2;
}

/* "a,b,c" -> vars (pointers into the copy *buf). */
static int cmd_split_vars(const char *list, char **buf, char **vars, int *n)
{
    *buf = strdup(list);
    if (*buf == NULL)
        return -1;
    *n = 0;
    for (char *save = NULL, *t = strtok_r(*buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (*t == '\0')
            continue;
        if (*n == CMD_MAX_VARS)
            return -1;
        vars[(*n)++] = t;
    }
    return *n > 0 ? 0 : -1;
}

/* Options shared by both commands; positional arguments into pos. */
typedef struct cmd_args {
    const char *pos[3];
    int npos;
    const char *output, *vars;
    int force, quiet;
} cmd_args;

static int cmd_parse(const char *cmd, int argc, char **argv, int maxpos, cmd_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            if (++i >= argc)
                return cmd_usage(cmd, "%s needs a name", s);
            a->output = argv[i];
        } else if (strncmp(s, "--output=", 9) == 0) {
            a->output = s + 9;
        } else if (strcmp(s, "--vars") == 0) {
            if (++i >= argc)
                return cmd_usage(cmd, "%s needs a list of variables a,b,c", s);
            a->vars = argv[i];
        } else if (strncmp(s, "--vars=", 7) == 0) {
            a->vars = s + 7;
        } else if (strcmp(s, "-f") == 0 || strcmp(s, "--force") == 0) {
            a->force = 1;
        } else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) {
            a->quiet = 1;
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            return -1; /* the caller prints the command's help */
        } else if (s[0] == '-' && s[1] != '\0') {
            return cmd_usage(cmd, "unknown option %s", s);
        } else if (a->npos == maxpos) {
            return cmd_usage(cmd, "unexpected argument %s", s);
        } else {
            a->pos[a->npos++] = s;
        }
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    cmd_args a;
    int rc = cmd_parse("export", argc, argv, 1, &a);
    if (rc < 0) {
        return cmd_help("export");
    }
    if (rc != 0)
        return rc;
    if (a.npos != 1)
        return cmd_usage("export", "%s", "export needs one result file");
    char *vbuf = NULL, *vars[CMD_MAX_VARS];
    int nvars = 0;
    if (a.vars != NULL && cmd_split_vars(a.vars, &vbuf, vars, &nvars) < 0) {
        free(vbuf);
        return cmd_usage("export", "--vars %s: expected a comma-separated list of variables", a.vars);
    }
    h5export_opts o = {a.pos[0], a.output, nvars ? vars : NULL, nvars, a.force};
    h5export_result res;
    errbuf e;
    err_init(&e);
    rc = h5export_csv(&o, &res, &e);
    free(vbuf);
    if (rc != SANC_OK) {
        fprintf(stderr, "sancsim: %s\n", e.msg);
        return err_exit_status(rc);
    }
    if (!a.quiet)
        fprintf(stderr, "sancsim: wrote %s: %d CSV files, %lld rows\n", res.dir, res.nfiles, res.rows);
    return 0;
}

int cmd_diff(int argc, char **argv)
{
    cmd_args a;
    int rc = cmd_parse("diff", argc, argv, 2, &a);
    if (rc < 0) {
        return cmd_help("diff");
    }
    if (rc != 0)
        return rc;
    if (a.npos != 2)
        return cmd_usage("diff", "%s", "diff needs two result files, the base A and the variant B");
    if (a.output == NULL)
        return cmd_usage("diff", "%s", "diff needs -o D.h5");
    char *vbuf = NULL, *vars[CMD_MAX_VARS];
    int nvars = 0;
    if (a.vars != NULL && cmd_split_vars(a.vars, &vbuf, vars, &nvars) < 0) {
        free(vbuf);
        return cmd_usage("diff", "--vars %s: expected a comma-separated list of variables", a.vars);
    }
    /* the whole command line, for the history attribute: main passes
     * argv + 1, so argv[-1] is the program name */
    char *cmdline = run_command_line(argc + 1, argv - 1);
    h5diff_opts o = {a.pos[0], a.pos[1], a.output, nvars ? vars : NULL, nvars, a.force, cmdline};
    h5diff_result res;
    errbuf e;
    err_init(&e);
    rc = h5diff_files(&o, &res, &e);
    free(cmdline);
    free(vbuf);
    if (rc != SANC_OK) {
        fprintf(stderr, "sancsim: %s\n", e.msg);
        return err_exit_status(rc);
    }
    if (!a.quiet) {
        if (res.skipped[0])
            fprintf(stderr, "sancsim: not compared (in one file only): %s\n", res.skipped);
        fprintf(stderr, "sancsim: wrote %s: %d variables compared\n", a.output, res.nvars);
    }
    return 0;
}
