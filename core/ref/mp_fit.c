/* mp_fit.c: MPFR evaluation of model expressions with exact gradients, and the MPFR
 * backend of the shared Levenberg-Marquardt driver gn_fit_drive (gn_mp_fit.h). */
#include "gn_mp_fit.h"
#include "gn_mp.h"
#include "gn_mp_la.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* x = the literal text lit, correctly rounded: 0, or -1 when MPFR does not read the whole
 * text as a finite number (the compiler only stores such literals, so -1 is a broken
 * gn_expr: refused, never evaluated as whatever mpfr_set_str left in x) */
static int lit_set(mpfr_ptr x, const char *lit)
{
    return lit && *lit && mpfr_set_str(x, lit, 10, MPFR_RNDN) == 0 && mpfr_number_p(x) ? 0 : -1;
}

/* 0 when every literal of e converts (lit_set), else -1 */
static int lits_ok(const gn_expr *e, mpfr_prec_t prec)
{
    mpfr_t t;
    mpfr_init2(t, prec);
    int rc = 0;
    for (size_t i = 0; i < e->nnodes && !rc; i++)
        if (e->node[i].op == GN_XOP_CONST)
            rc = lit_set(t, e->node[i].lit);
    mpfr_clear(t);
    return rc;
}

gn_mp_expr *gn_mp_expr_alloc(const gn_expr *e, mpfr_prec_t prec)
{
    if (!e || prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX || lits_ok(e, prec))
        return NULL;
    gn_mp_expr *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t kk = e->nparams ? e->nparams : 1;
    m->e = e;
    m->prec = prec;
    /* values then gradients, one block */
    m->val = gn_mp_vec_alloc(e->nnodes * (1 + kk), prec);
    if (!m->val) {
        free(m);
        return NULL;
    }
    m->grad = m->val + e->nnodes;
    mpfr_init2(m->t1, prec);
    mpfr_init2(m->t2, prec);
    for (size_t i = 0; i < e->nnodes; i++) {
        if (e->node[i].op == GN_XOP_CONST)
            lit_set(m->val + i, e->node[i].lit); /* checked by lits_ok above */
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
    gn_mp_vec_free(m->val, m->e->nnodes * (1 + kk));
    mpfr_clear(m->t1);
    mpfr_clear(m->t2);
    free(m);
}

/* node n's value r from its operands A, B, and in m->t1, m->t2 the local partials
 * d r / d A, d r / d B when wantg; returns 1 when the chain rule is still to apply (an
 * operation), 0 for a leaf (its gradient, if any, is set here: gi for a parameter) */
static int mp_node(gn_mp_expr *m, const gn_xnode *n, mpfr_ptr r, mpfr_ptr gi, mpfr_srcptr b,
                   mpfr_srcptr v, int wantg, mpfr_rnd_t rnd)
{
    const gn_expr *e = m->e;
    mpfr_srcptr A = n->a >= 0 ? m->val + n->a : NULL, B = n->b >= 0 ? m->val + n->b : NULL;
    mpfr_ptr t1 = m->t1, t2 = m->t2;
    switch (n->op) {
    case GN_XOP_CONST:
    case GN_XOP_PI: return 0;
    case GN_XOP_VAR: mpfr_set(r, v + n->idx, rnd); return 0;
    case GN_XOP_PARAM:
        mpfr_set(r, b + n->idx, rnd);
        if (wantg) {
            for (size_t p = 0; p < e->nparams; p++)
                mpfr_set_zero(gi + p, 1);
            mpfr_set_ui(gi + n->idx, 1, rnd);
        }
        return 0;
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
    case GN_XOP_TAN: mpfr_tan(r, A, rnd); mpfr_sqr(t1, r, rnd); mpfr_add_ui(t1, t1, 1, rnd); break;
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
    case GN_XOP_ABS:
        mpfr_abs(r, A, rnd);
        if (mpfr_nan_p(A))
            mpfr_set_nan(t1);
        else
            mpfr_set_si(t1, mpfr_sgn(A), rnd); /* 0 at 0, as gn_expr_eval */
        break;
    case GN_XOP_ATAN2:
        /* d/dA = B / (A^2 + B^2), d/dB = -A / (A^2 + B^2); NaN at (0, 0) */
        mpfr_atan2(r, A, B, rnd);
        if (wantg) {
            mpfr_hypot(t2, A, B, rnd);
            mpfr_sqr(t2, t2, rnd);
            mpfr_div(t1, B, t2, rnd);
            mpfr_div(t2, A, t2, rnd);
            mpfr_neg(t2, t2, rnd);
        }
        break;
    case GN_XOP_LOG10:
        mpfr_log10(r, A, rnd);
        if (wantg) {
            mpfr_log_ui(t1, 10, rnd);
            mpfr_mul(t1, t1, A, rnd);
            mpfr_ui_div(t1, 1, t1, rnd);
        }
        break;
    case GN_XOP_TANH:
        mpfr_tanh(r, A, rnd);
        if (wantg) {
            mpfr_sech(t1, A, rnd);
            mpfr_sqr(t1, t1, rnd);
        }
        break;
    case GN_XOP_ERF:
        mpfr_erf(r, A, rnd);
        if (wantg) {
            /* 2 exp(-A^2) / sqrt(pi) */
            mpfr_sqr(t1, A, rnd);
            mpfr_neg(t1, t1, rnd);
            mpfr_exp(t1, t1, rnd);
            mpfr_const_pi(t2, rnd);
            mpfr_sqrt(t2, t2, rnd);
            mpfr_div(t1, t1, t2, rnd);
            mpfr_mul_2ui(t1, t1, 1, rnd);
        }
        break;
    default: mpfr_set_nan(r); break;
    }
    return 1;
}

/* the chain rule at node i: gi = t1 ga + t2 gb over the parameters node i depends on */
static void mp_chain(gn_mp_expr *m, size_t i, mpfr_rnd_t rnd)
{
    const gn_expr *e = m->e;
    const gn_xnode *n = &e->node[i];
    const size_t k = e->nparams, kk = k ? k : 1;
    const unsigned char *da = n->a >= 0 ? e->dep + (size_t)n->a * kk : NULL;
    const unsigned char *db = n->b >= 0 ? e->dep + (size_t)n->b * kk : NULL;
    const unsigned char *di = e->dep + i * kk;
    mpfr_ptr gi = m->grad + i * kk, t1 = m->t1, t2 = m->t2;
    mpfr_srcptr ga = n->a >= 0 ? m->grad + (size_t)n->a * kk : NULL;
    mpfr_srcptr gb = n->b >= 0 ? m->grad + (size_t)n->b * kk : NULL;
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

/* nodes lo..hi of the program; f = node hi */
static gn_status mp_eval_range(gn_mp_expr *m, size_t lo, size_t hi, mpfr_ptr f, mpfr_ptr grad,
                               mpfr_srcptr b, mpfr_srcptr v, mpfr_rnd_t rnd)
{
    const gn_expr *e = m->e;
    const size_t k = e->nparams, kk = k ? k : 1;
    const int wantg = grad != NULL && k > 0;
    for (size_t i = lo; i <= hi; i++) {
        const gn_xnode *n = &e->node[i];
        if (mp_node(m, n, m->val + i, m->grad + i * kk, b, v, wantg, rnd) && wantg &&
            !n->pconst)
            mp_chain(m, i, rnd);
    }
    mpfr_set(f, m->val + hi, rnd);
    int ok = mpfr_number_p(f);
    if (grad) {
        const unsigned char *dr = e->dep + hi * kk;
        for (size_t p = 0; p < k; p++) {
            if (dr[p])
                mpfr_set(grad + p, m->grad + hi * kk + p, rnd);
            else
                mpfr_set_zero(grad + p, 1);
            if (!mpfr_number_p(grad + p))
                ok = 0;
        }
    }
    return ok ? GN_OK : GN_ENONFINITE;
}

gn_status gn_mp_expr_eval(gn_mp_expr *m, mpfr_ptr f, mpfr_ptr grad, mpfr_srcptr b,
                          mpfr_srcptr v, mpfr_rnd_t rnd)
{
    return mp_eval_range(m, 0, m->e->nnodes - 1, f, grad, b, v, rnd);
}

gn_status gn_mp_expr_eval_root(gn_mp_expr *m, size_t i, mpfr_ptr f, mpfr_ptr grad,
                               mpfr_srcptr b, mpfr_srcptr v, mpfr_rnd_t rnd)
{
    const gn_expr *e = m->e;
    if (i >= e->nroots)
        return GN_EINPUT;
    return mp_eval_range(m, i ? e->root[i - 1] + 1 : 0, e->root[i], f, grad, b, v, rnd);
}

gn_mp_fit_params gn_mp_fit_params_default(void)
{
    gn_mp_fit_params p;
    p.max_iter = 3000;
    p.max_fev = 9000;
    p.xtol_bits = 0;
    p.tau = 1e-3;
    p.accel = 1;
    return p;
}

double gn_mp_lre(mpfr_srcptr est, mpfr_srcptr cert, int digits, mpfr_prec_t prec)
{
    if (mpfr_nan_p(est))
        return 0.0;
    mpfr_t c, d;
    mpfr_init2(c, prec);
    mpfr_init2(d, prec);
    mpfr_set(c, cert, MPFR_RNDN);
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

/* ------------------------------------------------- the MPFR backend of gn_fit_drive */

typedef struct {
    const gn_mp_fit_problem *p;
    size_t n, k;
    long xb;                 /* the step is small when |h_p| <= 2^-xb |bt_p|          */
    gn_mp_expr *me, *mr;     /* the model and the response transform                 */
    mpfr_ptr gy, sw, xv, grow; /* g(y_i), sqrt(w_i); one observation's predictors and
                                  gradient                                           */
    mpfr_ptr b, bt, r, rt, J, Jh, A, M, g, h, d, sc, tmp3;
    mpfr_ptr v, a, ga;       /* the velocity (the solve's h), acceleration, J^T r_vv  */
    size_t *piv;             /* the LU pivots of the step's k x k system              */
    mpfr_ptr blk;            /* the one block the arrays above live in                */
    size_t nblk;
    mpfr_t S, St, t, u, pred, act, f;
} mp_ws;

static int mws_alloc(mp_ws *w, const gn_mp_fit_problem *p, mpfr_prec_t prec, long xb)
{
    memset(w, 0, sizeof *w);
    const size_t n = p->n, k = p->model->nparams;
    w->p = p;
    w->n = n;
    w->k = k;
    w->xb = xb;
    mpfr_inits2(prec, w->S, w->St, w->t, w->u, w->pred, w->act, w->f, (mpfr_ptr)0);
    mpfr_ptr *arr[] = {&w->b,  &w->bt, &w->g,  &w->h,  &w->d, &w->sc, &w->grow, &w->tmp3,
                       &w->v,  &w->a,  &w->ga, &w->r,  &w->rt, &w->Jh, &w->gy, &w->sw,
                       &w->xv, &w->A,  &w->M,  &w->J};
    const size_t len[] = {k, k, k, k, k, k, k, 3, k, k, k, n, n, n, n, n, p->nx + 1,
                          k * k, k * k, n * k};
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++)
        w->nblk += len[i];
    w->blk = gn_mp_vec_alloc(w->nblk, prec);
    w->piv = malloc(k * sizeof(size_t));
    w->me = gn_mp_expr_alloc(p->model, prec);
    w->mr = p->resp ? gn_mp_expr_alloc(p->resp, prec) : NULL;
    if (!w->blk || !w->piv || !w->me || (p->resp && !w->mr))
        return -1;
    mpfr_ptr at = w->blk;
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++) {
        *arr[i] = at;
        at += len[i];
    }
    return 0;
}

static void mws_free(mp_ws *w)
{
    mpfr_clears(w->S, w->St, w->t, w->u, w->pred, w->act, w->f, (mpfr_ptr)0);
    gn_mp_vec_free(w->blk, w->nblk);
    free(w->piv);
    gn_mp_expr_free(w->me);
    gn_mp_expr_free(w->mr);
}

/* r_i = sqrt(w_i) (g(y_i) - f(x_i; b)), or e_i(b) in residual mode; when J != NULL also J
 * (column-major n x k) = d r / d b */
static gn_status mp_residuals(mp_ws *w, mpfr_ptr r, mpfr_ptr J, mpfr_srcptr b)
{
    gn_status st = GN_OK;
    const int list = w->p->model->list;
    for (size_t i = 0; i < w->n; i++) {
        gn_status s;
        mpfr_ptr gr = J ? w->grow : NULL;
        if (list)
            s = gn_mp_expr_eval_root(w->me, i, w->f, gr, b, NULL, MPFR_RNDN);
        else {
            for (size_t c = 0; c < w->p->nx; c++)
                mpfr_set(w->xv + c, w->p->x + c * w->n + i, MPFR_RNDN);
            s = gn_mp_expr_eval(w->me, w->f, gr, b, w->xv, MPFR_RNDN);
        }
        if (s != GN_OK)
            st = s;
        if (list)
            mpfr_set(r + i, w->f, MPFR_RNDN);
        else {
            mpfr_sub(r + i, w->gy + i, w->f, MPFR_RNDN);
            if (w->p->w)
                mpfr_mul(r + i, r + i, w->sw + i, MPFR_RNDN);
        }
        for (size_t q = 0; J && q < w->k; q++) {
            mpfr_ptr Jq = J + q * w->n + i;
            if (list)
                mpfr_set(Jq, w->grow + q, MPFR_RNDN);
            else if (w->p->w) {
                mpfr_mul(Jq, w->grow + q, w->sw + i, MPFR_RNDN);
                mpfr_neg(Jq, Jq, MPFR_RNDN);
            } else
                mpfr_neg(Jq, w->grow + q, MPFR_RNDN);
        }
    }
    return st;
}

/* h = -(A + lambda D^2)^-1 gv (A = J^T J of the last refresh), scaled to unit diagonal by
 * sc = diag^-1/2 (Jacobi; the scaled matrix's condition is at most k times the best
 * diagonal scaling's), then LU with partial pivoting (gn_mp_la_lu). Returns 0 when
 * solved, -1 when a diagonal entry is not positive or a pivot is exactly zero. */
static int mp_solve(mp_ws *w, mpfr_ptr h, mpfr_srcptr gv, double lambda)
{
    const size_t k = w->k;
    mpfr_ptr M = w->M, sc = w->sc, t = w->t;
    for (size_t i = 0; i < k * k; i++)
        mpfr_set(M + i, w->A + i, MPFR_RNDN);
    for (size_t q = 0; q < k; q++) {
        mpfr_sqr(t, w->d + q, MPFR_RNDN);
        mpfr_mul_d(t, t, lambda, MPFR_RNDN);
        mpfr_add(M + q * k + q, M + q * k + q, t, MPFR_RNDN);
        if (mpfr_sgn(M + q * k + q) <= 0)
            return -1;
        mpfr_rec_sqrt(sc + q, M + q * k + q, MPFR_RNDN);
    }
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < k; j++) {
            mpfr_mul(M + i * k + j, M + i * k + j, sc + i, MPFR_RNDN);
            mpfr_mul(M + i * k + j, M + i * k + j, sc + j, MPFR_RNDN);
        }
        mpfr_mul(h + i, gv + i, sc + i, MPFR_RNDN);
        mpfr_neg(h + i, h + i, MPFR_RNDN);
    }
    if (gn_mp_la_lu(M, w->piv, k, NULL, w->tmp3) != 0)
        return -1;
    gn_mp_la_lu_solve(h, M, w->piv, k, t);
    for (size_t q = 0; q < k; q++)
        mpfr_mul(h + q, h + q, sc + q, MPFR_RNDN);
    return 0;
}

