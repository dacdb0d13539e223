/* claims_list.h: every claim of the registry, in MATH.md order (X-macro). Adding a claim:
 * write proofs/claim_<name>.c defining `const pf_claim pf_claim_<name>` and add its line. */
#ifndef PF_CLAIMS_LIST_H
#define PF_CLAIMS_LIST_H

#include "pf_claims.h"

#define PF_CLAIM_LIST                                                                         \
    PF_CLAIM_X(eq_3_5) PF_CLAIM_X(ggn_rank1) PF_CLAIM_X(pinv) PF_CLAIM_X(prop_3_1)            \
    PF_CLAIM_X(prop_a1) PF_CLAIM_X(prop_3_2) PF_CLAIM_X(degenerate) PF_CLAIM_X(limit_lambda0)    \
    PF_CLAIM_X(limit_bigj) PF_CLAIM_X(eq_3_13) PF_CLAIM_X(eq_4_3) PF_CLAIM_X(eq_4_4)            \
    PF_CLAIM_X(onehot) PF_CLAIM_X(table1) PF_CLAIM_X(nlms) PF_CLAIM_X(sps) PF_CLAIM_X(bce)        \
    PF_CLAIM_X(bce_stable) PF_CLAIM_X(bellman) PF_CLAIM_X(lemma_b2) PF_CLAIM_X(prop_b3)            \
    PF_CLAIM_X(remark_b1) PF_CLAIM_X(lemma_b1) PF_CLAIM_X(thm_4_1) PF_CLAIM_X(dg) PF_CLAIM_X(egn)  \
    PF_CLAIM_X(dg_sym) PF_CLAIM_X(egn_ignd)

#define PF_CLAIM_X(name) extern const pf_claim pf_claim_##name;
PF_CLAIM_LIST
#undef PF_CLAIM_X

#endif
