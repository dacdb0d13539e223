/* val_nist.c: NIST StRD certification of gnlab fit (val_nist.h): both routes on each start,
 * the LREs against the certified values, the verdicts and the suite's summary. */
#include "val_nist.h"

#include "gn_mp_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const gn_fit_solver val_nist_solvers[VAL_NIST_NSOLV] = {GN_FIT_NORMAL, GN_FIT_QR, GN_FIT_AUTO};

gn_status val_nist_load(gn_io_nist *p, gn_io_nist_setup *s, const char *path, FILE *msg,
                        const char *who)
{
    char err[512];
    memset(s, 0, sizeof *s);
    gn_status st = gn_io_nist_read(p, path, err, sizeof err);
    if (st != GN_OK) {
        fprintf(msg, "%s: %s\n", who, err);
        return st;
    }
    if (p->warn[0])
        fprintf(msg, "%s: warning: %s\n", who, p->warn);
    gn_expr_error ee;
    int inresp = 0;
    st = gn_io_nist_problem(s, p, &ee, &inresp);
    if (st != GN_OK) {
        fprintf(msg, "%s: %s:%zu: the model's %s: %s\n", who, path, p->model_line,
                inresp ? "left-hand side" : "right-hand side", ee.msg);
        gn_expr_print_error(msg, inresp ? p->response : p->model, &ee);
        gn_io_nist_free(p);
    }
    return st;
}

void val_nist_double_free(val_nist_double *r)
{
    if (!r)
        return;
    free(r->b);
    free(r->lre);
    free(r->se);
    free(r->se_lre);
    memset(r, 0, sizeof *r);
}

void val_nist_mp_free(val_nist_mp *r, size_t k)
{
    if (!r)
        return;
    if (r->str)
        for (size_t q = 0; q < k; q++)
            free(r->str[q]);
    free(r->str);
    free(r->lre);
    free(r->val);
    free(r->se);
    free(r->se_lre);
    memset(r, 0, sizeof *r);
}

/* an LRE that is 0 for an undetermined (NAN) estimate */
static double lre_or0(double est, double cert, int digits)
{
    return isfinite(est) ? gn_io_lre(est, cert, digits) : 0.0;
}

/* the double statistics at r->b and their LREs against the certificate */
static gn_status double_stats(val_nist_double *r, const gn_io_nist *p, const gn_io_nist_setup *s)
{
    const size_t k = p->k;
    r->se_lre_min = 0.0;
    r->rsd_lre = 0.0;
    for (size_t q = 0; q < k; q++)
        r->se[q] = NAN;
    if (!r->ok)
        return GN_OK;
    gn_status e = gn_fit_covar(&r->stats, r->se, NULL, NULL, NULL, &s->fp, r->b);
    if (e == GN_ENOMEM) {
        val_nist_double_free(r);
        return e;
    }
    r->se_lre_min = INFINITY;
    for (size_t q = 0; q < k; q++) {
        r->se_lre[q] = lre_or0(r->se[q], p->cert_sd[q], p->cert_sd_digits[q]);
        r->se_lre_min = fmin(r->se_lre_min, r->se_lre[q]);
    }
    r->rsd_lre = p->rsd_str ? lre_or0(r->stats.sigma, p->rsd, p->rsd_digits) : 0.0;
    return GN_OK;
}

gn_status val_nist_run_double(val_nist_double *r, const gn_io_nist *p, const gn_io_nist_setup *s,
                              size_t st, gn_fit_solver solver)
{
    const size_t k = p->k;
    memset(r, 0, sizeof *r);
    r->b = calloc(k, sizeof(double));
    r->lre = calloc(k, sizeof(double));
    r->se = calloc(k, sizeof(double));
    r->se_lre = calloc(k, sizeof(double));
    if (!r->b || !r->lre || !r->se || !r->se_lre) {
        val_nist_double_free(r);
        return GN_ENOMEM;
    }
    gn_fit_params par = gn_fit_params_default();
    par.solver = solver;
    double t0 = gn_io_now();
    gn_status e = gn_fit_run(r->b, &r->rep, &s->fp, p->start + st * k, &par);
    r->secs = gn_io_now() - t0;
    r->ok = e == GN_OK;
    r->lre_min = INFINITY;
    for (size_t q = 0; q < k; q++) {
        r->lre[q] = r->ok ? gn_io_lre(r->b[q], p->cert[q], p->cert_digits[q]) : 0.0;
        if (r->lre[q] < r->lre_min)
            r->lre_min = r->lre[q];
    }
    r->lre_rss = r->ok ? gn_io_lre(r->rep.rss, p->rss, p->rss_digits) : 0.0;
    return double_stats(r, p, s);
}

