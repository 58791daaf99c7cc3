#include "tinyformer/toolkit/pruning.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/model_torch.h"

namespace tinyformer::toolkit {

namespace {

// The weight tensor of a prunable layer ([C_out, C_in, KH, KW] or [out, in]).
torch::Tensor layer_weight(const SinglePathModuleImpl& m, size_t layer)
{
    const LayerModules& lm = m.layer_modules(layer);
    if (lm.conv) {
        return lm.conv->weight;
    }
    TF_INTERNAL_ASSERT(static_cast<bool>(lm.linear));
    return lm.linear->weight;
}

// The weights in the engine's block order, flattened: OHWI for b = 2 / 4
// ([out, in] for Linear), [C_out, KH, C_in, KW] for b = 3. Float, CPU.
torch::Tensor block_order(const torch::Tensor& w, int32_t block)
{
    torch::Tensor t = w.detach().to(torch::kCPU, torch::kFloat);
    if (t.dim() == 4) {
        t = block == 3 ? t.permute({0, 2, 1, 3}) : t.permute({0, 2, 3, 1});
    }
    return t.contiguous().reshape({-1});
}

// Per-block L1 norms (double) of the flattened weights; a short last block is
// padded with zeros.
std::vector<double> block_l1(const torch::Tensor& flat, int32_t block)
{
    const int64_t n = flat.numel();
    const int64_t blocks = (n + block - 1) / block;
    torch::Tensor padded = torch::zeros({blocks * block}, torch::kDouble);
    padded.narrow(0, 0, n).copy_(flat.to(torch::kDouble).abs());
    const torch::Tensor l1 = padded.reshape({blocks, block}).sum(1).contiguous();
    const double* p = l1.data_ptr<double>();
    return std::vector<double>(p, p + blocks);
}

// The per-element mask (float 0 / 1) in the weight's own shape [C_out, C_in, KH, KW] or [out, in].
torch::Tensor element_mask(const LayerMask& mask, const torch::Tensor& w)
{
    const int64_t n = w.numel();
    torch::Tensor keep = torch::from_blob(const_cast<uint8_t*>(mask.keep.data()), {mask.blocks()}, torch::kUInt8)
                             .to(torch::kFloat);
    torch::Tensor flat = keep.repeat_interleave(mask.block).narrow(0, 0, n);
    if (w.dim() != 4) {
        return flat.reshape(w.sizes()).contiguous();
    }
    const int64_t o = w.size(0), i = w.size(1), kh = w.size(2), kw = w.size(3);
    if (mask.block == 3) {
        return flat.reshape({o, kh, i, kw}).permute({0, 2, 1, 3}).contiguous();
    }
    return flat.reshape({o, kh, kw, i}).permute({0, 3, 1, 2}).contiguous();
}

// The layers the map names, checked; (layer index, block, rho) in layers() order.
struct Target {
    size_t layer;
    int32_t block;
    double rho;
};

std::vector<Target> targets_of(const std::vector<LayerSpec>& specs, const std::map<std::string, LayerSparsity>& sparsity)
{
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < specs.size(); i++) {
        index[specs[i].name] = i;
    }
    for (const auto& [name, s] : sparsity) {
        const auto it = index.find(name);
        TF_CHECK(it != index.end(), "pruning: sparsity names layer '", name, "', which the model does not have");
        const LayerSpec& l = specs[it->second];
        TF_CHECK(s.rho >= 0.0f && s.rho < 1.0f, "pruning: layer '", name, "': sparsity ", s.rho, " must be in [0, 1)");
        TF_CHECK(s.block == 0 || l.prunable, "pruning: layer '", name, "' is not prunable (only Conv and Linear are)");
        const bool conv3 = l.kind == LayerKind::Conv && l.kernel == 3;
        TF_CHECK(s.block == 0 || s.block == 2 || s.block == 4 || (s.block == 3 && conv3), "pruning: layer '", name,
                 "': block size ", s.block, " is not supported (allowed: 2, 4", conv3 ? ", 3" : "",
                 "; 3 runs along the width of 3x3 convolutions)");
    }
    std::vector<Target> out;
    for (size_t i = 0; i < specs.size(); i++) {
        const auto it = sparsity.find(specs[i].name);
        if (it != sparsity.end() && it->second.block > 0) {
            out.push_back({i, it->second.block, static_cast<double>(it->second.rho)});
        }
    }
    return out;
}

const SinglePathModuleImpl& module_of(const SinglePathModel& model) { return model.module(); }

}  // namespace

