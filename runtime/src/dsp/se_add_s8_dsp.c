/*
 * Elementwise add with requantization, Cortex-M DSP kernel. Same bits as the
 * reference.
 *
 * The cost is the three requantizations per element, not the add. In the usual
 * case (TFLite's left_shift 20, every shift negative, output shift >= -23)
 * every value stays below 2^30, so each requantization is the narrow form of
 * se_requant_fast.h: SUB, SMMLAR, ASR on 32-bit registers, the output zero
 * point folded into the output's rounding bias. Per 4 elements: one word load
 * per input, SXTAB16 subtracts the input zero point from 2 bytes at once, and
 * each int16 lane becomes the doubled shifted input (x - zp) << 21 with one
 * LSL or one AND of a shifted operand; one word store. Without an activation
 * clamp that loop is assembly on Cortex-M (se_add_fast_plain, about 19
 * instructions per element); with one, C plus a SIMD byte clamp. Other
 * parameters (and the last size % 4 elements) take the general scalar loop.
 */
#include <stdint.h>

#include "se_add_common.h"
#include "se_dsp_intrinsics.h"
#include "se_requant_fast.h"

/* Constants of the fast loop: multiplier, bias and right shift per requantization. */
typedef struct {
    int32_t mult1, bias1, right1;
    int32_t mult2, bias2, right2;
    int32_t mult_out, bias_out, right_out;
    uint32_t offset1, offset2; /* -input zero point in both int16 lanes */
} se_add_fast;

/* The int16 lane of a pair as the doubled input shift: lane << 21, i.e.
 * 2 * ((x - zp) << 20); |x - zp| <= 255 keeps the lane's low 11 bits exact. */
SE_INLINE int32_t se_add_low_lane(uint32_t pair) { return (int32_t)(pair << 21); }
SE_INLINE int32_t se_add_high_lane(uint32_t pair) { return (int32_t)((pair << 5) & 0xFFE00000u); }

/* Input rescale of 4 elements held as two lane pairs (even = elements 0, 2;
 * odd = 1, 3): a[i] = requantize((x_i - zp) << 20). */
SE_INLINE void se_add_rescale4(uint32_t even, uint32_t odd, int32_t mult, int32_t bias, int32_t right, int32_t a[4])
{
    a[0] = se_requant_fast_narrow(se_add_low_lane(even), mult, bias, right);
    a[1] = se_requant_fast_narrow(se_add_low_lane(odd), mult, bias, right);
    a[2] = se_requant_fast_narrow(se_add_high_lane(even), mult, bias, right);
    a[3] = se_requant_fast_narrow(se_add_high_lane(odd), mult, bias, right);
}

/* Output stage of one element: |a|, |b| < 2^27 (255 * 2^20 * multiplier / 2^31
 * halved at least once), so 2 * (a + b) fits the narrow form too. */
SE_INLINE int32_t se_add_output(int32_t a, int32_t b, int32_t mult, int32_t bias, int32_t right)
{
    return se_ssat(se_requant_fast_narrow(2 * (a + b), mult, bias, right), 8);
}

/* Whole groups of 4 elements; returns how many elements were done. `clamp`
 * is a constant at each call: 0 when act is [-128, 127] (the SSAT alone).
 * The constants are read through f inside the loop on purpose: there are more
 * of them than registers, and as the output store may alias *f, each is
 * loaded once per group where it is needed instead of being spilled. */