/* text (a GN_IO_NIST_NUM token) into x through the tokenizer */
static gn_status mp_read(mpfr_ptr x, const char *text)
{
    gn_io_num t;
    gn_status st = gn_io_num_scan(&t, text, strlen(text), GN_IO_NIST_NUM);
    return st != GN_OK ? st : gn_io_num_mpfr(x, &t, MPFR_RNDN);
}

/* the data columns of p in MPFR: predictors into x (nx x n, file order), response into y */
static gn_status mp_data(mpfr_ptr x, mpfr_ptr y, const gn_io_nist *p)
{
    const size_t n = p->n;
    for (size_t c = 0, j = 0; c < p->ncols; c++) {
        for (size_t i = 0; i < n; i++) {
            gn_status st = mp_read(c == p->ycol ? y + i : x + j * n + i, p->data_str[c * n + i]);
            if (st != GN_OK)
                return GN_EINPUT;
        }
        if (c != p->ycol)
            j++;
    }
    return GN_OK;
}

/* the estimates b: their text, double value and LRE against the certified values */
static gn_status mp_score(val_nist_mp *r, const gn_io_nist *p, mpfr_srcptr b, mpfr_prec_t prec)
{
    r->lre_min = INFINITY;
    mpfr_t c;
    mpfr_init2(c, prec);
    gn_status st = GN_OK;
    for (size_t q = 0; q < p->k && st == GN_OK; q++) {
        gn_io_num t;
        st = gn_io_num_scan(&t, p->cert_str[q], strlen(p->cert_str[q]), GN_IO_NIST_NUM);
        if (st == GN_OK)
            st = gn_io_num_mpfr(c, &t, MPFR_RNDN);
        if (st != GN_OK) {
            st = GN_EINPUT;
            break;
        }
        r->lre[q] = r->ok ? gn_mp_lre(b + q, c, p->cert_digits[q], prec) : 0.0;
        if (r->lre[q] < r->lre_min)
            r->lre_min = r->lre[q];
        char buf[64];
        mpfr_snprintf(buf, sizeof buf, "%.20Re", b + q);
        r->str[q] = strdup(buf);
        if (!r->str[q])
            st = GN_ENOMEM;
        r->val[q] = mpfr_get_d(b + q, MPFR_RNDN);
    }
    mpfr_clear(c);
    /* the RSS is reported in double: its LRE is capped at 11 digits, far below double's 16 */
    r->lre_rss = r->ok ? gn_io_lre(r->rep.rss, p->rss, p->rss_digits) : 0.0;
    return st;
}

/* the certified text (a GN_IO_NIST_NUM token) into c; GN_EINPUT when it is not one */
static gn_status mp_cert(mpfr_ptr c, const char *text)
{
    gn_io_num t;
    gn_status st = gn_io_num_scan(&t, text, strlen(text), GN_IO_NIST_NUM);
    if (st == GN_OK)
        st = gn_io_num_mpfr(c, &t, MPFR_RNDN);
    return st == GN_OK ? GN_OK : GN_EINPUT;
}

/* the MPFR statistics at b and their LREs against the certificate; w holds k + 2 numbers
 * (standard errors, the residual SD, one certified value) */
static gn_status mp_stats(val_nist_mp *r, const gn_io_nist *p, const gn_mp_fit_problem *mp,
                          mpfr_srcptr b, mpfr_ptr w, mpfr_prec_t prec)
{
    const size_t k = p->k;
    mpfr_ptr se = w, sigma = w + k, c = w + k + 1;
    r->se_lre_min = r->rsd_lre = 0.0;
    for (size_t q = 0; q < k; q++)
        r->se[q] = NAN;
    if (!r->ok)
        return GN_OK;
    gn_status e = gn_mp_fit_covar(&r->stats, se, sigma, mp, b, prec);
    if (e == GN_ENOMEM || e == GN_EINPUT)
        return e;
    r->se_lre_min = INFINITY;
    for (size_t q = 0; q < k && e != GN_EINPUT; q++) {
        r->se[q] = mpfr_get_d(se + q, MPFR_RNDN);
        e = mp_cert(c, p->cert_sd_str[q]);
        r->se_lre[q] = e == GN_OK && r->stats.determined
                           ? gn_mp_lre(se + q, c, p->cert_sd_digits[q], prec) : 0.0;
        r->se_lre_min = fmin(r->se_lre_min, r->se_lre[q]);
    }
    if (e != GN_EINPUT && p->rsd_str && r->stats.dof > 0) {
        e = mp_cert(c, p->rsd_str);
        r->rsd_lre = e == GN_OK ? gn_mp_lre(sigma, c, p->rsd_digits, prec) : 0.0;
    }
    return e == GN_EINPUT ? e : GN_OK;
}

