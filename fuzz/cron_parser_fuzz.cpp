// libFuzzer target for the cron parser and the fire-time search behind it. Arbitrary bytes go to
// CronExpression::Parse; whatever parses must satisfy the invariants in cron_parser_checks.hpp.
// The sanitizers catch memory and UB errors; __builtin_trap() turns a broken invariant into a
// crash the fuzzer records with its reproducer.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "fuzz/cron_parser_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const backbeat::fuzz::CronCheckResult result = backbeat::fuzz::CheckCronParserInput(input);
  if (!result.ok) {
    // Printed first so the crash report says which invariant broke, not only where.
    std::fprintf(stderr, "cron invariant violated: %s\n", result.diagnostic.c_str());
    __builtin_trap();
  }
  return 0;
}
