// Decoding ONNX TensorProtos (initializers, Constant nodes) into plain values.
// Private to the ONNX import; includes ONNX.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace tinyformer::engine::onnx_import {

// An ONNX constant with its values widened to double (exact for every int8,
// int32 and float value, and for the int64 shapes models use).
struct OnnxConstant {
    std::string name;
    int32_t elem_type = 0;  // onnx::TensorProto_DataType
    std::vector<int64_t> dims;
    std::vector<double> values;

    int64_t num_elements() const { return static_cast<int64_t>(values.size()); }
    bool is_scalar() const { return values.size() == 1; }
};

// "int8", "uint8", "float", ... for messages.
std::string elem_type_name(int32_t elem_type);

// Decodes raw_data or the typed fields; throws Error naming `context` and the
// tensor for external data, unsupported element types or a size mismatch.
OnnxConstant decode_tensor(const onnx::TensorProto& tensor, const std::string& context);

}  // namespace tinyformer::engine::onnx_import
