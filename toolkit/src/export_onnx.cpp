// The QDQ ONNX export (export.h): one ONNX group per layer of the layer list,
// in the patterns of docs/onnx-import.md, so that the engine's import gives
// the same op list as build_engine_graph(config).
#include "tinyformer/toolkit/export.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "tinyformer/engine/error.h"
#include "tinyformer/engine/onnx_attributes.h"

namespace tinyformer::toolkit {

namespace {

using engine::attr_float;
using engine::attr_int;
using engine::attr_ints;

// A minimal ModelProto writer: initializers (raw little-endian data), nodes
// with one output named after the node, Q / DQ with scalar parameters.
class OnnxWriter {
public:
    OnnxWriter(const ExportOptions& options)
    {
        model_.set_ir_version(8);
        model_.set_producer_name(options.producer);
        auto* op = model_.add_opset_import();
        op->set_domain("");
        op->set_version(17);
        model_.mutable_graph()->set_name(options.graph_name);
    }

    void input(const std::string& name, const std::vector<int64_t>& shape)
    {
        add_value_info(model_.mutable_graph()->add_input(), name, shape);
    }
    void output(const std::string& name, const std::vector<int64_t>& shape)
    {
        add_value_info(model_.mutable_graph()->add_output(), name, shape);
    }

    template <typename T>
    std::string init(const std::string& name, const std::vector<int64_t>& dims, const std::vector<T>& values,
                     int32_t elem_type)
    {
        auto* t = model_.mutable_graph()->add_initializer();
        t->set_name(name);
        t->set_data_type(elem_type);
        for (int64_t d : dims) t->add_dims(d);
        std::string raw(values.size() * sizeof(T), '\0');
        if (!values.empty()) std::memcpy(raw.data(), values.data(), raw.size());
        t->set_raw_data(raw);
        return name;
    }
    std::string init_f32(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v)
    {
        return init(name, dims, v, onnx::TensorProto::FLOAT);
    }
    std::string init_i64(const std::string& name, const std::vector<int64_t>& v)
    {
        return init(name, {static_cast<int64_t>(v.size())}, v, onnx::TensorProto::INT64);
    }
    std::string scalar_f32(const std::string& name, float v) { return init_f32(name, {}, {v}); }

    // A node named `name` with the single output `name`.
    std::string node(const std::string& op_type, const std::vector<std::string>& inputs, const std::string& name,
                     const std::vector<onnx::AttributeProto>& attrs = {})
    {
        auto* n = model_.mutable_graph()->add_node();
        n->set_name(name);
        n->set_op_type(op_type);
        for (const auto& in : inputs) n->add_input(in);
        n->add_output(name);
        for (const auto& a : attrs) *n->add_attribute() = a;
        return name;
    }

    std::string quantize(const std::string& x, const ActivationQuant& q, const std::string& name)
    {
        return node("QuantizeLinear", {x, scalar_f32(name + ".scale", q.scale), zero_point(name, q)}, name);
    }
    std::string dequantize(const std::string& x, const ActivationQuant& q, const std::string& name)
    {
        return node("DequantizeLinear", {x, scalar_f32(name + ".scale", q.scale), zero_point(name, q)}, name);
    }

    // DequantizeLinear of int8 weights, one scale per entry of axis 0, zero points 0.
    std::string weights(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int8_t>& values,
                        const std::vector<float>& scales)
    {
        const std::vector<int64_t> sdims{static_cast<int64_t>(scales.size())};
        init(name, dims, values, onnx::TensorProto::INT8);
        init_f32(name + ".scale", sdims, scales);
        init(name + ".zero_point", sdims, std::vector<int8_t>(scales.size(), 0), onnx::TensorProto::INT8);
        return node("DequantizeLinear", {name, name + ".scale", name + ".zero_point"}, name + ".dq",
                    {attr_int("axis", 0)});
    }

    // DequantizeLinear of an int32 bias with scales input_scale * weight_scales[c].
    std::string bias(const std::string& name, const std::vector<int32_t>& values, float input_scale,
                     const std::vector<float>& weight_scales)
    {
        const std::vector<int64_t> dims{static_cast<int64_t>(values.size())};
        std::vector<float> scales;
        for (float s : weight_scales) scales.push_back(input_scale * s);
        init(name, dims, values, onnx::TensorProto::INT32);
        init_f32(name + ".scale", dims, scales);
        init(name + ".zero_point", dims, std::vector<int32_t>(values.size(), 0), onnx::TensorProto::INT32);
        return node("DequantizeLinear", {name, name + ".scale", name + ".zero_point"}, name + ".dq",
                    {attr_int("axis", 0)});
    }

