// Memory planner benchmark: arena per planner against the lower bound, and time
// per plan, on synthetic graphs shaped like the models the search produces.
//
//   planner_bench            prints a Markdown table (bench/run_planner_bench.sh
//                            writes it to bench/results/memory-planner.md)
//
// Graphs are built from plain buffer requests: activations int8, scratch sizes
// as the runtime kernels need them (assumptions in scratch_bytes below).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tinyformer/engine/head_tail_planner.h"
#include "tinyformer/engine/lifetime_planner.h"
#include "tinyformer/engine/memory_planner.h"

namespace {

using tinyformer::engine::BestPlan;
using tinyformer::engine::BufferRequest;
using tinyformer::engine::GreedyBySizePlanner;
using tinyformer::engine::HeadTailPlanner;
using tinyformer::engine::MemoryPlanner;

// Scratch each op needs (bytes), CMSIS-NN-like:
namespace scratch_bytes {
// im2col of two output pixels as int16
int64_t conv3x3(int64_t in_channels) { return 2 * in_channels * 9 * 2; }
// exp cache of the softmax: 256 int32 entries + a 256-bit filled-entries bitmap
constexpr int64_t softmax_cache = 256 * 4 + 32;
// attention a query row at a time: per head one row of int32 scores and of
// int8 probabilities, plus the exp cache
int64_t attention_row(int64_t heads, int64_t tokens) { return heads * tokens * 5 + softmax_cache; }
// scaled LayerNorm keeps one normalized row as int16
int64_t layernorm(int64_t channels) { return 2 * channels; }
// SeqPool: token weights as int32 + the exp cache
int64_t seqpool(int64_t tokens) { return 4 * tokens + softmax_cache; }
}  // namespace scratch_bytes

// Records ops in execution order as buffer requests: op k runs at step k, reads
// its inputs (their lifetimes extend to k) and writes one output.
class GraphBuilder {
public:
    int input(const std::string& name, int64_t bytes)
    {
        requests_.push_back(make(name, bytes, -1));
        return last();
    }

    // `inputs[0]` is the main-path input (the one head-tail alternates from).
    int op(const std::string& name, int64_t bytes, const std::vector<int>& inputs,
           int64_t scratch = 0)
    {
        ++step_;
        for (int input : inputs) {
            requests_[static_cast<size_t>(input)].last_step = step_;
        }
        requests_.push_back(make(name, bytes, inputs.empty() ? -1 : inputs[0]));
        const int output = last();
        if (scratch > 0) {
            BufferRequest tmp = make(name + "_scratch", scratch, -1);
            tmp.is_scratch = true;
            requests_.push_back(tmp);
        }
        return output;
    }

    const std::vector<BufferRequest>& requests() const { return requests_; }

private:
    BufferRequest make(const std::string& name, int64_t bytes, int input) const
    {
        BufferRequest request;
        request.name = name;
        request.size = bytes;
        request.first_step = step_;
        request.last_step = step_;
        request.input_buffer = input;
        return request;
    }
    int last() const { return static_cast<int>(requests_.size()) - 1; }

