// Int8 post-training quantization and the QDQ ONNX export: the export imports
// into the engine as the same op list as build_engine_graph(config), the int8
// model run by the engine's host interpreter agrees with the float model, and
// a pruned model compiles to sparse kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/engine/onnx_import.h"
#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/dataset_quantize.h"
#include "tinyformer/toolkit/export.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/model_torch.h"
#include "tinyformer/toolkit/quantize.h"

namespace tinyformer::toolkit {
namespace {

// 8x8x1: ConvMaxPool, MobileNetV2, transformer with conv pair (16 tokens, 2 heads); ConvStride2, MobileNetV2,
// transformer without conv pair, two encoders (4 tokens, 2 heads); SeqPool.
ArchConfig seqpool_config()
{
    ArchConfig c;
    c.input_h = c.input_w = 8;
    c.input_c = 1;
    c.classes = 4;
    c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvMaxPool, {2}, {TransformerChoice{2, true, 1}}};
    c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvStride2, {2}, {TransformerChoice{1, false, 2}}};
    c.pooling = PoolingKind::SeqPool;
    c.last_dim = 16;
    return c;
}

// 16x16x3: ConvStride2 + transformer with conv pair (64 tokens), then ConvMaxPool (4x4) with two MobileNetV2
// blocks, AvgPool + flatten (2x2x16).
ArchConfig avgpool_config()
{
    ArchConfig c;
    c.input_h = c.input_w = 16;
    c.input_c = 3;
    c.classes = 10;
    c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvStride2, {}, {TransformerChoice{2, true, 1}}};
    c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvMaxPool, {4, 2}, {}};
    c.pooling = PoolingKind::AvgPool;
    c.last_dim = 16;
    return c;
}

struct Case {
    const char* name;
    ArchConfig config;
};

std::vector<Case> cases() { return {{"seqpool", seqpool_config()}, {"avgpool", avgpool_config()}}; }

torch::Tensor random_images(const ArchConfig& c, int64_t n, uint64_t seed)
{
    at::Generator gen = at::detail::createCPUGenerator(seed);
    return torch::randn({n, c.input_c, c.input_h, c.input_w}, gen);
}

