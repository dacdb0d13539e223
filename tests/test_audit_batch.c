/* test_audit_batch.c: `gnlab audit` on mini-batch records (issue 17). Traces written by the
 * double core's EGN direction (gn_dg_dir, both routes, diagonal and softmax Q), its batched
 * IGND (gn_dg_ignd), an undamped solve and a float32 push-through implementation must agree;
 * each planted mini-batch mistake and each logging mistake must disagree and be named
 * first; an ill-conditioned record is undetermined; malformed records get GN_EINPUT with
 * FILE:LINE:COLUMN (key). Seed: GN_SEED. */
#include "gn_test.h"

#include "gn.h"
#include "val_audit.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define BMAX 8
#define DMAX 24
#define MMAX (BMAX * 3)

typedef struct {
    size_t b, c, d;
    double J[MMAX * DMAX], r[MMAX], q[MMAX]; /* q: diagonal, or softmax p when softmax */
    int softmax;
    double lambda, mu, alpha, beta;
    double w[DMAX], vprev[DMAX];
} batch;

typedef enum {
    P_NONE = 0, P_QSIDE, P_BMISS, P_BTWICE, P_BMISS_CURV, P_LAMQ, P_DAMP_INSIDE, P_NOLAMBDA,
    P_NOMU, P_MEAN_IGND, P_GN_FOR_IGND, P_MOM_NODAMP, P_SIGN, P_GRAM_F32,
    P_W_AFTER, P_MOM_AFTER, P_DTYPE, P_REPEAT, NP
} plant;

static const char *const plant_name[NP] = {
    "", "q_wrong_side", "b_missing", "b_twice", "b_missing_curv", "lambda_scaled_by_q",
    "damping_inside_scale", "lambda_missing", "mu_missing", "mean_of_ignd", "batch_gn_for_ignd",
    "momentum_no_dampening", "wrong_sign", "gram_f32", "w_recorded_after",
    "momentum_buffer_after", "dtype_label", "repeated_record"};

/* D entry (a, a2) of sample s's block: Q + mu I */
static double dent(const batch *B, size_t s, size_t a, size_t a2, int mu)
{
    size_t c = B->c;
    double m = mu ? B->mu : 0.0;
    if (!B->softmax)
        return a == a2 ? B->q[s * c + a] + m : 0.0;
    double p = B->q[s * c + a], p2 = B->q[s * c + a2];
    return (a == a2 ? p + m : 0.0) - p * p2;
}

/* solves M z = r (n x n, partial pivoting) in place; 0 or -1 */
static int lu_solve(double *M, double *z, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t p = k;
        for (size_t i = k + 1; i < n; i++)
            if (fabs(M[i * n + k]) > fabs(M[p * n + k]))
                p = i;
        if (M[p * n + k] == 0.0)
            return -1;
        if (p != k) {
            for (size_t j = 0; j < n; j++) {
                double t = M[k * n + j];
                M[k * n + j] = M[p * n + j];
                M[p * n + j] = t;
            }
            double t = z[k];
            z[k] = z[p];
            z[p] = t;
        }
        for (size_t i = k + 1; i < n; i++) {
            double f = M[i * n + k] / M[k * n + k];
            for (size_t j = k; j < n; j++)
                M[i * n + j] -= f * M[k * n + j];
            z[i] -= f * z[k];
        }
    }
    for (size_t k = n; k-- > 0;) {
        double s = z[k];
        for (size_t j = k + 1; j < n; j++)
            s -= M[k * n + j] * z[j];
        z[k] = s / M[k * n + k];
    }
    return 0;
}

