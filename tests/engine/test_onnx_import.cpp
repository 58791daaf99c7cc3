// ONNX import: fixtures built in memory (onnx_test_models.h) are imported and the IR is checked exactly;
// malformed and unsupported models give errors naming the file, node, op and what is supported.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "../common/error_of.h"
#include "onnx_test_models.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/onnx_import.h"

namespace tinyformer::engine {
namespace {

using test::fixture_scales;
using test::OnnxModelBuilder;
using test::pattern_value;

Graph import(const std::string& bytes) { return import_onnx_bytes(bytes.data(), bytes.size(), "model.onnx"); }

std::vector<OpKind> kinds(const Graph& g)
{
    std::vector<OpKind> out;
    for (const Op& op : g.ops()) out.push_back(op.kind);
    return out;
}

std::string kinds_str(const Graph& g)
{
    std::string s;
    for (const Op& op : g.ops()) s += std::string(to_string(op.kind)) + " ";
    return s;
}

const Tensor& in(const Graph& g, size_t op, size_t i) { return g.tensor(g.ops()[op].inputs[i]); }
const Tensor& out(const Graph& g, size_t op) { return g.tensor(g.ops()[op].outputs[0]); }

void expect_quant(const Tensor& t, float scale, int32_t zp)
{
    ASSERT_TRUE(t.quant.is_per_tensor()) << t.name;
    EXPECT_FLOAT_EQ(t.quant.scale[0], scale) << t.name;
    EXPECT_EQ(t.quant.zero_point[0], zp) << t.name;
}

using test_support::error_of;

// TF_PRINT_ERRORS=1 prints every checked message (to review their wording).
#define EXPECT_CONTAINS(text, part)                                                       \
    do {                                                                                  \
        const std::string text_ = (text);                                                 \
        if (std::getenv("TF_PRINT_ERRORS")) std::printf("%s\n", text_.c_str());          \
        EXPECT_NE(text_.find(part), std::string::npos) << text_;                          \
    } while (0)

TEST(OnnxImport, CnnResidualBlockBecomesFusedNhwcOps)
{
    const Graph g = import(test::cnn_residual_model());
    ASSERT_EQ(kinds(g), (std::vector<OpKind>{OpKind::Conv2D, OpKind::DepthwiseConv2D, OpKind::Conv2D, OpKind::Add,
                                             OpKind::MaxPool2x2, OpKind::GlobalAvgPool, OpKind::Reshape,
                                             OpKind::FullyConnected}))
        << kinds_str(g);
    EXPECT_NO_THROW(g.validate());
    ASSERT_EQ(g.inputs.size(), 1u);
    EXPECT_EQ(g.tensor(g.inputs[0]).shape, (std::vector<int32_t>{1, 8, 8, 3}));
    expect_quant(g.tensor(g.inputs[0]), 0.05f, -10);

    // conv1: OIHW [8,3,3,3] -> OHWI; w_ir[o][y][x][i] == w_onnx[o][i][y][x]
    const Op& conv1 = g.ops()[0];
    EXPECT_EQ(conv1.name, "conv1");
    const auto& a1 = std::get<Conv2DAttrs>(conv1.attrs);
    EXPECT_EQ(a1.activation, Activation::Relu);
    EXPECT_EQ(a1.pad_top, 1);
    EXPECT_EQ(a1.pad_right, 1);
    EXPECT_EQ(a1.stride_h, 1);
    const Tensor& w1 = in(g, 0, 1);
    ASSERT_EQ(w1.shape, (std::vector<int32_t>{8, 3, 3, 3}));
    const auto w1v = w1.values_s8();
    for (int o : {0, 5, 7})
        for (int i : {0, 2})
            for (int y : {0, 1, 2})
                for (int x : {0, 2}) {
                    ASSERT_EQ(w1v[((o * 3 + y) * 3 + x) * 3 + i], pattern_value(((o * 3 + i) * 3 + y) * 3 + x, 1))
                        << "o " << o << " i " << i << " y " << y << " x " << x;
                }
    EXPECT_EQ(w1.quant.scale, fixture_scales(8));
    EXPECT_EQ(in(g, 0, 2).values_s32()[3], -10);  // int32 bias ramp -40 + 10 c
    EXPECT_EQ(out(g, 0).shape, (std::vector<int32_t>{1, 8, 8, 8}));
    expect_quant(out(g, 0), 0.04f, -128);

    // depthwise: [8,1,3,3] -> [3,3,8]; float bias quantized to s_in * s_w
    const auto& ad = std::get<DepthwiseConv2DAttrs>(g.ops()[1].attrs);
    EXPECT_EQ(ad.activation, Activation::Relu6);
    EXPECT_EQ(ad.pad, 1);
    EXPECT_EQ(ad.stride, 1);
    const Tensor& wd = in(g, 1, 1);
    ASSERT_EQ(wd.shape, (std::vector<int32_t>{3, 3, 8}));
    const auto wdv = wd.values_s8();
    for (int c = 0; c < 8; c++)
        for (int t = 0; t < 9; t++) ASSERT_EQ(wdv[t * 8 + c], pattern_value(c * 9 + t, 2)) << "c " << c << " t " << t;
    const auto bd = in(g, 1, 2).values_s32();
    for (int c = 0; c < 8; c++) {
        const double want = std::round((-0.01 + 0.003 * c) / (0.04 * fixture_scales(8)[c]));
        EXPECT_NEAR(bd[c], want, 1) << "channel " << c;
    }

    // pointwise conv without bias
    EXPECT_EQ(g.ops()[2].inputs.size(), 3u);
    EXPECT_EQ(g.ops()[2].inputs[2], kNoTensor);
    EXPECT_EQ(in(g, 2, 1).shape, (std::vector<int32_t>{8, 1, 1, 8}));
    expect_quant(out(g, 2), 0.05f, 3);

    // residual add of conv1's output and the pointwise conv, Relu folded
    EXPECT_EQ(g.ops()[3].inputs[0], g.ops()[0].outputs[0]);
    EXPECT_EQ(g.ops()[3].inputs[1], g.ops()[2].outputs[0]);
    EXPECT_EQ(std::get<AddAttrs>(g.ops()[3].attrs).activation, Activation::Relu);
    EXPECT_EQ(out(g, 4).shape, (std::vector<int32_t>{1, 4, 4, 8}));
    EXPECT_EQ(out(g, 5).shape, (std::vector<int32_t>{1, 1, 1, 8}));
    EXPECT_EQ(out(g, 6).shape, (std::vector<int32_t>{1, 8}));

    // Gemm transB=1: weights already [C_out, C_in]
    const Tensor& wf = in(g, 7, 1);
    ASSERT_EQ(wf.shape, (std::vector<int32_t>{4, 8}));
    EXPECT_EQ(wf.values_s8()[1 * 8 + 6], pattern_value(1 * 8 + 6, 4));
    EXPECT_EQ(in(g, 7, 2).values_s32(), (std::vector<int32_t>{100, 50, 0, -50}));
    EXPECT_EQ(out(g, 7).shape, (std::vector<int32_t>{1, 4}));
    expect_quant(out(g, 7), 0.1f, 5);
    ASSERT_EQ(g.outputs.size(), 1u);
    EXPECT_EQ(g.outputs[0], g.ops()[7].outputs[0]);
}

TEST(OnnxImport, TransformerBlockBecomesLayerNormLinearAttention)
{
    const Graph g = import(test::transformer_block_model());
    ASSERT_EQ(kinds(g), (std::vector<OpKind>{OpKind::LayerNorm, OpKind::FullyConnected, OpKind::FullyConnected,
                                             OpKind::FullyConnected, OpKind::Attention, OpKind::FullyConnected,
                                             OpKind::Add, OpKind::LayerNorm, OpKind::FullyConnected,
                                             OpKind::FullyConnected, OpKind::Add}))
        << kinds_str(g);
    EXPECT_NO_THROW(g.validate());
    EXPECT_EQ(g.tensor(g.inputs[0]).shape, (std::vector<int32_t>{1, 4, 8}));

    // LayerNorm gamma/beta as float constants, epsilon carried
    EXPECT_FLOAT_EQ(in(g, 0, 1).values_f32()[2], 0.7f);
    EXPECT_FLOAT_EQ(in(g, 0, 2).values_f32()[0], -0.1f);
    EXPECT_FLOAT_EQ(std::get<LayerNormAttrs>(g.ops()[0].attrs).epsilon, 1e-5f);
    expect_quant(out(g, 0), 0.03f, -2);

    // MatMul weights [C_in, C_out] (per-channel along axis 1) -> FC [C_out, C_in]; Add bias quantized
    const Tensor& wq = in(g, 1, 1);
    ASSERT_EQ(wq.shape, (std::vector<int32_t>{8, 8}));
    for (int o : {0, 3, 7})
        for (int i : {1, 6}) ASSERT_EQ(wq.values_s8()[o * 8 + i], pattern_value(i * 8 + o, 10)) << o << "," << i;
    EXPECT_EQ(wq.quant.scale, fixture_scales(8));
    ASSERT_NE(g.ops()[1].inputs[2], kNoTensor);
    EXPECT_NEAR(in(g, 1, 2).values_s32()[5], std::round((-0.02 + 0.05) / (0.03 * fixture_scales(8)[5])), 1);

    const Op& attn = g.ops()[4];
    EXPECT_EQ(attn.name, "attn.scores");
    EXPECT_EQ(attn.inputs[0], g.ops()[1].outputs[0]);
    EXPECT_EQ(attn.inputs[1], g.ops()[2].outputs[0]);
    EXPECT_EQ(attn.inputs[2], g.ops()[3].outputs[0]);
    const auto& aa = std::get<AttentionAttrs>(attn.attrs);
    EXPECT_EQ(aa.heads, 2);
    ASSERT_TRUE(aa.scores_quant.is_per_tensor());
    EXPECT_FLOAT_EQ(aa.scores_quant.scale[0], 0.08f);
    EXPECT_EQ(aa.scores_quant.zero_point[0], -20);
    EXPECT_EQ(out(g, 4).shape, (std::vector<int32_t>{1, 4, 8}));
    expect_quant(out(g, 4), 0.02f, 4);

    EXPECT_EQ(g.ops()[6].inputs[0], g.inputs[0]);  // residual from the block input
    EXPECT_EQ(std::get<FullyConnectedAttrs>(g.ops()[8].attrs).activation, Activation::Relu);
    EXPECT_EQ(in(g, 8, 1).shape, (std::vector<int32_t>{16, 8}));
    EXPECT_EQ(out(g, 10).shape, (std::vector<int32_t>{1, 4, 8}));
    expect_quant(out(g, 10), 0.07f, -3);
}

TEST(OnnxImport, SequencePoolingBecomesLogitsFcAndSeqPool)
{
    const Graph g = import(test::seqpool_model());
    ASSERT_EQ(kinds(g), (std::vector<OpKind>{OpKind::Conv2D, OpKind::Reshape, OpKind::FullyConnected,
                                             OpKind::SeqPool}))
        << kinds_str(g);
    EXPECT_NO_THROW(g.validate());
    EXPECT_EQ(out(g, 1).shape, (std::vector<int32_t>{1, 16, 8}));  // NHWC [1,4,4,8] is already [tokens, C]
    EXPECT_EQ(in(g, 2, 1).shape, (std::vector<int32_t>{1, 8}));
    EXPECT_EQ(out(g, 2).shape, (std::vector<int32_t>{1, 16, 1}));
    const Op& pool = g.ops()[3];
    EXPECT_EQ(pool.inputs[0], g.ops()[1].outputs[0]);  // x: the tokens
    EXPECT_EQ(pool.inputs[1], g.ops()[2].outputs[0]);  // logits
    EXPECT_EQ(out(g, 3).num_elements(), 8);
    expect_quant(out(g, 3), 0.04f, -128);
}

TEST(OnnxImport, QLinearConvAndMatMulMapToTheSameOps)
{
    const Graph g = import(test::qlinear_model());
    ASSERT_EQ(kinds(g), (std::vector<OpKind>{OpKind::Conv2D, OpKind::Reshape, OpKind::FullyConnected}))
        << kinds_str(g);
    EXPECT_NO_THROW(g.validate());
    EXPECT_EQ(g.tensor(g.inputs[0]).shape, (std::vector<int32_t>{1, 4, 4, 2}));
    expect_quant(g.tensor(g.inputs[0]), 0.05f, -5);
    const Tensor& w = in(g, 0, 1);
    ASSERT_EQ(w.shape, (std::vector<int32_t>{4, 3, 3, 2}));
    EXPECT_EQ(w.values_s8()[((3 * 3 + 2) * 3 + 0) * 2 + 1], pattern_value(((3 * 2 + 1) * 3 + 2) * 3 + 0, 5));
    EXPECT_EQ(in(g, 0, 2).values_s32(), (std::vector<int32_t>{7, -7, 70, -70}));
    expect_quant(out(g, 0), 0.04f, -128);
    const Tensor& fc = in(g, 2, 1);
    ASSERT_EQ(fc.shape, (std::vector<int32_t>{3, 4}));
    EXPECT_EQ(fc.values_s8()[2 * 4 + 1], pattern_value(1 * 3 + 2, 6));
    EXPECT_EQ(fc.quant.scale, std::vector<float>(3, 0.02f));
    EXPECT_EQ(out(g, 2).shape, (std::vector<int32_t>{1, 16, 3}));
    expect_quant(out(g, 2), 0.1f, 3);
}

TEST(OnnxImport, ReadsAFileAndNamesMissingFiles)
{
    const std::string path = testing::TempDir() + "tf_onnx_import_cnn.onnx";
    {
        std::ofstream f(path, std::ios::binary);
        f << test::cnn_residual_model();
    }
    EXPECT_EQ(import_onnx(path).ops().size(), 8u);
    std::remove(path.c_str());
    EXPECT_CONTAINS(error_of([&] { import_onnx(path); }), path + ": cannot open");
}

TEST(OnnxImport, AttentionWithoutBatchAxisAndGemmProjections)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {4, 8}), 0.05f, 0);
    auto proj = [&](const std::string& name, int32_t seed) {
        const std::string w = b.weights(name + ".w", {8, 8}, test::pattern_s8(64, seed), fixture_scales(8), 0);
        return b.qdq(b.node("Gemm", {x, w}, {attr_int("transB", 1)}, name), 0.04f, 0);
    };
    const std::string q = proj("q", 1), k = proj("k", 2), v = proj("v", 3);
    const std::string split = b.init_i64("split", {3}, {4, 2, 4});
    // the head split applied to the int8 tensors, before DequantizeLinear
    const std::string qh = b.node("Transpose", {b.node("Reshape", {q, split})}, {attr_ints("perm", {1, 0, 2})});
    const std::string kt = b.node("Transpose", {b.node("Reshape", {k, split})}, {attr_ints("perm", {1, 2, 0})});
    const std::string vh = b.node("Transpose", {b.node("Reshape", {v, split})}, {attr_ints("perm", {1, 0, 2})});
    std::string s = b.node("Div", {b.node("MatMul", {qh, kt}, {}, "qk"), b.init_f32("sqrt_d", {}, {2.0f})});
    s = b.qdq(b.qdq(s, 0.1f, 0), 0.1f, 0);  // a Q/DQ pair repeated with the same parameters is harmless
    s = b.qdq(b.node("Softmax", {s}, {attr_int("axis", 2)}), 1.0f / 256, -128);
    std::string c = b.node("Transpose", {b.node("MatMul", {s, vh})}, {attr_ints("perm", {1, 0, 2})});
    c = b.node("Reshape", {c, b.init_i64("merge", {2}, {4, 8})});
    b.output(b.qdq(c, 0.03f, 1));
    const Graph g = import(b.serialize());
    ASSERT_EQ(kinds(g), (std::vector<OpKind>{OpKind::FullyConnected, OpKind::FullyConnected, OpKind::FullyConnected,
                                             OpKind::Attention}))
        << kinds_str(g);
    EXPECT_EQ(g.ops()[3].name, "qk");
    EXPECT_EQ(std::get<AttentionAttrs>(g.ops()[3].attrs).heads, 2);
    EXPECT_EQ(out(g, 3).shape, (std::vector<int32_t>{4, 8}));
    expect_quant(out(g, 3), 0.03f, 1);
}

