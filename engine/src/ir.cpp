#include "tinyformer/engine/ir.h"

#include <cstring>
#include <numeric>

#include "tinyformer/engine/error.h"

namespace tinyformer::engine {

const char* to_string(DType dtype)
{
    switch (dtype) {
    case DType::Int8: return "int8";
    case DType::Int16: return "int16";
    case DType::Int32: return "int32";
    case DType::Float32: return "float32";
    }
    return "?";
}

int32_t dtype_size(DType dtype)
{
    switch (dtype) {
    case DType::Int8: return 1;
    case DType::Int16: return 2;
    case DType::Int32: return 4;
    case DType::Float32: return 4;
    }
    return 0;
}

const char* to_string(OpKind kind)
{
    switch (kind) {
    case OpKind::Conv2D: return "Conv2D";
    case OpKind::DepthwiseConv2D: return "DepthwiseConv2D";
    case OpKind::FullyConnected: return "FullyConnected";
    case OpKind::Add: return "Add";
    case OpKind::MaxPool2x2: return "MaxPool2x2";
    case OpKind::AvgPool2x2: return "AvgPool2x2";
    case OpKind::GlobalAvgPool: return "GlobalAvgPool";
    case OpKind::Softmax: return "Softmax";
    case OpKind::LayerNorm: return "LayerNorm";
    case OpKind::SeqPool: return "SeqPool";
    case OpKind::Reshape: return "Reshape";
    case OpKind::Attention: return "Attention";
    }
    return "?";
}

QuantParams QuantParams::per_tensor(float scale, int32_t zero_point)
{
    QuantParams q;
    q.scale = {scale};
    q.zero_point = {zero_point};
    return q;
}

QuantParams QuantParams::per_channel(std::vector<float> scales, int32_t axis)
{
    QuantParams q;
    q.zero_point.assign(scales.size(), 0);
    q.scale = std::move(scales);
    q.axis = axis;
    return q;
}

int64_t Tensor::num_elements() const
{
    return std::accumulate(shape.begin(), shape.end(), int64_t{1}, [](int64_t a, int32_t b) { return a * b; });
}

namespace {

template <typename T>
std::vector<T> typed_values(const Tensor& t, DType want)
{
    TF_CHECK(t.is_constant, "tensor '", t.name, "' is not a constant");
    TF_CHECK(t.dtype == want, "tensor '", t.name, "' is ", to_string(t.dtype), ", expected ", to_string(want));
    std::vector<T> out(static_cast<size_t>(t.num_elements()));
    TF_INTERNAL_ASSERT(t.data.size() == out.size() * sizeof(T));
    if (!out.empty()) {
        std::memcpy(out.data(), t.data.data(), t.data.size());
    }
    return out;
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values)
{
    std::vector<uint8_t> out(values.size() * sizeof(T));
    if (!values.empty()) {
        std::memcpy(out.data(), values.data(), out.size());
    }
    return out;
}

std::string shape_str(const std::vector<int32_t>& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); i++) {
        s += (i ? "x" : "") + std::to_string(shape[i]);
    }
    return s + "]";
}

}  // namespace

std::vector<int8_t> Tensor::values_s8() const { return typed_values<int8_t>(*this, DType::Int8); }
std::vector<int32_t> Tensor::values_s32() const { return typed_values<int32_t>(*this, DType::Int32); }
std::vector<float> Tensor::values_f32() const { return typed_values<float>(*this, DType::Float32); }

TensorId Graph::add_tensor(Tensor tensor)
{
    TF_CHECK(!tensor.shape.empty(), "tensor '", tensor.name, "': shape must have at least one dimension");
    for (int32_t d : tensor.shape) {
        TF_CHECK(d > 0, "tensor '", tensor.name, "': dimension ", d, " in shape ", shape_str(tensor.shape),
                 " must be positive");
    }
    if (tensor.is_constant) {
        TF_CHECK(static_cast<int64_t>(tensor.data.size()) == tensor.num_bytes(), "tensor '", tensor.name, "': ",
                 tensor.data.size(), " bytes of data for shape ", shape_str(tensor.shape), " of ",
                 to_string(tensor.dtype), " (", tensor.num_bytes(), " bytes expected)");
    }
    tensors_.push_back(std::move(tensor));
    return static_cast<TensorId>(tensors_.size() - 1);
}

