// Post-training int8 quantization of a SinglePathModel (docs/quantization.md):
// calibration of activation ranges on the float model, the int8 parameters of
// docs/numerics.md (per-tensor asymmetric activations, per-output-channel
// symmetric weights in [-127, 127], int32 biases), and the int8 accuracy of
// the exported model measured by the engine's host interpreter (the MCU's C
// kernels). No LibTorch in this header.
//
//   model.fold_batch_norm();                                 // quantize() requires it
//   Calibrator cal(model);
//   cal.observe_loader(loader, /*max_batches=*/16);          // or cal.observe(images, n)
//   QuantizedModel q = quantize(model, cal.result());
//   std::vector<uint8_t> onnx = export_onnx_bytes(q);        // export.h
//   engine::CompiledModel m = engine::compile(engine::import_onnx_bytes(onnx));
//   Int8Accuracy acc = int8_accuracy(m, *test_set, Normalization::defaults_for(kind));
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinyformer/engine/compiled_model.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/dataset.h"
#include "tinyformer/toolkit/dataset_loader.h"
#include "tinyformer/toolkit/model.h"

namespace tinyformer::toolkit {

// Observed float range of one tensor over the calibration images.
struct ActivationRange {
    float min = 0.0f, max = 0.0f;
    bool observed = false;
    void include(float lo, float hi);
};

// Ranges of every value of the layer list (values[0] is the input, values[i + 1]
// layers()[i]'s output) and of the attention scores Q K^T / sqrt(head dim)
// inside each Attention layer (scores[i] for layer i; unobserved elsewhere).
struct Calibration {
    std::vector<ActivationRange> values;
    std::vector<ActivationRange> scores;
    int64_t images = 0;
};

// Runs the float model in eval mode over calibration images and records the
// ranges. The model's training / eval mode is restored afterwards.
class Calibrator {
public:
    explicit Calibrator(SinglePathModel& model);

    // `images`: n images NCHW float [n, C, H, W] (normalized like the training data).
    void observe(const std::vector<float>& images, int64_t n);
    // Up to max_batches batches of the loader's current epoch order (it must
    // produce NCHW batches; 0: all batches). Returns the number of images seen.
    int64_t observe_loader(BatchLoader& loader, int64_t max_batches);

    const Calibration& result() const { return calibration_; }

private:
    SinglePathModel& model_;
    Calibration calibration_;
};

// int8 activation quantization: real = scale * (q - zero_point).
struct ActivationQuant {
    float scale = 1.0f;
    int32_t zero_point = 0;
};

// The asymmetric int8 quantization covering [min(range.min, 0), max(range.max, 0)]
// (0 is always exactly representable; a range starting at 0, e.g. after ReLU,
// gets zero point -128). A degenerate range gets a tiny positive scale.
ActivationQuant choose_activation_quant(const ActivationRange& range);

// Softmax outputs (attention probabilities, SeqPool weights): 1/256, -128.
ActivationQuant softmax_output_quant();

// The int8 parameters of one layer, in the module's (ONNX) layouts.
struct QuantizedLayer {
    // Conv / Depthwise: [C_out, C_in / groups, k, k] (OIHW); Linear: [C_out, C_in].
    std::vector<int8_t> weights;        // in [-127, 127]
    std::vector<float> weight_scales;   // per output channel, > 0
    std::vector<int32_t> bias;          // round(b / (s_in * s_w[c])), saturated to int32
    // LayerNorm: gamma and beta stay float; the engine folds them with the
    // output quantization into the Scaled-LayerNorm gain / offset
    // (se_layernorm_s8_prepare_params).
    std::vector<float> gamma, beta;
    float epsilon = 1e-5f;
};

// Everything the ONNX export needs, torch-free.
struct QuantizedModel {
    ArchConfig config;
    std::vector<LayerSpec> layers;
    std::vector<ActivationQuant> values;  // per value (index 0: the input)
    std::vector<ActivationQuant> scores;  // per layer; Attention layers only
    std::vector<QuantizedLayer> params;   // per layer (empty for weightless layers)
};

struct QuantizeOptions {
    // Input quantization: calibrated from the images when false; else this one
    // (e.g. shared by several models for one dataset).
    bool fixed_input = false;
    ActivationQuant input;
};

// Quantizes a calibrated model. Requires BatchNorm folded (fold_batch_norm())
// and a calibration of this model. Rules per value: pooling and views keep
// their input's quantization, softmax outputs 1/256 / -128, everything else
// (incl. residual adds and the SeqPool logits) is calibrated.
QuantizedModel quantize(const SinglePathModel& model, const Calibration& calibration,
                        const QuantizeOptions& options = {});

// Top-1 of the compiled int8 model over a dataset, run by engine::HostInterpreter.
struct Int8Accuracy {
    int64_t images = 0;
    int64_t correct = 0;
    double top1() const { return images > 0 ? static_cast<double>(correct) / static_cast<double>(images) : 0.0; }
};

// Images are normalized with `norm` and quantized with the model's input
// quantization (CompiledModel::input_scale / input_zero_point) into NHWC int8;
// the predicted class is the argmax of the int8 logits (first index on ties).
// limit > 0: only the first `limit` images. `options` selects host-only
// reference modes (engine::InterpreterOptions: float LayerNorm). The images
// are shared among `threads` interpreters (0: one per core); the result does
// not depend on it. Dataset::copy_image must be safe to call concurrently.
Int8Accuracy int8_accuracy(const engine::CompiledModel& model, const Dataset& dataset, const Normalization& norm,
                           int64_t limit = 0, const engine::InterpreterOptions& options = {}, int32_t threads = 0);

}  // namespace tinyformer::toolkit
