// A per-layer table of a CompiledModel: MACs, flash bytes of constants,
// scratch bytes and where the output lives in the arena, with totals and the
// memory plan against its lower bound.
#pragma once

#include <iosfwd>
#include <string>

#include "tinyformer/engine/compiled_model.h"

namespace tinyformer::engine {

// Markdown table, one row per layer, then totals.
void write_layer_report(std::ostream& out, const CompiledModel& model);
std::string layer_report(const CompiledModel& model);

// Kernel name a layer runs (the dispatching runtime entry point), e.g. "se_conv2d_s8".
std::string kernel_name(const Layer& layer);

}  // namespace tinyformer::engine
