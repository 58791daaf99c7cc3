/*
 * Batched int8 matmul (attention Q*K^T and A*V): se_batch_matmul_s8_ref, _dsp
 * and the dispatching entry point, each bit-exact against a plain-loop oracle
 * (64-bit accumulation, se_test_reference.h), with both rhs layouts, head
 * slices of [tokens, heads * head_dim] tensors, padded strides; plus argument
 * validation. Output gaps between strided rows must stay untouched.
 */
#include <stdio.h>
#include <string.h>

#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_matmul.h"

typedef se_status (*matmul_kernel)(SE_BATCH_MATMUL_S8_ARGS);
typedef int32_t (*matmul_buffer_size)(const se_matmul_dims *dims);

typedef struct {
    const char *name;
    matmul_kernel run;
    matmul_buffer_size buffer_size;
} matmul_variant;

static const matmul_variant k_variants[] = {
    {"ref", se_batch_matmul_s8_ref, se_batch_matmul_s8_ref_get_buffer_size},
    {"dsp", se_batch_matmul_s8_dsp, se_batch_matmul_s8_dsp_get_buffer_size},
    {"dispatch", se_batch_matmul_s8, se_batch_matmul_s8_get_buffer_size},
};
#define MATMUL_VARIANT_COUNT ((int)(sizeof(k_variants) / sizeof(k_variants[0])))

typedef enum {
    LAYOUT_PACKED, /* each operand [batch][rows][cols], rows padded by `pad` elements */
    LAYOUT_HEADS,  /* heads = batch: lhs, rhs and output are column slices of [rows, batch * cols] */
    LAYOUT_SHARED_RHS /* packed, but every batch entry reads the same rhs (rhs_batch_stride 0) */
} matmul_layout;

typedef struct {
    const char *what;
    int32_t batch, m, n, k;
    int32_t rhs_transposed;
    matmul_layout layout;
    int32_t pad;
    int32_t lhs_zp, rhs_zp, output_zp;
    int32_t act_min, act_max;
    int32_t shift;
    int32_t expect_saturation;
    int32_t small_values; /* operands in [-6, 6]: small accumulators, so the rounding of shifts
                             -2..0 shows instead of saturating */
} matmul_case;

