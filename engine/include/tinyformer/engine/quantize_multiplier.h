// Real multipliers to the runtime's fixed-point (multiplier, shift) form.
#pragma once

#include "tinyformer/runtime/se_types.h"

namespace tinyformer::engine {

// real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (TFLite's
// QuantizeMultiplier). real must be finite and >= 0; 0 and values below
// 2^-32 give {0, 0}. Throws Error when real >= 2^30 (no valid shift); `what`
// names the multiplier in the message.
se_quant quantize_multiplier(double real, const char* what = "multiplier");

}  // namespace tinyformer::engine
