// Graph -> CompiledModel: kernel choice, integer parameters, constants, arena plan.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/quantize_multiplier.h"
#include "tinyformer/engine/sparse_codec.h"

namespace tinyformer::engine {

int64_t CompiledModel::constant_bytes() const
{
    int64_t total = 0;
    for (const ConstantArray& a : arrays) {
        total += static_cast<int64_t>(a.bytes.size());
    }
    return total;
}

int64_t CompiledModel::total_macs() const
{
    int64_t total = 0;
    for (const Layer& l : layers) {
        total += l.macs;
    }
    return total;
}

namespace {

std::string c_identifier(const std::string& name)
{
    std::string out;
    for (char ch : name) {
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        out += ok ? ch : '_';
    }
    return out;
}

template <typename T>
std::vector<uint8_t> to_bytes(const std::vector<T>& values)
{
    std::vector<uint8_t> out(values.size() * sizeof(T));
    if (!values.empty()) {
        std::memcpy(out.data(), values.data(), out.size());
    }
    return out;
}

se_dims dims4(const std::vector<int32_t>& s)
{
    TF_INTERNAL_ASSERT(s.size() == 4);
    return se_dims{s[0], s[1], s[2], s[3]};
}

float scale_of(const Tensor& t) { return t.quant.scale.at(0); }
int32_t zp_of(const Tensor& t) { return t.quant.zero_point.at(0); }

se_activation clamp_for(Activation act, const Tensor& out)
{
    const int32_t zp = zp_of(out);
    switch (act) {
    case Activation::None: return {-128, 127};
    case Activation::Relu: return {std::max(zp, -128), 127};
    case Activation::Relu6: {
        const long top = zp + std::lround(6.0 / static_cast<double>(scale_of(out)));
        return {std::max(zp, -128), static_cast<int32_t>(std::min<long>(top, 127))};
    }
    }
    return {-128, 127};
}

class Lowering {
public:
    Lowering(const Graph& g, const CompileOptions& o) : g_(g), opts_(o), buffer_of_(g.tensors().size(), kNone) {}

    CompiledModel run()
    {
        g_.validate();
        TF_CHECK(g_.inputs.size() == 1 && g_.outputs.size() == 1, "the engine supports models with one input and ",
                 "one output; this graph has ", g_.inputs.size(), " inputs and ", g_.outputs.size(), " outputs");
        const Tensor& in = g_.tensor(g_.inputs[0]);
        m_.input = buffer_for(g_.inputs[0]);
        m_.input_shape = in.shape;
        m_.input_scale = scale_of(in);
        m_.input_zero_point = zp_of(in);
        for (const Op& op : g_.ops()) {
            lower(op);
        }
        const Tensor& out = g_.tensor(g_.outputs[0]);
        m_.output = buffer_for(g_.outputs[0]);
        m_.output_shape = out.shape;
        m_.output_scale = scale_of(out);
        m_.output_zero_point = zp_of(out);
        finish_lifetimes();
        BestPlan best = plan_best(m_.buffers);
        m_.plan = std::move(best.plan);
        m_.plan_report = std::move(best.report);
        return std::move(m_);
    }

private:
    // ---- buffers -------------------------------------------------------
    BufferId buffer_for(TensorId t)
    {
        BufferId& b = buffer_of_[static_cast<size_t>(t)];
        if (b == kNone) {
            const Tensor& tensor = g_.tensor(t);
            BufferRequest r;
            r.name = tensor.name;
            r.size = tensor.num_bytes();
            r.first_step = step();
            r.last_step = step();
            m_.buffers.push_back(r);
            b = static_cast<BufferId>(m_.buffers.size() - 1);
        }
        return b;
    }

    int32_t step() const { return static_cast<int32_t>(m_.layers.size()); }

    void use(BufferId b)
    {
        BufferRequest& r = m_.buffers[static_cast<size_t>(b)];
        r.last_step = std::max(r.last_step, step());
    }

