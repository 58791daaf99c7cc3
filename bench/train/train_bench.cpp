// Training throughput of the C++ trainer's step (forward, label-smoothed cross
// entropy, backward, AdamW step: trainer.h measure_training_throughput) on a
// named architecture, and the layer list of that architecture as JSON so that
// bench/train/torch_train_bench.py builds the same model in PyTorch.
// bench/run_train_bench.sh runs both side by side.
//   train_bench --arch fmnist --batch 64 --threads 2 --iterations 30 [--channels-last] [--layers out.json]
// Prints one line: "cpp <arch> batch <b> threads <t> <format> <img/s> img/s <params> parameters".
#include <CLI/CLI.hpp>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/model_torch.h"
#include "tinyformer/toolkit/trainer.h"

namespace {

using namespace tinyformer::toolkit;

const char* kind_name(LayerKind k)
{
    switch (k) {
    case LayerKind::Conv: return "conv";
    case LayerKind::Depthwise: return "depthwise";
    case LayerKind::Linear: return "linear";
    case LayerKind::MaxPool2x2: return "maxpool2x2";
    case LayerKind::AvgPool2x2: return "avgpool2x2";
    case LayerKind::Add: return "add";
    case LayerKind::LayerNorm: return "layernorm";
    case LayerKind::Attention: return "attention";
    case LayerKind::Softmax: return "softmax";
    case LayerKind::SeqPool: return "seqpool";
    case LayerKind::ToTokens: return "to_tokens";
    case LayerKind::ToMap: return "to_map";
    }
    return "?";
}

const char* activation_name(LayerActivation a)
{
    switch (a) {
    case LayerActivation::None: return "none";
    case LayerActivation::Relu: return "relu";
    case LayerActivation::Relu6: return "relu6";
    }
    return "?";
}

int64_t trainable_parameters(SinglePathModel& model)
{
    int64_t n = 0;
    for (const torch::Tensor& p : model.module().parameters()) {
        n += p.numel();
    }
    return n;
}

nlohmann::json layer_list(const ArchConfig& config, int64_t parameters)
{
    nlohmann::json j;
    j["input"] = {config.input_c, config.input_h, config.input_w};
    j["classes"] = config.classes;
    j["batch_norm"] = true;
    j["trainable_parameters"] = parameters;
    for (const LayerSpec& l : layers(config)) {
        j["layers"].push_back({{"name", l.name},
                               {"kind", kind_name(l.kind)},
                               {"inputs", l.inputs},
                               {"output_shape", l.output_shape},
                               {"in_channels", l.in_channels},
                               {"out_channels", l.out_channels},
                               {"kernel", l.kernel},
                               {"stride", l.stride},
                               {"pad", l.pad},
                               {"heads", l.heads},
                               {"activation", activation_name(l.activation)}});
    }
    return j;
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Training throughput of the C++ trainer on a named architecture"};
    std::string arch = "fmnist", layers_path;
    int32_t batch = 64, threads = 2, iterations = 30, warmup = 3;
    bool channels_last = false;
    app.add_option("--arch", arch, "Architecture")->check(CLI::IsMember(architecture_names()))->capture_default_str();
    app.add_option("--batch", batch, "Batch size")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--threads", threads, "LibTorch threads")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--iterations", iterations, "Timed steps")->check(CLI::PositiveNumber)->capture_default_str();
    app.add_option("--warmup", warmup, "Untimed steps first")->check(CLI::NonNegativeNumber)->capture_default_str();
    app.add_flag("--channels-last", channels_last, "Weights and images in channels-last memory order");
    app.add_option("--layers", layers_path, "Write the layer list (JSON) for the PyTorch twin here");
    CLI11_PARSE(app, argc, argv);
    try {
        const ArchConfig config = named_architecture(arch);
        SinglePathModel model(config);
        const int64_t parameters = trainable_parameters(model);
        if (!layers_path.empty()) {
            std::ofstream file(layers_path);
            file << layer_list(config, parameters).dump(1) << "\n";
            TF_CHECK(file.good(), "cannot write '", layers_path, "'");
        }
        const double ips = measure_training_throughput(model, batch, iterations, threads, channels_last, warmup);
        std::cout << "cpp " << arch << " batch " << batch << " threads " << threads << " "
                  << (channels_last ? "channels_last" : "nchw") << " " << std::fixed << std::setprecision(1) << ips
                  << " img/s " << parameters << " parameters\n";
    } catch (const std::exception& e) {
        std::cerr << "train_bench: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
