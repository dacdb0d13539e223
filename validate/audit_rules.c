/* audit_rules.c: one recorded step recomputed in MPFR and its error (val_audit_rule).
 *
 * The paper's rule IS core/ref's gn_mp_step_* (the reference validate checks the core
 * against), called on the record's own inputs. A catalogue variant (val_audit_knobs) is the
 * smallest deviation from that call: the same reference applied to changed inputs (mu folded
 * into lambda, lambda dropped = the undamped rule on l'' + mu, g in place of j, ...), or the
 * reference's result changed afterwards (the step reflected, Adam's last division redone).
 * Only the error measure, the step magnitude it is scaled by and Adam's variant divisions
 * are MPFR code of their own here. */
#include "val_audit.h"
#include "val_audit_screen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gn_mp.h"

struct val_audit_work {
    mpfr_prec_t prec;
    size_t n;           /* length of the vectors below (the trace's dimension) */
    mpfr_ptr ex;        /* w, then the exact w_after */
    mpfr_ptr jv;        /* j (or the recorded g) */
    mpfr_ptr dv;        /* scratch: Adam's gradient or a direction */
    double *sab;        /* magnitude of the step, per component (+inf beyond double's range) */
    gn_mp_adam *adam;   /* Adam's state: the record's m, v, t, then m+, v+ */
    gn_mp_lossval lv;   /* l, l', l'' (recorded or derived) */
    gn_mp_damping dmp;  /* lambda, mu as the rule uses them */
    mpfr_t alpha, lpe, lppe, ratio, S, S32, a, b, t1, t2, q1, q2;
    val_audit_facts fx;
    val_audit_screen_memo *memo; /* audit_screen.c's repeated-record memo */
};

#define HAS(r, f) ((r)->has_s >> (f) & 1u)
#define HASV(r, v) ((r)->has_v >> (v) & 1u)

val_audit_work *val_audit_work_alloc(mpfr_prec_t prec)
{
    if (prec < 64)
        prec = 64;
    val_audit_work *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->prec = prec;
    mpfr_inits2(prec, w->alpha, w->lpe, w->lppe, w->ratio, w->S, w->S32, w->a, w->b, w->t1, w->t2,
                (mpfr_ptr)0);
    mpfr_inits2(64, w->q1, w->q2, (mpfr_ptr)0);
    gn_mp_lossval_init(&w->lv, prec);
    gn_mp_damping_init_set(&w->dmp, (gn_damping){1.0, 0.0}, prec);
    return w;
}

static void work_vectors_free(val_audit_work *w)
{
    gn_mp_vec_free(w->ex, w->n);
    gn_mp_vec_free(w->jv, w->n);
    gn_mp_vec_free(w->dv, w->n);
    gn_mp_adam_free(w->adam);
    free(w->sab);
    w->ex = w->jv = w->dv = NULL;
    w->adam = NULL;
    w->sab = NULL;
    w->n = 0;
}

void val_audit_work_free(val_audit_work *w)
{
    if (!w)
        return;
    work_vectors_free(w);
    val_audit_screen_memo_free(w->memo);
    mpfr_clears(w->alpha, w->lpe, w->lppe, w->ratio, w->S, w->S32, w->a, w->b, w->t1, w->t2,
                w->q1, w->q2, (mpfr_ptr)0);
    gn_mp_lossval_clear(&w->lv);
    gn_mp_damping_clear(&w->dmp);
    free(w);
}

const val_audit_facts *val_audit_work_facts(const val_audit_work *w) { return &w->fx; }

val_audit_screen_memo **val_audit_work_memo(val_audit_work *w) { return &w->memo; }

