// CIFAR-10 binary batches (format in dataset_formats.h).
#include "dataset_io.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset_formats.h"

namespace tinyformer::toolkit {
namespace {

InMemoryDataset read_cifar10(const std::vector<std::string>& paths, int64_t records_per_file)
{
    constexpr int32_t kSide = Cifar10Dataset::kSide;
    constexpr int64_t kRecord = Cifar10Dataset::kRecordBytes;
    constexpr int64_t kPlane = int64_t{kSide} * kSide;
    constexpr int32_t kClasses = 10;
    TF_CHECK(!paths.empty(), "CIFAR-10: no batch files given");
    TF_CHECK(records_per_file >= 0, "CIFAR-10: records_per_file ", records_per_file, " must be >= 0");
    std::vector<uint8_t> pixels;
    std::vector<int32_t> labels;
    for (const std::string& path : paths) {
        TF_CHECK(detail::file_exists(path), "CIFAR-10 batch file '", path, "' does not exist");
        const std::vector<uint8_t> bytes = detail::read_file(path);
        const auto size = static_cast<int64_t>(bytes.size());
        if (records_per_file > 0) {
            TF_CHECK(size >= records_per_file * kRecord, "CIFAR-10 batch file '", path, "' is truncated: expected ",
                     records_per_file * kRecord, " bytes (", records_per_file, " records of ", kRecord,
                     " bytes), found ", size);
            TF_CHECK(size == records_per_file * kRecord, "CIFAR-10 batch file '", path, "' has the wrong size: expected ",
                     records_per_file * kRecord, " bytes (", records_per_file, " records of ", kRecord,
                     " bytes), found ", size);
        }
        TF_CHECK(size > 0, "CIFAR-10 batch file '", path, "' is empty (expected records of ", kRecord, " bytes)");
        TF_CHECK(size % kRecord == 0, "CIFAR-10 batch file '", path, "' is truncated or not a CIFAR-10 batch: ", size,
                 " bytes is not a whole number of ", kRecord, "-byte records (1 label byte + 3072 pixel bytes; the "
                 "last record has ", size % kRecord, " bytes)");
        const int64_t records = size / kRecord;
        const size_t base = pixels.size();
        pixels.resize(base + static_cast<size_t>(records * kPlane * 3));
        for (int64_t r = 0; r < records; ++r) {
            const uint8_t* record = bytes.data() + r * kRecord;
            TF_CHECK(record[0] < kClasses, "CIFAR-10 batch file '", path, "': label ", int{record[0]}, " of record ",
                     r, " is out of range (expected < ", kClasses, ")");
            labels.push_back(record[0]);
            uint8_t* hwc = pixels.data() + base + static_cast<size_t>(r * kPlane * 3);
            for (int64_t p = 0; p < kPlane; ++p) {  // CHW planes -> HWC
                for (int64_t c = 0; c < 3; ++c) {
                    hwc[p * 3 + c] = record[1 + c * kPlane + p];
                }
            }
        }
    }
    std::string description = "CIFAR-10 '" + paths.front() + "'";
    if (paths.size() > 1) {
        description += " + " + std::to_string(paths.size() - 1) + " more";
    }
    return InMemoryDataset(ImageShape{kSide, kSide, 3}, kClasses, std::move(pixels), std::move(labels),
                           description);
}

}  // namespace

Cifar10Dataset::Cifar10Dataset(const std::vector<std::string>& batch_paths, int64_t records_per_file)
    : InMemoryDataset(read_cifar10(batch_paths, records_per_file))
{
}

}  // namespace tinyformer::toolkit
