/* pf_assume.h: the convergence-assumption checkers of Theorem 4.1 (MATH.md §8), used by
 * `gnlab assume` and usable from the library on their own.
 *
 * A problem is a scalar-output model, a loss, a finite dataset with uniform sampling, and
 * the damping (lambda, mu). Because sampling is uniform over n rows, every expectation
 * E[.] below is the exact finite sum (1/n) sum_i, evaluated in one pass over the rows. */
#ifndef PF_ASSUME_H
#define PF_ASSUME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gn.h"

typedef enum {
    PF_ASSUME_LINEAR = 0, /* f = w^T x, j = x                                  */
    PF_ASSUME_QUAD,       /* f = w^T phi(x), phi = gn_quad_features(x, bias 1)  */
    PF_ASSUME_MLP,        /* f = gn_mlp_eval                                    */
    PF_ASSUME_NMODEL
} pf_assume_model;

/* Negative controls: deliberately wrong alignment formulas the checks must catch. */
typedef enum {
    PF_ASSUME_INJECT_NONE = 0,
    PF_ASSUME_INJECT_XI_MEAN, /* E[xi g] replaced by E[xi] grad F (drops Cov(xi, g))     */
    PF_ASSUME_INJECT_NORM,    /* c divided by |grad F| instead of |grad F|^2              */
    PF_ASSUME_NINJECT
} pf_assume_inject;

typedef struct {
    pf_assume_model model;
    gn_loss_kind loss;
    size_t n;          /* rows, >= 1 */
    size_t m;          /* inputs per row, >= 1 */
    size_t d;          /* parameters (set by pf_assume_problem_init) */
    const double *X;   /* n x m, row-major (not owned) */
    const double *y;   /* n targets (not owned) */
    gn_mlp *mlp;       /* MLP only (not owned); its workspace is used, not re-entrant */
    gn_damping dmp;
    pf_assume_inject inject;
    int rowwise;       /* MLP: 1 evaluates row by row with gn_mlp_eval (the reference
                          path); 0 (default) in blocks of rows with BLAS-3 (assume.c) */
} pf_assume_problem;

/* pf_assume_problem_init: fill pb and set pb->d from the model.
 * Special: GN_ESIZE if n == 0, m == 0, or the MLP's input width differs from m;
 *          GN_EDOM if lambda <= 0 or mu < 0 or (loss BCE and some y outside [0, 1]);
 *          GN_ENONFINITE on a NaN/inf entry of X or y.
 * The problem of MATH.md §8: F (4.12) over the rows, with xi of (3.13). */
gn_status pf_assume_problem_init(pf_assume_problem *pb, pf_assume_model model,
                                 gn_loss_kind loss, const double *X, const double *y,
                                 size_t n, size_t m, gn_mlp *mlp, gn_damping dmp);

/* Step-size schedule alpha_t = alpha0 / (t + t0)^p, t = 0, 1, ... */
typedef struct {
    double alpha0, t0, p;
} pf_assume_schedule;

/* pf_assume_robbins_monro: Assumption 4.3, MATH.md (4.16), decided by the exponent, not by summing:
 * sum_t alpha_t diverges iff p <= 1 (comparison with sum t^-p) and sum alpha_t^2
 * converges iff 2p > 1. Returns 1 when both hold (1/2 < p <= 1), 0 otherwise.
 * *why (nullable) receives a static English reason. */
int pf_assume_robbins_monro(const pf_assume_schedule *s, const char **why);

/* pf_assume_schedule_check: GN_OK when alpha0 > 0, t0 > 0 and 1/2 < p <= 1 (all finite);
 * otherwise GN_EDOM with a message naming the offending value in err.
 * No equation: argument check (the domain of (4.16)'s schedule). */
gn_status pf_assume_schedule_check(const pf_assume_schedule *s, char *err, size_t errlen);

