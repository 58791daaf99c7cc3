// SPOS-style evolutionary search over genomes (evolution.h).
#include "tinyformer/toolkit/evolution.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/portable_random.h"

namespace tinyformer::toolkit {
namespace {

// Uniform in [0, n) (portable_random.h: the same draws on every platform).
int32_t bounded(std::mt19937_64& rng, int32_t n)
{
    return static_cast<int32_t>(uniform_index(rng, static_cast<uint64_t>(n)));
}

class Evolution {
public:
    Evolution(const std::vector<int32_t>& cardinalities, const EvolutionOptions& options,
              const EvolutionCallbacks& callbacks, SearchStore* store, const std::string& stage)
        : cardinalities_(cardinalities), options_(options), callbacks_(callbacks), store_(store), stage_(stage),
          rng_(options.seed)
    {
    }

    EvolutionResult run()
    {
        for (int32_t iteration = 0; iteration < options_.iterations; iteration++) {
            IterationSummary summary;
            summary.iteration = iteration;
            summary.wanted = options_.population;
            const std::vector<Genome> population = next_population(iteration, summary);
            if (iteration == 0) {
                TF_CHECK(!population.empty(), "evolution (stage '", stage_, "'): no feasible genome in ",
                         summary.draws, " random draws (", summary.infeasible_rejections,
                         " rejected by the resource filter): the constraints exclude the search space; loosen them");
            }
            if (static_cast<int32_t>(population.size()) < options_.population) {
                say("iteration ", iteration, ": population ", population.size(), " of ", options_.population, ": ",
                    summary.draws, " draws found no more feasible, unseen genomes (", summary.infeasible_rejections,
                    " infeasible, ", summary.duplicate_rejections, " seen); going on with fewer");
            }
            for (const Genome& g : population) {
                evaluate(g, iteration, summary);
            }
            summary.evaluated = static_cast<int32_t>(population.size());
            summary.best_score = result_.best.score;
            result_.iterations.push_back(summary);
            say("iteration ", iteration, ": ", summary.evaluated, " evaluated (", summary.resumed,
                " from the store), best score ", result_.best.score);
        }
        return std::move(result_);
    }

private:
    template <typename... Args>
    void say(Args&&... args) const
    {
        if (callbacks_.log) {
            callbacks_.log(engine::detail::concat(std::forward<Args>(args)...));
        }
    }

    std::vector<Genome> next_population(int32_t iteration, IterationSummary& summary)
    {
        std::vector<Genome> population;
        std::set<Genome> drawn;
        if (iteration > 0) {
            const std::vector<const Genome*> parents = top_parents();
            add(population, drawn, options_.mutations, summary, [&] { return mutate(parents); });
            if (parents.size() >= 2) {
                add(population, drawn, options_.crossovers, summary, [&] { return cross(parents); });
            }
        }
        const int32_t missing = options_.population - static_cast<int32_t>(population.size());
        add(population, drawn, missing, summary, [&] { return random_genome(); });
        return population;
    }

    // Draws until `wanted` more candidates are accepted or the draw budget
    // (max_attempts per wanted candidate) is spent.
    template <typename Draw>
    void add(std::vector<Genome>& population, std::set<Genome>& drawn, int32_t wanted, IterationSummary& summary,
             Draw draw)
    {
        const int64_t budget = static_cast<int64_t>(wanted) * options_.max_attempts;
        int32_t added = 0;
        for (int64_t attempt = 0; attempt < budget && added < wanted; attempt++) {
            Genome g = draw();
            summary.draws++;
            if (evaluated_.count(g) != 0 || drawn.count(g) != 0) {
                summary.duplicate_rejections++;
                continue;
            }
            if (!is_feasible(g)) {
                summary.infeasible_rejections++;
                continue;
            }
            drawn.insert(g);
            population.push_back(std::move(g));
            added++;
        }
    }

    bool is_feasible(const Genome& g)
    {
        auto known = feasibility_.find(g);
        if (known != feasibility_.end()) {
            return known->second;
        }
        result_.feasibility_checks++;
        const bool ok = callbacks_.feasible(g);
        feasibility_.emplace(g, ok);
        return ok;
    }

    // The top `parents` of everything evaluated so far (stable: among equal
    // scores the earlier one ranks first).
    std::vector<const Genome*> top_parents() const
    {
        std::vector<size_t> order(result_.history.size());
        for (size_t i = 0; i < order.size(); i++) {
            order[i] = i;
        }
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return result_.history[a].score > result_.history[b].score; });
        order.resize(std::min(order.size(), static_cast<size_t>(options_.parents)));
        std::vector<const Genome*> parents;
        for (size_t i : order) {
            parents.push_back(&result_.history[i].genome);
        }
        return parents;
    }

    Genome random_genome()
    {
        Genome g(cardinalities_.size());
        for (size_t i = 0; i < g.size(); i++) {
            g[i] = bounded(rng_, cardinalities_[i]);
        }
        return g;
    }

    Genome mutate(const std::vector<const Genome*>& parents)
    {
        Genome g = *parents[static_cast<size_t>(bounded(rng_, static_cast<int32_t>(parents.size())))];
        for (size_t i = 0; i < g.size(); i++) {
            if (uniform_unit(rng_) < options_.mutation_probability) {
                g[i] = bounded(rng_, cardinalities_[i]);
            }
        }
        return g;
    }

