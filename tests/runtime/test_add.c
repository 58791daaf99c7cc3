/* Elementwise add with requantization (ref, dsp, dispatch) against a
 * plain-loop oracle, bit-exact, including the limits of the DSP kernel's fast
 * path (left_shift 20, negative shifts, output shift >= -23). */
#include <string.h>

#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_add.h"

typedef se_status (*add_fn)(SE_ADD_S8_ARGS);

typedef struct {
    int32_t size, zp1, zp2, zp_out, left_shift;
    int32_t shift_lo, shift_hi; /* input shifts drawn from this range */
    int32_t out_shift_lo, out_shift_hi, act_min, act_max;
} add_case;

static void add_oracle(const se_add_params *p, const int8_t *a, const int8_t *b, int32_t size, int8_t *out)
{
    for (int32_t i = 0; i < size; i++) {
        int64_t da = (int64_t)(a[i] - p->input1_zp) * ((int64_t)1 << p->left_shift);
        int64_t db = (int64_t)(b[i] - p->input2_zp) * ((int64_t)1 << p->left_shift);
        int32_t x = ref_requantize((int32_t)da, p->input1_quant.multiplier, p->input1_quant.shift);
        int32_t y = ref_requantize((int32_t)db, p->input2_quant.multiplier, p->input2_quant.shift);
        int32_t sum = (int32_t)(uint32_t)(uint64_t)((int64_t)x + y);
        out[i] = ref_output_s8(sum, p->output_quant.multiplier, p->output_quant.shift, p->output_zp, p->act.min,
                               p->act.max);
    }
}

static void add_run_case(const add_case *k, uint32_t *rng)
{
    int8_t *a = se_test_alloc((size_t)k->size), *b = se_test_alloc((size_t)k->size);
    int8_t *want = se_test_alloc((size_t)k->size), *got = se_test_alloc((size_t)k->size);
    se_test_fill_s8(rng, a, k->size, -128, 127);
    se_test_fill_s8(rng, b, k->size, -128, 127);
    se_add_params p;
    memset(&p, 0, sizeof p);
    p.input1_zp = k->zp1;
    p.input2_zp = k->zp2;
    p.output_zp = k->zp_out;
    p.left_shift = k->left_shift;
    se_test_rand_quant(rng, k->shift_lo, k->shift_hi, &p.input1_quant.multiplier, &p.input1_quant.shift);
    se_test_rand_quant(rng, k->shift_lo, k->shift_hi, &p.input2_quant.multiplier, &p.input2_quant.shift);
    se_test_rand_quant(rng, k->out_shift_lo, k->out_shift_hi, &p.output_quant.multiplier, &p.output_quant.shift);
    p.act.min = k->act_min;
    p.act.max = k->act_max;
    add_oracle(&p, a, b, k->size, want);
    static const add_fn fns[3] = {se_add_s8_ref, se_add_s8_dsp, se_add_s8};
    for (int v = 0; v < 3; v++) {
        char name[192];
        snprintf(name, sizeof name,
                 "add %s size %ld zp %ld/%ld/%ld left_shift %ld shifts %ld/%ld/%ld act [%ld,%ld]",
                 v == 0 ? "ref" : v == 1 ? "dsp" : "dispatch", (long)k->size, (long)k->zp1, (long)k->zp2,
                 (long)k->zp_out, (long)k->left_shift, (long)p.input1_quant.shift, (long)p.input2_quant.shift,
                 (long)p.output_quant.shift, (long)k->act_min, (long)k->act_max);
        memset(got, 0x55, (size_t)k->size);
        if (se_test_expect_status(name, fns[v](&p, a, b, k->size, got), SE_OK)) {
            se_test_compare_s8(name, got, want, k->size);
        }
    }
    /* In place: output aliasing input1. */
    memcpy(got, a, (size_t)k->size);
    se_test_expect_status("add dispatch in place status", se_add_s8(&p, got, b, k->size, got), SE_OK);
    se_test_compare_s8("add dispatch in place (output == input1)", got, want, k->size);
    se_test_free(a);
    se_test_free(b);
    se_test_free(want);
    se_test_free(got);
}

