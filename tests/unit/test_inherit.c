/*
 * test_inherit.c - unit tests of engine/io/cfginherit.c, the merge rules of
 * scenario inheritance (DESIGN section 10): groups merge key by key at any
 * depth, lists, arrays and scalars are replaced whole in place (a new key
 * goes to the end), append (lists, arrays, nested groups, a missing key;
 * type errors), remove by name and by index, set with the FILE:LINE of its
 * entry, the order base < blocks < append < remove < set, file names and
 * lines kept through the merge and through cfg_copy, cycles, and the
 * rebasing of a base's relative paths (idempotent).
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

/* Load `child` (text) as dir/child.cfg next to the files already written. */
static int load_child(fixture *f, cfg *c, const char *text, errbuf *e)
{
    err_init(e);
    const char *p = write_file(f, "child.cfg", text);
    char path[600];
    snprintf(path, sizeof path, "%s", p);
    return cfg_load(c, path, e);
}

static config_setting_t *at(cfg *c, const char *path)
{
    config_setting_t *s = NULL;
    errbuf e;
    err_init(&e);
    if (cfg_lookup_name(config_root_setting(&c->lc), path, &s, &e) != SANC_OK)
        return NULL;
    return s;
}

static const char *base_text =
    "a = { b = { c = 1; d = 2; }; list = ( { name = \"x\"; v = 1; }, { name = \"y\"; v = 2; } ); };\n"
    "arr = [1, 2, 3];\n"
    "s = \"base\";\n"
    "grp = { k = 1; };\n"
    "items = ( { name = \"p\"; }, { name = \"q\"; } );\n"
    "data = { trade = \"t.csv\"; abs = \"/abs/t.csv\"; units = \"USD\"; };\n"
    "ev = ( { name = \"e\"; lvl = { file = \"l.csv\"; }; }, { name = \"f\"; lvl = 0.1; } );\n";

static void test_merge_rules(void **state)
{
    fixture *f = *state;
    write_file(f, "sub/base.cfg", base_text);
    cfg c;
    errbuf e;
    int rc = load_child(f, &c,
                        "base = \"sub/base.cfg\";\n"
                        "a = { b = { d = 3; e = 4; }; list = ( { name = \"z\"; v = 9; } ); };\n"
                        "arr = [7];\n"
                        "s = { now = \"a group\"; };\n"
                        "new = 5;\n",
                        &e);
    assert_int_equal(rc, SANC_OK);
    /* groups merge key by key, at depth */
    assert_int_equal(config_setting_get_int(at(&c, "a.b.c")), 1);
    assert_int_equal(config_setting_get_int(at(&c, "a.b.d")), 3);
    assert_int_equal(config_setting_get_int(at(&c, "a.b.e")), 4);
    /* lists and arrays replaced whole */
    assert_int_equal(config_setting_length(at(&c, "a.list")), 1);
    assert_string_equal(config_setting_get_string(at(&c, "a.list.[0].name")), "z");
    assert_int_equal(config_setting_length(at(&c, "arr")), 1);
    assert_int_equal(config_setting_get_int_elem(at(&c, "arr"), 0), 7);
    /* a different type replaces too, in place; a new key goes last */
    assert_int_equal(config_setting_type(at(&c, "s")), CONFIG_TYPE_GROUP);
    char *text = cfg_to_string(&c, &e);
    assert_non_null(text);
    const char *pa = strstr(text, "a = "), *parr = strstr(text, "arr = "), *ps = strstr(text, "s = {"),
               *pg = strstr(text, "grp = "), *pn = strstr(text, "new = ");
    assert_true(pa && parr && ps && pg && pn);
    assert_true(pa < parr && parr < ps && ps < pg && pg < pn);
    assert_null(strstr(text, "base ="));
    free(text);
    /* file and line of each setting: the base's, or this file's */
    err_init(&e);
    cfg_fail(at(&c, "a.b.c"), &e, "x");
    assert_contains(e.msg, "sub/base.cfg:1: a.b.c: x");
    err_init(&e);
    cfg_fail(at(&c, "a.b.d"), &e, "x");
    assert_contains(e.msg, "child.cfg:2: a.b.d: x");
    err_init(&e);
    cfg_fail(at(&c, "grp.k"), &e, "x");
    assert_contains(e.msg, "sub/base.cfg:4: grp.k: x");
    /* a copy keeps them, also once the original is gone */
    cfg d;
    assert_int_equal(cfg_copy(&d, &c, &e), SANC_OK);
    cfg_destroy(&c);
    err_init(&e);
    cfg_fail(at(&d, "grp.k"), &e, "y");
    assert_contains(e.msg, "sub/base.cfg:4: grp.k: y");
    cfg_destroy(&d);
}

