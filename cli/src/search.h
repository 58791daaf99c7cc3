// `tinyformer search`: the whole flow for a dataset and an MCU (docs/search.md):
//   data (training split cut into training + validation) ->
//   search-space analysis (Alg. 1; adjusted by eqs. 1-3 when the budget says so) ->
//   SuperNAS supernet search (Alg. 2) -> SparseNAS selection (Alg. 3) from the
//   best supernet's weights -> compression (longer training + AGP of the winner)
//   -> int8 model, compiled, measured on the test split with the C kernels ->
//   firmware C (c/), expected_output.txt, report.html, search.json.
// Every evaluated candidate goes into <out>/search.db (SQLite); a killed run
// started again with the same flags resumes without redoing an evaluation.
// `tinyformer report` rebuilds report.html, with the firmware's per-layer
// instructions when given its QEMU output.
#pragma once

#include <cstdint>
#include <string>

#include "target_flags.h"

#include "tinyformer/toolkit/evolution.h"
#include "tinyformer/toolkit/search_space.h"

namespace tinyformer::cli {

// Every budget of a run: a preset, optionally changed by a JSON config file.
struct SearchBudget {
    std::string preset;         // "quick" or "paper"
    int64_t search_images = 0;  // training images of the supernet and selection stages (0: all)
    double validation = 0.1;    // fraction of the training split held out (scores of the search stages)
    int64_t batch_size = 64;
    double lr = 2e-3;
    // Search space: the dataset's defaults (design.md), or smaller lists (quick).
    bool small_space = false;
    int32_t analysis_samples = 200;
    int32_t analysis_rounds = 5;  // 1: analyze only, keep the space
    toolkit::EvolutionOptions supernet;  // its seed is the run's
    int32_t supernet_epochs = 10, test_paths = 100, eval_paths = 20;
    toolkit::EvolutionOptions selection;
    int32_t selection_epochs = 10, selection_prune_epochs = 10;
    int32_t compression_epochs = 300, compression_prune_epochs = 100;
    // Optional explicit lists replacing the space's (config file "space").
    toolkit::SearchSpace space_override;
    bool has_space_override = false;
};

// "quick": minutes on two CPU cores (a small space, few candidates, short
// training); "paper": the paper's epochs and iterations (for a GPU). Throws
// engine::Error naming the known presets for anything else.
SearchBudget search_budget(const std::string& preset);

// Applies a JSON config file over `budget` (keys as in docs/search.md: search_images, validation,
// batch_size, lr, analysis {samples, rounds}, supernet {population, iterations, parents, mutations,
// crossovers, epochs, test_paths, eval_paths}, selection {..., epochs, prune_epochs}, compression
// {epochs, prune_epochs}, space {dot1_dims, dot2_dims, last_dims, heads, mbv2_counts,
// transformer_counts, expansions, sparsities, blocks}). Unknown keys and wrong types are errors naming
// the key and the file.
void apply_config_file(const std::string& path, SearchBudget& budget);

struct SearchOptions {
    std::string dataset = "fashion-mnist";
    std::string data_dir;  // "" = the dataset's default
    TargetFlags target;                 // --target, --sram-kb / --flash-kb, latency bounds
    std::string preset = "quick";
    std::string config_file;
    std::string out;  // required: search.db, work/, model.onnx, c/, report.html, search.json
    uint64_t seed = 1;
    int32_t threads = 2;
    bool fresh = false;  // discard an earlier run's records and checkpoints in `out`
    // Where the chosen model's final figures come from: "test" (the dataset's
    // test split) or "holdout" (a `validation`-sized part of the training
    // split that no stage trains or scores on, for data given without its
    // test split, e.g. CIFAR-10's training batches alone).
    std::string evaluate_on = "test";
};

// Runs the whole flow; prints each stage and the figures. Throws engine::Error
// on bad options (naming the flag), missing data, or a failing stage.
void run_search(const SearchOptions& options);

// Rebuilds <out>/report.html from <out>/search.json, search.db and model.onnx;
// with `qemu_output` (the firmware's output under QEMU, scripts/firmware_check.sh
// writes <out>/qemu.out) the report shows per-layer instructions.
void run_report(const std::string& out, const std::string& qemu_output);

}  // namespace tinyformer::cli
