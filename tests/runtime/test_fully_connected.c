/* PLACEHOLDER: suite not written yet; fails on purpose. */
#include "se_test.h"
void suite_fully_connected(void) { se_test_check(0, "fully_connected", "suite not implemented"); }
