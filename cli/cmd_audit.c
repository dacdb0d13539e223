/* cmd_audit.c: `gnlab audit TRACE`: each step of an optimizer's trace recomputed in MPFR and
 * judged at the trace's own precision; on disagreement the catalogue names the bug.
 * `gnlab audit --bench` measures the throughput on generated traces. */
#include "cli.h"
#include "val_audit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *const CMD = "audit";

static void help(void)
{
    printf("Usage: gnlab audit [OPTIONS] TRACE\n"
           "  or:  gnlab audit --catalogue\n"
           "  or:  gnlab audit --bench [--dim D] [--steps N] [--prec BITS]\n\n"
           "Recomputes every step of an optimizer trace (CSV or JSON Lines, one record per\n"
           "step: docs/trace-format.md; TRACE '-' reads standard input) in MPFR from its\n"
           "recorded inputs, compares the recorded w_after in the mixed measure of MATH.md 13\n"
           "at the trace's own unit roundoff, and tries the catalogue of known wrong variants\n"
           "when a step disagrees. Mini-batch records (methods egn, lm, ignd_batch,\n"
           "gn_batch_undamped; JSON Lines only) carry J, r, Q and are recomputed by solving\n"
           "MATH.md 9's system in MPFR, judged normwise against a bound with the solve's\n"
           "condition number in it (docs/audit.md); too ill-conditioned: undetermined.\n"
           "Catalogue rows marked 'trace recorded wrongly' name a logging mistake (w after\n"
           "the update, Adam's t off by one, a repeated record, ...), not a numerical bug.\n\n"
           "options:\n"
           "  --json          JSON Lines instead of the table\n"
           "  --prec BITS     MPFR precision (64 .. 4096, default 128)\n"
           "  --list N        print at most N disagreeing steps (default 10)\n"
           "  --no-diagnose   do not try the catalogue\n"
           "  --exact         MPFR for every step (no double-double screen; same verdicts)\n"
           "  --catalogue     print the catalogue of known wrong variants\n"
           "  --bench         throughput on generated IGND and Adam traces (CSV and JSONL)\n"
           "  --dim D         dimension for --bench (default 100)\n"
           "  --steps N       steps per generated trace for --bench (default 2000)\n\n"
           "A step is undetermined when its bound is infinite (l', l'' derived from (loss, f, y)\n"
           "where the loss is too ill-conditioned for the type, e.g. BCE beyond |f| ~ 36 in\n"
           "float64) or its rule is undefined at the inputs (j = 0, l' = 0): no evidence either\n"
           "way; record lp and lpp in the trace. BCE with |f| > 4096 and l', l'' not recorded\n"
           "is undetermined too (the BCE reference declines; FILE:LINE:COLUMN names f).\n\n"
           "exit status: 0 every step agrees, 1 some step disagrees, 2 bad usage or input,\n"
           "3 undetermined (none disagrees, some step is undetermined).\n");
}

typedef struct {
    int json;
    size_t shown;
} show_ctx;

static const char *step_method(const val_audit_step *st)
{
    return st->batch ? gn_io_btrace_method_name((gn_io_btrace_method)st->method)
                     : gn_io_trace_method_name(st->method);
}


