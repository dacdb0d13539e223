/* nb_args.c: argv -> nb_<name>_opts for every notebook (nb_args.h). A table per notebook
 * names its numeric and text flags with their ranges; the few flags with a shape of their
 * own (two numbers, a list, two files, the sweep's shard) are handled next to it. */
#include "nb_args.h"

#include "cli.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { F_DOUBLE, F_SIZE, F_STR };

typedef struct {
    const char *flag;
    int kind;
    size_t off; /* offset of the field in the options struct */
    double lo, hi;
} flagdef;

/* 1 when argv[*i] is one of defs (value stored, *i advanced), -1 after a message on a
 * missing or bad value, 0 when it is none of them */
static int table_flag(void *opts, const flagdef *defs, const char *nb, int argc, char **argv,
                      int *i)
{
    for (const flagdef *d = defs; d->flag; d++) {
        if (strcmp(argv[*i], d->flag) != 0)
            continue;
        if (*i + 1 >= argc || !*argv[*i + 1]) {
            fprintf(stderr, "gnlab notebook %s: %s needs a value\n", nb, d->flag);
            return -1;
        }
        const char *v = argv[++*i];
        char cmd[64];
        snprintf(cmd, sizeof cmd, "notebook %s", nb);
        char *field = (char *)opts + d->off;
        if (d->kind == F_DOUBLE)
            return cli_double((double *)field, cmd, d->flag, v, d->lo, d->hi) == 0 ? 1 : -1;
        if (d->kind == F_SIZE)
            return cli_size((size_t *)field, cmd, d->flag, v, (size_t)d->lo, (size_t)d->hi) == 0
                       ? 1 : -1;
        *(const char **)field = v;
        return 1;
    }
    return 0;
}

/* a comma-separated list of finite doubles into out (cap entries); the count or -1 */
static int parse_list(double *out, size_t cap, const char *s)
{
    size_t k = 0;
    const char *c = s;
    while (*c) {
        char *end;
        errno = 0;
        double v = strtod(c, &end);
        if (end == c || errno == ERANGE || !isfinite(v) || k >= cap)
            return -1;
        out[k++] = v;
        if (*end == ',')
            c = end + 1;
        else if (*end == '\0')
            c = end;
        else
            return -1;
        if (*end == ',' && *c == '\0')
            return -1;
    }
    return k ? (int)k : -1;
}

/* every flag of a notebook: the table, then special(); GN_EXIT_PASS or GN_EXIT_USAGE */
typedef int special_fn(void *opts, int argc, char **argv, int *i);
static int parse(void *opts, const flagdef *defs, special_fn *special, const char *nb, int argc,
                 char **argv)
{
    for (int i = 1; i < argc; i++) {
        int r = table_flag(opts, defs, nb, argc, argv, &i);
        if (r == 0 && special)
            r = special(opts, argc, argv, &i);
        if (r < 0)
            return GN_EXIT_USAGE;
        if (r == 0) {
            char cmd[64];
            snprintf(cmd, sizeof cmd, "notebook %s", nb);
            return cli_usage(cmd, "unknown flag '%s'", argv[i]);
        }
    }
    return GN_EXIT_PASS;
}

#define OFF(T, f) offsetof(T, f)

/* ----------------------------------------------------------------------- rank1 */

typedef struct {
    nb_rank1_opts o;
    const char *loss;
} rank1_args;

static const flagdef rank1_flags[] = {
    {"--lambda", F_DOUBLE, OFF(rank1_args, o.lambda), 1e-300, 1e300},
    {"--mu", F_DOUBLE, OFF(rank1_args, o.mu), 0, 1e300},
    {"--alpha", F_DOUBLE, OFF(rank1_args, o.alpha), 1e-300, 1e300},
    {"--y", F_DOUBLE, OFF(rank1_args, o.y), -1e300, 1e300},
    {"--loss", F_STR, OFF(rank1_args, loss), 0, 0},
    {NULL, 0, 0, 0, 0}};

