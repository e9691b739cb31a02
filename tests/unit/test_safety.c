/*
 * test_safety.c - unit tests of the file-safety layer and the shared command
 * line (issue 14): engine/base/hash.c (streaming SHA-256 equals the one-shot
 * hash at every split), engine/base/fsafe.c (outputs that are not regular
 * files or are links refused even with force; side names that fit a folder
 * entry; unique temporaries that follow no link; the output lock; inputs
 * read once with a bound) and engine/app/cli.c (one option table: every
 * form, -j validated as the last argument, options checked per command).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "cli.h"
#include "fsafe.h"
#include "hash.h"

#include "harness.h"

static void test_sha256_streaming(void **state)
{
    (void)state;
    char msg[300], one[65], part[65];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)(i * 7 + 3);
    for (size_t n = 0; n <= sizeof msg; n += 13) {
        hash_sha256_hex(msg, n, one);
        for (size_t cut = 0; cut <= n; cut += 7) {
            hash_sha256 c;
            hash_sha256_init(&c);
            hash_sha256_update(&c, msg, cut);
            hash_sha256_update(&c, msg + cut, n - cut);
            hash_sha256_final_hex(&c, part);
            assert_string_equal(one, part);
        }
    }
    hash_sha256_hex("abc", 3, one);
    assert_string_equal(one, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* The CPU's SHA instructions (where init chose them) and the portable
 * rounds agree on every length around the block boundaries, in pieces; and
 * the portable code alone gives FIPS 180-4's two-block example. */
