/* gnlab_mpi.c: the MPI front end of sharded campaigns (issue 9), built by `make mpi` into
 * build/gnlab-mpi when mpicc is found.
 *
 *   mpirun -n P build/gnlab-mpi validate|prove [OPTIONS] [--blocks U] [--json]
 *          [--checkpoint DIR]
 *
 * Every rank, rank 0 included, takes the next block from a shared counter (an MPI one-sided
 * MPI_Fetch_and_op on a window at rank 0: a work queue with no dispatcher, so a rank that
 * drew slow instances simply takes fewer blocks and no rank waits for another), runs it
 * in-process as `gnlab validate|prove OPTIONS --blocks U --ranges b`, and keeps the block's
 * shard text. At the end the texts are gathered on rank 0 and merged exactly into the report
 * a single run prints, by the layer the shard header names (cli_merge_texts: validate's
 * val_merge_text or proofs' pf_prove_merge_text).
 *
 * --checkpoint DIR: each rank also appends every finished block to DIR/rank-R.jsonl
 * (flushed), so that when a rank dies (and mpirun takes the job down) `gnlab merge
 * DIR/rank-*.jsonl` reports the campaign INCOMPLETE with the missing blocks, and `gnlab
 * validate|prove OPTIONS --ranges LIST --out F` reruns exactly those.
 * GN_MPI_FAULT=R:K (testing) makes rank R exit abruptly after K blocks.
 *
 *   mpirun -n P build/gnlab-mpi sweep [NOTEBOOK FLAGS] [--blocks U] [--out DIR]
 *
 * runs notebook 3's learning-rate selection and seed runs (`gnlab notebook supervised`'s
 * sharded sweep) in two rounds over the same counter: the grid runs, an all-gather of their
 * records (every rank needs the selection), the final runs; rank 0 then renders the page
 * into DIR from all the records: the page one process writes. */
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "gn_io_merge.h"
#include "gn_io_shard.h"
#include "pf_claims.h"
#include "val_merge.h"

int cli_cmd_validate(int argc, char **argv);
int cli_cmd_prove(int argc, char **argv);
int cli_cmd_notebook(int argc, char **argv);

static int usage(int rank, const char *why)
{
    if (rank == 0) {
        if (why)
            fprintf(stderr, "gnlab-mpi: %s\n", why);
        fprintf(why ? stderr : stdout,
                "Usage: mpirun -n P gnlab-mpi validate|prove [OPTIONS] [--blocks U] [--json]\n"
                "                 [--checkpoint DIR]\n"
                "  or:  mpirun -n P gnlab-mpi sweep [NOTEBOOK FLAGS] [--blocks U] [--out DIR]\n"
                "OPTIONS are those of gnlab validate / gnlab prove (not --shard, --ranges,\n"
                "--out); blocks (default %u) are handed out dynamically to every rank and the\n"
                "results merged exactly on rank 0 (the report a single run prints).\n",
                GN_IO_SHARD_BLOCKS);
    }
    return why ? GN_EXIT_USAGE : GN_EXIT_PASS;
}

/* the whole of the file at path appended to *buf (gn_io_append_stream); 0 or -1 */
static int slurp(char **buf, size_t *len, size_t *cap, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int rc = gn_io_append_stream(buf, len, cap, f);
    fclose(f);
    return rc;
}

/* the next block from the shared counter, or nblocks when none is left */
static uint64_t take_block(MPI_Win win)
{
    const uint64_t one = 1;
    uint64_t b;
    MPI_Fetch_and_op(&one, &b, MPI_UINT64_T, 0, 0, MPI_SUM, win);
    MPI_Win_flush(0, win);
    return b;
}

