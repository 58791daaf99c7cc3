// Memory planners: hand-made graphs with known optimal arenas, random DAG-shaped
// request sets, and the errors users see.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../common/error_of.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/head_tail_planner.h"
#include "tinyformer/engine/lifetime_planner.h"
#include "tinyformer/engine/memory_planner.h"

namespace tinyformer::engine {
namespace {

BufferRequest buffer(std::string name, int64_t size, int first, int last, int input = -1)
{
    BufferRequest request;
    request.name = std::move(name);
    request.size = size;
    request.first_step = first;
    request.last_step = last;
    request.input_buffer = input;
    return request;
}

BufferRequest scratch(std::string name, int64_t size, int step)
{
    BufferRequest request = buffer(std::move(name), size, step, step);
    request.is_scratch = true;
    return request;
}

std::string plan_text(const std::vector<BufferRequest>& requests, const MemoryPlan& plan)
{
    std::ostringstream out;
    out << plan.planner << " arena " << plan.arena_size << ":";
    for (size_t i = 0; i < requests.size() && i < plan.offsets.size(); ++i) {
        out << " " << requests[i].name << "@" << plan.offsets[i];
    }
    return out.str();
}

using test_support::error_of;

// --- hand-made graphs -------------------------------------------------------

// input -> op1 -> op2 -> op3 -> op4: only neighbours are live together.
std::vector<BufferRequest> chain_graph()
{
    return {buffer("b0", 100, 0, 1), buffer("b1", 300, 1, 2, 0), buffer("b2", 200, 2, 3, 1),
            buffer("b3", 48, 3, 4, 2), buffer("b4", 400, 4, 4, 3)};
}

TEST(HeadTailPlanner, ChainAlternatesEndsAndNeedsOnlyTheLargestAdjacentPair)
{
    const auto requests = chain_graph();
    const MemoryPlan plan = HeadTailPlanner().plan(requests);
    EXPECT_EQ(plan.arena_size, 500);  // b1 + b2
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 200, 0, 452, 0})) << plan_text(requests, plan);
    EXPECT_EQ(plan.planner, "head-tail");
    EXPECT_NO_THROW(validate_plan(requests, plan));
}

TEST(GreedyBySizePlanner, ChainPlacesLargestFirstAtLowestFreeOffset)
{
    const auto requests = chain_graph();
    const MemoryPlan plan = GreedyBySizePlanner().plan(requests);
    // b4 0, b1 0, b2 above b1, b0 above b1, b3 above b2 (b4 blocks the bottom).
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{300, 0, 300, 500, 0})) << plan_text(requests, plan);
    EXPECT_EQ(plan.arena_size, 548);
    EXPECT_EQ(plan.planner, "greedy-by-size");
    EXPECT_NO_THROW(validate_plan(requests, plan));
}

TEST(PlanBest, ChainKeepsHeadTailAtTheLowerBound)
{
    const BestPlan best = plan_best(chain_graph());
    EXPECT_EQ(best.plan.planner, "head-tail");
    EXPECT_EQ(best.report.arena, 500);
    EXPECT_EQ(best.report.lower_bound, 500);
    EXPECT_DOUBLE_EQ(best.report.ratio, 1.0);
    ASSERT_EQ(best.report.candidates.size(), 3u);
    EXPECT_EQ(best.report.candidates[1].planner, "head-tail-stack");
    EXPECT_EQ(best.report.candidates[1].arena, 500);  // no input outlives its reader
    EXPECT_EQ(best.report.candidates[2].arena, 548);
}

// MobileNetV2 inverted residual at 16x16x16, expansion 4:
// x -> 1x1 expand e -> dw 3x3 d -> 1x1 project p -> add(x, p) a.
std::vector<BufferRequest> inverted_residual_graph()
{
    return {buffer("x", 4096, 0, 4), buffer("expand", 16384, 1, 2, 0),
            buffer("dw", 16384, 2, 3, 1), buffer("project", 4096, 3, 4, 2),
            buffer("add", 4096, 4, 4, 3)};
}

