#include "analyze.h"

#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_common.h"
#include <vector>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/resources.h"
#include "tinyformer/toolkit/search_space.h"

namespace tinyformer::cli {
namespace {

using namespace tinyformer::toolkit;

std::string list(const std::vector<int32_t>& values)
{
    std::ostringstream s;
    s << "{";
    for (size_t i = 0; i < values.size(); i++) {
        s << (i > 0 ? ", " : "") << values[i];
    }
    s << "}";
    return s.str();
}

SearchSpace space_for(const std::string& dataset)
{
    switch (parse_dataset_kind(dataset)) {
    case DatasetKind::FashionMnist: return SearchSpace::for_input(28, 28, 1, 10);
    case DatasetKind::Cifar10: return SearchSpace::for_input(32, 32, 3, 10);
    case DatasetKind::ImageNet32: return SearchSpace::for_input(32, 32, 3, 1000);
    }
    TF_CHECK(false, "--dataset '", dataset, "' has no search space");
    return {};
}

}  // namespace

int run_analyze(const AnalyzeOptions& o)
{
    TF_CHECK(o.samples >= 1, "--samples = ", o.samples, " must be >= 1");
    TF_CHECK(o.rounds >= 1, "--rounds = ", o.rounds, " must be >= 1");
    TF_CHECK(o.min_probability > 0.0 && o.min_probability <= 1.0, "--min-probability = ", o.min_probability,
             " must be in (0, 1]");
    const SearchSpace space = space_for(o.dataset);
    const McuTarget target = target_of(o.target);
    AnalysisOptions analysis;
    analysis.lambda_lo = o.lambda_lo;
    analysis.lambda_up = o.lambda_up;
    analysis.samples = o.samples;
    analysis.seed = o.seed;
    std::cout << "== search-space analysis (Alg. 1) for " << o.dataset << " on " << target.name << ": "
              << target.sram_bytes / 1024 << " KB SRAM (" << target.reserved_sram / 1024 << " KB reserved), "
              << target.flash_bytes / 1024 << " KB flash (" << target.reserved_flash / 1024 << " KB reserved)"
              << latency_bounds(target) << "; " << o.samples << " samples per round, seed " << o.seed << "\n"
              << std::flush;
    const AdjustmentResult result = analyze_and_adjust(
        space, target, analysis, o.rounds, o.min_probability, [&](const AdjustmentRound& r) {
            const SpaceAnalysis& a = r.analysis;
            std::cout << "round: dims DoT1 " << list(r.space.dot1_dims) << ", DoT2 " << list(r.space.dot2_dims)
                      << ", last " << list(r.space.last_dims) << ": " << a.n_eval << " of " << a.samples.size()
                      << " samples fit, " << a.n_accept << " with " << static_cast<int64_t>(a.accept_lo)
                      << " to " << static_cast<int64_t>(a.accept_hi) << " effective parameters: probability "
                      << std::fixed << std::setprecision(2) << a.probability() << std::defaultfloat << " ("
                      << std::setprecision(3) << a.seconds << " s)\n"
                      << std::flush;
        });
    const SearchSpace& final_space = result.final_space();
    std::cout << (result.accepted ? "accepted" : "not accepted") << " after " << result.rounds.size()
              << " round(s): DoT1 dims " << list(final_space.dot1_dims) << ", DoT2 dims "
              << list(final_space.dot2_dims) << ", last linear " << list(final_space.last_dims) << "\n";
    const SpaceAnalysis& last = result.rounds.back().analysis;
    if (2 * last.n_eval < static_cast<int32_t>(last.samples.size())) {
        // Alg. 1 counts acceptance among the samples that fit; Alg. 2's TestSupernet skips a supernet when
        // half of its paths do not fit, so such a space wastes most of the search.
        std::cout << "warning: only " << last.n_eval << " of " << last.samples.size()
                  << " samples fit the target: most supernets of this space would be skipped\n";
    }
    if (!result.accepted) {
        std::cout << "the space stays below " << o.min_probability
                  << ": change the dimension lists, the target, or --rounds (docs/search.md)\n";
    }
    return result.accepted ? 0 : 2;
}

}  // namespace tinyformer::cli
