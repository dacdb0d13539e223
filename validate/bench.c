/* bench.c: timing machinery and benchmark kernels for `gnlab bench` (see bench.h). */
#include "bench.h"
#include "gn_internal.h" /* the vector kernels' passes, timed alone for the profile */
#include "gn_io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double val_bench_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double val_bench_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

gn_status val_bench_calibrate(size_t *steps, val_bench_fn fn, void *ctx, double min_time)
{
    size_t n = 1;
    for (;;) {
        double t0 = gn_io_now();
        gn_status st = fn(ctx, n);
        double dt = gn_io_now() - t0;
        if (st != GN_OK)
            return st;
        if (dt >= min_time || n >= ((size_t)1 << 40))
            break;
        n *= 2;
    }
    *steps = n;
    return GN_OK;
}

gn_status val_bench_interleave(val_bench_kernel *k, size_t nk, size_t reps)
{
    for (size_t r = 0; r < reps; r++)
        for (size_t q = 0; q < nk; q++) {
            val_bench_kernel *kk = &k[(r + q) % nk];
            double c0 = val_bench_cpu(), t0 = gn_io_now();
            gn_status st = kk->fn(kk->ctx, kk->steps);
            double dt = gn_io_now() - t0, dc = val_bench_cpu() - c0;
            if (st != GN_OK)
                return st;
            kk->t[r] = dt / (double)kk->steps;
            if (kk->c)
                kk->c[r] = dc / (double)kk->steps;
        }
    return GN_OK;
}

double val_bench_ratio_median(const double *a, const double *b, size_t n, size_t round,
                             double *scratch, double *lo, double *hi)
{
    if (round == 0)
        round = 1;
    size_t g = n >= round ? n / round : (n ? 1 : 0), len = n >= round ? round : n;
    for (size_t q = 0; q < g; q++) {
        double sa = 0.0, sb = 0.0;
        for (size_t r = q * len; r < (q + 1) * len; r++) {
            sa += a[r];
            sb += b[r];
        }
        scratch[q] = sa / sb;
    }
    double m = val_bench_median(scratch, g);
    if (lo)
        *lo = g ? scratch[0] : NAN;
    if (hi)
        *hi = g ? scratch[g - 1] : NAN;
    return m;
}

/* ------------------------------------------------------------ linear */

#define LIN_ALPHA 0.1
#define LIN_LAMBDA 1e-3

gn_status val_bench_linear_init(val_bench_linear *b, size_t d, uint64_t seed)
{
    memset(b, 0, sizeof *b);
    if (d == 0)
        return GN_ESIZE;
    b->d = d;
    b->w = malloc(d * sizeof(double));
    b->x = malloc(d * sizeof(double));
    if (!b->w || !b->x) {
        val_bench_linear_free(b);
        return GN_ENOMEM;
    }
    gn_rng r;
    gn_rng_seed(&r, seed, 1);
    double sc = 1.0 / sqrt((double)d), t = 0.0;
    for (size_t i = 0; i < d; i++) {
        b->x[i] = sc * gn_rng_normal(&r);
        b->w[i] = 0.0;
        t += b->x[i] * gn_rng_normal(&r); /* x . w_true, w_true ~ N(0, I) */
    }
    for (size_t k = 0; k < 1024; k++)
        b->y[k] = t + 0.1 * gn_rng_normal(&r);
    return GN_OK;
}

void val_bench_linear_free(val_bench_linear *b)
{
    if (!b)
        return;
    free(b->w);
    free(b->x);
    b->w = b->x = NULL;
}

static gn_status linear_run(val_bench_linear *b, size_t nsteps, int ignd)
{
    gn_damping dmp = {LIN_LAMBDA, 0.0};
    gn_lossval lv;
    double acc = 0.0;
    for (size_t s = 0; s < nsteps; s++) {
        double y = b->y[b->k];
        b->k = (b->k + 1) & 1023;
        gn_status st = ignd ? gn_linear_step_ignd(b->w, &lv, b->x, b->d, y, GN_LOSS_SQUARED,
                                                  LIN_ALPHA, dmp)
                            : gn_linear_step_sgd(b->w, &lv, b->x, b->d, y, GN_LOSS_SQUARED,
                                                 LIN_ALPHA);
        if (st != GN_OK)
            return st;
        acc += lv.l;
    }
    b->sink += acc;
    return isfinite(b->sink) ? GN_OK : GN_ERANGE;
}

