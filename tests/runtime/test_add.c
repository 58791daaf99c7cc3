/* PLACEHOLDER: suite not written yet; fails on purpose. */
#include "se_test.h"
void suite_add(void) { se_test_check(0, "add", "suite not implemented"); }
