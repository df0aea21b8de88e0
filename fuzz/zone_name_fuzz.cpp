// libFuzzer target for time-zone names: arbitrary bytes go to the zone lookup the service uses
// (the system's IANA database) and through the `timezone` field of a request body;
// zone_name_checks.hpp says what must hold. A broken invariant traps, so the fuzzer records the
// input.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_zones.hpp"
#include "fuzz/harness.hpp"
#include "fuzz/zone_name_checks.hpp"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  backbeat::fuzz::FuzzZones();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return backbeat::fuzz::CheckOneInput(data, size, "zone name", [](std::string_view input) {
    return backbeat::fuzz::CheckZoneNameInput(input, backbeat::fuzz::FuzzZones());
  });
}
