// Normalized images to the int8 input of a quantized model (the engine's host
// interpreter takes NHWC int8):
//   q = clamp(round(x / scale) + zero_point, -128, 127), rounding half away from zero
// with (scale, zero_point) the model input's QuantParams (real = scale * (q - zero_point)).
#pragma once

#include <cstdint>
#include <vector>

#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_loader.h"

namespace tinyformer::toolkit {

// Throws unless scale is finite and > 0 and zero_point is in [-128, 127].
void check_input_quantization(float scale, int32_t zero_point);

int8_t quantize_value(float x, float scale, int32_t zero_point);

// A whole batch (either layout) as int8 NHWC: batch.size * pixels values.
std::vector<int8_t> quantize_batch_nhwc(const Batch& batch, float scale, int32_t zero_point);

// Image i of `dataset`, normalized (no augmentation), as int8 HWC: ready to copy to Interpreter::input().
std::vector<int8_t> quantize_image(const Dataset& dataset, int64_t i, const Normalization& norm, float scale,
                                   int32_t zero_point);

}  // namespace tinyformer::toolkit
