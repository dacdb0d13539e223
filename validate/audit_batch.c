/* audit_batch.c: one mini-batch record recomputed in MPFR and judged (val_audit_brule).
 *
 * The reference solves the defining system of MATH.md §9 by elimination (core/ref's
 * gn_mp_la_lu, partial pivoting) at the workspace's precision:
 *   push-through  (lambda I + D K / b) z = r,  d = -(1/b) J^T z,  K = J J^T, D = Q + mu I,
 *                 when bc <= d (the system is bc x bc);
 *   primal        (lambda I + J^T D J / b) d = -J^T r / b, when bc > d (d x d).
 * The two are the same d (Duncan-Guttman); the audit does not care which route the
 * implementation took. ignd_batch: d = (1/b) sum_i d_i with each d_i the one-sample
 * (3.11)-(3.12) direction of sample i (c = 1). Momentum: v = beta v_prev + (1 - beta) d
 * (MATH.md §9, "Momentum, precisely"), then w_after = w + alpha v, alpha the accepted step.
 *
 * The bound B (the error a straightforward implementation can make) is the derivation of
 * validate/val_dg.c applied to the recorded inputs, with the exact solution on the right
 * (hence the 1/(1 - theta) factors), and is written out in docs/audit.md ("Mini-batch
 * records: the bound"). In short, with u the trace's unit roundoff, n = bc, gamma_k =
 * k u/(1 - k u), T = (1/b) sum_s sum_aa' |D_s|_aa' |J_sa| |J_sa'|:
 *   primal   |dhat - d|_2 <= (E_g + E_A |d|) / (lambda (1 - E_A/lambda)),
 *            E_A = gamma_(n+c+4) T + u lambda + 2 gamma_(3d+2) (d lambda + T),
 *            E_g = gamma_(n+2) | |J|^T |r| |_2 / b; 1/lambda >= |A^-1|_2 (J^T D J PSD), so
 *            kappa_2(A) <= 1 + T/lambda is what the bound carries.
 *   push, LU |dhat - d|_2 <= (|J^T M^-1|_2 E_M |z| / (1 - theta) + gamma_(n+1) | |J|^T |z| |) / b
 *            + 2 u |d|, E_M = gamma_(d+c+3) (Dinf |J|_F^2 / b + lambda) + 2 gamma_(3n) (|M|_F +
 *            sqrt(n) rho |M|_inf), rho the growth of partial pivoting on M (from the
 *            reference's own factors), theta = |M^-1|_2 E_M, |J^T M^-1|_2 <= |J|_F / lambda.
 *   push, Cholesky of lambda D^-1 + K/b (diagonal D > 0): val_dg.c's form.
 * The bound taken is the largest over the routes the record allows (all of them unless it
 * declares "route"). theta >= 1/2: the system is too ill-conditioned for the type: B = inf,
 * the record is undetermined. */
#include "val_audit.h"

#include "gn_mp.h"
#include "gn_mp_la.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define R MPFR_RNDN
#define HASS(r, f) ((r)->has_s >> GN_IO_BTRACE_S_##f & 1u)
#define HASV(r, v) ((r)->has_v >> GN_IO_BTRACE_V_##v & 1u)

struct val_audit_bwork {
    mpfr_prec_t prec;
    size_t cJ, cK, cA, cD, cd, cm, cblk;
    mpfr_ptr J, K, M, A, x, g, z, y, vv, wa, col, rows, Dm, tmp;
    size_t *piv;
    uint64_t loaded;           /* record index + 1 whose J, K are loaded */
    size_t Kn;                 /* K computed for this record (0: not yet) */
    /* the paper rule's bounds on the loaded record, for the variants: [0] at the trace's
     * unit, [1] with the Gram formed in float32, [2] all at float32 (a dtype label check) */
    struct {
        double Bd, Bv, Bw; /* bounds, in units of the denominators below */
        double dd, dv, dw; /* denominators: u |d|_2 + eta, u |v|_2 + eta, u (|w| + |alpha v|)_inf + eta */
    } set[3];
    double rho, minv_inf, m_inf, m_f; /* the push factorisation's numbers */
    double zn, absJtz;
    int pushed;                /* the paper rule went through push_solve */
};

val_audit_bwork *val_audit_bwork_alloc(mpfr_prec_t prec)
{
    val_audit_bwork *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->prec = prec < 64 ? 64 : prec;
    w->tmp = gn_mp_vec_alloc(8, w->prec);
    if (!w->tmp) {
        free(w);
        return NULL;
    }
    return w;
}

void val_audit_bwork_free(val_audit_bwork *w)
{
    if (!w)
        return;
    gn_mp_vec_free(w->J, w->cJ);
    gn_mp_vec_free(w->K, w->cK);
    gn_mp_vec_free(w->M, w->cK);
    gn_mp_vec_free(w->A, w->cA);
    gn_mp_vec_free(w->x, w->cd);
    gn_mp_vec_free(w->g, w->cd);
    gn_mp_vec_free(w->vv, w->cd);
    gn_mp_vec_free(w->wa, w->cd);
    gn_mp_vec_free(w->y, w->cd);
    gn_mp_vec_free(w->z, w->cm);
    gn_mp_vec_free(w->col, w->cm);
    gn_mp_vec_free(w->rows, w->cm);
    gn_mp_vec_free(w->Dm, w->cblk);
    gn_mp_vec_free(w->tmp, 8);
    free(w->piv);
    free(w);
}

