#include "tinyformer/engine/sparse_codec.h"

#include <cstring>
#include <limits>

#include "tinyformer/engine/error.h"
#include "tinyformer/runtime/se_sparse.h"

namespace tinyformer::engine {

namespace {

void check_matrix(const int8_t* dense, int32_t rows, int32_t row_len)
{
    TF_CHECK(dense != nullptr, "sparse codec: weights pointer is null");
    TF_CHECK(rows >= 1, "sparse codec: rows must be >= 1, got ", rows);
    TF_CHECK(row_len >= 1, "sparse codec: row length must be >= 1, got ", row_len);
    TF_CHECK(static_cast<int64_t>(rows) * row_len <= static_cast<int64_t>(SE_SPARSE_MAX_ELEMENTS),
             "sparse codec: matrix ", rows, "x", row_len, " has more than ",
             static_cast<int64_t>(SE_SPARSE_MAX_ELEMENTS), " elements");
}

void check_blocked_matrix(const int8_t* dense, int32_t rows, int32_t row_len, int32_t block)
{
    check_matrix(dense, rows, row_len);
    TF_CHECK(block >= 2 && block <= 4, "sparse codec: block size ", block,
             " is not supported (allowed: 2, 3, 4)");
    TF_CHECK(row_len % block == 0, "sparse codec: row length ", row_len,
             " is not a multiple of block size ", block, " (blocks must not straddle rows)");
}

bool block_is_zero(const int8_t* values, int32_t block)
{
    for (int32_t k = 0; k < block; ++k) {
        if (values[k] != 0) {
            return false;
        }
    }
    return true;
}

// Calls emit(dis, values) for every entry of the stream, fillers (values == nullptr) included.
// The single place where the encoder applies the format's rules.
template <typename Emit>
void for_each_entry(const int8_t* dense, int32_t rows, int32_t row_len, int32_t block, Emit emit)
{
    const int64_t blocks = static_cast<int64_t>(rows) * row_len / block;
    int64_t next = 0;  // first block not yet covered by an entry
    for (int64_t k = 0; k < blocks; ++k) {
        const int8_t* values = dense + k * block;
        if (block_is_zero(values, block)) {
            continue;
        }
        int64_t gap = k - next;
        while (gap > SE_SPARSE_MAX_DIS) {
            emit(SE_SPARSE_MAX_DIS, nullptr);  // skips 255 blocks, stores one zero block
            gap -= SE_SPARSE_MAX_DIS + 1;
        }
        emit(static_cast<int32_t>(gap), values);
        next = k + 1;
    }
}

int64_t count_nonzeros(const int8_t* dense, int32_t rows, int32_t row_len)
{
    const int64_t elements = static_cast<int64_t>(rows) * row_len;
    int64_t nonzeros = 0;
    for (int64_t i = 0; i < elements; ++i) {
        nonzeros += dense[i] != 0 ? 1 : 0;
    }
    return nonzeros;
}

}  // namespace

const char* to_string(WeightFormat format)
{
    switch (format) {
    case WeightFormat::Dense: return "dense";
    case WeightFormat::BlockSparse: return "block-sparse";
    }
    return "unknown";
}

int32_t SparseCodec::count_entries(const int8_t* dense, int32_t rows, int32_t row_len, int32_t block)
{
    check_blocked_matrix(dense, rows, row_len, block);
    int32_t entries = 0;
    for_each_entry(dense, rows, row_len, block, [&](int32_t, const int8_t*) { ++entries; });
    return entries;
}

EncodedWeights SparseCodec::encode_block_sparse(const int8_t* dense, int32_t rows, int32_t row_len,
                                                int32_t block)
{
    check_blocked_matrix(dense, rows, row_len, block);
    EncodedWeights out;
    out.format = WeightFormat::BlockSparse;
    out.rows = rows;
    out.row_len = row_len;
    out.block = block;
    out.dense_bytes = static_cast<int64_t>(rows) * row_len;
    for_each_entry(dense, rows, row_len, block, [&](int32_t dis, const int8_t* values) {
        out.bytes.push_back(static_cast<uint8_t>(dis));
        for (int32_t k = 0; k < block; ++k) {
            out.bytes.push_back(values != nullptr ? static_cast<uint8_t>(values[k]) : 0);
        }
        ++out.entries;
    });
    out.coded_bytes = static_cast<int64_t>(out.entries) * (1 + block);
    TF_INTERNAL_ASSERT(out.coded_bytes == out.stored_bytes());
    return out;
}

WeightFormat SparseCodec::choose_format(int64_t dense_bytes, int64_t sparse_bytes)
{
    return sparse_bytes < dense_bytes ? WeightFormat::BlockSparse : WeightFormat::Dense;
}

EncodedWeights SparseCodec::encode(const int8_t* dense, int32_t rows, int32_t row_len, int32_t block)
{
    EncodedWeights out = encode_block_sparse(dense, rows, row_len, block);
    if (choose_format(out.dense_bytes, out.coded_bytes) == WeightFormat::Dense) {
        out.format = WeightFormat::Dense;
        out.entries = 0;
        out.bytes.resize(static_cast<size_t>(out.dense_bytes));
        std::memcpy(out.bytes.data(), dense, out.bytes.size());
    }
    return out;
}

std::vector<int8_t> SparseCodec::decode(const EncodedWeights& weights)
{
    TF_CHECK(weights.rows >= 1 && weights.row_len >= 1, "sparse codec: cannot decode a ",
             weights.rows, "x", weights.row_len, " matrix (rows and row length must be >= 1)");
    const int64_t elements = static_cast<int64_t>(weights.rows) * weights.row_len;
    std::vector<int8_t> dense(static_cast<size_t>(elements));
    if (weights.format == WeightFormat::Dense) {
        TF_CHECK(weights.stored_bytes() == elements, "sparse codec: dense weights hold ",
                 weights.stored_bytes(), " bytes, expected rows * row length = ", elements);
        std::memcpy(dense.data(), weights.bytes.data(), dense.size());
        return dense;
    }
    TF_CHECK(weights.stored_bytes() <= std::numeric_limits<int32_t>::max(),
             "sparse codec: stream of ", weights.stored_bytes(), " bytes is too long");
    const se_status status = se_sparse_decode_s8(
        weights.bytes.data(), static_cast<int32_t>(weights.bytes.size()), weights.entries,
        weights.block, weights.rows, weights.row_len, dense.data());
    TF_CHECK(status == SE_OK, "sparse codec: cannot decode a ", weights.rows, "x", weights.row_len,
             " block-sparse matrix (block ", weights.block, ", ", weights.entries, " entries, ",
             weights.stored_bytes(), " bytes): runtime decoder says '", se_status_str(status), "'");
    return dense;
}

double SparseCodec::block_sparsity(const int8_t* dense, int32_t rows, int32_t row_len, int32_t block)
{
    check_blocked_matrix(dense, rows, row_len, block);
    const int64_t blocks = static_cast<int64_t>(rows) * row_len / block;
    int64_t zero_blocks = 0;
    for (int64_t k = 0; k < blocks; ++k) {
        zero_blocks += block_is_zero(dense + k * block, block) ? 1 : 0;
    }
    return static_cast<double>(zero_blocks) / static_cast<double>(blocks);
}

double SparseCodec::expected_ratio(double rho, int32_t block)
{
    TF_CHECK(block >= 2 && block <= 4, "sparse codec: block size ", block,
             " is not supported (allowed: 2, 3, 4)");
    TF_CHECK(rho >= 0.0 && rho <= 1.0, "sparse codec: block sparsity ", rho,
             " is outside [0, 1]");
    if (rho == 1.0) {
        return std::numeric_limits<double>::infinity();
    }
    return 1.0 / ((1.0 - rho) * (1.0 + 1.0 / block));
}

int64_t SparseCodec::csr_bytes(const int8_t* dense, int32_t rows, int32_t row_len)
{
    check_matrix(dense, rows, row_len);
    TF_CHECK(row_len <= 65536, "sparse codec: CSR with uint16 columns needs row length <= 65536, got ",
             row_len);
    return count_nonzeros(dense, rows, row_len) * (1 + 2) + (static_cast<int64_t>(rows) + 1) * 4;
}

int64_t SparseCodec::coo_bytes(const int8_t* dense, int32_t rows, int32_t row_len)
{
    check_matrix(dense, rows, row_len);
    TF_CHECK(rows <= 65536 && row_len <= 65536,
             "sparse codec: COO with uint16 indices needs rows and row length <= 65536, got ", rows,
             "x", row_len);
    return count_nonzeros(dense, rows, row_len) * (1 + 2 + 2);
}

}  // namespace tinyformer::engine
