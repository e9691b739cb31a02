/*
 * test_ge_io_data.c - the production-network data loader (engine/io/iodata.c,
 * DESIGN sections 2b and 10): canonical and mapped columns, filters, extra
 * columns, and every strict error with its FILE:LINE.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "hash.h"
#include "iodata.h"
#include "harness.h"

/* A two-country, two-sector world in canonical columns. */
static const char *TRADE =
    "exporter,importer,sector,value,tariff\n"
    "A,A,x,10,0\n"
    "A,B,x,2,0.1\n"
    "B,A,x,3,0.05\n"
    "B,B,x,12,0\n"
    "A,A,y,5,0\n"
    "B,B,y,6,0\n"
    "A,B,y,1,0.2\n";
static const char *INPUTS =
    "country,input,sector,value\n"
    "A,x,x,4\n"
    "A,y,x,1\n"
    "A,x,y,2\n"
    "B,x,x,5\n"
    "B,y,y,1\n";
static const char *FINAL = "country,sector,value\nA,x,9\nA,y,4\nB,x,8\nB,y,5\n";
static const char *VA = "country,sector,value\nA,x,7\nA,y,4\nB,x,10\nB,y,5\n";

typedef struct paths {
    char trade[600], inputs[600], final[600], va[600], def[600], theta[600];
} paths;

static void write_world(fixture *f, paths *p, const char *trade, const char *inputs,
                        const char *final, const char *va)
{
    snprintf(p->trade, sizeof p->trade, "%s", write_file(f, "trade.csv", trade));
    snprintf(p->inputs, sizeof p->inputs, "%s", write_file(f, "inputs.csv", inputs));
    snprintf(p->final, sizeof p->final, "%s", write_file(f, "final.csv", final));
    snprintf(p->va, sizeof p->va, "%s", write_file(f, "va.csv", va));
}

static iodata_spec spec_of(const paths *p)
{
    iodata_spec s;
    memset(&s, 0, sizeof s);
    s.trade.path = p->trade;
    s.inputs.path = p->inputs;
    s.final.path = p->final;
    s.value_added.path = p->va;
    return s;
}