    onnx::ModelProto& model() { return model_; }

private:
    std::string zero_point(const std::string& name, const ActivationQuant& q)
    {
        TF_INTERNAL_ASSERT(q.zero_point >= -128 && q.zero_point <= 127);
        return init(name + ".zero_point", {}, std::vector<int8_t>{static_cast<int8_t>(q.zero_point)},
                    onnx::TensorProto::INT8);
    }

    static void add_value_info(onnx::ValueInfoProto* info, const std::string& name, const std::vector<int64_t>& shape)
    {
        info->set_name(name);
        auto* t = info->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto::FLOAT);
        for (int64_t d : shape) t->mutable_shape()->add_dim()->set_dim_value(d);
    }

    onnx::ModelProto model_;
};

// Walks the layer list; value v of the list is the int8 ONNX tensor int8_[v].
class Exporter {
public:
    Exporter(const QuantizedModel& model, const ExportOptions& options) : m_(model), w_(options) {}

    onnx::ModelProto run()
    {
        const size_t n = m_.layers.size();
        TF_CHECK(m_.values.size() == n + 1 && m_.params.size() == n && m_.scores.size() == n,
                 "export: the quantized model has ", m_.values.size(), " value quantizations and ", m_.params.size(),
                 " layer parameters for ", n, " layers");
        const ArchConfig& c = m_.config;
        shapes_.push_back({1, c.input_c, c.input_h, c.input_w});
        w_.input("input", shapes_[0]);
        int8_.push_back(w_.quantize("input", m_.values[0], "input.q"));
        for (size_t i = 0; i < n; i++) {
            const LayerSpec& l = m_.layers[i];
            const std::vector<int32_t>& s = l.output_shape;
            shapes_.push_back(s.size() == 4 ? std::vector<int64_t>{s[0], s[3], s[1], s[2]}
                                            : std::vector<int64_t>(s.begin(), s.end()));
            int8_.push_back(layer(i));
        }
        const std::string logits = w_.dequantize(int8_.back(), m_.values.back(), "logits");
        w_.output(logits, shapes_.back());
        return std::move(w_.model());
    }

private:
    const ActivationQuant& quant(int32_t v) const { return m_.values[static_cast<size_t>(v)]; }
    const std::vector<int64_t>& shape(int32_t v) const { return shapes_[static_cast<size_t>(v)]; }

    // The float view of value v (one DequantizeLinear per value, shared by its readers).
    std::string dq(int32_t v)
    {
        auto it = dq_.find(v);
        if (it != dq_.end()) return it->second;
        const std::string name = w_.dequantize(int8_[static_cast<size_t>(v)], quant(v), int8_[static_cast<size_t>(v)] + ".dq");
        dq_[v] = name;
        return name;
    }

    std::string activation(const std::string& x, LayerActivation act, const std::string& name)
    {
        switch (act) {
        case LayerActivation::Relu: return w_.node("Relu", {x}, name + ".relu");
        case LayerActivation::Relu6:
            return w_.node("Clip", {x, w_.scalar_f32(name + ".clip_min", 0.0f), w_.scalar_f32(name + ".clip_max", 6.0f)},
                           name + ".relu6");
        case LayerActivation::None: break;
        }
        return x;
    }