static const matmul_case k_cases[] = {
    /* what, batch, m, n, k, transposed, layout, pad, zps (lhs, rhs, out), act, shift, saturation, small values */
    {"1x1x1", 1, 1, 1, 1, 1, LAYOUT_PACKED, 0, -128, 127, 127, -128, 127, -5, 0, 0},
    {"1x1x1 A*V", 1, 1, 1, 1, 0, LAYOUT_PACKED, 0, 127, -128, -128, -128, 127, -5, 0, 0},
    {"odd Q*K^T", 1, 3, 5, 7, 1, LAYOUT_PACKED, 0, -128, 127, 0, -128, 127, -9, 0, 0},
    {"odd A*V", 1, 3, 5, 7, 0, LAYOUT_PACKED, 0, 127, -128, 0, -128, 127, -9, 0, 0},
    {"heads Q*K^T 5 tokens 3x7", 3, 5, 5, 7, 1, LAYOUT_HEADS, 0, -128, -128, -128, -128, 127, -9, 0, 0},
    {"heads A*V 5 tokens 3x7", 3, 5, 7, 5, 0, LAYOUT_HEADS, 0, -128, 5, 3, -128, 127, -9, 0, 0},
    {"batch 4 padded Q*K^T", 4, 9, 11, 13, 1, LAYOUT_PACKED, 3, 17, -33, -5, -128, 127, -10, 0, 0},
    {"batch 4 padded A*V", 4, 9, 11, 13, 0, LAYOUT_PACKED, 3, -17, 33, 5, -128, 127, -10, 0, 0},
    {"batch 4 shared rhs", 4, 6, 10, 12, 1, LAYOUT_SHARED_RHS, 1, 0, 0, 0, -128, 127, -9, 0, 0},
    {"k 2 (no group of 4)", 2, 7, 6, 2, 0, LAYOUT_PACKED, 0, 100, -100, 1, -128, 127, -6, 0, 0},
    {"1 token Q*K^T", 1, 1, 1, 16, 1, LAYOUT_PACKED, 0, -128, -128, -128, -128, 127, -8, 0, 0},
    {"1 query, 64 keys", 2, 1, 64, 16, 1, LAYOUT_HEADS, 0, -128, 0, -128, -128, 127, -9, 0, 0},
    {"64 queries, 1 value column", 1, 64, 1, 9, 0, LAYOUT_PACKED, 0, -128, 127, 0, -128, 127, -9, 0, 0},
    {"64 tokens Q*K^T 4 heads", 4, 64, 64, 16, 1, LAYOUT_HEADS, 0, -128, 3, -128, -128, 127, -10, 0, 0},
    {"64 tokens A*V 2 heads", 2, 64, 16, 64, 0, LAYOUT_HEADS, 0, -128, -7, 0, -128, 127, -13, 0, 0},
    {"relu clamp", 2, 7, 9, 21, 1, LAYOUT_PACKED, 2, 4, -4, -30, -30, 127, -10, 0, 0},
    {"clamp [-60, 60]", 2, 7, 9, 21, 0, LAYOUT_PACKED, 2, 4, -4, 0, -60, 60, -9, 0, 0},
    {"saturation shift +3", 2, 5, 6, 11, 1, LAYOUT_PACKED, 0, -128, 0, 0, -128, 127, 3, 1, 0},
    {"saturation lhs_zp 127 out_zp 127", 3, 5, 7, 9, 0, LAYOUT_HEADS, 0, 127, 0, 127, -128, 127, 0, 1, 0},
    {"shift -31", 1, 4, 4, 8, 1, LAYOUT_PACKED, 0, -128, -128, 7, -128, 127, -31, 0, 0},
    {"shift +30", 1, 4, 5, 3, 0, LAYOUT_PACKED, 0, 0, 0, 0, -128, 127, 30, 0, 0},
    {"rounding shift 0", 2, 5, 6, 7, 1, LAYOUT_PACKED, 0, 1, -2, 3, -128, 127, 0, 0, 1},
    {"rounding shift -1", 2, 5, 6, 7, 0, LAYOUT_PACKED, 0, -1, 2, -3, -128, 127, -1, 0, 1},
    {"rounding shift -2", 2, 5, 7, 9, 1, LAYOUT_HEADS, 0, 0, 0, 0, -128, 127, -2, 0, 1},
};

typedef struct {
    se_matmul_dims dims;
    int32_t lhs_size, rhs_size, out_size;
} matmul_shape;

/* Strides and buffer sizes of a case. */
static matmul_shape shape_of(const matmul_case *c)
{
    matmul_shape s;
    se_matmul_dims *d = &s.dims;
    const int32_t rhs_rows = c->rhs_transposed ? c->n : c->k, rhs_cols = c->rhs_transposed ? c->k : c->n;
    d->batch = c->batch;
    d->m = c->m;
    d->n = c->n;
    d->k = c->k;
    d->rhs_transposed = c->rhs_transposed;
    if (c->layout == LAYOUT_HEADS) {
        d->lhs_row_stride = c->batch * c->k;
        d->lhs_batch_stride = c->k;
        d->rhs_row_stride = c->batch * rhs_cols;
        d->rhs_batch_stride = rhs_cols;
        d->out_row_stride = c->batch * c->n;
        d->out_batch_stride = c->n;
    } else {
        d->lhs_row_stride = c->k + c->pad;
        d->lhs_batch_stride = c->m * d->lhs_row_stride;
        d->rhs_row_stride = rhs_cols + c->pad;
        d->rhs_batch_stride = c->layout == LAYOUT_SHARED_RHS ? 0 : rhs_rows * d->rhs_row_stride;
        d->out_row_stride = c->n + c->pad;
        d->out_batch_stride = c->m * d->out_row_stride;
    }
    s.lhs_size = (c->batch - 1) * d->lhs_batch_stride + (c->m - 1) * d->lhs_row_stride + c->k;
    s.rhs_size = (c->batch - 1) * d->rhs_batch_stride + (rhs_rows - 1) * d->rhs_row_stride + rhs_cols;
    s.out_size = (c->batch - 1) * d->out_batch_stride + (c->m - 1) * d->out_row_stride + c->n;
    return s;
}

