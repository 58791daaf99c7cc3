#include "tinyformer/engine/interpreter.h"

#include <algorithm>
#include <cmath>

#include "overloaded.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::engine {

namespace {

// LayerNorm in double on the dequantized input (InterpreterOptions::float_layernorm).
se_status float_layernorm(const LayerNormCall& c, const int8_t* in, int8_t* out)
{
    if (c.gamma.size() != static_cast<size_t>(c.row_size) || c.beta.size() != c.gamma.size() ||
        !(c.output_scale > 0.0f)) {
        return SE_ERR_BAD_PARAM;  // a call built without its float parameters
    }
    const size_t n = static_cast<size_t>(c.row_size);
    std::vector<double> x(n);
    for (int32_t r = 0; r < c.rows; r++) {
        const int8_t* row = in + static_cast<size_t>(r) * n;
        double mean = 0.0;
        for (size_t i = 0; i < n; i++) {
            x[i] = (row[i] - c.input_zero_point) * static_cast<double>(c.input_scale);
            mean += x[i];
        }
        mean /= static_cast<double>(n);
        double var = 0.0;
        for (size_t i = 0; i < n; i++) {
            var += (x[i] - mean) * (x[i] - mean);
        }
        var /= static_cast<double>(n);
        const double inv_std = 1.0 / std::sqrt(var + c.epsilon);
        int8_t* dst = out + static_cast<size_t>(r) * n;
        for (size_t i = 0; i < n; i++) {
            const double y = c.gamma[i] * (x[i] - mean) * inv_std + c.beta[i];
            const double q = std::nearbyint(y / c.output_scale) + c.output_zero_point;
            dst[i] = static_cast<int8_t>(std::clamp(q, static_cast<double>(c.params.act.min),
                                                    static_cast<double>(c.params.act.max)));
        }
    }
    return SE_OK;
}
}  // namespace

HostInterpreter::HostInterpreter(const CompiledModel& model, const InterpreterOptions& options)
    : model_(model), options_(options), arena_(static_cast<size_t>((model.plan.arena_size + 7) / 8) + 1, 0)
{
    TF_CHECK(model.plan.offsets.size() == model.buffers.size(), "model has ", model.buffers.size(),
             " buffers but the plan places ", model.plan.offsets.size());
}

int8_t* HostInterpreter::buffer(BufferId id) const
{
    TF_INTERNAL_ASSERT(id >= 0 && static_cast<size_t>(id) < model_.buffers.size());
    auto* base = reinterpret_cast<int8_t*>(const_cast<uint64_t*>(arena_.data()));
    return base + model_.plan.offsets[static_cast<size_t>(id)];
}

const void* HostInterpreter::array(ArrayId id) const
{
    if (id == kNone) {
        return nullptr;
    }
    TF_INTERNAL_ASSERT(id >= 0 && static_cast<size_t>(id) < model_.arrays.size());
    return model_.arrays[static_cast<size_t>(id)].bytes.data();
}

int8_t* HostInterpreter::input() { return buffer(model_.input); }
const int8_t* HostInterpreter::output() const { return buffer(model_.output); }
int64_t HostInterpreter::input_size() const { return model_.buffers[static_cast<size_t>(model_.input)].size; }
int64_t HostInterpreter::output_size() const { return model_.buffers[static_cast<size_t>(model_.output)].size; }

void HostInterpreter::run()
{
    for (const Layer& layer : model_.layers) {
        run_layer(layer);
    }
}

std::vector<int8_t> HostInterpreter::run(const std::vector<int8_t>& in)
{
    TF_CHECK(static_cast<int64_t>(in.size()) == input_size(), "input has ", in.size(), " values, the model expects ",
             input_size());
    std::copy(in.begin(), in.end(), input());
    run();
    return std::vector<int8_t>(output(), output() + output_size());
}

