/* nb_rank1.c: notebook 1, the rank-one GGN derived on one sample, MATH.md §1-§6.
 * A linear model f = w^T x on one sample in R^2 (two dimensions, so the directions can be
 * drawn); every quantity from (3.5) to (3.15) is computed by the core and shown. */
#include "gn_io.h"
#include "gn_jsonl.h"
#include "nb.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB "rank1"
#define U (DBL_EPSILON / 2) /* unit roundoff u = 2^-53 */

/* The worked instance's defaults, chosen so that every quantity is a readable number and
 * l'' is not 1 (BCE), so the curvature visibly enters (3.12). Toolkit choices. */
#define R1_X {1.5, -0.8}
#define R1_W {0.4, 0.9}
#define R1_Y 1.0
#define R1_LAMBDA 0.25
#define R1_MU 0.05
#define R1_ALPHA 1.0
/* Table 1's SPS row: l* = 0 and c = 1/2 (Loizou et al.'s usual c), no cap. */
#define R1_SPS_C 0.5

static void vec2(char *buf, size_t cap, const double *v)
{
    snprintf(buf, cap, "(%.6g, %.6g)", v[0], v[1]);
}

nb_rank1_opts nb_rank1_opts_default(void)
{
    nb_rank1_opts o = {R1_X, R1_W, R1_Y, R1_LAMBDA, R1_MU, R1_ALPHA, GN_LOSS_BCE};
    return o;
}

/* everything the page shows, computed before it is written */
typedef struct {
    nb_rank1_opts o;
    gn_damping dmp;
    double f, j[2], nj2, g[2], G[4];
    gn_lossval lv;
    double dmp_mp[2], dmp_d[2], xi, wplus[2], delta, delta44;
    gn_status smp; /* gn_dir_pinv's status: GN_OK when l'' > 0 */
    int have_mp;
} rank1_result;

/* the worked instance's quantities, MATH.md (3.3)-(3.15) and (4.1), (4.4); GN_OK, or the
 * core's error (the page cannot be written then), with *bad_input = 1 when the sample
 * itself (f, the loss, |j|^2) could not be evaluated */
static gn_status rank1_compute(rank1_result *r, int *bad_input, const nb_rank1_opts *o)
{
    *bad_input = 0;
    memset(r, 0, sizeof *r);
    r->o = *o;
    r->dmp = (gn_damping){o->lambda, o->mu};
    const double *x = o->x, *w = o->w;
    gn_status st = gn_linear_eval(&r->f, r->j, w, x, 2);
    if (st == GN_OK)
        st = gn_loss_eval(&r->lv, o->loss, r->f, o->y);
    if (st == GN_OK)
        st = gn_norm2sq(&r->nj2, r->j, 2);
    if (st != GN_OK) {
        *bad_input = 1;
        return st;
    }
    for (int i = 0; i < 2; i++)
        r->g[i] = r->lv.lp * r->j[i]; /* (3.5) */
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            r->G[2 * a + b] = r->lv.lpp * r->j[a] * r->j[b]; /* (3.7) */
    r->smp = gn_dir_pinv(r->dmp_mp, r->j, 2, r->lv.lp, r->lv.lpp);
    r->have_mp = r->smp == GN_OK;
    st = gn_dir_damped(r->dmp_d, r->j, 2, r->lv.lp, r->lv.lpp, r->dmp);
    if (st == GN_OK)
        st = gn_xi(&r->xi, r->j, 2, r->lv.lpp, r->dmp);
    memcpy(r->wplus, w, sizeof r->wplus);
    if (st == GN_OK)
        st = gn_step_ignd(r->wplus, r->j, 2, r->lv.lp, r->lv.lpp, o->alpha, r->dmp);
    if (st == GN_OK)
        st = gn_delta(&r->delta, r->j, r->wplus, w, 2);
    if (st == GN_OK)
        st = gn_delta_damped(&r->delta44, r->j, 2, r->lv.lp, r->lv.lpp, o->alpha, r->dmp);
    return st;
}

