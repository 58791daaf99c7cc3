/*
 * Softmax, DSP kernel (same bits as se_softmax_s8_ref).
 *
 * Per row: max four bytes at a time (SSUB8 + SEL); unless every entry is
 * already cached, the min too and one bitmap check per 32 table entries make
 * sure E(d) is cached for the range d in [0, max - min], rounded up to whole
 * bitmap words of 32 entries (filled with
 * the SMMULR form of gemmlowp's exp; the fill cost is paid once per layer,
 * not per row); the sum pass is one
 * indexed load, add and shifted add per element; the output pass is one
 * SMMLAR and one shift per element: mul(scale, E) followed by the rounding
 * shift by n folds into
 *   floor((2 scale E + 2^31 + 2^(n+31)) / 2^(n+32))
 *     = SMMLAR(2 scale - 2^32, E, E + 2^(n-1)) >> n          (for n <= 31)
 * because nested floor divisions compose and E, scale >= 0.
 */
#include "se_dsp_intrinsics.h"
#include "se_softmax_math.h"
#include "tinyformer/runtime/se_softmax.h"

/* Makes entries k_lo .. 255 of the table valid, whole bitmap words at a time
 * (a random row then fills the table at once and later rows skip the min). */
static void fill_range(se_exp_cache *cache, const se_softmax_params *params, int32_t k_lo)
{
    for (int32_t w = k_lo >> 5; w < 8; w++) {
        const uint32_t need = 0xFFFFFFFFu;
        const uint32_t missing = need & ~cache->filled[w];
        if (missing == 0u) {
            continue;
        }
        for (int32_t b = 0; b < 32; b++) {
            if (missing & (1u << b)) {
                const int32_t d = 255 - (w * 32 + b);
                /* E(0) = 1 whatever the scale */
                cache->exp_q31[w * 32 + b] = d == 0 ? INT32_MAX : se_softmax_exp_fast(d, params);
            }
        }
        cache->filled[w] |= need;
    }
}

static int cache_is_full(const se_exp_cache *cache)
{
    const uint32_t *f = cache->filled;
    return (f[0] & f[1] & f[2] & f[3] & f[4] & f[5] & f[6] & f[7]) == 0xFFFFFFFFu;
}

static int32_t max_lanes(uint32_t v)
{
    v = se_max_s8x4(v, v >> 16);
    v = se_max_s8x4(v, v >> 8);
    return (int8_t)(v & 0xFFu);
}

static int32_t min_lanes(uint32_t v)
{
    v = se_min_s8x4(v, v >> 16);
    v = se_min_s8x4(v, v >> 8);
    return (int8_t)(v & 0xFFu);
}

static int32_t row_max(const int8_t *in, int32_t n)
{
    int32_t max = in[0];
    int32_t i = 0;
    if (n >= 4) {
        uint32_t max4 = se_read_u32(in);
        for (i = 4; i + 8 <= n; i += 8) {
            max4 = se_max_s8x4(max4, se_read_u32(in + i));
            max4 = se_max_s8x4(max4, se_read_u32(in + i + 4));
        }
        for (; i + 4 <= n; i += 4) {
            max4 = se_max_s8x4(max4, se_read_u32(in + i));
        }
        max = max_lanes(max4);
    }
    for (; i < n; i++) {
        max = in[i] > max ? in[i] : max;
    }
    return max;
}

static int32_t row_min(const int8_t *in, int32_t n)
{
    int32_t min = in[0];
    int32_t i = 0;
    if (n >= 4) {
        uint32_t min4 = se_read_u32(in);
        for (i = 4; i + 4 <= n; i += 4) {
            min4 = se_min_s8x4(min4, se_read_u32(in + i));
        }
        min = min_lanes(min4);
    }
    for (; i < n; i++) {
        min = in[i] < min ? in[i] : min;
    }
    return min;
}

se_status se_softmax_s8_dsp(SE_SOFTMAX_S8_ARGS)
{
    se_exp_cache *cache = NULL;
    const se_status status = se_softmax_check_call(ctx, params, rows, row_size, input, output, &cache);
    if (status != SE_OK) {
        return status;
    }

    for (int32_t r = 0; r < rows; r++) {
        const int8_t *in = input + (size_t)r * (size_t)row_size;
        int8_t *out = output + (size_t)r * (size_t)row_size;

        const int32_t max = row_max(in, row_size);
        if (!cache_is_full(cache)) { /* the min is only needed while entries are missing */
            fill_range(cache, params, 255 - (max - row_min(in, row_size)));
        }
        const int32_t *exp_of = cache->exp_q31 + (255 - max); /* exp_of[x] = E(max - x) */

        /* sum of E(d) in Q12.19; E >= 0, so the rounding shift is (E + 2^11) >> 12 */
        /* (unsigned: E(0) + 2^11 passes 2^31) */
        uint32_t sum = 0;
        int32_t i = 0;
        for (i = 0; i + 4 <= row_size; i += 4) {
            const uint32_t e0 = (uint32_t)exp_of[in[i]];
            const uint32_t e1 = (uint32_t)exp_of[in[i + 1]];
            const uint32_t e2 = (uint32_t)exp_of[in[i + 2]];
            const uint32_t e3 = (uint32_t)exp_of[in[i + 3]];
            sum += (e0 + 2048u) >> 12;
            sum += (e1 + 2048u) >> 12;
            sum += (e2 + 2048u) >> 12;
            sum += (e3 + 2048u) >> 12;
        }
        for (; i < row_size; i++) {
            sum += ((uint32_t)exp_of[in[i]] + 2048u) >> 12;
        }

        int32_t scale = 0;
        int32_t exponent = 0;
        se_softmax_row_scale_fast((int32_t)sum, &scale, &exponent);

        if (exponent > 31) { /* only rows longer than 511 can get here */
            for (i = 0; i < row_size; i++) {
                out[i] = se_softmax_output_plain(exp_of[in[i]], scale, exponent);
            }
            continue;
        }
        const int32_t scale2 = (int32_t)(2u * (uint32_t)scale); /* 2 scale - 2^32: scale >= 2^30 */
        const uint32_t half = 1u << (exponent - 1);
        for (i = 0; i + 4 <= row_size; i += 4) {
            const int32_t e0 = exp_of[in[i]];
            const int32_t e1 = exp_of[in[i + 1]];
            const int32_t e2 = exp_of[in[i + 2]];
            const int32_t e3 = exp_of[in[i + 3]];
            /* values in [0, 255]; the bytes are flipped by 0x80 to subtract 128 */
            const uint32_t v0 = (uint32_t)se_usat((int32_t)(se_smmlar(scale2, e0, (uint32_t)e0 + half) >> exponent), 8);
            const uint32_t v1 = (uint32_t)se_usat((int32_t)(se_smmlar(scale2, e1, (uint32_t)e1 + half) >> exponent), 8);
            const uint32_t v2 = (uint32_t)se_usat((int32_t)(se_smmlar(scale2, e2, (uint32_t)e2 + half) >> exponent), 8);
            const uint32_t v3 = (uint32_t)se_usat((int32_t)(se_smmlar(scale2, e3, (uint32_t)e3 + half) >> exponent), 8);
            se_write_u32(out + i, (v0 | (v1 << 8) | (v2 << 16) | (v3 << 24)) ^ 0x80808080u);
        }
        for (; i < row_size; i++) {
            const int32_t e = exp_of[in[i]];
            const int32_t v = se_usat((int32_t)(se_smmlar(scale2, e, (uint32_t)e + half) >> exponent), 8);
            out[i] = (int8_t)(v - 128);
        }
    }
    return SE_OK;
}
