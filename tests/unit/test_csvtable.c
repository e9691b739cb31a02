/*
 * test_csvtable.c - unit tests of engine/io/csvtable.c: columns by name
 * (extra columns ignored, any order), RFC 4180 quoting (doubled quotes,
 * commas and line breaks inside quotes), CRLF, blank lines, a byte order
 * mark, column mappings and filters; and every class of bad input failing
 * with SANC_EDATA and "FILE:LINE: column: ..." (unknown or duplicated
 * column, short row, empty, non-numeric, non-finite or negative number,
 * empty or invalid-UTF-8 label, unterminated quote, no rows).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"
#include "csvtable.h"

#include "harness.h"

static const csvtable_col panel_cols[] = {
    { "exporter", NULL, CSVTABLE_LABEL, 0 },
    { "year", NULL, CSVTABLE_NUMBER, 0 },
    { "trade", NULL, CSVTABLE_NUMBER, CSVTABLE_NONNEG },
};

static void test_good(void **state)
{
    fixture *f = *state;
    const char *p = write_file(f, "p.csv",
                               "\xEF\xBB\xBF" "note,trade,exporter,year\r\n"
                               "\"a, \"\"quoted\"\"\nnote\",1.5,AUS,2000\r\n"
                               "\r\n"
                               "   \n"
                               " x , 2e3 , \"AUT\" ,2005\r\n"
                               "y,0,AUS,2010");
    csvtable t;
    errbuf e;
    err_init(&e);
    assert_int_equal(csvtable_read(&t, p, panel_cols, 3, NULL, 0, &e), SANC_OK);
    assert_int_equal(t.nrows, 3);
    assert_int_equal(t.ncols, 3);
    /* lines where the rows start: the quoted field spans lines 2-3 */
    assert_int_equal(t.line[0], 2);
    assert_int_equal(t.line[1], 6);
    assert_int_equal(t.line[2], 7);
    assert_int_equal(t.col[0].nlevels, 2);
    assert_string_equal(csvtable_label(&t, 0, 0), "AUS");
    assert_string_equal(csvtable_label(&t, 0, 1), "AUT");
    assert_int_equal(t.col[0].code[2], 0);
    assert_true(t.col[1].num[1] == 2005.0);
    assert_true(t.col[2].num[0] == 1.5);
    assert_true(t.col[2].num[1] == 2000.0);
    csvtable_free(&t);
    assert_int_equal(t.nrows, 0);
    csvtable_free(&t); /* twice is harmless */
}

static void test_mapping_and_filter(void **state)
{
    fixture *f = *state;
    const char *p = write_file(f, "m.csv",
                               "iso_o,iso_d,yr,v\n"
                               "A,B,2000,1\n"
                               "A,C,2001,2\n"
                               "B,A,2000.0,3\n"
                               "C,A,1999,4\n");
    csvtable_col cols[] = {
        { "exporter", "iso_o", CSVTABLE_LABEL, 0 },
        { "value", "v", CSVTABLE_NUMBER, 0 },
        { "year", "yr", CSVTABLE_LABEL, 0 }, /* the same column as a label ... */
        { "year", "yr", CSVTABLE_NUMBER, 0 }, /* ... and as a number */
    };
    csvtable_value years[] = { { 1, 2000.0, NULL }, { 1, 1999.0, NULL } };
    csvtable_value dest[] = { { 0, 0, "A" } };
    csvtable_filter filt[] = { { "yr", 2, years }, { "iso_d", 1, dest } };
    csvtable t;
    errbuf e;
    err_init(&e);
    assert_int_equal(csvtable_read(&t, p, cols, 4, filt, 2, &e), SANC_OK);
    assert_int_equal(t.nrows, 2); /* B,A,2000.0 and C,A,1999 */
    assert_string_equal(csvtable_label(&t, 0, 0), "B");
    assert_string_equal(csvtable_label(&t, 0, 1), "C");
    assert_true(t.col[1].num[0] == 3.0 && t.col[1].num[1] == 4.0);
    assert_string_equal(csvtable_label(&t, 2, 0), "2000.0");
    assert_true(t.col[3].num[0] == 2000.0);
    assert_int_equal(t.line[0], 4);
    csvtable_free(&t);

    /* a filter that keeps nothing */
    csvtable_value none[] = { { 0, 0, "Z" } };
    csvtable_filter fz[] = { { "iso_d", 1, none } };
    assert_int_equal(csvtable_read(&t, p, cols, 2, fz, 1, &e), SANC_EDATA);
    assert_contains(e.msg, "no data rows (after the filter)");
    /* a numeric filter on a text column */
    err_init(&e);
    csvtable_value num[] = { { 1, 1.0, NULL } };
    csvtable_filter fn[] = { { "iso_o", 1, num } };
    assert_int_equal(csvtable_read(&t, p, cols, 2, fn, 1, &e), SANC_EDATA);
    assert_contains(e.msg, ":2: iso_o: not a number 'A'");
}

