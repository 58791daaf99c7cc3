// Generates the TinyFormer-300K-shaped model (toolkit ArchConfig::tinyformer_300k,
// synthetic weights) as C for the whole-model benchmark (bench/run_model_bench.sh).
//
//   model_bench_gen <output directory> <dense|sparse60>
//     writes model.h, model.c, model_weights.c, model_weights.h and report.md
//     (the engine's per-layer table: kernel, MACs, flash, scratch, arena offsets).
#include <fstream>
#include <iostream>
#include <string>

#include "tinyformer/engine/c_emitter.h"
#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/model_report.h"
#include "tinyformer/toolkit/architecture.h"

int main(int argc, char** argv)
{
    using namespace tinyformer;
    if (argc != 3) {
        std::cerr << "usage: " << argv[0] << " <output directory> <dense|sparse60>\n";
        return 2;
    }
    const std::string variant = argv[2];
    try {
        toolkit::ArchConfig config = toolkit::ArchConfig::tinyformer_300k();
        if (variant == "sparse60") {
            config.set_uniform_sparsity(0.6f, 4);  // block 4, 3 along the width of 3x3 kernels
        } else if (variant != "dense") {
            std::cerr << "model_bench_gen: unknown variant '" << variant << "' (dense, sparse60)\n";
            return 2;
        }
        const engine::CompiledModel model = engine::compile(toolkit::build_engine_graph(config));
        engine::EmitOptions options;
        options.directory = argv[1];
        options.model_name = "tinyformer_300k_" + variant;
        engine::emit_c(model, options);
        std::ofstream report(std::string(argv[1]) + "/report.md");
        report << "parameters: " << toolkit::parameter_count(config) << " dense, "
               << toolkit::effective_parameter_count(config) << " effective\n\n";
        engine::write_layer_report(report, model);
        return report.good() ? 0 : 1;
    } catch (const engine::Error& error) {
        std::cerr << "model_bench_gen: " << error.what() << "\n";
        return 1;
    }
}
