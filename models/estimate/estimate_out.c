/*
 * estimate_out.c - the HDF5 result and the text files of `sancsim
 * estimate` (see estimate_out.h).
 *
 * Layout of the HDF5 file (every variable at the root):
 *   regressor(regressor), regressor2(regressor2)   labels (vlen UTF-8 scales)
 *   coefficient(regressor), std_error(regressor), vcov(regressor, regressor2)
 *   observations, dropped_separated, dropped_singletons, clusters,
 *   iterations, deviance                            scalars
 *   with a bootstrap: replicate(replicate) (int coordinate 0..R-1),
 *   bootstrap_coefficient(replicate, regressor) (_FillValue NaN),
 *   bootstrap_status(replicate) (flag_values 0 1 2), bootstrap_seed(replicate),
 *   bootstrap_std_error(regressor)
 *   /provenance/config; root attributes as a run file's plus data_file,
 *   data_sha256, outcome, fixed_effects, cluster, history; complete = 1 last.
 * No fixed-length string datasets (netCDF-C 4.9.0 corrupts memory on
 * them) and no zero-length dimensions (no bootstrap: no replicate axis).
 */
#include "estimate_out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "h5out.h"
#include "h5util.h"

static int eo_fail(errbuf *e, const char *path, const char *what)
{
    char why[256];
    h5util_error_text(why, sizeof why);
    if (why[0] != '\0')
        return err_set(e, SANC_EIO, "%s: cannot write: %s: %s", path, what, why);
    return err_set(e, SANC_EIO, "%s: cannot write: %s", path, what);
}

static int eo_describe(hid_t ds, const char *units, const char *long_name, const char *desc, const char *dims)
{
    if ((units != NULL && h5util_attr_str(ds, "units", units) < 0) || h5util_attr_str(ds, "long_name", long_name) < 0 ||
        h5util_attr_str(ds, "description", desc) < 0 || (dims != NULL && h5util_attr_str(ds, "dims", dims) < 0))
        return -1;
    return 0;
}

/* A 1-D label scale. */
static hid_t eo_label_scale(hid_t f, const char *name, const char *long_name, int n, const char *const *labels)
{
    hid_t type = h5util_vlen_str();
    hsize_t dim = (hsize_t)n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t ds = -1;
    if (type >= 0 && space >= 0)
        ds = H5Dcreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds >= 0 && (H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels) < 0 || H5DSset_scale(ds, name) < 0 ||
                    h5util_attr_str(ds, "long_name", long_name) < 0)) {
        H5Dclose(ds);
        ds = -1;
    }
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return ds;
}

/* A dataset of rank 0..2 with its scales attached; fill (optional) sets the
 * fill value and a `_FillValue` attribute of the dataset's type. */
