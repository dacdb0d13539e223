/* test_audit.c: `gnlab audit`. Traces written by real implementations (the double core,
 * hand-written float32 IGND and Adam, PyTorch and TensorFlow.js when installed) must agree at
 * their own precision; the same implementations with each catalogue bug planted must
 * disagree and be diagnosed by name; perturbations just beyond the bound must be caught
 * (the negative control of the bound); malformed traces get GN_EINPUT naming line and
 * column; a 10^6-step stream is audited in flat memory; its fuzz corpus replays in test_fuzz_corpus. */
#include "gn_test.h"

#include "gn.h"
#include "gn_io_trace.h"
#include "val_audit.h"
#include "gn_mp.h"

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define D 6

/* ------------------------------------------------------------ helpers */

typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} memtrace;

static void mt_open(memtrace *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
}

/* audits the text; returns the status, fills *s and err */
static gn_status audit_text(val_audit_summary *s, const char *text, size_t len, char *err,
                            size_t errlen)
{
    FILE *f = fmemopen((void *)text, len, "r");
    assert_non_null(f);
    val_audit_opts o = val_audit_opts_default();
    gn_status st = val_audit_stream(s, f, "t", &o, NULL, NULL, err, errlen);
    fclose(f);
    return st;
}

static gn_status mt_audit(memtrace *m, val_audit_summary *s, char *err, size_t errlen)
{
    fclose(m->f);
    gn_status st = audit_text(s, m->buf, m->len, err, errlen);
    free(m->buf);
    return st;
}

static const char *first_match(const val_audit_summary *s, size_t *nexact)
{
    size_t idx[VAL_AUDIT_MAXCAT];
    size_t n = val_audit_matches(idx, VAL_AUDIT_MAXCAT, s);
    *nexact = 0;
    for (size_t k = 0; k < n; k++)
        *nexact += val_audit_catalogue[idx[k]].centre == NULL;
    return n ? val_audit_catalogue[idx[0]].name : "none";
}

/* ------------------------------------------- implementations under test */

/* A plain double implementation of the rank-one rules with bugs switchable by name, as an
 * optimizer author would write it (straight loops, no scaling). */
typedef struct {
    const char *bug; /* NULL: correct */
} impl;

static int is(const impl *im, const char *b) { return im->bug && !strcmp(im->bug, b); }

static double impl_sumsq(const impl *im, const double *j, size_t n)
{
    if (is(im, "f32_sumsq")) {
        float s = 0.0f;
        for (size_t i = 0; i < n; i++)
            s += (float)j[i] * (float)j[i];
        return s;
    }
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += j[i] * j[i];
    return s;
}

static double impl_xi(const impl *im, const double *j, size_t n, double lp, double lpp,
                      double lambda, double mu)
{
    double S = impl_sumsq(im, j, n);
    if (is(im, "g_norm"))
        S = lp * lp * S;
    if (is(im, "mu_after_outer"))
        return 1.0 / (lpp * S + mu + lambda);
    if (is(im, "lambda_missing"))
        return 1.0 / ((lpp + mu) * S);
    if (is(im, "lpp_missing"))
        return 1.0 / (mu * S + lambda);
    if (is(im, "batch_undamped"))
        return 1.0 / (lpp * S);
    return 1.0 / ((lpp + mu) * S + lambda);
}

static void impl_ignd(const impl *im, double *w, const double *j, size_t n, double lp,
                      double lpp, double alpha, double lambda, double mu)
{
    double c = alpha * impl_xi(im, j, n, lp, lpp, lambda, mu) * lp;
    for (size_t i = 0; i < n; i++)
        w[i] = is(im, "wrong_sign") ? w[i] + c * j[i] : w[i] - c * j[i];
}

/* Adam (and Adam-IGND when j != NULL: g = xi lp j) */
static void impl_adam(const impl *im, double *w, double *m, double *v, uint64_t t,
                      const double *g_in, const double *j, size_t n, double lp, double lpp,
                      double lambda, double mu, double alpha, double b1, double b2, double eps)
{
    double g[64];
    double xi = 1.0;
    if (j) {
        xi = impl_xi(im, j, n, lp, lpp, lambda, mu);
        for (size_t i = 0; i < n; i++)
            g[i] = is(im, "xi_after_adam") ? lp * j[i] : xi * lp * j[i];
    } else {
        memcpy(g, g_in, n * sizeof *g);
    }
    double bc1 = 1.0 - pow(b1, (double)(t + 1)), bc2 = 1.0 - pow(b2, (double)(t + 1));
    if (is(im, "adam_no_bias"))
        bc1 = bc2 = 1.0;
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        double den = is(im, "adam_eps_inside") ? sqrt(v[i] / bc2 + eps) : sqrt(v[i] / bc2) + eps;
        double st = alpha * (m[i] / bc1) / den;
        if (is(im, "xi_after_adam"))
            st *= xi;
        w[i] = is(im, "wrong_sign") ? w[i] + st : w[i] - st;
    }
}

/* the same two in float32 arithmetic throughout */
static void f32_ignd(float *w, const float *j, size_t n, float lp, float lpp, float alpha,
                     float lambda, float mu)
{
    float S = 0.0f;
    for (size_t i = 0; i < n; i++)
        S += j[i] * j[i];
    float c = alpha * (1.0f / ((lpp + mu) * S + lambda)) * lp;
    for (size_t i = 0; i < n; i++)
        w[i] -= c * j[i];
}

static void f32_adam(float *w, float *m, float *v, float *acc1, float *acc2, const float *g,
                     size_t n, float alpha, float b1, float b2, float eps)
{
    /* TF.js style: running products for the bias corrections */
    float bc1 = 1.0f - *acc1, bc2 = 1.0f - *acc2;
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        w[i] -= alpha * (m[i] / bc1) / (sqrtf(v[i] / bc2) + eps);
    }
    *acc1 *= b1;
    *acc2 *= b2;
}

/* ----------------------------------------------------- trace builders */

typedef struct {
    gn_io_trace_rec r;
    double w0[D], j[D], g[D], m[D], v[D], wa[D];
} recbuf;

static void rb_init(recbuf *b, gn_io_trace_method me, gn_io_trace_dtype dt)
{
    memset(b, 0, sizeof *b);
    b->r.method = me;
    b->r.dtype = dt;
    b->r.n = D;
    b->r.v[GN_IO_TRACE_V_W] = b->w0;
    b->r.v[GN_IO_TRACE_V_J] = b->j;
    b->r.v[GN_IO_TRACE_V_G] = b->g;
    b->r.v[GN_IO_TRACE_V_M] = b->m;
    b->r.v[GN_IO_TRACE_V_V] = b->v;
    b->r.v[GN_IO_TRACE_V_WAFTER] = b->wa;
}

static void rb_set(recbuf *b, gn_io_trace_field f, double x)
{
    b->r.s[f] = x;
    b->r.has_s |= 1u << f;
}

static void rb_vec(recbuf *b, gn_io_trace_vec v) { b->r.has_v |= 1u << v; }

/* draws a sensitivity vector with entries spread over a few binades */
static void draw_j(gn_rng *rng, double *j, size_t s)
{
    for (size_t i = 0; i < D; i++)
        j[i] = gn_rng_normal(rng) * ldexp(1.0, (int)((s + i) % 5) - 2);
}

/* a trace of the named method written by the double core (bug == NULL) or by impl with the
 * bug; loss squared with l' recorded; json or CSV. Returns the text in m. */
