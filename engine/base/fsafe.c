/*
 * fsafe.c - outputs that never replace what is not ours, unique temporary
 * files, side files that follow no links, one writer per output, inputs
 * read once with a bound (see fsafe.h).
 */
#define _DEFAULT_SOURCE /* flock */
#include "fsafe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

#define FSAFE_NAME_MAX 255 /* bytes in one folder entry (NAME_MAX on Linux) */

/* The folder of path ("." or "/" included), malloc'ed. */
static char *fsafe__dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    size_t n = (size_t)(slash - path);
    if (n == 0)
        n = 1; /* "/x.h5" -> "/" */
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

static const char *fsafe__base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* "DIR/.BASE.TAG" + suffix: BASE is cut (with a hash of the whole name, so
 * distinct long names stay distinct) when the entry would not fit. */
static int fsafe__side(const char *path, const char *tag, const char *suffix, char *buf, size_t n)
{
    const char *base = fsafe__base(path);
    int dl = (int)(base - path);
    size_t bl = strlen(base), extra = 1 + 1 + strlen(tag) + strlen(suffix);
    int w;
    if (bl + extra <= FSAFE_NAME_MAX) {
        w = snprintf(buf, n, "%.*s.%s.%s%s", dl, path, base, tag, suffix);
    } else {
        char hex[65];
        hash_sha256_hex(base, bl, hex);
        size_t keep = FSAFE_NAME_MAX - extra - 17; /* "~" + 16 hex digits */
        w = snprintf(buf, n, "%.*s.%.*s~%.16s.%s%s", dl, path, (int)keep, base, hex, tag, suffix);
    }
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int fsafe_side_name(const char *path, const char *tag, char *buf, size_t n)
{
    return fsafe__side(path, tag, "", buf, n);
}

int fsafe_check_output(const char *path, int force, errbuf *e)
{
    if (path == NULL || path[0] == '\0')
        return err_set(e, SANC_EUSAGE, "output file name is empty");
    size_t len = strlen(path);
    if (path[len - 1] == '/')
        return err_set(e, SANC_EUSAGE, "%s: names a folder (ends in '/'); the output must be a file name", path);
    if (strlen(fsafe__base(path)) > FSAFE_NAME_MAX)
        return err_set(e, SANC_EUSAGE, "%s: file name longer than %d bytes (one folder entry)", path,
                       FSAFE_NAME_MAX);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return err_set(e, SANC_EUSAGE, "%s: is a symbolic link: refusing to write through or replace it, even "
                           "with --force (give the path of a regular file)", path);
        if (S_ISDIR(st.st_mode))
            return err_set(e, SANC_EUSAGE, "%s: is a folder: refusing to replace it, even with --force", path);
        if (!S_ISREG(st.st_mode))
            return err_set(e, SANC_EUSAGE, "%s: exists and is not a regular file (a device, FIFO or socket): "
                           "refusing to replace it, even with --force", path);
        if (!force)
            return err_set(e, SANC_EEXIST, "%s: exists (use --force to overwrite)", path);
    } else if (errno != ENOENT) {
        return err_set(e, SANC_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    char *dir = fsafe__dirname(path);
    if (dir == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int rc = SANC_OK;
    if (stat(dir, &st) != 0)
        rc = err_set(e, SANC_EIO, "%s: cannot write: folder %s: %s", path, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = err_set(e, SANC_EIO, "%s: cannot write: %s is not a folder", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        rc = err_set(e, SANC_EIO, "%s: cannot write: folder %s: %s", path, dir, strerror(errno));
    free(dir);
    return rc;
}

int fsafe_check_side(const char *path, errbuf *e)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? SANC_OK : err_set(e, SANC_EIO, "%s: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return err_set(e, SANC_EUSAGE, "%s: is a symbolic link: refusing to follow it (remove it; sancsim "
                       "creates this file itself)", path);
    if (!S_ISREG(st.st_mode))
        return err_set(e, SANC_EUSAGE, "%s: exists and is not a regular file: refusing to use it (remove it)",
                       path);
    return SANC_OK;
}

int fsafe_temp_create(const char *path, const char *tag, char **temp, errbuf *e)
{
    *temp = NULL;
    size_t n = strlen(path) + strlen(tag) + 64;
    char *t = malloc(n);
    if (t == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16) ^
                 (uint64_t)(uintptr_t)t;
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[8];
        /* splitmix64: distinct names for concurrent writers in one folder */
        x += 0x9E3779B97F4A7C15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        suffix[0] = '.';
        for (int i = 1; i < 7; i++) {
            suffix[i] = alphabet[z % 36];
            z /= 36;
        }
        suffix[7] = '\0';
        if (fsafe__side(path, tag, suffix, t, n) < 0)
            break;
        int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) {
            close(fd);
            *temp = t;
            return SANC_OK;
        }
        if (errno != EEXIST) {
            int err = errno;
            free(t);
            return err_set(e, SANC_EIO, "%s: cannot write: %s", path, strerror(err));
        }
    }
    free(t);
    return err_set(e, SANC_EIO, "%s: cannot write: no free temporary name", path);
}

int fsafe_remove_stale(const char *path, const char *tag)
{
    char pattern[4400];
    if (fsafe__side(path, tag, ".", pattern, sizeof pattern) < 0)
        return 0;
    const char *pbase = fsafe__base(pattern);
    size_t plen = strlen(pbase);
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t dl = slash == NULL ? 0 : (slash == path ? 1 : (size_t)(slash - path));
    if (dl >= sizeof dir)
        return 0;
    snprintf(dir, sizeof dir, "%.*s", dl ? (int)dl : 1, dl ? path : ".");
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        /* exactly our names: the prefix and six characters of [a-z0-9] */
        if (strncmp(de->d_name, pbase, plen) != 0 || strlen(de->d_name) != plen + 6 ||
            strspn(de->d_name + plen, "abcdefghijklmnopqrstuvwxyz0123456789") != 6)
            continue;
        char full[4400 + 256];
        snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISREG(st.st_mode) && unlink(full) == 0)
            n++;
    }
    closedir(d);
    return n;
}

int fsafe_sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    errno = err;
    return rc;
}