/* grows an MPFR array to n values */
static int need(mpfr_ptr *v, size_t *cap, size_t n, mpfr_prec_t prec)
{
    if (n <= *cap)
        return 0;
    mpfr_ptr p = gn_mp_vec_alloc(n, prec);
    if (!p)
        return -1;
    gn_mp_vec_free(*v, *cap);
    *v = p;
    *cap = n;
    return 0;
}

static int sizes(val_audit_bwork *w, size_t m, size_t d, size_t c, size_t b)
{
    size_t mm = m > d ? m : d; /* the LU pivots and inverse columns of either system */
    size_t cm0 = w->cm;
    if (need(&w->J, &w->cJ, m * d, w->prec) || need(&w->Dm, &w->cblk, b * c * c, w->prec))
        return -1;
    if (m <= 4096 && m * m > w->cK) {
        size_t ck = w->cK;
        if (need(&w->K, &w->cK, m * m, w->prec))
            return -1;
        w->cK = ck;
        if (need(&w->M, &w->cK, m * m, w->prec))
            return -1;
    }
    if (need(&w->z, &w->cm, mm, w->prec))
        return -1;
    w->cm = cm0;
    if (need(&w->col, &w->cm, mm, w->prec))
        return -1;
    w->cm = cm0;
    if (need(&w->rows, &w->cm, mm, w->prec))
        return -1;
    if (mm > cm0) {
        size_t *p = realloc(w->piv, mm * sizeof *p);
        if (!p)
            return -1;
        w->piv = p;
    }
    size_t cd0 = w->cd;
    mpfr_ptr *dv[] = {&w->x, &w->g, &w->vv, &w->wa, &w->y};
    for (size_t k = 0; k < 5; k++) {
        w->cd = cd0;
        if (need(dv[k], &w->cd, d, w->prec))
            return -1;
    }
    return 0;
}

static double gam(double k, double u) { return k * u >= 0.5 ? INFINITY : k * u / (1.0 - k * u); }

/* D = Q + mu I as b blocks c x c (without mu when no_mu) */
static void load_D(val_audit_bwork *w, const gn_io_btrace_rec *r, int no_mu)
{
    size_t b = r->b, c = r->c;
    double mu = HASS(r, MU) && !no_mu ? r->s[GN_IO_BTRACE_S_MU] : 0.0;
    for (size_t s = 0; s < b; s++)
        for (size_t a = 0; a < c; a++)
            for (size_t a2 = 0; a2 < c; a2++) {
                mpfr_ptr e = w->Dm + (s * c + a) * c + a2;
                size_t i = s * c + a, i2 = s * c + a2;
                if (HASV(r, Q))
                    mpfr_set_d(e, a == a2 ? r->v[GN_IO_BTRACE_V_Q][i] : 0.0, R);
                else if (HASV(r, QD))
                    mpfr_set_d(e, r->v[GN_IO_BTRACE_V_QD][i * c + a2], R);
                else {
                    const double *p = r->v[GN_IO_BTRACE_V_P];
                    mpfr_set_d(e, -p[i], R);
                    mpfr_mul_d(e, e, p[i2], R);
                    if (a == a2)
                        mpfr_add_d(e, e, p[i], R);
                }
                if (a == a2)
                    mpfr_add_d(e, e, mu, R);
            }
}

/* K = J J^T (m x m), computed once per record */
static void load_K(val_audit_bwork *w, size_t m, size_t d)
{
    if (w->Kn == m)
        return;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j <= i; j++) {
            gn_mp_la_dot(w->K + i * m + j, w->J + i * d, w->J + j * d, d, w->tmp);
            if (j < i)
                mpfr_set(w->K + j * m + i, w->K + i * m + j, R);
        }
    w->Kn = m;
}

/* x = -(1/bo) J^T z */
static void jt_z(val_audit_bwork *w, size_t m, size_t d, double bo)
{
    for (size_t k = 0; k < d; k++) {
        mpfr_set_zero(w->tmp, 1);
        for (size_t i = 0; i < m; i++)
            mpfr_fma(w->tmp, w->J + i * d + k, w->z + i, w->tmp, R);
        mpfr_div_d(w->x + k, w->tmp, -bo, R);
    }
}

/* the push-through solve under the knobs: M z = r, x = -(1/bo) J^T z. 0, or -1 singular.
 * With info, also the growth rho, |M|_inf, |M|_F, |M^-1|_inf of the paper rule's M. */
