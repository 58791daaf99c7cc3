// Small helpers the `tinyformer` subcommands share.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tinyformer/toolkit/dataset.h"

namespace tinyformer::cli {

// "12.34%" for a fraction in [0, 1].
std::string percent(double fraction);

double seconds_since(std::chrono::steady_clock::time_point start);

// The first `limit` images of `base` (all when limit is 0). Throws
// engine::Error naming `flag` when limit is negative or beyond the data.
std::shared_ptr<const toolkit::Dataset> first_images(std::shared_ptr<const toolkit::Dataset> base, int64_t limit,
                                                     const std::string& flag);

}  // namespace tinyformer::cli
