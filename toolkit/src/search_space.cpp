#include "tinyformer/toolkit/search_space.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit {

using engine::Error;

std::vector<int32_t> random_genome(const std::vector<int32_t>& cardinalities, std::mt19937_64& rng)
{
    std::vector<int32_t> genome;
    genome.reserve(cardinalities.size());
    for (int32_t n : cardinalities) {
        genome.push_back(static_cast<int32_t>(uniform_index(rng, static_cast<uint64_t>(n))));
    }
    return genome;
}

const char* dimension_name(SpaceDimension d)
{
    switch (d) {
    case SpaceDimension::Dot1Dim: return "dot1.dim";
    case SpaceDimension::Dot2Dim: return "dot2.dim";
    case SpaceDimension::LastDim: return "last_dim";
    }
    return "?";
}

namespace {

// Throws unless genome has one value per gene, each in [0, cardinality).
void check_genome(const char* what, const std::vector<int32_t>& genome, const std::vector<int32_t>& cardinalities,
                  const std::vector<std::string>& names)
{
    TF_CHECK(genome.size() == cardinalities.size(), what, " genome has ", genome.size(), " genes, the space has ",
             cardinalities.size());
    for (size_t i = 0; i < genome.size(); i++) {
        TF_CHECK(genome[i] >= 0 && genome[i] < cardinalities[i], what, " gene '", names[i], "' = ", genome[i],
                 " is out of range (", cardinalities[i], " choices: 0..", cardinalities[i] - 1, ")");
    }
}

template <typename T>
void check_not_empty(const std::vector<T>& list, const char* name)
{
    TF_CHECK(!list.empty(), "search space: the list '", name, "' is empty (every gene needs a choice)");
}

int32_t count(const std::vector<int32_t>& v) { return static_cast<int32_t>(v.size()); }
template <typename T>
int32_t count(const std::vector<T>& v)
{
    return static_cast<int32_t>(v.size());
}

// The multiple adjusted dims are rounded to: 4 (the kernels' preferred
// channel multiple, as the paper suggests) and every heads candidate.
int32_t dim_multiple(const std::vector<int32_t>& heads)
{
    int32_t m = 4;
    for (int32_t h : heads) {
        m = std::lcm(m, h);
    }
    return m;
}

}  // namespace

SearchSpace SearchSpace::for_input(int32_t h, int32_t w, int32_t c, int32_t classes_)
{
    SearchSpace s;
    s.input_h = h;
    s.input_w = w;
    s.input_c = c;
    s.classes = classes_;
    return s;
}

std::vector<int32_t>& SearchSpace::dims(SpaceDimension d)
{
    return d == SpaceDimension::Dot1Dim ? dot1_dims : d == SpaceDimension::Dot2Dim ? dot2_dims : last_dims;
}

const std::vector<int32_t>& SearchSpace::dims(SpaceDimension d) const
{
    return d == SpaceDimension::Dot1Dim ? dot1_dims : d == SpaceDimension::Dot2Dim ? dot2_dims : last_dims;
}

void SearchSpace::check() const
{
    check_not_empty(dot1_dims, "dot1.dim");
    check_not_empty(dot2_dims, "dot2.dim");
    check_not_empty(last_dims, "last_dim");
    check_not_empty(heads, "heads");
    check_not_empty(mbv2_counts, "mbv2_count");
    check_not_empty(transformer_counts, "transformer_count");
    check_not_empty(downsample, "downsample");
    check_not_empty(expansions, "expansions");
    check_not_empty(transformers, "transformers");
    check_not_empty(pooling, "pooling");
    check_not_empty(sparsities, "sparsities");
    check_not_empty(blocks, "blocks");
    for (int32_t h : heads) {
        TF_CHECK(h >= 1, "search space: heads ", h, " must be >= 1");
    }
    for (SpaceDimension d : kSpaceDimensions) {
        for (int32_t x : dims(d)) {
            TF_CHECK(x >= 1, "search space: ", dimension_name(d), " ", x, " must be >= 1");
            if (d != SpaceDimension::LastDim) {
                for (int32_t h : heads) {
                    TF_CHECK(x % h == 0, "search space: heads ", h, " does not divide ", dimension_name(d), " ", x,
                             " (every heads candidate must divide every dim)");
                }
            }
        }
    }
    for (int32_t n : mbv2_counts) {
        TF_CHECK(n >= 0, "search space: mbv2_count ", n, " must be >= 0");
    }
    for (int32_t n : transformer_counts) {
        TF_CHECK(n >= 0, "search space: transformer_count ", n, " must be >= 0");
    }
    for (int32_t e : expansions) {
        TF_CHECK(e >= 1, "search space: expansion ", e, " must be >= 1");
    }
    for (const TransformerChoice& t : transformers) {
        TF_CHECK(t.mlp_ratio >= 1 && t.encoders >= 1, "search space: transformer candidate with mlp_ratio ",
                 t.mlp_ratio, " and encoders ", t.encoders, ": both must be >= 1");
    }
    for (float rho : sparsities) {
        TF_CHECK(rho >= 0.0f && rho < 1.0f, "search space: sparsity ", rho, " must be in [0, 1)");
    }
    for (int32_t b : blocks) {
        TF_CHECK(b == 2 || b == 4, "search space: block ", b, " is not supported (allowed: 2, 4; 3x3 convolutions "
                 "always use 3)");
    }
    // The smallest feature maps: the most downsampling candidate in both DoTs, AvgPool when offered.
    ArchConfig c;
    c.input_h = input_h;
    c.input_w = input_w;
    c.input_c = input_c;
    c.classes = classes;
    const bool has_maxpool =
        std::find(downsample.begin(), downsample.end(), DownsampleKind::ConvMaxPool) != downsample.end();
    for (DoTConfig& d : c.dots) {
        d = DoTConfig{heads[0] * 4, heads[0], has_maxpool ? DownsampleKind::ConvMaxPool : downsample[0], {}, {}};
    }
    const bool has_avg = std::find(pooling.begin(), pooling.end(), PoolingKind::AvgPool) != pooling.end();
    c.pooling = has_avg ? PoolingKind::AvgPool : pooling[0];
    try {
        layers(c);
    } catch (const Error& e) {
        TF_CHECK(false, "search space: on input ", input_h, "x", input_w, "x", input_c,
                 " the path with the smallest feature maps is invalid: ", e.what());
    }
}