/* A realistic residual: scales s_a, s_b, s_out turned into TFLite's multipliers. */
static void add_realistic(uint32_t *rng)
{
    int8_t a[64], b[64], want[64], got[64];
    se_test_fill_s8(rng, a, 64, -128, 127);
    se_test_fill_s8(rng, b, 64, -128, 127);
    /* s_a = 0.05, s_b = 0.08, s_out = 0.1: M_a = 0.3125, M_b = 0.5, M_out = 1.6 / 2^20 */
    se_add_params p = {-3, 10, -128, 20, {1342177280, -1}, {1073741824, 0}, {1717986918, -19}, {-128, 127}};
    add_oracle(&p, a, b, 64, want);
    static const add_fn fns[3] = {se_add_s8_ref, se_add_s8_dsp, se_add_s8};
    for (int v = 0; v < 3; v++) {
        se_test_expect_status("add realistic status", fns[v](&p, a, b, 64, got), SE_OK);
        se_test_compare_s8(v == 0 ? "add realistic ref" : v == 1 ? "add realistic dsp" : "add realistic dispatch", got,
                           want, 64);
    }
}

/* The DSP kernel's fast path at its limits: extreme multipliers, input shifts
 * -1 and -31, output shift -23 (the last with the zero point folded into the
 * rounding bias) and -24 (the general path), output zero points -128 / 127,
 * clamped and unclamped; every pair of extreme inputs appears. */
static void add_fast_path_edges(uint32_t *rng)
{
    enum { N = 67 };
    static const int32_t k_mults[] = {0, 1, 1 << 30, 0x7FFFFFFF};
    static const int32_t k_in_shifts[] = {-1, -31};
    static const int32_t k_out[][2] = {{-1, 0x7FFFFFFF}, {-23, 0x7FFFFFFF}, {-23, 1 << 30}, {-24, 0x7FFFFFFF}};
    int8_t a[N], b[N], want[N], got[N];
    int fails = 0;
    for (unsigned m = 0; m < sizeof k_mults / sizeof k_mults[0]; m++) {
        for (unsigned s = 0; s < 2; s++) {
            for (unsigned o = 0; o < sizeof k_out / sizeof k_out[0]; o++) {
                for (int z = 0; z < 4; z++) {
                    se_test_fill_s8(rng, a, N, -128, 127);
                    se_test_fill_s8(rng, b, N, -128, 127);
                    a[0] = -128, b[0] = -128, a[1] = -128, b[1] = 127, a[2] = 127, b[2] = -128, a[3] = 127, b[3] = 127;
                    se_add_params p = {z & 1 ? 127 : -128, z & 1 ? -128 : 127, z & 2 ? 127 : -128, 20,
                                       {k_mults[m], k_in_shifts[s]}, {k_mults[3 - m], k_in_shifts[1 - s]},
                                       {k_out[o][1], k_out[o][0]}, {-128, 127}};
                    if (z == 3) {
                        p.act.min = -100;
                        p.act.max = 50;
                    }
                    add_oracle(&p, a, b, N, want);
                    char name[160];
                    snprintf(name, sizeof name,
                             "add dsp fast-path edge mults %ld/%ld shifts %ld/%ld/%ld zp %ld/%ld/%ld",
                             (long)p.input1_quant.multiplier, (long)p.input2_quant.multiplier,
                             (long)p.input1_quant.shift, (long)p.input2_quant.shift, (long)p.output_quant.shift,
                             (long)p.input1_zp, (long)p.input2_zp, (long)p.output_zp);
                    if (se_test_expect_status(name, se_add_s8_dsp(&p, a, b, N, got), SE_OK) &&
                        memcmp(got, want, N) != 0 && fails++ < 3) {
                        se_test_compare_s8(name, got, want, N);
                    }
                }
            }
        }
    }
    se_test_check(fails == 0, "add dsp fast-path edges (128 parameter sets)", "%d sets differ", fails);
}

