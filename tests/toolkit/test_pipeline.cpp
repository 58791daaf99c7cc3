// `tinyformer pipeline` end to end on a tiny generated Fashion-MNIST-format
// dataset (idx files written here): --arch tiny, 1 epoch, AGP pruning to 0.5.
// The exported ONNX imports and compiles, the int8 accuracy is printed, the C
// is emitted, and that C compiled for the host with cc prints exactly the
// bytes the host interpreter gave (expected_output.txt). Bad input gives an
// error message and a non-zero exit status.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/instruction_model.h"
#include "tinyformer/engine/model_report.h"
#include "tinyformer/engine/onnx_import.h"
#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/architecture_json.h"

namespace {
namespace fs = std::filesystem;

void put_u32(std::ofstream& out, uint32_t v)
{
    const unsigned char bytes[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                    static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
    out.write(reinterpret_cast<const char*>(bytes), 4);
}

// `count` 28x28 images whose brightness pattern depends on the label (so that
// training has something to learn), in idx3 / idx1 files.
void write_split(const fs::path& dir, const std::string& prefix, uint32_t count, uint32_t seed)
{
    std::ofstream images(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
    std::ofstream labels(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
    put_u32(images, 0x00000803u);
    put_u32(images, count);
    put_u32(images, 28);
    put_u32(images, 28);
    put_u32(labels, 0x00000801u);
    put_u32(labels, count);
    uint32_t state = seed;
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t label = i % 10;
        labels.put(static_cast<char>(label));
        for (uint32_t y = 0; y < 28; ++y) {
            for (uint32_t x = 0; x < 28; ++x) {
                state = state * 1103515245u + 12345u;
                const bool lit = ((x / 3 + y / 3 * label) % 10) < label + 1;
                images.put(static_cast<char>((lit ? 160u : 20u) + ((state >> 24) & 63u)));
            }
        }
    }
}

std::string read_text(const fs::path& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs `command` with stdout and stderr into `log`; returns the exit status.
int run(const std::string& command, const fs::path& log)
{
    return std::system((command + " > " + log.string() + " 2>&1").c_str());
}

std::string output_line(const std::string& text)
{
    const size_t at = text.find("output:");
    if (at == std::string::npos) {
        return "";
    }
    const size_t end = text.find('\n', at);
    std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
        line.pop_back();
    }
    return line;
}

// Compiles <out>/c with firmware/model_main.c for the host (cc) into
// <work>/model_host, runs it (its output in <work>/host.log: the firmware's
// lines, without instructions) and expects the bytes of
// <out>/expected_output.txt.
void expect_host_c_prints_expected_output(const fs::path& out, const fs::path& work)
{
    const fs::path c = out / "c";
    for (const char* file : {"model.h", "model.c", "model_weights.c", "model_weights.h"}) {
        ASSERT_TRUE(fs::exists(c / file)) << file;
    }
    const fs::path source(TF_SOURCE_DIR);
    const std::string compile = "cc -std=c99 -Wall -Wextra -Werror -pedantic -O1 " + std::string(TF_HOST_C_FLAGS) +
                                " -DMODEL_PROFILE_HOOK=model_profile_hook -I" + c.string() + " -I" +
                                (source / "runtime/include").string() + " " + (c / "model.c").string() + " " +
                                (c / "model_weights.c").string() + " " + (source / "firmware/model_main.c").string() +
                                " " + TF_RUNTIME_LIBRARY + " -o " + (work / "model_host").string();
    ASSERT_EQ(run(compile, work / "cc.log"), 0) << compile << "\n" << read_text(work / "cc.log");
    ASSERT_EQ(run((work / "model_host").string(), work / "host.log"), 0) << read_text(work / "host.log");
    const std::string expected = output_line(read_text(out / "expected_output.txt"));
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(output_line(read_text(work / "host.log")), expected);
}

class PipelineTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        root_ = fs::temp_directory_path() / ("tinyformer_pipeline_test_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "data");
        write_split(root_ / "data", "train", 96, 1);
        write_split(root_ / "data", "t10k", 40, 2);
        const std::string command = std::string(TF_TINYFORMER_EXE) + " pipeline --dataset fashion-mnist --data " +
                                    (root_ / "data").string() + " --arch tiny --epochs 1 --prune 0.5 --block 4" +
                                    " --validation 0.25 --batch-size 32 --threads 2 --calibration-batches 2 --out " +
                                    (root_ / "out").string();
        status_ = run(command, root_ / "pipeline.log");
        log_ = read_text(root_ / "pipeline.log");
    }
    static void TearDownTestSuite()
    {
        if (!::testing::Test::HasFailure()) {
            fs::remove_all(root_);
        }
    }

    static fs::path root_;
    static int status_;
    static std::string log_;
};
fs::path PipelineTest::root_;
int PipelineTest::status_ = -1;
std::string PipelineTest::log_;

TEST_F(PipelineTest, RunsAndPrintsTheFigures)
{
    ASSERT_EQ(status_, 0) << log_;
    EXPECT_NE(log_.find("fp32 accuracy (dense): "), std::string::npos) << log_;
    EXPECT_NE(log_.find("fp32 accuracy (pruned 0.5): "), std::string::npos) << log_;
    EXPECT_NE(log_.find("int8 accuracy: "), std::string::npos) << log_;
    EXPECT_NE(log_.find("of 40 test images, HostInterpreter"), std::string::npos) << log_;
    EXPECT_NE(log_.find("peak SRAM (arena): "), std::string::npos) << log_;
    EXPECT_TRUE(fs::exists(root_ / "out" / "summary.json"));
    EXPECT_TRUE(fs::exists(root_ / "out" / "train.ckpt"));
    EXPECT_TRUE(fs::exists(root_ / "out" / "prune.ckpt"));
}

// history.csv: one row per epoch of each phase, with the validation figures of
// the 24 held-out images; the float-LayerNorm reference accuracy is printed.
TEST_F(PipelineTest, WritesTheEpochHistoryWithValidation)
{
    ASSERT_EQ(status_, 0) << log_;
    EXPECT_NE(log_.find("72 training, 24 validation and 40 test images"), std::string::npos) << log_;
    EXPECT_NE(log_.find("int8 accuracy with float LayerNorm in place of Scaled-LayerNorm: "), std::string::npos)
        << log_;
    std::ifstream file(root_ / "out" / "history.csv");
    std::string line;
    ASSERT_TRUE(std::getline(file, line));
    EXPECT_EQ(line, "phase,epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,lr,seconds,"
                    "images_per_second");
    std::vector<std::string> phases;
    while (std::getline(file, line)) {
        std::vector<std::string> cells;
        std::stringstream row(line);
        for (std::string cell; std::getline(row, cell, ',');) {
            cells.push_back(cell);
        }
        ASSERT_EQ(cells.size(), 9u) << line;
        phases.push_back(cells[0] + " " + cells[1]);
        const double validation_accuracy = std::stod(cells[5]);
        EXPECT_GE(validation_accuracy, 0.0) << line;
        EXPECT_LE(validation_accuracy, 1.0) << line;
        EXPECT_NEAR(validation_accuracy * 24.0, std::round(validation_accuracy * 24.0), 1e-3) << "not k/24: " << line;
    }
    EXPECT_EQ(phases, (std::vector<std::string>{"dense 1", "agp 1"}));
}

TEST_F(PipelineTest, ExportedOnnxImportsAndCompiles)
{
    ASSERT_EQ(status_, 0) << log_;
    const auto graph = tinyformer::engine::import_onnx((root_ / "out" / "model.onnx").string());
    const auto model = tinyformer::engine::compile(graph);
    EXPECT_GT(model.arena_bytes(), 0);
    EXPECT_GT(model.constant_bytes(), 0);
}

TEST_F(PipelineTest, EmittedCOnTheHostPrintsTheInterpreterBytes)
{
    ASSERT_EQ(status_, 0) << log_;
    expect_host_c_prints_expected_output(root_ / "out", root_);
}

TEST_F(PipelineTest, MissingDatasetAndBadFlagsAreErrors)
{
    const fs::path log = root_ / "error.log";
    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " pipeline --data " + (root_ / "nowhere").string() +
                      " --arch tiny --epochs 1 --out " + (root_ / "out_missing").string(),
                  log),
              0);
    EXPECT_NE(read_text(log).find("error: "), std::string::npos) << read_text(log);
    EXPECT_NE(read_text(log).find("nowhere"), std::string::npos) << read_text(log);

    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " pipeline --arch huge --out x", log), 0);
    EXPECT_NE(read_text(log).find("--arch"), std::string::npos) << read_text(log);
    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " pipeline --evaluate-on validation --out x", log), 0);
    EXPECT_NE(read_text(log).find("--validation"), std::string::npos) << read_text(log);
    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " pipeline --prune 1.5 --out x", log), 0);
    EXPECT_NE(read_text(log).find("--prune"), std::string::npos) << read_text(log);
    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " pipeline --data " + (root_ / "data").string() +
                      " --arch tiny --limit-train 1000 --out " + (root_ / "out_limit").string(),
                  log),
              0);
    EXPECT_NE(read_text(log).find("--limit-train = 1000 exceeds the 96 images"), std::string::npos) << read_text(log);
}