    // Uniform crossover of two different parents: each gene from either with probability 1/2.
    Genome cross(const std::vector<const Genome*>& parents)
    {
        const int32_t n = static_cast<int32_t>(parents.size());
        const int32_t a = bounded(rng_, n);
        int32_t b = bounded(rng_, n - 1);
        b += b >= a ? 1 : 0;
        Genome g = *parents[static_cast<size_t>(a)];
        const Genome& other = *parents[static_cast<size_t>(b)];
        for (size_t i = 0; i < g.size(); i++) {
            if (uniform_unit(rng_) < 0.5) {
                g[i] = other[i];
            }
        }
        return g;
    }

    void evaluate(const Genome& g, int32_t iteration, IterationSummary& summary)
    {
        const std::string key = genome_key(g);
        EvaluatedGenome e{g, iteration, 0.0, false};
        std::optional<SearchRecord> stored = store_ != nullptr ? store_->find(stage_, key) : std::nullopt;
        if (stored) {
            const std::string where = "search database '" + store_->path() + "', stage '" + stage_ + "', genome " + key;
            TF_CHECK(stored->iteration == iteration, where, ": recorded at iteration ", stored->iteration,
                     " but this search reaches it at iteration ", iteration,
                     ": the file holds another search; use another file or --fresh");
            TF_CHECK(stored->score.has_value(), where, ": the stored record (status ",
                     record_status_name(stored->status), ") has no score");
            e.score = *stored->score;
            e.resumed = true;
            summary.resumed++;
        } else {
            SearchRecord details;
            const auto start = std::chrono::steady_clock::now();
            e.score = callbacks_.evaluate(g, details);
            const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
            result_.evaluate_calls++;
            TF_CHECK(!std::isnan(e.score), "evolution (stage '", stage_, "'): evaluate() returned NaN for genome ",
                     key, ": return a finite score (or -infinity for a failed candidate)");
            if (store_ != nullptr) {
                details.stage = stage_;
                details.key = key;
                details.iteration = iteration;
                details.score = e.score;
                details.seconds = seconds.count();
                store_->record(details);
            }
        }
        if (result_.history.empty() || e.score > result_.best.score) {
            result_.best = e;
        }
        evaluated_.insert(g);
        result_.history.push_back(std::move(e));
    }

    const std::vector<int32_t>& cardinalities_;
    const EvolutionOptions& options_;
    const EvolutionCallbacks& callbacks_;
    SearchStore* store_;
    const std::string& stage_;
    std::mt19937_64 rng_;
    std::set<Genome> evaluated_;
    std::map<Genome, bool> feasibility_;
    EvolutionResult result_;
};

}  // namespace

std::string genome_key(const Genome& genome)
{
    return nlohmann::json(genome).dump();
}

void validate(const EvolutionOptions& o)
{
    TF_CHECK(o.population >= 1, "evolution: population ", o.population, " must be at least 1");
    TF_CHECK(o.iterations >= 1, "evolution: iterations ", o.iterations, " must be at least 1");
    TF_CHECK(o.parents >= 1 && o.parents <= o.population, "evolution: parents (top-k) ", o.parents,
             " must be in [1, population ", o.population, "]");
    TF_CHECK(o.mutations >= 0 && o.crossovers >= 0, "evolution: mutations ", o.mutations, " and crossovers ",
             o.crossovers, " must not be negative");
    TF_CHECK(o.mutations + o.crossovers <= o.population, "evolution: mutations ", o.mutations, " + crossovers ",
             o.crossovers, " must not exceed population ", o.population);
    TF_CHECK(o.mutation_probability > 0.0 && o.mutation_probability <= 1.0, "evolution: mutation probability ",
             o.mutation_probability, " must be in (0, 1]");
    TF_CHECK(o.max_attempts >= 1, "evolution: max attempts ", o.max_attempts, " must be at least 1");
}

std::string to_json(const EvolutionOptions& o)
{
    const nlohmann::json j{{"population", o.population},
                           {"iterations", o.iterations},
                           {"parents", o.parents},
                           {"mutations", o.mutations},
                           {"crossovers", o.crossovers},
                           {"mutation_probability", o.mutation_probability},
                           {"seed", o.seed},
                           {"max_attempts", o.max_attempts}};
    return j.dump();
}

EvolutionResult evolve(const std::vector<int32_t>& cardinalities, const EvolutionOptions& options,
                       const EvolutionCallbacks& callbacks, SearchStore* store, const std::string& stage)
{
    validate(options);
    TF_CHECK(!cardinalities.empty(), "evolution (stage '", stage, "'): the genome has no genes");
    for (size_t g = 0; g < cardinalities.size(); g++) {
        TF_CHECK(cardinalities[g] >= 1, "evolution (stage '", stage, "'): gene ", g, " has ", cardinalities[g],
                 " choices (at least 1 needed)");
    }
    TF_CHECK(callbacks.feasible && callbacks.evaluate, "evolution (stage '", stage,
             "'): both callbacks feasible and evaluate are needed");
    if (store != nullptr) {
        TF_CHECK(store->seed() == options.seed, "evolution (stage '", stage, "'): search database '", store->path(),
                 "' has seed ", store->seed(), " but the search runs with seed ", options.seed);
    }
    return Evolution(cardinalities, options, callbacks, store, stage).run();
}

}  // namespace tinyformer::toolkit
