#include "cli_common.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <vector>

#include "tinyformer/engine/error.h"
#include "tinyformer/engine/onnx_import.h"
#include "tinyformer/toolkit/architecture_json.h"
#include "tinyformer/toolkit/dataset_split.h"

namespace tinyformer::cli {

std::string percent(double fraction)
{
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << 100.0 * fraction << "%";
    return s.str();
}

std::string joined(const std::vector<std::string>& names)
{
    std::string text;
    for (const std::string& name : names) {
        text += (text.empty() ? "" : ", ") + name;
    }
    return text;
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::shared_ptr<const toolkit::Dataset> first_images(std::shared_ptr<const toolkit::Dataset> base, int64_t limit,
                                                     const std::string& flag)
{
    TF_CHECK(limit >= 0, flag, " = ", limit, " must be >= 0 (0: every image)");
    if (limit == 0 || limit == base->size()) {
        return base;
    }
    TF_CHECK(limit <= base->size(), flag, " = ", limit, " exceeds the ", base->size(), " images of ",
             base->description());
    std::vector<int64_t> indices(static_cast<size_t>(limit));
    std::iota(indices.begin(), indices.end(), int64_t{0});
    return std::make_shared<toolkit::SubsetDataset>(base, std::move(indices), flag + " subset");
}

std::string read_text_file(const std::string& path, const std::string& flag)
{
    TF_CHECK(!std::filesystem::is_directory(path), flag, " '", path, "': a folder, not a file");
    std::ifstream file(path, std::ios::binary);
    TF_CHECK(file.good(), flag, " '", path, "': cannot open the file");
    std::stringstream text;
    text << file.rdbuf();
    TF_CHECK(!file.bad(), flag, " '", path, "': cannot read the file");
    return text.str();
}

engine::CompiledModel compile_onnx(const std::string& path, const std::string& flag)
{
    TF_CHECK(std::filesystem::is_regular_file(path), flag, " '", path, "': no such file (an int8 ONNX model, e.g. ",
             "the model.onnx of tinyformer export)");
    try {
        return engine::compile(engine::import_onnx(path));
    } catch (const std::exception& e) {
        TF_CHECK(false, flag, " '", path, "': not a model the engine compiles: ", e.what());
    }
    return {};
}

toolkit::ArchConfig architecture_of(const std::string& arch)
{
    const std::vector<std::string> names = toolkit::architecture_names();
    if (std::find(names.begin(), names.end(), arch) != names.end()) {
        return toolkit::named_architecture(arch);
    }
    TF_CHECK(std::filesystem::is_regular_file(arch), "--arch '", arch, "': not an architecture name (",
             joined(names), ") and no such JSON file");
    const std::string text = read_text_file(arch, "--arch");
    try {
        const nlohmann::json j = nlohmann::json::parse(text);
        // A search.json: the architecture the search chose.
        return toolkit::arch_config_from_json(j.is_object() && j.contains("chosen") ? j.at("chosen").dump() : text);
    } catch (const std::exception& e) {
        TF_CHECK(false, "--arch '", arch, "': not an architecture JSON file: ", e.what());
    }
    return {};
}

TrainingData training_data(const std::string& dataset, const std::string& data_dir, int64_t limit_train,
                           double validation, uint64_t seed)
{
    TF_CHECK(validation >= 0.0 && validation < 1.0, "--validation = ", validation, " must be in [0, 1)");
    TrainingData d;
    d.kind = toolkit::parse_dataset_kind(dataset);
    d.train = first_images(toolkit::open_dataset(d.kind, data_dir, toolkit::Split::Train), limit_train,
                           "--limit-train");
    if (validation > 0.0) {
        toolkit::TrainValidation split = toolkit::split_train_validation(d.train, validation, seed);
        d.train = split.train;
        d.validation = split.validation;
    }
    return d;
}

toolkit::SinglePathModel load_checkpoint(const std::string& dir, const std::string& flag)
{
    const std::filesystem::path folder(dir);
    TF_CHECK(std::filesystem::is_directory(folder), flag, " '", dir,
             "': no such folder (the --out of tinyformer compress)");
    const std::string json_path = (folder / "architecture.json").string();
    const std::string text = read_text_file(json_path, flag);
    toolkit::ArchConfig config;
    try {
        config = toolkit::arch_config_from_json(text);
    } catch (const engine::Error& e) {
        TF_CHECK(false, flag, " '", json_path, "': not an architecture JSON file: ", e.what());
    }
    const std::string weights = (folder / "model.pt").string();
    TF_CHECK(std::filesystem::is_regular_file(weights), flag, " '", dir,
             "': no model.pt (tinyformer compress writes it when training ends)");
    toolkit::SinglePathModel model(config, toolkit::ModelOptions{true, 1});
    try {
        model.load(weights);
    } catch (const std::exception& e) {
        TF_CHECK(false, flag, " '", weights, "': not the weights of ", json_path, ": ", e.what());
    }
    return model;
}

}  // namespace tinyformer::cli