// ---- c_sup ----

std::vector<int32_t> SearchSpace::supernet_genes() const
{
    check();
    return {count(dot1_dims), count(heads),     count(mbv2_counts), count(transformer_counts),
            count(dot2_dims), count(heads),     count(mbv2_counts), count(transformer_counts),
            count(last_dims)};
}

std::vector<std::string> SearchSpace::supernet_gene_names() const
{
    return {"dot1.dim", "dot1.heads", "dot1.mbv2_count", "dot1.transformer_count",
            "dot2.dim", "dot2.heads", "dot2.mbv2_count", "dot2.transformer_count",
            "last_dim"};
}

SupernetSpace SearchSpace::decode_supernet(const std::vector<int32_t>& g) const
{
    check_genome("supernet", g, supernet_genes(), supernet_gene_names());
    SupernetSpace s;
    s.downsample = downsample;
    s.expansions = expansions;
    s.transformers = transformers;
    s.pooling = pooling;
    ArchConfig& c = s.base;
    c.input_h = input_h;
    c.input_w = input_w;
    c.input_c = input_c;
    c.classes = classes;
    for (size_t d = 0; d < 2; d++) {
        const size_t at = 4 * d;
        DoTConfig& dot = c.dots[d];
        dot.dim = (d == 0 ? dot1_dims : dot2_dims)[static_cast<size_t>(g[at])];
        dot.heads = heads[static_cast<size_t>(g[at + 1])];
        dot.downsample = downsample[0];
        dot.mbv2_expansions.assign(static_cast<size_t>(mbv2_counts[static_cast<size_t>(g[at + 2])]), expansions[0]);
        dot.transformers.assign(static_cast<size_t>(transformer_counts[static_cast<size_t>(g[at + 3])]),
                                transformers[0]);
    }
    c.pooling = pooling[0];
    c.last_dim = last_dims[static_cast<size_t>(g[8])];
    return s;
}

std::vector<int32_t> SearchSpace::random_supernet_genome(std::mt19937_64& rng) const
{
    return random_genome(supernet_genes(), rng);
}

// ---- c_spa ----

std::vector<PrunableSlot> SearchSpace::prunable_slots(const SupernetSpace& supernet) const
{
    // One path that holds every prunable layer name of the supernet: each
    // transformer module with the conv pair (if any candidate has it) and the
    // most encoders, SeqPool's logits (if offered). Layer names do not depend on
    // the downsample kind; the non-downsampling one keeps every map valid.
    ArchConfig c = supernet.base;
    c.sparsity.clear();
    TransformerChoice widest{1, false, 1};
    for (const TransformerChoice& t : supernet.transformers) {
        widest.conv_pair = widest.conv_pair || t.conv_pair;
        widest.encoders = std::max(widest.encoders, t.encoders);
    }
    for (DoTConfig& d : c.dots) {
        d.downsample = DownsampleKind::Conv;
        std::fill(d.transformers.begin(), d.transformers.end(), widest);
    }
    const bool has_seqpool = std::find(supernet.pooling.begin(), supernet.pooling.end(), PoolingKind::SeqPool) !=
                             supernet.pooling.end();
    c.pooling = has_seqpool ? PoolingKind::SeqPool : PoolingKind::AvgPool;
    std::vector<PrunableSlot> slots;
    for (const LayerSpec& l : layers(c)) {
        if (l.prunable) {
            slots.push_back({l.name, l.kind == LayerKind::Conv && l.kernel == 3});
        }
    }
    return slots;
}

