// Greedy-by-size lifetime planner (see lifetime_planner.h).
#include "tinyformer/engine/lifetime_planner.h"

#include <algorithm>
#include <numeric>

#include "memory_planner_steps.h"

namespace tinyformer::engine {

MemoryPlan GreedyBySizePlanner::plan(const std::vector<BufferRequest>& requests) const
{
    validate_requests(requests);
    const size_t count = requests.size();
    std::vector<int64_t> bytes(count);  // reserved: size rounded up to the alignment
    for (size_t i = 0; i < count; ++i) {
        bytes[i] = aligned_size(requests[i].size, requests[i].alignment);
    }

    // Largest first; equal sizes in step order, then request order (deterministic).
    std::vector<size_t> order(count);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (bytes[a] != bytes[b]) return bytes[a] > bytes[b];
        if (requests[a].first_step != requests[b].first_step) {
            return requests[a].first_step < requests[b].first_step;
        }
        return a < b;
    });

    MemoryPlan plan;
    plan.planner = name();
    plan.offsets.assign(count, 0);
    std::vector<size_t> placed;
    placed.reserve(count);
    std::vector<std::pair<int64_t, int64_t>> taken;  // [begin, end) of overlapping lifetimes
    for (size_t buffer : order) {
        const BufferRequest& request = requests[buffer];
        taken.clear();
        for (size_t other : placed) {
            if (detail::lifetimes_overlap(request, requests[other])) {
                taken.push_back({plan.offsets[other], plan.offsets[other] + bytes[other]});
            }
        }
        std::sort(taken.begin(), taken.end());
        int64_t offset = 0;
        for (const auto& [begin, end] : taken) {
            if (offset + bytes[buffer] <= begin) {
                break;
            }
            offset = std::max(offset, detail::align_up(end, request.alignment));
        }
        plan.offsets[buffer] = offset;
        plan.arena_size = std::max(plan.arena_size, offset + bytes[buffer]);
        placed.push_back(buffer);
    }
    return plan;
}

}  // namespace tinyformer::engine
