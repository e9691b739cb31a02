/* dataset.c - load and share the baseline data (see dataset.h). */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "iodata.h"

int dataset_load(dataset *d, const char *trade_path, const char *countries_path, errbuf *e)
{
    memset(d, 0, sizeof *d);
    d->trade_path = strdup(trade_path);
    d->countries_path = countries_path ? strdup(countries_path) : NULL;
    if (d->trade_path == NULL || (countries_path && d->countries_path == NULL)) {
        dataset_free(d);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    int rc = SANC_OK;
    if (countries_path)
        rc = data_load_countries(countries_path, &d->countries, e);
    if (rc == SANC_OK)
        rc = data_load_trade(trade_path, d->countries.n > 0 ? &d->countries : NULL, &d->trade, e);
    if (rc != SANC_OK)
        dataset_free(d);
    return rc;
}

void dataset_free(dataset *d)
{
    if (d->io != NULL) {
        iodata_free(d->io);
        free(d->io);
    }
    free(d->io_sig);
    for (int f = 0; f < d->nio_files; f++)
        free(d->io_path[f]);
    data_trade_free(&d->trade);
    data_countries_free(&d->countries);
    free(d->trade_path);
    free(d->countries_path);
    memset(d, 0, sizeof *d);
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int dataset_matches(const dataset *d, const char *trade_path, const char *countries_path)
{
    return d != NULL && d->io == NULL && d->trade_path != NULL && same(d->trade_path, trade_path) &&
           same(d->countries_path, countries_path);
}
