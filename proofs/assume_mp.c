/* assume_mp.c: the measurements of pf_assume_eval recomputed in MPFR from the definitions
 * (exact finite sums over the rows, MATH.md §8), and the error bound they are held to.
 *
 * Error analysis (the bound[] of pf_assume_mpcheck).
 * Notation: u = 2^-53, gamma_k = k u / (1 - k u). For a double quantity q computed by an
 * expression tree, define its envelope E(q) >= |q| by: E(input) = |input|; E(a + b) =
 * E(a) + E(b); E(a b) = E(a) E(b); for a smooth function phi, E(phi(a)) = |phi(a)| +
 * sup|phi'| E(a); for a reciprocal of D > 0, E(1/D) = E(D) / D^2. The standard first-order
 * argument (Higham, Accuracy and Stability, ch. 3: gamma_p + gamma_q + gamma_p gamma_q <=
 * gamma_(p+q)) gives |q_hat - q| <= gamma_K E(q), where K is the rounding depth: along a
 * product the depths add, along a sum the larger depth plus the sum's own depth counts
 * (n terms summed in order: depth n; gn_dot of length d: gn_sum_bound_k(d)).
 * Libm's exp, log1p and tanh are within 2 ulp (glibc's documented maxima), counted as 4.
 * Depths used here:
 *   K_f   output f: linear k(m)+1; quad k(d)+2; MLP L (k(W) + 6), W the largest width.
 *   K_j   j: linear 0 (j = x); quad 1; MLP L (W + k(W) + 12) (forward, the backward sum
 *         over at most W terms in order, act' and the product delta h).
 *   K_row = 2 K_xi + 2 K_l' + K_jj + 6 with K_l' = K_f + 6, K_l'' = K_f + 8,
 *           K_jj = 2 K_j + k(d) + 2, K_xi = K_l'' + K_jj + 3: bounds every per-row term
 *           (l, l' j_k, xi l' j_k, l'^2 |j|^2, xi^2 l'^2 |j|^2).
 *   K     = 2 (K_row + n + 2) + k(d) + 4: the sums over n rows, the scaling by fl(1/n), the
 *           dot products grad F . grad F and grad F . E[xi g] of length d, one division.
 * The same argument with u_mp = 2^-prec bounds the MPFR side, so
 *   |q_double - q_mp| <= (gamma_K + gamma_K^mp) E(q) (1 + gamma_K),
 * the last factor covering the envelope's own evaluation in double. The envelopes of the
 * ratios: E(c) = E(N)/G + |c| E(G)/G, E(rho) = E(g2)/G + rho E(G)/G (first order in the
 * perturbation of G = |grad F|^2 > 0, N = grad F . E[xi g]).
 * MLP envelopes: E(a_l) = |W_l| E(h_(l-1)) + |b_l|, E(h_l) = A1 E(a_l), E(delta_L) = 1,
 * E(delta_(l-1)) = (|W_l|^T E(delta_l)) (A1 + C2 E(a_(l-1))), E(j) = E(delta) E(h), with
 * A1 >= sup|act'| and C2 >= sup|act''| (relu 1, 0; tanh 1, 0.77; silu 1.1, 0.5).
 * For ReLU the bound assumes no pre-activation lies within its envelope of 0 (where act'
 * jumps); the shipped examples use tanh. */
#include "pf_assume.h"
#include "gn_mp.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

static const mpfr_rnd_t RN = MPFR_RNDN;

const char *pf_assume_q_name(int q)
{
    static const char *names[PF_ASSUME_NQ] = {"F", "grad2", "c", "xig2", "g2", "rho"};
    return (q >= 0 && q < PF_ASSUME_NQ) ? names[q] : "unknown";
}

typedef struct {
    size_t d, units, all;
    mpfr_t *j, *a, *h, *dl;   /* d; units; all; units */
    double *Ej, *Ea, *Eh, *Edl;
    mpfr_t t, u, v;
} mpwork;

static mpfr_t *mp_vec(size_t n, unsigned prec)
{
    mpfr_t *v = malloc((n ? n : 1) * sizeof(mpfr_t));
    if (v)
        for (size_t k = 0; k < n; k++)
            mpfr_init2(v[k], prec);
    return v;
}

