/*
 * run.c - the run loop: config -> world -> modules in order -> recorder.
 *
 * Period 0 is the baseline: modules set their part of it in init and it is
 * recorded before the first step.  Each later period steps every module in
 * registry order, then the recorder appends it.  All state hangs off the
 * world and the module array, so several runs may live in one process.
 */
#include "run.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "gravity.h"
#include "h5out.h"
#include "lookahead.h"
#include "model.h"
#include "scenario.h"
#include "world.h"

#define RUN_MAX_MODELS 16

typedef struct run_state {
    world w;
    model models[RUN_MAX_MODELS];
    int nmodels;
    model_views views; /* the modules' published views */
    lookahead *la;     /* created on first use: most runs never look ahead */
    struct ge_io_fee *fee0; /* io: period 0's hub fees for the second set-up pass (owned) */
    int nfee0;
} run_state;

static int run_lookahead(void *ctx, const world *w, const double *extra_logphi, double *welfare, double *X,
                         errbuf *e)
{
    run_state *r = ctx;
    int rc = SANC_OK;
    if (r->la == NULL && (rc = lookahead_create(&r->la, w, e)) != SANC_OK)
        return rc;
    lookahead_policy p = {.extra_logphi = extra_logphi};
    lookahead_result res = {.welfare = welfare, .X = X};
    return lookahead_eval(r->la, w, &p, &res, e);
}

static int run_lookahead_set(void *ctx, const world *w, const la_policyset *p, double *welfare, double *X,
                             errbuf *e)
{
    run_state *r = ctx;
    int rc = SANC_OK;
    if (r->la == NULL && (rc = lookahead_create(&r->la, w, e)) != SANC_OK)
        return rc;
    lookahead_result res = {.welfare = welfare, .X = X};
    return lookahead_eval_set(r->la, w, &r->views, p, &res, e);
}

static void run_teardown(run_state *r)
{
    for (int i = r->nmodels - 1; i >= 0; i--)
        if (r->models[i].ops->finish)
            r->models[i].ops->finish(&r->models[i]);
    r->nmodels = 0;
    lookahead_free(r->la);
    r->la = NULL;
    gravity_release(&r->w);
    world_destroy(&r->w);
    free(r->fee0);
    r->fee0 = NULL;
    r->nfee0 = 0;
}

static int run_setup_pass(run_state *r, const scenario *sc, const run_opts *o, errbuf *e)
{
    struct ge_io_fee *fee0 = r->fee0;
    int nfee0 = r->nfee0;
    memset(r, 0, sizeof *r);
    r->fee0 = fee0;
    r->nfee0 = nfee0;
    int rc = model_check_fields(model_registry, e);
    if (rc != SANC_OK)
        return rc;
    rc = world_init(&r->w, sc, e);
    if (rc != SANC_OK)
        return rc;
    /* a file records every variable: the keep list only without one */
    if (o != NULL && o->keep != NULL && o->output == NULL) {
        r->w.keep = o->keep;
        r->w.nkeep = o->nkeep;
    }
    r->w.fee0_in = r->fee0;
    r->w.nfee0_in = r->nfee0;
    /* the GE model's period 0 before any module derives its baseline from it */
    if ((rc = gravity_prepare(&r->w, e)) != SANC_OK)
        return rc;
    for (const model_entry *m = model_registry; m->name != NULL && rc == SANC_OK; m++) {
        if (r->nmodels == RUN_MAX_MODELS)
            return err_set(e, SANC_EINTERNAL, "too many modules");
        model *md = &r->models[r->nmodels++];
        md->ops = m->ops; /* so that teardown can finish it whatever happens */
        md->lookahead.eval = run_lookahead;
        md->lookahead.eval_set = run_lookahead_set;
        md->lookahead.ctx = r;
        rc = model_start(md, m->name, sc, &r->w, &r->views, e);
    }
    /* checks that need every module's view (e.g. the names a stop ends) */
    for (int i = 0; i < r->nmodels && rc == SANC_OK; i++)
        if (r->models[i].ops->ready)
            rc = r->models[i].ops->ready(&r->models[i], &r->w, e);
    return rc;
}

/* Under io a hub fee active in period 0 is part of the re-solved baseline
 * (DESIGN 2b), but period 0 is solved before routing starts (every module
 * derives its baseline from it).  Routing's period-0 route shares do not
 * depend on the baseline flows, so one more pass with the fees gravity
 * found settles it; gravity checks that the second pass finds the same. */
