/*
 * Sparse kernels (se_sparse_kernels.h) against OUR dense DSP kernel on the same layer, on the
 * emulated Cortex-M7. Weights: random int8, pruned blockwise by magnitude (the rho fraction of
 * blocks with the smallest sum |w| become zero, ties in block order: deterministic), coded, and
 * prepared once (row table: the trusted path generated code uses). Each sparse row is reported
 * with the dense kernel as its baseline: work = dense MACs, baseline figure = dense instructions
 * per dense MAC, so the last column is sparse / dense instructions. Target (issue 3): speedup
 * dense / sparse >= 0.7 / (1 - rho). A summary table of speedup vs target closes the family.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

typedef enum { LAYER_CONV2D, LAYER_CONV1X1, LAYER_DEPTHWISE, LAYER_FC } layer_kind;

typedef struct {
    const char *name;  /* summary label */
    const char *shape; /* bench_report shape */
    layer_kind kind;
    se_dims in, filter, out; /* convolutions */
    int32_t pad;
    se_fc_dims fc;           /* fully connected */
    int32_t rows, row_len;   /* the coded matrix */
} layer;

typedef struct {
    const char *layer;
    int32_t block, rho_pct;
    uint32_t dense, sparse;
} result;

#define MAX_RESULTS 64

typedef struct {
    result rows[MAX_RESULTS];
    int count;
} summary;

/* Zeroes the rho_pct % of the blocks with the smallest magnitude (sum |w|). */
static void prune_by_magnitude(int8_t *m, int32_t elements, int32_t block, int32_t rho_pct)
{
    const int32_t blocks = elements / block, zero_target = (int32_t)((int64_t)blocks * rho_pct / 100);
    int32_t *histogram = bench_alloc(4u * 513u);
    memset(histogram, 0, 4u * 513u);
    for (int32_t k = 0; k < blocks; k++) {
        int32_t mag = 0;
        for (int32_t t = 0; t < block; t++) {
            mag += m[k * block + t] < 0 ? -m[k * block + t] : m[k * block + t];
        }
        histogram[mag]++;
    }
    int32_t threshold = 0, below = 0; /* blocks with magnitude < threshold all go */
    while (threshold < 513 && below + histogram[threshold] <= zero_target) {
        below += histogram[threshold++];
    }
    int32_t ties = zero_target - below; /* blocks of magnitude == threshold that also go */
    for (int32_t k = 0; k < blocks; k++) {
        int32_t mag = 0;
        for (int32_t t = 0; t < block; t++) {
            mag += m[k * block + t] < 0 ? -m[k * block + t] : m[k * block + t];
        }
        if (mag < threshold || (mag == threshold && ties-- > 0)) {
            memset(m + k * block, 0, (size_t)block);
        }
    }
}

/* Blockwise run-length code (docs/sparse-format.md); returns the entry count. */
static int32_t encode(const int8_t *m, int32_t elements, int32_t block, uint8_t *stream)
{
    int32_t entries = 0, gap = 0;
    for (int32_t k = 0; k < elements / block; k++) {
        int nonzero = 0;
        for (int32_t t = 0; t < block; t++) {
            nonzero |= m[k * block + t] != 0;
        }
        if (!nonzero) {
            gap++;
            continue;
        }
        for (; gap > 255; gap -= 256) {
            uint8_t *e = stream + entries++ * (1 + block);
            e[0] = 255;
            memset(e + 1, 0, (size_t)block);
        }
        uint8_t *e = stream + entries++ * (1 + block);
        e[0] = (uint8_t)gap;
        memcpy(e + 1, m + k * block, (size_t)block);
        gap = 0;
    }
    return entries;
}

typedef struct {
    int8_t *input, *output;
    int32_t *bias, *multiplier, *shift;
} layer_data;