/* a push-through direction in double with a planted mistake (or none) */
static void push_dir(double *dir, const batch *B, plant p)
{
    size_t m = B->b * B->c, d = B->d, c = B->c;
    double b = (double)B->b, lam = p == P_NOLAMBDA ? 0.0 : B->lambda;
    double bc = p == P_BMISS || p == P_BMISS_CURV ? 1.0 : p == P_BTWICE ? b * b : b;
    double bo = p == P_BMISS ? 1.0 : p == P_BTWICE ? b * b : b;
    static double K[MMAX * MMAX], M[MMAX * MMAX];
    double z[MMAX];
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            float sf = 0.0f;
            for (size_t k = 0; k < d; k++) {
                s += B->J[i * d + k] * B->J[j * d + k];
                sf += (float)B->J[i * d + k] * (float)B->J[j * d + k];
            }
            K[i * m + j] = p == P_GRAM_F32 ? (double)sf : s;
        }
    int mu = p != P_NOMU;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t a = 0; a < c; a++) {
                if (p == P_QSIDE)
                    s += K[i * m + (j / c) * c + a] * dent(B, j / c, a, j % c, mu);
                else
                    s += dent(B, i / c, i % c, a, mu) * K[((i / c) * c + a) * m + j];
            }
            if (p == P_DAMP_INSIDE && i / c == j / c)
                s += dent(B, i / c, i % c, j % c, mu) * lam;
            s /= bc;
            if (p == P_LAMQ && i / c == j / c)
                s += lam * dent(B, i / c, i % c, j % c, mu);
            else if (p != P_LAMQ && p != P_DAMP_INSIDE && i == j)
                s += lam;
            M[i * m + j] = s;
        }
    memcpy(z, B->r, m * sizeof *z);
    assert_int_equal(lu_solve(M, z, m), 0);
    for (size_t k = 0; k < d; k++) {
        double s = 0.0;
        for (size_t i = 0; i < m; i++)
            s += B->J[i * d + k] * z[i];
        dir[k] = -s / bo;
    }
}

/* the same push-through solve in float32 throughout (a float32 implementation) */
static void push_dir_f32(float *dir, const batch *B)
{
    size_t m = B->b * B->c, d = B->d;
    float M[MMAX * MMAX], z[MMAX];
    float lam = (float)B->lambda, b = (float)B->b;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            float s = 0.0f;
            for (size_t k = 0; k < d; k++)
                s += (float)B->J[i * d + k] * (float)B->J[j * d + k];
            M[i * m + j] = ((float)B->q[i] + (float)B->mu) * s / b + (i == j ? lam : 0.0f);
        }
    for (size_t i = 0; i < m; i++)
        z[i] = (float)B->r[i];
    for (size_t k = 0; k < m; k++) { /* no pivoting: M is diagonally similar to SPD here */
        for (size_t i = k + 1; i < m; i++) {
            float f = M[i * m + k] / M[k * m + k];
            for (size_t j = k; j < m; j++)
                M[i * m + j] -= f * M[k * m + j];
            z[i] -= f * z[k];
        }
    }
    for (size_t k = m; k-- > 0;) {
        float s = z[k];
        for (size_t j = k + 1; j < m; j++)
            s -= M[k * m + j] * z[j];
        z[k] = s / M[k * m + k];
    }
    for (size_t k = 0; k < d; k++) {
        float s = 0.0f;
        for (size_t i = 0; i < m; i++)
            s += (float)B->J[i * d + k] * z[i];
        dir[k] = -s / b;
    }
}

static void make_batch(batch *B, gn_rng *g, size_t b, size_t c, size_t d, int softmax, int f32)
{
    memset(B, 0, sizeof *B);
    B->b = b, B->c = c, B->d = d, B->softmax = softmax;
    for (size_t i = 0; i < b * c * d; i++)
        B->J[i] = gn_rng_normal(g);
    for (size_t i = 0; i < b * c; i++) {
        B->r[i] = gn_rng_normal(g);
        B->q[i] = softmax ? 0.0 : 0.2 + gn_rng_uniform(g);
    }
    if (softmax)
        for (size_t s = 0; s < b; s++) {
            double t = 0.0;
            for (size_t a = 0; a < c; a++)
                t += (B->q[s * c + a] = exp(gn_rng_normal(g)));
            for (size_t a = 0; a < c; a++)
                B->q[s * c + a] /= t;
        }
    for (size_t k = 0; k < d; k++) {
        B->w[k] = gn_rng_normal(g);
        B->vprev[k] = 0.1 * gn_rng_normal(g);
    }
    B->lambda = 0.3, B->mu = 0.05, B->alpha = 0.7, B->beta = 0.0;
    if (f32) {
        for (size_t i = 0; i < b * c * d; i++)
            B->J[i] = (float)B->J[i];
        for (size_t i = 0; i < b * c; i++)
            B->r[i] = (float)B->r[i], B->q[i] = (float)B->q[i];
        for (size_t k = 0; k < d; k++)
            B->w[k] = (float)B->w[k], B->vprev[k] = (float)B->vprev[k];
    }
}

