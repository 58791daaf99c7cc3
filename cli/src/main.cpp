// The `tinyformer` command line (docs/pipeline.md).
//   tinyformer pipeline --dataset fashion-mnist --arch fmnist --epochs 3 --prune 0.5 --block 4 --out build/pipeline
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

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
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        if (pipeline->parsed()) {
            tinyformer::cli::run_pipeline(p);
        }
    } catch (const tinyformer::engine::Error& e) {
        std::cerr << "tinyformer pipeline: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "tinyformer pipeline: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