std::vector<int32_t> SearchSpace::path_genes(const SupernetSpace& supernet) const
{
    check_not_empty(supernet.downsample, "downsample");
    check_not_empty(supernet.expansions, "expansions");
    check_not_empty(supernet.transformers, "transformers");
    check_not_empty(supernet.pooling, "pooling");
    check_not_empty(sparsities, "sparsities");
    check_not_empty(blocks, "blocks");
    std::vector<int32_t> genes;
    for (const DoTConfig& d : supernet.base.dots) {
        genes.push_back(count(supernet.downsample));
        genes.insert(genes.end(), d.mbv2_expansions.size(), count(supernet.expansions));
        genes.insert(genes.end(), d.transformers.size(), count(supernet.transformers));
    }
    genes.push_back(count(supernet.pooling));
    for (const PrunableSlot& s : prunable_slots(supernet)) {
        genes.push_back(count(sparsities));
        genes.push_back(s.conv3x3 ? 1 : count(blocks));
    }
    return genes;
}

std::vector<std::string> SearchSpace::path_gene_names(const SupernetSpace& supernet) const
{
    std::vector<std::string> names;
    for (size_t d = 0; d < supernet.base.dots.size(); d++) {
        const DoTConfig& dot = supernet.base.dots[d];
        const std::string p = "dot" + std::to_string(d + 1);
        names.push_back(p + ".downsample");
        for (size_t i = 0; i < dot.mbv2_expansions.size(); i++) {
            names.push_back(p + ".mbv2_" + std::to_string(i + 1) + ".expansion");
        }
        for (size_t i = 0; i < dot.transformers.size(); i++) {
            names.push_back(p + ".vit_" + std::to_string(i + 1) + ".variant");
        }
    }
    names.push_back("pooling");
    for (const PrunableSlot& s : prunable_slots(supernet)) {
        names.push_back(s.layer + ".sparsity");
        names.push_back(s.layer + ".block");
    }
    return names;
}

ArchConfig SearchSpace::decode_path(const SupernetSpace& supernet, const std::vector<int32_t>& g) const
{
    check_genome("path", g, path_genes(supernet), path_gene_names(supernet));
    const auto at = [&](size_t& i) { return static_cast<size_t>(g[i++]); };
    ArchConfig c = supernet.base;
    c.sparsity.clear();
    size_t i = 0;
    for (DoTConfig& d : c.dots) {
        d.downsample = supernet.downsample[at(i)];
        for (int32_t& e : d.mbv2_expansions) {
            e = supernet.expansions[at(i)];
        }
        for (TransformerChoice& t : d.transformers) {
            t = supernet.transformers[at(i)];
        }
    }
    c.pooling = supernet.pooling[at(i)];
    std::map<std::string, LayerSparsity> by_slot;
    for (const PrunableSlot& s : prunable_slots(supernet)) {
        const float rho = sparsities[at(i)];
        const size_t block = at(i);
        if (rho > 0.0f) {
            by_slot[s.layer] = LayerSparsity{rho, s.conv3x3 ? 3 : blocks[block]};
        }
    }
    for (const LayerSpec& l : layers(c)) {  // the path's layers only: unused slots are dropped
        auto it = by_slot.find(l.name);
        if (it != by_slot.end()) {
            c.sparsity.insert(*it);
        }
    }
    return c;
}

std::vector<int32_t> SearchSpace::random_path_genome(const SupernetSpace& supernet, std::mt19937_64& rng) const
{
    return random_genome(path_genes(supernet), rng);
}

// ---- Alg. 1 ----

double SpaceAnalysis::probability() const
{
    return n_eval > 0 ? static_cast<double>(n_accept) / static_cast<double>(n_eval) : 0.0;
}