// `tinyformer analyze`: one round of Alg. 1 on the Fashion-MNIST space prints
// its counts and a verdict (exit 0 accepted, 2 not); bad limits are errors.
TEST(AnalyzeCommand, PrintsTheRoundAndTheVerdict)
{
    const fs::path log = fs::temp_directory_path() / ("tinyformer_analyze_" + std::to_string(::getpid()) + ".log");
    const int status = run(std::string(TF_TINYFORMER_EXE) + " analyze --dataset fashion-mnist --samples 12 --rounds 1", log);
    const std::string text = read_text(log);
    ASSERT_TRUE(WIFEXITED(status)) << text;
    EXPECT_TRUE(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 2) << text;
    EXPECT_NE(text.find("of 12 samples fit"), std::string::npos) << text;
    EXPECT_NE(text.find("262144 to 917504 effective parameters"), std::string::npos) << text;  // 0.8, 2.8 x 320 KB
    EXPECT_NE(text.find(WEXITSTATUS(status) == 0 ? "accepted after 1 round" : "not accepted after 1 round"),
              std::string::npos)
        << text;

    // A latency bound no path meets: none of the samples fits.
    run(std::string(TF_TINYFORMER_EXE) + " analyze --dataset fashion-mnist --samples 12 --rounds 1 "
        "--max-instructions 1000",
        log);
    EXPECT_NE(read_text(log).find(" 0 of 12 samples fit"), std::string::npos) << read_text(log);

    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " analyze --target esp32", log), 0);
    EXPECT_NE(read_text(log).find("stm32f746"), std::string::npos) << read_text(log);
    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " analyze --sram-kb 256", log), 0);
    EXPECT_NE(read_text(log).find("--flash-kb"), std::string::npos) << read_text(log);
    fs::remove(log);
}