static void page_instance(nb_page *p, const rank1_result *r)
{
    const double *x = r->o.x;
    const double *w = r->o.w;
    const double y = r->o.y;
    const double lambda = r->o.lambda;
    const double mu = r->o.mu;
    const double alpha = r->o.alpha;
    const gn_loss_kind loss = r->o.loss;
    const double f = r->f;
    const gn_lossval lv = r->lv;
    const double nj2 = r->nj2;
    const double *g = r->g;
    const double *dmp_d = r->dmp_d;
    const double *dmp_mp = r->dmp_mp;
    const double xi = r->xi;
    const double *wplus = r->wplus;
    const double delta = r->delta;
    const int have_mp = r->have_mp;
    nb_para(p, "One sample, a linear model `f = wᵀx`, and a loss `ℓ(f, y)` convex in `f`. "
               "Everything below is computed by the gnlab core on this one instance, and "
               "each step names its equation in MATH.md (the IGND paper's numbering). The "
               "instance is two-dimensional so that the directions can be drawn; the "
               "defaults are the toolkit's choice, and `gnlab notebook rank1 --x A,B --w A,B "
               "--y Y --loss squared|bce --lambda L --mu M --alpha A` changes them.");

    nb_h2(p, "The worked instance");
    nb_para(p, "All values are printed to 17 significant digits, enough to recover the "
               "double exactly, so that any step can be recomputed independently "
               "(the notebook test does so in 256-bit MPFR).");
    nb_table_begin(p, "name|value|what it is");
    nb_table_row(p, "x[1]|%.17g|feature 1 (= j[1], since j = ∇_w f = x)", x[0]);
    nb_table_row(p, "x[2]|%.17g|feature 2", x[1]);
    nb_table_row(p, "w[1]|%.17g|weight 1", w[0]);
    nb_table_row(p, "w[2]|%.17g|weight 2", w[1]);
    nb_table_row(p, "y|%.17g|label (loss %s)", y, gn_loss_name(loss));
    nb_table_row(p, "lambda|%.17g|Levenberg-Marquardt damping λ", lambda);
    nb_table_row(p, "mu|%.17g|curvature floor μ", mu);
    nb_table_row(p, "alpha|%.17g|learning rate α", alpha);
    nb_table_row(p, "f|%.17g|model output wᵀx", f);
    nb_table_row(p, "l|%.17g|loss ℓ", lv.l);
    nb_table_row(p, "l'|%.17g|ℓ' = ∂ℓ/∂f (3.4)", lv.lp);
    nb_table_row(p, "l''|%.17g|ℓ'' = ∂²ℓ/∂f² (3.4)", lv.lpp);
    nb_table_row(p, "normj2|%.17g|‖j‖²", nj2);
    nb_table_row(p, "g[1]|%.17g|(3.5) g = ℓ' j", g[0]);
    nb_table_row(p, "g[2]|%.17g|", g[1]);
    if (have_mp) {
        nb_table_row(p, "d_MP[1]|%.17g|(3.10) Moore-Penrose direction", dmp_mp[0]);
        nb_table_row(p, "d_MP[2]|%.17g|", dmp_mp[1]);
    }
    nb_table_row(p, "d_damped[1]|%.17g|(3.12) damped direction", dmp_d[0]);
    nb_table_row(p, "d_damped[2]|%.17g|", dmp_d[1]);
    nb_table_row(p, "xi|%.17g|(3.13) ξ", xi);
    nb_table_row(p, "w+[1]|%.17g|(3.14) updated weight", wplus[0]);
    nb_table_row(p, "w+[2]|%.17g|", wplus[1]);
    nb_table_row(p, "delta|%.17g|(4.1) δ = jᵀ(w⁺ - w)", delta);
    nb_table_end(p);

}