TEST(OnnxImport, MeanOverTokensBecomesGlobalAveragePool)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 6, 8}), 0.05f, 2);
    b.output(b.qdq(b.node("ReduceMean", {x}, {attr_ints("axes", {1}), attr_int("keepdims", 0)}, "mean"), 0.05f, 2));
    const Graph g = import(b.serialize());
    ASSERT_EQ(kinds(g), (std::vector<OpKind>{OpKind::Reshape, OpKind::GlobalAvgPool})) << kinds_str(g);
    EXPECT_EQ(out(g, 0).shape, (std::vector<int32_t>{1, 6, 1, 8}));
    EXPECT_EQ(out(g, 1).shape, (std::vector<int32_t>{1, 8}));
}

TEST(OnnxImport, Int8GraphInputTakesItsDequantizeLinearParameters)
{
    OnnxModelBuilder b;
    const std::string x = b.dequantize(b.input("x", {1, 4, 4, 4}, onnx::TensorProto::INT8), 0.02f, -7);
    b.output(b.qdq(b.node("MaxPool", {x}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})}),
                   0.02f, -7));
    const Graph g = import(b.serialize());
    ASSERT_EQ(kinds(g), (std::vector<OpKind>{OpKind::MaxPool2x2}));
    expect_quant(g.tensor(g.inputs[0]), 0.02f, -7);
    EXPECT_EQ(out(g, 0).shape, (std::vector<int32_t>{1, 2, 2, 4}));
}

