// The instruction model (engine/instruction_model.h): its features follow each
// kernel's loops, its classes the kernel variants, its table covers every
// kernel compile() can choose. Its accuracy against the firmware is checked
// under QEMU (tests/codegen: qemu.codegen.*) and benchmarked in
// bench/results/instruction-model.md.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "../codegen/example_models.h"
#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"

namespace tinyformer::engine {
namespace {

const Layer& layer_named(const CompiledModel& m, const std::string& name)
{
    for (const Layer& l : m.layers) {
        if (l.name == name) {
            return l;
        }
    }
    throw Error("no layer " + name);
}

double feature(const InstructionFeatures& f, InstructionFeature which) { return f[size_t(which)]; }

TEST(InstructionModel, ClassesNameTheKernelVariant)
{
    const CompiledModel m = compile(cnn_graph(/*sparse_pw=*/true));
    // conv1 reads a 3-channel image: the unaligned receptive-field packing.
    EXPECT_EQ(instruction_class(layer_named(m, "conv1")), "se_conv2d_s8/unaligned");
    EXPECT_EQ(instruction_class(layer_named(m, "dw")), "se_depthwise_conv3x3_s8");
    EXPECT_EQ(instruction_class(layer_named(m, "pw")), "se_sparse_conv1x1_s8/b4");
    EXPECT_EQ(instruction_class(layer_named(m, "fc")), "se_fully_connected_s8");
    EXPECT_EQ(instruction_class(layer_named(m, "softmax")), "se_softmax_s8");
}

TEST(InstructionModel, FeaturesFollowTheKernelLoops)
{
    const CompiledModel m = compile(cnn_graph(/*sparse_pw=*/true));
    // conv1: 8x8 output pixels (even: no padded pair), 8 channels, K = 3*3*3 = 27 taps: 24 in groups of 4
    // through the SIMD loop, 3 one at a time.
    const InstructionFeatures conv = instruction_features(layer_named(m, "conv1"));
    EXPECT_EQ(feature(conv, InstructionFeature::Work), 64.0 * 8 * 24);
    EXPECT_EQ(feature(conv, InstructionFeature::Tail), 64.0 * 8 * 3);
    EXPECT_EQ(feature(conv, InstructionFeature::Work) + feature(conv, InstructionFeature::Tail),
              double(layer_named(m, "conv1").macs));
    EXPECT_EQ(feature(conv, InstructionFeature::Outputs), 64.0 * 8);
    EXPECT_EQ(feature(conv, InstructionFeature::Extra), 64.0 * 27);  // im2col taps
    EXPECT_EQ(feature(conv, InstructionFeature::Calls), 1.0);
    // pw: a quarter of the 16 blocks of 4 kept (8 rows x 2 blocks): 4 entries, 64 pixels in groups of 4.
    const Layer& pw = layer_named(m, "pw");
    const auto& call = std::get<ConvCall>(pw.call);
    ASSERT_TRUE(call.weights.sparse);
    EXPECT_EQ(call.weights.entries, 4);
    EXPECT_EQ(feature(instruction_features(pw), InstructionFeature::Work), 4.0 * 4 * 64);
    // fc: one token, dense: no pair, so every MAC is in the one-token tail.
    const InstructionFeatures fc = instruction_features(layer_named(m, "fc"));
    EXPECT_EQ(feature(fc, InstructionFeature::Work), 0.0);
    EXPECT_EQ(feature(fc, InstructionFeature::Tail), 40.0);
    // softmax: one row of 5; the exp cache up to diff_max.
    const Layer& softmax = layer_named(m, "softmax");
    const InstructionFeatures sf = instruction_features(softmax);
    EXPECT_EQ(feature(sf, InstructionFeature::Outputs), 5.0);
    EXPECT_EQ(feature(sf, InstructionFeature::Extra), 1.0);
    EXPECT_EQ(feature(sf, InstructionFeature::Table), std::get<SoftmaxCall>(softmax.call).params.diff_max + 1.0);
}

TEST(InstructionModel, EstimateIsTheSumOfItsLayers)
{
    const CompiledModel m = compile(cnn_graph(/*sparse_pw=*/true));
    const InstructionEstimate e = estimate_instructions(m);
    ASSERT_EQ(e.layers.size(), m.layers.size());
    int64_t sum = 0;
    for (size_t i = 0; i < m.layers.size(); i++) {
        const InstructionFeatures f = instruction_features(m.layers[i]);
        const InstructionCoefficients& c = coefficients_for(m.layers[i]);
        double expected = 0.0;
        for (int j = 0; j < kInstructionFeatures; j++) {
            expected += c.coefficients[size_t(j)] * f[size_t(j)];
        }
        EXPECT_EQ(e.layers[i], std::llround(expected)) << m.layers[i].name;
        EXPECT_GT(e.layers[i], 0) << m.layers[i].name;
        sum += e.layers[i];
    }
    EXPECT_EQ(e.total, sum);
}

TEST(InstructionModel, TableCoversEveryKernelCompileChooses)
{
    std::set<std::string> classes;
    for (const InstructionCoefficients& c : instruction_coefficients()) {
        EXPECT_TRUE(classes.insert(c.kernel_class).second) << "duplicate " << c.kernel_class;
        EXPECT_GT(c.layers_fitted, 0) << c.kernel_class;
        for (double v : c.coefficients) {
            EXPECT_TRUE(std::isfinite(v) && v >= 0.0) << c.kernel_class;
        }
    }
    for (const char* kernel :
         {"se_conv2d_s8", "se_conv2d_s8/unaligned", "se_conv1x1_s8", "se_depthwise_conv3x3_s8",
          "se_fully_connected_s8", "se_add_s8", "se_max_pool2x2_s8", "se_avg_pool2x2_s8", "se_global_avg_pool_s8",
          "se_softmax_s8", "se_seqpool_s8", "se_layernorm_s8", "se_attention_s8", "se_sparse_conv2d_s8/b3",
          "se_sparse_conv1x1_s8/b2", "se_sparse_conv1x1_s8/b4", "se_sparse_fully_connected_s8/b2",
          "se_sparse_fully_connected_s8/b4"}) {
        EXPECT_EQ(classes.count(kernel), 1u) << kernel << " has no coefficients";
    }
}

TEST(InstructionModel, AnUncalibratedBlockTakesTheNearestOne)
{
    Layer layer;
    layer.name = "fc3";
    layer.op = OpKind::FullyConnected;
    FullyConnectedCall call;
    call.dims = {16, 12, 8};
    call.weights.sparse = true;
    call.weights.block = 3;  // no calibration model codes linears with block 3
    call.weights.entries = 10;
    layer.call = call;
    EXPECT_EQ(instruction_class(layer), "se_sparse_fully_connected_s8/b3");
    const std::string used = coefficients_for(layer).kernel_class;
    EXPECT_TRUE(used == "se_sparse_fully_connected_s8/b2" || used == "se_sparse_fully_connected_s8/b4") << used;
    EXPECT_GT(estimate_layer_instructions(layer), 0);
}

}  // namespace
}  // namespace tinyformer::engine
