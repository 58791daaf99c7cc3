/* PLACEHOLDER: benchmark cases not written yet. */
#include "bench.h"
void bench_elementwise(void) { bench_ok("elementwise", SE_ERR_UNSUPPORTED); }
