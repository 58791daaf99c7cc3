/* PLACEHOLDER: suite not written yet; fails on purpose. */
#include "se_test.h"
void suite_seqpool(void) { se_test_check(0, "seqpool", "suite not implemented"); }
