// tinyformer eval: top-1 of an int8 model on the host interpreter (quantize.h
// int8_accuracy), or of a float checkpoint (Trainer::evaluate).
#include "eval.h"

#include <cmath>
#include <iostream>

#include "cli_common.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/quantize.h"
#include "tinyformer/toolkit/trainer.h"

namespace tinyformer::cli {
using namespace tinyformer::toolkit;

void run_eval(const EvalOptions& o)
{
    TF_CHECK(o.onnx.empty() != o.checkpoint.empty(), "--onnx '", o.onnx, "' / --checkpoint '", o.checkpoint,
             "': give exactly one (an int8 ONNX model or a tinyformer compress folder)");
    TF_CHECK(o.split == "test" || o.split == "train", "--split '", o.split, "' must be test or train");
    TF_CHECK(o.threads >= 0, "--threads = ", o.threads, " must be >= 0");
    TF_CHECK(!o.float_layernorm || !o.onnx.empty(), "--float-layernorm applies to an int8 model (--onnx) only");
    const DatasetKind kind = parse_dataset_kind(o.dataset);
    const auto data = first_images(open_dataset(kind, o.data_dir, parse_split(o.split)), o.limit, "--limit");
    const std::string images = std::to_string(data->size()) + " " + o.split + " images";

    if (!o.onnx.empty()) {
        const engine::CompiledModel model = compile_onnx(o.onnx, "--onnx");
        engine::InterpreterOptions interpreter;
        interpreter.float_layernorm = o.float_layernorm;
        const Int8Accuracy a =
            int8_accuracy(model, *data, Normalization::defaults_for(kind), 0, interpreter, o.threads);
        std::cout << "int8 accuracy: " << percent(a.top1()) << " (" << a.correct << " of " << images
                  << ", HostInterpreter" << (o.float_layernorm ? ", float LayerNorm" : "") << ")\n";
        return;
    }
    SinglePathModel model = load_checkpoint(o.checkpoint, "--checkpoint");
    check_input_shape(model.config(), *data, "--checkpoint '" + o.checkpoint + "': the model");
    TrainerOptions options;
    options.threads = o.threads;
    BatchLoader loader(data, LoaderOptions::evaluation(kind, 256));
    const EvalResult r = Trainer(options).evaluate(model, loader);
    const auto correct = static_cast<int64_t>(std::llround(r.accuracy * static_cast<double>(r.examples)));
    std::cout << "fp32 accuracy: " << percent(r.accuracy) << " (" << correct << " of " << images << ", LibTorch)\n";
}

}  // namespace tinyformer::cli