/* One measured call of the dense DSP kernel (weights in the dense layout). */
static uint32_t run_dense(const layer *l, const layer_data *d, const int8_t *weights, se_status *status)
{
    const se_per_channel_quant quant = {d->multiplier, d->shift};
    const se_conv_params cp = {-128, -128, 1, 1, l->pad, l->pad, {-128, 127}};
    const se_fc_params fp = {-128, -128, {-128, 127}};
    int32_t bytes = 0;
    switch (l->kind) {
    case LAYER_CONV2D: bytes = se_conv2d_s8_dsp_get_buffer_size(&l->in, &l->filter); break;
    case LAYER_CONV1X1: bytes = se_conv1x1_s8_dsp_get_buffer_size(&l->in); break;
    case LAYER_DEPTHWISE: bytes = se_depthwise_conv3x3_s8_dsp_get_buffer_size(&l->in); break;
    case LAYER_FC: bytes = se_fully_connected_s8_dsp_get_buffer_size(&l->fc); break;
    }
    const se_context ctx = {bytes > 0 ? bench_alloc((uint32_t)bytes) : NULL, bytes};
    bench_begin();
    switch (l->kind) {
    case LAYER_CONV2D:
        *status = se_conv2d_s8_dsp(&ctx, &cp, &quant, &l->in, d->input, &l->filter, weights, d->bias, &l->out,
                                   d->output);
        break;
    case LAYER_CONV1X1:
        *status = se_conv1x1_s8_dsp(&ctx, &cp, &quant, &l->in, d->input, &l->filter, weights, d->bias, &l->out,
                                    d->output);
        break;
    case LAYER_DEPTHWISE:
        *status = se_depthwise_conv3x3_s8_dsp(&ctx, &cp, &quant, &l->in, d->input, &l->filter, weights, d->bias,
                                              &l->out, d->output);
        break;
    case LAYER_FC:
        *status = se_fully_connected_s8_dsp(&ctx, &fp, &quant, &l->fc, d->input, weights, d->bias, d->output);
        break;
    }
    return bench_end();
}

/* One measured call of the sparse DSP kernel. */
static uint32_t run_sparse(const layer *l, const layer_data *d, const se_sparse_weights *w, se_status *status)
{
    const se_per_channel_quant quant = {d->multiplier, d->shift};
    const se_conv_params cp = {-128, -128, 1, 1, l->pad, l->pad, {-128, 127}};
    const se_fc_params fp = {-128, -128, {-128, 127}};
    int32_t bytes = 0;
    switch (l->kind) {
    case LAYER_CONV2D: bytes = se_sparse_conv2d_s8_dsp_get_buffer_size(&l->in, &l->filter, w); break;
    case LAYER_CONV1X1: bytes = se_sparse_conv1x1_s8_dsp_get_buffer_size(&l->in, &l->filter, w); break;
    case LAYER_DEPTHWISE: bytes = se_sparse_depthwise_conv3x3_s8_dsp_get_buffer_size(&l->in, &l->filter, w); break;
    case LAYER_FC: bytes = se_sparse_fully_connected_s8_dsp_get_buffer_size(&l->fc, w); break;
    }
    const se_context ctx = {bytes > 0 ? bench_alloc((uint32_t)bytes) : NULL, bytes};
    bench_begin();
    switch (l->kind) {
    case LAYER_CONV2D:
        *status = se_sparse_conv2d_s8_dsp(&ctx, &cp, &quant, &l->in, d->input, &l->filter, w, d->bias, &l->out,
                                          d->output);
        break;
    case LAYER_CONV1X1:
        *status = se_sparse_conv1x1_s8_dsp(&ctx, &cp, &quant, &l->in, d->input, &l->filter, w, d->bias, &l->out,
                                           d->output);
        break;
    case LAYER_DEPTHWISE:
        *status = se_sparse_depthwise_conv3x3_s8_dsp(&ctx, &cp, &quant, &l->in, d->input, &l->filter, w, d->bias,
                                                     &l->out, d->output);
        break;
    case LAYER_FC:
        *status = se_sparse_fully_connected_s8_dsp(&ctx, &fp, &quant, &l->fc, d->input, w, d->bias, d->output);
        break;
    }
    return bench_end();
}

static const char *dense_name(layer_kind kind)
{
    switch (kind) {
    case LAYER_CONV2D: return "se_conv2d_s8_dsp";
    case LAYER_CONV1X1: return "se_conv1x1_s8_dsp";
    case LAYER_DEPTHWISE: return "se_depthwise_conv3x3_s8_dsp";
    default: return "se_fully_connected_s8_dsp";
    }
}

