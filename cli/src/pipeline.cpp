// tinyformer pipeline: dataset -> trained (and pruned) float model -> int8 QDQ
// ONNX -> compiled engine model -> firmware C (docs/pipeline.md).
#include "pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <variant>

#include "tinyformer/engine/c_emitter.h"
#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/engine/model_report.h"
#include "tinyformer/engine/onnx_import.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/dataset_split.h"
#include "tinyformer/toolkit/export.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/pruning.h"
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

// The first `limit` images of `base` (all when limit is 0).
std::shared_ptr<const Dataset> first_images(std::shared_ptr<const Dataset> base, int64_t limit, const char* flag)
{
    TF_CHECK(limit >= 0, flag, " = ", limit, " must be >= 0 (0: every image)");
    if (limit == 0 || limit == base->size()) {
        return base;
    }
    TF_CHECK(limit <= base->size(), flag, " = ", limit, " exceeds the ", base->size(), " images of ",
             base->description());
    std::vector<int64_t> indices(static_cast<size_t>(limit));
    std::iota(indices.begin(), indices.end(), int64_t{0});
    return std::make_shared<SubsetDataset>(base, std::move(indices), std::string(flag) + " subset");
}

// The firmware's deterministic input (firmware/model_main.c): a 32-bit LCG,
// the top byte of each state minus 128.
std::vector<int8_t> deterministic_input(int64_t size)
{
    std::vector<int8_t> input(static_cast<size_t>(size));
    uint32_t state = 12345u;
    for (int8_t& value : input) {
        state = state * 1103515245u + 12345u;
        value = static_cast<int8_t>(static_cast<int32_t>(state >> 24) - 128);
    }
    return input;
}

std::string output_line(const std::vector<int8_t>& output)
{
    std::string line = "output:";
    for (const int8_t value : output) {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(static_cast<uint8_t>(value)));
        line += ' ';
        line += hex;
    }
    return line;
}

