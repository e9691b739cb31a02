/*
 * scenario.h - a validated scenario: the time axis, countries, sectors,
 * groups, trade parameters, events and output settings, resolved to indices.
 *
 * scenario_load reads the `scenario`, `data`, `groups`, `trade`, `events`
 * and `output` blocks strictly (DESIGN sections 5 and 7); the agent-layer
 * blocks (`sanctions`, `payments`, `routing`) are read by their modules
 * through the helpers below, so that every setting is checked by the code
 * that uses it.  Unknown top-level keys are errors.
 */
#ifndef SANCSIM_SCENARIO_H
#define SANCSIM_SCENARIO_H

#include <stdint.h>

#include "cfg.h"
#include "data.h"
#include "dataset.h"
#include "decision.h"
#include "err.h"

enum { IMBALANCE_ADDITIVE = 0, IMBALANCE_MULTIPLICATIVE = 1 };
enum { DEFICITS_FIXED = 0, DEFICITS_SCALE_WITH_TRADE = 1 };
/* trade.factors and trade.baseline_deficits (the io model; the values are
 * ge_io.h's GE_IO_MOBILE/SECTOR_SPECIFIC and GE_IO_DEFICITS_DATA/ZERO) */
enum { SC_FACTORS_MOBILE = 0, SC_FACTORS_SECTOR_SPECIFIC = 1 };
enum { SC_BASELINE_DEFICITS_DATA = 0, SC_BASELINE_DEFICITS_ZERO = 1 };

#define SC_END_NEVER 0x7fffffff /* an `end` that never comes */

enum sc_event_type { SC_EV_SHOCK = 0, SC_EV_JOIN, SC_EV_EXIT, SC_EV_TRANSFER, SC_EV_STOP };

/* One cell of a shock with its log openness (-INFINITY: closed). */
typedef struct sc_cell {
    int64_t idx; /* bilateral-sector index (i*nc + j)*ns + k */
    double logphi;
} sc_cell;

typedef struct sc_event {
    const char *name;
    int type;
    int start, end;          /* period indices; end exclusive (SC_END_NEVER) */
    int line;                /* source line, for messages */
    /* shock */
    int ncells;
    sc_cell *cells;
    /* join / exit */
    int country;
    const char *system;      /* validated by the payments module */
    double coverage;
    /* transfer */
    int exporter, importer, sector;
    double value;
    /* stop: the name of the event, measure or hub it ends (resolved by
     * the governments module) */
    const char *stops;
    /* a decided event (DESIGN section 3b; dec.decided = 0: dated) */
    sc_decision dec;
    /* revenue wedges (DESIGN 2b; scenario_io.c): increments of the tariff
     * and export-tax rates and a tariff level replacing the rate (NAN:
     * none), on the event's cells, or per cell from a table (nc*nc*ns,
     * NULL: none) */
    int revenue;
    double tariff, export_tax, tariff_level;
    double *tariff_cells, *export_tax_cells, *tariff_level_cells;
} sc_event;

/* Longest scenario.name and data.units (bytes): they become HDF5
 * attributes, whose object header messages hold at most 64 KiB. */
#define SC_MAX_TEXT 4096

/* A data file the scenario read, with the SHA-256 of its bytes. */
typedef struct sc_datafile {
    char *path;          /* as opened (relative to the working directory) */
    char sha256[65];
} sc_datafile;