static void core_or_impl_trace(memtrace *mt, gn_io_trace_method me, const char *bug, int json,
                               size_t steps, uint64_t seed)
{
    gn_rng rng;
    gn_rng_seed(&rng, seed, (uint64_t)me);
    recbuf b;
    rb_init(&b, me, GN_IO_TRACE_F64);
    impl im = {bug};
    double w[D], m[D] = {0}, v[D] = {0};
    for (size_t i = 0; i < D; i++)
        w[i] = gn_rng_normal(&rng);
    gn_adam *st = gn_adam_alloc(D);
    gn_adam_params ap = {0.01, 0.9, 0.999, 1e-8};
    double lambda = 0.5, mu = 0.3, alpha = 0.4;
    rb_vec(&b, GN_IO_TRACE_V_W);
    rb_vec(&b, GN_IO_TRACE_V_WAFTER);
    rb_set(&b, GN_IO_TRACE_S_ALPHA, me == GN_IO_TRACE_M_ADAM || me == GN_IO_TRACE_M_ADAM_IGND ? ap.alpha : alpha);
    if (me == GN_IO_TRACE_M_IGND || me == GN_IO_TRACE_M_ADAM_IGND) {
        rb_set(&b, GN_IO_TRACE_S_LAMBDA, lambda);
        rb_set(&b, GN_IO_TRACE_S_MU, mu);
    }
    if (me == GN_IO_TRACE_M_ADAM || me == GN_IO_TRACE_M_ADAM_IGND) {
        rb_set(&b, GN_IO_TRACE_S_BETA1, ap.beta1);
        rb_set(&b, GN_IO_TRACE_S_BETA2, ap.beta2);
        rb_set(&b, GN_IO_TRACE_S_EPS, ap.eps);
        rb_vec(&b, GN_IO_TRACE_V_M);
        rb_vec(&b, GN_IO_TRACE_V_V);
    }
    if (me == GN_IO_TRACE_M_SPS) {
        rb_set(&b, GN_IO_TRACE_S_C, 0.5);
        rb_set(&b, GN_IO_TRACE_S_LSTAR, 0.0);
    }
    if (me == GN_IO_TRACE_M_NLMS)
        rb_set(&b, GN_IO_TRACE_S_EPS, 0.01);
    if (me == GN_IO_TRACE_M_ADAM || me == GN_IO_TRACE_M_SGD)
        rb_vec(&b, GN_IO_TRACE_V_G);
    else
        rb_vec(&b, GN_IO_TRACE_V_J);
    mt_open(mt);
    for (size_t s = 0; s < steps; s++) {
        draw_j(&rng, b.j, s);
        double f = gn_rng_normal(&rng), y = gn_rng_normal(&rng);
        /* the loss: squared with (f, y) and lp recorded; BCE for the l''-dropping bug */
        int bce = bug && !strcmp(bug, "lpp_missing");
        gn_lossval lv;
        if (bce) {
            y = (double)(s & 1);
            gn_loss_bce(&lv, f, y);
        } else {
            gn_loss_squared(&lv, f, y);
        }
        memcpy(b.w0, w, sizeof w);
        memcpy(b.m, st->m, sizeof b.m);
        memcpy(b.v, st->v, sizeof b.v);
        if (bug) {
            memcpy(b.m, m, sizeof b.m);
            memcpy(b.v, v, sizeof b.v);
        }
        rb_set(&b, GN_IO_TRACE_S_LP, lv.lp);
        rb_set(&b, GN_IO_TRACE_S_LPP, lv.lpp);
        rb_set(&b, GN_IO_TRACE_S_L, lv.l);
        rb_set(&b, GN_IO_TRACE_S_F, f);
        rb_set(&b, GN_IO_TRACE_S_Y, y);
        if (me == GN_IO_TRACE_M_ADAM || me == GN_IO_TRACE_M_ADAM_IGND)
            rb_set(&b, GN_IO_TRACE_S_T, (double)(bug ? s : st->t));
        for (size_t i = 0; i < D; i++)
            b.g[i] = lv.lp * b.j[i];
        gn_status rc = GN_OK;
        switch (me) {
        case GN_IO_TRACE_M_SGD:
            rc = gn_step_sgd(w, b.g, D, 1.0, alpha);
            break;
        case GN_IO_TRACE_M_NORMGRAD:
            rc = gn_step_normgrad(w, b.j, D, lv.lp, alpha);
            break;
        case GN_IO_TRACE_M_SPS:
            rc = gn_step_sps(w, b.j, D, lv.l, 0.0, lv.lp, 0.5, INFINITY);
            break;
        case GN_IO_TRACE_M_NLMS:
            rc = gn_step_nlms(w, b.j, D, y - f, alpha, 0.01);
            break;
        case GN_IO_TRACE_M_IGND:
            if (bug)
                impl_ignd(&im, w, b.j, D, lv.lp, lv.lpp, alpha, lambda, mu);
            else
                rc = gn_step_ignd(w, b.j, D, lv.lp, lv.lpp, alpha, (gn_damping){lambda, mu});
            break;
        case GN_IO_TRACE_M_IGND_UNDAMPED:
            rc = gn_step_ignd_undamped(w, b.j, D, lv.lp, lv.lpp, alpha);
            break;
        case GN_IO_TRACE_M_ADAM:
            if (bug)
                impl_adam(&im, w, m, v, s, b.g, NULL, D, 0, 0, 0, 0, ap.alpha, ap.beta1,
                          ap.beta2, ap.eps);
            else
                rc = gn_step_adam(st, w, b.g, &ap);
            break;
        case GN_IO_TRACE_M_ADAM_IGND:
            if (bug)
                impl_adam(&im, w, m, v, s, NULL, b.j, D, lv.lp, lv.lpp, lambda, mu, ap.alpha,
                          ap.beta1, ap.beta2, ap.eps);
            else
                rc = gn_step_adam_ignd(st, w, b.j, lv.lp, lv.lpp, (gn_damping){lambda, mu},
                                       &ap);
            break;
        default:
            fail_msg("method %d", me);
        }
        if (rc != GN_OK)
            fail_msg("core step %s failed: %s (seed %llu)", gn_io_trace_method_name(me),
                     gn_strerror(rc), (unsigned long long)seed);
        memcpy(b.wa, w, sizeof w);
        if (!json && s == 0)
            val_audit_write_header(mt->f, &b.r);
        val_audit_write(mt->f, &b.r, json);
    }
    gn_adam_free(st);
}

/* ------------------------------------------------------------- tests */

/* The double core's own traces, every method, both formats: agree at float64. */
static void test_core_agrees(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    size_t steps = gn_test_iters(40);
    for (int me = 0; me < GN_IO_TRACE_NM; me++)
        for (int json = 0; json < 2; json++) {
            memtrace mt;
            core_or_impl_trace(&mt, (gn_io_trace_method)me, NULL, json, steps, seed);
            val_audit_summary s;
            char err[512] = "";
            gn_status st = mt_audit(&mt, &s, err, sizeof err);
            if (st != GN_OK)
                fail_msg("%s: %s", gn_io_trace_method_name(me), err);
            assert_int_equal(s.steps, steps);
            if (s.disagree)
                fail_msg("core %s (%s) disagrees at step %llu: err %.17g > bound %.17g "
                         "(seed %llu)", gn_io_trace_method_name(me), json ? "jsonl" : "csv",
                         (unsigned long long)s.first.index, s.first.err, s.first.bound,
                         (unsigned long long)seed);
        }
}

/* Each catalogue bug planted in a plain double IGND / Adam / Adam-IGND is named first,
 * and no other exact variant claims the trace. */
static void test_bugs_named(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    static const struct {
        const char *bug;
        gn_io_trace_method me;
    } cases[] = {
        {"mu_after_outer", GN_IO_TRACE_M_IGND},  {"lambda_missing", GN_IO_TRACE_M_IGND},
        {"g_norm", GN_IO_TRACE_M_IGND},          {"lpp_missing", GN_IO_TRACE_M_IGND},
        {"batch_undamped", GN_IO_TRACE_M_IGND},  {"f32_sumsq", GN_IO_TRACE_M_IGND},
        {"wrong_sign", GN_IO_TRACE_M_IGND},      {"adam_no_bias", GN_IO_TRACE_M_ADAM},
        {"adam_eps_inside", GN_IO_TRACE_M_ADAM}, {"xi_after_adam", GN_IO_TRACE_M_ADAM_IGND},
        {"lambda_missing", GN_IO_TRACE_M_ADAM_IGND}, {"wrong_sign", GN_IO_TRACE_M_ADAM},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memtrace mt;
        core_or_impl_trace(&mt, cases[c].me, cases[c].bug, (int)(c & 1), 30, seed);
        val_audit_summary s;
        char err[512] = "";
        gn_status st = mt_audit(&mt, &s, err, sizeof err);
        if (st != GN_OK)
            fail_msg("%s: %s", cases[c].bug, err);
        if (s.disagree == 0)
            fail_msg("bug %s in %s not detected (seed %llu)", cases[c].bug,
                     gn_io_trace_method_name(cases[c].me), (unsigned long long)seed);
        size_t nexact;
        const char *name = first_match(&s, &nexact);
        if (strcmp(name, cases[c].bug))
            fail_msg("bug %s in %s diagnosed as %s (seed %llu)", cases[c].bug,
                     gn_io_trace_method_name(cases[c].me), name, (unsigned long long)seed);
        if (nexact > 1)
            fail_msg("bug %s: %zu exact variants match (ambiguous)", cases[c].bug, nexact);
    }
}

/* float32 implementations agree at float32; the same trace labelled float64 does not (the
 * bound is tight enough to see float32 rounding: a negative control of the classifier). */