static void on_step(const val_audit_step *st, void *arg)
{
    show_ctx *c = arg;
    if (c->json) {
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "kind", "step");
        gn_io_jl_int(&j, "index", (long long)st->index);
        gn_io_jl_int(&j, "line", (long long)st->line);
        gn_io_jl_str(&j, "method", step_method(st));
        gn_io_jl_str(&j, "dtype", st->dtype == GN_IO_TRACE_F32 ? "float32" : "float64");
        gn_io_jl_num(&j, "err", st->err);
        gn_io_jl_num(&j, "bound", st->bound);
        gn_io_jl_int(&j, "component", (long long)st->worst);
        gn_io_jl_str(&j, "status", st->status == GN_OK ? "computed" : "undefined");
        gn_io_jl_str(&j, "verdict", st->undetermined ? "undetermined" : "disagree");
        if (st->why)
            gn_io_jl_str(&j, "why", st->why);
        gn_io_jl_end(&j);
    } else {
        if (c->shown == 0)
            printf(st->batch ? "  disagreeing and undetermined steps (err and bound normwise, "
                               "in units of u_T |d| or u_T (|w| + |alpha v|): docs/audit.md):\n"
                             : "  disagreeing and undetermined steps (err and bound in units of u_T "
                               "(|w_i| + |s_i|)):\n");
        if (st->why)
            printf("    step %-8llu line %-8zu %-13s undetermined: %s\n",
                   (unsigned long long)st->index, st->line, step_method(st),
                   st->why);
        else if (st->status == GN_OK && !(st->bound < INFINITY))
            printf("    step %-8llu line %-8zu %-13s err %-11.4g undetermined: no finite bound, "
                   "l', l'' derived from an ill-conditioned loss; record lp and lpp\n",
                   (unsigned long long)st->index, st->line, step_method(st),
                   st->err);
        else if (st->status == GN_OK && st->batch)
            printf("    step %-8llu line %-8zu %-17s %s  err %-11.4g bound %-9.4g\n",
                   (unsigned long long)st->index, st->line, step_method(st),
                   st->dtype == GN_IO_TRACE_F32 ? "float32" : "float64", st->err, st->bound);
        else if (st->status == GN_OK)
            printf("    step %-8llu line %-8zu %-13s %s  err %-11.4g bound %-9.4g at w[%zu]\n",
                   (unsigned long long)st->index, st->line, step_method(st),
                   st->dtype == GN_IO_TRACE_F32 ? "float32" : "float64", st->err, st->bound,
                   st->worst);
        else
            printf("    step %-8llu line %-8zu %-13s undetermined: the method is undefined at "
                   "these inputs (j = 0 or l' = 0 or l''|j|^2 = 0)\n",
                   (unsigned long long)st->index, st->line, gn_io_trace_method_name(st->method));
    }
    c->shown++;
}

static const char *dtypes_str(uint32_t d)
{
    return d == 1u ? "float64" : d == 2u ? "float32" : d == 3u ? "float64+float32" : "-";
}

static void methods_str(char *buf, size_t len, uint32_t m, int batch)
{
    buf[0] = '\0';
    for (int k = 0; k < (batch ? GN_IO_BTRACE_NM : GN_IO_TRACE_NM); k++)
        if (m >> k & 1u) {
            size_t l = strlen(buf);
            snprintf(buf + l, len - l, "%s%s", l ? "," : "",
                     batch ? gn_io_btrace_method_name((gn_io_btrace_method)k)
                           : gn_io_trace_method_name(k));
        }
}


static void print_catalogue(int json)
{
    for (size_t c = 0; c < val_audit_ncatalogue + val_audit_nbcatalogue; c++) {
        int batch = c >= val_audit_ncatalogue;
        size_t i = batch ? c - val_audit_ncatalogue : c;
        val_audit_variant one = {0};
        if (batch) {
            const val_audit_bvariant *b = &val_audit_bcatalogue[i];
            one.name = b->name;
            one.description = b->description;
            one.methods = b->methods;
            one.logging = b->logging;
        } else
            one = val_audit_catalogue[i];
        const val_audit_variant *v = &one;
        char ms[128];
        methods_str(ms, sizeof ms, v->methods, batch);
        if (json) {
            gn_io_jl j;
            gn_io_jl_begin(&j, stdout);
            gn_io_jl_str(&j, "kind", "variant");
            gn_io_jl_str(&j, "name", v->name);
            gn_io_jl_str(&j, "description", v->description);
            gn_io_jl_str(&j, "methods", ms);
            gn_io_jl_bool(&j, "float64_only", v->f64_only);
            gn_io_jl_bool(&j, "mini_batch", batch);
            gn_io_jl_bool(&j, "trace_recorded_wrongly", v->logging);
            gn_io_jl_end(&j);
        } else {
            printf("%-16s %s%s\n%16s applies to: %s%s\n", v->name,
                   v->logging ? "[trace recorded wrongly] " : "", v->description, "", ms,
                   v->f64_only ? " (float64 traces only)" : "");
        }
    }
}

