/* gn_mp.h: the MPFR reference for the gnlab core (prefix gn_mp_). Not included by gn.h:
 * users include it explicitly and link MPFR.
 *
 * Purpose. Every quantity of the double core, recomputed at a precision chosen at run time
 * (default GN_MP_PREC_DEFAULT = 256 bits) from its DEFINING SYSTEM rather than from the closed
 * form the core evaluates: the damped direction by elimination on (3.11), the Moore-Penrose
 * direction as the minimum-norm solution of (3.8), delta as j^T (w+ - w) (4.1), the losses
 * from their definitions (sigma = 1/(1 + exp(-f)), l = -y log p - (1-y) log(1-p)). The closed
 * forms are also provided in MPFR (the *_closed functions), so that a disagreement between the
 * core and the reference can be attributed: closed form vs defining system is a formula error,
 * core vs closed form in MPFR is a rounding error.
 *
 * Conventions (house style; twins of gn.h):
 *  - the MPFR twin of gn_X is gn_mp_X with the same argument order: outputs first, inputs
 *    next, options last, then an mpfr_rnd_t;
 *  - a vector of length n is a contiguous array of n initialised __mpfr_struct, passed as
 *    mpfr_ptr / mpfr_srcptr to its first element (element i is v + i); gn_mp_vec_alloc
 *    makes one;
 *  - outputs keep their own precision (MPFR's convention); temporaries are allocated at the
 *    precision of the first output plus 64 guard bits (GN_MP_GUARD) unless stated;
 *  - inputs set from doubles are exact (any precision >= 53);
 *  - the status returned is the status the MATHEMATICS prescribes for those inputs (GN_EZERO
 *    for a Moore-Penrose direction with j = 0, GN_EDOM for lambda <= 0, ...), computed from
 *    the exact inputs; GN_ERANGE is never returned for double overflow (the reference has no
 *    such limit) except where stated. On error the outputs are left untouched;
 *  - the rank-one systems are solved with gn_mp_la.h: Gaussian elimination with partial
 *    pivoting (gn_mp_la_solve; the minimum-norm solve gn_mp_la_minnorm for (3.8)) on the
 *    explicitly formed n x n matrix when n <= GN_MP_ELIM_MAX; above that, by conjugate
 *    gradients on the same matrix applied as an operator (v -> a j (j^T v) + lambda v), which
 *    terminates in at most two steps in exact arithmetic because the matrix has at most two
 *    distinct eigenvalues (gn_mp_la_cg); iterated to a residual below 2^-(prec) of the
 *    right-hand side.
 *    Neither route uses the closed forms (3.9), (3.12), (3.13).
 */
#ifndef GN_MP_H
#define GN_MP_H

#include <stddef.h>
#include <stdint.h>

#include <mpfr.h>

#include "gn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GN_MP_PREC_DEFAULT 256
#define GN_MP_GUARD 64
/* largest n for which the systems are solved by explicit elimination (O(n^3) MPFR ops) */
#define GN_MP_ELIM_MAX 96

/* ------------------------------------------------------------- vectors */

/* gn_mp_vec_alloc: n values initialised at precision prec, set to 0. NULL if n == 0 or no
 * memory. Free with gn_mp_vec_free(v, n) (NULL-safe). No equation: allocation. */
mpfr_ptr gn_mp_vec_alloc(size_t n, mpfr_prec_t prec);
/* gn_mp_vec_free: clear and free the n values of v; NULL-safe. No equation: deallocation. */
void gn_mp_vec_free(mpfr_ptr v, size_t n);

/* gn_mp_vec_set_d: v_i = x_i (exact for prec >= 53). No equation: conversion. */
void gn_mp_vec_set_d(mpfr_ptr v, const double *x, size_t n);
/* gn_mp_vec_get_d: x_i = v_i rounded with rnd (0.5 ulp to nearest). No equation: conversion. */
void gn_mp_vec_get_d(double *x, mpfr_srcptr v, size_t n, mpfr_rnd_t rnd);