    void finish_lifetimes()
    {
        const int32_t last = std::max<int32_t>(0, step() - 1);
        m_.buffers[static_cast<size_t>(m_.output)].last_step = last;
        for (BufferRequest& r : m_.buffers) {
            r.first_step = std::min(r.first_step, last);
            r.last_step = std::min(std::max(r.last_step, r.first_step), last);
        }
    }

    // Adds a layer reading `inputs` (IR tensors) and writing `output`.
    Layer& add_layer(const Op& op, LayerCall call, const std::vector<TensorId>& inputs, TensorId output,
                     int64_t scratch_bytes, int64_t macs)
    {
        Layer l;
        l.name = op.name;
        l.op = op.kind;
        l.call = std::move(call);
        for (TensorId t : inputs) {
            const BufferId b = buffer_for(t);
            use(b);
            l.inputs.push_back(b);
        }
        l.output = buffer_for(output);
        BufferRequest& out = m_.buffers[static_cast<size_t>(l.output)];
        out.first_step = step();
        out.last_step = std::max(out.last_step, step());
        out.input_buffer = l.inputs.empty() ? -1 : l.inputs[0];
        if (scratch_bytes > 0) {
            BufferRequest r;
            r.name = c_identifier(op.name) + "_scratch";
            r.size = scratch_bytes;
            r.first_step = r.last_step = step();
            r.is_scratch = true;
            m_.buffers.push_back(r);
            l.scratch = static_cast<BufferId>(m_.buffers.size() - 1);
        }
        l.scratch_bytes = scratch_bytes;
        l.macs = macs;
        l.weight_bytes = pending_weight_bytes_;
        pending_weight_bytes_ = 0;
        m_.layers.push_back(std::move(l));
        return m_.layers.back();
    }

    // ---- constants -----------------------------------------------------
    ArrayId add_array(const Op& op, const char* what, DType dtype, std::vector<uint8_t> bytes)
    {
        ConstantArray a;
        a.name = "L" + std::to_string(step()) + "_" + c_identifier(op.name) + "_" + what;
        a.dtype = dtype;
        a.bytes = std::move(bytes);
        pending_weight_bytes_ += static_cast<int64_t>(a.bytes.size());
        m_.arrays.push_back(std::move(a));
        return static_cast<ArrayId>(m_.arrays.size() - 1);
    }

    // Per-output-channel requantization of an op reading x with weights w into y.
    void per_channel_quant(const Op& op, const Tensor& x, const Tensor& w, const Tensor& y, int32_t channels,
                           ArrayId* multipliers, ArrayId* shifts)
    {
        std::vector<int32_t> mult(static_cast<size_t>(channels)), shift(static_cast<size_t>(channels));
        for (int32_t c = 0; c < channels; c++) {
            const double sw = w.quant.scale.size() == 1 ? w.quant.scale[0] : w.quant.scale[static_cast<size_t>(c)];
            const std::string what = op.name + " output multiplier of channel " + std::to_string(c);
            const se_quant q = quantize_multiplier(static_cast<double>(scale_of(x)) * sw / scale_of(y), what.c_str());
            mult[static_cast<size_t>(c)] = q.multiplier;
            shift[static_cast<size_t>(c)] = q.shift;
        }
        *multipliers = add_array(op, "multipliers", DType::Int32, to_bytes(mult));
        *shifts = add_array(op, "shifts", DType::Int32, to_bytes(shift));
    }

    ArrayId bias_array(const Op& op, int32_t channels)
    {
        if (op.inputs.size() > 2 && op.inputs[2] != kNoTensor) {
            return add_array(op, "bias", DType::Int32, g_.tensor(op.inputs[2]).data);
        }
        return add_array(op, "bias", DType::Int32, to_bytes(std::vector<int32_t>(static_cast<size_t>(channels), 0)));
    }

    // A way to code a layer's weights: a block size and the weight matrix in
    // the sparse kernel's row order for it.
    struct WeightCoding {
        int32_t block;
        std::vector<int8_t> order;
    };

