/*
 * Multi-head attention (se_attention_s8) against a straightforward oracle that
 * computes the whole tokens x tokens score matrix per head with 64-bit math,
 * then TFLite's softmax (the cache-free oracle of test_softmax.c), then the
 * weighted sum of V. The kernel is composed of dispatching entry points, so
 * the host run checks the reference path and the Cortex-M7 run the DSP path.
 * Every case runs block_rows 1, 3 and 16 against one oracle result.
 */
#include <string.h>

#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_attention.h"
#include "tinyformer/runtime/se_matmul.h"

void oracle_softmax_s8(const se_softmax_params *p, int32_t rows, int32_t n, const int8_t *in, int8_t *out);

static int8_t oracle_output(int64_t acc, const se_quant *quant, int32_t zp, int32_t lo, int32_t hi)
{
    if (acc < INT32_MIN || acc > INT32_MAX) { /* the kernel accumulates in int32: a case beyond it is invalid */
        se_test_check(0, "attention oracle", "accumulator %lld leaves int32", (long long)acc);
    }
    return ref_output_s8((int32_t)acc, quant->multiplier, quant->shift, zp, lo, hi);
}

/* out [tokens][dim] (row stride dim). */
static void oracle_attention(const se_attention_params *p, const se_attention_dims *dims, const int8_t *q,
                             const int8_t *k, const int8_t *v, int8_t *out)
{
    const int32_t t_count = dims->tokens, d = dims->dim / dims->heads;
    int8_t *scores = se_test_alloc((size_t)t_count * (size_t)t_count);
    int8_t *prob = se_test_alloc((size_t)t_count * (size_t)t_count);
    for (int32_t h = 0; h < dims->heads; h++) {
        for (int32_t i = 0; i < t_count; i++) {
            for (int32_t j = 0; j < t_count; j++) {
                int64_t acc = 0;
                for (int32_t c = 0; c < d; c++) {
                    acc += (int64_t)(q[i * dims->q_row_stride + h * d + c] - p->q_zp) *
                           (k[j * dims->k_row_stride + h * d + c] - p->k_zp);
                }
                scores[i * t_count + j] = oracle_output(acc, &p->scores_quant, p->scores_zp, -128, 127);
            }
        }
        oracle_softmax_s8(&p->softmax, t_count, t_count, scores, prob);
        for (int32_t i = 0; i < t_count; i++) {
            for (int32_t c = 0; c < d; c++) {
                int64_t acc = 0;
                for (int32_t j = 0; j < t_count; j++) {
                    acc += (int64_t)(prob[i * t_count + j] + 128) * (v[j * dims->v_row_stride + h * d + c] - p->v_zp);
                }
                out[i * dims->dim + h * d + c] = oracle_output(acc, &p->out_quant, p->out_zp, p->act.min, p->act.max);
            }
        }
    }
    se_test_free(prob);
    se_test_free(scores);
}

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
    if (q.multiplier < 0) { /* rounded up to 2^31 */
        q.multiplier = 1 << 30;
        q.shift++;
    }
    return q;
}

static double approx_sqrt(int32_t x)
{
    double r = x;
    for (int i = 0; i < 20; i++) {
        r = 0.5 * (r + x / r);
    }
    return r;
}

/* The matmul scratch of one product, per se_matmul.h: none (ref) or two int16 columns (dsp). */
static int32_t dsp_matmul_bytes(int32_t k) { return 16 * (k / 4) + 8 * (k % 4); }

static void check_buffer_sizes(int32_t tokens, int32_t dim, int32_t heads, int32_t block_rows)
{
    const int32_t rows = block_rows < tokens ? block_rows : tokens;
    const int32_t block = (rows * tokens + 3) & ~3;
    const int32_t d = dim / heads;
    const int32_t dsp = dsp_matmul_bytes(d) > dsp_matmul_bytes(tokens) ? dsp_matmul_bytes(d) : dsp_matmul_bytes(tokens);
    const int32_t ref = se_attention_s8_ref_get_buffer_size(tokens, dim, heads, block_rows);
    const int32_t dsp_size = se_attention_s8_dsp_get_buffer_size(tokens, dim, heads, block_rows);
    const int32_t size = se_attention_s8_get_buffer_size(tokens, dim, heads, block_rows);
    char name[120];
    snprintf(name, sizeof name, "attention buffer size tokens %ld dim %ld heads %ld block %ld", (long)tokens,
             (long)dim, (long)heads, (long)block_rows);
    se_test_check(ref == 1072 + block, name, "ref %ld, want %ld", (long)ref, (long)(1072 + block));
    se_test_check(dsp_size == 1072 + dsp + block, name, "dsp %ld, want %ld", (long)dsp_size, (long)(1072 + dsp + block));
    se_test_check(size == ref || size == dsp_size, name, "dispatch %ld is neither ref nor dsp", (long)size);
}

