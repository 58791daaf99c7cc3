// libFuzzer target: import_onnx_bytes on arbitrary bytes and on corrupted valid models.
//
// Input layout:
//   byte 0   mode: bit 0 clear -> the rest is the model file as is (parser, checker, everything);
//            bit 0 set -> start from a valid fixture model (onnx_test_models.h; bits 1-2 pick which of the four)
//            and corrupt it, so the checks past parsing (checker, shape inference, QDQ fusion, IR validation)
//            see models that almost work;
//   rest     (corrupting mode) triples (offset low, offset high, xor): byte offset % size ^= xor; bit 3 of
//            byte 0 also truncates the model to a length taken from the last two bytes.
// Checks: no crash, leak or UB (sanitizers); the import either returns a graph that passes Graph::validate() or
// throws tinyformer::engine::Error. Any other exception is a bug (an unchecked case in the import) and aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "onnx_test_models.h"
#include "tinyformer/engine/error.h"
#include "tinyformer/engine/onnx_import.h"

namespace {

const std::vector<std::string>& fixtures()
{
    namespace t = tinyformer::engine::test;
    static const std::vector<std::string> models = {t::cnn_residual_model(), t::transformer_block_model(),
                                                    t::seqpool_model(), t::qlinear_model()};
    return models;
}

std::string corrupted_fixture(const uint8_t* data, size_t size)
{
    std::string model = fixtures()[(data[0] >> 1) & 3];
    size_t i = 1;
    for (; i + 3 <= size; i += 3) {
        const size_t offset = (static_cast<size_t>(data[i]) | static_cast<size_t>(data[i + 1]) << 8) % model.size();
        model[offset] = static_cast<char>(model[offset] ^ static_cast<char>(data[i + 2]));
    }
    if ((data[0] & 8) && size >= 3) {
        const size_t keep = (static_cast<size_t>(data[size - 2]) | static_cast<size_t>(data[size - 1]) << 8);
        model.resize(keep % (model.size() + 1));
    }
    return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1 || size > 65536) return 0;
    const std::string model =
        (data[0] & 1) ? corrupted_fixture(data, size) : std::string(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        const tinyformer::engine::Graph g = tinyformer::engine::import_onnx_bytes(model.data(), model.size(), "fuzz");
        g.validate();
    } catch (const tinyformer::engine::Error&) {
        // a clear rejection: fine
    } catch (const std::exception& e) {
        std::fprintf(stderr, "import threw a non-Error exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
