// Downsampled ImageNet npz batches (format in dataset_formats.h), read with libzip.
#include <zip.h>

#include <cmath>
#include <memory>

#include "dataset_io.h"
#include "dataset_npy.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset_formats.h"

namespace tinyformer::toolkit {
namespace {

// An open npz archive (closed on destruction).
class NpzArchive {
public:
    explicit NpzArchive(const std::string& path) : path_(path)
    {
        TF_CHECK(detail::file_exists(path), "ImageNet-32 npz file '", path, "' does not exist");
        int code = 0;
        zip_ = zip_open(path.c_str(), ZIP_RDONLY, &code);
        if (zip_ == nullptr) {
            zip_error_t error;
            zip_error_init_with_code(&error, code);
            const std::string why = zip_error_strerror(&error);
            zip_error_fini(&error);
            TF_CHECK(false, "ImageNet-32 npz file '", path, "' is not a readable zip archive (libzip: ", why,
                     "); truncated or not an npz");
        }
    }
    ~NpzArchive() { zip_discard(zip_); }
    NpzArchive(const NpzArchive&) = delete;
    NpzArchive& operator=(const NpzArchive&) = delete;

    bool has(const std::string& array) const { return zip_name_locate(zip_, (array + ".npy").c_str(), 0) >= 0; }

    std::string entry_names() const
    {
        std::string names;
        const zip_int64_t n = zip_get_num_entries(zip_, 0);
        for (zip_int64_t i = 0; i < n; ++i) {
            const char* name = zip_get_name(zip_, static_cast<zip_uint64_t>(i), 0);
            names += (i ? ", " : "") + std::string(name ? name : "?");
        }
        return names.empty() ? "none" : names;
    }

    const std::string& path() const { return path_; }
    zip_t* handle() const { return zip_; }

private:
    std::string path_;
    zip_t* zip_ = nullptr;
};

// One array of an npz, read sequentially: header first, then the elements.
class NpyReader {
public:
    NpyReader(const NpzArchive& npz, const std::string& array)
        : where_("ImageNet-32 npz file '" + npz.path() + "', array '" + array + "'")
    {
        const std::string entry = array + ".npy";
        const zip_int64_t index = zip_name_locate(npz.handle(), entry.c_str(), 0);
        TF_CHECK(index >= 0, "ImageNet-32 npz file '", npz.path(), "' has no array '", array, "' (expected an entry ",
                 entry, "; entries: ", npz.entry_names(), ")");
        zip_stat_t st;
        zip_stat_init(&st);
        TF_CHECK(zip_stat_index(npz.handle(), static_cast<zip_uint64_t>(index), 0, &st) == 0 &&
                     (st.valid & ZIP_STAT_SIZE),
                 where_, ": cannot read the entry's size (libzip: ", zip_strerror(npz.handle()), ")");
        entry_size_ = static_cast<int64_t>(st.size);
        file_.reset(zip_fopen_index(npz.handle(), static_cast<zip_uint64_t>(index), 0));
        TF_CHECK(file_ != nullptr, where_, ": cannot open the entry (libzip: ", zip_strerror(npz.handle()), ")");

        std::vector<uint8_t> head(12);
        read(head.data(), 8, "the .npy preamble");
        const int64_t preamble = detail::npy_preamble_size(head.data(), 8, where_);
        read(head.data() + 8, preamble - 8, "the .npy preamble");
        int64_t header_len = int64_t{head[8]} | (int64_t{head[9]} << 8);
        if (preamble == 12) {
            header_len |= (int64_t{head[10]} << 16) | (int64_t{head[11]} << 24);
        }
        TF_CHECK(header_len <= (1 << 20), where_, ": .npy header length ", header_len, " is implausible");
        head.resize(static_cast<size_t>(preamble + header_len));
        read(head.data() + preamble, header_len, "the .npy header");
        header_ = detail::parse_npy_header(head.data(), static_cast<int64_t>(head.size()), where_);
        const int64_t expected = header_.data_offset + header_.data_bytes();
        TF_CHECK(entry_size_ >= expected, where_, " is truncated: the header announces shape ", header_.shape_string(),
                 " of '", header_.descr, "' (", expected, " bytes), found ", entry_size_, " bytes");
        TF_CHECK(entry_size_ == expected, where_, " is malformed: ", entry_size_ - expected,
                 " bytes follow the data of shape ", header_.shape_string(), " of '", header_.descr, "'");
    }

    const detail::NpyHeader& header() const { return header_; }
    const std::string& where() const { return where_; }

