/* Softmax on the emulated Cortex-M7, anchors.md shape: 64 rows x 64 int8
 * logits (scale 1/16, so diff_max = 248 and almost every table entry is used).
 * Int8 counts include se_softmax_s8_prepare and the on-demand table fill
 * ("cold"); "warm" reruns on the filled cache. The float baseline (float in,
 * float out, expf per element, hard-float FPU) runs on the same logits in the
 * same firmware so the ratio is measured, not quoted. */
#include <math.h>

#include "bench.h"

#define SM_ROWS 64
#define SM_COLS 64
#define SM_SCALE 0.0625f

static void float_softmax(int32_t rows, int32_t n, const float *in, float *out)
{
    for (int32_t r = 0; r < rows; r++) {
        const float *x = in + r * n;
        float *y = out + r * n;
        float max = x[0];
        for (int32_t i = 1; i < n; i++) {
            max = x[i] > max ? x[i] : max;
        }
        float sum = 0.0f;
        for (int32_t i = 0; i < n; i++) {
            y[i] = expf(x[i] - max);
            sum += y[i];
        }
        const float inv = 1.0f / sum;
        for (int32_t i = 0; i < n; i++) {
            y[i] *= inv;
        }
    }
}

static const char k_shape[] = "64 rows x 64";
static const char k_cmsis[] = "CMSIS-NN arm_softmax_s8";

/* Returns instructions per element * 100 of the measured float baseline. */
static double bench_float(const int8_t *logits)
{
    float *in = bench_alloc(4u * SM_ROWS * SM_COLS);
    float *out = bench_alloc(4u * SM_ROWS * SM_COLS);
    for (int32_t i = 0; i < SM_ROWS * SM_COLS; i++) {
        in[i] = (float)logits[i] * SM_SCALE;
    }
    bench_begin();
    float_softmax(SM_ROWS, SM_COLS, in, out);
    const uint32_t instructions = bench_end();
    bench_report("float_softmax_expf (hard-float)", k_shape, instructions, SM_ROWS * SM_COLS, "elem", 97.0,
                 "anchors.md float expf softmax");
    return (double)instructions / (SM_ROWS * SM_COLS);
}

static void bench_int(const char *kernel, se_status (*fn)(SE_SOFTMAX_S8_ARGS), const int8_t *logits,
                      double float_per_elem, int32_t rows_per_call)
{
    int8_t *out = bench_alloc(SM_ROWS * SM_COLS);
    se_context ctx = {bench_alloc((uint32_t)se_softmax_s8_get_buffer_size()), se_softmax_s8_get_buffer_size()};
    se_softmax_params params;
    if (!bench_ok(kernel, se_softmax_s8_params_from_scale(SM_SCALE, &params))) {
        return;
    }
    se_status st = SE_OK;
    bench_begin();
    st = se_softmax_s8_prepare(&ctx, &params);
    for (int32_t r = 0; r < SM_ROWS && st == SE_OK; r += rows_per_call) {
        st = fn(&ctx, &params, rows_per_call, SM_COLS, logits + r * SM_COLS, out + r * SM_COLS);
    }
    const uint32_t cold = bench_end();
    bench_begin();
    if (st == SE_OK) {
        st = fn(&ctx, &params, SM_ROWS, SM_COLS, logits, out);
    }
    const uint32_t warm = bench_end();
    if (!bench_ok(kernel, st)) {
        return;
    }
    if (rows_per_call == 1) {
        bench_report(kernel, "64 rows x 64, one call per row, cold cache", cold, SM_ROWS * SM_COLS, "elem", 536.0,
                     k_cmsis);
        return;
    }
    bench_report(kernel, "64 rows x 64, cold cache (prepare + fill)", cold, SM_ROWS * SM_COLS, "elem", 536.0, k_cmsis);
    bench_report(kernel, "64 rows x 64, cold cache (prepare + fill)", cold, SM_ROWS * SM_COLS, "elem",
                 float_per_elem, "float expf softmax measured above");
    bench_report(kernel, "64 rows x 64, warm cache", warm, SM_ROWS * SM_COLS, "elem", 536.0, k_cmsis);
}

void bench_softmax(void)
{
    bench_reset_arena();
    int8_t *logits = bench_alloc(SM_ROWS * SM_COLS);
    bench_fill_s8(logits, SM_ROWS * SM_COLS, 31u);
    const double float_per_elem = bench_float(logits);
    bench_int("se_softmax_s8_ref", se_softmax_s8_ref, logits, float_per_elem, SM_ROWS);
    bench_int("se_softmax_s8_dsp", se_softmax_s8_dsp, logits, float_per_elem, SM_ROWS);
    bench_int("se_softmax_s8_dsp", se_softmax_s8_dsp, logits, float_per_elem, 1);
}
