/*
 * Sparse kernels (se_sparse_kernels.h) and the sparse decoder (se_sparse.h): suites sparse_conv
 * (conv2d, 1x1, depthwise), sparse_fc and sparse_decode.
 *
 * Each case prunes random weights blockwise (in the coded order) at sparsity rho, codes them with
 * the small encoder below, and checks every sparse variant (ref, dsp, dsp with a prepared row
 * table, dispatch) bit-exact against a plain-loop oracle on the DENSE pruned weights (and against
 * the runtime's dense reference kernel on the same weights).
 */
#include <string.h>

#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_runtime.h"

/* ---- test-local encoder / decoder of the block-sparse format ----------------------------- */

/* Codes matrix m [rows, row_len] with block b into stream (room for every block + fillers);
 * returns the entry count. */
static int32_t encode(const int8_t *m, int32_t rows, int32_t row_len, int32_t b, uint8_t *stream)
{
    const int32_t blocks = rows * row_len / b;
    int32_t entries = 0, gap = 0;
    for (int32_t k = 0; k < blocks; k++) {
        int nonzero = 0;
        for (int32_t t = 0; t < b; t++) {
            nonzero |= m[k * b + t] != 0;
        }
        if (!nonzero) {
            gap++;
            continue;
        }
        for (; gap > 255; gap -= 256) { /* filler: skip 255, one explicit zero block */
            uint8_t *e = stream + entries++ * (1 + b);
            e[0] = 255;
            memset(e + 1, 0, (size_t)b);
        }
        uint8_t *e = stream + entries++ * (1 + b);
        e[0] = (uint8_t)gap;
        memcpy(e + 1, m + k * b, (size_t)b);
        gap = 0;
    }
    return entries;
}

/* Worst-case stream bytes: one entry per block, plus fillers (fewer than blocks / 256 + 1). */
static size_t stream_room(int32_t elements, int32_t b)
{
    return (size_t)(elements / b + elements / b / 256 + 2) * (size_t)(1 + b);
}

/* Random matrix with each block zeroed with probability rho_pct / 100; rows in [dead_lo, dead_hi)
 * all zero (long gaps: filler entries). */
static void random_pruned(uint32_t *rng, int8_t *m, int32_t rows, int32_t row_len, int32_t b, int32_t rho_pct,
                          int32_t dead_lo, int32_t dead_hi)
{
    se_test_fill_s8(rng, m, rows * row_len, -128, 127);
    for (int32_t k = 0; k < rows * row_len / b; k++) {
        const int32_t row = k * b / row_len;
        if ((row >= dead_lo && row < dead_hi) || se_test_rand_range(rng, 0, 99) < rho_pct) {
            memset(m + k * b, 0, (size_t)b);
        }
    }
}

typedef struct {
    uint8_t *stream;
    se_sparse_weights w;
    int32_t *table;
    se_sparse_weights trusted;
} coded;

static void code_matrix(coded *c, const int8_t *m, int32_t rows, int32_t row_len, int32_t b)
{
    c->stream = se_test_alloc(stream_room(rows * row_len, b));
    c->w.stream = c->stream;
    c->w.block = b;
    c->w.entries = encode(m, rows, row_len, b, c->stream);
    c->w.stream_bytes = c->w.entries * (1 + b);
    c->w.row_table = NULL;
    c->table = se_test_alloc((size_t)se_sparse_row_table_size(rows));
    c->trusted = c->w;
    se_test_expect_status("prepare", se_sparse_prepare_s8(&c->w, rows, row_len, c->table), SE_OK);
    c->trusted.row_table = c->table;
}

static void free_coded(coded *c)
{
    se_test_free(c->stream);
    se_test_free(c->table);
}

/* Per-channel quant with shifts both ways, bias (optionally extreme: the int32 sum wraps). */
static void random_quant(uint32_t *rng, int32_t n, int32_t *mult, int32_t *shift, int32_t *bias, int extreme)
{
    for (int32_t i = 0; i < n; i++) {
        se_test_rand_quant(rng, -11, 2, &mult[i], &shift[i]);
        bias[i] = extreme ? (i & 1 ? INT32_MAX - se_test_rand_range(rng, 0, 100) : INT32_MIN + 5)
                          : se_test_rand_range(rng, -6000, 6000);
    }
}

static int32_t wrap_add(int32_t a, int64_t b) { return (int32_t)(uint32_t)((uint32_t)a + (uint32_t)(int64_t)b); }

/* ---- conv2d ----------------------------------------------------------------------------- */

typedef struct {
    int32_t n, h, w, in_c, out_c, kh, kw, stride, pad, in_zp, out_zp, dead_lo, dead_hi;
} conv_case;

