// The end-to-end pipeline behind `tinyformer pipeline` (docs/pipeline.md):
// train a fixed single path, optionally AGP-prune it, fold BatchNorm,
// calibrate, export int8 QDQ ONNX, import and compile it with the engine,
// measure float and int8 accuracy, emit the firmware C and the bytes the
// firmware must print for its deterministic input.
#pragma once

#include <cstdint>
#include <string>

#include "tinyformer/toolkit/architecture.h"

namespace tinyformer::cli {

struct PipelineOptions {
    std::string dataset = "fashion-mnist";
    std::string data_dir;        // "" = the dataset's default (Debian's Fashion-MNIST)
    std::string arch = "fmnist"; // toolkit::named_architecture()
    int32_t epochs = 3;          // dense training
    int32_t prune_epochs = -1;   // AGP pruning + fine-tuning; -1: same as epochs (when prune > 0)
    float prune = 0.0f;          // final blockwise sparsity rho in [0, 1); 0: no pruning
    int32_t block = 4;           // 2 or 4 (3x3 convolutions use 3)
    // Layers with fewer weights stay dense; the others are pruned more so
    // that `prune` is the fraction of all prunable weights (ArchConfig::
    // set_overall_sparsity). 0: every prunable layer at `prune`.
    int64_t dense_below = 0;
    std::string out;             // output folder (created)
    int64_t limit_train = 0;     // 0: every image
    int64_t limit_test = 0;
    int32_t threads = 2;
    uint64_t seed = 1;
    int64_t batch_size = 64;
    double lr = 2e-3;
    int32_t calibration_batches = 8;
    // Fraction of the training split held out for validation after every
    // epoch (history.csv); 0: none.
    double validation = 0.0;
    // Where the final fp32 / int8 accuracies are measured: "test" (the
    // dataset's test split) or "validation" (the held-out part, for datasets
    // given without their test split).
    std::string evaluate_on = "test";
};

// Runs every step, printing progress and the figures on stdout; writes into
// options.out: checkpoints, history.csv (one row per training epoch),
// model.onnx, report.md, c/ (model.c ...), expected_output.txt and
// summary.json. Throws engine::Error on bad options,
// a missing dataset or a failing step.
void run_pipeline(const PipelineOptions& options);

}  // namespace tinyformer::cli