static int rank1_special(void *opts, int argc, char **argv, int *i)
{
    rank1_args *a = opts;
    const char *f = argv[*i];
    if (strcmp(f, "--x") != 0 && strcmp(f, "--w") != 0)
        return 0;
    if (*i + 1 >= argc || !*argv[*i + 1]) {
        fprintf(stderr, "gnlab notebook rank1: %s needs a value\n", f);
        return -1;
    }
    const char *s = argv[++*i];
    if (parse_list(!strcmp(f, "--x") ? a->o.x : a->o.w, 2, s) != 2) {
        cli_usage("notebook rank1", "%s wants two numbers A,B (got '%s')", f, s);
        return -1;
    }
    return 1;
}

static int run_rank1(const nb_ctx *ctx, int argc, char **argv)
{
    rank1_args a = {nb_rank1_opts_default(), "bce"};
    int r = parse(&a, rank1_flags, rank1_special, "rank1", argc, argv);
    if (r != GN_EXIT_PASS)
        return r;
    if (gn_loss_parse(&a.o.loss, a.loss) != GN_OK)
        return cli_usage("notebook rank1", "--loss must be squared or bce (got '%s')", a.loss);
    if (a.o.loss == GN_LOSS_BCE && !(a.o.y >= 0 && a.o.y <= 1))
        return cli_usage("notebook rank1", "--y must be in [0, 1] for bce (got %g)", a.o.y);
    if (a.o.x[0] == 0 && a.o.x[1] == 0)
        return cli_usage("notebook rank1", "--x must not be 0 (j = x would be 0)");
    return nb_rank1_run(ctx, &a.o);
}

/* ----------------------------------------------------------------------- scale */

typedef struct {
    nb_scale_opts o;
    double scale_max;
} scale_args;

static const flagdef scale_flags[] = {
    {"--scale-max", F_DOUBLE, OFF(scale_args, scale_max), 1, 1e6},
    {"--alpha", F_DOUBLE, OFF(scale_args, o.alpha), 1e-12, 1e6},
    {"--alpha-retuned", F_DOUBLE, OFF(scale_args, o.alpha_retuned), 1e-12, 1e6},
    {"--epsilon", F_DOUBLE, OFF(scale_args, o.epsilon), 0, 1},
    {"--gamma", F_DOUBLE, OFF(scale_args, o.gamma), 0, 1},
    {"--lambda", F_DOUBLE, OFF(scale_args, o.lambda), 1e-300, 1e300},
    {"--seeds", F_SIZE, OFF(scale_args, o.seeds), 1, 10000},
    {"--episodes", F_SIZE, OFF(scale_args, o.episodes), 50, 10000000},
    {"--data", F_STR, OFF(scale_args, o.data), 0, 0},
    {"--target", F_STR, OFF(scale_args, o.target), 0, 0},
    {"--epochs", F_SIZE, OFF(scale_args, o.epochs), 1, 1000},
    {NULL, 0, 0, 0, 0}};

static int scale_special(void *opts, int argc, char **argv, int *i)
{
    (void)argc;
    if (strcmp(argv[*i], "--no-header") != 0)
        return 0;
    ((scale_args *)opts)->o.no_header = 1;
    return 1;
}

static int run_scale(const nb_ctx *ctx, int argc, char **argv)
{
    scale_args a = {nb_scale_opts_default(ctx->quick), 0};
    a.scale_max = (double)a.o.scale_max;
    int r = parse(&a, scale_flags, scale_special, "scale", argc, argv);
    if (r != GN_EXIT_PASS)
        return r;
    if ((a.o.data != NULL) != (a.o.target != NULL))
        return cli_usage("notebook scale", "--data and --target go together");
    if (!a.o.data && (a.o.no_header || a.o.epochs))
        return cli_usage("notebook scale", "--no-header and --epochs go with --data");
    if (a.scale_max != floor(a.scale_max))
        return cli_usage("notebook scale", "--scale-max must be an integer (got %g)",
                         a.scale_max);
    a.o.scale_max = (long)a.scale_max;
    return nb_scale_run(ctx, &a.o);
}

/* ------------------------------------------------------------------ supervised */

typedef struct {
    nb_supervised_opts o;
    const char *kn, *ranges, *standardize;
} sv_args;