gn_status val_bench_linear_ignd(void *ctx, size_t nsteps) { return linear_run(ctx, nsteps, 1); }
gn_status val_bench_linear_sgd(void *ctx, size_t nsteps) { return linear_run(ctx, nsteps, 0); }

static gn_status pass1_run(val_bench_linear *b, size_t nsteps, int ignd)
{
    const gn_kern *k = gn_internal_kern();
    double acc = 0.0;
    for (size_t s = 0; s < nsteps; s++) {
        if (ignd) {
            gn_pair2 r = k->dot2(b->w, b->x, b->d);
            acc += r.ab + r.bb;
        } else {
            acc += k->dot(b->w, b->x, b->d);
        }
    }
    b->sink += acc;
    return isfinite(acc) ? GN_OK : GN_ERANGE;
}

gn_status val_bench_linear_pass1_ignd(void *ctx, size_t nsteps) { return pass1_run(ctx, nsteps, 1); }
gn_status val_bench_linear_pass1_sgd(void *ctx, size_t nsteps) { return pass1_run(ctx, nsteps, 0); }

double val_bench_linear_bytes(size_t d) { return 40.0 * (double)d; }

/* ------------------------------------------------------------- triad */

gn_status val_bench_triad_init(val_bench_triad *t, size_t n, uint64_t seed)
{
    memset(t, 0, sizeof *t);
    if (n == 0)
        return GN_ESIZE;
    t->n = n;
    t->a = malloc(n * sizeof(double));
    t->b = malloc(n * sizeof(double));
    t->c = malloc(n * sizeof(double));
    if (!t->a || !t->b || !t->c) {
        val_bench_triad_free(t);
        return GN_ENOMEM;
    }
    gn_rng r;
    gn_rng_seed(&r, seed, 2);
    for (size_t i = 0; i < n; i++) {
        t->a[i] = 0.0;
        t->b[i] = gn_rng_uniform(&r);
        t->c[i] = gn_rng_uniform(&r);
    }
    t->s = 0.75;
    return GN_OK;
}

void val_bench_triad_free(val_bench_triad *t)
{
    if (!t)
        return;
    free(t->a);
    free(t->b);
    free(t->c);
    t->a = t->b = t->c = NULL;
}