    // Reads exactly `n` bytes of the entry; `what` names them for messages.
    void read(uint8_t* out, int64_t n, const char* what)
    {
        int64_t done = 0;
        while (done < n) {
            const zip_int64_t got = zip_fread(file_.get(), out + done, static_cast<zip_uint64_t>(n - done));
            TF_CHECK(got >= 0, where_, ": cannot read ", what, " (libzip: ", zip_file_strerror(file_.get()),
                     "); the file is corrupt or truncated");
            TF_CHECK(got > 0, where_, " is truncated: ", what, " needs ", n, " bytes, found ", done);
            done += got;
        }
    }

private:
    std::string where_;
    // Closed by the deleter also when the constructor throws (after opening).
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file_{nullptr, zip_fclose};
    int64_t entry_size_ = 0;
    detail::NpyHeader header_;
};

struct Batch {
    int32_t side = 0;
    int64_t count = 0;
};

// Appends one npz's images (HWC) and 0-based labels.
Batch read_npz(const std::string& path, int32_t num_classes, std::vector<uint8_t>& pixels, std::vector<int32_t>& labels)
{
    const NpzArchive npz(path);
    Batch batch;
    {
        NpyReader data(npz, "data");
        const detail::NpyHeader& h = data.header();
        TF_CHECK(h.kind == 'u' && h.item_size == 1, data.where(), ": dtype '", h.descr,
                 "' is not uint8 (expected '|u1')");
        TF_CHECK(h.shape.size() == 2, data.where(), ": shape ", h.shape_string(),
                 " is not (N, 3*S*S), e.g. (N, 3072) for 32x32 images");
        const int64_t row = h.shape[1];
        const auto side = static_cast<int32_t>(std::lround(std::sqrt(static_cast<double>(row) / 3.0)));
        TF_CHECK(row > 0 && int64_t{3} * side * side == row, data.where(), ": shape ", h.shape_string(),
                 " is not (N, 3*S*S): ", row, " values per row are not 3 square colour planes (3072 for 32x32)");
        batch.side = side;
        batch.count = h.shape[0];
        const int64_t plane = int64_t{side} * side;
        const size_t base = pixels.size();
        pixels.resize(base + static_cast<size_t>(batch.count * row));
        uint8_t* out = pixels.data() + base;
        if (!h.fortran_order) {
            std::vector<uint8_t> chw(static_cast<size_t>(row));
            for (int64_t n = 0; n < batch.count; ++n) {
                data.read(chw.data(), row, "the image data");
                uint8_t* hwc = out + n * row;
                for (int64_t p = 0; p < plane; ++p) {
                    for (int64_t c = 0; c < 3; ++c) {
                        hwc[p * 3 + c] = chw[static_cast<size_t>(c * plane + p)];
                    }
                }
            }
        } else {  // column-major: element (n, j) at j * N + n
            std::vector<uint8_t> all(static_cast<size_t>(batch.count * row));
            data.read(all.data(), batch.count * row, "the image data");
            for (int64_t n = 0; n < batch.count; ++n) {
                for (int64_t p = 0; p < plane; ++p) {
                    for (int64_t c = 0; c < 3; ++c) {
                        out[n * row + p * 3 + c] = all[static_cast<size_t>((c * plane + p) * batch.count + n)];
                    }
                }
            }
        }
    }
    {
        NpyReader labels_array(npz, "labels");
        const detail::NpyHeader& h = labels_array.header();
        const bool integer = (h.kind == 'i' || h.kind == 'u') &&
                             (h.item_size == 1 || h.item_size == 2 || h.item_size == 4 || h.item_size == 8);
        TF_CHECK(integer, labels_array.where(), ": dtype '", h.descr,
                 "' is not an integer type (expected e.g. '<i8' or '|u1')");
        TF_CHECK(h.shape.size() == 1 && h.shape[0] == batch.count, labels_array.where(), ": shape ", h.shape_string(),
                 " does not match the ", batch.count, " images of 'data' (expected (", batch.count, ",))");
        std::vector<uint8_t> raw(static_cast<size_t>(h.data_bytes()));
        labels_array.read(raw.data(), h.data_bytes(), "the labels");
        for (int64_t n = 0; n < batch.count; ++n) {
            const int64_t one_based = detail::npy_integer_at(h, raw.data(), n);
            TF_CHECK(one_based >= 1 && one_based <= num_classes, labels_array.where(), ": label ", one_based,
                     " of image ", n, " is out of range (expected 1-based labels in [1, ", num_classes, "])");
            labels.push_back(static_cast<int32_t>(one_based - 1));
        }
    }
    return batch;
}

InMemoryDataset read_imagenet32(const std::vector<std::string>& paths, int32_t num_classes)
{
    TF_CHECK(!paths.empty(), "ImageNet-32: no npz files given");
    TF_CHECK(num_classes > 0, "ImageNet-32: num_classes ", num_classes, " must be positive");
    // Reserve once from the headers: the train split is 3.9 GB, and growing the
    // vector file by file would briefly need twice that.
    int64_t total_bytes = 0;
    for (const std::string& path : paths) {
        const NpzArchive npz(path);
        total_bytes += NpyReader(npz, "data").header().data_bytes();
    }
    std::vector<uint8_t> pixels;
    pixels.reserve(static_cast<size_t>(total_bytes));
    std::vector<int32_t> labels;
    int32_t side = 0;
    for (const std::string& path : paths) {
        const Batch b = read_npz(path, num_classes, pixels, labels);
        TF_CHECK(side == 0 || b.side == side, "ImageNet-32 npz file '", path, "' holds ", b.side, "x", b.side,
                 " images but '", paths.front(), "' holds ", side, "x", side);
        side = b.side;
    }
    std::string description = "ImageNet-32 '" + paths.front() + "'";
    if (paths.size() > 1) {
        description += " + " + std::to_string(paths.size() - 1) + " more";
    }
    return InMemoryDataset(ImageShape{side, side, 3}, num_classes, std::move(pixels), std::move(labels), description);
}

}  // namespace

ImageNet32Dataset::ImageNet32Dataset(const std::vector<std::string>& npz_paths, int32_t num_classes)
    : InMemoryDataset(read_imagenet32(npz_paths, num_classes))
{
}

}  // namespace tinyformer::toolkit