    std::string layer(size_t i)
    {
        const LayerSpec& l = m_.layers[i];
        const QuantizedLayer& p = m_.params[i];
        const int32_t out_v = static_cast<int32_t>(i + 1);
        const ActivationQuant& out_q = quant(out_v);
        const std::string& name = l.name;
        const int32_t x = l.inputs[0];
        switch (l.kind) {
        case LayerKind::Conv:
        case LayerKind::Depthwise: {
            const bool dw = l.kind == LayerKind::Depthwise;
            const int64_t in_per_group = dw ? 1 : l.in_channels;
            const std::vector<int64_t> wdims{l.out_channels, in_per_group, l.kernel, l.kernel};
            check_params(l, p, l.out_channels * in_per_group * l.kernel * l.kernel);
            const std::string w = w_.weights(name + ".weight", wdims, p.weights, p.weight_scales);
            const std::string b = w_.bias(name + ".bias", p.bias, quant(x).scale, p.weight_scales);
            // The padding the output actually reads (as build_engine_graph): torch pads `pad` on every side, but
            // with stride 2 the last row / column of it may never be read.
            const auto& in = shape(x);
            const auto& out = shape(out_v);
            const int64_t pad_bottom = std::max<int64_t>(0, (out[2] - 1) * l.stride + l.kernel - in[2] - l.pad);
            const int64_t pad_right = std::max<int64_t>(0, (out[3] - 1) * l.stride + l.kernel - in[3] - l.pad);
            std::vector<onnx::AttributeProto> attrs{
                attr_ints("kernel_shape", {l.kernel, l.kernel}), attr_ints("strides", {l.stride, l.stride}),
                attr_ints("pads", {l.pad, l.pad, dw ? l.pad : pad_bottom, dw ? l.pad : pad_right})};
            if (dw) attrs.push_back(attr_int("group", l.out_channels));
            const std::string y = w_.node("Conv", {dq(x), w, b}, name, attrs);
            return w_.quantize(activation(y, l.activation, name), out_q, name + ".q");
        }
        case LayerKind::Linear: {
            check_params(l, p, int64_t{l.out_channels} * l.in_channels);
            TF_CHECK(shape(x).size() == 2, "export: layer '", name, "': linear input must be 2-D");
            const std::string w = w_.weights(name + ".weight", {l.out_channels, l.in_channels}, p.weights,
                                             p.weight_scales);
            const std::string b = w_.bias(name + ".bias", p.bias, quant(x).scale, p.weight_scales);
            const std::string y = w_.node("Gemm", {dq(x), w, b}, name, {attr_int("transB", 1)});
            return w_.quantize(activation(y, l.activation, name), out_q, name + ".q");
        }
        case LayerKind::MaxPool2x2:
        case LayerKind::AvgPool2x2: {
            const std::string y = w_.node(l.kind == LayerKind::MaxPool2x2 ? "MaxPool" : "AveragePool", {dq(x)}, name,
                                          {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})});
            return w_.quantize(y, out_q, name + ".q");
        }
        case LayerKind::Add:
            return w_.quantize(w_.node("Add", {dq(x), dq(l.inputs[1])}, name), out_q, name + ".q");
        case LayerKind::LayerNorm: {
            const int64_t c = l.out_channels;
            TF_CHECK(static_cast<int64_t>(p.gamma.size()) == c && static_cast<int64_t>(p.beta.size()) == c,
                     "export: layer '", name, "': gamma / beta need ", c, " values");
            const std::string g = w_.init_f32(name + ".gamma", {c}, p.gamma);
            const std::string b = w_.init_f32(name + ".beta", {c}, p.beta);
            const std::string y = w_.node("LayerNormalization", {dq(x), g, b}, name,
                                          {attr_int("axis", -1), attr_float("epsilon", p.epsilon)});
            return w_.quantize(y, out_q, name + ".q");
        }
        case LayerKind::Softmax:
            return w_.quantize(w_.node("Softmax", {dq(x)}, name, {attr_int("axis", -1)}), softmax_output_quant(),
                               name + ".q");
        case LayerKind::Attention: return attention(i);
        case LayerKind::SeqPool: return seq_pool(i);
        case LayerKind::ToTokens: return to_tokens(i);
        case LayerKind::ToMap: return to_map(i);
        }
        TF_INTERNAL_ASSERT(false);
        return {};
    }

    static void check_params(const LayerSpec& l, const QuantizedLayer& p, int64_t weights)
    {
        TF_CHECK(static_cast<int64_t>(p.weights.size()) == weights &&
                     static_cast<int64_t>(p.weight_scales.size()) == l.out_channels &&
                     static_cast<int64_t>(p.bias.size()) == l.out_channels,
                 "export: layer '", l.name, "': expected ", weights, " weights and ", l.out_channels,
                 " scales and biases, got ", p.weights.size(), ", ", p.weight_scales.size(), ", ", p.bias.size());
    }

    // The canonical attention pattern without the batch axis (q, k, v [T, dim]).
    std::string attention(size_t i)
    {
        const LayerSpec& l = m_.layers[i];
        const std::string& name = l.name;
        const int64_t t = shape(l.inputs[0])[0], dim = shape(l.inputs[0])[1], h = l.heads, d = dim / h;
        const std::string split = w_.init_i64(name + ".split_shape", {t, h, d});
        const auto heads = [&](int32_t v, const char* tag, std::vector<int64_t> perm) {
            const std::string r = w_.node("Reshape", {dq(v), split}, name + "." + tag + "_split");
            return w_.node("Transpose", {r}, name + "." + tag + "_heads", {attr_ints("perm", perm)});
        };
        const std::string qh = heads(l.inputs[0], "q", {1, 0, 2});  // [H, T, d]
        const std::string kt = heads(l.inputs[1], "k", {1, 2, 0});  // [H, d, T]
        const std::string vh = heads(l.inputs[2], "v", {1, 0, 2});  // [H, T, d]
        std::string s = w_.node("MatMul", {qh, kt}, name);          // names the IR op
        s = w_.node("Mul", {s, w_.scalar_f32(name + ".scale", static_cast<float>(1.0 / std::sqrt(double(d))))},
                    name + ".scaled");
        const ActivationQuant probs = softmax_output_quant();
        const std::string sq = w_.quantize(s, m_.scores[i], name + ".scores.q");
        const std::string p = w_.node("Softmax", {w_.dequantize(sq, m_.scores[i], name + ".scores.dq")},
                                      name + ".softmax", {attr_int("axis", -1)});
        const std::string pq = w_.quantize(p, probs, name + ".probs.q");
        std::string ctx = w_.node("MatMul", {w_.dequantize(pq, probs, name + ".probs.dq"), vh}, name + ".context");
        ctx = w_.node("Transpose", {ctx}, name + ".merge_t", {attr_ints("perm", {1, 0, 2})});  // [T, H, d]
        ctx = w_.node("Reshape", {ctx, w_.init_i64(name + ".merge_shape", {t, dim})}, name + ".merge");
        return w_.quantize(ctx, quant(static_cast<int32_t>(i + 1)), name + ".q");
    }

    // Canonical SeqPool without the batch axis: tokens [T, C], logits [T, 1].
    std::string seq_pool(size_t i)
    {
        const LayerSpec& l = m_.layers[i];
        const std::string& name = l.name;
        const ActivationQuant probs = softmax_output_quant();
        const std::string p = w_.node("Softmax", {dq(l.inputs[1])}, name + ".softmax", {attr_int("axis", 0)});
        const std::string pq = w_.quantize(p, probs, name + ".probs.q");
        const std::string pt = w_.node("Transpose", {w_.dequantize(pq, probs, name + ".probs.dq")}, name + ".probs_t",
                                       {attr_ints("perm", {1, 0})});  // [1, T]
        const std::string y = w_.node("MatMul", {pt, dq(l.inputs[0])}, name);  // [1, C]
        return w_.quantize(y, quant(static_cast<int32_t>(i + 1)), name + ".q");
    }

    // [1, C, H, W] -> tokens [H*W, C] (Reshape [C, H*W] + Transpose), or the AvgPool head's flatten [1, H*W*C]
    // in NHWC order (Transpose to NHWC + Reshape), on the int8 tensor.
    std::string to_tokens(size_t i)
    {
        const LayerSpec& l = m_.layers[i];
        const int32_t x = l.inputs[0];
        const auto& in = shape(x);  // [1, C, H, W]
        const auto& out = shape(static_cast<int32_t>(i + 1));
        const std::string src = int8_[static_cast<size_t>(x)];
        if (out.size() == 2 && out[0] == in[2] * in[3] && out[1] == in[1]) {
            const std::string r =
                w_.node("Reshape", {src, w_.init_i64(l.name + ".shape", {in[1], in[2] * in[3]})}, l.name + ".cf");
            return w_.node("Transpose", {r}, l.name, {attr_ints("perm", {1, 0})});
        }
        TF_CHECK(out.size() == 2 && out[0] == 1 && out[1] == in[1] * in[2] * in[3], "export: layer '", l.name,
                 "': unexpected view shape");
        const std::string t = w_.node("Transpose", {src}, l.name + ".nhwc", {attr_ints("perm", {0, 2, 3, 1})});
        return w_.node("Reshape", {t, w_.init_i64(l.name + ".shape", out)}, l.name);
    }

    // tokens [H*W, C] -> [1, C, H, W] (Transpose + Reshape), on the int8 tensor.
    std::string to_map(size_t i)
    {
        const LayerSpec& l = m_.layers[i];
        const std::string t = w_.node("Transpose", {int8_[static_cast<size_t>(l.inputs[0])]}, l.name + ".cf",
                                      {attr_ints("perm", {1, 0})});
        return w_.node("Reshape", {t, w_.init_i64(l.name + ".shape", shape(static_cast<int32_t>(i + 1)))}, l.name);
    }

    const QuantizedModel& m_;
    OnnxWriter w_;
    std::vector<std::string> int8_;              // per value: the int8 ONNX tensor
    std::vector<std::vector<int64_t>> shapes_;   // per value: the ONNX shape
    std::map<int32_t, std::string> dq_;          // per value: its DequantizeLinear output, once made
};

}  // namespace

std::vector<uint8_t> export_onnx_bytes(const QuantizedModel& model, const ExportOptions& options)
{
    onnx::ModelProto proto = Exporter(model, options).run();
    try {
        onnx::checker::check_model(proto);
    } catch (const std::exception& e) {
        TF_CHECK(false, "export: the ONNX checker rejects the exported model: ", e.what());
    }
    std::string bytes;
    TF_CHECK(proto.SerializeToString(&bytes), "export: cannot serialize the ONNX model");
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

void export_onnx(const QuantizedModel& model, const std::string& path, const ExportOptions& options)
{
    const std::vector<uint8_t> bytes = export_onnx_bytes(model, options);
    std::ofstream file(path, std::ios::binary);
    TF_CHECK(file.good(), "export: cannot open '", path, "' for writing");
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    TF_CHECK(file.good(), "export: cannot write '", path, "'");
}

}  // namespace tinyformer::toolkit