static void page_derivation(nb_page *p, const rank1_result *r)
{
    const double *w = r->o.w;
    const double lambda = r->o.lambda;
    const double mu = r->o.mu;
    const double alpha = r->o.alpha;
    const double *j = r->j;
    const gn_lossval lv = r->lv;
    const double *g = r->g;
    const double *G = r->G;
    const double *dmp_d = r->dmp_d;
    const double *dmp_mp = r->dmp_mp;
    const double xi = r->xi;
    const double *wplus = r->wplus;
    const double delta = r->delta;
    const double delta44 = r->delta44;
    const int have_mp = r->have_mp;
    const gn_status smp = r->smp;
    char b1[128], b2[128], b3[128], b4[128];
    /* ---- the derivation graph */
    nb_h2(p, "From the sample gradient to the update");
    vec2(b1, sizeof b1, g);
    nb_para(p, "The sample gradient (3.5) is `g = ℓ' j` = %s: it is a multiple of `j`. "
               "The exact Hessian (3.6) adds `ℓ' ∇²_w f`, which is zero for a linear model; "
               "the GGN (3.7) keeps `G = ℓ'' j jᵀ` = [[%.6g, %.6g], [%.6g, %.6g]], a matrix "
               "of rank %d: it annihilates every vector orthogonal to `j`.",
            b1, G[0], G[1], G[2], G[3], (lv.lpp > 0) ? 1 : 0);
    {
        double v[2] = {-j[1], j[0]}, Gv[2];
        for (int a = 0; a < 2; a++)
            Gv[a] = G[2 * a] * v[0] + G[2 * a + 1] * v[1];
        /* G v = l'' j (j^T v) with j^T v = -j1 j0 + j0 j1 = 0 exactly in real arithmetic;
         * each entry of G has relative error <= 2u, so |(Gv)_a| <= 2u (|G_a0 v0| + |G_a1 v1|)
         * + the sum's rounding u |...|: bound 3u sum |G_ab v_b| (+ subnormal slack). */
        int ok = 1;
        for (int a = 0; a < 2; a++) {
            double bound = 3 * U * (fabs(G[2 * a] * v[0]) + fabs(G[2 * a + 1] * v[1])) + DBL_MIN;
            ok &= fabs(Gv[a]) <= bound;
        }
        nb_check(p, ok, "G v = (%.3g, %.3g) for v = (-j[2], j[1]) orthogonal to j: zero up to "
                        "the rounding of G's entries (bound 3u Σ|G_ab v_b|).", Gv[0], Gv[1]);
    }
    if (have_mp) {
        vec2(b2, sizeof b2, dmp_mp);
        nb_para(p, "The Gauss-Newton system (3.8) `G d = -g` is singular in two dimensions "
                   "but consistent, because both sides lie in span{`j`}. Its minimum-norm "
                   "solution is the Moore-Penrose direction (3.9)-(3.10), "
                   "`d_MP = -(ℓ'/(ℓ''‖j‖²)) j` = %s. Every other solution adds a multiple "
                   "of the vector orthogonal to `j` (Prop A.1), which only lengthens it.",
                b2);
    } else {
        nb_para(p, "Here ℓ'' = 0, so `G = 0`: the Moore-Penrose direction of (3.8) does "
                   "not exist (the core returns \"%s\"), and only the damped direction "
                   "below is defined.",
                gn_strerror(smp));
    }
    vec2(b3, sizeof b3, dmp_d);
    nb_para(p, "Damping makes the system regular: (3.11) `((ℓ''+μ) j jᵀ + λI) d = -g` has the "
               "unique solution (3.12) `d_λμ = -ℓ' j / ((ℓ''+μ)‖j‖² + λ)` = %s. It points "
               "along `j` like `d_MP`, and is shorter. Its scalar (3.13) "
               "`ξ = 1/((ℓ''+μ)‖j‖² + λ)` = %.6g turns the step into (3.14) "
               "`w⁺ = w - α ξ ℓ' j`, which is (3.15) `w⁺ = w - α ξ g`: SGD's step rescaled "
               "by one scalar. No matrix is ever formed.",
            b3, xi);
    {
        /* residual of (3.11) for the core's d: each d_i carries <= (k+4) u |d_i| (gn.h),
         * so |r_a| <= (k+4) u sum_b |A_ab d_b| plus the residual's own rounding
         * (3 terms: 3u sum_b |A_ab d_b| + u |g_a|). */
        int k = gn_sum_bound_k(2);
        double A[4];
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                A[2 * a + b] = (lv.lpp + mu) * j[a] * j[b] + (a == b ? lambda : 0.0);
        int ok = 1;
        double worst = 0;
        for (int a = 0; a < 2; a++) {
            double r = A[2 * a] * dmp_d[0] + A[2 * a + 1] * dmp_d[1] + g[a];
            double s = fabs(A[2 * a] * dmp_d[0]) + fabs(A[2 * a + 1] * dmp_d[1]);
            double bound = ((k + 4) + 6) * U * s + 2 * U * fabs(g[a]) + DBL_MIN;
            ok &= fabs(r) <= bound;
            if (fabs(r) / (bound > 0 ? bound : 1) > worst)
                worst = fabs(r) / bound;
        }
        nb_check(p, ok, "the core's d_λμ solves (3.11): residual at %.2f of its rounding bound "
                        "((k+10)u Σ|A_ab d_b| + 2u|g_a|, k = %d).", worst, k);
    }
    {
        double w15[2];
        for (int i = 0; i < 2; i++)
            w15[i] = w[i] - alpha * xi * g[i];
        vec2(b4, sizeof b4, wplus);
        /* (3.14) by the core (mixed error <= (k+6)u) against (3.15) formed here from xi and g
         * (xi <= k+3 ulps, g 1 rounding, 3 more roundings): mixed (2k+14)u. */
        int k = gn_sum_bound_k(2), ok = 1;
        for (int i = 0; i < 2; i++)
            ok &= fabs(w15[i] - wplus[i]) <=
                  (2 * k + 14) * U * (fabs(w[i]) + fabs(alpha * xi * g[i])) + DBL_MIN;
        nb_check(p, ok, "(3.14) from the core, w⁺ = %s, equals (3.15) `w - α ξ g` = "
                        "(%.17g, %.17g) within the mixed bound (2k+14)u (|w| + |α ξ g|).",
                 b4, w15[0], w15[1]);
    }
    nb_para(p, "The prediction moves by (4.1) `δ = jᵀ(w⁺ - w)` = %.6g; the closed form (4.4) "
               "`-α ℓ' ‖j‖² / ((ℓ''+μ)‖j‖² + λ)` gives %.6g. The second-order model of the "
               "loss in `f` (4.2) has its minimum at (4.3) `δ* = -ℓ'/ℓ''` = %.6g: the damped "
               "step goes part of the way.",
            delta, delta44, lv.lpp > 0 ? -lv.lp / lv.lpp : NAN);

}