    std::vector<BufferRequest> requests_;
    int step_ = 0;
};

// ResNet-style CNN at 32x32x3: conv3x3 16, three stages of two basic blocks
// (16 @ 32x32, 32 @ 16x16, 64 @ 8x8; stride-2 blocks with a 1x1 shortcut), pool, FC.
std::vector<BufferRequest> resnet_cnn()
{
    GraphBuilder g;
    int x = g.input("image", 32 * 32 * 3);
    x = g.op("stem", 32 * 32 * 16, {x}, scratch_bytes::conv3x3(3));
    int64_t side = 32;
    int64_t channels = 16;
    for (int stage = 0; stage < 3; ++stage) {
        for (int block = 0; block < 2; ++block) {
            const std::string name = "s" + std::to_string(stage) + "b" + std::to_string(block);
            const bool down = stage > 0 && block == 0;
            const int64_t in_channels = channels;
            if (down) {
                side /= 2;
                channels *= 2;
            }
            const int64_t bytes = side * side * channels;
            const int a = g.op(name + "_conv1", bytes, {x}, scratch_bytes::conv3x3(in_channels));
            const int b = g.op(name + "_conv2", bytes, {a}, scratch_bytes::conv3x3(channels));
            const int shortcut = down ? g.op(name + "_shortcut", bytes, {x}) : x;
            x = g.op(name + "_add", bytes, {b, shortcut});
        }
    }
    x = g.op("avgpool", channels, {x});
    g.op("fc", 10, {x});
    return g.requests();
}

// MobileNetV2 inverted residual: 1x1 expand -> dw 3x3 -> 1x1 project (-> add).
int inverted_residual(GraphBuilder& g, const std::string& name, int x, int64_t tokens,
                      int64_t in_channels, int64_t out_channels, int64_t expansion, bool residual)
{
    const int64_t hidden = in_channels * expansion;
    const int e = g.op(name + "_expand", tokens * hidden, {x});
    const int d = g.op(name + "_dw", tokens * hidden, {e});
    const int p = g.op(name + "_project", tokens * out_channels, {d});
    return residual ? g.op(name + "_add", tokens * out_channels, {p, x}) : p;
}

// MobileNetV2-style CNN at 32x32x3 (expansion 4, as MCU models use).
std::vector<BufferRequest> mobilenetv2_cnn()
{
    GraphBuilder g;
    int x = g.input("image", 32 * 32 * 3);
    x = g.op("stem", 16 * 16 * 16, {x}, scratch_bytes::conv3x3(3));  // stride 2
    struct Stage {
        int64_t side, channels;
        int blocks;
    };
    const Stage stages[] = {{16, 16, 2}, {8, 24, 2}, {8, 32, 3}, {4, 64, 2}};
    int64_t channels = 16;
    int index = 0;
    for (const Stage& stage : stages) {
        for (int block = 0; block < stage.blocks; ++block) {
            const bool residual = block > 0 || stage.channels == channels;
            x = inverted_residual(g, "mb" + std::to_string(index++), x,
                                  stage.side * stage.side, channels, stage.channels, 4, residual);
            channels = stage.channels;
        }
    }
    x = g.op("avgpool", channels, {x});
    g.op("fc", 10, {x});
    return g.requests();
}

// Pre-LN encoder on tokens x channels: LN -> QKV -> MHSA (a query row at a time)
// -> proj -> add; LN -> fc (ratio) + ReLU -> fc -> add.
int encoder(GraphBuilder& g, const std::string& name, int x, int64_t tokens, int64_t channels,
            int64_t heads, int64_t mlp_ratio)
{
    const int64_t bytes = tokens * channels;
    const int ln1 = g.op(name + "_ln1", bytes, {x}, scratch_bytes::layernorm(channels));
    const int qkv = g.op(name + "_qkv", 3 * bytes, {ln1});
    const int attn = g.op(name + "_mhsa", bytes, {qkv}, scratch_bytes::attention_row(heads, tokens));
    const int proj = g.op(name + "_proj", bytes, {attn});
    const int res1 = g.op(name + "_add1", bytes, {proj, x});
    const int ln2 = g.op(name + "_ln2", bytes, {res1}, scratch_bytes::layernorm(channels));
    const int hidden = g.op(name + "_fc1", bytes * mlp_ratio, {ln2});
    const int out = g.op(name + "_fc2", bytes, {hidden});
    return g.op(name + "_add2", bytes, {out, res1});
}

// MobileViT-like transformer module: conv3x3 -> conv1x1 -> tokens (a view) ->
// encoders -> fold (a view) -> conv1x1 -> conv3x3.
int transformer_module(GraphBuilder& g, const std::string& name, int x, int64_t tokens,
                       int64_t channels, int64_t heads, int encoders)
{
    const int64_t bytes = tokens * channels;
    x = g.op(name + "_conv3x3_in", bytes, {x}, scratch_bytes::conv3x3(channels));
    x = g.op(name + "_conv1x1_in", bytes, {x});
    for (int e = 0; e < encoders; ++e) {
        x = encoder(g, name + "_enc" + std::to_string(e), x, tokens, channels, heads, 2);
    }
    x = g.op(name + "_conv1x1_out", bytes, {x});
    return g.op(name + "_conv3x3_out", bytes, {x}, scratch_bytes::conv3x3(channels));
}

// TinyFormer backbone at 32x32x3: DoT1 (conv3x3 stride 2 -> 256 tokens x 44),
// DoT2 (conv3x3 stride 2 -> 64 tokens x 192), each DoT = downsample ->
// MobileNetV2 x m (expansion 4) -> transformer x t; then SeqPool, FC 512, FC 10.
std::vector<BufferRequest> tinyformer_backbone(int mobilenets, int transformers)
{
    GraphBuilder g;
    int x = g.input("image", 32 * 32 * 3);
    struct Dot {
        int64_t tokens, channels, heads;
    };
    const Dot dots[] = {{256, 44, 2}, {64, 192, 4}};
    int64_t channels = 3;
    int index = 0;
    for (const Dot& dot : dots) {
        const std::string name = "dot" + std::to_string(++index);
        x = g.op(name + "_down", dot.tokens * dot.channels, {x}, scratch_bytes::conv3x3(channels));
        channels = dot.channels;
        for (int m = 0; m < mobilenets; ++m) {
            x = inverted_residual(g, name + "_mb" + std::to_string(m), x, dot.tokens, channels,
                                  channels, 4, true);
        }
        for (int t = 0; t < transformers; ++t) {
            x = transformer_module(g, name + "_tf" + std::to_string(t), x, dot.tokens, channels,
                                   dot.heads, 1);
        }
    }
    const int logits = g.op("seqpool_logits", 64, {x});
    x = g.op("seqpool", channels, {x, logits}, scratch_bytes::seqpool(64));
    x = g.op("fc1", 512, {x});
    g.op("fc2", 10, {x});
    return g.requests();
}

// A random DAG of about `ops` ops (plus scratch), to time the planners at the
// size the search meets.
std::vector<BufferRequest> random_dag(int ops, unsigned seed)
{
    std::mt19937 rng(seed);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    GraphBuilder g;
    std::vector<int> outputs = {g.input("input", 3072)};
    for (int op = 1; op < ops; ++op) {
        std::vector<int> inputs = {outputs[outputs.size() - static_cast<size_t>(
                                       std::min<int>(static_cast<int>(outputs.size()), uniform(1, 2)))]};
        if (uniform(0, 3) == 0) {
            inputs.push_back(outputs[static_cast<size_t>(uniform(0, static_cast<int>(outputs.size()) - 1))]);
        }
        outputs.push_back(g.op("op" + std::to_string(op), 4 * uniform(100, 12000), inputs,
                               uniform(0, 2) == 0 ? 4 * uniform(10, 500) : 0));
    }
    return g.requests();
}

// Median microseconds per call of `plan`, over enough calls to fill ~50 ms.
double microseconds_per_call(const std::function<void()>& plan)
{
    using clock = std::chrono::steady_clock;
    std::vector<double> samples;
    const auto start = clock::now();
    while (samples.size() < 5 ||
           (clock::now() - start < std::chrono::milliseconds(50) && samples.size() < 100000)) {
        const auto t0 = clock::now();
        plan();
        samples.push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count());
    }
    std::nth_element(samples.begin(), samples.begin() + static_cast<long>(samples.size() / 2),
                     samples.end());
    return samples[samples.size() / 2];
}

}  // namespace

