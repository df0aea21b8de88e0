#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace backbeat::fuzz {

// What every target does with one input: the bytes as text go to `check` (returning a result
// with `ok` and `diagnostic`); a broken invariant is printed first, so the crash report says
// which one broke and not only where, then traps, so libFuzzer records the input.
template <typename Check>
int CheckOneInput(const uint8_t* data, size_t size, const char* what, Check&& check) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto result = check(input);
  if (!result.ok) {
    std::fprintf(stderr, "%s invariant violated: %s\n", what, result.diagnostic.c_str());
    __builtin_trap();
  }
  return 0;
}

}  // namespace backbeat::fuzz