// `tinyformer search` on the tiny idx data with a config that makes every
// stage minimal: it writes the firmware C, the report and search.json, and a
// second run resumes every evaluation from search.db.
class SearchCommandTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        root_ = fs::temp_directory_path() / ("tinyformer_search_test_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "data");
        write_split(root_ / "data", "train", 96, 3);
        write_split(root_ / "data", "t10k", 40, 4);
        std::ofstream(root_ / "tiny.json")
            << R"({"search_images": 0, "validation": 0.25, "batch_size": 32, "analysis": {"samples": 3},
                  "space": {"dot1_dims": [8], "dot2_dims": [16, 24], "last_dims": [16], "heads": [2],
                            "mbv2_counts": [1], "transformer_counts": [1], "expansions": [2],
                            "sparsities": [0, 0.5], "blocks": [2, 4]},
                  "supernet": {"population": 2, "iterations": 1, "parents": 1, "mutations": 1, "crossovers": 0,
                               "epochs": 1, "test_paths": 3, "eval_paths": 1},
                  "selection": {"population": 2, "iterations": 1, "parents": 1, "mutations": 1, "crossovers": 0,
                                "epochs": 1, "prune_epochs": 1},
                  "compression": {"epochs": 1, "prune_epochs": 1}})";
        command_ = std::string(TF_TINYFORMER_EXE) + " search --data " + (root_ / "data").string() + " --config " +
                   (root_ / "tiny.json").string() + " --threads 1 --out " + (root_ / "out").string();
        status_ = run(command_, root_ / "search.log");
        log_ = read_text(root_ / "search.log");
    }
    static void TearDownTestSuite()
    {
        if (!::testing::Test::HasFailure()) {
            fs::remove_all(root_);
        }
    }

    static fs::path root_;
    static std::string command_, log_;
    static int status_;
};
fs::path SearchCommandTest::root_;
std::string SearchCommandTest::command_;
std::string SearchCommandTest::log_;
int SearchCommandTest::status_ = -1;

TEST_F(SearchCommandTest, RunsEveryStageAndWritesTheDeployables)
{
    ASSERT_EQ(status_, 0) << log_;
    for (const char* stage : {"== search-space analysis", "== SuperNAS", "== SparseNAS selection", "== compression",
                              "int8 accuracy: ", "fits stm32f746"}) {
        EXPECT_NE(log_.find(stage), std::string::npos) << stage << "\n" << log_;
    }
    for (const char* file : {"search.db", "search.json", "report.html", "expected_output.txt", "c/model.c"}) {
        EXPECT_TRUE(fs::exists(root_ / "out" / file)) << file;
    }
    const std::string report = read_text(root_ / "out" / "report.html");
    EXPECT_NE(report.find("<svg"), std::string::npos);
    EXPECT_NE(read_text(root_ / "out" / "search.json").find("\"fits\": true"), std::string::npos);
}

TEST_F(SearchCommandTest, ASecondRunResumesEveryEvaluation)
{
    ASSERT_EQ(status_, 0) << log_;
    const std::string first_output = read_text(root_ / "out" / "expected_output.txt");
    ASSERT_EQ(run(command_, root_ / "again.log"), 0) << read_text(root_ / "again.log");
    const std::string again = read_text(root_ / "again.log");
    EXPECT_NE(again.find("iteration 0: 2 evaluated (2 from the store)"), std::string::npos) << again;
    EXPECT_EQ(again.find("shared parameters)"), std::string::npos) << "a supernet was trained again:\n" << again;
    // The compression resumed from its checkpoints: the same model, the same firmware bytes.
    EXPECT_EQ(read_text(root_ / "out" / "expected_output.txt"), first_output);
    EXPECT_EQ(run(std::string(TF_TINYFORMER_EXE) + " report --out " + (root_ / "out").string(), root_ / "report.log"),
              0)
        << read_text(root_ / "report.log");
}

// The process killed mid-search (TINYFORMER_EXIT_AFTER ends it abruptly after a
// given progress line: after the first SparseNAS candidate, then during the
// compression's AGP) and started again each time ends with the same model,
// bit for bit, as the uninterrupted run of the fixture, and redoes no
// finished evaluation.
TEST_F(SearchCommandTest, AKilledSearchResumesToTheUninterruptedResult)
{
    ASSERT_EQ(status_, 0) << log_;
    const std::string out = (root_ / "killed").string();
    const std::string command = std::string(TF_TINYFORMER_EXE) + " search --data " + (root_ / "data").string() +
                                " --config " + (root_ / "tiny.json").string() + " --threads 1 --out " + out;
    EXPECT_NE(run("TINYFORMER_EXIT_AFTER='candidate [' " + command, root_ / "kill1.log"), 0);
    const std::string first = read_text(root_ / "kill1.log");
    ASSERT_NE(first.find("candidate ["), std::string::npos) << first;
    EXPECT_EQ(first.find("== compression"), std::string::npos) << "not killed in the selection:\n" << first;
    EXPECT_NE(run("TINYFORMER_EXIT_AFTER='== AGP pruning' " + command, root_ / "kill2.log"), 0);
    const std::string second = read_text(root_ / "kill2.log");
    EXPECT_NE(second.find("(2 from the store)"), std::string::npos) << "the supernets were evaluated again:\n" << second;
    EXPECT_NE(second.find("== AGP pruning"), std::string::npos) << second;
    EXPECT_FALSE(fs::exists(fs::path(out) / "search.json")) << "the second run was not killed";
    ASSERT_EQ(run(command, root_ / "kill3.log"), 0) << read_text(root_ / "kill3.log");
    const std::string last = read_text(root_ / "kill3.log");
    EXPECT_EQ(last.find("shared parameters)"), std::string::npos) << "a supernet was trained again:\n" << last;
    EXPECT_EQ(read_text(fs::path(out) / "expected_output.txt"), read_text(root_ / "out" / "expected_output.txt"));
    const auto int8_line = [](const std::string& text) {
        return text.substr(text.find("int8 accuracy: ")).substr(0, 40);
    };
    EXPECT_EQ(int8_line(last), int8_line(log_));
}