/* the start point: g(y_i), b = b0 evaluated (what gn_fit_drive assumes) */
static gn_status m_start(mp_ws *w, gn_fit_report *rep, mpfr_srcptr b0)
{
    for (size_t i = 0; i < w->n && !w->p->model->list; i++) {
        if (w->mr)
            gn_mp_expr_eval(w->mr, w->gy + i, NULL, NULL, w->p->y + i, MPFR_RNDN);
        else
            mpfr_set(w->gy + i, w->p->y + i, MPFR_RNDN);
        if (w->p->w)
            mpfr_sqrt(w->sw + i, w->p->w + i, MPFR_RNDN);
    }
    for (size_t q = 0; q < w->k; q++) {
        mpfr_set(w->b + q, b0 + q, MPFR_RNDN);
        mpfr_set_zero(w->d + q, 1);
    }
    rep->nfev = rep->njev = 1;
    if (mp_residuals(w, w->r, w->J, w->b) != GN_OK)
        return GN_ENONFINITE;
    gn_mp_la_nrm2sq(w->S, w->r, w->n, w->t);
    return GN_OK;
}

static void m_refresh(void *ws, gn_fit_point *pt)
{
    mp_ws *w = ws;
    const size_t n = w->n, k = w->k;
    int gzero = 1;
    for (size_t q = 0; q < k; q++) {
        gn_mp_la_dot(w->g + q, w->J + q * n, w->r, n, w->t);
        if (!mpfr_zero_p(w->g + q))
            gzero = 0;
        gn_mp_la_nrm2sq(w->u, w->J + q * n, n, w->t);
        mpfr_sqrt(w->u, w->u, MPFR_RNDN);
        if (mpfr_greater_p(w->u, w->d + q))
            mpfr_set(w->d + q, w->u, MPFR_RNDN);
        if (mpfr_zero_p(w->d + q))
            mpfr_set_ui(w->d + q, 1, MPFR_RNDN);
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++) {
            gn_mp_la_dot(w->A + i * k + j, w->J + i * n, w->J + j * n, n, w->t);
            mpfr_set(w->A + j * k + i, w->A + i * k + j, MPFR_RNDN);
        }
    pt->zero = mpfr_zero_p(w->S);
    pt->gzero = gzero;
    pt->gscaled = 0.0; /* no gtol test in MPFR */
}

