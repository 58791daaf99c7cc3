#include "tinyformer/toolkit/dataset.h"

#include <algorithm>
#include <cstring>

#include "dataset_io.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset_formats.h"

namespace tinyformer::toolkit {

Example Dataset::get(int64_t i) const
{
    check_index(i);
    Example e;
    e.image.resize(static_cast<size_t>(image_shape().pixels()));
    copy_image(i, e.image.data());
    e.label = label(i);
    return e;
}

void Dataset::check_index(int64_t i) const
{
    TF_CHECK(i >= 0 && i < size(), description(), ": index ", i, " is out of range [0, ", size(), ")");
}

InMemoryDataset::InMemoryDataset(ImageShape shape, int32_t num_classes, std::vector<uint8_t> pixels_hwc,
                                 std::vector<int32_t> labels, std::string description)
    : shape_(shape),
      num_classes_(num_classes),
      pixels_(std::move(pixels_hwc)),
      labels_(std::move(labels)),
      description_(std::move(description))
{
    TF_CHECK(shape_.height > 0 && shape_.width > 0 && shape_.channels > 0, description_, ": image shape ",
             shape_.height, "x", shape_.width, "x", shape_.channels, " must be positive");
    TF_CHECK(num_classes_ > 0, description_, ": num_classes ", num_classes_, " must be positive");
    TF_CHECK(static_cast<int64_t>(pixels_.size()) == size() * shape_.pixels(), description_, ": ", pixels_.size(),
             " pixel bytes for ", size(), " labels of ", shape_.pixels(), "-byte images");
    for (size_t i = 0; i < labels_.size(); ++i) {
        TF_CHECK(labels_[i] >= 0 && labels_[i] < num_classes_, description_, ": label ", labels_[i], " of image ",
                 i, " is outside [0, ", num_classes_, ")");
    }
}

void InMemoryDataset::copy_image(int64_t i, uint8_t* hwc) const
{
    check_index(i);
    const auto n = static_cast<size_t>(shape_.pixels());
    std::memcpy(hwc, pixels_.data() + static_cast<size_t>(i) * n, n);
}

int32_t InMemoryDataset::label(int64_t i) const
{
    check_index(i);
    return labels_[static_cast<size_t>(i)];
}

const char* to_string(DatasetKind kind)
{
    switch (kind) {
    case DatasetKind::FashionMnist: return "fashion-mnist";
    case DatasetKind::Cifar10: return "cifar10";
    case DatasetKind::ImageNet32: return "imagenet32";
    }
    return "?";
}

const char* to_string(Split split) { return split == Split::Train ? "train" : "test"; }

DatasetKind parse_dataset_kind(const std::string& name)
{
    if (name == "fashion-mnist" || name == "fashion_mnist" || name == "fmnist") {
        return DatasetKind::FashionMnist;
    }
    if (name == "cifar10" || name == "cifar-10") {
        return DatasetKind::Cifar10;
    }
    if (name == "imagenet32" || name == "imagenet-32") {
        return DatasetKind::ImageNet32;
    }
    TF_CHECK(false, "unknown dataset '", name, "' (expected fashion-mnist, cifar10 or imagenet32)");
    return DatasetKind::FashionMnist;
}

Split parse_split(const std::string& name)
{
    if (name == "train") {
        return Split::Train;
    }
    if (name == "test" || name == "val") {
        return Split::Test;
    }
    TF_CHECK(false, "unknown split '", name, "' (expected train or test)");
    return Split::Train;
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// <dir>/<name>, or <dir>/<name>.gz when only the compressed file is there.
std::string idx_file(const std::string& dir, const std::string& name)
{
    const std::string plain = dir + "/" + name;
    if (detail::file_exists(plain)) {
        return plain;
    }
    const std::string gz = plain + ".gz";
    TF_CHECK(detail::file_exists(gz), "Fashion-MNIST file '", plain, "' (or '", gz, "') does not exist",
             dir == kDebianFashionMnistDir ? " (install Debian's dataset-fashion-mnist package)" : "");
    return gz;
}

}  // namespace

std::shared_ptr<const Dataset> open_dataset(DatasetKind kind, const std::string& dir_or_file, Split split)
{
    const bool train = split == Split::Train;
    switch (kind) {
    case DatasetKind::FashionMnist: {
        const std::string dir = dir_or_file.empty() ? std::string(kDebianFashionMnistDir) : dir_or_file;
        const std::string prefix = train ? "train" : "t10k";
        const std::string images = idx_file(dir, prefix + "-images-idx3-ubyte");
        const std::string labels = idx_file(dir, prefix + "-labels-idx1-ubyte");
        return std::make_shared<FashionMnistDataset>(images, labels);
    }
    case DatasetKind::Cifar10: {
        TF_CHECK(!dir_or_file.empty(), "CIFAR-10: no directory given (expected the cifar-10-batches-bin directory)");
        if (ends_with(dir_or_file, ".bin")) {
            return std::make_shared<Cifar10Dataset>(std::vector<std::string>{dir_or_file}, 10000);
        }
        std::vector<std::string> files;
        if (train) {
            for (int b = 1; b <= 5; ++b) {
                files.push_back(dir_or_file + "/data_batch_" + std::to_string(b) + ".bin");
            }
        } else {
            files.push_back(dir_or_file + "/test_batch.bin");
        }
        return std::make_shared<Cifar10Dataset>(files, 10000);
    }
    case DatasetKind::ImageNet32: {
        TF_CHECK(!dir_or_file.empty(), "ImageNet-32: no directory given (expected the directory of the npz batches)");
        if (ends_with(dir_or_file, ".npz")) {
            return std::make_shared<ImageNet32Dataset>(std::vector<std::string>{dir_or_file});
        }
        std::vector<std::string> files;
        if (train) {
            for (int b = 1; b <= 10; ++b) {
                files.push_back(dir_or_file + "/train_data_batch_" + std::to_string(b) + ".npz");
            }
        } else {
            files.push_back(dir_or_file + "/val_data.npz");
        }
        return std::make_shared<ImageNet32Dataset>(files);
    }
    }
    TF_INTERNAL_ASSERT(false);
    return nullptr;
}

}  // namespace tinyformer::toolkit