int64_t LayerMask::pruned_blocks() const
{
    return static_cast<int64_t>(std::count(keep.begin(), keep.end(), uint8_t{0}));
}

int64_t pruned_block_count(double rho, int64_t blocks)
{
    return static_cast<int64_t>(std::floor(rho * static_cast<double>(blocks)));
}

int64_t block_count(const LayerSpec& layer, int32_t block)
{
    TF_CHECK(block > 0, "block_count: block ", block, " must be > 0");
    return (layer.weight_count() + block - 1) / block;
}

std::vector<LayerMask> compute_block_masks(const SinglePathModel& model,
                                           const std::map<std::string, LayerSparsity>& sparsity,
                                           const std::vector<LayerMask>* previous)
{
    const SinglePathModuleImpl& m = module_of(model);
    const std::vector<Target> targets = targets_of(m.layers(), sparsity);
    TF_CHECK(previous == nullptr || previous->size() == targets.size(), "pruning: ",
             previous ? previous->size() : 0, " previous masks for ", targets.size(), " layers");
    std::vector<LayerMask> masks;
    for (size_t t = 0; t < targets.size(); t++) {
        const Target& target = targets[t];
        const LayerSpec& spec = m.layers()[target.layer];
        std::vector<double> l1 = block_l1(block_order(layer_weight(m, target.layer), target.block), target.block);
        const int64_t blocks = static_cast<int64_t>(l1.size());
        const int64_t pruned = pruned_block_count(target.rho, blocks);
        if (previous != nullptr) {
            const LayerMask& p = (*previous)[t];
            TF_CHECK(p.name == spec.name && p.block == target.block && p.blocks() == blocks, "pruning: previous mask '",
                     p.name, "' (block ", p.block, ", ", p.blocks(), " blocks) does not fit layer '", spec.name,
                     "' (block ", target.block, ", ", blocks, " blocks)");
            TF_CHECK(p.pruned_blocks() <= pruned, "pruning: layer '", spec.name, "': ", pruned,
                     " blocks to prune, fewer than the ", p.pruned_blocks(), " pruned before (masks only grow)");
            for (int64_t b = 0; b < blocks; b++) {
                if (p.keep[static_cast<size_t>(b)] == 0) {
                    l1[static_cast<size_t>(b)] = -1.0;  // ranks before any weight
                }
            }
        }
        std::vector<int64_t> order(static_cast<size_t>(blocks));
        std::iota(order.begin(), order.end(), int64_t{0});
        // (magnitude, index): a total order, so the choice is deterministic.
        std::partial_sort(order.begin(), order.begin() + pruned, order.end(), [&](int64_t a, int64_t b) {
            const double la = l1[static_cast<size_t>(a)], lb = l1[static_cast<size_t>(b)];
            return la < lb || (la == lb && a < b);
        });
        LayerMask mask;
        mask.name = spec.name;
        mask.block = target.block;
        mask.keep.assign(static_cast<size_t>(blocks), 1);
        for (int64_t k = 0; k < pruned; k++) {
            mask.keep[static_cast<size_t>(order[static_cast<size_t>(k)])] = 0;
        }
        masks.push_back(std::move(mask));
    }
    return masks;
}

namespace {

size_t layer_index(const SinglePathModuleImpl& m, const std::string& name)
{
    for (size_t i = 0; i < m.layers().size(); i++) {
        if (m.layers()[i].name == name) {
            TF_CHECK(m.layers()[i].prunable, "pruning: mask of layer '", name, "', which is not prunable");
            return i;
        }
    }
    TF_CHECK(false, "pruning: mask of layer '", name, "', which the model does not have");
    return 0;
}

void check_fits(const LayerMask& mask, const torch::Tensor& w)
{
    TF_CHECK(mask.block > 0 && (w.numel() + mask.block - 1) / mask.block == mask.blocks(), "pruning: mask of layer '",
             mask.name, "' has ", mask.blocks(), " blocks of ", mask.block, ", the layer has ", w.numel(), " weights");
    TF_CHECK(mask.block != 3 || (w.dim() == 4 && w.size(3) == 3), "pruning: mask of layer '", mask.name,
             "' has blocks of 3 along a kernel width that is not 3");
}

}  // namespace

