/* nb_scale_data.c: notebook 2 on the user's data (`gnlab notebook scale --data FILE --target
 * COL`): the scale-robustness experiment of the paper's Figure 1 (MATH.md §5) with a dense
 * linear model f = w^T x (x the standardised features and a constant 1) trained one sample
 * at a time on the squared loss. SGD's step on coordinate k is alpha l' x_k; multiplying
 * feature k by m_k multiplies SGD's change of f along it by m_k^2, while IGND's step
 * alpha l' x / (|x|^2 + lambda) changes f by about alpha l' whatever the scale (§5). */
#include "gn_io.h"
#include "nb.h"
#include "nb_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB "scale"

enum { NCOND = 5, NPTS = 21 };
#define SD_TRAIN_MAX 20000  /* training rows used at most (the rest of 80 % is left out) */
#define SD_TEST_MAX 5000    /* test rows used at most */
#define SD_MSE_CAP 1e6      /* test MSE drawn at this cap when above it or diverged */
#define SD_SPLIT_STREAM 77  /* rng stream of the shuffle (fixed: every run sees one split) */
#define SD_SCALE_STREAM 1000 /* + seed index: the multipliers of a run */
#define SD_ORDER_STREAM 2000 /* + seed index: the sample order of a run */

static const char *const cond_name[NCOND] = {"SGD", "IGND", "SGD, scaled", "IGND, scaled",
                                             "SGD, scaled, retuned rate"};

typedef struct {
    size_t ntr, nte, d;  /* d includes the constant feature */
    double *X;           /* (ntr + nte) x d, standardised, last column 1 */
    double *y;           /* standardised on the training rows */
    double sgd_alpha;    /* alpha / mean |x|^2 over the training rows (original features) */
} sd_task;

/* test MSE of w on features times m */
static double test_mse(const sd_task *t, const double *w, const double *m)
{
    double s = 0;
    for (size_t i = t->ntr; i < t->ntr + t->nte; i++) {
        const double *x = t->X + i * t->d;
        double f = 0;
        for (size_t k = 0; k < t->d; k++)
            f += w[k] * m[k] * x[k];
        s += (f - t->y[i]) * (f - t->y[i]);
    }
    double v = s / (double)t->nte;
    return isfinite(v) ? v : NAN;
}

/* one run of condition c: mse[0..NPTS) at evenly spaced sample counts; 0, or -1 diverged */
static int sd_run(double *mse, const sd_task *t, int c, const double *mult, double alpha,
                  double alpha_re, double lambda, size_t epochs, uint64_t seed, uint64_t r)
{
    const double *m = c >= 2 ? mult : NULL;
    double *w = calloc(t->d, sizeof *w), *x = malloc(t->d * sizeof *x),
           *one = malloc(t->d * sizeof *one);
    if (!w || !x || !one) {
        free(w), free(x), free(one);
        return -2;
    }
    for (size_t k = 0; k < t->d; k++)
        one[k] = 1;
    if (!m)
        m = one;
    gn_rng rng;
    gn_rng_seed(&rng, seed, SD_ORDER_STREAM + r);
    size_t total = epochs * t->ntr, pt = 0, div = 0;
    mse[pt++] = test_mse(t, w, m);
    for (size_t s = 0; s < total && !div; s++) {
        size_t i = (size_t)(gn_rng_u64(&rng) % t->ntr);
        for (size_t k = 0; k < t->d; k++)
            x[k] = m[k] * t->X[i * t->d + k];
        gn_status st;
        if (c == 1 || c == 3)
            st = gn_linear_step_ignd(w, NULL, x, t->d, t->y[i], GN_LOSS_SQUARED, alpha,
                                     (gn_damping){lambda, 0});
        else
            st = gn_linear_step_sgd(w, NULL, x, t->d, t->y[i], GN_LOSS_SQUARED,
                                    c == 4 ? alpha_re : t->sgd_alpha);
        div = st != GN_OK || !gn_allfinite(w, t->d);
        while (!div && pt < NPTS && (s + 1) * (NPTS - 1) >= pt * total)
            mse[pt++] = test_mse(t, w, m);
    }
    while (pt < NPTS)
        mse[pt++] = NAN;
    free(w), free(x), free(one);
    return div ? -1 : 0;
}

