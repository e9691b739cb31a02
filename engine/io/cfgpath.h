/*
 * cfgpath.h - name paths into a libconfig tree (DESIGN section 10).
 *
 *   path := seg ("." seg)*
 *   seg  := ident | "[" int "]" | "[" key "=" string "]"
 *
 * e.g. `trade.sigma`, `events.[0].partial_effect`,
 * `sanctions.[name="SWIFT cut-off"].coverage`.  An ident is a libconfig
 * setting name ([A-Za-z*][A-Za-z0-9_*-]*); an int is a non-negative
 * decimal index; a string is double-quoted with \" and \\ as escapes.
 * `[key="v"]` selects the one element of a list (or array) of groups whose
 * member `key` is the string v: none or several are errors (a missing or
 * an ambiguous name), never a silent pick.
 *
 * The same paths serve `--set`, a scenario's `set`/`remove`, sweep
 * parameters and plot labels.  Errors are SANC_ECONFIG with a message
 * without location: callers prefix where the path came from.
 */
#ifndef SANCSIM_CFGPATH_H
#define SANCSIM_CFGPATH_H

#include <libconfig.h>
#include <stddef.h>

#include "err.h"

enum cfg_seg_kind { CFG_SEG_NAME = 0, CFG_SEG_INDEX, CFG_SEG_MATCH };

typedef struct cfg_seg {
    int kind;    /* enum cfg_seg_kind */
    char *name;  /* NAME: the member name; MATCH: the key */
    char *value; /* MATCH: the string to match (unescaped) */
    long index;  /* INDEX */
} cfg_seg;

typedef struct cfg_npath {
    int n;
    cfg_seg *seg;
} cfg_npath;

/* Parse text into p (free with cfg_npath_free, also after an error). */
int  cfg_npath_parse(const char *text, cfg_npath *p, errbuf *e);
void cfg_npath_free(cfg_npath *p);

/* Follow the first `upto` segments of p from `from` (a group, usually the
 * root).  SANC_OK and *out, or SANC_ECONFIG: "no setting 'x' in a.b",
 * "no element of sanctions has name = \"X\" (names: ...)", "2 elements of
 * sanctions have name = \"X\"", "index 7 out of range (sanctions has 3
 * elements)". */
int cfg_npath_find(config_setting_t *from, const cfg_npath *p, int upto, config_setting_t **out, errbuf *e);

/* Parse and follow a whole path in one call. */
int cfg_lookup_name(config_setting_t *root, const char *path, config_setting_t **out, errbuf *e);

/* The first '=' of "PATH=VALUE" outside brackets and double quotes, or
 * NULL. */
const char *cfg_assignment_eq(const char *assignment);

/* The name path of s for labels: list elements that are groups with a
 * string `name` unique in their list are written [name="..."], else with
 * a unique `country` [country="..."] (governments.countries, partial
 * memberships), others [i].  Into buf (truncated to n). */
const char *cfg_name_path(const config_setting_t *s, char *buf, size_t n);

#endif
