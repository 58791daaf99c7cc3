// Memory planning for the activation arena: where each activation and scratch
// buffer lives in the one static SRAM arena of the firmware.
//
// Worked example (a chain conv -> conv, the input produced at step 0):
//
//     std::vector<BufferRequest> requests = {
//         {"input", 3072, 0, 1},                       // live at steps 0..1
//         {"conv1", 16384, 1, 2, 4, /*input_buffer=*/0},
//         {"conv1_im2col", 108, 1, 1, 4, -1, /*is_scratch=*/true},
//         {"conv2", 16384, 2, 2, 4, /*input_buffer=*/1},
//     };
//     BestPlan best = plan_best(requests);   // validated; smallest of the planners
//     best.plan.offsets[1];                  // byte offset of "conv1" in the arena
//     std::cout << best.report;              // arena, lower bound, ratio, planner
//
// The planners see plain buffer requests, not the engine graph, so the IR, the C
// emitter and the architecture search (thousands of calls) share one cost model.
// Every planner is O(n^2) in the number of buffers.
//
// Lifetime rule: steps are op indices in execution order; a buffer is live on
// [first_step, last_step] inclusive. An op's inputs and its output are live at the
// op's step (no in-place reuse), and a scratch buffer lives only at its op's step.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace tinyformer::engine {

// One buffer the arena must hold.
struct BufferRequest {
    std::string name;       // for error messages and reports
    int64_t size = 0;       // bytes, > 0
    int first_step = 0;     // step of the op that writes it (>= 0)
    int last_step = 0;      // step of its last reader (>= first_step)
    int alignment = 4;      // offset must be a multiple of this power of two
    // Index (into the request list) of the buffer that the producing op reads,
    // or -1 when it reads none (graph input, op reading only weights). For an op
    // with two activation inputs (residual add) name the main-path input. Used by
    // the head-tail planner only; it must be live at this buffer's first step.
    int input_buffer = -1;
    bool is_scratch = false;  // scratch: first_step == last_step == the op's step
};

// Where each request lives: offsets[i] is the byte offset of requests[i].
struct MemoryPlan {
    std::vector<int64_t> offsets;
    int64_t arena_size = 0;  // bytes; every buffer lies inside [0, arena_size)
    std::string planner;     // name() of the planner that produced it
};

// A planning strategy. Implementations: HeadTailPlanner (head_tail_planner.h),
// GreedyBySizePlanner (lifetime_planner.h).
class MemoryPlanner {
public:
    virtual ~MemoryPlanner() = default;
    // Throws Error when the requests are malformed (see validate_requests).
    virtual MemoryPlan plan(const std::vector<BufferRequest>& requests) const = 0;
    virtual std::string name() const = 0;
};

// Throws Error naming the buffer, the value and the rule when a request is bad:
// size <= 0, negative steps, last_step < first_step, alignment not a power of two,
// a scratch buffer that lives more than one step, input_buffer out of range, the
// buffer itself, or not live at the buffer's first step.
void validate_requests(const std::vector<BufferRequest>& requests);

// `size` rounded up to a multiple of `alignment` (a power of two).
int64_t aligned_size(int64_t size, int alignment);

// No plan can be smaller: the largest sum of aligned sizes of the buffers live at
// one step. Validates the requests.
int64_t lower_bound(const std::vector<BufferRequest>& requests);

// Throws Error when the plan is wrong for the requests: wrong number of offsets,
// a buffer outside [0, arena_size), a misaligned offset, or two buffers live at a
// same step whose byte ranges overlap (the message names both, with their
// lifetimes and byte ranges). Validates the requests first.
void validate_plan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan);

// What plan_best chose, against the lower bound.
struct PlanReport {
    struct Candidate {
        std::string planner;
        int64_t arena = 0;
    };
    int64_t arena = 0;        // of the chosen plan
    int64_t lower_bound = 0;
    double ratio = 1.0;       // arena / lower_bound (1.0 when both are 0)
    std::string planner;      // the chosen planner
    std::vector<Candidate> candidates;  // every planner tried, in the order tried
};

std::ostream& operator<<(std::ostream& out, const PlanReport& report);
std::string to_string(const PlanReport& report);

struct BestPlan {
    MemoryPlan plan;
    PlanReport report;
};

// Runs every planner of `planners` (non-owning, not null), validates each plan
// and keeps the smallest arena; on a tie the planner listed first wins.
BestPlan plan_best(const std::vector<BufferRequest>& requests,
                   const std::vector<const MemoryPlanner*>& planners);

// plan_best with the engine's planners, in tie-break order: head-tail (the
// paper's alternation), head-tail-stack, greedy-by-size.
BestPlan plan_best(const std::vector<BufferRequest>& requests);

}  // namespace tinyformer::engine
