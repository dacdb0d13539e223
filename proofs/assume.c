/* assume.c: the convergence-assumption checkers of Theorem 4.1 (MATH.md §8) in double.
 * The MPFR recomputation and its error bound are in assume_mp.c. */
#include "pf_assume.h"
#include "gn_io.h"
#include "gn_jsonl.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>

static int finite1(double x) { return x - x == 0.0; }

gn_status pf_assume_problem_init(pf_assume_problem *pb, pf_assume_model model,
                                 gn_loss_kind loss, const double *X, const double *y,
                                 size_t n, size_t m, gn_mlp *mlp, gn_damping dmp)
{
    if (n == 0 || m == 0 || (int)model < 0 || model >= PF_ASSUME_NMODEL)
        return GN_ESIZE;
    if (model == PF_ASSUME_MLP && (!mlp || mlp->widths[0] != m))
        return GN_ESIZE;
    gn_status dst = gn_damping_check(0.0, dmp);
    if (dst != GN_OK)
        return dst;
    if (!gn_allfinite(X, n * m) || !gn_allfinite(y, n))
        return GN_ENONFINITE;
    if (loss == GN_LOSS_BCE)
        for (size_t i = 0; i < n; i++)
            if (!(y[i] >= 0.0 && y[i] <= 1.0))
                return GN_EDOM;
    if (loss != GN_LOSS_SQUARED && loss != GN_LOSS_BCE)
        return GN_EDOM;
    pb->model = model;
    pb->loss = loss;
    pb->n = n;
    pb->m = m;
    pb->X = X;
    pb->y = y;
    pb->mlp = model == PF_ASSUME_MLP ? mlp : NULL;
    pb->dmp = dmp;
    pb->inject = PF_ASSUME_INJECT_NONE;
    pb->rowwise = 0;
    switch (model) {
    case PF_ASSUME_LINEAR: pb->d = m; break;
    case PF_ASSUME_QUAD: pb->d = gn_quad_nfeatures(m, 1); break;
    default: pb->d = mlp->nparams; break;
    }
    return GN_OK;
}

/* ------------------------------------------------------------- schedule */

int pf_assume_robbins_monro(const pf_assume_schedule *s, const char **why)
{
    const char *r;
    int ok = 0;
    if (!(s->p > 0.5))
        r = "p <= 1/2: sum alpha_t^2 = alpha0^2 sum (t+t0)^(-2p) diverges";
    else if (!(s->p <= 1.0))
        r = "p > 1: sum alpha_t = alpha0 sum (t+t0)^(-p) converges";
    else {
        r = "1/2 < p <= 1: sum (t+t0)^(-p) diverges and sum (t+t0)^(-2p) converges";
        ok = 1;
    }
    if (why)
        *why = r;
    return ok;
}

gn_status pf_assume_schedule_check(const pf_assume_schedule *s, char *err, size_t errlen)
{
    const char *msg = NULL;
    char buf[160];
    if (!finite1(s->alpha0) || !(s->alpha0 > 0.0))
        snprintf(buf, sizeof buf, "alpha0 = %.17g: must be finite and > 0", s->alpha0), msg = buf;
    else if (!finite1(s->t0) || !(s->t0 > 0.0))
        snprintf(buf, sizeof buf, "t0 = %.17g: must be finite and > 0 (alpha_0 = alpha0/t0^p)",
                 s->t0), msg = buf;
    else if (!finite1(s->p) || !(s->p > 0.5) || !(s->p <= 1.0))
        snprintf(buf, sizeof buf,
                 "p = %.17g: Robbins-Monro (4.16) needs 1/2 < p <= 1 for alpha_t = "
                 "alpha0/(t+t0)^p", s->p), msg = buf;
    if (!msg)
        return GN_OK;
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    return GN_EDOM;
}

/* ------------------------------------------------------------ one row */

typedef struct {
    double *jbuf; /* d, for the quadratic features (the MLP has its own) */
} rowwork;

/* f and j for row i; *j points at the row (linear), jbuf (quad) or mlp->jbuf (MLP) */
static gn_status row_eval(double *f, const double **j, pf_assume_problem *pb, const double *w,
                          size_t i, rowwork *rw)
{
    const double *x = pb->X + i * pb->m;
    gn_status st;
    switch (pb->model) {
    case PF_ASSUME_LINEAR:
        st = gn_linear_eval(f, NULL, w, x, pb->m);
        *j = x;
        return st;
    case PF_ASSUME_QUAD:
        st = gn_quad_eval(f, rw->jbuf, w, x, pb->m, 1);
        *j = rw->jbuf;
        return st;
    default:
        st = gn_mlp_eval(pb->mlp, f, pb->mlp->jbuf, w, x);
        *j = pb->mlp->jbuf;
        return st;
    }
}

static void axpy(double *acc, double a, const double *x, size_t d)
{
    for (size_t k = 0; k < d; k++)
        acc[k] += a * x[k];
}

static void axpy2(double *acc1, double a1, double *acc2, double a2, const double *x, size_t d)
{
    for (size_t k = 0; k < d; k++) {
        double v = x[k];
        acc1[k] += a1 * v;
        acc2[k] += a2 * v;
    }
}


/* ------------------------------------------------- the MLP in row blocks */