static int m_solve(void *ws, double lambda, gn_fit_report *rep)
{
    mp_ws *w = ws;
    rep->steps_normal++;
    int rc = mp_solve(w, w->h, w->g, lambda);
    for (size_t q = 0; q < w->k; q++)
        mpfr_set(w->v + q, w->h + q, MPFR_RNDN);
    return rc;
}

/* the geodesic acceleration of gn_fit_backend.accel, in MPFR (the ratio rounded to double:
 * it only steers the acceptance) */
static double m_accel(void *ws, double lambda, gn_fit_report *rep)
{
    mp_ws *w = ws;
    const size_t n = w->n, k = w->k;
    const double t = GN_FIT_ACCEL_T;
    int small = 1;
    for (size_t q = 0; q < k && small; q++) {
        mpfr_abs(w->t, w->b + q, MPFR_RNDN);
        mpfr_mul_d(w->t, w->t, GN_FIT_STALL_REL, MPFR_RNDN);
        mpfr_abs(w->u, w->v + q, MPFR_RNDN);
        if (mpfr_greater_p(w->u, w->t) || mpfr_nan_p(w->u))
            small = 0;
    }
    if (small)
        return 0.0; /* h = v already */
    rep->nfev++;
    for (size_t q = 0; q < k; q++) {
        mpfr_mul_d(w->t, w->v + q, t, MPFR_RNDN);
        mpfr_add(w->bt + q, w->b + q, w->t, MPFR_RNDN);
    }
    if (mp_residuals(w, w->rt, NULL, w->bt) != GN_OK)
        return INFINITY;
    for (size_t i = 0; i < n; i++) {
        mpfr_set_zero(w->u, 1);
        for (size_t q = 0; q < k; q++) {
            mpfr_mul(w->t, w->J + q * n + i, w->v + q, MPFR_RNDN);
            mpfr_add(w->u, w->u, w->t, MPFR_RNDN);
        }
        /* r_vv = (2/t)((r(b + t v) - r(b))/t - J v) */
        mpfr_sub(w->t, w->rt + i, w->r + i, MPFR_RNDN);
        mpfr_div_d(w->t, w->t, t, MPFR_RNDN);
        mpfr_sub(w->t, w->t, w->u, MPFR_RNDN);
        mpfr_mul_d(w->rt + i, w->t, 2.0 / t, MPFR_RNDN);
    }
    for (size_t q = 0; q < k; q++)
        gn_mp_la_dot(w->ga + q, w->J + q * n, w->rt, n, w->t);
    if (mp_solve(w, w->a, w->ga, lambda) != 0)
        return INFINITY;
    mpfr_set_zero(w->u, 1);
    mpfr_set_zero(w->act, 1);
    for (size_t q = 0; q < k; q++) {
        mpfr_mul(w->t, w->d + q, w->a + q, MPFR_RNDN);
        mpfr_sqr(w->t, w->t, MPFR_RNDN);
        mpfr_add(w->u, w->u, w->t, MPFR_RNDN);
        mpfr_mul(w->t, w->d + q, w->v + q, MPFR_RNDN);
        mpfr_sqr(w->t, w->t, MPFR_RNDN);
        mpfr_add(w->act, w->act, w->t, MPFR_RNDN);
        mpfr_div_2ui(w->t, w->a + q, 1, MPFR_RNDN);
        mpfr_add(w->h + q, w->v + q, w->t, MPFR_RNDN);
    }
    mpfr_div(w->u, w->u, w->act, MPFR_RNDN);
    mpfr_sqrt(w->u, w->u, MPFR_RNDN);
    double ratio = 2.0 * mpfr_get_d(w->u, MPFR_RNDN);
    for (size_t q = 0; q < k; q++)
        if (!mpfr_number_p(w->h + q))
            return INFINITY;
    return isfinite(ratio) ? ratio : INFINITY;
}

