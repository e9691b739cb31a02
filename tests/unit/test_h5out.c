/*
 * test_h5out.c - the recorder: a hand-built world written for three periods
 * and read back with the plain HDF5 C API (shapes, values, attributes,
 * attached scales, provenance, complete = 1), plus the refusal and failure
 * paths: existing file, unwritable folder, abort, a full disk (simulated
 * with RLIMIT_FSIZE in a child process) and the chunk-size cap.
 * Expected values come from closed-form fill patterns, not from the writer.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <gsl/gsl_errno.h>

#include "h5out.h"
#include "harness.h"
#include "scenario.h"
#include "world.h"

#define NC 3
#define NS 2
#define NT 3

static char *const countries[NC] = { "USA", "CHN", "RUS" };
static char *const sectors[NS] = { "energy", "other" };

/* The harness's folder and a world built by hand (harness_world) with
 * the scenario fields the recorder reads filled in; the variables' data
 * are the fixture's own. */
typedef struct h5fx {
    harness h;
    char path[512]; /* the output */
    double flows[NC * NC * NS];
    double welfare[NC];
    double power[NC * NC];
    int iters;
    double sanction_none[1];
} h5fx;

/* Independent closed forms for each period's values. */
static double flow_value(int t, int i, int j, int k)
{
    return 1000.0 * t + 100.0 * i + 10.0 * j + k + (t + i + j + k == 0 ? 0.0 : 0.25);
}
static double welfare_value(int t, int i) { return 1.0 + 0.125 * t * (i + 1); }
static double power_value(int t, int i, int j) { return (i == j) ? 0.0 : 0.5 * t - j + 0.0625 * i; }
static int iters_value(int t) { return 7 + 3 * t; }

static void fill_period(h5fx *f, int t)
{
    f->h.w.t = t;
    for (int i = 0; i < NC; i++) {
        f->welfare[i] = welfare_value(t, i);
        for (int j = 0; j < NC; j++) {
            f->power[i * NC + j] = power_value(t, i, j);
            for (int k = 0; k < NS; k++)
                f->flows[(i * NC + j) * NS + k] = flow_value(t, i, j, k);
        }
    }
    f->iters = iters_value(t);
}

static void add_var(world *w, const char *name, const char *units, int is_int, const void *data,
                    int ndims, int d0, int d1, int d2)
{
    schema_var v = { 0 };
    v.name = name;
    v.units = units;
    v.long_name = name;
    v.description = "test variable";
    v.ndims = ndims;
    v.dims[0] = d0;
    v.dims[1] = d1;
    v.dims[2] = d2;
    v.is_int = is_int;
    v.data = data;
    errbuf e;
    err_init(&e);
    assert_int_equal(world_add_var(w, &v, &e), SANC_OK);
}

static int h5fx_setup(void **state)
{
    h5fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    harness_init(&f->h, "h5out");
    snprintf(f->path, sizeof f->path, "%s", harness_file(&f->h, "out.h5"));

    scenario *sc = &f->h.sc;
    sc->name = "unit";
    sc->start_year = 2022;
    sc->start_month = 1;
    sc->step_months = 1;
    sc->periods = NT;
    sc->units = "USD million";

    harness_world(&f->h, NC, NS, NT);
    world *w = &f->h.w;
    w->sc = sc;
    w->out.start_year = sc->start_year;
    w->out.start_month = sc->start_month;
    /* 2022-01-01, 2022-02-01 (+31 days), 2022-03-01 (+28 more); the world
     * frees it */
    double *days = malloc(NT * sizeof *days);
    assert_non_null(days);
    days[0] = 0.0;
    days[1] = 31.0;
    days[2] = 59.0;
    w->out.time_days = days;
    world_set_dim(w, DIM_COUNTRY, NC, countries);
    world_set_dim(w, DIM_PARTNER, NC, countries);
    world_set_dim(w, DIM_EXPORTER, NC, countries);
    world_set_dim(w, DIM_IMPORTER, NC, countries);
    world_set_dim(w, DIM_SECTOR, NS, sectors);
    world_set_dim(w, DIM_SANCTION, 0, NULL);

    add_var(w, "flows", "$units", 0, f->flows, 3, DIM_EXPORTER, DIM_IMPORTER, DIM_SECTOR);
    add_var(w, "welfare", "1", 0, f->welfare, 1, DIM_COUNTRY, 0, 0);
    add_var(w, "power_balance", "1", 0, f->power, 2, DIM_COUNTRY, DIM_PARTNER, 0);
    add_var(w, "solver_iterations", "1", 1, &f->iters, 0, 0, 0, 0);
    add_var(w, "sanction_intensity", "1", 0, f->sanction_none, 1, DIM_SANCTION, 0, 0);
    *state = f;
    return 0;
}