static void test_float32(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    gn_rng rng;
    gn_rng_seed(&rng, seed, 100);
    for (int adam = 0; adam < 2; adam++)
        for (int label = 0; label < 2; label++) {
            recbuf b;
            rb_init(&b, adam ? GN_IO_TRACE_M_ADAM : GN_IO_TRACE_M_IGND, label ? GN_IO_TRACE_F64 : GN_IO_TRACE_F32);
            float w[D], m[D] = {0}, v[D] = {0}, j[D], acc1 = 0.9f, acc2 = 0.999f;
            for (size_t i = 0; i < D; i++)
                w[i] = (float)gn_rng_normal(&rng);
            rb_vec(&b, GN_IO_TRACE_V_W);
            rb_vec(&b, GN_IO_TRACE_V_WAFTER);
            rb_vec(&b, adam ? GN_IO_TRACE_V_G : GN_IO_TRACE_V_J);
            memtrace mt;
            mt_open(&mt);
            size_t steps = gn_test_iters(60);
            for (size_t s = 0; s < steps; s++) {
                for (size_t i = 0; i < D; i++)
                    j[i] = (float)(gn_rng_normal(&rng) * ldexp(1.0, (int)(s % 4)));
                float lp = (float)gn_rng_normal(&rng);
                for (size_t i = 0; i < D; i++) {
                    b.w0[i] = w[i];
                    b.j[i] = j[i];
                    b.g[i] = j[i];
                    b.m[i] = m[i];
                    b.v[i] = v[i];
                }
                if (adam) {
                    rb_set(&b, GN_IO_TRACE_S_ALPHA, 0.01);
                    rb_set(&b, GN_IO_TRACE_S_BETA1, 0.9);
                    rb_set(&b, GN_IO_TRACE_S_BETA2, 0.999);
                    rb_set(&b, GN_IO_TRACE_S_EPS, 1e-7);
                    rb_set(&b, GN_IO_TRACE_S_T, (double)s);
                    rb_vec(&b, GN_IO_TRACE_V_M);
                    rb_vec(&b, GN_IO_TRACE_V_V);
                    f32_adam(w, m, v, &acc1, &acc2, j, D, 0.01f, 0.9f, 0.999f, 1e-7f);
                } else {
                    rb_set(&b, GN_IO_TRACE_S_ALPHA, 0.5);
                    rb_set(&b, GN_IO_TRACE_S_LAMBDA, 0.25);
                    rb_set(&b, GN_IO_TRACE_S_MU, 0.125);
                    rb_set(&b, GN_IO_TRACE_S_LP, lp);
                    rb_set(&b, GN_IO_TRACE_S_LPP, 1.0);
                    f32_ignd(w, j, D, lp, 1.0f, 0.5f, 0.25f, 0.125f);
                }
                for (size_t i = 0; i < D; i++)
                    b.wa[i] = w[i];
                if (s == 0)
                    val_audit_write_header(mt.f, &b.r);
                val_audit_write(mt.f, &b.r, 0);
            }
            val_audit_summary s;
            char err[512] = "";
            assert_int_equal(mt_audit(&mt, &s, err, sizeof err), GN_OK);
            if (label == 0 && s.disagree)
                fail_msg("float32 %s disagrees at float32: step %llu err %.17g bound %.17g "
                         "(seed %llu)", adam ? "adam" : "ignd",
                         (unsigned long long)s.first.index, s.first.err, s.first.bound,
                         (unsigned long long)seed);
            if (label == 1 && s.disagree == 0)
                fail_msg("float32 %s passes as float64 (seed %llu)", adam ? "adam" : "ignd",
                         (unsigned long long)seed);
        }
}

/* The bound is neither loose nor tuned: the exact step rounded to the type agrees (err <=
 * 0.5 + a hair), and a w_after moved by 2 B units (of u (|w| + |s|)) disagrees. */
static void test_bound_edges(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    gn_rng rng;
    gn_rng_seed(&rng, seed, 200);
    val_audit_work *wk = val_audit_work_alloc(192);
    assert_non_null(wk);
    for (size_t it = 0; it < gn_test_iters(200); it++) {
        recbuf b;
        rb_init(&b, GN_IO_TRACE_M_IGND, GN_IO_TRACE_F64);
        rb_vec(&b, GN_IO_TRACE_V_W);
        rb_vec(&b, GN_IO_TRACE_V_J);
        rb_vec(&b, GN_IO_TRACE_V_WAFTER);
        rb_set(&b, GN_IO_TRACE_S_ALPHA, 0.5);
        rb_set(&b, GN_IO_TRACE_S_LAMBDA, 1e-3);
        rb_set(&b, GN_IO_TRACE_S_MU, 0.0);
        rb_set(&b, GN_IO_TRACE_S_LP, gn_rng_normal(&rng));
        rb_set(&b, GN_IO_TRACE_S_LPP, 1.0);
        for (size_t i = 0; i < D; i++) {
            b.w0[i] = gn_rng_normal(&rng);
            b.j[i] = gn_rng_normal(&rng);
        }
        /* exact via long double is not enough; use the core then measure */
        memcpy(b.wa, b.w0, sizeof b.wa);
        assert_int_equal(gn_step_ignd(b.wa, b.j, D, b.r.s[GN_IO_TRACE_S_LP], 1.0, 0.5,
                                      (gn_damping){1e-3, 0.0}),
                         GN_OK);
        double e, B;
        size_t worst;
        assert_int_equal(val_audit_rule(&e, &worst, wk, &b.r, NULL, NULL, 0), GN_OK);
        B = val_audit_bound(wk, &b.r);
        /* B = 1 + (1+u) k / (1 - k u), k = n + 10 */
        assert_true(fabs(B - (1.0 + (D + 10.0))) < 1e-9);
        if (!(e <= B))
            fail_msg("core IGND err %.17g > B %.17g (seed %llu it %zu)", e, B,
                     (unsigned long long)seed, it);
        /* push component 0 out by 2B units: |w0| + |s0| from the recorded values */
        double s0 = fabs(b.wa[0] - b.w0[0]);
        double unit = 0x1p-53 * (fabs(b.w0[0]) + s0);
        b.wa[0] += 2.0 * B * unit + 2.0 * e * unit;
        assert_int_equal(val_audit_rule(&e, &worst, wk, &b.r, NULL, NULL, 0), GN_OK);
        if (!(e > B))
            fail_msg("perturbed w_after not caught: err %.17g <= B %.17g (seed %llu)", e, B,
                     (unsigned long long)seed);
        assert_int_equal(worst, 0);
    }
    val_audit_work_free(wk);
}

/* The audit's plumbing (record -> reference inputs, loss derivation, the measure) against
 * calling core/ref's gn_mp_step_* directly at a higher precision: w_after set to its result
 * rounded to double must measure <= 1 unit (half an ulp of w+ is at most u |w+|); a formula
 * error in either would show as a huge error. l', l'' for BCE derived by the audit from
 * (f, y) are checked against gn_mp_loss_bce the same way, through an IGND step. */
