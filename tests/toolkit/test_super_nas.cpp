// SuperNAS supernet search (super_nas.h) on two small supernets and synthetic
// 28x28 images: TestSupernet, SPOS training, the score as the mean accuracy of
// one-shot pruned paths, the trained weights kept, and resume from the store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../common/synthetic_datasets.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/super_nas.h"
#include "tinyformer/toolkit/supernet.h"

namespace tinyformer::toolkit {
namespace {
namespace fs = std::filesystem;

// `count` 28x28x1 images: label 0 has horizontal stripes 4 rows wide, label 1 vertical ones.
std::shared_ptr<const Dataset> stripes(int32_t count, uint32_t seed)
{
    const auto lit = [](int32_t label, int32_t y, int32_t x) { return ((label == 0 ? y : x) / 4) % 2 == 0; };
    return test_support::noisy_28x28_images(count, 2, seed, "stripes", {170, 40}, lit);
}

class SuperNasTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        root_ = fs::temp_directory_path() / ("tinyformer_super_nas_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_);
        space_ = SearchSpace::for_input(28, 28, 1, 2);
        space_.dot1_dims = {8};
        space_.dot2_dims = {16, 24};  // the two supernets
        space_.last_dims = {16};
        space_.heads = {2};
        space_.mbv2_counts = {1};
        space_.transformer_counts = {1};
        space_.expansions = {2};
        space_.sparsities = {0.0f, 0.5f};
        data_ = CandidateData{DatasetKind::FashionMnist, stripes(64, 1), nullptr, stripes(32, 2)};
        options_.evolution.population = 2;
        options_.evolution.iterations = 1;
        options_.evolution.parents = 1;
        options_.evolution.mutations = 1;
        options_.evolution.crossovers = 0;
        options_.evolution.seed = 3;
        options_.test_paths = 4;
        options_.epochs = 1;
        options_.eval_paths = 2;
        options_.recalibration_batches = 1;
        options_.batch_size = 32;
        options_.threads = 1;
        options_.progress = false;
        options_.work_dir = (root_ / "work").string();
    }
    void TearDown() override
    {
        if (!HasFailure()) {
            fs::remove_all(root_);
        }
    }

    fs::path root_;
    SearchSpace space_;
    CandidateData data_;
    SupernetSearchOptions options_;
};

TEST_F(SuperNasTest, TestSupernetCountsThePathsOverTheLimits)
{
    const SupernetSpace supernet = space_.decode_supernet({0, 0, 0, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(misfit_fraction(space_, supernet, mcu_target("stm32f746"), 6, 1), 0.0);
    EXPECT_EQ(misfit_fraction(space_, supernet, custom_target("small", 21 * 1024, 97 * 1024), 6, 1), 1.0);
}

TEST_F(SuperNasTest, TrainsEachSupernetScoresItsPrunedPathsAndResumes)
{
    const McuTarget target = mcu_target("stm32f746");
    const RunSettings settings{options_.evolution.seed, to_json(options_.evolution)};
    SupernetSearchResult first;
    {
        SearchStore store = SearchStore::open((root_ / "search.db").string(), settings, OpenMode::Fresh);
        first = search_supernet(space_, target, data_, options_, &store);
        const std::vector<SearchRecord> rows = store.records("supernet");
        ASSERT_EQ(rows.size(), 2u);
        double best = -1.0;
        for (const SearchRecord& r : rows) {
            const nlohmann::json extras = nlohmann::json::parse(r.extras_json);
            const std::vector<double> accuracies = extras.at("path_accuracies").get<std::vector<double>>();
            ASSERT_EQ(accuracies.size(), 2u) << r.key;
            double mean = 0.0;
            for (const double a : accuracies) {
                EXPECT_GE(a, 0.0);
                EXPECT_LE(a, 1.0);
                mean += a / 2.0;
            }
            EXPECT_DOUBLE_EQ(*r.score, mean) << r.key;
            EXPECT_TRUE(fs::exists(extras.at("weights").get<std::string>())) << r.key;
            best = std::max(best, *r.score);
        }
        EXPECT_EQ(first.evolution.best.score, best);
    }
    // The kept weights load into a supernet of the winner's shape.
    Supernet winner(first.best);
    winner.create_all_candidates();
    EXPECT_NO_THROW(winner.load(first.best_weights));

    SearchStore store = SearchStore::open((root_ / "search.db").string(), settings);
    const SupernetSearchResult again = search_supernet(space_, target, data_, options_, &store);
    EXPECT_EQ(again.evolution.evaluate_calls, 0);
    EXPECT_EQ(again.best_genome, first.best_genome);
    EXPECT_EQ(again.evolution.best.score, first.evolution.best.score);
}

TEST_F(SuperNasTest, NoSupernetPassingTestSupernetIsAnError)
{
    EXPECT_THROW(search_supernet(space_, custom_target("small", 21 * 1024, 97 * 1024), data_, options_),
                 engine::Error);
}

}  // namespace
}  // namespace tinyformer::toolkit
