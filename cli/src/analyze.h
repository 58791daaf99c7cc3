// `tinyformer analyze`: SuperNAS's search-space analysis (Alg. 1) for a
// dataset's input and a target MCU, with the eqs. 1-3 adjustment repeated
// until the acceptance probability reaches 90% (docs/search.md).
#pragma once

#include <cstdint>
#include <string>

#include "target_flags.h"

namespace tinyformer::cli {

struct AnalyzeOptions {
    std::string dataset = "fashion-mnist";  // sets the input shape and classes
    TargetFlags target;                 // --target, --sram-kb / --flash-kb, latency bounds
    int32_t samples = 200;                  // T_sup per round
    int32_t rounds = 5;                     // analyses at most (1: no adjustment)
    double min_probability = 0.9;
    double lambda_lo = 0.8, lambda_up = 2.8;
    uint64_t seed = 1;
};

// Prints each round (the dimension lists, how many samples fit, how many are
// accepted, the probability) and the verdict. Returns 0 when the last space is
// accepted, 2 when it is not. Throws engine::Error on bad options.
int run_analyze(const AnalyzeOptions& options);

}  // namespace tinyformer::cli
