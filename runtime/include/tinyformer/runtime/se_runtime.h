/*
 * SparseEngine runtime: the one header to include.
 *
 * Example: a 3x3 convolution, 16x16x32 -> 16x16x32, pad 1.
 *
 *   se_dims in = {1, 16, 16, 32}, f = {32, 3, 3, 32}, out = {1, 16, 16, 32};
 *   se_conv_params p = {.input_zp = -128, .output_zp = -128, .stride_h = 1, .stride_w = 1,
 *                       .pad_h = 1, .pad_w = 1, .act = {-128, 127}};
 *   se_per_channel_quant q = {multipliers, shifts};
 *   se_context ctx = {scratch, se_conv2d_s8_get_buffer_size(&in, &f)};
 *   se_status st = se_conv2d_s8(&ctx, &p, &q, &in, x, &f, w, bias, &out, y);
 *
 * The arithmetic is specified in docs/numerics.md.
 */
#ifndef TINYFORMER_RUNTIME_SE_RUNTIME_H
#define TINYFORMER_RUNTIME_SE_RUNTIME_H

#include "se_types.h"
#include "se_conv.h"
#include "se_fully_connected.h"
#include "se_matmul.h"
#include "se_add.h"
#include "se_pool.h"
#include "se_softmax.h"
#include "se_layernorm.h"
#include "se_seqpool.h"
#include "se_sparse_kernels.h"
#include "se_attention.h"

#endif /* TINYFORMER_RUNTIME_SE_RUNTIME_H */
