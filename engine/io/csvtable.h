/*
 * csvtable.h - strict CSV tables read by named columns (DESIGN section 10,
 * "data as it comes").
 *
 * A caller names the columns it wants (each a label column, whose distinct
 * texts are interned, or a numeric column) and gets them back as arrays;
 * every other column of the file is ignored.  The header row gives the
 * names; a column mapping (canonical name -> header name) lets a file keep
 * its own headers (`columns = { exporter = "iso_o"; }`), and filters keep
 * only the rows whose named columns equal given values (`filter = { year =
 * 2000; }`).
 *
 * The reader is RFC 4180 plus what spreadsheets write: fields may be quoted
 * ("" is a literal quote; a quoted field may span lines), CRLF or LF line
 * ends, blank lines skipped, a UTF-8 byte order mark ignored, blanks around
 * unquoted fields trimmed.  It is strict everywhere else, and every message
 * is one line "FILE:LINE: column: what is wrong" (SANC_EDATA): a wanted
 * column missing from the header or present twice, a row with a different
 * number of fields than the header, an empty, non-numeric or non-finite
 * number, a negative number where the column forbids it, an empty or
 * invalid-UTF-8 label, a file without data rows.  Rows that the filters drop
 * are only split, not checked.
 *
 * Ownership: csvtable_read fills a caller-allocated csvtable that
 * csvtable_free releases; after an error the table is empty (and may be
 * freed again).
 */
#ifndef SANCSIM_CSVTABLE_H
#define SANCSIM_CSVTABLE_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum csvtable_type { CSVTABLE_LABEL = 0, CSVTABLE_NUMBER = 1 };
enum csvtable_flags { CSVTABLE_NONNEG = 1 }; /* numbers must be >= 0 */

/* One wanted column.  The same header may be wanted twice (as a label and
 * as a number); columns are returned in the order given. */
typedef struct csvtable_col {
    const char *name;   /* canonical name, used in messages */
    const char *header; /* the header to read; NULL: name */
    int type;           /* enum csvtable_type */
    int flags;          /* enum csvtable_flags */
} csvtable_col;

/* A filter value: a number (compared numerically with the field parsed as a
 * number, so 2000 matches "2000.0") or a text (compared exactly). */
typedef struct csvtable_value {
    int is_number;
    double number;
    const char *text;
} csvtable_value;

/* Keep a row when its column `header` equals one of the values.  Several
 * filters must all hold. */
typedef struct csvtable_filter {
    const char *header;
    int nvalues;
    const csvtable_value *values;
} csvtable_filter;

/* Does field s pass filter f?  1 yes, 0 no, -1 when a number is wanted and
 * s is not one (callers report it with their FILE:LINE). */
int csvtable_filter_match(const csvtable_filter *f, const char *s);

typedef struct csvtable_column {
    int type;
    double *num;   /* CSVTABLE_NUMBER: nrows values */
    int *code;     /* CSVTABLE_LABEL: nrows indices into level */
    char **level;  /* CSVTABLE_LABEL: distinct texts in order of first appearance */
    int nlevels;
} csvtable_column;

typedef struct csvtable {
    char *path;
    char sha256[65];      /* of the whole file, for provenance */
    int ncols;
    int64_t nrows;        /* rows kept by the filters */
    int *line;            /* nrows: source line where each row starts */
    csvtable_column *col; /* ncols, in the order asked for */
} csvtable;

/* Read the wanted columns of path.  Filters (may be NULL with nfilters 0)
 * name header columns; an unknown one is an error like a wanted column. */
int  csvtable_read(csvtable *t, const char *path, const csvtable_col *cols, int ncols,
                   const csvtable_filter *filters, int nfilters, errbuf *e);
void csvtable_free(csvtable *t);

/* The text of label column c in row r. */
const char *csvtable_label(const csvtable *t, int c, int64_t r);

/* ------------------------------------------------------------------ */
/* Line records: the splitter of the scenario loaders (engine/io/data.c,
 * engine/io/iodata.c).  One record per line (a quoted field may not span
 * lines), fields trimmed and unquoted in place in a buffer the caller read
 * and owns (NUL-terminated at buf + len; a UTF-8 byte order mark is
 * skipped).  Errors are "FILE:LINE: field N: ..." and a NUL byte. */
#define CSVTABLE_LINES_MAXF 256 /* fields kept per line; more are only counted */

typedef struct csvtable_lines {
    const char *path;
    char *buf;   /* the caller's buffer */
    char *pos;   /* start of the next line */
    char *end;   /* the terminating NUL; an earlier NUL is a binary file */
    int line;    /* number of the line last returned */
    char *f[CSVTABLE_LINES_MAXF];
    int nf;      /* number of fields on the line (may exceed CSVTABLE_LINES_MAXF) */
} csvtable_lines;

void csvtable_lines_init(csvtable_lines *r, const char *path, char *buf, size_t len);
/* Next non-blank line split into fields: 1, 0 at the end, < 0 on a
 * malformed line. */
int  csvtable_lines_next(csvtable_lines *r, errbuf *e);
/* The line at r->pos alone: 1 a record, 2 a blank line (skipped), 0 at the
 * end, < 0 on a malformed line.  For a reader that refills its buffer
 * between lines (iodata.c's window): the whole line must be in [pos, end). */
int  csvtable_lines_one(csvtable_lines *r, errbuf *e);

/* ------------------------------------------------------------------ */
/* A data file as a scenario or an estimation names it (DESIGN 10):
 *   key = "x.csv";                                        canonical columns
 *   key = { file = "x.csv"; columns = { canonical = "header"; ... };
 *           filter = { column = value | [values]; ... }; };
 * Values are integers, floats or strings; a filter column is a canonical
 * name when the mapping names it, else a header name. */
typedef struct csvtable_source {
    char *path;                  /* resolved: relative paths against base_dir */
    int nmap;
    const char **map_name;       /* canonical names (into the config tree) */
    const char **map_header;     /* their headers */
    const config_setting_t *columns; /* the `columns` group, or NULL */
    int nfilters;
    csvtable_filter *filters;    /* headers already mapped */
    csvtable_value *values;      /* storage of every filter's values */
} csvtable_source;

/* Parse member `key` of group g (required).  Errors are SANC_ECONFIG with
 * FILE:LINE (unknown keys, wrong types, an empty mapping). */
int  csvtable_source_parse(const config_setting_t *g, const char *key, const char *base_dir,
                           csvtable_source *src, errbuf *e);
void csvtable_source_free(csvtable_source *src);
/* A value setting (an integer, a float or a string) as a filter value; the
 * text points into the config tree. */
int  csvtable_value_parse(const config_setting_t *s, csvtable_value *v, errbuf *e);
/* The header that holds canonical column `name` (the mapping, else name). */
const char *csvtable_source_header(const csvtable_source *src, const char *name);
/* Every mapped name must be among the n names the caller reads; otherwise
 * "FILE:LINE: ....columns.NAME: not a column this block uses (...)". */
int  csvtable_source_check_names(const csvtable_source *src, const char *const *names, int n, errbuf *e);
/* A malloc'ed text naming the file, its mapping and its filters: two
 * sources with the same key read the same table (shared datasets).  NULL
 * src gives ""; NULL on allocation failure. */
char *csvtable_source_key(const csvtable_source *src);
/* Read the columns (their header fields are filled from the mapping when
 * NULL) with the source's filters. */
int  csvtable_source_read(const csvtable_source *src, csvtable *t, csvtable_col *cols, int ncols, errbuf *e);

#endif
