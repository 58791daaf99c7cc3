// Calibration of the engine's instruction model (engine/instruction_model.h)
// against firmware run under QEMU; bench/run_instruction_model_bench.sh runs
// both halves around the Cortex-M7 build.
//
//   instruction_model_bench gen <root>
//     writes one folder per model, <root>/<model>/ (model.c, model.h,
//     model_weights.c, model_weights.h, features.tsv), and <root>/models.tsv
//     (name, set: "fit" models calibrate, "holdout" models only check).
//   instruction_model_bench fit <root> <coefficients.inc> <results.md>
//     reads every <root>/<model>.out (the firmware's per-layer instruction
//     counts), fits one non-negative linear model per kernel class on the
//     "fit" models, writes the coefficient table the engine compiles in and a
//     Markdown report of the model's error on both sets.
#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tinyformer/engine/c_emitter.h"
#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"
#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/search_space.h"
#include "tinyformer/toolkit/search_report.h"

namespace {

using namespace tinyformer;
using engine::kInstructionFeatures;
using Features = engine::InstructionFeatures;

struct ModelSpec {
    std::string name;
    std::string set;  // "fit" or "holdout"
    engine::Graph graph;
};

// One op on one input: the kernels no architecture runs (a standalone softmax,
// a global average pool), as ONNX models can have them.
engine::Graph single_op_graph(engine::OpKind kind, std::vector<int32_t> in_shape, std::vector<int32_t> out_shape,
                              float input_scale = 0.05f)
{
    engine::Graph g;
    const engine::TensorId x = g.add_activation("input", in_shape, engine::QuantParams::per_tensor(input_scale, -3));
    const engine::QuantParams out_quant = kind == engine::OpKind::Softmax
                                              ? engine::QuantParams::per_tensor(1.0f / 256.0f, -128)
                                              : engine::QuantParams::per_tensor(0.05f, -3);
    const engine::TensorId y = g.add_activation("output", out_shape, out_quant);
    if (kind == engine::OpKind::Softmax) {
        g.add_op(kind, "softmax", {x}, {y}, engine::SoftmaxAttrs{});
    } else {
        g.add_op(kind, "pool", {x}, {y}, engine::PoolAttrs{});
    }
    g.inputs = {x};
    g.outputs = {y};
    g.validate();
    return g;
}

std::vector<ModelSpec> single_op_specs()
{
    std::vector<ModelSpec> specs;
    // Input scales from 0.02 to 0.6: the exp cache holds 256 down to ~40 entries.
    const std::vector<std::tuple<int32_t, int32_t, float>> softmax = {
        {1, 10, 0.6f}, {4, 32, 0.3f}, {1, 16, 0.14f}, {16, 64, 0.1f}, {64, 64, 0.05f}, {2, 8, 0.2f},
        {256, 49, 0.02f}, {49, 49, 0.08f}, {8, 100, 0.12f}, {1, 64, 0.4f}};
    for (size_t i = 0; i < softmax.size(); i++) {
        const auto [rows, n, scale] = softmax[i];
        specs.push_back({"softmax_" + std::to_string(rows) + "x" + std::to_string(n), i < 7 ? "fit" : "holdout",
                         single_op_graph(engine::OpKind::Softmax, {rows, n}, {rows, n}, scale)});
    }
    const std::vector<std::array<int32_t, 3>> pools = {{8, 8, 192}, {4, 4, 64}, {7, 7, 48}, {16, 16, 32}, {8, 8, 96},
                                                       {2, 2, 256}};
    for (size_t i = 0; i < pools.size(); i++) {
        const auto [h, w, c] = pools[i];
        specs.push_back({"gap_" + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c),
                         i < 4 ? "fit" : "holdout",
                         single_op_graph(engine::OpKind::GlobalAvgPool, {1, h, w, c}, {1, c})});
    }
    return specs;
}

// Largest model the calibration runs: keeps one QEMU run to seconds.
constexpr int64_t kMaxMacs = 60'000'000;

