#include "tinyformer/toolkit/model.h"

#include <cmath>
#include <set>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/model_torch.h"

namespace tinyformer::toolkit {

namespace F = torch::nn::functional;

namespace {

bool has_weights(LayerKind kind)
{
    return kind == LayerKind::Conv || kind == LayerKind::Depthwise || kind == LayerKind::Linear ||
           kind == LayerKind::LayerNorm;
}

// Kaiming normal over the fan-in, gain sqrt(2) before a ReLU / ReLU6, 1 before
// nothing (a residual add, attention, the logits); biases zero.
void kaiming_init(torch::Tensor& weight, torch::Tensor& bias, LayerActivation act, at::Generator& gen)
{
    torch::NoGradGuard no_grad;
    const int64_t fan_in = weight.numel() / weight.size(0);
    const double gain = act == LayerActivation::None ? 1.0 : std::sqrt(2.0);
    weight.normal_(0.0, gain / std::sqrt(static_cast<double>(fan_in)), gen);
    if (bias.defined()) {
        bias.zero_();
    }
}

torch::Tensor activate(const torch::Tensor& x, LayerActivation act)
{
    switch (act) {
    case LayerActivation::Relu: return torch::relu(x);
    case LayerActivation::Relu6: return torch::clamp(x, 0.0, 6.0);
    case LayerActivation::None: break;
    }
    return x;
}

}  // namespace

std::vector<int64_t> torch_shape(const std::vector<int32_t>& s, int64_t n)
{
    if (s.size() == 4) {
        return {n, s[3], s[1], s[2]};
    }
    TF_INTERNAL_ASSERT(s.size() == 2);
    return {n, s[0], s[1]};
}

std::string SinglePathModuleImpl::module_name(const std::string& layer_name)
{
    std::string n = layer_name;
    for (char& c : n) {
        if (c == '.') {
            c = '_';
        }
    }
    return n;
}

LayerModules make_layer_modules(const LayerSpec& l, const ModelOptions& options, at::Generator& gen)
{
    LayerModules m;
    switch (l.kind) {
    case LayerKind::Conv:
    case LayerKind::Depthwise: {
        const bool dw = l.kind == LayerKind::Depthwise;
        auto o = torch::nn::Conv2dOptions(l.in_channels, l.out_channels, l.kernel)
                     .stride(l.stride)
                     .padding(l.pad)
                     .groups(dw ? l.out_channels : 1)
                     .bias(!options.batch_norm);
        m.conv = torch::nn::Conv2d(o);
        kaiming_init(m.conv->weight, m.conv->bias, l.activation, gen);
        if (options.batch_norm) {
            m.bn = torch::nn::BatchNorm2d(l.out_channels);
        }
        break;
    }
    case LayerKind::Linear:
        m.linear = torch::nn::Linear(l.in_channels, l.out_channels);
        kaiming_init(m.linear->weight, m.linear->bias, l.activation, gen);
        break;
    case LayerKind::LayerNorm:
        m.norm = torch::nn::LayerNorm(torch::nn::LayerNormOptions({l.out_channels}).elementwise_affine(true));
        break;
    default: break;
    }
    return m;
}

SinglePathModuleImpl::SinglePathModuleImpl(const ArchConfig& config, const ModelOptions& options,
                                           std::shared_ptr<SharedLayersImpl> shared)
    : layers_(toolkit::layers(config)), modules_(layers_.size())
{
    at::Generator gen = at::detail::createCPUGenerator(options.seed);
    std::set<std::string> names;
    for (size_t i = 0; i < layers_.size(); i++) {
        const LayerSpec& l = layers_[i];
        if (!has_weights(l.kind)) {
            continue;
        }
        const std::string name = module_name(l.name);
        TF_CHECK(names.insert(name).second, "layer '", l.name, "': module name '", name, "' is not unique");
        LayerModules& m = modules_[i];
        m = shared ? shared->get(config, l) : make_layer_modules(l, options, gen);
        if (m.conv) {
            register_module(name, m.conv);
        }
        if (m.bn) {
            register_module(name + "_bn", m.bn);
        }
        if (m.linear) {
            register_module(name, m.linear);
        }
        if (m.norm) {
            register_module(name, m.norm);
        }
    }
}

torch::Tensor SinglePathModuleImpl::run_layer(size_t i, const std::vector<torch::Tensor>& values)
{
    const LayerSpec& l = layers_[i];
    LayerModules& m = modules_[i];
    const torch::Tensor& x = values[static_cast<size_t>(l.inputs[0])];
    switch (l.kind) {
    case LayerKind::Conv:
    case LayerKind::Depthwise: {
        torch::Tensor y = m.conv(x);
        if (m.bn) {
            y = m.bn(y);
        }
        return activate(y, l.activation);
    }
    // aten::linear, not LinearImpl::forward: on [N, T, C] tokens the C++ module runs matmul + add, which
    // costs an extra pass and a slower backward; aten::linear runs one addmm over N*T rows.
    case LayerKind::Linear: return activate(torch::linear(x, m.linear->weight, m.linear->bias), l.activation);
    case LayerKind::MaxPool2x2: return F::max_pool2d(x, F::MaxPool2dFuncOptions(2));
    case LayerKind::AvgPool2x2: return F::avg_pool2d(x, F::AvgPool2dFuncOptions(2));
    case LayerKind::Add: return x + values[static_cast<size_t>(l.inputs[1])];
    case LayerKind::LayerNorm: return m.norm(x);
    case LayerKind::Softmax: return torch::softmax(x, -1);
    case LayerKind::Attention: {
        // q, k, v [N, T, D] -> per head [N, heads, T, D / heads]; head h is channels [h*d, (h+1)*d).
        const int64_t n = x.size(0), t = x.size(1), dim = x.size(2), d = dim / l.heads;
        const auto heads = [&](const torch::Tensor& a) { return a.reshape({n, t, l.heads, d}).transpose(1, 2); };
        const torch::Tensor q = heads(x);
        const torch::Tensor k = heads(values[static_cast<size_t>(l.inputs[1])]);
        const torch::Tensor v = heads(values[static_cast<size_t>(l.inputs[2])]);
        const torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(d));
        const torch::Tensor out = torch::matmul(torch::softmax(scores, -1), v);  // [N, heads, T, d]
        return out.transpose(1, 2).reshape({n, t, dim});
    }
    case LayerKind::SeqPool: {
        // x [N, T, C], logits [N, T, 1]: softmax over the tokens, weighted sum -> [N, 1, C].
        const torch::Tensor w = torch::softmax(values[static_cast<size_t>(l.inputs[1])], 1);
        return torch::matmul(w.transpose(1, 2), x);
    }
    case LayerKind::ToTokens: {
        // [N, C, H, W] -> tokens [N, H*W, C] (token h*W + w), or a flatten [N, 1, H*W*C] in the
        // engine's NHWC order (pooling by AvgPool), so exported weights index the same features.
        const int64_t n = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
        if (l.output_shape[0] == hw && l.output_shape[1] == c) {
            return x.flatten(2).transpose(1, 2);
        }
        return x.permute({0, 2, 3, 1}).reshape({n, 1, hw * c});
    }
    case LayerKind::ToMap:
        // tokens [N, H*W, C] -> [N, C, H, W]
        return x.transpose(1, 2).reshape({x.size(0), l.output_shape[3], l.output_shape[1], l.output_shape[2]});
    }
    TF_INTERNAL_ASSERT(false);
    return {};
}