// Data given without its test split (CIFAR-10's training batches alone): the
// final figures come from a held-out part of the training split.
TEST_F(SearchCommandTest, HoldoutEvaluationNeedsNoTestSplit)
{
    const fs::path data = root_ / "train_only";
    fs::create_directories(data);
    for (const char* file : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}) {
        fs::copy_file(root_ / "data" / file, data / file, fs::copy_options::overwrite_existing);
    }
    const std::string search = std::string(TF_TINYFORMER_EXE) + " search --data " + data.string() + " --config " +
                               (root_ / "tiny.json").string() + " --threads 1 --out ";
    EXPECT_NE(run(search + (root_ / "no_test").string(), root_ / "no_test.log"), 0);
    EXPECT_NE(read_text(root_ / "no_test.log").find("t10k"), std::string::npos) << read_text(root_ / "no_test.log");

    ASSERT_EQ(run(search + (root_ / "holdout").string() + " --evaluate-on holdout", root_ / "holdout.log"), 0)
        << read_text(root_ / "holdout.log");
    // validation 0.25 of 96 images held out (24), then 0.25 of the other 72 for validation (18), 54 to train.
    const std::string log = read_text(root_ / "holdout.log");
    EXPECT_NE(log.find("54 training (54 for the search stages), 18 validation, 24 held-out images"), std::string::npos)
        << log;
    EXPECT_NE(log.find(" of 24 held-out images, the MCU's C kernels"), std::string::npos) << log;
    const std::string summary = read_text(root_ / "holdout" / "search.json");
    EXPECT_NE(summary.find("\"evaluated_on\": \"held-out\""), std::string::npos) << summary;
    EXPECT_NE(summary.find("\"evaluation_images\": 24"), std::string::npos) << summary;
    EXPECT_NE(run(search + (root_ / "bad").string() + " --evaluate-on validation", root_ / "bad_eval.log"), 0);
    EXPECT_NE(read_text(root_ / "bad_eval.log").find("--evaluate-on"), std::string::npos)
        << read_text(root_ / "bad_eval.log");
}

TEST_F(SearchCommandTest, BadConfigAndFlagsAreErrors)
{
    const fs::path log = root_ / "bad.log";
    std::ofstream(root_ / "bad.json") << R"({"supernet": {"epoch": 3}})";
    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " search --config " + (root_ / "bad.json").string() + " --out " +
                      (root_ / "bad").string(),
                  log),
              0);
    EXPECT_NE(read_text(log).find("unknown key 'epoch'"), std::string::npos) << read_text(log);
    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " search --sram-kb 100 --out " + (root_ / "bad").string(), log), 0);
    EXPECT_NE(read_text(log).find("--flash-kb"), std::string::npos) << read_text(log);
    EXPECT_NE(run(std::string(TF_TINYFORMER_EXE) + " report --out " + (root_ / "nowhere").string(), log), 0);
    EXPECT_NE(read_text(log).find("search.json"), std::string::npos) << read_text(log);
}

// The stage subcommands one after the other on the tiny idx data: compress
// (--arch tiny with a per-layer sparsity JSON, 1 + 1 epochs) -> export ->
// eval / deploy / profile, each checked against what the engine computes
// from the same files; a second compress holds out a validation split that
// eval --split validation rebuilds; bad input names the flag and the value.
class StageCommandsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        root_ = fs::temp_directory_path() / ("tinyformer_stages_test_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "data");
        write_split(root_ / "data", "train", 96, 5);
        write_split(root_ / "data", "t10k", 40, 6);
        // Half of every prunable layer's blocks, but the stem stays dense: a per-layer sparsity.
        tinyformer::toolkit::ArchConfig config = tinyformer::toolkit::named_architecture("tiny");
        config.set_uniform_sparsity(0.5f, 4);
        config.sparsity.erase(tinyformer::toolkit::layers(config).front().name);
        arch_json_ = tinyformer::toolkit::to_json(config);
        std::ofstream(root_ / "arch.json") << arch_json_;
        compress_command_ = "compress --arch " + (root_ / "arch.json").string() + " --data " + data() +
                            " --epochs 1 --prune-epochs 1 --batch-size 32 --threads 2 --out " + model_dir().string();
        compress_status_ = tinyformer(compress_command_, root_ / "compress.log");
        compress_log_ = read_text(root_ / "compress.log");
        export_status_ = tinyformer("export --in " + model_dir().string() + " --calibration-batches 2",
                                    root_ / "export.log");
        export_log_ = read_text(root_ / "export.log");
        // The same model held out a validation split of the first 80 training images: 20 of them, by seed 3.
        held_out_status_ = tinyformer("compress --arch " + (root_ / "arch.json").string() + " --data " + data() +
                                          " --epochs 1 --prune-epochs 1 --batch-size 32 --threads 2 --validation 0.25" +
                                          " --seed 3 --limit-train 80 --out " + held_out_dir().string(),
                                      root_ / "held_out_compress.log");
        held_out_log_ = read_text(root_ / "held_out_compress.log");
        if (held_out_status_ == 0) {
            held_out_status_ = tinyformer("export --in " + held_out_dir().string() + " --calibration-batches 2",
                                          root_ / "held_out_export.log");
            held_out_log_ += read_text(root_ / "held_out_export.log");
        }
    }
    static void TearDownTestSuite()
    {
        if (!::testing::Test::HasFailure()) {
            fs::remove_all(root_);
        }
    }

    static int tinyformer(const std::string& arguments, const fs::path& log)
    {
        return run(std::string(TF_TINYFORMER_EXE) + " " + arguments, log);
    }
    static std::string data() { return (root_ / "data").string(); }
    static fs::path model_dir() { return root_ / "model"; }
    static std::string onnx() { return (model_dir() / "model.onnx").string(); }
    static fs::path held_out_dir() { return root_ / "held_out"; }
    // A folder with only `files` of the held-out compress folder: no compress.json.
    static fs::path bare_copy(const std::string& name, const std::vector<std::string>& files)
    {
        const fs::path bare = root_ / name;
        fs::create_directories(bare);
        for (const std::string& file : files) {
            fs::copy_file(held_out_dir() / file, bare / file, fs::copy_options::overwrite_existing);
        }
        return bare;
    }

    // The line of `text` that starts with `label`, or "".
    static std::string line_starting(const std::string& text, const std::string& label)
    {
        std::stringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind(label, 0) == 0) {
                return line;
            }
        }
        return "";
    }
    // The percentage after `label` at the start of a line of `text`; -1 when absent.
    static double percent_after(const std::string& text, const std::string& label)
    {
        const std::string line = line_starting(text, label);
        return line.empty() ? -1.0 : std::stod(line.substr(label.size()));
    }

    static fs::path root_;
    static std::string arch_json_, compress_command_, compress_log_, export_log_, held_out_log_;
    static int compress_status_, export_status_, held_out_status_;
};
fs::path StageCommandsTest::root_;
std::string StageCommandsTest::arch_json_;
std::string StageCommandsTest::compress_command_;
std::string StageCommandsTest::compress_log_;
std::string StageCommandsTest::export_log_;
int StageCommandsTest::compress_status_ = -1;
int StageCommandsTest::export_status_ = -1;
std::string StageCommandsTest::held_out_log_;
int StageCommandsTest::held_out_status_ = -1;

