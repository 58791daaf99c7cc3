// The MCU a command checks a model against, as its flags give it: --target,
// or --sram-kb / --flash-kb (both or neither; they override --target), and the
// optional latency bounds --max-macs / --max-instructions.
#pragma once

#include <cstdint>
#include <string>

#include "tinyformer/toolkit/resources.h"

namespace tinyformer::cli {

struct TargetFlags {
    std::string name = "stm32f746";     // toolkit::mcu_target_names(); ignored with explicit limits
    int64_t sram_kb = 0, flash_kb = 0;  // explicit limits (both or neither)
    int64_t max_macs = 0;               // latency bound: MACs per inference (0: none)
    int64_t max_instructions = 0;       // latency bound: estimated Cortex-M7 instructions per inference (0: none)
};

// The target with the default reserves. Throws engine::Error naming the flags
// for one explicit limit without the other, a negative bound, or an unknown name.
toolkit::McuTarget target_of(const TargetFlags& flags);

// ", at most 5000000 MACs per inference, at most ... estimated instructions per
// inference" for the bounds `target` sets; "" when it sets none.
std::string latency_bounds(const toolkit::McuTarget& target);

}  // namespace tinyformer::cli
