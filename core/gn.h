/* gn.h: the gnlab double-precision core. One header for users of libgnlab.
 *
 * Conventions (house style; docs/api.md gives them in full):
 *  - outputs first, inputs next, options last;
 *  - every function returns a gn_status; on error the outputs are left untouched
 *    unless the contract says otherwise;
 *  - equation numbers refer to MATH.md (the IGND paper's numbering);
 *  - u = 2^-53 is the unit roundoff; "ulp" errors are against the MPFR reference;
 *  - no function here allocates except the *_alloc ones.
 */
#ifndef GN_H
#define GN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status */

typedef enum {
    GN_OK = 0,
    GN_EDOM,       /* a parameter outside its domain (lambda <= 0, mu < 0, alpha <= 0, ...) */
    GN_ENEGCURV,   /* l'' < 0: the loss is not convex in f; outside the theory            */
    GN_ENONFINITE, /* a NaN or infinite input                                               */
    GN_ESIZE,      /* a length of 0 or sizes that do not match                              */
    GN_EZERO,      /* the quantity is undefined here (j = 0, l'' = 0, l' = 0 where needed)   */
    GN_ERANGE,     /* the true result overflows double                                      */
    GN_ENOMEM,     /* an allocation failed                                                  */
    GN_ESINGULAR,  /* a linear system is singular to working precision                      */
    GN_ENOTPSD,    /* a curvature block is not positive semidefinite                        */
    GN_EINPUT,     /* malformed input data (file, expression, trace)                        */
    GN_NSTATUS
} gn_status;

/* gn_strerror: a short English description of s; never NULL.
 * No equation: message text for a gn_status. Special: an unknown s gives "unknown status". */
const char *gn_strerror(gn_status s);

/* Levenberg-Marquardt damping lambda > 0 and curvature floor mu >= 0 (MATH.md §3). */
typedef struct {
    double lambda;
    double mu;
} gn_damping;

/* gn_damping_check: is dmp in the domain of MATH.md (3.11)-(3.13) (lambda > 0, mu >= 0, §3),
 * and is the curvature lpp usable (lpp >= 0: §3 rejects l'' < 0)?
 * The one check every damped solve (core, references, checkers) makes first.
 * Special: GN_ENONFINITE if lambda, mu or lpp is NaN or infinite; GN_EDOM if lambda <= 0 or
 *          mu < 0; GN_ENEGCURV if lpp < 0; GN_OK otherwise. Pass lpp = 0 to check dmp alone. */
gn_status gn_damping_check(double lpp, gn_damping dmp);

/* ------------------------------------------------------- random numbers */

/* Counter-based streams: gn_rng_seed(r, seed, stream) gives an independent
 * xoshiro256** stream for each (seed, stream), so instance i of a campaign can
 * draw from stream i and any partition of the index range sees the same draws. */
typedef struct {
    uint64_t s[4];
} gn_rng;

/* gn_rng_seed: the state of stream (seed, stream), from splitmix64 of both.
 * No equation: reproducible random instances for tests, campaigns and notebooks. */
void gn_rng_seed(gn_rng *r, uint64_t seed, uint64_t stream);
/* gn_rng_u64: the next 64 bits of xoshiro256**. No equation: random source. */
uint64_t gn_rng_u64(gn_rng *r);
/* gn_rng_uniform: uniform on [0, 1) with 53 random bits (top bits of gn_rng_u64 times
 * 2^-53, exact). No equation: random source. */
double gn_rng_uniform(gn_rng *r);
/* gn_rng_normal: standard normal (polar Box-Muller, no cached value: each call draws
 * afresh). No equation: random source. Accuracy: libm log/sqrt; not measured. */
double gn_rng_normal(gn_rng *r);

/* ------------------------------------------------------------ rank one */

/* |j|^2 = ssq * 2^(2*e), 1/4 <= ssq <= n (or ssq = 0, e = 0 when j = 0).
 * The scale 2^e is a power of two, so j_i * 2^-e is exact but for underflow
 * of entries below 2^(e-1074); ssq carries the sum's rounding only. */
