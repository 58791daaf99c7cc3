// Private to the C emitter: what the per-layer emitters (c_emitter_layers.cpp)
// share with the file assembly (c_emitter.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"

namespace tinyformer::engine::c_emit {

// Names and addresses of one model's C symbols.
struct Symbols {
    const CompiledModel& model;
    std::string sym;                 // lower-case prefix of public symbols, e.g. "model"
    std::string upper;               // its upper case, for macros
    std::vector<std::string> arrays; // C name of each constant array (extern const)
    std::vector<std::string> layers; // unique C identifier of each layer (file-static names)

    // "(model_arena + 1024)": the buffer's planned place in the arena.
    std::string buffer(BufferId id) const;
    // The array's C name, or "NULL" for kNone.
    std::string array(ArrayId id) const;
    const ConstantArray& constant(ArrayId id) const;
};

// What one layer adds to <prefix>.c.
struct LayerCode {
    std::string description;  // one line for the comment above the layer, e.g. "conv2d 3x3, 8x8x3 -> 8x8x16"
    std::string definitions;  // file-scope `static const` structs (and SRAM tables), each line ending in '\n'
    std::string init;         // statements for <sym>_init(), may assign `status` and return
    std::string call;         // statements that assign `status` (one kernel call, or prepare + call)
    bool uses_sparse_kernels = false;
};

// Dispatches on layer.call (std::visit, one overload per call kind).
LayerCode emit_layer(const Symbols& symbols, int index, const Layer& layer);

// C literals and initializers.
std::string c_int(int64_t value);  // handles INT32_MIN and wider values
std::string c_string(const std::string& text);  // a quoted, escaped C string literal
std::string c_float(float value);  // e.g. "0.0235294f"
std::string c_dims(const se_dims& dims);
std::string c_activation(const se_activation& act);
std::string c_quant(const se_quant& quant);

}  // namespace tinyformer::engine::c_emit
