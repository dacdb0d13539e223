/* claim_eq_3_5.c: (3.5)-(3.6), the sample gradient g = l' j and the exact sample Hessian
 * l'' j j^T + l' hess_w f, against central differences in MPFR.
 *
 * Model (ours, chosen to have a full-rank hess_w f): f_w(x) = tanh(w^T x) + 1/2 sum_i x_i w_i^2,
 * so j_i = (1 - t^2) x_i + x_i w_i and hess_w f = -2 t (1 - t^2) x x^T + diag(x), t = tanh(w^T x).
 * Losses: squared (y in [-1, 1]) and BCE from its definition (4.9) (y in [0, 1]).
 * Sampling: n <= 6, |x_i| <= 1, |w_i| <= 1.
 *
 * lhs: l' j and l'' j j^T + l' hess f from the formulas; rhs: (L(w + h e_i) - L(w - h e_i))/(2h)
 * for the gradient, and (g(w + h e_k) - g(w - h e_k))/(2h) for the Hessian's columns, where g
 * is the gradient the first check has just validated; h = 2^-he, he = floor(p/3).
 *
 * Tolerance (absolute, units of u = 2^-p). Derivatives of f in any coordinates are bounded
 * on the sample box by 3, 2, 2, 5 (orders 1-4: |tanh'| <= 1, |tanh''| <= 0.77,
 * |tanh'''| <= 2, |tanh''''| <= 4.1, |x_i| <= 1, |w_i + h| <= 1.01) and |f| <= 4.1, so
 * |f - y| <= 5.1. Squared loss: |L'''| <= 3*3*2 + 5.1*2 <= 29 and |L''''| <= 5.1*5 + 4*3*2
 * + 3*4 + ... <= 161; BCE (|l'| <= 1, l'' <= 1/4, |l'''| <= 0.1, |l''''| <= 0.125) gives less.
 * Truncation: central difference error h^2/6 max|third derivative|: <= 5 h^2 (gradient),
 * <= 27 h^2 (Hessian from the gradient), taken as 30 h^2.
 * Rounding: L(w) is evaluated with absolute error E <= 7 (n^2 + 2n + 6) u (f carries
 * (n + 1 + n(2n+1)/2 + 5) u, multiplied by |f - y| + 1 <= 6.1 in the loss), and the
 * difference quotient turns 2E into E/h; g carries <= 3 (n^2 + 2n + 16) u.
 * So kc_grad = 5 2^(p - 2he) + 7 (n^2+2n+6) 2^he and kc_hess = 30 2^(p - 2he)
 * + 3 (n^2+2n+16) 2^he: both O(u^(2/3)), the usual price of a difference quotient. */
#include "claims_common.h"

#include <math.h>

#define NM 6
#define R MPFR_RNDN

typedef struct {
    size_t n;
    int bce;
    double x[NM], w[NM], y;
} inst;

/* f, t = tanh(w^T x) at w */
static void model(pf_claim_ws *ws, mpfr_ptr f, mpfr_ptr t, const inst *z, mpfr_srcptr w)
{
    mpfr_ptr s = pf_claim_get(ws, 2);
    mpfr_set_zero(s, 1);
    for (size_t i = 0; i < z->n; i++) {
        mpfr_mul_d(s + 1, w + i, z->x[i], R);
        mpfr_add(s, s, s + 1, R);
    }
    mpfr_tanh(t, s, R);
    mpfr_set(f, t, R);
    for (size_t i = 0; i < z->n; i++) {
        mpfr_sqr(s + 1, w + i, R);
        mpfr_mul_d(s + 1, s + 1, 0.5 * z->x[i], R);
        mpfr_add(f, f, s + 1, R);
    }
}

/* loss value and derivatives at f */
static void loss(pf_claim_ws *ws, mpfr_ptr l, mpfr_ptr lp, mpfr_ptr lpp, const inst *z,
                 mpfr_srcptr f)
{
    mpfr_ptr y = pf_claim_get(ws, 2);
    mpfr_set_d(y, z->y, R);
    if (z->bce) {
        mpfr_ptr p = y + 1;
        pf_claim_bce_def(ws, l, p, f, y);
        if (lp)
            mpfr_sub(lp, p, y, R);
        if (lpp) {
            mpfr_ui_sub(lpp, 1, p, R);
            mpfr_mul(lpp, lpp, p, R);
        }
    } else {
        mpfr_sub(y + 1, f, y, R);
        if (lp)
            mpfr_set(lp, y + 1, R);
        if (lpp)
            mpfr_set_ui(lpp, 1, R);
        mpfr_sqr(l, y + 1, R);
        mpfr_div_2ui(l, l, 1, R);
    }
}

