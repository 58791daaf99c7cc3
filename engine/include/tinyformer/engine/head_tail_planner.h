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
// The paper does not say where the output of an op goes when the op's input
// stays live after it (the first op of a residual block). Policy:
//   - alternate ("head-tail"): the literal rule, the other end. In a stack of
//     inverted residual blocks the block output then lands above the shortcut and
//     the next block's expansion leaves the hole below it unused (+11% for
//     expansion 4: bench/results/memory-planner.md).
//   - stack ("head-tail-stack"): the same end as the input, on top of it, so the
//     op after it has the other end to itself; every other output alternates.
// plan_best tries both.
//
// Other choices where the paper is silent:
//   - buffers are placed in step order; at one step the op's output before its
//     scratch buffers, so the output gets the spot closest to its end;
//   - a buffer with no input buffer (graph input, op reading only weights) and a
//     scratch buffer go to the end that gives the smaller arena over their
//     lifetime so far (ties: the end where it sits closer to the edge, then head);
//   - every buffer reserves its size rounded up to its alignment, and the arena is
//     rounded up to the largest alignment so tail offsets stay aligned.
class HeadTailPlanner final : public MemoryPlanner {
public:
    enum class LiveInput { alternate, stack };

    explicit HeadTailPlanner(LiveInput live_input = LiveInput::alternate)
        : live_input_(live_input)
    {
    }

    MemoryPlan plan(const std::vector<BufferRequest>& requests) const override;
    std::string name() const override
    {
        return live_input_ == LiveInput::alternate ? "head-tail" : "head-tail-stack";
    }

private:
    LiveInput live_input_;
};

}  // namespace tinyformer::engine
