// Datasets: the three file formats read from tiny files written here (exact
// pixels and labels), every kind of bad file, the train/validation split, the
// batch loader (normalization, augmentation, shuffling) and int8 input.
#include <gtest/gtest.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_formats.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/dataset_quantize.h"
#include "tinyformer/toolkit/dataset_split.h"

namespace tinyformer::toolkit {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// A fresh directory per test, removed afterwards.
class TempDir {
public:
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "tf_dataset_XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(path_); }
    std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

void write_file(const std::string& path, const Bytes& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_gz(const std::string& path, const Bytes& bytes)
{
    gzFile gz = gzopen(path.c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    gzclose(gz);
}

void put_be32(Bytes& b, uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        b.push_back(static_cast<uint8_t>(v >> shift));
    }
}

// Runs `f`, expects an Error whose message contains every part.
void expect_error(const std::function<void()>& f, std::initializer_list<std::string> parts)
{
    try {
        f();
        ADD_FAILURE() << "no error thrown";
    } catch (const engine::Error& e) {
        const std::string message = e.what();
        for (const std::string& part : parts) {
            EXPECT_NE(message.find(part), std::string::npos) << "message \"" << message << "\" lacks \"" << part << "\"";
        }
    }
}

// ---------------------------------------------------------------- Fashion-MNIST (idx)

// Pixel (image n, row y, column x) of the generated idx images.
uint8_t idx_pixel(int n, int y, int x) { return static_cast<uint8_t>(n * 50 + y * 7 + x); }

Bytes idx3(int count, int rows, int cols, uint32_t magic = 0x00000803)
{
    Bytes b;
    put_be32(b, magic);
    put_be32(b, static_cast<uint32_t>(count));
    put_be32(b, static_cast<uint32_t>(rows));
    put_be32(b, static_cast<uint32_t>(cols));
    for (int n = 0; n < count; ++n) {
        for (int y = 0; y < rows; ++y) {
            for (int x = 0; x < cols; ++x) {
                b.push_back(idx_pixel(n, y, x));
            }
        }
    }
    return b;
}

Bytes idx1(const std::vector<uint8_t>& labels, uint32_t magic = 0x00000801)
{
    Bytes b;
    put_be32(b, magic);
    put_be32(b, static_cast<uint32_t>(labels.size()));
    b.insert(b.end(), labels.begin(), labels.end());
    return b;
}

void expect_idx_images(const Dataset& ds, int count, int rows, int cols, const std::vector<uint8_t>& labels)
{
    ASSERT_EQ(ds.size(), count);
    EXPECT_EQ(ds.image_shape(), (ImageShape{rows, cols, 1}));
    EXPECT_EQ(ds.num_classes(), 10);
    for (int n = 0; n < count; ++n) {
        const Example e = ds.get(n);
        EXPECT_EQ(e.label, labels[static_cast<size_t>(n)]) << "image " << n;
        for (int y = 0; y < rows; ++y) {
            for (int x = 0; x < cols; ++x) {
                ASSERT_EQ(e.image[static_cast<size_t>(y * cols + x)], idx_pixel(n, y, x))
                    << "image " << n << " y " << y << " x " << x;
            }
        }
    }
}

TEST(FashionMnist, ReadsIdxPixelsAndLabelsExactly)
{
    TempDir dir;
    write_file(dir.file("img"), idx3(3, 4, 5));
    write_file(dir.file("lab"), idx1({7, 0, 9}));
    const FashionMnistDataset ds(dir.file("img"), dir.file("lab"));
    expect_idx_images(ds, 3, 4, 5, {7, 0, 9});
}

TEST(FashionMnist, ReadsGzipCompressedFilesLikePlainOnes)
{
    TempDir dir;
    write_gz(dir.file("img.gz"), idx3(3, 4, 5));
    write_gz(dir.file("lab.gz"), idx1({1, 2, 3}));
    const FashionMnistDataset ds(dir.file("img.gz"), dir.file("lab.gz"));
    expect_idx_images(ds, 3, 4, 5, {1, 2, 3});
}

TEST(FashionMnist, OpenDatasetFindsTheDebianFileNamesPlainOrGz)
{
    TempDir dir;
    write_gz(dir.file("train-images-idx3-ubyte.gz"), idx3(4, 28, 28));
    write_gz(dir.file("train-labels-idx1-ubyte.gz"), idx1({0, 1, 2, 3}));
    write_file(dir.file("t10k-images-idx3-ubyte"), idx3(2, 28, 28));
    write_file(dir.file("t10k-labels-idx1-ubyte"), idx1({4, 5}));
    const auto train = open_dataset(DatasetKind::FashionMnist, dir.path(), Split::Train);
    const auto test = open_dataset(DatasetKind::FashionMnist, dir.path(), Split::Test);
    expect_idx_images(*train, 4, 28, 28, {0, 1, 2, 3});
    expect_idx_images(*test, 2, 28, 28, {4, 5});
}

TEST(FashionMnist, MissingFileIsAnErrorNamingIt)
{
    TempDir dir;
    write_file(dir.file("lab"), idx1({1}));
    expect_error([&] { FashionMnistDataset(dir.file("nope"), dir.file("lab")); }, {dir.file("nope"), "does not exist"});
    expect_error([&] { open_dataset(DatasetKind::FashionMnist, dir.path(), Split::Test); },
                 {dir.file("t10k-images-idx3-ubyte"), ".gz", "does not exist"});
}

TEST(FashionMnist, TruncatedFileNamesExpectedAndFoundBytes)
{
    TempDir dir;
    Bytes images = idx3(3, 4, 5);  // 16 + 60 bytes
    images.resize(images.size() - 7);
    write_file(dir.file("img"), images);
    write_file(dir.file("lab"), idx1({1, 2, 3}));
    expect_error([&] { FashionMnistDataset(dir.file("img"), dir.file("lab")); },
                 {dir.file("img"), "truncated", "3 images", "76 bytes", "found 69"});
    write_file(dir.file("short"), Bytes{0, 0, 8, 3, 0});
    expect_error([&] { FashionMnistDataset(dir.file("short"), dir.file("lab")); },
                 {dir.file("short"), "truncated", "5 bytes", "16-byte header"});
}

TEST(FashionMnist, TruncatedGzipStreamIsAnError)
{
    TempDir dir;
    write_gz(dir.file("full.gz"), idx3(50, 28, 28));
    std::ifstream in(dir.file("full.gz"), std::ios::binary);
    Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    gz.resize(gz.size() / 2);
    write_file(dir.file("cut.gz"), gz);
    write_file(dir.file("lab"), idx1(std::vector<uint8_t>(50, 1)));
    expect_error([&] { FashionMnistDataset(dir.file("cut.gz"), dir.file("lab")); }, {dir.file("cut.gz"), "gzip"});
}

TEST(FashionMnist, WrongMagicSaysWhatWasExpected)
{
    TempDir dir;
    write_file(dir.file("img"), idx3(2, 4, 4));
    write_file(dir.file("lab"), idx1({1, 2}));
    // Files swapped: the labels file where the images belong.
    expect_error([&] { FashionMnistDataset(dir.file("lab"), dir.file("img")); },
                 {dir.file("lab"), "magic number 0x00000801", "expected 0x00000803"});
    write_file(dir.file("img16"), idx3(2, 4, 4, 0x00000B03));  // idx3 of int16
    expect_error([&] { FashionMnistDataset(dir.file("img16"), dir.file("lab")); },
                 {dir.file("img16"), "0x00000B03", "expected 0x00000803"});
}

TEST(FashionMnist, CountMismatchLabelRangeAndTrailingBytesAreErrors)
{
    TempDir dir;
    write_file(dir.file("img"), idx3(3, 4, 4));
    write_file(dir.file("lab2"), idx1({1, 2}));
    expect_error([&] { FashionMnistDataset(dir.file("img"), dir.file("lab2")); },
                 {dir.file("img"), "3 images", dir.file("lab2"), "2 labels"});
    write_file(dir.file("lab10"), idx1({1, 10, 2}));
    expect_error([&] { FashionMnistDataset(dir.file("img"), dir.file("lab10")); },
                 {dir.file("lab10"), "label 10 of image 1", "expected < 10"});
    Bytes longer = idx1({1, 2, 3});
    longer.push_back(0);
    write_file(dir.file("lab_long"), longer);
    expect_error([&] { FashionMnistDataset(dir.file("img"), dir.file("lab_long")); },
                 {dir.file("lab_long"), "malformed", "1 bytes follow"});
}

// ---------------------------------------------------------------- CIFAR-10 (binary batches)

// Pixel (record r, channel c, row y, column x) of the generated batches.
uint8_t cifar_pixel(int r, int c, int y, int x) { return static_cast<uint8_t>(r * 31 + c * 80 + y * 3 + x * 5); }

Bytes cifar_batch(const std::vector<uint8_t>& labels, int first_record = 0)
{
    Bytes b;
    for (size_t i = 0; i < labels.size(); ++i) {
        b.push_back(labels[i]);
        for (int c = 0; c < 3; ++c) {
            for (int y = 0; y < 32; ++y) {
                for (int x = 0; x < 32; ++x) {
                    b.push_back(cifar_pixel(first_record + static_cast<int>(i), c, y, x));
                }
            }
        }
    }
    return b;
}

TEST(Cifar10, ReadsRecordsAsHwcAcrossBatchFiles)
{
    TempDir dir;
    write_file(dir.file("b1.bin"), cifar_batch({3, 9}, 0));
    write_file(dir.file("b2.bin"), cifar_batch({0}, 2));
    const Cifar10Dataset ds({dir.file("b1.bin"), dir.file("b2.bin")});
    ASSERT_EQ(ds.size(), 3);
    EXPECT_EQ(ds.image_shape(), (ImageShape{32, 32, 3}));
    EXPECT_EQ(ds.num_classes(), 10);
    const std::vector<int32_t> labels{3, 9, 0};
    for (int r = 0; r < 3; ++r) {
        const Example e = ds.get(r);
        EXPECT_EQ(e.label, labels[static_cast<size_t>(r)]) << "record " << r;
        for (int y = 0; y < 32; ++y) {
            for (int x = 0; x < 32; ++x) {
                for (int c = 0; c < 3; ++c) {
                    ASSERT_EQ(e.image[static_cast<size_t>((y * 32 + x) * 3 + c)], cifar_pixel(r, c, y, x))
                        << "record " << r << " y " << y << " x " << x << " c " << c;
                }
            }
        }
    }
}

TEST(Cifar10, OpenDatasetUsesThePublishedBatchNames)
{
    TempDir dir;
    Bytes batch(10000 * 3073, 0);  // the published record count: 10000 records of label 7
    for (size_t r = 0; r < 10000; ++r) {
        batch[r * 3073] = 7;
    }
    write_file(dir.file("test_batch.bin"), batch);
    const auto test = open_dataset(DatasetKind::Cifar10, dir.path(), Split::Test);
    EXPECT_EQ(test->size(), 10000);
    EXPECT_EQ(test->label(9999), 7);
    expect_error([&] { open_dataset(DatasetKind::Cifar10, dir.path(), Split::Train); },
                 {dir.file("data_batch_1.bin"), "does not exist"});
}

TEST(Cifar10, MissingTruncatedAndMalformedBatchesAreErrors)
{
    TempDir dir;
    expect_error([&] { Cifar10Dataset({dir.file("none.bin")}); }, {dir.file("none.bin"), "does not exist"});

    Bytes cut = cifar_batch({1, 2});
    cut.resize(cut.size() - 100);
    write_file(dir.file("cut.bin"), cut);
    expect_error([&] { Cifar10Dataset({dir.file("cut.bin")}); },
                 {dir.file("cut.bin"), "truncated", "6046 bytes", "3073-byte records", "last record has 2973 bytes"});
    // With the published record count, a file cut at a record boundary is caught too.
    write_file(dir.file("two.bin"), cifar_batch({1, 2}));
    expect_error([&] { Cifar10Dataset({dir.file("two.bin")}, 3); },
                 {dir.file("two.bin"), "truncated", "expected 9219 bytes", "3 records", "found 6146"});
    expect_error([&] { open_dataset(DatasetKind::Cifar10, dir.file("two.bin"), Split::Train); },
                 {dir.file("two.bin"), "expected 30730000 bytes", "10000 records", "found 6146"});
    write_file(dir.file("long.bin"), cifar_batch({1, 2, 3, 4}));
    expect_error([&] { Cifar10Dataset({dir.file("long.bin")}, 3); },
                 {dir.file("long.bin"), "wrong size", "expected 9219 bytes", "found 12292"});

    write_file(dir.file("label.bin"), cifar_batch({1, 10}));
    expect_error([&] { Cifar10Dataset({dir.file("label.bin")}); },
                 {dir.file("label.bin"), "label 10 of record 1", "expected < 10"});
    write_file(dir.file("empty.bin"), Bytes{});
    expect_error([&] { Cifar10Dataset({dir.file("empty.bin")}); }, {dir.file("empty.bin"), "empty"});
}

// ---------------------------------------------------------------- ImageNet-32 (npz)

// An .npy file: preamble, the dict header padded with spaces to a multiple of 64, then `data`.
Bytes npy(const std::string& descr, const std::string& shape, const Bytes& data, bool fortran = false,
          int version = 1)
{
    std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                         ", 'shape': " + shape + ", }";
    const size_t preamble = version == 1 ? 10 : 12;
    while ((preamble + header.size() + 1) % 64 != 0) {
        header += ' ';
    }
    header += '\n';
    Bytes b{0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(version), 0};
    for (size_t i = 0; i < preamble - 8; ++i) {
        b.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
    }
    b.insert(b.end(), header.begin(), header.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

struct NpzEntry {
    std::string name;
    Bytes bytes;
};

// Writes a zip with libzip, entries deflated or stored.
void write_npz(const std::string& path, const std::vector<NpzEntry>& entries, bool deflate = true)
{
    int code = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    ASSERT_NE(z, nullptr) << "libzip error " << code;
    for (const NpzEntry& e : entries) {  // libzip reads the buffers at zip_close: `entries` outlives it
        zip_source_t* src = zip_source_buffer(z, e.bytes.data(), e.bytes.size(), 0);
        ASSERT_NE(src, nullptr);
        const zip_int64_t index = zip_file_add(z, e.name.c_str(), src, ZIP_FL_OVERWRITE);
        ASSERT_GE(index, 0) << zip_strerror(z);
        zip_set_file_compression(z, static_cast<zip_uint64_t>(index), deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
    }
    ASSERT_EQ(zip_close(z), 0);
}

// Pixel (image n, channel c, row y, column x) of the generated npz images (side 4).
uint8_t inet_pixel(int n, int c, int y, int x) { return static_cast<uint8_t>(n * 60 + c * 17 + y * 4 + x); }

// `count` images of side 4 as rows of 48 values (CHW), C or Fortran order.
Bytes inet_data(int count, bool fortran = false)
{
    const int row = 48;
    Bytes b(static_cast<size_t>(count * row));
    for (int n = 0; n < count; ++n) {
        for (int c = 0; c < 3; ++c) {
            for (int y = 0; y < 4; ++y) {
                for (int x = 0; x < 4; ++x) {
                    const int j = c * 16 + y * 4 + x;
                    b[static_cast<size_t>(fortran ? j * count + n : n * row + j)] = inet_pixel(n, c, y, x);
                }
            }
        }
    }
    return b;
}

Bytes le_int64(const std::vector<int64_t>& values)
{
    Bytes b;
    for (int64_t v : values) {
        for (int i = 0; i < 8; ++i) {
            b.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
        }
    }
    return b;
}

void expect_inet_images(const Dataset& ds, const std::vector<int32_t>& labels0)
{
    ASSERT_EQ(ds.size(), static_cast<int64_t>(labels0.size()));
    EXPECT_EQ(ds.image_shape(), (ImageShape{4, 4, 3}));
    EXPECT_EQ(ds.num_classes(), 1000);
    for (int n = 0; n < ds.size(); ++n) {
        const Example e = ds.get(n);
        EXPECT_EQ(e.label, labels0[static_cast<size_t>(n)]) << "image " << n;
        for (int y = 0; y < 4; ++y) {
            for (int x = 0; x < 4; ++x) {
                for (int c = 0; c < 3; ++c) {
                    ASSERT_EQ(e.image[static_cast<size_t>((y * 4 + x) * 3 + c)], inet_pixel(n, c, y, x))
                        << "image " << n << " y " << y << " x " << x << " c " << c;
                }
            }
        }
    }
}

TEST(ImageNet32, ReadsDeflatedNpzWithOneBasedInt64Labels)
{
    TempDir dir;
    write_npz(dir.file("b.npz"), {{"data.npy", npy("|u1", "(3, 48)", inet_data(3))},
                                  {"labels.npy", npy("<i8", "(3,)", le_int64({1, 1000, 42}))},
                                  {"mean.npy", npy("<f8", "(48,)", Bytes(48 * 8, 0))}});
    const ImageNet32Dataset ds({dir.file("b.npz")});
    expect_inet_images(ds, {0, 999, 41});
}

TEST(ImageNet32, ReadsStoredEntriesOtherLabelTypesAndSeveralFiles)
{
    TempDir dir;
    write_npz(dir.file("a.npz"),
              {{"data.npy", npy("|u1", "(2, 48)", inet_data(2))}, {"labels.npy", npy("|u1", "(2,)", Bytes{5, 6})}},
              false);
    // Big-endian int16 labels 7 and 300; images 0, 1 again (the generator depends on the index in the file).
    write_npz(dir.file("b.npz"), {{"data.npy", npy("|u1", "(2, 48)", inet_data(2))},
                                  {"labels.npy", npy(">i2", "(2,)", Bytes{0, 7, 1, 44})}});
    const ImageNet32Dataset ds({dir.file("a.npz"), dir.file("b.npz")});
    ASSERT_EQ(ds.size(), 4);
    EXPECT_EQ(ds.label(0), 4);
    EXPECT_EQ(ds.label(1), 5);
    EXPECT_EQ(ds.label(2), 6);
    EXPECT_EQ(ds.label(3), 299);
    EXPECT_EQ(ds.get(3).image, ds.get(1).image);
    EXPECT_EQ(ds.get(0).image[5], inet_pixel(0, 2, 0, 1));  // (y 0, x 1, c 2)
}

TEST(ImageNet32, FortranOrderAndVersion2HeadersReadTheSamePixels)
{
    TempDir dir;
    write_npz(dir.file("f.npz"), {{"data.npy", npy("|u1", "(3, 48)", inet_data(3, true), true)},
                                  {"labels.npy", npy("<i8", "(3,)", le_int64({2, 3, 4}), false, 2)}});
    const ImageNet32Dataset ds({dir.file("f.npz")});
    expect_inet_images(ds, {1, 2, 3});
}

TEST(ImageNet32, OpenDatasetUsesThePublishedFileNames)
{
    TempDir dir;
    write_npz(dir.file("val_data.npz"), {{"data.npy", npy("|u1", "(2, 3072)", Bytes(2 * 3072, 9))},
                                         {"labels.npy", npy("<i8", "(2,)", le_int64({1, 2}))}});
    const auto val = open_dataset(DatasetKind::ImageNet32, dir.path(), Split::Test);
    EXPECT_EQ(val->size(), 2);
    EXPECT_EQ(val->image_shape(), (ImageShape{32, 32, 3}));
    expect_error([&] { open_dataset(DatasetKind::ImageNet32, dir.path(), Split::Train); },
                 {dir.file("train_data_batch_1.npz"), "does not exist"});
}

TEST(ImageNet32, MissingTruncatedAndNonZipFilesAreErrors)
{
    TempDir dir;
    expect_error([&] { ImageNet32Dataset({dir.file("none.npz")}); }, {dir.file("none.npz"), "does not exist"});
    write_npz(dir.file("ok.npz"), {{"data.npy", npy("|u1", "(3, 48)", inet_data(3))},
                                   {"labels.npy", npy("<i8", "(3,)", le_int64({1, 2, 3}))}});
    std::ifstream in(dir.file("ok.npz"), std::ios::binary);
    Bytes zip((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    zip.resize(zip.size() - 30);  // cut inside the central directory
    write_file(dir.file("cut.npz"), zip);
    expect_error([&] { ImageNet32Dataset({dir.file("cut.npz")}); }, {dir.file("cut.npz"), "not a readable zip"});
    write_file(dir.file("text.npz"), Bytes(100, 'x'));
    expect_error([&] { ImageNet32Dataset({dir.file("text.npz")}); }, {dir.file("text.npz"), "not a readable zip"});
}

TEST(ImageNet32, NpzWithoutDataOrLabelsIsAnError)
{
    TempDir dir;
    write_npz(dir.file("nodata.npz"), {{"labels.npy", npy("<i8", "(1,)", le_int64({1}))},
                                       {"mean.npy", npy("<f8", "(1,)", Bytes(8, 0))}});
    expect_error([&] { ImageNet32Dataset({dir.file("nodata.npz")}); },
                 {dir.file("nodata.npz"), "no array 'data'", "data.npy", "entries: labels.npy, mean.npy"});
    write_npz(dir.file("nolabels.npz"), {{"data.npy", npy("|u1", "(1, 48)", inet_data(1))}});
    expect_error([&] { ImageNet32Dataset({dir.file("nolabels.npz")}); },
                 {dir.file("nolabels.npz"), "no array 'labels'"});
}

TEST(ImageNet32, BadDtypeShapeAndHeaderAreErrors)
{
    TempDir dir;
    const Bytes labels = npy("<i8", "(2,)", le_int64({1, 2}));
    const auto expect_bad = [&](const Bytes& data, std::initializer_list<std::string> parts) {
        write_npz(dir.file("bad.npz"), {{"data.npy", data}, {"labels.npy", labels}});
        std::vector<std::string> all{dir.file("bad.npz"), "array 'data'"};
        all.insert(all.end(), parts.begin(), parts.end());
        try {
            ImageNet32Dataset({dir.file("bad.npz")});
            ADD_FAILURE() << "no error for " << *parts.begin();
        } catch (const engine::Error& e) {
            for (const std::string& part : all) {
                EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what() << " lacks " << part;
            }
        }
    };
    expect_bad(npy("<f4", "(2, 12)", Bytes(96, 0)), {"dtype '<f4' is not uint8"});
    expect_bad(npy("|u1", "(2, 50)", Bytes(100, 0)), {"shape (2, 50)", "3*S*S"});
    expect_bad(npy("|u1", "(96,)", Bytes(96, 0)), {"shape (96,)", "(N, 3*S*S)"});
    expect_bad(npy("|u1", "(2, 48)", Bytes(90, 0)), {"truncated", "(2, 48)", "found"});
    expect_bad(npy("|u1", "(2, 48)", Bytes(97, 0)), {"malformed", "1 bytes follow"});
    expect_bad(npy("[('a', '<i4')]", "(2, 48)", Bytes(96, 0)), {"'descr'"});
    Bytes no_magic = npy("|u1", "(2, 48)", Bytes(96, 0));
    no_magic[1] = 'X';
    expect_bad(no_magic, {"not a .npy array"});
    Bytes v9 = npy("|u1", "(2, 48)", Bytes(96, 0));
    v9[6] = 9;
    expect_bad(v9, {"version 9.0"});
    Bytes no_shape = npy("|u1", "(2, 48)", Bytes(96, 0));
    const std::string key = "'shape'", renamed = "'shope'";
    std::copy(renamed.begin(), renamed.end(), std::search(no_shape.begin(), no_shape.end(), key.begin(), key.end()));
    expect_bad(no_shape, {"lacks the key 'shape'"});
}

TEST(ImageNet32, LabelRangeAndLabelShapeAreChecked)
{
    TempDir dir;
    const Bytes data = npy("|u1", "(2, 48)", inet_data(2));
    write_npz(dir.file("zero.npz"), {{"data.npy", data}, {"labels.npy", npy("<i8", "(2,)", le_int64({1, 0}))}});
    expect_error([&] { ImageNet32Dataset({dir.file("zero.npz")}); },
                 {dir.file("zero.npz"), "label 0 of image 1", "1-based", "[1, 1000]"});
    write_npz(dir.file("big.npz"), {{"data.npy", data}, {"labels.npy", npy("<i8", "(2,)", le_int64({1001, 1}))}});
    expect_error([&] { ImageNet32Dataset({dir.file("big.npz")}); }, {dir.file("big.npz"), "label 1001 of image 0"});
    write_npz(dir.file("three.npz"), {{"data.npy", data}, {"labels.npy", npy("<i8", "(3,)", le_int64({1, 2, 3}))}});
    expect_error([&] { ImageNet32Dataset({dir.file("three.npz")}); },
                 {dir.file("three.npz"), "array 'labels'", "shape (3,)", "2 images"});
    write_npz(dir.file("float.npz"), {{"data.npy", data}, {"labels.npy", npy("<f8", "(2,)", Bytes(16, 0))}});
    expect_error([&] { ImageNet32Dataset({dir.file("float.npz")}); },
                 {dir.file("float.npz"), "dtype '<f8' is not an integer type"});
}

// ---------------------------------------------------------------- split, loader, int8

// n images of 4x4x3 whose pixels encode (image, y, x, c); label = image % classes.
std::shared_ptr<const InMemoryDataset> synthetic(int n, int side = 4, int channels = 3, int classes = 10)
{
    std::vector<uint8_t> pixels;
    std::vector<int32_t> labels;
    for (int i = 0; i < n; ++i) {
        for (int p = 0; p < side * side * channels; ++p) {
            pixels.push_back(static_cast<uint8_t>((i * 37 + p * 11) & 255));
        }
        labels.push_back(i % classes);
    }
    return std::make_shared<InMemoryDataset>(ImageShape{side, side, channels}, classes, pixels, labels, "synthetic");
}

TEST(Split, SizesAreRoundedFractionsAndPartsAreDisjoint)
{
    const auto base = synthetic(103);
    const TrainValidation parts = split_train_validation(base, 0.1, 7);
    EXPECT_EQ(parts.validation->size(), 10);
    EXPECT_EQ(parts.train->size(), 93);
    std::set<int64_t> all(parts.train->indices().begin(), parts.train->indices().end());
    all.insert(parts.validation->indices().begin(), parts.validation->indices().end());
    EXPECT_EQ(all.size(), 103u);
    EXPECT_TRUE(std::is_sorted(parts.train->indices().begin(), parts.train->indices().end()));
    for (int64_t i = 0; i < parts.validation->size(); ++i) {
        const int64_t b = parts.validation->indices()[static_cast<size_t>(i)];
        EXPECT_EQ(parts.validation->get(i).image, base->get(b).image) << "validation " << i;
        EXPECT_EQ(parts.validation->label(i), base->label(b));
    }
    EXPECT_EQ(split_train_validation(base, 0.0, 7).validation->size(), 0);
    EXPECT_EQ(split_train_validation(base, 0.5, 7).validation->size(), 52);  // llround(51.5)
}

TEST(Split, SameSeedSameSplitOtherSeedOtherSplit)
{
    const auto base = synthetic(200);
    const auto a = split_train_validation(base, 0.2, 1);
    const auto b = split_train_validation(base, 0.2, 1);
    const auto c = split_train_validation(base, 0.2, 2);
    EXPECT_EQ(a.validation->indices(), b.validation->indices());
    EXPECT_NE(a.validation->indices(), c.validation->indices());
    // Fixed across platforms and standard libraries: SplitMix64 + Fisher-Yates, not std::shuffle.
    const auto& v = a.validation->indices();
    ASSERT_EQ(v.size(), 40u);
    EXPECT_EQ(std::vector<int64_t>(v.begin(), v.begin() + 6), (std::vector<int64_t>{0, 1, 2, 8, 13, 24}));
}

TEST(Split, BadFractionAndIndexAreErrors)
{
    const auto base = synthetic(10);
    expect_error([&] { split_train_validation(base, 1.0, 0); }, {"validation fraction 1", "[0, 1)"});
    expect_error([&] { split_train_validation(base, -0.1, 0); }, {"validation fraction -0.1"});
    expect_error([&] { base->get(10); }, {"synthetic", "index 10", "[0, 10)"});
    expect_error([&] { SubsetDataset(base, {3, 10}, "mine"); }, {"mine", "index 10"});
}

// (p / 255 - mean) / std, as the loader documents it.
float normalized(uint8_t p, float mean, float stddev) { return (float(p) / 255.0f - mean) / stddev; }

TEST(Loader, WithoutAugmentationBatchesEqualTheNormalizedData)
{
    const auto base = synthetic(10);
    const Normalization norm{{0.1f, 0.5f, 0.9f}, {0.2f, 0.25f, 0.5f}};
    for (Layout layout : {Layout::NHWC, Layout::NCHW}) {
        LoaderOptions o;
        o.batch_size = 4;
        o.layout = layout;
        o.normalization = norm;
        o.shuffle = false;
        BatchLoader loader(base, o);
        EXPECT_EQ(loader.batches_per_epoch(), 3);
        Batch b;
        int64_t seen = 0;
        while (loader.next(b)) {
            for (int64_t k = 0; k < b.size; ++k) {
                const int64_t i = seen + k;
                ASSERT_EQ(b.indices[static_cast<size_t>(k)], i);
                ASSERT_EQ(b.labels[static_cast<size_t>(k)], base->label(i));
                const Example e = base->get(i);
                for (int y = 0; y < 4; ++y) {
                    for (int x = 0; x < 4; ++x) {
                        for (int c = 0; c < 3; ++c) {
                            const int64_t at = layout == Layout::NHWC ? (y * 4 + x) * 3 + c : (c * 4 + y) * 4 + x;
                            ASSERT_EQ(b.images[static_cast<size_t>(k * 48 + at)],
                                      normalized(e.image[static_cast<size_t>((y * 4 + x) * 3 + c)],
                                                 norm.mean[static_cast<size_t>(c)], norm.stddev[static_cast<size_t>(c)]))
                                << "image " << i << " y " << y << " x " << x << " c " << c;
                        }
                    }
                }
            }
            seen += b.size;
        }
        EXPECT_EQ(seen, 10);
        EXPECT_EQ(b.size, 2);  // the last batch is short
    }
}

TEST(Loader, DefaultNormalizationMapsPixelsToTheDocumentedValues)
{
    const Normalization c = Normalization::defaults_for(DatasetKind::Cifar10);
    EXPECT_NEAR(normalized(255, c.mean[0], c.stddev[0]), (1.0 - 0.4914) / 0.2470, 1e-5);
    EXPECT_NEAR(normalized(0, c.mean[2], c.stddev[2]), -0.4465 / 0.2616, 1e-5);
    const Normalization f = Normalization::defaults_for(DatasetKind::FashionMnist);
    ASSERT_EQ(f.mean.size(), 1u);
    EXPECT_FLOAT_EQ(f.mean[0], 0.2860f);
    EXPECT_FLOAT_EQ(f.stddev[0], 0.3530f);
    EXPECT_EQ(Normalization::defaults_for(DatasetKind::ImageNet32).mean.size(), 3u);
    EXPECT_EQ(Augmentation::defaults_for(DatasetKind::FashionMnist).crop_padding, 2);
    EXPECT_EQ(Augmentation::defaults_for(DatasetKind::Cifar10).crop_padding, 4);
    EXPECT_EQ(Augmentation::defaults_for(DatasetKind::ImageNet32).crop_padding, 4);
    EXPECT_TRUE(Augmentation::defaults_for(DatasetKind::Cifar10).horizontal_flip);

    // Through the loader: a white and a black pixel of a 1x1 CIFAR-like image.
    auto ds = std::make_shared<InMemoryDataset>(ImageShape{1, 2, 3}, 10, std::vector<uint8_t>{255, 255, 255, 0, 0, 0},
                                                std::vector<int32_t>{0}, "two pixels");
    BatchLoader loader(ds, LoaderOptions::evaluation(DatasetKind::Cifar10, 1));
    const Batch b = loader.batch(0);
    ASSERT_EQ(b.layout, Layout::NCHW);
    EXPECT_NEAR(b.images[0], 2.0591, 1e-4);   // channel 0, x 0: (1 - 0.4914) / 0.2470
    EXPECT_NEAR(b.images[1], -1.9895, 1e-4);  // channel 0, x 1: -0.4914 / 0.2470
    EXPECT_NEAR(b.images[5], -1.7068, 1e-4);  // channel 2, x 1: -0.4465 / 0.2616
}

// True when `out` (NHWC, normalized with mean 0 std 1) is the window at (dy, dx) of `image` padded by `pad`
// zeros, mirrored when `flip`.
bool is_window(const std::vector<float>& out, size_t offset, const Example& e, int side, int ch, int pad, int dy,
               int dx, bool flip)
{
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            const int sy = y + dy - pad, sx = (flip ? side - 1 - x : x) + dx - pad;
            for (int c = 0; c < ch; ++c) {
                const bool inside = sy >= 0 && sy < side && sx >= 0 && sx < side;
                const uint8_t p = inside ? e.image[static_cast<size_t>((sy * side + sx) * ch + c)] : 0;
                if (out[offset + static_cast<size_t>((y * side + x) * ch + c)] != float(p) / 255.0f) {
                    return false;
                }
            }
        }
    }
    return true;
}

TEST(Loader, CropAndFlipKeepTheShapeAndShowAWindowOfThePaddedImage)
{
    const auto base = synthetic(40, 6, 2);
    LoaderOptions o;
    o.batch_size = 16;
    o.layout = Layout::NHWC;
    o.augmentation = {2, true};
    o.seed = 3;
    BatchLoader loader(base, o);
    std::set<std::pair<int, int>> offsets;
    int flips = 0;
    Batch b;
    while (loader.next(b)) {
        ASSERT_EQ(b.images.size(), static_cast<size_t>(b.size * 72));
        for (int64_t k = 0; k < b.size; ++k) {
            const Example e = base->get(b.indices[static_cast<size_t>(k)]);
            bool found = false;
            for (int dy = 0; dy <= 4 && !found; ++dy) {
                for (int dx = 0; dx <= 4 && !found; ++dx) {
                    for (bool flip : {false, true}) {
                        if (is_window(b.images, static_cast<size_t>(k * 72), e, 6, 2, 2, dy, dx, flip)) {
                            found = true;
                            offsets.insert({dy, dx});
                            flips += flip;
                            break;
                        }
                    }
                }
            }
            EXPECT_TRUE(found) << "image " << b.indices[static_cast<size_t>(k)] << " is no window of its padded self";
        }
    }
    EXPECT_GT(offsets.size(), 10u);  // 25 possible windows, 40 draws
    EXPECT_GT(flips, 5);
    EXPECT_LT(flips, 35);
}

TEST(Loader, FlipOnlyMirrorsEveryRowOrNone)
{
    const auto base = synthetic(20, 3, 1);
    LoaderOptions o;
    o.batch_size = 20;
    o.layout = Layout::NHWC;
    o.augmentation.horizontal_flip = true;
    o.shuffle = false;
    BatchLoader loader(base, o);
    const Batch b = loader.batch(0);
    for (int64_t k = 0; k < 20; ++k) {
        const Example e = base->get(k);
        const bool same = is_window(b.images, static_cast<size_t>(k * 9), e, 3, 1, 0, 0, 0, false);
        const bool mirrored = is_window(b.images, static_cast<size_t>(k * 9), e, 3, 1, 0, 0, 0, true);
        EXPECT_TRUE(same || mirrored) << "image " << k;
    }
}

TEST(Loader, EpochsAreShuffledPermutationsReproducibleBySeedAndEpoch)
{
    const auto base = synthetic(50);
    LoaderOptions o;
    o.batch_size = 8;
    o.augmentation = {1, true};
    o.seed = 11;
    BatchLoader loader(base, o);
    const auto epoch_order = [&](int64_t epoch) {
        loader.start_epoch(epoch);
        std::vector<int64_t> order;
        std::vector<float> pixels;
        Batch b;
        while (loader.next(b)) {
            order.insert(order.end(), b.indices.begin(), b.indices.end());
            pixels.insert(pixels.end(), b.images.begin(), b.images.end());
        }
        return std::make_pair(order, pixels);
    };
    const auto e0 = epoch_order(0), e1 = epoch_order(1), e0_again = epoch_order(0);
    EXPECT_EQ(std::set<int64_t>(e0.first.begin(), e0.first.end()).size(), 50u);
    EXPECT_EQ(e0.first.size(), 50u);
    EXPECT_NE(e0.first, e1.first);
    EXPECT_EQ(e0.first, e0_again.first);
    EXPECT_EQ(e0.second, e0_again.second);  // same crops and flips too
    BatchLoader other(base, o);
    EXPECT_EQ(other.batch(2).images, [&] { loader.start_epoch(0); return loader.batch(2).images; }());
    o.drop_last = true;
    EXPECT_EQ(BatchLoader(base, o).batches_per_epoch(), 6);
}

TEST(Loader, BadOptionsAreErrors)
{
    const auto base = synthetic(4);
    LoaderOptions o;
    o.batch_size = 0;
    expect_error([&] { BatchLoader(base, o); }, {"batch size 0"});
    o.batch_size = 2;
    o.augmentation.crop_padding = 5;
    expect_error([&] { BatchLoader(base, o); }, {"crop padding 5", "[0, 4]"});
    o.augmentation.crop_padding = 0;
    o.normalization = {{0.5f}, {0.5f}};
    expect_error([&] { BatchLoader(base, o); }, {"1 means for 3 channels"});
    o.normalization = {{0.5f, 0.5f, 0.5f}, {0.5f, 0.0f, 0.5f}};
    expect_error([&] { BatchLoader(base, o); }, {"std 0 of channel 1"});
}

TEST(Quantize, RoundsHalfAwayFromZeroAndSaturates)
{
    EXPECT_EQ(quantize_value(0.0f, 0.5f, -3), -3);
    EXPECT_EQ(quantize_value(0.25f, 0.5f, 0), 1);    // 0.5 -> 1
    EXPECT_EQ(quantize_value(-0.25f, 0.5f, 0), -1);  // -0.5 -> -1
    EXPECT_EQ(quantize_value(0.74f, 0.5f, 10), 11);
    EXPECT_EQ(quantize_value(100.0f, 0.5f, 0), 127);
    EXPECT_EQ(quantize_value(-100.0f, 0.5f, 0), -128);
    EXPECT_EQ(quantize_value(1.0f, 1.0f / 64, 127), 127);
    expect_error([] { check_input_quantization(0.0f, 0); }, {"scale 0"});
    expect_error([] { check_input_quantization(1.0f, 128); }, {"zero point 128", "[-128, 127]"});
}

TEST(Quantize, NchwBatchBecomesNhwcInt8LikeTheImageHelper)
{
    const auto base = synthetic(3);
    const Normalization norm = Normalization::defaults_for(DatasetKind::Cifar10);
    const float scale = 0.03f;
    const int32_t zp = -5;
    BatchLoader loader(base, LoaderOptions::evaluation(DatasetKind::Cifar10, 3));
    const Batch b = loader.batch(0);
    const std::vector<int8_t> q = quantize_batch_nhwc(b, scale, zp);
    ASSERT_EQ(q.size(), 3u * 48);
    for (int64_t n = 0; n < 3; ++n) {
        const std::vector<int8_t> one = quantize_image(*base, n, norm, scale, zp);
        const Example e = base->get(n);
        for (size_t k = 0; k < 48; ++k) {
            const int c = static_cast<int>(k % 3);
            const double x = normalized(e.image[k], norm.mean[static_cast<size_t>(c)], norm.stddev[static_cast<size_t>(c)]);
            const long expected = std::clamp(std::lround(x / scale) + zp, -128l, 127l);
            ASSERT_EQ(q[static_cast<size_t>(n) * 48 + k], expected) << "image " << n << " hwc " << k;
            ASSERT_EQ(one[k], expected) << "image " << n << " hwc " << k;
        }
    }
}

TEST(DebianFashionMnist, InstalledFilesHaveThePublishedSizes)
{
    if (!std::filesystem::exists(kDebianFashionMnistDir)) {
        GTEST_SKIP() << kDebianFashionMnistDir << " is absent (Debian package dataset-fashion-mnist)";
    }
    const auto train = open_dataset(DatasetKind::FashionMnist, "", Split::Train);
    const auto test = open_dataset(DatasetKind::FashionMnist, "", Split::Test);
    EXPECT_EQ(train->size(), 60000);
    EXPECT_EQ(test->size(), 10000);
    EXPECT_EQ(train->image_shape(), (ImageShape{28, 28, 1}));
    std::vector<int64_t> histogram(10);
    for (int64_t i = 0; i < test->size(); ++i) {
        ++histogram[static_cast<size_t>(test->label(i))];
    }
    EXPECT_EQ(histogram, std::vector<int64_t>(10, 1000));
}

}  // namespace
}  // namespace tinyformer::toolkit