/* For the MLP, the sensitivity's block for layer l is the outer product delta_l h_(l-1)^T
 * (plus delta_l for the bias), so over a block of B rows:
 *   forward   A_l = H_(l-1) W_l^T + b_l, H_l = act(A_l)            (GEMM)
 *   backward  D_(l-1) = (D_l W_l) .* act'(A_(l-1)), D_L = 1          (GEMM)
 *   |j_i|^2   = sum_l |D_l,i|^2 (|H_(l-1),i|^2 + 1)                  (no j formed)
 *   sums      [sum_i a_i D_l,i h_i^T ; sum_i b_i D_l,i h_i^T] = E^T H_(l-1), E = [aD, bD]
 * with a_i = l'_i and b_i = xi_i l'_i: the same quantities as gn_mlp_eval's row by row,
 * summed in another order (the MPFR bound of assume_mp.c allows any order: depth <= terms). */
enum { BLOCK = 256 };

/* the running sums and extremes over rows: sums[4] = F, |g|^2, |xi g|^2, xi; stats[4] =
 * S^2, H, xi_min, xi_max */
typedef struct {
    double sF, sg2, sxig2, sxi, S2, Hm, xlo, xhi;
} blocksums;

/* per row of the block: loss, |j_i|^2 = sum_l |D_l,i|^2 (|H_(l-1),i|^2 + 1), xi; the
 * coefficients a_i = l'_i (ca) and b_i = xi_i l'_i (cb) */
static gn_status block_rows(double *ca, double *cb, blocksums *bs, const gn_mlp_batch *bt,
                            const pf_assume_problem *pb, const double *w, size_t i0, size_t B)
{
    const gn_mlp *M = pb->mlp;
    size_t L = M->nlayers;
    const double *f = bt->H + bt->hoff[L] * bt->cap;
    for (size_t i = 0; i < B; i++) {
        gn_lossval lv;
        if (!isfinite(f[i]))
            return gn_allfinite(w, pb->d) ? GN_ERANGE : GN_ENONFINITE;
        gn_status st = gn_loss_eval(&lv, pb->loss, f[i], pb->y[i0 + i]);
        if (st != GN_OK)
            return st;
        double s = 0;
        for (size_t l = 1; l <= L; l++) {
            size_t in = M->widths[l - 1], out = M->widths[l];
            const double *Dl = bt->D + bt->uoff[l] * bt->cap + i * out;
            const double *Hl = bt->H + bt->hoff[l - 1] * bt->cap + i * in;
            s += gn_dot(Dl, Dl, out) * (gn_dot(Hl, Hl, in) + 1.0);
        }
        if (!isfinite(s))
            return GN_ERANGE;
        double xi = 1.0 / ((lv.lpp + pb->dmp.mu) * s + pb->dmp.lambda);
        double lp2jj = lv.lp * lv.lp * s;
        ca[i] = lv.lp;
        cb[i] = xi * lv.lp;
        bs->sF += lv.l;
        bs->sg2 += lp2jj;
        bs->sxig2 += xi * xi * lp2jj;
        bs->sxi += xi;
        bs->S2 = fmax(bs->S2, s);
        bs->Hm = fmax(bs->Hm, lv.lpp);
        bs->xlo = fmin(bs->xlo, xi);
        bs->xhi = fmax(bs->xhi, xi);
    }
    return GN_OK;
}

/* G += sum_i a_i j_i, XG += sum_i b_i j_i over the block: per layer
 * [sum_i a_i D_l,i h_i^T ; sum_i b_i D_l,i h_i^T] = E^T H_(l-1), E = [aD, bD] (B x 2 out),
 * and the bias parts sum_i a_i D_l,i, sum_i b_i D_l,i */
static void block_sums(double *G, double *XG, double *E, double *acc, const double *ca,
                       const double *cb, const gn_mlp_batch *bt, const gn_mlp *M, size_t B)
{
    for (size_t l = 1; l <= M->nlayers; l++) {
        size_t in = M->widths[l - 1], out = M->widths[l];
        const double *Dl = bt->D + bt->uoff[l] * bt->cap;
        const double *Hin = bt->H + bt->hoff[l - 1] * bt->cap;
        for (size_t i = 0; i < B; i++)
            for (size_t o = 0; o < out; o++) {
                E[i * 2 * out + o] = ca[i] * Dl[i * out + o];
                E[i * 2 * out + out + o] = cb[i] * Dl[i * out + o];
            }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(2 * out), (int)in, (int)B,
                    1.0, E, (int)(2 * out), Hin, (int)in, 0.0, acc, (int)in);
        size_t off = M->offset[l - 1];
        for (size_t o = 0; o < out; o++) {
            double *g = G + off + o * in, *xg = XG + off + o * in;
            const double *r1 = acc + o * in, *r2 = acc + (out + o) * in;
            for (size_t q = 0; q < in; q++) {
                g[q] += r1[q];
                xg[q] += r2[q];
            }
            double gb = 0, xb = 0;
            for (size_t i = 0; i < B; i++) {
                gb += E[i * 2 * out + o];
                xb += E[i * 2 * out + out + o];
            }
            G[off + in * out + o] += gb;
            XG[off + in * out + o] += xb;
        }
    }
}

