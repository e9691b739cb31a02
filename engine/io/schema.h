/*
 * schema.h - what an output file holds: the dimensions, their labels, the
 * time axis and the registered variables with pointers to their current
 * values.  The world fills one (world.h) and the recorder and the sweep
 * file read it, so the writers need no knowledge of the world or the
 * scenario (the io layer sits below both).
 */
#ifndef SANCSIM_SCHEMA_H
#define SANCSIM_SCHEMA_H

/* The dimensions, in canonical order (X-macro: enum, name, long name).
 * A new axis is one line here. */
#define SCHEMA_DIMS(X)                                        \
    X(DIM_TIME, "time", "time")                               \
    X(DIM_COUNTRY, "country", "country")                      \
    X(DIM_PARTNER, "partner", "partner country")              \
    X(DIM_EXPORTER, "exporter", "exporting country")          \
    X(DIM_IMPORTER, "importer", "importing country")          \
    X(DIM_SECTOR, "sector", "sector")                         \
    X(DIM_PAYMENT_SYSTEM, "payment_system", "payment system") \
    X(DIM_HUB, "hub", "transit hub")                          \
    X(DIM_SANCTION, "sanction", "sanction")                   \
    X(DIM_ACTION, "action", "decided action")                 \
    X(DIM_DECISION, "decision", "decision taken")

enum schema_dim {
#define SCHEMA__ENUM(id, name, lname) id,
    SCHEMA_DIMS(SCHEMA__ENUM)
#undef SCHEMA__ENUM
    DIM_COUNT
};

extern const char *const schema_dim_names[DIM_COUNT];
extern const char *const schema_dim_long_names[DIM_COUNT];

/* An output variable: the writers append `data` (the current period's
 * values, dims after time) at every period.  Every variable has time first. */
#define SCHEMA_MAX_VARS 64
#define SCHEMA_VAR_MAXDIMS 4
#define SCHEMA_MAX_ATTRS 4
typedef struct schema_var {
    const char *name, *units, *long_name, *description;
    int ndims;                    /* after time, 0..3 */
    int dims[SCHEMA_VAR_MAXDIMS]; /* enum schema_dim, after time */
    int is_int;                   /* data points to int, else double */
    const void *data;
} schema_var;

/* A column of a table along one dimension that is not time (e.g. the
 * governments' `decision` table), written once when the run is finished:
 * its length is the dimension's size then (none: not written). */
#define SCHEMA_MAX_COLS 16
enum { SCHEMA_COL_INT = 0, SCHEMA_COL_DOUBLE = 1, SCHEMA_COL_STRING = 2 };
typedef struct schema_col {
    const char *name, *units, *long_name, *description;
    int dim;                  /* enum schema_dim, not DIM_TIME */
    int kind;                 /* SCHEMA_COL_*: int, double or UTF-8 string (variable length) */
    const void *const *data;  /* where the column's array lives (it may be reallocated) */
} schema_col;

typedef struct schema {
    int T;                        /* periods, including period 0 */
    double *time_days;            /* T: days since the start to each period */
    int start_year, start_month;  /* period 0, for the CF time units */
    const char *units;            /* data.units, for "$units" in variable units */
    int dim_n[DIM_COUNT];
    char *const *dim_labels[DIM_COUNT];
    int nvars;
    schema_var vars[SCHEMA_MAX_VARS];
    int ncols;
    schema_col cols[SCHEMA_MAX_COLS];
    /* numeric root attributes known before the file is created (e.g.
     * baseline_resolve_max_wage_change); single-run files only */
    int nattrs;
    const char *attr_name[SCHEMA_MAX_ATTRS];
    double attr_value[SCHEMA_MAX_ATTRS];
} schema;

#endif