/* Read `text` with panel_cols and expect SANC_EDATA with PATH + where_msg. */
static void expect_error(fixture *f, const char *text, const char *where_msg)
{
    const char *p = write_file(f, "bad.csv", text);
    csvtable t;
    errbuf e;
    err_init(&e);
    int rc = csvtable_read(&t, p, panel_cols, 3, NULL, 0, &e);
    if (rc != SANC_EDATA)
        fail_msg("expected SANC_EDATA, got %d (%s) for:\n%s", rc, e.msg, text);
    char want[1024];
    snprintf(want, sizeof want, "%s%s", p, where_msg);
    assert_contains(e.msg, want);
    assert_int_equal(t.nrows, 0);
    csvtable_free(&t);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    expect_error(f, "", ":1: empty file");
    expect_error(f, "\n\n", ":1: empty file");
    expect_error(f, "exporter,year\nA,1\n", ":1: trade: column 'trade' not in the header (exporter,year)");
    expect_error(f, "exporter,year,trade,year\nA,1,2,3\n", ":1: year: header 'year' appears more than once");
    expect_error(f, "exporter,year,trade\n", ":2: no data rows");
    expect_error(f, "exporter,year,trade\nA,2000,1\nB,2000\n", ":3: expected 3 fields (as in the header), got 2");
    expect_error(f, "exporter,year,trade\nA,2000,1,\n", ":2: expected 3 fields");
    expect_error(f, "exporter,year,trade\nA,2000,abc\n", ":2: trade: not a number 'abc'");
    expect_error(f, "exporter,year,trade\nA,2000,\n", ":2: trade: empty value");
    expect_error(f, "exporter,year,trade\nA,2000,1e400\n", ":2: trade: not finite '1e400'");
    expect_error(f, "exporter,year,trade\nA,2000,nan\n", ":2: trade: not finite 'nan'");
    expect_error(f, "exporter,year,trade\n\nA,2000,-1\n", ":3: trade: negative value -1 (must be >= 0)");
    expect_error(f, "exporter,year,trade\n,2000,1\n", ":2: exporter: empty value");
    expect_error(f, "exporter,year,trade\n\xC3\x28,2000,1\n", ":2: exporter: not valid UTF-8");
    expect_error(f, "exporter,year,trade\n\"A,2000,1\n", ":2: field 1: unterminated quoted field");
    expect_error(f, "exporter,year,trade\n\"A\"x,2000,1\n", ":2: field 1: unexpected text after a closing quote");
    expect_error(f, "exporter,year,trade\nA\"B,2000,1\n", ":2: field 1: a quote inside an unquoted field");
    expect_error(f, "exporter,year,trade\n\"multi\nline\",2000,x\n", ":2: trade: not a number 'x'");
    {
        /* a NUL byte */
        const char *p = write_file(f, "nul.csv", "exporter,year,trade\nA,2000,1\n");
        FILE *fp = fopen(p, "ab");
        assert_non_null(fp);
        fwrite("B\0,1,2\n", 1, 7, fp);
        fclose(fp);
        csvtable t;
        errbuf e;
        err_init(&e);
        assert_int_equal(csvtable_read(&t, p, panel_cols, 3, NULL, 0, &e), SANC_EDATA);
        assert_contains(e.msg, ":3: contains a NUL byte");
    }
    {
        csvtable t;
        errbuf e;
        err_init(&e);
        assert_int_equal(csvtable_read(&t, f->dir, panel_cols, 3, NULL, 0, &e), SANC_EDATA);
        assert_contains(e.msg, "not a regular file");
        err_init(&e);
        assert_int_equal(csvtable_read(&t, "/nonexistent/x.csv", panel_cols, 3, NULL, 0, &e), SANC_EDATA);
        assert_contains(e.msg, "/nonexistent/x.csv: cannot open");
    }
    {
        /* a mapped column names both the canonical name and the header */
        const char *p = write_file(f, "m.csv", "a,b\n1,2\n");
        csvtable_col c[] = { { "exporter", "iso_o", CSVTABLE_LABEL, 0 } };
        csvtable t;
        errbuf e;
        err_init(&e);
        assert_int_equal(csvtable_read(&t, p, c, 1, NULL, 0, &e), SANC_EDATA);
        assert_contains(e.msg, ":1: exporter (header 'iso_o'): column 'iso_o' not in the header (a,b)");
    }
}

