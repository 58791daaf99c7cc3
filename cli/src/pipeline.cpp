// tinyformer pipeline: dataset -> trained (and pruned) float model -> int8 QDQ
// ONNX -> compiled engine model -> firmware C (docs/pipeline.md).
#include "pipeline.h"

#include "cli_common.h"
#include "firmware_io.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/model_report.h"
#include "tinyformer/toolkit/candidate.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_split.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/quantize.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::cli {
namespace fs = std::filesystem;
using namespace tinyformer::toolkit;

namespace {

// STM32F746: 320 KB SRAM, 1 MB flash. The arena and the constants must leave
// room for the stack, the runtime's code and the firmware main.
constexpr int64_t kF746SramBytes = 320 * 1024;
constexpr int64_t kF746FlashBytes = 1024 * 1024;

void check_options(const PipelineOptions& o)
{
    TF_CHECK(!o.out.empty(), "--out: an output folder is required");
    TF_CHECK(o.epochs >= 1, "--epochs = ", o.epochs, " must be >= 1");
    TF_CHECK(o.prune >= 0.0f && o.prune < 1.0f, "--prune = ", o.prune, " must be in [0, 1) (0: no pruning)");
    TF_CHECK(o.block == 2 || o.block == 4, "--block = ", o.block,
             " must be 2 or 4 (3x3 convolutions use blocks of 3 along the kernel width)");
    TF_CHECK(o.prune_epochs == -1 || o.prune_epochs >= 1, "--prune-epochs = ", o.prune_epochs, " must be >= 1");
    TF_CHECK(o.dense_below >= 0, "--dense-below = ", o.dense_below, " must be >= 0 (0: prune every layer)");
    TF_CHECK(o.threads >= 0, "--threads = ", o.threads, " must be >= 0 (0: LibTorch's default)");
    TF_CHECK(o.batch_size >= 1, "--batch-size = ", o.batch_size, " must be >= 1");
    TF_CHECK(o.lr > 0, "--lr = ", o.lr, " must be > 0");
    TF_CHECK(o.calibration_batches >= 1, "--calibration-batches = ", o.calibration_batches, " must be >= 1");
    TF_CHECK(o.validation >= 0.0 && o.validation < 1.0, "--validation = ", o.validation, " must be in [0, 1)");
    TF_CHECK(o.evaluate_on == "test" || o.evaluate_on == "validation", "--evaluate-on '", o.evaluate_on,
             "' must be test or validation");
    TF_CHECK(o.evaluate_on == "test" || o.validation > 0.0,
             "--evaluate-on validation needs a validation split: set --validation (e.g. 0.1)");
}

// One row per training epoch in <out>/history.csv (appended, so a resumed run
// continues the file), with the validation loss and accuracy when there is a
// validation split.
class History {
public:
    explicit History(const fs::path& path) : path_(path)
    {
        if (!fs::exists(path_)) {
            std::ofstream file(path_);
            file << "phase,epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,lr,seconds,"
                    "images_per_second\n";
            TF_CHECK(file.good(), "cannot write '", path_.string(), "'");
        }
    }

    void add(const std::string& phase, const EpochStats& s, const EvalResult* validation) const
    {
        std::ostringstream row;
        row << phase << "," << s.epoch + 1 << "," << s.loss << "," << s.accuracy << ",";
        if (validation != nullptr) {
            row << validation->loss << "," << validation->accuracy;
            std::cout << phase << " epoch " << s.epoch + 1 << ": validation accuracy " << percent(validation->accuracy)
                      << " (" << validation->examples << " images), training accuracy " << percent(s.accuracy)
                      << "\n"
                      << std::flush;
        } else {
            row << ",";
        }
        row << "," << s.last_lr << "," << s.seconds << "," << s.images_per_second << "\n";
        std::ofstream file(path_, std::ios::app);
        file << row.str();
        TF_CHECK(file.good(), "cannot append to '", path_.string(), "'");
    }

private:
    fs::path path_;
};

}  // namespace