TensorId Graph::add_activation(std::string name, std::vector<int32_t> shape, QuantParams quant)
{
    TF_CHECK(quant.is_per_tensor(), "activation '", name, "': quantization must be per tensor");
    TF_CHECK(quant.zero_point[0] >= -128 && quant.zero_point[0] <= 127, "activation '", name, "': zero point ",
             quant.zero_point[0], " is outside [-128, 127]");
    TF_CHECK(quant.scale[0] > 0.0f, "activation '", name, "': scale ", quant.scale[0], " must be positive");
    Tensor t;
    t.name = std::move(name);
    t.shape = std::move(shape);
    t.quant = std::move(quant);
    return add_tensor(std::move(t));
}

TensorId Graph::add_constant_s8(std::string name, std::vector<int32_t> shape, const std::vector<int8_t>& values,
                                QuantParams quant)
{
    Tensor t{std::move(name), std::move(shape), DType::Int8, std::move(quant), true, bytes_of(values)};
    return add_tensor(std::move(t));
}

TensorId Graph::add_constant_s32(std::string name, std::vector<int32_t> shape, const std::vector<int32_t>& values,
                                 QuantParams quant)
{
    Tensor t{std::move(name), std::move(shape), DType::Int32, std::move(quant), true, bytes_of(values)};
    return add_tensor(std::move(t));
}

TensorId Graph::add_constant_f32(std::string name, std::vector<int32_t> shape, const std::vector<float>& values)
{
    Tensor t{std::move(name), std::move(shape), DType::Float32, QuantParams{}, true, bytes_of(values)};
    return add_tensor(std::move(t));
}

OpId Graph::add_op(OpKind kind, std::string name, std::vector<TensorId> inputs, std::vector<TensorId> outputs,
                   OpAttrs attrs)
{
    for (TensorId id : inputs) {
        TF_CHECK(id == kNoTensor || (id >= 0 && id < static_cast<TensorId>(tensors_.size())), "op '", name,
                 "': input tensor id ", id, " does not exist");
    }
    for (TensorId id : outputs) {
        TF_CHECK(id >= 0 && id < static_cast<TensorId>(tensors_.size()), "op '", name, "': output tensor id ", id,
                 " does not exist");
    }
    ops_.push_back(Op{kind, std::move(name), std::move(inputs), std::move(outputs), std::move(attrs)});
    return static_cast<OpId>(ops_.size() - 1);
}

const Tensor& Graph::tensor(TensorId id) const
{
    TF_CHECK(id >= 0 && id < static_cast<TensorId>(tensors_.size()), "tensor id ", id, " does not exist");
    return tensors_[static_cast<size_t>(id)];
}

Tensor& Graph::tensor(TensorId id)
{
    TF_CHECK(id >= 0 && id < static_cast<TensorId>(tensors_.size()), "tensor id ", id, " does not exist");
    return tensors_[static_cast<size_t>(id)];
}

const Op& Graph::op(OpId id) const
{
    TF_CHECK(id >= 0 && id < static_cast<OpId>(ops_.size()), "op id ", id, " does not exist");
    return ops_[static_cast<size_t>(id)];
}

namespace {

// Per-op shape rules. Each throws Error naming the op.
class OpChecker {
public:
    OpChecker(const Graph& g, const Op& op) : g_(g), op_(op) {}

    void check() const
    {
        switch (op_.kind) {
        case OpKind::Conv2D: check_conv(); break;
        case OpKind::DepthwiseConv2D: check_depthwise(); break;
        case OpKind::FullyConnected: check_fc(); break;
        case OpKind::Add: check_add(); break;
        case OpKind::MaxPool2x2:
        case OpKind::AvgPool2x2: check_pool2x2(); break;
        case OpKind::GlobalAvgPool: check_global_pool(); break;
        case OpKind::Softmax: check_softmax(); break;
        case OpKind::LayerNorm: check_layernorm(); break;
        case OpKind::SeqPool: check_seqpool(); break;
        case OpKind::Reshape: check_reshape(); break;
        case OpKind::Attention: check_attention(); break;
        }
    }

private:
    template <typename... Args>
    void require(bool cond, Args&&... parts) const
    {
        TF_CHECK(cond, to_string(op_.kind), " '", op_.name, "': ", std::forward<Args>(parts)...);
    }

    void arity(size_t min_in, size_t max_in, size_t out) const
    {
        require(op_.inputs.size() >= min_in && op_.inputs.size() <= max_in, "has ", op_.inputs.size(),
                " inputs, expected ", min_in, (min_in == max_in ? "" : " to " + std::to_string(max_in)));
        require(op_.outputs.size() == out, "has ", op_.outputs.size(), " outputs, expected ", out);
        for (size_t i = 0; i < min_in; i++) {
            require(op_.inputs[i] != kNoTensor, "input ", i, " is required");
        }
    }