static gn_status mlp_blocks(double *sums, double *G, double *XG, double *stats,
                            pf_assume_problem *pb, const double *w)
{
    const gn_mlp *M = pb->mlp;
    size_t maxw = 0;
    for (size_t l = 0; l <= M->nlayers; l++)
        if (M->widths[l] > maxw)
            maxw = M->widths[l];
    /* E: stacked coefficients (B x 2 maxw); acc: 2 maxw x maxw; per-row ca, cb */
    double *buf = malloc((BLOCK * (2 * maxw + 2) + 2 * maxw * maxw) * sizeof(double));
    gn_mlp_batch *bt = gn_mlp_batch_alloc(M, BLOCK);
    gn_status st = GN_ENOMEM;
    blocksums bs = {0, 0, 0, 0, 0, 0, INFINITY, 0};
    if (!buf || !bt)
        goto out;
    double *E = buf, *ca = E + BLOCK * 2 * maxw, *cb = ca + BLOCK, *acc = cb + BLOCK;
    st = GN_OK;
    for (size_t i0 = 0; i0 < pb->n && st == GN_OK; i0 += BLOCK) {
        size_t B = pb->n - i0 < BLOCK ? pb->n - i0 : BLOCK;
        st = gn_mlp_batch_eval(bt, M, w, pb->X + i0 * pb->m, B);
        if (st == GN_OK)
            st = block_rows(ca, cb, &bs, bt, pb, w, i0, B);
        if (st == GN_OK)
            block_sums(G, XG, E, acc, ca, cb, bt, M, B);
    }
    if (st == GN_OK) {
        sums[0] = bs.sF;
        sums[1] = bs.sg2;
        sums[2] = bs.sxig2;
        sums[3] = bs.sxi;
        stats[0] = bs.S2;
        stats[1] = bs.Hm;
        stats[2] = bs.xlo;
        stats[3] = bs.xhi;
    }
out:
    gn_mlp_batch_free(bt);
    free(buf);
    return st;
}

gn_status pf_assume_eval(pf_assume_point *pt, double *grad, double *exig,
                         pf_assume_problem *pb, const double *w)
{
    size_t d = pb->d, n = pb->n;
    double *G = calloc(2 * d, sizeof(double));
    rowwork rw = {pb->model == PF_ASSUME_QUAD ? malloc(d * sizeof(double)) : NULL};
    if (!G || (pb->model == PF_ASSUME_QUAD && !rw.jbuf)) {
        free(G);
        free(rw.jbuf);
        return GN_ENOMEM;
    }
    double *XG = G + d;
    double sF = 0, sxig2 = 0, sg2 = 0, sxi = 0, S2 = 0, H = 0;
    double xlo = INFINITY, xhi = 0;
    gn_status st = GN_OK;
    if (pb->model == PF_ASSUME_MLP && !pb->rowwise) {
        double sums[4], stats[4];
        st = mlp_blocks(sums, G, XG, stats, pb, w);
        if (st == GN_OK) {
            sF = sums[0];
            sg2 = sums[1];
            sxig2 = sums[2];
            sxi = sums[3];
            S2 = stats[0];
            H = stats[1];
            xlo = stats[2];
            xhi = stats[3];
        }
        n = st == GN_OK ? 0 : n; /* skip the row loop */
    }
    for (size_t i = 0; i < n && st == GN_OK; i++) {
        double f, jj;
        const double *j;
        gn_lossval lv;
        if ((st = row_eval(&f, &j, pb, w, i, &rw)) != GN_OK)
            break;
        if ((st = gn_loss_eval(&lv, pb->loss, f, pb->y[i])) != GN_OK)
            break;
        if ((st = gn_norm2sq(&jj, j, d)) != GN_OK)
            break;
        /* xi (3.13); the quotients below are formed from |j|^2 directly */
        double den = (lv.lpp + pb->dmp.mu) * jj + pb->dmp.lambda;
        double xi = 1.0 / den;
        double lp2jj = lv.lp * lv.lp * jj;
        sF += lv.l;
        sg2 += lp2jj;
        sxig2 += xi * xi * lp2jj;
        sxi += xi;
        axpy2(G, lv.lp, XG, xi * lv.lp, j, d);
        if (jj > S2)
            S2 = jj;
        if (lv.lpp > H)
            H = lv.lpp;
        if (xi < xlo)
            xlo = xi;
        if (xi > xhi)
            xhi = xi;
    }
    n = pb->n;
    if (st == GN_OK) {
        double inv = 1.0 / (double)n;
        for (size_t k = 0; k < 2 * d; k++)
            G[k] *= inv;
        pf_assume_point p;
        p.F = sF * inv;
        p.g2 = sg2 * inv;
        p.xig2 = sxig2 * inv;
        p.exi = sxi * inv;
        p.S = sqrt(S2);
        p.H = H;
        p.xi_lo = xlo;
        p.xi_hi = xhi;
        p.grad2 = gn_dot(G, G, d);
        if (pb->inject == PF_ASSUME_INJECT_XI_MEAN)
            for (size_t k = 0; k < d; k++)
                XG[k] = p.exi * G[k];
        double num = gn_dot(G, XG, d);
        if (p.grad2 > 0.0) {
            p.c = pb->inject == PF_ASSUME_INJECT_NORM ? num / sqrt(p.grad2) : num / p.grad2;
            p.rho = p.g2 / p.grad2;
        } else {
            p.c = NAN;
            p.rho = NAN;
        }
        if (!finite1(p.F) || !finite1(p.g2) || !finite1(p.grad2))
            st = GN_ERANGE;
        else {
            *pt = p;
            if (grad)
                memcpy(grad, G, d * sizeof(double));
            if (exig)
                memcpy(exig, XG, d * sizeof(double));
        }
    }
    free(G);
    free(rw.jbuf);
    return st;
}