typedef struct {
    double ssq;
    int e;
} gn_sumsq;

/* gn_sumsq_scaled: |j|^2 in scaled form, MATH.md §13.
 * Method:   max-exponent pass then a pairwise-blocked sum of (j_i 2^-e)^2;
 *           never overflows or underflows for finite j.
 * Accuracy: relative error <= gamma_k, k = 18 + ceil(log2(max(n/64, 1))) (derived
 *           in rank1.c); about 1 ulp seen in practice.
 * Special:  GN_ESIZE if n == 0; GN_ENONFINITE if any j_i is NaN or infinite. */
gn_status gn_sumsq_scaled(gn_sumsq *s, const double *j, size_t n);

/* gn_norm2sq: |j|^2 as a double, MATH.md (3.13)'s |j|^2.
 * Method:   one fast pairwise pass; falls back to gn_sumsq_scaled when that pass
 *           overflows or lands below 2^-960 (where squares lose bits).
 * Accuracy: as gn_sumsq_scaled plus one rounding; +inf only when the true value
 *           exceeds DBL_MAX (then GN_ERANGE), 0 only when j = 0 or the true value
 *           is below the smallest subnormal.
 * Special:  GN_ESIZE if n == 0; GN_ENONFINITE on NaN/inf input; GN_ERANGE on overflow
 *           (with *out = +inf). */
gn_status gn_norm2sq(double *out, const double *j, size_t n);

/* gn_xi: IGND scale xi = 1 / ((lpp + mu)|j|^2 + lambda), MATH.md (3.13).
 * Method:   scaled |j|^2; the denominator is formed on exponent-aligned parts.
 * Accuracy: <= k + 4 ulps with k as in gn_sumsq_scaled, while xi is a normal double
 *           (S's k roundings, lpp + mu, the product, + lambda, the division).
 * Special:  GN_EDOM if lambda <= 0 or mu < 0; GN_ENEGCURV if lpp < 0; GN_ENONFINITE on
 *           NaN/inf input; GN_ESIZE if n == 0. xi may be subnormal or 0 when its true value
 *           is below DBL_MIN (the underflow trap of §13): the step functions below never
 *           form xi on its own for that reason. */
gn_status gn_xi(double *xi, const double *j, size_t n, double lpp, gn_damping dmp);

/* gn_dir_pinv: Moore-Penrose direction d = -(lp / (lpp |j|^2)) j, MATH.md (3.9).
 * Method:   scaled coefficient carried to each component (no |j|^2 formed unscaled).
 * Accuracy: mixed error (§13) <= k + 4 units per component.
 * Special:  GN_EZERO if lpp == 0 or j == 0 (G has rank 0: no MP direction of (3.8));
 *           GN_ENEGCURV if lpp < 0; GN_ENONFINITE on NaN/inf; GN_ERANGE if a component
 *           overflows (d untouched). d may alias j. */
gn_status gn_dir_pinv(double *d, const double *j, size_t n, double lp, double lpp);

/* gn_dir_damped: damped direction d = -lp j / ((lpp + mu)|j|^2 + lambda), MATH.md (3.12).
 * Method:   as gn_dir_pinv; xi never stored (no underflow trap).
 * Accuracy: <= k + 5 units per component in the mixed measure of §13.
 * Special:  j = 0 or lp = 0 gives d = 0 (GN_OK); GN_EDOM, GN_ENEGCURV, GN_ENONFINITE,
 *           GN_ESIZE as gn_xi; GN_ERANGE (d untouched) when |lp xi| |j| >= 2^1019, a guard
 *           that can fire up to a factor sqrt(n) 2^5 below DBL_MAX. d may alias j. */
gn_status gn_dir_damped(double *d, const double *j, size_t n, double lp, double lpp,
                        gn_damping dmp);