TEST(HeadTailPlanner, InvertedResidualKeepsTheShortcutAtTheHead)
{
    const auto requests = inverted_residual_graph();
    const MemoryPlan plan = HeadTailPlanner().plan(requests);
    EXPECT_EQ(lower_bound(requests), 4096 + 16384 + 16384);  // x, expand, dw at the dw step
    EXPECT_EQ(plan.arena_size, 36864);
    // x head; expand tail; dw head above x; project tail; add head above x.
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 20480, 4096, 32768, 4096}))
        << plan_text(requests, plan);
}

TEST(HeadTailStackPlanner, InvertedResidualStacksTheExpansionOnTheShortcut)
{
    const auto requests = inverted_residual_graph();
    const MemoryPlan plan = HeadTailPlanner(HeadTailPlanner::LiveInput::stack).plan(requests);
    EXPECT_EQ(plan.planner, "head-tail-stack");
    EXPECT_EQ(plan.arena_size, 36864);
    // x head; expand head on x (x stays live); dw tail; project head where
    // expand was; add tail.
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 4096, 20480, 4096, 32768}))
        << plan_text(requests, plan);
}

// Two inverted residual blocks in a row (expansion 4): the second block's
// shortcut is the first block's output.
std::vector<BufferRequest> two_inverted_residuals_graph()
{
    return {buffer("x", 4096, 0, 4),          buffer("expand1", 16384, 1, 2, 0),
            buffer("dw1", 16384, 2, 3, 1),    buffer("project1", 4096, 3, 4, 2),
            buffer("add1", 4096, 4, 8, 3),    buffer("expand2", 16384, 5, 6, 4),
            buffer("dw2", 16384, 6, 7, 5),    buffer("project2", 4096, 7, 8, 6),
            buffer("add2", 4096, 8, 8, 7)};
}

TEST(HeadTailStackPlanner, StackedInvertedResidualsReachTheLowerBoundWhereAlternationCannot)
{
    const auto requests = two_inverted_residuals_graph();
    EXPECT_EQ(lower_bound(requests), 36864);
    // Alternation puts add1 above x; once x dies its hole is too small for dw2.
    EXPECT_EQ(HeadTailPlanner().plan(requests).arena_size, 36864 + 4096);
    EXPECT_EQ(GreedyBySizePlanner().plan(requests).arena_size, 36864 + 4096);
    const MemoryPlan plan = HeadTailPlanner(HeadTailPlanner::LiveInput::stack).plan(requests);
    EXPECT_EQ(plan.arena_size, 36864);
    EXPECT_EQ(plan.offsets,
              (std::vector<int64_t>{0, 4096, 20480, 4096, 32768, 16384, 0, 28672, 0}))
        << plan_text(requests, plan);
    EXPECT_EQ(plan_best(requests).plan.planner, "head-tail-stack");
}

TEST(GreedyBySizePlanner, InvertedResidualReachesTheLowerBound)
{
    const auto requests = inverted_residual_graph();
    const MemoryPlan plan = GreedyBySizePlanner().plan(requests);
    EXPECT_EQ(plan.arena_size, 36864);
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{32768, 0, 16384, 0, 4096}))
        << plan_text(requests, plan);
}

// Pre-LN transformer encoder on 4 tokens x 8 channels, 2 heads, MLP ratio 2;
// attention a query row at a time (scratch: one row of scores per head).
std::vector<BufferRequest> transformer_block_graph()
{
    return {buffer("x", 32, 0, 5),          buffer("ln1", 32, 1, 2, 0),
            buffer("qkv", 96, 2, 3, 1),     scratch("attn_row_scores", 8, 3),
            buffer("attn", 32, 3, 4, 2),    buffer("proj", 32, 4, 5, 4),
            buffer("res1", 32, 5, 9, 5),    buffer("ln2", 32, 6, 7, 6),
            buffer("mlp_hidden", 64, 7, 8, 7), buffer("mlp_out", 32, 8, 9, 8),
            buffer("res2", 32, 9, 9, 9)};
}

