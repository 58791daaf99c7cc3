// QDQ fusion: turns a checked, shape-inferred int8 ONNX graph into IR ops.
//
// Every pattern the import recognises lives in qdq_fusion.cpp: QDQ groups
// (DequantizeLinear -> float op [-> Relu/Clip] -> QuantizeLinear) become one
// fused IR op, the canonical attention and sequence-pooling subgraphs become IR
// Attention / SeqPool, layout ops between NCHW feature maps and token sequences
// become IR Reshape, QLinearConv / QLinearMatMul map directly. Private to the
// ONNX import (docs/onnx-import.md documents the patterns).
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

#include "tinyformer/engine/ir.h"

namespace tinyformer::engine::onnx_import {

// Throws Error naming the first node whose domain or op the conversion has no
// rule for. Run before ONNX shape inference, which then only sees supported ops.
void check_supported_ops(const onnx::ModelProto& model, const std::string& source);

// `model` has passed the ONNX checker and strict shape inference, with static
// shapes; `source` names the model in error messages.
Graph convert_qdq_model(const onnx::ModelProto& model, const std::string& source);

}  // namespace tinyformer::engine::onnx_import
