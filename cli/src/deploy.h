// `tinyformer deploy`: the last stage run alone (docs/pipeline.md "Stage by
// stage"): an int8 ONNX model compiled by the engine, checked against an MCU
// with the reserves the search uses (resources.h), and emitted as the
// firmware's C with the bytes the firmware must print.
#pragma once

#include <cstdint>
#include <string>

#include "target_flags.h"

namespace tinyformer::cli {

struct DeployOptions {
    std::string onnx;                   // required: an int8 QDQ ONNX model (tinyformer export)
    std::string out;                    // required: c/ and expected_output.txt go here (created)
    TargetFlags target;                 // --target, --sram-kb / --flash-kb, latency bounds
    std::string name = "tinyformer_model";  // the C model name (scripts/firmware_check.sh's MODEL_NAME)
};

// Prints the arena, constants and MACs against the target and the
// scripts/firmware_check.sh command. Throws engine::Error (and writes
// nothing) when the model does not fit, with resources.h describe_misfit's
// lines; naming the flag for bad options or input.
void run_deploy(const DeployOptions& options);

}  // namespace tinyformer::cli
