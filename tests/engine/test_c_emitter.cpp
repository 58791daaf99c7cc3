// The C emitter: generated code compiles with -std=c99 -Wall -Wextra -Werror
// -pedantic (host cc, and arm-none-eabi-gcc for Cortex-M7 when installed) and,
// run on the host through firmware/model_main.c, prints exactly the host
// interpreter's output bytes.
#include "tinyformer/engine/c_emitter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/engine/ir.h"
#include "tinyformer/engine/quantize_multiplier.h"
#include "tinyformer/engine/sparse_codec.h"
#include "../codegen/example_models.h"

namespace tinyformer::engine {
namespace {

namespace fs = std::filesystem;

// Repository root: from the build (tests/codegen/CMakeLists.txt), else from this file's path.
fs::path source_dir()
{
#ifdef TF_SOURCE_DIR
    return fs::path(TF_SOURCE_DIR);
#else
    return fs::path(__FILE__).parent_path().parent_path().parent_path();
#endif
}

fs::path fresh_dir(const std::string& name)
{
    const fs::path dir = fs::temp_directory_path() / ("tf_c_emitter_" + name + "_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string read_text(const fs::path& path)
{
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

bool have_program(const std::string& name) { return std::system((name + " --version > /dev/null 2>&1").c_str()) == 0; }

constexpr const char* kStrictC = "-std=c99 -Wall -Wextra -Werror -pedantic -Wshadow";

// Emits `model` into a fresh directory, builds it with firmware/model_main.c and
// the host runtime library, runs it and returns the bytes of its "output:" line.
// Empty optional-like result: `ok` false with the reason in `log`.
struct HostRun {
    bool ok = false;
    std::string log;
    std::vector<int8_t> output;
};

HostRun build_and_run_on_host(const CompiledModel& model, const std::string& name)
{
    HostRun result;
    const fs::path dir = fresh_dir(name);
    EmitOptions options;
    options.directory = dir.string();
    options.model_name = name;
    emit_c(model, options);
#ifndef TF_RUNTIME_LIBRARY
    result.log = "TF_RUNTIME_LIBRARY is not defined (tests/codegen/CMakeLists.txt sets it)";
    return result;
#else
    const fs::path root = source_dir();
    std::string command = std::string("cc ") + kStrictC + " " TF_HOST_C_FLAGS +
                          " -O1 -DMODEL_PROFILE_HOOK=model_profile_hook -I" + dir.string() + " -I" +
                          (root / "runtime/include").string() + " " + (dir / "model.c").string() + " " +
                          (dir / "model_weights.c").string() + " " + (root / "firmware/model_main.c").string() + " " +
                          TF_RUNTIME_LIBRARY + " -o " + (dir / "model_host").string() + " > " +
                          (dir / "cc.log").string() + " 2>&1";
    if (std::system(command.c_str()) != 0) {
        result.log = "host compile failed:\n" + command + "\n" + read_text(dir / "cc.log");
        return result;
    }
    command = (dir / "model_host").string() + " > " + (dir / "run.log").string() + " 2>&1";
    const int status = std::system(command.c_str());
    const std::string log = read_text(dir / "run.log");
    if (status != 0) {
        result.log = "generated model exited with " + std::to_string(status) + ":\n" + log;
        return result;
    }
    const size_t at = log.find("output:");
    if (at == std::string::npos) {
        result.log = "no 'output:' line in:\n" + log;
        return result;
    }
    std::istringstream bytes(log.substr(at + 7, log.find('\n', at) - at - 7));
    unsigned value = 0;
    while (bytes >> std::hex >> value) {
        result.output.push_back(static_cast<int8_t>(static_cast<uint8_t>(value)));
    }
    result.ok = true;
    result.log = log;
    fs::remove_all(dir);
    return result;
#endif
}

// Skips the test when the host has no C compiler.
#define REQUIRE_HOST_CC()                                                                                 \
    do {                                                                                                  \
        if (!have_program("cc")) {                                                                        \
            GTEST_SKIP() << "no host C compiler 'cc' on PATH: the generated code cannot be compiled here"; \
        }                                                                                                 \
    } while (0)

void expect_same_bytes(const std::vector<int8_t>& expected, const std::vector<int8_t>& actual)
{
    ASSERT_EQ(expected.size(), actual.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(int{expected[i]}, int{actual[i]}) << "output byte " << i;
    }
}

std::vector<uint8_t> bytes_of(const std::vector<int32_t>& values)
{
    std::vector<uint8_t> bytes;
    for (const int32_t v : values) {
        for (int b = 0; b < 4; ++b) {
            bytes.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * b)));
        }
    }
    return bytes;
}

std::vector<uint8_t> bytes_of(const std::vector<int8_t>& values) { return {values.begin(), values.end()}; }

// A model put together by hand (no compile()): fully connected 2 tokens x 24
// -> 2 x 6, then softmax over each row. The weights have zero blocks of 4 so
// the same layer can be coded sparse.
CompiledModel hand_built_model()
{
    CompiledModel m;
    const int32_t tokens = 2, in = 24, out = 6;
    std::vector<int8_t> weights(static_cast<size_t>(in * out));
    std::mt19937 rng(3);
    for (size_t i = 0; i < weights.size(); ++i) {
        const bool zero_block = ((i / 4) % 3) != 0;  // two of every three blocks are zero
        weights[i] = zero_block ? 0 : static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    }
    m.arrays.push_back({"fc.weights", DType::Int8, bytes_of(weights)});
    m.arrays.push_back({"fc.bias", DType::Int32, bytes_of(std::vector<int32_t>{100, -200, 300, -400, 0, 55})});
    m.arrays.push_back({"fc.multipliers", DType::Int32, bytes_of(std::vector<int32_t>(out, 1518500250))});
    m.arrays.push_back({"fc.shifts", DType::Int32, bytes_of(std::vector<int32_t>{-7, -7, -8, -6, -7, INT32_C(-9)})});

    // Buffers: input, fc output, softmax output, softmax scratch (the exp cache).
    m.buffers = {{"input", tokens * in, 0, 0}, {"fc.y", tokens * out, 0, 1}, {"probs", tokens * out, 1, 1},
                 {"softmax.cache", se_softmax_s8_get_buffer_size(), 1, 1, 4, -1, true}};
    m.plan.offsets = {0, 48, 64, 80};
    m.plan.arena_size = 80 + se_softmax_s8_get_buffer_size();
    m.plan.planner = "by hand";

    FullyConnectedCall fc;
    fc.params = {-3, 5, {-128, 127}};
    fc.dims = {tokens, in, out};
    fc.weights.array = 0;
    fc.bias = 1;
    fc.multipliers = 2;
    fc.shifts = 3;
    Layer l0{"fc", OpKind::FullyConnected, fc, {0}, 1, kNone, int64_t{tokens} * in * out, 0, 0};

    SoftmaxCall sm;
    EXPECT_EQ(se_softmax_s8_params_from_scale(0.125, &sm.params), SE_OK);
    sm.rows = tokens;
    sm.row_size = out;
    Layer l1{"softmax", OpKind::Softmax, sm, {1}, 2, 3, 0, 0, se_softmax_s8_get_buffer_size()};
    m.layers = {l0, l1};
    m.input = 0;
    m.output = 2;
    m.input_shape = {tokens, in};
    m.output_shape = {tokens, out};
    m.input_scale = 0.05f;
    m.input_zero_point = -3;
    m.output_scale = 1.0f / 256.0f;
    m.output_zero_point = -128;
    return m;
}

std::vector<int8_t> interpret(const CompiledModel& model)
{
    HostInterpreter interpreter(model);
    return interpreter.run(deterministic_input(interpreter.input_size()));
}

TEST(CEmitter, HandBuiltModelRunsBitExactLikeTheInterpreter)
{
    REQUIRE_HOST_CC();
    const CompiledModel model = hand_built_model();
    const HostRun run = build_and_run_on_host(model, "hand_built");
    ASSERT_TRUE(run.ok) << run.log;
    expect_same_bytes(interpret(model), run.output);
}

TEST(CEmitter, CompiledCnnRunsBitExactLikeTheInterpreter)
{
    REQUIRE_HOST_CC();
    const CompiledModel model = compile(cnn_graph());
    ASSERT_EQ(model.layers.size(), 7u) << "conv1, dw, pw, res, gap, fc, softmax (the reshape is a view)";
    const HostRun run = build_and_run_on_host(model, "cnn");
    ASSERT_TRUE(run.ok) << run.log;
    EXPECT_NE(run.log.find("layer 1 dw:"), std::string::npos) << run.log;
    expect_same_bytes(interpret(model), run.output);
}

TEST(CEmitter, CompiledSparseLayerRunsBitExactLikeTheInterpreter)
{
    REQUIRE_HOST_CC();
    const CompiledModel model = compile(cnn_graph(/*sparse_pw=*/true));
    ASSERT_TRUE(std::get<ConvCall>(model.layers[2].call).weights.sparse) << "pw should lower to the sparse kernel";
    const EmittedFiles files = emit_c_sources(model, EmitOptions{});
    EXPECT_NE(files.source.find("se_sparse_conv1x1_s8("), std::string::npos) << files.source;
    const HostRun run = build_and_run_on_host(model, "cnn_sparse");
    ASSERT_TRUE(run.ok) << run.log;
    expect_same_bytes(interpret(model), run.output);
}

#if __has_include("tinyformer/runtime/se_sparse_kernels.h")
TEST(CEmitter, SparseLayerRunsTheSparseKernelWithTheDenseBits)
{
    REQUIRE_HOST_CC();
    const CompiledModel dense = hand_built_model();
    CompiledModel sparse = dense;
    const auto& fc = std::get<FullyConnectedCall>(dense.layers[0].call);
    const auto& w = dense.arrays[0].bytes;
    const EncodedWeights coded = SparseCodec::encode_block_sparse(reinterpret_cast<const int8_t*>(w.data()),
                                                                  fc.dims.out_features, fc.dims.in_features, 4);
    sparse.arrays[0] = {"fc.weights_coded", DType::Int8, coded.bytes};
    auto& sparse_fc = std::get<FullyConnectedCall>(sparse.layers[0].call);
    sparse_fc.weights.sparse = true;
    sparse_fc.weights.block = 4;
    sparse_fc.weights.entries = coded.entries;

    const EmittedFiles files = emit_c_sources(sparse, EmitOptions{});
    EXPECT_NE(files.source.find("se_sparse_fully_connected_s8("), std::string::npos);
    EXPECT_NE(files.source.find("#include \"tinyformer/runtime/se_sparse_kernels.h\""), std::string::npos);
    EXPECT_NE(files.source.find("se_sparse_prepare_s8("), std::string::npos) << "row table prepared at init";

    const HostRun run = build_and_run_on_host(sparse, "sparse");
    ASSERT_TRUE(run.ok) << run.log;
    expect_same_bytes(interpret(dense), run.output);
}
#endif

TEST(CEmitter, DenseModelsDoNotIncludeTheSparseKernels)
{
    const EmittedFiles files = emit_c_sources(hand_built_model(), EmitOptions{});
    EXPECT_EQ(files.source.find("se_sparse"), std::string::npos) << files.source;
}

TEST(CEmitter, FilesCarryTheDoNotEditBannerAndTheApi)
{
    EmitOptions options;
    options.model_name = "kws */ demo";
    const EmittedFiles files = emit_c_sources(hand_built_model(), options);
    for (const std::string* text : {&files.header, &files.source, &files.weights, &files.weights_header}) {
        EXPECT_NE(text->find("Generated by TinyFormer from model \"kws * / demo\". DO NOT EDIT"), std::string::npos)
            << *text;
    }
    const std::string& h = files.header;
    EXPECT_NE(h.find("#define MODEL_ARENA_SIZE 1152\n"), std::string::npos) << h;
    EXPECT_NE(h.find("#define MODEL_INPUT_SHAPE {2, 24}\n"), std::string::npos) << h;
    EXPECT_NE(h.find("#define MODEL_INPUT_ZERO_POINT (-3)\n"), std::string::npos) << h;
    EXPECT_NE(h.find("#define MODEL_OUTPUT_SCALE 0.00390625f\n"), std::string::npos) << h;
    EXPECT_NE(h.find("#define MODEL_NUM_LAYERS 2\n"), std::string::npos) << h;
    for (const char* api : {"int model_init(void);", "int model_run(void);", "int8_t *model_input(void);",
                            "const int8_t *model_output(void);", "void model_profile_hook(int layer, const char *name, int phase);"}) {
        EXPECT_NE(h.find(api), std::string::npos) << api;
    }
    EXPECT_NE(files.source.find("static int8_t arena[MODEL_ARENA_SIZE] __attribute__((aligned(16)));"),
              std::string::npos);
    EXPECT_NE(files.weights.find("const int8_t model_fc_weights[144] __attribute__((aligned(4))) = {"),
              std::string::npos)
        << files.weights;
    // INT32_MIN has no literal of type int.
    EXPECT_EQ(files.weights.find("-2147483648"), std::string::npos);
}

TEST(CEmitter, SanitizesIdentifiersAndEscapesNames)
{
    EXPECT_EQ(c_identifier("conv-1/a b.w"), "conv_1_a_b_w");
    EXPECT_EQ(c_identifier("3x3"), "_3x3");
    EXPECT_EQ(c_identifier(""), "_");
    CompiledModel m = hand_built_model();
    m.layers[0].name = "blocks.0/fc \"q\"\\";
    m.arrays[1].name = "init";  // would collide with model_init()
    EmitOptions options;
    options.symbol_prefix = "kws";
    const EmittedFiles files = emit_c_sources(m, options);
    EXPECT_NE(files.source.find("\"blocks.0/fc \\\"q\\\"\\\\\""), std::string::npos) << files.source;
    EXPECT_NE(files.source.find("l0_blocks_0_fc__q___params"), std::string::npos) << files.source;
    EXPECT_NE(files.weights_header.find("kws_init_2[6]"), std::string::npos) << files.weights_header;
    EXPECT_NE(files.header.find("int kws_run(void);"), std::string::npos);
    EXPECT_NE(files.header.find("#define KWS_ARENA_SIZE"), std::string::npos);
}

TEST(CEmitter, RejectsUnusablePrefixesAndBrokenModels)
{
    EmitOptions bad_symbol;
    bad_symbol.symbol_prefix = "my-model";
    EXPECT_THROW(emit_c_sources(hand_built_model(), bad_symbol), Error);
    EmitOptions bad_prefix;
    bad_prefix.prefix = "dir/model";
    EXPECT_THROW(emit_c_sources(hand_built_model(), bad_prefix), Error);
    CompiledModel wrong_dtype = hand_built_model();
    wrong_dtype.arrays[1].dtype = DType::Int8;  // bias must be int32
    EXPECT_THROW(emit_c_sources(wrong_dtype, EmitOptions{}), Error);
    CompiledModel bad_buffer = hand_built_model();
    bad_buffer.layers[1].output = 99;
    EXPECT_THROW(emit_c_sources(bad_buffer, EmitOptions{}), Error);
    EXPECT_THROW(emit_c(hand_built_model(), EmitOptions{}), Error) << "no directory";
}

TEST(CEmitter, EmittingTwiceGivesTheSameFilesAndKeepsTheirTimestamps)
{
    const fs::path dir = fresh_dir("twice");
    EmitOptions options;
    options.directory = dir.string();
    const EmittedFiles paths = emit_c(hand_built_model(), options);
    const auto stamp = fs::last_write_time(paths.weights);
    const std::string first = read_text(paths.source);
    emit_c(hand_built_model(), options);
    EXPECT_EQ(read_text(paths.source), first);
    EXPECT_EQ(fs::last_write_time(paths.weights), stamp);
    fs::remove_all(dir);
}

TEST(CEmitter, GeneratedCodeCompilesForCortexM7)
{
    if (!have_program("arm-none-eabi-gcc")) {
        GTEST_SKIP() << "arm-none-eabi-gcc not on PATH: the Cortex-M7 compile check needs it";
    }
    const fs::path dir = fresh_dir("m7");
    EmitOptions options;
    options.directory = dir.string();
    emit_c(compile(cnn_graph()), options);
    for (const char* file : {"model.c", "model_weights.c"}) {
        const std::string command = std::string("arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -mfloat-abi=hard ") +
                                    "-mfpu=fpv5-d16 -O2 " + kStrictC + " -I" + dir.string() + " -I" +
                                    (source_dir() / "runtime/include").string() + " -c " + (dir / file).string() +
                                    " -o " + (dir / (std::string(file) + ".o")).string() + " > " +
                                    (dir / "cc.log").string() + " 2>&1";
        ASSERT_EQ(std::system(command.c_str()), 0) << command << "\n" << read_text(dir / "cc.log");
    }
    fs::remove_all(dir);
}

}  // namespace
}  // namespace tinyformer::engine
