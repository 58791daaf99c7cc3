/* PLACEHOLDER: benchmark cases not written yet. */
#include "bench.h"
void bench_batch_matmul(void) { bench_ok("batch_matmul", SE_ERR_UNSUPPORTED); }