// ---- errors ---------------------------------------------------------------------------------------------------

TEST(OnnxImportErrors, TruncatedFileIsNotAValidModel)
{
    const std::string bytes = test::cnn_residual_model();
    for (size_t keep : {bytes.size() / 2, bytes.size() - 3, size_t{1}}) {
        const std::string msg = error_of([&] { import(bytes.substr(0, keep)); });
        EXPECT_CONTAINS(msg, "model.onnx: ");
        EXPECT_FALSE(msg.empty()) << "kept " << keep;
    }
    EXPECT_CONTAINS(error_of([&] { import(bytes.substr(0, bytes.size() / 2)); }), "not a valid ONNX model");
    EXPECT_CONTAINS(error_of([&] { import(""); }), "empty");
}

TEST(OnnxImportErrors, RandomBytesAreRejected)
{
    std::mt19937 rng(7);
    for (int trial = 0; trial < 20; trial++) {
        std::string bytes(64 + trial * 13, '\0');
        for (char& c : bytes) c = static_cast<char>(rng());
        EXPECT_CONTAINS(error_of([&] { import(bytes); }), "model.onnx: ");
    }
}

TEST(OnnxImportErrors, CheckerFailureIsReported)
{
    OnnxModelBuilder b;
    b.input("x", {1, 4});
    b.output(b.node("Relu", {"not_defined"}, {}, "r"), onnx::TensorProto::FLOAT, {1, 4});
    const std::string msg = error_of([&] { import(b.serialize()); });
    EXPECT_CONTAINS(msg, "model.onnx: the ONNX checker rejects the model: ");
    EXPECT_CONTAINS(msg, "not_defined");
}

