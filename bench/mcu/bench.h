/*
 * Kernel benchmarks on the emulated Cortex-M7 (QEMU mps2-an500, -icount
 * shift=0: retired instructions are counted deterministically through SysTick,
 * see platform/mps2-an500/include/se_board.h).
 *
 * Each family file bench_<family>.c defines void bench_<family>(void), listed
 * in bench_families.h. A case measures one kernel call and reports it with
 * bench_report(); the runner prints one table row per case.
 */
#ifndef TINYFORMER_BENCH_MCU_BENCH_H
#define TINYFORMER_BENCH_MCU_BENCH_H

#include <stdint.h>

#include "tinyformer/runtime/se_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Starts the instruction counter. */
void bench_begin(void);
/* Instructions retired since bench_begin() (precision +-40). */
uint32_t bench_end(void);

/* One result row.
 *   kernel   e.g. "se_conv2d_s8_dsp"
 *   shape    e.g. "16x16x32 -> 16x16x32, 3x3, pad 1"
 *   work     MACs (unit "MAC") or elements (unit "elem")
 *   cmsis    the CMSIS-NN (or other baseline) figure per unit from
 *            shared/notes/anchors.md, 0 when there is none
 *   baseline name of that baseline, e.g. "CMSIS-NN arm_convolve_s8" */
void bench_report(const char *kernel, const char *shape, uint32_t instructions, uint32_t work, const char *unit,
                  double cmsis, const char *baseline);

/* Checks a kernel status; a failing case prints an error row and marks the run failed. */
int bench_ok(const char *kernel, se_status status);

/* Deterministic data. */
void bench_fill_s8(int8_t *dst, int32_t n, uint32_t seed);
void bench_fill_quant(int32_t *multiplier, int32_t *shift, int32_t n, uint32_t seed);

/* A static arena for bench buffers, reset per case (no malloc needed). */
void *bench_alloc(uint32_t bytes);
void bench_reset_arena(void);

#ifdef __cplusplus
}
#endif

#endif
