// QDQ fusion: every ONNX pattern the import recognises (docs/onnx-import.md).
//
// The converter walks the nodes in order (the checker guarantees a topological
// order) and gives every ONNX tensor a Value: a float graph input, an int8
// activation (an IR tensor), its DequantizeLinear view, a constant, a quantized
// constant (DequantizeLinear of an initializer), or the float result of an op
// still waiting for its QuantizeLinear (Pending). The IR op is emitted when the
// QuantizeLinear arrives, so "DQ -> op [-> Relu/Clip] -> Q" becomes one fused
// op. Attention and sequence pooling are recognised stage by stage through the
// same values (Stage), and layout ops between NCHW feature maps and token
// sequences become IR Reshape only where the memory view changes.
#include "qdq_fusion.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <type_traits>

#include "onnx_import_tensors.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::engine::onnx_import {

namespace {

using Shape = std::vector<int64_t>;

const char* const kSupportedOps =
    "QuantizeLinear, DequantizeLinear, Conv, Gemm, MatMul, Add, Relu, Clip, MaxPool, AveragePool, "
    "GlobalAveragePool, ReduceMean, Softmax, LayerNormalization, Reshape, Flatten, Transpose, Identity, Constant, "
    "Mul/Div (attention scale only), QLinearConv, QLinearMatMul";

enum class Kind { FloatInput, Int8, Dequantized, Constant, QuantizedConstant, Pending };

// How the ONNX shape of an activation maps onto its IR tensor.
enum class Layout {
    Plain,          // same element order (IR shape == ONNX shape, or a pure view of it)
    NCHW,           // ONNX [N, C, H, W], IR [N, H, W, C]
    ChannelsFirst,  // ONNX [.., C, T], IR [.., T, C] (a feature map reshaped to [1, C, H*W])
    Heads,          // ONNX [(1,) T, H, D] in some axis order; IR [(1,) T, H*D] (attention only)
};

// Stages of the composite patterns: attention and sequence pooling.
enum class Stage { None, Scores, Probs, Context, PoolProbs };

enum class PendingOp {
    Conv, Depthwise, FullyConnected, Add, MaxPool, AvgPool, GlobalPool, TokenMean, Softmax, LayerNorm,
    Scores, Probs, Context, PoolProbs, SeqPool
};

struct AttentionParts {
    TensorId q = kNoTensor, k = kNoTensor, v = kNoTensor;
    int32_t heads = 0;
    int32_t head_dim = 0;
    double scale = 1.0;  // product of the Mul/Div constants applied to Q K^T
    QuantParams scores_quant;
    std::string name;    // the Q K^T MatMul names the IR op
};

struct Pending {
    Pending() = default;
    Pending(PendingOp op_, std::string name_, std::vector<TensorId> inputs_, OpAttrs attrs_)
        : op(op_), name(std::move(name_)), inputs(std::move(inputs_)), attrs(std::move(attrs_))
    {
    }

    PendingOp op = PendingOp::Conv;
    std::string name;              // IR op name (the float op's node)
    std::vector<TensorId> inputs;  // IR inputs
    OpAttrs attrs;
    Activation activation = Activation::None;
    float input_scale = 0;         // FullyConnected: for a bias added later
    std::vector<float> weight_scales;
    bool bias_from_add = false;    // MatMul: an Add may still supply the bias
};

struct Value {
    Kind kind = Kind::Constant;
    Shape shape;                   // the ONNX shape
    Layout layout = Layout::Plain;
    TensorId ir = kNoTensor;       // Int8 / Dequantized
    QuantParams quant;             // Int8 / Dequantized: per tensor; QuantizedConstant: its DequantizeLinear params
    std::shared_ptr<const OnnxConstant> constant;  // Constant / QuantizedConstant
    std::shared_ptr<const Pending> pending;        // Pending
    Stage stage = Stage::None;
    std::shared_ptr<const AttentionParts> attention;  // Scores, Probs, Context
    TensorId logits = kNoTensor;   // PoolProbs, SeqPool
    int32_t heads = 0;             // Layout::Heads
    std::string head_order;        // Layout::Heads: 'T' tokens, 'H' heads, 'D' head dim, e.g. "HTD"
    bool head_batch = false;       // Layout::Heads: a leading batch dimension of 1
    std::string producer;          // node that produced it (messages)
    std::string graph_input;       // FloatInput, or an int8 graph input not yet bound to an IR tensor
};

// The product of s[from, to) (clamped to the shape).
int64_t product(const Shape& s, size_t from = 0, size_t to = SIZE_MAX)
{
    const auto end = s.begin() + static_cast<std::ptrdiff_t>(std::min(to, s.size()));
    const auto begin = s.begin() + static_cast<std::ptrdiff_t>(std::min(from, s.size()));
    return begin < end ? std::accumulate(begin, end, int64_t{1}, std::multiplies<int64_t>()) : 1;
}

std::string shape_str(const Shape& s)
{
    std::string out = "[";
    for (size_t i = 0; i < s.size(); i++) out += (i ? "," : "") + std::to_string(s[i]);
    return out + "]";
}

std::vector<int32_t> to_i32(const Shape& s)
{
    std::vector<int32_t> out;
    for (int64_t d : s) {
        TF_CHECK(d > 0 && d <= std::numeric_limits<int32_t>::max(), "dimension ", d, " in ", shape_str(s),
                 " is out of range");
        out.push_back(static_cast<int32_t>(d));
    }
    return out;
}

// The IR shape of an activation with this ONNX shape and layout.
std::vector<int32_t> ir_shape(const Shape& s, Layout layout)
{
    if (layout == Layout::NCHW) return to_i32({s[0], s[2], s[3], s[1]});
    if (layout == Layout::ChannelsFirst) {
        Shape t = s;
        std::swap(t[t.size() - 1], t[t.size() - 2]);
        return to_i32(t);
    }
    return to_i32(s);
}

bool same_quant(const QuantParams& a, const QuantParams& b)
{
    return a.scale == b.scale && a.zero_point == b.zero_point;
}

std::string quant_str(const QuantParams& q)
{
    if (q.scale.empty()) return "(unquantized)";
    return "(scale " + std::to_string(q.scale[0]) + ", zero point " + std::to_string(q.zero_point[0]) + ")";
}

bool close(double a, double b, double rel) { return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)); }

class Converter {
public:
    Converter(const onnx::ModelProto& model, std::string source) : model_(model), source_(std::move(source)) {}

    using Handler = void (Converter::*)(const onnx::NodeProto&);
    // The ops the conversion has a rule for.
    static const std::map<std::string, Handler>& handlers()
    {
        static const std::map<std::string, Handler> table = {
            {"QuantizeLinear", &Converter::quantize_linear},
            {"DequantizeLinear", &Converter::dequantize_linear},
            {"Conv", &Converter::conv},
            {"Gemm", &Converter::gemm},
            {"MatMul", &Converter::matmul},
            {"Add", &Converter::add},
            {"Mul", &Converter::scale_scores},
            {"Div", &Converter::scale_scores},
            {"Relu", &Converter::activation},
            {"Clip", &Converter::activation},
            {"MaxPool", &Converter::pool2x2},
            {"AveragePool", &Converter::pool2x2},
            {"GlobalAveragePool", &Converter::global_pool},
            {"ReduceMean", &Converter::reduce_mean},
            {"Softmax", &Converter::softmax},
            {"LayerNormalization", &Converter::layer_norm},
            {"Reshape", &Converter::reshape},
            {"Flatten", &Converter::reshape},
            {"Transpose", &Converter::transpose},
            {"Identity", &Converter::identity},
            {"Constant", &Converter::constant_node},
            {"QLinearConv", &Converter::qlinear_conv},
            {"QLinearMatMul", &Converter::qlinear_matmul},
        };
        return table;
    }