static const char *sparse_name(layer_kind kind)
{
    switch (kind) {
    case LAYER_CONV2D: return "se_sparse_conv2d_s8_dsp";
    case LAYER_CONV1X1: return "se_sparse_conv1x1_s8_dsp";
    case LAYER_DEPTHWISE: return "se_sparse_depthwise_conv3x3_s8_dsp";
    default: return "se_sparse_fully_connected_s8_dsp";
    }
}

static void bench_layer(const layer *l, const int32_t *blocks, int num_blocks, summary *s)
{
    static const int32_t k_rho_pct[] = {0, 40, 50, 60, 70, 80};
    bench_reset_arena();
    const int is_fc = l->kind == LAYER_FC;
    const int32_t in_size = is_fc ? l->fc.tokens * l->fc.in_features : l->in.n * l->in.h * l->in.w * l->in.c;
    const int32_t out_size = is_fc ? l->fc.tokens * l->fc.out_features : l->out.n * l->out.h * l->out.w * l->out.c;
    const int32_t elements = l->rows * l->row_len;
    const uint32_t macs = (uint32_t)out_size * (uint32_t)(l->kind == LAYER_DEPTHWISE ? 9 : l->row_len);
    layer_data d;
    d.input = bench_alloc((uint32_t)in_size);
    d.output = bench_alloc((uint32_t)out_size);
    d.bias = bench_alloc(4u * (uint32_t)l->rows);
    d.multiplier = bench_alloc(4u * (uint32_t)l->rows);
    d.shift = bench_alloc(4u * (uint32_t)l->rows);
    int8_t *coded_m = bench_alloc((uint32_t)elements); /* [rows, R], coded order */
    int8_t *pruned = bench_alloc((uint32_t)elements);
    int8_t *dense = bench_alloc((uint32_t)elements); /* the dense kernel's layout */
    uint8_t *stream = bench_alloc((uint32_t)(elements / 2 + elements / 512 + 2) * 5u);
    int32_t *table = bench_alloc((uint32_t)se_sparse_row_table_size(l->rows));
    bench_fill_s8(d.input, in_size, 21u);
    bench_fill_s8(coded_m, elements, 22u);
    bench_fill_quant(d.multiplier, d.shift, l->rows, 23u);
    for (int32_t o = 0; o < l->rows; o++) {
        d.bias[o] = (o * 7919) % 4001 - 2000;
    }

    se_status status = SE_OK;
    /* dense baseline: the dense layout of the unpruned matrix (depthwise: [C, 9] -> [9, C]) */
    for (int32_t r = 0; r < l->rows; r++) {
        for (int32_t k = 0; k < l->row_len; k++) {
            const int32_t at = l->kind == LAYER_DEPTHWISE ? k * l->rows + r : r * l->row_len + k;
            dense[at] = coded_m[r * l->row_len + k];
        }
    }
    const uint32_t dense_instructions = run_dense(l, &d, dense, &status);
    if (!bench_ok(dense_name(l->kind), status)) {
        return;
    }
    bench_report(dense_name(l->kind), l->shape, dense_instructions, macs, "MAC", 0.0, NULL);
    const double dense_per_mac = (double)dense_instructions / (double)macs;
    char shape[160], baseline[64];
    snprintf(baseline, sizeof baseline, "dense %s", dense_name(l->kind));

    for (int bi = 0; bi < num_blocks; bi++) {
        const int32_t b = blocks[bi];
        for (size_t ri = 0; ri < sizeof k_rho_pct / sizeof k_rho_pct[0]; ri++) {
            const int32_t rho = k_rho_pct[ri];
            memcpy(pruned, coded_m, (size_t)elements);
            prune_by_magnitude(pruned, elements, b, rho);
            const int32_t entries = encode(pruned, elements, b, stream);
            se_sparse_weights w = {stream, entries * (1 + b), entries, b, NULL};
            if (!bench_ok("se_sparse_prepare_s8", se_sparse_prepare_s8(&w, l->rows, l->row_len, table))) {
                continue;
            }
            snprintf(shape, sizeof shape, "%s, b %d, rho %.1f", l->shape, (int)b, rho / 100.0);
            if (rho == 80) { /* once per block size: the validating path (no row table) */
                const uint32_t validating = run_sparse(l, &d, &w, &status);
                char vshape[200];
                snprintf(vshape, sizeof vshape, "%.150s, validating (no row table)", shape);
                if (bench_ok(sparse_name(l->kind), status)) {
                    bench_report(sparse_name(l->kind), vshape, validating, macs, "MAC", dense_per_mac, baseline);
                }
            }
            w.row_table = table;
            const uint32_t sparse_instructions = run_sparse(l, &d, &w, &status);
            if (!bench_ok(sparse_name(l->kind), status)) {
                continue;
            }
            bench_report(sparse_name(l->kind), shape, sparse_instructions, macs, "MAC", dense_per_mac, baseline);
            if (s->count < MAX_RESULTS) {
                const result res = {l->name, b, rho, dense_instructions, sparse_instructions};
                s->rows[s->count++] = res;
            }
        }
    }
}