std::string percent(double fraction)
{
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << 100.0 * fraction << "%";
    return s.str();
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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
    History(const fs::path& path, const Trainer* trainer, BatchLoader* validation)
        : path_(path), trainer_(trainer), validation_(validation)
    {
        if (!fs::exists(path_)) {
            std::ofstream file(path_);
            file << "phase,epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,lr,seconds,"
                    "images_per_second\n";
            TF_CHECK(file.good(), "cannot write '", path_.string(), "'");
        }
    }

    std::function<void(const EpochStats&)> recorder(const std::string& phase, SinglePathModel& model)
    {
        return [this, phase, &model](const EpochStats& s) {
            std::ostringstream row;
            row << phase << "," << s.epoch + 1 << "," << s.loss << "," << s.accuracy << ",";
            if (validation_ != nullptr) {
                const EvalResult v = trainer_->evaluate(model, *validation_);
                row << v.loss << "," << v.accuracy;
                std::cout << phase << " epoch " << s.epoch + 1 << ": validation accuracy " << percent(v.accuracy)
                          << " (" << v.examples << " images), training accuracy " << percent(s.accuracy) << "\n"
                          << std::flush;
            } else {
                row << ",";
            }
            row << "," << s.last_lr << "," << s.seconds << "," << s.images_per_second << "\n";
            std::ofstream file(path_, std::ios::app);
            file << row.str();
            TF_CHECK(file.good(), "cannot append to '", path_.string(), "'");
        };
    }

private:
    fs::path path_;
    const Trainer* trainer_;
    BatchLoader* validation_;
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

    BatchLoader train_loader(train_set, LoaderOptions::training(kind, o.batch_size, o.seed));
    BatchLoader test_loader(test_set, LoaderOptions::evaluation(kind, 256));
    std::unique_ptr<BatchLoader> validation_loader;
    if (validation_set) {
        validation_loader = std::make_unique<BatchLoader>(validation_set, LoaderOptions::evaluation(kind, 256));
    }
    const BatchSource train_source = batch_source(train_loader);

    // 2. Dense training (checkpointed: an interrupted run continues where it stopped).
    SinglePathModel model(config, ModelOptions{true, o.seed});
    TrainerOptions train_options;
    train_options.epochs = o.epochs;
    train_options.lr = o.lr;
    train_options.min_lr = o.lr / 100.0;
    train_options.warmup_epochs = std::min(1.0, 0.2 * o.epochs);
    train_options.threads = o.threads;
    train_options.checkpoint_path = (out / "train.ckpt").string();
    const Trainer evaluator(train_options);
    History history(out / "history.csv", &evaluator, validation_loader.get());
    train_options.on_epoch_end = history.recorder("dense", model);
    const Trainer trainer(train_options);
    std::cout << "== training " << o.epochs << " epochs (checkpoint " << train_options.checkpoint_path << ")\n"
              << std::flush;
    trainer.fit(model, train_source);
    const EvalResult dense = trainer.evaluate(model, test_loader);
    std::cout << "fp32 accuracy (dense): " << percent(dense.accuracy) << " (" << dense.examples << " " << test_name
              << " images)\n";

    nlohmann::json summary;
    summary["dataset"] = to_string(kind);
    summary["arch"] = o.arch;
    summary["train_images"] = train_set->size();
    summary["evaluated_on"] = test_name;
    summary["evaluation_images"] = test_set->size();
    summary["validation_images"] = validation_set ? validation_set->size() : 0;
    summary["epochs"] = o.epochs;
    summary["parameters"] = parameter_count(config);
    summary["fp32_accuracy_dense"] = dense.accuracy;

    // 3. AGP pruning with fine-tuning: sparsity rises over the first half of the
    // pruning epochs, the second half fine-tunes at the final masks.
    double pruned_accuracy = dense.accuracy;
    if (pruning) {
        const int32_t prune_epochs = o.prune_epochs == -1 ? o.epochs : o.prune_epochs;
        TrainerOptions prune_options = train_options;
        prune_options.epochs = prune_epochs;
        prune_options.lr = o.lr / 4.0;
        prune_options.min_lr = prune_options.lr / 100.0;
        prune_options.warmup_epochs = 0;
        prune_options.checkpoint_path = (out / "prune.ckpt").string();
        prune_options.on_epoch_end = history.recorder("agp", model);
        const int64_t steps = train_source.batches_per_epoch;
        const AgpSchedule schedule =
            AgpSchedule::over_epochs(0.0, 0.5 * prune_epochs, steps, std::max<int64_t>(1, steps / 8));
        std::cout << "== AGP pruning to " << o.prune << " (block " << o.block << ") over " << prune_epochs
                  << " epochs (checkpoint " << prune_options.checkpoint_path << ")\n"
                  << std::flush;
        const AgpResult agp = agp_prune(model, train_source, prune_options, schedule);
        int64_t blocks = 0, pruned = 0, pruned_weights = 0, prunable_weights = 0;
        for (const LayerMask& mask : agp.masks) {
            blocks += mask.blocks();
            pruned += mask.pruned_blocks();
            pruned_weights += mask.pruned_blocks() * mask.block;  // exact unless a partial last block is pruned
        }
        for (const LayerSpec& l : layers(config)) {
            prunable_weights += l.prunable ? l.weight_count() : 0;
        }
        const Trainer prune_trainer(prune_options);
        pruned_accuracy = prune_trainer.evaluate(model, test_loader).accuracy;
        std::cout << "pruned blocks: " << pruned << " of " << blocks << "; zero weights: " << pruned_weights << " of "
                  << prunable_weights << " prunable (" << percent(static_cast<double>(pruned_weights) /
                                                                  static_cast<double>(prunable_weights))
                  << ")\n"
                  << "fp32 accuracy (pruned " << o.prune << "): " << percent(pruned_accuracy) << "\n";
        summary["prune"] = o.prune;
        summary["block"] = o.block;
        summary["prune_epochs"] = prune_epochs;
        summary["pruned_blocks"] = pruned;
        summary["blocks"] = blocks;
        summary["dense_below"] = o.dense_below;
        summary["pruned_weights"] = pruned_weights;
        summary["prunable_weights"] = prunable_weights;
        summary["fp32_accuracy_pruned"] = pruned_accuracy;
    }
    model.save((out / "model.pt").string());

    // 4. BatchNorm folding, calibration, int8 QDQ ONNX.
    model.fold_batch_norm();
    LoaderOptions calibration_options = LoaderOptions::training(kind, o.batch_size, o.seed + 1);
    calibration_options.augmentation = Augmentation{};
    BatchLoader calibration_loader(train_set, calibration_options);
    calibration_loader.start_epoch(0);
    Calibrator calibrator(model);
    const int64_t calibration_images = calibrator.observe_loader(calibration_loader, o.calibration_batches);
    const QuantizedModel quantized = quantize(model, calibrator.result());
    const fs::path onnx_path = out / "model.onnx";
    export_onnx(quantized, onnx_path.string());
    std::cout << "== exported " << onnx_path.string() << " (calibrated on " << calibration_images << " images)\n";

    // 5. Import, compile, report.
    const engine::CompiledModel compiled = engine::compile(engine::import_onnx(onnx_path.string()));
    const std::string report = engine::layer_report(compiled);
    std::ofstream(out / "report.md") << report;
    std::cout << "== engine layer report\n" << report << "\n";
    std::cout << "peak SRAM (arena): " << compiled.arena_bytes() << " bytes; flash (constants): "
              << compiled.constant_bytes() << " bytes; " << compiled.total_macs() << " MACs\n";
    if (compiled.arena_bytes() > kF746SramBytes || compiled.constant_bytes() > kF746FlashBytes) {
        std::cout << "warning: the model does not fit the STM32F746 (" << kF746SramBytes << " bytes SRAM, "
                  << kF746FlashBytes << " bytes flash)\n";
    }

    // 6. int8 accuracy on the engine's host interpreter (the MCU's kernels).
    const Int8Accuracy int8 = int8_accuracy(compiled, *test_set, Normalization::defaults_for(kind));
    std::cout << "int8 accuracy: " << percent(int8.top1()) << " (" << int8.correct << " of " << int8.images << " "
              << test_name << " images, HostInterpreter)\n";
    // The same int8 model with every LayerNorm in floating point: what the
    // integer Scaled-LayerNorm costs (a host-only reference; docs/quantization.md).
    const bool has_layernorm = std::any_of(compiled.layers.begin(), compiled.layers.end(), [](const engine::Layer& l) {
        return std::holds_alternative<engine::LayerNormCall>(l.call);
    });
    if (has_layernorm) {
        engine::InterpreterOptions float_ln;
        float_ln.float_layernorm = true;
        const Int8Accuracy reference =
            int8_accuracy(compiled, *test_set, Normalization::defaults_for(kind), 0, float_ln);
        std::cout << "int8 accuracy with float LayerNorm in place of Scaled-LayerNorm: " << percent(reference.top1())
                  << " (Scaled-LayerNorm " << std::showpos << std::fixed << std::setprecision(2)
                  << 100.0 * (int8.top1() - reference.top1()) << std::noshowpos << " points)\n";
        summary["int8_accuracy_float_layernorm"] = reference.top1();
    }

    // 7. Firmware C and the bytes it must print for its deterministic input.
    engine::EmitOptions emit;
    emit.directory = (out / "c").string();
    emit.model_name = "tinyformer_" + o.arch;
    engine::emit_c(compiled, emit);
    engine::HostInterpreter interpreter(compiled);
    const std::string expected = output_line(interpreter.run(deterministic_input(interpreter.input_size())));
    {
        std::ofstream file(out / "expected_output.txt");
        file << expected << "\n";
        TF_CHECK(file.good(), "cannot write '", (out / "expected_output.txt").string(), "'");
    }
    std::cout << "== C sources in " << emit.directory << "; expected firmware " << expected << "\n";

    summary["fp32_accuracy_final"] = pruned_accuracy;
    summary["int8_accuracy"] = int8.top1();
    summary["int8_correct"] = int8.correct;
    summary["int8_images"] = int8.images;
    summary["arena_bytes"] = compiled.arena_bytes();
    summary["constant_bytes"] = compiled.constant_bytes();
    summary["macs"] = compiled.total_macs();
    summary["onnx"] = onnx_path.string();
    summary["c_dir"] = emit.directory;
    summary["expected_output"] = expected;
    summary["seconds"] = seconds_since(start);
    std::ofstream(out / "summary.json") << summary.dump(2) << "\n";
    std::cout << "== summary " << (out / "summary.json").string() << " (" << std::fixed << std::setprecision(0)
              << seconds_since(start) << " s)\n";
}

}  // namespace tinyformer::cli