static int push_solve(val_audit_bwork *w, const gn_io_btrace_rec *r, const val_audit_bknobs *k,
                      double lam, double bc, double bo, int info)
{
    size_t b = r->b, c = r->c, m = b * c, d = r->d;
    load_K(w, m, d);
    mpfr_ptr t = w->tmp + 1;
    mpfr_set_d(w->tmp + 7, lam, R);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            mpfr_ptr e = w->M + i * m + j;
            mpfr_set_zero(e, 1);
            for (size_t a = 0; a < c; a++) {
                if (k->qside) { /* (K D)_ij over j's block */
                    size_t s = j / c, ra = s * c + a;
                    mpfr_mul(t, w->K + i * m + ra, w->Dm + ra * c + j % c, R);
                } else {
                    size_t s = i / c, ra = s * c + a;
                    mpfr_mul(t, w->Dm + i * c + a, w->K + ra * m + j, R);
                }
                mpfr_add(e, e, t, R);
            }
            if (k->damp_inside && i / c == j / c) /* D (K + lambda I) */
                mpfr_fma(e, w->Dm + i * c + j % c, w->tmp + 7, e, R);
            mpfr_div_d(e, e, bc, R);
            if (k->lamq && i / c == j / c) {
                mpfr_mul_d(t, w->Dm + i * c + j % c, lam, R);
                mpfr_add(e, e, t, R);
            } else if (!k->damp_inside && !k->lamq && i == j)
                mpfr_add_d(e, e, lam, R);
        }
    if (info)
        gn_mp_la_norminf(w->tmp + 2, w->M, m, m, w->tmp + 3);
    if (info) {
        w->m_inf = mpfr_get_d(w->tmp + 2, MPFR_RNDU);
        double f = 0.0;
        for (size_t i = 0; i < m * m; i++) {
            double e = mpfr_get_d(w->M + i, MPFR_RNDA);
            f += e * e;
        }
        w->m_f = sqrt(f) * (1.0 + 0x1p-40);
    }
    for (size_t i = 0; i < m; i++)
        mpfr_set_d(w->z + i, r->v[GN_IO_BTRACE_V_R][i], R);
    double rho = 0.0;
    if (gn_mp_la_lu(w->M, w->piv, m, info ? &rho : NULL, w->tmp + 2))
        return -1;
    gn_mp_la_lu_solve(w->z, w->M, w->piv, m, w->tmp + 2);
    if (info) {
        w->rho = rho;
        gn_mp_la_lu_inv_norminf(w->tmp + 2, w->M, w->piv, m, w->col, w->rows, w->tmp + 3);
        w->minv_inf = mpfr_get_d(w->tmp + 2, MPFR_RNDU);
    }
    jt_z(w, m, d, bo);
    return 0;
}

/* the primal solve (lambda I + J^T D J / bc) x = -J^T r / bo; 0, or -1 singular. With
 * info, |A^-1|_inf into minv_inf (needed when lambda = 0). */
static int primal_solve(val_audit_bwork *w, const gn_io_btrace_rec *r, double lam, double bc,
                        double bo, int info)
{
    size_t b = r->b, c = r->c, d = r->d;
    if (need(&w->A, &w->cA, d * d, w->prec))
        return -2;
    mpfr_ptr t = w->tmp + 1, u = w->tmp + 2;
    for (size_t k = 0; k < d; k++)
        for (size_t l = 0; l < d; l++)
            mpfr_set_zero(w->A + k * d + l, 1);
    for (size_t s = 0; s < b; s++)
        for (size_t a = 0; a < c; a++)
            for (size_t a2 = 0; a2 < c; a2++) {
                mpfr_srcptr D = w->Dm + (s * c + a) * c + a2;
                if (mpfr_zero_p(D))
                    continue;
                mpfr_srcptr Ja = w->J + (s * c + a) * d, Jb = w->J + (s * c + a2) * d;
                for (size_t k = 0; k < d; k++) {
                    mpfr_mul(t, Ja + k, D, R);
                    for (size_t l = 0; l < d; l++) {
                        mpfr_mul(u, t, Jb + l, R);
                        mpfr_add(w->A + k * d + l, w->A + k * d + l, u, R);
                    }
                }
            }
    for (size_t k = 0; k < d * d; k++)
        mpfr_div_d(w->A + k, w->A + k, bc, R);
    for (size_t k = 0; k < d; k++)
        mpfr_add_d(w->A + k * d + k, w->A + k * d + k, lam, R);
    for (size_t k = 0; k < d; k++) {
        mpfr_set_zero(t, 1);
        for (size_t i = 0; i < b * c; i++)
            mpfr_fma(t, w->J + i * d + k, w->z + i, t, R); /* z holds r here */
        mpfr_div_d(w->x + k, t, -bo, R);
    }
    if (gn_mp_la_lu(w->A, w->piv, d, NULL, w->tmp + 3))
        return -1;
    gn_mp_la_lu_solve(w->x, w->A, w->piv, d, w->tmp + 3);
    if (info) {
        gn_mp_la_lu_inv_norminf(w->tmp + 3, w->A, w->piv, d, w->col, w->rows, w->tmp + 4);
        w->minv_inf = mpfr_get_d(w->tmp + 3, MPFR_RNDU);
    }
    return 0;
}

/* ignd_batch (c = 1): x = -(1/bo) sum_i r_i j_i / (D_i |j_i|^2 + lambda); *sabs gets
 * | sum_i |x_i| |_2 * bo for the bound */