static void page_graph(nb_page *p, const rank1_result *r)
{
    const double *x = r->o.x;
    const double *w = r->o.w;
    const double y = r->o.y;
    const double lambda = r->o.lambda;
    const double mu = r->o.mu;
    const double alpha = r->o.alpha;
    const gn_loss_kind loss = r->o.loss;
    const double f = r->f;
    const gn_lossval lv = r->lv;
    const double nj2 = r->nj2;
    const double *g = r->g;
    const double *G = r->G;
    const double *dmp_d = r->dmp_d;
    const double *dmp_mp = r->dmp_mp;
    const double xi = r->xi;
    const double *wplus = r->wplus;
    const double delta = r->delta;
    const int have_mp = r->have_mp;
    char dot[8192];
    char sx[80], sw[80], sg[80], smp_s[80], sd[80], swp[80];
    vec2(sx, sizeof sx, x);
    vec2(sw, sizeof sw, w);
    vec2(sg, sizeof sg, g);
    vec2(smp_s, sizeof smp_s, dmp_mp);
    vec2(sd, sizeof sd, dmp_d);
    vec2(swp, sizeof swp, wplus);
    snprintf(
        dot, sizeof dot,
        "digraph rank1 {\n"
        "  rankdir=TB; node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f7fb\", "
        "fontname=\"Helvetica\", fontsize=11]; edge [color=\"#555555\"];\n"
        "  in [label=\"sample and weights\\nx = %s, y = %.6g\\nw = %s\", fillcolor=\"#fff6dd\"];\n"
        "  f [label=\"(3.3) f = wᵀx = %.6g\\nj = ∇_w f = x\"];\n"
        "  lo [label=\"(3.4) ℓ = %.6g (%s)\\nℓ' = %.6g, ℓ'' = %.6g\"];\n"
        "  g [label=\"(3.5) g = ℓ' j\\n= %s\"];\n"
        "  H [label=\"(3.6) ∇²ℓ = ℓ'' j jᵀ + ℓ' ∇²_w f\\n(∇²_w f = 0: linear model)\"];\n"
        "  G [label=\"(3.7) G = ℓ'' j jᵀ\\n= [[%.4g, %.4g], [%.4g, %.4g]], rank %d\"];\n"
        "  sys [label=\"(3.8) G d = -g\\nsingular, consistent\"];\n"
        "  mp [label=\"(3.9)-(3.10) d_MP = -G⁺g = -(ℓ'/(ℓ''‖j‖²)) j\\n= %s\", fillcolor=\"#e8f4e8\"];\n"
        "  dsys [label=\"(3.11) ((ℓ''+μ) j jᵀ + λI) d = -g\\nλ = %.6g, μ = %.6g\"];\n"
        "  dd [label=\"(3.12) d_λμ = -ℓ' j / ((ℓ''+μ)‖j‖² + λ)\\n= %s\", fillcolor=\"#e8f4e8\"];\n"
        "  xi [label=\"(3.13) ξ = 1/((ℓ''+μ)‖j‖² + λ)\\n= %.6g   (‖j‖² = %.6g)\"];\n"
        "  up [label=\"(3.14) w⁺ = w - α ξ ℓ' j  ≡  (3.15) w - α ξ g\\nα = %.6g: w⁺ = %s\", "
        "fillcolor=\"#fde8e8\"];\n"
        "  de [label=\"(4.1) δ = jᵀ(w⁺ - w) = %.6g\"];\n"
        "  in -> f; f -> lo; f -> g; lo -> g; lo -> H; H -> G [label=\" drop ℓ'∇²f \"];\n"
        "  g -> sys; G -> sys; sys -> mp [label=\" min-norm \"];\n"
        "  sys -> dsys [label=\" + μ j jᵀ + λI \"]; dsys -> dd; dd -> xi [label=\" scalar \"];\n"
        "  mp -> dd [style=dashed, label=\" λ → 0, μ = 0 \"]; xi -> up; g -> up; up -> de;\n"
        "}\n",
        sx, y, sw, f, lv.l, gn_loss_name(loss), lv.lp, lv.lpp, sg, G[0], G[1], G[2], G[3],
        lv.lpp > 0 ? 1 : 0, have_mp ? smp_s : "undefined (ℓ'' = 0)", lambda, mu, sd, xi, nj2,
        alpha, swp, delta);
    nb_graph(p, "derivation",
             "The derivation from (3.5) to (3.15), each node carrying the worked instance's "
             "values.",
             dot);

}

