#include "se_test.h"

#include <stdarg.h>
#include <stdlib.h>

#include "se_test_suites.h"

static int g_passed;
static int g_failed;

int se_test_check(int cond, const char *case_name, const char *fmt, ...)
{
    if (cond) {
        g_passed++;
        return 1;
    }
    g_failed++;
    printf("FAIL %s: ", case_name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    return 0;
}

int se_test_compare_s8(const char *case_name, const int8_t *got, const int8_t *want, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            return se_test_check(0, case_name, "first mismatch at index %ld of %ld: got %d, want %d", (long)i,
                                 (long)n, got[i], want[i]);
        }
    }
    return se_test_check(1, case_name, "ok");
}

int se_test_compare_s32(const char *case_name, const int32_t *got, const int32_t *want, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            return se_test_check(0, case_name, "first mismatch at index %ld of %ld: got %ld, want %ld", (long)i,
                                 (long)n, (long)got[i], (long)want[i]);
        }
    }
    return se_test_check(1, case_name, "ok");
}

int se_test_expect_status(const char *case_name, se_status got, se_status want)
{
    return se_test_check(got == want, case_name, "status %d (%s), want %d (%s)", (int)got, se_status_str(got),
                         (int)want, se_status_str(want));
}

uint32_t se_test_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

int32_t se_test_rand_range(uint32_t *state, int32_t lo, int32_t hi)
{
    uint32_t span = (uint32_t)(hi - lo) + 1u;
    return lo + (int32_t)(se_test_rand(state) % span);
}

void se_test_fill_s8(uint32_t *state, int8_t *dst, int32_t n, int32_t lo, int32_t hi)
{
    for (int32_t i = 0; i < n; i++) {
        dst[i] = (int8_t)se_test_rand_range(state, lo, hi);
    }
}

void *se_test_alloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        printf("FATAL: test allocation of %lu bytes failed\n", (unsigned long)bytes);
        exit(2);
    }
    return p;
}

void se_test_free(void *p) { free(p); }

void se_test_rand_quant(uint32_t *state, int32_t shift_lo, int32_t shift_hi, int32_t *multiplier, int32_t *shift)
{
    *multiplier = (int32_t)((1u << 30) + (se_test_rand(state) & ((1u << 30) - 1u)));
    *shift = se_test_rand_range(state, shift_lo, shift_hi);
}

typedef struct {
    const char *name;
    void (*run)(void);
} se_test_suite;

static const se_test_suite k_suites[] = {
#define SE_TEST_SUITE(name) {#name, suite_##name},
    SE_TEST_SUITE_LIST
#undef SE_TEST_SUITE
};

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* Usage: runtime_tests [suite...]; no argument runs every suite. */
int main(int argc, char **argv)
{
    int ran = 0;
    for (size_t i = 0; i < sizeof(k_suites) / sizeof(k_suites[0]); i++) {
        int selected = argc <= 1;
        for (int a = 1; a < argc; a++) {
            selected |= str_eq(argv[a], k_suites[i].name);
        }
        if (!selected) {
            continue;
        }
        int before_failed = g_failed, before_passed = g_passed;
        k_suites[i].run();
        printf("[%s] %s: %d checks, %d failed\n", g_failed > before_failed ? "FAIL" : " OK ", k_suites[i].name,
               (g_passed - before_passed) + (g_failed - before_failed), g_failed - before_failed);
        ran++;
    }
    if (ran == 0) {
        printf("no suite matched the arguments\n");
        return 2;
    }
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
