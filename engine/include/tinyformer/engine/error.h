// Errors the engine reports to its users.
//
// A user error (malformed file, unsupported op, impossible limit) throws
// tinyformer::engine::Error with a message that names the thing, the value and
// the rule, e.g. "layer 'conv3': block size 5 is not supported (allowed: 2, 3, 4)".
// Broken internal invariants use TF_INTERNAL_ASSERT, which also throws but says
// it is a bug.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace tinyformer::engine {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Args>
std::string concat(Args&&... args)
{
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}
}  // namespace detail

}  // namespace tinyformer::engine

// TF_CHECK(cond, parts...): throws Error(parts...) when cond is false.
#define TF_CHECK(cond, ...)                                                                          \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            throw ::tinyformer::engine::Error(::tinyformer::engine::detail::concat(__VA_ARGS__));    \
        }                                                                                            \
    } while (0)

#define TF_INTERNAL_ASSERT(cond)                                                                     \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            throw ::tinyformer::engine::Error(::tinyformer::engine::detail::concat(                  \
                "internal error (a bug in TinyFormer): ", #cond, " at ", __FILE__, ":", __LINE__));  \
        }                                                                                            \
    } while (0)
