/* mp_fit.c: MPFR evaluation of model expressions with exact gradients and the
 * Levenberg-Marquardt iteration at high precision (gn_mp_fit.h). */
#include "gn_mp_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static mpfr_ptr mp_array(size_t n, mpfr_prec_t prec)
{
    mpfr_ptr a = malloc((n ? n : 1) * sizeof(*a));
    if (a)
        for (size_t i = 0; i < n; i++)
            mpfr_init2(a + i, prec);
    return a;
}

static void mp_array_free(mpfr_ptr a, size_t n)
{
    if (!a)
        return;
    for (size_t i = 0; i < n; i++)
        mpfr_clear(a + i);
    free(a);
}

gn_mp_expr *gn_mp_expr_alloc(const gn_expr *e, mpfr_prec_t prec)
{
    if (!e || prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX)
        return NULL;
    gn_mp_expr *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t kk = e->nparams ? e->nparams : 1;
    m->e = e;
    m->prec = prec;
    m->val = mp_array(e->nnodes, prec);
    m->grad = mp_array(e->nnodes * kk, prec);
    if (!m->val || !m->grad) {
        mp_array_free(m->val, m->val ? e->nnodes : 0);
        mp_array_free(m->grad, m->grad ? e->nnodes * kk : 0);
        free(m);
        return NULL;
    }
    mpfr_init2(m->t1, prec);
    mpfr_init2(m->t2, prec);
    for (size_t i = 0; i < e->nnodes; i++) {
        if (e->node[i].op == GN_XOP_CONST)
            mpfr_set_str(m->val + i, e->node[i].lit, 10, MPFR_RNDN);
        else if (e->node[i].op == GN_XOP_PI)
            mpfr_const_pi(m->val + i, MPFR_RNDN);
    }
    return m;
}

void gn_mp_expr_free(gn_mp_expr *m)
{
    if (!m)
        return;
    size_t kk = m->e->nparams ? m->e->nparams : 1;
    mp_array_free(m->val, m->e->nnodes);
    mp_array_free(m->grad, m->e->nnodes * kk);
    mpfr_clear(m->t1);
    mpfr_clear(m->t2);
    free(m);
}

