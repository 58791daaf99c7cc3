// Fashion-MNIST idx files (formats in dataset_formats.h).
#include <cstdio>
#include <cstring>

#include "dataset_io.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset_formats.h"

namespace tinyformer::toolkit {
namespace {

constexpr uint32_t kIdx3UbyteMagic = 0x00000803;
constexpr uint32_t kIdx1UbyteMagic = 0x00000801;

std::string hex32(uint32_t v)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", v);
    return text;
}

struct IdxFile {
    std::vector<uint8_t> bytes;
    std::vector<uint32_t> dims;
    size_t data_offset = 0;
};

// Reads an idx file of `rank` dimensions of unsigned bytes and checks its size against the header.
IdxFile read_idx(const std::string& path, uint32_t magic, uint32_t rank, const char* what)
{
    IdxFile f;
    f.bytes = detail::read_file_gunzip(path);
    const size_t header = 4 + 4 * size_t{rank};
    TF_CHECK(f.bytes.size() >= 4, "idx file '", path, "' is truncated: ", f.bytes.size(),
             " bytes, expected at least the ", header, "-byte header of an idx", rank, " ", what, " file");
    const uint32_t found_magic = detail::read_be32(f.bytes.data());
    TF_CHECK(found_magic == magic, "idx file '", path, "': magic number ", hex32(found_magic), " is not that of an idx",
             rank, " ", what, " file (expected ", hex32(magic), ")");
    TF_CHECK(f.bytes.size() >= header, "idx file '", path, "' is truncated: ", f.bytes.size(),
             " bytes, expected at least the ", header, "-byte header of an idx", rank, " ", what, " file");
    uint64_t expected = header;
    uint64_t count = 1;
    for (uint32_t d = 0; d < rank; ++d) {
        f.dims.push_back(detail::read_be32(f.bytes.data() + 4 + 4 * d));
        TF_CHECK(f.dims.back() > 0, "idx file '", path, "': dimension ", d, " is 0");
        count *= f.dims.back();
        TF_CHECK(count < (uint64_t{1} << 40), "idx file '", path, "': implausible dimensions");
    }
    expected += count;
    f.data_offset = header;
    TF_CHECK(f.bytes.size() >= expected, "idx file '", path, "' is truncated: the header announces ", f.dims[0], " ",
             what, " (", expected, " bytes), found ", f.bytes.size(), " bytes");
    TF_CHECK(f.bytes.size() == expected, "idx file '", path, "' is malformed: ", f.bytes.size() - expected,
             " bytes follow the ", f.dims[0], " ", what, " the header announces (expected ", expected, " bytes)");
    return f;
}

InMemoryDataset read_fashion_mnist(const std::string& images_path, const std::string& labels_path,
                                   int32_t num_classes)
{
    TF_CHECK(num_classes > 0 && num_classes <= 256, "Fashion-MNIST: num_classes ", num_classes,
             " must be in [1, 256]");
    const IdxFile images = read_idx(images_path, kIdx3UbyteMagic, 3, "images");
    const IdxFile labels = read_idx(labels_path, kIdx1UbyteMagic, 1, "labels");
    TF_CHECK(images.dims[0] == labels.dims[0], "Fashion-MNIST: '", images_path, "' holds ", images.dims[0],
             " images but '", labels_path, "' holds ", labels.dims[0], " labels");
    const ImageShape shape{static_cast<int32_t>(images.dims[1]), static_cast<int32_t>(images.dims[2]), 1};
    std::vector<int32_t> label_values(labels.dims[0]);
    for (size_t i = 0; i < label_values.size(); ++i) {
        label_values[i] = labels.bytes[labels.data_offset + i];
        TF_CHECK(label_values[i] < num_classes, "idx file '", labels_path, "': label ", label_values[i], " of image ",
                 i, " is out of range (expected < ", num_classes, ")");
    }
    std::vector<uint8_t> pixels(images.bytes.begin() + static_cast<std::ptrdiff_t>(images.data_offset),
                                images.bytes.end());
    return InMemoryDataset(shape, num_classes, std::move(pixels), std::move(label_values),
                           "Fashion-MNIST '" + images_path + "'");
}

}  // namespace

FashionMnistDataset::FashionMnistDataset(const std::string& images_path, const std::string& labels_path,
                                         int32_t num_classes)
    : InMemoryDataset(read_fashion_mnist(images_path, labels_path, num_classes))
{
}

}  // namespace tinyformer::toolkit
