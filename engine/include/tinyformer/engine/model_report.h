// A per-layer table of a CompiledModel: MACs, flash bytes of constants,
// scratch bytes and where the output lives in the arena, with totals and the
// memory plan against its lower bound.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"

namespace tinyformer::engine {

// What one layer of a compiled model costs: the figures of one row of the
// layer report, plus the arena bytes live while it runs.
struct LayerCost {
    std::string name;
    OpKind op = OpKind::Conv2D;
    std::string kernel;          // kernel_name()
    int64_t macs = 0;
    int64_t flash_bytes = 0;     // the layer's constants (weights, bias, requantization)
    int64_t scratch_bytes = 0;
    int64_t output_bytes = 0;
    int64_t output_offset = 0;   // of the output in the arena
    // Aligned bytes of every buffer live at the layer's step (its inputs, its
    // output, its scratch, and activations held for later layers, e.g.
    // residuals): the arena holds at least this much while the layer runs.
    int64_t live_bytes = 0;
};

// One entry per layer, in execution order.
std::vector<LayerCost> layer_costs(const CompiledModel& model);

// Markdown table, one row per layer, then totals.
void write_layer_report(std::ostream& out, const CompiledModel& model);
std::string layer_report(const CompiledModel& model);

// Kernel name a layer runs (the dispatching runtime entry point), e.g. "se_conv2d_s8".
std::string kernel_name(const Layer& layer);

}  // namespace tinyformer::engine