    Graph run()
    {
        const auto& g = model_.graph();
        collect_shapes();
        for (const auto& init : g.initializer()) {
            set_constant(init.name(), decode_tensor(init, source_));
        }
        for (const auto& in : g.input()) {
            if (values_.count(in.name())) continue;  // an initializer listed as an input
            add_graph_input(in);
        }
        for (int i = 0; i < g.node_size(); i++) {
            convert(g.node(i), i);
        }
        for (const auto& in : g.input()) {
            if (!bound_inputs_.count(in.name()) && !is_initializer(in.name())) {
                fail_model("graph input '", in.name(),
                           "' is never quantized; supported: a float input feeding QuantizeLinear, or an int8 input "
                           "feeding DequantizeLinear / QLinearConv / QLinearMatMul");
            }
            if (bound_inputs_.count(in.name())) graph_.inputs.push_back(bound_inputs_.at(in.name()));
        }
        for (const auto& out : g.output()) {
            const Value& v = lookup(out.name(), "graph output");
            if (!((v.kind == Kind::Int8 || v.kind == Kind::Dequantized) && v.stage == Stage::None &&
                  v.ir != kNoTensor)) {
                fail_model("graph output '", out.name(), "' is ", describe(v),
                           "; supported: an int8 activation (QuantizeLinear output) or its DequantizeLinear");
            }
            graph_.outputs.push_back(v.ir);
        }
        return std::move(graph_);
    }

private:
    // ---- errors -------------------------------------------------------------------------------------------
    template <typename... Args>
    [[noreturn]] void fail_model(Args&&... parts) const
    {
        throw Error(detail::concat(source_, ": ", std::forward<Args>(parts)...));
    }

    template <typename... Args>
    [[noreturn]] void fail(const onnx::NodeProto& node, Args&&... parts) const
    {
        throw Error(detail::concat(source_, ": node '", node_name_, "' (", node.op_type(), "): ",
                                   std::forward<Args>(parts)...));
    }

    std::string describe(const Value& v) const
    {
        switch (v.kind) {
        case Kind::FloatInput: return "the float graph input '" + v.graph_input + "' (quantize it first)";
        case Kind::Int8: return "an int8 tensor (float ops need a DequantizeLinear first)";
        case Kind::Dequantized:
            return v.stage == Stage::None ? "a dequantized int8 activation" : "part of an attention/pooling pattern";
        case Kind::Constant: return "a constant";
        case Kind::QuantizedConstant: return "a dequantized constant";
        case Kind::Pending:
            return "the float output of node '" + v.producer + "' (every float op's output must go to QuantizeLinear)";
        }
        return "?";
    }

    // ---- shapes, values -----------------------------------------------------------------------------------
    void collect_shapes()
    {
        auto add = [this](const onnx::ValueInfoProto& info) {
            if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return;
            Shape s;
            for (const auto& d : info.type().tensor_type().shape().dim()) {
                s.push_back(d.has_dim_value() ? d.dim_value() : -1);
            }
            shapes_[info.name()] = s;
        };
        for (const auto& v : model_.graph().input()) add(v);
        for (const auto& v : model_.graph().value_info()) add(v);
        for (const auto& v : model_.graph().output()) add(v);
    }

    Shape static_shape(const onnx::NodeProto& node, const std::string& name) const
    {
        auto it = shapes_.find(name);
        if (it == shapes_.end()) fail(node, "tensor '", name, "' has no shape after shape inference");
        if (!shape_in_range(it->second)) {
            fail(node, "tensor '", name, "' has shape ", shape_str(it->second), "; supported: ", kShapeRule);
        }
        return it->second;
    }

    // Static, positive, and small enough that products of dimensions never overflow.
    static constexpr const char* kShapeRule = "static positive dimensions, at most 2^31 elements";
    static bool shape_in_range(const Shape& s)
    {
        int64_t elements = 1;
        for (int64_t d : s) {
            if (d <= 0 || d > std::numeric_limits<int32_t>::max()) return false;
            elements *= d;
            if (elements > std::numeric_limits<int32_t>::max()) return false;
        }
        return true;
    }

    bool is_initializer(const std::string& name) const
    {
        for (const auto& init : model_.graph().initializer()) {
            if (init.name() == name) return true;
        }
        return false;
    }

    void set_constant(const std::string& name, OnnxConstant c)
    {
        Value v;
        v.kind = Kind::Constant;
        v.shape = c.dims;
        v.constant = std::make_shared<const OnnxConstant>(std::move(c));
        values_[name] = v;
    }

    void add_graph_input(const onnx::ValueInfoProto& in)
    {
        const int32_t type = in.type().tensor_type().elem_type();
        Value v;
        v.graph_input = in.name();
        v.shape = shapes_.count(in.name()) ? shapes_.at(in.name()) : Shape{};
        v.layout = v.shape.size() == 4 ? Layout::NCHW : Layout::Plain;
        if (type == onnx::TensorProto::FLOAT) {
            v.kind = Kind::FloatInput;
        } else if (type == onnx::TensorProto::INT8) {
            v.kind = Kind::Int8;  // bound to an IR tensor by the first consumer that states its quantization
        } else {
            fail_model("graph input '", in.name(), "' is ", elem_type_name(type), "; supported: float or int8");
        }
        if (!shape_in_range(v.shape)) {
            fail_model("graph input '", in.name(), "' has shape ", shape_str(v.shape), "; supported: ", kShapeRule);
        }
        if (v.shape.empty() || v.shape.size() > 4) {
            fail_model("graph input '", in.name(), "' has rank ", v.shape.size(), "; supported: rank 1 to 4");
        }
        values_[in.name()] = v;
    }

    const Value& lookup(const std::string& name, const char* what) const
    {
        auto it = values_.find(name);
        if (it == values_.end()) {
            fail_model(what, " '", name, "' is not produced by a supported node");
        }
        return it->second;
    }

    bool has_input(const onnx::NodeProto& node, int i) const { return node.input_size() > i && !node.input(i).empty(); }

    const Value& input(const onnx::NodeProto& node, int i) const
    {
        if (!has_input(node, i)) fail(node, "input ", i, " is missing");
        auto it = values_.find(node.input(i));
        if (it == values_.end()) fail(node, "input '", node.input(i), "' is not produced by a supported node");
        return it->second;
    }

    void set_output(const onnx::NodeProto& node, Value v, int i = 0)
    {
        v.producer = node_name_;
        values_[node.output(i)] = std::move(v);
    }

    // An int8 activation that a float op reads through DequantizeLinear.
    const Value& dequantized(const onnx::NodeProto& node, int i, Layout layout) const
    {
        const Value& v = input(node, i);
        if (v.kind != Kind::Dequantized || v.stage != Stage::None) {
            fail(node, "input '", node.input(i), "' is ", describe(v),
                 "; supported: a DequantizeLinear of an int8 activation");
        }
        if (v.layout != layout) {
            fail(node, "input '", node.input(i), "' has shape ", shape_str(v.shape), "; supported: ",
                 layout == Layout::NCHW ? "an NCHW feature map [1, C, H, W]" : "a token sequence [(1,) tokens, C]");
        }
        if (layout == Layout::NCHW && v.shape[0] != 1) {
            fail(node, "batch ", v.shape[0], " is not supported; supported: batch 1");
        }
        return v;
    }

    const OnnxConstant& constant(const onnx::NodeProto& node, int i, const char* what) const
    {
        const Value& v = input(node, i);
        if (v.kind != Kind::Constant) fail(node, what, " '", node.input(i), "' must be a constant, is ", describe(v));
        return *v.constant;
    }

    // ---- attributes -----------------------------------------------------------------------------------------
    void allow_attrs(const onnx::NodeProto& node, std::initializer_list<const char*> allowed) const
    {
        for (const auto& a : node.attribute()) {
            bool ok = false;
            std::string list;
            for (const char* name : allowed) {
                ok = ok || a.name() == name;
                list += (list.empty() ? "" : ", ") + std::string(name);
            }
            if (!ok) {
                fail(node, "attribute '", a.name(), "' is not supported; supported: ", list.empty() ? "none" : list);
            }
        }
    }

    const onnx::AttributeProto* attr(const onnx::NodeProto& node, const char* name) const
    {
        for (const auto& a : node.attribute()) {
            if (a.name() == name) return &a;
        }
        return nullptr;
    }
    int64_t attr_int(const onnx::NodeProto& node, const char* name, int64_t fallback) const
    {
        const auto* a = attr(node, name);
        return a ? a->i() : fallback;
    }
    float attr_float(const onnx::NodeProto& node, const char* name, float fallback) const
    {
        const auto* a = attr(node, name);
        return a ? a->f() : fallback;
    }
    Shape attr_ints(const onnx::NodeProto& node, const char* name, Shape fallback) const
    {
        const auto* a = attr(node, name);
        return a ? Shape(a->ints().begin(), a->ints().end()) : fallback;
    }
    std::string attr_string(const onnx::NodeProto& node, const char* name, std::string fallback) const
    {
        const auto* a = attr(node, name);
        return a ? a->s() : fallback;
    }

