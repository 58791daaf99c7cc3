#include "onnx_test_models.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <onnx/shape_inference/implementation.h>

namespace tinyformer::engine::test {

int8_t pattern_value(int64_t i, int32_t seed)
{
    // A small LCG-style hash: varied signs and magnitudes, never -128.
    const uint32_t h = static_cast<uint32_t>(i * 2654435761u + static_cast<uint32_t>(seed) * 40503u + 12345u);
    return static_cast<int8_t>(static_cast<int32_t>((h >> 8) % 255u) - 127);
}

std::vector<int8_t> pattern_s8(int64_t count, int32_t seed)
{
    std::vector<int8_t> out(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; i++) out[static_cast<size_t>(i)] = pattern_value(i, seed);
    return out;
}

std::vector<float> fixture_scales(int64_t channels)
{
    std::vector<float> out;
    for (int64_t c = 0; c < channels; c++) out.push_back(0.01f * static_cast<float>(1 + c % 4));
    return out;
}

OnnxModelBuilder::OnnxModelBuilder(int64_t opset)
{
    model_.set_ir_version(8);
    model_.set_producer_name("tinyformer-tests");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("test");
}

std::string OnnxModelBuilder::unique(const std::string& base) { return base + "_" + std::to_string(counter_++); }

std::string OnnxModelBuilder::input(const std::string& name, const std::vector<int64_t>& shape, int32_t elem_type)
{
    auto* in = model_.mutable_graph()->add_input();
    in->set_name(name);
    auto* t = in->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem_type);
    auto* s = t->mutable_shape();
    for (int64_t d : shape) s->add_dim()->set_dim_value(d);
    return name;
}

void OnnxModelBuilder::output(const std::string& name, int32_t elem_type, const std::vector<int64_t>& shape)
{
    auto* out = model_.mutable_graph()->add_output();
    out->set_name(name);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
    if (!shape.empty()) {
        auto* s = out->mutable_type()->mutable_tensor_type()->mutable_shape();
        for (int64_t d : shape) s->add_dim()->set_dim_value(d);
    }
}

namespace {
template <typename T>
std::string add_initializer(onnx::ModelProto& model, const std::string& name, const std::vector<int64_t>& dims,
                            const std::vector<T>& values, int32_t elem_type)
{
    auto* t = model.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(elem_type);
    for (int64_t d : dims) t->add_dims(d);
    std::string raw(values.size() * sizeof(T), '\0');
    if (!values.empty()) std::memcpy(raw.data(), values.data(), raw.size());
    t->set_raw_data(raw);
    return name;
}
}  // namespace

std::string OnnxModelBuilder::init_s8(const std::string& name, const std::vector<int64_t>& dims,
                                      const std::vector<int8_t>& values)
{
    return add_initializer(model_, name, dims, values, onnx::TensorProto::INT8);
}
std::string OnnxModelBuilder::init_u8(const std::string& name, const std::vector<int64_t>& dims,
                                      const std::vector<uint8_t>& values)
{
    return add_initializer(model_, name, dims, values, onnx::TensorProto::UINT8);
}
std::string OnnxModelBuilder::init_s32(const std::string& name, const std::vector<int64_t>& dims,
                                       const std::vector<int32_t>& values)
{
    return add_initializer(model_, name, dims, values, onnx::TensorProto::INT32);
}
std::string OnnxModelBuilder::init_i64(const std::string& name, const std::vector<int64_t>& dims,
                                       const std::vector<int64_t>& values)
{
    return add_initializer(model_, name, dims, values, onnx::TensorProto::INT64);
}
std::string OnnxModelBuilder::init_f32(const std::string& name, const std::vector<int64_t>& dims,
                                       const std::vector<float>& values)
{
    return add_initializer(model_, name, dims, values, onnx::TensorProto::FLOAT);
}

std::string OnnxModelBuilder::node(const std::string& op_type, const std::vector<std::string>& inputs,
                                   const std::vector<onnx::AttributeProto>& attrs, const std::string& name)
{
    auto* n = model_.mutable_graph()->add_node();
    const std::string node_name = name.empty() ? unique(op_type) : name;
    n->set_name(node_name);
    n->set_op_type(op_type);
    for (const auto& in : inputs) n->add_input(in);
    n->add_output(node_name + "_out");
    for (const auto& a : attrs) *n->add_attribute() = a;
    return node_name + "_out";
}

std::string OnnxModelBuilder::quantize(const std::string& x, float scale, int8_t zero_point)
{
    const std::string base = unique(x + "_q");
    const std::string s = init_f32(base + "_scale", {}, {scale});
    const std::string z = init_s8(base + "_zp", {}, {zero_point});
    return node("QuantizeLinear", {x, s, z}, {}, base);
}

