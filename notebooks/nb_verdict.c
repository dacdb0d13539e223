/* nb_verdict.c: the notebooks' claims with verdicts (nb.h): the paired t interval of a
 * difference between two methods over seeds (and splits), the verdict it supports, and the
 * claim's rendering on the page and in the page's summary (ROOT/NAME/summary.tsv, read back
 * by the index and by `gnlab notebook`). */
#include "nb.h"

#include <gsl/gsl_cdf.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

int nb_paired_t(nb_paired *s, const double *d, size_t n)
{
    memset(s, 0, sizeof *s);
    s->mean = s->sd = s->lo = s->hi = NAN;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(d[i])) {
            sum += d[i];
            s->n++;
        } else {
            s->dropped++;
        }
    }
    if (s->n < 2)
        return -1;
    double mu = sum / (double)s->n, q = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(d[i]))
            q += (d[i] - mu) * (d[i] - mu);
    double sd = sqrt(q / (double)(s->n - 1));
    double t = gsl_cdf_tdist_Pinv(0.975, (double)(s->n - 1));
    double half = t * sd / sqrt((double)s->n);
    s->mean = mu;
    s->sd = sd;
    s->lo = mu - half;
    s->hi = mu + half;
    return isfinite(s->lo) && isfinite(s->hi) ? 0 : -1;
}

nb_verdict nb_paired_verdict(const nb_paired *s)
{
    if (s->n < 2 || !isfinite(s->mean) || !isfinite(s->lo) || !isfinite(s->hi) ||
        !(s->lo <= s->mean && s->mean <= s->hi))
        return NB_V_UNDETERMINED;
    return s->lo > 0 ? NB_V_REPRODUCED : NB_V_NOT_REPRODUCED;
}

nb_verdict nb_verdict_combine(const nb_verdict *v, int n)
{
    int rep = 0, not = 0;
    for (int i = 0; i < n; i++) {
        if (v[i] == NB_V_REPRODUCED)
            rep++;
        else if (v[i] == NB_V_NOT_REPRODUCED)
            not++;
        else
            return NB_V_UNDETERMINED;
    }
    if (n == 0)
        return NB_V_UNDETERMINED;
    return not == 0 ? NB_V_REPRODUCED : rep == 0 ? NB_V_NOT_REPRODUCED : NB_V_MIXED;
}

const char *nb_verdict_name(nb_verdict v)
{
    switch (v) {
    case NB_V_REPRODUCED: return "reproduced";
    case NB_V_NOT_REPRODUCED: return "not reproduced at this size";
    case NB_V_MIXED: return "mixed";
    default: return "undetermined";
    }
}