static const flagdef sv_flags[] = {
    {"--data", F_STR, OFF(sv_args, o.data), 0, 0},
    {"--target", F_STR, OFF(sv_args, o.target), 0, 0},
    {"--loss", F_STR, OFF(sv_args, o.loss_name), 0, 0},
    {"--diamonds", F_STR, OFF(sv_args, o.diamonds), 0, 0},
    {"--hidden", F_STR, OFF(sv_args, o.hidden_spec), 0, 0},
    {"--grid", F_STR, OFF(sv_args, o.grid_spec), 0, 0},
    {"--seeds", F_SIZE, OFF(sv_args, o.seeds), 1, 1000},
    {"--epochs", F_SIZE, OFF(sv_args, o.epochs), 1, 1000},
    {"--train", F_SIZE, OFF(sv_args, o.ntrain), 0, 100000000},
    {"--sweep-shard", F_STR, OFF(sv_args, kn), 0, 0},
    {"--sweep-ranges", F_STR, OFF(sv_args, ranges), 0, 0},
    {"--sweep-out", F_STR, OFF(sv_args, o.sweep.out), 0, 0},
    {"--sweep-in", F_STR, OFF(sv_args, o.sweep.in), 0, 0},
    {"--sweep-blocks", F_SIZE, OFF(sv_args, o.sweep.blocks), 1, GN_IO_SHARD_MAXBLOCKS},
    {"--standardize", F_STR, OFF(sv_args, standardize), 0, 0},
    {"--feature-scale", F_STR, OFF(sv_args, o.fscale_spec), 0, 0},
    {NULL, 0, 0, 0, 0}};

static int sv_special(void *opts, int argc, char **argv, int *i)
{
    (void)argc;
    if (strcmp(argv[*i], "--no-header") != 0)
        return 0;
    ((sv_args *)opts)->o.no_header = 1;
    return 1;
}

/* --standardize, --feature-scale and their companions: GN_EXIT_PASS or a usage message */
static int sv_data(sv_args *a)
{
    nb_supervised_opts *o = &a->o;
    if (!o->data && (o->no_header || a->standardize || o->fscale_spec))
        return cli_usage("notebook supervised",
                         "--no-header, --standardize and --feature-scale go with --data");
    if (a->standardize) {
        static const char *const modes[3] = {"all", "features", "none"};
        int k = 0;
        while (k < 3 && strcmp(a->standardize, modes[k]) != 0)
            k++;
        if (k == 3)
            return cli_usage("notebook supervised",
                             "--standardize must be none, features or all (got '%s')",
                             a->standardize);
        o->standardize = k; /* NB_SV_STD_ALL, _FEATURES, _NONE in this order */
    }
    if (o->fscale_spec) {
        int n = parse_list(o->fscale, NB_SV_MAXSCALE, o->fscale_spec);
        for (int k = 0; n > 0 && k < n; k++)
            if (!(o->fscale[k] > 0 && o->fscale[k] <= 1e6 && o->fscale[k] >= 1e-6))
                n = -1;
        if (n < 1)
            return cli_usage("notebook supervised",
                             "--feature-scale wants 1 to %d multipliers in [1e-6, 1e6], "
                             "e.g. 1,10,100 (got '%s')",
                             NB_SV_MAXSCALE, o->fscale_spec);
        o->nfscale = (size_t)n;
    }
    return GN_EXIT_PASS;
}

static int sv_lists(nb_supervised_opts *o)
{
    if (o->hidden_spec) {
        double h[NB_SV_MAXH];
        int k = parse_list(h, NB_SV_MAXH, o->hidden_spec);
        if (k < 1)
            return cli_usage("notebook supervised", "--hidden wants 1 to %d widths", NB_SV_MAXH);
        for (int i = 0; i < k; i++) {
            if (!(h[i] >= 1 && h[i] <= 4096 && h[i] == floor(h[i])))
                return cli_usage("notebook supervised", "--hidden: bad width %g", h[i]);
            o->hidden[i] = (size_t)h[i];
        }
        o->nhidden = (size_t)k;
    }
    if (o->grid_spec) {
        double g[3];
        if (parse_list(g, 3, o->grid_spec) != 3 || !(g[0] > 0) || !(g[1] >= g[0]) || g[2] < 1 ||
            g[2] > NB_SV_MAXGRID || g[2] != floor(g[2]))
            return cli_usage("notebook supervised",
                             "--grid wants LO,HI,N with 0 < LO <= HI and 1 <= N <= 50");
        o->grid_lo = g[0];
        o->grid_hi = g[1];
        o->ngrid = (size_t)g[2];
    }
    return GN_EXIT_PASS;
}

