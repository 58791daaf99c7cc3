#include "tinyformer/toolkit/architecture.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit {

using engine::Error;

ArchConfig ArchConfig::tinyformer_300k()
{
    ArchConfig c;
    c.dots[0].dim = 44;
    c.dots[0].heads = 2;
    c.dots[0].downsample = DownsampleKind::ConvMaxPool;
    c.dots[0].mbv2_expansions = {4};
    c.dots[0].transformers = {TransformerChoice{2, true, 1}};
    c.dots[1].dim = 192;
    c.dots[1].heads = 4;
    c.dots[1].downsample = DownsampleKind::ConvMaxPool;
    c.dots[1].mbv2_expansions = {4};
    c.dots[1].transformers = {TransformerChoice{2, true, 1}};
    c.pooling = PoolingKind::SeqPool;
    c.last_dim = 512;
    return c;
}

void ArchConfig::set_uniform_sparsity(float rho, int32_t block)
{
    sparsity.clear();
    for (const LayerSpec& l : layers(*this)) {
        if (l.prunable) {
            const bool conv3 = l.kind == LayerKind::Conv && l.kernel == 3;
            sparsity[l.name] = LayerSparsity{rho, block == 0 ? 0 : (conv3 ? 3 : block)};
        }
    }
}

void ArchConfig::set_overall_sparsity(float rho, int32_t block, int64_t dense_below)
{
    TF_CHECK(rho >= 0.0f && rho < 1.0f, "sparsity ", rho, " must be in [0, 1)");
    TF_CHECK(dense_below >= 0, "dense_below = ", dense_below, " must be >= 0");
    int64_t total = 0, pruned_layers = 0;
    for (const LayerSpec& l : layers(*this)) {
        if (l.prunable) {
            total += l.weight_count();
            pruned_layers += l.weight_count() >= dense_below ? l.weight_count() : 0;
        }
    }
    const double layer_rho = pruned_layers > 0 ? static_cast<double>(rho) * static_cast<double>(total) /
                                                     static_cast<double>(pruned_layers)
                                               : 0.0;
    TF_CHECK(rho == 0.0f || (pruned_layers > 0 && layer_rho <= 0.95), "overall sparsity ", rho,
             " with layers below ", dense_below, " weights dense needs ", layer_rho,
             " in the others (at most 0.95): lower the sparsity or the dense-below threshold");
    set_uniform_sparsity(static_cast<float>(layer_rho), block);
    for (const LayerSpec& l : layers(*this)) {
        if (!l.prunable) {
            continue;
        }
        if (l.weight_count() < dense_below) {
            sparsity.erase(l.name);
            continue;
        }
        // Pruning removes floor(rho * blocks) blocks (pruning.h): ask for ceil(layer_rho * blocks) so that
        // rounding never leaves the total below rho; (k + 0.5) / blocks survives float rounding.
        LayerSparsity& s = sparsity.at(l.name);
        const int64_t blocks = (l.weight_count() + s.block - 1) / s.block;
        const int64_t k = std::min<int64_t>(blocks - 1, static_cast<int64_t>(std::ceil(layer_rho * static_cast<double>(blocks) - 1e-4)));  // 1e-4: rho came as a float
        s.rho = static_cast<float>((static_cast<double>(k) + 0.5) / static_cast<double>(blocks));
    }
}

int64_t LayerSpec::weight_count() const
{
    switch (kind) {
    case LayerKind::Conv: return int64_t{out_channels} * kernel * kernel * in_channels;
    case LayerKind::Depthwise: return int64_t{9} * out_channels;
    case LayerKind::Linear: return int64_t{out_channels} * in_channels;
    case LayerKind::LayerNorm: return out_channels;  // gamma
    default: return 0;
    }
}

int64_t LayerSpec::bias_count() const
{
    switch (kind) {
    case LayerKind::Conv:
    case LayerKind::Depthwise:
    case LayerKind::Linear:
    case LayerKind::LayerNorm: return out_channels;  // bias / beta
    default: return 0;
    }
}

