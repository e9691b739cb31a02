/*
 * fuzz_merge.c - libFuzzer target for `sancsim merge` inputs: part files.
 *
 * Once per process, a tiny sweep is written as two shards (part 1/2 and
 * 2/2).  Each input is a list of edits applied, through the HDF5 API, to a
 * copy of part 2: attributes rewritten (complete, manifest_sha256,
 * sweep_runs, shard, a dataset's sha256), values overwritten (welfare,
 * run_status, run_error), datasets or attributes deleted, the data
 * fingerprints (/provenance/data_sha256) replaced, the file truncated.
 * Then part 1 and the edited part are merged.  The merge must never crash,
 * must return a code with a message, must write an output exactly when it
 * succeeds, and must leave no temporary or lock file behind.
 *
 * The bytes of the HDF5 format itself are not fuzzed: HDF5's own parser is
 * not sancsim's code (and 1.10 is known to crash on crafted files); what is
 * fuzzed is what merge does with well-formed files that say the wrong
 * things.
 *
 * Input: up to 8 edits of 4 bytes {op, target, a, b}, ended by a byte 0xff
 * or the input's end; the rest is text for the text edits.
 */
#include <stdint.h>
#include <sys/stat.h>

#include <dirent.h>
#include <hdf5.h>

#include "fuzz_common.h"
#include "sweep.h"

static const char fuzz_merge_cfg[] =
    "scenario = { name = \"m\"; start = \"2022-01\"; step = \"month\"; periods = 3; seed = 1; };\n"
    "data = { trade = \"trade.csv\"; countries = \"countries.csv\"; units = \"USD million\"; };\n"
    "trade = { sigma = 5.0; adjustment = 1.0; };\n"
    "events = ( { name = \"e\"; start = 1; exporters = [\"CCC\"]; importers = [\"AAA\"]; factor = 1.5; } );\n"
    "sweep = { parameters = ( { path = \"trade.sigma\"; values = [4.0, 5.0, 6.0, 7.0]; } );\n"
    "          keep = [\"welfare\"]; };\n";

static char fuzz_part1[600], fuzz_part2[600];

static void fuzz_merge_setup(void)
{
    if (fuzz_part1[0])
        return;
    fuzz_setup();
    if (fuzz_write("m.cfg", fuzz_merge_cfg, strlen(fuzz_merge_cfg)))
        abort();
    char cfg[512];
    fuzz_path("m.cfg", cfg, sizeof cfg);
    fuzz_path("part1.h5", fuzz_part1, sizeof fuzz_part1);
    fuzz_path("part2.h5", fuzz_part2, sizeof fuzz_part2);
    for (int k = 1; k <= 2; k++) {
        sweep_opts o;
        memset(&o, 0, sizeof o);
        o.config = cfg;
        o.seed_override = -1;
        o.output = k == 1 ? fuzz_part1 : fuzz_part2;
        o.force = 1;
        o.jobs = 1;
        o.quiet = 1;
        o.shard_k = k;
        o.shard_n = 2;
        sweep_result res;
        errbuf e;
        err_init(&e);
        if (sweep_execute(&o, &res, &e) != SANC_OK) {
            fprintf(stderr, "fuzz_merge: setup: %s\n", e.msg);
            abort();
        }
    }
}

