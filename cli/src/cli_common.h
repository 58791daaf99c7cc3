// Small helpers the `tinyformer` subcommands share.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/resources.h"

namespace tinyformer::cli {

// "12.34%" for a fraction in [0, 1].
std::string percent(double fraction);

// "a, b, c".
std::string joined(const std::vector<std::string>& names);

double seconds_since(std::chrono::steady_clock::time_point start);

// The first `limit` images of `base` (all when limit is 0). Throws
// engine::Error naming `flag` when limit is negative or beyond the data.
std::shared_ptr<const toolkit::Dataset> first_images(std::shared_ptr<const toolkit::Dataset> base, int64_t limit,
                                                     const std::string& flag);

// The text of a file a flag names; throws engine::Error naming `flag` and
// the path when it cannot be read.
std::string read_text_file(const std::string& path, const std::string& flag);

// An ONNX file (the int8 QDQ export) imported and compiled; errors name `flag` and the path.
engine::CompiledModel compile_onnx(const std::string& path, const std::string& flag);

// --arch: a name of architecture_names(), an architecture JSON file
// (architecture_json.h), or a search.json (its "chosen" architecture).
toolkit::ArchConfig architecture_of(const std::string& arch);

// The training images of a run: the dataset's training split (its first
// `limit_train`), less a `validation` fraction held out (seeded); the
// validation part is null when validation is 0. Errors name the flags.
struct TrainingData {
    toolkit::DatasetKind kind = toolkit::DatasetKind::FashionMnist;
    std::shared_ptr<const toolkit::Dataset> train, validation;
};
TrainingData training_data(const std::string& dataset, const std::string& data_dir, int64_t limit_train,
                           double validation, uint64_t seed);

// A folder `tinyformer compress` wrote: architecture.json and model.pt (BatchNorm not folded).
toolkit::SinglePathModel load_checkpoint(const std::string& dir, const std::string& flag);

}  // namespace tinyformer::cli
