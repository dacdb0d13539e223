/* bench.h: the timing machinery behind `gnlab bench` (cli/cmd_bench.c).
 *
 * What is timed. A kernel is a function that runs a given number of steps (one IGND step
 * on a linear model, one triad sweep, ...). Kernels that are compared are run in the same
 * repetition loop, interleaved (rotating which goes first), so slow phases of a shared
 * machine hit all of them alike; each repetition runs enough steps to last min_time
 * seconds, timed with CLOCK_MONOTONIC; the reported figure is the median over the
 * repetitions, and a ratio between two kernels is the median of per-round ratios
 * (val_bench_ratio_median).
 *
 * Why the compiler cannot drop the work: the steps are calls into libgnlab.a (another
 * translation unit, no LTO) that update w in memory the next step reads; their losses are
 * summed into a sink in the context, checked finite after every run, and w is checked
 * finite at the end; one triad output per sweep is read back and checked exactly.
 *
 * Byte accounting (STREAM's convention: an array read counts its bytes once, a write once;
 * the cache's read-for-ownership of a written line is not counted):
 *   linear step, IGND and SGD alike: pass 1 reads w and x (f = w.x, and |x|^2 for IGND),
 *     pass 2 reads w and x and writes w (w += c x): 5 arrays of d doubles, 40 d bytes.
 *   triad a[i] = b[i] + s c[i]: reads b and c, writes a: 24 n bytes.
 * The step's write goes to lines pass 2 has just read, so it costs no read-for-ownership,
 * while the triad's does unless the compiler emits streaming stores (gcc -O2 does not):
 * by bytes actually moved the triad then moves 32 n, and the comparison in docs/performance.md
 * says so. */
#ifndef VAL_BENCH_H
#define VAL_BENCH_H

#include "gn.h"

#include <stddef.h>

/* val_bench_cpu: this thread's CPU time in seconds (CLOCK_THREAD_CPUTIME_ID).
 * No equation: the bench's CPU clock. */
double val_bench_cpu(void);

/* val_bench_median: median of v[0..n) (the mean of the two middle values when n is even);
 * sorts v in place. NaN when n == 0.
 * No equation: the bench's robust summary. */
double val_bench_median(double *v, size_t n);

/* A kernel: fn(ctx, nsteps) runs nsteps steps and returns GN_OK or the first failure. */
typedef gn_status (*val_bench_fn)(void *ctx, size_t nsteps);

typedef struct {
    const char *name;
    val_bench_fn fn;
    void *ctx;
    size_t steps;  /* steps per repetition (set by val_bench_calibrate or by hand) */
    double *t;     /* reps entries: seconds per step in each repetition (caller-owned) */
    double *c;     /* nullable; reps entries: thread CPU seconds per step (a diagnostic: it
                    * leaves out the time the thread was not running on a loaded machine) */
} val_bench_kernel;

/* val_bench_calibrate: the number of steps (a power of two, at most 2^40) after which one
 * repetition of fn lasts at least min_time seconds; runs fn to find it (which also warms
 * caches and pages). Returns GN_OK, or fn's failure.
 * No equation: timing plumbing. */
gn_status val_bench_calibrate(size_t *steps, val_bench_fn fn, void *ctx, double min_time);

/* val_bench_interleave: reps repetitions; in repetition r the nk kernels run in the order
 * r, r+1, ... (mod nk), each k[i].steps steps, and k[i].t[r] gets its seconds per step
 * (k[i].c[r] its CPU seconds per step when c is not NULL).
 * Returns GN_OK or the first kernel failure (then the t entries are incomplete).
 * No equation: timing plumbing. */
gn_status val_bench_interleave(val_bench_kernel *k, size_t nk, size_t reps);

/* val_bench_ratio_median: the ratio of a to b over paired repetitions, robust to the order
 * effect of interleaving (the kernel that runs first in a repetition finds the caches
 * holding the previous kernel's data, which costs it up to ~10% at d = 1e4 here): the
 * repetitions are grouped in rounds of `round` consecutive ones (round = the number of
 * interleaved kernels, so each kernel runs first once per round), the ratio of a's sum to
 * b's sum is taken per round, and the median over the n / round rounds is returned (all n
 * repetitions form one round when n < round; round 0 counts as 1). The smallest and largest
 * round ratios go to *lo and *hi (nullable). scratch needs n entries.
 * No equation: the bench's ratio statistic (tests/test_bench). */
