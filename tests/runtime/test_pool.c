/* PLACEHOLDER: suite not written yet; fails on purpose. */
#include "se_test.h"
void suite_pool(void) { se_test_check(0, "pool", "suite not implemented"); }
