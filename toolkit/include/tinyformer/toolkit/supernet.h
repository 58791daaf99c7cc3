// A TinyFormer supernet for single-path one-shot (SPOS) training: the
// supernet's shape (c_sup: dims, heads, how many MobileNetV2 and transformer
// modules per DoT, last linear) is fixed; each choice module (downsample,
// MobileNetV2 expansion, transformer variant, pooling) picks one of its
// candidates per single path. Every candidate of every choice module has its
// own weights (as in SPOS); all single paths that pick it share them. Training
// samples a path uniformly per step (Trainer::fit_supernet); a sampled path
// can then be evaluated, or copied out and fine-tuned as a SinglePathModel.
// No LibTorch in this header.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/model.h"

namespace tinyformer::toolkit {

struct SupernetSpace {
    // Input, classes, dims, heads, last_dim, and the number of MobileNetV2 /
    // transformer modules per DoT (the sizes of mbv2_expansions and
    // transformers; their values are ignored).
    ArchConfig base;
    // Candidates of each choice module (docs/supernet.md).
    std::vector<DownsampleKind> downsample{DownsampleKind::ConvMaxPool, DownsampleKind::ConvStride2};
    std::vector<int32_t> expansions{2, 4, 6};
    std::vector<TransformerChoice> transformers{{1, true, 1}, {2, true, 1}, {2, false, 1}};
    std::vector<PoolingKind> pooling{PoolingKind::SeqPool, PoolingKind::AvgPool};

    // A single path with every choice module drawn uniformly (no sparsity).
    ArchConfig sample(std::mt19937_64& rng) const;
    // Throws engine::Error for an empty candidate list (naming it).
    void check() const;
};

class Supernet {
public:
    explicit Supernet(const SupernetSpace& space, const ModelOptions& options = {});
    ~Supernet();
    Supernet(Supernet&&) noexcept;
    Supernet& operator=(Supernet&&) noexcept;

    const SupernetSpace& space() const;
    const ModelOptions& options() const;

    // A single path over the shared weights (training it trains them). Throws
    // engine::Error for a config outside the space (naming the choice).
    SinglePathModel path(const ArchConfig& config);
    // A standalone copy of a path's weights (for fine-tuning, pruning, export).
    SinglePathModel extract(const ArchConfig& config);

    // Creates the weights of every candidate (each choice module's every
    // candidate appears in some path built here), so that an optimizer made
    // afterwards sees all of them. Paths that no valid config reaches (e.g. a
    // feature map below 2x2) are skipped.
    void create_all_candidates();
    // Shared weight tensors created so far (parameters, BatchNorm included).
    int64_t parameter_count() const;
    size_t layer_count() const;  // shared layer entries (per layer and candidate)

    void save(const std::string& path) const;
    void load(const std::string& path);  // of a supernet with the same candidates created

    SharedLayersImpl& shared();
    std::shared_ptr<SharedLayersImpl> shared_ptr();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace tinyformer::toolkit