/* The oracle: the formula of se_matmul.h in 64-bit arithmetic, rhs' read
 * element by element from whichever layout. */
static void oracle_matmul(const matmul_case *c, const se_matmul_dims *d, const se_quant *q, const int8_t *lhs,
                          const int8_t *rhs, int8_t *out)
{
    for (int32_t b = 0; b < c->batch; b++) {
        for (int32_t m = 0; m < c->m; m++) {
            for (int32_t n = 0; n < c->n; n++) {
                int64_t acc = 0;
                for (int32_t k = 0; k < c->k; k++) {
                    const int8_t a = lhs[b * d->lhs_batch_stride + m * d->lhs_row_stride + k];
                    const int8_t r = c->rhs_transposed ? rhs[b * d->rhs_batch_stride + n * d->rhs_row_stride + k]
                                                       : rhs[b * d->rhs_batch_stride + k * d->rhs_row_stride + n];
                    acc += ((int64_t)a - c->lhs_zp) * ((int64_t)r - c->rhs_zp);
                }
                out[b * d->out_batch_stride + m * d->out_row_stride + n] =
                    ref_output_s8((int32_t)acc, q->multiplier, q->shift, c->output_zp, c->act_min, c->act_max);
            }
        }
    }
}

static void run_case(const matmul_case *c, uint32_t seed)
{
    uint32_t rng = seed;
    const matmul_shape s = shape_of(c);
    int8_t *lhs = (int8_t *)se_test_alloc((size_t)s.lhs_size);
    int8_t *rhs = (int8_t *)se_test_alloc((size_t)s.rhs_size);
    int8_t *output = (int8_t *)se_test_alloc((size_t)s.out_size);
    int8_t *want = (int8_t *)se_test_alloc((size_t)s.out_size);
    const int32_t lo = c->small_values ? -6 : -128, hi = c->small_values ? 6 : 127;
    se_test_fill_s8(&rng, lhs, s.lhs_size, lo, hi);
    se_test_fill_s8(&rng, rhs, s.rhs_size, lo, hi);
    se_quant quant;
    se_test_rand_quant(&rng, c->shift, c->shift, &quant.multiplier, &quant.shift);

    /* Gaps of strided outputs keep this sentinel. */
    memset(want, 0x5A, (size_t)s.out_size);
    oracle_matmul(c, &s.dims, &quant, lhs, rhs, want);

    char name[320];
    if (c->expect_saturation) {
        int lo = 0, hi = 0;
        for (int32_t i = 0; i < s.out_size; i++) {
            lo |= want[i] == -128;
            hi |= want[i] == 127;
        }
        snprintf(name, sizeof(name), "matmul %s: oracle saturates both ways", c->what);
        se_test_check(lo && hi, name, "expected outputs at -128 and 127 (lo %d, hi %d)", lo, hi);
    }

    const se_matmul_params params = {c->lhs_zp, c->rhs_zp, c->output_zp, {c->act_min, c->act_max}};
    for (int v = 0; v < MATMUL_VARIANT_COUNT; v++) {
        const int32_t scratch_bytes = k_variants[v].buffer_size(&s.dims);
        void *scratch = se_test_alloc((size_t)(scratch_bytes > 0 ? scratch_bytes : 1));
        const se_context ctx = {scratch, scratch_bytes};
        memset(output, 0x5A, (size_t)s.out_size);
        snprintf(name, sizeof(name),
                 "matmul %s [%s]: batch %ld, m %ld, n %ld, k %ld, %s, strides lhs %ld/%ld rhs %ld/%ld out %ld/%ld, "
                 "zp %ld/%ld/%ld, shift %ld",
                 c->what, k_variants[v].name, (long)c->batch, (long)c->m, (long)c->n, (long)c->k,
                 c->rhs_transposed ? "rhs [N,K]" : "rhs [K,N]", (long)s.dims.lhs_row_stride,
                 (long)s.dims.lhs_batch_stride, (long)s.dims.rhs_row_stride, (long)s.dims.rhs_batch_stride,
                 (long)s.dims.out_row_stride, (long)s.dims.out_batch_stride, (long)c->lhs_zp, (long)c->rhs_zp,
                 (long)c->output_zp, (long)quant.shift);
        const se_status status = k_variants[v].run(&ctx, &params, &quant, &s.dims, lhs, rhs, output);
        if (se_test_expect_status(name, status, SE_OK)) {
            se_test_compare_s8(name, output, want, s.out_size);
        }
        se_test_free(scratch);
    }
    se_test_free(lhs);
    se_test_free(rhs);
    se_test_free(output);
    se_test_free(want);
}

