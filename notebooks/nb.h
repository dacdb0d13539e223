/* nb.h: the page writer behind `gnlab notebook`. A notebook is a function that runs its
 * computation with the core and writes, under ROOT/NAME/:
 *   index.html and page.md   the same text, as HTML and as Markdown;
 *   *.dat / *.csv            the data behind every figure;
 *   *.gp and *.svg           the gnuplot script and its rendering (by running gnuplot);
 *   *.dot and *.svg          the Graphviz source and its rendering (by running dot).
 * When gnuplot or dot is missing the script is still written and the page says that the
 * SVG was skipped. Checks a notebook makes on its own numbers (nb_check) are shown on the
 * page and counted: a failed check makes `gnlab notebook` exit 1. */
#ifndef GN_NB_H
#define GN_NB_H

#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#include "gn.h"

/* What every notebook receives besides its own flags. */
typedef struct {
    const char *root; /* output root, e.g. build/notebooks */
    int quick;        /* small sizes (tests, CI) */
    int quiet;        /* no progress */
    uint64_t seed;    /* base seed (GN_SEED or --seed) */
} nb_ctx;

/* A notebook: its name, title, one-line summary, the file name of its main figure (the
 * index page's thumbnail), its flags' help text, and its entry point. run() parses its own
 * flags (argv[0] is the notebook name) and returns GN_EXIT_PASS, GN_EXIT_FAIL (a check on
 * the page failed, or a run could not finish) or GN_EXIT_USAGE. */
typedef struct {
    const char *name;
    const char *title;
    const char *summary;
    const char *thumb;
    const char *flags;
    int (*run)(const nb_ctx *ctx, int argc, char **argv);
} nb_notebook;

/* the registry, in index order, terminated by an entry with name == NULL */
extern const nb_notebook nb_notebooks[];
const nb_notebook *nb_find(const char *name);

typedef struct nb_page nb_page;

/* nb_page_open: create ROOT/NAME/ (and ROOT) and open its index.html and page.md with the
 * title as heading. NULL (with a message on stderr) when a directory or file cannot be
 * created. */
nb_page *nb_page_open(const nb_ctx *ctx, const char *name, const char *title);

/* nb_page_close: finish and close both files; returns the number of failed checks, or -1
 * when a write failed. NULL-safe (returns -1). */
int nb_page_close(nb_page *p);

/* Text. The format's result is plain text in which `code` marks code; the HTML gets
 * <, > and & escaped. */
void nb_h2(nb_page *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void nb_para(nb_page *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Tables: header and rows are cells separated by '|'. */
void nb_table_begin(nb_page *p, const char *header);
void nb_table_row(nb_page *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void nb_table_end(nb_page *p);

/* nb_links: a paragraph "LABEL a, b, c." linking the comma-separated files (page-relative). */
void nb_links(nb_page *p, const char *label, const char *files);

/* nb_check: a check the notebook makes on its numbers, shown as "check passed/FAILED: ..."
 * and counted. Returns ok. */
int nb_check(nb_page *p, int ok, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* nb_data_open: open ROOT/NAME/FILE for writing (a figure's data); NULL on failure.
 * The caller closes it with fclose. */
FILE *nb_data_open(nb_page *p, const char *file);

/* nb_plot: write BASE.gp = a terminal line for BASE.svg followed by the body (gnuplot
 * commands reading data files by their names in the page directory), run gnuplot there,
 * and put the figure with its caption and links to the script and the data files (a
 * comma-separated list, may be empty) on the page. Returns 1 when the SVG was rendered,
 * 0 when skipped (gnuplot missing) and -1 when gnuplot failed (counted as a failed check). */
int nb_plot(nb_page *p, const char *base, const char *caption, const char *data,
            const char *body);

/* nb_plot_sized: nb_plot with the SVG's width and height in pixels (nb_plot: 760 x 460). */
int nb_plot_sized(nb_page *p, const char *base, const char *caption, const char *data,
                  int width, int height, const char *body);

/* nb_gnuplot_str: s as a gnuplot single-quoted literal (gn_io_gnuplot_str: quotes doubled,
 * control characters made spaces) in buf, for text that is not the notebook's own (a file
 * name) inside a plot body. Returns buf; '' when the literal does not fit in cap. */
char *nb_gnuplot_str(char *buf, size_t cap, const char *s);

/* nb_graph: the same for a Graphviz graph: BASE.dot rendered by `dot -Tsvg`. */
int nb_graph(nb_page *p, const char *base, const char *caption, const char *dot);

/* nb_tool_available: 1 when the program is on PATH (cached per name). */
int nb_tool_available(const char *prog);

/* nb_write_index: ROOT/index.html and ROOT/index.md linking every registered notebook
 * (with its summary and its thumbnail when ROOT/NAME/THUMB exists; marked "not generated"
 * otherwise). Returns 0, or -1 when a file cannot be written. */
int nb_write_index(const char *root);

/* nb_mkdirs: mkdir -p. 0 on success. */
int nb_mkdirs(const char *path);

/* Summary statistics over n values: mean and sample standard deviation (0 when n < 2),
 * ignoring nothing (NaN propagates). */
void nb_mean_std(double *mean, double *sd, const double *v, size_t n);

/* Parse a comma-separated list of doubles into out (cap entries); count or -1. */
int nb_parse_list(double *out, size_t cap, const char *s);

/* Flag parsing for notebooks: when argv[*i] is the flag, read its value from argv[*i + 1],
 * advance *i and return 1; return -1 (message printed, "gnlab notebook NB: --flag: why")
 * when the value is missing or bad; 0 when argv[*i] is another flag. */
int nb_flag_double(double *out, const char *nb, const char *flag, int argc, char **argv, int *i,
                   double lo, double hi);
int nb_flag_size(size_t *out, const char *nb, const char *flag, int argc, char **argv, int *i,
                 size_t lo, size_t hi);
int nb_flag_str(const char **out, const char *nb, const char *flag, int argc, char **argv,
                int *i);

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
 * non-number or an unknown category; *out untouched then. */
long nb_diamonds_read(nb_diamond **out, const char *path);

/* The notebooks (one file each). */
int nb_rank1_run(const nb_ctx *ctx, int argc, char **argv);
int nb_scale_run(const nb_ctx *ctx, int argc, char **argv);
int nb_supervised_run(const nb_ctx *ctx, int argc, char **argv);
int nb_lqr_run(const nb_ctx *ctx, int argc, char **argv);
int nb_egn_run(const nb_ctx *ctx, int argc, char **argv);
int nb_overparam_run(const nb_ctx *ctx, int argc, char **argv);

#endif
