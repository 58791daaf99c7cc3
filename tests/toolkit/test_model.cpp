// The LibTorch model of an architecture description agrees with the layer
// list (and so with the engine graph) on every layer's parameters and shape;
// attention, token order, BatchNorm folding and save/load behave.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/model_torch.h"

namespace tinyformer::toolkit {
namespace {

// 8x8x1 input: ConvMaxPool, MobileNetV2, transformer with conv pair (4x4 = 16 tokens, 2 heads), then
// ConvStride2, MobileNetV2, transformer without conv pair, two encoders (2x2 = 4 tokens, 4 heads), SeqPool.
ArchConfig small_seqpool_config()
{
    ArchConfig c;
    c.input_h = c.input_w = 8;
    c.input_c = 1;
    c.classes = 4;
    c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvMaxPool, {2}, {TransformerChoice{2, true, 1}}};
    c.dots[1] = DoTConfig{16, 4, DownsampleKind::ConvStride2, {2}, {TransformerChoice{1, false, 2}}};
    c.pooling = PoolingKind::SeqPool;
    c.last_dim = 16;
    return c;
}

// 8x8x3 input: Conv (no down) with two transformers, then ConvMaxPool without modules, AvgPool + flatten.
ArchConfig small_avgpool_config()
{
    ArchConfig c;
    c.input_h = c.input_w = 8;
    c.input_c = 3;
    c.classes = 10;
    c.dots[0] = DoTConfig{8, 1, DownsampleKind::Conv, {}, {TransformerChoice{1, false, 1}, TransformerChoice{2, true, 1}}};
    c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvMaxPool, {4, 2}, {}};
    c.pooling = PoolingKind::AvgPool;
    c.last_dim = 32;
    return c;
}

struct Case {
    const char* name;
    ArchConfig config;
};

std::vector<Case> all_cases()
{
    return {{"small_seqpool", small_seqpool_config()},
            {"small_avgpool", small_avgpool_config()},
            {"tinyformer_300k", ArchConfig::tinyformer_300k()}};
}

void expect_parameters_match_layers(const SinglePathModel& model, const std::string& label)
{
    const std::vector<LayerSpec> specs = layers(model.config());
    std::map<std::string, const LayerSpec*> by_name;
    size_t weighted = 0;
    for (const LayerSpec& l : specs) {
        by_name[l.name] = &l;
        weighted += l.weight_count() + l.bias_count() > 0 ? 1 : 0;
    }
    const std::vector<LayerParameters> per_layer = model.parameters_per_layer();
    EXPECT_EQ(per_layer.size(), weighted) << label;
    for (const LayerParameters& p : per_layer) {
        ASSERT_TRUE(by_name.count(p.name)) << label << ": unknown layer " << p.name;
        EXPECT_EQ(p.weights, by_name[p.name]->weight_count()) << label << " layer " << p.name;
        EXPECT_EQ(p.biases, by_name[p.name]->bias_count()) << label << " layer " << p.name;
    }
    EXPECT_EQ(model.parameter_count(), parameter_count(model.config())) << label;
}

TEST(SinglePathModel, ParametersPerLayerEqualTheLayerListWithAndWithoutBatchNorm)
{
    for (const Case& c : all_cases()) {
        for (bool bn : {true, false}) {
            const SinglePathModel model(c.config, ModelOptions{bn, 1});
            const std::string label = std::string(c.name) + (bn ? " (BatchNorm)" : " (conv bias)");
            expect_parameters_match_layers(model, label);
            // Nothing trainable is left uncounted: the module's parameters are the layers' plus the
            // BatchNorm scales (gamma) that fold into the convolution weights.
            int64_t module_total = 0, bn_scales = 0;
            for (const auto& item : model.module().named_parameters()) {
                module_total += item.value().numel();
                if (item.key().find("_bn.weight") != std::string::npos) {
                    bn_scales += item.value().numel();
                }
            }
            EXPECT_EQ(module_total - bn_scales, model.parameter_count()) << label;
            EXPECT_EQ(bn_scales > 0, bn) << label;
        }
    }
}

TEST(SinglePathModel, EveryLayerOutputHasTheLayerListShape)
{
    torch::NoGradGuard no_grad;
    for (const Case& c : all_cases()) {
        SinglePathModel model(c.config);
        model.module().eval();
        const int64_t n = 2;
        const auto values =
            model.module().forward_all(torch::randn({n, c.config.input_c, c.config.input_h, c.config.input_w}));
        const std::vector<LayerSpec>& specs = model.layers();
        ASSERT_EQ(values.size(), specs.size() + 1) << c.name;
        for (size_t i = 0; i < specs.size(); i++) {
            const std::vector<int64_t> want = torch_shape(specs[i].output_shape, n);
            EXPECT_EQ(values[i + 1].sizes().vec(), want) << c.name << " layer " << specs[i].name;
        }
        const torch::Tensor logits = model.module().forward(values[0]);
        EXPECT_EQ(logits.sizes().vec(), (std::vector<int64_t>{n, c.config.classes})) << c.name;
        EXPECT_TRUE(torch::allclose(logits, values.back().flatten(1))) << c.name;
        EXPECT_TRUE(torch::isfinite(logits).all().item<bool>()) << c.name;
    }
}

