/* fuzz_expr.c: libFuzzer harness for the model-expression compiler (core/expr.c,
 * gn_expr_compile) and, on what compiles, both evaluators (gn_expr_eval in double and
 * gn_mp_expr_eval at 64 bits, which converts every literal from its text); then the same
 * text in the named notation as a residual list (gn_expr_compile_opts), each residual in
 * both routes, the diagnosis of a non-finite value, and the text as starting values.
 * Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined;
 * FUZZ_SECONDS each). Seeds: fuzz/corpus/expr, replayed by tests/test_fuzz_corpus.c (so
 * `make sanitize` runs them under ASan/UBSan). Any input must end in GN_OK or GN_EINPUT
 * with a position inside the text: never a crash, a leak or undefined behaviour. */
#include "gn.h"
#include "gn_mp_fit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the named notation as a residual list: every root in both routes, the diagnosis, and the
 * text read as starting values; a contract violation aborts */
static void fuzz_named(const char *src)
{
    static const char *const vars[] = {"x", "t"};
    gn_expr_opts o = {0};
    o.vars = vars;
    o.nvars = 2;
    o.named = o.list = 1;
    gn_expr *e = NULL;
    gn_expr_error err;
    gn_status st = gn_expr_compile_opts(&e, src, &o, &err);
    if (st == GN_EINPUT && (e || err.pos > strlen(src) || !err.msg[0]))
        abort();
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st != GN_OK)
        return;
    const size_t k = e->nparams;
    double *b = malloc((k ? k : 1) * sizeof(double)), *g = malloc((k ? k : 1) * sizeof(double));
    gn_mp_expr *m = gn_mp_expr_alloc(e, 64);
    mpfr_ptr mb = malloc((k + 3) * sizeof *mb);
    if (!m)
        abort();
    if (b && g && mb) {
        for (size_t q = 0; q < k + 3; q++)
            mpfr_init2(mb + q, 64);
        gn_status ss = gn_expr_start(b, e, src, &err);
        if ((ss != GN_OK && ss != GN_EINPUT && ss != GN_EZERO && ss != GN_ENOMEM) ||
            (ss != GN_OK && err.pos > strlen(src)))
            abort();
        for (size_t q = 0; q < k; q++) {
            b[q] = 0.5 - 0.25 * (double)q;
            mpfr_set_d(mb + q, b[q], MPFR_RNDN);
        }
        double v[2] = {0.75, -1.5}, f;
        mpfr_set_d(mb + k, v[0], MPFR_RNDN);
        mpfr_set_d(mb + k + 1, v[1], MPFR_RNDN);
        for (size_t i = 0; i < e->nroots; i++) {
            gn_status es = gn_expr_eval_root(e, i, &f, g, b, v);
            gn_status ds = gn_expr_diagnose(e, &err);
            if ((es == GN_ENONFINITE && ds != GN_OK && !isfinite(f)) ||
                (ds == GN_OK && err.pos > strlen(src)))
                abort(); /* a non-finite value is always located (a derivative may not be) */
            gn_mp_expr_eval_root(m, i, mb + k + 2, NULL, mb, mb + k, MPFR_RNDN);
        }
        if (gn_expr_eval_root(e, e->nroots, &f, g, b, v) != GN_EINPUT)
            abort();
        for (size_t q = 0; q < k + 3; q++)
            mpfr_clear(mb + q);
    }
    free(mb);
    gn_mp_expr_free(m);
    free(b);
    free(g);
    gn_expr_free(e);
}

/* one input; 0 always (a contract violation aborts) */
static int fuzz_expr_one(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = 0; /* an embedded NUL ends the text, as it would in argv */
    static const char *const vars[] = {"x", "t"}, *const cn[] = {"c"}, *const cv[] = {"2.5D0"};
    gn_expr *e = NULL;
    gn_expr_error err;
    gn_status st = gn_expr_compile(&e, src, vars, 2, cn, cv, 1, &err);
    if (st == GN_EINPUT && (e || err.pos > strlen(src) || !err.msg[0]))
        abort();
    if (st != GN_OK && st != GN_EINPUT && st != GN_ENOMEM)
        abort();
    if (st == GN_OK) {
        const size_t k = e->nparams;
        double *b = malloc((k ? k : 1) * sizeof(double)), *g = malloc((k ? k : 1) * sizeof(double));
        double v[2] = {0.75, -1.5}, f;
        if (b && g) {
            for (size_t q = 0; q < k; q++)
                b[q] = 0.5 + 0.25 * (double)q;
            gn_expr_eval(e, &f, g, b, v);
            gn_mp_expr *m = gn_mp_expr_alloc(e, 64);
            if (!m)
                abort(); /* every literal the compiler keeps must convert */
            mpfr_ptr mb = malloc((k + 3) * sizeof *mb);
            if (mb) {
                for (size_t q = 0; q < k + 3; q++)
                    mpfr_init2(mb + q, 64);
                for (size_t q = 0; q < k; q++)
                    mpfr_set_d(mb + q, b[q], MPFR_RNDN);
                mpfr_set_d(mb + k, v[0], MPFR_RNDN);
                mpfr_set_d(mb + k + 1, v[1], MPFR_RNDN);
                gn_mp_expr_eval(m, mb + k + 2, NULL, mb, mb + k, MPFR_RNDN);
                for (size_t q = 0; q < k + 3; q++)
                    mpfr_clear(mb + q);
                free(mb);
            }
            gn_mp_expr_free(m);
        }
        free(b);
        free(g);
    }
    gn_expr_free(e);
    fuzz_named(src);
    free(src);
    return 0;
}

#ifndef GN_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_expr_one(data, size); }
#endif
