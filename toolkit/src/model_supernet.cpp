#include "tinyformer/toolkit/supernet.h"

#include <algorithm>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/model_torch.h"

namespace tinyformer::toolkit {

namespace {

template <typename T>
const T& pick(const std::vector<T>& candidates, std::mt19937_64& rng)
{
    std::uniform_int_distribution<size_t> dist(0, candidates.size() - 1);
    return candidates[dist(rng)];
}

bool same_choice(const TransformerChoice& a, const TransformerChoice& b)
{
    return a.mlp_ratio == b.mlp_ratio && a.conv_pair == b.conv_pair && a.encoders == b.encoders;
}

// "dot1.mbv2_2.expand" -> {"dot1", "mbv2_2", ...}
std::vector<std::string> split_name(const std::string& name)
{
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', start)) {
        parts.push_back(name.substr(start, dot - start));
        start = dot + 1;
    }
    parts.push_back(name.substr(start));
    return parts;
}

size_t index_after(const std::string& part, const std::string& prefix)
{
    return static_cast<size_t>(std::stoi(part.substr(prefix.size())) - 1);
}

}  // namespace

// ---- SharedLayers ----

SharedLayersImpl::SharedLayersImpl(const ModelOptions& options)
    : options_(options), gen_(at::detail::createCPUGenerator(options.seed))
{
}

std::string SharedLayersImpl::key(const ArchConfig& c, const LayerSpec& l)
{
    const std::vector<std::string> parts = split_name(l.name);
    std::string tag;
    if (parts[0].rfind("dot", 0) == 0 && parts.size() >= 2) {
        const DoTConfig& d = c.dots.at(index_after(parts[0], "dot"));
        if (parts[1] == "down") {
            tag = "d" + std::to_string(static_cast<int>(d.downsample));
        } else if (parts[1].rfind("mbv2_", 0) == 0) {
            tag = "e" + std::to_string(d.mbv2_expansions.at(index_after(parts[1], "mbv2_")));
        } else if (parts[1].rfind("vit_", 0) == 0) {
            const TransformerChoice& t = d.transformers.at(index_after(parts[1], "vit_"));
            tag = "r" + std::to_string(t.mlp_ratio) + "c" + std::to_string(t.conv_pair ? 1 : 0) + "n" +
                  std::to_string(t.encoders);
        }
    } else if (parts[0] == "pool" || parts[0] == "head") {
        tag = "p" + std::to_string(static_cast<int>(c.pooling));
    }
    return SinglePathModuleImpl::module_name(l.name) + "__" + tag + "_i" + std::to_string(l.in_channels) + "o" +
           std::to_string(l.out_channels) + "k" + std::to_string(l.kernel) + "s" + std::to_string(l.stride);
}

LayerModules SharedLayersImpl::get(const ArchConfig& config, const LayerSpec& layer)
{
    const std::string k = key(config, layer);
    auto it = modules_.find(k);
    if (it != modules_.end()) {
        return it->second;
    }
    LayerModules m = make_layer_modules(layer, options_, gen_);
    if (m.conv) {
        register_module(k, m.conv);
    }
    if (m.bn) {
        register_module(k + "_bn", m.bn);
    }
    if (m.linear) {
        register_module(k, m.linear);
    }
    if (m.norm) {
        register_module(k, m.norm);
    }
    modules_.emplace(k, m);
    return m;
}

// ---- SupernetSpace ----

void SupernetSpace::check() const
{
    TF_CHECK(!downsample.empty(), "supernet: no downsample candidate");
    TF_CHECK(!expansions.empty(), "supernet: no MobileNetV2 expansion candidate");
    TF_CHECK(!transformers.empty(), "supernet: no transformer candidate");
    TF_CHECK(!pooling.empty(), "supernet: no pooling candidate");
}

ArchConfig SupernetSpace::sample(std::mt19937_64& rng) const
{
    check();
    ArchConfig c = base;
    c.sparsity.clear();
    for (DoTConfig& d : c.dots) {
        d.downsample = pick(downsample, rng);
        for (int32_t& e : d.mbv2_expansions) {
            e = pick(expansions, rng);
        }
        for (TransformerChoice& t : d.transformers) {
            t = pick(transformers, rng);
        }
    }
    c.pooling = pick(pooling, rng);
    return c;
}

// ---- Supernet ----

struct Supernet::State {
    SupernetSpace space;
    ModelOptions options;
    SharedLayers shared{nullptr};
};

Supernet::Supernet(const SupernetSpace& space, const ModelOptions& options) : state_(std::make_unique<State>())
{
    space.check();
    layers(space.base);  // throws for an impossible base shape
    state_->space = space;
    state_->options = options;
    state_->shared = SharedLayers(options);
}

Supernet::~Supernet() = default;
Supernet::Supernet(Supernet&&) noexcept = default;
Supernet& Supernet::operator=(Supernet&&) noexcept = default;

const SupernetSpace& Supernet::space() const { return state_->space; }
const ModelOptions& Supernet::options() const { return state_->options; }
SharedLayersImpl& Supernet::shared() { return *state_->shared; }
std::shared_ptr<SharedLayersImpl> Supernet::shared_ptr() { return state_->shared.ptr(); }

