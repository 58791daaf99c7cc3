// `tinyformer export`: the second stage run alone (docs/pipeline.md "Stage by
// stage"): the float model `tinyformer compress` wrote, BatchNorm folded,
// calibrated on training images and exported as int8 QDQ ONNX (opset 17).
#pragma once

#include <cstdint>
#include <string>

namespace tinyformer::cli {

struct ExportOptions {
    std::string in;       // required: the --out of tinyformer compress (architecture.json, model.pt, compress.json)
    std::string out;      // "" = in
    // The calibration images: "" = those compress trained on (compress.json:
    // dataset, folder, --limit-train, --validation split, seed, batch size).
    std::string dataset;
    std::string data_dir;
    int32_t calibration_batches = 8;
};

// Writes <out>/model.onnx and prints its path and the next command. Throws
// engine::Error naming the flag for a missing or unreadable input.
void run_export(const ExportOptions& options);

}  // namespace tinyformer::cli
