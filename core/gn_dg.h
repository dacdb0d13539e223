/* gn_dg.h: mini-batch Gauss-Newton through the Duncan-Guttman (push-through) identity,
 * the batched IGND direction, softmax cross-entropy and a c-output linear model, and the
 * EGN optimizer (included by gn.h). Formulas: MATH.md §9.
 *
 * A batch of b samples with c outputs each gives
 *   J  (bc x d, row-major; row i*c + k is grad_w f_k(x_i)),
 *   r  (bc; r_(ic+k) = dl_i / df_k),
 *   Q  (bc x bc, block-diagonal with c x c blocks: the output curvature), plus mu I,
 * and the Levenberg-Marquardt direction of MATH.md §9 is
 *   dir = -(lambda I_d + J^T Q J / b)^-1 (J^T r / b)            (primal, d x d)
 *       = -(1/b) J^T (lambda I_bc + Q K / b)^-1 r,  K = J J^T   (push-through, bc x bc). */
#ifndef GN_DG_H
#define GN_DG_H

#include "gn.h" /* the status codes and core types; gn.h includes this header in turn */

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ the batch */

typedef enum {
    GN_Q_DIAG = 0, /* q holds the bc diagonal entries (l''_i), each >= 0                   */
    GN_Q_SOFTMAX,  /* q holds b probability vectors p (c entries each); block i is
                      diag(p_i) - p_i p_i^T, PSD iff p_i >= 0 and sum p_i <= 1            */
    GN_NQ
} gn_q_kind;

typedef struct {
    size_t b, c, d;     /* samples, outputs per sample, parameters; all >= 1           */
    const double *J;    /* bc x d row-major                                             */
    const double *r;    /* bc                                                           */
    gn_q_kind qkind;
    const double *q;    /* bc entries, meaning set by qkind                             */
    double mu;          /* curvature floor, >= 0: Q + mu I                              */
    double lambda;      /* LM damping, > 0                                              */
} gn_dg_batch;

typedef enum {
    GN_DG_AUTO = 0, /* PUSH when bc <= d, PRIMAL when bc > d (equal flops at bc = d)      */
    GN_DG_PUSH,     /* bc x bc push-through system                                         */
    GN_DG_PRIMAL,   /* d x d system lambda I + J^T Q J / b                                 */
    GN_DG_NROUTE
} gn_dg_route;

/* what the last solve did (for reports and for the validate section's error bounds) */
typedef enum {
    GN_DG_FACT_NONE = 0,
    GN_DG_FACT_CHOL, /* Cholesky of an SPD form                                            */
    GN_DG_FACT_LU    /* LU with partial pivoting of lambda I + Q K / b                      */
} gn_dg_fact;

/* ------------------------------------------------------------ workspace */

/* A workspace for batches with bc <= bcmax and at most d parameters. Solves allocate
 * nothing. The push route needs p^2 doubles, p = bcmax for route PUSH and min(bcmax, d)
 * for AUTO (the largest push system AUTO can choose); the primal route d^2 + 128 d doubles,
 * allocated only when it can be used (route PRIMAL, or AUTO with bcmax > d).
 * GSL's matrix views wrap the buffers; BLAS/LAPACK kernels come from GSL on OpenBLAS. */
typedef struct gn_dg_ws gn_dg_ws;

/* gn_dg_ws_alloc: NULL if bcmax == 0, d == 0, route unknown, or no memory.
 * No equation: the buffers of the MATH.md §9 solves, sized as above. */
gn_dg_ws *gn_dg_ws_alloc(size_t bcmax, size_t d, gn_dg_route route);
/* gn_dg_ws_free: NULL-safe. No equation: deallocation. */
void gn_dg_ws_free(gn_dg_ws *w); /* NULL-safe */
/* gn_dg_ws_bytes: heap bytes the workspace holds (all of its buffers).
 * No equation: memory report (tests/test_dg). */
size_t gn_dg_ws_bytes(const gn_dg_ws *w);

/* gn_dg_check: the input checks every solve below makes, on their own: the domain of
 * MATH.md §9's LM system (lambda > 0, mu >= 0, Q positive semidefinite).
 * Special: GN_ESIZE if b, c or d is 0, a pointer is NULL, or bc overflows; GN_EDOM if
 *          lambda <= 0 or mu < 0 (or either is NaN); GN_ENONFINITE if r or q has a NaN or
 *          infinite entry; GN_ENOTPSD if a diagonal q_i < 0 or a softmax block has p_k < 0
 *          or sum p > 1 + 4 c u (the rounding of a probability vector that sums to 1).
 *          J is not scanned here (the solves detect a non-finite J from K's diagonal). */
