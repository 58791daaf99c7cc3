/* Pools (max 2x2, avg 2x2, global avg; ref, dsp, dispatch) against plain-loop
 * oracles, bit-exact. */
#include <string.h>

#include "se_test.h"
#include "se_test_reference.h"
#include "tinyformer/runtime/se_pool.h"

typedef se_status (*pool_fn)(SE_POOL_S8_ARGS);
typedef se_status (*gap_fn)(const se_context *, SE_POOL_S8_ARGS);

typedef struct {
    int32_t n, h, w, c, act_min, act_max, lo, hi; /* input values drawn from [lo, hi] */
} pool_case;

/* kind 0: max 2x2, 1: avg 2x2, 2: global avg */
static void pool_oracle(int kind, const pool_case *k, const int8_t *in, int8_t *out)
{
    const int32_t oh = kind == 2 ? 1 : k->h / 2, ow = kind == 2 ? 1 : k->w / 2;
    const int32_t wy = kind == 2 ? k->h : 2, wx = kind == 2 ? k->w : 2;
    for (int32_t n = 0; n < k->n; n++) {
        for (int32_t oy = 0; oy < oh; oy++) {
            for (int32_t ox = 0; ox < ow; ox++) {
                for (int32_t c = 0; c < k->c; c++) {
                    int64_t sum = 0;
                    int32_t mx = -1000;
                    for (int32_t y = 0; y < wy; y++) {
                        for (int32_t x = 0; x < wx; x++) {
                            int32_t v = in[((n * k->h + oy * wy + y) * k->w + ox * wx + x) * k->c + c];
                            sum += v;
                            mx = v > mx ? v : mx;
                        }
                    }
                    int32_t r = kind == 0 ? mx : (int32_t)ref_div_round(sum, (int64_t)wy * wx);
                    *out++ = (int8_t)ref_clamp(r, k->act_min, k->act_max);
                }
            }
        }
    }
}

static void pool_run_case(const pool_case *k, uint32_t *rng)
{
    static const char *kinds[] = {"max2x2", "avg2x2", "global_avg"};
    const int32_t in_n = k->n * k->h * k->w * k->c;
    int8_t *in = se_test_alloc((size_t)in_n);
    se_test_fill_s8(rng, in, in_n, k->lo, k->hi);
    for (int kind = 0; kind < 3; kind++) {
        if (kind < 2 && (k->h < 2 || k->w < 2)) {
            continue;
        }
        se_dims id = {k->n, k->h, k->w, k->c};
        se_dims od = {k->n, kind == 2 ? 1 : k->h / 2, kind == 2 ? 1 : k->w / 2, k->c};
        const int32_t out_n = od.n * od.h * od.w * od.c;
        int8_t *want = se_test_alloc((size_t)out_n), *got = se_test_alloc((size_t)out_n);
        pool_oracle(kind, k, in, want);
        se_activation act = {k->act_min, k->act_max};
        for (int v = 0; v < 3; v++) {
            char name[160];
            snprintf(name, sizeof name, "%s %s %ldx%ldx%ldx%ld act [%ld,%ld] values [%ld,%ld]", kinds[kind],
                     v == 0 ? "ref" : v == 1 ? "dsp" : "dispatch", (long)k->n, (long)k->h, (long)k->w, (long)k->c,
                     (long)k->act_min, (long)k->act_max, (long)k->lo, (long)k->hi);
            memset(got, 0x55, (size_t)out_n);
            se_status st;
            if (kind < 2) {
                static const pool_fn fns[2][3] = {{se_max_pool2x2_s8_ref, se_max_pool2x2_s8_dsp, se_max_pool2x2_s8},
                                                  {se_avg_pool2x2_s8_ref, se_avg_pool2x2_s8_dsp, se_avg_pool2x2_s8}};
                st = fns[kind][v](&act, &id, in, &od, got);
            } else {
                static const gap_fn fns[3] = {se_global_avg_pool_s8_ref, se_global_avg_pool_s8_dsp,
                                              se_global_avg_pool_s8};
                static int32_t (*const sizes[3])(const se_dims *) = {
                    se_global_avg_pool_s8_ref_get_buffer_size, se_global_avg_pool_s8_dsp_get_buffer_size,
                    se_global_avg_pool_s8_get_buffer_size};
                int32_t size = sizes[v](&id);
                void *buf = se_test_alloc((size_t)size);
                se_context ctx = {buf, size};
                st = fns[v](&ctx, &act, &id, in, &od, got);
                se_test_free(buf);
            }
            if (se_test_expect_status(name, st, SE_OK)) {
                se_test_compare_s8(name, got, want, out_n);
            }
        }
        se_test_free(want);
        se_test_free(got);
    }
    se_test_free(in);
}

