#include "se_test_reference.h"

int64_t ref_div_round(int64_t n, int64_t d)
{
    int64_t q = n / d, r = n % d;
    int64_t twice = 2 * (r < 0 ? -r : r);
    if (twice >= d) {
        q += n < 0 ? -1 : 1;
    }
    return q;
}

int32_t ref_requantize(int32_t val, int32_t multiplier, int32_t shift)
{
    int64_t v = (int64_t)val * (shift > 0 ? ((int64_t)1 << shift) : 1);
    /* The runtime shifts in 32 bits: a value that overflows wraps there too. */
    v = (int64_t)(int32_t)(uint32_t)(uint64_t)v;
    int64_t high;
    if (v == INT32_MIN && multiplier == INT32_MIN) {
        high = INT32_MAX;
    } else {
        /* round half up: floor((v * m + 2^30) / 2^31) */
        int64_t num = v * (int64_t)multiplier + ((int64_t)1 << 30);
        int64_t den = (int64_t)1 << 31;
        high = num >= 0 ? num / den : -((-num + den - 1) / den);
    }
    return shift < 0 ? (int32_t)ref_div_round(high, (int64_t)1 << (-shift)) : (int32_t)high;
}

int32_t ref_clamp(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : (x > hi ? hi : x); }

int8_t ref_output_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t zp, int32_t lo, int32_t hi)
{
    return (int8_t)ref_clamp(ref_requantize(acc, multiplier, shift) + zp, lo, hi);
}