static double m_trial(void *ws, double lambda)
{
    mp_ws *w = ws;
    const size_t n = w->n, k = w->k;
    for (size_t q = 0; q < k; q++)
        mpfr_add(w->bt + q, w->b + q, w->h + q, MPFR_RNDN);
    /* pred = |Jv|^2 / 2 + lambda |Dv|^2 for the solve's step v, as in fit.c */
    for (size_t i = 0; i < n; i++) {
        mpfr_set_zero(w->Jh + i, 1);
        for (size_t q = 0; q < k; q++) {
            mpfr_mul(w->t, w->J + q * n + i, w->v + q, MPFR_RNDN);
            mpfr_add(w->Jh + i, w->Jh + i, w->t, MPFR_RNDN);
        }
    }
    gn_mp_la_nrm2sq(w->pred, w->Jh, n, w->t);
    mpfr_div_2ui(w->pred, w->pred, 1, MPFR_RNDN);
    mpfr_set_zero(w->u, 1);
    for (size_t q = 0; q < k; q++) {
        mpfr_mul(w->t, w->d + q, w->v + q, MPFR_RNDN);
        mpfr_sqr(w->t, w->t, MPFR_RNDN);
        mpfr_add(w->u, w->u, w->t, MPFR_RNDN);
    }
    mpfr_mul_d(w->u, w->u, lambda, MPFR_RNDN);
    mpfr_add(w->pred, w->pred, w->u, MPFR_RNDN);
    gn_status es = mp_residuals(w, w->rt, NULL, w->bt);
    gn_mp_la_nrm2sq(w->St, w->rt, n, w->t);
    if (es != GN_OK || !mpfr_number_p(w->St) || !(mpfr_sgn(w->pred) > 0))
        return -INFINITY;
    /* the ratio is what the damping rule needs; rounding it to double is harmless (rho
     * only steers lambda) */
    mpfr_sub(w->act, w->S, w->St, MPFR_RNDN);
    mpfr_div_2ui(w->act, w->act, 1, MPFR_RNDN);
    mpfr_div(w->u, w->act, w->pred, MPFR_RNDN);
    return gn_lm_gain(mpfr_get_d(w->u, MPFR_RNDN), 1.0);
}