gn_status val_nist_run_mp(val_nist_mp *r, const gn_io_nist *p, const gn_io_nist_setup *s,
                          size_t st, mpfr_prec_t prec)
{
    const size_t k = p->k, n = p->n, nx = s->fp.nx, nv = nx * n + n + 3 * k + 2;
    memset(r, 0, sizeof *r);
    r->str = calloc(k, sizeof(char *));
    r->lre = calloc(k, sizeof(double));
    r->val = calloc(k, sizeof(double));
    r->se = calloc(k, sizeof(double));
    r->se_lre = calloc(k, sizeof(double));
    /* one block: predictors (nx x n), response (n), estimate (k), start (k), standard
     * errors (k), the residual SD and one scratch number */
    mpfr_ptr v = malloc(nv * sizeof *v);
    if (!r->str || !r->lre || !r->val || !r->se || !r->se_lre || !v) {
        free(v);
        val_nist_mp_free(r, k);
        return GN_ENOMEM;
    }
    for (size_t i = 0; i < nv; i++)
        mpfr_init2(v + i, prec);
    mpfr_ptr x = v, y = x + nx * n, b = y + n, b0 = b + k;
    gn_status e = mp_data(x, y, p);
    if (e == GN_OK) {
        for (size_t q = 0; q < k; q++)
            mpfr_set_d(b0 + q, p->start[st * k + q], MPFR_RNDN);
        gn_mp_fit_problem mp = {s->model, s->resp, n, nx, x, y, NULL};
        gn_mp_fit_params par = gn_mp_fit_params_default();
        double t0 = gn_io_now();
        r->ok = gn_mp_fit_run(b, &r->rep, &mp, b0, &par, prec) == GN_OK;
        r->secs = gn_io_now() - t0;
        e = mp_score(r, p, b, prec);
        if (e == GN_OK)
            e = mp_stats(r, p, &mp, b, b0 + k, prec);
    }
    for (size_t i = 0; i < nv; i++)
        mpfr_clear(v + i);
    free(v);
    if (e != GN_OK)
        val_nist_mp_free(r, k);
    return e;
}

int val_nist_pass_double(const val_nist_double *d)
{
    return d->ok && gn_fit_stop_converged(d->rep.stop) && d->lre_min >= VAL_NIST_TARGET_DOUBLE &&
           d->stats.determined && d->se_lre_min >= VAL_NIST_TARGET_SD_DOUBLE &&
           d->rsd_lre >= VAL_NIST_TARGET_SD_DOUBLE;
}

int val_nist_pass_mp(const val_nist_mp *m)
{
    return m->ok && gn_fit_stop_converged(m->rep.stop) && m->lre_min >= VAL_NIST_TARGET_MP &&
           m->stats.determined && m->se_lre_min >= VAL_NIST_TARGET_SD_MP &&
           m->rsd_lre >= VAL_NIST_TARGET_SD_MP;
}

double val_nist_agree(const double *b, const val_nist_mp *m, size_t k)
{
    double agree = INFINITY;
    for (size_t q = 0; q < k; q++) {
        double a = gn_io_lre(b[q], m->val[q], 17);
        agree = a < agree ? a : agree;
    }
    return agree;
}

void val_nist_files_free(char **files, size_t n)
{
    gn_io_dir_list_free(files, n);
}

gn_status val_nist_files(char ***files, size_t *n, const char *dir, char *err, size_t errlen)
{
    return gn_io_dir_list(files, n, dir, ".dat", err, errlen);
}

static void row_free(val_nist_row *r, size_t k)
{
    for (int v = 0; v < VAL_NIST_NSOLV; v++)
        val_nist_double_free(&r->d[v]);
    val_nist_mp_free(&r->m, k);
}

