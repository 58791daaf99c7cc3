/* Scaled-LayerNorm on the emulated Cortex-M7 at the paper's Table IV shapes
 * ([256x44], [64x192]), against float LayerNorms measured in the same run:
 *   float_layernorm (hard-float): float in, float out, FPv5 instructions,
 *     one sqrtf per row: what an FP32 LayerNorm costs on an M7 with its FPU;
 *   float_layernorm_int8io (hard-float): int8 in, int8 out (dequantize,
 *     the same float LayerNorm, quantize), i.e. FP32-LN inside an int8 model;
 *   float_layernorm_int8io (soft-float): the same with every float operation
 *     a call to the EABI soft-float routines (__aeabi_fadd ...), as a build
 *     without -mfpu runs it. We believe the paper's 38.8x-52x compares
 *     against something like this (an FP32 LN without FPU use); it does not
 *     say. */
#include <math.h>

#include "bench.h"

#define LN_EPS 1e-5f

static void float_layernorm(int32_t rows, int32_t n, const float *in, const float *gamma, const float *beta,
                            float *out)
{
    for (int32_t r = 0; r < rows; r++) {
        const float *x = in + r * n;
        float *y = out + r * n;
        float s = 0.0f, ss = 0.0f;
        for (int32_t c = 0; c < n; c++) {
            s += x[c];
            ss += x[c] * x[c];
        }
        const float mean = s / (float)n;
        const float var = ss / (float)n - mean * mean;
        const float rstd = 1.0f / sqrtf(var + LN_EPS);
        for (int32_t c = 0; c < n; c++) {
            y[c] = (x[c] - mean) * rstd * gamma[c] + beta[c];
        }
    }
}

static void float_layernorm_int8io(int32_t rows, int32_t n, const int8_t *in, float in_scale, const float *gamma,
                                   const float *beta, float inv_out_scale, int32_t out_zp, int8_t *out)
{
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = in + r * n;
        int8_t *y = out + r * n;
        float s = 0.0f, ss = 0.0f;
        for (int32_t c = 0; c < n; c++) {
            const float v = (float)x[c] * in_scale;
            s += v;
            ss += v * v;
        }
        const float mean = s / (float)n;
        const float var = ss / (float)n - mean * mean;
        const float rstd = 1.0f / sqrtf(var + LN_EPS);
        for (int32_t c = 0; c < n; c++) {
            const float v = ((float)x[c] * in_scale - mean) * rstd * gamma[c] + beta[c];
            const float scaled = v * inv_out_scale;
            int32_t q = (int32_t)(scaled >= 0.0f ? scaled + 0.5f : scaled - 0.5f) + out_zp;
            y[c] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
        }
    }
}

/* The EABI soft-float helpers (libgcc), called with the base (core register)
 * procedure call standard. */
#define SOFT __attribute__((pcs("aapcs")))
float __aeabi_fadd(float, float) SOFT;
float __aeabi_fsub(float, float) SOFT;
float __aeabi_fmul(float, float) SOFT;
float __aeabi_fdiv(float, float) SOFT;
float __aeabi_i2f(int) SOFT;
int __aeabi_f2iz(float) SOFT;
int __aeabi_fcmplt(float, float) SOFT;

static float soft_sqrtf(float v) /* Newton, soft-float ops only; once per row */
{
    float x = __aeabi_fcmplt(v, 1.0f) ? 1.0f : v;
    for (int k = 0; k < 20; k++) {
        x = __aeabi_fmul(0.5f, __aeabi_fadd(x, __aeabi_fdiv(v, x)));
    }
    return x;
}