static void mp_vec_free(mpfr_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t k = 0; k < n; k++)
        mpfr_clear(v[k]);
    free(v);
}

/* f (MPFR), j (MPFR, d) and their envelopes for row i */
static gn_status mp_row(mpfr_t f, double *Ef, mpwork *ws, const pf_assume_problem *pb,
                        const double *w, size_t i)
{
    const double *x = pb->X + i * pb->m;
    size_t d = pb->d;
    if (pb->model != PF_ASSUME_MLP) {
        if (pb->model == PF_ASSUME_LINEAR) {
            for (size_t k = 0; k < d; k++) {
                mpfr_set_d(ws->j[k], x[k], RN);
                ws->Ej[k] = fabs(x[k]);
            }
        } else {
            size_t q = 0;
            for (size_t a = 0; a < pb->m; a++)
                for (size_t b = a; b < pb->m; b++) {
                    mpfr_set_d(ws->j[q], x[a], RN);
                    mpfr_mul_d(ws->j[q], ws->j[q], x[b], RN);
                    ws->Ej[q++] = fabs(x[a] * x[b]);
                }
            mpfr_set_ui(ws->j[q], 1, RN);
            ws->Ej[q] = 1.0;
        }
        mpfr_set_ui(f, 0, RN);
        double e = 0;
        for (size_t k = 0; k < d; k++) {
            mpfr_mul_d(ws->t, ws->j[k], w[k], RN);
            mpfr_add(f, f, ws->t, RN);
            e += fabs(w[k]) * ws->Ej[k];
        }
        *Ef = e;
        return GN_OK;
    }
    const gn_mlp *M = pb->mlp;
    size_t L = M->nlayers;
    double A1, C2;
    gn_act_bounds(M->act, &A1, &C2);
    /* h holds h_0 = x then each layer's activations; dh (in dl's slots) act'(a) */
    for (size_t k = 0; k < pb->m; k++) {
        mpfr_set_d(ws->h[k], x[k], RN);
        ws->Eh[k] = fabs(x[k]);
    }
    size_t hoff = 0, aoff = 0;
    for (size_t l = 1; l <= L; l++) {
        size_t in = M->widths[l - 1], out = M->widths[l];
        const double *W = w + M->offset[l - 1], *b = W + in * out;
        for (size_t o = 0; o < out; o++) {
            mpfr_set_d(ws->a[aoff + o], b[o], RN);
            double e = fabs(b[o]);
            for (size_t q = 0; q < in; q++) {
                mpfr_mul_d(ws->t, ws->h[hoff + q], W[o * in + q], RN);
                mpfr_add(ws->a[aoff + o], ws->a[aoff + o], ws->t, RN);
                e += fabs(W[o * in + q]) * ws->Eh[hoff + q];
            }
            ws->Ea[aoff + o] = e;
            if (l == L) {
                mpfr_set(ws->h[hoff + in + o], ws->a[aoff + o], RN);
                mpfr_set_ui(ws->dl[aoff + o], 1, RN);
                ws->Eh[hoff + in + o] = e;
            } else {
                gn_mp_act_eval(ws->h[hoff + in + o], M->act, ws->a[aoff + o], ws->dl[aoff + o],
                               ws->t);
                ws->Eh[hoff + in + o] = A1 * e;
            }
        }
        hoff += in;
        aoff += out;
    }
    mpfr_set(f, ws->h[hoff], RN);
    *Ef = ws->Eh[hoff];
    /* backward: dl holds act'(a) on entry and delta on exit, layer by layer from the top */
    size_t dl_off = aoff - 1, h_in = hoff - M->widths[L - 1];
    mpfr_set_ui(ws->dl[dl_off], 1, RN);
    ws->Edl[dl_off] = 1.0;
    for (size_t l = L; l >= 1; l--) {
        size_t in = M->widths[l - 1], out = M->widths[l];
        const double *W = w + M->offset[l - 1];
        size_t jo = M->offset[l - 1];
        for (size_t o = 0; o < out; o++) {
            for (size_t q = 0; q < in; q++) {
                mpfr_mul(ws->j[jo + o * in + q], ws->dl[dl_off + o], ws->h[h_in + q], RN);
                ws->Ej[jo + o * in + q] = ws->Edl[dl_off + o] * ws->Eh[h_in + q];
            }
            mpfr_set(ws->j[jo + in * out + o], ws->dl[dl_off + o], RN);
            ws->Ej[jo + in * out + o] = ws->Edl[dl_off + o];
        }
        if (l > 1) {
            size_t prev = dl_off - in;
            for (size_t q = 0; q < in; q++) {
                mpfr_set_ui(ws->u, 0, RN);
                double e = 0;
                for (size_t o = 0; o < out; o++) {
                    mpfr_mul_d(ws->t, ws->dl[dl_off + o], W[o * in + q], RN);
                    mpfr_add(ws->u, ws->u, ws->t, RN);
                    e += fabs(W[o * in + q]) * ws->Edl[dl_off + o];
                }
                mpfr_mul(ws->dl[prev + q], ws->dl[prev + q], ws->u, RN); /* act'(a) * s */
                ws->Edl[prev + q] = e * (A1 + C2 * ws->Ea[prev + q]);
            }
            dl_off = prev;
            h_in -= M->widths[l - 2];
        }
    }
    return GN_OK;
}

