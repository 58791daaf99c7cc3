#include "firmware_io.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tinyformer/engine/c_emitter.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"

namespace tinyformer::cli {

std::vector<int8_t> deterministic_input(int64_t size)
{
    std::vector<int8_t> input(static_cast<size_t>(size));
    uint32_t state = 12345u;
    for (int8_t& value : input) {
        state = state * 1103515245u + 12345u;
        value = static_cast<int8_t>(static_cast<int32_t>(state >> 24) - 128);
    }
    return input;
}

std::string output_line(const std::vector<int8_t>& output)
{
    std::string line = "output:";
    for (const int8_t value : output) {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(static_cast<uint8_t>(value)));
        line += ' ';
        line += hex;
    }
    return line;
}

std::string emit_firmware_sources(const engine::CompiledModel& model, const std::string& c_dir,
                                  const std::string& model_name, const std::string& out_dir)
{
    engine::EmitOptions emit;
    emit.directory = c_dir;
    emit.model_name = model_name;
    engine::emit_c(model, emit);
    engine::HostInterpreter interpreter(model);
    const std::string expected = output_line(interpreter.run(deterministic_input(interpreter.input_size())));
    const std::string path = (std::filesystem::path(out_dir) / "expected_output.txt").string();
    std::ofstream file(path);
    file << expected << "\n";
    TF_CHECK(file.good(), "cannot write '", path, "'");
    return expected;
}

}  // namespace tinyformer::cli
