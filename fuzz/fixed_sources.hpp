#pragma once

// A fixed clock and counting identifiers for the fuzz targets that run services: with them an
// input always produces the same ids, keys and times, so a reproducer reproduces and a seed can
// name the task it created a request earlier ("00000000-0000-4000-8000-000000000001").

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "backbeat/core/time/clock.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/service/ids.hpp"

namespace backbeat::fuzz {

// 2026-03-27T09:00:00.000Z, the instant every fuzzed service lives at.
inline constexpr core::Millis kFuzzNow{std::chrono::milliseconds(1'774'602'000'000)};

class FixedClock final : public core::Clock {
 public:
  core::Millis Now() const override { return kFuzzNow; }
};

// Ids numbered from 1 per kind. Not thread-safe: the fuzz targets are single-threaded.
class CountingIds final : public service::IdSource {
 public:
  // "00000000-0000-4000-8000-<12 hex digits of n>": a valid version-4 UUID.
  std::string NewUuid() override { return Uuid(++uuids_); }
  // "run_" + 24 decimal digits of n.
  std::string NewRunId() override {
    char text[32];
    std::snprintf(text, sizeof text, "run_%024llu", static_cast<unsigned long long>(++runs_));
    return text;
  }
  // 'T' and the decimal n, zero-padded to the length of base64url of `random_bytes` bytes.
  std::string NewToken(size_t random_bytes) override {
    const size_t length = (random_bytes * 4 + 2) / 3;
    std::string digits = std::to_string(++tokens_);
    if (digits.size() + 1 > length) return digits.substr(digits.size() - length);
    return "T" + std::string(length - 1 - digits.size(), '0') + digits;
  }

  static std::string Uuid(uint64_t n) {
    char text[40];
    std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(n));
    return text;
  }

 private:
  uint64_t uuids_ = 0;
  uint64_t runs_ = 0;
  uint64_t tokens_ = 0;
};

}  // namespace backbeat::fuzz
