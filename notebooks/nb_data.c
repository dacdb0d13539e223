/* nb_data.c: a user's table as features and target for the notebooks (nb_data.h). */
#include "nb_data.h"

#include "gn_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the column target names: a column name, else (or always without a header) a 1-based
 * column number; -1 after a message */
static long target_column(const gn_io_table *tb, const char *path, const char *target,
                          int no_header, const char *nb)
{
    long tc = no_header ? -1 : gn_io_table_col(tb, target);
    if (tc >= 0)
        return tc;
    char *end;
    unsigned long k = strtoul(target, &end, 10);
    int number = *target >= '0' && *target <= '9' && !*end;
    if (number && k >= 1 && k <= tb->ncols)
        return (long)k - 1;
    if (number)
        fprintf(stderr, "gnlab notebook %s: %s: --target %s: the file has %zu columns (1 to "
                "%zu)\n", nb, path, target, tb->ncols, tb->ncols);
    else if (no_header)
        fprintf(stderr, "gnlab notebook %s: %s: --target %s: without a header the target is "
                "a column number (1 to %zu)\n", nb, path, target, tb->ncols);
    else
        fprintf(stderr, "gnlab notebook %s: %s: --target %s: no column of that name (the "
                "header has %s%s%s ...) and not a column number\n", nb, path, target,
                tb->names[0], tb->ncols > 1 ? ", " : "", tb->ncols > 1 ? tb->names[1] : "");
    return -1;
}

int nb_xy_load(nb_xy *xy, const char *path, const char *target, int no_header,
               const char *nb)
{
    memset(xy, 0, sizeof *xy);
    gn_io_table tb;
    char err[512];
    gn_io_csv_opts co = {no_header, 0};
    if (gn_io_csv_read_opts(&tb, path, &co, err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab notebook %s: %s\n", nb, err);
        return -1;
    }
    long tc = target_column(&tb, path, target, no_header, nb);
    if (tc >= 0 && (tb.ncols < 2 || tb.nrows < 20)) {
        fprintf(stderr, "gnlab notebook %s: %s: %zu columns and %zu rows: the notebook needs "
                ">= 2 columns and >= 20 rows\n", nb, path, tb.ncols, tb.nrows);
        tc = -1;
    }
    if (tc < 0) {
        gn_io_table_free(&tb);
        return -1;
    }
    size_t n = tb.nrows, d = tb.ncols - 1;
    xy->n = n;
    xy->d = d;
    xy->X = malloc(n * d * sizeof *xy->X);
    xy->y = malloc(n * sizeof *xy->y);
    xy->names = calloc(d, sizeof *xy->names);
    xy->col = malloc(d * sizeof *xy->col);
    xy->target = strdup(tb.names[tc]);
    int bad = !xy->X || !xy->y || !xy->names || !xy->col || !xy->target;
    for (size_t c = 0, k = 0; !bad && c < tb.ncols; c++) {
        if ((long)c == tc)
            continue;
        xy->col[k] = c;
        bad = !(xy->names[k] = strdup(tb.names[c]));
        for (size_t i = 0; !bad && i < n; i++)
            xy->X[i * d + k] = tb.cols[c * n + i];
        k++;
    }
    for (size_t i = 0; !bad && i < n; i++)
        xy->y[i] = tb.cols[(size_t)tc * n + i];
    gn_io_table_free(&tb);
    if (bad) {
        fprintf(stderr, "gnlab notebook %s: %s: out of memory\n", nb, path);
        nb_xy_free(xy);
        return -1;
    }
    return 0;
}

void nb_xy_free(nb_xy *xy)
{
    if (!xy)
        return;
    if (xy->names)
        for (size_t c = 0; c < xy->d; c++)
            free(xy->names[c]);
    free(xy->names);
    free(xy->X);
    free(xy->y);
    free(xy->col);
    free(xy->target);
    memset(xy, 0, sizeof *xy);
}

void nb_mean_sd_strided(double *mu, double *sd, const double *v, size_t n, size_t stride)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i * stride];
    *mu = s / (double)n;
    for (size_t i = 0; i < n; i++)
        q += (v[i * stride] - *mu) * (v[i * stride] - *mu);
    *sd = sqrt(q / (double)n);
}

int nb_xy_standardise(double *X, size_t n, size_t d, size_t ntr, const nb_xy *xy,
                      const char *path, const char *nb)
{
    for (size_t c = 0; c < d; c++) {
        double mu, sd;
        nb_mean_sd_strided(&mu, &sd, X + c, ntr, d);
        if (!(sd > 0) || !isfinite(sd)) {
            char nm[96] = ""; /* a headerless column's name is its number: not twice */
            if (strncmp(xy->names[c], "column ", 7) != 0)
                snprintf(nm, sizeof nm, " (%.80s)", xy->names[c]);
            fprintf(stderr, "gnlab notebook %s: %s: column %zu%s is %s over the %zu training "
                    "rows: it cannot be standardised (drop it, or give --standardize none)\n",
                    nb, path, xy->col[c] + 1, nm, sd > 0 ? "too large" : "constant", ntr);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            X[i * d + c] = (X[i * d + c] - mu) / sd;
    }
    return 0;
}
