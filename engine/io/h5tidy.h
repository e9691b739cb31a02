/*
 * h5tidy.h - results for every tool (DESIGN section 10): `sancsim export`
 * (tidy CSV, one file per set of dimensions) and `sancsim diff` (B relative
 * to A in the layout of a result file).  Library code: no printing; errors
 * in the errbuf (SANC_EUSAGE/SANC_EDATA/SANC_EEXIST exit 2, SANC_EIO 1).
 */
#ifndef SANCSIM_H5TIDY_H
#define SANCSIM_H5TIDY_H

#include "err.h"

typedef struct h5export_opts {
    const char *file;   /* a run's or a sweep's HDF5 file (or a diff file) */
    const char *dir;    /* output folder; NULL: FILE without .h5, plus "_csv" */
    char *const *vars;  /* only these variables (NULL: all) */
    int nvars;
    int force;          /* replace an existing folder */
} h5export_opts;

typedef struct h5export_result {
    char dir[4096];     /* the folder written */
    int nfiles;
    long long rows;     /* data rows over all files */
} h5export_result;

/* Tidy CSV (RFC 4180): for every set of dimensions (in the variables' own
 * order) one file named after them, `time_country.csv` with columns time,
 * country, welfare, welfare_pct, output, ...; a sweep's files start with
 * `run` and one column per swept parameter (its name path; categorical
 * values as text), its per-point summaries with `point`, and `runs.csv`
 * lists every run (point, replicate, seed, status, error, parameters).
 * Dates are ISO 8601 (YYYY-MM-DD), NaN an empty field.  Written into a
 * temporary folder next to DIR and renamed. */
int h5export_csv(const h5export_opts *o, h5export_result *r, errbuf *e);

typedef struct h5diff_opts {
    const char *a, *b;     /* base and variant result files */
    const char *output;    /* the diff file */
    char *const *vars;     /* only these variables (NULL: all shared) */
    int nvars;
    int force;
    const char *command_line; /* for the history attribute */
} h5diff_opts;

typedef struct h5diff_result {
    int nvars;             /* variables written */
    char skipped[1024];    /* variables of only one file, space-separated */
} h5diff_result;

/* B relative to A, element by element, for every variable both hold:
 * <var>_pct = 100 (B/A - 1) for levels (variables in money units: flows,
 * trade, output, expenditure, transit...), 0 where A = B = 0, with
 * <var>_pct_defined = 0 where A = 0 and B != 0 (or either is missing);
 * <var>_diff = B - A for indices, shares and balances (dimensionless
 * variables: welfare, price indices, shares, dependence, power balance).
 * Both files must have the same axes with the same labels for the
 * variables compared (SANC_EDATA naming the axis otherwise).  Written to a
 * temporary file and renamed (an existing output needs force). */
int h5diff_files(const h5diff_opts *o, h5diff_result *r, errbuf *e);

#endif