gn_status pf_assume_grad(double *F, double *grad, pf_assume_problem *pb, const double *w)
{
    if (pb->model == PF_ASSUME_MLP && !pb->rowwise) {
        pf_assume_point p;
        gn_status st = pf_assume_eval(&p, grad, NULL, pb, w);
        if (st == GN_OK)
            *F = p.F;
        return st;
    }
    size_t d = pb->d, n = pb->n;
    rowwork rw = {pb->model == PF_ASSUME_QUAD ? malloc(d * sizeof(double)) : NULL};
    if (pb->model == PF_ASSUME_QUAD && !rw.jbuf)
        return GN_ENOMEM;
    double *G = calloc(d, sizeof(double));
    if (!G) {
        free(rw.jbuf);
        return GN_ENOMEM;
    }
    double sF = 0;
    gn_status st = GN_OK;
    for (size_t i = 0; i < n && st == GN_OK; i++) {
        double f;
        const double *j;
        gn_lossval lv;
        if ((st = row_eval(&f, &j, pb, w, i, &rw)) != GN_OK)
            break;
        if ((st = gn_loss_eval(&lv, pb->loss, f, pb->y[i])) != GN_OK)
            break;
        sF += lv.l;
        axpy(G, lv.lp, j, d);
    }
    if (st == GN_OK) {
        for (size_t k = 0; k < d; k++)
            grad[k] = G[k] / (double)n;
        *F = sF / (double)n;
    }
    free(G);
    free(rw.jbuf);
    return st;
}

/* ----------------------------------------------------------- trajectory */

gn_status pf_assume_trajectory(double *W, size_t *ts, size_t *done, pf_assume_problem *pb,
                               const double *w0, const pf_assume_schedule *s, size_t T,
                               size_t K, uint64_t seed)
{
    gn_status st = pf_assume_schedule_check(s, NULL, 0);
    if (done)
        *done = 0;
    if (st != GN_OK)
        return st;
    if (K == 0)
        return GN_ESIZE;
    size_t d = pb->d;
    double *w = malloc(d * sizeof(double));
    double *jq = pb->model == PF_ASSUME_QUAD ? malloc(d * sizeof(double)) : NULL;
    if (!w || (pb->model == PF_ASSUME_QUAD && !jq)) {
        free(w);
        free(jq);
        return GN_ENOMEM;
    }
    memcpy(w, w0, d * sizeof(double));
    gn_rng r;
    gn_rng_seed(&r, seed, 1);
    size_t k = 0;
    for (size_t t = 0; t <= T && k < K; t++) {
        size_t tk = K == 1 ? 0 : (size_t)llround((double)k * (double)T / (double)(K - 1));
        while (k < K && tk == t) {
            memcpy(W + k * d, w, d * sizeof(double));
            ts[k] = t;
            k++;
            if (done)
                *done = k;
            tk = K == 1 ? 0 : (size_t)llround((double)k * (double)T / (double)(K - 1));
        }
        if (t == T || k == K)
            break;
        size_t i = (size_t)(gn_rng_uniform(&r) * (double)pb->n);
        if (i >= pb->n)
            i = pb->n - 1;
        const double *x = pb->X + i * pb->m;
        double alpha = s->alpha0 / pow((double)t + s->t0, s->p);
        switch (pb->model) {
        case PF_ASSUME_LINEAR:
            st = gn_linear_step_ignd(w, NULL, x, pb->m, pb->y[i], pb->loss, alpha, pb->dmp);
            break;
        case PF_ASSUME_QUAD: {
            double f;
            gn_lossval lv;
            st = gn_quad_eval(&f, jq, w, x, pb->m, 1);
            if (st == GN_OK)
                st = gn_loss_eval(&lv, pb->loss, f, pb->y[i]);
            if (st == GN_OK)
                st = gn_step_ignd(w, jq, d, lv.lp, lv.lpp, alpha, pb->dmp);
            break;
        }
        default:
            st = gn_mlp_step_ignd(pb->mlp, w, NULL, x, pb->y[i], pb->loss, alpha, pb->dmp);
            break;
        }
        if (st != GN_OK)
            break;
    }
    free(w);
    free(jq);
    return st;
}

/* -------------------------------------------------------------------- L */

/* feature row i of a linear-in-w model into phi */
static gn_status features(double *phi, const pf_assume_problem *pb, size_t i)
{
    const double *x = pb->X + i * pb->m;
    if (pb->model == PF_ASSUME_LINEAR) {
        memcpy(phi, x, pb->m * sizeof(double));
        return GN_OK;
    }
    return gn_quad_features(phi, x, pb->m, 1);
}

gn_status pf_assume_L_exact(double *L, const pf_assume_problem *pb)
{
    if (pb->model == PF_ASSUME_MLP)
        return GN_EDOM;
    size_t d = pb->d;
    if (d > 4096)
        return GN_ESIZE;
    gsl_matrix *A = gsl_matrix_calloc(d, d);
    gsl_vector *ev = gsl_vector_alloc(d);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(d);
    double *phi = malloc(d * sizeof(double));
    gn_status st = GN_OK;
    if (!A || !ev || !ws || !phi)
        st = GN_ENOMEM;
    for (size_t i = 0; st == GN_OK && i < pb->n; i++) {
        if ((st = features(phi, pb, i)) != GN_OK)
            break;
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b <= a; b++)
                A->data[a * A->tda + b] += phi[a] * phi[b];
    }
    if (st == GN_OK) {
        double inv = 1.0 / (double)pb->n;
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b <= a; b++)
                A->data[a * A->tda + b] *= inv; /* gsl_eigen_symm reads the lower triangle */
        if (gsl_eigen_symm(A, ev, ws) != 0)
            st = GN_ESINGULAR;
        else {
            double mx = 0;
            for (size_t k = 0; k < d; k++)
                if (gsl_vector_get(ev, k) > mx)
                    mx = gsl_vector_get(ev, k);
            *L = pb->loss == GN_LOSS_BCE ? 0.25 * mx : mx;
        }
    }
    gsl_matrix_free(A);
    gsl_vector_free(ev);
    gsl_eigen_symm_free(ws);
    free(phi);
    return st;
}