static void add_invalid_args(void)
{
    int8_t a[8] = {0}, b[8] = {0}, out[8];
    se_add_params ok = {0, 0, 0, 20, {1 << 30, -1}, {1 << 30, -1}, {1 << 30, -20}, {-128, 127}};
    static const add_fn fns[3] = {se_add_s8_ref, se_add_s8_dsp, se_add_s8};
    char name[96];
    for (int v = 0; v < 3; v++) {
        const char *vn = v == 0 ? "ref" : v == 1 ? "dsp" : "dispatch";
#define ADD_EXPECT(label, call, want)                                                                              \
    do {                                                                                                           \
        snprintf(name, sizeof name, "add %s invalid: %s", vn, label);                                             \
        se_test_expect_status(name, call, want);                                                                   \
    } while (0)
        se_add_params p = ok;
        ADD_EXPECT("valid", fns[v](&p, a, b, 8, out), SE_OK);
        ADD_EXPECT("NULL params", fns[v](NULL, a, b, 8, out), SE_ERR_NULL_POINTER);
        ADD_EXPECT("NULL input2", fns[v](&p, a, NULL, 8, out), SE_ERR_NULL_POINTER);
        ADD_EXPECT("NULL output", fns[v](&p, a, b, 8, NULL), SE_ERR_NULL_POINTER);
        ADD_EXPECT("size 0", fns[v](&p, a, b, 0, out), SE_ERR_BAD_SHAPE);
        ADD_EXPECT("size -1", fns[v](&p, a, b, -1, out), SE_ERR_BAD_SHAPE);
        p.input2_zp = 128;
        ADD_EXPECT("input2_zp 128", fns[v](&p, a, b, 8, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.left_shift = 21;
        ADD_EXPECT("left_shift 21", fns[v](&p, a, b, 8, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.left_shift = -1;
        ADD_EXPECT("left_shift -1", fns[v](&p, a, b, 8, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.output_quant.shift = -32;
        ADD_EXPECT("output shift -32", fns[v](&p, a, b, 8, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.input1_quant.multiplier = -1;
        ADD_EXPECT("negative multiplier", fns[v](&p, a, b, 8, out), SE_ERR_BAD_PARAM);
        p = ok;
        p.act.min = 100;
        p.act.max = 99;
        ADD_EXPECT("act min > max", fns[v](&p, a, b, 8, out), SE_ERR_BAD_PARAM);
#undef ADD_EXPECT
    }
}

void suite_add(void)
{
    static const add_case cases[] = {
        /* size  zp1   zp2  zp_out ls  in shifts  out shifts   act */
        {1001, -128, -128, -128, 20, -3, 0, -22, -18, -128, 127},
        {1, 127, -128, 0, 20, -2, 0, -21, -19, -128, 127},
        {3, 0, 0, 0, 20, -2, 0, -21, -19, -128, 127},
        {7, 5, -7, 3, 20, -1, 0, -20, -19, -128, 127},
        {16 * 16 * 64, -128, 127, -128, 20, -2, 0, -21, -20, -128, 127},
        /* saturation: the output multiplier is large, most results clamp to -128 / 127 */
        {257, 0, 0, 0, 20, -1, 0, -14, -12, -128, 127},
        /* ReLU6-style clamp and a ReLU */
        {100, -128, -128, -128, 20, -2, 0, -21, -19, -128, -128 + 48},
        {99, 3, 4, -10, 20, -2, 0, -21, -19, -10, 127},
        /* small left shifts, positive input and output shifts (the left-shift path) */
        {61, 10, -20, 0, 0, 0, 3, 0, 2, -128, 127},
        {62, -50, 60, 1, 7, -1, 2, -9, 1, -128, 127},
        {63, 1, 2, 3, 20, -31, -25, -3, 3, -128, 127},
        /* the DSP fast path: every shift negative, output shifts up to its limit -23 and past it */
        {1027, 127, -128, 127, 20, -31, -1, -23, -1, -128, 127},
        {515, -128, 127, -128, 20, -31, -1, -30, -20, -128, 127},
        {259, -1, 1, 7, 20, -4, -1, -23, -17, -60, 90},
    };
    uint32_t rng = 0xADD5EEDu;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        add_run_case(&cases[i], &rng);
    }
    add_realistic(&rng);
    add_fast_path_edges(&rng);
    add_invalid_args();
}