    // Dense weights, or the coded stream of the candidate coding that is
    // smallest, when it is smaller than dense (SparseCodec's self-adaptive
    // choice).
    LayerWeights layer_weights(const Op& op, const Tensor& w, const std::vector<WeightCoding>& codings, int32_t rows,
                               int32_t row_len)
    {
        LayerWeights lw;
        EncodedWeights best;
        for (const WeightCoding& coding : codings) {
            if (!opts_.allow_sparse || row_len % coding.block != 0) {
                continue;
            }
            EncodedWeights e = SparseCodec::encode(coding.order.data(), rows, row_len, coding.block);
            if (e.format == WeightFormat::BlockSparse &&
                (best.format != WeightFormat::BlockSparse || e.bytes.size() < best.bytes.size())) {
                best = std::move(e);
            }
        }
        if (best.format == WeightFormat::BlockSparse) {
            lw.sparse = true;
            lw.block = best.block;
            lw.entries = best.entries;
            lw.array = add_array(op, "stream", DType::Int8, best.bytes);
            std::vector<int32_t> table(static_cast<size_t>(se_sparse_row_table_size(rows) / 4));
            se_sparse_weights sw{best.bytes.data(), static_cast<int32_t>(best.bytes.size()), best.entries, best.block,
                                 nullptr};
            const se_status st = se_sparse_prepare_s8(&sw, rows, row_len, table.data());
            TF_INTERNAL_ASSERT(st == SE_OK);
            lw.row_table = add_array(op, "row_table", DType::Int32, to_bytes(table));
            return lw;
        }
        lw.array = add_array(op, "weights", DType::Int8, w.data);
        return lw;
    }

    // The block sizes to try: the one the op was pruned with, or (for weights of
    // unknown structure, e.g. imported from ONNX) every block the kernel runs fast.
    std::vector<int32_t> candidate_blocks(const SparsityInfo& sparsity, bool width3) const
    {
        if (sparsity.block > 0) {
            return {sparsity.block};
        }
        if (!opts_.detect_sparsity) {
            return {};
        }
        return width3 ? std::vector<int32_t>{4, 2, 3} : std::vector<int32_t>{4, 2};
    }

    static se_sparse_weights sparse_view(const LayerWeights& lw)
    {
        return se_sparse_weights{nullptr, lw.entries * (1 + lw.block), lw.entries, lw.block, nullptr};
    }

    static int32_t scratch_max(int32_t a, int32_t b)
    {
        TF_INTERNAL_ASSERT(a >= 0 && b >= 0);
        return std::max(a, b);
    }

    // ---- ops -----------------------------------------------------------
    void lower(const Op& op)
    {
        switch (op.kind) {
        case OpKind::Conv2D: lower_conv(op); break;
        case OpKind::DepthwiseConv2D: lower_depthwise(op); break;
        case OpKind::FullyConnected: lower_fc(op); break;
        case OpKind::Add: lower_add(op); break;
        case OpKind::MaxPool2x2:
        case OpKind::AvgPool2x2:
        case OpKind::GlobalAvgPool: lower_pool(op); break;
        case OpKind::Softmax: lower_softmax(op); break;
        case OpKind::SeqPool: lower_seqpool(op); break;
        case OpKind::Reshape: lower_reshape(op); break;
        case OpKind::Attention: lower_attention(op); break;
        case OpKind::LayerNorm: lower_layernorm(op); break;
        }
    }

