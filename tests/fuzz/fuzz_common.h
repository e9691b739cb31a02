/*
 * fuzz_common.h - helpers shared by the libFuzzer targets: a private scratch
 * folder per fuzzing process holding the fixed data files the inputs refer
 * to, and writing an input into it as a file (the loaders take paths).
 * Process-wide state is fine here: a fuzz target is a test harness.
 */
#ifndef SANCSIM_FUZZ_COMMON_H
#define SANCSIM_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

static char fuzz_dir[256];

static const char fuzz_trade_csv[] =
    "exporter,importer,sector,value\n"
    "AAA,AAA,goods,100\nAAA,BBB,goods,20\nAAA,CCC,goods,10\n"
    "BBB,AAA,goods,15\nBBB,BBB,goods,200\nBBB,CCC,goods,30\n"
    "CCC,AAA,goods,12\nCCC,BBB,goods,25\nCCC,CCC,goods,150\n"
    "AAA,AAA,energy,50\nAAA,BBB,energy,5\nBBB,BBB,energy,40\n"
    "CCC,AAA,energy,30\nCCC,BBB,energy,20\nCCC,CCC,energy,80\n";
static const char fuzz_countries_csv[] =
    "code,name,groups\nAAA,Aland,NORTH\nBBB,Bland,NORTH;G2\nCCC,Cland,\n";
static const char fuzz_shocks_csv[] =
    "exporter,importer,sector,factor\nCCC,AAA,energy,2.0\nCCC,BBB,goods,0\n";
static const char fuzz_include_cfg[] =
    "groups = { NORTH2 = [\"AAA\", \"BBB\"]; SOUTH = [\"ALL\", \"!NORTH2\"]; };\n";
static const char fuzz_include_events_cfg[] =
    "{ name = \"inc\"; start = 2; exporters = [\"CCC\"]; importers = [\"AAA\"]; "
    "partial_effect = -0.5; }\n";

static int fuzz_write(const char *name, const void *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    int ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Once per process: the scratch folder and its fixed files. */
static void fuzz_setup(void)
{
    if (fuzz_dir[0])
        return;
    gsl_set_error_handler_off(); /* as main does once (cli_process_init) */
    const char *base = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/sancsim-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(fuzz_dir) == NULL)
        abort();
    if (fuzz_write("trade.csv", fuzz_trade_csv, strlen(fuzz_trade_csv)) ||
        fuzz_write("countries.csv", fuzz_countries_csv, strlen(fuzz_countries_csv)) ||
        fuzz_write("shocks.csv", fuzz_shocks_csv, strlen(fuzz_shocks_csv)) ||
        fuzz_write("inc.cfg", fuzz_include_cfg, strlen(fuzz_include_cfg)) ||
        fuzz_write("inc_events.cfg", fuzz_include_events_cfg, strlen(fuzz_include_events_cfg)))
        abort();
}

static void fuzz_path(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", fuzz_dir, name);
}

#endif
