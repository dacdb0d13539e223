/* audit.c: the stream driver of `gnlab audit` (val_audit_stream): read each record
 * (core/io trace reader), recompute it by the paper's rule (audit_rules.c), judge it against
 * its bound (audit_bound.c), and on a disagreeing step try the catalogue
 * (audit_catalogue.c); then rank the variants that reproduced every step they were tried on. */
#include "val_audit.h"
#include "val_audit_screen.h"

#include "gn_jsonl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

val_audit_opts val_audit_opts_default(void)
{
    val_audit_opts o = {128, 1, 20, 0, 0.0};
    return o;
}

static int any_nonfinite(const gn_io_trace_rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (!isfinite(r->v[GN_IO_TRACE_V_WAFTER][i]))
            return 1;
    return 0;
}

/* reads up to the first line that is neither blank nor a '#' comment; *line (malloc'd, as
 * getline gives it) and its number, or NULL at EOF or on a read error (the reader then
 * reports it). 1 when that line is a JSON object whose method is a mini-batch method. */
static int peek_batch(char **line, size_t *lineno, FILE *f)
{
    size_t cap = 0;
    *line = NULL;
    *lineno = 0;
    for (;;) {
        ssize_t k = getline(line, &cap, f);
        if (k < 0) {
            free(*line);
            *line = NULL;
            return 0;
        }
        ++*lineno;
        const char *p = *line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\n' || *p == '\r' || *p == '\0' || *p == '#')
            continue;
        char m[48];
        return *p == '{' && gn_io_jfield(m, sizeof m, p, "method") == 0 &&
               gn_io_btrace_is_batch_method(m);
    }
}

int val_audit_note(val_audit_summary *s, const val_audit_step *step, double ratio, int agree,
                   const char *why, int method)
{
    s->steps++;
    s->dtypes |= 1u << step->dtype;
    s->methods |= 1u << method;
    if (step->undetermined) {
        s->undetermined++;
        if (!s->have_undet) {
            s->have_undet = 1;
            s->first_undet = *step;
            s->first_undet.why = NULL;
        }
        if (why && why[0] && !s->undet_why[0])
            snprintf(s->undet_why, sizeof s->undet_why, "%s", why);
        return 0;
    }
    if (!s->have_largest || ratio > s->largest_ratio || ratio != ratio) {
        s->have_largest = 1;
        s->largest_ratio = ratio;
        s->largest = *step;
    }
    if (agree)
        return 0;
    s->disagree++;
    if (!s->have_first) {
        s->have_first = 1;
        s->first = *step;
    }
    return 1;
}

/* the catalogue tried on a disagreeing step r (its error e, bound B): each variant that
 * applies counts the step as tried, and as matched when it reproduces it within B (a
 * tolerance variant only when the recorded value is nearer its centre than the paper's) */
static void diagnose_step(val_audit_summary *s, val_audit_work *wk, const gn_io_trace_rec *r,
                          double e, double B, int repeated)
{
    /* the bound the variant must meet is the paper rule's B at this record (the
     * variants change the formula, not the arithmetic's rounding) */
    double Bd = B;
    int nonfinite = any_nonfinite(r);
    for (size_t c = 0; c < val_audit_ncatalogue; c++) {
        const val_audit_variant *v = &val_audit_catalogue[c];
        if (!(v->methods >> r->method & 1u) || (v->f64_only && r->dtype == GN_IO_TRACE_F32))
            continue;
        /* the neighbour row explains a repeated record and nothing else; a repeated
         * record with right arithmetic is explained by nothing else */
        if ((v->recompute == val_audit_log_repeated) != repeated)
            continue;
        s->tried[c]++;
        double ev;
        size_t wv;
        gn_status sv = v->recompute(&ev, &wv, wk, r, NULL, 0);
        double tol = Bd, ec;
        size_t wc;
        if (sv == GN_OK && ev <= tol && v->centre &&
            !(v->centre(&ec, &wc, wk, r, NULL, 0) == GN_OK && ec < e)) {
            /* the band covers the paper's value: no nearer the variant than the paper's
             * rule, so neither for nor against it */
            s->tried[c]--;
        } else if (sv == GN_OK && ev <= tol) {
            s->matched[c]++;
            if (ev / tol > s->var_err[c])
                s->var_err[c] = ev / tol;
        } else if (sv == GN_EZERO && nonfinite) {
            /* the paper's rule is defined here, the variant divides by zero, and the
             * trace shows NaN / inf: the undamped-IGND-at-j = 0 failure */
            s->matched[c]++;
        } else if (sv == GN_EZERO) {
            /* the variant is undefined here and the trace finite: neutral, as an
             * undefined step of the paper's rule is (an implementation guards it) */
            s->tried[c]--;
        }
    }
}