/* gn_delta_damped: first-order prediction change of damped IGND,
 * delta = -alpha lp |j|^2 / ((lpp + mu)|j|^2 + lambda), MATH.md (4.4).
 * Method:   the ratio |j|^2 / (...) is formed on scaled parts, so no overflow for huge j.
 * Accuracy: <= k + 6 ulps.
 * Special:  as gn_dir_damped; GN_EDOM if alpha <= 0 or not finite. */
gn_status gn_delta_damped(double *delta, const double *j, size_t n, double lp, double lpp,
                          double alpha, gn_damping dmp);

/* gn_delta: first-order prediction change delta = j^T (wplus - w), MATH.md (4.1).
 * Method:   pairwise-blocked dot product of j with the exact-where-possible differences.
 * Accuracy: absolute error <= gamma_(k+1) sum |j_i (wplus_i - w_i)| (a dot product's bound).
 * Special:  GN_ESIZE if n == 0; GN_ENONFINITE on NaN/inf. */
gn_status gn_delta(double *delta, const double *j, const double *wplus, const double *w,
                   size_t n);

/* ---------------------------------------------------------------- losses */

typedef enum {
    GN_LOSS_SQUARED = 0, /* l = (f - y)^2 / 2                         (4.7)  */
    GN_LOSS_BCE,         /* binary cross-entropy with logits, y in [0,1] (4.9) */
    GN_NLOSS
} gn_loss_kind;

/* value, first and second derivative with respect to the output f (3.4) */
typedef struct {
    double l, lp, lpp;
} gn_lossval;

/* gn_loss_name: "squared" or "bce" (the losses of MATH.md §7); "unknown" for an unknown k.
 * No equation: a name for messages and command-line options. */
const char *gn_loss_name(gn_loss_kind k);
/* gn_loss_parse: the inverse of gn_loss_name ("mse" also means squared).
 * No equation: option parsing. Special: GN_EINPUT if name is unknown or NULL (*k untouched). */
gn_status gn_loss_parse(gn_loss_kind *k, const char *name);

/* gn_loss_squared: l = (f-y)^2/2, l' = f - y, l'' = 1, MATH.md (4.7)-(4.8).
 * Accuracy: l' exact when f and y are within a factor 2 (Sterbenz), else 0.5 ulp.
 * Special:  GN_ENONFINITE on NaN/inf input; GN_ERANGE if l' or l overflows. */
gn_status gn_loss_squared(gn_lossval *out, double f, double y);

/* gn_loss_bce: BCE with logits, MATH.md (4.9)-(4.10), in the stable forms
 *   l = max(f,0) - y f + log1p(exp(-|f|)),  l' = sigma(f) - y,  l'' = sigma(f) sigma(-f).
 * Accuracy: l' and l'' within a few ulps for |f| <= 700 (validate/loss); l'' underflows
 *           gracefully to 0 for f beyond about +-745.
 * Special:  GN_EDOM if y is outside [0, 1]; GN_ENONFINITE on NaN/inf. */
gn_status gn_loss_bce(gn_lossval *out, double f, double y);

/* gn_loss_eval: gn_loss_squared or gn_loss_bce by k, MATH.md §7 ((4.7)-(4.10)).
 * Accuracy and special cases: those of the loss called; GN_EDOM for an unknown k. */
gn_status gn_loss_eval(gn_lossval *out, gn_loss_kind k, double f, double y);

/* gn_bellman: the semi-gradient Bellman step as a squared loss, MATH.md (4.11).
 * Target T = r + gamma * qnext (qnext = max_a' Q(s',a') for Q-learning, Q(s', K s') for
 * policy evaluation), held fixed; delta_TD = T - q. Returns l = delta_TD^2/2,
 * l' = -delta_TD, l'' = 1, so any IGND/SGD step with this l' is QL/IGNDQ.
 * Special:  GN_EDOM if gamma is outside [0, 1]; GN_ENONFINITE on NaN/inf. */
gn_status gn_bellman(gn_lossval *out, double q, double r, double gamma, double qnext);

