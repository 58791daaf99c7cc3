// The search spaces of SuperNAS / SparseNAS and their analysis (docs/search.md).
//
// S_sup (the supernet's shape, c_sup): per DoT the embedding dim, the number
// of heads, the number of MobileNetV2 and transformer modules; the last
// linear's width. S_spa (a sparse single path, c_spa): one candidate per choice
// module (downsample, MobileNetV2 expansion, transformer variant, pooling) and
// per prunable layer a sparsity and a block size.
//
// Both are searched as genomes: a genome is a vector of choice indices, one per
// gene; the cardinalities say how many choices each gene has.
//
//   SearchSpace space = SearchSpace::for_input(32, 32, 3, 10);
//   std::mt19937_64 rng(seed);
//   SupernetSpace sup = space.decode_supernet(space.random_supernet_genome(rng));
//   ArchConfig path = space.decode_path(sup, space.random_path_genome(sup, rng));
//
// Alg. 1 (analyze_search_space) samples (c_sup, c_spa), costs each sample with
// the engine (resources.h) and counts how many fit the target (n_eval) and how
// many of those have a capacity inside [lambda_lo L_m, lambda_up L_m]
// (n_accept); eqs. 1-3 (adjust_search_space) move the dimension lists.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/portable_random.h"
#include "tinyformer/toolkit/resources.h"
#include "tinyformer/toolkit/supernet.h"

namespace tinyformer::toolkit {

// The dimension lists eqs. 1-3 adjust.
enum class SpaceDimension : uint8_t { Dot1Dim, Dot2Dim, LastDim };
constexpr std::array<SpaceDimension, 3> kSpaceDimensions{SpaceDimension::Dot1Dim, SpaceDimension::Dot2Dim,
                                                         SpaceDimension::LastDim};
const char* dimension_name(SpaceDimension d);  // "dot1.dim", "dot2.dim", "last_dim"

// A prunable layer slot of a supernet's path genome: every prunable layer any
// single path of the supernet can have.
struct PrunableSlot {
    std::string layer;       // LayerSpec::name
    bool conv3x3 = false;    // 3x3 convolution: block 3 along the kernel width (its block gene has one choice)
};

struct SearchSpace {
    int32_t input_h = 32, input_w = 32, input_c = 3;
    int32_t classes = 10;

    // S_sup (design.md; the dims are what eqs. 1-3 adjust).
    std::vector<int32_t> dot1_dims{32, 44};
    std::vector<int32_t> dot2_dims{96, 128, 256};
    std::vector<int32_t> last_dims{512, 768, 1024};
    std::vector<int32_t> heads{1, 2, 4};            // per DoT; must divide every dim
    std::vector<int32_t> mbv2_counts{1, 2};         // MobileNetV2 modules per DoT
    std::vector<int32_t> transformer_counts{1, 2};  // transformer modules per DoT

    // The single path's choice modules: SupernetSpace's candidate lists.
    std::vector<DownsampleKind> downsample = SupernetSpace{}.downsample;
    std::vector<int32_t> expansions = SupernetSpace{}.expansions;
    std::vector<TransformerChoice> transformers = SupernetSpace{}.transformers;
    std::vector<PoolingKind> pooling = SupernetSpace{}.pooling;

