/*
 * A tiny table-driven test harness in C99 that runs unchanged on the host and
 * on the emulated Cortex-M7 (semihosting printf). Each suite is a function
 * listed in se_test_suites.h; checks count passes and failures, and a failing
 * comparison prints the case and the first mismatch. The runner ends with the
 * line "N passed, N failed".
 */
#ifndef TINYFORMER_TESTS_SE_TEST_H
#define TINYFORMER_TESTS_SE_TEST_H

#include <stdint.h>
#include <stdio.h>

#include "tinyformer/runtime/se_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Records one check. Returns cond. On failure prints "FAIL <case>: <message>". */
int se_test_check(int cond, const char *case_name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Compares n int8 values; on mismatch prints the first differing index with
 * both values and returns 0. Counts as one check. */
int se_test_compare_s8(const char *case_name, const int8_t *got, const int8_t *want, int32_t n);

/* Same for int32 values. */
int se_test_compare_s32(const char *case_name, const int32_t *got, const int32_t *want, int32_t n);

/* Checks that a call returned the expected status. */
int se_test_expect_status(const char *case_name, se_status got, se_status want);

/* Deterministic xorshift32 random numbers (state must be non-zero). */
uint32_t se_test_rand(uint32_t *state);
int32_t se_test_rand_range(uint32_t *state, int32_t lo, int32_t hi); /* inclusive */
void se_test_fill_s8(uint32_t *state, int8_t *dst, int32_t n, int32_t lo, int32_t hi);

/* Allocation for test buffers (malloc; aborts the run with a message on
 * failure). Freed with se_test_free. */
void *se_test_alloc(size_t bytes);
void se_test_free(void *p);

/* A valid (multiplier, shift) pair for a real multiplier in (0, 1): picks a
 * random multiplier in [2^30, 2^31) and shift in [lo, hi]. */
void se_test_rand_quant(uint32_t *state, int32_t shift_lo, int32_t shift_hi, int32_t *multiplier, int32_t *shift);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_TESTS_SE_TEST_H */