static void test_reference_agrees(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    gn_rng rng;
    gn_rng_seed(&rng, seed, 400);
    const mpfr_prec_t P = 256;
    val_audit_work *wk = val_audit_work_alloc(128);
    mpfr_ptr W = gn_mp_vec_alloc(D, P), J = gn_mp_vec_alloc(D, P);
    mpfr_t lp, lpp, al, l, ls, c, gm, e, eps;
    mpfr_inits2(P, lp, lpp, al, l, ls, c, gm, e, eps, (mpfr_ptr)0);
    gn_mp_adam *mst = gn_mp_adam_alloc(D, P);
    gn_adam *dst = gn_adam_alloc(D);
    assert_true(wk && W && J && mst && dst);
    for (size_t it = 0; it < gn_test_iters(20); it++)
        for (int me = 0; me < GN_IO_TRACE_NM; me++) {
            recbuf b;
            rb_init(&b, (gn_io_trace_method)me, GN_IO_TRACE_F64);
            rb_vec(&b, GN_IO_TRACE_V_W);
            rb_vec(&b, GN_IO_TRACE_V_WAFTER);
            rb_vec(&b, GN_IO_TRACE_V_J);
            draw_j(&rng, b.j, it);
            for (size_t i = 0; i < D; i++) {
                b.w0[i] = gn_rng_normal(&rng);
                b.m[i] = 0.1 * gn_rng_normal(&rng);
                b.v[i] = 0.01 * fabs(gn_rng_normal(&rng));
            }
            double alpha = 0.3, lam = 0.25, mu = 0.125, f = gn_rng_normal(&rng);
            double y = me == GN_IO_TRACE_M_IGND ? (double)(it & 1) : gn_rng_normal(&rng);
            gn_lossval lv;
            int bce = me == GN_IO_TRACE_M_IGND; /* IGND derives l', l'' from a BCE (f, y) */
            if (bce) {
                assert_int_equal(gn_loss_bce(&lv, f, y), GN_OK);
                b.r.has_loss = 1;
                b.r.loss = GN_LOSS_BCE;
                mpfr_t F, Y;
                mpfr_inits2(P, F, Y, (mpfr_ptr)0);
                mpfr_set_d(F, f, MPFR_RNDN);
                mpfr_set_d(Y, y, MPFR_RNDN);
                gn_mp_lossval mv;
                gn_mp_lossval_init(&mv, P);
                assert_int_equal(gn_mp_loss_bce(&mv, F, Y, MPFR_RNDN), GN_OK);
                mpfr_set(lp, mv.lp, MPFR_RNDN);
                mpfr_set(lpp, mv.lpp, MPFR_RNDN);
                gn_mp_lossval_clear(&mv);
                mpfr_clears(F, Y, (mpfr_ptr)0);
            } else {
                assert_int_equal(gn_loss_squared(&lv, f, y), GN_OK);
                rb_set(&b, GN_IO_TRACE_S_LP, lv.lp);
                rb_set(&b, GN_IO_TRACE_S_LPP, lv.lpp);
                rb_set(&b, GN_IO_TRACE_S_L, lv.l);
                mpfr_set_d(lp, lv.lp, MPFR_RNDN);
                mpfr_set_d(lpp, lv.lpp, MPFR_RNDN);
            }
            rb_set(&b, GN_IO_TRACE_S_F, f);
            rb_set(&b, GN_IO_TRACE_S_Y, y);
            rb_set(&b, GN_IO_TRACE_S_ALPHA, alpha);
            mpfr_set_d(al, alpha, MPFR_RNDN);
            gn_mp_vec_set_d(W, b.w0, D);
            gn_mp_vec_set_d(J, b.j, D);
            gn_mp_damping dm;
            gn_mp_damping_init_set(&dm, (gn_damping){lam, mu}, P);
            gn_adam_params ap = {alpha, 0.9, 0.999, 1e-8};
            gn_status st = GN_OK;
            switch (me) {
            case GN_IO_TRACE_M_SGD:
                st = gn_mp_step_sgd(W, J, D, lp, al, MPFR_RNDN);
                break;
            case GN_IO_TRACE_M_NORMGRAD:
                st = gn_mp_step_normgrad(W, J, D, lp, al, MPFR_RNDN);
                break;
            case GN_IO_TRACE_M_SPS:
                rb_set(&b, GN_IO_TRACE_S_C, 0.5);
                rb_set(&b, GN_IO_TRACE_S_LSTAR, 0.0);
                mpfr_set_d(l, lv.l, MPFR_RNDN);
                mpfr_set_ui(ls, 0, MPFR_RNDN);
                mpfr_set_d(c, 0.5, MPFR_RNDN);
                mpfr_set_inf(gm, 1);
                st = gn_mp_step_sps(W, J, D, l, ls, lp, c, gm, MPFR_RNDN);
                break;
            case GN_IO_TRACE_M_NLMS:
                rb_set(&b, GN_IO_TRACE_S_EPS, 0.01);
                mpfr_set_d(e, y, MPFR_RNDN);
                mpfr_sub_d(e, e, f, MPFR_RNDN);
                mpfr_set_d(eps, 0.01, MPFR_RNDN);
                st = gn_mp_step_nlms(W, J, D, e, al, eps, MPFR_RNDN);
                break;
            case GN_IO_TRACE_M_IGND:
            case GN_IO_TRACE_M_ADAM_IGND:
                rb_set(&b, GN_IO_TRACE_S_LAMBDA, lam);
                rb_set(&b, GN_IO_TRACE_S_MU, mu);
                if (me == GN_IO_TRACE_M_IGND) {
                    st = gn_mp_step_ignd(W, J, D, lp, lpp, al, &dm, MPFR_RNDN);
                    break;
                }
                /* fall through to the Adam state for Adam-IGND */
                /* FALLTHROUGH */
            case GN_IO_TRACE_M_ADAM:
                rb_set(&b, GN_IO_TRACE_S_BETA1, ap.beta1);
                rb_set(&b, GN_IO_TRACE_S_BETA2, ap.beta2);
                rb_set(&b, GN_IO_TRACE_S_EPS, ap.eps);
                rb_set(&b, GN_IO_TRACE_S_T, (double)(it % 7));
                rb_vec(&b, GN_IO_TRACE_V_M);
                rb_vec(&b, GN_IO_TRACE_V_V);
                memcpy(dst->m, b.m, sizeof b.m);
                memcpy(dst->v, b.v, sizeof b.v);
                dst->t = it % 7;
                assert_int_equal(gn_mp_adam_set(mst, dst), GN_OK);
                if (me == GN_IO_TRACE_M_ADAM) {
                    /* g = lp j, formed exactly */
                    mpfr_ptr G = gn_mp_vec_alloc(D, P);
                    for (size_t i = 0; i < D; i++)
                        mpfr_mul(G + i, J + i, lp, MPFR_RNDN);
                    st = gn_mp_step_adam(mst, W, G, &ap, MPFR_RNDN);
                    gn_mp_vec_free(G, D);
                } else {
                    st = gn_mp_step_adam_ignd(mst, W, J, lp, lpp, &dm, &ap, MPFR_RNDN);
                }
                break;
            case GN_IO_TRACE_M_IGND_UNDAMPED:
                st = gn_mp_step_ignd_undamped(W, J, D, lp, lpp, al, MPFR_RNDN);
                break;
            default:
                break;
            }
            gn_mp_damping_clear(&dm);
            if (st != GN_OK)
                fail_msg("reference %s: %s", gn_io_trace_method_name(me), gn_strerror(st));
            gn_mp_vec_get_d(b.wa, W, D, MPFR_RNDN);
            double err;
            size_t worst;
            char msg[256] = "";
            gn_status as = val_audit_rule(&err, &worst, wk, &b.r, NULL, msg, sizeof msg);
            if (as != GN_OK)
                fail_msg("audit %s: %s %s", gn_io_trace_method_name(me), gn_strerror(as), msg);
            if (!(err <= 1.0))
                fail_msg("audit %s vs reference: err %.17g units at w[%zu] (seed %llu it %zu, "
                         "f %a y %a)", gn_io_trace_method_name(me), err, worst,
                         (unsigned long long)seed, it, f, y);
        }
    mpfr_clears(lp, lpp, al, l, ls, c, gm, e, eps, (mpfr_ptr)0);
    gn_mp_vec_free(W, D);
    gn_mp_vec_free(J, D);
    gn_mp_adam_free(mst);
    gn_adam_free(dst);
    val_audit_work_free(wk);
}

/* Undamped IGND at j = 0 divides by zero: the trace's NaN is a disagreement, and a damped
 * trace showing NaN there is diagnosed as the undamped normalisation. */
static void test_j_zero(void **state)
{
    (void)state;
    const char *undamped =
        "{\"method\":\"ignd_undamped\",\"dtype\":\"float64\",\"alpha\":1,\"lp\":1,\"lpp\":1,"
        "\"j\":[0,0],\"w\":[1,1],\"w_after\":[NaN,null]}\n";
    const char *damped =
        "method,dtype,alpha,lambda,mu,lp,lpp,j_0,j_1,w_0,w_1,w_after_0,w_after_1\n"
        "ignd,float64,1,0.5,0,1,1,1,0,1,1,0.33333333333333337,1\n"
        "ignd,float64,1,0.5,0,1,1,0,0,0.33333333333333337,1,nan,nan\n";
    val_audit_summary s;
    char err[512] = "";
    /* the undamped rule is undefined at j = 0: undetermined, not a disagreement (issue 13) */
    assert_int_equal(audit_text(&s, undamped, strlen(undamped), err, sizeof err), GN_OK);
    assert_int_equal(s.disagree, 0);
    assert_int_equal(s.undetermined, 1);
    assert_int_equal(s.first_undet.status, GN_EZERO);
    size_t nexact;
    assert_string_equal(first_match(&s, &nexact), "none");
    assert_int_equal(audit_text(&s, damped, strlen(damped), err, sizeof err), GN_OK);
    assert_int_equal(s.steps, 2);
    assert_int_equal(s.disagree, 1);
    assert_int_equal(s.first.index, 1);
    assert_int_equal(s.first.line, 3);
    /* lambda_missing and batch_undamped (mu = 0: the same rule) both divide by zero */
    const char *name = first_match(&s, &nexact);
    assert_true(!strcmp(name, "lambda_missing") || !strcmp(name, "batch_undamped"));
}

/* BCE with l', l'' derived from (loss, f, y) by the audit: a correct trace agrees; the
 * same with l'' dropped is named lpp_missing. */
static void test_bce_derived(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    gn_rng rng;
    gn_rng_seed(&rng, seed, 300);
    for (int bug = 0; bug < 2; bug++) {
        memtrace mt;
        mt_open(&mt);
        fprintf(mt.f, "method,dtype,loss,alpha,lambda,mu,f,y,w_0,w_1,w_2,x_0,x_1,x_2,"
                      "w_after_0,w_after_1,w_after_2\n");
        double w[3] = {0.1, -0.2, 0.3};
        for (int s = 0; s < 20; s++) {
            double x[3], wb[3];
            for (int i = 0; i < 3; i++)
                x[i] = gn_rng_normal(&rng);
            double f = w[0] * x[0] + w[1] * x[1] + w[2] * x[2], y = (double)(s % 2);
            gn_lossval lv;
            assert_int_equal(gn_loss_bce(&lv, f, y), GN_OK);
            memcpy(wb, w, sizeof w);
            impl im = {bug ? "lpp_missing" : NULL};
            impl_ignd(&im, w, x, 3, lv.lp, lv.lpp, 1.0, 0.1, 0.05);
            fprintf(mt.f, "ignd,float64,bce,1,0.1,0.05,%.17g,%g,%.17g,%.17g,%.17g,%.17g,%.17g,"
                          "%.17g,%.17g,%.17g,%.17g\n",
                    f, y, wb[0], wb[1], wb[2], x[0], x[1], x[2], w[0], w[1], w[2]);
        }
        val_audit_summary s;
        char err[512] = "";
        assert_int_equal(mt_audit(&mt, &s, err, sizeof err), GN_OK);
        size_t nexact;
        if (!bug && s.disagree)
            fail_msg("BCE IGND disagrees: step %llu err %.17g bound %.17g (seed %llu)",
                     (unsigned long long)s.first.index, s.first.err, s.first.bound,
                     (unsigned long long)seed);
        if (bug && (s.disagree == 0 || strcmp(first_match(&s, &nexact), "lpp_missing")))
            fail_msg("BCE lpp_missing not named (disagree %llu, seed %llu)",
                     (unsigned long long)s.disagree, (unsigned long long)seed);
    }
}

/* Numbers are read exactly: every value printed in several formats parses to the same
 * double as strtod (the reader's fast path must round like strtod, including on decimal
 * midpoints between doubles, which it hands to strtod). */
