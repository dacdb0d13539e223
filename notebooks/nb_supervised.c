/* nb_supervised.c: notebook 3, supervised learning at batch size 1 (the paper's §5.3,
 * Table 2 and Figure 2): SGD, IGND, Adam and Adam-IGND on an MLP, rates chosen on a
 * validation split over a logarithmic grid, test metrics mean ± std over seeds. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "nb.h"
#include "nb_data.h"
#include "gn_io_shard.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB "supervised"

/* Constants the paper does not preserve (MATH.md §12): the toolkit's choices. */
#define SV_LAMBDA_SQ 0.1    /* IGND damping for squared loss (mu = 0) */
#define SV_MU_SQ 0.0
#define SV_LAMBDA_BCE 0.1   /* IGND damping for BCE */
#define SV_MU_BCE 0.1
#define SV_GRID_LO 1e-4     /* learning-rate grid: SV_GRID_N log-spaced values in [LO, HI] */
#define SV_GRID_HI 1.0
#define SV_GRID_N 9
#define SV_HIDDEN {32, 16}  /* hidden widths of the ReLU MLP */
#define SV_TRAIN 12000      /* training rows used by default (0 = all) */
#define SV_EVAL_ROWS 3000   /* validation and test rows evaluated at most */
#define SV_SPLIT_STREAM 77  /* rng stream of the train/validation/test shuffle */
#define SV_NSPLIT 5         /* final run r trains and tests on split r mod SV_NSPLIT */
#define SV_SPLIT_STEP 7919  /* split s >= 1 shuffles with seed + SV_SPLIT_STEP s */
#define SV_NCURVE NB_SWEEP_NCURVE /* checkpoints per run */
#define SV_DIAMONDS "notebooks/data/diamonds.csv.gz"

enum { NOPT = NB_SWEEP_NOPT };
static const char *opt_name[NOPT] = {"SGD", "IGND", "Adam", "Adam-IGND"};

typedef struct {
    char title[160];
    char metric[32];    /* "MAPE" or "accuracy" */
    gn_loss_kind loss;
    size_t n, d;
    double *X;          /* n x d row-major, standardised on the training rows */
    double *y;          /* training target (standardised for squared loss) */
    double *yraw;       /* original target (for MAPE) */
    double ymean, ysd;  /* target standardisation (squared loss) */
    size_t ntr, nva, nte; /* rows [0, ntr) train, then validation, then test */
    char features[1024];
} task;

static void task_free(task *t)
{
    free(t->X);
    free(t->y);
    free(t->yraw);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ Diamonds */

static const char *cuts[] = {"Fair", "Good", "Very Good", "Premium", "Ideal", NULL};
static const char *colors[] = {"D", "E", "F", "G", "H", "I", "J", NULL};
static const char *clarities[] = {"I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF", NULL};

static int lookup(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

typedef nb_diamond diamond;

/* one data line of the Diamonds layout into *d; 0, or -1 with a message naming the line */
static int diamond_line(diamond *d, char *line, const char *path, long lineno)
{
    char *field[10];
    int nf = 0;
    char *s = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (nf < 10) {
        field[nf++] = s;
        char *c = strchr(s, ',');
        if (!c)
            break;
        *c = '\0';
        s = c + 1;
    }
    if (nf != 10) {
        fprintf(stderr, "gnlab notebook supervised: %s:%ld: %d fields, want 10\n", path, lineno,
                nf);
        return -1;
    }
    for (int i = 0; i < 10; i++) {
        size_t L = strlen(field[i]);
        if (L >= 2 && field[i][0] == '"' && field[i][L - 1] == '"') {
            field[i][L - 1] = '\0';
            field[i]++;
        }
    }
    double v[7];
    const int numidx[7] = {0, 4, 5, 6, 7, 8, 9};
    for (int i = 0; i < 7; i++) {
        char *end;
        errno = 0;
        v[i] = strtod(field[numidx[i]], &end);
        if (end == field[numidx[i]] || *end || errno || !isfinite(v[i])) {
            fprintf(stderr, "gnlab notebook supervised: %s:%ld: field %d is not a number\n",
                    path, lineno, numidx[i] + 1);
            return -1;
        }
    }
    int cu = lookup(cuts, field[1]), co = lookup(colors, field[2]),
        cl = lookup(clarities, field[3]);
    if (cu < 0 || co < 0 || cl < 0) {
        fprintf(stderr, "gnlab notebook supervised: %s:%ld: unknown cut/color/clarity\n", path,
                lineno);
        return -1;
    }
    *d = (diamond){v[0], v[1], v[2], v[3], v[4], v[5], v[6], cu, co, cl};
    return 0;
}

/* read the 10-column ggplot2 layout (carat,cut,color,clarity,depth,table,price,x,y,z) from
 * a .csv.gz (decompressed by zlib in memory). Its text columns (cut, color, clarity) keep it
 * from gn_io_csv_read_stream, which takes numbers only. -1 with a message naming the line
 * on malformed input. */
long nb_diamonds_read(nb_diamond **out, const char *path)
{
    size_t len = 0;
    char *text = NULL;
    char err[512];
    if (gn_io_read_maybe_gz(&text, &len, path, "the Diamonds .csv.gz", GN_IO_CSV_MAXBYTES,
                            err, sizeof err) != GN_OK) {
        fprintf(stderr, "gnlab notebook supervised: %s\n", err);
        return -1;
    }
    FILE *f = len ? fmemopen(text, len, "r") : NULL;
    if (!f) {
        fprintf(stderr, "gnlab notebook supervised: %s: no rows\n", path);
        free(text);
        return -1;
    }
    size_t cap = 65536, n = 0;
    diamond *d = malloc(cap * sizeof *d);
    char line[512];
    long lineno = 0;
    int bad = !d;
    while (!bad && fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "\"carat\",\"cut\",\"color\",\"clarity\"", 31) != 0) {
                fprintf(stderr, "gnlab notebook supervised: %s:1: not the Diamonds header\n",
                        path);
                bad = 1;
            }
            continue;
        }
        if (n == cap) {
            diamond *nd = realloc(d, 2 * cap * sizeof *d);
            if (!nd) {
                bad = 1;
                break;
            }
            d = nd;
            cap *= 2;
        }
        if (diamond_line(&d[n], line, path, lineno) != 0)
            bad = 1;
        else
            n++;
    }
    fclose(f);
    free(text);
    if (!bad && n == 0) {
        fprintf(stderr, "gnlab notebook supervised: %s: no rows\n", path);
        bad = 1;
    }
    if (bad) {
        free(d);
        return -1;
    }
    *out = d;
    return (long)n;
}

