// `tinyformer eval`: the accuracy of one model on a dataset split
// (docs/pipeline.md "Stage by stage"): an int8 ONNX model compiled and run by
// the host interpreter (the firmware's C kernels), or the float model of a
// `tinyformer compress` folder.
#pragma once

#include <cstdint>
#include <string>

namespace tinyformer::cli {

struct EvalOptions {
    std::string onnx;        // an int8 QDQ ONNX model (tinyformer export), or
    std::string checkpoint;  // a tinyformer compress folder (fp32); exactly one of the two
    std::string dataset = "fashion-mnist";
    std::string data_dir;    // "" = the dataset's default
    std::string split = "test";
    int64_t limit = 0;       // the first N images; 0: all
    bool float_layernorm = false;  // int8 only: every LayerNorm in floating point (host-only reference)
    int32_t threads = 0;     // interpreters (int8) or LibTorch threads (fp32); 0: one per core / default
};

// Prints "<int8|fp32> accuracy: P% (correct of N <split> images, ...)".
// Throws engine::Error naming the flag for bad options or input.
void run_eval(const EvalOptions& options);

}  // namespace tinyformer::cli
