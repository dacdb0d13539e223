/* dataset.h: finite datasets for the Appendix B claims (internal to proofs/): m samples,
 * linear model f = w^T x (so j = x), squared loss or BCE; every expectation over the uniform
 * distribution on the samples is an exact finite sum, evaluated in MPFR. */
#ifndef PF_CLAIM_DATASET_H
#define PF_CLAIM_DATASET_H

#include "claims_common.h"

#define PF_DS_M 8
#define PF_DS_N 4

typedef struct {
    size_t m, n;
    int bce;
    double x[PF_DS_M][PF_DS_N], y[PF_DS_M], w[PF_DS_N];
    double lambda, mu;
} pf_claim_ds;

/* per-sample MPFR quantities */
typedef struct {
    mpfr_ptr g;   /* m x n: g_i = l'_i x_i */
    mpfr_ptr xi;  /* m: (3.13) */
    mpfr_ptr lpp; /* m */
    mpfr_ptr xx;  /* m: |x_i|^2 */
    mpfr_ptr gF;  /* n: grad F = mean g_i */
    mpfr_ptr Eg2; /* E |g|^2 */
    mpfr_ptr F;   /* F(w) */
    mpfr_ptr xmin, xmax; /* B.1 constants S = max |x_i|, H = max l''_i, then Lemma B.2 */
} pf_claim_dsmp;

/* pf_claim_ds_random: a random dataset (m in [2, 8], n in [1, 4], per-sample scales
 * 2^U(-3, 2), squared loss on even instances and BCE on odd ones), written to ws->desc. */
void pf_claim_ds_random(pf_claim_ws *ws, pf_claim_ds *d);
/* pf_claim_ds_desc: the dataset into ws->desc */
void pf_claim_ds_desc(pf_claim_ws *ws, const pf_claim_ds *d);
/* pf_claim_ds_eval: the per-sample quantities and grad F, E|g|^2, F, xi_min, xi_max at d->w */
void pf_claim_ds_eval(pf_claim_ws *ws, pf_claim_dsmp *q, const pf_claim_ds *d);

#endif
