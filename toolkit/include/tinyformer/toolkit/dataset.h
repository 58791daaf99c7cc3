// Image classification datasets behind one interface, as plain uint8 buffers
// (no LibTorch), so the engine's int8 evaluation and the trainer read the same
// pixels.
//
//   auto train = open_dataset(DatasetKind::FashionMnist, "", Split::Train);   // Debian default path
//   Example e = train->get(0);          // e.image: H*W*C bytes, HWC; e.label in [0, num_classes)
//   auto parts = split_train_validation(train, 0.1, /*seed=*/1);             // dataset_split.h
//   BatchLoader loader(parts.train, LoaderOptions::defaults_for(DatasetKind::FashionMnist, 128));
//
// Every format is read and validated completely when the dataset is opened; a
// missing, truncated or malformed file throws tinyformer::engine::Error naming
// the file and what was expected. The pixels are then held in memory as HWC
// uint8 (Fashion-MNIST 47 MB, CIFAR-10 154 MB, ImageNet-32 train 3.9 GB).
// Formats and defaults: docs/datasets.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tinyformer::toolkit {

struct ImageShape {
    int32_t height = 0, width = 0, channels = 0;
    int64_t pixels() const { return int64_t{height} * width * channels; }  // bytes of one HWC image
    bool operator==(const ImageShape& o) const
    {
        return height == o.height && width == o.width && channels == o.channels;
    }
};

// One image and its class.
struct Example {
    std::vector<uint8_t> image;  // HWC, image_shape().pixels() bytes
    int32_t label = 0;           // [0, num_classes)
};

// A read-only, random-access list of labelled images, all of one shape.
// Implementations are safe to read from several threads at once.
class Dataset {
public:
    virtual ~Dataset() = default;

    virtual int64_t size() const = 0;
    virtual ImageShape image_shape() const = 0;
    virtual int32_t num_classes() const = 0;
    // Copies image i (HWC, image_shape().pixels() bytes) to `hwc`. i in [0, size()).
    virtual void copy_image(int64_t i, uint8_t* hwc) const = 0;
    virtual int32_t label(int64_t i) const = 0;
    // For messages: the format and the files or the view it came from.
    virtual std::string description() const = 0;

    Example get(int64_t i) const;

protected:
    // Throws unless 0 <= i < size().
    void check_index(int64_t i) const;
};

// A dataset whose images and labels are held in memory; the file readers fill it.
class InMemoryDataset : public Dataset {
public:
    InMemoryDataset(ImageShape shape, int32_t num_classes, std::vector<uint8_t> pixels_hwc,
                    std::vector<int32_t> labels, std::string description);

    int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
    ImageShape image_shape() const override { return shape_; }
    int32_t num_classes() const override { return num_classes_; }
    void copy_image(int64_t i, uint8_t* hwc) const override;
    int32_t label(int64_t i) const override;
    std::string description() const override { return description_; }

    // All images back to back (size() * image_shape().pixels() bytes, HWC each).
    const std::vector<uint8_t>& pixels() const { return pixels_; }
    const std::vector<int32_t>& labels() const { return labels_; }

private:
    ImageShape shape_;
    int32_t num_classes_;
    std::vector<uint8_t> pixels_;
    std::vector<int32_t> labels_;
    std::string description_;
};

enum class DatasetKind : uint8_t { FashionMnist, Cifar10, ImageNet32 };
enum class Split : uint8_t { Train, Test };  // the published split; validation is cut from Train

const char* to_string(DatasetKind kind);  // "fashion-mnist", "cifar10", "imagenet32"
const char* to_string(Split split);       // "train", "test"
// Accepts the to_string names (and "cifar-10", "imagenet-32", "fmnist"); throws on anything else.
DatasetKind parse_dataset_kind(const std::string& name);
Split parse_split(const std::string& name);  // "train" | "test" ("val" is ImageNet's name for test)

// Where Debian's dataset-fashion-mnist package installs the idx files.
inline constexpr const char* kDebianFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Opens the published split of a dataset from its directory:
//   FashionMnist: <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]; dir "" = kDebianFashionMnistDir
//   Cifar10:      <dir>/data_batch_1..5.bin (train), <dir>/test_batch.bin (test), 10000 records each
//   ImageNet32:   <dir>/train_data_batch_1..10.npz (train), <dir>/val_data.npz (test)
// `dir` may also name one file (a CIFAR-10 .bin or ImageNet-32 .npz) to open only that batch.
std::shared_ptr<const Dataset> open_dataset(DatasetKind kind, const std::string& dir, Split split);

}  // namespace tinyformer::toolkit