/* l, l', l'' in MPFR and the envelopes of l, l', l'' given E(f) */
static void mp_loss(mpfr_t l, mpfr_t lp, mpfr_t lpp, double *El, double *Elp, double *Elpp,
                    const mpfr_t f, double Ef, double y, gn_loss_kind k, mpfr_t t)
{
    if (k == GN_LOSS_SQUARED) {
        mpfr_sub_d(lp, f, y, RN);
        mpfr_sqr(l, lp, RN);
        mpfr_div_2ui(l, l, 1, RN);
        mpfr_set_ui(lpp, 1, RN);
        *Elp = Ef + fabs(y);
        *El = 0.5 * *Elp * *Elp;
        *Elpp = 1.0;
        return;
    }
    /* sigma = 1/(1+e^-f); l = log1p(e^f) - y f; l' = sigma - y; l'' = sigma (1 - sigma) */
    double fd = mpfr_get_d(f, RN);
    mpfr_neg(t, f, RN);
    mpfr_exp(t, t, RN);
    mpfr_add_ui(t, t, 1, RN);
    mpfr_ui_div(t, 1, t, RN); /* sigma */
    mpfr_sub_d(lp, t, y, RN);
    mpfr_ui_sub(lpp, 1, t, RN);
    mpfr_mul(lpp, lpp, t, RN);
    double sig = mpfr_get_d(t, RN), lppd = mpfr_get_d(lpp, RN);
    mpfr_exp(t, f, RN);
    mpfr_log1p(l, t, RN);
    mpfr_mul_d(t, f, y, RN);
    mpfr_sub(l, l, t, RN);
    *Elp = sig + fabs(y) + lppd * Ef;
    *Elpp = lppd + lppd * Ef; /* |d l''/df| = l'' |1 - 2 sigma| <= l'' */
    *El = fmax(fd, 0.0) + fabs(y * fd) + log1p(exp(-fabs(fd))) + Ef;
}

static long depth(const pf_assume_problem *pb)
{
    long kd = gn_sum_bound_k(pb->d), Kf, Kj;
    if (pb->model == PF_ASSUME_LINEAR) {
        Kf = gn_sum_bound_k(pb->m) + 1;
        Kj = 0;
    } else if (pb->model == PF_ASSUME_QUAD) {
        Kf = kd + 2;
        Kj = 1;
    } else {
        size_t W = 0;
        for (size_t l = 0; l <= pb->mlp->nlayers; l++)
            if (pb->mlp->widths[l] > W)
                W = pb->mlp->widths[l];
        long L = (long)pb->mlp->nlayers, kw = gn_sum_bound_k(W);
        Kf = L * (kw + 6);
        Kj = L * ((long)W + kw + 12);
    }
    long Klp = Kf + 6, Klpp = Kf + 8, Kjj = 2 * Kj + kd + 2, Kxi = Klpp + Kjj + 3;
    long Krow = 2 * Kxi + 2 * Klp + Kjj + 6;
    return 2 * (Krow + (long)pb->n + 2) + kd + 4;
}

