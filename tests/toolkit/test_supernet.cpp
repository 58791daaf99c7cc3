// The supernet: single paths share each candidate's weights, a training step
// moves only the weights of the path it ran, paths agree with the layer list,
// a path copied out computes the same, and supernet training resumes exactly.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/model_torch.h"
#include "tinyformer/toolkit/supernet.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::toolkit {
namespace {

// 8x8x1 input, DoT1 dim 8 (one MobileNetV2, one transformer), DoT2 dim 16 (one transformer).
SupernetSpace tiny_space()
{
    SupernetSpace s;
    ArchConfig& c = s.base;
    c.input_h = c.input_w = 8;
    c.input_c = 1;
    c.classes = 4;
    c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvMaxPool, {2}, {TransformerChoice{1, true, 1}}};
    c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvMaxPool, {}, {TransformerChoice{1, true, 1}}};
    c.last_dim = 16;
    s.expansions = {2, 4};
    s.transformers = {{1, true, 1}, {2, false, 1}};
    return s;
}

std::shared_ptr<const Dataset> random_dataset(int32_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<uint8_t> pixels(static_cast<size_t>(n) * 64);
    std::vector<int32_t> labels(static_cast<size_t>(n));
    for (auto& p : pixels) {
        p = static_cast<uint8_t>(rng() & 0xff);
    }
    for (auto& l : labels) {
        l = static_cast<int32_t>(rng() % 4);
    }
    return std::make_shared<InMemoryDataset>(ImageShape{8, 8, 1}, 4, std::move(pixels), std::move(labels), "random");
}

LoaderOptions loader_options(int64_t batch)
{
    LoaderOptions o;
    o.batch_size = batch;
    o.seed = 3;
    return o;
}

TrainerOptions quiet_options(int32_t epochs)
{
    TrainerOptions o;
    o.epochs = epochs;
    o.lr = 1e-3;
    o.warmup_epochs = 0;
    o.threads = 1;
    o.progress = false;
    return o;
}

std::map<std::string, torch::Tensor> snapshot(SharedLayersImpl& shared)
{
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : shared.named_parameters()) {
        out[p.key()] = p.value().clone();
    }
    return out;
}

TEST(Supernet, PathsShareTheWeightsOfTheCandidatesTheyPick)
{
    Supernet net(tiny_space());
    ArchConfig a = tiny_space().base;
    a.dots[0].mbv2_expansions = {2};
    ArchConfig b = a;
    b.dots[0].transformers = {TransformerChoice{2, false, 1}};  // same expansion, other transformer
    ArchConfig c = a;
    c.dots[0].mbv2_expansions = {4};
    c.dots[0].transformers = {TransformerChoice{1, true, 1}};
    a.dots[0].transformers = {TransformerChoice{1, true, 1}};
    SinglePathModel pa = net.path(a), pb = net.path(b), pc = net.path(c);
    const auto wa = pa.module().named_parameters(), wb = pb.module().named_parameters(),
               wc = pc.module().named_parameters();
    EXPECT_TRUE(wa["dot1_mbv2_1_expand.weight"].is_same(wb["dot1_mbv2_1_expand.weight"]));
    EXPECT_FALSE(wa["dot1_mbv2_1_expand.weight"].is_same(wc["dot1_mbv2_1_expand.weight"]));
    EXPECT_TRUE(wa["dot1_vit_1_enc_1_q.weight"].is_same(wc["dot1_vit_1_enc_1_q.weight"]));
    EXPECT_FALSE(wa["dot1_vit_1_enc_1_q.weight"].is_same(wb["dot1_vit_1_enc_1_q.weight"]));
    EXPECT_TRUE(wa["dot2_down_conv.weight"].is_same(wc["dot2_down_conv.weight"]));

    const size_t before = net.layer_count();
    net.create_all_candidates();
    EXPECT_GT(net.layer_count(), before);
    const int64_t total = net.parameter_count();
    net.create_all_candidates();  // idempotent
    EXPECT_EQ(net.parameter_count(), total);
}

TEST(Supernet, SampledPathsAgreeWithTheLayerList)
{
    Supernet net(tiny_space());
    std::mt19937_64 rng(5);
    torch::NoGradGuard no_grad;
    for (int i = 0; i < 12; i++) {
        const ArchConfig c = net.space().sample(rng);
        SinglePathModel p = net.path(c);
        EXPECT_EQ(p.parameter_count(), parameter_count(c)) << "path " << i;
        const auto values = p.module().forward_all(torch::randn({2, 1, 8, 8}));
        const auto& specs = p.layers();
        for (size_t l = 0; l < specs.size(); l++) {
            EXPECT_EQ(values[l + 1].sizes().vec(), torch_shape(specs[l].output_shape, 2))
                << "path " << i << " layer " << specs[l].name;
        }
    }
}

TEST(Supernet, AnExtractedPathComputesLikeThePathInTheSupernet)
{
    Supernet net(tiny_space());
    std::mt19937_64 rng(9);
    const ArchConfig c = net.space().sample(rng);
    SinglePathModel shared = net.path(c);
    SinglePathModel copy = net.extract(c);
    shared.module().eval();
    copy.module().eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({3, 1, 8, 8});
    EXPECT_TRUE(torch::equal(shared.module().forward(x), copy.module().forward(x)));
    // The copy is independent.
    copy.module().named_parameters()["head_fc2.weight"].add_(1.0);
    EXPECT_FALSE(torch::equal(shared.module().forward(x), copy.module().forward(x)));
}

std::set<const void*> weights_of(Supernet& net, const ArchConfig& config)
{
    std::set<const void*> out;
    SinglePathModel p = net.path(config);
    for (const auto& t : p.module().parameters()) {
        out.insert(t.data_ptr());
    }
    return out;
}

