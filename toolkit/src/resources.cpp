#include "tinyformer/toolkit/resources.h"

#include <chrono>
#include <sstream>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"

namespace tinyformer::toolkit {

std::vector<std::string> mcu_target_names() { return {"stm32f746", "stm32h743"}; }

McuTarget mcu_target(const std::string& name)
{
    // The sizes of platform/mps2-an500/ld/<name>.ld, the linker scripts the firmware links with.
    if (name == "stm32f746") {
        return custom_target(name, 320 * 1024, 1024 * 1024);
    }
    if (name == "stm32h743") {
        return custom_target(name, 512 * 1024, 2048 * 1024);
    }
    std::string known;
    for (const std::string& n : mcu_target_names()) {
        known += (known.empty() ? "" : ", ") + n;
    }
    TF_CHECK(false, "MCU target '", name, "' is not a known name (expected one of ", known,
             ", or explicit limits)");
    return {};
}

void check_target(const McuTarget& t)
{
    TF_CHECK(t.sram_bytes > 0 && t.flash_bytes > 0, "MCU target '", t.name, "': SRAM ", t.sram_bytes,
             " and flash ", t.flash_bytes, " bytes must be positive");
    TF_CHECK(t.reserved_sram >= 0 && t.reserved_flash >= 0, "MCU target '", t.name, "': reserves (SRAM ",
             t.reserved_sram, ", flash ", t.reserved_flash, " bytes) must not be negative");
    TF_CHECK(t.reserved_sram < t.sram_bytes, "MCU target '", t.name, "': the SRAM reserve of ", t.reserved_sram,
             " bytes leaves nothing of ", t.sram_bytes, " bytes for the model's arena");
    TF_CHECK(t.reserved_flash < t.flash_bytes, "MCU target '", t.name, "': the flash reserve of ",
             t.reserved_flash, " bytes leaves nothing of ", t.flash_bytes, " bytes for the model's constants");
    TF_CHECK(t.max_macs >= 0, "MCU target '", t.name, "': max_macs = ", t.max_macs, " must be >= 0 (0: no limit)");
    TF_CHECK(t.max_instructions >= 0, "MCU target '", t.name, "': max_instructions = ", t.max_instructions,
             " must be >= 0 (0: no limit)");
}

McuTarget custom_target(const std::string& name, int64_t sram_bytes, int64_t flash_bytes, int64_t reserved_sram,
                        int64_t reserved_flash, int64_t max_macs, int64_t max_instructions)
{
    McuTarget t{name, sram_bytes, flash_bytes, reserved_sram, reserved_flash, max_macs, max_instructions};
    check_target(t);
    return t;
}

Resources resources_of(const engine::CompiledModel& model)
{
    Resources r;
    r.arena_bytes = model.arena_bytes();
    r.constant_bytes = model.constant_bytes();
    r.macs = model.total_macs();
    r.instructions = engine::estimate_instructions(model).total;
    return r;
}

Resources evaluate_resources(const ArchConfig& config)
{
    const auto start = std::chrono::steady_clock::now();
    Resources r = resources_of(engine::compile(build_engine_graph(config)));
    r.seconds_to_evaluate = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

std::vector<LimitExcess> exceeded_limits(const Resources& r, const McuTarget& t)
{
    std::vector<LimitExcess> out;
    if (r.arena_bytes + t.reserved_sram > t.sram_bytes) {
        out.push_back({"SRAM", r.arena_bytes + t.reserved_sram, t.sram_bytes});
    }
    if (r.constant_bytes + t.reserved_flash > t.flash_bytes) {
        out.push_back({"flash", r.constant_bytes + t.reserved_flash, t.flash_bytes});
    }
    if (t.max_macs > 0 && r.macs > t.max_macs) {
        out.push_back({"MACs", r.macs, t.max_macs});
    }
    if (t.max_instructions > 0 && r.instructions > t.max_instructions) {
        out.push_back({"instructions", r.instructions, t.max_instructions});
    }
    return out;
}

bool fits(const Resources& r, const McuTarget& t) { return exceeded_limits(r, t).empty(); }

std::string describe_misfit(const Resources& r, const McuTarget& t)
{
    std::ostringstream s;
    for (const LimitExcess& e : exceeded_limits(r, t)) {
        if (e.limit == "SRAM") {
            s << "SRAM: arena " << r.arena_bytes << " + reserve " << t.reserved_sram << " = " << e.needed
              << " bytes > " << e.available;
        } else if (e.limit == "flash") {
            s << "flash: constants " << r.constant_bytes << " + reserve " << t.reserved_flash << " = " << e.needed
              << " bytes > " << e.available;
        } else if (e.limit == "MACs") {
            s << "MACs: " << e.needed << " > limit " << e.available;
        } else {
            s << "instructions: estimated " << e.needed << " per inference > limit " << e.available;
        }
        s << " on " << t.name << " (over by " << e.over() << ")\n";
    }
    return s.str();
}

}  // namespace tinyformer::toolkit
