/* h5util.c - HDF5 helpers shared by h5out.c and sweepfile.c (see h5util.h). */
#include "h5util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_version.h>
#include <libconfig.h>

#include "utf8.h"

#ifdef __VERSION__
#define H5UTIL_COMPILER __VERSION__
#else
#define H5UTIL_COMPILER "unknown"
#endif

void h5util_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

typedef struct h5util_errtxt {
    char *s;
    size_t n;
} h5util_errtxt;

static herr_t h5util_walk_cb(unsigned n, const H5E_error2_t *err, void *data)
{
    (void)n;
    h5util_errtxt *t = data;
    const char *d = err->desc ? err->desc : "";
    const char *m = strstr(d, "error message = '");
    if (m != NULL) {
        m += strlen("error message = '");
        const char *q = strchr(m, '\'');
        size_t len = q ? (size_t)(q - m) : strlen(m);
        if (len >= t->n)
            len = t->n - 1;
        memcpy(t->s, m, len);
        t->s[len] = '\0';
        return 1; /* the OS reason beats anything else */
    }
    if (t->s[0] == '\0' && d[0] != '\0')
        snprintf(t->s, t->n, "%s", d);
    return 0;
}

void h5util_error_text(char *buf, size_t n)
{
    h5util_errtxt t = {buf, n};
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5util_walk_cb, &t);
    H5Eclear2(H5E_DEFAULT);
}

hid_t h5util_err_save(int failed)
{
    return failed ? H5Eget_current_stack() : H5I_INVALID_HID;
}

void h5util_err_restore(hid_t stack)
{
    if (stack >= 0)
        H5Eset_current_stack(stack);
}

int h5util_attr_str(hid_t loc, const char *name, const char *value)
{
    if (value == NULL)
        value = "";
    /* labels are checked at load; free text (command lines, paths, error
     * messages) may still hold foreign bytes: readers decode UTF-8 */
    char *clean = NULL;
    if (utf8_check_str(value) >= 0) {
        if ((clean = utf8_sanitize(value)) == NULL)
            return -1;
        value = clean;
    }
    if (H5Aexists(loc, name) > 0 && H5Adelete(loc, name) < 0) {
        free(clean);
        return -1;
    }
    size_t len = strlen(value);
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0) {
        free(clean);
        return -1;
    }
    hid_t space = -1, attr = -1;
    int rc = -1;
    if (H5Tset_size(type, len > 0 ? len : 1) >= 0 && H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0 &&
        H5Tset_cset(type, H5T_CSET_UTF8) >= 0 && (space = H5Screate(H5S_SCALAR)) >= 0 &&
        (attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
        H5Awrite(attr, type, len > 0 ? value : "") >= 0)
        rc = 0;
    hid_t es = h5util_err_save(rc < 0);
    if (attr >= 0 && H5Aclose(attr) < 0)
        rc = -1;
    if (space >= 0)
        H5Sclose(space);
    H5Tclose(type);
    free(clean);
    h5util_err_restore(es);
    return rc;
}

int h5util_attr_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    if (H5Aexists(loc, name) > 0 && H5Adelete(loc, name) < 0)
        return -1;
    hid_t space = H5Screate(H5S_SCALAR);
    if (space < 0)
        return -1;
    int rc = -1;
    hid_t attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr >= 0)
        rc = H5Awrite(attr, mtype, v) < 0 ? -1 : 0;
    hid_t es = h5util_err_save(rc < 0);
    if (attr >= 0 && H5Aclose(attr) < 0)
        rc = -1;
    H5Sclose(space);
    h5util_err_restore(es);
    return rc;
}

