/*
 * Runtime demo: a tiny int8 image classifier run with the public kernel API on
 * the emulated Cortex-M7, counting the instructions of each layer.
 *
 *   input 16x16x3 -> conv2d 3x3 stride 2 (16 ch, ReLU) -> depthwise 3x3 (ReLU)
 *   -> global average pool -> fully connected 16 -> 10 -> softmax
 *
 * Input and weights are deterministic (a synthetic image, pseudo-random
 * weights), so every run prints the same numbers. The same pipeline is also
 * computed in float from the dequantized tensors, to show how close the int8
 * result is. Every kernel status is checked: a kernel that fails (for instance
 * one not implemented yet, SE_ERR_UNSUPPORTED) stops the pipeline with a clear
 * message and exit status 1.
 *
 * Run: scripts/demo.sh, or scripts/run-qemu.sh build/m7/demo/runtime_demo.elf
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "se_board.h"
#include "tinyformer/runtime/se_runtime.h"

/* ---- shapes -------------------------------------------------------------- */

#define IN_H 16
#define IN_W 16
#define IN_C 3
#define C1 16 /* conv2d output channels */
#define H1 8  /* conv2d output height/width (stride 2, pad 1) */
#define CLASSES 10

/* ---- quantization (real = scale * (q - zero_point)) --------------------- */

#define INPUT_SCALE (1.0 / 255.0) /* pixels in [0, 1] */
#define INPUT_ZP (-128)
#define WEIGHT_SCALE (0.5 / 127.0) /* weights in [-0.5, 0.5], symmetric */
#define ACT_SCALE (0.02)           /* conv output, ReLU: [0, 5.1] */
#define ACT_ZP (-128)
#define ACT2_SCALE (0.01)             /* depthwise and pooled outputs, ReLU: [0, 2.55] */
#define FC_WEIGHT_SCALE (4.0 / 127.0) /* classifier weights in [-4, 4] */
#define LOGIT_SCALE (0.1)             /* fully connected output: [-12.8, 12.7] */
#define LOGIT_ZP 0
#define PROB_SCALE (1.0 / 256.0) /* softmax output, TFLite convention */
#define PROB_ZP (-128)

/* ---- tensors (static: the runtime allocates nothing) --------------------- */

static int8_t g_input[IN_H * IN_W * IN_C];
static int8_t g_conv_w[C1 * 3 * 3 * IN_C];
static int32_t g_conv_b[C1];
static int32_t g_conv_mult[C1], g_conv_shift[C1];
static int8_t g_act1[H1 * H1 * C1];
static int8_t g_dw_w[3 * 3 * C1];
static int32_t g_dw_b[C1];
static int32_t g_dw_mult[C1], g_dw_shift[C1];
static int8_t g_act2[H1 * H1 * C1];
static int8_t g_pooled[C1];
static int8_t g_fc_w[CLASSES * C1];
static int32_t g_fc_b[CLASSES];
static int32_t g_fc_mult[CLASSES], g_fc_shift[CLASSES];
static int8_t g_logits[CLASSES];
static int8_t g_probs[CLASSES];

/* One scratch arena shared by the layers, as a planner would size it. */
#define SCRATCH_BYTES 4096
static uint32_t g_scratch[SCRATCH_BYTES / 4];

/* ---- deterministic data ------------------------------------------------- */

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static void fill_weights(int8_t *w, int32_t n, uint32_t seed)
{
    for (int32_t i = 0; i < n; i++) {
        w[i] = (int8_t)((int32_t)(next_random(&seed) % 255u) - 127);
    }
}

/* Bias in [-0.1, 0.1] real, in the accumulator's scale. */
static void fill_bias(int32_t *b, int32_t n, double acc_scale, uint32_t seed)
{
    for (int32_t i = 0; i < n; i++) {
        double real = ((double)(next_random(&seed) % 2001u) - 1000.0) / 10000.0;
        b[i] = (int32_t)lround(real / acc_scale);
    }
}

/* real multiplier -> (multiplier, shift) with real = multiplier * 2^(shift - 31). */
static void quantize_multiplier(double real, int32_t *multiplier, int32_t *shift)
{
    int exponent = 0;
    double fraction = frexp(real, &exponent);
    int64_t fixed = llround(fraction * 2147483648.0);
    if (fixed == 2147483648LL) {
        fixed /= 2;
        exponent++;
    }
    *multiplier = (int32_t)fixed;
    *shift = exponent;
}