static int report(const val_audit_summary *s, const char *name, int json)
{
    size_t idx[VAL_AUDIT_MAXCAT];
    size_t nm = val_audit_matches(idx, VAL_AUDIT_MAXCAT, s);
    char ms[160];
    methods_str(ms, sizeof ms, s->methods, s->batch);
    size_t ncat = s->batch ? val_audit_nbcatalogue : val_audit_ncatalogue;
    int agree = s->disagree == 0 && s->undetermined == 0;
    int undet = s->disagree == 0 && s->undetermined > 0;
    const char *verdict = agree ? "agree" : undet ? "undetermined" : "disagree";
    if (json) {
        if (s->disagree)
            for (size_t c = 0; c < ncat; c++) {
                if (!s->tried[c])
                    continue;
                gn_io_jl j;
                gn_io_jl_begin(&j, stdout);
                gn_io_jl_str(&j, "kind", "variant");
                gn_io_jl_str(&j, "name", val_audit_variant_info(s, c).name);
                gn_io_jl_bool(&j, "trace_recorded_wrongly", val_audit_variant_info(s, c).logging);
                gn_io_jl_int(&j, "tried", (long long)s->tried[c]);
                gn_io_jl_int(&j, "matched", (long long)s->matched[c]);
                gn_io_jl_end(&j);
            }
        gn_io_jl j;
        gn_io_jl_begin(&j, stdout);
        gn_io_jl_str(&j, "kind", "verdict");
        gn_io_jl_str(&j, "trace", name);
        gn_io_jl_str(&j, "methods", ms);
        gn_io_jl_str(&j, "dtype", dtypes_str(s->dtypes));
        gn_io_jl_int(&j, "steps", (long long)s->steps);
        gn_io_jl_int(&j, "disagree", (long long)s->disagree);
        gn_io_jl_int(&j, "undetermined", (long long)s->undetermined);
        if (s->have_largest) {
            gn_io_jl_num(&j, "largest_err", s->largest.err);
            gn_io_jl_num(&j, "largest_err_bound", s->largest.bound);
            gn_io_jl_int(&j, "largest_err_step", (long long)s->largest.index);
        }
        if (s->have_first) {
            gn_io_jl_int(&j, "first_disagree_step", (long long)s->first.index);
            gn_io_jl_int(&j, "first_disagree_line", (long long)s->first.line);
        }
        char diag[512] = "";
        for (size_t k = 0; k < nm; k++) {
            size_t l = strlen(diag);
            snprintf(diag + l, sizeof diag - l, "%s%s", k ? "," : "",
                     val_audit_variant_info(s, idx[k]).name);
        }
        if (s->have_undet) {
            gn_io_jl_int(&j, "first_undetermined_step", (long long)s->first_undet.index);
            gn_io_jl_int(&j, "first_undetermined_line", (long long)s->first_undet.line);
        }
        if (s->undet_why[0])
            gn_io_jl_str(&j, "declined", s->undet_why);
        gn_io_jl_str(&j, "diagnosis", !s->disagree ? "" : nm ? diag : "unknown");
        gn_io_jl_str(&j, "verdict", verdict);
        gn_io_jl_end(&j);
    } else {
        printf("  trace          %s\n", name);
        printf("  steps          %llu  (%s; %s)\n", (unsigned long long)s->steps, ms,
               dtypes_str(s->dtypes));
        printf("  disagreeing    %llu\n", (unsigned long long)s->disagree);
        if (s->undetermined)
            printf("  undetermined   %llu  (first: step %llu, line %zu)\n",
                   (unsigned long long)s->undetermined, (unsigned long long)s->first_undet.index,
                   s->first_undet.line);
        if (s->undet_why[0])
            printf("  declined       %s\n", s->undet_why);
        if (s->have_largest)
            printf("  largest error  %.4g units at step %llu (its bound %.4g)\n", s->largest.err,
               (unsigned long long)s->largest.index, s->largest.bound);
        if (s->have_first)
            printf("  first disagree step %llu, line %zu\n", (unsigned long long)s->first.index,
                   s->first.line);
        printf("  verdict        %s\n",
               agree   ? "AGREE: every step is within its rounding bound"
               : undet && s->batch
                   ? "UNDETERMINED: no step disagrees, but some cannot be judged (a singular or "
                     "too ill-conditioned system: see 'declined')"
               : undet ? "UNDETERMINED: no step disagrees, but some cannot be judged (an infinite "
                         "bound or undefined rule; where l', l'' are derived from the loss, record lp and "
                         "lpp in the trace)"
                       : "DISAGREE");
        if (s->disagree) {
            if (nm == 0)
                printf("  diagnosis      no catalogue variant reproduces the disagreeing steps\n");
            for (size_t k = 0; k < nm; k++) {
                val_audit_vinfo v = val_audit_variant_info(s, idx[k]);
                printf("  %-14s %s%s: %s (reproduces all %llu disagreeing steps it applies to%s)\n",
                       k == 0 ? "diagnosis" : "also",
                       v.logging ? "trace recorded wrongly, " : "", v.name, v.description,
                       (unsigned long long)s->tried[idx[k]],
                       v.tolerance ? "; within its wider tolerance" : "");
            }
        }
    }
    return agree ? GN_EXIT_PASS : undet ? GN_EXIT_UNDETERMINED : GN_EXIT_FAIL;
}

