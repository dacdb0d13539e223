/* lm_driver.c: the Levenberg-Marquardt control flow shared by gn_fit_run (double) and
 * gn_mp_fit_run (MPFR): damping by the gain ratio, accept or reject, the stop tests and the
 * report (gn_fit.h). The arithmetic is the backend's. */
#include "gn.h"

#include <math.h>
#include <string.h>

gn_status gn_fit_check(gn_fit_report *rep, const gn_expr *model, size_t n)
{
    memset(rep, 0, sizeof *rep);
    rep->stop = GN_FIT_STOP_NONFINITE;
    if (!model)
        return GN_ESIZE;
    const size_t k = model->nparams;
    if (k == 0 || n < k)
        return GN_ESIZE;
    for (size_t q = 0; q < k; q++)
        if (!gn_expr_uses(model, q))
            return GN_EINPUT;
    return GN_OK;
}

/* the loop: returns the stop reason; dm is the damping at the end */
static gn_fit_stop iterate(gn_fit_report *rep, gn_lm_damping *dm, const gn_fit_backend *be,
                           void *ws, const gn_fit_control *ctl)
{
    double lambda_acc = dm->lambda; /* lambda after the last accepted step */
    int fresh = 1;                  /* a new point: refresh before the next step */
    for (;;) {
        if (fresh) {
            gn_fit_point pt = {0, 0, 0.0};
            fresh = 0;
            be->refresh(ws, &pt);
            if (pt.zero)
                return GN_FIT_STOP_ZERO;
            if (pt.gzero || (ctl->gtol > 0.0 && pt.gscaled <= ctl->gtol))
                return GN_FIT_STOP_GTOL;
        }
        if (rep->iters >= ctl->max_iter)
            return GN_FIT_STOP_MAXITER;
        if (rep->nfev >= ctl->max_fev)
            return GN_FIT_STOP_MAXFEV;
        rep->iters++;
        double lambda = dm->lambda, rho = -INFINITY;
        if (be->solve(ws, lambda, rep) == 0) {
            /* geodesic acceleration: a step whose second-order term is not small against
             * its first (2 |D a| / |D v| > avmax) leaves the region where the linear model
             * can be trusted, and is rejected like a step that does not decrease S */
            double av = 0.0;
            if (ctl->avmax > 0.0 && be->accel)
                av = be->accel(ws, lambda, rep);
            if (av <= ctl->avmax || !(ctl->avmax > 0.0 && be->accel)) {
                rho = be->trial(ws, lambda);
                rep->nfev++;
            } else
                rep->rejected_av++;
        }
        if (gn_lm_update(dm, rho)) {
            int small = be->accept(ws);
            rep->njev++;
            rep->accepted++;
            lambda_acc = dm->lambda;
            fresh = 1;
            if (small)
                return GN_FIT_STOP_XTOL;
            continue;
        }
        if (dm->lambda >= 1e16 * lambda_acc || dm->lambda >= GN_LM_LAMBDA_MAX)
            return GN_FIT_STOP_STALL;
    }
}

void gn_fit_drive(gn_fit_report *rep, const gn_fit_backend *be, void *ws,
                  const gn_fit_control *ctl)
{
    gn_lm_damping dm = {ctl->tau, 2.0};
    rep->stop = iterate(rep, &dm, be, ws, ctl);
    be->finish(ws, rep);
    if (rep->stop == GN_FIT_STOP_STALL && !(rep->gn_rel <= GN_FIT_STALL_REL))
        rep->stop = GN_FIT_STOP_STUCK;
    rep->lambda = dm.lambda;
}
