// Generates the example model's C sources (the CNN of example_models.h, its 1x1
// layer block-sparse) and the bytes the host interpreter computes for the
// deterministic input, for the code generation tests (tests/codegen/CMakeLists.txt).
//
//   codegen_example <output directory>
//     writes model.h, model.c, model_weights.c, model_weights.h and
//     expected_output.txt ("output: 0c fd ..." as firmware/model_main.c prints it)
#include <cstdio>
#include <fstream>
#include <iostream>

#include "example_models.h"
#include "tinyformer/engine/c_emitter.h"
#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"

int main(int argc, char** argv)
{
    using namespace tinyformer::engine;
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " <output directory>\n";
        return 2;
    }
    try {
        const CompiledModel model = compile(cnn_graph(/*sparse_pw=*/true));  // dense and sparse kernels
        EmitOptions options;
        options.directory = argv[1];
        options.model_name = "codegen_example";
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
        return expected.good() ? 0 : 1;
    } catch (const Error& error) {
        std::cerr << "codegen_example: " << error.what() << "\n";
        return 1;
    }
}
