/*
 * Scaled-LayerNorm, DSP kernel (same bits as se_layernorm_s8_ref).
 *
 * Pass 1 per row: sum and sum of squares, four int8 per load, widened with
 * SXTB16 and accumulated with SMLAD. Per row: exact integer sqrt by Newton
 * with UDIV, and 128 / sd by a two-digit UDIV long division (no 64-bit
 * division call). Pass 2 per element, two fused requantizations: for
 * requantize(v, m, -r) with m >= 2^30 and r >= 1 the doubling multiply and the
 * rounding shift fold into one SMMLAR and one shift,
 *   T = SMMLAR(v, 2m - 2^32, v + 2^(r-1) - [v < 0] + zp * 2^r) >> r
 * (SMMLAR(v, 2m - 2^32, v + c) = mul(v, m) + c; adding the rounding constant
 * and the sign correction before one floor shift is the half-away-from-zero
 * rounding; mul(v, m) < 0 only when v < 0, and when v < 0 but mul(v, m) = 0
 * both give 0). The output zero point rides along as zp * 2^r. The output
 * stage uses this form when no sum can leave int32 (checked once per call
 * from max |gamma| and max |beta|), else the plain requantization.
 */
#include "se_dsp_intrinsics.h"
#include "se_layernorm_math.h"
#include "tinyformer/runtime/se_layernorm.h"

typedef struct {
    int32_t c_shifted; /* C << left, left = max(nshift, 0) */
    int32_t s_shifted; /* s << left */
    int32_t mult2;     /* 2 nmult - 2^32 */
    uint32_t round;    /* 2^(r-1), r = -nshift (right-shift rows) */
    int32_t right;     /* r */
} norm_step;

typedef struct {
    int32_t mult2;  /* 2 m - 2^32 */
    uint32_t round; /* 2^(r-1) + zp * 2^r */
    int32_t right;  /* r = -shift >= 1 */
    int32_t lo, hi; /* activation clamp */
} out_step;

enum { OUT_PLAIN, OUT_FUSED, OUT_FUSED_FULL_RANGE };

/* Hides a value from the optimizer (no instruction). */
#if defined(__GNUC__)
#define se_opaque(p) __asm__("" : "+r"(*(p)))
#else
#define se_opaque(p) ((void)(p))
#endif

/* One row's second pass. norm_left and out_mode are constants at each call
 * site, so the compiler emits specialised loops; the step values are copied
 * to locals so that they stay in registers across the output stores. */
SE_INLINE void normalize_row(const int8_t *x, const int16_t *gamma, const int32_t *beta, int8_t *out, int32_t n,
                             const norm_step *nsp, const out_step *osp, const se_layernorm_params *params,
                             const int norm_left, const int out_mode)
{
    const int32_t c_shifted = nsp->c_shifted, n_mult2 = nsp->mult2;
    int32_t neg_s_shifted = -nsp->s_shifted;
    se_opaque(&neg_s_shifted); /* keeps x * C + (-s) one MLA instead of MUL and SUB */
    const uint32_t n_round = nsp->round;
    const int32_t n_right = nsp->right;
    const int32_t o_mult2 = osp->mult2;
    const uint32_t o_round = osp->round;
    const int32_t o_right = osp->right, lo = osp->lo, hi = osp->hi;
    /* one index counting up to 0 addresses all four arrays (no end pointer to keep) */
    x += n;
    gamma += n;
    beta += n;
    out += n;
    for (int32_t i = -n; i != 0; i++) {
        const int32_t v = x[i] * c_shifted + neg_s_shifted;
        int32_t norm;
        if (norm_left) {
            norm = (int32_t)se_smmlar(v, n_mult2, (uint32_t)v);
        } else {
            norm = (int32_t)se_smmlar(v, n_mult2, (uint32_t)v + n_round + (uint32_t)(v >> 31)) >> n_right;
        }
        norm = se_ssat(norm, 16);
        const int32_t acc = (int32_t)((uint32_t)(gamma[i] * norm) + (uint32_t)beta[i]);
        int32_t o;
        if (out_mode == OUT_PLAIN) {
            o = se_clamp(se_clamp(se_requantize(acc, params->output_quant.multiplier, params->output_quant.shift),
                                  -512, 512) + params->output_zp,
                         lo, hi);
        } else {
            o = (int32_t)se_smmlar(acc, o_mult2, (uint32_t)acc + o_round + (uint32_t)(acc >> 31)) >> o_right;
            o = out_mode == OUT_FUSED_FULL_RANGE ? se_ssat(o, 8) : se_clamp(o, lo, hi);
        }
        out[i] = (int8_t)o;
    }
}