    // S_spa: per prunable layer (3x3 convolutions always use block 3).
    std::vector<float> sparsities{0.0f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
    std::vector<int32_t> blocks{2, 4};

    // The default lists on another input (28x28x1 Fashion-MNIST, 32x32x3 CIFAR-10).
    static SearchSpace for_input(int32_t h, int32_t w, int32_t c, int32_t classes);

    std::vector<int32_t>& dims(SpaceDimension d);
    const std::vector<int32_t>& dims(SpaceDimension d) const;

    // Throws engine::Error naming the list and the rule: an empty list, a dim
    // that a heads candidate does not divide, a sparsity outside [0, 1), a block
    // other than 2 or 4, or a smallest single path that layers() rejects.
    void check() const;

    // ---- c_sup: dot1.{dim, heads, mbv2_count, transformer_count}, the same for dot2, last_dim ----
    std::vector<int32_t> supernet_genes() const;  // cardinality of each gene
    std::vector<std::string> supernet_gene_names() const;
    // The supernet: input, classes, dims, heads, module counts and last_dim in
    // `base`, this space's candidate lists. Throws engine::Error for a genome of
    // the wrong length or a value out of range, naming the gene.
    SupernetSpace decode_supernet(const std::vector<int32_t>& genome) const;
    std::vector<int32_t> random_supernet_genome(std::mt19937_64& rng) const;

    // ---- c_spa of one supernet ----
    // Genes, in order: per DoT its downsample, one expansion per MobileNetV2
    // module, one variant per transformer module; the pooling; then per
    // prunable slot (prunable_slots) a sparsity gene and a block gene. The
    // length depends only on the supernet; a slot whose layer the decoded path
    // lacks (the conv pair of a variant without it, SeqPool's logits under
    // AvgPool) is ignored.
    std::vector<PrunableSlot> prunable_slots(const SupernetSpace& supernet) const;
    std::vector<int32_t> path_genes(const SupernetSpace& supernet) const;
    std::vector<std::string> path_gene_names(const SupernetSpace& supernet) const;
    // The sparse single path. Sparsity 0 leaves the layer dense (its block gene
    // is ignored). Throws engine::Error for a genome of the wrong length or a
    // value out of range (naming the gene) and for a path layers() rejects.
    ArchConfig decode_path(const SupernetSpace& supernet, const std::vector<int32_t>& genome) const;
    std::vector<int32_t> random_path_genome(const SupernetSpace& supernet, std::mt19937_64& rng) const;
};

// A uniformly drawn genome for the given cardinalities.
std::vector<int32_t> random_genome(const std::vector<int32_t>& cardinalities, std::mt19937_64& rng);

// ---- Alg. 1: search-space analysis ----

struct AnalysisOptions {
    double lambda_lo = 0.8;  // accept when lambda_lo * L_m <= effective parameters <= lambda_up * L_m
    double lambda_up = 2.8;
    int32_t samples = 200;   // T_sup
    uint64_t seed = 1;
};

struct AnalysisSample {
    std::vector<int32_t> supernet_genome, path_genome;
    std::array<int32_t, 3> dims{};  // the value of each SpaceDimension
    int64_t parameters = 0;            // dense
    int64_t effective_parameters = 0;  // after blockwise pruning (N_param)
    Resources resources;
    bool fits = false;      // counted in n_eval
    bool accepted = false;  // counted in n_accept
};

struct SpaceAnalysis {
    McuTarget target;
    AnalysisOptions options;
    double accept_lo = 0.0, accept_hi = 0.0;  // lambda_lo * L_m, lambda_up * L_m (L_m = target.sram_bytes)
    int32_t n_eval = 0, n_accept = 0;
    std::vector<AnalysisSample> samples;  // all of them, fitting or not
    double seconds = 0.0;
    double probability() const;  // n_accept / n_eval; 0 when nothing fits
};

// Alg. 1. L_m is the target's SRAM in bytes (the paper compares parameter
// counts with it directly). Throws engine::Error for an invalid space, target
// or options (lambda_lo > lambda_up, samples < 1).
SpaceAnalysis analyze_search_space(const SearchSpace& space, const McuTarget& target,
                                   const AnalysisOptions& options = {});

// Eqs. 1-3 on each dimension list: y = Round(k (x - mean x) + b),
// k = n_accept / n_eval + 0.1, b = x_min + (mean N - N_min) / (N_max - N_min) (x_max - x_min),
// where mean x, x_min, x_max, mean N, N_min, N_max are taken over the samples
// that fit (those Alg. 1 evaluates parameters of). Heads and module counts are
// kept. Each y is rounded to the nearest multiple of 4 and of every heads
// candidate (at least that multiple), and the list is sorted with duplicates
// removed. N_max = N_min counts as the middle (0.5). Throws engine::Error when
// no sample fits (n_eval = 0).
SearchSpace adjust_search_space(const SearchSpace& space, const SpaceAnalysis& analysis);

struct AdjustmentRound {
    SearchSpace space;      // the space analyzed in this round
    SpaceAnalysis analysis;
};

struct AdjustmentResult {
    std::vector<AdjustmentRound> rounds;
    bool accepted = false;  // the last round's probability >= min_probability
    const SearchSpace& final_space() const { return rounds.back().space; }
};

// Analyzes, adjusts and re-analyzes until the probability reaches
// min_probability or max_rounds analyses were made. Round r samples with seed
// options.seed + r. on_round (optional) sees each round as it finishes.
AdjustmentResult analyze_and_adjust(const SearchSpace& space, const McuTarget& target,
                                    const AnalysisOptions& options = {}, int32_t max_rounds = 5,
                                    double min_probability = 0.9,
                                    const std::function<void(const AdjustmentRound&)>& on_round = {});

}  // namespace tinyformer::toolkit
