/* PLACEHOLDER: suite not written yet; fails on purpose. */
#include "se_test.h"
void suite_batch_matmul(void) { se_test_check(0, "batch_matmul", "suite not implemented"); }
