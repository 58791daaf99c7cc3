/*
 * Dense convolutions (conv2d, pointwise 1x1) on the emulated Cortex-M7, at the
 * shapes of the CMSIS-NN figures in shared/notes/anchors.md: input and output
 * zero point -128, per-channel requantization, random int8 data. MACs count
 * padded taps. The _dsp and dispatch rows compare with CMSIS-NN's DSP build,
 * the _ref rows with its plain C build.
 */
#include "bench.h"

typedef se_status (*conv_fn)(const se_context *, const se_conv_params *, const se_per_channel_quant *,
                             const se_dims *, const int8_t *, const se_dims *, const int8_t *, const int32_t *,
                             const se_dims *, int8_t *);

typedef struct {
    const char *kernel;
    conv_fn run;
    int32_t scratch_bytes;
    double cmsis;
    const char *baseline;
} conv_run;

/* One shape, every variant: same data, one measured call each. */
static void bench_conv_shape(const char *shape, const se_dims *input_dims, const se_dims *filter_dims,
                             const se_dims *output_dims, int32_t stride, int32_t pad, const conv_run *runs,
                             int num_runs)
{
    bench_reset_arena();
    const int32_t in_size = input_dims->n * input_dims->h * input_dims->w * input_dims->c;
    const int32_t filter_size = filter_dims->n * filter_dims->h * filter_dims->w * filter_dims->c;
    const int32_t out_size = output_dims->n * output_dims->h * output_dims->w * output_dims->c;
    const int32_t out_c = output_dims->c;
    int8_t *input = bench_alloc((uint32_t)in_size);
    int8_t *filter = bench_alloc((uint32_t)filter_size);
    int8_t *output = bench_alloc((uint32_t)out_size);
    int32_t *bias = bench_alloc(4u * (uint32_t)out_c);
    int32_t *multiplier = bench_alloc(4u * (uint32_t)out_c);
    int32_t *shift = bench_alloc(4u * (uint32_t)out_c);
    bench_fill_s8(input, in_size, 11u);
    bench_fill_s8(filter, filter_size, 12u);
    bench_fill_quant(multiplier, shift, out_c, 13u);
    for (int32_t c = 0; c < out_c; c++) {
        bias[c] = (c * 7919) % 4001 - 2000;
    }
    const se_conv_params params = {-128, -128, stride, stride, pad, pad, {-128, 127}};
    const se_per_channel_quant quant = {multiplier, shift};
    const uint32_t macs = (uint32_t)out_size * (uint32_t)(filter_dims->h * filter_dims->w * filter_dims->c);

    for (int r = 0; r < num_runs; r++) {
        const int32_t scratch_bytes = runs[r].scratch_bytes;
        const se_context ctx = {scratch_bytes > 0 ? bench_alloc((uint32_t)scratch_bytes) : NULL, scratch_bytes};
        bench_begin();
        const se_status status =
            runs[r].run(&ctx, &params, &quant, input_dims, input, filter_dims, filter, bias, output_dims, output);
        const uint32_t instructions = bench_end();
        if (bench_ok(runs[r].kernel, status)) {
            bench_report(runs[r].kernel, shape, instructions, macs, "MAC", runs[r].cmsis, runs[r].baseline);
        }
    }
}

void bench_conv(void)
{
    {
        const se_dims in = {1, 16, 16, 32}, f = {32, 3, 3, 32}, out = {1, 16, 16, 32};
        const conv_run runs[] = {
            {"se_conv2d_s8_ref", se_conv2d_s8_ref, se_conv2d_s8_ref_get_buffer_size(&in, &f), 2.87,
             "CMSIS-NN arm_convolve_s8 (plain C)"},
            {"se_conv2d_s8_dsp", se_conv2d_s8_dsp, se_conv2d_s8_dsp_get_buffer_size(&in, &f), 1.93,
             "CMSIS-NN arm_convolve_s8 (DSP)"},
            {"se_conv2d_s8", se_conv2d_s8, se_conv2d_s8_get_buffer_size(&in, &f), 1.93,
             "CMSIS-NN arm_convolve_s8 (DSP)"},
        };
        bench_conv_shape("16x16x32 -> 16x16x32, 3x3, pad 1, stride 1", &in, &f, &out, 1, 1, runs, 3);
    }
    {
        const se_dims in = {1, 16, 16, 32}, f = {64, 1, 1, 32}, out = {1, 16, 16, 64};
        const conv_run runs[] = {
            {"se_conv1x1_s8_ref", se_conv1x1_s8_ref, se_conv1x1_s8_ref_get_buffer_size(&in), 3.67,
             "CMSIS-NN arm_convolve_1x1_s8_fast (plain C)"},
            {"se_conv1x1_s8_dsp", se_conv1x1_s8_dsp, se_conv1x1_s8_dsp_get_buffer_size(&in), 2.66,
             "CMSIS-NN arm_convolve_1x1_s8_fast (DSP)"},
            {"se_conv1x1_s8", se_conv1x1_s8, se_conv1x1_s8_get_buffer_size(&in), 2.66,
             "CMSIS-NN arm_convolve_1x1_s8_fast (DSP)"},
        };
        bench_conv_shape("16x16x32 -> 16x16x64, 1x1", &in, &f, &out, 1, 0, runs, 3);
    }
    {   /* no CMSIS-NN figure: a downsampling layer, and a first layer (C_in 3, the generic im2col path) */
        const se_dims in = {1, 16, 16, 32}, f = {64, 3, 3, 32}, out = {1, 8, 8, 64};
        const conv_run runs[] = {
            {"se_conv2d_s8_ref", se_conv2d_s8_ref, se_conv2d_s8_ref_get_buffer_size(&in, &f), 0.0, NULL},
            {"se_conv2d_s8_dsp", se_conv2d_s8_dsp, se_conv2d_s8_dsp_get_buffer_size(&in, &f), 0.0, NULL},
        };
        bench_conv_shape("16x16x32 -> 8x8x64, 3x3, pad 1, stride 2", &in, &f, &out, 2, 1, runs, 2);
    }
    {
        const se_dims in = {1, 32, 32, 3}, f = {32, 3, 3, 3}, out = {1, 32, 32, 32};
        const conv_run runs[] = {
            {"se_conv2d_s8_ref", se_conv2d_s8_ref, se_conv2d_s8_ref_get_buffer_size(&in, &f), 0.0, NULL},
            {"se_conv2d_s8_dsp", se_conv2d_s8_dsp, se_conv2d_s8_dsp_get_buffer_size(&in, &f), 0.0, NULL},
        };
        bench_conv_shape("32x32x3 -> 32x32x32, 3x3, pad 1, stride 1", &in, &f, &out, 1, 1, runs, 2);
    }
    {
        const se_dims in = {1, 16, 16, 33}, f = {31, 1, 1, 33}, out = {1, 16, 16, 31};
        const conv_run runs[] = {
            {"se_conv1x1_s8_dsp", se_conv1x1_s8_dsp, se_conv1x1_s8_dsp_get_buffer_size(&in), 0.0, NULL},
        };
        bench_conv_shape("16x16x33 -> 16x16x31, 1x1 (odd channels)", &in, &f, &out, 1, 0, runs, 1);
    }
}