namespace {

// Expands an ArchConfig; each add_* appends one layer and returns its value index.
class Expander {
public:
    explicit Expander(const ArchConfig& c) : c_(c) { shapes_.push_back({1, c.input_h, c.input_w, c.input_c}); }

    std::vector<LayerSpec> run()
    {
        TF_CHECK(c_.input_h > 0 && c_.input_w > 0 && c_.input_c > 0, "input shape ", c_.input_h, "x", c_.input_w,
                 "x", c_.input_c, " must be positive");
        TF_CHECK(c_.classes >= 2, "classes = ", c_.classes, ": need at least 2");
        int32_t x = 0;
        for (size_t d = 0; d < c_.dots.size(); d++) {
            x = dot(x, c_.dots[d], "dot" + std::to_string(d + 1));
        }
        const int32_t dim = shapes_[static_cast<size_t>(x)][3];
        int32_t features;
        if (c_.pooling == PoolingKind::SeqPool) {
            const int32_t tokens = add_view(LayerKind::ToTokens, "pool.tokens", x);
            const int32_t logits = add_linear("pool.logits", tokens, 1, LayerActivation::None);
            LayerSpec l;
            l.name = "pool.seqpool";
            l.kind = LayerKind::SeqPool;
            l.inputs = {tokens, logits};
            l.output_shape = {1, dim};
            l.in_channels = l.out_channels = dim;
            features = push(l);
        } else {
            const std::vector<int32_t> s = shapes_[static_cast<size_t>(x)];  // a copy: push() below reallocates
            TF_CHECK(s[1] >= 2 && s[2] >= 2, "pooling AvgPool: feature map ", s[1], "x", s[2],
                     " is smaller than 2x2");
            LayerSpec l;
            l.name = "pool.avg";
            l.kind = LayerKind::AvgPool2x2;
            l.inputs = {x};
            l.output_shape = {1, s[1] / 2, s[2] / 2, s[3]};
            l.in_channels = l.out_channels = s[3];
            const int32_t pooled = push(l);
            LayerSpec flat;
            flat.name = "pool.flatten";
            flat.kind = LayerKind::ToTokens;
            flat.inputs = {pooled};
            flat.output_shape = {1, (s[1] / 2) * (s[2] / 2) * s[3]};
            flat.in_channels = flat.out_channels = flat.output_shape[1];
            features = push(flat);
        }
        TF_CHECK(c_.last_dim >= 1, "last_dim = ", c_.last_dim, ": must be positive");
        const int32_t hidden = add_linear("head.fc1", features, c_.last_dim, LayerActivation::Relu);
        add_linear("head.fc2", hidden, c_.classes, LayerActivation::None);
        return std::move(layers_);
    }

private:
    int32_t push(LayerSpec l)
    {
        shapes_.push_back(l.output_shape);
        layers_.push_back(std::move(l));
        return static_cast<int32_t>(shapes_.size() - 1);
    }

    const std::vector<int32_t>& shape(int32_t v) const { return shapes_[static_cast<size_t>(v)]; }

    int32_t add_conv(const std::string& name, int32_t x, int32_t out, int32_t k, int32_t stride,
                     LayerActivation act)
    {
        const auto& s = shape(x);
        const int32_t pad = k / 2;
        LayerSpec l;
        l.name = name;
        l.kind = LayerKind::Conv;
        l.inputs = {x};
        l.kernel = k;
        l.stride = stride;
        l.pad = pad;
        l.in_channels = s[3];
        l.out_channels = out;
        l.activation = act;
        l.prunable = true;
        l.output_shape = {1, (s[1] + 2 * pad - k) / stride + 1, (s[2] + 2 * pad - k) / stride + 1, out};
        return push(l);
    }

    int32_t add_depthwise(const std::string& name, int32_t x, LayerActivation act)
    {
        const auto& s = shape(x);
        LayerSpec l;
        l.name = name;
        l.kind = LayerKind::Depthwise;
        l.inputs = {x};
        l.kernel = 3;
        l.pad = 1;
        l.in_channels = l.out_channels = s[3];
        l.activation = act;
        l.output_shape = s;
        return push(l);
    }

