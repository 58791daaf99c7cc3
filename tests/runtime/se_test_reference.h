/*
 * Independent, straightforward arithmetic for the test oracles. Written from
 * docs/numerics.md without sharing code with the runtime: 64-bit integer math,
 * explicit rounding divisions.
 */
#ifndef TINYFORMER_TESTS_SE_TEST_REFERENCE_H
#define TINYFORMER_TESTS_SE_TEST_REFERENCE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* n / d rounded half away from zero, d > 0. */
int64_t ref_div_round(int64_t n, int64_t d);

/* val * multiplier * 2^(shift - 31) in the TFLite two-step rounding
 * convention (doubling high multiply, then rounding right shift). */
int32_t ref_requantize(int32_t val, int32_t multiplier, int32_t shift);

/* clamp(requantize(acc) + zp, lo, hi) */
int8_t ref_output_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t zp, int32_t lo, int32_t hi);

int32_t ref_clamp(int32_t x, int32_t lo, int32_t hi);

#ifdef __cplusplus
}
#endif

#endif