static void ignd_mean(val_audit_bwork *w, const gn_io_btrace_rec *r, double lam, double bo,
                      double *sabs)
{
    size_t b = r->b, d = r->d;
    mpfr_ptr den = w->tmp + 1, f = w->tmp + 2;
    double *acc = sabs ? calloc(d, sizeof *acc) : NULL;
    for (size_t k = 0; k < d; k++)
        mpfr_set_zero(w->x + k, 1);
    for (size_t i = 0; i < b; i++) {
        gn_mp_la_nrm2sq(den, w->J + i * d, d, w->tmp + 3);
        mpfr_mul(den, den, w->Dm + i, R);
        mpfr_add_d(den, den, lam, R);
        if (mpfr_zero_p(den))
            continue; /* j_i = 0 with lambda = 0: an undefined sample; caller checks lam */
        mpfr_set_d(f, r->v[GN_IO_BTRACE_V_R][i], R);
        mpfr_div(f, f, den, R);
        double fd = fabs(mpfr_get_d(f, MPFR_RNDA));
        for (size_t k = 0; k < d; k++) {
            mpfr_fma(w->x + k, f, w->J + i * d + k, w->x + k, R);
            if (acc)
                acc[k] += fd * fabs(r->v[GN_IO_BTRACE_V_J][i * d + k]);
        }
    }
    for (size_t k = 0; k < d; k++)
        mpfr_div_d(w->x + k, w->x + k, -bo, R);
    if (sabs) {
        double s = 0.0;
        for (size_t k = 0; acc && k < d; k++)
            s += acc[k] * acc[k];
        *sabs = acc ? sqrt(s) * (1.0 + 0x1p-40) : INFINITY;
        free(acc);
    }
}

static double nrm2d(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return sqrt(s) * (1.0 + 0x1p-40);
}

static double mp_nrm(mpfr_srcptr x, size_t n, int inf)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(mpfr_get_d(x + i, MPFR_RNDA));
        s = inf ? fmax(s, e) : s + e * e;
    }
    return inf ? s : sqrt(s) * (1.0 + 0x1p-40);
}


/* magnitudes of the record the bound needs (double, each rounded up by its own relative
 * error: negligible against the gamma constants, see val_dg.c) */
typedef struct {
    double nJF2, T, Dinf, Dmin, Dmax, absJtr, h2;
    int diag_pos; /* D diagonal with every entry > 0 */
} bmags;

static void mags(bmags *g, val_audit_bwork *w, const gn_io_btrace_rec *r)
{
    size_t b = r->b, c = r->c, m = b * c, d = r->d;
    const double *J = r->v[GN_IO_BTRACE_V_J], *rv = r->v[GN_IO_BTRACE_V_R];
    double *rn = malloc(m * sizeof *rn), *t = calloc(d, sizeof *t);
    memset(g, 0, sizeof *g);
    g->Dmin = INFINITY;
    g->diag_pos = HASV(r, Q);
    for (size_t i = 0; i < m; i++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++) {
            s += J[i * d + k] * J[i * d + k];
            if (t)
                t[k] += fabs(J[i * d + k]) * fabs(rv[i]);
        }
        g->nJF2 += s;
        if (rn)
            rn[i] = sqrt(s);
    }
    for (size_t s = 0; s < b; s++)
        for (size_t a = 0; a < c; a++) {
            double row = 0.0;
            for (size_t a2 = 0; a2 < c; a2++) {
                double e = fabs(mpfr_get_d(w->Dm + (s * c + a) * c + a2, MPFR_RNDA));
                if (HASV(r, P)) /* the primal route's split diag(p + mu) - p p^T */
                    e = a == a2 ? e + 2.0 * r->v[GN_IO_BTRACE_V_P][s * c + a] * r->v[GN_IO_BTRACE_V_P][s * c + a]
                                : e;
                row += e;
                if (rn)
                    g->T += e * rn[s * c + a] * rn[s * c + a2];
            }
            g->Dinf = fmax(g->Dinf, row);
            if (g->diag_pos) {
                double D = mpfr_get_d(w->Dm + s * c * c + a * c + a, MPFR_RNDN);
                g->diag_pos = D > 0.0;
                g->Dmin = fmin(g->Dmin, D);
                g->Dmax = fmax(g->Dmax, D);
                g->h2 += (rv[s * c + a] / D) * (rv[s * c + a] / D);
            }
        }
    g->T = rn ? g->T / (double)b * (1.0 + 0x1p-40) : INFINITY;
    g->nJF2 *= 1.0 + 0x1p-40;
    g->absJtr = t ? nrm2d(t, d) / (double)b : INFINITY;
    g->h2 = sqrt(g->h2);
    free(rn);
    free(t);
}

/* the primal route's bound on |dhat - d|_2 (lambda > 0: |A^-1|_2 <= 1/lambda; lambda = 0:
 * sqrt(d) |A^-1|_inf from the reference's factors); uf the unit of the Gram's formation */
static double bound_primal(const bmags *g, const gn_io_btrace_rec *r, double lam, double ainv,
                           double xn, double u, double uf)
{
    double n = (double)(r->b * r->c), c = (double)r->c, d = (double)r->d;
    double EA = gam(n + c + 4.0, uf) * g->T + u * lam +
                2.0 * gam(3.0 * d + 2.0, u) * (d * lam + g->T);
    double Eg = gam(n + 2.0, u) * g->absJtr;
    double th = ainv * EA;
    if (!(th < 0.5))
        return INFINITY;
    return ainv * (Eg + EA * xn) / (1.0 - th);
}