static const int32_t k_blocks[] = {1, 3, 16};

/* Runs the kernel at every block size on one input and compares with one
 * oracle result; output rows wider than dim check that nothing else is written. */
static void check_case(const char *what, const se_attention_params *p, se_attention_dims dims, const int8_t *q,
                       const int8_t *k, const int8_t *v)
{
    const int32_t tokens = dims.tokens, dim = dims.dim;
    int8_t *want = se_test_alloc((size_t)(tokens * dim));
    oracle_attention(p, &dims, q, k, v, want);
    dims.out_row_stride = dim + 5;
    const int32_t out_bytes = tokens * dims.out_row_stride;
    int8_t *got = se_test_alloc((size_t)out_bytes);
    int8_t *expect_full = se_test_alloc((size_t)out_bytes);
    memset(expect_full, 0x55, (size_t)out_bytes);
    for (int32_t i = 0; i < tokens; i++) {
        memcpy(expect_full + i * dims.out_row_stride, want + i * dim, (size_t)dim);
    }
    char name[240];
    for (unsigned b = 0; b < sizeof k_blocks / sizeof k_blocks[0]; b++) {
        dims.block_rows = k_blocks[b];
        check_buffer_sizes(tokens, dim, dims.heads, dims.block_rows);
        snprintf(name, sizeof name,
                 "attention %s tokens %ld dim %ld heads %ld block %ld strides %ld/%ld/%ld zp q%ld k%ld v%ld s%ld o%ld "
                 "act %ld..%ld",
                 what, (long)tokens, (long)dim, (long)dims.heads, (long)dims.block_rows, (long)dims.q_row_stride,
                 (long)dims.k_row_stride, (long)dims.v_row_stride, (long)p->q_zp, (long)p->k_zp, (long)p->v_zp,
                 (long)p->scores_zp, (long)p->out_zp, (long)p->act.min, (long)p->act.max);
        const int32_t size = se_attention_s8_get_buffer_size(tokens, dim, dims.heads, dims.block_rows);
        se_context ctx = {se_test_alloc((size_t)size), size};
        memset(ctx.buf, 0xA5, (size_t)size); /* stale scratch: the call prepares the cache itself */
        memset(got, 0x55, (size_t)out_bytes);
        se_test_expect_status(name, se_attention_s8(&ctx, p, &dims, q, k, v, got), SE_OK);
        se_test_compare_s8(name, got, expect_full, out_bytes);
        se_test_free(ctx.buf);
    }
    se_test_free(expect_full);
    se_test_free(got);
    se_test_free(want);
}

typedef struct {
    int32_t q, k, v, scores, out;
} zero_points;

static const zero_points k_zps[] = {{3, -7, 11, 0, -5}, {-128, 127, -128, 127, -128}, {127, -128, 127, -128, 127}};

/* One shape: packed QKV [tokens, 3 * dim] and separate tensors with padded rows,
 * each zero-point set, a plain and a saturating parameter set. */
static void test_shape(uint32_t *rng, int32_t tokens, int32_t dim, int32_t heads)
{
    const int32_t d = dim / heads;
    for (int packed = 0; packed < 2; packed++) {
        const int32_t stride = packed ? 3 * dim : dim + 3;
        int8_t *base = se_test_alloc((size_t)(3 * tokens * stride));
        int8_t *q = base, *k = packed ? base + dim : base + tokens * stride;
        int8_t *v = packed ? base + 2 * dim : base + 2 * tokens * stride;
        se_attention_dims dims = {tokens, dim, heads, stride, stride, stride, dim, 1};
        for (unsigned z = 0; z < sizeof k_zps / sizeof k_zps[0]; z++) {
            se_test_fill_s8(rng, base, 3 * tokens * stride, -128, 127);
            se_attention_params p;
            p.q_zp = k_zps[z].q;
            p.k_zp = k_zps[z].k;
            p.v_zp = k_zps[z].v;
            p.scores_zp = k_zps[z].scores;
            p.out_zp = k_zps[z].out;
            /* Scores spread over most of int8: the dot product's spread is about
             * 74^2 * sqrt(d) around 0 for middle zero points, and its mean about
             * -+128^2 * d with the extreme ones (x - zp all of one sign). */
            p.scores_quant = quant_of(z == 0 ? 1.0 / (150.0 * approx_sqrt(d)) : 1.0 / (256.0 * d));
            se_softmax_s8_params_from_scale(0.1, &p.softmax);
            p.out_quant = quant_of(1.0 / 256.0);
            p.act.min = -128;
            p.act.max = 127;
            check_case(packed ? "packed" : "separate", &p, dims, q, k, v);
            /* Saturating: scores pinned at -128/127, output clamped. */
            p.scores_quant = quant_of(0.5);
            p.scores_quant.shift += 2; /* positive shift */
            se_softmax_s8_params_from_scale(0.5, &p.softmax);
            p.out_quant = quant_of(6.0 / 256.0);
            p.act.min = -100;
            p.act.max = 90;
            check_case(packed ? "packed saturating" : "separate saturating", &p, dims, q, k, v);
        }
        /* Equal keys: uniform attention, output = mean of V. */
        memset(k, 9, (size_t)((tokens - 1) * stride + dim));
        se_attention_params p = {0, 0, 0, {1 << 30, -8}, 0, {0, 0, 0}, {1 << 30, -7}, 0, {-128, 127}};
        se_softmax_s8_params_from_scale(0.05, &p.softmax);
        check_case(packed ? "packed equal keys" : "separate equal keys", &p, dims, q, k, v);
        se_test_free(base);
    }
}