static void test_parse_exact(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    gn_rng rng;
    gn_rng_seed(&rng, seed, 500);
    enum { NV = 50 };
    static const char *const fmts[] = {"%.17g", "%.16g", "%.15g", "%.9g", "%.20g", "%.6e",
                                       "%.19e", "%.3f"};
    for (size_t it = 0; it < gn_test_iters(60); it++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_non_null(f);
        fputs("method,dtype,alpha", f);
        for (int k = 0; k < NV; k++)
            fprintf(f, ",w_%d", k);
        for (int k = 0; k < NV; k++)
            fprintf(f, ",g_%d", k);
        for (int k = 0; k < NV; k++)
            fprintf(f, ",w_after_%d", k);
        fputs("\n", f);
        char tok[3 * NV][64];
        double want[3 * NV];
        fputs("sgd,float64,1", f);
        for (int k = 0; k < 3 * NV; k++) {
            double x;
            int kind = (int)(gn_rng_u64(&rng) % 4);
            if (kind == 0) /* decimal midpoints just above 2^53 .. 2^60 */
                x = ldexp(1.0, 53 + (int)(gn_rng_u64(&rng) % 8)) +
                    (double)(gn_rng_u64(&rng) % 1000);
            else
                x = ldexp(gn_rng_uniform(&rng) + 0.5, (int)(gn_rng_u64(&rng) % 120) - 60);
            if (gn_rng_u64(&rng) & 1)
                x = -x;
            const char *fm = fmts[gn_rng_u64(&rng) % (sizeof fmts / sizeof fmts[0])];
            snprintf(tok[k], sizeof tok[k], fm, x);
            if (kind == 0 && (k & 1)) /* an exact midpoint: 2^53 + odd */
                snprintf(tok[k], sizeof tok[k], "%llu",
                         (unsigned long long)((1ull << 53) + 1 + 2 * (gn_rng_u64(&rng) % 1000)));
            want[k] = strtod(tok[k], NULL);
            fprintf(f, ",%s", tok[k]);
        }
        fputs("\n", f);
        fclose(f);
        FILE *in = fmemopen(text, len, "r");
        gn_io_trace_reader *r = gn_io_trace_reader_open(in, "p");
        const gn_io_trace_rec *rec;
        char err[256] = "";
        if (gn_io_trace_next(r, &rec, err, sizeof err) != GN_OK || !rec)
            fail_msg("%s", err);
        for (int k = 0; k < 3 * NV; k++) {
            double got = rec->v[k < NV ? GN_IO_TRACE_V_W : k < 2 * NV ? GN_IO_TRACE_V_G : GN_IO_TRACE_V_WAFTER][k % NV];
            if (memcmp(&got, &want[k], sizeof got))
                fail_msg("'%s' read as %a, strtod gives %a (seed %llu)", tok[k], got, want[k],
                         (unsigned long long)seed);
        }
        gn_io_trace_reader_free(r);
        fclose(in);
        free(text);
    }
}

/* A vacuous bound is never a pass: BCE at f = 40, y = 1 with l' derived by the audit
 * (l' = -sigma(-f) = -4.2e-18 exactly, but 0 in a double implementation's sigma(f) - y):
 * the derived-loss bound is infinite, so the step is undetermined, not agreeing. */
static void test_vacuous_bound(void **state)
{
    (void)state;
    const char *t = "method,dtype,loss,alpha,lambda,mu,f,y,j_0,w_0,w_after_0\n"
                    "ignd,float64,bce,1,0.1,0,40,1,1,0,0\n";
    val_audit_summary s;
    char err[256] = "";
    assert_int_equal(audit_text(&s, t, strlen(t), err, sizeof err), GN_OK);
    assert_int_equal(s.disagree, 0);
    assert_int_equal(s.undetermined, 1);
    assert_true(isinf(s.first_undet.bound));
    /* the same step with l', l'' recorded has a finite bound and agrees */
    const char *u = "method,dtype,alpha,lambda,mu,lp,lpp,j_0,w_0,w_after_0\n"
                    "ignd,float64,1,0.1,0,0,0,1,0,0\n";
    assert_int_equal(audit_text(&s, u, strlen(u), err, sizeof err), GN_OK);
    assert_int_equal(s.disagree, 0);
}

/* Issue 13 (6a): a float32 trace's scalars f, y (and l, l', l'') are float32 numbers: the
 * short decimals numpy prints ("0.30000004", "0.3") stand for the float32 they round to.
 * Read as doubles, y - f = 4e-8 instead of float32's 2.98e-8: a false alarm of millions of
 * units. */
static void test_f32_scalars(void **state)
{
    (void)state;
    float ff = 0.30000004f, fy = 0.3f;
    float wa = 0.0f - 1.0f * (ff - fy) * 1.0f;
    char t[512];
    snprintf(t, sizeof t,
             "method,dtype,loss,alpha,f,y,j_0,w_0,w_after_0\n"
             "sgd,float32,squared,1,0.30000004,0.3,1,0,%.9g\n", (double)wa);
    val_audit_summary s;
    char err[256] = "";
    assert_int_equal(audit_text(&s, t, strlen(t), err, sizeof err), GN_OK);
    if (s.disagree)
        fail_msg("float32 short decimals: err %.4g bound %.4g", s.first.err, s.first.bound);
    /* the same with lp recorded as a short decimal */
    float lp = 0.1f, wb = 1.0f - 3.0f * (lp * 7.0f);
    snprintf(t, sizeof t,
             "method,dtype,alpha,lp,j_0,w_0,w_after_0\n"
             "sgd,float32,3,0.1,7,1,%.9g\n", (double)wb);
    assert_int_equal(audit_text(&s, t, strlen(t), err, sizeof err), GN_OK);
    assert_int_equal(s.disagree, 0);
}

/* Issue 13 (6b): a correct BCE IGND in double, l' and l'' derived by the audit from
 * (loss, f, y), with logits beyond ~36 where sigma(f) rounds to 1: those steps have an
 * infinite bound and are undetermined, neither a disagreement nor evidence for a variant
 * (before: DISAGREE and a bug's name). Steps at ordinary logits still agree. */
static void test_bce_extreme(void **state)
{
    (void)state;
    memtrace mt;
    mt_open(&mt);
    fprintf(mt.f, "method,dtype,loss,alpha,lambda,mu,f,y,w_0,w_1,x_0,x_1,w_after_0,w_after_1\n");
    static const double fs[] = {0.5, 37.0, 40.5, -38.0, 45.0, -1.25, 60.0};
    for (int k = 0; k < 7; k++) {
        double f = fs[k], y = (double)(k % 2), x[2] = {1.0, f}, w[2] = {0.0, 1.0}, wb[2];
        /* the implementation's own sigma, l' = p - y, l'' = p (1 - p) */
        double p = 1.0 / (1.0 + exp(-f)), lp = p - y, lpp = p * (1.0 - p);
        memcpy(wb, w, sizeof w);
        impl im = {NULL};
        impl_ignd(&im, w, x, 2, lp, lpp, 1.0, 0.1, 0.05);
        fprintf(mt.f, "ignd,float64,bce,1,0.1,0.05,%.17g,%g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n",
                f, y, wb[0], wb[1], x[0], x[1], w[0], w[1]);
    }
    val_audit_summary s;
    char err[512] = "";
    assert_int_equal(mt_audit(&mt, &s, err, sizeof err), GN_OK);
    size_t nexact;
    if (s.disagree)
        fail_msg("correct BCE at extreme logits: %llu disagree (first step %llu, bound %g), "
                 "diagnosis %s", (unsigned long long)s.disagree,
                 (unsigned long long)s.first.index, s.first.bound, first_match(&s, &nexact));
    assert_true(s.undetermined >= 4);
    assert_int_equal(s.first_undet.index, 1);
    assert_string_equal(first_match(&s, &nexact), "none");
}

/* Issue 13 (6c): an overflow to +-inf that is the correctly rounded result is no error: a
 * float32 SGD step 3e38 - (-3e38) = 6e38 rounds to +inf in float32 (and -1.7e308 - 1.7e308 to
 * -inf in float64). An inf where the rounded result is finite, or of the wrong sign, still
 * disagrees (the negative controls). */
