// The paper's head-tail alternation for the activation arena.
#pragma once

#include "tinyformer/engine/memory_planner.h"

namespace tinyformer::engine {

// Places each op's output at the opposite end of the arena from the buffer the op
// reads: an input at the head (growing up from offset 0) puts the output at the
// tail (growing down from the arena's end), and vice versa. A buffer that stays
// live (a residual branch) keeps its place; within an end, a buffer goes to the
// first gap, counted from that end, that no live buffer of the same end occupies
// during its lifetime. The arena is the smallest that holds both ends at every
// step: max over steps of (head extent + tail extent).
//
// Choices where the paper is silent:
//   - buffers are placed in step order; at one step the op's output before its
//     scratch buffers, so the output gets the spot closest to its end;
//   - a buffer with no input buffer (graph input, op reading only weights) and a
//     scratch buffer go to the end that gives the smaller arena over their
//     lifetime so far (ties: the end where it sits closer to the edge, then head);
//   - every buffer reserves its size rounded up to its alignment, and the arena is
//     rounded up to the largest alignment so tail offsets stay aligned.
class HeadTailPlanner final : public MemoryPlanner {
public:
    MemoryPlan plan(const std::vector<BufferRequest>& requests) const override;
    std::string name() const override { return "head-tail"; }
};

}  // namespace tinyformer::engine