/* ---------------------------------------------------------------- bench */

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* a trace of N steps of the double core's IGND (adam = 0) or Adam (adam = 1) at dimension
 * d, written to a memory buffer */
static char *gen_trace(size_t *len, size_t d, size_t N, int adam, int json, uint64_t seed)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    double *w = calloc(d, sizeof *w), *j = calloc(d, sizeof *j), *w0 = calloc(d, sizeof *w0);
    double *m0 = calloc(d, sizeof *m0), *v0 = calloc(d, sizeof *v0);
    gn_adam *st = gn_adam_alloc(d);
    if (!f || !w || !j || !w0 || !m0 || !v0 || !st) {
        if (f)
            fclose(f);
        free(buf);
        buf = NULL;
        goto out;
    }
    gn_rng rng;
    gn_rng_seed(&rng, seed, adam);
    for (size_t i = 0; i < d; i++)
        w[i] = gn_rng_normal(&rng);
    gn_adam_params ap = gn_adam_params_default();
    gn_damping dmp = {0.5, 0.1};
    gn_io_trace_rec r;
    memset(&r, 0, sizeof r);
    r.method = adam ? GN_IO_TRACE_M_ADAM_IGND : GN_IO_TRACE_M_IGND;
    r.dtype = GN_IO_TRACE_F64;
    r.n = d;
    r.has_s = 1u << GN_IO_TRACE_S_ALPHA | 1u << GN_IO_TRACE_S_LAMBDA | 1u << GN_IO_TRACE_S_MU | 1u << GN_IO_TRACE_S_LP |
              1u << GN_IO_TRACE_S_LPP;
    r.has_v = 1u << GN_IO_TRACE_V_W | 1u << GN_IO_TRACE_V_J | 1u << GN_IO_TRACE_V_WAFTER;
    if (adam) {
        r.has_s |= 1u << GN_IO_TRACE_S_BETA1 | 1u << GN_IO_TRACE_S_BETA2 | 1u << GN_IO_TRACE_S_EPS | 1u << GN_IO_TRACE_S_T;
        r.has_v |= 1u << GN_IO_TRACE_V_M | 1u << GN_IO_TRACE_V_V;
    }
    r.v[GN_IO_TRACE_V_W] = w0;
    r.v[GN_IO_TRACE_V_J] = j;
    r.v[GN_IO_TRACE_V_WAFTER] = w;
    r.v[GN_IO_TRACE_V_M] = m0;
    r.v[GN_IO_TRACE_V_V] = v0;
    r.s[GN_IO_TRACE_S_ALPHA] = adam ? ap.alpha : 0.5;
    r.s[GN_IO_TRACE_S_LAMBDA] = dmp.lambda;
    r.s[GN_IO_TRACE_S_MU] = dmp.mu;
    r.s[GN_IO_TRACE_S_BETA1] = ap.beta1;
    r.s[GN_IO_TRACE_S_BETA2] = ap.beta2;
    r.s[GN_IO_TRACE_S_EPS] = ap.eps;
    if (!json)
        val_audit_write_header(f, &r);
    for (size_t s = 0; s < N; s++) {
        for (size_t i = 0; i < d; i++)
            j[i] = gn_rng_normal(&rng) * (1.0 + (double)(s % 7));
        double lp = gn_rng_normal(&rng), lpp = 1.0;
        memcpy(w0, w, d * sizeof *w);
        memcpy(m0, st->m, d * sizeof *m0);
        memcpy(v0, st->v, d * sizeof *v0);
        r.s[GN_IO_TRACE_S_T] = (double)st->t;
        r.s[GN_IO_TRACE_S_LP] = lp;
        r.s[GN_IO_TRACE_S_LPP] = lpp;
        if (adam)
            gn_step_adam_ignd(st, w, j, lp, lpp, dmp, &ap);
        else
            gn_step_ignd(w, j, d, lp, lpp, 0.5, dmp);
        val_audit_write(f, &r, json);
    }
    fclose(f);
