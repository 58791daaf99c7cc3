#include "target_flags.h"

#include "tinyformer/engine/error.h"

namespace tinyformer::cli {

toolkit::McuTarget target_of(const TargetFlags& f)
{
    TF_CHECK((f.sram_kb > 0) == (f.flash_kb > 0), "--sram-kb ", f.sram_kb, " and --flash-kb ", f.flash_kb,
             ": give both limits or neither (then --target sets them)");
    TF_CHECK(f.max_macs >= 0, "--max-macs = ", f.max_macs, " must be >= 0 (0: no latency bound)");
    TF_CHECK(f.max_instructions >= 0, "--max-instructions = ", f.max_instructions,
             " must be >= 0 (0: no latency bound)");
    const std::string flags = f.sram_kb > 0 ? "--sram-kb " + std::to_string(f.sram_kb) + " / --flash-kb " +
                                                  std::to_string(f.flash_kb)
                                            : "--target '" + f.name + "'";
    try {
        toolkit::McuTarget t = f.sram_kb > 0 ? toolkit::custom_target("custom", f.sram_kb * 1024, f.flash_kb * 1024)
                                             : toolkit::mcu_target(f.name);
        t.max_macs = f.max_macs;
        t.max_instructions = f.max_instructions;
        return t;
    } catch (const engine::Error& e) {
        TF_CHECK(false, flags, ": ", e.what());
    }
    return {};
}

std::string latency_bounds(const toolkit::McuTarget& t)
{
    std::string s;
    if (t.max_macs > 0) {
        s += ", at most " + std::to_string(t.max_macs) + " MACs per inference";
    }
    if (t.max_instructions > 0) {
        s += ", at most " + std::to_string(t.max_instructions) + " estimated instructions per inference";
    }
    return s;
}

}  // namespace tinyformer::cli
