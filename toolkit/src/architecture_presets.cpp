// Named single paths: the models the pipeline, the benchmarks and the tests
// refer to by name (architecture.h).
#include <string>
#include <vector>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/architecture.h"

namespace tinyformer::toolkit {

std::vector<std::string> architecture_names()
{
    return {"tiny", "fmnist", "tinyformer-300k"};
}

ArchConfig named_architecture(const std::string& name)
{
    if (name == "tinyformer-300k") {
        return ArchConfig::tinyformer_300k();
    }
    ArchConfig c;
    c.input_h = c.input_w = 28;
    c.input_c = 1;
    c.classes = 10;
    c.pooling = PoolingKind::SeqPool;
    if (name == "tiny") {
        // 28 -> 14 (8 channels, no blocks) -> 7 (16 channels, one encoder over 49 tokens): trains in seconds.
        c.dots[0] = DoTConfig{8, 2, DownsampleKind::ConvStride2, {}, {}};
        c.dots[1] = DoTConfig{16, 2, DownsampleKind::ConvMaxPool, {2}, {TransformerChoice{1, false, 1}}};
        c.last_dim = 16;
        return c;
    }
    if (name == "fmnist") {
        // 28 -> 14 (16 channels, stride-2 conv, one MobileNetV2) -> 7 (32 channels, conv + max pool, one
        // MobileNetV2 and a transformer with the conv pair over 49 tokens, 2 heads). About 2.3 M MACs,
        // 17 KB of arena and 51 KB of weights: far inside the STM32F746, and quick to train on a CPU.
        c.dots[0] = DoTConfig{16, 2, DownsampleKind::ConvStride2, {2}, {}};
        c.dots[1] = DoTConfig{32, 2, DownsampleKind::ConvMaxPool, {2}, {TransformerChoice{2, true, 1}}};
        c.last_dim = 64;
        return c;
    }
    std::string known;
    for (const std::string& n : architecture_names()) {
        known += (known.empty() ? "" : ", ") + n;
    }
    TF_CHECK(false, "architecture '", name, "' is not a known name (expected one of ", known, ")");
    return c;
}

}  // namespace tinyformer::toolkit
