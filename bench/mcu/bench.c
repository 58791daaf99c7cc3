/*
 * Benchmark runner for the emulated Cortex-M7: runs every family of
 * bench_families.h and prints one Markdown table. Instruction counts come from
 * the board's SysTick counter (se_board.h): deterministic under QEMU
 * -icount shift=0, precision +-40 instructions per measurement.
 *
 * Usage (QEMU -append): kernel_bench [family...]   no argument runs every family.
 * Exit status: 0 when every case ran, 1 when a bench_ok() check failed, 2 when an
 * argument names no family.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "bench_families.h"
#include "se_board.h"

/* Large enough for the biggest case (fully connected 256 -> 768, batch 64: ~260 KB). */
#define BENCH_ARENA_BYTES (1536u * 1024u)

static uint8_t s_arena[BENCH_ARENA_BYTES] __attribute__((aligned(16)));
static uint32_t s_arena_used;
static uint64_t s_region_start;
static int s_failures;
static int s_rows;

void bench_begin(void) { s_region_start = se_board_instructions(); }

uint32_t bench_end(void) { return se_board_instructions_since(s_region_start); }

/* "se_conv2d_s8_dsp" -> "dsp", "..._ref" -> "ref", anything else is the dispatching entry point. */
static const char *variant_of(const char *kernel)
{
    size_t n = strlen(kernel);
    if (n >= 4 && strcmp(kernel + n - 4, "_dsp") == 0) {
        return "dsp";
    }
    if (n >= 4 && strcmp(kernel + n - 4, "_ref") == 0) {
        return "ref";
    }
    return "dispatch";
}

void bench_report(const char *kernel, const char *shape, uint32_t instructions, uint32_t work, const char *unit,
                  double cmsis, const char *baseline)
{
    double per_unit = work > 0 ? (double)instructions / (double)work : 0.0;
    printf("| %s | %s | %s | %lu | %lu %s | %.2f |", kernel, shape, variant_of(kernel), (unsigned long)instructions,
           (unsigned long)work, unit, per_unit);
    if (cmsis > 0.0 && baseline != NULL) {
        printf(" %s | %.2f | %.2f |\n", baseline, cmsis, per_unit / cmsis);
    } else {
        printf(" - | - | - |\n");
    }
    s_rows++;
}

int bench_ok(const char *kernel, se_status status)
{
    if (status == SE_OK) {
        return 1;
    }
    printf("| %s | - | %s | ERROR: %s (status %d) | - | - | - | - | - |\n", kernel, variant_of(kernel),
           se_status_str(status), (int)status);
    s_failures++;
    return 0;
}

/* xorshift32, one stream per seed. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

void bench_fill_s8(int8_t *dst, int32_t n, uint32_t seed)
{
    uint32_t state = seed * 2654435761u + 1u;
    for (int32_t i = 0; i < n; i++) {
        dst[i] = (int8_t)(next_random(&state) >> 24);
    }
}

/* Multipliers in [2^30, 2^31) (a Q31 scale in [0.5, 1)), shifts in [-10, -6]:
 * typical of int8 layers, and outputs land inside int8 most of the time. */
void bench_fill_quant(int32_t *multiplier, int32_t *shift, int32_t n, uint32_t seed)
{
    uint32_t state = seed * 2246822519u + 7u;
    for (int32_t i = 0; i < n; i++) {
        multiplier[i] = (int32_t)((1u << 30) | (next_random(&state) & ((1u << 30) - 1u)));
        shift[i] = -6 - (int32_t)(next_random(&state) % 5u);
    }
}

void *bench_alloc(uint32_t bytes)
{
    uint32_t aligned = (bytes + 15u) & ~15u;
    if (aligned < bytes || aligned > BENCH_ARENA_BYTES - s_arena_used) {
        printf("FATAL: bench arena exhausted (%lu bytes requested, %lu of %lu used)\n", (unsigned long)bytes,
               (unsigned long)s_arena_used, (unsigned long)BENCH_ARENA_BYTES);
        fflush(stdout);
        se_board_exit(2);
    }
    void *p = &s_arena[s_arena_used];
    s_arena_used += aligned;
    return p;
}

void bench_reset_arena(void) { s_arena_used = 0; }

typedef struct {
    const char *name;
    void (*run)(void);
} bench_family;

static const bench_family k_families[] = {
#define BENCH_FAMILY(name) {#name, bench_##name},
    BENCH_FAMILY_LIST
#undef BENCH_FAMILY
};

int main(int argc, char **argv)
{
    int ran = 0;
    uint64_t total_start = se_board_instructions();
    printf("| kernel | shape | variant | instructions | work | instr/unit | baseline | baseline instr/unit "
           "| ratio (ours/baseline, <1 is better) |\n");
    printf("| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: |\n");
    for (size_t i = 0; i < sizeof(k_families) / sizeof(k_families[0]); i++) {
        int selected = argc <= 1;
        for (int a = 1; a < argc; a++) {
            selected |= strcmp(argv[a], k_families[i].name) == 0;
        }
        if (!selected) {
            continue;
        }
        bench_reset_arena();
        k_families[i].run();
        ran++;
    }
    uint64_t total = se_board_instructions() - total_start;
    printf("\n");
    if (ran == 0) {
        printf("no benchmark family matched the arguments\n");
        return 2;
    }
    printf("%d families, %d rows, %d failed checks, %llu instructions in all\n", ran, s_rows, s_failures,
           (unsigned long long)total);
    return s_failures == 0 ? 0 : 1;
}
