/*
 * cfg_impl.h - internals of cfg.c shared with cfginherit.c (scenario
 * inheritance).  Not for use outside engine/io.
 */
#ifndef SANCSIM_CFG_IMPL_H
#define SANCSIM_CFG_IMPL_H

#include "cfg.h"

/* The chain of files being loaded as bases, innermost first (cycles). */
typedef struct cfg_chain {
    const char *real;  /* realpath, or the path as given */
    const char *shown; /* for messages */
    const struct cfg_chain *up;
} cfg_chain;

/* Parse one file without resolving `base` & co. */
int cfg_load_file(cfg *c, const char *path, errbuf *e);
/* Resolve c's base/blocks/append/remove/set (cfginherit.c). */
int cfg_inherit(cfg *c, const cfg_chain *up, errbuf *e);
/* 1 if name is a top-level inheritance directive (base, append, remove,
 * set): consumed at load, so never a setting an override may create */
int cfg_is_directive(const char *name);
/* cfg_apply_set with the origin of a `set` entry (NULL: the command line). */
int cfg_apply_set_at(cfg *c, const char *assignment, const config_setting_t *origin, errbuf *e);

/* The cfg's entry for a setting's file pointer, or NULL. */
const cfg_file *cfg_file_entry(const cfg *c, const char *file);
/* c's copy of (name, prefix), added when new; NULL on ENOMEM. */
const char *cfg_intern_file(cfg *c, const char *name, const char *prefix);
/* a/b, "" or "." for nothing; an absolute b alone.  malloc'ed. */
char *cfg_join_prefix(const char *a, const char *b);
/* Deep copies that re-point file names at `to` (prefixes under `add`). */
int cfg_copy_children(config_setting_t *dst, const config_setting_t *src, const cfg *from, cfg *to, const char *add);
int cfg_copy_setting(config_setting_t *parent, const config_setting_t *s, const cfg *from, cfg *to, const char *add,
                     config_setting_t **out);

#endif
