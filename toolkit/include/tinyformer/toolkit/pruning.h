// Blockwise magnitude pruning of a SinglePathModel's Conv2d and Linear weights
// (docs/pruning.md): one-shot to the configured sparsity, or gradual (AGP,
// Zhu & Gupta) with fine-tuning in between, with the masks enforced at every
// optimizer step. No LibTorch in this header.
//
// Blocks are the engine's blocks (docs/sparse-format.md), so a pruned layer's
// all-zero blocks are exactly the ones the sparse coding skips:
//   Linear [out, in]: b = 2 or 4 consecutive weights along `in`.
//   Conv, b = 2 or 4: b consecutive weights of the weights flattened in the
//     engine's order [C_out, KH, KW, C_in] (OHWI), i.e. along C_in (and, when
//     C_in is not a multiple of b but KH * KW * C_in is, on into the next tap).
//   3x3 Conv, b = 3: the 3 taps along the kernel width of one (o, kh, c_in).
// Block k covers elements [k b, k b + b) of that flattened order; when b does
// not divide the total, the last block is shorter (the engine then codes the
// layer dense; compile() needs b to divide the row length KH * KW * C_in).
//
// Ranking: the L1 norm (sum of |w|) of a block. A layer of B blocks at
// sparsity rho has exactly floor(rho * B) pruned blocks (rho taken as a double,
// the expression the cost model uses: toolkit::build_engine_graph), the ones
// with the smallest L1 norm; ties go to the lower block index. Blocks pruned
// before are ranked first, so masks only grow (AGP) and a mask is a pure
// function of the weights and the previous mask.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::toolkit {

// The mask of one prunable layer, by block (in the block order above).
struct LayerMask {
    std::string name;           // LayerSpec::name
    int32_t block = 0;          // 2, 3 or 4
    std::vector<uint8_t> keep;  // per block: 1 kept, 0 pruned (all b weights zero)
    int64_t blocks() const { return static_cast<int64_t>(keep.size()); }
    int64_t pruned_blocks() const;
};

// A layer of B blocks at sparsity rho prunes floor(rho * B) blocks.
int64_t pruned_block_count(double rho, int64_t blocks);

// Number of blocks of size `block` of layer `layer` (its weight_count() / b, rounded up).
int64_t block_count(const LayerSpec& layer, int32_t block);

// Masks of every layer of `model` that `sparsity` names with block > 0 (in
// layers() order; rho may be 0). Throws engine::Error naming the layer for a
// name that is not a layer, a layer that is not prunable, a rho outside
// [0, 1), or a block the layer does not allow (2 and 4 always; 3 for 3x3
// convolutions only). With `previous` (masks of the same layers and blocks),
// blocks pruned there are pruned first; the count must not shrink then.
std::vector<LayerMask> compute_block_masks(const SinglePathModel& model,
                                           const std::map<std::string, LayerSparsity>& sparsity,
                                           const std::vector<LayerMask>* previous = nullptr);

// Zeroes the weights of every pruned block (no gradient recorded).
void apply_masks(SinglePathModel& model, const std::vector<LayerMask>& masks);

// Pruned blocks of each layer counted from the model's weights: the blocks
// whose weights are all exactly zero (by layer name, for the layers `masks` names).
std::map<std::string, int64_t> zero_block_counts(const SinglePathModel& model, const std::vector<LayerMask>& masks);

// One-shot magnitude pruning (no fine-tuning) to `sparsity` (the model's
// config().sparsity in the second form): computes the masks and zeroes the
// weights. A supernet's single path shares the supernet's weights: prune a
// copy (Supernet::extract), not the path itself.
std::vector<LayerMask> prune_one_shot(SinglePathModel& model, const std::map<std::string, LayerSparsity>& sparsity);
std::vector<LayerMask> prune_one_shot(SinglePathModel& model);

// The AGP schedule, with t the number of optimizer steps done:
//   s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3   for t0 <= t <= t0 + n dt,
// s_i before t0 and s_f after. Masks are recomputed at t = t0, t0 + dt, ...,
// t0 + n dt (the pruning steps) and enforced in between. s_f is each layer's
// own rho; a layer with rho < s_i uses s_i = rho (sparsity never decreases).
struct AgpSchedule {
    double initial_sparsity = 0.0;  // s_i
    int64_t start_step = 0;         // t0
    int64_t interval = 1;           // dt: steps between pruning steps
    int64_t pruning_steps = 1;      // n: the final sparsity is reached at t0 + n dt