/* the push route's bound (LU form, and the Cholesky form when D is diagonal and > 0) */
static double bound_push(const val_audit_bwork *w, const bmags *g, const gn_io_btrace_rec *r,
                         double lam, double xn, double u, double uf)
{
    double n = (double)(r->b * r->c), c = (double)r->c, d = (double)r->d, b = (double)r->b;
    double minv2 = sqrt(n) * w->minv_inf;
    double EM = gam(d + c + 3.0, uf) * (g->Dinf * g->nJF2 / b + lam) +
                2.0 * gam(3.0 * n, u) * (w->m_f + sqrt(n) * w->rho * w->m_inf);
    double th = minv2 * EM;
    double jtm = lam > 0.0 ? sqrt(g->nJF2) / lam : sqrt(g->nJF2) * minv2;
    double P = !(th < 0.5) ? INFINITY
                           : (jtm * EM * w->zn / (1.0 - th) + gam(n + 1.0, u) * w->absJtz) / b +
                                 2.0 * u * xn;
    if (g->diag_pos && lam > 0.0) {
        double trB = lam * n / g->Dmin + g->nJF2 / b;
        double EB = gam(d + 2.0, uf) * (g->nJF2 / b + lam / g->Dmin) + 2.0 * gam(3.0 * n + 2.0, u) * trB;
        double thB = g->Dmax / lam * EB;
        double PB = !(thB < 0.5) ? INFINITY
                                 : 0.5 * sqrt(g->Dmax * b / lam) * (u * g->h2 + EB * w->zn) /
                                           (1.0 - thB) / b +
                                       gam(n + 1.0, u) * w->absJtz / b + 2.0 * u * xn;
        P = fmax(P, PB);
    }
    return P;
}

/* |J|^T |z| (2-norm) and |z| of the push solve just done */
static void push_mags(val_audit_bwork *w, const gn_io_btrace_rec *r)
{
    size_t m = r->b * r->c, d = r->d;
    const double *J = r->v[GN_IO_BTRACE_V_J];
    double s = 0.0;
    for (size_t k = 0; k < d; k++) {
        double t = 0.0;
        for (size_t i = 0; i < m; i++)
            t += fabs(J[i * d + k]) * fabs(mpfr_get_d(w->z + i, MPFR_RNDA));
        s += t * t;
    }
    w->absJtz = sqrt(s) * (1.0 + 0x1p-40);
    w->zn = mp_nrm(w->z, m, 0);
}

/* ------------------------------------------------------------ the rule */

static gn_status bad(char *msg, size_t len, const gn_io_btrace_rec *r, int f, int v,
                     gn_status st, const char *why)
{
    size_t col = f >= 0 ? r->scol[f] : v >= 0 ? r->vcol[v] : 0;
    const char *key = f >= 0 ? gn_io_btrace_field_name((gn_io_btrace_field)f)
                             : v >= 0 ? gn_io_btrace_vec_name((gn_io_btrace_vec)v) : "record";
    if (msg && len) {
        if (col)
            snprintf(msg, len, "%zu:%zu (%s): %s", r->line, col, key, why);
        else
            snprintf(msg, len, "%zu (%s): %s", r->line, key, why);
    }
    return st;
}

/* a c x c block (row-major) symmetric and positive semidefinite to within c u of its size:
 * LDL^T without pivoting in long double, a pivot below -tol is a negative eigenvalue */
static int psd_block(const double *q, size_t c)
{
    long double a[16][16];
    double mx = 0.0;
    if (c > 16)
        return 1; /* large blocks: the bound's 1/lambda needs PSD; checked by |M^-1| below */
    for (size_t i = 0; i < c; i++)
        for (size_t j = 0; j < c; j++) {
            a[i][j] = q[i * c + j];
            mx = fmax(mx, fabs(q[i * c + j]));
            if (q[i * c + j] != q[j * c + i])
                return 0;
        }
    double tol = 4.0 * (double)c * 0x1p-52 * mx;
    for (size_t k = 0; k < c; k++) {
        if (a[k][k] < -tol)
            return 0;
        if (a[k][k] <= tol)
            continue;
        for (size_t i = k + 1; i < c; i++)
            for (size_t j = k + 1; j < c; j++)
                a[i][j] -= a[i][k] * a[k][j] / a[k][k];
    }
    return 1;
}