static int m_accept(void *ws)
{
    mp_ws *w = ws;
    int small = 1;
    for (size_t q = 0; q < w->k; q++) {
        mpfr_abs(w->t, w->bt + q, MPFR_RNDN);
        mpfr_mul_2si(w->t, w->t, -w->xb, MPFR_RNDN);
        mpfr_abs(w->u, w->h + q, MPFR_RNDN);
        if (mpfr_greater_p(w->u, w->t))
            small = 0;
    }
    for (size_t q = 0; q < w->k; q++)
        mpfr_set(w->b + q, w->bt + q, MPFR_RNDN);
    mpfr_set(w->S, w->St, MPFR_RNDN);
    mp_residuals(w, w->r, w->J, w->b);
    return small;
}

static void m_finish(void *ws, gn_fit_report *rep)
{
    mp_ws *w = ws;
    const size_t n = w->n, k = w->k;
    for (size_t q = 0; q < k; q++)
        gn_mp_la_dot(w->g + q, w->J + q * n, w->r, n, w->t);
    gn_mp_la_nrm2sq(w->u, w->g, k, w->t);
    mpfr_sqrt(w->u, w->u, MPFR_RNDN);
    rep->gnorm = mpfr_get_d(w->u, MPFR_RNDN);
    /* the undamped Gauss-Newton correction (normal equations are safe at this precision:
     * they square kappa(J), which costs 2 log10 kappa of the ~77 digits at 256 bits) */
    rep->gn_rel = NAN;
    if (mp_solve(w, w->h, w->g, 0.0) == 0) {
        double mx = 0.0;
        for (size_t q = 0; q < k; q++) {
            mpfr_div(w->t, w->h + q, w->b + q, MPFR_RNDN);
            double v = fabs(mpfr_get_d(w->t, MPFR_RNDN));
            if (!(v <= mx))
                mx = v;
        }
        rep->gn_rel = mx;
    }
    rep->rss = mpfr_get_d(w->S, MPFR_RNDN);
}

