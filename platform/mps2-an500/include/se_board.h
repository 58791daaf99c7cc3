/*
 * Board support for QEMU's mps2-an500 (Cortex-M7): instruction counter and exit.
 *
 * Start-up (src/startup.c) copies .data, zeroes .bss, enables the FPU, opens the
 * semihosting console (printf goes to QEMU's stdout), calls
 *     int main(int argc, char **argv)
 * with the arguments given to QEMU with -append "..." (argv[0] is the firmware
 * path), and exits QEMU with main's return value. A fault prints its registers
 * and exits with status SE_BOARD_FAULT_STATUS. malloc works (newlib; the heap is
 * the SRAM left between .bss and the end of SRAM).
 *
 * Counting instructions
 * ---------------------
 * Under `qemu-system-arm -icount shift=0` each retired instruction advances the
 * virtual clock by 1 ns; SysTick runs from the 25 MHz CPU clock, so it ticks once
 * every 40 instructions. The counter reads SysTick without interrupts (an
 * interrupt would add its handler's instructions to the count), polling
 * COUNTFLAG to extend its 24 bits to 64.
 *   - Results are identical run to run.
 *   - Precision: a reading is a multiple of 40, so a difference of two readings is
 *     within +-40 instructions of the truth. The call itself costs ~20
 *     instructions, included in the count.
 *   - Wrap limit: the counter must be read at least once every 2^24 ticks
 *     (671,088,640 instructions); a region longer than that between two
 *     readings is under-counted by multiples of 671 M.
 *   - Without -icount, SysTick follows host time: the numbers are meaningless.
 *   - These are retired instructions, not cycles (QEMU models no pipeline,
 *     caches or wait states).
 */
#ifndef TINYFORMER_PLATFORM_SE_BOARD_H
#define TINYFORMER_PLATFORM_SE_BOARD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SysTick ticks per retired instruction under -icount shift=0: 1 tick = 40 instructions. */
#define SE_BOARD_INSTRUCTIONS_PER_TICK 40u
/* Longest region measurable between two readings, in instructions (2^24 ticks). */
#define SE_BOARD_COUNTER_WRAP_INSTRUCTIONS (16777216ull * SE_BOARD_INSTRUCTIONS_PER_TICK)
/* Exit status of a firmware stopped by a fault handler. */
#define SE_BOARD_FAULT_STATUS 3

/* Starts SysTick free-running (no interrupt). Called by start-up; calling it again restarts at 0. */
void se_board_counter_init(void);

/* Instructions retired since se_board_counter_init(), in steps of 40. */
uint64_t se_board_instructions(void);

/* Instructions retired since `start` (a value returned by se_board_instructions()),
 * saturated to UINT32_MAX. */
uint32_t se_board_instructions_since(uint64_t start);

/* Ends the program: QEMU exits with `status` (semihosting SYS_EXIT_EXTENDED). Does not
 * flush stdio; exit() does that, then comes here. */
void se_board_exit(int status) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif
