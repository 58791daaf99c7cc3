/*
 * Softmax over the last axis with an on-demand exp cache (the paper's
 * bitmap + lookup table).
 *
 * Input int8 logits [rows][row_size] with scale s_in (the zero point cancels);
 * output int8 [rows][row_size] with scale 1/256 and zero point -128 (TFLite
 * convention). The arithmetic is TFLite's integer softmax
 * (reference_integer_ops::Softmax, CMSIS-NN arm_softmax_s8), bit for bit:
 *
 *   m = max(row); for each x: d = m - x in [0, 255]
 *   E(d) = 0                                              if d > diff_max
 *        = exp_on_negative_values(mul(-d << input_left_shift, input_multiplier))
 *                                                         otherwise, Q5.26 -> Q0.31
 *   sum  = sum over the row of rounding_divide_by_pot(E(d), 12)        Q12.19
 *   h    = clz(sum); scale = one_over_one_plus_x((sum << h) - 2^31)     Q0.31
 *   out  = clamp(rounding_divide_by_pot(mul(scale, E(d)), 35 - h) - 128, -128, 127)
 *
 * where mul is gemmlowp's SaturatingRoundingDoublingHighMul, rounding_divide_
 * by_pot rounds half away from zero (and gives 0 for shifts >= 32), and
 * exp_on_negative_values / one_over_one_plus_x_for_x_in_0_1 are gemmlowp's
 * fixed-point routines. Everything is integer: host and MCU give the same bits.
 *
 * E(d) is not recomputed per element: it is read from a 256-entry int32
 * table in caller scratch (se_exp_cache below, 1072 bytes), filled on the
 * first use of each d and guarded by a 256-bit bitmap. The cache may share
 * memory with convolution scratch between layers and stays valid across calls
 * with the same parameters, so attention can run one row (or one head) at a
 * time without refilling it. Call se_softmax_s8_prepare() once per layer
 * before the first row (it records the parameters and clears the bitmap);
 * se_softmax_s8 returns SE_ERR_NOT_PREPARED for a cache that was never
 * prepared or was prepared for other parameters.
 *
 * Limits: 1 <= row_size <= 4095 (the Q12.19 sum must stay below 2^31;
 * longer rows return SE_ERR_UNSUPPORTED). input and output may be the same
 * buffer. Variants as in se_conv.h; the DSP variant fills the table for the
 * whole range [0, max - min] of a row at once, which stores the same values.
 *
 * Example (host side, once per layer):
 *   se_softmax_params p;
 *   se_softmax_s8_params_from_scale(0.0625, &p);   // s_in of the logits
 *   se_context ctx = {scratch, se_softmax_s8_get_buffer_size()};
 *   se_softmax_s8_prepare(&ctx, &p);
 *   for (h = 0; h < heads; h++) se_softmax_s8(&ctx, &p, tokens, tokens, logits[h], probs[h]);
 */
#ifndef TINYFORMER_RUNTIME_SE_SOFTMAX_H
#define TINYFORMER_RUNTIME_SE_SOFTMAX_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    /* s_in * beta * 2^26 as a fixed-point multiplier (TFLite
     * PreprocessSoftmaxScaling with 5 integer bits):
     * s_in * beta * 2^26 = input_multiplier * 2^(input_left_shift - 31),
     * input_multiplier in [2^30, 2^31), input_left_shift in [0, 31]. */
    int32_t input_multiplier;
    int32_t input_left_shift;
    /* Largest difference d = max - x that contributes; larger ones give
     * output -128 and add nothing to the sum. In [0, 255] and at most
     * floor(31 * 2^26 / 2^input_left_shift) (TFLite's input radius, beyond
     * which the Q5.26 difference overflows; SE_ERR_BAD_PARAM otherwise).
     * TFLite uses min(255, that radius). */
    int32_t diff_max;
} se_softmax_params;

/* The cache layout (what the scratch buffer holds). Entry k holds E(255 - k):
 * a row with maximum m reads exp_q31[255 - m + x] for its element x. */
typedef struct {
    uint32_t magic;          /* set by prepare */
    int32_t input_multiplier;/* the parameters the cache was prepared for */
    int32_t input_left_shift;
    int32_t diff_max;
    uint32_t filled[8];      /* bit k (word k / 32, bit k % 32) set: exp_q31[k] is valid */
    int32_t exp_q31[256];    /* E(255 - k) in Q0.31 */
} se_exp_cache;

/* Scratch bytes for the cache: sizeof(se_exp_cache) = 1072. */
int32_t se_softmax_s8_get_buffer_size(void);

/* Host-side helper: the parameters for a real input scale (beta = 1; pass
 * s_in * beta otherwise), exactly as TFLite's PreprocessSoftmaxScaling and
 * CalculateInputRadius compute them. Uses double arithmetic (fine on the
 * host and on an M7). Returns SE_ERR_BAD_PARAM when input_scale <= 2^-26 or
 * is not a number. */
se_status se_softmax_s8_params_from_scale(double input_scale, se_softmax_params *params);

/* Records params in the cache at ctx->buf (size >= se_softmax_s8_get_buffer_size(),
 * 4-byte aligned) and clears its bitmap. */
se_status se_softmax_s8_prepare(const se_context *ctx, const se_softmax_params *params);

/* ctx: the prepared cache (filled further as rows need entries).
 * input, output: int8 [rows][row_size], rows >= 1. */
#define SE_SOFTMAX_S8_ARGS                                                                         \
    const se_context *ctx, const se_softmax_params *params, int32_t rows, int32_t row_size,         \
        const int8_t *input, int8_t *output
se_status se_softmax_s8(SE_SOFTMAX_S8_ARGS);
se_status se_softmax_s8_ref(SE_SOFTMAX_S8_ARGS);
se_status se_softmax_s8_dsp(SE_SOFTMAX_S8_ARGS);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_SOFTMAX_H */