// A space's single paths with per-layer sparsity and blocks drawn from a wide
// list, so every sparse kernel class sees low and high sparsity; each with its
// dense twin.
std::vector<ModelSpec> sampled(const std::string& prefix, toolkit::SearchSpace space, const std::string& set,
                               uint64_t seed, int count)
{
    space.sparsities = {0.0f, 0.3f, 0.5f, 0.7f, 0.9f};
    std::mt19937_64 rng(seed);
    std::vector<ModelSpec> out;
    for (int tries = 0; int(out.size()) < 2 * count && tries < 50 * count; tries++) {
        const toolkit::SupernetSpace supernet = space.decode_supernet(space.random_supernet_genome(rng));
        toolkit::ArchConfig config = space.decode_path(supernet, space.random_path_genome(supernet, rng));
        const engine::CompiledModel m = engine::compile(toolkit::build_engine_graph(config));
        if (m.total_macs() > kMaxMacs) {
            continue;
        }
        const std::string name = prefix + "_" + std::to_string(seed) + "_" + std::to_string(out.size() / 2);
        out.push_back({name, set, toolkit::build_engine_graph(config)});
        // Its dense twin: most sampled layers are sparse, the dense kernels need data too.
        config.sparsity.clear();
        out.push_back({name + "_dense", set, toolkit::build_engine_graph(config)});
    }
    return out;
}

toolkit::SearchSpace small_space(int32_t h, int32_t w, int32_t c)
{
    toolkit::SearchSpace s = toolkit::SearchSpace::for_input(h, w, c, 10);
    s.dot1_dims = {8, 16};
    s.dot2_dims = {24, 32, 48};
    s.last_dims = {32, 64};
    s.heads = {1, 2};
    s.mbv2_counts = {1, 2};
    s.transformer_counts = {1, 2};
    return s;
}

std::vector<ModelSpec> model_specs()
{
    std::vector<ModelSpec> specs;
    const toolkit::ArchConfig base = toolkit::ArchConfig::tinyformer_300k();
    specs.push_back({"tf300k_dense", "fit", toolkit::build_engine_graph(base)});
    const std::vector<std::pair<float, int32_t>> uniform = {{0.5f, 2}, {0.8f, 4}, {0.9f, 2}};
    for (const auto& [rho, block] : uniform) {
        toolkit::ArchConfig c = base;
        c.set_uniform_sparsity(rho, block);
        specs.push_back({"tf300k_s" + std::to_string(int(rho * 100)) + "_b" + std::to_string(block), "fit",
                         toolkit::build_engine_graph(c)});
    }
    const auto add = [&specs](std::vector<ModelSpec> more) {
        specs.insert(specs.end(), more.begin(), more.end());
    };
    const toolkit::SearchSpace cifar = toolkit::SearchSpace::for_input(32, 32, 3, 10);
    const toolkit::SearchSpace fmnist = toolkit::SearchSpace::for_input(28, 28, 1, 10);
    add(sampled("cifar", cifar, "fit", 1, 4));
    add(sampled("fmnist", fmnist, "fit", 2, 3));
    add(sampled("cifar_small", small_space(32, 32, 3), "fit", 3, 4));
    add(sampled("fmnist_small", small_space(28, 28, 1), "fit", 4, 4));
    // Held out: other draws of the same spaces, never fitted.
    add(sampled("cifar", cifar, "holdout", 101, 2));
    add(sampled("fmnist", fmnist, "holdout", 102, 2));
    add(sampled("cifar_small", small_space(32, 32, 3), "holdout", 103, 2));
    add(sampled("fmnist_small", small_space(28, 28, 1), "holdout", 104, 2));
    // Two-channel images: the unaligned convolution class beyond 1 and 3 channels.
    add(sampled("two_channel", small_space(24, 24, 2), "fit", 5, 2));
    add(sampled("two_channel", small_space(24, 24, 2), "holdout", 105, 1));
    add(single_op_specs());
    return specs;
}

