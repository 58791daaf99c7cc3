/* The runtime's requantization helpers against the independent oracle. */
#include "../../runtime/src/common/se_fixedpoint.h"
#include "se_test.h"
#include "se_test_reference.h"

void suite_fixedpoint(void)
{
    static const struct {
        int32_t val, mult, shift, want;
    } k_cases[] = {
        {0, 1 << 30, 0, 0},
        {1, 1 << 30, 0, 1},            /* 0.5 rounds up */
        {-1, 1 << 30, 0, 0},           /* -0.5 rounds up (gemmlowp nudge) */
        {3, 1 << 30, -1, 1},           /* 1.5 -> 2 -> 1 (two roundings) */
        {-3, 1 << 30, -1, -1},
        {100, 1 << 30, 1, 100},
        {INT32_MIN, INT32_MIN, 0, INT32_MAX},
        {1000000, 1518500250, -10, 691},
    };
    char name[64];
    for (unsigned i = 0; i < sizeof(k_cases) / sizeof(k_cases[0]); i++) {
        snprintf(name, sizeof name, "requantize table case %u", i);
        int32_t got = se_requantize(k_cases[i].val, k_cases[i].mult, k_cases[i].shift);
        se_test_check(got == k_cases[i].want, name, "got %ld want %ld", (long)got, (long)k_cases[i].want);
        int32_t oracle = ref_requantize(k_cases[i].val, k_cases[i].mult, k_cases[i].shift);
        se_test_check(oracle == k_cases[i].want, name, "oracle %ld want %ld", (long)oracle, (long)k_cases[i].want);
    }
    uint32_t rng = 12345u;
    int mismatches = 0;
    for (int i = 0; i < 20000 && mismatches == 0; i++) {
        int32_t mult, shift;
        se_test_rand_quant(&rng, -31, 8, &mult, &shift);
        int32_t val = (int32_t)se_test_rand(&rng) >> se_test_rand_range(&rng, 0, 31);
        if (shift > 0) {
            val >>= shift; /* keep val << shift in range */
        }
        int32_t got = se_requantize(val, mult, shift), want = ref_requantize(val, mult, shift);
        if (got != want) {
            mismatches++;
            se_test_check(0, "requantize random", "val %ld mult %ld shift %ld: got %ld want %ld", (long)val,
                          (long)mult, (long)shift, (long)got, (long)want);
        }
    }
    se_test_check(mismatches == 0, "requantize random 20000", "mismatches");
}