/* vectors of length n (a trace has one dimension, so this allocates once per stream) */
static int work_size(val_audit_work *w, size_t n)
{
    if (n == w->n)
        return 0;
    work_vectors_free(w);
    w->ex = gn_mp_vec_alloc(n, w->prec);
    w->jv = gn_mp_vec_alloc(n, w->prec);
    w->dv = gn_mp_vec_alloc(n, w->prec);
    w->adam = gn_mp_adam_alloc(n, w->prec);
    w->sab = malloc(n * sizeof *w->sab);
    w->n = n;
    if (!w->ex || !w->jv || !w->dv || !w->adam || !w->sab) {
        work_vectors_free(w);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------ inputs and domains */

static gn_status need(const gn_io_trace_rec *r, gn_io_trace_field f, char *msg, size_t msglen)
{
    if (HAS(r, f))
        return GN_OK;
    snprintf(msg, msglen, "line %zu: method %s needs the field '%s'", r->line,
             gn_io_trace_method_name(r->method), gn_io_trace_field_name(f));
    return GN_EINPUT;
}

static gn_status needv(const gn_io_trace_rec *r, gn_io_trace_vec v, char *msg, size_t msglen)
{
    if (HASV(r, v))
        return GN_OK;
    snprintf(msg, msglen, "line %zu: method %s needs the vector '%s'", r->line,
             gn_io_trace_method_name(r->method), gn_io_trace_vec_name(v));
    return GN_EINPUT;
}

static gn_status domain(const gn_io_trace_rec *r, const char *what, char *msg, size_t msglen)
{
    snprintf(msg, msglen, "line %zu: %s (method %s)", r->line, what,
             gn_io_trace_method_name(r->method));
    return GN_EINPUT;
}

static int is_adam(gn_io_trace_method me)
{
    return me == GN_IO_TRACE_M_ADAM || me == GN_IO_TRACE_M_ADAM_IGND;
}

static gn_status check_adam(const gn_io_trace_rec *r, char *msg, size_t msglen)
{
    gn_status st;
    if ((st = need(r, GN_IO_TRACE_S_BETA1, msg, msglen)) ||
        (st = need(r, GN_IO_TRACE_S_BETA2, msg, msglen)) ||
        (st = need(r, GN_IO_TRACE_S_EPS, msg, msglen)) ||
        (st = need(r, GN_IO_TRACE_S_T, msg, msglen)) ||
        (st = needv(r, GN_IO_TRACE_V_M, msg, msglen)) ||
        (st = needv(r, GN_IO_TRACE_V_V, msg, msglen)))
        return st;
    double b1 = r->s[GN_IO_TRACE_S_BETA1], b2 = r->s[GN_IO_TRACE_S_BETA2];
    double t = r->s[GN_IO_TRACE_S_T];
    if (!(b1 >= 0.0 && b1 < 1.0) || !(b2 >= 0.0 && b2 < 1.0))
        return domain(r, "beta1 and beta2 must be in [0, 1)", msg, msglen);
    if (!(r->s[GN_IO_TRACE_S_EPS] > 0.0))
        return domain(r, "eps must be > 0", msg, msglen);
    if (!(t >= 0.0 && t <= 0x1p53 && t == floor(t)))
        return domain(r, "t (steps taken before this one) must be a whole number >= 0", msg,
                      msglen);
    for (size_t i = 0; i < r->n; i++)
        if (!(r->v[GN_IO_TRACE_V_V][i] >= 0.0)) {
            snprintf(msg, msglen, "line %zu: v[%zu] = %.17g < 0 (a second moment)", r->line, i,
                     r->v[GN_IO_TRACE_V_V][i]);
            return GN_EINPUT;
        }
    return GN_OK;
}

/* what every method needs, and the domains of the hyper-parameters */
static gn_status check_record(const gn_io_trace_rec *r, int uses_g, char *msg, size_t msglen)
{
    gn_status st;
    gn_io_trace_method me = r->method;
    if ((st = needv(r, GN_IO_TRACE_V_W, msg, msglen)) ||
        (st = needv(r, GN_IO_TRACE_V_WAFTER, msg, msglen)) ||
        (st = need(r, GN_IO_TRACE_S_ALPHA, msg, msglen)))
        return st;
    if (!(r->s[GN_IO_TRACE_S_ALPHA] > 0.0))
        return domain(r, "alpha must be > 0", msg, msglen);
    if (!uses_g && (st = needv(r, GN_IO_TRACE_V_J, msg, msglen)))
        return st;
    if (me == GN_IO_TRACE_M_IGND || me == GN_IO_TRACE_M_ADAM_IGND) {
        if ((st = need(r, GN_IO_TRACE_S_LAMBDA, msg, msglen)))
            return st;
        if (!(r->s[GN_IO_TRACE_S_LAMBDA] > 0.0))
            return domain(r, "lambda must be > 0 for damped IGND", msg, msglen);
        if (HAS(r, GN_IO_TRACE_S_MU) && !(r->s[GN_IO_TRACE_S_MU] >= 0.0))
            return domain(r, "mu must be >= 0", msg, msglen);
    }
    return is_adam(me) ? check_adam(r, msg, msglen) : GN_OK;
}

/* l, l', l'' of the record: recorded, or from the loss at (f, y) by core/ref's
 * gn_mp_loss_eval (MATH.md (4.7)-(4.10) from their definitions); the facts the bound
 * needs about what was derived. */
static gn_status resolve_loss(val_audit_work *wk, const gn_io_trace_rec *r, int want_lpp,
                              int want_l, char *msg, size_t msglen)
{
    val_audit_facts *fx = &wk->fx;
    int need_lp = !HAS(r, GN_IO_TRACE_S_LP), need_lpp = want_lpp && !HAS(r, GN_IO_TRACE_S_LPP);
    int need_l = want_l && !HAS(r, GN_IO_TRACE_S_L);
    if ((need_lp || need_lpp || need_l) &&
        !(r->has_loss && HAS(r, GN_IO_TRACE_S_F) && HAS(r, GN_IO_TRACE_S_Y))) {
        snprintf(msg, msglen,
                 "line %zu: method %s needs '%s' (or 'loss', 'f' and 'y' to derive it)", r->line,
                 gn_io_trace_method_name(r->method), need_lp ? "lp" : need_lpp ? "lpp" : "l");
        return GN_EINPUT;
    }
    if (need_lp || need_lpp || need_l) {
        double f = r->s[GN_IO_TRACE_S_F], y = r->s[GN_IO_TRACE_S_Y];
        mpfr_set_d(wk->a, f, MPFR_RNDN);
        mpfr_set_d(wk->b, y, MPFR_RNDN);
        gn_status st = gn_mp_loss_eval(&wk->lv, r->loss, wk->a, wk->b, MPFR_RNDN);
        if (st == GN_EDOM)
            return domain(r, "BCE needs y in [0, 1]", msg, msglen);
        if (st == GN_ERANGE) {
            snprintf(msg, msglen,
                     "%zu:%zu (f): |f| = %.6g > 4096: the BCE reference declines to derive l', "
                     "l'' from (loss, f, y), so the step is undetermined; record lp and lpp in "
                     "the trace", r->line, r->scol[GN_IO_TRACE_S_F], f);
            return GN_ERANGE;
        }
        int bce = r->loss == GN_LOSS_BCE;
        /* sigma(f) and 1 - sigma(f), each without cancellation: scales for the bound */
        fx->p = bce ? 1.0 / (1.0 + exp(-f)) : 0.5;
        fx->q = bce ? 1.0 / (1.0 + exp(f)) : 0.5;
        fx->lp_derived = need_lp;
        fx->lpp_derived = need_lpp;
        fx->l_derived = need_l;
        if (need_l) {
            double l = mpfr_get_d(wk->lv.l, MPFR_RNDN);
            /* an implementation's squared l: 3 roundings; BCE's stable form
             * max(f,0) - y f + log1p(exp(-|f|)): terms up to |f| + 1 with ~4 roundings */
            fx->kl = !bce ? 3.0 : l > 0 ? 4.0 * (fabs(f) + 1.0) / l : INFINITY;
        }
    }
    if (!need_lp)
        mpfr_set_d(wk->lv.lp, r->s[GN_IO_TRACE_S_LP], MPFR_RNDN);
    if (want_lpp && !need_lpp)
        mpfr_set_d(wk->lv.lpp, r->s[GN_IO_TRACE_S_LPP], MPFR_RNDN);
    if (want_l && !need_l)
        mpfr_set_d(wk->lv.l, r->s[GN_IO_TRACE_S_L], MPFR_RNDN);
    if (want_lpp && mpfr_sgn(wk->lv.lpp) < 0)
        return domain(r, "l'' < 0: the loss is not convex in f (outside the theory)", msg,
                      msglen);
    fx->lp = mpfr_get_d(wk->lv.lp, MPFR_RNDN);
    fx->l = want_l ? mpfr_get_d(wk->lv.l, MPFR_RNDN) : 0.0;
    return GN_OK;
}

/* ------------------------------------------------ f32_sumsq: |j|^2 in float32 */

/* *ratio = den(S) / den(fl32(S)), den the method's denominator as a function of S = |j|^2:
 * the variant's step is the reference's scaled by this (all the rules are linear in 1/den).
 * 1 when the knob is off. Returns -1 when den(fl32(S)) = 0 (the variant divides by zero). */
static int sumsq_ratio(mpfr_ptr ratio, val_audit_work *wk, const gn_io_trace_rec *r,
                       const val_audit_knobs *k, int undamped, double eps)
{
    mpfr_set_ui(ratio, 1, MPFR_RNDN);
    if (!k->f32_sumsq)
        return 0;
    gn_mp_norm2sq(wk->S, wk->jv, r->n, MPFR_RNDN);
    mpfr_set(wk->S32, wk->S, MPFR_RNDN);
    mpfr_prec_round(wk->S32, 24, MPFR_RNDN);
    mpfr_prec_round(wk->S32, wk->prec, MPFR_RNDN);
    mpfr_ptr num = wk->a, den = wk->b;
    for (int pass = 0; pass < 2; pass++) {
        mpfr_ptr out = pass ? den : num;
        mpfr_srcptr s = pass ? (mpfr_srcptr)wk->S32 : (mpfr_srcptr)wk->S;
        switch (r->method) {
        case GN_IO_TRACE_M_NORMGRAD: mpfr_sqrt(out, s, MPFR_RNDN); break;
        case GN_IO_TRACE_M_SPS: mpfr_set(out, s, MPFR_RNDN); break;
        case GN_IO_TRACE_M_NLMS: mpfr_add_d(out, s, eps, MPFR_RNDN); break;
        default: /* the IGND family: (l'' + mu) S + lambda, or l'' S undamped */
            if (undamped) {
                mpfr_mul(out, wk->lppe, s, MPFR_RNDN);
            } else {
                mpfr_add(out, wk->lppe, wk->dmp.mu, MPFR_RNDN);
                mpfr_fma(out, out, s, wk->dmp.lambda, MPFR_RNDN);
            }
        }
    }
    if (mpfr_zero_p(den))
        return -1;
    mpfr_div(ratio, num, den, MPFR_RNDN);
    return 0;
}

/* ------------------------------------------- the rules: core/ref's gn_mp_step_* */

/* The IGND family's reference inputs under the knobs, each variant a change of inputs:
 *   g_norm     j := g = l' j, l' := 1     (|g|^2 in the denominator, the same step)
 *   no_lpp     l'' := 0
 *   mu_after   lambda := lambda + mu, mu := 0   ((l''|j|^2 + mu + lambda))
 *   no_lambda  the undamped rule on l'' + mu    ((l'' + mu)|j|^2)
 *   undamped   the undamped rule                (l''|j|^2)
 * Returns 1 when the rule to call is the undamped one. */
static int rank1_inputs(val_audit_work *wk, const gn_io_trace_rec *r, const val_audit_knobs *k)
{
    double lambda = HAS(r, GN_IO_TRACE_S_LAMBDA) ? r->s[GN_IO_TRACE_S_LAMBDA] : 0.0;
    double mu = HAS(r, GN_IO_TRACE_S_MU) ? r->s[GN_IO_TRACE_S_MU] : 0.0;
    mpfr_set_d(wk->dmp.lambda, lambda, MPFR_RNDN);
    mpfr_set_d(wk->dmp.mu, mu, MPFR_RNDN);
    mpfr_set(wk->lpe, wk->lv.lp, MPFR_RNDN);
    mpfr_set(wk->lppe, wk->lv.lpp, MPFR_RNDN);
    if (k->g_norm) {
        for (size_t i = 0; i < r->n; i++)
            mpfr_mul(wk->jv + i, wk->jv + i, wk->lv.lp, MPFR_RNDN);
        mpfr_set_ui(wk->lpe, 1, MPFR_RNDN);
    }
    if (k->no_lpp)
        mpfr_set_zero(wk->lppe, 1);
    if (k->no_lambda)
        mpfr_add(wk->lppe, wk->lppe, wk->dmp.mu, MPFR_RNDN);
    if (k->mu_after) {
        mpfr_add(wk->dmp.lambda, wk->dmp.lambda, wk->dmp.mu, MPFR_RNDN);
        mpfr_set_zero(wk->dmp.mu, 1);
    }
    return r->method == GN_IO_TRACE_M_IGND_UNDAMPED || k->undamped || k->no_lambda;
}

/* Adam's state and parameters from the record (t = steps taken before this one) */
static gn_adam_params adam_load(val_audit_work *wk, const gn_io_trace_rec *r)
{
    wk->adam->t = (uint64_t)r->s[GN_IO_TRACE_S_T];
    gn_mp_vec_set_d(wk->adam->m, r->v[GN_IO_TRACE_V_M], r->n);
    gn_mp_vec_set_d(wk->adam->v, r->v[GN_IO_TRACE_V_V], r->n);
    return (gn_adam_params){r->s[GN_IO_TRACE_S_ALPHA], r->s[GN_IO_TRACE_S_BETA1],
                            r->s[GN_IO_TRACE_S_BETA2], r->s[GN_IO_TRACE_S_EPS]};
}

/* dv = c * src (c = l' for Adam fed l' j, c = -ratio on a direction) */
static void scaled(mpfr_ptr dv, mpfr_srcptr src, size_t n, mpfr_srcptr c)
{
    for (size_t i = 0; i < n; i++)
        mpfr_mul(dv + i, src + i, c, MPFR_RNDN);
}

/* Adam-IGND: gn_mp_step_adam_ignd; its variants feed gn_mp_step_adam with a changed
 * gradient: -d for the undamped or f32-scaled direction d, or l' j with the step scaled
 * by xi afterwards (xi_after, xi from gn_mp_xi). *xi gets that scale (1 otherwise). */
static gn_status rule_adam_ignd(val_audit_work *wk, const gn_io_trace_rec *r,
                                const val_audit_knobs *k, int undamped, double *xi)
{
    gn_adam_params p = adam_load(wk, r);
    size_t n = r->n;
    gn_status st;
    *xi = 1.0;
    if (k->xi_after) {
        if ((st = gn_mp_xi(wk->a, wk->jv, n, wk->lppe, &wk->dmp, MPFR_RNDN)) != GN_OK)
            return st;
        scaled(wk->dv, wk->jv, n, wk->lpe);
        if ((st = gn_mp_step_adam(wk->adam, wk->ex, wk->dv, &p, MPFR_RNDN)) != GN_OK)
            return st;
        for (size_t i = 0; i < n; i++) { /* w + xi (w_adam - w) */
            double w = r->v[GN_IO_TRACE_V_W][i];
            mpfr_sub_d(wk->t1, wk->ex + i, w, MPFR_RNDN);
            mpfr_mul(wk->t1, wk->t1, wk->a, MPFR_RNDN);
            mpfr_add_d(wk->ex + i, wk->t1, w, MPFR_RNDN);
        }
        *xi = mpfr_get_d(wk->a, MPFR_RNDA);
        return GN_OK;
    }
    if (!undamped && mpfr_cmp_ui(wk->ratio, 1) == 0)
        return gn_mp_step_adam_ignd(wk->adam, wk->ex, wk->jv, wk->lpe, wk->lppe, &wk->dmp, &p,
                                    MPFR_RNDN);
    st = undamped ? gn_mp_dir_pinv(wk->dv, wk->jv, n, wk->lpe, wk->lppe, MPFR_RNDN)
                  : gn_mp_dir_damped(wk->dv, wk->jv, n, wk->lpe, wk->lppe, &wk->dmp, MPFR_RNDN);
    if (st != GN_OK)
        return st;
    mpfr_neg(wk->t1, wk->ratio, MPFR_RNDN);
    scaled(wk->dv, wk->dv, n, wk->t1);
    return gn_mp_step_adam(wk->adam, wk->ex, wk->dv, &p, MPFR_RNDN);
}

/* IGND, undamped IGND and Adam-IGND (MATH.md (3.13)-(3.14), Table 1, §7) */
static gn_status rule_rank1(val_audit_work *wk, const gn_io_trace_rec *r,
                            const val_audit_knobs *k, double *xi)
{
    int undamped = rank1_inputs(wk, r, k);
    if (sumsq_ratio(wk->ratio, wk, r, k, undamped, 0.0))
        return GN_EZERO;
    if (r->method == GN_IO_TRACE_M_ADAM_IGND)
        return rule_adam_ignd(wk, r, k, undamped, xi);
    mpfr_mul(wk->alpha, wk->alpha, wk->ratio, MPFR_RNDN);
    if (undamped)
        return gn_mp_step_ignd_undamped(wk->ex, wk->jv, r->n, wk->lpe, wk->lppe, wk->alpha,
                                        MPFR_RNDN);
    return gn_mp_step_ignd(wk->ex, wk->jv, r->n, wk->lpe, wk->lppe, wk->alpha, &wk->dmp,
                           MPFR_RNDN);
}

/* SPS (4.6): c, lstar, gamma_max (+inf when absent) into a, b, t1 */
static gn_status rule_sps(val_audit_work *wk, const gn_io_trace_rec *r, const val_audit_knobs *k,
                          char *msg, size_t msglen)
{
    gn_status st;
    if ((st = need(r, GN_IO_TRACE_S_C, msg, msglen)))
        return st;
    double c = r->s[GN_IO_TRACE_S_C];
    double lstar = HAS(r, GN_IO_TRACE_S_LSTAR) ? r->s[GN_IO_TRACE_S_LSTAR] : 0.0;
    int capped = HAS(r, GN_IO_TRACE_S_GAMMA_MAX);
    if (!(c > 0.0))
        return domain(r, "c must be > 0", msg, msglen);
    if (capped && !(r->s[GN_IO_TRACE_S_GAMMA_MAX] > 0.0))
        return domain(r, "gamma_max must be > 0", msg, msglen);
    if (mpfr_cmp_d(wk->lv.l, lstar) < 0)
        return domain(r, "l < lstar", msg, msglen);
    if (sumsq_ratio(wk->ratio, wk, r, k, 0, 0.0))
        return GN_EZERO;
    mpfr_set_d(wk->t1, c, MPFR_RNDN);
    mpfr_div(wk->t1, wk->t1, wk->ratio, MPFR_RNDN); /* c fl32(S) / S under f32_sumsq */
    mpfr_set_d(wk->t2, lstar, MPFR_RNDN);
    if (capped)
        mpfr_set_d(wk->S32, r->s[GN_IO_TRACE_S_GAMMA_MAX], MPFR_RNDN);
    else
        mpfr_set_inf(wk->S32, 1);
    return gn_mp_step_sps(wk->ex, wk->jv, r->n, wk->lv.l, wk->t2, wk->lv.lp, wk->t1, wk->S32,
                          MPFR_RNDN);
}

/* NLMS's inputs: eps > 0, and l' of the squared loss at (f, y) (so e = y - f = -l') or
 * the recorded lp, into wk->lv.lp */
static gn_status nlms_e(val_audit_work *wk, const gn_io_trace_rec *r, char *msg, size_t msglen)
{
    gn_status st;
    if ((st = need(r, GN_IO_TRACE_S_EPS, msg, msglen)))
        return st;
    if (!(r->s[GN_IO_TRACE_S_EPS] > 0.0))
        return domain(r, "eps must be > 0", msg, msglen);
    if (HAS(r, GN_IO_TRACE_S_F) && HAS(r, GN_IO_TRACE_S_Y)) {
        mpfr_set_d(wk->a, r->s[GN_IO_TRACE_S_F], MPFR_RNDN);
        mpfr_set_d(wk->b, r->s[GN_IO_TRACE_S_Y], MPFR_RNDN);
        gn_mp_loss_squared(&wk->lv, wk->a, wk->b, MPFR_RNDN);
        wk->fx.e_derived = 1;
    } else if (HAS(r, GN_IO_TRACE_S_LP)) {
        mpfr_set_d(wk->lv.lp, r->s[GN_IO_TRACE_S_LP], MPFR_RNDN);
    } else {
        snprintf(msg, msglen, "line %zu: method nlms needs 'f' and 'y' (or 'lp')", r->line);
        return GN_EINPUT;
    }
    return GN_OK;
}

/* NLMS (Table 1): e = y - f = -l' of the squared loss at (f, y), or -l' as recorded */
static gn_status rule_nlms(val_audit_work *wk, const gn_io_trace_rec *r, const val_audit_knobs *k)
{
    double eps = r->s[GN_IO_TRACE_S_EPS];
    mpfr_neg(wk->t1, wk->lv.lp, MPFR_RNDN);
    if (sumsq_ratio(wk->ratio, wk, r, k, 0, eps))
        return GN_EZERO;
    mpfr_mul(wk->alpha, wk->alpha, wk->ratio, MPFR_RNDN);
    mpfr_set_d(wk->t2, eps, MPFR_RNDN);
    return gn_mp_step_nlms(wk->ex, wk->jv, r->n, wk->t1, wk->alpha, wk->t2, MPFR_RNDN);
}

/* the reference's rule for r's method under the knobs, into wk->ex; *xi as rule_adam_ignd */
static gn_status rule_dispatch(val_audit_work *wk, const gn_io_trace_rec *r,
                               const val_audit_knobs *k, int uses_g, double *xi, char *msg,
                               size_t msglen)
{
    size_t n = r->n;
    gn_adam_params p;
    switch (r->method) {
    case GN_IO_TRACE_M_SGD: /* on a recorded g: l' = 1 */
        if (uses_g)
            mpfr_set_ui(wk->lv.lp, 1, MPFR_RNDN);
        return gn_mp_step_sgd(wk->ex, wk->jv, n, wk->lv.lp, wk->alpha, MPFR_RNDN);
    case GN_IO_TRACE_M_NORMGRAD:
        if (sumsq_ratio(wk->ratio, wk, r, k, 0, 0.0))
            return GN_EZERO;
        mpfr_mul(wk->alpha, wk->alpha, wk->ratio, MPFR_RNDN);
        return gn_mp_step_normgrad(wk->ex, wk->jv, n, wk->lv.lp, wk->alpha, MPFR_RNDN);
    case GN_IO_TRACE_M_SPS:
        return rule_sps(wk, r, k, msg, msglen);
    case GN_IO_TRACE_M_NLMS:
        return rule_nlms(wk, r, k);
    case GN_IO_TRACE_M_ADAM:
        p = adam_load(wk, r);
        if (!uses_g)
            scaled(wk->dv, wk->jv, n, wk->lv.lp);
        return gn_mp_step_adam(wk->adam, wk->ex, uses_g ? wk->jv : wk->dv, &p, MPFR_RNDN);
    case GN_IO_TRACE_M_IGND:
    case GN_IO_TRACE_M_IGND_UNDAMPED:
    case GN_IO_TRACE_M_ADAM_IGND:
        return rule_rank1(wk, r, k, xi);
    default:
        return domain(r, "unknown method", msg, msglen);
    }
}

/* ------------------------------------------- the step magnitude and the measure */

/* Adam's magnitude A_i = alpha (b1 |m_i| + (1 - b1)|g_i|) / bc1 / (sqrt(v^_i) + eps) >= |s_i|
 * (the recursion's: m+ may cancel), with (1 - b1)|g_i| = |m+_i - b1 m_i| read from the
 * reference's new state; a scale, so double arithmetic on it is enough. The no_bias and
 * eps_inside variants redo the reference's last division from its m+ and v+:
 * w - alpha (m+/bc1) / den with bc = 1, or den = sqrt(v+/bc2 + eps). */
static void adam_finish(val_audit_work *wk, const gn_io_trace_rec *r, const val_audit_knobs *k,
                        double xi)
{
    double b1 = r->s[GN_IO_TRACE_S_BETA1], b2 = r->s[GN_IO_TRACE_S_BETA2];
    double eps = r->s[GN_IO_TRACE_S_EPS];
    unsigned long t1 = (unsigned long)r->s[GN_IO_TRACE_S_T] + 1;
    mpfr_ptr bc1 = wk->a, bc2 = wk->b, ab = wk->S, den = wk->t1, t = wk->t2;
    mpfr_set_d(bc1, k->no_bias ? 0.0 : b1, MPFR_RNDN);
    mpfr_pow_ui(bc1, bc1, t1, MPFR_RNDN);
    mpfr_ui_sub(bc1, 1, bc1, MPFR_RNDN);
    mpfr_set_d(bc2, k->no_bias ? 0.0 : b2, MPFR_RNDN);
    mpfr_pow_ui(bc2, bc2, t1, MPFR_RNDN);
    mpfr_ui_sub(bc2, 1, bc2, MPFR_RNDN);
    mpfr_d_div(ab, r->s[GN_IO_TRACE_S_ALPHA], bc1, MPFR_RNDN);
    double abd = mpfr_get_d(ab, MPFR_RNDA) * xi;
    const double *w = r->v[GN_IO_TRACE_V_W], *m = r->v[GN_IO_TRACE_V_M];
    for (size_t i = 0; i < r->n; i++) {
        mpfr_div(den, wk->adam->v + i, bc2, MPFR_RNDN);
        if (k->eps_inside)
            mpfr_add_d(den, den, eps, MPFR_RNDN);
        mpfr_sqrt(den, den, MPFR_RNDN);
        if (!k->eps_inside)
            mpfr_add_d(den, den, eps, MPFR_RNDN);
        mpfr_set_d(t, m[i], MPFR_RNDN);
        mpfr_mul_d(t, t, b1, MPFR_RNDN);
        mpfr_sub(t, wk->adam->m + i, t, MPFR_RNDN);
        double gterm = fabs(mpfr_get_d(t, MPFR_RNDA));
        wk->sab[i] = abd * (b1 * fabs(m[i]) + gterm) / mpfr_get_d(den, MPFR_RNDZ);
        if (k->no_bias || k->eps_inside) {
            mpfr_div(t, wk->adam->m + i, den, MPFR_RNDN);
            mpfr_mul(t, t, ab, MPFR_RNDN);
            mpfr_d_sub(wk->ex + i, w[i], t, MPFR_RNDN);
        }
    }
}

/* the rank-one rules' magnitude |s_i| = |w+_i - w_i| */
static void rank1_magnitude(val_audit_work *wk, const gn_io_trace_rec *r)
{
    for (size_t i = 0; i < r->n; i++) {
        mpfr_sub_d(wk->t1, wk->ex + i, r->v[GN_IO_TRACE_V_W][i], MPFR_RNDN);
        wk->sab[i] = fabs(mpfr_get_d(wk->t1, MPFR_RNDA));
    }
}

/* flip_sign: w - s in place of w + s (the reference's step reflected about w) */
static void reflect(val_audit_work *wk, const gn_io_trace_rec *r)
{
    for (size_t i = 0; i < r->n; i++) {
        double w = r->v[GN_IO_TRACE_V_W][i];
        mpfr_d_sub(wk->ex + i, w, wk->ex + i, MPFR_RNDN);
        mpfr_add_d(wk->ex + i, wk->ex + i, w, MPFR_RNDN);
    }
}

/* err = max_i |got_i - exact_i| / (u (|w_i| + |s_i|) + eta), MATH.md §13 at the trace's
 * type, |got_i - exact_i| first reduced by rel |s_i| (a variant's tolerance on the step) and
 * type (0 for a recorded +-inf that is the exact value correctly rounded in the type); |got - exact| rounded once, the scale in double while it is a normal number (a few
 * roundings: relative 2^-50 on the measure), in MPFR otherwise, where an overflowed
 * magnitude is replaced by |exact - w| (a lower bound: stricter). */
/* 1 when +-inf is the exact x rounded to nearest in the trace's type: |x| at or beyond the
 * overflow threshold 2^emax (2 - 2^-p) (halfway past the largest finite number) */
static int rounds_to_inf(val_audit_work *wk, mpfr_srcptr x, double got, gn_io_trace_dtype t)
{
    if (mpfr_sgn(x) * (got > 0 ? 1 : -1) <= 0)
        return 0;
    int f32 = t == GN_IO_TRACE_F32;
    mpfr_set_ui_2exp(wk->q1, 1, f32 ? 128 : 1024, MPFR_RNDN);
    mpfr_set_ui_2exp(wk->q2, 1, f32 ? 128 - 25 : 1024 - 54, MPFR_RNDN);
    mpfr_sub(wk->q1, wk->q1, wk->q2, MPFR_RNDN); /* exact in 64 bits */
    return mpfr_cmpabs(x, wk->q1) >= 0;
}

static double measure(val_audit_work *wk, const gn_io_trace_rec *r, double rel, size_t *worst)
{
    double u = val_audit_unit(r->dtype);
    double eta = r->dtype == GN_IO_TRACE_F32 ? 0x1p-149 : 0x1p-1074;
    const double *w = r->v[GN_IO_TRACE_V_W], *got = r->v[GN_IO_TRACE_V_WAFTER];
    double e = 0.0;
    *worst = 0;
    for (size_t i = 0; i < r->n; i++) {
        double ei = INFINITY;
        if (isinf(got[i]) && rounds_to_inf(wk, wk->ex + i, got[i], r->dtype)) {
            ei = 0.0; /* the correctly rounded result overflows: the recorded inf is it */
        } else if (isfinite(got[i])) {
            mpfr_d_sub(wk->t1, got[i], wk->ex + i, MPFR_RNDN);
            double diff = fabs(mpfr_get_d(wk->t1, MPFR_RNDN)), sa = wk->sab[i];
            if (rel > 0.0 && isfinite(sa)) /* a tolerance relative to the step */
                diff = fmax(0.0, diff - rel * sa);
            double den = u * (fabs(w[i]) + sa) + eta;
            if (isfinite(diff) && den > 0x1p-1000 && den < 0x1p1000 && diff < 0x1p1000) {
                ei = diff / den;
            } else {
                mpfr_abs(wk->t1, wk->t1, MPFR_RNDN);
                if (rel > 0.0 && isfinite(sa)) {
                    mpfr_sub_d(wk->t1, wk->t1, rel * sa, MPFR_RNDN);
                    if (mpfr_sgn(wk->t1) < 0)
                        mpfr_set_zero(wk->t1, 1);
                }
                if (isfinite(sa))
                    mpfr_set_d(wk->q2, sa, MPFR_RNDN);
                else
                    mpfr_sub_d(wk->q2, wk->ex + i, w[i], MPFR_RNDN);
                mpfr_abs(wk->q2, wk->q2, MPFR_RNDN);
                mpfr_add_d(wk->q2, wk->q2, fabs(w[i]), MPFR_RNDU);
                mpfr_mul_d(wk->q2, wk->q2, u, MPFR_RNDU);
                mpfr_add_d(wk->q2, wk->q2, eta, MPFR_RNDU);
                mpfr_div(wk->q1, wk->t1, wk->q2, MPFR_RNDU);
                ei = mpfr_get_d(wk->q1, MPFR_RNDU);
            }
        }
        if (ei > e) {
            e = ei;
            *worst = i;
        }
    }
    return e;
}

/* what both the MPFR rule and the screen (audit_screen.c) do first, the same code so that
 * they accept, reject and decline exactly the same records: the record's fields and domains
 * (check_record), l, l', l'' resolved into wk->lv (resolve_loss; NLMS: e = y - f or -lp)
 * and the facts the bound reads. *uses_g: the step is fed a recorded g. */
static gn_status prepare(val_audit_work *wk, const gn_io_trace_rec *r, int *uses_g, char *msg,
                         size_t msglen)
{
    gn_io_trace_method me = r->method;
    *uses_g = (me == GN_IO_TRACE_M_SGD || me == GN_IO_TRACE_M_ADAM) && HASV(r, GN_IO_TRACE_V_G);
    memset(&wk->fx, 0, sizeof wk->fx);
    wk->fx.g_given = *uses_g;
    gn_status st = check_record(r, *uses_g, msg, msglen);
    if (st != GN_OK)
        return st;
    int want_lpp = me == GN_IO_TRACE_M_IGND || me == GN_IO_TRACE_M_ADAM_IGND ||
                   me == GN_IO_TRACE_M_IGND_UNDAMPED;
    if (me == GN_IO_TRACE_M_NLMS)
        return nlms_e(wk, r, msg, msglen);
    if (!*uses_g && (st = resolve_loss(wk, r, want_lpp, me == GN_IO_TRACE_M_SPS, msg, msglen)))
        return st;
    return GN_OK;
}

/* x as hi + lo: hi = x rounded, lo = (x - hi) rounded (the difference is exact at x's
 * precision), so |hi + lo - x| <= 2^-53 |x - hi| <= 2^-106 |x|; -1 when hi is outside
 * the screen's range (nonzero and not in [2^-900, 2^900]) */
static int to_dd(val_dd *out, mpfr_srcptr x, mpfr_ptr tmp)
{
    double hi = mpfr_get_d(x, MPFR_RNDN);
    if (!mpfr_zero_p(x) && !(fabs(hi) >= 0x1p-900 && fabs(hi) <= 0x1p900))
        return -1;
    mpfr_sub_d(tmp, x, hi, MPFR_RNDN);
    out->hi = hi;
    out->lo = mpfr_get_d(tmp, MPFR_RNDN);
    return 0;
}

gn_status val_audit_screen_prepare(val_audit_screen_in *in, val_audit_work *wk,
                                   const gn_io_trace_rec *r)
{
    char msg[8];
    gn_status st = prepare(wk, r, &in->uses_g, msg, sizeof msg);
    if (st != GN_OK)
        return st;
    gn_io_trace_method me = r->method;
    in->lp = in->lpp = in->l = (val_dd){0.0, 0.0};
    in->rel = 0x1p-105;
    in->mp_margin = ldexp(1.0, 4 - (int)wk->prec);
    if (in->uses_g)
        return GN_OK;
    /* t1 has the working precision: x - hi is exact there (x has at most prec bits) */
    if (to_dd(&in->lp, wk->lv.lp, wk->t1))
        return GN_ERANGE;
    if ((me == GN_IO_TRACE_M_IGND || me == GN_IO_TRACE_M_IGND_UNDAMPED ||
         me == GN_IO_TRACE_M_ADAM_IGND) && to_dd(&in->lpp, wk->lv.lpp, wk->t1))
        return GN_ERANGE;
    if (me == GN_IO_TRACE_M_SPS && to_dd(&in->l, wk->lv.l, wk->t1))
        return GN_ERANGE;
    return GN_OK;
}

gn_status val_audit_rule(double *err, size_t *worst, val_audit_work *wk,
                         const gn_io_trace_rec *r, const val_audit_knobs *k, char *msg,
                         size_t msglen)
{
    static const val_audit_knobs none;
    char dummy[8];
    if (!k)
        k = &none;
    *err = INFINITY;
    *worst = 0;
    if (!msg || !msglen) {
        msg = dummy;
        msglen = sizeof dummy;
    }
    msg[0] = '\0';
    gn_io_trace_method me = r->method;
    int uses_g;
    gn_status st = prepare(wk, r, &uses_g, msg, msglen);
    if (st != GN_OK)
        return st;
    if (work_size(wk, r->n))
        return GN_ENOMEM;
    gn_mp_vec_set_d(wk->ex, r->v[GN_IO_TRACE_V_W], r->n);
    gn_mp_vec_set_d(wk->jv, r->v[uses_g ? GN_IO_TRACE_V_G : GN_IO_TRACE_V_J], r->n);
    mpfr_set_d(wk->alpha, r->s[GN_IO_TRACE_S_ALPHA], MPFR_RNDN);
    double xi = 1.0;
    st = rule_dispatch(wk, r, k, uses_g, &xi, msg, msglen);
    if (st == GN_EZERO || st == GN_ENOMEM || (st == GN_EINPUT && msg[0]))
        return st;
    if (st != GN_OK) {
        snprintf(msg, msglen, "line %zu: the reference declines the step (%s; method %s)",
                 r->line, gn_strerror(st), gn_io_trace_method_name(me));
        return GN_EINPUT;
    }
    if (is_adam(me))
        adam_finish(wk, r, k, xi);
    else
        rank1_magnitude(wk, r);
    if (k->flip_sign)
        reflect(wk, r);
    /* f32_sumsq: the recorded |j|^2 anywhere within n + 1 float32 roundings of the exact one
     * moves the step by at most (n + 1) 2^-24 |s_i| (relative to the step, not to |w_i|) */
    *err = measure(wk, r, k->f32_sumsq == 1 ? ((double)r->n + 1.0) * 0x1p-24 : 0.0, worst);
    return GN_OK;
}
