// The LibTorch side of SinglePathModel (model.h). Including this header pulls
// in torch/torch.h (~20 s and 1.2 GB per translation unit): only code that
// works on tensors (trainer, pruning, quantization, export, tests) does.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tinyformer/toolkit/architecture.h"
#include "tinyformer/toolkit/model.h"

namespace tinyformer::toolkit {

// The weighted submodules of one layer (null where the layer has none).
struct LayerModules {
    torch::nn::Conv2d conv{nullptr};     // Conv, Depthwise (groups = channels)
    torch::nn::BatchNorm2d bn{nullptr};  // after conv when ModelOptions::batch_norm, until folded
    torch::nn::Linear linear{nullptr};   // Linear
    torch::nn::LayerNorm norm{nullptr};  // LayerNorm
};

// Creates and initialises (Kaiming, from `gen`) the modules of one weighted layer.
LayerModules make_layer_modules(const LayerSpec& layer, const ModelOptions& options, at::Generator& gen);

// The weights a supernet's single paths share (supernet.h): one set of layer
// modules per (layer, candidate of its choice module, shape), created on first
// use. Its children are those modules, registered under the key.
class SharedLayersImpl : public torch::nn::Module {
public:
    SharedLayersImpl(const ModelOptions& options);
    // The modules of `layer` of the single path `config`.
    LayerModules get(const ArchConfig& config, const LayerSpec& layer);
    // The key: layer name ('.' -> '_'), the candidate of its choice module, its shape.
    static std::string key(const ArchConfig& config, const LayerSpec& layer);
    size_t size() const { return modules_.size(); }

private:
    ModelOptions options_;
    at::Generator gen_;
    std::map<std::string, LayerModules> modules_;
};
TORCH_MODULE(SharedLayers);

// Loads what Module::save wrote into `module` (parameters and buffers of its
// direct children), checking that each is present with the module's shape
// (Module::load does not check shapes); throws engine::Error naming `what` and
// the first misfit.
void load_checked(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& what);

// One torch::nn::Module running layers(config) in order. Submodules are
// registered under the layer name with '.' replaced by '_' (a BatchNorm under
// that name + "_bn"), e.g. "dot1_vit_1_enc_1_q".
class SinglePathModuleImpl : public torch::nn::Module {
public:
    // With `shared`, the layers use (and on first use create) the supernet's
    // shared modules instead of their own.
    SinglePathModuleImpl(const ArchConfig& config, const ModelOptions& options,
                         std::shared_ptr<SharedLayersImpl> shared = nullptr);

    // images NCHW float [N, C, H, W] -> logits [N, classes].
    torch::Tensor forward(const torch::Tensor& images);
    // Every value of the layer list: [0] is the input, [i + 1] is layers()[i]'s
    // output (maps NCHW, tokens [N, T, C]).
    std::vector<torch::Tensor> forward_all(const torch::Tensor& images);

    const std::vector<LayerSpec>& layers() const { return layers_; }
    const LayerModules& layer_modules(size_t layer) const { return modules_.at(layer); }

    // See SinglePathModel::fold_batch_norm.
    void fold_batch_norm();
    bool has_batch_norm() const;

    static std::string module_name(const std::string& layer_name);

private:
    torch::Tensor run_layer(size_t i, const std::vector<torch::Tensor>& values);

    std::vector<LayerSpec> layers_;
    std::vector<LayerModules> modules_;
};
TORCH_MODULE(SinglePathModule);

// The engine's shape of a value ([1, H, W, C] or [T, C]) as the module's
// tensor shape for a batch of n ([n, C, H, W] or [n, T, C]).
std::vector<int64_t> torch_shape(const std::vector<int32_t>& engine_shape, int64_t n);

}  // namespace tinyformer::toolkit
