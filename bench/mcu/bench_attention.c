/*
 * Multi-head attention on the emulated Cortex-M7 at the TinyFormer-300K
 * shapes (256 tokens x dim 44, 2 heads; 64 tokens x dim 192, 4 heads), from a
 * packed QKV tensor [tokens, 3 * dim]. se_attention_s8 runs block_rows 1, 4,
 * 8 and 16; the baseline is the plain full-matrix composition measured in the
 * same firmware: one batch matmul over all rows and heads into a
 * [heads, tokens, tokens] score buffer, softmax over it, one batch matmul with
 * V. Work is 2 * tokens^2 * dim MACs (both products); the shape column gives
 * the scratch bytes each needs (the full composition's include the score
 * buffer). The blocked outputs are checked against the full composition's.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "tinyformer/runtime/se_attention.h"

typedef struct {
    int32_t tokens, dim, heads;
} attention_shape;

static se_quant quant_of(double real)
{
    se_quant q = {0, 0};
    while (real >= 1.0) {
        real *= 0.5;
        q.shift++;
    }
    while (real < 0.5) {
        real *= 2.0;
        q.shift--;
    }
    q.multiplier = (int32_t)(real * 2147483648.0 + 0.5);
    if (q.multiplier < 0) {
        q.multiplier = 1 << 30;
        q.shift++;
    }
    return q;
}

static se_attention_params params_for(int32_t head_dim)
{
    se_attention_params p;
    p.q_zp = -3;
    p.k_zp = 5;
    p.v_zp = -128;
    p.scores_quant = quant_of(1.0 / (150.0 * (head_dim > 16 ? 4.5 : 3.5))); /* ~ 1 / (150 sqrt(d)) */
    p.scores_zp = 0;
    se_softmax_s8_params_from_scale(0.1, &p.softmax);
    p.out_quant = quant_of(1.0 / 256.0);
    p.out_zp = -128;
    p.act.min = -128;
    p.act.max = 127;
    return p;
}

/* The full-matrix composition. Returns its instructions (0 on error); *scratch_bytes gets its scratch. */
static uint32_t run_full(const attention_shape *s, const se_attention_params *p, const int8_t *qkv, int8_t *out,
                         int32_t *scratch_bytes)
{
    const int32_t t = s->tokens, dim = s->dim, d = s->dim / s->heads, stride = 3 * s->dim;
    const se_matmul_dims qk = {s->heads, t, t, d, 1, stride, d, stride, d, t, t * t};
    const se_matmul_dims pv = {s->heads, t, d, t, 0, t, t * t, stride, d, dim, d};
    const int32_t mm_qk = se_batch_matmul_s8_get_buffer_size(&qk), mm_pv = se_batch_matmul_s8_get_buffer_size(&pv);
    const int32_t mm = mm_qk > mm_pv ? mm_qk : mm_pv;
    const int32_t scores_bytes = s->heads * t * t;
    *scratch_bytes = scores_bytes + se_softmax_s8_get_buffer_size() + mm;
    int8_t *scores = bench_alloc((uint32_t)scores_bytes);
    se_context cache = {bench_alloc((uint32_t)se_softmax_s8_get_buffer_size()), se_softmax_s8_get_buffer_size()};
    se_context mm_ctx = {bench_alloc((uint32_t)mm + 4u), mm};
    const se_matmul_params qk_params = {p->q_zp, p->k_zp, p->scores_zp, {-128, 127}};
    const se_matmul_params pv_params = {-128, p->v_zp, p->out_zp, p->act};

    bench_begin();
    se_status st = se_batch_matmul_s8(&mm_ctx, &qk_params, &p->scores_quant, &qk, qkv, qkv + dim, scores);
    if (st == SE_OK) {
        st = se_softmax_s8_prepare(&cache, &p->softmax);
    }
    if (st == SE_OK) {
        st = se_softmax_s8(&cache, &p->softmax, s->heads * t, t, scores, scores);
    }
    if (st == SE_OK) {
        st = se_batch_matmul_s8(&mm_ctx, &pv_params, &p->out_quant, &pv, scores, qkv + 2 * dim, out);
    }
    const uint32_t instructions = bench_end();
    return bench_ok("full-matrix composition", st) ? instructions : 0u;
}

static void bench_shape(const attention_shape *s)
{
    static const int32_t k_blocks[] = {1, 4, 8, 16};
    bench_reset_arena();
    const int32_t t = s->tokens, dim = s->dim;
    const uint32_t macs = 2u * (uint32_t)t * (uint32_t)t * (uint32_t)dim;
    int8_t *qkv = bench_alloc((uint32_t)(t * 3 * dim));
    int8_t *want = bench_alloc((uint32_t)(t * dim));
    int8_t *got = bench_alloc((uint32_t)(t * dim));
    bench_fill_s8(qkv, t * 3 * dim, 4242u);
    const se_attention_params p = params_for(dim / s->heads);
    char shape[128];

    int32_t full_scratch = 0;
    const uint32_t full = run_full(s, &p, qkv, want, &full_scratch);
    if (full == 0u) {
        return;
    }
    snprintf(shape, sizeof shape, "T%ld D%ld H%ld, full %ldx%ldx%ld scores, scratch %ld B", (long)t, (long)dim,
             (long)s->heads, (long)s->heads, (long)t, (long)t, (long)full_scratch);
    bench_report("matmul+softmax+matmul (full)", shape, full, macs, "MAC", 0.0, NULL);
    const double full_per_mac = (double)full / (double)macs;

    for (unsigned b = 0; b < sizeof k_blocks / sizeof k_blocks[0]; b++) {
        const int32_t block = k_blocks[b];
        const int32_t size = se_attention_s8_get_buffer_size(t, dim, s->heads, block);
        se_context ctx = {bench_alloc((uint32_t)size), size};
        const se_attention_dims dims = {t, dim, s->heads, 3 * dim, 3 * dim, 3 * dim, dim, block};
        memset(got, 0, (size_t)(t * dim));
        bench_begin();
        const se_status st = se_attention_s8(&ctx, &p, &dims, qkv, qkv + dim, qkv + 2 * dim, got);
        const uint32_t instructions = bench_end();
        if (!bench_ok("se_attention_s8", st)) {
            continue;
        }
        if (memcmp(got, want, (size_t)(t * dim)) != 0) {
            bench_ok("se_attention_s8 (output differs from the full composition)", SE_ERR_BAD_PARAM);
            continue;
        }
        snprintf(shape, sizeof shape, "T%ld D%ld H%ld, block_rows %ld, scratch %ld B (dsp %ld / ref %ld)", (long)t,
                 (long)dim, (long)s->heads, (long)block, (long)size,
                 (long)se_attention_s8_dsp_get_buffer_size(t, dim, s->heads, block),
                 (long)se_attention_s8_ref_get_buffer_size(t, dim, s->heads, block));
        bench_report("se_attention_s8", shape, instructions, macs, "MAC", full_per_mac,
                     "full-matrix composition measured above");
    }
}

void bench_attention(void)
{
    static const attention_shape k_shapes[] = {{256, 44, 2}, {64, 192, 4}};
    for (unsigned i = 0; i < sizeof k_shapes / sizeof k_shapes[0]; i++) {
        bench_shape(&k_shapes[i]);
    }
}