TEST(HeadTailPlanner, TransformerBlockReachesTheLowerBound)
{
    const auto requests = transformer_block_graph();
    const MemoryPlan plan = HeadTailPlanner().plan(requests);
    EXPECT_EQ(lower_bound(requests), 32 + 96 + 8 + 32);  // x, qkv, scores, attn
    EXPECT_EQ(plan.arena_size, 168);
    EXPECT_EQ(plan.offsets,
              (std::vector<int64_t>{0, 136, 32, 128, 136, 32, 136, 0, 72, 0, 104}))
        << plan_text(requests, plan);
}

TEST(GreedyBySizePlanner, TransformerBlockReachesTheLowerBound)
{
    const auto requests = transformer_block_graph();
    const MemoryPlan plan = GreedyBySizePlanner().plan(requests);
    EXPECT_EQ(plan.arena_size, 168) << plan_text(requests, plan);
    EXPECT_NO_THROW(validate_plan(requests, plan));
}

TEST(HeadTailStackPlanner, TransformerBlockReachesTheLowerBound)
{
    const auto requests = transformer_block_graph();
    const MemoryPlan plan = HeadTailPlanner(HeadTailPlanner::LiveInput::stack).plan(requests);
    EXPECT_EQ(plan.arena_size, 168) << plan_text(requests, plan);
    EXPECT_NO_THROW(validate_plan(requests, plan));
}

// conv 3x3 (im2col scratch) -> conv 3x3 (scratch) -> pool.
std::vector<BufferRequest> scratch_graph()
{
    return {buffer("input", 3072, 0, 1),  buffer("conv1", 16384, 1, 2, 0),
            scratch("conv1_im2col", 108, 1), buffer("conv2", 8192, 2, 3, 1),
            scratch("conv2_im2col", 1152, 2), buffer("pool", 2048, 3, 3, 3)};
}

TEST(HeadTailPlanner, ScratchFillsTheEndWhereItCostsLeast)
{
    const auto requests = scratch_graph();
    const MemoryPlan plan = HeadTailPlanner().plan(requests);
    EXPECT_EQ(lower_bound(requests), 16384 + 8192 + 1152);
    EXPECT_EQ(plan.arena_size, 25728);
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 9344, 3072, 0, 8192, 23680}))
        << plan_text(requests, plan);
}

TEST(GreedyBySizePlanner, ScratchGoesAboveTheLiveTensors)
{
    const auto requests = scratch_graph();
    const MemoryPlan plan = GreedyBySizePlanner().plan(requests);
    EXPECT_EQ(plan.arena_size, 25728);
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{16384, 0, 19456, 16384, 24576, 0}))
        << plan_text(requests, plan);
}

// The add's output must go above the shortcut at the head; once the shortcut
// dies the hole below it is useless to the big tail buffer that follows.
std::vector<BufferRequest> residual_hole_graph()
{
    return {buffer("x", 12, 0, 2), buffer("p", 12, 1, 2, 0), buffer("add", 12, 2, 3, 1),
            buffer("wide", 100, 3, 3, 2)};
}

TEST(PlanBest, ReportsEveryCandidateAndBreaksTiesInListOrder)
{
    const auto requests = residual_hole_graph();
    const BestPlan best = plan_best(requests);
    // Stacking "p" on the live "x" keeps the head low for "wide"; greedy ties.
    EXPECT_EQ(best.plan.planner, "head-tail-stack");
    EXPECT_EQ(best.report.planner, "head-tail-stack");
    EXPECT_EQ(best.report.arena, 112);
    EXPECT_EQ(best.report.lower_bound, 112);
    EXPECT_EQ(to_string(best.report),
              "arena 112 B, lower bound 112 B, ratio 1.000, planner head-tail-stack "
              "(head-tail 124 B, head-tail-stack 112 B, greedy-by-size 112 B)");
}

