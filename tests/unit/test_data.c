/*
 * test_data.c - unit tests of engine/data.c: every class of bad CSV input
 * (header, field count, numbers, duplicates, unknown codes, missing domestic
 * rows, empty tables) must fail with SANC_EDATA and a "FILE:LINE: field:"
 * message; good tables must land at the documented index
 * (i*nc + j)*ns + k in the documented country and sector order; a large
 * table must load quickly.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "data.h"
#include "utf8.h"

#include "harness.h"

/* Load `text` as a trade table and expect an error "PATH:<where>" + msg. */
static void expect_trade_error(fixture *f, const char *text, const data_countries *known,
                               int code, const char *where_msg)
{
    const char *p = write_file(f, "t.csv", text);
    data_trade t;
    errbuf e;
    err_init(&e);
    int rc = data_load_trade(p, known, &t, &e);
    if (rc != code)
        fail_msg("expected %d, got %d (%s) for:\n%s", code, rc, e.msg, text);
    char want[1024];
    snprintf(want, sizeof want, "%s%s", p, where_msg);
    assert_contains(e.msg, want);
    /* Left in a state that may be freed again. */
    data_trade_free(&t);
}

static int idx(const data_trade *t, int i, int j, int k)
{
    return (i * t->nc + j) * t->ns + k;
}

/* ------------------------------------------------------------------ */

static void test_countries_good(void **state)
{
    fixture *f = *state;
    /* BOM, CRLF, quoted field with a comma and a doubled quote, blank line. */
    const char *p = write_file(f, "c.csv",
                               "\xEF\xBB\xBF" "code,name,groups\r\n"
                               "USA,United States,WEST;G7\r\n"
                               "\r\n"
                               " KOR , \"Korea, Republic of \"\"South\"\"\" ,\r\n"
                               "RUS,Russia,\"BRICS\"\r\n");
    data_countries c;
    errbuf e;
    err_init(&e);
    assert_int_equal(data_load_countries(p, &c, &e), SANC_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.code[0], "USA");
    assert_string_equal(c.code[1], "KOR");
    assert_string_equal(c.code[2], "RUS");
    assert_string_equal(c.name[1], "Korea, Republic of \"South\"");
    assert_string_equal(c.groups[0], "WEST;G7");
    assert_null(c.groups[1]);
    assert_string_equal(c.groups[2], "BRICS");
    data_countries_free(&c);
    assert_int_equal(c.n, 0);

    p = write_file(f, "c2.csv", "code,name\nA,Alpha\nB,Beta");
    assert_int_equal(data_load_countries(p, &c, &e), SANC_OK);
    assert_int_equal(c.n, 2);
    assert_null(c.groups[0]);
    assert_string_equal(c.name[1], "Beta");
    data_countries_free(&c);
}

static void test_countries_bad(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *text;
        const char *msg; /* after the path */
    } cases[] = {
        { "Code,name\nA,a\n", ":1: missing column 'code' in header 'Code,name' (expected code,name[,groups])" },
        { "code,name,code\nA,a,B\n", ":1: column 'code' appears twice" },
        { "code,name\nA,a\nB,b\nA,c\n", ":4: code: duplicate country code 'A' (first at line 2)" },
        { "code,name\n,a\n", ":2: code: empty country code" },
        { "code,name\nA B,a\n", ":2: code: country code 'A B' contains a space" },
        { "code,name\nA,a,x\n", ":2: expected 2 fields, got 3" },
        { "code,name,groups\nA,a\n", ":2: expected 3 fields, got 2" },
        { "code,name\n\n", ":3: no data rows" },
        { "", ":1: empty file" },
        { "code,name\n\"A,a\n", ":2: field 1: unterminated quoted field" },
        { "code,name\n\"A\"x,a\n", ":2: field 1: unexpected text after a closing quote" },
        /* labels must be UTF-8 (Latin-1 exports are the usual culprit) */
        { "code,name\nA,a\nCIV,C\xf4te d'Ivoire\n", ":3: name: not valid UTF-8 (byte 0xF4 at character 2)" },
        { "code,name\n\xc9X,a\n", ":2: code: not valid UTF-8 (byte 0xC9 at character 1)" },
        { "code,name,groups\nA,a,W\xc9ST\n", ":2: groups: not valid UTF-8" },
        { "code,name\nA,\xc0\xaf\n", ":2: name: not valid UTF-8" },        /* overlong '/' */
        { "code,name\nA,\xed\xa0\x80\n", ":2: name: not valid UTF-8" },  /* surrogate */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = write_file(f, "c.csv", cases[i].text);
        data_countries c;
        errbuf e;
        err_init(&e);
        int rc = data_load_countries(p, &c, &e);
        if (rc != SANC_EDATA)
            fail_msg("case %zu: expected SANC_EDATA, got %d (%s)", i, rc, e.msg);
        char want[1024];
        snprintf(want, sizeof want, "%s%s", p, cases[i].msg);
        assert_contains(e.msg, want);
        data_countries_free(&c);
    }
    data_countries c;
    errbuf e;
    err_init(&e);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none.csv", f->dir);
    assert_int_equal(data_load_countries(missing, &c, &e), SANC_EDATA);
    assert_contains(e.msg, "none.csv: cannot open: No such file");
}

