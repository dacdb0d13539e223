/* nb.h: the page writer behind `gnlab notebook`. A notebook is a function that runs its
 * computation with the core and writes, under ROOT/NAME/:
 *   index.html and page.md   the same text, as HTML and as Markdown;
 *   *.dat / *.csv            the data behind every figure;
 *   *.gp and *.svg           the gnuplot script and its rendering (by running gnuplot);
 *   *.dot and *.svg          the Graphviz source and its rendering (by running dot).
 * When gnuplot or dot is missing the script is still written and the page says that the
 * SVG was skipped. Checks a notebook makes on its own numbers (nb_check) are shown on the
 * page and counted: a failed check makes `gnlab notebook` exit 1; a file that cannot be
 * written (a write, flush or close failed) makes it exit 2 with the path. */
#ifndef GN_NB_H
#define GN_NB_H

#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#include "gn.h"
#include "gn_io_shard.h"

/* What every notebook receives besides its own flags. */
typedef struct {
    const char *root; /* output root, e.g. build/notebooks */
    int quick;        /* small sizes (tests, CI) */
    int quiet;        /* no progress */
    uint64_t seed;    /* base seed (GN_SEED or --seed) */
    const char *cmd;  /* the command that rewrites this page, shown under every figure
                       * (NULL: "gnlab notebook NAME") */
} nb_ctx;

/* A notebook as the index page lists it: its name (the directory ROOT/NAME), title,
 * one-line summary and the file name of its main figure (the thumbnail). The program keeps
 * the flags and the entry point of each (cli/nb_args.c). */
typedef struct {
    const char *name;
    const char *title;
    const char *summary;
    const char *thumb;
} nb_notebook;

/* the registry, in index order, terminated by an entry with name == NULL */
extern const nb_notebook nb_notebooks[];
/* nb_find: the entry called name, or NULL
 * No equation: registry lookup. */
const nb_notebook *nb_find(const char *name);

typedef struct nb_page nb_page;

/* nb_page_open: create ROOT/NAME/ (and ROOT) and open its index.html and page.md with the
 * title as heading. NULL (with a message on stderr) when a directory or file cannot be
 * created.
 * No equation: page writer. */
nb_page *nb_page_open(const nb_ctx *ctx, const char *name, const char *title);

/* nb_page_close: finish and close both files (and any data file still open); returns the
 * number of failed checks, or -1 when a write, flush or close of the page, a data file or a
 * script failed (each named on stderr with its path when it happened). NULL-safe (returns
 * -1). No equation: page writer. */
int nb_page_close(nb_page *p);

/* nb_page_finish: nb_page_close as a notebook's exit status: GN_EXIT_USAGE when a file
 * could not be written, GN_EXIT_FAIL when a check failed or failed != 0, else GN_EXIT_PASS.
 * No equation: page writer. */
int nb_page_finish(nb_page *p, int failed);

/* Text. The format's result is plain text in which `code` marks code; the HTML gets
 * <, > and & escaped.
 * nb_h2: a section heading. No equation: page writer. */