static const gn_fit_backend fit_mpfr = {m_refresh, m_solve, m_trial, m_accept, m_finish,
                                        m_accel};

/* 1 when column q of the n x k column-major J is exactly zero */
static int mp_column_zero(mpfr_srcptr J, size_t n, size_t q)
{
    for (size_t i = 0; i < n; i++)
        if (!mpfr_zero_p(J + q * n + i))
            return 0;
    return 1;
}

gn_status gn_mp_fit_run(mpfr_ptr bout, gn_fit_report *rep, const gn_mp_fit_problem *p,
                        mpfr_srcptr b0, const gn_mp_fit_params *par, mpfr_prec_t prec)
{
    gn_status st = gn_fit_check(rep, p ? p->model : NULL, p ? p->n : 0);
    if (st != GN_OK)
        return st;
    if (p->model->list && p->n != p->model->nroots)
        return GN_ESIZE; /* residual mode: n is the number of residuals */
    if (lits_ok(p->model, prec) || (p->resp && lits_ok(p->resp, prec)))
        return GN_EINPUT; /* a literal MPFR cannot read: bad input, not a lack of memory */
    gn_mp_fit_params P = par ? *par : gn_mp_fit_params_default();
    mp_ws w;
    if (mws_alloc(&w, p, prec, P.xtol_bits > 0 ? P.xtol_bits : (long)prec / 2) != 0) {
        mws_free(&w);
        return GN_ENOMEM;
    }
    for (size_t q = 0; q < w.k; q++)
        mpfr_set(bout + q, b0 + q, MPFR_RNDN);
    st = m_start(&w, rep, b0);
    unsigned char *zero0 = st == GN_OK ? malloc(w.k) : NULL;
    if (st == GN_OK && !zero0)
        st = GN_ENOMEM;
    if (st == GN_OK) {
        for (size_t q = 0; q < w.k; q++)
            zero0[q] = (unsigned char)mp_column_zero(w.J, w.n, q);
        const gn_fit_control ctl = {P.max_iter, P.max_fev, 0.0, P.tau,
                                   P.accel ? GN_FIT_AVMAX : 0.0};
        gn_fit_drive(rep, &fit_mpfr, &w, &ctl);
        for (size_t q = 0; q < w.k; q++)
            mpfr_set(bout + q, w.b + q, MPFR_RNDN);
        /* as gn_fit_run: a column zero at the start and at the end never entered the fit */
        for (size_t q = 0; q < w.k && !rep->unident; q++)
            if (zero0[q] && mp_column_zero(w.J, w.n, q))
                rep->unident = q + 1;
        if (rep->unident)
            st = GN_EZERO;
    }
    free(zero0);
    mws_free(&w);
    return st;
}

