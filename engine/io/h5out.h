/*
 * h5out.h - the recorder: the only code that touches HDF5.
 *
 * One file per run, written under a temporary name in the target folder
 * and renamed when complete (a killed run never leaves a file that looks
 * finished).  Variables live at the root, one dataset each, time first,
 * chunked along time and extended period by period; every axis carries an
 * H5DS dimension scale so xarray/h5netcdf, h5py and R see named dims.
 * The HDF5 high-level APIs are not thread-safe: one thread writes.
 */
#ifndef SANCSIM_H5OUT_H
#define SANCSIM_H5OUT_H

#include "err.h"

struct schema;

typedef struct h5out h5out;

/* Provenance written as root attributes when the file is finished. */
typedef struct h5out_prov {
    unsigned long long seed;
    const char *command_line;
    const char *config_text;  /* resolved config -> /provenance/config */
    const char *config_sha256;
    const char *scenario_name;
    const char *units;        /* data.units, for flow-valued variables */
    const struct schema *tables; /* its table columns (schema_col) are written at finish; NULL: none */
    const char *data_sha256;  /* "SHA256  PATH" lines -> /provenance/data_sha256 */
} h5out_prov;

/* Refuse an existing path unless force (SANC_EEXIST); check the folder is
 * writable (SANC_EIO).  Called before any work is done. */
int h5out_check_target(const char *path, int force, errbuf *e);

/* The crash-safe way to write any output (also the estimate's HDF5 and CSV
 * files): create an empty ".NAME.tmp.XXXXXX" beside path (*temp
 * malloc'ed; SANC_EIO), write and close it, then publish it: fsync, move
 * onto path (without force never replacing a file that appeared meanwhile:
 * SANC_EEXIST), sync the folder.  On a publish error the caller removes
 * the temporary file. */
int h5out_temp_create(const char *path, char **temp, errbuf *e);
int h5out_temp_publish(const char *temp, const char *path, int force, errbuf *e);

/* Create the temporary file, the dimension scales from s->dim_labels and
 * time, and one extendible dataset per registered variable (compression
 * 0..9; >0 adds shuffle + deflate). */
int h5out_create(h5out **o, const char *path, int force, const struct schema *s, int compression,
                 const char *units, errbuf *e);
/* Append period t of every registered variable. */
int h5out_append(h5out *o, const struct schema *s, int t, errbuf *e);
/* Write provenance, complete = 1 last, close and rename into place. */
int h5out_finish(h5out *o, const h5out_prov *p, errbuf *e);
/* Close and delete the temporary file (error paths, signals). */
void h5out_abort(h5out *o);
/* The temporary file's name (for signal handlers), or NULL. */
const char *h5out_temp_path(const h5out *o);

#endif
