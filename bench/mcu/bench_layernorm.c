/* PLACEHOLDER: benchmark cases not written yet. */
#include "bench.h"
void bench_layernorm(void) { bench_ok("layernorm", SE_ERR_UNSUPPORTED); }