    const Tensor& in(size_t i) const { return g_.tensor(op_.inputs[i]); }
    const Tensor& out(size_t i = 0) const { return g_.tensor(op_.outputs[i]); }
    bool has_input(size_t i) const { return op_.inputs.size() > i && op_.inputs[i] != kNoTensor; }

    void activation(const Tensor& t, size_t rank_min, size_t rank_max) const
    {
        require(!t.is_constant && t.dtype == DType::Int8, "tensor '", t.name, "' must be an int8 activation, is ",
                to_string(t.dtype), t.is_constant ? " constant" : "");
        require(t.shape.size() >= rank_min && t.shape.size() <= rank_max, "tensor '", t.name, "' has shape ",
                shape_str(t.shape), ", expected rank ", rank_min, (rank_min == rank_max ? "" : "+"));
        require(t.quant.is_per_tensor(), "tensor '", t.name, "' must be quantized per tensor");
    }

    void weights(const Tensor& w, int32_t channels) const
    {
        require(w.is_constant && w.dtype == DType::Int8, "weights '", w.name, "' must be a constant int8 tensor");
        require(w.quant.scale.size() == 1 || static_cast<int32_t>(w.quant.scale.size()) == channels, "weights '",
                w.name, "' have ", w.quant.scale.size(), " scales, expected 1 or ", channels);
        for (int32_t zp : w.quant.zero_point) {
            require(zp == 0, "weights '", w.name, "' must be symmetric (zero point 0), has ", zp);
        }
    }

    void bias(int32_t channels) const
    {
        if (!has_input(2)) {
            return;
        }
        const Tensor& b = in(2);
        require(b.is_constant && b.dtype == DType::Int32 && b.num_elements() == channels, "bias '", b.name,
                "' must be a constant int32 tensor of ", channels, " values, is ", to_string(b.dtype), " ",
                shape_str(b.shape));
    }

    void check_conv() const
    {
        arity(2, 3, 1);
        const Tensor& x = in(0);
        const Tensor& w = in(1);
        activation(x, 4, 4);
        activation(out(), 4, 4);
        require(w.shape.size() == 4, "weights '", w.name, "' have shape ", shape_str(w.shape),
                ", expected [C_out, KH, KW, C_in]");
        weights(w, w.shape[0]);
        bias(w.shape[0]);
        const auto& a = std::get<Conv2DAttrs>(op_.attrs);
        require(a.stride_h >= 1 && a.stride_w >= 1, "strides must be >= 1");
        require(a.pad_top >= 0 && a.pad_left >= 0 && a.pad_bottom >= 0 && a.pad_right >= 0, "pads must be >= 0");
        require(w.shape[3] == x.shape[3], "weights '", w.name, "' expect ", w.shape[3], " input channels, input '",
                x.name, "' has ", x.shape[3]);
        const int32_t ho = (x.shape[1] + a.pad_top + a.pad_bottom - w.shape[1]) / a.stride_h + 1;
        const int32_t wo = (x.shape[2] + a.pad_left + a.pad_right - w.shape[2]) / a.stride_w + 1;
        const std::vector<int32_t> want{x.shape[0], ho, wo, w.shape[0]};
        require(out().shape == want, "output shape ", shape_str(out().shape), " should be ", shape_str(want));
    }

    void check_depthwise() const
    {
        arity(2, 3, 1);
        const Tensor& x = in(0);
        const Tensor& w = in(1);
        activation(x, 4, 4);
        activation(out(), 4, 4);
        const int32_t c = x.shape[3];
        require(w.shape == std::vector<int32_t>{3, 3, c}, "weights '", w.name, "' have shape ", shape_str(w.shape),
                ", expected [3x3x", c, "]");
        weights(w, c);
        bias(c);
        const auto& a = std::get<DepthwiseConv2DAttrs>(op_.attrs);
        require(a.stride == 1 || a.stride == 2, "stride ", a.stride, " is not supported (allowed: 1, 2)");
        require(a.pad >= 0 && a.pad <= 2, "pad ", a.pad, " is not supported (allowed: 0 to 2)");
        const int32_t ho = (x.shape[1] + 2 * a.pad - 3) / a.stride + 1;
        const int32_t wo = (x.shape[2] + 2 * a.pad - 3) / a.stride + 1;
        const std::vector<int32_t> want{x.shape[0], ho, wo, c};
        require(out().shape == want, "output shape ", shape_str(out().shape), " should be ", shape_str(want));
    }