/* g = l' j at w; also j, l', l'', t */
static void grad(pf_claim_ws *ws, mpfr_ptr g, mpfr_ptr j, mpfr_ptr lp, mpfr_ptr lpp,
                 mpfr_ptr t, const inst *z, mpfr_srcptr w)
{
    mpfr_ptr s = pf_claim_get(ws, 3);
    model(ws, s, t, z, w);
    loss(ws, s + 1, lp, lpp, z, s);
    mpfr_sqr(s + 2, t, R);
    mpfr_ui_sub(s + 2, 1, s + 2, R); /* 1 - t^2 */
    for (size_t i = 0; i < z->n; i++) {
        mpfr_add(j + i, s + 2, w + i, R);
        mpfr_mul_d(j + i, j + i, z->x[i], R);
        mpfr_mul(g + i, lp, j + i, R);
    }
}

static int eval(pf_claim_ws *ws)
{
    inst z;
    size_t k = ws->index;
    if (ws->adversarial) {
        z.bce = (int)(k & 1);
        z.n = k < 2 ? 1 : NM;
        for (size_t i = 0; i < z.n; i++) {
            z.x[i] = k < 2 ? 1.0 : ((i & 1) ? -1.0 : 1.0);
            z.w[i] = k < 2 ? 0.0 : ((i % 3) ? 1.0 : -1.0);
        }
        z.y = z.bce ? (k == 3 ? 0.5 : 1.0) : -1.0;
    } else {
        z.bce = (int)(k & 1);
        z.n = pf_claim_range(ws, 1, NM);
        for (size_t i = 0; i < z.n; i++) {
            z.x[i] = pf_claim_uniform(ws, -1, 1);
            z.w[i] = pf_claim_uniform(ws, -1, 1);
        }
        z.y = z.bce ? (pf_claim_uniform(ws, 0, 1) < 0.5 ? (double)(gn_rng_u64(&ws->rng) & 1)
                                                          : pf_claim_uniform(ws, 0, 1))
                    : pf_claim_uniform(ws, -1, 1);
    }
    size_t n = z.n;
    pf_claim_desc(ws, "loss=%s n=%zu y=%a x=[", z.bce ? "bce" : "squared", n, z.y);
    for (size_t i = 0; i < n; i++)
        pf_claim_desc(ws, "%s%a", i ? "," : "", z.x[i]);
    pf_claim_desc(ws, "] w=[");
    for (size_t i = 0; i < n; i++)
        pf_claim_desc(ws, "%s%a", i ? "," : "", z.w[i]);
    pf_claim_desc(ws, "]");

    mpfr_ptr w = pf_claim_get(ws, 6 * n + n * n + 8);
    mpfr_ptr wp = w + n, g = wp + n, j = g + n, gp = j + n, gm = gp + n, hs = gm + n;
    mpfr_ptr lp = hs + n * n, lpp = lp + 1, t = lp + 2, lv = lp + 3, lm = lp + 4, f = lp + 5,
             one = lp + 6, tmp = lp + 7;
    mpfr_ptr fd = pf_claim_get(ws, n), jx = pf_claim_get(ws, n);
    for (size_t i = 0; i < n; i++)
        mpfr_set_d(w + i, z.w[i], R);
    mpfr_set_ui(one, 1, R);
    long he = (long)ws->prec / 3;

    /* (3.5): l' j, and the mutant with the sign flipped */
    grad(ws, g, j, lp, lpp, t, &z, w);
    mpfr_ptr gc = pf_claim_get(ws, n);
    for (size_t i = 0; i < n; i++) {
        mpfr_set(gc + i, g + i, R);
        if (ws->mutant == 1)
            mpfr_neg(gc + i, gc + i, R);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t q = 0; q < n; q++)
            mpfr_set(wp + q, w + q, R);
        mpfr_set_d(tmp, z.w[i], R);
        mpfr_set_ui_2exp(wp + i, 1, -he, R);
        mpfr_add(wp + i, tmp, wp + i, R);
        model(ws, f, tmp, &z, wp);
        loss(ws, lv, NULL, NULL, &z, f);
        mpfr_set_ui_2exp(wp + i, 1, -he, R);
        mpfr_set_d(tmp, z.w[i], R);
        mpfr_sub(wp + i, tmp, wp + i, R);
        model(ws, f, tmp, &z, wp);
        loss(ws, lm, NULL, NULL, &z, f);
        mpfr_sub(fd + i, lv, lm, R);
        mpfr_mul_2si(fd + i, fd + i, he - 1, R);
    }
    double np = (double)(n * n + 2 * n);
    pf_claim_vcmp(ws, "(3.5) l' j vs central difference of L", gc, fd, n, one,
                  5.0 * ldexp(1.0, (int)ws->prec - 2 * (int)he) + 7.0 * (np + 6.0) * ldexp(1.0, (int)he));

    /* (3.6): l'' j j^T + l' hess f, hess f = -2 t (1-t^2) x x^T + diag(x) */
    mpfr_ptr c1 = pf_claim_get(ws, 2);
    mpfr_sqr(c1, t, R);
    mpfr_ui_sub(c1, 1, c1, R);
    mpfr_mul(c1, c1, t, R);
    mpfr_mul_si(c1, c1, -2, R); /* -2 t (1 - t^2) */
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            mpfr_ptr h = hs + a * n + b;
            mpfr_mul(h, j + a, j + b, R);
            mpfr_mul(h, h, lpp, R);
            if (ws->mutant == 3)
                mpfr_div_2ui(h, h, 1, R); /* mutant: 1/2 l'' j j^T */
            if (ws->mutant != 2) {      /* mutant 2: the GGN in place of the Hessian */
                mpfr_mul_d(c1 + 1, c1, z.x[a], R);
                mpfr_mul_d(c1 + 1, c1 + 1, z.x[b], R);
                if (a == b)
                    mpfr_add_d(c1 + 1, c1 + 1, z.x[a], R);
                mpfr_mul(c1 + 1, c1 + 1, lp, R);
                mpfr_add(h, h, c1 + 1, R);
            }
        }
    mpfr_ptr lp2 = pf_claim_get(ws, 3);
    mpfr_ptr hcol = pf_claim_get(ws, n);
    for (size_t b = 0; b < n; b++) {
        for (size_t q = 0; q < n; q++)
            mpfr_set(wp + q, w + q, R);
        mpfr_set_ui_2exp(tmp, 1, -he, R);
        mpfr_add(wp + b, w + b, tmp, R);
        grad(ws, gp, jx, lp2, lp2 + 1, lp2 + 2, &z, wp);
        mpfr_sub(wp + b, w + b, tmp, R);
        grad(ws, gm, jx, lp2, lp2 + 1, lp2 + 2, &z, wp);
        for (size_t a = 0; a < n; a++) {
            mpfr_sub(fd + a, gp + a, gm + a, R);
            mpfr_mul_2si(fd + a, fd + a, he - 1, R);
            mpfr_set(hcol + a, hs + a * n + b, R);
        }
        pf_claim_vcmp(ws, "(3.6) l'' j j^T + l' hess f vs central difference of g", hcol, fd,
                      n, one,
                      30.0 * ldexp(1.0, (int)ws->prec - 2 * (int)he) +
                          3.0 * (np + 16.0) * ldexp(1.0, (int)he));
    }
    return 0;
}

const pf_claim pf_claim_eq_3_5 = {
    .id = "eq-3.5-3.6",
    .statement = "(3.5) grad l = l' j; (3.6) hess l = l'' j j^T + l' hess f (tanh model, "
                 "squared and BCE)",
    .lhs = "l' j and l'' j j^T + l' hess_w f from the formulas",
    .rhs = "central differences of l(f_w(x)) and of the gradient in MPFR, h = 2^-(p/3)",
    .uses = "(3.3) (3.4) (4.9)",
    .mutants = {"sign of the gradient flipped: -l' j",
                "GGN in place of the Hessian: the l' hess f term dropped",
                "a spurious 1/2 on the GGN term: 1/2 l'' j j^T", NULL},
    .nadv = 4,
    .eval = eval,
};
