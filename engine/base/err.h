/*
 * err.h - error codes and the error buffer every library call fills.
 *
 * Library functions never print and never exit: they return 0 or a negative
 * SANC_E* code and leave a one-line message in an errbuf.  Only the CLI maps
 * codes to exit statuses (err_exit_status).  The code list is one X-macro so
 * codes and their names cannot drift apart (the SUNDIALS pattern).
 */
#ifndef SANCSIM_ERR_H
#define SANCSIM_ERR_H

#include <stddef.h>

/*        name           value  exit  description */
#define SANCSIM_ERRORS(X)                                              \
    X(SANC_OK,        0,  0, "ok")                                     \
    X(SANC_EUSAGE,   -1,  2, "bad usage")                              \
    X(SANC_ECONFIG,  -2,  2, "invalid scenario")                       \
    X(SANC_EDATA,    -3,  2, "invalid data")                           \
    X(SANC_EEXIST,   -4,  2, "output exists")                          \
    X(SANC_ENOCONV,  -5,  1, "solver did not converge")                \
    X(SANC_ENOEQ,    -6,  1, "no equilibrium")                         \
    X(SANC_EIO,      -7,  1, "input/output error")                     \
    X(SANC_ENOMEM,   -8,  1, "out of memory")                          \
    X(SANC_ELIMIT,   -9,  2, "size limit exceeded")                    \
    X(SANC_EINTR,   -10,  1, "interrupted")                            \
    X(SANC_EINTERNAL,-11, 1, "internal error")

enum sanc_code {
#define SANC__ENUM(name, val, ex, desc) name = val,
    SANCSIM_ERRORS(SANC__ENUM)
#undef SANC__ENUM
};

/* The message is the whole line the user sees, e.g.
 * "configs/x.cfg:12: trade.sigma: must be > 1 (got 0.5)". */
typedef struct errbuf {
    int code;
    char msg[1024];
} errbuf;

void        err_init(errbuf *e);
/* Sets code and message (printf-style) and returns code, so callers can
 * write `return err_set(e, SANC_EDATA, "...")`.  The first error wins: a
 * second err_set on a buffer that already holds an error keeps the first. */
int         err_set(errbuf *e, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
const char *err_name(int code);        /* "SANC_ECONFIG" */
const char *err_desc(int code);        /* "invalid scenario" */
int         err_exit_status(int code); /* 0, 1 or 2 */

#endif
