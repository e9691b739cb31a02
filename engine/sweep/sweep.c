/*
 * sweep.c - running a sweep: manifest, validation, worker threads, the
 * writer, the journal and --resume (DESIGN section 6).
 *
 * Order of work:
 *   1. load the base scenario (with --set/--seed) and expand its design;
 *   2. try every parameter path on the base config (each grid value, the
 *      centre of each distribution) with scenario_load + run_check, and
 *      capture the kept variables' shapes from a base world: any error here
 *      is exit 2 before a single run;
 *   3. run: worker threads each run whole worlds (a run is
 *      scenario_load + run_scenario with the point's overrides and seed,
 *      nothing shared but the read-only manifest) and hand each finished
 *      row to this thread through a bounded pool of row buffers, so memory
 *      stays flat however many runs there are; this thread alone writes
 *      (HDF5 serial is not thread-safe);
 *   4. finish: provenance, summaries, `complete = 1` last, rename.
 *
 * Crash safety.  HDF5 1.10 gives no guarantee for a file whose writer was
 * killed, so the HDF5 file is built under a temporary name (".NAME.sweep.tmp")
 * and every finished run is also appended to an append-only journal
 * (".NAME.journal", beside the output): a fixed header naming the manifest
 * (sha256) and one self-checking record per run (run, status, message, kept
 * row, FNV-1a checksum), fdatasync'ed at least twice a second.  --resume
 * reads the journal up to its last intact record, rebuilds a fresh
 * temporary file from it and computes only the runs it lacks; the finished
 * file is renamed into place and only then is the journal removed.  Since a
 * row is a pure function of the manifest, the resumed file holds the same
 * data as an uninterrupted one.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "fsafe.h"
#include "cfgpath.h"
#include "h5out.h"
#include "run.h"
#include "scenario.h"
#include "sweepfile.h"
#include "world.h"

#define SW_MAGIC "SANCSWJ2" /* J2: the data files' fingerprints follow the header */
#define SW_MAGIC_OLD "SANCSWJ1"
#define SW_HEADER 128
#define SW_MSG_MAX 1000
#define SW_BATCH 32               /* rows handed to the writer per wake-up */
#define SW_WAKE_S 0.05            /* ...or at least this often (seconds) */
#define SW_POOL_BYTES (64u << 20) /* bound on the row buffers in flight */