std::string OnnxModelBuilder::dequantize(const std::string& x, float scale, int8_t zero_point)
{
    const std::string base = unique(x + "_dq");
    const std::string s = init_f32(base + "_scale", {}, {scale});
    const std::string z = init_s8(base + "_zp", {}, {zero_point});
    return node("DequantizeLinear", {x, s, z}, {}, base);
}

std::string OnnxModelBuilder::qdq(const std::string& x, float scale, int8_t zero_point)
{
    return dequantize(quantize(x, scale, zero_point), scale, zero_point);
}

std::string OnnxModelBuilder::weights(const std::string& name, const std::vector<int64_t>& dims,
                                      const std::vector<int8_t>& values, const std::vector<float>& scales,
                                      int64_t axis)
{
    init_s8(name, dims, values);
    const std::vector<int64_t> sdims = scales.size() == 1 ? std::vector<int64_t>{} : std::vector<int64_t>{
                                                                                           int64_t(scales.size())};
    init_f32(name + "_scale", sdims, scales);
    init_s8(name + "_zp", sdims, std::vector<int8_t>(scales.size(), 0));
    return node("DequantizeLinear", {name, name + "_scale", name + "_zp"}, {attr_int("axis", axis)}, name + "_dq");
}

std::string OnnxModelBuilder::bias(const std::string& name, const std::vector<int32_t>& values, float input_scale,
                                   const std::vector<float>& weight_scales)
{
    init_s32(name, {int64_t(values.size())}, values);
    std::vector<float> scales;
    for (float s : weight_scales) scales.push_back(input_scale * s);
    init_f32(name + "_scale", {int64_t(scales.size())}, scales);
    init_s32(name + "_zp", {int64_t(scales.size())}, std::vector<int32_t>(scales.size(), 0));
    return node("DequantizeLinear", {name, name + "_scale", name + "_zp"}, {attr_int("axis", 0)}, name + "_dq");
}

std::string OnnxModelBuilder::serialize() const
{
    // Outputs declared without a shape take the one ONNX shape inference finds (the checker wants a shape).
    onnx::ModelProto model = model_;
    onnx::ModelProto inferred = model_;
    bool all_shaped = true;
    for (const auto& out : model_.graph().output()) all_shaped = all_shaped && out.type().tensor_type().has_shape();
    try {
        if (!all_shaped) onnx::shape_inference::InferShapes(inferred);
    } catch (const std::exception&) {
        // an invalid model on purpose: leave the outputs as declared
    }
    for (auto& out : *model.mutable_graph()->mutable_output()) {
        if (out.type().tensor_type().has_shape()) continue;
        for (const auto* infos : {&inferred.graph().value_info(), &inferred.graph().output()}) {
            for (const auto& info : *infos) {
                if (info.name() == out.name() && info.type().tensor_type().has_shape()) {
                    *out.mutable_type()->mutable_tensor_type()->mutable_shape() = info.type().tensor_type().shape();
                }
            }
        }
    }
    std::string bytes;
    if (!model.SerializeToString(&bytes)) throw std::runtime_error("cannot serialize the test model");
    return bytes;
}

// ---- fixtures -------------------------------------------------------------------------------------------------

namespace {
std::vector<int32_t> int_ramp(int64_t n, int32_t start, int32_t step)
{
    std::vector<int32_t> out;
    for (int64_t i = 0; i < n; i++) out.push_back(start + static_cast<int32_t>(i) * step);
    return out;
}

std::vector<float> float_ramp(int64_t n, float start, float step)
{
    std::vector<float> out;
    for (int64_t i = 0; i < n; i++) out.push_back(start + static_cast<float>(i) * step);
    return out;
}

// MatMul(x, DQ(w [c_in, c_out])) + float bias, as PyTorch exports nn.Linear on a 3-D input.
std::string linear(OnnxModelBuilder& b, const std::string& x, const std::string& name, int64_t c_in, int64_t c_out,
                   int32_t seed)
{
    const std::string w = b.weights(name + ".w", {c_in, c_out}, pattern_s8(c_in * c_out, seed),
                                    fixture_scales(c_out), 1);
    const std::string mm = b.node("MatMul", {x, w}, {}, name);
    const std::string bias = b.init_f32(name + ".b", {c_out}, float_ramp(c_out, -0.02f, 0.01f));
    return b.node("Add", {mm, bias}, {}, name + ".bias");
}
}  // namespace

