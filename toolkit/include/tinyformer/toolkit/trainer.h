// Training a SinglePathModel (model.h): AdamW, linear warm-up then cosine
// learning rate, label smoothing, a checkpoint after every epoch that an
// interrupted run resumes from (same final weights as an uninterrupted run),
// CUDA when available, a progress line on stderr. No LibTorch in this header.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/supernet.h"

namespace tinyformer::toolkit {

// Where training batches come from: a BatchLoader (dataset_loader.h) through
// batch_source(), or any other feed. Batches are NCHW float images (Batch from
// dataset_loader.h). start_epoch(e) begins epoch e; the batches of an epoch
// must depend only on e (not on earlier epochs), so that a run resumed from a
// checkpoint sees the same data as one that never stopped (BatchLoader does so).
struct BatchSource {
    int64_t batches_per_epoch = 0;  // learning-rate schedule and progress
    std::function<void(int64_t epoch)> start_epoch;
    std::function<bool(Batch& out)> next;  // false after the epoch's last batch
};

// A source reading `loader` (which must outlive it); the loader's options set
// the batch size, shuffling and augmentation.
BatchSource batch_source(BatchLoader& loader);

// Calls into the training loop at every optimizer step (pruning keeps its
// masks with them: pruning.h). `step` is the global step, epoch *
// batches_per_epoch + batch index, the same after a resume. Empty: not called.
struct TrainingHooks {
    std::function<void(int64_t step)> before_step;  // after backward, before the optimizer step
    std::function<void(int64_t step)> after_step;   // after the optimizer step
    // State written into every checkpoint (opaque bytes) and handed back when
    // a run resumes from it (a checkpoint without it is refused then).
    std::function<std::string()> save_state;
    std::function<void(const std::string& state)> load_state;
};

struct EpochStats {
    int32_t epoch = 0;  // 0-based
    double loss = 0;    // mean training loss (with label smoothing)
    double accuracy = 0;
    double images_per_second = 0;
    double seconds = 0;
    double last_lr = 0;
};

struct TrainerOptions {
    int32_t epochs = 300;  // the batch size is the source's (LoaderOptions::batch_size)
    // Learning rate: linear from warmup_start_lr to lr over warmup_epochs, then
    // cosine from lr to min_lr at the end of the last epoch (per optimizer step).
    double lr = 5.5e-4;
    double warmup_start_lr = 1e-6;
    double min_lr = 1e-5;
    double warmup_epochs = 10;
    // AdamW; weight decay applies to conv / linear weights only (not to biases,
    // LayerNorm or BatchNorm).
    double weight_decay = 0.05;
    double label_smoothing = 0.1;
    int32_t threads = 0;  // torch::set_num_threads; 0 leaves LibTorch's default
    bool use_cuda = true;  // train on the GPU when torch::cuda::is_available()
    // Convolution weights and images in channels-last memory order: 5-10%
    // faster training of TinyFormer-300K on the CPU (docs/training.md).
    // Results are the same up to float rounding.
    bool channels_last = true;
    // Written after every epoch (model, optimizer, epoch, RNG state); empty: none.
    std::string checkpoint_path;
    bool resume = true;  // continue from checkpoint_path when that file exists
    // Stop after this many epochs in this call (0: run to `epochs`), as an
    // interruption would: the checkpoint lets a later call continue.
    int32_t max_epochs_this_run = 0;
    bool progress = true;  // progress line on stderr (\r updates on a terminal)
    uint64_t path_seed = 1;  // fit_supernet: the path of step s is drawn from (path_seed, s)
    TrainingHooks hooks;     // fit and fit_supernet
    // Called after every epoch, once its checkpoint is written (e.g. to
    // evaluate on validation data: the next epoch sets train mode again).
    std::function<void(const EpochStats&)> on_epoch_end;
};

struct TrainResult {
    int32_t first_epoch = 0;      // where this call started (> 0 after a resume)
    int32_t epochs_completed = 0;  // in total, including earlier runs
    std::vector<EpochStats> epochs;  // this call's epochs
};

struct EvalResult {
    double loss = 0;  // mean cross entropy without label smoothing
    double accuracy = 0;
    int64_t examples = 0;
};

// The learning rate at optimizer step `step` (0-based) of a run of
// options.epochs epochs of steps_per_epoch steps each.
double learning_rate(const TrainerOptions& options, int64_t step, int64_t steps_per_epoch);

// The single path fit_supernet trains at global step `step` (drawn from
// (options.path_seed, step) alone, so a resumed run draws the same paths).
ArchConfig supernet_path_at(const SupernetSpace& space, uint64_t path_seed, int64_t step);

class Trainer {
public:
    // Throws engine::Error for unusable options (naming the option).
    explicit Trainer(const TrainerOptions& options);

    // Trains `model` on `train` (resuming from the checkpoint when asked).
    TrainResult fit(SinglePathModel& model, const BatchSource& train) const;

    TrainResult fit(SinglePathModel& model, BatchLoader& train) const { return fit(model, batch_source(train)); }

    // Single-path one-shot training of a supernet: every step trains one
    // single path drawn uniformly from the space (SupernetSpace::sample),
    // over the shared weights; checkpoints hold the supernet.
    TrainResult fit_supernet(Supernet& supernet, const BatchSource& train) const;
    TrainResult fit_supernet(Supernet& supernet, BatchLoader& train) const
    {
        return fit_supernet(supernet, batch_source(train));
    }

    // BatchNorm statistics recomputed for this model alone (SPOS does so for a
    // single path before evaluating it: a supernet's running statistics mix
    // every path's): the exact average over the first `batches` batches of
    // epoch 0 of `data` (all when 0), no weight changes.
    void recalibrate_batch_norm(SinglePathModel& model, const BatchSource& data, int64_t batches = 0) const;

    // Loss and accuracy of the model in eval mode (epoch 0 of `data`).
    EvalResult evaluate(SinglePathModel& model, const BatchSource& data) const;
    EvalResult evaluate(SinglePathModel& model, BatchLoader& data) const { return evaluate(model, batch_source(data)); }

    const TrainerOptions& options() const { return options_; }

private:
    TrainerOptions options_;
};

// Training speed (forward, backward, AdamW step) in images per second on
// random data: `warmup` steps untimed, then `iterations` timed. It trains the
// model's weights on that noise: use a fresh model.
double measure_training_throughput(SinglePathModel& model, int32_t batch_size, int32_t iterations, int32_t threads,
                                   bool channels_last = false, int32_t warmup = 2);

}  // namespace tinyformer::toolkit
