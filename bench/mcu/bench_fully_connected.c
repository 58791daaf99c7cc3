/*
 * Fully connected 256 -> 768 at batch 1 and batch 64 (shared/notes/anchors.md),
 * input and output zero point -128, per-channel requantization, with bias.
 * MACs = tokens * in_features * out_features.
 */
#include "bench.h"

#define FC_CMSIS_PER_MAC 2.07
#define FC_BASELINE "CMSIS-NN arm_fully_connected_s8"

typedef se_status (*fc_kernel)(SE_FULLY_CONNECTED_S8_ARGS);
typedef int32_t (*fc_buffer_size)(const se_fc_dims *dims);

static void bench_fc_case(const char *name, fc_kernel kernel, fc_buffer_size buffer_size, int32_t tokens,
                          const char *shape)
{
    const se_fc_dims dims = {tokens, 256, 768};
    bench_reset_arena();
    int8_t *input = (int8_t *)bench_alloc((uint32_t)(dims.tokens * dims.in_features));
    int8_t *weights = (int8_t *)bench_alloc((uint32_t)(dims.out_features * dims.in_features));
    int32_t *bias = (int32_t *)bench_alloc((uint32_t)dims.out_features * 4u);
    int32_t *multiplier = (int32_t *)bench_alloc((uint32_t)dims.out_features * 4u);
    int32_t *shift = (int32_t *)bench_alloc((uint32_t)dims.out_features * 4u);
    int8_t *output = (int8_t *)bench_alloc((uint32_t)(dims.tokens * dims.out_features));
    bench_fill_s8(input, dims.tokens * dims.in_features, 11u);
    bench_fill_s8(weights, dims.out_features * dims.in_features, 12u);
    for (int32_t o = 0; o < dims.out_features; o++) {
        bias[o] = (o * 7919) % 4001 - 2000;
    }
    bench_fill_quant(multiplier, shift, dims.out_features, 13u);

    const int32_t scratch_bytes = buffer_size(&dims);
    se_context ctx = {scratch_bytes > 0 ? bench_alloc((uint32_t)scratch_bytes) : (void *)0, scratch_bytes};
    const se_fc_params params = {-128, -128, {-128, 127}};
    const se_per_channel_quant quant = {multiplier, shift};

    bench_begin();
    const se_status status = kernel(&ctx, &params, &quant, &dims, input, weights, bias, output);
    const uint32_t instructions = bench_end();
    if (bench_ok(name, status)) {
        const uint32_t macs = (uint32_t)(dims.tokens * dims.in_features * dims.out_features);
        bench_report(name, shape, instructions, macs, "MAC", FC_CMSIS_PER_MAC, FC_BASELINE);
    }
}

void bench_fully_connected(void)
{
    bench_fc_case("se_fully_connected_s8_ref", se_fully_connected_s8_ref, se_fully_connected_s8_ref_get_buffer_size,
                  1, "256 -> 768, batch 1");
    bench_fc_case("se_fully_connected_s8_dsp", se_fully_connected_s8_dsp, se_fully_connected_s8_dsp_get_buffer_size,
                  1, "256 -> 768, batch 1");
    bench_fc_case("se_fully_connected_s8_ref", se_fully_connected_s8_ref, se_fully_connected_s8_ref_get_buffer_size,
                  64, "256 -> 768, batch 64");
    bench_fc_case("se_fully_connected_s8_dsp", se_fully_connected_s8_dsp, se_fully_connected_s8_dsp_get_buffer_size,
                  64, "256 -> 768, batch 64");
}
