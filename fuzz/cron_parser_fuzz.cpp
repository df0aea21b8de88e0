// libFuzzer target for the cron parser and the fire-time search behind it. Arbitrary bytes go to
// CronExpression::Parse; whatever parses must satisfy the invariants in cron_parser_checks.hpp.
// The sanitizers catch memory and UB errors; __builtin_trap() turns a broken invariant into a
// crash the fuzzer records with its reproducer.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/cron_parser_checks.hpp"
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return backbeat::fuzz::CheckOneInput(data, size, "cron", [](std::string_view input) {
    return backbeat::fuzz::CheckCronParserInput(input);
  });
}
