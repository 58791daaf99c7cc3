// SuperNAS's supernet search (the paper's Alg. 2): evolutionary sampling of the
// supernet's shape c_sup (SearchSpace::supernet_genes). TestSupernet draws
// `test_paths` random sparse single paths and skips a supernet when half of
// them (or more) exceed the target (resources.h); such a supernet is no
// candidate and is not trained. Each other supernet is trained single-path
// one-shot (Trainer::fit_supernet, uniform path sampling) for `epochs`, then
// `eval_paths` random sparse single paths inside the limits are taken out,
// their BatchNorm statistics recomputed, one-shot magnitude pruned to their
// sparsity (no fine-tuning) and evaluated; the score is their mean fp32
// accuracy. The trained weights of each supernet are kept
// (<work_dir>/<stage>/<genome hash>/supernet.pt) to start SparseNAS from.
// No LibTorch in this header.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tinyformer/toolkit/candidate.h"
#include "tinyformer/toolkit/evolution.h"
#include "tinyformer/toolkit/resources.h"
#include "tinyformer/toolkit/search_space.h"
#include "tinyformer/toolkit/search_store.h"

namespace tinyformer::toolkit {

struct SupernetSearchOptions {
    EvolutionOptions evolution;     // over c_sup
    int32_t test_paths = 100;       // TestSupernet's sample
    int32_t epochs = 10;            // SPOS training of each supernet
    int32_t eval_paths = 20;        // T_j: pruned single paths averaged per supernet
    int32_t recalibration_batches = 8;  // BatchNorm statistics of each evaluated path
    double lr = 2e-3;
    int64_t batch_size = 64;
    int32_t threads = 2;
    bool progress = true;
    std::string work_dir;           // supernet checkpoints and weights (required)
    std::string stage = "supernet";
    std::function<void(const std::string&)> log;
};

struct SupernetSearchResult {
    SupernetSpace best;             // the winning supernet (shape and candidate lists)
    Genome best_genome;
    std::string best_weights;       // its trained weights (Supernet::save)
    EvolutionResult evolution;
};

// TestSupernet: the fraction of `paths` random sparse single paths of
// `supernet` (drawn from `seed`) that exceed the target.
double misfit_fraction(const SearchSpace& space, const SupernetSpace& supernet, const McuTarget& target,
                       int32_t paths, uint64_t seed);

// Alg. 2. `data.train` trains the supernets, `data.evaluation` scores the
// pruned paths (the validation data; data.validation is not used). Throws
// engine::Error for invalid options, when no supernet passes TestSupernet,
// or for a store of another search.
SupernetSearchResult search_supernet(const SearchSpace& space, const McuTarget& target, const CandidateData& data,
                                     const SupernetSearchOptions& options, SearchStore* store = nullptr);

// The folder a genome's files go to under `root` / `stage`.
std::string genome_work_dir(const std::string& root, const std::string& stage, const Genome& genome);

}  // namespace tinyformer::toolkit
