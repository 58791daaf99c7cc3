// Building ONNX models in memory for tests (import tests, fuzzing, end-to-end).
//
//   OnnxModelBuilder b;                                    // opset 17
//   std::string x = b.input("x", {1, 3, 8, 8});            // float graph input
//   std::string xq = b.qdq(x, 0.05f, -10);                 // QuantizeLinear -> DequantizeLinear
//   std::string w = b.weights("w", {8, 3, 3, 3}, pattern_s8(216, 1), {0.01f, ...}, 0);
//   std::string y = b.node("Conv", {xq, w}, {attr_ints("pads", {1, 1, 1, 1})}, "conv1");
//   b.output(b.dequantize(b.quantize(y, 0.04f, -128), 0.04f, -128));
//   std::string bytes = b.serialize();
//
// Names: every helper returns the name of the tensor it creates; nodes are
// named after the `name` argument (or op type + counter) and output
// "<node name>_out". The canned models at the bottom are the fixtures the
// import tests assert on; their parameters are documented next to them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "tinyformer/engine/onnx_attributes.h"

namespace tinyformer::engine::test {

// Deterministic int8 values in [-127, 127]: value i of stream `seed`.
int8_t pattern_value(int64_t i, int32_t seed);
std::vector<int8_t> pattern_s8(int64_t count, int32_t seed);

class OnnxModelBuilder {
public:
    explicit OnnxModelBuilder(int64_t opset = 17);

    // Graph inputs and outputs. An output without a shape gets the one ONNX shape inference finds at
    // serialize() (give the shape for a model that shape inference must not see before the import does).
    std::string input(const std::string& name, const std::vector<int64_t>& shape,
                      int32_t elem_type = onnx::TensorProto::FLOAT);
    void output(const std::string& name, int32_t elem_type = onnx::TensorProto::FLOAT,
                const std::vector<int64_t>& shape = {});

    // Initializers (raw_data, little-endian).
    std::string init_s8(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int8_t>& values);
    std::string init_u8(const std::string& name, const std::vector<int64_t>& dims, const std::vector<uint8_t>& values);
    std::string init_s32(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int32_t>& values);
    std::string init_i64(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& values);
    std::string init_f32(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values);

    // A node with one output "<name>_out"; returns the output name. "" in `inputs` is an absent optional input.
    std::string node(const std::string& op_type, const std::vector<std::string>& inputs,
                     const std::vector<onnx::AttributeProto>& attrs = {}, const std::string& name = "");

    // QDQ helpers; scale and zero point become scalar initializers (int8 zero point).
    std::string quantize(const std::string& x, float scale, int8_t zero_point);
    std::string dequantize(const std::string& x, float scale, int8_t zero_point);
    std::string qdq(const std::string& x, float scale, int8_t zero_point);
    // DequantizeLinear of int8 weights with one scale per entry along `axis` (or one scale), zero points 0.
    std::string weights(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int8_t>& values,
                        const std::vector<float>& scales, int64_t axis);
    // DequantizeLinear of an int32 bias with scales input_scale * weight_scales[c].
    std::string bias(const std::string& name, const std::vector<int32_t>& values, float input_scale,
                     const std::vector<float>& weight_scales);

    onnx::ModelProto& model() { return model_; }
    // Serialized ModelProto; outputs declared without a shape get the inferred one.
    std::string serialize() const;

private:
    std::string unique(const std::string& base);

    onnx::ModelProto model_;
    int counter_ = 0;
};

// ---- Canned models (fixtures) ---------------------------------------------------------------------------------
// Per-channel weight scales used by the fixtures: 0.01 * (1 + c % 4).
std::vector<float> fixture_scales(int64_t channels);

// CNN with a residual block, input x [1, 3, 8, 8] (scale 0.05, zp -10):
//   conv1 3x3 3->8 pad 1 + Relu (int32 bias) -> q 0.04/-128  "c1"
//   dw 3x3 depthwise 8 pad 1 + Clip(0,6) (float bias) -> q 0.03/-128
//   pw 1x1 8->8 (no bias) -> q 0.05/3
//   add(c1, pw) + Relu -> q 0.06/-128; maxpool 2x2; global average pool; flatten; fc 8->4 (Gemm transB=1) -> q 0.1/5
// Weights: conv1 pattern 1, dw pattern 2, pw pattern 3, fc pattern 4 (ONNX layouts).
std::string cnn_residual_model();

// Transformer block over x [1, 4, 8] (scale 0.05, zp 0), 2 heads of 4, canonical attention pattern, MLP 8->16->8
// with Relu, two residual adds. Linear layers are MatMul + Add(float bias) with weights [C_in, C_out].
std::string transformer_block_model();

// Mini CCT head: x [1, 3, 4, 4] -> conv 3x3 3->8 + Relu -> [1, 8, 16] -> tokens [1, 16, 8] -> SeqPool
// (logits MatMul w [8, 1] + bias, Softmax over tokens, MatMul(softmax^T, tokens)) -> [1, 1, 8].
std::string seqpool_model();

// QLinearConv (x int8 [1, 2, 4, 4], w [4, 2, 3, 3] pattern 5, pad 1, int32 bias) -> Reshape [1, 4, 16] ->
// Transpose -> [1, 16, 4] -> QLinearMatMul (B [4, 3] pattern 6) -> int8 [1, 16, 3].
std::string qlinear_model();

}  // namespace tinyformer::engine::test