SE_INLINE int32_t se_add_fast_loop(const se_add_fast *f, const int8_t *input1, const int8_t *input2, int32_t size,
                                   int8_t *output, uint32_t act_min4, uint32_t act_max4, int clamp)
{
    const int8_t *const end1 = input1 + (size & ~3);
    while (input1 != end1) {
        int32_t a[4], b[4];
        const uint32_t w1 = se_read_u32(input1);
        input1 += 4;
        se_add_rescale4(se_sxtab16(f->offset1, w1), se_sxtab16_ror8(f->offset1, w1), f->mult1, f->bias1, f->right1,
                        a);
        const uint32_t w2 = se_read_u32(input2);
        input2 += 4;
        se_add_rescale4(se_sxtab16(f->offset2, w2), se_sxtab16_ror8(f->offset2, w2), f->mult2, f->bias2, f->right2,
                        b);
        const int32_t mult = f->mult_out, bias = f->bias_out, right = f->right_out;
        const int32_t y0 = se_add_output(a[0], b[0], mult, bias, right);
        const int32_t y1 = se_add_output(a[1], b[1], mult, bias, right);
        const int32_t y2 = se_add_output(a[2], b[2], mult, bias, right);
        const int32_t y3 = se_add_output(a[3], b[3], mult, bias, right);
        if (clamp) {
            const uint32_t word = (uint32_t)(uint8_t)y0 | (uint32_t)(uint8_t)y1 << 8 | (uint32_t)(uint8_t)y2 << 16 |
                                  (uint32_t)y3 << 24;
            se_write_u32(output, se_min_s8x4(se_max_s8x4(word, act_min4), act_max4));
        } else {
            output[0] = (int8_t)y0; /* four STRB: no packing */
            output[1] = (int8_t)y1;
            output[2] = (int8_t)y2;
            output[3] = (int8_t)y3;
        }
        output += 4;
    }
    return size & ~3;
}

/* The two instances of the loop, in functions of their own: f is then a
 * pointer of unknown origin that the stores may alias (see above). */
#if defined(__GNUC__)
#define SE_ADD_NOINLINE __attribute__((noinline))
#else
#define SE_ADD_NOINLINE
#endif

#if SE_HAVE_ARM_DSP
/* The unclamped loop on Cortex-M: the same steps as se_add_fast_loop, in
 * assembly because they need more values than there are registers, and GCC
 * spills and reloads them one by one (about 24 instructions per element
 * instead of 19). Each phase instead reloads its constants with one LDM from a
 * block that the loop walks and rewinds; input2 and output are addressed as
 * input1 plus a constant difference. Per 4 elements: 20 (input1) + 26
 * (input2) + 24 (output) + 5 (store, loop). */
