// Test helper: the message of the engine::Error a call throws, so that tests
// can check that errors name the thing, the value and the rule.
#pragma once

#include <string>

#include "tinyformer/engine/error.h"

namespace tinyformer::test_support {

// The message of the engine::Error `call` throws ("" when it throws none;
// any other exception propagates and fails the test).
template <typename Call>
std::string error_of(Call&& call)
{
    try {
        call();
    } catch (const engine::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace tinyformer::test_support

// EXPECT that an error message contains `part`, printing both when it does not.
#define EXPECT_ERROR_MENTIONS(message, part) \
    EXPECT_NE((message).find(part), std::string::npos) << "error: \"" << (message) << "\" should mention " << (part)
