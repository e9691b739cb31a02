/* err.c - the error table and the errbuf helpers (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    int code;
    int exit_status;
    const char *name;
    const char *desc;
} err_table[] = {
#define SANC__ROW(name, val, ex, desc) { val, ex, #name, desc },
    SANCSIM_ERRORS(SANC__ROW)
#undef SANC__ROW
};

void err_init(errbuf *e)
{
    e->code = SANC_OK;
    e->msg[0] = '\0';
}

int err_set(errbuf *e, int code, const char *fmt, ...)
{
    if (e == NULL)
        return code;
    if (e->code != SANC_OK) /* keep the root cause, not its echoes */
        return e->code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = code;
    return code;
}

static int err_find(int code)
{
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
        if (err_table[i].code == code)
            return (int)i;
    return -1;
}

const char *err_name(int code)
{
    int i = err_find(code);
    return i < 0 ? "SANC_EUNKNOWN" : err_table[i].name;
}

const char *err_desc(int code)
{
    int i = err_find(code);
    return i < 0 ? "unknown error" : err_table[i].desc;
}

int err_exit_status(int code)
{
    int i = err_find(code);
    return i < 0 ? 1 : err_table[i].exit_status;
}