out:
    free(w);
    free(j);
    free(w0);
    free(m0);
    free(v0);
    gn_adam_free(st);
    return buf;
}

static int bench(size_t d, size_t N, mpfr_prec_t prec, int json)
{
    if (!json)
        printf("gnlab audit --bench: d = %zu, %zu steps per trace, %ld-bit MPFR, the double "
               "core's own steps (all agree)\n",
               d, N, (long)prec);
    int rc = GN_EXIT_PASS;
    for (int adam = 0; adam < 2; adam++)
        for (int fmt = 0; fmt < 2; fmt++) {
            size_t len;
            char *buf = gen_trace(&len, d, N, adam, fmt, cli_seed(20261122u));
            if (!buf)
                return cli_usage(CMD, "out of memory generating the trace");
            FILE *f = fmemopen(buf, len, "r");
            if (!f) {
                free(buf);
                return cli_usage(CMD, "fmemopen failed");
            }
            val_audit_opts o = val_audit_opts_default();
            o.prec = prec;
            val_audit_summary s;
            char err[512] = "";
            double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
            gn_status st = val_audit_stream(&s, f, "bench", &o, NULL, NULL, err, sizeof err);
            double dt = clock_s(CLOCK_MONOTONIC) - t0;
            double dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
            fclose(f);
            free(buf);
            if (st != GN_OK) {
                fprintf(stderr, "gnlab audit --bench: %s\n", err);
                return GN_EXIT_USAGE;
            }
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            double rate = (double)s.steps / dt;
            const char *m = adam ? "adam_ignd" : "ignd";
            const char *fm = fmt ? "jsonl" : "csv";
            if (s.disagree)
                rc = GN_EXIT_FAIL;
            if (json) {
                gn_io_jl j;
                gn_io_jl_begin(&j, stdout);
                gn_io_jl_str(&j, "kind", "bench");
                gn_io_jl_str(&j, "method", m);
                gn_io_jl_str(&j, "format", fm);
                gn_io_jl_int(&j, "dim", (long long)d);
                gn_io_jl_int(&j, "prec", (long long)prec);
                gn_io_jl_int(&j, "steps", (long long)s.steps);
                gn_io_jl_num(&j, "seconds", dt);
                gn_io_jl_num(&j, "steps_per_second", rate);
                gn_io_jl_num(&j, "cpu_seconds", dc);
                gn_io_jl_num(&j, "steps_per_cpu_second", (double)s.steps / dc);
                gn_io_jl_int(&j, "disagree", (long long)s.disagree);
                gn_io_jl_int(&j, "max_rss_kib", (long long)ru.ru_maxrss);
                gn_io_jl_end(&j);
            } else {
                printf("  %-10s %-6s %8llu steps  %7.3f s  %9.0f steps/s  (%9.0f per CPU s)  "
                       "disagree %llu  max RSS %ld KiB\n",
                       m, fm, (unsigned long long)s.steps, dt, rate, (double)s.steps / dc,
                       (unsigned long long)s.disagree, ru.ru_maxrss);
            }
        }
    return rc;
}