    void lower_conv(const Op& op)
    {
        const Tensor& x = g_.tensor(op.inputs[0]);
        const Tensor& w = g_.tensor(op.inputs[1]);
        const Tensor& y = g_.tensor(op.outputs[0]);
        const auto& a = std::get<Conv2DAttrs>(op.attrs);
        ConvCall c;
        c.input = dims4(x.shape);
        c.filter = dims4(w.shape);
        c.output = dims4(y.shape);
        c.params.input_zp = zp_of(x);
        c.params.output_zp = zp_of(y);
        c.params.stride_h = a.stride_h;
        c.params.stride_w = a.stride_w;
        c.params.pad_h = a.pad_top;
        c.params.pad_w = a.pad_left;
        c.params.act = clamp_for(a.activation, y);
        const bool pointwise = c.filter.h == 1 && c.filter.w == 1 && a.stride_h == 1 && a.stride_w == 1 &&
                               a.pad_top == 0 && a.pad_left == 0 && a.pad_bottom == 0 && a.pad_right == 0;
        c.kernel = pointwise ? ConvCall::Kernel::Conv1x1 : ConvCall::Kernel::Conv2D;
        // Blocks 2 and 4 run along C_in ([C_out, KH, KW, C_in] as stored); block 3
        // along the kernel width: code [C_out, KH, C_in, KW].
        std::vector<WeightCoding> codings;
        for (int32_t block : candidate_blocks(a.sparsity, c.filter.w == 3)) {
            std::vector<int8_t> order = w.values_s8();
            if (block == 3) {
                TF_CHECK(c.filter.w == 3, "Conv2D '", op.name, "': block 3 runs along a kernel width of 3, this kernel is ",
                         c.filter.h, "x", c.filter.w);
                const std::vector<int8_t> ohwi = order;
                for (int32_t o = 0; o < c.filter.n; o++) {
                    for (int32_t ky = 0; ky < c.filter.h; ky++) {
                        for (int32_t kx = 0; kx < 3; kx++) {
                            for (int32_t ci = 0; ci < c.filter.c; ci++) {
                                order[static_cast<size_t>(((o * c.filter.h + ky) * c.filter.c + ci) * 3 + kx)] =
                                    ohwi[static_cast<size_t>(((o * c.filter.h + ky) * 3 + kx) * c.filter.c + ci)];
                            }
                        }
                    }
                }
            }
            codings.push_back({block, std::move(order)});
        }
        c.weights = layer_weights(op, w, codings, c.filter.n, c.filter.h * c.filter.w * c.filter.c);
        c.bias = bias_array(op, c.filter.n);
        per_channel_quant(op, x, w, y, c.filter.n, &c.multipliers, &c.shifts);
        int32_t scratch = 0;
        if (c.weights.sparse) {
            const se_sparse_weights sw = sparse_view(c.weights);
            scratch = pointwise
                          ? scratch_max(se_sparse_conv1x1_s8_ref_get_buffer_size(&c.input, &c.filter, &sw),
                                        se_sparse_conv1x1_s8_dsp_get_buffer_size(&c.input, &c.filter, &sw))
                          : scratch_max(se_sparse_conv2d_s8_ref_get_buffer_size(&c.input, &c.filter, &sw),
                                        se_sparse_conv2d_s8_dsp_get_buffer_size(&c.input, &c.filter, &sw));
        } else {
            scratch = pointwise ? scratch_max(se_conv1x1_s8_ref_get_buffer_size(&c.input),
                                              se_conv1x1_s8_dsp_get_buffer_size(&c.input))
                                : scratch_max(se_conv2d_s8_ref_get_buffer_size(&c.input, &c.filter),
                                              se_conv2d_s8_dsp_get_buffer_size(&c.input, &c.filter));
        }
        const int64_t macs = int64_t{c.output.n} * c.output.h * c.output.w * c.output.c * c.filter.h * c.filter.w *
                             c.filter.c;
        add_layer(op, c, {op.inputs[0]}, op.outputs[0], scratch, macs);
    }

    void lower_depthwise(const Op& op)
    {
        const Tensor& x = g_.tensor(op.inputs[0]);
        const Tensor& w = g_.tensor(op.inputs[1]);
        const Tensor& y = g_.tensor(op.outputs[0]);
        const auto& a = std::get<DepthwiseConv2DAttrs>(op.attrs);
        ConvCall c;
        c.kernel = ConvCall::Kernel::Depthwise3x3;
        c.input = dims4(x.shape);
        c.filter = se_dims{1, 3, 3, x.shape[3]};
        c.output = dims4(y.shape);
        c.params.input_zp = zp_of(x);
        c.params.output_zp = zp_of(y);
        c.params.stride_h = c.params.stride_w = a.stride;
        c.params.pad_h = c.params.pad_w = a.pad;
        c.params.act = clamp_for(a.activation, y);
        c.weights.array = add_array(op, "weights", DType::Int8, w.data);
        c.bias = bias_array(op, c.filter.c);
        per_channel_quant(op, x, w, y, c.filter.c, &c.multipliers, &c.shifts);
        const int32_t scratch = scratch_max(se_depthwise_conv3x3_s8_ref_get_buffer_size(&c.input),
                                            se_depthwise_conv3x3_s8_dsp_get_buffer_size(&c.input));
        const int64_t macs = int64_t{c.output.n} * c.output.h * c.output.w * c.output.c * 9;
        add_layer(op, c, {op.inputs[0]}, op.outputs[0], scratch, macs);
    }

