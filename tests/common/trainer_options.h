// Test helper: loader and trainer settings for short, reproducible training
// runs in tests (one thread: the same reduction order in every run).
#pragma once

#include <cstdint>

#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::test_support {

// Batches of `batch`, shuffled from `seed` (or in order), no flips (the synthetic tasks are not symmetric).
inline toolkit::LoaderOptions loader_options(int64_t batch, uint64_t seed, bool shuffle = true)
{
    toolkit::LoaderOptions o;
    o.batch_size = batch;
    o.shuffle = shuffle;
    o.seed = seed;
    o.augmentation.horizontal_flip = false;
    return o;
}

// `epochs` of AdamW at lr 3e-3 (half an epoch of warm-up, cosine to 1e-4), one thread, no progress lines.
inline toolkit::TrainerOptions quiet_options(int32_t epochs)
{
    toolkit::TrainerOptions o;
    o.epochs = epochs;
    o.lr = 3e-3;
    o.warmup_epochs = 0.5;
    o.min_lr = 1e-4;
    o.threads = 1;  // the same reduction order in every run
    o.progress = false;
    return o;
}

}  // namespace tinyformer::test_support