TEST_F(StageCommandsTest, CompressTrainsPrunesAndWritesTheFolder)
{
    ASSERT_EQ(compress_status_, 0) << compress_log_;
    for (const char* file : {"model.pt", "architecture.json", "compress.json", "train.ckpt", "prune.ckpt"}) {
        EXPECT_TRUE(fs::exists(model_dir() / file)) << file << "\n" << compress_log_;
    }
    std::string written = read_text(model_dir() / "architecture.json");
    while (!written.empty() && written.back() == '\n') {
        written.pop_back();
    }
    EXPECT_EQ(written, arch_json_) << "architecture.json is not the --arch file's config";
    const double dense = percent_after(compress_log_, "fp32 accuracy (dense): ");
    const double pruned = percent_after(compress_log_, "fp32 accuracy (pruned): ");
    EXPECT_GE(dense, 0.0) << compress_log_;
    EXPECT_LE(dense, 100.0) << compress_log_;
    EXPECT_GE(pruned, 0.0) << compress_log_;
    EXPECT_LE(pruned, 100.0) << compress_log_;
    const std::string blocks = line_starting(compress_log_, "pruned blocks: ");
    ASSERT_FALSE(blocks.empty()) << compress_log_;
    EXPECT_NE(blocks.substr(0, 17), "pruned blocks: 0 ") << blocks;
    EXPECT_NE(compress_log_.find("(40 test images)"), std::string::npos) << compress_log_;
}

// Started again on its folder, compress resumes from the checkpoints: nothing to train, the same figures.
TEST_F(StageCommandsTest, CompressResumesFromTheFolder)
{
    ASSERT_EQ(compress_status_, 0) << compress_log_;
    ASSERT_EQ(tinyformer(compress_command_, root_ / "again.log"), 0) << read_text(root_ / "again.log");
    const std::string again = read_text(root_ / "again.log");
    for (const char* label : {"fp32 accuracy (dense): ", "fp32 accuracy (pruned): ", "pruned blocks: "}) {
        EXPECT_EQ(line_starting(again, label), line_starting(compress_log_, label)) << label;
    }
}

TEST_F(StageCommandsTest, ExportWritesAnInt8OnnxThatCompiles)
{
    ASSERT_EQ(export_status_, 0) << export_log_;
    EXPECT_NE(export_log_.find("== exported " + onnx()), std::string::npos) << export_log_;
    const auto model = tinyformer::engine::compile(tinyformer::engine::import_onnx(onnx()));
    EXPECT_GT(model.arena_bytes(), 0);
    EXPECT_GT(model.constant_bytes(), 0);
}

// The int8 accuracy does not depend on the number of interpreters, nor on the run.
TEST_F(StageCommandsTest, EvalPrintsTheInt8AccuracyOfTheCompiledModel)
{
    ASSERT_EQ(export_status_, 0) << export_log_;
    const std::string base = "eval --onnx " + onnx() + " --data " + data();
    ASSERT_EQ(tinyformer(base + " --threads 1", root_ / "eval1.log"), 0) << read_text(root_ / "eval1.log");
    ASSERT_EQ(tinyformer(base + " --threads 2", root_ / "eval2.log"), 0) << read_text(root_ / "eval2.log");
    const std::string one = read_text(root_ / "eval1.log"), two = read_text(root_ / "eval2.log");
    const double top1 = percent_after(one, "int8 accuracy: ");
    EXPECT_GE(top1, 0.0) << one;
    EXPECT_LE(top1, 100.0) << one;
    EXPECT_EQ(line_starting(one, "int8 accuracy: "), line_starting(two, "int8 accuracy: "));
    EXPECT_NE(one.find(" of 40 test images, HostInterpreter)"), std::string::npos) << one;

    ASSERT_EQ(tinyformer(base + " --split train --limit 10 --float-layernorm", root_ / "eval3.log"), 0)
        << read_text(root_ / "eval3.log");
    const std::string three = read_text(root_ / "eval3.log");
    EXPECT_NE(three.find(" of 10 train images, HostInterpreter, float LayerNorm)"), std::string::npos) << three;
}