static int run_setup(run_state *r, const scenario *sc, const run_opts *o, errbuf *e)
{
    r->fee0 = NULL;
    r->nfee0 = 0;
    int rc = run_setup_pass(r, sc, o, e);
    if (rc != SANC_OK || r->w.fee0_redo == NULL)
        return rc;
    struct ge_io_fee *fee0 = r->w.fee0_redo;
    int nfee0 = r->w.nfee0_redo;
    r->w.fee0_redo = NULL;
    run_teardown(r);
    r->fee0 = fee0;
    r->nfee0 = nfee0;
    rc = run_setup_pass(r, sc, o, e);
    if (rc == SANC_OK && r->w.fee0_redo != NULL)
        rc = err_set(e, SANC_EINTERNAL, "period-0 hub fees did not settle in two set-up passes");
    return rc;
}

int run_check(const scenario *sc, errbuf *e)
{
    run_state r;
    int rc = run_setup(&r, sc, NULL, e);
    run_teardown(&r);
    return rc;
}

char *run_command_line(int argc, char **argv)
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

int run_scenario(const scenario *sc, const run_opts *o, errbuf *e)
{
    run_state r;
    h5out *out = NULL;
    char *text = NULL;
    int rc = run_setup(&r, sc, o, e);
    /* SIGINT/SIGTERM are held back from the moment the temporary file is
     * created until the caller knows its name, so that its handler can
     * always remove it (pending signals arrive on unblocking). */
    sigset_t hold, saved;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    int held = o->on_temp != NULL && pthread_sigmask(SIG_BLOCK, &hold, &saved) == 0;
    if (rc == SANC_OK && o->output)
        rc = h5out_create(&out, o->output, o->force, &r.w.out, sc->compression, sc->units, e);
    if (rc == SANC_OK && out && o->on_temp)
        o->on_temp(h5out_temp_path(out), o->ctx);
    if (held)
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    r.w.t = 0;
    if (rc == SANC_OK && out)
        rc = h5out_append(out, &r.w.out, r.w.t, e);
    if (rc == SANC_OK && o->on_period)
        rc = o->on_period(&r.w, o->ctx, e);

    for (int t = 1; t < sc->periods && rc == SANC_OK; t++) {
        if (o->stop && *o->stop) {
            rc = err_set(e, SANC_EINTR, "interrupted at period %d", t);
            break;
        }
        world_begin_period(&r.w, t);
        for (int i = 0; i < r.nmodels && rc == SANC_OK; i++)
            rc = r.models[i].ops->step(&r.models[i], &r.w, t, e);
        if (rc == SANC_OK && out)
            rc = h5out_append(out, &r.w.out, r.w.t, e);
        if (rc == SANC_OK && o->on_period)
            rc = o->on_period(&r.w, o->ctx, e);
        if (rc == SANC_OK && o->prog.fn != NULL) {
            char lab[32];
            progress_report(&o->prog, "period", t, sc->periods - 1, scenario_period_label(sc, t, lab, sizeof lab));
        }
    }

    if (rc == SANC_OK && out) {
        text = cfg_to_string(&sc->cfg, e);
        if (text == NULL)
            rc = e->code ? e->code : err_set(e, SANC_ENOMEM, "out of memory");
    }
    if (rc == SANC_OK && out) {
        char sha[65];
        cfg_sha256_hex(text, strlen(text), sha);
        char *data_sha = scenario_data_sha256(sc);
        h5out_prov p = {
            .seed = (unsigned long long)sc->seed, .command_line = o->command_line ? o->command_line : "",
            .config_text = text, .config_sha256 = sha, .scenario_name = sc->name, .units = sc->units,
            .tables = &r.w.out,
            .data_sha256 = data_sha,
        };
        if (data_sha == NULL) {
            rc = err_set(e, SANC_ENOMEM, "out of memory");
            h5out_abort(out);
        } else {
            rc = h5out_finish(out, &p, e);
        }
        free(data_sha);
        out = NULL; /* finish closes (and on error removes) the file */
    }
    if (out)
        h5out_abort(out);
    if (out == NULL && o->output && o->on_temp)
        o->on_temp(NULL, o->ctx);
    free(text);
    run_teardown(&r);
    return rc;
}
