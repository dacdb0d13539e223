/* cmd_prove.c: `gnlab prove`, every claim of MATH.md §1-§9 checked in MPFR (the registry of
 * proofs/pf_claims.h), its negative controls (--mutants) and its derivation graph (--graph). */
#include "cli.h"
#include "pf_claims.h"
#include "gn_io_shard.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CMD = "prove";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: gnlab prove [OPTIONS] [ID...]\n\n"
            "Check every claim of the IGND paper (MATH.md §1-§9) and the Duncan-Guttman\n"
            "identity in MPFR: each claim's two sides on a fixed adversarial set plus random\n"
            "instances, against a tolerance derived from the precision and the instance's\n"
            "conditioning. Theorem 4.1 is an illustration, not a proof, and says so.\n\n"
            "options:\n"
            "  --instances N   random instances per claim (default %d; adversarial ones added)\n"
            "  --prec P        MPFR working precision in bits, 64..8192 (default %d)\n"
            "  --seed S        base seed (default GN_SEED or %u)\n"
            "  --mutants       run the negative controls: every mutant must be rejected\n"
            "  --inject M      run mutant M (a deliberately wrong formula, see --list) in place\n"
            "                  of each named claim's formula: the claim must then fail (exit 1)\n"
            "  --graph F.svg   draw the derivation graph with Graphviz (F.dot written beside)\n"
            "  --jobs N        worker threads (default 2)\n"
            "  --shard K/N     run part K of N (0-based) of every claim's instances and write\n"
            "                  a shard file (JSON Lines, exact) for `gnlab merge`\n"
            "  --ranges LIST   run these blocks only (e.g. 0-15,40): reruns missing ranges\n"
            "  --blocks U      blocks of each claim's index range (default 64)\n"
            "  --out FILE      write the shard file to FILE instead of standard output\n"
            "  --list          list the claims and their mutants, run nothing\n"
            "  --json          JSON Lines instead of the table\n"
            "  --tap           TAP output (for prove)\n"
            "  --help          this text\n\n"
            "exit status: 0 every claim passes (with --mutants: every mutant rejected),\n"
            "1 a claim fails or a mutant passes (a weak check), 2 bad usage.\n",
            PF_CLAIM_INSTANCES, PF_CLAIM_PREC, (unsigned)PF_CLAIM_SEED);
}

/* ------------------------------------------------------------- jobs */

typedef struct {
    size_t claim; /* index in the selection */
    int mutant;
    size_t first, last;
} job;

typedef struct {
    const pf_claim **sel;
    size_t nsel;
    int nmut_max; /* results are [claim][mutant] with stride nmut_max + 1 */
    pf_claim_result *res;
    pf_claim_opts o;
    job *jobs;
    size_t njobs, next, done;
    pthread_mutex_t mu;
    int progress;
    const gn_io_shard *shard; /* NULL: every instance */
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t k = p->next < p->njobs ? p->next++ : p->njobs;
        pthread_mutex_unlock(&p->mu);
        if (k >= p->njobs) {
            /* MPFR's constant caches (pi, log 2, exp) are per thread: free this thread's,
             * or LeakSanitizer reports them when a worker thread ends */
            mpfr_free_cache();
            return NULL;
        }
        job *jb = &p->jobs[k];
        pf_claim_result part;
        memset(&part, 0, sizeof part);
        pf_claim_run(&part, p->sel[jb->claim], &p->o, jb->mutant, jb->first, jb->last);
        pthread_mutex_lock(&p->mu);
        pf_claim_result *acc = &p->res[jb->claim * (size_t)(p->nmut_max + 1) + (size_t)jb->mutant];
        pf_claim_merge(acc, &part);
        p->done++;
        if (p->progress)
            gn_io_progress("prove", p->done, p->njobs);
        pthread_mutex_unlock(&p->mu);
    }
}

/* run every (claim, mutant in [mlo, mhi]) of the selection on nthreads workers; mhi is each
 * claim's number of mutants when all_mutants, else mlo */
