/*
 * test_cfgpath.c - unit tests of engine/io/cfgpath.c: the name-path
 * grammar of DESIGN section 10 (ident, [int], [key="string"] with escapes),
 * its syntax errors, lookups with missing and ambiguous names, the split of
 * "PATH=VALUE" at the first '=' outside brackets and quotes, name paths as
 * labels, and --set through name paths.
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
#include "cfgpath.h"
#include "harness.h"

static void test_parse(void **state)
{
    (void)state;
    cfg_npath p;
    errbuf e;
    err_init(&e);
    assert_int_equal(cfg_npath_parse("trade.sigma", &p, &e), SANC_OK);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.seg[0].kind, CFG_SEG_NAME);
    assert_string_equal(p.seg[0].name, "trade");
    assert_string_equal(p.seg[1].name, "sigma");
    cfg_npath_free(&p);

    assert_int_equal(cfg_npath_parse("events.[12].partial_effect", &p, &e), SANC_OK);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.seg[1].kind, CFG_SEG_INDEX);
    assert_int_equal(p.seg[1].index, 12);
    cfg_npath_free(&p);

    assert_int_equal(cfg_npath_parse("sanctions.[name=\"SWIFT cut-off\"].coverage", &p, &e), SANC_OK);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.seg[1].kind, CFG_SEG_MATCH);
    assert_string_equal(p.seg[1].name, "name");
    assert_string_equal(p.seg[1].value, "SWIFT cut-off");
    assert_string_equal(p.seg[2].name, "coverage");
    cfg_npath_free(&p);

    /* escapes, '=', '.', ']' inside the string; spaces inside brackets */
    assert_int_equal(cfg_npath_parse("a.[ id = \"x \\\"q\\\" = y.z] \\\\\" ]", &p, &e), SANC_OK);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.seg[1].name, "id");
    assert_string_equal(p.seg[1].value, "x \"q\" = y.z] \\");
    cfg_npath_free(&p);

    /* a path may start with an index (the top level is a group) */
    assert_int_equal(cfg_npath_parse("[0]", &p, &e), SANC_OK);
    assert_int_equal(p.n, 1);
    cfg_npath_free(&p);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *path, *msg;
    } bad[] = {
        {"", "empty name path"},
        {"trade.", "path ends after '.'"},
        {".trade", "expected a setting name or '['"},
        {"trade..sigma", "at character 7"},
        {"a.[x]", "expected '=' after the key"},
        {"a.[x=y]", "expected a double-quoted string"},
        {"a.[x=\"y]", "unterminated string"},
        {"a.[x=\"y\"", "expected ']'"},
        {"a.[-1]", "expected an index or key=\"name\""},
        {"a.[1]b", "expected '.' between segments"},
        {"a b", "expected '.' between segments"},
        {"a.[12345678901]", "index too large"},
        {"9a", "expected a setting name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg_npath p;
        errbuf e;
        err_init(&e);
        assert_int_equal(cfg_npath_parse(bad[i].path, &p, &e), SANC_ECONFIG);
        assert_contains(e.msg, bad[i].msg);
        cfg_npath_free(&p);
    }
}

static const char *tree =
    "sanctions = ( { name = \"SWIFT cut-off\"; coverage = 0.5; },\n"
    "              { name = \"ban\"; coverage = 0.9; },\n"
    "              { name = \"ban\"; coverage = 1.0; },\n"
    "              { label = \"no name\"; coverage = 0.1; } );\n"
    "trade = { sigma = 4.0; shares = [1.0, 2.0]; };\n"
    "countries = ( { country = \"RUS\"; w = 1.0; }, { country = \"IRN\"; w = 2.0; },\n"
    "              { country = \"IRN\"; w = 3.0; }, { name = \"n\"; country = \"TUR\"; w = 4.0; } );\n";