void run_pipeline(const PipelineOptions& o)
{
    check_options(o);
    const auto start = std::chrono::steady_clock::now();
    const fs::path out(o.out);
    std::error_code ec;
    fs::create_directories(out, ec);
    TF_CHECK(!ec && fs::is_directory(out), "--out '", o.out, "': cannot create the folder: ", ec.message());

    // 1. Data.
    const DatasetKind kind = parse_dataset_kind(o.dataset);
    std::shared_ptr<const Dataset> train_set =
        first_images(open_dataset(kind, o.data_dir, Split::Train), o.limit_train, "--limit-train");
    std::shared_ptr<const Dataset> validation_set;
    if (o.validation > 0.0) {
        TrainValidation split = split_train_validation(train_set, o.validation, o.seed);
        train_set = split.train;
        validation_set = split.validation;
    }
    const auto test_set = o.evaluate_on == "validation"
                              ? validation_set
                              : first_images(open_dataset(kind, o.data_dir, Split::Test), o.limit_test, "--limit-test");
    const std::string test_name = o.evaluate_on == "validation" ? "validation" : "test";
    ArchConfig config = named_architecture(o.arch);
    const ImageShape shape = train_set->image_shape();
    TF_CHECK(shape.height == config.input_h && shape.width == config.input_w && shape.channels == config.input_c,
             "--arch ", o.arch, " takes ", config.input_h, "x", config.input_w, "x", config.input_c, " images; ",
             to_string(kind), " has ", shape.height, "x", shape.width, "x", shape.channels);
    config.classes = train_set->num_classes();
    const bool pruning = o.prune > 0.0f;
    if (pruning) {
        config.set_overall_sparsity(o.prune, o.block, o.dense_below);
    }
    std::cout << "== data: " << to_string(kind) << ", " << train_set->size() << " training, "
              << (validation_set ? validation_set->size() : 0) << " validation and "
              << (o.evaluate_on == "test" ? test_set->size() : 0) << " test images (final accuracies on the "
              << test_name << " images)\n"
              << "== model: --arch " << o.arch << ", " << parameter_count(config) << " parameters";
    if (pruning) {
        std::cout << " (" << effective_parameter_count(config) << " after pruning to " << o.prune << ", block "
                  << o.block << ")";
    }
    std::cout << "\n" << std::flush;

    // 2.-6. Dense training, AGP pruning, int8 export, compile, int8 accuracy (candidate.h), checkpointed in
    // --out: an interrupted run started again with the same flags continues where it stopped.
    SinglePathModel model(config, ModelOptions{true, o.seed});
    const History history(out / "history.csv");
    CandidateOptions options;
    options.epochs = o.epochs;
    options.prune_epochs = o.prune_epochs;
    options.lr = o.lr;
    options.batch_size = o.batch_size;
    options.threads = o.threads;
    options.seed = o.seed;
    options.calibration_batches = o.calibration_batches;
    options.work_dir = out.string();
    options.on_epoch_end = [&](const std::string& phase, const EpochStats& s, const EvalResult* v) {
        history.add(phase, s, v);
    };
    options.log = [](const std::string& line) { std::cout << line << "\n" << std::flush; };
    const CandidateResult result =
        train_and_compress(model, CandidateData{kind, train_set, validation_set, test_set}, options);
    const engine::CompiledModel& compiled = result.compiled;

    std::cout << "fp32 accuracy (dense): " << percent(result.dense.accuracy) << " (" << result.dense.examples << " "
              << test_name << " images)\n";
    nlohmann::json summary;
    summary["dataset"] = to_string(kind);
    summary["arch"] = o.arch;
    summary["train_images"] = train_set->size();
    summary["evaluated_on"] = test_name;
    summary["evaluation_images"] = test_set->size();
    summary["validation_images"] = validation_set ? validation_set->size() : 0;
    summary["epochs"] = o.epochs;
    summary["parameters"] = parameter_count(config);
    summary["fp32_accuracy_dense"] = result.dense.accuracy;
    if (result.pruned) {
        std::cout << "pruned blocks: " << result.pruned_blocks << " of " << result.blocks << "; zero weights: "
                  << result.pruned_weights << " of " << result.prunable_weights << " prunable ("
                  << percent(static_cast<double>(result.pruned_weights) /
                             static_cast<double>(result.prunable_weights))
                  << ")\n"
                  << "fp32 accuracy (pruned " << o.prune << "): " << percent(result.pruned->accuracy) << "\n";
        summary["prune"] = o.prune;
        summary["block"] = o.block;
        summary["prune_epochs"] = o.prune_epochs == -1 ? o.epochs : o.prune_epochs;
        summary["pruned_blocks"] = result.pruned_blocks;
        summary["blocks"] = result.blocks;
        summary["dense_below"] = o.dense_below;
        summary["pruned_weights"] = result.pruned_weights;
        summary["prunable_weights"] = result.prunable_weights;
        summary["fp32_accuracy_pruned"] = result.pruned->accuracy;
    }

    const std::string report = engine::layer_report(compiled);
    std::ofstream(out / "report.md") << report;
    std::cout << "== engine layer report\n" << report << "\n";
    std::cout << "peak SRAM (arena): " << compiled.arena_bytes() << " bytes; flash (constants): "
              << compiled.constant_bytes() << " bytes; " << compiled.total_macs() << " MACs\n";
    if (compiled.arena_bytes() > kF746SramBytes || compiled.constant_bytes() > kF746FlashBytes) {
        std::cout << "warning: the model does not fit the STM32F746 (" << kF746SramBytes << " bytes SRAM, "
                  << kF746FlashBytes << " bytes flash)\n";
    }
    const Int8Accuracy& int8 = result.int8;
    std::cout << "int8 accuracy: " << percent(int8.top1()) << " (" << int8.correct << " of " << int8.images << " "
              << test_name << " images, HostInterpreter)\n";
    if (result.int8_float_layernorm) {
        const double reference = result.int8_float_layernorm->top1();
        std::cout << "int8 accuracy with float LayerNorm in place of Scaled-LayerNorm: " << percent(reference)
                  << " (Scaled-LayerNorm " << std::showpos << std::fixed << std::setprecision(2)
                  << 100.0 * (int8.top1() - reference) << std::noshowpos << " points)\n";
        summary["int8_accuracy_float_layernorm"] = reference;
    }

    // 7. Firmware C and the bytes it must print for its deterministic input.
    const std::string c_dir = (out / "c").string();
    const std::string expected = emit_firmware_sources(compiled, c_dir, "tinyformer_" + o.arch, out.string());
    std::cout << "== C sources in " << c_dir << "; expected firmware " << expected << "\n";

    summary["fp32_accuracy_final"] = result.fp32_final();
    summary["int8_accuracy"] = int8.top1();
    summary["int8_correct"] = int8.correct;
    summary["int8_images"] = int8.images;
    summary["arena_bytes"] = compiled.arena_bytes();
    summary["constant_bytes"] = compiled.constant_bytes();
    summary["macs"] = compiled.total_macs();
    summary["onnx"] = result.onnx_path;
    summary["c_dir"] = c_dir;
    summary["expected_output"] = expected;
    summary["seconds"] = seconds_since(start);
    std::ofstream(out / "summary.json") << summary.dump(2) << "\n";
    std::cout << "== summary " << (out / "summary.json").string() << " (" << std::fixed << std::setprecision(0)
              << seconds_since(start) << " s)\n";
}

}  // namespace tinyformer::cli