/* A synthetic picture: a bright diagonal band over a colour gradient. */
static void make_input(void)
{
    for (int y = 0; y < IN_H; y++) {
        for (int x = 0; x < IN_W; x++) {
            int band = (x - y) >= -2 && (x - y) <= 2;
            int rgb[IN_C] = {band ? 250 : 16 * x, band ? 230 : 16 * y, band ? 40 : 255 - 8 * (x + y)};
            for (int c = 0; c < IN_C; c++) {
                g_input[(y * IN_W + x) * IN_C + c] = (int8_t)(rgb[c] + INPUT_ZP);
            }
        }
    }
}

static void make_model(void)
{
    fill_weights(g_conv_w, (int32_t)sizeof(g_conv_w), 11u);
    fill_weights(g_dw_w, (int32_t)sizeof(g_dw_w), 22u);
    fill_weights(g_fc_w, (int32_t)sizeof(g_fc_w), 33u);
    fill_bias(g_conv_b, C1, INPUT_SCALE * WEIGHT_SCALE, 44u);
    fill_bias(g_dw_b, C1, ACT_SCALE * WEIGHT_SCALE, 55u);
    fill_bias(g_fc_b, CLASSES, ACT2_SCALE * FC_WEIGHT_SCALE, 66u);
    for (int c = 0; c < C1; c++) {
        quantize_multiplier(INPUT_SCALE * WEIGHT_SCALE / ACT_SCALE, &g_conv_mult[c], &g_conv_shift[c]);
        quantize_multiplier(ACT_SCALE * WEIGHT_SCALE / ACT2_SCALE, &g_dw_mult[c], &g_dw_shift[c]);
    }
    for (int o = 0; o < CLASSES; o++) {
        quantize_multiplier(ACT2_SCALE * FC_WEIGHT_SCALE / LOGIT_SCALE, &g_fc_mult[o], &g_fc_shift[o]);
    }
}

/* ---- float model of the same pipeline (dequantized weights and input) ---- */

static float g_f_act1[H1 * H1 * C1], g_f_act2[H1 * H1 * C1], g_f_probs[CLASSES];

static float relu(float v) { return v > 0.0f ? v : 0.0f; }

static void float_pipeline(void)
{
    for (int y = 0; y < H1; y++) {
        for (int x = 0; x < H1; x++) {
            for (int o = 0; o < C1; o++) {
                float acc = (float)(g_conv_b[o] * INPUT_SCALE * WEIGHT_SCALE);
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        int iy = 2 * y - 1 + ky, ix = 2 * x - 1 + kx;
                        if (iy < 0 || iy >= IN_H || ix < 0 || ix >= IN_W) {
                            continue;
                        }
                        for (int c = 0; c < IN_C; c++) {
                            float in = (float)((g_input[(iy * IN_W + ix) * IN_C + c] - INPUT_ZP) * INPUT_SCALE);
                            float w = (float)(g_conv_w[((o * 3 + ky) * 3 + kx) * IN_C + c] * WEIGHT_SCALE);
                            acc += in * w;
                        }
                    }
                }
                g_f_act1[(y * H1 + x) * C1 + o] = relu(acc);
            }
        }
    }
    for (int y = 0; y < H1; y++) {
        for (int x = 0; x < H1; x++) {
            for (int c = 0; c < C1; c++) {
                float acc = (float)(g_dw_b[c] * ACT_SCALE * WEIGHT_SCALE);
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        int iy = y - 1 + ky, ix = x - 1 + kx;
                        if (iy >= 0 && iy < H1 && ix >= 0 && ix < H1) {
                            acc += g_f_act1[(iy * H1 + ix) * C1 + c] *
                                   (float)(g_dw_w[(ky * 3 + kx) * C1 + c] * WEIGHT_SCALE);
                        }
                    }
                }
                g_f_act2[(y * H1 + x) * C1 + c] = relu(acc);
            }
        }
    }
    float pooled[C1], logits[CLASSES], sum = 0.0f, max = -1e30f;
    for (int c = 0; c < C1; c++) {
        pooled[c] = 0.0f;
        for (int p = 0; p < H1 * H1; p++) {
            pooled[c] += g_f_act2[p * C1 + c];
        }
        pooled[c] /= (float)(H1 * H1);
    }
    for (int o = 0; o < CLASSES; o++) {
        logits[o] = (float)(g_fc_b[o] * ACT2_SCALE * FC_WEIGHT_SCALE);
        for (int c = 0; c < C1; c++) {
            logits[o] += pooled[c] * (float)(g_fc_w[o * C1 + c] * FC_WEIGHT_SCALE);
        }
        max = logits[o] > max ? logits[o] : max;
    }
    for (int o = 0; o < CLASSES; o++) {
        g_f_probs[o] = expf(logits[o] - max);
        sum += g_f_probs[o];
    }
    for (int o = 0; o < CLASSES; o++) {
        g_f_probs[o] /= sum;
    }
}