static void test_lookup(void **state)
{
    (void)state;
    cfg c;
    errbuf e;
    err_init(&e);
    assert_int_equal(cfg_load_string(&c, tree, "mem.cfg", NULL, &e), SANC_OK);
    config_setting_t *root = config_root_setting(&c.lc), *s = NULL;

    assert_int_equal(cfg_lookup_name(root, "sanctions.[name=\"SWIFT cut-off\"].coverage", &s, &e), SANC_OK);
    assert_true(config_setting_get_float(s) == 0.5);
    assert_int_equal(cfg_lookup_name(root, "sanctions.[3].label", &s, &e), SANC_OK);
    assert_string_equal(config_setting_get_string(s), "no name");
    assert_int_equal(cfg_lookup_name(root, "trade.shares.[1]", &s, &e), SANC_OK);
    assert_true(config_setting_get_float(s) == 2.0);
    assert_int_equal(cfg_lookup_name(root, "sanctions.[label=\"no name\"]", &s, &e), SANC_OK);
    assert_int_equal(config_setting_index(s), 3);

    /* missing: the names that exist are listed */
    err_init(&e);
    assert_int_equal(cfg_lookup_name(root, "sanctions.[name=\"SWIFT\"].coverage", &s, &e), SANC_ECONFIG);
    assert_contains(e.msg, "no element of sanctions has name = \"SWIFT\"");
    assert_contains(e.msg, "\"SWIFT cut-off\", \"ban\", \"ban\"");
    /* ambiguous: never a silent pick */
    err_init(&e);
    assert_int_equal(cfg_lookup_name(root, "sanctions.[name=\"ban\"].coverage", &s, &e), SANC_ECONFIG);
    assert_contains(e.msg, "ambiguous name: 2 elements of sanctions have name = \"ban\"");
    err_init(&e);
    assert_int_equal(cfg_lookup_name(root, "sanctions.[4]", &s, &e), SANC_ECONFIG);
    assert_contains(e.msg, "index 4 out of range (sanctions has 4 elements)");
    err_init(&e);
    assert_int_equal(cfg_lookup_name(root, "trade.kappa", &s, &e), SANC_ECONFIG);
    assert_string_equal(e.msg, "no setting 'kappa' in trade");
    err_init(&e);
    assert_int_equal(cfg_lookup_name(root, "trade.sigma.x", &s, &e), SANC_ECONFIG);
    assert_contains(e.msg, "trade.sigma is not a group or list");
    err_init(&e);
    assert_int_equal(cfg_lookup_name(root, "sanctions.name", &s, &e), SANC_ECONFIG);
    assert_contains(e.msg, "sanctions is a list");

    /* labels: unique names as [name="..."], others by index */
    char buf[256];
    assert_int_equal(cfg_lookup_name(root, "sanctions.[0].coverage", &s, &e), SANC_OK);
    assert_string_equal(cfg_name_path(s, buf, sizeof buf), "sanctions.[name=\"SWIFT cut-off\"].coverage");
    assert_int_equal(cfg_lookup_name(root, "sanctions.[2].coverage", &s, &e), SANC_OK);
    assert_string_equal(cfg_name_path(s, buf, sizeof buf), "sanctions.[2].coverage");
    assert_int_equal(cfg_lookup_name(root, "sanctions.[3].coverage", &s, &e), SANC_OK);
    assert_string_equal(cfg_name_path(s, buf, sizeof buf), "sanctions.[3].coverage");
    assert_int_equal(cfg_lookup_name(root, "trade.shares.[1]", &s, &e), SANC_OK);
    assert_string_equal(cfg_name_path(s, buf, sizeof buf), "trade.shares.[1]");
    /* no name: a unique country labels the element; name comes first */
    assert_int_equal(cfg_lookup_name(root, "countries.[0].w", &s, &e), SANC_OK);
    assert_string_equal(cfg_name_path(s, buf, sizeof buf), "countries.[country=\"RUS\"].w");
    assert_int_equal(cfg_lookup_name(root, "countries.[2].w", &s, &e), SANC_OK);
    assert_string_equal(cfg_name_path(s, buf, sizeof buf), "countries.[2].w");
    assert_int_equal(cfg_lookup_name(root, "countries.[3].w", &s, &e), SANC_OK);
    assert_string_equal(cfg_name_path(s, buf, sizeof buf), "countries.[name=\"n\"].w");
    cfg_destroy(&c);
}