static void test_directives_order(void **state)
{
    fixture *f = *state;
    write_file(f, "base.cfg", base_text);
    cfg c;
    errbuf e;
    /* append before remove before set: append r, remove r and p, set on the appended s */
    int rc = load_child(f, &c,
                        "base = \"base.cfg\";\n"
                        "set = [\"items.[name=\\\"s\\\"].w=2\", \"grp.k=9\"];\n"
                        "remove = [\"items.[name=\\\"r\\\"]\", \"items.[0]\", \"data.units\"];\n"
                        "append = { items = ( { name = \"r\"; }, { name = \"s\"; } );\n"
                        "           arr = [4];\n"
                        "           a = { list = ( { name = \"w\"; } ); };\n"
                        "           fresh = ( 1, 2 ); };\n",
                        &e);
    assert_int_equal(rc, SANC_OK);
    config_setting_t *items = at(&c, "items");
    assert_int_equal(config_setting_length(items), 2);
    assert_string_equal(config_setting_get_string(at(&c, "items.[0].name")), "q");
    assert_string_equal(config_setting_get_string(at(&c, "items.[1].name")), "s");
    assert_int_equal(config_setting_get_int(at(&c, "items.[name=\"s\"].w")), 2);
    assert_int_equal(config_setting_get_int(at(&c, "grp.k")), 9);
    assert_int_equal(config_setting_length(at(&c, "arr")), 4);
    assert_int_equal(config_setting_length(at(&c, "a.list")), 3);
    assert_int_equal(config_setting_length(at(&c, "fresh")), 2);
    assert_null(at(&c, "data.units"));
    assert_null(at(&c, "set"));
    assert_null(at(&c, "append"));
    assert_null(at(&c, "remove"));
    /* a value from set names the set entry */
    err_init(&e);
    cfg_fail(at(&c, "grp.k"), &e, "bad");
    assert_contains(e.msg, "child.cfg:2: grp.k: bad");
    cfg_destroy(&c);

    /* errors of the directives, with FILE:LINE */
    assert_int_equal(load_child(f, &c, "base = \"base.cfg\";\n\nremove = [\"items.[name=\\\"nope\\\"]\"];\n", &e),
                     SANC_ECONFIG);
    assert_contains(e.msg, "child.cfg:3: ");
    assert_contains(e.msg, "no element of items has name = \"nope\"");
    assert_int_equal(load_child(f, &c, "base = \"base.cfg\";\nappend = { s = 3; };\n", &e), SANC_ECONFIG);
    assert_contains(e.msg, "child.cfg:2: append.s: append takes lists");
    assert_int_equal(load_child(f, &c, "base = \"base.cfg\";\nappend = { arr = [\"x\"]; };\n", &e), SANC_ECONFIG);
    assert_contains(e.msg, "element type does not match");
    assert_int_equal(load_child(f, &c, "base = \"base.cfg\";\nappend = { grp = ( 1 ); };\n", &e), SANC_ECONFIG);
    assert_contains(e.msg, "not a list or an array");
    assert_int_equal(load_child(f, &c, "base = \"base.cfg\";\nset = [\"grp.k\"];\n", &e), SANC_ECONFIG);
    assert_contains(e.msg, "child.cfg:2: set grp.k: expected PATH=VALUE");
    assert_int_equal(load_child(f, &c, "set = 5;\n", &e), SANC_ECONFIG);
    assert_contains(e.msg, "expected a string or an array of strings");
    assert_int_equal(load_child(f, &c, "base = [\"base.cfg\"];\n", &e), SANC_ECONFIG);
    assert_contains(e.msg, "child.cfg:1: base: expected the base scenario's file name");
    /* directives work without a base too; set comes after remove */
    assert_int_equal(load_child(f, &c, "x = { y = 1; };\nset = [\"x.y=2\"];\nremove = \"x.y\";\n", &e), SANC_OK);
    assert_int_equal(config_setting_get_int(at(&c, "x.y")), 2);
    cfg_destroy(&c);
}

