// Compression of the block-sparse weight format on the shapes of the paper's layers.
//
// For each layer, block size b and target block sparsity rho, the weights are random int8
// (roughly Gaussian, like trained per-channel-quantized weights), blockwise magnitude-pruned in the
// kernel's reduction order (the lowest-L1 blocks zeroed, as the toolkit's pruning does), then coded.
// Prints a Markdown table: measured dense/coded ratio, the expected ratio eta = 1/((1-rho)(1+1/b))
// at the target rho and at the measured block sparsity (random weights have a few all-zero blocks
// of their own), the gaps (target: within 2%), and the ratios of CSR and COO.
// Every coded matrix is decoded again through the runtime's C decoder and compared bit for bit.
//
// Usage: codec_bench [seed]      (bench/run_codec_bench.sh writes bench/results/sparse-codec.md)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tinyformer/engine/error.h"
#include "tinyformer/engine/sparse_codec.h"

namespace {

using tinyformer::engine::EncodedWeights;
using tinyformer::engine::SparseCodec;
using tinyformer::engine::to_string;

struct Layer {
    std::string name;
    std::string order;  // reduction order of the coded matrix
    int32_t rows;
    int32_t row_len;
    std::vector<int8_t> weights;  // [rows, row_len] in that order
};

std::vector<int8_t> random_weights(size_t count, std::mt19937& rng)
{
    std::normal_distribution<double> normal(0.0, 40.0);
    std::vector<int8_t> w(count);
    for (auto& v : w) v = static_cast<int8_t>(std::clamp(std::lround(normal(rng)), -127L, 127L));
    return w;
}

// conv weights [C_out, KH, KW, C_in] -> [C_out, KH, C_in, KW]: the 3 width taps become contiguous,
// so a block of 3 is one kernel row of one input channel.
std::vector<int8_t> width_order(const std::vector<int8_t>& ohwi, int32_t c_out, int32_t kh, int32_t kw,
                                int32_t c_in)
{
    std::vector<int8_t> ohiw(ohwi.size());
    for (int32_t o = 0; o < c_out; ++o)
        for (int32_t y = 0; y < kh; ++y)
            for (int32_t x = 0; x < kw; ++x)
                for (int32_t i = 0; i < c_in; ++i)
                    ohiw[((static_cast<size_t>(o) * kh + y) * c_in + i) * kw + x] =
                        ohwi[((static_cast<size_t>(o) * kh + y) * kw + x) * c_in + i];
    return ohiw;
}

// Zeroes the round(rho * blocks) blocks of smallest L1 norm (ties broken by position).
std::vector<int8_t> prune_blocks(std::vector<int8_t> w, int32_t block, double rho)
{
    const size_t blocks = w.size() / static_cast<size_t>(block);
    std::vector<int32_t> norm(blocks, 0);
    for (size_t k = 0; k < blocks; ++k)
        for (int32_t j = 0; j < block; ++j) norm[k] += std::abs(int{w[k * block + j]});
    std::vector<size_t> order(blocks);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return norm[a] < norm[b]; });
    const size_t zeroed = static_cast<size_t>(std::llround(rho * static_cast<double>(blocks)));
    for (size_t z = 0; z < zeroed; ++z) std::fill_n(w.begin() + order[z] * block, block, int8_t{0});
    return w;
}

}  // namespace

int main(int argc, char** argv)
{
    const unsigned seed = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 1u;
    std::mt19937 rng(seed);

    const int32_t c = 64, k = 3;
    const std::vector<int8_t> linear = random_weights(768 * 256, rng);
    const std::vector<int8_t> conv_ohwi = random_weights(static_cast<size_t>(c) * k * k * c, rng);
    const std::vector<Layer> layers = {
        {"linear 256->768", "[768, 256]", 768, 256, linear},
        {"conv3x3 64->64", "[C_out, KH, KW, C_in]", c, k * k * c, conv_ohwi},
        {"conv3x3 64->64", "[C_out, KH, C_in, KW]", c, k * k * c, width_order(conv_ohwi, c, k, k, c)},
    };
    struct Run {
        size_t layer;
        int32_t block;
    };
    const Run runs[] = {{0, 2}, {0, 4}, {1, 2}, {1, 4}, {2, 3}};
    const double rhos[] = {0.4, 0.5, 0.6, 0.7, 0.8};

    std::printf("| layer | matrix (order) | b | rho | block sparsity | dense B | coded B | entries | fillers | "
                "ratio | eta(rho) | ratio/eta(rho) - 1 | eta(measured) | ratio/eta(measured) - 1 | CSR ratio | COO ratio | "
                "stored as |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    double worst_gap = 0.0;
    int failures = 0;
    for (const Run& run : runs) {
        const Layer& layer = layers[run.layer];
        for (double rho : rhos) {
            const std::vector<int8_t> w = prune_blocks(layer.weights, run.block, rho);
            const EncodedWeights coded = SparseCodec::encode_block_sparse(w.data(), layer.rows, layer.row_len, run.block);
            const EncodedWeights stored = SparseCodec::encode(w.data(), layer.rows, layer.row_len, run.block);
            if (SparseCodec::decode(coded) != w || SparseCodec::decode(stored) != w) {
                std::fprintf(stderr, "round trip failed: %s b=%d rho=%.2f\n", layer.name.c_str(), run.block, rho);
                ++failures;
            }
            const double sparsity = SparseCodec::block_sparsity(w.data(), layer.rows, layer.row_len, run.block);
            const int64_t blocks = static_cast<int64_t>(layer.rows) * layer.row_len / run.block;
            const int64_t nonzero_blocks = blocks - std::llround(sparsity * static_cast<double>(blocks));
            const double dense = static_cast<double>(coded.dense_bytes);
            const double ratio = dense / static_cast<double>(coded.coded_bytes);
            const double eta = SparseCodec::expected_ratio(rho, run.block);
            const double gap = ratio / eta - 1.0;
            const double eta_measured = SparseCodec::expected_ratio(sparsity, run.block);
            const double gap_measured = ratio / eta_measured - 1.0;
            worst_gap = std::max(worst_gap, std::fabs(gap));
            const double csr = dense / static_cast<double>(SparseCodec::csr_bytes(w.data(), layer.rows, layer.row_len));
            const double coo = dense / static_cast<double>(SparseCodec::coo_bytes(w.data(), layer.rows, layer.row_len));
            std::printf("| %s | %dx%d %s | %d | %.1f | %.4f | %lld | %lld | %d | %lld | %.3f | %.3f | %+.3f%% | %.3f | "
                        "%+.3f%% | %.3f | %.3f | %s |\n",
                        layer.name.c_str(), layer.rows, layer.row_len, layer.order.c_str(), run.block, rho, sparsity,
                        static_cast<long long>(coded.dense_bytes), static_cast<long long>(coded.coded_bytes),
                        coded.entries, static_cast<long long>(coded.entries - nonzero_blocks), ratio, eta, 100.0 * gap,
                        eta_measured, 100.0 * gap_measured, csr, coo, to_string(stored.format));
        }
    }
    std::printf("\nLargest |ratio/eta(rho) - 1|: %.3f%% (target: within 2%%). Round trips: %s.\n", 100.0 * worst_gap,
                failures == 0 ? "all bit-exact" : "FAILED");
    return failures == 0 && worst_gap <= 0.02 ? 0 : 1;
}
