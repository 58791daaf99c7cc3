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
#include <sstream>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/onnx_import.h"

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
    const fs::path c = root_ / "out" / "c";
    for (const char* file : {"model.h", "model.c", "model_weights.c", "model_weights.h"}) {
        ASSERT_TRUE(fs::exists(c / file)) << file;
    }
    const fs::path source(TF_SOURCE_DIR);
    const std::string compile = "cc -std=c99 -Wall -Wextra -Werror -pedantic -O1 " + std::string(TF_HOST_C_FLAGS) +
                                " -DMODEL_PROFILE_HOOK=model_profile_hook -I" + c.string() + " -I" +
                                (source / "runtime/include").string() + " " + (c / "model.c").string() + " " +
                                (c / "model_weights.c").string() + " " + (source / "firmware/model_main.c").string() +
                                " " + TF_RUNTIME_LIBRARY + " -o " + (root_ / "model_host").string();
    ASSERT_EQ(run(compile, root_ / "cc.log"), 0) << compile << "\n" << read_text(root_ / "cc.log");
    ASSERT_EQ(run((root_ / "model_host").string(), root_ / "host.log"), 0) << read_text(root_ / "host.log");
    const std::string expected = output_line(read_text(root_ / "out" / "expected_output.txt"));
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(output_line(read_text(root_ / "host.log")), expected);
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

}  // namespace
