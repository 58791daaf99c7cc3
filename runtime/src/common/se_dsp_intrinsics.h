/*
 * ARMv7E-M DSP intrinsics used by the *_dsp kernels (internal header).
 *
 * On a target with the DSP extension these map to the ACLE intrinsics (one
 * instruction each). Everywhere else they are exact C models of the same
 * instructions, so the DSP kernels build and are tested bit-for-bit against
 * the reference kernels on the host as well as on the emulated Cortex-M7.
 */
#ifndef TINYFORMER_RUNTIME_SE_DSP_INTRINSICS_H
#define TINYFORMER_RUNTIME_SE_DSP_INTRINSICS_H

#include <stdint.h>
#include <string.h>

#include "se_fixedpoint.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define SE_HAVE_ARM_DSP 1
#else
#define SE_HAVE_ARM_DSP 0
#endif

/* Unaligned little-endian 32-bit load of four int8 values (one LDR on M7). */
SE_INLINE uint32_t se_read_u32(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

SE_INLINE void se_write_u32(int8_t *p, uint32_t v) { memcpy(p, &v, 4); }

SE_INLINE uint32_t se_ror(uint32_t v, uint32_t r)
{
    r &= 31u;
    return r == 0u ? v : (v >> r) | (v << (32u - r));
}

#if SE_HAVE_ARM_DSP

SE_INLINE uint32_t se_sxtb16(uint32_t x) { return __sxtb16(x); }
/* SXTB16 of x rotated right by 8: bytes 1 and 3 sign-extended. GCC 12 does not fold
 * the rotation into the instruction (ROR + SXTB16), so the operand form is spelled out. */
SE_INLINE uint32_t se_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
SE_INLINE uint32_t se_sxtab16(uint32_t acc, uint32_t x) { return __sxtab16(acc, x); }
SE_INLINE int32_t se_smlad(uint32_t x, uint32_t y, int32_t acc) { return __smlad(x, y, acc); }
SE_INLINE int32_t se_smuad(uint32_t x, uint32_t y) { return __smuad(x, y); }
SE_INLINE uint32_t se_pkhbt(uint32_t lo, uint32_t hi) { return (lo & 0xFFFFu) | (hi << 16); }
SE_INLINE uint32_t se_pkhtb(uint32_t hi, uint32_t lo) { return (hi & 0xFFFF0000u) | (lo >> 16); }
SE_INLINE uint32_t se_qadd16(uint32_t x, uint32_t y) { return __qadd16(x, y); }
SE_INLINE uint32_t se_sadd16(uint32_t x, uint32_t y) { return __sadd16(x, y); }
SE_INLINE uint32_t se_ssub16(uint32_t x, uint32_t y) { return __ssub16(x, y); }

#else

SE_INLINE int32_t se_lo16(uint32_t x) { return (int32_t)(int16_t)(x & 0xFFFFu); }
SE_INLINE int32_t se_hi16(uint32_t x) { return (int32_t)(int16_t)(x >> 16); }
SE_INLINE uint32_t se_pack16(int32_t lo, int32_t hi)
{
    return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}

SE_INLINE uint32_t se_sxtb16(uint32_t x)
{
    return se_pack16((int8_t)(x & 0xFFu), (int8_t)((x >> 16) & 0xFFu));
}
SE_INLINE uint32_t se_sxtb16_ror8(uint32_t x) { return se_sxtb16(se_ror(x, 8)); }
SE_INLINE uint32_t se_sxtab16(uint32_t acc, uint32_t x)
{
    return se_pack16(se_lo16(acc) + (int8_t)(x & 0xFFu), se_hi16(acc) + (int8_t)((x >> 16) & 0xFFu));
}
/* SMLAD: acc + lo*lo + hi*hi. The C model uses wrapping 32-bit addition as
 * the instruction does (the Q flag is never read by the kernels). */
SE_INLINE int32_t se_smlad(uint32_t x, uint32_t y, int32_t acc)
{
    uint32_t r = (uint32_t)acc + (uint32_t)(se_lo16(x) * se_lo16(y)) + (uint32_t)(se_hi16(x) * se_hi16(y));
    return (int32_t)r;
}
SE_INLINE int32_t se_smuad(uint32_t x, uint32_t y) { return se_smlad(x, y, 0); }
SE_INLINE uint32_t se_pkhbt(uint32_t lo, uint32_t hi) { return (lo & 0xFFFFu) | (hi << 16); }
SE_INLINE uint32_t se_pkhtb(uint32_t hi, uint32_t lo) { return (hi & 0xFFFF0000u) | (lo >> 16); }
SE_INLINE int32_t se_sat16(int32_t v) { return v < -32768 ? -32768 : (v > 32767 ? 32767 : v); }
SE_INLINE uint32_t se_qadd16(uint32_t x, uint32_t y)
{
    return se_pack16(se_sat16(se_lo16(x) + se_lo16(y)), se_sat16(se_hi16(x) + se_hi16(y)));
}
SE_INLINE uint32_t se_sadd16(uint32_t x, uint32_t y)
{
    return se_pack16(se_lo16(x) + se_lo16(y), se_hi16(x) + se_hi16(y));
}
SE_INLINE uint32_t se_ssub16(uint32_t x, uint32_t y)
{
    return se_pack16(se_lo16(x) - se_lo16(y), se_hi16(x) - se_hi16(y));
}

#endif /* SE_HAVE_ARM_DSP */

/* SXTAB16 with the operand rotated right by 8: acc + (bytes 1 and 3 of x, sign-extended),
 * per 16-bit half (wrapping). One instruction on the DSP target. */
#if SE_HAVE_ARM_DSP
SE_INLINE uint32_t se_sxtab16_ror8(uint32_t acc, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
}
#else
SE_INLINE uint32_t se_sxtab16_ror8(uint32_t acc, uint32_t x) { return se_sxtab16(acc, se_ror(x, 8)); }
#endif

/* SMLABB / SMLATT: acc + bottom*bottom or top*top signed 16-bit halves (one MAC,
 * wrapping); per-channel MACs of the depthwise kernel where lanes are channels.
 * se_max_s8x4 / se_min_s8x4: per-byte signed max / min (SSUB8 sets the GE flags,
 * SEL picks per byte; kept in one asm block so nothing can come between them).
 * se_shadd16: per 16-bit half (x + y) >> 1, arithmetic. */
#if SE_HAVE_ARM_DSP
SE_INLINE int32_t se_smlabb(uint32_t x, uint32_t y, int32_t acc) { return __smlabb((int32_t)x, (int32_t)y, acc); }
SE_INLINE int32_t se_smlatt(uint32_t x, uint32_t y, int32_t acc) { return __smlatt((int32_t)x, (int32_t)y, acc); }
SE_INLINE uint32_t se_max_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}
SE_INLINE uint32_t se_min_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}
SE_INLINE uint32_t se_shadd16(uint32_t x, uint32_t y) { return __shadd16(x, y); }
#else
SE_INLINE int32_t se_smlabb(uint32_t x, uint32_t y, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(x & 0xFFFFu) * (int32_t)(int16_t)(y & 0xFFFFu)));
}
SE_INLINE int32_t se_smlatt(uint32_t x, uint32_t y, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(x >> 16) * (int32_t)(int16_t)(y >> 16)));
}
SE_INLINE uint32_t se_bytewise_pick(uint32_t a, uint32_t b, int want_max)
{
    uint32_t r = 0;
    for (uint32_t i = 0; i < 32u; i += 8u) {
        const int8_t x = (int8_t)((a >> i) & 0xFFu), y = (int8_t)((b >> i) & 0xFFu);
        const int8_t pick = want_max ? (x >= y ? x : y) : (x >= y ? y : x);
        r |= ((uint32_t)(uint8_t)pick) << i;
    }
    return r;
}
SE_INLINE uint32_t se_max_s8x4(uint32_t a, uint32_t b) { return se_bytewise_pick(a, b, 1); }
SE_INLINE uint32_t se_min_s8x4(uint32_t a, uint32_t b) { return se_bytewise_pick(a, b, 0); }
SE_INLINE uint32_t se_shadd16(uint32_t x, uint32_t y)
{
    const int32_t lo = ((int32_t)(int16_t)(x & 0xFFFFu) + (int32_t)(int16_t)(y & 0xFFFFu)) >> 1;
    const int32_t hi = ((int32_t)(int16_t)(x >> 16) + (int32_t)(int16_t)(y >> 16)) >> 1;
    return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}
