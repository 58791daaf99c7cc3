// Tests of the block-sparse weight format: the C++ encoder (SparseCodec), the runtime's C decoder
// (se_sparse_decode_s8 / se_sparse_validate_s8) and their agreement, against a plain reference
// written here (position = previous + 1 + dis, with a division to find row and column).
#include "../common/error_of.h"
#include "tinyformer/engine/sparse_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tinyformer/engine/error.h"
#include "tinyformer/runtime/se_sparse.h"

namespace tinyformer::engine {

// Lets GoogleTest print formats by name.
void PrintTo(WeightFormat format, std::ostream* out) { *out << to_string(format); }

namespace {

using ::testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// Test-local oracle: the format written out the long way.

// Expected status of decoding, following the rules of se_sparse.h one by one.
se_status reference_status(const uint8_t* stream, int64_t stream_bytes, int64_t entries, int32_t block,
                           int32_t rows, int32_t row_len, bool out_is_null)
{
    if (out_is_null || (stream == nullptr && stream_bytes > 0)) return SE_ERR_NULL_POINTER;
    if (block != 2 && block != 3 && block != 4) return SE_ERR_BAD_PARAM;
    if (rows <= 0 || row_len <= 0 || row_len % block != 0) return SE_ERR_BAD_SHAPE;
    const int64_t elements = static_cast<int64_t>(rows) * row_len;
    if (elements > (int64_t{1} << 30)) return SE_ERR_BAD_SHAPE;
    const int64_t blocks = elements / block;
    if (entries < 0 || entries > blocks) return SE_ERR_BAD_SHAPE;
    if (stream_bytes != entries * (1 + block)) return SE_ERR_BAD_SHAPE;
    int64_t position = -1;
    for (int64_t e = 0; e < entries; ++e) {
        position += 1 + stream[e * (1 + block)];
        if (position >= blocks) return SE_ERR_BAD_SHAPE;
    }
    return SE_OK;
}

// Dense matrix of a stream already known to be valid.
std::vector<int8_t> reference_decode(const std::vector<uint8_t>& stream, int32_t block, int32_t rows,
                                     int32_t row_len)
{
    std::vector<int8_t> dense(static_cast<size_t>(rows) * row_len, 0);
    const int64_t entries = static_cast<int64_t>(stream.size()) / (1 + block);
    int64_t position = -1;
    for (int64_t e = 0; e < entries; ++e) {
        const uint8_t* entry = stream.data() + e * (1 + block);
        position += 1 + entry[0];
        const int64_t element = position * block;
        const int64_t row = element / row_len;
        const int64_t col = element % row_len;
        for (int32_t k = 0; k < block; ++k) {
            dense[static_cast<size_t>(row * row_len + col + k)] = static_cast<int8_t>(entry[1 + k]);
        }
    }
    return dense;
}

// Decodes with the runtime's C decoder into an exactly sized heap buffer (so ASan sees overruns).
se_status c_decode(const std::vector<uint8_t>& stream, int32_t entries, int32_t block, int32_t rows,
                   int32_t row_len, std::vector<int8_t>* out)
{
    const size_t elements = static_cast<size_t>(rows) * row_len;
    std::unique_ptr<int8_t[]> buffer(new int8_t[elements]);
    std::memset(buffer.get(), 0x5A, elements);
    std::unique_ptr<uint8_t[]> exact(new uint8_t[std::max<size_t>(stream.size(), 1)]);
    if (!stream.empty()) std::memcpy(exact.get(), stream.data(), stream.size());
    const se_status status =
        se_sparse_decode_s8(stream.empty() ? nullptr : exact.get(), static_cast<int32_t>(stream.size()),
                            entries, block, rows, row_len, buffer.get());
    out->assign(buffer.get(), buffer.get() + elements);
    return status;
}

// A matrix with exactly round(rho * blocks) all-zero blocks (chosen at random, like blockwise
// pruning); the other blocks hold random non-zero int8 weights in [-127, 127].
std::vector<int8_t> pruned_matrix(int32_t rows, int32_t row_len, int32_t block, double rho,
                                  std::mt19937& rng)
{
    const int32_t blocks = rows * row_len / block;
    std::vector<int32_t> order(static_cast<size_t>(blocks));
    for (int32_t k = 0; k < blocks; ++k) order[static_cast<size_t>(k)] = k;
    std::shuffle(order.begin(), order.end(), rng);
    const int32_t zero_blocks = static_cast<int32_t>(std::lround(rho * blocks));
    std::vector<int8_t> dense(static_cast<size_t>(rows) * row_len);
    std::uniform_int_distribution<int> magnitude(1, 127);
    std::bernoulli_distribution negative(0.5);
    for (auto& w : dense) w = static_cast<int8_t>(negative(rng) ? -magnitude(rng) : magnitude(rng));
    for (int32_t z = 0; z < zero_blocks; ++z) {
        std::fill_n(dense.begin() + static_cast<ptrdiff_t>(order[static_cast<size_t>(z)]) * block, block,
                    int8_t{0});
    }
    return dense;
}

std::string first_mismatch(const std::vector<int8_t>& got, const std::vector<int8_t>& want, int32_t row_len)
{
    if (got.size() != want.size()) return "size " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        if (got[i] != want[i]) {
            std::ostringstream out;
            out << "first mismatch at row " << i / static_cast<size_t>(row_len) << " col "
                << i % static_cast<size_t>(row_len) << ": got " << int{got[i]} << " want " << int{want[i]};
            return out.str();
        }
    }
    return "equal";
}

std::vector<uint8_t> bytes_of(std::initializer_list<int> values)
{
    std::vector<uint8_t> out;
    for (int v : values) out.push_back(static_cast<uint8_t>(v));
    return out;
}

// ---------------------------------------------------------------------------------------------
// Exact streams of small hand-made matrices.

struct HandCase {
    const char* name;
    int32_t block, rows, row_len;
    std::vector<int8_t> dense;
    std::vector<uint8_t> stream;  // expected bytes, written by hand
    WeightFormat chosen;
};

std::vector<HandCase> hand_cases()
{
    return {
        {"doc example b2 2x4", 2, 2, 4, {0, 0, 5, -3, 0, 0, 0, 0}, bytes_of({0x01, 0x05, 0xFD}),
         WeightFormat::BlockSparse},
        {"b3 1x9 two entries", 3, 1, 9, {1, 2, 3, 0, 0, 0, 0, 0, 4},
         bytes_of({0x00, 0x01, 0x02, 0x03, 0x01, 0x00, 0x00, 0x04}), WeightFormat::BlockSparse},
        {"b4 2x4 last block", 4, 2, 4, {0, 0, 0, 0, 0, 0, 0, -1}, bytes_of({0x01, 0x00, 0x00, 0x00, 0xFF}),
         WeightFormat::BlockSparse},
        {"b2 3x2 skip across rows", 2, 3, 2, {0, 0, 0, 0, 7, 0}, bytes_of({0x02, 0x07, 0x00}),
         WeightFormat::BlockSparse},
        {"b2 2x4 adjacent blocks across a row end", 2, 2, 4, {0, 0, -128, 127, 1, 0, 0, 0},
         bytes_of({0x01, 0x80, 0x7F, 0x00, 0x01, 0x00}), WeightFormat::BlockSparse},
        {"b2 1x4 fully dense", 2, 1, 4, {1, 2, 3, 4}, bytes_of({0x00, 0x01, 0x02, 0x00, 0x03, 0x04}),
         WeightFormat::Dense},
        {"b4 2x8 all zero", 4, 2, 8, std::vector<int8_t>(16, 0), {}, WeightFormat::BlockSparse},
        {"b3 1x6 trailing zeros need no entry", 3, 1, 6, {0, 9, 0, 0, 0, 0}, bytes_of({0x00, 0x00, 0x09, 0x00}),
         WeightFormat::BlockSparse},
        {"b4 1x8 two full blocks: 10 coded bytes > 8", 4, 1, 8, {1, 2, 3, 4, 5, 6, 7, 8},
         bytes_of({0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x05, 0x06, 0x07, 0x08}), WeightFormat::Dense},
    };
}

TEST(SparseCodecFormat, HandMadeMatricesGiveHandWrittenStreams)
{
    for (const HandCase& c : hand_cases()) {
        SCOPED_TRACE(c.name);
        const EncodedWeights sparse = SparseCodec::encode_block_sparse(c.dense.data(), c.rows, c.row_len, c.block);
        EXPECT_EQ(sparse.bytes, c.stream);
        EXPECT_EQ(sparse.entries, static_cast<int32_t>(c.stream.size()) / (1 + c.block));
        EXPECT_EQ(sparse.coded_bytes, static_cast<int64_t>(c.stream.size()));
        EXPECT_EQ(sparse.dense_bytes, static_cast<int64_t>(c.rows) * c.row_len);
        EXPECT_EQ(SparseCodec::count_entries(c.dense.data(), c.rows, c.row_len, c.block), sparse.entries);

        const EncodedWeights adaptive = SparseCodec::encode(c.dense.data(), c.rows, c.row_len, c.block);
        EXPECT_EQ(adaptive.format, c.chosen) << "coded " << sparse.coded_bytes << " dense " << sparse.dense_bytes;
        EXPECT_EQ(SparseCodec::decode(adaptive), c.dense);
        EXPECT_EQ(SparseCodec::decode(sparse), c.dense);

        std::vector<int8_t> out;
        EXPECT_EQ(c_decode(c.stream, sparse.entries, c.block, c.rows, c.row_len, &out), SE_OK);
        EXPECT_EQ(out, c.dense);
    }
}

// ---------------------------------------------------------------------------------------------
// Long gaps: filler entries (255, zeros), each covering 256 blocks.

struct GapCase {
    int32_t gap;       // zero blocks between two non-zero blocks
    int32_t fillers;   // expected (255, 0..0) entries
    int32_t last_dis;  // expected dis of the entry after the fillers
};

const GapCase kGapCases[] = {{255, 0, 255}, {256, 1, 0}, {511, 1, 255}, {512, 2, 0}, {1000, 3, 232}};

TEST(SparseCodecFormat, LongGapsInsertFillerEntries)
{
    // Blocks per row: 1 (every skip crosses many rows), 7 (crosses several), 300 (a gap that starts
    // near the end of a row and crosses one row end), 2000 (the gap stays inside one row).
    const int32_t blocks_per_row_cases[] = {1, 7, 300, 2000};
    for (int32_t block : {2, 3, 4}) {
        for (int32_t blocks_per_row : blocks_per_row_cases) {
            for (const GapCase& g : kGapCases) {
                for (int32_t first : {0, 290, 255, 256, 600}) {  // block index of the first non-zero block
                    const int32_t last = first + 1 + g.gap;
                    const int32_t total_blocks = last + 1 + 3;  // 3 trailing zero blocks
                    const int32_t rows = (total_blocks + blocks_per_row - 1) / blocks_per_row;
                    const int32_t row_len = blocks_per_row * block;
                    SCOPED_TRACE(::testing::Message() << "block " << block << " row_len " << row_len << " rows "
                                                      << rows << " first " << first << " gap " << g.gap);
                    std::vector<int8_t> dense(static_cast<size_t>(rows) * row_len, 0);
                    for (int32_t k = 0; k < block; ++k) {
                        dense[static_cast<size_t>(first) * block + k] = static_cast<int8_t>(k + 1);
                        dense[static_cast<size_t>(last) * block + k] = static_cast<int8_t>(-(k + 1));
                    }
                    // Expected stream, entry by entry. The first entry's own gap (first) needs
                    // fillers too: first / 256 of them, then dis = first % 256.
                    std::vector<uint8_t> want;
                    auto put = [&](int dis, int sign) {
                        want.push_back(static_cast<uint8_t>(dis));
                        for (int32_t k = 0; k < block; ++k) want.push_back(static_cast<uint8_t>(sign * (k + 1)));
                    };
                    for (int32_t f = 0; f < first / 256; ++f) put(255, 0);
                    put(first % 256, 1);
                    for (int32_t f = 0; f < g.fillers; ++f) put(255, 0);
                    put(g.last_dis, -1);

                    const EncodedWeights w = SparseCodec::encode_block_sparse(dense.data(), rows, row_len, block);
                    ASSERT_EQ(w.bytes, want);
                    EXPECT_EQ(w.entries, first / 256 + 1 + g.fillers + 1);
                    EXPECT_EQ(reference_decode(w.bytes, block, rows, row_len), dense);
                    std::vector<int8_t> out;
                    ASSERT_EQ(c_decode(w.bytes, w.entries, block, rows, row_len, &out), SE_OK);
                    ASSERT_EQ(out, dense) << first_mismatch(out, dense, row_len);
                }
            }
        }
    }
}

TEST(SparseCodecFormat, FillerAloneCanEndTheStreamAtTheLastBlock)
{
    // A stream may legally end with a filler whose zero block is the last block of the matrix.
    const std::vector<uint8_t> stream = bytes_of({255, 0, 0});
    std::vector<int8_t> out;
    EXPECT_EQ(c_decode(stream, 1, 2, 1, 512, &out), SE_OK);  // 256 blocks: the filler sits at block 255
    EXPECT_EQ(out, std::vector<int8_t>(512, 0));
    EXPECT_EQ(c_decode(stream, 1, 2, 1, 510, &out), SE_ERR_BAD_SHAPE);  // 255 blocks: one too few
}

// ---------------------------------------------------------------------------------------------
// Round trips on blockwise-pruned random matrices.

TEST(SparseCodecRoundTrip, PrunedMatricesAreBitExactForEveryBlockAndSparsity)
{
    std::mt19937 rng(1234);
    const double rhos[] = {0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.95, 1.0};
    for (int32_t block : {2, 3, 4}) {
        for (double rho : rhos) {
            for (int32_t rows : {1, 5, 64}) {
                for (int32_t blocks_per_row : {1, 3, 48, 200}) {
                    const int32_t row_len = blocks_per_row * block;
                    SCOPED_TRACE(::testing::Message() << "block " << block << " rho " << rho << " shape " << rows
                                                      << "x" << row_len);
                    const std::vector<int8_t> dense = pruned_matrix(rows, row_len, block, rho, rng);
                    const int32_t blocks = rows * blocks_per_row;
                    const EncodedWeights w = SparseCodec::encode_block_sparse(dense.data(), rows, row_len, block);

                    EXPECT_EQ(w.coded_bytes, static_cast<int64_t>(w.entries) * (1 + block));
                    EXPECT_EQ(w.stored_bytes(), w.coded_bytes);
                    EXPECT_EQ(reference_status(w.bytes.data(), w.stored_bytes(), w.entries, block, rows, row_len,
                                               false),
                              SE_OK);
                    const int32_t zero_blocks = static_cast<int32_t>(std::lround(rho * blocks));
                    EXPECT_NEAR(SparseCodec::block_sparsity(dense.data(), rows, row_len, block),
                                static_cast<double>(zero_blocks) / blocks, 1e-12);
                    // Without gaps over 255 blocks, one entry per non-zero block.
                    if (blocks < 256) {
                        EXPECT_EQ(w.entries, blocks - zero_blocks);
                    }

                    ASSERT_EQ(reference_decode(w.bytes, block, rows, row_len), dense);
                    std::vector<int8_t> out;
                    ASSERT_EQ(c_decode(w.bytes, w.entries, block, rows, row_len, &out), SE_OK);
                    ASSERT_EQ(out, dense) << first_mismatch(out, dense, row_len);
                    ASSERT_EQ(SparseCodec::decode(SparseCodec::encode(dense.data(), rows, row_len, block)), dense);
                }
            }
        }
    }
}

TEST(SparseCodecRoundTrip, AllZeroMatrixHasAnEmptyStream)
{
    for (int32_t block : {2, 3, 4}) {
        const std::vector<int8_t> dense(static_cast<size_t>(12) * 24, 0);
        const EncodedWeights w = SparseCodec::encode(dense.data(), 12, 24, block);
        EXPECT_EQ(w.format, WeightFormat::BlockSparse) << "block " << block;
        EXPECT_EQ(w.entries, 0);
        EXPECT_TRUE(w.bytes.empty());
        EXPECT_EQ(SparseCodec::block_sparsity(dense.data(), 12, 24, block), 1.0);
        EXPECT_EQ(SparseCodec::decode(w), dense);
    }
}

TEST(SparseCodecRoundTrip, FullyDenseMatrixStaysDense)
{
    std::mt19937 rng(7);
    for (int32_t block : {2, 3, 4}) {
        const std::vector<int8_t> dense = pruned_matrix(16, 12 * block, block, 0.0, rng);
        const EncodedWeights sparse = SparseCodec::encode_block_sparse(dense.data(), 16, 12 * block, block);
        EXPECT_EQ(sparse.entries, 16 * 12);
        EXPECT_EQ(sparse.coded_bytes, int64_t{16} * 12 * (1 + block));
        const EncodedWeights adaptive = SparseCodec::encode(dense.data(), 16, 12 * block, block);
        EXPECT_EQ(adaptive.format, WeightFormat::Dense) << "block " << block;
        EXPECT_EQ(adaptive.stored_bytes(), adaptive.dense_bytes);
        EXPECT_EQ(adaptive.coded_bytes, sparse.coded_bytes);
        EXPECT_EQ(SparseCodec::decode(adaptive), dense);
    }
}

// ---------------------------------------------------------------------------------------------
// Self-adaptive choice.

TEST(SparseCodecAdaptive, KeepsSparseOnlyWhenStrictlySmaller)
{
    EXPECT_EQ(SparseCodec::choose_format(100, 99), WeightFormat::BlockSparse);
    EXPECT_EQ(SparseCodec::choose_format(100, 100), WeightFormat::Dense);
    EXPECT_EQ(SparseCodec::choose_format(100, 101), WeightFormat::Dense);
    EXPECT_EQ(SparseCodec::choose_format(1, 0), WeightFormat::BlockSparse);

    // b = 4, 1x20 = 5 blocks: 4 non-zero blocks code to 20 bytes == dense -> dense; 3 -> 15 bytes.
    std::vector<int8_t> four_blocks(20, 1);
    std::fill_n(four_blocks.begin() + 8, 4, int8_t{0});
    const EncodedWeights tie = SparseCodec::encode(four_blocks.data(), 1, 20, 4);
    EXPECT_EQ(tie.format, WeightFormat::Dense);
    EXPECT_EQ(tie.coded_bytes, 20);
    EXPECT_EQ(std::vector<int8_t>(tie.bytes.begin(), tie.bytes.end()), four_blocks);

    std::vector<int8_t> three_blocks = four_blocks;
    std::fill_n(three_blocks.begin(), 4, int8_t{0});
    const EncodedWeights smaller = SparseCodec::encode(three_blocks.data(), 1, 20, 4);
    EXPECT_EQ(smaller.format, WeightFormat::BlockSparse);
    EXPECT_EQ(smaller.coded_bytes, 15);
    EXPECT_EQ(SparseCodec::decode(smaller), three_blocks);
}

TEST(SparseCodecAdaptive, ExpectedRatioMatchesTheFormula)
{
    EXPECT_DOUBLE_EQ(SparseCodec::expected_ratio(0.0, 2), 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(SparseCodec::expected_ratio(0.5, 4), 1.0 / (0.5 * 1.25));
    EXPECT_DOUBLE_EQ(SparseCodec::expected_ratio(0.8, 3), 1.0 / (0.2 * (4.0 / 3.0)));
    EXPECT_TRUE(std::isinf(SparseCodec::expected_ratio(1.0, 2)));
    // Measured ratio equals eta exactly when there are no fillers.
    std::mt19937 rng(99);
    const std::vector<int8_t> dense = pruned_matrix(32, 64, 4, 0.75, rng);
    const EncodedWeights w = SparseCodec::encode_block_sparse(dense.data(), 32, 64, 4);
    EXPECT_DOUBLE_EQ(static_cast<double>(w.dense_bytes) / static_cast<double>(w.coded_bytes),
                     SparseCodec::expected_ratio(0.75, 4));
}

TEST(SparseCodecAdaptive, CsrAndCooSizesCountNonZeroElements)
{
    // 3x4 with 5 non-zeros (one block of b = 2 is half zero: element formats count elements).
    const std::vector<int8_t> dense = {0, 1, 0, 0, 2, 3, 0, 0, 0, 0, 4, 5};
    EXPECT_EQ(SparseCodec::csr_bytes(dense.data(), 3, 4), 5 * 3 + 4 * 4);
    EXPECT_EQ(SparseCodec::coo_bytes(dense.data(), 3, 4), 5 * 5);
    EXPECT_EQ(SparseCodec::count_entries(dense.data(), 3, 4, 2), 3);
    EXPECT_DOUBLE_EQ(SparseCodec::block_sparsity(dense.data(), 3, 4, 2), 3.0 / 6.0);
}

// ---------------------------------------------------------------------------------------------
// The C decoder on malformed input: each kind gives its status and leaves the output untouched.

struct MalformedCase {
    const char* name;
    std::vector<uint8_t> stream;
    bool null_stream;
    int32_t entries, block, rows, row_len;
    se_status want;
};

TEST(SparseDecoderErrors, EachMalformedInputGivesItsStatus)
{
    const std::vector<uint8_t> two_entries = bytes_of({0, 1, 2, 1, 3, 4});  // b = 2: blocks 0 and 2
    const MalformedCase cases[] = {
        {"valid (control)", two_entries, false, 2, 2, 2, 4, SE_OK},
        {"truncated: last value byte missing", bytes_of({0, 1, 2, 1, 3}), false, 2, 2, 2, 4, SE_ERR_BAD_SHAPE},
        {"truncated: entries says 3", two_entries, false, 3, 2, 2, 4, SE_ERR_BAD_SHAPE},
        {"extra byte", bytes_of({0, 1, 2, 1, 3, 4, 9}), false, 2, 2, 2, 4, SE_ERR_BAD_SHAPE},
        {"extra entry beyond entries", two_entries, false, 1, 2, 2, 4, SE_ERR_BAD_SHAPE},
        {"negative entries", {}, false, -1, 2, 2, 4, SE_ERR_BAD_SHAPE},
        {"more entries than blocks", bytes_of({0, 1, 1, 0, 1, 1, 0, 1, 1}), false, 3, 2, 1, 4, SE_ERR_BAD_SHAPE},
        {"dis past the end (first entry)", bytes_of({4, 1, 1}), false, 1, 2, 2, 4, SE_ERR_BAD_SHAPE},
        {"dis to the last block is fine", bytes_of({3, 1, 1}), false, 1, 2, 2, 4, SE_OK},
        {"dis past the end (second entry)", bytes_of({0, 1, 1, 3, 1, 1}), false, 2, 2, 2, 4, SE_ERR_BAD_SHAPE},
        {"filler past the end", bytes_of({255, 0, 0}), false, 1, 2, 2, 4, SE_ERR_BAD_SHAPE},
        {"block 1", bytes_of({0, 1}), false, 1, 1, 2, 4, SE_ERR_BAD_PARAM},
        {"block 5", bytes_of({0, 1, 1, 1, 1, 1}), false, 1, 5, 2, 10, SE_ERR_BAD_PARAM},
        {"block 0", {}, false, 0, 0, 2, 4, SE_ERR_BAD_PARAM},
        {"block -2", {}, false, 0, -2, 2, 4, SE_ERR_BAD_PARAM},
        {"row_len not a multiple of block", bytes_of({0, 1, 1, 1}), false, 1, 3, 2, 4, SE_ERR_BAD_SHAPE},
        {"row_len 0", {}, false, 0, 2, 2, 0, SE_ERR_BAD_SHAPE},
        {"row_len negative", {}, false, 0, 2, 2, -4, SE_ERR_BAD_SHAPE},
        {"rows 0", {}, false, 0, 2, 0, 4, SE_ERR_BAD_SHAPE},
        {"rows negative", {}, false, 0, 2, -1, 4, SE_ERR_BAD_SHAPE},
        {"matrix too large", {}, false, 0, 4, 65536, 65536, SE_ERR_BAD_SHAPE},
        {"null stream with bytes", two_entries, true, 2, 2, 2, 4, SE_ERR_NULL_POINTER},
        {"null stream, no entries", {}, true, 0, 2, 2, 4, SE_OK},
    };
    for (const MalformedCase& c : cases) {
        SCOPED_TRACE(c.name);
        const size_t elements = (c.rows > 0 && c.row_len > 0 && c.rows < 1000 && c.row_len < 1000)
                                    ? static_cast<size_t>(c.rows) * c.row_len
                                    : 1;
        std::vector<int8_t> out(elements, 0x5A);
        const uint8_t* stream = c.null_stream ? nullptr : (c.stream.empty() ? nullptr : c.stream.data());
        const int32_t stream_bytes = static_cast<int32_t>(c.stream.size());
        const se_status got = se_sparse_decode_s8(stream, stream_bytes, c.entries, c.block, c.rows, c.row_len,
                                                  out.data());
        EXPECT_EQ(got, c.want) << "got '" << se_status_str(got) << "' want '" << se_status_str(c.want) << "'";
        EXPECT_EQ(se_sparse_validate_s8(stream, stream_bytes, c.entries, c.block, c.rows, c.row_len), c.want);
        if (c.want != SE_OK) {
            EXPECT_EQ(out, std::vector<int8_t>(elements, 0x5A)) << "output written on error";
        }
    }
    EXPECT_EQ(se_sparse_decode_s8(two_entries.data(), 6, 2, 2, 2, 4, nullptr), SE_ERR_NULL_POINTER);
}

// A few hundred random, mostly malformed inputs: status and output must match the test-local
// reference, with exactly sized buffers (ASan builds catch any out-of-bounds access). The libFuzzer
// target tests/fuzz/fuzz_sparse_decode.c does the same without bounds on the input.
TEST(SparseDecoderErrors, RandomMalformedStreamsMatchTheReference)
{
    std::mt19937 rng(2024);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int ok_count = 0;
    for (int trial = 0; trial < 600; ++trial) {
        const int32_t block = uniform(0, 9) == 0 ? uniform(-1, 6) : uniform(2, 4);
        const int32_t rows = uniform(0, 9) == 0 ? uniform(-2, 0) : uniform(1, 6);
        const int32_t row_len = uniform(0, 9) == 0 ? uniform(-3, 13) : std::max(block, 1) * uniform(1, 6);
        const int32_t blocks = (block > 0 && rows > 0 && row_len > 0) ? rows * row_len / block : 4;
        int32_t entries = uniform(0, blocks + 1);
        const int32_t per_entry = 1 + std::max(block, 0);
        int32_t stream_bytes = entries * per_entry;
        switch (uniform(0, 5)) {
        case 0: stream_bytes += uniform(1, 3); break;                                 // extra bytes
        case 1: stream_bytes = std::max(0, stream_bytes - uniform(1, 3)); break;      // truncated
        case 2: entries = uniform(-2, blocks + 3); break;                            // wrong count
        default: break;
        }
        // dis values: mostly small so that many streams are valid; sometimes large.
        std::unique_ptr<uint8_t[]> stream(new uint8_t[static_cast<size_t>(std::max(stream_bytes, 1))]);
        for (int32_t i = 0; i < stream_bytes; ++i) {
            const bool dis_byte = per_entry > 0 && i % per_entry == 0;
            stream[static_cast<size_t>(i)] =
                static_cast<uint8_t>(dis_byte ? (uniform(0, 3) == 0 ? uniform(0, 255) : uniform(0, 2)) : uniform(0, 255));
        }
        const size_t elements = (rows > 0 && row_len > 0) ? static_cast<size_t>(rows) * row_len : 1;
        std::unique_ptr<int8_t[]> out(new int8_t[elements]);
        std::memset(out.get(), 0x5A, elements);

        const uint8_t* stream_ptr = stream_bytes > 0 ? stream.get() : nullptr;
        const se_status want = reference_status(stream_ptr, stream_bytes, entries, block, rows, row_len, false);
        const se_status got = se_sparse_decode_s8(stream_ptr, stream_bytes, entries, block, rows, row_len, out.get());
        ASSERT_EQ(got, want) << "trial " << trial << ": block " << block << " rows " << rows << " row_len "
                             << row_len << " entries " << entries << " bytes " << stream_bytes;
        const std::vector<int8_t> got_dense(out.get(), out.get() + elements);
        if (want == SE_OK) {
            ++ok_count;
            const std::vector<uint8_t> copy(stream.get(), stream.get() + stream_bytes);
            ASSERT_EQ(got_dense, reference_decode(copy, block, rows, row_len)) << "trial " << trial;
        } else {
            ASSERT_EQ(got_dense, std::vector<int8_t>(elements, 0x5A)) << "trial " << trial << ": output written on error";
        }
    }
    // The generator must exercise both outcomes.
    EXPECT_GT(ok_count, 50);
    EXPECT_LT(ok_count, 550);
}

// ---------------------------------------------------------------------------------------------
// Errors of the C++ API.

using test_support::error_of;

TEST(SparseCodecErrors, MessagesNameTheValueAndTheRule)
{
    const std::vector<int8_t> w(24, 1);
    EXPECT_THAT(error_of([&] { SparseCodec::encode(w.data(), 2, 12, 5); }),
                HasSubstr("block size 5 is not supported (allowed: 2, 3, 4)"));
    EXPECT_THAT(error_of([&] { SparseCodec::encode(w.data(), 2, 12, 1); }), HasSubstr("block size 1"));
    EXPECT_THAT(error_of([&] { SparseCodec::encode(w.data(), 3, 8, 3); }),
                HasSubstr("row length 8 is not a multiple of block size 3"));
    EXPECT_THAT(error_of([&] { SparseCodec::encode(nullptr, 2, 12, 2); }), HasSubstr("weights pointer is null"));
    EXPECT_THAT(error_of([&] { SparseCodec::encode(w.data(), 0, 12, 2); }), HasSubstr("rows must be >= 1, got 0"));
    EXPECT_THAT(error_of([&] { SparseCodec::encode(w.data(), 2, 0, 2); }),
                HasSubstr("row length must be >= 1, got 0"));
    EXPECT_THAT(error_of([&] { SparseCodec::block_sparsity(w.data(), 2, 12, 7); }), HasSubstr("block size 7"));
    EXPECT_THAT(error_of([&] { SparseCodec::expected_ratio(1.5, 2); }), HasSubstr("block sparsity 1.5"));
    EXPECT_THAT(error_of([&] { SparseCodec::csr_bytes(w.data(), 0, 12); }), HasSubstr("rows must be >= 1"));

    // A corrupted stream is reported with the runtime's status.
    EncodedWeights bad = SparseCodec::encode_block_sparse(w.data(), 2, 12, 2);
    bad.bytes.pop_back();
    EXPECT_THAT(error_of([&] { SparseCodec::decode(bad); }), HasSubstr("runtime decoder says 'bad shape'"));
    EncodedWeights past_end = SparseCodec::encode_block_sparse(w.data(), 2, 12, 2);
    past_end.bytes[0] = 200;
    EXPECT_THAT(error_of([&] { SparseCodec::decode(past_end); }), HasSubstr("cannot decode a 2x12 block-sparse"));
    EncodedWeights short_dense = SparseCodec::encode(w.data(), 2, 12, 2);
    ASSERT_EQ(short_dense.format, WeightFormat::Dense);
    short_dense.bytes.resize(3);
    EXPECT_THAT(error_of([&] { SparseCodec::decode(short_dense); }), HasSubstr("dense weights hold 3 bytes"));
}

}  // namespace
}  // namespace tinyformer::engine
