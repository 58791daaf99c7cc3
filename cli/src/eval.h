// `tinyformer eval`: the accuracy of one model on a dataset split
// (docs/pipeline.md "Stage by stage"): an int8 ONNX model compiled and run by
// the host interpreter (the firmware's C kernels), or the float model of a
// `tinyformer compress` folder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tinyformer::cli {

struct EvalOptions {
    std::string onnx;        // an int8 QDQ ONNX model (tinyformer export), or
    std::string checkpoint;  // a tinyformer compress folder (fp32); exactly one of the two
    std::string dataset;     // "" = compress.json's (below), else fashion-mnist
    std::string data_dir;    // "" = compress.json's, else the dataset's default
    std::string split = "test";  // test, train or validation
    int64_t limit = 0;       // the first N images; 0: all
    bool float_layernorm = false;  // int8 only: every LayerNorm in floating point (host-only reference)
    int32_t threads = 0;     // interpreters (int8) or LibTorch threads (fp32); 0: one per core / default

    // --split validation only: the held-out part of the training split that
    // `tinyformer compress --validation F --seed S --limit-train N` measured on
    // (cli_common.h training_data). Each one not given comes from compress.json.
    std::optional<double> validation;
    std::optional<uint64_t> seed;
    std::optional<int64_t> limit_train;
};

// compress.json is the one in the --checkpoint folder, or in the folder that
// holds the --onnx file (when there is one there).
//
// Prints "<int8|fp32> accuracy: P% (correct of N <split> images, ...)"; for
// the validation split also where its fraction, seed and limit came from.
// Throws engine::Error naming the flag for bad options or input.
void run_eval(const EvalOptions& options);

}  // namespace tinyformer::cli
