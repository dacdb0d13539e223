/* audit_bstream.c: the stream driver of `gnlab audit` for mini-batch traces
 * (val_audit_bstream): read each record (core/io's gn_io_btrace reader), recompute and
 * judge it (audit_batch.c), try the mini-batch catalogue on disagreeing steps
 * (audit_bcatalogue.c), including the neighbour check of a repeated record. */
#include "val_audit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double *w, *wa;
    size_t d;
    int have;
} prevrec;

static int same(const double *a, const double *b, size_t n)
{
    return a && b && !memcmp(a, b, n * sizeof *a);
}

static void remember(prevrec *p, const gn_io_btrace_rec *r)
{
    p->have = 0;
    if (!(r->has_v >> GN_IO_BTRACE_V_WAFTER & 1u))
        return;
    if (p->d != r->d) {
        free(p->w);
        free(p->wa);
        p->w = malloc(r->d * sizeof *p->w);
        p->wa = malloc(r->d * sizeof *p->wa);
        p->d = p->w && p->wa ? r->d : 0;
    }
    if (!p->d)
        return;
    memcpy(p->w, r->v[GN_IO_BTRACE_V_W], r->d * sizeof *p->w);
    memcpy(p->wa, r->v[GN_IO_BTRACE_V_WAFTER], r->d * sizeof *p->wa);
    p->have = 1;
}

/* the catalogue on one disagreeing step */
static void diagnose(val_audit_summary *s, val_audit_bwork *wk, const gn_io_btrace_rec *r,
                     const prevrec *prev, int repeated)
{
    for (size_t c = 0; c < val_audit_nbcatalogue && c < VAL_AUDIT_MAXCAT; c++) {
        const val_audit_bvariant *v = &val_audit_bcatalogue[c];
        /* a repeated record whose arithmetic is right: only the neighbour rows can explain
         * it (every variant equal to the rule at this record would "reproduce" it) */
        if (!(v->methods >> r->method & 1u) || (repeated && !v->neighbour))
            continue;
        double q = INFINITY, e, b;
        gn_status st = GN_OK;
        if (v->neighbour) {
            if (!prev->have)
                continue;
            q = same(prev->w, r->v[GN_IO_BTRACE_V_W], r->d) &&
                        (r->has_v >> GN_IO_BTRACE_V_WAFTER & 1u) &&
                        same(prev->wa, r->v[GN_IO_BTRACE_V_WAFTER], r->d)
                    ? 0.0 : INFINITY;
        } else
            st = val_audit_brule(&q, &e, &b, wk, r, &v->knobs, NULL, 0);
        if (st == GN_EZERO || st == GN_ERANGE)
            continue; /* the variant does not apply here: neutral */
        s->tried[c]++;
        if (st == GN_OK && q <= 1.0) {
            s->matched[c]++;
            if (q > s->var_err[c])
                s->var_err[c] = q;
        }
    }
}

gn_status val_audit_bstream(val_audit_summary *s, FILE *f, const char *name, const char *first,
                            size_t first_line, const val_audit_opts *o,
                            void (*cb)(const val_audit_step *st, void *arg), void *arg,
                            char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->batch = 1;
    val_audit_opts def = val_audit_opts_default();
    if (!o)
        o = &def;
    if (val_audit_nbcatalogue > VAL_AUDIT_MAXCAT) {
        snprintf(err, errlen, "catalogue larger than VAL_AUDIT_MAXCAT");
        return GN_ESIZE;
    }
    gn_io_btrace_reader *rd = gn_io_btrace_reader_open(f, name, first, first_line);
    val_audit_bwork *wk = val_audit_bwork_alloc(o->prec);
    prevrec prev = {NULL, NULL, 0, 0};
    gn_status ret = GN_OK;
    size_t listed = 0;
    if (!rd || !wk)
        ret = GN_ENOMEM;
    while (ret == GN_OK) {
        const gn_io_btrace_rec *r;
        char msg[512], why[sizeof s->undet_why];
        ret = gn_io_btrace_next(rd, &r, err, errlen);
        if (ret != GN_OK || !r)
            break;
        double q, e, B;
        why[0] = '\0';
        gn_status st = val_audit_brule(&q, &e, &B, wk, r, NULL, msg, sizeof msg);
        if (st == GN_ENOMEM) {
            ret = st;
            break;
        }
        if (st == GN_ERANGE || st == GN_EZERO)
            snprintf(why, sizeof why, "%s:%.500s", name ? name : "trace", msg);
        else if (st != GN_OK) {
            snprintf(err, errlen, "%s:%s", name ? name : "trace", msg);
            ret = GN_EINPUT;
            break;
        }
        int undet = st != GN_OK;
        val_audit_step step = {r->index, r->line, (gn_io_trace_method)r->method, r->dtype, e,
                               B, 0, st, undet, why[0] ? why : NULL, 1};
        /* a record equal to its neighbour (w and w_after as the previous record's, the
         * step moving w) is no step: the trace was recorded wrongly, whatever its
         * arithmetic (a repeated step without a step column) */
        int repeated = !undet && prev.have && same(prev.w, r->v[GN_IO_BTRACE_V_W], r->d) &&
                       (r->has_v >> GN_IO_BTRACE_V_WAFTER & 1u) &&
                       same(prev.wa, r->v[GN_IO_BTRACE_V_WAFTER], r->d) &&
                       !same(prev.w, prev.wa, r->d) && q <= 1.0;
        if (repeated)
            q = INFINITY;
        int dis = val_audit_note(s, &step, q, q <= 1.0, why, (int)r->method);
        if ((undet || dis) && cb && listed < o->max_listed) {
            cb(&step, arg);
            listed++;
        }
        if (dis && o->diagnose)
            diagnose(s, wk, r, &prev, repeated);
        remember(&prev, r);
    }
    free(prev.w);
    free(prev.wa);
    gn_io_btrace_reader_free(rd);
    val_audit_bwork_free(wk);
    return ret;
}

val_audit_vinfo val_audit_variant_info(const val_audit_summary *s, size_t idx)
{
    val_audit_vinfo v = {NULL, NULL, 0, 0};
    if (s && s->batch) {
        if (idx < val_audit_nbcatalogue) {
            const val_audit_bvariant *b = &val_audit_bcatalogue[idx];
            v.name = b->name;
            v.description = b->description;
            v.tolerance = b->tolerance;
            v.logging = b->logging;
        }
    } else if (idx < val_audit_ncatalogue) {
        const val_audit_variant *a = &val_audit_catalogue[idx];
        v.name = a->name;
        v.description = a->description;
        v.tolerance = a->centre != NULL;
        v.logging = a->logging;
    }
    return v;
}