/* --------------------------------------------------------- update rules */
/* All rules update w in place from the sample's sensitivity j (or a full gradient g
 * where stated). w and j must not alias. Common errors, all with w untouched: GN_ESIZE if
 * n == 0; GN_ENONFINITE on NaN/inf input; GN_EDOM if alpha <= 0; for the IGND family,
 * GN_ERANGE when the step itself could overflow (|alpha xi lp| |j| >= 2^1019).
 * One error is detected after the fact: when a component of w + step overflows (which
 * needs |w_i| near DBL_MAX, since the step is bounded as above), the rule returns
 * GN_ERANGE with the step applied and +-inf in the overflowed components; checking first
 * would cost a second pass over w on every step. */

/* gn_step_sgd: w -= alpha lp j, MATH.md §6 (Table 1, SGD).
 * Method:   the coefficient -alpha lp kept in scaled form (exact for huge alpha lp).
 * Accuracy: 1 rounding in alpha*lp, then one per component for the product and one for
 *           the subtraction: 3 units of §13 (validate/rank1 "step_sgd").
 * Special:  the common errors above; j = 0 or lp = 0 leaves w unchanged (GN_OK). */
gn_status gn_step_sgd(double *w, const double *j, size_t n, double lp, double alpha);

/* gn_step_normgrad: w -= alpha sign(lp) j / |j|, MATH.md §6 (Table 1, normalized gradient).
 * Method:   scaled |j|^2, its square root on an even exponent.
 * Accuracy: ceil(k/2) + 4 units of §13 (validate/rank1 "step_normgrad").
 * Special:  GN_EZERO if lp == 0 or j == 0 (w untouched). */
gn_status gn_step_normgrad(double *w, const double *j, size_t n, double lp, double alpha);

/* gn_step_sps: Polyak step w -= gamma lp j, gamma = (l - lstar) / (c |lp j|^2),
 * optionally gamma = min(gamma, gamma_max), MATH.md (4.6) (Table 1, SPS row).
 * Pass gamma_max = INFINITY for no cap. Requires c > 0, l >= lstar.
 * Method:   gamma formed in scaled form (l - lstar halved when it overflows).
 * Accuracy: k + 8 units of §13, capped or not (validate/rank1 "step_sps").
 * Special: GN_EZERO if lp == 0 or j == 0; GN_EDOM if c <= 0, l < lstar, gamma_max <= 0;
 *          GN_ENONFINITE if l, lstar, lp or c is NaN/inf or gamma_max is NaN. */
gn_status gn_step_sps(double *w, const double *j, size_t n, double l, double lstar,
                      double lp, double c, double gamma_max);

/* gn_step_nlms: normalized LMS w += eta e x / (eps + |x|^2), MATH.md §6 (Table 1, last
 * row), e = y - f. Equal to IGND with squared loss, mu = 0, lambda = eps, alpha = eta.
 * Method:   the NLMS recursion itself (not via gn_step_ignd), coefficient scaled.
 * Accuracy: k + 5 units of §13 (validate/rank1 "step_nlms").
 * Special: GN_EDOM if eps <= 0 or eta <= 0; x = 0 or e = 0 leaves w unchanged. */
gn_status gn_step_nlms(double *w, const double *x, size_t n, double e, double eta, double eps);

/* gn_step_ignd: damped IGND w -= alpha xi lp j, MATH.md (3.13)-(3.14).
 * Method:   the coefficient alpha lp xi is carried in scaled form to each component,
 *           so the xi underflow trap of §13 cannot zero a representable step.
 * Accuracy: mixed error (§13) <= k + 7 units per component (derived in rank1.c).
 * Special:  GN_EDOM if lambda <= 0 or mu < 0 or alpha <= 0; GN_ENEGCURV if lpp < 0. */
gn_status gn_step_ignd(double *w, const double *j, size_t n, double lp, double lpp,
                       double alpha, gn_damping dmp);