// The float model of the folder on the test split: compress measured the same model on the same images.
TEST_F(StageCommandsTest, EvalOfTheCheckpointGivesCompressFigure)
{
    ASSERT_EQ(compress_status_, 0) << compress_log_;
    ASSERT_EQ(tinyformer("eval --checkpoint " + model_dir().string() + " --data " + data(), root_ / "fp32.log"), 0)
        << read_text(root_ / "fp32.log");
    const std::string log = read_text(root_ / "fp32.log");
    const double fp32 = percent_after(log, "fp32 accuracy: ");
    EXPECT_EQ(fp32, percent_after(compress_log_, "fp32 accuracy (pruned): ")) << log << "\n" << compress_log_;
}

// --split validation rebuilds the 20 images compress held out (compress.json's --validation 0.25 --seed 3
// --limit-train 80, or the same flags for a folder without compress.json): the float model's accuracy there is
// compress's figure, to the image.
TEST_F(StageCommandsTest, EvalOnTheValidationSplitGivesCompressFigure)
{
    ASSERT_EQ(held_out_status_, 0) << held_out_log_;
    const double compressed = percent_after(held_out_log_, "fp32 accuracy (pruned): ");
    ASSERT_GE(compressed, 0.0) << held_out_log_;
    ASSERT_NE(held_out_log_.find("fp32 accuracy (dense): "), std::string::npos) << held_out_log_;
    EXPECT_NE(line_starting(held_out_log_, "fp32 accuracy (dense): ").find("(20 validation images)"), std::string::npos)
        << held_out_log_;

    ASSERT_EQ(tinyformer("eval --checkpoint " + held_out_dir().string() + " --split validation", root_ / "v1.log"), 0)
        << read_text(root_ / "v1.log");
    const std::string recorded = read_text(root_ / "v1.log");
    EXPECT_EQ(percent_after(recorded, "fp32 accuracy: "), compressed) << recorded << "\n" << held_out_log_;
    EXPECT_NE(recorded.find(" of 20 validation images, LibTorch; split: validation 0.25, seed 3, limit_train 80 of " +
                            (held_out_dir() / "compress.json").string() + ")"),
              std::string::npos)
        << recorded;

    const fs::path bare = bare_copy("bare_checkpoint", {"architecture.json", "model.pt"});
    const std::string flags = " --split validation --validation 0.25 --seed 3 --limit-train 80 --data " + data();
    ASSERT_EQ(tinyformer("eval --checkpoint " + bare.string() + flags, root_ / "v2.log"), 0)
        << read_text(root_ / "v2.log");
    const std::string given = read_text(root_ / "v2.log");
    EXPECT_EQ(percent_after(given, "fp32 accuracy: "), compressed) << given;
    EXPECT_NE(given.find(" of 20 validation images, LibTorch; split: --validation 0.25 --seed 3 --limit-train 80)"),
              std::string::npos)
        << given;

    // A flag overrides its compress.json key; the others still come from the file. --limit: the split's first N.
    ASSERT_EQ(tinyformer("eval --checkpoint " + held_out_dir().string() + " --split validation --limit-train 40",
                         root_ / "v3.log"),
              0)
        << read_text(root_ / "v3.log");
    const std::string forty = read_text(root_ / "v3.log");
    EXPECT_NE(forty.find(" of 10 validation images, LibTorch; split: --limit-train 40; validation 0.25, seed 3 of "),
              std::string::npos)
        << forty;
    ASSERT_EQ(tinyformer("eval --checkpoint " + held_out_dir().string() + " --split validation --limit 7",
                         root_ / "v4.log"),
              0)
        << read_text(root_ / "v4.log");
    EXPECT_NE(read_text(root_ / "v4.log").find(" of 7 validation images, LibTorch; split: validation 0.25"),
              std::string::npos)
        << read_text(root_ / "v4.log");
}

// The int8 model next to compress.json on the same 20 images; the same figure from the flags for a copy of the
// ONNX alone, and with one or two interpreters.
TEST_F(StageCommandsTest, EvalOfTheInt8ModelOnTheValidationSplit)
{
    ASSERT_EQ(held_out_status_, 0) << held_out_log_;
    const std::string onnx_path = (held_out_dir() / "model.onnx").string();
    ASSERT_EQ(tinyformer("eval --onnx " + onnx_path + " --split validation --threads 1", root_ / "i1.log"), 0)
        << read_text(root_ / "i1.log");
    const std::string recorded = read_text(root_ / "i1.log");
    const std::string line = line_starting(recorded, "int8 accuracy: ");
    const double top1 = percent_after(recorded, "int8 accuracy: ");
    EXPECT_GE(top1, 0.0) << recorded;
    EXPECT_LE(top1, 100.0) << recorded;
    const std::string split = "split: validation 0.25, seed 3, limit_train 80 of " +
                              (held_out_dir() / "compress.json").string() + ")";
    EXPECT_NE(line.find(" of 20 validation images, HostInterpreter; " + split), std::string::npos) << recorded;

    ASSERT_EQ(tinyformer("eval --onnx " + onnx_path + " --split validation --threads 2", root_ / "i2.log"), 0)
        << read_text(root_ / "i2.log");
    EXPECT_EQ(line_starting(read_text(root_ / "i2.log"), "int8 accuracy: "), line);

    const fs::path bare = bare_copy("bare_onnx", {"model.onnx"});
    ASSERT_EQ(tinyformer("eval --onnx " + (bare / "model.onnx").string() +
                             " --split validation --validation 0.25 --seed 3 --limit-train 80 --data " + data(),
                         root_ / "i3.log"),
              0)
        << read_text(root_ / "i3.log");
    const std::string given = line_starting(read_text(root_ / "i3.log"), "int8 accuracy: ");
    EXPECT_EQ(given.substr(0, given.find(';')), line.substr(0, line.find(';'))) << given << "\n" << line;
    EXPECT_NE(given.find("; split: --validation 0.25 --seed 3 --limit-train 80)"), std::string::npos) << given;

    ASSERT_EQ(tinyformer("eval --onnx " + onnx_path + " --split validation --float-layernorm", root_ / "i4.log"), 0)
        << read_text(root_ / "i4.log");
    EXPECT_NE(read_text(root_ / "i4.log").find(" of 20 validation images, HostInterpreter, float LayerNorm; split: "),
              std::string::npos)
        << read_text(root_ / "i4.log");
}