gn_status pf_assume_L_power(double *L, pf_assume_problem *pb, const double *w, size_t iters,
                            uint64_t seed)
{
    if (iters == 0)
        return GN_ESIZE;
    size_t d = pb->d;
    double *v = malloc(4 * d * sizeof(double));
    if (!v)
        return GN_ENOMEM;
    double *wp = v + d, *gp = v + 2 * d, *gm = v + 3 * d;
    gn_rng r;
    gn_rng_seed(&r, seed, 2);
    double wmax = 0;
    for (size_t k = 0; k < d; k++) {
        v[k] = gn_rng_normal(&r);
        if (fabs(w[k]) > wmax)
            wmax = fabs(w[k]);
    }
    /* h = u^(1/3) (1 + |w|_inf) balances truncation h^2 and roundoff u/h */
    double h = cbrt(DBL_EPSILON / 2) * (1.0 + wmax);
    double lam = 0;
    gn_status st = GN_OK;
    for (size_t it = 0; it < iters && st == GN_OK; it++) {
        double nv = sqrt(gn_dot(v, v, d));
        if (!(nv > 0.0)) {
            lam = 0; /* Hv = 0 exactly: the curvature along v vanishes */
            break;
        }
        for (size_t k = 0; k < d; k++)
            v[k] /= nv;
        double Fp, Fm;
        for (size_t k = 0; k < d; k++)
            wp[k] = w[k] + h * v[k];
        if ((st = pf_assume_grad(&Fp, gp, pb, wp)) != GN_OK)
            break;
        for (size_t k = 0; k < d; k++)
            wp[k] = w[k] - h * v[k];
        if ((st = pf_assume_grad(&Fm, gm, pb, wp)) != GN_OK)
            break;
        for (size_t k = 0; k < d; k++)
            gp[k] = (gp[k] - gm[k]) / (2 * h);
        lam = fabs(gn_dot(v, gp, d)); /* Rayleigh quotient with |v| = 1 */
        memcpy(v, gp, d * sizeof(double));
    }
    if (st == GN_OK)
        *L = lam;
    free(v);
    return st;
}

gn_status pf_assume_noise_floor(double *floor, double *rel_res, double *kappa, double *wstar,
                                const pf_assume_problem *pb)
{
    if (pb->model == PF_ASSUME_MLP || pb->loss != GN_LOSS_SQUARED)
        return GN_EDOM;
    size_t d = pb->d, n = pb->n;
    if (d > 4096)
        return GN_ESIZE;
    gsl_matrix *A = gsl_matrix_alloc(n, d), *cov = gsl_matrix_alloc(d, d);
    gsl_vector *yv = gsl_vector_alloc(n), *c = gsl_vector_alloc(d);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, d);
    gn_status st = (A && cov && yv && c && ws) ? GN_OK : GN_ENOMEM;
    for (size_t i = 0; st == GN_OK && i < n; i++) {
        st = features(A->data + i * A->tda, pb, i);
        gsl_vector_set(yv, i, pb->y[i]);
    }
    if (st == GN_OK) {
        double chisq;
        if (gsl_multifit_linear(A, yv, c, cov, &chisq, ws) != 0)
            st = GN_ESINGULAR;
    }
    if (st == GN_OK) {
        double s = 0, sr = 0, sy = 0;
        for (size_t i = 0; i < n; i++) {
            const double *phi = A->data + i * A->tda;
            double r = gn_dot(c->data, phi, d) - pb->y[i];
            s += r * r * gn_dot(phi, phi, d);
            sr += r * r;
            sy += pb->y[i] * pb->y[i];
        }
        *floor = s / (double)n;
        *rel_res = sy > 0 ? sqrt(sr / sy) : sqrt(sr / (double)n);
        double rc = gsl_multifit_linear_rcond(ws);
        *kappa = rc > 0 ? 1.0 / rc : INFINITY;
        if (wstar)
            for (size_t k = 0; k < d; k++)
                wstar[k] = gsl_vector_get(c, k);
    }
    gsl_matrix_free(A);
    gsl_matrix_free(cov);
    gsl_vector_free(yv);
    gsl_vector_free(c);
    gsl_multifit_linear_free(ws);
    return st;
}

/* ------------------------------------------------------------ (4.15) fit */

/* phi(MG) = max(0, max_k (m_k - MG G_k)) */
static double lower(const double *m, const double *G, size_t K, double MG)
{
    double v = 0;
    for (size_t k = 0; k < K; k++) {
        double e = m[k] - MG * G[k];
        if (e > v)
            v = e;
    }
    return v;
}

gn_status pf_assume_fit_moment(pf_assume_moment_fit *fit, const double *m, const double *G,
                               size_t K)
{
    if (K == 0)
        return GN_ESIZE;
    if (!gn_allfinite(m, K) || !gn_allfinite(G, K))
        return GN_ENONFINITE;
    double r0 = 0, mmax = 0, Gbar = 0, mzero = 0; /* mzero: max m over points with G = 0 */
    for (size_t k = 0; k < K; k++) {
        if (m[k] > mmax)
            mmax = m[k];
        Gbar += G[k] / (double)K;
        if (G[k] > 0) {
            if (m[k] / G[k] > r0)
                r0 = m[k] / G[k];
        } else if (m[k] > mzero)
            mzero = m[k];
    }
    fit->MG0_M = mmax;
    fit->M0_MG = mzero > 0 ? INFINITY : r0;
    /* candidates: 0, r0 and every pairwise crossing and every zero m_k/G_k in [0, r0] */
    double best = lower(m, G, K, 0.0), bM = best, bG = 0.0;
    for (size_t a = 0; a < K; a++) {
        for (size_t b = a; b < K; b++) {
            double MG;
            if (b == a) {
                if (!(G[a] > 0))
                    continue;
                MG = m[a] / G[a];
            } else {
                if (G[a] == G[b])
                    continue;
                MG = (m[a] - m[b]) / (G[a] - G[b]);
            }
            if (!(MG >= 0) || !(MG <= r0))
                continue;
            double M = lower(m, G, K, MG);
            double obj = M + MG * Gbar;
            if (obj < best) {
                best = obj;
                bM = M;
                bG = MG;
            }
        }
    }
    fit->M = bM;
    fit->MG = bG;
    return GN_OK;
}

