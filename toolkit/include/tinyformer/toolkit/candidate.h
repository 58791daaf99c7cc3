// One model from training to the int8 accuracy of the MCU's kernels: dense
// training, AGP pruning to the config's per-layer sparsity with fine-tuning,
// BatchNorm folding, calibration, int8 quantization, QDQ ONNX export, engine
// import and compile, int8 accuracy on the host interpreter (the firmware's C
// kernels). `tinyformer pipeline` runs it on its fixed single path; SparseNAS
// runs it on every candidate. The stages are callable alone
// (`tinyformer compress` trains and prunes, `tinyformer export` exports);
// train_and_compress is the two of them and the int8 measurement. No LibTorch
// in this header.
//
//   CandidateData data{DatasetKind::FashionMnist, train, validation, test};
//   CandidateOptions o;  o.epochs = 3;  o.work_dir = "run/candidate";
//   CandidateResult r = train_and_compress(model, data, o);   // r.int8.top1(), r.compiled.arena_bytes()
//
//   TrainingResult t = train_and_prune(model, data, o);        // run/candidate/model.pt
//   std::string onnx = export_int8(model, data, o);            // run/candidate/model.onnx
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/quantize.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::toolkit {

struct CandidateData {
    DatasetKind kind = DatasetKind::FashionMnist;  // augmentation and normalization (dataset_loader.h)
    std::shared_ptr<const Dataset> train;          // training batches (augmented), calibration
    std::shared_ptr<const Dataset> validation;     // evaluated after every epoch; may be null
    std::shared_ptr<const Dataset> evaluation;     // the final fp32 and int8 accuracies
};

struct CandidateOptions {
    int32_t epochs = 3;         // dense training
    int32_t prune_epochs = -1;  // AGP: sparsity rises over the first half, then fine-tuning; -1: = epochs
    double lr = 2e-3;           // peak (AdamW, warm-up then cosine); AGP runs at lr / 4
    int64_t batch_size = 64;
    int32_t threads = 2;        // LibTorch threads; the int8 evaluation uses one interpreter per core
    uint64_t seed = 1;          // data order (the model's initialisation is its own ModelOptions::seed)
    int32_t calibration_batches = 8;
    // Checkpoints (train.ckpt, prune.ckpt: an interrupted run resumes there)
    // and model.onnx go here (created).
    std::string work_dir;
    bool progress = true;  // the trainer's progress line on stderr
    // Also measure the int8 model with every LayerNorm in floating point
    // (engine::InterpreterOptions::float_layernorm; only when it has LayerNorms).
    bool float_layernorm_reference = true;
    // After every epoch: "dense" or "agp", the epoch's training figures, and
    // the validation figures (null without validation data).
    std::function<void(const std::string& phase, const EpochStats& epoch, const EvalResult* validation)> on_epoch_end;
    // Progress lines ("== training ...") for a log; may be empty.
    std::function<void(const std::string& line)> log;
};

// The float model after training (and pruning).
struct TrainingResult {
    EvalResult dense;                    // fp32 after dense training, on the evaluation data
    std::optional<EvalResult> pruned;    // fp32 after AGP (when the config has sparsity)
    int64_t blocks = 0, pruned_blocks = 0;
    int64_t prunable_weights = 0, pruned_weights = 0;
    std::string checkpoint_path;         // <work_dir>/model.pt: the weights, BatchNorm not folded

    double fp32_final() const { return pruned ? pruned->accuracy : dense.accuracy; }
};

struct CandidateResult : TrainingResult {
    engine::CompiledModel compiled;      // what the firmware runs (arena, constants, MACs)
    Int8Accuracy int8;                   // the compiled model on the evaluation data
    std::optional<Int8Accuracy> int8_float_layernorm;
    std::string onnx_path;
    double seconds = 0.0;
};

// Dense training, then AGP pruning to model.config().sparsity with
// fine-tuning when it has any (has_sparsity), each checkpointed in work_dir
// (train.ckpt, prune.ckpt: a run started again resumes there); fp32 accuracy
// on data.evaluation after each; saves <work_dir>/model.pt. Throws
// engine::Error for unusable options or data (naming them).
TrainingResult train_and_prune(SinglePathModel& model, const CandidateData& data, const CandidateOptions& options);

// Folds BatchNorm (in place), calibrates on options.calibration_batches
// un-augmented batches of data.train, quantizes to int8 and writes
// <work_dir>/model.onnx (QDQ); returns its path. Needs only data.kind and
// data.train. Throws engine::Error for unusable options or data.
std::string export_int8(SinglePathModel& model, const CandidateData& data, const CandidateOptions& options);

// train_and_prune, export_int8, then the compiled model's int8 accuracy on
// data.evaluation: `model` ends pruned, with BatchNorm folded. Throws
// engine::Error for unusable options or data (naming them) and when a step fails.
CandidateResult train_and_compress(SinglePathModel& model, const CandidateData& data, const CandidateOptions& options);

// Throws engine::Error naming `what` unless `config` takes the images of `data`
// (every stage above checks its training images with it).
void check_input_shape(const ArchConfig& config, const Dataset& data, const std::string& what);

}  // namespace tinyformer::toolkit
