// libFuzzer target for the whole HTTP request path without sockets: arbitrary bytes are what a
// client sends on one connection; they go through the transport's parser and limits and each
// request through the ApiRouter over the in-memory store with the real services;
// http_request_checks.hpp says what must hold. A broken invariant traps, so the fuzzer records
// the input.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_zones.hpp"
#include "fuzz/harness.hpp"
#include "fuzz/http_request_checks.hpp"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  backbeat::fuzz::FuzzZones();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return backbeat::fuzz::CheckOneInput(data, size, "HTTP request", [](std::string_view input) {
    return backbeat::fuzz::CheckHttpRequestInput(input, backbeat::fuzz::FuzzZones());
  });
}