/* ------------------------------------------------------------ Prop B.3 */

gn_status pf_assume_b3(pf_assume_b3_consts *out, double S, double H, double rho, gn_damping dmp)
{
    if (!finite1(S) || !finite1(H) || !finite1(rho) || S < 0 || H < 0 || rho < 1.0 - 1e-12 ||
        gn_damping_check(0.0, dmp) != GN_OK)
        return GN_EDOM;
    if (rho < 1.0)
        rho = 1.0;
    double a = (H + dmp.mu) * S * S;
    pf_assume_b3_consts b;
    b.xi_min = 1.0 / (a + dmp.lambda);
    b.xi_max = 1.0 / dmp.lambda;
    b.remark_lhs = sqrt(rho - 1.0);
    b.remark_rhs = a > 0 ? 2.0 * dmp.lambda / a : INFINITY;
    b.c_B3 = a > 0 ? b.xi_min - 0.5 * (b.xi_max - b.xi_min) * b.remark_lhs : b.xi_max;
    b.M_B3 = 0.0;
    b.MG_B3 = rho / (dmp.lambda * dmp.lambda);
    b.remark_holds = b.remark_lhs < b.remark_rhs;
    *out = b;
    return GN_OK;
}

/* -------------------------------------------------------- data generator */

gn_status pf_assume_generate(FILE *f, pf_assume_gen kind, size_t n, size_t m, uint64_t seed)
{
    if (n == 0 || m == 0 || m > 64 || (int)kind < 0 || kind >= PF_ASSUME_NGEN)
        return GN_ESIZE;
    gn_rng rx, re;
    gn_rng_seed(&rx, seed, 0);
    gn_rng_seed(&re, seed, 1);
    for (size_t k = 1; k <= m; k++)
        fprintf(f, "x%zu,", k);
    fprintf(f, "y\n");
    for (size_t i = 0; i < n; i++) {
        /* integers in hundredths so that y is exact in decimal */
        long xs[64], ys = 0;
        for (size_t k = 0; k < m; k++) {
            xs[k] = (long)floor(gn_rng_uniform(&rx) * 201.0) - 100; /* [-100, 100] */
            long wk2 = (long)(k + 1) * ((k % 2) ? 1 : -1);           /* 2 w*_k */
            ys += wk2 * xs[k];                                     /* hundredths * 2 */
            fprintf(f, "%s%ld.%02ld,", xs[k] < 0 ? "-" : "", labs(xs[k]) / 100,
                    labs(xs[k]) % 100);
        }
        /* ys/2 hundredths: print with 3 decimals when odd */
        long y1000 = ys * 5; /* thousandths */
        if (kind == PF_ASSUME_GEN_NOISY)
            y1000 += 10 * (long)llround(50.0 * gn_rng_normal(&re));
        fprintf(f, "%s%ld.%03ld\n", y1000 < 0 ? "-" : "", labs(y1000) / 1000, labs(y1000) % 1000);
    }
    return ferror(f) ? GN_EINPUT : GN_OK;
}

/* ------------------------------------------------------------ a whole run */

const char *pf_assume_verdict_name(pf_assume_verdict v)
{
    switch (v) {
    case PF_ASSUME_HOLDS: return "holds";
    case PF_ASSUME_FAILS: return "fails";
    case PF_ASSUME_SUSPECT: return "suspect";
    default: return "undetermined";
    }
}

pf_assume_verdict pf_assume_overall(const pf_assume_report *r)
{
    pf_assume_verdict v[] = {r->v_a41, r->v_align, r->v_moment, r->v_rm, r->v_b1, r->v_b2};
    int undet = 0;
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        if (v[k] == PF_ASSUME_FAILS || v[k] == PF_ASSUME_SUSPECT)
            return PF_ASSUME_FAILS;
        undet |= v[k] == PF_ASSUME_UNDETERMINED;
    }
    if (!r->mp_pass)
        return PF_ASSUME_FAILS;
    return undet ? PF_ASSUME_UNDETERMINED : PF_ASSUME_HOLDS;
}

pf_assume_opts pf_assume_opts_default(void)
{
    pf_assume_opts o = {2000, 50, 20261122u, 3, 128, 20, 2};
    return o;
}

void pf_assume_report_free(pf_assume_report *rep)
{
    if (!rep)
        return;
    free(rep->t);
    free(rep->W);
    free(rep->pts);
    rep->t = NULL;
    rep->W = NULL;
    rep->pts = NULL;
}

/* index of the k-th of q evenly spread points among K (first and last included) */
static size_t spread(size_t k, size_t q, size_t K)
{
    if (q <= 1 || K <= 1)
        return K - 1;
    return (size_t)llround((double)k * (double)(K - 1) / (double)(q - 1));
}