static int page_directions(nb_page *p, const rank1_result *r)
{
    const double lambda = r->o.lambda;
    const double mu = r->o.mu;
    const double *j = r->j;
    const gn_lossval lv = r->lv;
    const double nj2 = r->nj2;
    const double *g = r->g;
    const double *dmp_d = r->dmp_d;
    const double *dmp_mp = r->dmp_mp;
    const int have_mp = r->have_mp;
    /* ---- directions side by side: a 2-D picture */
    nb_h2(p, "The Moore-Penrose and damped directions, side by side");
    {
        FILE *a = nb_data_open(p, "directions.dat");
        FILE *l = nb_data_open(p, "solutions.dat");
        FILE *c = nb_data_open(p, "damped_path.dat");
        if (!a || !l || !c) {
            if (a)
                nb_data_close(p, a);
            if (l)
                nb_data_close(p, l);
            if (c)
                nb_data_close(p, c);
            return -1;
        }
        double nj = sqrt(nj2), scale = 0;
        double lens[3] = {hypot(g[0], g[1]), have_mp ? hypot(dmp_mp[0], dmp_mp[1]) : 0,
                          hypot(dmp_d[0], dmp_d[1])};
        for (int i = 0; i < 3; i++)
            scale = fmax(scale, lens[i]);
        if (!(scale > 0))
            scale = 1;
        /* the arrows: d_MP, d_lambda_mu and one other solution of (3.8), d_MP + 0.8 n */
        fprintf(a, "# x0 y0 dx dy label\n");
        if (have_mp) {
            fprintf(a, "0 0 %.17g %.17g \"d_{MP}\"\n", dmp_mp[0], dmp_mp[1]);
            double t = 0.8 * scale;
            fprintf(a, "0 0 %.17g %.17g \"another solution of (3.8)\"\n",
                    dmp_mp[0] - t * j[1] / nj, dmp_mp[1] + t * j[0] / nj);
        }
        fprintf(a, "0 0 %.17g %.17g \"d_{λμ}\"\n", dmp_d[0], dmp_d[1]);
        nb_data_close(p, a);
        /* all solutions of (3.8): d_MP + t n, n orthogonal to j */
        fprintf(l, "# d1 d2: the line d_MP + t n of all solutions of G d = -g\n");
        if (have_mp)
            for (int i = -20; i <= 20; i++) {
                double t = 1.5 * scale * i / 20.0;
                fprintf(l, "%.17g %.17g\n", dmp_mp[0] - t * j[1] / nj, dmp_mp[1] + t * j[0] / nj);
            }
        nb_data_close(p, l);
        fprintf(c, "# lambda d1 d2: the damped direction (mu = %.17g) as lambda varies\n", mu);
        for (int i = -40; i <= 40; i++) {
            double lam = pow(10.0, i / 10.0), d[2];
            gn_damping dl = {lam, mu};
            if (gn_dir_damped(d, j, 2, lv.lp, lv.lpp, dl) == GN_OK)
                fprintf(c, "%.17g %.17g %.17g\n", lam, d[0], d[1]);
        }
        nb_data_close(p, c);
        char body[2048];
        snprintf(body, sizeof body,
                 "set title 'Directions for the worked instance (j points along d_{MP})'\n"
                 "set size ratio -1\nset grid\nset key below left Left reverse vertical maxrows 4\nset rmargin 14\n"
                 "set xlabel 'd_1'\nset ylabel 'd_2'\n"
                 "set xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n"
                 "plot %s'damped_path.dat' using 2:3 with lines lw 7 lc rgb '#f4a261' "
                 "title 'd_{λμ} for λ from 10^{-4} to 10^{4}', \\\n"
                 "  'directions.dat' every ::0::%d using 1:2:3:4 with vectors head filled lw 2 "
                 "lc rgb '#1b4f9c' title 'solutions of (3.8)', \\\n"
                 "  'directions.dat' every ::%d::%d using 1:2:3:4 with vectors head filled lw 2 "
                 "lc rgb '#c0392b' title 'd_{λμ} at the chosen λ', \\\n"
                 "  'directions.dat' using ($1+$3):($2+$4):5 with labels left offset 0.8,0 "
                 "notitle\n",
                 -1.5 * scale, 1.5 * scale, -1.5 * scale, 1.5 * scale,
                 have_mp ? "'solutions.dat' using 1:2 with lines dt 2 lw 2 lc rgb '#1b9e77' "
                           "title 'all solutions of G d = -g', \\\n  "
                         : "",
                 have_mp ? 1 : 0, have_mp ? 2 : 0, have_mp ? 2 : 0);
        nb_plot_sized(p, "directions",
                "The dashed line is every solution of the singular system (3.8); d_MP is its "
                "point nearest the origin, so it is orthogonal to the line. The damped "
                "directions (orange band) fill the segment from 0 to d_MP along j, and j and g "
                "are parallel to it.",
                "directions.dat,solutions.dat,damped_path.dat", 860, 720, body);
        if (have_mp)
            nb_para(p, "‖d_MP‖ = %.6g and ‖d_λμ‖ = %.6g: the damped direction is the MP "
                       "direction shrunk by the factor ℓ''‖j‖² / ((ℓ''+μ)‖j‖² + λ) = %.6g.",
                    lens[1], lens[2], lv.lpp * nj2 / ((lv.lpp + mu) * nj2 + lambda));
    }

    return 0;
}