    int32_t add_linear(const std::string& name, int32_t x, int32_t out, LayerActivation act)
    {
        const auto& s = shape(x);
        LayerSpec l;
        l.name = name;
        l.kind = LayerKind::Linear;
        l.inputs = {x};
        l.in_channels = s.back();
        l.out_channels = out;
        l.activation = act;
        l.prunable = true;
        l.output_shape = s;
        l.output_shape.back() = out;
        return push(l);
    }

    int32_t add_simple(LayerKind kind, const std::string& name, std::vector<int32_t> inputs)
    {
        LayerSpec l;
        l.name = name;
        l.kind = kind;
        l.output_shape = shape(inputs[0]);
        l.in_channels = l.out_channels = l.output_shape.back();
        l.inputs = std::move(inputs);
        return push(l);
    }

    int32_t add_view(LayerKind kind, const std::string& name, int32_t x)
    {
        const auto& s = shape(x);
        LayerSpec l;
        l.name = name;
        l.kind = kind;
        l.inputs = {x};
        l.in_channels = l.out_channels = s.back();
        l.output_shape = kind == LayerKind::ToTokens ? std::vector<int32_t>{s[1] * s[2], s[3]}
                                                     : std::vector<int32_t>{1, map_h_, map_w_, s[1]};
        return push(l);
    }

    int32_t dot(int32_t x, const DoTConfig& d, const std::string& name)
    {
        TF_CHECK(d.dim >= 1, name, ".dim = ", d.dim, ": must be positive");
        TF_CHECK(d.heads >= 1 && d.dim % d.heads == 0, name, ".heads = ", d.heads, " must divide dim ", d.dim);
        // Downsample
        if (d.downsample == DownsampleKind::ConvMaxPool) {
            x = add_conv(name + ".down.conv", x, d.dim, 3, 1, LayerActivation::Relu);
            const auto& s = shape(x);
            TF_CHECK(s[1] >= 2 && s[2] >= 2, name, ".downsample: feature map ", s[1], "x", s[2], " is below 2x2");
            LayerSpec l;
            l.name = name + ".down.pool";
            l.kind = LayerKind::MaxPool2x2;
            l.inputs = {x};
            l.output_shape = {1, s[1] / 2, s[2] / 2, s[3]};
            l.in_channels = l.out_channels = s[3];
            x = push(l);
        } else {
            const int32_t stride = d.downsample == DownsampleKind::ConvStride2 ? 2 : 1;
            x = add_conv(name + ".down.conv", x, d.dim, 3, stride, LayerActivation::Relu);
        }
        // MobileNetV2 blocks
        for (size_t i = 0; i < d.mbv2_expansions.size(); i++) {
            const int32_t e = d.mbv2_expansions[i];
            TF_CHECK(e >= 1, name, ".mbv2[", i, "].expansion = ", e, ": must be >= 1");
            const std::string b = name + ".mbv2_" + std::to_string(i + 1);
            const int32_t in = x;
            int32_t y = add_conv(b + ".expand", x, d.dim * e, 1, 1, LayerActivation::Relu6);
            y = add_depthwise(b + ".dw", y, LayerActivation::Relu6);
            y = add_conv(b + ".project", y, d.dim, 1, 1, LayerActivation::None);
            x = add_simple(LayerKind::Add, b + ".add", {y, in});
        }
        // Transformer modules
        for (size_t i = 0; i < d.transformers.size(); i++) {
            const TransformerChoice& t = d.transformers[i];
            TF_CHECK(t.mlp_ratio >= 1 && t.encoders >= 1, name, ".transformer[", i, "]: mlp_ratio ", t.mlp_ratio,
                     " and encoders ", t.encoders, " must be >= 1");
            const std::string b = name + ".vit_" + std::to_string(i + 1);
            if (t.conv_pair) {
                x = add_conv(b + ".conv3x3_in", x, d.dim, 3, 1, LayerActivation::Relu);
                x = add_conv(b + ".conv1x1_in", x, d.dim, 1, 1, LayerActivation::None);
            }
            map_h_ = shape(x)[1];
            map_w_ = shape(x)[2];
            x = add_view(LayerKind::ToTokens, b + ".unfold", x);
            for (int32_t e = 0; e < t.encoders; e++) {
                const std::string en = b + ".enc_" + std::to_string(e + 1);
                const int32_t in = x;
                const int32_t n1 = add_simple(LayerKind::LayerNorm, en + ".ln1", {x});
                const int32_t q = add_linear(en + ".q", n1, d.dim, LayerActivation::None);
                const int32_t k = add_linear(en + ".k", n1, d.dim, LayerActivation::None);
                const int32_t v = add_linear(en + ".v", n1, d.dim, LayerActivation::None);
                LayerSpec a;
                a.name = en + ".attention";
                a.kind = LayerKind::Attention;
                a.inputs = {q, k, v};
                a.heads = d.heads;
                a.output_shape = shape(q);
                a.in_channels = a.out_channels = d.dim;
                const int32_t att = push(a);
                const int32_t proj = add_linear(en + ".proj", att, d.dim, LayerActivation::None);
                x = add_simple(LayerKind::Add, en + ".add1", {proj, in});
                const int32_t mid = x;
                const int32_t n2 = add_simple(LayerKind::LayerNorm, en + ".ln2", {x});
                const int32_t h = add_linear(en + ".mlp1", n2, d.dim * t.mlp_ratio, LayerActivation::Relu);
                const int32_t o = add_linear(en + ".mlp2", h, d.dim, LayerActivation::None);
                x = add_simple(LayerKind::Add, en + ".add2", {o, mid});
            }
            x = add_view(LayerKind::ToMap, b + ".fold", x);
            if (t.conv_pair) {
                x = add_conv(b + ".conv1x1_out", x, d.dim, 1, 1, LayerActivation::None);
                x = add_conv(b + ".conv3x3_out", x, d.dim, 3, 1, LayerActivation::Relu);
            }
        }
        return x;
    }