    int64_t normalize_axis(const onnx::NodeProto& node, int64_t axis, size_t rank) const
    {
        const int64_t r = static_cast<int64_t>(rank);
        if (axis < -r || axis >= r) fail(node, "axis ", axis, " is out of range for rank ", rank);
        return axis < 0 ? axis + r : axis;
    }

    // ---- quantization parameters ----------------------------------------------------------------------------
    // Per-tensor int8 quantization from (scale, zero point) inputs of Q/DQ/QLinear nodes.
    QuantParams activation_quant(const onnx::NodeProto& node, int scale_i, int zp_i) const
    {
        const OnnxConstant& s = constant(node, scale_i, "scale");
        if (!s.is_scalar() || s.elem_type != onnx::TensorProto::FLOAT) {
            fail(node, "activation scale '", node.input(scale_i), "' must be one float value (per tensor), has ",
                 s.values.size(), " ", elem_type_name(s.elem_type), " values");
        }
        if (!has_input(node, zp_i)) {
            fail(node, "zero point is missing, which means uint8; supported: int8 (give an int8 zero point)");
        }
        const OnnxConstant& z = constant(node, zp_i, "zero point");
        if (z.elem_type != onnx::TensorProto::INT8) {
            fail(node, "zero point '", node.input(zp_i), "' is ", elem_type_name(z.elem_type),
                 "; supported: int8 quantization (uint8 is not supported)");
        }
        if (!z.is_scalar()) fail(node, "zero point '", node.input(zp_i), "' must be one value (per tensor)");
        if (!(s.values[0] > 0) || !std::isfinite(s.values[0])) fail(node, "scale ", s.values[0], " must be positive");
        return QuantParams::per_tensor(static_cast<float>(s.values[0]), static_cast<int32_t>(z.values[0]));
    }

    // A quantized constant: int8 weights or int32 bias with scale(s) and zero point(s) along `axis`.
    Value quantized_constant(const onnx::NodeProto& node, int x_i, int scale_i, int zp_i, int64_t axis) const
    {
        const OnnxConstant& x = constant(node, x_i, "tensor");
        if (x.elem_type != onnx::TensorProto::INT8 && x.elem_type != onnx::TensorProto::INT32) {
            fail(node, "constant '", node.input(x_i), "' is ", elem_type_name(x.elem_type),
                 "; supported: int8 weights or int32 biases");
        }
        const OnnxConstant& s = constant(node, scale_i, "scale");
        if (s.elem_type != onnx::TensorProto::FLOAT) fail(node, "scale '", node.input(scale_i), "' must be float");
        Value v;
        v.kind = Kind::QuantizedConstant;
        v.shape = x.dims;
        v.constant = values_.at(node.input(x_i)).constant;
        for (double d : s.values) v.quant.scale.push_back(static_cast<float>(d));
        if (has_input(node, zp_i)) {
            const OnnxConstant& z = constant(node, zp_i, "zero point");
            if (z.elem_type != x.elem_type) {
                fail(node, "zero point '", node.input(zp_i), "' is ", elem_type_name(z.elem_type), ", expected ",
                     elem_type_name(x.elem_type));
            }
            for (double d : z.values) v.quant.zero_point.push_back(static_cast<int32_t>(d));
        } else {
            v.quant.zero_point.assign(v.quant.scale.size(), 0);
        }
        if (v.quant.zero_point.size() != v.quant.scale.size()) fail(node, "scale and zero point sizes differ");
        v.quant.axis = v.quant.scale.size() == 1 ? -1 : static_cast<int32_t>(normalize_axis(node, axis, x.dims.size()));
        return v;
    }

    // Per-output-channel weight scales (one per channel even when per tensor) after checking symmetry.
    std::vector<float> weight_scales(const onnx::NodeProto& node, const std::string& name, const Value& w,
                                     int64_t channels, int64_t channel_axis) const
    {
        if (w.constant->elem_type != onnx::TensorProto::INT8) {
            fail(node, "weights '", name, "' are ", elem_type_name(w.constant->elem_type), "; supported: int8");
        }
        const size_t n = w.quant.scale.size();
        if (n != 1 && !(static_cast<int64_t>(n) == channels && w.quant.axis == channel_axis)) {
            fail(node, "weights '", name, "' have ", n, " scales along axis ", w.quant.axis, "; supported: 1, or ",
                 channels, " along the output-channel axis ", channel_axis);
        }
        for (size_t c = 0; c < n; c++) {
            if (w.quant.zero_point[c] != 0) {
                fail(node, "weights '", name, "' have zero point ", w.quant.zero_point[c], " at channel ", c,
                     "; supported: symmetric weights (zero point 0)");
            }
            if (!(w.quant.scale[c] > 0)) fail(node, "weights '", name, "' have scale ", w.quant.scale[c], " <= 0");
        }
        for (size_t i = 0; i < w.constant->values.size(); i++) {
            if (w.constant->values[i] < -127) {
                fail(node, "weights '", name, "' hold -128 at flat index ", i, "; supported: [-127, 127]");
            }
        }
        return n == 1 ? std::vector<float>(static_cast<size_t>(channels), w.quant.scale[0]) : w.quant.scale;
    }

    // Weights as a QuantizedConstant (DequantizeLinear of an int8 initializer).
    const Value& weights(const onnx::NodeProto& node, int i, size_t rank) const
    {
        const Value& w = input(node, i);
        if (w.kind == Kind::Constant && w.constant->elem_type == onnx::TensorProto::FLOAT) {
            fail(node, "weights '", node.input(i), "' are float without DequantizeLinear; supported: int8 "
                 "initializers through DequantizeLinear (QDQ)");
        }
        if (w.kind != Kind::QuantizedConstant) {
            fail(node, "weights '", node.input(i), "' are ", describe(w),
                 "; supported: an int8 initializer through DequantizeLinear");
        }
        if (w.shape.size() != rank) {
            fail(node, "weights '", node.input(i), "' have shape ", shape_str(w.shape), ", expected rank ", rank);
        }
        return w;
    }

    // The int32 bias of a conv / FC: a DequantizeLinear'd int32 initializer whose scale is s_in * s_w[c], a raw
    // int32 initializer (QLinear ops), or float values quantized here to s_in * s_w[c].
    TensorId bias(const onnx::NodeProto& node, int i, float s_in, const std::vector<float>& s_w)
    {
        if (!has_input(node, i)) return kNoTensor;
        const Value& b = input(node, i);
        const int64_t channels = static_cast<int64_t>(s_w.size());
        const std::string& name = node.input(i);
        if ((b.kind != Kind::Constant && b.kind != Kind::QuantizedConstant) || product(b.shape) != channels) {
            fail(node, "bias '", name, "' must be a constant of ", channels, " values, is ", describe(b), " ",
                 shape_str(b.shape));
        }
        std::vector<int32_t> q(static_cast<size_t>(channels));
        const auto& values = b.constant->values;
        if (b.kind == Kind::QuantizedConstant || b.constant->elem_type == onnx::TensorProto::INT32) {
            if (b.constant->elem_type != onnx::TensorProto::INT32) {
                fail(node, "bias '", name, "' is ", elem_type_name(b.constant->elem_type), "; supported: int32");
            }
            for (size_t c = 0; c < q.size(); c++) {
                if (b.kind == Kind::QuantizedConstant) {
                    const size_t j = b.quant.scale.size() == 1 ? 0 : c;
                    const double want = double(s_in) * s_w[c];
                    if (b.quant.zero_point[j] != 0 || !close(b.quant.scale[j], want, 1e-3)) {
                        fail(node, "bias '", name, "' channel ", c, " has scale ", b.quant.scale[j], " zero point ",
                             b.quant.zero_point[j], "; supported: scale input_scale * weight_scale = ", want,
                             ", zero point 0");
                    }
                }
                q[c] = static_cast<int32_t>(values[c]);
            }
        } else if (b.constant->elem_type == onnx::TensorProto::FLOAT) {
            for (size_t c = 0; c < q.size(); c++) {
                const double r = std::round(values[c] / (double(s_in) * s_w[c]));
                if (!(std::fabs(r) <= 2147483647.0)) fail(node, "bias '", name, "' channel ", c, " overflows int32");
                q[c] = static_cast<int32_t>(r);
            }
        } else {
            fail(node, "bias '", name, "' is ", elem_type_name(b.constant->elem_type), "; supported: int32 or float");
        }
        return graph_.add_constant_s32(name, {static_cast<int32_t>(channels)}, q,
                                       QuantParams::per_channel(scales_product(s_in, s_w), 0));
    }