gn_status gn_dg_check(const gn_dg_batch *B);

/* gn_dg_dir: the LM direction of MATH.md §9 (Duncan-Guttman identity).
 * Method:   PUSH: K = J J^T by gsl_blas_dsyrk (rank-k update, lower triangle). When Q is
 *           diagonal with every q_i + mu > 0: Cholesky of (lambda Q^-1 + K/b) z = Q^-1 r;
 *           otherwise LU with partial pivoting of (lambda I + Q K / b) z = r. Then
 *           dir = -(1/b) J^T z by gsl_blas_dgemv.
 *           PRIMAL: A = lambda I + J^T Q J / b accumulated by dsyrk over chunks of Q^(1/2)-
 *           scaled rows (softmax blocks as diag(p + mu) minus the rank-one p p^T part),
 *           Cholesky, and dir = -A^-1 (J^T r / b).
 *           AUTO picks PUSH when bc <= d, PRIMAL when bc > d (the other one when the
 *           workspace lacks the chosen route's buffers). At bc = d both cost the same
 *           flops; the tie goes to PUSH (see dg.c).
 * Cost:     PUSH (bc)^2 d / 2 + (bc)^3 / 3 + 2 bc d flops, PRIMAL bc d^2 / 2 + d^3 / 3;
 *           J is read twice (dsyrk, dgemv) and never copied by PUSH. No allocation.
 * Accuracy: normwise forward error within the conditioning bound derived in
 *           validate/val_dg.c (checked there against an MPFR solve of the primal system).
 * Special:  errors of gn_dg_check, then GN_ESIZE if bc > the workspace's bcmax, d > its d,
 *           or the route's buffers were not allocated; GN_ENONFINITE if J has a
 *           NaN or infinite entry; GN_ERANGE if J is finite but a diagonal entry of
 *           K/b (push) or of J^T Q J / b (primal) overflows; GN_ESINGULAR if the
 *           factorisation fails in floating point. On all of these dir is untouched.
 *           GN_ERANGE also if a component of dir overflows: dir is then all NaN.
 *           dir must not alias J, r or q. */
gn_status gn_dg_dir(double *dir, gn_dg_ws *w, const gn_dg_batch *B, gn_dg_route route);

/* After a successful gn_dg_dir: the route and factorisation used, and for PUSH the solved
 * z (bc entries; NULL after a PRIMAL solve). For the validate section's bounds.
 * gn_dg_ws_last_route: the route taken. No equation: a report of gn_dg_dir's choice. */
gn_dg_route gn_dg_ws_last_route(const gn_dg_ws *w);
/* gn_dg_ws_last_fact: the factorisation used. No equation: a report for val_dg's bound. */
gn_dg_fact gn_dg_ws_last_fact(const gn_dg_ws *w);
/* gn_dg_ws_last_z: the push-through solution z of MATH.md §9's (lambda I + Q K / b) z = r
 * (or the SPD form's z); NULL after a PRIMAL solve. Valid until the next solve on w. */
const double *gn_dg_ws_last_z(const gn_dg_ws *w);
/* gn_dg_ws_factor_fnorm: ||L||_F ||U||_F of the last PUSH factorisation (L unit lower,
 * U upper for LU; for Cholesky ||R||_F^2 = trace of the factored matrix), the quantity
 * that bounds the factorisation's backward error (Higham, ASNA 2nd ed., Thms 9.3, 10.4).
 * No equation: an input to the MATH.md §9 direction's error bound in validate/val_dg.c. */
double gn_dg_ws_factor_fnorm(const gn_dg_ws *w);

/* gn_dg_ignd: the batched IGND direction, the average of per-sample LM directions
 *   dir = (1/b) sum_i dir_i,  (lambda I + J_i^T Q_i J_i) dir_i = -J_i^T r_i,
 * which for c = 1 is gn_dir_damped (MATH.md (3.12)) with l' = r_i, l'' = q_i and the
 * batch's mu; for c > 1 each dir_i is a b = 1 push-through solve. It differs from
 * gn_dg_dir by design (MATH.md §9): use gn_dg_compare to measure by how much.
 * Special:  errors of gn_dg_check and gn_dir_damped; GN_ESIZE as gn_dg_dir (needs the
 *           push buffers for c > 1). dir untouched on error. */
gn_status gn_dg_ignd(double *dir, gn_dg_ws *w, const gn_dg_batch *B);

/* gn_dg_compare: angle (radians, in [0, pi]) between u and v, computed as
 * 2 atan2(|u/|u| - v/|v||, |u/|u| + v/|v||) (accurate for small angles too), and the
 * norm ratio |u| / |v|: the measure MATH.md §9 asks for between the averaged IGND and
 * the mini-batch GN directions ("a quantity to measure, not an error").
 * Accuracy: not measured against MPFR; tests/test_dg checks known angles (0, pi, tiny).
 * Special: GN_ESIZE if n == 0; GN_ENONFINITE on NaN/inf; GN_EZERO if u = 0 or v = 0. */
