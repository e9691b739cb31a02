/*
 * progress.h - how long-running library calls report progress without
 * printing (library code never prints: err.h).  The CLI installs a
 * callback that draws the progress line on stderr; tests and embedders
 * install their own or none.
 *
 * `what` names the stage ("period", "sweep"), done/total count its units,
 * and `detail` is a short human text for the current state (the period's
 * date, the sweep's rate and ETA), or NULL.  done == total marks the last
 * call of a stage.  Called from the thread that runs the stage (a sweep's
 * writer thread, never a worker).
 */
#ifndef SANCSIM_PROGRESS_H
#define SANCSIM_PROGRESS_H

typedef void (*progress_fn)(void *ctx, const char *what, double done, double total, const char *detail);

typedef struct progress {
    progress_fn fn; /* NULL: no progress */
    void *ctx;
} progress;

static inline void progress_report(const progress *p, const char *what, double done, double total,
                                   const char *detail)
{
    if (p != NULL && p->fn != NULL)
        p->fn(p->ctx, what, done, total, detail);
}

#endif
