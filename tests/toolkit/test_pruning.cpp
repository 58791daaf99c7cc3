// Blockwise pruning: exact zero-block counts in the engine's block order,
// magnitude ranking, masks kept through optimizer steps (weights and AdamW
// moments), the AGP schedule, and AGP with fine-tuning on a learnable task
// (final sparsity reached, accuracy above chance, resume on the schedule).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "../common/synthetic_datasets.h"
#include "../common/trainer_options.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/sparse_codec.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/model.h"
#include "tinyformer/toolkit/model_torch.h"
#include "tinyformer/toolkit/pruning.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::toolkit {
namespace {

using test_support::loader_options;
using test_support::quadrant_dataset;
using test_support::quiet_options;

// 8x8x1 input: 3x3 convolutions with C_in 1, 8 and 16, 1x1 convolutions, linears (attention, MLP,
// SeqPool with one output, classifier).
ArchConfig small_config()
{
    ArchConfig c;
    c.input_h = c.input_w = 8;
    c.input_c = 1;
    c.classes = 4;
    c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvMaxPool, {2}, {TransformerChoice{2, true, 1}}};
    c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvStride2, {2}, {TransformerChoice{1, false, 1}}};
    c.pooling = PoolingKind::SeqPool;
    c.last_dim = 16;
    return c;
}

const LayerSpec& spec_of(const SinglePathModel& m, const std::string& name)
{
    for (const LayerSpec& l : m.layers()) {
        if (l.name == name) {
            return l;
        }
    }
    throw std::runtime_error("no layer " + name);
}

torch::Tensor weight_of(const SinglePathModel& m, const std::string& name)
{
    for (size_t i = 0; i < m.layers().size(); i++) {
        if (m.layers()[i].name == name) {
            const LayerModules& lm = m.module().layer_modules(i);
            return (lm.conv ? lm.conv->weight : lm.linear->weight).detach().cpu().contiguous();
        }
    }
    throw std::runtime_error("no layer " + name);
}

// A layer's weights in the order compile() codes them, written out with plain loops (independent of
// pruning.cpp): conv b = 2 / 4 [C_out, KH, KW, C_in], b = 3 [C_out, KH, C_in, KW], linear [out, in].
struct Coded {
    std::vector<float> values;
    int32_t rows = 0, row_len = 0;
};

Coded coded_order(const torch::Tensor& w, int32_t block)
{
    Coded c;
    if (w.dim() == 2) {
        c.rows = static_cast<int32_t>(w.size(0));
        c.row_len = static_cast<int32_t>(w.size(1));
        const auto a = w.accessor<float, 2>();
        for (int64_t o = 0; o < w.size(0); o++) {
            for (int64_t i = 0; i < w.size(1); i++) {
                c.values.push_back(a[o][i]);
            }
        }
        return c;
    }
    const auto a = w.accessor<float, 4>();
    const int64_t co = w.size(0), ci = w.size(1), kh = w.size(2), kw = w.size(3);
    c.rows = static_cast<int32_t>(co);
    c.row_len = static_cast<int32_t>(ci * kh * kw);
    for (int64_t o = 0; o < co; o++) {
        for (int64_t y = 0; y < kh; y++) {
            if (block == 3) {
                for (int64_t i = 0; i < ci; i++) {
                    for (int64_t x = 0; x < kw; x++) {
                        c.values.push_back(a[o][i][y][x]);
                    }
                }
            } else {
                for (int64_t x = 0; x < kw; x++) {
                    for (int64_t i = 0; i < ci; i++) {
                        c.values.push_back(a[o][i][y][x]);
                    }
                }
            }
        }
    }
    return c;
}

// Per block of the flattened coded order: L1 norm (the last block may be short).
std::vector<double> block_norms(const Coded& c, int32_t block)
{
    std::vector<double> norms;
    for (size_t k = 0; k < c.values.size(); k += static_cast<size_t>(block)) {
        double s = 0;
        for (size_t j = k; j < std::min(c.values.size(), k + static_cast<size_t>(block)); j++) {
            s += std::fabs(static_cast<double>(c.values[j]));
        }
        norms.push_back(s);
    }
    return norms;
}

int64_t zero_blocks(const Coded& c, int32_t block)
{
    int64_t n = 0;
    for (double v : block_norms(c, block)) {
        n += v == 0.0 ? 1 : 0;
    }
    return n;
}