gn_status val_audit_stream(val_audit_summary *s, FILE *f, const char *name, const val_audit_opts *o,
                          void (*cb)(const val_audit_step *st, void *arg), void *arg, char *err,
                          size_t errlen)
{
    char *first;
    size_t first_line;
    if (peek_batch(&first, &first_line, f)) {
        gn_status st = val_audit_bstream(s, f, name, first, first_line, o, cb, arg, err, errlen);
        free(first);
        return st;
    }
    memset(s, 0, sizeof *s);
    val_audit_opts def = val_audit_opts_default();
    if (!o)
        o = &def;
    if (val_audit_ncatalogue > VAL_AUDIT_MAXCAT) {
        snprintf(err, errlen, "catalogue larger than VAL_AUDIT_MAXCAT");
        return GN_ESIZE;
    }
    gn_io_trace_reader *rd = gn_io_trace_reader_open_at(f, name, first, first_line);
    free(first);
    val_audit_work *wk = val_audit_work_alloc(o->prec);
    gn_status ret = GN_OK;
    if (!rd || !wk) {
        ret = GN_ENOMEM;
        goto out;
    }
    size_t listed = 0, prev_n = 0;
    double *prev_w = NULL, *prev_wa = NULL;
    int prev_ok = 0;
    for (;;) {
        const gn_io_trace_rec *r;
        char msg[512];
        ret = gn_io_trace_next(rd, &r, err, errlen);
        if (ret != GN_OK || !r)
            break;
        /* a record equal to its neighbour (w and w_after as the previous record's, the step
         * moving w) is no step: the trace was recorded wrongly (a repeated step in a trace
         * without a step column), whatever its arithmetic; compared before the screen, which
         * would otherwise pass it as agreeing */
        size_t vb = r->n * sizeof(double);
        int same = prev_ok && prev_n == r->n && (r->has_v >> GN_IO_TRACE_V_W & 1u) &&
                   (r->has_v >> GN_IO_TRACE_V_WAFTER & 1u) &&
                   !memcmp(prev_w, r->v[GN_IO_TRACE_V_W], vb) &&
                   !memcmp(prev_wa, r->v[GN_IO_TRACE_V_WAFTER], vb) &&
                   memcmp(prev_w, prev_wa, vb);
        if (prev_n != r->n) {
            free(prev_w);
            free(prev_wa);
            prev_w = malloc(vb ? vb : 1);
            prev_wa = malloc(vb ? vb : 1);
            prev_n = prev_w && prev_wa ? r->n : 0;
        }
        prev_ok = prev_n == r->n && (r->has_v >> GN_IO_TRACE_V_W & 1u) &&
                  (r->has_v >> GN_IO_TRACE_V_WAFTER & 1u);
        if (prev_ok) {
            memcpy(prev_w, r->v[GN_IO_TRACE_V_W], vb);
            memcpy(prev_wa, r->v[GN_IO_TRACE_V_WAFTER], vb);
        }
        /* a step the screen proves agreeing and not the largest needs no MPFR */
        if (!o->exact && !same &&
            val_audit_screen(wk, r, s->have_largest ? s->largest_ratio : -INFINITY, o->loosen)) {
            s->steps++;
            s->screened++;
            s->dtypes |= 1u << r->dtype;
            s->methods |= 1u << r->method;
            continue;
        }
        double e;
        size_t worst;
        gn_status st = val_audit_rule(&e, &worst, wk, r, NULL, msg, sizeof msg);
        if (st == GN_ENOMEM) {
            ret = st;
            break;
        }
        char why[sizeof s->undet_why];
        why[0] = '\0';
        if (st == GN_ERANGE) /* the reference declines: undetermined, located */
            snprintf(why, sizeof why, "%s:%.500s", name ? name : "trace", msg);
        else if (st != GN_OK && st != GN_EZERO) {
            snprintf(err, errlen, "%s:%s", name ? name : "trace", msg);
            ret = GN_EINPUT;
            break;
        }
        double B = st == GN_OK ? val_audit_bound(wk, r) : INFINITY;
        /* an infinite B (k u >= 1/2: l', l'' derived where the loss is too ill-conditioned
         * for the type) or an undefined rule proves nothing either way: undetermined */
        int undet = st != GN_OK || !(B < INFINITY);
        val_audit_step step = {r->index, r->line, r->method, r->dtype, e, B, worst, st, undet,
                               why[0] ? why : NULL, 0};
        int agree = e <= B;
        double ratio = B > 0 ? e / B : INFINITY;
        int repeated = !undet && agree && same;
        if (repeated)
            agree = 0, ratio = INFINITY;
        int dis = val_audit_note(s, &step, ratio, agree, why, r->method);
        if (cb && listed < o->max_listed && (undet || dis)) {
            cb(&step, arg);
            listed++;
        }
        if (!dis)
            continue;
        if (!o->diagnose)
            continue;
        diagnose_step(s, wk, r, e, B, repeated);
    }
    free(prev_w);
    free(prev_wa);
out:
    gn_io_trace_reader_free(rd);
    val_audit_work_free(wk);
    return ret;
}

size_t val_audit_matches(size_t *idx, size_t cap, const val_audit_summary *s)
{
    size_t cand[VAL_AUDIT_MAXCAT], n = 0;
    size_t ncat = s->batch ? val_audit_nbcatalogue : val_audit_ncatalogue;
    for (size_t c = 0; c < ncat && c < VAL_AUDIT_MAXCAT; c++)
        if (s->tried[c] > 0 && s->matched[c] == s->tried[c])
            cand[n++] = c;
    /* exact variants first, then by how tightly they fit */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0; b--) {
            size_t x = cand[b - 1], y = cand[b];
            int sx = val_audit_variant_info(s, x).tolerance, sy = val_audit_variant_info(s, y).tolerance;
            if (sx > sy || (sx == sy && s->var_err[x] > s->var_err[y])) {
                cand[b - 1] = y;
                cand[b] = x;
            }
        }
    for (size_t i = 0; i < n && i < cap; i++)
        idx[i] = cand[i];
    return n;
}