/* gn_step_ignd_undamped: w -= alpha lp j / (lpp |j|^2), MATH.md §6 (Table 1, undamped
 * IGND; the step along the direction (3.9)).
 * Accuracy: k + 5 units of §13 (validate/rank1 "step_ignd_undamped").
 * Special: GN_EZERO if lpp == 0 or j == 0; GN_ENEGCURV if lpp < 0 (w untouched). */
gn_status gn_step_ignd_undamped(double *w, const double *j, size_t n, double lp, double lpp,
                                double alpha);

/* Adam and Adam-IGND (MATH.md §7, Appendix C). */
typedef struct {
    double alpha;  /* learning rate, > 0 */
    double beta1;  /* in [0, 1) */
    double beta2;  /* in [0, 1) */
    double eps;    /* > 0, added outside the square root */
} gn_adam_params;

/* gn_adam_params_default: alpha = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 (Kingma and
 * Ba's defaults). No equation: the constants of MATH.md §7's Adam recursion are not the
 * paper's (§12). */
gn_adam_params gn_adam_params_default(void);

typedef struct {
    size_t n;
    uint64_t t; /* steps taken */
    double *m;  /* first moment, length n  */
    double *v;  /* second moment, length n */
} gn_adam;

/* gn_adam_alloc: state for n parameters with m = v = 0, t = 0. NULL if n == 0 or no memory.
 * No equation: allocation. */
gn_adam *gn_adam_alloc(size_t n);
/* gn_adam_free: NULL-safe. No equation: deallocation. */
void gn_adam_free(gn_adam *st);

/* gn_step_adam: one Adam step from the gradient g (length st->n), MATH.md §7 (Adam-IGND's
 * unchanged Adam recursion, Appendix C):
 *   t += 1; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *   w -= alpha (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * Accuracy: per component within the first-order bound of validate/val_rank1.c (Adam
 *           paragraph, with the bias-correction cancellation factor), section "optim".
 * Special: GN_EDOM on parameters outside their ranges, GN_ENONFINITE on NaN/inf in g: state
 *          and w untouched. GN_ERANGE when a moment or a component of w overflowed: the step
 *          has then been applied (t advanced) and the overflowed entries hold +-inf. */
gn_status gn_step_adam(gn_adam *st, double *w, const double *g, const gn_adam_params *p);

/* gn_step_adam_ignd: Adam-IGND, MATH.md §7: the Adam step fed with g~ = xi lp j (xi of
 * (3.13)), with g~ formed by the scaled route of gn_step_ignd (no xi underflow).
 * Accuracy: as gn_step_adam plus g~'s k + 5 (validate/rank1 "step_adam_ignd").
 * Special: as gn_step_adam and gn_step_ignd. */
gn_status gn_step_adam_ignd(gn_adam *st, double *w, const double *j, double lp, double lpp,
                            gn_damping dmp, const gn_adam_params *p);

/* --------------------------------------------------------------- models */
/* Scalar-output models f_w(x) with their sensitivity j = grad_w f (3.3). */

/* gn_linear_eval: f = w^T x; j = x (copied when j != NULL), MATH.md (3.3) for f = w^T x.
 * Method:   pairwise-blocked dot (gn_dot).
 * Accuracy: |err| <= gamma_k sum |w_i x_i| (validate/model "linear_f").
 * Special: GN_ESIZE if n == 0; GN_ENONFINITE on NaN/inf input or if f overflows. */
gn_status gn_linear_eval(double *f, double *j, const double *w, const double *x, size_t n);

/* gn_linear_step_ignd: one IGND step on a linear model, MATH.md (3.14) with j = x (and
 * (4.8) for squared loss), fused: f = w^T x and |x|^2 in one
 * pass over (w, x), then the loss at (f, y), then w -= alpha xi l' x. The cost of SGD's
 * step plus a multiply-add per entry (the paper's "IGND costs what SGD costs").
 * out (nullable) receives the loss at the pre-step w.
 * Accuracy: the fused bound of validate/val_model.c (k + 8 units plus f's error carried by
 *           l'), section "model" row "linear_step_ignd" (squared loss only).
 * Special: as gn_step_ignd and gn_loss_eval. */
