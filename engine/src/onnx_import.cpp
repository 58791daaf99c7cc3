#include "tinyformer/engine/onnx_import.h"

#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include "qdq_fusion.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::engine {

namespace {

constexpr int64_t kMinOpset = 13;
constexpr int64_t kMaxOpset = 17;

onnx::ModelProto parse_model(const void* data, size_t size, const std::string& source)
{
    TF_CHECK(size > 0, source, ": the file is empty, expected a serialized ONNX ModelProto");
    TF_CHECK(size <= static_cast<size_t>(std::numeric_limits<int>::max()), source, ": ", size,
             " bytes is more than the 2 GiB protobuf limit");
    onnx::ModelProto model;
    TF_CHECK(model.ParseFromArray(data, static_cast<int>(size)), source,
             ": not a valid ONNX model (the protobuf does not parse: truncated or malformed file, ", size, " bytes)");
    TF_CHECK(model.has_graph(), source, ": the ONNX model has no graph");
    return model;
}

void check_opset(const onnx::ModelProto& model, const std::string& source)
{
    int64_t version = -1;
    for (const auto& opset : model.opset_import()) {
        if (opset.domain().empty() || opset.domain() == "ai.onnx") {
            version = opset.version();
        }
    }
    TF_CHECK(version >= 0, source, ": the model imports no default-domain (ai.onnx) opset");
    TF_CHECK(version >= kMinOpset && version <= kMaxOpset, source, ": opset ", version,
             " is not supported; supported: opsets ", kMinOpset, " to ", kMaxOpset,
             " (convert with onnx.version_converter)");
}

// A dynamic leading (batch) dimension of a graph input becomes 1; any other
// dynamic dimension is an error, since the IR has static shapes.
void fix_input_shapes(onnx::ModelProto& model, const std::string& source)
{
    auto* graph = model.mutable_graph();
    for (auto& input : *graph->mutable_input()) {
        if (!input.type().has_tensor_type() || !input.type().tensor_type().has_shape()) {
            continue;  // the checker or shape inference reports it
        }
        auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
        for (int i = 0; i < shape->dim_size(); i++) {
            auto* dim = shape->mutable_dim(i);
            if (dim->has_dim_value()) {
                continue;
            }
            TF_CHECK(i == 0, source, ": graph input '", input.name(), "' dimension ", i,
                     " is dynamic; supported: static shapes (only a dynamic batch dimension 0 is set to 1)");
            dim->set_dim_value(1);
        }
    }
}

// Guards for libonnx 1.12's conv/pool shape inference, which crashes on some malformed nodes: it divides by
// strides unchecked, and reads out of bounds when a Conv without a kernel_shape attribute has weights of a
// higher rank than its input. Checks the window attributes and gives every Conv / QLinearConv the kernel_shape
// of its constant weights (an initializer, possibly through DequantizeLinear), so that inference checks ranks.
void prepare_conv_pool_nodes(onnx::ModelProto& model, const std::string& source)
{
    auto* graph = model.mutable_graph();
    std::map<std::string, const onnx::TensorProto*> initializers;
    std::map<std::string, std::string> dequantized_from;
    for (const auto& init : graph->initializer()) initializers[init.name()] = &init;
    for (const auto& node : graph->node()) {
        if (node.op_type() == "DequantizeLinear" && node.input_size() > 0 && node.output_size() > 0) {
            dequantized_from[node.output(0)] = node.input(0);
        }
    }
    for (auto& node : *graph->mutable_node()) {
        const bool pool = node.op_type() == "MaxPool" || node.op_type() == "AveragePool";
        const int w = node.op_type() == "Conv" ? 1 : node.op_type() == "QLinearConv" ? 3 : -1;
        if (w < 0 && !pool) continue;
        // libonnx divides by the strides and indexes by kernel sizes without checking them.
        for (const auto& a : node.attribute()) {
            const bool positive = a.name() == "strides" || a.name() == "dilations" || a.name() == "kernel_shape";
            if (!positive && a.name() != "pads") continue;
            for (int64_t v : a.ints()) {
                TF_CHECK(positive ? v > 0 : v >= 0, source, ": node '", node.name(), "' (", node.op_type(),
                         "): attribute ", a.name(), " value ", v, " must be ", positive ? "positive" : ">= 0");
            }
        }
        if (pool) continue;
        bool has_kernel_shape = false;
        for (const auto& a : node.attribute()) has_kernel_shape = has_kernel_shape || a.name() == "kernel_shape";
        if (has_kernel_shape) continue;
        std::string name = node.input_size() > w ? node.input(w) : "";
        if (!initializers.count(name) && dequantized_from.count(name)) name = dequantized_from.at(name);
        TF_CHECK(initializers.count(name), source, ": node '", node.name(), "' (", node.op_type(),
                 "): weights must be a constant (an int8 initializer, through DequantizeLinear for Conv)");
        const auto& dims = initializers.at(name)->dims();
        TF_CHECK(dims.size() >= 3, source, ": node '", node.name(), "' (", node.op_type(), "): weights '", name,
                 "' have rank ", dims.size(), ", expected [C_out, C_in/group, KH, KW]");
        auto* attr = node.add_attribute();
        attr->set_name("kernel_shape");
        attr->set_type(onnx::AttributeProto::INTS);
        for (int i = 2; i < dims.size(); i++) attr->add_ints(dims[i]);
    }
}

Graph import_model(onnx::ModelProto model, const std::string& source)
{
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        throw Error(source + ": the ONNX checker rejects the model: " + e.what());
    }
    check_opset(model, source);
    onnx_import::check_supported_ops(model, source);
    fix_input_shapes(model, source);
    prepare_conv_pool_nodes(model, source);
    try {
        onnx::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1, /*data_prop=*/true);
        onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception& e) {
        throw Error(source + ": ONNX shape inference fails (wrong dtype or shape mismatch): " + e.what());
    }
    Graph graph = onnx_import::convert_qdq_model(model, source);
    graph.validate();
    return graph;
}

}  // namespace

Graph import_onnx_bytes(const void* data, size_t size, const std::string& source_name)
{
    TF_CHECK(data != nullptr || size == 0, source_name, ": null data");
    return import_model(parse_model(data, size, source_name), source_name);
}

Graph import_onnx_bytes(const std::vector<uint8_t>& bytes, const std::string& source_name)
{
    return import_onnx_bytes(bytes.data(), bytes.size(), source_name);
}

Graph import_onnx(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    TF_CHECK(file.good(), path, ": cannot open the ONNX file");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    TF_CHECK(!file.bad(), path, ": read error");
    return import_onnx_bytes(bytes, path);
}

}  // namespace tinyformer::engine