/* ------------------------------------------------------ error measures */

/* gn_mp_ulps: the scalar error measure of MATH.md §13 (ulps): |got - exact| in ulps of the
 * exact value, where ulp(x) = 2^(e - 53) for
 * 2^(e-1) <= |x| < 2^e when |x| >= DBL_MIN = 2^-1022, and ulp(x) = 2^-1074 (the subnormal
 * spacing) when |x| < 2^-1022, including x = 0. So a correctly rounded result is <= 0.5,
 * a subnormal or zero exact value is measured in units of the subnormal spacing, and a
 * result of 0 for an exact value of 2^-1100 counts 2^-26 ulps (underflow is not an error
 * beyond the spacing). Returns +inf when got is NaN or infinite and exact is finite, and 0
 * when both are the same infinity. The exact value beyond DBL_MAX is measured with the ulp
 * of its own binade (2^(e-53)), so a double's inf against it is +inf ulps. */
double gn_mp_ulps(double got, mpfr_srcptr exact);

/* gn_mp_mixed: the mixed forward error of MATH.md §13 for a vector result,
 *     max_i |got_i - exact_i| / (u (|w_i| + |s_i|) + 2^-1074),  u = 2^-53,
 * where w is the double input the update started from (NULL means w = 0: the measure is
 * then relative to the step, as for a direction) and s is the exact step component
 * (exact_i - w_i for an update, the direction itself for a direction). The 2^-1074 term is
 * the underflow floor: it keeps the measure finite when w_i = s_i = 0 and makes an
 * error of one subnormal spacing count at most 1 unit. The index of the maximum goes to
 * *worst when worst != NULL. Returns +inf if some got_i is NaN or infinite while exact_i
 * is finite. */
double gn_mp_mixed(const double *got, mpfr_srcptr exact, const double *w, mpfr_srcptr s,
                   size_t n, size_t *worst);

/* --------------------------------------------------------------- damping */

/* The twin of gn_damping with exact MPFR values. */
typedef struct {
    mpfr_t lambda;
    mpfr_t mu;
} gn_mp_damping;

/* gn_mp_damping_init_set: initialise at prec and set from the double pair (exact).
 * No equation: the lambda, mu of MATH.md §3 in MPFR. */
void gn_mp_damping_init_set(gn_mp_damping *m, gn_damping d, mpfr_prec_t prec);
/* gn_mp_damping_clear: release m's values. No equation: deallocation. */
void gn_mp_damping_clear(gn_mp_damping *m);

/* gn_mp_damping_check: the MPFR twin of gn_damping_check, the domain of MATH.md
 * (3.11)-(3.13), on
 * the exact values. The one check every MPFR damped solve makes first.
 * Special: GN_ENONFINITE if lambda, mu or lpp is NaN or infinite; GN_EDOM if lambda <= 0 or
 *          mu < 0; GN_ENEGCURV if lpp < 0; GN_OK otherwise. Pass lpp = 0 to check dmp
 *          alone. */
gn_status gn_mp_damping_check(mpfr_srcptr lpp, const gn_mp_damping *dmp);

/* ------------------------------------------------------------ rank one */
/* Domain checks as the core: GN_ESIZE if n == 0; GN_EDOM if lambda <= 0 or mu < 0 (or
 * alpha <= 0 where there is an alpha); GN_ENEGCURV if lpp < 0; GN_ENONFINITE on NaN/inf. */

/* gn_mp_norm2sq: out = sum_i j_i^2 (its definition), the |j|^2 of MATH.md (3.13).
 * Method:   gn_mp_la_nrm2sq at the working precision (out's + GN_MP_GUARD), then one
 *           rounding into out (the header's old "rounded once" ignored the n roundings
 *           of the guarded sum, each 2^-GN_MP_GUARD below out's ulp).
 * Accuracy: the reference for validate/rank1 "norm2sq".
 * Special:  GN_ESIZE if n == 0; GN_ENONFINITE on NaN/inf. */