static void put_arr(FILE *f, const char *key, const double *x, size_t n)
{
    fprintf(f, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.17g", i ? "," : "", x[i]);
    fputc(']', f);
}

/* one record of method m: the correct step of the core, or the planted mistake */
static void write_rec(FILE *f, const batch *B, const char *method, plant p, int mom, int f32,
                      int step)
{
    size_t d = B->d, m = B->b * B->c;
    double dir[DMAX], v[DMAX], wa[DMAX], w[DMAX];
    gn_dg_batch gb = {B->b, B->c, d, B->J, B->r, B->softmax ? GN_Q_SOFTMAX : GN_Q_DIAG, B->q,
                      p == P_NOMU ? 0.0 : B->mu, B->lambda};
    gn_dg_ws *ws = gn_dg_ws_alloc(m, d, GN_DG_AUTO);
    assert_non_null(ws);
    int ignd = !strcmp(method, "ignd_batch");
    int undamped = !strcmp(method, "gn_batch_undamped");
    if (f32 || p == P_DTYPE) {
        float df[DMAX];
        push_dir_f32(df, B);
        for (size_t k = 0; k < d; k++)
            dir[k] = df[k];
    } else if ((ignd && p != P_GN_FOR_IGND) || p == P_MEAN_IGND) {
        if (p == P_BMISS || p == P_BTWICE) {
            assert_int_equal(gn_dg_ignd(dir, ws, &gb), GN_OK);
            for (size_t k = 0; k < d; k++)
                dir[k] *= p == P_BMISS ? (double)B->b : 1.0 / (double)B->b;
        } else
            assert_int_equal(gn_dg_ignd(dir, ws, &gb), GN_OK);
    } else if (undamped || (p != P_NONE && p != P_NOMU && p != P_MOM_NODAMP && p != P_SIGN &&
                            p != P_W_AFTER && p != P_MOM_AFTER && p != P_REPEAT &&
                            p != P_GN_FOR_IGND)) {
        batch B2 = *B;
        if (undamped)
            B2.lambda = 0.0;
        push_dir(dir, &B2, p);
    } else
        assert_int_equal(gn_dg_dir(dir, ws, &gb, GN_DG_AUTO), GN_OK);
    gn_dg_ws_free(ws);
    for (size_t k = 0; k < d; k++) {
        double vk = dir[k];
        if (mom)
            vk = p == P_MOM_NODAMP ? B->beta * B->vprev[k] + dir[k]
                                   : B->beta * B->vprev[k] + (1.0 - B->beta) * dir[k];
        if (f32 || p == P_DTYPE)
            vk = (float)B->beta * (float)B->vprev[k] + (1.0f - (float)B->beta) * (float)dir[k];
        v[k] = vk;
        wa[k] = p == P_SIGN ? B->w[k] - B->alpha * vk : B->w[k] + B->alpha * vk;
        if (f32 || p == P_DTYPE)
            wa[k] = (float)B->w[k] + (float)B->alpha * (float)vk;
        w[k] = p == P_W_AFTER ? wa[k] : B->w[k];
    }
    fprintf(f, "{\"method\":\"%s\",\"dtype\":\"%s\"", method, f32 ? "float32" : "float64");
    if (step >= 0)
        fprintf(f, ",\"step\":%d", step);
    fprintf(f, ",\"b\":%zu,\"c\":%zu,\"lambda\":%.17g,\"mu\":%.17g,\"alpha\":%.17g", B->b, B->c,
            undamped ? 0.0 : B->lambda, B->mu, B->alpha);
    if (mom)
        fprintf(f, ",\"beta\":%.17g", B->beta);
    put_arr(f, "w", w, d);
    put_arr(f, "J", B->J, m * d);
    put_arr(f, "r", B->r, m);
    put_arr(f, B->softmax ? "p" : "q", B->q, m);
    if (mom)
        put_arr(f, "v_prev", p == P_MOM_AFTER ? v : B->vprev, d);
    if (p != P_MOM_AFTER)
        put_arr(f, "d", dir, d);
    put_arr(f, "w_after", wa, d);
    fputs("}\n", f);
}

static gn_status audit_buf(val_audit_summary *s, const char *buf, size_t len, char *err,
                           size_t errlen)
{
    FILE *f = fmemopen((void *)buf, len, "r");
    assert_non_null(f);
    val_audit_opts o = val_audit_opts_default();
    gn_status st = val_audit_stream(s, f, "t", &o, NULL, NULL, err, errlen);
    fclose(f);
    return st;
}

static const char *first_named(const val_audit_summary *s)
{
    size_t idx[VAL_AUDIT_MAXCAT];
    size_t n = val_audit_matches(idx, VAL_AUDIT_MAXCAT, s);
    return n ? val_audit_variant_info(s, idx[0]).name : "(none)";
}

/* a trace of `steps` records of one method/shape with plant p; returns the verdict */
static void run(val_audit_summary *s, uint64_t seed, const char *method, size_t b, size_t c,
                size_t d, int softmax, plant p, int mom, int f32)
{
    gn_rng g;
    gn_rng_seed(&g, seed, 17);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    batch B;
    for (int k = 0; k < 3; k++) {
        make_batch(&B, &g, b, c, d, softmax, f32 || p == P_DTYPE);
        if (mom)
            B.beta = 0.9;
        if (p == P_LAMQ || p == P_DAMP_INSIDE)
            B.mu = 0.0;
        write_rec(f, &B, method, p, mom, f32, p == P_REPEAT ? -1 : k);
        if (p == P_REPEAT)
            write_rec(f, &B, method, p, mom, f32, -1);
    }
    fclose(f);
    char err[512] = "";
    gn_status st = audit_buf(s, buf, len, err, sizeof err);
    if (st != GN_OK)
        fail_msg("seed %llu %s plant %s: %s", (unsigned long long)seed, method, plant_name[p], err);
    free(buf);
}

static void test_correct_agree(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    static const struct {
        const char *m;
        size_t b, c, d;
        int softmax, mom, f32;
    } cases[] = {
        {"egn", 4, 1, 12, 0, 0, 0},  {"egn", 6, 1, 3, 0, 0, 0},   {"lm", 3, 3, 10, 1, 0, 0},
        {"egn", 4, 1, 12, 0, 1, 0},  {"ignd_batch", 5, 1, 9, 0, 0, 0},
        {"gn_batch_undamped", 3, 1, 10, 0, 0, 0}, {"egn", 4, 1, 12, 0, 0, 1},
        {"egn", 8, 1, 20, 0, 1, 1},
    };
    double worst = 0.0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        val_audit_summary s;
        run(&s, seed + i, cases[i].m, cases[i].b, cases[i].c, cases[i].d, cases[i].softmax,
            P_NONE, cases[i].mom, cases[i].f32);
        if (s.disagree || s.undetermined)
            fail_msg("seed %llu case %zu (%s): %llu disagree, %llu undetermined, largest "
                     "err/B %.3g", (unsigned long long)seed, i, cases[i].m,
                     (unsigned long long)s.disagree, (unsigned long long)s.undetermined,
                     s.largest_ratio);
        print_message("# %-18s b %zu c %zu d %2zu%s%s: largest err/B %.3g\n", cases[i].m,
                      cases[i].b, cases[i].c, cases[i].d, cases[i].mom ? " momentum" : "",
                      cases[i].f32 ? " float32" : "", s.largest_ratio);
        worst = fmax(worst, s.largest_ratio);
    }
    assert_true(worst <= 1.0);
}

