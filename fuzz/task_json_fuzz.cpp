// libFuzzer target for request bodies: arbitrary bytes go to every body decoder (create, update,
// delete, trigger, run action), and what decodes goes on to re-encoding and, for tasks, through
// TaskService on the in-memory store; task_json_checks.hpp says what must hold. A broken
// invariant traps, so the fuzzer records the input.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_zones.hpp"
#include "fuzz/harness.hpp"
#include "fuzz/task_json_checks.hpp"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  backbeat::fuzz::FuzzZones();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return backbeat::fuzz::CheckOneInput(data, size, "task JSON", [](std::string_view input) {
    return backbeat::fuzz::CheckTaskJsonInput(input, backbeat::fuzz::FuzzZones());
  });
}
