// compile() and HostInterpreter on small graphs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <variant>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/engine/model_report.h"
#include "tinyformer/engine/quantize_multiplier.h"

namespace tinyformer::engine {
namespace {

TEST(QuantizeMultiplier, MatchesTheRuntimeConvention)
{
    const double cases[] = {0.5, 0.25, 0.75, 1.0, 1.5, 3.0e-3, 1.0e-9, 0.999999999999};
    for (double real : cases) {
        const se_quant q = quantize_multiplier(real);
        ASSERT_GE(q.multiplier, 1 << 30) << "real " << real;
        const double back = q.multiplier * std::ldexp(1.0, q.shift - 31);
        EXPECT_NEAR(back / real, 1.0, 1e-9) << "real " << real;
    }
    EXPECT_EQ(quantize_multiplier(0.0).multiplier, 0);
    EXPECT_EQ(quantize_multiplier(1e-12).multiplier, 0);  // below 2^-32
    EXPECT_THROW(quantize_multiplier(-1.0), Error);
    EXPECT_THROW(quantize_multiplier(std::nan("")), Error);
    EXPECT_THROW(quantize_multiplier(std::ldexp(1.0, 31)), Error);
}

// Small helpers to build test graphs.
struct Builder {
    Graph g;
    std::mt19937 rng{7};

    std::vector<int8_t> random_s8(size_t n, int lo = -127, int hi = 127)
    {
        std::uniform_int_distribution<int> d(lo, hi);
        std::vector<int8_t> v(n);
        for (auto& x : v) {
            x = static_cast<int8_t>(d(rng));
        }
        return v;
    }

    TensorId act(const std::string& name, std::vector<int32_t> shape, float scale, int32_t zp)
    {
        return g.add_activation(name, std::move(shape), QuantParams::per_tensor(scale, zp));
    }

