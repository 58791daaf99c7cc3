#include "tinyformer/engine/model_report.h"

#include <ostream>
#include <sstream>

#include "overloaded.h"

namespace tinyformer::engine {

std::string kernel_name(const Layer& layer)
{
    return std::visit(
        Overloaded{
            [](const ConvCall& c) -> std::string {
                const char* sparse = c.weights.sparse ? "se_sparse_" : "se_";
                switch (c.kernel) {
                case ConvCall::Kernel::Conv2D: return std::string(sparse) + "conv2d_s8";
                case ConvCall::Kernel::Conv1x1: return std::string(sparse) + "conv1x1_s8";
                case ConvCall::Kernel::Depthwise3x3: return std::string(sparse) + "depthwise_conv3x3_s8";
                }
                return "?";
            },
            [](const FullyConnectedCall& c) -> std::string {
                return c.weights.sparse ? "se_sparse_fully_connected_s8" : "se_fully_connected_s8";
            },
            [](const AddCall&) -> std::string { return "se_add_s8"; },
            [](const PoolCall& c) -> std::string {
                switch (c.kernel) {
                case PoolCall::Kernel::Max2x2: return "se_max_pool2x2_s8";
                case PoolCall::Kernel::Avg2x2: return "se_avg_pool2x2_s8";
                case PoolCall::Kernel::GlobalAvg: return "se_global_avg_pool_s8";
                }
                return "?";
            },
            [](const SoftmaxCall&) -> std::string { return "se_softmax_s8"; },
            [](const SeqPoolCall&) -> std::string { return "se_seqpool_s8"; },
            [](const LayerNormCall&) -> std::string { return "se_layernorm_s8"; },
            [](const AttentionCall&) -> std::string { return "se_attention_s8"; },
        },
        layer.call);
}

std::vector<LayerCost> layer_costs(const CompiledModel& model)
{
    std::vector<LayerCost> costs;
    costs.reserve(model.layers.size());
    for (size_t i = 0; i < model.layers.size(); i++) {
        const Layer& l = model.layers[i];
        const auto out_id = static_cast<size_t>(l.output);
        LayerCost c;
        c.name = l.name;
        c.op = l.op;
        c.kernel = kernel_name(l);
        c.macs = l.macs;
        c.flash_bytes = l.weight_bytes;
        c.scratch_bytes = l.scratch_bytes;
        c.output_bytes = model.buffers[out_id].size;
        c.output_offset = model.plan.offsets[out_id];
        // Steps are layer indices (compile.cpp); the planner's lifetime rule is inclusive.
        const auto step = static_cast<int>(i);
        for (const BufferRequest& b : model.buffers) {
            if (b.first_step <= step && step <= b.last_step) {
                c.live_bytes += aligned_size(b.size, b.alignment);
            }
        }
        costs.push_back(std::move(c));
    }
    return costs;
}

void write_layer_report(std::ostream& out, const CompiledModel& model)
{
    out << "| # | layer | op | kernel | MACs | flash bytes | scratch bytes | output bytes | output offset |\n";
    out << "| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n";
    const std::vector<LayerCost> costs = layer_costs(model);
    for (size_t i = 0; i < costs.size(); i++) {
        const LayerCost& c = costs[i];
        out << "| " << i << " | " << c.name << " | " << to_string(c.op) << " | " << c.kernel << " | " << c.macs
            << " | " << c.flash_bytes << " | " << c.scratch_bytes << " | " << c.output_bytes << " | "
            << c.output_offset << " |\n";
    }
    out << "\nTotal: " << model.total_macs() << " MACs, " << model.constant_bytes()
        << " bytes of constants (flash), arena " << model.arena_bytes() << " bytes (SRAM).\n"
        << model.plan_report << "\n";
}

std::string layer_report(const CompiledModel& model)
{
    std::ostringstream s;
    write_layer_report(s, model);
    return s.str();
}

}  // namespace tinyformer::engine