    void lower_fc(const Op& op)
    {
        const Tensor& x = g_.tensor(op.inputs[0]);
        const Tensor& w = g_.tensor(op.inputs[1]);
        const Tensor& y = g_.tensor(op.outputs[0]);
        const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
        FullyConnectedCall c;
        c.dims.in_features = w.shape[1];
        c.dims.out_features = w.shape[0];
        c.dims.tokens = static_cast<int32_t>(x.num_elements() / c.dims.in_features);
        c.params.input_zp = zp_of(x);
        c.params.output_zp = zp_of(y);
        c.params.act = clamp_for(a.activation, y);
        std::vector<WeightCoding> codings;
        for (int32_t block : candidate_blocks(a.sparsity, false)) {
            codings.push_back({block, w.values_s8()});
        }
        c.weights = layer_weights(op, w, codings, c.dims.out_features, c.dims.in_features);
        c.bias = bias_array(op, c.dims.out_features);
        per_channel_quant(op, x, w, y, c.dims.out_features, &c.multipliers, &c.shifts);
        int32_t scratch = 0;
        if (c.weights.sparse) {
            const se_sparse_weights sw = sparse_view(c.weights);
            scratch = scratch_max(se_sparse_fully_connected_s8_ref_get_buffer_size(&c.dims, &sw),
                                  se_sparse_fully_connected_s8_dsp_get_buffer_size(&c.dims, &sw));
        } else {
            scratch = scratch_max(se_fully_connected_s8_ref_get_buffer_size(&c.dims),
                                  se_fully_connected_s8_dsp_get_buffer_size(&c.dims));
        }
        const int64_t macs = int64_t{c.dims.tokens} * c.dims.in_features * c.dims.out_features;
        add_layer(op, c, {op.inputs[0]}, op.outputs[0], scratch, macs);
    }

    void lower_add(const Op& op)
    {
        const Tensor& a = g_.tensor(op.inputs[0]);
        const Tensor& b = g_.tensor(op.inputs[1]);
        const Tensor& y = g_.tensor(op.outputs[0]);
        // TFLite's quantized add: both inputs rescaled to 2 * max scale, 20 bits of headroom.
        const double twice_max = 2.0 * std::max(scale_of(a), scale_of(b));
        AddCall c;
        c.size = static_cast<int32_t>(y.num_elements());
        c.params.input1_zp = zp_of(a);
        c.params.input2_zp = zp_of(b);
        c.params.output_zp = zp_of(y);
        c.params.left_shift = 20;
        const std::string name = op.name + " input 1 multiplier";
        c.params.input1_quant = quantize_multiplier(scale_of(a) / twice_max, name.c_str());
        c.params.input2_quant = quantize_multiplier(scale_of(b) / twice_max, name.c_str());
        c.params.output_quant = quantize_multiplier(twice_max / (double(1 << 20) * scale_of(y)), name.c_str());
        c.params.act = clamp_for(std::get<AddAttrs>(op.attrs).activation, y);
        add_layer(op, c, {op.inputs[0], op.inputs[1]}, op.outputs[0], 0, 0);
    }