    TensorId conv(const std::string& name, TensorId x, int32_t cout, int32_t k, int32_t stride, int32_t pad,
                  float out_scale, Activation act_kind = Activation::None)
    {
        const Tensor& in = g.tensor(x);
        const auto s = in.shape;
        const int32_t ho = (s[1] + 2 * pad - k) / stride + 1, wo = (s[2] + 2 * pad - k) / stride + 1;
        std::vector<float> ws(static_cast<size_t>(cout), 0.01f);
        const TensorId w = g.add_constant_s8(name + ".w", {cout, k, k, s[3]},
                                             random_s8(static_cast<size_t>(cout * k * k * s[3])),
                                             QuantParams::per_channel(ws, 0));
        const TensorId y = act(name + ".y", {s[0], ho, wo, cout}, out_scale, -5);
        Conv2DAttrs a;
        a.stride_h = a.stride_w = stride;
        a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
        a.activation = act_kind;
        g.add_op(OpKind::Conv2D, name, {x, w, kNoTensor}, {y}, a);
        return y;
    }
};

TEST(Compile, ResidualCnnPlansAValidArenaAndCountsMacs)
{
    Builder b;
    const TensorId x = b.act("input", {1, 8, 8, 4}, 0.05f, -128);
    const TensorId c1 = b.conv("conv1", x, 8, 3, 1, 1, 0.1f, Activation::Relu);
    const TensorId c2 = b.conv("conv2", c1, 8, 1, 1, 0, 0.1f);
    const TensorId sum = b.act("sum", {1, 8, 8, 8}, 0.2f, 3);
    b.g.add_op(OpKind::Add, "add", {c1, c2}, {sum}, AddAttrs{});
    const TensorId pooled = b.act("pooled", {1, 1, 1, 8}, 0.2f, 3);
    b.g.add_op(OpKind::GlobalAvgPool, "gap", {sum}, {pooled}, PoolAttrs{});
    b.g.inputs = {x};
    b.g.outputs = {pooled};

    const CompiledModel m = compile(b.g);
    ASSERT_EQ(m.layers.size(), 4u);
    EXPECT_EQ(std::get<ConvCall>(m.layers[0].call).kernel, ConvCall::Kernel::Conv2D);
    EXPECT_EQ(std::get<ConvCall>(m.layers[1].call).kernel, ConvCall::Kernel::Conv1x1);
    EXPECT_EQ(m.layers[0].macs, 8 * 8 * 8 * 9 * 4);
    EXPECT_EQ(m.layers[1].macs, 8 * 8 * 8 * 8);
    EXPECT_EQ(m.total_macs(), 8 * 8 * 8 * 9 * 4 + 8 * 8 * 8 * 8);
    // ReLU clamp starts at the output zero point.
    EXPECT_EQ(std::get<ConvCall>(m.layers[0].call).params.act.min, -5);
    EXPECT_NO_THROW(validate_plan(m.buffers, m.plan));
    EXPECT_GE(m.plan.arena_size, lower_bound(m.buffers));
    // conv1's output stays live until the add (step 2): a residual.
    EXPECT_EQ(m.buffers[static_cast<size_t>(m.layers[0].output)].last_step, 2);
    // Weights + bias + multipliers + shifts of the two convs.
    EXPECT_EQ(m.layers[0].weight_bytes, 8 * 9 * 4 + 3 * 8 * 4);

    const std::string report = layer_report(m);
    EXPECT_NE(report.find("| 0 | conv1 | Conv2D | se_conv2d_s8 | 18432 | 384 |"), std::string::npos) << report;
    EXPECT_NE(report.find("| 1 | conv2 | Conv2D | se_conv1x1_s8 | 4096 |"), std::string::npos) << report;
    EXPECT_NE(report.find("| 3 | gap | GlobalAvgPool | se_global_avg_pool_s8 |"), std::string::npos) << report;
    EXPECT_NE(report.find("lower bound"), std::string::npos) << report;
}

TEST(Compile, ReshapeSharesTheBufferOfItsInput)
{
    Builder b;
    const TensorId x = b.act("input", {1, 4, 4, 8}, 0.05f, 0);
    const TensorId tokens = b.act("tokens", {16, 8}, 0.05f, 0);
    b.g.add_op(OpKind::Reshape, "to_tokens", {x}, {tokens}, ReshapeAttrs{});
    std::vector<float> ws(4, 0.02f);
    const TensorId w = b.g.add_constant_s8("fc.w", {4, 8}, b.random_s8(32), QuantParams::per_channel(ws, 0));
    const TensorId y = b.act("y", {16, 4}, 0.1f, 1);
    b.g.add_op(OpKind::FullyConnected, "fc", {tokens, w, kNoTensor}, {y}, FullyConnectedAttrs{});
    b.g.inputs = {x};
    b.g.outputs = {y};
    const CompiledModel m = compile(b.g);
    ASSERT_EQ(m.layers.size(), 1u);
    EXPECT_EQ(m.layers[0].inputs[0], m.input);
    EXPECT_EQ(std::get<FullyConnectedCall>(m.layers[0].call).dims.tokens, 16);
}

TEST(Compile, RejectsGraphsItCannotRun)
{
    Builder b;
    const TensorId x = b.act("input", {2, 4}, 0.05f, 0);
    const TensorId y = b.act("y", {2, 4}, 0.05f, 0);
    b.g.add_op(OpKind::Softmax, "softmax", {x}, {y}, SoftmaxAttrs{});
    b.g.inputs = {x};
    b.g.outputs = {y};
    try {
        compile(b.g);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("Softmax 'softmax': output must be quantized with scale 1/256"),
                  std::string::npos)
            << e.what();
    }
    b.g.outputs = {x, y};
    EXPECT_THROW(compile(b.g), Error);
}

// LayerNorm: the interpreter's int8 result is within 1 LSB of float LayerNorm.
TEST(HostInterpreter, LayerNormIsCloseToFloat)
{
    const int32_t rows = 3, channels = 44;
    Builder b;
    const TensorId x = b.act("x", {rows, channels}, 0.05f, 4);
    const TensorId y = b.act("y", {rows, channels}, 0.04f, -2);
    std::vector<float> gamma(channels), beta(channels);
    for (int32_t c = 0; c < channels; c++) {
        gamma[static_cast<size_t>(c)] = 0.5f + 0.02f * static_cast<float>(c);
        beta[static_cast<size_t>(c)] = -0.3f + 0.01f * static_cast<float>(c);
    }
    const TensorId g = b.g.add_constant_f32("gamma", {channels}, gamma);
    const TensorId be = b.g.add_constant_f32("beta", {channels}, beta);
    b.g.add_op(OpKind::LayerNorm, "ln", {x, g, be}, {y}, LayerNormAttrs{});
    b.g.inputs = {x};
    b.g.outputs = {y};
    const CompiledModel m = compile(b.g);
    HostInterpreter interp(m);
    const std::vector<int8_t> input = b.random_s8(rows * channels, -100, 100);
    const std::vector<int8_t> got = interp.run(input);
    for (int32_t r = 0; r < rows; r++) {
        double mean = 0, var = 0;
        for (int32_t c = 0; c < channels; c++) {
            mean += input[static_cast<size_t>(r * channels + c)];
        }
        mean /= channels;
        for (int32_t c = 0; c < channels; c++) {
            const double d = input[static_cast<size_t>(r * channels + c)] - mean;
            var += d * d;
        }
        var /= channels;
        for (int32_t c = 0; c < channels; c++) {
            const double xn = (input[static_cast<size_t>(r * channels + c)] - mean) / std::sqrt(var);
            const double real = gamma[static_cast<size_t>(c)] * xn + beta[static_cast<size_t>(c)];
            const double q = std::min(127.0, std::max(-128.0, std::round(real / 0.04) - 2));
            EXPECT_LE(std::abs(q - got[static_cast<size_t>(r * channels + c)]), 1.0) << "row " << r << " channel " << c;
        }
    }
}

// InterpreterOptions::float_layernorm: the float reference LayerNorm equals a
// double-precision LayerNorm with epsilon on the dequantized input, rounded to
// the output quantization; the integer kernel stays within 1 step of it.
TEST(HostInterpreter, FloatLayerNormModeIsTheFloatReference)
{
    const int32_t rows = 4, channels = 48;
    const float in_scale = 0.05f, out_scale = 0.04f;
    const int32_t in_zp = 4, out_zp = -2;
    Builder b;
    const TensorId x = b.act("x", {rows, channels}, in_scale, in_zp);
    const TensorId y = b.act("y", {rows, channels}, out_scale, out_zp);
    std::vector<float> gamma(channels), beta(channels);
    for (int32_t c = 0; c < channels; c++) {
        gamma[static_cast<size_t>(c)] = 1.5f - 0.03f * static_cast<float>(c);
        beta[static_cast<size_t>(c)] = 0.2f - 0.015f * static_cast<float>(c);
    }
    const TensorId g = b.g.add_constant_f32("gamma", {channels}, gamma);
    const TensorId be = b.g.add_constant_f32("beta", {channels}, beta);
    LayerNormAttrs attrs;
    attrs.epsilon = 1e-3f;  // large enough to matter for the low-variance row below
    b.g.add_op(OpKind::LayerNorm, "ln", {x, g, be}, {y}, attrs);
    b.g.inputs = {x};
    b.g.outputs = {y};
    const CompiledModel m = compile(b.g);
    std::vector<int8_t> input = b.random_s8(rows * channels, -128, 127);
    for (int32_t c = 0; c < channels; c++) {
        input[static_cast<size_t>(channels + c)] = static_cast<int8_t>(10 + c % 2);  // variance 1/4 step^2
    }
    InterpreterOptions options;
    options.float_layernorm = true;
    HostInterpreter float_interp(m, options), int_interp(m);
    const std::vector<int8_t> got = float_interp.run(input);
    const std::vector<int8_t> integer = int_interp.run(input);
    for (int32_t r = 0; r < rows; r++) {
        double mean = 0, var = 0;
        for (int32_t c = 0; c < channels; c++) {
            mean += (input[static_cast<size_t>(r * channels + c)] - in_zp) * static_cast<double>(in_scale);
        }
        mean /= channels;
        for (int32_t c = 0; c < channels; c++) {
            const double d = (input[static_cast<size_t>(r * channels + c)] - in_zp) * static_cast<double>(in_scale) - mean;
            var += d * d;
        }
        var /= channels;
        for (int32_t c = 0; c < channels; c++) {
            const size_t i = static_cast<size_t>(r * channels + c);
            const double xn = ((input[i] - in_zp) * static_cast<double>(in_scale) - mean) /
                              std::sqrt(var + static_cast<double>(attrs.epsilon));
            const double real = gamma[static_cast<size_t>(c)] * xn + beta[static_cast<size_t>(c)];
            const double q = std::min(127.0, std::max(-128.0, std::nearbyint(real / static_cast<double>(out_scale)) + out_zp));
            ASSERT_EQ(static_cast<int>(got[i]), static_cast<int>(q)) << "first mismatch: row " << r << " channel " << c;
            if (r != 1) {  // Scaled-LayerNorm has no epsilon: it differs on the low-variance row
                ASSERT_LE(std::abs(integer[i] - got[i]), 1) << "row " << r << " channel " << c;
            }
        }
    }
}

// The interpreter must equal calling the kernels by hand with compile()'s
// parameters, and stay close to the float model it approximates.
TEST(HostInterpreter, MatchesDirectKernelCallsAndTheFloatModel)
{
    Builder b;
    const TensorId x = b.act("input", {1, 6, 6, 3}, 0.02f, -128);
    const TensorId c1 = b.conv("conv1", x, 4, 3, 2, 1, 0.05f, Activation::Relu);
    b.g.inputs = {x};
    b.g.outputs = {c1};
    const CompiledModel m = compile(b.g);
    HostInterpreter interp(m);
    const std::vector<int8_t> input = b.random_s8(6 * 6 * 3, -128, 127);
    const std::vector<int8_t> got = interp.run(input);

    const ConvCall& c = std::get<ConvCall>(m.layers[0].call);
    std::vector<int8_t> want(got.size());
    std::vector<uint64_t> scratch(static_cast<size_t>(m.layers[0].scratch_bytes / 8 + 1));
    se_context ctx{scratch.data(), static_cast<int32_t>(m.layers[0].scratch_bytes)};
    const auto* mult = reinterpret_cast<const int32_t*>(m.arrays[static_cast<size_t>(c.multipliers)].bytes.data());
    const auto* shift = reinterpret_cast<const int32_t*>(m.arrays[static_cast<size_t>(c.shifts)].bytes.data());
    const se_per_channel_quant q{mult, shift};
    const auto* w = reinterpret_cast<const int8_t*>(m.arrays[static_cast<size_t>(c.weights.array)].bytes.data());
    const auto* bias = reinterpret_cast<const int32_t*>(m.arrays[static_cast<size_t>(c.bias)].bytes.data());
    ASSERT_EQ(se_conv2d_s8(&ctx, &c.params, &q, &c.input, input.data(), &c.filter, w, bias, &c.output, want.data()),
              SE_OK);
    for (size_t i = 0; i < got.size(); i++) {
        ASSERT_EQ(got[i], want[i]) << "output index " << i;
    }

    // Float model of the same conv: the int8 result is within 1 LSB.
    const Tensor& wt = b.g.tensor(1);
    const auto wv = wt.values_s8();
    for (int32_t oy = 0; oy < 3; oy++) {
        for (int32_t ox = 0; ox < 3; ox++) {
            for (int32_t co = 0; co < 4; co++) {
                double acc = 0;
                for (int32_t ky = 0; ky < 3; ky++) {
                    for (int32_t kx = 0; kx < 3; kx++) {
                        const int32_t iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                        if (iy < 0 || ix < 0 || iy >= 6 || ix >= 6) {
                            continue;
                        }
                        for (int32_t ci = 0; ci < 3; ci++) {
                            const double xr = 0.02 * (input[static_cast<size_t>((iy * 6 + ix) * 3 + ci)] + 128);
                            acc += xr * 0.01 * wv[static_cast<size_t>(((co * 3 + ky) * 3 + kx) * 3 + ci)];
                        }
                    }
                }
                const double q_float = std::min(127.0, std::max(-5.0, std::round(acc / 0.05) - 5));
                const int8_t q_int = got[static_cast<size_t>((oy * 3 + ox) * 4 + co)];
                EXPECT_LE(std::abs(q_float - q_int), 1.0) << "pixel " << oy << "," << ox << " channel " << co;
            }
        }
    }
}

}  // namespace
}  // namespace tinyformer::engine

