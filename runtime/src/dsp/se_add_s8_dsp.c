/*
 * Elementwise add with requantization, Cortex-M DSP kernel. Same bits as the
 * reference.
 *
 * The cost is the three requantizations per element, not the add: each uses a
 * plan precomputed once per call (se_requant_precomputed.h: one SMLAL into a
 * rounding constant and one ASR instead of two separate roundings). The usual
 * case, all three shifts negative, has its own loop without the per-element
 * choice of path; 4 elements per iteration with word loads and one word
 * store.
 */
#include "se_add_common.h"
#include "se_dsp_intrinsics.h"
#include "se_requant_precomputed.h"

typedef struct {
    se_requant_plan in1, in2, out;
    int32_t zp1_shifted, zp2_shifted; /* input zero points << left_shift */
    int32_t left_shift, output_zp, act_min, act_max;
} se_add_plan;

/* Right-shift paths only (every shift < 0). */
SE_INLINE int32_t se_add_one_rshift(const se_add_plan *p, int32_t x1, int32_t x2)
{
    const int32_t a = se_requant_plan_apply_rshift(&p->in1, x1 * (1 << p->left_shift) - p->zp1_shifted);
    const int32_t b = se_requant_plan_apply_rshift(&p->in2, x2 * (1 << p->left_shift) - p->zp2_shifted);
    const int32_t out = se_requant_plan_apply_rshift(&p->out, (int32_t)((uint32_t)a + (uint32_t)b)) + p->output_zp;
    return se_clamp(out, p->act_min, p->act_max);
}

/* Any shifts. */
SE_INLINE int32_t se_add_one(const se_add_plan *p, int32_t x1, int32_t x2)
{
    const int32_t a = se_requant_plan_apply(&p->in1, x1 * (1 << p->left_shift) - p->zp1_shifted);
    const int32_t b = se_requant_plan_apply(&p->in2, x2 * (1 << p->left_shift) - p->zp2_shifted);
    const int32_t out = se_requant_plan_apply(&p->out, (int32_t)((uint32_t)a + (uint32_t)b)) + p->output_zp;
    return se_clamp(out, p->act_min, p->act_max);
}

SE_INLINE uint32_t se_add_byte(int32_t v, uint32_t position) { return (uint32_t)(uint8_t)v << position; }

se_status se_add_s8_dsp(SE_ADD_S8_ARGS)
{
    const se_status status = se_add_validate(params, input1, input2, size, output);
    if (status != SE_OK) {
        return status;
    }
    se_add_plan p;
    se_requant_plan_init(&p.in1, params->input1_quant.multiplier, params->input1_quant.shift);
    se_requant_plan_init(&p.in2, params->input2_quant.multiplier, params->input2_quant.shift);
    se_requant_plan_init(&p.out, params->output_quant.multiplier, params->output_quant.shift);
    p.left_shift = params->left_shift;
    p.zp1_shifted = params->input1_zp * (1 << params->left_shift);
    p.zp2_shifted = params->input2_zp * (1 << params->left_shift);
    p.output_zp = params->output_zp;
    p.act_min = params->act.min;
    p.act_max = params->act.max;

    int32_t i = 0;
    if (params->input1_quant.shift < 0 && params->input2_quant.shift < 0 && params->output_quant.shift < 0) {
        for (; i + 4 <= size; i += 4) {
            const uint32_t a = se_read_u32(input1 + i), b = se_read_u32(input2 + i);
            uint32_t r = se_add_byte(se_add_one_rshift(&p, (int8_t)a, (int8_t)b), 0);
            r |= se_add_byte(se_add_one_rshift(&p, (int8_t)(a >> 8), (int8_t)(b >> 8)), 8);
            r |= se_add_byte(se_add_one_rshift(&p, (int8_t)(a >> 16), (int8_t)(b >> 16)), 16);
            r |= se_add_byte(se_add_one_rshift(&p, (int8_t)(a >> 24), (int8_t)(b >> 24)), 24);
            se_write_u32(output + i, r);
        }
    }
    for (; i < size; i++) {
        output[i] = (int8_t)se_add_one(&p, input1[i], input2[i]);
    }
    return SE_OK;
}