static void test_sha256_shani_portable(void **state)
{
    (void)state;
    unsigned char msg[1000];
    char a[65], b[65];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 131 + (i >> 3) * 17 + 5);
    for (size_t n = 0; n <= sizeof msg; n += n < 200 ? 1 : 61) {
        hash_sha256 c, p;
        hash_sha256_init(&c);
        hash_sha256_init(&p);
        p.shani = 0;
        size_t cut = n / 3;
        hash_sha256_update(&c, msg, cut);
        hash_sha256_update(&c, msg + cut, n - cut);
        hash_sha256_update(&p, msg, n);
        hash_sha256_final_hex(&c, a);
        hash_sha256_final_hex(&p, b);
        assert_string_equal(a, b);
    }
    hash_sha256 p;
    hash_sha256_init(&p);
    p.shani = 0;
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hash_sha256_update(&p, m2, strlen(m2));
    hash_sha256_final_hex(&p, a);
    assert_string_equal(a, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_check_output(void **state)
{
    fixture *f = *state;
    errbuf e;
    char p[600], q[600];
    snprintf(p, sizeof p, "%s/fifo.h5", f->dir);
    assert_int_equal(mkfifo(p, 0666), 0);
    err_init(&e);
    assert_int_equal(fsafe_check_output(p, 1, &e), SANC_EUSAGE);
    assert_contains(e.msg, "not a regular file");
    err_init(&e);
    assert_int_equal(fsafe_check_output("/dev/null", 1, &e), SANC_EUSAGE);
    snprintf(q, sizeof q, "%s/link.h5", f->dir);
    assert_int_equal(symlink(write_file(f, "target.h5", "x"), q), 0);
    err_init(&e);
    assert_int_equal(fsafe_check_output(q, 1, &e), SANC_EUSAGE);
    assert_contains(e.msg, "symbolic link");
    err_init(&e);
    assert_int_equal(fsafe_check_output(f->dir, 1, &e), SANC_EUSAGE);
    const char *reg = write_file(f, "reg.h5", "x");
    err_init(&e);
    assert_int_equal(fsafe_check_output(reg, 0, &e), SANC_EEXIST);
    err_init(&e);
    assert_int_equal(fsafe_check_output(reg, 1, &e), SANC_OK);
    /* publish refuses a path that became a FIFO meanwhile */
    char *temp = NULL;
    err_init(&e);
    assert_int_equal(fsafe_temp_create(p, "tmp", &temp, &e), SANC_OK);
    err_init(&e);
    assert_int_equal(fsafe_publish(temp, p, 1, &e), SANC_EUSAGE);
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    unlink(temp);
    free(temp);
}

static void test_side_names(void **state)
{
    (void)state;
    char a[5000], b[5000], name[400];
    assert_int_equal(fsafe_side_name("out/x.h5", "journal", a, sizeof a), 0);
    assert_string_equal(a, "out/.x.h5.journal");
    /* a 250-byte name: the side name still fits one folder entry, is
     * stable, and differs from another long name's */
    memset(name, 'a', 250);
    strcpy(name + 250, ".h5");
    assert_int_equal(fsafe_side_name(name, "journal", a, sizeof a), 0);
    assert_true(strlen(a) <= 255);
    assert_int_equal(fsafe_side_name(name, "journal", b, sizeof b), 0);
    assert_string_equal(a, b);
    name[0] = 'b';
    assert_int_equal(fsafe_side_name(name, "journal", b, sizeof b), 0);
    assert_string_not_equal(a, b);
}

static void test_temp_unique_and_stale(void **state)
{
    fixture *f = *state;
    char out[600];
    snprintf(out, sizeof out, "%s/o.h5", f->dir);
    char victim[600];
    snprintf(victim, sizeof victim, "%s", write_file(f, "victim", "precious"));
    char *temps[20];
    errbuf e;
    for (int i = 0; i < 20; i++) {
        err_init(&e);
        assert_int_equal(fsafe_temp_create(out, "tmp", &temps[i], &e), SANC_OK);
        for (int k = 0; k < i; k++)
            assert_string_not_equal(temps[i], temps[k]);
        struct stat st;
        assert_int_equal(lstat(temps[i], &st), 0);
        assert_true(S_ISREG(st.st_mode));
    }
    /* what a killed writer left: removed, and nothing else */
    const char *keep1 = write_file(f, ".o.h5.tmp.NOTOUR", "x");
    const char *keep2 = write_file(f, ".o.h5.tmpXabcdef", "x");
    char keep1s[600], keep2s[600];
    snprintf(keep1s, sizeof keep1s, "%s", keep1);
    snprintf(keep2s, sizeof keep2s, "%s", keep2);
    assert_int_equal(fsafe_remove_stale(out, "tmp"), 20);
    for (int i = 0; i < 20; i++) {
        assert_true(access(temps[i], F_OK) != 0);
        free(temps[i]);
    }
    assert_true(access(keep1s, F_OK) == 0 && access(keep2s, F_OK) == 0);
    FILE *fp = fopen(victim, "rb");
    char buf[32] = {0};
    assert_non_null(fp);
    assert_true(fread(buf, 1, sizeof buf - 1, fp) == 8);
    fclose(fp);
    assert_string_equal(buf, "precious");
}

static void test_lock(void **state)
{
    fixture *f = *state;
    char out[600];
    snprintf(out, sizeof out, "%s/o.h5", f->dir);
    fsafe_lock a, b;
    errbuf e;
    err_init(&e);
    assert_int_equal(fsafe_lock_output(out, &a, &e), SANC_OK);
    /* a second open file description: the same as another process */
    err_init(&e);
    assert_int_equal(fsafe_lock_output(out, &b, &e), SANC_EEXIST);
    assert_contains(e.msg, "another sancsim");
    fsafe_unlock(&a);
    assert_true(access(a.path, F_OK) != 0);
    err_init(&e);
    assert_int_equal(fsafe_lock_output(out, &b, &e), SANC_OK);
    fsafe_unlock(&b);
    /* a link at the lock's name is refused */
    char lk[700];
    snprintf(lk, sizeof lk, "%s/.o.h5.lock", f->dir);
    assert_int_equal(symlink(write_file(f, "v", "x"), lk), 0);
    err_init(&e);
    assert_int_equal(fsafe_lock_output(out, &a, &e), SANC_EUSAGE);
}

static void test_read_input(void **state)
{
    fixture *f = *state;
    char *buf = NULL;
    size_t len = 0;
    errbuf e;
    err_init(&e);
    assert_int_equal(fsafe_read_input(write_file(f, "in.txt", "hello"), 100, SANC_EDATA, &buf, &len, &e), SANC_OK);
    assert_int_equal(len, 5);
    assert_string_equal(buf, "hello");
    free(buf);
    err_init(&e);
    assert_int_equal(fsafe_read_input(f->path, 4, SANC_EDATA, &buf, &len, &e), SANC_ELIMIT);
    err_init(&e);
    assert_int_equal(fsafe_read_input("/dev/zero", 1 << 20, SANC_EDATA, &buf, &len, &e), SANC_EDATA);
    assert_contains(e.msg, "device");
    err_init(&e);
    assert_int_equal(fsafe_read_input(f->dir, 1 << 20, SANC_ECONFIG, &buf, &len, &e), SANC_ECONFIG);
    assert_contains(e.msg, "folder");
}

static int parse(cli_args *a, errbuf *e, int mpi, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, mpi);
    argv[argc++] = (char *)(mpi ? "sancsim-mpi" : "sancsim");
    for (char *s; (s = va_arg(ap, char *)) != NULL;)
        argv[argc++] = s;
    va_end(ap);
    argv[argc] = NULL;
    err_init(e);
    return cli_parse(argc, argv, mpi, a, e);
}