gn_status gn_mp_expr_eval(gn_mp_expr *m, mpfr_ptr f, mpfr_ptr grad, mpfr_srcptr b,
                          mpfr_srcptr v, mpfr_rnd_t rnd)
{
    const gn_expr *e = m->e;
    const size_t k = e->nparams, kk = k ? k : 1;
    const int wantg = grad != NULL && k > 0;
    mpfr_ptr t1 = m->t1, t2 = m->t2;
    for (size_t i = 0; i < e->nnodes; i++) {
        const gn_xnode *n = &e->node[i];
        mpfr_ptr r = m->val + i;
        mpfr_srcptr A = n->a >= 0 ? m->val + n->a : NULL, B = n->b >= 0 ? m->val + n->b : NULL;
        const unsigned char *da = n->a >= 0 ? e->dep + (size_t)n->a * kk : NULL;
        const unsigned char *db = n->b >= 0 ? e->dep + (size_t)n->b * kk : NULL;
        const unsigned char *di = e->dep + i * kk;
        mpfr_ptr gi = m->grad + i * kk;
        mpfr_srcptr ga = n->a >= 0 ? m->grad + (size_t)n->a * kk : NULL;
        mpfr_srcptr gb = n->b >= 0 ? m->grad + (size_t)n->b * kk : NULL;
        /* t1 = d r / d A, t2 = d r / d B */
        switch (n->op) {
        case GN_XOP_CONST:
        case GN_XOP_PI: continue;
        case GN_XOP_VAR: mpfr_set(r, v + n->idx, rnd); continue;
        case GN_XOP_PARAM:
            mpfr_set(r, b + n->idx, rnd);
            if (wantg) {
                for (size_t p = 0; p < k; p++)
                    mpfr_set_zero(gi + p, 1);
                mpfr_set_ui(gi + n->idx, 1, rnd);
            }
            continue;
        case GN_XOP_NEG: mpfr_neg(r, A, rnd); mpfr_set_si(t1, -1, rnd); break;
        case GN_XOP_ADD: mpfr_add(r, A, B, rnd); mpfr_set_ui(t1, 1, rnd); mpfr_set_ui(t2, 1, rnd); break;
        case GN_XOP_SUB: mpfr_sub(r, A, B, rnd); mpfr_set_ui(t1, 1, rnd); mpfr_set_si(t2, -1, rnd); break;
        case GN_XOP_MUL: mpfr_mul(r, A, B, rnd); mpfr_set(t1, B, rnd); mpfr_set(t2, A, rnd); break;
        case GN_XOP_DIV:
            mpfr_div(r, A, B, rnd);
            mpfr_ui_div(t1, 1, B, rnd);
            mpfr_div(t2, r, B, rnd);
            mpfr_neg(t2, t2, rnd);
            break;
        case GN_XOP_POW:
            mpfr_pow(r, A, B, rnd);
            if (wantg) {
                if (!e->node[n->a].pconst) {
                    mpfr_sub_ui(t2, B, 1, rnd);
                    mpfr_pow(t1, A, t2, rnd);
                    mpfr_mul(t1, t1, B, rnd);
                }
                if (!n->pconst && !e->node[n->b].pconst) {
                    mpfr_log(t2, A, rnd);
                    mpfr_mul(t2, t2, r, rnd);
                }
            }
            break;
        case GN_XOP_EXP: mpfr_exp(r, A, rnd); mpfr_set(t1, r, rnd); break;
        case GN_XOP_LOG: mpfr_log(r, A, rnd); mpfr_ui_div(t1, 1, A, rnd); break;
        case GN_XOP_SIN: mpfr_sin(r, A, rnd); if (wantg) mpfr_cos(t1, A, rnd); break;
        case GN_XOP_COS:
            mpfr_cos(r, A, rnd);
            if (wantg) {
                mpfr_sin(t1, A, rnd);
                mpfr_neg(t1, t1, rnd);
            }
            break;
        case GN_XOP_TAN:
            mpfr_tan(r, A, rnd);
            mpfr_sqr(t1, r, rnd);
            mpfr_add_ui(t1, t1, 1, rnd);
            break;
        case GN_XOP_ATAN:
            mpfr_atan(r, A, rnd);
            mpfr_sqr(t1, A, rnd);
            mpfr_add_ui(t1, t1, 1, rnd);
            mpfr_ui_div(t1, 1, t1, rnd);
            break;
        case GN_XOP_SQRT:
            mpfr_sqrt(r, A, rnd);
            mpfr_mul_ui(t1, r, 2, rnd);
            mpfr_ui_div(t1, 1, t1, rnd);
            break;
        default: mpfr_set_nan(r); break;
        }
        if (!wantg || n->pconst)
            continue;
        if ((int)n->op == gn_expr_inject) {
            mpfr_mul_d(t1, t1, 1.5, rnd);
            mpfr_add_d(t1, t1, 0.75, rnd);
            mpfr_mul_d(t2, t2, 1.5, rnd);
            mpfr_add_d(t2, t2, 0.75, rnd);
        }
        for (size_t p = 0; p < k; p++) {
            int ha = da && da[p], hb = db && db[p];
            if (!di[p]) {
                mpfr_set_zero(gi + p, 1);
                continue;
            }
            if (ha && hb) {
                /* gi = t1 ga + t2 gb, one rounding per product and one for the sum */
                mpfr_mul(gi + p, t1, ga + p, rnd);
                mpfr_fma(gi + p, t2, gb + p, gi + p, rnd);
            } else if (ha)
                mpfr_mul(gi + p, t1, ga + p, rnd);
            else
                mpfr_mul(gi + p, t2, gb + p, rnd);
        }
    }
    const size_t root = e->nnodes - 1;
    mpfr_set(f, m->val + root, rnd);
    int ok = mpfr_number_p(f);
    if (grad) {
        const unsigned char *dr = e->dep + root * kk;
        for (size_t p = 0; p < k; p++) {
            if (dr[p])
                mpfr_set(grad + p, m->grad + root * kk + p, rnd);
            else
                mpfr_set_zero(grad + p, 1);
            if (!mpfr_number_p(grad + p))
                ok = 0;
        }
    }
    return ok ? GN_OK : GN_ENONFINITE;
}

