// ONNX node attributes by value, for code that writes ONNX models (the
// toolkit's QDQ export, the tests' model builder):
//
//   onnx::NodeProto* n = graph->add_node();
//   *n->add_attribute() = attr_ints("kernel_shape", {3, 3});
//   *n->add_attribute() = attr_float("epsilon", 1e-5f);
//
// The one engine header that includes ONNX: whoever includes it links onnx_proto
// (the engine links ONNX privately; the targets are global, see engine/CMakeLists.txt).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace tinyformer::engine {

onnx::AttributeProto attr_int(const std::string& name, int64_t value);
onnx::AttributeProto attr_float(const std::string& name, float value);
onnx::AttributeProto attr_ints(const std::string& name, const std::vector<int64_t>& values);
onnx::AttributeProto attr_string(const std::string& name, const std::string& value);

}  // namespace tinyformer::engine