gn_status gn_linear_step_ignd(double *w, gn_lossval *out, const double *x, size_t n, double y,
                              gn_loss_kind loss, double alpha, gn_damping dmp);

/* gn_linear_step_sgd: the same with w -= alpha l' x, MATH.md §6 (Table 1, SGD, j = x).
 * Accuracy: 4 units plus f's error carried by l' (validate/model "linear_step_sgd").
 * Special: as gn_step_sgd and gn_loss_eval. */
gn_status gn_linear_step_sgd(double *w, gn_lossval *out, const double *x, size_t n, double y,
                             gn_loss_kind loss, double alpha);

/* One-hot tabular model: n weights, feature phi = s e_k, so f = s w_k and j = s e_k (§5).
 * gn_onehot_eval: f = s w_k, MATH.md §5 (one-hot scaling). One rounding.
 * Special: GN_ESIZE if k >= n; GN_ENONFINITE on NaN/inf. */
gn_status gn_onehot_eval(double *f, const double *w, size_t n, size_t k, double s);
/* gn_onehot_step_ignd: damped IGND on the one-hot model touching w_k only, MATH.md (3.14)
 * with j = s e_k (§5): w_k -= alpha lp s / ((lpp + mu) s^2 + lambda).
 * Accuracy: 8 units of §13 (validate/model "onehot_step_ignd").
 * Special: GN_ESIZE if n == 0 or k >= n; otherwise errors as gn_step_ignd. */
gn_status gn_onehot_step_ignd(double *w, size_t n, size_t k, double s, double lp, double lpp,
                              double alpha, gn_damping dmp);

/* Quadratic features of z in R^m (MATH.md §11): phi = (z_a z_b for a <= b, row by row),
 * then a trailing 1 when bias != 0. Length m(m+1)/2 + (bias != 0).
 * gn_quad_nfeatures: that length, MATH.md §11 (no overflow check on m). */
size_t gn_quad_nfeatures(size_t m, int bias);
/* gn_quad_features: phi as above, MATH.md §11; each feature one product (0.5 ulp,
 * validate/model "quad_phi").
 * Special: GN_ESIZE if m == 0; GN_ENONFINITE on NaN/inf in z or a product overflowing. */
gn_status gn_quad_features(double *phi, const double *z, size_t m, int bias);
/* gn_quad_eval: f = w^T phi(z), j = phi(z) (when j != NULL; length gn_quad_nfeatures),
 * MATH.md §11 (Q_K(x,u) = z^T H z as a linear model, (3.3) j = phi).
 * Accuracy: cond bound k(p) + 1 (validate/model "quad_f").
 * Special: as gn_quad_features; GN_ESIZE when j == NULL and the features do not fit the
 *          256-entry stack buffer; GN_ERANGE if f overflows (GN_ENONFINITE if w is not finite). */
gn_status gn_quad_eval(double *f, double *j, const double *w, const double *z, size_t m,
                       int bias);

/* Multilayer perceptron with one scalar output. */
typedef enum { GN_ACT_RELU = 0, GN_ACT_TANH, GN_ACT_SILU, GN_ACT_IDENTITY, GN_NACT } gn_act;

/* gn_act_name: "relu", "tanh", "silu", "identity"; "unknown" for an unknown a.
 * No equation: a name for messages and options. */
const char *gn_act_name(gn_act a);
/* gn_act_parse: the inverse of gn_act_name. No equation: option parsing.
 * Special: GN_EINPUT if name is unknown. */
gn_status gn_act_parse(gn_act *a, const char *name); /* "relu" "tanh" "silu" "identity" */

