// tinyformer deploy: int8 ONNX -> compiled model -> fit check -> firmware C (firmware_io.h).
#include "deploy.h"

#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "firmware_io.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::cli {
namespace fs = std::filesystem;
using namespace tinyformer::toolkit;

void run_deploy(const DeployOptions& o)
{
    TF_CHECK(!o.onnx.empty(), "--onnx: an int8 ONNX model is required");
    TF_CHECK(!o.out.empty(), "--out: an output folder is required");
    const McuTarget target = target_of(o.target);
    const engine::CompiledModel model = compile_onnx(o.onnx, "--onnx");
    const Resources r = resources_of(model);
    std::cout << "peak SRAM (arena): " << r.arena_bytes << " bytes + " << target.reserved_sram << " reserved of "
              << target.sram_bytes << "; flash (constants): " << r.constant_bytes << " bytes + "
              << target.reserved_flash << " reserved of " << target.flash_bytes << "; " << r.macs << " MACs, "
              << r.instructions << " Cortex-M7 instructions estimated\n";
    std::string misfit = describe_misfit(r, target);
    while (!misfit.empty() && misfit.back() == '\n') {
        misfit.pop_back();
    }
    TF_CHECK(misfit.empty(), "--onnx '", o.onnx, "' does not fit ", target.name, ":\n", misfit);
    std::cout << "fits " << target.name << "\n" << std::flush;

    std::error_code ec;
    fs::create_directories(o.out, ec);
    TF_CHECK(!ec && fs::is_directory(o.out), "--out '", o.out, "': cannot create the folder: ", ec.message());
    const std::string c_dir = (fs::path(o.out) / "c").string();
    const std::string expected = emit_firmware_sources(model, c_dir, o.name, o.out);
    std::cout << "== C sources in " << c_dir << "; expected firmware " << expected << "\n"
              << "next: scripts/firmware_check.sh " << o.out << " " << o.name
              << "   (cross-builds, runs under QEMU, compares with expected_output.txt; writes "
              << (fs::path(o.out) / "qemu.out").string() << " for tinyformer profile --qemu-output)\n";
}

}  // namespace tinyformer::cli
