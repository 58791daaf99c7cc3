/*
 * Transitional alias (internal header): the precomputed requantization is
 * se_requant_fast.h. Only for code written against the old names (the sparse
 * kernels in progress); remove once they include se_requant_fast.h directly.
 * No arithmetic of its own.
 */
#ifndef TINYFORMER_RUNTIME_SE_REQUANT_PRECOMPUTED_H
#define TINYFORMER_RUNTIME_SE_REQUANT_PRECOMPUTED_H

#include "se_requant_fast.h"

typedef se_requant_fast se_requant_plan;

SE_INLINE void se_requant_plan_init(se_requant_plan *plan, int32_t multiplier, int32_t shift)
{
    *plan = se_requant_fast_make(multiplier, shift);
}

SE_INLINE int32_t se_requant_plan_apply(const se_requant_plan *plan, int32_t v) { return se_requant_fast_apply(v, plan); }

#endif /* TINYFORMER_RUNTIME_SE_REQUANT_PRECOMPUTED_H */
