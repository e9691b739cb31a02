/*
 * fuzz_csvtable.c - libFuzzer target: engine/io/csvtable.c, the reader of
 * tables by named columns.  The first byte picks the wanted columns and a
 * filter, the rest is the file.  Invariants: no crash, no leak, no UB; on
 * success every label code is in range and names a non-empty level, every
 * number is finite (and >= 0 where asked), source lines increase; on error
 * a message naming the file.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "csvtable.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size < 1 || size > 256 * 1024)
        return 0;
    unsigned mode = data[0];
    if (fuzz_write("in.csv", data + 1, size - 1) != 0)
        abort();
    char path[512];
    fuzz_path("in.csv", path, sizeof path);
    csvtable_col cols[] = {
        { "exporter", NULL, CSVTABLE_LABEL, 0 },
        { "trade", (mode & 2) ? "value" : NULL, CSVTABLE_NUMBER, CSVTABLE_NONNEG },
        { "year", NULL, CSVTABLE_NUMBER, 0 },
        { "year", NULL, CSVTABLE_LABEL, 0 },
    };
    int ncols = 1 + (int)(mode >> 2) % 4;
    csvtable_value years[] = { { 1, 2000.0, NULL }, { 0, 0, "2014" } };
    csvtable_filter filt[] = { { "year", 2, years } };
    csvtable t;
    errbuf e;
    err_init(&e);
    int rc = csvtable_read(&t, path, cols, ncols, filt, (mode & 1) ? 1 : 0, &e);
    if (rc == SANC_OK) {
        if (t.nrows < 1 || t.ncols != ncols || strlen(t.sha256) != 64)
            abort();
        for (int64_t r = 0; r < t.nrows; r++) {
            if (r > 0 && t.line[r] <= t.line[r - 1])
                abort();
            for (int c = 0; c < ncols; c++) {
                const csvtable_column *col = &t.col[c];
                if (col->type == CSVTABLE_LABEL) {
                    if (col->code[r] < 0 || col->code[r] >= col->nlevels || col->level[col->code[r]][0] == '\0')
                        abort();
                } else if (!isfinite(col->num[r]) || ((cols[c].flags & CSVTABLE_NONNEG) && col->num[r] < 0)) {
                    abort();
                }
            }
        }
    } else if (e.msg[0] == '\0' || strstr(e.msg, path) == NULL) {
        abort();
    }
    csvtable_free(&t);
    return 0;
}