    const ArchConfig& c_;
    std::vector<LayerSpec> layers_;
    std::vector<std::vector<int32_t>> shapes_;  // per value
    int32_t map_h_ = 0, map_w_ = 0;
};

LayerSparsity sparsity_of(const ArchConfig& c, const LayerSpec& l)
{
    auto it = c.sparsity.find(l.name);
    if (!l.prunable || it == c.sparsity.end()) {
        return {};
    }
    const LayerSparsity s = it->second;
    TF_CHECK(s.rho >= 0.0f && s.rho < 1.0f, "layer '", l.name, "': sparsity ", s.rho, " must be in [0, 1)");
    const bool conv3 = l.kind == LayerKind::Conv && l.kernel == 3;
    TF_CHECK(s.block == 0 || s.block == 2 || s.block == 4 || (s.block == 3 && conv3), "layer '", l.name,
             "': block size ", s.block, " is not supported (allowed: 2, 4", conv3 ? ", 3" : "", ")");
    return s;
}

// Weight blocks of a layer: groups of `block` weight indices (in [out, k, k, in] order) pruned together.
// Blocks run along the input channels (2, 4) or along the kernel width of 3x3 convolutions (3). Block k is
// described by its index alone (no per-block allocation: a 1.6 M-weight model has ~400 K blocks).
struct WeightBlocks {
    const LayerSpec& layer;
    int32_t block;

    int64_t count() const
    {
        if (block == 3) {
            return int64_t{layer.out_channels} * 3 * layer.in_channels;
        }
        return (layer.weight_count() + block - 1) / block;
    }