gn_status gn_mp_norm2sq(mpfr_ptr out, mpfr_srcptr j, size_t n, mpfr_rnd_t rnd);

/* gn_mp_xi: xi of MATH.md (3.13) from the system (3.11) ((lpp + mu) j j^T + lambda I) x = j,
 * whose solution is x = xi j: xi = j^T x / j^T j (and xi = 1/lambda when j = 0).
 * Method:   elimination or CG as in the header comment, never the closed form.
 * Accuracy: agrees with gn_mp_xi_closed to 2^-200 relative (validate/rank1
 *           "closed_vs_system"); the reference for validate/rank1 "xi".
 * Special:  the domain checks above. */
gn_status gn_mp_xi(mpfr_ptr xi, mpfr_srcptr j, size_t n, mpfr_srcptr lpp,
                   const gn_mp_damping *dmp, mpfr_rnd_t rnd);
/* gn_mp_xi_closed: the closed form 1 / ((lpp + mu) |j|^2 + lambda), MATH.md (3.13).
 * Accuracy: a few roundings at the working precision. Special: the domain checks above. */
gn_status gn_mp_xi_closed(mpfr_ptr xi, mpfr_srcptr j, size_t n, mpfr_srcptr lpp,
                          const gn_mp_damping *dmp, mpfr_rnd_t rnd);

/* gn_mp_dir_pinv: the minimum-norm solution of (3.8) G d = -g, G = lpp j j^T, g = lp j
 * (MATH.md §2), without (3.9): for n <= GN_MP_ELIM_MAX by elimination with complete pivoting
 * on the formed G (rank decided at 2^-(prec/2) relative), a particular solution with the free
 * variables at 0, then its orthogonal projection onto the row space of G (the pivot rows) by
 * the normal equations; above, by conjugate gradients from d = 0 on G (iterates stay in
 * range(G), so the limit is the minimum-norm solution).
 * Special: GN_EZERO if lpp == 0 or j == 0 (rank G = 0), as the core. */
gn_status gn_mp_dir_pinv(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp, mpfr_srcptr lpp,
                       mpfr_rnd_t rnd);
/* gn_mp_dir_pinv_closed: d = -(lp / (lpp |j|^2)) j, MATH.md (3.9).
 * Accuracy: a few roundings at the working precision (validate/rank1 "closed_vs_system"
 *           compares it with gn_mp_dir_pinv). Special: GN_EZERO if lpp == 0 or j == 0. */
gn_status gn_mp_dir_pinv_closed(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                              mpfr_srcptr lpp, mpfr_rnd_t rnd);

/* gn_mp_dir_damped: the solution of MATH.md (3.11) ((lpp + mu) j j^T + lambda I) d = -lp j.
 * Method:   elimination or CG (header comment), not (3.12).
 * Accuracy: the reference for validate/rank1 "dir_damped"; agrees with (3.12) in MPFR to
 *           2^-200 (validate/rank1 "closed_vs_system").
 * Special:  the domain checks above; j = 0 or lp = 0 gives d = 0. */
gn_status gn_mp_dir_damped(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                           mpfr_srcptr lpp, const gn_mp_damping *dmp, mpfr_rnd_t rnd);
/* gn_mp_dir_damped_closed: d = -lp j / ((lpp + mu) |j|^2 + lambda), MATH.md (3.12).
 * Accuracy: a few roundings at the working precision. Special: the domain checks above. */
gn_status gn_mp_dir_damped_closed(mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                                  mpfr_srcptr lpp, const gn_mp_damping *dmp, mpfr_rnd_t rnd);

/* gn_mp_delta_damped: delta = j^T (alpha d), d the solution of (3.11): MATH.md (4.1)
 * applied to the damped step. Accuracy: the reference for validate/rank1 "delta_damped".
 * Special: the domain checks above. */
