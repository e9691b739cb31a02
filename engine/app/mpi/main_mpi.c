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

#include "cli.h"
#include "err.h"
#include "fsafe.h"
#include "h5out.h"
#include "run.h"
#include "sweep.h"

enum { TAG_REQ = 1, TAG_BLOCK = 2, TAG_DONE = 3 };

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

    cli_process_init();
    /* the same option table as `sancsim` (cli.c): the same forms */
    cli_args a;
    errbuf e;
    err_init(&e);
    int prc = cli_parse(argc, argv, 1, &a, &e);
    if (prc == SANC_OK && (a.help || a.version)) {
        if (rank == 0) {
            if (a.help)
                cli_help(stdout, &a);
            else
                cli_version(stdout, "sancsim-mpi");
        }
        cli_args_free(&a);
        return mpi_finish(0);
    }
    if (prc == SANC_OK)
        prc = cli_check_command_line(argc, argv, &e);
    if (prc != SANC_OK) {
        if (rank == 0) {
            if (prc == SANC_EUSAGE)
                cli_usage_error(&a, e.msg);
            else
                fprintf(stderr, "sancsim-mpi: %s\n", e.msg);
        }
        cli_args_free(&a);
        return mpi_finish(err_exit_status(prc));
    }
    sweep_opts o;
    memset(&o, 0, sizeof o);
    o.config = a.config;
    o.output = a.output;
    o.overrides = a.overrides;
    o.noverrides = a.noverrides;
    o.seed_override = a.seed;
    o.force = a.force;
    o.quiet = a.quiet;
    o.jobs = a.jobs;
    char *cmdline = run_command_line(argc, argv);
    o.command_line = cmdline;

    if (size == 1) {
        if (!o.quiet) {
            o.prog.fn = cli_progress;
            o.prog.ctx = (void *)"sancsim-mpi";
        }
        sweep_result res;
        int rc = sweep_execute(&o, &res, &e);
        free(cmdline);
        cli_progress_end();
        cli_args_free(&a);
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
        cli_args_free(&a);
        return mpi_finish(1);
    }

    /* rank 0: validate before anyone runs; everyone learns the outcome */
    int64_t nruns = 0;
    int status = 0;
    char defout[4096];
    fsafe_lock lock; /* rank 0: one writer per output, from validation to the merge */
    lock.fd = -1;
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
            rc = fsafe_lock_output(o.output, &lock, &e);
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
        fsafe_unlock(&lock);
        cli_args_free(&a);
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
        cli_args_free(&a);
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
    sweep_merge_opts mo = {
        .output = outname, .force = o.force, .parts = parts, .nparts = nparts,
        .command_line = cmdline, .locked = 1,
    };
    int rc = parts && nparts > 0 ? sweep_merge(&mo, &missing, &mfailed, &e)
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
    fsafe_unlock(&lock);
    cli_args_free(&a);
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return mpi_finish(status);
}