size_t layer_index(const std::vector<LayerSpec>& specs, const std::string& name)
{
    for (size_t i = 0; i < specs.size(); i++) {
        if (specs[i].name == name) {
            return i;
        }
    }
    throw std::runtime_error("no layer " + name);
}

// Tokens follow the engine's NHWC order: token h * W + w holds pixel (h, w).
TEST(SinglePathModel, TokensArePixelsInRowMajorOrder)
{
    torch::NoGradGuard no_grad;
    SinglePathModel model(small_seqpool_config());
    model.module().eval();
    const auto values = model.module().forward_all(torch::randn({2, 1, 8, 8}));
    const auto& specs = model.layers();
    const size_t unfold = layer_index(specs, "dot1.vit_1.unfold");
    const torch::Tensor map = values[static_cast<size_t>(specs[unfold].inputs[0])];  // [2, 8, 4, 4]
    const torch::Tensor tokens = values[unfold + 1];                                  // [2, 16, 8]
    for (int64_t h = 0; h < 4; h++) {
        for (int64_t w = 0; w < 4; w++) {
            EXPECT_TRUE(torch::equal(tokens.select(1, h * 4 + w), map.select(3, w).select(2, h)))
                << "pixel " << h << "," << w;
        }
    }
    // fold is the inverse of unfold
    const size_t fold = layer_index(specs, "dot1.vit_1.fold");
    const torch::Tensor folded = values[fold + 1];
    const torch::Tensor before = values[static_cast<size_t>(specs[fold].inputs[0])];
    EXPECT_TRUE(torch::equal(folded.flatten(2).transpose(1, 2), before));
}

// Attention against per-head loops: head h uses channels [h*d, (h+1)*d), scale 1/sqrt(d).
TEST(SinglePathModel, AttentionIsPerHeadScaledDotProduct)
{
    torch::NoGradGuard no_grad;
    SinglePathModel model(small_seqpool_config());
    model.module().eval();
    const auto values = model.module().forward_all(torch::randn({2, 1, 8, 8}));
    const auto& specs = model.layers();
    for (const std::string name : {"dot1.vit_1.enc_1.attention", "dot2.vit_1.enc_2.attention"}) {
        const size_t a = layer_index(specs, name);
        const LayerSpec& l = specs[a];
        const auto as_double = [&](size_t value) { return values[value].to(torch::kDouble).contiguous(); };
        const torch::Tensor qt = as_double(static_cast<size_t>(l.inputs[0]));
        const torch::Tensor kt = as_double(static_cast<size_t>(l.inputs[1]));
        const torch::Tensor vt = as_double(static_cast<size_t>(l.inputs[2]));
        const torch::Tensor ot = as_double(a + 1);
        const auto q = qt.accessor<double, 3>(), k = kt.accessor<double, 3>(), v = vt.accessor<double, 3>(),
                   out = ot.accessor<double, 3>();
        const int64_t tokens = q.size(1), dim = q.size(2), d = dim / l.heads;
        for (int64_t n = 0; n < 2; n++) {
            for (int64_t h = 0; h < l.heads; h++) {
                for (int64_t t = 0; t < tokens; t++) {
                    std::vector<double> score(static_cast<size_t>(tokens));
                    double max = -1e30, sum = 0;
                    for (int64_t s = 0; s < tokens; s++) {
                        double dot = 0;
                        for (int64_t c = h * d; c < (h + 1) * d; c++) {
                            dot += q[n][t][c] * k[n][s][c];
                        }
                        score[static_cast<size_t>(s)] = dot / std::sqrt(static_cast<double>(d));
                        max = std::max(max, score[static_cast<size_t>(s)]);
                    }
                    for (double& x : score) {
                        x = std::exp(x - max);
                        sum += x;
                    }
                    for (int64_t c = h * d; c < (h + 1) * d; c++) {
                        double want = 0;
                        for (int64_t s = 0; s < tokens; s++) {
                            want += score[static_cast<size_t>(s)] / sum * v[n][s][c];
                        }
                        ASSERT_NEAR(out[n][t][c], want, 1e-5)
                            << name << " batch " << n << " head " << h << " token " << t << " channel " << c;
                    }
                }
            }
        }
    }
}

