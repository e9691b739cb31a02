/* h5util.c - HDF5 helpers shared by h5out.c and sweepfile.c (see h5util.h). */
#include "h5util.h"

#include <stdio.h>
#include <string.h>

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
    if (H5Aexists(loc, name) > 0 && H5Adelete(loc, name) < 0)
        return -1;
    size_t len = strlen(value);
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0)
        return -1;
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