// Where the validation split has no fraction, or its flags come with another split or break a rule, the error
// names the flag, the value and the rule.
TEST_F(StageCommandsTest, EvalValidationSplitFlagsAreCheckedNamingThem)
{
    ASSERT_EQ(held_out_status_, 0) << held_out_log_;
    ASSERT_EQ(export_status_, 0) << export_log_;
    const fs::path log = root_ / "bad_validation.log";
    const auto expect_error = [&](const std::string& arguments, const std::string& message) {
        EXPECT_NE(tinyformer(arguments, log), 0) << arguments;
        EXPECT_NE(read_text(log).find(message), std::string::npos)
            << arguments << "\nexpected: " << message << "\ngot: " << read_text(log);
    };
    const std::string held_out = "eval --checkpoint " + held_out_dir().string();
    // The first folder's compress measured on the test split: it held nothing out.
    expect_error("eval --onnx " + onnx() + " --split validation",
                 "--split validation: " + (model_dir() / "compress.json").string() + " records validation 0 (that "
                 "compress run held no images out and measured on the test split); give --validation F in (0, 1)");
    const fs::path bare = bare_copy("bare_errors", {"model.onnx"});
    expect_error("eval --onnx " + (bare / "model.onnx").string() + " --split validation --data " + data(),
                 "--split validation: no --validation fraction given, and no compress.json in the --onnx '" +
                     (bare / "model.onnx").string() + "' folder");
    expect_error(held_out + " --seed 3", "--seed: only with --split validation");
    expect_error(held_out + " --split train --validation 0.25 --limit-train 80",
                 "--validation, --limit-train: only with --split validation (they rebuild the images compress held "
                 "out); --split is 'train'");
    expect_error(held_out + " --split validation --validation 1.5",
                 "--validation = 1.5 must be in (0, 1) with --split validation");
    expect_error(held_out + " --split validation --validation 0", "--validation = 0 must be in (0, 1)");
    expect_error(held_out + " --split validation --limit-train 500",
                 "--split validation (--limit-train 500; validation 0.25, seed 3 of " +
                     (held_out_dir() / "compress.json").string() + "): --limit-train = 500 exceeds the 96 images");
    expect_error(held_out + " --split validation --validation 0.001",
                 "a fraction 0.001 of the 80 training images holds out no image");
    expect_error(held_out + " --split validation --limit 21", "--limit = 21 exceeds the 20 images");
    expect_error(held_out + " --split holdout", "--split 'holdout' must be test, train or validation");
}