static void test_canonical(void **state)
{
    fixture *f = *state;
    paths p;
    write_world(f, &p, TRADE, INPUTS, FINAL, VA);
    snprintf(p.theta, sizeof p.theta, "%s", write_file(f, "theta.csv", "sector,value\ny,5\nx,4\n"));
    iodata_spec s = spec_of(&p);
    s.theta.path = p.theta;
    iodata d;
    errbuf e;
    err_init(&e);
    int rc = iodata_load(&s, &d, &e);
    if (rc != SANC_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(d.N, 2);
    assert_int_equal(d.K, 2);
    assert_string_equal(d.country[0], "A");
    assert_string_equal(d.country[1], "B");
    assert_string_equal(d.sector[0], "x");
    assert_string_equal(d.sector[1], "y");
    /* (i*N + n)*K + k */
    assert_true(d.M[(0 * 2 + 1) * 2 + 0] == 2);
    assert_true(d.M[(1 * 2 + 0) * 2 + 0] == 3);
    assert_true(d.M[(0 * 2 + 1) * 2 + 1] == 1);
    assert_true(d.M[(1 * 2 + 0) * 2 + 1] == 0); /* absent row */
    assert_true(d.tariff[(0 * 2 + 1) * 2 + 1] == 0.2);
    /* input x bought by sector y in A: (n*K + s)*K + k */
    assert_true(d.IC[(0 * 2 + 0) * 2 + 1] == 2);
    assert_true(d.IC[(0 * 2 + 1) * 2 + 0] == 1);
    assert_true(d.FC[1 * 2 + 1] == 5);
    assert_true(d.VA[1 * 2 + 0] == 10);
    assert_null(d.D);
    assert_true(d.theta[0] == 4 && d.theta[1] == 5);
    assert_int_equal(d.negative_inputs, 0);
    iodata_free(&d);
}

/* A trade file far larger than the reader's 64 KiB window, with lines
 * longer than it, quoted labels and numbers written every way: every value
 * has strtod's bits, every label lands in its cell across the window's
 * moves, and the SHA-256 taken on the way is that of the file's bytes. */
static void test_window_and_numbers(void **state)
{
    fixture *f = *state;
    enum { NC = 30, NS = 4 };
    size_t cap = 8u << 20, len = 0;
    char *t = malloc(cap), *note = malloc(200001);
    double *want = calloc((size_t)NC * NC * NS, sizeof *want);
    assert_non_null(t);
    assert_non_null(note);
    assert_non_null(want);
    memset(note, 'z', 200000);
    note[200000] = '\0';
    len += (size_t)snprintf(t, cap, "\xEF\xBB\xBFnote,exporter,importer,sector,value\r\n");
    uint64_t r = 12345;
    for (int i = 0; i < NC; i++)
        for (int n = 0; n < NC; n++)
            for (int k = 0; k < NS; k++) {
                r = r * 6364136223846793005ULL + 1442695040888963407ULL;
                double x = (double)(r >> 11) * 0x1p-53 * pow(10.0, (double)((r >> 3) % 40) - 20);
                char num[64];
                switch ((r >> 7) % 6) {
                case 0: snprintf(num, sizeof num, "%.17g", x); break;
                case 1: snprintf(num, sizeof num, "%.15g", x); break;
                case 2: snprintf(num, sizeof num, "%.6E", x); break;
                case 3: snprintf(num, sizeof num, "%.0f", x * 1e6); break;
                case 4: snprintf(num, sizeof num, "+%.9f", x); break;
                default: snprintf(num, sizeof num, "%.3e", x * 1e280); break;
                }
                want[((size_t)i * NC + n) * NS + k] = strtod(num, NULL);
                int long_note = (i * NC + n) % 97 == 5 && k == 0;
                len += (size_t)snprintf(t + len, cap - len,
                                        "\"%s\",\"country \"\"%d\"\"\",\"country \"\"%d\"\"\",s%d,%s\r\n",
                                        long_note ? note : "-", i, n, k, num);
                assert_true(len + 1000 < cap);
            }
    char va[8192] = "country,sector,value\n";
    for (int i = 0; i < NC; i++)
        for (int k = 0; k < NS; k++)
            snprintf(va + strlen(va), sizeof va - strlen(va), "\"country \"\"%d\"\"\",s%d,1\n", i, k);
    paths p;
    write_world(f, &p, t, "country,input,sector,value\n\"country \"\"0\"\"\",s0,s1,1\n",
                "country,sector,value\n\"country \"\"1\"\"\",s2,1\n", va);
    iodata_spec s = spec_of(&p);
    iodata d;
    errbuf e;
    err_init(&e);
    int rc = iodata_load(&s, &d, &e);
    if (rc != SANC_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(d.N, NC);
    assert_int_equal(d.K, NS);
    char lab[32];
    for (int i = 0; i < NC; i++) {
        snprintf(lab, sizeof lab, "country \"%d\"", i);
        assert_string_equal(d.country[i], lab);
    }
    for (size_t c = 0; c < (size_t)NC * NC * NS; c++)
        if (memcmp(&d.M[c], &want[c], sizeof want[c]) != 0)
            fail_msg("cell %zu: %.17g, strtod %.17g", c, d.M[c], want[c]);
    char hex[65];
    hash_sha256 h;
    hash_sha256_init(&h);
    h.shani = 0; /* the portable rounds, checked against FIPS 180-4 in test_safety */
    hash_sha256_update(&h, t, len);
    hash_sha256_final_hex(&h, hex);
    assert_string_equal(d.sha256[0], hex);
    assert_string_equal(d.sha256[4], "");
    /* the same file as a cell table, through the same window */
    double *got = malloc((size_t)NC * NC * NS * sizeof *got);
    assert_non_null(got);
    iodata_file cf = { p.trade, NULL, 0, NULL, 0 };
    err_init(&e);
    if (iodata_load_cells(&cf, &d, -1.0, got, &e) != SANC_OK)
        fail_msg("%s", e.msg);
    assert_memory_equal(got, want, (size_t)NC * NC * NS * sizeof *got);
    free(got);
    iodata_free(&d);
    free(want);
    free(note);
    free(t);
}

/* CP's layout: other names, other order, extra columns, a filter. */
static void test_mapping_and_filter(void **state)
{
    fixture *f = *state;
    paths p;
    write_world(f, &p,
                "\"sector\",\"importer\",\"exporter\",\"trade\",\"tariff_bln\",\"tariff_cfl\",\"year\"\n"
                "x,A,A,10,0,0,1993\nx,B,A,2,0.1,0.0,1993\nx,A,B,3,0.05,0,1993\nx,B,B,12,0,0,1993\n"
                "y,A,A,5,0,0,1993\ny,B,B,6,0,0,1993\ny,B,A,1,0.2,0.1,1993\n"
                "y,B,A,99,0.2,0.1,2005\n",
                "input,sector,region,value\nx,x,A,4\ny,x,A,1\nx,y,A,2\nx,x,B,5\ny,y,B,-0.5\n"
                "x,y,B,1.5\n",
                "sector,region,value\nx,A,9\ny,A,4\nx,B,8\ny,B,5\n",
                "region,sector,va\nA,x,7\nA,y,4\nB,x,10\nB,y,5\n");
    snprintf(p.def, sizeof p.def, "%s", write_file(f, "deficit.csv", "region,D\nA,1.5\nB,-1.5\n"));
    static const iodata_column trade_map[] = { { "value", "trade" }, { "tariff", "tariff_bln" } };
    static const iodata_filter year[] = { { "year", "1993.0" } };
    static const iodata_column region[] = { { "country", "region" } };
    static const iodata_column va_map[] = { { "country", "region" }, { "value", "va" } };
    static const iodata_column def_map[] = { { "country", "region" }, { "value", "D" } };
    iodata_spec s = spec_of(&p);
    s.trade = (iodata_file){ p.trade, trade_map, 2, year, 1 };
    s.inputs = (iodata_file){ p.inputs, region, 1, NULL, 0 };
    s.final = (iodata_file){ p.final, region, 1, NULL, 0 };
    s.value_added = (iodata_file){ p.va, va_map, 2, NULL, 0 };
    s.deficits = (iodata_file){ p.def, def_map, 2, NULL, 0 };
    iodata d;
    errbuf e;
    err_init(&e);
    int rc = iodata_load(&s, &d, &e);
    if (rc != SANC_OK)
        fail_msg("%s", e.msg);
    assert_true(d.M[(0 * 2 + 1) * 2 + 1] == 1); /* the 2005 row was filtered out */
    assert_true(d.tariff[(0 * 2 + 1) * 2 + 0] == 0.1);
    assert_int_equal(d.negative_inputs, 1);
    assert_true(d.IC[(1 * 2 + 1) * 2 + 1] == -0.5);
    assert_true(d.D[0] == 1.5 && d.D[1] == -1.5);
    /* a second column of the same file as a cell table */
    static const iodata_column cfl[] = { { "value", "tariff_cfl" } };
    iodata_file cf = { p.trade, cfl, 1, year, 1 };
    double t1[8];
    err_init(&e);
    rc = iodata_load_cells(&cf, &d, -1, t1, &e);
    if (rc != SANC_OK)
        fail_msg("%s", e.msg);
    assert_true(t1[(0 * 2 + 1) * 2 + 1] == 0.1);
    assert_true(t1[(0 * 2 + 1) * 2 + 0] == 0);
    iodata_free(&d);
}

/* Load with one file replaced and check the error and its location. */
static void expect_error(fixture *f, const char *trade, const char *inputs, const char *final,
                         const char *va, int code, const char *where, const char *what)
{
    paths p;
    write_world(f, &p, trade ? trade : TRADE, inputs ? inputs : INPUTS, final ? final : FINAL,
                va ? va : VA);
    iodata_spec s = spec_of(&p);
    iodata d;
    errbuf e;
    err_init(&e);
    int rc = iodata_load(&s, &d, &e);
    if (rc != code)
        fail_msg("expected %s, got %s: %s", err_name(code), err_name(rc), e.msg);
    assert_contains(e.msg, where);
    assert_contains(e.msg, what);
    assert_null(d.M);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    /* value added < 0 */
    expect_error(f, NULL, NULL, NULL, "country,sector,value\nA,x,7\nA,y,-4\n", SANC_EDATA,
                 "va.csv:3:", "negative value added");
    /* gross output <= 0 with positive sales (inputs net out negative) */
    expect_error(f, NULL,
                 "country,input,sector,value\nA,x,x,4\nA,y,x,1\nA,x,y,-6\nB,x,x,5\nB,y,y,1\n",
                 NULL, VA, SANC_EDATA, "va.csv:3:", "gross output of y in A");
    /* a selling sector with neither inputs nor value added: the trade line */
    expect_error(f, NULL, "country,input,sector,value\nA,x,x,4\nA,y,x,1\nB,x,x,5\nB,y,y,1\n",
                 NULL, "country,sector,value\nA,x,7\nB,x,10\nB,y,5\n", SANC_EDATA,
                 "trade.csv:6:", "neither inputs nor value added");
    /* unknown country in a secondary file */
    expect_error(f, NULL, NULL, "country,sector,value\nA,x,9\nC,y,4\n", NULL, SANC_EDATA,
                 "final.csv:3:", "unknown country 'C'");
    /* unknown sector */
    expect_error(f, NULL, "country,input,sector,value\nA,z,x,4\n", NULL, NULL, SANC_EDATA,
                 "inputs.csv:2:", "unknown sector 'z'");
    /* duplicate rows */
    expect_error(f, "exporter,importer,sector,value\nA,A,x,1\nB,B,x,1\nA,A,x,2\n", NULL, NULL,
                 NULL, SANC_EDATA, "trade.csv:4:", "duplicate row A,A,x (first at line 2)");
    expect_error(f, NULL, NULL, "country,sector,value\nA,x,9\nA,x,4\n", NULL, SANC_EDATA,
                 "final.csv:3:", "duplicate");
    /* negative trade, tariffs <= -1 and on domestic sales */
    expect_error(f, "exporter,importer,sector,value\nA,A,x,1\nA,B,x,-2\n", NULL, NULL, NULL,
                 SANC_EDATA, "trade.csv:3:", "negative trade flow");
    expect_error(f, "exporter,importer,sector,value,tariff\nA,A,x,1,0\nA,B,x,2,-1\n", NULL, NULL,
                 NULL, SANC_EDATA, "trade.csv:3:", "tariff: must be > -1");
    expect_error(f, "exporter,importer,sector,value,tariff\nA,A,x,1,0.1\n", NULL, NULL, NULL,
                 SANC_EDATA, "trade.csv:2:", "domestic sales");
    /* missing and short */
    expect_error(f, "exporter,importer,value\nA,A,1\n", NULL, NULL, NULL, SANC_EDATA,
                 "trade.csv:1:", "missing column 'sector'");
    expect_error(f, "exporter,importer,sector,value\nA,A,x\n", NULL, NULL, NULL, SANC_EDATA,
                 "trade.csv:2:", "expected 4 fields, got 3");
    expect_error(f, "exporter,importer,sector,value\nA,A,x,abc\n", NULL, NULL, NULL, SANC_EDATA,
                 "trade.csv:2:", "not a number 'abc'");
    expect_error(f, "exporter,importer,sector,value\n", NULL, NULL, NULL, SANC_EDATA,
                 "trade.csv:2:", "no data rows");
    /* labels must be UTF-8 */
    expect_error(f, "exporter,importer,sector,value\nA,A,x,1\nA,\xff\xfe,x,1\n", NULL, NULL,
                 NULL, SANC_EDATA, "trade.csv:3:", "not valid UTF-8");
    /* final demand < 0 */
    expect_error(f, NULL, NULL, "country,sector,value\nA,x,-9\n", NULL, SANC_EDATA,
                 "final.csv:2:", "negative final demand");
}

static void test_optional_file_errors(void **state)
{
    fixture *f = *state;
    paths p;
    write_world(f, &p, TRADE, INPUTS, FINAL, VA);
    iodata_spec s = spec_of(&p);
    iodata d;
    errbuf e;
    /* theta must cover every sector and be > 0 */
    snprintf(p.theta, sizeof p.theta, "%s", write_file(f, "theta.csv", "sector,value\nx,4\n"));
    s.theta.path = p.theta;
    err_init(&e);
    assert_int_equal(iodata_load(&s, &d, &e), SANC_EDATA);
    assert_contains(e.msg, "no row for sector 'y'");
    write_file(f, "theta.csv", "sector,value\nx,4\ny,0\n");
    err_init(&e);
    assert_int_equal(iodata_load(&s, &d, &e), SANC_EDATA);
    assert_contains(e.msg, "theta.csv:3:");
    s.theta.path = NULL;
    /* a mapping naming an unknown canonical column */
    static const iodata_column bad[] = { { "nation", "region" } };
    s.final = (iodata_file){ p.final, bad, 1, NULL, 0 };
    err_init(&e);
    assert_int_equal(iodata_load(&s, &d, &e), SANC_ECONFIG);
    assert_contains(e.msg, "unknown column 'nation'");
    /* a mapped column that is not in the header */
    static const iodata_column reg[] = { { "country", "region" } };
    s.final = (iodata_file){ p.final, reg, 1, NULL, 0 };
    err_init(&e);
    assert_int_equal(iodata_load(&s, &d, &e), SANC_EDATA);
    assert_contains(e.msg, "final.csv:1: missing column 'region' (country of final demand)");
    /* a filter column that is not in the header */
    static const iodata_filter yr[] = { { "year", "2000" } };
    s.final = (iodata_file){ p.final, NULL, 0, yr, 1 };
    err_init(&e);
    assert_int_equal(iodata_load(&s, &d, &e), SANC_EDATA);
    assert_contains(e.msg, "filter column 'year'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_and_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_and_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_optional_file_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