static int run_all(pool *p, int mlo, int all_mutants, size_t nthreads)
{
    size_t chunk = 200;
    size_t cap = 0;
    for (size_t c = 0; c < p->nsel; c++) {
        size_t tot = pf_claim_total(p->sel[c], &p->o);
        int mhi = all_mutants ? (int)pf_claim_nmutants(p->sel[c]) : mlo;
        for (int m = mlo; m <= mhi; m++)
            cap += (tot + chunk - 1) / chunk + (p->shard ? p->shard->n : 0);
    }
    p->jobs = calloc(cap ? cap : 1, sizeof *p->jobs);
    if (!p->jobs)
        return -1;
    p->njobs = 0;
    for (size_t c = 0; c < p->nsel; c++) {
        size_t tot = pf_claim_total(p->sel[c], &p->o);
        int mhi = all_mutants ? (int)pf_claim_nmutants(p->sel[c]) : mlo;
        /* a shard runs the instances of its blocks: blocks [lo, hi) of tot instances are
         * the index range [ceil(lo tot / U), ceil(hi tot / U)) (gn_io_shard.h) */
        gn_io_shard all;
        gn_io_shard_all(&all, 1);
        const gn_io_shard *sh = p->shard ? p->shard : &all;
        for (int m = mlo; m <= mhi; m++)
            for (size_t q = 0; q < sh->n; q++) {
                size_t a = (size_t)gn_io_shard_first(sh->r[q].lo, tot, sh->nblocks);
                size_t b = (size_t)gn_io_shard_first(sh->r[q].hi, tot, sh->nblocks);
                for (size_t f = a; f < b; f += chunk) {
                    job jb = {c, m, f, f + chunk < b ? f + chunk : b};
                    p->jobs[p->njobs++] = jb;
                }
            }
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_t th[64];
    size_t nt = nthreads < 64 ? nthreads : 64, started = 0;
    for (size_t t = 1; t < nt; t++)
        if (pthread_create(&th[started], NULL, worker, p) == 0)
            started++;
    worker(p);
    for (size_t t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&p->mu);
    free(p->jobs);
    p->jobs = NULL;
    return 0;
}

/* ------------------------------------------------------------- graph */

static int write_graph(const char *svg, const pf_claim **sel, size_t nsel,
                       const pf_claim_result *res, int stride)
{
    size_t len = strlen(svg);
    char *dotf = malloc(len + 5);
    if (!dotf)
        return -1;
    memcpy(dotf, svg, len + 1);
    if (len > 4 && !strcmp(dotf + len - 4, ".svg"))
        strcpy(dotf + len - 4, ".dot");
    else
        strcat(dotf, ".dot");
    FILE *f = fopen(dotf, "w");
    if (!f) {
        fprintf(stderr, "gnlab prove: cannot write %s\n", dotf);
        free(dotf);
        return -1;
    }
    fprintf(f, "digraph gnlab_prove {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", "
               "fontsize=10];\n");
    /* equation nodes: every "(...)" token of a uses list, once */
    char seen[4096] = "";
    for (size_t c = 0; c < nsel; c++) {
        const char *u = sel[c]->uses;
        while (u && *u) {
            size_t l = strcspn(u, " ");
            if (l > 0 && u[0] == '(' && l < 32) {
                char tok[40];
                snprintf(tok, sizeof tok, "|%.*s|", (int)l, u);
                if (!strstr(seen, tok) && strlen(seen) + strlen(tok) < sizeof seen) {
                    strcat(seen, tok);
                    fprintf(f, "  \"%.*s\" [shape=ellipse, style=filled, fillcolor=\"#e8e8e8\"];\n",
                            (int)l, u);
                }
            }
            u += l;
            while (*u == ' ')
                u++;
        }
    }
    for (size_t c = 0; c < nsel; c++) {
        const pf_claim_result *r = &res[c * (size_t)stride];
        const char *col = sel[c]->illustration ? (r->pass ? "#ffe08a" : "#f4a3a3")
                                               : (r->pass ? "#a8e0a0" : "#f4a3a3");
        /* the label's line breaks are dot's own "\n" escapes, so it is written as is: the
         * registry's ids and verdicts hold no quote or backslash */
        fprintf(f, "  ");
        gn_io_dot_str(f, sel[c]->id);
        fprintf(f, " [shape=box, style=\"rounded,filled\", fillcolor=\"%s\", label=\"%s\\n%s"
                   "\\nresid %.2g (tol %.2g)\"];\n",
                col, sel[c]->id, pf_prove_verdict(sel[c], r), r->resid, r->tol);
        const char *u = sel[c]->uses;
        while (u && *u) {
            size_t l = strcspn(u, " ");
            if (l > 0) {
                int known = u[0] == '(';
                for (size_t k = 0; !known && k < nsel; k++)
                    known = strlen(sel[k]->id) == l && !strncmp(sel[k]->id, u, l);
                if (known)
                    fprintf(f, "  \"%.*s\" -> \"%s\";\n", (int)l, u, sel[c]->id);
            }
            u += l;
            while (*u == ' ')
                u++;
        }
    }
    fprintf(f, "}\n");
    if (gn_io_close_checked(f, "prove", dotf) != 0) {
        free(dotf);
        return -1;
    }
    const char *argv[] = {"dot", "-Tsvg", dotf, "-o", svg, NULL};
    int rc = gn_io_have("dot") ? gn_io_run(NULL, argv, NULL) : -1;
    if (rc != 0)
        fprintf(stderr,
                "gnlab prove: wrote %s, but Graphviz 'dot' %s; render it with\n"
                "  dot -Tsvg %s -o %s\n",
                dotf, rc < 0 ? "is not installed" : "failed", dotf, svg);
    else
        fprintf(stderr, "gnlab prove: wrote %s and %s\n", dotf, svg);
    free(dotf);
    return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------- shards */

/* the shard file (core/io/gn_io_shard.h): header, then one row per (claim, mutant) reported,
 * doubles in hex so that `gnlab merge` reads them back exactly. Exit status: 1 when this
 * part already fails (a failure anywhere fails the campaign), else 0. */
static int write_shard(const char *out, const pf_claim **sel, size_t nsel,
                       const pf_claim_result *res, int stride, const pf_claim_opts *o,
                       int mutants, const gn_io_shard *sh)
{
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "gnlab prove: cannot write %s\n", out);
        return GN_EXIT_USAGE;
    }
    char ids[4096] = "", rg[4096];
    size_t nrows = 0, len = 0;
    for (size_t c = 0; c < nsel; c++) {
        nrows += mutants ? pf_claim_nmutants(sel[c]) : 1;
        int w = snprintf(ids + len, sizeof ids - len, "%s%s", c ? " " : "", sel[c]->id);
        if (w > 0 && (size_t)w < sizeof ids - len)
            len += (size_t)w;
    }
    gn_io_shard_format(sh, rg, sizeof rg);
    gn_io_jl j;
    gn_io_jl_begin(&j, f);
    gn_io_jl_str(&j, "shard", "prove");
    gn_io_jl_int(&j, "seed", (long long)o->seed);
    gn_io_jl_int(&j, "prec", (long long)o->prec);
    gn_io_jl_int(&j, "instances", (long long)o->instances);
    gn_io_jl_int(&j, "mutants", mutants);
    gn_io_jl_str(&j, "claims", ids);
    gn_io_jl_int(&j, "blocks", (long long)sh->nblocks);
    gn_io_jl_str(&j, "ranges", rg);
    gn_io_jl_int(&j, "rows", (long long)nrows);
    gn_io_jl_end(&j);
    int bad = 0;
    size_t row = 0;
    for (size_t c = 0; c < nsel; c++) {
        int mlo = mutants ? 1 : 0, mhi = mutants ? (int)pf_claim_nmutants(sel[c]) : 0;
        for (int m = mlo; m <= mhi; m++) {
            const pf_claim_result *r = &res[c * (size_t)stride + (size_t)m];
            if (!mutants && r->failed)
                bad = 1;
            pf_prove_row_write(f, row++, sel[c], m, r);
        }
    }
    if (gn_io_close_checked(f, "prove", out) != 0)
        return GN_EXIT_USAGE;
    return bad ? GN_EXIT_FAIL : GN_EXIT_PASS;
}

