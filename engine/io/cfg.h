/*
 * cfg.h - strict, typed access to libconfig scenario files.
 *
 * libconfig 1.5 is permissive in ways that hide mistakes: config_lookup_*
 * returns false both for "missing" and for "wrong type", integer literals
 * beyond 32 bits wrap silently and `1e400` parses as inf.  Every read of a
 * scenario goes through this module instead, which checks the type, reads
 * integers through int64 with a range check, rejects non-finite floats and
 * reports errors as one line: "FILE:LINE: setting.path: what is wrong".
 *
 * Conventions of the getters below:
 *   return 0 (SANC_OK)  the key is present and valid; *out is set;
 *   return CFG_ABSENT   the key is absent (and was not required); *out untouched;
 *   return < 0          error (SANC_ECONFIG), message in e.
 * A float setting accepts an integer literal (5 reads as 5.0); an integer
 * setting rejects a float literal.
 */
#ifndef SANCSIM_CFG_H
#define SANCSIM_CFG_H

#include <libconfig.h>
#include <stdint.h>

#include "err.h"
#include "hash.h"

#define CFG_ABSENT 1

/* A source file of settings: every setting's `file` points at one of these
 * names (owned by the cfg, so that trees merged from several files and
 * copies outlive the libconfig objects they were parsed into). */
typedef struct cfg_file {
    char *name;   /* as shown in messages (relative to the working directory) */
    char *prefix; /* folder of the file's relative paths, relative to the
                     scenario's folder ("" for the scenario itself and its
                     @includes; "..", "../x" for a base) */
} cfg_file;

typedef struct cfg {
    config_t lc;
    char *path; /* the scenario file as given */
    char *dir;  /* its folder: base for relative data paths and @include */
    int loaded;
    int nfiles;
    cfg_file *files;
} cfg;

/* Parse a scenario file; @include resolves relative to its folder.
 * Scenario inheritance (DESIGN section 10) is resolved here: `base =
 * "file.cfg";` reads that file first (recursively; a cycle is an error
 * naming the files), the top-level blocks of this file merge into the
 * base's (groups key by key, anything else replaced whole), then `append =
 * { list = ( ... ); }` appends elements, `remove = ["name path", ...]`
 * removes settings and `set = ["path=value", ...]` applies overrides with
 * the --set grammar, each with the FILE:LINE of the directive.  The
 * directives are consumed: the loaded tree holds the resolved scenario. */
int  cfg_load(cfg *c, const char *path, errbuf *e);
/* Rewrite relative paths held by string settings that came from a base
 * file (their path is relative to that file's folder) so that they are
 * relative to the scenario's folder, as if written there.  `patterns` is a
 * NULL-terminated list of setting paths where `*` matches any one member
 * name ("data.trade", "data.*.file").  Idempotent. */
int  cfg_rebase_paths(cfg *c, const char *const *patterns, errbuf *e);
/* Parse from memory (tests, fuzzing); name is used in messages, dir for @include. */
int  cfg_load_string(cfg *c, const char *text, const char *name, const char *dir, errbuf *e);
void cfg_destroy(cfg *c);
/* A deep copy of src (every setting with its type, format, file and line),
 * for applying one run's overrides without parsing again.  src must
 * outlive dst (the copy shares its file-name strings). */
int  cfg_copy(cfg *dst, const cfg *src, errbuf *e);

/* Every string setting is valid UTF-8 (they become labels in the output
 * files); otherwise "FILE:LINE: path: not valid UTF-8 (...)", SANC_ECONFIG. */
int  cfg_check_utf8(const cfg *c, errbuf *e);

/* Apply one command-line override "PATH=VALUE" (PATH a name path of
 * cfgpath.h, e.g. "trade.sigma", "events.[0].partial_effect" or
 * "sanctions.[name=\"SWIFT cut-off\"].coverage"; split at the first '='
 * outside brackets and quotes).  The value is parsed
 * as a libconfig value and must have the type of the setting it replaces
 * (an int may replace a float; an unquoted word may replace a string).  A
 * missing final key is created when its parent group exists.  Errors name
 * the override: "--set trade.sigma=abc: expected a float". */
int cfg_apply_set(cfg *c, const char *assignment, errbuf *e);

/* Error helper: formats "FILE:LINE: PATH: <fmt>" for setting s into e and
 * returns SANC_ECONFIG. */
int cfg_fail(const config_setting_t *s, errbuf *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Same, for a key that is missing in group g: "FILE:LINE: g.key: <fmt>". */
int cfg_fail_key(const config_setting_t *g, const char *key, errbuf *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Full path of a setting ("trade.sectors.[0].sigma") into buf. */
const char *cfg_path(const config_setting_t *s, char *buf, size_t n);

/* Every member of group g must be in the NULL-terminated list `allowed`;
 * otherwise "FILE:LINE: g.key: unknown setting (expected one of: a, b, c)". */
int cfg_check_keys(const config_setting_t *g, const char *const *allowed, errbuf *e);

/* Typed getters on a member of group g.  required != 0 turns CFG_ABSENT into
 * an error "missing required setting". */
int cfg_get_int(const config_setting_t *g, const char *key, int required,
                int64_t lo, int64_t hi, int64_t *out, errbuf *e);
int cfg_get_double(const config_setting_t *g, const char *key, int required,
                   double *out, errbuf *e); /* finite; range checks by the caller via cfg_fail */
int cfg_get_bool(const config_setting_t *g, const char *key, int required, int *out, errbuf *e);
int cfg_get_string(const config_setting_t *g, const char *key, int required,
                   const char **out, errbuf *e); /* points into the config tree */
/* A group (required or optional); *out = NULL when absent. */
int cfg_get_group(const config_setting_t *g, const char *key, int required,
                  config_setting_t **out, errbuf *e);
/* A list `( {...}, {...} )` whose elements are groups, or an empty list. */
int cfg_get_list(const config_setting_t *g, const char *key, int required,
                 config_setting_t **out, errbuf *e);
/* An array or list of strings ["A", "B"]; a single string "A" is accepted as a
 * one-element list.  *out is a malloc'ed array of pointers into the tree
 * (free() it); *n its length; *where the setting, for error messages. */
int cfg_get_strings(const config_setting_t *g, const char *key, int required,
                    const char ***out, int *n, config_setting_t **where, errbuf *e);
/* Element getters for values that are not group members (array items). */
int cfg_elem_double(const config_setting_t *elem, double *out, errbuf *e);

/* The resolved configuration (after includes and overrides) as libconfig
 * text, floats printed with %.17g so that it reproduces the run exactly.
 * Returns a malloc'ed string or NULL (ENOMEM). */
char *cfg_to_string(const cfg *c, errbuf *e);

/* SHA-256 of a byte string as 64 lowercase hex digits + NUL (kept for the
 * callers of this header; the implementation is engine/base/hash.c). */
static inline void cfg_sha256_hex(const void *data, size_t len, char out[65])
{
    hash_sha256_hex(data, len, out);
}

#endif