static gn_status domain(const gn_io_btrace_rec *r, char *msg, size_t len)
{
    int damped = r->method != GN_IO_BTRACE_GN_BATCH_UNDAMPED;
    double lam = r->s[GN_IO_BTRACE_S_LAMBDA];
    if (damped && !(HASS(r, LAMBDA) && lam > 0.0))
        return bad(msg, len, r, GN_IO_BTRACE_S_LAMBDA, -1, GN_EINPUT,
                   "the damped methods need lambda > 0 (gn_batch_undamped has none)");
    if (HASS(r, MU) && !(r->s[GN_IO_BTRACE_S_MU] >= 0.0))
        return bad(msg, len, r, GN_IO_BTRACE_S_MU, -1, GN_EINPUT, "mu must be >= 0");
    if (HASV(r, WAFTER) && !HASS(r, ALPHA))
        return bad(msg, len, r, -1, GN_IO_BTRACE_V_WAFTER, GN_EINPUT,
                   "w_after needs alpha (the accepted step size)");
    if (HASS(r, BETA) != HASV(r, VPREV) ||
        (HASS(r, BETA) && !(r->s[GN_IO_BTRACE_S_BETA] >= 0.0 && r->s[GN_IO_BTRACE_S_BETA] < 1.0)))
        return bad(msg, len, r, GN_IO_BTRACE_S_BETA, -1, GN_EINPUT,
                   "momentum needs beta in [0, 1) and v_prev (the buffer before the step) together");
    if (HASV(r, V) && !HASS(r, BETA))
        return bad(msg, len, r, -1, GN_IO_BTRACE_V_V, GN_EINPUT, "v (the momentum buffer) without beta and v_prev");
    size_t m = r->b * r->c;
    if (HASV(r, Q))
        for (size_t i = 0; i < m; i++)
            if (r->v[GN_IO_BTRACE_V_Q][i] < 0.0)
                return bad(msg, len, r, -1, GN_IO_BTRACE_V_Q, GN_EINPUT,
                           "a negative curvature q_i: the loss is not convex in f (outside MATH.md §9)");
    if (HASV(r, P))
        for (size_t s = 0; s < r->b; s++) {
            double sum = 0.0;
            for (size_t a = 0; a < r->c; a++) {
                double p = r->v[GN_IO_BTRACE_V_P][s * r->c + a];
                if (p < 0.0)
                    return bad(msg, len, r, -1, GN_IO_BTRACE_V_P, GN_EINPUT, "a negative probability");
                sum += p;
            }
            if (sum > 1.0 + 4.0 * (double)r->c * val_audit_unit(r->dtype))
                return bad(msg, len, r, -1, GN_IO_BTRACE_V_P, GN_EINPUT, "probabilities summing above 1");
        }
    if (HASV(r, QD))
        for (size_t s = 0; s < r->b; s++)
            if (!psd_block(r->v[GN_IO_BTRACE_V_QD] + s * r->c * r->c, r->c))
                return bad(msg, len, r, -1, GN_IO_BTRACE_V_QD, GN_EINPUT,
                           "a block of Q is not symmetric positive semidefinite");
    if (r->method == GN_IO_BTRACE_IGND_BATCH && r->c != 1)
        return bad(msg, len, r, GN_IO_BTRACE_S_C, -1, GN_ERANGE,
                   "ignd_batch is audited for c = 1 only (one output per sample): undetermined");
    return GN_OK;
}

/* the direction under the knobs into w->x; info: the paper rule, also the route data */
static gn_status direction(val_audit_bwork *w, const gn_io_btrace_rec *r,
                           const val_audit_bknobs *k, int info, double *sabs)
{
    size_t b = r->b, m = b * r->c, d = r->d;
    int ignd = r->method == GN_IO_BTRACE_IGND_BATCH;
    double lam = r->method == GN_IO_BTRACE_GN_BATCH_UNDAMPED || k->no_lambda
                     ? 0.0 : r->s[GN_IO_BTRACE_S_LAMBDA];
    if (k->as_gn && r->method == GN_IO_BTRACE_GN_BATCH_UNDAMPED)
        return GN_EZERO;
    double bb = (double)b;
    double bc = k->b_missing || k->b_missing_curv ? 1.0 : k->b_twice ? bb * bb : bb;
    double bo = k->b_missing ? 1.0 : k->b_twice ? bb * bb : bb;
    if ((ignd && !k->as_gn) || k->as_ignd) {
        if (r->c != 1 || (lam == 0.0 && !ignd))
            return GN_EZERO;
        if (lam == 0.0)
            return GN_EZERO;
        ignd_mean(w, r, lam, bo, sabs);
        return GN_OK;
    }
    int push = k->qside || k->lamq || k->damp_inside || (m <= d && m <= 4096) ||
               (lam > 0.0 && m <= 256);
    if (lam == 0.0 && m > d)
        push = 0;
    if (push) {
        if (m > 4096)
            return GN_ERANGE;
        if (push_solve(w, r, k, lam, bc, bo, info))
            return GN_EZERO;
        if (info) {
            push_mags(w, r);
            w->pushed = 1;
        }
        return GN_OK;
    }
    for (size_t i = 0; i < m; i++)
        mpfr_set_d(w->z + i, r->v[GN_IO_BTRACE_V_R][i], R);
    int rc = primal_solve(w, r, lam, bc, bo, info && lam == 0.0);
    return rc == -2 ? GN_ENOMEM : rc ? GN_EZERO : GN_OK;
}

static int momentum(const gn_io_btrace_rec *r) { return HASS(r, BETA) && HASV(r, VPREV); }

/* v and w_after from w->x under the knobs (MPFR): vv, wa */
static gn_status compose(val_audit_bwork *w, const gn_io_btrace_rec *r, const val_audit_bknobs *k)
{
    size_t d = r->d;
    int mom = momentum(r);
    if ((k->mom_nodamp || k->mom_after) && !mom)
        return GN_EZERO;
    double beta = mom ? r->s[GN_IO_BTRACE_S_BETA] : 0.0;
    double alpha = HASS(r, ALPHA) ? r->s[GN_IO_BTRACE_S_ALPHA] : 0.0;
    mpfr_ptr t = w->tmp + 1;
    for (size_t i = 0; i < d; i++) {
        mpfr_ptr v = w->vv + i;
        if (!mom)
            mpfr_set(v, w->x + i, R);
        else if (k->mom_after)
            mpfr_set_d(v, r->v[GN_IO_BTRACE_V_VPREV][i], R);
        else {
            mpfr_set_d(t, 1.0, R);
            if (!k->mom_nodamp)
                mpfr_sub_d(t, t, beta, R);
            mpfr_mul(v, w->x + i, t, R);
            mpfr_set_d(t, r->v[GN_IO_BTRACE_V_VPREV][i], R);
            mpfr_mul_d(t, t, beta, R);
            mpfr_add(v, v, t, R);
        }
        mpfr_mul_d(t, v, k->flip_sign ? -alpha : alpha, R);
        mpfr_add_d(w->wa + i, t, r->v[GN_IO_BTRACE_V_W][i], R);
    }
    return GN_OK;
}