// The engine's own count of all-zero blocks (SparseCodec), on int8 stand-ins (1 where non-zero).
int64_t engine_zero_blocks(const Coded& c, int32_t block)
{
    std::vector<int8_t> nonzero;
    for (float v : c.values) {
        nonzero.push_back(v != 0.0f ? 1 : 0);
    }
    const double fraction = engine::SparseCodec::block_sparsity(nonzero.data(), c.rows, c.row_len, block);
    return std::llround(fraction * static_cast<double>(c.values.size() / static_cast<size_t>(block)));
}

// Every prunable layer at `rho`; blocks mixed per layer: 3x3 convolutions with C_in a multiple of 4
// alternate 2 / 4 along C_in and 3 along the width, the others alternate 2 / 4 (the first 3x3
// convolution, C_in 1, always 3).
std::map<std::string, LayerSparsity> mixed_sparsity(const ArchConfig& config, float rho)
{
    std::map<std::string, LayerSparsity> s;
    int k = 0;
    for (const LayerSpec& l : layers(config)) {
        if (!l.prunable) {
            continue;
        }
        const bool conv3 = l.kind == LayerKind::Conv && l.kernel == 3;
        int32_t block = k % 2 == 0 ? 2 : 4;
        if (conv3 && (l.in_channels % 4 != 0 || k % 3 == 2)) {
            block = 3;
        }
        s[l.name] = LayerSparsity{rho, block};
        k++;
    }
    return s;
}

void expect_exact_pruning(const SinglePathModel& model, const std::map<std::string, LayerSparsity>& sparsity,
                          const std::vector<LayerMask>& masks, const std::string& label)
{
    size_t named = 0;
    for (const auto& [name, s] : sparsity) {
        named += s.block > 0 ? 1 : 0;
    }
    ASSERT_EQ(masks.size(), named) << label;
    const std::map<std::string, int64_t> counted = zero_block_counts(model, masks);
    for (const LayerMask& mask : masks) {
        const LayerSparsity s = sparsity.at(mask.name);
        const Coded c = coded_order(weight_of(model, mask.name), s.block);
        const int64_t blocks = static_cast<int64_t>((c.values.size() + static_cast<size_t>(s.block) - 1) /
                                                    static_cast<size_t>(s.block));
        const auto expected = static_cast<int64_t>(std::floor(static_cast<double>(s.rho) * static_cast<double>(blocks)));
        EXPECT_EQ(mask.block, s.block) << label << " " << mask.name;
        EXPECT_EQ(mask.blocks(), blocks) << label << " " << mask.name;
        EXPECT_EQ(mask.pruned_blocks(), expected) << label << " " << mask.name;
        EXPECT_EQ(zero_blocks(c, s.block), expected) << label << " " << mask.name << " block " << s.block;
        EXPECT_EQ(counted.at(mask.name), expected) << label << " " << mask.name;
        if (c.row_len % s.block == 0) {  // codable by the engine
            EXPECT_EQ(engine_zero_blocks(c, s.block), expected) << label << " " << mask.name << " (engine)";
        }
    }
}

TEST(Pruning, ExactlyFloorRhoTimesBlocksAreZeroInTheEngineBlockOrder)
{
    for (float rho : {0.4f, 0.6f, 0.8f}) {
        for (int32_t block : {2, 4, 0}) {  // 0: blocks mixed per layer
            ArchConfig config = small_config();
            std::map<std::string, LayerSparsity> sparsity;
            if (block == 0) {
                sparsity = mixed_sparsity(config, rho);
            } else {
                config.set_uniform_sparsity(rho, block);  // 3x3 convolutions: block 3
                sparsity = config.sparsity;
            }
            SinglePathModel model(config, ModelOptions{true, 7});
            const std::vector<LayerMask> masks = prune_one_shot(model, sparsity);
            expect_exact_pruning(model, sparsity, masks,
                                 "rho " + std::to_string(rho) + " block " + (block ? std::to_string(block) : "mixed"));
        }
    }
}