// "x" feeds a side branch "side" (read by nobody after) and "branch", then
// "out" = f(branch, x). Both head-tail policies put "branch" above "side" at
// the tail, and "out" above "x" at the head.
std::vector<BufferRequest> side_branch_graph()
{
    return {buffer("x", 32, 0, 3), buffer("side", 60, 1, 2, 0), buffer("branch", 12, 2, 3, 0),
            buffer("out", 48, 3, 3, 2)};
}

TEST(PlanBest, KeepsGreedyWhenBothHeadTailPoliciesLeaveAHole)
{
    const auto requests = side_branch_graph();
    const BestPlan best = plan_best(requests);
    EXPECT_EQ(best.plan.planner, "greedy-by-size");
    EXPECT_EQ(best.report.arena, 104);
    EXPECT_EQ(best.report.lower_bound, 104);
    EXPECT_EQ(to_string(best.report),
              "arena 104 B, lower bound 104 B, ratio 1.000, planner greedy-by-size "
              "(head-tail 152 B, head-tail-stack 152 B, greedy-by-size 104 B)");
}

TEST(PlanBest, RunsTheGivenPlannersOnly)
{
    const auto requests = side_branch_graph();
    const GreedyBySizePlanner greedy;
    const HeadTailPlanner head_tail;
    const BestPlan best = plan_best(requests, {&greedy, &head_tail});
    EXPECT_EQ(best.plan.planner, "greedy-by-size");
    ASSERT_EQ(best.report.candidates.size(), 2u);
    EXPECT_EQ(best.report.candidates[1].planner, "head-tail");
    // A tie keeps the first listed.
    EXPECT_EQ(plan_best(chain_graph(), {&head_tail, &head_tail}).plan.planner, "head-tail");
    EXPECT_EQ(error_of([&] { plan_best(requests, {}); }), "plan_best: no planner to run");
    EXPECT_EQ(error_of([&] { plan_best(requests, {&greedy, nullptr}); }),
              "plan_best: planner #1 is null");
}

TEST(HeadTailPlanner, BufferWithoutInputGoesToTheCheaperEnd)
{
    // "pos" is produced from weights only while "x" (head) is live: the tail is free.
    const std::vector<BufferRequest> requests = {buffer("x", 64, 0, 1), buffer("pos", 64, 1, 2),
                                                 buffer("sum", 64, 2, 2, 1)};
    const MemoryPlan plan = HeadTailPlanner().plan(requests);
    EXPECT_EQ(plan.arena_size, 128);
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 64, 0})) << plan_text(requests, plan);
}

TEST(HeadTailPlanner, BufferWithSeveralConsumersStaysPutUntilTheLastOne)
{
    // x feeds two branches a and b, then c = a + b.
    const std::vector<BufferRequest> requests = {
        buffer("x", 40, 0, 2), buffer("a", 40, 1, 3, 0), buffer("b", 40, 2, 3, 0),
        buffer("c", 40, 3, 3, 1)};
    const MemoryPlan plan = HeadTailPlanner().plan(requests);
    // a and b both go to the tail (opposite x); c to the head where x was.
    EXPECT_EQ(plan.arena_size, 120);
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{0, 80, 40, 0})) << plan_text(requests, plan);
    EXPECT_NO_THROW(validate_plan(requests, plan));
}

TEST(HeadTailPlanner, InputBornAtTheSameStepIsPlacedFirst)
{
    // The reader comes first in the list; its input is a graph input at step 0.
    const std::vector<BufferRequest> requests = {buffer("y", 10, 0, 1, 1), buffer("x", 20, 0, 0)};
    const MemoryPlan plan = HeadTailPlanner().plan(requests);
    EXPECT_EQ(plan.offsets, (std::vector<int64_t>{20, 0})) << plan_text(requests, plan);
    EXPECT_EQ(plan.arena_size, 32);
}

