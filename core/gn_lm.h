/* gn_lm.h: the Levenberg-Marquardt damping rule shared by EGN and gnlab fit
 * (included by gn.h). MATH.md §9's gain ratio
 *   rho = (L(w) - L(w + d)) / (-(grad L^T d + d^T (J^T Q J / b) d / 2)),
 * the actual decrease over the decrease the quadratic model predicts. */
#ifndef GN_LM_H
#define GN_LM_H

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

/* gn_lm_gain: rho from the actual and predicted decreases (both in loss units).
 * Returns -INFINITY when predicted <= 0 or either input is not finite (reject). */
double gn_lm_gain(double actual, double predicted);

/* gn_lm_update: apply Nielsen's rule to s for gain ratio rho; returns 1 when the step
 * is accepted (rho > GN_LM_ACCEPT), 0 when it is rejected. */
int gn_lm_update(gn_lm_damping *s, double rho);

#endif