    void check_fc() const
    {
        arity(2, 3, 1);
        const Tensor& x = in(0);
        const Tensor& w = in(1);
        activation(x, 1, 4);
        activation(out(), 1, 4);
        require(w.shape.size() == 2, "weights '", w.name, "' have shape ", shape_str(w.shape),
                ", expected [C_out, C_in]");
        weights(w, w.shape[0]);
        bias(w.shape[0]);
        require(x.shape.back() == w.shape[1], "input '", x.name, "' has ", x.shape.back(),
                " features, weights expect ", w.shape[1]);
        std::vector<int32_t> want = x.shape;
        want.back() = w.shape[0];
        require(out().shape == want, "output shape ", shape_str(out().shape), " should be ", shape_str(want));
    }

    void check_add() const
    {
        arity(2, 2, 1);
        activation(in(0), 1, 4);
        activation(in(1), 1, 4);
        activation(out(), 1, 4);
        require(in(0).shape == in(1).shape && in(0).shape == out().shape, "shapes ", shape_str(in(0).shape), ", ",
                shape_str(in(1).shape), " -> ", shape_str(out().shape), " must all be equal (no broadcasting)");
    }

    void same_quant(const Tensor& a, const Tensor& b) const
    {
        require(a.quant.scale == b.quant.scale && a.quant.zero_point == b.quant.zero_point, "input '", a.name,
                "' and output '", b.name, "' must share scale and zero point");
    }

    void check_pool2x2() const
    {
        arity(1, 1, 1);
        activation(in(0), 4, 4);
        activation(out(), 4, 4);
        const auto& s = in(0).shape;
        const std::vector<int32_t> want{s[0], s[1] / 2, s[2] / 2, s[3]};
        require(s[1] >= 2 && s[2] >= 2, "input ", shape_str(s), " is smaller than the 2x2 window");
        require(out().shape == want, "output shape ", shape_str(out().shape), " should be ", shape_str(want));
        same_quant(in(0), out());
    }

    void check_global_pool() const
    {
        arity(1, 1, 1);
        activation(in(0), 4, 4);
        activation(out(), 2, 4);
        const auto& s = in(0).shape;
        require(out().num_elements() == s[0] * s[3] && out().shape.back() == s[3], "output shape ",
                shape_str(out().shape), " should hold ", s[0], " x ", s[3], " values");
        same_quant(in(0), out());
    }

    void check_softmax() const
    {
        arity(1, 1, 1);
        activation(in(0), 1, 4);
        activation(out(), 1, 4);
        require(in(0).shape == out().shape, "output shape must equal the input shape");
        require(out().quant.scale[0] == 1.0f / 256.0f && out().quant.zero_point[0] == -128,
                "output must be quantized with scale 1/256 and zero point -128");
    }

    void check_layernorm() const
    {
        arity(3, 3, 1);
        activation(in(0), 1, 4);
        activation(out(), 1, 4);
        const int32_t c = in(0).shape.back();
        for (size_t i = 1; i <= 2; i++) {
            require(in(i).is_constant && in(i).dtype == DType::Float32 && in(i).num_elements() == c,
                    i == 1 ? "gamma" : "beta", " '", in(i).name, "' must be a float constant of ", c, " values");
        }
        require(in(0).shape == out().shape, "output shape must equal the input shape");
    }

    void check_seqpool() const
    {
        arity(2, 2, 1);
        activation(in(0), 2, 4);
        activation(in(1), 1, 4);
        activation(out(), 1, 4);
        const int32_t c = in(0).shape.back();
        const int64_t tokens = in(0).num_elements() / c;
        require(in(1).num_elements() == tokens, "logits '", in(1).name, "' have ", in(1).num_elements(),
                " values, expected one per token (", tokens, ")");
        require(out().num_elements() == c, "output holds ", out().num_elements(), " values, expected ", c);
    }

    void check_reshape() const
    {
        arity(1, 1, 1);
        activation(in(0), 1, 4);
        activation(out(), 1, 4);
        require(in(0).num_elements() == out().num_elements(), "element count changes from ", in(0).num_elements(),
                " to ", out().num_elements());
        same_quant(in(0), out());
    }

