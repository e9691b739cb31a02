/*
 * iodata.h - loader of the production-network data of DESIGN section 2b:
 * bilateral trade (with an optional baseline tariff), input-output table,
 * final demand, value added, deficits and trade elasticities, each a CSV
 * read "as it comes" (DESIGN section 10): canonical column names, or a
 * per-file mapping canonical name -> header, extra columns ignored, and an
 * optional filter keeping rows whose named columns equal given values.
 *
 *   file         canonical columns                          notes
 *   trade        exporter, importer, sector, value [tariff] value = imports net of tariffs
 *   inputs       country, input, sector, value              input bought by sector; may be < 0
 *   final        country, sector, value
 *   value_added  country, sector, value                     >= 0
 *   deficits     country, value                             optional file
 *   theta        sector, value                              optional file, > 0
 *
 * Strict as every loader: a missing column, a short row, a non-number, a
 * duplicate row, an unknown country or sector, a label that is not UTF-8,
 * a negative flow, final demand or value added, a tariff <= -1 (or non-zero
 * on domestic sales), gross output <= 0 for a sector with positive sales, a
 * selling sector with neither inputs nor value added: "FILE:LINE: what is
 * wrong" (SANC_EDATA).  Negative input entries are allowed and counted.
 * Rows that are absent are zero.  Countries and sectors come from the trade
 * file in order of first appearance (exporter, importer, then sector, row
 * by row) unless lists are given.
 */
#ifndef SANCSIM_IODATA_H
#define SANCSIM_IODATA_H

#include "err.h"

typedef struct iodata_column {
    const char *canonical; /* e.g. "country" */
    const char *header;    /* e.g. "region" */
} iodata_column;

typedef struct iodata_filter {
    const char *column; /* header name in the file */
    const char *value;  /* kept rows have this value (numbers compare as numbers) */
} iodata_filter;

typedef struct iodata_file {
    const char *path;              /* NULL: file not given (deficits, theta only) */
    const iodata_column *columns;  /* mapping, may be NULL */
    int ncolumns;
    const iodata_filter *filter;   /* may be NULL */
    int nfilter;
} iodata_file;

typedef struct iodata_spec {
    iodata_file trade, inputs, final, value_added, deficits, theta;
    char *const *countries; /* optional fixed order (ncountries), else from trade */
    int ncountries;
    char *const *sectors;   /* optional fixed order (nsectors), else from trade */
    int nsectors;
} iodata_spec;

typedef struct iodata {
    int N, K;
    char **country;   /* N */
    char **sector;    /* K */
    double *M;        /* N*N*K imports net of tariffs, [(i*N + n)*K + k], i exporter */
    double *tariff;   /* N*N*K baseline tariff, NULL without a tariff column */
    double *IC;       /* N*K*K input s bought by sector k in n: [(n*K + s)*K + k] */
    double *FC;       /* N*K */
    double *VA;       /* N*K */
    double *D;        /* N, NULL without a deficits file */
    double *theta;    /* K, NULL without a theta file */
    int negative_inputs; /* count of negative input entries (provenance) */
    /* SHA-256 (hex) of the bytes of each file read, in the order trade,
     * inputs, final, value_added, deficits, theta ("" when not given):
     * taken from the same read, so a file is not read twice for the
     * provenance */
    char sha256[6][65];
} iodata;

int  iodata_load(const iodata_spec *spec, iodata *out, errbuf *e);
void iodata_free(iodata *d);

/* A per-cell table on the countries and sectors of d (canonical columns
 * exporter, importer, sector, value; e.g. a counterfactual tariff column
 * mapped as value = "tariff_cfl"): out (N*N*K) is zeroed, then filled.
 * Values must be finite and > min_exclusive. */
int iodata_load_cells(const iodata_file *f, const iodata *d, double min_exclusive, double *out,
                      errbuf *e);

#endif
