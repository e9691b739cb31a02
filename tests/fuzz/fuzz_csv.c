/*
 * fuzz_csv.c - libFuzzer target: the CSV loaders (countries, trade with and
 * without a countries list, shocks; 4: trade through a column mapping and a
 * filter, then shocks read through a named column, DESIGN 10).  The first
 * byte picks the loader, the rest is the file.  Invariants: no crash, no leak, no UB; on success the
 * tables are consistent (finite, non-negative flows; codes and indices in
 * range); on error a message.
 */
#include <math.h>
#include <stdint.h>

#include "data.h"
#include "fuzz_common.h"

static void fuzz_check_trade(const data_trade *t)
{
    if (t->nc < 1 || t->ns < 1)
        abort();
    for (int i = 0; i < t->nc; i++)
        if (t->country[i] == NULL)
            abort();
    for (int k = 0; k < t->ns; k++)
        if (t->sector[k] == NULL)
            abort();
    size_t n = (size_t)t->nc * t->nc * t->ns;
    for (size_t c = 0; c < n; c++)
        if (!(t->X[c] >= 0) || !isfinite(t->X[c]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size < 1 || size > 256 * 1024)
        return 0;
    int which = data[0] % 5;
    if (fuzz_write("in.csv", data + 1, size - 1) != 0)
        abort();
    char path[512], cpath[512];
    fuzz_path("in.csv", path, sizeof path);
    fuzz_path("countries.csv", cpath, sizeof cpath);
    errbuf e;
    err_init(&e);
    int rc;
    switch (which) {
    case 0: {
        data_countries c = {0};
        rc = data_load_countries(path, &c, &e);
        if (rc == SANC_OK && c.n < 1)
            abort();
        data_countries_free(&c);
        break;
    }
    case 1:
    case 2: {
        data_countries known = {0};
        if (which == 2 && data_load_countries(cpath, &known, &e) != SANC_OK)
            abort();
        data_trade t = {0};
        rc = data_load_trade(path, which == 2 ? &known : NULL, &t, &e);
        if (rc == SANC_OK)
            fuzz_check_trade(&t);
        data_trade_free(&t);
        data_countries_free(&known);
        break;
    }
    case 4: {
        const char *mn[] = {"exporter", "value"}, *mh[] = {"iso_o", "flow"};
        csvtable_value vals[2] = {{1, 2000.0, NULL}, {0, 0.0, "2000-01"}};
        csvtable_filter flt = {"year", 2, vals};
        csvtable_source src = {.path = path, .nmap = 2, .map_name = mn, .map_header = mh, .nfilters = 1,
                               .filters = &flt};
        data_trade t = {0};
        rc = data_load_trade_from(&src, NULL, &t, &e);
        if (rc == SANC_OK) {
            fuzz_check_trade(&t);
            data_shocks s = {0};
            err_init(&e);
            rc = data_load_shocks_from(&src, "eu_effect", t.nc, t.country, t.ns, t.sector, &s, &e);
            if (rc == SANC_OK)
                for (int r = 0; r < s.n; r++)
                    if (s.rows[r].i < 0 || s.rows[r].i >= t.nc || s.rows[r].j < 0 || s.rows[r].j >= t.nc ||
                        s.is_factor || !isfinite(s.rows[r].value))
                        abort();
            data_shocks_free(&s);
        }
        data_trade_free(&t);
        break;
    }
    default: {
        char *codes[] = {"AAA", "BBB", "CCC"};
        char *sectors[] = {"goods", "energy"};
        data_shocks s = {0};
        rc = data_load_shocks(path, 3, codes, 2, sectors, &s, &e);
        if (rc == SANC_OK)
            for (int r = 0; r < s.n; r++) {
                const data_shock_row *w = &s.rows[r];
                if (w->i < 0 || w->i >= 3 || w->j < 0 || w->j >= 3 || w->k < -1 || w->k >= 2 ||
                    !isfinite(w->value) || (s.is_factor && w->value < 0))
                    abort();
            }
        data_shocks_free(&s);
    }
    }
    if (rc != SANC_OK && e.msg[0] == '\0')
        abort();
    return 0;
}