/* UTF-8 labels load as they are; the checker's edge cases. */
static void test_utf8(void **state)
{
    fixture *f = *state;
    const char *p = write_file(f, "c.csv", "code,name\nCIV,C\xc3\xb4te d'Ivoire\nX,\xf0\x9f\x8c\x8d\n");
    data_countries c;
    errbuf e;
    err_init(&e);
    assert_int_equal(data_load_countries(p, &c, &e), SANC_OK);
    assert_string_equal(c.name[0], "C\xc3\xb4te d'Ivoire");
    data_countries_free(&c);

    assert_int_equal(utf8_check_str("plain ASCII"), -1);
    assert_int_equal(utf8_check_str("\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf"), -1); /* U+E9, U+20AC, U+10FFFF */
    assert_int_equal(utf8_check_str("ab\xe9"), 2);          /* Latin-1 */
    assert_int_equal(utf8_check_str("\xc3"), 0);            /* truncated */
    assert_int_equal(utf8_check_str("\xe0\x80\x80"), 0);    /* overlong */
    assert_int_equal(utf8_check_str("\xf4\x90\x80\x80"), 0); /* beyond U+10FFFF */
    assert_int_equal(utf8_check_str("x\xed\xb0\x80"), 1);   /* surrogate */
    char *s = utf8_sanitize("a\xe9" "b\xc3\xa9");
    assert_string_equal(s, "a?" "b\xc3\xa9");
    free(s);
}

static void test_trade_no_sector(void **state)
{
    fixture *f = *state;
    /* First appearance, exporter then importer, row by row: B, A, C. */
    const char *p = write_file(f, "t.csv",
                               "exporter,importer,value\n"
                               "B,A,1.5\n"
                               "A,A, 2 \n"
                               "B,B,3e2\n"
                               "C,C,\"0\"\n"
                               "A,C,-0\n");
    data_trade t;
    errbuf e;
    err_init(&e);
    assert_int_equal(data_load_trade(p, NULL, &t, &e), SANC_OK);
    assert_int_equal(t.nc, 3);
    assert_int_equal(t.ns, 1);
    assert_string_equal(t.country[0], "B");
    assert_string_equal(t.country[1], "A");
    assert_string_equal(t.country[2], "C");
    assert_string_equal(t.sector[0], "all");
    assert_true(t.X[idx(&t, 0, 1, 0)] == 1.5); /* B -> A */
    assert_true(t.X[idx(&t, 1, 1, 0)] == 2.0);
    assert_true(t.X[idx(&t, 0, 0, 0)] == 300.0);
    assert_true(t.X[idx(&t, 1, 0, 0)] == 0.0); /* absent row */
    double sum = 0;
    for (int m = 0; m < t.nc * t.nc * t.ns; m++)
        sum += t.X[m];
    assert_true(sum == 303.5);
    data_trade_free(&t);
}

