/*
 * Fully connected over a batch of tokens, DSP kernel (ARMv7E-M SMLAD).
 *
 * Tokens are taken two at a time and packed into scratch as int16 pairs with
 * -input_zp already added (se_matmul_dsp.h); each pair of weight rows is then
 * widened once per 4 inputs and multiplied into both tokens: 2 tokens x 2
 * output channels per inner loop, 4 accumulators, every loaded word used twice.
 * A last odd token (and batch 1) runs 4 output channels against one packed
 * token. The weights are symmetric: no correction term at all.
 */
#include "se_matmul_args.h"
#include "se_matmul_dsp.h"
#include "tinyformer/runtime/se_fully_connected.h"

int32_t se_fully_connected_s8_dsp_get_buffer_size(const se_fc_dims *dims)
{
    if (!se_fc_dims_ok(dims)) {
        return 0;
    }
    const int32_t words = dims->tokens >= 2 ? se_matmul_packed_pair_words(dims->in_features)
                                            : se_matmul_packed_words(dims->in_features);
    return words * (int32_t)sizeof(uint32_t);
}

/* What every output channel loop needs besides the data. */
typedef struct {
    const se_per_channel_quant *quant;
    const int32_t *bias; /* may be NULL */
    int32_t in_features;
    int32_t out_features;
    int32_t output_zp;
    int32_t act_min;
    int32_t act_max;
} fc_job;

SE_INLINE int32_t fc_bias(const fc_job *job, int32_t o) { return job->bias != NULL ? job->bias[o] : 0; }

/* Output channels per accumulator chunk: their dot products are kept as int32
 * on the stack and requantized in a separate pass, whose loop keeps the output
 * parameters in registers (next to the dot products they would be spilled). */
#define FC_CHANNEL_CHUNK 16

/* out_t[first + i] = output stage of acc[i * tokens + t], i < count, t < tokens (1 or 2). */
static SE_MATMUL_NOINLINE void fc_store(const fc_job *job, const int32_t *acc, int32_t first, int32_t count,
                                        int32_t tokens, int8_t *out0, int8_t *out1)
{
    const int32_t *multiplier = job->quant->multiplier, *shift = job->quant->shift;
    const int32_t output_zp = job->output_zp, act_min = job->act_min, act_max = job->act_max;
    for (int32_t o = first; o < first + count; ++o) {
        const se_requant_fast q = se_requant_fast_make(multiplier[o], shift[o]);
        if (se_matmul_output_is_plain(&q, act_min, act_max)) {
            out0[o] = se_matmul_output_s8_plain(acc[0], &q, output_zp);
            if (tokens == 2) {
                out1[o] = se_matmul_output_s8_plain(acc[1], &q, output_zp);
            }
        } else {
            out0[o] = se_matmul_output_s8(acc[0], &q, output_zp, act_min, act_max);
            if (tokens == 2) {
                out1[o] = se_matmul_output_s8(acc[1], &q, output_zp, act_min, act_max);
            }
        }
        acc += tokens;
    }
}

/* Every output channel of two tokens, packed as a pair in `packed`. */
static SE_MATMUL_NOINLINE void fc_token_pair(const fc_job *job, const int8_t *weights, const uint32_t *packed,
                                             int8_t *out0, int8_t *out1)
{
    const int32_t in_features = job->in_features, out_features = job->out_features;
    int32_t acc[2 * FC_CHANNEL_CHUNK]; /* [channel][token] */
    const int8_t *w = weights;
    for (int32_t first = 0; first < out_features; first += FC_CHANNEL_CHUNK) {
        const int32_t count = out_features - first < FC_CHANNEL_CHUNK ? out_features - first : FC_CHANNEL_CHUNK;
        int32_t i = 0;
        for (; i + 1 < count; i += 2) {
            int32_t *block = &acc[2 * i];
            block[0] = block[1] = fc_bias(job, first + i);
            block[2] = block[3] = fc_bias(job, first + i + 1);
            se_matmul_dot_2x2(w, w + in_features, packed, in_features, block);
            w += 2 * (ptrdiff_t)in_features;
        }
        if (i < count) {
            int32_t *block = &acc[2 * i];
            block[0] = block[1] = fc_bias(job, first + i);
            se_matmul_dot_1x2(w, packed, in_features, block);
            w += in_features;
        }
        fc_store(job, acc, first, count, 2, out0, out1);
    }
}

/* Every output channel of one token, packed as a single column in `packed`. */
static SE_MATMUL_NOINLINE void fc_single_token(const fc_job *job, const int8_t *weights, const uint32_t *packed,
                                               int8_t *out)
{
    const int32_t in_features = job->in_features, out_features = job->out_features;
    int32_t acc[FC_CHANNEL_CHUNK];
    const int8_t *w = weights;
    for (int32_t first = 0; first < out_features; first += FC_CHANNEL_CHUNK) {
        const int32_t count = out_features - first < FC_CHANNEL_CHUNK ? out_features - first : FC_CHANNEL_CHUNK;
        int32_t i = 0;
        for (; i + 3 < count; i += 4) {
            int32_t *block = &acc[i];
            for (int32_t r = 0; r < 4; ++r) {
                block[r] = fc_bias(job, first + i + r);
            }
            se_matmul_dot_4x1(w, in_features, packed, in_features, block);
            w += 4 * (ptrdiff_t)in_features;
        }
        for (; i < count; ++i) {
            acc[i] = se_matmul_dot_1x1(w, packed, in_features, fc_bias(job, first + i));
            w += in_features;
        }
        fc_store(job, acc, first, count, 1, out, out);
    }
}

se_status se_fully_connected_s8_dsp(SE_FULLY_CONNECTED_S8_ARGS)
{
    const se_status status = se_fc_check_args(ctx, params, quant, dims, input, weights, output,
                                              se_fully_connected_s8_dsp_get_buffer_size(dims));
    if (status != SE_OK) {
        return status;
    }
    const fc_job job = {quant,           bias,          dims->in_features, dims->out_features, params->output_zp,
                        params->act.min, params->act.max};
    const int32_t in_features = dims->in_features, out_features = dims->out_features;
    uint32_t *packed = (uint32_t *)ctx->buf;

    int32_t t = 0;
    for (; t + 1 < dims->tokens; t += 2) {
        const int8_t *x0 = input + (ptrdiff_t)t * in_features;
        int8_t *out0 = output + (ptrdiff_t)t * out_features;
        int32_t sums[2]; /* unused: the weights have no zero point */
        se_matmul_pack_column_pair(x0, x0 + in_features, 1, in_features, -params->input_zp, packed, sums);
        fc_token_pair(&job, weights, packed, out0, out0 + out_features);
    }
    if (t < dims->tokens) {
        (void)se_matmul_pack_column(input + (ptrdiff_t)t * in_features, 1, in_features, -params->input_zp, packed);
        fc_single_token(&job, weights, packed, output + (ptrdiff_t)t * out_features);
    }
    return SE_OK;
}
