/* loss.c: losses with value, l' and l'' (MATH.md §7), in forms that stay accurate. */
#include "gn.h"

#include <float.h>
#include <math.h>
#include <string.h>

static int finite1(double x) { return x - x == 0.0; }

const char *gn_loss_name(gn_loss_kind k)
{
    switch (k) {
    case GN_LOSS_SQUARED: return "squared";
    case GN_LOSS_BCE: return "bce";
    default: return "unknown";
    }
}

gn_status gn_loss_parse(gn_loss_kind *k, const char *name)
{
    if (!name)
        return GN_EINPUT;
    if (!strcmp(name, "squared") || !strcmp(name, "mse")) {
        *k = GN_LOSS_SQUARED;
        return GN_OK;
    }
    if (!strcmp(name, "bce")) {
        *k = GN_LOSS_BCE;
        return GN_OK;
    }
    return GN_EINPUT;
}

gn_status gn_loss_squared(gn_lossval *out, double f, double y)
{
    if (!finite1(f) || !finite1(y))
        return GN_ENONFINITE;
    double r = f - y;
    double l = 0.5 * r * r;
    if (!finite1(r) || !finite1(l))
        return GN_ERANGE;
    out->l = l;
    out->lp = r;
    out->lpp = 1.0;
    return GN_OK;
}

/* sigma(f) and sigma(-f), each without cancellation: for f >= 0, e = exp(-f) <= 1 and
 * sigma(f) = 1/(1+e), sigma(-f) = e/(1+e); mirrored for f < 0. */
static void sigmoid2(double *sp, double *sm, double f)
{
    double e = exp(-fabs(f));
    double inv = 1.0 / (1.0 + e);
    if (f >= 0.0) {
        *sp = inv;
        *sm = e * inv;
    } else {
        *sp = e * inv;
        *sm = inv;
    }
}

gn_status gn_loss_bce(gn_lossval *out, double f, double y)
{
    if (!finite1(f) || !finite1(y))
        return GN_ENONFINITE;
    if (!(y >= 0.0 && y <= 1.0))
        return GN_EDOM;
    double sp, sm;
    sigmoid2(&sp, &sm, f);
    /* l = max(f,0) - y f + log1p(exp(-|f|)) (4.9) */
    double l = (f > 0.0 ? f : 0.0) - y * f + log1p(exp(-fabs(f)));
    /* l' = sigma(f) - y = (1-y) sigma(f) - y sigma(-f): exact reformulation that avoids
     * 1 - sigma(-f) cancellation for the labels 0 and 1 */
    double lp;
    if (y == 0.0)
        lp = sp;
    else if (y == 1.0)
        lp = -sm;
    else
        lp = (1.0 - y) * sp - y * sm;
    out->l = l;
    out->lp = lp;
    out->lpp = sp * sm;
    return GN_OK;
}

gn_status gn_loss_eval(gn_lossval *out, gn_loss_kind k, double f, double y)
{
    switch (k) {
    case GN_LOSS_SQUARED: return gn_loss_squared(out, f, y);
    case GN_LOSS_BCE: return gn_loss_bce(out, f, y);
    default: return GN_EDOM;
    }
}

gn_status gn_bellman(gn_lossval *out, double q, double r, double gamma, double qnext)
{
    if (!finite1(q) || !finite1(r) || !finite1(gamma) || !finite1(qnext))
        return GN_ENONFINITE;
    if (!(gamma >= 0.0 && gamma <= 1.0))
        return GN_EDOM;
    double T = r + gamma * qnext;
    double td = T - q;
    if (!finite1(T) || !finite1(td) || !finite1(0.5 * td * td))
        return GN_ERANGE;
    out->l = 0.5 * td * td;
    out->lp = -td;
    out->lpp = 1.0;
    return GN_OK;
}