/* --------------------------------------------------------------- main */

/* the command line of gnlab prove */
typedef struct {
    pf_claim_opts o;
    int json, tap, mutants, list;
    size_t inject; /* --inject M: mutant M stands in for each claim's formula (0: none) */
    size_t jobs, nblocks;
    const char *graph, *shard_kn, *ranges, *out;
    const char **ids; /* claim ids named (argc entries) */
    size_t nids;
    gn_io_shard sh;
} prove_args;

/* one option taking a value v; 0 or -1 (reported) */
static int parse_value(prove_args *A, const char *a, const char *v)
{
    size_t s;
    if (!strcmp(a, "--instances")) {
        if (cli_size(&s, CMD, a, v, 0, 100000000) < 0)
            return -1;
        A->o.instances = s;
    } else if (!strcmp(a, "--prec")) {
        if (cli_size(&s, CMD, a, v, 64, 8192) < 0)
            return -1;
        A->o.prec = (mpfr_prec_t)s;
    } else if (!strcmp(a, "--seed"))
        return cli_u64(&A->o.seed, CMD, a, v);
    else if (!strcmp(a, "--jobs"))
        return cli_size(&A->jobs, CMD, a, v, 1, 64);
    else if (!strcmp(a, "--blocks"))
        return cli_size(&A->nblocks, CMD, a, v, 1, GN_IO_SHARD_MAXBLOCKS);
    else if (!strcmp(a, "--shard"))
        A->shard_kn = v;
    else if (!strcmp(a, "--ranges"))
        A->ranges = v;
    else if (!strcmp(a, "--out"))
        A->out = v;
    else if (!strcmp(a, "--inject"))
        return cli_size(&A->inject, CMD, a, v, 1, PF_CLAIM_MAXMUT);
    else
        A->graph = v;
    return 0;
}

