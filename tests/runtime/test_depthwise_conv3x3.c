/* PLACEHOLDER: suite not written yet; fails on purpose. */
#include "se_test.h"
void suite_depthwise_conv3x3(void) { se_test_check(0, "depthwise_conv3x3", "suite not implemented"); }
