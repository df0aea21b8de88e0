// libFuzzer target for the list endpoints' query strings and page cursors: arbitrary bytes go to
// DecodeListTasksQuery, DecodeListRunsQuery and DecodeCursor, and are read as a cursor position
// to encode; query_checks.hpp says what must hold. A broken invariant traps, so the fuzzer
// records the input.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/harness.hpp"
#include "fuzz/query_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return backbeat::fuzz::CheckOneInput(data, size, "query", [](std::string_view input) {
    return backbeat::fuzz::CheckQueryInput(input);
  });
}
