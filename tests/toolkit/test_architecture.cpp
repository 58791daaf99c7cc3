// The architecture description: expansion, parameter counts, the engine graph
// and its cost (SRAM from the memory planner, flash from the constants).
#include <gtest/gtest.h>

#include <cmath>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/architecture.h"

namespace tinyformer::toolkit {
namespace {

const LayerSpec& find(const std::vector<LayerSpec>& ls, const std::string& name)
{
    for (const LayerSpec& l : ls) {
        if (l.name == name) {
            return l;
        }
    }
    throw std::runtime_error("no layer " + name);
}

TEST(Architecture, TinyFormer300kHasThePapersTokenShapes)
{
    const ArchConfig c = ArchConfig::tinyformer_300k();
    const auto ls = layers(c);
    EXPECT_EQ(find(ls, "dot1.vit_1.unfold").output_shape, (std::vector<int32_t>{256, 44}));
    EXPECT_EQ(find(ls, "dot2.vit_1.unfold").output_shape, (std::vector<int32_t>{64, 192}));
    EXPECT_EQ(find(ls, "dot2.vit_1.enc_1.mlp1").output_shape, (std::vector<int32_t>{64, 384}));
    EXPECT_EQ(find(ls, "pool.seqpool").output_shape, (std::vector<int32_t>{1, 192}));
    EXPECT_EQ(ls.back().name, "head.fc2");
    EXPECT_EQ(ls.back().output_shape, (std::vector<int32_t>{1, 10}));
}

TEST(Architecture, ParameterCountsAddUp)
{
    ArchConfig c;
    c.input_h = c.input_w = 8;
    c.input_c = 1;
    c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvStride2, {2}, {TransformerChoice{1, false, 1}}};
    c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvMaxPool, {}, {}};
    c.pooling = PoolingKind::AvgPool;
    c.last_dim = 32;
    c.classes = 10;
    // dot1: conv 3x3 1->8 (72+8); mbv2 e2: 1x1 8->16 (128+16), dw 16 (144+16), 1x1 16->8 (128+8);
    // encoder dim 8: ln 8+8, q/k/v/proj 4x(64+8), ln 8+8, mlp 8->8 (64+8), 8->8 (64+8)
    // dot2: conv 3x3 8->16 (1152+16); pool 1x1x16 avg? 2x2 map -> 1x1x16 -> fc 16->32 (512+32), 32->10 (320+10)
    const int64_t want = 80 + 144 + 160 + 136 + 16 + 4 * 72 + 16 + 72 + 72 + 1168 + 544 + 330;
    EXPECT_EQ(parameter_count(c), want);
    EXPECT_EQ(effective_parameter_count(c), want);
    c.set_uniform_sparsity(0.5f, 4);
    EXPECT_EQ(c.sparsity.at("dot1.down.conv").block, 3);
    EXPECT_EQ(c.sparsity.at("dot1.vit_1.enc_1.q").block, 4);
    EXPECT_LT(effective_parameter_count(c), want);
}

TEST(Architecture, ImpossibleConfigsNameTheSetting)
{
    ArchConfig c = ArchConfig::tinyformer_300k();
    c.dots[1].heads = 5;
    try {
        layers(c);
        FAIL() << "expected an error";
    } catch (const engine::Error& e) {
        EXPECT_NE(std::string(e.what()).find("dot2.heads = 5 must divide dim 192"), std::string::npos) << e.what();
    }
    c = ArchConfig::tinyformer_300k();
    c.input_h = c.input_w = 2;
    EXPECT_THROW(layers(c), engine::Error);
    c = ArchConfig::tinyformer_300k();
    c.sparsity["head.fc1"] = LayerSparsity{0.5f, 3};
    EXPECT_THROW(build_engine_graph(c), engine::Error);
}