static int sv_sweep(sv_args *a)
{
    nb_sweep_opts *s = &a->o.sweep;
    s->on = a->kn || a->ranges || s->out || s->in;
    if (!s->on)
        return GN_EXIT_PASS;
    if ((a->kn || a->ranges) != (s->out != NULL) || (a->kn && a->ranges))
        return cli_usage("notebook supervised",
                         "a sweep shard wants one of --sweep-shard K/N or --sweep-ranges "
                         "LIST, and --sweep-out FILE; --sweep-in FILES alone merges");
    if (a->kn && gn_io_shard_parse_kn(&s->own, a->kn, s->blocks) < 0)
        return cli_usage("notebook supervised", "--sweep-shard: want K/N, 0 <= K < N <= %zu",
                         s->blocks);
    if (a->ranges && gn_io_shard_parse_ranges(&s->own, a->ranges, s->blocks) < 0)
        return cli_usage("notebook supervised",
                         "--sweep-ranges: want disjoint blocks A-B,C below %zu",
                         s->blocks);
    s->have_own = a->kn || a->ranges;
    return GN_EXIT_PASS;
}

static int run_supervised(const nb_ctx *ctx, int argc, char **argv)
{
    sv_args a;
    memset(&a, 0, sizeof a);
    a.o = nb_supervised_opts_default(ctx->quick);
    int r = parse(&a, sv_flags, sv_special, "supervised", argc, argv);
    if (r != GN_EXIT_PASS)
        return r;
    if ((a.o.data != NULL) != (a.o.target != NULL))
        return cli_usage("notebook supervised", "--data and --target go together");
    if ((r = sv_data(&a)) != GN_EXIT_PASS)
        return r;
    if (gn_loss_parse(&a.o.loss, a.o.loss_name) != GN_OK)
        return cli_usage("notebook supervised", "--loss must be squared or bce");
    if ((r = sv_lists(&a.o)) != GN_EXIT_PASS || (r = sv_sweep(&a)) != GN_EXIT_PASS)
        return r;
    return nb_supervised_run(ctx, &a.o);
}

/* ------------------------------------------------------------------------- lqr */

static const flagdef lqr_flags[] = {
    {"--alpha-ql", F_DOUBLE, OFF(nb_lqr_opts, alpha_ql), 1e-12, 1e3},
    {"--alpha-igndq", F_DOUBLE, OFF(nb_lqr_opts, alpha_igndq), 1e-12, 1e3},
    {"--gamma", F_DOUBLE, OFF(nb_lqr_opts, gamma), 1e-6, 1},
    {"--noise", F_DOUBLE, OFF(nb_lqr_opts, noise), 0, 1e3},
    {"--continuous", F_DOUBLE, OFF(nb_lqr_opts, continuous), 1e-9, 1e6},
    {"--seeds", F_SIZE, OFF(nb_lqr_opts, seeds), 1, 1000},
    {"--iters", F_SIZE, OFF(nb_lqr_opts, iters), 1, 10000},
    {"--eval-steps", F_SIZE, OFF(nb_lqr_opts, eval_steps), 10, 100000000},
    {NULL, 0, 0, 0, 0}};

static int lqr_special(void *opts, int argc, char **argv, int *i)
{
    nb_lqr_opts *o = opts;
    if (strcmp(argv[*i], "--plant") != 0)
        return 0;
    if (*i + 2 >= argc) {
        cli_usage("notebook lqr", "--plant needs two files: A.csv B.csv");
        return -1;
    }
    o->plant_a = argv[++*i];
    o->plant_b = argv[++*i];
    return 1;
}