TEST(OnnxImportErrors, OldOpsetIsRejected)
{
    OnnxModelBuilder b(11);
    b.output(b.node("Relu", {b.input("x", {1, 4})}, {}, "r"));
    const std::string msg = error_of([&] { import(b.serialize()); });
    EXPECT_CONTAINS(msg, "opset 11 is not supported; supported: opsets 13 to 17");
}

TEST(OnnxImportErrors, UnsupportedOpNamesNodeOpAndSupportedList)
{
    OnnxModelBuilder b;
    const std::string x = b.input("x", {2, 1, 4});
    const std::string w = b.init_f32("w", {1, 12, 4}, std::vector<float>(48, 0.1f));
    const std::string r = b.init_f32("r", {1, 12, 3}, std::vector<float>(36, 0.1f));
    b.output(b.node("LSTM", {x, w, r}, {attr_int("hidden_size", 3)}, "lstm0"));
    const std::string msg = error_of([&] { import(b.serialize()); });
    EXPECT_CONTAINS(msg, "node 'lstm0' (LSTM): op is not supported; supported: QuantizeLinear");
    EXPECT_CONTAINS(msg, "LayerNormalization");
}

TEST(OnnxImportErrors, Uint8QuantizationIsRejected)
{
    OnnxModelBuilder b;
    const std::string x = b.input("x", {1, 4});
    b.init_f32("s", {}, {0.1f});
    b.init_u8("z", {}, {128});
    b.output(b.node("QuantizeLinear", {x, "s", "z"}, {}, "quant_u8"), onnx::TensorProto::UINT8);
    const std::string msg = error_of([&] { import(b.serialize()); });
    EXPECT_CONTAINS(msg, "node 'quant_u8' (QuantizeLinear): zero point 'z' is uint8");
    EXPECT_CONTAINS(msg, "supported: int8");
}

