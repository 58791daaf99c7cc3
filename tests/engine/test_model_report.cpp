// layer_costs(): the per-layer figures of the layer report and the search report.
#include <gtest/gtest.h>

#include <random>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/model_report.h"

namespace tinyformer::engine {
namespace {

// input [1,8,8,4] -> conv1 3x3 (8) -> conv2 1x1 (8) -> add(conv1, conv2) -> global average pool.
CompiledModel residual_cnn()
{
    Graph g;
    std::mt19937 rng{11};
    std::uniform_int_distribution<int> d(-127, 127);
    auto weights = [&](const std::string& name, int32_t cout, int32_t k, int32_t cin) {
        std::vector<int8_t> w(static_cast<size_t>(cout * k * k * cin));
        for (auto& x : w) {
            x = static_cast<int8_t>(d(rng));
        }
        return g.add_constant_s8(name, {cout, k, k, cin}, w,
                                 QuantParams::per_channel(std::vector<float>(static_cast<size_t>(cout), 0.01f), 0));
    };
    const TensorId x = g.add_activation("input", {1, 8, 8, 4}, QuantParams::per_tensor(0.05f, -128));
    const TensorId c1 = g.add_activation("c1", {1, 8, 8, 8}, QuantParams::per_tensor(0.1f, -5));
    const TensorId c2 = g.add_activation("c2", {1, 8, 8, 8}, QuantParams::per_tensor(0.1f, -5));
    const TensorId sum = g.add_activation("sum", {1, 8, 8, 8}, QuantParams::per_tensor(0.2f, 3));
    const TensorId pooled = g.add_activation("pooled", {1, 1, 1, 8}, QuantParams::per_tensor(0.2f, 3));
    Conv2DAttrs same;
    same.pad_top = same.pad_left = same.pad_bottom = same.pad_right = 1;
    g.add_op(OpKind::Conv2D, "conv1", {x, weights("conv1.w", 8, 3, 4), kNoTensor}, {c1}, same);
    g.add_op(OpKind::Conv2D, "conv2", {c1, weights("conv2.w", 8, 1, 8), kNoTensor}, {c2}, Conv2DAttrs{});
    g.add_op(OpKind::Add, "add", {c1, c2}, {sum}, AddAttrs{});
    g.add_op(OpKind::GlobalAvgPool, "gap", {sum}, {pooled}, PoolAttrs{});
    g.inputs = {x};
    g.outputs = {pooled};
    return compile(g);
}

TEST(LayerCosts, MatchTheCompiledLayersAndTheLiveBuffers)
{
    const CompiledModel m = residual_cnn();
    const std::vector<LayerCost> costs = layer_costs(m);
    ASSERT_EQ(costs.size(), m.layers.size());
    int64_t macs = 0, flash = 0;
    for (size_t i = 0; i < costs.size(); i++) {
        const Layer& l = m.layers[i];
        EXPECT_EQ(costs[i].name, l.name) << "layer " << i;
        EXPECT_EQ(costs[i].kernel, kernel_name(l)) << "layer " << i;
        EXPECT_EQ(costs[i].scratch_bytes, l.scratch_bytes) << "layer " << i;
        EXPECT_LE(costs[i].output_offset + costs[i].output_bytes, m.arena_bytes()) << "layer " << i;
        EXPECT_LE(costs[i].live_bytes, m.arena_bytes()) << "layer " << i;
        macs += costs[i].macs;
        flash += costs[i].flash_bytes;
    }
    EXPECT_EQ(macs, m.total_macs());
    EXPECT_LE(flash, m.constant_bytes());
    // Output sizes from the shapes: 8x8x8 int8 activations, 8 pooled values.
    EXPECT_EQ(costs[0].output_bytes, 512);
    EXPECT_EQ(costs[3].output_bytes, 8);
    // While conv1 runs: the 256-byte input, its 512-byte output and its scratch (4-aligned).
    EXPECT_EQ(costs[0].live_bytes, 256 + 512 + (costs[0].scratch_bytes + 3) / 4 * 4);
    // While add runs: conv1's output (held for the residual), conv2's output and the sum; add has no scratch.
    EXPECT_EQ(costs[2].scratch_bytes, 0);
    EXPECT_EQ(costs[2].live_bytes, 3 * 512);
    // The arena can be no smaller than the largest live set (the planner's lower bound).
    int64_t most = 0;
    for (const LayerCost& c : costs) {
        most = std::max(most, c.live_bytes);
    }
    EXPECT_EQ(most, lower_bound(m.buffers));
}

TEST(LayerCosts, AreTheRowsOfTheLayerReport)
{
    const CompiledModel m = residual_cnn();
    const std::string report = layer_report(m);
    const std::vector<LayerCost> costs = layer_costs(m);
    for (size_t i = 0; i < costs.size(); i++) {
        const LayerCost& c = costs[i];
        const std::string row = "| " + std::to_string(i) + " | " + c.name + " | " + to_string(c.op) + " | " +
                                c.kernel + " | " + std::to_string(c.macs) + " | " + std::to_string(c.flash_bytes) +
                                " | " + std::to_string(c.scratch_bytes) + " | " + std::to_string(c.output_bytes) +
                                " | " + std::to_string(c.output_offset) + " |\n";
        EXPECT_NE(report.find(row), std::string::npos) << "missing row: " << row << "in\n" << report;
    }
}

}  // namespace
}  // namespace tinyformer::engine
