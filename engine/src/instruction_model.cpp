#include "tinyformer/engine/instruction_model.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "overloaded.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/model_report.h"

namespace tinyformer::engine {

namespace {

double elements(const se_dims& d) { return double(d.n) * d.h * d.w * d.c; }
double pixels(const se_dims& d) { return double(d.n) * d.h * d.w; }
double round_up(double x, double group) { return std::ceil(x / group) * group; }

void set(InstructionFeatures& f, InstructionFeature which, double value) { f[size_t(which)] = value; }

// Dense kernels run pixels in pairs (an odd last pixel is computed twice) and
// the reduction in groups of 4 taps, the rest one at a time. Sparse kernels run
// pixels in groups of 4 (the last group padded) through the coded entries.
InstructionFeatures conv_features(const Layer& layer, const ConvCall& c)
{
    InstructionFeatures f{};
    const double out_pixels = pixels(c.output);
    const double out_c = c.output.c;
    set(f, InstructionFeature::Outputs, elements(c.output));
    set(f, InstructionFeature::Inputs, elements(c.input));
    if (c.kernel == ConvCall::Kernel::Depthwise3x3) {
        set(f, InstructionFeature::Work, double(layer.macs));
        set(f, InstructionFeature::Extra, out_pixels);
        return f;
    }
    const double taps = double(c.filter.h) * c.filter.w * c.filter.c;  // the reduction length K
    if (c.weights.sparse) {
        const double grouped = round_up(out_pixels, 4);
        set(f, InstructionFeature::Work, double(c.weights.entries) * c.weights.block * grouped);
        set(f, InstructionFeature::Extra, taps * grouped);
        return f;
    }
    const double paired = round_up(out_pixels, 2);
    const double tail_taps = std::fmod(taps, 4.0);
    set(f, InstructionFeature::Work, paired * out_c * (taps - tail_taps));
    set(f, InstructionFeature::Tail, paired * out_c * tail_taps);
    set(f, InstructionFeature::Extra, taps * out_pixels);
    return f;
}

// A kernel that works row by row (softmax, LayerNorm): elements in and out, and per-row set-up.
InstructionFeatures row_wise(int32_t rows, int32_t row_size)
{
    InstructionFeatures f{};
    set(f, InstructionFeature::Outputs, double(rows) * row_size);
    set(f, InstructionFeature::Inputs, double(rows) * row_size);
    set(f, InstructionFeature::Extra, rows);
    return f;
}

// Dense: tokens in pairs, an odd last token alone. Sparse: groups of 4 tokens,
// the 1-3 left one at a time.
InstructionFeatures fc_features(const FullyConnectedCall& c)
{
    InstructionFeatures f{};
    const double tokens = c.dims.tokens, in = c.dims.in_features, out = c.dims.out_features;
    const double group = c.weights.sparse ? 4.0 : 2.0;
    const double left = std::fmod(tokens, group);
    const double macs_per_token = c.weights.sparse ? double(c.weights.entries) * c.weights.block : in * out;
    set(f, InstructionFeature::Work, (tokens - left) * macs_per_token);
    set(f, InstructionFeature::Tail, left * macs_per_token);
    set(f, InstructionFeature::Outputs, tokens * out);
    set(f, InstructionFeature::Inputs, tokens * in);
    set(f, InstructionFeature::Extra, tokens * in);
    return f;
}

}  // namespace

const char* instruction_feature_name(InstructionFeature f)
{
    switch (f) {
    case InstructionFeature::Work: return "work";
    case InstructionFeature::Outputs: return "outputs";
    case InstructionFeature::Inputs: return "inputs";
    case InstructionFeature::Extra: return "extra";
    case InstructionFeature::Tail: return "tail";
    case InstructionFeature::Table: return "table";
    case InstructionFeature::Calls: return "calls";
    case InstructionFeature::Count: break;
    }
    return "?";
}

InstructionFeatures instruction_features(const Layer& layer)
{
    InstructionFeatures f = std::visit(
        Overloaded{
            [&](const ConvCall& c) { return conv_features(layer, c); },
            [](const FullyConnectedCall& c) { return fc_features(c); },
            [](const AddCall& c) {
                InstructionFeatures r{};
                set(r, InstructionFeature::Outputs, c.size);
                set(r, InstructionFeature::Inputs, 2.0 * c.size);
                return r;
            },
            [](const PoolCall& c) {
                InstructionFeatures r{};
                set(r, InstructionFeature::Outputs, elements(c.output));
                set(r, InstructionFeature::Inputs, elements(c.input));
                set(r, InstructionFeature::Extra, pixels(c.output));
                return r;
            },
            [](const SoftmaxCall& c) {
                InstructionFeatures r = row_wise(c.rows, c.row_size);
                set(r, InstructionFeature::Table, c.params.diff_max + 1);
                return r;
            },
            [&](const SeqPoolCall& c) {
                InstructionFeatures r{};
                set(r, InstructionFeature::Table, c.params.softmax.diff_max + 1);
                set(r, InstructionFeature::Work, double(layer.macs));
                set(r, InstructionFeature::Outputs, c.channels);
                set(r, InstructionFeature::Inputs, double(c.tokens) * c.channels);
                set(r, InstructionFeature::Extra, c.tokens);
                return r;
            },
            [](const LayerNormCall& c) { return row_wise(c.rows, c.row_size); },
            [&](const AttentionCall& c) {
                InstructionFeatures r{};
                set(r, InstructionFeature::Table, c.params.softmax.diff_max + 1);
                const double tokens = c.dims.tokens;
                set(r, InstructionFeature::Work, double(layer.macs));
                set(r, InstructionFeature::Outputs, tokens * c.dims.dim);
                set(r, InstructionFeature::Inputs, 3.0 * tokens * c.dims.dim);
                set(r, InstructionFeature::Extra, double(c.dims.heads) * tokens * tokens);
                return r;
            },
        },
        layer.call);
    set(f, InstructionFeature::Calls, 1.0);
    return f;
}

namespace {

const LayerWeights* weights_of(const Layer& layer)
{
    if (const auto* c = std::get_if<ConvCall>(&layer.call)) {
        return &c->weights;
    }
    if (const auto* c = std::get_if<FullyConnectedCall>(&layer.call)) {
        return &c->weights;
    }
    return nullptr;
}

}  // namespace

std::string instruction_class(const Layer& layer)
{
    std::string name = kernel_name(layer);
    // A 3x3 convolution on an image (1 or 3 channels) packs its receptive field
    // one tap at a time: a class of its own.
    const auto* conv = std::get_if<ConvCall>(&layer.call);
    if (conv != nullptr && conv->kernel == ConvCall::Kernel::Conv2D && conv->filter.c % 4 != 0) {
        name += "/unaligned";
    }
    const LayerWeights* w = weights_of(layer);
    if (w != nullptr && w->sparse) {
        name += "/b" + std::to_string(w->block);
    }
    return name;
}

const std::vector<InstructionCoefficients>& instruction_coefficients()
{
    static const std::vector<InstructionCoefficients> table = {
#include "instruction_coefficients.inc"
    };
    return table;
}

const InstructionCoefficients& coefficients_for(const Layer& layer)
{
    const std::string wanted = instruction_class(layer);
    const auto find = [](const std::string& name) -> const InstructionCoefficients* {
        for (const InstructionCoefficients& c : instruction_coefficients()) {
            if (name == c.kernel_class) {
                return &c;
            }
        }
        return nullptr;
    };
    if (const InstructionCoefficients* c = find(wanted)) {
        return *c;
    }
    // A block size the calibration never produced: the same kernel's (and
    // alignment's) nearest block size.
    const LayerWeights* w = weights_of(layer);
    const std::string block = w != nullptr && w->sparse ? "/b" + std::to_string(w->block) : "";
    const std::string kernel = wanted.substr(0, wanted.size() - block.size());
    const InstructionCoefficients* nearest = nullptr;
    int nearest_distance = std::numeric_limits<int>::max();
    for (const InstructionCoefficients& c : instruction_coefficients()) {
        const std::string name = c.kernel_class;
        if (!block.empty() && name.rfind(kernel + "/b", 0) == 0) {
            const int distance = std::abs(std::atoi(name.c_str() + kernel.size() + 2) - w->block);
            if (distance < nearest_distance) {
                nearest = &c;
                nearest_distance = distance;
            }
        }
    }
    TF_CHECK(nearest != nullptr, "layer '", layer.name, "': no instruction coefficients for kernel class '", wanted,
             "' (bench/run_instruction_model_bench.sh fits one per kernel the calibration models run)");
    return *nearest;
}

int64_t estimate_layer_instructions(const Layer& layer)
{
    const InstructionFeatures f = instruction_features(layer);
    const InstructionCoefficients& c = coefficients_for(layer);
    double sum = 0.0;
    for (int i = 0; i < kInstructionFeatures; i++) {
        sum += c.coefficients[size_t(i)] * f[size_t(i)];
    }
    return std::llround(std::max(sum, 0.0));
}

InstructionEstimate estimate_instructions(const CompiledModel& model)
{
    InstructionEstimate e;
    e.layers.reserve(model.layers.size());
    for (const Layer& layer : model.layers) {
        e.layers.push_back(estimate_layer_instructions(layer));
        e.total += e.layers.back();
    }
    return e;
}

}  // namespace tinyformer::engine
