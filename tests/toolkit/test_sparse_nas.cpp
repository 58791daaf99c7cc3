// SparseNAS selection (sparse_nas.h) on a small space and synthetic 28x28
// images: only candidates inside the limits are trained, every evaluation is
// recorded with the compiled model's figures, the best is the highest int8
// score, and a second run on the same store redoes no evaluation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../common/synthetic_datasets.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/architecture_json.h"
#include "tinyformer/toolkit/candidate.h"
#include "tinyformer/toolkit/sparse_nas.h"

namespace tinyformer::toolkit {
namespace {
namespace fs = std::filesystem;

// `count` 28x28x1 images: label k lights the band k / 2 + 1 of 7 rows (k even) or 7 columns (k odd).
std::shared_ptr<const Dataset> bars(int32_t count, uint32_t seed)
{
    const auto lit = [](int32_t label, int32_t y, int32_t x) { return (label % 2 == 0 ? y : x) / 7 == label / 2 + 1; };
    return test_support::noisy_28x28_images(count, 4, seed, "bars", {180, 30}, lit);
}

SearchSpace small_space()
{
    SearchSpace s = SearchSpace::for_input(28, 28, 1, 4);
    s.dot1_dims = {8};
    s.dot2_dims = {16};
    s.last_dims = {16};
    s.heads = {2};
    s.mbv2_counts = {1};
    s.transformer_counts = {1};
    s.expansions = {2};
    s.sparsities = {0.0f, 0.5f, 0.8f};
    return s;
}

class SparseNasTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        root_ = fs::temp_directory_path() / ("tinyformer_sparse_nas_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_);
        space_ = small_space();
        supernet_ = space_.decode_supernet(std::vector<int32_t>(space_.supernet_genes().size(), 0));
        data_ = CandidateData{DatasetKind::FashionMnist, bars(96, 1), nullptr, bars(40, 2)};
        options_.evolution.population = 3;
        options_.evolution.iterations = 2;
        options_.evolution.parents = 2;
        options_.evolution.mutations = 1;
        options_.evolution.crossovers = 1;
        options_.evolution.seed = 5;
        options_.candidate.epochs = 1;
        options_.candidate.prune_epochs = 1;
        options_.candidate.batch_size = 32;
        options_.candidate.threads = 1;
        options_.candidate.calibration_batches = 1;
        options_.candidate.progress = false;
        options_.candidate.float_layernorm_reference = false;
        options_.candidate.work_dir = (root_ / "work").string();
    }
    void TearDown() override
    {
        if (!HasFailure()) {
            fs::remove_all(root_);
        }
    }

    fs::path root_;
    SearchSpace space_;
    SupernetSpace supernet_;
    CandidateData data_;
    SelectionOptions options_;
};

TEST_F(SparseNasTest, TrainsOnlyFittingCandidatesRecordsThemAndResumes)
{
    // Flash for the constants: the dense path needs more than the sparse ones, so the limit decides.
    ArchConfig dense = space_.decode_path(supernet_, std::vector<int32_t>(space_.path_genes(supernet_).size(), 0));
    const Resources dense_cost = evaluate_resources(dense);
    const McuTarget target = custom_target("test", 256 * 1024, dense_cost.constant_bytes - 1000 + 96 * 1024);
    EXPECT_FALSE(fits(dense_cost, target));

    const RunSettings settings{options_.evolution.seed, to_json(options_.evolution)};
    SelectionResult first;
    int64_t records = 0;
    {
        SearchStore store = SearchStore::open((root_ / "search.db").string(), settings, OpenMode::Fresh);
        first = select_sparse_path(space_, supernet_, nullptr, target, data_, options_, &store);
        const std::vector<SearchRecord> rows = store.records("selection");
        records = static_cast<int64_t>(rows.size());
        ASSERT_EQ(records, first.evolution.evaluate_calls);
        ASSERT_GE(records, 4);
        int64_t rejected = 0;
        for (const IterationSummary& it : first.evolution.iterations) {
            rejected += it.infeasible_rejections;
        }
        EXPECT_GT(rejected, 0) << "the flash limit should have ruled out some drawn candidates";
        double best = -1.0;
        for (const SearchRecord& r : rows) {
            ASSERT_TRUE(r.config_json && r.arena_bytes && r.constant_bytes && r.accuracy_int8) << r.key;
            const ArchConfig config = arch_config_from_json(*r.config_json);
            EXPECT_TRUE(fits(evaluate_resources(config), target)) << r.key << " was trained but does not fit";
            Resources real;
            real.arena_bytes = *r.arena_bytes;
            real.constant_bytes = *r.constant_bytes;
            EXPECT_TRUE(fits(real, target)) << r.key;
            EXPECT_EQ(*r.score, *r.accuracy_int8) << r.key;
            EXPECT_GE(*r.accuracy_int8, 0.0);
            EXPECT_LE(*r.accuracy_int8, 1.0);
            best = std::max(best, *r.score);
        }
        EXPECT_EQ(first.evolution.best.score, best);
        ASSERT_TRUE(first.best_record.accuracy_int8);
        EXPECT_EQ(*first.best_record.accuracy_int8, best);
        EXPECT_EQ(to_json(first.best), *first.best_record.config_json);
    }
    // The same search again on the same store: every evaluation comes from the records.
    SearchStore store = SearchStore::open((root_ / "search.db").string(), settings);
    const SelectionResult again = select_sparse_path(space_, supernet_, nullptr, target, data_, options_, &store);
    EXPECT_EQ(again.evolution.evaluate_calls, 0);
    EXPECT_EQ(static_cast<int64_t>(again.evolution.history.size()), records);
    EXPECT_EQ(to_json(again.best), to_json(first.best));
    EXPECT_EQ(again.evolution.best.score, first.evolution.best.score);
}

// The candidate stages refuse images of another shape, naming both.
TEST_F(SparseNasTest, ACandidateOfAnotherInputShapeIsAnError)
{
    ArchConfig config = space_.decode_path(supernet_, std::vector<int32_t>(space_.path_genes(supernet_).size(), 0));
    config.input_h = config.input_w = 32;
    config.input_c = 3;
    SinglePathModel wrong(config, ModelOptions{true, 1});
    try {
        train_and_compress(wrong, data_, options_.candidate);
        FAIL() << "no error for 32x32x3 model on 28x28x1 images";
    } catch (const engine::Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("candidate: the model takes 32x32x3 images; "), std::string::npos) << what;
        EXPECT_NE(what.find(" has 28x28x1"), std::string::npos) << what;
    }
}

TEST_F(SparseNasTest, ATargetNothingFitsIsAnError)
{
    const McuTarget tiny = custom_target("tiny", 21 * 1024, 97 * 1024);  // 1 KB for the arena and the constants
    EXPECT_THROW(select_sparse_path(space_, supernet_, nullptr, tiny, data_, options_), engine::Error);
    // Room for the memory, but a latency bound below every path's estimated instructions.
    McuTarget fast = mcu_target("stm32f746");
    fast.max_instructions = 1000;
    EXPECT_THROW(select_sparse_path(space_, supernet_, nullptr, fast, data_, options_), engine::Error);
    EXPECT_FALSE(fs::exists(root_ / "work")) << "a candidate over the bound was trained";
}

}  // namespace
}  // namespace tinyformer::toolkit