/* The measurements at one parameter point w (MATH.md §8). */
typedef struct {
    double F;      /* F(w) = E l                                       (4.12) */
    double grad2;  /* |grad F|^2, grad F = E g, g = l' j               (3.5)  */
    double c;      /* grad F^T E[xi g] / |grad F|^2 (NaN if grad F = 0) (4.14) */
    double xig2;   /* E |xi g|^2, the left side of (4.15)                     */
    double g2;     /* E |g|^2                                                  */
    double rho;    /* E|g|^2 / |grad F|^2 (NaN if grad F = 0)           (B.2) */
    double S;      /* max_i |j_i|                                      (B.1) */
    double H;      /* max_i l''_i                                      (B.1) */
    double xi_lo, xi_hi; /* min and max of xi_i over the rows          (3.13) */
    double exi;    /* E xi                                                      */
} pf_assume_point;

/* pf_assume_eval: all the above at w, one forward+backward pass per row.
 * grad and exig (nullable, length d) receive grad F and E[xi g].
 * Method:   rows visited in order, sums accumulated in double (depth n; the error bound is
 *           derived in assume_mp.c). pb->inject swaps in a wrong alignment formula.
 * Special:  GN_ENONFINITE / GN_ERANGE from the model or the loss (the row is not named);
 *           GN_ENOMEM. On error *pt is untouched.
 * MATH.md §8: F (4.12), c of (4.14), the left side of (4.15), rho of Assumption B.2,
 * S and H of Assumption B.1, xi (3.13).
 * Accuracy: checked against MPFR by pf_assume_mp_check (the derived bound of assume_mp.c;
 * tests/test_assume). */
gn_status pf_assume_eval(pf_assume_point *pt, double *grad, double *exig,
                         pf_assume_problem *pb, const double *w);

/* pf_assume_grad: F and grad F only (for the Hessian-vector products).
 * MATH.md (4.12) and grad F = E g (3.5). Accuracy and special cases as
 * pf_assume_eval. */
gn_status pf_assume_grad(double *F, double *grad, pf_assume_problem *pb, const double *w);

/* pf_assume_trajectory: run T IGND steps MATH.md (3.14) from w0 with uniform sampling
 * i_t = floor(U_t n), U_t from gn_rng stream (seed, 1), alpha_t = alpha0/(t + t0)^p, and
 * store K >= 1 points: W[k*d ..] = w_{t_k}, t_k = round(k T / (K - 1)) (t_0 = 0; K = 1 keeps
 * w0 only). ts (length K) receives t_k.
 * Special: GN_EDOM on a bad schedule (pf_assume_schedule_check); step errors as
 *          gn_step_ignd (then W holds the points reached so far; *done gets their count). */
gn_status pf_assume_trajectory(double *W, size_t *ts, size_t *done, pf_assume_problem *pb,
                               const double *w0, const pf_assume_schedule *s, size_t T,
                               size_t K, uint64_t seed);

/* pf_assume_L_exact: for linear and quadratic-feature models the Hessian of F is
 * (1/n) sum_i l''_i phi_i phi_i^T with l'' = 1 (squared) or l'' <= 1/4 (BCE), so
 * L = lambda_max((1/n) Phi^T Phi) (squared: exact global constant) or a quarter of it
 * (BCE: a global upper bound). Method: GSL's symmetric eigensolver (gsl_eigen_symm).
 * Special: GN_EDOM for the MLP; GN_ESIZE if d > 4096 (d^2 memory, d^3 time); GN_ENOMEM.
 * The L of Assumption 4.1, MATH.md §8. */
gn_status pf_assume_L_exact(double *L, const pf_assume_problem *pb);

/* pf_assume_L_power: largest |eigenvalue| of the Hessian of F at w by `iters` steps of
 * power iteration on Hessian-vector products, Hv = (grad F(w + h v) - grad F(w - h v))/(2h)
 * with |v| = 1 and h = u^(1/3) (1 + |w|_inf), from start vector stream (seed, 2).
 * Accuracy: each Hv has truncation error <= h^2/6 |D^3 F| and roundoff about
 *           u E(grad F)/h, so about u^(2/3) relative to the gradient's scale; the result is
 *           the Rayleigh quotient |v^T H v|, a lower estimate of the local |lambda|_max.
 * Special:  as pf_assume_grad; GN_ESIZE if iters == 0.
 * A local estimate of the L of Assumption 4.1, MATH.md §8. */
gn_status pf_assume_L_power(double *L, pf_assume_problem *pb, const double *w, size_t iters,
                            uint64_t seed);

