/* val_dense.c: what the textbook dense route loses (section "dense", informational rows).
 * On the same random instances (d up to 200, entry scales 1e-150 .. 1e150, lambda from
 * 1e-12 to 1e12 of (lpp + mu)|j|^2), the explicit GSL solves of gn_ref.h and the core's
 * closed forms are both measured against the MPFR defining systems. The dense route's error
 * grows with cond(M) = ((lpp + mu)|j|^2 + lambda) / lambda and it fails outright (GN_ERANGE,
 * GN_ESINGULAR) where j j^T overflows or lambda drowns in the rounding of the diagonal;
 * the core's error does not depend on either. No verdict: the lesson is the comparison. */
#include "val_common.h"
#include "gn_ref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { D_DENSE_DIR, D_CORE_DIR, D_DENSE_XI, D_CORE_XI, D_DENSE_MP, D_CORE_MP, D_FAIL, D_RANK, ND };

size_t val_dense(val_row *rows, size_t cap, const val_opts *o)
{
    val_acc A[ND];
    val_acc_init(&A[D_DENSE_DIR], "dense", "gsl_cholesky_dir_damped", "mixed", 1);
    val_acc_init(&A[D_CORE_DIR], "dense", "core_dir_damped(same)", "mixed", 1);
    val_acc_init(&A[D_DENSE_XI], "dense", "gsl_cholesky_xi", "ulp", 1);
    val_acc_init(&A[D_CORE_XI], "dense", "core_xi(same)", "ulp", 1);
    val_acc_init(&A[D_DENSE_MP], "dense", "gsl_svd_pinv_dir_mp", "mixed", 1);
    val_acc_init(&A[D_CORE_MP], "dense", "core_dir_mp(same)", "mixed", 1);
    val_acc_init(&A[D_FAIL], "dense", "gsl_failed(core_ok)", "count", 1);
    val_acc_init(&A[D_RANK], "dense", "svd_rank_wrong", "count", 1);
    size_t count = val_count(80, o->scale);
    size_t fails = 0, rankbad = 0, mine = 0;
    for (size_t i = val_next(o, 0, count); i < count; i = val_next(o, i + 1, count)) {
        mine++;
        if (!o->quiet && (i % 8 == 0 || i + 1 == count))
            gn_io_progress("validate dense", i + 1, count);
        gn_rng r;
        gn_rng_seed(&r, o->seed ^ 0xde95eull, i);
        size_t n = val_size(&r, 200);
        double *j = malloc(n * sizeof *j), *d = malloc(n * sizeof *d);
        mpfr_ptr J = gn_mp_vec_alloc(n, 53), D = gn_mp_vec_alloc(n, o->prec);
        if (!j || !d || !J || !D) {
            free(j);
            free(d);
            gn_mp_vec_free(J, n);
            gn_mp_vec_free(D, n);
            continue;
        }
        double s = val_logu(&r, -150, 150);
        for (size_t q = 0; q < n; q++)
            j[q] = s * gn_rng_normal(&r);
        double lp = (gn_rng_uniform(&r) < 0.5 ? -1 : 1) * val_logu(&r, -5, 5);
        double lpp = val_logu(&r, -5, 5);
        gn_damping dmp = {0.0, gn_rng_uniform(&r) < 0.5 ? 0.0 : val_logu(&r, -3, 3)};
        dmp.lambda = (lpp + dmp.mu) * (double)n * s * s * val_logu(&r, -12, 12);
        if (!(dmp.lambda > 1e-300 && dmp.lambda < 1e300))
            dmp.lambda = dmp.lambda > 1.0 ? 1e300 : 1e-300;
        gn_mp_vec_set_d(J, j, n);
        mpfr_t LP, LPP, x;
        mpfr_inits2(o->prec, LP, LPP, x, (mpfr_ptr)0);
        mpfr_set_d(LP, lp, MPFR_RNDN);
        mpfr_set_d(LPP, lpp, MPFR_RNDN);
        gn_mp_damping Dm;
        gn_mp_damping_init_set(&Dm, dmp, o->prec);
        char buf[300];
        snprintf(buf, sizeof buf, "seed=%llu stream=%zu n=%zu scale=%a lp=%a lpp=%a lambda=%a "
                                  "mu=%a",
                 (unsigned long long)o->seed, i, n, s, lp, lpp, dmp.lambda, dmp.mu);
        /* damped direction */
        gn_status sr = gn_mp_dir_damped(D, J, n, LP, LPP, &Dm, MPFR_RNDN);
        gn_status sc = gn_dir_damped(d, j, n, lp, lpp, dmp);
        if (sr == GN_OK && sc == GN_OK)
            val_acc_add(&A[D_CORE_DIR], gn_mp_mixed(d, D, NULL, D, n, NULL), 0.0, "%s", buf);
        gn_status sg = gn_ref_dir_damped(d, j, n, lp, lpp, dmp);
        if (sr == GN_OK && sg == GN_OK)
            val_acc_add(&A[D_DENSE_DIR], gn_mp_mixed(d, D, NULL, D, n, NULL), 0.0, "%s", buf);
        if (sc == GN_OK && sg != GN_OK)
            fails++;
        /* xi */
        double xc, xg;
        sr = gn_mp_xi(x, J, n, LPP, &Dm, MPFR_RNDN);
        sc = gn_xi(&xc, j, n, lpp, dmp);
        sg = gn_ref_xi(&xg, j, n, lpp, dmp);
        if (sr == GN_OK && sc == GN_OK)
            val_acc_add(&A[D_CORE_XI], gn_mp_ulps(xc, x), 0.0, "%s", buf);
        if (sr == GN_OK && sg == GN_OK)
            val_acc_add(&A[D_DENSE_XI], gn_mp_ulps(xg, x), 0.0, "%s", buf);
        if (sc == GN_OK && sg != GN_OK)
            fails++;
        /* Moore-Penrose direction through the SVD pseudo-inverse (small n: O(n^3)) */
        if (n <= 120) {
            size_t rank = 0;
            sr = gn_mp_dir_pinv(D, J, n, LP, LPP, MPFR_RNDN);
            sc = gn_dir_pinv(d, j, n, lp, lpp);
            if (sr == GN_OK && sc == GN_OK)
                val_acc_add(&A[D_CORE_MP], gn_mp_mixed(d, D, NULL, D, n, NULL), 0.0, "%s", buf);
            sg = gn_ref_dir_pinv(d, &rank, j, n, lp, lpp);
            if (sr == GN_OK && sg == GN_OK)
                val_acc_add(&A[D_DENSE_MP], gn_mp_mixed(d, D, NULL, D, n, NULL), 0.0, "%s", buf);
            if (sc == GN_OK && sg != GN_OK)
                fails++;
            if (sg == GN_OK && rank != 1)
                rankbad++;
        }
        gn_mp_damping_clear(&Dm);
        mpfr_clears(LP, LPP, x, (mpfr_ptr)0);
        free(j);
        free(d);
        gn_mp_vec_free(J, n);
        gn_mp_vec_free(D, n);
    }
    if (!o->quiet)
        gn_io_progress_done();
    val_acc_add(&A[D_FAIL], (double)fails, 0.0, "solves where GSL returned an error (overflow of "
                                                "j j^T or a non-positive pivot) and the core did not");
    val_acc_add(&A[D_RANK], (double)rankbad, 0.0, "SVD numerical rank != 1 for rank-one G");
    /* the two "count" rows hold a count in max_err: `gnlab merge` sums them over shards */
    A[D_FAIL].row.instances = mine;
    A[D_RANK].row.instances = mine;
    return val_acc_emit(rows, cap, A, ND, o);
}
