// Models shared by the C emitter's unit test (tests/engine/test_c_emitter.cpp)
// and the code generation example (codegen_example.cpp, the QEMU test).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tinyformer/engine/ir.h"

namespace tinyformer::engine {

// The input firmware/model_main.c feeds the model: a 32-bit LCG, top byte of
// each state, minus 128.
inline std::vector<int8_t> deterministic_input(int64_t size)
{
    std::vector<int8_t> input(static_cast<size_t>(size));
    uint32_t state = 12345u;
    for (auto& value : input) {
        state = state * 1103515245u + 12345u;
        value = static_cast<int8_t>(static_cast<int32_t>(state >> 24) - 128);
    }
    return input;
}

// conv3x3 + ReLU -> depthwise 3x3 -> 1x1 -> add (residual) -> global average
// pool -> reshape -> fully connected -> softmax, through compile(). With
// sparse_pw the 1x1 layer's weights are 3/4 zero blocks of 4 and marked
// block-sparse, so compile() lowers it to the sparse kernel.
inline Graph cnn_graph(bool sparse_pw = false)
{
    Graph g;
    std::mt19937 rng(11);
    const auto random_s8 = [&](size_t n) {
        std::vector<int8_t> v(n);
        for (auto& x : v) {
            x = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
        }
        return v;
    };
    const auto act = [&](const std::string& name, std::vector<int32_t> shape, float scale, int32_t zp) {
        return g.add_activation(name, std::move(shape), QuantParams::per_tensor(scale, zp));
    };
    const TensorId x = act("image", {1, 8, 8, 3}, 0.02f, -128);
    const TensorId w1 = g.add_constant_s8("conv1.w", {8, 3, 3, 3}, random_s8(8 * 27), QuantParams::per_tensor(0.01f, 0));
    const TensorId c1 = act("conv1.y", {1, 8, 8, 8}, 0.05f, -100);
    Conv2DAttrs a1;
    a1.pad_top = a1.pad_left = a1.pad_bottom = a1.pad_right = 1;
    a1.activation = Activation::Relu;
    g.add_op(OpKind::Conv2D, "conv1", {x, w1, kNoTensor}, {c1}, a1);

    const TensorId wd = g.add_constant_s8("dw.w", {3, 3, 8}, random_s8(72), QuantParams::per_tensor(0.02f, 0));
    const TensorId d = act("dw.y", {1, 8, 8, 8}, 0.06f, 4);
    g.add_op(OpKind::DepthwiseConv2D, "dw", {c1, wd, kNoTensor}, {d}, DepthwiseConv2DAttrs{});

    std::vector<int8_t> pw = random_s8(64);
    Conv2DAttrs pw_attrs;
    if (sparse_pw) {
        for (size_t i = 0; i < pw.size(); ++i) {
            pw[i] = (i / 4) % 4 == 0 ? pw[i] : 0;
        }
        pw_attrs.sparsity = SparsityInfo{4, 0.75f};
    }
    const TensorId wp = g.add_constant_s8("pw.w", {8, 1, 1, 8}, pw, QuantParams::per_tensor(0.015f, 0));
    const TensorId p = act("pw.y", {1, 8, 8, 8}, 0.05f, -2);
    g.add_op(OpKind::Conv2D, "pw", {d, wp, kNoTensor}, {p}, pw_attrs);

    const TensorId sum = act("res.y", {1, 8, 8, 8}, 0.08f, -10);
    g.add_op(OpKind::Add, "res", {c1, p}, {sum}, AddAttrs{});
    const TensorId pooled = act("gap.y", {1, 1, 1, 8}, 0.08f, -10);
    g.add_op(OpKind::GlobalAvgPool, "gap", {sum}, {pooled}, PoolAttrs{});
    const TensorId flat = act("flat", {1, 8}, 0.08f, -10);
    g.add_op(OpKind::Reshape, "flatten", {pooled}, {flat}, ReshapeAttrs{});
    const TensorId wf = g.add_constant_s8("fc.w", {5, 8}, random_s8(40), QuantParams::per_tensor(0.002f, 0));
    const TensorId logits = act("logits", {1, 5}, 0.05f, 0);
    g.add_op(OpKind::FullyConnected, "fc", {flat, wf, kNoTensor}, {logits}, FullyConnectedAttrs{});
    const TensorId probs = act("probs", {1, 5}, 1.0f / 256.0f, -128);
    g.add_op(OpKind::Softmax, "softmax", {logits}, {probs}, SoftmaxAttrs{});
    g.inputs = {x};
    g.outputs = {probs};
    return g;
}

}  // namespace tinyformer::engine
