// The report of one search run: a single self-contained HTML file (inline CSS
// and SVG, no script, nothing fetched: it opens offline) that shows what was
// searched and what was chosen.
//
//   SearchReport report;
//   report.title = "CIFAR-10 on the STM32F746";
//   report.target = mcu_target("stm32f746");
//   report.candidates = store.records("selection");          // and the other stages
//   report.chosen.config = best;
//   report.chosen.model = &compiled;                          // engine::compile of its graph
//   report.chosen.profile = parse_firmware_profile(qemu_log); // optional: instructions per layer
//   write_html_report(report, "runs/cifar/report.html");
//
// Sections: a summary card (target, limits, the chosen model's accuracies,
// SRAM and flash against the limits, instructions and time when profiled);
// scatter plots of every candidate with resources, accuracy against peak SRAM
// and against flash, with the limits the model may use drawn; the chosen
// model's per-layer arena, flash and instructions (MACs when not profiled);
// its per-layer sparsity and block size; the best candidates of each stage.
// docs/search.md "Report" describes what each plot shows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/resources.h"
#include "tinyformer/toolkit/search_store.h"

namespace tinyformer::toolkit {

// One "layer <i> <name>: <macs> MACs[, <instructions> instructions]" line of firmware/model_main.c.
struct FirmwareLayer {
    std::string name;
    int64_t macs = 0;
    std::optional<int64_t> instructions;  // printed by the board build only
};

// What the firmware printed for one model (under QEMU or on the board).
struct FirmwareProfile {
    // From "model: <n> layers, arena <a> bytes, constants <c> bytes, <m> MACs".
    int64_t arena_bytes = 0, constant_bytes = 0, total_macs = 0;
    std::vector<FirmwareLayer> layers;        // in order, index i at position i
    std::optional<int64_t> total_instructions;  // "total: <n> instructions" (board build)
    std::vector<uint8_t> output;              // "output: xx xx ..." (the model's int8 output bytes)
    bool profiled() const { return total_instructions.has_value(); }
};

// Parses the output of firmware/model_main.c. Other lines (the emulator's,
// the board's) are skipped. Throws engine::Error quoting the line (with its
// number) for a malformed model / layer / total / output line, a failure the
// firmware reported ("model_run failed", "two runs ... differ"), layers out of
// order or not as many as announced, instructions on some layers but not all,
// a total that is not the sum of the layers', or a missing model, total or
// output line.
FirmwareProfile parse_firmware_profile(const std::string& qemu_output);

// The model the search chose.
struct ChosenModel {
    ArchConfig config;
    const engine::CompiledModel* model = nullptr;  // required; not owned, must outlive the report call
    std::optional<FirmwareProfile> profile;        // its layers must be the model's layers, by name
    // Top-1 in [0, 1]: the dense fp32 model, after pruning (fp32), int8 from the C kernels.
    std::optional<double> accuracy_fp32, accuracy_pruned, accuracy_int8;
    std::vector<std::string> notes;  // free text, one paragraph each
};

struct SearchReport {
    std::string title = "TinyFormer search";
    std::string dataset;
    McuTarget target;
    double clock_hz = 0.0;  // the target's core clock, for instructions -> ms at one instruction per cycle; 0 = unknown
    std::string preset;     // e.g. "quick", "paper"
    uint64_t seed = 0;
    double seconds = 0.0;   // wall time of the whole run
    std::vector<SearchRecord> candidates;  // every stage's records (SearchStore::records)
    ChosenModel chosen;
};

// The report as one HTML document. Throws engine::Error when the target is
// invalid (check_target), the chosen model is missing, the profile's layers
// are not the model's, the chosen config is not buildable (layers()), or a
// candidate's config JSON is malformed (naming the candidate by stage and key).
std::string html_report(const SearchReport& report);
// Writes html_report(report) to `path`; throws engine::Error naming the path when it cannot.
void write_html_report(const SearchReport& report, const std::string& path);

}  // namespace tinyformer::toolkit
