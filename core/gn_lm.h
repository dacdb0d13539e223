/* gn_lm.h: the Levenberg-Marquardt damping rule shared by EGN and gnlab fit
 * (included by gn.h). MATH.md §9's gain ratio
 *   rho = (L(w) - L(w + d)) / (-(grad L^T d + d^T (J^T Q J / b) d / 2)),
 * the actual decrease over the decrease the quadratic model predicts. The iteration that
 * runs this rule for nonlinear least squares, gn_fit_drive, is declared in gn_fit.h (it
 * reports in gn_fit_report) and written in core/lm_driver.c. */
#ifndef GN_LM_H
#define GN_LM_H
/* self-contained: needs no other header (gn.h includes it before gn_dg.h, which uses it) */


/* The constants, in one place (Nielsen's update, H. B. Nielsen, "Damping parameter in
 * Marquardt's method", IMM DTU 1999): accept a step when rho > GN_LM_ACCEPT; then
 * lambda *= max(GN_LM_SHRINK_MIN, 1 - (2 rho - 1)^3) and nu = 2; on rejection
 * lambda *= nu, nu *= 2. lambda stays within [GN_LM_LAMBDA_MIN, GN_LM_LAMBDA_MAX]. */
#define GN_LM_ACCEPT 0.0
#define GN_LM_SHRINK_MIN (1.0 / 3.0)
#define GN_LM_LAMBDA_MIN 1e-300
#define GN_LM_LAMBDA_MAX 1e300

typedef struct {
    double lambda; /* current damping, > 0 */
    double nu;     /* growth factor after consecutive rejections, starts at 2 */
} gn_lm_damping;

/* gn_lm_gain: the gain ratio rho = actual / predicted of MATH.md §9, both decreases in
 * the same loss units (L(w) - L(w + d) and the quadratic model's decrease).
 * Method:   one division. Accuracy: the correctly rounded quotient of its inputs.
 * Special:  -INFINITY (a rejection for gn_lm_update) when predicted <= 0 or either input
 *           is NaN or infinite. */
double gn_lm_gain(double actual, double predicted);

/* gn_lm_update: Nielsen's rule for the damping of MATH.md §9 ("shrink lambda when rho is
 * high, grow it when low"; the constants above are the toolkit's choice, MATH.md §12).
 * Method:   rho > GN_LM_ACCEPT: lambda *= max(GN_LM_SHRINK_MIN, 1 - (2 rho - 1)^3), nu = 2,
 *           returns 1 (accept); else lambda *= nu, nu *= 2, returns 0 (reject).
 * Accuracy: exact control logic; lambda carries the roundings of the products only.
 * Special:  rho NaN or -INFINITY rejects; lambda is clamped to [GN_LM_LAMBDA_MIN,
 *           GN_LM_LAMBDA_MAX] (so it never reaches 0 or infinity). */
int gn_lm_update(gn_lm_damping *s, double rho);

#endif