void apply_masks(SinglePathModel& model, const std::vector<LayerMask>& masks)
{
    SinglePathModuleImpl& m = model.module();
    torch::NoGradGuard no_grad;
    for (const LayerMask& mask : masks) {
        torch::Tensor w = layer_weight(m, layer_index(m, mask.name));
        check_fits(mask, w);
        w.mul_(element_mask(mask, w).to(w.device(), w.scalar_type()));
    }
}

std::map<std::string, int64_t> zero_block_counts(const SinglePathModel& model, const std::vector<LayerMask>& masks)
{
    const SinglePathModuleImpl& m = module_of(model);
    std::map<std::string, int64_t> counts;
    for (const LayerMask& mask : masks) {
        const torch::Tensor flat = block_order(layer_weight(m, layer_index(m, mask.name)), mask.block);
        int64_t zero = 0;
        for (double l1 : block_l1(flat, mask.block)) {
            zero += l1 == 0.0 ? 1 : 0;
        }
        counts[mask.name] = zero;
    }
    return counts;
}

std::vector<LayerMask> prune_one_shot(SinglePathModel& model, const std::map<std::string, LayerSparsity>& sparsity)
{
    std::vector<LayerMask> masks = compute_block_masks(model, sparsity);
    apply_masks(model, masks);
    return masks;
}

std::vector<LayerMask> prune_one_shot(SinglePathModel& model) { return prune_one_shot(model, model.config().sparsity); }

// ---- AGP schedule ----------------------------------------------------------

AgpSchedule AgpSchedule::over_epochs(double start_epoch, double end_epoch, int64_t steps_per_epoch, int64_t interval,
                                     double initial_sparsity)
{
    TF_CHECK(steps_per_epoch > 0, "AGP: steps_per_epoch = ", steps_per_epoch, " must be > 0");
    TF_CHECK(start_epoch >= 0 && end_epoch > start_epoch, "AGP: epochs ", start_epoch, " .. ", end_epoch,
             " must satisfy 0 <= start < end");
    TF_CHECK(interval >= 1, "AGP: interval = ", interval, " steps must be >= 1");
    AgpSchedule s;
    s.initial_sparsity = initial_sparsity;
    s.start_step = static_cast<int64_t>(std::floor(start_epoch * static_cast<double>(steps_per_epoch)));
    const auto end = static_cast<int64_t>(std::floor(end_epoch * static_cast<double>(steps_per_epoch)));
    s.interval = interval;
    s.pruning_steps = std::max<int64_t>(1, (end - s.start_step) / interval);
    s.validate();
    return s;
}

void AgpSchedule::validate() const
{
    TF_CHECK(initial_sparsity >= 0 && initial_sparsity < 1, "AGP: initial_sparsity = ", initial_sparsity,
             " must be in [0, 1)");
    TF_CHECK(start_step >= 0, "AGP: start_step = ", start_step, " must be >= 0");
    TF_CHECK(interval >= 1, "AGP: interval = ", interval, " steps must be >= 1");
    TF_CHECK(pruning_steps >= 1, "AGP: pruning_steps = ", pruning_steps, " must be >= 1");
}

bool AgpSchedule::is_pruning_step(int64_t t) const
{
    return t >= start_step && t <= end_step() && (t - start_step) % interval == 0;
}

double AgpSchedule::sparsity(double final_sparsity, int64_t t) const
{
    const double s_i = std::min(initial_sparsity, final_sparsity);
    if (t <= start_step) {
        return s_i;
    }
    if (t >= end_step()) {
        return final_sparsity;
    }
    const double left = 1.0 - static_cast<double>(t - start_step) / static_cast<double>(pruning_steps * interval);
    return final_sparsity + (s_i - final_sparsity) * left * left * left;
}

// ---- Pruner ----------------------------------------------------------------