    // Zeroes the weights of block k.
    void zero(int64_t k, std::vector<int8_t>& weights) const
    {
        if (block == 3) {  // k = (o * 3 + ky) * in + ci: kx = 0..2 at stride `in`
            const int64_t row = k / layer.in_channels, ci = k % layer.in_channels;
            for (int64_t kx = 0; kx < 3; kx++) {
                weights[static_cast<size_t>((row * 3 + kx) * layer.in_channels + ci)] = 0;
            }
            return;
        }
        const int64_t end = std::min(layer.weight_count(), (k + 1) * block);
        for (int64_t i = k * block; i < end; i++) {
            weights[static_cast<size_t>(i)] = 0;
        }
    }
};

}  // namespace

std::vector<LayerSpec> layers(const ArchConfig& config) { return Expander(config).run(); }

int64_t parameter_count(const ArchConfig& config)
{
    int64_t total = 0;
    for (const LayerSpec& l : layers(config)) {
        total += l.weight_count() + l.bias_count();
    }
    return total;
}

int64_t effective_parameter_count(const ArchConfig& config)
{
    int64_t total = 0;
    for (const LayerSpec& l : layers(config)) {
        const LayerSparsity s = sparsity_of(config, l);
        const int64_t w = l.weight_count();
        const double rho = s.block > 0 ? static_cast<double>(s.rho) : 0.0;  // block 0: dense, as pruning treats it
        total += w - static_cast<int64_t>(std::floor(rho * static_cast<double>(w))) + l.bias_count();
    }
    return total;
}

bool has_sparsity(const ArchConfig& config)
{
    return std::any_of(config.sparsity.begin(), config.sparsity.end(),
                       [](const auto& entry) { return entry.second.rho > 0.0f && entry.second.block > 0; });
}