/* gn_act_eval: the hidden-layer activation act(x) and, when dx != NULL, act'(x) into *dx;
 * no equation: helper for the MLP's forward and backward passes (MATH.md §10 uses SiLU).
 * Method:   relu max(x, 0), relu'(0) = 0; tanh(x), 1 - tanh^2; silu x / (1 + e^-x),
 *           s (1 + x (1 - s)) with s = 1 / (1 + e^-x); identity x, 1.
 * Accuracy: a few ulp (libm tanh/exp plus <= 4 roundings), checked against the MPFR MLP
 *           (gn_mp_mlp_eval) by validate's model section.
 * Special:  NaN propagates; an unknown a is treated as the identity. The one double
 *           implementation: gn_mlp_eval, gn_mlp_batch_eval and the assumption checker. */
double gn_act_eval(gn_act a, double x, double *dx);

/* gn_act_bounds: *lip1 >= sup |act'| and *lip2 >= sup |act''| (rounded up): relu 1, 0
 * (act'' taken as 0 away from the kink); tanh 1, 0.77 (4/(3 sqrt 3) = 0.7698); silu 1.1
 * (1.0998), 0.5 (at 0); identity 1, 0. No equation: the constants of the MLP error bounds
 * (gn_mp_mlp_errbound, the assumption checker's MPFR envelope). */
void gn_act_bounds(gn_act a, double *lip1, double *lip2);

/* Layer l (1..L) maps widths[l-1] -> widths[l]; widths[L] must be 1; hidden layers use
 * act, the output layer is affine. Parameters are laid out layer by layer, each as the
 * weight matrix W_l (widths[l] x widths[l-1], row-major) followed by the bias b_l.
 * The struct owns workspaces for one sample: evaluation allocates nothing and is not
 * re-entrant on the same gn_mlp. */
typedef struct {
    size_t nlayers;  /* L >= 1 */
    size_t *widths;  /* L + 1 entries */
    gn_act act;
    size_t nparams;
    size_t *offset;  /* offset of W_l in the parameter vector, L + 1 entries (last = nparams) */
    double *a;       /* pre-activations, sum of widths[1..L] */
    double *h;       /* activations, sum of widths[0..L] */
    double *delta;   /* back-propagated sensitivities, sum of widths[1..L] */
    double *jbuf;    /* nparams, for the step functions */
} gn_mlp;

/* gn_mlp_alloc: an MLP with L = nwidths - 1 layers. NULL on no memory or bad shape
 * (nwidths < 2, a zero width, last width != 1, unknown act).
 * No equation: allocation of the model f_w of MATH.md §0 and its workspaces. */
gn_mlp *gn_mlp_alloc(const size_t *widths, size_t nwidths, gn_act act);
/* gn_mlp_free: NULL-safe. No equation: deallocation. */
void gn_mlp_free(gn_mlp *m); /* NULL-safe */

/* gn_mlp_init: He-normal (ReLU, SiLU) or Glorot-normal (tanh, identity) weights from the
 * stream (seed, 0), zero biases. No equation: initialisation (§10's tau0 is not this).
 * Special: GN_ESIZE if m is NULL; GN_OK otherwise. */
gn_status gn_mlp_init(const gn_mlp *m, double *w, uint64_t seed);

/* gn_mlp_eval: f = f_w(x) by the forward pass; when j != NULL, j = grad_w f by
 * back-propagation of the scalar output (length m->nparams), MATH.md (3.3).
 * Accuracy: within gn_mp_mlp_errbound's running bound (validate/model "mlp_f", "mlp_j").
 * Special: GN_ENONFINITE on NaN/inf in w or x or if f (or j) is not finite. */
gn_status gn_mlp_eval(gn_mlp *m, double *f, double *j, const double *w, const double *x);

/* A block of up to cap rows evaluated at once (gn_mlp_batch_eval). Layer l's values for
 * row i: activations H[hoff[l] * cap + i * widths[l] + k] (l = 0 is the input, l = L the
 * output f_i), act'(a) P[uoff[l] * cap + i * widths[l] + k] and the sensitivities
 * D = df/da at the same place as P (l = 1..L). */
