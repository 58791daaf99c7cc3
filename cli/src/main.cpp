// The `tinyformer` command line (docs/pipeline.md, docs/search.md).
//   tinyformer pipeline --dataset fashion-mnist --arch fmnist --epochs 3 --prune 0.5 --block 4 --out build/pipeline
//   tinyformer analyze --dataset cifar10 --target stm32f746 --samples 200
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>

#include "analyze.h"
#include "pipeline.h"
#include "tinyformer/engine/error.h"

int main(int argc, char** argv)
{
    CLI::App app{"TinyFormer: train, prune, quantize and compile tiny transformers for microcontrollers"};
    app.require_subcommand(1);

    tinyformer::cli::PipelineOptions p;
    CLI::App* pipeline = app.add_subcommand(
        "pipeline", "Train a fixed single path, AGP-prune, fold BatchNorm, calibrate, export int8 ONNX, compile, "
                    "measure fp32 / int8 accuracy and emit the firmware C");
    pipeline->add_option("--dataset", p.dataset, "Dataset: fashion-mnist, cifar10 or imagenet32 (the arch must take its image shape)")
        ->capture_default_str();
    pipeline->add_option("--data", p.data_dir, "Dataset folder (default: Debian's /usr/share/datasets/fashion-mnist)");
    pipeline->add_option("--arch", p.arch, "Architecture")->check(CLI::IsMember(tinyformer::toolkit::architecture_names()))
        ->capture_default_str();
    pipeline->add_option("--epochs", p.epochs, "Dense training epochs")->check(CLI::PositiveNumber)
        ->capture_default_str();
    pipeline->add_option("--prune", p.prune, "Final blockwise sparsity rho in [0, 1); 0: no pruning")
        ->check(CLI::Range(0.0, 0.999))->capture_default_str();
    pipeline->add_option("--block", p.block, "Pruning block along input channels (3x3 convolutions use 3)")
        ->check(CLI::IsMember({2, 4}))->capture_default_str();
    pipeline->add_option("--dense-below", p.dense_below,
                         "Layers with fewer weights stay dense; the rest are pruned so that --prune is the fraction "
                         "of all prunable weights (0: every layer at --prune)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    pipeline->add_option("--prune-epochs", p.prune_epochs, "AGP pruning + fine-tuning epochs (default: --epochs)")
        ->check(CLI::PositiveNumber);
    pipeline->add_option("--out", p.out, "Output folder (checkpoints, model.onnx, c/, summary.json)")->required();
    pipeline->add_option("--limit-train", p.limit_train, "Use only the first N training images (0: all)")
        ->check(CLI::NonNegativeNumber);
    pipeline->add_option("--limit-test", p.limit_test, "Use only the first N test images (0: all)")
        ->check(CLI::NonNegativeNumber);
    pipeline->add_option("--threads", p.threads, "LibTorch threads")->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    pipeline->add_option("--seed", p.seed, "Seed of the initialisation and the data order")->capture_default_str();
    pipeline->add_option("--batch-size", p.batch_size, "Training batch size")->check(CLI::PositiveNumber)
        ->capture_default_str();
    pipeline->add_option("--lr", p.lr, "Peak learning rate (AdamW, cosine)")->check(CLI::PositiveNumber)
        ->capture_default_str();
    pipeline->add_option("--calibration-batches", p.calibration_batches, "Training batches observed for calibration")
        ->check(CLI::PositiveNumber)->capture_default_str();

    pipeline->add_option("--validation", p.validation,
                         "Fraction of the training images held out, evaluated after every epoch (history.csv)")
        ->check(CLI::Range(0.0, 0.99))->capture_default_str();
    pipeline->add_option("--evaluate-on", p.evaluate_on,
                         "Final fp32 / int8 accuracies on the test split or the validation split (for a dataset "
                         "without its test batch)")
        ->check(CLI::IsMember({"test", "validation"}))->capture_default_str();
    tinyformer::cli::AnalyzeOptions a;
    CLI::App* analyze = app.add_subcommand(
        "analyze", "SuperNAS search-space analysis (Alg. 1): how many sampled sparse single paths fit the target "
                   "with a sensible capacity; adjusts the dimension lists (eqs. 1-3) until 90% do");
    analyze->add_option("--dataset", a.dataset, "Input shape and classes: fashion-mnist, cifar10 or imagenet32")
        ->capture_default_str();
    analyze->add_option("--target", a.target, "MCU: stm32f746 or stm32h743")->capture_default_str();
    analyze->add_option("--sram-kb", a.sram_kb, "Explicit SRAM limit in KB (with --flash-kb; overrides --target)")
        ->check(CLI::PositiveNumber);
    analyze->add_option("--flash-kb", a.flash_kb, "Explicit flash limit in KB (with --sram-kb)")
        ->check(CLI::PositiveNumber);
    analyze->add_option("--samples", a.samples, "Sampled (c_sup, c_spa) per round")->check(CLI::PositiveNumber)
        ->capture_default_str();
    analyze->add_option("--rounds", a.rounds, "Analyses at most (1: no adjustment)")->check(CLI::PositiveNumber)
        ->capture_default_str();
    analyze->add_option("--min-probability", a.min_probability, "Acceptance probability that accepts the space")
        ->check(CLI::Range(0.01, 1.0))->capture_default_str();
    analyze->add_option("--lambda-lo", a.lambda_lo, "Lower capacity bound, times the SRAM limit in bytes")
        ->capture_default_str();
    analyze->add_option("--lambda-up", a.lambda_up, "Upper capacity bound, times the SRAM limit in bytes")
        ->capture_default_str();
    analyze->add_option("--seed", a.seed, "Seed of the sampling")->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        if (pipeline->parsed()) {
            tinyformer::cli::run_pipeline(p);
        }
        if (analyze->parsed()) {
            return tinyformer::cli::run_analyze(a);
        }
    } catch (const std::exception& e) {
        const std::string command = app.get_subcommands().empty() ? "" : " " + app.get_subcommands()[0]->get_name();
        std::cerr << "tinyformer" << command << ": error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
