// The resource model of the search: what a candidate costs on the MCU, and
// whether it fits a target.
//
// A candidate's cost is measured, not estimated: build_engine_graph (the
// config's engine graph with synthetic weights pruned to its sparsity) then
// engine::compile, i.e. the same memory planner and sparse weight codec the C
// emitter uses. The firmware's arena and constants are exactly these figures.
//
//   const McuTarget f746 = mcu_target("stm32f746");
//   const Resources r = evaluate_resources(config);
//   if (!fits(r, f746)) std::cout << describe_misfit(r, f746);
//
// The firmware needs more than the model: stack, heap, runtime statics (SRAM)
// and code (flash). A target's reserves stand for that (docs/search.md,
// "Resources", gives the measurement they come from): a model fits when
//   arena + reserved_sram <= sram_bytes and constants + reserved_flash <= flash_bytes
// and, when latency limits are set, MACs <= max_macs and the estimated
// Cortex-M7 instructions per inference <= max_instructions. The estimate is the
// engine's instruction model (engine/instruction_model.h: per-kernel costs
// fitted to the firmware under QEMU, within 2% of the measured total on the
// held-out models of bench/results/instruction-model.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/toolkit/architecture.h"

namespace tinyformer::toolkit {

// Default reserves (docs/search.md "Resources"): the Fashion-MNIST firmware
// measured 16.1 KB of SRAM and 83 KB of flash besides its arena and weights.
constexpr int64_t kDefaultReservedSram = 20 * 1024;
constexpr int64_t kDefaultReservedFlash = 96 * 1024;

struct McuTarget {
    std::string name;
    int64_t sram_bytes = 0;
    int64_t flash_bytes = 0;
    int64_t reserved_sram = kDefaultReservedSram;    // stack, heap, runtime statics: SRAM not for the arena
    int64_t reserved_flash = kDefaultReservedFlash;  // code, start-up, test data: flash not for the constants
    int64_t max_macs = 0;          // latency limit as multiply-accumulates per inference; 0 = none
    int64_t max_instructions = 0;  // latency limit as estimated instructions per inference; 0 = none
};

// The known parts: "stm32f746" (320 KB SRAM, 1 MB flash), "stm32h743" (512 KB,
// 2 MB), with the default reserves. Throws engine::Error listing the known
// names for anything else.
McuTarget mcu_target(const std::string& name);
std::vector<std::string> mcu_target_names();

// A target with explicit limits. Throws engine::Error when a limit is not
// positive, a reserve is negative, or a reserve leaves nothing for the model.
McuTarget custom_target(const std::string& name, int64_t sram_bytes, int64_t flash_bytes,
                        int64_t reserved_sram = kDefaultReservedSram,
                        int64_t reserved_flash = kDefaultReservedFlash, int64_t max_macs = 0,
                        int64_t max_instructions = 0);
// The checks of custom_target, for a target built by hand.
void check_target(const McuTarget& target);

struct Resources {
    int64_t arena_bytes = 0;     // peak SRAM of activations + scratch (the planner's arena)
    int64_t constant_bytes = 0;  // flash of weights, biases, requantization parameters (sparse coded)
    int64_t macs = 0;            // dense MAC count (padded taps count)
    int64_t instructions = 0;    // estimated Cortex-M7 instructions per inference (engine/instruction_model.h)
    double seconds_to_evaluate = 0.0;  // wall time of build_engine_graph + compile
};

// The figures of a compiled model (seconds_to_evaluate 0).
Resources resources_of(const engine::CompiledModel& model);

// Builds the config's engine graph (synthetic weights, seed 1) and compiles
// it. Throws engine::Error for an invalid config (as layers() does).
Resources evaluate_resources(const ArchConfig& config);

// One limit a candidate exceeds.
struct LimitExcess {
    std::string limit;      // "SRAM", "flash", "MACs" or "instructions"
    int64_t needed = 0;     // model + reserve
    int64_t available = 0;  // the target's limit
    int64_t over() const { return needed - available; }
};

// The limits `r` exceeds on `target`, in the order SRAM, flash, MACs,
// instructions; empty when it fits.
std::vector<LimitExcess> exceeded_limits(const Resources& r, const McuTarget& target);
bool fits(const Resources& r, const McuTarget& target);
// "" when it fits, else one line per exceeded limit, e.g.
// "SRAM: arena 310000 + reserve 20480 = 330480 bytes > 327680 on stm32f746 (over by 2800)".
std::string describe_misfit(const Resources& r, const McuTarget& target);

}  // namespace tinyformer::toolkit