struct Pruner::Cache {
    std::vector<size_t> layers;          // per mask: index into the model's layers
    std::vector<torch::Tensor> element;  // per mask: 0 / 1 in the weight's shape, on its device and dtype
};

Pruner::Pruner(SinglePathModel& model, std::map<std::string, LayerSparsity> sparsity)
    : model_(model), targets_(std::move(sparsity)), cache_(std::make_unique<Cache>())
{
    const SinglePathModuleImpl& m = module_of(model_);
    for (const Target& t : targets_of(m.layers(), targets_)) {
        LayerMask mask;
        mask.name = m.layers()[t.layer].name;
        mask.block = t.block;
        mask.keep.assign(static_cast<size_t>(block_count(m.layers()[t.layer], t.block)), 1);
        masks_.push_back(std::move(mask));
    }
}

Pruner::Pruner(SinglePathModel& model) : Pruner(model, model.config().sparsity) {}

Pruner::~Pruner() = default;

void Pruner::update(const std::map<std::string, LayerSparsity>& sparsity)
{
    masks_ = compute_block_masks(model_, sparsity, &masks_);
    cache_->element.clear();
    apply();
}

void Pruner::prune_to_final() { update(targets_); }

void Pruner::prune_to(const AgpSchedule& schedule, int64_t t)
{
    schedule.validate();
    std::map<std::string, LayerSparsity> now = targets_;
    for (auto& [name, s] : now) {
        s.rho = static_cast<float>(schedule.sparsity(static_cast<double>(s.rho), t));
    }
    update(now);
    last_pruning_step_ = t;
}

void Pruner::apply()
{
    SinglePathModuleImpl& m = model_.module();
    if (cache_->element.size() != masks_.size()) {
        cache_->layers.clear();
        cache_->element.clear();
        for (const LayerMask& mask : masks_) {
            const size_t i = layer_index(m, mask.name);
            const torch::Tensor w = layer_weight(m, i);
            check_fits(mask, w);
            cache_->layers.push_back(i);
            cache_->element.push_back(element_mask(mask, w));
        }
    }
    torch::NoGradGuard no_grad;
    for (size_t k = 0; k < masks_.size(); k++) {
        torch::Tensor w = layer_weight(m, cache_->layers[k]);
        torch::Tensor& e = cache_->element[k];
        if (e.device() != w.device() || e.scalar_type() != w.scalar_type()) {
            e = e.to(w.device(), w.scalar_type());
        }
        w.mul_(e);
    }
}

void Pruner::mask_gradients()
{
    if (cache_->element.size() != masks_.size()) {
        apply();  // builds the cache (the weights are masked already)
    }
    SinglePathModuleImpl& m = model_.module();
    torch::NoGradGuard no_grad;
    for (size_t k = 0; k < masks_.size(); k++) {
        torch::Tensor w = layer_weight(m, cache_->layers[k]);
        torch::Tensor& g = w.mutable_grad();
        if (!g.defined()) {
            continue;  // a supernet's candidate this step did not use
        }
        torch::Tensor& e = cache_->element[k];
        if (e.device() != g.device() || e.scalar_type() != g.scalar_type()) {
            e = e.to(g.device(), g.scalar_type());
        }
        g.mul_(e);
    }
}

TrainingHooks Pruner::training_hooks()
{
    TrainingHooks h;
    h.before_step = [this](int64_t) { mask_gradients(); };
    h.after_step = [this](int64_t) { apply(); };
    h.save_state = [this] { return save_state(); };
    h.load_state = [this](const std::string& s) { load_state(s); };
    return h;
}

TrainingHooks Pruner::training_hooks(const AgpSchedule& schedule)
{
    schedule.validate();
    TrainingHooks h = training_hooks();
    h.after_step = [this, schedule](int64_t step) {
        if (schedule.is_pruning_step(step + 1)) {
            prune_to(schedule, step + 1);
        } else {
            apply();
        }
    };
    return h;
}