double val_bench_ratio_median(const double *a, const double *b, size_t n, size_t round,
                             double *scratch, double *lo, double *hi);

/* ------------------------------------------------------------ kernels */

/* Linear model on one fixed sample x (entries N(0,1)/sqrt(d), so |x| is near 1) and a
 * cycle of 1024 targets y_k = x.w_true + 0.1 e_k (e_k standard normal): squared loss,
 * alpha = 0.1, lambda = 1e-3, mu = 0. With x fixed, f = w.x follows
 * f+ = f - a (f - y_k) with a = 0.1 |x|^2 / (|x|^2 + lambda) (IGND) or 0.1 |x|^2 (SGD),
 * both in (0, 2): f stays within the targets' range, w moves only along x and stays
 * bounded, and c x_i never becomes subnormal (which would slow the step down). */
typedef struct {
    size_t d;
    double *w, *x;
    double y[1024];
    size_t k;          /* next target */
    double sink;       /* sum of losses seen, read after the runs */
} val_bench_linear;

/* val_bench_linear_init: allocates and fills (seed's streams); GN_ENOMEM or GN_ESIZE (d == 0).
 * No equation: the setup of a timing kernel (MATH.md §4's cost claim is what is timed). */
gn_status val_bench_linear_init(val_bench_linear *b, size_t d, uint64_t seed);
/* val_bench_linear_free: NULL-safe, idempotent. No equation: deallocation. */
void val_bench_linear_free(val_bench_linear *b); /* NULL-safe, idempotent */
/* val_bench_linear_ignd: gn_linear_step_ignd nsteps times, MATH.md (3.14) with j = x (§4: "IGND
 * costs what SGD costs" is the claim timed). Special: the step's first failure. */
gn_status val_bench_linear_ignd(void *ctx, size_t nsteps); /* gn_linear_step_ignd */
/* val_bench_linear_sgd: gn_linear_step_sgd nsteps times, MATH.md §6 (Table 1, SGD).
 * Special: the step's first failure. */
gn_status val_bench_linear_sgd(void *ctx, size_t nsteps);  /* gn_linear_step_sgd  */
/* val_bench_linear_pass1_ignd, _sgd: the steps' first pass alone, nsteps times: the fused
 * {w.x, |x|^2} of the vector kernels (IGND's pass 1) and w.x (SGD's), their sums added to the
 * sink; w is not changed. The profile printed under a missed IGND/SGD target (the rest of a
 * step is the update pass, alike in both). No equation: the bench's profile. Special: GN_ERANGE
 * when a sum is not finite. */
gn_status val_bench_linear_pass1_ignd(void *ctx, size_t nsteps);
/* val_bench_linear_pass1_sgd: as above, SGD's w.x. No equation: the bench's profile. */
gn_status val_bench_linear_pass1_sgd(void *ctx, size_t nsteps);
/* bytes per linear step under the accounting above: 40 d
 * No equation: the byte accounting above. */
double val_bench_linear_bytes(size_t d);

/* Triad probe a[i] = b[i] + s c[i] on three arrays of n doubles. After each sweep one
 * entry of a (cycling) is checked against b[i] + s c[i] recomputed, and added to a sink. */
typedef struct {
    size_t n;
    double *a, *b, *c;
    double s;
    size_t probe;      /* entry checked next */
    double sink;
} val_bench_triad;

/* val_bench_triad_init: allocates and fills (seed's stream); GN_ENOMEM or GN_ESIZE (n == 0).
 * No equation: the memory-bandwidth probe's setup. */
gn_status val_bench_triad_init(val_bench_triad *t, size_t n, uint64_t seed);
/* val_bench_triad_free: NULL-safe. No equation: deallocation. */
void val_bench_triad_free(val_bench_triad *t);
/* one sweep per step; GN_EINPUT if the checked entry is not what the triad must give
 * No equation: the memory-bandwidth probe. */
gn_status val_bench_triad_run(void *ctx, size_t nsteps);
/* bytes per sweep: 24 n
 * No equation: the byte accounting above. */
double val_bench_triad_bytes(size_t n);

