/*
 * utf8.h - UTF-8 validation of labels (DESIGN section 10).
 *
 * Every label that reaches an output file (country and sector codes and
 * names, group, sanction, hub, system and event names) must be valid UTF-8:
 * netCDF-C, xarray and R decode the file's strings as UTF-8 and refuse or
 * garble anything else (a Latin-1 "é" is the usual culprit).  Loaders check
 * with utf8_check and report FILE:LINE; writers pass free text that may hold
 * foreign bytes (command lines, error messages) through utf8_sanitize.
 */
#ifndef SANCSIM_UTF8_H
#define SANCSIM_UTF8_H

#include <stddef.h>

/* -1 when s[0..n) is valid UTF-8 (no overlong forms, no surrogates, at most
 * U+10FFFF), else the offset of the first byte of the first bad sequence. */
long utf8_check(const char *s, size_t n);

/* utf8_check on a NUL-terminated string. */
long utf8_check_str(const char *s);

/* A malloc'ed copy of s with every byte of an invalid sequence replaced by
 * '?' (NULL on allocation failure; s NULL gives ""). */
char *utf8_sanitize(const char *s);

/* "byte 0xE9 at column 7" style description of the bad byte at offset
 * `off` of s, into buf, for messages.  Returns buf. */
const char *utf8_describe(const char *s, long off, char *buf, size_t n);

#endif
