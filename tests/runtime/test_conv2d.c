/* PLACEHOLDER: suite not written yet; fails on purpose. */
#include "se_test.h"
void suite_conv2d(void) { se_test_check(0, "conv2d", "suite not implemented"); }