static void test_overflow_rounded(void **state)
{
    (void)state;
    static const struct {
        const char *t;
        int disagree;
    } cases[] = {
        {"method,dtype,alpha,g_0,w_0,w_after_0\nsgd,float32,1,-3e38,3e38,inf\n", 0},
        {"method,dtype,alpha,g_0,w_0,w_after_0\nsgd,float64,1,1.7e308,-1.7e308,-inf\n", 0},
        {"{\"method\":\"sgd\",\"dtype\":\"float32\",\"alpha\":1,\"g\":[-3e38],\"w\":[3e38],"
         "\"w_after\":[Infinity]}\n", 0},
        {"method,dtype,alpha,g_0,w_0,w_after_0\nsgd,float32,1,-1e38,1e38,inf\n", 1},
        {"method,dtype,alpha,g_0,w_0,w_after_0\nsgd,float32,1,-3e38,3e38,-inf\n", 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        val_audit_summary s;
        char err[256] = "";
        assert_int_equal(audit_text(&s, cases[k].t, strlen(cases[k].t), err, sizeof err), GN_OK);
        if ((int)s.disagree != cases[k].disagree)
            fail_msg("case %zu: %llu disagreeing, expected %d (err %g)", k,
                     (unsigned long long)s.disagree, cases[k].disagree, s.largest.err);
    }
}

/* Issue 13 (6e): f32_sumsq's tolerance is relative to the step |s_i|, not |w_i| + |s_i|: a
 * correct float64 IGND logged with 8 significant digits (|w| ~ 100, |s| ~ 0.01) disagrees,
 * and is not "named" f32_sumsq (before: the logger's rounding fitted in (n+1) 2^-24 (|w|+|s|)). */
static void test_f32_sumsq_relative(void **state)
{
    (void)state;
    gn_rng rng;
    gn_rng_seed(&rng, gn_test_seed(), 600);
    memtrace mt;
    mt_open(&mt);
    fprintf(mt.f, "method,dtype,alpha,lambda,mu,lp,lpp,w_0,w_1,w_2,j_0,j_1,j_2,"
                  "w_after_0,w_after_1,w_after_2\n");
    double w[3];
    for (int i = 0; i < 3; i++)
        w[i] = 100.0 + gn_rng_normal(&rng);
    for (int st = 0; st < 10; st++) {
        double j[3], wb[3], lp = 0.01 * gn_rng_normal(&rng);
        for (int i = 0; i < 3; i++)
            j[i] = gn_rng_normal(&rng);
        for (int i = 0; i < 3; i++)
            wb[i] = w[i];
        impl im = {NULL};
        impl_ignd(&im, w, j, 3, lp, 1.0, 0.5, 0.5, 0.3);
        char a[3][32];
        for (int i = 0; i < 3; i++) { /* an 8-digit logger; the next step starts from it */
            snprintf(a[i], sizeof a[i], "%.8g", w[i]);
            w[i] = strtod(a[i], NULL);
        }
        fprintf(mt.f, "ignd,float64,0.5,0.5,0.3,%.17g,1,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,"
                      "%s,%s,%s\n", lp, wb[0], wb[1], wb[2], j[0], j[1], j[2], a[0], a[1], a[2]);
    }
    val_audit_summary s;
    char err[512] = "";
    assert_int_equal(mt_audit(&mt, &s, err, sizeof err), GN_OK);
    assert_true(s.disagree > 0);
    size_t nexact;
    assert_string_equal(first_match(&s, &nexact), "none");
}

/* Issue 13 (6f): BCE with |f| > 4096 and l', l'' not recorded: the BCE reference declines,
 * so the step is undetermined (exit 3), with FILE:LINE:COLUMN naming f and the hint to record
 * lp and lpp (before: bad input, exit 2, "line 3: ... declines" without file or column). The
 * same step with lp, lpp recorded agrees (control). */
static void test_bce_declines(void **state)
{
    (void)state;
    const char *t = "method,dtype,loss,alpha,lambda,mu,f,y,j_0,w_0,w_after_0\n"
                    "ignd,float64,bce,1,0.1,0,0,1,1,0,1.4285714285714286\n"
                    "ignd,float64,bce,1,0.1,0,5000,1,1,0,0\n";
    val_audit_summary s;
    char err[512] = "";
    gn_status st = audit_text(&s, t, strlen(t), err, sizeof err);
    if (st != GN_OK)
        fail_msg("BCE at f = 5000 refused: %s", err);
    assert_int_equal(s.steps, 2);
    assert_int_equal(s.disagree, 0);
    assert_int_equal(s.undetermined, 1);
    assert_int_equal(s.first_undet.line, 3);
    assert_int_equal(s.first_undet.status, GN_ERANGE);
    if (!strstr(s.undet_why, "t:3:7 (f):") || !strstr(s.undet_why, "record lp and lpp"))
        fail_msg("message '%s' lacks t:3:7 (f) or the hint", s.undet_why);
    const char *u = "method,dtype,alpha,lambda,mu,f,y,lp,lpp,j_0,w_0,w_after_0\n"
                    "ignd,float64,1,0.1,0,5000,1,0,0,1,0,0\n";
    assert_int_equal(audit_text(&s, u, strlen(u), err, sizeof err), GN_OK);
    assert_int_equal(s.disagree + s.undetermined, 0);
}

/* Issue 13 (6g): a catalogued bug stays named when a few of its steps are undefined: SPS
 * with the wrong sign, guarded to leave w unchanged where l' = 0 (where SPS is undefined):
 * those steps are undetermined and neutral for the variants; the others name wrong_sign
 * (before: the undefined steps disagreed, no variant reproduced them, "no catalogue variant"). */
static void test_sps_sign_undefined(void **state)
{
    (void)state;
    gn_rng rng;
    gn_rng_seed(&rng, gn_test_seed(), 700);
    memtrace mt;
    mt_open(&mt);
    fprintf(mt.f, "method,dtype,alpha,c,l,lp,w_0,w_1,j_0,j_1,w_after_0,w_after_1\n");
    double w[2] = {0.5, -0.25};
    for (int st = 0; st < 12; st++) {
        double j[2] = {gn_rng_normal(&rng), gn_rng_normal(&rng)}, wb[2] = {w[0], w[1]};
        double lp = st % 4 == 1 ? 0.0 : gn_rng_normal(&rng), l = 0.5 + gn_rng_uniform(&rng);
        if (lp != 0.0) { /* gamma = l / (c |g|^2), g = l' j; the step added (wrong sign) */
            double S = j[0] * j[0] + j[1] * j[1], gam = l / (0.5 * (lp * lp * S));
            for (int i = 0; i < 2; i++)
                w[i] = w[i] + gam * (lp * j[i]);
        }
        fprintf(mt.f, "sps,float64,1,0.5,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", l,
                lp, wb[0], wb[1], j[0], j[1], w[0], w[1]);
    }
    val_audit_summary s;
    char err[512] = "";
    assert_int_equal(mt_audit(&mt, &s, err, sizeof err), GN_OK);
    assert_int_equal(s.disagree, 9);
    assert_int_equal(s.undetermined, 3);
    size_t nexact;
    assert_string_equal(first_match(&s, &nexact), "wrong_sign");
}

/* --------------------------------------------------------- bad input */

static void expect_bad(const char *text, const char *where)
{
    val_audit_summary s;
    char err[512] = "";
    gn_status st = audit_text(&s, text, strlen(text), err, sizeof err);
    if (st != GN_EINPUT)
        fail_msg("expected GN_EINPUT for <<%s>>, got %s", text, gn_strerror(st));
    if (!strstr(err, where))
        fail_msg("error '%s' does not name '%s'", err, where);
}

/* Issue 13 (6d): the step column is checked (every record, whole, +1 from the first: a
 * missing step or steps out of order are bad input naming FILE:LINE:COLUMN), and float64
 * values labelled float32 are refused with a hint. Negative controls: consecutive steps, a
 * trace without steps, float32 values written short (numpy), with %.9g or exactly. */
static void test_steps_and_f32_labels(void **state)
{
    (void)state;
    const char *hdr = "method,dtype,step,alpha,g_0,w_0,w_after_0\n";
    char t[1024];
    snprintf(t, sizeof t, "%ssgd,float64,0,1,1,1,0\nsgd,float64,2,1,1,0,-1\n", hdr);
    expect_bad(t, "t:3:3 (step): step 2 after step 0: missing steps");
    snprintf(t, sizeof t, "%ssgd,float64,5,1,1,1,0\nsgd,float64,6,1,1,0,-1\n"
                          "sgd,float64,4,1,1,-1,-2\n", hdr);
    expect_bad(t, "t:4:3 (step): step 4 after step 6: steps out of order");
    snprintf(t, sizeof t, "%ssgd,float64,0,1,1,1,0\nsgd,float64,,1,1,0,-1\n", hdr);
    expect_bad(t, "t:3 (step): no step");
    expect_bad("{\"method\":\"sgd\",\"dtype\":\"float64\",\"step\":0,\"alpha\":1,\"g\":[1],"
               "\"w\":[1],\"w_after\":[0]}\n"
               "{\"method\":\"sgd\",\"dtype\":\"float64\",\"step\":0,\"alpha\":1,\"g\":[1],"
               "\"w\":[0],\"w_after\":[-1]}\n",
               "t:2:42 (step): step 0 after step 0: steps out of order");
    expect_bad("method,dtype,alpha,g_0,w_0,w_after_0\n"
               "sgd,float32,1,0.10000000000000001,1,0.89999998\n",
               "t:2:4 (g_0): '0.10000000000000001' is not a float32 value");
    expect_bad("method,dtype,loss,alpha,f,y,j_0,w_0,w_after_0\n"
               "sgd,float32,squared,1,0.30000000000000004,0,1,0,-0.3\n",
               "t:2:5 (f): '0.30000000000000004' is not a float32 value");
    /* controls */
    val_audit_summary s;
    char err[512] = "";
    snprintf(t, sizeof t, "%ssgd,float64,7,1,1,1,0\nsgd,float64,8,1,1,0,-1\n", hdr);
    assert_int_equal(audit_text(&s, t, strlen(t), err, sizeof err), GN_OK);
    assert_int_equal(s.disagree, 0);
    const char *f32 = "method,dtype,alpha,g_0,g_1,w_0,w_1,w_after_0,w_after_1\n"
                      "sgd,float32,1,0.1,0.10000000149011612,1,1.00000000,0.9,0.899999976158142\n";
    if (audit_text(&s, f32, strlen(f32), err, sizeof err) != GN_OK || s.disagree)
        fail_msg("float32 values written short or exactly refused: %s", err);
}

static void test_bad_input(void **state)
{
    (void)state;
    const char *H = "method,dtype,alpha,g_0,g_1,w_0,w_1,w_after_0,w_after_1\n";
    char buf[1024];
#define BAD(rows, where)                                                                      \
    do {                                                                                      \
        snprintf(buf, sizeof buf, "%s%s", H, rows);                                           \
        expect_bad(buf, where);                                                               \
    } while (0)
    BAD("sgd,float64,0.5,1,2,3,4,2.5,3\nsgd,float64,0.5,1,x2,3,4,2.5,3\n",
        "t:3:5 (g_1): 'x2' is not a number");
    BAD("sgd,float64,0.5,1,2,3,4,2.5\n", "t:2:9 (w_after_1): missing field");
    BAD("sgd,float64,0.5,1,2,3,4,2.5,3,7\n", "t:2:10: more fields");
    BAD("sgd,float64,0.5,1,nan,3,4,2.5,3\n", "t:2:5 (g_1): NaN or null");
    BAD("sgd,float64,0.5,1,2,inf,4,2.5,3\n", "t:2:6 (w_0): an infinite value");
    BAD("sgd,float64,0.5,1,2,3,4,2.5,3\nsgd,float64,0.5,1,2,3,4,2.5,3", "t:3:30: truncated");
    BAD("sgd,float64,0.5,1,,3,4,2.5,3\n", "t:2: vector g is only partly given");
    BAD("sgd,float64,1e999,1,2,3,4,2.5,3\n", "t:2:3 (alpha): an infinite value");
    BAD("sgd,float64,-1,1,2,3,4,2.5,3\n", "line 2: alpha must be > 0");
    BAD("sgdx,float64,1,1,2,3,4,2.5,3\n", "t:2:1 (method): unknown method");
    BAD("sgd,float16,1,1,2,3,4,2.5,3\n", "t:2:2 (dtype): unknown dtype");
    BAD("", "t:1: no records (only a header)");
    BAD("sgd,float64,0x1p,1,2,3,4,2.5,3\n", "t:2:3 (alpha)");
    BAD("sgd,float64,nan(1),1,2,3,4,2.5,3\n", "t:2:3 (alpha)");
    BAD("sgd,float64,infinity,1,2,3,4,2.5,3\n", "t:2:3 (alpha)");
    BAD("sgd,float32,1,1,2,3,1e300,2.5,3\n", "beyond float32's range");
#undef BAD
    expect_bad("", "t:0: no records (empty trace)");
    expect_bad("method,dtype,alpha,g_0,g_2,w_0,w_2,w_1,w_after_0,w_after_1,w_after_2\n",
               "t:1: vector g: the header needs columns g_0 .. g_2");
    expect_bad("method,dtype,alpha,g_0,w_0,w_after_0,bogus\n", "t:1:7 (bogus): unknown column");
    expect_bad("method,dtype,alpha,alpha,g_0,w_0,w_after_0\n", "t:1:4 (alpha): duplicate");
    expect_bad("method,dtype,alpha,g_0,g_1,w_0,w_after_0\n", "different lengths");
    expect_bad("method,dtype,alpha,g_0,w_0\nsgd,float64,1,1,1\n",
               "line 2: method sgd needs the vector 'w_after'");
    expect_bad("method,dtype,alpha,j_0,w_0,w_after_0\nignd,float64,1,1,1,1\n",
               "line 2: method ignd needs the field 'lambda'");
    expect_bad("method,dtype,alpha,lambda,j_0,w_0,w_after_0\nignd,float64,1,1,1,1,1\n",
               "needs 'lp' (or 'loss', 'f' and 'y'");
    expect_bad("method,dtype,alpha,lambda,lp,lpp,j_0,w_0,w_after_0\n"
               "ignd,float64,1,1,1,-1,1,1,1\n", "l'' < 0");
    expect_bad("method,dtype,alpha,beta1,beta2,eps,t,g_0,m_0,v_0,w_0,w_after_0\n"
               "adam,float64,1,0.9,1,1e-8,0,1,0,0,1,1\n", "beta1 and beta2 must be in [0, 1)");
    expect_bad("method,dtype,alpha,beta1,beta2,eps,t,g_0,m_0,v_0,w_0,w_after_0\n"
               "adam,float64,1,0.9,0.99,1e-8,0.5,1,0,0,1,1\n", "t (steps taken");
    /* JSON Lines */
    const char *J = "{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":1,\"g\":[1,2],"
                    "\"w\":[1,2],\"w_after\":[0,0]}\n";
    char jb[1024];
    snprintf(jb, sizeof jb, "%s{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":1,"
                            "\"g\":[1],\"w\":[1],\"w_after\":[0]}\n", J);
    expect_bad(jb, "t:2:49 (g): 1 elements where the dimension is 2");
    snprintf(jb, sizeof jb, "%s{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":\"1\"}\n", J);
    expect_bad(jb, "t:2:43 (alpha): expected a number");
    snprintf(jb, sizeof jb, "%s{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":1,"
                            "\"g\":[1,NaN],\"w\":[1,2],\"w_after\":[0,0]}\n", J);
    expect_bad(jb, "t:2:52 (g[1]): NaN or null");
    snprintf(jb, sizeof jb, "%s{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":1,"
                            "\"g\":[1,2],\"w\":[1,2],\"w_after\":[0,0]", J);
    expect_bad(jb, "t:2:80: truncated");
    snprintf(jb, sizeof jb, "%s{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":1,"
                            "\"g\":[1,2],\"w\":[1,2],\"w_aft", J);
    expect_bad(jb, "t:2:");
    snprintf(jb, sizeof jb, "%s{\"method\":\"sgd\",\"alpha\":1,\"alpha\":2}\n", J);
    expect_bad(jb, "t:2:27 (alpha): duplicate key");
    snprintf(jb, sizeof jb, "%s{\"method\":\"sgd\",\"nested\":{}}\n", J);
    expect_bad(jb, "t:2:17 (nested): unknown key");
    snprintf(jb, sizeof jb, "%s{\"method\":\"sgd\",\"dtype\":\"float64\",\"alpha\":1,"
                            "\"g\":[1,2],\"w\":[1,2],\"w_after\":[0,0]} x\n", J);
    expect_bad(jb, "t:2:82: text after the object");
    snprintf(jb, sizeof jb, "%s{\"dtype\":\"float64\",\"alpha\":1,\"g\":[1,2],\"w\":[1,2],"
                            "\"w_after\":[0,0]}\n", J);
    expect_bad(jb, "t:2 (method): missing method");
    snprintf(jb, sizeof jb, "%s[1,2]\n", J);
    expect_bad(jb, "t:2:1: expected '{'");
}

/* Under AddressSanitizer, freed blocks sit in a quarantine (256 MiB by default) before reuse,
 * so the per-call temporaries of core/ref's gn_mp_step_* would read as RSS growth in
 * test_million_steps; a 4 MiB quarantine keeps that test's flat-memory check meaningful. */
#if defined(__SANITIZE_ADDRESS__)
#define GN_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GN_TEST_ASAN 1
#endif
#endif
#ifdef GN_TEST_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "quarantine_size_mb=4"; }
#endif

/* a 10^6-step stream (scaled by GN_TEST_SCALE), generated by a child process into a pipe,
 * with a malformed last record: audited in flat memory, the error names line 10^6 + 2. */
static void test_million_steps(void **state)
{
    (void)state;
    size_t N = gn_test_iters(1000000);
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        FILE *f = fdopen(fd[1], "w");
        fputs("method,dtype,alpha,g_0,w_0,w_after_0\n", f);
        double w = 1.0;
        for (size_t s = 0; s < N; s++) {
            double g = (double)(s % 17) - 8.0, wa = w - 0x1p-10 * g;
            fprintf(f, "sgd,float64,0.0009765625,%.17g,%.17g,%.17g\n", g, w, wa);
            w = wa;
        }
        fputs("sgd,float64,0.0009765625,1,1,\n", f); /* w_after missing in the last record */
        fclose(f);
        _exit(0);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    assert_non_null(f);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    val_audit_opts o = val_audit_opts_default();
    val_audit_summary s;
    char err[512] = "";
    gn_status st = val_audit_stream(&s, f, "big", &o, NULL, NULL, err, sizeof err);
    getrusage(RUSAGE_SELF, &r1);
    fclose(f);
    int ws;
    waitpid(pid, &ws, 0);
    assert_int_equal(st, GN_EINPUT);
    char want[64];
    snprintf(want, sizeof want, "line %zu: method sgd needs the vector 'w_after'", N + 2);
    if (!strstr(err, want))
        fail_msg("error '%s' does not name '%s'", err, want);
    assert_int_equal(s.steps, N);
    assert_int_equal(s.disagree, 0);
    /* flat memory: the whole stream is ~50 bytes a step; growth stays under 16 MiB */
    long grew = r1.ru_maxrss - r0.ru_maxrss;
    print_message("# %zu steps streamed; peak RSS grew by %ld KiB\n", N, grew);
    if (grew > 16 * 1024)
        fail_msg("max RSS grew by %ld KiB over %zu steps", grew, N);
}

/* every field and vector name the reader knows is the one the writer prints: a record with
 * every scalar and vector set, written as CSV and as JSON Lines, reads back exactly */
static void test_names_round_trip(void **state)
{
    (void)state;
    assert_string_equal(gn_io_trace_field_name(GN_IO_TRACE_NS), "?");
    assert_string_equal(gn_io_trace_vec_name(GN_IO_TRACE_NV), "?");
    assert_string_equal(gn_io_trace_method_name(GN_IO_TRACE_NM), "?");
    double vec[GN_IO_TRACE_NV][2];
    gn_io_trace_rec r;
    memset(&r, 0, sizeof r);
    r.method = GN_IO_TRACE_M_ADAM_IGND;
    r.dtype = GN_IO_TRACE_F64;
    r.n = 2;
    for (int k = 0; k < GN_IO_TRACE_NS; k++) {
        r.s[k] = 0.25 + k;
        r.has_s |= 1u << k;
    }
    r.s[GN_IO_TRACE_S_STEP] = 7.0; /* a step is a whole number (issue 13) */
    for (int v = 0; v < GN_IO_TRACE_NV; v++) {
        vec[v][0] = -1.0 / (v + 3);
        vec[v][1] = 0x1p-1074 * (v + 1);
        r.v[v] = vec[v];
        r.has_v |= 1u << v;
    }
    for (int json = 0; json < 2; json++) {
        memtrace mt;
        mt_open(&mt);
        if (!json)
            val_audit_write_header(mt.f, &r);
        val_audit_write(mt.f, &r, json);
        fflush(mt.f);
        FILE *in = fmemopen(mt.buf, mt.len, "r");
        assert_non_null(in);
        gn_io_trace_reader *rd = gn_io_trace_reader_open(in, "names");
        const gn_io_trace_rec *got;
        char err[512] = "";
        if (gn_io_trace_next(rd, &got, err, sizeof err) != GN_OK || !got)
            fail_msg("%s: %s", json ? "jsonl" : "csv", err);
        assert_int_equal(got->method, r.method);
        assert_int_equal(got->has_s, r.has_s);
        assert_int_equal(got->has_v, r.has_v);
        for (int k = 0; k < GN_IO_TRACE_NS; k++)
            if (got->s[k] != r.s[k])
                fail_msg("field %s: %a read back as %a", gn_io_trace_field_name(k), r.s[k],
                         got->s[k]);
        for (int v = 0; v < GN_IO_TRACE_NV; v++)
            for (size_t i = 0; i < 2; i++)
                if (got->v[v][i] != vec[v][i])
                    fail_msg("vector %s[%zu]: %a read back as %a", gn_io_trace_vec_name(v), i,
                             vec[v][i], got->v[v][i]);
        gn_io_trace_reader_free(rd);
        fclose(in);
        fclose(mt.f);
        free(mt.buf);
    }
}

/* ----------------------------------------------------------- clients */

/* GN_AUDIT_CLIENTS: unset = run the clients when installed, skip otherwise; "0" = skip;
 * "require" = fail when missing (make check-clients) */
static int clients_mode(void)
{
    const char *s = getenv("GN_AUDIT_CLIENTS");
    if (s && !strcmp(s, "require"))
        return 2;
    if (s && !strcmp(s, "0"))
        return 0;
    return 1;
}

static const char *python_with_torch(void)
{
    static const char *const cands[] = {"python3", "/usr/bin/python3"};
    for (size_t i = 0; i < 2; i++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "%s -c 'import torch' >/dev/null 2>&1", cands[i]);
        if (system(cmd) == 0)
            return cands[i];
    }
    return NULL;
}

