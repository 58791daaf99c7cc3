// Random draws that are the same on every platform and standard library: the
// search's samples and evolutionary choices must replay exactly from a seed
// (resume, reproducibility). std::mt19937_64's output sequence is fixed by
// the C++ standard; std::uniform_*_distribution's are implementation-defined,
// so the search reads the engine through these two helpers only.
#pragma once

#include <cstdint>
#include <random>

namespace tinyformer::toolkit {

// Uniform in [0, n), n >= 1, by rejection sampling (the top partial range of
// 2^64 is redrawn so that every residue is equally likely). Throws
// engine::Error for n = 0.
uint64_t uniform_index(std::mt19937_64& rng, uint64_t n);

// Uniform in [0, 1) from the top 53 bits of one draw.
double uniform_unit(std::mt19937_64& rng);

}  // namespace tinyformer::toolkit
