/*
 * data.h - CSV tables: countries, baseline trade flows and shock tables.
 *
 * All loaders are strict in the way the scenario loader is: a wrong header,
 * a short or long row, a non-numeric, negative or non-finite value, a
 * duplicate row, an unknown country or sector or an empty table is an error
 * "FILE:LINE: what is wrong" (SANC_EDATA).  A file is read once, whole,
 * with a bound (fsafe_read_input: folders and devices are refused, pipes
 * work), and each loader returns the SHA-256 of the bytes it parsed.  Fields may be double-quoted;
 * a trailing newline, CRLF line ends and blank lines are accepted.
 */
#ifndef SANCSIM_DATA_H
#define SANCSIM_DATA_H

#include "csvtable.h"
#include "err.h"

/* countries file: header `code,name[,groups]`, groups separated by ';'. */
typedef struct data_countries {
    int n;
    char **code;
    char **name;
    char **groups; /* raw "WEST;G7" or NULL per country */
    char sha256[65]; /* of the file's bytes (provenance) */
} data_countries;

int  data_load_countries(const char *path, data_countries *out, errbuf *e);
/* The same from a source (a path with a column mapping and filters). */
int  data_load_countries_from(const csvtable_source *src, data_countries *out, errbuf *e);
void data_countries_free(data_countries *c);

/* trade file: header `exporter,importer[,sector],value`.  Rows that are absent
 * are zero.  Without a countries list the countries are taken in order of
 * first appearance (exporter column, then importer column, row by row);
 * with one, every code must be listed and the list's order is kept.  Sectors
 * are in order of first appearance; without a sector column there is one
 * sector named "all".  Every country must have at least one domestic row
 * (exporter == importer). */
typedef struct data_trade {
    int nc, ns;
    char **country; /* nc codes */
    char **sector;  /* ns names */
    double *X;      /* nc*nc*ns, index (i*nc + j)*ns + k */
    char sha256[65]; /* of the file's bytes (provenance) */
} data_trade;

int  data_load_trade(const char *path, const data_countries *known, data_trade *out, errbuf *e);
int  data_load_trade_from(const csvtable_source *src, const data_countries *known, data_trade *out, errbuf *e);
void data_trade_free(data_trade *t);

/* shock file: header `exporter,importer[,sector],partial_effect` or
 * `...,factor`.  Codes must be among `codes` (nc of them), sectors among
 * `sectors`; sector -1 means every sector (no sector column).  A factor
 * must be >= 0; a partial effect finite.  Duplicates are errors. */
typedef struct data_shock_row {
    int i, j, k;
    double value;
} data_shock_row;

typedef struct data_shocks {
    int n;
    int is_factor; /* 1: value is a factor on t; 0: a partial effect on t^(1-sigma) */
    data_shock_row *rows;
    char sha256[65]; /* of the file's bytes (provenance) */
} data_shocks;

int  data_load_shocks(const char *path, int nc, char *const *codes, int ns, char *const *sectors,
                      data_shocks *out, errbuf *e);
/* From a source; `column` (a header, NULL: partial_effect or factor) names
 * the value column, read as a partial effect (a file event's `column`). */
int  data_load_shocks_from(const csvtable_source *src, const char *column, int nc, char *const *codes, int ns,
                           char *const *sectors, data_shocks *out, errbuf *e);
void data_shocks_free(data_shocks *s);

#endif