/* |got - exact| in the 2-norm (inf = 0) or the max norm (inf = 1), rounded up */
static double diffnorm(val_audit_bwork *w, const double *got, mpfr_srcptr ex, size_t n, int inf)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i]))
            return INFINITY;
        mpfr_sub_d(w->tmp + 1, ex + i, got[i], MPFR_RNDN);
        double e = fabs(mpfr_get_d(w->tmp + 1, MPFR_RNDA));
        s = inf ? fmax(s, e) : s + e * e;
    }
    return inf ? s : sqrt(s) * (1.0 + 0x1p-40);
}

/* the bounds of the recorded outputs from P (a bound on |dhat - d|_2) at unit u */
static void set_bounds(val_audit_bwork *w, const gn_io_btrace_rec *r, int which, double P, double u)
{
    size_t d = r->d;
    double eta = u == 0x1p-24 ? 0x1p-149 : 0x1p-1074;
    int mom = momentum(r);
    double beta = mom ? r->s[GN_IO_BTRACE_S_BETA] : 0.0;
    double alpha = HASS(r, ALPHA) ? fabs(r->s[GN_IO_BTRACE_S_ALPHA]) : 0.0;
    double xn = mp_nrm(w->x, d, 0), xi = mp_nrm(w->x, d, 1);
    double vn = mp_nrm(w->vv, d, 0), vi = mp_nrm(w->vv, d, 1), wi = mp_nrm(w->wa, d, 1);
    double vpn = mom ? nrm2d(r->v[GN_IO_BTRACE_V_VPREV], d) : 0.0, vpi = 0.0, w0 = 0.0;
    for (size_t i = 0; i < d; i++) {
        if (mom)
            vpi = fmax(vpi, fabs(r->v[GN_IO_BTRACE_V_VPREV][i]));
        w0 = fmax(w0, fabs(r->v[GN_IO_BTRACE_V_W][i]));
    }
    double g3 = gam(3.0, u), g4 = gam(4.0, u);
    /* v = fl(beta v_prev + (1 - beta) dhat): the blend's own roundings (beta's and 1 - beta's
     * conversions, two products, the sum) plus (1 - beta) times the direction's error */
    double V2 = mom ? (1.0 - beta) * (1.0 + g3) * P + g4 * (beta * vpn + (1.0 - beta) * xn) : P;
    double Vi = mom ? (1.0 - beta) * (1.0 + g3) * P + g4 * (beta * vpi + (1.0 - beta) * xi) : P;
    /* w_after = fl(w + fl(alpha v)): alpha's conversion and product (gamma_3 with the sum's
     * share), the sum's rounding u |w_after|, and alpha times v's error */
    double Wb = u * wi + (1.0 + g3) * alpha * Vi + g3 * alpha * vi + 2.0 * eta;
    w->set[which].dd = u * xn + eta;
    w->set[which].dv = u * vn + eta;
    w->set[which].dw = u * (w0 + alpha * vi) + eta;
    w->set[which].Bd = (P + eta) / w->set[which].dd;
    w->set[which].Bv = (V2 + eta) / w->set[which].dv;
    w->set[which].Bw = Wb / w->set[which].dw;
}

/* max over the recorded outputs of err / B with the bounds of set which */
static double judge(val_audit_bwork *w, const gn_io_btrace_rec *r, int which, double *err,
                    double *bound)
{
    size_t d = r->d;
    double worst = 0.0;
    *err = 0.0;
    *bound = w->set[which].Bw;
    struct {
        int has, v, inf;
        double den, B;
        mpfr_srcptr ex;
    } chk[3] = {
        {HASV(r, D), GN_IO_BTRACE_V_D, 0, w->set[which].dd, w->set[which].Bd, w->x},
        {HASV(r, V), GN_IO_BTRACE_V_V, 0, w->set[which].dv, w->set[which].Bv, w->vv},
        {HASV(r, WAFTER), GN_IO_BTRACE_V_WAFTER, 1, w->set[which].dw, w->set[which].Bw, w->wa}};
    for (int c = 0, first = 1; c < 3; c++) {
        if (!chk[c].has)
            continue;
        double e = diffnorm(w, r->v[chk[c].v], chk[c].ex, d, chk[c].inf) / chk[c].den;
        double q = chk[c].B < INFINITY ? e / chk[c].B : INFINITY;
        if (first || q > worst || q != q) {
            first = 0;
            worst = q != q ? INFINITY : q;
            *err = e;
            *bound = chk[c].B;
        }
    }
    return worst;
}

/* P, the bound on |dhat - d|_2, at unit u with the Gram formed at unit uf, from the paper
 * rule's solve just done (w->x, and the push data when pushed) */