/* ------------------------------------------------ statistics at the solution */

/* Householder QR of the column-major m x k A in MPFR (overwritten; R in the upper
 * triangle, a column zero below the diagonal left as is); v (m) and t, u are scratch */
static void mp_house_r(mpfr_ptr A, size_t m, size_t k, mpfr_ptr v, mpfr_ptr t, mpfr_ptr u)
{
    for (size_t j = 0; j < k && j < m; j++) {
        mpfr_ptr a = A + j * m;
        gn_mp_la_nrm2sq(u, a + j, m - j, t);
        if (mpfr_zero_p(u))
            continue;
        mpfr_sqrt(u, u, MPFR_RNDN); /* alpha = -sign(a_j) |a| */
        if (mpfr_sgn(a + j) > 0)
            mpfr_neg(u, u, MPFR_RNDN);
        for (size_t i = j; i < m; i++)
            mpfr_set(v + i, a + i, MPFR_RNDN);
        mpfr_sub(v + j, v + j, u, MPFR_RNDN);
        gn_mp_la_nrm2sq(t, v + j, m - j, a + j); /* a_j is rewritten below */
        for (size_t q = j + 1; q < k; q++) {
            mpfr_ptr c = A + q * m;
            mpfr_t d;
            mpfr_init2(d, mpfr_get_prec(u));
            gn_mp_la_dot(d, v + j, c + j, m - j, a + j);
            mpfr_mul_2ui(d, d, 1, MPFR_RNDN);
            mpfr_div(d, d, t, MPFR_RNDN);
            for (size_t i = j; i < m; i++) {
                mpfr_mul(a + j, d, v + i, MPFR_RNDN);
                mpfr_sub(c + i, c + i, a + j, MPFR_RNDN);
            }
            mpfr_clear(d);
        }
        mpfr_set(a + j, u, MPFR_RNDN);
        for (size_t i = j + 1; i < m; i++)
            mpfr_set_zero(a + i, 1);
    }
}

