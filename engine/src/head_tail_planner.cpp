// The paper's head-tail alternation (see head_tail_planner.h).
#include "tinyformer/engine/head_tail_planner.h"

#include <algorithm>
#include <numeric>

#include "memory_planner_steps.h"
#include "tinyformer/engine/error.h"

namespace tinyformer::engine {
namespace {

enum class End { head, tail };

End opposite(End end) { return end == End::head ? End::tail : End::head; }

// The two ends of the arena while buffers are being placed. A buffer's depth is
// its distance from its own end: head buffers occupy [depth, depth + bytes),
// tail buffers [arena - depth - bytes, arena - depth) once the arena is known.
class TwoEndedArena {
public:
    explicit TwoEndedArena(const std::vector<BufferRequest>& requests)
        : requests_(requests),
          steps_(requests),
          bytes_(requests.size()),
          end_(requests.size(), End::head),
          depth_(requests.size(), 0),
          placed_(requests.size(), false),
          head_extent_(static_cast<size_t>(steps_.count()), 0),
          tail_extent_(static_cast<size_t>(steps_.count()), 0)
    {
        for (size_t i = 0; i < requests.size(); ++i) {
            bytes_[i] = aligned_size(requests[i].size, requests[i].alignment);
        }
    }

    bool placed(int buffer) const { return placed_[static_cast<size_t>(buffer)]; }
    End end_of(int buffer) const { return end_[static_cast<size_t>(buffer)]; }

    // Lowest aligned depth at `end` free of the placed buffers of that end that
    // are live at some step of `buffer`'s lifetime.
    int64_t first_fit(int buffer, End end) const
    {
        const BufferRequest& request = requests_[static_cast<size_t>(buffer)];
        taken_.clear();
        for (size_t j = 0; j < requests_.size(); ++j) {
            if (placed_[j] && end_[j] == end && detail::lifetimes_overlap(request, requests_[j])) {
                taken_.push_back({depth_[j], depth_[j] + bytes_[j]});
            }
        }
        std::sort(taken_.begin(), taken_.end());
        const int64_t bytes = bytes_[static_cast<size_t>(buffer)];
        int64_t depth = 0;
        for (const auto& [begin, end_depth] : taken_) {
            if (depth + bytes <= begin) {
                break;
            }
            depth = std::max(depth, detail::align_up(end_depth, request.alignment));
        }
        return depth;
    }

    // The largest head + tail extent over `buffer`'s lifetime if it went to
    // `end` at `depth`.
    int64_t arena_if_placed(int buffer, End end, int64_t depth) const
    {
        const BufferRequest& request = requests_[static_cast<size_t>(buffer)];
        const int64_t reach = depth + bytes_[static_cast<size_t>(buffer)];
        int64_t arena = 0;
        for (int s = steps_.first_index(request); s <= steps_.last_index(request); ++s) {
            int64_t head = head_extent_[static_cast<size_t>(s)];
            int64_t tail = tail_extent_[static_cast<size_t>(s)];
            (end == End::head ? head : tail) = std::max(end == End::head ? head : tail, reach);
            arena = std::max(arena, head + tail);
        }
        return arena;
    }

    void place(int buffer, End end, int64_t depth)
    {
        const size_t b = static_cast<size_t>(buffer);
        end_[b] = end;
        depth_[b] = depth;
        placed_[b] = true;
        std::vector<int64_t>& extent = end == End::head ? head_extent_ : tail_extent_;
        for (int s = steps_.first_index(requests_[b]); s <= steps_.last_index(requests_[b]); ++s) {
            extent[static_cast<size_t>(s)] =
                std::max(extent[static_cast<size_t>(s)], depth + bytes_[b]);
        }
    }

    MemoryPlan finish(const std::string& planner) const
    {
        MemoryPlan plan;
        plan.planner = planner;
        int largest_alignment = 1;
        for (const BufferRequest& request : requests_) {
            largest_alignment = std::max(largest_alignment, request.alignment);
        }
        int64_t arena = 0;
        for (size_t s = 0; s < head_extent_.size(); ++s) {
            arena = std::max(arena, head_extent_[s] + tail_extent_[s]);
        }
        // Every tail offset is arena - (multiple of its alignment).
        plan.arena_size = detail::align_up(arena, largest_alignment);
        plan.offsets.resize(requests_.size());
        for (size_t i = 0; i < requests_.size(); ++i) {
            TF_INTERNAL_ASSERT(placed_[i]);
            plan.offsets[i] = end_[i] == End::head ? depth_[i]
                                                   : plan.arena_size - depth_[i] - bytes_[i];
        }
        return plan;
    }

private:
    const std::vector<BufferRequest>& requests_;
    detail::PeakSteps steps_;
    std::vector<int64_t> bytes_;  // aligned sizes
    std::vector<End> end_;
    std::vector<int64_t> depth_;
    std::vector<bool> placed_;
    std::vector<int64_t> head_extent_;  // per peak step: reach of the live head buffers
    std::vector<int64_t> tail_extent_;
    mutable std::vector<std::pair<int64_t, int64_t>> taken_;  // scratch of first_fit
};

}  // namespace

MemoryPlan HeadTailPlanner::plan(const std::vector<BufferRequest>& requests) const
{
    validate_requests(requests);
    const int count = static_cast<int>(requests.size());

    // Step order; at one step outputs before scratch, then request order.
    std::vector<int> order(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        const BufferRequest& ra = requests[static_cast<size_t>(a)];
        const BufferRequest& rb = requests[static_cast<size_t>(b)];
        if (ra.first_step != rb.first_step) return ra.first_step < rb.first_step;
        if (ra.is_scratch != rb.is_scratch) return rb.is_scratch;
        return a < b;
    });

    TwoEndedArena arena(requests);
    auto place_one = [&](int buffer) {
        const BufferRequest& request = requests[static_cast<size_t>(buffer)];
        const int input = request.input_buffer;
        if (input >= 0 && !request.is_scratch) {
            const bool input_stays_live =
                requests[static_cast<size_t>(input)].last_step > request.first_step;
            const End end = live_input_ == LiveInput::stack && input_stays_live
                                ? arena.end_of(input)
                                : opposite(arena.end_of(input));
            arena.place(buffer, end, arena.first_fit(buffer, end));
            return;
        }
        // The end that gives the smaller arena; on a tie the one where the buffer
        // stays closer to its end, which leaves more room for later buffers.
        const int64_t head_depth = arena.first_fit(buffer, End::head);
        const int64_t tail_depth = arena.first_fit(buffer, End::tail);
        const int64_t head_arena = arena.arena_if_placed(buffer, End::head, head_depth);
        const int64_t tail_arena = arena.arena_if_placed(buffer, End::tail, tail_depth);
        if (tail_arena < head_arena || (tail_arena == head_arena && tail_depth < head_depth)) {
            arena.place(buffer, End::tail, tail_depth);
        } else {
            arena.place(buffer, End::head, head_depth);
        }
    };

    // An input born at the same step as its reader may come later in `order`:
    // place the chain of unplaced inputs first (no cycles: validate_requests).
    std::vector<int> chain;
    for (int buffer : order) {
        chain.clear();
        for (int b = buffer; b >= 0 && !arena.placed(b);
             b = requests[static_cast<size_t>(b)].input_buffer) {
            chain.push_back(b);
        }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            place_one(*it);
        }
    }
    return arena.finish(name());
}

}  // namespace tinyformer::engine