static void test_trade_sectors_and_known(void **state)
{
    fixture *f = *state;
    const char *cp = write_file(f, "c.csv", "code,name\nZ,Zed\nY,Why\n");
    data_countries c;
    errbuf e;
    err_init(&e);
    assert_int_equal(data_load_countries(cp, &c, &e), SANC_OK);
    const char *p = write_file(f, "t.csv",
                               "exporter,importer,sector,value\n"
                               "Y,Z,energy,4\n"
                               "Z,Z,food,1\n"
                               "Y,Y,energy,2\n"
                               "Z,Y,food,8.25\n");
    data_trade t;
    assert_int_equal(data_load_trade(p, &c, &t, &e), SANC_OK);
    assert_int_equal(t.nc, 2);
    assert_int_equal(t.ns, 2);
    assert_string_equal(t.country[0], "Z"); /* the list's order, not the file's */
    assert_string_equal(t.country[1], "Y");
    assert_string_equal(t.sector[0], "energy");
    assert_string_equal(t.sector[1], "food");
    assert_true(t.X[idx(&t, 1, 0, 0)] == 4.0);
    assert_true(t.X[idx(&t, 0, 0, 1)] == 1.0);
    assert_true(t.X[idx(&t, 1, 1, 0)] == 2.0);
    assert_true(t.X[idx(&t, 0, 1, 1)] == 8.25);
    assert_true(t.X[idx(&t, 0, 1, 0)] == 0.0);
    data_trade_free(&t);

    /* Unknown code against the list, and a listed country with no rows. */
    expect_trade_error(f, "exporter,importer,value\nZ,Z,1\nY,Y,1\nZ,XXX,1\n", &c, SANC_EDATA,
                       ":4: importer: unknown country code 'XXX'");
    const char *cp3 = write_file(f, "c3.csv", "code,name\nZ,Zed\nY,Why\nW,Dub\n");
    data_countries c3;
    assert_int_equal(data_load_countries(cp3, &c3, &e), SANC_OK);
    expect_trade_error(f, "exporter,importer,value\nZ,Z,1\nY,Y,1\n", &c3, SANC_EDATA,
                       ": country 'W' has no domestic sales row (exporter == importer)");
    data_countries_free(&c3);
    data_countries_free(&c);
}