    void lower_pool(const Op& op)
    {
        const Tensor& x = g_.tensor(op.inputs[0]);
        const Tensor& y = g_.tensor(op.outputs[0]);
        PoolCall c;
        c.input = dims4(x.shape);
        int32_t scratch = 0;
        if (op.kind == OpKind::GlobalAvgPool) {
            c.kernel = PoolCall::Kernel::GlobalAvg;
            c.output = se_dims{x.shape[0], 1, 1, x.shape[3]};
            scratch = scratch_max(se_global_avg_pool_s8_ref_get_buffer_size(&c.input),
                                  se_global_avg_pool_s8_dsp_get_buffer_size(&c.input));
        } else {
            c.kernel = op.kind == OpKind::MaxPool2x2 ? PoolCall::Kernel::Max2x2 : PoolCall::Kernel::Avg2x2;
            c.output = dims4(y.shape);
        }
        add_layer(op, c, {op.inputs[0]}, op.outputs[0], scratch, 0);
    }

    static se_softmax_params softmax_params(const Op& op, const Tensor& logits)
    {
        se_softmax_params p{};
        const se_status st = se_softmax_s8_params_from_scale(static_cast<double>(scale_of(logits)), &p);
        TF_CHECK(st == SE_OK, to_string(op.kind), " '", op.name, "': input scale ", scale_of(logits),
                 " cannot be represented (", se_status_str(st), ")");
        return p;
    }

    void lower_softmax(const Op& op)
    {
        const Tensor& x = g_.tensor(op.inputs[0]);
        SoftmaxCall c;
        c.params = softmax_params(op, x);
        c.row_size = x.shape.back();
        c.rows = static_cast<int32_t>(x.num_elements() / c.row_size);
        add_layer(op, c, {op.inputs[0]}, op.outputs[0], se_softmax_s8_get_buffer_size(), 0);
    }

    void lower_seqpool(const Op& op)
    {
        const Tensor& x = g_.tensor(op.inputs[0]);
        const Tensor& logits = g_.tensor(op.inputs[1]);
        const Tensor& y = g_.tensor(op.outputs[0]);
        SeqPoolCall c;
        c.channels = x.shape.back();
        c.tokens = static_cast<int32_t>(x.num_elements() / c.channels);
        c.params.softmax = softmax_params(op, logits);
        c.params.input_zp = zp_of(x);
        c.params.output_zp = zp_of(y);
        const std::string what = op.name + " output multiplier";
        c.params.quant = quantize_multiplier(scale_of(x) / (256.0 * scale_of(y)), what.c_str());
        c.params.act = {-128, 127};
        const int32_t scratch = scratch_max(se_seqpool_s8_ref_get_buffer_size(c.tokens, c.channels),
                                            se_seqpool_s8_dsp_get_buffer_size(c.tokens, c.channels));
        add_layer(op, c, {op.inputs[0], op.inputs[1]}, op.outputs[0], scratch,
                  int64_t{c.tokens} * c.channels);
    }

    // Scaled-LayerNorm: gamma, beta and the output quantization fold into
    // per-channel gain and offset (the input scale cancels; epsilon is below
    // one step of any non-constant int8 row's variance, docs/numerics.md).
    void lower_layernorm(const Op& op)
    {
        const Tensor& x = g_.tensor(op.inputs[0]);
        const Tensor& y = g_.tensor(op.outputs[0]);
        LayerNormCall c;
        c.row_size = x.shape.back();
        c.rows = static_cast<int32_t>(x.num_elements() / c.row_size);
        c.params.act = {-128, 127};
        TF_CHECK(c.row_size <= SE_LAYERNORM_MAX_ROW, "LayerNorm '", op.name, "': ", c.row_size,
                 " channels, the runtime supports at most ", SE_LAYERNORM_MAX_ROW);
        const std::vector<float> gamma = g_.tensor(op.inputs[1]).values_f32();
        const std::vector<float> beta = g_.tensor(op.inputs[2]).values_f32();
        std::vector<int32_t> gain(static_cast<size_t>(c.row_size)), offset(static_cast<size_t>(c.row_size));
        const se_status st = se_layernorm_s8_prepare_params(c.row_size, gamma.data(), beta.data(), scale_of(y),
                                                            zp_of(y), gain.data(), offset.data());
        TF_CHECK(st == SE_OK, "LayerNorm '", op.name, "': cannot prepare integer parameters (", se_status_str(st), ")");
        c.gain = add_array(op, "gain", DType::Int32, to_bytes(gain));
        c.offset = add_array(op, "offset", DType::Int32, to_bytes(offset));
        c.gamma = gamma;
        c.beta = beta;
        c.epsilon = std::get<LayerNormAttrs>(op.attrs).epsilon;
        c.input_scale = scale_of(x);
        c.input_zero_point = zp_of(x);
        c.output_scale = scale_of(y);
        c.output_zero_point = zp_of(y);
        add_layer(op, c, {op.inputs[0]}, op.outputs[0], 0, 0);
    }