static void test_cli(void **state)
{
    (void)state;
    cli_args a;
    errbuf e;
    /* every form, in both programs */
    for (int mpi = 0; mpi < 2; mpi++) {
        assert_int_equal(parse(&a, &e, mpi, "sweep", "x.cfg", "--set=trade.sigma=6", "--set", "a=1", "-j3",
                               "--seed=7", "--output=o.h5", "-q", "-f", NULL),
                         SANC_OK);
        assert_int_equal(a.cmd, CLI_SWEEP);
        assert_string_equal(a.config, "x.cfg");
        assert_int_equal(a.noverrides, 2);
        assert_string_equal(a.overrides[0], "trade.sigma=6");
        assert_int_equal(a.jobs, 3);
        assert_int_equal(a.seed, 7);
        assert_string_equal(a.output, "o.h5");
        assert_true(a.quiet && a.force);
        cli_args_free(&a);
        assert_int_equal(parse(&a, &e, mpi, "sweep", "x.cfg", "--jobs", "2", "-o", "p.h5", NULL), SANC_OK);
        assert_int_equal(a.jobs, 2);
        cli_args_free(&a);
    }
    /* -j last: needs a value (it read past argv) */
    assert_int_equal(parse(&a, &e, 0, "sweep", "x.cfg", "-j", NULL), SANC_EUSAGE);
    assert_contains(e.msg, "needs a value");
    cli_args_free(&a);
    assert_int_equal(parse(&a, &e, 0, "sweep", "x.cfg", "-j", "0", NULL), SANC_EUSAGE);
    cli_args_free(&a);
    assert_int_equal(parse(&a, &e, 0, "sweep", "x.cfg", "-jx", NULL), SANC_EUSAGE);
    cli_args_free(&a);
    /* options per command */
    assert_int_equal(parse(&a, &e, 0, "run", "x.cfg", "--resume", NULL), SANC_EUSAGE);
    assert_contains(e.msg, "not an option of run");
    cli_args_free(&a);
    assert_int_equal(parse(&a, &e, 1, "sweep", "x.cfg", "--resume", NULL), SANC_EUSAGE);
    cli_args_free(&a);
    assert_int_equal(parse(&a, &e, 0, "merge", "-o", "m.h5", "a.h5", "b.h5", NULL), SANC_OK);
    assert_int_equal(a.nparts, 2);
    cli_args_free(&a);
    assert_int_equal(parse(&a, &e, 0, "help", "sweep", NULL), SANC_OK);
    assert_true(a.help);
    assert_int_equal(a.cmd, CLI_SWEEP);
    cli_args_free(&a);
    assert_int_equal(parse(&a, &e, 0, "--shard", "3/2", "sweep", "x.cfg", NULL), SANC_EUSAGE);
    cli_args_free(&a);
    assert_int_equal(parse(&a, &e, 0, "run", "--", "-odd.cfg", NULL), SANC_OK);
    assert_string_equal(a.config, "-odd.cfg");
    cli_args_free(&a);
}

int main(void)
{
    /* as main does once (cli_process_init) */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_streaming),
        cmocka_unit_test(test_sha256_shani_portable),
        cmocka_unit_test_setup_teardown(test_check_output, setup, teardown),
        cmocka_unit_test(test_side_names),
        cmocka_unit_test_setup_teardown(test_temp_unique_and_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_input, setup, teardown),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