/* Oracle: dense conv2d on w [C_out, KH, KW, C_in]. */
static void oracle_conv2d(const conv_case *k, int32_t out_h, int32_t out_w, const int8_t *x, const int8_t *w,
                          const int32_t *bias, const int32_t *mult, const int32_t *shift, se_activation act,
                          int8_t *y)
{
    for (int32_t n = 0; n < k->n; n++)
        for (int32_t oy = 0; oy < out_h; oy++)
            for (int32_t ox = 0; ox < out_w; ox++)
                for (int32_t o = 0; o < k->out_c; o++) {
                    int64_t sum = 0;
                    for (int32_t ky = 0; ky < k->kh; ky++)
                        for (int32_t kx = 0; kx < k->kw; kx++)
                            for (int32_t ci = 0; ci < k->in_c; ci++) {
                                const int32_t iy = oy * k->stride - k->pad + ky, ix = ox * k->stride - k->pad + kx;
                                if (iy < 0 || iy >= k->h || ix < 0 || ix >= k->w) {
                                    continue;
                                }
                                sum += (int64_t)w[((o * k->kh + ky) * k->kw + kx) * k->in_c + ci] *
                                       (x[((n * k->h + iy) * k->w + ix) * k->in_c + ci] - k->in_zp);
                            }
                    const int32_t acc = wrap_add(bias[o], sum);
                    y[((n * out_h + oy) * out_w + ox) * k->out_c + o] =
                        ref_output_s8(acc, mult[o], shift[o], k->out_zp, act.min, act.max);
                }
}

typedef se_status (*sparse_conv_fn)(const se_context *, const se_conv_params *, const se_per_channel_quant *,
                                    const se_dims *, const int8_t *, const se_dims *, const se_sparse_weights *,
                                    const int32_t *, const se_dims *, int8_t *);
typedef int32_t (*sparse_conv_size_fn)(const se_dims *, const se_dims *, const se_sparse_weights *);

typedef struct {
    const char *name;
    sparse_conv_fn run;
    sparse_conv_size_fn size;
    int trusted;
} conv_variant;

/* Runs every variant of one sparse conv op and compares with `want`. */
static void check_conv_variants(const char *label, const conv_variant *v, int nv, const coded *c,
                                const se_conv_params *p, const se_per_channel_quant *q, const se_dims *in,
                                const int8_t *x, const se_dims *f, const int32_t *bias, const se_dims *out,
                                const int8_t *want, int32_t out_size)
{
    int8_t *y = se_test_alloc((size_t)out_size);
    char name[200];
    for (int i = 0; i < nv; i++) {
        const se_sparse_weights *w = v[i].trusted ? &c->trusted : &c->w;
        const int32_t bytes = v[i].size(in, f, w);
        void *scratch = se_test_alloc((size_t)bytes + 4);
        const se_context ctx = {scratch, bytes};
        memset(y, 0x55, (size_t)out_size);
        snprintf(name, sizeof name, "%s %s", label, v[i].name);
        if (se_test_expect_status(name, v[i].run(&ctx, p, q, in, x, f, w, bias, out, y), SE_OK)) {
            se_test_compare_s8(name, y, want, out_size);
        }
        se_test_free(scratch);
    }
    se_test_free(y);
}

static const conv_variant k_conv2d_variants[] = {
    {"ref", se_sparse_conv2d_s8_ref, se_sparse_conv2d_s8_ref_get_buffer_size, 0},
    {"dsp", se_sparse_conv2d_s8_dsp, se_sparse_conv2d_s8_dsp_get_buffer_size, 0},
    {"dsp+table", se_sparse_conv2d_s8_dsp, se_sparse_conv2d_s8_dsp_get_buffer_size, 1},
    {"dispatch", se_sparse_conv2d_s8, se_sparse_conv2d_s8_get_buffer_size, 0},
};
static const conv_variant k_conv1x1_variants[] = {
    {"ref", se_sparse_conv1x1_s8_ref, se_sparse_conv1x1_s8_ref_get_buffer_size, 0},
    {"dsp", se_sparse_conv1x1_s8_dsp, se_sparse_conv1x1_s8_dsp_get_buffer_size, 0},
    {"dsp+table", se_sparse_conv1x1_s8_dsp, se_sparse_conv1x1_s8_dsp_get_buffer_size, 1},
    {"dispatch", se_sparse_conv1x1_s8, se_sparse_conv1x1_s8_get_buffer_size, 0},
};
static const conv_variant k_depthwise_variants[] = {
    {"ref", se_sparse_depthwise_conv3x3_s8_ref, se_sparse_depthwise_conv3x3_s8_ref_get_buffer_size, 0},
    {"dsp", se_sparse_depthwise_conv3x3_s8_dsp, se_sparse_depthwise_conv3x3_s8_dsp_get_buffer_size, 0},
    {"dsp+table", se_sparse_depthwise_conv3x3_s8_dsp, se_sparse_depthwise_conv3x3_s8_dsp_get_buffer_size, 1},
    {"dispatch", se_sparse_depthwise_conv3x3_s8, se_sparse_depthwise_conv3x3_s8_get_buffer_size, 0},
};

static const int32_t k_rho_pct[] = {0, 50, 80, 100};