/* the task: shuffle, split 80/20, standardise on the training rows, a constant feature */
static int sd_task_make(sd_task *t, const nb_xy *xy, const char *path, uint64_t seed,
                        double alpha)
{
    size_t n = xy->n, ntr = n * 8 / 10;
    t->ntr = ntr < SD_TRAIN_MAX ? ntr : SD_TRAIN_MAX;
    t->nte = n - ntr < SD_TEST_MAX ? n - ntr : SD_TEST_MAX;
    t->d = xy->d + 1;
    t->X = malloc((t->ntr + t->nte) * t->d * sizeof *t->X);
    t->y = malloc((t->ntr + t->nte) * sizeof *t->y);
    double *F = malloc((t->ntr + t->nte) * xy->d * sizeof *F);
    size_t *perm = malloc(n * sizeof *perm);
    if (!t->X || !t->y || !F || !perm) {
        free(F), free(perm);
        return -2;
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    gn_rng rng;
    gn_rng_seed(&rng, seed, SD_SPLIT_STREAM);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(gn_rng_u64(&rng) % i), tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
    /* rows [0, ntr) train, then test rows from the last 20 % */
    for (size_t i = 0; i < t->ntr + t->nte; i++) {
        size_t r = perm[i < t->ntr ? i : ntr + (i - t->ntr)];
        memcpy(F + i * xy->d, xy->X + r * xy->d, xy->d * sizeof *F);
        t->y[i] = xy->y[r];
    }
    free(perm);
    int rc = nb_xy_standardise(F, t->ntr + t->nte, xy->d, t->ntr, xy, path, NB);
    double ym, ysd;
    nb_mean_sd_strided(&ym, &ysd, t->y, t->ntr, 1);
    if (rc == 0 && !(ysd > 0 && isfinite(ysd))) {
        fprintf(stderr, "gnlab notebook scale: %s: the target is constant over the %zu "
                "training rows: nothing to learn\n", path, t->ntr);
        rc = -1;
    }
    double x2 = 0;
    for (size_t i = 0; rc == 0 && i < t->ntr + t->nte; i++) {
        memcpy(t->X + i * t->d, F + i * xy->d, xy->d * sizeof *F);
        t->X[i * t->d + xy->d] = 1;
        t->y[i] = (t->y[i] - ym) / ysd;
        for (size_t k = 0; i < t->ntr && k < t->d; k++)
            x2 += t->X[i * t->d + k] * t->X[i * t->d + k];
    }
    free(F);
    /* SGD's rate tuned to the original features: alpha over the mean |x|^2, the step size
     * at which SGD's change of f equals IGND's on an average sample */
    t->sgd_alpha = alpha / (x2 / (double)t->ntr);
    return rc;
}

/* the multipliers of run r: uniform on {-S..S} \ {0}; 1 for the constant feature too */
static void multipliers(double *m, size_t d, long S, uint64_t seed, uint64_t r)
{
    gn_rng rng;
    gn_rng_seed(&rng, seed, SD_SCALE_STREAM + r);
    for (size_t k = 0; k < d; k++) {
        long v = (long)(gn_rng_u64(&rng) % (uint64_t)(2 * S)) - S;
        m[k] = (double)(v >= 0 ? v + 1 : v);
    }
}

/* the page's table, plot and finding from mse (NCOND x seeds x NPTS) */
static void sd_page(nb_page *p, const sd_task *t, const nb_scale_opts *o, const double *mse,
                    const int *ndiv, double alpha_re, size_t epochs)
{
    size_t seeds = o->seeds;
    FILE *f = nb_data_open(p, "mse.dat");
    double fin[NCOND], fsd[NCOND], *tmp = malloc(seeds * sizeof *tmp);
    for (int c = 0; c < NCOND; c++)
        fin[c] = fsd[c] = NAN;
    if (f && tmp) {
        fprintf(f, "# samples seen, then per condition (%s; %s; %s; %s; %s) the mean and std "
                   "of the test MSE over the runs, capped at %g\n",
                cond_name[0], cond_name[1], cond_name[2], cond_name[3], cond_name[4],
                SD_MSE_CAP);
        for (size_t k = 0; k < NPTS; k++) {
            fprintf(f, "%zu", k * epochs * t->ntr / (NPTS - 1));
            for (int c = 0; c < NCOND; c++) {
                for (size_t r = 0; r < seeds; r++) {
                    double v = mse[((size_t)c * seeds + r) * NPTS + k];
                    tmp[r] = isfinite(v) && v < SD_MSE_CAP ? v : SD_MSE_CAP;
                }
                double mu, sd;
                nb_mean_std(&mu, &sd, tmp, seeds);
                fprintf(f, " %.6g %.6g", mu, sd);
                if (k == NPTS - 1) {
                    fin[c] = mu;
                    fsd[c] = sd;
                }
            }
            fputc('\n', f);
        }
    }
    if (f)
        nb_data_close(p, f);
    free(tmp);
    /* a condition whose every run diverged has no MSE: say so, not the plot's cap */
    char txt[NCOND][64];
    for (int c = 0; c < NCOND; c++)
        if ((size_t)ndiv[c] == seeds)
            snprintf(txt[c], sizeof txt[c], "none (every run diverged)");
        else
            snprintf(txt[c], sizeof txt[c], "%.4g ± %.2g%s", fin[c], fsd[c],
                     ndiv[c] ? " (diverged runs at the cap)" : "");
    nb_h2(p, "Results");
    nb_table_begin(p, "condition|rate|test MSE after training (mean ± std)|diverged runs");
    for (int c = 0; c < NCOND; c++)
        nb_table_row(p, "%s|%.3g|%s|%d of %zu", cond_name[c],
                     c == 1 || c == 3 ? o->alpha : c == 4 ? alpha_re : t->sgd_alpha, txt[c],
                     ndiv[c], seeds);
    nb_table_end(p);
    nb_plot(p, "mse",
            "Test MSE of the standardised target (1 = predicting the mean) against samples "
            "seen, mean ± std over seeds, log scale; diverged runs drawn at the cap.",
            "mse.dat",
            "set xlabel 'samples seen'\nset ylabel 'test MSE (standardised target)'\n"
            "set logscale y\nset grid\nset key outside right\n"
            "set style fill transparent solid 0.15 noborder\n"
            "lo(m,s) = (m-s > m/100 ? m-s : m/100)\n"
            "plot 'mse.dat' using 1:2 with lines lw 2 dt 2 lc rgb '#d95f02' title 'SGD', \\\n"
            "  '' using 1:4 with lines lw 2 dt 2 lc rgb '#1b4f9c' title 'IGND', \\\n"
            "  '' using 1:(lo($6,$7)):($6+$7) with filledcurves lc rgb '#d95f02' notitle, \\\n"
            "  '' using 1:6 with lines lw 2 lc rgb '#d95f02' title 'SGD, scaled', \\\n"
            "  '' using 1:(lo($8,$9)):($8+$9) with filledcurves lc rgb '#1b4f9c' notitle, \\\n"
            "  '' using 1:8 with lines lw 2 lc rgb '#1b4f9c' title 'IGND, scaled', \\\n"
            "  '' using 1:10 with lines lw 2 dt 3 lc rgb '#7570b3' title 'SGD, retuned'\n");
    double ratio[2];
    for (int c = 0; c < 2; c++) {
        ratio[c] = 0;
        for (size_t r = 0; r < seeds; r++) {
            const double *e = mse + ((size_t)c * seeds + r) * NPTS;
            ratio[c] = fmax(ratio[c], nb_learn_ratio(e[0], e[NPTS - 1]));
        }
    }
    static const char *const meths[2] = {"SGD", "IGND"};
    nb_check_learned(p, "original features", meths, ratio, 2);
    /* Figure 1's claim on the user's data: scaling the features hurts SGD (at its tuned
     * rate) more than IGND. Run r of every condition shares its seed (and so its multipliers),
     * so they pair: d_r = log10(SGD scaled / SGD) - log10(IGND scaled / IGND), in decades of
     * final test MSE (a diverged run counts at the cap, which can only shrink d for SGD) */
    double *d = malloc(seeds * sizeof *d);
    if (d) {
        size_t nd = 0;
        for (size_t r = 0; r < seeds; r++) {
            double v[4];
            for (int c = 0; c < 4; c++) {
                double e = mse[((size_t)c * seeds + r) * NPTS + NPTS - 1];
                v[c] = isfinite(e) && e < SD_MSE_CAP ? e : SD_MSE_CAP;
            }
            if (v[0] > 0 && v[1] > 0 && v[2] > 0 && v[3] > 0)
                d[nd++] = log10(v[2] / v[0]) - log10(v[3] / v[1]);
        }
        nb_claim_begin(p, "Figure 1 (MATH.md §5) on your data: multiplying the features by "
                          "random integers hurts SGD at its tuned rate more than IGND.",
                       "Run r of each condition shares its seed and multipliers, so the runs "
                       "pair; d = log10(SGD scaled / SGD) - log10(IGND scaled / IGND) in decades "
                       "of final test MSE (a diverged run at the cap).");
        nb_claim_compare(p, "scaling hurts SGD more than IGND", "decades", d, nd);
        nb_claim_end(p, seeds < 3 ? "fewer than 3 runs: raise --seeds" : NULL);
        free(d);
    }
    nb_para(p, "With every feature multiplied by a random integer of magnitude up to %ld, SGD "
               "at the rate tuned on the original features ended at a test MSE of %s (%d of "
               "%zu runs diverged), IGND at the same α at %s, and SGD at the retuned rate %.3g "
               "at %s; on the original features SGD reached %s and IGND %s. IGND's step "
               "divides by |x|² + λ, so the scale of the features changes it little; SGD's "
               "change of f grows with the square of each multiplier.",
            o->scale_max, txt[2], ndiv[2], seeds, txt[3], alpha_re, txt[4], txt[0], txt[1]);
}

int nb_scale_data_run(const nb_ctx *ctx, const nb_scale_opts *o)
{
    nb_xy xy;
    if (nb_xy_load(&xy, o->data, o->target, o->no_header, NB) != 0)
        return GN_EXIT_USAGE;
    sd_task t = {0};
    int rc = sd_task_make(&t, &xy, o->data, ctx->seed, o->alpha);
    size_t seeds = o->seeds, epochs = o->epochs ? o->epochs : (ctx->quick ? 1 : 3);
    double S = (double)o->scale_max;
    double alpha_re = o->alpha_retuned > 0 ? o->alpha_retuned : t.sgd_alpha / (S * S);
    double *mse = rc == 0 ? malloc(NCOND * seeds * NPTS * sizeof *mse) : NULL;
    double *mult = rc == 0 ? malloc(t.d * sizeof *mult) : NULL;
    int ndiv[NCOND] = {0};
    if (rc == 0 && (!mse || !mult))
        rc = -2;
    for (size_t r = 0; rc == 0 && r < seeds; r++) {
        multipliers(mult, t.d, o->scale_max, ctx->seed, r);
        for (int c = 0; rc == 0 && c < NCOND; c++) {
            if (!ctx->quiet)
                gn_io_progress("notebook scale: runs", r * NCOND + (size_t)c + 1, seeds * NCOND);
            int k = sd_run(mse + ((size_t)c * seeds + r) * NPTS, &t, c, mult, o->alpha,
                           alpha_re, o->lambda, epochs, ctx->seed, r);
            if (k == -2)
                rc = -2;
            ndiv[c] += k == -1;
        }
    }
    if (!ctx->quiet && rc == 0)
        gn_io_progress_done();
    nb_page *p = rc == 0 ? nb_page_open(ctx, NB, "2. Scale robustness on your data") : NULL;
    if (p) {
        nb_para(p, "The paper's Figure 1 (MATH.md §5): IGND is robust to the scale of the "
                   "features, SGD is not. Here on %s: target %s, %zu features plus a "
                   "constant, standardised on %zu training rows (%zu test rows; a fixed "
                   "shuffle). A linear model is trained on the squared loss one sample at a "
                   "time for %zu pass(es), %zu runs per condition. SGD's rate is α over the "
                   "mean |x|² of the training rows (α = %g), IGND's is α (damping λ = %g); the "
                   "scaled conditions multiply each feature by a random integer from "
                   "{-%ld..%ld} \\ {0} (drawn per run), and the retuned SGD divides its rate "
                   "by %ld².",
                o->data, xy.target, xy.d, t.ntr, t.nte, epochs, seeds, o->alpha, o->lambda,
                o->scale_max, o->scale_max, o->scale_max);
        nb_page_data(p, "%s, target %s, %zu features, %zu training rows", o->data, xy.target,
                     xy.d, t.ntr);
        sd_page(p, &t, o, mse, ndiv, alpha_re, epochs);
    }
    free(mse);
    free(mult);
    free(t.X);
    free(t.y);
    nb_xy_free(&xy);
    if (rc == -1)
        return GN_EXIT_USAGE;
    if (!p)
        return rc == -2 ? GN_EXIT_FAIL : GN_EXIT_USAGE;
    return nb_page_finish(p, 0);
}
