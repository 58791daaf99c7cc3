// Private helper of the memory planners: the steps at which the set of live
// buffers can grow.
//
// Between two consecutive first_steps buffers only die, so the live set at a
// first_step holds every live set until the next one: checking the first_steps
// alone is enough for peaks and overlaps, and keeps the planners O(n^2) however
// sparse the step numbers are.
#pragma once

#include <algorithm>
#include <vector>

#include "tinyformer/engine/memory_planner.h"

namespace tinyformer::engine::detail {

class PeakSteps {
public:
    explicit PeakSteps(const std::vector<BufferRequest>& requests)
    {
        steps_.reserve(requests.size());
        for (const BufferRequest& request : requests) {
            steps_.push_back(request.first_step);
        }
        std::sort(steps_.begin(), steps_.end());
        steps_.erase(std::unique(steps_.begin(), steps_.end()), steps_.end());
    }

    int count() const { return static_cast<int>(steps_.size()); }

    // Indices [first, last] of the peak steps where `request` is live; never empty
    // because its own first_step is one of them.
    int first_index(const BufferRequest& request) const
    {
        return static_cast<int>(
            std::lower_bound(steps_.begin(), steps_.end(), request.first_step) - steps_.begin());
    }
    int last_index(const BufferRequest& request) const
    {
        return static_cast<int>(
                   std::upper_bound(steps_.begin(), steps_.end(), request.last_step) -
                   steps_.begin()) -
               1;
    }

private:
    std::vector<int> steps_;
};

inline bool lifetimes_overlap(const BufferRequest& a, const BufferRequest& b)
{
    return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

inline int64_t align_up(int64_t value, int alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

}  // namespace tinyformer::engine::detail
