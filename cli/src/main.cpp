// The `tinyformer` command line (docs/pipeline.md, docs/search.md).
//   tinyformer pipeline --dataset fashion-mnist --arch fmnist --epochs 3 --prune 0.5 --block 4 --out build/pipeline
//   tinyformer analyze --dataset cifar10 --target stm32f746 --samples 200
//   tinyformer search --dataset fashion-mnist --target stm32f746 --preset quick --out build/search
//   tinyformer report --out build/search --qemu-output build/search/qemu.out
// Stage by stage:
//   tinyformer compress --arch build/search/search.json --epochs 10 --out build/stages
//   tinyformer export --in build/stages
//   tinyformer eval --onnx build/stages/model.onnx
//   tinyformer eval --onnx build/stages/model.onnx --split validation   # compress.json's --validation split
//   tinyformer deploy --onnx build/stages/model.onnx --target stm32f746 --out build/stages
//   tinyformer profile --onnx build/stages/model.onnx --qemu-output build/stages/qemu.out
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>

#include "analyze.h"
#include "cli_common.h"
#include "compress.h"
#include "deploy.h"
#include "eval.h"
#include "export.h"
#include "pipeline.h"
#include "profile.h"
#include "search.h"
#include "tinyformer/engine/error.h"

namespace {

// --target, --sram-kb / --flash-kb and the latency bounds, for every command that checks a fit.
void add_target_options(CLI::App* command, tinyformer::cli::TargetFlags& t)
{
    command->add_option("--target", t.name, "MCU: stm32f746 or stm32h743")->capture_default_str();
    command->add_option("--sram-kb", t.sram_kb, "Explicit SRAM limit in KB (with --flash-kb; overrides --target)")
        ->check(CLI::PositiveNumber);
    command->add_option("--flash-kb", t.flash_kb, "Explicit flash limit in KB (with --sram-kb)")
        ->check(CLI::PositiveNumber);
    command->add_option("--max-macs", t.max_macs, "Latency bound: MACs per inference (0: none)")
        ->check(CLI::NonNegativeNumber);
    command->add_option("--max-instructions", t.max_instructions,
                        "Latency bound: Cortex-M7 instructions per inference as the engine estimates them "
                        "(bench/results/instruction-model.md; 0: none)")
        ->check(CLI::NonNegativeNumber);
}

}  // namespace

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
    add_target_options(analyze, a.target);
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

    tinyformer::cli::SearchOptions so;
    CLI::App* search = app.add_subcommand(
        "search", "The whole flow: search-space analysis, SuperNAS, SparseNAS, compression, int8, firmware C and a "
                  "report, for a dataset and an MCU (resumes a killed run from <out>/search.db)");
    search->add_option("--dataset", so.dataset, "fashion-mnist, cifar10 or imagenet32")->capture_default_str();
    search->add_option("--data", so.data_dir, "Dataset folder (default: Debian's Fashion-MNIST)");
    add_target_options(search, so.target);
    search->add_option("--preset", so.preset, "Budgets: quick (minutes on 2 CPU cores) or paper (the paper's, a GPU)")
        ->check(CLI::IsMember({"quick", "paper"}))->capture_default_str();
    search->add_option("--config", so.config_file, "JSON file changing the preset's budgets and lists (docs/search.md)");
    search->add_option("--out", so.out, "Output folder (search.db, work/, compression/, c/, report.html)")->required();
    search->add_option("--seed", so.seed, "Seed of every random choice")->capture_default_str();
    search->add_option("--threads", so.threads, "LibTorch threads")->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    search->add_option("--evaluate-on", so.evaluate_on,
                       "Final figures on the test split, or on a held-out part of the training split that no stage "
                       "sees (for data without its test split)")
        ->check(CLI::IsMember({"test", "holdout"}))->capture_default_str();
    search->add_flag("--fresh", so.fresh, "Discard the records and checkpoints of an earlier run in --out");

    std::string report_out, report_qemu;
    CLI::App* report = app.add_subcommand("report", "Rebuild <out>/report.html of a search, optionally with the "
                                                    "firmware's per-layer instructions");
    report->add_option("--out", report_out, "The search's output folder")->required();
    report->add_option("--qemu-output", report_qemu, "The firmware's output under QEMU (scripts/firmware_check.sh "
                                                     "writes <out>/qemu.out)");

    tinyformer::cli::CompressOptions co;
    CLI::App* compress = app.add_subcommand(
        "compress", "Train one architecture from scratch and AGP-prune it to its per-layer sparsity (model.pt, "
                    "architecture.json, compress.json; resumes from the folder's checkpoints)");
    compress->add_option("--arch", co.arch,
                         "A name (" + tinyformer::cli::joined(tinyformer::toolkit::architecture_names()) +
                             "), an architecture JSON file (with per-layer sparsity) or a search.json (its chosen "
                             "architecture)")
        ->required();
    compress->add_option("--dataset", co.dataset, "fashion-mnist, cifar10 or imagenet32")->capture_default_str();
    compress->add_option("--data", co.data_dir, "Dataset folder (default: Debian's Fashion-MNIST)");
    compress->add_option("--out", co.out, "Output folder")->required();
    compress->add_option("--epochs", co.training.epochs, "Dense training epochs")->capture_default_str();
    compress->add_option("--prune-epochs", co.training.prune_epochs,
                         "AGP pruning + fine-tuning epochs (default: --epochs)");
    compress->add_option("--lr", co.training.lr, "Peak learning rate (AdamW, cosine)")->capture_default_str();
    compress->add_option("--batch-size", co.training.batch_size, "Training batch size")->capture_default_str();
    compress->add_option("--seed", co.training.seed, "Seed of the initialisation, the data order and the split")
        ->capture_default_str();
    compress->add_option("--threads", co.training.threads, "LibTorch threads")->capture_default_str();
    compress->add_option("--validation", co.validation,
                         "Fraction of the training images held out; the accuracies are measured there (0: on the "
                         "test split)")
        ->capture_default_str();
    compress->add_option("--limit-train", co.limit_train, "Use only the first N training images (0: all)");
    compress->add_option("--limit-test", co.limit_test, "Use only the first N test images (0: all)");

    tinyformer::cli::ExportOptions eo;
    CLI::App* export_command = app.add_subcommand(
        "export", "Fold BatchNorm, calibrate on training images and write the int8 QDQ ONNX of a compress folder");
    export_command->add_option("--in", eo.in, "The --out of tinyformer compress")->required();
    export_command->add_option("--out", eo.out, "Where model.onnx goes (default: --in)");
    export_command->add_option("--dataset", eo.dataset, "Calibration dataset (default: compress.json's)");
    export_command->add_option("--data", eo.data_dir, "Dataset folder (default: compress.json's)");
    export_command->add_option("--calibration-batches", eo.calibration_batches,
                               "Training batches observed for calibration")
        ->capture_default_str();

    tinyformer::cli::EvalOptions vo;
    CLI::App* eval = app.add_subcommand(
        "eval", "Top-1 of an int8 ONNX model on the host interpreter (the firmware's C kernels) or of a compress "
                "folder's float model");
    eval->add_option("--onnx", vo.onnx, "int8 QDQ ONNX model");
    eval->add_option("--checkpoint", vo.checkpoint, "A tinyformer compress folder (fp32 accuracy)");
    eval->add_option("--dataset", vo.dataset,
                     "fashion-mnist, cifar10 or imagenet32 (default: compress.json's, else fashion-mnist)");
    eval->add_option("--data", vo.data_dir,
                     "Dataset folder (default: compress.json's, else Debian's Fashion-MNIST)");
    eval->add_option("--split", vo.split,
                     "test, train or validation (the training images compress held out: --validation, --seed, "
                     "--limit-train)")
        ->capture_default_str();
    eval->add_option("--validation", vo.validation,
                     "--split validation: fraction of the training images held out, as compress's --validation "
                     "(default: compress.json's)");
    eval->add_option("--seed", vo.seed,
                     "--split validation: seed of the split, as compress's --seed (default: compress.json's, else 1)");
    eval->add_option("--limit-train", vo.limit_train,
                     "--split validation: use only the first N training images, as compress's --limit-train (0: all; "
                     "default: compress.json's)");
    eval->add_option("--limit", vo.limit, "Only the first N images of the split (0: all)");
    eval->add_flag("--float-layernorm", vo.float_layernorm,
                   "Every LayerNorm in floating point instead of Scaled-LayerNorm (host-only reference)");
    eval->add_option("--threads", vo.threads, "Interpreters / LibTorch threads (0: one per core / default)");

    tinyformer::cli::DeployOptions dep;
    CLI::App* deploy = app.add_subcommand(
        "deploy", "Compile an int8 ONNX model, check it fits the MCU and emit the firmware C and expected_output.txt");
    deploy->add_option("--onnx", dep.onnx, "int8 QDQ ONNX model")->required();
    deploy->add_option("--out", dep.out, "Output folder (c/, expected_output.txt)")->required();
    add_target_options(deploy, dep.target);
    deploy->add_option("--name", dep.name, "Model name in the C (scripts/firmware_check.sh's MODEL_NAME)")
        ->capture_default_str();

    tinyformer::cli::ProfileOptions po;
    CLI::App* profile = app.add_subcommand(
        "profile", "Per-layer MACs, flash, SRAM and kernel of an int8 ONNX model against the MCU; with the firmware's "
                   "QEMU output also the instructions per layer");
    profile->add_option("--onnx", po.onnx, "int8 QDQ ONNX model")->required();
    add_target_options(profile, po.target);
    profile->add_option("--qemu-output", po.qemu_output,
                        "The firmware's output under QEMU (scripts/firmware_check.sh writes <out>/qemu.out)");

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
        if (search->parsed()) {
            tinyformer::cli::run_search(so);
        }
        if (report->parsed()) {
            tinyformer::cli::run_report(report_out, report_qemu);
        }
        if (compress->parsed()) {
            tinyformer::cli::run_compress(co);
        }
        if (export_command->parsed()) {
            tinyformer::cli::run_export(eo);
        }
        if (eval->parsed()) {
            tinyformer::cli::run_eval(vo);
        }
        if (deploy->parsed()) {
            tinyformer::cli::run_deploy(dep);
        }
        if (profile->parsed()) {
            tinyformer::cli::run_profile(po);
        }
    } catch (const std::exception& e) {
        const std::string command = app.get_subcommands().empty() ? "" : " " + app.get_subcommands()[0]->get_name();
        std::cerr << "tinyformer" << command << ": error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
