/* claims_common.h: what the claim files of proofs/ share: the rank-one instance sampler
 * (random and adversarial), the MPFR solve of a dense system with its derived error factor,
 * and the loss definitions in MPFR. Internal to proofs/ (prefix pf_claim_). */
#ifndef PF_CLAIMS_COMMON_H
#define PF_CLAIMS_COMMON_H

#include "pf_claims.h"

#define PF_CLAIM_R1_NMAX 12
/* number of members of the shared rank-one adversarial set */
#define PF_CLAIM_R1_NADV 14

/* A rank-one instance: one sample's j, l', l'', the damping and a learning rate, all
 * doubles (so the instance prints exactly with %a and is exact in MPFR). */
typedef struct {
    size_t n;
    double j[PF_CLAIM_R1_NMAX];
    double lp, lpp, lambda, mu, alpha;
} pf_claim_r1;

/* pf_claim_r1_draw: a rank-one instance for the claims of MATH.md §1-§6 ((3.5)-(3.13), (4.3),
 * (4.4), Table 1): instance ws->index: the adversarial member ws->index when
 * ws->adversarial (|j| from 2^-300 to 2^300, entries of mixed magnitude, lambda down to
 * 2^-80, l'' = 0, mu = 0, n = 1 and n = PF_CLAIM_R1_NMAX, tiny l'), otherwise random with
 * n in [1, nmax], j normal times 2^U(-4, 4), l' = +-2^U(-6, 6), l'' = 2^U(-6, 4),
 * lambda = 2^U(-10, 4), mu = 0 or 2^U(-8, 2), alpha = 2^U(-4, 1). Writes ws->desc.
 * Special: n is clamped to nmax <= PF_CLAIM_R1_NMAX; every value is a double, so the
 *          instance is exact in MPFR and reprints exactly (%a). */
void pf_claim_r1_draw(pf_claim_ws *ws, pf_claim_r1 *x, size_t nmax);

/* MPFR copy of an instance at the working precision (values from the pool). */
typedef struct {
    size_t n;
    mpfr_ptr j, lp, lpp, lambda, mu, alpha, a; /* a = lpp + mu (one rounding) */
    mpfr_ptr jj;                                /* |j|^2 (n roundings, fma) */
} pf_claim_r1mp;

/* pf_claim_r1_mp: x at the working precision into m (values from ws's pool): the inputs
 * exactly, a = lpp + mu and jj = |j|^2 (the two parts of (3.13)'s denominator, MATH.md §3)
 * with the roundings listed above; no error return (the pool aborts on no memory). */
void pf_claim_r1_mp(pf_claim_ws *ws, pf_claim_r1mp *m, const pf_claim_r1 *x);

/* pf_claim_solve: x = A^-1 b for the n x n matrix a (overwritten by its LU factors), x
 * holding b on entry. form_units: the relative perturbation (in units u = 2^-p of the
 * working precision, normwise relative to ||A||_inf ||x||_inf) already made in forming A
 * and b; ainv: a known bound on ||A^-1||_inf, or NULL to compute it from the factors.
 * The solve runs at the precision of a (x must have it too); kc is in units of 2^-prec(a).
 * Returns kc with ||x_hat - x||_inf <= kc u ||x||_inf:
 *   kappa = ||A||_inf ||A^-1||_inf, eps = (form_units + 3n g) u (1 + 0.01), g the growth
 *   factor || |L||U| ||_inf / ||A||_inf (Higham Thm 9.4: (A + E) x_hat = b with
 *   |E| <= gamma_3n |L||U|), and ||dx|| / ||x|| <= kappa eps / (1 - kappa eps) <= 2 kappa eps
 * when kappa eps <= 1/2 (Higham Thm 7.2). Returns +inf when A is singular to the factors or
 * kappa eps > 1/2 (the bound is void; the caller's check then fails visibly).
 * No equation: the general MPFR solve under the claims' defining systems, with its
 * error factor kc derived above (the claims' tolerances; pf_claim_solve_311 uses it). */
double pf_claim_solve(pf_claim_ws *ws, mpfr_ptr x, mpfr_ptr a, size_t n, double form_units,
                      mpfr_srcptr ainv);

/* pf_claim_factor: the LU factors of a (in place, pivots in piv, n <= 256) and the same kc
 * as pf_claim_solve for every later gn_mp_la_lu_solve with these factors.
 * No equation: the factor-once form of pf_claim_solve (same kc bound). */
double pf_claim_factor(pf_claim_ws *ws, mpfr_ptr a, size_t *piv, size_t n, double form_units,
                       mpfr_srcptr ainv);

/* pf_claim_solve_311: the damped system MATH.md (3.11) ((lpp + mu) j j^T + lambda I) d = -lp j
 * formed and solved in MPFR (never the closed form (3.12)). Returns kc as pf_claim_solve:
 * forming a j_i j_k + lambda delta_ik costs 3 roundings on non-negative parts (entrywise
 * |dM| <= 3u |M|, and || |M| ||_inf = ||M||_inf because the diagonal is positive) and
 * -lp j_i one, so form_units = 4; ||M^-1||_inf <= sqrt(n) ||M^-1||_2 <= sqrt(n) / lambda
 * because M - lambda I is positive semidefinite. a = lpp + mu is passed explicitly so
 * that mutants can pass a wrong one. */
double pf_claim_solve_311(pf_claim_ws *ws, mpfr_ptr d, mpfr_srcptr j, size_t n,
                          mpfr_srcptr lp, mpfr_srcptr a, mpfr_srcptr lambda);

/* pf_claim_solve_a1: d = -(G + N N^T)^-1 g, Prop A.1's system MATH.md (A.2)-(A.3) (§2) with G = l'' j j^T,
 * g = l' j and N the Householder basis of j-perp (gn_mp_la_householder_perp), all formed and
 * solved in MPFR at a precision raised by the conditioning (never through (3.9)). For
 * n = 1 the system is l'' j^2 d = -l' j. Returns kc (units of 2^-p, relative to ||d||_inf),
 * +inf when l'' j = 0. */
double pf_claim_solve_a1(pf_claim_ws *ws, mpfr_ptr d, mpfr_srcptr j, size_t n, mpfr_srcptr lp,
                         mpfr_srcptr lpp);

/* pf_claim_solve_311_at: MATH.md (3.11) as pf_claim_solve_311 with the target precision p
 * given (d must have it; kc in
 * units of 2^-p), for claims that need the solution beyond the working precision. */
double pf_claim_solve_311_at(pf_claim_ws *ws, mpfr_ptr d, mpfr_srcptr j, size_t n,
                             mpfr_srcptr lp, mpfr_srcptr a, mpfr_srcptr lambda, mpfr_prec_t p);

/* pf_claim_desc: printf-append to ws->desc (the worst instance's inputs in the report),
 * truncating at its size.
 * No equation: the report's instance description. */
void pf_claim_desc(pf_claim_ws *ws, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* pf_claim_bce_def: BCE from its definition MATH.md (4.9) at precision raised by |f|/log 2 + 64 bits so that 1 - p
 * keeps its relative accuracy: p = 1/(1 + exp(-f)), l = -y log p - (1-y) log(1-p),
 * written into l (rounded to its own precision). p_out (nullable) gets p. */
void pf_claim_bce_def(pf_claim_ws *ws, mpfr_ptr l, mpfr_ptr p_out, mpfr_srcptr f,
                      mpfr_srcptr y);

/* every claim object, for the registry */
#include "claims_list.h"

#endif
