// The three file formats behind the Dataset interface (dataset.h). Each
// constructor reads and validates every file, then holds the images as HWC
// uint8 in memory. Errors name the file and what was expected.
#pragma once

#include <string>
#include <vector>

#include "tinyformer/toolkit/dataset.h"

namespace tinyformer::toolkit {

// Fashion-MNIST (or MNIST) idx files, plain or gzip-compressed:
//   images (idx3): big-endian u32 magic 0x00000803, count, rows, cols, then count*rows*cols bytes (row-major)
//   labels (idx1): big-endian u32 magic 0x00000801, count, then count bytes, each < num_classes
// Image shape (rows, cols, 1); the two counts must agree; no bytes may follow the data.
class FashionMnistDataset final : public InMemoryDataset {
public:
    FashionMnistDataset(const std::string& images_path, const std::string& labels_path, int32_t num_classes = 10);
};

// CIFAR-10 binary batches: records of 1 label byte (< 10) + 3072 pixel bytes
// (1024 red, 1024 green, 1024 blue, each 32x32 row-major), concatenated over
// the files in order. records_per_file > 0 requires exactly that many records
// per file (the published batches hold 10000); 0 accepts any whole number.
class Cifar10Dataset final : public InMemoryDataset {
public:
    explicit Cifar10Dataset(const std::vector<std::string>& batch_paths, int64_t records_per_file = 0);

    static constexpr int32_t kSide = 32;
    static constexpr int64_t kRecordBytes = 1 + 3 * kSide * kSide;
};

// Downsampled ImageNet (ImageNet-32, also -16/-64) npz batches, read with
// libzip (stored or deflated entries). Each file holds
//   data.npy:   uint8, shape (N, 3*S*S), C order (or Fortran order), each row CHW (S*S red, green, blue)
//   labels.npy: integer (any width, either byte order), shape (N,), 1-based in [1, num_classes]
//   mean.npy:   optional, ignored (normalization uses Normalization, dataset_loader.h)
// Labels are stored 0-based. All files must have the same S (32 for ImageNet-32).
class ImageNet32Dataset final : public InMemoryDataset {
public:
    explicit ImageNet32Dataset(const std::vector<std::string>& npz_paths, int32_t num_classes = 1000);
};

}  // namespace tinyformer::toolkit