std::vector<torch::Tensor> SinglePathModuleImpl::forward_all(const torch::Tensor& images)
{
    TF_CHECK(images.dim() == 4, "model input: expected NCHW images, got a tensor of ", images.dim(), " dimensions");
    std::vector<torch::Tensor> values;
    values.reserve(layers_.size() + 1);
    values.push_back(images);
    for (size_t i = 0; i < layers_.size(); i++) {
        values.push_back(run_layer(i, values));
    }
    return values;
}

torch::Tensor SinglePathModuleImpl::forward(const torch::Tensor& images)
{
    TF_CHECK(images.dim() == 4, "model input: expected NCHW images, got a tensor of ", images.dim(), " dimensions");
    // Keep a value only while a later layer reads it.
    std::vector<size_t> last_use(layers_.size() + 1, 0);
    for (size_t i = 0; i < layers_.size(); i++) {
        for (int32_t v : layers_[i].inputs) {
            last_use[static_cast<size_t>(v)] = i;
        }
    }
    std::vector<torch::Tensor> values;
    values.reserve(layers_.size() + 1);
    values.push_back(images);
    for (size_t i = 0; i < layers_.size(); i++) {
        values.push_back(run_layer(i, values));
        for (int32_t v : layers_[i].inputs) {
            if (last_use[static_cast<size_t>(v)] == i) {
                values[static_cast<size_t>(v)] = torch::Tensor();
            }
        }
    }
    return values.back().flatten(1);  // [N, 1, classes] -> [N, classes]
}

bool SinglePathModuleImpl::has_batch_norm() const
{
    for (const LayerModules& m : modules_) {
        if (m.bn) {
            return true;
        }
    }
    return false;
}

void SinglePathModuleImpl::fold_batch_norm()
{
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < layers_.size(); i++) {
        LayerModules& m = modules_[i];
        if (!m.bn) {
            continue;
        }
        // y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta
        //   = conv_{w * s}(x) + (b - mean) * s + beta,   s = gamma / sqrt(var + eps)
        const torch::Tensor s = m.bn->weight / torch::sqrt(m.bn->running_var + m.bn->options.eps());
        torch::Tensor b = m.conv->bias.defined() ? m.conv->bias.clone() : torch::zeros_like(m.bn->running_mean);
        const LayerSpec& l = layers_[i];
        torch::nn::Conv2d folded(torch::nn::Conv2dOptions(l.in_channels, l.out_channels, l.kernel)
                                     .stride(l.stride)
                                     .padding(l.pad)
                                     .groups(l.kind == LayerKind::Depthwise ? l.out_channels : 1)
                                     .bias(true));
        folded->to(m.conv->weight.device());
        folded->weight.copy_(m.conv->weight * s.reshape({-1, 1, 1, 1}));
        folded->bias.copy_((b - m.bn->running_mean) * s + m.bn->bias);
        const std::string name = module_name(l.name);
        m.conv = replace_module(name, folded);
        unregister_module(name + "_bn");
        m.bn = nullptr;
    }
}

