// tinyformer compress: architecture -> trained, AGP-pruned float model (candidate.h train_and_prune).
#include "compress.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/architecture_json.h"
#include "tinyformer/toolkit/candidate.h"

namespace tinyformer::cli {
namespace fs = std::filesystem;
using namespace tinyformer::toolkit;

namespace {

void check_options(const CompressOptions& o)
{
    TF_CHECK(!o.arch.empty(), "--arch: an architecture name or JSON file is required");
    TF_CHECK(!o.out.empty(), "--out: an output folder is required");
    const CandidateOptions& t = o.training;
    TF_CHECK(t.epochs >= 1, "--epochs = ", t.epochs, " must be >= 1");
    TF_CHECK(t.prune_epochs == -1 || t.prune_epochs >= 1, "--prune-epochs = ", t.prune_epochs, " must be >= 1");
    TF_CHECK(t.lr > 0, "--lr = ", t.lr, " must be > 0");
    TF_CHECK(t.batch_size >= 1, "--batch-size = ", t.batch_size, " must be >= 1");
    TF_CHECK(t.threads >= 0, "--threads = ", t.threads, " must be >= 0 (0: LibTorch's default)");
}

void write_text(const std::string& text, const fs::path& path)
{
    std::ofstream file(path);
    file << text << "\n";
    TF_CHECK(file.good(), "cannot write '", path.string(), "'");
}

}  // namespace

void run_compress(const CompressOptions& o)
{
    check_options(o);
    const auto start = std::chrono::steady_clock::now();
    ArchConfig config = architecture_of(o.arch);
    const TrainingData data = training_data(o.dataset, o.data_dir, o.limit_train, o.validation, o.training.seed);
    const bool on_validation = data.validation != nullptr;
    const auto evaluation =
        on_validation ? data.validation
                      : first_images(open_dataset(data.kind, o.data_dir, Split::Test), o.limit_test, "--limit-test");
    const std::string evaluated_on = on_validation ? "validation" : "test";
    check_input_shape(config, *data.train, "--arch '" + o.arch + "'");
    config.classes = data.train->num_classes();
    int64_t parameters = 0, effective = 0;
    try {
        parameters = parameter_count(config);
        effective = effective_parameter_count(config);
    } catch (const engine::Error& e) {
        TF_CHECK(false, "--arch '", o.arch, "': not a buildable architecture: ", e.what());
    }
    std::cout << "== data: " << to_string(data.kind) << ", " << data.train->size() << " training images; accuracies on "
              << evaluation->size() << " " << evaluated_on << " images\n"
              << "== model: --arch " << o.arch << ", " << parameters << " parameters"
              << (has_sparsity(config) ? ", " + std::to_string(effective) + " after pruning to its sparsity"
                                       : " (no per-layer sparsity: dense)")
              << "\n"
              << std::flush;

    SinglePathModel model(config, ModelOptions{true, o.training.seed});
    CandidateOptions options = o.training;
    options.work_dir = o.out;
    options.log = [](const std::string& line) { std::cout << line << "\n" << std::flush; };
    const TrainingResult r =
        train_and_prune(model, CandidateData{data.kind, data.train, data.validation, evaluation}, options);

    const fs::path out(o.out);
    write_text(to_json(config), out / "architecture.json");
    nlohmann::json summary;
    summary["arch"] = o.arch;
    summary["dataset"] = to_string(data.kind);
    summary["data_dir"] = o.data_dir.empty() ? "" : fs::absolute(o.data_dir).string();  // export may run elsewhere
    summary["limit_train"] = o.limit_train;
    summary["validation"] = o.validation;
    summary["seed"] = options.seed;
    summary["batch_size"] = options.batch_size;
    summary["train_images"] = data.train->size();
    summary["evaluated_on"] = evaluated_on;
    summary["evaluation_images"] = evaluation->size();
    summary["epochs"] = options.epochs;
    summary["parameters"] = parameters;
    summary["effective_parameters"] = effective;
    summary["fp32_accuracy_dense"] = r.dense.accuracy;
    std::cout << "fp32 accuracy (dense): " << percent(r.dense.accuracy) << " (" << r.dense.examples << " "
              << evaluated_on << " images)\n";
    if (r.pruned) {
        const double zero_fraction =
            static_cast<double>(r.pruned_weights) / static_cast<double>(std::max<int64_t>(1, r.prunable_weights));
        std::cout << "pruned blocks: " << r.pruned_blocks << " of " << r.blocks << "; zero weights: "
                  << r.pruned_weights << " of " << r.prunable_weights << " prunable (" << percent(zero_fraction)
                  << ")\n"
                  << "fp32 accuracy (pruned): " << percent(r.pruned->accuracy) << "\n";
        summary["prune_epochs"] = options.prune_epochs == -1 ? options.epochs : options.prune_epochs;
        summary["blocks"] = r.blocks;
        summary["pruned_blocks"] = r.pruned_blocks;
        summary["prunable_weights"] = r.prunable_weights;
        summary["pruned_weights"] = r.pruned_weights;
        summary["fp32_accuracy_pruned"] = r.pruned->accuracy;
    }
    summary["fp32_accuracy_final"] = r.fp32_final();
    summary["seconds"] = seconds_since(start);
    write_text(summary.dump(2), out / "compress.json");
    std::cout << "== " << r.checkpoint_path << ", " << (out / "architecture.json").string() << ", "
              << (out / "compress.json").string() << "\n"
              << "next: tinyformer export --in " << o.out << "\n";
}

}  // namespace tinyformer::cli