TEST(OnnxImportErrors, SoftmaxOverANonLastAxisIsRejected)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 4, 8}), 0.05f, 0);
    b.output(b.qdq(b.node("Softmax", {x}, {attr_int("axis", 1)}, "sm"), 1.0f / 256, -128));
    const std::string msg = error_of([&] { import(b.serialize()); });
    EXPECT_CONTAINS(msg, "node 'sm' (Softmax): axis 1 over [1,4,8] is not supported; supported: axis -1");
}

TEST(OnnxImportErrors, SoftmaxOutputQuantizationIsEnforced)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 4, 8}), 0.05f, 0);
    b.output(b.qdq(b.node("Softmax", {x}, {}, "sm"), 1.0f / 128, 0));
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }), "softmax outputs are in 1/256 units");
}

TEST(OnnxImportErrors, DilatedConvIsRejected)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 2, 8, 8}), 0.05f, 0);
    const std::string w = b.weights("w", {2, 2, 3, 3}, test::pattern_s8(36, 1), {0.01f}, 0);
    b.output(b.qdq(b.node("Conv", {x, w}, {attr_ints("dilations", {2, 2})}, "dil"), 0.1f, 0));
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }),
                    "node 'dil' (Conv): dilation 2 is not supported; supported: 1");
}

TEST(OnnxImportErrors, FloatWeightsWithoutQdqAreRejected)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 4}), 0.05f, 0);
    const std::string w = b.init_f32("w_float", {3, 4}, std::vector<float>(12, 0.5f));
    b.output(b.qdq(b.node("Gemm", {x, w}, {attr_int("transB", 1)}, "fc"), 0.1f, 0));
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }),
                    "node 'fc' (Gemm): weights 'w_float' are float without DequantizeLinear");
}