static int page_lambda_limit(nb_page *p, const rank1_result *r)
{
    const double *j = r->j;
    const gn_lossval lv = r->lv;
    const double nj2 = r->nj2;
    const double *dmp_mp = r->dmp_mp;
    const int have_mp = r->have_mp;
    /* ---- lambda -> 0 */
    nb_h2(p, "λ → 0 recovers the Moore-Penrose direction");
    if (have_mp) {
        FILE *d = nb_data_open(p, "lambda_limit.dat");
        if (!d) {
            return -1;
        }
        /* with mu = 0, d_λ = d_MP * a/(a + λ), a = l''|j|^2, so the relative gap is exactly
         * λ/(a + λ). The measured gap carries the rounding of both directions:
         * <= 2(k+4)u relative (gn.h's bounds), plus 2u for the norms and the division. */
        int k = gn_sum_bound_k(2), ok = 1;
        double a = lv.lpp * nj2, nmp = hypot(dmp_mp[0], dmp_mp[1]), worst = 0;
        fprintf(d, "# lambda measured_rel_gap predicted_rel_gap (mu = 0)\n");
        for (int e = 40; e >= -360; e -= 5) {
            double lam = pow(10.0, e / 20.0), dl[2];
            gn_damping dm = {lam, 0.0};
            if (gn_dir_damped(dl, j, 2, lv.lp, lv.lpp, dm) != GN_OK)
                continue;
            double gap = hypot(dl[0] - dmp_mp[0], dl[1] - dmp_mp[1]) / nmp;
            double pred = lam / (a + lam);
            double tol = (2 * (k + 4) + 4) * U * (1 + pred);
            if (fabs(gap - pred) > tol)
                ok = 0;
            if (fabs(gap - pred) / tol > worst)
                worst = fabs(gap - pred) / tol;
            fprintf(d, "%.17g %.17g %.17g\n", lam, gap, pred);
        }
        nb_data_close(p, d);
        nb_para(p, "With μ = 0, (3.12) is (3.10) times `a/(a + λ)` where `a = ℓ''‖j‖²` = %.6g, "
                   "so the relative gap ‖d_λ - d_MP‖/‖d_MP‖ is exactly `λ/(a + λ)`: it falls "
                   "linearly with λ until it reaches the rounding floor, near u = 2⁻⁵³ ≈ "
                   "1.1e-16, where the measured gap stops following the formula (points at "
                   "exactly 0 are not drawn on the log scale).",
                a);
        nb_check(p, ok, "for λ from 1e2 down to 1e-18 the measured gap equals λ/(a+λ) within "
                        "(2k+12)u(1 + λ/(a+λ)), k = %d (worst at %.2f of the bound).", k, worst);
        nb_plot(p, "lambda_limit",
                "Relative distance from the damped direction (μ = 0) to the Moore-Penrose "
                "direction, measured by the core and predicted in closed form.",
                "lambda_limit.dat",
                "set title 'λ → 0: the damped direction tends to d_{MP}'\n"
                "set logscale xy\nset format x '10^{%T}'\nset format y '10^{%T}'\n"
                "set grid\nset key bottom right\n"
                "set xlabel 'λ'\nset ylabel '‖d_λ - d_{MP}‖ / ‖d_{MP}‖'\n"
                "plot 'lambda_limit.dat' using 1:3 with lines lw 2 lc rgb '#999999' "
                "title 'λ/(ℓ''‖j‖² + λ)', \\\n"
                "  'lambda_limit.dat' using 1:2 with points pt 7 ps 0.6 lc rgb '#1b4f9c' "
                "title 'measured (core, double)'\n");
    } else {
        nb_para(p, "With ℓ'' = 0 there is no Moore-Penrose direction to converge to; as λ → 0 "
                   "the damped direction grows like 1/λ.");
    }

    return 0;
}