TEST(SinglePathModel, SeqPoolIsASoftmaxWeightedSumOverTokens)
{
    torch::NoGradGuard no_grad;
    SinglePathModel model(small_seqpool_config());
    model.module().eval();
    const auto values = model.module().forward_all(torch::randn({2, 1, 8, 8}));
    const auto& specs = model.layers();
    const size_t p = layer_index(specs, "pool.seqpool");
    const torch::Tensor x = values[static_cast<size_t>(specs[p].inputs[0])];       // [2, 4, 16]
    const torch::Tensor logits = values[static_cast<size_t>(specs[p].inputs[1])];  // [2, 4, 1]
    const torch::Tensor w = torch::softmax(logits.squeeze(2), 1);                   // [2, 4]
    const torch::Tensor want = (x * w.unsqueeze(2)).sum(1, true);
    EXPECT_TRUE(torch::allclose(values[p + 1], want, 1e-5, 1e-6));
}

TEST(SinglePathModel, TheSeedFixesTheInitialisation)
{
    const SinglePathModel a(small_seqpool_config(), ModelOptions{true, 7});
    const SinglePathModel b(small_seqpool_config(), ModelOptions{true, 7});
    const SinglePathModel c(small_seqpool_config(), ModelOptions{true, 8});
    const auto pa = a.module().named_parameters(), pb = b.module().named_parameters(), pc = c.module().named_parameters();
    bool any_differs = false;
    for (const auto& item : pa) {
        EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
        any_differs |= !torch::equal(item.value(), pc[item.key()]);
    }
    EXPECT_TRUE(any_differs);
    // Kaiming (fan-in, gain sqrt 2 before ReLU): the 1x1 expand of DoT2 (fan-in 16) has std sqrt(2/16).
    const torch::Tensor w = pa["dot2_mbv2_1_expand.weight"];
    EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / 16.0), 0.06);
    EXPECT_EQ(pa["dot2_mbv2_1_expand_bn.bias"].abs().sum().item<double>(), 0.0);
}

TEST(SinglePathModel, FoldingBatchNormKeepsTheEvalOutputAndTheParameterCount)
{
    for (const ArchConfig& config : {small_seqpool_config(), small_avgpool_config()}) {
        SinglePathModel model(config);
        auto& m = model.module();
        {
            // Non-trivial BatchNorm statistics and affine parameters.
            torch::NoGradGuard no_grad;
            m.train();
            for (int i = 0; i < 3; i++) {
                m.forward(torch::randn({8, config.input_c, config.input_h, config.input_w}) * 2 + 0.5);
            }
            for (auto& item : m.named_parameters()) {
                if (item.key().find("_bn.") != std::string::npos) {
                    item.value().add_(torch::randn_like(item.value()) * 0.1);
                }
            }
        }
        m.eval();
        torch::NoGradGuard no_grad;
        const torch::Tensor x = torch::randn({4, config.input_c, config.input_h, config.input_w});
        const torch::Tensor before = m.forward(x);
        ASSERT_TRUE(model.has_batch_norm());
        model.fold_batch_norm();
        EXPECT_FALSE(model.has_batch_norm());
        const torch::Tensor after = m.forward(x);
        EXPECT_TRUE(torch::allclose(before, after, 1e-4, 1e-4)) << (before - after).abs().max().item<double>();
        expect_parameters_match_layers(model, "folded");
        for (const auto& item : m.named_parameters()) {
            EXPECT_EQ(item.key().find("_bn"), std::string::npos) << item.key();
        }
    }
}

TEST(SinglePathModel, SaveAndLoadRoundTrip)
{
    const std::string path = ::testing::TempDir() + "tf_model_roundtrip.pt";
    SinglePathModel a(small_seqpool_config(), ModelOptions{true, 3});
    a.save(path);
    SinglePathModel b(small_seqpool_config(), ModelOptions{true, 4});
    b.load(path);
    const auto pb = b.module().named_parameters();
    for (const auto& item : a.module().named_parameters()) {
        EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
    }
    const auto bb = b.module().named_buffers();
    for (const auto& item : a.module().named_buffers()) {
        EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
    }
    SinglePathModel other(small_avgpool_config());
    EXPECT_THROW(other.load(path), engine::Error);
    EXPECT_THROW(a.load(::testing::TempDir() + "no_such_model.pt"), engine::Error);
    std::remove(path.c_str());
}

TEST(SinglePathModel, ImpossibleConfigsThrowTheArchitectureError)
{
    ArchConfig c = small_seqpool_config();
    c.dots[1].heads = 3;
    EXPECT_THROW(SinglePathModel{c}, engine::Error);
    SinglePathModel model(small_seqpool_config());
    EXPECT_THROW(model.module().forward(torch::randn({8, 8})), engine::Error);
}

}  // namespace
}  // namespace tinyformer::toolkit