    // Pruning from epoch `start_epoch` to epoch `end_epoch` (fractions allowed)
    // of `steps_per_epoch` steps, every `interval` steps: t0 and n rounded down.
    static AgpSchedule over_epochs(double start_epoch, double end_epoch, int64_t steps_per_epoch, int64_t interval,
                                   double initial_sparsity = 0.0);

    // Throws engine::Error naming the field that is out of range.
    void validate() const;
    int64_t end_step() const { return start_step + pruning_steps * interval; }
    bool is_pruning_step(int64_t t) const;
    // s_t for a layer of final sparsity `final_sparsity`.
    double sparsity(double final_sparsity, int64_t t) const;
};

// Holds the masks of a model's prunable layers and keeps them: zeroes the
// gradients of pruned weights before each optimizer step (AdamW's moment
// estimates of a pruned weight then only decay, and never feed back into it)
// and the pruned weights after it. The model must outlive the pruner, and
// the pruner the training run its hooks are given to.
class Pruner {
public:
    // Targets: the layers `sparsity` names with block > 0 (checked as in
    // compute_block_masks); masks start with every block kept.
    Pruner(SinglePathModel& model, std::map<std::string, LayerSparsity> sparsity);
    explicit Pruner(SinglePathModel& model);  // the model's config().sparsity
    ~Pruner();
    Pruner(const Pruner&) = delete;
    Pruner& operator=(const Pruner&) = delete;

    // Masks at every layer's final rho (one-shot), or at the schedule's s_t.
    // Both recompute the masks from the weights (previous pruned blocks first)
    // and apply them.
    void prune_to_final();
    void prune_to(const AgpSchedule& schedule, int64_t t);

    void apply();             // zero the pruned weights
    void mask_gradients();    // zero the gradients of pruned weights (where a gradient exists)

    // Hooks for TrainerOptions::hooks: mask_gradients before and apply after
    // every step; with a schedule, prune_to(schedule, step + 1) after the
    // steps that complete a pruning step. The state (masks and the last
    // pruning step) goes into the trainer's checkpoint.
    TrainingHooks training_hooks();
    TrainingHooks training_hooks(const AgpSchedule& schedule);

    const std::vector<LayerMask>& masks() const { return masks_; }
    const std::map<std::string, LayerSparsity>& targets() const { return targets_; }
    int64_t last_pruning_step() const { return last_pruning_step_; }  // -1: none yet

    // Masks and last pruning step as bytes, and back (the same layers and
    // blocks are required; throws engine::Error naming the misfit).
    std::string save_state() const;
    void load_state(const std::string& state);

private:
    void update(const std::map<std::string, LayerSparsity>& sparsity);

    SinglePathModel& model_;
    std::map<std::string, LayerSparsity> targets_;
    std::vector<LayerMask> masks_;
    int64_t last_pruning_step_ = -1;
    struct Cache;  // per-element mask tensors (pruning.cpp)
    std::unique_ptr<Cache> cache_;
};

struct AgpResult {
    TrainResult training;
    std::vector<LayerMask> masks;  // at the end: each layer at its final sparsity
};

// AGP pruning with fine-tuning: trains `model` with `options` (its hooks are
// replaced by the pruner's), pruning on `schedule` towards `sparsity` (the
// model's config().sparsity in the second form); the epochs after the
// schedule's end fine-tune at the final sparsity. The trainer's checkpoint
// holds the pruner's state, so an interrupted run resumes on the schedule.
// Throws engine::Error when the run (options.epochs) ends before the schedule.
AgpResult agp_prune(SinglePathModel& model, const BatchSource& train, const TrainerOptions& options,
                    const AgpSchedule& schedule, const std::map<std::string, LayerSparsity>& sparsity);
AgpResult agp_prune(SinglePathModel& model, const BatchSource& train, const TrainerOptions& options,
                    const AgpSchedule& schedule);

}  // namespace tinyformer::toolkit
