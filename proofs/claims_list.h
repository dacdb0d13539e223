/* claims_list.h: every claim of the registry, in MATH.md order (X-macro). Adding a claim:
 * write proofs/claim_<name>.c defining `const gn_claim gn_claim_<name>` and add its line. */
#ifndef GN_CLAIMS_LIST_H
#define GN_CLAIMS_LIST_H

#include "gn_claims.h"

#define GN_CLAIM_LIST                                                                         \
    GN_CLAIM_X(eq_3_5) GN_CLAIM_X(ggn_rank1) GN_CLAIM_X(pinv) GN_CLAIM_X(prop_3_1)            \
    GN_CLAIM_X(prop_a1) GN_CLAIM_X(prop_3_2) GN_CLAIM_X(degenerate) GN_CLAIM_X(limit_lambda0)    \
    GN_CLAIM_X(limit_bigj) GN_CLAIM_X(eq_3_13) GN_CLAIM_X(eq_4_3) GN_CLAIM_X(eq_4_4)            \
    GN_CLAIM_X(onehot) GN_CLAIM_X(table1) GN_CLAIM_X(nlms) GN_CLAIM_X(sps) GN_CLAIM_X(bce)        \
    GN_CLAIM_X(bce_stable) GN_CLAIM_X(bellman) GN_CLAIM_X(lemma_b2) GN_CLAIM_X(prop_b3)            \
    GN_CLAIM_X(remark_b1) GN_CLAIM_X(lemma_b1) GN_CLAIM_X(thm_4_1) GN_CLAIM_X(dg) GN_CLAIM_X(egn)  \
    GN_CLAIM_X(dg_sym) GN_CLAIM_X(egn_ignd)

#define GN_CLAIM_X(name) extern const gn_claim gn_claim_##name;
GN_CLAIM_LIST
#undef GN_CLAIM_X

#endif
