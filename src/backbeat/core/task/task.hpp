#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backbeat/core/time/instant.hpp"

namespace backbeat::core {

// What a slot does while a run of the same task is still active (API.md section 3).
enum class Overlap { kSkip, kAllow, kQueue };
// What slots missed while the service was down do.
enum class Catchup { kLatest, kAll, kNone };

std::string_view OverlapName(Overlap o);
std::optional<Overlap> ParseOverlap(std::string_view s);
std::string_view CatchupName(Catchup c);
std::optional<Catchup> ParseCatchup(std::string_view s);

// Defaults and bounds of the task extension fields (API.md section 3).
inline constexpr int64_t kDefaultCatchupWindowSeconds = 3600;
inline constexpr int64_t kMaxCatchupWindowSeconds = 31536000;
inline constexpr int kDefaultMaxAttempts = 3;
inline constexpr int kMaxMaxAttempts = 10;
inline constexpr int kDefaultTimeoutSeconds = 3600;
inline constexpr int kMaxTimeoutSeconds = 86400;

// A scheduled task: a prompt run against an artist on a cron schedule. A plain value; the
// schedule text is stored as written (validated), the zone in its canonical name.
struct Task {
  std::string id;  // lowercase UUID
  std::string account_id;
  std::string artist_account_id;
  std::string title;
  std::string prompt;
  std::string schedule;
  std::string timezone = "UTC";
  std::optional<std::string> model;  // nullopt: the server default
  bool enabled = true;
  Overlap overlap = Overlap::kSkip;
  Catchup catchup = Catchup::kLatest;
  int64_t catchup_window_seconds = kDefaultCatchupWindowSeconds;
  int max_attempts = kDefaultMaxAttempts;
  int timeout_seconds = kDefaultTimeoutSeconds;
  Millis created_at{};
  Millis updated_at{};
  // The next nominal slot the scheduler will fire (UTC); nullopt while disabled.
  std::optional<Instant> next_slot;

  friend bool operator==(const Task&, const Task&) = default;
};

// "sched_" + a token derived from the task id while enabled; nullopt while disabled.
std::optional<std::string> TriggerScheduleId(const Task& task);

}  // namespace backbeat::core
