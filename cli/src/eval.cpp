// tinyformer eval: top-1 of an int8 model on the host interpreter (quantize.h
// int8_accuracy), or of a float checkpoint (Trainer::evaluate), on the test or
// training split, or on the validation split a compress run held out
// (rebuilt by cli_common.h training_data from the flags and compress.json).
#include "eval.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "cli_common.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/toolkit/candidate.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/quantize.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::cli {
namespace fs = std::filesystem;
using namespace tinyformer::toolkit;
using nlohmann::json;

namespace {

// The compress.json of the --checkpoint folder, or of the folder holding the
// --onnx file; path "" when there is none.
struct CompressSettings {
    std::string flag;  // --checkpoint or --onnx: what errors about the file name
    std::string path;
    json settings = json::object();
};

CompressSettings compress_settings(const EvalOptions& o)
{
    CompressSettings c;
    c.flag = o.onnx.empty() ? "--checkpoint '" + o.checkpoint + "'" : "--onnx '" + o.onnx + "'";
    const fs::path folder = o.onnx.empty() ? fs::path(o.checkpoint) : fs::path(o.onnx).parent_path();
    const fs::path path = folder / "compress.json";
    if (!fs::is_regular_file(path)) {
        return c;
    }
    c.path = path.string();
    try {
        c.settings = json::parse(read_text_file(c.path, c.flag));
    } catch (const json::exception& e) {
        TF_CHECK(false, c.flag, ": ", c.path, " is not valid JSON (", e.what(), ")");
    }
    TF_CHECK(c.settings.is_object(), c.flag, ": ", c.path, " is not a JSON object (tinyformer compress writes one)");
    return c;
}

// compress.json's `key`, or nothing when the file or the key is absent.
template <typename T>
std::optional<T> recorded(const CompressSettings& c, const char* key)
{
    if (!c.settings.contains(key)) {
        return std::nullopt;
    }
    try {
        return c.settings.at(key).get<T>();
    } catch (const json::exception& e) {
        TF_CHECK(false, c.flag, ": ", c.path, " has \"", key, "\" of the wrong type (", e.what(), ")");
    }
    return std::nullopt;
}

std::string text_of(double value)
{
    std::ostringstream s;
    s << value;
    return s.str();
}

// One parameter of the validation split: its value as text, and whether it
// came from its flag, from compress.json or from compress's default.
enum class Source { Flag, CompressJson, Default };
struct SplitParameter {
    const char* flag;  // --validation
    const char* key;   // validation (compress.json's key)
    std::string value;
    Source source;
};

// "--validation 0.25 --seed 3; limit_train 0 of run/compress.json": each
// parameter with where it came from, grouped by source.
std::string origin_of(const std::vector<SplitParameter>& parameters, const CompressSettings& c)
{
    std::string flags, recorded_keys, defaults;
    for (const SplitParameter& p : parameters) {
        if (p.source == Source::Flag) {
            flags += (flags.empty() ? "" : " ") + std::string(p.flag) + " " + p.value;
        } else {
            std::string& group = p.source == Source::CompressJson ? recorded_keys : defaults;
            group += (group.empty() ? "" : ", ") + std::string(p.key) + " " + p.value;
        }
    }
    std::string origin = flags;
    if (!recorded_keys.empty()) {
        origin += (origin.empty() ? "" : "; ") + recorded_keys + " of " + c.path;
    }
    if (!defaults.empty()) {
        origin += (origin.empty() ? "" : "; ") + defaults + " (compress's defaults)";
    }
    return origin;
}

// The validation images `tinyformer compress --validation F --seed S
// --limit-train N` held out: each parameter from its flag, else from
// compress.json (seed and limit also from compress's defaults). `origin` gets
// where they came from.
std::shared_ptr<const Dataset> validation_split(const EvalOptions& o, const CompressSettings& c,
                                                const std::string& dataset, const std::string& data_dir,
                                                std::string& origin)
{
    const std::optional<double> recorded_validation = recorded<double>(c, "validation");
    const std::string where = c.path.empty() ? "no compress.json in the " + c.flag + " folder" : c.path;
    TF_CHECK(o.validation || recorded_validation, "--split validation: no --validation fraction given, and ", where,
             c.path.empty() ? "" : " records none",
             " (give --validation F, the fraction tinyformer compress --validation held out)");
    if (o.validation) {
        TF_CHECK(*o.validation > 0.0 && *o.validation < 1.0, "--validation = ", *o.validation,
                 " must be in (0, 1) with --split validation (the fraction of the training images held out)");
    } else {
        TF_CHECK(*recorded_validation > 0.0 && *recorded_validation < 1.0, "--split validation: ", c.path,
                 " records validation ", *recorded_validation,
                 *recorded_validation == 0.0 ? " (that compress run held no images out and measured on the test split)"
                                             : " (not a fraction in (0, 1))",
                 "; give --validation F in (0, 1)");
    }
    const double validation = o.validation ? *o.validation : *recorded_validation;
    const std::optional<uint64_t> recorded_seed = recorded<uint64_t>(c, "seed");
    const uint64_t seed = o.seed ? *o.seed : recorded_seed.value_or(1);  // compress's --seed default
    const std::optional<int64_t> recorded_limit = recorded<int64_t>(c, "limit_train");
    const int64_t limit_train = o.limit_train ? *o.limit_train : recorded_limit.value_or(0);

    const auto source = [](bool flag, bool recorded_value) {
        return flag ? Source::Flag : recorded_value ? Source::CompressJson : Source::Default;
    };
    origin = origin_of({{"--validation", "validation", text_of(validation), source(o.validation.has_value(), true)},
                        {"--seed", "seed", std::to_string(seed), source(o.seed.has_value(), recorded_seed.has_value())},
                        {"--limit-train", "limit_train", std::to_string(limit_train),
                         source(o.limit_train.has_value(), recorded_limit.has_value())}},
                       c);
    TrainingData data;
    try {
        data = training_data(dataset, data_dir, limit_train, validation, seed);
    } catch (const engine::Error& e) {
        TF_CHECK(false, "--split validation (", origin, "): ", e.what());
    }
    TF_CHECK(data.validation && data.validation->size() > 0, "--split validation (", origin, "): a fraction ",
             validation, " of the ", data.train->size() + (data.validation ? data.validation->size() : 0),
             " training images holds out no image");
    return data.validation;
}

}  // namespace