/* shuffle order of n rows from (seed, SV_SPLIT_STREAM) */
static size_t *permutation(size_t n, uint64_t seed)
{
    size_t *p = malloc(n * sizeof *p);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = i;
    gn_rng r;
    gn_rng_seed(&r, seed, SV_SPLIT_STREAM);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(gn_rng_u64(&r) % i);
        size_t t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
    return p;
}

/* split sizes: 70 % / 15 % / 15 %, training capped at ntrain (0 = no cap), evaluation
 * sets at neval */
static void split_sizes(task *t, size_t n, size_t ntrain, size_t neval)
{
    size_t ntr = n * 70 / 100, nva = n * 15 / 100, nte = n - ntr - nva;
    t->ntr = ntrain && ntrain < ntr ? ntrain : ntr;
    t->nva = nva < neval ? nva : neval;
    t->nte = nte < neval ? nte : neval;
    t->n = t->ntr + t->nva + t->nte;
}

/* standardise the columns marked numeric over the training rows; a constant column is
 * centred only */
static void standardise(task *t, const int *numeric)
{
    for (size_t c = 0; c < t->d; c++) {
        if (!numeric[c])
            continue;
        double mu, sd;
        nb_mean_sd_strided(&mu, &sd, t->X + c, t->ntr, t->d);
        if (!(sd > 0))
            sd = 1;
        for (size_t i = 0; i < t->n; i++)
            t->X[i * t->d + c] = (t->X[i * t->d + c] - mu) / sd;
    }
    t->ymean = 0;
    t->ysd = 1;
    if (t->loss == GN_LOSS_SQUARED) {
        nb_mean_sd_strided(&t->ymean, &t->ysd, t->yraw, t->ntr, 1);
        if (!(t->ysd > 0))
            t->ysd = 1;
    }
    for (size_t i = 0; i < t->n; i++)
        t->y[i] = (t->yraw[i] - t->ymean) / t->ysd;
}

/* the two Diamonds tasks: price regression (26 features) and "is the cut Ideal" (22) */
static int diamonds_task(task *t, const diamond *dm, size_t nrows, int classify, uint64_t seed,
                         size_t ntrain, size_t neval)
{
    memset(t, 0, sizeof *t);
    split_sizes(t, nrows, ntrain, neval);
    t->loss = classify ? GN_LOSS_BCE : GN_LOSS_SQUARED;
    snprintf(t->metric, sizeof t->metric, "%s", classify ? "accuracy" : "MAPE");
    snprintf(t->title, sizeof t->title, "%s",
             classify ? "Diamonds: is the cut Ideal? (binary, BCE)"
                      : "Diamonds: price (regression, squared loss)");
    t->d = classify ? 7 + 7 + 8 : 6 + 5 + 7 + 8;
    snprintf(t->features, sizeof t->features, "%s",
             classify ? "carat, depth, table, price, x, y, z standardised; color (7) and "
                        "clarity (8) one-hot"
                      : "carat, depth, table, x, y, z standardised; cut (5), color (7) and "
                        "clarity (8) one-hot");
    t->X = calloc(t->n * t->d, sizeof *t->X);
    t->y = malloc(t->n * sizeof *t->y);
    t->yraw = malloc(t->n * sizeof *t->yraw);
    size_t *perm = permutation(nrows, seed);
    int numeric[32] = {0};
    if (!t->X || !t->y || !t->yraw || !perm) {
        free(perm);
        task_free(t);
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        const diamond *r = &dm[perm[i]];
        double *x = t->X + i * t->d;
        size_t c = 0;
        x[c++] = r->carat;
        x[c++] = r->depth;
        x[c++] = r->table;
        if (classify)
            x[c++] = r->price;
        x[c++] = r->x;
        x[c++] = r->y;
        x[c++] = r->z;
        size_t nnum = c;
        if (!classify) {
            x[c + (size_t)r->cut] = 1;
            c += 5;
        }
        x[c + (size_t)r->color] = 1;
        c += 7;
        x[c + (size_t)r->clarity] = 1;
        for (size_t k = 0; k < nnum; k++)
            numeric[k] = 1;
        t->yraw[i] = classify ? (r->cut == 4) : r->price;
    }
    free(perm);
    standardise(t, numeric);
    return 0;
}

/* --standardize on the training rows (mode NB_SV_STD_*), then every feature times fscale;
 * -1 after a message (a constant feature or target cannot be standardised) */
static int csv_standardise(task *t, int mode, double fscale, const char *path,
                           const nb_xy *xy)
{
    if (mode != NB_SV_STD_NONE &&
        nb_xy_standardise(t->X, t->n, t->d, t->ntr, xy, path, "supervised") != 0)
        return -1;
    for (size_t i = 0; i < t->n * t->d; i++)
        t->X[i] *= fscale;
    t->ymean = 0;
    t->ysd = 1;
    if (t->loss == GN_LOSS_SQUARED && mode == NB_SV_STD_ALL) {
        nb_mean_sd_strided(&t->ymean, &t->ysd, t->yraw, t->ntr, 1);
        if (!(t->ysd > 0) || !isfinite(t->ysd)) {
            fprintf(stderr, "gnlab notebook supervised: %s: the target is constant over the "
                    "%zu training rows: nothing to learn\n", path, t->ntr);
            return -1;
        }
    }
    for (size_t i = 0; i < t->n; i++)
        t->y[i] = (t->yraw[i] - t->ymean) / t->ysd;
    return 0;
}

/* the task of --data at feature scale fscale (every feature times fscale after
 * --standardize); -1 after a message naming the file (and line, column) */