TEST(Pruning, PrunedBlocksAreTheSmallestByL1AndKeptWeightsAreUntouched)
{
    ArchConfig config = small_config();
    const std::map<std::string, LayerSparsity> sparsity = mixed_sparsity(config, 0.6f);
    SinglePathModel model(config, ModelOptions{true, 3});
    std::map<std::string, torch::Tensor> before;
    for (const auto& [name, s] : sparsity) {
        before[name] = weight_of(model, name).clone();
    }
    const std::vector<LayerMask> masks = prune_one_shot(model, sparsity);
    for (const LayerMask& mask : masks) {
        const Coded original = coded_order(before[mask.name], mask.block);
        const Coded pruned = coded_order(weight_of(model, mask.name), mask.block);
        const std::vector<double> norms = block_norms(original, mask.block);
        double max_pruned = -1, min_kept = 1e30;
        for (size_t k = 0; k < norms.size(); k++) {
            if (mask.keep[k]) {
                min_kept = std::min(min_kept, norms[k]);
            } else {
                max_pruned = std::max(max_pruned, norms[k]);
            }
            for (size_t j = k * static_cast<size_t>(mask.block);
                 j < std::min(pruned.values.size(), (k + 1) * static_cast<size_t>(mask.block)); j++) {
                ASSERT_EQ(pruned.values[j], mask.keep[k] ? original.values[j] : 0.0f)
                    << mask.name << " block " << k << " element " << j;
            }
        }
        EXPECT_LE(max_pruned, min_kept) << mask.name;
    }
}

TEST(Pruning, TiesGoToTheLowerBlockIndex)
{
    ArchConfig config = small_config();
    SinglePathModel model(config);
    const LayerSpec* linear = nullptr;
    for (const LayerSpec& l : model.layers()) {
        if (l.kind == LayerKind::Linear && l.prunable) {
            linear = &l;  // the last one
        }
    }
    ASSERT_NE(linear, nullptr);
    for (size_t i = 0; i < model.layers().size(); i++) {
        if (model.layers()[i].name == linear->name) {
            torch::NoGradGuard no_grad;
            model.module().layer_modules(i).linear->weight.fill_(0.5f);
        }
    }
    const std::map<std::string, LayerSparsity> sparsity{{linear->name, LayerSparsity{0.4f, 4}}};
    const std::vector<LayerMask> masks = compute_block_masks(model, sparsity);
    ASSERT_EQ(masks.size(), 1u);
    const int64_t pruned = pruned_block_count(0.4f, masks[0].blocks());
    for (int64_t k = 0; k < masks[0].blocks(); k++) {
        EXPECT_EQ(masks[0].keep[static_cast<size_t>(k)], k < pruned ? 0 : 1) << "block " << k;
    }
}

// A forward / backward on random data (a training step's gradients).
void backward_random(SinglePathModel& model, int64_t seed)
{
    torch::manual_seed(static_cast<uint64_t>(seed));
    const ArchConfig& c = model.config();
    const torch::Tensor x = torch::randn({4, c.input_c, c.input_h, c.input_w});
    const torch::Tensor y = torch::randint(0, c.classes, {4}, torch::kLong);
    torch::nn::functional::cross_entropy(model.module().forward(x), y).backward();
}

TEST(Pruning, MasksSurviveOptimizerStepsAndAdamWMomentsOfPrunedWeightsStayZero)
{
    ArchConfig config = small_config();
    const std::map<std::string, LayerSparsity> sparsity = mixed_sparsity(config, 0.6f);
    SinglePathModel model(config, ModelOptions{true, 5});
    model.module().train();
    Pruner pruner(model, sparsity);
    pruner.prune_to_final();
    std::map<std::string, torch::Tensor> before;
    for (const auto& [name, s] : sparsity) {
        before[name] = weight_of(model, name).clone();
    }
    torch::optim::AdamW optimizer(model.module().parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0.05));
    for (int step = 0; step < 3; step++) {
        optimizer.zero_grad();
        backward_random(model, step);
        pruner.mask_gradients();
        optimizer.step();
        pruner.apply();
    }
    expect_exact_pruning(model, sparsity, pruner.masks(), "after 3 AdamW steps");
    for (size_t i = 0; i < model.layers().size(); i++) {
        const auto it = sparsity.find(model.layers()[i].name);
        if (it == sparsity.end()) {
            continue;
        }
        const LayerModules& lm = model.module().layer_modules(i);
        const torch::Tensor w = lm.conv ? lm.conv->weight : lm.linear->weight;
        EXPECT_FALSE(torch::equal(w.detach().cpu().contiguous(), before[it->first])) << it->first << " did not train";
        // The pruned weights' moment estimates never saw a gradient.
        const auto& state = static_cast<const torch::optim::AdamWParamState&>(
            *optimizer.state().at(c10::guts::to_string(w.unsafeGetTensorImpl())));
        const torch::Tensor pruned = w.detach() == 0;
        EXPECT_EQ(state.exp_avg().masked_select(pruned).abs().sum().item<double>(), 0.0) << it->first;
        EXPECT_EQ(state.exp_avg_sq().masked_select(pruned).abs().sum().item<double>(), 0.0) << it->first;
    }
}

