/*
 * h5util.h - small HDF5 helpers shared by the two writers, the per-run
 * recorder (h5out.c) and the sweep file (sweepfile.c): error text, quiet
 * error stacks, scalar attributes and the string type of label scales.
 * Only those two files, this one and the readers of sancsim export/diff
 * (h5read.c, h5export.c, h5diff.c) call HDF5.
 */
#ifndef SANCSIM_H5UTIL_H
#define SANCSIM_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>

/* Library code never prints: turn HDF5's automatic stack printing off. */
void h5util_quiet(void);

/* The innermost reason on HDF5's error stack (usually the OS's, such as
 * "No space left on device") into buf ("" if none); clears the stack. */
void h5util_error_text(char *buf, size_t n);

/* Every HDF5 API call clears the error stack, so cleanup after a failure
 * would erase the reason: park the stack while cleaning up. */
hid_t h5util_err_save(int failed);
void  h5util_err_restore(hid_t stack);

/* CF calendar of every time axis: the day counts from scenario.start are
 * proleptic Gregorian (exact also before 1582-10-15). */
#define H5UTIL_CALENDAR "proleptic_gregorian"

/* Scalar attributes, replacing an existing one of the same name.  Text is
 * written as netCDF-4 does (fixed length, UTF-8, NUL-terminated) so every
 * reader (netCDF-C, h5py, hdf5r) gets a plain string; bytes that are not
 * valid UTF-8 are written as '?'.  0 or -1. */
int h5util_attr_str(hid_t loc, const char *name, const char *value);
int h5util_attr_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v);

/* The provenance attributes every sancsim file carries: software,
 * software_version, git_revision, compiler, hdf5_version, gsl_version,
 * libconfig_version, rng and created (now, ISO 8601 UTC).  0 or -1. */
int h5util_software_attrs(hid_t file);

/* The CF `history` attribute: "TIME: COMMAND_LINE" appended as a new line
 * to an existing history (merges), else written alone.  0 or -1. */
int h5util_history(hid_t file, const char *command_line);

/* /provenance/config: the resolved configuration as a scalar string
 * dataset (group created when missing).  0 or -1. */
int h5util_config_dataset(hid_t file, const char *text, const char *long_name);

/* /provenance/NAME: the same for any provenance text, e.g. "data_sha256"
 * (sha256sum lines of every data file read).  0 or -1. */
int h5util_provenance_text(hid_t file, const char *name, const char *text, const char *long_name);
/* Read /provenance/NAME back (malloc'ed), or NULL when absent or not a
 * scalar string. */
char *h5util_read_provenance_text(hid_t file, const char *name);

/* Variable-length UTF-8 string type (labels); caller closes.  -1 on error. */
hid_t h5util_vlen_str(void);

/* H5Dwrite for writes that convert (strings): with HDF5's default transfer
 * list each such write allocates and zeroes a 1 MiB conversion buffer, most
 * of the cost of writing a small file; this one asks for 64 KiB. */
herr_t h5util_write_str(hid_t ds, hid_t mtype, hid_t mspace, hid_t fspace, const void *buf);

#endif