/* every solver and the reference on one start of one problem, and the verdicts */
static gn_status suite_row(val_nist_row *r, const gn_io_nist *p, const gn_io_nist_setup *s,
                           size_t st, int sel, int mp, mpfr_prec_t prec)
{
    memset(r, 0, sizeof *r);
    r->p = p;
    r->st = st;
    r->sel = sel;
    gn_status e = GN_OK;
    for (int v = 0; v < VAL_NIST_NSOLV && e == GN_OK; v++)
        e = val_nist_run_double(&r->d[v], p, s, st, val_nist_solvers[v]);
    if (e == GN_OK && mp)
        e = val_nist_run_mp(&r->m, p, s, st, prec);
    if (e != GN_OK) {
        row_free(r, p->k);
        return e;
    }
    r->dpass = val_nist_pass_double(&r->d[sel]);
    r->mpass = !mp || val_nist_pass_mp(&r->m);
    r->agree = mp ? val_nist_agree(r->d[sel].b, &r->m, p->k) : INFINITY;
    return GN_OK;
}

/* add one row to the running sums (avg and avg_mp hold sums until the end) */
static void suite_add(val_nist_summary *sum, const val_nist_row *r, int mp)
{
    const size_t k = r->p->k;
    sum->runs++;
    for (int v = 0; v < VAL_NIST_NSOLV; v++) {
        for (size_t q = 0; q < k; q++)
            sum->avg[v] += r->d[v].lre[q];
        sum->secs[v] += r->d[v].secs;
        sum->sd_min[v] = fmin(sum->sd_min[v], fmin(r->d[v].se_lre_min, r->d[v].rsd_lre));
    }
    sum->cnt += k;
    sum->miss_double += !r->dpass;
    const val_nist_double *d = &r->d[r->sel];
    sum->miss_param_double +=
        !(d->ok && gn_fit_stop_converged(d->rep.stop) && d->lre_min >= VAL_NIST_TARGET_DOUBLE);
    sum->miss_sd_double += !(d->stats.determined && d->se_lre_min >= VAL_NIST_TARGET_SD_DOUBLE &&
                             d->rsd_lre >= VAL_NIST_TARGET_SD_DOUBLE);
    if (mp) {
        for (size_t q = 0; q < k; q++)
            sum->avg_mp += r->m.lre[q];
        sum->cntmp += k;
        sum->secs_mp += r->m.secs;
        sum->sd_min_mp = fmin(sum->sd_min_mp, fmin(r->m.se_lre_min, r->m.rsd_lre));
        sum->miss_mp += !r->mpass;
    }
}

gn_status val_nist_suite(val_nist_summary *sum, char *const *files, size_t nf,
                         gn_fit_solver solver, int mp, mpfr_prec_t prec, FILE *msg,
                         const char *who, val_nist_row_fn *row, void *ctx)
{
    memset(sum, 0, sizeof *sum);
    for (int v = 0; v < VAL_NIST_NSOLV; v++)
        sum->sd_min[v] = INFINITY;
    sum->sd_min_mp = INFINITY;
    int sel = 0;
    for (int v = 0; v < VAL_NIST_NSOLV; v++)
        if (val_nist_solvers[v] == solver)
            sel = v;
    double t0 = gn_io_now();
    for (size_t f = 0; f < nf; f++) {
        gn_io_nist p;
        gn_io_nist_setup s;
        if (val_nist_load(&p, &s, files[f], msg, who) != GN_OK) {
            sum->bad = 1;
            continue;
        }
        gn_status e = GN_OK;
        for (size_t st = 0; st < p.nstart && e == GN_OK; st++) {
            val_nist_row r;
            e = suite_row(&r, &p, &s, st, sel, mp, prec);
            if (e != GN_OK)
                break;
            suite_add(sum, &r, mp);
            if (row)
                row(ctx, &r);
            row_free(&r, p.k);
        }
        gn_io_nist_problem_free(&s);
        gn_io_nist_free(&p);
        if (e != GN_OK)
            return e;
    }
    sum->secs_total = gn_io_now() - t0;
    for (int v = 0; v < VAL_NIST_NSOLV; v++)
        sum->avg[v] = sum->cnt ? sum->avg[v] / (double)sum->cnt : 0.0;
    sum->avg_mp = sum->cntmp ? sum->avg_mp / (double)sum->cntmp : 0.0;
    sum->avgpass = sum->avg[sel] >= VAL_NIST_TARGET_CERES_AVG;
    sum->pass = !sum->bad && sum->miss_double == 0 && sum->miss_mp == 0 && sum->avgpass;
    return GN_OK;
}
