#pragma once

#include "backbeat/core/time/instant.hpp"

namespace backbeat::core {

// The source of "now". Core never reads the system clock itself: callers pass time in, and
// the layers that need a clock take one of these so tests can drive time by hand.
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis Now() const = 0;
  Instant NowSeconds() const { return std::chrono::floor<std::chrono::seconds>(Now()); }
};

}  // namespace backbeat::core