static double dir_bound(val_audit_bwork *w, const gn_io_btrace_rec *r, const bmags *g,
                        double sabs, double u, double uf)
{
    size_t b = r->b, m = b * r->c, d = r->d;
    double xn = mp_nrm(w->x, d, 0);
    if (r->method == GN_IO_BTRACE_IGND_BATCH) /* each sample's (3.12) as ignd's n + 10
                                                 roundings, then the mean's b - 1 sums and /b */
        return (gam((double)d + 10.0, uf) + gam((double)b + 1.0, u)) * sabs / (double)b;
    int undamped = r->method == GN_IO_BTRACE_GN_BATCH_UNDAMPED;
    double lam = undamped ? 0.0 : r->s[GN_IO_BTRACE_S_LAMBDA];
    int use_push = w->pushed && r->route != GN_IO_BTRACE_ROUTE_PRIMAL;
    int use_primal = (!undamped || m >= d) && r->route != GN_IO_BTRACE_ROUTE_PUSH;
    if (!use_push && !use_primal)
        use_push = w->pushed;
    double P = 0.0;
    if (use_push)
        P = fmax(P, bound_push(w, g, r, lam, xn, u, uf));
    if (use_primal) {
        double ainv = undamped ? sqrt((double)d) * w->minv_inf : 1.0 / lam;
        P = fmax(P, bound_primal(g, r, lam, ainv, xn, u, uf));
    }
    return (use_push || use_primal) ? P : INFINITY;
}

/* the paper rule on a newly loaded record: solve, then the three bound sets */
static gn_status paper(val_audit_bwork *w, const gn_io_btrace_rec *r, char *msg, size_t len)
{
    static const val_audit_bknobs none;
    size_t m = r->b * r->c, d = r->d;
    gn_status st = domain(r, msg, len);
    if (st != GN_OK)
        return st;
    if (sizes(w, m, d, r->c, r->b))
        return GN_ENOMEM;
    gn_mp_vec_set_d(w->J, r->v[GN_IO_BTRACE_V_J], m * d);
    w->Kn = 0;
    w->pushed = 0;
    w->minv_inf = 0.0;
    load_D(w, r, 0);
    double sabs = 0.0;
    st = direction(w, r, &none, 1, &sabs);
    if (st == GN_EZERO)
        return bad(msg, len, r, -1, GN_IO_BTRACE_V_J, GN_EZERO,
                   "the system is singular (undamped with rank-deficient J or zeros in Q): "
                   "the minimum-norm direction needs a rank decision; undetermined");
    if (st != GN_OK)
        return st == GN_ERANGE ? bad(msg, len, r, GN_IO_BTRACE_S_B, -1, GN_ERANGE,
                                     "b c above 4096: too large for the reference's dense solve")
                               : st;
    if (w->pushed && w->m_inf * w->minv_inf * (double)m * ldexp(1.0, -(int)w->prec) > 0x1p-64)
        return bad(msg, len, r, -1, GN_IO_BTRACE_V_J, GN_ERANGE,
                   "the system is too ill-conditioned for the reference at this precision "
                   "(raise --prec)");
    bmags g;
    mags(&g, w, r);
    double u = val_audit_unit(r->dtype);
    double P[3] = {dir_bound(w, r, &g, sabs, u, u), dir_bound(w, r, &g, sabs, u, 0x1p-24),
                   dir_bound(w, r, &g, sabs, 0x1p-24, 0x1p-24)};
    if ((st = compose(w, r, &none)) != GN_OK)
        return st;
    set_bounds(w, r, 0, P[0], u);
    set_bounds(w, r, 1, P[1], u);
    set_bounds(w, r, 2, P[2], 0x1p-24);
    if (!(P[0] < INFINITY))
        return bad(msg, len, r, GN_IO_BTRACE_S_LAMBDA, -1, GN_ERANGE,
                   "the system is too ill-conditioned for the trace's type (the bound's "
                   "first-order condition kappa E < 1/2 fails): undetermined");
    return GN_OK;
}

static int w_is_w_after(const gn_io_btrace_rec *r)
{
    if (!HASV(r, WAFTER))
        return 0;
    for (size_t i = 0; i < r->d; i++)
        if (r->v[GN_IO_BTRACE_V_W][i] != r->v[GN_IO_BTRACE_V_WAFTER][i])
            return 0;
    return 1;
}

gn_status val_audit_brule(double *ratio, double *err, double *bound, val_audit_bwork *wk,
                          const gn_io_btrace_rec *r, const val_audit_bknobs *k, char *msg,
                          size_t msglen)
{
    static const val_audit_bknobs none;
    *ratio = *err = INFINITY;
    *bound = INFINITY;
    if (!k) {
        wk->loaded = 0;
        gn_status st = paper(wk, r, msg, msglen);
        if (st != GN_OK)
            return st;
        wk->loaded = r->index + 1;
        *ratio = judge(wk, r, 0, err, bound);
        return GN_OK;
    }
    if (wk->loaded != r->index + 1)
        return GN_EINPUT; /* the paper rule first */
    if (k->w_after_as_w) { /* w recorded after the update: w == w_after while the step moves */
        int moves = mp_nrm(wk->x, r->d, 1) > 0.0;
        *ratio = w_is_w_after(r) && moves ? 0.0 : INFINITY;
        return GN_OK;
    }
    if (k->as_f32 && !(r->dtype == GN_IO_TRACE_F64 && r->all_f32))
        return GN_EZERO;
    load_D(wk, r, k->no_mu);
    gn_status st = direction(wk, r, k, 0, NULL);
    if (st == GN_OK)
        st = compose(wk, r, k);
    load_D(wk, r, 0);
    if (st != GN_OK)
        return st;
    *ratio = judge(wk, r, k->gram_f32 ? 1 : k->as_f32 ? 2 : 0, err, bound);
    (void)none;
    return GN_OK;
}
