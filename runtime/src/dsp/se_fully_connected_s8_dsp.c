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

SE_INLINE int8_t fc_output(const fc_job *job, int32_t o, int32_t acc)
{
    const se_matmul_requant q = se_matmul_requant_make(job->quant->multiplier[o], job->quant->shift[o]);
    return se_matmul_output_s8(acc, &q, job->output_zp, job->act_min, job->act_max);
}

SE_INLINE int32_t fc_bias(const fc_job *job, int32_t o) { return job->bias != NULL ? job->bias[o] : 0; }

/* Every output channel of two tokens, packed as a pair in `packed`. */
static SE_MATMUL_NOINLINE void fc_token_pair(const fc_job *job, const int8_t *weights, const uint32_t *packed,
                                             int8_t *out0, int8_t *out1)
{
    const int32_t in_features = job->in_features;
    const int8_t *w = weights;
    int32_t o = 0;
    for (; o + 1 < job->out_features; o += 2) {
        const int32_t bias0 = fc_bias(job, o), bias1 = fc_bias(job, o + 1);
        int32_t acc[4] = {bias0, bias0, bias1, bias1}; /* [channel][token] */
        se_matmul_dot_2x2(w, w + in_features, packed, in_features, acc);
        out0[o] = fc_output(job, o, acc[0]);
        out1[o] = fc_output(job, o, acc[1]);
        out0[o + 1] = fc_output(job, o + 1, acc[2]);
        out1[o + 1] = fc_output(job, o + 1, acc[3]);
        w += 2 * (ptrdiff_t)in_features;
    }
    if (o < job->out_features) {
        const int32_t bias0 = fc_bias(job, o);
        int32_t acc[2] = {bias0, bias0};
        se_matmul_dot_1x2(w, packed, in_features, acc);
        out0[o] = fc_output(job, o, acc[0]);
        out1[o] = fc_output(job, o, acc[1]);
    }
}

/* Every output channel of one token, packed as a single column in `packed`. */
static SE_MATMUL_NOINLINE void fc_single_token(const fc_job *job, const int8_t *weights, const uint32_t *packed,
                                               int8_t *out)
{
    const int32_t in_features = job->in_features;
    const int8_t *w = weights;
    int32_t o = 0;
    for (; o + 3 < job->out_features; o += 4) {
        int32_t acc[4] = {fc_bias(job, o), fc_bias(job, o + 1), fc_bias(job, o + 2), fc_bias(job, o + 3)};
        se_matmul_dot_4x1(w, in_features, packed, in_features, acc);
        for (int32_t r = 0; r < 4; ++r) {
            out[o + r] = fc_output(job, o + r, acc[r]);
        }
        w += 4 * (ptrdiff_t)in_features;
    }
    for (; o < job->out_features; ++o) {
        out[o] = fc_output(job, o, se_matmul_dot_1x1(w, packed, in_features, fc_bias(job, o)));
        w += in_features;
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
