// `tinyformer profile`: where an int8 model's memory and time go, layer by
// layer (docs/pipeline.md "Stage by stage"): the engine's per-layer costs
// (engine/model_report.h) against an MCU's limits and, given the firmware's
// output under QEMU (scripts/firmware_check.sh writes <out>/qemu.out), the
// instructions each layer took.
#pragma once

#include <cstdint>
#include <string>

#include "target_flags.h"

namespace tinyformer::cli {

struct ProfileOptions {
    std::string onnx;                   // required: an int8 QDQ ONNX model
    TargetFlags target;                 // --target, --sram-kb / --flash-kb, latency bounds
    std::string qemu_output;            // optional: the firmware's output for this model
};

// Prints one row per layer (kernel, MACs, flash, live SRAM, scratch; with
// --qemu-output instructions and instructions per MAC) and the totals against
// the target. Throws engine::Error naming the flag for bad input, and when the
// QEMU output is of another model (its layers or totals differ).
void run_profile(const ProfileOptions& options);

}  // namespace tinyformer::cli