void nb_h2(nb_page *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* nb_para: a paragraph. No equation: page writer. */
void nb_para(nb_page *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Tables: header and rows are cells separated by '|'.
 * nb_table_begin: open a table with its header cells. No equation: page writer. */
void nb_table_begin(nb_page *p, const char *header);
/* nb_table_row: one row of cells. No equation: page writer. */
void nb_table_row(nb_page *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* nb_table_end: close the table. No equation: page writer. */
void nb_table_end(nb_page *p);

/* nb_links: a paragraph "LABEL a, b, c." linking the comma-separated files (page-relative).
 * No equation: page writer. */
void nb_links(nb_page *p, const char *label, const char *files);

/* nb_check: a check the notebook makes on its numbers, shown as "check passed/FAILED: ..."
 * and counted. Returns ok.
 * No equation: the page's self-checks (each notebook's checks name their equation). */
int nb_check(nb_page *p, int ok, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The learning check. A notebook that trains something passes only if learning happened:
 * for each of its tasks, the best of its methods ended with an error at most
 * 1/NB_LEARN_FACTOR of the error it started with, in every run (stated on the page and in
 * docs/notebook.md). An error is anything that should fall: a loss, a distance ||K - K*||,
 * a MAPE, 1 - accuracy. */
#define NB_LEARN_FACTOR 1.5

/* nb_learn_ratio: end / start, or INFINITY when either is not finite, start <= 0 or
 * end < 0 (a run that diverged, or had nothing to learn, never counts as learning).
 * No equation: the notebooks' learning rule. */
double nb_learn_ratio(double start, double end);

/* nb_check_learned: the check above for one task: ratio[k] is method k's worst
 * nb_learn_ratio over its runs (name[k] its name, nm of them); passes when the smallest
 * is <= 1/NB_LEARN_FACTOR. Shown with every method's ratio; returns ok (counted like
 * nb_check). No equation: the notebooks' learning rule. */
int nb_check_learned(nb_page *p, const char *task, const char *const *name,
                     const double *ratio, int nm);

/* nb_data_open: open ROOT/NAME/FILE for writing (a figure's data); NULL on failure (the
 * path on stderr, and the page's close reports the write failure). At most 8 at once.
 * No equation: data-file writer. */
FILE *nb_data_open(nb_page *p, const char *file);

/* nb_data_close: close a file of nb_data_open, checking its writes, flush and close: 0, or
 * -1 after "cannot write PATH: why" on stderr (the page's close then reports the failure).
 * NULL-safe (0). No equation: data-file writer. */
int nb_data_close(nb_page *p, FILE *f);

/* nb_plot: write BASE.gp = a terminal line for BASE.svg followed by the body (gnuplot
 * commands reading data files by their names in the page directory), run gnuplot there,
 * and put the figure with its caption and links to the script and the data files (a
 * comma-separated list, may be empty) on the page. Returns 1 when the SVG was rendered,
 * 0 when skipped (gnuplot missing), -1 when gnuplot failed (counted as a failed check) and
 * -2 when not run because a file of the page could not be written.
 * No equation: figure writer (gnuplot through gn_io_run). */
int nb_plot(nb_page *p, const char *base, const char *caption, const char *data,
            const char *body);

/* nb_plot_sized: nb_plot with the SVG's width and height in pixels (nb_plot: 760 x 460).
 * No equation: figure writer. */
int nb_plot_sized(nb_page *p, const char *base, const char *caption, const char *data,
                  int width, int height, const char *body);

/* nb_gnuplot_str: s as a gnuplot string literal (gn_io_gnuplot_str: single-quoted runs,
 * each quote joined as "'", control characters made spaces) in buf, for text that is not the notebook's own (a file
 * name) inside a plot body. Returns buf; '' when the literal does not fit in cap.
 * No equation: gnuplot escaping (gn_io_gnuplot_str into a buffer). */
char *nb_gnuplot_str(char *buf, size_t cap, const char *s);

/* nb_graph: the same for a Graphviz graph: BASE.dot rendered by `dot -Tsvg`.
 * Returns as nb_plot. No equation: figure writer (dot through gn_io_run). */
int nb_graph(nb_page *p, const char *base, const char *caption, const char *dot);

/* nb_tool_available: 1 when the program is on PATH (cached per name).
 * No equation: tool detection (gn_io_have, cached). */
int nb_tool_available(const char *prog);

/* nb_write_index: ROOT/index.html and ROOT/index.md linking every registered notebook
 * (with its summary and its thumbnail when ROOT/NAME/THUMB exists; marked "not generated"
 * otherwise). Returns 0, or -1 when a file cannot be written.
 * No equation: the notebooks' index page writer. */
int nb_write_index(const char *root);

/* nb_mkdirs: mkdir -p. 0 on success.
 * No equation: directory creation. */
int nb_mkdirs(const char *path);

/* Summary statistics over n values: mean and sample standard deviation (0 when n < 2),
 * ignoring nothing (NaN propagates).
 * nb_mean_std: two passes (mean, then squared deviations); mean NaN when n == 0; not measured.
 * No equation: summary statistics for the pages. */
void nb_mean_std(double *mean, double *sd, const double *v, size_t n);

/* ------------------------------------------------ claims with verdicts (nb_verdict.c)
 * A notebook that mirrors a paper's claim states it, runs it over several seeds (and data
 * splits), and gives a verdict from paired differences: for each comparison "A beats B" the
 * per-run differences d_i (positive when the run agrees with the claim, e.g. B's error minus
 * A's), their mean and 95% paired t interval. A comparison is "reproduced" when the interval
 * lies above 0, else "not reproduced at this size"; a claim of several comparisons is
 * "reproduced" when all are, "not reproduced at this size" when none is, "mixed" otherwise;
 * fewer than 2 finite pairs, or a non-finite interval, make it "undetermined" (fail closed).
 * A verdict is a finding, not a check: it does not change the exit status
 * (docs/notebook.md). */
typedef enum {
    NB_V_UNDETERMINED = 0,
    NB_V_REPRODUCED,
    NB_V_NOT_REPRODUCED,
    NB_V_MIXED
} nb_verdict;

typedef struct {
    size_t n;       /* finite differences used */
    size_t dropped; /* non-finite differences left out (a diverged run) */
    double mean, sd, lo, hi; /* mean, sample std and 95% paired t interval [lo, hi] */
} nb_paired;

/* nb_paired_t: the paired t interval of the n differences d (non-finite ones dropped and
 * counted): mean ± t_{0.975, m-1} sd / sqrt(m) over the m finite ones, t from GSL's
 * gsl_cdf_tdist_Pinv. Returns 0, or -1 when m < 2 or the interval is not finite (then the
 * fields not computable are NaN). Accuracy: the mean and sd by two passes (relative error
 * O(m u) for well-scaled data); the interval's level is exact only for normal differences.
 * No equation: statistics for the notebooks' verdicts (a paired t interval). */
int nb_paired_t(nb_paired *s, const double *d, size_t n);

/* nb_paired_verdict: NB_V_REPRODUCED when s->lo > 0, NB_V_NOT_REPRODUCED otherwise, and
 * NB_V_UNDETERMINED when s has fewer than 2 pairs or a non-finite mean or bound.
 * No equation: the verdict rule above. */
nb_verdict nb_paired_verdict(const nb_paired *s);

/* nb_verdict_combine: the verdict of a claim made of n comparisons (rule above); n == 0 or
 * any undetermined comparison gives NB_V_UNDETERMINED. No equation: the verdict rule. */
nb_verdict nb_verdict_combine(const nb_verdict *v, int n);

/* nb_verdict_name: "reproduced", "not reproduced at this size", "mixed", "undetermined".
 * No equation: names. */
const char *nb_verdict_name(nb_verdict v);

/* nb_claim_begin: start a claim on the page: a section stating the claim (claim) and how
 * it is tested (design), then a table of comparisons. At most 4 claims per page.
 * No equation: page writer. */
void nb_claim_begin(nb_page *p, const char *claim, const char *design);

/* nb_claim_compare: one comparison of the open claim: the n per-run differences d (nb_paired_t;
 * positive agrees with the claim), shown as a table row with what it compares, the unit of
 * d, its pairs, mean, interval and verdict. Returns the comparison's verdict.
 * No equation: page writer over nb_paired_t. */
nb_verdict nb_claim_compare(nb_page *p, const char *what, const char *unit, const double *d,
                            size_t n);

/* nb_claim_end: close the claim: its combined verdict (nb_verdict_combine) on the page as
 * "verdict: NAME", with caveat (nullable) saying why it is not meaningful here (a quick
 * run); kept for the page's summary. Returns the verdict.
 * No equation: page writer. */
nb_verdict nb_claim_end(nb_page *p, const char *caveat);

/* nb_page_data: what the page ran on (one line, e.g. "Diamonds, 12,000 training rows"),
 * shown on the page and in the index. No equation: page writer. */
void nb_page_data(nb_page *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The page's summary, written by nb_page_close as ROOT/NAME/summary.tsv: a line
 * "data\tTEXT", then per claim "claim\tVERDICT\tCLAIM\tEVIDENCE" (tabs and newlines in the
 * texts made spaces). */
typedef struct {
    char verdict[320], claim[256], evidence[512];
} nb_claim_summary;
/* nb_summary_read: read ROOT/NAME/summary.tsv back: the data line into data and up to max
 * claims into c; the number of claims, or -1 when there is no summary (data then "").
 * No equation: summary file. */
int nb_summary_read(char *data, size_t dcap, nb_claim_summary *c, int max, const char *root,
                    const char *name);

/* Exercises for a course: each a task, the command to run and what the student should
 * see. */
typedef struct {
    const char *task, *cmd, *expect;
} nb_exercise;
/* nb_exercises: a closing section "Exercises" listing the n exercises ex.
 * No equation: page writer. */
void nb_exercises(nb_page *p, const nb_exercise *ex, int n);

/* The shared plot style (every nb_plot script starts with it, after its terminal line):
 * NB_PLOT_FONT px text (tick labels, key and titles alike; superscripts 0.8 of it), an
 * opaque boxed key, light grid. notebooks/browser_check.sh fails on text drawn smaller than
 * NB_PLOT_MIN_PX on the page. A notebook then only says where the key goes ("set key top
 * right" or "set key outside right") and labels its axes with units; a "font ',N'" in a
 * plot body smaller than NB_PLOT_FONT is raised to it (a crowded key is moved, not shrunk).
 * The SVG is written at its fixed size (width and height attributes), and the page shows a
 * figure at that size, centred, up to the window's width. */
#define NB_PLOT_FONT 15
#define NB_PLOT_MIN_PX 11

/* nb_axis_range: the gnuplot commands fitting AXIS ("x" or "y") to the n values v
 * (non-finite ones ignored) into out (with the matching "set format AXIS": powers of ten on
 * a log scale, %g on a linear one): a log scale "set logscale AXIS" with whole decades
 * around the data when every value is > 0 and they span at least two decades (then never
 * below max / 10^max_decades, so values at rounding level do not squash the rest; 0 for no
 * floor), else a linear range with 5% margins; "" when no value is finite. Returns out.
 * No equation: plot ranges. */
char *nb_axis_range(char *out, size_t cap, const char *axis, const double *v, size_t n,
                    double max_decades);

/* One row of ggplot2's Diamonds (cut, color and clarity as indices into their orders:
 * cut Fair..Ideal, color D..J, clarity I1..IF). */
typedef struct {
    double carat, depth, table, price, x, y, z;
    int cut, color, clarity;
} nb_diamond;

/* nb_diamonds_read: the 10-column Diamonds CSV (header "carat","cut","color","clarity",...,
 * text fields may be double-quoted) from a gzip file decompressed in memory by zlib (a plain
 * file is read as is). Returns the row count with *out malloc'ed (caller frees), or -1 with
 * a message "FILE:LINE: why" on stderr for a missing file, a bad header, a ragged row, a
 * non-number or an unknown category; *out untouched then.
 * No equation: the Diamonds reader (tests/test_notebooks). */
long nb_diamonds_read(nb_diamond **out, const char *path);

/* ------------------------------------------------------- sharded sweeps (nb_sweep.c)
 * A sweep's runs are a deterministic function of (seed, task, optimizer, run index), so
 * they shard like validate's instances (gn_io_shard.h blocks): a shard trains only the runs
 * whose index falls in its blocks and writes one JSON Lines record per run (value and curve
 * as hex floats: exact); a merge loads the records and trains nothing. A run neither loaded
 * nor trained is missing: NaN, counted, and its block listed per (task, phase). */
enum { NB_SWEEP_NCURVE = 20, NB_SWEEP_NTASK = 2, NB_SWEEP_NOPT = 4 };

typedef struct {
    int on;            /* some --sweep-* flag given: the engine is in charge */
    gn_io_shard own;   /* the blocks this process trains, when have_own */
    int have_own;      /* 0: train nothing (a merge of --sweep-in files) */
    size_t blocks;     /* blocks of the run index ranges */
    const char *out;   /* the shard's records go here (NULL: none) */
    const char *in;    /* comma-separated record files of earlier shards (NULL: none) */
} nb_sweep_opts;

/* nb_sweep_opts_default: off, no files, GN_IO_SHARD_BLOCKS blocks.
 * No equation: the sweep engine's defaults. */
nb_sweep_opts nb_sweep_opts_default(void);

/* a run: task (< NB_SWEEP_NTASK), phase (0 grid, 1 final), optimizer (< NB_SWEEP_NOPT) and
 * its index within them */
typedef struct {
    int task, phase, opt;
    size_t idx;
} nb_sweep_key;

typedef struct nb_sweep nb_sweep;

/* nb_sweep_open: a sweep of the campaign named by sig (its parameters: records of another
 * signature are refused). Loads every record of o->in and opens o->out. NULL, with a
 * message on stderr, when a file cannot be read or written, or a record is malformed,
 * foreign or given twice. With o->on == 0 the engine only calls train (nb_sweep_run).
 * No equation: the sweep engine (tests/test_notebooks). */
nb_sweep *nb_sweep_open(const nb_sweep_opts *o, const char *sig);

/* nb_sweep_close: NULL-safe; closes the record file: 0, or -1 after "cannot write PATH" on
 * stderr when a write, the flush or the close of the records failed.
 * No equation: the sweep engine. */
int nb_sweep_close(nb_sweep *s);

/* a training run: its final metric (NaN when it diverged), and when curve is not NULL its
 * NB_SWEEP_NCURVE checkpoints */
typedef double nb_sweep_train_fn(void *arg, double *curve);

/* nb_sweep_run: the value of run k, whose run index is run of total (for the block):
 * the loaded record when there is one (curve copied); else train(arg, curve) when the
 * sweep is off, or when may_train and the run is in this process's blocks (the record is
 * then written); else missing: NaN (curve all NaN), counted and its block noted.
 * No equation: the sweep engine (the runs' arithmetic is the train function's). */
double nb_sweep_run(nb_sweep *s, const nb_sweep_key *k, size_t run, size_t total, int may_train,
                    nb_sweep_train_fn *train, void *arg, double *curve);

/* nb_sweep_on: the sweep flags are in charge. No equation: sweep plumbing. */
int nb_sweep_on(const nb_sweep *s);      /* the sweep flags are in charge */
/* nb_sweep_writing: a shard that writes records. No equation: sweep plumbing. */
int nb_sweep_writing(const nb_sweep *s); /* a shard that writes records */
/* nb_sweep_missing: runs missing so far. No equation: sweep plumbing. */
int nb_sweep_missing(const nb_sweep *s); /* runs missing so far */

/* nb_sweep_print_missing: "INCOMPLETE sweep: N runs missing ..." and, per task (< ntask) and
 * phase, the --sweep-ranges that would train the missing blocks.
 * No equation: sweep report. */
void nb_sweep_print_missing(const nb_sweep *s, FILE *f, int ntask);

/* ------------------------------------------------------------- the notebooks
 * Each takes its options (the program fills them from its flags; the defaults are the
 * page's text) and returns GN_EXIT_PASS, GN_EXIT_FAIL (a check on the page failed, or a run
 * could not finish) or GN_EXIT_USAGE (bad input data, message on stderr). Options are taken
 * as valid (the program checks the ranges its --help states). */

/* 1: the rank-one GGN on one sample, MATH.md (3.4)-(3.15), (4.1)-(4.4), Table 1. */
typedef struct {
    double x[2], w[2], y; /* the sample (j = x) and the weights; x != 0 */
    double lambda, mu;    /* damping, MATH.md (3.11); lambda > 0, mu >= 0 */
    double alpha;         /* learning rate */
    gn_loss_kind loss;    /* for BCE, y in [0, 1] */
} nb_rank1_opts;
/* nb_rank1_opts_default: the page's sample and damping. No equation: defaults. */
nb_rank1_opts nb_rank1_opts_default(void);
/* nb_rank1_run: notebook 1, the rank-one GGN on one sample, MATH.md (3.4)-(3.15),
 * (4.1)-(4.4), Table 1 (§6); the page's checks compare the core with the closed forms.
 * Returns GN_EXIT_PASS, GN_EXIT_FAIL or GN_EXIT_USAGE as above. */
int nb_rank1_run(const nb_ctx *ctx, const nb_rank1_opts *o);

/* 2: QL against IGNDQ on FrozenLake with scaled one-hot features, MATH.md §5. */
typedef struct {
    long scale_max;        /* multipliers from {-S..S} \ {0} */
    double alpha, alpha_retuned; /* alpha_retuned 0: alpha / S^2 */
    double epsilon, gamma, lambda;
    size_t seeds, episodes;
    /* --data: the same experiment on a user's table (nb_scale_data_run), a linear model */
    const char *data, *target; /* a numeric table and its target column, or NULL */
    int no_header;
    size_t epochs;             /* passes over the training rows (data only) */
} nb_scale_opts;
/* nb_scale_opts_default: the page's sizes (smaller when quick). No equation: defaults. */
nb_scale_opts nb_scale_opts_default(int quick);
/* nb_scale_run: notebook 2, QL against IGNDQ with scaled one-hot features, MATH.md §5 and
 * (4.11): nb_scale_compute, then the page. Returns as above. */
int nb_scale_run(const nb_ctx *ctx, const nb_scale_opts *o);
/* nb_scale_data_run: notebook 2 on o->data (MATH.md §5 with a dense linear model): a
 * squared-loss linear model trained one sample at a time by SGD and IGND (3.14) on the
 * standardised features, then with every feature multiplied by a random integer from
 * {-S..S} \ {0}, and SGD at the retuned rate; the page. Returns as above (GN_EXIT_USAGE
 * after a message for bad data). */
int nb_scale_data_run(const nb_ctx *ctx, const nb_scale_opts *o);

enum { NB_SC_NF = 64, NB_SC_NCOND = 5 };
typedef struct {
    double mult[NB_SC_NF]; /* the multipliers m_k of the 16 x 4 one-hot features */
    double alpha_retuned;  /* the retuned QL rate used (o->alpha_retuned, or alpha / S^2) */
    /* §5's prediction changes from w = 0 with a unit TD error, over all k: [min, max] */
    double delta_ql[2];    /* alpha m_k^2 */
    double delta_igndq[2]; /* alpha m_k^2 / (m_k^2 + lambda) */
    int delta_ok;          /* all within their rounding bounds of the closed forms */
    size_t npts, every;    /* a point every `every` episodes, npts per run */
    /* NB_SC_NCOND x seeds x npts, conditions QL, IGNDQ (original features), QL, IGNDQ
     * (scaled), QL at alpha_retuned (scaled): greedy success (0 or 1) and RMS |Q - Q*| over
     * the non-terminal pairs (1e6 when it diverged or exceeds that) */
    double *succ, *qerr;
    int ndiv[NB_SC_NCOND]; /* runs that diverged per condition */
    double qerr0;          /* RMS |Q - Q*| of the start w = 0: every run's initial error */
} nb_scale_result;
/* nb_scale_compute: notebook 2's runs, MATH.md §5 and (4.11): tabular QL (SGD step) and
 * IGNDQ (damped IGND step, mu = 0) on deterministic FrozenLake 4x4, o->seeds runs of
 * o->episodes episodes per condition, multipliers and runs from ctx->seed, progress unless
 * ctx->quiet. 0, or -1 when memory ran out (*r then empty). Free with nb_scale_result_free
 * (NULL-safe). */
int nb_scale_compute(nb_scale_result *r, const nb_ctx *ctx, const nb_scale_opts *o);
/* nb_scale_result_free: NULL-safe. No equation: deallocation. */
void nb_scale_result_free(nb_scale_result *r);

/* 3: SGD, IGND, Adam, Adam-IGND at batch size 1 (MATH.md (3.14), Appendix C), on Diamonds
 * or any numeric CSV, with its sweeps sharded by nb_sweep. */
enum { NB_SV_MAXH = 4, NB_SV_MAXGRID = 50, NB_SV_MAXSCALE = 6 };
/* what --standardize scales on the training rows: features and a squared-loss target (the
 * default), the features only, or nothing */
enum { NB_SV_STD_ALL = 0, NB_SV_STD_FEATURES, NB_SV_STD_NONE };
typedef struct {
    const char *data, *target; /* a numeric CSV (.csv, .tsv, .gz) and its target column (a
                                * name, or a 1-based number), or both NULL */
    int no_header;             /* data has no header line (target is then a number) */
    int standardize;           /* NB_SV_STD_* */
    double fscale[NB_SV_MAXSCALE]; /* --feature-scale: one task per multiplier of every */
    size_t nfscale;                /* feature (after standardising); 0: one task, x 1 */
    const char *fscale_spec;   /* as given (the sweep signature) */
    gn_loss_kind loss;         /* for data */
    const char *loss_name;     /* as given (the sweep signature) */
    const char *diamonds;      /* Diamonds .csv.gz when data is NULL */
    size_t seeds, epochs, ntrain, neval;
    size_t hidden[NB_SV_MAXH], nhidden;
    const char *hidden_spec;   /* as given, NULL for the default (the sweep signature) */
    double grid_lo, grid_hi;   /* ngrid log-spaced rates in [grid_lo, grid_hi] */
    size_t ngrid;              /* <= NB_SV_MAXGRID */
    const char *grid_spec;     /* as given, NULL for the default (the sweep signature) */
    nb_sweep_opts sweep;
} nb_supervised_opts;
/* nb_supervised_opts_default: the page's sizes and grid (smaller when quick).
 * No equation: defaults. */
nb_supervised_opts nb_supervised_opts_default(int quick);
/* nb_supervised_run: notebook 3, SGD, IGND, Adam and Adam-IGND at batch size 1,
 * MATH.md (3.14) and §7, swept by nb_sweep. Returns as above. */
int nb_supervised_run(const nb_ctx *ctx, const nb_supervised_opts *o);

/* 4: LQR policy iteration, QL against IGNDQ evaluation, MATH.md §11. */
typedef struct {
    const char *plant_a, *plant_b; /* matrix files of a plant (gn_io_matrix_read), or both
                                    * NULL: the built-in two */
    size_t seeds, iters, eval_steps;
    double alpha_ql, alpha_igndq, gamma, noise;
    double continuous; /* > 0: plant_a, plant_b are continuous-time, discretised by
                        * zero-order hold at this step (s); 0: discrete-time as given */
} nb_lqr_opts;
/* nb_lqr_opts_default: the page's sizes and rates (smaller when quick).
 * No equation: defaults. */
nb_lqr_opts nb_lqr_opts_default(int quick);
/* nb_lqr_run: notebook 4, LQR policy iteration with QL or IGNDQ evaluation, MATH.md §11:
 * nb_lqr_compute, then the page. Returns as above. */
int nb_lqr_run(const nb_ctx *ctx, const nb_lqr_opts *o);

/* the largest plant: 30 states and 10 inputs, so z = [x; u] has at most 40 entries and the
 * learned quadratic Q-function (n+m)(n+m+1)/2 + 1 = 821 weights (docs/notebook-data.md) */
enum { NB_LQ_NMAX = 30, NB_LQ_MMAX = 10, NB_LQ_NEXACT = 61 };
/* a discrete-time plant x+ = A x + B u, n <= NB_LQ_NMAX states, m <= NB_LQ_MMAX inputs */
typedef struct {
    char name[64];
    char what[1024];
    size_t n, m;
    double h;          /* zero-order-hold step (s) it was discretised with; 0: given discrete */
    double rho;        /* open-loop spectral radius of the discrete A (NaN if not computed) */
    double A[NB_LQ_NMAX * NB_LQ_NMAX], B[NB_LQ_NMAX * NB_LQ_MMAX]; /* row-major */
} nb_lqr_plant;
typedef struct {
    nb_lqr_plant plant;
    int riccati_ok;           /* the discounted Riccati iteration converged (else no more) */
    size_t riccati_iters;
    double riccati_resid;     /* |P - map(P)|_F / |P|_F */
    double Kstar[NB_LQ_MMAX * NB_LQ_NMAX]; /* K* = -(I + B^T P B)^-1 B^T P A, m x n */
    /* exact policy iteration (Lyapunov evaluations) from K = 0: |K_k - K*|_F for
     * k <= min(iters, NB_LQ_NEXACT - 1), and after NB_LQ_NEXACT - 1 steps */
    double exact[NB_LQ_NEXACT], exact_fin;
    int exact_ok;
    /* per mode (0 deterministic, 1 stochastic): |K_k - K*|_F, 2 methods (QL, IGNDQ) x seeds
     * x (iters + 1), NaN after a diverged evaluation */
    double *err[2];
    int fails[2][2], skips[2][2]; /* [mode][method]: diverged runs, skipped improvements */
} nb_lqr_plant_result;
typedef struct {
    size_t np; /* 1 (the plant of o->plant_a, o->plant_b) or 2 (the built-in plants) */
    nb_lqr_plant_result plants[2];
} nb_lqr_result;
/* nb_lqr_compute: notebook 4's runs, MATH.md §11: for each plant the Riccati K*, exact
 * policy iteration, and learned policy iteration from K = 0 with QL (SGD) or IGNDQ
 * (undamped IGND, Appendix C) evaluation on the Bellman loss, o->seeds runs per (mode,
 * method), from ctx->seed, progress unless ctx->quiet. 0; -1 when memory ran out; -2 when
 * the plant files cannot be read or have the wrong shapes (message on stderr). *r is empty
 * on error. Free with nb_lqr_result_free (NULL-safe). */
int nb_lqr_compute(nb_lqr_result *r, const nb_ctx *ctx, const nb_lqr_opts *o);
/* nb_lqr_result_free: NULL-safe. No equation: deallocation. */
void nb_lqr_result_free(nb_lqr_result *r);

/* 5: EGN (MATH.md §9) against SGD, IGND and Adam; the cost of the Duncan-Guttman solve. */
typedef struct {
    size_t seeds, epochs, rows, hidden;
    int cost; /* run the timing sweep */
} nb_egn_opts;
/* nb_egn_opts_default: the page's sizes (smaller when quick). No equation: defaults. */
nb_egn_opts nb_egn_opts_default(int quick);
/* nb_egn_run: notebook 5, EGN against SGD, IGND and Adam, MATH.md §9: nb_egn_compute,
 * then the page. Returns as above. */
int nb_egn_run(const nb_ctx *ctx, const nb_egn_opts *o);

enum { NB_EG_NMETHOD = 4, NB_EG_GRID_N = 7, NB_EG_MAXCOST = 13 };
/* one cell of the cost sweep: a random b x d system solved by both gn_dg_dir routes */
typedef struct {
    size_t b, d;
    double t_push, t_primal; /* median seconds per solve */
    double reldiff, bound;   /* |d_push - d_primal| / |d_primal| and 8 (b + d) u kappa */
    int ok;                  /* both solves returned GN_OK */
} nb_egn_cost;
typedef struct {
    size_t nparams;                   /* of the 4 -> hidden -> hidden -> 1 tanh MLP */
    size_t sel_epochs;                /* epochs of the rate selection runs */
    double grid[NB_EG_GRID_N];        /* the rates tried (log-spaced in [1e-3, 1]) */
    double val[3][NB_EG_GRID_N];      /* SGD, IGND, Adam: validation loss per rate, NaN dead */
    double rate[NB_EG_NMETHOD];       /* chosen rates (EGN's is 0: it has a line search) */
    /* NB_EG_NMETHOD x seeds x (epochs + 1), methods SGD, IGND, Adam, EGN: test loss after
     * each epoch (NaN once dead) and cumulative training seconds (wall clock) */
    double *curve, *secs;
    double lambda_end;                /* EGN's damping at the end of its first final run */
    /* the cost sweep (o->cost): ncost cells, the first nd at b = 32 with d growing, the
     * rest at d = dfix with b growing; medians of reps solves */
    nb_egn_cost cost[NB_EG_MAXCOST];
    size_t ncost, nd, dfix;
    int reps;
} nb_egn_result;
/* nb_egn_compute: notebook 5's runs, MATH.md §9: SGD, IGND (lambda = 0.1, mu = 0) and Adam
 * at batch size 1, their rates chosen on validation rows, against EGN (gn_egn_epoch,
 * mini-batches of 32) on gn_egn_example's data, o->seeds runs each; then, when o->cost, the
 * Duncan-Guttman cost sweep (smaller when ctx->quick). Data and runs from ctx->seed,
 * progress unless ctx->quiet. The seconds are wall clock, so they differ between runs; all
 * else is deterministic. 0, or -1 when memory ran out or the data could not be made (*r
 * then empty). Free with nb_egn_result_free (NULL-safe). */
int nb_egn_compute(nb_egn_result *r, const nb_ctx *ctx, const nb_egn_opts *o);
/* nb_egn_result_free: NULL-safe. No equation: deallocation. */
void nb_egn_result_free(nb_egn_result *r);

/* 6: GN against GD with more parameters than samples. */
enum { NB_OP_MAXSCALES = 8 };
typedef struct {
    size_t width, samples, iters, seeds;
    double scales[NB_OP_MAXSCALES]; /* initial weight scales, > 0 */
    int nscales;
} nb_overparam_opts;
/* nb_overparam_opts_default: the page's sizes and scales (smaller when quick).
 * No equation: defaults. */
nb_overparam_opts nb_overparam_opts_default(int quick);
/* nb_overparam_run: notebook 6, GN against GD over-parameterised, MATH.md §10:
 * nb_overparam_compute, then the page. Returns as above. */
int nb_overparam_run(const nb_ctx *ctx, const nb_overparam_opts *o);

enum { NB_OP_NREC = 60, NB_OP_NTEST = 400 };
/* one run of notebook 6, recorded at NB_OP_NREC log-spaced iterations (nrec of them) */
typedef struct {
    double train[NB_OP_NREC]; /* training loss mean (f - y)^2 / 2 */
    double test[NB_OP_NREC];  /* the same on NB_OP_NTEST noise-free teacher points */
    double smin[NB_OP_NREC];  /* sigma_min(Phi Phi^T) */
    double move[NB_OP_NREC];  /* |w_t - w_0| / |w_0| */
    size_t iter[NB_OP_NREC], nrec;
    double h;        /* the step: GN 0.2, GD min(1, N / lambda_max(K_0)) */
    double dg_check; /* GN's first step: push-through against primal direction, relative
                      * difference over its bound 8 (N + P) u kappa (<= 1 expected) */
    int diverged;
} nb_overparam_trace;
typedef struct {
    size_t P;                  /* parameters of the network */
    size_t nrun;               /* nscales * 2 * seeds, ordered (scale, GD then GN, seed) */
    nb_overparam_trace *runs;  /* nrun */
    double *wfin;              /* nrun x P final weights */
    double *x, *y;             /* the N training inputs (N x 3) and noisy labels */
    double *xs;                /* the slice x = t u, t uniform on [-1.5, 1.5], NB_OP_NTEST x 3 */
    gn_mlp *m;                 /* the 3 -> width -> 1 SiLU network */
} nb_overparam_result;
/* nb_overparam_compute: notebook 6's runs, MATH.md §10: GN
 * w+ = w - h Phi^T (Phi Phi^T + eps(w) I)^-1 r, eps(w) = max(1e-6, sigma_min(Phi Phi^T)),
 * by the Duncan-Guttman push-through solve (gn_dg_dir), against GD w+ = w - h Phi^T r / N,
 * from o->seeds draws of the initial weights at each scale; data from ctx->seed, progress
 * unless ctx->quiet. A run whose loss or kernel became non-finite is marked diverged (its
 * trace stops there). 0, or -1 when memory ran out (*r then empty). Free with
 * nb_overparam_result_free (NULL-safe). */
int nb_overparam_compute(nb_overparam_result *r, const nb_ctx *ctx,
                         const nb_overparam_opts *o);
/* nb_overparam_result_free: NULL-safe. No equation: deallocation. */
void nb_overparam_result_free(nb_overparam_result *r);

#endif