static int h5fx_teardown(void **state)
{
    h5fx *f = *state;
    harness_close(&f->h);
    free(f);
    return 0;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static const char config_text[] = "scenario = { name = \"unit\"; start = \"2022-01\"; periods = 3; };\n";

static int write_run(h5fx *f, int force, int compression, errbuf *e)
{
    h5out *o = NULL;
    int rc = h5out_create(&o, f->path, force, &f->h.w.out, compression, "USD million", e);
    if (rc < 0)
        return rc;
    assert_non_null(h5out_temp_path(o));
    assert_true(file_exists(h5out_temp_path(o)));
    assert_false(file_exists(f->path) && !force);
    for (int t = 0; t < NT; t++) {
        fill_period(f, t);
        if ((rc = h5out_append(o, &f->h.w.out, f->h.w.t, e)) < 0) {
            h5out_abort(o);
            return rc;
        }
    }
    h5out_prov p = { 0 };
    p.seed = 12345678901234ull;
    p.command_line = "sancsim run unit.cfg";
    p.config_text = config_text;
    /* sha256sum of config_text, computed outside this code */
    p.config_sha256 = "02ff19aa0635158f935ba45c133c52084ffc768e57b00db3497c80170b4409f8";
    p.scenario_name = "unit";
    p.units = "USD million";
    return h5out_finish(o, &p, e);
}

static void read_str_attr(hid_t loc, const char *obj, const char *name, char *buf, size_t n)
{
    hid_t a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t ft = H5Aget_type(a);
    assert_int_equal(H5Tget_class(ft), H5T_STRING);
    assert_false(H5Tis_variable_str(ft));
    size_t sz = H5Tget_size(ft);
    assert_true(sz < n);
    hid_t mt = H5Tcopy(ft);
    H5Tset_size(mt, sz + 1);
    assert_true(H5Aread(a, mt, buf) >= 0);
    buf[sz] = '\0';
    H5Tclose(mt);
    H5Tclose(ft);
    H5Aclose(a);
}

static void check_str_attr(hid_t loc, const char *obj, const char *name, const char *want)
{
    char buf[512];
    read_str_attr(loc, obj, name, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void check_dims(hid_t f, const char *name, int rank, const hsize_t *want, const char *const *scales)
{
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    assert_true(ds >= 0);
    hid_t sp = H5Dget_space(ds);
    hsize_t dims[8], maxd[8];
    assert_int_equal(H5Sget_simple_extent_ndims(sp), rank);
    H5Sget_simple_extent_dims(sp, dims, maxd);
    for (int d = 0; d < rank; d++)
        assert_int_equal(dims[d], want[d]);
    assert_true(maxd[0] == H5S_UNLIMITED);
    for (int d = 0; d < rank; d++) {
        hid_t sc = H5Dopen2(f, scales[d], H5P_DEFAULT);
        assert_true(sc >= 0);
        assert_true(H5DSis_scale(sc) > 0);
        assert_true(H5DSis_attached(ds, sc, (unsigned)d) > 0);
        char nm[64];
        assert_true(H5DSget_scale_name(sc, nm, sizeof nm) > 0);
        assert_string_equal(nm, scales[d]);
        H5Dclose(sc);
    }
    H5Sclose(sp);
    H5Dclose(ds);
}

static void read_all(hid_t f, const char *name, hid_t mtype, void *buf)
{
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    assert_true(ds >= 0);
    assert_true(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(ds);
}

static void check_labels(hid_t f, const char *name, int n, char *const *want)
{
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    assert_true(ds >= 0);
    hid_t ft = H5Dget_type(ds);
    assert_true(H5Tis_variable_str(ft) > 0);
    assert_int_equal(H5Tget_cset(ft), H5T_CSET_UTF8);
    char *buf[8] = { 0 };
    assert_true(n <= 8);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    assert_true(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    for (int i = 0; i < n; i++)
        assert_string_equal(buf[i], want[i]);
    hid_t sp = H5Dget_space(ds);
    H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
    H5Sclose(sp);
    H5Tclose(mt);
    H5Tclose(ft);
    H5Dclose(ds);
}

static void check_file(const h5fx *f)
{
    hid_t fid = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(fid >= 0);

    static const char *const s_flows[] = { "time", "exporter", "importer", "sector" };
    static const char *const s_country[] = { "time", "country" };
    static const char *const s_power[] = { "time", "country", "partner" };
    static const char *const s_time[] = { "time" };
    hsize_t d_flows[] = { NT, NC, NC, NS }, d_country[] = { NT, NC }, d_power[] = { NT, NC, NC },
            d_time[] = { NT };
    check_dims(fid, "flows", 4, d_flows, s_flows);
    check_dims(fid, "welfare", 2, d_country, s_country);
    check_dims(fid, "power_balance", 3, d_power, s_power);
    check_dims(fid, "solver_iterations", 1, d_time, s_time);
    /* scales for unused dims are not written; a variable along an empty
     * axis (no sanctions) is left out with its axis (DESIGN 10) */
    assert_int_equal(H5Lexists(fid, "hub", H5P_DEFAULT), 0);
    assert_int_equal(H5Lexists(fid, "payment_system", H5P_DEFAULT), 0);
    assert_int_equal(H5Lexists(fid, "sanction", H5P_DEFAULT), 0);
    assert_int_equal(H5Lexists(fid, "sanction_intensity", H5P_DEFAULT), 0);

    double flows[NT * NC * NC * NS], welfare[NT * NC], power[NT * NC * NC], tdays[NT];
    int iters[NT];
    read_all(fid, "flows", H5T_NATIVE_DOUBLE, flows);
    read_all(fid, "welfare", H5T_NATIVE_DOUBLE, welfare);
    read_all(fid, "power_balance", H5T_NATIVE_DOUBLE, power);
    read_all(fid, "solver_iterations", H5T_NATIVE_INT, iters);
    read_all(fid, "time", H5T_NATIVE_DOUBLE, tdays);
    for (int t = 0; t < NT; t++) {
        assert_int_equal(iters[t], iters_value(t));
        for (int i = 0; i < NC; i++) {
            assert_true(welfare[t * NC + i] == welfare_value(t, i));
            for (int j = 0; j < NC; j++) {
                assert_true(power[(t * NC + i) * NC + j] == power_value(t, i, j));
                for (int k = 0; k < NS; k++)
                    assert_true(flows[((t * NC + i) * NC + j) * NS + k] == flow_value(t, i, j, k));
            }
        }
    }
    assert_true(tdays[0] == 0.0 && tdays[1] == 31.0 && tdays[2] == 59.0);

    /* types on disk */
    hid_t ds = H5Dopen2(fid, "solver_iterations", H5P_DEFAULT);
    hid_t ty = H5Dget_type(ds);
    assert_true(H5Tequal(ty, H5T_STD_I32LE) > 0);
    H5Tclose(ty);
    H5Dclose(ds);
    ds = H5Dopen2(fid, "flows", H5P_DEFAULT);
    ty = H5Dget_type(ds);
    assert_true(H5Tequal(ty, H5T_IEEE_F64LE) > 0);
    H5Tclose(ty);
    H5Dclose(ds);

    check_labels(fid, "country", NC, countries);
    check_labels(fid, "exporter", NC, countries);
    check_labels(fid, "importer", NC, countries);
    check_labels(fid, "partner", NC, countries);
    check_labels(fid, "sector", NS, sectors);

    check_str_attr(fid, "time", "units", "days since 2022-01-01");
    check_str_attr(fid, "time", "calendar", "proleptic_gregorian");
    check_str_attr(fid, "time", "axis", "T");
    check_str_attr(fid, "flows", "units", "USD million");
    check_str_attr(fid, "flows", "dims", "time exporter importer sector");
    check_str_attr(fid, "flows", "long_name", "flows");
    check_str_attr(fid, "flows", "description", "test variable");
    check_str_attr(fid, "welfare", "units", "1");
    check_str_attr(fid, "welfare", "dims", "time country");
    check_str_attr(fid, "power_balance", "dims", "time country partner");
    check_str_attr(fid, "solver_iterations", "dims", "time");

    check_str_attr(fid, ".", "software", "sancsim");
    check_str_attr(fid, ".", "software_version", SANCSIM_VERSION);
    check_str_attr(fid, ".", "git_revision", SANCSIM_GIT_REVISION);
    check_str_attr(fid, ".", "rng", "mt19937");
    check_str_attr(fid, ".", "gsl_version", GSL_VERSION);
    check_str_attr(fid, ".", "command_line", "sancsim run unit.cfg");
    check_str_attr(fid, ".", "scenario", "unit");
    check_str_attr(fid, ".", "Conventions", "CF-1.8");
    char buf[512];
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    char want[64];
    snprintf(want, sizeof want, "%u.%u.%u", maj, min, rel);
    check_str_attr(fid, ".", "hdf5_version", want);
    read_str_attr(fid, ".", "history", buf, sizeof buf);
    /* CF history: "YYYY-MM-DDTHH:MM:SSZ: command line" */
    assert_string_equal(buf + 20, ": sancsim run unit.cfg");
    read_str_attr(fid, ".", "created", buf, sizeof buf);
    /* YYYY-MM-DDTHH:MM:SSZ */
    assert_int_equal(strlen(buf), 20);
    assert_true(buf[4] == '-' && buf[10] == 'T' && buf[19] == 'Z');
    read_str_attr(fid, ".", "compiler", buf, sizeof buf);
    assert_true(strlen(buf) > 0);
    read_str_attr(fid, ".", "libconfig_version", buf, sizeof buf);
    assert_string_equal(buf, "1.5.0");

    unsigned long long seed = 0;
    hid_t a = H5Aopen(fid, "seed", H5P_DEFAULT);
    assert_true(a >= 0);
    ty = H5Aget_type(a);
    assert_true(H5Tequal(ty, H5T_STD_U64LE) > 0);
    H5Tclose(ty);
    assert_true(H5Aread(a, H5T_NATIVE_ULLONG, &seed) >= 0);
    H5Aclose(a);
    assert_true(seed == 12345678901234ull);

    int complete = 0;
    a = H5Aopen(fid, "complete", H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_INT, &complete) >= 0);
    H5Aclose(a);
    assert_int_equal(complete, 1);

    ds = H5Dopen2(fid, "/provenance/config", H5P_DEFAULT);
    assert_true(ds >= 0);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    char *cfg = NULL;
    assert_true(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &cfg) >= 0);
    assert_string_equal(cfg, config_text);
    hid_t sp = H5Dget_space(ds);
    assert_int_equal(H5Sget_simple_extent_type(sp), H5S_SCALAR);
    H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &cfg);
    H5Sclose(sp);
    H5Tclose(mt);
    H5Dclose(ds);

    /* nothing left open behind our back */
    assert_int_equal(H5Fget_obj_count(fid, H5F_OBJ_ALL), 1);
    assert_true(H5Fclose(fid) >= 0);
}

static void run_python_checker(const char *path)
{
    if (system("/usr/bin/python3 -c 'import xarray, h5netcdf, h5py' >/dev/null 2>&1") != 0) {
        fprintf(stderr, "(skipping check_h5.py: /usr/bin/python3 lacks xarray/h5netcdf/h5py)\n");
        return;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 " SANCSIM_SRC "/tests/integration/check_h5.py"
             " --expect-var flows --expect-var welfare '%s'",
             path);
    assert_int_equal(system(cmd), 0);
}

static void run_r_checker(const char *path)
{
    if (system("Rscript -e 'suppressPackageStartupMessages(library(hdf5r))' >/dev/null 2>&1") != 0) {
        fprintf(stderr, "(skipping check_h5.R: no Rscript with hdf5r)\n");
        return;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "Rscript " SANCSIM_SRC "/tests/integration/check_h5.R --expect-var flows '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static void test_roundtrip(void **state)
{
    h5fx *f = *state;
    errbuf e;
    err_init(&e);
    int rc = write_run(f, 0, 0, &e);
    if (rc < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(harness_entries(&f->h), 1); /* the result, no temporary left */
    assert_int_equal(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0); /* every hid_t closed */
    check_file(f);
    run_python_checker(f->path);
    run_r_checker(f->path);
}

static void test_compressed(void **state)
{
    h5fx *f = *state;
    errbuf e;
    err_init(&e);
    int rc = write_run(f, 0, 6, &e);
    if (rc < 0)
        fail_msg("%s", e.msg);
    check_file(f);
    hid_t fid = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = H5Dopen2(fid, "flows", H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(ds);
    assert_int_equal(H5Pget_nfilters(dcpl), 2);
    unsigned flags, cd[4];
    size_t ncd = 4;
    assert_int_equal(H5Pget_filter2(dcpl, 0, &flags, &ncd, cd, 0, NULL, NULL), H5Z_FILTER_SHUFFLE);
    ncd = 4;
    assert_int_equal(H5Pget_filter2(dcpl, 1, &flags, &ncd, cd, 0, NULL, NULL), H5Z_FILTER_DEFLATE);
    assert_int_equal(cd[0], 6);
    H5Pclose(dcpl);
    H5Dclose(ds);
    H5Fclose(fid);
}

static void test_uncompressed_has_no_filters(void **state)
{
    h5fx *f = *state;
    errbuf e;
    err_init(&e);
    assert_int_equal(write_run(f, 0, 0, &e), SANC_OK);
    hid_t fid = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = H5Dopen2(fid, "flows", H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(ds);
    assert_int_equal(H5Pget_nfilters(dcpl), 0);
    assert_int_equal(H5Pget_layout(dcpl), H5D_CHUNKED);
    H5Pclose(dcpl);
    H5Dclose(ds);
    H5Fclose(fid);
}

static void test_exists(void **state)
{
    h5fx *f = *state;
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("precious", fp);
    fclose(fp);

    errbuf e;
    err_init(&e);
    assert_int_equal(h5out_check_target(f->path, 0, &e), SANC_EEXIST);
    assert_non_null(strstr(e.msg, "exists (use --force to overwrite)"));
    assert_non_null(strstr(e.msg, f->path));
    err_init(&e);
    h5out *o = (h5out *)&e; /* must be reset to NULL */
    assert_int_equal(h5out_create(&o, f->path, 0, &f->h.w.out, 0, "USD million", &e), SANC_EEXIST);
    assert_null(o);
    char buf[32] = { 0 };
    fp = fopen(f->path, "r");
    assert_non_null(fgets(buf, sizeof buf, fp));
    fclose(fp);
    assert_string_equal(buf, "precious");
    assert_int_equal(harness_entries(&f->h), 1);

    /* --force replaces it with a complete result */
    err_init(&e);
    assert_int_equal(h5out_check_target(f->path, 1, &e), SANC_OK);
    assert_int_equal(write_run(f, 1, 0, &e), SANC_OK);
    assert_int_equal(harness_entries(&f->h), 1);
    check_file(f);
}

static void test_unwritable(void **state)
{
    h5fx *f = *state;
    errbuf e;
    char p[400];
    snprintf(p, sizeof p, "%s/no/such/folder/x.h5", f->h.dir);
    err_init(&e);
    assert_int_equal(h5out_check_target(p, 0, &e), SANC_EIO);
    assert_non_null(strstr(e.msg, "cannot write"));
    assert_true(strncmp(e.msg, p, strlen(p)) == 0);
    h5out *o = NULL;
    err_init(&e);
    assert_int_equal(h5out_create(&o, p, 0, &f->h.w.out, 0, NULL, &e), SANC_EIO);
    assert_null(o);

    /* a folder we may not write: root ignores modes, /proc refuses everyone */
    if (geteuid() != 0) {
        char ro[300];
        snprintf(ro, sizeof ro, "%s/ro", f->h.dir);
        assert_int_equal(mkdir(ro, 0555), 0);
        snprintf(p, sizeof p, "%s/x.h5", ro);
        err_init(&e);
        assert_int_equal(h5out_check_target(p, 0, &e), SANC_EIO);
        err_init(&e);
        assert_int_equal(h5out_create(&o, p, 1, &f->h.w.out, 0, NULL, &e), SANC_EIO);
        rmdir(ro);
    }
    err_init(&e);
    assert_int_equal(h5out_create(&o, "/proc/sancsim_test_h5out.h5", 1, &f->h.w.out, 0, NULL, &e), SANC_EIO);
    assert_null(o);
    assert_false(file_exists("/proc/sancsim_test_h5out.h5"));

    /* a folder as the target: not a regular file, refused (exit 2) even
     * with force */
    err_init(&e);
    assert_int_equal(h5out_check_target(f->h.dir, 1, &e), SANC_EUSAGE);
    assert_int_equal(harness_entries(&f->h), 0);
}

static void test_abort(void **state)
{
    h5fx *f = *state;
    errbuf e;
    err_init(&e);
    h5out *o = NULL;
    assert_int_equal(h5out_create(&o, f->path, 0, &f->h.w.out, 0, NULL, &e), SANC_OK);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s", h5out_temp_path(o));
    /* the temporary lives in the target folder and is hidden */
    assert_true(strncmp(tmp, f->h.dir, strlen(f->h.dir)) == 0);
    assert_non_null(strstr(tmp, "/.out.h5.tmp."));
    fill_period(f, 0);
    assert_int_equal(h5out_append(o, &f->h.w.out, f->h.w.t, &e), SANC_OK);
    /* out of order period: refused, recorder still usable */
    fill_period(f, 2);
    assert_int_equal(h5out_append(o, &f->h.w.out, f->h.w.t, &e), SANC_EINTERNAL);
    h5out_abort(o);
    assert_int_equal(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
    assert_false(file_exists(tmp));
    assert_false(file_exists(f->path));
    assert_int_equal(harness_entries(&f->h), 0);
    h5out_abort(NULL);
}

/* A full disk (here: a file-size limit) must surface as SANC_EIO from
 * append or finish and leave nothing at the final path. */
static int disk_full_child(h5fx *f, rlim_t limit)
{
    enum { BIG_NC = 40, BIG_NS = 8, BIG_T = 12 };
    static char *const names[BIG_NC] = {
        "C00", "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09",
        "C10", "C11", "C12", "C13", "C14", "C15", "C16", "C17", "C18", "C19",
        "C20", "C21", "C22", "C23", "C24", "C25", "C26", "C27", "C28", "C29",
        "C30", "C31", "C32", "C33", "C34", "C35", "C36", "C37", "C38", "C39",
    };
    static char *const secs[BIG_NS] = { "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7" };
    static double x[BIG_NC * BIG_NC * BIG_NS];
    double days[BIG_T];
    for (int t = 0; t < BIG_T; t++)
        days[t] = 31.0 * t;
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = 1.0 / (double)(i + 3); /* full mantissas: deflate cannot hide it */

    world w;
    memset(&w, 0, sizeof w);
    w.sc = &f->h.sc;
    w.nc = BIG_NC;
    w.ns = BIG_NS;
    w.T = w.out.T = BIG_T;
    w.out.start_year = f->h.sc.start_year;
    w.out.start_month = f->h.sc.start_month;
    w.out.time_days = days;
    world_set_dim(&w, DIM_EXPORTER, BIG_NC, names);
    world_set_dim(&w, DIM_IMPORTER, BIG_NC, names);
    world_set_dim(&w, DIM_SECTOR, BIG_NS, secs);
    add_var(&w, "flows", "$units", 0, x, 3, DIM_EXPORTER, DIM_IMPORTER, DIM_SECTOR);

    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = { limit, limit };
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 10;
    errbuf e;
    err_init(&e);
    h5out *o = NULL;
    int rc = h5out_create(&o, f->path, 0, &w.out, 0, NULL, &e);
    for (int t = 0; t < BIG_T && rc == SANC_OK; t++) {
        w.t = t;
        rc = h5out_append(o, &w.out, w.t, &e);
    }
    if (o != NULL) {
        if (rc < 0)
            h5out_abort(o);
        else
            rc = h5out_finish(o, NULL, &e);
    }
    if (rc != SANC_EIO)
        return 12;
    if (strstr(e.msg, f->path) == NULL || strstr(e.msg, "cannot write") == NULL)
        return 13;
    if (file_exists(f->path))
        return 14;
    if (harness_entries(&f->h) != 0)
        return 15;
    return 0;
}

static void test_disk_full(void **state)
{
    h5fx *f = *state;
    /* the run needs ~1.2 MB: fail at the first flush, after two periods,
     * and near the end */
    const rlim_t limits[] = { 1024, 256 * 1024, 1024 * 1024 };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            exit(disk_full_child(f, limits[i])); /* exit(): HDF5's atexit must not crash */
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(harness_entries(&f->h), 0);
    }
}

/* One period of 300 x 300 x 8 doubles is 5.8 MB: the chunk must be split
 * along the leading non-time axis to stay within 4 MiB, keeping the inner
 * axes whole. */
static void test_chunk_cap(void **state)
{
    h5fx *f = *state;
    enum { BNC = 300, BNS = 8 };
    char **names = malloc(BNC * sizeof *names);
    char *store = malloc(BNC * 8);
    double *x = malloc((size_t)BNC * BNC * BNS * sizeof *x);
    assert_true(names && store && x);
    for (int i = 0; i < BNC; i++) {
        names[i] = store + 8 * i;
        snprintf(names[i], 8, "K%03d", i);
    }
    static char *const secs[BNS] = { "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7" };
    for (size_t i = 0; i < (size_t)BNC * BNC * BNS; i++)
        x[i] = (double)i;
    double days[1] = { 0.0 };
    world w;
    memset(&w, 0, sizeof w);
    w.sc = &f->h.sc;
    w.nc = BNC;
    w.ns = BNS;
    w.T = w.out.T = 1;
    w.out.start_year = f->h.sc.start_year;
    w.out.start_month = f->h.sc.start_month;
    w.out.time_days = days;
    world_set_dim(&w, DIM_EXPORTER, BNC, names);
    world_set_dim(&w, DIM_IMPORTER, BNC, names);
    world_set_dim(&w, DIM_SECTOR, BNS, secs);
    add_var(&w, "flows", "$units", 0, x, 3, DIM_EXPORTER, DIM_IMPORTER, DIM_SECTOR);

    errbuf e;
    err_init(&e);
    h5out *o = NULL;
    assert_int_equal(h5out_create(&o, f->path, 0, &w.out, 0, "USD", &e), SANC_OK);
    assert_int_equal(h5out_append(o, &w.out, w.t, &e), SANC_OK);
    assert_int_equal(h5out_finish(o, NULL, &e), SANC_OK);

    hid_t fid = H5Fopen(f->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = H5Dopen2(fid, "flows", H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(ds);
    hsize_t chunk[4];
    assert_int_equal(H5Pget_chunk(dcpl, 4, chunk), 4);
    assert_int_equal(chunk[0], 1);
    assert_true(chunk[1] < BNC);
    assert_int_equal(chunk[2], BNC);
    assert_int_equal(chunk[3], BNS);
    assert_true(chunk[1] * chunk[2] * chunk[3] * 8 <= (4u << 20));
    assert_true((chunk[1] + 1) * chunk[2] * chunk[3] * 8 > (4u << 20)); /* as big as allowed */
    double *back = malloc((size_t)BNC * BNC * BNS * sizeof *back);
    assert_non_null(back);
    assert_true(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0);
    for (size_t i = 0; i < (size_t)BNC * BNC * BNS; i++)
        if (back[i] != (double)i)
            fail_msg("flows[%zu] = %g", i, back[i]);
    free(back);
    H5Pclose(dcpl);
    H5Dclose(ds);
    H5Fclose(fid);
    free(x);
    free(store);
    free(names);
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, h5fx_setup, h5fx_teardown),
        cmocka_unit_test_setup_teardown(test_compressed, h5fx_setup, h5fx_teardown),
        cmocka_unit_test_setup_teardown(test_uncompressed_has_no_filters, h5fx_setup, h5fx_teardown),
        cmocka_unit_test_setup_teardown(test_exists, h5fx_setup, h5fx_teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, h5fx_setup, h5fx_teardown),
        cmocka_unit_test_setup_teardown(test_abort, h5fx_setup, h5fx_teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, h5fx_setup, h5fx_teardown),
        cmocka_unit_test_setup_teardown(test_chunk_cap, h5fx_setup, h5fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