std::vector<float> to_vector(const torch::Tensor& t)
{
    const torch::Tensor c = t.contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// A model whose BatchNorm statistics are not the identity (a few training-mode passes), then folded.
SinglePathModel folded_model(const ArchConfig& config, uint64_t seed = 3)
{
    SinglePathModel model(config, ModelOptions{true, seed});
    {
        torch::NoGradGuard no_grad;
        model.module().train();
        for (int i = 0; i < 4; i++) model.module().forward(random_images(config, 16, 100 + i) * 1.5 + 0.2);
        model.module().eval();
    }
    model.fold_batch_norm();
    return model;
}

QuantizedModel calibrated(SinglePathModel& model, int64_t images = 64)
{
    Calibrator cal(model);
    cal.observe(to_vector(random_images(model.config(), images, 7)), images);
    return quantize(model, cal.result());
}

// NCHW float images -> NHWC int8 with the compiled model's input quantization.
std::vector<int8_t> quantize_input(const engine::CompiledModel& m, const torch::Tensor& image_chw)
{
    const torch::Tensor hwc = image_chw.permute({1, 2, 0}).contiguous();
    std::vector<int8_t> out;
    for (float v : to_vector(hwc)) out.push_back(quantize_value(v, m.input_scale, m.input_zero_point));
    return out;
}

TEST(Int8Export, ImportsAsTheSameOpListAsBuildEngineGraph)
{
    std::vector<Case> all = cases();
    all.push_back({"tinyformer_300k", ArchConfig::tinyformer_300k()});
    for (const Case& c : all) {
        SinglePathModel model = folded_model(c.config);
        const std::vector<uint8_t> bytes = export_onnx_bytes(calibrated(model, 8));
        const engine::Graph imported = engine::import_onnx_bytes(bytes, c.name);
        const engine::Graph expected = build_engine_graph(c.config);
        ASSERT_EQ(imported.ops().size(), expected.ops().size()) << c.name;
        for (size_t i = 0; i < expected.ops().size(); i++) {
            const engine::Op& a = imported.ops()[i];
            const engine::Op& b = expected.ops()[i];
            EXPECT_EQ(engine::to_string(a.kind), std::string(engine::to_string(b.kind)))
                << c.name << " op " << i << " (" << b.name << ")";
            EXPECT_EQ(imported.tensor(a.outputs[0]).shape, expected.tensor(b.outputs[0]).shape)
                << c.name << " op " << i << " (" << b.name << ")";
            for (size_t j = 0; j < b.inputs.size() && j < a.inputs.size(); j++) {
                if (b.inputs[j] == engine::kNoTensor || a.inputs[j] == engine::kNoTensor) continue;
                EXPECT_EQ(imported.tensor(a.inputs[j]).shape, expected.tensor(b.inputs[j]).shape)
                    << c.name << " op " << i << " (" << b.name << ") input " << j;
            }
            if (b.kind == engine::OpKind::Conv2D) {
                const auto& x = std::get<engine::Conv2DAttrs>(a.attrs);
                const auto& y = std::get<engine::Conv2DAttrs>(b.attrs);
                EXPECT_EQ(std::vector<int32_t>({x.stride_h, x.stride_w, x.pad_top, x.pad_left, x.pad_bottom,
                                                x.pad_right, int32_t(x.activation)}),
                          std::vector<int32_t>({y.stride_h, y.stride_w, y.pad_top, y.pad_left, y.pad_bottom,
                                                y.pad_right, int32_t(y.activation)}))
                    << c.name << " op " << i << " (" << b.name << ")";
            }
            if (b.kind == engine::OpKind::Attention) {
                EXPECT_EQ(std::get<engine::AttentionAttrs>(a.attrs).heads,
                          std::get<engine::AttentionAttrs>(b.attrs).heads)
                    << c.name << " op " << i;
            }
        }
        ASSERT_EQ(imported.inputs.size(), 1u);
        EXPECT_EQ(imported.tensor(imported.inputs[0]).shape, expected.tensor(expected.inputs[0]).shape) << c.name;
        EXPECT_NO_THROW(engine::compile(imported)) << c.name;
    }
}

TEST(Int8Export, HostInterpreterAgreesWithTheFloatModel)
{
    for (const Case& c : cases()) {
        SinglePathModel model = folded_model(c.config);
        const QuantizedModel q = calibrated(model, 128);
        const engine::CompiledModel m = engine::compile(engine::import_onnx_bytes(export_onnx_bytes(q), c.name));
        engine::HostInterpreter interp(m);
        const int64_t n = 64;
        const torch::Tensor images = random_images(c.config, n, 11);  // not the calibration images
        torch::Tensor logits;
        {
            torch::NoGradGuard no_grad;
            model.module().eval();
            logits = model.module().forward(images);
        }
        int64_t same_top1 = 0;
        double sum_abs_steps = 0, max_abs_steps = 0;
        for (int64_t i = 0; i < n; i++) {
            const std::vector<int8_t> out = interp.run(quantize_input(m, images[i]));
            ASSERT_EQ(static_cast<int64_t>(out.size()), c.config.classes);
            const std::vector<float> ref = to_vector(logits[i]);
            for (size_t k = 0; k < out.size(); k++) {
                const double steps = std::fabs(ref[k] / m.output_scale + m.output_zero_point - out[k]);
                sum_abs_steps += steps;
                max_abs_steps = std::max(max_abs_steps, steps);
            }
            const auto float_top = std::max_element(ref.begin(), ref.end()) - ref.begin();
            const auto int8_top = std::max_element(out.begin(), out.end()) - out.begin();
            same_top1 += float_top == int8_top ? 1 : 0;
        }
        const double mean_steps = sum_abs_steps / double(n * c.config.classes);
        std::printf("[ %s ] int8 vs float: top-1 agreement %lld/%lld, |logit error| mean %.2f max %.2f steps "
                    "(output scale %g)\n",
                    c.name, static_cast<long long>(same_top1), static_cast<long long>(n), mean_steps, max_abs_steps,
                    double(m.output_scale));
        // Untrained (Kaiming) weights through ~40 int8 layers: measured 62-63/64 agreement, mean 1.3-4.8 and
        // max 6-43 output steps (the SeqPool config with 1-channel input and 4-token encoders is the noisier one).
        EXPECT_GE(same_top1, n * 85 / 100) << c.name;
        EXPECT_LE(mean_steps, 6.0) << c.name;
        EXPECT_LE(max_abs_steps, 64.0) << c.name;
    }
}

TEST(Int8Export, Int8AccuracyCountsTheInterpretersTop1OverADataset)
{
    // Labels = the float model's predictions on images stored as uint8 pixels: top-1 is the int8/float agreement.
    const ArchConfig c = seqpool_config();
    SinglePathModel model = folded_model(c);
    const int64_t n = 48;
    const ImageShape shape{c.input_h, c.input_w, c.input_c};
    at::Generator gen = at::detail::createCPUGenerator(5);
    const torch::Tensor pixels = torch::randint(0, 256, {n, c.input_h, c.input_w, c.input_c}, gen, torch::kUInt8);
    const Normalization norm{{0.5f}, {0.25f}};
    const torch::Tensor images = ((pixels.to(torch::kFloat) / 255.0 - 0.5) / 0.25).permute({0, 3, 1, 2}).contiguous();
    Calibrator cal(model);
    cal.observe(to_vector(images), n);
    const engine::CompiledModel m =
        engine::compile(engine::import_onnx_bytes(export_onnx_bytes(quantize(model, cal.result()))));
    torch::Tensor predicted;
    {
        torch::NoGradGuard no_grad;
        predicted = model.module().forward(images).argmax(1).to(torch::kInt);
    }
    const torch::Tensor px = pixels.contiguous();
    const InMemoryDataset data(shape, c.classes,
                               std::vector<uint8_t>(px.data_ptr<uint8_t>(), px.data_ptr<uint8_t>() + px.numel()),
                               std::vector<int32_t>(predicted.data_ptr<int32_t>(), predicted.data_ptr<int32_t>() + n),
                               "random");
    const Int8Accuracy all = int8_accuracy(m, data, norm);
    EXPECT_EQ(all.images, n);
    EXPECT_GE(all.top1(), 0.75);
    const Int8Accuracy first = int8_accuracy(m, data, norm, 10);
    EXPECT_EQ(first.images, 10);
    // Wrong image shape: named.
    const InMemoryDataset other(ImageShape{4, 4, 1}, c.classes, std::vector<uint8_t>(16), {0}, "tiny");
    EXPECT_THROW(int8_accuracy(m, other, norm), engine::Error);
}

TEST(Int8Export, PrunedModelCompilesToSparseKernels)
{
    const ArchConfig c = seqpool_config();
    SinglePathModel model = folded_model(c);
    {
        // Zero 3 of every 4 blocks of 4 consecutive input channels of every 1x1 conv and linear layer (the
        // engine's reduction order), except the SeqPool logits (one output).
        torch::NoGradGuard no_grad;
        for (size_t i = 0; i < model.layers().size(); i++) {
            const LayerSpec& l = model.layers()[i];
            const LayerModules& lm = model.module().layer_modules(i);
            torch::Tensor w = lm.conv ? lm.conv->weight : lm.linear ? lm.linear->weight : torch::Tensor();
            if (!w.defined() || l.kernel != 1 || l.kind == LayerKind::Depthwise || l.in_channels % 4 != 0) continue;
            torch::Tensor w2 = w.view({l.out_channels, l.in_channels / 4, 4});
            for (int64_t b = 0; b < l.in_channels / 4; b++) {
                if (b % 4 != 0) w2.select(1, b).zero_();
            }
        }
    }
    const engine::Graph g = engine::import_onnx_bytes(export_onnx_bytes(calibrated(model)));
    const engine::CompiledModel m = engine::compile(g);
    int sparse = 0;
    for (const engine::Layer& l : m.layers) {
        if (const auto* conv = std::get_if<engine::ConvCall>(&l.call)) sparse += conv->weights.sparse ? 1 : 0;
        if (const auto* fc = std::get_if<engine::FullyConnectedCall>(&l.call)) sparse += fc->weights.sparse ? 1 : 0;
    }
    EXPECT_GE(sparse, 4);
    // And it still runs.
    engine::HostInterpreter interp(m);
    EXPECT_EQ(static_cast<int64_t>(interp.run(std::vector<int8_t>(static_cast<size_t>(interp.input_size()), 3)).size()),
              c.classes);
}

TEST(Int8Export, WritesAFileTheImportReads)
{
    SinglePathModel model = folded_model(avgpool_config());
    const std::string path = ::testing::TempDir() + "tf_export_test.onnx";
    export_onnx(calibrated(model), path);
    const engine::Graph g = engine::import_onnx(path);
    EXPECT_EQ(g.ops().size(), layers(avgpool_config()).size());
    std::remove(path.c_str());
    EXPECT_THROW(export_onnx(calibrated(model), "/nonexistent-dir/x.onnx"), engine::Error);
}

TEST(Int8Quantize, ActivationQuantizationCoversTheRangeAndZero)
{
    ActivationRange relu;
    relu.include(0.0f, 5.1f);
    const ActivationQuant r = choose_activation_quant(relu);
    EXPECT_EQ(r.zero_point, -128);
    EXPECT_NEAR(r.scale, 5.1 / 255, 1e-7);
    ActivationRange positive;
    positive.include(1.0f, 2.0f);  // widened to include 0
    EXPECT_EQ(choose_activation_quant(positive).zero_point, -128);
    ActivationRange negative;
    negative.include(-3.0f, -1.0f);
    EXPECT_EQ(choose_activation_quant(negative).zero_point, 127);
    ActivationRange mixed;
    mixed.include(-1.0f, 3.0f);
    const ActivationQuant m = choose_activation_quant(mixed);
    EXPECT_NEAR(m.scale * (-128 - m.zero_point), -1.0, m.scale);
    EXPECT_NEAR(m.scale * (127 - m.zero_point), 3.0, m.scale);
    ActivationRange zero;
    zero.include(0.0f, 0.0f);
    EXPECT_GT(choose_activation_quant(zero).scale, 0.0f);
    EXPECT_THROW(choose_activation_quant(ActivationRange{}), engine::Error);
    EXPECT_EQ(softmax_output_quant().zero_point, -128);
    EXPECT_EQ(softmax_output_quant().scale, 1.0f / 256.0f);
}

TEST(Int8Quantize, RulesPerValueAndPerChannelWeights)
{
    const ArchConfig c = seqpool_config();
    SinglePathModel model = folded_model(c);
    const QuantizedModel q = calibrated(model);
    for (size_t i = 0; i < q.layers.size(); i++) {
        const LayerSpec& l = q.layers[i];
        const ActivationQuant& in = q.values[static_cast<size_t>(l.inputs[0])];
        const ActivationQuant& out = q.values[i + 1];
        if (l.kind == LayerKind::MaxPool2x2 || l.kind == LayerKind::ToTokens || l.kind == LayerKind::ToMap) {
            EXPECT_EQ(out.scale, in.scale) << l.name;
            EXPECT_EQ(out.zero_point, in.zero_point) << l.name;
        }
        if (l.activation != LayerActivation::None) EXPECT_EQ(out.zero_point, -128) << l.name;
        if (l.kind == LayerKind::Attention) EXPECT_GT(q.scores[i].scale, 0.0f) << l.name;
        const QuantizedLayer& p = q.params[i];
        if (l.kind == LayerKind::Conv || l.kind == LayerKind::Depthwise || l.kind == LayerKind::Linear) {
            ASSERT_EQ(static_cast<int64_t>(p.weights.size()), l.weight_count()) << l.name;
            ASSERT_EQ(static_cast<int32_t>(p.weight_scales.size()), l.out_channels) << l.name;
            const size_t per = p.weights.size() / p.weight_scales.size();
            for (size_t ch = 0; ch < p.weight_scales.size(); ch++) {
                int peak = 0;
                for (size_t j = 0; j < per; j++) peak = std::max(peak, std::abs(int(p.weights[ch * per + j])));
                EXPECT_EQ(peak, 127) << l.name << " channel " << ch;  // the channel's max maps to 127
            }
            EXPECT_TRUE(std::all_of(p.weights.begin(), p.weights.end(), [](int8_t v) { return v >= -127; }));
        }
        if (l.kind == LayerKind::LayerNorm) EXPECT_EQ(static_cast<int32_t>(p.gamma.size()), l.out_channels);
    }
    // Bias = round(b / (s_in * s_w)) for the first conv.
    const LayerModules& lm = model.module().layer_modules(0);
    const float b0 = lm.conv->bias[0].item<float>();
    EXPECT_EQ(q.params[0].bias[0], static_cast<int32_t>(std::round(b0 / (q.values[0].scale * q.params[0].weight_scales[0]))));
}

TEST(Int8Quantize, RequiresFoldedBatchNormAndAMatchingCalibration)
{
    SinglePathModel model(seqpool_config());
    Calibrator cal(model);
    cal.observe(to_vector(random_images(seqpool_config(), 4, 1)), 4);
    EXPECT_THROW(quantize(model, cal.result()), engine::Error);
    model.fold_batch_norm();
    EXPECT_NO_THROW(quantize(model, cal.result()));
    EXPECT_THROW(quantize(model, Calibration{}), engine::Error);
    EXPECT_THROW(cal.observe(std::vector<float>(10), 1), engine::Error);
    QuantizeOptions fixed;
    fixed.fixed_input = true;
    fixed.input = ActivationQuant{0.02f, -5};
    EXPECT_EQ(quantize(model, cal.result(), fixed).values[0].zero_point, -5);
}

}  // namespace
}  // namespace tinyformer::toolkit
