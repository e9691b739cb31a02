/*
 * main_mpi.c - sancsim-mpi: a sweep across MPI ranks (DESIGN section 6).
 *
 *   mpirun -np N sancsim-mpi sweep CONFIG [-o FILE] [-j N] [--set P=V]... [--seed N] [-f] [-q]
 *
 * Rank 0 validates the sweep (exit 2 before any run, as `sancsim sweep`),
 * then only hands out blocks of consecutive run indices on request; ranks
 * 1..N-1 run the ordinary sweep engine with that block source, each into
 * its own part file (".FILE.partR"), and report when they run dry.  Rank 0
 * then merges the parts into FILE exactly as `sancsim merge` does and
 * removes them.  A run's data do not depend on which rank ran it, so the
 * file is bit-identical to `sancsim sweep` with any -j.  With one rank the
 * sweep runs locally.  Built only with -DSANCSIM_MPI=ON, against Debian's
 * openmpi HDF5 flavour (never both flavours in one binary); no --resume
 * here: a killed MPI sweep is rerun, or run as shards (docs/slurm.md).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "err.h"
#include "h5out.h"
#include "run.h"
#include "sweep.h"

#define MPI_MAX_OVERRIDES 256
enum { TAG_REQ = 1, TAG_BLOCK = 2, TAG_DONE = 3 };

static const char mpi_usage[] =
    "usage: mpirun -np N sancsim-mpi sweep CONFIG [-o FILE] [-j N] [--set PATH=VALUE]... [--seed N] [-f] [-q]\n"
    "Rank 0 hands out blocks of runs, the other ranks run them (-j threads each,\n"
    "default 1) into part files, and rank 0 merges them into FILE.\n";

typedef struct mpi_src {
    int dummy;
} mpi_src;

/* Block source of a worker rank: ask rank 0. */
static int mpi_next_block(void *ctx, int64_t *first, int64_t *count, errbuf *e)
{
    (void)ctx;
    long long req = 0, blk[2] = {0, 0};
    if (MPI_Send(&req, 1, MPI_LONG_LONG, 0, TAG_REQ, MPI_COMM_WORLD) != MPI_SUCCESS ||
        MPI_Recv(blk, 2, MPI_LONG_LONG, 0, TAG_BLOCK, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return err_set(e, SANC_EIO, "MPI: cannot reach rank 0");
    *first = blk[0];
    *count = blk[1];
    return SANC_OK;
}

static void mpi_part_name(const char *out, int rank, char *buf, size_t n)
{
    const char *slash = strrchr(out, '/');
    const char *base = slash ? slash + 1 : out;
    snprintf(buf, n, "%.*s.%s.part%d", (int)(base - out), out, base, rank);
}

static int mpi_finish(int status)
{
    MPI_Finalize();
    return status;
}

int main(int argc, char **argv)
{
    int provided = 0, rank = 0, size = 1;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "sancsim-mpi: MPI_Init failed\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    sweep_opts o;
    memset(&o, 0, sizeof o);
    o.seed_override = -1;
    o.jobs = 1;
    char *overrides[MPI_MAX_OVERRIDES];
    int nov = 0, have_cmd = 0, bad = 0;
    const char *badmsg = NULL;
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            if (rank == 0)
                fputs(mpi_usage, stdout);
            return mpi_finish(0);
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (++i >= argc)
                bad = 1, badmsg = "-o needs a file name";
            else
                o.output = argv[i];
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
            char *end;
            long v = ++i < argc ? strtol(argv[i], &end, 10) : 0;
            if (i >= argc || *end || v < 1 || v > 4096)
                bad = 1, badmsg = "-j: expected a number of workers 1..4096";
            else
                o.jobs = (int)v;
        } else if (strcmp(a, "--set") == 0) {
            if (++i >= argc || strchr(argv[i], '=') == NULL || nov == MPI_MAX_OVERRIDES)
                bad = 1, badmsg = "--set needs PATH=VALUE";
            else
                overrides[nov++] = argv[i];
        } else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            long long v = ++i < argc ? strtoll(argv[i], &end, 10) : -1;
            if (i >= argc || errno || *end || v < 0)
                bad = 1, badmsg = "--seed: expected an integer 0 <= N < 2^63";
            else
                o.seed_override = v;
        } else if (strcmp(a, "-f") == 0 || strcmp(a, "--force") == 0) {
            o.force = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--resume") == 0 || strcmp(a, "--shard") == 0) {
            bad = 1, badmsg = "--resume and --shard are options of `sancsim sweep`, not of sancsim-mpi";
        } else if (a[0] == '-') {
            bad = 1, badmsg = "unknown option";
        } else if (!have_cmd) {
            have_cmd = 1;
            if (strcmp(a, "sweep") != 0)
                bad = 1, badmsg = "the only command is sweep";
        } else if (o.config == NULL) {
            o.config = a;
        } else {
            bad = 1, badmsg = "unexpected argument";
        }
    }
    if (!bad && o.config == NULL)
        bad = 1, badmsg = "usage: sancsim-mpi sweep CONFIG [options]";
    if (bad) {
        if (rank == 0)
            fprintf(stderr, "sancsim-mpi: %s\nTry 'sancsim-mpi --help'.\n", badmsg);
        return mpi_finish(2);
    }
    o.overrides = overrides;
    o.noverrides = nov;
    char *cmdline = run_command_line(argc, argv);
    o.command_line = cmdline;
    errbuf e;
    err_init(&e);

    if (size == 1) {
        sweep_result res;
        int rc = sweep_execute(&o, &res, &e);
        free(cmdline);
        if (rc != SANC_OK) {
            fprintf(stderr, "sancsim-mpi: %s\n", e.msg);
            return mpi_finish(err_exit_status(rc));
        }
        if (!o.quiet || res.failed)
            fprintf(stderr, "sancsim-mpi: wrote %s: %lld runs, %lld failed\n", res.output, (long long)res.nruns,
                    (long long)res.failed);
        return mpi_finish(res.failed ? 1 : 0);
    }
    if (provided < MPI_THREAD_SERIALIZED) {
        if (rank == 0)
            fprintf(stderr, "sancsim-mpi: this MPI library does not support MPI_THREAD_SERIALIZED\n");
        free(cmdline);
        return mpi_finish(1);
    }

    /* rank 0: validate before anyone runs; everyone learns the outcome */
    int64_t nruns = 0;
    int status = 0;
    char defout[4096];
    if (rank == 0) {
        int rc = sweep_manifest_size(&o, &nruns, &e);
        if (rc == SANC_OK && o.output == NULL) {
            /* the same default as `sancsim sweep`: results/<stem>_sweep.h5 */
            const char *b = strrchr(o.config, '/');
            b = b ? b + 1 : o.config;
            char stem[512];
            snprintf(stem, sizeof stem, "%s", b);
            char *dot = strrchr(stem, '.');
            if (dot && dot != stem)
                *dot = '\0';
            snprintf(defout, sizeof defout, "results/%s_sweep.h5", stem);
            o.output = defout;
        }
        if (rc == SANC_OK)
            rc = h5out_check_target(o.output, o.force, &e);
        if (rc != SANC_OK) {
            fprintf(stderr, "sancsim-mpi: %s\n", e.msg);
            status = err_exit_status(rc);
        }
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (status != 0) {
        free(cmdline);
        return mpi_finish(status);
    }
    char outname[4096];
    if (rank == 0)
        snprintf(outname, sizeof outname, "%s", o.output);
    MPI_Bcast(outname, sizeof outname, MPI_CHAR, 0, MPI_COMM_WORLD);
    o.output = outname;

    if (rank != 0) {
        char part[4200];
        mpi_part_name(outname, rank, part, sizeof part);
        sweep_opts w = o;
        w.output = part;
        w.force = 1;
        w.quiet = 1;
        w.part = 1;
        w.shard_k = rank;
        w.shard_n = size - 1;
        w.next_block = mpi_next_block;
        sweep_result res;
        memset(&res, 0, sizeof res);
        int rc = sweep_execute(&w, &res, &e);
        if (rc != SANC_OK)
            fprintf(stderr, "sancsim-mpi: rank %d: %s\n", rank, e.msg);
        long long done[4] = {rc, res.done, res.failed, res.computed};
        MPI_Send(done, 4, MPI_LONG_LONG, 0, TAG_DONE, MPI_COMM_WORLD);
        MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
        free(cmdline);
        return mpi_finish(status);
    }

    /* rank 0: hand out blocks until every worker has reported */
    int64_t next = 0, block = nruns / ((int64_t)(size - 1) * 16);
    if (block < 1)
        block = 1;
    if (block > 1000)
        block = 1000;
    int remaining = size - 1, worker_error = 0;
    int *ok = calloc((size_t)size, sizeof *ok);
    long long failed = 0;
    while (remaining > 0) {
        long long msg[4];
        MPI_Status st;
        MPI_Recv(msg, 4, MPI_LONG_LONG, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == TAG_REQ) {
            long long blk[2] = {next, next < nruns ? (nruns - next < block ? nruns - next : block) : 0};
            next += blk[1];
            MPI_Send(blk, 2, MPI_LONG_LONG, st.MPI_SOURCE, TAG_BLOCK, MPI_COMM_WORLD);
        } else if (st.MPI_TAG == TAG_DONE) {
            remaining--;
            if (msg[0] != SANC_OK)
                worker_error = 1;
            else if (ok)
                ok[st.MPI_SOURCE] = 1;
            failed += msg[2];
        }
    }
    char **parts = calloc((size_t)size, sizeof *parts);
    int nparts = 0;
    for (int r = 1; r < size && parts && ok; r++) {
        if (!ok[r])
            continue;
        parts[nparts] = malloc(4200);
        if (parts[nparts] == NULL)
            break;
        mpi_part_name(outname, r, parts[nparts], 4200);
        nparts++;
    }
    int64_t missing = 0, mfailed = 0;
    int rc = parts && nparts > 0 ? sweep_merge(outname, o.force, parts, nparts, cmdline, &missing, &mfailed, &e)
                                 : err_set(&e, SANC_EIO, "no rank finished its part");
    if (rc != SANC_OK) {
        fprintf(stderr, "sancsim-mpi: %s\n", e.msg);
        status = err_exit_status(rc) ? err_exit_status(rc) : 1;
    } else {
        for (int i = 0; i < nparts; i++)
            unlink(parts[i]);
        if (missing || worker_error) {
            fprintf(stderr, "sancsim-mpi: wrote %s, incomplete: %lld runs pending (a rank failed)\n", outname,
                    (long long)missing);
            status = 1;
        } else {
            if (!o.quiet || mfailed)
                fprintf(stderr, "sancsim-mpi: wrote %s: %lld runs on %d ranks, %lld failed\n", outname,
                        (long long)nruns, size - 1, (long long)mfailed);
            status = mfailed ? 1 : 0;
        }
    }
    (void)failed;
    if (parts)
        for (int i = 0; i < nparts; i++)
            free(parts[i]);
    free(parts);
    free(ok);
    free(cmdline);
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return mpi_finish(status);
}
