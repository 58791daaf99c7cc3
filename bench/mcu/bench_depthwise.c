/* PLACEHOLDER: benchmark cases not written yet. */
#include "bench.h"
void bench_depthwise(void) { bench_ok("depthwise", SE_ERR_UNSUPPORTED); }