static void test_assignment_split(void **state)
{
    (void)state;
    const char *a = "sanctions.[name=\"a=b\"].coverage=0.5";
    const char *eq = cfg_assignment_eq(a);
    assert_non_null(eq);
    assert_string_equal(eq, "=0.5");
    a = "x.[k=\"q\\\"]=\"].y=\"v=w\"";
    eq = cfg_assignment_eq(a);
    assert_non_null(eq);
    assert_string_equal(eq, "=\"v=w\"");
    assert_string_equal(cfg_assignment_eq("scenario.name=a=b"), "=a=b");
    assert_null(cfg_assignment_eq("sanctions.[name=\"x\"]"));
}

static void test_set_by_name(void **state)
{
    (void)state;
    cfg c;
    errbuf e;
    err_init(&e);
    assert_int_equal(cfg_load_string(&c, tree, "mem.cfg", NULL, &e), SANC_OK);
    config_setting_t *root = config_root_setting(&c.lc), *s = NULL;
    assert_int_equal(cfg_apply_set(&c, "sanctions.[name=\"SWIFT cut-off\"].coverage=0.75", &e), SANC_OK);
    assert_int_equal(cfg_lookup_name(root, "sanctions.[0].coverage", &s, &e), SANC_OK);
    assert_true(config_setting_get_float(s) == 0.75);
    /* a new key in a named element */
    assert_int_equal(cfg_apply_set(&c, "sanctions.[name=\"SWIFT cut-off\"].ramp=3", &e), SANC_OK);
    assert_int_equal(cfg_lookup_name(root, "sanctions.[0].ramp", &s, &e), SANC_OK);
    assert_int_equal(config_setting_get_int(s), 3);
    /* an element of an array by index, a whole element by name */
    assert_int_equal(cfg_apply_set(&c, "trade.shares.[1]=5", &e), SANC_OK);
    assert_int_equal(cfg_lookup_name(root, "trade.shares.[1]", &s, &e), SANC_OK);
    assert_true(config_setting_get_float(s) == 5.0);
    assert_int_equal(cfg_apply_set(&c, "sanctions.[label=\"no name\"]={ label = \"x\"; coverage = 0.3; }", &e),
                     SANC_OK);
    assert_int_equal(cfg_lookup_name(root, "sanctions.[3].coverage", &s, &e), SANC_OK);
    assert_true(config_setting_get_float(s) == 0.3);
    err_init(&e);
    assert_int_equal(cfg_apply_set(&c, "trade.shares.[7]=5", &e), SANC_ECONFIG);
    assert_contains(e.msg, "index 7 out of range (trade.shares has 2 elements)");
    err_init(&e);
    assert_int_equal(cfg_apply_set(&c, "sanctions.coverage=1", &e), SANC_ECONFIG);
    assert_contains(e.msg, "sanctions is a list");
    /* errors: missing, ambiguous, syntax, all exit-2 config errors naming the override */
    err_init(&e);
    assert_int_equal(cfg_apply_set(&c, "sanctions.[name=\"nope\"].coverage=1", &e), SANC_ECONFIG);
    assert_contains(e.msg, "--set sanctions.[name=\"nope\"].coverage=1: unknown setting path");
    assert_contains(e.msg, "no element of sanctions has name = \"nope\"");
    err_init(&e);
    assert_int_equal(cfg_apply_set(&c, "sanctions.[name=\"ban\"].coverage=1", &e), SANC_ECONFIG);
    assert_contains(e.msg, "ambiguous name");
    err_init(&e);
    assert_int_equal(cfg_apply_set(&c, "sanctions.[name=\"ban\"]x=1", &e), SANC_ECONFIG);
    assert_contains(e.msg, "bad name path");
    err_init(&e);
    assert_int_equal(cfg_apply_set(&c, "sanctions.[name=\"x=y\"]", &e), SANC_ECONFIG);
    assert_contains(e.msg, "expected PATH=VALUE");
    assert_int_equal(err_exit_status(e.code), 2);
    cfg_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_assignment_split),
        cmocka_unit_test(test_set_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
