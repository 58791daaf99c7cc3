// The engine IR: a typed graph of quantized int8 ops.
//
// It is the common currency of costing (memory planner, weight encoder), the
// host interpreter and code generation. ONNX import builds it; an architecture
// config builds it directly for the search. Tensors carry shapes, quantization
// and (for constants) data; ops carry typed attributes, never string dicts.
//
//   Graph g;
//   TensorId x = g.add_activation("input", {1, 32, 32, 3}, QuantParams::per_tensor(0.02f, -128));
//   TensorId w = g.add_constant_s8("conv1.w", {16, 3, 3, 3}, weights, QuantParams::per_channel(scales, 0));
//   ...
//   g.add_op(OpKind::Conv2D, "conv1", {x, w, b}, {y}, Conv2DAttrs{...});
//   g.validate();
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace tinyformer::engine {

using TensorId = int32_t;
using OpId = int32_t;
constexpr TensorId kNoTensor = -1;

enum class DType : uint8_t { Int8, Int16, Int32, Float32 };
const char* to_string(DType dtype);
int32_t dtype_size(DType dtype);

// real = scale[i] * (q - zero_point[i]); one entry per tensor, or one per
// channel along `axis` (weights: per output channel, symmetric).
struct QuantParams {
    std::vector<float> scale;
    std::vector<int32_t> zero_point;
    int32_t axis = -1;  // -1: per tensor

    static QuantParams per_tensor(float scale, int32_t zero_point);
    static QuantParams per_channel(std::vector<float> scales, int32_t axis);
    bool is_per_tensor() const { return scale.size() == 1; }
};

struct Tensor {
    std::string name;
    std::vector<int32_t> shape;  // activations NHWC or [tokens, channels]
    DType dtype = DType::Int8;
    QuantParams quant;
    bool is_constant = false;
    std::vector<uint8_t> data;  // constants only, little-endian, row-major in the layout docs/numerics.md states

    int64_t num_elements() const;
    // Typed copies of constant data (the dtype must match).
    std::vector<int8_t> values_s8() const;
    std::vector<int32_t> values_s32() const;
    std::vector<float> values_f32() const;
    int64_t num_bytes() const { return num_elements() * dtype_size(dtype); }
};

enum class Activation : uint8_t { None, Relu, Relu6 };

// Blockwise sparsity of an op's weights, decided by the search or measured on import.
struct SparsityInfo {
    int32_t block = 0;        // 0: dense; 2, 3 (along the width of 3x3 kernels) or 4
    float block_sparsity = 0; // fraction of all-zero blocks
};

struct Conv2DAttrs {  // inputs: x [N,H,W,Cin], w [Cout,KH,KW,Cin], bias int32 [Cout] (optional)
    int32_t stride_h = 1, stride_w = 1;
    int32_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    Activation activation = Activation::None;
    SparsityInfo sparsity;
};
struct DepthwiseConv2DAttrs {  // inputs: x, w [3,3,C], bias
    int32_t stride = 1;
    int32_t pad = 1;
    Activation activation = Activation::None;
};
struct FullyConnectedAttrs {  // inputs: x [tokens, Cin], w [Cout, Cin], bias
    Activation activation = Activation::None;
    SparsityInfo sparsity;
};
struct AddAttrs {
    Activation activation = Activation::None;
};
struct PoolAttrs {};
struct SoftmaxAttrs {};
struct LayerNormAttrs {  // inputs: x [tokens, C], gamma float [C], beta float [C] (quantized at lowering)
    float epsilon = 1e-5f;
};
struct SeqPoolAttrs {};    // inputs: x [tokens, C], logits [tokens, 1]; output [1, C]
struct ReshapeAttrs {};    // view change only: NHWC [1,H,W,C] <-> tokens [H*W, C]
// Multi-head scaled dot-product attention. inputs: q, k, v [tokens, dim];
// output [tokens, dim]; head h uses channels [h*dim/heads, (h+1)*dim/heads).
// scores = Q K^T / sqrt(dim/heads) quantized with scores_quant, softmax over
// each row (output scale 1/256, zero point -128), then A V. Lowered to a
// row-at-a-time kernel: no tokens x tokens buffer per head.
struct AttentionAttrs {
    int32_t heads = 1;
    QuantParams scores_quant;
};

enum class OpKind : uint8_t {
    Conv2D,
    DepthwiseConv2D,
    FullyConnected,
    Add,
    MaxPool2x2,
    AvgPool2x2,
    GlobalAvgPool,
    Softmax,
    LayerNorm,
    SeqPool,
    Reshape,
    Attention,
};
const char* to_string(OpKind kind);

using OpAttrs = std::variant<Conv2DAttrs, DepthwiseConv2DAttrs, FullyConnectedAttrs, AddAttrs,
                             PoolAttrs, SoftmaxAttrs, LayerNormAttrs, SeqPoolAttrs, ReshapeAttrs, AttentionAttrs>;

struct Op {
    OpKind kind;
    std::string name;
    std::vector<TensorId> inputs;  // kNoTensor for an absent optional input (bias)
    std::vector<TensorId> outputs;
    OpAttrs attrs;
};

class Graph {
public:
    TensorId add_tensor(Tensor tensor);
    TensorId add_activation(std::string name, std::vector<int32_t> shape, QuantParams quant);
    TensorId add_constant_s8(std::string name, std::vector<int32_t> shape, const std::vector<int8_t>& values,
                             QuantParams quant);
    TensorId add_constant_s32(std::string name, std::vector<int32_t> shape, const std::vector<int32_t>& values,
                              QuantParams quant);
    TensorId add_constant_f32(std::string name, std::vector<int32_t> shape, const std::vector<float>& values);
    OpId add_op(OpKind kind, std::string name, std::vector<TensorId> inputs, std::vector<TensorId> outputs,
                OpAttrs attrs);

    const Tensor& tensor(TensorId id) const;
    Tensor& tensor(TensorId id);
    const Op& op(OpId id) const;
    const std::vector<Tensor>& tensors() const { return tensors_; }
    const std::vector<Op>& ops() const { return ops_; }

    std::vector<TensorId> inputs;
    std::vector<TensorId> outputs;

    // Checks that ops are in a valid execution order, every activation has one
    // producer (or is a graph input), shapes and dtypes agree with each op's
    // rules, and attributes match the op kind. Throws Error naming the op.
    void validate() const;

    // Execution step of the first and last use of every activation tensor
    // (graph inputs are live from step 0, outputs until the last op).
    struct Lifetime {
        int32_t first_step = -1;
        int32_t last_step = -1;
    };
    std::vector<Lifetime> lifetimes() const;

private:
    std::vector<Tensor> tensors_;
    std::vector<Op> ops_;
};

}  // namespace tinyformer::engine
