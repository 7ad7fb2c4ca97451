// Skipping a test case CTest then reports as skipped (see test_main.cpp).
#pragma once

namespace tinyae::test {

constexpr int kSkipReturnCode = 4;  // SKIP_RETURN_CODE in the CMake files

// Marks the running test case skipped (call it, then return); prints why.
void skip(const char* why);

}  // namespace tinyae::test