static void triad_sweep(double *restrict a, const double *restrict b, const double *restrict c,
                        double s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

gn_status val_bench_triad_run(void *ctx, size_t nsteps)
{
    val_bench_triad *t = ctx;
    for (size_t q = 0; q < nsteps; q++) {
        triad_sweep(t->a, t->b, t->c, t->s, t->n);
        size_t i = t->probe;
        /* the same two roundings as the sweep (no contraction: -ffp-contract=off) */
        if (t->a[i] != t->b[i] + t->s * t->c[i])
            return GN_EINPUT;
        t->sink += t->a[i];
        t->probe = (i + 7919) % t->n;
    }
    return GN_OK;
}

double val_bench_triad_bytes(size_t n) { return 24.0 * (double)n; }

/* --------------------------------------------------------------- MLP */

const size_t val_bench_mlp_widths[5] = {8, 64, 32, 16, 1};

gn_status val_bench_mlp_init(val_bench_mlp *b, int ignd, uint64_t seed)
{
    memset(b, 0, sizeof *b);
    b->ignd = ignd;
    b->m = gn_mlp_alloc(val_bench_mlp_widths, 5, GN_ACT_RELU);
    if (!b->m)
        return GN_ENOMEM;
    b->w = malloc(b->m->nparams * sizeof(double));
    if (!b->w) {
        val_bench_mlp_free(b);
        return GN_ENOMEM;
    }
    gn_status st = gn_mlp_init(b->m, b->w, seed);
    if (st != GN_OK) {
        val_bench_mlp_free(b);
        return st;
    }
    gn_rng r;
    gn_rng_seed(&r, seed, 3);
    for (size_t k = 0; k < 256; k++) {
        for (size_t i = 0; i < 8; i++)
            b->x[k][i] = gn_rng_normal(&r);
        b->y[k] = sin(b->x[k][0] + b->x[k][1]) + 0.1 * b->x[k][2] * b->x[k][3] +
                  0.05 * gn_rng_normal(&r);
    }
    return GN_OK;
}

void val_bench_mlp_free(val_bench_mlp *b)
{
    if (!b)
        return;
    gn_mlp_free(b->m);
    free(b->w);
    b->m = NULL;
    b->w = NULL;
}

gn_status val_bench_mlp_run(void *ctx, size_t nsteps)
{
    val_bench_mlp *b = ctx;
    gn_damping dmp = {1.0, 0.0};
    gn_lossval lv;
    double acc = 0.0;
    for (size_t s = 0; s < nsteps; s++) {
        size_t k = b->k;
        b->k = (k + 1) & 255;
        gn_status st = b->ignd ? gn_mlp_step_ignd(b->m, b->w, &lv, b->x[k], b->y[k],
                                                  GN_LOSS_SQUARED, 0.1, dmp)
                               : gn_mlp_step_sgd(b->m, b->w, &lv, b->x[k], b->y[k],
                                                 GN_LOSS_SQUARED, 0.01);
        if (st != GN_OK)
            return st;
        acc += lv.l;
    }
    b->sink += acc;
    return isfinite(b->sink) ? GN_OK : GN_ERANGE;
}

gn_status val_bench_mlp_phase_eval(void *ctx, size_t nsteps)
{
    val_bench_mlp *b = ctx;
    double acc = 0.0, f;
    for (size_t s = 0; s < nsteps; s++) {
        size_t k = b->k;
        b->k = (k + 1) & 255;
        gn_status st = gn_mlp_eval(b->m, &f, b->m->jbuf, b->w, b->x[k]);
        if (st != GN_OK)
            return st;
        acc += f;
    }
    b->sink += acc;
    return isfinite(b->sink) ? GN_OK : GN_ERANGE;
}

gn_status val_bench_mlp_phase_sumsq(void *ctx, size_t nsteps)
{
    val_bench_mlp *b = ctx;
    double acc = 0.0;
    for (size_t s = 0; s < nsteps; s++)
        acc += gn_dot(b->m->jbuf, b->m->jbuf, b->m->nparams);
    b->sink += acc;
    return isfinite(b->sink) ? GN_OK : GN_ERANGE;
}

gn_status val_bench_mlp_phase_update(void *ctx, size_t nsteps)
{
    val_bench_mlp *b = ctx;
    const gn_kern *k = gn_internal_kern();
    for (size_t s = 0; s < nsteps; s++)
        if (!k->axpy(b->w, 1e-300, b->m->jbuf, b->m->nparams))
            return GN_ERANGE;
    return GN_OK;
}

double val_bench_mlp_flops(const size_t *widths, size_t nwidths)
{
    double f = 0.0, np = 0.0;
    size_t L = nwidths - 1;
    for (size_t l = 1; l <= L; l++) {
        double in = (double)widths[l - 1], out = (double)widths[l];
        np += in * out + out;
        f += 2.0 * in * out + out; /* forward: in multiply-adds per unit, + bias */
        f += in * out;             /* backward: the outer product d h^T */
        if (l > 1)
            f += 2.0 * in * out + in; /* W^T delta, then the product with act' */
    }
    return f + 4.0 * np; /* |j|^2 and w += c j: one multiply-add per parameter each */
}

/* ---------------------------------------------------------------- FMA probe */

/* FMA_ACC independent chains (latency 4 x 2 pipes needs 8 in flight; 12 leave room) of
 * acc = acc * m + a, fused: acc moves towards a / (1 - m) = 1 and stays there, so no value
 * ever becomes subnormal or overflows. One step = FMA_ITERS rounds over the chains. */
#define FMA_ACC 12
#define FMA_ITERS 1024

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
/* twelve named accumulators (an array would live in memory at -O2, and each FMA would
 * then wait for a store and a load) */
#define FMA_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define FMA_DECL(k) V acc##k = SET1(0.5 + 0.01 * k);
#define FMA_STEP(k) acc##k = FMADD(acc##k, m, a);
#define FMA_SUM(k) STOREU(out, acc##k); t += out[0] + out[LAST];
#define FMA_BODY                                                                             \
    const V m = SET1(0.999), a = SET1(0.001);                                                \
    FMA_EACH(FMA_DECL)                                                                       \
    for (size_t s = 0; s < nsteps; s++)                                                      \
        for (int it = 0; it < FMA_ITERS; it++) {                                             \
            FMA_EACH(FMA_STEP)                                                               \
        }                                                                                    \
    double t = 0.0, out[LAST + 1];                                                           \
    FMA_EACH(FMA_SUM)                                                                        \
    return t;

#define V __m512d
#define SET1 _mm512_set1_pd
#define FMADD _mm512_fmadd_pd
#define STOREU _mm512_storeu_pd
#define LAST 7
__attribute__((target("avx512f"))) static double fma_run512(size_t nsteps) { FMA_BODY }
#undef V
#undef SET1
#undef FMADD
#undef STOREU
#undef LAST
#define V __m256d
#define SET1 _mm256_set1_pd
#define FMADD _mm256_fmadd_pd
#define STOREU _mm256_storeu_pd
#define LAST 3
__attribute__((target("avx2,fma"))) static double fma_run256(size_t nsteps) { FMA_BODY }
#undef V
#undef SET1
#undef FMADD
#undef STOREU
#undef LAST
#define FMA_X86 1
#else
#define FMA_X86 0
#endif

/* scalar fma(): a library call where the CPU has no FMA unit */
static double fma_run1(size_t nsteps)
{
    double acc[FMA_ACC];
    for (int k = 0; k < FMA_ACC; k++)
        acc[k] = 0.5 + 0.01 * k;
    for (size_t s = 0; s < nsteps; s++)
        for (int it = 0; it < FMA_ITERS; it++)
            for (int k = 0; k < FMA_ACC; k++)
                acc[k] = fma(acc[k], 0.999, 0.001);
    double t = 0.0;
    for (int k = 0; k < FMA_ACC; k++)
        t += acc[k];
    return t;
}

void val_bench_fma_init(val_bench_fma *f)
{
    memset(f, 0, sizeof *f);
    f->lanes = 1;
    f->isa = "scalar fma()";
#if FMA_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        f->lanes = 8;
        f->isa = "AVX-512 (vfmadd, 8 doubles)";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        f->lanes = 4;
        f->isa = "AVX2 FMA (vfmadd, 4 doubles)";
    }
#endif
}

double val_bench_fma_per_step(const val_bench_fma *f)
{
    return (double)FMA_ACC * FMA_ITERS * (double)f->lanes;
}

gn_status val_bench_fma_run(void *ctx, size_t nsteps)
{
    val_bench_fma *f = ctx;
    double t;
#if FMA_X86
    if (f->lanes == 8)
        t = fma_run512(nsteps);
    else if (f->lanes == 4)
        t = fma_run256(nsteps);
    else
#endif
        t = fma_run1(nsteps);
    /* each chain converges to 1 from [0.5, 0.61]: the sum of 2 FMA_ACC values is in (0, 2
     * FMA_ACC] (a check that the work was done and gave numbers) */
    f->sink += t;
    return t > 0.0 && t <= 2.0 * FMA_ACC ? GN_OK : GN_EINPUT;
}

/* ------------------------------------------------------------ verdicts */

int val_bench_le(double value, double limit) { return value <= limit; }
int val_bench_ge(double value, double limit) { return value >= limit; }