/* MLP 8-64-32-16-1 (ReLU, 3201 parameters), batch size 1, squared loss, cycling through
 * 256 samples x ~ N(0, I_8) with y = sin(x_1 + x_2) + 0.1 x_3 x_4 + 0.05 e (a smooth
 * function plus noise). IGND and SGD each update their own copy of the same initial
 * weights (He-normal from the seed): SGD alpha = 0.01; IGND alpha = 0.1, lambda = 1. */
typedef struct {
    gn_mlp *m;
    double *w;           /* nparams */
    double x[256][8];
    double y[256];
    size_t k;
    double sink;
    int ignd;            /* which rule this context runs */
} val_bench_mlp;

/* widths of the paper's MLP: 8-64-32-16-1 */
extern const size_t val_bench_mlp_widths[5];

/* val_bench_mlp_init: No equation: the setup of the MLP timing kernel. */
gn_status val_bench_mlp_init(val_bench_mlp *b, int ignd, uint64_t seed);
/* val_bench_mlp_free: NULL-safe. No equation: deallocation. */
void val_bench_mlp_free(val_bench_mlp *b);
/* val_bench_mlp_run: gn_mlp_step_ignd (MATH.md (3.14)) or gn_mlp_step_sgd nsteps times.
 * Special: the step's first failure. */
gn_status val_bench_mlp_run(void *ctx, size_t nsteps); /* gn_mlp_step_ignd or _sgd */

/* val_bench_mlp_phase_eval, _sumsq, _update: one phase of the IGND step alone, nsteps
 * times, on an IGND context: the forward pass and back-propagation of j (gn_mlp_eval into
 * m->jbuf), |j|^2 (gn_dot), and w += c j with c = 1e-300 (the vector kernels' update; w
 * does not move at that c). The profile printed under a missed FMA-floor target.
 * No equation: the bench's profile. Special: GN_ERANGE when a result is not finite. */
gn_status val_bench_mlp_phase_eval(void *ctx, size_t nsteps);
/* val_bench_mlp_phase_sumsq: as above, |j|^2. No equation: the bench's profile. */
gn_status val_bench_mlp_phase_sumsq(void *ctx, size_t nsteps);
/* val_bench_mlp_phase_update: as above, w += c j. No equation: the bench's profile. */
gn_status val_bench_mlp_phase_update(void *ctx, size_t nsteps);

/* val_bench_mlp_flops: floating-point operations (a multiply-add counts 2) of one IGND step
 * of the MLP with these widths at batch size 1, as the core computes it: forward 2 in out
 * + out per layer (W h + b), back-propagation in out (the outer product d h^T) and, below
 * the last layer, 2 in out + in (W^T delta, times act'), then 2 P for |j|^2 and 2 P for
 * w += c j (P parameters). Comparisons (ReLU, the finiteness checks) and the O(1) scalar
 * work are not counted. 8-64-32-16-1: 27,445.
 * No equation: the operation count behind the bench's FMA floor. */
double val_bench_mlp_flops(const size_t *widths, size_t nwidths);

/* FMA throughput probe: independent chains of fused multiply-adds in the widest vectors
 * this CPU has (AVX-512, AVX2+FMA, else scalar fma()); the machine's peak double-precision
 * rate is then 2 lanes x (FMAs per second) FLOP/s. */
typedef struct {
    int lanes;          /* doubles per FMA instruction: 8, 4 or 1 */
    const char *isa;
    double sink;
} val_bench_fma;

/* val_bench_fma_init: picks the widest FMA the CPU runs. No equation: the FMA probe's setup. */
void val_bench_fma_init(val_bench_fma *f);
/* val_bench_fma_per_step: FMAs (one per double lane) in one step of val_bench_fma_run.
 * No equation: the FMA probe's count. */
double val_bench_fma_per_step(const val_bench_fma *f);
/* val_bench_fma_run: nsteps steps of the probe; GN_EINPUT if the chains' values are not
 * where they must be. No equation: the FMA throughput probe. */
gn_status val_bench_fma_run(void *ctx, size_t nsteps);

/* ------------------------------------------------------------ verdicts */

/* val_bench_le / val_bench_ge: 1 when the measured value meets "value <= limit" (or >=);
 * 0 when it does not or when value is NaN (a missing measurement never passes).
 * No equation: the bench's pass test. */
int val_bench_le(double value, double limit);
/* val_bench_ge: the same for value >= limit. No equation: the bench's pass test. */
int val_bench_ge(double value, double limit);

#endif