gn_status gn_mp_delta_damped(mpfr_ptr delta, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                             mpfr_srcptr lpp, mpfr_srcptr alpha, const gn_mp_damping *dmp,
                             mpfr_rnd_t rnd);
/* gn_mp_delta_damped_closed: MATH.md (4.4) -alpha lp |j|^2 / ((lpp + mu) |j|^2 + lambda).
 * Accuracy: a few roundings at the working precision. Special: the domain checks above. */
gn_status gn_mp_delta_damped_closed(mpfr_ptr delta, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                                    mpfr_srcptr lpp, mpfr_srcptr alpha,
                                    const gn_mp_damping *dmp, mpfr_rnd_t rnd);

/* ---------------------------------------------------------------- losses */

typedef struct {
    mpfr_t l, lp, lpp;
} gn_mp_lossval;

/* gn_mp_lossval_init: l, l', l'' initialised at prec. No equation: allocation. */
void gn_mp_lossval_init(gn_mp_lossval *v, mpfr_prec_t prec);
/* gn_mp_lossval_clear: release v's values. No equation: deallocation. */
void gn_mp_lossval_clear(gn_mp_lossval *v);

/* gn_mp_loss_squared: l = (f-y)^2/2, l' = f - y, l'' = 1, MATH.md (4.7)-(4.8).
 * Accuracy: the reference for validate/loss's squared rows. Special: GN_ENONFINITE on NaN/inf. */
gn_status gn_mp_loss_squared(gn_mp_lossval *out, mpfr_srcptr f, mpfr_srcptr y,
                             mpfr_rnd_t rnd);
/* gn_mp_loss_bce: from the definitions MATH.md (4.9)-(4.10): p = 1/(1 + exp(-f)),
 * l = -y log p - (1-y) log(1-p), l' = p - y, l'' = p (1 - p), in a working precision
 * raised by |f|/log 2 + GN_MP_GUARD bits so that 1 - p keeps its relative accuracy.
 * Special: GN_EDOM if y outside [0, 1]; GN_ERANGE if |f| > 4096 (the raised precision
 * would exceed ~6000 bits: the reference declines). */
gn_status gn_mp_loss_bce(gn_mp_lossval *out, mpfr_srcptr f, mpfr_srcptr y, mpfr_rnd_t rnd);
/* gn_mp_loss_eval: the loss k of MATH.md §7 at (f, y): gn_mp_loss_squared for (4.7)-(4.8),
 * gn_mp_loss_bce for (4.9)-(4.10) (the audit's reference for l, l', l'').
 * Special: GN_EDOM for any other k; otherwise those functions' special cases. */
gn_status gn_mp_loss_eval(gn_mp_lossval *out, gn_loss_kind k, mpfr_srcptr f, mpfr_srcptr y,
                          mpfr_rnd_t rnd);
/* gn_mp_bellman: MATH.md (4.11) T = r + gamma qnext, delta_TD = T - q, l = delta_TD^2/2,
 * l' = d l / d q = -delta_TD, l'' = 1. Special: GN_EDOM if gamma outside [0, 1]. */
gn_status gn_mp_bellman(gn_mp_lossval *out, mpfr_srcptr q, mpfr_srcptr r, mpfr_srcptr gamma,
                        mpfr_srcptr qnext, mpfr_rnd_t rnd);

/* --------------------------------------------------------- update rules */
/* In place on w (length n), from the same inputs as the core's twin. Each rule is written
 * from its definition in MATH.md §6-§7 with g = lp j formed explicitly where the definition
 * uses g. Errors as the core (GN_EZERO etc.), outputs untouched on error. */

/* gn_mp_step_sgd: w -= alpha g, g = lp j, MATH.md §6 (Table 1, SGD). The reference for
 * validate/rank1 "step_sgd". */
gn_status gn_mp_step_sgd(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                         mpfr_srcptr alpha, mpfr_rnd_t rnd);
/* gn_mp_step_normgrad: w -= alpha g / |g|, MATH.md §6 (Table 1, normalized gradient).
 * Special: GN_EZERO if g = 0. */