std::string cnn_residual_model()
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 3, 8, 8}), 0.05f, -10);

    const std::string w1 = b.weights("conv1.w", {8, 3, 3, 3}, pattern_s8(8 * 27, 1), fixture_scales(8), 0);
    const std::string b1 = b.bias("conv1.b", int_ramp(8, -40, 10), 0.05f, fixture_scales(8));
    std::string y = b.node("Conv", {x, w1, b1}, {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1})},
                           "conv1");
    y = b.node("Relu", {y}, {}, "conv1.relu");
    const std::string c1 = b.qdq(y, 0.04f, -128);

    const std::string wd = b.weights("dw.w", {8, 1, 3, 3}, pattern_s8(8 * 9, 2), fixture_scales(8), 0);
    const std::string bd = b.init_f32("dw.b", {8}, float_ramp(8, -0.01f, 0.003f));
    y = b.node("Conv", {c1, wd, bd}, {attr_int("group", 8), attr_ints("pads", {1, 1, 1, 1})}, "dw");
    y = b.node("Clip", {y, b.init_f32("six.lo", {}, {0.0f}), b.init_f32("six.hi", {}, {6.0f})}, {}, "dw.relu6");
    y = b.qdq(y, 0.03f, -128);

    const std::string wp = b.weights("pw.w", {8, 8, 1, 1}, pattern_s8(64, 3), fixture_scales(8), 0);
    const std::string pw = b.qdq(b.node("Conv", {y, wp}, {}, "pw"), 0.05f, 3);

    y = b.node("Add", {c1, pw}, {}, "residual");
    y = b.qdq(b.node("Relu", {y}, {}, "residual.relu"), 0.06f, -128);
    y = b.qdq(b.node("MaxPool", {y}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})}, "pool"),
              0.06f, -128);
    y = b.qdq(b.node("GlobalAveragePool", {y}, {}, "gap"), 0.06f, -128);
    y = b.node("Flatten", {y}, {attr_int("axis", 1)}, "flatten");

    const std::string wf = b.weights("fc.w", {4, 8}, pattern_s8(32, 4), fixture_scales(4), 0);
    const std::string bf = b.bias("fc.b", int_ramp(4, 100, -50), 0.06f, fixture_scales(4));
    y = b.node("Gemm", {y, wf, bf}, {attr_int("transB", 1)}, "fc");
    b.output(b.dequantize(b.quantize(y, 0.1f, 5), 0.1f, 5));
    return b.serialize();
}

std::string transformer_block_model()
{
    OnnxModelBuilder b;
    const int64_t tokens = 4, dim = 8, heads = 2, head_dim = 4;
    const std::string x = b.qdq(b.input("x", {1, tokens, dim}), 0.05f, 0);
    auto layer_norm = [&](const std::string& in, const std::string& name) {
        const std::string g = b.init_f32(name + ".gamma", {dim}, float_ramp(dim, 0.5f, 0.1f));
        const std::string be = b.init_f32(name + ".beta", {dim}, float_ramp(dim, -0.1f, 0.02f));
        return b.qdq(b.node("LayerNormalization", {in, g, be}, {attr_int("axis", -1), attr_float("epsilon", 1e-5f)},
                            name),
                     0.03f, -2);
    };
    const std::string ln1 = layer_norm(x, "ln1");
    const std::string q = b.qdq(linear(b, ln1, "q", dim, dim, 10), 0.04f, 1);
    const std::string k = b.qdq(linear(b, ln1, "k", dim, dim, 11), 0.04f, -1);
    const std::string v = b.qdq(linear(b, ln1, "v", dim, dim, 12), 0.04f, 0);
    const std::string split = b.init_i64("heads.shape", {4}, {1, tokens, heads, head_dim});
    const std::string qh = b.node("Transpose", {b.node("Reshape", {q, split}, {}, "q.split")},
                                  {attr_ints("perm", {0, 2, 1, 3})}, "q.heads");
    const std::string kt = b.node("Transpose", {b.node("Reshape", {k, split}, {}, "k.split")},
                                  {attr_ints("perm", {0, 2, 3, 1})}, "k.heads_t");
    const std::string vh = b.node("Transpose", {b.node("Reshape", {v, split}, {}, "v.split")},
                                  {attr_ints("perm", {0, 2, 1, 3})}, "v.heads");
    std::string s = b.node("MatMul", {qh, kt}, {}, "attn.scores");
    s = b.node("Mul", {s, b.init_f32("attn.scale", {}, {0.5f})}, {}, "attn.scale_mul");
    s = b.qdq(s, 0.08f, -20);
    s = b.qdq(b.node("Softmax", {s}, {attr_int("axis", -1)}, "attn.softmax"), 1.0f / 256.0f, -128);
    std::string ctx = b.node("MatMul", {s, vh}, {}, "attn.context");
    ctx = b.node("Transpose", {ctx}, {attr_ints("perm", {0, 2, 1, 3})}, "attn.merge_t");
    ctx = b.node("Reshape", {ctx, b.init_i64("merge.shape", {3}, {1, tokens, dim})}, {}, "attn.merge");
    ctx = b.qdq(ctx, 0.02f, 4);
    const std::string o = b.qdq(linear(b, ctx, "o", dim, dim, 13), 0.04f, 0);
    const std::string r1 = b.qdq(b.node("Add", {x, o}, {}, "residual1"), 0.06f, 0);
    const std::string ln2 = layer_norm(r1, "ln2");
    std::string h = b.node("Relu", {linear(b, ln2, "mlp1", dim, 2 * dim, 14)}, {}, "mlp1.relu");
    h = b.qdq(h, 0.02f, -128);
    h = b.qdq(linear(b, h, "mlp2", 2 * dim, dim, 15), 0.05f, 2);
    b.output(b.qdq(b.node("Add", {r1, h}, {}, "residual2"), 0.07f, -3));
    return b.serialize();
}