TEST(Pruning, TrainerHooksKeepTheMasksThroughTraining)
{
    ArchConfig config = small_config();
    config.set_uniform_sparsity(0.8f, 4);
    SinglePathModel model(config);
    Pruner pruner(model);
    pruner.prune_to_final();
    BatchLoader train(quadrant_dataset(48, 4), loader_options(16, 1));  // 3 steps
    TrainerOptions o = quiet_options(1);
    o.hooks = pruner.training_hooks();
    Trainer(o).fit(model, train);
    expect_exact_pruning(model, config.sparsity, pruner.masks(), "after Trainer::fit");
}

TEST(AgpSchedule, FollowsTheCubicFromInitialToFinalSparsity)
{
    AgpSchedule s;
    s.initial_sparsity = 0.0;
    s.start_step = 10;
    s.interval = 5;
    s.pruning_steps = 4;  // ends at 30
    EXPECT_EQ(s.end_step(), 30);
    EXPECT_DOUBLE_EQ(s.sparsity(0.8, 0), 0.0);
    EXPECT_DOUBLE_EQ(s.sparsity(0.8, 10), 0.0);               // t0: s_i
    EXPECT_NEAR(s.sparsity(0.8, 20), 0.8 - 0.8 * 0.125, 1e-12);  // midway: (1 - 1/2)^3
    EXPECT_NEAR(s.sparsity(0.8, 15), 0.8 - 0.8 * 0.421875, 1e-12);  // (3/4)^3
    EXPECT_DOUBLE_EQ(s.sparsity(0.8, 30), 0.8);               // end: s_f exactly
    EXPECT_DOUBLE_EQ(s.sparsity(0.8, 1000), 0.8);
    for (int64_t t = 10; t < 30; t++) {
        EXPECT_LT(s.sparsity(0.8, t), s.sparsity(0.8, t + 1)) << "t " << t;
    }
    for (int64_t t = 0; t <= 40; t++) {
        EXPECT_EQ(s.is_pruning_step(t), t >= 10 && t <= 30 && t % 5 == 0) << "t " << t;
    }
    s.initial_sparsity = 0.2;
    EXPECT_DOUBLE_EQ(s.sparsity(0.8, 10), 0.2);
    EXPECT_NEAR(s.sparsity(0.8, 20), 0.8 - 0.6 * 0.125, 1e-12);
    EXPECT_DOUBLE_EQ(s.sparsity(0.1, 10), 0.1);  // a layer below s_i stays at its own final sparsity
    EXPECT_DOUBLE_EQ(s.sparsity(0.1, 20), 0.1);

    const AgpSchedule e = AgpSchedule::over_epochs(1, 3, 8, 2);
    EXPECT_EQ(e.start_step, 8);
    EXPECT_EQ(e.interval, 2);
    EXPECT_EQ(e.pruning_steps, 8);
    EXPECT_EQ(e.end_step(), 24);
}

// Blocks mixed per layer (mixed_sparsity), rho alternating between `a` and `b`.
std::map<std::string, LayerSparsity> agp_targets(const ArchConfig& config, float a = 0.6f, float b = 0.8f)
{
    std::map<std::string, LayerSparsity> s = mixed_sparsity(config, b);
    int k = 0;
    for (auto& [name, v] : s) {
        v.rho = k++ % 2 == 0 ? a : b;
    }
    return s;
}