/* pf_assume_noise_floor: for linear or quadratic-feature models with squared loss, the
 * minimiser w* of F by least squares (GSL SVD, gsl_multifit_linear) and
 * floor = E|g(w*)|^2 = E[r_i^2 |phi_i|^2], r = f_{w*} - y. Since grad F(w*) = 0, floor > 0
 * means rho(w) = E|g|^2/|grad F|^2 -> infinity as w -> w*: strong growth (B.2) fails.
 * rel_res = sqrt(E r^2) / sqrt(E y^2) (sqrt(E r^2) for y = 0); kappa = the 2-norm condition
 * number of the n x d feature matrix (1/rcond of GSL's SVD). wstar (nullable, length d).
 * Special: GN_EDOM for the MLP or the BCE loss; GN_ESIZE if d > 4096; GN_ENOMEM.
 * MATH.md §8 (Assumption B.2, strong growth). Accuracy: GSL's SVD least squares;
 * not measured against MPFR. */
gn_status pf_assume_noise_floor(double *floor, double *rel_res, double *kappa, double *wstar,
                                const pf_assume_problem *pb);

/* The fit of (4.15) to measured points: m_k <= M + MG G_k, G_k = |grad F(w_k)|^2,
 * m_k = E|xi g|^2 at w_k. */
typedef struct {
    double M0_MG;        /* MG when M = 0: max m_k / G_k (the form of Prop B.3)       */
    double MG0_M;        /* M when MG = 0: max m_k                                    */
    double M, MG;        /* the LP optimum: min M + MG * mean(G) over feasible M, MG >= 0 */
} pf_assume_moment_fit;

/* pf_assume_fit_moment: the three fits. The feasible set {M, MG >= 0 : all constraints}
 * has the lower boundary phi(MG) = max(0, max_k (m_k - MG G_k)), convex and piecewise
 * linear; the LP min phi(MG) + MG Gbar has its optimum at a breakpoint of phi, so every
 * candidate (0, the intersections (m_a - m_b)/(G_a - G_b), the zeros m_k/G_k) is tried.
 * O(K^3) for K points. Points with G_k = 0 force M >= m_k.
 * Special: GN_ESIZE if K == 0; GN_ENONFINITE if a value is NaN/inf.
 * MATH.md (4.15)'s constants M, MG. Exact up to the rounding of the candidates;
 * not measured against MPFR. */
gn_status pf_assume_fit_moment(pf_assume_moment_fit *fit, const double *m, const double *G,
                               size_t K);

/* Prop B.3 / Lemma B.2 / Remark B.1 from the constants S, H, rho. */
typedef struct {
    double xi_min, xi_max;  /* Lemma B.2: 1/((H+mu)S^2 + lambda), 1/lambda          */
    double c_B3;            /* xi_min - ((xi_max - xi_min)/2) sqrt(rho - 1)          */
    double M_B3, MG_B3;     /* 0 and rho/lambda^2                                     */
    int remark_holds;       /* Remark B.1: c_B3 > 0                                   */
    double remark_lhs, remark_rhs; /* sqrt(rho-1) and 2 lambda/((H+mu)S^2) (inf if 0) */
} pf_assume_b3_consts;

/* pf_assume_b3: the constants above, MATH.md §8 (Lemma B.2, Prop B.3, Remark B.1).
 * Special: GN_EDOM if rho < 1 by more than rounding
 * (rho < 1 - 1e-12, impossible since E|g|^2 >= |E g|^2) or S, H < 0; rho in [1-1e-12, 1)
 * is treated as 1. */
gn_status pf_assume_b3(pf_assume_b3_consts *out, double S, double H, double rho, gn_damping dmp);

/* ---------------------------------------------------- MPFR recomputation */

/* The values of pf_assume_point recomputed in MPFR at precision prec from the same double
 * inputs (X, y, w), straight from the definitions: exact finite sums over the rows with a
 * multiprecision forward pass, back-propagation, loss and xi. For each compared quantity
 * q in {F, grad2, c, xig2, g2, rho}: mp[q] the MPFR value rounded to double, rel[q] the
 * double's relative error |q_double - q_mp|/|q_mp|, bound[q] the derived bound on it
 * (assume_mp.c: a first-order running error bound gamma_K E(q)/|q|, E(q) the absolute-value
 * envelope of q's expression, K its rounding depth), pass = all rel <= bound over the
 * quantities defined on either side (one side NaN and the other not is a failure). */
