// `tinyformer compress`: the first stage run alone (docs/pipeline.md "Stage by
// stage"): one architecture (a name, an architecture JSON file with its
// per-layer sparsity, or a search.json's choice) trained from scratch and
// AGP-pruned to its sparsity, into a folder that `tinyformer export` and
// `tinyformer eval --checkpoint` read.
#pragma once

#include <cstdint>
#include <string>

#include "tinyformer/toolkit/candidate.h"

namespace tinyformer::cli {

struct CompressOptions {
    std::string arch;            // required: architecture_of() (cli_common.h)
    std::string dataset = "fashion-mnist";
    std::string data_dir;        // "" = the dataset's default
    std::string out;             // required (created)
    double validation = 0.0;     // fraction of the training images held out; the accuracies are measured there
    int64_t limit_train = 0;     // 0: every training image
    int64_t limit_test = 0;      // 0: every test image (without --validation)
    // epochs, prune_epochs, lr, batch_size, threads, seed (also of the
    // initialisation and the validation split); work_dir and log are --out's.
    toolkit::CandidateOptions training;
};

// Writes <out>/model.pt (BatchNorm not folded), architecture.json (the config,
// classes set from the data), compress.json (data settings, which export
// reuses, and dense / pruned fp32 accuracy and sparsity), train.ckpt and
// prune.ckpt (a run started again resumes there); prints the figures. Throws
// engine::Error naming the flag for bad options or data.
void run_compress(const CompressOptions& options);

}  // namespace tinyformer::cli