/* the K points: given (Wpts) or kept along an IGND trajectory from w0, each evaluated */
static gn_status run_points(pf_assume_report *r, pf_assume_problem *pb, const double *w0,
                            const double *Wpts, const pf_assume_schedule *s,
                            const pf_assume_opts *o)
{
    size_t K = r->K, d = r->d;
    gn_status st = GN_OK;
    r->t = malloc(K * sizeof(size_t));
    r->W = malloc(K * d * sizeof(double));
    r->pts = malloc(K * sizeof(pf_assume_point));
    if (!r->t || !r->W || !r->pts)
        return GN_ENOMEM;
    if (Wpts) {
        memcpy(r->W, Wpts, K * d * sizeof(double));
        for (size_t k = 0; k < K; k++)
            r->t[k] = k;
    } else if ((st = pf_assume_trajectory(r->W, r->t, NULL, pb, w0, s, o->steps, K, o->seed)) !=
               GN_OK) {
        return st;
    }
    for (size_t k = 0; k < K && st == GN_OK; k++) {
        st = pf_assume_eval(&r->pts[k], NULL, NULL, pb, r->W + k * d);
        gn_io_progress("assume: points", k + 1, K);
    }
    gn_io_progress_done();
    return st;
}

/* 4.1: F >= 0 for both losses; L exact (linear squared), upper (linear BCE), local */
static gn_status run_a41(pf_assume_report *r, pf_assume_problem *pb, const pf_assume_opts *o)
{
    size_t K = r->K, d = r->d;
    gn_status st = GN_OK;
    r->F_inf_lb = 0.0;
    r->F_min = INFINITY;
    for (size_t k = 0; k < K; k++)
        r->F_min = fmin(r->F_min, r->pts[k].F);
    if (pb->model != PF_ASSUME_MLP && d <= 4096) {
        st = pf_assume_L_exact(&r->L, pb);
        r->L_kind = pb->loss == GN_LOSS_SQUARED ? PF_ASSUME_L_EXACT : PF_ASSUME_L_UPPER;
    } else {
        r->L = o->l_points ? 0.0 : NAN; /* NaN: not estimated */
        r->L_kind = PF_ASSUME_L_LOCAL;
        size_t q = o->l_points < K ? o->l_points : K;
        for (size_t k = 0; k < q && st == GN_OK; k++) {
            double Lk;
            st = pf_assume_L_power(&Lk, pb, r->W + spread(k, q, K) * d, o->power_iters, o->seed);
            if (st == GN_OK && Lk > r->L)
                r->L = Lk;
        }
    }
    /* L is an input of Theorem 4.1's rate: not estimated (NaN) or infinite decides nothing */
    if (finite1(r->L) && finite1(r->F_min)) {
        r->v_a41 = PF_ASSUME_HOLDS;
    } else {
        r->v_a41 = PF_ASSUME_UNDETERMINED;
        r->why_a41 = finite1(r->F_min) ? "L not estimated (MLP with --l-points 0) or not finite"
                                       : "F not finite at a measured point";
    }
    return st;
}

/* 4.2 alignment (4.14) and moment (4.15) over the points, Prop B.3's margin, and the
 * trend of rho against |grad F|^2 (log-log slope) for B.2 */
static gn_status run_a42(pf_assume_report *r)
{
    size_t K = r->K;
    double *m = malloc(2 * K * sizeof(double)), *G = m ? m + K : NULL;
    if (!m)
        return GN_ENOMEM;
    r->c_min = INFINITY;
    r->rho_max = 1.0;
    r->b3_margin_min = INFINITY;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, gmin = INFINITY, gmax = 0;
    size_t n_c_nan = 0; /* points with grad F != 0 where c came out NaN */
    for (size_t k = 0; k < K; k++) {
        const pf_assume_point *p = &r->pts[k];
        m[k] = p->xig2;
        G[k] = p->grad2;
        r->S = fmax(r->S, p->S);
        r->H = fmax(r->H, p->H);
        if (!(p->grad2 > 0))
            continue;
        r->n_defined++;
        if (p->c < r->c_min) {
            r->c_min = p->c;
            r->c_argmin = k;
        }
        if (isnan(p->c)) {
            n_c_nan++;
            continue;
        }
        if (p->c <= 0) {
            if (r->n_c_fail < 8)
                r->c_fail[r->n_c_fail] = k;
            r->n_c_fail++;
        }
        if (p->rho > r->rho_max) {
            r->rho_max = p->rho;
            r->rho_argmax = k;
        }
        /* Prop B.3 at w with the local range of xi: c(w) >= xi_lo - (xi_hi - xi_lo)/2 sqrt(rho - 1) */
        double cb = p->xi_lo - 0.5 * (p->xi_hi - p->xi_lo) * sqrt(fmax(p->rho - 1.0, 0.0));
        r->b3_margin_min = fmin(r->b3_margin_min, (p->c - cb) / p->xi_hi);
        double lx = log(p->grad2), ly = log(p->rho);
        sx += lx;
        sy += ly;
        sxx += lx * lx;
        sxy += lx * ly;
        gmin = fmin(gmin, p->grad2);
        gmax = fmax(gmax, p->grad2);
    }
    double nd = (double)r->n_defined;
    r->rho_slope = (r->n_defined >= 2 && nd * sxx - sx * sx > 0)
                       ? (nd * sxy - sx * sy) / (nd * sxx - sx * sx)
                       : NAN;
    r->grad2_decades = r->n_defined >= 2 ? log10(gmax / gmin) : 0.0;
    if (r->n_c_fail)
        r->v_align = PF_ASSUME_FAILS;
    else if (r->n_defined == 0 || n_c_nan) {
        r->v_align = PF_ASSUME_UNDETERMINED;
        r->why_align = n_c_nan ? "c is NaN at a point with grad F != 0"
                               : "grad F = 0 at every point: c (4.14) is undefined everywhere";
    } else
        r->v_align = PF_ASSUME_HOLDS;
    gn_status st = pf_assume_fit_moment(&r->fit, m, G, K);
    free(m);
    r->v_moment = PF_ASSUME_HOLDS; /* a finite set of points always fits finite M, MG */
    return st;
}