static double gam(long K, double u) { return (double)K * u / (1.0 - (double)K * u); }

/* the sums over rows of F, grad F, E[xi g], |g|^2, |xi g|^2 in MPFR with their envelopes,
 * and the per-row temporaries */
typedef struct {
    mpfr_t *G, *XG;
    double *EG, *EXG;
    mpfr_t f, l, lp, lpp, jj, xi, sF, sg2, sxig2, a, b;
    double EF, Eg2, Exig2;
} mpsums;

/* every row: f, j (mp_row), the loss, |j|^2 and xi (3.13), accumulated into A */
static gn_status acc_rows(mpsums *A, mpwork *ws, const pf_assume_problem *pb, const double *w)
{
    size_t d = pb->d, n = pb->n;
    mpfr_t *G = A->G, *XG = A->XG;
    double *EG = A->EG, *EXG = A->EXG;
    mpfr_ptr f = A->f, l = A->l, lp = A->lp, lpp = A->lpp, jj = A->jj, xi = A->xi;
    mpfr_ptr sF = A->sF, sg2 = A->sg2, sxig2 = A->sxig2, a = A->a, b = A->b;
    double EF = 0, Eg2 = 0, Exig2 = 0;
    gn_status st = GN_OK;
    for (size_t i = 0; st == GN_OK && i < n; i++) {
        double Ef, El, Elp, Elpp;
        if ((st = mp_row(f, &Ef, ws, pb, w, i)) != GN_OK)
            break;
        mp_loss(l, lp, lpp, &El, &Elp, &Elpp, f, Ef, pb->y[i], pb->loss, ws->t);
        /* |j|^2 and xi = 1/((l''+mu)|j|^2 + lambda), (3.13) */
        mpfr_set_ui(jj, 0, RN);
        double Ejj = 0;
        for (size_t k = 0; k < d; k++) {
            mpfr_sqr(ws->t, ws->j[k], RN);
            mpfr_add(jj, jj, ws->t, RN);
            Ejj += ws->Ej[k] * ws->Ej[k];
        }
        mpfr_add_d(xi, lpp, pb->dmp.mu, RN);
        mpfr_mul(xi, xi, jj, RN);
        mpfr_add_d(xi, xi, pb->dmp.lambda, RN);
        double D = mpfr_get_d(xi, RN);
        mpfr_ui_div(xi, 1, xi, RN);
        double ED = (Elpp + pb->dmp.mu) * Ejj + pb->dmp.lambda, Exi = ED / (D * D);
        mpfr_add(sF, sF, l, RN);
        EF += El;
        /* a = l', b = xi l' */
        mpfr_mul(b, xi, lp, RN);
        for (size_t k = 0; k < d; k++) {
            mpfr_mul(ws->t, lp, ws->j[k], RN);
            mpfr_add(G[k], G[k], ws->t, RN);
            mpfr_mul(ws->t, b, ws->j[k], RN);
            mpfr_add(XG[k], XG[k], ws->t, RN);
            EG[k] += Elp * ws->Ej[k];
            EXG[k] += Exi * Elp * ws->Ej[k];
        }
        mpfr_sqr(a, lp, RN);
        mpfr_mul(a, a, jj, RN); /* l'^2 |j|^2 */
        mpfr_add(sg2, sg2, a, RN);
        mpfr_mul(a, a, xi, RN);
        mpfr_mul(a, a, xi, RN);
        mpfr_add(sxig2, sxig2, a, RN);
        Eg2 += Elp * Elp * Ejj;
        Exig2 += Exi * Exi * Elp * Elp * Ejj;
    }
    A->EF = EF;
    A->Eg2 = Eg2;
    A->Exig2 = Exig2;
    return st;
}

