// SPOS-style evolutionary search over genomes: the sampler of Alg. 2 (over
// c_sup) and Alg. 3 (over c_spa). The paper gives no operators; these follow
// Single Path One-Shot (Guo et al.): a population, the top-k of everything
// evaluated so far as parents, children by mutation and uniform crossover,
// every candidate under the constraints.
//
//   iteration 0: `population` random feasible genomes
//   iteration i: `mutations` mutated parents + `crossovers` crossed pairs of
//                parents, topped up with random genomes to `population`
//   a candidate enters a population only if feasible() accepts it and it was
//   never evaluated (nor drawn twice for the same population); an iteration
//   that cannot fill its population within max_attempts draws per missing
//   candidate goes on with fewer, and says so through log().
//
// The engine knows genomes only: a genome is one choice index per gene,
// gene g in [0, cardinalities[g]); decoding it (search_space.h) and costing it
// (resources.h) are the callbacks' business.
//
// Deterministic for a seed on every platform: the stream is std::mt19937_64
// (its output is fixed by the standard) read through our own bounded-integer
// and unit-real helpers (std::*_distribution are implementation-defined).
// The draws depend only on the seed, feasible() and the scores, so with a
// SearchStore a resumed search replays the same draws, takes each finished
// evaluation from the store instead of calling evaluate(), and ends exactly
// where an uninterrupted run ends.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinyformer/toolkit/search_store.h"

namespace tinyformer::toolkit {

using Genome = std::vector<int32_t>;

// The genome as the store's key: a JSON array, "[2,0,1]".
std::string genome_key(const Genome& genome);

struct EvolutionOptions {
    int32_t population = 50;    // candidates evaluated per iteration
    int32_t iterations = 20;    // populations, iteration 0 (random) included
    int32_t parents = 10;       // top-k of all evaluated so far
    int32_t mutations = 25;     // mutated children per iteration (after iteration 0)
    int32_t crossovers = 25;    // crossed children per iteration; the rest of the population is random
    double mutation_probability = 0.1;  // each gene re-drawn with this probability
    uint64_t seed = 1;
    int32_t max_attempts = 100;  // draws (rejections included) allowed per candidate still wanted
};

// Throws engine::Error naming the option, its value and the rule (e.g.
// parents 60 > population 50).
void validate(const EvolutionOptions& options);

// The options as a JSON object: a part of the store's RunSettings, so that a
// store is never resumed under other options.
std::string to_json(const EvolutionOptions& options);

struct EvolutionCallbacks {
    // The resource filter: cheap and deterministic. Called at most once per
    // distinct genome; a rejection is not an evaluation.
    std::function<bool(const Genome&)> feasible;
    // The expensive part (training, accuracy). Returns the score (higher is
    // better, not NaN) and may fill `details` (config, resources, accuracies,
    // extras, status) for the store; stage, key, iteration, seconds and score
    // are the engine's to set.
    std::function<double(const Genome&, SearchRecord& details)> evaluate;
    // Progress and shortfalls, one line each; may be empty.
    std::function<void(const std::string&)> log;
};

struct EvaluatedGenome {
    Genome genome;
    int32_t iteration = 0;
    double score = 0.0;
    bool resumed = false;  // taken from the store, not evaluated in this run
};

struct IterationSummary {
    int32_t iteration = 0;
    int32_t wanted = 0;                 // the population size
    int32_t evaluated = 0;              // candidates in this iteration's population
    int32_t resumed = 0;                // of which taken from the store
    int64_t draws = 0;                  // genomes drawn (accepted or rejected)
    int64_t infeasible_rejections = 0;  // draws feasible() rejected
    int64_t duplicate_rejections = 0;   // draws already evaluated or already in this population
    double best_score = 0.0;            // best so far, after this iteration
};

struct EvolutionResult {
    std::vector<EvaluatedGenome> history;  // every candidate, in evaluation order
    EvaluatedGenome best;                  // highest score; the earliest among equals
    std::vector<IterationSummary> iterations;
    int64_t evaluate_calls = 0;            // evaluate() calls in this run (history minus resumed)
    int64_t feasibility_checks = 0;        // feasible() calls
};

// Runs the search. With a store, each candidate is looked up under (stage,
// genome_key) before evaluate() and recorded right after it; the store's seed
// must be options.seed. Throws engine::Error for invalid options or
// cardinalities (none, or a gene with fewer than 1 choice), missing
// callbacks, a NaN score, a stored record that does not fit this search, and
// when iteration 0 finds no feasible genome at all. An exception from a
// callback propagates; what was recorded before it stays (and is resumed).
EvolutionResult evolve(const std::vector<int32_t>& cardinalities, const EvolutionOptions& options,
                       const EvolutionCallbacks& callbacks, SearchStore* store = nullptr,
                       const std::string& stage = "evolution");

}  // namespace tinyformer::toolkit
