// File helpers shared by the dataset readers (private to the toolkit).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinyformer::toolkit::detail {

bool file_exists(const std::string& path);

// The whole file. Throws naming the file when it is missing or unreadable.
std::vector<uint8_t> read_file(const std::string& path);

// The whole file, decompressed when it is gzip-compressed (read as is
// otherwise). Throws naming the file when it is missing, unreadable or a
// corrupt or truncated gzip stream.
std::vector<uint8_t> read_file_gunzip(const std::string& path);

inline uint32_t read_be32(const uint8_t* p)
{
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// A small deterministic generator (SplitMix64): the same sequence on every
// platform and standard library, unlike std::shuffle / std::uniform_int_distribution.
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}
    uint64_t next()
    {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n), n > 0, without modulo bias.
    uint64_t below(uint64_t n)
    {
        const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % n);
        uint64_t r = next();
        while (r >= limit) {
            r = next();
        }
        return r % n;
    }

private:
    uint64_t state_;
};

// A seed for stream (a, b) of `seed`: distinct streams per epoch / sample.
inline uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b = 0)
{
    SplitMix64 g(seed ^ (a * 0xD1B54A32D192ED03ull) ^ (b * 0x8CB92BA72F3D8DD7ull));
    return g.next();
}

// Fisher-Yates permutation of 0..n-1 from `seed`.
std::vector<int64_t> permutation(int64_t n, uint64_t seed);

}  // namespace tinyformer::toolkit::detail