typedef struct {
    size_t cap;
    double *H, *P, *D;
    size_t *hoff, *uoff; /* L + 1 entries each */
} gn_mlp_batch;

/* gn_mlp_batch_alloc: a block of cap rows for m (NULL if cap == 0 or no memory).
 * No equation: allocation. */
gn_mlp_batch *gn_mlp_batch_alloc(const gn_mlp *m, size_t cap);
/* gn_mlp_batch_free: NULL-safe. No equation: deallocation. */
void gn_mlp_batch_free(gn_mlp_batch *bt);

/* gn_mlp_batch_eval: gn_mlp_eval's forward and backward pass for the B <= cap rows of X
 * (B x widths[0], row-major) at once; MATH.md (3.3): the sensitivity of row i is
 * j_i = [D_l,i h_(l-1),i^T, D_l,i] layer by layer, not formed here.
 * Method:   row by row with gn_mlp_eval's kernels (gn_dot forward, gn_internal_gemtv
 *           backward) and gn_act_eval; act'(a) kept from the forward pass.
 * Accuracy: bitwise equal to gn_mlp_eval's f and j on each row (tests/test_model).
 * Special:  GN_ESIZE if B == 0 or B > cap; GN_ENONFINITE on NaN/inf in X. A non-finite f
 *           is left in H for the caller to test (w is not scanned). */
gn_status gn_mlp_batch_eval(gn_mlp_batch *bt, const gn_mlp *m, const double *w, const double *X,
                            size_t B);

/* gn_mlp_step_ignd: one sample-at-a-time IGND step, MATH.md (3.13)-(3.14), j = grad_w f
 * by gn_mlp_eval kept in m->jbuf. out (nullable) gets the loss at the pre-step w.
 * Accuracy: gn_mlp_eval's then gn_step_ignd's; the composition is not measured.
 * Special: errors of gn_mlp_eval, gn_loss_eval and gn_step_ignd. */
gn_status gn_mlp_step_ignd(gn_mlp *m, double *w, gn_lossval *out, const double *x, double y,
                           gn_loss_kind loss, double alpha, gn_damping dmp);
/* gn_mlp_step_sgd: the same with w -= alpha l' j, MATH.md §6 (Table 1, SGD).
 * Special: errors of gn_mlp_eval, gn_loss_eval and gn_step_sgd. */
gn_status gn_mlp_step_sgd(gn_mlp *m, double *w, gn_lossval *out, const double *x, double y,
                          gn_loss_kind loss, double alpha);

/* --------------------------------------------------- small shared kernels */

/* gn_dot: pairwise-blocked sum_i a_i b_i (blocks of 64, 4 lanes, pairwise over blocks).
 * No equation: the dot-product kernel under (3.13)'s |j|^2, (4.1) and the models.
 * Method:   core/kern.c, in the vector version chosen once at run time (SSE2, AVX2,
 *           AVX-512); every version performs the same roundings in the same order, so the
 *           result is bitwise the same on every CPU (tests/test_kernels). No FMA.
 * Accuracy: |err| <= gamma_k sum |a_i b_i|, k = 18 + ceil(log2(max(n/64,1)))
 *           (validate/model "linear_f", validate/rank1 "delta").
 * No status: NaN/inf propagate as IEEE says. n may be 0 (result 0). */
double gn_dot(const double *a, const double *b, size_t n);

/* gn_sum_bound_k: the k of the bounds above for length n (the number of roundings a
 * component can see along its path in the blocked pairwise sum, plus the products).
 * No equation: the constant of the §13 error bounds, used by validate's tolerances. */
int gn_sum_bound_k(size_t n);

/* gn_allfinite: 1 when every entry of a[0..n) is finite (n = 0 gives 1).
 * No equation: the GN_ENONFINITE input check. */
int gn_allfinite(const double *a, size_t n);

/* Family headers: each issue's part of the library adds its line here. */
#include "gn_lm.h"
#include "gn_dg.h"
#include "gn_fit.h"

#ifdef __cplusplus
}
#endif

#endif /* GN_H */
