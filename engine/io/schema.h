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
    X(DIM_SANCTION, "sanction", "sanction")

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

typedef struct schema {
    int T;                        /* periods, including period 0 */
    double *time_days;            /* T: days since the start to each period */
    int start_year, start_month;  /* period 0, for the CF time units */
    const char *units;            /* data.units, for "$units" in variable units */
    int dim_n[DIM_COUNT];
    char *const *dim_labels[DIM_COUNT];
    int nvars;
    schema_var vars[SCHEMA_MAX_VARS];
    /* numeric root attributes known before the file is created (e.g.
     * baseline_resolve_max_wage_change); single-run files only */
    int nattrs;
    const char *attr_name[SCHEMA_MAX_ATTRS];
    double attr_value[SCHEMA_MAX_ATTRS];
} schema;

#endif
