// A general tensor-lifetime planner (TFLM's GreedyMemoryPlanner idea).
#pragma once

#include "tinyformer/engine/memory_planner.h"

namespace tinyformer::engine {

// Largest buffer first; each goes at the lowest aligned offset that does not
// overlap any already placed buffer whose lifetime overlaps its own. Knows nothing
// of which op reads which buffer, so it also packs graphs head-tail cannot (a
// residual whose hole head-tail must leave open). Every buffer reserves its size
// rounded up to its alignment; the arena is the highest reserved end.
class GreedyBySizePlanner final : public MemoryPlanner {
public:
    MemoryPlan plan(const std::vector<BufferRequest>& requests) const override;
    std::string name() const override { return "greedy-by-size"; }
};

}  // namespace tinyformer::engine