    void check_attention() const
    {
        arity(3, 3, 1);
        for (size_t i = 0; i < 3; i++) {
            activation(in(i), 2, 4);
            require(in(i).shape == in(0).shape, "q, k and v must have the same shape");
        }
        activation(out(), 2, 4);
        require(out().shape == in(0).shape, "output shape must equal the input shape");
        const auto& a = std::get<AttentionAttrs>(op_.attrs);
        const int32_t dim = in(0).shape.back();
        require(a.heads >= 1 && dim % a.heads == 0, "heads ", a.heads, " must divide the dimension ", dim);
        require(a.scores_quant.is_per_tensor() && a.scores_quant.scale[0] > 0.0f,
                "scores quantization must be per tensor with a positive scale");
    }

    const Graph& g_;
    const Op& op_;
};

bool attrs_match(const Op& op)
{
    switch (op.kind) {
    case OpKind::Conv2D: return std::holds_alternative<Conv2DAttrs>(op.attrs);
    case OpKind::DepthwiseConv2D: return std::holds_alternative<DepthwiseConv2DAttrs>(op.attrs);
    case OpKind::FullyConnected: return std::holds_alternative<FullyConnectedAttrs>(op.attrs);
    case OpKind::Add: return std::holds_alternative<AddAttrs>(op.attrs);
    case OpKind::MaxPool2x2:
    case OpKind::AvgPool2x2:
    case OpKind::GlobalAvgPool: return std::holds_alternative<PoolAttrs>(op.attrs);
    case OpKind::Softmax: return std::holds_alternative<SoftmaxAttrs>(op.attrs);
    case OpKind::LayerNorm: return std::holds_alternative<LayerNormAttrs>(op.attrs);
    case OpKind::SeqPool: return std::holds_alternative<SeqPoolAttrs>(op.attrs);
    case OpKind::Reshape: return std::holds_alternative<ReshapeAttrs>(op.attrs);
    case OpKind::Attention: return std::holds_alternative<AttentionAttrs>(op.attrs);
    }
    return false;
}

}  // namespace

void Graph::validate() const
{
    TF_CHECK(!inputs.empty(), "graph has no inputs");
    TF_CHECK(!outputs.empty(), "graph has no outputs");
    std::vector<char> ready(tensors_.size(), 0);
    for (size_t i = 0; i < tensors_.size(); i++) {
        ready[i] = tensors_[i].is_constant ? 1 : 0;
    }
    for (TensorId id : inputs) {
        const Tensor& t = tensor(id);
        TF_CHECK(!t.is_constant, "graph input '", t.name, "' is a constant");
        ready[static_cast<size_t>(id)] = 1;
    }
    for (const Op& op : ops_) {
        TF_CHECK(attrs_match(op), to_string(op.kind), " '", op.name, "': attributes of the wrong kind");
        for (TensorId id : op.inputs) {
            if (id != kNoTensor) {
                TF_CHECK(ready[static_cast<size_t>(id)], to_string(op.kind), " '", op.name, "': input '",
                         tensor(id).name, "' is not computed before this op (ops must be in execution order)");
            }
        }
        OpChecker(*this, op).check();
        for (TensorId id : op.outputs) {
            TF_CHECK(!ready[static_cast<size_t>(id)], to_string(op.kind), " '", op.name, "': output '",
                     tensor(id).name, "' is already produced by another op, is a graph input or a constant");
            ready[static_cast<size_t>(id)] = 1;
        }
    }
    for (TensorId id : outputs) {
        TF_CHECK(ready[static_cast<size_t>(id)], "graph output '", tensor(id).name, "' is never computed");
    }
}

std::vector<Graph::Lifetime> Graph::lifetimes() const
{
    std::vector<Lifetime> life(tensors_.size());
    for (TensorId id : inputs) {
        life[static_cast<size_t>(id)] = {0, 0};
    }
    for (size_t step = 0; step < ops_.size(); step++) {
        const int32_t s = static_cast<int32_t>(step);
        for (TensorId id : ops_[step].outputs) {
            life[static_cast<size_t>(id)] = {s, s};
        }
        for (TensorId id : ops_[step].inputs) {
            if (id != kNoTensor && !tensors_[static_cast<size_t>(id)].is_constant) {
                Lifetime& l = life[static_cast<size_t>(id)];
                l.last_step = s > l.last_step ? s : l.last_step;
            }
        }
    }
    const int32_t last = ops_.empty() ? 0 : static_cast<int32_t>(ops_.size()) - 1;
    for (TensorId id : outputs) {
        life[static_cast<size_t>(id)].last_step = last;
    }
    return life;
}

}  // namespace tinyformer::engine
