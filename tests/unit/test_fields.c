/*
 * test_fields.c - the field registry (models/api/model.h): the shipped
 * pipeline passes model_check_fields, and each kind of misdeclared
 * pipeline is refused with a message naming the module and field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "harness.h"
#include "model.h"

#define F(x) FIELD_BIT(FIELD_##x)

static void test_shipped(void **state)
{
    (void)state;
    errbuf e;
    err_init(&e);
    assert_int_equal(model_check_fields(model_registry, &e), SANC_OK);
}

static void test_order(void **state)
{
    (void)state;
    /* payments before sanctions: it would read the measures of t-1 */
    const model_entry bad[] = {
        {"payments", NULL, NULL, 0, F(PAYMENTS), F(SANCTIONS), 0},
        {"sanctions", NULL, NULL, 0, F(SANCTIONS), 0, 0},
        {NULL, NULL, NULL, 0, 0, 0, 0},
    };
    errbuf e;
    err_init(&e);
    assert_int_equal(model_check_fields(bad, &e), SANC_EINTERNAL);
    assert_contains(e.msg, "payments reads this period's sanctions");
    assert_contains(e.msg, "publisher sanctions steps later");
    /* the same modules in the right order pass */
    const model_entry good[] = {bad[1], bad[0], bad[2]};
    err_init(&e);
    assert_int_equal(model_check_fields(good, &e), SANC_OK);
}

static void test_prev_any_order(void **state)
{
    (void)state;
    /* reading last period's equilibrium before its publisher is fine */
    const model_entry ok[] = {
        {"sanctions", NULL, NULL, 0, F(SANCTIONS), 0, F(EQUILIBRIUM)},
        {"gravity", NULL, NULL, 0, F(EQUILIBRIUM), 0, F(EQUILIBRIUM)},
        {NULL, NULL, NULL, 0, 0, 0, 0},
    };
    errbuf e;
    err_init(&e);
    assert_int_equal(model_check_fields(ok, &e), SANC_OK);
    /* ... but not a field nobody publishes */
    const model_entry orphan[] = {
        {"metrics", NULL, NULL, 0, F(METRICS), 0, F(ROUTES)},
        {NULL, NULL, NULL, 0, 0, 0, 0},
    };
    err_init(&e);
    assert_int_equal(model_check_fields(orphan, &e), SANC_EINTERNAL);
    assert_contains(e.msg, "last period's routes, which no module publishes");
}

static void test_two_publishers(void **state)
{
    (void)state;
    const model_entry dup[] = {
        {"policy", NULL, NULL, 0, F(SHOCKS), 0, 0},
        {"events2", NULL, NULL, 0, F(SHOCKS) | F(TRANSFERS), 0, 0},
        {NULL, NULL, NULL, 0, 0, 0, 0},
    };
    errbuf e;
    err_init(&e);
    assert_int_equal(model_check_fields(dup, &e), SANC_EINTERNAL);
    assert_contains(e.msg, "events2 publishes shocks");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_prev_any_order),
        cmocka_unit_test(test_two_publishers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