    void lower_attention(const Op& op)
    {
        const Tensor& q = g_.tensor(op.inputs[0]);
        const Tensor& k = g_.tensor(op.inputs[1]);
        const Tensor& v = g_.tensor(op.inputs[2]);
        const Tensor& y = g_.tensor(op.outputs[0]);
        const auto& a = std::get<AttentionAttrs>(op.attrs);
        AttentionCall c;
        c.dims.dim = q.shape.back();
        c.dims.tokens = static_cast<int32_t>(q.num_elements() / c.dims.dim);
        c.dims.heads = a.heads;
        c.dims.q_row_stride = c.dims.k_row_stride = c.dims.v_row_stride = c.dims.out_row_stride = c.dims.dim;
        c.dims.block_rows = std::max(1, opts_.attention_block_rows);
        const double scores_scale = a.scores_quant.scale[0];
        const double head_dim = static_cast<double>(c.dims.dim / a.heads);
        c.params.q_zp = zp_of(q);
        c.params.k_zp = zp_of(k);
        c.params.v_zp = zp_of(v);
        const std::string what = op.name + " scores multiplier";
        c.params.scores_quant =
            quantize_multiplier(double(scale_of(q)) * scale_of(k) / (std::sqrt(head_dim) * scores_scale), what.c_str());
        c.params.scores_zp = a.scores_quant.zero_point[0];
        const se_status st = se_softmax_s8_params_from_scale(scores_scale, &c.params.softmax);
        TF_CHECK(st == SE_OK, "Attention '", op.name, "': scores scale ", scores_scale, " cannot be represented (",
                 se_status_str(st), ")");
        const std::string out_what = op.name + " output multiplier";
        c.params.out_quant = quantize_multiplier(scale_of(v) / (256.0 * scale_of(y)), out_what.c_str());
        c.params.out_zp = zp_of(y);
        c.params.act = {-128, 127};
        const auto& d = c.dims;
        const int32_t scratch =
            scratch_max(se_attention_s8_ref_get_buffer_size(d.tokens, d.dim, d.heads, d.block_rows),
                        se_attention_s8_dsp_get_buffer_size(d.tokens, d.dim, d.heads, d.block_rows));
        TF_CHECK(scratch > 0, "Attention '", op.name, "': ", d.tokens, " tokens x ", d.dim, " channels with ", d.heads,
                 " heads is not supported by the runtime (tokens at most 4095)");
        add_layer(op, c, {op.inputs[0], op.inputs[1], op.inputs[2]}, op.outputs[0], scratch,
                  2 * int64_t{d.tokens} * d.tokens * d.dim);
    }

    // A reshape changes only how the same bytes are viewed (NHWC [1,H,W,C] is
    // [H*W, C] in memory): its output shares the input's buffer.
    void lower_reshape(const Op& op)
    {
        const BufferId b = buffer_for(op.inputs[0]);
        use(b);
        buffer_of_[static_cast<size_t>(op.outputs[0])] = b;
    }

    const Graph& g_;
    CompileOptions opts_;
    CompiledModel m_;
    std::vector<BufferId> buffer_of_;
    int64_t pending_weight_bytes_ = 0;
};

}  // namespace

CompiledModel compile(const Graph& graph, const CompileOptions& options)
{
    return Lowering(graph, options).run();
}

}  // namespace tinyformer::engine