int generate(const std::string& root)
{
    std::ofstream list(root + "/models.tsv");
    for (const ModelSpec& spec : model_specs()) {
        const engine::CompiledModel m = engine::compile(spec.graph);
        const std::string dir = root + "/" + spec.name;
        engine::EmitOptions options;
        options.directory = dir;
        options.model_name = spec.name;
        engine::emit_c(m, options);
        std::ofstream tsv(dir + "/features.tsv");
        tsv << std::setprecision(17);
        for (const engine::Layer& layer : m.layers) {
            tsv << layer.name << '\t' << engine::instruction_class(layer);
            for (double f : engine::instruction_features(layer)) {
                tsv << '\t' << f;
            }
            tsv << '\n';
        }
        list << spec.name << '\t' << spec.set << '\n';
        std::cout << spec.set << " " << spec.name << ": " << m.layers.size() << " layers, " << m.total_macs()
                  << " MACs\n";
    }
    return list.good() ? 0 : 1;
}

// ---- fit ----

struct Sample {
    std::string model, layer, kernel_class;
    Features features{};
    double measured = 0.0;
};

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    TF_CHECK(in.good(), "cannot read '", path, "'");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Least squares of A x ~ b restricted to the columns in `use` (others 0);
// false when the normal equations are singular.
bool solve_subset(const std::vector<Features>& a, const std::vector<double>& b, unsigned use, Features& x)
{
    std::vector<int> cols;
    for (int j = 0; j < kInstructionFeatures; j++) {
        if (use & (1u << j)) {
            cols.push_back(j);
        }
    }
    const size_t n = cols.size();
    std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0.0));
    for (size_t r = 0; r < a.size(); r++) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                m[i][j] += a[r][size_t(cols[i])] * a[r][size_t(cols[j])];
            }
            m[i][n] += a[r][size_t(cols[i])] * b[r];
        }
    }
    for (size_t i = 0; i < n; i++) {  // Gauss-Jordan with partial pivoting
        size_t p = i;
        for (size_t r = i + 1; r < n; r++) {
            if (std::fabs(m[r][i]) > std::fabs(m[p][i])) {
                p = r;
            }
        }
        std::swap(m[i], m[p]);
        if (std::fabs(m[i][i]) < 1e-9 * std::max(1.0, std::fabs(m[0][0]))) {
            return false;
        }
        for (size_t r = 0; r < n; r++) {
            if (r != i) {
                const double k = m[r][i] / m[i][i];
                for (size_t c = i; c <= n; c++) {
                    m[r][c] -= k * m[i][c];
                }
            }
        }
    }
    x.fill(0.0);
    for (size_t i = 0; i < n; i++) {
        x[size_t(cols[i])] = m[i][n] / m[i][i];
    }
    return true;
}

// Non-negative least squares of the relative error (every row divided by its
// measured count), exact over all subsets of the features in `free`; the
// coefficients in `fixed` (features outside `free`) are given.
Features fit_class(const std::vector<Sample>& samples, unsigned free, const Features& fixed)
{
    std::vector<Features> a;
    std::vector<double> b;
    for (const Sample& s : samples) {
        const double w = 1.0 / std::max(s.measured, 40.0);  // one SysTick tick: the measurement's resolution
        Features row{};
        double given = 0.0;
        for (int j = 0; j < kInstructionFeatures; j++) {
            row[size_t(j)] = s.features[size_t(j)] * w;
            given += fixed[size_t(j)] * s.features[size_t(j)];
        }
        a.push_back(row);
        b.push_back((s.measured - given) * w);
    }
    Features best = fixed;
    double best_error = INFINITY;
    for (unsigned use = 1; use < (1u << kInstructionFeatures); use++) {
        if ((use & ~free) != 0) {
            continue;
        }
        Features x{};
        if (!solve_subset(a, b, use, x) ||
            std::any_of(x.begin(), x.end(), [](double v) { return v < 0.0; })) {
            continue;
        }
        double error = 0.0;
        for (size_t r = 0; r < a.size(); r++) {
            double predicted = 0.0;
            for (int j = 0; j < kInstructionFeatures; j++) {
                predicted += a[r][size_t(j)] * x[size_t(j)];
            }
            error += (predicted - b[r]) * (predicted - b[r]);
        }
        // Fewer features on a tie (a feature that is always 0 in this class).
        if (error < best_error * (1.0 - 1e-12)) {
            best_error = error;
            best = x;
            for (int j = 0; j < kInstructionFeatures; j++) {
                if ((free & (1u << j)) == 0) {
                    best[size_t(j)] = fixed[size_t(j)];
                }
            }
        }
    }
    return best;
}

