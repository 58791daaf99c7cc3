#include "tinyformer/toolkit/dataset_quantize.h"

#include <algorithm>
#include <cmath>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit {

void check_input_quantization(float scale, int32_t zero_point)
{
    TF_CHECK(std::isfinite(scale) && scale > 0.0f, "int8 input quantization: scale ", scale,
             " must be finite and > 0");
    TF_CHECK(zero_point >= -128 && zero_point <= 127, "int8 input quantization: zero point ", zero_point,
             " must be in [-128, 127]");
}

int8_t quantize_value(float x, float scale, int32_t zero_point)
{
    const double q = std::round(static_cast<double>(x) / static_cast<double>(scale)) + zero_point;
    return static_cast<int8_t>(std::clamp(q, -128.0, 127.0));
}

std::vector<int8_t> quantize_batch_nhwc(const Batch& batch, float scale, int32_t zero_point)
{
    check_input_quantization(scale, zero_point);
    const ImageShape s = batch.shape;
    TF_CHECK(static_cast<int64_t>(batch.images.size()) == batch.size * s.pixels(), "int8 input quantization: batch of ",
             batch.size, " images of ", s.pixels(), " values holds ", batch.images.size(), " floats");
    std::vector<int8_t> out(batch.images.size());
    for (int64_t n = 0; n < batch.size; ++n) {
        const float* image = batch.images.data() + n * s.pixels();
        int8_t* q = out.data() + n * s.pixels();
        for (int32_t y = 0; y < s.height; ++y) {
            for (int32_t x = 0; x < s.width; ++x) {
                for (int32_t c = 0; c < s.channels; ++c) {
                    const int64_t nhwc = (int64_t{y} * s.width + x) * s.channels + c;
                    const int64_t from =
                        batch.layout == Layout::NHWC ? nhwc : (int64_t{c} * s.height + y) * s.width + x;
                    q[nhwc] = quantize_value(image[from], scale, zero_point);
                }
            }
        }
    }
    return out;
}

std::vector<int8_t> quantize_image(const Dataset& dataset, int64_t i, const Normalization& norm, float scale,
                                   int32_t zero_point)
{
    check_input_quantization(scale, zero_point);
    const ImageShape s = dataset.image_shape();
    norm.check(s.channels);
    const Example e = dataset.get(i);
    std::vector<float> normalized(static_cast<size_t>(s.pixels()));
    normalize_image(e.image.data(), s, norm, 0, AugmentDraw{}, Layout::NHWC, normalized.data());
    std::vector<int8_t> out(normalized.size());
    for (size_t k = 0; k < normalized.size(); ++k) {
        out[k] = quantize_value(normalized[k], scale, zero_point);
    }
    return out;
}

}  // namespace tinyformer::toolkit