/* conv2d (pointwise when the case is 1x1, stride 1, pad 0 and `pointwise`). */
static void run_conv_case(uint32_t *rng, const conv_case *k, int32_t b, int32_t rho, int pointwise, int extreme)
{
    const int32_t out_h = (k->h + 2 * k->pad - k->kh) / k->stride + 1;
    const int32_t out_w = (k->w + 2 * k->pad - k->kw) / k->stride + 1;
    const int32_t row_len = k->kh * k->kw * k->in_c;
    const int32_t in_size = k->n * k->h * k->w * k->in_c, out_size = k->n * out_h * out_w * k->out_c;
    int8_t *x = se_test_alloc((size_t)in_size);
    int8_t *coded_m = se_test_alloc((size_t)(k->out_c * row_len));
    int8_t *dense = se_test_alloc((size_t)(k->out_c * row_len));
    int8_t *want = se_test_alloc((size_t)out_size);
    int8_t *dense_out = se_test_alloc((size_t)out_size);
    int32_t *mult = se_test_alloc(4u * (size_t)k->out_c), *shift = se_test_alloc(4u * (size_t)k->out_c);
    int32_t *bias = se_test_alloc(4u * (size_t)k->out_c);
    se_test_fill_s8(rng, x, in_size, -128, 127);
    random_pruned(rng, coded_m, k->out_c, row_len, b, rho, k->dead_lo, k->dead_hi);
    random_quant(rng, k->out_c, mult, shift, bias, extreme);
    /* dense [C_out, KH, KW, C_in] from the coded order */
    for (int32_t o = 0; o < k->out_c; o++)
        for (int32_t ky = 0; ky < k->kh; ky++)
            for (int32_t kx = 0; kx < k->kw; kx++)
                for (int32_t ci = 0; ci < k->in_c; ci++) {
                    const int32_t coded_k = b == 3 && !pointwise ? (ky * k->in_c + ci) * 3 + kx
                                                                 : (ky * k->kw + kx) * k->in_c + ci;
                    dense[((o * k->kh + ky) * k->kw + kx) * k->in_c + ci] = coded_m[o * row_len + coded_k];
                }
    const se_activation act = extreme ? (se_activation){-128, 127} : (se_activation){-100, 90};
    oracle_conv2d(k, out_h, out_w, x, dense, bias, mult, shift, act, want);
    coded c;
    code_matrix(&c, coded_m, k->out_c, row_len, b);
    const se_conv_params p = {k->in_zp, k->out_zp, k->stride, k->stride, k->pad, k->pad, act};
    const se_per_channel_quant q = {mult, shift};
    const se_dims in = {k->n, k->h, k->w, k->in_c}, f = {k->out_c, k->kh, k->kw, k->in_c};
    const se_dims out = {k->n, out_h, out_w, k->out_c};
    char label[160];
    snprintf(label, sizeof label, "sparse %s %dx%dx%dx%d->%d k%dx%d s%d p%d zp%d/%d b%d rho%d%s%s",
             pointwise ? "conv1x1" : "conv2d", (int)k->n, (int)k->h, (int)k->w, (int)k->in_c, (int)k->out_c,
             (int)k->kh, (int)k->kw, (int)k->stride, (int)k->pad, (int)k->in_zp, (int)k->out_zp, (int)b, (int)rho,
             k->dead_hi > k->dead_lo ? " dead-rows" : "", extreme ? " extreme-bias" : "");
    /* the runtime's dense reference on the same pruned weights agrees with the oracle */
    {
        char name[200];
        snprintf(name, sizeof name, "%s dense-ref", label);
        const se_context none = {NULL, 0};
        if (se_test_expect_status(name, se_conv2d_s8_ref(&none, &p, &q, &in, x, &f, dense, bias, &out, dense_out),
                                  SE_OK)) {
            se_test_compare_s8(name, dense_out, want, out_size);
        }
    }
    check_conv_variants(label, pointwise ? k_conv1x1_variants : k_conv2d_variants, 4, &c, &p, &q, &in, x, &f, bias,
                        &out, want, out_size);
    free_coded(&c);
    se_test_free(x);
    se_test_free(coded_m);
    se_test_free(dense);
    se_test_free(want);
    se_test_free(dense_out);
    se_test_free(mult);
    se_test_free(shift);
    se_test_free(bias);
}