/* se and the statistics from J (column-major n x k, overwritten) at the caller's sigma */
static void mp_covar_from(gn_fit_stats *st, mpfr_ptr se, mpfr_ptr J, mpfr_srcptr sigma,
                          mpfr_ptr ws, mpfr_t t, mpfr_t u)
{
    const size_t n = st->n, k = st->k;
    mpfr_ptr cn = ws, v = cn + k, Ri = v + n; /* k, n, k x k */
    for (size_t q = 0; q < k; q++) {
        gn_mp_la_nrm2sq(cn + q, J + q * n, n, t);
        mpfr_sqrt(cn + q, cn + q, MPFR_RNDN);
        for (size_t i = 0; i < n && !mpfr_zero_p(cn + q); i++)
            mpfr_div(J + q * n + i, J + q * n + i, cn + q, MPFR_RNDN);
    }
    mp_house_r(J, n, k, v, t, u);
    /* R^-1 (upper triangular, row-major Ri) and ||R||_F ||R^-1||_F >= cond_2 */
    double rmax = 0.0, nr = 0.0, ni = 0.0;
    int zero = 0;
    for (size_t j = 0; j < k; j++) {
        double d = fabs(mpfr_get_d(J + j * n + j, MPFR_RNDN));
        rmax = d > rmax ? d : rmax;
        zero |= mpfr_zero_p(J + j * n + j) != 0;
        for (size_t i = 0; i <= j; i++) {
            double e = mpfr_get_d(J + j * n + i, MPFR_RNDN);
            nr += e * e;
        }
    }
    st->rank = 0;
    for (size_t j = 0; j < k; j++)
        st->rank += fabs(mpfr_get_d(J + j * n + j, MPFR_RNDN)) >
                    (double)n * ldexp(1.0, -(int)mpfr_get_prec(t)) * rmax;
    if (zero) {
        st->cond = INFINITY;
        return;
    }
    for (size_t j = 0; j < k; j++)
        for (size_t i = j + 1; i-- > 0;) {
            if (i == j)
                mpfr_set_ui(t, 1, MPFR_RNDN);
            else
                mpfr_set_zero(t, 1);
            for (size_t q = i + 1; q <= j; q++) {
                mpfr_mul(u, J + q * n + i, Ri + q * k + j, MPFR_RNDN);
                mpfr_sub(t, t, u, MPFR_RNDN);
            }
            mpfr_div(Ri + i * k + j, t, J + i * n + i, MPFR_RNDN);
            double e = mpfr_get_d(Ri + i * k + j, MPFR_RNDN);
            ni += e * e;
        }
    st->cond = sqrt(nr) * sqrt(ni);
    st->determined = st->rank == k && st->dof > 0 && isfinite(st->cond);
    for (size_t p = 0; p < k && st->determined; p++) {
        /* se_p = sigma |row p of R^-1| / cn_p */
        gn_mp_la_nrm2sq(u, Ri + p * k + p, k - p, t);
        mpfr_sqrt(u, u, MPFR_RNDN);
        mpfr_mul(u, u, sigma, MPFR_RNDN);
        mpfr_div(se + p, u, cn + p, MPFR_RNDN);
    }
}

gn_status gn_mp_fit_covar(gn_fit_stats *st, mpfr_ptr se, mpfr_ptr sigma,
                          const gn_mp_fit_problem *p, mpfr_srcptr b, mpfr_prec_t prec)
{
    memset(st, 0, sizeof *st);
    st->sigma = st->rss = st->cond = NAN;
    mpfr_set_nan(sigma);
    if (!p || !p->model || p->model->nparams == 0 || p->n == 0)
        return GN_ESIZE;
    const size_t n = p->n, k = p->model->nparams;
    for (size_t q = 0; q < k; q++)
        mpfr_set_nan(se + q);
    st->n = n;
    st->k = k;
    st->dof = n > k ? n - k : 0;
    if (lits_ok(p->model, prec) || (p->resp && lits_ok(p->resp, prec)))
        return GN_EINPUT;
    mp_ws w;
    memset(&w, 0, sizeof w);
    const size_t nws = 2 * k + n + k * k;
    mpfr_ptr ws = gn_mp_vec_alloc(nws, prec);
    gn_status rc = GN_ENOMEM;
    const int have = ws != NULL;
    if (have && mws_alloc(&w, p, prec, 1) == 0) {
        gn_fit_report rep;
        rc = m_start(&w, &rep, b); /* r, J and S at b */
        for (size_t i = 0; rc == GN_OK && i < n * k; i++)
            if (!mpfr_number_p(w.J + i))
                rc = GN_ENONFINITE;
        if (rc == GN_OK) {
            st->rss = mpfr_get_d(w.S, MPFR_RNDN);
            if (st->dof > 0) {
                mpfr_div_ui(sigma, w.S, (unsigned long)st->dof, MPFR_RNDN);
                mpfr_sqrt(sigma, sigma, MPFR_RNDN);
                st->sigma = mpfr_get_d(sigma, MPFR_RNDN);
            }
            mp_covar_from(st, se, w.J, sigma, ws, w.t, w.u);
            if (!st->determined)
                for (size_t q = 0; q < k; q++)
                    mpfr_set_nan(se + q);
        }
    }
    if (have)
        mws_free(&w);
    gn_mp_vec_free(ws, nws);
    return rc;
}