typedef struct scenario {
    cfg cfg;                 /* the parsed file with overrides applied */
    const char *name;
    int start_year, start_month; /* period 0 */
    int step_months;         /* 1, 3 or 12 */
    int periods;             /* T, including period 0 */
    uint64_t seed;           /* scenario.seed or --seed (default 1) */
    int seed_overridden;

    const char *units;       /* data.units */
    const dataset *data;     /* the baseline: &own, or a dataset shared with
                                other scenarios (scenario_derive) */
    dataset own;             /* loaded by this scenario (empty when shared) */
    int nc, ns;
    char **country;          /* = data->trade.country */
    char **sector;           /* = data->trade.sector */

    int ngroups;
    char **group_name;       /* owned copies */
    unsigned char *group_mask; /* ngroups * nc, resolved */

    int imbalance, deficits;
    const char *model;       /* trade.model: "armington" (default) or "io" */
    int factors;             /* trade.factors: SC_FACTORS_* (io) */
    int baseline_deficits;   /* trade.baseline_deficits: SC_BASELINE_DEFICITS_* (io) */
    int revenue_events;      /* some event sets a tariff, export tax or tariff level */
    double *sigma, *lambda;  /* ns */
    double noise_sd, noise_rho;

    int nevents;
    sc_event *events;

    const char *output_file; /* output.file (may be NULL) */
    int output_flows;        /* 1 full, 0 none */
    int compression;         /* 0..9 */

    int nfiles;              /* every data file read, in the order read */
    sc_datafile *files;
} scenario;

/* Load and validate a scenario; overrides ("PATH=VALUE") are applied before
 * validation.  seed_override >= 0 replaces scenario.seed. */
int  scenario_load(scenario *sc, const char *path, char *const *overrides, int noverrides,
                   int64_t seed_override, errbuf *e);
/* A run's scenario from an already loaded one: base's configuration
 * (copied, with its --set overrides already applied) plus `overrides`, and
 * base's dataset shared when the data block still names the same files
 * (base must outlive sc).  What a sweep does for every run: no file is
 * read or parsed again. */
int  scenario_derive(scenario *sc, const scenario *base, char *const *overrides, int noverrides,
                     int64_t seed_override, errbuf *e);
void scenario_destroy(scenario *sc);

/* Data files' fingerprints as text, one "SHA256  PATH\n" line per file in
 * the order read (the format of sha256sum, so `sha256sum -c` checks it
 * from the working directory of the run): /provenance/data_sha256 and the
 * sweep manifest.  malloc'ed; NULL on ENOMEM. */
char *scenario_data_sha256(const scenario *sc);

/* Record one more data file read on behalf of the scenario (modules and
 * sweep designs that read files of their own call this). */
int scenario_record_file(scenario *sc, const char *path, const char *sha256, errbuf *e);

/* --- helpers for modules that read their own blocks --- */

/* Index of a country code, or -1. */
int scenario_country_index(const scenario *sc, const char *code);
/* Index of a sector name, or -1. */
int scenario_sector_index(const scenario *sc, const char *name);

/* A country set (codes, group names, "ALL", "!X"), read left to right as a
 * union into mask[nc] (set to 0/1).  Absent: CFG_ABSENT and mask untouched
 * (the caller's default), unless required. */
int scenario_country_set(const scenario *sc, const config_setting_t *g, const char *key,
                         int required, unsigned char *mask, errbuf *e);
/* A sector list into mask[ns]; absent: every sector (returns CFG_ABSENT). */
int scenario_sector_set(const scenario *sc, const config_setting_t *g, const char *key,
                        unsigned char *mask, errbuf *e);
/* A single country code (not a group) -> index. */
int scenario_country(const scenario *sc, const config_setting_t *g, const char *key,
                     int required, int *out, errbuf *e);
/* A date "YYYY-MM" or a period index -> period index (the period whose
 * interval contains the date; may be >= periods; a date before the start
 * is an error). */
int scenario_period(const scenario *sc, const config_setting_t *g, const char *key,
                    int required, int *out, errbuf *e);
/* Reads start and end of a dated item: 1 <= start < periods (min_start
 * allows 0 for hubs), end > start (default SC_END_NEVER). */
int scenario_window(const scenario *sc, const config_setting_t *g, int min_start,
                    int *start, int *end, errbuf *e);

/* Label of period t, "YYYY-MM", into buf. */
const char *scenario_period_label(const scenario *sc, int t, char *buf, size_t n);

#endif