#endif

/* Softmax / LayerNorm helpers (SMMULR, SMMLAR, USAT/SSAT with a constant width). The C models compute the exact results. */
#if SE_HAVE_ARM_DSP
/* floor((a * b + 2^31) / 2^32) */
SE_INLINE int32_t se_smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
/* (acc * 2^32 + a * b + 2^31) >> 32, modulo 2^32 */
SE_INLINE uint32_t se_smmlar(int32_t a, int32_t b, uint32_t acc)
{
    uint32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
#define se_usat(x, bits) ((int32_t)__usat((x), (bits)))
#define se_ssat(x, bits) ((int32_t)__ssat((x), (bits)))
#else
SE_INLINE int32_t se_smmulr(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
}
SE_INLINE uint32_t se_smmlar(int32_t a, int32_t b, uint32_t acc)
{
    uint64_t v = ((uint64_t)acc << 32) + (uint64_t)((int64_t)a * (int64_t)b) + ((uint64_t)1 << 31);
    return (uint32_t)(v >> 32);
}
SE_INLINE int32_t se_usat_model(int32_t x, int32_t bits)
{
    const int32_t hi = (int32_t)((1u << bits) - 1u);
    return x < 0 ? 0 : (x > hi ? hi : x);
}
SE_INLINE int32_t se_ssat_model(int32_t x, int32_t bits)
{
    const int32_t hi = (int32_t)((1u << (bits - 1)) - 1u);
    return x < -hi - 1 ? -hi - 1 : (x > hi ? hi : x);
}
#define se_usat(x, bits) se_usat_model((x), (bits))
#define se_ssat(x, bits) se_ssat_model((x), (bits))
#endif

/* Two consecutive words from a 4-byte aligned pointer, which then advances by
 * two words: one LDRD with post-increment on the DSP target (GCC 12 seldom
 * pairs the two loads itself inside scheduled loops). */
#if SE_HAVE_ARM_DSP
SE_INLINE void se_read2_u32_advance(const uint32_t **p, uint32_t *w0, uint32_t *w1)
{
    const uint32_t *q = *p;
    uint32_t a, b;
    __asm__("ldrd %0, %1, [%2], #8" : "=r"(a), "=r"(b), "+r"(q) : "m"(*(const uint32_t(*)[2])q));
    *w0 = a;
    *w1 = b;
    *p = q;
}
#else
SE_INLINE void se_read2_u32_advance(const uint32_t **p, uint32_t *w0, uint32_t *w1)
{
    *w0 = (*p)[0];
    *w1 = (*p)[1];
    *p += 2;
}
#endif

/* LayerNorm output stage: acc + ((a * (b >> 16)) >> 16), the 48-bit product
 * floored, the sum modulo 2^32 (SMLAWT). */
#if SE_HAVE_ARM_DSP
SE_INLINE int32_t se_smlawt(int32_t a, int32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smlawt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
#else
SE_INLINE int32_t se_smlawt(int32_t a, int32_t b, int32_t acc)
{
    const int64_t product = (int64_t)a * (int64_t)(int16_t)((uint32_t)b >> 16);
    return (int32_t)((uint32_t)(int32_t)(product >> 16) + (uint32_t)acc);
}
#endif

/* a - (x's sign bit): one SUB with a shifted operand (SUB a, x LSR #31).
 * As asm so that GCC keeps x's register instead of re-deriving the bit from
 * x's operands with an extra SBFX. */
#if SE_HAVE_ARM_DSP
SE_INLINE uint32_t se_sub_sign(uint32_t a, int32_t x)
{
    uint32_t r;
    __asm__("sub %0, %1, %2, lsr #31" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
#else
SE_INLINE uint32_t se_sub_sign(uint32_t a, int32_t x) { return a - ((uint32_t)x >> 31); }
#endif

/* SMLATB: acc + top(x) * bottom(y), signed 16-bit halves, wrapping (one MAC). */
#if SE_HAVE_ARM_DSP
SE_INLINE int32_t se_smlatb(uint32_t x, uint32_t y, int32_t acc) { return __smlatb((int32_t)x, (int32_t)y, acc); }
#else
SE_INLINE int32_t se_smlatb(uint32_t x, uint32_t y, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(x >> 16) * (int32_t)(int16_t)(y & 0xFFFFu)));
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_DSP_INTRINSICS_H */
