// Batches of normalized float images for training and evaluation:
// per-epoch shuffling, augmentation (random crop with zero padding,
// horizontal flip) and per-channel normalization, all deterministic in
// (seed, epoch). Plain buffers; the trainer wraps them into tensors.
//
//   LoaderOptions opt = LoaderOptions::training(DatasetKind::Cifar10, 128, /*seed=*/7);
//   BatchLoader loader(parts.train, opt);
//   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
//       loader.start_epoch(epoch);
//       Batch b;
//       while (loader.next(b)) { ... b.images (NCHW floats), b.labels ... }
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tinyformer/toolkit/dataset.h"

namespace tinyformer::toolkit {

enum class Layout : uint8_t { NHWC, NCHW };

// x = (pixel / 255 - mean[c]) / stddev[c]. Empty vectors mean 0 and 1 (x = pixel / 255).
struct Normalization {
    std::vector<float> mean, stddev;

    // Per-channel statistics of the training split (docs/datasets.md):
    //   Fashion-MNIST mean 0.2860 std 0.3530
    //   CIFAR-10      mean (0.4914, 0.4822, 0.4465) std (0.2470, 0.2435, 0.2616)
    //   ImageNet-32   mean (0.485, 0.456, 0.406) std (0.229, 0.224, 0.225), full-resolution ImageNet's
    static Normalization defaults_for(DatasetKind kind);
    // Throws unless it has 0 or `channels` entries each and every std > 0.
    void check(int32_t channels) const;
    float mean_of(int32_t c) const { return mean.empty() ? 0.0f : mean[static_cast<size_t>(c)]; }
    float stddev_of(int32_t c) const { return stddev.empty() ? 1.0f : stddev[static_cast<size_t>(c)]; }
};

struct Augmentation {
    // Pad every side with this many zero pixels, then crop a random window of
    // the original size (0: no crop).
    int32_t crop_padding = 0;
    bool horizontal_flip = false;  // mirror left-right with probability 1/2

    // Training defaults: padding 4 for 32x32 (CIFAR-10, ImageNet-32), 2 for
    // 28x28 (Fashion-MNIST); flip for all three (clothing classes, like
    // objects, are mirror-invariant; see docs/datasets.md).
    static Augmentation defaults_for(DatasetKind kind);
    bool enabled() const { return crop_padding > 0 || horizontal_flip; }
};

struct LoaderOptions {
    int64_t batch_size = 64;
    Layout layout = Layout::NCHW;
    Normalization normalization;
    Augmentation augmentation;  // none by default
    bool shuffle = true;
    bool drop_last = false;     // drop the last incomplete batch
    uint64_t seed = 0;

    // Shuffled, augmented, default normalization, NCHW.
    static LoaderOptions training(DatasetKind kind, int64_t batch_size, uint64_t seed = 0);
    // In order, no augmentation, default normalization, NCHW.
    static LoaderOptions evaluation(DatasetKind kind, int64_t batch_size);
};

struct Batch {
    ImageShape shape;               // of one image
    Layout layout = Layout::NCHW;
    int64_t size = 0;               // images in this batch (the last may be short)
    std::vector<float> images;      // size * shape.pixels() floats in `layout`
    std::vector<int32_t> labels;    // size
    std::vector<int64_t> indices;   // size: the dataset index of each image
};

// The crop window and flip of one image (dataset_loader.cpp draws them).
struct AugmentDraw {
    int32_t offset_y = 0, offset_x = 0;  // top-left of the window in the padded image, in [0, 2 * padding]
    bool flip = false;
};

// Writes one normalized, augmented image: out[y][x][c] (NHWC) or out[c][y][x]
// (NCHW) = normalized padded[y + offset_y][x + offset_x'][c], x' mirrored
// when draw.flip; padded pixels are 0 before normalization.
void normalize_image(const uint8_t* hwc, const ImageShape& shape, const Normalization& norm, int32_t padding,
                     const AugmentDraw& draw, Layout layout, float* out);

class BatchLoader {
public:
    BatchLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);

    const Dataset& dataset() const { return *dataset_; }
    const LoaderOptions& options() const { return options_; }
    int64_t batches_per_epoch() const;

    // Starts `epoch`: its order and every image's augmentation depend only on
    // (seed, epoch, position), so epochs can be replayed in any order.
    void start_epoch(int64_t epoch);
    // The next batch of the current epoch; false after the last one.
    bool next(Batch& batch);
    // Batch b of the current epoch (b in [0, batches_per_epoch())); const, so
    // several threads may prepare batches of one epoch at once.
    Batch batch(int64_t b) const;

private:
    std::shared_ptr<const Dataset> dataset_;
    LoaderOptions options_;
    int64_t epoch_ = 0;
    int64_t next_batch_ = 0;
    std::vector<int64_t> order_;
};

}  // namespace tinyformer::toolkit
