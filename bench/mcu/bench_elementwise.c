/* Pools and the requantizing add on the emulated Cortex-M7, per element
 * (pools: per INPUT element; add: per output element). No CMSIS-NN figure. */
#include "bench.h"

typedef se_status (*pool_fn)(SE_POOL_S8_ARGS);
typedef se_status (*gap_fn)(const se_context *, SE_POOL_S8_ARGS);

static void bench_pool2x2(const char *kernel, pool_fn fn)
{
    bench_reset_arena();
    se_dims id = {1, 32, 32, 32}, od = {1, 16, 16, 32};
    int8_t *in = bench_alloc(32 * 32 * 32), *out = bench_alloc(16 * 16 * 32);
    bench_fill_s8(in, 32 * 32 * 32, 21u);
    se_activation act = {-128, 127};
    bench_begin();
    se_status st = fn(&act, &id, in, &od, out);
    uint32_t instructions = bench_end();
    if (bench_ok(kernel, st)) {
        bench_report(kernel, "32x32x32 -> 16x16x32 (per input element)", instructions, 32 * 32 * 32, "elem", 0, "none");
    }
}

static void bench_gap(const char *kernel, gap_fn fn, int32_t (*size_fn)(const se_dims *))
{
    bench_reset_arena();
    se_dims id = {1, 8, 8, 192}, od = {1, 1, 1, 192};
    int8_t *in = bench_alloc(8 * 8 * 192), *out = bench_alloc(192);
    bench_fill_s8(in, 8 * 8 * 192, 22u);
    int32_t size = size_fn(&id);
    se_context ctx = {bench_alloc((uint32_t)size), size};
    se_activation act = {-128, 127};
    bench_begin();
    se_status st = fn(&ctx, &act, &id, in, &od, out);
    uint32_t instructions = bench_end();
    if (bench_ok(kernel, st)) {
        bench_report(kernel, "8x8x192 -> 1x1x192 (per input element)", instructions, 8 * 8 * 192, "elem", 0, "none");
    }
}

static void bench_add(const char *kernel, se_status (*fn)(SE_ADD_S8_ARGS))
{
    bench_reset_arena();
    const int32_t size = 16 * 16 * 64;
    int8_t *a = bench_alloc((uint32_t)size), *b = bench_alloc((uint32_t)size), *out = bench_alloc((uint32_t)size);
    bench_fill_s8(a, size, 23u);
    bench_fill_s8(b, size, 24u);
    /* s_a = 0.05, s_b = 0.08, s_out = 0.1 in TFLite's add convention (left_shift 20). */
    se_add_params p = {-3, 10, -128, 20, {1342177280, -1}, {1073741824, -1}, {1717986918, -19}, {-128, 127}};
    p.input2_quant.shift = -1;
    p.input2_quant.multiplier = 2147483647; /* both input shifts negative: the common case */
    bench_begin();
    se_status st = fn(&p, a, b, size, out);
    uint32_t instructions = bench_end();
    if (bench_ok(kernel, st)) {
        bench_report(kernel, "16x16x64 + 16x16x64", instructions, (uint32_t)size, "elem", 0, "none");
    }
}

void bench_elementwise(void)
{
    bench_pool2x2("se_max_pool2x2_s8_ref", se_max_pool2x2_s8_ref);
    bench_pool2x2("se_max_pool2x2_s8_dsp", se_max_pool2x2_s8_dsp);
    bench_pool2x2("se_avg_pool2x2_s8_ref", se_avg_pool2x2_s8_ref);
    bench_pool2x2("se_avg_pool2x2_s8_dsp", se_avg_pool2x2_s8_dsp);
    bench_gap("se_global_avg_pool_s8_ref", se_global_avg_pool_s8_ref, se_global_avg_pool_s8_ref_get_buffer_size);
    bench_gap("se_global_avg_pool_s8_dsp", se_global_avg_pool_s8_dsp, se_global_avg_pool_s8_dsp_get_buffer_size);
    bench_add("se_add_s8_ref", se_add_s8_ref);
    bench_add("se_add_s8_dsp", se_add_s8_dsp);
}