static const char *gnlab_bin(void)
{
    const char *b = getenv("GN_BIN");
    return b && *b ? b : "build/gnlab";
}

/* audits a file in-process: 0 agree, 1 disagree (the first diagnosis into name), 2 bad */
static int audit_file(const char *path, const char **name)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    val_audit_opts o = val_audit_opts_default();
    val_audit_summary s;
    char err[512] = "";
    gn_status st = val_audit_stream(&s, f, path, &o, NULL, NULL, err, sizeof err);
    fclose(f);
    if (st != GN_OK) {
        print_message("# %s\n", err);
        return 2;
    }
    size_t nexact;
    *name = first_match(&s, &nexact);
    return s.disagree ? 1 : 0;
}

/* the command line end to end on one file: its exit status */
static int run_cli(const char *file)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s audit %s >/dev/null 2>&1", gnlab_bin(), file);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static const char *const torch_bugs[] = {
    "mu_after_outer", "lambda_missing", "g_norm",       "lpp_missing",     "batch_undamped",
    "f32_sumsq",      "wrong_sign",     "adam_no_bias", "adam_eps_inside", "xi_after_adam"};

/* PyTorch: torch.optim.SGD / Adam and the PyTorch IGND / Adam-IGND in float64 and float32
 * agree at their precision; each catalogue bug planted in the PyTorch IGND is named. */