void HostInterpreter::run_layer(const Layer& layer)
{
    // Constant arrays hold int32 values in std::vector<uint8_t> storage, whose
    // allocation is suitably aligned for any type.
    const auto s8 = [&](ArrayId id) { return static_cast<const int8_t*>(array(id)); };
    const auto s32 = [&](ArrayId id) { return static_cast<const int32_t*>(array(id)); };
    const auto sparse = [&](const LayerWeights& w) {
        const ConstantArray& stream = model_.arrays[static_cast<size_t>(w.array)];
        return se_sparse_weights{stream.bytes.data(), static_cast<int32_t>(stream.bytes.size()), w.entries, w.block,
                                 s32(w.row_table)};
    };
    se_context ctx{nullptr, 0};
    if (layer.scratch != kNone) {
        ctx.buf = buffer(layer.scratch);
        ctx.size = static_cast<int32_t>(layer.scratch_bytes);
    }
    int8_t* out = buffer(layer.output);
    const int8_t* in0 = layer.inputs.empty() ? nullptr : buffer(layer.inputs[0]);
    const int8_t* in1 = layer.inputs.size() > 1 ? buffer(layer.inputs[1]) : nullptr;

    const se_status status = std::visit(
        Overloaded{
            [&](const ConvCall& c) {
                const se_per_channel_quant q{s32(c.multipliers), s32(c.shifts)};
                if (c.weights.sparse) {
                    const se_sparse_weights sw = sparse(c.weights);
                    switch (c.kernel) {
                    case ConvCall::Kernel::Conv2D:
                        return se_sparse_conv2d_s8(&ctx, &c.params, &q, &c.input, in0, &c.filter, &sw, s32(c.bias),
                                                   &c.output, out);
                    case ConvCall::Kernel::Conv1x1:
                        return se_sparse_conv1x1_s8(&ctx, &c.params, &q, &c.input, in0, &c.filter, &sw, s32(c.bias),
                                                    &c.output, out);
                    case ConvCall::Kernel::Depthwise3x3:
                        return se_sparse_depthwise_conv3x3_s8(&ctx, &c.params, &q, &c.input, in0, &c.filter, &sw,
                                                              s32(c.bias), &c.output, out);
                    }
                    return SE_ERR_UNSUPPORTED;
                }
                switch (c.kernel) {
                case ConvCall::Kernel::Conv2D:
                    return se_conv2d_s8(&ctx, &c.params, &q, &c.input, in0, &c.filter, s8(c.weights.array),
                                        s32(c.bias), &c.output, out);
                case ConvCall::Kernel::Conv1x1:
                    return se_conv1x1_s8(&ctx, &c.params, &q, &c.input, in0, &c.filter, s8(c.weights.array),
                                         s32(c.bias), &c.output, out);
                case ConvCall::Kernel::Depthwise3x3:
                    return se_depthwise_conv3x3_s8(&ctx, &c.params, &q, &c.input, in0, &c.filter,
                                                   s8(c.weights.array), s32(c.bias), &c.output, out);
                }
                return SE_ERR_UNSUPPORTED;
            },
            [&](const FullyConnectedCall& c) {
                const se_per_channel_quant q{s32(c.multipliers), s32(c.shifts)};
                if (c.weights.sparse) {
                    const se_sparse_weights sw = sparse(c.weights);
                    return se_sparse_fully_connected_s8(&ctx, &c.params, &q, &c.dims, in0, &sw, s32(c.bias), out);
                }
                return se_fully_connected_s8(&ctx, &c.params, &q, &c.dims, in0, s8(c.weights.array), s32(c.bias),
                                             out);
            },
            [&](const AddCall& c) { return se_add_s8(&c.params, in0, in1, c.size, out); },
            [&](const PoolCall& c) {
                switch (c.kernel) {
                case PoolCall::Kernel::Max2x2: return se_max_pool2x2_s8(&c.act, &c.input, in0, &c.output, out);
                case PoolCall::Kernel::Avg2x2: return se_avg_pool2x2_s8(&c.act, &c.input, in0, &c.output, out);
                case PoolCall::Kernel::GlobalAvg:
                    return se_global_avg_pool_s8(&ctx, &c.act, &c.input, in0, &c.output, out);
                }
                return SE_ERR_UNSUPPORTED;
            },
            [&](const SoftmaxCall& c) {
                const se_status st = se_softmax_s8_prepare(&ctx, &c.params);
                return st != SE_OK ? st : se_softmax_s8(&ctx, &c.params, c.rows, c.row_size, in0, out);
            },
            [&](const SeqPoolCall& c) {
                return se_seqpool_s8(&ctx, &c.params, c.tokens, c.channels, in0, in1, out);
            },
            [&](const LayerNormCall& c) {
                if (options_.float_layernorm) {
                    return float_layernorm(c, in0, out);
                }
                return se_layernorm_s8(&c.params, c.rows, c.row_size, in0, s32(c.gain), s32(c.offset), out);
            },
            [&](const AttentionCall& c) {
                return se_attention_s8(&ctx, &c.params, &c.dims, in0, in1, buffer(layer.inputs[2]), out);
            },
        },
        layer.call);
    TF_CHECK(status == SE_OK, "layer '", layer.name, "' (", to_string(layer.op), "): kernel returned ",
             se_status_str(status));
}

}  // namespace tinyformer::engine
