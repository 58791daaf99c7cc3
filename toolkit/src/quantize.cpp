#include "tinyformer/toolkit/quantize.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <thread>

#include "tinyformer/engine/error.h"
#include "tinyformer/engine/interpreter.h"
#include "tinyformer/toolkit/dataset_quantize.h"
#include "tinyformer/toolkit/model_torch.h"

namespace tinyformer::toolkit {

void ActivationRange::include(float lo, float hi)
{
    if (!observed) {
        min = lo;
        max = hi;
        observed = true;
        return;
    }
    min = std::min(min, lo);
    max = std::max(max, hi);
}

namespace {

// Puts a module in eval mode and restores its mode when done (also on exceptions).
class EvalModeGuard {
public:
    explicit EvalModeGuard(torch::nn::Module& m) : module_(m), was_training_(m.is_training()) { m.eval(); }
    ~EvalModeGuard() { module_.train(was_training_); }
    EvalModeGuard(const EvalModeGuard&) = delete;
    EvalModeGuard& operator=(const EvalModeGuard&) = delete;

private:
    torch::nn::Module& module_;
    bool was_training_;
};

void include_tensor(ActivationRange& range, const torch::Tensor& t)
{
    const auto mm = torch::aminmax(t);
    range.include(std::get<0>(mm).item<float>(), std::get<1>(mm).item<float>());
}

// Q K^T / sqrt(head dim) per head, as the module computes it (model.cpp, Attention).
torch::Tensor attention_scores(const torch::Tensor& q, const torch::Tensor& k, int32_t heads)
{
    const int64_t n = q.size(0), t = q.size(1), dim = q.size(2), d = dim / heads;
    const auto split = [&](const torch::Tensor& a) { return a.reshape({n, t, heads, d}).transpose(1, 2); };
    return torch::matmul(split(q), split(k).transpose(-2, -1)) / std::sqrt(static_cast<double>(d));
}

// Per-output-channel symmetric int8 of a weight tensor [C_out, ...] (float, any device).
void quantize_weights(const torch::Tensor& weight, QuantizedLayer& out)
{
    const torch::Tensor w = weight.detach().to(torch::kCPU, torch::kFloat).contiguous();
    const int64_t channels = w.size(0);
    const int64_t per_channel = w.numel() / channels;
    const float* data = w.data_ptr<float>();
    std::vector<float> max_abs(static_cast<size_t>(channels), 0.0f);
    float layer_max = 0.0f;
    for (int64_t c = 0; c < channels; c++) {
        for (int64_t j = 0; j < per_channel; j++) {
            max_abs[static_cast<size_t>(c)] = std::max(max_abs[static_cast<size_t>(c)], std::fabs(data[c * per_channel + j]));
        }
        layer_max = std::max(layer_max, max_abs[static_cast<size_t>(c)]);
    }
    out.weights.resize(static_cast<size_t>(w.numel()));
    out.weight_scales.resize(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; c++) {
        // An all-zero channel (pruned) keeps a scale of the layer's order: its requantization multiplier stays
        // in range and its weights stay 0.
        float m = max_abs[static_cast<size_t>(c)];
        if (!(m > 0.0f)) m = layer_max > 0.0f ? layer_max : 1.0f;
        const float s = m / 127.0f;
        out.weight_scales[static_cast<size_t>(c)] = s;
        for (int64_t j = 0; j < per_channel; j++) {
            const float q = std::round(data[c * per_channel + j] / s);
            out.weights[static_cast<size_t>(c * per_channel + j)] =
                static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
        }
    }
}

void quantize_bias(const torch::Tensor& bias, float input_scale, QuantizedLayer& out)
{
    const size_t channels = out.weight_scales.size();
    out.bias.assign(channels, 0);
    if (!bias.defined()) return;
    const torch::Tensor b = bias.detach().to(torch::kCPU, torch::kFloat).contiguous();
    TF_INTERNAL_ASSERT(static_cast<size_t>(b.numel()) == channels);
    const float* data = b.data_ptr<float>();
    for (size_t c = 0; c < channels; c++) {
        const double q = std::round(static_cast<double>(data[c]) / (double(input_scale) * out.weight_scales[c]));
        out.bias[c] = static_cast<int32_t>(std::clamp(q, double(std::numeric_limits<int32_t>::min()),
                                                      double(std::numeric_limits<int32_t>::max())));
    }
}

std::vector<float> to_floats(const torch::Tensor& t)
{
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

// ---- calibration ----------------------------------------------------------------------------------------------

Calibrator::Calibrator(SinglePathModel& model) : model_(model)
{
    calibration_.values.resize(model.layers().size() + 1);
    calibration_.scores.resize(model.layers().size());
}

void Calibrator::observe(const std::vector<float>& images, int64_t n)
{
    const ArchConfig& c = model_.config();
    const int64_t pixels = int64_t{c.input_c} * c.input_h * c.input_w;
    TF_CHECK(n > 0 && static_cast<int64_t>(images.size()) == n * pixels, "calibration: ", images.size(),
             " floats for ", n, " images of ", c.input_c, "x", c.input_h, "x", c.input_w,
             " (NCHW); expected n > 0 and n * C * H * W floats");
    SinglePathModuleImpl& module = model_.module();
    torch::NoGradGuard no_grad;
    EvalModeGuard eval(module);
    torch::Device device = torch::kCPU;
    for (const auto& p : module.parameters()) {
        device = p.device();
        break;
    }
    const torch::Tensor x = torch::from_blob(const_cast<float*>(images.data()), {n, c.input_c, c.input_h, c.input_w},
                                             torch::kFloat)
                                .to(device);
    const std::vector<torch::Tensor> values = module.forward_all(x);
    for (size_t v = 0; v < values.size(); v++) {
        include_tensor(calibration_.values[v], values[v]);
    }
    const std::vector<LayerSpec>& specs = module.layers();
    for (size_t i = 0; i < specs.size(); i++) {
        if (specs[i].kind == LayerKind::Attention) {
            const auto& in = specs[i].inputs;
            include_tensor(calibration_.scores[i], attention_scores(values[static_cast<size_t>(in[0])],
                                                                    values[static_cast<size_t>(in[1])],
                                                                    specs[i].heads));
        }
    }
    calibration_.images += n;
}

int64_t Calibrator::observe_loader(BatchLoader& loader, int64_t max_batches)
{
    TF_CHECK(loader.options().layout == Layout::NCHW, "calibration: the loader must produce NCHW batches");
    TF_CHECK(max_batches >= 0, "calibration: max_batches = ", max_batches, " must be >= 0");
    const int64_t batches = max_batches == 0 ? loader.batches_per_epoch()
                                             : std::min(max_batches, loader.batches_per_epoch());
    int64_t seen = 0;
    for (int64_t b = 0; b < batches; b++) {
        const Batch batch = loader.batch(b);
        observe(batch.images, batch.size);
        seen += batch.size;
    }
    return seen;
}

// ---- quantization -------------------------------------------------------------------------------------------

ActivationQuant choose_activation_quant(const ActivationRange& range)
{
    TF_CHECK(range.observed && std::isfinite(range.min) && std::isfinite(range.max),
             "activation range [", range.min, ", ", range.max, "] is unobserved or not finite");
    const double lo = std::min(0.0, double(range.min));
    const double hi = std::max(0.0, double(range.max));
    const double scale = std::max(hi - lo, 1e-6) / 255.0;
    // q = zp + real / scale: lo maps to -128 (hi to 127), 0 to the integer zp.
    const double zp = std::clamp(std::round(-128.0 - lo / scale), -128.0, 127.0);
    return ActivationQuant{static_cast<float>(scale), static_cast<int32_t>(zp)};
}

ActivationQuant softmax_output_quant() { return ActivationQuant{1.0f / 256.0f, -128}; }

QuantizedModel quantize(const SinglePathModel& model, const Calibration& calibration, const QuantizeOptions& options)
{
    TF_CHECK(!model.has_batch_norm(), "quantize: the model still has BatchNorm; call fold_batch_norm() first");
    const std::vector<LayerSpec>& specs = model.layers();
    TF_CHECK(calibration.values.size() == specs.size() + 1 && calibration.scores.size() == specs.size() &&
                 calibration.images > 0,
             "quantize: the calibration has ", calibration.values.size(), " value ranges over ", calibration.images,
             " images; this model needs ", specs.size() + 1, " (calibrate this model first)");
    QuantizedModel q;
    q.config = model.config();
    q.layers = specs;
    q.values.resize(specs.size() + 1);
    q.scores.resize(specs.size());
    q.params.resize(specs.size());
    if (options.fixed_input) {
        check_input_quantization(options.input.scale, options.input.zero_point);
        q.values[0] = options.input;
    } else {
        q.values[0] = choose_activation_quant(calibration.values[0]);
    }
    const SinglePathModuleImpl& module = model.module();
    for (size_t i = 0; i < specs.size(); i++) {
        const LayerSpec& l = specs[i];
        const ActivationQuant in = q.values[static_cast<size_t>(l.inputs[0])];
        ActivationQuant& out = q.values[i + 1];
        switch (l.kind) {
        case LayerKind::MaxPool2x2:
        case LayerKind::AvgPool2x2:
        case LayerKind::ToTokens:
        case LayerKind::ToMap: out = in; break;
        case LayerKind::Softmax: out = softmax_output_quant(); break;
        default:
            TF_CHECK(calibration.values[i + 1].observed, "quantize: layer '", l.name, "' has no calibrated range");
            out = choose_activation_quant(calibration.values[i + 1]);
            break;
        }
        if (l.kind == LayerKind::Attention) {
            TF_CHECK(calibration.scores[i].observed, "quantize: attention '", l.name, "' has no calibrated scores");
            q.scores[i] = choose_activation_quant(calibration.scores[i]);
        }
        const LayerModules& m = module.layer_modules(i);
        QuantizedLayer& p = q.params[i];
        if (m.conv) {
            quantize_weights(m.conv->weight, p);
            quantize_bias(m.conv->bias, in.scale, p);
        } else if (m.linear) {
            quantize_weights(m.linear->weight, p);
            quantize_bias(m.linear->bias, in.scale, p);
        } else if (m.norm) {
            p.gamma = to_floats(m.norm->weight);
            p.beta = to_floats(m.norm->bias);
            p.epsilon = static_cast<float>(m.norm->options.eps());
        }
    }
    return q;
}

// ---- int8 accuracy ----------------------------------------------------------------------------------------------

Int8Accuracy int8_accuracy(const engine::CompiledModel& model, const Dataset& dataset, const Normalization& norm,
                           int64_t limit, const engine::InterpreterOptions& options, int32_t threads)
{
    const ImageShape shape = dataset.image_shape();
    const std::vector<int32_t> want{1, shape.height, shape.width, shape.channels};
    TF_CHECK(model.input_shape == want, "int8_accuracy: the model input is not [1, ", shape.height, ", ",
             shape.width, ", ", shape.channels, "] (NHWC) as the images of ", dataset.description());
    TF_CHECK(limit >= 0, "int8_accuracy: limit ", limit, " must be >= 0");
    TF_CHECK(threads >= 0, "int8_accuracy: threads ", threads, " must be >= 0 (0: one per core)");
    const int64_t classes = engine::HostInterpreter(model, options).output_size();
    TF_CHECK(classes >= dataset.num_classes(), "int8_accuracy: the model has ", classes, " outputs, the dataset ",
             dataset.num_classes(), " classes");
    const int64_t n = limit > 0 ? std::min(limit, dataset.size()) : dataset.size();
    const int64_t workers = std::clamp<int64_t>(
        threads > 0 ? threads : static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency())), 1,
        std::max<int64_t>(1, n));
    // Worker w takes images w, w + workers, ...: each has its own interpreter
    // (arena); the model is shared read-only. Counts do not depend on workers.
    std::vector<int64_t> correct(static_cast<size_t>(workers), 0);
    std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
    const auto work = [&](int64_t w) {
        try {
            engine::HostInterpreter interpreter(model, options);
            for (int64_t i = w; i < n; i += workers) {
                const std::vector<int8_t> image =
                    quantize_image(dataset, i, norm, model.input_scale, model.input_zero_point);
                std::copy(image.begin(), image.end(), interpreter.input());
                interpreter.run();
                const int8_t* logits = interpreter.output();
                const int64_t predicted = std::max_element(logits, logits + classes) - logits;
                correct[static_cast<size_t>(w)] += predicted == dataset.label(i) ? 1 : 0;
            }
        } catch (...) {
            errors[static_cast<size_t>(w)] = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    for (int64_t w = 1; w < workers; w++) {
        pool.emplace_back(work, w);
    }
    work(0);
    for (std::thread& t : pool) {
        t.join();
    }
    for (const std::exception_ptr& e : errors) {
        if (e) {
            std::rethrow_exception(e);
        }
    }
    Int8Accuracy acc;
    acc.images = n;
    for (const int64_t c : correct) {
        acc.correct += c;
    }
    return acc;
}

}  // namespace tinyformer::toolkit