static void test_planted_named(void **state)
{
    (void)state;
    uint64_t seed = gn_test_seed();
    static const struct {
        plant p;
        const char *m;
        size_t b, d;
        int mom;
    } cases[] = {
        {P_QSIDE, "egn", 4, 12, 0},       {P_BMISS, "egn", 4, 12, 0},
        {P_BTWICE, "egn", 4, 12, 0},      {P_BMISS_CURV, "lm", 4, 12, 0},
        {P_LAMQ, "egn", 4, 12, 0},        {P_DAMP_INSIDE, "egn", 4, 12, 0},
        {P_NOLAMBDA, "egn", 4, 12, 0},    {P_NOMU, "egn", 4, 12, 0},
        {P_MEAN_IGND, "egn", 4, 12, 0},   {P_GN_FOR_IGND, "ignd_batch", 4, 12, 0},
        {P_MOM_NODAMP, "egn", 4, 12, 1},  {P_SIGN, "egn", 4, 12, 0},
        {P_GRAM_F32, "egn", 6, 16, 0},    {P_W_AFTER, "egn", 4, 12, 0},
        {P_MOM_AFTER, "egn", 4, 12, 1},   {P_DTYPE, "egn", 4, 12, 0},
        {P_REPEAT, "egn", 4, 12, 0},      {P_BMISS, "ignd_batch", 4, 12, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        val_audit_summary s;
        run(&s, seed + 100 + i, cases[i].m, cases[i].b, 1, cases[i].d, 0, cases[i].p,
            cases[i].mom, 0);
        const char *got = first_named(&s);
        print_message("# planted %-22s (%s): %llu of %llu disagree, named first: %s\n",
                      plant_name[cases[i].p], cases[i].m, (unsigned long long)s.disagree,
                      (unsigned long long)s.steps, got);
        if (!s.disagree || strcmp(got, plant_name[cases[i].p]))
            fail_msg("seed %llu planted %s: named %s", (unsigned long long)seed,
                     plant_name[cases[i].p], got);
    }
}

/* the bound's negative control: w_after moved by 3 B units disagrees, by B/3 agrees; an
 * ill-conditioned record (lambda tiny) is undetermined, not agreeing */
static void test_bound_control(void **state)
{
    (void)state;
    gn_rng g;
    gn_rng_seed(&g, gn_test_seed(), 3);
    batch B;
    make_batch(&B, &g, 4, 1, 12, 0, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    write_rec(f, &B, "egn", P_NONE, 0, 0, -1);
    fclose(f);
    val_audit_summary s;
    char err[512];
    assert_int_equal(audit_buf(&s, buf, len, err, sizeof err), GN_OK);
    assert_int_equal(s.disagree, 0);
    double B0 = s.largest.bound;
    /* the w_after check's unit: u (|w|_inf + |alpha v|_inf); move the largest w_after entry */
    for (int k = 0; k < 2; k++) {
        double fac = k ? 3.0 : 1.0 / 3.0;
        char *wa = strstr(buf, "\"w_after\":[");
        assert_non_null(wa);
        double x = strtod(wa + 11, NULL), wmax = 0.0, smax = 0.0;
        for (size_t i = 0; i < B.d; i++)
            wmax = fmax(wmax, fabs(B.w[i]));
        (void)smax;
        double unit = 0x1p-53 * (wmax + 50.0); /* generous: |alpha v| below 50 here */
        double y = x + fac * B0 * unit;
        char *copy = malloc(len + 64);
        size_t pre = (size_t)(wa + 11 - buf);
        char *after = wa + 11;
        while (*after != ',' && *after != ']')
            after++;
        memcpy(copy, buf, pre);
        int nw = sprintf(copy + pre, "%.17g", y);
        strcpy(copy + pre + (size_t)nw, after);
        val_audit_summary s2;
        assert_int_equal(audit_buf(&s2, copy, strlen(copy), err, sizeof err), GN_OK);
        if (k)
            assert_true(s2.disagree == 1);
        free(copy);
    }
    free(buf);
    /* ill-conditioned: lambda 1e-30 with J of norm 1e8: E_A / lambda >> 1/2 */
    B.lambda = 1e-30;
    for (size_t i = 0; i < B.b * B.d; i++)
        B.J[i] *= 1e8;
    buf = NULL;
    f = open_memstream(&buf, &len);
    write_rec(f, &B, "egn", P_NONE, 0, 0, -1);
    fclose(f);
    assert_int_equal(audit_buf(&s, buf, len, err, sizeof err), GN_OK);
    assert_int_equal(s.disagree, 0);
    assert_int_equal(s.undetermined, 1);
    assert_non_null(strstr(s.undet_why, "ill-conditioned"));
    free(buf);
}

static void test_bad_input(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":2,\"c\":1,\"lambda\":1,\"alpha\":1,"
         "\"w\":[1,2],\"J\":[1,2,3],\"r\":[1,2],\"q\":[1,1],\"w_after\":[1,2]}\n",
         "t:1:82 (J): 3 elements where b = 2, c = 1, d = 2 need 4"},
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":2.5,\"c\":1}\n", "t:1:39 (b): 2.5 is not a whole number"},
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":1,\"c\":1,\"lambda\":1,\"alpha\":1,"
         "\"w\":[1],\"J\":[NaN],\"r\":[1],\"q\":[1],\"w_after\":[1]}\n",
         "t:1:81 (J): element 0: NaN"},
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":1,\"c\":1,\"lambda\":1,\"alpha\":1,"
         "\"w\":[1],\"J\":[1],\"r\":[1],\"w_after\":[1]}\n", "t:1 (q): give the curvature exactly once"},
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":1,\"c\":1,\"lambda\":0,\"alpha\":1,"
         "\"w\":[1],\"J\":[1],\"r\":[1],\"q\":[1],\"w_after\":[1]}\n", "t:1:56 (lambda): the damped methods need lambda > 0"},
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":1,\"c\":1,\"lambda\":1,\"alpha\":1,"
         "\"w\":[1],\"J\":[1],\"r\":[1],\"q\":[-1],\"w_after\":[1]}\n", "t:1:96 (q): a negative"},
        {"{\"method\":\"egn\",\"dtype\":\"float32\",\"b\":1,\"c\":1,\"lambda\":1,\"alpha\":1,"
         "\"w\":[0.10000000000000001],\"J\":[1],\"r\":[1],\"q\":[1],\"w_after\":[1]}\n",
         "t:1:73 (w): not a float32 value"},
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":1,\"c\":1,\"lambda\":1,\"alpha\":1,"
         "\"w\":[1],\"J\":[1],\"r\":[1],\"q\":[1],\"w_after\":[1],\"zz\":1}\n",
         "t:1:114 (zz): unknown key"},
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"b\":1,\"c\":1,\"lambda\":1,\"alpha\":1,"
         "\"w\":[1],\"J\":[1],\"r\":[1],\"q\":[1],\"w_after\":[1]}", "t:1:114: truncated line"},
        {"{\"method\":\"egn\",\"dtype\":\"float64\",\"step\":0,\"b\":1,\"c\":1,\"lambda\":1,"
         "\"alpha\":1,\"w\":[1],\"J\":[1],\"r\":[1],\"q\":[1],\"w_after\":[1]}\n"
         "{\"method\":\"egn\",\"dtype\":\"float64\",\"step\":2,\"b\":1,\"c\":1,\"lambda\":1,"
         "\"alpha\":1,\"w\":[1],\"J\":[1],\"r\":[1],\"q\":[1],\"w_after\":[1]}\n",
         "t:2:42 (step): step 2 after step 0: missing steps"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        val_audit_summary s;
        char err[512] = "";
        gn_status st = audit_buf(&s, cases[i].text, strlen(cases[i].text), err, sizeof err);
        if (st != GN_EINPUT || !strstr(err, cases[i].want))
            fail_msg("case %zu: status %d, err '%s', want '%s'", i, (int)st, err, cases[i].want);
    }
}

