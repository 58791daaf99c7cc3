// The trainable LibTorch model of one architecture description, behind a
// header that does not include LibTorch (torch/torch.h costs ~20 s and 1.2 GB
// per translation unit; the CLI and the search include this header freely).
//
// SinglePathModel builds one submodule per weighted layer of layers(config),
// in the same order and with the same shapes as the engine graph
// (build_engine_graph), and runs the layer list as written:
//   Conv / Depthwise -> Conv2d [+ BatchNorm2d] + activation,
//   Linear -> Linear + activation (over the last dimension of tokens),
//   MaxPool2x2 / AvgPool2x2, Add, LayerNorm, Attention (multi-head
//   softmax(Q K^T / sqrt(head dim)) V, written out), SeqPool, views.
// Tensors: images NCHW float [N, C, H, W]; tokens [N, T, C] (the engine's
// [T, C] with a batch in front; the token of pixel (h, w) is h * W + w).
// Its output is the logits [N, classes].
//
// Code that needs the LibTorch module itself (trainer, pruning, export)
// includes "tinyformer/toolkit/model_torch.h".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinyformer/toolkit/architecture.h"

namespace tinyformer::toolkit {

class SinglePathModuleImpl;  // the torch::nn::Module, in model_torch.h
class SharedLayersImpl;      // a supernet's shared weights, in model_torch.h

struct ModelOptions {
    // BatchNorm2d after every convolution (the convolution then has no bias of
    // its own; fold_batch_norm() turns the pair into one biased convolution,
    // as the export needs). Off: the convolution carries its bias.
    bool batch_norm = true;
    // Seed of the Kaiming initialisation (the model is the same for a seed).
    uint64_t seed = 1;
};

// The parameters one layer keeps once exported (BatchNorm folded): what
// LayerSpec::weight_count() and bias_count() describe.
struct LayerParameters {
    std::string name;     // LayerSpec::name
    int64_t weights = 0;  // conv / linear weights, LayerNorm gamma
    int64_t biases = 0;   // biases (a folded BatchNorm's bias), LayerNorm beta
};

class SinglePathModel {
public:
    // Throws engine::Error for an impossible config (see layers()).
    explicit SinglePathModel(const ArchConfig& config, const ModelOptions& options = {});
    // A single path of a supernet: its layers are the supernet's shared
    // modules (Supernet::path), so training it trains the supernet.
    SinglePathModel(const ArchConfig& config, const ModelOptions& options, std::shared_ptr<SharedLayersImpl> shared);
    ~SinglePathModel();
    SinglePathModel(SinglePathModel&&) noexcept;
    SinglePathModel& operator=(SinglePathModel&&) noexcept;
    SinglePathModel(const SinglePathModel&) = delete;
    SinglePathModel& operator=(const SinglePathModel&) = delete;

    const ArchConfig& config() const;
    const std::vector<LayerSpec>& layers() const;
    const ModelOptions& options() const;

    // Per weighted layer (layers() order; weightless layers are left out),
    // counted from the module's own tensors. BatchNorm counts as the bias it
    // folds into; its running statistics and scale are not parameters of the
    // exported layer.
    std::vector<LayerParameters> parameters_per_layer() const;
    // Sum of parameters_per_layer(): equals toolkit::parameter_count(config()).
    int64_t parameter_count() const;

    // Folds every BatchNorm into its convolution (which gains a bias), using the
    // running statistics: the eval-mode output is unchanged. Needed before
    // export; training afterwards continues without BatchNorm. On a path of a
    // supernet it replaces the modules of this path only (the supernet keeps
    // its BatchNorms): fold an extracted copy (Supernet::extract) instead.
    void fold_batch_norm();
    bool has_batch_norm() const;

    // Weights and buffers (BatchNorm statistics) to / from a file (torch::save
    // format). load() requires the same config and options; it names the first
    // tensor that does not fit otherwise.
    void save(const std::string& path) const;
    void load(const std::string& path);

    // The LibTorch module (include model_torch.h to use it).
    SinglePathModuleImpl& module();
    const SinglePathModuleImpl& module() const;
    std::shared_ptr<SinglePathModuleImpl> module_ptr();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace tinyformer::toolkit