TEST_F(StageCommandsTest, DeployEmitsCThatPrintsTheInterpreterBytes)
{
    ASSERT_EQ(export_status_, 0) << export_log_;
    const fs::path out = root_ / "deploy";
    ASSERT_EQ(tinyformer("deploy --onnx " + onnx() + " --out " + out.string(), root_ / "deploy.log"), 0)
        << read_text(root_ / "deploy.log");
    const std::string log = read_text(root_ / "deploy.log");
    const auto model = tinyformer::engine::compile(tinyformer::engine::import_onnx(onnx()));
    EXPECT_NE(log.find("peak SRAM (arena): " + std::to_string(model.arena_bytes()) + " bytes"), std::string::npos)
        << log;
    EXPECT_NE(log.find("fits stm32f746"), std::string::npos) << log;
    EXPECT_NE(log.find(std::to_string(tinyformer::engine::estimate_instructions(model).total) +
                       " Cortex-M7 instructions estimated"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("scripts/firmware_check.sh " + out.string() + " tinyformer_model"), std::string::npos) << log;
    expect_host_c_prints_expected_output(out, out);
}

// Every layer of the compiled model, its kernel and the model's totals; with
// a firmware output (instructions made up here: 2 per MAC + 100 per layer)
// the instructions per layer and per MAC.
TEST_F(StageCommandsTest, ProfileListsEveryLayerWithTheCompiledTotals)
{
    ASSERT_EQ(export_status_, 0) << export_log_;
    const auto model = tinyformer::engine::compile(tinyformer::engine::import_onnx(onnx()));
    std::ostringstream firmware;
    firmware << "model: " << model.layers.size() << " layers, arena " << model.arena_bytes() << " bytes, constants "
             << model.constant_bytes() << " bytes, " << model.total_macs() << " MACs\n";
    int64_t total = 0;
    for (size_t i = 0; i < model.layers.size(); ++i) {
        const int64_t instructions = 2 * model.layers[i].macs + 100;
        total += instructions;
        firmware << "layer " << i << " " << model.layers[i].name << ": " << model.layers[i].macs << " MACs, "
                 << instructions << " instructions\n";
    }
    firmware << "total: " << total << " instructions\noutput: 00 7f\n";
    std::ofstream(root_ / "qemu.out") << firmware.str();

    ASSERT_EQ(tinyformer("profile --onnx " + onnx() + " --qemu-output " + (root_ / "qemu.out").string(),
                         root_ / "profile.log"),
              0)
        << read_text(root_ / "profile.log");
    const std::string log = read_text(root_ / "profile.log");
    const tinyformer::engine::InstructionEstimate estimate = tinyformer::engine::estimate_instructions(model);
    for (size_t i = 0; i < model.layers.size(); ++i) {
        const tinyformer::engine::Layer& l = model.layers[i];
        const std::string row = "| " + std::to_string(i) + " | " + l.name + " | " +
                                tinyformer::engine::kernel_name(l) + " | " + std::to_string(l.macs) + " | " +
                                std::to_string(l.weight_bytes) + " | ";
        EXPECT_NE(log.find(row), std::string::npos) << "layer " << i << ": no row starting " << row << "\n" << log;
        EXPECT_NE(log.find(" | " + std::to_string(l.scratch_bytes) + " | " + std::to_string(estimate.layers[i]) +
                           " | " + std::to_string(2 * l.macs + 100) + " | "),
                  std::string::npos)
            << "layer " << i << ": scratch, estimated and measured instructions\n" << log;
        EXPECT_NE(log.find(" | " + std::to_string(2 * l.macs + 100) + " | "), std::string::npos)
            << "layer " << i << "'s instructions\n" << log;
    }
    EXPECT_NE(log.find("total: " + std::to_string(model.layers.size()) + " layers; arena " +
                       std::to_string(model.arena_bytes()) + " bytes (peak SRAM)"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("; constants " + std::to_string(model.constant_bytes()) + " bytes (flash)"), std::string::npos)
        << log;
    EXPECT_NE(log.find("; " + std::to_string(model.total_macs()) + " MACs; " + std::to_string(estimate.total) +
                       " instructions estimated"),
              std::string::npos)
        << log;
    std::ostringstream per_mac;
    per_mac << std::fixed << std::setprecision(2)
            << static_cast<double>(total) / static_cast<double>(model.total_macs());
    EXPECT_NE(log.find("instructions: " + std::to_string(total) + " per inference, " + per_mac.str() + " per MAC"),
              std::string::npos)
        << log;

    // The output of another model (a layer renamed) is an error.
    std::string other = firmware.str();
    const std::string first = " " + model.layers[0].name + ":";
    other.replace(other.find(first), first.size(), " renamed:");
    std::ofstream(root_ / "other.out") << other;
    EXPECT_NE(tinyformer("profile --onnx " + onnx() + " --qemu-output " + (root_ / "other.out").string(),
                         root_ / "other.log"),
              0);
    const std::string other_log = read_text(root_ / "other.log");
    EXPECT_NE(other_log.find("another model"), std::string::npos) << other_log;
}

TEST_F(StageCommandsTest, BadInputIsAnErrorNamingIt)
{
    const fs::path log = root_ / "bad.log";
    const auto expect_error = [&](const std::string& arguments, const std::string& message) {
        EXPECT_NE(tinyformer(arguments, log), 0) << arguments;
        EXPECT_NE(read_text(log).find(message), std::string::npos)
            << arguments << "\nexpected: " << message << "\ngot: " << read_text(log);
    };
    const std::string out = " --out " + (root_ / "bad").string();
    expect_error("compress --arch huge --data " + data() + out, "--arch 'huge': not an architecture name (tiny");
    std::ofstream(root_ / "broken.json") << "{\"classes\": 10";
    expect_error("compress --arch " + (root_ / "broken.json").string() + " --data " + data() + out,
                 "--arch '" + (root_ / "broken.json").string() + "': not an architecture JSON file");
    expect_error("compress --arch tiny --data " + (root_ / "nowhere").string() + out, "nowhere");
    expect_error("compress --arch tiny --epochs 0 --data " + data() + out, "--epochs = 0 must be >= 1");
    expect_error("export --in " + (root_ / "nowhere").string(), "--in '" + (root_ / "nowhere").string() + "'");
    expect_error("export --in " + data(), "--in '" + (root_ / "data" / "architecture.json").string() +
                                              "': cannot open the file");
    expect_error("eval --onnx " + (root_ / "m.onnx").string() + " --data " + data(),
                 "--onnx '" + (root_ / "m.onnx").string() + "': no such file");
    expect_error("eval --onnx " + (root_ / "arch.json").string() + " --data " + data(),
                 "--onnx '" + (root_ / "arch.json").string() + "': not a model the engine compiles");
    expect_error("eval --data " + data(), "give exactly one");
    expect_error("eval --onnx " + onnx() + " --checkpoint " + model_dir().string(), "give exactly one");
    expect_error("deploy --onnx " + onnx() + " --sram-kb 1 --flash-kb 1" + out,
                 "--sram-kb 1 / --flash-kb 1: MCU target 'custom': the SRAM reserve");
    expect_error("deploy --onnx " + onnx() + " --sram-kb 21 --flash-kb 97" + out,
                 "' does not fit custom:\nSRAM: arena ");
    expect_error("deploy --onnx " + onnx() + " --max-instructions 1000" + out,
                 "' does not fit stm32f746:\ninstructions: estimated ");
    expect_error("deploy --onnx " + onnx() + " --max-macs 10" + out, "' does not fit stm32f746:\nMACs: ");
    EXPECT_FALSE(fs::exists(root_ / "bad" / "c")) << "deploy wrote C for a model that does not fit";
    expect_error("deploy --onnx " + onnx() + " --target esp32" + out, "--target 'esp32'");
    expect_error("profile --onnx " + onnx() + " --qemu-output " + (root_ / "none.out").string(),
                 "--qemu-output '" + (root_ / "none.out").string() + "': cannot open the file");
}

}  // namespace