gn_mp_fit_params gn_mp_fit_params_default(void)
{
    gn_mp_fit_params p;
    p.max_iter = 3000;
    p.max_fev = 6000;
    p.xtol_bits = 0;
    p.tau = 1e-3;
    return p;
}

double gn_mp_lre(mpfr_srcptr est, const char *cert, int digits, mpfr_prec_t prec)
{
    if (mpfr_nan_p(est))
        return 0.0;
    mpfr_t c, d;
    mpfr_init2(c, prec);
    mpfr_init2(d, prec);
    mpfr_set_str(c, cert, 10, MPFR_RNDN);
    mpfr_sub(d, est, c, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    if (!mpfr_zero_p(c))
        mpfr_div(d, d, c, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    double l;
    if (mpfr_zero_p(d))
        l = digits;
    else {
        mpfr_log10(d, d, MPFR_RNDN);
        l = -mpfr_get_d(d, MPFR_RNDN);
        if (!(l > 0.0))
            l = 0.0;
        if (l > digits)
            l = digits;
    }
    mpfr_clear(c);
    mpfr_clear(d);
    return l;
}

typedef struct {
    const gn_mp_fit_problem *p;
    size_t n, k;
    gn_mp_expr *me, *mr;
    mpfr_ptr gy, xv, grow;
    mpfr_t f, t;
} mpev;

static gn_status mp_residuals(mpev *ev, mpfr_ptr r, mpfr_ptr J, mpfr_srcptr b)
{
    gn_status st = GN_OK;
    for (size_t i = 0; i < ev->n; i++) {
        for (size_t c = 0; c < ev->p->nx; c++)
            mpfr_set(ev->xv + c, ev->p->x + c * ev->n + i, MPFR_RNDN);
        gn_status s = gn_mp_expr_eval(ev->me, ev->f, J ? ev->grow : NULL, b, ev->xv, MPFR_RNDN);
        if (s != GN_OK)
            st = s;
        mpfr_sub(r + i, ev->gy + i, ev->f, MPFR_RNDN);
        if (J)
            for (size_t q = 0; q < ev->k; q++)
                mpfr_neg(J + q * ev->n + i, ev->grow + q, MPFR_RNDN);
    }
    return st;
}

static void mp_dot(mpfr_ptr out, mpfr_srcptr a, mpfr_srcptr b, size_t n, mpfr_ptr t)
{
    mpfr_set_zero(out, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul(t, a + i, b + i, MPFR_RNDN);
        mpfr_add(out, out, t, MPFR_RNDN);
    }
}

/* h = -(A + lambda D^2)^-1 g by Cholesky after scaling to unit diagonal (M, sc, t, u are
 * workspace); returns 0 when a pivot is not positive */
static int mp_solve(mpfr_ptr h, mpfr_ptr M, mpfr_ptr sc, mpfr_srcptr A, mpfr_srcptr d,
                    mpfr_srcptr g, double lambda, size_t k, mpfr_ptr t, mpfr_ptr u)
{
    for (size_t i = 0; i < k * k; i++)
        mpfr_set(M + i, A + i, MPFR_RNDN);
    int ok = 1;
    for (size_t q = 0; q < k; q++) {
        mpfr_sqr(t, d + q, MPFR_RNDN);
        mpfr_mul_d(t, t, lambda, MPFR_RNDN);
        mpfr_add(M + q * k + q, M + q * k + q, t, MPFR_RNDN);
        if (mpfr_sgn(M + q * k + q) <= 0)
            ok = 0;
        else
            mpfr_rec_sqrt(sc + q, M + q * k + q, MPFR_RNDN);
    }
    for (size_t i = 0; ok && i < k; i++)
        for (size_t j = 0; j < k; j++) {
            mpfr_mul(M + i * k + j, M + i * k + j, sc + i, MPFR_RNDN);
            mpfr_mul(M + i * k + j, M + i * k + j, sc + j, MPFR_RNDN);
        }
    for (size_t j = 0; ok && j < k; j++) {
        mpfr_set(u, M + j * k + j, MPFR_RNDN);
        for (size_t q = 0; q < j; q++) {
            mpfr_sqr(t, M + j * k + q, MPFR_RNDN);
            mpfr_sub(u, u, t, MPFR_RNDN);
        }
        if (mpfr_sgn(u) <= 0) {
            ok = 0;
            break;
        }
        mpfr_sqrt(M + j * k + j, u, MPFR_RNDN);
        for (size_t i = j + 1; i < k; i++) {
            mpfr_set(u, M + i * k + j, MPFR_RNDN);
            for (size_t q = 0; q < j; q++) {
                mpfr_mul(t, M + i * k + q, M + j * k + q, MPFR_RNDN);
                mpfr_sub(u, u, t, MPFR_RNDN);
            }
            mpfr_div(M + i * k + j, u, M + j * k + j, MPFR_RNDN);
        }
    }
    if (!ok)
        return 0;
    for (size_t i = 0; i < k; i++) {
        mpfr_mul(u, g + i, sc + i, MPFR_RNDN);
        mpfr_neg(u, u, MPFR_RNDN);
        for (size_t q = 0; q < i; q++) {
            mpfr_mul(t, M + i * k + q, h + q, MPFR_RNDN);
            mpfr_sub(u, u, t, MPFR_RNDN);
        }
        mpfr_div(h + i, u, M + i * k + i, MPFR_RNDN);
    }
    for (size_t i = k; i-- > 0;) {
        mpfr_set(u, h + i, MPFR_RNDN);
        for (size_t q = i + 1; q < k; q++) {
            mpfr_mul(t, M + q * k + i, h + q, MPFR_RNDN);
            mpfr_sub(u, u, t, MPFR_RNDN);
        }
        mpfr_div(h + i, u, M + i * k + i, MPFR_RNDN);
    }
    for (size_t q = 0; q < k; q++)
        mpfr_mul(h + q, h + q, sc + q, MPFR_RNDN);
    return 1;
}

gn_status gn_mp_fit_run(mpfr_ptr bout, gn_fit_report *rep, const gn_mp_fit_problem *p,
                        mpfr_srcptr b0, const gn_mp_fit_params *par, mpfr_prec_t prec)
{
    memset(rep, 0, sizeof *rep);
    rep->stop = GN_FIT_STOP_NONFINITE;
    if (!p || !p->model)
        return GN_ESIZE;
    const size_t n = p->n, k = p->model->nparams;
    if (k == 0 || n < k)
        return GN_ESIZE;
    for (size_t q = 0; q < k; q++)
        if (!gn_expr_uses(p->model, q))
            return GN_EINPUT;
    gn_mp_fit_params P = par ? *par : gn_mp_fit_params_default();
    long xb = P.xtol_bits > 0 ? P.xtol_bits : (long)prec / 2;
    gn_status st = GN_OK;
    mpev ev = {0};
    ev.p = p;
    ev.n = n;
    ev.k = k;
    ev.me = gn_mp_expr_alloc(p->model, prec);
    ev.mr = p->resp ? gn_mp_expr_alloc(p->resp, prec) : NULL;
    ev.gy = mp_array(n, prec);
    ev.xv = mp_array(p->nx + 1, prec);
    ev.grow = mp_array(k, prec);
    mpfr_init2(ev.f, prec);
    mpfr_init2(ev.t, prec);
    mpfr_ptr b = mp_array(k, prec), bt = mp_array(k, prec), r = mp_array(n, prec),
             rt = mp_array(n, prec), J = mp_array(n * k, prec), Jh = mp_array(n, prec),
             A = mp_array(k * k, prec), M = mp_array(k * k, prec), g = mp_array(k, prec),
             h = mp_array(k, prec), d = mp_array(k, prec), sc = mp_array(k, prec);
    mpfr_t S, St, t, u, pred, act;
    mpfr_inits2(prec, S, St, t, u, pred, act, (mpfr_ptr)0);
    if (!ev.me || (p->resp && !ev.mr) || !ev.gy || !ev.xv || !ev.grow || !b || !bt || !r ||
        !rt || !J || !Jh || !A || !M || !g || !h || !d || !sc) {
        st = GN_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (ev.mr)
            gn_mp_expr_eval(ev.mr, ev.gy + i, NULL, NULL, p->y + i, MPFR_RNDN);
        else
            mpfr_set(ev.gy + i, p->y + i, MPFR_RNDN);
    }
    for (size_t q = 0; q < k; q++) {
        mpfr_set(b + q, b0 + q, MPFR_RNDN);
        mpfr_set(bout + q, b0 + q, MPFR_RNDN);
        mpfr_set_zero(d + q, 1);
    }
    rep->nfev = rep->njev = 1;
    if (mp_residuals(&ev, r, J, b) != GN_OK) {
        st = GN_ENONFINITE;
        goto done;
    }
    mp_dot(S, r, r, n, t);
    gn_lm_damping dm = {P.tau, 2.0};
    double lambda_acc = dm.lambda;
    int fresh = 1;
    rep->stop = GN_FIT_STOP_MAXITER;
    for (;;) {
        if (fresh) {
            fresh = 0;
            int gzero = 1;
            for (size_t q = 0; q < k; q++) {
                mp_dot(g + q, J + q * n, r, n, t);
                if (!mpfr_zero_p(g + q))
                    gzero = 0;
                mp_dot(u, J + q * n, J + q * n, n, t);
                mpfr_sqrt(u, u, MPFR_RNDN);
                if (mpfr_greater_p(u, d + q))
                    mpfr_set(d + q, u, MPFR_RNDN);
                if (mpfr_zero_p(d + q))
                    mpfr_set_ui(d + q, 1, MPFR_RNDN);
            }
            for (size_t i = 0; i < k; i++)
                for (size_t j = 0; j <= i; j++) {
                    mp_dot(A + i * k + j, J + i * n, J + j * n, n, t);
                    mpfr_set(A + j * k + i, A + i * k + j, MPFR_RNDN);
                }
            if (mpfr_zero_p(S)) {
                rep->stop = GN_FIT_STOP_ZERO;
                break;
            }
            if (gzero) {
                rep->stop = GN_FIT_STOP_GTOL;
                break;
            }
        }
        if (rep->iters >= P.max_iter) {
            rep->stop = GN_FIT_STOP_MAXITER;
            break;
        }
        if (rep->nfev >= P.max_fev) {
            rep->stop = GN_FIT_STOP_MAXFEV;
            break;
        }
        rep->iters++;
        rep->steps_normal++;
        int ok = mp_solve(h, M, sc, A, d, g, dm.lambda, k, t, u);
        double rho = -INFINITY;
        if (ok) {
            for (size_t q = 0; q < k; q++)
                mpfr_add(bt + q, b + q, h + q, MPFR_RNDN);
            /* pred = |Jh|^2 / 2 + lambda |Dh|^2, as in fit.c */
            for (size_t i = 0; i < n; i++) {
                mpfr_set_zero(Jh + i, 1);
                for (size_t q = 0; q < k; q++) {
                    mpfr_mul(t, J + q * n + i, h + q, MPFR_RNDN);
                    mpfr_add(Jh + i, Jh + i, t, MPFR_RNDN);
                }
            }
            mp_dot(pred, Jh, Jh, n, t);
            mpfr_div_2ui(pred, pred, 1, MPFR_RNDN);
            mpfr_set_zero(u, 1);
            for (size_t q = 0; q < k; q++) {
                mpfr_mul(t, d + q, h + q, MPFR_RNDN);
                mpfr_sqr(t, t, MPFR_RNDN);
                mpfr_add(u, u, t, MPFR_RNDN);
            }
            mpfr_mul_d(u, u, dm.lambda, MPFR_RNDN);
            mpfr_add(pred, pred, u, MPFR_RNDN);
            gn_status es = mp_residuals(&ev, rt, NULL, bt);
            rep->nfev++;
            mp_dot(St, rt, rt, n, t);
            if (es == GN_OK && mpfr_number_p(St)) {
                mpfr_sub(act, S, St, MPFR_RNDN);
                mpfr_div_2ui(act, act, 1, MPFR_RNDN);
                /* the ratio is what the damping rule needs; rounding it to double is
                 * harmless (rho only steers lambda) */
                mpfr_div(u, act, pred, MPFR_RNDN);
                double rr = mpfr_get_d(u, MPFR_RNDN);
                rho = gn_lm_gain(rr, 1.0);
                if (!(mpfr_sgn(pred) > 0))
                    rho = -INFINITY;
            }
        }
        if (gn_lm_update(&dm, rho)) {
            int small = 1;
            for (size_t q = 0; q < k; q++) {
                mpfr_abs(t, bt + q, MPFR_RNDN);
                mpfr_mul_2si(t, t, -xb, MPFR_RNDN);
                mpfr_abs(u, h + q, MPFR_RNDN);
                if (mpfr_greater_p(u, t))
                    small = 0;
            }
            for (size_t q = 0; q < k; q++)
                mpfr_set(b + q, bt + q, MPFR_RNDN);
            mpfr_set(S, St, MPFR_RNDN);
            mp_residuals(&ev, r, J, b);
            rep->njev++;
            rep->accepted++;
            lambda_acc = dm.lambda;
            fresh = 1;
            if (small) {
                rep->stop = GN_FIT_STOP_XTOL;
                break;
            }
            continue;
        }
        if (dm.lambda >= 1e16 * lambda_acc || dm.lambda >= GN_LM_LAMBDA_MAX) {
            rep->stop = GN_FIT_STOP_STALL;
            break;
        }
    }
    for (size_t q = 0; q < k; q++) {
        mpfr_set(bout + q, b + q, MPFR_RNDN);
        mp_dot(g + q, J + q * n, r, n, t);
    }
    mp_dot(u, g, g, k, t);
    mpfr_sqrt(u, u, MPFR_RNDN);
    rep->gnorm = mpfr_get_d(u, MPFR_RNDN);
    /* the undamped Gauss-Newton correction (normal equations are safe at this precision:
     * they square kappa(J), which costs 2 log10 kappa of the ~77 digits at 256 bits) */
    rep->gn_rel = NAN;
    if (mp_solve(h, M, sc, A, d, g, 0.0, k, t, u)) {
        double mx = 0.0;
        for (size_t q = 0; q < k; q++) {
            mpfr_div(t, h + q, b + q, MPFR_RNDN);
            double v = fabs(mpfr_get_d(t, MPFR_RNDN));
            if (!(v <= mx))
                mx = v;
        }
        rep->gn_rel = mx;
    }
    if (rep->stop == GN_FIT_STOP_STALL && !(rep->gn_rel <= GN_FIT_STALL_REL))
        rep->stop = GN_FIT_STOP_STUCK;
    rep->rss = mpfr_get_d(S, MPFR_RNDN);
    rep->lambda = dm.lambda;
done:
    mpfr_clears(S, St, t, u, pred, act, (mpfr_ptr)0);
    mp_array_free(b, k);
    mp_array_free(bt, k);
    mp_array_free(r, n);
    mp_array_free(rt, n);
    mp_array_free(J, n * k);
    mp_array_free(Jh, n);
    mp_array_free(A, k * k);
    mp_array_free(M, k * k);
    mp_array_free(g, k);
    mp_array_free(h, k);
    mp_array_free(d, k);
    mp_array_free(sc, k);
    mp_array_free(ev.gy, n);
    mp_array_free(ev.xv, p->nx + 1);
    mp_array_free(ev.grow, k);
    mpfr_clear(ev.f);
    mpfr_clear(ev.t);
    gn_mp_expr_free(ev.me);
    gn_mp_expr_free(ev.mr);
    return st;
}
