/* PLACEHOLDER: benchmark cases not written yet. */
#include "bench.h"
void bench_softmax(void) { bench_ok("softmax", SE_ERR_UNSUPPORTED); }