SpaceAnalysis analyze_search_space(const SearchSpace& space, const McuTarget& target, const AnalysisOptions& options)
{
    space.check();
    check_target(target);
    TF_CHECK(options.samples >= 1, "search-space analysis: samples = ", options.samples, " must be >= 1");
    TF_CHECK(options.lambda_lo >= 0.0 && options.lambda_lo <= options.lambda_up, "search-space analysis: lambda_lo ",
             options.lambda_lo, " and lambda_up ", options.lambda_up, " must satisfy 0 <= lambda_lo <= lambda_up");
    const auto start = std::chrono::steady_clock::now();
    SpaceAnalysis a;
    a.target = target;
    a.options = options;
    const double memory_limit = static_cast<double>(target.sram_bytes);  // L_m
    a.accept_lo = options.lambda_lo * memory_limit;
    a.accept_hi = options.lambda_up * memory_limit;
    std::mt19937_64 rng(options.seed);
    for (int32_t i = 0; i < options.samples; i++) {
        AnalysisSample s;
        s.supernet_genome = space.random_supernet_genome(rng);
        const SupernetSpace supernet = space.decode_supernet(s.supernet_genome);
        s.path_genome = space.random_path_genome(supernet, rng);
        const ArchConfig path = space.decode_path(supernet, s.path_genome);
        s.dims = {path.dots[0].dim, path.dots[1].dim, path.last_dim};
        s.parameters = parameter_count(path);
        s.effective_parameters = effective_parameter_count(path);
        s.resources = evaluate_resources(path);
        s.fits = fits(s.resources, target);
        if (s.fits) {
            a.n_eval++;
            const double n = static_cast<double>(s.effective_parameters);
            s.accepted = a.accept_lo <= n && n <= a.accept_hi;
            a.n_accept += s.accepted ? 1 : 0;
        }
        a.samples.push_back(std::move(s));
    }
    a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return a;
}

// ---- Eqs. 1-3 ----

SearchSpace adjust_search_space(const SearchSpace& space, const SpaceAnalysis& analysis)
{
    TF_CHECK(analysis.n_eval > 0, "search-space adjustment: no sampled model fits ", analysis.target.name, " (0 of ",
             analysis.samples.size(), " samples): eqs. 1-3 need at least one; shrink the dimensions by hand");
    std::vector<const AnalysisSample*> evaluated;
    for (const AnalysisSample& s : analysis.samples) {
        if (s.fits) {
            evaluated.push_back(&s);
        }
    }
    const double n_eval = static_cast<double>(evaluated.size());
    // Eq. 2
    const double k = static_cast<double>(analysis.n_accept) / static_cast<double>(analysis.n_eval) + 0.1;
    // Eq. 3's parameter term: where the mean capacity sits between the smallest and the largest.
    double n_sum = 0.0, n_min = std::numeric_limits<double>::max(), n_max = 0.0;
    for (const AnalysisSample* s : evaluated) {
        const double n = static_cast<double>(s->effective_parameters);
        n_sum += n;
        n_min = std::min(n_min, n);
        n_max = std::max(n_max, n);
    }
    const double position = n_max > n_min ? (n_sum / n_eval - n_min) / (n_max - n_min) : 0.5;

    SearchSpace out = space;
    const int32_t multiple = dim_multiple(space.heads);
    for (size_t d = 0; d < kSpaceDimensions.size(); d++) {
        double x_sum = 0.0, x_min = std::numeric_limits<double>::max(), x_max = 0.0;
        for (const AnalysisSample* s : evaluated) {
            const double x = s->dims[d];
            x_sum += x;
            x_min = std::min(x_min, x);
            x_max = std::max(x_max, x);
        }
        const double x_mean = x_sum / n_eval;
        const double b = x_min + position * (x_max - x_min);  // eq. 3
        const SpaceDimension dim = kSpaceDimensions[d];
        const int32_t m = dim == SpaceDimension::LastDim ? 4 : multiple;  // heads divide only DoT dims
        std::vector<int32_t> adjusted;
        for (int32_t x : space.dims(dim)) {
            const double y = k * (static_cast<double>(x) - x_mean) + b;  // eq. 1, rounded to a multiple of m
            adjusted.push_back(std::max(m, static_cast<int32_t>(std::lround(y / m)) * m));
        }
        std::sort(adjusted.begin(), adjusted.end());
        adjusted.erase(std::unique(adjusted.begin(), adjusted.end()), adjusted.end());
        out.dims(dim) = adjusted;
    }
    return out;
}

AdjustmentResult analyze_and_adjust(const SearchSpace& space, const McuTarget& target, const AnalysisOptions& options,
                                    int32_t max_rounds, double min_probability,
                                    const std::function<void(const AdjustmentRound&)>& on_round)
{
    TF_CHECK(max_rounds >= 1, "search-space adjustment: max_rounds = ", max_rounds, " must be >= 1");
    AdjustmentResult result;
    SearchSpace current = space;
    for (int32_t r = 0; r < max_rounds; r++) {
        AnalysisOptions o = options;
        o.seed = options.seed + static_cast<uint64_t>(r);
        AdjustmentRound round{current, analyze_search_space(current, target, o)};
        result.rounds.push_back(round);
        if (on_round) {
            on_round(result.rounds.back());
        }
        result.accepted = round.analysis.probability() >= min_probability;
        if (result.accepted || r + 1 == max_rounds) {
            break;
        }
        current = adjust_search_space(current, round.analysis);
    }
    return result;
}

}  // namespace tinyformer::toolkit