gn_status gn_mp_step_normgrad(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                              mpfr_srcptr alpha, mpfr_rnd_t rnd);
/* gn_mp_step_sps: w -= gamma g, gamma = (l - lstar) / (c |g|^2), capped at gamma_max (which
 * may be +inf), MATH.md (4.6). GN_EZERO if g = 0; GN_EDOM if c <= 0, l < lstar or
 * gamma_max <= 0. */
gn_status gn_mp_step_sps(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr l,
                         mpfr_srcptr lstar, mpfr_srcptr lp, mpfr_srcptr c,
                         mpfr_srcptr gamma_max, mpfr_rnd_t rnd);
/* gn_mp_step_nlms: w += eta e x / (eps + |x|^2), MATH.md §6 (Table 1, NLMS).
 * Special: GN_EDOM if eps <= 0 or eta <= 0. */
gn_status gn_mp_step_nlms(mpfr_ptr w, mpfr_srcptr x, size_t n, mpfr_srcptr e,
                          mpfr_srcptr eta, mpfr_srcptr eps, mpfr_rnd_t rnd);
/* gn_mp_step_ignd: w += alpha d, d the solution of MATH.md (3.11) (damped IGND, (3.14)),
 * not via xi. The reference for validate/rank1 "step_ignd" and the audit's IGND rows. */
gn_status gn_mp_step_ignd(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                          mpfr_srcptr lpp, mpfr_srcptr alpha, const gn_mp_damping *dmp,
                          mpfr_rnd_t rnd);
/* gn_mp_step_ignd_undamped: w += alpha d_MP, d_MP the minimum-norm solution of MATH.md
 * (3.8) (undamped IGND, (3.9) without its closed form). Special: GN_EZERO as gn_mp_dir_pinv. */
gn_status gn_mp_step_ignd_undamped(mpfr_ptr w, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                                   mpfr_srcptr lpp, mpfr_srcptr alpha, mpfr_rnd_t rnd);

/* Adam in MPFR: the state twin of gn_adam. */
typedef struct {
    size_t n;
    uint64_t t;
    mpfr_ptr m; /* n values */
    mpfr_ptr v; /* n values */
} gn_mp_adam;

/* gn_mp_adam_alloc: m = v = 0, t = 0 at precision prec; NULL if n == 0 or no memory.
 * No equation: allocation. */
gn_mp_adam *gn_mp_adam_alloc(size_t n, mpfr_prec_t prec);
/* gn_mp_adam_free: NULL-safe. No equation: deallocation. */
void gn_mp_adam_free(gn_mp_adam *st); /* NULL-safe */
/* gn_mp_adam_set: copy a double state (exact), so one step can be compared from equal
 * states. GN_ESIZE if the lengths differ. No equation: state copy. */
gn_status gn_mp_adam_set(gn_mp_adam *st, const gn_adam *from);

/* gn_mp_step_adam: the Adam recursion of MATH.md §7: t += 1; m = b1 m + (1-b1) g;
 * v = b2 v + (1-b2) g^2;
 * w -= alpha (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps), all from the exact double values
 * of the parameters in p. Errors as gn_step_adam. */
gn_status gn_mp_step_adam(gn_mp_adam *st, mpfr_ptr w, mpfr_srcptr g, const gn_adam_params *p,
                          mpfr_rnd_t rnd);
/* gn_mp_step_adam_ignd: Adam-IGND of MATH.md §7: the Adam step fed with g~ = xi g, xi from
 * the system (3.11) (g~ = -d, d the damped direction). Errors as gn_step_adam_ignd. */
gn_status gn_mp_step_adam_ignd(gn_mp_adam *st, mpfr_ptr w, mpfr_srcptr j, mpfr_srcptr lp,
                               mpfr_srcptr lpp, const gn_mp_damping *dmp,
                               const gn_adam_params *p, mpfr_rnd_t rnd);