gn_status gn_dg_compare(double *angle, double *ratio, const double *u, const double *v,
                        size_t n);

/* ------------------------------------------------- softmax, c-output model */

/* gn_softmax_ce: softmax cross-entropy of logits f (c) with class y < c, the loss whose
 * curvature gives MATH.md §9's softmax blocks:
 *   l = logsumexp(f) - f_y,  r = p - e_y,  p = softmax(f),  Q = diag(p) - p p^T.
 * Method:   shifted by max f, so no overflow; l by log1p of the off-class sum when the
 *           target class dominates.
 * Accuracy: |l - l_ref| <= (c + 4) u (1 + |l| + |max f - f_y|) against MPFR
 *           (tests/test_dg test_softmax_ce).
 * Special:  GN_ESIZE if c < 2 or y >= c; GN_ENONFINITE on NaN/inf logits. p and r may be
 *           NULL; outputs untouched on error. */
gn_status gn_softmax_ce(double *l, double *r, double *p, const double *f, size_t c, size_t y);

/* c-output linear model f = W x, W c x n row-major, parameters w = vec(W) (d = c n).
 * gn_multi_linear_eval: f (c) and, when J != NULL, the c x d Jacobian (row k is x in
 * block k, zeros elsewhere): the J of MATH.md §9 for one sample.
 * Accuracy: each f_k as gn_dot (not measured separately; tests/test_dg checks small cases).
 * Special: GN_ESIZE if c or n is 0; GN_ENONFINITE on NaN/inf or a non-finite f. */
gn_status gn_multi_linear_eval(double *f, double *J, const double *w, const double *x,
                               size_t c, size_t n);

/* ------------------------------------------------------------------ EGN */

typedef enum {
    GN_EGN_SQUARED = 0, /* c = 1, (4.7)                          */
    GN_EGN_BCE,         /* c = 1, (4.9); targets in [0, 1]       */
    GN_EGN_SOFTMAX,     /* c >= 2, targets are class indices      */
    GN_EGN_NLOSS
} gn_egn_loss;

/* gn_egn_loss_name: "squared", "bce" or "softmax" (MATH.md §7 and §9); "?" for an unknown
 * k. No equation: a name for messages and options. */
const char *gn_egn_loss_name(gn_egn_loss k);
/* gn_egn_loss_parse: the inverse of gn_egn_loss_name. No equation: option parsing.
 * Special: GN_EINPUT if name is unknown or NULL (*k untouched). */
gn_status gn_egn_loss_parse(gn_egn_loss *k, const char *name); /* squared bce softmax */

/* The model EGN trains: c outputs, nparams parameters, and an evaluation that writes the
 * c outputs and (when J != NULL) the c x nparams Jacobian rows. gn_egn_model_linear,
 * _mlp and _multi fill it for the core's models. */
typedef struct gn_egn_model gn_egn_model;
struct gn_egn_model {
    size_t c, nparams, nin;
    gn_status (*eval)(const gn_egn_model *m, double *f, double *J, const double *w,
                      const double *x);
    void *ctx; /* the gn_mlp for gn_egn_model_mlp */
};

/* gn_egn_model_linear: f = w^T x (c = 1, nparams = n), J's row = x (MATH.md (3.3)).
 * No equation beyond that: an adapter of gn_linear_eval for EGN. */
gn_egn_model gn_egn_model_linear(size_t n);
/* gn_egn_model_mlp: the MLP of gn.h (c = 1), J's row = grad_w f by gn_mlp_eval.
 * No equation: an adapter; m must outlive the model (it is its ctx). */
gn_egn_model gn_egn_model_mlp(gn_mlp *m);
/* gn_egn_model_multi: gn_multi_linear_eval's c-output model (nparams = c n).
 * No equation: an adapter for EGN. */
gn_egn_model gn_egn_model_multi(size_t c, size_t n);

/* EGN's constants, all in one place, with the toolkit's defaults (the seeds give none:
 * MATH.md §12). Each enhancement is switchable. */
