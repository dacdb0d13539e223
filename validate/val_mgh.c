/* val_mgh.c: the More-Garbow-Hillstrom problems in residual mode, read, compiled and run
 * in double and MPFR (val_mgh.h). */
#include "val_mgh.h"
#include "gn_io.h"
#include "gn_mp_fit.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* s without leading and trailing blanks (in place) */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

void val_mgh_free(val_mgh *p)
{
    gn_expr_free(p->e);
    char *own[] = {p->path, p->name, p->start, p->fmin_str, p->res};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        free(own[i]);
    free(p->b0);
    memset(p, 0, sizeof *p);
}

/* the residual lines: appended to p->res ("; " between), each one's file line and offset */
typedef struct {
    size_t *line, *off;
    size_t n, cap, len;
} res_lines;

static int add_residual(val_mgh *p, res_lines *rl, const char *s, size_t lineno)
{
    size_t sl = strlen(s);
    if (rl->n == rl->cap) {
        size_t nc = rl->cap ? 2 * rl->cap : 16;
        size_t *nl = realloc(rl->line, nc * sizeof *nl), *no = nl ? realloc(rl->off, nc * sizeof *no) : NULL;
        if (nl)
            rl->line = nl;
        if (!no)
            return -1;
        rl->off = no;
        rl->cap = nc;
    }
    char *nr = realloc(p->res, rl->len + sl + 3);
    if (!nr)
        return -1;
    p->res = nr;
    if (rl->n) {
        memcpy(p->res + rl->len, "; ", 2);
        rl->len += 2;
    }
    rl->line[rl->n] = lineno;
    rl->off[rl->n++] = rl->len;
    memcpy(p->res + rl->len, s, sl + 1);
    rl->len += sl;
    return 0;
}

/* key lines and residual lines of the file into p; 0 or -1 (err written) / -2 (memory) */
static int read_lines(val_mgh *p, res_lines *rl, FILE *f, const char *path, size_t *kline,
                      char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int inres = 0, rc = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        char *h = strchr(line, '#');
        if (h)
            *h = 0;
        char *s = trim(line);
        if (!*s)
            continue;
        if (inres) {
            rc = add_residual(p, rl, s, lineno) ? -2 : 0;
            continue;
        }
        size_t kl = strcspn(s, " \t");
        char *v = trim(s + kl);
        char **slot = NULL;
        if (kl == 4 && !strncmp(s, "name", 4))
            slot = &p->name, kline[0] = lineno;
        else if (kl == 5 && !strncmp(s, "start", 5))
            slot = &p->start, kline[1] = lineno;
        else if (kl == 7 && !strncmp(s, "minimum", 7))
            slot = &p->fmin_str, kline[2] = lineno;
        else if (kl == 9 && !strncmp(s, "residuals", 9) && !*v)
            inres = 1;
        else {
            gn_io_errf(err, errlen, "%s:%zu: '%.*s' is not a key (name, start, minimum, "
                       "residuals)", path, lineno, (int)kl, s);
            rc = -1;
        }
        if (slot && *slot) {
            gn_io_errf(err, errlen, "%s:%zu: '%.*s' given twice", path, lineno, (int)kl, s);
            rc = -1;
        } else if (slot && !(*slot = dupn(v, strlen(v))))
            rc = -2;
    }
    free(line);
    if (rc == 0 && (!p->name || !p->start || !p->fmin_str || !rl->n)) {
        gn_io_errf(err, errlen, "%s: needs the keys name, start, minimum and residuals (with at "
                   "least one residual line)", path);
        rc = -1;
    }
    return rc;
}

/* compile the residuals; a compiler error is located at its file line and column */
static gn_status compile(val_mgh *p, const res_lines *rl, const char *path, char *err,
                         size_t errlen)
{
    gn_expr_opts o = {0};
    o.named = o.list = 1;
    gn_expr_error ee;
    gn_status st = gn_expr_compile_opts(&p->e, p->res, &o, &ee);
    if (st == GN_EINPUT) {
        size_t r = 0;
        while (r + 1 < rl->n && rl->off[r + 1] <= ee.pos)
            r++;
        gn_io_errf(err, errlen, "%s:%zu:%zu: %s", path, rl->line[r],
                   ee.pos >= rl->off[r] ? ee.pos - rl->off[r] + 1 : 1, ee.msg);
    }
    return st;
}