/* ---- the int8 pipeline --------------------------------------------------- */

typedef struct {
    const char *name;
    const char *shape;
    uint32_t instructions;
    uint32_t macs;
} layer_record;

static layer_record g_layers[5];
static int g_layer_count;

/* Prints a failed status and says whether to go on. */
static int check_status(const char *layer, const char *what, se_status status)
{
    if (status == SE_OK) {
        return 1;
    }
    printf("\n*** %s: %s failed: %s (se_status %d)\n", layer, what, se_status_str(status), (int)status);
    if (status == SE_ERR_UNSUPPORTED) {
        printf("    (SE_ERR_UNSUPPORTED: this kernel is not implemented in this build yet)\n");
    }
    return 0;
}

/* A kernel's scratch need must fit the shared arena. */
static int scratch_for(const char *layer, int32_t needed, se_context *ctx)
{
    if (needed < 0 || needed > (int32_t)sizeof(g_scratch)) {
        printf("\n*** %s: needs %ld bytes of scratch, the arena has %lu\n", layer, (long)needed,
               (unsigned long)sizeof(g_scratch));
        return 0;
    }
    ctx->buf = g_scratch;
    ctx->size = needed;
    return 1;
}

static void record(const char *name, const char *shape, uint32_t instructions, uint32_t macs)
{
    g_layers[g_layer_count].name = name;
    g_layers[g_layer_count].shape = shape;
    g_layers[g_layer_count].instructions = instructions;
    g_layers[g_layer_count].macs = macs;
    g_layer_count++;
}

