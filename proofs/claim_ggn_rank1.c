/* claim_ggn_rank1.c: the rank-one facts of MATH.md §1 about (3.7) G = l'' j j^T:
 * G v = 0 for every v orthogonal to j, and rank G = 1 iff l'' > 0 and j != 0, whatever l'
 * is (the adversarial set has l' = 0 with l'' > 0: g = 0 while G has rank one).
 *
 * lhs: G formed entrywise in MPFR, applied to v = z - (j^T z / |j|^2) j (z random), and its
 *      rank by Gaussian elimination with complete pivoting;
 * rhs: 0, and the predicted rank [l'' > 0 and j != 0].
 * Tolerances (units of u). G v: v_i carries <= (n + 4) u (|z_i| + |c j_i|) (c = j^T z/|j|^2:
 * n + 2 roundings, then c j_i and the subtraction), so j^T v_hat is off by <= (n + 4) u s,
 * s = sum_i |j_i| (|z_i| + |c j_i|), plus the dot's gamma_n s; each (G v)_i = sum_k G_ik v_k
 * with G_ik 2 roundings adds (n + 2) u l'' |j_i| s. Residual max_i |(G v)_i| / (l'' |j|_inf s),
 * kc = 1.01 (3n + 8). Rank: a pivot counts as zero when |pivot| <= 8 n u max|G|: the exact
 * Schur complement after the first step is 0 and its computed entries are bounded by
 * 4 u max|G| (two roundings in forming G, two in the update), while a nonzero rank-one
 * G has first pivot max|G| > 8 n u max|G|. */
#include "claims_common.h"

#include <math.h>

#define R MPFR_RNDN

/* numerical rank of the n x n matrix a (destroyed) with threshold thr * max|a| */
static int rank_cp(mpfr_ptr a, size_t n, double thr, mpfr_ptr t)
{
    mpfr_ptr mx = t, piv = t + 1, tmp = t + 2;
    mpfr_set_zero(mx, 1);
    for (size_t i = 0; i < n * n; i++)
        if (mpfr_cmpabs(a + i, mx) > 0)
            mpfr_abs(mx, a + i, R);
    mpfr_mul_d(mx, mx, thr, R);
    int rank = 0;
    size_t rows[PF_CLAIM_R1_NMAX], cols[PF_CLAIM_R1_NMAX];
    for (size_t i = 0; i < n; i++)
        rows[i] = cols[i] = i;
    for (size_t k = 0; k < n; k++) {
        size_t bi = k, bk = k;
        for (size_t i = k; i < n; i++)
            for (size_t c = k; c < n; c++)
                if (mpfr_cmpabs(a + rows[i] * n + cols[c], a + rows[bi] * n + cols[bk]) > 0)
                    bi = i, bk = c;
        size_t s = rows[k];
        rows[k] = rows[bi], rows[bi] = s;
        s = cols[k];
        cols[k] = cols[bk], cols[bk] = s;
        mpfr_set(piv, a + rows[k] * n + cols[k], R);
        if (mpfr_cmpabs(piv, mx) <= 0)
            break;
        rank++;
        for (size_t i = k + 1; i < n; i++) {
            mpfr_div(tmp, a + rows[i] * n + cols[k], piv, R);
            for (size_t c = k; c < n; c++) {
                mpfr_ptr e = a + rows[i] * n + cols[c];
                mpfr_ptr t3 = tmp + 1;
                mpfr_mul(t3, tmp, a + rows[k] * n + cols[c], R);
                mpfr_sub(e, e, t3, R);
            }
        }
    }
    return rank;
}

static int eval(pf_claim_ws *ws)
{
    pf_claim_r1 x;
    pf_claim_r1mp m;
    pf_claim_r1_draw(ws, &x, PF_CLAIM_R1_NMAX);
    pf_claim_r1_mp(ws, &m, &x);
    size_t n = x.n;
    mpfr_ptr g = pf_claim_get(ws, n * n + 3 * n + 8);
    mpfr_ptr v = g + n * n, gv = v + n, z = gv + n, s = z + n;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n; k++) {
            mpfr_mul(g + i * n + k, m.j + i, m.j + k, R);
            mpfr_mul(g + i * n + k, g + i * n + k, m.lpp, R);
        }
    /* v = z - (j^T z / |j|^2) j; mutant 1 divides by |j| instead of |j|^2 */
    if (!mpfr_zero_p(m.jj)) {
        for (size_t i = 0; i < n; i++)
            mpfr_set_d(z + i, pf_claim_normal(ws), R);
        gn_mp_la_dot(s, m.j, z, n, s + 1);
        if (ws->mutant == 1) {
            mpfr_sqrt(s + 1, m.jj, R);
            mpfr_div(s, s, s + 1, R);
        } else
            mpfr_div(s, s, m.jj, R);
        mpfr_set_zero(s + 2, 1); /* sc = sum |j_i| (|z_i| + |c j_i|) */
        for (size_t i = 0; i < n; i++) {
            mpfr_mul(s + 1, s, m.j + i, R);
            mpfr_sub(v + i, z + i, s + 1, R);
            mpfr_abs(s + 1, s + 1, R);
            mpfr_abs(s + 3, z + i, R);
            mpfr_add(s + 1, s + 1, s + 3, R);
            mpfr_mul(s + 1, m.j + i, s + 1, R);
            mpfr_abs(s + 1, s + 1, R);
            mpfr_add(s + 2, s + 2, s + 1, R);
        }
        gn_mp_la_matvec(gv, g, v, n, n, s + 1);
        /* scale l'' |j|_inf sc */
        mpfr_set_zero(s + 3, 1);
        for (size_t i = 0; i < n; i++)
            if (mpfr_cmpabs(m.j + i, s + 3) > 0)
                mpfr_abs(s + 3, m.j + i, R);
        mpfr_mul(s + 3, s + 3, s + 2, R);
        mpfr_mul(s + 3, s + 3, m.lpp, R);
        for (size_t i = 0; i < n; i++)
            mpfr_set_zero(z + i, 1);
        if (!mpfr_zero_p(s + 3))
            pf_claim_vcmp(ws, "G v = 0 for v orthogonal to j", gv, z, n, s + 3,
                          1.01 * (3.0 * (double)n + 8.0));
    }
    /* rank: predicted [l'' > 0 and j != 0]; mutant 2 predicts [l' != 0 and j != 0] */
    int r = rank_cp(g, n, 8.0 * (double)n * pf_claim_u(ws), s);
    int jnz = !mpfr_zero_p(m.jj);
    int pred = ws->mutant == 2 ? (x.lp != 0.0 && jnz) : (x.lpp > 0.0 && jnz);
    pf_claim_true(ws, "rank G = 1 iff l'' > 0 and j != 0", r == pred);
    return 0;
}

const pf_claim pf_claim_ggn_rank1 = {
    .id = "ggn-rank1",
    .statement = "(3.7) G = l'' j j^T: G v = 0 for v orthogonal to j; rank G = 1 iff l'' > 0 and "
                 "j != 0, whatever l' (g = 0 possible)",
    .lhs = "G v and the numerical rank of G (complete pivoting) in MPFR",
    .rhs = "0 and [l'' > 0 and j != 0]",
    .uses = "(3.5) (3.7)",
    .mutants = {"projection onto j-perp with |j| in place of |j|^2",
                "rank G = 1 iff l' != 0 (confusing g = 0 with G = 0)", NULL},
    .nadv = PF_CLAIM_R1_NADV,
    .eval = eval,
};