typedef struct {
    double lambda0;     /* initial damping                                  default 1e-1 */
    double mu;          /* curvature floor added to Q                       default 0    */
    int linesearch;     /* Armijo backtracking on/off                       default 1    */
    double armijo_c1;   /* sufficient-decrease constant                     default 1e-4 */
    double backtrack;   /* step shrink factor per backtrack                 default 0.5  */
    unsigned max_backtracks; /* then the step is rejected                   default 30   */
    int adaptive;       /* lambda from the gain ratio (gn_lm.h) on/off      default 1    */
    double lambda_min;  /* floor under the adaptive lambda (egn.c says why) default 5e-2 */
    int momentum;       /* dir <- beta dir_prev + (1 - beta) dir on/off     default 1    */
    double beta;        /* momentum weight, in [0, 1)                       default 0.5  */
} gn_egn_params;

/* gn_egn_params_default: the defaults in the table above. No equation: the toolkit's
 * constants for MATH.md §9's extras (§12: the seeds give none). */
gn_egn_params gn_egn_params_default(void);

typedef struct {
    gn_egn_model model;
    gn_egn_loss loss;
    gn_egn_params par;
    size_t bmax, c, d;
    gn_lm_damping lm;   /* current lambda and growth factor (gn_lm.h)          */
    gn_dg_ws *ws;
    double *J, *r, *q, *f, *dir, *mom, *wtry, *grad, *v;
    int have_mom;
    uint64_t steps, rejected, backtracks;
} gn_egn;

/* gn_egn_alloc: state for batches of at most bmax samples. NULL on bad sizes (bmax or
 * model sizes 0, softmax with c < 2, squared/BCE with c != 1), bad params or no memory.
 * No equation: allocation. */
gn_egn *gn_egn_alloc(gn_egn_model model, gn_egn_loss loss, size_t bmax,
                     const gn_egn_params *par);
/* gn_egn_free: NULL-safe. No equation: deallocation. */
void gn_egn_free(gn_egn *e); /* NULL-safe */
/* gn_egn_bytes: heap bytes held by the state (a step allocates nothing further in the
 * core; OpenBLAS keeps its own thread buffers). No equation: memory report. */
size_t gn_egn_bytes(const gn_egn *e);

/* gn_egn_loss_mean: the mean loss L = (1/m) sum l_i over samples idx[0..m) of X (rows of
 * nin features) and y, MATH.md §9 (with (4.7), (4.9) or softmax CE per sample).
 * Accuracy: a plain running sum; not measured.
 * Special: GN_EDOM for a bad target (BCE outside [0,1], softmax not a class index);
 * errors of the model and loss. */
gn_status gn_egn_loss_mean(double *L, gn_egn *e, const double *w, const double *X,
                           const double *y, const size_t *idx, size_t m);

/* gn_egn_step: one EGN step on the mini-batch idx[0..b) (MATH.md §9): the DG direction at
 * the current lambda; momentum; Armijo backtracking L(w + eta d) <= L(w) + c1 eta g^T d;
 * the gain ratio rho = (L(w) - L(w + eta d)) / -(eta g^T d + eta^2 d^T (J^T Q J / b) d / 2)
 * fed to gn_lm_update when adaptive. A step is taken when the line search succeeds (or is
 * off) and, when adaptive, gn_lm_update accepts it. Lbefore and Lafter (nullable) get the
 * batch loss before and after. Special: GN_ESIZE if b > bmax or b == 0; errors of the
 * model, loss and gn_dg_dir; w untouched on error. */
gn_status gn_egn_step(gn_egn *e, double *w, double *Lbefore, double *Lafter, const double *X,
                      const double *y, const size_t *idx, size_t b);

/* gn_egn_epoch: shuffle perm (a permutation of 0..nrows-1) from rng (Fisher-Yates), then
 * one gn_egn_step per consecutive block of b indices (the last block may be shorter).
 * MATH.md §9 per step; no equation of its own (the sampling is the toolkit's).
 * Special: GN_ESIZE if nrows == 0, b == 0 or b > bmax; errors of gn_egn_step (w then
 * holds the steps taken before the failing one). */
gn_status gn_egn_epoch(gn_egn *e, double *w, const double *X, const double *y, size_t nrows,
                       size_t *perm, size_t b, gn_rng *rng);

/* The example data set made by the project (no copied data): n rows of 4 features
 * x1..x4 ~ N(0,1) from stream (seed, 0), and three targets:
 *   t_reg = sin(x1) + 0.5 x2 x3 - 0.25 x4 + 0.1 e,         e ~ N(0,1)
 *   t_bin = 1 when x1 + x2^2 - 1 + 0.3 e' > 0, else 0
 *   t_cls = argmax_k (a_k . x + 0.3 e''_k) for three fixed a_k.
 * X is n x 4 row-major, the targets n each. Special: GN_ESIZE if n == 0.
 * No equation: synthetic data for the EGN example, notebook and tests. */
gn_status gn_egn_example(double *X, double *t_reg, double *t_bin, double *t_cls, size_t n,
                         uint64_t seed);

#endif