static int run_lqr(const nb_ctx *ctx, int argc, char **argv)
{
    nb_lqr_opts o = nb_lqr_opts_default(ctx->quick);
    int r = parse(&o, lqr_flags, lqr_special, "lqr", argc, argv);
    if (r != GN_EXIT_PASS)
        return r;
    if (o.continuous > 0 && !o.plant_a)
        return cli_usage("notebook lqr", "--continuous H discretises a --plant A B: give one");
    return nb_lqr_run(ctx, &o);
}

/* ------------------------------------------------------------------------- egn */

static const flagdef egn_flags[] = {
    {"--seeds", F_SIZE, OFF(nb_egn_opts, seeds), 1, 1000},
    {"--epochs", F_SIZE, OFF(nb_egn_opts, epochs), 1, 10000},
    {"--rows", F_SIZE, OFF(nb_egn_opts, rows), 100, 10000000},
    {"--hidden", F_SIZE, OFF(nb_egn_opts, hidden), 1, 4096},
    {NULL, 0, 0, 0, 0}};

static int egn_special(void *opts, int argc, char **argv, int *i)
{
    (void)argc;
    if (strcmp(argv[*i], "--no-cost") != 0)
        return 0;
    ((nb_egn_opts *)opts)->cost = 0;
    return 1;
}

static int run_egn(const nb_ctx *ctx, int argc, char **argv)
{
    nb_egn_opts o = nb_egn_opts_default(ctx->quick);
    int r = parse(&o, egn_flags, egn_special, "egn", argc, argv);
    return r != GN_EXIT_PASS ? r : nb_egn_run(ctx, &o);
}

/* ------------------------------------------------------------------- overparam */

static const flagdef op_flags[] = {
    {"--width", F_SIZE, OFF(nb_overparam_opts, width), 2, 100000},
    {"--samples", F_SIZE, OFF(nb_overparam_opts, samples), 4, 2000},
    {"--iters", F_SIZE, OFF(nb_overparam_opts, iters), 2, 10000000},
    {"--seeds", F_SIZE, OFF(nb_overparam_opts, seeds), 1, 100},
    {NULL, 0, 0, 0, 0}};

static int op_special(void *opts, int argc, char **argv, int *i)
{
    nb_overparam_opts *o = opts;
    if (strcmp(argv[*i], "--scales") != 0)
        return 0;
    if (*i + 1 >= argc || !*argv[*i + 1]) {
        fprintf(stderr, "gnlab notebook overparam: --scales needs a value\n");
        return -1;
    }
    const char *s = argv[++*i];
    int n = parse_list(o->scales, NB_OP_MAXSCALES, s);
    for (int k = 0; n > 0 && k < n; k++)
        if (!(o->scales[k] > 0))
            n = -1;
    if (n < 1) {
        cli_usage("notebook overparam", "--scales wants 1 to 8 positive numbers (got '%s')", s);
        return -1;
    }
    o->nscales = n;
    return 1;
}

static int run_overparam(const nb_ctx *ctx, int argc, char **argv)
{
    nb_overparam_opts o = nb_overparam_opts_default(ctx->quick);
    int r = parse(&o, op_flags, op_special, "overparam", argc, argv);
    return r != GN_EXIT_PASS ? r : nb_overparam_run(ctx, &o);
}

/* ------------------------------------------------------------------- the table */

