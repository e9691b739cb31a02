/*
 * test_cfg.c - unit tests of engine/cfg.c: loading (syntax errors, @include
 * from any working directory, wrapped integer literals), the typed getters'
 * type/range/finite checks and their "FILE:LINE: path: message" errors,
 * --set overrides, the writer's round trip and SHA-256 against the FIPS
 * 180-4 vectors (long-message vectors computed independently with Python's
 * hashlib).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "cfg.h"

#include "harness.h"

static int load_str(cfg *c, const char *text, errbuf *e)
{
    err_init(e);
    return cfg_load_string(c, text, "mem.cfg", NULL, e);
}

/* ------------------------------------------------------------------ */

static void test_sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    cfg_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cfg_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    cfg_sha256_hex(m2, strlen(m2), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* Padding boundaries: 55/56 bytes switch to a second block, 64 is one full block. */
    static const struct {
        size_t n;
        const char *h;
    } v[] = {
        { 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
        { 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
        { 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
        { 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
        { 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
        { 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
        { 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
    };
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cfg_sha256_hex(a, v[i].n, hex);
        assert_string_equal(hex, v[i].h);
    }
    free(a);
}

static void test_load_missing_and_syntax(void **state)
{
    fixture *f = *state;
    cfg c;
    errbuf e;
    err_init(&e);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope.cfg", f->dir);
    assert_int_equal(cfg_load(&c, missing, &e), SANC_ECONFIG);
    assert_contains(e.msg, missing);
    assert_contains(e.msg, ": cannot open: No such file");
    cfg_destroy(&c); /* safe after a failed load */

    const char *p = write_file(f, "bad.cfg", "a = 1;\nb = 2;\nc = ;\n");
    err_init(&e);
    assert_int_equal(cfg_load(&c, p, &e), SANC_ECONFIG);
    char want[700];
    snprintf(want, sizeof want, "%s:3: syntax error: ", p);
    assert_contains(e.msg, want);

    /* The error is located in the included file. */
    write_file(f, "inc_bad.cfg", "x = 1;\ny = [1, \"a\"];\n");
    p = write_file(f, "main_bad.cfg", "a = 1;\n@include \"inc_bad.cfg\"\n");
    err_init(&e);
    assert_int_equal(cfg_load(&c, p, &e), SANC_ECONFIG);
    snprintf(want, sizeof want, "%s/inc_bad.cfg:2: syntax error: ", f->dir);
    assert_contains(e.msg, want);
}

static void test_include_from_other_cwd(void **state)
{
    fixture *f = *state;
    write_file(f, "scen/common.cfg", "trade = { sigma = 5.0; };\nbad = \"x\";\n");
    const char *p = write_file(f, "scen/main.cfg", "periods = 3;\n@include \"common.cfg\"\n");
    char path[600];
    snprintf(path, sizeof path, "%s", p);
    char old[1024];
    assert_non_null(getcwd(old, sizeof old));
    assert_int_equal(chdir(f->dir), 0); /* common.cfg is not in the cwd */
    cfg c;
    errbuf e;
    err_init(&e);
    int rc = cfg_load(&c, path, &e);
    assert_int_equal(chdir(old), 0);
    assert_int_equal(rc, SANC_OK);
    config_setting_t *root = config_root_setting(&c.lc);
    config_setting_t *trade;
    assert_int_equal(cfg_get_group(root, "trade", 1, &trade, &e), SANC_OK);
    double sigma = 0;
    assert_int_equal(cfg_get_double(trade, "sigma", 1, &sigma, &e), SANC_OK);
    assert_true(sigma == 5.0);
    /* Errors on included settings name the included file and its line. */
    double d;
    assert_int_equal(cfg_get_double(root, "bad", 1, &d, &e), SANC_ECONFIG);
    char want[700];
    snprintf(want, sizeof want, "%s/scen/common.cfg:2: bad: expected a float, got a string",
             f->dir);
    assert_string_equal(e.msg, want);
    cfg_destroy(&c);
}

static void test_wrapped_int_literals(void **state)
{
    fixture *f = *state;
    cfg c;
    errbuf e;
    /* Would wrap to -1294967296 in libconfig 1.5. */
    assert_int_equal(load_str(&c, "a = 1;\n\nbig = 3000000000;\n", &e), SANC_ECONFIG);
    assert_contains(e.msg, "mem.cfg:3: integer literal 3000000000 does not fit in 32 bits");
    static const char *bad[] = { "x = -2147483649;", "x = 2147483648;", "x = 0x80000000;",
                                 "x = 0x100000000;", "x = [1, 99999999999999999999];",
                                 "g = { h = ( { x = 4294967296; } ); };" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(load_str(&c, bad[i], &e), SANC_ECONFIG);
        assert_contains(e.msg, "mem.cfg:1: integer literal");
    }
    /* In range, suffixed, floats, strings and comments are fine. */
    const char *ok = "a = 2147483647; b = -2147483648; c = 0x7fffffff; d = 3000000000L;\n"
                     "e = 3000000000.0; f = 3e9; s = \"3000000000\"; # 3000000000\n"
                     "// 3000000000\n/* 3000000000 */ g = 000000000012; name-x = 1;\n";
    assert_int_equal(load_str(&c, ok, &e), SANC_OK);
    int64_t v;
    config_setting_t *root = config_root_setting(&c.lc);
    assert_int_equal(cfg_get_int(root, "d", 1, INT64_MIN, INT64_MAX, &v, &e), SANC_OK);
    assert_true(v == 3000000000LL);
    assert_int_equal(cfg_get_int(root, "b", 1, INT64_MIN, INT64_MAX, &v, &e), SANC_OK);
    assert_true(v == -2147483648LL);
    cfg_destroy(&c);

    /* Also inside an included file. */
    write_file(f, "inc_big.cfg", "ok = 1;\nseed = 5000000000;\n");
    const char *p = write_file(f, "main_big.cfg", "a = 1;\n@include \"inc_big.cfg\"\n");
    err_init(&e);
    assert_int_equal(cfg_load(&c, p, &e), SANC_ECONFIG);
    char want[700];
    snprintf(want, sizeof want, "%s/inc_big.cfg:2: integer literal 5000000000", f->dir);
    assert_contains(e.msg, want);
}

static const char *getter_cfg =
    "n = 5;\n"                                   /* 1 */
    "f = 2.5;\n"                                 /* 2 */
    "fi = 7;\n"                                  /* 3 */
    "inf = 1e400;\n"                             /* 4 */
    "ninf = -1e400;\n"                           /* 5 */
    "s = \"text\";\n"                            /* 6 */
    "b = true;\n"                                /* 7 */
    "big = 5000000000L;\n"                       /* 8 */
    "trade = {\n"                                /* 9 */
    "  sigma = 4.0;\n"                           /* 10 */
    "  sectors = ( { name = \"a\"; sigma = \"x\"; },\n" /* 11 */
    "              { name = \"b\"; sigma = 3; } );\n"    /* 12 */
    "  arr = [1.5, 1e400];\n"                    /* 13 */
    "};\n"                                       /* 14 */
    "names = [\"A\", \"B\"];\n"                  /* 15 */
    "lnames = (\"A\", 3);\n"                     /* 16 */
    "one = \"X\";\n"                             /* 17 */
    "none = [];\n"                               /* 18 */
    "nol = ();\n"                                /* 19 */
    "mixed = ( { a = 1; }, 5 );\n";              /* 20 */

static void test_getters(void **state)
{
    (void)state;
    cfg c;
    errbuf e;
    assert_int_equal(load_str(&c, getter_cfg, &e), SANC_OK);
    config_setting_t *root = config_root_setting(&c.lc);
    int64_t i = -99;
    double d = -99;

    /* integers */
    assert_int_equal(cfg_get_int(root, "n", 1, 0, 10, &i, &e), SANC_OK);
    assert_true(i == 5);
    err_init(&e);
    assert_int_equal(cfg_get_int(root, "n", 1, 6, 10, &i, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:1: n: must be between 6 and 10 (got 5)");
    err_init(&e);
    assert_int_equal(cfg_get_int(root, "f", 1, 0, 10, &i, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:2: f: expected an integer, got a float");
    err_init(&e);
    assert_int_equal(cfg_get_int(root, "big", 1, 0, INT32_MAX, &i, &e), SANC_ECONFIG);
    assert_contains(e.msg, "mem.cfg:8: big: must be between 0 and 2147483647 (got 5000000000)");
    err_init(&e);
    assert_int_equal(cfg_get_int(root, "big", 1, 0, INT64_MAX, &i, &e), SANC_OK);
    assert_true(i == 5000000000LL);
    i = -99;
    assert_int_equal(cfg_get_int(root, "absent", 0, 0, 10, &i, &e), CFG_ABSENT);
    assert_true(i == -99);
    err_init(&e);
    assert_int_equal(cfg_get_int(root, "absent", 1, 0, 10, &i, &e), SANC_ECONFIG);
    assert_contains(e.msg, "mem.cfg: absent: missing required setting");

    /* floats */
    assert_int_equal(cfg_get_double(root, "f", 1, &d, &e), SANC_OK);
    assert_true(d == 2.5);
    assert_int_equal(cfg_get_double(root, "fi", 1, &d, &e), SANC_OK);
    assert_true(d == 7.0);
    err_init(&e);
    assert_int_equal(cfg_get_double(root, "inf", 1, &d, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:4: inf: must be finite (got inf)");
    err_init(&e);
    assert_int_equal(cfg_get_double(root, "ninf", 1, &d, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:5: ninf: must be finite (got -inf)");
    err_init(&e);
    assert_int_equal(cfg_get_double(root, "s", 1, &d, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:6: s: expected a float, got a string");
    d = -99;
    assert_int_equal(cfg_get_double(root, "nope", 0, &d, &e), CFG_ABSENT);
    assert_true(d == -99);

    /* nested: paths and the group's line for a missing key */
    config_setting_t *trade = NULL, *sectors = NULL;
    assert_int_equal(cfg_get_group(root, "trade", 1, &trade, &e), SANC_OK);
    assert_non_null(trade);
    assert_int_equal(cfg_get_list(trade, "sectors", 1, &sectors, &e), SANC_OK);
    assert_int_equal(config_setting_length(sectors), 2);
    config_setting_t *s0 = config_setting_get_elem(sectors, 0);
    char buf[128];
    assert_string_equal(cfg_path(config_setting_get_member(s0, "sigma"), buf, sizeof buf),
                        "trade.sectors.[0].sigma");
    err_init(&e);
    assert_int_equal(cfg_get_double(s0, "sigma", 1, &d, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:11: trade.sectors.[0].sigma: expected a float, got a string");
    assert_int_equal(cfg_get_double(config_setting_get_elem(sectors, 1), "sigma", 1, &d, &e),
                     SANC_OK);
    assert_true(d == 3.0);
    err_init(&e);
    assert_int_equal(cfg_get_double(trade, "kappa", 1, &d, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:9: trade.kappa: missing required setting");
    err_init(&e);
    assert_int_equal(cfg_fail_key(trade, "kappa", &e, "must be > %d", 1), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:9: trade.kappa: must be > 1");
    err_init(&e);
    assert_int_equal(cfg_fail(config_setting_get_member(trade, "sigma"), &e, "must be < %g", 3.0),
                     SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:10: trade.sigma: must be < 3");

    /* array elements */
    config_setting_t *arr = config_setting_get_member(trade, "arr");
    assert_int_equal(cfg_elem_double(config_setting_get_elem(arr, 0), &d, &e), SANC_OK);
    assert_true(d == 1.5);
    err_init(&e);
    assert_int_equal(cfg_elem_double(config_setting_get_elem(arr, 1), &d, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:13: trade.arr.[1]: must be finite (got inf)");

    /* bool, string, wrong kinds */
    int b = -1;
    assert_int_equal(cfg_get_bool(root, "b", 1, &b, &e), SANC_OK);
    assert_int_equal(b, 1);
    err_init(&e);
    assert_int_equal(cfg_get_bool(root, "n", 1, &b, &e), SANC_ECONFIG);
    assert_contains(e.msg, "mem.cfg:1: n: expected a boolean");
    const char *str = NULL;
    assert_int_equal(cfg_get_string(root, "s", 1, &str, &e), SANC_OK);
    assert_string_equal(str, "text");
    err_init(&e);
    assert_int_equal(cfg_get_string(root, "n", 1, &str, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:1: n: expected a string, got an integer");
    config_setting_t *g = NULL;
    err_init(&e);
    assert_int_equal(cfg_get_group(root, "s", 1, &g, &e), SANC_ECONFIG);
    assert_contains(e.msg, "mem.cfg:6: s: expected a group");
    assert_int_equal(cfg_get_group(root, "nogroup", 0, &g, &e), CFG_ABSENT);
    assert_null(g);
    err_init(&e);
    assert_int_equal(cfg_get_list(root, "mixed", 1, &g, &e), SANC_ECONFIG);
    assert_contains(e.msg, "mem.cfg:20: mixed.[1]: expected a group");
    err_init(&e);
    assert_int_equal(cfg_get_list(root, "names", 1, &g, &e), SANC_ECONFIG);
    assert_contains(e.msg, "mem.cfg:15: names: expected a list");
    assert_int_equal(cfg_get_list(root, "nol", 1, &g, &e), SANC_OK);
    assert_int_equal(config_setting_length(g), 0);
    assert_int_equal(cfg_get_list(root, "none", 1, &g, &e), SANC_OK);
    assert_int_equal(config_setting_length(g), 0);
    cfg_destroy(&c);
}

static void test_get_strings(void **state)
{
    (void)state;
    cfg c;
    errbuf e;
    assert_int_equal(load_str(&c, getter_cfg, &e), SANC_OK);
    config_setting_t *root = config_root_setting(&c.lc);
    const char **v = NULL;
    int n = -1;
    config_setting_t *where = NULL;
    assert_int_equal(cfg_get_strings(root, "names", 1, &v, &n, &where, &e), SANC_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0], "A");
    assert_string_equal(v[1], "B");
    assert_ptr_equal(where, config_setting_get_member(root, "names"));
    free(v);
    assert_int_equal(cfg_get_strings(root, "one", 1, &v, &n, &where, &e), SANC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0], "X");
    free(v);
    assert_int_equal(cfg_get_strings(root, "none", 1, &v, &n, &where, &e), SANC_OK);
    assert_int_equal(n, 0);
    free(v);
    err_init(&e);
    assert_int_equal(cfg_get_strings(root, "lnames", 1, &v, &n, &where, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:16: lnames.[1]: expected a string, got an integer");
    err_init(&e);
    assert_int_equal(cfg_get_strings(root, "n", 1, &v, &n, &where, &e), SANC_ECONFIG);
    assert_contains(e.msg, "mem.cfg:1: n: expected a string or an array of strings");
    assert_int_equal(cfg_get_strings(root, "absent", 0, &v, &n, &where, &e), CFG_ABSENT);
    cfg_destroy(&c);
}

static void test_check_keys(void **state)
{
    (void)state;
    cfg c;
    errbuf e;
    assert_int_equal(load_str(&c, "trade = {\n  sigma = 4.0;\n  sigam = 3.0;\n};\n", &e), SANC_OK);
    config_setting_t *trade = config_lookup(&c.lc, "trade");
    static const char *const ok[] = { "sigma", "sigam", NULL };
    static const char *const allowed[] = { "sigma", "kappa", "sectors", NULL };
    assert_int_equal(cfg_check_keys(trade, ok, &e), SANC_OK);
    err_init(&e);
    assert_int_equal(cfg_check_keys(trade, allowed, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:3: trade.sigam: unknown setting 'sigam' "
                               "(expected one of: sigma, kappa, sectors)");
    cfg_destroy(&c);
}

/* Every string of the tree is UTF-8 (they become labels in the files). */
static void test_check_utf8(void **state)
{
    (void)state;
    cfg c;
    errbuf e;
    assert_int_equal(load_str(&c, "groups = { WEST = [\"USA\"]; };\n"
                                  "sanctions = ( { name = \"SWIFT \xc3\xa0 part\"; },\n"
                                  "              { name = \"Mir \xe0 part\"; } );\n", &e), SANC_OK);
    assert_int_equal(cfg_check_utf8(&c, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "mem.cfg:3: sanctions.[1].name: not valid UTF-8 (byte 0xE0 at character 5); "
                               "save the file as UTF-8 (ASCII recommended)");
    cfg_destroy(&c);
    assert_int_equal(load_str(&c, "x = { tags = [\"\xc3\xa9t\xc3\xa9\"]; };\n", &e), SANC_OK);
    assert_int_equal(cfg_check_utf8(&c, &e), SANC_OK);
    /* an override is checked as well, and named as such */
    err_init(&e);
    assert_int_equal(cfg_apply_set(&c, "x.tags=[\"\xff\"]", &e), SANC_OK);
    assert_int_equal(cfg_check_utf8(&c, &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set x.tags");
    assert_contains(e.msg, "not valid UTF-8");
    cfg_destroy(&c);
}

static const char *set_cfg =
    "scenario = { name = \"base\"; seed = 1; big = 7L; open = true; };\n"
    "trade = { sigma = 4.0; shares = [0.5, 0.25]; ids = [1, 2]; tags = [\"a\"]; };\n"
    "events = ( { name = \"e\"; partial_effect = -0.5; } );\n";

static int set(cfg *c, const char *a, errbuf *e)
{
    err_init(e);
    return cfg_apply_set(c, a, e);
}

static void test_apply_set(void **state)
{
    (void)state;
    cfg c;
    errbuf e;
    assert_int_equal(load_str(&c, set_cfg, &e), SANC_OK);
    config_setting_t *s;

    /* float <- int / float */
    assert_int_equal(set(&c, "trade.sigma=5", &e), SANC_OK);
    s = config_lookup(&c.lc, "trade.sigma");
    assert_int_equal(config_setting_type(s), CONFIG_TYPE_FLOAT);
    assert_true(config_setting_get_float(s) == 5.0);
    assert_int_equal(set(&c, "trade.sigma=2.25", &e), SANC_OK);
    assert_true(config_setting_get_float(s) == 2.25);
    assert_int_equal(set(&c, "events.[0].partial_effect=-1.5e-3", &e), SANC_OK);
    assert_true(config_setting_get_float(config_lookup(&c.lc, "events.[0].partial_effect")) ==
                -1.5e-3);
    assert_int_equal(set(&c, "trade.sigma=abc", &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set trade.sigma=abc: expected a float");
    assert_int_equal(set(&c, "trade.sigma=\"3\"", &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "--set trade.sigma=\"3\": expected a float, got a string");
    assert_int_equal(set(&c, "trade.sigma=1e400", &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set trade.sigma=1e400: non-finite value");
    assert_true(config_setting_get_float(s) == 2.25); /* unchanged by failures */

    /* int <- int; rejects float, out-of-range 64-bit, wrapped literal */
    assert_int_equal(set(&c, "scenario.seed=42", &e), SANC_OK);
    assert_int_equal(config_setting_get_int(config_lookup(&c.lc, "scenario.seed")), 42);
    assert_int_equal(set(&c, "scenario.seed=2.5", &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "--set scenario.seed=2.5: expected an integer, got a float");
    assert_int_equal(set(&c, "scenario.seed=5000000000L", &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set scenario.seed=5000000000L: value 5000000000 out of range");
    assert_int_equal(set(&c, "scenario.seed=3000000000", &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set scenario.seed=3000000000: integer literal 3000000000");
    assert_int_equal(set(&c, "scenario.big=5000000000L", &e), SANC_OK);
    assert_true(config_setting_get_int64(config_lookup(&c.lc, "scenario.big")) == 5000000000LL);
    assert_int_equal(set(&c, "scenario.big=9", &e), SANC_OK);
    assert_int_equal(config_setting_type(config_lookup(&c.lc, "scenario.big")), CONFIG_TYPE_INT64);
    assert_true(config_setting_get_int64(config_lookup(&c.lc, "scenario.big")) == 9);

    /* string: verbatim word, quoted literal, number text */
    assert_int_equal(set(&c, "scenario.name=foo bar", &e), SANC_OK);
    assert_string_equal(config_setting_get_string(config_lookup(&c.lc, "scenario.name")),
                        "foo bar");
    assert_int_equal(set(&c, "scenario.name=\"q\\\"x\"", &e), SANC_OK);
    assert_string_equal(config_setting_get_string(config_lookup(&c.lc, "scenario.name")), "q\"x");
    assert_int_equal(set(&c, "scenario.name=42", &e), SANC_OK);
    assert_string_equal(config_setting_get_string(config_lookup(&c.lc, "scenario.name")), "42");
    assert_int_equal(set(&c, "scenario.name=a=b", &e), SANC_OK); /* split at the first '=' */
    assert_string_equal(config_setting_get_string(config_lookup(&c.lc, "scenario.name")), "a=b");

    /* bool */
    assert_int_equal(set(&c, "scenario.open=false", &e), SANC_OK);
    assert_int_equal(config_setting_get_bool(config_lookup(&c.lc, "scenario.open")), 0);
    assert_int_equal(set(&c, "scenario.open=1", &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "--set scenario.open=1: expected a boolean, got an integer");

    /* arrays */
    assert_int_equal(set(&c, "trade.shares=[1, 2, 3]", &e), SANC_OK);
    s = config_lookup(&c.lc, "trade.shares");
    assert_int_equal(config_setting_length(s), 3);
    assert_int_equal(config_setting_type(config_setting_get_elem(s, 2)), CONFIG_TYPE_FLOAT);
    assert_true(config_setting_get_float_elem(s, 2) == 3.0);
    assert_int_equal(set(&c, "trade.ids=[0.5]", &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set trade.ids=[0.5]: expected an array of integer");
    assert_int_equal(set(&c, "trade.shares=[1e400]", &e), SANC_ECONFIG);
    assert_contains(e.msg, "non-finite");
    assert_int_equal(set(&c, "trade.tags=(\"x\", \"y\")", &e), SANC_OK);
    s = config_lookup(&c.lc, "trade.tags");
    assert_int_equal(config_setting_length(s), 2);
    assert_string_equal(config_setting_get_string_elem(s, 1), "y");
    assert_int_equal(set(&c, "trade.tags=[]", &e), SANC_OK);
    assert_int_equal(config_setting_length(config_lookup(&c.lc, "trade.tags")), 0);
    assert_int_equal(set(&c, "trade.shares=5", &e), SANC_ECONFIG);
    assert_contains(e.msg, "expected an array, got an integer");
    assert_int_equal(set(&c, "trade.shares=[1,", &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set trade.shares=[1,: expected an array");

    /* created keys, unknown paths, malformed */
    assert_int_equal(set(&c, "trade.kappa=3", &e), SANC_OK);
    assert_int_equal(config_setting_type(config_lookup(&c.lc, "trade.kappa")), CONFIG_TYPE_INT);
    assert_int_equal(set(&c, "trade.label=word", &e), SANC_OK);
    assert_string_equal(config_setting_get_string(config_lookup(&c.lc, "trade.label")), "word");
    assert_int_equal(set(&c, "nosuch.x=1", &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "--set nosuch.x=1: unknown setting path 'nosuch.x' (no setting 'nosuch' in the top level)");
    assert_int_equal(set(&c, "events.[3].name=x", &e), SANC_ECONFIG);
    assert_contains(e.msg, "unknown setting path");
    assert_int_equal(set(&c, "trade.sigma.x=1", &e), SANC_ECONFIG);
    assert_contains(e.msg, "unknown setting path");
    assert_int_equal(set(&c, "trade.sigma", &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set trade.sigma: expected PATH=VALUE");
    assert_int_equal(set(&c, "trade.new=1e400", &e), SANC_ECONFIG);
    assert_contains(e.msg, "non-finite");
    /* a root key named like a directive would be read back as one from the
     * resolved config: refused, whatever its value (found by fuzz_set) */
    assert_int_equal(set(&c, "set=0.0", &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "--set set=0.0: 'set' is an inheritance directive (base, append, "
                               "remove, set), not a setting");
    assert_int_equal(set(&c, "base=x.cfg", &e), SANC_ECONFIG);
    assert_contains(e.msg, "'base' is an inheritance directive");
    assert_null(config_lookup(&c.lc, "base"));
    assert_int_equal(set(&c, "trade.set=1", &e), SANC_OK); /* below the root: a plain key */
    /* libconfig's keywords are no names: the written config would not reload */
    assert_int_equal(set(&c, "false=[]", &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "--set false=[]: invalid setting name 'false'");
    assert_int_equal(set(&c, "trade.True=1", &e), SANC_ECONFIG);
    assert_contains(e.msg, "invalid setting name 'True'");
    assert_int_equal(set(&c, "trade.falsey=1", &e), SANC_OK);
    /* A newline never reaches the parser (no smuggled @include). */
    assert_int_equal(set(&c, "trade.sigma=1\n@include \"/etc/passwd\"", &e), SANC_ECONFIG);
    assert_contains(e.msg, "expected a float");

    /* Later errors about an overridden value name the override. */
    assert_int_equal(set(&c, "trade.sigma=0.5", &e), SANC_OK);
    err_init(&e);
    cfg_fail(config_lookup(&c.lc, "trade.sigma"), &e, "must be > 1 (got %g)", 0.5);
    assert_string_equal(e.msg, "--set trade.sigma: must be > 1 (got 0.5)");
    cfg_destroy(&c);
}

/* Structural equality of two trees: names, types, values (floats bitwise). */
static void assert_same_tree(const config_setting_t *a, const config_setting_t *b)
{
    assert_int_equal(config_setting_type(a), config_setting_type(b));
    if (config_setting_name(a) != NULL || config_setting_name(b) != NULL)
        assert_string_equal(config_setting_name(a), config_setting_name(b));
    switch (config_setting_type(a)) {
    case CONFIG_TYPE_INT: assert_int_equal(config_setting_get_int(a), config_setting_get_int(b)); break;
    case CONFIG_TYPE_INT64:
        assert_true(config_setting_get_int64(a) == config_setting_get_int64(b));
        break;
    case CONFIG_TYPE_FLOAT: {
        double x = config_setting_get_float(a), y = config_setting_get_float(b);
        assert_memory_equal(&x, &y, sizeof x);
        break;
    }
    case CONFIG_TYPE_BOOL: assert_int_equal(config_setting_get_bool(a), config_setting_get_bool(b)); break;
    case CONFIG_TYPE_STRING:
        assert_string_equal(config_setting_get_string(a), config_setting_get_string(b));
        break;
    default:
        assert_int_equal(config_setting_length(a), config_setting_length(b));
        for (int i = 0; i < config_setting_length(a); i++)
            assert_same_tree(config_setting_get_elem(a, (unsigned)i),
                             config_setting_get_elem(b, (unsigned)i));
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *text =
        "scenario = { name = \"q\\\"uote \\\\ back\\nnl\\ttab\\x01\"; start = \"2022-01\"; };\n"
        "n = -2147483648; m = 2147483647; big = 5000000000L; small64 = 3L; neg64 = -9000000000L;\n"
        "f = ( 0.1, 1.0, -2.5e-300, 1e22, 123456789012345678.0, 0.30000000000000004, -0.0, 5e-324 );\n"
        "a = [1.0, 2.0]; ai = [1, -2]; as = [\"x\", \"y\"]; ab = [true, false]; e = []; l = (); g = {};\n"
        "inf = 1e400;\n"
        "trade = { sectors = ( { name = \"a\"; sigma = 4.0; w = [0.25]; },\n"
        "                      { name = \"b\"; nested = { deep = ( (1, 2), [3] ); }; } ); };\n";
    cfg c1, c2;
    errbuf e;
    assert_int_equal(load_str(&c1, text, &e), SANC_OK);
    assert_int_equal(set(&c1, "trade.sectors.[0].sigma=7", &e), SANC_OK);
    assert_int_equal(set(&c1, "added=\"new\"", &e), SANC_OK);
    err_init(&e);
    char *s1 = cfg_to_string(&c1, &e);
    assert_non_null(s1);
    assert_int_equal(load_str(&c2, s1, &e), SANC_OK);
    assert_same_tree(config_root_setting(&c1.lc), config_root_setting(&c2.lc));
    char *s2 = cfg_to_string(&c2, &e);
    assert_non_null(s2);
    assert_string_equal(s1, s2);
    /* Spot checks of the format the provenance relies on. */
    assert_contains(s1, "big = 5000000000L;");
    assert_contains(s1, "small64 = 3L;");
    assert_contains(s1, "0.10000000000000001");
    assert_contains(s1, "sigma = 7.0;");
    assert_contains(s1, "a = [ 1.0, 2.0 ];");
    assert_contains(s1, "ab = [ true, false ];");
    assert_contains(s1, "e = [];");
    assert_contains(s1, "\\\"uote \\\\ back\\nnl\\ttab");
    char h1[65], h2[65];
    cfg_sha256_hex(s1, strlen(s1), h1);
    cfg_sha256_hex(s2, strlen(s2), h2);
    assert_string_equal(h1, h2);
    free(s1);
    free(s2);
    cfg_destroy(&c1);
    cfg_destroy(&c2);
}

int main(void)
{
    /* as main does once (cli_process_init): every GSL return is checked */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test_setup_teardown(test_load_missing_and_syntax, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include_from_other_cwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrapped_int_literals, setup, teardown),
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_get_strings),
        cmocka_unit_test(test_check_keys),
        cmocka_unit_test(test_check_utf8),
        cmocka_unit_test(test_apply_set),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
