/* audit.c: the stream driver of `gnlab audit` (val_audit_stream): read each record
 * (core/io trace reader), recompute it by the paper's rule (audit_rules.c), judge it against
 * its bound (audit_bound.c), and on a disagreeing step try the catalogue
 * (audit_catalogue.c); then rank the variants that reproduced every step they were tried on. */
#include "val_audit.h"
#include "val_audit_screen.h"

#include <math.h>
#include <stdio.h>
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

gn_status val_audit_stream(val_audit_summary *s, FILE *f, const char *name, const val_audit_opts *o,
                          void (*cb)(const val_audit_step *st, void *arg), void *arg, char *err,
                          size_t errlen)
{
    memset(s, 0, sizeof *s);
    val_audit_opts def = val_audit_opts_default();
    if (!o)
        o = &def;
    if (val_audit_ncatalogue > VAL_AUDIT_MAXCAT) {
        snprintf(err, errlen, "catalogue larger than VAL_AUDIT_MAXCAT");
        return GN_ESIZE;
    }
    gn_io_trace_reader *rd = gn_io_trace_reader_open(f, name);
    val_audit_work *wk = val_audit_work_alloc(o->prec);
    gn_status ret = GN_OK;
    if (!rd || !wk) {
        ret = GN_ENOMEM;
        goto out;
    }
    size_t listed = 0;
    for (;;) {
        const gn_io_trace_rec *r;
        char msg[512];
        ret = gn_io_trace_next(rd, &r, err, errlen);
        if (ret != GN_OK || !r)
            break;
        /* a step the screen proves agreeing and not the largest needs no MPFR */
        if (!o->exact &&
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
                               why[0] ? why : NULL};
        s->steps++;
        s->dtypes |= 1u << r->dtype;
        s->methods |= 1u << r->method;
        if (undet) {
            s->undetermined++;
            if (!s->have_undet) {
                s->have_undet = 1;
                s->first_undet = step;
                s->first_undet.why = NULL;
            }
            if (why[0] && !s->undet_why[0])
                snprintf(s->undet_why, sizeof s->undet_why, "%s", why);
            if (cb && listed < o->max_listed) {
                cb(&step, arg);
                listed++;
            }
            continue;
        }
        int agree = e <= B;
        double ratio = B > 0 ? e / B : INFINITY;
        if (!s->have_largest || ratio > s->largest_ratio || (ratio != ratio)) {
            s->have_largest = 1;
            s->largest_ratio = ratio;
            s->largest = step;
        }
        if (agree)
            continue;
        s->disagree++;
        if (!s->have_first) {
            s->have_first = 1;
            s->first = step;
        }
        if (cb && listed < o->max_listed) {
            cb(&step, arg);
            listed++;
        }
        if (!o->diagnose)
            continue;
        /* the bound the variant must meet is the paper rule's B at this record (the
         * variants change the formula, not the arithmetic's rounding) */
        double Bd = B;
        int nonfinite = any_nonfinite(r);
        for (size_t c = 0; c < val_audit_ncatalogue; c++) {
            const val_audit_variant *v = &val_audit_catalogue[c];
            if (!(v->methods >> r->method & 1u) || (v->f64_only && r->dtype == GN_IO_TRACE_F32))
                continue;
            s->tried[c]++;
            double ev;
            size_t wv;
            gn_status sv = v->recompute(&ev, &wv, wk, r, NULL, 0);
            double tol = Bd + (v->slack ? v->slack(r) : 0.0);
            if (sv == GN_OK && ev <= tol) {
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
out:
    gn_io_trace_reader_free(rd);
    val_audit_work_free(wk);
    return ret;
}

size_t val_audit_matches(size_t *idx, size_t cap, const val_audit_summary *s)
{
    size_t cand[VAL_AUDIT_MAXCAT], n = 0;
    for (size_t c = 0; c < val_audit_ncatalogue && c < VAL_AUDIT_MAXCAT; c++)
        if (s->tried[c] > 0 && s->matched[c] == s->tried[c])
            cand[n++] = c;
    /* exact variants first, then by how tightly they fit */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0; b--) {
            size_t x = cand[b - 1], y = cand[b];
            int sx = val_audit_catalogue[x].slack != NULL, sy = val_audit_catalogue[y].slack != NULL;
            if (sx > sy || (sx == sy && s->var_err[x] > s->var_err[y])) {
                cand[b - 1] = y;
                cand[b] = x;
            }
        }
    for (size_t i = 0; i < n && i < cap; i++)
        idx[i] = cand[i];
    return n;
}