// set_overall_sparsity: the small layers stay dense, the others share one
// sparsity, and the pruned weights are the asked fraction of all prunable ones.
TEST(Architecture, OverallSparsitySparesSmallLayers)
{
    ArchConfig c = named_architecture("fmnist");
    c.set_overall_sparsity(0.6f, 4, 1024);
    int64_t total = 0;
    double pruned = 0;
    for (const LayerSpec& l : layers(c)) {
        if (!l.prunable) {
            continue;
        }
        total += l.weight_count();
        const auto it = c.sparsity.find(l.name);
        if (l.weight_count() < 1024) {
            EXPECT_TRUE(it == c.sparsity.end()) << l.name << " (" << l.weight_count() << " weights) is pruned";
            continue;
        }
        ASSERT_TRUE(it != c.sparsity.end()) << l.name;
        EXPECT_GT(it->second.rho, 0.6f) << l.name;
        const int32_t b = l.kind == LayerKind::Conv && l.kernel == 3 ? 3 : 4;
        EXPECT_EQ(it->second.block, b) << l.name;
        // what pruning removes: floor(rho * blocks) whole blocks (pruning.h)
        const int64_t blocks = (l.weight_count() + b - 1) / b;
        pruned += std::floor(static_cast<double>(it->second.rho) * static_cast<double>(blocks)) * b;
    }
    // At least the asked fraction, and at most one block per layer more.
    EXPECT_GE(pruned / static_cast<double>(total), 0.6);
    EXPECT_LE(pruned / static_cast<double>(total), 0.6 + 15.0 * 4.0 / static_cast<double>(total));

    ArchConfig uniform = named_architecture("fmnist"), zero_threshold = uniform;
    uniform.set_uniform_sparsity(0.6f, 2);
    zero_threshold.set_overall_sparsity(0.6f, 2, 0);
    ASSERT_EQ(uniform.sparsity.size(), zero_threshold.sparsity.size());
    for (const LayerSpec& l : layers(uniform)) {  // the same, rounded up to whole blocks
        if (!l.prunable) {
            continue;
        }
        const LayerSparsity& u = uniform.sparsity.at(l.name);
        const LayerSparsity& z = zero_threshold.sparsity.at(l.name);
        EXPECT_EQ(z.block, u.block) << l.name;
        const double blocks = std::ceil(static_cast<double>(l.weight_count()) / u.block);
        EXPECT_EQ(std::floor(static_cast<double>(z.rho) * blocks), std::min(blocks - 1, std::ceil(0.6 * blocks)))
            << l.name << ": " << z.rho << " of " << blocks << " blocks";
    }
    try {
        c.set_overall_sparsity(0.6f, 4, 5000);  // only the two 9216-weight convs left: 1.34 each
        FAIL() << "expected an error";
    } catch (const engine::Error& e) {
        EXPECT_NE(std::string(e.what()).find("at most 0.95"), std::string::npos) << e.what();
    }
}

// The engine graph agrees with the layer list, and the 300K shape fits the
// STM32F746's 320 KB of SRAM with every attention row-blocked.
TEST(Architecture, EngineGraphAgreesAndFitsTheF746)
{
    ArchConfig c = ArchConfig::tinyformer_300k();
    c.set_uniform_sparsity(0.6f, 4);
    const engine::Graph g = build_engine_graph(c);
    const auto ls = layers(c);
    ASSERT_EQ(g.ops().size(), ls.size());
    int64_t weights = 0;
    for (size_t i = 0; i < ls.size(); i++) {
        EXPECT_EQ(g.ops()[i].name, ls[i].name);
        EXPECT_EQ(g.tensor(g.ops()[i].outputs[0]).shape, ls[i].output_shape) << ls[i].name;
        if (g.ops()[i].inputs.size() > 1 && ls[i].kind != LayerKind::Add && ls[i].kind != LayerKind::SeqPool &&
            ls[i].kind != LayerKind::Attention) {
            EXPECT_EQ(g.tensor(g.ops()[i].inputs[1]).num_elements(), ls[i].weight_count()) << ls[i].name;
            weights += ls[i].weight_count();
        }
    }
    EXPECT_GT(weights, 1000000);
    const engine::CompiledModel m = engine::compile(g);
    EXPECT_LE(m.arena_bytes(), 320 * 1024) << m.plan_report;
    EXPECT_LE(static_cast<double>(m.arena_bytes()), 1.10 * static_cast<double>(m.plan_report.lower_bound));
}

}  // namespace
}  // namespace tinyformer::toolkit