CLI_COMMAND(audit, "check an optimizer's trace step by step against MPFR; name the bug")
{
    int json = 0, diagnose = 1, do_bench = 0, do_cat = 0, exact = 0;
    size_t prec = 128, list = 10, dim = 100, steps = 2000;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return GN_EXIT_PASS;
        } else if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "--no-diagnose"))
            diagnose = 0;
        else if (!strcmp(a, "--exact"))
            exact = 1;
        else if (!strcmp(a, "--bench"))
            do_bench = 1;
        else if (!strcmp(a, "--catalogue"))
            do_cat = 1;
        else if (!strcmp(a, "--prec") || !strcmp(a, "--list") || !strcmp(a, "--dim") ||
                 !strcmp(a, "--steps")) {
            if (i + 1 >= argc)
                return cli_usage(CMD, "%s needs a value", a);
            const char *v = argv[++i];
            int bad = !strcmp(a, "--prec")   ? cli_size(&prec, CMD, a, v, 64, 4096)
                      : !strcmp(a, "--list") ? cli_size(&list, CMD, a, v, 0, (size_t)1 << 40)
                      : !strcmp(a, "--dim")  ? cli_size(&dim, CMD, a, v, 1, 100000)
                                             : cli_size(&steps, CMD, a, v, 1, 10000000);
            if (bad)
                return GN_EXIT_USAGE;
        } else if (a[0] == '-' && a[1])
            return cli_usage(CMD, "unknown option '%s'", a);
        else if (path)
            return cli_usage(CMD, "one trace at a time ('%s' and '%s')", path, a);
        else
            path = a;
    }
    if (do_cat) {
        print_catalogue(json);
        return GN_EXIT_PASS;
    }
    if (do_bench)
        return bench(dim, steps, (mpfr_prec_t)prec, json);
    if (!path)
        return cli_usage(CMD, "no trace given");
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "gnlab audit: cannot open '%s'\n", path);
        return GN_EXIT_USAGE;
    }
    val_audit_opts o = val_audit_opts_default();
    o.prec = (mpfr_prec_t)prec;
    o.diagnose = diagnose;
    o.max_listed = list;
    o.exact = exact;
    show_ctx sc = {json, 0};
    val_audit_summary s;
    char err[1024] = "";
    if (!json)
        printf("gnlab audit\n");
    gn_status st = val_audit_stream(&s, f, path, &o, on_step, &sc, err, sizeof err);
    if (f != stdin)
        fclose(f);
    if (st != GN_OK) {
        fprintf(stderr, "gnlab audit: %s\n", st == GN_ENOMEM ? "out of memory" : err);
        if (json) {
            gn_io_jl j;
            gn_io_jl_begin(&j, stdout);
            gn_io_jl_str(&j, "kind", "error");
            gn_io_jl_str(&j, "error", st == GN_ENOMEM ? "out of memory" : err);
            gn_io_jl_int(&j, "steps_read", (long long)s.steps);
            gn_io_jl_end(&j);
        }
        return GN_EXIT_USAGE;
    }
    return report(&s, path, json);
}