/* Picks the specialised loop for a row. */
static void normalize_row_any(const int8_t *x, const int16_t *gamma, const int32_t *beta, int8_t *out, int32_t n,
                              const norm_step *ns, const out_step *os, const se_layernorm_params *params,
                              int norm_left, int out_mode)
{
    if (norm_left) {
        if (out_mode == OUT_FUSED_FULL_RANGE) {
            normalize_row(x, gamma, beta, out, n, ns, os, params, 1, OUT_FUSED_FULL_RANGE);
        } else if (out_mode == OUT_FUSED) {
            normalize_row(x, gamma, beta, out, n, ns, os, params, 1, OUT_FUSED);
        } else {
            normalize_row(x, gamma, beta, out, n, ns, os, params, 1, OUT_PLAIN);
        }
    } else {
        if (out_mode == OUT_FUSED_FULL_RANGE) {
            normalize_row(x, gamma, beta, out, n, ns, os, params, 0, OUT_FUSED_FULL_RANGE);
        } else if (out_mode == OUT_FUSED) {
            normalize_row(x, gamma, beta, out, n, ns, os, params, 0, OUT_FUSED);
        } else {
            normalize_row(x, gamma, beta, out, n, ns, os, params, 0, OUT_PLAIN);
        }
    }
}

se_status se_layernorm_s8_dsp(SE_LAYERNORM_S8_ARGS)
{
    const se_status status = se_layernorm_check_args(params, rows, row_size, input, gamma, beta, output);
    if (status != SE_OK) {
        return status;
    }
    const int32_t n = row_size;

    /* Output stage: the fused form needs a normalized multiplier, a right
     * shift, and |mul(acc, m)| + 2^(r-1) + 128 * 2^r < 2^31 for every acc. */
    out_step os;
    os.lo = params->act.min;
    os.hi = params->act.max;
    os.right = -params->output_quant.shift;
    os.mult2 = (int32_t)(2u * (uint32_t)params->output_quant.multiplier);
    os.round = 0u;
    int out_fast = params->output_quant.multiplier >= (1 << 30) && os.right >= 1;
    if (out_fast) {
        int32_t gmax = 0;
        int64_t bmax = 0;
        for (int32_t c = 0; c < n; c++) {
            const int32_t g = gamma[c] < 0 ? -gamma[c] : gamma[c];
            const int64_t b = beta[c] < 0 ? -(int64_t)beta[c] : beta[c];
            gmax = g > gmax ? g : gmax;
            bmax = b > bmax ? b : bmax;
        }
        const int64_t acc_max = (int64_t)gmax * 32768 + bmax;
        const int64_t y_max = ((acc_max * params->output_quant.multiplier) >> 31) + 1;
        out_fast = acc_max < ((int64_t)1 << 31) &&
                   y_max + ((int64_t)1 << (os.right - 1)) + ((int64_t)128 << os.right) < ((int64_t)1 << 31);
        os.round = out_fast ? (1u << (os.right - 1)) + (uint32_t)(params->output_zp * (1 << os.right)) : 0u;
    }
    const int out_mode = !out_fast ? OUT_PLAIN : (os.lo == -128 && os.hi == 127 ? OUT_FUSED_FULL_RANGE : OUT_FUSED);

    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = input + (size_t)r * (size_t)n;
        int8_t *out = output + (size_t)r * (size_t)n;

        /* pass 1: s and ss (|s| <= 2^23, ss <= 2^30: no wrap) */
        int32_t s = 0;
        int32_t ss = 0;
        int32_t c = 0;
        for (; c + 4 <= n; c += 4) {
            const uint32_t w = se_read_u32(x + c);
            const uint32_t even = se_sxtb16(w);
            const uint32_t odd = se_sxtb16_ror8(w);
            ss = se_smlad(even, even, ss);
            ss = se_smlad(odd, odd, ss);
            s = se_smlad(se_sadd16(even, odd), 0x00010001u, s);
        }
        for (; c < n; c++) {
            s += x[c];
            ss += x[c] * x[c];
        }
        const int64_t d = (int64_t)n * ss - (int64_t)s * s;

        if (d == 0) { /* constant row: norm = 0, out = requantize(beta) */
            const norm_step zero = {0, 0, 0, 0u, 0};
            normalize_row_any(x, gamma, beta, out, n, &zero, &os, params, 1, out_mode);
            continue;
        }
        const uint32_t sd = d < ((int64_t)1 << 32) ? se_ln_isqrt32_fast((uint32_t)d) : se_ln_isqrt64((uint64_t)d);
        int32_t nmult = 0;
        int32_t nshift = 0;
        se_ln_norm_quant_fast(sd, &nmult, &nshift);
        norm_step ns;
        ns.mult2 = (int32_t)(2u * (uint32_t)nmult);
        if (nshift >= 0) {
            ns.c_shifted = n << nshift;
            ns.s_shifted = (int32_t)((uint32_t)s << nshift);
            ns.round = 0u;
            ns.right = 0;
        } else {
            ns.c_shifted = n;
            ns.s_shifted = s;
            ns.right = -nshift;
            ns.round = 1u << (ns.right - 1);
        }
        normalize_row_any(x, gamma, beta, out, n, &ns, &os, params, nshift >= 0, out_mode);
    }
    return SE_OK;
}