static void run_depthwise_case(uint32_t *rng, const conv_case *k, int32_t rho, int extreme)
{
    const int32_t out_h = (k->h + 2 * k->pad - 3) / k->stride + 1, out_w = (k->w + 2 * k->pad - 3) / k->stride + 1;
    const int32_t ch = k->in_c;
    const int32_t in_size = k->n * k->h * k->w * ch, out_size = k->n * out_h * out_w * ch;
    int8_t *x = se_test_alloc((size_t)in_size), *coded_m = se_test_alloc((size_t)(9 * ch));
    int8_t *dense = se_test_alloc((size_t)(9 * ch)), *want = se_test_alloc((size_t)out_size);
    int32_t *mult = se_test_alloc(4u * (size_t)ch), *shift = se_test_alloc(4u * (size_t)ch);
    int32_t *bias = se_test_alloc(4u * (size_t)ch);
    se_test_fill_s8(rng, x, in_size, -128, 127);
    random_pruned(rng, coded_m, ch, 9, 3, rho, k->dead_lo, k->dead_hi);
    random_quant(rng, ch, mult, shift, bias, extreme);
    for (int32_t c = 0; c < ch; c++)
        for (int32_t t = 0; t < 9; t++) {
            dense[t * ch + c] = coded_m[c * 9 + t];
        }
    const se_activation act = {-128, 127};
    for (int32_t n = 0; n < k->n; n++)
        for (int32_t oy = 0; oy < out_h; oy++)
            for (int32_t ox = 0; ox < out_w; ox++)
                for (int32_t c = 0; c < ch; c++) {
                    int64_t sum = 0;
                    for (int32_t t = 0; t < 9; t++) {
                        const int32_t iy = oy * k->stride - k->pad + t / 3, ix = ox * k->stride - k->pad + t % 3;
                        if (iy >= 0 && iy < k->h && ix >= 0 && ix < k->w) {
                            sum += (int64_t)dense[t * ch + c] * (x[((n * k->h + iy) * k->w + ix) * ch + c] - k->in_zp);
                        }
                    }
                    want[((n * out_h + oy) * out_w + ox) * ch + c] =
                        ref_output_s8(wrap_add(bias[c], sum), mult[c], shift[c], k->out_zp, act.min, act.max);
                }
    coded c;
    code_matrix(&c, coded_m, ch, 9, 3);
    const se_conv_params p = {k->in_zp, k->out_zp, k->stride, k->stride, k->pad, k->pad, act};
    const se_per_channel_quant q = {mult, shift};
    const se_dims in = {k->n, k->h, k->w, ch}, f = {1, 3, 3, ch}, out = {k->n, out_h, out_w, ch};
    char label[160];
    snprintf(label, sizeof label, "sparse depthwise %dx%dx%dx%d s%d p%d zp%d/%d rho%d%s", (int)k->n, (int)k->h,
             (int)k->w, (int)ch, (int)k->stride, (int)k->pad, (int)k->in_zp, (int)k->out_zp, (int)rho,
             extreme ? " extreme-bias" : "");
    check_conv_variants(label, k_depthwise_variants, 4, &c, &p, &q, &in, x, &f, bias, &out, want, out_size);
    free_coded(&c);
    se_test_free(x);
    se_test_free(coded_m);
    se_test_free(dense);
    se_test_free(want);
    se_test_free(mult);
    se_test_free(shift);
    se_test_free(bias);
}

/* Invalid arguments: the same status from every variant of one op. */
static void conv_invalid(const char *op, const conv_variant *v, const se_dims *f0, int32_t good_block)
{
    uint32_t rng = 99u;
    int8_t x[4 * 4 * 8], y[4 * 4 * 8];
    int8_t m[8 * 72];
    int32_t mult[8], shift[8], bias[8];
    uint8_t stream[8 * 72 * 2];
    se_test_fill_s8(&rng, x, (int32_t)sizeof x, -128, 127);
    const int pointwise = f0->h == 1;
    const int32_t in_c = f0->c, out_c = f0->n == 1 ? f0->c : f0->n;
    const int32_t row_len = f0->n == 1 ? 9 : f0->h * f0->w * f0->c;
    random_pruned(&rng, m, out_c, row_len, good_block, 50, 0, 0);
    random_quant(&rng, out_c, mult, shift, bias, 0);
    const int32_t entries = encode(m, out_c, row_len, good_block, stream);
    const se_sparse_weights good = {stream, entries * (1 + good_block), entries, good_block, NULL};
    const se_conv_params p = {0, 0, 1, 1, pointwise ? 0 : 1, pointwise ? 0 : 1, {-128, 127}};
    const se_per_channel_quant q = {mult, shift};
    const se_dims in = {1, 4, 4, in_c}, out = {1, 4, 4, out_c};
    static int32_t scratch[4096];
    char name[160];
    for (int i = 0; i < 4; i++) {
        const se_context ctx = {scratch, (int32_t)sizeof scratch};
        const se_context small = {scratch, v[i].size(&in, f0, &good) - 1};
        se_sparse_weights bad = good;
#define EXPECT(what, call, want)                                                                                  \
    snprintf(name, sizeof name, "sparse %s %s invalid: %s", op, v[i].name, what);                                \
    se_test_expect_status(name, call, want)
        EXPECT("ok", v[i].run(&ctx, &p, &q, &in, x, f0, &good, bias, &out, y), SE_OK);
        EXPECT("NULL weights", v[i].run(&ctx, &p, &q, &in, x, f0, NULL, bias, &out, y), SE_ERR_NULL_POINTER);
        EXPECT("NULL input", v[i].run(&ctx, &p, &q, &in, NULL, f0, &good, bias, &out, y), SE_ERR_NULL_POINTER);
        EXPECT("NULL output", v[i].run(&ctx, &p, &q, &in, x, f0, &good, bias, &out, NULL), SE_ERR_NULL_POINTER);
        bad.block = 5;
        EXPECT("block 5", v[i].run(&ctx, &p, &q, &in, x, f0, &bad, bias, &out, y), SE_ERR_BAD_PARAM);
        bad = good;
        bad.stream_bytes += 1;
        EXPECT("stream_bytes", v[i].run(&ctx, &p, &q, &in, x, f0, &bad, bias, &out, y), SE_ERR_BAD_SHAPE);
        bad = good;
        bad.stream = NULL;
        EXPECT("NULL stream", v[i].run(&ctx, &p, &q, &in, x, f0, &bad, bias, &out, y), SE_ERR_NULL_POINTER);
        {
            uint8_t past[4] = {255, 1, 1, 1}; /* one entry at block 255: beyond the matrix */
            const se_sparse_weights beyond = {past, 1 + good_block, 1, good_block, NULL};
            EXPECT("dis past the end", v[i].run(&ctx, &p, &q, &in, x, f0, &beyond, bias, &out, y),
                   row_len * out_c / good_block <= 255 ? SE_ERR_BAD_SHAPE : SE_OK);
        }
        {
            const se_conv_params bad_zp = {200, 0, 1, 1, p.pad_h, p.pad_w, {-128, 127}};
            EXPECT("input_zp 200", v[i].run(&ctx, &bad_zp, &q, &in, x, f0, &good, bias, &out, y), SE_ERR_BAD_PARAM);
        }
        {
            const se_dims bad_out = {1, 4, 4, out_c + 1};
            EXPECT("C_out mismatch", v[i].run(&ctx, &p, &q, &in, x, f0, &good, bias, &bad_out, y), SE_ERR_BAD_SHAPE);
        }
        if (small.size >= 0) {
            EXPECT("scratch", v[i].run(&small, &p, &q, &in, x, f0, &good, bias, &out, y),
                   small.size + 1 > 0 ? SE_ERR_BUFFER_TOO_SMALL : SE_OK);
        }
        if (good_block == 3) {
            bad = good;
            bad.block = 2;
            EXPECT("block 2", v[i].run(&ctx, &p, &q, &in, x, f0, &bad, bias, &out, y),
                   f0->n == 1 ? SE_ERR_UNSUPPORTED : SE_ERR_BAD_SHAPE);
        }
#undef EXPECT
    }
}

