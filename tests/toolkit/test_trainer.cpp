// The trainer: learning-rate schedule, learning on a synthetic task, and a
// resumed run ending with the same weights as an uninterrupted one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../common/synthetic_datasets.h"
#include "../common/trainer_options.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/model_torch.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::toolkit {
namespace {

using test_support::loader_options;
using test_support::quadrant_dataset;
using test_support::quiet_options;

ArchConfig tiny_config()
{
    ArchConfig c;
    c.input_h = c.input_w = 8;
    c.input_c = 1;
    c.classes = 4;
    c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvMaxPool, {2}, {TransformerChoice{1, false, 1}}};
    c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvStride2, {}, {TransformerChoice{1, true, 1}}};
    c.pooling = PoolingKind::SeqPool;
    c.last_dim = 16;
    return c;
}

TEST(Trainer, LearningRateWarmsUpLinearlyThenFollowsACosine)
{
    TrainerOptions o;
    o.epochs = 30;
    o.warmup_epochs = 10;
    o.warmup_start_lr = 1e-6;
    o.lr = 5.5e-4;
    o.min_lr = 1e-5;
    const int64_t spe = 100;
    EXPECT_DOUBLE_EQ(learning_rate(o, 0, spe), 1e-6);
    EXPECT_NEAR(learning_rate(o, 500, spe), 1e-6 + (5.5e-4 - 1e-6) * 0.5, 1e-12);
    EXPECT_DOUBLE_EQ(learning_rate(o, 1000, spe), 5.5e-4);
    EXPECT_NEAR(learning_rate(o, 2000, spe), 1e-5 + 0.5 * (5.5e-4 - 1e-5), 1e-12);  // half way: cos = 0
    EXPECT_NEAR(learning_rate(o, 3000, spe), 1e-5, 1e-12);
    EXPECT_NEAR(learning_rate(o, 5000, spe), 1e-5, 1e-12);  // past the end: stays at min_lr
    for (int64_t s = 1000; s < 3000; s += 10) {
        EXPECT_LT(learning_rate(o, s + 10, spe), learning_rate(o, s, spe)) << "step " << s;
    }
    o.warmup_epochs = 0;
    EXPECT_DOUBLE_EQ(learning_rate(o, 0, spe), 5.5e-4);
}

TEST(Trainer, LossFallsAndAccuracyRisesOnALearnableTask)
{
    auto data = quadrant_dataset(256, 1);
    BatchLoader train(data, loader_options(32, 1));
    SinglePathModel model(tiny_config());
    const Trainer trainer(quiet_options(4));
    const TrainResult r = trainer.fit(model, train);
    ASSERT_EQ(r.epochs.size(), 4u);
    EXPECT_EQ(r.first_epoch, 0);
    EXPECT_EQ(r.epochs_completed, 4);
    EXPECT_LT(r.epochs.back().loss, r.epochs.front().loss);
    EXPECT_GT(r.epochs.back().images_per_second, 0);
    auto test_data = quadrant_dataset(128, 2);
    LoaderOptions eval = loader_options(64, 0);
    eval.shuffle = false;
    BatchLoader test(test_data, eval);
    const EvalResult e = trainer.evaluate(model, test);
    EXPECT_EQ(e.examples, 128);
    EXPECT_GT(e.accuracy, 0.8) << "loss " << e.loss;
}

void expect_same_state(SinglePathModel& a, SinglePathModel& b)
{
    const auto pb = b.module().named_parameters();
    for (const auto& item : a.module().named_parameters()) {
        EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
    }
    const auto bb = b.module().named_buffers();
    for (const auto& item : a.module().named_buffers()) {
        EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
    }
}

