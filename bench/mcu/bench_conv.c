/* PLACEHOLDER: benchmark cases not written yet. */
#include "bench.h"
void bench_conv(void) { bench_ok("conv", SE_ERR_UNSUPPORTED); }