    static std::vector<float> scales_product(float s_in, const std::vector<float>& s_w)
    {
        std::vector<float> out;
        for (float s : s_w) out.push_back(s_in * s);
        return out;
    }

    // ---- IR helpers ---------------------------------------------------------------------------------------
    TensorId new_activation(const std::string& name, std::vector<int32_t> shape, const QuantParams& q)
    {
        return graph_.add_activation(name, std::move(shape), q);
    }

    TensorId ir_reshape(const std::string& out_name, TensorId in, std::vector<int32_t> shape)
    {
        const Tensor& t = graph_.tensor(in);
        if (t.shape == shape) return in;
        const QuantParams q = t.quant;
        TensorId out = new_activation(out_name, std::move(shape), q);
        graph_.add_op(OpKind::Reshape, node_name_, {in}, {out}, ReshapeAttrs{});
        return out;
    }

    // ---- dispatch -----------------------------------------------------------------------------------------
public:
    // Rejects a node of another domain or an op without a rule (also run before shape inference).
    void check_supported(const onnx::NodeProto& node, int index)
    {
        node_name_ = node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
        if (!node.domain().empty() && node.domain() != "ai.onnx") {
            fail(node, "domain '", node.domain(), "' is not supported; supported ops (default domain): ",
                 kSupportedOps);
        }
        if (!handlers().count(node.op_type())) fail(node, "op is not supported; supported: ", kSupportedOps);
    }

private:
    void convert(const onnx::NodeProto& node, int index)
    {
        check_supported(node, index);
        (this->*(handlers().at(node.op_type())))(node);
    }

