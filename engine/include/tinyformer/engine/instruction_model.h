// Instructions one inference retires on the Cortex-M7 firmware, estimated
// from a CompiledModel in microseconds, without building or running anything.
//
// Each layer's count is a linear function of seven features of its kernel call
// (instruction_features), with coefficients per kernel class: the dispatching
// kernel, and for sparse weights the block size (instruction_class, e.g.
// "se_sparse_conv1x1_s8/b4"). The coefficients are fitted to the per-layer
// instruction counts of firmware run under QEMU (mps2-an500, -icount shift=0,
// the DSP kernels at -O3) by bench/run_instruction_model_bench.sh, which writes
// them to engine/src/instruction_coefficients.inc and its accuracy on held-out
// models to bench/results/instruction-model.md.
//
//   const CompiledModel m = compile(graph);
//   const InstructionEstimate e = estimate_instructions(m);
//   std::cout << e.total << " instructions, " << e.layers[0] << " in the first layer\n";
//
// The counts are emulated instructions, not cycles (QEMU models no pipeline,
// caches or flash wait states): a latency bound, not a timing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"

namespace tinyformer::engine {

// What a layer's instruction count is linear in. Every feature is a count of
// something the kernel loops over; the ones a kernel has no loop for are 0.
//   work     multiply-accumulates the kernel's SIMD loop executes: dense
//            MACs, with the pixels (tokens) rounded up to the kernel's group
//            (2 for dense convolutions, 4 for sparse ones); sparse weights:
//            coded entries x block x grouped pixels, i.e. the kept MACs
//            including the explicit zeros of filler entries
//   outputs  output elements (requantization, stores)
//   inputs   input elements read (all inputs)
//   extra    a per-kernel loop count: convolutions and linears, the reduction
//            length x output pixels (im2col / column packing); depthwise and
//            pooling, the output pixels; attention, heads x tokens^2 (softmax
//            elements); LayerNorm, softmax and SeqPool, their rows
//   tail     multiply-accumulates done one at a time outside the SIMD loop:
//            the reduction taps past a multiple of 4 (dense convolutions),
//            the tokens past a multiple of the group (linears)
//   table    entries of the softmax exp cache a call may fill (diff_max + 1;
//            the kernels fill it lazily, for the score ranges they meet, so
//            this bounds the fill from above): softmax, attention, SeqPool
//   calls    1 (per-call set-up)
enum class InstructionFeature : int { Work = 0, Outputs, Inputs, Extra, Tail, Table, Calls, Count };
constexpr int kInstructionFeatures = static_cast<int>(InstructionFeature::Count);
using InstructionFeatures = std::array<double, kInstructionFeatures>;

const char* instruction_feature_name(InstructionFeature f);  // "work", "outputs", ...

InstructionFeatures instruction_features(const Layer& layer);

// The layer's kernel class: kernel_name(), with "/unaligned" for a 3x3
// convolution whose input channels are not a multiple of 4 (an image's 1 or 3)
// and "/b<block>" for sparse weights.
std::string instruction_class(const Layer& layer);

// One fitted class: instructions = sum_i coefficients[i] * features[i].
struct InstructionCoefficients {
    const char* kernel_class;
    std::array<double, kInstructionFeatures> coefficients;
    int32_t layers_fitted;  // calibration layers the coefficients come from
};

// The fitted table (engine/src/instruction_coefficients.inc).
const std::vector<InstructionCoefficients>& instruction_coefficients();

// The coefficients a layer is estimated with: its own class, or for a sparse
// block size the calibration never produced, the same kernel's nearest block.
// Throws Error for a kernel the table has no class of.
const InstructionCoefficients& coefficients_for(const Layer& layer);

struct InstructionEstimate {
    std::vector<int64_t> layers;  // per layer, in execution order
    int64_t total = 0;            // the sum: what the firmware's "total:" line counts
};

int64_t estimate_layer_instructions(const Layer& layer);
InstructionEstimate estimate_instructions(const CompiledModel& model);

}  // namespace tinyformer::engine
