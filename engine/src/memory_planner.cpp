// Request and plan validation, the lower bound, and the choice between planners.
#include "tinyformer/engine/memory_planner.h"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <utility>

#include "memory_planner_steps.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/head_tail_planner.h"
#include "tinyformer/engine/lifetime_planner.h"

namespace tinyformer::engine {
namespace {

// Far above any MCU; keeps sums of a few million sizes inside int64_t.
constexpr int64_t kMaxBufferBytes = int64_t{1} << 40;

std::string describe(const std::vector<BufferRequest>& requests, int index)
{
    return detail::concat("'", requests[static_cast<size_t>(index)].name, "' (#", index, ")");
}

std::string describe_placed(const std::vector<BufferRequest>& requests, const MemoryPlan& plan,
                            int index)
{
    const BufferRequest& request = requests[static_cast<size_t>(index)];
    const int64_t offset = plan.offsets[static_cast<size_t>(index)];
    return detail::concat(describe(requests, index), " steps ", request.first_step, "..",
                          request.last_step, " bytes [", offset, ", ", offset + request.size, ")");
}

// Messages are built only on failure: the search validates thousands of graphs.
template <typename... Parts>
[[noreturn]] void reject_request(const std::vector<BufferRequest>& requests, int index,
                                 Parts&&... parts)
{
    throw Error(detail::concat("memory planner: buffer ", describe(requests, index),
                               std::forward<Parts>(parts)...));
}

bool is_power_of_two(int value) { return value > 0 && (value & (value - 1)) == 0; }

// input_buffer links point to a buffer born no later, so a cycle can only join
// buffers born at the same step; it would leave the head-tail planner no order.
void check_no_input_cycle(const std::vector<BufferRequest>& requests)
{
    enum class Mark { unvisited, on_path, done };
    std::vector<Mark> marks(requests.size(), Mark::unvisited);
    std::vector<int> path;
    for (size_t start = 0; start < requests.size(); ++start) {
        path.clear();
        int current = static_cast<int>(start);
        while (current >= 0 && marks[static_cast<size_t>(current)] == Mark::unvisited) {
            marks[static_cast<size_t>(current)] = Mark::on_path;
            path.push_back(current);
            current = requests[static_cast<size_t>(current)].input_buffer;
        }
        TF_CHECK(current < 0 || marks[static_cast<size_t>(current)] == Mark::done,
                 "memory planner: buffer ", describe(requests, current),
                 " is its own input through a cycle of input_buffer links (an op cannot read "
                 "a buffer produced after it)");
        for (int index : path) {
            marks[static_cast<size_t>(index)] = Mark::done;
        }
    }
}

}  // namespace

int64_t aligned_size(int64_t size, int alignment) { return detail::align_up(size, alignment); }

void validate_requests(const std::vector<BufferRequest>& requests)
{
    const int count = static_cast<int>(requests.size());
    for (int i = 0; i < count; ++i) {
        const BufferRequest& request = requests[static_cast<size_t>(i)];
        if (request.size <= 0) {
            reject_request(requests, i, ": size ", request.size, " bytes must be > 0");
        }
        if (request.size > kMaxBufferBytes) {
            reject_request(requests, i, ": size ", request.size, " bytes is above the limit of ",
                           kMaxBufferBytes, " bytes");
        }
        if (request.first_step < 0) {
            reject_request(requests, i, ": first_step ", request.first_step, " must be >= 0");
        }
        if (request.last_step < request.first_step) {
            reject_request(requests, i, ": last_step ", request.last_step,
                           " is before first_step ", request.first_step);
        }
        if (!is_power_of_two(request.alignment)) {
            reject_request(requests, i, ": alignment ", request.alignment,
                           " must be a power of two");
        }
        if (request.is_scratch && request.first_step != request.last_step) {
            reject_request(requests, i, ": a scratch buffer lives at one step, but it has steps ",
                           request.first_step, "..", request.last_step);
        }
        if (request.input_buffer == -1) {
            continue;
        }
        if (request.input_buffer < 0 || request.input_buffer >= count) {
            reject_request(requests, i, ": input_buffer ", request.input_buffer,
                           " is out of range (-1 or 0..", count - 1, ")");
        }
        if (request.input_buffer == i) {
            reject_request(requests, i, ": input_buffer is the buffer itself");
        }
        const BufferRequest& input = requests[static_cast<size_t>(request.input_buffer)];
        if (request.first_step < input.first_step || request.first_step > input.last_step) {
            reject_request(requests, i, ": input_buffer ", describe(requests, request.input_buffer),
                           " (steps ", input.first_step, "..", input.last_step,
                           ") is not live at the step that produces it (", request.first_step, ")");
        }
    }
    check_no_input_cycle(requests);
}

int64_t lower_bound(const std::vector<BufferRequest>& requests)
{
    validate_requests(requests);
    const detail::PeakSteps steps(requests);
    // Bytes that become live (+) and die (-) at each peak step.
    std::vector<int64_t> change(static_cast<size_t>(steps.count()) + 1, 0);
    for (const BufferRequest& request : requests) {
        const int64_t bytes = aligned_size(request.size, request.alignment);
        change[static_cast<size_t>(steps.first_index(request))] += bytes;
        change[static_cast<size_t>(steps.last_index(request)) + 1] -= bytes;
    }
    int64_t live = 0;
    int64_t peak = 0;
    for (int64_t bytes : change) {
        live += bytes;
        peak = std::max(peak, live);
    }
    return peak;
}

void validate_plan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan)
{
    validate_requests(requests);
    const std::string who = "memory plan '" + plan.planner + "'";
    TF_CHECK(plan.offsets.size() == requests.size(), who, ": ", plan.offsets.size(),
             " offsets for ", requests.size(), " buffers");
    TF_CHECK(plan.arena_size >= 0, who, ": arena size ", plan.arena_size, " is negative");
    const int count = static_cast<int>(requests.size());
    for (int i = 0; i < count; ++i) {
        const BufferRequest& request = requests[static_cast<size_t>(i)];
        const int64_t offset = plan.offsets[static_cast<size_t>(i)];
        TF_CHECK(offset >= 0 && offset + request.size <= plan.arena_size, who, ": buffer ",
                 describe_placed(requests, plan, i), " lies outside the arena of ",
                 plan.arena_size, " bytes");
        TF_CHECK(offset % request.alignment == 0, who, ": buffer ", describe(requests, i),
                 " at offset ", offset, " is not a multiple of its alignment ",
                 request.alignment);
    }
    for (int i = 0; i < count; ++i) {
        const BufferRequest& a = requests[static_cast<size_t>(i)];
        const int64_t a_offset = plan.offsets[static_cast<size_t>(i)];
        for (int j = i + 1; j < count; ++j) {
            const BufferRequest& b = requests[static_cast<size_t>(j)];
            const int64_t b_offset = plan.offsets[static_cast<size_t>(j)];
            if (!detail::lifetimes_overlap(a, b)) {
                continue;
            }
            const bool bytes_overlap = a_offset < b_offset + b.size && b_offset < a_offset + a.size;
            TF_CHECK(!bytes_overlap, who, ": buffers ", describe_placed(requests, plan, i), " and ",
                     describe_placed(requests, plan, j), " are both live at step ",
                     std::max(a.first_step, b.first_step), " and overlap");
        }
    }
}

