#include "dataset_io.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

#include "tinyformer/engine/error.h"

namespace tinyformer::toolkit::detail {

bool file_exists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<uint8_t> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    TF_CHECK(in.good(), "dataset file '", path, "' cannot be opened: ", std::strerror(errno));
    const std::streamoff size = in.tellg();
    TF_CHECK(size >= 0, "dataset file '", path, "': cannot determine its size");
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(bytes.data()), size);
    TF_CHECK(in.gcount() == size, "dataset file '", path, "': read ", in.gcount(), " of ", size, " bytes");
    return bytes;
}

std::vector<uint8_t> read_file_gunzip(const std::string& path)
{
    TF_CHECK(file_exists(path), "dataset file '", path, "' does not exist");
    gzFile gz = gzopen(path.c_str(), "rb");
    TF_CHECK(gz != nullptr, "dataset file '", path, "' cannot be opened: ", std::strerror(errno));
    std::vector<uint8_t> bytes;
    constexpr unsigned kChunk = 1u << 20;
    for (;;) {
        const size_t old = bytes.size();
        bytes.resize(old + kChunk);
        const int got = gzread(gz, bytes.data() + old, kChunk);
        if (got < 0) {
            int code = 0;
            const std::string why = gzerror(gz, &code);
            gzclose(gz);
            TF_CHECK(false, "dataset file '", path, "' is not a valid gzip stream (", why,
                     "): truncated or corrupt after ", old, " decompressed bytes");
        }
        bytes.resize(old + static_cast<size_t>(got));
        if (got == 0) {
            break;
        }
    }
    int code = Z_OK;
    const std::string why = gzerror(gz, &code);
    gzclose(gz);
    // zlib reports a stream cut short as Z_BUF_ERROR ("unexpected end of file") after the last good bytes.
    TF_CHECK(code == Z_OK || code == Z_STREAM_END, "dataset file '", path, "' is not a valid gzip stream (", why,
             "): truncated or corrupt after ", bytes.size(), " decompressed bytes");
    return bytes;
}

std::vector<int64_t> permutation(int64_t n, uint64_t seed)
{
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        order[static_cast<size_t>(i)] = i;
    }
    SplitMix64 rng(seed);
    for (int64_t i = n - 1; i > 0; --i) {
        const auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i) + 1));
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
    }
    return order;
}

}  // namespace tinyformer::toolkit::detail
