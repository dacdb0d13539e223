/* lm.c: the gain-ratio damping rule (gn_lm.h). */
#include "gn.h"

#include <math.h>

double gn_lm_gain(double actual, double predicted)
{
    if (!isfinite(actual) || !isfinite(predicted) || !(predicted > 0.0))
        return -INFINITY;
    return actual / predicted;
}

int gn_lm_update(gn_lm_damping *s, double rho)
{
    if (rho > GN_LM_ACCEPT) {
        double t = 2.0 * rho - 1.0;
        double f = 1.0 - t * t * t;
        s->lambda *= f > GN_LM_SHRINK_MIN ? f : GN_LM_SHRINK_MIN;
        s->nu = 2.0;
        if (s->lambda < GN_LM_LAMBDA_MIN)
            s->lambda = GN_LM_LAMBDA_MIN;
        return 1;
    }
    s->lambda *= s->nu;
    s->nu *= 2.0;
    if (!(s->lambda <= GN_LM_LAMBDA_MAX))
        s->lambda = GN_LM_LAMBDA_MAX;
    return 0;
}
