#include "cli_common.h"

#include <iomanip>
#include <numeric>
#include <sstream>
#include <vector>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset_split.h"

namespace tinyformer::cli {

std::string percent(double fraction)
{
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << 100.0 * fraction << "%";
    return s.str();
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::shared_ptr<const toolkit::Dataset> first_images(std::shared_ptr<const toolkit::Dataset> base, int64_t limit,
                                                     const std::string& flag)
{
    TF_CHECK(limit >= 0, flag, " = ", limit, " must be >= 0 (0: every image)");
    if (limit == 0 || limit == base->size()) {
        return base;
    }
    TF_CHECK(limit <= base->size(), flag, " = ", limit, " exceeds the ", base->size(), " images of ",
             base->description());
    std::vector<int64_t> indices(static_cast<size_t>(limit));
    std::iota(indices.begin(), indices.end(), int64_t{0});
    return std::make_shared<toolkit::SubsetDataset>(base, std::move(indices), flag + " subset");
}

}  // namespace tinyformer::cli
