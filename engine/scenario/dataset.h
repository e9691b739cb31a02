/*
 * dataset.h - the baseline data of a scenario (countries, trade flows),
 * loaded once and shared read-only: a sweep's runs and the look-ahead
 * evaluations all point at one dataset instead of reading the CSV files
 * again (DESIGN section 4).  Nothing in it changes after dataset_load.
 */
#ifndef SANCSIM_DATASET_H
#define SANCSIM_DATASET_H

#include "csvtable.h"
#include "data.h"
#include "err.h"

#define DATASET_MAX_IO_FILES 8

typedef struct dataset {
    char *trade_path;          /* resolved paths as read (countries: NULL if none) */
    char *countries_path;
    char *key;                 /* files with their mappings and filters (csvtable_source_key) */
    data_countries countries;  /* n = 0 without a countries file */
    data_trade trade;          /* owns the country and sector names */
    /* production-network data (DESIGN 2b, scenario_io.c); NULL: none.
     * trade then holds its flows (imports net of tariffs) and labels. */
    struct iodata *io;
    char *io_sig;              /* the io files with their mappings, to share the dataset */
    int nio_files;             /* the io files read, with their SHA-256 (provenance) */
    char *io_path[DATASET_MAX_IO_FILES];
    char io_sha256[DATASET_MAX_IO_FILES][65];
} dataset;

/* Load the trade file (and the countries file, if any: NULL), each a
 * resolved path with its column mapping and filters. */
int  dataset_load(dataset *d, const csvtable_source *trade, const csvtable_source *countries, errbuf *e);
void dataset_free(dataset *d);

/* The key of a trade source with its countries source (NULL: none): paths,
 * mappings and filters.  malloc'ed; NULL when out of memory. */
char *dataset_key(const csvtable_source *trade, const csvtable_source *countries);
/* 1 when d was loaded from the sources with this key. */
int  dataset_matches(const dataset *d, const char *key);

#endif
