/*
 * Board self-test: main(argc, argv) gets QEMU's -append words, the instruction
 * counter is deterministic and about right, malloc and the FPU work, and the exit
 * status reaches QEMU. Run by ctest as qemu.board.selftest with "alpha beta-2 gamma".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "se_board.h"

static int g_failures;

static void check(int ok, const char *what)
{
    printf("[%s] %s\n", ok ? " OK " : "FAIL", what);
    if (!ok) {
        g_failures++;
    }
}

/* A loop of known length: 4 instructions per iteration at -O2 (subs/bne + 2 body),
 * kept opaque with an asm barrier. */
static __attribute__((noinline)) void spin(unsigned iterations)
{
    for (unsigned i = 0; i < iterations; i++) {
        __asm__ volatile("nop\n\tnop" ::: "memory");
    }
}

int main(int argc, char **argv)
{
    printf("argc=%d", argc);
    for (int i = 0; i < argc; i++) {
        printf(" argv[%d]=\"%s\"", i, argv[i]);
    }
    printf("\n");
    check(argc == 4 && strcmp(argv[1], "alpha") == 0 && strcmp(argv[2], "beta-2") == 0 &&
              strcmp(argv[3], "gamma") == 0 && argv[4] == NULL,
          "arguments from -append reach main");

    uint32_t counts[3];
    for (int r = 0; r < 3; r++) {
        uint64_t start = se_board_instructions();
        spin(100000);
        counts[r] = se_board_instructions_since(start);
    }
    printf("spin(100000): %lu, %lu, %lu instructions\n", (unsigned long)counts[0], (unsigned long)counts[1],
           (unsigned long)counts[2]);
    /* Within one run the SysTick phase differs per measurement: +-40 (one tick). Across runs
     * every number is identical (ctest qemu.board.deterministic compares two runs). */
    uint32_t lo = counts[0], hi = counts[0];
    for (int r = 1; r < 3; r++) {
        lo = counts[r] < lo ? counts[r] : lo;
        hi = counts[r] > hi ? counts[r] : hi;
    }
    check(hi - lo <= SE_BOARD_INSTRUCTIONS_PER_TICK, "repeated measurements agree within one tick (40)");
    check(counts[0] >= 390000u && counts[0] <= 510000u, "about 4-5 instructions per loop iteration");

    uint64_t start = se_board_instructions();
    uint32_t empty = se_board_instructions_since(start);
    printf("empty region: %lu instructions\n", (unsigned long)empty);
    check(empty <= 80u, "an empty region counts 0-80 instructions");

    /* Past one SysTick wrap (671 M instructions) would take seconds; check monotonicity instead. */
    uint64_t a = se_board_instructions();
    spin(1000);
    uint64_t b = se_board_instructions();
    check(b > a, "counter is monotonic");

    size_t bytes = 128u * 1024u; /* fits the 320 KB stm32f746 profile too */
    unsigned char *block = malloc(bytes);
    if (block != NULL) {
        memset(block, 0x5A, bytes);
    }
    check(block != NULL && block[bytes - 1] == 0x5A, "malloc(128 KiB) works");
    free(block);

    volatile float x = 2.0f;
    volatile double y = 3.0;
    float z = x * 1.5f;
    double w = y / 4.0;
    printf("FPU: %.2f %.3f\n", (double)z, w);
    check(z == 3.0f && w == 0.75, "FPU enabled (single and double precision)");

    printf("%d failed\n", g_failures);
    return g_failures == 0 ? 0 : 1;
}
