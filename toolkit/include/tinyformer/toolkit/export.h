// Export of a quantized model (quantize.h) to an int8 QDQ ONNX model, opset
// 17, in exactly the patterns the engine's importer accepts
// (docs/onnx-import.md, docs/quantization.md):
//   input float [1, C, H, W] -> QuantizeLinear;
//   conv / depthwise: DQ -> Conv(DQ(int8 OIHW, per channel), DQ(int32 bias)) [-> Relu | Clip(0, 6)] -> Q;
//   linear: DQ -> Gemm(transB = 1, DQ(int8 [out, in]), DQ(int32 bias)) [-> Relu] -> Q;
//   pooling, Add, LayerNormalization (float gamma / beta), the canonical
//   attention and SeqPool patterns; feature map <-> tokens as
//   Reshape [C, H*W] + Transpose (and back); logits -> DequantizeLinear (float output [1, classes]).
// The model passes onnx::checker before it is returned or written. No ONNX or
// LibTorch in this header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinyformer/toolkit/quantize.h"

namespace tinyformer::toolkit {

struct ExportOptions {
    std::string graph_name = "tinyformer";
    std::string producer = "tinyformer-toolkit";
};

// The serialized ModelProto. Throws engine::Error if the checker rejects it
// (an exporter bug) or the quantized model is inconsistent.
std::vector<uint8_t> export_onnx_bytes(const QuantizedModel& model, const ExportOptions& options = {});

// The same, written to `path`.
void export_onnx(const QuantizedModel& model, const std::string& path, const ExportOptions& options = {});

}  // namespace tinyformer::toolkit
