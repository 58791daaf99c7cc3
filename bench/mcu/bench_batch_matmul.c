/*
 * Batched matmul at the attention shape of shared/notes/anchors.md: 64 x 64
 * times (64 x 64)^T (Q*K^T, rhs_transposed = 1), plus the same size as A*V
 * (rhs_transposed = 0, no CMSIS-NN counterpart) and a strided multi-head case
 * (64 tokens, 4 heads of 16 inside [64, 64] Q and K, scores [4, 64, 64]). Zero points -128 (lhs,
 * output) and 5 (rhs): both operands asymmetric. MACs = batch * m * n * k.
 */
#include "bench.h"

#define MATMUL_CMSIS_PER_MAC 2.68
#define MATMUL_BASELINE "CMSIS-NN arm_batch_matmul_s8"

typedef se_status (*matmul_kernel)(SE_BATCH_MATMUL_S8_ARGS);
typedef int32_t (*matmul_buffer_size)(const se_matmul_dims *dims);

static void bench_matmul_case(const char *name, matmul_kernel kernel, matmul_buffer_size buffer_size,
                              const se_matmul_dims *dims, const char *shape, double cmsis)
{
    bench_reset_arena();
    /* lhs and rhs are [64, 64] tensors, heads are column slices; output up to 4 x [64, 64]. */
    int8_t *lhs = (int8_t *)bench_alloc(64u * 64u);
    int8_t *rhs = (int8_t *)bench_alloc(64u * 64u);
    int8_t *output = (int8_t *)bench_alloc(4u * 64u * 64u);
    bench_fill_s8(lhs, 64 * 64, 21u);
    bench_fill_s8(rhs, 64 * 64, 22u);

    const int32_t scratch_bytes = buffer_size(dims);
    se_context ctx = {scratch_bytes > 0 ? bench_alloc((uint32_t)scratch_bytes) : (void *)0, scratch_bytes};
    const se_matmul_params params = {-128, 5, -128, {-128, 127}};
    const se_quant quant = {1518500250, -9};

    bench_begin();
    const se_status status = kernel(&ctx, &params, &quant, dims, lhs, rhs, output);
    const uint32_t instructions = bench_end();
    if (bench_ok(name, status)) {
        const uint32_t macs = (uint32_t)(dims->batch * dims->m * dims->n * dims->k);
        bench_report(name, shape, instructions, macs, "MAC", cmsis, cmsis > 0.0 ? MATMUL_BASELINE : (const char *)0);
    }
}

static void bench_matmul_variants(const se_matmul_dims *dims, const char *shape, double cmsis)
{
    bench_matmul_case("se_batch_matmul_s8_ref", se_batch_matmul_s8_ref, se_batch_matmul_s8_ref_get_buffer_size, dims,
                      shape, cmsis);
    bench_matmul_case("se_batch_matmul_s8_dsp", se_batch_matmul_s8_dsp, se_batch_matmul_s8_dsp_get_buffer_size, dims,
                      shape, cmsis);
}

void bench_batch_matmul(void)
{
    /* batch, m, n, k, rhs_transposed, strides: lhs row/batch, rhs row/batch, out row/batch */
    const se_matmul_dims qk = {1, 64, 64, 64, 1, 64, 0, 64, 0, 64, 0};
    const se_matmul_dims av = {1, 64, 64, 64, 0, 64, 0, 64, 0, 64, 0};
    const se_matmul_dims qk_heads = {4, 64, 64, 16, 1, 64, 16, 64, 16, 64, 64 * 64};
    bench_matmul_variants(&qk, "64x64 times (64x64)^T", MATMUL_CMSIS_PER_MAC);
    bench_matmul_variants(&av, "64x64 times 64x64 (A*V)", 0.0);
    bench_matmul_variants(&qk_heads, "4 heads: 64x16 times (64x16)^T, strided", 0.0);
}
