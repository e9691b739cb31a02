/*
 * ge_model.h - the registry of general-equilibrium models (DESIGN sections 2,
 * 2b and 4: "a new GE model is one file plus one registry line").
 *
 * A GE model turns one period's openness (the iceberg part, partially
 * adjusted, DESIGN section 3 item 5), revenue wedges (tariff, export tax,
 * hub fees; they act at once and are never part of the openness) and
 * deficits into the period's equilibrium.  The period loop (gravity.c), the
 * run's look-ahead and the tests reach every model through this one ops
 * table, selected by `trade.model`:
 *
 *   armington  DESIGN section 2 (ge.c); with revenue wedges, the expenditure
 *              equation with revenue of section 2b, solved by ge_io.c with
 *              no inputs and sector-specific factors, which is that model
 *              exactly (the nesting check)
 *   io         DESIGN section 2b: Caliendo-Parro with input-output links
 *              (ge_io.c), period 0 the re-solved baseline
 *
 * Every output is relative to period 0 (hats) or in levels of the data's
 * units; flows are seller values S (what the exporter receives).
 */
#ifndef SANCSIM_GE_MODEL_H
#define SANCSIM_GE_MODEL_H

#include <stddef.h>

#include "err.h"
#include "ge_io.h"

struct iodata;

typedef struct ge_model ge_model;

/* What a model is built from (arrays are read at create and not kept,
 * except names). */
typedef struct ge_model_spec {
    int nc, ns;
    const double *X0;          /* nc*nc*ns data flows (armington: period 0, seller values) */
    const double *sigma;       /* ns elasticities of substitution (theta = sigma - 1) */
    int imbalance;             /* IMBALANCE_* (armington) */
    int factors;               /* GE_IO_MOBILE or GE_IO_SECTOR_SPECIFIC (io) */
    int baseline_deficits;     /* GE_IO_DEFICITS_DATA or _ZERO (io) */
    const struct iodata *io;   /* io: the production-network data (required) */
    int revenue;               /* armington: the run has revenue wedges (tariffs, export taxes, fees) */
    const ge_io_wedges *base;  /* revenue wedges of period 0 besides the data's tariffs (hub fees);
                                  NULL: none */
    double tol;                /* relative price change at convergence (1e-12) */
    int max_iter;
    char *const *country;      /* nc (kept) */
    char *const *sector;       /* ns (kept) */
} ge_model_spec;

/* One period's inputs. */
typedef struct ge_model_in {
    const double *phi;          /* nc*nc*ns openness (domestic cells ignored) */
    const double *D;            /* nc deficits (NULL: period 0's) */
    const ge_io_wedges *wedges; /* revenue wedge levels (NULL: period 0's) */
    int warm;                   /* start from the model's last solution (0: from period 0) */
} ge_model_in;

/* Caller-allocated outputs; (opt) may be NULL.  Armington: phat is also
 * the warm start as in ge.h (set it to 1 for a cold start). */
typedef struct ge_model_out {
    double *X;           /* nc*nc*ns seller values S */
    double *phat;        /* nc*ns factory price (armington phat; io unit cost c) */
    double *Phat;        /* nc*ns sector price index change */
    double *Y, *E;       /* nc output (seller values) and expenditure (io: income I) */
    double *welfare;     /* nc exact real income change */
    double *price_index; /* nc */
    double *va_price;    /* nc*ns (opt) value-added price v (armington: phat) */
    double *wage;        /* nc (opt) w (io, mobile factors) */
    double *real_wage;   /* nc (opt) w / P (io, mobile factors) */
    double *value_added; /* nc*ns (opt) v VA in levels (io) */
    double *revenue;     /* nc (opt) wedge revenue received, levels */
    double *rev_tariff, *rev_export_tax, *rev_fee; /* nc (opt) by wedge */
    double *deficits;    /* nc (opt) deficits used */
    double *tot, *vot, *tech; /* nc (opt) CP's first-order decomposition (io) */
    int iterations;
    double residual;
} ge_model_out;

typedef struct ge_model_ops {
    const char *name;
    /* What the model publishes besides the core outputs (GE_HAS_* bits). */
    unsigned has;
    int (*create)(ge_model **m, const ge_model_spec *s, errbuf *e);
    /* Period 0: write its equilibrium (levels: X, Y, E, revenue; hats 1)
     * and make it the base of later solves.  max_change (opt) gets the
     * largest factor-price change the re-solve needed (0 when period 0 is
     * the data). */
    int (*baseline)(ge_model *m, ge_model_out *o, double *max_change, errbuf *e);
    int (*solve)(ge_model *m, const ge_model_in *in, ge_model_out *o, errbuf *e);
    void (*destroy)(ge_model *m);
} ge_model_ops;

enum {
    GE_HAS_VA = 1u << 0,     /* value_added, value_added_price differs from factory price */
    GE_HAS_WAGE = 1u << 1,   /* wage, real_wage (with mobile factors) */
    GE_HAS_CP = 1u << 2,     /* welfare_tot/vot/tech */
    GE_HAS_RESOLVE = 1u << 3 /* period 0 is a re-solved equilibrium */
};

/* Every model starts with this header (the ops it was created by). */
struct ge_model {
    const ge_model_ops *ops;
};

/* The registry (NULL-terminated, ge_model.c) and look-up by name. */
extern const ge_model_ops *const ge_model_registry[];
const ge_model_ops *ge_model_find(const char *name);
/* "armington, io": the registered names, for messages. */
const char *ge_model_names(void);

extern const ge_model_ops ge_armington_ops, ge_io_model_ops;

static inline int ge_model_create(const ge_model_ops *ops, ge_model **m, const ge_model_spec *s, errbuf *e)
{
    return ops->create(m, s, e);
}
static inline void ge_model_destroy(ge_model *m)
{
    if (m != NULL)
        m->ops->destroy(m);
}

#endif