static void soft_layernorm_int8io(int32_t rows, int32_t n, const int8_t *in, float in_scale, const float *gamma,
                                  const float *beta, float inv_out_scale, int32_t out_zp, int8_t *out)
{
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = in + r * n;
        int8_t *y = out + r * n;
        float s = 0.0f, ss = 0.0f;
        for (int32_t c = 0; c < n; c++) {
            const float v = __aeabi_fmul(__aeabi_i2f(x[c]), in_scale);
            s = __aeabi_fadd(s, v);
            ss = __aeabi_fadd(ss, __aeabi_fmul(v, v));
        }
        const float fn = __aeabi_i2f(n);
        const float mean = __aeabi_fdiv(s, fn);
        const float var = __aeabi_fsub(__aeabi_fdiv(ss, fn), __aeabi_fmul(mean, mean));
        const float rstd = __aeabi_fdiv(1.0f, soft_sqrtf(__aeabi_fadd(var, LN_EPS)));
        for (int32_t c = 0; c < n; c++) {
            const float xc = __aeabi_fsub(__aeabi_fmul(__aeabi_i2f(x[c]), in_scale), mean);
            const float v = __aeabi_fadd(__aeabi_fmul(__aeabi_fmul(xc, rstd), gamma[c]), beta[c]);
            const float scaled = __aeabi_fmul(v, inv_out_scale);
            const float rounded = __aeabi_fadd(scaled, __aeabi_fcmplt(scaled, 0.0f) ? -0.5f : 0.5f);
            int32_t q = __aeabi_f2iz(rounded) + out_zp;
            y[c] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
        }
    }
}

static void bench_shape(int32_t rows, int32_t n, const char *shape)
{
    bench_reset_arena();
    const uint32_t elems = (uint32_t)(rows * n);
    int8_t *in = bench_alloc(elems);
    int8_t *out = bench_alloc(elems);
    int32_t *gain = bench_alloc(4u * (uint32_t)n);
    int32_t *offset = bench_alloc(4u * (uint32_t)n);
    float *fin = bench_alloc(4u * elems);
    float *fout = bench_alloc(4u * elems);
    float *fgamma = bench_alloc(4u * (uint32_t)n);
    float *fbeta = bench_alloc(4u * (uint32_t)n);
    bench_fill_s8(in, (int32_t)elems, 41u);
    const float s_in = 0.05f, s_out = 0.03f;
    for (int32_t c = 0; c < n; c++) {
        fgamma[c] = (float)(((c * 7919) % 65535) - 32767) * (1.5f / 32767.0f);
        fbeta[c] = (float)((c * 31) % 200 - 100) / 100.0f;
    }
    for (uint32_t i = 0; i < elems; i++) {
        fin[i] = (float)in[i] * s_in;
    }

    bench_begin();
    float_layernorm(rows, n, fin, fgamma, fbeta, fout);
    const uint32_t hard = bench_end();
    bench_begin();
    float_layernorm_int8io(rows, n, in, s_in, fgamma, fbeta, 1.0f / s_out, -3, out);
    const uint32_t hard_io = bench_end();
    bench_begin();
    soft_layernorm_int8io(rows, n, in, s_in, fgamma, fbeta, 1.0f / s_out, -3, out);
    const uint32_t soft_io = bench_end();
    bench_report("float_layernorm (hard-float)", shape, hard, elems, "elem", 0, 0);
    bench_report("float_layernorm_int8io (hard-float)", shape, hard_io, elems, "elem", 0, 0);
    bench_report("float_layernorm_int8io (soft-float)", shape, soft_io, elems, "elem", 0, 0);
    const double hard_per = (double)hard / elems, hard_io_per = (double)hard_io / elems;
    const double soft_per = (double)soft_io / elems;

    /* once per layer, outside the measurement */
    const se_layernorm_params p = {{-128, 127}};
    bench_ok("se_layernorm_s8_prepare_params",
             se_layernorm_s8_prepare_params(n, fgamma, fbeta, s_out, -3, gain, offset));

    static const struct {
        const char *name;
        se_status (*fn)(SE_LAYERNORM_S8_ARGS);
    } k_variants[] = {{"se_layernorm_s8_ref", se_layernorm_s8_ref}, {"se_layernorm_s8_dsp", se_layernorm_s8_dsp}};
    for (int v = 0; v < 2; v++) {
        bench_begin();
        const se_status st = k_variants[v].fn(&p, rows, n, in, gain, offset, out);
        const uint32_t instructions = bench_end();
        if (bench_ok(k_variants[v].name, st)) {
            bench_report(k_variants[v].name, shape, instructions, elems, "elem", hard_per,
                         "float LN hard-float, measured");
            bench_report(k_variants[v].name, shape, instructions, elems, "elem", hard_io_per,
                         "float LN int8 in/out hard-float, measured");
            bench_report(k_variants[v].name, shape, instructions, elems, "elem", soft_per,
                         "float LN int8 in/out soft-float, measured");
        }
    }
}

void bench_layernorm(void)
{
    bench_shape(256, 44, "[256x44]");
    bench_shape(64, 192, "[64x192]");
}