TEST(Agp, PrunesToTheFinalSparsityAndStillLearnsTheTask)
{
    // 40 / 60 % here: at 80 % in every layer this 8-channel model keeps ~5 of the first convolution's 24
    // blocks and a few classifier blocks, too few to learn the task at all.
    ArchConfig config = small_config();
    config.sparsity = agp_targets(config, 0.4f, 0.6f);
    SinglePathModel model(config);
    BatchLoader train(quadrant_dataset(256, 1), loader_options(32, 1));  // 8 steps per epoch
    const TrainerOptions o = quiet_options(6);
    const AgpSchedule schedule = AgpSchedule::over_epochs(0, 3, 8, 2);  // pruning over 3 epochs, then 3 fine-tune
    const AgpResult r = agp_prune(model, batch_source(train), o, schedule);
    EXPECT_EQ(r.training.epochs_completed, 6);
    expect_exact_pruning(model, config.sparsity, r.masks, "after AGP");

    BatchLoader test(quadrant_dataset(128, 2), loader_options(64, 0, false));
    const EvalResult e = Trainer(o).evaluate(model, test);
    EXPECT_GT(e.accuracy, 0.6) << "loss " << e.loss << " (chance 0.25)";
    std::printf("AGP to 40 / 60 %% of blocks: test accuracy %.3f, loss %.3f\n", e.accuracy, e.loss);
}

TEST(Agp, AResumedRunEndsWithTheWeightsAndMasksOfAnUninterruptedRun)
{
    ArchConfig config = small_config();
    config.sparsity = agp_targets(config);
    auto data = quadrant_dataset(64, 3);
    const AgpSchedule schedule = AgpSchedule::over_epochs(0, 1.5, 4, 1);  // straddles the interruption
    const std::string path = ::testing::TempDir() + "tf_pruning_resume.pt";
    std::remove(path.c_str());

    SinglePathModel straight(config);
    AgpResult a;
    {
        BatchLoader train(data, loader_options(16, 5));
        a = agp_prune(straight, batch_source(train), quiet_options(2), schedule);
    }
    TrainerOptions o = quiet_options(2);
    o.checkpoint_path = path;
    o.max_epochs_this_run = 1;
    {
        SinglePathModel first(config);
        BatchLoader train(data, loader_options(16, 5));
        EXPECT_EQ(agp_prune(first, batch_source(train), o, schedule).training.epochs_completed, 1);
    }
    SinglePathModel resumed(config, ModelOptions{true, 99});  // a new process: another seed even
    BatchLoader train(data, loader_options(16, 5));
    o.max_epochs_this_run = 0;
    const AgpResult b = agp_prune(resumed, batch_source(train), o, schedule);
    EXPECT_EQ(b.training.first_epoch, 1);
    ASSERT_EQ(a.masks.size(), b.masks.size());
    for (size_t k = 0; k < a.masks.size(); k++) {
        EXPECT_EQ(a.masks[k].keep, b.masks[k].keep) << a.masks[k].name;
    }
    const auto pb = resumed.module().named_parameters();
    for (const auto& item : straight.module().named_parameters()) {
        EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
    }
    expect_exact_pruning(resumed, config.sparsity, b.masks, "resumed");
    std::remove(path.c_str());
}

