/* Depthwise 3x3 on the emulated Cortex-M7: the anchors.md shape (16x16x64, pad 1,
 * stride 1, zero points -128, per-channel requantization) for both variants,
 * plus stride 2 for reference (no CMSIS-NN figure). MACs count padded taps. */
#include "bench.h"

static void bench_dw_case(const char *kernel, se_status (*fn)(SE_CONV2D_S8_ARGS),
                          int32_t (*size_fn)(const se_dims *), int32_t stride, double cmsis, const char *baseline)
{
    bench_reset_arena();
    const int32_t h = 16, w = 16, c = 64;
    const int32_t out_h = (h + 2 - 3) / stride + 1, out_w = (w + 2 - 3) / stride + 1;
    se_dims in_dims = {1, h, w, c}, f_dims = {1, 3, 3, c}, o_dims = {1, out_h, out_w, c};
    int8_t *input = bench_alloc((uint32_t)(h * w * c));
    int8_t *filter = bench_alloc((uint32_t)(9 * c));
    int8_t *output = bench_alloc((uint32_t)(out_h * out_w * c));
    int32_t *bias = bench_alloc((uint32_t)(4 * c));
    int32_t *mult = bench_alloc((uint32_t)(4 * c)), *shift = bench_alloc((uint32_t)(4 * c));
    bench_fill_s8(input, h * w * c, 11u);
    bench_fill_s8(filter, 9 * c, 12u);
    bench_fill_quant(mult, shift, c, 13u);
    for (int32_t i = 0; i < c; i++) {
        bias[i] = (i * 977) % 20001 - 10000;
    }
    int32_t scratch_size = size_fn(&in_dims);
    se_context ctx = {scratch_size > 0 ? bench_alloc((uint32_t)scratch_size) : 0, scratch_size};
    se_conv_params params = {-128, -128, stride, stride, 1, 1, {-128, 127}};
    se_per_channel_quant quant = {mult, shift};
    bench_begin();
    se_status st = fn(&ctx, &params, &quant, &in_dims, input, &f_dims, filter, bias, &o_dims, output);
    uint32_t instructions = bench_end();
    if (bench_ok(kernel, st)) {
        bench_report(kernel, stride == 1 ? "16x16x64, 3x3, pad 1, stride 1" : "16x16x64, 3x3, pad 1, stride 2",
                     instructions, (uint32_t)(out_h * out_w * c * 9), "MAC", cmsis, baseline);
    }
}

void bench_depthwise(void)
{
    static const char k_base[] = "CMSIS-NN arm_depthwise_conv_3x3_s8";
    bench_dw_case("se_depthwise_conv3x3_s8_ref", se_depthwise_conv3x3_s8_ref,
                  se_depthwise_conv3x3_s8_ref_get_buffer_size, 1, 10.15, "CMSIS-NN plain C build");
    bench_dw_case("se_depthwise_conv3x3_s8_dsp", se_depthwise_conv3x3_s8_dsp,
                  se_depthwise_conv3x3_s8_dsp_get_buffer_size, 1, 8.48, k_base);
    bench_dw_case("se_depthwise_conv3x3_s8_ref", se_depthwise_conv3x3_s8_ref,
                  se_depthwise_conv3x3_s8_ref_get_buffer_size, 2, 0, "none");
    bench_dw_case("se_depthwise_conv3x3_s8_dsp", se_depthwise_conv3x3_s8_dsp,
                  se_depthwise_conv3x3_s8_dsp_get_buffer_size, 2, 0, "none");
}