enum { PF_ASSUME_Q_F = 0, PF_ASSUME_Q_GRAD2, PF_ASSUME_Q_C, PF_ASSUME_Q_XIG2, PF_ASSUME_Q_G2,
       PF_ASSUME_Q_RHO, PF_ASSUME_NQ };

typedef struct {
    double mp[PF_ASSUME_NQ];
    double dbl[PF_ASSUME_NQ];
    double rel[PF_ASSUME_NQ];
    double bound[PF_ASSUME_NQ];
    int undef[PF_ASSUME_NQ]; /* 1: undefined on both sides (c, rho at grad F = 0): nothing
                                compared, rel and bound NaN, not counted in pass        */
    long K;        /* the rounding depth used */
    int pass;
} pf_assume_mpcheck;

/* pf_assume_q_name: "F", "grad2", "c", "xig2", "g2", "rho".
 * "unknown" out of range. No equation: names for the report. */
const char *pf_assume_q_name(int q);

/* pf_assume_mp_check: recompute at w and compare with the double point pt (which must be
 * pf_assume_eval's result at w, with whatever pb->inject it used: the MPFR side never
 * injects). Requires prec >= 64. Cost: n (d + forward/backward) MPFR operations.
 * Special: GN_EDOM if prec < 64; GN_ENOMEM; GN_ENONFINITE as pf_assume_eval.
 * The MPFR reference for the MATH.md §8 quantities of pf_assume_eval. */
gn_status pf_assume_mp_check(pf_assume_mpcheck *out, const pf_assume_point *pt,
                             const pf_assume_problem *pb, const double *w, unsigned prec);

/* ---------------------------------------------------- shipped problems */

typedef enum { PF_ASSUME_GEN_INTERP = 0, PF_ASSUME_GEN_NOISY, PF_ASSUME_NGEN } pf_assume_gen;

/* pf_assume_generate: write the shipped example datasets (proofs/data/) to f as CSV with
 * columns x1..xm, y. Rows: x_k = round(200 U - 100)/100 in [-1, 1] (U from gn_rng stream
 * (seed, 0)); w*_k = (-1)^k k / 2 for k = 1..m; INTERP: y = sum_k w*_k x_k (exact in
 * decimal, so the CSV's y interpolates up to the parse rounding); NOISY: the same plus
 * round(100 * 0.5 N)/100 with N standard normal (stream (seed, 1)).
 * x has 2 decimals and y at most 3, all printed from integers: the file is the same on
 * every platform.
 * Special: GN_ESIZE if n == 0 or m == 0 or m > 64; GN_EINPUT on a write error.
 * No equation: the shipped data sets' generator (tests/test_assume). */
gn_status pf_assume_generate(FILE *f, pf_assume_gen kind, size_t n, size_t m, uint64_t seed);

/* ---------------------------------------------------- a whole run */

typedef enum {
    PF_ASSUME_HOLDS = 0, /* holds at every measured point (margin reported)               */
    PF_ASSUME_FAILS,     /* fails: at the listed points, or proved to fail (noise floor)   */
    PF_ASSUME_SUSPECT,   /* holds at the measured points, but the trend says it will not:
                            rho grows like |grad F|^(-2s), s >= 1/2, over >= a decade     */
    PF_ASSUME_UNDETERMINED /* the measurement cannot decide: an input of the verdict is
                            NaN or infinite, undefined at every point (grad F = 0), never
                            measured (L with l_points = 0), or its tolerance is so wide the
                            check cannot fail (rank-deficient or too ill-conditioned data) */
} pf_assume_verdict;

/* pf_assume_verdict_name: "holds" "fails" "suspect" "undetermined".
 * No equation: names for the report. */
const char *pf_assume_verdict_name(pf_assume_verdict v);

typedef enum { PF_ASSUME_L_EXACT = 0, PF_ASSUME_L_UPPER, PF_ASSUME_L_LOCAL } pf_assume_lkind;