TEST(OnnxImportErrors, FloatOpWithoutQuantizeLinearIsRejected)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 2, 4, 4}), 0.05f, 0);
    const std::string w = b.weights("w", {2, 2, 1, 1}, test::pattern_s8(4, 1), {0.01f}, 0);
    const std::string y = b.node("Conv", {x, w}, {}, "c");
    b.output(b.qdq(b.node("MaxPool", {y}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})}, "mp"),
                   0.05f, 0));
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }),
                    "node 'mp' (MaxPool): input 'c_out' is the float output of node 'c'");
}

TEST(OnnxImportErrors, ShapeMismatchIsReported)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 4}), 0.05f, 0);
    const std::string w = b.weights("w", {3, 5}, test::pattern_s8(15, 1), {0.01f}, 0);
    b.output(b.qdq(b.node("Gemm", {x, w}, {attr_int("transB", 1)}, "fc"), 0.1f, 0));
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }), "model.onnx: ");
}

TEST(OnnxImportErrors, AttentionScaleMustBeOneOverSqrtHeadDim)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 4, 8}), 0.05f, 0);
    const std::string split = b.init_i64("split", {4}, {1, 4, 2, 4});
    const std::string qh = b.node("Transpose", {b.node("Reshape", {x, split})}, {attr_ints("perm", {0, 2, 1, 3})});
    const std::string kt = b.node("Transpose", {b.node("Reshape", {x, split})}, {attr_ints("perm", {0, 2, 3, 1})});
    std::string s = b.node("MatMul", {qh, kt}, {}, "scores");
    s = b.qdq(b.node("Mul", {s, b.init_f32("c", {}, {0.25f})}), 0.1f, 0);
    s = b.qdq(b.node("Softmax", {s}), 1.0f / 256, -128);
    std::string c = b.node("MatMul", {s, qh});
    c = b.node("Reshape", {b.node("Transpose", {c}, {attr_ints("perm", {0, 2, 1, 3})}),
                           b.init_i64("merge", {3}, {1, 4, 8})});
    b.output(b.qdq(c, 0.05f, 0));
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }), "supported: 1/sqrt(head_dim) = 0.5");
}