static void test_source(void **state)
{
    fixture *f = *state;
    write_file(f, "sub/panel.csv", "iso_o,year,trade\nA,2000,1\nB,2001,2\nC,2000,3\n");
    const char *text = "estimate = {\n"
                       "  data = { file = \"sub/panel.csv\";\n"
                       "           columns = { exporter = \"iso_o\"; };\n"
                       "           filter = { year = [2000]; exporter = [\"A\", \"C\"]; }; };\n"
                       "  plain = \"sub/panel.csv\";\n"
                       "  bad1 = { file = \"x.csv\"; colums = {}; };\n"
                       "  bad2 = { file = \"x.csv\"; columns = { exporter = 3; }; };\n"
                       "  bad3 = 5;\n"
                       "};\n";
    cfg c;
    errbuf e;
    err_init(&e);
    assert_int_equal(cfg_load_string(&c, text, "spec.cfg", f->dir, &e), SANC_OK);
    const config_setting_t *g = config_lookup(&c.lc, "estimate");
    assert_non_null(g);
    csvtable_source src;
    assert_int_equal(csvtable_source_parse(g, "data", f->dir, &src, &e), SANC_OK);
    assert_string_equal(csvtable_source_header(&src, "exporter"), "iso_o");
    assert_string_equal(csvtable_source_header(&src, "year"), "year");
    const char *used[] = { "exporter", "trade" };
    assert_int_equal(csvtable_source_check_names(&src, used, 2, &e), SANC_OK);
    csvtable_col cols[] = { { "exporter", NULL, CSVTABLE_LABEL, 0 }, { "trade", NULL, CSVTABLE_NUMBER, 0 } };
    csvtable t;
    assert_int_equal(csvtable_source_read(&src, &t, cols, 2, &e), SANC_OK);
    assert_int_equal(t.nrows, 2);
    /* sha256sum of the file as written above */
    assert_string_equal(t.sha256, "e5e68607b99e53bf7baea141579615eb51e51a69295dfebd95af8b53fd94a8a5");
    assert_string_equal(csvtable_label(&t, 0, 1), "C");
    assert_true(t.col[1].num[1] == 3.0);
    csvtable_free(&t);
    const char *other[] = { "trade" };
    assert_int_equal(csvtable_source_check_names(&src, other, 1, &e), SANC_ECONFIG);
    assert_contains(e.msg, "spec.cfg:3: estimate.data.columns.exporter: not a column this block uses (it uses: trade)");
    csvtable_source_free(&src);

    err_init(&e);
    assert_int_equal(csvtable_source_parse(g, "plain", f->dir, &src, &e), SANC_OK);
    assert_int_equal(src.nmap, 0);
    assert_int_equal(src.nfilters, 0);
    csvtable_source_free(&src);
    assert_int_equal(csvtable_source_parse(g, "bad1", f->dir, &src, &e), SANC_ECONFIG);
    assert_contains(e.msg, "spec.cfg:6: estimate.bad1.colums: unknown setting");
    err_init(&e);
    assert_int_equal(csvtable_source_parse(g, "bad2", f->dir, &src, &e), SANC_ECONFIG);
    assert_contains(e.msg, "spec.cfg:7: estimate.bad2.columns.exporter: expected the header");
    err_init(&e);
    assert_int_equal(csvtable_source_parse(g, "bad3", f->dir, &src, &e), SANC_ECONFIG);
    assert_contains(e.msg, "spec.cfg:8: estimate.bad3: expected a file name or a group");
    err_init(&e);
    assert_int_equal(csvtable_source_parse(g, "nothere", f->dir, &src, &e), SANC_ECONFIG);
    assert_contains(e.msg, "estimate.nothere: missing required setting");
    cfg_destroy(&c);
}

/* 200,000 rows with extra columns in well under a second. */
static void test_large(void **state)
{
    fixture *f = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/big.csv", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "exporter,importer,year,trade,extra\n");
    for (int i = 0; i < 200000; i++)
        fprintf(fp, "C%03d,D%03d,%d,%d.25,\"x,y\"\n", i % 500, (i / 500) % 400, 2000 + i % 7, i);
    fclose(fp);
    csvtable t;
    errbuf e;
    err_init(&e);
    assert_int_equal(csvtable_read(&t, path, panel_cols, 3, NULL, 0, &e), SANC_OK);
    assert_int_equal(t.nrows, 200000);
    assert_int_equal(t.col[0].nlevels, 500);
    assert_int_equal(strlen(t.sha256), 64);
    assert_true(t.col[2].num[199999] == 199999.25);
    assert_string_equal(csvtable_label(&t, 0, 199999), "C499");
    csvtable_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapping_and_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
