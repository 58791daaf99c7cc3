// SuperNAS's search-space analysis (Alg. 1) and adjustment (eqs. 1-3) on three
// spaces whose sampled single paths hold about 0.3-1 M (small), 0.6-3 M
// (normal) and 1.3-10 M (large) parameters: the paper's Fig. 9(a) experiment
// (CIFAR-10 input, STM32F746 limits). Also the time one resource evaluation
// (build_engine_graph + engine::compile) takes. Prints markdown tables
// (bench/run_search_space_bench.sh writes them to bench/results/).
//
//   search_space_bench [--samples N] [--rounds R] [--seed S]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/toolkit/search_space.h"

using namespace tinyformer;
using namespace tinyformer::toolkit;

namespace {

std::string list(const std::vector<int32_t>& v)
{
    std::string s = "{";
    for (size_t i = 0; i < v.size(); i++) {
        s += (i ? "," : "") + std::to_string(v[i]);
    }
    return s + "}";
}

std::string dims_of(const SearchSpace& s)
{
    return list(s.dot1_dims) + " / " + list(s.dot2_dims) + " / " + list(s.last_dims);
}

double seconds_since(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Median milliseconds of build_engine_graph and of compile over `runs` runs.
void time_evaluation(const char* name, const ArchConfig& c, int runs)
{
    std::vector<double> build, compile;
    engine::CompiledModel m;
    for (int i = 0; i < runs; i++) {
        auto t = std::chrono::steady_clock::now();
        const engine::Graph g = build_engine_graph(c);
        build.push_back(1e3 * seconds_since(t));
        t = std::chrono::steady_clock::now();
        m = engine::compile(g);
        compile.push_back(1e3 * seconds_since(t));
    }
    std::sort(build.begin(), build.end());
    std::sort(compile.begin(), compile.end());
    const double b = build[build.size() / 2], k = compile[compile.size() / 2];
    std::printf("| %s | %lld | %lld | %lld | %lld | %.1f | %.1f | %.1f |\n", name,
                static_cast<long long>(parameter_count(c)), static_cast<long long>(effective_parameter_count(c)),
                static_cast<long long>(m.arena_bytes()), static_cast<long long>(m.constant_bytes()), b, k, b + k);
}

int64_t percentile(std::vector<int64_t> v, double p)
{
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Summary {
    int64_t p5 = 0, p95 = 0, min = 0, max = 0;
    int32_t over_sram = 0, over_flash = 0, below = 0, above = 0;
    double ms_per_eval = 0.0;
    double dense_probability = 0.0;  // the same count with N = dense parameters (another reading of Alg. 1)
};

Summary summarize(const SpaceAnalysis& a)
{
    Summary s;
    std::vector<int64_t> params;
    for (const AnalysisSample& x : a.samples) {
        params.push_back(x.parameters);
        for (const LimitExcess& e : exceeded_limits(x.resources, a.target)) {
            (e.limit == "SRAM" ? s.over_sram : s.over_flash)++;
        }
        if (x.fits && !x.accepted) {
            (static_cast<double>(x.effective_parameters) < a.accept_lo ? s.below : s.above)++;
        }
        s.ms_per_eval += 1e3 * x.resources.seconds_to_evaluate / static_cast<double>(a.samples.size());
        const double dense = static_cast<double>(x.parameters);
        if (x.fits && a.accept_lo <= dense && dense <= a.accept_hi) {
            s.dense_probability += 1.0 / a.n_eval;
        }
    }
    s.p5 = percentile(params, 0.05);
    s.p95 = percentile(params, 0.95);
    s.min = percentile(params, 0.0);
    s.max = percentile(params, 1.0);
    return s;
}

double mega(int64_t n) { return static_cast<double>(n) / 1e6; }

}  // namespace

int main(int argc, char** argv)
{
    int32_t samples = 100, rounds = 2;
    uint64_t seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--samples")) {
            samples = std::atoi(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--rounds")) {
            rounds = std::atoi(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--seed")) {
            seed = std::strtoull(argv[i + 1], nullptr, 10);
        } else {
            std::fprintf(stderr, "usage: search_space_bench [--samples N] [--rounds R] [--seed S]\n");
            return 2;
        }
    }

    std::printf("Time per resource evaluation (median of 5; ms)\n\n");
    std::printf("| config | params | effective | arena B | constants B | build_engine_graph | compile | total |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (const char* name : {"tiny", "fmnist", "tinyformer-300k"}) {
        ArchConfig c = named_architecture(name);
        time_evaluation(name, c, 5);
        c.set_uniform_sparsity(0.5f, 4);
        time_evaluation((std::string(name) + " 50% (block 4/3)").c_str(), c, 5);
    }

    const McuTarget target = mcu_target("stm32f746");
    SearchSpace small = SearchSpace::for_input(32, 32, 3, 10);
    small.dot1_dims = {24, 32};
    small.dot2_dims = {64, 80, 96};
    small.last_dims = {256, 320};
    SearchSpace normal = SearchSpace::for_input(32, 32, 3, 10);
    normal.dot1_dims = {32, 44};
    normal.dot2_dims = {96, 128, 160};
    normal.last_dims = {384, 512, 768};
    SearchSpace large = SearchSpace::for_input(32, 32, 3, 10);
    large.dot1_dims = {44, 64};
    large.dot2_dims = {192, 256};
    large.last_dims = {768, 1024, 1536};
    struct Named {
        const char* name;
        const char* paper;  // Fig. 9(a)'s parameter range and verdict
        SearchSpace space;
    };
    const std::vector<Named> spaces{{"small", "0.3-1 M, < 30%", small},
                                    {"normal", "0.6-3 M, >= 90%", normal},
                                    {"large", "1.3-10 M, < 30%", large}};

    AnalysisOptions options;
    options.samples = samples;
    options.seed = seed;
    std::printf("\nFig. 9(a): Alg. 1 on %s (SRAM %lld B, flash %lld B, reserves %lld / %lld B), CIFAR-10 input, "
                "%d samples, seed %llu; accept %.0f <= effective params <= %.0f (L_m = SRAM bytes)\n\n",
                target.name.c_str(), static_cast<long long>(target.sram_bytes),
                static_cast<long long>(target.flash_bytes), static_cast<long long>(target.reserved_sram),
                static_cast<long long>(target.reserved_flash), samples, static_cast<unsigned long long>(seed),
                options.lambda_lo * static_cast<double>(target.sram_bytes),
                options.lambda_up * static_cast<double>(target.sram_bytes));
    std::printf("| space | dims DoT1 / DoT2 / last | dense params p5-p95 (min-max), M | paper | fit n_eval | over SRAM "
                "| over flash | accepted | below / above band | probability | probability, N = dense params | ms per eval |\n");
    std::printf("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    std::vector<std::string> adjustments;
    for (const Named& n : spaces) {
        const auto start = std::chrono::steady_clock::now();
        std::string log;
        const AdjustmentResult result = analyze_and_adjust(
            n.space, target, options, rounds, 0.9, [&](const AdjustmentRound& r) {
                const Summary s = summarize(r.analysis);
                char line[512];
                std::snprintf(line, sizeof line,
                              "| %s round %zu | %s | %.2f-%.2f (%.2f-%.2f) | %s | %d | %d | %d | %d | %d / %d | %.2f | "
                              "%.2f | %.0f |\n",
                              n.name, static_cast<size_t>(std::count(log.begin(), log.end(), '\n')) + 1,
                              dims_of(r.space).c_str(), mega(s.p5), mega(s.p95), mega(s.min), mega(s.max),
                              log.empty() ? n.paper : "(adjusted)", r.analysis.n_eval, s.over_sram, s.over_flash,
                              r.analysis.n_accept, s.below, s.above, r.analysis.probability(), s.dense_probability,
                              s.ms_per_eval);
                log += line;
            });
        std::printf("%s", log.c_str());
        std::fflush(stdout);
        char note[256];
        std::snprintf(note, sizeof note, "- %s: %zu round(s), %s, %.0f s\n", n.name, result.rounds.size(),
                      result.accepted ? "accepted" : "not accepted", seconds_since(start));
        adjustments.push_back(note);
    }
    std::printf("\n");
    for (const std::string& a : adjustments) {
        std::printf("%s", a.c_str());
    }
    return 0;
}
