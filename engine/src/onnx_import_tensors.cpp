#include "onnx_import_tensors.h"

#include <cstring>

#include "tinyformer/engine/error.h"

namespace tinyformer::engine::onnx_import {

std::string elem_type_name(int32_t elem_type)
{
    switch (elem_type) {
    case onnx::TensorProto::FLOAT: return "float";
    case onnx::TensorProto::UINT8: return "uint8";
    case onnx::TensorProto::INT8: return "int8";
    case onnx::TensorProto::UINT16: return "uint16";
    case onnx::TensorProto::INT16: return "int16";
    case onnx::TensorProto::INT32: return "int32";
    case onnx::TensorProto::INT64: return "int64";
    case onnx::TensorProto::STRING: return "string";
    case onnx::TensorProto::BOOL: return "bool";
    case onnx::TensorProto::FLOAT16: return "float16";
    case onnx::TensorProto::DOUBLE: return "double";
    case onnx::TensorProto::UINT32: return "uint32";
    case onnx::TensorProto::UINT64: return "uint64";
    case onnx::TensorProto::BFLOAT16: return "bfloat16";
    default: return "element type " + std::to_string(elem_type);
    }
}

namespace {

template <typename T>
void append_raw(const std::string& raw, std::vector<double>& out)
{
    const size_t n = raw.size() / sizeof(T);
    out.reserve(n);
    for (size_t i = 0; i < n; i++) {
        T v;
        std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));  // little-endian host, as ONNX stores it
        out.push_back(static_cast<double>(v));
    }
}

size_t element_size(int32_t elem_type)
{
    switch (elem_type) {
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8: return 1;
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::FLOAT: return 4;
    case onnx::TensorProto::INT64: return 8;
    default: return 0;
    }
}

}  // namespace

OnnxConstant decode_tensor(const onnx::TensorProto& tensor, const std::string& context)
{
    OnnxConstant c;
    c.name = tensor.name();
    c.elem_type = tensor.data_type();
    const std::string where = context + ": tensor '" + tensor.name() + "'";
    TF_CHECK(tensor.data_location() != onnx::TensorProto::EXTERNAL, where,
             ": external data is not supported; supported: data stored inside the model");
    TF_CHECK(element_size(c.elem_type) != 0, where, ": element type ", elem_type_name(c.elem_type),
             " is not supported for constants; supported: int8, uint8, int32, int64, float");
    int64_t count = 1;
    for (int64_t d : tensor.dims()) {
        TF_CHECK(d >= 0 && d <= (int64_t{1} << 31), where, ": dimension ", d, " is out of range");
        count *= d;
        TF_CHECK(count <= (int64_t{1} << 31), where, ": more than 2^31 elements");
        c.dims.push_back(d);
    }
    if (tensor.has_raw_data()) {
        const std::string& raw = tensor.raw_data();
        TF_CHECK(raw.size() == static_cast<size_t>(count) * element_size(c.elem_type), where, ": raw data holds ",
                 raw.size(), " bytes, expected ", count, " x ", element_size(c.elem_type));
        switch (c.elem_type) {
        case onnx::TensorProto::INT8: append_raw<int8_t>(raw, c.values); break;
        case onnx::TensorProto::UINT8: append_raw<uint8_t>(raw, c.values); break;
        case onnx::TensorProto::INT32: append_raw<int32_t>(raw, c.values); break;
        case onnx::TensorProto::FLOAT: append_raw<float>(raw, c.values); break;
        case onnx::TensorProto::INT64: append_raw<int64_t>(raw, c.values); break;
        default: TF_INTERNAL_ASSERT(false);
        }
    } else if (c.elem_type == onnx::TensorProto::FLOAT) {
        for (float v : tensor.float_data()) c.values.push_back(v);
    } else if (c.elem_type == onnx::TensorProto::INT64) {
        for (int64_t v : tensor.int64_data()) c.values.push_back(static_cast<double>(v));
    } else {
        for (int32_t v : tensor.int32_data()) c.values.push_back(v);  // int8, uint8, int32 live in int32_data
    }
    TF_CHECK(static_cast<int64_t>(c.values.size()) == count, where, ": holds ", c.values.size(),
             " values, its shape needs ", count);
    return c;
}

}  // namespace tinyformer::engine::onnx_import