static void test_trade_bad(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        { "a,b\nA,A,1\n", ":1: missing column 'exporter' in header 'a,b' (expected exporter,importer[,sector],value)" },
        { "Exporter,importer,value\nA,A,1\n", ":1: missing column 'exporter'" },
        { "exporter,importer,flow\nA,A,1\n", ":1: missing column 'value'" },
        { "exporter,importer,sector,value\nRUS,RUS,energy,1\nRUS,IRN,energy,-3\n",
          ":3: value: negative value -3 (must be >= 0)" },
        { "exporter,importer,sector,value\nRUS,RUS,energy,1\nIRN,IRN,energy,1\n"
          "RUS,IRN,energy,2\nRUS,IRN,food,2\nRUS,IRN,energy,5\n",
          ":6: duplicate row RUS,IRN,energy (first at line 4)" },
        { "exporter,importer,value\nA,A,1\nA,A,2\n", ":3: duplicate row A,A (first at line 2)" },
        { "exporter,importer,sector,value\nA,A,x,1\nA,A,1\n", ":3: expected 4 fields, got 3" },
        { "exporter,importer,value\nA,A,1,2\n", ":2: expected 3 fields, got 4" },
        { "exporter,importer,value\nA,A,abc\n", ":2: value: not a number 'abc'" },
        { "exporter,importer,value\nA,A,\n", ":2: value: not a number ''" },
        { "exporter,importer,value\nA,A,1.5x\n", ":2: value: not a number '1.5x'" },
        { "exporter,importer,value\nA,A,1 2\n", ":2: value: not a number '1 2'" },
        { "exporter,importer,value\nA,A,inf\n", ":2: value: not finite" },
        { "exporter,importer,value\nA,A,nan\n", ":2: value: not finite" },
        { "exporter,importer,value\nA,A,1e400\n", ":2: value: not finite" },
        { "exporter,importer,value\n\n", ":3: no data rows" },
        { "exporter,importer,value\n", ":2: no data rows" },
        { "", ":1: empty file" },
        { "exporter,importer,value\nA,A,1\nA,B,1\n",
          ": country 'B' has no domestic sales row (exporter == importer)" },
        { "exporter,importer,value\nA,,1\n", ":2: importer: empty country code" },
        { "exporter,importer,sector,value\nA,A,,1\n", ":2: sector: empty sector name" },
        { "exporter,importer,sector,value\nA,A,x,1\nA,A,\xe9nergie,1\n", ":3: sector: not valid UTF-8" },
        { "exporter,importer,value\nA,A,1\nA,\xc7,1\n", ":3: importer: not valid UTF-8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_trade_error(f, cases[i].text, NULL, SANC_EDATA, cases[i].msg);
}

static void test_trade_crlf_quotes_nul(void **state)
{
    fixture *f = *state;
    const char *p = write_file(f, "t.csv",
                               "\xEF\xBB\xBF\"exporter\",importer,value\r\n"
                               "\"A\",A,\" 1.25 \"\r\n\r\n"
                               "  A , \"B\" ,2\r\n"
                               "B,B,3\r\n");
    data_trade t;
    errbuf e;
    err_init(&e);
    assert_int_equal(data_load_trade(p, NULL, &t, &e), SANC_OK);
    assert_int_equal(t.nc, 2);
    assert_true(t.X[idx(&t, 0, 0, 0)] == 1.25);
    assert_true(t.X[idx(&t, 0, 1, 0)] == 2.0);
    assert_true(t.X[idx(&t, 1, 1, 0)] == 3.0);
    data_trade_free(&t);

    snprintf(f->path, sizeof f->path, "%s/nul.csv", f->dir);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fwrite("exporter,importer,value\nA,A,1\nA,\0A,1\n", 1, 37, fp);
    fclose(fp);
    err_init(&e);
    assert_int_equal(data_load_trade(f->path, NULL, &t, &e), SANC_EDATA);
    assert_contains(e.msg, "nul.csv:3: contains a NUL byte");
}

static void test_shocks(void **state)
{
    fixture *f = *state;
    char *codes[] = { "RUS", "IRN", "CHN" };
    char *sectors[] = { "energy", "food" };
    data_shocks s;
    errbuf e;
    err_init(&e);
    const char *p = write_file(f, "s.csv",
                               "exporter,importer,sector,factor\n"
                               "RUS,CHN,food,0.5\n"
                               "CHN,IRN,energy,0\n");
    assert_int_equal(data_load_shocks(p, 3, codes, 2, sectors, &s, &e), SANC_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.is_factor, 1);
    assert_int_equal(s.rows[0].i, 0);
    assert_int_equal(s.rows[0].j, 2);
    assert_int_equal(s.rows[0].k, 1);
    assert_true(s.rows[0].value == 0.5);
    assert_int_equal(s.rows[1].i, 2);
    assert_int_equal(s.rows[1].j, 1);
    assert_int_equal(s.rows[1].k, 0);
    data_shocks_free(&s);

    p = write_file(f, "s.csv", "exporter,importer,partial_effect\nIRN,RUS,-0.7\nRUS,IRN,-0.7\n");
    assert_int_equal(data_load_shocks(p, 3, codes, 2, sectors, &s, &e), SANC_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.is_factor, 0);
    assert_int_equal(s.rows[0].i, 1);
    assert_int_equal(s.rows[0].j, 0);
    assert_int_equal(s.rows[0].k, -1);
    assert_true(s.rows[1].value == -0.7);
    data_shocks_free(&s);

    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        { "exporter,importer,value\nRUS,IRN,1\n", ":1: missing column 'partial_effect' or 'factor' in header "
          "'exporter,importer,value'" },
        { "exporter,importer,factor,partial_effect\nRUS,IRN,1,0\n", ":1: both a partial_effect and a factor column" },
        { "exporter,importer,factor\nRUS,IRN,-1\n", ":2: factor: negative value -1 (must be >= 0)" },
        { "exporter,importer,partial_effect\nRUS,IRN,inf\n", ":2: partial_effect: not finite" },
        { "exporter,importer,partial_effect\nRUS,IRN,x\n", ":2: partial_effect: not a number 'x'" },
        { "exporter,importer,factor\nRUS,XXX,1\n", ":2: importer: unknown country code 'XXX'" },
        { "exporter,importer,sector,factor\nRUS,IRN,steel,1\n", ":2: sector: unknown sector 'steel'" },
        { "exporter,importer,sector,factor\nRUS,IRN,food,1\nIRN,RUS,food,1\nRUS,IRN,food,2\n",
          ":4: duplicate row RUS,IRN,food (first at line 2)" },
        { "exporter,importer,factor\nRUS,IRN,1\nRUS,IRN,2\n",
          ":3: duplicate row RUS,IRN (first at line 2)" },
        { "exporter,importer,factor\n", ":2: no data rows" },
        { "exporter,importer,sector,factor\nRUS,IRN,1\n", ":2: expected 4 fields, got 3" },
        { "exporter,importer,factor\nRUS,IR\xc9,1\n", ":2: importer: not valid UTF-8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = write_file(f, "s.csv", cases[i].text);
        err_init(&e);
        int rc = data_load_shocks(p, 3, codes, 2, sectors, &s, &e);
        if (rc != SANC_EDATA)
            fail_msg("case %zu: expected SANC_EDATA, got %d (%s)", i, rc, e.msg);
        char want[1024];
        snprintf(want, sizeof want, "%s%s", p, cases[i].msg);
        assert_contains(e.msg, want);
        data_shocks_free(&s);
    }
}

/* DESIGN section 10: columns by name, extra columns ignored, a mapping
 * canonical -> header, filters; a shock file's value column by name.  The
 * expected tables are written out by hand. */
static void test_as_it_comes(void **state)
{
    fixture *f = *state;
    errbuf e;
    /* extra columns (before, between, after) and another order */
    const char *p = write_file(f, "t.csv",
                               "year,value,note,importer,exporter\n"
                               "2000,1,x,A,A\n2000,2,y,B,A\n2000,3,,B,B\n2005,9,z,A,B\n");
    data_trade t;
    err_init(&e);
    assert_int_equal(data_load_trade(p, NULL, &t, &e), SANC_OK);
    assert_int_equal(t.nc, 2);
    assert_int_equal(t.ns, 1);
    assert_string_equal(t.country[0], "A");
    assert_string_equal(t.country[1], "B");
    assert_true(t.X[0] == 1.0 && t.X[1] == 2.0 && t.X[2] == 9.0 && t.X[3] == 3.0);
    data_trade_free(&t);

    /* a mapping and a filter on a column the loader does not read */
    p = write_file(f, "g.csv",
                   "iso_o,iso_d,year,flow\nA,A,2000,1\nA,B,2000,2\nB,B,2000,3\nB,A,2005,9\nB,A,2000.0,4\n");
    const char *mn[] = {"exporter", "importer", "value"}, *mh[] = {"iso_o", "iso_d", "flow"};
    csvtable_value y2000 = {1, 2000.0, NULL};
    csvtable_filter flt = {"year", 1, &y2000};
    csvtable_source src = {.path = (char *)p, .nmap = 3, .map_name = mn, .map_header = mh, .nfilters = 1,
                           .filters = &flt};
    err_init(&e);
    assert_int_equal(data_load_trade_from(&src, NULL, &t, &e), SANC_OK);
    assert_true(t.X[0] == 1.0 && t.X[1] == 2.0 && t.X[2] == 4.0 && t.X[3] == 3.0);
    data_trade_free(&t);
    /* filter values that are not numbers where numbers are wanted */
    p = write_file(f, "g.csv", "iso_o,iso_d,year,flow\nA,A,2000,1\nA,B,y2k,2\n");
    src.path = (char *)p;
    err_init(&e);
    assert_int_equal(data_load_trade_from(&src, NULL, &t, &e), SANC_EDATA);
    assert_contains(e.msg, ":3: year: not a number 'y2k' (the filter compares numbers)");
    data_trade_free(&t);
    /* a mapped column missing, a filter column missing */
    p = write_file(f, "g.csv", "iso_o,importer,year,flow\nA,A,2000,1\n");
    src.path = (char *)p;
    err_init(&e);
    assert_int_equal(data_load_trade_from(&src, NULL, &t, &e), SANC_EDATA);
    assert_contains(e.msg, ":1: missing column 'iso_d' (importer) in header 'iso_o,importer,year,flow'");
    data_trade_free(&t);
    p = write_file(f, "g.csv", "iso_o,iso_d,flow\nA,A,1\n");
    src.path = (char *)p;
    err_init(&e);
    assert_int_equal(data_load_trade_from(&src, NULL, &t, &e), SANC_EDATA);
    assert_contains(e.msg, ":1: filter column 'year' not in the header");
    data_trade_free(&t);
    /* a filter that keeps nothing */
    p = write_file(f, "g.csv", "iso_o,iso_d,year,flow\nA,A,1999,1\n");
    src.path = (char *)p;
    err_init(&e);
    assert_int_equal(data_load_trade_from(&src, NULL, &t, &e), SANC_EDATA);
    assert_contains(e.msg, ":3: no data rows");
    data_trade_free(&t);

    /* countries with extra columns */
    p = write_file(f, "c.csv", "region,code,population,name\nEU,A,1,Aland\nEU,B,2,Bland\n");
    data_countries c;
    err_init(&e);
    assert_int_equal(data_load_countries(p, &c, &e), SANC_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.code[1], "B");
    assert_string_equal(c.name[1], "Bland");
    assert_true(c.groups[0] == NULL);
    data_countries_free(&c);

    /* a shock file read through a named column (eu2000.csv's layout) */
    char *codes[] = {"A", "B", "C"}, *sectors[] = {"all"};
    p = write_file(f, "s.csv", "exporter,importer,value,eu_effect\nA,A,5,0.0\nA,B,1,0.25\nB,A,1,-0.5\n");
    csvtable_source ss = {.path = (char *)p};
    data_shocks sh;
    err_init(&e);
    assert_int_equal(data_load_shocks_from(&ss, "eu_effect", 3, codes, 1, sectors, &sh, &e), SANC_OK);
    assert_int_equal(sh.n, 3);
    assert_int_equal(sh.is_factor, 0);
    assert_true(sh.rows[1].i == 0 && sh.rows[1].j == 1 && sh.rows[1].k == -1 && sh.rows[1].value == 0.25);
    assert_true(sh.rows[2].value == -0.5);
    data_shocks_free(&sh);
    err_init(&e);
    assert_int_equal(data_load_shocks_from(&ss, "delta", 3, codes, 1, sectors, &sh, &e), SANC_EDATA);
    assert_contains(e.msg, ":1: missing column 'delta' in header 'exporter,importer,value,eu_effect'");
    data_shocks_free(&sh);
}

/* A large table loads in time linear in its rows (a quadratic lookup would
 * take minutes at this size); every cell's value is checked. */
static void test_trade_large(void **state)
{
    fixture *f = *state;
    const int nc = 150, ns = 20; /* 450,000 rows */
    snprintf(f->path, sizeof f->path, "%s/big.csv", f->dir);
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("exporter,importer,sector,value\n", fp);
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++)
            for (int k = 0; k < ns; k++)
                fprintf(fp, "C%03d,C%03d,s%02d,%d\n", i, j, k, (i * nc + j) * ns + k);
    fclose(fp);
    data_trade t;
    errbuf e;
    err_init(&e);
    clock_t t0 = clock();
    assert_int_equal(data_load_trade(f->path, NULL, &t, &e), SANC_OK);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(t.nc, nc);
    assert_int_equal(t.ns, ns);
    for (int m = 0; m < nc * nc * ns; m++)
        if (t.X[m] != (double)m)
            fail_msg("cell %d holds %g", m, t.X[m]);
    assert_string_equal(t.country[149], "C149");
    assert_string_equal(t.sector[19], "s19");
    data_trade_free(&t);
    /* Generous: also passes under sanitizers; valgrind users may raise it. */
    const char *lim = getenv("SANCSIM_TEST_TIME_LIMIT");
    double limit = lim != NULL ? atof(lim) : 10.0;
    if (secs > limit)
        fail_msg("loading %d rows took %.2f s", nc * nc * ns, secs);
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_countries_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_countries_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_no_sector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_sectors_and_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_crlf_quotes_nul, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_as_it_comes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_large, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