void suite_sparse_conv(void)
{
    uint32_t rng = 0x5EED1234u;
    static const conv_case conv_cases[] = {
        /* n, h, w, in_c, out_c, kh, kw, stride, pad, in_zp, out_zp, dead rows */
        {1, 6, 6, 8, 8, 3, 3, 1, 1, -128, 127, 0, 0},
        {1, 7, 5, 6, 5, 3, 3, 2, 1, 127, -128, 0, 0},
        {2, 5, 5, 4, 3, 3, 3, 1, 0, 0, 0, 0, 0},
        {1, 5, 6, 16, 4, 2, 2, 1, 1, -5, 3, 0, 0},
        {1, 3, 4, 4, 6, 5, 5, 2, 2, 17, -128, 0, 0},
        {1, 4, 4, 32, 6, 3, 3, 1, 1, -128, -128, 1, 4}, /* rows 1..3 zero: gaps > 255 blocks (b 2: 144 per row) */
        /* block 3 DSP path: odd C_in (4-channel steps and 1-3 single channels), pixel counts leaving 0-3 for
         * the tail group, stride 2, padding 2 (two taps of a row outside), a 1-pixel-wide input */
        {1, 5, 7, 7, 9, 3, 3, 1, 1, -128, 127, 0, 0},  /* 35 pixels */
        {1, 3, 3, 5, 4, 3, 3, 2, 1, 127, -128, 0, 0},  /* 4 pixels, stride 2 */
        {1, 1, 5, 3, 6, 3, 3, 1, 1, -128, -128, 0, 0}, /* 5 pixels, C_in 3: single channels only */
        {1, 4, 3, 9, 5, 3, 3, 1, 2, 127, 5, 0, 0},     /* 30 pixels, pad 2 */
        {1, 3, 1, 6, 3, 3, 3, 1, 1, 9, -7, 0, 0},      /* 3 pixels, width 1: kx 0 and 2 outside */
        {2, 6, 5, 11, 7, 3, 3, 2, 1, -1, 0, 0, 0},     /* 2 x 9 pixels, stride 2, C_in 11 */
    };
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) {
        const conv_case *k = &conv_cases[i];
        const int32_t row_len = k->kh * k->kw * k->in_c;
        for (int32_t b = 2; b <= 4; b++) {
            if (row_len % b != 0 || (b == 3 && k->kw != 3)) {
                continue;
            }
            for (size_t r = 0; r < sizeof k_rho_pct / sizeof k_rho_pct[0]; r++) {
                run_conv_case(&rng, k, b, k_rho_pct[r], 0, 0);
            }
        }
    }
    static const conv_case extreme = {1, 3, 3, 8, 5, 3, 3, 1, 1, -128, 0, 0, 0};
    run_conv_case(&rng, &extreme, 4, 50, 0, 1);
    run_conv_case(&rng, &extreme, 3, 50, 0, 1);

    static const conv_case pointwise_cases[] = {
        {1, 4, 4, 8, 8, 1, 1, 1, 0, -128, 127, 0, 0},
        {1, 3, 5, 12, 7, 1, 1, 1, 0, 127, -128, 0, 0}, /* 15 pixels: groups of 4 and a tail of 3 */
        {2, 1, 3, 6, 5, 1, 1, 1, 0, 9, -7, 0, 0},
        {1, 1, 2, 256, 8, 1, 1, 1, 0, -128, 0, 2, 5}, /* dead rows: fillers */
    };
    for (size_t i = 0; i < sizeof pointwise_cases / sizeof pointwise_cases[0]; i++) {
        for (int32_t b = 2; b <= 4; b++) {
            if (pointwise_cases[i].in_c % b != 0) {
                continue;
            }
            for (size_t r = 0; r < sizeof k_rho_pct / sizeof k_rho_pct[0]; r++) {
                run_conv_case(&rng, &pointwise_cases[i], b, k_rho_pct[r], 1, 0);
            }
        }
    }

    static const conv_case depthwise_cases[] = {
        {1, 6, 6, 8, 0, 3, 3, 1, 1, -128, 127, 0, 0},
        {1, 7, 5, 5, 0, 3, 3, 2, 1, 127, -128, 0, 0},
        {2, 4, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0},
        {1, 5, 5, 4, 0, 3, 3, 2, 2, -3, 5, 0, 0},
        {1, 2, 2, 300, 0, 3, 3, 1, 1, -128, 0, 10, 280}, /* 270 zero channels (3 blocks each): fillers */
    };
    for (size_t i = 0; i < sizeof depthwise_cases / sizeof depthwise_cases[0]; i++) {
        for (size_t r = 0; r < sizeof k_rho_pct / sizeof k_rho_pct[0]; r++) {
            run_depthwise_case(&rng, &depthwise_cases[i], k_rho_pct[r], 0);
        }
    }
    run_depthwise_case(&rng, &depthwise_cases[0], 50, 1);

    const se_dims f2 = {8, 3, 3, 8}, f1 = {8, 1, 1, 8}, fd = {1, 3, 3, 8};
    conv_invalid("conv2d", k_conv2d_variants, &f2, 4);
    conv_invalid("conv2d b3", k_conv2d_variants, &f2, 3);
    conv_invalid("conv1x1", k_conv1x1_variants, &f1, 2);
    conv_invalid("depthwise", k_depthwise_variants, &fd, 3);
    {
        /* conv2d block 3 needs KW == 3; depthwise needs block 3 */
        const se_dims f5 = {2, 1, 5, 3}, in = {1, 2, 6, 3}, out = {1, 2, 2, 2};
        uint8_t stream[4] = {0, 1, 2, 3};
        const se_sparse_weights w = {stream, 4, 1, 3, NULL};
        int8_t x[36] = {0}, y[8];
        int32_t mult[2] = {1 << 30, 1 << 30}, shift[2] = {0, 0};
        const se_per_channel_quant q = {mult, shift};
        const se_conv_params p = {0, 0, 1, 1, 0, 0, {-128, 127}};
        static int32_t scratch[256];
        for (int i = 0; i < 4; i++) {
            const se_context ctx = {scratch, (int32_t)sizeof scratch};
            se_test_expect_status("sparse conv2d block 3 with KW 5: unsupported",
                                  k_conv2d_variants[i].run(&ctx, &p, &q, &in, x, &f5, &w, NULL, &out, y),
                                  SE_ERR_UNSUPPORTED);
        }
    }
}

