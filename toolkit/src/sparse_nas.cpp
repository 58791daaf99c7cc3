#include "tinyformer/toolkit/sparse_nas.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/architecture_json.h"
#include "tinyformer/toolkit/super_nas.h"

namespace tinyformer::toolkit {
namespace {

std::string percent(double fraction)
{
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(2);
    s << 100.0 * fraction << "%";
    return s.str();
}

}  // namespace

SelectionResult select_sparse_path(const SearchSpace& space, const SupernetSpace& supernet, Supernet* weights,
                                   const McuTarget& target, const CandidateData& data,
                                   const SelectionOptions& options, SearchStore* store)
{
    space.check();
    check_target(target);
    validate(options.evolution);
    TF_CHECK(!options.candidate.work_dir.empty(), "SparseNAS: a work folder is required (candidate checkpoints)");
    const auto log = [&](const std::string& line) {
        if (options.log) {
            options.log(line);
        }
    };

    EvolutionCallbacks callbacks;
    callbacks.feasible = [&](const Genome& genome) {
        try {
            return fits(evaluate_resources(space.decode_path(supernet, genome)), target);
        } catch (const engine::Error&) {
            return false;  // a path layers() rejects (e.g. a feature map below 2x2) is no candidate
        }
    };
    callbacks.evaluate = [&](const Genome& genome, SearchRecord& details) {
        const ArchConfig config = space.decode_path(supernet, genome);
        SinglePathModel model = weights != nullptr ? weights->extract(config)
                                                   : SinglePathModel(config, ModelOptions{true, options.evolution.seed});
        CandidateOptions o = options.candidate;
        o.work_dir = genome_work_dir(options.candidate.work_dir, options.stage, genome);
        const CandidateResult r = train_and_compress(model, data, o);
        details.config_json = to_json(config);
        const Resources real = resources_of(r.compiled);
        details.arena_bytes = real.arena_bytes;
        details.constant_bytes = real.constant_bytes;
        details.macs = real.macs;
        details.latency_instructions = real.instructions;
        details.accuracy_fp32 = r.dense.accuracy;
        if (r.pruned) {
            details.accuracy_pruned = r.pruned->accuracy;
        }
        details.accuracy_int8 = r.int8.top1();
        nlohmann::json extras;
        extras["pruned_weights"] = r.pruned_weights;
        extras["prunable_weights"] = r.prunable_weights;
        extras["evaluation_images"] = r.int8.images;
        if (r.int8_float_layernorm) {
            extras["accuracy_int8_float_layernorm"] = r.int8_float_layernorm->top1();
        }
        details.extras_json = extras.dump();
        // The trained model's constants can only shrink against the synthetic estimate (int8 rounding
        // zeroes more blocks, never fewer); check the real figures anyway.
        if (!fits(real, target)) {
            details.status = RecordStatus::Infeasible;
            log("candidate " + genome_key(genome) + ": trained model over the limits: " + describe_misfit(real, target));
            return 0.0;
        }
        log("candidate " + genome_key(genome) + ": int8 " + percent(r.int8.top1()) + " (fp32 " +
            percent(r.fp32_final()) + "), arena " + std::to_string(real.arena_bytes) + " B, constants " +
            std::to_string(real.constant_bytes) + " B, " + std::to_string(static_cast<int64_t>(r.seconds)) + " s");
        return r.int8.top1();
    };
    callbacks.log = options.log;

    SelectionResult result;
    result.evolution = evolve(space.path_genes(supernet), options.evolution, callbacks, store, options.stage);
    result.best = space.decode_path(supernet, result.evolution.best.genome);
    if (store != nullptr) {
        if (auto record = store->find(options.stage, genome_key(result.evolution.best.genome))) {
            result.best_record = *record;
        }
    }
    return result;
}

}  // namespace tinyformer::toolkit