typedef struct {
    size_t steps;        /* T, IGND steps of the trajectory                       */
    size_t npoints;      /* K, points kept along it                                */
    uint64_t seed;       /* sampling stream (and MLP init, done by the caller)     */
    size_t mp_points;    /* points recomputed in MPFR (first, last, evenly between) */
    unsigned prec;       /* MPFR precision in bits                                 */
    size_t power_iters;  /* MLP: power iterations per L estimate                    */
    size_t l_points;     /* MLP: points where L is estimated (first, last, ...)     */
} pf_assume_opts;

/* steps 2000, npoints 50, seed 20261122, mp_points 3, prec 128, power_iters 20, l_points 2
 * No equation: the run's defaults (the toolkit's, MATH.md §12). */
pf_assume_opts pf_assume_opts_default(void);

typedef struct {
    size_t K, d;
    size_t *t;                /* K step indices                                  */
    double *W;                /* K x d points                                    */
    pf_assume_point *pts;     /* K measurements                                  */
    /* Assumption 4.1 */
    double F_inf_lb;          /* 0 for squared and BCE (the losses are >= 0)    */
    double F_min;             /* smallest F measured                             */
    double L;                 /* NaN when not estimated (MLP with l_points = 0) */
    pf_assume_lkind L_kind;
    /* Assumption 4.2 */
    size_t n_defined;         /* points with grad F != 0 (c and rho defined)     */
    double c_min;             /* min c(w_k) over defined points                  */
    size_t c_argmin, n_c_fail;
    size_t c_fail[8];         /* the first points (indices into pts) with c <= 0 */
    pf_assume_moment_fit fit;
    /* Assumption 4.3 */
    int rm_holds;
    const char *rm_why;
    /* B.1, B.2, Lemma B.2, Prop B.3, Remark B.1 over all measured points */
    double S, H, rho_max;
    size_t rho_argmax;
    double rho_slope;         /* least-squares slope of log rho against log |grad F|^2 */
    double grad2_decades;     /* log10(max/min |grad F|^2) over defined points        */
    int have_floor;           /* linear/quad + squared: the noise floor was computed   */
    double floor, rel_res, floor_tol; /* E|g(w*)|^2, its relative residual, the cut   */
    double kappa;             /* 2-norm condition number of the feature matrix (floor) */
    const char *why_a41, *why_align, *why_b1, *why_b2; /* reason when undetermined, else NULL */
    pf_assume_b3_consts b3;   /* with the global S, H, rho_max                         */
    double ratio_c_b3;        /* c_min / c_B3 (NaN when c_B3 <= 0)                     */
    double b3_margin_min;     /* min over points of (c(w) - c_B3(w)) / xi_hi(w), local */
    /* verdicts */
    pf_assume_verdict v_a41, v_align, v_moment, v_rm, v_b1, v_b2;
    /* the MPFR recomputation */
    size_t n_mp;
    size_t mp_idx[16];
    pf_assume_mpcheck mp[16];
    int mp_pass;
} pf_assume_report;

/* pf_assume_run: the trajectory from w0 (or, when Wpts != NULL, the K given points with
 * t_k = k), every measurement, the fits, the verdicts and the MPFR recomputation.
 * rep is filled and owns its arrays (pf_assume_report_free).
 * Special: GN_EDOM on a bad schedule; errors of the parts; on error rep is freed.
 * Checks Assumptions 4.1-4.3, B.1, B.2 and Prop B.3 of MATH.md §8 along an IGND
 * trajectory (tests/test_assume; negative controls by pb->inject). */
gn_status pf_assume_run(pf_assume_report *rep, pf_assume_problem *pb, const double *w0,
                        const double *Wpts, size_t K, const pf_assume_schedule *s,
                        const pf_assume_opts *o);
/* pf_assume_overall: the run's verdict: PF_ASSUME_FAILS when an assumption fails or is
 * suspect or the MPFR agreement fails; otherwise PF_ASSUME_UNDETERMINED when any verdict is
 * undetermined; otherwise PF_ASSUME_HOLDS. No equation: the exit status of `gnlab assume`
 * (0 holds, 1 fails, 3 undetermined; docs/exit-status.md). */
pf_assume_verdict pf_assume_overall(const pf_assume_report *rep);
/* pf_assume_report_free: NULL-safe; also on a zeroed rep. No equation: deallocation. */
void pf_assume_report_free(pf_assume_report *rep);

#endif
