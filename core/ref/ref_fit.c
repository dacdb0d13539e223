/* ref_fit.c: confidence intervals of a fit from GSL's Student t quantile (gn_ref_fit.h). */
#include "gn_ref_fit.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

gn_status gn_ref_fit_ci(double *lo, double *hi, double *t_out, const double *b,
                        const double *se, size_t k, size_t dof, double level)
{
    int bad = !(level > 0.0 && level < 1.0) || dof == 0;
    double t = bad ? NAN : gsl_cdf_tdist_Pinv(0.5 * (1.0 + level), (double)dof);
    if (t_out)
        *t_out = t;
    for (size_t q = 0; q < k; q++) {
        double w = t * se[q];
        lo[q] = isfinite(w) ? b[q] - w : NAN;
        hi[q] = isfinite(w) ? b[q] + w : NAN;
    }
    return bad ? GN_EDOM : GN_OK;
}
