#pragma once

#include <chrono>

#include "backbeat/core/time/clock.hpp"

namespace backbeat::app {

// The wall clock. Thread-safe.
class SystemClock final : public core::Clock {
 public:
  core::Millis Now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

}  // namespace backbeat::app
