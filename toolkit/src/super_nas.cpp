#include "tinyformer/toolkit/super_nas.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/pruning.h"
#include "tinyformer/toolkit/supernet.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::toolkit {
namespace fs = std::filesystem;

namespace {

uint64_t genome_hash(const Genome& genome)
{
    uint64_t h = 1469598103934665603ull;  // FNV-1a of the genome's key
    for (const char c : genome_key(genome)) {
        h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    }
    return h;
}

void check(const SupernetSearchOptions& o, const CandidateData& data)
{
    validate(o.evolution);
    TF_CHECK(o.test_paths >= 1, "supernet search: test_paths = ", o.test_paths, " must be >= 1");
    TF_CHECK(o.epochs >= 1, "supernet search: epochs = ", o.epochs, " must be >= 1");
    TF_CHECK(o.eval_paths >= 1, "supernet search: eval_paths = ", o.eval_paths, " must be >= 1");
    TF_CHECK(o.recalibration_batches >= 1, "supernet search: recalibration_batches = ", o.recalibration_batches,
             " must be >= 1");
    TF_CHECK(o.lr > 0 && o.batch_size >= 1 && o.threads >= 0, "supernet search: lr ", o.lr, ", batch_size ",
             o.batch_size, ", threads ", o.threads, ": need lr > 0, batch_size >= 1, threads >= 0");
    TF_CHECK(!o.work_dir.empty(), "supernet search: a work folder is required (supernet checkpoints and weights)");
    TF_CHECK(data.train && data.evaluation && data.train->size() > 0 && data.evaluation->size() > 0,
             "supernet search: training and evaluation data are required");
}

}  // namespace

std::string genome_work_dir(const std::string& root, const std::string& stage, const Genome& genome)
{
    char name[17];
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(genome_hash(genome)));
    return (fs::path(root) / stage / name).string();
}

double misfit_fraction(const SearchSpace& space, const SupernetSpace& supernet, const McuTarget& target,
                       int32_t paths, uint64_t seed)
{
    TF_CHECK(paths >= 1, "TestSupernet: paths = ", paths, " must be >= 1");
    std::mt19937_64 rng(seed);
    int32_t misfits = 0;
    for (int32_t i = 0; i < paths; i++) {
        const Genome genome = space.random_path_genome(supernet, rng);
        try {
            misfits += fits(evaluate_resources(space.decode_path(supernet, genome)), target) ? 0 : 1;
        } catch (const engine::Error&) {
            misfits++;  // a path layers() rejects cannot run at all
        }
    }
    return static_cast<double>(misfits) / paths;
}

SupernetSearchResult search_supernet(const SearchSpace& space, const McuTarget& target, const CandidateData& data,
                                     const SupernetSearchOptions& o, SearchStore* store)
{
    space.check();
    check_target(target);
    check(o, data);
    const auto log = [&](const std::string& line) {
        if (o.log) {
            o.log(line);
        }
    };

    EvolutionCallbacks callbacks;
    callbacks.feasible = [&](const Genome& genome) {
        const double misfit = misfit_fraction(space, space.decode_supernet(genome), target, o.test_paths,
                                              o.evolution.seed ^ genome_hash(genome));
        if (misfit >= 0.5) {
            log("supernet " + genome_key(genome) + ": skipped, " + std::to_string(static_cast<int>(100 * misfit)) +
                "% of its sampled paths exceed the target (TestSupernet)");
        }
        return misfit < 0.5;
    };
    callbacks.evaluate = [&](const Genome& genome, SearchRecord& details) {
        const SupernetSpace shape = space.decode_supernet(genome);
        const fs::path dir = genome_work_dir(o.work_dir, o.stage, genome);
        fs::create_directories(dir);
        Supernet supernet(shape, ModelOptions{true, o.evolution.seed});
        supernet.create_all_candidates();
        BatchLoader train_loader(data.train, LoaderOptions::training(data.kind, o.batch_size, o.evolution.seed));
        const BatchSource train = batch_source(train_loader);
        TrainerOptions t;
        t.epochs = o.epochs;
        t.lr = o.lr;
        t.min_lr = o.lr / 100.0;
        t.warmup_epochs = std::min(1.0, 0.2 * o.epochs);
        t.threads = o.threads;
        t.progress = o.progress;
        t.checkpoint_path = (dir / "supernet.ckpt").string();
        t.path_seed = o.evolution.seed;
        const Trainer trainer(t);
        log("supernet " + genome_key(genome) + ": training " + std::to_string(o.epochs) + " epochs (" +
            std::to_string(supernet.parameter_count()) + " shared parameters)");
        trainer.fit_supernet(supernet, train);
        const std::string weights = (dir / "supernet.pt").string();
        supernet.save(weights);

        // One-shot pruned single paths inside the limits: their mean accuracy is the score.
        BatchLoader evaluation(data.evaluation, LoaderOptions::evaluation(data.kind, 256));
        std::mt19937_64 rng(o.evolution.seed ^ genome_hash(genome) ^ 0x9e3779b97f4a7c15ull);
        std::vector<double> accuracies;
        for (int32_t draws = 0; static_cast<int32_t>(accuracies.size()) < o.eval_paths && draws < 20 * o.eval_paths;
             draws++) {
            ArchConfig config;
            try {
                config = space.decode_path(shape, space.random_path_genome(shape, rng));
                if (!fits(evaluate_resources(config), target)) {
                    continue;
                }
            } catch (const engine::Error&) {
                continue;
            }
            SinglePathModel path = supernet.extract(config);
            if (has_sparsity(config)) {
                Pruner(path).prune_to_final();
            }
            trainer.recalibrate_batch_norm(path, train, o.recalibration_batches);
            accuracies.push_back(trainer.evaluate(path, evaluation).accuracy);
        }
        double mean = 0.0;
        for (const double a : accuracies) {
            mean += a / static_cast<double>(accuracies.size());
        }
        nlohmann::json extras;
        extras["dims"] = {shape.base.dots[0].dim, shape.base.dots[1].dim, shape.base.last_dim};
        extras["heads"] = {shape.base.dots[0].heads, shape.base.dots[1].heads};
        extras["path_accuracies"] = accuracies;
        extras["weights"] = weights;
        details.extras_json = extras.dump();
        if (accuracies.empty()) {
            details.status = RecordStatus::Failed;
            log("supernet " + genome_key(genome) + ": no sampled path fits the target; scored 0");
            return 0.0;
        }
        details.accuracy_pruned = mean;
        log("supernet " + genome_key(genome) + ": mean accuracy of " + std::to_string(accuracies.size()) +
            " one-shot pruned paths " + std::to_string(100.0 * mean) + "%");
        return mean;
    };
    callbacks.log = o.log;

    SupernetSearchResult result;
    result.evolution = evolve(space.supernet_genes(), o.evolution, callbacks, store, o.stage);
    result.best_genome = result.evolution.best.genome;
    result.best = space.decode_supernet(result.best_genome);
    result.best_weights = (fs::path(genome_work_dir(o.work_dir, o.stage, result.best_genome)) / "supernet.pt").string();
    return result;
}

}  // namespace tinyformer::toolkit
