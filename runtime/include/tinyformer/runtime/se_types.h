/*
 * SparseEngine runtime: shared types.
 *
 * The runtime is C99, allocates nothing, keeps no global state, and reports
 * caller errors through se_status. Every kernel that needs scratch memory has
 * a *_get_buffer_size() so the host-side planner can size the arena for the
 * target. Arithmetic is defined in docs/numerics.md.
 */
#ifndef TINYFORMER_RUNTIME_SE_TYPES_H
#define TINYFORMER_RUNTIME_SE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SE_OK = 0,
    SE_ERR_NULL_POINTER = -1,    /* a required pointer is NULL */
    SE_ERR_BAD_SHAPE = -2,       /* a dimension is <= 0 or shapes disagree */
    SE_ERR_BAD_PARAM = -3,       /* a zero point, shift, stride, clamp... is out of range */
    SE_ERR_BUFFER_TOO_SMALL = -4,/* scratch context smaller than *_get_buffer_size() */
    SE_ERR_UNSUPPORTED = -5,     /* a valid but unsupported configuration */
    SE_ERR_NOT_PREPARED = -6     /* a cache/state was not prepared for these parameters */
} se_status;

/* Human-readable name of a status code (never NULL). */
const char *se_status_str(se_status status);

/* Tensor dimensions, NHWC for activations. For weights the meaning of each
 * field is given by the kernel (e.g. conv2d filter: n = C_out, h = KH, w = KW,
 * c = C_in). */
typedef struct {
    int32_t n;
    int32_t h;
    int32_t w;
    int32_t c;
} se_dims;

/* Caller-owned scratch memory. buf may be NULL when size is 0. buf must be
 * 4-byte aligned. */
typedef struct {
    void *buf;
    int32_t size;
} se_context;

/* Output clamp, applied after the output zero point is added. ReLU is
 * {max(zp, -128), 127}; ReLU6 is {zp, zp + round(6 / scale)}; none is
 * {-128, 127}. Must satisfy -128 <= min <= max <= 127. */
typedef struct {
    int32_t min;
    int32_t max;
} se_activation;

/* Per-tensor fixed-point multiplier: real = multiplier * 2^(shift - 31).
 * multiplier in [0, 2^31 - 1]; shift in [-31, 30] (positive = left shift). */
typedef struct {
    int32_t multiplier;
    int32_t shift;
} se_quant;

/* Per-output-channel multipliers, arrays of length C_out. */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
} se_per_channel_quant;

/* Parameters shared by the convolution family (conv2d, depthwise, 1x1). */
typedef struct {
    int32_t input_zp;   /* [-128, 127] */
    int32_t output_zp;  /* [-128, 127] */
    int32_t stride_h;   /* >= 1 */
    int32_t stride_w;   /* >= 1 */
    int32_t pad_h;      /* top padding >= 0; bottom padding follows from the output height */
    int32_t pad_w;      /* left padding >= 0; right padding follows from the output width */
    se_activation act;
} se_conv_params;

#ifdef __cplusplus
}
#endif

#endif /* TINYFORMER_RUNTIME_SE_TYPES_H */
