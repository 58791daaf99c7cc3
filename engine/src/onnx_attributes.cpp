#include "tinyformer/engine/onnx_attributes.h"

namespace tinyformer::engine {

namespace {

onnx::AttributeProto named(const std::string& name, onnx::AttributeProto::AttributeType type)
{
    onnx::AttributeProto a;
    a.set_name(name);
    a.set_type(type);
    return a;
}

}  // namespace

onnx::AttributeProto attr_int(const std::string& name, int64_t value)
{
    onnx::AttributeProto a = named(name, onnx::AttributeProto::INT);
    a.set_i(value);
    return a;
}

onnx::AttributeProto attr_float(const std::string& name, float value)
{
    onnx::AttributeProto a = named(name, onnx::AttributeProto::FLOAT);
    a.set_f(value);
    return a;
}

onnx::AttributeProto attr_ints(const std::string& name, const std::vector<int64_t>& values)
{
    onnx::AttributeProto a = named(name, onnx::AttributeProto::INTS);
    for (int64_t v : values) a.add_ints(v);
    return a;
}

onnx::AttributeProto attr_string(const std::string& name, const std::string& value)
{
    onnx::AttributeProto a = named(name, onnx::AttributeProto::STRING);
    a.set_s(value);
    return a;
}

}  // namespace tinyformer::engine