TEST(Trainer, AResumedRunEndsWithTheWeightsOfAnUninterruptedRun)
{
    auto data = quadrant_dataset(64, 3);
    const std::string path = ::testing::TempDir() + "tf_trainer_resume.pt";
    std::remove(path.c_str());

    SinglePathModel straight(tiny_config());
    {
        BatchLoader train(data, loader_options(16, 5));
        Trainer(quiet_options(2)).fit(straight, train);
    }

    TrainerOptions o = quiet_options(2);
    o.checkpoint_path = path;
    o.max_epochs_this_run = 1;  // "interrupted" after epoch 1
    {
        SinglePathModel first(tiny_config());
        BatchLoader train(data, loader_options(16, 5));
        const TrainResult r = Trainer(o).fit(first, train);
        EXPECT_EQ(r.epochs_completed, 1);
    }
    // A new process would start from a fresh model (another seed even) and the checkpoint.
    SinglePathModel resumed(tiny_config(), ModelOptions{true, 99});
    BatchLoader train(data, loader_options(16, 5));
    o.max_epochs_this_run = 0;
    const TrainResult r = Trainer(o).fit(resumed, train);
    EXPECT_EQ(r.first_epoch, 1);
    EXPECT_EQ(r.epochs_completed, 2);
    ASSERT_EQ(r.epochs.size(), 1u);
    expect_same_state(straight, resumed);

    // Nothing left to do: a further call trains no epoch.
    const TrainResult again = Trainer(o).fit(resumed, train);
    EXPECT_TRUE(again.epochs.empty());
    expect_same_state(straight, resumed);
    std::remove(path.c_str());
}

TEST(Trainer, ChannelsLastTrainsLikeTheContiguousLayout)
{
    auto data = quadrant_dataset(32, 6);
    TrainerOptions o = quiet_options(1);
    o.lr = 1e-4;  // each Adam step moves a weight by at most ~lr: rounding cannot move it further
    o.channels_last = false;
    SinglePathModel a(tiny_config()), b(tiny_config());
    BatchLoader train_a(data, loader_options(16, 2)), train_b(data, loader_options(16, 2));
    const TrainResult ra = Trainer(o).fit(a, train_a);
    o.channels_last = true;
    const TrainResult rb = Trainer(o).fit(b, train_b);
    EXPECT_NEAR(ra.epochs[0].loss, rb.epochs[0].loss, 1e-4);
    const auto pb = b.module().named_parameters();
    for (const auto& item : a.module().named_parameters()) {
        EXPECT_TRUE(torch::allclose(item.value(), pb[item.key()], 1e-3, 1e-4)) << item.key();
        if (item.value().dim() == 4) {
            EXPECT_TRUE(pb[item.key()].is_contiguous(torch::MemoryFormat::ChannelsLast)) << item.key();
        }
    }
}

TEST(Trainer, ACheckpointOfAnotherModelIsRefused)
{
    auto data = quadrant_dataset(16, 4);
    const std::string path = ::testing::TempDir() + "tf_trainer_other.pt";
    TrainerOptions o = quiet_options(1);
    o.checkpoint_path = path;
    {
        SinglePathModel model(tiny_config());
        BatchLoader train(data, loader_options(16, 1));
        Trainer(o).fit(model, train);
    }
    ArchConfig other = tiny_config();
    other.dots[1].dim = 32;
    SinglePathModel model(other);
    o.epochs = 2;
    BatchLoader train(data, loader_options(16, 1));
    EXPECT_THROW(Trainer(o).fit(model, train), engine::Error);
    std::remove(path.c_str());
}

TEST(Trainer, BadOptionsAndBatchesAreRefused)
{
    TrainerOptions o = quiet_options(0);
    EXPECT_THROW(Trainer{o}, engine::Error);
    o = quiet_options(1);
    o.label_smoothing = 1.0;
    EXPECT_THROW(Trainer{o}, engine::Error);
    o = quiet_options(1);
    o.lr = 0;
    EXPECT_THROW(Trainer{o}, engine::Error);

    // 8x8 images for a model that takes 16x16
    ArchConfig c = tiny_config();
    c.input_h = c.input_w = 16;
    SinglePathModel model(c);
    auto data = quadrant_dataset(16, 4);
    BatchLoader train(data, loader_options(16, 1));
    EXPECT_THROW(Trainer(quiet_options(1)).fit(model, train), engine::Error);
}

// Not part of the suite (minutes): TinyFormer-300K training speed at batch 64 on 2 threads.
//   ./build/<dir>/tests/toolkit/toolkit_torch_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST(Trainer, DISABLED_Throughput300k)
{
    for (bool channels_last : {false, true}) {
        for (int32_t threads : {1, 2}) {
            SinglePathModel model(ArchConfig::tinyformer_300k());
            const double ips = measure_training_throughput(model, 64, 5, threads, channels_last);
            std::printf("TinyFormer-300K training, batch 64, %d thread(s)%s: %.1f img/s\n", threads,
                        channels_last ? ", channels_last" : "", ips);
        }
    }
}

}  // namespace
}  // namespace tinyformer::toolkit