/* one-sample traces recorded wrongly (catalogue rows with logging = 1): Adam by the double
 * core, written with t off by one, m and v after the step, w after the update, each record
 * twice (no step column); and a float32 IGND labelled float64. Each is named first, and "trace recorded wrongly". The
 * correctly recorded trace agrees (the negative control). */
typedef enum { L_NONE, L_T_PLUS, L_MOMENTS_AFTER, L_W_AFTER, L_DTYPE, L_REPEAT } logplant;

static void adam_trace(val_audit_summary *s, logplant lp, uint64_t seed)
{
    size_t d = 5;
    gn_rng g;
    gn_rng_seed(&g, seed, 5);
    double w[5], w0[5], gr[5], m0[5], v0[5];
    gn_adam *st = gn_adam_alloc(d);
    gn_adam_params ap = gn_adam_params_default();
    assert_non_null(st);
    for (size_t i = 0; i < d; i++)
        w[i] = gn_rng_normal(&g);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    gn_io_trace_rec r;
    memset(&r, 0, sizeof r);
    r.method = lp == L_DTYPE ? GN_IO_TRACE_M_IGND : GN_IO_TRACE_M_ADAM;
    r.dtype = GN_IO_TRACE_F64;
    r.n = d;
    r.has_s = 1u << GN_IO_TRACE_S_ALPHA | 1u << GN_IO_TRACE_S_BETA1 | 1u << GN_IO_TRACE_S_BETA2 |
              1u << GN_IO_TRACE_S_EPS | 1u << GN_IO_TRACE_S_T;
    r.has_v = 1u << GN_IO_TRACE_V_W | 1u << GN_IO_TRACE_V_G | 1u << GN_IO_TRACE_V_M |
              1u << GN_IO_TRACE_V_V | 1u << GN_IO_TRACE_V_WAFTER;
    if (lp == L_DTYPE) {
        r.has_s = 1u << GN_IO_TRACE_S_ALPHA | 1u << GN_IO_TRACE_S_LAMBDA | 1u << GN_IO_TRACE_S_MU |
                  1u << GN_IO_TRACE_S_LP | 1u << GN_IO_TRACE_S_LPP;
        r.has_v = 1u << GN_IO_TRACE_V_W | 1u << GN_IO_TRACE_V_J | 1u << GN_IO_TRACE_V_WAFTER;
    }
    r.v[GN_IO_TRACE_V_W] = w0;
    r.v[GN_IO_TRACE_V_G] = gr;
    r.v[GN_IO_TRACE_V_J] = gr;
    r.v[GN_IO_TRACE_V_M] = m0;
    r.v[GN_IO_TRACE_V_V] = v0;
    r.v[GN_IO_TRACE_V_WAFTER] = w;
    r.s[GN_IO_TRACE_S_ALPHA] = lp == L_DTYPE ? 0.5 : ap.alpha;
    r.s[GN_IO_TRACE_S_BETA1] = ap.beta1;
    r.s[GN_IO_TRACE_S_BETA2] = ap.beta2;
    r.s[GN_IO_TRACE_S_EPS] = ap.eps;
    r.s[GN_IO_TRACE_S_LAMBDA] = 0.5;
    r.s[GN_IO_TRACE_S_MU] = 0.25;
    r.s[GN_IO_TRACE_S_LPP] = 1.0;
    val_audit_write_header(f, &r);
    for (int k = 0; k < 6; k++) {
        for (size_t i = 0; i < d; i++) {
            gr[i] = gn_rng_normal(&g);
            if (lp == L_DTYPE)
                gr[i] = (float)gr[i], w[i] = (float)w[i];
        }
        memcpy(w0, w, sizeof w);
        memcpy(m0, st->m, sizeof m0);
        memcpy(v0, st->v, sizeof v0);
        r.s[GN_IO_TRACE_S_T] = (double)st->t + (lp == L_T_PLUS ? 1.0 : 0.0);
        if (lp == L_DTYPE) { /* IGND in float32 throughout */
            float S = 0.0f, lpv = (float)gn_rng_normal(&g);
            for (size_t i = 0; i < d; i++)
                S += (float)gr[i] * (float)gr[i];
            float xi = 1.0f / ((1.0f + 0.25f) * S + 0.5f);
            for (size_t i = 0; i < d; i++)
                w[i] = (float)w0[i] - 0.5f * xi * lpv * (float)gr[i];
            r.s[GN_IO_TRACE_S_LP] = lpv;
        } else
            assert_int_equal(gn_step_adam(st, w, gr, &ap), GN_OK);
        if (lp == L_MOMENTS_AFTER) {
            memcpy(m0, st->m, sizeof m0);
            memcpy(v0, st->v, sizeof v0);
        }
        if (lp == L_W_AFTER)
            memcpy(w0, w, sizeof w);
        val_audit_write(f, &r, 0);
        if (lp == L_REPEAT)
            val_audit_write(f, &r, 0);
    }
    fclose(f);
    gn_adam_free(st);
    char err[512] = "";
    if (getenv("GN_DUMP"))
        gn_test_spit(getenv("GN_DUMP"), buf);
    gn_status rc = audit_buf(s, buf, len, err, sizeof err);
    if (rc != GN_OK)
        fail_msg("%s", err);
    free(buf);
}

