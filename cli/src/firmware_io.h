// What the CLI writes for the firmware of a compiled model: the C sources
// (engine::emit_c) and expected_output.txt, the bytes firmware/model_main.c
// must print for its deterministic input (scripts/firmware_check.sh compares
// them with the firmware's under QEMU).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"

namespace tinyformer::cli {

// The firmware's deterministic input (firmware/model_main.c): a 32-bit LCG,
// the top byte of each state minus 128.
std::vector<int8_t> deterministic_input(int64_t size);

// "output: xx xx ...", as the firmware prints its output.
std::string output_line(const std::vector<int8_t>& output);

// Emits the model's C into `c_dir` (named `model_name`) and writes
// <out_dir>/expected_output.txt from the host interpreter; returns that line.
std::string emit_firmware_sources(const engine::CompiledModel& model, const std::string& c_dir,
                                  const std::string& model_name, const std::string& out_dir);

}  // namespace tinyformer::cli
