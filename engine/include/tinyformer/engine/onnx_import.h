// ONNX import: an int8 ONNX model (opset 13 to 17) to the engine IR.
//
// Two kinds of quantized models are accepted (docs/onnx-import.md lists every
// supported pattern and the canonical attention and sequence-pooling forms):
//   - QDQ models: float ops wrapped in QuantizeLinear / DequantizeLinear with
//     int8 activations, per-channel symmetric int8 weights and int32 (or float)
//     biases; each QDQ group becomes one fused IR op;
//   - QLinearConv / QLinearMatMul models.
// NCHW feature maps become NHWC IR tensors (conv weights OIHW -> OHWI).
//
//   Graph g = import_onnx("model.onnx");   // throws Error on anything unsupported
//   g.validate();                          // already done by the import
//
// Errors (tinyformer::engine::Error) name the file, and for graph content the
// node, its op type and what is supported, e.g.
//   "model.onnx: node 'lstm0' (LSTM): op is not supported; supported: Conv, ..."
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinyformer/engine/ir.h"

namespace tinyformer::engine {

// Reads, checks (ONNX checker, opset, shape inference) and converts the model
// at `path`. The returned graph has passed Graph::validate().
Graph import_onnx(const std::string& path);

// The same for a serialized ModelProto in memory; `source_name` names it in errors.
Graph import_onnx_bytes(const std::vector<uint8_t>& bytes, const std::string& source_name = "<memory>");
Graph import_onnx_bytes(const void* data, size_t size, const std::string& source_name = "<memory>");

}  // namespace tinyformer::engine
