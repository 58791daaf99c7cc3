/* PLACEHOLDER: benchmark cases not written yet. */
#include "bench.h"
void bench_fully_connected(void) { bench_ok("fully_connected", SE_ERR_UNSUPPORTED); }