// State: "tf-pruner 1\n", last pruning step, mask count; per mask: name, block,
// blocks, then the keep flags packed 8 per byte (bit k % 8 of byte k / 8).
std::string Pruner::save_state() const
{
    std::string s = "tf-pruner 1\n" + std::to_string(last_pruning_step_) + " " + std::to_string(masks_.size()) + "\n";
    for (const LayerMask& mask : masks_) {
        s += mask.name + " " + std::to_string(mask.block) + " " + std::to_string(mask.blocks()) + "\n";
        std::string bits(static_cast<size_t>((mask.blocks() + 7) / 8), '\0');
        for (int64_t k = 0; k < mask.blocks(); k++) {
            if (mask.keep[static_cast<size_t>(k)] != 0) {
                bits[static_cast<size_t>(k / 8)] = static_cast<char>(bits[static_cast<size_t>(k / 8)] | (1 << (k % 8)));
            }
        }
        s += bits;
    }
    return s;
}

void Pruner::load_state(const std::string& state)
{
    size_t pos = 0;
    const auto line = [&]() {
        const size_t end = state.find('\n', pos);
        TF_CHECK(end != std::string::npos, "pruner state: truncated at byte ", pos);
        std::string l = state.substr(pos, end - pos);
        pos = end + 1;
        return l;
    };
    TF_CHECK(line() == "tf-pruner 1", "pruner state: not a pruner state (version 1)");
    long long last = 0;
    size_t count = 0;
    TF_CHECK(std::sscanf(line().c_str(), "%lld %zu", &last, &count) == 2, "pruner state: bad header");
    TF_CHECK(count == masks_.size(), "pruner state: ", count, " masks, this pruner has ", masks_.size(), " layers");
    std::vector<LayerMask> loaded = masks_;
    for (LayerMask& mask : loaded) {
        const std::string l = line();
        const size_t sp = l.find(' ');
        int block = 0;
        long long blocks = 0;
        TF_CHECK(sp != std::string::npos && std::sscanf(l.c_str() + sp, "%d %lld", &block, &blocks) == 2,
                 "pruner state: bad layer line '", l, "'");
        const std::string name = l.substr(0, sp);
        TF_CHECK(name == mask.name && block == mask.block && blocks == mask.blocks(), "pruner state: layer '", name,
                 "' (block ", block, ", ", blocks, " blocks) does not fit '", mask.name, "' (block ", mask.block, ", ",
                 mask.blocks(), " blocks)");
        const size_t bytes = static_cast<size_t>((blocks + 7) / 8);
        TF_CHECK(pos + bytes <= state.size(), "pruner state: layer '", name, "' truncated");
        for (int64_t k = 0; k < blocks; k++) {
            mask.keep[static_cast<size_t>(k)] =
                (static_cast<unsigned char>(state[pos + static_cast<size_t>(k / 8)]) >> (k % 8)) & 1u;
        }
        pos += bytes;
    }
    TF_CHECK(pos == state.size(), "pruner state: ", state.size() - pos, " bytes left over");
    masks_ = std::move(loaded);
    last_pruning_step_ = last;
    cache_->element.clear();
    apply();
}

// ---- AGP with fine-tuning ----------------------------------------------------

AgpResult agp_prune(SinglePathModel& model, const BatchSource& train, const TrainerOptions& options,
                    const AgpSchedule& schedule, const std::map<std::string, LayerSparsity>& sparsity)
{
    schedule.validate();
    const int64_t total_steps = static_cast<int64_t>(options.epochs) * train.batches_per_epoch;
    TF_CHECK(schedule.end_step() <= total_steps, "AGP: the schedule ends at step ", schedule.end_step(),
             ", after the run's ", total_steps, " steps (", options.epochs, " epochs of ", train.batches_per_epoch,
             "): raise epochs or end pruning earlier");
    Pruner pruner(model, sparsity);
    if (schedule.is_pruning_step(0)) {
        pruner.prune_to(schedule, 0);  // a resumed run replaces it with the checkpoint's masks
    }
    TrainerOptions o = options;
    o.hooks = pruner.training_hooks(schedule);
    AgpResult r;
    r.training = Trainer(o).fit(model, train);
    r.masks = pruner.masks();
    return r;
}

AgpResult agp_prune(SinglePathModel& model, const BatchSource& train, const TrainerOptions& options,
                    const AgpSchedule& schedule)
{
    return agp_prune(model, train, options, schedule, model.config().sparsity);
}

}  // namespace tinyformer::toolkit