static int csv_task(task *t, const nb_supervised_opts *o, double fscale, uint64_t seed)
{
    const char *path = o->data;
    gn_loss_kind loss = o->loss;
    nb_xy xy;
    if (nb_xy_load(&xy, path, o->target, o->no_header, "supervised") != 0)
        return -1;
    memset(t, 0, sizeof *t);
    split_sizes(t, xy.n, o->ntrain, o->neval);
    t->loss = loss;
    t->d = xy.d;
    static const char *const std_text[3] = {"standardised", "standardised (the target not)",
                                            "as given (not standardised)"};
    snprintf(t->metric, sizeof t->metric, "%s", loss == GN_LOSS_BCE ? "accuracy" : "MAPE");
    char sc[32] = "";
    if (o->nfscale)
        snprintf(sc, sizeof sc, ", features × %g", fscale);
    snprintf(t->title, sizeof t->title, "%.60s: %.30s (%s%s)", path, xy.target,
             loss == GN_LOSS_BCE ? "binary, BCE" : "regression, squared loss", sc);
    snprintf(t->features, sizeof t->features, "the other %zu columns, %s%s", t->d,
             std_text[o->standardize], sc);
    t->X = malloc(t->n * t->d * sizeof *t->X);
    t->y = malloc(t->n * sizeof *t->y);
    t->yraw = malloc(t->n * sizeof *t->yraw);
    size_t *perm = permutation(xy.n, seed);
    int bad = !t->X || !t->y || !t->yraw || !perm;
    for (size_t i = 0; !bad && i < t->n; i++) {
        size_t r = perm[i];
        memcpy(t->X + i * t->d, xy.X + r * t->d, t->d * sizeof *t->X);
        t->yraw[i] = xy.y[r];
        if (loss == GN_LOSS_BCE && t->yraw[i] != 0 && t->yraw[i] != 1) {
            fprintf(stderr, "gnlab notebook supervised: %s: --loss bce needs a 0/1 target "
                            "(row %zu has %.17g)\n", path, r + 1, t->yraw[i]);
            bad = 1;
        }
    }
    if (!bad && csv_standardise(t, o->standardize, fscale, path, &xy) != 0)
        bad = 1;
    free(perm);
    nb_xy_free(&xy);
    if (bad) {
        task_free(t);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ training */

typedef struct {
    gn_mlp *mlp;
    gn_damping dmp;
    size_t epochs;
} trainer;

/* metric on rows [r0, r0 + nr): MAPE (lower is better) or accuracy; NAN if w not finite */
static double evaluate(const trainer *tr, const task *t, const double *w, size_t r0, size_t nr)
{
    double s = 0;
    size_t cnt = 0;
    for (size_t i = r0; i < r0 + nr; i++) {
        double f;
        if (gn_mlp_eval(tr->mlp, &f, NULL, w, t->X + i * t->d) != GN_OK)
            return NAN;
        if (t->loss == GN_LOSS_BCE) {
            s += ((f > 0) == (t->yraw[i] > 0.5));
            cnt++;
        } else if (t->yraw[i] != 0) {
            double yhat = f * t->ysd + t->ymean;
            s += fabs(yhat - t->yraw[i]) / fabs(t->yraw[i]);
            cnt++;
        }
    }
    return cnt ? s / (double)cnt : NAN;
}

/* one run of optimizer o at rate alpha from init seed; curve[k] (k < SV_NCURVE, nullable)
 * holds the metric on rows [cr0, cr0 + cnr) at evenly spaced checkpoints. Returns the final
 * metric on those rows (NAN when the run diverged). */
static double train(const trainer *tr, const task *t, int o, double alpha, uint64_t seed,
                    double *curve, size_t cr0, size_t cnr)
{
    size_t np = tr->mlp->nparams;
    double *w = malloc(np * sizeof *w), *g = malloc(np * sizeof *g);
    gn_adam *ad = gn_adam_alloc(np);
    size_t *order = malloc(t->ntr * sizeof *order);
    double result = NAN;
    if (!w || !g || !ad || !order || gn_mlp_init(tr->mlp, w, seed) != GN_OK)
        goto done;
    gn_adam_params ap = gn_adam_params_default();
    ap.alpha = alpha;
    gn_rng rng;
    gn_rng_seed(&rng, seed, 1);
    size_t total = tr->epochs * t->ntr, step = 0, next = 0;
    int dead = 0;
    for (size_t ep = 0; ep < tr->epochs && !dead; ep++) {
        for (size_t i = 0; i < t->ntr; i++)
            order[i] = i;
        for (size_t i = t->ntr; i > 1; i--) {
            size_t j = (size_t)(gn_rng_u64(&rng) % i), tmp = order[i - 1];
            order[i - 1] = order[j];
            order[j] = tmp;
        }
        for (size_t i = 0; i < t->ntr && !dead; i++, step++) {
            if (curve && step * SV_NCURVE >= next * total && next < SV_NCURVE) {
                curve[next++] = evaluate(tr, t, w, cr0, cnr);
            }
            const double *x = t->X + order[i] * t->d;
            double y = t->y[order[i]];
            gn_status st;
            if (o == 0) {
                st = gn_mlp_step_sgd(tr->mlp, w, NULL, x, y, t->loss, alpha);
            } else if (o == 1) {
                st = gn_mlp_step_ignd(tr->mlp, w, NULL, x, y, t->loss, alpha, tr->dmp);
            } else {
                double f;
                gn_lossval lv;
                st = gn_mlp_eval(tr->mlp, &f, g, w, x);
                if (st == GN_OK)
                    st = gn_loss_eval(&lv, t->loss, f, y);
                if (st == GN_OK && o == 2) {
                    for (size_t k = 0; k < np; k++)
                        g[k] *= lv.lp;
                    st = gn_step_adam(ad, w, g, &ap);
                } else if (st == GN_OK) {
                    st = gn_step_adam_ignd(ad, w, g, lv.lp, lv.lpp, tr->dmp, &ap);
                }
            }
            if (st != GN_OK)
                dead = 1;
        }
    }
    if (curve)
        while (next < SV_NCURVE)
            curve[next++] = dead ? NAN : evaluate(tr, t, w, cr0, cnr);
    result = dead ? NAN : evaluate(tr, t, w, cr0, cnr);
done:
    free(w);
    free(g);
    free(order);
    gn_adam_free(ad);
    return result;
}

/* better(a, b): a is a better metric value than b (NaN is worst) */
static int better(const task *t, double a, double b)
{
    if (isnan(a))
        return 0;
    if (isnan(b))
        return 1;
    return t->loss == GN_LOSS_BCE ? a > b : a < b;
}

/* ------------------------------------------------- sharded sweeps (issue 9)
 * The notebook's runs are a deterministic function of (seed, task, optimizer, run index):
 * the grid runs (optimizer o, rate gi: run o * ngrid + gi) and the final runs (o, seed r: run
 * o * seeds + r), so nb_sweep shards them. The final runs need every grid run of their task
 * (the selection), so a sweep takes two rounds: shards of the grid, then, given those files
 * (--sweep-in), shards of the final runs. --sweep-in alone trains nothing: it renders the
 * page from the files when every run is there (the same page as one process), and otherwise
 * fails listing the missing blocks. */
typedef struct {
    const trainer *tr;
    const task *t;
    int o;
    double alpha;
    uint64_t seed;
    size_t cr0, cnr;
} train_args;

static double train_cb(void *arg, double *curve)
{
    const train_args *a = arg;
    return train(a->tr, a->t, a->o, a->alpha, a->seed, curve, a->cr0, a->cnr);
}

static double sw_run(nb_sweep *sw, const trainer *tr, const task *t, int ti, int phase, int o,
                     size_t idx, size_t per, int may_train, double alpha, uint64_t seed,
                     double *curve, size_t cr0, size_t cnr)
{
    train_args a = {tr, t, o, alpha, seed, cr0, cnr};
    nb_sweep_key k = {ti, phase, o, idx};
    return nb_sweep_run(sw, &k, (size_t)o * per + idx, NOPT * per, may_train, train_cb, &a,
                        curve);
}

typedef struct {
    double rate[NOPT];
    double mean[NOPT], sd[NOPT];
    int diverged[NOPT];
    double *fin; /* NOPT x seeds: each final run's test metric (NaN diverged), for the claim */
    double yr[2];  /* smallest and largest mean of the curves after the start (the plot) */
} task_result;

/* the sweep of one task: the validation metric of one run per (optimizer, rate) in val
 * (NOPT x ngrid), each optimizer's best rate and its final runs' test metric (mean, std,
 * divergences) in res, their curves in curves (NOPT x seeds x SV_NCURVE) */
static void task_sweep(nb_sweep *sw, const nb_ctx *ctx, const trainer *tr, const task *t,
                       const task *const *fin_t, int ti, size_t seeds, const double *grid,
                       size_t ngrid, double *val, double *curves, task_result *res)
{
    size_t total = NOPT * ngrid + NOPT * seeds, done = 0;
    char what[64];
    snprintf(what, sizeof what, "notebook supervised: task %d runs", ti + 1);
    for (int o = 0; o < NOPT; o++) {
        int bi = -1, missing0 = nb_sweep_missing(sw);
        for (size_t gi = 0; gi < ngrid; gi++) {
            if (!ctx->quiet)
                gn_io_progress(what, ++done, total);
            val[o * ngrid + gi] = sw_run(sw, tr, t, ti, 0, o, gi, ngrid, 1, grid[gi], ctx->seed,
                                         NULL, t->ntr, t->nva);
            if (bi < 0 || better(t, val[o * ngrid + gi], val[o * ngrid + (size_t)bi]))
                bi = (int)gi;
        }
        res->rate[o] = grid[bi];
        /* a sweep whose grid is not all here cannot select: its final runs wait (missing) */
        int grid_missing = nb_sweep_on(sw) && nb_sweep_missing(sw) > missing0;
        double *fin = malloc(seeds * sizeof *fin);
        size_t nf = 0;
        res->diverged[o] = 0;
        for (size_t r = 0; r < seeds; r++) {
            if (!ctx->quiet)
                gn_io_progress(what, ++done, total);
            /* final runs: init seeds other than the selection's */
            const task *tr_t = fin_t[r % SV_NSPLIT]; /* run r's split */
            double m = sw_run(sw, tr, tr_t, ti, 1, o, r, seeds, !grid_missing, res->rate[o],
                              ctx->seed + 1 + r, curves + ((size_t)o * seeds + r) * SV_NCURVE,
                              tr_t->ntr + tr_t->nva, tr_t->nte);
            if (res->fin)
                res->fin[(size_t)o * seeds + r] = m;
            if (isnan(m))
                res->diverged[o]++;
            else if (fin)
                fin[nf++] = m;
        }
        res->mean[o] = res->sd[o] = NAN;
        if (fin && nf)
            nb_mean_std(&res->mean[o], &res->sd[o], fin, nf);
        free(fin);
    }
    if (!ctx->quiet)
        gn_io_progress_done();
}

static void task_intro(nb_page *p, const task *t, const trainer *tr, const size_t *hidden,
                       size_t nhidden)
{
    nb_h2(p, "%s", t->title);
    char arch[128];
    size_t al = (size_t)snprintf(arch, sizeof arch, "%zu", t->d);
    for (size_t i = 0; i < nhidden && al < sizeof arch; i++)
        al += (size_t)snprintf(arch + al, sizeof arch - al, " → %zu", hidden[i]);
    if (al < sizeof arch)
        snprintf(arch + al, sizeof arch - al, " → 1");
    nb_para(p, "%zu training rows, %zu validation rows, %zu test rows; features: %s. The MLP "
               "has widths %s (%zu parameters, ReLU). The table lists the validation %s of "
               "one run per rate (%s is better); each optimizer then uses its best rate.",
            t->ntr, t->nva, t->nte, t->features, arch, tr->mlp->nparams, t->metric,
            t->loss == GN_LOSS_BCE ? "higher" : "lower");
}

/* the selection table and its data file selection_TI.csv */
static void task_selection(nb_page *p, const task *t, int ti, const double *grid, size_t ngrid,
                           const double *val)
{
    char fname[64];
    snprintf(fname, sizeof fname, "selection_%d.csv", ti + 1);
    FILE *f = nb_data_open(p, fname);
    if (f) {
        fprintf(f, "rate");
        for (int o = 0; o < NOPT; o++)
            fprintf(f, ",%s", opt_name[o]);
        fprintf(f, "\n");
        for (size_t gi = 0; gi < ngrid; gi++) {
            fprintf(f, "%.6g", grid[gi]);
            for (int o = 0; o < NOPT; o++)
                fprintf(f, ",%.6g", val[o * ngrid + gi]);
            fprintf(f, "\n");
        }
        nb_data_close(p, f);
    }
    char hdr[96];
    snprintf(hdr, sizeof hdr, "rate|validation %s: SGD|IGND|Adam|Adam-IGND", t->metric);
    nb_table_begin(p, hdr);
    for (size_t gi = 0; gi < ngrid; gi++)
        nb_table_row(p, "%.3g|%.4g|%.4g|%.4g|%.4g", grid[gi], val[gi], val[ngrid + gi],
                     val[2 * ngrid + gi], val[3 * ngrid + gi]);
    nb_table_end(p);
    nb_links(p, "nan marks a run that diverged (the core reported an overflow or a non-finite "
                "value). The data:", fname);
}

/* curves_TI.dat: per checkpoint the mean and std over the finite runs; its name is appended
 * to the comma-separated datafiles */
static void task_curves(nb_page *p, const task *t, int ti, size_t epochs, size_t seeds,
                        const double *curves, char *datafiles, size_t dcap, double yr[2])
{
    yr[0] = INFINITY;
    yr[1] = -INFINITY;
    char fname[64];
    snprintf(fname, sizeof fname, "curves_%d.dat", ti + 1);
    FILE *f = nb_data_open(p, fname);
    if (f) {
        fprintf(f, "# samples seen, then mean and std of the test %s over the seeds that did "
                   "not diverge for SGD, IGND, Adam, Adam-IGND\n", t->metric);
        double *tmp = malloc(seeds * sizeof *tmp);
        for (size_t k = 0; tmp && k < SV_NCURVE; k++) {
            fprintf(f, "%zu", k * epochs * t->ntr / SV_NCURVE);
            for (int o = 0; o < NOPT; o++) {
                size_t c = 0;
                for (size_t r = 0; r < seeds; r++) {
                    double v = curves[((size_t)o * seeds + r) * SV_NCURVE + k];
                    if (isfinite(v))
                        tmp[c++] = v;
                }
                double mu = NAN, sd = NAN;
                if (c)
                    nb_mean_std(&mu, &sd, tmp, c);
                if (k >= 1 && isfinite(mu)) { /* the plot leaves the start out */
                    yr[0] = fmin(yr[0], mu);
                    yr[1] = fmax(yr[1], mu);
                }
                fprintf(f, " %.6g %.6g", mu, sd);
            }
            fprintf(f, "\n");
        }
        free(tmp);
        nb_data_close(p, f);
    }
    if (*datafiles)
        strncat(datafiles, ",", dcap - strlen(datafiles) - 1);
    strncat(datafiles, fname, dcap - strlen(datafiles) - 1);
}

/* learning (nb_check_learned): the best optimizer brings the task's test error (MAPE, or
 * 1 - accuracy) down from the untrained network's (the first checkpoint) in every run */
static void task_learned(nb_page *p, const task *t, size_t seeds, const double *curves)
{
    double ratio[NOPT];
    int acc = t->loss == GN_LOSS_BCE;
    for (int o = 0; o < NOPT; o++) {
        ratio[o] = 0;
        for (size_t r = 0; r < seeds; r++) {
            const double *c = curves + ((size_t)o * seeds + r) * SV_NCURVE;
            double e0 = acc ? 1 - c[0] : c[0], e1 = acc ? 1 - c[SV_NCURVE - 1] : c[SV_NCURVE - 1];
            ratio[o] = fmax(ratio[o], nb_learn_ratio(e0, e1));
        }
    }
    char what[256];
    snprintf(what, sizeof what, "%.200s, test %.40s", t->title,
             acc ? "error 1 - accuracy" : t->metric);
    nb_check_learned(p, what, opt_name, ratio, NOPT);
}

static int run_task(nb_page *p, nb_sweep *sw, const nb_ctx *ctx, task *t,
                    const task *const *fin_t, int ti, const nb_supervised_opts *op,
                    const double *grid, task_result *res, char *datafiles, size_t dcap)
{
    size_t widths[NB_SV_MAXH + 2], nh = op->nhidden, seeds = op->seeds, ngrid = op->ngrid;
    widths[0] = t->d;
    for (size_t i = 0; i < nh; i++)
        widths[i + 1] = op->hidden[i];
    widths[nh + 1] = 1;
    trainer tr = {gn_mlp_alloc(widths, nh + 2, GN_ACT_RELU),
                  t->loss == GN_LOSS_BCE ? (gn_damping){SV_LAMBDA_BCE, SV_MU_BCE}
                                         : (gn_damping){SV_LAMBDA_SQ, SV_MU_SQ},
                  op->epochs};
    if (!tr.mlp)
        return -1;
    task_intro(p, t, &tr, op->hidden, nh);
    double *val = malloc(NOPT * ngrid * sizeof *val);
    double *curves = malloc(NOPT * seeds * SV_NCURVE * sizeof *curves);
    int rc = val && curves ? 0 : -1;
    if (rc == 0) {
        task_sweep(sw, ctx, &tr, t, fin_t, ti, seeds, grid, ngrid, val, curves, res);
        /* a shard, or an incomplete merge: no page */
        if (!(nb_sweep_on(sw) && (nb_sweep_writing(sw) || nb_sweep_missing(sw)))) {
            task_selection(p, t, ti, grid, ngrid, val);
            task_curves(p, t, ti, op->epochs, seeds, curves, datafiles, dcap, res->yr);
            task_learned(p, t, seeds, curves);
        }
    }
    free(val);
    free(curves);
    gn_mlp_free(tr.mlp);
    return rc;
}

nb_supervised_opts nb_supervised_opts_default(int quick)
{
    nb_supervised_opts o;
    memset(&o, 0, sizeof o);
    o.loss = GN_LOSS_SQUARED;
    o.loss_name = "squared";
    o.diamonds = SV_DIAMONDS;
    o.seeds = quick ? 3 : 5; /* quick: 3, the fewest with a 2-degree-of-freedom interval */
    o.epochs = quick ? 1 : 2;
    o.ntrain = quick ? 1500 : SV_TRAIN;
    o.neval = quick ? 500 : SV_EVAL_ROWS;
    const size_t h[] = SV_HIDDEN;
    o.nhidden = sizeof h / sizeof *h;
    memcpy(o.hidden, h, sizeof h);
    o.grid_lo = SV_GRID_LO;
    o.grid_hi = SV_GRID_HI;
    /* quick: one rate per decade of [1e-4, 1], so each method's good region is within a
     * factor 10 of a grid point (3 points left IGND's good rates out, issue 15) */
    o.ngrid = quick ? 5 : SV_GRID_N;
    o.sweep = nb_sweep_opts_default();
    return o;
}

/* the tasks: from --data one per --feature-scale multiplier (one when none is given), or the
 * two made from Diamonds; their count, or -1 after a message (bad input) */
static int load_tasks(task *tasks, const nb_ctx *ctx, const nb_supervised_opts *o)
{
    if (o->data) {
        size_t nt = o->nfscale ? o->nfscale : 1;
        for (size_t k = 0; k < nt; k++)
            if (csv_task(&tasks[k], o, o->nfscale ? o->fscale[k] : 1.0, ctx->seed) != 0) {
                while (k-- > 0)
                    task_free(&tasks[k]);
                return -1;
            }
        return (int)nt;
    }
    diamond *dm = NULL;
    long nd = nb_diamonds_read(&dm, o->diamonds);
    if (nd < 0)
        return -1;
    int ok = diamonds_task(&tasks[0], dm, (size_t)nd, 0, ctx->seed, o->ntrain, o->neval) == 0;
    if (ok && diamonds_task(&tasks[1], dm, (size_t)nd, 1, ctx->seed, o->ntrain, o->neval) != 0) {
        task_free(&tasks[0]);
        ok = 0;
    }
    free(dm);
    return ok ? 2 : -2;
}

/* the campaign's parameters as the sweep records carry them */
static void sweep_sig(char *sig, size_t cap, const nb_ctx *ctx, const nb_supervised_opts *o)
{
    snprintf(sig, cap,
             "seed=%llu quick=%d seeds=%zu epochs=%zu train=%zu eval=%zu hidden=%s grid=%s "
             "data=%s target=%s loss=%s diamonds=%s blocks=%zu no-header=%d standardize=%d "
             "feature-scale=%s",
             (unsigned long long)ctx->seed, ctx->quick, o->seeds, o->epochs, o->ntrain, o->neval,
             o->hidden_spec ? o->hidden_spec : "default", o->grid_spec ? o->grid_spec : "default",
             o->data ? o->data : "-", o->target ? o->target : "-", o->loss_name, o->diamonds,
             o->sweep.blocks, o->no_header, o->standardize,
             o->fscale_spec ? o->fscale_spec : "-");
}

static void page_intro(nb_page *p, const nb_supervised_opts *o)
{
    nb_para(p, "One sample per step, the setting where the rank-one GGN is exact. Four "
               "optimizers train the same ReLU MLP: SGD, IGND (the damped step (3.14) with the "
               "MLP's sensitivity `j = ∇_w f`), Adam, and Adam-IGND (Adam fed with the "
               "IGND-scaled gradient `ξ g`, Appendix C). Each optimizer's rate is chosen on a "
               "validation split from a logarithmic grid; then %zu runs from other initial "
               "weights, each on its own split of the rows (up to %d splits), give the test "
               "metric as mean ± std.",
            o->seeds, SV_NSPLIT);
    size_t nh = o->nhidden;
    nb_para(p, "The toolkit's choices (the paper's were lost, MATH.md §12): hidden widths "
               "%zu%s%s, rate grid of %zu values from %.3g to %.3g, damping λ = %.3g, μ = %.3g "
               "for squared loss and λ = %.3g, μ = %.3g for BCE, Adam's β₁ = 0.9, β₂ = 0.999, "
               "ε = 1e-8 for both Adam variants, %zu epoch(s) over at most %zu training rows, "
               "70/15/15 split by a fixed shuffle, the regression target standardised on the "
               "training rows (MAPE is computed on the original scale). Flags: `gnlab notebook "
               "supervised --help`.",
            o->hidden[0], nh > 1 ? ", then " : "", nh > 1 ? (nh > 2 ? "more" : "the second") : "",
            o->ngrid, o->grid_lo, o->grid_hi, SV_LAMBDA_SQ, SV_MU_SQ, SV_LAMBDA_BCE, SV_MU_BCE,
            o->epochs, o->ntrain);
    if (o->data)
        nb_page_data(p, "%s, target %s (%s)", o->data, o->target ? o->target : "?",
                     o->loss_name);
    else
        nb_page_data(p, "Diamonds (%s), at most %zu training rows", o->diamonds, o->ntrain);
    if (!o->data)
        nb_para(p, "Data: ggplot2's Diamonds (53,940 rows; shipped in `notebooks/data/` with "
                   "its provenance). The paper's binary tasks (Cats vs Dogs, IMDB) are not "
                   "available to the toolkit, so the binary task here is made from Diamonds "
                   "too: predict whether the cut is Ideal from the other columns. Text "
                   "columns are one-hot encoded. Any numeric CSV works instead: `gnlab "
                   "notebook supervised --data FILE.csv --target COL [--loss bce]`.");
}

/* Table 2's shape, the comparison sentences and the curves figure */
static void page_results(nb_page *p, const task *tasks, int ntask, const task_result *res,
                         const char *datafiles)
{
    nb_h2(p, "Test metrics (the shape of the paper's Table 2)");
    /* one column per task (two for Diamonds, one per --feature-scale multiplier) */
    char hdr[NB_SV_MAXSCALE * 168 + 16], row[NB_SV_MAXSCALE * 168 + 16];
    size_t hk = (size_t)snprintf(hdr, sizeof hdr, "optimizer");
    for (int ti = 0; ti < ntask && hk < sizeof hdr; ti++)
        hk += (size_t)snprintf(hdr + hk, sizeof hdr - hk, "|%s", tasks[ti].title);
    nb_table_begin(p, hdr);
    for (int o = 0; o < NOPT; o++) {
        size_t rk = 0;
        row[0] = 0;
        for (int ti = 0; ti < ntask && rk < sizeof row; ti++)
            rk += (size_t)snprintf(row + rk, sizeof row - rk, "|%s %.3f ± %.3f (α = %.2g%s)",
                                   tasks[ti].metric, res[ti].mean[o], res[ti].sd[o],
                                   res[ti].rate[o],
                                   res[ti].diverged[o] ? ", some runs diverged" : "");
        nb_table_row(p, "%s%s", opt_name[o], row);
    }
    nb_table_end(p);
    for (int ti = 0; ti < ntask; ti++) {
        int ig_vs_sgd = better(&tasks[ti], res[ti].mean[1], res[ti].mean[0]);
        int aig_vs_adam = !better(&tasks[ti], res[ti].mean[2], res[ti].mean[3]);
        nb_para(p, "%s: IGND is %s than SGD (%.4g against %.4g); Adam-IGND %s Adam "
                   "(%.4g against %.4g). These are this run's numbers with the toolkit's "
                   "model and data, not the paper's.",
                tasks[ti].title, ig_vs_sgd ? "better" : "not better", res[ti].mean[1],
                res[ti].mean[0], aig_vs_adam ? "matches or beats" : "is behind",
                res[ti].mean[3], res[ti].mean[2]);
    }
    char gp[4096 * NB_SV_MAXSCALE];
    size_t k = 0;
    /* the key below each panel (same bottom margin, so the panels line up); y fitted to the
     * mean curves (a MAPE between 0.1 and 0.5 is not squashed into a 0.01-1 log axis) */
    k += (size_t)snprintf(gp + k, sizeof gp - k,
                          "set multiplot layout 1,%d title 'Test metric during training "
                          "(mean ± std over seeds)'\nset bmargin 7\n"
                          "set key below left Left reverse horizontal maxrows 2\n"
                          "set style fill transparent solid 0.15 noborder\n"
                          "set xlabel 'samples seen'\nset autoscale xfix\n",
                          ntask);
    const char *col[NOPT] = {"#d95f02", "#1b4f9c", "#7570b3", "#1b9e77"};
    for (int ti = 0; ti < ntask; ti++) {
        char yr[160];
        nb_axis_range(yr, sizeof yr, "y", res[ti].yr, 2, 0);
        k += (size_t)snprintf(gp + k, sizeof gp - k, "set title '%s'\nset ylabel '%s'\n%s",
                              tasks[ti].loss == GN_LOSS_BCE ? "classification"
                                                            : "regression",
                              tasks[ti].loss == GN_LOSS_BCE
                                  ? "test accuracy (fraction correct)"
                                  : "test MAPE (fraction of the price)",
                              yr);
        k += (size_t)snprintf(gp + k, sizeof gp - k, "plot ");
        for (int o = 0; o < NOPT; o++)
            k += (size_t)snprintf(
                gp + k, sizeof gp - k,
                "%s'curves_%d.dat' every ::1 using 1:($%d-$%d):($%d+$%d) with filledcurves "
                "lc rgb '%s' notitle, '' every ::1 using 1:%d with lines lw 2.5 lc rgb '%s' title '%s'",
                o ? ", \\\n  " : "", ti + 1, 2 + 2 * o, 3 + 2 * o, 2 + 2 * o, 3 + 2 * o,
                col[o], 2 + 2 * o, col[o], opt_name[o]);
        k += (size_t)snprintf(gp + k, sizeof gp - k, "\n");
    }
    snprintf(gp + k, sizeof gp - k, "unset multiplot\n");
    nb_plot_sized(p, "curves",
                  "Test metric against samples seen, at each optimizer's chosen rate "
                  "(mean ± std over seeds; the untrained starting point is left out; the y "
                  "axis is fitted to the mean curves).",
                  datafiles, ntask > 1 ? 1100 : 640, 500, gp);
}

/* The paper's claim (§5.3, Table 2): IGND improves over SGD on every task; Adam is ahead of
 * IGND on Diamonds; Adam-IGND matches or improves Adam. Tested per task as three paired
 * comparisons over the final runs (run r of every optimizer starts from the same initial
 * weights, seed + 1 + r, on the same split), d in the task's metric, positive when the run
 * agrees with the ordering SGD, IGND, Adam, Adam-IGND (worst to best). */
/* the worst finite value of v[0..n) (accuracy: the smallest; an error: the largest); NAN if
 * none is finite */
static double worst_finite(const double *v, size_t n, int acc)
{
    double w = NAN;
    for (size_t i = 0; v && i < n; i++)
        if (isfinite(v[i]) && (isnan(w) || (acc ? v[i] < w : v[i] > w)))
            w = v[i];
    return w;
}

static double or_worst(double v, double worst) { return isfinite(v) ? v : worst; }

/* Figure 1 on the user's data (--feature-scale S1,S2,...: one task per multiplier, the first
 * the reference): multiplying every feature hurts SGD more than IGND. Run r of each task
 * shares its seed and split, so the runs pair: d_r is SGD's loss of quality from the first
 * scale to scale k minus IGND's (MAPE: increase; accuracy: decrease) */
static void page_claim_scale(nb_page *p, const nb_ctx *ctx, const task *tasks, int ntask,
                             const task_result *res, const nb_supervised_opts *o)
{
    if (o->nfscale < 2 || ntask < 2)
        return;
    double *d = malloc(o->seeds * sizeof *d);
    if (!d)
        return;
    nb_claim_begin(p, "Figure 1 (MATH.md §5) on your data: multiplying every feature by a "
                      "constant hurts SGD at its tuned rate more than IGND.",
                   "Task k multiplies every feature by the k-th --feature-scale value after "
                   "standardising; run r of every task shares its seed and split, so the runs "
                   "pair. d is SGD's loss of quality from the first scale to scale k minus "
                   "IGND's (MAPE: its increase; accuracy: its decrease); positive agrees; a "
                   "diverged run counts as its task's worst completed run.");
    for (int k = 1; k < ntask; k++) {
        int acc = tasks[k].loss == GN_LOSS_BCE;
        const double *f0 = res[0].fin, *fk = res[k].fin;
        /* a diverged run counts as the worst completed run of its task (any method): at
         * least that bad, so it can only shrink the difference it takes part in */
        double w0 = worst_finite(f0, NOPT * o->seeds, acc), wk = worst_finite(fk, NOPT * o->seeds, acc);
        for (size_t r = 0; r < o->seeds; r++) {
            if (!f0 || !fk) {
                d[r] = NAN;
                continue;
            }
            double s0 = or_worst(f0[r], w0), sk = or_worst(fk[r], wk);
            double i0 = or_worst(f0[o->seeds + r], w0), ik = or_worst(fk[o->seeds + r], wk);
            d[r] = acc ? (s0 - sk) - (i0 - ik) : (sk - s0) - (ik - i0);
        }
        char what[160];
        snprintf(what, sizeof what, "features × %g: SGD loses more than IGND", o->fscale[k]);
        nb_claim_compare(p, what, tasks[k].metric, d, o->seeds);
    }
    nb_claim_end(p, ctx->quick ? "a --quick run is too small for the claim; run without --quick"
                    : o->seeds < 3 ? "fewer than 3 runs per task: raise --seeds"
                                   : NULL);
    free(d);
}

static void page_claim(nb_page *p, const nb_ctx *ctx, const task *tasks, int ntask,
                       const task_result *res, const nb_supervised_opts *o)
{
    static const int pair[3][2] = {{1, 0}, {2, 1}, {3, 2}}; /* {better, worse} */
    char design[512];
    snprintf(design, sizeof design,
             "Per task, run r of every optimizer starts from the same initial weights and "
             "trains and tests on the same split of the rows (split r mod %d: %zu splits, "
             "the first the selection's), so the runs pair up: %zu pairs per comparison, "
             "varying both the initial weights and the split. d is the worse method's metric "
             "minus the better one's (MAPE) or the other way round (accuracy).",
             SV_NSPLIT, o->seeds < SV_NSPLIT ? o->seeds : (size_t)SV_NSPLIT, o->seeds);
    nb_claim_begin(p, "Table 2's ordering (the paper's §5.3): on every task IGND improves over "
                      "SGD, Adam is ahead of IGND, and Adam-IGND matches or improves Adam, "
                      "i.e. SGD, IGND, Adam, Adam-IGND from worst to best.",
                   design);
    double *d = malloc(o->seeds * sizeof *d);
    for (int ti = 0; d && ti < ntask; ti++) {
        int acc = tasks[ti].loss == GN_LOSS_BCE;
        for (int c = 0; c < 3; c++) {
            int b = pair[c][0], w = pair[c][1];
            for (size_t r = 0; r < o->seeds; r++) {
                double vb = res[ti].fin ? res[ti].fin[(size_t)b * o->seeds + r] : NAN;
                double vw = res[ti].fin ? res[ti].fin[(size_t)w * o->seeds + r] : NAN;
                d[r] = acc ? vb - vw : vw - vb;
            }
            char what[256];
            snprintf(what, sizeof what, "%s: %s beats %s",
                     acc ? "classification" : "regression", opt_name[b], opt_name[w]);
            nb_claim_compare(p, what, tasks[ti].metric, d, o->seeds);
        }
    }
    free(d);
    /* a method whose chosen rate is an end of the grid may have its good region outside
     * the grid: its comparisons then say little, and the verdict says so */
    char edge[200] = "";
    size_t el = 0;
    for (int ti = 0; ti < ntask && o->ngrid > 1; ti++)
        for (int m = 0; m < NOPT; m++) {
            double a = res[ti].rate[m];
            int at = fabs(a - o->grid_lo) <= 1e-9 * o->grid_lo ||
                     fabs(a - o->grid_hi) <= 1e-9 * o->grid_hi;
            if (at && el < sizeof edge)
                el += (size_t)snprintf(edge + el, sizeof edge - el, "%s%s (%s, α = %.3g)",
                                       el ? ", " : "", opt_name[m],
                                       tasks[ti].loss == GN_LOSS_BCE ? "classification"
                                                                     : "regression", a);
        }
    if (o->ngrid == 1)
        snprintf(edge, sizeof edge, "a grid of one rate, %.3g, for every method: no method "
                 "had its rate chosen", o->grid_lo);
    if (*edge)
        nb_para(p, "At the edge of the rate grid: %s. The good region of these methods may "
                   "lie outside [%.3g, %.3g]; widen it with `--grid LO,HI,N` before reading "
                   "their comparisons.",
                edge, o->grid_lo, o->grid_hi);
    char caveat[400];
    if (ctx->quick)
        snprintf(caveat, sizeof caveat, "a --quick run (%zu epoch(s), %zu training rows, %zu "
                 "seeds) is too small for the claim; run without --quick", o->epochs,
                 tasks[0].ntr, o->seeds);
    else
        snprintf(caveat, sizeof caveat, "a chosen rate is at the edge of the grid (%.150s)",
                 edge);
    nb_claim_end(p, ctx->quick || *edge ? caveat : NULL);
}

static void page_exercises(nb_page *p)
{
    static const nb_exercise ex[] = {
        {"The claim's intervals come from a handful of seeds. Predict how they change with "
         "three times as many.",
         "gnlab notebook supervised --seeds 15",
         "each interval narrows by about sqrt(3) (the t quantile also falls); a comparison "
         "whose interval straddled 0 may now fall on one side."},
        {"Use one rate for every optimizer: a grid of one point. Predict which method suffers "
         "most at a rate of 0.1.",
         "gnlab notebook supervised --grid 0.1,0.1,1",
         "the table's rates all read 0.1; compare each row with the default run's: the "
         "method whose metric moves least is the least sensitive to its rate at this size "
         "(the selection table of the default run tells you beforehand how far 0.1 is from "
         "each method's best rate)."},
        {"Another data split: the verdict should not hinge on one shuffle.",
         "gnlab notebook supervised --seed 2",
         "the same verdict if the effect is real; a different one tells you the default "
         "run's difference was within split-to-split noise."},
    };
    nb_exercises(p, ex, 3);
}

/* a sweep shard, or an incomplete merge, ends without its page: the exit status, or -1
 * when the page is to be written */
static int sweep_end(nb_sweep *sw, const nb_ctx *ctx, int ntask)
{
    if (!nb_sweep_on(sw))
        return -1;
    if (nb_sweep_writing(sw)) {
        if (!ctx->quiet && nb_sweep_missing(sw))
            fprintf(stderr,
                    "gnlab notebook supervised: sweep shard written; %d runs wait for other "
                    "shards or for the grid's selection (--sweep-in)\n",
                    nb_sweep_missing(sw));
        return GN_EXIT_PASS;
    }
    if (nb_sweep_missing(sw)) {
        nb_sweep_print_missing(sw, stdout, ntask);
        return GN_EXIT_FAIL;
    }
    return -1;
}

int nb_supervised_run(const nb_ctx *ctx, const nb_supervised_opts *o)
{
    char sig[1024];
    sweep_sig(sig, sizeof sig, ctx, o);
    nb_sweep *sw = nb_sweep_open(&o->sweep, sig);
    if (!sw)
        return GN_EXIT_USAGE;
    double grid[NB_SV_MAXGRID];
    size_t ng = o->ngrid;
    for (size_t i = 0; i < ng; i++)
        grid[i] = ng == 1 ? o->grid_lo
                          : o->grid_lo * pow(o->grid_hi / o->grid_lo, (double)i / (double)(ng - 1));
    task tasks[NB_SV_MAXSCALE];
    int ntask = load_tasks(tasks, ctx, o);
    nb_page *p = ntask > 0 ? nb_page_open(ctx, NB, "3. Supervised learning at batch size 1") : NULL;
    if (!p) {
        for (int i = 0; i < ntask; i++)
            task_free(&tasks[i]);
        nb_sweep_close(sw);
        /* bad input (-1), or tasks made but the page cannot be written: usage; else the
         * memory ran out */
        return ntask == -1 || ntask > 0 ? GN_EXIT_USAGE : GN_EXIT_FAIL;
    }
    page_intro(p, o);
    task_result res[NB_SV_MAXSCALE];
    memset(res, 0, sizeof res);
    for (int ti = 0; ti < ntask; ti++)
        res[ti].fin = malloc(NOPT * o->seeds * sizeof *res[ti].fin);
    char datafiles[512] = "";
    int fail = 0;
    /* the final runs' splits: split 0 is the selection's, split s >= 1 another shuffle of
     * the same rows (made the same way, standardised on its own training rows) */
    size_t nsplit = o->seeds < SV_NSPLIT ? o->seeds : SV_NSPLIT, made = 1;
    task splits[SV_NSPLIT][NB_SV_MAXSCALE];
    memset(splits, 0, sizeof splits);
    for (size_t sp = 1; sp < nsplit && !fail; sp++, made++) {
        nb_ctx c2 = *ctx;
        c2.seed = ctx->seed + SV_SPLIT_STEP * sp;
        fail = load_tasks(splits[sp], &c2, o) != ntask;
    }
    for (int ti = 0; ti < ntask && !fail; ti++) {
        const task *fin_t[SV_NSPLIT];
        for (size_t sp = 0; sp < SV_NSPLIT; sp++)
            fin_t[sp] = sp == 0 || sp >= nsplit ? &tasks[ti] : &splits[sp][ti];
        fail = run_task(p, sw, ctx, &tasks[ti], fin_t, ti, o, grid, &res[ti], datafiles,
                        sizeof datafiles) != 0;
    }
    for (size_t sp = 1; sp < made && sp < nsplit; sp++)
        for (int ti = 0; ti < ntask; ti++)
            task_free(&splits[sp][ti]);
    int status = fail ? -1 : sweep_end(sw, ctx, ntask);
    int sweep_bad = nb_sweep_close(sw) != 0; /* the records could not be written */
    if (status < 0 && !fail) {
        page_results(p, tasks, ntask, res, datafiles);
        page_claim(p, ctx, tasks, ntask, res, o);
        page_claim_scale(p, ctx, tasks, ntask, res, o);
        page_exercises(p);
    }
    for (int i = 0; i < ntask; i++) {
        task_free(&tasks[i]);
        free(res[i].fin);
    }
    int rc = nb_page_finish(p, fail);
    if (sweep_bad || rc == GN_EXIT_USAGE)
        return GN_EXIT_USAGE;
    return status >= 0 ? status : rc;
}
