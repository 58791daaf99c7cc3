/* Argument checks shared by the se_add_s8 variants (internal header). */
#ifndef TINYFORMER_RUNTIME_SE_ADD_COMMON_H
#define TINYFORMER_RUNTIME_SE_ADD_COMMON_H

#include "se_fixedpoint.h"
#include "tinyformer/runtime/se_add.h"

SE_INLINE int se_add_quant_ok(const se_quant *q) { return q->multiplier >= 0 && se_shift_ok(q->shift); }

/* NULL pointers, then size >= 1 (SE_ERR_BAD_SHAPE), then the parameters. */
SE_INLINE se_status se_add_validate(const se_add_params *params, const int8_t *input1, const int8_t *input2,
                                    int32_t size, const int8_t *output)
{
    if (params == NULL || input1 == NULL || input2 == NULL || output == NULL) {
        return SE_ERR_NULL_POINTER;
    }
    if (size <= 0) {
        return SE_ERR_BAD_SHAPE;
    }
    if (!se_is_int8(params->input1_zp) || !se_is_int8(params->input2_zp) || !se_is_int8(params->output_zp) ||
        params->left_shift < 0 || params->left_shift > 20 || !se_add_quant_ok(&params->input1_quant) ||
        !se_add_quant_ok(&params->input2_quant) || !se_add_quant_ok(&params->output_quant) ||
        !se_act_ok(params->act.min, params->act.max)) {
        return SE_ERR_BAD_PARAM;
    }
    return SE_OK;
}

#endif /* TINYFORMER_RUNTIME_SE_ADD_COMMON_H */