namespace tinyformer::engine {
namespace {

// Self-attention with q = k = v = x: the interpreter equals the runtime kernel
// called directly, and stays within a few LSB of float attention.
TEST(HostInterpreter, AttentionMatchesTheKernelAndFloatAttention)
{
    const int32_t tokens = 6, dim = 8, heads = 2, d = dim / heads;
    Builder b;
    const TensorId x = b.act("x", {tokens, dim}, 0.05f, -3);
    const TensorId y = b.act("y", {tokens, dim}, 0.05f, -3);
    AttentionAttrs a;
    a.heads = heads;
    a.scores_quant = QuantParams::per_tensor(0.16f, 0);  // |scores| <= 20: no saturation
    b.g.add_op(OpKind::Attention, "attn", {x, x, x}, {y}, a);
    b.g.inputs = {x};
    b.g.outputs = {y};
    for (int32_t block_rows : {1, 4}) {
        CompileOptions options;
        options.attention_block_rows = block_rows;
        const CompiledModel m = compile(b.g, options);
        ASSERT_EQ(m.layers.size(), 1u);
        EXPECT_EQ(m.layers[0].macs, 2 * tokens * tokens * dim);
        const std::vector<int8_t> input = b.random_s8(tokens * dim, -60, 60);
        HostInterpreter interp(m);
        const std::vector<int8_t> got = interp.run(input);

        const AttentionCall& c = std::get<AttentionCall>(m.layers[0].call);
        EXPECT_EQ(c.dims.block_rows, block_rows);
        std::vector<uint64_t> scratch(static_cast<size_t>(m.layers[0].scratch_bytes / 8 + 1));
        se_context ctx{scratch.data(), static_cast<int32_t>(m.layers[0].scratch_bytes)};
        std::vector<int8_t> want(got.size());
        ASSERT_EQ(se_attention_s8(&ctx, &c.params, &c.dims, input.data(), input.data(), input.data(), want.data()),
                  SE_OK);
        for (size_t i = 0; i < got.size(); i++) {
            ASSERT_EQ(got[i], want[i]) << "block_rows " << block_rows << " output index " << i;
        }

        int worst = 0;
        for (int32_t h = 0; h < heads; h++) {
            for (int32_t i = 0; i < tokens; i++) {
                std::vector<double> s(static_cast<size_t>(tokens));
                double max_s = -1e30, sum = 0;
                for (int32_t j = 0; j < tokens; j++) {
                    double dot = 0;
                    for (int32_t k = 0; k < d; k++) {
                        dot += 0.05 * (input[static_cast<size_t>(i * dim + h * d + k)] + 3) * 0.05 *
                               (input[static_cast<size_t>(j * dim + h * d + k)] + 3);
                    }
                    s[static_cast<size_t>(j)] = dot / std::sqrt(double(d));
                    max_s = std::max(max_s, s[static_cast<size_t>(j)]);
                }
                for (double& v : s) {
                    v = std::exp(v - max_s);
                    sum += v;
                }
                for (int32_t k = 0; k < d; k++) {
                    double o = 0;
                    for (int32_t j = 0; j < tokens; j++) {
                        o += s[static_cast<size_t>(j)] / sum * 0.05 *
                             (input[static_cast<size_t>(j * dim + h * d + k)] + 3);
                    }
                    const double q = std::round(o / 0.05) - 3;
                    worst = std::max(worst, int(std::abs(q - got[static_cast<size_t>(i * dim + h * d + k)])));
                }
            }
        }
        EXPECT_LE(worst, 3) << "block_rows " << block_rows;
    }
}

}  // namespace
}  // namespace tinyformer::engine

