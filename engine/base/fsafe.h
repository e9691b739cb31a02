/*
 * fsafe.h - never lose a user's file: the file-system rules every writer
 * and reader of sancsim follows (README "Crash safety", docs/DESIGN.md
 * section 8).
 *
 *  - An output that exists and is not a regular file (a device such as
 *    /dev/null, a FIFO, a socket, a folder) or that is a symbolic link is
 *    refused, even with --force: only a regular file is ever replaced.
 *  - Temporary files get unique hidden names in the target folder, created
 *    with O_CREAT | O_EXCL | O_NOFOLLOW (nothing planted there is followed
 *    or truncated); side files with fixed names (a sweep's journal and lock)
 *    are opened with O_NOFOLLOW and must be regular files.
 *  - One writer per output: an flock(2) on a hidden lock file beside it,
 *    taken before anything is touched, whatever HDF5's own file locking
 *    says (HDF5_USE_FILE_LOCKING=FALSE is common on Lustre and NFS).
 *  - Inputs (scenario, design and data files) are read once, into memory,
 *    with a size bound: a FIFO, `<(...)` or /dev/stdin works; a device such
 *    as /dev/zero or a folder is refused.
 *
 * Names longer than a folder entry allows (255 bytes) are shortened in side
 * files (a hash of the full name keeps them distinct and stable, so
 * --resume finds its journal again).
 */
#ifndef SANCSIM_FSAFE_H
#define SANCSIM_FSAFE_H

#include <stddef.h>

#include "err.h"

/* Scenario and sweep-design files (README "Limits"). */
#define FSAFE_MAX_CONFIG ((size_t)64 << 20)
/* Data tables (CSV): far beyond DATA__MAX_CELLS rows of text. */
#define FSAFE_MAX_DATA ((size_t)4 << 30)

/* An output path before any work: SANC_EUSAGE for an empty name, a name
 * ending in '/', a component longer than 255 bytes, a symbolic link or an
 * existing path that is not a regular file (whatever force says);
 * SANC_EEXIST for an existing regular file without force; SANC_EIO when its
 * folder is missing or not writable. */
int fsafe_check_output(const char *path, int force, errbuf *e);

/* A side file with a fixed name (journal, lock): absent, or a regular file
 * and not a symbolic link.  SANC_EUSAGE otherwise. */
int fsafe_check_side(const char *path, errbuf *e);

/* The side file ".BASE.TAG" of output `path` in its folder (e.g. TAG
 * "journal"), shortened to fit a folder entry.  0, or -1 if buf is too
 * small. */
int fsafe_side_name(const char *path, const char *tag, char *buf, size_t n);

/* Create a new, empty temporary file ".BASE.TAG.XXXXXX" beside `path`
 * (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0666 minus the umask, so a renamed
 * result has normal rights).  *temp is malloc'ed; the file is closed. */
int fsafe_temp_create(const char *path, const char *tag, char **temp, errbuf *e);

/* Remove temporary files ".BASE.TAG.XXXXXX" of path left by a writer that
 * was killed (SIGKILL, a power cut).  Only under the output's lock, which
 * every writer of such files holds while they exist.  Regular files with
 * exactly that name pattern only; returns how many were removed. */
int fsafe_remove_stale(const char *path, const char *tag);

/* Rename temp onto path.  Refuses (SANC_EUSAGE) when path has meanwhile
 * become a symbolic link or something other than a regular file; without
 * force refuses (SANC_EEXIST) a path that appeared meanwhile (via link(2),
 * atomically where hard links exist).  The folder is synced (best effort).
 * On error temp is left in place. */
int fsafe_publish(const char *temp, const char *path, int force, errbuf *e);

/* fsync a file by name (data before the name says finished).  0 or -1. */
int fsafe_sync_file(const char *path);
/* fsync the folder holding path (best effort). */
void fsafe_sync_dir(const char *path);

/* The writer's lock of an output: flock(LOCK_EX | LOCK_NB) on ".BASE.lock".
 * SANC_EEXIST with a message naming the output when another process holds
 * it.  fsafe_unlock removes the lock file and releases the lock. */
typedef struct fsafe_lock {
    int fd;
    char path[4352];
} fsafe_lock;

int  fsafe_lock_output(const char *path, fsafe_lock *lk, errbuf *e);
void fsafe_unlock(fsafe_lock *lk);

/* Read a whole input file once into memory (NUL-terminated, *len bytes
 * without the NUL).  Regular files, FIFOs, pipes and sockets are read;
 * folders and devices are refused, and so is anything larger than max
 * bytes.  Errors carry `code` (SANC_ECONFIG or SANC_EDATA) and name the
 * file; SANC_ENOMEM when memory runs out. */
int fsafe_read_input(const char *path, size_t max, int code, char **buf, size_t *len, errbuf *e);
/* The same, also returning the file's status as opened (for caches keyed
 * on device, inode, size and times). */
struct stat;
int fsafe_read_input_stat(const char *path, size_t max, int code, char **buf, size_t *len, struct stat *st,
                          errbuf *e);

#endif