    // ---- Q / DQ -------------------------------------------------------------------------------------------
    void quantize_linear(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"axis"});
        const QuantParams q = activation_quant(node, 1, 2);
        const Value& x = input(node, 0);
        Value out;
        if (x.kind == Kind::FloatInput) {
            out = bind_input(node, x, q);
        } else if (x.kind == Kind::Dequantized) {
            if (!same_quant(x.quant, q)) {
                fail(node, "requantizing ", quant_str(x.quant), " to ", quant_str(q),
                     " without an op in between is not supported; supported: the same parameters as the "
                     "DequantizeLinear it follows");
            }
            out = x;
            out.kind = Kind::Int8;
        } else if (x.kind == Kind::Pending) {
            out = emit(node, *x.pending, x, q);
        } else {
            fail(node, "input '", node.input(0), "' is ", describe(x),
                 "; supported: a float op's output, a float graph input or a DequantizeLinear output");
        }
        set_output(node, out);
    }

    Value bind_input(const onnx::NodeProto& node, const Value& x, const QuantParams& q)
    {
        auto it = bound_inputs_.find(x.graph_input);
        if (it != bound_inputs_.end()) {
            if (!same_quant(graph_.tensor(it->second).quant, q)) {
                fail(node, "graph input '", x.graph_input, "' is quantized twice with different parameters");
            }
        } else {
            it = bound_inputs_.emplace(x.graph_input, new_activation(x.graph_input, ir_shape(x.shape, x.layout), q))
                     .first;
        }
        Value out = x;
        out.kind = Kind::Int8;
        out.ir = it->second;
        out.quant = q;
        out.graph_input.clear();
        return out;
    }

    void dequantize_linear(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"axis"});
        const Value& x = input(node, 0);
        if (x.kind == Kind::Constant) {
            set_output(node, quantized_constant(node, 0, 1, 2, attr_int(node, "axis", 1)));
            return;
        }
        if (x.kind != Kind::Int8) {
            fail(node, "input '", node.input(0), "' is ", describe(x), "; supported: an int8 activation or constant");
        }
        const QuantParams q = activation_quant(node, 1, 2);
        Value out = x;
        if (x.ir == kNoTensor && !x.graph_input.empty()) {
            out = bind_input(node, x, q);
        } else if (!same_quant(x.quant, q)) {
            fail(node, "dequantizes '", node.input(0), "' with ", quant_str(q), ", but it was quantized with ",
                 quant_str(x.quant), "; supported: the same parameters");
        }
        out.kind = Kind::Dequantized;
        set_output(node, out);
    }

    // ---- conv / fully connected ------------------------------------------------------------------------------
    Pending conv_pending(const onnx::NodeProto& node, const Value& x, const Value& w, int bias_i)
    {
        const Shape k = attr_ints(node, "kernel_shape", {w.shape[2], w.shape[3]});
        const Shape strides = attr_ints(node, "strides", {1, 1});
        const Shape pads = attr_ints(node, "pads", {0, 0, 0, 0});
        const Shape dilations = attr_ints(node, "dilations", {1, 1});
        const int64_t group = attr_int(node, "group", 1);
        if (attr_string(node, "auto_pad", "NOTSET") != "NOTSET") {
            fail(node, "auto_pad '", attr_string(node, "auto_pad", ""), "' is not supported; supported: NOTSET "
                 "with explicit pads");
        }
        if (x.shape.size() != 4) fail(node, "input must be [1, C, H, W]");
        for (int64_t d : dilations) {
            if (d != 1) fail(node, "dilation ", d, " is not supported; supported: 1");
        }
        if (strides.size() != 2 || pads.size() != 4 || k.size() != 2 || k[0] != w.shape[2] || k[1] != w.shape[3]) {
            fail(node, "2-D kernel_shape, strides and pads are required (kernel_shape must match the weights)");
        }
        const int64_t c_out = w.shape[0], c_in = x.shape[1];
        const std::vector<float> s_w = weight_scales(node, node.input(1), w, c_out, 0);
        const float s_in = x.quant.scale[0];
        const auto& wv = w.constant->values;
        Pending p;
        p.name = node_name_;
        if (group == 1) {
            if (w.shape[1] != c_in) fail(node, "weights have ", w.shape[1], " input channels, input has ", c_in);
            // OIHW -> OHWI
            const int64_t kh = w.shape[2], kw = w.shape[3];
            std::vector<int8_t> ohwi(wv.size());
            for (int64_t o = 0; o < c_out; o++)
                for (int64_t i = 0; i < c_in; i++)
                    for (int64_t y = 0; y < kh; y++)
                        for (int64_t xx = 0; xx < kw; xx++)
                            ohwi[static_cast<size_t>(((o * kh + y) * kw + xx) * c_in + i)] =
                                static_cast<int8_t>(wv[static_cast<size_t>(((o * c_in + i) * kh + y) * kw + xx)]);
            const TensorId wt = graph_.add_constant_s8(node.input(1), to_i32({c_out, kh, kw, c_in}), ohwi,
                                                       QuantParams::per_channel(s_w, 0));
            Conv2DAttrs a;
            a.stride_h = static_cast<int32_t>(strides[0]);
            a.stride_w = static_cast<int32_t>(strides[1]);
            a.pad_top = static_cast<int32_t>(pads[0]);
            a.pad_left = static_cast<int32_t>(pads[1]);
            a.pad_bottom = static_cast<int32_t>(pads[2]);
            a.pad_right = static_cast<int32_t>(pads[3]);
            p.op = PendingOp::Conv;
            p.inputs = {x.ir, wt, bias(node, bias_i, s_in, s_w)};
            p.attrs = a;
        } else if (group == c_in && c_out == c_in && w.shape[1] == 1 && k[0] == 3 && k[1] == 3 &&
                   strides[0] == strides[1] && std::all_of(pads.begin(), pads.end(),
                                                           [&](int64_t v) { return v == pads[0]; })) {
            // [C, 1, 3, 3] -> [3, 3, C]
            std::vector<int8_t> hwc(wv.size());
            for (int64_t c = 0; c < c_out; c++)
                for (int64_t t = 0; t < 9; t++)
                    hwc[static_cast<size_t>(t * c_out + c)] = static_cast<int8_t>(wv[static_cast<size_t>(c * 9 + t)]);
            const TensorId wt = graph_.add_constant_s8(node.input(1), to_i32({3, 3, c_out}), hwc,
                                                       QuantParams::per_channel(s_w, 2));
            DepthwiseConv2DAttrs a;
            a.stride = static_cast<int32_t>(strides[0]);
            a.pad = static_cast<int32_t>(pads[0]);
            p.op = PendingOp::Depthwise;
            p.inputs = {x.ir, wt, bias(node, bias_i, s_in, s_w)};
            p.attrs = a;
        } else {
            fail(node, "group ", group, " with weights ", shape_str(w.shape), ", strides ", shape_str(strides),
                 ", pads ", shape_str(pads), " is not supported; supported: group 1, or depthwise 3x3 (group == "
                 "input channels == output channels, equal strides, equal pads)");
        }
        return p;
    }

    // weights [C_out, C_in] (transposed == false) or [C_in, C_out] (transposed == true)
    Pending fc_pending(const onnx::NodeProto& node, const Value& x, const Value& w, bool transposed, int bias_i)
    {
        const int64_t c_out = transposed ? w.shape[1] : w.shape[0];
        const int64_t c_in = transposed ? w.shape[0] : w.shape[1];
        if (x.shape.back() != c_in) fail(node, "input has ", x.shape.back(), " features, weights expect ", c_in);
        const std::vector<float> s_w = weight_scales(node, node.input(1), w, c_out, transposed ? 1 : 0);
        const auto& wv = w.constant->values;
        std::vector<int8_t> oi(wv.size());
        for (int64_t o = 0; o < c_out; o++)
            for (int64_t i = 0; i < c_in; i++)
                oi[static_cast<size_t>(o * c_in + i)] =
                    static_cast<int8_t>(wv[static_cast<size_t>(transposed ? i * c_out + o : o * c_in + i)]);
        Pending p;
        p.op = PendingOp::FullyConnected;
        p.name = node_name_;
        p.input_scale = x.quant.scale[0];
        p.weight_scales = s_w;
        const TensorId wt = graph_.add_constant_s8(node.input(1), to_i32({c_out, c_in}), oi,
                                                   QuantParams::per_channel(s_w, 0));
        p.inputs = {x.ir, wt, bias_i >= 0 ? bias(node, bias_i, p.input_scale, s_w) : kNoTensor};
        p.attrs = FullyConnectedAttrs{};
        return p;
    }

    Value pending_value(const onnx::NodeProto& node, Pending p, Layout layout)
    {
        Value v;
        v.kind = Kind::Pending;
        v.shape = static_shape(node, node.output(0));
        v.layout = layout;
        v.pending = std::make_shared<const Pending>(std::move(p));
        return v;
    }

    void conv(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
        const Value& x = dequantized(node, 0, Layout::NCHW);
        const Value& w = weights(node, 1, 4);
        set_output(node, pending_value(node, conv_pending(node, x, w, 2), Layout::NCHW));
    }

    void gemm(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"alpha", "beta", "transA", "transB"});
        if (attr_float(node, "alpha", 1) != 1.0f || attr_float(node, "beta", 1) != 1.0f ||
            attr_int(node, "transA", 0) != 0) {
            fail(node, "alpha, beta and transA are not supported; supported: alpha 1, beta 1, transA 0");
        }
        const Value& x = dequantized(node, 0, Layout::Plain);
        const Value& w = weights(node, 1, 2);
        set_output(node, pending_value(node, fc_pending(node, x, w, attr_int(node, "transB", 0) == 0, 2),
                                       Layout::Plain));
    }

    void matmul(const onnx::NodeProto& node)
    {
        allow_attrs(node, {});
        const Value& a = input(node, 0);
        const Value& b = input(node, 1);
        if (b.kind == Kind::QuantizedConstant || b.kind == Kind::Constant) {
            const Value& x = dequantized(node, 0, Layout::Plain);
            Pending p = fc_pending(node, x, weights(node, 1, 2), true, -1);
            p.bias_from_add = true;
            set_output(node, pending_value(node, std::move(p), Layout::Plain));
            return;
        }
        if (a.kind == Kind::Dequantized && b.kind == Kind::Dequantized) {
            if (a.layout == Layout::Heads && b.layout == Layout::Heads) return attention_scores(node, a, b);
            if (a.stage == Stage::Probs && b.layout == Layout::Heads) return attention_context(node, a, b);
            if (a.stage == Stage::PoolProbs && b.stage == Stage::None && b.layout == Layout::Plain) {
                return seq_pool(node, a, b);
            }
        }
        fail(node, "inputs '", node.input(0), "' (", describe(a), ") and '", node.input(1), "' (", describe(b),
             ") are not supported; supported: MatMul(x, DequantizeLinear(int8 weights)) (a linear layer), "
             "the canonical attention pattern Q K^T and A V, or sequence pooling softmax^T x");
    }

    // ---- attention ---------------------------------------------------------------------------------------------
    void attention_scores(const onnx::NodeProto& node, const Value& q, const Value& k)
    {
        if (q.head_order != "HTD" || k.head_order != "HDT" || q.heads != k.heads || q.head_batch != k.head_batch) {
            fail(node, "Q K^T needs Q as [(1,) heads, tokens, head_dim] and K as [(1,) heads, head_dim, tokens] "
                 "from the same head split; got axis orders ", q.head_order, " and ", k.head_order);
        }
        if (graph_.tensor(q.ir).shape != graph_.tensor(k.ir).shape) fail(node, "Q and K shapes differ");
        auto parts = std::make_shared<AttentionParts>();
        parts->q = q.ir;
        parts->k = k.ir;
        parts->heads = q.heads;
        parts->head_dim = graph_.tensor(q.ir).shape.back() / q.heads;
        parts->name = node_name_;
        Value v = pending_value(node, Pending{PendingOp::Scores, node_name_, {}, AttentionAttrs{}}, Layout::Plain);
        v.stage = Stage::Scores;
        v.attention = parts;
        set_output(node, v);
    }

    void scale_scores(const onnx::NodeProto& node)
    {
        allow_attrs(node, {});
        const Value& a = input(node, 0);
        const Value& b = input(node, 1);
        const bool scores_first = a.kind == Kind::Pending && a.stage == Stage::Scores;
        const Value& s = scores_first ? a : b;
        const Value& c = scores_first ? b : a;
        const bool is_div = node.op_type() == "Div";
        if (!(s.kind == Kind::Pending && s.stage == Stage::Scores) || c.kind != Kind::Constant ||
            !c.constant->is_scalar() || (is_div && !scores_first) || !(c.constant->values[0] != 0)) {
            fail(node, "is supported only to scale attention scores: MatMul(Q, K^T) ", is_div ? "/" : "*",
                 " a non-zero float scalar constant (1/sqrt(head_dim))");
        }
        auto parts = std::make_shared<AttentionParts>(*s.attention);
        parts->scale = is_div ? parts->scale / c.constant->values[0] : parts->scale * c.constant->values[0];
        Value v = s;
        v.attention = parts;
        v.shape = static_shape(node, node.output(0));
        set_output(node, v);
    }

    void attention_context(const onnx::NodeProto& node, const Value& probs, const Value& v)
    {
        const AttentionParts& parts = *probs.attention;
        if (v.head_order != "HTD" || v.heads != parts.heads ||
            graph_.tensor(v.ir).shape != graph_.tensor(parts.q).shape) {
            fail(node, "A V needs V as [(1,) heads, tokens, head_dim] with ", parts.heads,
                 " heads and the shape of Q; got axis order ", v.head_order, " with ", v.heads, " heads");
        }
        auto with_v = std::make_shared<AttentionParts>(parts);
        with_v->v = v.ir;
        Value out = pending_value(node, Pending{PendingOp::Context, parts.name, {}, AttentionAttrs{}}, Layout::Heads);
        out.stage = Stage::Context;
        out.attention = with_v;
        out.heads = v.heads;
        out.head_order = "HTD";
        out.head_batch = v.head_batch;
        set_output(node, out);
    }

    Value emit_attention(const onnx::NodeProto& q_node, const Value& x, const QuantParams& q)
    {
        const AttentionParts& parts = *x.attention;
        if (x.layout != Layout::Plain) {
            fail(q_node, "the attention output must be transposed and reshaped back to [(1,) tokens, dim] before "
                 "QuantizeLinear (canonical attention pattern)");
        }
        const double want = 1.0 / std::sqrt(static_cast<double>(parts.head_dim));
        if (!close(parts.scale, want, 1e-3)) {
            fail(q_node, "attention '", parts.name, "': scores are scaled by ", parts.scale,
                 "; supported: 1/sqrt(head_dim) = ", want,
                 " (a Mul or Div right after MatMul(Q, K^T))");
        }
        AttentionAttrs a;
        a.heads = parts.heads;
        a.scores_quant = parts.scores_quant;
        const std::vector<int32_t> q_shape = graph_.tensor(parts.q).shape;
        const TensorId out = new_activation(q_node.output(0), q_shape, q);
        graph_.add_op(OpKind::Attention, parts.name, {parts.q, parts.k, parts.v}, {out}, a);
        Value v;
        v.kind = Kind::Int8;
        v.shape = x.shape;
        if (product(x.shape) != graph_.tensor(out).num_elements()) {
            fail(q_node, "the attention output ", shape_str(x.shape), " must hold the elements of Q");
        }
        // The output takes Q's shape; a merge to another rank (e.g. [T, dim] -> [1, T, dim]) is a view.
        v.ir = ir_reshape(q_node.output(0) + ".view", out, to_i32(x.shape));
        v.quant = q;
        return v;
    }

    // ---- sequence pooling --------------------------------------------------------------------------------------
    void seq_pool(const onnx::NodeProto& node, const Value& probs, const Value& x)
    {
        const int64_t tokens = product(probs.shape);
        if (probs.shape.back() != tokens || x.shape.size() < 2 || x.shape[x.shape.size() - 2] != tokens ||
            product(x.shape) / tokens != x.shape.back()) {
            fail(node, "sequence pooling needs softmax^T as [(1,) 1, tokens] and x as [(1,) tokens, C]; got ",
                 shape_str(probs.shape), " and ", shape_str(x.shape));
        }
        Value v = pending_value(node, Pending{PendingOp::SeqPool, node_name_, {x.ir, probs.logits}, SeqPoolAttrs{}},
                                Layout::Plain);
        set_output(node, v);
    }

    // ---- element-wise, activation, pooling ---------------------------------------------------------------------
    void add(const onnx::NodeProto& node)
    {
        allow_attrs(node, {});
        const Value& a = input(node, 0);
        const Value& b = input(node, 1);
        const bool a_fc = a.kind == Kind::Pending && a.pending->bias_from_add;
        const bool b_fc = b.kind == Kind::Pending && b.pending->bias_from_add;
        if (a_fc || b_fc) {
            const Value& fc = a_fc ? a : b;
            Pending p = *fc.pending;
            p.bias_from_add = false;
            p.inputs[2] = bias(node, a_fc ? 1 : 0, p.input_scale, p.weight_scales);
            Value v = fc;
            v.pending = std::make_shared<const Pending>(std::move(p));
            set_output(node, v);
            return;
        }
        if (a.kind != Kind::Dequantized || b.kind != Kind::Dequantized || a.stage != Stage::None ||
            b.stage != Stage::None || a.shape != b.shape || a.layout != b.layout || a.layout == Layout::Heads) {
            fail(node, "inputs '", node.input(0), "' ", shape_str(a.shape), " (", describe(a), ") and '",
                 node.input(1), "' ", shape_str(b.shape), " (", describe(b), ") are not supported; supported: two "
                 "dequantized int8 activations of the same shape (no broadcasting), or a bias added to a MatMul");
        }
        set_output(node, pending_value(node, Pending{PendingOp::Add, node_name_, {a.ir, b.ir}, AddAttrs{}}, a.layout));
    }

    void activation(const onnx::NodeProto& node)
    {
        allow_attrs(node, {});
        const Value& x = input(node, 0);
        const bool fusable = x.kind == Kind::Pending &&
                             (x.pending->op == PendingOp::Conv || x.pending->op == PendingOp::Depthwise ||
                              x.pending->op == PendingOp::FullyConnected || x.pending->op == PendingOp::Add) &&
                             x.pending->activation == Activation::None;
        if (!fusable) {
            fail(node, "input '", node.input(0), "' is ", describe(x), "; supported: Relu/Clip directly after "
                 "Conv, Gemm, MatMul or Add (folded into the op)");
        }
        Activation act = Activation::Relu;
        if (node.op_type() == "Clip") {
            const double lo = has_input(node, 1) ? scalar(node, 1) : -INFINITY;
            const double hi = has_input(node, 2) ? scalar(node, 2) : INFINITY;
            if (lo == 0 && hi == 6) {
                act = Activation::Relu6;
            } else if (!(lo == 0 && std::isinf(hi))) {
                fail(node, "Clip(", lo, ", ", hi,
                     ") is not supported; supported: Clip(0, 6) (ReLU6) or Clip(0) (ReLU)");
            }
        }
        Pending p = *x.pending;
        p.activation = act;
        p.bias_from_add = false;
        Value v = x;
        v.pending = std::make_shared<const Pending>(std::move(p));
        set_output(node, v);
    }

    double scalar(const onnx::NodeProto& node, int i) const
    {
        const OnnxConstant& c = constant(node, i, "bound");
        if (!c.is_scalar()) fail(node, "input '", node.input(i), "' must be a scalar");
        return c.values[0];
    }

    void pool2x2(const onnx::NodeProto& node)
    {
        const bool max = node.op_type() == "MaxPool";
        if (max) {
            allow_attrs(node,
                        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
        } else {
            allow_attrs(node, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
        }
        const Value& x = dequantized(node, 0, Layout::NCHW);
        const Shape k = attr_ints(node, "kernel_shape", {});
        const Shape s = attr_ints(node, "strides", {1, 1});
        const Shape pads = attr_ints(node, "pads", {0, 0, 0, 0});
        const Shape dil = attr_ints(node, "dilations", {1, 1});
        const bool ok = k == Shape{2, 2} && s == Shape{2, 2} &&
                        std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; }) &&
                        dil == Shape{1, 1} && attr_int(node, "ceil_mode", 0) == 0 &&
                        attr_string(node, "auto_pad", "NOTSET") == "NOTSET" && node.output_size() == 1;
        if (!ok) {
            fail(node, "kernel ", shape_str(k), ", strides ", shape_str(s), ", pads ", shape_str(pads),
                 " is not supported; supported: kernel 2x2, stride 2, no padding, dilation 1, ceil_mode 0, one output");
        }
        set_output(node, pending_value(node, Pending{max ? PendingOp::MaxPool : PendingOp::AvgPool, node_name_,
                                                      {x.ir}, PoolAttrs{}},
                                       Layout::NCHW));
    }

    void global_pool(const onnx::NodeProto& node)
    {
        allow_attrs(node, {});
        const Value& x = dequantized(node, 0, Layout::NCHW);
        set_output(node, pending_value(node, Pending{PendingOp::GlobalPool, node_name_, {x.ir}, PoolAttrs{}},
                                       Layout::NCHW));
    }

    void reduce_mean(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"axes", "keepdims"});
        const Value& x = input(node, 0);
        if (x.kind != Kind::Dequantized || x.stage != Stage::None) {
            fail(node, "input is ", describe(x), "; supported: a dequantized int8 activation");
        }
        std::set<int64_t> axes;
        for (int64_t a : attr_ints(node, "axes", {})) axes.insert(normalize_axis(node, a, x.shape.size()));
        const Shape out = static_shape(node, node.output(0));
        const Layout out_layout = out.size() == 4 ? Layout::NCHW : Layout::Plain;
        if (x.layout == Layout::NCHW && axes == std::set<int64_t>{2, 3}) {
            set_output(node, pending_value(node, Pending{PendingOp::GlobalPool, node_name_, {x.ir}, PoolAttrs{}},
                                           out_layout));
        } else if (x.layout == Layout::Plain && x.shape.size() >= 2 && product(x.shape, 0, x.shape.size() - 2) == 1 &&
                   axes == std::set<int64_t>{static_cast<int64_t>(x.shape.size()) - 2}) {
            set_output(node, pending_value(node, Pending{PendingOp::TokenMean, node_name_, {x.ir}, PoolAttrs{}},
                                           Layout::Plain));
        } else {
            fail(node, "axes over ", shape_str(x.shape), " are not supported; supported: the spatial axes [2, 3] of "
                 "an NCHW feature map, or the token axis of a [(1,) tokens, C] sequence");
        }
    }

    void softmax(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"axis"});
        const Value& x = input(node, 0);
        if (x.kind != Kind::Dequantized || (x.stage != Stage::None && x.stage != Stage::Scores) ||
            x.layout != Layout::Plain) {
            fail(node, "input is ", describe(x), "; supported: a dequantized int8 activation [.., C]");
        }
        const int64_t rank = static_cast<int64_t>(x.shape.size());
        const int64_t axis = normalize_axis(node, attr_int(node, "axis", -1), x.shape.size());
        if (axis == rank - 1) {
            if (x.stage == Stage::Scores) {
                Value v = pending_value(node, Pending{PendingOp::Probs, node_name_, {}, SoftmaxAttrs{}}, Layout::Plain);
                v.stage = Stage::Probs;
                v.attention = x.attention;
                set_output(node, v);
            } else {
                set_output(node, pending_value(node, Pending{PendingOp::Softmax, node_name_, {x.ir}, SoftmaxAttrs{}},
                                               Layout::Plain));
            }
        } else if (x.stage == Stage::None && rank >= 2 && axis == rank - 2 && x.shape.back() == 1 &&
                   product(x.shape, 0, x.shape.size() - 2) == 1) {
            Value v = pending_value(node, Pending{PendingOp::PoolProbs, node_name_, {}, SoftmaxAttrs{}}, Layout::Plain);
            v.stage = Stage::PoolProbs;
            v.logits = x.ir;
            set_output(node, v);
        } else {
            fail(node, "axis ", attr_int(node, "axis", -1), " over ", shape_str(x.shape),
                 " is not supported; supported: axis -1 (the last axis), or the token axis of [(1,) tokens, 1] "
                 "sequence-pooling logits");
        }
    }

    void layer_norm(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"axis", "epsilon", "stash_type"});
        const Value& x = dequantized(node, 0, Layout::Plain);
        if (normalize_axis(node, attr_int(node, "axis", -1), x.shape.size()) !=
            static_cast<int64_t>(x.shape.size()) - 1) {
            fail(node, "axis ", attr_int(node, "axis", -1), " is not supported; supported: -1 (the last axis)");
        }
        for (int i = 1; i < node.output_size(); i++) {
            if (!node.output(i).empty()) fail(node, "the Mean / InvStdDev outputs are not supported");
        }
        const int64_t c = x.shape.back();
        std::vector<TensorId> inputs{x.ir};
        for (int i = 1; i <= 2; i++) {
            std::vector<float> values(static_cast<size_t>(c), 0.0f);
            std::string name = node_name_ + (i == 1 ? ".gamma" : ".beta");
            if (has_input(node, i)) {
                const OnnxConstant& p = constant(node, i, i == 1 ? "gamma" : "beta");
                if (p.elem_type != onnx::TensorProto::FLOAT || p.num_elements() != c) {
                    fail(node, i == 1 ? "gamma" : "beta", " '", node.input(i), "' must be ", c,
                         " float values, is ", p.num_elements(), " ", elem_type_name(p.elem_type));
                }
                for (size_t j = 0; j < values.size(); j++) values[j] = static_cast<float>(p.values[j]);
                name = node.input(i);
            }
            inputs.push_back(graph_.add_constant_f32(name, {static_cast<int32_t>(c)}, values));
        }
        LayerNormAttrs a;
        a.epsilon = attr_float(node, "epsilon", 1e-5f);
        set_output(node, pending_value(node, Pending{PendingOp::LayerNorm, node_name_, inputs, a}, Layout::Plain));
    }

    // ---- layout ops ------------------------------------------------------------------------------------------
    void identity(const onnx::NodeProto& node)
    {
        allow_attrs(node, {});
        set_output(node, input(node, 0));
    }

    void constant_node(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"value"});
        const auto* a = attr(node, "value");
        if (a == nullptr || !a->has_t()) fail(node, "needs a 'value' tensor");
        OnnxConstant c = decode_tensor(a->t(), source_ + ": node '" + node_name_ + "'");
        set_constant(node.output(0), std::move(c));
    }

    void require_activation_view(const onnx::NodeProto& node, const Value& x) const
    {
        if ((x.kind != Kind::Int8 && x.kind != Kind::Dequantized) || x.ir == kNoTensor) {
            fail(node, "input '", node.input(0), "' is ", describe(x), "; supported: an int8 activation or its "
                 "DequantizeLinear (and the canonical attention pattern)");
        }
    }

    void reshape(const onnx::NodeProto& node)
    {
        allow_attrs(node, {node.op_type() == "Flatten" ? "axis" : "allowzero"});
        const Value& x = input(node, 0);
        const Shape out = static_shape(node, node.output(0));
        Value v = x;
        v.shape = out;
        if (x.stage == Stage::Context) {
            const int64_t dim = x.shape.back() * x.shape[x.shape.size() - 2];
            if (x.head_order != "THD" || out.back() != dim || out.size() + 1 != x.shape.size()) {
                fail(node, "the attention context must be [(1,) tokens, heads, head_dim] (axis order THD) "
                     "reshaped to [(1,) tokens, dim]; got order ", x.head_order, " -> ", shape_str(out));
            }
            v.layout = Layout::Plain;
            return set_output(node, v);
        }
        if (x.stage == Stage::PoolProbs) return set_output(node, v);  // a vector: any view
        if (x.stage != Stage::None) fail(node, "input is ", describe(x), " and cannot be reshaped here");
        require_activation_view(node, x);
        const std::string& name = node.output(0);
        const size_t r = x.shape.size();
        if (x.layout == Layout::Plain) {
            if (out.size() == r + 1 && (r == 2 || (r == 3 && x.shape[0] == 1)) &&
                std::equal(x.shape.begin(), x.shape.end() - 1, out.begin()) && out[r - 1] * out[r] == x.shape[r - 1]) {
                v.layout = Layout::Heads;  // [(1,) T, dim] -> [(1,) T, H, D]: an attention head split
                v.heads = static_cast<int32_t>(out[r - 1]);
                v.head_order = "THD";
                v.head_batch = r == 3;
                return set_output(node, v);
            }
            v.ir = ir_reshape(name, x.ir, to_i32(out));
            return set_output(node, v);
        }
        if (x.layout == Layout::NCHW) {
            const int64_t c = x.shape[1], hw = x.shape[2] * x.shape[3];
            if (out == Shape{1, c, hw} || out == Shape{c, hw}) {
                v.layout = Layout::ChannelsFirst;
                v.ir = ir_reshape(name, x.ir, ir_shape(out, Layout::ChannelsFirst));
                return set_output(node, v);
            }
            if (hw == 1) {
                v.layout = out.size() == 4 ? Layout::NCHW : Layout::Plain;
                v.ir = ir_reshape(name, x.ir, ir_shape(out, v.layout));
                return set_output(node, v);
            }
            fail(node, "reshaping the feature map ", shape_str(x.shape), " to ", shape_str(out),
                 " is not supported (NCHW and NHWC element orders differ); supported: [1, C, H*W] or [C, H*W] "
                 "(then Transpose to tokens), or a flatten after global pooling (H = W = 1)");
        }
        if (x.layout == Layout::ChannelsFirst && out.size() == 4 && out[0] == 1 &&
            out[1] == x.shape[x.shape.size() - 2] && out[2] * out[3] == x.shape.back()) {
            v.layout = Layout::NCHW;
            v.ir = ir_reshape(name, x.ir, ir_shape(out, Layout::NCHW));
            return set_output(node, v);
        }
        fail(node, "reshaping ", shape_str(x.shape), " to ", shape_str(out), " is not supported here; supported: "
             "feature map <-> [1, C, H*W], token sequences, and the canonical attention head split");
    }

    void transpose(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"perm"});
        const Value& x = input(node, 0);
        const size_t r = x.shape.size();
        Shape identity(r);
        for (size_t i = 0; i < r; i++) identity[i] = static_cast<int64_t>(i);
        Shape perm = attr_ints(node, "perm", Shape(identity.rbegin(), identity.rend()));
        Shape sorted = perm;
        std::sort(sorted.begin(), sorted.end());
        if (sorted != identity) fail(node, "perm ", shape_str(perm), " is not a permutation of rank ", r);
        Value v = x;
        v.shape = static_shape(node, node.output(0));
        Shape swap_last = identity;
        if (r >= 2) std::swap(swap_last[r - 1], swap_last[r - 2]);
        if (x.layout == Layout::Heads) {  // includes the attention context
            const size_t first = x.head_batch ? 1 : 0;
            if (x.head_batch && perm[0] != 0) fail(node, "the batch axis must stay first");
            std::string order;
            for (size_t i = first; i < r; i++) order += x.head_order[static_cast<size_t>(perm[i]) - first];
            v.head_order = order;
            return set_output(node, v);
        }
        if (x.stage == Stage::PoolProbs) return set_output(node, v);  // a vector: any view
        if (x.stage != Stage::None) fail(node, "input is ", describe(x), " and cannot be transposed here");
        require_activation_view(node, x);
        if (x.layout == Layout::Plain && r >= 2 && perm == swap_last && product(x.shape, 0, r - 2) == 1) {
            v.layout = Layout::ChannelsFirst;  // [.., T, C] -> [.., C, T]: same memory, viewed channels first
            return set_output(node, v);
        }
        if (x.layout == Layout::ChannelsFirst && perm == swap_last) {
            v.layout = Layout::Plain;
            return set_output(node, v);
        }
        if (x.layout == Layout::NCHW && perm == Shape{0, 2, 3, 1}) {
            v.layout = Layout::Plain;  // NCHW -> NHWC is the IR's memory order
            return set_output(node, v);
        }
        // A permutation that only moves size-1 axes keeps the element order.
        Shape non_unit;
        for (int64_t p : perm) {
            if (x.shape[static_cast<size_t>(p)] != 1) non_unit.push_back(p);
        }
        if (x.layout == Layout::Plain && std::is_sorted(non_unit.begin(), non_unit.end())) {
            v.ir = ir_reshape(node.output(0), x.ir, to_i32(v.shape));
            return set_output(node, v);
        }
        fail(node, "perm ", shape_str(perm), " over ", shape_str(x.shape), " is not supported; supported: "
             "[1, C, T] <-> [1, T, C] (feature map <-> tokens), NCHW -> NHWC, and the canonical attention head "
             "transposes");
    }

    // ---- QLinear ops -------------------------------------------------------------------------------------------
    const Value& qlinear_input(const onnx::NodeProto& node, int i, const QuantParams& q)
    {
        const Value& x = input(node, i);
        if (x.kind != Kind::Int8) fail(node, "input '", node.input(i), "' is ", describe(x), "; supported: int8");
        if (x.ir == kNoTensor && !x.graph_input.empty()) {
            values_[node.input(i)] = bind_input(node, x, q);
        } else if (!same_quant(x.quant, q)) {
            fail(node, "input '", node.input(i), "' is ", quant_str(x.quant), ", the node says ", quant_str(q));
        }
        return values_.at(node.input(i));
    }

    void qlinear_conv(const onnx::NodeProto& node)
    {
        allow_attrs(node, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
        const Value& x = qlinear_input(node, 0, activation_quant(node, 1, 2));
        if (x.layout != Layout::NCHW) fail(node, "input must be an NCHW feature map");
        const QuantParams y = activation_quant(node, 6, 7);
        Value w = quantized_constant(node, 3, 4, 5, 0);
        if (w.shape.size() != 4) fail(node, "weights must be [C_out, C_in/group, KH, KW]");
        // Node inputs are x, x_scale, x_zp, w, ...: conv_pending reads the weights name from input 1, so
        // give it a node view with the weights and bias where Conv has them.
        onnx::NodeProto view = node;
        view.clear_input();
        for (int i : {0, 3, 8}) *view.add_input() = node.input_size() > i ? node.input(i) : "";
        Pending p = conv_pending(view, x, w, 2);
        const Value pv = pending_value(node, std::move(p), Layout::NCHW);
        set_output(node, emit(node, *pv.pending, pv, y));
    }

    void qlinear_matmul(const onnx::NodeProto& node)
    {
        allow_attrs(node, {});
        const Value& x = qlinear_input(node, 0, activation_quant(node, 1, 2));
        if (x.layout != Layout::Plain) fail(node, "input must be a [(1,) tokens, C] sequence");
        const QuantParams y = activation_quant(node, 6, 7);
        Value w = quantized_constant(node, 3, 4, 5, 1);
        if (w.shape.size() != 2) fail(node, "B must be a constant int8 matrix [C_in, C_out]");
        onnx::NodeProto view = node;
        view.clear_input();
        for (int i : {0, 3}) *view.add_input() = node.input(i);
        const Value pv = pending_value(node, fc_pending(view, x, w, true, -1), Layout::Plain);
        set_output(node, emit(node, *pv.pending, pv, y));
    }

    // ---- emission at QuantizeLinear ------------------------------------------------------------------------------
    void require_quant(const onnx::NodeProto& node, const std::string& op_name, const QuantParams& got,
                       const QuantParams& want, const char* why) const
    {
        if (!same_quant(got, want)) {
            fail(node, "quantizing the output of node '", op_name, "' with ", quant_str(got),
                 " is not supported; supported: ", quant_str(want), " (", why, ")");
        }
    }

    Value emit(const onnx::NodeProto& q_node, const Pending& p, const Value& x, const QuantParams& q)
    {
        static const QuantParams probs = QuantParams::per_tensor(1.0f / 256.0f, -128);
        Value out;
        out.kind = Kind::Int8;
        out.shape = x.shape;
        out.layout = x.layout;
        out.quant = q;
        const std::string& name = q_node.output(0);
        auto activation_attrs = [&](OpAttrs attrs) {
            std::visit(
                [&](auto& a) {
                    if constexpr (std::is_same_v<std::decay_t<decltype(a)>, Conv2DAttrs> ||
                                  std::is_same_v<std::decay_t<decltype(a)>, DepthwiseConv2DAttrs> ||
                                  std::is_same_v<std::decay_t<decltype(a)>, FullyConnectedAttrs> ||
                                  std::is_same_v<std::decay_t<decltype(a)>, AddAttrs>) {
                        a.activation = p.activation;
                    }
                },
                attrs);
            return attrs;
        };
        auto simple = [&](OpKind kind) {
            out.ir = new_activation(name, ir_shape(x.shape, x.layout), q);
            graph_.add_op(kind, p.name, p.inputs, {out.ir}, activation_attrs(p.attrs));
        };
        switch (p.op) {
        case PendingOp::Conv: simple(OpKind::Conv2D); break;
        case PendingOp::Depthwise: simple(OpKind::DepthwiseConv2D); break;
        case PendingOp::FullyConnected: simple(OpKind::FullyConnected); break;
        case PendingOp::Add: simple(OpKind::Add); break;
        case PendingOp::LayerNorm: simple(OpKind::LayerNorm); break;
        case PendingOp::MaxPool:
        case PendingOp::AvgPool:
        case PendingOp::GlobalPool:
        case PendingOp::TokenMean: {
            require_quant(q_node, p.name, q, graph_.tensor(p.inputs[0]).quant,
                          "pooling keeps the input's quantization");
            if (p.op == PendingOp::TokenMean) {
                const auto& s = graph_.tensor(p.inputs[0]).shape;
                const int32_t c = s.back();
                const int32_t tokens = static_cast<int32_t>(graph_.tensor(p.inputs[0]).num_elements() / c);
                Pending map = p;
                map.inputs = {ir_reshape(name + ".as_map", p.inputs[0], {1, tokens, 1, c})};
                out.ir = new_activation(name, ir_shape(x.shape, x.layout), q);
                graph_.add_op(OpKind::GlobalAvgPool, p.name, map.inputs, {out.ir}, PoolAttrs{});
                break;
            }
            simple(p.op == PendingOp::MaxPool   ? OpKind::MaxPool2x2
                   : p.op == PendingOp::AvgPool ? OpKind::AvgPool2x2
                                                : OpKind::GlobalAvgPool);
            break;
        }
        case PendingOp::Softmax:
            require_quant(q_node, p.name, q, probs, "softmax outputs are in 1/256 units");
            simple(OpKind::Softmax);
            break;
        case PendingOp::Scores: {
            auto parts = std::make_shared<AttentionParts>(*x.attention);
            parts->scores_quant = q;
            out.stage = Stage::Scores;
            out.attention = parts;
            break;
        }
        case PendingOp::Probs:
        case PendingOp::PoolProbs:
            require_quant(q_node, p.name, q, probs, "softmax outputs are in 1/256 units");
            out.stage = p.op == PendingOp::Probs ? Stage::Probs : Stage::PoolProbs;
            out.attention = x.attention;
            out.logits = x.logits;
            break;
        case PendingOp::Context: return emit_attention(q_node, x, q);
        case PendingOp::SeqPool:
            out.ir = new_activation(name, to_i32(x.shape), q);
            graph_.add_op(OpKind::SeqPool, p.name, p.inputs, {out.ir}, SeqPoolAttrs{});
            break;
        }
        return out;
    }

    const onnx::ModelProto& model_;
    std::string source_;
    std::string node_name_;  // the node being converted
    Graph graph_;
    std::map<std::string, Value> values_;
    std::map<std::string, Shape> shapes_;
    std::map<std::string, TensorId> bound_inputs_;
};

}  // namespace

void check_supported_ops(const onnx::ModelProto& model, const std::string& source)
{
    Converter converter(model, source);
    for (int i = 0; i < model.graph().node_size(); i++) {
        converter.check_supported(model.graph().node(i), i);
    }
}

Graph convert_qdq_model(const onnx::ModelProto& model, const std::string& source)
{
    return Converter(model, source).run();
}

}  // namespace tinyformer::engine::onnx_import