/* ---- fully connected -------------------------------------------------------------------- */

typedef struct {
    int32_t tokens, in_c, out_c, in_zp, out_zp, dead_lo, dead_hi;
} fc_case;

typedef se_status (*sparse_fc_fn)(const se_context *, const se_fc_params *, const se_per_channel_quant *,
                                  const se_fc_dims *, const int8_t *, const se_sparse_weights *, const int32_t *,
                                  int8_t *);
typedef int32_t (*sparse_fc_size_fn)(const se_fc_dims *, const se_sparse_weights *);

typedef struct {
    const char *name;
    sparse_fc_fn run;
    sparse_fc_size_fn size;
    int trusted;
} fc_variant;

static const fc_variant k_fc_variants[] = {
    {"ref", se_sparse_fully_connected_s8_ref, se_sparse_fully_connected_s8_ref_get_buffer_size, 0},
    {"dsp", se_sparse_fully_connected_s8_dsp, se_sparse_fully_connected_s8_dsp_get_buffer_size, 0},
    {"dsp+table", se_sparse_fully_connected_s8_dsp, se_sparse_fully_connected_s8_dsp_get_buffer_size, 1},
    {"dispatch", se_sparse_fully_connected_s8, se_sparse_fully_connected_s8_get_buffer_size, 0},
};

