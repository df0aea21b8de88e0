// libFuzzer target for the list endpoints' query strings and page cursors: arbitrary bytes go to
// DecodeListTasksQuery, DecodeListRunsQuery and DecodeCursor, and are read as a cursor position
// to encode; query_checks.hpp says what must hold. A broken invariant traps, so the fuzzer
// records the input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "fuzz/query_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const backbeat::fuzz::CheckResult result = backbeat::fuzz::CheckQueryInput(input);
  if (!result.ok) {
    std::fprintf(stderr, "query invariant violated: %s\n", result.diagnostic.c_str());
    __builtin_trap();
  }
  return 0;
}