engine::Graph build_engine_graph(const ArchConfig& config, uint32_t seed)
{
    using namespace engine;
    const std::vector<LayerSpec> specs = layers(config);
    std::mt19937 rng(seed);
    Graph g;
    // Synthetic quantization: activations in [-6.4, 6.35] (scale 0.05), weights per channel 0.01.
    const float act_scale = 0.05f;
    std::vector<TensorId> value;
    value.push_back(g.add_activation("input", {1, config.input_h, config.input_w, config.input_c},
                                     QuantParams::per_tensor(act_scale, 0)));
    for (const LayerSpec& l : specs) {
        const auto in = [&](size_t i) { return value[static_cast<size_t>(l.inputs[i])]; };
        const bool relu = l.activation != LayerActivation::None;
        const QuantParams out_q = l.kind == LayerKind::Softmax ? QuantParams::per_tensor(1.0f / 256.0f, -128)
                                                               : QuantParams::per_tensor(act_scale, relu ? -128 : 0);
        const bool is_view = l.kind == LayerKind::ToTokens || l.kind == LayerKind::ToMap ||
                             l.kind == LayerKind::MaxPool2x2 || l.kind == LayerKind::AvgPool2x2;
        const TensorId out = g.add_activation(
            l.name, l.output_shape, is_view ? g.tensor(in(0)).quant : out_q);
        const Activation act = l.activation == LayerActivation::Relu    ? Activation::Relu
                               : l.activation == LayerActivation::Relu6 ? Activation::Relu6
                                                                        : Activation::None;
        TensorId w = kNoTensor;
        SparsityInfo sparsity_info;
        if (l.kind == LayerKind::Conv || l.kind == LayerKind::Depthwise || l.kind == LayerKind::Linear) {
            std::uniform_int_distribution<int> dist(-127, 127);
            std::vector<int8_t> weights(static_cast<size_t>(l.weight_count()));
            for (auto& v : weights) {
                v = static_cast<int8_t>(dist(rng));
            }
            const LayerSparsity s = sparsity_of(config, l);
            if (s.block > 0 && s.rho > 0.0f) {
                const WeightBlocks blocks{l, s.block};
                std::vector<int64_t> order(static_cast<size_t>(blocks.count()));
                std::iota(order.begin(), order.end(), int64_t{0});
                std::shuffle(order.begin(), order.end(), rng);
                const size_t pruned = static_cast<size_t>(std::floor(s.rho * static_cast<double>(order.size())));
                for (size_t b = 0; b < pruned; b++) {
                    blocks.zero(order[b], weights);
                }
                sparsity_info = SparsityInfo{s.block, s.rho};
            }
            std::vector<int32_t> shape;
            if (l.kind == LayerKind::Conv) {
                shape = {l.out_channels, l.kernel, l.kernel, l.in_channels};
            } else if (l.kind == LayerKind::Depthwise) {
                shape = {3, 3, l.out_channels};
            } else {
                shape = {l.out_channels, l.in_channels};
            }
            w = g.add_constant_s8(l.name + ".weight", shape, weights,
                                  QuantParams::per_channel(std::vector<float>(static_cast<size_t>(l.out_channels),
                                                                              0.01f / std::sqrt(float(l.in_channels))),
                                                           0));
        }
        switch (l.kind) {
        case LayerKind::Conv: {
            Conv2DAttrs a;
            a.stride_h = a.stride_w = l.stride;
            a.pad_top = a.pad_left = l.pad;
            const auto& s = g.tensor(in(0)).shape;
            a.pad_bottom = std::max(0, (l.output_shape[1] - 1) * l.stride + l.kernel - s[1] - l.pad);
            a.pad_right = std::max(0, (l.output_shape[2] - 1) * l.stride + l.kernel - s[2] - l.pad);
            a.activation = act;
            a.sparsity = sparsity_info;
            g.add_op(OpKind::Conv2D, l.name, {in(0), w, kNoTensor}, {out}, a);
            break;
        }
        case LayerKind::Depthwise: {
            DepthwiseConv2DAttrs a;
            a.activation = act;
            g.add_op(OpKind::DepthwiseConv2D, l.name, {in(0), w, kNoTensor}, {out}, a);
            break;
        }
        case LayerKind::Linear: {
            FullyConnectedAttrs a;
            a.activation = act;
            a.sparsity = sparsity_info;
            g.add_op(OpKind::FullyConnected, l.name, {in(0), w, kNoTensor}, {out}, a);
            break;
        }
        case LayerKind::MaxPool2x2: g.add_op(OpKind::MaxPool2x2, l.name, {in(0)}, {out}, PoolAttrs{}); break;
        case LayerKind::AvgPool2x2: g.add_op(OpKind::AvgPool2x2, l.name, {in(0)}, {out}, PoolAttrs{}); break;
        case LayerKind::Add: g.add_op(OpKind::Add, l.name, {in(0), in(1)}, {out}, AddAttrs{}); break;
        case LayerKind::LayerNorm: {
            const size_t c = static_cast<size_t>(l.out_channels);
            const TensorId gamma = g.add_constant_f32(l.name + ".gamma", {l.out_channels}, std::vector<float>(c, 1.0f));
            const TensorId beta = g.add_constant_f32(l.name + ".beta", {l.out_channels}, std::vector<float>(c, 0.0f));
            g.add_op(OpKind::LayerNorm, l.name, {in(0), gamma, beta}, {out}, LayerNormAttrs{});
            break;
        }
        case LayerKind::Attention: {
            AttentionAttrs a;
            a.heads = l.heads;
            a.scores_quant = QuantParams::per_tensor(0.1f, 0);
            g.add_op(OpKind::Attention, l.name, {in(0), in(1), in(2)}, {out}, a);
            break;
        }
        case LayerKind::Softmax: g.add_op(OpKind::Softmax, l.name, {in(0)}, {out}, SoftmaxAttrs{}); break;
        case LayerKind::SeqPool: g.add_op(OpKind::SeqPool, l.name, {in(0), in(1)}, {out}, SeqPoolAttrs{}); break;
        case LayerKind::ToTokens:
        case LayerKind::ToMap: g.add_op(OpKind::Reshape, l.name, {in(0)}, {out}, ReshapeAttrs{}); break;
        }
        value.push_back(out);
    }
    g.inputs = {value.front()};
    g.outputs = {value.back()};
    g.validate();
    return g;
}

}  // namespace tinyformer::toolkit
