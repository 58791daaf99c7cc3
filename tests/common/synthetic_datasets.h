// Test helper: small labelled image datasets made up in memory, the same
// images for the same arguments on every machine (no files, no downloads).
//
//   auto train = quadrant_dataset(256, 1);   // 8x8x1, 4 classes, learnable in a few epochs
//   auto bars = noisy_28x28_images(64, 4, 1, "bars", {180, 30},
//                                  [](int32_t label, int32_t y, int32_t x) { return y / 7 == label; });
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tinyformer/toolkit/dataset.h"

namespace tinyformer::test_support {

// A learnable task: class k has a bright 4x4 quadrant k on dim noise. Labels are drawn at random from `seed`.
inline std::shared_ptr<const toolkit::Dataset> quadrant_dataset(int32_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> noise(0, 80), bright(150, 255), cls(0, 3);
    std::vector<uint8_t> pixels(static_cast<size_t>(n) * 64);
    std::vector<int32_t> labels(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; i++) {
        const int32_t k = cls(rng);
        labels[static_cast<size_t>(i)] = k;
        for (int32_t y = 0; y < 8; y++) {
            for (int32_t x = 0; x < 8; x++) {
                const bool in = (y / 4) == k / 2 && (x / 4) == k % 2;
                pixels[static_cast<size_t>(i * 64 + y * 8 + x)] = static_cast<uint8_t>(in ? bright(rng) : noise(rng));
            }
        }
    }
    return std::make_shared<toolkit::InMemoryDataset>(toolkit::ImageShape{8, 8, 1}, 4, std::move(pixels),
                                                      std::move(labels), "synthetic quadrants");
}

// Grey levels of the lit and the dark pixels of noisy_28x28_images (before the noise).
struct Levels {
    uint32_t lit = 0;
    uint32_t dark = 0;
};

// `count` 28x28x1 images; image i has label i % classes, and its pixel (y, x) is levels.lit where
// lit(label, y, x) holds, levels.dark elsewhere, plus noise in [0, 31] from an LCG started at `seed`.
template <typename Lit>
std::shared_ptr<const toolkit::Dataset> noisy_28x28_images(int32_t count, int32_t classes, uint32_t seed,
                                                           const std::string& name, Levels levels, Lit lit)
{
    std::vector<uint8_t> pixels;
    std::vector<int32_t> labels;
    uint32_t state = seed;
    for (int32_t i = 0; i < count; i++) {
        const int32_t label = i % classes;
        labels.push_back(label);
        for (int32_t y = 0; y < 28; y++) {
            for (int32_t x = 0; x < 28; x++) {
                state = state * 1103515245u + 12345u;
                const uint32_t level = lit(label, y, x) ? levels.lit : levels.dark;
                pixels.push_back(static_cast<uint8_t>(level + ((state >> 24) & 31u)));
            }
        }
    }
    return std::make_shared<toolkit::InMemoryDataset>(toolkit::ImageShape{28, 28, 1}, classes, std::move(pixels),
                                                      std::move(labels), name);
}

}  // namespace tinyformer::test_support
