/* dataset.c - load and share the baseline data (see dataset.h). */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "iodata.h"

/* "trade key" GS "countries key" */
char *dataset_key(const csvtable_source *trade, const csvtable_source *countries)
{
    char *t = csvtable_source_key(trade), *c = csvtable_source_key(countries), *k = NULL;
    if (t != NULL && c != NULL && (k = malloc(strlen(t) + strlen(c) + 2)) != NULL)
        sprintf(k, "%s\x1d%s", t, c);
    free(t);
    free(c);
    return k;
}

int dataset_load(dataset *d, const csvtable_source *trade, const csvtable_source *countries, errbuf *e)
{
    memset(d, 0, sizeof *d);
    d->trade_path = strdup(trade->path);
    d->countries_path = countries ? strdup(countries->path) : NULL;
    d->key = dataset_key(trade, countries);
    if (d->trade_path == NULL || (countries && d->countries_path == NULL) || d->key == NULL) {
        dataset_free(d);
        return err_set(e, SANC_ENOMEM, "out of memory");
    }
    int rc = SANC_OK;
    if (countries)
        rc = data_load_countries_from(countries, &d->countries, e);
    if (rc == SANC_OK)
        rc = data_load_trade_from(trade, d->countries.n > 0 ? &d->countries : NULL, &d->trade, e);
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
    free(d->key);
    memset(d, 0, sizeof *d);
}

int dataset_matches(const dataset *d, const char *key)
{
    return d != NULL && d->io == NULL && d->key != NULL && key != NULL && strcmp(key, d->key) == 0;
}
