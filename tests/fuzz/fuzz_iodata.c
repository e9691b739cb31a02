/*
 * fuzz_iodata.c - libFuzzer target: the production-network loader
 * (engine/io/iodata.c: a 64 KiB window read once and hashed as read, lines
 * split by csvtable_lines_one).  The first byte picks the file the input
 * stands for (trade, inputs, final, value_added, deficits, theta; with
 * bit 3, the trade file through a column mapping and a filter); the other
 * files are fixed and valid.  Invariants: no crash, no leak, no UB; on
 * success the arrays are finite where the loader promises it (flows, final
 * demand and value added >= 0), the labels are set and the input's SHA-256
 * is recorded; on error a message.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "iodata.h"

static const char *const io_names[6] = {"io_trade.csv", "io_inputs.csv", "io_final.csv",
                                        "io_va.csv", "io_def.csv", "io_theta.csv"};
static const char *const io_fixed[6] = {
    ("exporter,importer,sector,value\n"
     "AAA,AAA,goods,100\nAAA,BBB,goods,20\nBBB,AAA,goods,15\nBBB,BBB,goods,200\n"
     "AAA,AAA,serv,50\nBBB,BBB,serv,40\n"),
    ("country,input,sector,value\n"
     "AAA,goods,goods,30\nAAA,serv,goods,10\nBBB,goods,goods,50\nBBB,serv,serv,5\n"),
    "country,sector,value\nAAA,goods,60\nAAA,serv,40\nBBB,goods,120\nBBB,serv,30\n",
    "country,sector,value\nAAA,goods,80\nAAA,serv,50\nBBB,goods,165\nBBB,serv,35\n",
    "country,value\nAAA,5\nBBB,-5\n",
    "sector,value\ngoods,4\nserv,5\n",
};

static void fuzz_io_setup(void)
{
    static int done;
    fuzz_setup();
    if (done)
        return;
    for (int f = 0; f < 6; f++)
        if (fuzz_write(io_names[f], io_fixed[f], strlen(io_fixed[f])) != 0)
            abort();
    done = 1;
}

static void fuzz_io_check(const iodata *d, int which)
{
    if (d->N < 1 || d->K < 1 || d->country == NULL || d->sector == NULL)
        abort();
    for (int i = 0; i < d->N; i++)
        if (d->country[i] == NULL)
            abort();
    for (int k = 0; k < d->K; k++)
        if (d->sector[k] == NULL)
            abort();
    size_t n3 = (size_t)d->N * d->N * d->K, nk = (size_t)d->N * d->K;
    for (size_t c = 0; c < n3; c++)
        if (!(d->M[c] >= 0.0) || !isfinite(d->M[c]) || (d->tariff && !(d->tariff[c] > -1.0)))
            abort();
    for (size_t c = 0; c < nk * d->K; c++)
        if (!isfinite(d->IC[c]))
            abort();
    for (size_t c = 0; c < nk; c++)
        if (!(d->FC[c] >= 0.0) || !isfinite(d->FC[c]) || !(d->VA[c] >= 0.0) || !isfinite(d->VA[c]))
            abort();
    if (strlen(d->sha256[which % 6]) != 64)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_io_setup();
    if (size < 1 || size > 256 * 1024)
        return 0;
    int which = data[0] % 6, mapped = (data[0] >> 3) & 1;
    if (fuzz_write("io_in.csv", data + 1, size - 1) != 0)
        abort();
    char path[6][512], in[512];
    for (int f = 0; f < 6; f++)
        fuzz_path(io_names[f], path[f], sizeof path[f]);
    fuzz_path("io_in.csv", in, sizeof in);
    iodata_file *files[6];
    iodata_spec spec;
    memset(&spec, 0, sizeof spec);
    files[0] = &spec.trade;
    files[1] = &spec.inputs;
    files[2] = &spec.final;
    files[3] = &spec.value_added;
    files[4] = &spec.deficits;
    files[5] = &spec.theta;
    for (int f = 0; f < 6; f++)
        files[f]->path = f == which ? in : path[f];
    /* the trade file as it comes: value read from "flow", rows with year 2021 */
    static const iodata_column map[] = {{"value", "flow"}};
    static const iodata_filter filt[] = {{"year", "2021"}};
    if (mapped && which == 0) {
        spec.trade.columns = map;
        spec.trade.ncolumns = 1;
        spec.trade.filter = filt;
        spec.trade.nfilter = 1;
    }
    errbuf e;
    err_init(&e);
    iodata d;
    memset(&d, 0, sizeof d);
    int rc = iodata_load(&spec, &d, &e);
    if (rc == SANC_OK)
        fuzz_io_check(&d, which);
    else if (e.msg[0] == '\0')
        abort();
    iodata_free(&d);
    return 0;
}
