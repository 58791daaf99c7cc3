#include "tinyformer/engine/quantize_multiplier.h"

#include <cmath>

#include "tinyformer/engine/error.h"

namespace tinyformer::engine {

se_quant quantize_multiplier(double real, const char* what)
{
    TF_CHECK(std::isfinite(real) && real >= 0.0, what, " ", real, " must be finite and >= 0");
    if (real == 0.0) {
        return {0, 0};
    }
    int exponent = 0;
    const double fraction = std::frexp(real, &exponent);  // real = fraction * 2^exponent, fraction in [0.5, 1)
    int64_t fixed = static_cast<int64_t>(std::llround(fraction * 2147483648.0));
    if (fixed == (int64_t{1} << 31)) {
        fixed /= 2;
        exponent++;
    }
    if (exponent < -31) {
        return {0, 0};
    }
    TF_CHECK(exponent <= 30, what, " ", real, " is too large (at most 2^30)");
    return {static_cast<int32_t>(fixed), exponent};
}

}  // namespace tinyformer::engine