static int fuzz_copy(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int ok = a != NULL && b != NULL;
    char buf[1 << 15];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, a)) > 0)
        ok = fwrite(buf, 1, n, b) == n;
    if (a)
        fclose(a);
    if (b && fclose(b) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static const char *const fuzz_dsets[] = {"welfare", "run_status", "run_error", "run_seed", "time", "country"};
static const char *const fuzz_attrs[] = {"complete", "manifest_sha256", "sweep_runs", "shard", "keep", "summaries"};

static void fuzz_edit(hid_t f, const uint8_t *op, const char *text)
{
    const char *ds = fuzz_dsets[op[1] % 6], *at = fuzz_attrs[op[1] % 6];
    switch (op[0] % 7) {
    case 0: { /* an integer root attribute */
        if (H5Aexists(f, at) > 0)
            H5Adelete(f, at);
        long long v = (long long)(int8_t)op[2] * (op[3] % 4 == 0 ? 1 : (long long)op[3] * 1000003LL);
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(f, at, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            H5Awrite(a, H5T_NATIVE_LLONG, &v);
            H5Aclose(a);
        }
        H5Sclose(sp);
        break;
    }
    case 1: { /* a string attribute, root or a dataset's sha256 */
        hid_t loc = op[2] & 1 ? H5Dopen2(f, ds, H5P_DEFAULT) : f;
        const char *name = op[2] & 1 ? "sha256" : at;
        if (loc < 0)
            break;
        if (H5Aexists(loc, name) > 0)
            H5Adelete(loc, name);
        hid_t t = H5Tcopy(H5T_C_S1);
        size_t len = strlen(text) + 1;
        H5Tset_size(t, len);
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            H5Awrite(a, t, text);
            H5Aclose(a);
        }
        H5Sclose(sp);
        H5Tclose(t);
        if (loc != f)
            H5Dclose(loc);
        break;
    }
    case 2: { /* overwrite one element's first bytes */
        hid_t d = H5Dopen2(f, ds, H5P_DEFAULT);
        if (d < 0)
            break;
        hid_t sp = H5Dget_space(d), ft = H5Dget_type(d);
        int rank = H5Sget_simple_extent_ndims(sp);
        hsize_t dims[8] = {0}, st[8] = {0}, cnt[8];
        if (rank > 0 && rank <= 8 && H5Sget_simple_extent_dims(sp, dims, NULL) >= 0 && dims[0] > 0 &&
            H5Tis_variable_str(ft) <= 0) {
            for (int k = 0; k < rank; k++) {
                st[k] = dims[k] > 0 ? (hsize_t)(op[2 + (k & 1)] % dims[k]) : 0;
                cnt[k] = 1;
            }
            size_t esz = H5Tget_size(ft);
            unsigned char buf[2048];
            if (esz <= sizeof buf) {
                memset(buf, op[3], esz);
                hsize_t one = 1;
                hid_t ms = H5Screate_simple(1, &one, NULL);
                if (H5Sselect_hyperslab(sp, H5S_SELECT_SET, st, NULL, cnt, NULL) >= 0)
                    H5Dwrite(d, ft, ms, sp, H5P_DEFAULT, buf);
                H5Sclose(ms);
            }
        }
        H5Tclose(ft);
        H5Sclose(sp);
        H5Dclose(d);
        break;
    }
    case 3: /* delete a dataset */
        if (H5Lexists(f, ds, H5P_DEFAULT) > 0)
            H5Ldelete(f, ds, H5P_DEFAULT);
        break;
    case 4: /* delete an attribute */
        if (H5Aexists(f, at) > 0)
            H5Adelete(f, at);
        break;
    case 5: { /* replace the data fingerprints */
        if (H5Lexists(f, "provenance", H5P_DEFAULT) > 0 && H5Lexists(f, "provenance/data_sha256", H5P_DEFAULT) > 0)
            H5Ldelete(f, "provenance/data_sha256", H5P_DEFAULT);
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t g = H5Lexists(f, "provenance", H5P_DEFAULT) > 0 ? H5Gopen2(f, "provenance", H5P_DEFAULT) : -1;
        if (g >= 0) {
            hid_t d = H5Dcreate2(g, "data_sha256", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (d >= 0) {
                H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text);
                H5Dclose(d);
            }
            H5Gclose(g);
        }
        H5Sclose(sp);
        H5Tclose(t);
        break;
    }
    default: /* 6: handled after closing (truncation) */
        break;
    }
}

/* Files left in the scratch folder beside the fixed ones. */
static int fuzz_leftovers(void)
{
    DIR *dir = opendir(fuzz_dir);
    int n = 0;
    struct dirent *de;
    while (dir && (de = readdir(dir)) != NULL)
        if (strstr(de->d_name, ".tmp") != NULL || strstr(de->d_name, ".lock") != NULL)
            n++;
    if (dir)
        closedir(dir);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_merge_setup();
    if (size > 4096)
        return 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    size_t nops = 0;
    while (nops < 8 && 4 * (nops + 1) <= size && data[4 * nops] != 0xff)
        nops++;
    size_t tstart = 4 * nops + (4 * nops < size);
    char text[600];
    size_t tl = size > tstart ? size - tstart : 0;
    if (tl >= sizeof text)
        tl = sizeof text - 1;
    memcpy(text, data + tstart, tl);
    text[tl] = '\0';

    char part[512], out[512];
    fuzz_path("fuzzed.h5", part, sizeof part);
    fuzz_path("merged.h5", out, sizeof out);
    unlink(out);
    if (fuzz_copy(fuzz_part2, part) != 0)
        abort();
    long long truncate_to = -1;
    hid_t f = H5Fopen(part, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        abort();
    for (size_t i = 0; i < nops; i++) {
        const uint8_t *op = data + 4 * i;
        if (op[0] % 7 == 6)
            truncate_to = (long long)op[2] * 256 + op[3];
        else
            fuzz_edit(f, op, text);
    }
    H5Fclose(f);
    if (truncate_to >= 0 && truncate(part, truncate_to) != 0)
        abort();

    char *parts[2] = {fuzz_part1, part};
    sweep_merge_opts mo = {.output = out, .force = 1, .parts = parts, .nparts = 2, .command_line = "fuzz"};
    int64_t missing = 0, failed = 0;
    errbuf e;
    err_init(&e);
    int rc = sweep_merge(&mo, &missing, &failed, &e);
    if (rc > 0 || (rc != SANC_OK && e.msg[0] == '\0'))
        abort();
    struct stat st;
    if ((rc == SANC_OK) != (stat(out, &st) == 0))
        abort(); /* success and an output go together */
    if (fuzz_leftovers() != 0)
        abort(); /* no temporary or lock file survives a merge */
    if (getenv("FUZZ_MERGE_VERBOSE"))
        fprintf(stderr, "fuzz_merge: %zu edits: rc %d, missing %lld: %s\n", nops, rc, (long long)missing, e.msg);
    unlink(out);
    unlink(part);
    return 0;
}
