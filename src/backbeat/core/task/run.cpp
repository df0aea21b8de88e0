#include "backbeat/core/task/run.hpp"

#include <array>

namespace backbeat::core {
namespace {

constexpr std::array<std::string_view, 10> kNames = {
    "QUEUED", "DELAYED",  "EXECUTING", "REATTEMPTING", "COMPLETED",
    "FAILED", "CANCELED", "CRASHED",   "INTERRUPTED",  "SYSTEM_FAILURE"};

}  // namespace

std::string_view RunStatusName(RunStatus s) { return kNames[static_cast<size_t>(s)]; }

std::optional<RunStatus> ParseRunStatus(std::string_view s) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == s) return static_cast<RunStatus>(i);
  }
  return std::nullopt;
}

bool IsFinal(RunStatus s) {
  switch (s) {
    case RunStatus::kCompleted:
    case RunStatus::kFailed:
    case RunStatus::kCanceled:
    case RunStatus::kCrashed:
    case RunStatus::kInterrupted:
    case RunStatus::kSystemFailure:
      return true;
    default:
      return false;
  }
}

}  // namespace backbeat::core