static void test_cycles_and_chains(void **state)
{
    fixture *f = *state;
    cfg c;
    errbuf e;
    write_file(f, "a.cfg", "base = \"b/b.cfg\";\n");
    write_file(f, "b/b.cfg", "\nbase = \"../a.cfg\";\n");
    err_init(&e);
    char p[600];
    snprintf(p, sizeof p, "%s/a.cfg", f->dir);
    assert_int_equal(cfg_load(&c, p, &e), SANC_ECONFIG);
    assert_contains(e.msg, "b/b.cfg:2: base: base \"../a.cfg\": cycle of bases: ");
    assert_contains(e.msg, "a.cfg -> ");
    /* a chain of three: each level's blocks over the one below */
    write_file(f, "c1.cfg", "v = { a = 1; b = 1; c = 1; };\n");
    write_file(f, "c2.cfg", "base = \"c1.cfg\";\nv = { b = 2; c = 2; };\n");
    assert_int_equal(load_child(f, &c, "base = \"c2.cfg\";\nv = { c = 3; };\n", &e), SANC_OK);
    assert_int_equal(config_setting_get_int(at(&c, "v.a")), 1);
    assert_int_equal(config_setting_get_int(at(&c, "v.b")), 2);
    assert_int_equal(config_setting_get_int(at(&c, "v.c")), 3);
    cfg_destroy(&c);
    assert_int_equal(load_child(f, &c, "base = \"none.cfg\";\n", &e), SANC_ECONFIG);
    assert_contains(e.msg, "child.cfg:1: base: base \"none.cfg\": cannot read");
}

static void test_rebase_paths(void **state)
{
    fixture *f = *state;
    write_file(f, "b/base.cfg", base_text);
    write_file(f, "m/mid.cfg", "base = \"../b/base.cfg\";\n");
    cfg c;
    errbuf e;
    assert_int_equal(load_child(f, &c, "base = \"m/mid.cfg\";\nextra = { trade = \"mine.csv\"; };\n", &e),
                     SANC_OK);
    static const char *const pats[] = {"data.trade", "data.abs", "extra.trade", "data.*.file", "ev.*.lvl.file",
                                       NULL};
    assert_int_equal(cfg_rebase_paths(&c, pats, &e), SANC_OK);
    assert_string_equal(config_setting_get_string(at(&c, "data.trade")), "m/../b/t.csv");
    /* "*" walks list elements too (a cell-table file on an event) */
    assert_string_equal(config_setting_get_string(at(&c, "ev.[0].lvl.file")), "m/../b/l.csv");
    assert_string_equal(config_setting_get_string(at(&c, "data.abs")), "/abs/t.csv");
    assert_string_equal(config_setting_get_string(at(&c, "data.units")), "USD"); /* not a path */
    assert_string_equal(config_setting_get_string(at(&c, "extra.trade")), "mine.csv");
    assert_int_equal(cfg_rebase_paths(&c, pats, &e), SANC_OK); /* idempotent */
    assert_string_equal(config_setting_get_string(at(&c, "data.trade")), "m/../b/t.csv");
    /* the setting still names the base's file and line */
    err_init(&e);
    cfg_fail(at(&c, "data.trade"), &e, "x");
    assert_contains(e.msg, "/b/base.cfg:6: data.trade: x");
    cfg_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directives_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cycles_and_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebase_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
