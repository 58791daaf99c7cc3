// Sparse weight codec: encodes a layer's int8 weights in the blockwise run-length format of the
// runtime (format definition: runtime/include/tinyformer/runtime/se_sparse.h, docs/sparse-format.md)
// and picks, per layer, the smaller of dense and block-sparse (self-adaptive coding).
//
//     // weights: int8 [rows = C_out, row_len = R], already in the kernel's reduction order
//     EncodedWeights w = SparseCodec::encode(weights.data(), rows, row_len, /*block=*/4);
//     if (w.format == WeightFormat::BlockSparse) { /* emit w.bytes and w.entries */ }
//     std::vector<int8_t> back = SparseCodec::decode(w);   // == weights, bit for bit
//
// Decoding goes through the runtime's C decoder, so the format has one reader.
#pragma once

#include <cstdint>
#include <vector>

namespace tinyformer::engine {

enum class WeightFormat { Dense, BlockSparse };

const char* to_string(WeightFormat format);

// A layer's weights in their stored form.
struct EncodedWeights {
    WeightFormat format = WeightFormat::Dense;
    int32_t rows = 0;
    int32_t row_len = 0;
    int32_t block = 0;            // block size b (kept for Dense too: the block the layer was coded with)
    int32_t entries = 0;          // BlockSparse: number of (dis, v[b]) entries; Dense: 0
    std::vector<uint8_t> bytes;   // BlockSparse: the stream; Dense: the int8 weights as bytes
    int64_t dense_bytes = 0;      // rows * row_len
    int64_t coded_bytes = 0;      // entries * (1 + b): the size of the block-sparse form, even when
                                  // Dense was chosen (so reports can show what sparse would cost)

    int64_t stored_bytes() const { return static_cast<int64_t>(bytes.size()); }
};

class SparseCodec {
public:
    // Self-adaptive: the block-sparse form when it is smaller than dense, else dense.
    static EncodedWeights encode(const int8_t* dense, int32_t rows, int32_t row_len, int32_t block);

    // Always the block-sparse form (used by encode; tests and benchmarks call it directly).
    static EncodedWeights encode_block_sparse(const int8_t* dense, int32_t rows, int32_t row_len,
                                              int32_t block);

    // The rule of the self-adaptive choice: BlockSparse only when strictly smaller than dense.
    static WeightFormat choose_format(int64_t dense_bytes, int64_t sparse_bytes);

    // Back to the dense int8 [rows, row_len] matrix. Throws Error on a malformed stream, with the
    // runtime's status in the message.
    static std::vector<int8_t> decode(const EncodedWeights& weights);

    // Number of entries / stream bytes the block-sparse form would take, without building it.
    static int32_t count_entries(const int8_t* dense, int32_t rows, int32_t row_len, int32_t block);

    // Fraction of all-zero blocks of size b (blocks flattened across rows, as coded).
    static double block_sparsity(const int8_t* dense, int32_t rows, int32_t row_len, int32_t block);

    // eta = 1 / ((1 - rho)(1 + 1/b)): dense / coded for block sparsity rho when no fillers are
    // needed. Infinite for rho == 1.
    static double expected_ratio(double rho, int32_t block);

    // Sizes of the usual element-wise formats, for comparison:
    //   CSR: per non-zero int8 value + uint16 column; uint32 row pointer per row, plus one.
    //   COO: per non-zero int8 value + uint16 row + uint16 column.
    static int64_t csr_bytes(const int8_t* dense, int32_t rows, int32_t row_len);
    static int64_t coo_bytes(const int8_t* dense, int32_t rows, int32_t row_len);
};

}  // namespace tinyformer::engine
