// Generates an example model's C sources and the bytes the host interpreter
// computes for the deterministic input, for the code generation tests
// (tests/codegen/CMakeLists.txt).
//
//   codegen_example <output directory> [model]
//     model: cnn (default: the CNN of example_models.h, its 1x1 layer
//     block-sparse), tinyformer (a small two-DoT TinyFormer: MobileNetV2
//     residual blocks, pre-LN encoders with multi-head attention and MLP,
//     sequence pooling), tinyformer_sparse (the same at 60% blockwise sparsity),
//     onnx_cnn, onnx_transformer, onnx_seqpool, onnx_qlinear (the ONNX fixture
//     models of tests/engine/onnx_test_models.h through import_onnx_bytes) and
//     their _sparse variants (int8 weight initializers pruned in 4x4 tiles of
//     the two leading axes before import, so every layer has zero blocks of 4
//     along its input channels; compile() detects them)
//     writes model.h, model.c, model_weights.c, model_weights.h and
//     expected_output.txt ("output: 0c fd ..." as firmware/model_main.c prints it,
//     then the instruction model's estimate: "estimated layer <i> <name>: <n>
//     instructions" per layer and "estimated total: <n> instructions")
#include <cstdio>
#include <fstream>
#include <iostream>

#include "example_models.h"
#include "tinyformer/engine/c_emitter.h"
#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/instruction_model.h"
#include "tinyformer/engine/interpreter.h"
#include "onnx_test_models.h"
#include "tinyformer/engine/onnx_import.h"
#include "tinyformer/toolkit/architecture.h"

// Every op kind of a TinyFormer at a size that runs in a fraction of a second
// under QEMU.
static tinyformer::toolkit::ArchConfig small_tinyformer()
{
    using namespace tinyformer::toolkit;
    ArchConfig c;
    c.input_h = c.input_w = 16;
    c.input_c = 3;
    c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvStride2, {2}, {TransformerChoice{2, true, 1}}};
    c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvMaxPool, {2}, {TransformerChoice{1, false, 1}}};
    c.pooling = PoolingKind::SeqPool;
    c.last_dim = 32;
    c.classes = 10;
    return c;
}

// Zeroes 3 of every 5 tiles of 4x4 over the two leading axes of each int8
// weight initializer (rank >= 2): whichever of the two is the input-channel axis,
// the zeros come in blocks of 4 along it.
static std::string pruned(const std::string& model_bytes)
{
    onnx::ModelProto model;
    if (!model.ParseFromString(model_bytes)) {
        throw tinyformer::engine::Error("codegen_example: fixture model does not parse");
    }
    for (onnx::TensorProto& t : *model.mutable_graph()->mutable_initializer()) {
        if (t.data_type() != onnx::TensorProto::INT8 || t.dims_size() < 2 || !t.has_raw_data()) {
            continue;
        }
        const int64_t d0 = t.dims(0), d1 = t.dims(1);
        const int64_t inner = static_cast<int64_t>(t.raw_data().size()) / (d0 * d1);
        std::string& raw = *t.mutable_raw_data();
        for (int64_t i = 0; i < d0; i++) {
            for (int64_t j = 0; j < d1; j++) {
                if (((i / 4) * 7 + (j / 4)) % 5 < 3) {
                    for (int64_t k = 0; k < inner; k++) {
                        raw[static_cast<size_t>((i * d1 + j) * inner + k)] = 0;
                    }
                }
            }
        }
    }
    return model.SerializeAsString();
}

static tinyformer::engine::Graph onnx_fixture(const std::string& which)
{
    namespace fx = tinyformer::engine::test;
    const bool sparse = which.size() > 7 && which.compare(which.size() - 7, 7, "_sparse") == 0;
    const std::string base = sparse ? which.substr(0, which.size() - 7) : which;
    std::string bytes;
    if (base == "onnx_cnn") {
        bytes = fx::cnn_residual_model();
    } else if (base == "onnx_transformer") {
        bytes = fx::transformer_block_model();
    } else if (base == "onnx_seqpool") {
        bytes = fx::seqpool_model();
    } else if (base == "onnx_qlinear") {
        bytes = fx::qlinear_model();
    } else {
        throw tinyformer::engine::Error("codegen_example: unknown model '" + which + "'");
    }
    if (sparse) {
        bytes = pruned(bytes);
    }
    return tinyformer::engine::import_onnx_bytes(bytes.data(), bytes.size(), which + ".onnx");
}

int main(int argc, char** argv)
{
    using namespace tinyformer::engine;
    if (argc != 2 && argc != 3) {
        std::cerr << "usage: " << argv[0] << " <output directory> [cnn|tinyformer|tinyformer_sparse]\n";
        return 2;
    }
    const std::string which = argc == 3 ? argv[2] : "cnn";
    try {
        Graph graph;
        if (which == "cnn") {
            graph = cnn_graph(/*sparse_pw=*/true);  // dense and sparse kernels
        } else if (which == "tinyformer" || which == "tinyformer_sparse") {
            tinyformer::toolkit::ArchConfig config = small_tinyformer();
            if (which == "tinyformer_sparse") {
                config.set_uniform_sparsity(0.6f, 4);
            }
            graph = tinyformer::toolkit::build_engine_graph(config, 3);
        } else if (which.rfind("onnx_", 0) == 0) {
            graph = onnx_fixture(which);
        } else {
            std::cerr << "codegen_example: unknown model '" << which << "' (cnn, tinyformer, tinyformer_sparse, "
                      << "onnx_{cnn,transformer,seqpool,qlinear}[_sparse])\n";
            return 2;
        }
        const CompiledModel model = compile(graph);
        EmitOptions options;
        options.directory = argv[1];
        options.model_name = "codegen_" + which;
        emit_c(model, options);

        HostInterpreter interpreter(model);
        const std::vector<int8_t> output = interpreter.run(deterministic_input(interpreter.input_size()));
        std::ofstream expected(std::string(argv[1]) + "/expected_output.txt");
        expected << "output:";
        for (const int8_t value : output) {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(static_cast<uint8_t>(value)));
            expected << ' ' << hex;
        }
        expected << '\n';
        const InstructionEstimate estimate = estimate_instructions(model);
        for (size_t i = 0; i < model.layers.size(); i++) {
            expected << "estimated layer " << i << " " << model.layers[i].name << ": " << estimate.layers[i]
                     << " instructions\n";
        }
        expected << "estimated total: " << estimate.total << " instructions\n";
        return expected.good() ? 0 : 1;
    } catch (const Error& error) {
        std::cerr << "codegen_example: " << error.what() << "\n";
        return 1;
    }
}