/* Exact ties: sums of 2 and -2 over 4 (0.5 and -0.5) round away from zero. */
static void pool_rounding_ties(void)
{
    const int8_t in[4 * 4] = {1, -1, 3, -3, 1, -1, 3, -3, 0, 0, 0, -1, 0, 0, -1, 0};
    /* pixels (0,0) (0,1) / (1,0) (1,1), 4 channels: sums 2, -2, 5, -7 */
    const int8_t want[4] = {1, -1, 1, -2};
    int8_t got[4];
    se_dims id = {1, 2, 2, 4}, od = {1, 1, 1, 4};
    se_activation act = {-128, 127};
    int32_t scratch[4];
    se_context ctx = {scratch, (int32_t)sizeof scratch};
    static const pool_fn avg[3] = {se_avg_pool2x2_s8_ref, se_avg_pool2x2_s8_dsp, se_avg_pool2x2_s8};
    static const gap_fn gap[3] = {se_global_avg_pool_s8_ref, se_global_avg_pool_s8_dsp, se_global_avg_pool_s8};
    for (int v = 0; v < 3; v++) {
        se_test_expect_status("avg2x2 ties status", avg[v](&act, &id, in, &od, got), SE_OK);
        se_test_compare_s8("avg2x2 ties (+-0.5, 1.25, -1.75)", got, want, 4);
        se_test_expect_status("global_avg ties status", gap[v](&ctx, &act, &id, in, &od, got), SE_OK);
        se_test_compare_s8("global_avg ties (+-0.5, 1.25, -1.75)", got, want, 4);
    }
}