void load_checked(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& what)
{
    torch::NoGradGuard no_grad;
    const auto load_tensor = [&](torch::serialize::InputArchive& a, const std::string& module,
                                 const std::string& key, torch::Tensor& target, bool is_buffer) {
        torch::Tensor stored;
        TF_CHECK(a.try_read(key, stored, is_buffer), what, ": has no ", module, ".", key);
        TF_CHECK(stored.sizes() == target.sizes(), what, ": ", module, ".", key, " has shape ", stored.sizes(),
                 ", the model's is ", target.sizes());
        target.copy_(stored);
    };
    for (const auto& child : module.named_children()) {
        torch::serialize::InputArchive sub;
        TF_CHECK(archive.try_read(child.key(), sub), what, ": has no module ", child.key());
        for (auto& p : child.value()->named_parameters(false)) {
            load_tensor(sub, child.key(), p.key(), p.value(), false);
        }
        for (auto& b : child.value()->named_buffers(false)) {
            load_tensor(sub, child.key(), b.key(), b.value(), true);
        }
    }
}

// ---- SinglePathModel: the torch-free facade ----

struct SinglePathModel::State {
    ArchConfig config;
    ModelOptions options;
    SinglePathModule module{nullptr};
};

SinglePathModel::SinglePathModel(const ArchConfig& config, const ModelOptions& options)
    : state_(std::make_unique<State>())
{
    state_->config = config;
    state_->options = options;
    state_->module = SinglePathModule(config, options);
}

SinglePathModel::SinglePathModel(const ArchConfig& config, const ModelOptions& options,
                                 std::shared_ptr<SharedLayersImpl> shared)
    : state_(std::make_unique<State>())
{
    state_->config = config;
    state_->options = options;
    state_->module = SinglePathModule(config, options, std::move(shared));
}

SinglePathModel::~SinglePathModel() = default;
SinglePathModel::SinglePathModel(SinglePathModel&&) noexcept = default;
SinglePathModel& SinglePathModel::operator=(SinglePathModel&&) noexcept = default;

const ArchConfig& SinglePathModel::config() const { return state_->config; }
const std::vector<LayerSpec>& SinglePathModel::layers() const { return state_->module->layers(); }
const ModelOptions& SinglePathModel::options() const { return state_->options; }
SinglePathModuleImpl& SinglePathModel::module() { return *state_->module; }
const SinglePathModuleImpl& SinglePathModel::module() const { return *state_->module; }
std::shared_ptr<SinglePathModuleImpl> SinglePathModel::module_ptr() { return state_->module.ptr(); }

std::vector<LayerParameters> SinglePathModel::parameters_per_layer() const
{
    const SinglePathModuleImpl& m = *state_->module;
    std::vector<LayerParameters> out;
    for (size_t i = 0; i < m.layers().size(); i++) {
        const auto& lm = m.layer_modules(i);
        LayerParameters p;
        p.name = m.layers()[i].name;
        if (lm.conv) {
            p.weights = lm.conv->weight.numel();
            p.biases = lm.conv->bias.defined() ? lm.conv->bias.numel() : 0;
            if (lm.bn) {
                // The folded bias has one entry per channel; a conv bias folds into it too.
                p.biases = lm.bn->bias.numel();
            }
        } else if (lm.linear) {
            p.weights = lm.linear->weight.numel();
            p.biases = lm.linear->bias.numel();
        } else if (lm.norm) {
            p.weights = lm.norm->weight.numel();
            p.biases = lm.norm->bias.numel();
        } else {
            continue;
        }
        out.push_back(p);
    }
    return out;
}

int64_t SinglePathModel::parameter_count() const
{
    int64_t total = 0;
    for (const LayerParameters& p : parameters_per_layer()) {
        total += p.weights + p.biases;
    }
    return total;
}

void SinglePathModel::fold_batch_norm() { state_->module->fold_batch_norm(); }
bool SinglePathModel::has_batch_norm() const { return state_->module->has_batch_norm(); }

void SinglePathModel::save(const std::string& path) const
{
    torch::serialize::OutputArchive archive;
    state_->module->save(archive);
    try {
        archive.save_to(path);
    } catch (const c10::Error& e) {
        TF_CHECK(false, "model: cannot write '", path, "': ", e.what_without_backtrace());
    }
}

void SinglePathModel::load(const std::string& path)
{
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path);
    } catch (const c10::Error& e) {
        TF_CHECK(false, "model: cannot read '", path, "': ", e.what_without_backtrace());
    }
    load_checked(*state_->module, archive, "model file '" + path + "' (another config, or BatchNorm folded?)");
}

}  // namespace tinyformer::toolkit