static void run_fc_case(uint32_t *rng, const fc_case *k, int32_t b, int32_t rho, int extreme)
{
    const int32_t in_size = k->tokens * k->in_c, out_size = k->tokens * k->out_c, wsize = k->out_c * k->in_c;
    int8_t *x = se_test_alloc((size_t)in_size), *m = se_test_alloc((size_t)wsize);
    int8_t *want = se_test_alloc((size_t)out_size), *y = se_test_alloc((size_t)out_size);
    int32_t *mult = se_test_alloc(4u * (size_t)k->out_c), *shift = se_test_alloc(4u * (size_t)k->out_c);
    int32_t *bias = se_test_alloc(4u * (size_t)k->out_c);
    se_test_fill_s8(rng, x, in_size, -128, 127);
    random_pruned(rng, m, k->out_c, k->in_c, b, rho, k->dead_lo, k->dead_hi);
    random_quant(rng, k->out_c, mult, shift, bias, extreme);
    const se_activation act = extreme ? (se_activation){-128, 127} : (se_activation){-90, 100};
    for (int32_t t = 0; t < k->tokens; t++)
        for (int32_t o = 0; o < k->out_c; o++) {
            int64_t sum = 0;
            for (int32_t i = 0; i < k->in_c; i++) {
                sum += (int64_t)m[o * k->in_c + i] * (x[t * k->in_c + i] - k->in_zp);
            }
            want[t * k->out_c + o] =
                ref_output_s8(wrap_add(bias[o], sum), mult[o], shift[o], k->out_zp, act.min, act.max);
        }
    coded c;
    code_matrix(&c, m, k->out_c, k->in_c, b);
    const se_fc_params p = {k->in_zp, k->out_zp, act};
    const se_per_channel_quant q = {mult, shift};
    const se_fc_dims dims = {k->tokens, k->in_c, k->out_c};
    char label[160], name[200];
    snprintf(label, sizeof label, "sparse fc tokens %d %d->%d zp%d/%d b%d rho%d%s%s", (int)k->tokens,
             (int)k->in_c, (int)k->out_c, (int)k->in_zp, (int)k->out_zp, (int)b, (int)rho,
             k->dead_hi > k->dead_lo ? " dead-rows" : "", extreme ? " extreme-bias" : "");
    { /* the dense FC reference (bias + sum wraps modulo 2^32 there too) */
        const se_context none = {NULL, 0};
        snprintf(name, sizeof name, "%s dense-ref", label);
        if (se_test_expect_status(name, se_fully_connected_s8_ref(&none, &p, &q, &dims, x, m, bias, y), SE_OK)) {
            se_test_compare_s8(name, y, want, out_size);
        }
    }
    for (int i = 0; i < 4; i++) {
        const se_sparse_weights *w = k_fc_variants[i].trusted ? &c.trusted : &c.w;
        const int32_t bytes = k_fc_variants[i].size(&dims, w);
        void *scratch = se_test_alloc((size_t)bytes + 4);
        const se_context ctx = {scratch, bytes};
        memset(y, 0x55, (size_t)out_size);
        snprintf(name, sizeof name, "%s %s", label, k_fc_variants[i].name);
        if (se_test_expect_status(name, k_fc_variants[i].run(&ctx, &p, &q, &dims, x, w, bias, y), SE_OK)) {
            se_test_compare_s8(name, y, want, out_size);
        }
        se_test_free(scratch);
    }
    free_coded(&c);
    se_test_free(x);
    se_test_free(m);
    se_test_free(want);
    se_test_free(y);
    se_test_free(mult);
    se_test_free(shift);
    se_test_free(bias);
}

void suite_sparse_fc(void)
{
    uint32_t rng = 0xFC5EEDu;
    static const fc_case cases[] = {
        /* tokens, in, out, in_zp, out_zp, dead rows */
        {1, 256, 16, -128, 127, 0, 0},
        {3, 20, 9, 127, -128, 0, 0},
        {4, 32, 12, 0, 0, 0, 0},
        {7, 12, 5, -7, 11, 0, 0},
        {256, 16, 8, -128, -128, 0, 0},
        {5, 256, 9, 3, -2, 2, 6}, /* 4 zero rows: gaps of 512+ blocks, fillers */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int32_t b = 2; b <= 4; b++) {
            if (cases[i].in_c % b != 0) {
                continue;
            }
            for (size_t r = 0; r < sizeof k_rho_pct / sizeof k_rho_pct[0]; r++) {
                run_fc_case(&rng, &cases[i], b, k_rho_pct[r], 0);
            }
        }
    }
    static const fc_case extreme = {6, 8, 6, -128, 0, 0, 0};
    run_fc_case(&rng, &extreme, 2, 50, 1);

    /* invalid arguments */
    int8_t x[2 * 8] = {0}, y[2 * 4], m[4 * 8];
    int32_t mult[4], shift[4], bias[4];
    uint8_t stream[4 * 8 * 2];
    random_pruned(&rng, m, 4, 8, 2, 50, 0, 0);
    random_quant(&rng, 4, mult, shift, bias, 0);
    const int32_t entries = encode(m, 4, 8, 2, stream);
    const se_sparse_weights good = {stream, entries * 3, entries, 2, NULL};
    const se_fc_params p = {0, 0, {-128, 127}};
    const se_per_channel_quant q = {mult, shift};
    const se_fc_dims dims = {2, 8, 4};
    static int32_t scratch[256];
    char name[160];
    for (int i = 0; i < 4; i++) {
        const fc_variant *v = &k_fc_variants[i];
        const se_context ctx = {scratch, (int32_t)sizeof scratch};
        se_sparse_weights bad = good;
#define EXPECT(what, call, want)                                                                                  \
    snprintf(name, sizeof name, "sparse fc %s invalid: %s", v->name, what);                                      \
    se_test_expect_status(name, call, want)
        EXPECT("ok", v->run(&ctx, &p, &q, &dims, x, &good, bias, y), SE_OK);
        EXPECT("NULL weights", v->run(&ctx, &p, &q, &dims, x, NULL, bias, y), SE_ERR_NULL_POINTER);
        EXPECT("NULL input", v->run(&ctx, &p, &q, &dims, NULL, &good, bias, y), SE_ERR_NULL_POINTER);
        EXPECT("NULL ctx", v->run(NULL, &p, &q, &dims, x, &good, bias, y), SE_ERR_NULL_POINTER);
        bad.block = 1;
        EXPECT("block 1", v->run(&ctx, &p, &q, &dims, x, &bad, bias, y), SE_ERR_BAD_PARAM);
        bad = good;
        bad.block = 3; /* 8 % 3 != 0 */
        bad.stream_bytes = entries * 4;
        EXPECT("block 3 does not divide 8", v->run(&ctx, &p, &q, &dims, x, &bad, bias, y), SE_ERR_BAD_SHAPE);
        bad = good;
        bad.entries += 1;
        EXPECT("entries", v->run(&ctx, &p, &q, &dims, x, &bad, bias, y), SE_ERR_BAD_SHAPE);
        {
            uint8_t past[3] = {20, 1, 1}; /* block 20 of 16 */
            const se_sparse_weights beyond = {past, 3, 1, 2, NULL};
            EXPECT("dis past the end", v->run(&ctx, &p, &q, &dims, x, &beyond, bias, y), SE_ERR_BAD_SHAPE);
        }
        {
            const se_fc_params bad_act = {0, 0, {10, 5}};
            EXPECT("act min > max", v->run(&ctx, &bad_act, &q, &dims, x, &good, bias, y), SE_ERR_BAD_PARAM);
            const se_fc_dims zero = {0, 8, 4};
            EXPECT("tokens 0", v->run(&ctx, &p, &q, &zero, x, &good, bias, y), SE_ERR_BAD_SHAPE);
        }
        if (v->size(&dims, &good) > 0) {
            const se_context small = {scratch, v->size(&dims, &good) - 1};
            EXPECT("scratch", v->run(&small, &p, &q, &dims, x, &good, bias, y), SE_ERR_BUFFER_TOO_SMALL);
        }
#undef EXPECT
    }
    int32_t table[9];
    se_test_expect_status("sparse prepare NULL table", se_sparse_prepare_s8(&good, 4, 8, NULL), SE_ERR_NULL_POINTER);
    se_test_expect_status("sparse prepare wrong shape", se_sparse_prepare_s8(&good, 4, 6, table), SE_ERR_BAD_SHAPE);
}