TEST(MemoryPlanners, OffsetsHonourEachBuffersAlignment)
{
    std::vector<BufferRequest> requests = {buffer("a", 3, 0, 1), buffer("b", 5, 1, 2, 0),
                                           buffer("c", 7, 2, 2, 1)};
    requests[1].alignment = 16;
    requests[2].alignment = 1;
    for (const MemoryPlan& plan : {HeadTailPlanner().plan(requests),
                                   GreedyBySizePlanner().plan(requests)}) {
        EXPECT_NO_THROW(validate_plan(requests, plan)) << plan_text(requests, plan);
        EXPECT_EQ(plan.offsets[1] % 16, 0) << plan_text(requests, plan);
        EXPECT_GE(plan.arena_size, lower_bound(requests));
    }
    EXPECT_EQ(aligned_size(5, 16), 16);
    EXPECT_EQ(lower_bound(requests), 16 + 7);
}

TEST(MemoryPlanners, EmptyRequestsGiveAnEmptyArena)
{
    const BestPlan best = plan_best({});
    EXPECT_EQ(best.plan.arena_size, 0);
    EXPECT_TRUE(best.plan.offsets.empty());
    EXPECT_EQ(best.report.lower_bound, 0);
    EXPECT_DOUBLE_EQ(best.report.ratio, 1.0);
}

TEST(LowerBound, SparseStepNumbersCountOnlyBuffersLiveTogether)
{
    const std::vector<BufferRequest> requests = {buffer("a", 100, 0, 10), buffer("b", 50, 20, 30),
                                                 buffer("c", 60, 10, 20)};
    EXPECT_EQ(lower_bound(requests), 160);  // a + c at 10, b + c at 20 = 110
}

// --- random DAG-shaped request sets -----------------------------------------

// Ops in order; each reads a recent buffer (sometimes none), sometimes a second
// older one (residual), sometimes needs scratch. Steps may be spread out.
std::vector<BufferRequest> random_graph(std::mt19937& rng)
{
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int ops = uniform(1, 40);
    const int stride = uniform(1, 3);
    const int alignments[] = {1, 4, 8, 16};
    std::vector<BufferRequest> requests;
    std::vector<int> outputs;  // indices of op outputs
    for (int op = 0; op < ops; ++op) {
        const int step = op * stride;
        int input = -1;
        if (!outputs.empty() && uniform(0, 9) != 0) {
            const int back = std::min<int>(static_cast<int>(outputs.size()), uniform(1, 3));
            input = outputs[outputs.size() - static_cast<size_t>(back)];
            requests[static_cast<size_t>(input)].last_step = step;
        }
        if (!outputs.empty() && uniform(0, 3) == 0) {
            const int other = outputs[static_cast<size_t>(uniform(0, static_cast<int>(outputs.size()) - 1))];
            requests[static_cast<size_t>(other)].last_step = step;
        }
        BufferRequest out = buffer("op" + std::to_string(op), uniform(1, 5000), step, step, input);
        out.alignment = alignments[uniform(0, 3)];
        outputs.push_back(static_cast<int>(requests.size()));
        requests.push_back(out);
        if (uniform(0, 2) == 0) {
            BufferRequest tmp = scratch("op" + std::to_string(op) + "_scratch", uniform(1, 3000), step);
            tmp.alignment = alignments[uniform(0, 3)];
            requests.push_back(tmp);
        }
    }
    return requests;
}