static void test_logging_named(void **state)
{
    (void)state;
    static const struct {
        logplant p;
        const char *want;
    } cases[] = {{L_NONE, NULL},
                 {L_T_PLUS, "adam_t_off_by_one"},
                 {L_MOMENTS_AFTER, "adam_moments_after"},
                 {L_W_AFTER, "w_recorded_after"},
                 {L_DTYPE, "dtype_label"},
                 {L_REPEAT, "repeated_record"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        val_audit_summary s;
        adam_trace(&s, cases[i].p, gn_test_seed() + i);
        const char *got = first_named(&s);
        print_message("# logging %-20s: %llu of %llu disagree, named first: %s\n",
                      cases[i].want ? cases[i].want : "(none planted)",
                      (unsigned long long)s.disagree, (unsigned long long)s.steps, got);
        if (!cases[i].want) {
            assert_int_equal(s.disagree, 0);
            continue;
        }
        if (!s.disagree || strcmp(got, cases[i].want))
            fail_msg("planted %s: named %s", cases[i].want, got);
        size_t idx[VAL_AUDIT_MAXCAT];
        assert_true(val_audit_matches(idx, VAL_AUDIT_MAXCAT, &s) >= 1);
        assert_true(val_audit_variant_info(&s, idx[0]).logging);
    }
}

/* the PyTorch recorder (validate/exporters/test_recorder.py): SGD, Adam and an EGN and a
 * batched IGND written from the papers' pseudo-code, on an MLP and a conv net, recorded by
 * gn_recorder.Recorder and audited by the CLI; every correct trace agrees, each planted
 * mini-batch mistake is named first. GN_AUDIT_CLIENTS as in test_audit ("require": fail
 * when python3-torch is missing; "0": skip). */
static void test_recorder(void **state)
{
    (void)state;
    const char *mode = getenv("GN_AUDIT_CLIENTS");
    int require = mode && !strcmp(mode, "require");
    if (mode && !strcmp(mode, "0"))
        skip();
    const char *py = NULL;
    static const char *const cands[] = {"python3", "/usr/bin/python3"};
    for (size_t i = 0; i < 2 && !py; i++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "%s -c 'import torch' >/dev/null 2>&1", cands[i]);
        if (system(cmd) == 0)
            py = cands[i];
    }
    if (!py) {
        if (require)
            fail_msg("GN_AUDIT_CLIENTS=require but no python3 with torch");
        print_message("# skip: PyTorch (python3-torch) not available\n");
        skip();
    }
    const char *bin = getenv("GN_BIN");
    char cmd[1024], out[16384];
    snprintf(cmd, sizeof cmd, "%s validate/exporters/test_recorder.py %s", py,
             bin && *bin ? bin : "build/gnlab");
    int rc = gn_test_capture(cmd, out, sizeof out);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        print_message("# %s\n", line);
    assert_int_equal(rc, 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_correct_agree), cmocka_unit_test(test_planted_named),
    cmocka_unit_test(test_bound_control), cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_logging_named), cmocka_unit_test(test_recorder),
};

GN_TEST_MAIN(tests)
