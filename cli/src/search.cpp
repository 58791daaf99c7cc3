#include "search.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_common.h"
#include "firmware_io.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/onnx_import.h"
#include "tinyformer/toolkit/architecture_json.h"
#include "tinyformer/toolkit/candidate.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_split.h"
#include "tinyformer/toolkit/resources.h"
#include "tinyformer/toolkit/search_report.h"
#include "tinyformer/toolkit/search_store.h"
#include "tinyformer/toolkit/sparse_nas.h"
#include "tinyformer/toolkit/super_nas.h"
#include "tinyformer/toolkit/supernet.h"

namespace tinyformer::cli {
namespace fs = std::filesystem;
using namespace tinyformer::toolkit;
using nlohmann::json;

namespace {

constexpr double kClockHz = 216e6;  // STM32F746 / the mps2-an500 M7 profile

// The quick preset's lists: models of 10-60 K parameters that train in seconds per epoch on two cores.
// They use a few percent of an STM32F746, so sparsity buys no fit there, only lost accuracy on layers of
// 8-48 channels: S_spa is kept to mild levels (design.md's reach 80%).
void use_small_space(SearchSpace& s)
{
    s.dot1_dims = {8, 16};
    s.dot2_dims = {24, 32, 48};
    s.last_dims = {32, 64};
    s.heads = {1, 2};
    s.mbv2_counts = {1};
    s.transformer_counts = {1};
    s.expansions = {2, 4};
    s.sparsities = {0.0f, 0.25f, 0.5f};
}

template <typename T>
void read(const json& j, const char* key, T& value, const std::string& where)
{
    if (!j.contains(key)) {
        return;
    }
    try {
        value = j.at(key).get<T>();
    } catch (const json::exception& e) {
        TF_CHECK(false, where, ".", key, ": ", j.at(key).dump(), " has the wrong type (", e.what(), ")");
    }
}

void check_keys(const json& j, const std::vector<std::string>& known, const std::string& where)
{
    TF_CHECK(j.is_object(), where, " must be a JSON object, not ", j.dump());
    for (const auto& [key, value] : j.items()) {
        TF_CHECK(std::find(known.begin(), known.end(), key) != known.end(), where, ": unknown key '", key,
                 "' (known: ", json(known).dump(), ")");
    }
}

void read_evolution(const json& j, EvolutionOptions& e, const std::string& where)
{
    read(j, "population", e.population, where);
    read(j, "iterations", e.iterations, where);
    read(j, "parents", e.parents, where);
    read(j, "mutations", e.mutations, where);
    read(j, "crossovers", e.crossovers, where);
    read(j, "mutation_probability", e.mutation_probability, where);
}

json evolution_json(const EvolutionOptions& e)
{
    return {{"population", e.population}, {"iterations", e.iterations}, {"parents", e.parents},
            {"mutations", e.mutations},   {"crossovers", e.crossovers}, {"mutation_probability", e.mutation_probability}};
}

json space_json(const SearchSpace& s)
{
    return {{"input", {s.input_h, s.input_w, s.input_c}},
            {"classes", s.classes},
            {"dot1_dims", s.dot1_dims},
            {"dot2_dims", s.dot2_dims},
            {"last_dims", s.last_dims},
            {"heads", s.heads},
            {"mbv2_counts", s.mbv2_counts},
            {"transformer_counts", s.transformer_counts},
            {"expansions", s.expansions},
            {"sparsities", s.sparsities},
            {"blocks", s.blocks}};
}

json budget_json(const SearchBudget& b)
{
    json supernet = evolution_json(b.supernet);
    supernet["epochs"] = b.supernet_epochs;
    supernet["test_paths"] = b.test_paths;
    supernet["eval_paths"] = b.eval_paths;
    json selection = evolution_json(b.selection);
    selection["epochs"] = b.selection_epochs;
    selection["prune_epochs"] = b.selection_prune_epochs;
    json j;
    j["preset"] = b.preset;
    j["search_images"] = b.search_images;
    j["validation"] = b.validation;
    j["batch_size"] = b.batch_size;
    j["lr"] = b.lr;
    j["analysis"] = {{"samples", b.analysis_samples}, {"rounds", b.analysis_rounds}};
    j["supernet"] = supernet;
    j["selection"] = selection;
    j["compression"] = {{"epochs", b.compression_epochs}, {"prune_epochs", b.compression_prune_epochs}};
    return j;
}

std::string kb(int64_t bytes)
{
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / 1024.0 << " KB";
    return s.str();
}

std::vector<SearchRecord> all_records(const SearchStore& store)
{
    std::vector<SearchRecord> all;
    for (const char* stage : {"supernet", "selection", "compression"}) {
        for (SearchRecord& r : store.records(stage)) {
            all.push_back(std::move(r));
        }
    }
    return all;
}

void write_report(const json& summary, const SearchStore& store, const engine::CompiledModel& compiled,
                  const std::optional<FirmwareProfile>& profile, const std::string& path)
{
    SearchReport report;
    report.title = "TinyFormer search: " + summary.at("dataset").get<std::string>() + " on " +
                   summary.at("target").at("name").get<std::string>();
    report.dataset = summary.at("dataset").get<std::string>();
    const json& t = summary.at("target");
    report.target = custom_target(t.at("name").get<std::string>(), t.at("sram_bytes").get<int64_t>(),
                                  t.at("flash_bytes").get<int64_t>(), t.at("reserved_sram").get<int64_t>(),
                                  t.at("reserved_flash").get<int64_t>(), t.at("max_macs").get<int64_t>(),
                                  t.value("max_instructions", int64_t{0}));
    report.clock_hz = kClockHz;
    report.preset = summary.at("preset").get<std::string>();
    report.seed = summary.at("seed").get<uint64_t>();
    report.seconds = summary.at("seconds").get<double>();
    report.candidates = all_records(store);
    report.chosen.config = arch_config_from_json(summary.at("chosen").dump());
    report.chosen.model = &compiled;
    report.chosen.profile = profile;
    report.chosen.accuracy_fp32 = summary.at("fp32_accuracy_dense").get<double>();
    if (summary.contains("fp32_accuracy_pruned")) {
        report.chosen.accuracy_pruned = summary.at("fp32_accuracy_pruned").get<double>();
    }
    report.chosen.accuracy_int8 = summary.at("int8_accuracy").get<double>();
    report.chosen.notes.push_back("Accuracies of the chosen model on the " +
                                  summary.at("evaluated_on").get<std::string>() + " split (" +
                                  std::to_string(summary.at("evaluation_images").get<int64_t>()) +
                                  " images); the search stages scored candidates on the held-out validation images.");
    write_html_report(report, path);
}

}  // namespace

SearchBudget search_budget(const std::string& preset)
{
    SearchBudget b;
    b.preset = preset;
    if (preset == "quick") {
        b.search_images = 12000;
        b.validation = 1.0 / 12.0;  // 5,000 of Fashion-MNIST's 60,000
        b.batch_size = 64;
        b.small_space = true;
        b.analysis_samples = 40;
        b.analysis_rounds = 1;  // the small space is for speed, not capacity: report, do not adjust
        b.supernet.population = 2;
        b.supernet.iterations = 1;
        b.supernet.parents = 1;
        b.supernet.mutations = 1;
        b.supernet.crossovers = 0;
        b.supernet_epochs = 2;
        b.test_paths = 20;
        b.eval_paths = 4;
        b.selection.population = 4;
        b.selection.iterations = 2;
        b.selection.parents = 2;
        b.selection.mutations = 2;
        b.selection.crossovers = 1;
        b.selection.mutation_probability = 0.2;
        b.selection_epochs = 1;
        b.selection_prune_epochs = 1;
        b.compression_epochs = 6;
        b.compression_prune_epochs = 2;
        return b;
    }
    if (preset == "paper") {
        // The paper: supernets trained 10 epochs, candidates 10 epochs, the winner 300 (+ AGP).
        b.search_images = 0;
        b.analysis_samples = 500;
        b.analysis_rounds = 5;
        b.supernet.population = 10;
        b.supernet.iterations = 5;
        b.supernet.parents = 3;
        b.supernet.mutations = 4;
        b.supernet.crossovers = 3;
        b.selection.population = 20;
        b.selection.iterations = 10;
        b.selection.parents = 5;
        b.selection.mutations = 8;
        b.selection.crossovers = 8;
        return b;
    }
    TF_CHECK(false, "--preset '", preset, "' is not a preset (expected quick or paper)");
    return b;
}

void apply_config_file(const std::string& path, SearchBudget& b)
{
    std::ifstream file(path);
    TF_CHECK(file.good(), "--config '", path, "': cannot open the file");
    json j;
    try {
        j = json::parse(file);
    } catch (const json::exception& e) {
        TF_CHECK(false, "--config '", path, "': not valid JSON (", e.what(), ")");
    }
    const std::string w = "--config '" + path + "'";
    check_keys(j,
               {"search_images", "validation", "batch_size", "lr", "analysis", "supernet", "selection",
                "compression", "space"},
               w);
    read(j, "search_images", b.search_images, w);
    read(j, "validation", b.validation, w);
    read(j, "batch_size", b.batch_size, w);
    read(j, "lr", b.lr, w);
    if (j.contains("analysis")) {
        check_keys(j["analysis"], {"samples", "rounds"}, w + " analysis");
        read(j["analysis"], "samples", b.analysis_samples, w + " analysis");
        read(j["analysis"], "rounds", b.analysis_rounds, w + " analysis");
    }
    if (j.contains("supernet")) {
        const json& s = j["supernet"];
        check_keys(s,
                   {"population", "iterations", "parents", "mutations", "crossovers", "mutation_probability", "epochs",
                    "test_paths", "eval_paths"},
                   w + " supernet");
        read_evolution(s, b.supernet, w + " supernet");
        read(s, "epochs", b.supernet_epochs, w + " supernet");
        read(s, "test_paths", b.test_paths, w + " supernet");
        read(s, "eval_paths", b.eval_paths, w + " supernet");
    }
    if (j.contains("selection")) {
        const json& s = j["selection"];
        check_keys(s,
                   {"population", "iterations", "parents", "mutations", "crossovers", "mutation_probability", "epochs",
                    "prune_epochs"},
                   w + " selection");
        read_evolution(s, b.selection, w + " selection");
        read(s, "epochs", b.selection_epochs, w + " selection");
        read(s, "prune_epochs", b.selection_prune_epochs, w + " selection");
    }
    if (j.contains("compression")) {
        check_keys(j["compression"], {"epochs", "prune_epochs"}, w + " compression");
        read(j["compression"], "epochs", b.compression_epochs, w + " compression");
        read(j["compression"], "prune_epochs", b.compression_prune_epochs, w + " compression");
    }
    if (j.contains("space")) {
        const json& s = j["space"];
        const std::string ws = w + " space";
        check_keys(s,
                   {"dot1_dims", "dot2_dims", "last_dims", "heads", "mbv2_counts", "transformer_counts", "expansions",
                    "sparsities", "blocks"},
                   ws);
        SearchSpace& o = b.space_override;
        read(s, "dot1_dims", o.dot1_dims, ws);
        read(s, "dot2_dims", o.dot2_dims, ws);
        read(s, "last_dims", o.last_dims, ws);
        read(s, "heads", o.heads, ws);
        read(s, "mbv2_counts", o.mbv2_counts, ws);
        read(s, "transformer_counts", o.transformer_counts, ws);
        read(s, "expansions", o.expansions, ws);
        read(s, "sparsities", o.sparsities, ws);
        read(s, "blocks", o.blocks, ws);
        b.has_space_override = true;
    }
}

void run_search(const SearchOptions& o)
{
    const auto start = std::chrono::steady_clock::now();
    TF_CHECK(!o.out.empty(), "--out: an output folder is required");
    TF_CHECK(o.threads >= 0, "--threads = ", o.threads, " must be >= 0");
    SearchBudget budget = search_budget(o.preset);
    if (!o.config_file.empty()) {
        apply_config_file(o.config_file, budget);
    }
    TF_CHECK(budget.validation > 0.0 && budget.validation < 1.0, "validation = ", budget.validation,
             " must be in (0, 1): the search stages score candidates on held-out training images");
    const McuTarget target = target_of(o.target);
    const fs::path out(o.out);
    if (o.fresh) {
        for (const char* name : {"search.db", "search.db-wal", "search.db-shm", "work", "compression"}) {
            fs::remove_all(out / name);
        }
    }
    std::error_code ec;
    fs::create_directories(out, ec);
    TF_CHECK(!ec && fs::is_directory(out), "--out '", o.out, "': cannot create the folder: ", ec.message());

    // Data: the training split cut into training and validation (the search's scores), the test split last.
    const DatasetKind kind = parse_dataset_kind(o.dataset);
    TF_CHECK(o.evaluate_on == "test" || o.evaluate_on == "holdout", "--evaluate-on '", o.evaluate_on,
             "' must be test or holdout");
    const auto train_split = open_dataset(kind, o.data_dir, Split::Train);
    std::shared_ptr<const Dataset> test;
    TrainValidation parts;
    if (o.evaluate_on == "test") {
        test = open_dataset(kind, o.data_dir, Split::Test);
        parts = split_train_validation(train_split, budget.validation, o.seed);
    } else {
        const TrainValidation outer = split_train_validation(train_split, budget.validation, o.seed ^ 0x5eedull);
        test = outer.validation;
        parts = split_train_validation(outer.train, budget.validation, o.seed);
    }
    const std::string test_name = o.evaluate_on == "test" ? "test" : "held-out";
    // search_images beyond the training images means all of them
    const auto search_train =
        first_images(parts.train, std::min(budget.search_images, parts.train->size()), "search_images");
    const ImageShape shape = train_split->image_shape();
    std::cout << "== data: " << to_string(kind) << ": " << parts.train->size() << " training ("
              << search_train->size() << " for the search stages), " << parts.validation->size()
              << " validation, " << test->size() << " " << test_name << " images\n"
              << "== target: " << target.name << ", " << kb(target.sram_bytes) << " SRAM, " << kb(target.flash_bytes)
              << " flash (reserving " << kb(target.reserved_sram) << " / " << kb(target.reserved_flash)
              << " for stack, runtime and code)"
              << latency_bounds(target) << "; preset " << budget.preset << ", seed " << o.seed << "\n"
              << std::flush;

    // Search space and its analysis (Alg. 1, eqs. 1-3).
    SearchSpace space = SearchSpace::for_input(shape.height, shape.width, shape.channels, train_split->num_classes());
    if (budget.small_space) {
        use_small_space(space);
    }
    if (budget.has_space_override) {
        const SearchSpace& v = budget.space_override;
        space.dot1_dims = v.dot1_dims;
        space.dot2_dims = v.dot2_dims;
        space.last_dims = v.last_dims;
        space.heads = v.heads;
        space.mbv2_counts = v.mbv2_counts;
        space.transformer_counts = v.transformer_counts;
        space.expansions = v.expansions;
        space.sparsities = v.sparsities;
        space.blocks = v.blocks;
    }
    space.check();
    AnalysisOptions analysis;
    analysis.samples = budget.analysis_samples;
    analysis.seed = o.seed;
    const AdjustmentResult adjusted =
        analyze_and_adjust(space, target, analysis, budget.analysis_rounds, 0.9, [](const AdjustmentRound& r) {
            std::cout << "== search-space analysis: " << r.analysis.n_eval << " of " << r.analysis.samples.size()
                      << " sampled sparse paths fit, " << r.analysis.n_accept << " with capacity in ["
                      << static_cast<int64_t>(r.analysis.accept_lo) << ", "
                      << static_cast<int64_t>(r.analysis.accept_hi) << "]: acceptance " << std::fixed
                      << std::setprecision(2) << r.analysis.probability() << std::defaultfloat << "\n"
                      << std::flush;
        });
    if (budget.analysis_rounds > 1) {
        space = adjusted.final_space();
    }
    if (!adjusted.accepted) {
        std::cout << "note: the space's acceptance stays below 0.90 "
                  << (budget.analysis_rounds > 1 ? "after " + std::to_string(adjusted.rounds.size()) + " rounds"
                                                 : "(this preset analyzes without adjusting)")
                  << ": its models are far from the target's capacity (docs/search.md); the search goes on in it\n";
    }

    // One store for the run: every setting that changes a choice is part of it.
    json settings;
    settings["dataset"] = to_string(kind);
    settings["data_dir"] = o.data_dir;
    settings["evaluate_on"] = o.evaluate_on;
    settings["target"] = {{"name", target.name},
                          {"sram_bytes", target.sram_bytes},
                          {"flash_bytes", target.flash_bytes},
                          {"reserved_sram", target.reserved_sram},
                          {"reserved_flash", target.reserved_flash},
                          {"max_macs", target.max_macs}};
    if (target.max_instructions > 0) {  // only when set: a store from before the bound existed still resumes
        settings["target"]["max_instructions"] = target.max_instructions;
    }
    settings["budget"] = budget_json(budget);
    settings["space"] = space_json(space);
    const RunSettings run{o.seed, settings.dump()};
    SearchStore store =
        SearchStore::open((out / "search.db").string(), run, o.fresh ? OpenMode::Fresh : OpenMode::ResumeOrCreate);
    // TINYFORMER_EXIT_AFTER="<text>": end the process abruptly (as a kill would, no clean-up) right after the
    // first progress line containing <text>; the resume test (SearchCommandTest) kills the search there.
    const char* exit_after = std::getenv("TINYFORMER_EXIT_AFTER");
    const auto log = [exit_after](const std::string& line) {
        std::cout << line << "\n" << std::flush;
        if (exit_after != nullptr && *exit_after != '\0' && line.find(exit_after) != std::string::npos) {
            std::_Exit(137);
        }
    };

    // SuperNAS (Alg. 2).
    SupernetSearchOptions sup;
    sup.evolution = budget.supernet;
    sup.evolution.seed = o.seed;
    sup.test_paths = budget.test_paths;
    sup.epochs = budget.supernet_epochs;
    sup.eval_paths = budget.eval_paths;
    sup.lr = budget.lr;
    sup.batch_size = budget.batch_size;
    sup.threads = o.threads;
    sup.work_dir = (out / "work").string();
    sup.log = log;
    const CandidateData search_data{kind, search_train, nullptr, parts.validation};
    std::cout << "== SuperNAS: " << sup.evolution.population << " supernets x " << sup.evolution.iterations
              << " iterations, " << sup.epochs << " epochs each\n"
              << std::flush;
    const SupernetSearchResult supernet = search_supernet(space, target, search_data, sup, &store);

    // SparseNAS selection (Alg. 3) from the winner's weights.
    Supernet weights(supernet.best, ModelOptions{true, o.seed});
    weights.create_all_candidates();
    weights.load(supernet.best_weights);
    SelectionOptions sel;
    sel.evolution = budget.selection;
    sel.evolution.seed = o.seed;
    sel.candidate.epochs = budget.selection_epochs;
    sel.candidate.prune_epochs = budget.selection_prune_epochs;
    sel.candidate.lr = budget.lr;
    sel.candidate.batch_size = budget.batch_size;
    sel.candidate.threads = o.threads;
    sel.candidate.seed = o.seed;
    sel.candidate.float_layernorm_reference = false;
    sel.candidate.work_dir = (out / "work").string();
    sel.log = log;
    std::cout << "== SparseNAS selection: " << sel.evolution.population << " candidates x "
              << sel.evolution.iterations << " iterations, " << sel.candidate.epochs << " + "
              << sel.candidate.prune_epochs << " (AGP) epochs each\n"
              << std::flush;
    const SelectionResult selection = select_sparse_path(space, supernet.best, &weights, target, search_data, sel, &store);
    std::cout << "== chosen: " << to_json(selection.best) << "\n";

    // Compression: the winner trained longer on every training image, AGP-pruned, int8, on the test split.
    SinglePathModel model = weights.extract(selection.best);
    CandidateOptions comp;
    comp.epochs = budget.compression_epochs;
    comp.prune_epochs = budget.compression_prune_epochs;
    comp.lr = budget.lr;
    comp.batch_size = budget.batch_size;
    comp.threads = o.threads;
    comp.seed = o.seed;
    comp.work_dir = (out / "compression").string();
    comp.log = log;
    std::cout << "== compression: " << comp.epochs << " + " << comp.prune_epochs << " (AGP) epochs on "
              << parts.train->size() << " images\n"
              << std::flush;
    const CandidateResult result =
        train_and_compress(model, CandidateData{kind, parts.train, parts.validation, test}, comp);
    const engine::CompiledModel& compiled = result.compiled;
    const std::string chosen_json = to_json(selection.best);
    const Resources real = resources_of(compiled);
    if (!store.find("compression", chosen_json)) {
        SearchRecord r;
        r.stage = "compression";
        r.key = chosen_json;
        r.config_json = chosen_json;
        r.arena_bytes = real.arena_bytes;
        r.constant_bytes = real.constant_bytes;
        r.macs = real.macs;
        r.latency_instructions = real.instructions;
        r.accuracy_fp32 = result.dense.accuracy;
        if (result.pruned) {
            r.accuracy_pruned = result.pruned->accuracy;
        }
        r.accuracy_int8 = result.int8.top1();
        r.score = result.int8.top1();
        r.seconds = result.seconds;
        store.record(r);
    }

    // Deploy: firmware C, the bytes it must print, the report.
    const std::string expected =
        emit_firmware_sources(compiled, (out / "c").string(), "tinyformer_search", out.string());
    json summary;
    summary["dataset"] = to_string(kind);
    summary["target"] = settings["target"];
    summary["preset"] = budget.preset;
    summary["seed"] = o.seed;
    summary["settings"] = run.settings_json;
    summary["chosen"] = json::parse(chosen_json);
    summary["parameters"] = parameter_count(selection.best);
    summary["effective_parameters"] = effective_parameter_count(selection.best);
    summary["fp32_accuracy_dense"] = result.dense.accuracy;
    if (result.pruned) {
        summary["fp32_accuracy_pruned"] = result.pruned->accuracy;
    }
    summary["int8_accuracy"] = result.int8.top1();
    if (result.int8_float_layernorm) {
        summary["int8_accuracy_float_layernorm"] = result.int8_float_layernorm->top1();
    }
    summary["evaluated_on"] = test_name;
    summary["evaluation_images"] = result.int8.images;
    summary["arena_bytes"] = real.arena_bytes;
    summary["constant_bytes"] = real.constant_bytes;
    summary["macs"] = real.macs;
    summary["estimated_instructions"] = real.instructions;
    summary["fits"] = fits(real, target);
    summary["onnx"] = result.onnx_path;
    summary["expected_output"] = expected;
    summary["candidates"] = {{"supernet", store.records("supernet").size()},
                             {"selection", store.records("selection").size()}};
    summary["seconds"] = seconds_since(start);
    {
        std::ofstream file(out / "search.json");
        file << summary.dump(2) << "\n";
        TF_CHECK(file.good(), "cannot write '", (out / "search.json").string(), "'");
    }
    write_report(summary, store, compiled, std::nullopt, (out / "report.html").string());

    std::cout << "== result (" << std::fixed << std::setprecision(0) << seconds_since(start) << " s)\n"
              << "int8 accuracy: " << percent(result.int8.top1()) << " (" << result.int8.correct << " of "
              << result.int8.images << " " << test_name << " images, the MCU's C kernels); fp32 "
              << percent(result.fp32_final()) << "\n"
              << "peak SRAM (arena): " << real.arena_bytes << " bytes + " << target.reserved_sram << " reserved of "
              << target.sram_bytes << "; flash (constants): " << real.constant_bytes << " bytes + "
              << target.reserved_flash << " reserved of " << target.flash_bytes << "; " << real.macs << " MACs, "
              << real.instructions << " instructions estimated ("
              << std::setprecision(1) << 1e3 * static_cast<double>(real.instructions) / kClockHz << " ms at "
              << std::setprecision(0) << kClockHz / 1e6 << " MHz)\n"
              << (fits(real, target) ? "fits " : "DOES NOT FIT ") << target.name << "\n"
              << "firmware C in " << (out / "c").string() << "; expected firmware " << expected << "\n"
              << "report: " << (out / "report.html").string() << "\n";
    TF_CHECK(fits(real, target), "the compressed model does not fit ", target.name, ": ",
             describe_misfit(real, target));
}

void run_report(const std::string& out_dir, const std::string& qemu_output)
{
    const fs::path out(out_dir);
    std::ifstream file(out / "search.json");
    TF_CHECK(file.good(), "--out '", out_dir, "': no search.json (run tinyformer search --out ", out_dir, " first)");
    json summary;
    try {
        summary = json::parse(file);
    } catch (const json::exception& e) {
        TF_CHECK(false, "'", (out / "search.json").string(), "': not valid JSON (", e.what(), ")");
    }
    const SearchStore store = SearchStore::open(
        (out / "search.db").string(),
        RunSettings{summary.at("seed").get<uint64_t>(), summary.at("settings").get<std::string>()});
    const engine::CompiledModel compiled =
        engine::compile(engine::import_onnx(summary.at("onnx").get<std::string>()));
    std::optional<FirmwareProfile> profile;
    if (!qemu_output.empty()) {
        std::ifstream q(qemu_output);
        TF_CHECK(q.good(), "--qemu-output '", qemu_output, "': cannot open the file");
        std::stringstream text;
        text << q.rdbuf();
        profile = parse_firmware_profile(text.str());
    }
    write_report(summary, store, compiled, profile, (out / "report.html").string());
    std::cout << "report: " << (out / "report.html").string()
              << (profile && profile->profiled()
                      ? " (" + std::to_string(*profile->total_instructions) + " instructions per inference)"
                      : "")
              << "\n";
}

}  // namespace tinyformer::cli