/* the options and their consistency: -1 to run, else the exit status (help, usage) */
static int parse_args(prove_args *A, int argc, char **argv)
{
    static const char *const valued[] = {"--instances", "--prec",   "--seed",
                                         "--jobs",      "--graph",  "--shard",
                                         "--ranges",    "--blocks", "--out",
                                         "--inject",    NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int takes = 0;
        for (size_t k = 0; valued[k] && !takes; k++)
            takes = !strcmp(a, valued[k]);
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return GN_EXIT_PASS;
        } else if (!strcmp(a, "--json"))
            A->json = 1;
        else if (!strcmp(a, "--tap"))
            A->tap = 1;
        else if (!strcmp(a, "--mutants"))
            A->mutants = 1;
        else if (!strcmp(a, "--list"))
            A->list = 1;
        else if (takes) {
            if (i + 1 >= argc)
                return cli_usage(CMD, "%s needs a value", a);
            if (parse_value(A, a, argv[++i]) < 0)
                return GN_EXIT_USAGE;
        } else if (a[0] == '-')
            return cli_usage(CMD, "unknown option '%s'", a);
        else if (!pf_claim_find(a))
            return cli_usage(CMD, "unknown claim '%s' (gnlab prove --list shows them)", a);
        else
            A->ids[A->nids++] = a;
    }
    const char *why = NULL;
    if (A->json && A->tap)
        why = "--json and --tap exclude each other";
    else if (A->shard_kn && A->ranges)
        why = "--shard and --ranges exclude each other";
    else if (A->shard_kn && gn_io_shard_parse_kn(&A->sh, A->shard_kn, A->nblocks) < 0)
        why = "--shard: want K/N with 0 <= K < N <= blocks";
    else if (A->ranges && gn_io_shard_parse_ranges(&A->sh, A->ranges, A->nblocks) < 0)
        why = "--ranges: want disjoint block ranges A-B,C below --blocks";
    else if ((A->shard_kn || A->ranges) && (A->json || A->tap || A->graph || A->list))
        why = "a shard writes its own JSON Lines file; drop --json, --tap, --graph, --list";
    else if (A->out && !A->shard_kn && !A->ranges)
        why = "--out writes a shard file: give --shard or --ranges";
    else if (A->graph && A->mutants)
        why = "--graph draws the claims' verdicts; run it without --mutants";
    else if (A->inject && (A->mutants || A->shard_kn || A->ranges))
        why = "--inject runs a wrong formula for a demonstration: not with --mutants, --shard or "
              "--ranges (a shard of a wrong formula must never reach gnlab merge)";
    return why ? cli_usage(CMD, "%s", why) : -1;
}

/* the claims named in A (every claim when none), in registry order; NULL on no memory */
static const pf_claim **select_claims(const prove_args *A, size_t *nsel)
{
    size_t nall = pf_claim_count();
    const pf_claim **sel = calloc(nall + 1, sizeof *sel);
    *nsel = 0;
    for (size_t k = 0; sel && k < nall; k++) {
        const pf_claim *c = pf_claim_at(k);
        int want = A->nids == 0;
        for (size_t q = 0; q < A->nids && !want; q++)
            want = !strcmp(A->ids[q], c->id);
        if (want)
            sel[(*nsel)++] = c;
    }
    return sel;
}

