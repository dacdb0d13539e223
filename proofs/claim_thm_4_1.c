/* claim_thm_4_1.c: Theorem 4.1 (MATH.md (4.16)-(4.19)) is not an identity, so this entry is an
 * ILLUSTRATION, not a proof, and its verdict reads "illustrated".
 *
 * Setting where the theorem's assumptions hold: least squares on m = 6 well-spread samples in
 * R^n (n = 2 or 3) that a w* interpolates (y_i = x_i^T w*), so every sample gradient vanishes at w* and
 * the strong growth condition B.2 holds; |x_i| is bounded and l'' = 1 (B.1); lambda = 0.1,
 * mu = 0 (Assumption 4.1); Robbins-Monro steps alpha_t = (t + 1)^-0.6 (4.16: sum alpha = inf,
 * sum alpha^2 < inf). IGND w_(t+1) = w_t - alpha_t xi_i g_i, i uniform, run in MPFR for T = 5000
 * steps on R = 4 independent chains; E|grad F(w_t)|^2 is estimated by the mean over the
 * chains (a Monte Carlo estimate, not an exact expectation).
 * Reported: the alpha-weighted average A_T = sum_(t<T) alpha_t G_t / sum_(t<T) alpha_t of
 * G_t = mean |grad F(w_t)|^2 (4.18). Criterion of the illustration (ours): A_T <= A_1 / 10,
 * i.e. the weighted average has fallen by at least a factor 10 (extra = A_T / A_1).
 * Mutants: summable steps alpha_t = (t+1)^-2 (violating (4.16)): the weighted average stays
 * of the order of the first terms; and ascent (the sign flipped). Both must miss the
 * criterion. */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN
#define M 6
#define NMX 3
#define T 5000
#define CH 4

static int eval(pf_claim_ws *ws)
{
    size_t n = ws->adversarial ? 2 : pf_claim_range(ws, 2, NMX);
    double x[M][NMX], ws_[NMX];
    for (size_t k = 0; k < n; k++)
        ws_[k] = pf_claim_normal(ws);
    /* well-spread inputs: x_i = e_(i mod n) + 0.3 N(0, I), so (1/m) sum x_i x_i^T is well
     * conditioned and the illustration is not dominated by one slow direction */
    for (size_t i = 0; i < M; i++)
        for (size_t k = 0; k < n; k++)
            x[i][k] = (k == i % n ? 1.0 : 0.0) + 0.3 * pf_claim_normal(ws);
    mpfr_ptr v = pf_claim_get(ws, M * n + M + 3 * n + 12);
    mpfr_ptr X = v, Y = X + M * n, w = Y + M, gF = w + n, w0 = gF + n, s = w0 + n;
    mpfr_ptr t = s, r = s + 1, xi = s + 2, lam = s + 3, al = s + 4, G = s + 5, num = s + 6,
             den = s + 7, A1 = s + 8, t2 = s + 9, gsum = s + 10;
    for (size_t i = 0; i < M; i++) {
        for (size_t k = 0; k < n; k++)
            mpfr_set_d(X + i * n + k, x[i][k], R);
        mpfr_set_zero(Y + i, 1);
        for (size_t k = 0; k < n; k++)
            mpfr_fma(Y + i, X + i * n + k, (mpfr_set_d(t, ws_[k], R), t), Y + i, R);
    }
    for (size_t k = 0; k < n; k++)
        mpfr_set_d(w0 + k, ws_[k] + 2.0 * pf_claim_normal(ws), R);
    pf_claim_desc(ws, "n=%zu w*=[%a,%a] T=%d chains=%d", n, ws_[0], ws_[1], T, CH);
    mpfr_set_d(lam, 0.1, R);
    mpfr_ptr Gt = pf_claim_get(ws, T);
    for (int c = 0; c < T; c++)
        mpfr_set_zero(Gt + c, 1);
    for (int ch = 0; ch < CH; ch++) {
        for (size_t k = 0; k < n; k++)
            mpfr_set(w + k, w0 + k, R);
        for (int tt = 0; tt < T; tt++) {
            /* |grad F(w_t)|^2, grad F = (1/m) sum (x_i^T w - y_i) x_i */
            for (size_t k = 0; k < n; k++)
                mpfr_set_zero(gF + k, 1);
            for (size_t i = 0; i < M; i++) {
                gn_mp_la_dot(r, X + i * n, w, n, t);
                mpfr_sub(r, r, Y + i, R);
                for (size_t k = 0; k < n; k++)
                    mpfr_fma(gF + k, r, X + i * n + k, gF + k, R);
            }
            gn_mp_la_nrm2sq(gsum, gF, n, t);
            mpfr_div_ui(gsum, gsum, M * M, R);
            mpfr_add(Gt + tt, Gt + tt, gsum, R);
            /* one IGND step on sample i */
            size_t i = pf_claim_range(ws, 0, M - 1);
            gn_mp_la_dot(r, X + i * n, w, n, t);
            mpfr_sub(r, r, Y + i, R); /* l' */
            gn_mp_la_nrm2sq(xi, X + i * n, n, t);
            mpfr_add(xi, xi, lam, R); /* 1/xi, l'' = 1, mu = 0 */
            double a = ws->mutant == 1 ? pow(tt + 1.0, -2.0) : pow(tt + 1.0, -0.6);
            mpfr_set_d(al, a, R);
            mpfr_div(t2, al, xi, R);
            mpfr_mul(t2, t2, r, R);
            for (size_t k = 0; k < n; k++) {
                mpfr_mul(t, t2, X + i * n + k, R);
                if (ws->mutant == 2)
                    mpfr_add(w + k, w + k, t, R);
                else
                    mpfr_sub(w + k, w + k, t, R);
            }
        }
    }
    /* alpha-weighted averages */
    mpfr_set_zero(num, 1);
    mpfr_set_zero(den, 1);
    for (int tt = 0; tt < T; tt++) {
        mpfr_div_ui(G, Gt + tt, CH, R);
        double a = ws->mutant == 1 ? pow(tt + 1.0, -2.0) : pow(tt + 1.0, -0.6);
        mpfr_set_d(al, a, R);
        mpfr_fma(num, al, G, num, R);
        mpfr_add(den, den, al, R);
        if (tt == 0)
            mpfr_div(A1, num, den, R);
    }
    mpfr_div(num, num, den, R);
    ws->extra = mpfr_get_d(num, R) / mpfr_get_d(A1, R); /* the fraction left (worst = max) */
    mpfr_div_ui(t, A1, 10, R);
    /* criterion of the illustration: A_T <= A_1/10 (a large margin, no rounding issue; kc 8) */
    pf_claim_le(ws, "alpha-weighted mean of |grad F|^2 fell by 10x (illustration)", num, t, A1,
                8.0);
    return 0;
}

const pf_claim pf_claim_thm_4_1 = {
    .id = "thm-4.1",
    .statement = "Theorem 4.1 (ILLUSTRATION, not a proof): IGND with alpha_t = (t+1)^-0.6 under "
                 "B.1, B.2: the alpha-weighted mean of |grad F|^2 falls toward 0 (4.18)",
    .lhs = "A_T = sum alpha_t G_t / sum alpha_t over T = 5000 steps, 4 chains, in MPFR",
    .rhs = "A_1 / 10 (the illustration's criterion)",
    .uses = "lemma-b1 prop-b3 remark-b1 (4.16) (4.18)",
    .mutants = {"summable steps alpha_t = (t+1)^-2 (violates (4.16))",
                "ascent: the update's sign flipped", NULL},
    .nadv = 2,
    .max_random = 10,
    .illustration = 1,
    .eval = eval,
};
