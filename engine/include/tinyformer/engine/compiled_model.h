// A graph lowered to runtime kernel calls.
//
// compile() resolves every integer parameter of every layer (requantization
// multipliers and shifts, zero points, clamps, kernel choice dense or sparse),
// lays out the constants as typed arrays (flash) and plans the activation arena
// (SRAM) with the memory planner. The host interpreter executes a
// CompiledModel and the C emitter prints it: both pass the same runtime
// structs to the same runtime kernels, so they compute the same bits.
//
//   CompiledModel m = compile(graph, CompileOptions{});
//   std::cout << m.plan_report;           // peak SRAM vs lower bound
//   HostInterpreter run(m); ...           // interpreter.h
//   emit_c(m, EmitOptions{...});          // emitter.h
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "tinyformer/engine/ir.h"
#include "tinyformer/engine/memory_planner.h"
#include "tinyformer/runtime/se_runtime.h"
#include "tinyformer/runtime/se_sparse_kernels.h"

namespace tinyformer::engine {

// Which kernel variants the scratch sizes are planned for. The firmware for a
// Cortex-M7 runs the DSP kernels; the host runs the reference kernels. The
// arena is planned for the larger of the two so one plan serves both.
struct CompileOptions {
    bool allow_sparse = true;         // use sparse kernels where the coded weights are smaller
    bool detect_sparsity = true;      // for layers without SparsityInfo (e.g. from ONNX), try blocks 4, 2
                                      // (and 3 along 3x3 kernel widths) and keep the smallest coding
    int32_t attention_block_rows = 16; // query rows per attention step: scratch grows with it, per-call
                                       // packing cost shrinks (bench/results/kernels-cortex-m7.md)
};

using ArrayId = int32_t;   // index into CompiledModel::arrays
using BufferId = int32_t;  // index into CompiledModel::buffers
constexpr int32_t kNone = -1;

// A constant array (goes to flash as `static const`).
struct ConstantArray {
    std::string name;  // a C identifier, unique in the model
    DType dtype = DType::Int8;
    std::vector<uint8_t> bytes;  // little-endian values
    int64_t count() const { return static_cast<int64_t>(bytes.size()) / dtype_size(dtype); }
};

// Weights of a conv / linear layer: dense int8, or the blockwise run-length
// stream of runtime/include/tinyformer/runtime/se_sparse.h.
// Sparse weights are in the coded order of se_sparse_kernels.h (3x3 convolutions
// with block 3: [C_out, KH, C_in, KW]), with the row table se_sparse_prepare_s8
// made at compile time, so the kernels take the trusted path and the table
// lives in flash.
struct LayerWeights {
    ArrayId array = kNone;      // int8 dense weights, or the uint8 stream (stored as Int8 bytes)
    bool sparse = false;
    int32_t block = 0;          // sparse only
    int32_t entries = 0;        // sparse only
    ArrayId row_table = kNone;  // sparse only: int32 [2 * rows + 1]
};

struct ConvCall {
    enum class Kernel : uint8_t { Conv2D, Conv1x1, Depthwise3x3 } kernel = Kernel::Conv2D;
    se_conv_params params{};
    se_dims input{}, filter{}, output{};
    LayerWeights weights;
    ArrayId bias = kNone;        // int32 [C_out] (always present after lowering)
    ArrayId multipliers = kNone; // int32 [C_out]
    ArrayId shifts = kNone;      // int32 [C_out]
};

struct FullyConnectedCall {
    se_fc_params params{};
    se_fc_dims dims{};
    LayerWeights weights;
    ArrayId bias = kNone, multipliers = kNone, shifts = kNone;
};

struct AddCall {
    se_add_params params{};
    int32_t size = 0;
};

struct PoolCall {
    enum class Kernel : uint8_t { Max2x2, Avg2x2, GlobalAvg } kernel = Kernel::Max2x2;
    se_activation act{-128, 127};
    se_dims input{}, output{};
};

struct SoftmaxCall {
    se_softmax_params params{};
    int32_t rows = 0, row_size = 0;
};

struct SeqPoolCall {
    se_seqpool_params params{};
    int32_t tokens = 0, channels = 0;
};

struct LayerNormCall {
    se_layernorm_params params{};
    int32_t rows = 0, row_size = 0;
    ArrayId gain = kNone, offset = kNone;  // int32 [row_size], se_layernorm_s8_prepare_params
    // Host only (never emitted): the float LayerNorm the call stands for, so
    // that HostInterpreter can run it in floating point instead and measure
    // what the integer Scaled-LayerNorm costs in accuracy.
    std::vector<float> gamma, beta;
    float epsilon = 0.0f;
    float input_scale = 0.0f, output_scale = 0.0f;
    int32_t input_zero_point = 0, output_zero_point = 0;
};

struct AttentionCall {
    se_attention_params params{};
    se_attention_dims dims{};
};

using LayerCall =
    std::variant<ConvCall, FullyConnectedCall, AddCall, PoolCall, SoftmaxCall, SeqPoolCall, LayerNormCall,
                 AttentionCall>;

struct Layer {
    std::string name;  // the IR op's name
    OpKind op = OpKind::Conv2D;
    LayerCall call;
    std::vector<BufferId> inputs;  // activation buffers, in the kernel's argument order (attention: q, k, v)
    BufferId output = kNone;
    BufferId scratch = kNone;      // kNone when the layer needs no scratch
    int64_t macs = 0;              // multiply-accumulates (padded taps count)
    int64_t weight_bytes = 0;      // flash bytes of this layer's constants
    int64_t scratch_bytes = 0;
};

struct CompiledModel {
    std::vector<Layer> layers;
    std::vector<ConstantArray> arrays;
    std::vector<BufferRequest> buffers;  // activations and scratch, planned into one arena
    MemoryPlan plan;                     // offsets of buffers in the arena
    PlanReport plan_report;
    BufferId input = kNone, output = kNone;
    std::vector<int32_t> input_shape, output_shape;
    float input_scale = 1.0f, output_scale = 1.0f;
    int32_t input_zero_point = 0, output_zero_point = 0;

    int64_t arena_bytes() const { return plan.arena_size; }
    int64_t constant_bytes() const;  // sum of all constant arrays (flash, before code)
    int64_t total_macs() const;
};

// Lowers a validated graph. Throws Error for graphs the runtime cannot run
// (an unsupported kernel configuration), naming the op and the rule.
CompiledModel compile(const Graph& graph, const CompileOptions& options = {});

}  // namespace tinyformer::engine