static void page_table1(nb_page *p, const rank1_result *r)
{
    const double *x = r->o.x;
    const double *w = r->o.w;
    const double y = r->o.y;
    const double lambda = r->o.lambda;
    const double alpha = r->o.alpha;
    const gn_damping dmp = r->dmp;
    const double f = r->f;
    const double *j = r->j;
    const gn_lossval lv = r->lv;
    const double nj2 = r->nj2;
    const double xi = r->xi;
    /* ---- Table 1 */
    nb_h2(p, "Table 1: every method on the same sample");
    nb_para(p, "Each row takes one step from the same `w` with the core's update rule and "
               "reports the step and the prediction change `δ = jᵀ(w⁺ - w)` measured by (4.1), "
               "next to Table 1's closed form for δ. SPS uses ℓ* = 0 and c = %.3g without a "
               "cap; the NLMS row is the squared-loss linear rule with e = y - f, η = α and "
               "ε = λ whatever the chosen loss (toolkit choices).",
            R1_SPS_C);
    {
        int k = gn_sum_bound_k(2), allok = 1;
        double sgnlp = (lv.lp > 0) - (lv.lp < 0);
        double e = y - f;
        struct {
            const char *name;
            gn_status st;
            double wp[2];
            double formula;
        } row[6];
        for (int r = 0; r < 6; r++)
            memcpy(row[r].wp, w, sizeof row[r].wp);
        row[0].name = "SGD";
        row[0].st = gn_step_sgd(row[0].wp, j, 2, lv.lp, alpha);
        row[0].formula = -alpha * lv.lp * nj2;
        row[1].name = "normalized gradient";
        row[1].st = gn_step_normgrad(row[1].wp, j, 2, lv.lp, alpha);
        row[1].formula = -alpha * sgnlp * sqrt(nj2);
        row[2].name = "SPS (4.6)";
        row[2].st = gn_step_sps(row[2].wp, j, 2, lv.l, 0.0, lv.lp, R1_SPS_C, INFINITY);
        row[2].formula = -(lv.l - 0.0) / (R1_SPS_C * lv.lp);
        row[3].name = "undamped IGND";
        row[3].st = gn_step_ignd_undamped(row[3].wp, j, 2, lv.lp, lv.lpp, alpha);
        row[3].formula = -alpha * lv.lp / lv.lpp;
        row[4].name = "damped IGND";
        row[4].st = gn_step_ignd(row[4].wp, j, 2, lv.lp, lv.lpp, alpha, dmp);
        row[4].formula = -alpha * xi * lv.lp * nj2;
        row[5].name = "squared-loss IGND / NLMS";
        row[5].st = gn_step_nlms(row[5].wp, x, 2, e, alpha, lambda);
        row[5].formula = alpha * e * nj2 / (nj2 + lambda);
        FILE *t = nb_data_open(p, "table1.csv");
        if (t)
            fprintf(t, "method,step1,step2,delta_measured,delta_formula\n");
        nb_table_begin(p, "method|w⁺ - w|δ measured (4.1)|δ by Table 1|agree");
        for (int r = 0; r < 6; r++) {
            if (row[r].st != GN_OK) {
                nb_table_row(p, "%s|not defined here: %s|||", row[r].name,
                             gn_strerror(row[r].st));
                continue;
            }
            double s[2] = {row[r].wp[0] - w[0], row[r].wp[1] - w[1]}, dm;
            gn_delta(&dm, j, row[r].wp, w, 2);
            /* measured vs formula: the step's own error (<= (k+8)u |s_i|, the largest of
             * the rules' bounds plus 2 for SPS's gamma), the rounding of w+ (u |w+_i|),
             * gn_delta's (k+1)u sum |j_i s_i| and <= 8 roundings in the formula. */
            double tol = 8 * U * fabs(row[r].formula) + DBL_MIN;
            for (int i = 0; i < 2; i++)
                tol += U * fabs(j[i]) * (fabs(row[r].wp[i]) + (k + 8) * fabs(s[i])) +
                       1.01 * (k + 1) * U * fabs(j[i] * s[i]);
            int ok = fabs(dm - row[r].formula) <= tol;
            allok &= ok;
            nb_table_row(p, "%s|(%.6g, %.6g)|%.10g|%.10g|%s", row[r].name, s[0], s[1], dm,
                         row[r].formula, ok ? "yes" : "NO");
            if (t)
                fprintf(t, "%s,%.17g,%.17g,%.17g,%.17g\n", row[r].name, s[0], s[1], dm,
                        row[r].formula);
        }
        nb_table_end(p);
        if (t)
            nb_data_close(p, t);
        nb_check(p, allok, "every defined row's measured δ equals Table 1's formula within its "
                           "rounding bound (the data: `table1.csv`).");
        /* equivalences on the same sample with squared loss */
        double ws[2], wn[2], wi[2];
        gn_lossval sq;
        gn_loss_squared(&sq, f, y);
        memcpy(ws, w, sizeof ws);
        memcpy(wn, w, sizeof wn);
        memcpy(wi, w, sizeof wi);
        gn_damping d0 = {lambda, 0.0};
        gn_status s1 = gn_step_nlms(wn, x, 2, y - f, alpha, lambda);
        gn_status s2 = gn_step_ignd(wi, j, 2, sq.lp, 1.0, alpha, d0);
        /* two computations of the same exact step, each within (k+6)u mixed (gn.h) */
        int ok = s1 == GN_OK && s2 == GN_OK;
        for (int i = 0; i < 2 && ok; i++)
            ok &= fabs(wn[i] - wi[i]) <=
                  2 * (k + 6) * U * (fabs(w[i]) + fabs(wn[i] - w[i])) + DBL_MIN;
        nb_check(p, ok, "NLMS with η = α, ε = λ equals squared-loss IGND with μ = 0 "
                        "(w⁺ = (%.17g, %.17g) against (%.17g, %.17g)).",
                 wn[0], wn[1], wi[0], wi[1]);
        if (sq.lp != 0) {
            double wu[2];
            memcpy(wu, w, sizeof wu);
            s1 = gn_step_sps(ws, j, 2, sq.l, 0.0, sq.lp, R1_SPS_C, INFINITY);
            s2 = gn_step_ignd_undamped(wu, j, 2, sq.lp, 1.0, 1.0 / (2 * R1_SPS_C));
            ok = s1 == GN_OK && s2 == GN_OK;
            /* SPS: gamma from l, c, |g|^2 (k + 4 roundings) then 3 more; IGND k + 6 */
            for (int i = 0; i < 2 && ok; i++)
                ok &= fabs(ws[i] - wu[i]) <=
                      (2 * k + 14) * U * (fabs(w[i]) + fabs(ws[i] - w[i])) + DBL_MIN;
            allok &= ok;
            nb_check(p, ok, "SPS (ℓ* = 0, c = %.3g, no cap) equals undamped squared-loss IGND "
                            "with α = 1/(2c) (w⁺ = (%.17g, %.17g) against (%.17g, %.17g)).",
                     R1_SPS_C, ws[0], ws[1], wu[0], wu[1]);
        }
    }
}

