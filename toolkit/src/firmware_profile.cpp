// parse_firmware_profile: reads what firmware/model_main.c prints.
#include <regex>
#include <sstream>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/search_report.h"

namespace tinyformer::toolkit {

namespace {

struct Line {
    int number = 0;
    std::string text;
};

[[noreturn]] void fail(const Line& line, const std::string& rule)
{
    throw engine::Error("firmware output line " + std::to_string(line.number) + " '" + line.text + "': " + rule);
}

// The regexes bound every number to 18 digits, so it fits an int64.
int64_t integer(const std::ssub_match& digits) { return std::stoll(digits.str()); }

}  // namespace

FirmwareProfile parse_firmware_profile(const std::string& qemu_output)
{
    static const std::regex model_line(
        R"(model: (\d{1,18}) layers, arena (\d{1,18}) bytes, constants (\d{1,18}) bytes, (\d{1,18}) MACs)");
    static const std::regex layer_line(R"(layer (\d{1,18}) (.+): (\d{1,18}) MACs(?:, (\d{1,18}) instructions)?)");
    static const std::regex total_line(R"(total: (\d{1,18}) instructions)");
    static const std::regex output_line(R"(output:((?: [0-9a-f]{2})+))");

    FirmwareProfile p;
    std::optional<int64_t> announced_layers, printed_total;
    bool have_output = false;
    std::istringstream in(qemu_output);
    Line line;
    std::smatch m;
    while (std::getline(in, line.text)) {
        line.number++;
        if (!line.text.empty() && line.text.back() == '\r') {  // a serial console's CR LF
            line.text.pop_back();
        }
        const std::string& t = line.text;
        if (t.rfind("model_init failed", 0) == 0 || t.rfind("model_run failed", 0) == 0 ||
            t.rfind("two runs on the same input", 0) == 0) {
            fail(line, "the firmware reported a failure");
        }
        if (t.rfind("model:", 0) == 0) {
            if (announced_layers) {
                fail(line, "a second 'model:' line (the output of two runs?)");
            }
            if (!std::regex_match(t, m, model_line)) {
                fail(line, "expected 'model: <n> layers, arena <a> bytes, constants <c> bytes, <m> MACs'");
            }
            announced_layers = integer(m[1]);
            p.arena_bytes = integer(m[2]);
            p.constant_bytes = integer(m[3]);
            p.total_macs = integer(m[4]);
        } else if (t.rfind("layer ", 0) == 0) {
            if (!std::regex_match(t, m, layer_line)) {
                fail(line, "expected 'layer <i> <name>: <macs> MACs' or 'layer <i> <name>: <macs> MACs, <n> instructions'");
            }
            if (!announced_layers || have_output || printed_total) {
                fail(line, "a layer line must come after the 'model:' line and before 'total:' and 'output:'");
            }
            if (integer(m[1]) != static_cast<int64_t>(p.layers.size())) {
                fail(line, "layer index " + m[1].str() + " out of order (expected " +
                               std::to_string(p.layers.size()) + ")");
            }
            FirmwareLayer layer{m[2].str(), integer(m[3]), std::nullopt};
            if (m[4].matched) {
                layer.instructions = integer(m[4]);
            }
            if (!p.layers.empty() && p.layers.front().instructions.has_value() != layer.instructions.has_value()) {
                fail(line, "instructions on some layers but not on all (one firmware build prints them for every layer)");
            }
            p.layers.push_back(std::move(layer));
        } else if (t.rfind("total:", 0) == 0) {
            if (!std::regex_match(t, m, total_line)) {
                fail(line, "expected 'total: <n> instructions'");
            }
            if (printed_total) {
                fail(line, "a second 'total:' line");
            }
            printed_total = integer(m[1]);
            if (p.layers.empty() || !p.layers.front().instructions) {
                fail(line, "a total without per-layer instructions");
            }
            int64_t sum = 0;
            for (const FirmwareLayer& l : p.layers) {
                sum += *l.instructions;
            }
            // The firmware adds the layers' counts in a uint32_t.
            if ((static_cast<uint64_t>(sum) & 0xffffffffu) != static_cast<uint64_t>(*printed_total)) {
                fail(line, "the total is not the sum of the layers' instructions (" + std::to_string(sum) + ")");
            }
            p.total_instructions = sum;
        } else if (t.rfind("output:", 0) == 0) {
            if (have_output) {
                fail(line, "a second 'output:' line");
            }
            if (!std::regex_match(t, m, output_line)) {
                fail(line, "expected 'output:' followed by bytes as two lower-case hex digits each, one space before each");
            }
            const std::string hex = m[1].str();
            for (size_t i = 1; i + 1 < hex.size(); i += 3) {  // " xx" groups
                p.output.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
            }
            have_output = true;
        }
    }
    TF_CHECK(announced_layers, "firmware output: no 'model: <n> layers, ...' line (not the output of firmware/model_main.c?)");
    TF_CHECK(static_cast<int64_t>(p.layers.size()) == *announced_layers, "firmware output: ", p.layers.size(),
             " layer lines, but the 'model:' line announced ", *announced_layers, " (output cut short?)");
    int64_t macs = 0;
    for (const FirmwareLayer& l : p.layers) {
        macs += l.macs;
    }
    TF_CHECK(macs == p.total_macs, "firmware output: the layers' MACs add up to ", macs, ", the 'model:' line says ",
             p.total_macs);
    TF_CHECK(p.layers.empty() || !p.layers.front().instructions || p.total_instructions,
             "firmware output: per-layer instructions but no 'total: <n> instructions' line (output cut short?)");
    TF_CHECK(have_output, "firmware output: no 'output: xx xx ...' line (output cut short?)");
    return p;
}

}  // namespace tinyformer::toolkit
