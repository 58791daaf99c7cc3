// Runs a CompiledModel on the host by calling the runtime kernels with the
// parameters the C emitter prints, in the same arena layout: the int8 results
// are the firmware's, bit for bit. The toolkit measures int8 accuracy with it.
//
//   HostInterpreter interp(model);
//   std::copy(image.begin(), image.end(), interp.input());
//   interp.run();
//   const int8_t* logits = interp.output();
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tinyformer/engine/compiled_model.h"

namespace tinyformer::engine {

struct InterpreterOptions {
    // Run every LayerNorm in floating point (double: the exact mean and
    // variance of the dequantized row, epsilon, gamma, beta, then rounding to
    // the output quantization) instead of the integer Scaled-LayerNorm kernel.
    // A host-only reference for measuring the accuracy Scaled-LayerNorm costs;
    // the firmware always runs the integer kernel.
    bool float_layernorm = false;
};

class HostInterpreter {
public:
    // Keeps a reference to `model`, which must outlive the interpreter.
    explicit HostInterpreter(const CompiledModel& model, const InterpreterOptions& options = {});

    int8_t* input();
    const int8_t* output() const;
    int64_t input_size() const;
    int64_t output_size() const;

    // Runs every layer; throws Error naming the layer and the kernel status if
    // a kernel rejects its arguments.
    void run();

    // Convenience: copies `input` (exactly input_size() values), runs, returns the output.
    std::vector<int8_t> run(const std::vector<int8_t>& input);

private:
    int8_t* buffer(BufferId id) const;
    const void* array(ArrayId id) const;
    void run_layer(const Layer& layer);

    const CompiledModel& model_;
    InterpreterOptions options_;
    std::vector<uint64_t> arena_;  // 8-byte aligned storage for the planned arena
};

}  // namespace tinyformer::engine