static SE_ADD_NOINLINE int32_t se_add_fast_plain(const se_add_fast *f, const int8_t *input1, const int8_t *input2,
                                                 int32_t size, int8_t *output)
{
    const int32_t groups = size >> 2;
    if (groups == 0) {
        return 0;
    }
    const uint32_t base = (uint32_t)(uintptr_t)input1 + 4u; /* input1 after its post-increment */
    const uint32_t block[15] = {
        f->offset1, (uint32_t)f->mult1, (uint32_t)f->bias1, (uint32_t)f->right1, 0xFFE00000u,
        (uint32_t)(uintptr_t)input2 - base, f->offset2, (uint32_t)f->mult2, (uint32_t)f->bias2, (uint32_t)f->right2,
        (uint32_t)f->mult_out, (uint32_t)f->bias_out, (uint32_t)f->right_out,
        (uint32_t)(uintptr_t)output - base, (uint32_t)(uintptr_t)(input1 + 4 * groups)};
    register const uint32_t *k __asm__("r0") = block;
    register const int8_t *in1 __asm__("r1") = input1;
    __asm__ volatile(
        "1:\n\t"
        /* input1: r12 = word, lr / r12 = lanes (0, 2) / (1, 3); a0..a3 -> r8, r9, r10, r11 */
        "ldr     r12, [r1], #4\n\t"
        "ldmia   r0!, {r2, r3, r4, r5, r6}\n\t" /* offset1, mult1, bias1, right1, lane mask */
        "sxtab16 lr, r2, r12\n\t"
        "sxtab16 r12, r2, r12, ror #8\n\t"
        "lsl     r2, lr, #21\n\t"
        "sub     r8, r4, r2, lsr #31\n\t"
        "smmlar  r2, r3, r2, r8\n\t"
        "asr     r8, r2, r5\n\t"
        "and     r2, r6, lr, lsl #5\n\t"
        "sub     r9, r4, r2, lsr #31\n\t"
        "smmlar  r2, r3, r2, r9\n\t"
        "asr     r10, r2, r5\n\t"
        "lsl     r2, r12, #21\n\t"
        "sub     r9, r4, r2, lsr #31\n\t"
        "smmlar  r2, r3, r2, r9\n\t"
        "asr     r9, r2, r5\n\t"
        "and     r2, r6, r12, lsl #5\n\t"
        "sub     r11, r4, r2, lsr #31\n\t"
        "smmlar  r2, r3, r2, r11\n\t"
        "asr     r11, r2, r5\n\t"
        /* input2, added into r8..r11 */
        "ldmia   r0!, {r2, r3, r4, r5, r6}\n\t" /* input2 - input1, offset2, mult2, bias2, right2 */
        "ldr     r12, [r1, r2]\n\t"
        "sxtab16 lr, r3, r12\n\t"
        "sxtab16 r12, r3, r12, ror #8\n\t"
        "lsl     r2, lr, #21\n\t"
        "sub     r3, r5, r2, lsr #31\n\t"
        "smmlar  r2, r4, r2, r3\n\t"
        "asr     r2, r2, r6\n\t"
        "add     r8, r8, r2\n\t"
        "ldr     r3, [r0, #-24]\n\t" /* lane mask */
        "and     r2, r3, lr, lsl #5\n\t"
        "sub     r3, r5, r2, lsr #31\n\t"
        "smmlar  r2, r4, r2, r3\n\t"
        "asr     r2, r2, r6\n\t"
        "add     r10, r10, r2\n\t"
        "lsl     r2, r12, #21\n\t"
        "sub     r3, r5, r2, lsr #31\n\t"
        "smmlar  r2, r4, r2, r3\n\t"
        "asr     r2, r2, r6\n\t"
        "add     r9, r9, r2\n\t"
        "ldr     r3, [r0, #-24]\n\t"
        "and     r2, r3, r12, lsl #5\n\t"
        "sub     r3, r5, r2, lsr #31\n\t"
        "smmlar  r2, r4, r2, r3\n\t"
        "asr     r2, r2, r6\n\t"
        "add     r11, r11, r2\n\t"
        /* output: requantize 2 * (a + b), SSAT, bytes into r12 */
        "ldmia   r0!, {r4, r5, r6}\n\t" /* mult_out, bias_out, right_out */
        "lsl     r2, r8, #1\n\t"
        "sub     r3, r5, r2, lsr #31\n\t"
        "smmlar  r2, r4, r2, r3\n\t"
        "asr     r2, r2, r6\n\t"
        "ssat    r12, #8, r2\n\t"
        "lsl     r2, r9, #1\n\t"
        "sub     r3, r5, r2, lsr #31\n\t"
        "smmlar  r2, r4, r2, r3\n\t"
        "asr     r2, r2, r6\n\t"
        "ssat    r2, #8, r2\n\t"
        "bfi     r12, r2, #8, #8\n\t"
        "lsl     r2, r10, #1\n\t"
        "sub     r3, r5, r2, lsr #31\n\t"
        "smmlar  r2, r4, r2, r3\n\t"
        "asr     r2, r2, r6\n\t"
        "ssat    r2, #8, r2\n\t"
        "bfi     r12, r2, #16, #8\n\t"
        "lsl     r2, r11, #1\n\t"
        "sub     r3, r5, r2, lsr #31\n\t"
        "smmlar  r2, r4, r2, r3\n\t"
        "asr     r2, r2, r6\n\t"
        "ssat    r2, #8, r2\n\t"
        "bfi     r12, r2, #24, #8\n\t"
        "ldmia   r0!, {r2, r3}\n\t" /* output - input1, end of input1 */
        "str     r12, [r1, r2]\n\t"
        "sub     r0, r0, #60\n\t"
        "cmp     r1, r3\n\t"
        "bne     1b\n\t"
        : "+r"(k), "+r"(in1)
        :
        : "r2", "r3", "r4", "r5", "r6", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory");
    return groups * 4;
}
#else
static SE_ADD_NOINLINE int32_t se_add_fast_plain(const se_add_fast *f, const int8_t *input1, const int8_t *input2,
                                                 int32_t size, int8_t *output)
{
    return se_add_fast_loop(f, input1, input2, size, output, 0u, 0u, 0);
}
#endif

static SE_ADD_NOINLINE int32_t se_add_fast_clamp(const se_add_fast *f, const int8_t *input1, const int8_t *input2,
                                                 int32_t size, int8_t *output, uint32_t act_min4, uint32_t act_max4)
{
    return se_add_fast_loop(f, input1, input2, size, output, act_min4, act_max4, 1);
}

/* The general path: any valid parameters, one element. */
SE_INLINE int32_t se_add_one(const se_add_params *p, const se_requant_fast *q1, const se_requant_fast *q2,
                             const se_requant_fast *q_out, int32_t x1, int32_t x2)
{
    const int32_t a = se_requant_fast_apply((x1 - p->input1_zp) * (1 << p->left_shift), q1);
    const int32_t b = se_requant_fast_apply((x2 - p->input2_zp) * (1 << p->left_shift), q2);
    const int32_t out = se_requant_fast_apply((int32_t)((uint32_t)a + (uint32_t)b), q_out) + p->output_zp;
    return se_clamp(out, p->act.min, p->act.max);
}

SE_INLINE uint32_t se_add_splat8(int32_t v) { return ((uint32_t)v & 0xFFu) * 0x01010101u; }

se_status se_add_s8_dsp(SE_ADD_S8_ARGS)
{
    const se_status status = se_add_validate(params, input1, input2, size, output);
    if (status != SE_OK) {
        return status;
    }
    const se_quant *q1 = &params->input1_quant, *q2 = &params->input2_quant, *q_out = &params->output_quant;
    int32_t i = 0;
    if (params->left_shift == 20 && q1->shift < 0 && q2->shift < 0 && q_out->shift < 0 && q_out->shift >= -23) {
        /* |h| < 2^28 and |output_zp * 2^23| <= 2^30: the output bias sum fits int32. */
        se_add_fast f;
        f.mult1 = q1->multiplier;
        f.bias1 = se_requant_fast_narrow_bias(q1->shift, 0);
        f.right1 = -q1->shift;
        f.mult2 = q2->multiplier;
        f.bias2 = se_requant_fast_narrow_bias(q2->shift, 0);
        f.right2 = -q2->shift;
        f.mult_out = q_out->multiplier;
        f.bias_out = se_requant_fast_narrow_bias(q_out->shift, params->output_zp);
        f.right_out = -q_out->shift;
        f.offset1 = ((uint32_t)(-params->input1_zp) & 0xFFFFu) * 0x10001u;
        f.offset2 = ((uint32_t)(-params->input2_zp) & 0xFFFFu) * 0x10001u;
        const uint32_t min4 = se_add_splat8(params->act.min), max4 = se_add_splat8(params->act.max);
        if (params->act.min == -128 && params->act.max == 127) {
            i = se_add_fast_plain(&f, input1, input2, size, output);
        } else {
            i = se_add_fast_clamp(&f, input1, input2, size, output, min4, max4);
        }
    }
    const se_requant_fast r1 = se_requant_fast_make(q1->multiplier, q1->shift);
    const se_requant_fast r2 = se_requant_fast_make(q2->multiplier, q2->shift);
    const se_requant_fast r_out = se_requant_fast_make(q_out->multiplier, q_out->shift);
    for (; i < size; i++) {
        output[i] = (int8_t)se_add_one(params, &r1, &r2, &r_out, input1[i], input2[i]);
    }
    return SE_OK;
}