static int run_pipeline(void)
{
    se_context ctx;
    se_status st;
    uint64_t start;
    const se_activation relu_act = {ACT_ZP, 127};

    /* conv2d 3x3 stride 2: 16x16x3 -> 8x8x16 */
    {
        se_dims in = {1, IN_H, IN_W, IN_C}, f = {C1, 3, 3, IN_C}, out = {1, H1, H1, C1};
        se_conv_params p = {INPUT_ZP, ACT_ZP, 2, 2, 1, 1, relu_act};
        se_per_channel_quant q = {g_conv_mult, g_conv_shift};
        if (!scratch_for("conv2d", se_conv2d_s8_get_buffer_size(&in, &f), &ctx)) {
            return 0;
        }
        start = se_board_instructions();
        st = se_conv2d_s8(&ctx, &p, &q, &in, g_input, &f, g_conv_w, g_conv_b, &out, g_act1);
        uint32_t n = se_board_instructions_since(start);
        if (!check_status("conv2d", "se_conv2d_s8", st)) {
            return 0;
        }
        record("se_conv2d_s8", "16x16x3 -> 8x8x16, 3x3 s2 p1, ReLU", n, H1 * H1 * C1 * 9 * IN_C);
    }
    /* depthwise 3x3 stride 1: 8x8x16 -> 8x8x16 */
    {
        se_dims in = {1, H1, H1, C1}, f = {1, 3, 3, C1}, out = {1, H1, H1, C1};
        se_conv_params p = {ACT_ZP, ACT_ZP, 1, 1, 1, 1, relu_act};
        se_per_channel_quant q = {g_dw_mult, g_dw_shift};
        if (!scratch_for("depthwise", se_depthwise_conv3x3_s8_get_buffer_size(&in), &ctx)) {
            return 0;
        }
        start = se_board_instructions();
        st = se_depthwise_conv3x3_s8(&ctx, &p, &q, &in, g_act1, &f, g_dw_w, g_dw_b, &out, g_act2);
        uint32_t n = se_board_instructions_since(start);
        if (!check_status("depthwise", "se_depthwise_conv3x3_s8", st)) {
            return 0;
        }
        record("se_depthwise_conv3x3_s8", "8x8x16, 3x3 s1 p1, ReLU", n, H1 * H1 * C1 * 9);
    }
    /* global average pool: 8x8x16 -> 16 */
    {
        se_dims in = {1, H1, H1, C1}, out = {1, 1, 1, C1};
        if (!scratch_for("global_avg_pool", se_global_avg_pool_s8_get_buffer_size(&in), &ctx)) {
            return 0;
        }
        start = se_board_instructions();
        st = se_global_avg_pool_s8(&ctx, &relu_act, &in, g_act2, &out, g_pooled);
        uint32_t n = se_board_instructions_since(start);
        if (!check_status("global_avg_pool", "se_global_avg_pool_s8", st)) {
            return 0;
        }
        record("se_global_avg_pool_s8", "8x8x16 -> 16", n, 0);
    }
    /* fully connected: 16 -> 10 logits */
    {
        se_fc_dims d = {1, C1, CLASSES};
        se_fc_params p = {ACT_ZP, LOGIT_ZP, {-128, 127}};
        se_per_channel_quant q = {g_fc_mult, g_fc_shift};
        if (!scratch_for("fully_connected", se_fully_connected_s8_get_buffer_size(&d), &ctx)) {
            return 0;
        }
        start = se_board_instructions();
        st = se_fully_connected_s8(&ctx, &p, &q, &d, g_pooled, g_fc_w, g_fc_b, g_logits);
        uint32_t n = se_board_instructions_since(start);
        if (!check_status("fully_connected", "se_fully_connected_s8", st)) {
            return 0;
        }
        record("se_fully_connected_s8", "16 -> 10", n, C1 * CLASSES);
    }
    /* softmax over the 10 logits (TFLite PreprocessSoftmaxScaling, beta 1, 5 integer bits) */
    {
        se_softmax_params p;
        quantize_multiplier(LOGIT_SCALE * (double)(1 << 26), &p.input_multiplier, &p.input_left_shift);
        double radius = 31.0 * (double)(1 << 26) / ldexp(1.0, p.input_left_shift);
        p.diff_max = radius < 255.0 ? (int32_t)floor(radius) : 255;
        if (!scratch_for("softmax", se_softmax_s8_get_buffer_size(), &ctx)) {
            return 0;
        }
        start = se_board_instructions();
        st = se_softmax_s8_prepare(&ctx, &p);
        if (!check_status("softmax", "se_softmax_s8_prepare", st)) {
            return 0;
        }
        st = se_softmax_s8(&ctx, &p, 1, CLASSES, g_logits, g_probs);
        uint32_t n = se_board_instructions_since(start);
        if (!check_status("softmax", "se_softmax_s8", st)) {
            return 0;
        }
        record("se_softmax_s8 (+prepare)", "1 x 10", n, 0);
    }
    return 1;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("TinyFormer runtime demo: int8 conv2d -> depthwise -> global avg pool -> FC -> softmax\n");
    printf("kernels: %s variants (dispatching entry points)\n",
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
           "DSP (ARMv7E-M SMLAD)"
#else
           "reference"
#endif
    );
    make_input();
    make_model();
    float_pipeline();

    int ok = run_pipeline();

    printf("\n| layer | shape | instructions | MACs | instr/MAC |\n| --- | --- | ---: | ---: | ---: |\n");
    uint32_t total = 0;
    for (int i = 0; i < g_layer_count; i++) {
        const layer_record *l = &g_layers[i];
        total += l->instructions;
        if (l->macs > 0) {
            printf("| %s | %s | %lu | %lu | %.2f |\n", l->name, l->shape, (unsigned long)l->instructions,
                   (unsigned long)l->macs, (double)l->instructions / (double)l->macs);
        } else {
            printf("| %s | %s | %lu | - | - |\n", l->name, l->shape, (unsigned long)l->instructions);
        }
    }
    printf("| total | %d of 5 layers | %lu | | |\n", g_layer_count, (unsigned long)total);
    printf("(retired instructions under QEMU -icount shift=0, +-40 per layer; about %.1f us at 216 MHz "
           "assuming 1 instruction per cycle)\n",
           (double)total / 216.0);

    if (!ok) {
        printf("\nRESULT: pipeline stopped at layer %d (see the error above)\n", g_layer_count + 1);
        return 1;
    }

    printf("\nclass | int8 | probability | float model\n");
    int best = 0, best_f = 0;
    float max_diff = 0.0f;
    for (int o = 0; o < CLASSES; o++) {
        double prob = (g_probs[o] - PROB_ZP) * PROB_SCALE;
        printf("%5d | %4d | %11.4f | %.4f\n", o, g_probs[o], prob, (double)g_f_probs[o]);
        best = g_probs[o] > g_probs[best] ? o : best;
        best_f = g_f_probs[o] > g_f_probs[best_f] ? o : best_f;
        float diff = fabsf((float)prob - g_f_probs[o]);
        max_diff = diff > max_diff ? diff : max_diff;
    }
    printf("logits (int8, scale %.2f):", LOGIT_SCALE);
    for (int o = 0; o < CLASSES; o++) {
        printf(" %d", g_logits[o]);
    }
    printf("\nRESULT: class %d (int8), class %d (float model); largest probability difference %.4f\n", best, best_f,
           (double)max_diff);
    return 0;
}