static void pool_invalid_args(void)
{
    int8_t in[2 * 4 * 6 * 3] = {0}, out[2 * 4 * 6 * 3];
    int32_t scratch[8];
    se_context ctx = {scratch, (int32_t)sizeof scratch};
    se_activation act = {-128, 127}, bad_act = {5, 4}, bad_act2 = {-129, 0};
    se_dims id = {2, 4, 6, 3}, od = {2, 2, 3, 3}, od_bad = {2, 2, 2, 3}, od_c = {2, 2, 3, 2}, gd = {2, 1, 1, 3};
    se_dims id_tiny = {1, 1, 5, 3}, od_tiny = {1, 0, 2, 3};
    static const pool_fn fns[6] = {se_max_pool2x2_s8_ref, se_max_pool2x2_s8_dsp, se_max_pool2x2_s8,
                                   se_avg_pool2x2_s8_ref, se_avg_pool2x2_s8_dsp, se_avg_pool2x2_s8};
    static const char *names[6] = {"max ref", "max dsp", "max dispatch", "avg ref", "avg dsp", "avg dispatch"};
    char name[96];
    for (int v = 0; v < 6; v++) {
#define POOL_EXPECT(label, call, want)                                                                             \
    do {                                                                                                           \
        snprintf(name, sizeof name, "pool %s invalid: %s", names[v], label);                                      \
        se_test_expect_status(name, call, want);                                                                   \
    } while (0)
        POOL_EXPECT("valid", fns[v](&act, &id, in, &od, out), SE_OK);
        POOL_EXPECT("NULL act", fns[v](NULL, &id, in, &od, out), SE_ERR_NULL_POINTER);
        POOL_EXPECT("NULL input", fns[v](&act, &id, NULL, &od, out), SE_ERR_NULL_POINTER);
        POOL_EXPECT("act min > max", fns[v](&bad_act, &id, in, &od, out), SE_ERR_BAD_PARAM);
        POOL_EXPECT("act min -129", fns[v](&bad_act2, &id, in, &od, out), SE_ERR_BAD_PARAM);
        POOL_EXPECT("output width", fns[v](&act, &id, in, &od_bad, out), SE_ERR_BAD_SHAPE);
        POOL_EXPECT("output channels", fns[v](&act, &id, in, &od_c, out), SE_ERR_BAD_SHAPE);
        POOL_EXPECT("input height 1", fns[v](&act, &id_tiny, in, &od_tiny, out), SE_ERR_BAD_SHAPE);
    }
    static const gap_fn gaps[3] = {se_global_avg_pool_s8_ref, se_global_avg_pool_s8_dsp, se_global_avg_pool_s8};
    for (int v = 0; v < 3; v++) {
        const char *vn = v == 0 ? "ref" : v == 1 ? "dsp" : "dispatch";
#define GAP_EXPECT(label, call, want)                                                                              \
    do {                                                                                                           \
        snprintf(name, sizeof name, "global_avg %s invalid: %s", vn, label);                                      \
        se_test_expect_status(name, call, want);                                                                   \
    } while (0)
        se_context small = {scratch, 8}, none = {NULL, 0};
        se_dims huge = {1, 4096, 2048, 3};
        GAP_EXPECT("valid", gaps[v](&ctx, &act, &id, in, &gd, out), SE_OK);
        GAP_EXPECT("NULL ctx", gaps[v](NULL, &act, &id, in, &gd, out), SE_ERR_NULL_POINTER);
        GAP_EXPECT("NULL scratch", gaps[v](&none, &act, &id, in, &gd, out), SE_ERR_NULL_POINTER);
        GAP_EXPECT("scratch too small", gaps[v](&small, &act, &id, in, &gd, out), SE_ERR_BUFFER_TOO_SMALL);
        GAP_EXPECT("output 2x3", gaps[v](&ctx, &act, &id, in, &od, out), SE_ERR_BAD_SHAPE);
        GAP_EXPECT("act min > max", gaps[v](&ctx, &bad_act, &id, in, &gd, out), SE_ERR_BAD_PARAM);
        se_dims gh = {1, 1, 1, 3};
        GAP_EXPECT("H*W over 2^22", gaps[v](&ctx, &act, &huge, in, &gh, out), SE_ERR_UNSUPPORTED);
    }
#undef POOL_EXPECT
#undef GAP_EXPECT
}

void suite_pool(void)
{
    static const pool_case cases[] = {
        /* n  h   w   c   act          values */
        {1, 32, 32, 32, -128, 127, -128, 127},
        {2, 5, 7, 3, -128, 127, -128, 127},   /* odd H and W: last row / column dropped by the 2x2 pools */
        {1, 3, 3, 1, -128, 127, -128, 127},
        {1, 2, 2, 5, -128, 127, -128, -100},  /* negative averages: rounding of negative ties */
        {2, 6, 4, 17, -128, 127, -3, 3},      /* small values: many exact .5 ties */
        {1, 7, 9, 9, -20, 20, -128, 127},     /* clamp */
        {1, 4, 6, 8, -128, -128 + 48, -128, 127},
        {1, 8, 8, 192, -128, 127, -128, 127}, /* global avg shape of the benchmark */
        {1, 1, 1, 7, -128, 127, -128, 127},   /* global avg of one pixel */
        {1, 20, 20, 4, -128, 127, -128, -127},/* 400 pixels: the DSP int16 lanes flush after 256 */
        {1, 17, 16, 4, -128, 127, 126, 127},
    };
    uint32_t rng = 0x5EEDF00Du;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pool_run_case(&cases[i], &rng);
    }
    pool_rounding_ties();
    pool_invalid_args();
}
