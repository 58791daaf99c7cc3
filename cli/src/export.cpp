// tinyformer export: compress's float model -> int8 QDQ ONNX (candidate.h export_int8).
#include "export.h"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/candidate.h"

namespace tinyformer::cli {
namespace fs = std::filesystem;
using namespace tinyformer::toolkit;
using nlohmann::json;

namespace {

// compress.json's key, or `fallback` when the file or the key is absent.
template <typename T>
T recorded(const json& settings, const char* key, T fallback)
{
    return settings.contains(key) ? settings.at(key).get<T>() : fallback;
}

}  // namespace

void run_export(const ExportOptions& o)
{
    TF_CHECK(!o.in.empty(), "--in: the output folder of tinyformer compress is required");
    TF_CHECK(o.calibration_batches >= 1, "--calibration-batches = ", o.calibration_batches, " must be >= 1");
    SinglePathModel model = load_checkpoint(o.in, "--in");
    const fs::path settings_path = fs::path(o.in) / "compress.json";
    json settings = json::object();
    if (fs::exists(settings_path)) {
        try {
            settings = json::parse(read_text_file(settings_path.string(), "--in"));
        } catch (const json::exception& e) {
            TF_CHECK(false, "--in '", o.in, "': compress.json is not valid JSON (", e.what(), ")");
        }
    }
    const uint64_t seed = recorded<uint64_t>(settings, "seed", 1);
    TrainingData data;
    try {
        const std::string dataset =
            o.dataset.empty() ? recorded<std::string>(settings, "dataset", "fashion-mnist") : o.dataset;
        const std::string data_dir = o.data_dir.empty() ? recorded<std::string>(settings, "data_dir", "") : o.data_dir;
        data = training_data(dataset, data_dir, recorded<int64_t>(settings, "limit_train", 0),
                             recorded<double>(settings, "validation", 0.0), seed);
    } catch (const json::exception& e) {
        TF_CHECK(false, "--in '", o.in, "': compress.json has a key of the wrong type (", e.what(), ")");
    }
    check_input_shape(model.config(), *data.train, "--in '" + o.in + "': the model");

    CandidateOptions options;
    options.batch_size = recorded<int64_t>(settings, "batch_size", 64);
    options.seed = seed;
    options.calibration_batches = o.calibration_batches;
    options.work_dir = o.out.empty() ? o.in : o.out;
    options.log = [](const std::string& line) { std::cout << line << "\n" << std::flush; };
    const std::string onnx = export_int8(model, CandidateData{data.kind, data.train, nullptr, nullptr}, options);
    std::cout << "next: tinyformer eval --onnx " << onnx << " --dataset " << to_string(data.kind)
              << "; tinyformer deploy --onnx " << onnx << " --out DIR\n";
}

}  // namespace tinyformer::cli