static const cli_nb table[] = {
    {"rank1",
     "  --loss squared|bce   loss of the worked instance (default bce)\n"
     "  --x A,B              the sample's features = j (default 1.5,-0.8)\n"
     "  --w A,B              the weights (default 0.4,0.9)\n"
     "  --y Y                the label (default 1)\n"
     "  --lambda L --mu M    damping (default 0.25, 0.05)\n"
     "  --alpha A            learning rate (default 1)\n",
     run_rank1},
    {"scale",
     "  --scale-max S        feature multipliers drawn from {-S..S} \\ {0} (default 10)\n"
     "  --seeds N            runs per curve (default 10)\n"
     "  --episodes N         episodes per run (default 3000)\n"
     "  --alpha A            learning rate of QL and IGNDQ (default 0.5)\n"
     "  --alpha-retuned A    QL's retuned rate on scaled features (default alpha/S^2)\n"
     "  --epsilon E          exploration rate (default 0.2)\n"
     "  --gamma G            discount (default 0.95)\n"
     "  --lambda L           IGNDQ damping (default 1e-3)\n"
     "  --data FILE          the experiment on a table instead of FrozenLake: a linear model\n"
     "                       by SGD and IGND (.csv, .tsv, .gz; docs/notebook-data.md)\n"
     "  --target COL         the target column of --data: a name, or a number from 1\n"
     "  --no-header          --data has no header line\n"
     "  --epochs N           passes over the training rows of --data (default 3)\n",
     run_scale},
    {"supervised",
     "  --data FILE          any numeric table instead of Diamonds (needs --target):\n"
     "                       .csv, .tsv (or tabs detected), either gzipped (.gz)\n"
     "  --target COL         the target column of --data: a name, or a number from 1\n"
     "  --no-header          --data has no header line (--target is then a number)\n"
     "  --standardize MODE   all (features and target, default), features, or none\n"
     "  --feature-scale S,.. one run of the page per multiplier of every feature\n"
     "                       (after --standardize; at most 6), e.g. 1,10,100\n"
     "  --loss squared|bce   loss for --data (default squared; bce needs 0/1 targets)\n"
     "  --diamonds FILE      Diamonds as .csv.gz (default notebooks/data/diamonds.csv.gz)\n"
     "  --seeds N            runs per optimizer at the chosen rate (default 5)\n"
     "  --epochs N           passes over the training rows (default 2)\n"
     "  --train N            training rows used, 0 = all (default 12000)\n"
     "  --hidden A,B         hidden widths of the ReLU MLP (default 32,16)\n"
     "  --grid LO,HI,N       learning-rate grid, N log-spaced values (default 1e-4,1,9)\n"
     "  --sweep-shard K/N    train only part K of N of the runs (docs/campaigns.md)\n"
     "  --sweep-ranges LIST  train only these blocks of the runs (reruns missing ones)\n"
     "  --sweep-blocks U     blocks of the run index ranges (default 64)\n"
     "  --sweep-out FILE     the shard's run records (JSON Lines, exact)\n"
     "  --sweep-in F1,F2     records of earlier shards; alone: render the page from them\n",
     run_supervised},
    {"lqr",
     "  --plant A.csv B.csv  a plant instead of the two built-in ones: A n x n, B n x m,\n"
     "                       n <= 30, m <= 10; comma or blank separated, header optional\n"
     "  --continuous H       A, B are continuous-time: zero-order hold with step H (s)\n"
     "  --seeds N            runs per curve (default 5)\n"
     "  --iters N            policy-improvement iterations (default 25)\n"
     "  --eval-steps N       semi-gradient updates per policy evaluation (default 3000)\n"
     "  --alpha-ql A         QL rate (default 2e-3)\n"
     "  --alpha-igndq A      IGNDQ rate (default 0.2)\n"
     "  --gamma G            discount (default 0.9)\n"
     "  --noise S            process-noise std. dev. of the stochastic runs (default 0.1)\n",
     run_lqr},
    {"egn",
     "  --seeds N            runs per method (default 3)\n"
     "  --epochs N           passes over the training rows (default 12)\n"
     "  --rows N             rows of the example data (default 4000)\n"
     "  --hidden H           width of the two tanh hidden layers (default 32)\n"
     "  --no-cost            skip the timing sweep of the DG solve\n",
     run_egn},
    {"overparam",
     "  --width M            hidden SiLU units (default 200)\n"
     "  --samples N          training samples (default 40)\n"
     "  --iters T            iterations of GN and of GD (default 1500)\n"
     "  --scales A,B,...     initial weight scales tau0 (default 0.25,1,4)\n"
     "  --seeds N            runs per curve (default 2)\n",
     run_overparam},
    {NULL, NULL, NULL}};

const cli_nb *cli_nb_find(const char *name)
{
    for (const cli_nb *n = table; n->name; n++)
        if (!strcmp(n->name, name))
            return n;
    return NULL;
}