/* B.2: the noise floor decides for linear-in-w least squares; the trend otherwise */
static gn_status run_b2(pf_assume_report *r, pf_assume_problem *pb)
{
    size_t d = r->d;
    gn_status st = GN_OK;
    if (pb->model != PF_ASSUME_MLP && pb->loss == GN_LOSS_SQUARED && d <= 4096 && d <= pb->n) {
        double kappa;
        st = pf_assume_noise_floor(&r->floor, &r->rel_res, &kappa, NULL, pb);
        r->kappa = kappa;
        if (st == GN_OK) {
            /* The least-squares residual computed by the SVD route differs from the exact
             * one by at most about n d u kappa_2(Phi) |y| (Higham, Accuracy and Stability,
             * ch. 20, normwise backward stability of the SVD solve), so a relative
             * residual above floor_tol = n d u kappa_2 is the data's, not rounding's. */
            r->have_floor = 1;
            r->floor_tol = (double)pb->n * (double)d * 0x1p-53 * kappa;
        } else if (st == GN_ESINGULAR) {
            st = GN_OK;
        }
    }
    if (st != GN_OK)
        return st;
    if (r->have_floor) {
        /* The relative residual of a least-squares minimiser is at most 1 (w = 0 is a
         * candidate, so |r*| <= |y|): once floor_tol >= 1, i.e. kappa >= 1/(n d u), no data
         * can exceed the tolerance, the check cannot fail and so decides nothing. Rank
         * deficiency (constant, zero or duplicate columns) gives kappa ~ 1/u or inf. */
        if (!finite1(r->floor_tol) || !(r->floor_tol < 1.0) || !finite1(r->rel_res) ||
            !finite1(r->floor)) {
            r->v_b2 = PF_ASSUME_UNDETERMINED;
            r->why_b2 = "tolerance n d u kappa >= 1, the largest relative residual there is: "
                        "the features are rank-deficient or too ill-conditioned (constant, "
                        "zero or duplicate columns?) for the noise-floor check to fail";
        } else
            r->v_b2 = r->rel_res > r->floor_tol ? PF_ASSUME_FAILS : PF_ASSUME_HOLDS;
    } else if (r->n_defined == 0 || !finite1(r->rho_max) || isnan(r->rho_slope)) {
        r->v_b2 = PF_ASSUME_UNDETERMINED;
        r->why_b2 = r->n_defined == 0 ? "grad F = 0 at every point: rho (B.2) is undefined"
                                      : "the trend of rho needs two points with different, "
                                        "nonzero |grad F|^2";
    } else {
        r->v_b2 = (r->rho_slope <= -0.5 && r->grad2_decades >= 1.0) ? PF_ASSUME_SUSPECT
                                                                    : PF_ASSUME_HOLDS;
    }
    return GN_OK;
}

/* MPFR at q evenly spread points */
static gn_status run_mp(pf_assume_report *r, pf_assume_problem *pb, const pf_assume_opts *o)
{
    size_t K = r->K, q = o->mp_points < K ? o->mp_points : K;
    gn_status st = GN_OK;
    if (q > 16)
        q = 16;
    r->mp_pass = 1;
    for (size_t k = 0; k < q && st == GN_OK; k++) {
        size_t idx = spread(k, q, K);
        r->mp_idx[k] = idx;
        st = pf_assume_mp_check(&r->mp[k], &r->pts[idx], pb, r->W + idx * r->d, o->prec);
        if (st == GN_OK) {
            r->n_mp++;
            r->mp_pass &= r->mp[k].pass;
        }
        gn_io_progress("assume: MPFR points", k + 1, q);
    }
    gn_io_progress_done();
    return st;
}

gn_status pf_assume_run(pf_assume_report *rep, pf_assume_problem *pb, const double *w0,
                        const double *Wpts, size_t K, const pf_assume_schedule *s,
                        const pf_assume_opts *o)
{
    gn_status st = pf_assume_schedule_check(s, NULL, 0);
    if (st != GN_OK)
        return st;
    if (!Wpts)
        K = o->npoints;
    if (K == 0)
        return GN_ESIZE;
    pf_assume_report r;
    memset(&r, 0, sizeof r);
    r.K = K;
    r.d = pb->d;
    if ((st = run_points(&r, pb, w0, Wpts, s, o)) == GN_OK &&
        (st = run_a41(&r, pb, o)) == GN_OK && (st = run_a42(&r)) == GN_OK) {
        r.rm_holds = pf_assume_robbins_monro(s, &r.rm_why);
        r.v_rm = r.rm_holds ? PF_ASSUME_HOLDS : PF_ASSUME_FAILS;
        /* finite maxima over the measured rows and points */
        r.v_b1 = finite1(r.S) && finite1(r.H) ? PF_ASSUME_HOLDS : PF_ASSUME_UNDETERMINED;
        if (r.v_b1 != PF_ASSUME_HOLDS)
            r.why_b1 = "S or H not finite";
        st = run_b2(&r, pb);
    }
    if (st == GN_OK && (st = pf_assume_b3(&r.b3, r.S, r.H, r.rho_max, pb->dmp)) == GN_OK) {
        r.ratio_c_b3 = r.b3.c_B3 > 0 && r.n_defined ? r.c_min / r.b3.c_B3 : NAN;
        st = run_mp(&r, pb, o);
    }
    if (st != GN_OK) {
        pf_assume_report_free(&r);
        return st;
    }
    *rep = r;
    return GN_OK;
}