TEST(MemoryPlanners, RandomGraphsGiveValidPlansAtOrAboveTheLowerBound)
{
    std::mt19937 rng(12345);
    for (int trial = 0; trial < 500; ++trial) {
        const auto requests = random_graph(rng);
        const int64_t bound = lower_bound(requests);
        const MemoryPlan head_tail = HeadTailPlanner().plan(requests);
        const MemoryPlan stack = HeadTailPlanner(HeadTailPlanner::LiveInput::stack).plan(requests);
        const MemoryPlan greedy = GreedyBySizePlanner().plan(requests);
        for (const MemoryPlan* plan : {&head_tail, &stack, &greedy}) {
            ASSERT_NO_THROW(validate_plan(requests, *plan))
                << "trial " << trial << ": " << plan_text(requests, *plan);
            ASSERT_GE(plan->arena_size, bound) << "trial " << trial << ": " << plan->planner;
        }
        const BestPlan best = plan_best(requests);
        const int64_t smaller = std::min({head_tail.arena_size, stack.arena_size, greedy.arena_size});
        ASSERT_EQ(best.plan.arena_size, smaller) << "trial " << trial;
        const char* expected = head_tail.arena_size == smaller ? "head-tail"
                               : stack.arena_size == smaller   ? "head-tail-stack"
                                                               : "greedy-by-size";
        ASSERT_EQ(best.plan.planner, expected) << "trial " << trial;
        ASSERT_EQ(best.report.lower_bound, bound) << "trial " << trial;
        ASSERT_EQ(best.report.arena, smaller) << "trial " << trial;
        // Deterministic: the search compares candidates planned at different times.
        ASSERT_EQ(HeadTailPlanner().plan(requests).offsets, head_tail.offsets) << "trial " << trial;
    }
}

TEST(HeadTailPlanner, RandomChainsNeedExactlyTheLargestAdjacentPair)
{
    std::mt19937 rng(777);
    for (int trial = 0; trial < 200; ++trial) {
        const int length = std::uniform_int_distribution<int>(1, 30)(rng);
        std::vector<BufferRequest> requests;
        for (int i = 0; i < length; ++i) {
            const int64_t size = 4 * std::uniform_int_distribution<int>(1, 1000)(rng);
            requests.push_back(buffer("b" + std::to_string(i), size, i, std::min(i + 1, length - 1),
                                      i - 1));
        }
        int64_t pair = requests[0].size;
        for (int i = 1; i < length; ++i) {
            pair = std::max(pair, requests[static_cast<size_t>(i - 1)].size +
                                      requests[static_cast<size_t>(i)].size);
        }
        const MemoryPlan plan = HeadTailPlanner().plan(requests);
        ASSERT_EQ(plan.arena_size, pair) << "trial " << trial << ": " << plan_text(requests, plan);
        ASSERT_EQ(lower_bound(requests), pair) << "trial " << trial;
    }
}

// --- errors -----------------------------------------------------------------