std::ostream& operator<<(std::ostream& out, const PlanReport& report)
{
    std::ostringstream ratio;
    ratio << std::fixed << std::setprecision(3) << report.ratio;
    out << "arena " << report.arena << " B, lower bound " << report.lower_bound << " B, ratio "
        << ratio.str() << ", planner " << report.planner;
    if (!report.candidates.empty()) {
        out << " (";
        for (size_t i = 0; i < report.candidates.size(); ++i) {
            out << (i ? ", " : "") << report.candidates[i].planner << " "
                << report.candidates[i].arena << " B";
        }
        out << ")";
    }
    return out;
}

std::string to_string(const PlanReport& report)
{
    std::ostringstream out;
    out << report;
    return out.str();
}

BestPlan plan_best(const std::vector<BufferRequest>& requests,
                   const std::vector<const MemoryPlanner*>& planners)
{
    TF_CHECK(!planners.empty(), "plan_best: no planner to run");
    BestPlan best;
    bool have_best = false;
    for (const MemoryPlanner* planner : planners) {
        TF_CHECK(planner != nullptr, "plan_best: planner #", best.report.candidates.size(),
                 " is null");
        MemoryPlan plan = planner->plan(requests);
        validate_plan(requests, plan);
        best.report.candidates.push_back({plan.planner, plan.arena_size});
        if (!have_best || plan.arena_size < best.plan.arena_size) {
            best.plan = std::move(plan);
            have_best = true;
        }
    }
    best.report.arena = best.plan.arena_size;
    best.report.lower_bound = lower_bound(requests);
    best.report.planner = best.plan.planner;
    best.report.ratio = best.report.lower_bound > 0
                            ? static_cast<double>(best.report.arena) /
                                  static_cast<double>(best.report.lower_bound)
                            : 1.0;
    return best;
}

BestPlan plan_best(const std::vector<BufferRequest>& requests)
{
    const HeadTailPlanner head_tail(HeadTailPlanner::LiveInput::alternate);
    const HeadTailPlanner head_tail_stack(HeadTailPlanner::LiveInput::stack);
    const GreedyBySizePlanner greedy;
    return plan_best(requests, {&head_tail, &head_tail_stack, &greedy});
}

}  // namespace tinyformer::engine