static void page_exercises(nb_page *p)
{
    static const nb_exercise ex[] = {
        {"Set λ to 1e-8 and predict what the directions plot will show.",
         "gnlab notebook rank1 --lambda 1e-8",
         "the red arrow d_λμ still lies along j (every damped direction does, (3.12)) but is "
         "now nearly as long as d_MP: it stops short only by the factor ℓ''/(ℓ''+μ) from "
         "μ = 0.05; add `--mu 0` and it lands on d_MP, the point of the dashed line nearest "
         "the origin."},
        {"Take a sample far from the origin: ‖j‖ large. Predict the prediction change δ of "
         "Table 1's IGND row.",
         "gnlab notebook rank1 --x 150,-80",
         "IGND's δ tends to -α ℓ'/(ℓ''+μ) (MATH.md (4.4)) whatever the size of j, while "
         "SGD's δ = -α ℓ' ‖j‖² grows with ‖j‖² (here 10,000 times the default's)."},
        {"Switch to squared loss, where ℓ'' = 1 everywhere. Predict the IGND step with "
         "λ = μ = 0-like damping.",
         "gnlab notebook rank1 --loss squared --lambda 1e-12 --mu 0",
         "δ = -α ℓ' = -α (f - y): with α = 1 one step lands the prediction on the label (the "
         "scalar Newton step of §4.1), and d_λμ coincides with d_MP in the plot."},
    };
    nb_exercises(p, ex, 3);
}

int nb_rank1_run(const nb_ctx *ctx, const nb_rank1_opts *o)
{
    rank1_result r;
    int bad_input;
    gn_status st = rank1_compute(&r, &bad_input, o);
    if (st != GN_OK) {
        fprintf(stderr, "gnlab notebook rank1: %s\n", gn_strerror(st));
        return bad_input ? GN_EXIT_USAGE : GN_EXIT_FAIL;
    }
    nb_page *p = nb_page_open(ctx, NB, "1. The rank-one GGN, derived on one sample");
    if (!p)
        return GN_EXIT_USAGE; /* the page cannot be written: named on stderr */
    nb_page_data(p, "one sample: x = j = (%g, %g), w = (%g, %g), y = %g, %s loss, λ = %g, "
                    "μ = %g", o->x[0], o->x[1], o->w[0], o->w[1], o->y,
                 o->loss == GN_LOSS_BCE ? "BCE" : "squared", o->lambda, o->mu);
    page_instance(p, &r);
    page_derivation(p, &r);
    page_graph(p, &r);
    if (page_directions(p, &r) != 0 || page_lambda_limit(p, &r) != 0)
        return nb_page_finish(p, 1);
    page_table1(p, &r);
    page_exercises(p);
    return nb_page_finish(p, 0);
}