static void test_torch(void **state)
{
    (void)state;
    int mode = clients_mode();
    const char *py = mode ? python_with_torch() : NULL;
    if (!py) {
        if (mode == 2)
            fail_msg("GN_AUDIT_CLIENTS=require but no python3 with torch");
        print_message("# skip: PyTorch (python3-torch) not available or GN_AUDIT_CLIENTS=0\n");
        skip();
        return;
    }
    char dir[] = "/tmp/val_audit_torch_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[1024], file[512];
    snprintf(cmd, sizeof cmd,
             "%s validate/exporters/torch_trace.py --batch %s --steps %zu --dim 8", py, dir,
             gn_test_iters(40));
    assert_int_equal(system(cmd), 0);
    static const char *const good[] = {
        "sgd_float64.jsonl",  "sgd_float32.csv",        "adam_float64.jsonl",
        "adam_float32.csv",   "ignd_float64.jsonl",     "ignd_float32.csv",
        "adam_ignd_float64.jsonl", "adam_ignd_float32.csv"};
    const char *name;
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        snprintf(file, sizeof file, "%s/good_%s", dir, good[k]);
        if (audit_file(file, &name) != 0)
            fail_msg("PyTorch trace %s does not agree at its precision", good[k]);
    }
    for (size_t k = 0; k < sizeof torch_bugs / sizeof torch_bugs[0]; k++) {
        snprintf(file, sizeof file, "%s/bug_%s.jsonl", dir, torch_bugs[k]);
        int rc = audit_file(file, &name);
        if (rc != 1 || strcmp(name, torch_bugs[k]))
            fail_msg("PyTorch with %s planted: verdict %d, diagnosis %s", torch_bugs[k], rc,
                     name);
    }
    /* the command's exit statuses end to end */
    snprintf(file, sizeof file, "%s/good_adam_float64.jsonl", dir);
    assert_int_equal(run_cli(file), 0);
    snprintf(file, sizeof file, "%s/bug_lambda_missing.jsonl", dir);
    assert_int_equal(run_cli(file), 1);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* TensorFlow.js (float32, pure JavaScript CPU backend): tf.train.adam and tf.train.sgd agree
 * at float32 */
static void test_tfjs(void **state)
{
    (void)state;
    int mode = clients_mode();
    struct stat sb;
    int have = mode && system("node --version >/dev/null 2>&1") == 0 &&
               stat("validate/exporters/node_modules/@tensorflow/tfjs", &sb) == 0;
    if (!have) {
        if (mode == 2)
            fail_msg("GN_AUDIT_CLIENTS=require but node or @tensorflow/tfjs is missing");
        print_message("# skip: node with @tensorflow/tfjs not available (cd validate/exporters "
                      "&& npm ci) or GN_AUDIT_CLIENTS=0\n");
        skip();
        return;
    }
    char dir[] = "/tmp/val_audit_tfjs_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[1024], file[512];
    snprintf(cmd, sizeof cmd, "node validate/exporters/tfjs_trace.cjs --batch %s --steps %zu --dim 8",
             dir, gn_test_iters(60));
    assert_int_equal(system(cmd), 0);
    const char *name;
    static const char *const opts[] = {"adam", "sgd"};
    for (size_t k = 0; k < 2; k++) {
        snprintf(file, sizeof file, "%s/tfjs_%s.jsonl", dir, opts[k]);
        if (audit_file(file, &name) != 0)
            fail_msg("TF.js %s trace does not agree at float32", opts[k]);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_agrees),   cmocka_unit_test(test_bugs_named),
        cmocka_unit_test(test_float32),       cmocka_unit_test(test_bound_edges),
        cmocka_unit_test(test_reference_agrees), cmocka_unit_test(test_j_zero),        cmocka_unit_test(test_bce_derived),
        cmocka_unit_test(test_vacuous_bound), cmocka_unit_test(test_parse_exact),   cmocka_unit_test(test_bad_input),     cmocka_unit_test(test_million_steps),
         
        cmocka_unit_test(test_names_round_trip), cmocka_unit_test(test_f32_scalars), cmocka_unit_test(test_bce_extreme), cmocka_unit_test(test_overflow_rounded), cmocka_unit_test(test_steps_and_f32_labels), cmocka_unit_test(test_f32_sumsq_relative), cmocka_unit_test(test_bce_declines), cmocka_unit_test(test_sps_sign_undefined), cmocka_unit_test(test_torch),
        cmocka_unit_test(test_tfjs),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
