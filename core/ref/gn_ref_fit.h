/* gn_ref_fit.h: what a fit report needs from GSL's special functions (prefix gn_ref_; not
 * included by gn.h). The Student t quantile lives here, not in core/: the core layer is
 * double numerics without external libraries, and GSL belongs to core/ref (docs/layout.md),
 * which every layer that prints a fit (validate, cli) may call. */
#ifndef GN_REF_FIT_H
#define GN_REF_FIT_H

#include <stddef.h>

#include "gn.h"

/* gn_ref_fit_ci: confidence intervals b_p -+ t se_p at confidence level (e.g. 0.95) with
 * t = the Student t quantile of probability (1 + level) / 2 with dof degrees of freedom
 * (No equation: the linearised interval of R's confint.default on an nls fit and of
 * scipy's curve_fit users; MATH.md has no statistics section).
 * Method:   t by GSL's gsl_cdf_tdist_Pinv (GSL documents it accurate to near double
 *           precision); lo = b - t se, hi = b + t se, one rounding each after t se.
 * Output:   lo, hi (k each); *t_out (nullable) the quantile.
 * Special:  GN_EDOM when level is not in (0, 1) or dof = 0 (lo, hi and *t_out set to
 *           NAN: undetermined); a NAN se gives a NAN interval (undetermined). */
gn_status gn_ref_fit_ci(double *lo, double *hi, double *t_out, const double *b,
                        const double *se, size_t k, size_t dof, double level);

#endif