/* ---- decoder ---------------------------------------------------------------------------- */

void suite_sparse_decode(void)
{
    uint32_t rng = 0xDEC0DEu;
    char name[120];
    static const int32_t shapes[][2] = {{3, 12}, {8, 256}, {1, 4}, {5, 24}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int32_t rows = shapes[s][0], row_len = shapes[s][1];
        for (int32_t b = 2; b <= 4; b++) {
            if (row_len % b != 0) {
                continue;
            }
            for (size_t r = 0; r < sizeof k_rho_pct / sizeof k_rho_pct[0]; r++) {
                const int32_t n = rows * row_len;
                int8_t *m = se_test_alloc((size_t)n), *got = se_test_alloc((size_t)n);
                uint8_t *stream = se_test_alloc(stream_room(n, b));
                random_pruned(&rng, m, rows, row_len, b, k_rho_pct[r], rows > 4 ? 1 : 0, rows > 4 ? 4 : 0);
                const int32_t entries = encode(m, rows, row_len, b, stream);
                memset(got, 0x33, (size_t)n);
                snprintf(name, sizeof name, "sparse decode %dx%d b%d rho%d", (int)rows, (int)row_len, (int)b,
                         (int)k_rho_pct[r]);
                if (se_test_expect_status(name, se_sparse_decode_s8(stream, entries * (1 + b), entries, b, rows,
                                                                    row_len, got),
                                          SE_OK)) {
                    se_test_compare_s8(name, got, m, n);
                }
                se_test_free(m);
                se_test_free(got);
                se_test_free(stream);
            }
        }
    }
    /* malformed: nothing written */
    uint8_t stream[6] = {1, 5, 0xFD, 0, 7, 0};
    int8_t out[8];
    memset(out, 0x11, sizeof out);
    se_test_expect_status("sparse decode ok", se_sparse_decode_s8(stream, 6, 2, 2, 2, 4, out), SE_OK);
    {
        static const int8_t want[8] = {0, 0, 5, -3, 7, 0, 0, 0};
        se_test_compare_s8("sparse decode worked example", out, want, 8);
    }
    memset(out, 0x11, sizeof out);
    se_test_expect_status("sparse decode truncated", se_sparse_decode_s8(stream, 5, 2, 2, 2, 4, out), SE_ERR_BAD_SHAPE);
    se_test_expect_status("sparse decode extra bytes", se_sparse_decode_s8(stream, 6, 1, 2, 2, 4, out),
                          SE_ERR_BAD_SHAPE);
    se_test_expect_status("sparse decode block 5", se_sparse_decode_s8(stream, 6, 1, 5, 2, 4, out), SE_ERR_BAD_PARAM);
    se_test_expect_status("sparse decode NULL out", se_sparse_decode_s8(stream, 6, 2, 2, 2, 4, NULL),
                          SE_ERR_NULL_POINTER);
    se_test_expect_status("sparse decode NULL stream", se_sparse_decode_s8(NULL, 6, 2, 2, 2, 4, out),
                          SE_ERR_NULL_POINTER);
    {
        uint8_t past[6] = {1, 5, 0xFD, 2, 7, 0}; /* second entry at block 4 of 4 */
        se_test_expect_status("sparse decode dis past the end", se_sparse_decode_s8(past, 6, 2, 2, 2, 4, out),
                              SE_ERR_BAD_SHAPE);
    }
    se_test_expect_status("sparse decode row_len % block", se_sparse_decode_s8(stream, 6, 2, 4, 2, 6, out),
                          SE_ERR_BAD_SHAPE);
    int untouched = 1;
    for (int i = 0; i < 8; i++) {
        untouched &= out[i] == 0x11;
    }
    se_test_check(untouched, "sparse decode errors", "an error wrote the output");
}