void bench_sparse(void)
{
    static summary s;
    static const int32_t k_blocks_24[] = {2, 4}, k_blocks_243[] = {2, 4, 3}, k_block_3[] = {3};
    s.count = 0;
    {
        /* b 3: the 3 width taps of a kernel row (coded order [C_out, KH, C_in, KW]) */
        const layer l = {"conv 3x3 16x16x32->32", "16x16x32 -> 16x16x32, 3x3, pad 1", LAYER_CONV2D,
                         {1, 16, 16, 32}, {32, 3, 3, 32}, {1, 16, 16, 32}, 1, {0, 0, 0}, 32, 288};
        bench_layer(&l, k_blocks_243, 3, &s);
    }
    {
        const layer l = {"conv 1x1 16x16x32->64", "16x16x32 -> 16x16x64, 1x1", LAYER_CONV1X1,
                         {1, 16, 16, 32}, {64, 1, 1, 32}, {1, 16, 16, 64}, 0, {0, 0, 0}, 64, 32};
        bench_layer(&l, k_blocks_24, 2, &s);
    }
    {
        const layer l = {"FC 256->768 batch 1", "256 -> 768, batch 1", LAYER_FC, {0, 0, 0, 0}, {0, 0, 0, 0},
                         {0, 0, 0, 0}, 0, {1, 256, 768}, 768, 256};
        bench_layer(&l, k_blocks_24, 2, &s);
    }
    {
        const layer l = {"FC 256->768 batch 64", "256 -> 768, batch 64", LAYER_FC, {0, 0, 0, 0}, {0, 0, 0, 0},
                         {0, 0, 0, 0}, 0, {64, 256, 768}, 768, 256};
        bench_layer(&l, k_blocks_24, 2, &s);
    }
    {
        const layer l = {"depthwise 3x3 16x16x64", "16x16x64, 3x3 depthwise, pad 1", LAYER_DEPTHWISE,
                         {1, 16, 16, 64}, {1, 3, 3, 64}, {1, 16, 16, 64}, 1, {0, 0, 0}, 64, 9};
        bench_layer(&l, k_block_3, 1, &s);
    }

    printf("\nSparse vs dense DSP kernel: speedup = dense / sparse instructions, target 0.7 / (1 - rho)\n\n");
    printf("| layer | b | rho | dense instr | sparse instr | speedup | target | |\n");
    printf("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    int misses = 0;
    for (int i = 0; i < s.count; i++) {
        const result *r = &s.rows[i];
        const double speedup = (double)r->dense / (double)r->sparse;
        const double target = 0.7 / (1.0 - r->rho_pct / 100.0);
        const int pass = speedup >= target;
        misses += !pass;
        printf("| %s | %d | %.1f | %lu | %lu | %.2f | %.2f | %s |\n", r->layer, (int)r->block, r->rho_pct / 100.0,
               (unsigned long)r->dense, (unsigned long)r->sparse, speedup, target, pass ? "pass" : "MISS");
    }
    printf("\n%d of %d sparse rows below target\n\n", misses, s.count);
}
