#include "tinyformer/engine/onnx_attributes.h"

namespace tinyformer::engine {

onnx::AttributeProto attr_int(const std::string& name, int64_t value)
{
    onnx::AttributeProto a;
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(value);
    return a;
}

onnx::AttributeProto attr_float(const std::string& name, float value)
{
    onnx::AttributeProto a;
    a.set_name(name);
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(value);
    return a;
}

onnx::AttributeProto attr_ints(const std::string& name, const std::vector<int64_t>& values)
{
    onnx::AttributeProto a;
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) a.add_ints(v);
    return a;
}

onnx::AttributeProto attr_string(const std::string& name, const std::string& value)
{
    onnx::AttributeProto a;
    a.set_name(name);
    a.set_type(onnx::AttributeProto::STRING);
    a.set_s(value);
    return a;
}

}  // namespace tinyformer::engine