/* the verdict per quantity: |dbl - mp| / |mp| <= g env / |mp| with g from the depth K */
static void judge(pf_assume_mpcheck *rp, const double *env, const pf_assume_problem *pb,
                  unsigned prec)
{
    pf_assume_mpcheck r = *rp;
    r.K = depth(pb);
    double g = (gam(r.K, 0x1p-53) + gam(r.K, ldexp(1.0, -(int)prec))) *
               (1.0 + gam(r.K, 0x1p-53));
    r.pass = 1;
    for (int q = 0; q < PF_ASSUME_NQ; q++) {
        double mpv = r.mp[q], dv = r.dbl[q];
        r.undef[q] = isnan(mpv) && isnan(dv);
        if (r.undef[q]) { /* undefined on both sides (grad F = 0): nothing to compare */
            r.rel[q] = NAN;
            r.bound[q] = NAN;
            continue;
        }
        r.rel[q] = mpv != 0 ? fabs(dv - mpv) / fabs(mpv) : (dv == 0 ? 0 : INFINITY);
        r.bound[q] = mpv != 0 ? g * env[q] / fabs(mpv) : (env[q] == 0 ? 0 : INFINITY);
        if (!(r.rel[q] <= r.bound[q]))
            r.pass = 0;
    }
    *rp = r;
}

/* grad F, E[xi g] and the six quantities from the sums; their envelopes; the verdict */
static void finish(pf_assume_mpcheck *out, mpsums *A, mpwork *ws, const pf_assume_point *pt,
                   const pf_assume_problem *pb, unsigned prec)
{
    size_t d = pb->d, n = pb->n;
    mpfr_t *G = A->G, *XG = A->XG;
    double *EG = A->EG, *EXG = A->EXG;
    mpfr_ptr sF = A->sF, sg2 = A->sg2, sxig2 = A->sxig2;
    double EF = A->EF, Eg2 = A->Eg2, Exig2 = A->Exig2;
    double inv = 1.0 / (double)n;
    /* grad F and E[xi g]: divide the sums by n; G2 = |grad F|^2, N = grad F . E[xi g] */
    mpfr_t G2, N;
    mpfr_inits2(prec, G2, N, (mpfr_ptr)0);
    mpfr_set_ui(G2, 0, RN);
    mpfr_set_ui(N, 0, RN);
    double EG2 = 0, EN = 0;
    for (size_t k = 0; k < d; k++) {
        mpfr_div_ui(G[k], G[k], (unsigned long)n, RN);
        mpfr_div_ui(XG[k], XG[k], (unsigned long)n, RN);
        mpfr_sqr(ws->t, G[k], RN);
        mpfr_add(G2, G2, ws->t, RN);
        mpfr_mul(ws->t, G[k], XG[k], RN);
        mpfr_add(N, N, ws->t, RN);
        EG2 += (EG[k] * inv) * (EG[k] * inv);
        EN += (EG[k] * inv) * (EXG[k] * inv);
    }
    mpfr_div_ui(sF, sF, (unsigned long)n, RN);
    mpfr_div_ui(sg2, sg2, (unsigned long)n, RN);
    mpfr_div_ui(sxig2, sxig2, (unsigned long)n, RN);
    pf_assume_mpcheck r;
    r.mp[PF_ASSUME_Q_F] = mpfr_get_d(sF, RN);
    r.mp[PF_ASSUME_Q_GRAD2] = mpfr_get_d(G2, RN);
    r.mp[PF_ASSUME_Q_XIG2] = mpfr_get_d(sxig2, RN);
    r.mp[PF_ASSUME_Q_G2] = mpfr_get_d(sg2, RN);
    double Gd = r.mp[PF_ASSUME_Q_GRAD2];
    if (mpfr_sgn(G2) > 0) {
        mpfr_div(ws->t, N, G2, RN);
        r.mp[PF_ASSUME_Q_C] = mpfr_get_d(ws->t, RN);
        mpfr_div(ws->t, sg2, G2, RN);
        r.mp[PF_ASSUME_Q_RHO] = mpfr_get_d(ws->t, RN);
    } else {
        r.mp[PF_ASSUME_Q_C] = NAN;
        r.mp[PF_ASSUME_Q_RHO] = NAN;
    }
    double env[PF_ASSUME_NQ];
    env[PF_ASSUME_Q_F] = EF * inv;
    env[PF_ASSUME_Q_GRAD2] = EG2;
    env[PF_ASSUME_Q_XIG2] = Exig2 * inv;
    env[PF_ASSUME_Q_G2] = Eg2 * inv;
    env[PF_ASSUME_Q_C] = EN / Gd + fabs(r.mp[PF_ASSUME_Q_C]) * EG2 / Gd;
    env[PF_ASSUME_Q_RHO] = env[PF_ASSUME_Q_G2] / Gd + fabs(r.mp[PF_ASSUME_Q_RHO]) * EG2 / Gd;
    r.dbl[PF_ASSUME_Q_F] = pt->F;
    r.dbl[PF_ASSUME_Q_GRAD2] = pt->grad2;
    r.dbl[PF_ASSUME_Q_C] = pt->c;
    r.dbl[PF_ASSUME_Q_XIG2] = pt->xig2;
    r.dbl[PF_ASSUME_Q_G2] = pt->g2;
    r.dbl[PF_ASSUME_Q_RHO] = pt->rho;
    judge(&r, env, pb, prec);
    *out = r;
    mpfr_clears(G2, N, (mpfr_ptr)0);
}