/* ---------------------------------------------------------------- models */

/* gn_mp_act_eval: the MPFR twin of gn_act_eval: h = act(a) and dh = act'(a), each
 * operation rounded to nearest at the precision of its output. No equation: helper for
 * the MPFR MLP (gn_mp_mlp_*) and the assumption checker's MPFR rows.
 * Method: relu max(a, 0) with relu'(0) = 0; tanh by mpfr_tanh, 1 - tanh^2; silu a s and
 *         s (1 + a (1 - s)), s = 1 / (1 + e^-a); identity a, 1.
 * Accuracy: a few ulps of the working precision (<= 5 roundings).
 * Special: s is one scratch value (precision >= that of h), distinct from h, dh and a;
 *          h and dh must be distinct; NaN propagates. */
void gn_mp_act_eval(mpfr_ptr h, gn_act a, mpfr_srcptr x, mpfr_ptr dh, mpfr_ptr s);

/* gn_mp_mlp_eval: the forward pass and back-propagated j = grad_w f (MATH.md (3.3)) of the
 * network with the
 * shape, activation and parameter layout of m (only m's shape is read; m is not modified and
 * its workspaces are not used), in MPFR at the precision of f. j may be NULL.
 * tanh and SiLU from their definitions (mpfr_tanh; x / (1 + exp(-x))) and their derivatives
 * 1 - tanh^2 and s (1 + x (1 - s)), s = 1/(1 + exp(-x)); ReLU'(0) = 0 as the core.
 * Special: GN_ESIZE if m is NULL; GN_ENOMEM. */
gn_status gn_mp_mlp_eval(const gn_mlp *m, mpfr_ptr f, mpfr_ptr j, mpfr_srcptr w,
                         mpfr_srcptr x, mpfr_rnd_t rnd);

/* gn_mp_mlp_eval_abs: the same network with |W|, |b|, |x| and the activations replaced by
 * their magnitude bounds, giving the "absolute" forward values fa >= sum |terms| and
 * ja_i >= sum of |terms| of j_i's back-propagation: the condition scale against which the
 * double MLP's rounding errors are measured (validate/val_model.c derives the bound).
 * No equation: a condition scale (magnitudes of the terms of MATH.md (3.3)'s j), not a
 * quantity of the theory. Special: as gn_mp_mlp_eval. */
gn_status gn_mp_mlp_eval_abs(const gn_mlp *m, mpfr_ptr fa, mpfr_ptr ja, mpfr_srcptr w,
                             mpfr_srcptr x, mpfr_rnd_t rnd);

/* gn_mp_mlp_errbound: MATH.md (3.3)'s f and j as gn_mp_mlp_eval, plus fe >= |fl(f) - f| and
 * je_i >= |fl(j_i) -
 * j_i|, a first-order running error bound (Higham, ASNA §3.3) for the double evaluation of
 * core/model.c's gn_mlp_eval on the same double inputs: each pre-activation by gn_dot plus the
 * bias ((k(in) + 1) u sum |terms|), the activation's rounding (tanh, SiLU: 4u; ReLU, identity:
 * exact), the propagation of input errors through Lipschitz bounds of the activation and its
 * derivative, the backward sums of `out` products (gamma_out), one rounding per j entry. At the
 * ReLU kink (|a| <= its error bound) the derivative may flip: the bound then allows a change
 * of 1 in act'. fe and je (precision 64 suffices) are rounded upward.
 * Special: GN_ESIZE if m is NULL, fe is NULL, or j != NULL with je NULL. */
gn_status gn_mp_mlp_errbound(const gn_mlp *m, mpfr_ptr f, mpfr_ptr j, mpfr_ptr fe, mpfr_ptr je,
                             mpfr_srcptr w, mpfr_srcptr x, mpfr_rnd_t rnd);

#ifdef __cplusplus
}
#endif

#endif /* GN_MP_H */
