// The C for one layer: one overload of emit_call per LayerCall kind. A new
// kind of call needs one more overload here (and its kernel's header in the
// includes of <prefix>.c when it is not in se_runtime.h).
#include <sstream>
#include <type_traits>

#include "c_emitter_internal.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::engine::c_emit {

namespace {

// Everything an overload needs about the layer it prints.
struct LayerContext {
    const Symbols& s;
    const Layer& layer;
    std::string id;  // prefix of the layer's file-static names, e.g. "l0_conv1"

    std::string name(const char* suffix) const { return id + "_" + suffix; }
    std::string input(size_t i) const
    {
        TF_CHECK(i < layer.inputs.size(), "layer '", layer.name, "' has ", layer.inputs.size(),
                 " activation inputs, its kernel reads input ", i);
        return s.buffer(layer.inputs[i]);
    }
    std::string output() const
    {
        TF_CHECK(layer.output != kNone, "layer '", layer.name, "' has no output buffer");
        return s.buffer(layer.output);
    }
    // The constant array `id` of this layer, checked to hold `dtype` values.
    std::string array(ArrayId array_id, DType dtype, const char* role) const
    {
        TF_CHECK(array_id != kNone, "layer '", layer.name, "': the ", role, " array is missing");
        const ConstantArray& a = s.constant(array_id);
        TF_CHECK(a.dtype == dtype, "layer '", layer.name, "': the ", role, " array '", a.name, "' holds ",
                 to_string(a.dtype), ", the kernel reads ", to_string(dtype));
        return s.array(array_id);
    }
    // `static const se_context <id>_ctx = {arena + offset, size};` (scratch of the layer)
    std::string context_definition() const
    {
        std::ostringstream out;
        out << "static const se_context " << name("ctx") << " = {";
        if (layer.scratch == kNone || layer.scratch_bytes == 0) {
            out << "NULL, 0};\n";
        } else {
            TF_CHECK(layer.scratch_bytes <= layer_buffer_size(layer.scratch), "layer '", layer.name,
                     "': scratch_bytes ", layer.scratch_bytes, " exceed its planned scratch buffer of ",
                     layer_buffer_size(layer.scratch), " bytes");
            out << s.buffer(layer.scratch) << ", " << c_int(layer.scratch_bytes) << "};\n";
        }
        return out.str();
    }
    int64_t layer_buffer_size(BufferId b) const { return s.model.buffers[static_cast<size_t>(b)].size; }
};

std::string conv_params(const se_conv_params& p)
{
    std::ostringstream out;
    out << "{.input_zp = " << p.input_zp << ", .output_zp = " << p.output_zp << ", .stride_h = " << p.stride_h
        << ", .stride_w = " << p.stride_w << ", .pad_h = " << p.pad_h << ", .pad_w = " << p.pad_w
        << ", .act = " << c_activation(p.act) << "}";
    return out.str();
}

std::string softmax_params(const se_softmax_params& p)
{
    std::ostringstream out;
    out << "{.input_multiplier = " << c_int(p.input_multiplier) << ", .input_left_shift = " << p.input_left_shift
        << ", .diff_max = " << p.diff_max << "}";
    return out.str();
}

std::string dims_text(const se_dims& d)
{
    std::ostringstream out;
    out << d.h << "x" << d.w << "x" << d.c;
    return out.str();
}

// Checked return of a statement list in the generated run function.
std::string assign_status(const std::string& call) { return "    status = " + call + ";\n"; }

// Sparse weights: an se_sparse_weights in flash. With a row table from
// compile() (w.row_table) everything is constant; without one, the table is
// an SRAM array that <sym>_init() fills with se_sparse_prepare_s8 (which
// validates the stream), so the kernels can trust the stream afterwards.
// rows x row_len is the coded matrix of se_sparse_kernels.h.
void emit_sparse_weights(const LayerContext& ctx, const LayerWeights& w, int64_t rows, int64_t row_len,
                         LayerCode& code)
{
    const std::string stream = ctx.array(w.array, DType::Int8, "sparse weight stream");
    const ConstantArray& bytes = ctx.s.constant(w.array);
    TF_CHECK(w.block >= 2 && w.block <= 4, "layer '", ctx.layer.name, "': sparse block ", w.block,
             " must be 2, 3 or 4");
    TF_CHECK(static_cast<int64_t>(bytes.bytes.size()) == int64_t{w.entries} * (1 + w.block), "layer '",
             ctx.layer.name, "': sparse stream '", bytes.name, "' has ", bytes.bytes.size(), " bytes, ",
             w.entries, " entries of block ", w.block, " need ", int64_t{w.entries} * (1 + w.block));
    std::string table;
    if (w.row_table != kNone) {
        table = ctx.array(w.row_table, DType::Int32, "sparse row table");
        TF_CHECK(ctx.s.constant(w.row_table).count() == 2 * rows + 1, "layer '", ctx.layer.name,
                 "': sparse row table '", ctx.s.constant(w.row_table).name, "' has ",
                 ctx.s.constant(w.row_table).count(), " entries, ", rows, " rows need ", 2 * rows + 1);
    } else {
        table = ctx.name("row_table");
        code.definitions += "static int32_t " + table + "[" + std::to_string(2 * rows + 1) + "]; /* filled by " +
                            ctx.s.sym + "_init() */\n";
        code.init += assign_status("se_sparse_prepare_s8(&" + ctx.name("weights") + ", " + c_int(rows) + ", " +
                                   c_int(row_len) + ", " + table + ")");
        code.init += "    if (status != SE_OK) {\n        return (int)status;\n    }\n";
    }
    code.definitions += "static const se_sparse_weights " + ctx.name("weights") + " = {(const uint8_t *)" + stream +
                        ", " + std::to_string(bytes.bytes.size()) + ", " + std::to_string(w.entries) + ", " +
                        std::to_string(w.block) + ", " + table + "};\n";
    code.uses_sparse_kernels = true;
}

void emit_per_channel_quant(const LayerContext& ctx, ArrayId multipliers, ArrayId shifts, LayerCode& code)
{
    code.definitions += "static const se_per_channel_quant " + ctx.name("quant") + " = {" +
                        ctx.array(multipliers, DType::Int32, "multiplier") + ", " +
                        ctx.array(shifts, DType::Int32, "shift") + "};\n";
}

LayerCode emit_call(const LayerContext& ctx, const ConvCall& c)
{
    LayerCode code;
    const char* kernel = "se_conv2d_s8";
    const char* sparse_kernel = "se_sparse_conv2d_s8";
    int64_t rows = c.filter.n;
    int64_t row_len = int64_t{c.filter.h} * c.filter.w * c.filter.c;
    switch (c.kernel) {
    case ConvCall::Kernel::Conv2D: break;
    case ConvCall::Kernel::Conv1x1:
        kernel = "se_conv1x1_s8";
        sparse_kernel = "se_sparse_conv1x1_s8";
        break;
    case ConvCall::Kernel::Depthwise3x3:
        kernel = "se_depthwise_conv3x3_s8";
        sparse_kernel = "se_sparse_depthwise_conv3x3_s8";
        rows = c.filter.c;  // coded as [C, 3 * 3]
        row_len = int64_t{c.filter.h} * c.filter.w;
        break;
    }
    std::ostringstream desc;
    desc << kernel << (c.weights.sparse ? " (sparse)" : "") << ", " << dims_text(c.input) << " -> "
         << dims_text(c.output) << ", filter " << c.filter.h << "x" << c.filter.w << ", stride " << c.params.stride_h
         << ", pad " << c.params.pad_h;
    code.description = desc.str();

    code.definitions += "static const se_conv_params " + ctx.name("params") + " = " + conv_params(c.params) + ";\n";
    code.definitions += "static const se_dims " + ctx.name("input_dims") + " = " + c_dims(c.input) + ";\n";
    code.definitions += "static const se_dims " + ctx.name("filter_dims") + " = " + c_dims(c.filter) + ";\n";
    code.definitions += "static const se_dims " + ctx.name("output_dims") + " = " + c_dims(c.output) + ";\n";
    emit_per_channel_quant(ctx, c.multipliers, c.shifts, code);
    code.definitions += ctx.context_definition();

    std::string weights;
    if (c.weights.sparse) {
        emit_sparse_weights(ctx, c.weights, rows, row_len, code);
        weights = "&" + ctx.name("weights");
        kernel = sparse_kernel;
    } else {
        weights = ctx.array(c.weights.array, DType::Int8, "weight");
    }
    code.call = assign_status(std::string(kernel) + "(&" + ctx.name("ctx") + ", &" + ctx.name("params") + ", &" +
                              ctx.name("quant") + ", &" + ctx.name("input_dims") + ", " + ctx.input(0) + ", &" +
                              ctx.name("filter_dims") + ", " + weights + ", " +
                              ctx.array(c.bias, DType::Int32, "bias") + ", &" + ctx.name("output_dims") + ", " +
                              ctx.output() + ")");
    return code;
}

LayerCode emit_call(const LayerContext& ctx, const FullyConnectedCall& c)
{
    LayerCode code;
    std::ostringstream desc;
    desc << "fully connected" << (c.weights.sparse ? " (sparse)" : "") << ", " << c.dims.tokens << " x "
         << c.dims.in_features << " -> " << c.dims.tokens << " x " << c.dims.out_features;
    code.description = desc.str();
    code.definitions += "static const se_fc_params " + ctx.name("params") + " = {.input_zp = " +
                        std::to_string(c.params.input_zp) + ", .output_zp = " + std::to_string(c.params.output_zp) +
                        ", .act = " + c_activation(c.params.act) + "};\n";
    code.definitions += "static const se_fc_dims " + ctx.name("dims") + " = {.tokens = " +
                        std::to_string(c.dims.tokens) + ", .in_features = " + std::to_string(c.dims.in_features) +
                        ", .out_features = " + std::to_string(c.dims.out_features) + "};\n";
    emit_per_channel_quant(ctx, c.multipliers, c.shifts, code);
    code.definitions += ctx.context_definition();
    std::string kernel = "se_fully_connected_s8";
    std::string weights;
    if (c.weights.sparse) {
        emit_sparse_weights(ctx, c.weights, c.dims.out_features, c.dims.in_features, code);
        weights = "&" + ctx.name("weights");
        kernel = "se_sparse_fully_connected_s8";
    } else {
        weights = ctx.array(c.weights.array, DType::Int8, "weight");
    }
    code.call = assign_status(kernel + "(&" + ctx.name("ctx") + ", &" + ctx.name("params") + ", &" +
                              ctx.name("quant") + ", &" + ctx.name("dims") + ", " + ctx.input(0) + ", " + weights +
                              ", " + ctx.array(c.bias, DType::Int32, "bias") + ", " + ctx.output() + ")");
    return code;
}

LayerCode emit_call(const LayerContext& ctx, const AddCall& c)
{
    LayerCode code;
    code.description = "add, " + std::to_string(c.size) + " elements";
    const se_add_params& p = c.params;
    std::ostringstream out;
    out << "static const se_add_params " << ctx.name("params") << " = {.input1_zp = " << p.input1_zp
        << ", .input2_zp = " << p.input2_zp << ", .output_zp = " << p.output_zp << ",\n    .left_shift = "
        << p.left_shift << ", .input1_quant = " << c_quant(p.input1_quant)
        << ", .input2_quant = " << c_quant(p.input2_quant) << ",\n    .output_quant = " << c_quant(p.output_quant)
        << ", .act = " << c_activation(p.act) << "};\n";
    code.definitions = out.str();
    code.call = assign_status("se_add_s8(&" + ctx.name("params") + ", " + ctx.input(0) + ", " + ctx.input(1) + ", " +
                              std::to_string(c.size) + ", " + ctx.output() + ")");
    return code;
}

LayerCode emit_call(const LayerContext& ctx, const PoolCall& c)
{
    LayerCode code;
    code.definitions += "static const se_activation " + ctx.name("act") + " = " + c_activation(c.act) + ";\n";
    code.definitions += "static const se_dims " + ctx.name("input_dims") + " = " + c_dims(c.input) + ";\n";
    code.definitions += "static const se_dims " + ctx.name("output_dims") + " = " + c_dims(c.output) + ";\n";
    const std::string args = "&" + ctx.name("act") + ", &" + ctx.name("input_dims") + ", " + ctx.input(0) + ", &" +
                             ctx.name("output_dims") + ", " + ctx.output() + ")";
    switch (c.kernel) {
    case PoolCall::Kernel::Max2x2: code.call = assign_status("se_max_pool2x2_s8(" + args); break;
    case PoolCall::Kernel::Avg2x2: code.call = assign_status("se_avg_pool2x2_s8(" + args); break;
    case PoolCall::Kernel::GlobalAvg:
        code.definitions += ctx.context_definition();
        code.call = assign_status("se_global_avg_pool_s8(&" + ctx.name("ctx") + ", " + args);
        break;
    }
    const char* kind = c.kernel == PoolCall::Kernel::Max2x2   ? "max pool 2x2"
                       : c.kernel == PoolCall::Kernel::Avg2x2 ? "average pool 2x2"
                                                              : "global average pool";
    code.description = std::string(kind) + ", " + dims_text(c.input) + " -> " + dims_text(c.output);
    return code;
}

LayerCode emit_call(const LayerContext& ctx, const SoftmaxCall& c)
{
    LayerCode code;
    code.description = "softmax, " + std::to_string(c.rows) + " rows of " + std::to_string(c.row_size);
    code.definitions += "static const se_softmax_params " + ctx.name("params") + " = " + softmax_params(c.params) +
                        ";\n";
    code.definitions += ctx.context_definition();
    // The exp cache lives in scratch that other layers reuse: prepare it on every run.
    code.call = assign_status("se_softmax_s8_prepare(&" + ctx.name("ctx") + ", &" + ctx.name("params") + ")");
    code.call += "    if (status == SE_OK) {\n    ";
    code.call += assign_status("se_softmax_s8(&" + ctx.name("ctx") + ", &" + ctx.name("params") + ", " +
                               std::to_string(c.rows) + ", " + std::to_string(c.row_size) + ", " + ctx.input(0) +
                               ", " + ctx.output() + ")");
    code.call += "    }\n";
    return code;
}

LayerCode emit_call(const LayerContext& ctx, const SeqPoolCall& c)
{
    LayerCode code;
    code.description = "sequence pooling, " + std::to_string(c.tokens) + " tokens x " + std::to_string(c.channels);
    const se_seqpool_params& p = c.params;
    std::ostringstream out;
    out << "static const se_seqpool_params " << ctx.name("params") << " = {.softmax = " << softmax_params(p.softmax)
        << ",\n    .input_zp = " << p.input_zp << ", .output_zp = " << p.output_zp
        << ", .quant = " << c_quant(p.quant) << ", .act = " << c_activation(p.act) << "};\n";
    code.definitions = out.str() + ctx.context_definition();
    code.call = assign_status("se_seqpool_s8(&" + ctx.name("ctx") + ", &" + ctx.name("params") + ", " +
                              std::to_string(c.tokens) + ", " + std::to_string(c.channels) + ", " + ctx.input(0) +
                              ", " + ctx.input(1) + ", " + ctx.output() + ")");
    return code;
}

LayerCode emit_call(const LayerContext& ctx, const LayerNormCall& c)
{
    LayerCode code;
    code.description = "layer norm, " + std::to_string(c.rows) + " rows of " + std::to_string(c.row_size);
    code.definitions = "static const se_layernorm_params " + ctx.name("params") + " = {.act = " +
                       c_activation(c.params.act) + "};\n";
    code.call = assign_status("se_layernorm_s8(&" + ctx.name("params") + ", " + std::to_string(c.rows) + ", " +
                              std::to_string(c.row_size) + ", " + ctx.input(0) + ", " +
                              ctx.array(c.gain, DType::Int32, "gain") + ", " +
                              ctx.array(c.offset, DType::Int32, "offset") + ", " + ctx.output() + ")");
    return code;
}

LayerCode emit_call(const LayerContext& ctx, const AttentionCall& c)
{
    LayerCode code;
    const se_attention_params& p = c.params;
    const se_attention_dims& d = c.dims;
    code.description = "attention, " + std::to_string(d.tokens) + " tokens x " + std::to_string(d.dim) + ", " +
                       std::to_string(d.heads) + " heads, " + std::to_string(d.block_rows) + " query rows per step";
    std::ostringstream out;
    out << "static const se_attention_params " << ctx.name("params") << " = {.q_zp = " << p.q_zp
        << ", .k_zp = " << p.k_zp << ", .v_zp = " << p.v_zp << ",\n    .scores_quant = " << c_quant(p.scores_quant)
        << ", .scores_zp = " << p.scores_zp << ",\n    .softmax = " << softmax_params(p.softmax)
        << ",\n    .out_quant = " << c_quant(p.out_quant) << ", .out_zp = " << p.out_zp
        << ", .act = " << c_activation(p.act) << "};\n";
    out << "static const se_attention_dims " << ctx.name("dims") << " = {.tokens = " << d.tokens
        << ", .dim = " << d.dim << ", .heads = " << d.heads << ", .q_row_stride = " << d.q_row_stride
        << ",\n    .k_row_stride = " << d.k_row_stride << ", .v_row_stride = " << d.v_row_stride
        << ", .out_row_stride = " << d.out_row_stride << ", .block_rows = " << d.block_rows << "};\n";
    code.definitions = out.str() + ctx.context_definition();
    code.call = assign_status("se_attention_s8(&" + ctx.name("ctx") + ", &" + ctx.name("params") + ", &" +
                              ctx.name("dims") + ", " + ctx.input(0) + ", " + ctx.input(1) + ", " + ctx.input(2) +
                              ", " + ctx.output() + ")");
    return code;
}

}  // namespace

LayerCode emit_layer(const Symbols& symbols, int index, const Layer& layer)
{
    const LayerContext ctx{symbols, layer, symbols.layers[static_cast<size_t>(index)]};
    return std::visit([&](const auto& call) { return emit_call(ctx, call); }, layer.call);
}

}  // namespace tinyformer::engine::c_emit