int sweep_default_jobs(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static double sw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t sw_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

/* ------------------------------------------------------------------ */
/* layout of the kept variables                                        */

typedef struct sw_capture {
    const sweep_design *d;
    sweep_layout *L;
    int captured;
    errbuf err; /* a layout problem (unknown keep name), not the sentinel */
} sw_capture;

static char *sw_strdup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* Called at period 0 of the base run: copy what the file needs, then stop
 * the run (the sentinel error is not reported). */
static int sw_capture_cb(const world *w, void *ctx, errbuf *e)
{
    sw_capture *c = ctx;
    sweep_layout *L = c->L;
    const scenario *sc = w->sc;
    L->T = w->T;
    L->start_year = sc->start_year;
    L->start_month = sc->start_month;
    L->units = sw_strdup(sc->units ? sc->units : "");
    L->time_days = malloc(sizeof *L->time_days * (size_t)w->T);
    if (L->time_days == NULL || L->units == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    memcpy(L->time_days, w->out.time_days, sizeof *L->time_days * (size_t)w->T);
    for (int k = 0; k < c->d->nkeep; k++) {
        int found = -1;
        for (int i = 0; i < w->out.nvars; i++)
            if (strcmp(w->out.vars[i].name, c->d->keep[k]) == 0)
                found = i;
        if (found < 0) {
            char list[900];
            size_t u = 0;
            list[0] = '\0';
            for (int i = 0; i < w->out.nvars && u < sizeof list; i++)
                u += (size_t)snprintf(list + u, sizeof list - u, "%s%s", i ? ", " : "", w->out.vars[i].name);
            err_set(&c->err, SANC_ECONFIG, "%s: sweep.keep: unknown variable '%s' (this scenario has: %s)",
                    sc->cfg.path, c->d->keep[k], list);
            return err_set(e, SANC_ECONFIG, "%s", c->err.msg);
        }
        const schema_var *v = &w->out.vars[found];
        sweep_var *s = &L->var[k];
        s->name = sw_strdup(v->name);
        s->units = sw_strdup(v->units ? v->units : "");
        s->long_name = sw_strdup(v->long_name ? v->long_name : v->name);
        s->description = sw_strdup(v->description ? v->description : "");
        L->nvars = k + 1;
        if (!s->name || !s->units || !s->long_name || !s->description)
            return err_set(e, SANC_ENOMEM, "out of memory");
        s->ndims = v->ndims;
        s->is_int = v->is_int;
        s->n = 1;
        for (int a = 0; a < v->ndims; a++) {
            s->dims[a] = v->dims[a];
            s->n *= (size_t)w->out.dim_n[v->dims[a]];
            int dd = v->dims[a];
            if (w->out.dim_n[dd] == 0) {
                /* no zero-length axes in the file (DESIGN 10) */
                err_set(&c->err, SANC_ECONFIG, "%s: sweep.keep: variable '%s' is along the %s axis, which this "
                        "scenario leaves empty (it has no %s)", sc->cfg.path, v->name, schema_dim_names[dd],
                        schema_dim_long_names[dd]);
                return err_set(e, SANC_ECONFIG, "%s", c->err.msg);
            }
            if (L->dim_labels[dd] == NULL && w->out.dim_n[dd] > 0) {
                L->dim_n[dd] = w->out.dim_n[dd];
                L->dim_labels[dd] = calloc((size_t)w->out.dim_n[dd], sizeof(char *));
                if (L->dim_labels[dd] == NULL)
                    return err_set(e, SANC_ENOMEM, "out of memory");
                for (int i = 0; i < w->out.dim_n[dd]; i++)
                    if ((L->dim_labels[dd][i] = sw_strdup(w->out.dim_labels[dd][i] ? w->out.dim_labels[dd][i] : "")) == NULL)
                        return err_set(e, SANC_ENOMEM, "out of memory");
            }
        }
        s->offset = L->rowbytes;
        L->rowbytes += (size_t)L->T * s->n * (s->is_int ? sizeof(int) : sizeof(double));
        /* keep doubles aligned in the row */
        L->rowbytes = (L->rowbytes + 7) & ~(size_t)7;
    }
    c->captured = 1;
    return err_set(e, SANC_EINTR, "layout captured");
}

/* ------------------------------------------------------------------ */
/* one run                                                             */

typedef struct sw_shared {
    const scenario *base; /* the loaded base scenario: each run derives from it */
    const sweep_opts *o;
    const sweep_design *d;
    const sweep_layout *L;
} sw_shared;

typedef struct sw_rowctx {
    const sweep_layout *L;
    unsigned char *row;
    int widx[SCHEMA_MAX_VARS];
} sw_rowctx;

static int sw_row_cb(const world *w, void *ctx, errbuf *e)
{
    sw_rowctx *c = ctx;
    const sweep_layout *L = c->L;
    if (w->t == 0) {
        if (w->T != L->T)
            return err_set(e, SANC_ECONFIG, "the run has %d periods, the sweep file %d (a swept setting may not "
                           "change the shape of kept variables)", w->T, L->T);
        for (int k = 0; k < L->nvars; k++) {
            const sweep_var *s = &L->var[k];
            c->widx[k] = -1;
            for (int i = 0; i < w->out.nvars; i++)
                if (strcmp(w->out.vars[i].name, s->name) == 0)
                    c->widx[k] = i;
            const schema_var *v = c->widx[k] >= 0 ? &w->out.vars[c->widx[k]] : NULL;
            int same = v != NULL && v->ndims == s->ndims && v->is_int == s->is_int;
            for (int a = 0; same && a < s->ndims; a++)
                same = v->dims[a] == s->dims[a] && w->out.dim_n[s->dims[a]] == L->dim_n[s->dims[a]];
            if (!same)
                return err_set(e, SANC_ECONFIG, "variable %s is missing or has another shape in this run (a swept "
                               "setting may not change the shape of kept variables)", s->name);
        }
    }
    for (int k = 0; k < L->nvars; k++) {
        const sweep_var *s = &L->var[k];
        size_t es = s->is_int ? sizeof(int) : sizeof(double);
        if (s->n > 0)
            memcpy(c->row + s->offset + (size_t)w->t * s->n * es, w->out.vars[c->widx[k]].data, s->n * es);
    }
    return SANC_OK;
}

/* Run r into row; returns the run's own code (its message in e). */
static int sw_run_one(const sw_shared *S, int64_t r, unsigned char *row, char **ovr, char *ovrbuf,
                      size_t ovrlen, errbuf *e)
{
    const sweep_opts *o = S->o;
    const sweep_design *d = S->d;
    int n = 0;
    int64_t point = r / d->replicates;
    for (int j = 0; j < d->nparams; j++) {
        char *b = ovrbuf + (size_t)j * ovrlen;
        int rc = sweep_override(d, point, j, b, ovrlen, e);
        if (rc != SANC_OK)
            return rc;
        ovr[n++] = b;
    }
    scenario sc;
    /* the base already holds the command line's --set overrides */
    int rc = scenario_derive(&sc, S->base, ovr, n, (int64_t)sweep_run_seed(d, r), e);
    if (rc == SANC_OK) {
        sw_rowctx rc_ctx;
        memset(&rc_ctx, 0, sizeof rc_ctx);
        rc_ctx.L = S->L;
        rc_ctx.row = row;
        run_opts ro;
        memset(&ro, 0, sizeof ro);
        ro.output = NULL;
        ro.stop = o->stop;
        ro.on_period = sw_row_cb;
        ro.ctx = &rc_ctx;
        ro.keep = d->keep;
        ro.nkeep = d->nkeep;
        rc = run_scenario(&sc, &ro, e);
    }
    scenario_destroy(&sc);
    return rc;
}

/* ------------------------------------------------------------------ */
/* validation before any run                                           */

static int sw_try(const sweep_opts *o, const scenario *base, const char *extra, errbuf *e)
{
    char *ovr[1] = {(char *)extra};
    scenario sc;
    int rc = scenario_derive(&sc, base, ovr, 1, o->seed_override, e);
    if (rc == SANC_OK)
        rc = run_check(&sc, e);
    scenario_destroy(&sc);
    return rc;
}

static int sw_validate(const sweep_opts *o, const scenario *base, const sweep_design *d, errbuf *e)
{
    char buf[4300];
    for (int j = 0; j < d->nparams; j++) {
        const sweep_param *p = &d->param[j];
        double v;
        for (int i = 0; sweep_design_probe(d, j, i, &v); i++) {
            int rc = sweep_override_value(p, v, buf, sizeof buf, e);
            errbuf sub;
            err_init(&sub);
            if (rc == SANC_OK)
                rc = sw_try(o, base, buf, &sub);
            if (rc != SANC_OK) {
                int code = err_exit_status(rc) == 2 ? rc : SANC_ECONFIG;
                return err_set(e, code, "%s: sweep parameter %d (%s), value %s: %s", o->config, j + 1, p->path,
                               cfg_assignment_eq(buf) ? cfg_assignment_eq(buf) + 1 : "?", sub.msg);
            }
        }
    }
    return SANC_OK;
}

/* ------------------------------------------------------------------ */
/* file names                                                          */

/* The output, its journal (a fixed name, so that --resume finds it:
 * ".NAME.journal", shortened for long names by fsafe_side_name) and the
 * temporary HDF5 file (a unique ".NAME.sweep.tmp.XXXXXX", created with
 * O_EXCL | O_NOFOLLOW once the lock is held). */
typedef struct sw_names {
    char final[4096], journal[4352];
    char *temp;
} sw_names;

static int sw_make_names(const char *out, sw_names *n, errbuf *e)
{
    n->temp = NULL;
    if (strlen(out) >= sizeof n->final - 32)
        return err_set(e, SANC_EUSAGE, "%s: name too long", out);
    snprintf(n->final, sizeof n->final, "%s", out);
    if (fsafe_side_name(out, "journal", n->journal, sizeof n->journal) < 0)
        return err_set(e, SANC_EUSAGE, "%s: name too long", out);
    return SANC_OK;
}

/* Line i of "SHA256  PATH" text: its hash and path into buf; -1 past the end. */
static int sw_data_line(const char *text, int i, char sha[65], char *path, size_t n)
{
    const char *p = text;
    for (int k = 0; k < i && p; k++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (p == NULL || *p == '\0' || strlen(p) < 66)
        return -1;
    memcpy(sha, p, 64);
    sha[64] = '\0';
    const char *q = p + 66, *end = strchr(q, '\n');
    size_t l = end ? (size_t)(end - q) : strlen(q);
    snprintf(path, n, "%.*s", (int)l, q);
    return 0;
}

/* Compare the data files the journal was written on (old) with today's
 * (now): SANC_EDATA naming the first file that changed. */
static int sw_compare_data(const char *journal, const char *old, const char *now, errbuf *e)
{
    for (int i = 0;; i++) {
        char so[65], sn[65], po[2048], pn[2048];
        int ho = sw_data_line(old, i, so, po, sizeof po) == 0, hn = sw_data_line(now, i, sn, pn, sizeof pn) == 0;
        if (!ho && !hn)
            return SANC_OK;
        if (ho != hn)
            return err_set(e, SANC_EDATA, "%s: the scenario now reads %s data files than when the interrupted sweep "
                           "started (%s): use --force to start the sweep over", journal, hn ? "more" : "fewer",
                           hn ? pn : po);
        if (strcmp(so, sn) != 0)
            return err_set(e, SANC_EDATA, "%s: data file %s changed since the interrupted sweep started (sha256 "
                           "%.12s... then, %.12s... now): restore it, or use --force to start the sweep over on the "
                           "new data", journal, pn, so, sn);
    }
}

/* ------------------------------------------------------------------ */
/* journal                                                             */

typedef struct sw_jheader {
    char magic[8];
    char manifest[64];
    uint64_t nruns, rowbytes;
    int32_t shard_k, shard_n;
} sw_jheader;

typedef struct sw_jrec {
    uint64_t run;
    int32_t status;
    uint32_t msglen;
    uint64_t datalen;
} sw_jrec;

static int sw_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int sw_read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The journal's second part: the data files' fingerprints, so that
 * --resume can name a file that changed.  u32 length, text, FNV-1a. */
static int sw_journal_write_data(int fd, const char *text)
{
    uint32_t n = (uint32_t)strlen(text);
    uint64_t ck = sw_fnv(0xcbf29ce484222325ULL, text, n);
    return sw_write_all(fd, &n, sizeof n) < 0 || sw_write_all(fd, text, n) < 0 ||
                   sw_write_all(fd, &ck, sizeof ck) < 0
               ? -1
               : 0;
}

/* Append one record (built in buf, which has room for rowbytes + 2 KB). */
static int sw_journal_append(int fd, unsigned char *buf, int64_t run, int status, const char *msg,
                             const void *row, size_t rowbytes)
{
    sw_jrec h;
    memset(&h, 0, sizeof h);
    h.run = (uint64_t)run;
    h.status = status;
    size_t ml = status == SWEEP_FAILED && msg ? strlen(msg) : 0;
    if (ml > SW_MSG_MAX)
        ml = SW_MSG_MAX;
    h.msglen = (uint32_t)ml;
    h.datalen = status == SWEEP_DONE ? rowbytes : 0;
    size_t n = 0;
    memcpy(buf, &h, sizeof h);
    n += sizeof h;
    memcpy(buf + n, msg, ml);
    n += ml;
    if (h.datalen) {
        memcpy(buf + n, row, rowbytes);
        n += rowbytes;
    }
    uint64_t ck = sw_fnv(0xcbf29ce484222325ULL, buf, n);
    memcpy(buf + n, &ck, sizeof ck);
    n += sizeof ck;
    return sw_write_all(fd, buf, n);
}

/* ------------------------------------------------------------------ */
/* the pool between workers and the writer                             */

typedef struct sw_item {
    int64_t run;
    int status;
    char msg[SW_MSG_MAX + 1];
    unsigned char *row;
} sw_item;

typedef struct sw_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv_free, cv_done;
    sw_item *items;
    int nitems;
    int *free_stack, nfree;
    int *done_q, qhead, qlen;
    /* run source */
    unsigned char *state;   /* per run: enum sweep_status */
    int64_t cursor, block_end; /* local: next candidate; MPI: current block */
    int sourced_out;
    int active;             /* workers still running */
    int batch;              /* wake the writer once this many rows wait... */
    double last_wake;       /* ...or SW_WAKE_S after the last wake-up */
    int fatal;              /* a source error: stop everything */
    errbuf fatal_err;
    const sweep_opts *o;
    const sweep_design *d;
} sw_pool;

/* Next run to compute, or -1 (lock held). */
static int64_t sw_next_run(sw_pool *P)
{
    const sweep_opts *o = P->o;
    for (;;) {
        if (P->sourced_out || P->fatal || (o->stop && *o->stop))
            return -1;
        if (o->next_block) {
            if (P->cursor >= P->block_end) {
                int64_t first = 0, count = 0;
                errbuf e;
                err_init(&e);
                if (o->next_block(o->block_ctx, &first, &count, &e) != SANC_OK) {
                    P->fatal = 1;
                    P->fatal_err = e;
                    return -1;
                }
                if (count <= 0) {
                    P->sourced_out = 1;
                    return -1;
                }
                P->cursor = first;
                P->block_end = first + count;
            }
            int64_t r = P->cursor++;
            if (r >= 0 && r < P->d->nruns && P->state[r] == SWEEP_PENDING)
                return r;
            continue;
        }
        if (P->cursor >= P->d->nruns) {
            P->sourced_out = 1;
            return -1;
        }
        int64_t r = P->cursor;
        P->cursor += o->shard_n > 0 ? o->shard_n : 1;
        if (P->state[r] == SWEEP_PENDING)
            return r;
    }
}

typedef struct sw_worker {
    sw_pool *P;
    sw_shared S;
    pthread_t tid;
} sw_worker;

static void *sw_worker_main(void *arg)
{
    sw_worker *W = arg;
    sw_pool *P = W->P;
    const sweep_design *d = W->S.d;
    size_t ovrlen = 4300;
    char **ovr = malloc(sizeof *ovr * (size_t)(W->S.o->noverrides + d->nparams + 1));
    char *ovrbuf = malloc(ovrlen * (size_t)(d->nparams > 0 ? d->nparams : 1));
    pthread_mutex_lock(&P->mu);
    if (ovr == NULL || ovrbuf == NULL) {
        P->fatal = 1;
        err_set(&P->fatal_err, SANC_ENOMEM, "out of memory");
    }
    for (;;) {
        while (P->nfree == 0 && !P->fatal) {
            pthread_cond_signal(&P->cv_done); /* the rows queued so far free the slots */
            pthread_cond_wait(&P->cv_free, &P->mu);
        }
        int64_t r = sw_next_run(P);
        if (r < 0)
            break;
        int slot = P->free_stack[--P->nfree];
        pthread_mutex_unlock(&P->mu);

        sw_item *it = &P->items[slot];
        errbuf e;
        err_init(&e);
        memset(it->row, 0, W->S.L->rowbytes);
        int rc = sw_run_one(&W->S, r, it->row, ovr, ovrbuf, ovrlen, &e);
        it->run = r;
        it->msg[0] = '\0';
        if (rc == SANC_OK) {
            it->status = SWEEP_DONE;
        } else if (rc == SANC_EINTR && W->S.o->stop && *W->S.o->stop) {
            it->status = SWEEP_PENDING; /* interrupted: neither done nor failed */
        } else {
            it->status = SWEEP_FAILED;
            snprintf(it->msg, sizeof it->msg, "%.1000s", e.msg[0] ? e.msg : err_desc(rc));
        }

        double now = sw_now();
        pthread_mutex_lock(&P->mu);
        P->done_q[(P->qhead + P->qlen) % P->nitems] = slot;
        P->qlen++;
        /* a row a wake-up costs thread switches worth a quarter of a
         * small run: short runs wake the writer in batches, long ones
         * (or a quiet spell) at once */
        if (P->qlen >= P->batch || now - P->last_wake >= SW_WAKE_S) {
            P->last_wake = now;
            pthread_cond_signal(&P->cv_done);
        }
    }
    P->active--;
    pthread_cond_broadcast(&P->cv_done);
    pthread_mutex_unlock(&P->mu);
    free(ovr);
    free(ovrbuf);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* the whole sweep                                                     */

typedef struct sw_base {
    scenario sc;
    int loaded;
    sweep_design d;
    sweep_layout L;
    char *config_text;
    char *data_sha;  /* "SHA256  PATH" lines: every data file, the design file last */
    char config_sha[65];
    char manifest[65];
} sw_base;

static void sw_base_free(sw_base *B)
{
    if (B->loaded)
        scenario_destroy(&B->sc);
    sweep_design_free(&B->d);
    sweep_layout_free(&B->L);
    free(B->config_text);
    free(B->data_sha);
    memset(B, 0, sizeof *B);
}

/* Steps 1 and 2: everything that can fail with exit 2. */
static int sw_prepare(const sweep_opts *o, sw_base *B, errbuf *e)
{
    memset(B, 0, sizeof *B);
    if (o->shard_n < 0 || (o->shard_n > 0 && (o->shard_k < 1 || o->shard_k > o->shard_n)))
        return err_set(e, SANC_EUSAGE, "--shard %d/%d: expected K/N with 1 <= K <= N", o->shard_k, o->shard_n);
    int rc = scenario_load(&B->sc, o->config, o->overrides, o->noverrides, o->seed_override, e);
    B->loaded = 1;
    if (rc == SANC_OK)
        rc = run_check(&B->sc, e);
    if (rc == SANC_OK)
        rc = sweep_design_load(&B->d, &B->sc, e);
    if (rc != SANC_OK)
        return rc;

    /* the kept variables, from a base world stopped at period 0 */
    sw_capture cap;
    memset(&cap, 0, sizeof cap);
    cap.d = &B->d;
    cap.L = &B->L;
    err_init(&cap.err);
    run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.on_period = sw_capture_cb;
    ro.ctx = &cap;
    errbuf sub;
    err_init(&sub);
    rc = run_scenario(&B->sc, &ro, &sub);
    if (cap.err.code != SANC_OK)
        return err_set(e, cap.err.code, "%s", cap.err.msg);
    if (!cap.captured)
        return err_set(e, rc != SANC_OK ? rc : SANC_EINTERNAL, "%s: the base scenario fails: %s", o->config,
                       sub.msg);

    if ((rc = sw_validate(o, &B->sc, &B->d, e)) != SANC_OK)
        return rc;

    B->config_text = cfg_to_string(&B->sc.cfg, e);
    if (B->config_text == NULL)
        return e->code ? e->code : err_set(e, SANC_ENOMEM, "out of memory");
    size_t tl = strlen(B->config_text);
    cfg_sha256_hex(B->config_text, tl, B->config_sha);
    /* the data files (and a design file): their fingerprints join the
     * provenance and the manifest, so --resume and merge refuse results
     * built on other data */
    char *dtext = scenario_data_sha256(&B->sc);
    if (dtext == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    char fsha[65];
    const char *fpath = sweep_design_input(&B->d, fsha);
    size_t dl = strlen(dtext), fl = fpath ? strlen(fpath) + 68 : 0;
    B->data_sha = malloc(dl + fl + 1);
    if (B->data_sha == NULL) {
        free(dtext);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    memcpy(B->data_sha, dtext, dl + 1);
    free(dtext);
    if (fpath)
        snprintf(B->data_sha + dl, fl + 1, "%s  %s\n", fsha, fpath);
    /* only the hashes enter the manifest: the same files seen from another
     * working directory are the same data */
    char dhash[65];
    {
        hash_sha256 hc;
        hash_sha256_init(&hc);
        char sha[65], path[2048];
        for (int i = 0; sw_data_line(B->data_sha, i, sha, path, sizeof path) == 0; i++)
            hash_sha256_update(&hc, sha, 64);
        hash_sha256_final_hex(&hc, dhash);
    }

    /* the manifest's identity: config, seed, design points, kept shapes */
    size_t pts = (size_t)(B->d.npoints * B->d.nparams) * sizeof(double);
    size_t n = tl + pts + 512 + 64 * (size_t)B->L.nvars;
    char *m = malloc(n);
    if (m == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    size_t u = (size_t)snprintf(m, n, "seed=%llu runs=%lld points=%lld reps=%lld common=%d rowbytes=%zu data=%s\n",
                                (unsigned long long)B->d.base_seed, (long long)B->d.nruns,
                                (long long)B->d.npoints, (long long)B->d.replicates, B->d.common_seeds,
                                B->L.rowbytes, dhash);
    for (int i = 0; i < B->L.nvars; i++)
        u += (size_t)snprintf(m + u, n - u, "%s ", B->L.var[i].name);
    memcpy(m + u, B->config_text, tl);
    u += tl;
    if (pts)
        memcpy(m + u, B->d.point, pts);
    u += pts;
    cfg_sha256_hex(m, u, B->manifest);
    free(m);
    return SANC_OK;
}

int sweep_manifest_size(const sweep_opts *o, int64_t *nruns, errbuf *e)
{
    sw_base B;
    int rc = sw_prepare(o, &B, e);
    *nruns = rc == SANC_OK ? B.d.nruns : 0;
    sw_base_free(&B);
    return rc;
}

static void sw_default_output(const sweep_opts *o, const scenario *sc, char *buf, size_t n)
{
    if (sc->output_file) {
        /* x.h5 -> x_sweep.h5: a sweep never clobbers the single run's file */
        const char *dot = strrchr(sc->output_file, '.');
        const char *slash = strrchr(sc->output_file, '/');
        if (dot && (!slash || dot > slash))
            snprintf(buf, n, "%.*s_sweep%s", (int)(dot - sc->output_file), sc->output_file, dot);
        else
            snprintf(buf, n, "%s_sweep.h5", sc->output_file);
        return;
    }
    const char *base = strrchr(o->config, '/');
    base = base ? base + 1 : o->config;
    char stem[512];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    snprintf(buf, n, "results/%s_sweep.h5", stem);
}

/* Progress through the caller's callback (library code never prints); at
 * most 20 times a second, and once at the end (done == total). */
static void sw_progress(const sweep_opts *o, const sweep_result *res, int64_t todo, double t0, int final,
                        double *last)
{
    if (o->quiet || o->prog.fn == NULL)
        return;
    double now = sw_now();
    if (!final && now - *last < 0.05)
        return;
    *last = now;
    int64_t fin = res->computed;
    double rate = now > t0 ? (double)fin / (now - t0) : 0.0;
    double eta = rate > 0 ? (double)(todo - fin) / rate : 0.0;
    char detail[160];
    snprintf(detail, sizeof detail, "%lld/%lld runs (%lld failed), %.1f runs/s, ETA %.0f s",
             (long long)(res->done + res->failed), (long long)res->scope, (long long)res->failed, rate, eta);
    double total = (double)(res->scope > 0 ? res->scope : 1);
    progress_report(&o->prog, "sweep", final ? total : (double)(res->done + res->failed), total, detail);
}

/* The state of one sweep_execute, handed from phase to phase. */
typedef struct sw_exec {
    const sweep_opts *o;
    sweep_result *res;
    sw_base B;
    sw_names N;
    fsafe_lock lock;
    int have_journal;       /* a journal of an interrupted sweep is there */
    int fd;                 /* the journal */
    sweep_h5 *h;            /* the temporary HDF5 file */
    FILE *trace;
    unsigned char *recbuf;  /* a journal record being written */
    unsigned char *replay;  /* a journal record being read */
    sw_pool P;
    int64_t todo;           /* runs of the scope still to compute (local) */
} sw_exec;

/* Phase 1: the output's names and its lock, and what an existing journal
 * or output means.  *finished: a --resume of a sweep that already finished
 * (nothing to do).  On error the lock is released here. */
static int sw_phase_claim(sw_exec *X, int *finished, errbuf *e)
{
    const sweep_opts *o = X->o;
    *finished = 0;
    char defout[4096];
    const char *out = o->output;
    if (out == NULL) {
        sw_default_output(o, &X->B.sc, defout, sizeof defout);
        out = defout;
    }
    int rc = sw_make_names(out, &X->N, e);
    if (rc != SANC_OK)
        return rc;
    snprintf(X->res->output, sizeof X->res->output, "%s", X->N.final);
    /* one writer per output: the lock comes before anything is looked at
     * or touched (journal, temporary file, output), whatever HDF5's own
     * file locking says */
    if ((rc = fsafe_lock_output(X->N.final, &X->lock, e)) != SANC_OK)
        return rc;
    if (o->on_temp)
        o->on_temp(X->lock.path, o->temp_ctx);
    if ((rc = fsafe_check_side(X->N.journal, e)) != SANC_OK) {
        fsafe_unlock(&X->lock);
        return rc;
    }
    struct stat st;
    X->have_journal = lstat(X->N.journal, &st) == 0;
    if (X->have_journal && !o->resume && !o->force) {
        fsafe_unlock(&X->lock);
        return err_set(e, SANC_EEXIST, "%s: an interrupted sweep left %s: use --resume to finish it or --force to "
                       "start over", X->N.final, X->N.journal);
    }
    /* --resume of a sweep that already finished (a requeued batch job) */
    if (o->resume && !X->have_journal && sweep_h5_is_complete(X->N.final, X->B.manifest)) {
        X->res->scope = 0;
        fsafe_unlock(&X->lock);
        *finished = 1;
        return SANC_OK;
    }
    /* with a journal to resume, the output (if any) is ours to replace (a
     * regular file only: fsafe_check_output refuses anything else) */
    rc = h5out_check_target(X->N.final, o->force || (o->resume && X->have_journal), e);
    if (rc != SANC_OK)
        fsafe_unlock(&X->lock);
    return rc;
}

/* Phase 2: buffers, the trace, the temporary HDF5 file (the lock is ours). */
static int sw_phase_create(sw_exec *X, errbuf *e)
{
    const sweep_opts *o = X->o;
    const sweep_design *d = &X->B.d;
    size_t rowbytes = X->B.L.rowbytes;
    X->P.state = calloc((size_t)(d->nruns > 0 ? d->nruns : 1), 1);
    X->recbuf = malloc(rowbytes + SW_MSG_MAX + 128);
    X->replay = malloc(rowbytes + SW_MSG_MAX + 128);
    if (X->P.state == NULL || X->recbuf == NULL || X->replay == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    if (o->trace && (X->trace = fopen(o->trace, "a")) == NULL)
        return err_set(e, SANC_EIO, "%s: cannot write: %s", o->trace, strerror(errno));
    /* temporary files of a killed sweep of this output (the lock is ours) */
    fsafe_remove_stale(X->N.final, "sweep.tmp");
    int rc = fsafe_temp_create(X->N.final, "sweep.tmp", &X->N.temp, e);
    if (rc != SANC_OK)
        return rc;
    if (o->on_temp)
        o->on_temp(X->N.temp, o->temp_ctx);
    return sweep_h5_create(&X->h, X->N.temp, &X->B.L, d, e);
}

/* Phase 3a: replay the journal of an interrupted sweep into the new file
 * (hb: the header this sweep would write), then drop a torn last record. */
static int sw_journal_replay(sw_exec *X, const unsigned char *hb, errbuf *e)
{
    sw_names *N = &X->N;
    sweep_result *res = X->res;
    const sweep_design *d = &X->B.d;
    const sweep_layout *L = &X->B.L;
    int fd = X->fd = open(N->journal, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, SANC_EIO, "%s: cannot open the journal: %s", N->journal, strerror(errno));
    unsigned char got[SW_HEADER];
    errno = 0;
    if (sw_read_all(fd, got, SW_HEADER) < 0) {
        if (errno != 0)
            return err_set(e, SANC_EIO, "%s: cannot read the journal: %s", N->journal, strerror(errno));
        return err_set(e, SANC_EUSAGE, "%s: the journal is empty or cut short (its sweep was stopped while "
                       "starting, before any run was recorded): use --force to start over", N->journal);
    }
    if (memcmp(got, SW_MAGIC, 8) != 0)
        return err_set(e, SANC_EUSAGE, "%s: %s: use --force to start over", N->journal,
                       memcmp(got, SW_MAGIC_OLD, 8) == 0 ? "a journal of an older sancsim (without the data "
                                                           "files' fingerprints)"
                                                         : "not a sancsim sweep journal");
    /* the data files it was written on */
    uint32_t dlen = 0;
    char *dold = NULL;
    uint64_t dck = 0;
    if (sw_read_all(fd, &dlen, sizeof dlen) < 0 || dlen > (64u << 20) || (dold = malloc(dlen + 1)) == NULL ||
        sw_read_all(fd, dold, dlen) < 0 || sw_read_all(fd, &dck, sizeof dck) < 0 ||
        sw_fnv(0xcbf29ce484222325ULL, dold, dlen) != dck) {
        free(dold);
        return err_set(e, SANC_EUSAGE, "%s: the journal is cut short in its header: use --force to start over",
                       N->journal);
    }
    dold[dlen] = '\0';
    int rc = sw_compare_data(N->journal, dold, X->B.data_sha, e);
    free(dold);
    if (rc != SANC_OK)
        return rc;
    if (memcmp(got, hb, SW_HEADER) != 0)
        return err_set(e, SANC_EUSAGE, "%s: the journal belongs to a different sweep (config, design, seed or "
                       "shard changed): use --force to start over", N->journal);
    off_t good = SW_HEADER + (off_t)(sizeof dlen + dlen + sizeof dck);
    unsigned char *replay = X->replay;
    for (;;) {
        sw_jrec jr;
        if (sw_read_all(fd, &jr, sizeof jr) < 0)
            break;
        if (jr.run >= (uint64_t)d->nruns || jr.msglen > SW_MSG_MAX || (jr.datalen != 0 && jr.datalen != L->rowbytes) ||
            (jr.status != SWEEP_DONE && jr.status != SWEEP_FAILED))
            break;
        size_t body = jr.msglen + (size_t)jr.datalen;
        memcpy(replay, &jr, sizeof jr);
        uint64_t ck;
        if (sw_read_all(fd, replay + sizeof jr, body) < 0 || sw_read_all(fd, &ck, sizeof ck) < 0)
            break;
        if (sw_fnv(0xcbf29ce484222325ULL, replay, sizeof jr + body) != ck)
            break;
        good += (off_t)(sizeof jr + body + sizeof ck);
        if (X->P.state[jr.run] != SWEEP_PENDING)
            continue;
        char msg[SW_MSG_MAX + 1];
        memcpy(msg, replay + sizeof jr, jr.msglen);
        msg[jr.msglen] = '\0';
        if ((rc = sweep_h5_write(X->h, (int64_t)jr.run, jr.status, msg, replay + sizeof jr + jr.msglen, e)) !=
            SANC_OK)
            return rc;
        X->P.state[jr.run] = (unsigned char)jr.status;
        res->recovered++;
        if (jr.status == SWEEP_DONE)
            res->done++;
        else {
            res->failed++;
            if (res->first_failure[0] == '\0')
                snprintf(res->first_failure, sizeof res->first_failure, "run %llu: %s",
                         (unsigned long long)jr.run, msg);
        }
    }
    /* drop a torn last record before appending */
    if (ftruncate(fd, good) < 0 || lseek(fd, good, SEEK_SET) < 0)
        return err_set(e, SANC_EIO, "%s: cannot write its journal %s: %s", N->final, N->journal, strerror(errno));
    return SANC_OK;
}

/* Phase 3: the journal, resumed or started. */
static int sw_phase_journal(sw_exec *X, errbuf *e)
{
    const sweep_opts *o = X->o;
    sw_jheader jh;
    memset(&jh, 0, sizeof jh);
    memcpy(jh.magic, SW_MAGIC, 8);
    memcpy(jh.manifest, X->B.manifest, 64);
    jh.nruns = (uint64_t)X->B.d.nruns;
    jh.rowbytes = X->B.L.rowbytes;
    jh.shard_k = o->shard_k;
    jh.shard_n = o->shard_n;
    unsigned char hb[SW_HEADER];
    memset(hb, 0, sizeof hb);
    memcpy(hb, &jh, sizeof jh);
    if (o->resume && X->have_journal)
        return sw_journal_replay(X, hb, e);
    /* a fixed name, but no link is followed, and the lock is ours */
    X->fd = open(X->N.journal, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (X->fd < 0 || sw_write_all(X->fd, hb, SW_HEADER) < 0 || sw_journal_write_data(X->fd, X->B.data_sha) < 0 ||
        fdatasync(X->fd) < 0)
        return err_set(e, SANC_EIO, "%s: cannot write its journal %s: %s", X->N.final, X->N.journal,
                       strerror(errno));
    return SANC_OK;
}

/* Phase 4: the runs of this shard (every run without one), and those of
 * them still to compute; an MPI sweep's runs come in blocks instead. */
static void sw_phase_scope(sw_exec *X)
{
    const sweep_opts *o = X->o;
    int64_t scope = 0, todo = 0;
    if (o->next_block == NULL) {
        int64_t step = o->shard_n > 0 ? o->shard_n : 1;
        for (int64_t r = o->shard_n > 0 ? o->shard_k - 1 : 0; r < X->B.d.nruns; r += step) {
            scope++;
            todo += X->P.state[r] == SWEEP_PENDING;
        }
        X->P.cursor = o->shard_n > 0 ? o->shard_k - 1 : 0;
    }
    X->res->scope = scope;
    X->todo = todo;
}

/* The writer's part for one finished row: journal first (the HDF5 file is
 * rebuilt from it on --resume), then the file.  -1 on a write error (rc in
 * e). */
static int sw_write_item(sw_exec *X, const sw_item *it, errbuf *e)
{
    const sweep_opts *o = X->o;
    sweep_result *res = X->res;
    if (sw_journal_append(X->fd, X->recbuf, it->run, it->status, it->msg, it->row, X->B.L.rowbytes) < 0) {
        err_set(e, SANC_EIO, "%s: cannot write its journal %s: %s", X->N.final, X->N.journal, strerror(errno));
        return -1;
    }
    if (sweep_h5_write(X->h, it->run, it->status, it->msg, it->row, e) != SANC_OK)
        return -1;
    X->P.state[it->run] = (unsigned char)it->status;
    res->computed++;
    if (it->status == SWEEP_DONE) {
        res->done++;
    } else {
        res->failed++;
        if (res->first_failure[0] == '\0')
            snprintf(res->first_failure, sizeof res->first_failure, "run %lld: %s", (long long)it->run, it->msg);
    }
    if (o->next_block)
        res->scope++;
    if (X->trace) {
        fprintf(X->trace, "run %lld\n", (long long)it->run);
        fflush(X->trace);
    }
    return 0;
}

/* The row pool: a batch of rows a worker beyond the ones being computed
 * and written, within SW_POOL_BYTES of rows. */
static int sw_pool_alloc(sw_pool *P, int jobs, size_t rowbytes)
{
    P->batch = SW_BATCH;
    P->nitems = jobs * (SW_BATCH + 2);
    size_t itembytes = sizeof(sw_item) + rowbytes;
    if ((size_t)P->nitems * itembytes > SW_POOL_BYTES) {
        P->nitems = (int)(SW_POOL_BYTES / itembytes);
        if (P->nitems < 2 * jobs + 2)
            P->nitems = 2 * jobs + 2;
        P->batch = P->nitems / (2 * jobs) > 1 ? P->nitems / (2 * jobs) : 1;
    }
    P->last_wake = sw_now();
    P->items = calloc((size_t)P->nitems, sizeof *P->items);
    P->free_stack = malloc(sizeof(int) * (size_t)P->nitems);
    P->done_q = malloc(sizeof(int) * (size_t)P->nitems);
    if (!P->items || !P->free_stack || !P->done_q)
        return -1;
    for (int i = 0; i < P->nitems; i++) {
        if ((P->items[i].row = malloc(rowbytes ? rowbytes : 1)) == NULL)
            return -1;
        P->free_stack[P->nfree++] = i;
    }
    return 0;
}

static void sw_pool_free(sw_pool *P)
{
    if (P->items)
        for (int i = 0; i < P->nitems; i++)
            free(P->items[i].row);
    free(P->items);
    free(P->free_stack);
    free(P->done_q);
    P->items = NULL;
    P->free_stack = P->done_q = NULL;
}

/* The writer loop (this thread) until every worker has stopped. */
static int sw_writer(sw_exec *X, errbuf *e)
{
    const sweep_opts *o = X->o;
    sw_pool *P = &X->P;
    int rc = SANC_OK;
    double t0 = sw_now(), last_sync = t0, last_flush = t0, last_prog = t0;
    int write_failed = 0;
    int64_t total = o->next_block ? 0 : X->todo;
    pthread_mutex_lock(&P->mu);
    for (;;) {
        while (P->qlen == 0 && P->active > 0)
            pthread_cond_wait(&P->cv_done, &P->mu);
        if (P->qlen == 0 && P->active == 0)
            break;
        int slot = P->done_q[P->qhead];
        P->qhead = (P->qhead + 1) % P->nitems;
        P->qlen--;
        pthread_mutex_unlock(&P->mu);

        sw_item *it = &P->items[slot];
        if (it->status != SWEEP_PENDING && !write_failed) {
            if (sw_write_item(X, it, e) < 0) {
                rc = e->code;
                write_failed = 1;
            }
            double now = sw_now();
            if (now - last_sync > 0.5) {
                fdatasync(X->fd);
                last_sync = now;
            }
            if (now - last_flush > 10.0) {
                sweep_h5_flush(X->h);
                last_flush = now;
            }
            sw_progress(o, X->res, o->next_block ? X->res->computed : total, t0, 0, &last_prog);
        }
        pthread_mutex_lock(&P->mu);
        if (write_failed)
            P->fatal = 1; /* workers stop taking runs */
        P->free_stack[P->nfree++] = slot;
        pthread_cond_signal(&P->cv_free);
    }
    pthread_mutex_unlock(&P->mu);
    sw_progress(o, X->res, o->next_block ? X->res->computed : total, t0, 1, &last_prog);
    return rc;
}

/* Phase 5: worker threads compute the runs, this thread writes them. */
static int sw_phase_compute(sw_exec *X, errbuf *e)
{
    const sweep_opts *o = X->o;
    sw_pool *P = &X->P;
    int rc = SANC_OK;
    int jobs = o->jobs > 0 ? o->jobs : sweep_default_jobs();
    if (o->next_block == NULL && X->todo < jobs)
        jobs = X->todo > 0 ? (int)X->todo : 1;
    P->o = o;
    P->d = &X->B.d;
    sw_worker *W = calloc((size_t)jobs, sizeof *W);
    if (W == NULL || sw_pool_alloc(P, jobs, X->B.L.rowbytes) < 0) {
        free(W);
        sw_pool_free(P);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    err_init(&P->fatal_err);
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->cv_free, NULL);
    pthread_cond_init(&P->cv_done, NULL);
    int started = 0;
    pthread_mutex_lock(&P->mu);
    for (int i = 0; i < jobs; i++) {
        W[i].P = P;
        W[i].S.base = &X->B.sc;
        W[i].S.o = o;
        W[i].S.d = &X->B.d;
        W[i].S.L = &X->B.L;
        if (pthread_create(&W[i].tid, NULL, sw_worker_main, &W[i]) != 0)
            break;
        started++;
        P->active++;
    }
    pthread_mutex_unlock(&P->mu);
    if (started == 0) {
        rc = err_set(e, SANC_ENOMEM, "cannot start worker threads");
    } else {
        rc = sw_writer(X, e);
        for (int i = 0; i < started; i++)
            pthread_join(W[i].tid, NULL);
        if (rc == SANC_OK && P->fatal_err.code != SANC_OK)
            rc = err_set(e, P->fatal_err.code, "%s", P->fatal_err.msg);
        if (rc == SANC_OK && fdatasync(X->fd) < 0)
            rc = err_set(e, SANC_EIO, "%s: cannot write its journal %s: fsync: %s", X->N.final, X->N.journal,
                         strerror(errno));
        if (rc == SANC_OK && o->stop && *o->stop)
            rc = err_set(e, SANC_EINTR, "interrupted: %lld runs recorded; `--resume` finishes the sweep",
                         (long long)(X->res->done + X->res->failed));
    }
    free(W);
    pthread_mutex_destroy(&P->mu);
    pthread_cond_destroy(&P->cv_free);
    pthread_cond_destroy(&P->cv_done);
    sw_pool_free(P);
    return rc;
}

/* Phase 6: provenance and summaries, `complete` when no run of the scope
 * is pending, then the file into place and only then the journal away. */
static int sw_phase_publish(sw_exec *X, errbuf *e)
{
    const sweep_opts *o = X->o;
    const sweep_design *d = &X->B.d;
    int64_t pending = 0;
    if (o->next_block == NULL) {
        int64_t step = o->shard_n > 0 ? o->shard_n : 1;
        for (int64_t r = o->shard_n > 0 ? o->shard_k - 1 : 0; r < d->nruns; r += step)
            pending += X->P.state[r] == SWEEP_PENDING;
    }
    sweep_h5_prov pv = {
        .seed = d->base_seed, .command_line = o->command_line ? o->command_line : "",
        .config_text = X->B.config_text, .config_sha256 = X->B.config_sha, .scenario_name = X->B.sc.name,
        .manifest_sha256 = X->B.manifest, .shard_k = o->shard_k, .shard_n = o->shard_n,
        .data_sha256 = X->B.data_sha, .part = o->part,
    };
    int whole = o->shard_n == 0 && o->next_block == NULL && !o->part;
    int rc = sweep_h5_finish(X->h, &pv, pending == 0, whole && d->summaries, e);
    X->h = NULL;
    if (rc == SANC_OK && pending != 0)
        rc = err_set(e, SANC_EINTERNAL, "%lld runs left pending", (long long)pending);
    if (rc == SANC_OK && fsafe_sync_file(X->N.temp) < 0)
        rc = err_set(e, SANC_EIO, "%s: cannot write: fsync: %s", X->N.final, strerror(errno));
    /* never onto a link or a non-regular file that appeared meanwhile */
    if (rc == SANC_OK)
        rc = fsafe_publish(X->N.temp, X->N.final, 1, e);
    if (rc == SANC_OK) {
        /* the journal goes only once the file is in place */
        close(X->fd);
        X->fd = -1;
        unlink(X->N.journal);
    }
    return rc;
}

/* Whatever the phases left open.  An interrupted or failed sweep keeps its
 * journal for --resume; the temporary HDF5 file is rebuilt from it, so it
 * goes. */
static void sw_exec_close(sw_exec *X, int rc)
{
    if (X->h)
        sweep_h5_abort(X->h);
    if (X->fd >= 0)
        close(X->fd);
    if (X->trace)
        fclose(X->trace);
    if (rc != SANC_OK && X->N.temp != NULL)
        unlink(X->N.temp);
    free(X->N.temp);
    fsafe_unlock(&X->lock);
    if (X->o->on_temp)
        X->o->on_temp(NULL, X->o->temp_ctx);
    free(X->P.state);
    free(X->recbuf);
    free(X->replay);
}

int sweep_execute(const sweep_opts *o, sweep_result *res, errbuf *e)
{
    memset(res, 0, sizeof *res);
    sw_exec X;
    memset(&X, 0, sizeof X);
    X.o = o;
    X.res = res;
    X.fd = -1;
    int rc = sw_prepare(o, &X.B, e);
    if (rc == SANC_OK) {
        res->nruns = X.B.d.nruns;
        int finished = 0;
        rc = sw_phase_claim(&X, &finished, e);
        /* from here on the lock is held: sw_exec_close releases it */
        if (rc == SANC_OK && !finished) {
            rc = sw_phase_create(&X, e);
            if (rc == SANC_OK)
                rc = sw_phase_journal(&X, e);
            if (rc == SANC_OK) {
                sw_phase_scope(&X);
                rc = sw_phase_compute(&X, e);
            }
            if (rc == SANC_OK)
                rc = sw_phase_publish(&X, e);
            sw_exec_close(&X, rc);
        }
    }
    sw_base_free(&X.B);
    return rc;
}
