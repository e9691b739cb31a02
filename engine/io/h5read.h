/*
 * h5read.h - reads a sancsim result (a run's file, a sweep file or a
 * `sancsim diff` file) generically, for `sancsim export` and `sancsim
 * diff`: its axes (dimension scales: labels, the time axis as ISO dates,
 * integer run/point indices) and its variables (every dataset with a
 * `dims` attribute), read whole as doubles, or as text for string
 * variables (the decision table's government, action and kind).
 */
#ifndef SANCSIM_H5READ_H
#define SANCSIM_H5READ_H

#include <hdf5.h>
#include <stddef.h>

#include "err.h"

#define H5R_MAXRANK 8
#define H5R_MAXDIMS 24

enum h5r_dim_kind { H5R_LABELS = 0, H5R_TIME, H5R_INDEX };

typedef struct h5r_dim {
    char name[64];
    int kind;       /* enum h5r_dim_kind */
    size_t n;
    char **label;   /* H5R_LABELS: n UTF-8 strings; H5R_TIME: n ISO dates */
    double *value;  /* H5R_TIME: days; H5R_INDEX: the index values */
    char units[128], calendar[64], long_name[128];
} h5r_dim;

typedef struct h5r_var {
    char name[128];
    int rank;
    int dim[H5R_MAXRANK]; /* indices into h5r_file.dims */
    size_t n;             /* product of the axis lengths */
    int is_int;
    int is_str;           /* text (read with h5r_read_text) */
    char units[128], long_name[256];
} h5r_var;

typedef struct h5r_file {
    hid_t f;
    char path[1024];
    int ndims;
    h5r_dim dims[H5R_MAXDIMS];
    int nvars;
    h5r_var *vars;   /* result variables (not the sweep's run_* bookkeeping) */
    /* a sweep: parameter names and per-run values */
    int nparams;
    char **param;          /* name paths */
    double *run_param;     /* runs x nparams (NULL if not a sweep) */
    char ***run_param_str; /* nparams arrays of runs labels (categorical) or NULL */
    size_t nruns;
    double *point_param;   /* points x nparams (summaries), or NULL */
    size_t npoints;
    long long replicates;
} h5r_file;

int  h5r_open(h5r_file *h, const char *path, errbuf *e);
void h5r_close(h5r_file *h);
/* Index of a variable / a dimension by name, or -1. */
int  h5r_find_var(const h5r_file *h, const char *name);
int  h5r_find_dim(const h5r_file *h, const char *name);
/* The whole variable as doubles (integers converted); malloc'ed.  Not for
 * text variables (is_str). */
int  h5r_read(const h5r_file *h, const h5r_var *v, double **out, errbuf *e);
/* The n strings of dataset `name` (any rank, row-major; variable or fixed
 * length) as malloc'ed UTF-8; free with h5r_free_text.  SANC_EIO when the
 * dataset is missing, not text or not of n elements. */
int  h5r_read_text(const h5r_file *h, const char *name, size_t n, char ***out, errbuf *e);
void h5r_free_text(char **s, size_t n);
/* A string attribute (fixed or variable length) into buf ("" if absent). */
void h5r_attr_str(hid_t loc, const char *name, char *buf, size_t n);

#endif
