/*
 * Softmax over the last axis with an on-demand exp cache.
 *
 * Input int8 logits with scale s_in; output int8 with scale 1/256 and zero
 * point -128 (TFLite convention). For each row, d = max(row) - x in [0, 255];
 * exp(-s_in * d) in Q0.31 is looked up in a 256-entry table that is filled on
 * first use of each d, guarded by a 256-bit bitmap (the paper's exp cache).
 * The cache lives in caller scratch (se_softmax_s8_get_buffer_size(), 1056 B,
 * may be shared with convolution scratch between layers) and stays valid
 * across calls with the same parameters, so attention can run one row at a
 * time without refilling it. Call se_softmax_s8_prepare() before the first
 * row of a layer (it clears the bitmap); se_softmax_s8 rejects a cache that
 * was prepared for other parameters. Variants as in se_conv.h.
 */
#ifndef TINYFORMER_RUNTIME_SE_SOFTMAX_H
#define TINYFORMER_RUNTIME_SE_SOFTMAX_H

#include "se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    /* s_in * beta as a fixed-point multiplier, TFLite PreprocessSoftmaxScaling
     * with 5 integer bits: input_multiplier in [2^30, 2^31), input_left_shift
     * in [0, 31]. */
    int32_t input_multiplier;
    int32_t input_left_shift;
    /* Differences d with exp(-s_in * d) below what Q0.31 resolves give 0;
     * d > diff_max contributes nothing. In [0, 255]. */
    int32_t diff_max;
} se_softmax_params;

/* The cache layout (what the scratch buffer holds). */
typedef struct {
    uint32_t magic;          /* set by prepare */
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t diff_max;
    uint32_t filled[8];      /* bit d set: exp_q31[d] is valid */
    int32_t exp_q31[256];    /* exp(-s_in * d) in Q0.31 */
} se_exp_cache;

int32_t se_softmax_s8_get_buffer_size(void);

se_status se_softmax_s8_prepare(const se_context *ctx, const se_softmax_params *params);

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
