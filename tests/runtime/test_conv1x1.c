/* PLACEHOLDER: suite not written yet; fails on purpose. */
#include "se_test.h"
void suite_conv1x1(void) { se_test_check(0, "conv1x1", "suite not implemented"); }