static void list_claims(const pf_claim **sel, size_t nsel)
{
    for (size_t c = 0; c < nsel; c++) {
        printf("%-16s %s\n", sel[c]->id, sel[c]->statement);
        printf("%-16s   compares: %s  vs  %s\n", "", sel[c]->lhs, sel[c]->rhs);
        for (size_t m = 0; m < pf_claim_nmutants(sel[c]); m++)
            printf("%-16s   mutant %zu: %s\n", "", m + 1, sel[c]->mutants[m]);
    }
}

CLI_COMMAND(prove, "check every claim of the paper in MPFR, with negative controls")
{
    prove_args A;
    memset(&A, 0, sizeof A);
    A.o = pf_claim_opts_default();
    A.o.seed = cli_seed(PF_CLAIM_SEED);
    A.jobs = 2;
    A.nblocks = GN_IO_SHARD_BLOCKS;
    A.ids = calloc((size_t)argc + 1, sizeof *A.ids);
    if (!A.ids)
        return GN_EXIT_FAIL;
    int st = parse_args(&A, argc, argv);
    size_t nsel = 0;
    const pf_claim **sel = st < 0 ? select_claims(&A, &nsel) : NULL;
    free(A.ids);
    if (st >= 0)
        return st;
    if (!sel)
        return GN_EXIT_FAIL;
    if (A.list) {
        list_claims(sel, nsel);
        free(sel);
        return GN_EXIT_PASS;
    }
    for (size_t c = 0; c < nsel && A.inject; c++)
        if (pf_claim_nmutants(sel[c]) < A.inject) {
            st = cli_usage(CMD, "--inject %zu: claim '%s' has %zu mutant(s) (gnlab prove --list "
                                "shows them); name claims that have it",
                           A.inject, sel[c]->id, pf_claim_nmutants(sel[c]));
            free(sel);
            return st;
        }
    pf_claim_opts o = A.o;
    int json = A.json, tap = A.tap, mutants = A.mutants;
    size_t jobs = A.jobs;
    const char *graph = A.graph, *out = A.out;
    int nmut_max = 0;
    for (size_t c = 0; c < nsel; c++)
        if ((int)pf_claim_nmutants(sel[c]) > nmut_max)
            nmut_max = (int)pf_claim_nmutants(sel[c]);
    int stride = nmut_max + 1;
    pool p;
    memset(&p, 0, sizeof p);
    p.sel = sel;
    p.nsel = nsel;
    p.nmut_max = nmut_max;
    p.o = o;
    p.progress = !json && !tap && !A.shard_kn && !A.ranges;
    p.shard = A.shard_kn || A.ranges ? &A.sh : NULL;
    p.res = calloc(nsel * (size_t)stride, sizeof *p.res);
    double t0 = gn_io_now();
    if (!p.res || run_all(&p, mutants ? 1 : (int)A.inject, mutants, jobs) < 0) {
        fprintf(stderr, "gnlab prove: out of memory\n");
        free(p.res);
        free(sel);
        return GN_EXIT_FAIL;
    }
    if (p.progress)
        gn_io_progress_done();
    double wall = gn_io_now() - t0;
    if (p.shard) {
        int rc = write_shard(out, sel, nsel, p.res, stride, &o, mutants, p.shard);
        free(p.res);
        free(sel);
        return rc;
    }
    /* --inject: mutant M's results are reported as the claims' own, which must then fail */
    for (size_t c = 0; c < nsel && A.inject; c++) {
        p.res[c * (size_t)stride] = p.res[c * (size_t)stride + A.inject];
        if (!json && !tap)
            printf("%s: mutant %zu injected for the formula: %s\n", sel[c]->id, A.inject,
                   sel[c]->mutants[A.inject - 1]);
    }
    char tail[96];
    snprintf(tail, sizeof tail, "%.1f s on %zu threads", wall, jobs);
    int bad = pf_prove_report(stdout, sel, nsel, p.res, stride, &o, mutants, json, tap, wall, tail);
    int out_bad = 0; /* standard output itself is checked by main() */
    if (graph && write_graph(graph, sel, nsel, p.res, stride) < 0) {
        fprintf(stderr, "gnlab prove: the graph %s was not written (see above)\n", graph);
        out_bad = 1;
    }
    free(p.res);
    free(sel);
    return out_bad ? GN_EXIT_USAGE : bad ? GN_EXIT_FAIL : GN_EXIT_PASS;
}
