// tinyformer profile: per-layer costs of a compiled model (engine layer_costs),
// optionally with the firmware's measured instructions (parse_firmware_profile).
#include "profile.h"

#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include "cli_common.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"
#include "tinyformer/engine/model_report.h"
#include "tinyformer/toolkit/search_report.h"

namespace tinyformer::cli {
using namespace tinyformer::toolkit;

namespace {

std::string per_mac(int64_t instructions, int64_t macs)
{
    if (macs == 0) {
        return "-";
    }
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << static_cast<double>(instructions) / static_cast<double>(macs);
    return s.str();
}

// The firmware's profile of `model`, checked to be this model's (same layers, same totals).
FirmwareProfile read_profile(const std::string& path, const engine::CompiledModel& model)
{
    FirmwareProfile p;
    try {
        p = parse_firmware_profile(read_text_file(path, "--qemu-output"));
    } catch (const engine::Error& e) {
        TF_CHECK(false, "--qemu-output '", path, "': ", e.what());
    }
    TF_CHECK(p.layers.size() == model.layers.size(), "--qemu-output '", path, "': ", p.layers.size(),
             " layers, the model has ", model.layers.size(), " (the output of another model?)");
    for (size_t i = 0; i < p.layers.size(); ++i) {
        TF_CHECK(p.layers[i].name == model.layers[i].name, "--qemu-output '", path, "': layer ", i, " is '",
                 p.layers[i].name, "', the model's is '", model.layers[i].name, "' (the output of another model?)");
    }
    TF_CHECK(p.arena_bytes == model.arena_bytes() && p.constant_bytes == model.constant_bytes(), "--qemu-output '",
             path, "': arena ", p.arena_bytes, " / constants ", p.constant_bytes, " bytes, the model's are ",
             model.arena_bytes(), " / ", model.constant_bytes(), " (the output of another model?)");
    return p;
}

}  // namespace

void run_profile(const ProfileOptions& o)
{
    TF_CHECK(!o.onnx.empty(), "--onnx: an int8 ONNX model is required");
    const McuTarget target = target_of(o.target);
    const engine::CompiledModel model = compile_onnx(o.onnx, "--onnx");
    std::optional<FirmwareProfile> profile;
    if (!o.qemu_output.empty()) {
        profile = read_profile(o.qemu_output, model);
    }

    const std::vector<engine::LayerCost> costs = engine::layer_costs(model);
    const engine::InstructionEstimate estimate = engine::estimate_instructions(model);
    std::cout << "| # | layer | kernel | MACs | flash bytes | live SRAM bytes | scratch bytes | est. instructions |"
              << (profile ? " instructions | instructions/MAC |" : "") << "\n"
              << "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |" << (profile ? " ---: | ---: |" : "") << "\n";
    for (size_t i = 0; i < costs.size(); ++i) {
        const engine::LayerCost& c = costs[i];
        std::cout << "| " << i << " | " << c.name << " | " << c.kernel << " | " << c.macs << " | " << c.flash_bytes
                  << " | " << c.live_bytes << " | " << c.scratch_bytes << " | " << estimate.layers[i] << " |";
        if (profile) {
            const std::optional<int64_t>& n = profile->layers[i].instructions;
            std::cout << " " << (n ? std::to_string(*n) : "-") << " | " << (n ? per_mac(*n, c.macs) : "-") << " |";
        }
        std::cout << "\n";
    }
    const Resources r = resources_of(model);
    std::cout << "total: " << costs.size() << " layers; arena " << r.arena_bytes << " bytes (peak SRAM) + "
              << target.reserved_sram << " reserved of " << target.sram_bytes << "; constants " << r.constant_bytes
              << " bytes (flash) + " << target.reserved_flash << " reserved of " << target.flash_bytes << "; "
              << r.macs << " MACs; " << r.instructions << " instructions estimated (engine/instruction_model.h)\n"
              << (fits(r, target) ? "fits " + target.name + "\n"
                                  : "DOES NOT FIT " + target.name + ":\n" + describe_misfit(r, target) + "\n");
    if (profile && profile->profiled()) {
        const int64_t measured = *profile->total_instructions;
        std::cout << "instructions: " << measured << " per inference, " << per_mac(measured, r.macs)
                  << " per MAC; the estimate is off by " << std::fixed << std::setprecision(1)
                  << 100.0 * static_cast<double>(r.instructions - measured) / static_cast<double>(measured) << "%\n";
    } else if (profile) {
        std::cout << "instructions: not in --qemu-output '" << o.qemu_output
                  << "' (the QEMU firmware build prints them, the host build does not)\n";
    }
}

}  // namespace tinyformer::cli
