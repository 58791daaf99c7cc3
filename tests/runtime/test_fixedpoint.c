/* The runtime's requantization helpers against the independent oracle:
 * se_requantize, and the DSP kernels' se_requant_fast (general, right-shift,
 * left-shift and narrow forms). */
#include "../../runtime/src/common/se_fixedpoint.h"
#include "../../runtime/src/common/se_requant_fast.h"
#include "se_test.h"
#include "se_test_reference.h"

/* Every form of se_requant_fast.h that applies to (val, mult, shift), against
 * the oracle. Returns the number of forms that differ (reported by the caller). */
static int requant_fast_mismatch(int32_t val, int32_t mult, int32_t shift, const char *label)
{
    const int32_t want = ref_requantize(val, mult, shift);
    const se_requant_fast q = se_requant_fast_make(mult, shift);
    int32_t got[3];
    int n = 0;
    got[n++] = se_requant_fast_apply(val, &q);
    got[n++] = shift < 0 ? se_requant_fast_right(val, &q) : se_requant_fast_left(val, &q);
    if (shift < 0 && val > -(1 << 30) && val < (1 << 30)) {
        got[n++] = se_requant_fast_narrow(2 * val, mult, se_requant_fast_narrow_bias(shift, 0), -shift);
    }
    for (int i = 0; i < n; i++) {
        if (got[i] != want) {
            se_test_check(0, label, "form %d: val %ld mult %ld shift %ld: got %ld want %ld", i, (long)val, (long)mult,
                          (long)shift, (long)got[i], (long)want);
            return 1;
        }
    }
    return 0;
}

static void requant_fast_vs_oracle(void)
{
    static const int32_t k_vals[] = {0, 1, -1, 2, -2, 3, -3, 1000, -1000, 65535, -65536, (1 << 30) - 1,
                                     -(1 << 30) + 1, 1 << 30, -(1 << 30), INT32_MAX, INT32_MIN, INT32_MAX - 1,
                                     INT32_MIN + 1};
    static const int32_t k_mults[] = {0, 1, 2, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX - 1, INT32_MAX};
    int mismatches = 0;
    for (unsigned v = 0; v < sizeof k_vals / sizeof k_vals[0]; v++) {
        for (unsigned m = 0; m < sizeof k_mults / sizeof k_mults[0]; m++) {
            for (int32_t shift = -31; shift <= 30; shift++) {
                if (requant_fast_mismatch(k_vals[v], k_mults[m], shift, "requant_fast edge") && ++mismatches > 5) {
                    return;
                }
            }
        }
    }
    se_test_check(mismatches == 0, "requant_fast edges (19 values x 8 multipliers x shifts -31..30)", "mismatches");
    /* 100k random cases: values of every magnitude, and every 3rd an exact
     * rounding tie for some shift (a multiple of a power of two). */
    uint32_t rng = 0x5EEDFA57u;
    for (int i = 0; i < 100000 && mismatches < 5; i++) {
        int32_t mult, shift;
        se_test_rand_quant(&rng, -31, 30, &mult, &shift);
        if (i % 5 == 0) {
            mult = (int32_t)(se_test_rand(&rng) >> 1); /* [0, 2^31 - 1], small ones too */
        }
        int32_t val = (int32_t)se_test_rand(&rng) >> se_test_rand_range(&rng, 0, 31);
        if (i % 3 == 0) {
            val = se_test_rand_range(&rng, -4096, 4096) * (1 << se_test_rand_range(&rng, 0, 19));
        }
        mismatches += requant_fast_mismatch(val, mult, shift, "requant_fast random");
    }
    se_test_check(mismatches == 0, "requant_fast random 100000", "mismatches");
    /* The narrow form with an offset folded into the bias. */
    int offset_mismatches = 0;
    for (int i = 0; i < 20000 && offset_mismatches < 3; i++) {
        int32_t mult, shift;
        se_test_rand_quant(&rng, -23, -1, &mult, &shift);
        const int32_t val = ((int32_t)se_test_rand(&rng) >> se_test_rand_range(&rng, 4, 31)) / 2;
        const int32_t offset = se_test_rand_range(&rng, -128, 127);
        const int32_t got = se_requant_fast_narrow(2 * val, mult, se_requant_fast_narrow_bias(shift, offset), -shift);
        const int32_t want = ref_requantize(val, mult, shift) + offset;
        if (got != want) {
            offset_mismatches++;
            se_test_check(0, "requant_fast narrow offset", "val %ld mult %ld shift %ld offset %ld: got %ld want %ld",
                          (long)val, (long)mult, (long)shift, (long)offset, (long)got, (long)want);
        }
    }
    se_test_check(offset_mismatches == 0, "requant_fast narrow with offset, 20000 random", "mismatches");
}

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
    requant_fast_vs_oracle();
}