gn_status pf_assume_mp_check(pf_assume_mpcheck *out, const pf_assume_point *pt,
                             const pf_assume_problem *pb, const double *w, unsigned prec)
{
    if (prec < 64)
        return GN_EDOM;
    size_t d = pb->d;
    mpwork ws;
    memset(&ws, 0, sizeof ws);
    ws.d = d;
    if (pb->model == PF_ASSUME_MLP) {
        for (size_t l = 1; l <= pb->mlp->nlayers; l++)
            ws.units += pb->mlp->widths[l];
        ws.all = ws.units + pb->mlp->widths[0];
    }
    ws.j = mp_vec(d, prec);
    ws.a = mp_vec(ws.units, prec);
    ws.h = mp_vec(ws.all, prec);
    ws.dl = mp_vec(ws.units, prec);
    ws.Ej = malloc(d * sizeof(double));
    ws.Ea = malloc((ws.units + 1) * sizeof(double));
    ws.Eh = malloc((ws.all + 1) * sizeof(double));
    ws.Edl = malloc((ws.units + 1) * sizeof(double));
    mpsums A;
    mpfr_t *G = A.G = mp_vec(d, prec), *XG = A.XG = mp_vec(d, prec);
    double *EG = A.EG = calloc(2 * d, sizeof(double));
    A.EXG = EG ? EG + d : NULL;
    mpfr_inits2(prec, ws.t, ws.u, ws.v, (mpfr_ptr)0);
    mpfr_inits2(prec, A.f, A.l, A.lp, A.lpp, A.jj, A.xi, A.sF, A.sg2, A.sxig2, A.a, A.b,
                (mpfr_ptr)0);
    gn_status st = GN_OK;
    if (!ws.j || !ws.a || !ws.h || !ws.dl || !ws.Ej || !ws.Ea || !ws.Eh || !ws.Edl || !G ||
        !XG || !EG)
        st = GN_ENOMEM;
    if (st == GN_OK) {
        for (size_t k = 0; k < d; k++) {
            mpfr_set_ui(G[k], 0, RN);
            mpfr_set_ui(XG[k], 0, RN);
        }
        mpfr_set_ui(A.sF, 0, RN);
        mpfr_set_ui(A.sg2, 0, RN);
        mpfr_set_ui(A.sxig2, 0, RN);
    }
    if (st == GN_OK)
        st = acc_rows(&A, &ws, pb, w);
    if (st == GN_OK)
        finish(out, &A, &ws, pt, pb, prec);
    mpfr_clears(A.f, A.l, A.lp, A.lpp, A.jj, A.xi, A.sF, A.sg2, A.sxig2, A.a, A.b, ws.t, ws.u,
                ws.v, (mpfr_ptr)0);
    mp_vec_free(ws.j, d);
    mp_vec_free(ws.a, ws.units);
    mp_vec_free(ws.h, ws.all);
    mp_vec_free(ws.dl, ws.units);
    mp_vec_free(G, d);
    mp_vec_free(XG, d);
    free(ws.Ej);
    free(ws.Ea);
    free(ws.Eh);
    free(ws.Edl);
    free(EG);
    return st;
}