// Two steps (paths 0 and 1): the weights only path 0 uses end where one step left them (a zero gradient
// instead of none would move them at step 1 by momentum and decay); weights of neither path never move.
TEST(Supernet, AStepMovesOnlyTheWeightsOfItsPath)
{
    TrainerOptions o = quiet_options(1);
    o.weight_decay = 0.1;
    while (supernet_path_at(tiny_space(), o.path_seed, 0).dots[0].mbv2_expansions ==
           supernet_path_at(tiny_space(), o.path_seed, 1).dots[0].mbv2_expansions) {
        o.path_seed++;  // a seed whose two first paths differ somewhere
    }
    auto data = random_dataset(16, 1);
    const auto run = [&](bool stop_after_first_step) {
        auto net = std::make_unique<Supernet>(tiny_space());
        net->create_all_candidates();
        auto loader = std::make_shared<BatchLoader>(data, loader_options(8));
        BatchSource source = batch_source(*loader);  // 2 batches per epoch: the same schedule in both runs
        auto steps = std::make_shared<int>(0);
        source.next = [loader, steps, stop_after_first_step](Batch& b) {
            return !(stop_after_first_step && (*steps)++ == 1) && loader->next(b);
        };
        Trainer(o).fit_supernet(*net, source);
        return net;
    };
    Supernet fresh(tiny_space());
    fresh.create_all_candidates();
    const auto initial = snapshot(fresh.shared());
    auto one_step = run(true), two_steps = run(false);
    const ArchConfig p0 = supernet_path_at(tiny_space(), o.path_seed, 0);
    const ArchConfig p1 = supernet_path_at(tiny_space(), o.path_seed, 1);
    const auto used0 = weights_of(*two_steps, p0), used1 = weights_of(*two_steps, p1);
    const auto after_one = snapshot(one_step->shared());
    int only_path0 = 0, neither = 0;
    for (const auto& p : two_steps->shared().named_parameters()) {
        const bool in0 = used0.count(p.value().data_ptr()) > 0, in1 = used1.count(p.value().data_ptr()) > 0;
        if (in0 && !in1) {
            only_path0++;
            EXPECT_TRUE(torch::equal(p.value(), after_one.at(p.key()))) << p.key() << " moved at step 1";
            EXPECT_FALSE(torch::equal(p.value(), initial.at(p.key()))) << p.key() << " did not move at step 0";
        } else if (!in0 && !in1) {
            neither++;
            EXPECT_TRUE(torch::equal(p.value(), initial.at(p.key()))) << p.key() << " moved in no path";
        }
    }
    EXPECT_GT(only_path0, 0);
    EXPECT_GT(neither, 0);
}

TEST(Supernet, SupernetTrainingResumesExactly)
{
    auto data = random_dataset(32, 2);
    const std::string path = ::testing::TempDir() + "tf_supernet_resume.pt";
    std::remove(path.c_str());
    Supernet straight(tiny_space());
    {
        BatchLoader train(data, loader_options(8));
        Trainer(quiet_options(2)).fit_supernet(straight, train);
    }
    TrainerOptions o = quiet_options(2);
    o.checkpoint_path = path;
    o.max_epochs_this_run = 1;
    {
        Supernet first(tiny_space());
        BatchLoader train(data, loader_options(8));
        Trainer(o).fit_supernet(first, train);
    }
    Supernet resumed(tiny_space(), ModelOptions{true, 42});
    BatchLoader train(data, loader_options(8));
    o.max_epochs_this_run = 0;
    const TrainResult r = Trainer(o).fit_supernet(resumed, train);
    EXPECT_EQ(r.first_epoch, 1);
    const auto want = snapshot(straight.shared());
    for (const auto& p : resumed.shared().named_parameters()) {
        EXPECT_TRUE(torch::equal(p.value(), want.at(p.key()))) << p.key();
    }
    std::remove(path.c_str());
}

TEST(Supernet, RecalibratedBatchNormIsThePathsOwnAverage)
{
    Supernet net(tiny_space());
    std::mt19937_64 rng(2);
    SinglePathModel p = net.path(net.space().sample(rng));
    auto data = random_dataset(32, 3);
    LoaderOptions lo = loader_options(16);
    lo.shuffle = false;
    BatchLoader loader(data, lo);
    Trainer(quiet_options(1)).recalibrate_batch_norm(p, batch_source(loader));
    // The first BatchNorm's running mean is the mean of its input over both batches.
    auto& m = p.module();
    LayerModules first = m.layer_modules(0);  // holders of the same modules, non-const
    ASSERT_TRUE(first.bn);
    torch::NoGradGuard no_grad;
    torch::Tensor sum = torch::zeros({first.conv->options.out_channels()});
    loader.start_epoch(0);
    Batch b;
    while (loader.next(b)) {
        const torch::Tensor x = torch::from_blob(b.images.data(), {b.size, 1, 8, 8}).clone();
        sum += first.conv(x).mean({0, 2, 3});
    }
    EXPECT_TRUE(torch::allclose(first.bn->running_mean, sum / 2, 1e-4, 1e-5));
    EXPECT_FALSE(m.is_training());
}

TEST(Supernet, PathsOutsideTheSpaceAreRefused)
{
    Supernet net(tiny_space());
    ArchConfig c = tiny_space().base;
    c.dots[0].mbv2_expansions = {6};
    EXPECT_THROW(net.path(c), engine::Error);
    c = tiny_space().base;
    c.dots[1].dim = 32;
    EXPECT_THROW(net.path(c), engine::Error);
    c = tiny_space().base;
    c.dots[0].downsample = DownsampleKind::Conv;
    EXPECT_THROW(net.path(c), engine::Error);
}

}  // namespace
}  // namespace tinyformer::toolkit