void fsafe_sync_dir(const char *path)
{
    /* no allocation: best effort, and it must not fail quietly on ENOMEM */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 0 : (slash == path ? 1 : (size_t)(slash - path));
    if (n >= sizeof dir)
        return;
    if (n == 0)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)n, path);
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* some file systems cannot sync a folder; the rename still stands */
        close(fd);
    }
}

int fsafe_publish(const char *temp, const char *path, int force, errbuf *e)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
            return err_set(e, SANC_EUSAGE, "%s: became a symbolic link or a non-regular file while sancsim "
                           "ran: refusing to replace it (the result is left in %s)", path, temp);
        if (!force)
            return err_set(e, SANC_EEXIST, "%s: exists (use --force to overwrite)", path);
    }
    if (!force) {
        /* never clobber a file that appeared while we ran: link fails
         * atomically on an existing name */
        if (link(temp, path) == 0) {
            unlink(temp);
            fsafe_sync_dir(path);
            return SANC_OK;
        }
        if (errno == EEXIST)
            return err_set(e, SANC_EEXIST, "%s: exists (use --force to overwrite)", path);
        /* file systems without hard links: checked above, then rename */
    }
    if (rename(temp, path) != 0)
        return err_set(e, SANC_EIO, "%s: cannot write: rename: %s", path, strerror(errno));
    fsafe_sync_dir(path);
    return SANC_OK;
}

int fsafe_lock_output(const char *path, fsafe_lock *lk, errbuf *e)
{
    lk->fd = -1;
    if (fsafe_side_name(path, "lock", lk->path, sizeof lk->path) < 0)
        return err_set(e, SANC_EUSAGE, "%s: name too long", path);
    for (int attempt = 0; attempt < 10; attempt++) {
        int rc = fsafe_check_side(lk->path, e);
        if (rc != SANC_OK)
            return rc;
        int fd = open(lk->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0)
            return err_set(e, errno == ELOOP ? SANC_EUSAGE : SANC_EIO, "%s: cannot create the lock file %s: %s",
                           path, lk->path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int err = errno;
            close(fd);
            if (err == EWOULDBLOCK)
                return err_set(e, SANC_EEXIST, "%s: another sancsim sweep or merge is writing this output (it "
                               "holds %s): wait for it to finish or choose another output", path, lk->path);
            return err_set(e, SANC_EIO, "%s: cannot lock %s: %s", path, lk->path, strerror(err));
        }
        /* the holder before us may have removed the file between our open
         * and our flock: then we locked a name nobody else can see */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && lstat(lk->path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            lk->fd = fd;
            return SANC_OK;
        }
        close(fd);
    }
    return err_set(e, SANC_EIO, "%s: cannot lock %s: it keeps disappearing", path, lk->path);
}

void fsafe_unlock(fsafe_lock *lk)
{
    if (lk == NULL || lk->fd < 0)
        return;
    unlink(lk->path); /* while still holding it (see fsafe_lock_output) */
    close(lk->fd);
    lk->fd = -1;
}

int fsafe_read_input(const char *path, size_t max, int code, char **out, size_t *outlen, errbuf *e)
{
    return fsafe_read_input_stat(path, max, code, out, outlen, NULL, e);
}

int fsafe_read_input_stat(const char *path, size_t max, int code, char **out, size_t *outlen, struct stat *stp,
                          errbuf *e)
{
    *out = NULL;
    *outlen = 0;
    struct stat st;
    /* refuse folders and devices before opening them (opening a device can
     * have effects of its own) */
    if (stat(path, &st) != 0)
        return err_set(e, code, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return err_set(e, code, "%s: cannot read: is a folder, not a file", path);
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return err_set(e, code, "%s: cannot read: a device, not a regular file (refused: it may never end)",
                       path);
    int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, code, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        close(fd);
        return err_set(e, code, "%s: cannot read: not a regular file", path);
    }
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > (uintmax_t)max) {
        close(fd);
        return err_set(e, SANC_ELIMIT, "%s: %lld bytes, more than the limit of %zu MiB for this kind of file "
                       "(README: Limits)", path, (long long)st.st_size, max >> 20);
    }
    /* one allocation of the right size when the size is known */
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return err_set(e, SANC_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (cap - len < 2) {
            size_t ncap = cap > max / 2 ? max + 2 : cap * 2;
            char *nb = ncap > cap ? realloc(buf, ncap) : NULL;
            if (nb == NULL) {
                free(buf);
                close(fd);
                return ncap > cap ? err_set(e, SANC_ENOMEM, "%s: out of memory", path)
                                  : err_set(e, SANC_ELIMIT, "%s: more than the limit of %zu MiB for this kind of "
                                            "file (README: Limits)", path, max >> 20);
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int err = errno;
            free(buf);
            close(fd);
            return err_set(e, code, "%s: cannot read: %s", path, strerror(err));
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > max) {
            free(buf);
            close(fd);
            return err_set(e, SANC_ELIMIT, "%s: more than the limit of %zu MiB for this kind of file (README: "
                           "Limits)", path, max >> 20);
        }
    }
    if (stp != NULL)
        *stp = st; /* as opened, before reading */
    close(fd);
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return SANC_OK;
}