void run_eval(const EvalOptions& o)
{
    TF_CHECK(o.onnx.empty() != o.checkpoint.empty(), "--onnx '", o.onnx, "' / --checkpoint '", o.checkpoint,
             "': give exactly one (an int8 ONNX model or a tinyformer compress folder)");
    TF_CHECK(o.split == "test" || o.split == "train" || o.split == "validation", "--split '", o.split,
             "' must be test, train or validation");
    std::vector<std::string> split_flags;
    if (o.validation) {
        split_flags.push_back("--validation");
    }
    if (o.seed) {
        split_flags.push_back("--seed");
    }
    if (o.limit_train) {
        split_flags.push_back("--limit-train");
    }
    TF_CHECK(o.split == "validation" || split_flags.empty(), joined(split_flags),
             ": only with --split validation (they rebuild the images compress held out); --split is '", o.split,
             "'");
    TF_CHECK(o.threads >= 0, "--threads = ", o.threads, " must be >= 0");
    TF_CHECK(!o.float_layernorm || !o.onnx.empty(), "--float-layernorm applies to an int8 model (--onnx) only");

    const CompressSettings settings = compress_settings(o);
    const std::string dataset =
        o.dataset.empty() ? recorded<std::string>(settings, "dataset").value_or("fashion-mnist") : o.dataset;
    const std::string data_dir = o.data_dir.empty() ? recorded<std::string>(settings, "data_dir").value_or("")
                                                    : o.data_dir;
    const DatasetKind kind = parse_dataset_kind(dataset);
    std::string origin;
    const auto split = o.split == "validation" ? validation_split(o, settings, dataset, data_dir, origin)
                                               : open_dataset(kind, data_dir, parse_split(o.split));
    const auto data = first_images(split, o.limit, "--limit");
    const std::string images = std::to_string(data->size()) + " " + o.split + " images";
    const std::string split_origin = origin.empty() ? "" : "; split: " + origin;

    if (!o.onnx.empty()) {
        const engine::CompiledModel model = compile_onnx(o.onnx, "--onnx");
        engine::InterpreterOptions interpreter;
        interpreter.float_layernorm = o.float_layernorm;
        const Int8Accuracy a =
            int8_accuracy(model, *data, Normalization::defaults_for(kind), 0, interpreter, o.threads);
        std::cout << "int8 accuracy: " << percent(a.top1()) << " (" << a.correct << " of " << images
                  << ", HostInterpreter" << (o.float_layernorm ? ", float LayerNorm" : "") << split_origin << ")\n";
        return;
    }
    SinglePathModel model = load_checkpoint(o.checkpoint, "--checkpoint");
    check_input_shape(model.config(), *data, "--checkpoint '" + o.checkpoint + "': the model");
    TrainerOptions options;
    options.threads = o.threads;
    BatchLoader loader(data, LoaderOptions::evaluation(kind, 256));
    const EvalResult r = Trainer(options).evaluate(model, loader);
    const auto correct = static_cast<int64_t>(std::llround(r.accuracy * static_cast<double>(r.examples)));
    std::cout << "fp32 accuracy: " << percent(r.accuracy) << " (" << correct << " of " << images << ", LibTorch"
              << split_origin << ")\n";
}

}  // namespace tinyformer::cli