gn_status val_mgh_load(val_mgh *p, const char *path, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    FILE *f = gn_io_open_input(path, "an MGH problem file", err, errlen);
    if (!f)
        return GN_EINPUT;
    res_lines rl = {0};
    size_t kline[3] = {0, 0, 0};
    int rc = read_lines(p, &rl, f, path, kline, err, errlen);
    fclose(f);
    gn_status st = rc == -2 ? GN_ENOMEM : rc ? GN_EINPUT : GN_OK;
    if (st == GN_OK && !(p->path = dupn(path, strlen(path))))
        st = GN_ENOMEM;
    if (st == GN_OK)
        st = compile(p, &rl, path, err, errlen);
    if (st == GN_OK) {
        p->m = p->e->nroots;
        p->k = p->e->nparams;
        char *end;
        p->fmin = strtod(p->fmin_str, &end);
        p->fmin_digits = p->fmin > 0.0 ? gn_io_sigdigits(p->fmin_str) : 0;
        if (*end || !isfinite(p->fmin) || p->fmin < 0.0) {
            gn_io_errf(err, errlen, "%s:%zu: minimum '%s' is not a number >= 0", path, kline[2],
                       p->fmin_str);
            st = GN_EINPUT;
        } else if (p->k == 0 || p->m < p->k) {
            gn_io_errf(err, errlen, "%s: %zu residuals for %zu parameters (need at least one "
                       "parameter and as many residuals)", path, p->m, p->k);
            st = GN_EINPUT;
        }
    }
    if (st == GN_OK && !(p->b0 = malloc(p->k * sizeof(double))))
        st = GN_ENOMEM;
    if (st == GN_OK) {
        gn_expr_error ee;
        gn_status ss = gn_expr_start(p->b0, p->e, p->start, &ee);
        if (ss != GN_OK) {
            gn_io_errf(err, errlen, "%s:%zu: start: %s", path, kline[1], ee.msg);
            st = ss == GN_ENOMEM ? GN_ENOMEM : GN_EINPUT;
        }
    }
    free(rl.line);
    free(rl.off);
    if (st == GN_ENOMEM)
        gn_io_errf(err, errlen, "out of memory");
    if (st != GN_OK)
        val_mgh_free(p);
    return st;
}

void val_mgh_result_free(val_mgh_result *r)
{
    free(r->b);
    memset(r, 0, sizeof *r);
}

/* the MPFR reference from the same start: its report, S and estimates (rounded) in bm */
static gn_status run_mp(val_mgh_result *r, const val_mgh *p, double *bm, mpfr_prec_t prec)
{
    const size_t k = p->k;
    mpfr_ptr v = malloc(2 * k * sizeof *v);
    if (!v)
        return GN_ENOMEM;
    for (size_t q = 0; q < 2 * k; q++)
        mpfr_init2(v + q, prec);
    for (size_t q = 0; q < k; q++)
        mpfr_set_d(v + k + q, p->b0[q], MPFR_RNDN);
    gn_mp_fit_problem mp = {p->e, NULL, p->m, 0, NULL, NULL, NULL};
    r->mst = gn_mp_fit_run(v, &r->mrep, &mp, v + k, NULL, prec);
    r->mS = r->mrep.rss;
    for (size_t q = 0; q < k; q++)
        bm[q] = mpfr_get_d(v + q, MPFR_RNDN);
    for (size_t q = 0; q < 2 * k; q++)
        mpfr_clear(v + q);
    free(v);
    r->mp = 1;
    return GN_OK;
}

gn_status val_mgh_run(val_mgh_result *r, const val_mgh *p, int mp, mpfr_prec_t prec)
{
    memset(r, 0, sizeof *r);
    const size_t k = p->k;
    r->b = malloc(k * sizeof(double));
    double *bm = malloc(k * sizeof(double));
    if (!r->b || !bm) {
        free(bm);
        val_mgh_result_free(r);
        return GN_ENOMEM;
    }
    gn_fit_problem fp = {p->e, NULL, p->m, 0, NULL, NULL, NULL};
    gn_fit_params par = gn_fit_params_default();
    par.solver = GN_FIT_QR;
    double S0 = 0.0;
    for (size_t i = 0; i < p->m; i++) {
        double f;
        gn_expr_eval_root(p->e, i, &f, NULL, p->b0, NULL);
        S0 += f * f;
    }
    double t0 = gn_io_now();
    r->st = gn_fit_run(r->b, &r->rep, &fp, p->b0, &par);
    r->secs = gn_io_now() - t0;
    r->S = r->rep.rss;
    if (p->fmin > 0.0)
        r->tol = pow(10.0, floor(log10(p->fmin)) - p->fmin_digits + 1);
    else
        r->tol = 0x1p-52 * S0;
    r->reached = r->st == GN_OK && fabs(r->S - p->fmin) <= r->tol;
    double *se = malloc((k + 1) * sizeof(double));
    gn_status cst = !se ? GN_ENOMEM
                  : r->st == GN_OK ? gn_fit_covar(&r->stats, se, NULL, NULL, NULL, &fp, r->b)
                                   : GN_EINPUT;
    free(se);
    if (cst == GN_ENOMEM) {
        free(bm);
        val_mgh_result_free(r);
        return GN_ENOMEM;
    }
    r->end = r->st == GN_OK && cst == GN_OK ? gn_fit_classify(&r->rep, &r->stats)
                                            : GN_FIT_END_FAILED;
    r->lre = p->fmin > 0.0 && r->st == GN_OK ? gn_io_lre(r->S, p->fmin, p->fmin_digits) : NAN;
    r->agree = r->agree_b = NAN;
    if (mp && run_mp(r, p, bm, prec) != GN_OK) {
        free(bm);
        val_mgh_result_free(r);
        return GN_ENOMEM;
    }
    if (r->mp && r->mst == GN_OK) {
        r->mreached = fabs(r->mS - p->fmin) <= r->tol;
        if (p->fmin > 0.0)
            r->agree = gn_io_lre(r->S, r->mS, 17);
        r->agree_b = 17.0;
        for (size_t q = 0; q < k; q++)
            r->agree_b = fmin(r->agree_b, gn_io_lre(r->b[q], bm[q], 17));
    }
    free(bm);
    return GN_OK;
}

void val_mgh_files_free(char **files, size_t n)
{
    gn_io_dir_list_free(files, n);
}

gn_status val_mgh_files(char ***files, size_t *n, const char *dir, char *err, size_t errlen)
{
    return gn_io_dir_list(files, n, dir, ".mgh", err, errlen);
}
