// One architecture description: a TinyFormer single path (two DoTs, pooling,
// classifier) with per-layer blockwise sparsity. It expands to a list of
// layers with shapes (layers()), which builds the engine graph for costing
// (build_engine_graph) and, in the toolkit, the LibTorch module, so the two
// always agree on every layer's shape and parameter count.
//
// The candidates follow docs/supernet.md (the paper's Fig. 3 as we read it):
//   DoT = Downsample -> MobileNetV2 x m -> Transformer x t
//   Downsample: Conv3x3 + MaxPool2x2 (down 2) | Conv3x3 stride 2 (down 2) | Conv3x3 (no down)
//   MobileNetV2: 1x1 expand (x expansion) + ReLU6 -> depthwise 3x3 + ReLU6 -> 1x1 project (+ residual)
//   Transformer (MobileViT-like): [Conv3x3 -> Conv1x1] -> tokens -> pre-LN encoder x encoders ->
//                fold -> [Conv1x1 -> Conv3x3]; encoder = LN, MHSA (q, k, v, proj), residual,
//                LN, MLP (dim -> ratio*dim, ReLU, -> dim), residual
//   Pooling: SeqPool (Linear(dim -> 1) logits, softmax over tokens, weighted sum) | AvgPool2x2 + flatten
//   Classifier: Linear(-> last_dim) + ReLU -> Linear(-> classes)
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tinyformer/engine/ir.h"

namespace tinyformer::toolkit {

enum class DownsampleKind : uint8_t { ConvMaxPool, ConvStride2, Conv };
enum class PoolingKind : uint8_t { SeqPool, AvgPool };

struct TransformerChoice {
    int32_t mlp_ratio = 2;   // MLP hidden = mlp_ratio * dim
    bool conv_pair = true;   // the Conv3x3 -> Conv1x1 ... Conv1x1 -> Conv3x3 pair around the encoders
    int32_t encoders = 1;
};

struct DoTConfig {
    int32_t dim = 32;
    int32_t heads = 2;
    DownsampleKind downsample = DownsampleKind::ConvMaxPool;
    std::vector<int32_t> mbv2_expansions{4};        // one MobileNetV2 block per entry
    std::vector<TransformerChoice> transformers{{}}; // one Transformer module per entry
};

// Blockwise sparsity of one prunable layer (conv or linear).
struct LayerSparsity {
    float rho = 0.0f;   // fraction of all-zero blocks
    int32_t block = 0;  // 0 dense; 2 or 4 along the reduction; 3 along the width of 3x3 kernels
};

struct ArchConfig {
    int32_t input_h = 32, input_w = 32, input_c = 3;
    int32_t classes = 10;
    std::array<DoTConfig, 2> dots{};
    PoolingKind pooling = PoolingKind::SeqPool;
    int32_t last_dim = 512;
    std::map<std::string, LayerSparsity> sparsity;  // by layer name (layers()[i].name); absent = dense

    // The shape of the paper's TinyFormer-300K (Table IV: DoT1 256 tokens x 44, DoT2 64 tokens x 192) on
    // 32x32x3 input; the paper gives no full configuration, this is our reading (docs/supernet.md).
    static ArchConfig tinyformer_300k();
    // Sets every prunable layer to the same sparsity (3x3 convolutions use block 3 when block > 0).
    void set_uniform_sparsity(float rho, int32_t block);
    // Prunes a fraction `rho` of all prunable weights, sparing the small
    // layers: a layer with fewer than `dense_below` weights (the stem, the
    // SeqPool logits, the classifier of a small model: little to save, much
    // to lose) stays dense, the others share one sparsity rho' = rho * total /
    // (weights of the pruned layers), each rounded up to whole blocks so that
    // at least `rho` of the weights go (pruning removes floor(rho * blocks)
    // blocks). Blocks as set_uniform_sparsity. Throws engine::Error when rho'
    // would exceed 0.95 (naming both figures).
    void set_overall_sparsity(float rho, int32_t block, int64_t dense_below);
};

// Named single paths (architecture_presets.cpp): "tiny" (28x28x1, trains in
// seconds: tests), "fmnist" (28x28x1, the Fashion-MNIST model, far inside the
// STM32F746), "tinyformer-300k" (ArchConfig::tinyformer_300k()). Throws
// engine::Error naming the known names for anything else.
ArchConfig named_architecture(const std::string& name);
std::vector<std::string> architecture_names();

enum class LayerKind : uint8_t {
    Conv,        // k x k conv, stride, pad; weights [out, k, k, in]
    Depthwise,   // 3x3 depthwise; weights [3, 3, C]
    Linear,      // over tokens; weights [out, in]
    MaxPool2x2,
    AvgPool2x2,
    Add,         // residual: inputs = {main path, shortcut}
    LayerNorm,
    Attention,   // inputs = {q, k, v}
    Softmax,
    SeqPool,     // inputs = {x, logits}
    ToTokens,    // [1, H, W, C] -> [H*W, C] view
    ToMap,       // [H*W, C] -> [1, H, W, C] view
};

enum class LayerActivation : uint8_t { None, Relu, Relu6 };

// One layer of the expanded single path, with shapes. Values are indices into
// the layer list's values (value 0 is the input).
struct LayerSpec {
    std::string name;
    LayerKind kind = LayerKind::Conv;
    std::vector<int32_t> inputs;        // value indices
    std::vector<int32_t> output_shape;  // NHWC [1, H, W, C] or tokens [T, C]
    int32_t in_channels = 0, out_channels = 0;
    int32_t kernel = 1, stride = 1, pad = 0;
    int32_t heads = 1;
    LayerActivation activation = LayerActivation::None;
    bool prunable = false;  // conv / linear weights that blockwise pruning applies to

    int64_t weight_count() const;  // weights only (no bias)
    int64_t bias_count() const;
};

// Expands the config into layers (execution order). Throws engine::Error for an
// impossible config (e.g. a downsample below 1x1, heads not dividing dim),
// naming the setting.
std::vector<LayerSpec> layers(const ArchConfig& config);

// Parameters (weights + biases + LayerNorm affine) of the single path, dense.
int64_t parameter_count(const ArchConfig& config);
// Non-zero weights after blockwise pruning at the configured sparsity (+ biases).
int64_t effective_parameter_count(const ArchConfig& config);
// Whether any layer is to be pruned (rho > 0 with a block size): training
// runs AGP, evaluation prunes a supernet path, only then.
bool has_sparsity(const ArchConfig& config);

// The engine graph of the config, with deterministic synthetic int8 weights
// pruned blockwise to the configured sparsity and plausible activation
// scales: what the search needs for SRAM / flash / latency costing. The
// trained model's graph comes from its ONNX export instead.
engine::Graph build_engine_graph(const ArchConfig& config, uint32_t seed = 1);

}  // namespace tinyformer::toolkit