/* Each invalid argument, alone, against an otherwise valid call. */
static void run_invalid_args(const matmul_variant *v)
{
    enum { M = 3, N = 4, K = 5 };
    int8_t lhs[M * K] = {0}, rhs[N * K] = {0}, output[M * N];
    uint32_t scratch[64 + 1];
    const se_matmul_dims dims = {1, M, N, K, 1, K, 0, K, 0, N, 0};
    const se_matmul_params params = {-128, 127, 0, {-128, 127}};
    const se_quant quant = {1 << 30, -3};
    const int32_t need = v->buffer_size(&dims);
    const se_context ctx = {scratch, need};
    char name[112];

#define MM_EXPECT(what, want, call)                                                                                \
    do {                                                                                                           \
        snprintf(name, sizeof(name), "matmul invalid [%s]: %s", v->name, what);                                    \
        se_test_expect_status(name, call, want);                                                                   \
    } while (0)

    se_test_check(need >= 0 && need <= (int32_t)sizeof(scratch) - 4, "matmul invalid: scratch fits", "need %ld",
                  (long)need);
    MM_EXPECT("valid call", SE_OK, v->run(&ctx, &params, &quant, &dims, lhs, rhs, output));
    MM_EXPECT("ctx NULL", SE_ERR_NULL_POINTER, v->run(NULL, &params, &quant, &dims, lhs, rhs, output));
    MM_EXPECT("params NULL", SE_ERR_NULL_POINTER, v->run(&ctx, NULL, &quant, &dims, lhs, rhs, output));
    MM_EXPECT("quant NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, NULL, &dims, lhs, rhs, output));
    MM_EXPECT("dims NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, &quant, NULL, lhs, rhs, output));
    MM_EXPECT("lhs NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, &quant, &dims, NULL, rhs, output));
    MM_EXPECT("rhs NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, &quant, &dims, lhs, NULL, output));
    MM_EXPECT("output NULL", SE_ERR_NULL_POINTER, v->run(&ctx, &params, &quant, &dims, lhs, rhs, NULL));

    {
        typedef struct {
            const char *what;
            se_status want;
            se_matmul_dims dims;
        } bad_dims;
        const bad_dims bad[] = {
            {"batch 0", SE_ERR_BAD_SHAPE, {0, M, N, K, 1, K, 0, K, 0, N, 0}},
            {"m 0", SE_ERR_BAD_SHAPE, {1, 0, N, K, 1, K, 0, K, 0, N, 0}},
            {"n -1", SE_ERR_BAD_SHAPE, {1, M, -1, K, 1, K, 0, K, 0, N, 0}},
            {"k 0", SE_ERR_BAD_SHAPE, {1, M, N, 0, 1, K, 0, K, 0, N, 0}},
            {"rhs_transposed 2", SE_ERR_BAD_PARAM, {1, M, N, K, 2, K, 0, K, 0, N, 0}},
            {"lhs_row_stride < k", SE_ERR_BAD_PARAM, {1, M, N, K, 1, K - 1, 0, K, 0, N, 0}},
            {"rhs_row_stride < k (rhs [N,K])", SE_ERR_BAD_PARAM, {1, M, N, K, 1, K, 0, K - 1, 0, N, 0}},
            {"rhs_row_stride < n (rhs [K,N])", SE_ERR_BAD_PARAM, {1, M, N, K, 0, K, 0, N - 1, 0, N, 0}},
            {"out_row_stride < n", SE_ERR_BAD_PARAM, {1, M, N, K, 1, K, 0, K, 0, N - 1, 0}},
            {"lhs_batch_stride -1", SE_ERR_BAD_PARAM, {1, M, N, K, 1, K, -1, K, 0, N, 0}},
            {"rhs_batch_stride -1", SE_ERR_BAD_PARAM, {1, M, N, K, 1, K, 0, K, -1, N, 0}},
            {"out_batch_stride -1", SE_ERR_BAD_PARAM, {1, M, N, K, 1, K, 0, K, 0, N, -1}},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            MM_EXPECT(bad[i].what, bad[i].want, v->run(&ctx, &params, &quant, &bad[i].dims, lhs, rhs, output));
        }
    }

    {
        const se_matmul_params bad[] = {
            {128, 0, 0, {-128, 127}}, {0, -129, 0, {-128, 127}}, {0, 0, 128, {-128, 127}},
            {0, 0, 0, {1, 0}},        {0, 0, 0, {-129, 0}},      {0, 0, 0, {0, 128}},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char what[80];
            snprintf(what, sizeof(what), "zp %ld/%ld/%ld act [%ld, %ld]", (long)bad[i].lhs_zp, (long)bad[i].rhs_zp,
                     (long)bad[i].output_zp, (long)bad[i].act.min, (long)bad[i].act.max);
            MM_EXPECT(what, SE_ERR_BAD_PARAM, v->run(&ctx, &bad[i], &quant, &dims, lhs, rhs, output));
        }
    }
    {
        const se_quant bad[] = {{1 << 30, 31}, {1 << 30, -32}, {-1, 0}};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char what[64];
            snprintf(what, sizeof(what), "quant multiplier %ld shift %ld", (long)bad[i].multiplier,
                     (long)bad[i].shift);
            MM_EXPECT(what, SE_ERR_BAD_PARAM, v->run(&ctx, &params, &bad[i], &dims, lhs, rhs, output));
        }
    }

    if (need > 0) {
        const se_context small = {scratch, need - 1};
        const se_context no_buf = {NULL, need};
        const se_context misaligned = {(int8_t *)scratch + 1, need};
        MM_EXPECT("buffer too small", SE_ERR_BUFFER_TOO_SMALL,
                  v->run(&small, &params, &quant, &dims, lhs, rhs, output));
        MM_EXPECT("buffer NULL", SE_ERR_NULL_POINTER, v->run(&no_buf, &params, &quant, &dims, lhs, rhs, output));
        MM_EXPECT("buffer misaligned", SE_ERR_BAD_PARAM,
                  v->run(&misaligned, &params, &quant, &dims, lhs, rhs, output));
    }
#undef MM_EXPECT
}

void suite_batch_matmul(void)
{
    for (size_t i = 0; i < sizeof(k_cases) / sizeof(k_cases[0]); i++) {
        run_case(&k_cases[i], 0x2545F491u + (uint32_t)i * 104729u);
    }
    for (int v = 0; v < MATMUL_VARIANT_COUNT; v++) {
        run_invalid_args(&k_variants[v]);
    }
    const se_matmul_dims qk = {1, 64, 64, 64, 1, 64, 0, 64, 0, 64, 0};
    se_test_check(se_batch_matmul_s8_dsp_get_buffer_size(&qk) > 0, "matmul dsp buffer size",
                  "expected a positive scratch size");
    se_test_check(se_batch_matmul_s8_dsp_get_buffer_size(NULL) == 0, "matmul dsp buffer size NULL dims",
                  "expected 0");
}
