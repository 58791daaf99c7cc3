#include "tinyformer/toolkit/portable_random.h"

#include <limits>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit {

uint64_t uniform_index(std::mt19937_64& rng, uint64_t n)
{
    TF_CHECK(n >= 1, "uniform_index: n = ", n, " must be >= 1");
    const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
    uint64_t x = rng();
    while (x >= limit) {
        x = rng();
    }
    return x % n;
}

double uniform_unit(std::mt19937_64& rng)
{
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace tinyformer::toolkit