static int eo_var(hid_t f, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                  const hid_t *scales, const void *data, const char *units, const char *long_name, const char *desc,
                  const char *dims_attr, const void *fill)
{
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = -1;
    int rc = -1;
    if (space < 0 || dcpl < 0 || (fill != NULL && H5Pset_fill_value(dcpl, mtype, fill) < 0))
        goto out;
    if ((ds = H5Dcreate2(f, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        goto out;
    if (H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        goto out;
    for (int d = 0; d < rank; d++)
        if (H5DSattach_scale(ds, scales[d], (unsigned)d) < 0)
            goto out;
    if (eo_describe(ds, units, long_name, desc, dims_attr) < 0)
        goto out;
    if (fill != NULL && h5util_attr_num(ds, "_FillValue", ftype, mtype, fill) < 0)
        goto out;
    rc = 0;
out:
    {
        hid_t es = h5util_err_save(rc < 0);
        if (ds >= 0 && H5Dclose(ds) < 0)
            rc = -1;
        if (dcpl >= 0)
            H5Pclose(dcpl);
        if (space >= 0)
            H5Sclose(space);
        h5util_err_restore(es);
    }
    return rc;
}

/* An integer array attribute (flag_values). */
static int eo_attr_ints(hid_t loc, const char *name, const int *v, int n)
{
    hsize_t dim = (hsize_t)n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    if (space < 0)
        return -1;
    hid_t a = H5Acreate2(loc, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Awrite(a, H5T_NATIVE_INT, v) >= 0 ? 0 : -1;
    if (a >= 0 && H5Aclose(a) < 0)
        rc = -1;
    H5Sclose(space);
    return rc;
}

static int eo_bootstrap(hid_t f, const estimate_h5 *r, hid_t sreg, const char *path, errbuf *e)
{
    int R = r->replicates, rc = SANC_OK;
    hsize_t dimR = (hsize_t)R, dims2[2] = { (hsize_t)R, (hsize_t)r->k };
    hid_t srep = -1, ds = -1;
    int *idx = malloc(sizeof *idx * (size_t)R);
    if (idx == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int i = 0; i < R; i++)
        idx[i] = i;
    hid_t space = H5Screate_simple(1, &dimR, NULL);
    if (space >= 0)
        srep = H5Dcreate2(f, "replicate", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (space >= 0)
        H5Sclose(space);
    if (srep < 0 || H5Dwrite(srep, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) < 0 ||
        H5DSset_scale(srep, "replicate") < 0 ||
        eo_describe(srep, "1", "bootstrap replicate", "index of the bootstrap replicate", NULL) < 0) {
        rc = eo_fail(e, path, "replicate");
        goto out;
    }
    double nan = NAN;
    char desc[600];
    snprintf(desc, sizeof desc,
             "coefficients of bootstrap replicate r: clusters (%s) drawn with replacement from the estimation "
             "sample; NaN where the replicate failed", r->boot_cluster);
    hid_t sc2[2] = { srep, sreg };
    if (eo_var(f, "bootstrap_coefficient", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims2, sc2, r->boot, "1",
               "bootstrap coefficient", desc, "replicate regressor", &nan) < 0) {
        rc = eo_fail(e, path, "bootstrap_coefficient");
        goto out;
    }
    /* no _FillValue on the integers: CF readers would turn them into floats */
    if (eo_var(f, "bootstrap_status", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &dimR, &srep, r->status, "1",
               "bootstrap replicate status", "0 pending, 1 done, 2 failed (left out of the design file)", "replicate",
               NULL) < 0 ||
        (ds = H5Dopen2(f, "bootstrap_status", H5P_DEFAULT)) < 0) {
        rc = eo_fail(e, path, "bootstrap_status");
        goto out;
    }
    static const int flags[3] = { 0, 1, 2 };
    if (eo_attr_ints(ds, "flag_values", flags, 3) < 0 ||
        h5util_attr_str(ds, "flag_meanings", "pending done failed") < 0) {
        rc = eo_fail(e, path, "bootstrap_status");
        goto out;
    }
    if (eo_var(f, "bootstrap_seed", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &dimR, &srep, r->boot_seed, "1",
               "bootstrap replicate seed",
               "the replicate's seed, mix32(seed) XOR replicate as a sweep run's (DESIGN 6); its draws come from "
               "the stream rng_stream_seed(replicate seed, 4)",
               "replicate", NULL) < 0) {
        rc = eo_fail(e, path, "bootstrap_seed");
        goto out;
    }
    hsize_t dimk = (hsize_t)r->k;
    if (eo_var(f, "bootstrap_std_error", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &dimk, &sreg, r->boot_std_error, "1",
               "bootstrap standard error", "standard deviation of bootstrap_coefficient over the done replicates",
               "regressor", NULL) < 0)
        rc = eo_fail(e, path, "bootstrap_std_error");
out:
    {
        hid_t es = h5util_err_save(rc < 0);
        if (ds >= 0)
            H5Dclose(ds);
        if (srep >= 0)
            H5Dclose(srep);
        h5util_err_restore(es);
    }
    free(idx);
    return rc;
}

static int eo_contents(hid_t f, const estimate_h5 *r, const char *path, errbuf *e)
{
    int rc = SANC_OK;
    hid_t sreg = eo_label_scale(f, "regressor", "regressor", r->k, r->regressor);
    hid_t sreg2 = sreg >= 0 ? eo_label_scale(f, "regressor2", "regressor (second axis of vcov)", r->k, r->regressor)
                            : -1;
    if (sreg < 0 || sreg2 < 0) {
        rc = eo_fail(e, path, "regressor");
        goto out;
    }
    hsize_t dk = (hsize_t)r->k, dkk[2] = { (hsize_t)r->k, (hsize_t)r->k };
    hid_t s2[2] = { sreg, sreg2 };
    long long obs = r->observations, sep = r->dropped_separated, sing = r->dropped_singletons, G = r->clusters;
    int it = r->iterations;
    char desc[700];
    snprintf(desc, sizeof desc, "PPML coefficient of the regressor on %s (d log E[%s] / d regressor)", r->outcome,
             r->outcome);
    if (eo_var(f, "coefficient", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &dk, &sreg, r->coefficient, "1",
               "coefficient", desc, "regressor", NULL) < 0) {
        rc = eo_fail(e, path, "coefficient");
        goto out;
    }
    snprintf(desc, sizeof desc, "standard error of the coefficient: %s", r->variance);
    if (eo_var(f, "std_error", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &dk, &sreg, r->std_error, "1",
               "standard error", desc, "regressor", NULL) < 0) {
        rc = eo_fail(e, path, "std_error");
        goto out;
    }
    snprintf(desc, sizeof desc, "variance-covariance matrix of the coefficients: %s", r->variance);
    if (eo_var(f, "vcov", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dkk, s2, r->vcov, "1", "covariance of coefficients",
               desc, "regressor regressor2", NULL) < 0) {
        rc = eo_fail(e, path, "vcov");
        goto out;
    }
    const struct {
        const char *name, *long_name, *desc;
        const void *v;
        int is_double, is_int;
    } sc[] = {
        { "observations", "observations", "observations in the fit (after the sample, the filter and the drops)",
          &obs, 0, 0 },
        { "dropped_separated", "observations dropped as separated",
          "observations in a fixed-effect group whose outcomes are all zero (counted in the round that dropped "
          "them)", &sep, 0, 0 },
        { "dropped_singletons", "observations dropped as singletons",
          "observations alone in a fixed-effect group (counted in the round that dropped them)", &sing, 0, 0 },
        { "clusters", "clusters", "clusters with observations in the fit (0: robust variance)", &G, 0, 0 },
        { "iterations", "IRLS iterations", "IRLS steps to convergence", &it, 0, 1 },
        { "deviance", "deviance", "Poisson deviance 2 sum(y log(y/mu) - (y - mu)) of the fit", &r->deviance, 1, 0 },
    };
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
        hid_t ft = sc[i].is_double ? H5T_IEEE_F64LE : sc[i].is_int ? H5T_STD_I32LE : H5T_STD_I64LE;
        hid_t mt = sc[i].is_double ? H5T_NATIVE_DOUBLE : sc[i].is_int ? H5T_NATIVE_INT : H5T_NATIVE_LLONG;
        if (eo_var(f, sc[i].name, ft, mt, 0, NULL, NULL, sc[i].v, sc[i].is_double ? "1" : "1", sc[i].long_name,
                   sc[i].desc, NULL, NULL) < 0) {
            rc = eo_fail(e, path, sc[i].name);
            goto out;
        }
    }
    if (r->replicates > 0)
        rc = eo_bootstrap(f, r, sreg, path, e);
out:
    {
        hid_t es = h5util_err_save(rc < 0);
        if (sreg >= 0)
            H5Dclose(sreg);
        if (sreg2 >= 0)
            H5Dclose(sreg2);
        h5util_err_restore(es);
    }
    return rc;
}

static int eo_provenance(hid_t f, const estimate_h5 *r)
{
    unsigned long long seed = r->seed;
    if (h5util_config_dataset(f, r->config_text, "resolved estimation specification") < 0 ||
        h5util_software_attrs(f) < 0 || h5util_attr_num(f, "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &seed) < 0 ||
        h5util_attr_str(f, "command_line", r->command_line) < 0 ||
        h5util_attr_str(f, "history", r->command_line) < 0 ||
        h5util_attr_str(f, "config_sha256", r->config_sha256) < 0 ||
        h5util_attr_str(f, "data_file", r->data_file) < 0 || h5util_attr_str(f, "data_sha256", r->data_sha256) < 0 ||
        h5util_attr_str(f, "outcome", r->outcome) < 0 || h5util_attr_str(f, "fixed_effects", r->fixed_effects) < 0 ||
        h5util_attr_str(f, "cluster", r->cluster) < 0 || h5util_attr_str(f, "estimator", "ppml") < 0 ||
        h5util_attr_str(f, "Conventions", "CF-1.8") < 0)
        return -1;
    return 0;
}

int estimate_write_h5(const char *path, int force, const estimate_h5 *r,
                      void (*on_temp)(const char *temp, void *ctx), void *ctx, errbuf *e)
{
    H5dont_atexit(); /* see h5out_create */
    h5util_quiet();
    int rc = h5out_check_target(path, force, e);
    if (rc < 0)
        return rc;
    char *temp = NULL;
    if ((rc = h5out_temp_create(path, &temp, e)) < 0)
        return rc;
    if (on_temp != NULL)
        on_temp(temp, ctx);
    hid_t f = -1;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
        (f = H5Fcreate(temp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        rc = eo_fail(e, path, "create");
        goto fail;
    }
    if ((rc = eo_contents(f, r, path, e)) < 0)
        goto fail;
    int one = 1;
    if (eo_provenance(f, r) < 0) {
        rc = eo_fail(e, path, "provenance");
        goto fail;
    }
    if (h5util_attr_num(f, "complete", H5T_STD_I32LE, H5T_NATIVE_INT, &one) < 0) {
        rc = eo_fail(e, path, "complete");
        goto fail;
    }
    herr_t st = H5Fclose(f);
    f = -1;
    if (st < 0) {
        rc = eo_fail(e, path, "close");
        goto fail;
    }
    H5Pclose(fapl);
    fapl = -1;
    if ((rc = h5out_temp_publish(temp, path, force, e)) < 0)
        goto fail;
    if (on_temp != NULL)
        on_temp(NULL, ctx);
    free(temp);
    return SANC_OK;
fail:
    if (f >= 0)
        H5Fclose(f);
    if (fapl >= 0)
        H5Pclose(fapl);
    unlink(temp);
    if (on_temp != NULL)
        on_temp(NULL, ctx);
    free(temp);
    return rc;
}

int estimate_write_text(const char *path, int force, const char *text, size_t len, errbuf *e)
{
    int rc = h5out_check_target(path, force, e);
    if (rc < 0)
        return rc;
    char *temp = NULL;
    if ((rc = h5out_temp_create(path, &temp, e)) < 0)
        return rc;
    FILE *fp = fopen(temp, "wb");
    if (fp == NULL) {
        rc = err_set(e, SANC_EIO, "%s: cannot write: %s", path, strerror(errno));
    } else {
        size_t put = fwrite(text, 1, len, fp);
        int err = put != len || ferror(fp) ? errno : 0;
        if (fclose(fp) != 0 && err == 0)
            err = errno ? errno : EIO;
        if (put != len || err != 0)
            rc = err_set(e, SANC_EIO, "%s: cannot write: %s", path, strerror(err ? err : EIO));
    }
    if (rc == SANC_OK)
        rc = h5out_temp_publish(temp, path, force, e);
    if (rc != SANC_OK)
        unlink(temp);
    free(temp);
    return rc;
}
