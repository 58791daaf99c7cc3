// SparseNAS's selection stage (the paper's Alg. 3): evolutionary sampling over
// a supernet's single paths jointly with each prunable layer's sparsity and
// block size (SearchSpace::path_genes). A candidate over the target's limits
// is skipped without training (resources.h: the engine's planner and codec,
// the numbers the firmware will have). Every other candidate is trained
// briefly (from the supernet's shared weights when given, else from its own
// initialisation), AGP-pruned to its sparsity, quantized to int8 and compiled;
// its score is the int8 accuracy of the C kernels on the evaluation data
// (candidate.h). With a SearchStore every evaluation is recorded as it
// finishes and a killed search resumes without redoing one (evolution.h).
// No LibTorch in this header.
#pragma once

#include <functional>
#include <string>

#include "tinyformer/toolkit/candidate.h"
#include "tinyformer/toolkit/evolution.h"
#include "tinyformer/toolkit/resources.h"
#include "tinyformer/toolkit/search_space.h"
#include "tinyformer/toolkit/search_store.h"
#include "tinyformer/toolkit/supernet.h"

namespace tinyformer::toolkit {

struct SelectionOptions {
    EvolutionOptions evolution;  // population, iterations, parents, mutations, crossovers, seed
    // Training of each candidate (epochs, prune_epochs, lr, batch, threads);
    // work_dir is the root: candidate k works in <work_dir>/<stage>/<genome hash>
    // (its checkpoints resume an evaluation that was interrupted).
    CandidateOptions candidate;
    std::string stage = "selection";  // the store's stage name
    std::function<void(const std::string&)> log;  // one line per candidate; may be empty
};

struct SelectionResult {
    ArchConfig best;           // the winning sparse single path
    SearchRecord best_record;  // its resources and accuracies
    EvolutionResult evolution;  // every candidate, in evaluation order
};

// The search. `weights` (may be null) is a supernet of `supernet`'s shape
// whose shared weights start each candidate. Throws engine::Error for
// invalid options, a space or target that admits no candidate, or a store of
// another search (names the difference).
SelectionResult select_sparse_path(const SearchSpace& space, const SupernetSpace& supernet, Supernet* weights,
                                   const McuTarget& target, const CandidateData& data,
                                   const SelectionOptions& options, SearchStore* store = nullptr);

}  // namespace tinyformer::toolkit