double predict(const Features& c, const Features& f)
{
    double sum = 0.0;
    for (int j = 0; j < kInstructionFeatures; j++) {
        sum += c[size_t(j)] * f[size_t(j)];
    }
    return std::max(sum, 0.0);
}

std::string percent(double x)
{
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << (x >= 0 ? "+" : "") << 100.0 * x << "%";
    return s.str();
}

int fit(const std::string& root, const std::string& inc_path, const std::string& results_path)
{
    std::vector<Sample> samples;
    struct Model {
        std::string name, set;
        int64_t macs = 0;
    };
    std::vector<Model> models;
    std::istringstream list(read_file(root + "/models.tsv"));
    std::string line;
    while (std::getline(list, line)) {
        std::istringstream fields(line);
        std::string name, set;
        fields >> name >> set;
        const toolkit::FirmwareProfile profile = toolkit::parse_firmware_profile(read_file(root + "/" + name + ".out"));
        models.push_back({name, set, profile.total_macs});
        std::istringstream tsv(read_file(root + "/" + name + "/features.tsv"));
        size_t i = 0;
        std::string row;
        while (std::getline(tsv, row)) {
            std::istringstream r(row);
            Sample s;
            s.model = name;
            std::getline(r, s.layer, '\t');
            std::getline(r, s.kernel_class, '\t');
            for (double& f : s.features) {
                r >> f;
            }
            TF_CHECK(i < profile.layers.size() && profile.layers[i].name == s.layer &&
                         profile.layers[i].instructions.has_value(),
                     "model '", name, "' layer ", i, " '", s.layer, "': the firmware output has no such layer with "
                     "instructions");
            s.measured = double(*profile.layers[i].instructions);
            samples.push_back(s);
            i++;
        }
        TF_CHECK(i == profile.layers.size(), "model '", name, "': ", i, " layers in features.tsv, ",
                 profile.layers.size(), " in the firmware output");
    }
    std::map<std::string, std::string> set_of;
    for (const Model& m : models) {
        set_of[m.name] = m.set;
    }

    std::map<std::string, std::vector<Sample>> by_class;
    for (const Sample& s : samples) {
        if (set_of[s.model] == "fit") {
            by_class[s.kernel_class].push_back(s);
        }
    }
    // The exp cache's fill cost per entry comes from the softmax kernel alone: its
    // calibration graphs take inputs over the whole int8 range, so every call
    // fills the cache up to diff_max. Attention and SeqPool fill only what their
    // scores reach; with the softmax's cost per entry they are estimated for a
    // full fill, an upper bound.
    constexpr int kTable = int(engine::InstructionFeature::Table);
    const unsigned all = (1u << kInstructionFeatures) - 1;
    const std::string softmax_class = "se_softmax_s8";
    TF_CHECK(by_class.count(softmax_class), "no calibration layer of ", softmax_class);
    std::map<std::string, Features> coefficients;
    coefficients[softmax_class] = fit_class(by_class[softmax_class], all, Features{});
    Features table_cost{};
    table_cost[kTable] = coefficients[softmax_class][kTable];
    for (const auto& [kernel_class, rows] : by_class) {
        if (kernel_class != softmax_class) {
            coefficients[kernel_class] = fit_class(rows, all & ~(1u << kTable), table_cost);
        }
    }
    // A holdout layer of a class no fit model has is an error: the calibration must cover it.
    const auto estimate = [&](const Sample& s) {
        const auto it = coefficients.find(s.kernel_class);
        TF_CHECK(it != coefficients.end(), "model '", s.model, "' layer '", s.layer, "': kernel class '",
                 s.kernel_class, "' has no calibration layer");
        return predict(it->second, s.features);
    };

    std::ofstream inc(inc_path);
    inc << "// Generated by bench/run_instruction_model_bench.sh (bench/instruction_model): do not edit.\n"
        << "// {kernel class, {work, outputs, inputs, extra, tail, table, calls} instructions each, layers fitted}\n";
    inc << std::setprecision(9);
    for (const auto& [kernel_class, c] : coefficients) {
        inc << "{\"" << kernel_class << "\", {";
        for (int j = 0; j < kInstructionFeatures; j++) {
            inc << (j ? ", " : "") << c[size_t(j)];
        }
        inc << "}, " << by_class[kernel_class].size() << "},\n";
    }
    TF_CHECK(inc.good(), "cannot write '", inc_path, "'");

    std::ofstream md(results_path);
    md << "| kernel class | layers fitted | work | outputs | inputs | extra | tail | table | calls | "
          "fit: mean abs error | fit: worst | holdout layers | holdout: mean abs error | holdout: worst |\n"
       << "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const auto& [kernel_class, c] : coefficients) {
        double fit_sum = 0, fit_worst = 0, hold_sum = 0, hold_worst = 0;
        int fit_n = 0, hold_n = 0;
        for (const Sample& s : samples) {
            if (s.kernel_class != kernel_class) {
                continue;
            }
            const double e = (estimate(s) - s.measured) / s.measured;
            if (set_of[s.model] == "fit") {
                fit_sum += std::fabs(e);
                fit_worst = std::fabs(e) > std::fabs(fit_worst) ? e : fit_worst;
                fit_n++;
            } else {
                hold_sum += std::fabs(e);
                hold_worst = std::fabs(e) > std::fabs(hold_worst) ? e : hold_worst;
                hold_n++;
            }
        }
        md << "| " << kernel_class << " | " << fit_n;
        for (double v : c) {
            md << " | " << std::setprecision(4) << v;
        }
        md << " | " << percent(fit_sum / fit_n).substr(1) << " | " << percent(fit_worst) << " | " << hold_n << " | "
           << (hold_n ? percent(hold_sum / hold_n).substr(1) : "-") << " | "
           << (hold_n ? percent(hold_worst) : "-") << " |\n";
    }
    md << "\n| model | set | layers | MACs | measured instructions | estimated | error |\n"
       << "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n";
    double worst_holdout = 0.0;
    for (const Model& m : models) {
        double measured = 0, estimated = 0;
        int layers = 0;
        for (const Sample& s : samples) {
            if (s.model == m.name) {
                measured += s.measured;
                estimated += estimate(s);
                layers++;
            }
        }
        const double e = (estimated - measured) / measured;
        if (m.set == "holdout") {
            worst_holdout = std::max(worst_holdout, std::fabs(e));
        }
        md << "| " << m.name << " | " << m.set << " | " << layers << " | " << std::fixed << std::setprecision(0)
           << m.macs << " | " << measured << " | " << estimated << " | " << percent(e) << " |\n";
        md.unsetf(std::ios::fixed);
    }
    std::cout << "wrote " << inc_path << " (" << coefficients.size() << " kernel classes) and " << results_path
              << "; worst held-out model total: " << percent(worst_holdout).substr(1) << "\n";
    return md.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string usage = "usage: instruction_model_bench gen <root> | fit <root> <coefficients.inc> <results.md>";
    try {
        if (argc == 3 && std::string(argv[1]) == "gen") {
            return generate(argv[2]);
        }
        if (argc == 5 && std::string(argv[1]) == "fit") {
            return fit(argv[2], argv[3], argv[4]);
        }
    } catch (const engine::Error& error) {
        std::cerr << "instruction_model_bench: " << error.what() << "\n";
        return 1;
    }
    std::cerr << usage << "\n";
    return 2;
}
