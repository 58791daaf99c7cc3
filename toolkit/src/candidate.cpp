#include "tinyformer/toolkit/candidate.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <variant>

#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/engine/onnx_import.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/export.h"
#include "tinyformer/toolkit/pruning.h"

namespace tinyformer::toolkit {
namespace fs = std::filesystem;

void check_input_shape(const ArchConfig& config, const Dataset& data, const std::string& what)
{
    const ImageShape s = data.image_shape();
    TF_CHECK(s.height == config.input_h && s.width == config.input_w && s.channels == config.input_c, what,
             " takes ", config.input_h, "x", config.input_w, "x", config.input_c, " images; ", data.description(),
             " has ", s.height, "x", s.width, "x", s.channels);
}

namespace {

bool has_layernorm(const engine::CompiledModel& model)
{
    return std::any_of(model.layers.begin(), model.layers.end(), [](const engine::Layer& l) {
        return std::holds_alternative<engine::LayerNormCall>(l.call);
    });
}

// What every stage needs: training images of the model's shape (training or
// calibration batches) and a work folder, created here.
fs::path prepare(const CandidateData& d, const CandidateOptions& o, const ArchConfig& config)
{
    TF_CHECK(d.train && d.train->size() > 0, "candidate: training data is required (",
             d.train ? d.train->size() : 0, " images)");
    check_input_shape(config, *d.train, "candidate: the model");
    TF_CHECK(o.batch_size >= 1, "candidate: batch_size = ", o.batch_size, " must be >= 1");
    TF_CHECK(o.threads >= 0, "candidate: threads = ", o.threads, " must be >= 0");
    TF_CHECK(o.calibration_batches >= 1, "candidate: calibration_batches = ", o.calibration_batches, " must be >= 1");
    TF_CHECK(!o.work_dir.empty(), "candidate: a work folder is required (checkpoints, model.onnx)");
    const fs::path dir(o.work_dir);
    std::error_code ec;
    fs::create_directories(dir, ec);
    TF_CHECK(!ec && fs::is_directory(dir), "candidate: cannot create the work folder '", o.work_dir,
             "': ", ec.message());
    return dir;
}

void check_training(const CandidateData& d, const CandidateOptions& o)
{
    TF_CHECK(d.evaluation && d.evaluation->size() > 0, "candidate: evaluation data is required (",
             d.evaluation ? d.evaluation->size() : 0, " images)");
    TF_CHECK(o.epochs >= 1, "candidate: epochs = ", o.epochs, " must be >= 1");
    TF_CHECK(o.prune_epochs == -1 || o.prune_epochs >= 1, "candidate: prune_epochs = ", o.prune_epochs,
             " must be >= 1 (-1: as epochs)");
    TF_CHECK(o.lr > 0, "candidate: lr = ", o.lr, " must be > 0");
}

void log_line(const CandidateOptions& o, const std::string& line)
{
    if (o.log) {
        o.log(line);
    }
}

}  // namespace

TrainingResult train_and_prune(SinglePathModel& model, const CandidateData& data, const CandidateOptions& o)
{
    const ArchConfig& config = model.config();
    check_training(data, o);
    const fs::path dir = prepare(data, o, config);

    BatchLoader train_loader(data.train, LoaderOptions::training(data.kind, o.batch_size, o.seed));
    BatchLoader evaluation_loader(data.evaluation, LoaderOptions::evaluation(data.kind, 256));
    std::unique_ptr<BatchLoader> validation_loader;
    if (data.validation && data.validation->size() > 0) {
        validation_loader = std::make_unique<BatchLoader>(data.validation, LoaderOptions::evaluation(data.kind, 256));
    }
    const BatchSource train_source = batch_source(train_loader);

    TrainerOptions train_options;
    train_options.epochs = o.epochs;
    train_options.lr = o.lr;
    train_options.min_lr = o.lr / 100.0;
    train_options.warmup_epochs = std::min(1.0, 0.2 * o.epochs);
    train_options.threads = o.threads;
    train_options.progress = o.progress;
    train_options.checkpoint_path = (dir / "train.ckpt").string();
    const Trainer evaluator(train_options);
    const auto epoch_hook = [&](const std::string& phase) -> std::function<void(const EpochStats&)> {
        if (!o.on_epoch_end) {
            return {};
        }
        return [&, phase](const EpochStats& s) {
            if (validation_loader) {
                const EvalResult v = evaluator.evaluate(model, *validation_loader);
                o.on_epoch_end(phase, s, &v);
            } else {
                o.on_epoch_end(phase, s, nullptr);
            }
        };
    };

    // Dense training (checkpointed after every epoch).
    TrainingResult r;
    train_options.on_epoch_end = epoch_hook("dense");
    log_line(o, "== training " + std::to_string(o.epochs) + " epochs (checkpoint " + train_options.checkpoint_path +
                    ")");
    Trainer(train_options).fit(model, train_source);
    r.dense = evaluator.evaluate(model, evaluation_loader);

    // AGP: sparsity rises over the first half of the pruning epochs, the second half fine-tunes.
    if (has_sparsity(config)) {
        const int32_t prune_epochs = o.prune_epochs == -1 ? o.epochs : o.prune_epochs;
        TrainerOptions prune_options = train_options;
        prune_options.epochs = prune_epochs;
        prune_options.lr = o.lr / 4.0;
        prune_options.min_lr = prune_options.lr / 100.0;
        prune_options.warmup_epochs = 0;
        prune_options.checkpoint_path = (dir / "prune.ckpt").string();
        prune_options.on_epoch_end = epoch_hook("agp");
        const int64_t steps = train_source.batches_per_epoch;
        const AgpSchedule schedule =
            AgpSchedule::over_epochs(0.0, 0.5 * prune_epochs, steps, std::max<int64_t>(1, steps / 8));
        log_line(o, "== AGP pruning over " + std::to_string(prune_epochs) + " epochs (checkpoint " +
                        prune_options.checkpoint_path + ")");
        const AgpResult agp = agp_prune(model, train_source, prune_options, schedule);
        for (const LayerMask& mask : agp.masks) {
            r.blocks += mask.blocks();
            r.pruned_blocks += mask.pruned_blocks();
            r.pruned_weights += mask.pruned_blocks() * mask.block;  // exact unless a partial last block is pruned
        }
        r.pruned = evaluator.evaluate(model, evaluation_loader);
    }
    for (const LayerSpec& l : model.layers()) {
        r.prunable_weights += l.prunable ? l.weight_count() : 0;
    }
    r.checkpoint_path = (dir / "model.pt").string();
    model.save(r.checkpoint_path);
    return r;
}

std::string export_int8(SinglePathModel& model, const CandidateData& data, const CandidateOptions& o)
{
    const fs::path dir = prepare(data, o, model.config());
    // BatchNorm folded, ranges calibrated on un-augmented training batches, QDQ ONNX.
    model.fold_batch_norm();
    LoaderOptions calibration_options = LoaderOptions::training(data.kind, o.batch_size, o.seed + 1);
    calibration_options.augmentation = Augmentation{};
    BatchLoader calibration_loader(data.train, calibration_options);
    calibration_loader.start_epoch(0);
    Calibrator calibrator(model);
    const int64_t calibration_images = calibrator.observe_loader(calibration_loader, o.calibration_batches);
    const std::string onnx_path = (dir / "model.onnx").string();
    export_onnx(quantize(model, calibrator.result()), onnx_path);
    log_line(o, "== exported " + onnx_path + " (calibrated on " + std::to_string(calibration_images) + " images)");
    return onnx_path;
}

CandidateResult train_and_compress(SinglePathModel& model, const CandidateData& data, const CandidateOptions& o)
{
    const auto start = std::chrono::steady_clock::now();
    CandidateResult r;
    static_cast<TrainingResult&>(r) = train_and_prune(model, data, o);
    r.onnx_path = export_int8(model, data, o);

    // What the firmware runs, and its accuracy from the same C kernels.
    r.compiled = engine::compile(engine::import_onnx(r.onnx_path));
    const Normalization norm = Normalization::defaults_for(data.kind);
    r.int8 = int8_accuracy(r.compiled, *data.evaluation, norm);
    if (o.float_layernorm_reference && has_layernorm(r.compiled)) {
        engine::InterpreterOptions float_ln;
        float_ln.float_layernorm = true;
        r.int8_float_layernorm = int8_accuracy(r.compiled, *data.evaluation, norm, 0, float_ln);
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace tinyformer::toolkit