TEST(Pruning, BadTargetsSchedulesAndCheckpointsAreRefused)
{
    ArchConfig config = small_config();
    SinglePathModel model(config);
    std::string conv1x1, depthwise;
    for (const LayerSpec& l : model.layers()) {
        if (l.kind == LayerKind::Conv && l.kernel == 1 && conv1x1.empty()) {
            conv1x1 = l.name;
        }
        if (l.kind == LayerKind::Depthwise && depthwise.empty()) {
            depthwise = l.name;
        }
    }
    ASSERT_FALSE(conv1x1.empty());
    ASSERT_FALSE(depthwise.empty());
    const auto refused = [&](const std::map<std::string, LayerSparsity>& s, const std::string& words) {
        try {
            compute_block_masks(model, s);
            ADD_FAILURE() << "accepted: " << words;
        } catch (const engine::Error& e) {
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
        }
    };
    refused({{"no_such_layer", {0.5f, 2}}}, "no_such_layer");
    refused({{conv1x1, {0.5f, 3}}}, "block size 3");
    refused({{conv1x1, {1.0f, 2}}}, "must be in [0, 1)");
    refused({{conv1x1, {-0.1f, 2}}}, "must be in [0, 1)");
    refused({{depthwise, {0.5f, 2}}}, "not prunable");

    AgpSchedule s;
    s.interval = 0;
    EXPECT_THROW(s.validate(), engine::Error);
    s = AgpSchedule{};
    s.initial_sparsity = 1.0;
    EXPECT_THROW(s.validate(), engine::Error);
    EXPECT_THROW(AgpSchedule::over_epochs(2, 1, 8, 1), engine::Error);

    // A schedule longer than the run.
    config.set_uniform_sparsity(0.5f, 2);
    SinglePathModel pruned(config);
    BatchLoader train(quadrant_dataset(32, 1), loader_options(16, 1));  // 2 steps per epoch
    EXPECT_THROW(agp_prune(pruned, batch_source(train), quiet_options(1), AgpSchedule::over_epochs(0, 2, 2, 1)),
                 engine::Error);

    // Masks of another model / a checkpoint without the pruner's state.
    Pruner pruner(pruned);
    ArchConfig other = config;
    other.set_uniform_sparsity(0.5f, 4);
    SinglePathModel other_model(other);
    Pruner other_pruner(other_model);
    EXPECT_THROW(other_pruner.load_state(pruner.save_state()), engine::Error);
    EXPECT_THROW(pruner.load_state("garbage"), engine::Error);
    const std::string path = ::testing::TempDir() + "tf_pruning_plain.pt";
    std::remove(path.c_str());
    TrainerOptions o = quiet_options(2);
    o.checkpoint_path = path;
    o.max_epochs_this_run = 1;
    Trainer(o).fit(pruned, train);  // a plain checkpoint
    o.max_epochs_this_run = 0;
    try {
        agp_prune(pruned, batch_source(train), o, AgpSchedule::over_epochs(0, 1, 2, 1));
        ADD_FAILURE() << "resumed AGP from a checkpoint without pruning state";
    } catch (const engine::Error& e) {
        EXPECT_NE(std::string(e.what()).find("no hooks state"), std::string::npos) << e.what();
    }
    std::remove(path.c_str());
}

TEST(Pruning, StateRoundTripsThroughBytes)
{
    ArchConfig config = small_config();
    config.sparsity = agp_targets(config);
    SinglePathModel model(config);
    Pruner pruner(model);
    AgpSchedule s;
    s.pruning_steps = 4;
    pruner.prune_to(s, 2);
    SinglePathModel copy(config);
    Pruner loaded(copy);
    loaded.load_state(pruner.save_state());
    EXPECT_EQ(loaded.last_pruning_step(), 2);
    ASSERT_EQ(loaded.masks().size(), pruner.masks().size());
    for (size_t k = 0; k < pruner.masks().size(); k++) {
        EXPECT_EQ(loaded.masks()[k].keep, pruner.masks()[k].keep) << pruner.masks()[k].name;
        EXPECT_GT(pruner.masks()[k].pruned_blocks(), 0) << pruner.masks()[k].name;
    }
    // Loading applies the masks to the (other) model's weights.
    const std::map<std::string, int64_t> zeros = zero_block_counts(copy, loaded.masks());
    for (const LayerMask& m : loaded.masks()) {
        EXPECT_EQ(zeros.at(m.name), m.pruned_blocks()) << m.name;
    }
}

}  // namespace
}  // namespace tinyformer::toolkit

namespace tinyformer::toolkit {
namespace {

// Cost of pruning TinyFormer-300K at 60 % (blocks 4, 3x3: 3): one-shot masks, and the per-step
// overhead of keeping them (mask_gradients + apply), printed. Run with --gtest_also_run_disabled_tests.
TEST(Pruning, DISABLED_Cost300k)
{
    ArchConfig config = ArchConfig::tinyformer_300k();
    config.set_uniform_sparsity(0.6f, 4);
    SinglePathModel model(config);
    const auto t0 = std::chrono::steady_clock::now();
    Pruner pruner(model);
    pruner.prune_to_final();
    const auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; i++) {
        pruner.mask_gradients();
        pruner.apply();
    }
    const auto t2 = std::chrono::steady_clock::now();
    int64_t blocks = 0;
    for (const LayerMask& m : pruner.masks()) {
        blocks += m.blocks();
    }
    std::printf("TinyFormer-300K, %zu layers, %lld blocks: one-shot masks %.1f ms, keeping them %.2f ms per step\n",
                pruner.masks().size(), static_cast<long long>(blocks),
                std::chrono::duration<double, std::milli>(t1 - t0).count(),
                std::chrono::duration<double, std::milli>(t2 - t1).count() / 20);
    expect_exact_pruning(model, config.sparsity, pruner.masks(), "300k");
}

}  // namespace
}  // namespace tinyformer::toolkit