TEST(OnnxImportErrors, ZeroStrideIsRejectedBeforeShapeInference)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 2, 4, 4}), 0.05f, 0);
    const std::string w = b.weights("w", {2, 2, 1, 1}, test::pattern_s8(4, 1), {0.01f}, 0);
    b.output(b.qdq(b.node("Conv", {x, w}, {attr_ints("strides", {0, 1})}, "c"), 0.05f, 0), onnx::TensorProto::FLOAT,
             {1, 2, 4, 4});  // shape given: libonnx's own inference would divide by the zero stride
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }),
                    "node 'c' (Conv): attribute strides value 0 must be positive");
}

TEST(OnnxImportErrors, BiasScaleMustBeInputTimesWeightScale)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 4}), 0.05f, 0);
    const std::string w = b.weights("w", {2, 4}, test::pattern_s8(8, 1), {0.01f, 0.02f}, 0);
    const std::string bias = b.bias("b", {1, 2}, 0.5f, {0.01f, 0.02f});  // 0.5 is not the input scale
    b.output(b.qdq(b.node("Gemm", {x, w, bias}, {attr_int("transB", 1)}, "fc"), 0.1f, 0));
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }),
                    "node 'fc' (Gemm): bias 'b_dq_out' channel 0 has scale 0.005");
}

TEST(OnnxImportErrors, FlatteningAFeatureMapIsRejected)
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 2, 4, 4}), 0.05f, 0);
    b.output(b.qdq(b.node("Flatten", {x}, {}, "flat"), 0.05f, 0));
    EXPECT_CONTAINS(error_of([&] { import(b.serialize()); }),
                    "node 'flat' (Flatten): reshaping the feature map [1,2,4,4] to [1,32] is not supported");
}

}  // namespace
}  // namespace tinyformer::engine