std::string seqpool_model()
{
    OnnxModelBuilder b;
    const std::string x = b.qdq(b.input("x", {1, 3, 4, 4}), 0.05f, 0);
    const std::string w = b.weights("embed.w", {8, 3, 3, 3}, pattern_s8(8 * 27, 7), fixture_scales(8), 0);
    std::string y = b.node("Conv", {x, w}, {attr_ints("pads", {1, 1, 1, 1})}, "embed");
    y = b.qdq(b.node("Relu", {y}, {}, "embed.relu"), 0.04f, -128);
    y = b.node("Reshape", {y, b.init_i64("seq.shape", {3}, {1, 8, 16})}, {}, "to_seq");
    const std::string tokens = b.node("Transpose", {y}, {attr_ints("perm", {0, 2, 1})}, "to_tokens");
    std::string logits = b.qdq(linear(b, tokens, "pool.logits", 8, 1, 8), 0.1f, 0);
    std::string p = b.qdq(b.node("Softmax", {logits}, {attr_int("axis", 1)}, "pool.softmax"), 1.0f / 256.0f, -128);
    p = b.node("Transpose", {p}, {attr_ints("perm", {0, 2, 1})}, "pool.softmax_t");
    b.output(b.qdq(b.node("MatMul", {p, tokens}, {}, "pool"), 0.04f, -128));
    return b.serialize();
}

std::string qlinear_model()
{
    OnnxModelBuilder b;
    const std::string x = b.input("x", {1, 2, 4, 4}, onnx::TensorProto::INT8);
    auto scalar_quant = [&](const std::string& name, float scale, int8_t zp) {
        return std::vector<std::string>{b.init_f32(name + "_scale", {}, {scale}), b.init_s8(name + "_zp", {}, {zp})};
    };
    const auto xq = scalar_quant("x", 0.05f, -5);
    const auto yq = scalar_quant("conv.y", 0.04f, -128);
    b.init_s8("conv.w", {4, 2, 3, 3}, pattern_s8(72, 5));
    b.init_f32("conv.w_scale", {4}, fixture_scales(4));
    b.init_s8("conv.w_zp", {4}, std::vector<int8_t>(4, 0));
    b.init_s32("conv.b", {4}, {7, -7, 70, -70});
    std::string y = b.node("QLinearConv", {x, xq[0], xq[1], "conv.w", "conv.w_scale", "conv.w_zp", yq[0], yq[1],
                                           "conv.b"},
                           {attr_ints("pads", {1, 1, 1, 1})}, "conv");
    y = b.node("Reshape", {y, b.init_i64("seq.shape", {3}, {1, 4, 16})}, {}, "to_seq");
    y = b.node("Transpose", {y}, {attr_ints("perm", {0, 2, 1})}, "to_tokens");
    const auto oq = scalar_quant("fc.y", 0.1f, 3);
    b.init_s8("fc.w", {4, 3}, pattern_s8(12, 6));
    b.init_f32("fc.w_scale", {}, {0.02f});
    b.init_s8("fc.w_zp", {}, {0});
    y = b.node("QLinearMatMul", {y, yq[0], yq[1], "fc.w", "fc.w_scale", "fc.w_zp", oq[0], oq[1]}, {}, "fc");
    b.output(y, onnx::TensorProto::INT8);
    return b.serialize();
}

}  // namespace tinyformer::engine::test
