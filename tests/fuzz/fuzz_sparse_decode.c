/*
 * libFuzzer target: se_sparse_decode_s8 on arbitrary bytes (block-sparse weight format, se_sparse.h).
 *
 * Input layout (4 header bytes, then the stream):
 *   byte 0  block:    bit 7 clear -> 2 + b % 3 (valid); set -> (int8) b, mostly invalid
 *   byte 1  rows:     (b & 0x3F) - 1, so -1 .. 62
 *   byte 2  row_len:  bit 7 clear -> block * (1 + b % 64); set -> (b & 0x7F) - 2 (any, often not a multiple)
 *   byte 3  entries:  < 0xC0 -> stream bytes / (1 + block) (consistent when it divides); else (b & 0x3F) - 2
 *   rest    the stream, passed with its exact length (libFuzzer's buffer is exactly sized, so ASan
 *           catches any read past it); the output buffer is exactly rows * row_len bytes.
 * Checks: no out-of-bounds access or UB (sanitizers); the status and the output agree with a plain
 * reference written here; on an error the output is left untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tinyformer/runtime/se_sparse.h"

#define SENTINEL 0x5A

static se_status reference_status(const uint8_t *stream, int64_t stream_bytes, int64_t entries, int32_t block,
                                  int32_t rows, int32_t row_len)
{
    int64_t blocks, position, e;
    if (stream == NULL && stream_bytes > 0) return SE_ERR_NULL_POINTER;
    if (block < 2 || block > 4) return SE_ERR_BAD_PARAM;
    if (rows <= 0 || row_len <= 0 || row_len % block != 0) return SE_ERR_BAD_SHAPE;
    blocks = (int64_t)rows * row_len / block;
    if (entries < 0 || entries > blocks || stream_bytes != entries * (1 + block)) return SE_ERR_BAD_SHAPE;
    position = -1;
    for (e = 0; e < entries; ++e) {
        position += 1 + stream[e * (1 + block)];
        if (position >= blocks) return SE_ERR_BAD_SHAPE;
    }
    return SE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int32_t block, rows, row_len, entries, stream_bytes;
    size_t elements, i;
    const uint8_t *stream;
    int8_t *out;
    se_status got, want;
    if (size < 4 || size > 4 + 65536) return 0;
    block = (data[0] & 0x80) ? (int32_t)(int8_t)data[0] : 2 + data[0] % 3;
    rows = (int32_t)(data[1] & 0x3F) - 1;
    row_len = (data[2] & 0x80) ? (int32_t)(data[2] & 0x7F) - 2 : block * (1 + data[2] % 64);
    stream_bytes = (int32_t)(size - 4);
    if (data[3] < 0xC0) {
        entries = (block >= 0) ? stream_bytes / (1 + block) : 0;
    } else {
        entries = (int32_t)(data[3] & 0x3F) - 2;
    }
    stream = stream_bytes > 0 ? data + 4 : NULL;
    elements = (rows > 0 && row_len > 0) ? (size_t)rows * (size_t)row_len : 1;
    out = (int8_t *)malloc(elements);
    if (out == NULL) return 0;
    memset(out, SENTINEL, elements);

    want = reference_status(stream, stream_bytes, entries, block, rows, row_len);
    got = se_sparse_decode_s8(stream, stream_bytes, entries, block, rows, row_len, out);
    if (got != want || se_sparse_validate_s8(stream, stream_bytes, entries, block, rows, row_len) != want) {
        abort();
    }
    if (got == SE_OK) {
        /* Every element is either the value of the entry that covers it or 0. */
        int64_t position = -1, e;
        int8_t *expected = (int8_t *)calloc(elements, 1);
        if (expected == NULL) abort();
        for (e = 0; e < entries; ++e) {
            const uint8_t *entry = stream + e * (1 + block);
            int32_t k;
            position += 1 + entry[0];
            for (k = 0; k < block; ++k) expected[position * block + k] = (int8_t)entry[1 + k];
        }
        if (memcmp(expected, out, elements) != 0) abort();
        free(expected);
    } else {
        for (i = 0; i < elements; ++i) {
            if (out[i] != SENTINEL) abort(); /* written on error */
        }
    }
    free(out);
    return 0;
}
