#include "tinyformer/toolkit/dataset_loader.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "dataset_io.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit {

Normalization Normalization::defaults_for(DatasetKind kind)
{
    switch (kind) {
    case DatasetKind::FashionMnist: return {{0.2860f}, {0.3530f}};
    case DatasetKind::Cifar10: return {{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
    case DatasetKind::ImageNet32: return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
    }
    return {};
}

void Normalization::check(int32_t channels) const
{
    TF_CHECK(mean.empty() || static_cast<int32_t>(mean.size()) == channels, "normalization: ", mean.size(),
             " means for ", channels, " channels (expected 0 or ", channels, ")");
    TF_CHECK(stddev.empty() || static_cast<int32_t>(stddev.size()) == channels, "normalization: ", stddev.size(),
             " standard deviations for ", channels, " channels (expected 0 or ", channels, ")");
    for (size_t c = 0; c < stddev.size(); ++c) {
        TF_CHECK(std::isfinite(stddev[c]) && stddev[c] > 0.0f, "normalization: std ", stddev[c], " of channel ", c,
                 " must be finite and > 0");
    }
    for (size_t c = 0; c < mean.size(); ++c) {
        TF_CHECK(std::isfinite(mean[c]), "normalization: mean ", mean[c], " of channel ", c, " must be finite");
    }
}

Augmentation Augmentation::defaults_for(DatasetKind kind)
{
    switch (kind) {
    case DatasetKind::FashionMnist: return {2, true};
    case DatasetKind::Cifar10: return {4, true};
    case DatasetKind::ImageNet32: return {4, true};
    }
    return {};
}

LoaderOptions LoaderOptions::training(DatasetKind kind, int64_t batch_size, uint64_t seed)
{
    LoaderOptions o;
    o.batch_size = batch_size;
    o.normalization = Normalization::defaults_for(kind);
    o.augmentation = Augmentation::defaults_for(kind);
    o.shuffle = true;
    o.seed = seed;
    return o;
}

LoaderOptions LoaderOptions::evaluation(DatasetKind kind, int64_t batch_size)
{
    LoaderOptions o;
    o.batch_size = batch_size;
    o.normalization = Normalization::defaults_for(kind);
    o.shuffle = false;
    return o;
}

void normalize_image(const uint8_t* hwc, const ImageShape& shape, const Normalization& norm, int32_t padding,
                     const AugmentDraw& draw, Layout layout, float* out)
{
    const int32_t h = shape.height, w = shape.width, channels = shape.channels;
    // value[c][p] = (p / 255 - mean[c]) / stddev[c], computed in this order (as ToTensor + Normalize do).
    std::vector<float> value(static_cast<size_t>(channels) * 256);
    for (int32_t c = 0; c < channels; ++c) {
        for (int32_t p = 0; p < 256; ++p) {
            value[static_cast<size_t>(c * 256 + p)] = (float(p) / 255.0f - norm.mean_of(c)) / norm.stddev_of(c);
        }
    }
    for (int32_t y = 0; y < h; ++y) {
        const int32_t sy = y + draw.offset_y - padding;  // row in the unpadded image
        for (int32_t x = 0; x < w; ++x) {
            const int32_t wx = draw.flip ? w - 1 - x : x;  // column in the crop window
            const int32_t sx = wx + draw.offset_x - padding;
            const bool inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
            for (int32_t c = 0; c < channels; ++c) {
                const int32_t pixel = inside ? hwc[(int64_t{sy} * w + sx) * channels + c] : 0;
                const float v = value[static_cast<size_t>(c * 256 + pixel)];
                const int64_t at = layout == Layout::NHWC ? (int64_t{y} * w + x) * channels + c
                                                          : (int64_t{c} * h + y) * w + x;
                out[at] = v;
            }
        }
    }
}

BatchLoader::BatchLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options))
{
    TF_CHECK(dataset_ != nullptr, "batch loader: no dataset");
    TF_CHECK(options_.batch_size > 0, "batch loader on ", dataset_->description(), ": batch size ",
             options_.batch_size, " must be > 0");
    const ImageShape s = dataset_->image_shape();
    options_.normalization.check(s.channels);
    TF_CHECK(options_.augmentation.crop_padding >= 0 &&
                 options_.augmentation.crop_padding <= std::min(s.height, s.width),
             "batch loader on ", dataset_->description(), ": crop padding ", options_.augmentation.crop_padding,
             " must be in [0, ", std::min(s.height, s.width), "]");
    start_epoch(0);
}

int64_t BatchLoader::batches_per_epoch() const
{
    const int64_t n = dataset_->size(), b = options_.batch_size;
    return options_.drop_last ? n / b : (n + b - 1) / b;
}

void BatchLoader::start_epoch(int64_t epoch)
{
    epoch_ = epoch;
    next_batch_ = 0;
    if (options_.shuffle) {
        order_ = detail::permutation(dataset_->size(),
                                     detail::derive_seed(options_.seed, 0x0DE7 + static_cast<uint64_t>(epoch)));
    } else {
        order_.resize(static_cast<size_t>(dataset_->size()));
        std::iota(order_.begin(), order_.end(), int64_t{0});
    }
}

bool BatchLoader::next(Batch& out)
{
    if (next_batch_ >= batches_per_epoch()) {
        return false;
    }
    out = batch(next_batch_++);
    return true;
}

Batch BatchLoader::batch(int64_t b) const
{
    TF_CHECK(b >= 0 && b < batches_per_epoch(), "batch loader on ", dataset_->description(), ": batch ", b,
             " is outside [0, ", batches_per_epoch(), ")");
    const ImageShape shape = dataset_->image_shape();
    const int64_t first = b * options_.batch_size;
    const int64_t count = std::min(options_.batch_size, dataset_->size() - first);
    const int32_t padding = options_.augmentation.crop_padding;
    Batch out;
    out.shape = shape;
    out.layout = options_.layout;
    out.size = count;
    out.images.resize(static_cast<size_t>(count * shape.pixels()));
    out.labels.resize(static_cast<size_t>(count));
    out.indices.resize(static_cast<size_t>(count));
    std::vector<uint8_t> image(static_cast<size_t>(shape.pixels()));
    for (int64_t k = 0; k < count; ++k) {
        const int64_t position = first + k;
        const int64_t index = order_[static_cast<size_t>(position)];
        dataset_->copy_image(index, image.data());
        AugmentDraw draw{padding, padding, false};  // centred: the original image
        if (options_.augmentation.enabled()) {
            detail::SplitMix64 rng(detail::derive_seed(options_.seed, 0xA0C0 + static_cast<uint64_t>(epoch_),
                                                       static_cast<uint64_t>(position)));
            draw.offset_y = static_cast<int32_t>(rng.below(2 * static_cast<uint64_t>(padding) + 1));
            draw.offset_x = static_cast<int32_t>(rng.below(2 * static_cast<uint64_t>(padding) + 1));
            draw.flip = options_.augmentation.horizontal_flip && (rng.next() & 1u);
        }
        normalize_image(image.data(), shape, options_.normalization, padding, draw, options_.layout,
                        out.images.data() + k * shape.pixels());
        out.labels[static_cast<size_t>(k)] = dataset_->label(index);
        out.indices[static_cast<size_t>(k)] = index;
    }
    return out;
}

}  // namespace tinyformer::toolkit