namespace tinyformer::engine {
namespace {

// Pruned layers run on the coded weights with the sparse kernels and give the
// dense kernels' bits; the coded weights take less flash. A pruned layer
// without SparsityInfo (as imported from ONNX) is detected.
TEST(Compile, SparseLayersMatchDenseBitForBit)
{
    for (int32_t block : {2, 3, 4}) {
        Builder b;
        const TensorId x = b.act("input", {1, 6, 6, 8}, 0.05f, -7);
        const TensorId c1 = b.conv("conv1", x, 12, 3, 1, 1, 0.1f, Activation::Relu);
        const TensorId c2 = b.conv("conv2", c1, 8, 1, 1, 0, 0.1f);
        const TensorId tokens = b.act("tokens", {36, 8}, 0.1f, -5);
        b.g.add_op(OpKind::Reshape, "to_tokens", {c2}, {tokens}, ReshapeAttrs{});
        std::vector<float> ws(16, 0.01f);
        const TensorId w = b.g.add_constant_s8("fc.w", {16, 8}, b.random_s8(128), QuantParams::per_channel(ws, 0));
        const TensorId y = b.act("y", {36, 16}, 0.1f, 2);
        FullyConnectedAttrs fa;
        b.g.add_op(OpKind::FullyConnected, "fc", {tokens, w, kNoTensor}, {y}, fa);
        b.g.inputs = {x};
        b.g.outputs = {y};
        // Prune 70% of the blocks of every layer (block 3 only along conv1's kernel width).
        std::mt19937 rng(static_cast<uint32_t>(block));
        for (size_t op = 0; op < b.g.ops().size(); op++) {
            const Op& o = b.g.op(static_cast<OpId>(op));
            if (o.kind != OpKind::Conv2D && o.kind != OpKind::FullyConnected) {
                continue;
            }
            Tensor& wt = b.g.tensor(o.inputs[1]);
            const bool conv3 = wt.shape.size() == 4 && wt.shape[2] == 3;
            const int32_t blk = block == 3 && !conv3 ? 2 : block;
            const int32_t cin = wt.shape.back();
            for (size_t i = 0; i < wt.data.size(); i++) {
                const size_t group = conv3 && blk == 3 ? (i / static_cast<size_t>(cin * 3)) * cin + i % cin
                                                       : i / static_cast<size_t>(blk);
                if ((group * 2654435761u + static_cast<size_t>(block)) % 10 < 7) {
                    wt.data[i] = 0;
                }
            }
            SparsityInfo info{blk, 0.7f};
            if (block == 3 && o.kind == OpKind::FullyConnected) {
                continue;  // left unannotated: compile() must detect its blocks itself
            }
            auto& ops = const_cast<std::vector<Op>&>(b.g.ops());
            if (o.kind == OpKind::Conv2D) {
                std::get<Conv2DAttrs>(ops[op].attrs).sparsity = info;
            } else {
                std::get<FullyConnectedAttrs>(ops[op].attrs).sparsity = info;
            }
        }
        CompileOptions dense_options;
        dense_options.allow_sparse = false;
        const CompiledModel dense = compile(b.g, dense_options);
        const CompiledModel sparse = compile(b.g);
        int sparse_layers = 0;
        for (const Layer& l : sparse.layers) {
            if (const auto* c = std::get_if<ConvCall>(&l.call)) {
                sparse_layers += c->weights.sparse;
            } else if (const auto* f = std::get_if<FullyConnectedCall>(&l.call)) {
                sparse_layers += f->weights.sparse;
            }
        }
        EXPECT_EQ(sparse_layers, 3) << "block " << block;
        CompileOptions no_detect;
        no_detect.detect_sparsity = false;
        const CompiledModel annotated_only = compile(b.g, no_detect);
        EXPECT_EQ(std::get<FullyConnectedCall>(annotated_only.layers.back().call).weights.sparse, block != 3)
            << "block " << block;
        EXPECT_LT(sparse.constant_bytes(), dense.constant_bytes()) << "block " << block;
        const std::vector<int8_t> input = b.random_s8(6 * 6 * 8, -128, 127);
        HostInterpreter run_dense(dense), run_sparse(sparse);
        const std::vector<int8_t> want = run_dense.run(input);
        const std::vector<int8_t> got = run_sparse.run(input);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); i++) {
            ASSERT_EQ(got[i], want[i]) << "block " << block << " output index " << i;
        }
    }
}

}  // namespace
}  // namespace tinyformer::engine