TEST(ValidateRequests, BadRequestsNameTheBufferTheValueAndTheRule)
{
    struct Case {
        const char* what;
        std::vector<BufferRequest> requests;
        std::string message;
    };
    BufferRequest unaligned = buffer("u", 8, 0, 0);
    unaligned.alignment = 6;
    BufferRequest zero_alignment = buffer("z", 8, 0, 0);
    zero_alignment.alignment = 0;
    BufferRequest long_scratch = scratch("s", 8, 1);
    long_scratch.last_step = 2;
    const std::vector<Case> cases = {
        {"zero size", {buffer("a", 0, 0, 1)},
         "memory planner: buffer 'a' (#0): size 0 bytes must be > 0"},
        {"negative size", {buffer("a", 4, 0, 1), buffer("b", -8, 1, 1)},
         "memory planner: buffer 'b' (#1): size -8 bytes must be > 0"},
        {"negative step", {buffer("a", 4, -1, 1)},
         "memory planner: buffer 'a' (#0): first_step -1 must be >= 0"},
        {"last before first", {buffer("a", 4, 3, 2)},
         "memory planner: buffer 'a' (#0): last_step 2 is before first_step 3"},
        {"alignment 6", {unaligned},
         "memory planner: buffer 'u' (#0): alignment 6 must be a power of two"},
        {"alignment 0", {zero_alignment},
         "memory planner: buffer 'z' (#0): alignment 0 must be a power of two"},
        {"scratch over two steps", {long_scratch},
         "memory planner: buffer 's' (#0): a scratch buffer lives at one step, but it has steps "
         "1..2"},
        {"input out of range", {buffer("a", 4, 0, 1), buffer("b", 4, 1, 1, 2)},
         "memory planner: buffer 'b' (#1): input_buffer 2 is out of range (-1 or 0..1)"},
        {"input -2", {buffer("a", 4, 0, 1, -2)},
         "memory planner: buffer 'a' (#0): input_buffer -2 is out of range (-1 or 0..0)"},
        {"input is itself", {buffer("a", 4, 0, 1, 0)},
         "memory planner: buffer 'a' (#0): input_buffer is the buffer itself"},
        {"input dead", {buffer("a", 4, 0, 1), buffer("b", 4, 2, 2, 0)},
         "memory planner: buffer 'b' (#1): input_buffer 'a' (#0) (steps 0..1) is not live at the "
         "step that produces it (2)"},
        {"input born later", {buffer("a", 4, 0, 3, 1), buffer("b", 4, 1, 3)},
         "memory planner: buffer 'a' (#0): input_buffer 'b' (#1) (steps 1..3) is not live at the "
         "step that produces it (0)"},
        {"input cycle", {buffer("a", 4, 0, 1, 1), buffer("b", 4, 0, 1, 0)},
         "memory planner: buffer 'a' (#0) is its own input through a cycle of input_buffer links "
         "(an op cannot read a buffer produced after it)"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(error_of([&] { validate_requests(c.requests); }), c.message) << c.what;
        // Every entry point checks its requests.
        EXPECT_EQ(error_of([&] { HeadTailPlanner().plan(c.requests); }), c.message) << c.what;
        EXPECT_EQ(error_of([&] { GreedyBySizePlanner().plan(c.requests); }), c.message) << c.what;
        EXPECT_EQ(error_of([&] { lower_bound(c.requests); }), c.message) << c.what;
        EXPECT_EQ(error_of([&] { plan_best(c.requests); }), c.message) << c.what;
    }
}

TEST(ValidatePlan, OverlapNamesBothBuffersTheirLifetimesAndRanges)
{
    const std::vector<BufferRequest> requests = {buffer("conv1", 100, 0, 2),
                                                 buffer("conv2", 100, 2, 3, 0)};
    MemoryPlan plan{{0, 96}, 196, "hand"};
    EXPECT_EQ(error_of([&] { validate_plan(requests, plan); }),
              "memory plan 'hand': buffers 'conv1' (#0) steps 0..2 bytes [0, 100) and 'conv2' (#1) "
              "steps 2..3 bytes [96, 196) are both live at step 2 and overlap");
    plan.offsets[1] = 100;
    EXPECT_EQ(error_of([&] { validate_plan(requests, plan); }),
              "memory plan 'hand': buffer 'conv2' (#1) steps 2..3 bytes [100, 200) lies outside "
              "the arena of 196 bytes");
    plan.arena_size = 200;
    EXPECT_EQ(error_of([&] { validate_plan(requests, plan); }), "");
    plan.offsets[0] = -4;
    EXPECT_EQ(error_of([&] { validate_plan(requests, plan); }),
              "memory plan 'hand': buffer 'conv1' (#0) steps 0..2 bytes [-4, 96) lies outside "
              "the arena of 200 bytes");
}

TEST(ValidatePlan, RejectsMisalignedOffsetsAndWrongOffsetCounts)
{
    const std::vector<BufferRequest> requests = {buffer("a", 8, 0, 0), buffer("b", 8, 1, 1)};
    EXPECT_EQ(error_of([&] { validate_plan(requests, MemoryPlan{{0, 2}, 16, "hand"}); }),
              "memory plan 'hand': buffer 'b' (#1) at offset 2 is not a multiple of its "
              "alignment 4");
    EXPECT_EQ(error_of([&] { validate_plan(requests, MemoryPlan{{0}, 16, "hand"}); }),
              "memory plan 'hand': 1 offsets for 2 buffers");
    // Buffers that are never live together may share bytes.
    EXPECT_EQ(error_of([&] { validate_plan(requests, MemoryPlan{{0, 0}, 8, "hand"}); }), "");
}

}  // namespace
}  // namespace tinyformer::engine
