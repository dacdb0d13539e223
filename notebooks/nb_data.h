/* nb_data.h: a user's numeric table as features and a target for the notebooks (issue 15):
 * `--data FILE --target COL [--no-header]` of notebook supervised and notebook scale
 * (docs/notebook-data.md). */
#ifndef NB_DATA_H
#define NB_DATA_H

#include "nb.h"

#include <stddef.h>

typedef struct {
    size_t n, d;    /* rows, features (every column but the target) */
    double *X;      /* n x d row-major, in the file's row order */
    double *y;      /* the target column */
    char **names;   /* d feature names ("column K" without a header) */
    size_t *col;    /* d: the feature's 0-based column in the file */
    char *target;   /* the target column's name */
} nb_xy;

/* nb_xy_load: the table at path (gn_io_csv_read_opts: .csv, .tsv, gzip) split into the
 * target column (a name, or a 1-based number; always a number with no_header) and the
 * features. nb names the notebook in messages.
 * No equation: data loading. Special: -1 after a message on stderr naming the file (and line,
 * column) for an unreadable file, a target that is not a column, fewer than 2 columns or 20
 * rows; *xy is then empty. */
int nb_xy_load(nb_xy *xy, const char *path, const char *target, int no_header,
               const char *nb);

/* nb_xy_free: NULL-safe; leaves *xy empty. No equation: deallocation. */
void nb_xy_free(nb_xy *xy);

/* nb_mean_sd_strided: mean and population standard deviation of v[0], v[stride], ... (n
 * values, two passes). No equation: summary statistics (relative error O(n u) for
 * well-scaled data). */
void nb_mean_sd_strided(double *mu, double *sd, const double *v, size_t n, size_t stride);

/* nb_xy_standardise: the d columns of X (n rows, row-major) to mean 0 and standard deviation
 * 1 over the first ntr rows, the feature names and file columns from xy for messages.
 * No equation: standardisation. Special: -1 after a message (naming the file path and the
 * column) when a column is constant, or its deviation not finite, over the ntr rows: it
 * cannot be standardised. */
int nb_xy_standardise(double *X, size_t n, size_t d, size_t ntr, const nb_xy *xy,
                      const char *path, const char *nb);

#endif