SinglePathModel Supernet::path(const ArchConfig& config)
{
    const SupernetSpace& s = state_->space;
    const ArchConfig& b = s.base;
    TF_CHECK(config.input_h == b.input_h && config.input_w == b.input_w && config.input_c == b.input_c &&
                 config.classes == b.classes && config.last_dim == b.last_dim,
             "supernet path: input, classes or last_dim differ from the supernet's");
    for (size_t i = 0; i < b.dots.size(); i++) {
        const DoTConfig &d = config.dots[i], &bd = b.dots[i];
        const std::string name = "dot" + std::to_string(i + 1);
        TF_CHECK(d.dim == bd.dim && d.heads == bd.heads, "supernet path: ", name, " dim ", d.dim, " / heads ",
                 d.heads, " are not the supernet's ", bd.dim, " / ", bd.heads);
        TF_CHECK(d.mbv2_expansions.size() == bd.mbv2_expansions.size() &&
                     d.transformers.size() == bd.transformers.size(),
                 "supernet path: ", name, " has ", d.mbv2_expansions.size(), " MobileNetV2 and ",
                 d.transformers.size(), " transformer modules, the supernet ", bd.mbv2_expansions.size(), " and ",
                 bd.transformers.size());
        TF_CHECK(std::find(s.downsample.begin(), s.downsample.end(), d.downsample) != s.downsample.end(),
                 "supernet path: ", name, ".downsample is not a candidate");
        for (int32_t e : d.mbv2_expansions) {
            TF_CHECK(std::find(s.expansions.begin(), s.expansions.end(), e) != s.expansions.end(),
                     "supernet path: ", name, " MobileNetV2 expansion ", e, " is not a candidate");
        }
        for (const TransformerChoice& t : d.transformers) {
            TF_CHECK(std::any_of(s.transformers.begin(), s.transformers.end(),
                                 [&](const TransformerChoice& c) { return same_choice(c, t); }),
                     "supernet path: ", name, " transformer (mlp_ratio ", t.mlp_ratio, ", conv_pair ", t.conv_pair,
                     ", encoders ", t.encoders, ") is not a candidate");
        }
    }
    TF_CHECK(std::find(s.pooling.begin(), s.pooling.end(), config.pooling) != s.pooling.end(),
             "supernet path: pooling is not a candidate");
    return SinglePathModel(config, state_->options, state_->shared.ptr());
}

SinglePathModel Supernet::extract(const ArchConfig& config)
{
    SinglePathModel shared_path = path(config);
    SinglePathModel copy(config, state_->options);
    torch::NoGradGuard no_grad;
    const auto from_params = shared_path.module().named_parameters();
    for (auto& p : copy.module().named_parameters()) {
        p.value().copy_(from_params[p.key()]);
    }
    const auto from_buffers = shared_path.module().named_buffers();
    for (auto& b : copy.module().named_buffers()) {
        b.value().copy_(from_buffers[b.key()]);
    }
    return copy;
}

void Supernet::create_all_candidates()
{
    const SupernetSpace& s = state_->space;
    const size_t variants = std::max(s.expansions.size(), s.transformers.size());
    for (DownsampleKind d1 : s.downsample) {
        for (DownsampleKind d2 : s.downsample) {
            for (PoolingKind p : s.pooling) {
                for (size_t v = 0; v < variants; v++) {
                    ArchConfig c = s.base;
                    c.sparsity.clear();
                    c.dots[0].downsample = d1;
                    c.dots[1].downsample = d2;
                    c.pooling = p;
                    for (DoTConfig& d : c.dots) {
                        std::fill(d.mbv2_expansions.begin(), d.mbv2_expansions.end(),
                                  s.expansions[v % s.expansions.size()]);
                        std::fill(d.transformers.begin(), d.transformers.end(),
                                  s.transformers[v % s.transformers.size()]);
                    }
                    try {
                        path(c);
                    } catch (const engine::Error&) {
                        // no valid single path with these choices (e.g. a map below 2x2)
                    }
                }
            }
        }
    }
}

int64_t Supernet::parameter_count() const
{
    int64_t total = 0;
    for (const auto& p : state_->shared->parameters()) {
        total += p.numel();
    }
    return total;
}

size_t Supernet::layer_count() const { return state_->shared->size(); }

void Supernet::save(const std::string& path) const
{
    torch::serialize::OutputArchive archive;
    state_->shared->save(archive);
    try {
        archive.save_to(path);
    } catch (const c10::Error& e) {
        TF_CHECK(false, "supernet: cannot write '", path, "': ", e.what_without_backtrace());
    }
}

void Supernet::load(const std::string& path)
{
    create_all_candidates();
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path);
    } catch (const c10::Error& e) {
        TF_CHECK(false, "supernet: cannot read '", path, "': ", e.what_without_backtrace());
    }
    load_checked(*state_->shared, archive, "supernet file '" + path + "' (another space or options?)");
}

}  // namespace tinyformer::toolkit