hid_t h5util_vlen_str(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* 64 KiB conversion buffer (see h5util_write_str); -1 on error */
static hid_t h5util_vlen_dxpl(void)
{
    hid_t p = H5Pcreate(H5P_DATASET_XFER);
    if (p >= 0 && H5Pset_buffer(p, (size_t)64 << 10, NULL, NULL) < 0) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

herr_t h5util_write_str(hid_t ds, hid_t mtype, hid_t mspace, hid_t fspace, const void *buf)
{
    hid_t x = h5util_vlen_dxpl();
    herr_t rc = H5Dwrite(ds, mtype, mspace, fspace, x >= 0 ? x : H5P_DEFAULT, buf);
    if (x >= 0)
        H5Pclose(x);
    return rc;
}

int h5util_software_attrs(hid_t f)
{
    char created[32], hdf5v[32], cfgv[32];
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(created, sizeof created, "unknown");
    unsigned maj = 0, min = 0, rel = 0;
    if (H5get_libversion(&maj, &min, &rel) < 0)
        return -1;
    snprintf(hdf5v, sizeof hdf5v, "%u.%u.%u", maj, min, rel);
    snprintf(cfgv, sizeof cfgv, "%d.%d.%d", LIBCONFIG_VER_MAJOR, LIBCONFIG_VER_MINOR, LIBCONFIG_VER_REVISION);
    if (h5util_attr_str(f, "software", "sancsim") < 0 ||
        h5util_attr_str(f, "software_version", SANCSIM_VERSION) < 0 ||
        h5util_attr_str(f, "git_revision", SANCSIM_GIT_REVISION) < 0 ||
        h5util_attr_str(f, "compiler", H5UTIL_COMPILER) < 0 || h5util_attr_str(f, "hdf5_version", hdf5v) < 0 ||
        h5util_attr_str(f, "gsl_version", GSL_VERSION) < 0 || h5util_attr_str(f, "libconfig_version", cfgv) < 0 ||
        h5util_attr_str(f, "rng", "mt19937") < 0 || h5util_attr_str(f, "created", created) < 0)
        return -1;
    return 0;
}

int h5util_history(hid_t file, const char *command_line)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(stamp, sizeof stamp, "unknown");
    if (command_line == NULL)
        command_line = "";
    /* CF: one line per step, oldest first (a merge appends to its parts') */
    char *old = NULL;
    size_t oldlen = 0;
    if (H5Aexists(file, "history") > 0) {
        hid_t a = H5Aopen(file, "history", H5P_DEFAULT);
        hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
        if (ft >= 0 && H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) == 0) {
            size_t sz = H5Tget_size(ft);
            if ((old = calloc(sz + 1, 1)) != NULL && H5Aread(a, ft, old) < 0) {
                free(old);
                old = NULL;
            }
        }
        if (ft >= 0)
            H5Tclose(ft);
        if (a >= 0)
            H5Aclose(a);
        oldlen = old ? strlen(old) : 0;
    }
    size_t n = oldlen + strlen(stamp) + strlen(command_line) + 4;
    char *h = malloc(n);
    if (h == NULL) {
        free(old);
        return -1;
    }
    if (oldlen > 0)
        snprintf(h, n, "%s\n%s: %s", old, stamp, command_line);
    else
        snprintf(h, n, "%s: %s", stamp, command_line);
    int rc = h5util_attr_str(file, "history", h);
    free(h);
    free(old);
    return rc;
}

int h5util_config_dataset(hid_t file, const char *text, const char *long_name)
{
    return h5util_provenance_text(file, "config", text, long_name);
}

int h5util_provenance_text(hid_t file, const char *name, const char *text, const char *long_name)
{
    hid_t g = H5Lexists(file, "provenance", H5P_DEFAULT) > 0
                  ? H5Gopen2(file, "provenance", H5P_DEFAULT)
                  : H5Gcreate2(file, "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    int rc = -1;
    hid_t type = h5util_vlen_str();
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t ds = -1;
    if (text == NULL)
        text = "";
    if (type >= 0 && space >= 0 &&
        (ds = H5Dcreate2(g, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
        h5util_write_str(ds, type, H5S_ALL, H5S_ALL, &text) >= 0 &&
        h5util_attr_str(ds, "long_name", long_name) >= 0)
        rc = 0;
    hid_t es = h5util_err_save(rc < 0);
    if (ds >= 0 && H5Dclose(ds) < 0)
        rc = -1;
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (H5Gclose(g) < 0)
        rc = -1;
    h5util_err_restore(es);
    return rc;
}

char *h5util_read_provenance_text(hid_t file, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "provenance/%s", name);
    if (H5Lexists(file, "provenance", H5P_DEFAULT) <= 0 || H5Lexists(file, path, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0)
        return NULL;
    char *out = NULL;
    hid_t ft = H5Dget_type(ds), sp = H5Dget_space(ds);
    hid_t type = h5util_vlen_str();
    char *text = NULL;
    if (ft >= 0 && sp >= 0 && type >= 0 && H5Tis_variable_str(ft) > 0 &&
        H5Sget_simple_extent_type(sp) == H5S_SCALAR &&
        H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) >= 0) {
        out = strdup(text != NULL ? text : "");
        H5Dvlen_reclaim(type, sp, H5P_DEFAULT, &text);
    }
    if (type >= 0)
        H5Tclose(type);
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(ds);
    return out;
}