static void reset_counter(MPI_Win win, uint64_t *counter, int rank)
{
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        *counter = 0;
        MPI_Win_unlock(0, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

/* the shared counter: one uint64 in a window on rank 0, set to 0 on every rank's return */
static MPI_Win new_counter(uint64_t **counter, int rank)
{
    MPI_Win win;
    MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(uint64_t) : 0, sizeof(uint64_t), MPI_INFO_NULL,
                     MPI_COMM_WORLD, counter, &win);
    reset_counter(win, *counter, rank);
    return win;
}

/* one round of sweep blocks: every block the counter hands this rank, run as
 * `gnlab notebook supervised ... --sweep-ranges b --sweep-out TMP` with its page output
 * (into a scratch directory) and status table silenced; the records appended to *text */
static void sweep_round(MPI_Win win, int rank, uint64_t nblocks, int ns, char **sub, char *bb,
                        const char *tmpname, char **text, size_t *len, size_t *cap)
{
    MPI_Win_lock_all(0, win);
    for (uint64_t b; (b = take_block(win)) < nblocks;) {
        snprintf(bb, 32, "%llu", (unsigned long long)b);
        fflush(stdout);
        int keep = dup(1), dn = open("/dev/null", O_WRONLY);
        if (keep < 0 || dn < 0 || dup2(dn, 1) < 0)
            MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
        int st = cli_cmd_notebook(ns, sub);
        fflush(stdout);
        dup2(keep, 1);
        close(keep);
        close(dn);
        if (st != GN_EXIT_PASS) {
            fprintf(stderr, "gnlab-mpi: rank %d: sweep block %s failed (status %d)\n", rank, bb,
                    st);
            MPI_Abort(MPI_COMM_WORLD, st == GN_EXIT_USAGE ? GN_EXIT_USAGE : GN_EXIT_FAIL);
        }
        if (slurp(text, len, cap, tmpname) < 0)
            MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
    }
    MPI_Win_unlock_all(win);
}

/* every rank's text, concatenated in rank order: on every rank (all) or on rank 0 only */
static char *gather_text(const char *text, size_t len, int rank, int size, int all)
{
    int mylen = (int)len;
    int *lens = calloc((size_t)size, sizeof *lens), *offs = calloc((size_t)size, sizeof *offs);
    if (!lens || !offs)
        MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
    if (all)
        MPI_Allgather(&mylen, 1, MPI_INT, lens, 1, MPI_INT, MPI_COMM_WORLD);
    else
        MPI_Gather(&mylen, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    long long total = 0;
    for (int r = 0; r < size; r++) {
        offs[r] = (int)total;
        total += lens[r];
    }
    char *out = calloc((size_t)total + 1, 1);
    if (!out)
        MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
    if (all)
        MPI_Allgatherv(text ? text : "", mylen, MPI_CHAR, out, lens, offs, MPI_CHAR,
                       MPI_COMM_WORLD);
    else
        MPI_Gatherv(text ? text : "", mylen, MPI_CHAR, out, lens, offs, MPI_CHAR, 0,
                    MPI_COMM_WORLD);
    free(lens);
    free(offs);
    (void)rank;
    return out;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int sweep_main(int argc, char **argv, int rank, int size)
{
    size_t nblocks = GN_IO_SHARD_BLOCKS;
    const char *outdir = "build/notebooks";
    char **sub = calloc((size_t)argc + 16, sizeof *sub), **fin = calloc((size_t)argc + 16,
                                                                        sizeof *fin);
    int ns = 0, nf = 0;
    sub[ns++] = fin[nf++] = "notebook";
    sub[ns++] = fin[nf++] = "supervised";
    for (int a = 2; a < argc; a++) {
        if (!strncmp(argv[a], "--sweep", 7) || !strcmp(argv[a], "--json")) {
            if (rank == 0)
                fprintf(stderr, "gnlab-mpi sweep: %s is set by the front end\n", argv[a]);
            return GN_EXIT_USAGE;
        }
        if ((!strcmp(argv[a], "--blocks") || !strcmp(argv[a], "--out")) && a + 1 < argc) {
            if (argv[a][2] == 'b') {
                if (cli_size(&nblocks, "mpi sweep", "--blocks", argv[a + 1], 1,
                                GN_IO_SHARD_MAXBLOCKS) < 0)
                    return GN_EXIT_USAGE;
            } else
                outdir = argv[a + 1];
            a++;
            continue;
        }
        sub[ns++] = fin[nf++] = argv[a];
    }
    char ub[32], bb[32], tmpname[64] = "/tmp/gnlab-mpi-XXXXXX", r1[64] = "/tmp/gnlab-mpi-r1-XXXXXX";
    char scratch[64] = "/tmp/gnlab-mpi-nb-XXXXXX", r2[64] = "/tmp/gnlab-mpi-r2-XXXXXX", both[160];
    int fd1 = mkstemp(tmpname), fd2 = mkstemp(r1), fd3 = mkstemp(r2);
    if (fd1 < 0 || fd2 < 0 || fd3 < 0 || !mkdtemp(scratch))
        MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
    close(fd1);
    close(fd2);
    close(fd3);
    snprintf(ub, sizeof ub, "%zu", nblocks);
    snprintf(both, sizeof both, "%s,%s", r1, r2);
    const char *tail[] = {"--quiet", "--out", scratch, "--sweep-blocks", ub, "--sweep-ranges", bb,
                          "--sweep-out", tmpname, NULL};
    for (int k = 0; tail[k]; k++)
        sub[ns++] = (char *)tail[k];
    sub[ns] = NULL;

    uint64_t *counter = NULL;
    MPI_Win win = new_counter(&counter, rank);
    double t0 = MPI_Wtime();
    char *text = NULL;
    size_t len = 0, cap = 0;
    /* round 1: the grid runs (the final runs wait for the selection) */
    sweep_round(win, rank, nblocks, ns, sub, bb, tmpname, &text, &len, &cap);
    char *all1 = gather_text(text, len, rank, size, 1);
    if (write_text(r1, all1) != 0)
        MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
    free(all1);
    /* round 2: the final runs, every rank holding every grid record */
    reset_counter(win, counter, rank);
    len = 0;
    if (text)
        text[0] = 0;
    sub[ns++] = "--sweep-in";
    sub[ns++] = r1;
    sub[ns] = NULL;
    sweep_round(win, rank, nblocks, ns, sub, bb, tmpname, &text, &len, &cap);
    char *all2 = gather_text(text, len, rank, size, 0);
    int rc = GN_EXIT_PASS;
    if (rank == 0) {
        if (write_text(r2, all2) != 0)
            MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
        const char *ft[] = {"--out", outdir, "--sweep-blocks", ub, "--sweep-in", both, NULL};
        for (int k = 0; ft[k]; k++)
            fin[nf++] = (char *)ft[k];
        fin[nf] = NULL;
        rc = cli_cmd_notebook(nf, fin);
        fprintf(stderr, "gnlab-mpi sweep: %d ranks, %zu blocks, wall %.3f s\n", size, nblocks,
                MPI_Wtime() - t0);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(all2);
    free(text);
    remove(tmpname);
    remove(r1);
    remove(r2);
    const char *rm[] = {"rm", "-rf", "--", scratch, NULL};
    if (gn_io_run(NULL, rm, NULL) != 0)
        fprintf(stderr, "gnlab-mpi: could not remove %s\n", scratch);
    MPI_Win_free(&win);
    free(sub);
    free(fin);
    return rank == 0 ? rc : GN_EXIT_PASS;
}

/* a validate or prove campaign: the sub-command line and the front end's own options */
typedef struct {
    int is_prove, json, rank, size;
    size_t nblocks;
    const char *ckdir;
    char **sub; /* OPTIONS plus --blocks U --ranges b --out TMP [--jobs 1] */
    int ns;
    char ub[32], bb[32], tmpname[64];
} campaign;

/* the options: GN_EXIT_PASS to run, else the status to exit with (stop: --help) */
static int parse_campaign(campaign *c, int argc, char **argv, int *stop)
{
    int has_jobs = 0;
    c->nblocks = GN_IO_SHARD_BLOCKS;
    c->sub = calloc((size_t)argc + 12, sizeof *c->sub);
    if (!c->sub)
        return GN_EXIT_FAIL;
    c->sub[c->ns++] = argv[1];
    for (int a = 2; a < argc; a++) {
        const char *s = argv[a];
        if (!strcmp(s, "--shard") || !strcmp(s, "--ranges") || !strcmp(s, "--out") ||
            !strcmp(s, "--tap") || !strcmp(s, "--graph") || !strcmp(s, "--list"))
            return usage(c->rank, "--shard, --ranges, --out, --tap, --graph and --list are not "
                                  "options of the MPI front end");
        else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            *stop = 1;
            return usage(c->rank, NULL);
        } else if (!strcmp(s, "--json"))
            c->json = 1;
        else if (!strcmp(s, "--blocks") || !strcmp(s, "--checkpoint")) {
            if (a + 1 >= argc)
                return usage(c->rank, "--blocks and --checkpoint need a value");
            if (s[2] == 'c')
                c->ckdir = argv[a + 1];
            else if (cli_size(&c->nblocks, "mpi", "--blocks", argv[a + 1], 1,
                              GN_IO_SHARD_MAXBLOCKS) < 0)
                return GN_EXIT_USAGE;
            a++;
        } else {
            has_jobs |= !strcmp(s, "--jobs");
            c->sub[c->ns++] = argv[a];
        }
    }
    snprintf(c->ub, sizeof c->ub, "%zu", c->nblocks);
    snprintf(c->tmpname, sizeof c->tmpname, "/tmp/gnlab-mpi-XXXXXX");
    const char *tail[] = {"--blocks", c->ub, "--ranges", c->bb, "--out", c->tmpname, NULL};
    if (c->is_prove && !has_jobs) {
        c->sub[c->ns++] = "--jobs";
        c->sub[c->ns++] = "1"; /* one rank per core: the ranks are the parallelism */
    }
    for (int k = 0; tail[k]; k++)
        c->sub[c->ns++] = (char *)tail[k];
    c->sub[c->ns] = NULL;
    return GN_EXIT_PASS;
}

/* the checkpoint file DIR/rank-R.jsonl, or -1 without --checkpoint */
static int open_checkpoint(const campaign *c)
{
    if (!c->ckdir)
        return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/rank-%d.jsonl", c->ckdir, c->rank);
    int ck = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (ck < 0) {
        fprintf(stderr, "gnlab-mpi: rank %d: cannot write %s\n", c->rank, path);
        MPI_Abort(MPI_COMM_WORLD, GN_EXIT_USAGE);
    }
    return ck;
}

/* every block the counter hands this rank, run in-process; the shard texts appended to
 * *text (and to the checkpoint). Returns the number of blocks run. */
static int run_blocks(campaign *c, MPI_Win win, char **text, size_t *len, size_t *cap)
{
    int fd = mkstemp(c->tmpname);
    if (fd < 0) {
        fprintf(stderr, "gnlab-mpi: rank %d: cannot create a temporary file\n", c->rank);
        MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
    }
    close(fd);
    int ck = open_checkpoint(c);
    int fault_rank = -1, fault_after = 0, nmine = 0;
    const char *fe = getenv("GN_MPI_FAULT");
    if (fe && sscanf(fe, "%d:%d", &fault_rank, &fault_after) != 2)
        fault_rank = -1;
    MPI_Win_lock_all(0, win);
    for (uint64_t b; (b = take_block(win)) < c->nblocks; nmine++) {
        if (c->rank == fault_rank && nmine == fault_after) {
            fprintf(stderr, "gnlab-mpi: rank %d: GN_MPI_FAULT: dying with block %llu taken\n",
                    c->rank, (unsigned long long)b);
            _exit(3);
        }
        snprintf(c->bb, sizeof c->bb, "%llu", (unsigned long long)b);
        int st = c->is_prove ? cli_cmd_prove(c->ns, c->sub) : cli_cmd_validate(c->ns, c->sub);
        if (st == GN_EXIT_USAGE) {
            if (c->rank == 0 || b == 0)
                fprintf(stderr, "gnlab-mpi: the %s options were refused (above)\n", c->sub[0]);
            MPI_Abort(MPI_COMM_WORLD, GN_EXIT_USAGE);
        }
        size_t before = *len;
        if (slurp(text, len, cap, c->tmpname) < 0) {
            fprintf(stderr, "gnlab-mpi: rank %d: cannot read back block %s\n", c->rank, c->bb);
            MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
        }
        /* one write per block: a rank killed between blocks leaves whole groups only */
        if (ck >= 0 && write(ck, *text + before, *len - before) != (ssize_t)(*len - before)) {
            fprintf(stderr, "gnlab-mpi: rank %d: checkpoint write failed\n", c->rank);
            MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
        }
    }
    MPI_Win_unlock_all(win);
    remove(c->tmpname);
    if (ck >= 0)
        close(ck);
    return nmine;
}

/* this rank's blocks pre-merged into one group (exact: the merge is associative), so that
 * rank 0 receives and merges P groups instead of U */
static char *premerge(const campaign *c, char *text)
{
    char *merged = NULL;
    size_t mlen = 0;
    FILE *mf = open_memstream(&merged, &mlen);
    const char *t1[1] = {text ? text : ""}, *n1[1] = {"this rank's blocks"};
    const gn_io_merge_kind *k = c->is_prove ? &pf_prove_merge_kind : &val_merge_kind;
    if (!mf || gn_io_merge_shard_text(mf, k, t1, n1, 1) != 0 || fclose(mf) != 0) {
        fprintf(stderr, "gnlab-mpi: rank %d: the pre-merge of its blocks failed\n", c->rank);
        MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
    }
    free(text);
    return merged;
}

/* rank 0: the report of every rank's group, and the timing line */
static int report(const campaign *c, const char *all, double t0, double premerge_max,
                  const double *busys, const int *counts)
{
    int size = c->size;
    const char **texts = calloc((size_t)size, sizeof *texts);
    const char **names = calloc((size_t)size, sizeof *names);
    char(*nm)[32] = calloc((size_t)size, sizeof *nm);
    if (!texts || !names || !nm)
        MPI_Abort(MPI_COMM_WORLD, GN_EXIT_FAIL);
    for (int r = 0; r < size; r++) {
        texts[r] = all;
        all += strlen(all) + 1;
        snprintf(nm[r], sizeof nm[r], "rank %d", r);
        names[r] = nm[r];
    }
    double tm = MPI_Wtime();
    int rc = cli_merge_texts(stdout, texts, names, (size_t)size, c->json);
    double merge_s = MPI_Wtime() - tm;
    fprintf(stderr,
            "gnlab-mpi: %d ranks, %zu blocks, wall %.3f s, pre-merge %.4f s (slowest rank), "
            "merge %.4f s; blocks per rank:",
            size, c->nblocks, MPI_Wtime() - t0, premerge_max, merge_s);
    for (int r = 0; r < size; r++)
        fprintf(stderr, " %d", counts[r]);
    fprintf(stderr, "; busy s per rank:");
    for (int r = 0; r < size; r++)
        fprintf(stderr, " %.2f", busys[r]);
    fprintf(stderr, "\n");
    free(texts);
    free(names);
    free(nm);
    return rc;
}

static int campaign_main(int argc, char **argv, int rank, int size)
{
    campaign c;
    memset(&c, 0, sizeof c);
    c.is_prove = !strcmp(argv[1], "prove");
    c.rank = rank;
    c.size = size;
    int stop = 0, rc = parse_campaign(&c, argc, argv, &stop);
    if (rc != GN_EXIT_PASS || stop) {
        free(c.sub);
        return rc;
    }
    uint64_t *counter = NULL;
    MPI_Win win = new_counter(&counter, rank);
    double t0 = MPI_Wtime();
    char *text = NULL;
    size_t len = 0, cap = 0;
    int nmine = run_blocks(&c, win, &text, &len, &cap);
    double busy = MPI_Wtime() - t0, tp = MPI_Wtime();
    text = premerge(&c, text);
    double premerge_s = MPI_Wtime() - tp, premerge_max = 0.0;
    MPI_Reduce(&premerge_s, &premerge_max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    double *busys = rank == 0 ? calloc((size_t)size, sizeof *busys) : NULL;
    int *counts = rank == 0 ? calloc((size_t)size, sizeof *counts) : NULL;
    MPI_Gather(&busy, 1, MPI_DOUBLE, busys, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Gather(&nmine, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    /* every rank's group on rank 0, each NUL-terminated */
    size_t tlen = text ? strlen(text) + 1 : 1;
    char *all = gather_text(text ? text : "", tlen, rank, size, 0);
    if (rank == 0)
        rc = report(&c, all, t0, premerge_max, busys, counts);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(all);
    free(busys);
    free(counts);
    free(text);
    free(c.sub);
    MPI_Win_free(&win);
    return rank == 0 ? rc : GN_EXIT_PASS;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, rc;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc >= 2 && !strcmp(argv[1], "sweep"))
        rc = sweep_main(argc, argv, rank, size);
    else if (argc >= 2 && (!strcmp(argv[1], "validate") || !strcmp(argv[1], "prove")))
        rc = campaign_main(argc, argv, rank, size);
    else
        rc = usage(rank, argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
                             ? NULL
                             : "want 'validate', 'prove' or 'sweep' as the first argument");
    MPI_Finalize();
    return rc;
}