static void test_cases(void)
{
    uint32_t rng = 0xA77Eu;
    static const int32_t k_heads[] = {1, 2, 4};
    for (unsigned h = 0; h < 3; h++) {
        test_shape(&rng, 1, 12, k_heads[h]);
        test_shape(&rng, 5, 12, k_heads[h]);
        test_shape(&rng, 5, 20, k_heads[h]);
        test_shape(&rng, 64, 20, k_heads[h]);
        test_shape(&rng, 256, 8, k_heads[h]);
    }
    test_shape(&rng, 64, 44, 2); /* TinyFormer-300K head dim 22 at fewer tokens */
}

static void test_invalid(void)
{
    enum { T = 6, D = 8, H = 2 };
    static int8_t qkv[T * 3 * D];
    int8_t out[T * D + 4];
    static int32_t buf[600];
    const se_attention_params ok = {0, 0, 0, {1 << 30, -8}, 0, {1 << 30, 20, 200}, {1 << 30, -8}, 0, {-128, 127}};
    const se_attention_dims ok_dims = {T, D, H, 3 * D, 3 * D, 3 * D, D, 2};
    const int8_t *q = qkv, *k = qkv + D, *v = qkv + 2 * D;
    se_context ctx = {buf, (int32_t)sizeof buf};
    char name[96];
    se_attention_params p = ok;
    se_attention_dims dims = ok_dims;
#define EXPECT(label, call, status)                                                                \
    do {                                                                                           \
        snprintf(name, sizeof name, "attention invalid: %s", label);                                \
        memset(out, 0x55, sizeof out);                                                             \
        se_test_expect_status(name, call, status);                                                 \
        if ((status) != SE_OK) {                                                                   \
            int8_t untouched[sizeof out];                                                          \
            memset(untouched, 0x55, sizeof untouched);                                             \
            se_test_compare_s8(name, out, untouched, (int32_t)sizeof out);                         \
        }                                                                                          \
        p = ok;                                                                                    \
        dims = ok_dims;                                                                            \
    } while (0)
    EXPECT("valid", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_OK);
    EXPECT("NULL ctx", se_attention_s8(NULL, &p, &dims, q, k, v, out), SE_ERR_NULL_POINTER);
    EXPECT("NULL params", se_attention_s8(&ctx, NULL, &dims, q, k, v, out), SE_ERR_NULL_POINTER);
    EXPECT("NULL dims", se_attention_s8(&ctx, &p, NULL, q, k, v, out), SE_ERR_NULL_POINTER);
    EXPECT("NULL q", se_attention_s8(&ctx, &p, &dims, NULL, k, v, out), SE_ERR_NULL_POINTER);
    EXPECT("NULL k", se_attention_s8(&ctx, &p, &dims, q, NULL, v, out), SE_ERR_NULL_POINTER);
    EXPECT("NULL v", se_attention_s8(&ctx, &p, &dims, q, k, NULL, out), SE_ERR_NULL_POINTER);
    EXPECT("NULL output", se_attention_s8(&ctx, &p, &dims, q, k, v, NULL), SE_ERR_NULL_POINTER);
    {
        se_context null_buf = {NULL, ctx.size};
        EXPECT("NULL ctx->buf", se_attention_s8(&null_buf, &p, &dims, q, k, v, out), SE_ERR_NULL_POINTER);
    }
    dims.tokens = 0;
    EXPECT("tokens 0", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_SHAPE);
    dims.dim = 0;
    EXPECT("dim 0", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_SHAPE);
    dims.heads = 0;
    EXPECT("heads 0", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_SHAPE);
    dims.heads = 3;
    EXPECT("heads 3 not dividing dim 8", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_SHAPE);
    dims.heads = -2;
    EXPECT("heads -2", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_SHAPE);
    dims.block_rows = 0;
    EXPECT("block_rows 0", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_SHAPE);
    dims.tokens = 4096;
    EXPECT("tokens 4096", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_UNSUPPORTED);
    dims.q_row_stride = D - 1;
    EXPECT("q stride < dim", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    dims.k_row_stride = 0;
    EXPECT("k stride 0", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    dims.v_row_stride = -24;
    EXPECT("v stride -24", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    dims.out_row_stride = D - 1;
    EXPECT("out stride < dim", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.q_zp = -129;
    EXPECT("q zp -129", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.k_zp = 128;
    EXPECT("k zp 128", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.v_zp = 200;
    EXPECT("v zp 200", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.scores_zp = -300;
    EXPECT("scores zp -300", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.out_zp = 128;
    EXPECT("out zp 128", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.scores_quant.shift = -32;
    EXPECT("scores shift -32", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.scores_quant.multiplier = -1;
    EXPECT("scores multiplier -1", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.out_quant.shift = 31;
    EXPECT("out shift 31", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.act.min = 5;
    p.act.max = 4;
    EXPECT("act min > max", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.act.max = 128;
    EXPECT("act max 128", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.softmax.diff_max = 300;
    EXPECT("softmax diff_max 300", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    p.softmax.input_multiplier = 5;
    EXPECT("softmax multiplier 5", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    /* Aliasing: output over q, into the packed tensor (overlapping v), or ending on k's last byte. */
    EXPECT("output = q", se_attention_s8(&ctx, &p, &dims, q, k, v, qkv), SE_ERR_BAD_PARAM);
    dims.out_row_stride = 3 * D;
    EXPECT("output = v slice", se_attention_s8(&ctx, &p, &dims, q, k, v, qkv + 2 * D), SE_ERR_BAD_PARAM);
    {
        static int8_t arena[2 * T * D];
        dims.k_row_stride = D;
        /* k spans arena[T * D - 1 .. 2 * T * D - 2]: output arena[0 .. T * D - 1] shares its first byte */
        EXPECT("output ends on k's first byte",
               se_attention_s8(&ctx, &p, &dims, q, arena + T * D - 1, v, arena), SE_ERR_BAD_PARAM);
        dims.k_row_stride = D;
        EXPECT("output right before k", se_attention_s8(&ctx, &p, &dims, q, arena + T * D, v, arena), SE_OK);
        dims.k_row_stride = D;
        EXPECT("output right after k", se_attention_s8(&ctx, &p, &dims, q, arena, v, arena + T * D), SE_OK);
    }
    /* Scratch. */
    {
        const int32_t need = se_attention_s8_get_buffer_size(T, D, H, 2);
        se_context small = {buf, need - 1};
        EXPECT("buffer one byte short", se_attention_s8(&small, &p, &dims, q, k, v, out), SE_ERR_BUFFER_TOO_SMALL);
        se_context exact = {buf, need};
        EXPECT("buffer exact", se_attention_s8(&exact, &p, &dims, q, k, v, out), SE_OK);
        se_context misaligned = {(int8_t *)buf + 1, need};
        EXPECT("buffer misaligned", se_attention_s8(&misaligned, &p, &dims, q, k, v, out), SE_ERR_BAD_PARAM);
    }
    dims.block_rows = 1000; /* acts as tokens */
    EXPECT("block_rows > tokens", se_attention_s8(&ctx, &p, &dims, q, k, v, out), SE_OK);
#undef EXPECT
    se_test_check(se_attention_s8_get_buffer_size(0, 8, 2, 1) == 0 && se_attention_s8_get_buffer_size(4096, 8, 2, 1) == 0 &&
                      se_attention_s8_ref_get_buffer_size(8, 8, 3, 1) == 0 &&
                      se_attention_s8_dsp_get_buffer_size(8, 8, 2, 0) == 0,
                  "attention buffer size of invalid arguments", "not 0");
    check_buffer_sizes(256, 44, 2, 1);
    check_buffer_sizes(64, 192, 4, 16);
    check_buffer_sizes(4095, 8, 1, 4095);
}

void suite_attention(void)
{
    test_cases();
    test_invalid();
}