int main()
{
    struct Graph {
        std::string name;
        std::vector<BufferRequest> requests;
    };
    const std::vector<Graph> graphs = {
        {"ResNet-style CNN 32x32 (3 stages x 2 blocks)", resnet_cnn()},
        {"MobileNetV2-style CNN 32x32 (expansion 4)", mobilenetv2_cnn()},
        {"TinyFormer-300K shape (m=1, t=1 per DoT)", tinyformer_backbone(1, 1)},
        {"TinyFormer supernet max (m=2, t=2 per DoT)", tinyformer_backbone(2, 2)},
        {"random DAG, 100 ops", random_dag(100, 1)},
    };

    const HeadTailPlanner head_tail(HeadTailPlanner::LiveInput::alternate);
    const HeadTailPlanner head_tail_stack(HeadTailPlanner::LiveInput::stack);
    const GreedyBySizePlanner greedy;
    const MemoryPlanner* planners[] = {&head_tail, &head_tail_stack, &greedy};
    int within_target = 0;
    std::printf("| graph | buffers | lower bound (B) | head-tail (B) | head-tail-stack (B) | "
                "greedy-by-size (B) | best | best / bound | head-tail (us) | head-tail-stack (us) | "
                "greedy (us) | plan_best (us) |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n");
    for (const Graph& graph : graphs) {
        const auto& requests = graph.requests;
        const BestPlan best = tinyformer::engine::plan_best(requests);  // validates every plan
        const double bound = static_cast<double>(best.report.lower_bound);
        std::printf("| %s | %zu | %lld", graph.name.c_str(), requests.size(),
                    static_cast<long long>(best.report.lower_bound));
        for (const auto& candidate : best.report.candidates) {
            std::printf(" | %lld (%.3f)", static_cast<long long>(candidate.arena),
                        static_cast<double>(candidate.arena) / bound);
        }
        std::printf(" | %s | %.3f", best.report.planner.c_str(), best.report.ratio);
        for (const MemoryPlanner* planner : planners) {
            std::printf(" | %.1f", microseconds_per_call([&] { planner->plan(requests); }));
        }
        std::printf(" | %.1f |\n",
                    microseconds_per_call([&] { tinyformer::engine::plan_best(requests); }));
        within_target += best.report.ratio <= 1.10 ? 1 : 0;
    }
    std::printf("\nTarget: best plan within 10%% of the lower bound: met on %d of %zu graphs.\n",
                within_target, graphs.size());
    return within_target == static_cast<int>(graphs.size()) ? 0 : 1;
}
